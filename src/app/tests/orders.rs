//! Creating orders: items go on the order; empty, duplicate, unknown and ordered items,
//! unknown distributors and mixed currencies are refused; with HaloPSA one order belongs
//! to one company; dropship defaults to the quote's ship-to.
//!
//! Changing orders: items move between the pool and a pending order, and a pending
//! order's header can be edited.

use super::*;

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
    // A distributor that bills in dollars, for the USD order.
    let k = Kit::with_config(&format!(
        "{}\n[distributors.us]\nkind = \"manual\"\nname = \"US Supply\"\ncurrency = \"USD\"\n",
        crate::app::testkit::CONFIG
    ));
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
    let o = k.create_at("us", &[usd]);
    assert_eq!((o.number, o.currency.as_str()), (PoNumber(1), "USD"));
    let before = k.snapshot();
    // (Confirmed as from another distributor: the currency is what refuses it.)
    refused(
        k.add_to_order_with(&k.alice(), o.number, &[eur], crate::app::OtherDistributors::Allow),
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

#[test]
fn items_of_another_distributor_go_on_an_order_only_when_the_buyer_agrees() {
    let k = Kit::new();
    let mut q = QuoteJson::new("Q-1").product("1", "A", 1, "10.00");
    q = q.line(json!({
        "line_id": "2", "kind": "product", "sku": "B", "description": "B", "quantity": 1,
        "unit_cost": "5.00", "unit_price": "5.00", "distributor": "tdsynnex", "distributor_sku": "TD-B",
    }));
    let ids = k.import(&q);
    let (ingram_item, td_item) = (ids[0], ids[1]);
    let req = |items: Vec<ItemId>| CreateOrder {
        distributor: "ingram".into(),
        items,
        ..Default::default()
    };
    let before = k.snapshot();
    refused(
        k.create_order(&k.alice(), req(vec![ingram_item, td_item])),
        &[&format!(
            "item {td_item} is an item of distributor `tdsynnex`, and the order goes to `ingram`"
        )],
    );
    k.assert_unchanged(&before);
    // Agreed: it goes on, ordered by its SKU, not by TD SYNNEX's part number.
    let o = k
        .create_order_with(&k.alice(), req(vec![ingram_item, td_item]), OtherDistributors::Allow)
        .unwrap();
    let line = o.lines.iter().find(|l| l.item_id == td_item).unwrap();
    assert_eq!((line.distributor_sku.as_deref(), line.part_number()), (None, "B"));

    // Adding asks the same.
    let more = k.import(&QuoteJson::new("Q-2").line(json!({
        "line_id": "1", "kind": "product", "sku": "C", "description": "C", "quantity": 1,
        "unit_cost": "5.00", "unit_price": "5.00", "distributor": "tdsynnex",
    })));
    let before = k.snapshot();
    refused(
        k.add_to_order(&k.alice(), o.number, &more),
        &["is an item of distributor `tdsynnex`, and the order goes to `ingram`"],
    );
    k.assert_unchanged(&before);
    let o = k
        .add_to_order_with(&k.alice(), o.number, &more, OtherDistributors::Allow)
        .unwrap();
    assert_eq!(o.lines.len(), 3);
    // Its own distributor's items keep their part numbers.
    let own = k.import(&QuoteJson::new("Q-3").line(json!({
        "line_id": "1", "kind": "product", "sku": "D", "description": "D", "quantity": 1,
        "unit_cost": "5.00", "unit_price": "5.00", "distributor": "ingram", "distributor_sku": "IM-D",
    })));
    let o = k.add_to_order(&k.alice(), o.number, &own).unwrap();
    assert_eq!(o.lines.last().unwrap().part_number(), "IM-D");
}
