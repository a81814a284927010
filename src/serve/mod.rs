//! Shared use of one database: `purser serve` owns the file, and the screens and the
//! command line of everyone on the machine are its clients over a Unix socket.
//!
//! - [`protocol`]: the typed messages and their framing.
//! - [`server`]: the service: who connects (the kernel says), what it runs for them, the
//!   changes it pushes to open screens, and its background work.
//! - [`client`]: a command line or the screens talking to the service.
//!
//! Single-user use (a laptop, `purser demo`, a script on a private file) opens the file
//! directly, as before; [`socket_to_use`] decides which.

pub mod bench;
pub mod client;
pub mod link;
pub mod protocol;
pub mod server;

use std::path::{Path, PathBuf};

/// A peer that hung up must not end this process: `purser` takes SIGPIPE's default
/// (so that `purser po list | head` ends quietly), under which a write to a socket whose
/// other end closed kills the writer. A service outlives its clients, and screens outlive
/// their service, so once a socket is in use the write fails with an error instead.
pub fn ignore_sigpipe() {
    // SAFETY: setting a signal disposition to "ignore" has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

/// Where the service listens unless told otherwise.
pub const DEFAULT_SOCKET: &str = "/run/purser/purser.sock";

/// The socket a client connects to, or `None` to open the database file directly: the
/// socket named (`--socket`, `PURSER_SOCKET`); else none when a database is named
/// (`--db`, `PURSER_DB`: single-user on that file); else the default socket when the
/// service is there.
pub fn socket_to_use(named: Option<&Path>, db_named: bool) -> Option<PathBuf> {
    if let Some(s) = named {
        return Some(s.to_path_buf());
    }
    if db_named {
        return None;
    }
    let default = Path::new(DEFAULT_SOCKET);
    default.exists().then(|| default.to_path_buf())
}

#[cfg(test)]
mod tests;
