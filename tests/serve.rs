//! `purser serve` as the real binary: commands through its socket answer as they do on the
//! file, the kernel names who connects (with real OS accounts when the tests run as root,
//! as in CI), and a service killed while clients write keeps every acknowledged command.

mod shared;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_purser");

const USERS: &str = r#"
[users.alice]
roles = ["buyer"]

[users.carol]
roles = ["approver", "buyer"]

[users.rick]
roles = ["receiver"]

[distributors.tdsynnex]
kind = "manual"
name = "TD SYNNEX"
currency = "EUR"
"#;

fn fixture_arg(name: &str) -> String {
    fixture(name).to_str().unwrap().to_string()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/quotes")
        .join(name)
}

/// A folder with a configuration and a database path; a service on it when started.
struct Site {
    dir: TempDir,
    config: PathBuf,
    db: PathBuf,
    socket: PathBuf,
    service: std::sync::Mutex<Option<Child>>,
}

impl Site {
    fn new(identity: &str, extra_users: &str) -> Site {
        let dir = tempfile::Builder::new().prefix("purser-serve-").tempdir().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(&config, format!("{identity}{USERS}{extra_users}")).unwrap();
        let db = dir.path().join("data/purser.redb");
        let socket = dir.path().join("purser.sock");
        Site {
            dir,
            config,
            db,
            socket,
            service: std::sync::Mutex::new(None),
        }
    }

    /// A purser command with no `PURSER_*` from outside.
    fn purser() -> Command {
        Self::purser_at(Path::new(BIN))
    }

    /// [`Site::purser`] with the binary at `bin`.
    fn purser_at(bin: &Path) -> Command {
        let mut c = Command::new(bin);
        for v in ["PURSER_DB", "PURSER_CONFIG", "PURSER_SOCKET"] {
            c.env_remove(v);
        }
        c.env("NO_COLOR", "1");
        c
    }

    /// Starts `purser serve` (on a database made with `purser init` the first time) and
    /// waits until it answers.
    fn start(&self) {
        if !self.db.exists() {
            shared::init_db(&self.db);
        }
        let child = Self::purser()
            .arg("serve")
            .arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(&self.config)
            .arg("--socket")
            .arg(&self.socket)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("purser serve starts");
        *self.service.lock().unwrap() = Some(child);
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if std::os::unix::net::UnixStream::connect(&self.socket).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("purser serve did not come up on {}", self.socket.display());
    }

    /// Kills the service at once (SIGKILL: no chance to finish anything).
    fn kill(&self) {
        if let Some(mut c) = self.service.lock().unwrap().take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// A command through the service.
    fn client(&self, args: &[&str]) -> Command {
        let mut c = Self::purser();
        c.arg("--socket").arg(&self.socket).args(args);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.client(args).output().expect("purser runs")
    }

    /// The same command on the database file directly (`db`), as a single user would.
    fn direct(&self, db: &Path, args: &[&str]) -> Output {
        Self::purser()
            .arg("--db")
            .arg(db)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .output()
            .expect("purser runs")
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What a command said, with the times and folders that differ between two runs blanked.
fn said(out: &Output, dirs: &[&Path]) -> (i32, String, String) {
    let blank = |s: &[u8]| {
        let mut text = String::from_utf8_lossy(s).into_owned();
        for d in dirs {
            text = text.replace(&d.display().to_string(), "DIR");
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(mut v) => {
                blank_times(&mut v);
                v.to_string()
            }
            Err(_) => text,
        }
    };
    (out.status.code().unwrap_or(-1), blank(&out.stdout), blank(&out.stderr))
}

fn blank_times(v: &mut Value) {
    match v {
        Value::String(s) if s.len() >= 20 && s.starts_with("20") && s.as_bytes().get(10) == Some(&b'T') => {
            *s = "TIME".into();
        }
        Value::Array(a) => a.iter_mut().for_each(blank_times),
        // Each database has its own audit key, so its own MACs.
        Value::Object(m) => m.iter_mut().for_each(|(k, v)| {
            if k == "mac" {
                *v = Value::String("MAC".into());
            } else {
                blank_times(v);
            }
        }),
        _ => {}
    }
}

#[test]
fn commands_through_the_service_answer_as_they_do_on_the_file() {
    // Everyone is root here (the test's own account) acting as the configured users.
    let site = Site::new(
        "[identity]\nallow_user_override = true\n",
        "[users.root]\nroles = [\"buyer\", \"approver\", \"receiver\", \"admin\"]\n",
    );
    site.start();
    let direct_db = site.dir.path().join("direct/purser.redb");
    shared::init_db(&direct_db);
    let quote = fixture("q-2026-0150-bakker-logistics.json");
    let quote = quote.to_str().unwrap();
    let missing = site.dir.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    let pdf_service = site.dir.path().join("service.pdf");
    let pdf_direct = site.dir.path().join("direct.pdf");
    let steps: Vec<Vec<&str>> = vec![
        vec!["--json", "whoami"],
        vec!["--user", "alice", "--json", "quote", "import", quote],
        vec!["--user", "alice", "--json", "quote", "import", missing],
        vec!["--user", "rick", "--json", "quote", "import", quote],
        vec!["--user", "alice", "--json", "pending", "list"],
        vec!["--user", "alice", "pending", "split", "3", "--qty", "10"],
        vec!["--user", "alice", "--json", "pending", "split", "2", "--qty", "0"],
        vec![
            "--user",
            "alice",
            "--json",
            "po",
            "create",
            "1",
            "2",
            "--distributor",
            "tdsynnex",
        ],
        vec!["--user", "alice", "--json", "po", "show", "PO-000001"],
        vec!["--user", "alice", "po", "show", "PO-000009"],
        vec!["--user", "mallory", "--json", "po", "list"],
        vec!["--json", "audit", "verify"],
        vec!["--json", "po", "nonsense"],
        vec!["background"],
    ];
    for step in &steps {
        let on_service = site.run(step);
        if step.last() == Some(&"background") {
            // Not a command for a client: the service runs the background work.
            assert_eq!(on_service.status.code(), Some(2));
            assert!(String::from_utf8_lossy(&on_service.stderr).contains("runs the background jobs"));
            continue;
        }
        let on_file = site.direct(&direct_db, step);
        let dirs = [site.dir.path()];
        assert_eq!(said(&on_service, &dirs), said(&on_file, &dirs), "purser {step:?}");
    }
    // A file the command writes lands where the client named it, private.
    let out = site.run(&["po", "pdf", "PO-000001", "--out", pdf_service.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let direct = site.direct(
        &direct_db,
        &["po", "pdf", "PO-000001", "--out", pdf_direct.to_str().unwrap()],
    );
    assert!(direct.status.success());
    assert!(std::fs::read(&pdf_service).unwrap().starts_with(b"%PDF"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&pdf_service).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_client_of_another_protocol_is_told_which_versions_met() {
    use std::io::{Read, Write};
    let site = Site::new("", "[users.root]\nroles = [\"buyer\"]\n");
    site.start();
    let mut s = std::os::unix::net::UnixStream::connect(&site.socket).unwrap();
    let hello = br#"{"protocol":99,"version":"9.9.9","user":null,"purpose":"Command"}"#;
    s.write_all(&(hello.len() as u32).to_be_bytes()).unwrap();
    s.write_all(hello).unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).unwrap();
    let answer: Value = serde_json::from_slice(&body).unwrap();
    let message = answer["Refused"]["message"].as_str().unwrap();
    assert!(
        message.contains("9.9.9") && message.contains("protocol 99"),
        "{message}"
    );
    assert!(message.contains(env!("CARGO_PKG_VERSION")), "{message}");
}

/// Clients that hang up before the service answers (a screen closed at once, a script
/// killed) never take the service down with them.
#[test]
fn clients_that_hang_up_at_once_do_not_end_the_service() {
    use std::io::Write;
    let site = Site::new("", "[users.root]\nroles = [\"buyer\"]\n");
    site.start();
    let hello = br#"{"protocol":1,"version":"0.1.0","user":null,"purpose":"Screens"}"#;
    for _ in 0..20 {
        let mut s = std::os::unix::net::UnixStream::connect(&site.socket).unwrap();
        s.write_all(&(hello.len() as u32).to_be_bytes()).unwrap();
        s.write_all(hello).unwrap();
        drop(s);
    }
    std::thread::sleep(Duration::from_millis(300));
    let exited = site.service.lock().unwrap().as_mut().unwrap().try_wait().unwrap();
    assert_eq!(exited, None, "the service ended when its clients hung up");
    let out = site.run(&["--json", "whoami"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn no_service_on_a_named_socket_is_a_clear_error() {
    let site = Site::new("", "");
    let out = site.run(&["--json", "po", "list"]);
    assert_eq!(out.status.code(), Some(3));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    let message = err["error"].as_str().unwrap();
    assert!(
        message.contains("cannot reach the Purser service") && message.contains("purser.sock"),
        "{message}"
    );
    // The screens say the same, with the same exit code.
    let screens = site.run(&["--json"]);
    assert_eq!(
        screens.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&screens.stderr)
    );
    let err: Value = serde_json::from_slice(&screens.stderr).unwrap();
    assert!(err["error"]
        .as_str()
        .unwrap()
        .contains("cannot reach the Purser service"));
}

/// Where a command goes when both a socket and a database are named: the one typed beats
/// the one from the environment, and two named the same way are refused. An exported
/// `PURSER_SOCKET` must never send a command meant for a test file to the shared database.
#[test]
fn a_database_typed_on_the_command_line_beats_an_exported_socket() {
    let site = Site::new(
        "[identity]\nallow_user_override = true\n",
        "[users.root]\nroles = [\"buyer\"]\n",
    );
    site.start();
    let shared_order = site.run(&[
        "--user",
        "alice",
        "--json",
        "quote",
        "import",
        fixture_arg("q-2026-0150-bakker-logistics.json").as_str(),
    ]);
    assert!(
        shared_order.status.success(),
        "{}",
        String::from_utf8_lossy(&shared_order.stderr)
    );
    let own = site.dir.path().join("own/purser.redb");
    shared::init_db(&own);
    let on = |env: &[(&str, &Path)], args: &[&str]| {
        let mut c = Site::purser();
        for (k, v) in env {
            c.env(k, v);
        }
        c.arg("--config").arg(&site.config).args(args).output().unwrap()
    };
    let (own_s, socket_s) = (own.to_str().unwrap(), site.socket.to_str().unwrap());
    // PURSER_SOCKET exported, --db typed: the command works on the file, not the service.
    let out = on(
        &[("PURSER_SOCKET", &site.socket)],
        &["--db", own_s, "--user", "alice", "--json", "pending", "list"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(0),
        "the file's items, not the service's: {listed}"
    );
    // PURSER_DB exported, --socket typed: through the service.
    let out = on(
        &[("PURSER_DB", &own)],
        &["--socket", socket_s, "--user", "alice", "--json", "pending", "list"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        listed.as_array().is_some_and(|a| !a.is_empty()),
        "the service's items: {listed}"
    );
    // Both typed, or both exported: refused, naming both, nothing done.
    let out = on(&[], &["--socket", socket_s, "--db", own_s, "--json", "pending", "list"]);
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(
        err["error"].as_str().unwrap().contains("both --socket and --db"),
        "{err}"
    );
    let out = on(
        &[("PURSER_SOCKET", &site.socket), ("PURSER_DB", &own)],
        &["pending", "list"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PURSER_SOCKET") && err.contains("PURSER_DB"), "{err}");
    // `init` makes a file: a socket named instead of a database is refused, not ignored.
    let home = site.dir.path().join("home");
    let out = Site::purser()
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .args(["--socket", socket_s, "init"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--db PATH"));
    assert!(!home.exists(), "no database was made");
}

/// `--socket` naming a file by mistake (the database itself, say) is refused; the file is
/// kept whole, and the service that was running is not disturbed.
#[test]
fn serve_refuses_a_socket_path_that_holds_a_file() {
    let site = Site::new("", "[users.root]\nroles = [\"buyer\"]\n");
    shared::init_db(&site.db);
    let out = Site::purser()
        .arg("serve")
        .arg("--db")
        .arg(&site.db)
        .arg("--config")
        .arg(&site.config)
        .arg("--socket")
        .arg(&site.db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a socket"), "{err}");
    let check = site.direct(&site.db, &["check"]);
    assert!(
        check.status.success(),
        "the database is whole: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

/// Splits an item of 10,000 one unit at a time from several clients while the service is
/// killed (SIGKILL) at random moments and started again: every split a client saw
/// acknowledged is there afterwards, and no split is half there (the units add up).
#[test]
fn a_killed_service_keeps_every_acknowledged_command_and_nothing_half_done() {
    let site = Site::new(
        "[identity]\nallow_user_override = true\n",
        "[users.root]\nroles = [\"buyer\", \"approver\", \"receiver\", \"admin\"]\n",
    );
    let quote = site.dir.path().join("big.json");
    std::fs::write(
        &quote,
        r#"{"quote_id":"Q-KILL","quote_number":"1","approved_at":"2026-11-21T14:05:00Z","currency":"EUR",
            "customer":{"id":"C-1","name":"Kill Test BV"},
            "lines":[{"line_id":"1","kind":"product","sku":"CAT6","description":"Cable","quantity":10000,
                      "unit_cost":"1.00","unit_price":"2.00","distributor":"tdsynnex"}]}"#,
    )
    .unwrap();
    site.start();
    let out = site.run(&["--user", "alice", "quote", "import", quote.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let acknowledged = std::sync::Mutex::new(Vec::<u64>::new());
    // Commands whose client was told the outcome is unknown (the service went away after
    // taking them); those told "nothing was done" must not have run.
    let unanswered = std::sync::atomic::AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let out = site.run(&["--user", "alice", "--json", "pending", "split", "1", "--qty", "1"]);
                    if out.status.success() {
                        let v: Value =
                            serde_json::from_slice(&out.stdout).expect("an acknowledged split says what it made");
                        acknowledged.lock().unwrap().push(v["split"]["id"].as_u64().unwrap());
                    } else if String::from_utf8_lossy(&out.stderr).contains("either ran whole or not at all") {
                        unanswered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
        // Kill at moments spread over the clients' work, starting again each time.
        let mut seed = 0x9e37_79b9_u64;
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            std::thread::sleep(Duration::from_millis(150 + seed % 400));
            site.kill();
            std::thread::sleep(Duration::from_millis(50));
            site.start();
        }
        std::thread::sleep(Duration::from_millis(300));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    site.kill();
    site.start();
    let out = site.run(&["--user", "alice", "--json", "pending", "list"]);
    let items: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: std::collections::HashSet<u64> = items.iter().map(|i| i["id"].as_u64().unwrap()).collect();
    let acknowledged = acknowledged.into_inner().unwrap();
    assert!(!acknowledged.is_empty(), "no split was acknowledged at all");
    for id in &acknowledged {
        assert!(
            ids.contains(id),
            "split item {id} was acknowledged but is gone after the kills"
        );
    }
    let units: u64 = items.iter().map(|i| i["quantity"].as_u64().unwrap()).sum();
    assert_eq!(units, 10_000, "the units of the split item no longer add up");
    let made = ids.len() - 1;
    let unanswered = unanswered.into_inner();
    assert!(
        made <= acknowledged.len() + unanswered,
        "{made} splits made, but only {} acknowledged and {unanswered} of unknown outcome: \
         a command its client was told was not done ran",
        acknowledged.len()
    );
    let verify = site.run(&["audit", "verify"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
}

/// Real accounts connect as themselves: the service names them by their uid, whatever
/// they claim, and a configuration of their own changes nothing about who they are.
/// Needs root (to create accounts and run as them); CI runs the tests as root.
#[test]
fn the_kernel_says_who_connects_not_the_client() {
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: creating OS accounts needs root (CI runs as root)");
        return;
    }
    let tag = std::process::id() % 100_000;
    let (ann, bob) = (format!("pt-ann-{tag}"), format!("pt-bob-{tag}"));
    let _accounts = Accounts::create(&[&ann, &bob]);
    let site = Site::new(
        "[identity]\nallow_user_override = false\n",
        &format!("[users.{ann}]\nroles = [\"receiver\"]\n[users.root]\nroles = [\"admin\"]\n"),
    );
    site.start();
    // The test's folder and socket open to the test accounts (the package gives the socket
    // to a `purser` group instead).
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(site.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&site.socket, std::fs::Permissions::from_mode(0o666)).unwrap();
    // A configuration of ann's own that would make her an admin who may act as anyone.
    let forged = site.dir.path().join("forged.toml");
    std::fs::write(
        &forged,
        format!("[identity]\nallow_user_override = true\n[users.{ann}]\nroles = [\"admin\"]\n[users.root]\nroles = [\"admin\"]\n"),
    )
    .unwrap();
    std::fs::set_permissions(&forged, std::fs::Permissions::from_mode(0o644)).unwrap();
    // The binary where the test accounts may run it (the build folder may be private).
    let bin = site.dir.path().join("purser");
    std::fs::copy(BIN, &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_user = |name: &str, args: &[&str]| {
        use std::os::unix::process::CommandExt;
        let uid = uid_of(name);
        let mut c = Site::purser_at(&bin);
        c.arg("--socket").arg(&site.socket).args(args);
        c.uid(uid).gid(uid_gid(name)).env("HOME", "/");
        c.output().expect("purser runs as the test account")
    };
    let me = as_user(&ann, &["--json", "whoami"]);
    assert!(me.status.success(), "{}", String::from_utf8_lossy(&me.stderr));
    let me: Value = serde_json::from_slice(&me.stdout).unwrap();
    assert_eq!(me["user"], ann.as_str());
    assert_eq!(me["roles"], serde_json::json!(["receiver"]));
    let forged_me = as_user(&ann, &["--config", forged.to_str().unwrap(), "--json", "whoami"]);
    let forged_me: Value = serde_json::from_slice(&forged_me.stdout).unwrap();
    assert_eq!(
        forged_me["roles"],
        serde_json::json!(["receiver"]),
        "a client's configuration gave roles"
    );
    let as_root = as_user(
        &ann,
        &[
            "--config",
            forged.to_str().unwrap(),
            "--user",
            "root",
            "--json",
            "whoami",
        ],
    );
    assert_eq!(as_root.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&as_root.stderr).contains("allow_user_override"));
    let stranger = as_user(&bob, &["--json", "po", "list"]);
    assert_eq!(stranger.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&stranger.stderr).contains(&format!("{bob} is not a Purser user")));
    // Real and effective accounts that differ are refused: the service would take one,
    // the file the other.
    let two = {
        use std::os::unix::process::CommandExt;
        let (real, effective, gid) = (uid_of(&ann), uid_of(&bob), uid_gid(&bob));
        let mut c = Site::purser_at(&bin);
        c.arg("--socket")
            .arg(&site.socket)
            .args(["--json", "whoami"])
            .env("HOME", "/");
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            c.pre_exec(move || {
                if libc::setgid(gid) != 0 || libc::setresuid(real, effective, effective) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        c.output().expect("purser runs with two accounts")
    };
    assert_eq!(two.status.code(), Some(2), "{}", String::from_utf8_lossy(&two.stderr));
    let err: Value = serde_json::from_slice(&two.stderr).unwrap();
    let message = err["error"].as_str().unwrap();
    assert!(
        message.contains(&format!("runs as {ann} with the rights of {bob}")),
        "{message}"
    );
    // A socket closed to an account says why, as far as the account can tell.
    let refusal = |name: &str| {
        let out = as_user(name, &["--json", "whoami"]);
        assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
        let err: Value = serde_json::from_slice(&out.stderr).unwrap();
        err["error"].as_str().unwrap().to_string()
    };
    // This service runs as root: its socket is for group root, whom no user joins.
    std::fs::set_permissions(&site.socket, std::fs::Permissions::from_mode(0o660)).unwrap();
    let message = refusal(&ann);
    assert!(
        message.contains("permission denied") && message.contains("belongs to group root"),
        "{message}"
    );
    assert!(!message.contains("usermod"), "{message}");
    // A socket for bob's group names the group, and how an administrator adds ann to it.
    std::os::unix::fs::chown(&site.socket, None, Some(uid_gid(&bob))).unwrap();
    let message = refusal(&ann);
    assert!(message.contains(&format!("usermod -aG {bob} {ann}")), "{message}");
    // A member of the socket's group shut out by its mode is told what is missing.
    std::os::unix::fs::chown(&site.socket, None, Some(uid_gid(&ann))).unwrap();
    std::fs::set_permissions(&site.socket, std::fs::Permissions::from_mode(0o600)).unwrap();
    let message = refusal(&ann);
    assert!(
        message.contains(&format!("though you are in its group {ann}")) && message.contains("the socket is mode 600"),
        "{message}"
    );
    assert!(!message.contains("usermod"), "{message}");
}

/// Test accounts, removed again when dropped.
struct Accounts(Vec<String>);

impl Accounts {
    fn create(names: &[&str]) -> Accounts {
        for n in names {
            let ok = Command::new("useradd")
                .args([
                    "--system",
                    "--no-create-home",
                    "--user-group",
                    "--shell",
                    "/usr/sbin/nologin",
                    n,
                ])
                .status()
                .expect("useradd runs");
            assert!(ok.success(), "useradd {n}");
        }
        Accounts(names.iter().map(|n| n.to_string()).collect())
    }
}

impl Drop for Accounts {
    fn drop(&mut self) {
        for n in &self.0 {
            let _ = Command::new("userdel").arg(n).status();
        }
    }
}

fn uid_of(name: &str) -> u32 {
    id(name, "-u")
}

fn uid_gid(name: &str) -> u32 {
    id(name, "-g")
}

fn id(name: &str, flag: &str) -> u32 {
    let out = Command::new("id").args([flag, name]).output().expect("id runs");
    String::from_utf8(out.stdout).unwrap().trim().parse().expect("a number")
}
