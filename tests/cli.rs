//! The real `purser` binary, driven the way scripts and cron drive it: `--db`, `--config`,
//! `--user`, `--json`; clear refusals on stderr with a non-zero exit and no change.

mod shared;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_purser");

const USERS: &str = r#"
[users.alice]
roles = ["buyer"]

[users.carol]
roles = ["approver", "buyer"]

[users.dave]
roles = ["approver"]

[users.rick]
roles = ["receiver"]

[users.ada]
roles = ["admin"]

[distributors.ingram]
kind = "ingram"
name = "Ingram Micro"
currency = "EUR"

# No ordering API and no email address: orders go out by hand.
[distributors.tdsynnex]
kind = "manual"
name = "TD SYNNEX"
currency = "EUR"
"#;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/quotes")
        .join(name)
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("the fixture exists")
}

/// A database, a configuration (override allowed) and an inbox in a temporary folder.
struct Env {
    dir: TempDir,
    db: PathBuf,
    config: PathBuf,
    inbox: PathBuf,
}

impl Env {
    fn new() -> Env {
        Env::with_identity("[identity]\nallow_user_override = true\n")
    }

    fn with_identity(identity: &str) -> Env {
        let env = Env::bare(identity);
        shared::init_db(&env.db);
        env
    }

    /// As [`Env::with_identity`] without the database: for what must create none.
    fn bare(identity: &str) -> Env {
        let dir = tempfile::Builder::new().prefix("purser-cli-").tempdir().unwrap();
        let db = dir.path().join("data/purser.redb");
        let config = dir.path().join("config.toml");
        let inbox = dir.path().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        let text = format!("{identity}{USERS}\n[inbox]\npath = \"{}\"\n", inbox.display());
        std::fs::write(&config, text).unwrap();
        Env { dir, db, config, inbox }
    }

    /// `purser --db … --config … [--user U] ARGS…`, with no `PURSER_*` from outside.
    fn cmd(&self, user: Option<&str>, args: &[&str]) -> Command {
        self.cmd_on(&self.db, user, args)
    }

    /// [`Env::cmd`] on the database at `db` instead of this environment's.
    fn cmd_on(&self, db: &Path, user: Option<&str>, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.env_remove("PURSER_DB")
            .env_remove("PURSER_CONFIG")
            .env("NO_COLOR", "1");
        c.arg("--db").arg(db).arg("--config").arg(&self.config);
        if let Some(u) = user {
            c.args(["--user", u]);
        }
        c.args(args);
        c
    }

    fn run(&self, user: &str, args: &[&str]) -> Output {
        self.cmd(Some(user), args).output().expect("purser runs")
    }

    /// Runs a command that must succeed; returns stdout.
    #[track_caller]
    fn ok(&self, user: &str, args: &[&str]) -> String {
        let out = self.run(user, args);
        assert!(
            out.status.success(),
            "purser {args:?} as {user} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command with `--json` that must succeed; returns the parsed stdout.
    #[track_caller]
    fn json(&self, user: &str, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        let text = self.ok(user, &a);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("purser {args:?}: not JSON ({e}): {text}"))
    }

    /// Runs a command that must fail, leaving the store as it was; returns (exit code, stderr).
    #[track_caller]
    fn refused(&self, user: &str, args: &[&str]) -> (i32, String) {
        let before = self.state();
        let out = self.run(user, args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            !out.status.success(),
            "purser {args:?} as {user} should fail; stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(
            self.state(),
            before,
            "purser {args:?} failed ({stderr}) but changed something"
        );
        (out.status.code().expect("exited, not killed"), stderr)
    }

    /// Everything stored: audit trail, items, orders, jobs, rules — read through the
    /// library (one open instead of five processes).
    fn state(&self) -> String {
        let store = purser::store::Store::open(&self.db).expect("the database opens");
        store
            .read(|tx| {
                Ok::<_, purser::store::StoreError>(json!({
                    "audit": tx.audit()?,
                    "items": tx.items()?,
                    "orders": tx.orders()?,
                    "jobs": tx.jobs()?,
                    "rules": tx.rules()?,
                }))
            })
            .expect("the database reads")
            .to_string()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[track_caller]
fn contains_all(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "{text:?} should mention {p:?}");
    }
}

// ---------------------------------------------------------------------------------------

#[test]
fn a_full_story_from_quote_to_audit() {
    let env = Env::new();
    let quote = fixture("q-2026-0142-dentalcare-west.json");
    let out = env.ok("alice", &["quote", "import", s(&quote)]);
    contains_all(
        &out,
        &["quote Q-2026-0142 imported: 4 pending items from 6 lines (2 not procured)"],
    );

    let items = env.json("alice", &["pending", "list"]);
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 4);
    let first = &items[0];
    for (key, want) in [
        ("id", json!(1)),
        ("quote_id", json!("Q-2026-0142")),
        ("line_id", json!("1")),
        ("sku", json!("20XW00A1NL")),
        ("description", json!("Notebook 14in i5 16GB")),
        ("quantity", json!(3)),
        ("unit_cost", json!("899.00")),
        ("currency", json!("EUR")),
        ("distributor", json!("ingram")),
        ("status", json!("pending")),
    ] {
        assert_eq!(first[key], want, "pending list field {key}");
    }
    assert_eq!(items[2]["unit_cost"], json!("171.25"));
    let skus: Vec<&str> = items.iter().map(|i| i["sku"].as_str().unwrap()).collect();
    assert_eq!(skus, vec!["20XW00A1NL", "40AY0090EU", "P24H-2L", "CFQ-00004"]);

    let rules = env.json("ada", &["rules", "add", "--from", "1000", "--approver", "carol"]);
    assert_eq!(rules, json!([{"from": "1000.00", "to": null, "approver": "carol"}]));

    let po = env.json("alice", &["po", "create", "--distributor", "ingram", "1", "2"]);
    for (key, want) in [
        ("number", json!("PO-000001")),
        ("status", json!("pending")),
        ("distributor", json!("ingram")),
        ("order_type", json!("wholesale")),
        ("total", json!("3265.50")),
        ("currency", json!("EUR")),
        ("created_by", json!("alice")),
        ("approver", json!(null)),
    ] {
        assert_eq!(po[key], want, "po create field {key}");
    }
    let lines = po["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    for (l, (item, sku, qty)) in lines.iter().zip([(1, "20XW00A1NL", 3), (2, "40AY0090EU", 3)]) {
        assert_eq!(l["item_id"], json!(item));
        assert_eq!(l["sku"], json!(sku));
        assert_eq!(l["quantity"], json!(qty));
        assert_eq!(l["received"], json!(0));
        assert_eq!(l["serials"], json!([]));
    }
    assert_eq!(
        (lines[0]["line"].clone(), lines[1]["line"].clone()),
        (json!(1), json!(2))
    );

    let shown = env.ok("alice", &["po", "show", "PO-000001", "--json"]);
    let keys = top_level_keys(&shown);
    assert!(
        keys.len() > 10 && keys.iter().all(|k| keys.iter().filter(|x| *x == k).count() == 1),
        "{keys:?}"
    );

    let placed = env.json("alice", &["po", "place", "PO-000001", "--via", "manual"]);
    assert_eq!(placed["outcome"], json!("awaiting_approval"));
    assert_eq!(placed["status"], json!("awaiting_approval"));
    assert_eq!(placed["approver"], json!("carol"));
    let jobs = env.json("alice", &["sync", "status"]);
    assert_eq!(jobs[0]["kind"], json!("notify_approver"));
    assert_eq!(jobs[0]["approver"], json!("carol"));
    assert_eq!(jobs[0]["po"], json!("PO-000001"));

    // Approving places it: the method is never assumed.
    let (code, err) = env.refused("carol", &["po", "approve", "PO-000001"]);
    assert_eq!(code, 2);
    contains_all(&err, &["--via"]);
    let (code, err) = env.refused("dave", &["po", "approve", "PO-000001", "--via", "manual"]);
    assert_eq!(code, 1);
    contains_all(
        &err,
        &["PO-000001 is awaiting approval by carol; only carol can place or reject it"],
    );
    let approved = env.json("carol", &["po", "approve", "PO-000001", "--via", "manual"]);
    assert_eq!(approved["outcome"], json!("placed"));
    assert_eq!(approved["status"], json!("submitted"));
    assert_eq!(approved["approver"], json!("carol"));
    assert_eq!(approved["submission"]["approved_by"], json!("carol"));

    let r = env.json(
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
    assert_eq!(r["receipt"]["id"], json!(1));
    assert_eq!(r["receipt"]["quantity"], json!(2));
    assert_eq!(r["receipt"]["serials"], json!(["SN-A", "SN-B"]));
    assert_eq!(r["order"]["status"], json!("partial"));
    assert_eq!(r["order"]["lines"][0]["received"], json!(2));
    assert_eq!(r["order"]["lines"][0]["serials"], json!(["SN-A", "SN-B"]));

    let text = env.ok("rick", &["po", "receive", "PO-000001", "--line", "2", "--qty", "3"]);
    contains_all(
        &text,
        &["receipt 2 on PO-000001 line 2: 3 received (5/6 on the order, Partial)"],
    );
    let u = env.json("rick", &["po", "unreceive", "PO-000001", "--receipt", "1"]);
    assert_eq!(u["status"], json!("partial"));
    assert_eq!(u["lines"][0]["received"], json!(0));
    assert_eq!(u["lines"][0]["serials"], json!([]));
    assert_eq!(u["lines"][1]["received"], json!(3));

    let (code, err) = env.refused("alice", &["po", "cancel", "PO-000001"]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim_end(),
        "purser: PO-000001 has received items; an order can only be cancelled until anything is received (undo the receipts first)"
    );

    let csv = env.ok("alice", &["audit", "--format", "csv"]);
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let headers: Vec<String> = rows.headers().unwrap().iter().map(str::to_string).collect();
    for h in ["at", "actor", "action", "entity", "before", "after"] {
        assert!(headers.iter().any(|x| x == h), "CSV header {headers:?} lacks {h}");
    }
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let got: Vec<(&str, &str, &str)> = records
        .iter()
        .map(|r| (&r[col("actor")], &r[col("action")], &r[col("entity")]))
        .collect();
    let expected = vec![
        ("alice", "quote.import", "quote Q-2026-0142"),
        ("ada", "rules.add", "approval rules"),
        ("alice", "po.create", "PO-000001"),
        ("alice", "po.request_approval", "PO-000001"),
        ("carol", "po.approve_and_place", "PO-000001"),
        ("rick", "receipt.add", "PO-000001"),
        ("rick", "receipt.add", "PO-000001"),
        ("rick", "receipt.undo", "PO-000001"),
    ];
    assert_eq!(got, expected);
    let before: Value = serde_json::from_str(&records[1][col("before")]).unwrap();
    let after: Value = serde_json::from_str(&records[1][col("after")]).unwrap();
    assert_eq!(before, json!([]));
    assert_eq!(after, json!([{"from": "1000.00", "to": null, "approver": "carol"}]));
    assert!(records
        .iter()
        .all(|r| chrono::DateTime::parse_from_rfc3339(&r[col("at")]).is_ok()));

    let entries = env.json("alice", &["audit", "--format", "json"]);
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 8);
    for e in entries {
        for key in ["at", "actor", "action", "entity", "before", "after"] {
            assert!(e.get(key).is_some(), "audit entry lacks {key}: {e}");
        }
    }
    assert_eq!(entries[5]["after"]["receipt"]["serials"], json!(["SN-A", "SN-B"]));
    assert_eq!(entries[7]["before"]["status"], json!("partial"));
    let per_po = env.json("alice", &["audit", "--po", "PO-000001", "--by", "rick"]);
    assert_eq!(per_po.as_array().unwrap().len(), 3);

    let verify = env.ok("alice", &["audit", "verify"]);
    assert_eq!(
        verify.trim_end(),
        "audit trail intact: 8 entries verified (each with the audit key's MAC)\n\
         replay: 6 records match the audit trail"
    );
    let verify = env.json("alice", &["audit", "verify"]);
    assert_eq!((&verify["ok"], &verify["entries"]), (&json!(true), &json!(8)));
    assert_eq!(verify["head"]["seq"], json!(8));
}

/// Edits the closed database file with redb alone, as anyone who may write it could.
fn edit_record(db: &Path, table: &str, key: u64, f: impl FnOnce(&mut Value)) {
    use redb::ReadableTable;
    let def: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new(table);
    let file = redb::Database::builder()
        .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter)
        .create(db)
        .unwrap();
    let tx = file.begin_write().unwrap();
    {
        let mut t = tx.open_table(def).unwrap();
        // A stored value is its JSON and a 4-byte checksum; the edit keeps the checksum
        // right, as anyone who read the source could.
        let stored = t.get(key).unwrap().unwrap().value().to_vec();
        let mut v: Value = serde_json::from_slice(&stored[..stored.len() - 4]).unwrap();
        f(&mut v);
        let sealed = purser::store::sealed(&key.to_le_bytes(), serde_json::to_vec(&v).unwrap());
        t.insert(key, sealed.as_slice()).unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn audit_anchor_and_verify_against_it_and_the_live_records() {
    let env = Env::new();
    assert_eq!(
        env.ok("alice", &["audit", "anchor"]).trim_end(),
        "no audit entries yet: nothing to anchor"
    );
    let quote = fixture("q-2026-0142-dentalcare-west.json");
    env.ok("alice", &["quote", "import", s(&quote)]);
    // The key was made with the database, beside it, for its owner only.
    let key = env.db.with_extension("audit.key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(&key).unwrap().len(), 32);

    let anchor = env.json("alice", &["audit", "anchor"]);
    assert_eq!(anchor["seq"], json!(1));
    let mac = anchor["mac"].as_str().unwrap().to_string();
    assert_eq!(mac.len(), 64);
    let text = env.ok("alice", &["audit", "anchor"]);
    contains_all(
        &text,
        &["entry 1, MAC", &format!("purser audit verify --anchor 1:{mac}")],
    );
    env.ok("alice", &["pending", "dismiss", "4", "--reason", "not needed"]);

    let held = env.ok("alice", &["audit", "verify", "--anchor", &format!("1:{mac}")]);
    contains_all(
        &held,
        &[
            "2 entries verified",
            "anchor holds: entry 1 carries the anchored MAC",
            "replay: 4 records match",
        ],
    );
    let held = env.json("alice", &["audit", "verify", "--anchor", &mac]);
    assert_eq!(held["anchor"], json!({"seq": 1, "mac": mac}));
    // Another head, a head past the trail's end, an anchor that is no anchor.
    let other = format!("1:{}", "0".repeat(64));
    let (code, err) = env.refused("alice", &["audit", "verify", "--anchor", &other]);
    assert_eq!(code, 4);
    contains_all(&err, &["entry 1 does not carry the anchored MAC"]);
    let (code, err) = env.refused("alice", &["audit", "verify", "--anchor", &format!("9:{mac}")]);
    assert_eq!(code, 4);
    contains_all(&err, &["the anchored entry 9 is missing: the trail ends at entry 2"]);
    let (code, err) = env.refused("alice", &["audit", "verify", "--anchor", "12:abc"]);
    assert_eq!(code, 2);
    contains_all(&err, &["--anchor", "64 hexadecimal digits"]);

    // An item's quantity edited in the file: the replay names it.
    edit_record(&env.db, "items", 1, |v| v["quantity"] = json!(7));
    let (code, err) = env.refused("alice", &["audit", "verify"]);
    assert_eq!(code, 4);
    contains_all(
        &err,
        &[
            "audit trail does not match the database: 1 record(s) differ",
            "item 1: quantity is 7 in the database, 3 by the audit trail",
        ],
    );

    // The key gone: a clear error naming it, and no new key.
    std::fs::remove_file(&key).unwrap();
    let (code, err) = env.refused("alice", &["audit", "verify"]);
    assert_eq!(code, 3);
    contains_all(&err, &[s(&key), "missing", "restore it from a backup"]);
    let (code, err) = env.refused("alice", &["pending", "dismiss", "2", "--reason", "x"]);
    assert_eq!(code, 3);
    contains_all(&err, &[s(&key), "missing"]);
    assert!(!key.exists());
}

#[test]
fn place_json_has_each_key_once() {
    let env = Env::new();
    env.ok(
        "alice",
        &["quote", "import", s(&fixture("q-2026-0142-dentalcare-west.json"))],
    );
    env.ok("ada", &["rules", "add", "--from", "0", "--approver", "carol"]);
    env.ok("alice", &["po", "create", "--distributor", "ingram", "1"]);
    let out = env.ok("alice", &["po", "place", "PO-000001", "--via", "manual", "--json"]);
    let keys = top_level_keys(&out);
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(keys.len(), unique.len(), "duplicate keys in {keys:?}");

    // Cancelling prints the order in the same shape, with what went back to the pool.
    let out = env.ok("alice", &["po", "cancel", "PO-000001", "--json"]);
    let keys = top_level_keys(&out);
    for key in ["number", "status", "total", "returned_items", "warning"] {
        assert!(keys.iter().any(|k| k == key), "{key} missing from {keys:?}");
    }
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], json!("cancelled"));
    assert_eq!(v["returned_items"], json!([1]));
}

/// The keys of a JSON object in the order written, duplicates kept.
fn top_level_keys(text: &str) -> Vec<String> {
    struct Keys(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some((k, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                        keys.push(k);
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_str::<Keys>(text).expect("a JSON object").0
}

#[test]
fn global_options_are_accepted_after_the_subcommand() {
    let env = Env::new();
    let quote = fixture("q-2026-0155-van-dijk-accountants.json");
    let out = Command::new(BIN)
        .env_remove("PURSER_DB")
        .env_remove("PURSER_CONFIG")
        .args([
            "quote",
            "import",
            s(&quote),
            "--db",
            s(&env.db),
            "--config",
            s(&env.config),
            "--user",
            "alice",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report[0]["quotes"][0]["outcome"], json!("imported"));
    assert_eq!(report[0]["quotes"][0]["items"], json!([1, 2, 3, 4]));

    let out = Command::new(BIN)
        .env_remove("PURSER_DB")
        .env_remove("PURSER_CONFIG")
        .args(["pending", "list", "--sku", "UPS-1500", "--json", "--user", "rick"])
        .arg("--config")
        .arg(&env.config)
        .arg("--db")
        .arg(&env.db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let items: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["id"], json!(2));

    // The environment works too, and the flag wins over it.
    let out = Command::new(BIN)
        .env("PURSER_DB", &env.db)
        .env("PURSER_CONFIG", &env.config)
        .args(["whoami", "--user", "carol", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        json!({"user": "carol", "roles": ["buyer", "approver"]})
    );
}

#[test]
fn bad_quote_files_are_refused_naming_line_and_field() {
    let env = Env::new();
    let good = fixture_text("q-2026-0142-dentalcare-west.json");
    // Something to leave unchanged.
    env.ok(
        "alice",
        &["quote", "import", s(&fixture("q-2026-0150-bakker-logistics.json"))],
    );

    let doc: Value = serde_json::from_str(&good).unwrap();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        f(&mut d);
        serde_json::to_string_pretty(&d).unwrap()
    };
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("malformed.json", good.replacen("\"quote_id\":", "\"quote_id\" ", 1), vec!["line 2, column", "not valid JSON"]),
        ("truncated.json", good[..good.len() / 2].to_string(), vec!["the file ends too early (truncated JSON)"]),
        (
            "missing.json",
            with(&|d| {
                d["lines"][1].as_object_mut().unwrap().remove("sku");
            }),
            vec!["field lines[2] (line_id \"2\").sku: is missing or empty"],
        ),
        (
            "zero.json",
            with(&|d| d["lines"][0]["quantity"] = json!(0)),
            vec!["field lines[1] (line_id \"1\").quantity: is 0; must be a whole number greater than 0"],
        ),
        (
            "amount.json",
            with(&|d| d["lines"][2]["unit_cost"] = json!("171,25")),
            vec!["field lines[3] (line_id \"3\").unit_cost: `171,25` is not a decimal amount like 899.00"],
        ),
        (
            "kind.json",
            with(&|d| d["lines"][3]["kind"] = json!("gizmo")),
            vec!["field lines[4] (line_id \"4\").kind: `gizmo` is not a line kind (product, service, labour, bundle, bundle_item)"],
        ),
        (
            "duplicate.json",
            with(&|d| d["lines"][4]["line_id"] = json!("2")),
            vec!["field lines[5].line_id: `2` is used by an earlier line; line ids must be unique"],
        ),
        ("currency.json", with(&|d| d["currency"] = json!("euro")), vec!["field currency: `euro` is not an ISO 4217 code"]),
        ("empty.json", String::new(), vec!["the file ends too early"]),
    ];
    for (name, text, parts) in &cases {
        let path = env.write(name, text);
        let (code, err) = env.refused("alice", &["quote", "import", s(&path)]);
        assert_eq!(code, 1, "{name}: {err}");
        assert!(err.starts_with("purser: "), "{err}");
        contains_all(&err, parts);
        contains_all(&err, &[name, "nothing was imported"]);
    }
    // The good one still imports afterwards.
    let path = env.write("good.json", &good);
    contains_all(&env.ok("alice", &["quote", "import", s(&path)]), &["4 pending items"]);
    let out = env.ok("alice", &["quote", "import", s(&path)]);
    contains_all(&out, &["quote Q-2026-0142 was already imported; nothing changed"]);
    // Same id, other content.
    let changed = env.write("changed.json", &with(&|d| d["lines"][0]["quantity"] = json!(4)));
    let (code, err) = env.refused("alice", &["quote", "import", s(&changed)]);
    assert_eq!(code, 1);
    contains_all(
        &err,
        &[
            "quote Q-2026-0142 was already imported from",
            "good.json with different content",
            "nothing was imported",
        ],
    );
    // CSV works from the command line too.
    let out = env.json(
        "alice",
        &["quote", "import", s(&fixture("q-2026-0161-northwind-clinics.csv"))],
    );
    assert_eq!(out[0]["quotes"][0]["items"].as_array().unwrap().len(), 2);
}

#[test]
fn refused_commands_say_why_and_change_nothing() {
    let env = Env::new();
    env.ok(
        "alice",
        &["quote", "import", s(&fixture("q-2026-0142-dentalcare-west.json"))],
    );
    env.ok(
        "alice",
        &["quote", "import", s(&fixture("q-2026-0155-van-dijk-accountants.json"))],
    );
    // Item 1: 3 notebooks (serialized); item 2: 3 docks.
    env.ok("alice", &["po", "create", "--distributor", "ingram", "1", "2"]);
    env.ok("alice", &["po", "place", "PO-000001", "--via", "manual"]);
    env.ok(
        "rick",
        &["po", "receive", "PO-000001", "--line", "1", "--serial", "SN-A"],
    );
    env.ok("alice", &["pending", "split", "3", "--qty", "2"]);
    env.ok("alice", &["po", "create", "--distributor", "tdsynnex", "3"]);

    let cases: Vec<(&str, Vec<&str>, i32, Vec<&str>)> = vec![
        (
            "alice",
            vec!["po", "create", "--distributor", "ingram", "999"],
            1,
            vec!["no pending item with id 999"],
        ),
        (
            "alice",
            vec!["po", "create", "--distributor", "ingrm", "4"],
            1,
            vec!["no distributor `ingrm` is configured; configured: ingram, tdsynnex"],
        ),
        (
            "alice",
            vec!["po", "create", "--distributor", "ingram", "1"],
            1,
            vec!["item 1 is on PO-000001; ordering needs a pending item"],
        ),
        (
            "alice",
            vec!["po", "show", "PO-000099"],
            1,
            vec!["no purchase order PO-000099"],
        ),
        (
            "rick",
            vec!["po", "receive", "99", "--line", "1"],
            1,
            vec!["no purchase order PO-000099"],
        ),
        (
            "alice",
            vec!["po", "show", "PO-12x"],
            2,
            vec!["`PO-12x` is not a purchase-order number (expected PO-000123 or 123)"],
        ),
        (
            "rick",
            vec!["po", "receive", "PO-000002", "--line", "1", "--serial", "X"],
            1,
            vec!["PO-000002 is Pending; receiving is only possible while it is Submitted, Email sent or Partial"],
        ),
        (
            "carol",
            vec!["po", "reject", "PO-000002", "--reason", "no"],
            1,
            vec!["PO-000002 is Pending; rejecting is only possible while it is Awaiting approval"],
        ),
        (
            "rick",
            vec!["po", "create", "--distributor", "ingram", "4"],
            1,
            vec!["rick may not create purchase orders: that needs the buyer role, and rick has receiver"],
        ),
        (
            "alice",
            vec!["po", "receive", "PO-000001", "--line", "2", "--qty", "1"],
            1,
            vec!["alice may not receive goods: that needs the receiver role, and alice has buyer"],
        ),
        (
            "alice",
            vec!["rules", "add", "--from", "0", "--approver", "carol"],
            1,
            vec!["alice may not edit approval rules: that needs the admin role"],
        ),
        (
            "dave",
            vec!["pending", "dismiss", "4", "--reason", "x"],
            1,
            vec!["dave may not dismiss pending items: that needs the buyer role, and dave has approver"],
        ),
        (
            "rick",
            vec!["po", "receive", "PO-000001", "--line", "1", "--serial", "SN-A"],
            1,
            vec!["serial number SN-A of 20XW00A1NL was already received on PO-000001"],
        ),
        (
            "rick",
            vec![
                "po",
                "receive",
                "PO-000001",
                "--line",
                "1",
                "--serial",
                "SN-B",
                "--serial",
                "SN-B",
            ],
            1,
            vec!["serial number SN-B is given twice"],
        ),
        (
            "rick",
            vec!["po", "receive", "PO-000001", "--line", "2", "--qty", "9"],
            1,
            vec!["line 2 of PO-000001 (40AY0090EU) has 3 of 3 units left to receive; 9 is too many"],
        ),
        (
            "rick",
            vec![
                "po",
                "receive",
                "PO-000001",
                "--line",
                "1",
                "--serial",
                "S1",
                "--serial",
                "S2",
                "--serial",
                "S3",
            ],
            1,
            vec!["has 2 of 3 units left to receive; 3 is too many"],
        ),
        (
            "rick",
            vec!["po", "receive", "PO-000001", "--line", "2", "--qty", "0"],
            1,
            vec!["quantity must be at least 1"],
        ),
        (
            "rick",
            vec![
                "po",
                "receive",
                "PO-000001",
                "--line",
                "1",
                "--qty",
                "2",
                "--serial",
                "S1",
            ],
            1,
            vec!["line 1 (20XW00A1NL) is serialized: give one serial number per unit (2 units, 1 serial)"],
        ),
        (
            "rick",
            vec!["po", "receive", "PO-000001", "--line", "3", "--qty", "1"],
            1,
            vec!["PO-000001 has no line 3 (it has 2 lines)"],
        ),
        (
            "rick",
            vec!["po", "unreceive", "PO-000001", "--receipt", "5"],
            1,
            vec!["PO-000001 has no receipt 5"],
        ),
        (
            "alice",
            vec!["po", "cancel", "PO-000001"],
            1,
            vec!["PO-000001 has received items"],
        ),
        (
            "alice",
            vec!["pending", "split", "4", "--qty", "0"],
            1,
            vec!["item 4 has quantity 12; a split must leave at least 1 on each side (choose 1 to 11)"],
        ),
        (
            "alice",
            vec!["pending", "dismiss", "4", "--reason", "  "],
            1,
            vec!["a reason is required to dismiss an item"],
        ),
        (
            "alice",
            vec!["pending", "restore", "4"],
            1,
            vec!["item 4 is not dismissed; only dismissed items can be restored"],
        ),
        (
            "alice",
            vec!["po", "remove", "PO-000002", "3"],
            1,
            vec!["removing item 3 would leave PO-000002 empty; cancel the order instead"],
        ),
        (
            "alice",
            vec!["po", "place", "PO-000002", "--via", "email"],
            1,
            vec!["email submission to TD SYNNEX is not available yet: [distributors.tdsynnex] has no email addresses; nothing was changed"],
        ),
        (
            "alice",
            vec!["po", "place", "PO-000002", "--via", "api"],
            1,
            vec!["[distributors.tdsynnex] is kind = \"manual\", which has no ordering API"],
        ),
        ("alice", vec!["sync", "retry", "7"], 1, vec!["no background job 7"]),
        (
            "ada",
            vec!["rules", "add", "--from", "1,000", "--approver", "carol"],
            2,
            vec!["--from: `1,000` is not a decimal amount like 899.00"],
        ),
        (
            "ada",
            vec!["rules", "add", "--from", "0", "--approver", "rick"],
            1,
            vec!["rick cannot approve orders"],
        ),
        (
            "ada",
            vec!["rules", "remove", "3"],
            1,
            vec!["no approval rule 3; there are 0"],
        ),
        (
            "mallory",
            vec!["pending", "list"],
            1,
            vec!["mallory is not a Purser user; an admin adds [users.mallory]"],
        ),
        (
            "alice",
            vec!["po", "list", "--status", "lost"],
            2,
            vec!["`lost` is not an order status"],
        ),
    ];
    for (user, args, code, parts) in &cases {
        let (got, err) = env.refused(user, args);
        assert_eq!(got, *code, "purser {args:?}: {err}");
        assert!(err.starts_with("purser: ") && err.ends_with('\n'), "{err:?}");
        contains_all(&err, parts);
    }
    // A usage error is clap's, with exit code 2.
    let (code, err) = env.refused("alice", &["pending", "dismiss", "4"]);
    assert_eq!(code, 2);
    contains_all(&err, &["--reason"]);
    // Pax8 terms and provisioning details are read as the domain reads them.
    let place = ["po", "place", "PO-000002", "--via", "api"];
    let (code, err) = env.refused("alice", &[&place[..], &["--billing-term", "weekly"]].concat());
    assert_eq!(code, 2);
    contains_all(
        &err,
        &["`weekly` is not a Pax8 billing term (Monthly, Annual, 2-Year, 3-Year, One-Time, Trial, Activation)"],
    );
    let (code, err) = env.refused("alice", &[&place[..], &["--provision", "=dentalcare"]].concat());
    assert_eq!(code, 2);
    contains_all(&err, &["provisioning `=dentalcare` has no key before ="]);
}

#[test]
fn json_errors_are_json_on_stderr() {
    let env = Env::new();
    let out = env.run("alice", &["po", "show", "PO-000009", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err, json!({"error": "no purchase order PO-000009", "code": 1}));

    let bad = env.write("t.json", "{\"quote_id\": \"Q-1\"");
    let out = env.run("alice", &["quote", "import", s(&bad), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], json!(1));
    contains_all(
        err["error"].as_str().unwrap(),
        &["t.json", "the file ends too early (truncated JSON)"],
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        json!([]),
        "no report for a refused file"
    );

    let out = env.run("rick", &["pending", "split", "1", "--qty", "1", "--json"]);
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        err["error"],
        json!("rick may not split pending items: that needs the buyer role, and rick has receiver")
    );

    // A file that cannot be read at all is an I/O failure: exit code 3.
    let out = env.run("alice", &["quote", "import", "/nonexistent/q.json", "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    contains_all(
        err["error"].as_str().unwrap(),
        &["/nonexistent/q.json: cannot read it", "nothing was imported"],
    );

    // A command line the parser refuses is a JSON error too, with the usage exit code.
    let out = env.run("alice", &["pending", "restore", "abc", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], json!(2));
    contains_all(err["error"].as_str().unwrap(), &["invalid value 'abc'"]);
    // What is missing is named, not only that something is.
    let out = env.run("rick", &["po", "receive", "PO-000001", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    contains_all(
        err["error"].as_str().unwrap(),
        &["required arguments were not provided", "--line <LINE>"],
    );
    assert!(!err["error"].as_str().unwrap().contains("Usage"), "{err}");
    // A path variable set but empty is named, not the option it stands for.
    let out = env
        .cmd(Some("alice"), &["po", "list", "--json"])
        .env("PURSER_CONFIG", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        err["error"],
        json!("PURSER_CONFIG is set but empty: give it a path, or unset it")
    );
    // Without --json it stays clap's own text; --help still prints to stdout and exits 0.
    let out = env.run("alice", &["pending", "restore", "abc"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'abc'"));
    let out = env.run("alice", &["pending", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!out.stdout.is_empty());
}

#[test]
fn configuration_problems_are_named() {
    let env = Env::bare("[identity]\nallow_user_override = true\n");
    let text = std::fs::read_to_string(&env.config).unwrap();
    let line = text.lines().position(|l| l == "roles = [\"receiver\"]").unwrap() + 1;
    std::fs::write(
        &env.config,
        text.replace("roles = [\"receiver\"]", "rols = [\"receiver\"]"),
    )
    .unwrap();
    let out = env.run("alice", &["pending", "list"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    contains_all(
        &err,
        &["configuration file", s(&env.config), "rols", &format!("line {line}")],
    );
    assert!(!env.db.exists(), "nothing was created");

    let out = env.run("alice", &["pending", "list", "--json"]);
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], json!(2));
    contains_all(err["error"].as_str().unwrap(), &["rols"]);

    std::fs::write(&env.config, text.replace("currency = \"EUR\"", "currency = \"eur\"")).unwrap();
    let out = env.run("alice", &["pending", "list"]);
    assert_eq!(out.status.code(), Some(2));
    contains_all(
        &String::from_utf8_lossy(&out.stderr),
        &["[distributors.ingram] currency `eur` is not an ISO 4217 code"],
    );

    let out = Command::new(BIN)
        .env_remove("PURSER_DB")
        .env_remove("PURSER_CONFIG")
        .args([
            "--db",
            s(&env.db),
            "--config",
            s(&env.dir.path().join("none.toml")),
            "pending",
            "list",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    contains_all(
        &String::from_utf8_lossy(&out.stderr),
        &["no configuration file at", "none.toml"],
    );
}

#[test]
fn user_override_needs_the_configuration_to_allow_it() {
    let env = Env::bare("");
    let out = env.run("alice", &["pending", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    contains_all(
        &err,
        &["--user alice is not allowed: the configuration does not set [identity] allow_user_override = true (you are "],
    );
    assert!(!env.db.exists(), "nothing was created");
    // Without --user the account running it is asked for, and is not configured here.
    let me = purser::identity::os_account().unwrap();
    if !["alice", "carol", "dave", "rick", "ada"].contains(&me.as_str()) {
        let out = env.cmd(None, &["whoami"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        contains_all(
            &String::from_utf8_lossy(&out.stderr),
            &[&format!("{me} is not a Purser user; an admin adds [users.{me}]")],
        );
    }
}

#[test]
fn inbox_run_moves_good_files_to_done_and_bad_ones_to_failed() {
    let env = Env::new();
    let good = fixture_text("q-2026-0150-bakker-logistics.json");
    std::fs::write(env.inbox.join("a-good.json"), &good).unwrap();
    std::fs::write(env.inbox.join("b-bad.json"), &good[..good.len() - 20]).unwrap();
    std::fs::write(
        env.inbox.join("c-good.csv"),
        fixture_text("q-2026-0161-northwind-clinics.csv"),
    )
    .unwrap();
    std::fs::write(env.inbox.join("notes.txt"), "not a quote").unwrap();

    let out = env.run("alice", &["inbox", "run"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    contains_all(
        &stdout,
        &[
            "done    a-good.json: 3 items",
            "failed  b-bad.json: ",
            "done    c-good.csv: 2 items",
        ],
    );
    contains_all(
        &String::from_utf8_lossy(&out.stderr),
        &["some inbox files failed; see the failed/ folder"],
    );

    let names = |d: &str| {
        let mut v: Vec<String> = std::fs::read_dir(env.inbox.join(d))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("done"), vec!["a-good.json", "c-good.csv"]);
    assert_eq!(names("failed"), vec!["b-bad.json", "b-bad.json.error.txt"]);
    let why = std::fs::read_to_string(env.inbox.join("failed/b-bad.json.error.txt")).unwrap();
    contains_all(
        &why,
        &[
            "b-bad.json",
            "the file ends too early (truncated JSON)",
            "nothing was imported",
        ],
    );
    assert!(env.inbox.join("notes.txt").exists(), "other files stay");
    let items = env.json("alice", &["pending", "list"]);
    assert_eq!(items.as_array().unwrap().len(), 5);

    // The same file again is moved to done (under a free name) without a change.
    std::fs::write(env.inbox.join("a-good.json"), &good).unwrap();
    let before = env.state();
    let out = env.json("alice", &["inbox", "run"]);
    assert_eq!(out[0]["result"], json!("done"));
    assert_eq!(out[0]["report"]["quotes"][0]["outcome"], json!("unchanged"));
    assert_eq!(names("done"), vec!["a-good.json", "a-good.json.2", "c-good.csv"]);
    assert_eq!(env.state(), before);
    let out = env.ok("alice", &["inbox", "run"]);
    assert_eq!(out.trim_end(), "the inbox is empty");
}

#[cfg(feature = "demo")]
fn demo_env() -> (TempDir, PathBuf) {
    let dir = tempfile::Builder::new().prefix("purser-demo-test-").tempdir().unwrap();
    let d = dir.path().join("demo");
    let out = Command::new(BIN)
        .env_remove("PURSER_DB")
        .env_remove("PURSER_CONFIG")
        .args(["demo", "--no-tui", "--dir", s(&d)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    contains_all(
        &String::from_utf8_lossy(&out.stdout),
        &["Purser demo built in", "PO-000003 awaiting carol"],
    );
    (dir, d)
}

#[cfg(feature = "demo")]
fn on_demo(d: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .env_remove("PURSER_DB")
        .env_remove("PURSER_CONFIG")
        .arg("--db")
        .arg(d.join("purser.redb"))
        .arg("--config")
        .arg(d.join("config.toml"))
        .args(["--user", user])
        .args(args)
        .output()
        .unwrap()
}

#[cfg(feature = "demo")]
#[test]
fn the_demo_builds_with_an_order_awaiting_approval() {
    let (_keep, d) = demo_env();
    let out = on_demo(&d, "alice", &["po", "show", "PO-000003", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let po: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(po["status"], json!("awaiting_approval"));
    assert_eq!(po["approver"], json!("carol"));
    let out = on_demo(&d, "alice", &["po", "list", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["number"].as_str().unwrap(), o["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("PO-000008", "email_sent"),
            ("PO-000007", "submitted"),
            ("PO-000006", "cancelled"),
            ("PO-000005", "pending"),
            ("PO-000004", "submitted"),
            ("PO-000003", "awaiting_approval"),
            ("PO-000002", "partial"),
            ("PO-000001", "completed"),
        ]
    );
    let out = on_demo(&d, "alice", &["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Building again in the same folder is refused.
    let out = Command::new(BIN)
        .args(["demo", "--no-tui", "--dir", s(&d)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    contains_all(
        &String::from_utf8_lossy(&out.stderr),
        &["already holds a demo database"],
    );
    // The approver places it.
    let out = on_demo(
        &d,
        "carol",
        &["po", "approve", "PO-000003", "--via", "manual", "--json"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[cfg(feature = "demo")]
#[test]
fn the_demo_inbox_quote_imports() {
    let (_keep, d) = demo_env();
    let out = on_demo(&d, "alice", &["inbox", "run"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    contains_all(
        &String::from_utf8_lossy(&out.stdout),
        &["done    q-2026-0161-northwind-clinics.csv: 2 items"],
    );
}

#[test]
fn bench_measures_a_scratch_database_and_leaves_nothing_behind() {
    let env = Env::bare("[identity]\nallow_user_override = true\n");
    let scratch = env.dir.path().join("scratch");
    let out = env
        .cmd(
            None,
            &[
                "bench",
                "--items",
                "300",
                "--orders",
                "30",
                "--dir",
                s(&scratch),
                "--json",
            ],
        )
        .env_remove("PURSER_BENCH_DEMO_BIN")
        .env_remove("PURSER_BENCH_NO_DEMO_BIN")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let f: Value = serde_json::from_slice(&out.stdout).expect("bench prints JSON");
    // This executable's size counts for the build it is; the other build is not known.
    let own = std::fs::metadata(BIN).unwrap().len() as f64 / (1024.0 * 1024.0);
    let (own_key, other_key) = if cfg!(feature = "demo") {
        ("binary_size_mb", "binary_size_no_demo_mb")
    } else {
        ("binary_size_no_demo_mb", "binary_size_mb")
    };
    assert!((f[own_key].as_f64().unwrap() - own).abs() < 0.001, "{own_key}: {f}");
    assert!(f[other_key].is_null(), "{other_key}: {f}");
    assert_eq!(f["items"], 300);
    assert_eq!(f["orders"], 30);
    assert!(f["import_lines_per_s"].as_u64().unwrap() > 0);
    for key in [
        "receipt_commit_p50_us",
        "receipt_commit_p99_us",
        "fsync_floor_p50_us",
        "fsync_floor_p99_us",
        "store_commit_p50_us",
        "store_commit_p99_us",
        "render_p99_us",
    ] {
        assert!(f[key].is_u64(), "{key} missing: {f}");
    }
    for key in ["pending_filter_ms", "rss_mb", "first_frame_ms", "screens_rss_mb"] {
        assert!(f[key].as_f64().is_some_and(|v| v > 0.0), "{key} missing: {f}");
    }
    assert!(
        f["receipt_commit_p50_us"].as_u64() <= f["receipt_commit_p99_us"].as_u64(),
        "{f}"
    );
    // Never the user's database, and the scratch folder is removed.
    assert!(!env.db.exists(), "bench touched the user's database");
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
}

#[test]
fn background_imports_the_inbox_until_stopped() {
    let env = Env::new();
    let child = env
        .cmd(Some("alice"), &["background"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A quote dropped in while it runs is imported without anyone asking.
    std::fs::write(
        env.inbox.join("q.json"),
        fixture_text("q-2026-0142-dentalcare-west.json"),
    )
    .unwrap();
    let done = env.inbox.join("done/q.json");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done.exists() {
        assert!(std::time::Instant::now() < deadline, "the inbox was not imported");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // SIGTERM stops it cleanly.
    // SAFETY: signals our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) }, 0);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    contains_all(
        &String::from_utf8_lossy(&out.stdout),
        &["ok   inbox: q.json imported ("],
    );
    contains_all(&String::from_utf8_lossy(&out.stderr), &["stopped"]);
    let items = env.json("alice", &["pending", "list"]);
    assert!(!items.as_array().unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------
// Inputs with limits

#[test]
fn a_quote_file_above_the_size_limit_is_refused_unread_here_and_in_the_inbox() {
    let env = Env::new();
    let mut config = std::fs::read_to_string(&env.config).unwrap();
    config.push_str("\n[import]\nmax_file_mb = 1\n");
    std::fs::write(&env.config, config).unwrap();
    // A good quote padded with blanks past 1 MB: only its size is wrong.
    let good = fixture_text("q-2026-0150-bakker-logistics.json");
    let big = format!("{good}{}", " ".repeat(1_000_001 - good.len()));
    let path = env.write("big.json", &big);
    let (code, stderr) = env.refused("alice", &["quote", "import", s(&path)]);
    assert_eq!(code, 1, "{stderr}");
    contains_all(
        &stderr,
        &["big.json: 1,000,001 bytes is more than the 1 MB a quote file may have ([import] max_file_mb); nothing was imported"],
    );
    // The inbox files it under failed/, with the reason beside it.
    std::fs::write(env.inbox.join("big.json"), &big).unwrap();
    let out = env.run("alice", &["inbox", "run"]);
    assert_eq!(out.status.code(), Some(1));
    let why = std::fs::read_to_string(env.inbox.join("failed/big.json.error.txt")).unwrap();
    contains_all(&why, &["1,000,001 bytes is more than the 1 MB"]);
    // One byte less is read and imported.
    std::fs::write(&path, &big[..1_000_000]).unwrap();
    let out = env.ok("alice", &["quote", "import", s(&path)]);
    contains_all(&out, &["imported"]);
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_refused_and_never_read() {
    use std::io::Write;
    let env = Env::new();
    let fifo = env.dir.path().join("q.json");
    let c = std::ffi::CString::new(s(&fifo)).unwrap();
    // SAFETY: a valid, NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // Someone ready to write a good quote into it, were it opened for reading.
    let writer = {
        let fifo = fifo.clone();
        let text = fixture_text("q-2026-0150-bakker-logistics.json");
        std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            let _ = w.write_all(text.as_bytes());
        })
    };
    let (code, stderr) = env.refused("alice", &["quote", "import", s(&fifo)]);
    assert_eq!(code, 1, "{stderr}");
    contains_all(
        &stderr,
        &["q.json: a named pipe (FIFO) is not a quote file; only regular files are read; nothing was imported"],
    );
    // Let the writer go: it fits in the pipe's buffer, so it ends without a reader reading.
    let reader = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap()
    };
    writer.join().unwrap();
    drop(reader);
}

#[test]
fn text_from_a_quote_or_a_file_name_cannot_steer_the_terminal() {
    let env = Env::new();
    // Set the window title, ring the bell, clear the screen.
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J";
    let mut quote: Value = serde_json::from_str(&fixture_text("q-2026-0150-bakker-logistics.json")).unwrap();
    quote["customer"]["name"] = json!(format!("Bakker{evil}"));
    quote["lines"][1]["description"] = json!(format!("Dock{evil}"));
    let path = env.write(&format!("q{evil}.json"), &quote.to_string());
    let out = env.ok("alice", &["quote", "import", s(&path)]);
    let list = env.ok("alice", &["pending", "list"]);
    let po = env.ok(
        "alice",
        &["po", "create", "--distributor", "ingram", "--other-distributors", "1"],
    );
    let show = env.ok("alice", &["po", "show", "PO-000001"]);
    for text in [&out, &list, &po, &show] {
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
    }
    contains_all(&out, &["q]0;pwned[2J.json: quote"]);
    contains_all(&list, &["Bakker]0;pwned[2J", "Dock]0;pwned[2J"]);
    contains_all(&show, &["Dock]0;pwned[2J"]);
    // Machine output keeps the text, escaped by JSON.
    let items = env.json("alice", &["pending", "list"]);
    assert_eq!(items[0]["customer_name"], json!(format!("Bakker{evil}")));
    // An error naming such a file.
    let bad = env.write(&format!("bad{evil}.json"), "{");
    let (_, stderr) = env.refused("alice", &["quote", "import", s(&bad)]);
    assert!(!stderr.chars().any(|c| c.is_control() && c != '\n'), "{stderr:?}");
    contains_all(&stderr, &["bad]0;pwned[2J.json: line 1, column 1"]);
}

/// The variable naming the other build's binary, for a bench run by this build.
fn other_build_var() -> &'static str {
    if cfg!(feature = "demo") {
        "PURSER_BENCH_NO_DEMO_BIN"
    } else {
        "PURSER_BENCH_DEMO_BIN"
    }
}

#[test]
fn bench_reports_the_other_build_from_its_variable_and_refuses_a_bad_one() {
    let env = Env::new();
    let other = env.dir.path().join("purser-other-build");
    std::fs::File::create(&other).unwrap().set_len(3 * 1024 * 1024).unwrap();
    let scratch = env.dir.path().join("scratch");
    let bench = |other: &Path| {
        env.cmd(
            None,
            &[
                "bench",
                "--items",
                "30",
                "--orders",
                "3",
                "--dir",
                s(&scratch),
                "--json",
            ],
        )
        .env_remove("PURSER_BENCH_DEMO_BIN")
        .env_remove("PURSER_BENCH_NO_DEMO_BIN")
        .env(other_build_var(), other)
        .output()
        .unwrap()
    };
    let out = bench(&other);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let f: Value = serde_json::from_slice(&out.stdout).expect("bench prints JSON");
    let key = if cfg!(feature = "demo") {
        "binary_size_no_demo_mb"
    } else {
        "binary_size_mb"
    };
    assert_eq!(f[key].as_f64(), Some(3.0), "{f}");

    // A name that is no file is refused before anything is built.
    std::fs::remove_dir_all(&scratch).unwrap();
    let missing = env.dir.path().join("no-such-build");
    let out = bench(&missing);
    assert_eq!(out.status.code(), Some(2));
    contains_all(&String::from_utf8_lossy(&out.stderr), &[other_build_var(), s(&missing)]);
    assert!(!scratch.exists(), "the bench started although it was refused");
}

#[test]
fn bench_says_so_when_the_harness_is_not_next_to_it() {
    // A copy of purser alone in a folder: no purser-harness beside it.
    let alone = tempfile::Builder::new()
        .prefix("purser-alone-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let exe = alone.path().join("purser");
    if std::fs::hard_link(BIN, &exe).is_err() {
        std::fs::copy(BIN, &exe).unwrap();
    }
    let scratch = alone.path().join("scratch");
    let out = Command::new(&exe)
        .args(["bench", "--items", "30", "--orders", "3", "--dir", s(&scratch)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let harness = alone.path().join("purser-harness");
    contains_all(
        &String::from_utf8_lossy(&out.stderr),
        &["the screens are measured by purser-harness", s(&harness)],
    );
    assert!(!scratch.exists(), "the bench started without its harness");
}

#[test]
fn the_test_harness_is_not_on_the_command_line() {
    let env = Env::bare("[identity]\nallow_user_override = true\n");
    for command in [
        &["stress", "--ops", "1"][..],
        &["bench-screens", "--db", s(&env.db)][..],
    ] {
        let out = env.cmd(Some("alice"), command).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{command:?}");
        contains_all(
            &String::from_utf8_lossy(&out.stderr),
            &[&format!("unrecognized subcommand '{}'", command[0])],
        );
    }
    assert!(!env.db.exists(), "nothing was opened");
}

#[test]
fn a_database_that_is_not_there_is_refused_and_init_makes_one() {
    let env = Env::bare("[identity]\nallow_user_override = true\n");
    let typo = env.dir.path().join("dta/purser.redb");
    // `po list` on the mistyped path, as alice.
    let po_list = || {
        env.cmd_on(&typo, Some("alice"), &["po", "list", "--json"])
            .output()
            .unwrap()
    };
    let out = po_list();
    assert_eq!(out.status.code(), Some(3));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    let msg = err["error"].as_str().unwrap();
    contains_all(
        msg,
        &[s(&typo), "no database there", &format!("purser init --db {}", s(&typo))],
    );
    assert!(
        !typo.parent().unwrap().exists(),
        "no folder was made for a mistyped path"
    );

    // `purser init` makes it (and its folder), private whatever the umask, and says so.
    let out = env.cmd_on(&typo, None, &["init"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    contains_all(
        &String::from_utf8_lossy(&out.stdout),
        &["created a new Purser database at", s(&typo)],
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&typo).unwrap().permissions().mode() & 0o777, 0o600);
    let list = po_list();
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));

    // A second init refuses the existing file and leaves it as it was.
    let before = std::fs::read(&typo).unwrap();
    let out = env.cmd_on(&typo, None, &["init", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    contains_all(err["error"].as_str().unwrap(), &["already exists", s(&typo)]);
    assert_eq!(std::fs::read(&typo).unwrap(), before);
}

#[test]
fn a_file_that_is_not_a_purser_database_is_refused() {
    let env = Env::bare("[identity]\nallow_user_override = true\n");
    let text = env.write(
        "notes.redb",
        "not a database at all, just some text that is long enough\n",
    );
    let foreign = env.dir.path().join("other.redb");
    {
        // A redb file of another program: tables, but no Purser schema.
        let db = redb::Database::create(&foreign).unwrap();
        let w = db.begin_write().unwrap();
        {
            let def: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("theirs");
            w.open_table(def).unwrap().insert("x", 1).unwrap();
        }
        w.commit().unwrap();
    }
    for (path, words) in [
        (&text, &["not a Purser database"][..]),
        (&foreign, &["redb database but not Purser's"][..]),
    ] {
        let before = std::fs::read(path).unwrap();
        let size = before.len();
        let out = env.cmd_on(path, Some("alice"), &["po", "list"]).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
        let err = String::from_utf8_lossy(&out.stderr);
        contains_all(&err, words);
        contains_all(&err, &[s(path)]);
        if path == &text {
            assert!(std::fs::read(path).unwrap() == before, "left as it was");
        }
        assert_eq!(std::fs::metadata(path).unwrap().len() as usize, size, "nothing added");
    }
    // redb may rewrite its own header on open, but no Purser table was made.
    let db = redb::Database::open(&foreign).unwrap();
    let r = redb::ReadableDatabase::begin_read(&db).unwrap();
    let names: Vec<String> = r
        .list_tables()
        .unwrap()
        .map(|t| redb::TableHandle::name(&t).to_string())
        .collect();
    assert_eq!(names, ["theirs"]);
}

#[test]
fn the_default_database_is_made_on_first_run_and_said_so() {
    let env = Env::bare("[identity]\nallow_user_override = true\n");
    let data = env.dir.path().join("xdg-data");
    let run = || {
        Command::new(BIN)
            .env_remove("PURSER_DB")
            .env_remove("PURSER_CONFIG")
            .env("XDG_DATA_HOME", &data)
            .args(["--config", s(&env.config), "--user", "alice", "po", "list"])
            .output()
            .unwrap()
    };
    let out = run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let db = data.join("purser/purser.redb");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    contains_all(&err, &["created a new database at", s(&db)]);
    assert!(db.exists());
    // The next run opens it without a word.
    let out = run();
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn check_reads_a_clean_database_and_says_so() {
    let env = Env::new();
    env.ok(
        "alice",
        &["quote", "import", s(&fixture("q-2026-0142-dentalcare-west.json"))],
    );
    let out = env.ok("ada", &["check"]);
    contains_all(&out, &["no problems", "values read", "entries intact"]);
    let report = env.json("ada", &["check"]);
    assert_eq!(report["problems"], json!([]));
    assert!(report["values"].as_u64().unwrap() > 1, "{report}");
}

#[test]
fn check_lists_each_problem_with_table_and_key_and_exits_1() {
    let env = Env::new();
    env.ok(
        "alice",
        &["quote", "import", s(&fixture("q-2026-0142-dentalcare-west.json"))],
    );
    {
        // A counter set back behind Purser's back.
        let db = redb::Database::create(&env.db).unwrap();
        let w = db.begin_write().unwrap();
        {
            let meta: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("meta");
            w.open_table(meta).unwrap().insert("next_item", 1).unwrap();
        }
        w.commit().unwrap();
    }
    let out = env.run("ada", &["check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["problems"][0]["table"], json!("meta"));
    assert_eq!(report["problems"][0]["key"], json!("next_item"));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], json!(1));
    contains_all(err["error"].as_str().unwrap(), &["1 problem(s) found"]);
    let out = env.run("ada", &["check"]);
    assert_eq!(out.status.code(), Some(1));
    contains_all(
        &String::from_utf8_lossy(&out.stdout),
        &["meta next_item: is 1, but items already uses id"],
    );
}

// ---------------------------------------------------------------------------------------
// Input validation: serial numbers, CSV line endings, currencies, [ui], the inbox

/// PO-000001 placed with Ingram: line 1 three serialized notebooks.
fn placed_notebooks() -> Env {
    let env = Env::new();
    env.ok(
        "alice",
        &["quote", "import", s(&fixture("q-2026-0142-dentalcare-west.json"))],
    );
    env.ok("alice", &["po", "create", "--distributor", "ingram", "1"]);
    env.ok("alice", &["po", "place", "PO-000001", "--via", "manual"]);
    env
}

#[test]
fn a_serial_number_over_100_characters_is_refused_and_never_stored() {
    let env = placed_notebooks();
    let long = "Y".repeat(100_000);
    let (code, err) = env.refused(
        "rick",
        &["po", "receive", "PO-000001", "--line", "1", "--serial", &long],
    );
    assert_eq!(code, 1, "{err}");
    contains_all(
        &err,
        &["serial number YYYYYYYYYYYYYYYYYYYY… is 100000 characters long; a serial number has at most 100"],
    );
    assert!(
        err.len() < 500,
        "the message does not repeat the serial: {} bytes",
        err.len()
    );
    let longest = "Y".repeat(100);
    env.ok(
        "rick",
        &["po", "receive", "PO-000001", "--line", "1", "--serial", &longest],
    );
    let shown = env.ok("rick", &["po", "show", "PO-000001"]);
    assert!(shown.len() < 10_000, "{} bytes", shown.len());
}

#[test]
fn a_serial_number_with_an_invisible_character_is_refused_naming_it() {
    let env = placed_notebooks();
    env.ok("rick", &["po", "receive", "PO-000001", "--line", "1", "--serial", "AB"]);
    for (serial, named) in [
        ("\u{feff}AB", "U+FEFF (byte-order mark)"),
        ("A\u{200b}B", "U+200B (zero-width space)"),
        ("AB\u{200e}", "U+200E (left-to-right mark)"),
        ("A\u{2060}B", "U+2060 (word joiner)"),
    ] {
        let (code, err) = env.refused(
            "rick",
            &["po", "receive", "PO-000001", "--line", "1", "--serial", serial],
        );
        assert_eq!(code, 1, "{err}");
        contains_all(
            &err,
            &["holds an invisible character, ", named, "scan or type it again"],
        );
    }
    // A no-break space around it is trimmed, as before: the same serial, refused as such.
    let (_, err) = env.refused(
        "rick",
        &["po", "receive", "PO-000001", "--line", "1", "--serial", "\u{a0}AB"],
    );
    contains_all(
        &err,
        &["serial number AB of 20XW00A1NL was already received on PO-000001"],
    );
}

/// The northwind CSV sample with five product rows (line ids 1 to 5), the row with
/// `bad_line_id` ordering 0, every line ended by `eol`.
fn csv_with_zero_quantity(bad_line_id: usize, eol: &str) -> String {
    let sample = fixture_text("q-2026-0161-northwind-clinics.csv");
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let template: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.split(',').nth(19), Some("quantity"));
    let mut text = format!("{header}{eol}");
    for id in 1..=5 {
        let mut cells: Vec<String> = template.iter().map(|c| c.to_string()).collect();
        cells[13] = id.to_string();
        if id == bad_line_id {
            cells[19] = "0".into();
        }
        text.push_str(&cells.join(","));
        text.push_str(eol);
    }
    text
}

#[test]
fn a_csv_error_names_its_line_with_windows_and_old_mac_line_endings() {
    let env = Env::new();
    for (name, eol) in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")] {
        for (bad, line) in [(1, 2), (5, 6)] {
            let path = env.write(&format!("{name}-{bad}.csv"), &csv_with_zero_quantity(bad, eol));
            let (code, err) = env.refused("alice", &["quote", "import", s(&path)]);
            assert_eq!(code, 1, "{err}");
            contains_all(
                &err,
                &[&format!(
                    "line {line}, column 20, field quantity: is 0; must be a whole number greater than 0"
                )],
            );
        }
    }
    // And a good one imports with each of them.
    for (name, eol) in [("crlf", "\r\n"), ("cr", "\r")] {
        let text = csv_with_zero_quantity(0, eol).replace("Q-2026-0161", &format!("Q-{name}"));
        let path = env.write(&format!("{name}-good.csv"), &text);
        contains_all(&env.ok("alice", &["quote", "import", s(&path)]), &["5 pending items"]);
    }
}

#[test]
fn a_currency_not_in_use_is_refused_in_a_quote_and_in_the_configuration() {
    let env = Env::new();
    let mut doc: Value = serde_json::from_str(&fixture_text("q-2026-0150-bakker-logistics.json")).unwrap();
    doc["currency"] = json!("XYZ");
    let path = env.write("xyz.json", &doc.to_string());
    let (code, err) = env.refused("alice", &["quote", "import", s(&path)]);
    assert_eq!(code, 1, "{err}");
    contains_all(
        &err,
        &["field currency: `XYZ` is not the ISO 4217 code of a currency in use (EUR, USD, GBP …); nothing was imported"],
    );

    let text = std::fs::read_to_string(&env.config).unwrap();
    std::fs::write(
        &env.config,
        text.replacen("currency = \"EUR\"", "currency = \"XYZ\"", 1),
    )
    .unwrap();
    let out = env.run("alice", &["pending", "list"]);
    assert_eq!(out.status.code(), Some(2));
    contains_all(
        &String::from_utf8_lossy(&out.stderr),
        &["[distributors.ingram] currency `XYZ` is not the ISO 4217 code of a currency in use"],
    );
}

#[test]
fn ui_settings_are_configuration_errors_for_every_command() {
    let env = Env::new();
    let text = std::fs::read_to_string(&env.config).unwrap();
    for (ui, says) in [
        ("[ui]\ntheme = \"nosuch\"\n", "[ui] theme = \"nosuch\": no such theme"),
        (
            "[ui.keys]\nquit = \"ctrl-\"\n",
            "[ui] keys: `quit`: `ctrl-` is not a key",
        ),
        ("[ui.keys]\nquit = \"\"\n", "[ui] keys: `quit`: an empty key"),
        (
            "[ui.keys]\n\"receiving.undo\" = \"z\"\n",
            "[ui] keys: `receiving.undo`: `z` is typed into the scan box in Receiving",
        ),
        (
            "[ui]\nscan_min_chars = 1000000\n",
            "[ui] scan_min_chars is 1000000; at most 20 is taken",
        ),
    ] {
        std::fs::write(&env.config, format!("{text}\n{ui}")).unwrap();
        for args in [&["pending", "list"][..], &["whoami"][..]] {
            let out = env.run("alice", args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{ui} {args:?}: {stderr}");
            contains_all(&stderr, &["configuration file", s(&env.config), says]);
        }
    }
    // A theme file beside the configuration is found and read.
    std::fs::create_dir_all(env.dir.path().join("themes")).unwrap();
    std::fs::write(
        env.dir.path().join("themes/dock.toml"),
        "extends = \"high-contrast\"\n[styles]\nselected = { fg = \"purplish\" }\n",
    )
    .unwrap();
    std::fs::write(&env.config, format!("{text}\n[ui]\ntheme = \"dock\"\n")).unwrap();
    let out = env.run("alice", &["pending", "list"]);
    assert_eq!(out.status.code(), Some(2));
    contains_all(&String::from_utf8_lossy(&out.stderr), &["`purplish` is not a colour"]);
    std::fs::write(
        env.dir.path().join("themes/dock.toml"),
        "extends = \"high-contrast\"\n[styles]\nselected = { fg = \"black\" }\n",
    )
    .unwrap();
    env.ok("alice", &["pending", "list"]);
}

#[cfg(unix)]
#[test]
fn the_inbox_files_a_link_to_a_device_as_failed_and_says_why() {
    let env = Env::new();
    std::os::unix::fs::symlink("/dev/zero", env.inbox.join("zero.json")).unwrap();
    std::fs::create_dir(env.inbox.join("folder.csv")).unwrap();
    let out = env.run("alice", &["inbox", "run"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    contains_all(
        &stdout,
        &[
            "failed  folder.csv: ",
            "a folder is not a quote file",
            "failed  zero.json: ",
            "a device is not a quote file; only regular files are read; nothing was imported",
        ],
    );
    let why = std::fs::read_to_string(env.inbox.join("failed/zero.json.error.txt")).unwrap();
    contains_all(&why, &["a device is not a quote file"]);
    let moved = env.inbox.join("failed/zero.json");
    assert!(
        moved.symlink_metadata().unwrap().file_type().is_symlink(),
        "moved as it was"
    );
    assert!(env.inbox.join("failed/folder.csv").is_dir());
    let out = env.ok("alice", &["inbox", "run"]);
    assert_eq!(out.trim_end(), "the inbox is empty");
}

/// `check` and `audit verify` take seconds on a large database: on a terminal they say
/// what they are doing (on standard error, cleared at the end); piped, they say nothing.
#[test]
fn long_checks_say_what_they_do_on_a_terminal_only() {
    let env = Env::new();
    for args in [&["check"][..], &["audit", "verify"][..]] {
        let piped = env.run("alice", args);
        assert!(piped.status.success(), "{}", String::from_utf8_lossy(&piped.stderr));
        assert!(piped.stderr.is_empty(), "{}", String::from_utf8_lossy(&piped.stderr));
        // On a terminal: `script` gives the command one.
        let line = format!(
            "{BIN} --db {} --config {} --user alice {}",
            env.db.display(),
            env.config.display(),
            args.join(" ")
        );
        let out = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env_remove("PURSER_DB")
            .env_remove("PURSER_CONFIG")
            .output()
            .expect("script (util-linux) runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        let seen = String::from_utf8_lossy(&out.stdout);
        assert!(
            seen.contains("replaying the trail against the live records…"),
            "{seen:?}"
        );
        assert!(seen.contains("\r\x1b[2K"), "the stage line is cleared: {seen:?}");
    }
}
