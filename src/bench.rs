//! `purser bench`: measures this machine on a scratch database in a temporary folder
//! (never the user's): quote import rate, receipt commit latency beside the raw fdatasync
//! floor of the same disk and the store's own smallest commit, pending-list filtering over
//! the whole pool, and peak memory.

use crate::app::{CreateOrder, PlaceRequest, Service};
use crate::cli::args::{BenchArgs, Global};
use crate::cli::run::CliError;
use crate::config::Config;
use crate::domain::item::ItemFilter;
use crate::domain::receiving::ReceiveRequest;
use crate::domain::{ItemId, OrderType, PlacementMethod};
use crate::identity;
use crate::store::Store;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
}

const LINES_PER_QUOTE: u32 = 1000;
const RECEIPTS: usize = 200;

fn quote_json(n: u32, lines: u32) -> String {
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

/// Builds the scratch database and measures. `progress` hears what is happening.
pub fn measure(dir: &Path, items: u32, orders: u32, progress: &mut dyn FnMut(&str)) -> Result<Figures, CliError> {
    let config = Config::parse(BENCH_CONFIG).expect("bench configuration parses");
    let actor = identity::resolve(&config, Some("bench"), "bench").expect("bench user is configured");
    let svc = Service::new(
        Store::open(&dir.join("bench.redb"))?,
        Arc::new(config),
        crate::app::system_clock(),
    );

    // Orders take three items each; the pool keeps `items` pending items besides.
    let order_lines = orders * 3;
    let total_lines = items + order_lines;
    let quotes = total_lines.div_ceil(LINES_PER_QUOTE);
    progress(&format!("importing {total_lines} quote lines"));
    let texts: Vec<String> = (0..quotes)
        .map(|n| quote_json(n, LINES_PER_QUOTE.min(total_lines - n * LINES_PER_QUOTE)))
        .collect();
    let t = Instant::now();
    for (n, text) in texts.iter().enumerate() {
        svc.import_text(&actor, &format!("bench-{n}.json"), text)?;
    }
    let import_secs = t.elapsed().as_secs_f64();
    drop(texts);

    progress(&format!("creating {orders} orders"));
    let ids: Vec<ItemId> = (1..=u64::from(order_lines)).collect();
    let mut placed = Vec::new();
    for chunk in ids.chunks(3) {
        let o = svc.create_order(
            &actor,
            CreateOrder {
                distributor: "ingram".into(),
                order_type: OrderType::Wholesale,
                items: chunk.to_vec(),
                ..Default::default()
            },
        )?;
        if placed.len() < RECEIPTS {
            svc.place(
                &actor,
                PlaceRequest {
                    po: o.number,
                    method: PlacementMethod::Manual,
                    link: None,
                },
            )?;
            placed.push(o);
        }
    }

    // Receipts, the store's smallest commit and the raw fdatasync take turns, so that all
    // three meet the disk in the same state.
    progress("measuring receipt commits");
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
            &actor,
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
    let (first_frame_ms, screens) = measure_screens(&dir.join("bench.redb"))?;

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
}

/// Runs the screens measurement in a process of its own, so that its memory is the
/// screens' alone and its first frame counts from process start: the parent starts the
/// clock before spawning and stops it when the child says the first frame is drawn.
fn measure_screens(db: &Path) -> Result<(f64, ScreenFigures), CliError> {
    use std::io::BufRead;
    let exe = std::env::current_exe().map_err(|e| CliError::new(format!("bench: {e}"), 3))?;
    let fail = |e: String| CliError::new(format!("bench: screens: {e}"), 3);
    let t = Instant::now();
    let mut child = std::process::Command::new(exe)
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

/// `purser bench-screens --db PATH` (hidden): opens the store as `purser` does, draws the
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
    let figures = ScreenFigures {
        render_p99_us: percentile(&times, 0.99),
        rss_mb: peak_rss_mb(),
    };
    println!("{}", serde_json::to_string(&figures).expect("figures serialize"));
    Ok(())
}

/// `purser bench`.
pub fn run(g: &Global, args: &BenchArgs) -> Result<(), CliError> {
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
    let f = measure(tmp.path(), args.items, args.orders, &mut progress)?;
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
             screens peak RSS      {:>10.1} MB        (target ≤ 150)",
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
            f.screens_rss_mb
        );
    }
    Ok(())
}
