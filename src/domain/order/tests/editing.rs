//! Adding and removing items: only while pending, never all of them, and a failed change
//! changes nothing.
//!
//! Edit: the header fields, dropship and wholesale ship-to, an older order's incomplete
//! address, and only while pending.
//!
//! Shipping: part of the total that approval is evaluated against, and never negative.

use super::*;

#[test]
fn items_can_be_added_while_pending() {
    let mut o = order(&[item(1, 1)]);
    o.add_items(&[item(2, 2), item(3, 1)], OrderPolicy::default()).unwrap();
    assert_eq!(o.item_ids(), [1, 2, 3]);
    assert_eq!(o.total(), dec("400.00"));
}

#[test]
fn a_failed_add_changes_nothing() {
    let mut o = order(&[item(1, 1)]);
    let before = o.clone();
    let usd = PendingItem {
        currency: "USD".into(),
        ..item(3, 1)
    };
    let e = o.add_items(&[item(2, 1), usd], OrderPolicy::default()).unwrap_err();
    assert!(matches!(e, RuleError::MixedCurrency { id: 3, .. }), "{e:?}");
    assert_eq!(o, before);
    assert_eq!(
        o.add_items(&[item(1, 1)], OrderPolicy::default()).unwrap_err(),
        RuleError::DuplicateItem(1)
    );
    assert_eq!(
        o.add_items(&[], OrderPolicy::default()).unwrap_err(),
        RuleError::EmptyOrder
    );
    let halo = OrderPolicy {
        one_company_per_order: true,
        ..Default::default()
    };
    let e = o
        .add_items(&[item(4, 1), other_customer(item(5, 1))], halo)
        .unwrap_err();
    assert_eq!(
        e,
        RuleError::MixedCompany {
            id: 5,
            item_company: "Globex".into(),
            order_company: "Acme Dental".into(),
        }
    );
    assert_eq!(o, before);
}

#[test]
fn items_can_be_removed_while_pending_but_not_all() {
    let mut o = order(&[item(1, 1), item(2, 1), item(3, 1)]);
    o.remove_items(&[1, 3]).unwrap();
    assert_eq!(o.item_ids(), [2]);
    let before = o.clone();
    let e = o.remove_items(&[2]).unwrap_err();
    assert_eq!(e, RuleError::WouldEmptyOrder { id: 2, po: PO });
    assert_eq!(
        e.to_string(),
        "removing item 2 would leave PO-000001 empty; cancel the order instead"
    );
    let e = o.remove_items(&[7]).unwrap_err();
    assert_eq!(e, RuleError::ItemNotOnOrder { id: 7, po: PO });
    assert_eq!(o, before);
}

#[test]
fn removing_refuses_repeated_or_unknown_ids_and_changes_nothing() {
    let mut o = order(&[item(1, 1), item(2, 1), item(3, 1)]);
    let before = o.clone();
    assert_eq!(o.remove_items(&[1, 1]).unwrap_err(), RuleError::DuplicateItem(1));
    assert_eq!(
        o.remove_items(&[1, 9]).unwrap_err(),
        RuleError::ItemNotOnOrder { id: 9, po: PO }
    );
    assert_eq!(
        o.remove_items(&[1, 2, 3]).unwrap_err(),
        RuleError::WouldEmptyOrder { id: 1, po: PO }
    );
    assert_eq!(o, before);
}

#[test]
fn items_cannot_be_added_or_removed_once_not_pending() {
    let mut awaiting = order_with_rules(&[item(1, 1), item(2, 1)], vec![rule("0", None, "carol")]);
    awaiting.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap();
    let e = awaiting.add_items(&[item(3, 1)], OrderPolicy::default()).unwrap_err();
    assert_eq!(e, wrong_status("Awaiting approval", "adding items", "Pending"));
    assert_eq!(
        e.to_string(),
        "PO-000001 is Awaiting approval; adding items is only possible while it is Pending"
    );
    assert_eq!(
        awaiting.remove_items(&[1]).unwrap_err(),
        wrong_status("Awaiting approval", "removing items", "Pending")
    );
    let mut p = placed(&[item(1, 1), item(2, 1)]);
    assert_eq!(
        p.add_items(&[item(3, 1)], OrderPolicy::default()).unwrap_err(),
        wrong_status("Submitted", "adding items", "Pending")
    );
    assert_eq!(
        p.remove_items(&[2]).unwrap_err(),
        wrong_status("Submitted", "removing items", "Pending")
    );
}

// ---------------------------------------------------------------------------------------
// Edit
// ---------------------------------------------------------------------------------------

#[test]
fn edit_changes_the_header_fields() {
    let mut o = Order::create(
        NewOrder {
            special_bid: Some("SB-1".into()),
            notes: Some("call first".into()),
            ..new_order()
        },
        &[item(1, 1)],
    )
    .unwrap();
    o.edit(
        OrderEdit {
            notes: Some(Some("  leave at reception ".into())),
            end_user: Some(Some(address())),
            ..OrderEdit::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(o.notes.as_deref(), Some("leave at reception"));
    assert_eq!(o.end_user, Some(address()));
    assert_eq!(o.special_bid.as_deref(), Some("SB-1"), "not touched");
    o.edit(
        OrderEdit {
            special_bid: Some(None),
            notes: Some(Some("  ".into())),
            end_user: Some(None),
            ..OrderEdit::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(
        (o.special_bid.clone(), o.notes.clone(), o.end_user.clone()),
        (None, None, None)
    );
}

#[test]
fn edit_to_dropship_uses_the_given_or_the_quote_ship_to() {
    let mut o = order(&[item(1, 1)]);
    let before = o.clone();
    let to_dropship = OrderEdit {
        order_type: Some(OrderType::Dropship),
        ..OrderEdit::default()
    };
    let e = o.edit(to_dropship.clone(), None).unwrap_err();
    assert_eq!(e, RuleError::ShipToMissing { quote: "Q-1".into() });
    assert_eq!(o, before, "a refused edit changes nothing");
    let incomplete = Address {
        country: None,
        ..address()
    };
    let e = o.edit(to_dropship.clone(), Some(incomplete)).unwrap_err();
    assert_eq!(
        e,
        RuleError::ShipToIncomplete {
            missing: "country".into()
        }
    );
    assert_eq!(o, before);
    o.edit(to_dropship, Some(address())).unwrap();
    assert_eq!(o.order_type, OrderType::Dropship);
    assert_eq!(o.ship_to, Some(address()));
    // A given ship-to wins over the quote's.
    let elsewhere = Address {
        city: Some("Amersfoort".into()),
        ..address()
    };
    o.edit(
        OrderEdit {
            ship_to: Some(Some(elsewhere.clone())),
            ..OrderEdit::default()
        },
        Some(address()),
    )
    .unwrap();
    assert_eq!(o.ship_to, Some(elsewhere));
    // Clearing it: a dropship order falls back to the quote's ship-to…
    let clear = OrderEdit {
        ship_to: Some(None),
        ..OrderEdit::default()
    };
    o.edit(clear.clone(), Some(address())).unwrap();
    assert_eq!(o.ship_to, Some(address()));
    // …and a wholesale order ships to the reseller.
    o.edit(
        OrderEdit {
            order_type: Some(OrderType::Wholesale),
            ..clear
        },
        Some(address()),
    )
    .unwrap();
    assert_eq!((o.order_type, o.ship_to.clone()), (OrderType::Wholesale, None));
}

#[test]
fn back_to_wholesale_ships_to_us_unless_an_address_is_given() {
    let mut o = order(&[item(1, 1)]);
    o.edit(
        OrderEdit {
            order_type: Some(OrderType::Dropship),
            ..OrderEdit::default()
        },
        Some(address()),
    )
    .unwrap();
    assert_eq!(o.ship_to, Some(address()));
    let wholesale = OrderEdit {
        order_type: Some(OrderType::Wholesale),
        ..OrderEdit::default()
    };
    o.edit(wholesale.clone(), Some(address())).unwrap();
    assert_eq!((o.order_type, o.ship_to.clone()), (OrderType::Wholesale, None));
    // A wholesale order may go to another address of ours, given whole.
    let depot = Address {
        name: Some("Our depot".into()),
        ..address()
    };
    o.edit(
        OrderEdit {
            ship_to: Some(Some(depot.clone())),
            ..OrderEdit::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(o.ship_to, Some(depot));
    let before = o.clone();
    let half = Address {
        street: None,
        ..address()
    };
    let e = o
        .edit(
            OrderEdit {
                ship_to: Some(Some(half)),
                ..OrderEdit::default()
            },
            None,
        )
        .unwrap_err();
    assert_eq!(
        e,
        RuleError::ShipToIncomplete {
            missing: "street".into()
        }
    );
    assert_eq!(o, before);
}

#[test]
fn an_older_orders_incomplete_address_does_not_block_other_edits() {
    // Stored before US addresses needed a state.
    let mut o = order(&[item(1, 1)]);
    let us = Address {
        country: Some("US".into()),
        state: None,
        ..address()
    };
    o.order_type = OrderType::Dropship;
    o.ship_to = Some(us.clone());
    o.edit(
        OrderEdit {
            notes: Some(Some("call first".into())),
            ..OrderEdit::default()
        },
        None,
    )
    .unwrap();
    assert_eq!((o.notes.as_deref(), o.ship_to.clone()), (Some("call first"), Some(us)));
    // Giving the address again checks it.
    let e = o
        .edit(
            OrderEdit {
                ship_to: Some(o.ship_to.clone()),
                ..OrderEdit::default()
            },
            None,
        )
        .unwrap_err();
    assert_eq!(
        e,
        RuleError::ShipToIncomplete {
            missing: "state".into()
        }
    );
}

#[test]
fn edit_only_while_pending() {
    let mut p = placed(&[item(1, 1)]);
    let e = p
        .edit(
            OrderEdit {
                notes: Some(None),
                ..OrderEdit::default()
            },
            None,
        )
        .unwrap_err();
    assert_eq!(e, wrong_status("Submitted", "editing", "Pending"));
}

// ---------------------------------------------------------------------------------------
// Shipping
// ---------------------------------------------------------------------------------------

#[test]
fn shipping_is_part_of_the_total_that_approval_is_evaluated_against() {
    let mut o = order_with_rules(&[item(1, 9)], vec![rule("1000", None, "carol")]);
    assert_eq!(o.shipping, Decimal::ZERO);
    assert_eq!(o.subtotal(), dec("900.00"));
    assert_eq!(o.total(), dec("900.00"));
    assert_eq!(o.approval_needed(), ApprovalDecision::NotRequired);
    o.edit(
        OrderEdit {
            shipping: Some(dec("125.50")),
            ..OrderEdit::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(o.shipping, dec("125.50"));
    assert_eq!(o.subtotal(), dec("900.00"));
    assert_eq!(o.total(), dec("1025.50"));
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap(),
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
    assert!(matches!(&o.stage, Stage::AwaitingApproval { total, .. } if *total == dec("1025.50")));
}

#[test]
fn negative_shipping_is_refused() {
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("1000", None, "carol")]);
    let before = o.clone();
    let result = o.edit(
        OrderEdit {
            shipping: Some(dec("-500.00")),
            ..OrderEdit::default()
        },
        None,
    );
    assert!(
        result.is_err(),
        "negative shipping accepted; total is now {}",
        o.total()
    );
    assert_eq!(o, before);
}
