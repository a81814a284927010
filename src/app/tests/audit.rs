//! Audit trail: the hash chain verifies after a long scenario and detects tampering, in
//! memory and on disk.
//!
//! Durability: everything is still there after a reopen, and opening the database again
//! changes nothing.

use super::*;

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
    assert_eq!(verify_chain(&edited, key.as_ref()), Err(ChainBreak::Altered { seq: 5 }));
    let mut removed = entries.clone();
    removed.remove(9);
    assert_eq!(
        verify_chain(&removed, key.as_ref()),
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
            t.insert(3u64, serde_json::to_vec(&e).unwrap().as_slice()).unwrap();
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
