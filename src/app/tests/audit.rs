//! Audit trail: the hash chain verifies after a long scenario and detects tampering, in
//! memory and on disk.
//!
//! Durability: everything is still there after a reopen, and opening the database again
//! changes nothing.

use super::*;
use crate::domain::AuditEntry;
use redb::ReadableTable;
use serde_json::Value;

/// A day of work touching every command.
fn long_scenario(k: &Kit) {
    let (alice, carol, rick, ada) = (k.alice(), k.carol(), k.rick(), k.ada());
    for (name, text) in samples() {
        k.import_text(&alice, name, &text).unwrap();
        k.clock.advance(7);
    }
    k.add_rule(&ada, rule("5000", None, "carol")).unwrap();
    let items = k.list_items(&ItemFilter::default()).unwrap();
    let by_sku = |sku: &str| items.iter().find(|i| i.sku == sku).unwrap().id;
    k.dismiss(&alice, by_sku("CFQ-00004"), "Pax8 handles it").unwrap();
    k.restore(&alice, by_sku("CFQ-00004")).unwrap();
    let (_, part) = k.split(&alice, by_sku("HS-BT-50"), 1).unwrap();
    k.clock.advance(60);
    let docks = k.create(&[by_sku("40AY0090EU"), by_sku("P24H-2L")]).number;
    k.add_to_order_with(&alice, docks, &[part.id], OtherDistributors::Allow)
        .unwrap();
    k.remove_from_order(&alice, docks, &[part.id]).unwrap();
    k.place_manual(docks);
    k.receive_as_rick(docks, 1, Some(3), &[]).unwrap();
    let r = k.receive_as_rick(docks, 2, None, &["M-1", "M-2"]).unwrap();
    k.unreceive(&rick, docks, r.receipt.id).unwrap();
    k.receive_as_rick(docks, 2, None, &["M-1", "M-3"]).unwrap();
    k.receive_as_rick(docks, 2, None, &["M-4", "M-5"]).unwrap();
    let ws = k.create(&[by_sku("WS-Z2-G9")]).number;
    k.place(&alice, place_req(ws, PlacementMethod::Manual)).unwrap();
    k.reject(&carol, ws, "wait for Q1").unwrap();
    k.place(&alice, place_req(ws, PlacementMethod::Manual)).unwrap();
    k.clock.advance(3600);
    k.place(&carol, place_req(ws, PlacementMethod::Manual)).unwrap();
    let gone = k.create(&[by_sku("UPS-1500")]).number;
    k.cancel(&alice, gone).unwrap();
    k.set_item_cost(&alice, by_sku("UPS-1500"), d("580.00"), "dicker")
        .unwrap();
    let job = k.jobs().unwrap()[0].id;
    let claimed = k.claim_job("w", None).unwrap().unwrap();
    k.finish_job(
        &alice,
        claimed.id,
        "w",
        &JobOutcome::Failed("550 no such mailbox".into()),
    )
    .unwrap();
    k.retry_job(&alice, job).unwrap();
}

#[test]
fn the_audit_chain_verifies_after_a_long_scenario_and_detects_tampering() {
    let mut k = Kit::new();
    long_scenario(&k);
    let entries = k.audit(&AuditFilter::default()).unwrap();
    assert_eq!(entries.len(), 26);
    let report = k.verify_audit().unwrap().unwrap();
    assert_eq!((report.entries, report.keyed_from), (26, Some(1)));
    assert!(entries.iter().all(|e| e.keyed));
    // Replaying the trail gives every live item, order and the rules.
    let replay = k.replay_audit().unwrap();
    assert_eq!(replay.differences, vec![]);
    let snap = k.snapshot();
    assert_eq!(replay.compared as usize, snap.items.len() + snap.orders.len() + 1);
    assert_eq!(replay.not_covered, 0);
    let key = crate::store::load_audit_key(&k.path).unwrap();
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=26).collect::<Vec<_>>()
    );
    assert!(entries
        .windows(2)
        .all(|w| w[1].prev_hash == w[0].hash && w[0].at <= w[1].at));
    assert_eq!(entries.last().unwrap().action, "job.retry");
    // Filters: per order, per actor, per action prefix.
    let ws = k
        .audit(&AuditFilter {
            po: Some(PoNumber(2)),
            ..Default::default()
        })
        .unwrap();
    let got: Vec<&str> = ws.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        got,
        vec![
            "po.create",
            "po.request_approval",
            "po.reject",
            "po.request_approval",
            "po.approve_and_place"
        ]
    );
    assert_eq!(
        k.audit(&AuditFilter {
            actor: Some("rick".into()),
            ..Default::default()
        })
        .unwrap()
        .len(),
        5
    );
    assert_eq!(
        k.audit(&AuditFilter {
            action: Some("item.".into()),
            ..Default::default()
        })
        .unwrap()
        .len(),
        4
    );

    // Edited in memory: the entry no longer matches its hash.
    let mut edited = entries.clone();
    edited[4].after = json!({"quantity": 99});
    let kept: BTreeMap<u64, String> = entries
        .iter()
        .filter(|e| !e.states.is_empty())
        .map(|e| (e.seq, e.states.clone()))
        .collect();
    assert_eq!(
        verify_chain(&edited, key.as_ref(), &kept),
        Err(ChainBreak::Altered { seq: 5 })
    );
    let mut removed = entries.clone();
    removed.remove(9);
    assert_eq!(
        verify_chain(&removed, key.as_ref(), &kept),
        Err(ChainBreak::Gap {
            expected: 10,
            found: 11
        })
    );

    // Edited on disk, behind Purser's back: verification on reopen says where.
    k.close();
    {
        const AUDIT: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("audit");
        let db = redb::Database::builder()
            .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter)
            .create(&k.path)
            .unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut t = tx.open_table(AUDIT).unwrap();
            let mut e = entries[2].clone();
            e.actor = "mallory".into();
            // With a checksum that matches (anyone can compute it): only the chain tells.
            let bytes = crate::store::sealed(&3u64.to_le_bytes(), serde_json::to_vec(&e).unwrap());
            t.insert(3u64, bytes.as_slice()).unwrap();
        }
        tx.commit().unwrap();
    }
    k.reopen();
    assert_eq!(k.verify_audit().unwrap(), Err(ChainBreak::Altered { seq: 3 }));
    assert_eq!(k.audit(&AuditFilter::default()).unwrap()[2].actor, "mallory");
}

// ---------------------------------------------------------------------------------------
// Durability

#[test]
fn everything_is_still_there_after_reopen() {
    let mut k = Kit::new();
    long_scenario(&k);
    let before = k.snapshot();
    k.reopen();
    let after = k.snapshot();
    assert_same_state(&after, &before);
    assert!(after.changes >= before.changes);
    assert_eq!(k.verify_audit().unwrap().unwrap().entries, before.audit.len() as u64);
    // Sequences continue where they were.
    let free = k.list_items(&ItemFilter::default()).unwrap();
    let next_item = before.items.iter().map(|i| i.id).max().unwrap() + 1;
    let (_, part) = k
        .split(&k.alice(), free.iter().find(|i| i.quantity > 1).unwrap().id, 1)
        .unwrap();
    assert_eq!(part.id, next_item);
    assert_eq!(k.create(&[part.id]).number, PoNumber(4));
    assert_eq!(
        k.verify_audit().unwrap().unwrap().entries,
        before.audit.len() as u64 + 2
    );
    assert_eq!(k.replay_audit().unwrap().differences, vec![]);
    k.reopen();
    assert_eq!(k.order(PoNumber(4)).unwrap().item_ids(), vec![part.id]);
    assert_eq!(k.order(PoNumber(1)).unwrap().status(), OrderStatus::Completed);
    assert_eq!(
        k.store().read(|tx| tx.serial_owner("P24H-2L", "M-3")).unwrap(),
        Some(PoNumber(1))
    );
    assert_eq!(k.store().read(|tx| tx.serial_owner("P24H-2L", "M-2")).unwrap(), None);
}

#[test]
fn opening_the_database_again_changes_nothing() {
    let mut k = Kit::new();
    k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "1.00"));
    let before = k.snapshot();
    k.reopen();
    k.reopen();
    assert_eq!(k.snapshot(), before, "a read-only open is not a change");
}

// ---------------------------------------------------------------------------------------
// Tampering with the file behind Purser's back (a program using redb on the file, as
// anyone who may write the database could)

const AUDIT: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("audit");
const ITEMS: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("items");
const ORDERS: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("orders");
const SETTINGS: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("settings");
const META: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("meta");
const STATES: redb::TableDefinition<(u64, u64), &[u8]> = redb::TableDefinition::new("audit_states");

/// Moves the record states kept with the entries after `dropped` back by one, and drops
/// those of `dropped`, as the entries were renumbered.
fn renumber_states(tx: &redb::WriteTransaction, dropped: u64) {
    let mut t = tx.open_table(STATES).unwrap();
    let rows: Vec<((u64, u64), Vec<u8>)> = t
        .iter()
        .unwrap()
        .map(|r| {
            let (k, v) = r.unwrap();
            (k.value(), v.value().to_vec())
        })
        .collect();
    t.retain(|_, _| false).unwrap();
    for ((seq, n), v) in rows.into_iter().filter(|((seq, _), _)| *seq != dropped) {
        let seq = if seq > dropped { seq - 1 } else { seq };
        t.insert((seq, n), v.as_slice()).unwrap();
    }
}

/// Turns the trail into one an older Purser wrote: plain hashes, no states.
fn make_plain(tx: &redb::WriteTransaction) {
    let mut entries = read_entries(tx);
    for e in &mut entries {
        e.keyed = false;
        e.states.clear();
    }
    rewrite_trail(tx, entries, 0);
    tx.delete_table(STATES).unwrap();
}

/// Runs `f` on the closed database file with redb alone, and opens Purser on it again.
fn tamper(k: &mut Kit, f: impl FnOnce(&redb::WriteTransaction)) {
    k.close();
    k.behind_the_back(f);
    k.reopen();
}

fn read_entries(tx: &redb::WriteTransaction) -> Vec<AuditEntry> {
    let t = tx.open_table(AUDIT).unwrap();
    let rows = t.iter().unwrap().map(|r| r.unwrap().1.value().to_vec());
    // A stored value is its JSON and a 4-byte checksum.
    rows.map(|v| serde_json::from_slice(&v[..v.len() - 4]).unwrap())
        .collect()
}

/// Replaces the whole trail with `entries`, re-chained with plain SHA-256 from the first
/// (0-based) index `from` on, numbered 1, 2, …, and the newest number noted in the meta
/// table: what the finding's program did.
fn rewrite_trail(tx: &redb::WriteTransaction, mut entries: Vec<AuditEntry>, from: usize) {
    for i in 0..entries.len() {
        entries[i].seq = i as u64 + 1;
        if i >= from {
            entries[i].prev_hash = if i == 0 {
                crate::domain::audit::GENESIS.to_string()
            } else {
                entries[i - 1].hash.clone()
            };
            entries[i].hash = entries[i].compute_hash();
        }
    }
    let mut t = tx.open_table(AUDIT).unwrap();
    t.retain(|_, _| false).unwrap();
    for e in &entries {
        let sealed = crate::store::sealed(&e.seq.to_le_bytes(), serde_json::to_vec(e).unwrap());
        t.insert(e.seq, sealed.as_slice()).unwrap();
    }
    tx.open_table(META)
        .unwrap()
        .insert("audit_last", entries.len() as u64)
        .unwrap();
}

/// Reads a record as JSON, changes it with `f`, and writes it back.
fn edit_json<K: redb::Key + 'static>(
    tx: &redb::WriteTransaction,
    def: redb::TableDefinition<K, &[u8]>,
    key: K::SelfType<'_>,
    f: impl FnOnce(&mut Value),
) where
    for<'a> K::SelfType<'a>: Clone,
{
    let mut t = tx.open_table(def).unwrap();
    let stored = t.get(key.clone()).unwrap().unwrap().value().to_vec();
    let mut v: Value = serde_json::from_slice(&stored[..stored.len() - 4]).unwrap();
    f(&mut v);
    // Sealed with a right checksum, as anyone who read the source could.
    let key_bytes = K::as_bytes(&key).as_ref().to_vec();
    let sealed = crate::store::sealed(&key_bytes, serde_json::to_vec(&v).unwrap());
    t.insert(key, sealed.as_slice()).unwrap();
}

#[test]
fn dropping_an_entry_and_changing_an_actor_then_rehashing_is_named() {
    // Marked as keyed or not, the rewritten entries cannot carry the key's MAC.
    for (unmark, want) in [
        (false, ChainBreak::Altered { seq: 5 }),
        (true, ChainBreak::Unkeyed { seq: 5 }),
    ] {
        let mut k = Kit::new();
        long_scenario(&k);
        let n = k.audit(&AuditFilter::default()).unwrap().len();
        tamper(&mut k, |tx| {
            let mut entries = read_entries(tx);
            entries.remove(4);
            entries[7].actor = "mallory".into();
            for e in &mut entries[4..] {
                e.keyed &= !unmark;
            }
            rewrite_trail(tx, entries, 4);
            renumber_states(tx, 5);
        });
        assert_eq!(k.audit(&AuditFilter::default()).unwrap().len(), n - 1);
        assert_eq!(k.verify_audit().unwrap(), Err(want.clone()), "unmarked: {unmark}");
        // Purser does not continue a broken keyed chain as if it held: the next entry
        // chains to the newest one, and the break stays where it is.
        k.split(&k.alice(), k.list_items(&all()).unwrap()[0].id, 1).ok();
        assert_eq!(k.verify_audit().unwrap(), Err(want));
    }
}

#[test]
fn the_whole_trail_rehashed_without_the_key_is_named() {
    let mut k = Kit::new();
    long_scenario(&k);
    tamper(&mut k, make_plain);
    assert_eq!(k.verify_audit().unwrap(), Err(ChainBreak::Unkeyed { seq: 26 }));
}

#[test]
fn a_record_edited_in_the_file_is_named_by_the_replay() {
    let mut k = Kit::new();
    long_scenario(&k);
    let item = k.list_items(&all()).unwrap()[0].clone();
    let order = k.order(PoNumber(1)).unwrap();
    tamper(&mut k, |tx| {
        edit_json(tx, ITEMS, item.id, |v| v["quantity"] = json!(item.quantity + 40));
        edit_json(tx, ORDERS, 1, |v| v["lines"][1]["quantity"] = json!(7));
        edit_json(tx, SETTINGS, "approval_rules", |v| v[0]["approver"] = json!("mallory"));
        let mut planted = item.clone();
        planted.id = 999;
        let sealed = crate::store::sealed(&999u64.to_le_bytes(), serde_json::to_vec(&planted).unwrap());
        tx.open_table(ITEMS).unwrap().insert(999, sealed.as_slice()).unwrap();
    });
    let check = k.check_audit(None).unwrap();
    assert!(check.chain.is_ok(), "the trail itself is intact: {:?}", check.chain);
    let got: Vec<&str> = check.replay.differences.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        got,
        vec![
            format!(
                "item {}: quantity is {} in the database, {} by the audit trail",
                item.id,
                item.quantity + 40,
                item.quantity
            )
            .as_str(),
            "item 999 is in the database but not in the audit trail",
            &format!(
                "PO-000001: lines[2].quantity is 7 in the database, {} by the audit trail",
                order.lines[1].quantity
            ),
            "the approval rules: entries[1].approver is mallory in the database, carol by the audit trail",
        ]
    );
    // A removed order is named too.
    tamper(&mut k, |tx| {
        tx.open_table(ORDERS).unwrap().remove(3).unwrap();
    });
    let replay = k.replay_audit().unwrap();
    assert!(replay
        .differences
        .iter()
        .any(|d| d.message == "PO-000003 is in the audit trail but not in the database"));
}

#[test]
fn an_anchor_proves_the_history_up_to_it_or_names_why_not() {
    let mut k = Kit::new();
    long_scenario(&k);
    let anchor = k.audit_anchor().unwrap().expect("a head");
    assert_eq!(anchor.seq, 26);
    assert_eq!(
        k.log_audit_anchor().unwrap(),
        Some(anchor.clone()),
        "what the service logs"
    );
    let spec = |a: String| a.parse::<crate::domain::audit::AnchorSpec>().unwrap();
    // Later changes keep the anchored history.
    k.dismiss(&k.alice(), k.list_items(&all()).unwrap()[0].id, "later")
        .unwrap();
    let check = k.check_audit(Some(&spec(anchor.to_string()))).unwrap();
    assert_eq!(check.anchor, Some(anchor.clone()));
    assert_eq!(check.chain.unwrap().head.unwrap().seq, 27);
    // Another head at that number.
    let other = format!("26:{}", "ab".repeat(32));
    assert_eq!(
        k.check_audit(Some(&spec(other))).unwrap().chain,
        Err(ChainBreak::AnchorDiffers { seq: 26 })
    );
    // The trail cut back before the anchor (and the newest number with it): the chain
    // alone still holds, the anchor does not.
    tamper(&mut k, |tx| {
        let mut t = tx.open_table(AUDIT).unwrap();
        for seq in 20..=27 {
            t.remove(seq).unwrap();
        }
        drop(t);
        tx.open_table(STATES).unwrap().retain(|(seq, _), _| seq < 20).unwrap();
        tx.open_table(META).unwrap().insert("audit_last", 19).unwrap();
    });
    assert_eq!(k.verify_audit().unwrap().unwrap().entries, 19);
    assert_eq!(
        k.check_audit(Some(&spec(anchor.to_string()))).unwrap().chain,
        Err(ChainBreak::AnchorMissing { seq: 26, found: 19 })
    );
    assert_eq!(
        k.check_audit(Some(&spec(anchor.mac.clone()))).unwrap().chain,
        Err(ChainBreak::AnchorNotFound)
    );
}

#[test]
fn a_missing_key_is_an_error_naming_the_file_and_no_new_key_is_made() {
    let mut k = Kit::new();
    long_scenario(&k);
    let key_file = crate::store::audit_key_path(&k.path);
    assert!(key_file.exists(), "made with the database");
    std::fs::remove_file(&key_file).unwrap();
    k.reopen();
    let e = k.verify_audit().unwrap_err().to_string();
    assert!(
        e.contains(&key_file.display().to_string()) && e.contains("missing"),
        "{e}"
    );
    let before = k.snapshot();
    let item = k.list_items(&all()).unwrap()[0].id;
    let e = k.dismiss(&k.alice(), item, "no key").unwrap_err().to_string();
    assert!(
        e.contains(&key_file.display().to_string()) && e.contains("entry 26"),
        "{e}"
    );
    assert_eq!(k.snapshot(), before, "nothing changed");
    assert!(!key_file.exists(), "no new key");
}

#[test]
fn a_trail_from_before_the_key_continues_keyed_from_a_baseline() {
    let mut k = Kit::new();
    long_scenario(&k);
    // The database as an older Purser left it: plain hashes, no states, no key.
    tamper(&mut k, make_plain);
    std::fs::remove_file(crate::store::audit_key_path(&k.path)).unwrap();
    k.reopen();
    let report = k.verify_audit().unwrap().unwrap();
    assert_eq!((report.entries, report.keyed_from), (26, None));
    let replay = k.replay_audit().unwrap();
    assert_eq!((replay.compared, replay.differences.len()), (0, 0));
    assert!(replay.not_covered > 0);
    // The next change makes the key and a baseline of every record, then its own entry.
    let item = k.list_items(&all()).unwrap()[0].id;
    k.dismiss(&k.alice(), item, "after the upgrade").unwrap();
    assert!(crate::store::audit_key_path(&k.path).exists());
    let entries = k.audit(&AuditFilter::default()).unwrap();
    assert_eq!(entries.len(), 28);
    assert_eq!(entries[26].action, "audit.keyed");
    assert_eq!(entries[26].before, json!({"plain_entries": 26}));
    let snap = k.snapshot();
    let mut baseline = 0;
    k.store()
        .read(|tx| tx.audit_states(&mut |seq, _, _, _| baseline += usize::from(seq == 27)))
        .unwrap();
    assert_eq!(baseline, snap.items.len() + snap.orders.len() + 1);
    let report = k.verify_audit().unwrap().unwrap();
    assert_eq!((report.entries, report.keyed_from), (28, Some(27)));
    let replay = k.replay_audit().unwrap();
    assert_eq!(replay.differences, vec![]);
    assert_eq!(
        (replay.compared as usize, replay.not_covered),
        (snap.items.len() + snap.orders.len() + 1, 0)
    );
    // The old part is still checked: an edit there is named.
    tamper(&mut k, |tx| {
        let mut t = tx.open_table(AUDIT).unwrap();
        let stored = t.get(4).unwrap().unwrap().value().to_vec();
        let mut e: AuditEntry = serde_json::from_slice(&stored[..stored.len() - 4]).unwrap();
        e.actor = "mallory".into();
        let sealed = crate::store::sealed(&4u64.to_le_bytes(), serde_json::to_vec(&e).unwrap());
        t.insert(4, sealed.as_slice()).unwrap();
    });
    assert_eq!(k.verify_audit().unwrap(), Err(ChainBreak::Altered { seq: 4 }));
}

#[test]
fn a_record_edited_together_with_its_kept_state_breaks_the_chain() {
    let mut k = Kit::new();
    long_scenario(&k);
    let item = k.list_items(&all()).unwrap()[0].clone();
    let mut latest = None;
    k.store()
        .read(|tx| {
            tx.audit_states(&mut |seq, n, r, _| {
                if r.kind == crate::domain::audit::RecordKind::Item && r.id == item.id {
                    latest = Some((seq, n));
                }
            })
        })
        .unwrap();
    let (seq, n) = latest.expect("the trail holds the item's state");
    tamper(&mut k, |tx| {
        edit_json(tx, ITEMS, item.id, |v| v["quantity"] = json!(99));
        // A kept state is the record's kind and id (9 bytes), then its stored value.
        let mut t = tx.open_table(STATES).unwrap();
        let row = t.get((seq, n)).unwrap().unwrap().value().to_vec();
        // The stored value is the record's JSON and its 4-byte checksum.
        let mut v: Value = serde_json::from_slice(&row[9..row.len() - 4]).unwrap();
        v["quantity"] = json!(99);
        let mut edited = row[..9].to_vec();
        edited.extend(crate::store::sealed(
            &item.id.to_le_bytes(),
            serde_json::to_vec(&v).unwrap(),
        ));
        t.insert((seq, n), edited.as_slice()).unwrap();
    });
    let check = k.check_audit(None).unwrap();
    assert_eq!(check.chain, Err(ChainBreak::StatesAltered { seq }));
    assert_eq!(
        check.replay.differences,
        vec![],
        "the replay alone is fooled; the chain is not"
    );
}
