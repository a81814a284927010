//! Logs go to a file in the data folder; the terminal is the screen.

use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Sends `tracing` output to `dir/purser.log` (level from `PURSER_LOG`, default `info`).
/// Logging is best-effort: when the file cannot be opened, nothing is logged.
pub fn init(dir: &Path) {
    let _ = std::fs::create_dir_all(dir);
    // Private to its owner whatever the umask: the log names customers and orders.
    use std::os::unix::fs::OpenOptionsExt;
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(dir.join("purser.log"))
    else {
        return;
    };
    let filter = filter(std::env::var("PURSER_LOG").ok().as_deref());
    let _ = subscriber(filter, Mutex::new(file)).try_init();
}

/// Plain-text lines to `writer`, the events `filter` lets through.
fn subscriber<W>(filter: Targets, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_ansi(false)
        .with_writer(writer)
        .finish()
        .with(filter)
}

/// The levels `PURSER_LOG` asks for: a level for everything (`debug`), levels per module
/// (`purser::jobs=trace`), or both (`warn,purser::jobs=debug`). Unset, empty or not
/// understood, it is `info`.
// `Targets` rather than `EnvFilter`: the same directives without span and field filters,
// and without the regular-expression engine those need (about 0.4 MB of the binary).
fn filter(value: Option<&str>) -> Targets {
    let info = || Targets::new().with_default(LevelFilter::INFO);
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => v.parse().unwrap_or_else(|_| info()),
        None => info(),
    }
}

#[cfg(test)]
mod tests {
    use super::filter;
    use std::io::{Read, Seek, SeekFrom};
    use std::sync::Mutex;
    use tracing::Level;

    #[test]
    fn purser_log_sets_levels_for_everything_or_per_module() {
        let default = filter(None);
        assert!(default.would_enable("purser::jobs", &Level::INFO));
        assert!(!default.would_enable("purser::jobs", &Level::DEBUG));

        let debug = filter(Some("debug"));
        assert!(debug.would_enable("purser::jobs", &Level::DEBUG));
        assert!(debug.would_enable("redb", &Level::DEBUG));
        assert!(!debug.would_enable("purser::jobs", &Level::TRACE));

        let mixed = filter(Some("warn,purser::jobs=trace"));
        assert!(mixed.would_enable("purser::jobs::price", &Level::TRACE));
        assert!(!mixed.would_enable("purser::store", &Level::INFO));
        assert!(mixed.would_enable("purser::store", &Level::WARN));
    }

    #[test]
    fn the_log_holds_the_events_the_filter_lets_through() {
        let file = tempfile::tempfile().unwrap();
        let sub = super::subscriber(
            filter(Some("warn,purser::jobs=debug")),
            Mutex::new(file.try_clone().unwrap()),
        );
        tracing::subscriber::with_default(sub, || {
            tracing::info!(target: "purser::store", "store-info");
            tracing::warn!(target: "purser::store", "store-warn");
            tracing::debug!(target: "purser::jobs::price", "jobs-debug");
            tracing::trace!(target: "purser::jobs::price", "jobs-trace");
        });
        let mut text = String::new();
        let mut file = file;
        file.seek(SeekFrom::Start(0)).unwrap();
        file.read_to_string(&mut text).unwrap();
        assert!(text.contains("store-warn") && text.contains("jobs-debug"), "{text}");
        assert!(!text.contains("store-info") && !text.contains("jobs-trace"), "{text}");
        assert!(!text.contains('\x1b'), "no colours in the file: {text}");
    }

    #[test]
    fn an_empty_or_unreadable_purser_log_means_info() {
        for value in ["", "  ", "purser=sometimes", "purser=debug=trace"] {
            let f = filter(Some(value));
            assert!(f.would_enable("purser", &Level::INFO), "{value:?}");
            assert!(!f.would_enable("purser", &Level::DEBUG), "{value:?}");
        }
    }
}
