//! `purser check`: the whole database read and cross-checked. Every value is decoded (its
//! checksum checked); then what ties records together is checked both ways — the items on
//! an order and the order's lines, the serial index and the orders' receipts — the
//! counters are checked to be ahead of every id in use (they and the serial index hold
//! plain numbers with no checksum of their own: this is what protects them), and the
//! audit chain is verified. Every problem is reported with its table and key.

use super::{AppError, Service};
use crate::domain::item::ItemState;
use crate::domain::receiving::serial_product_key;
use crate::domain::{OrderStatus, PoNumber};
use crate::store::{Problem, Scan};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// What `purser check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub database: PathBuf,
    /// Values read whole (checksum and contents good).
    pub values: u64,
    /// Audit entries whose chain verified.
    pub audit_entries: u64,
    pub problems: Vec<Problem>,
}

impl CheckReport {
    pub fn clean(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Service {
    /// Reads the whole database and reports every problem found (see the module).
    /// Fails only when the file cannot be read at all.
    pub fn check(&self) -> Result<CheckReport, AppError> {
        self.check_telling(&|_| {})
    }

    /// [`Service::check`], telling `stage` what it does as it goes (the walk takes seconds
    /// on a large database: a terminal shows it).
    pub fn check_telling(&self, stage: &dyn Fn(&str)) -> Result<CheckReport, AppError> {
        stage("reading and decoding every record");
        let scan = self.store.read(|tx| tx.scan())?;
        let mut problems = scan.problems.clone();
        stage("checking items, orders, serial numbers and counters");
        items_and_orders(&scan, &mut problems);
        serial_index(&scan, &mut problems);
        counters(&scan, &mut problems);
        // The chain and the replay from one reading of the trail.
        let (chain, replay) = match self.check_audit_telling(None, stage) {
            Ok(audit) => (Ok(audit.chain), Some(audit.replay)),
            Err(e) => (Err(e), None),
        };
        let audit_entries = audit_chain(chain, &mut problems)?;
        // No replay when the trail could not be read: the chain's problem says so.
        if let Some(replay) = replay {
            audit_replay(replay, &mut problems);
        }
        Ok(CheckReport {
            database: self.database_path().to_path_buf(),
            values: scan.values,
            audit_entries,
            problems,
        })
    }
}

/// The replay of the audit trail against the live records: a problem (table and key) for
/// each record the trail does not account for.
fn audit_replay(replay: super::audit_replay::Replay, problems: &mut Vec<Problem>) {
    for d in replay.differences {
        let (table, key) = match d.record.kind {
            crate::domain::audit::RecordKind::Item => ("items", d.record.id.to_string()),
            crate::domain::audit::RecordKind::Order => ("orders", d.record.id.to_string()),
            crate::domain::audit::RecordKind::Rules => ("settings", "approval_rules".to_string()),
        };
        problems.push(Problem::new(table, &key, d.message));
    }
}

/// The audit chain's verdict as problems; returns how many entries it holds.
fn audit_chain(
    chain: Result<Result<crate::domain::audit::ChainReport, crate::domain::audit::ChainBreak>, AppError>,
    problems: &mut Vec<Problem>,
) -> Result<u64, AppError> {
    match chain {
        Ok(Ok(report)) => Ok(report.entries),
        Ok(Err(brk)) => {
            problems.push(Problem::new("audit", "(chain)", brk.to_string()));
            Ok(0)
        }
        // An entry that cannot be read is already reported by the walk.
        Err(AppError::Store(_)) if problems.iter().any(|p| p.table == "audit") => Ok(0),
        Err(AppError::Store(e)) => {
            problems.push(Problem::new("audit", "(chain)", e.to_string()));
            Ok(0)
        }
        Err(e) => Err(e),
    }
}

/// Each live order's lines point at items that say they are on it, and each item that
/// says it is on an order is on one of its lines.
fn items_and_orders(scan: &Scan, problems: &mut Vec<Problem>) {
    let items: HashMap<u64, &ItemState> = scan.items.iter().map(|i| (i.id, &i.state)).collect();
    let mut listed: HashMap<u64, PoNumber> = HashMap::new();
    for order in scan.orders.iter().filter(|o| o.status() != OrderStatus::Cancelled) {
        for (n, line) in order.lines.iter().enumerate() {
            listed.insert(line.item_id, order.number);
            match items.get(&line.item_id) {
                None => problems.push(Problem::new(
                    "orders",
                    order.number.0.to_string(),
                    format!(
                        "line {} is item {}, which is not in the items table",
                        n + 1,
                        line.item_id
                    ),
                )),
                Some(ItemState::Ordered { po }) if *po == order.number => {}
                Some(state) => problems.push(Problem::new(
                    "items",
                    line.item_id.to_string(),
                    format!(
                        "{} lists it (line {}) but the item says it is {}",
                        order.number,
                        n + 1,
                        state.label()
                    ),
                )),
            }
        }
    }
    for item in &scan.items {
        if let ItemState::Ordered { po } = item.state {
            if listed.get(&item.id) != Some(&po) {
                problems.push(Problem::new(
                    "items",
                    item.id.to_string(),
                    format!("says it is on {po}, but that order does not list it"),
                ));
            }
        }
    }
}

/// The serial index holds exactly the serials of the receipts not undone, each pointing
/// at its order.
fn serial_index(scan: &Scan, problems: &mut Vec<Problem>) {
    let mut expected: BTreeMap<String, (PoNumber, String)> = BTreeMap::new();
    for order in &scan.orders {
        for r in order.receipts.iter().filter(|r| r.undone.is_none()) {
            let Some(line) = order.lines.get((r.line as usize).wrapping_sub(1)) else {
                problems.push(Problem::new(
                    "orders",
                    order.number.0.to_string(),
                    format!("receipt {} is for line {}, which the order does not have", r.id, r.line),
                ));
                continue;
            };
            let product = serial_product_key(&line.sku);
            for s in &r.serials {
                let key = crate::store::serial_index_key(&product, s);
                expected.insert(
                    key,
                    (
                        order.number,
                        format!("receipt {} of {} (serial {s})", r.id, order.number),
                    ),
                );
            }
        }
    }
    let found: BTreeMap<&str, u64> = scan.serials.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    for (key, (po, what)) in &expected {
        match found.get(key.as_str()) {
            Some(&n) if n == po.0 => {}
            Some(&n) => problems.push(Problem::new(
                "serials",
                key.clone(),
                format!("points at {}, but {what} has it", PoNumber(n)),
            )),
            None => problems.push(Problem::new("serials", key.clone(), format!("missing: {what} has it"))),
        }
    }
    for (key, po) in found {
        if !expected.contains_key(key) {
            problems.push(Problem::new(
                "serials",
                key,
                format!(
                    "points at {}, but no receipt of any order has this serial",
                    PoNumber(po)
                ),
            ));
        }
    }
}

/// Each counter is ahead of every id in use (else the next record made would overwrite
/// one), and the newest audit sequence number recorded matches the trail's.
fn counters(scan: &Scan, problems: &mut Vec<Problem>) {
    let meta: HashMap<&str, u64> = scan.meta.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let max = |table: &str| -> u64 {
        let ids: Box<dyn Iterator<Item = u64>> = match table {
            "items" => Box::new(scan.items.iter().map(|i| i.id)),
            "orders" => Box::new(scan.orders.iter().map(|o| o.number.0)),
            "outbox" => Box::new(scan.jobs.iter().map(|j| j.id)),
            _ => Box::new(scan.notices.iter().map(|n| n.id)),
        };
        ids.max().unwrap_or(0)
    };
    for (counter, table) in crate::store::COUNTERS {
        let highest = max(table);
        // A counter never written hands out 1 first.
        let next = meta.get(counter).copied().unwrap_or(1);
        if highest >= next {
            problems.push(Problem::new(
                "meta",
                counter,
                format!("is {next}, but {table} already uses id {highest}: the next one made would overwrite it"),
            ));
        }
    }
    let newest = scan.audit_seqs.iter().copied().max().unwrap_or(0);
    let recorded = meta.get(crate::store::AUDIT_LAST_KEY).copied().unwrap_or(0);
    if recorded < newest {
        problems.push(Problem::new(
            "meta",
            crate::store::AUDIT_LAST_KEY,
            format!("is {recorded}, but the audit trail goes up to entry {newest}"),
        ));
    }
}
