//! Service tests on real database files: every command, its refusals, and the invariants
//! of the architecture (quantity conserved, received never above ordered, serials unique
//! per product, a failed command changes nothing, committed work survives a reopen).

use super::audit::AuditFilter;
use super::outbox::LEASE;
use super::testkit::{refused, start_time, Kit, QuoteJson, Snapshot};
use super::*;
use crate::demo::SAMPLES;
use crate::domain::audit::{verify_chain, ChainBreak};
use crate::domain::item::ItemFilter;
use crate::domain::job::{Job, JobKind, JobState};
use crate::domain::order::{OrderEdit, Rejection};
use crate::domain::receiving::{serial_product_key, ReceiveRequest};
use crate::domain::{
    Address, ApprovalRule, ItemId, ItemState, OrderStatus, OrderType, PlacementMethod, PoNumber, Stage,
};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

fn d(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

fn rule(from: &str, to: Option<&str>, approver: &str) -> ApprovalRule {
    ApprovalRule {
        from: d(from),
        to: to.map(d),
        approver: approver.into(),
    }
}

fn all() -> ItemFilter {
    ItemFilter {
        all: true,
        ..Default::default()
    }
}

fn ids(items: &[crate::domain::PendingItem]) -> Vec<ItemId> {
    items.iter().map(|i| i.id).collect()
}

fn actions(k: &Kit) -> Vec<String> {
    k.audit(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn place_req(po: PoNumber, method: PlacementMethod) -> PlaceRequest {
    PlaceRequest { po, method, link: None }
}

/// Everything but the change counter (which any commit, even a no-op one, may move).
fn assert_same_state(a: &Snapshot, b: &Snapshot) {
    assert_eq!(a.audit, b.audit);
    assert_eq!(a.items, b.items);
    assert_eq!(a.orders, b.orders);
    assert_eq!(a.jobs, b.jobs);
    assert_eq!(a.rules, b.rules);
    assert_eq!(a.quotes, b.quotes);
}

/// The shipped samples, with the CSV's short service row (26 of 27 fields) repaired.
fn samples() -> Vec<(&'static str, String)> {
    SAMPLES
        .iter()
        .map(|(name, text)| (*name, text.replace("250.00,,true", "250.00,,,true")))
        .collect()
}

fn full_address() -> serde_json::Value {
    json!({"name": "Customer One", "street": "Kanaalweg 12", "city": "Utrecht", "postal_code": "3526 KL", "country": "NL"})
}

// ---------------------------------------------------------------------------------------
// Import

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
    assert_eq!(items[0].ean.as_deref(), Some("6938818301234"));
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

// ---------------------------------------------------------------------------------------
// Roles

#[test]
fn every_missing_role_is_refused_naming_user_action_and_role() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 4, "10.00")
            .serialized("2", "S", 2, "100.00")
            .product("3", "C", 1, "5.00")
            .product("4", "D", 2, "1.00")
            .product("5", "E", 3, "2.00"),
    );
    k.dismiss(&k.alice(), it[3], "not needed").unwrap();
    let pending_po = k.create(&[it[0]]).number;
    let placed = k.create(&[it[1]]).number;
    k.place_manual(placed);
    k.receive_as_rick(placed, 1, None, &["SN-1"]).unwrap();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let awaiting = k.create(&[it[2]]).number;
    assert_eq!(
        k.place(&k.alice(), place_req(awaiting, PlacementMethod::Manual))
            .unwrap()
            .outcome,
        "awaiting_approval"
    );
    let free = it[4];

    let (alice, carol, dave, rick, ada) = (k.alice(), k.carol(), k.dave(), k.rick(), k.ada());
    type Run<'a> = Box<dyn Fn() -> Result<(), AppError> + 'a>;
    let quote = QuoteJson::new("Q-9").product("1", "Z", 1, "1.00").build();
    let cases: Vec<(&crate::identity::Actor, &str, &str, Run<'_>)> = vec![
        (
            &dave,
            "import quotes",
            "buyer",
            Box::new(|| k.import_text(&dave, "q9.json", &quote).map(drop)),
        ),
        (
            &rick,
            "dismiss pending items",
            "buyer",
            Box::new(|| k.dismiss(&rick, free, "no").map(drop)),
        ),
        (
            &rick,
            "restore dismissed items",
            "buyer",
            Box::new(|| k.restore(&rick, it[3]).map(drop)),
        ),
        (
            &ada,
            "split pending items",
            "buyer",
            Box::new(|| k.split(&ada, free, 1).map(drop)),
        ),
        (
            &ada,
            "update item costs",
            "buyer",
            Box::new(|| k.set_item_cost(&ada, free, d("1.50"), "test").map(drop)),
        ),
        (
            &dave,
            "create purchase orders",
            "buyer",
            Box::new(|| {
                k.create_order(
                    &dave,
                    CreateOrder {
                        distributor: "ingram".into(),
                        items: vec![free],
                        ..Default::default()
                    },
                )
                .map(drop)
            }),
        ),
        (
            &rick,
            "change purchase orders",
            "buyer",
            Box::new(|| k.add_to_order(&rick, pending_po, &[free]).map(drop)),
        ),
        (
            &dave,
            "change purchase orders",
            "buyer",
            Box::new(|| k.remove_from_order(&dave, pending_po, &[it[0]]).map(drop)),
        ),
        (
            &rick,
            "edit purchase orders",
            "buyer",
            Box::new(|| {
                k.edit_order(
                    &rick,
                    pending_po,
                    OrderEdit {
                        notes: Some(Some("x".into())),
                        ..Default::default()
                    },
                )
                .map(drop)
            }),
        ),
        (
            &dave,
            "place purchase orders",
            "buyer",
            Box::new(|| k.place(&dave, place_req(pending_po, PlacementMethod::Manual)).map(drop)),
        ),
        (
            &alice,
            "reject purchase orders",
            "approver",
            Box::new(|| k.reject(&alice, awaiting, "no").map(drop)),
        ),
        (
            &rick,
            "cancel purchase orders",
            "buyer",
            Box::new(|| k.cancel(&rick, pending_po).map(drop)),
        ),
        (
            &alice,
            "receive goods",
            "receiver",
            Box::new(|| {
                k.receive(
                    &alice,
                    placed,
                    ReceiveRequest {
                        line: 1,
                        quantity: None,
                        serials: vec!["SN-2".into()],
                    },
                )
                .map(drop)
            }),
        ),
        (
            &carol,
            "undo receipts",
            "receiver",
            Box::new(|| k.unreceive(&carol, placed, 1).map(drop)),
        ),
        (
            &alice,
            "edit approval rules",
            "admin",
            Box::new(|| k.add_rule(&alice, rule("1", None, "dave")).map(drop)),
        ),
        (
            &carol,
            "edit approval rules",
            "admin",
            Box::new(|| k.remove_rule(&carol, 1).map(drop)),
        ),
        (
            &rick,
            "edit approval rules",
            "admin",
            Box::new(|| k.clear_rules(&rick).map(drop)),
        ),
        (
            &rick,
            "retry background jobs",
            "buyer",
            Box::new(|| k.retry_job(&rick, 1).map(drop)),
        ),
    ];
    for (who, action, role, run) in &cases {
        let before = k.snapshot();
        let e = refused(
            run(),
            &[
                &format!("{} may not {action}", who.name),
                &format!("that needs the {role} role"),
                &format!("and {} has {}", who.name, who.roles),
            ],
        );
        assert!(
            matches!(e, AppError::Rule(crate::domain::RuleError::MissingRole { .. })),
            "{e:?}"
        );
        k.assert_unchanged(&before);
    }
    assert_eq!(cases.len(), 18);
    // rick holds only the receiver role, and the message says so.
    let e = k.cancel(&rick, pending_po).unwrap_err().to_string();
    assert_eq!(
        e,
        "rick may not cancel purchase orders: that needs the buyer role, and rick has receiver"
    );
}

// ---------------------------------------------------------------------------------------
// Pending items

#[test]
fn dismiss_needs_a_reason_and_restore_returns_the_item() {
    let k = Kit::new();
    let id = k.import(&QuoteJson::new("Q-1").product("1", "A", 5, "10.00"))[0];
    let before = k.snapshot();
    refused(
        k.dismiss(&k.alice(), id, "   "),
        &["a reason is required to dismiss an item"],
    );
    k.assert_unchanged(&before);

    k.clock.advance(60);
    let it = k.dismiss(&k.alice(), id, "  customer buys it elsewhere ").unwrap();
    assert_eq!(
        it.state,
        ItemState::Dismissed {
            reason: "customer buys it elsewhere".into(),
            by: "alice".into(),
            at: k.clock.now()
        }
    );
    assert_eq!(k.list_items(&ItemFilter::default()).unwrap(), vec![]);
    assert_eq!(
        ids(&k
            .list_items(&ItemFilter {
                dismissed_only: true,
                ..Default::default()
            })
            .unwrap()),
        vec![id]
    );
    assert_eq!(ids(&k.list_items(&all()).unwrap()), vec![id]);

    let before = k.snapshot();
    refused(
        k.dismiss(&k.alice(), id, "again"),
        &["item 1 is dismissed; dismissing needs a pending item"],
    );
    refused(
        k.split(&k.alice(), id, 1),
        &["item 1 is dismissed; splitting needs a pending item"],
    );
    refused(
        k.create_order(
            &k.alice(),
            CreateOrder {
                distributor: "ingram".into(),
                items: vec![id],
                ..Default::default()
            },
        ),
        &["item 1 is dismissed; ordering needs a pending item"],
    );
    k.assert_unchanged(&before);

    let it = k.restore(&k.alice(), id).unwrap();
    assert_eq!(it.state, ItemState::Pending);
    assert_eq!(ids(&k.list_items(&ItemFilter::default()).unwrap()), vec![id]);
    let before = k.snapshot();
    refused(
        k.restore(&k.alice(), id),
        &["item 1 is not dismissed; only dismissed items can be restored"],
    );
    refused(k.restore(&k.alice(), 42), &["no pending item with id 42"]);
    k.assert_unchanged(&before);

    let audit = k.audit(&AuditFilter::default()).unwrap();
    assert_eq!(actions(&k), vec!["quote.import", "item.dismiss", "item.restore"]);
    assert_eq!(audit[1].entity, "item 1");
    assert_eq!(audit[1].before["status"], json!("pending"));
    assert_eq!(audit[1].after["status"], json!("dismissed"));
    assert_eq!(audit[1].after["dismissed_reason"], json!("customer buys it elsewhere"));
    assert_eq!(audit[2].after["status"], json!("pending"));
}

#[test]
fn split_divides_an_item_and_a_refusal_takes_no_id() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 5, "10.00")
            .product("2", "B", 1, "3.00"),
    );
    let before = k.snapshot();
    refused(
        k.split(&k.alice(), it[0], 0),
        &["item 1 has quantity 5; a split must leave at least 1 on each side (choose 1 to 4)"],
    );
    refused(k.split(&k.alice(), it[0], 5), &["item 1 has quantity 5"]);
    refused(k.split(&k.alice(), it[1], 1), &["item 2 has quantity 1"]);
    refused(k.split(&k.alice(), 99, 1), &["no pending item with id 99"]);
    k.assert_unchanged(&before);

    k.clock.advance(5);
    let (rest, part) = k.split(&k.alice(), it[0], 2).unwrap();
    assert_eq!((rest.id, rest.quantity, rest.split_from), (1, 3, None));
    assert_eq!(
        (part.id, part.quantity, part.split_from),
        (3, 2, Some(1)),
        "the refused splits took no id"
    );
    assert_eq!(
        (part.quote_id.as_str(), part.line_id.as_str(), part.unit_cost),
        ("Q-1", "1", d("10.00"))
    );
    assert_eq!(part.created_at, k.clock.now());
    assert_eq!(k.item(1).unwrap().quantity, 3);
    assert_eq!(k.item(3).unwrap().quantity, 2);
    // Order 3 from one distributor and 2 from another.
    let a = k.create_at("ingram", &[1]);
    let b = k.create_at("tdsynnex", &[3]);
    assert_eq!((a.lines[0].quantity, b.lines[0].quantity), (3, 2));
    assert_eq!((a.total(), b.total()), (d("30.00"), d("20.00")));
    let audit = k
        .audit(&AuditFilter {
            action: Some("item.split".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].before["quantity"], json!(5));
    assert_eq!(audit[0].after["rest"]["quantity"], json!(3));
    assert_eq!(audit[0].after["split"]["id"], json!(3));
}

#[test]
fn a_cost_update_records_old_and_new() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 2, "10.00")
            .product("2", "B", 1, "3.00"),
    );
    let (old, new) = k
        .set_item_cost(&k.alice(), it[0], d("9.75"), "ingram price and availability")
        .unwrap();
    assert_eq!((old.unit_cost, new.unit_cost), (d("10.00"), d("9.75")));
    assert_eq!(k.item(it[0]).unwrap().unit_cost, d("9.75"));
    let e = k
        .audit(&AuditFilter {
            action: Some("item.cost".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(e[0].before, json!({"unit_cost": "10.00"}));
    assert_eq!(
        e[0].after,
        json!({"unit_cost": "9.75", "source": "ingram price and availability"})
    );
    k.create(&[it[1]]);
    let before = k.snapshot();
    refused(
        k.set_item_cost(&k.alice(), it[1], d("1"), "x"),
        &["item 2 is on PO-000001; updating the cost needs a pending item"],
    );
    k.assert_unchanged(&before);
}

#[test]
fn a_cost_or_shipping_beyond_the_largest_amount_is_refused() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 2, "10.00")
            .product("2", "B", 1, "1.00"),
    );
    let po = k.create(&[it[1]]).number;
    let before = k.snapshot();
    // A distributor's price answer goes through the same door as a person's.
    refused(
        k.set_item_cost(&k.alice(), it[0], d("10000000000000"), "ingram price and availability"),
        &["a unit cost", "more than the largest amount Purser takes"],
    );
    refused(
        k.edit_order(
            &k.alice(),
            po,
            OrderEdit {
                shipping: Some(d("1000000000000.01")),
                ..Default::default()
            },
        ),
        &["shipping", "more than the largest amount Purser takes"],
    );
    k.assert_unchanged(&before);
}

// ---------------------------------------------------------------------------------------
// Creating orders

#[test]
fn creating_an_order_puts_its_items_on_it() {
    let k = Kit::new();
    let a = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 2, "10.50")
            .serialized("2", "S", 1, "100.00"),
    );
    let b = k.import(
        &QuoteJson::new("Q-2")
            .customer("C-2", "Customer Two", "502")
            .product("1", "B", 3, "1.10"),
    );
    let o = k
        .create_order(
            &k.alice(),
            CreateOrder {
                distributor: "ingram".into(),
                items: vec![a[1], b[0], a[0]],
                special_bid: Some("  SB-77 ".into()),
                notes: Some("   ".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(o.number, PoNumber(1));
    assert_eq!(o.number.to_string(), "PO-000001");
    assert_eq!(o.status(), OrderStatus::Pending);
    assert_eq!(o.item_ids(), vec![a[1], b[0], a[0]]);
    assert_eq!(o.total(), d("124.30"));
    assert_eq!(
        (o.currency.as_str(), o.created_by.as_str(), o.created_at),
        ("EUR", "alice", start_time())
    );
    assert_eq!(o.special_bid.as_deref(), Some("SB-77"));
    assert_eq!(o.notes, None);
    assert_eq!(o.order_type, OrderType::Wholesale);
    for id in [a[0], a[1], b[0]] {
        assert_eq!(k.item(id).unwrap().state, ItemState::Ordered { po: PoNumber(1) });
    }
    assert_eq!(k.order(PoNumber(1)).unwrap(), o);
    let audit = k
        .audit(&AuditFilter {
            po: Some(PoNumber(1)),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "po.create");
    assert_eq!(audit[0].before, json!(null));
    assert_eq!(audit[0].after["number"], json!("PO-000001"));
}

#[test]
fn an_unknown_distributor_lists_the_configured_ones() {
    let k = Kit::new();
    let it = k.import(&QuoteJson::new("Q-1").product("1", "A", 2, "10.00"));
    let before = k.snapshot();
    refused(
        k.create_order(
            &k.alice(),
            CreateOrder {
                distributor: "ingrm".into(),
                items: it.clone(),
                ..Default::default()
            },
        ),
        &["no distributor `ingrm` is configured; configured: ingram, tdsynnex"],
    );
    k.assert_unchanged(&before);
}

#[test]
fn create_refuses_empty_duplicate_unknown_and_ordered_items_and_takes_no_number() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 2, "10.00")
            .product("2", "B", 1, "1.00"),
    );
    let req = |items: Vec<ItemId>| CreateOrder {
        distributor: "ingram".into(),
        items,
        ..Default::default()
    };
    let before = k.snapshot();
    refused(
        k.create_order(&k.alice(), req(vec![])),
        &["an order needs at least one item"],
    );
    refused(
        k.create_order(&k.alice(), req(vec![it[0], it[0]])),
        &["item 1 is listed twice"],
    );
    refused(
        k.create_order(&k.alice(), req(vec![it[0], 99])),
        &["no pending item with id 99"],
    );
    k.assert_unchanged(&before);
    assert_eq!(k.create(&[it[0]]).number, PoNumber(1));
    let before = k.snapshot();
    refused(
        k.create_order(&k.alice(), req(vec![it[1], it[0]])),
        &["item 1 is on PO-000001; ordering needs a pending item"],
    );
    k.assert_unchanged(&before);
    assert_eq!(k.create(&[it[1]]).number, PoNumber(2), "refusals take no order number");
}

#[test]
fn one_order_has_one_currency() {
    let k = Kit::new();
    let eur = k.import(&QuoteJson::new("Q-E").product("1", "A", 1, "10.00"))[0];
    let usd = k.import(&QuoteJson::new("Q-U").currency("USD").product("1", "B", 1, "12.00"))[0];
    let before = k.snapshot();
    refused(
        k.create_order(
            &k.alice(),
            CreateOrder {
                distributor: "ingram".into(),
                items: vec![eur, usd],
                ..Default::default()
            },
        ),
        &["item 2 is in USD but", "is in EUR; one order has one currency"],
    );
    k.assert_unchanged(&before);
    let o = k.create(&[usd]);
    assert_eq!((o.number, o.currency.as_str()), (PoNumber(1), "USD"));
    let before = k.snapshot();
    refused(
        k.add_to_order(&k.alice(), o.number, &[eur]),
        &["item 1 is in EUR but PO-000001 is in USD"],
    );
    k.assert_unchanged(&before);
}

#[test]
fn a_mixed_currency_refusal_on_create_names_no_made_up_order_number() {
    let k = Kit::new();
    let eur = k.import(&QuoteJson::new("Q-E").product("1", "A", 1, "10.00"))[0];
    let usd = k.import(&QuoteJson::new("Q-U").currency("USD").product("1", "B", 1, "12.00"))[0];
    let e = k
        .create_order(
            &k.alice(),
            CreateOrder {
                distributor: "ingram".into(),
                items: vec![eur, usd],
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(!e.contains(&PoNumber(u64::MAX).to_string()), "{e}");
    assert!(e.contains("item 2 is in USD but the order is in EUR"), "{e}");
}

#[test]
fn with_halopsa_one_order_belongs_to_one_company() {
    let quotes = [
        QuoteJson::new("Q-A").product("1", "A", 1, "10.00"),
        QuoteJson::new("Q-B")
            .customer("C-2", "Customer Two", "502")
            .product("1", "B", 1, "10.00"),
        QuoteJson::new("Q-C").product("1", "C", 1, "10.00"),
    ];
    let k = Kit::halopsa();
    let it: Vec<ItemId> = quotes.iter().map(|q| k.import(q)[0]).collect();
    let before = k.snapshot();
    refused(
        k.create_order(
            &k.alice(),
            CreateOrder {
                distributor: "ingram".into(),
                items: vec![it[0], it[1]],
                ..Default::default()
            },
        ),
        &[
            "item 2 belongs to customer Customer Two but the order is for Customer One",
            "with HaloPSA",
        ],
    );
    k.assert_unchanged(&before);
    // Two quotes of one company share an order.
    let o = k.create(&[it[0], it[2]]);
    let before = k.snapshot();
    refused(
        k.add_to_order(&k.alice(), o.number, &[it[1]]),
        &["belongs to customer Customer Two"],
    );
    k.assert_unchanged(&before);

    // Without HaloPSA the same order is fine.
    let k = Kit::new();
    let it: Vec<ItemId> = quotes.iter().map(|q| k.import(q)[0]).collect();
    assert_eq!(k.create(&[it[0], it[1]]).lines.len(), 2);
}

#[test]
fn with_halopsa_customers_without_a_psa_company_still_differ() {
    let k = Kit::halopsa();
    let a = QuoteJson::new("Q-A")
        .customer("C-1", "Customer One", "")
        .product("1", "A", 1, "10.00");
    let b = QuoteJson::new("Q-B")
        .customer("C-2", "Customer Two", "")
        .product("1", "B", 1, "10.00");
    let (a, b) = (k.import(&a)[0], k.import(&b)[0]);
    assert_eq!(
        (k.item(a).unwrap().psa_company_id, k.item(b).unwrap().psa_company_id),
        (None, None)
    );
    let before = k.snapshot();
    refused(
        k.create_order(
            &k.alice(),
            CreateOrder {
                distributor: "ingram".into(),
                items: vec![a, b],
                ..Default::default()
            },
        ),
        &["item 2 belongs to customer Customer Two but the order is for Customer One"],
    );
    k.assert_unchanged(&before);
}

#[test]
fn dropship_defaults_to_the_quotes_ship_to() {
    let k = Kit::new();
    let with = k.import(
        &QuoteJson::new("Q-S")
            .ship_to(full_address())
            .product("1", "A", 1, "10.00")
            .product("2", "B", 1, "1.00"),
    );
    let without = k.import(&QuoteJson::new("Q-N").product("1", "C", 1, "10.00"))[0];
    let dropship = |items: Vec<ItemId>, ship_to: Option<Address>| CreateOrder {
        distributor: "ingram".into(),
        order_type: OrderType::Dropship,
        ship_to,
        items,
        ..Default::default()
    };
    let o = k.create_order(&k.alice(), dropship(vec![with[0]], None)).unwrap();
    let expected: Address = serde_json::from_value(full_address()).unwrap();
    assert_eq!(o.order_type, OrderType::Dropship);
    assert_eq!(o.ship_to, Some(expected.clone()));

    let before = k.snapshot();
    refused(
        k.create_order(&k.alice(), dropship(vec![without], None)),
        &["a dropship order needs a ship-to address: none was given and the quote Q-N has none"],
    );
    let partial = Address {
        name: Some("Dock 4".into()),
        city: Some("Delft".into()),
        ..Default::default()
    };
    refused(
        k.create_order(&k.alice(), dropship(vec![without], Some(partial))),
        &["the ship-to address lacks street, postal_code, country"],
    );
    k.assert_unchanged(&before);

    // A given address wins over the quote's.
    let other = Address {
        street: Some("Other 1".into()),
        ..expected.clone()
    };
    let o = k
        .create_order(&k.alice(), dropship(vec![with[1]], Some(other.clone())))
        .unwrap();
    assert_eq!(o.ship_to, Some(other));
    // Wholesale takes no address from the quote.
    k.cancel(&k.alice(), o.number).unwrap();
    assert_eq!(k.create(&[with[1]]).ship_to, None);
}

// ---------------------------------------------------------------------------------------
// Changing orders

#[test]
fn add_and_remove_move_items_between_pool_and_order() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 1, "1.00")
            .product("2", "B", 2, "2.00")
            .product("3", "C", 3, "3.00"),
    );
    let po = k.create(&[it[0]]).number;
    let o = k.add_to_order(&k.alice(), po, &[it[1], it[2]]).unwrap();
    assert_eq!(o.item_ids(), vec![1, 2, 3]);
    assert_eq!(o.total(), d("14.00"));
    assert!(ids(&k.list_items(&ItemFilter::default()).unwrap()).is_empty());

    let o = k.remove_from_order(&k.alice(), po, &[it[1]]).unwrap();
    assert_eq!(o.item_ids(), vec![1, 3]);
    assert_eq!(k.item(it[1]).unwrap().state, ItemState::Pending);
    assert_eq!(k.order(po).unwrap().item_ids(), vec![1, 3]);

    let before = k.snapshot();
    refused(
        k.remove_from_order(&k.alice(), po, &[it[1]]),
        &["item 2 is not on PO-000001"],
    );
    refused(
        k.remove_from_order(&k.alice(), po, &[it[0], it[2]]),
        &["removing item 1 would leave PO-000001 empty; cancel the order instead"],
    );
    refused(
        k.remove_from_order(&k.alice(), po, &[it[0], it[0]]),
        &["item 1 is listed twice"],
    );
    refused(
        k.add_to_order(&k.alice(), po, &[it[0]]),
        &["item 1 is on PO-000001; ordering needs a pending item"],
    );
    refused(k.add_to_order(&k.alice(), po, &[77]), &["no pending item with id 77"]);
    refused(
        k.add_to_order(&k.alice(), PoNumber(9), &[it[1]]),
        &["no purchase order PO-000009"],
    );
    k.assert_unchanged(&before);

    k.place_manual(po);
    let before = k.snapshot();
    refused(
        k.add_to_order(&k.alice(), po, &[it[1]]),
        &["PO-000001 is Submitted; adding items is only possible while it is Pending"],
    );
    refused(
        k.remove_from_order(&k.alice(), po, &[it[2]]),
        &["PO-000001 is Submitted; removing items is only possible while it is Pending"],
    );
    refused(
        k.edit_order(
            &k.alice(),
            po,
            OrderEdit {
                notes: Some(Some("late".into())),
                ..Default::default()
            },
        ),
        &["editing is only possible while it is Pending"],
    );
    k.assert_unchanged(&before);

    let audit = k
        .audit(&AuditFilter {
            po: Some(po),
            ..Default::default()
        })
        .unwrap();
    let got: Vec<(&str, &serde_json::Value, &serde_json::Value)> = audit
        .iter()
        .map(|e| (e.action.as_str(), &e.before, &e.after))
        .skip(1)
        .take(2)
        .collect();
    assert_eq!(
        got,
        vec![
            ("po.add", &json!([1]), &json!([1, 2, 3])),
            ("po.remove", &json!([1, 2, 3]), &json!([1, 3]))
        ]
    );
}

#[test]
fn editing_a_pending_order_changes_its_header() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .ship_to(full_address())
            .product("1", "A", 1, "1.00"),
    );
    let po = k.create(&it).number;
    let o = k
        .edit_order(
            &k.alice(),
            po,
            OrderEdit {
                order_type: Some(OrderType::Dropship),
                notes: Some(Some(" ring the bell ".into())),
                special_bid: Some(Some("SB-1".into())),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(o.order_type, OrderType::Dropship);
    assert_eq!(o.ship_to.as_ref().and_then(|a| a.city.as_deref()), Some("Utrecht"));
    assert_eq!(
        (o.notes.as_deref(), o.special_bid.as_deref()),
        (Some("ring the bell"), Some("SB-1"))
    );
    let o = k
        .edit_order(
            &k.alice(),
            po,
            OrderEdit {
                notes: Some(None),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(o.notes, None);
    assert_eq!(k.order(po).unwrap(), o);
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.edit"));
}

// ---------------------------------------------------------------------------------------
// Approval

#[test]
fn approval_flow_from_request_to_placement() {
    let k = Kit::new();
    k.add_rule(&k.ada(), rule("0", Some("1000"), "dave")).unwrap();
    k.add_rule(&k.ada(), rule("1000.01", None, "carol")).unwrap();
    let it = k.import(&QuoteJson::new("Q-1").product("1", "A", 2, "1500.00"));
    let po = k.create(&it).number;

    let r = k.place(&k.alice(), place_req(po, PlacementMethod::Manual)).unwrap();
    assert_eq!((r.outcome, r.approver.as_deref()), ("awaiting_approval", Some("carol")));
    assert_eq!(r.order.status(), OrderStatus::AwaitingApproval);
    assert!(
        matches!(&r.order.stage, Stage::AwaitingApproval { approver, requested_by, total, .. }
        if approver == "carol" && requested_by == "alice" && *total == d("3000.00"))
    );
    let jobs = k.jobs().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0].kind,
        JobKind::NotifyApprover {
            po,
            approver: "carol".into()
        }
    );
    assert_eq!(
        jobs[0].state,
        JobState::Queued {
            not_before: start_time()
        }
    );
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.request_approval"));

    // Nobody but carol places or rejects it.
    let before = k.snapshot();
    let not_yours = "PO-000001 is awaiting approval by carol; only carol can place or reject it";
    refused(k.place(&k.dave(), place_req(po, PlacementMethod::Manual)), &[not_yours]);
    refused(
        k.place(&k.alice(), place_req(po, PlacementMethod::Manual)),
        &[not_yours],
    );
    refused(k.place(&k.rick(), place_req(po, PlacementMethod::Manual)), &[not_yours]);
    refused(k.reject(&k.dave(), po, "too much"), &[not_yours]);
    refused(
        k.reject(&k.carol(), po, "  "),
        &["a reason is required to reject an order"],
    );
    k.assert_unchanged(&before);

    // Rejected: back to pending with the reason, and the creator is told.
    k.clock.advance(300);
    let o = k.reject(&k.carol(), po, " over budget ").unwrap();
    assert_eq!(o.status(), OrderStatus::Pending);
    assert_eq!(
        o.rejections,
        vec![Rejection {
            by: "carol".into(),
            at: k.clock.now(),
            reason: "over budget".into()
        }]
    );
    let jobs = k.jobs().unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(
        jobs[1].kind,
        JobKind::NotifyRejection {
            po,
            creator: "alice".into(),
            reason: "over budget".into()
        }
    );
    let last = k.audit(&AuditFilter::default()).unwrap().pop().unwrap();
    assert_eq!((last.action.as_str(), last.actor.as_str()), ("po.reject", "carol"));
    assert_eq!(last.after["reason"], json!("over budget"));
    // Pending again: items can change.
    assert_eq!(k.order(po).unwrap().rejections.len(), 1);

    // Asked again; the approver's placement is the approval.
    assert_eq!(
        k.place(&k.alice(), place_req(po, PlacementMethod::Manual))
            .unwrap()
            .outcome,
        "awaiting_approval"
    );
    assert_eq!(k.jobs().unwrap().len(), 3);
    let before = k.snapshot();
    refused(
        k.place(&k.carol(), place_req(po, PlacementMethod::Email)),
        &["email submission to Ingram Micro is not available yet"],
    );
    k.assert_unchanged(&before);
    let r = k
        .place(
            &k.carol(),
            PlaceRequest {
                po,
                method: PlacementMethod::Manual,
                link: Some(" https://portal.example/o/1 ".into()),
            },
        )
        .unwrap();
    assert_eq!((r.outcome, r.approver.as_deref()), ("placed", Some("carol")));
    assert_eq!(r.order.status(), OrderStatus::Submitted);
    let sub = r.order.submission().unwrap();
    assert_eq!((sub.by.as_str(), sub.approved_by.as_deref()), ("carol", Some("carol")));
    assert_eq!(sub.link.as_deref(), Some("https://portal.example/o/1"));
    assert_eq!(sub.method, PlacementMethod::Manual);
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.approve_and_place"));
    let before = k.snapshot();
    refused(
        k.place(&k.carol(), place_req(po, PlacementMethod::Manual)),
        &["PO-000001 is Submitted; placing is only possible while it is Pending or Awaiting approval"],
    );
    refused(
        k.reject(&k.carol(), po, "late"),
        &["PO-000001 is Submitted; rejecting is only possible while it is Awaiting approval"],
    );
    k.assert_unchanged(&before);
}

#[test]
fn rules_are_copied_when_the_order_is_created() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 1, "500.00")
            .product("2", "B", 1, "500.00")
            .product("3", "C", 1, "500.00"),
    );
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let first = k.create(&[it[0]]).number;
    k.clear_rules(&k.ada()).unwrap();
    k.add_rule(&k.ada(), rule("0", None, "dave")).unwrap();
    let second = k.create(&[it[1]]).number;

    assert_eq!(k.order(first).unwrap().rules, vec![rule("0", None, "carol")]);
    let r = k.place(&k.alice(), place_req(first, PlacementMethod::Manual)).unwrap();
    assert_eq!(
        r.approver.as_deref(),
        Some("carol"),
        "the rules of the order's creation decide"
    );
    let r = k.place(&k.alice(), place_req(second, PlacementMethod::Manual)).unwrap();
    assert_eq!(r.approver.as_deref(), Some("dave"));

    // Created without rules: no approval, whatever the rules say now.
    k.clear_rules(&k.ada()).unwrap();
    let third = k.create(&[it[2]]).number;
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let r = k.place(&k.alice(), place_req(third, PlacementMethod::Manual)).unwrap();
    assert_eq!((r.outcome, r.approver), ("placed", None));
    assert_eq!(k.rules().unwrap(), vec![rule("0", None, "carol")]);
}

#[test]
fn the_creator_never_approves_their_own_order() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 1, "50.00")
            .product("2", "B", 1, "50.00"),
    );
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    k.add_rule(&k.ada(), rule("0", None, "dave")).unwrap();
    let carol = k.carol();
    let po = k
        .create_order(
            &carol,
            CreateOrder {
                distributor: "ingram".into(),
                items: vec![it[0]],
                ..Default::default()
            },
        )
        .unwrap()
        .number;
    // The rule naming carol is skipped: dave decides.
    let r = k.place(&carol, place_req(po, PlacementMethod::Manual)).unwrap();
    assert_eq!((r.outcome, r.approver.as_deref()), ("awaiting_approval", Some("dave")));
    let before = k.snapshot();
    refused(
        k.place(&carol, place_req(po, PlacementMethod::Manual)),
        &["only dave can place or reject it"],
    );
    k.assert_unchanged(&before);
    let r = k.place(&k.dave(), place_req(po, PlacementMethod::Skip)).unwrap();
    assert_eq!(r.order.submission().unwrap().approved_by.as_deref(), Some("dave"));

    // When the only matching rule names the creator, no approval is needed.
    k.clear_rules(&k.ada()).unwrap();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let po = k
        .create_order(
            &carol,
            CreateOrder {
                distributor: "ingram".into(),
                items: vec![it[1]],
                ..Default::default()
            },
        )
        .unwrap()
        .number;
    let r = k.place(&carol, place_req(po, PlacementMethod::Manual)).unwrap();
    assert_eq!((r.outcome, r.approver), ("placed", None));
    assert_eq!(r.order.submission().unwrap().approved_by, None);
}

#[test]
fn an_approver_who_is_also_a_buyer_places_directly() {
    let k = Kit::new();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "50.00")))
        .number;
    let r = k.place(&k.carol(), place_req(po, PlacementMethod::Manual)).unwrap();
    assert_eq!((r.outcome, r.approver.as_deref()), ("placed", Some("carol")));
    assert!(k.jobs().unwrap().is_empty(), "no one to notify");
    // Placing it approved it: the trail says so, so a search for approvals finds it.
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.approve_and_place"));
}

#[test]
fn rule_edits_are_checked() {
    let k = Kit::new();
    let before = k.snapshot();
    refused(
        k.add_rule(&k.ada(), rule("0", None, "zed")),
        &["no user `zed` is configured"],
    );
    refused(
        k.add_rule(&k.ada(), rule("0", None, "rick")),
        &["rick cannot approve orders: an approver needs the approver role"],
    );
    refused(
        k.add_rule(&k.ada(), rule("5000", Some("1000"), "carol")),
        &["rule amounts: from 5000 is above to 1000"],
    );
    refused(k.remove_rule(&k.ada(), 1), &["no approval rule 1; there are 0"]);
    k.assert_unchanged(&before);
    k.add_rule(&k.ada(), rule("0", Some("1000"), "carol")).unwrap();
    let rules = k.add_rule(&k.ada(), rule("1000.01", None, "dave")).unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(k.remove_rule(&k.ada(), 1).unwrap(), vec![rule("1000.01", None, "dave")]);
    let e = k
        .audit(&AuditFilter {
            action: Some("rules.".into()),
            ..Default::default()
        })
        .unwrap();
    let got: Vec<&str> = e.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(got, vec!["rules.add", "rules.add", "rules.remove"]);
    assert_eq!(e[2].before.as_array().map(Vec::len), Some(2));
    assert_eq!(e[2].after, json!([{"from": "1000.01", "to": null, "approver": "dave"}]));
}

// ---------------------------------------------------------------------------------------
// Placing

#[test]
fn placing_by_api_or_email_is_refused_and_changes_nothing() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 1, "50.00")
            .product("2", "B", 1, "5.00"),
    );
    let at_ingram = k.create(&[it[0]]).number;
    let at_td = k.create_at("tdsynnex", &[it[1]]).number;
    let before = k.snapshot();
    let e = refused(
        k.place(&k.alice(), place_req(at_ingram, PlacementMethod::Email)),
        &["email submission to Ingram Micro is not available yet: no [smtp] server is configured; nothing was changed"],
    );
    assert!(matches!(e, AppError::NotAvailable { .. }));
    refused(
        k.place(&k.alice(), place_req(at_td, PlacementMethod::Email)),
        &["email submission to TD SYNNEX is not available yet: [distributors.tdsynnex] has no email addresses"],
    );
    refused(
        k.place(&k.alice(), place_req(at_td, PlacementMethod::Api)),
        &[
            "API submission to TD SYNNEX is not available yet",
            "--via manual",
            "nothing was changed",
        ],
    );
    k.assert_unchanged(&before);
    assert_eq!(k.order(at_ingram).unwrap().status(), OrderStatus::Pending);

    // Skipping the distributor places it (PSA only), and cancelling it needs no warning.
    let r = k.place(&k.alice(), place_req(at_td, PlacementMethod::Skip)).unwrap();
    assert_eq!(r.order.status(), OrderStatus::Submitted);
    assert!(!r.order.is_at_distributor());
    let c = k.cancel(&k.alice(), at_td).unwrap();
    assert_eq!(c.warning, None);
}

// ---------------------------------------------------------------------------------------
// Receiving

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
        &["line 1 (nb-1) is serialized: give one serial number per unit (2 units, 1 serials)"],
    );
    refused(
        k.receive_as_rick(o2, 1, None, &[]),
        &["line 1 (nb-1) is serialized: give one serial number per unit (1 units, 0 serials)"],
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

// ---------------------------------------------------------------------------------------
// Cancelling

#[test]
fn cancel_returns_every_item_to_the_pool() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 1, "1.00")
            .product("2", "B", 2, "2.00"),
    );
    let po = k.create(&it).number;
    let c = k.cancel(&k.alice(), po).unwrap();
    assert_eq!((c.returned_items.clone(), c.warning.clone()), (vec![1, 2], None));
    assert_eq!(c.order.status(), OrderStatus::Cancelled);
    assert_eq!(
        k.order(po).unwrap().stage,
        Stage::Cancelled {
            by: "alice".into(),
            at: start_time()
        }
    );
    assert_eq!(ids(&k.list_items(&ItemFilter::default()).unwrap()), vec![1, 2]);
    let before = k.snapshot();
    refused(
        k.cancel(&k.alice(), po),
        &["PO-000001 is Cancelled; cancelling is only possible while it is not yet received"],
    );
    refused(
        k.place(&k.alice(), place_req(po, PlacementMethod::Manual)),
        &["PO-000001 is Cancelled; placing"],
    );
    refused(
        k.add_to_order(&k.alice(), po, &[1]),
        &["PO-000001 is Cancelled; adding items"],
    );
    k.assert_unchanged(&before);
    // The items order again.
    assert_eq!(k.create(&it).number, PoNumber(2));
}

#[test]
fn cancel_warns_when_the_distributor_has_the_order() {
    let k = Kit::new();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "1.00")))
        .number;
    k.place_manual(po);
    let c = k.cancel(&k.alice(), po).unwrap();
    assert_eq!(
        c.warning.as_deref(),
        Some(
            "PO-000001 was already placed with Ingram Micro (marked as submitted); cancel it with the distributor too"
        )
    );
    assert_eq!(k.item(1).unwrap().state, ItemState::Pending);
    let e = k.audit(&AuditFilter::default()).unwrap().pop().unwrap();
    assert_eq!(e.action, "po.cancel");
    assert_eq!(e.before["stage"], json!("placed"));
    assert_eq!(e.after["stage"], json!("cancelled"));
}

#[test]
fn cancel_is_refused_after_a_receipt() {
    let k = Kit::new();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 3, "1.00")))
        .number;
    k.place_manual(po);
    let r = k.receive_as_rick(po, 1, Some(1), &[]).unwrap();
    let before = k.snapshot();
    refused(
        k.cancel(&k.alice(), po),
        &["PO-000001 has received items; an order can only be cancelled until anything is received (undo the receipts first)"],
    );
    k.assert_unchanged(&before);
    k.receive_as_rick(po, 1, Some(2), &[]).unwrap();
    let before = k.snapshot();
    refused(
        k.cancel(&k.alice(), po),
        &["PO-000001 is Completed; cancelling is only possible while it is not yet received"],
    );
    k.assert_unchanged(&before);
    // Once every receipt is undone it can go.
    k.unreceive(&k.rick(), po, r.receipt.id).unwrap();
    k.unreceive(&k.rick(), po, 2).unwrap();
    let c = k.cancel(&k.alice(), po).unwrap();
    assert!(c.warning.is_some());
    assert_eq!(k.item(1).unwrap().state, ItemState::Pending);
    refused(
        k.unreceive(&k.rick(), po, 1),
        &["PO-000001 is Cancelled; undoing a receipt"],
    );
}

#[test]
fn an_order_awaiting_approval_can_be_cancelled() {
    let k = Kit::new();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "1.00")))
        .number;
    k.place(&k.alice(), place_req(po, PlacementMethod::Manual)).unwrap();
    let c = k.cancel(&k.alice(), po).unwrap();
    assert_eq!((c.order.status(), c.warning), (OrderStatus::Cancelled, None));
    refused(
        k.place(&k.carol(), place_req(po, PlacementMethod::Manual)),
        &["PO-000001 is Cancelled"],
    );
}

// ---------------------------------------------------------------------------------------
// Audit trail

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
    k.add_to_order(&alice, docks, &[part.id]).unwrap();
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
    assert_eq!(k.verify_audit().unwrap(), Ok(26));
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
    assert_eq!(verify_chain(&edited), Err(ChainBreak::Altered { seq: 5 }));
    let mut removed = entries.clone();
    removed.remove(9);
    assert_eq!(
        verify_chain(&removed),
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
// Outbox

/// A job executor for tests: answers every job with one outcome and counts its runs.
struct Answer(JobOutcome, std::cell::Cell<u32>);

impl JobExecutor for Answer {
    fn run(&self, _svc: &Service, _job: &Job) -> JobOutcome {
        self.1.set(self.1.get() + 1);
        self.0.clone()
    }
}

fn answer(outcome: JobOutcome) -> Answer {
    Answer(outcome, std::cell::Cell::new(0))
}

/// An order awaiting carol's approval, with its notification job (job 1).
#[test]
fn placing_an_order_whose_rule_names_you_approves_it_and_needs_the_approver_role() {
    let mut k = Kit::new();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let first = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "1.00")))
        .number;
    let second = k
        .create(&k.import(&QuoteJson::new("Q-2").product("1", "B", 1, "1.00")))
        .number;
    // Carol places a pending order her rule names: that approves it, and says so.
    let r = k.place(&k.carol(), place_req(first, PlacementMethod::Manual)).unwrap();
    assert_eq!((r.outcome, r.approver.as_deref()), ("placed", Some("carol")));
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.approve_and_place"));

    // Carol loses the approver role after the second order took its rules.
    k.config = Arc::new(
        Config::parse(&super::testkit::CONFIG.replace(r#"roles = ["approver", "buyer"]"#, r#"roles = ["buyer"]"#))
            .unwrap(),
    );
    k.reopen();
    let before = k.snapshot();
    refused(
        k.place(&k.carol(), place_req(second, PlacementMethod::Manual)),
        &["carol may not approve purchase orders", "approver"],
    );
    k.assert_unchanged(&before);
}

#[test]
fn the_purchase_order_names_an_approver_only_once_someone_approved_it() {
    let k = Kit::new();
    let po = awaiting_carol(&k);
    let awaiting = k.order(po).unwrap();
    assert_eq!(awaiting.approver(), Some("carol"), "the order awaits carol");
    assert_eq!(crate::pdf::document_for(&awaiting, k.config()).approved_by, None);
    let placed = k
        .place(&k.carol(), place_req(po, PlacementMethod::Manual))
        .unwrap()
        .order;
    let doc = crate::pdf::document_for(&placed, k.config());
    assert!(doc.approved_by.is_some_and(|a| a.contains("carol")));
}

#[test]
fn a_refused_placement_keeps_none_of_the_options_it_carried() {
    let k = Kit::new();
    let po = awaiting_carol(&k);
    let options = crate::domain::order::ApiOptions {
        billing_term: Some("annual".into()),
        ..Default::default()
    };
    let before = k.snapshot();
    // Only carol may place it now: alice is refused, and the options go with the refusal.
    refused(
        k.place_with_options(
            &k.alice(),
            place_req(po, PlacementMethod::Manual),
            Some(options.clone()),
        ),
        &["only carol can place or reject it"],
    );
    k.assert_unchanged(&before);
    // Carol's placement records them with it, in the same transaction.
    let r = k
        .place_with_options(&k.carol(), place_req(po, PlacementMethod::Manual), Some(options))
        .unwrap();
    assert_eq!(r.order.api_options().billing_term.as_deref(), Some("Annual"));
    let got: Vec<String> = actions(&k).into_iter().rev().take(2).collect();
    assert_eq!(got, ["po.approve_and_place", "po.api_options"]);
}

fn awaiting_carol(k: &Kit) -> PoNumber {
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "1.00")))
        .number;
    k.place(&k.alice(), place_req(po, PlacementMethod::Manual)).unwrap();
    po
}

#[test]
fn a_claimed_job_is_leased_to_one_owner() {
    let k = Kit::new();
    let po = awaiting_carol(&k);
    let alice = k.alice();

    let job = k.claim_job("A", None).unwrap().expect("a due job");
    assert_eq!(
        job.kind,
        JobKind::NotifyApprover {
            po,
            approver: "carol".into()
        }
    );
    assert_eq!(job.attempts, 1);
    assert_eq!(
        job.state,
        JobState::Running {
            owner: "A".into(),
            until: start_time() + chrono::Duration::seconds(LEASE)
        }
    );
    assert_eq!(k.jobs().unwrap()[0], job, "the lease is stored");
    assert_eq!(k.claim_job("B", None).unwrap(), None);
    assert_eq!(k.claim_job("B", Some(job.id)).unwrap(), None);
    k.clock.advance(LEASE - 1);
    assert_eq!(k.claim_job("B", None).unwrap(), None, "the lease still holds");
    k.clock.advance(1);
    let taken = k
        .claim_job("B", None)
        .unwrap()
        .expect("an expired lease can be taken over");
    assert_eq!((taken.id, taken.attempts), (job.id, 2));
    assert!(matches!(&taken.state, JobState::Running { owner, .. } if owner == "B"));

    // A's late report is ignored; B's counts.
    k.finish_job(&alice, job.id, "A", &JobOutcome::Done(None)).unwrap();
    assert_eq!(k.jobs().unwrap()[0], taken);
    k.finish_job(&alice, job.id, "B", &JobOutcome::Done(None)).unwrap();
    assert_eq!(k.jobs().unwrap()[0].state, JobState::Done { at: k.clock.now() });
    assert_eq!(k.claim_job("C", None).unwrap(), None);
    k.finish_job(&alice, 99, "B", &JobOutcome::Done(None)).unwrap();
    let exec = answer(JobOutcome::Done(None));
    assert_eq!(
        k.run_job(&alice, job.id, &exec).unwrap(),
        None,
        "a done job does not run again"
    );
    assert_eq!(exec.1.get(), 0);
}

#[test]
fn retry_later_waits_for_the_backoff_and_failures_wait_for_a_person() {
    let k = Kit::new();
    awaiting_carol(&k);
    let alice = k.alice();
    let job = k.claim_job("A", None).unwrap().unwrap();
    k.finish_job(
        &alice,
        job.id,
        "A",
        &JobOutcome::RetryLater("connection refused".into()),
    )
    .unwrap();
    let j = &k.jobs().unwrap()[0];
    assert_eq!(j.last_error.as_deref(), Some("connection refused"));
    assert_eq!(
        j.state,
        JobState::Queued {
            not_before: start_time() + chrono::Duration::seconds(10)
        }
    );
    k.clock.advance(9);
    assert_eq!(k.claim_job("A", None).unwrap(), None);
    k.clock.advance(1);
    let job = k.claim_job("A", None).unwrap().unwrap();
    assert_eq!(job.attempts, 2);
    let before = k.snapshot();
    refused(
        k.retry_job(&alice, job.id),
        &["job 1 is running; only failed or uncertain jobs can be retried"],
    );
    refused(k.retry_job(&alice, 5), &["no background job 5"]);
    k.assert_unchanged(&before);
    k.finish_job(&alice, job.id, "A", &JobOutcome::Failed("550 mailbox unknown".into()))
        .unwrap();
    k.clock.advance(100_000);
    assert_eq!(k.claim_job("A", None).unwrap(), None, "a failed job waits for a person");
    assert_eq!(k.jobs().unwrap()[0].state_label(), "failed");
    let j = k.retry_job(&alice, job.id).unwrap();
    assert_eq!(
        j.state,
        JobState::Queued {
            not_before: k.clock.now()
        }
    );
    assert_eq!(actions(&k).last().map(String::as_str), Some("job.retry"));
    let exec = answer(JobOutcome::Done(None));
    let report = k.run_due_jobs(&alice, &exec).unwrap();
    assert_eq!(report.done, vec![1]);
    assert_eq!(exec.1.get(), 1);
}

#[test]
fn run_due_jobs_without_mail_leaves_jobs_waiting() {
    let k = Kit::new();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 1, "1.00")
            .product("2", "B", 1, "1.00"),
    );
    let a = k.create(&[it[0]]).number;
    let b = k.create(&[it[1]]).number;
    k.place(&k.alice(), place_req(a, PlacementMethod::Manual)).unwrap();
    k.place(&k.alice(), place_req(b, PlacementMethod::Manual)).unwrap();
    k.reject(&k.carol(), b, "no").unwrap();
    let audit_before = k.audit(&AuditFilter::default()).unwrap().len();

    let no_mail = crate::jobs::Executor::from_config(&k.config);
    let report = k.run_due_jobs(&k.alice(), &no_mail).unwrap();
    assert!(report.done.is_empty() && report.retrying.is_empty() && report.failed.is_empty());
    let why = "email needs [smtp] in the configuration".to_string();
    assert_eq!(
        report.waiting,
        vec![(1, why.clone()), (2, why.clone()), (3, why.clone())]
    );
    for j in k.jobs().unwrap() {
        assert_eq!(
            j.state,
            JobState::Queued {
                not_before: start_time() + chrono::Duration::seconds(60)
            }
        );
        assert_eq!((j.attempts, j.last_error.as_deref()), (0, Some(why.as_str())));
    }
    // Not due again until the minute is up.
    let again = k.run_due_jobs(&k.alice(), &no_mail).unwrap();
    assert!(again.waiting.is_empty());
    k.clock.advance(60);
    assert_eq!(k.run_due_jobs(&k.alice(), &no_mail).unwrap().waiting.len(), 3);
    assert_eq!(
        k.audit(&AuditFilter::default()).unwrap().len(),
        audit_before,
        "notifications change no order"
    );
}

#[test]
fn email_placement_is_sent_by_a_job_and_completes_with_it() {
    let k = Kit::with_mail();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 2, "10.00")
            .product("2", "B", 1, "1.00"),
    );
    let po = k.create(&[it[0]]).number;
    let r = k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    assert_eq!((r.outcome, r.job, r.approver), ("sending", Some(1), None));
    let o = k.order(po).unwrap();
    assert_eq!(o.status(), OrderStatus::Pending, "not placed until the email left");
    let s = o.sending.as_ref().unwrap();
    assert_eq!((s.method, s.by.as_str(), s.job), (PlacementMethod::Email, "alice", 1));
    assert_eq!(k.jobs().unwrap()[0].kind, JobKind::SubmitEmail { po });
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.submit"));

    // While it is being sent nothing else touches it.
    let before = k.snapshot();
    let busy = "PO-000001 is being sent (email to the distributor, job 1); wait for it to finish";
    refused(k.place(&k.alice(), place_req(po, PlacementMethod::Manual)), &[busy]);
    refused(k.place(&k.alice(), place_req(po, PlacementMethod::Email)), &[busy]);
    refused(k.cancel(&k.alice(), po), &[busy]);
    refused(k.add_to_order(&k.alice(), po, &[it[1]]), &[busy]);
    refused(
        k.edit_order(
            &k.alice(),
            po,
            OrderEdit {
                notes: Some(Some("x".into())),
                ..Default::default()
            },
        ),
        &[busy],
    );
    k.assert_unchanged(&before);

    k.clock.advance(5);
    let sent = JobOutcome::Done(Some(Effect::EmailSent {
        message_id: "<po-1@purser.test>".into(),
        recipients: vec!["orders@ingram.invalid".into()],
    }));
    let exec = answer(sent.clone());
    assert_eq!(k.run_job(&k.alice(), 1, &exec).unwrap(), Some(sent));
    let o = k.order(po).unwrap();
    assert_eq!(o.status(), OrderStatus::EmailSent);
    assert_eq!(o.sending, None);
    let sub = o.submission().unwrap();
    assert_eq!(sub.recipients, vec!["orders@ingram.invalid"]);
    assert_eq!(
        (sub.message_id.as_deref(), sub.by.as_str(), sub.at),
        (Some("<po-1@purser.test>"), "alice", k.clock.now())
    );
    assert_eq!(k.jobs().unwrap()[0].state, JobState::Done { at: k.clock.now() });
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.email_sent"));
    assert_eq!(k.run_job(&k.alice(), 1, &exec).unwrap(), None);
    assert_eq!(exec.1.get(), 1, "sent once");
    k.receive_as_rick(po, 1, Some(1), &[]).unwrap();
    assert_eq!(k.order(po).unwrap().status(), OrderStatus::Partial);
}

#[test]
fn a_send_that_went_through_after_its_job_was_marked_uncertain_is_recorded() {
    let k = Kit::with_mail();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 2, "10.00")))
        .number;
    k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    let job = k.claim_job("A", None).unwrap().expect("the email job");
    // A stalls past its lease; B finds the job and, an email being unsafe to repeat,
    // marks it uncertain.
    k.clock.advance(LEASE + 1);
    assert_eq!(k.claim_job("B", None).unwrap(), None);
    assert!(matches!(k.jobs().unwrap()[0].state, JobState::Uncertain { .. }));
    // Then A's send completes: the server took it, so it is recorded, not left to ask.
    let sent = JobOutcome::Done(Some(Effect::EmailSent {
        message_id: "<late@purser.test>".into(),
        recipients: vec!["orders@ingram.invalid".into()],
    }));
    k.finish_job(&k.alice(), job.id, "A", &sent).unwrap();
    assert!(matches!(k.jobs().unwrap()[0].state, JobState::Done { .. }));
    let o = k.order(po).unwrap();
    assert_eq!(o.status(), OrderStatus::EmailSent);
    assert_eq!(
        o.submission().unwrap().message_id.as_deref(),
        Some("<late@purser.test>")
    );
}

#[test]
fn a_failed_email_leaves_the_order_pending_with_the_error() {
    let k = Kit::with_mail();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 2, "10.00")))
        .number;
    k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    let exec = answer(JobOutcome::Failed("550 mailbox unknown".into()));
    k.run_job(&k.alice(), 1, &exec).unwrap();
    let o = k.order(po).unwrap();
    assert_eq!((o.status(), o.sending.clone()), (OrderStatus::Pending, None));
    assert_eq!(o.errors.len(), 1);
    assert_eq!(
        (o.errors[0].method, o.errors[0].message.as_str()),
        (PlacementMethod::Email, "550 mailbox unknown")
    );
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.submit_failed"));
    let before = k.snapshot();
    refused(
        k.retry_job(&k.alice(), 1),
        &["job 1 failed and PO-000001 was left pending; place PO-000001 again to send it"],
    );
    k.assert_unchanged(&before);
    // Placing again makes a new job; the items never left the order.
    let r = k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    assert_eq!(r.job, Some(2));
    assert_eq!(k.item(1).unwrap().state, ItemState::Ordered { po });
}

#[test]
fn an_interrupted_email_is_uncertain_until_a_person_settles_it() {
    let k = Kit::with_mail();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 2, "10.00")))
        .number;
    k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    let job = k.claim_job("A", None).unwrap().unwrap();
    // A dies mid-send; its lease runs out. Sending again could order twice: nobody may.
    k.clock.advance(LEASE);
    assert_eq!(k.claim_job("B", None).unwrap(), None);
    assert_eq!(k.jobs().unwrap()[0].state, JobState::Uncertain { since: k.clock.now() });
    assert!(k.order(po).unwrap().sending.is_some());
    k.clock.advance(3600);
    assert_eq!(
        k.claim_job("B", None).unwrap(),
        None,
        "an uncertain job waits for a person"
    );
    k.finish_job(&k.alice(), job.id, "A", &JobOutcome::RetryLater("timed out".into()))
        .unwrap();
    assert_eq!(
        k.jobs().unwrap()[0].state_label(),
        "uncertain",
        "A's late failure is ignored: it may still have arrived"
    );

    // The distributor confirms it arrived.
    let before = k.snapshot();
    refused(
        k.settle_job_done(&k.rick(), 1),
        &["rick may not settle background jobs"],
    );
    refused(k.settle_job_done(&k.alice(), 7), &["no background job 7"]);
    k.assert_unchanged(&before);
    k.settle_job_done(&k.alice(), 1).unwrap();
    let o = k.order(po).unwrap();
    assert_eq!((o.status(), o.sending.clone()), (OrderStatus::EmailSent, None));
    let got: Vec<String> = actions(&k).into_iter().rev().take(2).collect();
    assert_eq!(got, vec!["job.settle_done", "po.email_sent"]);
    refused(
        k.settle_job_done(&k.alice(), 1),
        &["job 1 is done; only an uncertain job can be marked as done"],
    );
}

#[test]
fn an_order_being_sent_cannot_be_rejected() {
    let k = Kit::with_mail();
    let po = awaiting_carol(&k);
    let r = k.place(&k.carol(), place_req(po, PlacementMethod::Email)).unwrap();
    assert_eq!((r.outcome, r.job), ("sending", Some(2)));
    let before = k.snapshot();
    refused(
        k.reject(&k.carol(), po, "changed my mind"),
        &["PO-000001 is being sent"],
    );
    k.assert_unchanged(&before);
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
    assert_eq!(k.verify_audit().unwrap(), Ok(before.audit.len() as u64));
    // Sequences continue where they were.
    let free = k.list_items(&ItemFilter::default()).unwrap();
    let next_item = before.items.iter().map(|i| i.id).max().unwrap() + 1;
    let (_, part) = k
        .split(&k.alice(), free.iter().find(|i| i.quantity > 1).unwrap().id, 1)
        .unwrap();
    assert_eq!(part.id, next_item);
    assert_eq!(k.create(&[part.id]).number, PoNumber(4));
    assert_eq!(k.verify_audit().unwrap(), Ok(before.audit.len() as u64 + 2));
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
// Invariants under random command sequences

/// The quantity of every quote line that entered procurement, by (quote, line).
type Entered = BTreeMap<(String, String), u32>;

/// Checks the invariants of the architecture over the whole store.
fn check_invariants(k: &Kit, entered: &Entered) -> Result<(), String> {
    let snap = k.snapshot();
    let orders: HashMap<PoNumber, &crate::domain::Order> = snap.orders.iter().map(|o| (o.number, o)).collect();
    let mut seen: Entered = BTreeMap::new();
    for item in &snap.items {
        let key = (item.quote_id.to_string(), item.line_id.to_string());
        let qty = match &item.state {
            ItemState::Pending | ItemState::Dismissed { .. } => item.quantity,
            ItemState::Ordered { po } => {
                let order = orders.get(po).ok_or(format!("item {} is on missing {po}", item.id))?;
                if order.status() == OrderStatus::Cancelled {
                    return Err(format!("item {} is on cancelled {po}", item.id));
                }
                let line = order
                    .lines
                    .iter()
                    .find(|l| l.item_id == item.id)
                    .ok_or(format!("item {} says {po} but is not on it", item.id))?;
                if line.quantity != item.quantity {
                    return Err(format!(
                        "item {} has {} but its line on {po} has {}",
                        item.id, item.quantity, line.quantity
                    ));
                }
                line.quantity
            }
        };
        *seen.entry(key).or_default() += qty;
    }
    if &seen != entered {
        return Err(format!("quantity not conserved: {seen:?} != {entered:?}"));
    }
    let mut serials: HashMap<(String, String), PoNumber> = HashMap::new();
    for o in &snap.orders {
        let cancelled = o.status() == OrderStatus::Cancelled;
        for (i, line) in o.lines.iter().enumerate() {
            let n = i as u32 + 1;
            if o.received_on(n) > line.quantity {
                return Err(format!(
                    "{} line {n}: received {} > ordered {}",
                    o.number,
                    o.received_on(n),
                    line.quantity
                ));
            }
            if !cancelled {
                let item = snap
                    .items
                    .iter()
                    .find(|it| it.id == line.item_id)
                    .ok_or(format!("{} line {n}: no item", o.number))?;
                if item.state != (ItemState::Ordered { po: o.number }) {
                    return Err(format!("{} line {n}: item {} is {}", o.number, item.id, item.state));
                }
            }
        }
        if cancelled && o.units_received() > 0 {
            return Err(format!("{} is cancelled with receipts", o.number));
        }
        for r in o.receipts.iter().filter(|r| r.undone.is_none()) {
            let key = serial_product_key(&o.lines[r.line as usize - 1].sku);
            for s in &r.serials {
                if let Some(other) = serials.insert((key.clone(), s.clone()), o.number) {
                    return Err(format!("serial {s} of {key} received on {other} and {}", o.number));
                }
                let owner = k
                    .store()
                    .read(|tx| tx.serial_owner(&key, s))
                    .map_err(|e| e.to_string())?;
                if owner != Some(o.number) {
                    return Err(format!(
                        "serial index says {owner:?} for {key}/{s}, receipts say {}",
                        o.number
                    ));
                }
            }
        }
    }
    // Serials of undone receipts are free unless received again.
    for o in &snap.orders {
        for r in o.receipts.iter().filter(|r| r.undone.is_some()) {
            let key = serial_product_key(&o.lines[r.line as usize - 1].sku);
            for s in &r.serials {
                let owner = k
                    .store()
                    .read(|tx| tx.serial_owner(&key, s))
                    .map_err(|e| e.to_string())?;
                if owner != serials.get(&(key.clone(), s.clone())).copied() {
                    return Err(format!("undone serial {key}/{s} is still held by {owner:?}"));
                }
            }
        }
    }
    match verify_chain(&snap.audit) {
        Ok(n) if n as usize == snap.audit.len() => Ok(()),
        other => Err(format!("audit chain: {other:?}")),
    }
}

#[derive(Debug, Clone)]
enum Op {
    Split(usize, u32),
    Dismiss(usize),
    Restore(usize),
    Create(Vec<usize>, bool),
    Remove(usize, usize),
    Cancel(usize),
    Place(usize),
    Receive {
        order: usize,
        line: u32,
        qty: u32,
        serial: usize,
    },
    Unreceive(usize, u32),
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        2 => (0usize..64, 1u32..5).prop_map(|(i, q)| Op::Split(i, q)),
        1 => (0usize..64).prop_map(Op::Dismiss),
        1 => (0usize..64).prop_map(Op::Restore),
        3 => (proptest::collection::vec(0usize..64, 1..4), any::<bool>()).prop_map(|(v, t)| Op::Create(v, t)),
        1 => (0usize..64, 0usize..64).prop_map(|(o, i)| Op::Remove(o, i)),
        1 => (0usize..64).prop_map(Op::Cancel),
        3 => (0usize..64).prop_map(Op::Place),
        4 => (0usize..64, 1u32..4, 0u32..4, 0usize..10)
            .prop_map(|(order, line, qty, serial)| Op::Receive { order, line, qty, serial }),
        2 => (0usize..64, 1u32..4).prop_map(|(o, r)| Op::Unreceive(o, r)),
    ]
}

/// Picks the `i`-th of `preferred` (the entities the op makes sense for), or of `all`
/// when there are none, or `none` when there is nothing at all.
fn pick<T: Copy>(preferred: &[T], all: &[T], i: usize, none: T) -> T {
    let from = if preferred.is_empty() { all } else { preferred };
    from.get(i % from.len().max(1)).copied().unwrap_or(none)
}

/// Runs one op against the store, aimed mostly at entities where it can succeed; `Err` is
/// a refusal.
fn apply(k: &Kit, op: &Op) -> Result<(), AppError> {
    let items = k.list_items(&all()).unwrap();
    let orders = k.store().read(|tx| tx.orders()).unwrap();
    let item_ids = |f: &dyn Fn(&crate::domain::PendingItem) -> bool| -> Vec<ItemId> {
        items.iter().filter(|i| f(i)).map(|i| i.id).collect()
    };
    let order_nos = |f: &dyn Fn(&crate::domain::Order) -> bool| -> Vec<PoNumber> {
        orders.iter().filter(|o| f(o)).map(|o| o.number).collect()
    };
    let every_item = item_ids(&|_| true);
    let every_order = order_nos(&|_| true);
    let pending = item_ids(&|i| i.is_pending());
    let dismissed = item_ids(&|i| matches!(i.state, ItemState::Dismissed { .. }));
    let order_of = |po: PoNumber| orders.iter().find(|o| o.number == po);
    let alice = k.alice();
    match op {
        Op::Split(i, q) => k.split(&alice, pick(&pending, &every_item, *i, 999), *q).map(drop),
        Op::Dismiss(i) => k
            .dismiss(&alice, pick(&pending, &every_item, *i, 999), "random")
            .map(drop),
        Op::Restore(i) => k.restore(&alice, pick(&dismissed, &every_item, *i, 999)).map(drop),
        Op::Create(v, tdsynnex) => {
            let distributor = if *tdsynnex { "tdsynnex" } else { "ingram" };
            let items = v.iter().map(|i| pick(&pending, &every_item, *i, 999)).collect();
            k.create_order(
                &alice,
                CreateOrder {
                    distributor: distributor.into(),
                    items,
                    ..Default::default()
                },
            )
            .map(drop)
        }
        Op::Remove(o, i) => {
            let po = pick(
                &order_nos(&|o| o.stage == Stage::Pending),
                &every_order,
                *o,
                PoNumber(999),
            );
            let on = order_of(po).map(|x| x.item_ids()).unwrap_or_default();
            k.remove_from_order(&alice, po, &[pick(&on, &every_item, *i, 999)])
                .map(drop)
        }
        Op::Cancel(o) => k
            .cancel(&alice, pick(&every_order, &every_order, *o, PoNumber(999)))
            .map(drop),
        Op::Place(o) => {
            let po = pick(
                &order_nos(&|o| o.stage == Stage::Pending),
                &every_order,
                *o,
                PoNumber(999),
            );
            k.place(&alice, place_req(po, PlacementMethod::Manual)).map(drop)
        }
        Op::Receive {
            order: o,
            line,
            qty,
            serial,
        } => {
            let po = pick(
                &order_nos(&|o| o.status().is_receivable()),
                &every_order,
                *o,
                PoNumber(999),
            );
            let serialized = order_of(po)
                .and_then(|x| x.lines.get(*line as usize - 1))
                .is_some_and(|l| l.serialized);
            let serials: Vec<String> = if serialized {
                (0..*qty as usize)
                    .map(|n| format!("SN-{}", (serial + n) % 10))
                    .collect()
            } else {
                vec![]
            };
            let quantity = if serialized { None } else { Some(*qty) };
            k.receive(
                &k.rick(),
                po,
                ReceiveRequest {
                    line: *line,
                    quantity,
                    serials,
                },
            )
            .map(drop)
        }
        Op::Unreceive(o, r) => {
            let po = pick(&order_nos(&|o| o.units_received() > 0), &every_order, *o, PoNumber(999));
            let active: Vec<u32> = order_of(po)
                .map(|x| x.receipts.iter().filter(|r| r.undone.is_none()).map(|r| r.id).collect())
                .unwrap_or_default();
            // Now and then an undone or unknown receipt, to be refused.
            let receipt = if *r == 3 { 1 } else { pick(&active, &[], *r as usize, 9) };
            k.unreceive(&k.rick(), po, receipt).map(drop)
        }
    }
}

proptest::proptest! {
    // Touches disk on every step: few cases; no regression files written into src/.
    #![proptest_config(proptest::prelude::ProptestConfig {
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::with_cases(24)
    })]

    #[test]
    fn random_command_sequences_keep_the_invariants(ops in proptest::collection::vec(op(), 1..50)) {
        let k = Kit::new();
        k.import(&QuoteJson::new("Q-1").serialized("1", "NB-1", 4, "900.00").product("2", "CABLE", 6, "3.00").service("3", "SVC"));
        k.import(&QuoteJson::new("Q-2").serialized("1", "NB-1", 3, "900.00").serialized("2", "PH-1", 2, "100.00"));
        k.import(&QuoteJson::new("Q-3").product("7", "DOCK", 5, "190.00"));
        let entered: Entered = [("Q-1", "1", 4), ("Q-1", "2", 6), ("Q-2", "1", 3), ("Q-2", "2", 2), ("Q-3", "7", 5)]
            .into_iter()
            .map(|(q, l, n)| ((q.to_string(), l.to_string()), n))
            .collect();
        check_invariants(&k, &entered).map_err(proptest::test_runner::TestCaseError::fail)?;
        for op in &ops {
            let before = k.snapshot();
            match apply(&k, op) {
                Ok(()) => {
                    let after = k.snapshot();
                    proptest::prop_assert_eq!(after.audit.len(), before.audit.len() + 1, "{:?} wrote one audit entry", op);
                    proptest::prop_assert_eq!(after.changes, before.changes + 1);
                }
                Err(e) => {
                    proptest::prop_assert!(matches!(e, AppError::Rule(_)), "{:?} failed with {}", op, e);
                    proptest::prop_assert_eq!(&k.snapshot(), &before, "{:?} was refused ({}) but changed something", op, e);
                }
            }
            check_invariants(&k, &entered).map_err(|m| proptest::test_runner::TestCaseError::fail(format!("after {op:?}: {m}")))?;
        }
    }
}

/// An executor slower than the lease: while it runs, the clock passes the lease and
/// another process tries to take the job.
struct SlowPast<'a> {
    clock: &'a super::testkit::TestClock,
    taken_by_other: std::cell::Cell<Option<bool>>,
}

impl JobExecutor for SlowPast<'_> {
    fn run(&self, svc: &Service, job: &Job) -> JobOutcome {
        self.clock.advance(LEASE - 1);
        // Long enough for several renewals at the test's period.
        std::thread::sleep(std::time::Duration::from_millis(200));
        self.clock.advance(10);
        self.taken_by_other
            .set(Some(svc.claim_job("other", Some(job.id)).unwrap().is_some()));
        JobOutcome::Done(None)
    }
}

#[test]
fn a_job_slower_than_its_lease_stays_with_the_process_running_it() {
    let k = Kit::new();
    awaiting_carol(&k);
    let job = k.claim_job("A", None).unwrap().expect("a due job");
    let slow = SlowPast {
        clock: &k.clock,
        taken_by_other: std::cell::Cell::new(None),
    };
    let outcome = k.run_leased(&job, "A", &slow, std::time::Duration::from_millis(20));
    assert_eq!(outcome, JobOutcome::Done(None));
    assert_eq!(
        slow.taken_by_other.get(),
        Some(false),
        "the renewed lease kept it with A"
    );
    k.finish_job(&k.alice(), job.id, "A", &outcome).unwrap();
    let after = k.jobs().unwrap().into_iter().find(|j| j.id == job.id).unwrap();
    assert!(matches!(after.state, JobState::Done { .. }), "{:?}", after.state);
}

#[test]
fn a_renewed_lease_keeps_a_slow_job_its_own_and_a_lost_one_says_so() {
    let k = Kit::new();
    awaiting_carol(&k);
    let job = k.claim_job("A", None).unwrap().expect("a due job");
    // A slow run renews before each step: the lease never runs out under it.
    k.clock.advance(LEASE - 1);
    assert!(k.renew_lease(job.id, "A").unwrap());
    k.clock.advance(LEASE - 1);
    assert_eq!(k.claim_job("B", None).unwrap(), None, "renewed, so still A's");
    // A process that stalled past its lease finds it taken over and stops.
    k.clock.advance(LEASE);
    let taken = k.claim_job("B", None).unwrap().expect("taken over");
    assert!(!k.renew_lease(job.id, "A").unwrap(), "A lost it");
    assert!(k.renew_lease(taken.id, "B").unwrap());
    assert!(!k.renew_lease(9999, "B").unwrap(), "no such job");
}
