//! Receiving: quantities and serials are checked, and undoing a receipt frees its serials.

use super::*;

#[test]
fn receiving_checks_quantities_and_serials() {
    let k = Kit::new();
    let q1 = k.import(
        &QuoteJson::new("Q-1")
            .serialized("1", "NB-1", 3, "900.00")
            .serialized("2", "PH-1", 2, "100.00")
            .product("3", "CABLE", 5, "3.00"),
    );
    let q2 = k.import(&QuoteJson::new("Q-2").serialized("1", "nb-1", 2, "900.00"));
    let o1 = k.create(&q1).number;
    let o2 = k.create(&q2).number;
    let before = k.snapshot();
    refused(
        k.receive_as_rick(o1, 3, Some(1), &[]),
        &["PO-000001 is Pending; receiving is only possible while it is Submitted, Email sent or Partial"],
    );
    k.assert_unchanged(&before);
    k.place_manual(o1);
    k.place_manual(o2);

    k.clock.advance(3600);
    let r = k.receive_as_rick(o1, 1, None, &[" SN-1 ", "SN-2"]).unwrap();
    assert_eq!((r.receipt.id, r.receipt.line, r.receipt.quantity), (1, 1, 2));
    assert_eq!(r.receipt.serials, vec!["SN-1", "SN-2"]);
    assert_eq!((r.receipt.by.as_str(), r.receipt.at), ("rick", k.clock.now()));
    assert_eq!(r.order.status(), OrderStatus::Partial);
    assert_eq!(r.order.progress(), "2/10");
    let owner = |sku: &str, s: &str| {
        k.store()
            .read(|tx| tx.serial_owner(&serial_product_key(sku), s))
            .unwrap()
    };
    assert_eq!(owner("NB-1", "SN-1"), Some(o1));
    assert_eq!(owner("NB-1", "SN-3"), None);

    let before = k.snapshot();
    // nb-1 and NB-1 are one product.
    refused(
        k.receive_as_rick(o2, 1, None, &["SN-1"]),
        &["serial number SN-1 of nb-1 was already received on PO-000001"],
    );
    refused(
        k.receive_as_rick(o1, 1, None, &["SN-2"]),
        &["serial number SN-2 of NB-1 was already received on PO-000001"],
    );
    refused(
        k.receive_as_rick(o2, 1, None, &["SN-9", "SN-9"]),
        &["serial number SN-9 is given twice"],
    );
    refused(
        k.receive_as_rick(o2, 1, Some(2), &["SN-9"]),
        &["line 1 (nb-1) is serialized: give one serial number per unit (2 units, 1 serial)"],
    );
    refused(
        k.receive_as_rick(o2, 1, None, &[]),
        &["line 1 (nb-1) is serialized: give one serial number per unit (1 unit, 0 serials)"],
    );
    refused(
        k.receive_as_rick(o1, 3, None, &["X"]),
        &["line 3 (CABLE) is not serialized; serial numbers are not recorded for it"],
    );
    refused(k.receive_as_rick(o1, 3, Some(0), &[]), &["quantity must be at least 1"]);
    refused(
        k.receive_as_rick(o1, 3, Some(6), &[]),
        &["line 3 of PO-000001 (CABLE) has 5 of 5 units left to receive; 6 is too many"],
    );
    refused(
        k.receive_as_rick(o1, 1, None, &["SN-3", "SN-4"]),
        &["line 1 of PO-000001 (NB-1) has 1 of 3 units left to receive; 2 is too many"],
    );
    refused(
        k.receive_as_rick(o1, 4, Some(1), &[]),
        &["PO-000001 has no line 4 (it has 3 lines)"],
    );
    refused(
        k.receive_as_rick(o1, 0, Some(1), &[]),
        &["PO-000001 has no line 0 (it has 3 lines)"],
    );
    refused(
        k.receive_as_rick(o1, 1, None, &[" "]),
        &["serial numbers cannot be empty"],
    );
    refused(
        k.receive_as_rick(PoNumber(7), 1, None, &[]),
        &["no purchase order PO-000007"],
    );
    k.assert_unchanged(&before);

    // Another product may carry the same serial.
    k.receive_as_rick(o1, 2, None, &["SN-1", "SN-2"]).unwrap();
    assert_eq!(owner("PH-1", "SN-1"), Some(o1));
    k.receive_as_rick(o1, 3, Some(4), &[]).unwrap();
    let r = k.receive_as_rick(o1, 3, None, &[]).unwrap();
    assert_eq!(r.receipt.quantity, 1, "no quantity and no serials is one unit");
    let r = k.receive_as_rick(o1, 1, None, &["SN-3"]).unwrap();
    assert_eq!(r.order.status(), OrderStatus::Completed);
    assert_eq!(r.order.progress(), "10/10");
    let before = k.snapshot();
    refused(
        k.receive_as_rick(o1, 3, Some(1), &[]),
        &["PO-000001 is Completed; receiving is only possible while it is Submitted, Email sent or Partial"],
    );
    k.assert_unchanged(&before);
    let e = k
        .audit(&AuditFilter {
            action: Some("receipt.add".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(e.len(), 5);
    assert_eq!(e[0].before, json!({"status": "submitted", "received": "0/10"}));
    assert_eq!(e[0].after["status"], json!("partial"));
    assert_eq!(e[0].after["receipt"]["serials"], json!(["SN-1", "SN-2"]));
}

#[test]
fn unreceive_frees_the_serial() {
    let k = Kit::new();
    let a = k.import(&QuoteJson::new("Q-1").serialized("1", "NB-1", 1, "900.00"));
    let b = k.import(&QuoteJson::new("Q-2").serialized("1", "NB-1", 1, "900.00"));
    let o1 = k.create(&a).number;
    let o2 = k.create(&b).number;
    k.place_manual(o1);
    k.place_manual(o2);
    let r = k.receive_as_rick(o1, 1, None, &["SN-7"]).unwrap();
    assert_eq!(r.order.status(), OrderStatus::Completed);
    refused(
        k.receive_as_rick(o2, 1, None, &["SN-7"]),
        &["serial number SN-7 of NB-1 was already received on PO-000001"],
    );

    k.clock.advance(10);
    let u = k.unreceive(&k.rick(), o1, r.receipt.id).unwrap();
    assert_eq!(u.receipt.serials, vec!["SN-7"]);
    assert_eq!(u.order.status(), OrderStatus::Submitted);
    assert_eq!(u.order.units_received(), 0);
    let kept = &k.order(o1).unwrap().receipts[0];
    assert_eq!(
        kept.undone.as_ref().map(|u| (u.by.as_str(), u.at)),
        Some(("rick", k.clock.now())),
        "kept, marked undone"
    );
    let owner = |s: &str| k.store().read(|tx| tx.serial_owner("NB-1", s)).unwrap();
    assert_eq!(owner("SN-7"), None);

    let before = k.snapshot();
    refused(
        k.unreceive(&k.rick(), o1, 1),
        &["receipt 1 of PO-000001 was already undone"],
    );
    refused(k.unreceive(&k.rick(), o1, 9), &["PO-000001 has no receipt 9"]);
    k.assert_unchanged(&before);

    let r2 = k.receive_as_rick(o2, 1, None, &["SN-7"]).unwrap();
    assert_eq!(owner("SN-7"), Some(o2));
    assert_eq!(r2.order.status(), OrderStatus::Completed);
    refused(
        k.receive_as_rick(o1, 1, None, &["SN-7"]),
        &["already received on PO-000002"],
    );
    let r3 = k.receive_as_rick(o1, 1, None, &["SN-8"]).unwrap();
    assert_eq!(r3.receipt.id, 2);
    let e = k
        .audit(&AuditFilter {
            action: Some("receipt.undo".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].before["status"], json!("completed"));
    assert_eq!(e[0].after, json!({"status": "submitted", "received": "0/1"}));
}

#[test]
fn a_serial_index_of_schema_1_is_rebuilt_under_keys_that_cannot_collide() {
    let mut k = Kit::new();
    let q1 = k.import(&QuoteJson::new("Q-1").serialized("1", "NB-1", 3, "900.00"));
    let q2 = k.import(&QuoteJson::new("Q-2").serialized("1", "PH-1", 2, "100.00"));
    let (o1, o2) = (k.create(&q1).number, k.create(&q2).number);
    k.place_manual(o1);
    k.place_manual(o2);
    k.receive_as_rick(o1, 1, None, &["SN-1", "SN-2"]).unwrap();
    let undone = k.receive_as_rick(o1, 1, None, &["SN-3"]).unwrap().receipt.id;
    k.unreceive(&k.rick(), o1, undone).unwrap();
    k.receive_as_rick(o2, 1, None, &["S9"]).unwrap();
    k.close();
    k.as_old_schema(1);

    // The file as schema 1 wrote it: product and serial joined with U+001F. Before SKUs
    // were checked, a quote could bring SKU `A<US>B` (US = U+001F); serial `C` of it had
    // the key of serial `B<US>C` of SKU `A`.
    const META: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("meta");
    const ORDERS: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("orders");
    const SERIALS: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("serials");
    let db = redb::Database::builder()
        .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter)
        .create(&k.path)
        .unwrap();
    let tx = db.begin_write().unwrap();
    {
        let mut orders = tx.open_table(ORDERS).unwrap();
        let mut order: serde_json::Value =
            serde_json::from_slice(redb::ReadableTable::get(&orders, o1.0).unwrap().unwrap().value()).unwrap();
        order["lines"][0]["sku"] = json!("A\u{1f}B");
        order["receipts"][0]["serials"] = json!(["C", "SN-2"]);
        orders
            .insert(o1.0, serde_json::to_vec(&order).unwrap().as_slice())
            .unwrap();
        let mut serials = tx.open_table(SERIALS).unwrap();
        serials.retain(|_, _| false).unwrap();
        for (key, po) in [
            ("A\u{1f}B\u{1f}C", o1),
            ("A\u{1f}B\u{1f}SN-2", o1),
            ("PH-1\u{1f}S9", o2),
        ] {
            serials.insert(key, po.0).unwrap();
        }
        tx.open_table(META).unwrap().insert("schema_version", 1).unwrap();
    }
    tx.commit().unwrap();
    drop(db);

    k.reopen();
    let owner = |sku: &str, s: &str| k.store().read(|tx| tx.serial_owner(sku, s)).unwrap();
    assert_eq!(owner("A\u{1f}B", "C"), Some(o1));
    assert_eq!(owner("A\u{1f}B", "SN-2"), Some(o1));
    assert_eq!(owner("A", "B\u{1f}C"), None, "another product's serial");
    assert_eq!(owner("A\u{1f}B", "SN-3"), None, "undone");
    assert_eq!(owner("PH-1", "S9"), Some(o2));
    assert_eq!(
        k.store().read(|tx| tx.schema_version()).unwrap(),
        Some(crate::store::SCHEMA_VERSION)
    );
    k.close();
    let db = redb::Database::builder()
        .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter)
        .create(&k.path)
        .unwrap();
    let tx = redb::ReadableDatabase::begin_read(&db).unwrap();
    let serials = tx.open_table(SERIALS).unwrap();
    let keys: Vec<String> = redb::ReadableTable::iter(&serials)
        .unwrap()
        .map(|row| row.unwrap().0.value().to_string())
        .collect();
    assert_eq!(
        keys,
        ["3:A\u{1f}BC", "3:A\u{1f}BSN-2", "4:PH-1S9"],
        "no key of schema 1 is left"
    );
    drop((serials, tx, db));

    // Receiving goes on under the new keys.
    k.reopen();
    refused(
        k.receive_as_rick(o2, 1, None, &["S9"]),
        &["serial number S9 of PH-1 was already received on PO-000002"],
    );
    k.receive_as_rick(o2, 1, None, &["S10"]).unwrap();
}
