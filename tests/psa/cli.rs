//! The command line over a PSA: `po place --via skip` queues the sync, `sync run` runs it
//! against the fake Autotask, `sync status` shows the sync column per order (and, with an
//! order number, every entity with its Autotask id), `sync check` names unknown values.
//! Standalone: no PSA job, the stage kept locally.

use crate::common::{quote, secret_file, USERS, WAREHOUSE};
use purser::sandbox::psa::autotask::{self, AutotaskSandbox};
use purser::sandbox::psa::halopsa::{self, HalopsaSandbox};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_purser");

fn run(dir: &Path, user: &str, args: &[&str]) -> Output {
    if !dir.join("p.redb").exists() {
        crate::shared::init_db(&dir.join("p.redb"));
    }
    Command::new(BIN)
        .env_remove("PURSER_DB")
        .env_remove("PURSER_CONFIG")
        .env("XDG_DATA_HOME", dir)
        .args(args)
        .arg("--db")
        .arg(dir.join("p.redb"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(["--user", user])
        .output()
        .unwrap()
}

fn ok(dir: &Path, user: &str, args: &[&str]) -> String {
    let out = run(dir, user, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(dir: &Path, user: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    serde_json::from_str(&ok(dir, user, &a)).unwrap()
}

fn autotask_config(fake: &purser::sandbox::psa::FakePsa, dir: &Path, queue: &str) -> String {
    let sb = AutotaskSandbox::default();
    let code = secret_file(dir, "code", &sb.integration_code);
    let secret = secret_file(dir, "secret", &sb.secret);
    format!(
        r#"{USERS}
{WAREHOUSE}
[psa]
kind = "autotask"
base_url = "{}"
[psa.stages]
placed = "Ordered"
[psa.vendors]
ingram = 29683
[psa.autotask]
username = "{}"
integration_code_file = "{}"
secret_file = "{}"
ticket_status = "New"
ticket_priority = "Medium"
ticket_queue = "{queue}"
shipping_billing_code_id = 29682801
note_type = "Task Notes"
note_publish = "Internal Only"
purchase_orders = true
purchase_order_status = "New"
inventory_location_id = 3
"#,
        fake.url(),
        sb.username,
        code.display(),
        secret.display()
    )
}

#[test]
fn sync_run_and_status_show_each_order_and_its_entities() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("config.toml"), autotask_config(&fake, d, "Post Sale")).unwrap();
    std::fs::write(
        d.join("q.json"),
        quote("Q-1", "174", "1201", ["29684", "29685", "29686"]),
    )
    .unwrap();
    let q = d.join("q.json");
    ok(d, "alice", &["quote", "import", q.to_str().unwrap()]);
    ok(d, "alice", &["po", "create", "--distributor", "ingram", "1", "2", "3"]);
    ok(d, "alice", &["po", "place", "PO-000001", "--via", "skip"]);
    let before = json(d, "alice", &["sync", "status", "--orders"]);
    assert_eq!(before[0]["sync"], "waiting");

    ok(d, "alice", &["sync", "run"]);
    let orders = json(d, "alice", &["sync", "status", "--orders"]);
    assert_eq!(orders[0]["po"], "PO-000001");
    assert_eq!(orders[0]["psa"], "autotask");
    assert_eq!(orders[0]["sync"], "synced");
    assert_eq!(orders[0]["stage"], "Ordered");
    let human = ok(d, "alice", &["sync", "status"]);
    assert!(human.contains("PO-000001") && human.contains("synced"), "{human}");
    let detail = ok(d, "alice", &["sync", "status", "PO-000001"]);
    let ticket = fake.entities("Tickets")[0]["id"].as_i64().unwrap();
    assert!(
        detail.contains("ticket/174") && detail.contains(&format!("id {ticket}")),
        "{detail}"
    );
    assert!(detail.contains("PurchaseOrderItem"), "{detail}");
    // A wholesale order: its purchase order ships to the warehouse, and is submitted.
    let order = &fake.entities("PurchaseOrders")[0];
    assert_eq!(order["shipToName"], "Northsea IT depot");
    assert_eq!(order["shipToAddress1"], "Stationsweg 8");
    assert_eq!(order["status"], 2);
    // The jobs list keeps its shape for scripts.
    let jobs = json(d, "alice", &["sync", "status"]);
    assert_eq!(jobs[0]["kind"], "psa_sync");
    assert_eq!(fake.entities("Tickets").len(), 1);
    // Nothing left to retry.
    let out = run(d, "alice", &["sync", "retry-psa", "PO-000001"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no failed or waiting PSA job"));
    assert!(ok(d, "alice", &["sync", "check"]).contains("complete"));
}

#[test]
fn sync_check_names_each_unknown_value() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("config.toml"), autotask_config(&fake, d, "Postsale")).unwrap();
    let out = run(d, "alice", &["sync", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ticket_queue = \"Postsale\"") && text.contains("Post Sale"),
        "{text}"
    );
    // A file missing settings names each one.
    std::fs::write(d.join("config.toml"), format!("{USERS}\n[psa]\nkind = \"halopsa\"\n")).unwrap();
    let out = run(d, "alice", &["sync", "check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("base_url") && text.contains("stages.placed") && text.contains("[psa.halopsa]"),
        "{text}"
    );
}

#[test]
fn standalone_creates_nothing_and_keeps_the_stage_locally() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("config.toml"), USERS).unwrap();
    std::fs::write(d.join("q.json"), quote("Q-1", "174", "1201", ["1", "2", "3"])).unwrap();
    let q = d.join("q.json");
    ok(d, "alice", &["quote", "import", q.to_str().unwrap()]);
    ok(d, "alice", &["po", "create", "--distributor", "ingram", "1", "2"]);
    ok(d, "alice", &["po", "place", "PO-000001", "--via", "skip"]);
    let jobs = json(d, "alice", &["sync", "status"]);
    assert_eq!(jobs.as_array().unwrap().len(), 0, "no PSA job when standalone");
    let orders = json(d, "alice", &["sync", "status", "--orders"]);
    assert_eq!(orders[0]["psa"], "none");
    assert_eq!(orders[0]["sync"], "local");
    assert_eq!(orders[0]["stage"], "Submitted");
}

#[test]
fn the_demo_sandboxes_give_a_configuration_that_syncs() {
    use purser::config::PsaKind;
    use purser::sandbox::psa::{start_for_demo, DemoIds};
    for kind in [PsaKind::Autotask, PsaKind::Halopsa, PsaKind::Connectwise] {
        let dir = tempfile::tempdir().unwrap();
        let ids = DemoIds {
            companies: vec![29683512],
            products: vec![30012, 30013, 30014],
            opportunities: vec![9913],
        };
        let (fake, psa) = start_for_demo(kind, &dir.path().join("secrets"), &["ingram"], &ids)
            .unwrap()
            .unwrap();
        // The demo's configuration has a warehouse, as wholesale orders need.
        let w = crate::common::World::new(&format!("{USERS}\n{WAREHOUSE}\n{psa}"));
        assert!(
            purser::jobs::db::block_on(purser::jobs::psa::check(w.svc.config())).is_empty(),
            "{kind:?}: {:?}",
            purser::jobs::db::block_on(purser::jobs::psa::check(w.svc.config()))
        );
        let po = w.place(&quote("4401", "29683512", "9913", ["30012", "30013", "30014"]), "10");
        w.drain();
        w.receive(po, 2, 2, &[]);
        w.drain();
        let status = w.svc.psa_sync_status().unwrap();
        assert_eq!(status[0].sync, "synced", "{kind:?}: {status:#?}");
        assert_eq!(fake.violations(), Vec::<String>::new());
    }
}

#[test]
fn sync_check_names_a_halo_vendor_that_is_no_supplier() {
    let sb = HalopsaSandbox {
        manufacturers: vec![(44, "Lenovo".into())],
        ..Default::default()
    };
    let secret_value = sb.client_secret.clone();
    let client = sb.client_id.clone();
    let fake = halopsa::start(sb).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let secret = secret_file(d, "halo-secret", &secret_value);
    let config = |vendor: i64| {
        format!(
            "{USERS}\n[psa]\nkind = \"halopsa\"\nbase_url = \"{}\"\n[psa.stages]\nplaced = \"Won - Ordering\"\n[psa.vendors]\ningram = {vendor}\n[psa.halopsa]\nclient_id = \"{client}\"\nclient_secret_file = \"{}\"\nstock_location_id = 2\nstock_bin_id = 5\n",
            fake.root(),
            secret.display()
        )
    };
    // Halo answers 200 for the manufacturer, with is_supplier false.
    std::fs::write(d.join("config.toml"), config(44)).unwrap();
    let out = run(d, "alice", &["sync", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[psa.vendors] ingram = 44") && text.contains("\"Lenovo\"") && text.contains("not a supplier"),
        "{text}"
    );
    // The supplier itself passes.
    std::fs::write(d.join("config.toml"), config(41)).unwrap();
    let out = run(d, "alice", &["sync", "check"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}
