//! What several test binaries share: making the database a test's commands use.

use std::path::Path;
use std::process::Command;

/// `purser init --db DB`: the database the commands of a test use (a path that is not
/// there is refused), with no `PURSER_*` from outside.
pub fn init_db(db: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_purser"))
        .env_remove("PURSER_DB")
        .env_remove("PURSER_CONFIG")
        .env_remove("PURSER_SOCKET")
        .arg("init")
        .arg("--db")
        .arg(db)
        .output()
        .expect("purser init runs");
    assert!(
        out.status.success(),
        "purser init: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
