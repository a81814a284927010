//! Import: quote files (JSON and CSV, from text or disk) become pending items of their
//! procurement lines only, a file imports whole or not at all, the same quote again
//! changes nothing, a changed quote under the same id is refused, and unreadable files
//! are refused with their name.

use super::*;

#[test]
fn import_makes_items_of_procurement_lines_only() {
    let k = Kit::new();
    let (name, text) = SAMPLES[0];
    let r = k.import_text(&k.alice(), name, text).unwrap();
    assert_eq!(
        r.quotes,
        vec![ImportOutcome::Imported {
            quote_id: "Q-2026-0142".into(),
            lines: 6,
            items: vec![1, 2, 3, 4],
            skipped: 2
        }]
    );
    assert_eq!(r.items_created(), 4);
    let items = k.list_items(&ItemFilter::default()).unwrap();
    let got: Vec<(&str, &str, u32)> = items
        .iter()
        .map(|i| (i.line_id.as_str(), i.sku.as_str(), i.quantity))
        .collect();
    // Line 4 is a service and line 6 opted out; line 5 is recurring but Pax8-linked.
    assert_eq!(
        got,
        vec![
            ("1", "20XW00A1NL", 3),
            ("2", "40AY0090EU", 3),
            ("3", "P24H-2L", 4),
            ("5", "CFQ-00004", 12)
        ]
    );
    assert_eq!(items[2].unit_cost, d("171.25"), "a JSON number is read exactly");
    assert_eq!(items[0].unit_price, d("1149.00"));
    assert!(items[0].serialized && !items[1].serialized);
    assert_eq!(items[0].customer_name, "Dentalcare West");
    assert_eq!(items[0].psa_company_id.as_deref(), Some("29683512"));
    assert_eq!(items[0].created_at, start_time());
    assert!(items.iter().all(|i| i.state == ItemState::Pending));

    let audit = k.audit(&AuditFilter::default()).unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].actor.as_str(), audit[0].action.as_str()),
        ("alice", "quote.import")
    );
    assert_eq!(audit[0].entity, "quote Q-2026-0142");
    assert_eq!(audit[0].after["items"], json!([1, 2, 3, 4]));
    assert_eq!(audit[0].after["file"], json!(name));
    assert_eq!(audit[0].at, start_time());
}

#[test]
fn a_file_with_one_bad_line_imports_nothing() {
    let k = Kit::new();
    k.import(&QuoteJson::new("Q-0").product("1", "X", 1, "1.00"));
    let before = k.snapshot();
    let bad = QuoteJson::new("Q-1")
        .product("1", "A", 2, "10.00")
        .product("2", "B", 3, "5.00")
        .line(json!({
            "line_id": "3", "kind": "product", "sku": "C", "description": "C",
            "quantity": 0, "unit_cost": "1.00", "unit_price": "1.00"
        }));
    let e = refused(
        k.import_text(&k.alice(), "bad.json", &bad.build()),
        &[
            "bad.json",
            "lines[3] (line_id \"3\").quantity",
            "must be a whole number greater than 0",
            "nothing was imported",
        ],
    );
    assert!(matches!(e, AppError::BadQuote { .. }), "{e:?}");
    assert_eq!(e.exit_code(), 1);
    k.assert_unchanged(&before);
    assert_eq!(k.list_items(&all()).unwrap().len(), 1);
    assert_eq!(k.audit(&AuditFilter::default()).unwrap().len(), 1);
}

#[test]
fn a_csv_file_is_imported_whole_or_not_at_all() {
    let k = Kit::new();
    // Q-B exists with other content: the CSV's Q-B is refused, and so is its good Q-A.
    k.import(&QuoteJson::new("Q-B").product("1", "B-1", 4, "10.00"));
    let before = k.snapshot();
    let csv = "quote_id,approved_at,currency,customer_id,customer_name,line_id,kind,sku,description,quantity,unit_cost,unit_price\n\
               Q-A,2026-11-20T09:30:00Z,EUR,C-1,One,1,product,A-1,Thing,2,10.00,12.00\n\
               Q-B,2026-11-20T09:30:00Z,EUR,C-1,One,1,product,B-1,Thing,3,10.00,12.00\n";
    let e = refused(
        k.import_text(&k.alice(), "two.csv", csv),
        &["two.csv", "quote Q-B was already imported", "different content"],
    );
    assert!(matches!(e, AppError::QuoteChanged { .. }), "{e:?}");
    k.assert_unchanged(&before);
    assert!(k.list_items(&all()).unwrap().iter().all(|i| i.quote_id != "Q-A"));

    // A bad amount on row 3 names the row's field; nothing of the file is imported.
    let bad = csv.replace("Q-B,", "Q-C,").replace("3,10.00,12.00", "3,10;00,12.00");
    refused(
        k.import_text(&k.alice(), "bad.csv", &bad),
        &["bad.csv", "unit_cost", "`10;00` is not a decimal amount"],
    );
    k.assert_unchanged(&before);

    // Without the conflict both quotes import in one go.
    let good = csv.replace("Q-B,", "Q-C,");
    let r = k.import_text(&k.alice(), "good.csv", &good).unwrap();
    assert_eq!(r.quotes.len(), 2);
    assert_eq!(r.items_created(), 2);
    assert_eq!(k.audit(&AuditFilter::default()).unwrap().len(), 3);
}

#[test]
fn importing_the_same_quote_again_changes_nothing() {
    let k = Kit::new();
    let (name, text) = SAMPLES[1];
    k.import_text(&k.alice(), name, text).unwrap();
    let before = k.snapshot();
    let again = k.import_text(&k.alice(), name, text).unwrap();
    assert_eq!(
        again.quotes,
        vec![ImportOutcome::Unchanged {
            quote_id: "Q-2026-0150".into()
        }]
    );
    assert_eq!(again.items_created(), 0);
    assert_same_state(&k.snapshot(), &before);
    // The same content laid out differently, under another name, is the same quote.
    let compact = serde_json::to_string(&serde_json::from_str::<serde_json::Value>(text).unwrap()).unwrap();
    let r = k.import_text(&k.carol(), "elsewhere/renamed.json", &compact).unwrap();
    assert_eq!(
        r.quotes,
        vec![ImportOutcome::Unchanged {
            quote_id: "Q-2026-0150".into()
        }]
    );
    assert_same_state(&k.snapshot(), &before);
    assert_eq!(k.audit(&AuditFilter::default()).unwrap().len(), 1);
}

#[test]
fn the_same_quote_id_with_different_content_is_refused() {
    let k = Kit::new();
    k.import(&QuoteJson::new("Q-7").product("1", "A", 2, "10.00"));
    let before = k.snapshot();
    let changed = QuoteJson::new("Q-7").product("1", "A", 3, "10.00");
    let e = refused(
        k.import_text(&k.alice(), "changed.json", &changed.build()),
        &[
            "changed.json",
            "quote Q-7 was already imported from Q-7.json with different content",
            "nothing was imported",
        ],
    );
    assert!(matches!(e, AppError::QuoteChanged { .. }));
    k.assert_unchanged(&before);
    assert_eq!(k.item(1).unwrap().quantity, 2);
}

#[test]
fn the_shipped_csv_sample_imports() {
    let k = Kit::new();
    let (name, text) = SAMPLES[3];
    let r = k.import_text(&k.alice(), name, text).unwrap();
    assert_eq!(r.items_created(), 2);
}

#[test]
fn a_csv_quote_file_imports_from_disk() {
    let k = Kit::new();
    let (name, text) = samples().swap_remove(3);
    let path = k.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let r = k.import_file(&k.alice(), &path).unwrap();
    assert_eq!(r.file, path.display().to_string());
    assert_eq!(
        r.quotes,
        vec![ImportOutcome::Imported {
            quote_id: "Q-2026-0161".into(),
            lines: 3,
            items: vec![1, 2],
            skipped: 1
        }]
    );
    let items = k.list_items(&ItemFilter::default()).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0].sku.as_str(), items[0].quantity, items[0].serialized),
        ("PHN-T54W", 12, true)
    );
    assert_eq!(
        (items[1].sku.as_str(), items[1].quantity, items[1].serialized),
        ("HS-BT-50", 4, false)
    );
    assert_eq!(items[0].unit_cost, d("119.00"));
    assert_eq!(items[0].distributor.as_deref(), Some("also"));
    assert_eq!(items[0].ean.as_deref(), Some("6938818301238"));
    assert_eq!(items[1].ean, None);
    // The stored quote keeps its ship-to for dropship orders.
    let stored = k.store().read(|tx| tx.quote("Q-2026-0161")).unwrap().unwrap();
    assert_eq!(stored.quote.ship_to.unwrap().city.as_deref(), Some("Den Haag"));
    assert_eq!(stored.imported_by, "alice");
}

#[test]
fn unreadable_files_are_refused_with_their_name() {
    let k = Kit::new();
    let before = k.snapshot();
    let missing = k.dir.path().join("nope.json");
    refused(
        k.import_file(&k.alice(), &missing),
        &["nope.json", "cannot read it", "nothing was imported"],
    );
    let binary = k.dir.path().join("latin1.json");
    std::fs::write(&binary, b"{\"quote_id\": \"Q-\xe9\"}").unwrap();
    refused(
        k.import_file(&k.alice(), &binary),
        &["latin1.json", "not UTF-8 text (byte 16)"],
    );
    k.assert_unchanged(&before);
}
