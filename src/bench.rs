//! `purser bench`: measures this machine on a scratch database in a temporary folder
//! (never the user's): quote import rate, receipt commit latency beside the raw fdatasync
//! floor of the same disk and the store's own smallest commit, pending-list filtering over
//! the whole pool, peak memory, and the size of the binaries. The screens are measured in
//! a fresh process of their own: `purser-harness bench-screens`, which is built beside
//! `purser` and must lie next to it.

use crate::app::{CreateOrder, PlaceRequest, Service};
use crate::config::Config;
use crate::cputime::{process_cpu, thread_cpu};
use crate::domain::item::ItemFilter;
use crate::domain::receiving::ReceiveRequest;
use crate::domain::{ItemId, OrderType, PlacementMethod};
use crate::identity;
use crate::store::Store;
use crate::wiring::{CliError, Global};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `purser bench`'s arguments.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Pending items in the scratch database
    #[arg(long, default_value_t = 100_000)]
    pub items: u32,
    /// Orders in the scratch database
    #[arg(long, default_value_t = 10_000)]
    pub orders: u32,
    /// Build the scratch database in this folder (default: a temporary folder)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The figures printed by `purser bench --json`.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub items: u64,
    pub orders: u64,
    pub import_lines_per_s: u64,
    pub receipt_commit_p50_us: u64,
    pub receipt_commit_p99_us: u64,
    pub fsync_floor_p50_us: u64,
    pub fsync_floor_p99_us: u64,
    /// The smallest durable commit the same database can make (one counter), measured
    /// between the receipts: what the store itself costs before Purser adds anything.
    pub store_commit_p50_us: u64,
    pub store_commit_p99_us: u64,
    pub pending_load_ms: f64,
    pub pending_filter_ms: f64,
    pub rss_mb: f64,
    /// Opening the store to the first complete frame of the screens (TestBackend).
    pub first_frame_ms: f64,
    /// 99th percentile of drawing any pane with everything loaded (TestBackend 120×40).
    pub render_p99_us: u64,
    /// Peak memory of a process showing the screens with everything loaded.
    pub screens_rss_mb: f64,
    /// CPU time one open screen (100,000 items, 10,000 orders loaded) spends taking in one
    /// receipt made by another client: the poll, the feed, re-reading what it touched,
    /// patching it in and one frame (median and 99th percentile; target p99 ≤ 2,000 µs).
    pub external_change_cpu_us_p50: u64,
    pub external_change_cpu_us_p99: u64,
    /// CPU of one open screen over 10 s with nothing happening: its 250 ms ticks and polls
    /// (percent of one core; target ≤ 0.5).
    pub screens_idle_cpu_pct: f64,
    /// 99th percentile of a scan committed through the screens' database worker (sent →
    /// answered), nothing else under way.
    pub scan_commit_p99_us: u64,
    /// The same while a latest-cost call from the same screens hangs at a distributor
    /// that never answers (target: within 1.2× `scan_commit_p99_us`).
    pub scan_commit_p99_during_stall_us: u64,
    /// The medians of the same scans, alone and during the call: what the p99s, set by the
    /// disk's slowest syncs, do not show.
    pub scan_commit_p50_us: u64,
    pub scan_commit_p50_during_stall_us: u64,
    /// A receipt through `purser serve` from one client at the dock: sent as the screens
    /// send it, answered once durable (median and 99th percentile).
    pub service_receipt_p50_us: u64,
    pub service_receipt_p99_us: u64,
    /// The same with eight clients receiving at once (target: p50 within 1.5× one client's).
    pub service_receipt_8_clients_p50_us: u64,
    pub service_receipt_8_clients_p99_us: u64,
    /// CPU time of the whole process — service and clients, which share this machine's
    /// cores — per receipt, with one client and with eight.
    pub service_receipt_cpu_us: u64,
    pub service_receipt_8_clients_cpu_us: u64,
    /// Size of the binary built with the default features (the `demo` among them):
    /// this executable when it is that build, else the file `PURSER_BENCH_DEMO_BIN`
    /// names; `null` when neither.
    pub binary_size_mb: Option<f64>,
    /// Size of the binary built with `--no-default-features` (no demo, no sandbox
    /// servers): this executable when it is that build, else the file
    /// `PURSER_BENCH_NO_DEMO_BIN` names; `null` when neither.
    pub binary_size_no_demo_mb: Option<f64>,
}

/// The two builds' binary sizes, in MiB: (with the demo, without it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinarySizes {
    pub demo_mb: Option<f64>,
    pub no_demo_mb: Option<f64>,
}

/// Names the file of the build with the `demo` feature, for a bench run by a build without it.
pub const DEMO_BIN_VAR: &str = "PURSER_BENCH_DEMO_BIN";
/// Names the file of the build without the `demo` feature, for a bench run by one with it.
pub const NO_DEMO_BIN_VAR: &str = "PURSER_BENCH_NO_DEMO_BIN";

fn file_mb(path: &Path, what: &str) -> Result<f64, CliError> {
    let meta =
        std::fs::metadata(path).map_err(|e| CliError::new(format!("bench: {what} {}: {e}", path.display()), 2))?;
    if !meta.is_file() {
        return Err(CliError::new(
            format!("bench: {what} {} is not a file", path.display()),
            2,
        ));
    }
    Ok(meta.len() as f64 / (1024.0 * 1024.0))
}

/// Measures the binaries: `exe` (this executable) for the build it is, and the other
/// build's file when `other` (the value of [`DEMO_BIN_VAR`] or [`NO_DEMO_BIN_VAR`]) names
/// one. A name that is not a readable file is an error that names the variable.
pub fn binary_sizes(exe: &Path, other: Option<&std::ffi::OsStr>) -> Result<BinarySizes, CliError> {
    let own = file_mb(exe, "this executable")?;
    let (var, own_is_demo) = if cfg!(feature = "demo") {
        (NO_DEMO_BIN_VAR, true)
    } else {
        (DEMO_BIN_VAR, false)
    };
    let other = match other.filter(|o| !o.is_empty()) {
        Some(path) => Some(file_mb(Path::new(path), var)?),
        None => None,
    };
    Ok(if own_is_demo {
        BinarySizes {
            demo_mb: Some(own),
            no_demo_mb: other,
        }
    } else {
        BinarySizes {
            demo_mb: other,
            no_demo_mb: Some(own),
        }
    })
}

const LINES_PER_QUOTE: u32 = 1000;
const RECEIPTS: usize = 200;

/// A quote of `lines` lines (quote id `BENCH-n`) in the JSON quote format.
pub(crate) fn quote_json(n: u32, lines: u32) -> String {
    let lines: Vec<serde_json::Value> = (0..lines)
        .map(|l| {
            serde_json::json!({
                "line_id": l.to_string(), "kind": "product",
                "sku": format!("SKU-{n}-{l}"), "mpn": format!("MPN{l:05}"),
                "description": format!("Bench product {l} for quote {n}"),
                "quantity": 1 + l % 4, "unit_cost": format!("{}.{:02}", 10 + l % 900, l % 100),
                "unit_price": "999.00", "distributor": if l % 3 == 0 { "ingram" } else { "tdsynnex" },
                "serialized": l % 2 == 0
            })
        })
        .collect();
    serde_json::json!({
        "quote_id": format!("BENCH-{n}"), "approved_at": "2026-11-20T09:30:00Z", "currency": "EUR",
        "customer": {"id": format!("C{}", n % 50), "name": format!("Bench customer {}", n % 50)},
        "lines": lines
    })
    .to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_micros() as u64
}

/// fdatasync of a 4 KiB append on the same disk: the floor any durable commit pays.
struct FsyncProbe {
    path: std::path::PathBuf,
    file: std::fs::File,
}

impl FsyncProbe {
    fn create(dir: &Path) -> std::io::Result<FsyncProbe> {
        let path = dir.join("fsync-probe");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&path)?;
        Ok(FsyncProbe { path, file })
    }

    /// One 4 KiB append, then the timed fdatasync.
    fn measure(&mut self) -> std::io::Result<Duration> {
        self.file.write_all(&[7u8; 4096])?;
        let t = Instant::now();
        self.file.sync_data()?;
        Ok(t.elapsed())
    }

    fn remove(self) -> std::io::Result<()> {
        drop(self.file);
        std::fs::remove_file(&self.path)
    }
}

/// Peak resident memory of this process (VmHWM), in MiB.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

const BENCH_CONFIG: &str = r#"
[users.bench]
roles = ["buyer", "approver", "receiver", "admin"]
[distributors.ingram]
kind = "ingram"
[distributors.tdsynnex]
kind = "tdsynnex_eu"
"#;

/// Creates orders of three items each from the first `order_lines` items; places the first
/// [`RECEIPTS`] of them by hand (they take the receipts) and returns those.
fn create_orders(
    svc: &Service,
    actor: &crate::identity::Actor,
    order_lines: u32,
) -> Result<Vec<crate::domain::Order>, CliError> {
    let ids: Vec<ItemId> = (1..=u64::from(order_lines)).collect();
    let mut placed = Vec::new();
    for chunk in ids.chunks(3) {
        // Scratch orders of whatever items come next, whoever's items they are.
        let o = svc.create_order_with(
            actor,
            CreateOrder {
                distributor: "ingram".into(),
                order_type: OrderType::Wholesale,
                items: chunk.to_vec(),
                ..Default::default()
            },
            crate::app::OtherDistributors::Allow,
        )?;
        if placed.len() < RECEIPTS {
            svc.place(
                actor,
                PlaceRequest {
                    po: o.number,
                    method: PlacementMethod::Manual,
                    link: None,
                },
            )?;
            placed.push(o);
        }
    }

    Ok(placed)
}

/// Sorted times of a receipt's commit, of the store's smallest commit and of the raw
/// fdatasync.
type CommitTimes = (Vec<Duration>, Vec<Duration>, Vec<Duration>);

/// [`CommitTimes`] of [`RECEIPTS`] receipts, taking turns on the same disk.
fn measure_receipts(
    svc: &Service,
    actor: &crate::identity::Actor,
    dir: &Path,
    placed: &[crate::domain::Order],
) -> Result<CommitTimes, CliError> {
    let probe_error = |e: std::io::Error| CliError::new(format!("bench: fsync probe: {e}"), 3);
    let mut probe = FsyncProbe::create(dir).map_err(probe_error)?;
    let mut commit_times = Vec::with_capacity(RECEIPTS);
    let mut store_times = Vec::with_capacity(RECEIPTS);
    let mut floor = Vec::with_capacity(RECEIPTS);
    for (i, o) in placed.iter().enumerate() {
        let line = &o.lines[0];
        let serials = if line.serialized {
            vec![format!("BENCH-SN-{i}")]
        } else {
            vec![]
        };
        let t = Instant::now();
        svc.receive(
            actor,
            o.number,
            ReceiveRequest {
                line: 1,
                quantity: Some(1),
                serials,
            },
        )?;
        commit_times.push(t.elapsed());
        let t = Instant::now();
        svc.commit_probe()?;
        store_times.push(t.elapsed());
        floor.push(probe.measure().map_err(probe_error)?);
    }
    probe.remove().map_err(probe_error)?;
    commit_times.sort();
    store_times.sort();
    floor.sort();

    Ok((commit_times, store_times, floor))
}

/// Fills the scratch database: `items` pending items besides `orders` orders of three
/// items each, the first [`RECEIPTS`] of them placed. Returns the quote lines imported,
/// the seconds the import took and the placed orders.
fn fill(
    svc: &Service,
    actor: &identity::Actor,
    items: u32,
    orders: u32,
    progress: &mut dyn FnMut(&str),
) -> Result<(u32, f64, Vec<crate::domain::Order>), CliError> {
    let order_lines = orders * 3;
    let total_lines = items + order_lines;
    let quotes = total_lines.div_ceil(LINES_PER_QUOTE);
    progress(&format!("importing {total_lines} quote lines"));
    let texts: Vec<String> = (0..quotes)
        .map(|n| quote_json(n, LINES_PER_QUOTE.min(total_lines - n * LINES_PER_QUOTE)))
        .collect();
    let t = Instant::now();
    for (n, text) in texts.iter().enumerate() {
        svc.import_text(actor, &format!("bench-{n}.json"), text)?;
    }
    let import_secs = t.elapsed().as_secs_f64();
    drop(texts);

    progress(&format!("creating {orders} orders"));
    let placed = create_orders(svc, actor, order_lines)?;
    Ok((total_lines, import_secs, placed))
}

/// Builds the scratch database and measures. `progress` hears what is happening.
/// `harness` is the `purser-harness` executable that draws the screens in a process of
/// its own ([`harness_path`]); `sizes` go into the figures as they are.
pub fn measure(
    dir: &Path,
    items: u32,
    orders: u32,
    harness: &Path,
    sizes: BinarySizes,
    progress: &mut dyn FnMut(&str),
) -> Result<Figures, CliError> {
    let config = Config::parse(BENCH_CONFIG).expect("bench configuration parses");
    let actor = identity::resolve(&config, Some("bench"), "bench").expect("bench user is configured");
    let svc = Service::new(
        Store::open(&dir.join("bench.redb"))?,
        Arc::new(config),
        crate::app::system_clock(),
    );

    let (total_lines, import_secs, placed) = fill(&svc, &actor, items, orders, progress)?;

    // Receipts, the store's smallest commit and the raw fdatasync take turns, so that all
    // three meet the disk in the same state.
    progress("measuring receipt commits");
    let (commit_times, store_times, floor) = measure_receipts(&svc, &actor, dir, &placed)?;

    progress("measuring the pending filter");
    let t = Instant::now();
    let pool = svc.list_items(&ItemFilter::default())?;
    let pending_load_ms = t.elapsed().as_secs_f64() * 1000.0;
    let needles = ["bench customer 7", "sku-3-", "mpn00042", "tdsynnex", "product 999"];
    let mut filter_times = Vec::new();
    for needle in needles.iter().cycle().take(25) {
        let f = ItemFilter {
            text: Some((*needle).into()),
            ..Default::default()
        };
        let t = Instant::now();
        let hits = pool.iter().filter(|i| f.matches(i)).count();
        filter_times.push(t.elapsed());
        std::hint::black_box(hits);
    }
    filter_times.sort();
    let (_, order_count) = svc.counts()?;
    let items = pool.len() as u64;
    let rss_mb = peak_rss_mb();
    drop(pool);
    drop(svc);

    progress("measuring the screens");
    let (first_frame_ms, screens) = measure_screens(harness, &dir.join("bench.redb"))?;

    progress("measuring scans while a distributor call hangs");
    let mut scans = crate::tui::scan_bench::measure(dir).map_err(|e| CliError::new(format!("bench: scans: {e}"), 3))?;
    scans.alone.sort();
    scans.during_stall.sort();

    progress("measuring receipts through the service");
    let mut service = service_receipts(dir)?;
    service.one_client.sort();
    service.eight_clients.sort();

    Ok(Figures {
        items,
        orders: order_count,
        import_lines_per_s: (f64::from(total_lines) / import_secs) as u64,
        receipt_commit_p50_us: percentile(&commit_times, 0.50),
        receipt_commit_p99_us: percentile(&commit_times, 0.99),
        fsync_floor_p50_us: percentile(&floor, 0.50),
        fsync_floor_p99_us: percentile(&floor, 0.99),
        store_commit_p50_us: percentile(&store_times, 0.50),
        store_commit_p99_us: percentile(&store_times, 0.99),
        pending_load_ms,
        pending_filter_ms: filter_times[filter_times.len() / 2].as_secs_f64() * 1000.0,
        rss_mb,
        first_frame_ms,
        render_p99_us: screens.render_p99_us,
        screens_rss_mb: screens.rss_mb,
        external_change_cpu_us_p50: screens.external_change_cpu_us_p50,
        external_change_cpu_us_p99: screens.external_change_cpu_us_p99,
        screens_idle_cpu_pct: screens.idle_cpu_pct,
        scan_commit_p99_us: percentile(&scans.alone, 0.99),
        scan_commit_p99_during_stall_us: percentile(&scans.during_stall, 0.99),
        scan_commit_p50_us: percentile(&scans.alone, 0.50),
        scan_commit_p50_during_stall_us: percentile(&scans.during_stall, 0.50),
        service_receipt_p50_us: percentile(&service.one_client, 0.50),
        service_receipt_p99_us: percentile(&service.one_client, 0.99),
        service_receipt_8_clients_p50_us: percentile(&service.eight_clients, 0.50),
        service_receipt_8_clients_p99_us: percentile(&service.eight_clients, 0.99),
        service_receipt_cpu_us: service.cpu_per_receipt[0].as_micros() as u64,
        service_receipt_8_clients_cpu_us: service.cpu_per_receipt[1].as_micros() as u64,
        binary_size_mb: sizes.demo_mb,
        binary_size_no_demo_mb: sizes.no_demo_mb,
    })
}

fn draw_error(e: impl std::fmt::Display) -> CliError {
    CliError::new(format!("bench: drawing: {e}"), 3)
}

/// What the screens child process reports.
#[derive(Debug, Serialize, serde::Deserialize)]
struct ScreenFigures {
    render_p99_us: u64,
    rss_mb: f64,
    external_change_cpu_us_p50: u64,
    external_change_cpu_us_p99: u64,
    idle_cpu_pct: f64,
}

/// The name of the harness executable: `purser-harness` (with `.exe` on Windows).
pub fn harness_name() -> String {
    format!("purser-harness{}", std::env::consts::EXE_SUFFIX)
}

/// Where `purser bench` expects `purser-harness`: in the folder of `exe` (this executable),
/// as `cargo build` and `cargo install` put them. Says so, with the path, when it is not there.
pub fn harness_path(exe: &Path) -> Result<PathBuf, CliError> {
    let path = exe.parent().unwrap_or(Path::new(".")).join(harness_name());
    if path.is_file() {
        Ok(path)
    } else {
        Err(CliError::new(
            format!(
                "bench: the screens are measured by {name}, which is not at {path}; it is built \
                 beside purser (cargo build --release puts both in target/release, cargo install \
                 installs both): put it next to {exe}",
                name = harness_name(),
                path = path.display(),
                exe = exe.display()
            ),
            2,
        ))
    }
}

/// Runs the screens measurement in a process of its own (`harness bench-screens`), so
/// that its memory is the screens' alone and its first frame counts from process start:
/// the parent starts the clock before spawning and stops it when the child says the first
/// frame is drawn.
fn measure_screens(harness: &Path, db: &Path) -> Result<(f64, ScreenFigures), CliError> {
    use std::io::BufRead;
    let fail = |e: String| CliError::new(format!("bench: screens ({}): {e}", harness.display()), 3);
    let t = Instant::now();
    let mut child = std::process::Command::new(harness)
        .arg("bench-screens")
        .arg("--db")
        .arg(db)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("piped")).lines();
    let first = lines.next().transpose().map_err(|e| fail(e.to_string()))?;
    let first_frame_ms = t.elapsed().as_secs_f64() * 1000.0;
    if first.as_deref() != Some("first-frame") {
        return Err(fail(format!("unexpected answer {first:?}")));
    }
    let figures = lines
        .next()
        .transpose()
        .map_err(|e| fail(e.to_string()))?
        .unwrap_or_default();
    let status = child.wait().map_err(|e| fail(e.to_string()))?;
    if !status.success() {
        return Err(fail(format!("the child process failed ({status})")));
    }
    let figures: ScreenFigures = serde_json::from_str(&figures).map_err(|e| fail(e.to_string()))?;
    Ok((first_frame_ms, figures))
}

/// `purser-harness bench-screens --db PATH`: opens the store as `purser` does, draws the
/// first frame (first page of items) and says so, then loads everything and measures
/// drawing every pane; prints the figures as JSON.
pub fn screens_child(db: &Path) -> Result<(), CliError> {
    use crate::tui::action::Action;
    use crate::tui::{screen::Pane, worker};
    use ratatui::{backend::TestBackend, Terminal};
    let config = Config::parse(BENCH_CONFIG).expect("bench configuration parses");
    let actor = identity::resolve(&config, Some("bench"), "bench").expect("bench user is configured");
    let mut term = Terminal::new(TestBackend::new(120, 40)).map_err(draw_error)?;
    let svc = Service::new(Store::open(db)?, Arc::new(config), crate::app::system_clock());
    let mut app = crate::tui::new_app(&svc, actor.clone()).map_err(|e| CliError::new(e.to_string(), 2))?;
    let (first, _) = worker::items_chunk(&svc, 0, worker::FIRST_CHUNK)?;
    app.on_msg(first);
    term.draw(|f| crate::tui::ui::draw(&app, f)).map_err(draw_error)?;
    println!("first-frame");
    let _ = std::io::Write::flush(&mut std::io::stdout());

    app.to_worker.clear();
    app.load(worker::Load::Items);
    app.load(worker::Load::Orders);
    app.load(worker::Load::Audit);
    app.settle(&svc);
    let mut times = Vec::new();
    for pane in [
        Pane::Pending,
        Pane::Orders,
        Pane::Approvals,
        Pane::Receiving,
        Pane::Audit,
    ] {
        app.switch(pane);
        app.settle(&svc);
        for i in 0..100 {
            // Move through the list so every frame draws a different window.
            app.act(if i % 10 == 9 { Action::PageDown } else { Action::Down });
            let t = Instant::now();
            term.draw(|f| crate::tui::ui::draw(&app, f)).map_err(draw_error)?;
            times.push(t.elapsed());
        }
    }
    times.sort();
    let rss_mb = peak_rss_mb();
    app.switch(Pane::Pending);
    app.settle(&svc);
    let mut changes = external_changes(&svc, db, &mut app, &mut term)?;
    changes.sort();
    let idle_cpu_pct = idle_cpu_pct(&svc, &mut app, &mut term)?;
    let figures = ScreenFigures {
        render_p99_us: percentile(&times, 0.99),
        rss_mb,
        external_change_cpu_us_p50: percentile(&changes, 0.50),
        external_change_cpu_us_p99: percentile(&changes, 0.99),
        idle_cpu_pct,
    };
    println!("{}", serde_json::to_string(&figures).expect("figures serialize"));
    Ok(())
}

/// Receipts another client makes while the screens watch.
const EXTERNAL_CHANGES: usize = 100;

/// Draws one frame of the screens.
fn frame(
    term: &mut ratatui::Terminal<ratatui::backend::TestBackend>,
    app: &crate::tui::screen::App,
) -> Result<(), CliError> {
    term.draw(|f| crate::tui::ui::draw(app, f))
        .map(drop)
        .map_err(draw_error)
}

/// Another client (a service of its own on the file, as another process) receives one
/// unit at a time on placed orders; after each, the screens do what their worker and
/// event loop do — poll, read the feed, load what it names, patch it in, draw a frame —
/// on this thread, whose CPU time is measured.
fn external_changes(
    svc: &Service,
    db: &Path,
    app: &mut crate::tui::screen::App,
    term: &mut ratatui::Terminal<ratatui::backend::TestBackend>,
) -> Result<Vec<Duration>, CliError> {
    let config = Config::parse(BENCH_CONFIG).expect("bench configuration parses");
    let actor = identity::resolve(&config, Some("bench"), "bench").expect("bench user is configured");
    let other = Service::new(Store::open(db)?, Arc::new(config), crate::app::system_clock());
    let open = crate::serve::bench::open_units(&other)?;
    let mut poller = crate::tui::worker::Poller::new(svc);
    let mut times = Vec::with_capacity(EXTERNAL_CHANGES);
    for (n, (po, line, serialized)) in open.into_iter().take(EXTERNAL_CHANGES).enumerate() {
        let req = crate::serve::bench::one_unit(line, serialized, || format!("EXT-SN-{n}"));
        other.receive(&actor, po, req)?;
        let t = thread_cpu();
        if let Some(msg) = poller.poll(svc) {
            app.on_msg(msg);
            app.settle(svc);
        }
        frame(term, app)?;
        times.push(thread_cpu() - t);
    }
    Ok(times)
}

/// How long the screens sit idle for [`idle_cpu_pct`].
const IDLE: Duration = Duration::from_secs(10);

/// One open screen with nothing happening for [`IDLE`]: every 250 ms the event loop's
/// tick (a poll of the change counter; a frame only when something changed). Returns the
/// process's CPU time over that as a percentage of the time.
fn idle_cpu_pct(
    svc: &Service,
    app: &mut crate::tui::screen::App,
    term: &mut ratatui::Terminal<ratatui::backend::TestBackend>,
) -> Result<f64, CliError> {
    let mut poller = crate::tui::worker::Poller::new(svc);
    let (cpu, start) = (process_cpu(), Instant::now());
    let mut next = start;
    while start.elapsed() < IDLE {
        next += Duration::from_millis(250);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        let mut redraw = app.tick(chrono::Utc::now());
        if let Some(msg) = poller.poll(svc) {
            app.on_msg(msg);
            app.settle(svc);
            redraw = true;
        }
        if redraw {
            frame(term, app)?;
        }
    }
    Ok((process_cpu() - cpu).as_secs_f64() / start.elapsed().as_secs_f64() * 100.0)
}

/// Receipts through a service on the scratch database: one client, then eight at once.
fn service_receipts(dir: &Path) -> Result<crate::serve::bench::ServiceReceipts, CliError> {
    use crate::serve::bench::{measure, open_units, CLIENTS};
    // The clients act as the bench user, whoever runs the bench.
    let text = format!("[identity]\nallow_user_override = true\n{BENCH_CONFIG}");
    let config = Config::parse(&text).expect("bench configuration parses");
    // Owned, as `purser serve` opens it: writes made at once share one commit.
    let svc = Service::new(
        Store::open_owned(&dir.join("bench.redb"))?,
        Arc::new(config),
        crate::app::system_clock(),
    );
    let open = open_units(&svc)?;
    let alone: Vec<_> = open.iter().take(SERVICE_RECEIPTS).copied().collect();
    let together: Vec<_> = open
        .iter()
        .skip(SERVICE_RECEIPTS)
        .take(SERVICE_RECEIPTS * CLIENTS / 2)
        .copied()
        .collect();
    measure(svc, text, dir, "bench", alone, together)
        .map_err(|e| CliError::new(format!("bench: receipts through the service: {e}"), 3))
}

/// `purser-harness bench-service --db PATH`: receipts through a service, alone and by
/// eight clients at once, on a copy of the bench database at PATH (filled there first,
/// as `purser bench` fills it, when there is none); prints the figures as JSON. For
/// working on the service without the rest of the bench.
pub fn service_child(db: &Path) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::new(format!("bench-service: {e}"), 3);
    if !db.exists() {
        let config = Config::parse(BENCH_CONFIG).expect("bench configuration parses");
        let actor = identity::resolve(&config, Some("bench"), "bench").expect("bench user is configured");
        let svc = Service::new(Store::open(db)?, Arc::new(config), crate::app::system_clock());
        fill(&svc, &actor, 100_000, 10_000, &mut |s| eprintln!("bench-service: {s}…"))?;
    }
    let dir = tempfile::Builder::new()
        .prefix("purser-bench-service-")
        .tempdir_in(db.parent().unwrap_or(Path::new(".")))
        .map_err(io)?;
    let copy = dir.path().join("bench.redb");
    std::fs::copy(db, &copy).map_err(io)?;
    std::fs::copy(crate::store::audit_key_path(db), crate::store::audit_key_path(&copy)).map_err(io)?;
    let mut s = service_receipts(dir.path())?;
    s.one_client.sort();
    s.eight_clients.sort();
    let figures = serde_json::json!({
        "service_receipt_p50_us": percentile(&s.one_client, 0.50),
        "service_receipt_p99_us": percentile(&s.one_client, 0.99),
        "service_receipt_8_clients_p50_us": percentile(&s.eight_clients, 0.50),
        "service_receipt_8_clients_p99_us": percentile(&s.eight_clients, 0.99),
        "service_receipt_cpu_us": s.cpu_per_receipt[0].as_micros() as u64,
        "service_receipt_8_clients_cpu_us": s.cpu_per_receipt[1].as_micros() as u64,
    });
    println!("{figures}");
    Ok(())
}

/// Receipts one client makes through the service (eight clients make half as many each).
const SERVICE_RECEIPTS: usize = 100;

/// `purser bench`.
pub fn run(g: &Global, args: &BenchArgs) -> Result<(), CliError> {
    // Everything that can be wrong before minutes of building the scratch database.
    let exe = std::env::current_exe().map_err(|e| CliError::new(format!("bench: this executable: {e}"), 3))?;
    let harness = harness_path(&exe)?;
    let other_var = if cfg!(feature = "demo") {
        NO_DEMO_BIN_VAR
    } else {
        DEMO_BIN_VAR
    };
    let sizes = binary_sizes(&exe, std::env::var_os(other_var).as_deref())?;
    let tmp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| CliError::new(format!("bench: {}: {e}", d.display()), 3))?;
            tempfile::Builder::new().prefix("purser-bench-").tempdir_in(d)
        }
        None => tempfile::Builder::new().prefix("purser-bench-").tempdir(),
    }
    .map_err(|e| CliError::new(format!("bench: cannot make a scratch folder: {e}"), 3))?;
    tmp = dir;
    let quiet = g.json;
    let mut progress = |s: &str| {
        if !quiet {
            eprintln!("bench: {s}…");
        }
    };
    let f = measure(tmp.path(), args.items, args.orders, &harness, sizes, &mut progress)?;
    let times_floor = |us: u64| us as f64 / f.fsync_floor_p50_us.max(1) as f64;
    if g.json {
        println!("{}", serde_json::to_string_pretty(&f).expect("figures serialize"));
    } else {
        println!(
            "scratch database: {} pending items, {} orders\n\
             import                {:>10} lines/s   (target ≥ 50,000)\n\
             receipt commit p50    {:>10} µs        ({:.1}× the fsync floor p50 of {} µs; target ≤ 3×)\n\
             receipt commit p99    {:>10} µs        (fsync floor p99 {} µs)\n\
             store's own commit p50{:>10} µs        ({:.1}× the floor: one counter, same database)\n\
             store's own commit p99{:>10} µs\n\
             pending load          {:>10.1} ms\n\
             pending filter        {:>10.2} ms        (target ≤ 30)\n\
             peak RSS              {:>10.1} MB        (target ≤ 150)\n\
             first frame           {:>10.1} ms        (target ≤ 50)\n\
             render p99            {:>10} µs        (target ≤ 2,000)\n\
             screens peak RSS      {:>10.1} MB        (target ≤ 150)\n\
             other's change p50    {:>10} µs CPU    (one open screen takes in a receipt)\n\
             other's change p99    {:>10} µs CPU    (target ≤ 2,000)\n\
             screens idle          {:>10.2} % CPU     (target ≤ 0.5)\n\
             scan commit p99       {:>10} µs\n\
             … while a call hangs  {:>10} µs        ({:.2}× the scan alone; target ≤ 1.2×)\n\
             scan commit p50       {:>10} µs        (while a call hangs: {} µs)\n\
             service receipt p50   {:>10} µs        (one client at the dock)\n\
             service receipt p99   {:>10} µs\n\
             … 8 clients p50       {:>10} µs        ({:.2}× one client; target ≤ 1.5×)\n\
             … 8 clients p99       {:>10} µs\n\
             service receipt CPU   {:>10} µs        (service and client, per receipt; 8 clients: {} µs)\n\
             binary                {}\n\
             binary without demo   {}",
            f.items,
            f.orders,
            f.import_lines_per_s,
            f.receipt_commit_p50_us,
            times_floor(f.receipt_commit_p50_us),
            f.fsync_floor_p50_us,
            f.receipt_commit_p99_us,
            f.fsync_floor_p99_us,
            f.store_commit_p50_us,
            times_floor(f.store_commit_p50_us),
            f.store_commit_p99_us,
            f.pending_load_ms,
            f.pending_filter_ms,
            f.rss_mb,
            f.first_frame_ms,
            f.render_p99_us,
            f.screens_rss_mb,
            f.external_change_cpu_us_p50,
            f.external_change_cpu_us_p99,
            f.screens_idle_cpu_pct,
            f.scan_commit_p99_us,
            f.scan_commit_p99_during_stall_us,
            f.scan_commit_p99_during_stall_us as f64 / f.scan_commit_p99_us.max(1) as f64,
            f.scan_commit_p50_us,
            f.scan_commit_p50_during_stall_us,
            f.service_receipt_p50_us,
            f.service_receipt_p99_us,
            f.service_receipt_8_clients_p50_us,
            f.service_receipt_8_clients_p50_us as f64 / f.service_receipt_p50_us.max(1) as f64,
            f.service_receipt_8_clients_p99_us,
            f.service_receipt_cpu_us,
            f.service_receipt_8_clients_cpu_us,
            size_line(f.binary_size_mb, 25, DEMO_BIN_VAR, cfg!(feature = "demo")),
            size_line(f.binary_size_no_demo_mb, 12, NO_DEMO_BIN_VAR, !cfg!(feature = "demo")),
        );
    }
    Ok(())
}

/// One binary size for the human output: the figure and its target, or how to get it.
/// `own`: the figure is this executable's.
fn size_line(mb: Option<f64>, target: u32, var: &str, own: bool) -> String {
    let build = match (own, cfg!(debug_assertions)) {
        (true, true) => ", this executable: a development build; the targets are for --release",
        (true, false) => ", this executable",
        (false, _) => "",
    };
    match mb {
        Some(mb) => format!("{mb:>10.1} MB        (target ≤ {target}{build})"),
        None => format!("{:>10}           (not measured: set {var} to that build's file)", "—"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(dir: &Path, name: &str, mib: u64) -> PathBuf {
        let path = dir.join(name);
        std::fs::File::create(&path)
            .unwrap()
            .set_len(mib * 1024 * 1024)
            .unwrap();
        path
    }

    #[test]
    fn this_executable_counts_for_its_own_build_and_the_other_only_when_named() {
        let dir = tempfile::tempdir().unwrap();
        let exe = file_of(dir.path(), "purser", 4);
        let other = file_of(dir.path(), "purser-other", 2);
        let alone = binary_sizes(&exe, None).unwrap();
        let both = binary_sizes(&exe, Some(other.as_os_str())).unwrap();
        let empty = binary_sizes(&exe, Some(std::ffi::OsStr::new(""))).unwrap();
        if cfg!(feature = "demo") {
            assert_eq!(
                alone,
                BinarySizes {
                    demo_mb: Some(4.0),
                    no_demo_mb: None
                }
            );
            assert_eq!(
                both,
                BinarySizes {
                    demo_mb: Some(4.0),
                    no_demo_mb: Some(2.0)
                }
            );
        } else {
            assert_eq!(
                alone,
                BinarySizes {
                    demo_mb: None,
                    no_demo_mb: Some(4.0)
                }
            );
            assert_eq!(
                both,
                BinarySizes {
                    demo_mb: Some(2.0),
                    no_demo_mb: Some(4.0)
                }
            );
        }
        assert_eq!(empty, alone);
    }

    #[test]
    fn a_named_build_that_is_no_file_is_refused_with_its_variable() {
        let dir = tempfile::tempdir().unwrap();
        let exe = file_of(dir.path(), "purser", 1);
        let var = if cfg!(feature = "demo") {
            NO_DEMO_BIN_VAR
        } else {
            DEMO_BIN_VAR
        };
        for bad in [dir.path().join("missing"), dir.path().to_path_buf()] {
            let e = binary_sizes(&exe, Some(bad.as_os_str())).unwrap_err();
            assert_eq!(e.code, 2);
            assert!(
                e.message.contains(var) && e.message.contains(&*bad.to_string_lossy()),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn the_harness_is_looked_for_beside_the_executable() {
        let dir = tempfile::tempdir().unwrap();
        let exe = file_of(dir.path(), "purser", 0);
        let e = harness_path(&exe).unwrap_err();
        assert_eq!(e.code, 2);
        let expected = dir.path().join(harness_name());
        assert!(e.message.contains(&*expected.to_string_lossy()), "{}", e.message);
        file_of(dir.path(), &harness_name(), 0);
        assert_eq!(harness_path(&exe).unwrap(), expected);
    }
}
