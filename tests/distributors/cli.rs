//! Price refresh and comparison, and the command line (`po place --via api` waiting for
//! its job, Pax8 options, `pending refresh-cost`) against the sandbox distributors.

use crate::support::*;
use purser::jobs::price;
use rust_decimal::Decimal;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_purser");

#[test]
fn latest_cost_is_fetched_and_audited_old_to_new() {
    let w = world();
    let d = "ingram_sandbox";
    w.svc
        .import_text(&w.alice(), "q.json", &quote("Q-1", d, &[("DF4128", 2, "61.22")]))
        .unwrap();
    w.sandbox.ingram.set_price("DF4128", "58.90", 42);
    let c = purser::jobs::db::with_db(&w.svc, |db| {
        purser::jobs::db::block_on(price::refresh_cost(&db, &w.alice(), 1, None))
    })
    .unwrap();
    assert_eq!(c.old, Decimal::new(6122, 2));
    assert_eq!(c.new, Decimal::new(5890, 2));
    assert_eq!(c.available, Some(42));
    assert_eq!(w.svc.item(1).unwrap().unit_cost, Decimal::new(5890, 2));
    let trail = w.svc.audit(&Default::default()).unwrap();
    let e = trail.iter().find(|e| e.action == "item.cost").expect("audited");
    assert_eq!(e.before["unit_cost"], "61.22");
    assert_eq!(e.after["unit_cost"], "58.90");
    assert!(e.after["source"].as_str().unwrap().contains("42 in stock"));
    assert!(
        w.sandbox.ingram.violations().is_empty(),
        "{:?}",
        w.sandbox.ingram.violations()
    );
    // An unknown part is explained and changes nothing.
    w.svc
        .import_text(&w.alice(), "q2.json", &quote("Q-2", d, &[("XX000", 1, "5")]))
        .unwrap();
    let e = purser::jobs::db::with_db(&w.svc, |db| {
        purser::jobs::db::block_on(price::refresh_cost(&db, &w.alice(), 2, None))
    })
    .unwrap_err();
    assert!(e.to_string().contains("Product not found"), "{e}");
    assert_eq!(w.svc.item(2).unwrap().unit_cost, Decimal::new(5, 0));
}

#[test]
fn the_comparison_lists_every_distributor_cheapest_in_stock_first() {
    let w = world();
    w.svc
        .import_text(
            &w.alice(),
            "q.json",
            &quote("Q-1", "ingram_sandbox", &[("DF4128", 5, "61.22")]),
        )
        .unwrap();
    w.sandbox.ingram.set_price("DF4128", "50.00", 2); // cheap but short
    let offers = purser::jobs::db::with_db(&w.svc, |db| purser::jobs::db::block_on(price::compare(&db, 1))).unwrap();
    assert_eq!(offers.len(), 5, "every distributor with an API is asked");
    let ingram = offers.iter().find(|o| o.distributor == "ingram_sandbox").unwrap();
    assert_eq!(ingram.unit_cost, Some(Decimal::new(5000, 2)));
    assert_eq!(ingram.available, Some(2));
    assert!(
        offers.iter().any(|o| o.error.is_some()),
        "those without a price say why"
    );
    // Plenty in stock at a higher price wins over a cheaper offer that is short.
    w.sandbox.ingram.set_price("DF4128", "50.00", 500);
    let offers = purser::jobs::db::with_db(&w.svc, |db| purser::jobs::db::block_on(price::compare(&db, 1))).unwrap();
    assert!(offers[0].best && offers[0].distributor == "ingram_sandbox");
}

#[test]
fn a_price_in_another_currency_is_listed_but_never_the_best() {
    let w = world();
    // The same part on a quote in pounds: the sandbox distributors price in dollars.
    let text = quote("Q-GBP", "ingram_sandbox", &[("DF4128", 5, "48.00")]).replace("\"USD\"", "\"GBP\"");
    w.svc.import_text(&w.alice(), "q.json", &text).unwrap();
    w.sandbox.ingram.set_price("DF4128", "1.00", 500);
    let offers = purser::jobs::db::with_db(&w.svc, |db| purser::jobs::db::block_on(price::compare(&db, 1))).unwrap();
    let ingram = offers.iter().find(|o| o.distributor == "ingram_sandbox").unwrap();
    assert_eq!(ingram.unit_cost, Some(Decimal::new(100, 2)), "still listed");
    assert!(ingram.currency.as_deref().is_some_and(|c| c != "GBP"));
    assert!(
        offers.iter().all(|o| !o.best),
        "no price in GBP to choose from: {offers:?}"
    );
}

struct Cli {
    dir: tempfile::TempDir,
    _sandbox: purser::sandbox::distributors::Sandbox,
}

impl Cli {
    fn new() -> Cli {
        let sandbox = purser::sandbox::distributors::start().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "[identity]\nallow_user_override = true\n[users.alice]\nroles = [\"buyer\"]\n{}",
            sandbox.config_toml()
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Cli { dir, _sandbox: sandbox }
    }

    fn run(&self, args: &[&str]) -> (i32, serde_json::Value, String) {
        if !self.dir.path().join("p.redb").exists() {
            crate::shared::init_db(&self.dir.path().join("p.redb"));
        }
        let out = Command::new(BIN)
            .arg("--db")
            .arg(self.dir.path().join("p.redb"))
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(["--user", "alice", "--json"])
            .args(args)
            .env(
                purser::sandbox::distributors::SECRET_ENV,
                purser::sandbox::distributors::SECRET,
            )
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
        (
            out.status.code().unwrap_or(-1),
            json,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

#[test]
fn po_place_via_api_waits_and_reports_the_distributor_order() {
    let cli = Cli::new();
    let q = cli.file("q.json", &quote("Q-1", "ingram_sandbox", &[("DF4128", 1, "61.22")]));
    assert_eq!(cli.run(&["quote", "import", &q]).0, 0);
    let (code, _, err) = cli.run(&["po", "create", "--distributor", "ingram_sandbox", "1"]);
    assert_eq!(code, 0, "{err}");
    let (code, json, err) = cli.run(&["po", "place", "PO-000001", "--via", "api"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["outcome"], "placed", "{json}");
    assert!(
        json["distributor_orders"][0]["number"]
            .as_str()
            .unwrap()
            .starts_with("20-SBX"),
        "{json}"
    );
    assert_eq!(json["distributor_orders"][0]["status"], "processing");
    let (code, json, _) = cli.run(&["pending", "refresh-cost", "1", "--compare"]);
    assert_eq!(code, 0);
    assert!(json[0]["offers"].as_array().unwrap().len() >= 2, "{json}");
}

#[test]
fn pax8_options_are_taken_on_po_place_and_a_long_value_is_refused_before_placing() {
    let cli = Cli::new();
    let q = cli.file(
        "q.json",
        &pax8_quote(
            "Q-1",
            "pax8_sandbox",
            &[("1e91bba5-a9a3-483f-b036-f80165d410e3", 3, "32.01")],
        ),
    );
    assert_eq!(cli.run(&["quote", "import", &q]).0, 0);
    assert_eq!(cli.run(&["po", "create", "--distributor", "pax8_sandbox", "1"]).0, 0);
    let (code, json, err) = cli.run(&[
        "po",
        "place",
        "PO-000001",
        "--via",
        "api",
        "--billing-term",
        "annual",
        "--commitment",
        "auto",
        "--provision",
        "msCustExists=No, the customer does not have a Microsoft account",
        "--provision",
        "msDomain=dentalcarewest",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["outcome"], "placed", "{json}");
    assert_eq!(
        json["distributor_orders"][0]["subscriptions"].as_array().unwrap().len(),
        1
    );

    // TD SYNNEX takes 30 characters for the ship-to name: refused when the order is made.
    let q2 = cli.file(
        "q2.json",
        &quote("Q-2", "tdsynnex_us_sandbox", &[("108725", 1, "7.47")]),
    );
    assert_eq!(cli.run(&["quote", "import", &q2]).0, 0);
    let addr = cli.file(
        "addr.json",
        r#"{"name": "Dentalcare West Regional Practice Group", "street": "118 Clarence Street", "city": "Fredericksburg",
            "state": "VA", "postal_code": "22407", "country": "US"}"#,
    );
    let (code, _, err) = cli.run(&[
        "po",
        "create",
        "--distributor",
        "tdsynnex_us_sandbox",
        "2",
        "--type",
        "dropship",
        "--ship-to",
        &addr,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("ship-to name") && err.contains("at most 30"), "{err}");
    let (code, _, _) = cli.run(&["po", "show", "PO-000002"]);
    assert_ne!(code, 0, "no order was made");
}
