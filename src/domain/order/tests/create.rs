//! Create: an order copies its items and starts pending; empty orders, mixed currencies,
//! items listed twice or not in the pool are refused; with HaloPSA one order holds one
//! company; dropship keeps a complete ship-to or falls back to the quote's, and wholesale
//! needs no address.

use super::*;

#[test]
fn create_copies_the_items_and_starts_pending() {
    let items = [item(1, 2), item(2, 3)];
    let rules = vec![rule("1000", None, "carol")];
    let o = Order::create(
        NewOrder {
            special_bid: Some("  SB-42 ".into()),
            notes: Some("   ".into()),
            end_user: Some(address()),
            rules: rules.clone(),
            now: ts(5),
            ..new_order()
        },
        &items,
    )
    .unwrap();
    assert_eq!(o.number, PO);
    assert_eq!(o.distributor, "ingram");
    assert_eq!(o.order_type, OrderType::Wholesale);
    assert_eq!(o.currency, "EUR");
    assert_eq!(o.ship_to, None);
    assert_eq!(o.special_bid.as_deref(), Some("SB-42"));
    assert_eq!(o.notes, None);
    assert_eq!(o.end_user, Some(address()));
    assert_eq!(o.created_by, "bob");
    assert_eq!(o.created_at, ts(5));
    assert_eq!(o.rules, rules);
    assert_eq!(o.stage, Stage::Pending);
    assert_eq!(o.status(), OrderStatus::Pending);
    assert_eq!(o.item_ids(), [1, 2]);
    assert_eq!(o.lines[1], OrderLine::from_item(&items[1]));
    assert_eq!(o.lines[1].sku, "SKU-2");
    assert_eq!(o.lines[1].quantity, 3);
    assert_eq!(o.total(), dec("500.00"));
    assert_eq!(o.units_ordered(), 5);
    assert_eq!(o.units_received(), 0);
    assert_eq!(o.progress(), "0/5");
    assert!(o.receipts.is_empty() && o.rejections.is_empty());
    assert_eq!(o.approver(), None);
    assert_eq!(o.submission(), None);
    assert!(!o.is_at_distributor());
}

#[test]
fn create_refuses_an_empty_order() {
    let e = Order::create(new_order(), &[]).unwrap_err();
    assert_eq!(e, RuleError::EmptyOrder);
    assert_eq!(e.to_string(), "an order needs at least one item");
}

#[test]
fn create_refuses_mixed_currencies() {
    let usd = PendingItem {
        currency: "USD".into(),
        ..item(2, 1)
    };
    let e = Order::create(new_order(), &[item(1, 1), usd]).unwrap_err();
    assert_eq!(
        e,
        RuleError::MixedCurrency {
            id: 2,
            item_currency: "USD".into(),
            po: "the order".into(),
            order_currency: "EUR".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "item 2 is in USD but the order is in EUR; one order has one currency"
    );
}

#[test]
fn create_refuses_an_item_listed_twice() {
    let e = Order::create(new_order(), &[item(1, 1), item(2, 1), item(1, 1)]).unwrap_err();
    assert_eq!(e, RuleError::DuplicateItem(1));
    assert_eq!(e.to_string(), "item 1 is listed twice");
}

#[test]
fn create_refuses_items_not_in_the_pool() {
    let gone = item(2, 1).dismiss("no", "bob", ts(1)).unwrap();
    let e = Order::create(new_order(), &[item(1, 1), gone]).unwrap_err();
    assert_eq!(
        e,
        RuleError::ItemNotPending {
            id: 2,
            state: "dismissed".into(),
            action: "ordering",
        }
    );
    let elsewhere = item(3, 1).order_on(PoNumber(9)).unwrap();
    let e = Order::create(new_order(), &[elsewhere]).unwrap_err();
    assert_eq!(e.to_string(), "item 3 is on PO-000009; ordering needs a pending item");
}

#[test]
fn with_halopsa_one_order_holds_one_company() {
    let halo = OrderPolicy {
        one_company_per_order: true,
        ..Default::default()
    };
    let mixed = [item(1, 1), other_customer(item(2, 1))];
    let e = Order::create(
        NewOrder {
            policy: halo,
            ..new_order()
        },
        &mixed,
    )
    .unwrap_err();
    assert_eq!(
        e,
        RuleError::MixedCompany {
            id: 2,
            item_company: "Globex".into(),
            order_company: "Acme Dental".into(),
        }
    );
    assert!(e
        .to_string()
        .contains("with HaloPSA all items of one order must belong to one customer company"));
    // Without HaloPSA, customers can share an order.
    assert_eq!(order(&mixed).lines.len(), 2);
    // Same company: fine.
    let o = Order::create(
        NewOrder {
            policy: halo,
            ..new_order()
        },
        &[item(1, 1), item(2, 1)],
    )
    .unwrap();
    assert_eq!(o.lines.len(), 2);
}

#[test]
fn with_halopsa_customers_without_psa_company_are_not_mixed() {
    let halo = OrderPolicy {
        one_company_per_order: true,
        ..Default::default()
    };
    let a = PendingItem {
        psa_company_id: None,
        ..item(1, 1)
    };
    let b = PendingItem {
        psa_company_id: None,
        ..other_customer(item(2, 1))
    };
    let e = Order::create(
        NewOrder {
            policy: halo,
            ..new_order()
        },
        &[a, b],
    )
    .unwrap_err();
    assert!(matches!(e, RuleError::MixedCompany { id: 2, .. }), "{e:?}");
}

#[test]
fn dropship_keeps_a_complete_ship_to() {
    let o = Order::create(
        NewOrder {
            order_type: OrderType::Dropship,
            ship_to: Some(address()),
            quote_ship_to: Some(Address {
                name: Some("Quote address".into()),
                ..address()
            }),
            ..new_order()
        },
        &[item(1, 1)],
    )
    .unwrap();
    assert_eq!(o.order_type, OrderType::Dropship);
    assert_eq!(o.ship_to, Some(address()));
}

#[test]
fn dropship_falls_back_to_the_quote_ship_to() {
    let from_quote = Address {
        attention: Some("Reception".into()),
        ..address()
    };
    let o = Order::create(
        NewOrder {
            order_type: OrderType::Dropship,
            quote_ship_to: Some(from_quote.clone()),
            ..new_order()
        },
        &[item(1, 1)],
    )
    .unwrap();
    assert_eq!(o.ship_to, Some(from_quote));
}

#[test]
fn dropship_without_any_ship_to_is_refused() {
    let e = Order::create(
        NewOrder {
            order_type: OrderType::Dropship,
            ..new_order()
        },
        &[item(1, 1)],
    )
    .unwrap_err();
    assert_eq!(e, RuleError::ShipToMissing { quote: "Q-1".into() });
    assert_eq!(
        e.to_string(),
        "a dropship order needs a ship-to address: none was given and the quote Q-1 has none"
    );
}

#[test]
fn dropship_with_an_incomplete_ship_to_is_refused() {
    let partial = Address {
        street: None,
        postal_code: Some("  ".into()),
        ..address()
    };
    for (given, fallback) in [(Some(partial.clone()), Some(address())), (None, Some(partial.clone()))] {
        let e = Order::create(
            NewOrder {
                order_type: OrderType::Dropship,
                ship_to: given,
                quote_ship_to: fallback,
                ..new_order()
            },
            &[item(1, 1)],
        )
        .unwrap_err();
        assert_eq!(
            e,
            RuleError::ShipToIncomplete {
                missing: "street, postal_code".into()
            }
        );
        assert_eq!(e.to_string(), "the ship-to address lacks street, postal_code");
    }
}

#[test]
fn wholesale_needs_no_address_and_ignores_the_quote_ship_to() {
    let o = Order::create(
        NewOrder {
            quote_ship_to: Some(address()),
            ..new_order()
        },
        &[item(1, 1)],
    )
    .unwrap();
    assert_eq!(o.order_type, OrderType::Wholesale);
    assert_eq!(o.ship_to, None);
}
