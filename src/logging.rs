//! Logs go to a file in the data folder; the terminal is the screen.

use std::path::Path;
use std::sync::Mutex;

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
    let filter = tracing_subscriber::EnvFilter::try_from_env("PURSER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}
