//! Several `purser` processes on one database at the same time, as a buyer at a desk and
//! receivers at the dock would run them: nobody fails only because someone else was
//! writing, the result is exactly the sum, and a race for the last unit has one winner.

mod shared;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_purser");

const CONFIG: &str = r#"
[identity]
allow_user_override = true

[users.alice]
roles = ["buyer"]

[users.rick]
roles = ["receiver"]

[users.rita]
roles = ["receiver"]

[distributors.ingram]
kind = "ingram"
name = "Ingram Micro"
currency = "EUR"
"#;

struct Env {
    dir: TempDir,
    db: PathBuf,
    config: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::Builder::new().prefix("purser-conc-").tempdir().unwrap();
        let db = dir.path().join("purser.redb");
        let config = dir.path().join("config.toml");
        std::fs::write(&config, CONFIG).unwrap();
        shared::init_db(&db);
        Env { dir, db, config }
    }

    fn cmd(&self, user: &str, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.env_remove("PURSER_DB").env_remove("PURSER_CONFIG");
        c.arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(&self.config)
            .args(["--user", user])
            .args(args);
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        c
    }

    fn spawn(&self, user: &str, args: &[&str]) -> Child {
        self.cmd(user, args).spawn().expect("purser starts")
    }

    #[track_caller]
    fn json(&self, user: &str, args: &[&str]) -> Value {
        let out = self.cmd(user, &[args, &["--json"]].concat()).output().unwrap();
        assert!(
            out.status.success(),
            "purser {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn quote(&self, id: &str, lines: &[(&str, u32, bool)]) -> PathBuf {
        let lines: Vec<Value> = lines
            .iter()
            .enumerate()
            .map(|(i, (sku, qty, serialized))| {
                json!({"line_id": (i + 1).to_string(), "kind": "product", "sku": sku, "description": sku,
                       "quantity": qty, "unit_cost": "10.00", "unit_price": "12.00", "serialized": serialized})
            })
            .collect();
        let q = json!({"quote_id": id, "approved_at": "2026-11-20T09:30:00Z", "currency": "EUR",
                       "customer": {"id": "C-1", "name": "One"}, "lines": lines});
        let p = self.dir.path().join(format!("{id}.json"));
        std::fs::write(&p, q.to_string()).unwrap();
        p
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Waits for every child; returns their outputs in spawn order.
fn wait_all(children: Vec<Child>) -> Vec<Output> {
    children.into_iter().map(|c| c.wait_with_output().unwrap()).collect()
}

#[track_caller]
fn all_succeed(outs: &[Output], what: &str) {
    for (i, o) in outs.iter().enumerate() {
        assert!(
            o.status.success(),
            "{what} #{i} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn concurrent_imports_and_receipts_add_up_exactly() {
    let env = Env::new();
    // Six buyers import six quotes at once; the first process also creates the file.
    let files: Vec<PathBuf> = (0..6)
        .map(|n| {
            env.quote(
                &format!("Q-{n}"),
                &[(&format!("SKU-{n}"), 4, true), ("CABLE", 6, false)],
            )
        })
        .collect();
    let outs = wait_all(
        files
            .iter()
            .map(|f| env.spawn("alice", &["quote", "import", s(f), "--json"]))
            .collect(),
    );
    all_succeed(&outs, "import");
    let items = env.json("alice", &["pending", "list"]);
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 12);
    let mut ids: Vec<u64> = items.iter().map(|i| i["id"].as_u64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, (1..=12).collect::<Vec<_>>(), "item ids are handed out once each");
    for n in 0..6 {
        let of_quote: Vec<&Value> = items
            .iter()
            .filter(|i| i["quote_id"] == json!(format!("Q-{n}")))
            .collect();
        assert_eq!(of_quote.len(), 2, "Q-{n} imported whole");
    }

    let id_args: Vec<String> = ids.iter().map(u64::to_string).collect();
    let mut args = vec!["po", "create", "--distributor", "ingram"];
    args.extend(id_args.iter().map(String::as_str));
    let po = env.json("alice", &args);
    assert_eq!(po["number"], json!("PO-000001"));
    env.json("alice", &["po", "place", "PO-000001", "--via", "manual"]);
    let lines = po["lines"].as_array().unwrap().clone();

    // Two receivers, each line received in two halves by two processes at once.
    let mut children = Vec::new();
    let mut expected_serials = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let n = (i + 1).to_string();
        let serialized = line["serialized"].as_bool().unwrap();
        for half in 0..2 {
            let user = if half == 0 { "rick" } else { "rita" };
            let mut args: Vec<String> = vec![
                "po".into(),
                "receive".into(),
                "PO-000001".into(),
                "--line".into(),
                n.clone(),
            ];
            if serialized {
                for k in 0..2 {
                    let serial = format!("SN-{i}-{half}-{k}");
                    expected_serials.push(serial.clone());
                    args.extend(["--serial".into(), serial]);
                }
            } else {
                args.extend(["--qty".into(), "3".into()]);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            children.push(env.spawn(user, &args));
        }
    }
    assert_eq!(children.len(), 24);
    let outs = wait_all(children);
    all_succeed(&outs, "receive");

    let order = env.json("alice", &["po", "show", "PO-000001"]);
    assert_eq!(order["status"], json!("completed"));
    assert_eq!(
        (order["received"].clone(), order["ordered"].clone()),
        (json!(60), json!(60))
    );
    assert_eq!(order["receipts"].as_array().unwrap().len(), 24);
    let mut ids: Vec<u64> = order["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        (1..=24).collect::<Vec<_>>(),
        "receipt ids are handed out once each"
    );
    let mut serials: Vec<String> = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| {
            l["serials"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
        })
        .collect();
    serials.sort();
    expected_serials.sort();
    assert_eq!(serials, expected_serials);
    for l in order["lines"].as_array().unwrap() {
        assert_eq!(l["received"], l["quantity"]);
    }
    let audit = env.json("alice", &["audit"]);
    assert_eq!(audit.as_array().unwrap().len(), 6 + 2 + 24);
    let verify = env.json("alice", &["audit", "verify"]);
    assert_eq!((&verify["ok"], &verify["entries"]), (&json!(true), &json!(32)));
    assert_eq!(verify["keyed_from"], json!(1), "every process wrote with the one key");
    assert_eq!(verify["replay"]["differences"], json!([]));
}

#[test]
fn a_race_for_the_last_unit_has_exactly_one_winner() {
    let env = Env::new();
    let q = env.quote("Q-R", &[("NB-1", 3, true), ("NB-2", 1, true)]);
    env.json("alice", &["quote", "import", s(&q)]);
    env.json("alice", &["po", "create", "--distributor", "ingram", "1", "2"]);
    env.json("alice", &["po", "place", "PO-000001", "--via", "manual"]);
    env.json(
        "rick",
        &[
            "po",
            "receive",
            "PO-000001",
            "--line",
            "1",
            "--serial",
            "A-1",
            "--serial",
            "A-2",
        ],
    );

    // Five scanners, one unit left on line 1.
    let children: Vec<Child> = (0..5)
        .map(|k| {
            env.spawn(
                if k % 2 == 0 { "rick" } else { "rita" },
                &[
                    "po",
                    "receive",
                    "PO-000001",
                    "--line",
                    "1",
                    "--serial",
                    &format!("LAST-{k}"),
                ],
            )
        })
        .collect();
    let outs = wait_all(children);
    let winners: Vec<usize> = outs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.status.success())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one wins: {outs:?}");
    for (i, o) in outs.iter().enumerate().filter(|(i, _)| *i != winners[0]) {
        assert_eq!(o.status.code(), Some(1), "#{i}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("line 1 of PO-000001 (NB-1) has 0 of 3 units left to receive; 1 is too many")
                || err.contains("PO-000001 is Completed"),
            "#{i}: {err}"
        );
    }
    let order = env.json("alice", &["po", "show", "PO-000001"]);
    assert_eq!(order["lines"][0]["received"], json!(3));
    assert_eq!(
        order["lines"][0]["serials"],
        json!(["A-1", "A-2", format!("LAST-{}", winners[0])])
    );
    assert_eq!(order["receipts"].as_array().unwrap().len(), 2);

    // Two scanners with one serial number of one product, on two orders: one wins.
    let q2 = env.quote("Q-S", &[("NB-2", 1, true)]);
    env.json("alice", &["quote", "import", s(&q2)]);
    env.json("alice", &["po", "create", "--distributor", "ingram", "3"]);
    env.json("alice", &["po", "place", "PO-000002", "--via", "manual"]);
    let outs = wait_all(vec![
        env.spawn(
            "rick",
            &["po", "receive", "PO-000001", "--line", "2", "--serial", "TWIN"],
        ),
        env.spawn(
            "rita",
            &["po", "receive", "PO-000002", "--line", "1", "--serial", "TWIN"],
        ),
    ]);
    let ok: Vec<bool> = outs.iter().map(|o| o.status.success()).collect();
    assert_eq!(ok.iter().filter(|b| **b).count(), 1, "{outs:?}");
    let loser = &outs[ok.iter().position(|b| !b).unwrap()];
    let winner_po = if ok[0] { "PO-000001" } else { "PO-000002" };
    assert!(
        String::from_utf8_lossy(&loser.stderr).contains(&format!(
            "serial number TWIN of NB-2 was already received on {winner_po}"
        )),
        "{}",
        String::from_utf8_lossy(&loser.stderr)
    );
    let verify = env.json("alice", &["audit", "verify"]);
    assert_eq!((&verify["ok"], &verify["entries"]), (&json!(true), &json!(9)));
    assert_eq!(verify["keyed_from"], json!(1), "every process wrote with the one key");
    assert_eq!(verify["replay"]["differences"], json!([]));
}

#[test]
fn a_race_to_order_one_item_has_exactly_one_winner() {
    let env = Env::new();
    let q = env.quote("Q-O", &[("DOCK", 2, false)]);
    env.json("alice", &["quote", "import", s(&q)]);
    let outs = wait_all(
        (0..4)
            .map(|_| env.spawn("alice", &["po", "create", "--distributor", "ingram", "1", "--json"]))
            .collect(),
    );
    let winners: Vec<&Output> = outs.iter().filter(|o| o.status.success()).collect();
    assert_eq!(winners.len(), 1, "{outs:?}");
    let order: Value = serde_json::from_slice(&winners[0].stdout).unwrap();
    let po = order["number"].as_str().unwrap().to_string();
    assert_eq!(po, "PO-000001", "refusals take no order number");
    for o in outs.iter().filter(|o| !o.status.success()) {
        let err: Value = serde_json::from_slice(&o.stderr).unwrap();
        assert_eq!(
            err,
            json!({"error": format!("item 1 is on {po}; ordering needs a pending item"), "code": 1})
        );
    }
    let orders = env.json("alice", &["po", "list"]);
    assert_eq!(orders.as_array().unwrap().len(), 1);
}
