//! End to end: the real binary in tmux on a demo database, driven with `send-keys` and read
//! with `capture-pane`, including a burst of scanner input sent in one go.

// `purser demo` is part of the `demo` feature, on by default.
#![cfg(feature = "demo")]

mod shared;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_purser");

/// A tmux server of our own (unique socket), killed when dropped, even on failure.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(cmd: &str) -> Tmux {
        // One server per test: tests of this file run at the same time.
        static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = Tmux {
            socket: format!("purser-test-{}-{n}", std::process::id()),
        };
        let out = t.run(&["new-session", "-d", "-x", "120", "-y", "40", "-s", "main", cmd]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux is installed (apt-get install -y tmux)")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "send-keys: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "main"]).stdout).into_owned()
    }

    /// Waits until the screen shows `text` (30 s at most: a busy machine is slow, not wrong).
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {text:?}; it shows:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// "1" when the program in the pane asked the terminal for mouse events.
    fn mouse_flag(&self) -> String {
        let out = self.run(&["display-message", "-p", "-t", "main", "#{mouse_any_flag}"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn alive(&self) -> bool {
        self.run(&["has-session", "-t", "main"]).status.success()
    }

    /// Ctrl-C, then waits for purser to exit.
    fn quit(&self) {
        self.keys(&["C-c"]);
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.alive() {
            assert!(Instant::now() < deadline, "purser did not quit:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn purser(dir: &Path, args: &[&str]) -> Output {
    if !dir.join("purser.redb").exists() {
        shared::init_db(&dir.join("purser.redb"));
    }
    Command::new(BIN)
        .arg("--db")
        .arg(dir.join("purser.redb"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(args)
        .env_remove("PURSER_DB")
        .env_remove("PURSER_CONFIG")
        .output()
        .unwrap()
}

fn demo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = Command::new(BIN)
        .args(["demo", "--no-tui", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "demo: {}", String::from_utf8_lossy(&out.stderr));
    (tmp, dir)
}

fn order_json(dir: &Path, po: &str) -> serde_json::Value {
    let out = purser(dir, &["po", "show", po, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn serials(v: &serde_json::Value, line: usize) -> Vec<String> {
    v["lines"][line]["serials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_dock_in_tmux() {
    let (_tmp, dir) = demo();
    let cmd = format!(
        "{BIN} --db {} --config {} --user rick",
        dir.join("purser.redb").display(),
        dir.join("config.toml").display()
    );
    let tmux = Tmux::start(&cmd);

    // A receiver starts at the dock, with the scan box focused.
    tmux.wait_for("Receiving ·");
    tmux.wait_for("Scan a SKU");

    // The panes, by Alt+digit from inside the scan box and by digit outside it.
    tmux.keys(&["M-1"]);
    tmux.wait_for("Pending items");
    tmux.keys(&["2"]);
    tmux.wait_for("Orders ·");
    tmux.keys(&["3"]);
    tmux.wait_for("Approvals ·");
    tmux.keys(&["5"]);
    tmux.wait_for("Audit trail");
    tmux.keys(&["F1"]);
    tmux.wait_for("Help · Audit keys");
    tmux.keys(&["Escape"]);
    tmux.keys(&["4"]);
    tmux.wait_for("Receiving ·");

    // A scanner burst, all in one tmux command: both switches, then three access points.
    tmux.keys(&[
        "SW-2930F-24",
        "Enter",
        "SW-SN-1",
        "Enter",
        "SW-SN-2",
        "Enter",
        "AP-650",
        "Enter",
        "AP-SN-1",
        "Enter",
        "AP-SN-2",
        "Enter",
        "AP-SN-3",
        "Enter",
    ]);
    let deadline = Instant::now() + Duration::from_secs(15);
    let order = loop {
        let o = order_json(&dir, "PO-000004");
        if o["received"] == 5 {
            break o;
        }
        assert!(
            Instant::now() < deadline,
            "not every scan was committed: {o}\nscreen:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(serials(&order, 1), ["SW-SN-1", "SW-SN-2"]);
    assert_eq!(serials(&order, 0), ["AP-SN-1", "AP-SN-2", "AP-SN-3"]);
    tmux.wait_for("5/10");

    // A duplicate serial is refused on screen.
    tmux.keys(&["AP-SN-3", "Enter"]);
    tmux.wait_for("AP-SN-3");
    tmux.wait_for("✗");
    assert_eq!(order_json(&dir, "PO-000004")["received"], 5);

    // Someone else places PO-000005 from another session: it appears without a key.
    let out = purser(
        &dir,
        &["--user", "alice", "po", "place", "PO-000005", "--via", "manual"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tmux.wait_for("PO-000005");

    // Ctrl-C quits (nothing typed is pending).
    tmux.keys(&["Escape"]);
    tmux.quit();
}

#[test]
fn a_buyer_edits_an_order_header_in_tmux() {
    let (_tmp, dir) = demo();
    let stderr = dir.join("stderr.txt");
    let cmd = format!(
        "{BIN} --db {} --config {} --user alice 2>{}",
        dir.join("purser.redb").display(),
        dir.join("config.toml").display(),
        stderr.display()
    );
    let tmux = Tmux::start(&cmd);
    tmux.wait_for("Pending items");
    // Orders, pending only (picked from the statuses), open the one there is.
    tmux.keys(&["2"]);
    tmux.wait_for("Orders ·");
    tmux.keys(&["f"]);
    tmux.wait_for("Show orders of which status?");
    // Typed, then Enter on its own: sent together they arrive as fast as a scan, which
    // never submits a form.
    tmux.keys(&["Pending"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    tmux.keys(&["Enter"]);
    tmux.wait_for("showing Pending orders");
    tmux.keys(&["Enter"]);
    tmux.wait_for("not placed yet");
    tmux.keys(&["e"]);
    tmux.wait_for("Edit PO-000005");
    // Ten fields down to the special bid (type, then nine of the ship-to).
    for _ in 0..10 {
        tmux.keys(&["Tab"]);
    }
    // Typed, then Enter on its own (text and Enter sent in one go would be a scanner's
    // burst, which a form takes as text only).
    tmux.keys(&["SB-2026-77"]);
    tmux.wait_for("SB-2026-77");
    tmux.keys(&["Enter"]);
    tmux.wait_for("PO-000005 saved");
    tmux.wait_for("SB-2026-77");
    assert_eq!(order_json(&dir, "PO-000005")["special_bid"], "SB-2026-77");
    tmux.quit();
    // Nothing was being sent or synced: quitting says nothing about work under way.
    let said = std::fs::read_to_string(&stderr).unwrap_or_default();
    assert!(!said.contains("finishing the work"), "{said}");
}

#[test]
fn a_scan_on_a_buyers_pane_runs_no_command_in_tmux() {
    let (_tmp, dir) = demo();
    let cmd = format!(
        "{BIN} --db {} --config {} --user alice",
        dir.join("purser.redb").display(),
        dir.join("config.toml").display()
    );
    let tmux = Tmux::start(&cmd);
    tmux.wait_for("Pending items");
    let before = purser(&dir, &["--json", "pending", "list"]);
    assert!(before.status.success(), "{}", String::from_utf8_lossy(&before.stderr));
    // A scanner's burst, at the terminal's real speed: S would split, 1 and 2 switch panes.
    tmux.keys(&["S12", "Enter"]);
    tmux.wait_for("`S12` came as a scan");
    let screen = tmux.screen();
    assert!(
        screen.contains("Pending items") && !screen.contains("Split"),
        "{screen}"
    );
    assert_eq!(purser(&dir, &["--json", "pending", "list"]).stdout, before.stdout);
    // A person's key still acts.
    tmux.keys(&["2"]);
    tmux.wait_for("Orders ·");
    // A bracketed paste is never keys: nothing here takes text.
    tmux.run(&["set-buffer", "x1"]);
    tmux.run(&["paste-buffer", "-p", "-t", "main"]);
    tmux.wait_for("the paste was not used");
    assert!(tmux.screen().contains("Orders ·"));
    // The mouse is on: the terminal was asked for clicks.
    assert_eq!(tmux.mouse_flag(), "1");
    tmux.quit();
}

#[test]
fn the_mouse_stays_off_when_the_settings_say_so_in_tmux() {
    let (_tmp, dir) = demo();
    let config = dir.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n[ui]\nmouse = false\n")).unwrap();
    let cmd = format!(
        "{BIN} --db {} --config {} --user alice",
        dir.join("purser.redb").display(),
        config.display()
    );
    let tmux = Tmux::start(&cmd);
    tmux.wait_for("Pending items");
    assert_eq!(tmux.mouse_flag(), "0");
    tmux.quit();
}

#[test]
fn the_screens_say_when_they_made_the_default_database_on_first_run() {
    let (_tmp, dir) = demo();
    let data = dir.join("first-run-data");
    let cmd = format!(
        "env -u PURSER_DB XDG_DATA_HOME={} {BIN} --config {} --user rick",
        data.display(),
        dir.join("config.toml").display()
    );
    let tmux = Tmux::start(&cmd);
    tmux.wait_for("created a new database at");
    tmux.quit();
    assert!(data.join("purser/purser.redb").exists());
}
