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

/// Where an option's value came from: a value typed on the command line beats one from
/// the environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Given {
    #[default]
    Not,
    /// From an environment variable (`PURSER_SOCKET`, `PURSER_DB`).
    Env,
    /// Typed on the command line (`--socket`, `--db`).
    CommandLine,
}

/// The socket a client connects to, or `None` to open the database file directly.
///
/// - A socket and a database named the same way (both typed, or both from the
///   environment) are refused: the command would go to one and not the other, and the
///   person would not know which.
/// - Otherwise the one typed on the command line wins over the one from the environment
///   (an exported `PURSER_SOCKET` never sends `--db FILE`'s command to the service).
/// - Neither named: the default socket when the service is there, else the file.
pub fn socket_to_use(socket: Option<&Path>, socket_given: Given, db_given: Given) -> Result<Option<PathBuf>, String> {
    let Some(socket) = socket.filter(|_| socket_given != Given::Not) else {
        if db_given != Given::Not {
            return Ok(None);
        }
        let default = Path::new(DEFAULT_SOCKET);
        return Ok(default.exists().then(|| default.to_path_buf()));
    };
    match socket_given.cmp(&db_given) {
        std::cmp::Ordering::Greater => Ok(Some(socket.to_path_buf())),
        std::cmp::Ordering::Less => Ok(None),
        std::cmp::Ordering::Equal => Err(match socket_given {
            Given::Env => "both PURSER_SOCKET and PURSER_DB are set: a command goes either through the \
                           service or to a database file; unset one, or name one on the command line \
                           (--socket PATH or --db PATH)"
                .into(),
            _ => "both --socket and --db are given: a command goes either through the service or to a \
                  database file; give one of them"
                .into(),
        }),
    }
}

#[cfg(test)]
mod tests;
