//! The database's integrity: values checked on read, older files sealed on open, `check`
//! finding what ties records together broken, and panics inside the store turned into
//! errors.

use super::*;
use crate::store::{OpenMode, Store, StoreError};
use redb::{ReadableTable, TableDefinition};

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const ORDERS: TableDefinition<u64, &[u8]> = TableDefinition::new("orders");
const ITEMS: TableDefinition<u64, &[u8]> = TableDefinition::new("items");
const SERIALS: TableDefinition<&str, u64> = TableDefinition::new("serials");

/// Two orders, one with serials received and one receipt undone.
fn scenario() -> (Kit, PoNumber, PoNumber) {
    let k = Kit::new();
    let q1 = k.import(&QuoteJson::new("Q-1").serialized("1", "NB-1", 3, "900.00"));
    let q2 = k.import(&QuoteJson::new("Q-2").serialized("1", "PH-1", 2, "100.00"));
    let (o1, o2) = (k.create(&q1).number, k.create(&q2).number);
    k.place_manual(o1);
    k.receive_as_rick(o1, 1, None, &["SN-1", "SN-2"]).unwrap();
    let undone = k.receive_as_rick(o1, 1, None, &["SN-3"]).unwrap().receipt.id;
    k.unreceive(&k.rick(), o1, undone).unwrap();
    (k, o1, o2)
}

#[test]
fn a_database_of_schema_2_gets_a_checksum_on_every_value_in_one_write() {
    let (mut k, _, _) = scenario();
    let orders = serde_json::to_string(&k.list_orders().unwrap()).unwrap();
    let items = serde_json::to_string(&k.store().read(|tx| tx.items()).unwrap()).unwrap();
    k.close();
    k.as_old_schema(2);
    k.reopen();
    assert_eq!(
        k.store().read(|tx| tx.schema_version()).unwrap(),
        Some(crate::store::SCHEMA_VERSION)
    );
    assert_eq!(serde_json::to_string(&k.list_orders().unwrap()).unwrap(), orders);
    assert_eq!(
        serde_json::to_string(&k.store().read(|tx| tx.items()).unwrap()).unwrap(),
        items
    );
    let report = k.check().unwrap();
    assert_eq!(report.problems, vec![], "every value sealed and readable");
    assert!(report.values > 10, "{report:?}");
    assert_eq!(k.verify_audit().unwrap().map(|r| r.entries), Ok(report.audit_entries));
}

#[test]
fn an_old_value_already_damaged_is_reported_not_sealed_as_good() {
    let (mut k, o1, _) = scenario();
    k.close();
    k.as_old_schema(2);
    k.behind_the_back(|tx| {
        tx.open_table(ORDERS)
            .unwrap()
            .insert(o1.0, &b"{\"number\": 1, trunc"[..])
            .unwrap();
    });
    let e = Store::open_as(&k.path, OpenMode::Existing).err().expect("refused");
    let text = e.to_string();
    assert!(text.contains("key 1 (table orders)"), "{text}");
    // Nothing was changed: still schema 2.
    let db = redb::Database::create(&k.path).unwrap();
    let tx = redb::ReadableDatabase::begin_read(&db).unwrap();
    let schema = tx
        .open_table(META)
        .unwrap()
        .get("schema_version")
        .unwrap()
        .unwrap()
        .value();
    assert_eq!(schema, 2);
}

#[test]
fn a_value_without_its_checksum_fails_the_read_naming_table_and_key_and_check_goes_on() {
    let (mut k, o1, _) = scenario();
    let sku = k.order(o1).unwrap().lines[0].sku.clone();
    k.close();
    k.behind_the_back(|tx| {
        let mut t = tx.open_table(ORDERS).unwrap();
        let bytes = t.get(o1.0).unwrap().unwrap().value().to_vec();
        // One letter of the SKU changed, the checksum left as it was.
        let text = String::from_utf8_lossy(&bytes[..bytes.len() - 4]).replace(&sku, "NB-7");
        let mut changed = text.into_bytes();
        changed.extend_from_slice(&bytes[bytes.len() - 4..]);
        t.insert(o1.0, changed.as_slice()).unwrap();
    });
    k.reopen();
    let e = k.list_orders().unwrap_err();
    assert_eq!(e.exit_code(), 3);
    let text = e.to_string();
    assert!(
        text.contains("key 1 (table orders)") && text.contains("checksum"),
        "{text}"
    );
    let report = k.check().unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.table == "orders" && p.key == "1" && p.message.contains("checksum")),
        "{report:?}"
    );
    // The other order, the items and the audit trail were still read.
    assert!(report.values > 5, "{report:?}");
}

#[test]
fn check_finds_the_serial_index_the_counters_and_the_items_out_of_step() {
    let (mut k, o1, _) = scenario();
    assert_eq!(k.check().unwrap().problems, vec![]);
    let item = k.order(o1).unwrap().lines[0].item_id;
    k.close();
    k.behind_the_back(|tx| {
        let mut serials = tx.open_table(SERIALS).unwrap();
        serials.remove("4:NB-1SN-1").unwrap();
        serials.insert("4:NB-1SN-9", o1.0).unwrap();
        serials.insert("4:NB-1SN-2", 7).unwrap();
        tx.open_table(META).unwrap().insert("next_po", 2).unwrap();
        // The item says it is pending, with a checksum that matches: only the cross-check
        // sees it.
        let mut items = tx.open_table(ITEMS).unwrap();
        let bytes = items.get(item).unwrap().unwrap().value().to_vec();
        let mut v: serde_json::Value = serde_json::from_slice(&bytes[..bytes.len() - 4]).unwrap();
        v["status"] = json!("pending");
        v.as_object_mut().unwrap().remove("po");
        let sealed = crate::store::sealed(&item.to_le_bytes(), serde_json::to_vec(&v).unwrap());
        items.insert(item, sealed.as_slice()).unwrap();
    });
    k.reopen();
    let problems = k.check().unwrap().problems;
    let has = |table: &str, key: &str, words: &str| {
        problems
            .iter()
            .any(|p| p.table == table && p.key == key && p.message.contains(words))
    };
    assert!(has("serials", "4:NB-1SN-1", "missing: receipt"), "{problems:#?}");
    assert!(has("serials", "4:NB-1SN-9", "no receipt of any order"), "{problems:#?}");
    assert!(has("serials", "4:NB-1SN-2", "points at PO-000007"), "{problems:#?}");
    assert!(has("meta", "next_po", "orders already uses id 2"), "{problems:#?}");
    assert!(
        has("items", &item.to_string(), "the item says it is pending"),
        "{problems:#?}"
    );
    // The item edited in the file also differs from the audit trail's last state of it.
    assert!(has("items", &item.to_string(), "audit trail"), "{problems:#?}");
    assert_eq!(problems.len(), 6, "{problems:#?}");
}

#[test]
fn a_panic_below_a_store_call_is_an_error_and_the_store_goes_on() {
    let k = Kit::new();
    let e = k
        .store()
        .read(|_| -> Result<(), StoreError> { panic!("a damaged page") })
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Damaged { message, .. } if message == "a damaged page"),
        "{e}"
    );
    assert!(e.to_string().contains("purser check"), "{e}");
    let e = k
        .store()
        .write(|_| -> Result<(), StoreError> { panic!("mid-write") })
        .unwrap_err();
    assert!(matches!(e, StoreError::Damaged { .. }));
    assert!(
        k.check().unwrap().clean(),
        "nothing half-written, and the store still works"
    );
}

#[test]
fn opening_refuses_a_missing_file_and_init_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo/purser.redb");
    let e = Store::open_as(&missing, OpenMode::Existing)
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("no database there") && e.contains("purser init --db"), "{e}");
    assert!(!missing.parent().unwrap().exists(), "no folder made");
    drop(Store::open_as(&missing, OpenMode::New).unwrap());
    let e = Store::open_as(&missing, OpenMode::New)
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("already exists"), "{e}");
    assert!(Store::open_as(&missing, OpenMode::Existing).is_ok());
}
