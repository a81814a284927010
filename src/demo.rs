//! `purser demo`: a self-contained demo in its own folder — configuration with users for
//! every role, sample quotes from several customers, approval rules, and orders in
//! several statuses — built through the same service calls people use.
//!
//! The demo talks to the sandbox servers ([`crate::sandbox`]), so everything but the
//! sample quotes and the command's arguments is part of the `demo` cargo feature (on by
//! default). A build without it parses `purser demo` and says it has no demo.

use std::path::PathBuf;

#[cfg(feature = "demo")]
use {
    crate::app::{CreateOrder, PlaceRequest, Service},
    crate::config::{Config, PsaKind},
    crate::domain::receiving::ReceiveRequest,
    crate::domain::{ApprovalRule, ItemId, OrderType, PendingItem, PlacementMethod, PoNumber},
    crate::identity::{self, Actor},
    crate::store::Store,
    crate::wiring::{CliError, Global},
    std::path::Path,
    std::sync::Arc,
};

/// `purser demo`'s arguments.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Build the demo here instead of a new temporary folder
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Only build it and print how to explore it; do not open the screens
    #[arg(long)]
    pub no_tui: bool,
    /// Connect a sandbox PSA on loopback (autotask, connectwise, halopsa)
    #[arg(long, value_name = "KIND")]
    pub psa: Option<String>,
}

/// The sample quotes shipped in `assets/samples/`, embedded in the binary.
pub const SAMPLES: &[(&str, &str)] = &[
    (
        "q-2026-0142-dentalcare-west.json",
        include_str!("../assets/samples/q-2026-0142-dentalcare-west.json"),
    ),
    (
        "q-2026-0150-bakker-logistics.json",
        include_str!("../assets/samples/q-2026-0150-bakker-logistics.json"),
    ),
    (
        "q-2026-0155-van-dijk-accountants.json",
        include_str!("../assets/samples/q-2026-0155-van-dijk-accountants.json"),
    ),
    (
        "q-2026-0161-northwind-clinics.csv",
        include_str!("../assets/samples/q-2026-0161-northwind-clinics.csv"),
    ),
];

/// The demo configuration; `{os_user}`, `{inbox}` and `{mail}` are filled in.
#[cfg(feature = "demo")]
const DEMO_CONFIG: &str = include_str!("../assets/demo-config.toml");

/// Paths of a built demo.
#[cfg(feature = "demo")]
pub struct Demo {
    pub dir: PathBuf,
    pub db: PathBuf,
    pub config: PathBuf,
    pub inbox: PathBuf,
}

#[cfg(feature = "demo")]
fn io(what: &str, p: &Path, e: std::io::Error) -> CliError {
    CliError::new(format!("demo: cannot {what} {}: {e}", p.display()), 3)
}

/// The loopback sandboxes a demo talks to: distributors always, a PSA when asked. They
/// serve while this value lives.
#[cfg(feature = "demo")]
pub struct Sandboxes {
    _distributors: crate::sandbox::distributors::Sandbox,
    _psa: Option<crate::sandbox::psa::FakePsa>,
    /// Configuration sections pointing at them.
    config: String,
    pub psa: PsaKind,
}

/// The PSA ids the sample quotes carry.
#[cfg(feature = "demo")]
fn demo_psa_ids() -> crate::sandbox::psa::DemoIds {
    crate::sandbox::psa::DemoIds {
        companies: vec![29683512, 29680044, 29681200, 29689001],
        products: vec![
            30012, 30013, 30014, 30015, 30016, 30020, 30021, 30022, 30023, 30030, 30031, 30032, 30033, 30040, 30041,
        ],
        opportunities: vec![9913, 9920, 9931],
    }
}

/// Starts the sandbox distributors (Ingram Micro, TD SYNNEX, Pax8 under the keys the
/// sample quotes use) and, for `psa`, a sandbox PSA, on loopback.
#[cfg(feature = "demo")]
pub fn start_sandboxes(dir: &Path, psa: PsaKind) -> Result<Sandboxes, CliError> {
    let fail = |what: &str, e: std::io::Error| CliError::new(format!("demo: cannot start the {what} sandbox: {e}"), 3);
    // The sandbox's secret is read from the environment; set it before threads start.
    crate::sandbox::distributors::Sandbox::set_secret_env();
    let distributors = crate::sandbox::distributors::start().map_err(|e| fail("distributor", e))?;
    // The sample quotes are in euros: the sandboxes price in euros too, so the latest
    // cost can be taken on every demo item whose distributor has a price API.
    for fake in [&distributors.ingram, &distributors.tdsynnex_eu, &distributors.pax8] {
        fake.set_currency("EUR");
    }
    let mut config = distributors
        .config_toml()
        .replace("[distributors.ingram_sandbox]", "[distributors.ingram]")
        .replace("[distributors.tdsynnex_eu_sandbox]", "[distributors.tdsynnex]")
        .replace("[distributors.pax8_sandbox]", "[distributors.pax8]")
        .replace("currency = \"USD\"", "currency = \"EUR\"");
    let keys = ["ingram", "tdsynnex", "pax8", "also", "dicker"];
    let psa_fake = match crate::sandbox::psa::start_for_demo(psa, &dir.join("secrets"), &keys, &demo_psa_ids())
        .map_err(|e| fail("PSA", e))?
    {
        Some((fake, text)) => {
            config.push('\n');
            config.push_str(&text);
            Some(fake)
        }
        None => {
            config.push_str("\n[psa]\nkind = \"none\"\n");
            None
        }
    };
    Ok(Sandboxes {
        _distributors: distributors,
        _psa: psa_fake,
        config,
        psa,
    })
}

/// Builds the demo in `dir` (which must not hold a demo database yet), talking to
/// `sandboxes`.
#[cfg(feature = "demo")]
pub fn build(dir: &Path, sandboxes: &Sandboxes) -> Result<Demo, CliError> {
    let os_user = identity::os_account().map_err(|e| CliError::new(e.to_string(), 2))?;
    let demo = Demo {
        dir: dir.to_path_buf(),
        db: dir.join("purser.redb"),
        config: dir.join("config.toml"),
        inbox: dir.join("inbox"),
    };
    if demo.db.exists() {
        return Err(CliError::new(
            format!("{} already holds a demo database; choose another --dir", dir.display()),
            2,
        ));
    }
    std::fs::create_dir_all(&demo.inbox).map_err(|e| io("create", &demo.inbox, e))?;
    let config_text = DEMO_CONFIG
        .replace("{os_user}", &os_user)
        .replace("{inbox}", &demo.inbox.display().to_string().replace('\\', "\\\\"))
        .replace("{mail}", &dir.join("mail").display().to_string().replace('\\', "\\\\"))
        .replace("[psa]\nkind = \"none\"\n", "")
        + &sandboxes.config;
    std::fs::write(&demo.config, &config_text).map_err(|e| io("write", &demo.config, e))?;
    let config = Config::parse(&config_text).map_err(|e| CliError::new(format!("demo configuration: {e}"), 3))?;
    let store = Store::open(&demo.db)?;
    let svc = Service::new(store, Arc::new(config.clone()), crate::app::system_clock());
    populate(&svc, &config)?;
    // One more sample waits in the inbox, to try `purser inbox run`.
    let (name, text) = SAMPLES[3];
    std::fs::write(demo.inbox.join(name), text).map_err(|e| io("write", &demo.inbox, e))?;
    Ok(demo)
}

#[cfg(feature = "demo")]
fn as_user(config: &Config, name: &str) -> Actor {
    identity::resolve(config, Some(name), name).expect("demo users are configured")
}

#[cfg(feature = "demo")]
fn item_ids(svc: &Service, quote: &str, skus: &[&str]) -> Result<Vec<ItemId>, CliError> {
    let items: Vec<PendingItem> = svc.list_items(&Default::default())?;
    Ok(skus
        .iter()
        .filter_map(|sku| {
            items
                .iter()
                .find(|i| i.quote_id == quote && i.sku == *sku)
                .map(|i| i.id)
        })
        .collect())
}

#[cfg(feature = "demo")]
fn populate(svc: &Service, config: &Config) -> Result<(), CliError> {
    let alice = as_user(config, "alice");
    let ada = as_user(config, "ada");
    let carol = as_user(config, "carol");
    let rick = as_user(config, "rick");
    for (name, text) in &SAMPLES[..3] {
        svc.import_text(&alice, name, text)?;
    }
    svc.add_rule(
        &ada,
        ApprovalRule {
            from: "5000".parse().unwrap(),
            to: Some("20000".parse().unwrap()),
            approver: "carol".into(),
        },
    )?;
    svc.add_rule(
        &ada,
        ApprovalRule {
            from: "20000.01".parse().unwrap(),
            to: None,
            approver: "dave".into(),
        },
    )?;

    let create = |distributor: &str, items: Vec<ItemId>, order_type: OrderType| -> Result<PoNumber, CliError> {
        Ok(svc
            .create_order(
                &alice,
                CreateOrder {
                    distributor: distributor.into(),
                    order_type,
                    items,
                    ..Default::default()
                },
            )?
            .number)
    };
    let place = |actor: &Actor, po: PoNumber, method: PlacementMethod| -> Result<(), CliError> {
        svc.place(actor, PlaceRequest { po, method, link: None })?;
        Ok(())
    };
    // Dentalcare: docks placed by hand and fully received; notebooks received in part.
    let docks = create(
        "ingram",
        item_ids(svc, "Q-2026-0142", &["40AY0090EU"])?,
        OrderType::Wholesale,
    )?;
    place(&alice, docks, PlacementMethod::Manual)?;
    svc.receive(
        &rick,
        docks,
        ReceiveRequest {
            line: 1,
            quantity: Some(3),
            serials: vec![],
        },
    )?;
    let notebooks = create(
        "ingram",
        item_ids(svc, "Q-2026-0142", &["20XW00A1NL"])?,
        OrderType::Dropship,
    )?;
    place(&alice, notebooks, PlacementMethod::Manual)?;
    svc.receive(
        &rick,
        notebooks,
        ReceiveRequest {
            line: 1,
            quantity: None,
            serials: vec!["PF4XK2A1".into()],
        },
    )?;
    // Van Dijk: workstations need carol's approval (over 5,000).
    let ws = create(
        "ingram",
        item_ids(svc, "Q-2026-0155", &["WS-Z2-G9", "NAS-DS923"])?,
        OrderType::Wholesale,
    )?;
    place(&alice, ws, PlacementMethod::Manual)?;
    // Bakker: access points and switches, submitted, waiting for goods at the dock.
    let wifi = create(
        "tdsynnex",
        item_ids(svc, "Q-2026-0150", &["AP-650", "SW-2930F-24"])?,
        OrderType::Wholesale,
    )?;
    place(&carol, wifi, PlacementMethod::Manual)?;
    // A pending order still being put together, and a cancelled one.
    create(
        "ingram",
        item_ids(svc, "Q-2026-0155", &["HDD-8TB-NAS"])?,
        OrderType::Wholesale,
    )?;
    let cancelled = create(
        "dicker",
        item_ids(svc, "Q-2026-0155", &["UPS-1500"])?,
        OrderType::Wholesale,
    )?;
    svc.cancel(&alice, cancelled)?;
    // Through the sandbox API and by email, run to the end as the screens would.
    let sent = |po: PoNumber, method: PlacementMethod| -> Result<(), CliError> {
        let r = svc.place(&alice, PlaceRequest { po, method, link: None })?;
        if let Some(job) = r.job {
            crate::jobs::outbox::run_job_now(svc, &alice, job)?;
        }
        Ok(())
    };
    let monitors = create(
        "tdsynnex",
        item_ids(svc, "Q-2026-0142", &["P24H-2L"])?,
        OrderType::Dropship,
    )?;
    sent(monitors, PlacementMethod::Api)?;
    let cables = create(
        "also",
        item_ids(svc, "Q-2026-0150", &["CAT6-2M-BL"])?,
        OrderType::Wholesale,
    )?;
    sent(cables, PlacementMethod::Email)?;
    // Notices and PSA sync, as the running screens would do them.
    crate::jobs::outbox::run_due_now(svc, &alice)?;
    Ok(())
}

/// Prints what the demo made and how to explore it.
#[cfg(feature = "demo")]
pub fn describe(demo: &Demo) -> String {
    let db = demo.db.display();
    let cfg = demo.config.display();
    format!(
        "Purser demo built in {dir}
  database       {db}
  configuration  {cfg}
  inbox          {inbox} (one quote waiting)

Users (any of them with --user NAME): alice (buyer), carol (approver, buyer),
dave (approver), rick (receiver at the dock), ada (admin).
Approval rules: 5,000.00 – 20,000.00 → carol; above 20,000.00 → dave.
Orders: PO-000001 completed, PO-000002 partial, PO-000003 awaiting carol,
PO-000004 submitted (ready to receive), PO-000005 pending, PO-000006 cancelled,
PO-000007 placed through the TD SYNNEX sandbox API, PO-000008 emailed to ALSO.
Emails are written to {mail} (open the .eml files).
Ingram Micro, TD SYNNEX and Pax8 (and the PSA, with --psa) are SANDBOX servers on
127.0.0.1 that run only while `purser demo` does: they stopped with it, so a command that
calls a distributor or the PSA (placing through an API, a PSA sync) now fails to connect.
Their secret is in PURSER_SANDBOX_SECRET. Everything else works on the files.

Try:
  export PURSER_DB={db} PURSER_CONFIG={cfg}
  export PURSER_SANDBOX_SECRET={secret}
  purser pending list
  purser po list
  purser --user carol po approve PO-000003 --via manual
  purser --user rick po receive PO-000004 --line 1 --serial SN-AP-0001
  purser inbox run
  purser audit --po PO-000002
  purser audit verify
",
        dir = demo.dir.display(),
        inbox = demo.inbox.display(),
        mail = demo.dir.join("mail").display(),
        secret = crate::sandbox::distributors::SECRET,
    )
}

/// `purser demo`: builds the demo, then opens the screens on it (as the account running
/// it, which holds every role there, or as `--user NAME`) unless `--no-tui`.
#[cfg(feature = "demo")]
pub fn run(g: &Global, args: &DemoArgs) -> Result<(), CliError> {
    let psa = match args.psa.as_deref() {
        None | Some("none") => PsaKind::None,
        Some("autotask") => PsaKind::Autotask,
        Some("connectwise") => PsaKind::Connectwise,
        Some("halopsa") => PsaKind::Halopsa,
        Some(other) => {
            return Err(CliError::new(
                format!("demo: `{other}` is not a PSA (autotask, connectwise, halopsa, none)"),
                2,
            ))
        }
    };
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => tempfile::Builder::new()
            .prefix("purser-demo-")
            .tempdir()
            .map_err(|e| CliError::new(format!("demo: cannot make a temporary folder: {e}"), 3))?
            .keep(),
    };
    let sandboxes = start_sandboxes(&dir, psa)?;
    let demo = build(&dir, &sandboxes)?;
    if !args.no_tui {
        let on_demo = Global {
            db: Some(demo.db.clone()),
            config: Some(demo.config.clone()),
            user: g.user.clone(),
            json: false,
            socket: None,
            db_given: crate::serve::Given::CommandLine,
            socket_given: crate::serve::Given::Not,
        };
        let (service, actor) = crate::wiring::open(&on_demo)?;
        crate::tui::run(crate::tui::Source::Direct(service, actor, None))
            .map_err(|e| CliError::new(e.to_string(), 1))?;
    }
    println!("{}", describe(&demo).trim_end());
    Ok(())
}

#[cfg(all(test, feature = "demo"))]
mod tests {
    use super::*;

    #[test]
    fn every_demo_user_can_be_told_and_the_latest_cost_works_on_demo_items() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("demo");
        std::fs::create_dir_all(&d).unwrap();
        let sandboxes = start_sandboxes(&d, PsaKind::None).unwrap();
        let demo = build(&d, &sandboxes).unwrap();
        let config = Config::load(&demo.config).unwrap();
        for (name, user) in &config.users {
            assert!(user.email.is_some(), "demo user {name} has no email address");
        }
        let store = crate::store::Store::open(&demo.db).unwrap();
        let svc = Service::new(store, Arc::new(config.clone()), crate::app::system_clock());
        let actor = crate::identity::Actor {
            name: "alice".into(),
            roles: crate::domain::Roles::new(config.users["alice"].roles.iter().copied()),
        };
        let priced: Vec<_> = svc
            .list_items(&Default::default())
            .unwrap()
            .into_iter()
            .filter(|i| {
                let kind = i
                    .distributor
                    .as_deref()
                    .and_then(|k| config.distributors.get(k))
                    .map(|d| d.kind);
                // TD SYNNEX's price API is not among the saved public documents.
                matches!(
                    kind,
                    Some(crate::config::DistributorKind::Ingram | crate::config::DistributorKind::Pax8)
                )
            })
            .collect();
        assert!(!priced.is_empty(), "the demo has items to price");
        for item in priced {
            let id = item.id;
            let r = crate::jobs::db::with_db(&svc, |db| {
                crate::jobs::db::block_on(crate::jobs::price::refresh_cost(&db, &actor, id, None))
            });
            assert!(r.is_ok(), "item {id} ({:?}): {}", item.distributor, r.unwrap_err());
        }
    }
}
