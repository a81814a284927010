//! Dispatch: resolve configuration, store and actor, run one command, print the result.

use super::args::*;
use super::print;
use crate::app::audit::{audit_csv, AuditFilter};
use crate::app::Service;
use crate::domain::audit::AnchorSpec;
use crate::domain::item::ItemFilter;
use crate::domain::money::parse_amount;
use crate::domain::text::{printable, printable_lines};
use crate::domain::{Address, ApprovalRule, OrderType, PlacementMethod, PoNumber};
use crate::identity::Actor;
use crate::serve::Given;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;

pub use super::io::Io;

pub use crate::wiring::CliError;

/// Everything a command needs.
pub struct Ctx {
    pub service: Arc<Service>,
    pub actor: Actor,
    pub json: bool,
    /// Where its text and files go (here, or back to a client of the service).
    pub io: Io,
}

impl Ctx {
    /// Loads configuration, opens the database, resolves who is acting.
    pub fn open(global: &Global) -> Result<Ctx, CliError> {
        let (service, actor) = crate::wiring::open(global)?;
        Ok(Ctx {
            service: Arc::new(service),
            actor,
            json: global.json,
            io: Io::Local,
        })
    }

    pub(super) fn out<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        if self.json {
            self.println(&serde_json::to_string_pretty(value).expect("output serializes"));
        } else {
            let text = human();
            if !text.is_empty() {
                self.println(&printable_lines(text.trim_end()));
            }
        }
    }
}

pub(super) fn po_arg(s: &str) -> Result<PoNumber, CliError> {
    s.parse().map_err(|e: String| CliError::new(e, 2))
}

pub(super) fn address_file(ctx: &Ctx, path: &Path, what: &str) -> Result<Address, CliError> {
    let text = ctx
        .read_text(path)
        .map_err(|e| CliError::new(format!("{what} file {}: {e}", path.display()), 2))?;
    serde_json::from_str::<Address>(&text).map_err(|e| {
        CliError::new(
            format!(
                "{what} file {}: {e} (expected an object with name, street, city, postal_code, country, …)",
                path.display()
            ),
            2,
        )
    })
}

pub(super) fn order_type(t: TypeArg) -> OrderType {
    match t {
        TypeArg::Wholesale => OrderType::Wholesale,
        TypeArg::Dropship => OrderType::Dropship,
    }
}

pub(super) fn method(v: ViaArg) -> PlacementMethod {
    match v {
        ViaArg::Api => PlacementMethod::Api,
        ViaArg::Email => PlacementMethod::Email,
        ViaArg::Manual => PlacementMethod::Manual,
        ViaArg::Skip => PlacementMethod::Skip,
    }
}

pub(super) fn amount(s: &str, what: &str) -> Result<rust_decimal::Decimal, CliError> {
    parse_amount(s).map_err(|m| CliError::new(format!("{what}: {m}"), 2))
}

/// Parses `args` (the program name first) and runs them; returns the exit code. A command
/// line clap refuses is reported like any other error: as JSON on stderr under `--json`,
/// with exit code 2. Help and version go to stdout as clap writes them.
pub fn main_args(args: Vec<std::ffi::OsString>) -> i32 {
    match parse(&args) {
        Ok(cli) => main_with(cli, &args),
        Err(e) if empty_variable(&e).is_some() => {
            let name = empty_variable(&e).unwrap_or_default();
            let message = format!("{name} is set but empty: give it a path, or unset it");
            if args.iter().skip(1).any(|a| a == "--json") {
                eprintln!("{}", serde_json::json!({ "error": message, "code": 2 }));
            } else {
                eprintln!("purser: {message}");
            }
            2
        }
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            0
        }
        Err(e) if args.iter().skip(1).any(|a| a == "--json") => {
            eprintln!("{}", serde_json::json!({ "error": clap_message(&e), "code": 2 }));
            2
        }
        Err(e) => {
            let _ = e.print();
            2
        }
    }
}

/// The path variable that is set but empty when that is what clap refuses (it names the
/// option the variable stands for, which was never typed).
fn empty_variable(e: &clap::Error) -> Option<&'static str> {
    if e.kind() != clap::error::ErrorKind::InvalidValue {
        return None;
    }
    let said = e.render().to_string();
    [
        ("PURSER_DB", "'--db "),
        ("PURSER_CONFIG", "'--config "),
        ("PURSER_SOCKET", "'--socket "),
    ]
    .into_iter()
    .find(|(var, option)| said.contains(option) && std::env::var_os(var).is_some_and(|x| x.is_empty()))
    .map(|(var, _)| var)
}

/// The command line `args` (the program name first), noting which of its options were
/// typed and which came from the environment.
pub fn parse(args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command().try_get_matches_from(args)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    cli.global.note_sources(&matches);
    Ok(cli)
}

/// What clap says about a command line it refuses, on one line: its first paragraph
/// (the error, and what it lists under it, such as the missing arguments), without the
/// usage and the hints after it.
pub(super) fn clap_message(e: &clap::Error) -> String {
    let message = e.render().to_string();
    message
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches("error: ")
        .to_string()
}

/// Runs `f`, a panic inside it becoming its error: exit 3, the `--json` shape kept, and
/// nothing of a write under way committed.
pub(super) fn guarded(f: impl FnOnce() -> Result<(), CliError>) -> Result<(), CliError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(CliError::new(panic_message(payload.as_ref()), 3)))
}

/// Runs the parsed command line (`args`: as typed); returns the exit code.
pub fn main_with(cli: Cli, args: &[std::ffi::OsString]) -> i32 {
    let json = cli.global.json;
    // A panic below a command is logged, not printed: the command reports it as its error.
    std::panic::set_hook(Box::new(|info| tracing::error!("panic: {info}")));
    let outcome = guarded(|| dispatch(cli, args));
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            // Whatever the far side said, no secret Purser has read is shown.
            let message = crate::secrets::scrub(&e.message);
            if json {
                eprintln!("{}", serde_json::json!({ "error": message, "code": e.code }));
            } else {
                eprintln!("purser: {}", printable_lines(&message));
            }
            e.code
        }
    }
}

/// The error a panic becomes.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = crate::domain::text::panic_text(payload);
    format!("internal error ({what}); nothing further was done and a change under way was not saved; see purser.log")
}

/// What `purser demo` says in a build without the `demo` feature.
#[cfg(not(feature = "demo"))]
pub const NO_DEMO: &str = "this build of purser has no demo: it was built without the `demo` feature \
     (cargo build --no-default-features); build it with the default features for `purser demo`";

fn dispatch(cli: Cli, args: &[std::ffi::OsString]) -> Result<(), CliError> {
    let g = cli.global;
    match cli.command {
        #[cfg(feature = "demo")]
        Some(Command::Demo(args)) => return crate::demo::run(&g, &args),
        #[cfg(not(feature = "demo"))]
        Some(Command::Demo(_)) => return Err(CliError::new(NO_DEMO, 2)),
        Some(Command::Bench(args)) => return crate::bench::run(&g, &args),
        Some(Command::Serve) => return super::serve::run(&g),
        Some(Command::Init) if g.socket_given != Given::Not && g.socket_given >= g.db_given => {
            return Err(CliError::new(
                "`purser init` makes a database file and does not go through the service (--socket or \
                 PURSER_SOCKET names one): name the file with --db PATH; the service's own database is made \
                 by `purser init --db PATH` run as the service's account",
                2,
            ))
        }
        Some(Command::Init) => return init(&g),
        _ => {}
    }
    let socket = crate::serve::socket_to_use(g.socket.as_deref(), g.socket_given, g.db_given)
        .map_err(|e| CliError::new(e, 2))?;
    if let Some(socket) = socket {
        return super::remote::run(&socket, &g, cli.command, args);
    }
    let Some(command) = cli.command else {
        // No subcommand: the screens, as the current user.
        let (service, actor, note) = crate::wiring::open_noting(&g)?;
        return crate::tui::run(crate::tui::Source::Direct(service, actor, note))
            .map_err(|e| CliError::new(e.to_string(), 1));
    };
    run_with_ctx(&Ctx::open(&g)?, command)
}

pub(super) fn run_with_ctx(ctx: &Ctx, command: Command) -> Result<(), CliError> {
    let actor = &ctx.actor;
    match command {
        Command::Background => background(ctx)?,
        Command::Whoami => {
            #[derive(Serialize)]
            struct Me<'a> {
                user: &'a str,
                roles: Vec<&'static str>,
            }
            let me = Me {
                user: &actor.name,
                roles: actor.roles.iter().map(|r| r.as_str()).collect(),
            };
            ctx.out(&me, || format!("{} ({})", actor.name, actor.roles));
        }
        Command::Quote(QuoteCmd::Import { files }) => import(ctx, &files)?,
        Command::Pending(cmd) => pending(ctx, cmd)?,
        Command::Po(cmd) => super::po::po(ctx, cmd)?,
        Command::Rules(cmd) => rules(ctx, cmd)?,
        Command::Audit(args) => audit(ctx, args)?,
        Command::Inbox(InboxCmd::Run) => inbox_run(ctx)?,
        Command::Sync(cmd) => sync(ctx, cmd)?,
        Command::Check => check(ctx)?,
        Command::Demo(_) | Command::Bench(_) | Command::Serve | Command::Init => {
            unreachable!("handled without a context")
        }
    }
    Ok(())
}

/// What a long command is doing, on one line of the terminal (standard error), rewritten
/// at each stage and cleared at the end: nothing when standard error is not a terminal,
/// under `--json`, or for a client of the service (whose terminal is elsewhere).
struct Stages {
    on: bool,
}

impl Stages {
    fn on_terminal(ctx: &Ctx) -> Stages {
        use std::io::IsTerminal;
        Stages {
            on: !ctx.json && matches!(ctx.io, super::io::Io::Local) && std::io::stderr().is_terminal(),
        }
    }

    fn tell(&self, stage: &str) {
        if self.on {
            use std::io::Write;
            let mut e = std::io::stderr();
            let _ = write!(e, "\r\x1b[2K{stage}…");
            let _ = e.flush();
        }
    }
}

impl Drop for Stages {
    fn drop(&mut self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}

/// `init`: a new database, said on stdout.
fn init(g: &Global) -> Result<(), CliError> {
    let path = crate::wiring::init(g)?;
    if g.json {
        println!("{}", serde_json::json!({ "created": path }));
    } else {
        println!("created a new Purser database at {}", path.display());
    }
    Ok(())
}

/// `check`: the whole database read and cross-checked; exit 1 when problems were found.
fn check(ctx: &Ctx) -> Result<(), CliError> {
    let stages = Stages::on_terminal(ctx);
    let report = ctx.service.check_telling(&|s| stages.tell(s))?;
    drop(stages);
    ctx.out(&report, || print::check_report(&report));
    if report.clean() {
        Ok(())
    } else {
        Err(CliError::new(
            format!(
                "{} problem(s) found in {}; restore the database from a backup, or see the README (Database)",
                report.problems.len(),
                report.database.display()
            ),
            1,
        ))
    }
}

/// `quote import FILE...`: each file whole or not at all, going on past a bad one.
fn import(ctx: &Ctx, files: &[std::path::PathBuf]) -> Result<(), CliError> {
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    // The exit code of the worst failure: storage or I/O (3) before a refusal (1).
    let mut code = 1;
    for f in files {
        match ctx.import_file(f) {
            Ok(r) => reports.push(r),
            Err(e) => {
                code = code.max(e.exit_code());
                failures.push(e.to_string());
            }
        }
    }
    ctx.out(&reports, || print::import_reports(&reports));
    if !failures.is_empty() {
        return Err(CliError::new(failures.join("\n"), code));
    }
    Ok(())
}

/// `inbox run`: the watched folder, once.
fn inbox_run(ctx: &Ctx) -> Result<(), CliError> {
    let (svc, actor) = (&ctx.service, &ctx.actor);
    let inbox = svc.config().inbox.clone().ok_or_else(|| {
        CliError::new(
            "no inbox is configured; add [inbox] path = \"…\" to the configuration",
            2,
        )
    })?;
    let results = crate::jobs::inbox::run_once(svc, actor, &inbox.path)?;
    ctx.out(&results, || print::inbox_results(&results));
    if results
        .iter()
        .any(|r| matches!(r, crate::jobs::inbox::InboxResult::Failed { .. }))
    {
        return Err(CliError::new("some inbox files failed; see the failed/ folder", 1));
    }
    Ok(())
}

/// `sync …`: background jobs and the PSA sync.
fn sync(ctx: &Ctx, cmd: SyncCmd) -> Result<(), CliError> {
    let (svc, actor) = (&ctx.service, &ctx.actor);
    match cmd {
        SyncCmd::Status { po: Some(po), .. } => {
            let po = po_arg(&po)?;
            let view = svc
                .psa_sync_status()?
                .into_iter()
                .find(|v| v.po == po)
                .ok_or_else(|| CliError::new(format!("{po} is not a placed order; nothing is synced for it"), 1))?;
            ctx.out(&view, || view.detail());
        }
        SyncCmd::Status { po: None, orders } => {
            let jobs = svc.jobs()?;
            let per_order = svc.psa_sync_status()?;
            if orders {
                ctx.out(&per_order, || crate::app::psa::PsaSyncView::table(&per_order));
            } else {
                ctx.out(&jobs, || {
                    format!(
                        "{}\n{}",
                        crate::app::psa::PsaSyncView::table(&per_order),
                        print::jobs(&jobs)
                    )
                });
            }
        }
        SyncCmd::RetryPsa { po } => {
            let po = po_arg(&po)?;
            let jobs = svc.psa_retry(actor, po)?;
            ctx.out(&jobs, || format!("{po}: {} PSA job(s) queued again", jobs.len()));
        }
        SyncCmd::Check => {
            let problems = crate::jobs::db::block_on(crate::jobs::psa::check(svc.config()));
            ctx.out(&problems, || {
                if problems.is_empty() {
                    "the PSA settings are complete and known to the PSA".into()
                } else {
                    problems.join("\n")
                }
            });
            if !problems.is_empty() {
                return Err(CliError::new(format!("{} PSA setting(s) to fix", problems.len()), 2));
            }
        }
        SyncCmd::Run => {
            for p in svc.psa_config_problems() {
                ctx.eprintln(&format!("warning: {}", printable_lines(&p)));
            }
            let report = crate::jobs::outbox::run_due_now(svc, actor)?;
            ctx.out(&report, || print::run_report(&report));
        }
        SyncCmd::MarkSent { job } => {
            let j = svc.settle_job_done(actor, job)?;
            ctx.out(&j, || format!("job {} recorded as done", j.id));
        }
        SyncCmd::Retry { job } => {
            let j = svc.retry_job(actor, job)?;
            ctx.out(&j, || format!("job {} queued again", j.id));
        }
    }
    Ok(())
}

fn pending(ctx: &Ctx, cmd: PendingCmd) -> Result<(), CliError> {
    let (svc, actor) = (&ctx.service, &ctx.actor);
    match cmd {
        PendingCmd::List(a) => {
            let filter = ItemFilter {
                all: a.all,
                dismissed_only: a.dismissed,
                customer: a.customer,
                quote: a.quote,
                distributor: a.distributor,
                sku: a.sku,
                text: a.search,
            };
            let items = svc.list_items(&filter)?;
            ctx.out(&items, || print::items(&items));
        }
        PendingCmd::Dismiss { id, reason } => {
            let item = svc.dismiss(actor, id, &reason)?;
            ctx.out(&item, || format!("item {id} dismissed: {}", reason.trim()));
        }
        PendingCmd::Restore { id } => {
            let item = svc.restore(actor, id)?;
            ctx.out(&item, || format!("item {id} is pending again"));
        }
        PendingCmd::RefreshCost { ids, compare, from } => refresh_cost(ctx, &ids, compare, from.as_deref())?,
        PendingCmd::Split { id, qty } => {
            let (rest, part) = svc.split(actor, id, qty)?;
            #[derive(Serialize)]
            struct Split<'a> {
                rest: &'a crate::domain::PendingItem,
                split: &'a crate::domain::PendingItem,
            }
            ctx.out(
                &Split {
                    rest: &rest,
                    split: &part,
                },
                || {
                    format!(
                        "item {id} keeps {}; new item {} has {}",
                        rest.quantity, part.id, part.quantity
                    )
                },
            );
        }
    }
    Ok(())
}

fn refresh_cost(ctx: &Ctx, ids: &[u64], compare: bool, from: Option<&str>) -> Result<(), CliError> {
    use crate::jobs::db::{block_on, with_db};
    use crate::jobs::price;
    let (svc, actor) = (&ctx.service, &ctx.actor);
    if compare {
        #[derive(Serialize)]
        struct Comparison {
            item: u64,
            offers: Vec<price::Offer>,
        }
        // One runtime for the command; the distributors are asked item by item.
        let all = with_db(svc, |db| {
            block_on(async {
                let mut all = Vec::new();
                for &id in ids {
                    let offers = price::compare(&db, id).await?;
                    all.push(Comparison { item: id, offers });
                }
                Ok::<_, price::PriceError>(all)
            })
        })
        .map_err(|e| CliError::new(e.to_string(), 1))?;
        ctx.out(&all, || {
            let mut s = String::new();
            for c in &all {
                s.push_str(&format!("item {}:\n", c.item));
                for o in &c.offers {
                    let line = match (&o.unit_cost, &o.error) {
                        (Some(cost), _) => format!(
                            "  {}{} {} {}{}\n",
                            if o.best { "* " } else { "  " },
                            o.name,
                            cost,
                            o.currency.as_deref().unwrap_or(""),
                            o.available.map(|a| format!(", {a} in stock")).unwrap_or_default()
                        ),
                        (None, Some(e)) => format!("    {}: {e}\n", o.name),
                        (None, None) => format!("    {}: no price\n", o.name),
                    };
                    s.push_str(&line);
                }
            }
            s.push_str("(* cheapest in stock; take it with `purser pending refresh-cost ID --from KEY`)");
            s
        });
        return Ok(());
    }
    let (changes, failures) = with_db(svc, |db| {
        block_on(async {
            let (mut changes, mut failures) = (Vec::new(), Vec::new());
            for &id in ids {
                match price::refresh_cost(&db, actor, id, from).await {
                    Ok(c) => changes.push(c),
                    Err(e) => failures.push(format!("item {id}: {e}")),
                }
            }
            (changes, failures)
        })
    });
    ctx.out(&changes, || {
        changes
            .iter()
            .map(|c| {
                format!(
                    "item {}: {} → {} {} ({}{})",
                    c.item,
                    c.old,
                    c.new,
                    c.currency,
                    c.distributor,
                    c.available.map(|a| format!(", {a} in stock")).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(failures.join("\n"), 1))
    }
}

fn rules(ctx: &Ctx, cmd: RulesCmd) -> Result<(), CliError> {
    let (svc, actor) = (&ctx.service, &ctx.actor);
    let rules = match cmd {
        RulesCmd::List => svc.rules()?,
        RulesCmd::Add { from, to, approver } => {
            let rule = ApprovalRule {
                from: amount(&from, "--from")?,
                to: to.as_deref().map(|t| amount(t, "--to")).transpose()?,
                approver,
            };
            svc.add_rule(actor, rule)?
        }
        RulesCmd::Remove { n } => svc.remove_rule(actor, n)?,
        RulesCmd::Clear => svc.clear_rules(actor)?,
    };
    ctx.out(&rules, || print::rules(&rules));
    Ok(())
}

fn audit(ctx: &Ctx, args: AuditArgs) -> Result<(), CliError> {
    let svc = &ctx.service;
    match args.verify {
        Some(AuditVerify::Verify { anchor }) => return audit_verify(ctx, anchor.as_deref()),
        Some(AuditVerify::Anchor) => {
            let anchor = svc.audit_anchor()?;
            ctx.out(&anchor, || print::audit_anchor(anchor.as_ref()));
            return Ok(());
        }
        None => {}
    }
    let filter = AuditFilter {
        po: args.po.as_deref().map(po_arg).transpose()?,
        actor: args.actor,
        action: args.action,
    };
    let entries = svc.audit(&filter)?;
    match (args.format, ctx.json) {
        (Some(AuditFormat::Csv), _) => ctx.print(&audit_csv(&entries)),
        (Some(AuditFormat::Json), _) | (None, true) => {
            ctx.println(&serde_json::to_string_pretty(&entries).expect("audit serializes"))
        }
        (None, false) => ctx.println(&printable_lines(print::audit(&entries).trim_end())),
    }
    Ok(())
}

/// `audit verify [--anchor HASH]`: exit 4 when the chain breaks, the anchor does not hold
/// or a record differs from the trail.
fn audit_verify(ctx: &Ctx, anchor: Option<&str>) -> Result<(), CliError> {
    let anchor = anchor
        .map(|a| {
            a.parse::<AnchorSpec>()
                .map_err(|e| CliError::new(format!("--anchor: {e}"), 2))
        })
        .transpose()?;
    let stages = Stages::on_terminal(ctx);
    let check = ctx.service.check_audit_telling(anchor.as_ref(), &|s| stages.tell(s))?;
    drop(stages);
    let chain = match &check.chain {
        Ok(chain) => chain,
        Err(b) => return Err(CliError::new(format!("audit trail broken: {b}"), 4)),
    };
    if !check.replay.differences.is_empty() {
        return Err(CliError::new(print::audit_differences(&check.replay), 4));
    }
    let json = serde_json::json!({
        "ok": true,
        "entries": chain.entries,
        "keyed_from": chain.keyed_from,
        "head": chain.head,
        "anchor": check.anchor,
        "replay": check.replay,
    });
    ctx.out(&json, || {
        print::audit_check(chain, check.anchor.as_ref(), &check.replay)
    });
    Ok(())
}

/// Set by SIGTERM / SIGINT while `purser background` runs.
static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn request_stop(signal: libc::c_int) {
    // Async-signal-safe: one atomic store, and the default action back for the same signal,
    // so that a second Ctrl-C ends a process stuck in a long network call.
    STOP.store(true, std::sync::atomic::Ordering::Relaxed);
    // SAFETY: signal() is async-signal-safe.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
    }
}

/// `purser background`: one line per event on stdout (JSON lines with `--json`).
fn background(ctx: &Ctx) -> Result<(), CliError> {
    // SAFETY: installs a handler that only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGTERM, request_stop as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, request_stop as *const () as libc::sighandler_t);
    }
    for p in ctx.service.psa_config_problems() {
        eprintln!("warning: {}", printable_lines(&p));
    }
    let roles = &ctx.actor.roles;
    let watching = match &ctx.service.config().inbox {
        Some(ib) if roles.has(crate::domain::Role::Buyer) || roles.has(crate::domain::Role::Admin) => {
            format!("; watching {} every {} s", ib.path.display(), ib.poll_secs)
        }
        Some(_) => format!(
            "; not watching the inbox: {} is neither buyer nor admin",
            ctx.actor.name
        ),
        None => String::new(),
    };
    eprintln!(
        "purser background: running jobs as {}{watching}; stop with SIGTERM or Ctrl-C",
        ctx.actor.name
    );
    let json = ctx.json;
    let mut notify = |n: crate::jobs::runner::Notice| {
        use std::io::Write;
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let line = if json {
            serde_json::json!({"at": at, "ok": n.ok, "text": n.text}).to_string()
        } else {
            format!("{at} {} {}", if n.ok { "ok  " } else { "FAIL" }, printable(&n.text))
        };
        let mut out = std::io::stdout().lock();
        // A closed stdout (the service manager went away) ends the loop.
        writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
    };
    let asked = crate::jobs::db::with_db(&ctx.service, |db| {
        crate::jobs::db::block_on(async {
            let stop = tokio_util::sync::CancellationToken::new();
            // The signal handler sets STOP; the loop listens for the token.
            let watch = stop.clone();
            tokio::spawn(async move {
                while !STOP.load(std::sync::atomic::Ordering::Relaxed) {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                watch.cancel();
            });
            let jobs = crate::jobs::Context::new(&db, stop);
            crate::jobs::runner::run(&db, &jobs, &ctx.actor, &mut notify).await
        })
    });
    if !asked {
        // Not asked to stop: a service manager should see a failure and restart it.
        return Err(CliError::new("purser background: its output was closed; stopping", 1));
    }
    eprintln!("purser background: stopped");
    Ok(())
}

#[cfg(test)]
mod panic_tests {
    #[test]
    fn a_panic_becomes_an_error_that_says_nothing_was_saved() {
        let caught = std::panic::catch_unwind(|| -> () { panic!("index out of bounds") }).unwrap_err();
        let m = super::panic_message(caught.as_ref());
        assert!(
            m.contains("internal error (index out of bounds)") && m.contains("was not saved"),
            "{m}"
        );
        let caught = std::panic::catch_unwind(|| -> () { std::panic::panic_any(7u8) }).unwrap_err();
        assert!(super::panic_message(caught.as_ref()).contains("no details"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_listed_exactly_when_the_build_has_it() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        let listed = help.lines().any(|l| l.trim_start().starts_with("demo "));
        assert_eq!(listed, cfg!(feature = "demo"), "{help}");
    }

    #[cfg(not(feature = "demo"))]
    #[test]
    fn a_build_without_the_demo_says_so_and_builds_nothing() {
        use clap::Parser;
        let dir = tempfile::tempdir().unwrap();
        let demo = dir.path().join("demo");
        let cli = Cli::try_parse_from(["purser", "demo", "--no-tui", "--dir", demo.to_str().unwrap()]).unwrap();
        let e = dispatch(cli, &[]).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("without the `demo` feature"), "{}", e.message);
        assert!(!demo.exists());
    }
}
