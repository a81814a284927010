//! Crash safety: `purser-harness stress` prints `ack N what` only after each command committed.
//! Kill it with SIGKILL at random moments, reopen the database, and prove that every
//! acknowledged command is there and nothing is half-applied.

use purser::app::{system_clock, Service};
use purser::config::Config;
use purser::domain::receiving::serial_product_key;
use purser::domain::{AuditEntry, ItemState, Order, PendingItem, PoNumber, Stage};
use purser::store::{Store, StoreError};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The test harness, which runs the command stream (`stress` is not a `purser` command).
const HARNESS: &str = env!("CARGO_BIN_EXE_purser-harness");

const CONFIG: &str = r#"
[identity]
allow_user_override = true

[users.sam]
roles = ["buyer", "receiver"]

[distributors.ingram]
kind = "manual"
name = "Ingram Micro"
currency = "EUR"
"#;

/// A small xorshift generator; the seed is printed so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One acknowledged command.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ack {
    Import(String),
    Create(PoNumber),
    Place(PoNumber),
    ReceiveSerial(PoNumber, String),
    ReceiveLine2(PoNumber),
}

fn parse_ack(line: &str) -> (u64, Ack) {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"ack"), "unexpected output line {line:?}");
    let n: u64 = words[1].parse().unwrap();
    let po = || words[3].parse::<PoNumber>().unwrap();
    let ack = match (words[2], words.len()) {
        ("import", 4) => Ack::Import(words[3].to_string()),
        ("create", 4) => Ack::Create(po()),
        ("place", 4) => Ack::Place(po()),
        ("receive", 5) => Ack::ReceiveSerial(po(), words[4].to_string()),
        ("receive", 6) if words[4..] == ["line", "2"] => Ack::ReceiveLine2(po()),
        _ => panic!("unexpected ack {line:?}"),
    };
    (n, ack)
}

/// Runs `purser-harness stress` and kills it with SIGKILL after `kill_after` acks (and a pause of
/// `pause_us`, to land between two acks). Returns every ack it printed, and whether it
/// was killed before finishing.
fn run_and_kill(db: &Path, config: &Path, seed: u64, kill_after: usize, pause_us: u64) -> (Vec<Ack>, bool) {
    let mut child = Command::new(HARNESS)
        .env_remove("PURSER_DB")
        .env_remove("PURSER_CONFIG")
        .arg("--db")
        .arg(db)
        .arg("--config")
        .arg(config)
        .args(["--user", "sam", "stress", "--ops", "400", "--seed", &seed.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(db.with_extension("stderr")).unwrap()))
        .spawn()
        .expect("purser-harness stress starts");
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut acks = Vec::new();
    let mut killed = false;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        // A line cut short by the kill was never acknowledged.
        if !line.ends_with('\n') {
            break;
        }
        let (n, ack) = parse_ack(line.trim_end());
        assert_eq!(n as usize, acks.len() + 1, "acks are numbered in order");
        acks.push(ack);
        if acks.len() == kill_after && !killed {
            if pause_us > 0 {
                std::thread::sleep(Duration::from_micros(pause_us));
            }
            // SAFETY: kill(2) on our own child's pid, which has not been waited for yet.
            let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
            assert_eq!(rc, 0, "kill failed");
            killed = true;
        }
        // Whatever the pipe still holds was printed after a commit: read it all.
    }
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    let died = status.signal() == Some(libc::SIGKILL);
    let stderr = std::fs::read_to_string(db.with_extension("stderr")).unwrap_or_default();
    assert!(died || status.success(), "stress ended with {status:?}: {stderr}");
    (acks, died)
}

struct State {
    items: Vec<PendingItem>,
    orders: Vec<Order>,
    audit: Vec<AuditEntry>,
    /// Quotes found by the acknowledged import ids.
    quotes: BTreeSet<String>,
}

/// Reopens the database through the library and checks everything against the acks.
fn check(db: &Path, seed: u64, acks: &[Ack], all_imports: &[String], audit_before: usize) -> usize {
    let store = Store::open(db).expect("the database opens after a crash");
    let st = store
        .read(|tx| {
            let mut quotes = BTreeSet::new();
            for q in all_imports {
                if tx.quote(q)?.is_some() {
                    quotes.insert(q.clone());
                }
            }
            Ok::<_, StoreError>(State {
                items: tx.items()?,
                orders: tx.orders()?,
                audit: tx.audit()?,
                quotes,
            })
        })
        .unwrap();
    let owner = |sku: &str, serial: &str| {
        store
            .read(|tx| tx.serial_owner(&serial_product_key(sku), serial))
            .unwrap()
    };
    let orders: BTreeMap<PoNumber, &Order> = st.orders.iter().map(|o| (o.number, o)).collect();

    // The audit trail is intact and holds exactly the acknowledged commands, plus at most
    // one that committed but was not printed before the kill.
    // It verifies with the key and replays to every item and order: no state was kept
    // half, and no change was kept without its entry.
    let svc = Service::new(Store::open(db).unwrap(), Arc::new(Config::default()), system_clock());
    let audit_check = svc.check_audit(None).unwrap();
    assert_eq!(
        audit_check.chain.map(|r| r.entries),
        Ok(st.audit.len() as u64),
        "seed {seed}: audit chain"
    );
    assert_eq!(audit_check.replay.differences, vec![], "seed {seed}: audit replay");
    let new_entries = st.audit.len() - audit_before;
    assert!(
        new_entries == acks.len() || new_entries == acks.len() + 1,
        "seed {seed}: {} acks but {new_entries} new audit entries",
        acks.len()
    );

    // Every acknowledged command is there.
    for ack in acks {
        match ack {
            Ack::Import(q) => {
                assert!(st.quotes.contains(q), "seed {seed}: acked import {q} is missing");
                let items: Vec<&PendingItem> = st.items.iter().filter(|i| i.quote_id == q).collect();
                let lines: Vec<(&str, u32)> = items.iter().map(|i| (i.line_id.as_str(), i.quantity)).collect();
                assert_eq!(lines, vec![("1", 2), ("2", 5)], "seed {seed}: items of {q}");
            }
            Ack::Create(po) => assert!(orders.contains_key(po), "seed {seed}: acked {po} is missing"),
            Ack::Place(po) => {
                assert!(
                    matches!(orders[po].stage, Stage::Placed(_)),
                    "seed {seed}: acked placing of {po} is missing"
                )
            }
            Ack::ReceiveSerial(po, serial) => {
                let o = orders[po];
                assert!(
                    o.receipts
                        .iter()
                        .any(|r| r.line == 1 && r.undone.is_none() && r.serials == [serial.clone()]),
                    "seed {seed}: acked receipt of {serial} on {po} is missing"
                );
                assert_eq!(
                    owner(&o.lines[0].sku, serial),
                    Some(*po),
                    "seed {seed}: serial index for {serial}"
                );
            }
            Ack::ReceiveLine2(po) => assert_eq!(
                orders[po].received_on(2),
                5,
                "seed {seed}: acked receipt on {po} line 2"
            ),
        }
    }

    // Nothing is half-applied: every quote came with both its items, every item agrees
    // with the orders, every receipt with the serial index, every change has its entry.
    let mut by_quote: BTreeMap<&str, Vec<&PendingItem>> = BTreeMap::new();
    for i in &st.items {
        by_quote.entry(i.quote_id.as_str()).or_default().push(i);
    }
    for (q, items) in &by_quote {
        assert_eq!(items.len(), 2, "seed {seed}: {q} has {} items", items.len());
        for i in items {
            match &i.state {
                ItemState::Ordered { po } => {
                    let o = orders
                        .get(po)
                        .unwrap_or_else(|| panic!("seed {seed}: item {} on missing {po}", i.id));
                    assert!(
                        o.lines.iter().any(|l| l.item_id == i.id && l.quantity == i.quantity),
                        "seed {seed}: item {} not on {po}",
                        i.id
                    );
                }
                ItemState::Pending => {}
                other => panic!("seed {seed}: item {} is {other}", i.id),
            }
        }
    }
    for o in &st.orders {
        assert_eq!(o.lines.len(), 2, "seed {seed}: {} lines", o.number);
        for (n, l) in o.lines.iter().enumerate() {
            let item = st
                .items
                .iter()
                .find(|i| i.id == l.item_id)
                .expect("the line's item exists");
            assert_eq!(
                item.state,
                ItemState::Ordered { po: o.number },
                "seed {seed}: {} line {}",
                o.number,
                n + 1
            );
            assert!(o.received_on(n as u32 + 1) <= l.quantity);
        }
        let serial_receipts: Vec<&String> = o
            .receipts
            .iter()
            .filter(|r| r.line == 1 && r.undone.is_none())
            .flat_map(|r| r.serials.iter())
            .collect();
        for s in &serial_receipts {
            assert_eq!(
                owner(&o.lines[0].sku, s),
                Some(o.number),
                "seed {seed}: serial index for {s}"
            );
        }
        // The serial stress would give this order, when not received, is free.
        let q = &o.lines[0].quote_id;
        if let Some((qseed, n)) = q.strip_prefix('S').and_then(|r| r.split_once('-')) {
            let expected = format!("SN-{qseed}-{n}");
            if serial_receipts.is_empty() {
                assert_eq!(
                    owner(&o.lines[0].sku, &expected),
                    None,
                    "seed {seed}: {expected} indexed without a receipt"
                );
            }
        }
    }
    let with_items: BTreeSet<String> = by_quote.keys().map(|q| q.to_string()).collect();
    assert_eq!(
        st.quotes, with_items,
        "seed {seed}: every stored quote has its items and no item lacks its quote"
    );
    let count = |action: &str| st.audit.iter().filter(|e| e.action == action).count();
    assert_eq!(count("quote.import"), by_quote.len(), "seed {seed}: imports");
    assert_eq!(count("po.create"), st.orders.len(), "seed {seed}: orders");
    let placed = st.orders.iter().filter(|o| matches!(o.stage, Stage::Placed(_))).count();
    assert_eq!(count("po.place"), placed, "seed {seed}: placements");
    let receipts: usize = st.orders.iter().map(|o| o.receipts.len()).sum();
    assert_eq!(count("receipt.add"), receipts, "seed {seed}: receipts");
    st.audit.len()
}

#[test]
fn every_acknowledged_command_survives_sigkill_and_nothing_is_half_applied() {
    let started = Instant::now();
    let dir = tempfile::Builder::new().prefix("purser-crash-").tempdir().unwrap();
    let db = dir.path().join("purser.redb");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, CONFIG).unwrap();

    let rng_seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(rng_seed);
    eprintln!("durability: rng seed {rng_seed}");
    // Kill points: right at the start, early, in the middle of a command's five acks,
    // and well into the run; some immediately after an ack, some a little later.
    let plan: [(usize, u64); 5] = [
        (1 + rng.below(3) as usize, 0),
        (7 + rng.below(30) as usize, rng.below(1500)),
        (40 + rng.below(100) as usize, 0),
        (150 + rng.below(200) as usize, 200 + rng.below(2000)),
        (350 + rng.below(200) as usize, rng.below(800)),
    ];
    let mut audit_len = 0;
    let mut all_imports = Vec::new();
    let mut kills = 0;
    for (run, (kill_after, pause_us)) in plan.into_iter().enumerate() {
        let seed = run as u64 + 1;
        let t = Instant::now();
        let (acks, killed) = run_and_kill(&db, &config, seed, kill_after, pause_us);
        let ran = t.elapsed();
        kills += usize::from(killed);
        assert!(acks.len() >= kill_after, "seed {seed}: only {} acks", acks.len());
        all_imports.extend((0..400).map(|n| format!("S{seed}-{n}")));
        let imported: Vec<String> = acks
            .iter()
            .filter_map(|a| if let Ack::Import(q) = a { Some(q.clone()) } else { None })
            .collect();
        assert!(imported.iter().all(|q| all_imports.contains(q)));
        let t = Instant::now();
        audit_len = check(&db, seed, &acks, &all_imports, audit_len);
        eprintln!(
            "durability: run {seed}: killed={killed} after {kill_after} (+{pause_us}µs), {} acks, audit {audit_len}, ran {ran:?}, checked in {:?}",
            acks.len(),
            t.elapsed()
        );
    }
    assert_eq!(kills, 5, "every run was killed before it finished");
    eprintln!("durability: {:?} in all", started.elapsed());
}
