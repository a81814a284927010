//! A damaged database file is never read as good: single-byte flips across a real file
//! with orders, receipts and items, each on a copy. `purser check`, `po list`, `audit
//! verify` and `po receive` either give what they give on the clean file, report the
//! damage (a check problem, an audit chain break), or fail with a storage error (exit 3);
//! never a panic, and never a changed SKU or serial taken as good. Most flips go through
//! the library (fast); a sample runs the binary.

mod shared;

use purser::app::{AppError, Service};
use purser::config::Config;
use purser::domain::receiving::ReceiveRequest;
use purser::domain::PoNumber;
use purser::identity::{self, Actor};
use purser::store::Store;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const BIN: &str = env!("CARGO_BIN_EXE_purser");

const CONFIG: &str = r#"
[identity]
allow_user_override = true

[users.alice]
roles = ["buyer"]

[users.rick]
roles = ["receiver"]

[users.ada]
roles = ["admin"]

[distributors.ingram]
kind = "ingram"
name = "Ingram Micro"
currency = "EUR"

[distributors.tdsynnex]
kind = "manual"
name = "TD SYNNEX"
currency = "EUR"
"#;

fn purser(dir: &Path, user: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .env_remove("PURSER_DB")
        .env_remove("PURSER_CONFIG")
        .arg("--db")
        .arg(dir.join("purser.redb"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(["--user", user])
        .args(args)
        .output()
        .expect("purser runs")
}

fn ok(dir: &Path, user: &str, args: &[&str]) {
    let out = purser(dir, user, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A database with two quotes' items, two orders, receipts with serials and the audit
/// trail of it all, made by the binary as people would.
fn build(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("config.toml"), CONFIG).unwrap();
    let db = dir.join("purser.redb");
    shared::init_db(&db);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quotes");
    for q in [
        "q-2026-0142-dentalcare-west.json",
        "q-2026-0155-van-dijk-accountants.json",
    ] {
        ok(dir, "alice", &["quote", "import", fixtures.join(q).to_str().unwrap()]);
    }
    ok(dir, "alice", &["po", "create", "--distributor", "ingram", "1", "2"]);
    ok(dir, "alice", &["po", "place", "PO-000001", "--via", "manual"]);
    ok(
        dir,
        "rick",
        &[
            "po",
            "receive",
            "PO-000001",
            "--line",
            "1",
            "--serial",
            "SN-A",
            "--serial",
            "SN-B",
        ],
    );
    ok(
        dir,
        "rick",
        &["po", "receive", "PO-000001", "--line", "2", "--qty", "1"],
    );
    ok(dir, "alice", &["po", "create", "--distributor", "tdsynnex", "3"]);
    db
}

/// What the four commands give on a file, through the library: each `Ok(output)` or the
/// failure's exit code and message.
#[derive(Debug, PartialEq)]
struct Outcome {
    check: Result<String, (i32, String)>,
    list: Result<String, (i32, String)>,
    verify: Result<String, (i32, String)>,
    receive: Result<String, (i32, String)>,
}

fn service(db: &Path) -> Result<Service, (i32, String)> {
    let config = Config::parse(CONFIG).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
        .unwrap()
        .to_utc();
    let store = Store::open(db).map_err(|e| (3, e.to_string()))?;
    Ok(Service::new(store, Arc::new(config), Arc::new(move || at)))
}

fn actor(name: &str) -> Actor {
    identity::resolve(&Config::parse(CONFIG).unwrap(), Some(name), name).unwrap()
}

fn failed(e: AppError) -> (i32, String) {
    (e.exit_code(), e.to_string())
}

fn run_all(db: &Path) -> Outcome {
    let opened = || service(db);
    let check = opened().and_then(|s| {
        s.check()
            .map(|r| serde_json::to_string(&r.problems).unwrap())
            .map_err(failed)
    });
    let list = opened().and_then(|s| {
        s.list_orders()
            .map(|o| serde_json::to_string(&o).unwrap())
            .map_err(failed)
    });
    let verify = opened().and_then(|s| s.verify_audit().map(|r| format!("{r:?}")).map_err(failed));
    let receive = opened().and_then(|s| {
        let req = ReceiveRequest {
            line: 1,
            quantity: None,
            serials: vec!["SN-NEW".into()],
        };
        s.receive(&actor("rick"), PoNumber(1), req).map_err(failed)?;
        s.list_orders()
            .map(|o| serde_json::to_string(&o).unwrap())
            .map_err(failed)
    });
    Outcome {
        check,
        list,
        verify,
        receive,
    }
}

/// Whether `got` is acceptable against the clean file's `clean`: the same output, or a
/// storage failure (exit 3) that says what it is.
fn honest(
    what: &str,
    got: &Result<String, (i32, String)>,
    clean: &Result<String, (i32, String)>,
) -> Result<(), String> {
    match got {
        Ok(out) if Ok(out) == clean.as_ref() => Ok(()),
        Ok(out) => Err(format!("{what} gave a different result silently: {out}")),
        Err((3, msg)) if !msg.is_empty() => Ok(()),
        Err((code, msg)) => Err(format!("{what} failed with exit {code}: {msg}")),
    }
}

/// Judges one damaged copy; returns what was wrong, if anything.
fn judge(got: &Outcome, clean: &Outcome) -> Result<(), String> {
    // A check that reports problems is an answer, not silence.
    match &got.check {
        Ok(p) if p != "[]" => {}
        other => honest("check", other, &clean.check)?,
    }
    honest("po list", &got.list, &clean.list)?;
    match &got.verify {
        // A reported chain break names what broke.
        Ok(v) if v.starts_with("Err(") => {}
        other => honest("audit verify", other, &clean.verify)?,
    }
    honest("po receive", &got.receive, &clean.receive)
}

/// A copy of the database with byte `at` flipped, its audit key beside it.
fn flipped(clean: &[u8], key: &[u8], at: usize, dir: &Path) -> PathBuf {
    let mut bytes = clean.to_vec();
    bytes[at] ^= 0x5a;
    let p = dir.join(format!("flip-{at}.redb"));
    std::fs::write(&p, &bytes).unwrap();
    std::fs::write(dir.join(format!("flip-{at}.audit.key")), key).unwrap();
    p
}

/// The audit key of the database `build` made.
fn key_of(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("purser.audit.key")).expect("the database has its audit key")
}

#[test]
fn single_byte_flips_never_pass_as_good_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let clean_bytes = std::fs::read(&db).unwrap();
    let key = key_of(dir.path());
    let scratch = tempfile::tempdir().unwrap();
    let clean = run_all(&flipped_none(&clean_bytes, &key, scratch.path()));
    assert_eq!(clean.check, Ok("[]".into()), "the clean file checks clean");
    assert!(clean.receive.is_ok(), "{:?}", clean.receive);

    // About 300 bytes of the records' text (where a SKU or a serial is), 150 spread over
    // the whole file (an odd step, so not always the same place in a page: keys, page
    // headers, free space), and redb's header every 5 bytes.
    let text: Vec<usize> = (0..clean_bytes.len())
        .filter(|&i| (0x20..0x7f).contains(&clean_bytes[i]))
        .collect();
    let mut offsets: Vec<usize> = text.iter().copied().step_by((text.len() / 300).max(1)).collect();
    offsets.extend((0..clean_bytes.len()).step_by((clean_bytes.len() / 150) | 1));
    offsets.extend((1..512).step_by(5));
    // And the middle of every table's name where the file holds it (redb's list of
    // tables among them): a damaged name must not make a table read as empty.
    for name in purser::store::every_table() {
        let name = name.as_bytes();
        offsets.extend(
            clean_bytes
                .windows(name.len())
                .enumerate()
                .filter(|(_, w)| *w == name)
                .map(|(at, _)| at + name.len() / 2),
        );
    }
    offsets.sort_unstable();
    offsets.dedup();
    let mut bad = Vec::new();
    let mut caught = 0;
    for &at in &offsets {
        let copy = flipped(&clean_bytes, &key, at, scratch.path());
        let got = std::panic::catch_unwind(|| run_all(&copy));
        match got {
            Err(_) => bad.push(format!("byte {at}: a panic")),
            Ok(got) => {
                if got != clean {
                    caught += 1;
                }
                if let Err(e) = judge(&got, &clean) {
                    bad.push(format!("byte {at}: {e}"));
                }
            }
        }
        std::fs::remove_file(&copy).unwrap();
    }
    assert!(
        bad.is_empty(),
        "{} of {} flips:\n{}",
        bad.len(),
        offsets.len(),
        bad.join("\n")
    );
    assert!(
        caught > 10,
        "flips in the data were seen ({caught} of {})",
        offsets.len()
    );
}

fn flipped_none(clean: &[u8], key: &[u8], dir: &Path) -> PathBuf {
    let p = dir.join("clean.redb");
    std::fs::write(&p, clean).unwrap();
    std::fs::write(dir.join("clean.audit.key"), key).unwrap();
    p
}

#[test]
fn the_binary_on_damaged_copies_reports_exit_3_or_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let clean_bytes = std::fs::read(&db).unwrap();
    let key = key_of(dir.path());
    let run = |path: &Path, args: &[&str]| {
        Command::new(BIN)
            .env_remove("PURSER_DB")
            .arg("--db")
            .arg(path)
            .arg("--config")
            .arg(dir.path().join("config.toml"))
            .args(["--user", "ada", "--json"])
            .args(args)
            .output()
            .unwrap()
    };
    let commands: [&[&str]; 3] = [&["check"], &["po", "list"], &["audit", "verify"]];
    // The output without the database's path (the copies are elsewhere).
    let shown = |stdout: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(stdout).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("database");
        }
        v
    };
    let clean: Vec<_> = commands.iter().map(|c| shown(&run(&db, c).stdout)).collect();
    // Eight bytes of records' text and eight spread over the file.
    let text: Vec<usize> = (0..clean_bytes.len())
        .filter(|&i| (0x20..0x7f).contains(&clean_bytes[i]))
        .collect();
    let mut offsets: Vec<usize> = text.iter().copied().step_by(text.len() / 8 + 1).collect();
    offsets.extend((0..clean_bytes.len()).step_by(clean_bytes.len() / 8 + 1));
    let scratch = tempfile::tempdir().unwrap();
    for at in offsets {
        let copy = flipped(&clean_bytes, &key, at, scratch.path());
        for (c, clean_out) in commands.iter().zip(&clean) {
            let out = run(&copy, c);
            let code = out
                .status
                .code()
                .unwrap_or_else(|| panic!("byte {at}, {c:?}: killed by a signal"));
            assert_ne!(code, 101, "byte {at}, {c:?}: a panic");
            match code {
                0 => assert!(
                    &shown(&out.stdout) == clean_out,
                    "byte {at}, {c:?}: a different output with exit 0: {}",
                    String::from_utf8_lossy(&out.stdout)
                ),
                // check found problems, the file is damaged, the trail differs from the
                // records: said on stderr as JSON.
                1 | 3 | 4 => {
                    let err: serde_json::Value = serde_json::from_slice(&out.stderr)
                        .unwrap_or_else(|e| panic!("byte {at}, {c:?}: not JSON ({e})"));
                    assert!(err["error"].as_str().is_some_and(|m| !m.is_empty()));
                }
                other => panic!("byte {at}, {c:?}: exit {other}"),
            }
        }
        let out = Command::new(BIN)
            .env_remove("PURSER_DB")
            .arg("--db")
            .arg(&copy)
            .arg("--config")
            .arg(dir.path().join("config.toml"))
            .args([
                "--user",
                "rick",
                "--json",
                "po",
                "receive",
                "PO-000001",
                "--line",
                "1",
                "--serial",
                "SN-NEW",
            ])
            .output()
            .unwrap();
        let code = out.status.code().expect("not killed");
        assert!(code == 0 || code == 3 || code == 1, "byte {at}: po receive exit {code}");
        std::fs::remove_file(&copy).unwrap();
    }
}
