//! Files Purser writes are private to their owner (0600) whatever the umask: the
//! database, the log, PDFs and `.eml` files carry customers' names, addresses and prices.
//! This test binary holds one test, as it sets the process's umask (its children, the
//! `purser` runs, inherit it).

use purser::config::Config;
use purser::integrations::mail::{Mailer, OutgoingMail};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_purser");

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_database_the_log_pdfs_and_emails_are_private_under_umask_000() {
    // SAFETY: umask has no preconditions; it changes this process's mask (and its
    // children's), which only this test uses.
    unsafe { libc::umask(0) };
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    let config_text = format!(
        "[identity]\nallow_user_override = true\n[users.alice]\nroles = [\"buyer\"]\n\
         [distributors.ingram]\nkind = \"ingram\"\nname = \"Ingram Micro\"\ncurrency = \"EUR\"\n\
         [mail]\nfolder = \"{}\"\n",
        mail.display()
    );
    let config = dir.path().join("config.toml");
    std::fs::write(&config, &config_text).unwrap();
    let db = dir.path().join("data/purser.redb");
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .env_remove("PURSER_DB")
            .arg("--db")
            .arg(&db)
            .arg("--config")
            .arg(&config)
            .args(["--user", "alice"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["init"]);
    let quote = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quotes/q-2026-0142-dentalcare-west.json");
    run(&["quote", "import", quote.to_str().unwrap()]);
    run(&["po", "create", "--distributor", "ingram", "1"]);
    let pdf = dir.path().join("PO-000001.pdf");
    run(&["po", "pdf", "PO-000001", "--out", pdf.to_str().unwrap()]);

    // An email written to the mail folder, as the background work sends one.
    let mailer = Mailer::from_config(&Config::parse(&config_text).unwrap())
        .unwrap()
        .unwrap();
    mailer
        .send(&OutgoingMail {
            to: vec!["orders@example.com".into()],
            subject: "PO-000001".into(),
            body: "Attached.".into(),
            attachment: Some(("PO-000001.pdf".into(), std::fs::read(&pdf).unwrap())),
        })
        .unwrap();
    let eml: Vec<_> = std::fs::read_dir(&mail)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(eml.len(), 1);

    let log = dir.path().join("data/purser.log");
    assert!(log.exists(), "the log is beside the database");
    for (what, path) in [("database", &db), ("log", &log), ("PDF", &pdf), (".eml", &eml[0])] {
        assert_eq!(mode(path), 0o600, "{what} {} is {:o}", path.display(), mode(path));
    }
}
