//! Pending items: dismissing needs a reason and restoring returns the item, splitting
//! divides an item, cost updates record old and new, and amounts beyond the largest are
//! refused.

use super::*;

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
