//! The configuration files under `tests/fixtures/config/`: every `good-*.toml` loads, and
//! every `bad-*.toml` is refused with a message that names the file and contains the
//! text on its first line (`# expect: TEXT`).

use super::{Config, ConfigError};
use std::path::PathBuf;

fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn named(prefix: &str) -> Vec<PathBuf> {
    fixtures()
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(prefix)))
        .collect()
}

#[test]
fn every_good_file_loads() {
    let good = named("good-");
    assert!(good.len() >= 2, "{good:?}");
    for path in good {
        if let Err(e) = Config::load(&path) {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn every_bad_file_is_refused_naming_the_file_and_what_is_wrong() {
    let bad = named("bad-");
    assert!(bad.len() >= 10, "{bad:?}");
    for path in bad {
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} lacks its `# expect:` line", path.display()));
        match Config::load(&path) {
            Ok(_) => panic!("{} loaded", path.display()),
            Err(e @ ConfigError::Invalid { .. }) => {
                let message = e.to_string();
                assert!(message.contains(&path.display().to_string()), "{message}");
                assert!(message.contains(expect), "{}: {message}", path.display());
            }
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
}

#[test]
fn the_dock_file_is_read_as_written() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/good-dock.toml");
    let c = Config::load(&path).unwrap();
    assert_eq!(c.source.as_deref(), Some(path.as_path()));
    assert!(c.roles_of("carol").unwrap().has(crate::domain::Role::Approver));
    assert!(!c.roles_of("rick").unwrap().has(crate::domain::Role::Buyer));
    assert_eq!(c.distributor_name("ingram"), "Ingram Micro");
    assert_eq!(c.inbox.as_ref().map(|i| i.poll_secs), Some(5));
    assert_eq!(c.import.max_file_bytes(), 50_000_000);
}
