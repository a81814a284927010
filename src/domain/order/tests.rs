//! Tests of purchase orders: creation, editing, approval and placement, cancelling,
//! status derivation and receiving (see `receiving.rs`).

use super::*;
use crate::domain::approval::ApprovalDecision;
use crate::domain::item::ItemState;
use crate::domain::receiving::{serial_product_key, ReceiveRequest};
use proptest::prelude::*;

const PO: PoNumber = PoNumber(1);

fn ts(secs: i64) -> Timestamp {
    chrono::DateTime::from_timestamp(1_795_167_000 + secs, 0).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A pending item: quote Q-1, customer Acme Dental (PSA company 555), 100.00 EUR a unit.
fn item(id: ItemId, qty: u32) -> PendingItem {
    PendingItem {
        id,
        quote_id: "Q-1".into(),
        quote_number: Some("0142".into()),
        line_id: id.to_string().into(),
        customer_id: "C-1".into(),
        customer_name: "Acme Dental".into(),
        psa_company_id: Some("555".into()),
        sku: format!("SKU-{id}").into(),
        mpn: Some(format!("MPN-{id}").into()),
        ean: Some(format!("8712345{id:06}").into()),
        description: format!("Thing {id}").into(),
        quantity: qty,
        unit_cost: dec("100.00"),
        unit_price: dec("130.00"),
        currency: "EUR".into(),
        distributor: Some("ingram".into()),
        distributor_sku: Some(format!("ING-{id}").into()),
        serialized: false,
        pax8_product_id: None,
        psa_product_id: Some(format!("H{id}").into()),
        split_from: None,
        created_at: ts(0),
        state: ItemState::Pending,
    }
}

/// A serialized item whose SKU is written in lower case.
fn serial_item(id: ItemId, qty: u32) -> PendingItem {
    PendingItem {
        serialized: true,
        sku: format!("nb-{id}").into(),
        ..item(id, qty)
    }
}

fn other_customer(it: PendingItem) -> PendingItem {
    PendingItem {
        customer_id: "C-2".into(),
        customer_name: "Globex".into(),
        psa_company_id: Some("777".into()),
        ..it
    }
}

fn address() -> Address {
    Address {
        name: Some("Acme Dental".into()),
        attention: Some("J. de Vries".into()),
        street: Some("Kanaalweg 12".into()),
        city: Some("Utrecht".into()),
        state: None,
        postal_code: Some("3526 KL".into()),
        country: Some("NL".into()),
        phone: None,
        email: None,
    }
}

fn rule(from: &str, to: Option<&str>, approver: &str) -> ApprovalRule {
    ApprovalRule {
        from: dec(from),
        to: to.map(dec),
        approver: approver.into(),
    }
}

/// A wholesale order for ingram, created by bob.
fn new_order() -> NewOrder<'static> {
    NewOrder {
        number: PO,
        distributor: "ingram".into(),
        order_type: OrderType::Wholesale,
        ship_to: None,
        quote_ship_to: None,
        special_bid: None,
        end_user: None,
        notes: None,
        created_by: "bob",
        now: ts(0),
        rules: Vec::new(),
        policy: OrderPolicy::default(),
    }
}

fn order(items: &[PendingItem]) -> Order {
    Order::create(new_order(), items).unwrap()
}

fn order_with_rules(items: &[PendingItem], rules: Vec<ApprovalRule>) -> Order {
    Order::create(NewOrder { rules, ..new_order() }, items).unwrap()
}

/// An order placed (marked as submitted) by bob, with no approval rules.
fn placed(items: &[PendingItem]) -> Order {
    let mut o = order(items);
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(10)).unwrap(),
        PlaceOutcome::Placed
    );
    o
}

fn no_owner(_product: &str, _serial: &str) -> Option<PoNumber> {
    None
}

fn req(line: u32, quantity: Option<u32>, serials: &[&str]) -> ReceiveRequest {
    ReceiveRequest {
        line,
        quantity,
        serials: serials.iter().map(|s| s.to_string()).collect(),
    }
}

fn receive(o: &mut Order, r: ReceiveRequest) -> Result<Receipt, RuleError> {
    o.receive(&r, "rick", ts(100), &no_owner)
}

fn wrong_status(status: &str, action: &'static str, allowed: &'static str) -> RuleError {
    RuleError::WrongStatus {
        po: PO,
        status: status.into(),
        action,
        allowed,
    }
}

// ---------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Adding and removing items
// ---------------------------------------------------------------------------------------

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
// Place and approve
// ---------------------------------------------------------------------------------------

#[test]
fn without_rules_placing_places() {
    let mut o = order(&[item(1, 2)]);
    let outcome = o
        .place(
            "bob",
            PlacementMethod::Manual,
            Some("  https://portal.example/PO/1 ".into()),
            ts(20),
        )
        .unwrap();
    assert_eq!(outcome, PlaceOutcome::Placed);
    assert_eq!(
        o.stage,
        Stage::Placed(Submission {
            method: PlacementMethod::Manual,
            at: ts(20),
            by: "bob".into(),
            approved_by: None,
            link: Some("https://portal.example/PO/1".into()),
            recipients: Vec::new(),
            message_id: None,
            distributor_orders: Vec::new(),
        })
    );
    assert_eq!(o.status(), OrderStatus::Submitted);
    assert_eq!(o.approver(), None);
    assert!(o.is_at_distributor());
}

#[test]
fn the_placement_method_decides_the_status() {
    for (method, status, at_distributor) in [
        (PlacementMethod::Email, OrderStatus::EmailSent, true),
        (PlacementMethod::Manual, OrderStatus::Submitted, true),
        (PlacementMethod::Api, OrderStatus::Submitted, true),
        (PlacementMethod::Skip, OrderStatus::Submitted, false),
    ] {
        let mut o = order(&[item(1, 1)]);
        o.place("bob", method, Some("  ".into()), ts(1)).unwrap();
        assert_eq!(o.status(), status, "{method:?}");
        assert_eq!(o.is_at_distributor(), at_distributor, "{method:?}");
        assert_eq!(o.submission().unwrap().method, method);
        assert_eq!(o.submission().unwrap().link, None);
    }
}

#[test]
fn a_matching_rule_sends_the_order_for_approval() {
    let rules = vec![rule("1000", Some("5000"), "carol"), rule("5000.01", None, "dave")];
    let mut o = order_with_rules(&[item(1, 12)], rules); // 1,200.00
    assert_eq!(
        o.approval_needed(),
        ApprovalDecision::Required {
            approver: "carol".into(),
            rule: 1,
        }
    );
    let outcome = o.place("bob", PlacementMethod::Email, None, ts(30)).unwrap();
    assert_eq!(
        outcome,
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
    assert_eq!(
        o.stage,
        Stage::AwaitingApproval {
            approver: "carol".into(),
            requested_by: "bob".into(),
            requested_at: ts(30),
            total: dec("1200.00"),
        }
    );
    assert_eq!(o.status(), OrderStatus::AwaitingApproval);
    assert_eq!(o.approver(), Some("carol"));
    assert!(!o.is_at_distributor());
}

#[test]
fn below_every_threshold_no_approval_is_needed() {
    let mut o = order_with_rules(&[item(1, 9)], vec![rule("1000", None, "carol")]); // 900.00
    assert_eq!(o.approval_needed(), ApprovalDecision::NotRequired);
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap(),
        PlaceOutcome::Placed
    );
    assert_eq!(o.submission().unwrap().approved_by, None);
}

#[test]
fn the_approver_placing_from_pending_places_directly() {
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("1000", None, "carol")]);
    let outcome = o.place("carol", PlacementMethod::Api, None, ts(40)).unwrap();
    assert_eq!(outcome, PlaceOutcome::Placed);
    let sub = o.submission().unwrap();
    assert_eq!(sub.by, "carol");
    assert_eq!(sub.approved_by.as_deref(), Some("carol"));
    assert_eq!(sub.at, ts(40));
    assert_eq!(o.approver(), Some("carol"));
    assert_eq!(o.status(), OrderStatus::Submitted);
}

#[test]
fn awaiting_approval_only_the_named_approver_can_place() {
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("1000", None, "carol")]);
    o.place("bob", PlacementMethod::Email, None, ts(1)).unwrap();
    let before = o.clone();
    for other in ["dave", "bob", "Carol"] {
        let e = o.place(other, PlacementMethod::Email, None, ts(2)).unwrap_err();
        assert_eq!(
            e,
            RuleError::NotTheApprover {
                po: PO,
                approver: "carol".into(),
            }
        );
        assert_eq!(
            e.to_string(),
            "PO-000001 is awaiting approval by carol; only carol can place or reject it"
        );
        assert_eq!(o, before);
    }
    let outcome = o.place("carol", PlacementMethod::Email, None, ts(3)).unwrap();
    assert_eq!(outcome, PlaceOutcome::Placed);
    let sub = o.submission().unwrap();
    assert_eq!((sub.by.as_str(), sub.approved_by.as_deref()), ("carol", Some("carol")));
    assert_eq!(sub.method, PlacementMethod::Email);
    assert_eq!(o.status(), OrderStatus::EmailSent);
}

#[test]
fn the_creator_never_approves_their_own_order() {
    // A rule naming the creator is skipped; the next matching rule decides.
    let mut o = order_with_rules(
        &[item(1, 12)],
        vec![rule("0", None, "bob"), rule("1000", None, "carol")],
    );
    assert_eq!(
        o.approval_needed(),
        ApprovalDecision::Required {
            approver: "carol".into(),
            rule: 2,
        }
    );
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap(),
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
    // Only a rule naming the creator: no approval, and nobody is recorded as approver.
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("0", None, "bob")]);
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap(),
        PlaceOutcome::Placed
    );
    assert_eq!(o.submission().unwrap().approved_by, None);
    // Another buyer placing bob's order that names bob: bob is still skipped.
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("0", None, "bob"), rule("0", None, "dave")]);
    assert_eq!(
        o.place("erin", PlacementMethod::Manual, None, ts(1)).unwrap(),
        PlaceOutcome::SentForApproval {
            approver: "dave".into()
        }
    );
    let e = o.place("bob", PlacementMethod::Manual, None, ts(2)).unwrap_err();
    assert!(matches!(e, RuleError::NotTheApprover { .. }), "{e:?}");
}

#[test]
fn the_rules_are_the_snapshot_taken_at_creation() {
    let mut rules = vec![rule("1000", None, "carol")];
    let mut o = order_with_rules(&[item(1, 12)], rules.clone());
    rules.clear();
    assert!(rules.is_empty());
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap(),
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
}

#[test]
fn placing_twice_or_after_cancelling_is_refused() {
    let mut o = placed(&[item(1, 1)]);
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap_err(),
        wrong_status("Submitted", "placing", "Pending or Awaiting approval")
    );
    let mut c = order(&[item(1, 1)]);
    c.cancel("bob", ts(1)).unwrap();
    assert_eq!(
        c.place("bob", PlacementMethod::Manual, None, ts(2)).unwrap_err(),
        wrong_status("Cancelled", "placing", "Pending or Awaiting approval")
    );
}

// ---------------------------------------------------------------------------------------
// Reject
// ---------------------------------------------------------------------------------------

fn awaiting_carol() -> Order {
    let mut o = order_with_rules(&[item(1, 8), item(2, 4)], vec![rule("1000", None, "carol")]);
    o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap();
    assert_eq!(o.status(), OrderStatus::AwaitingApproval);
    o
}

#[test]
fn the_approver_rejects_with_a_reason_and_the_order_is_pending_again() {
    let mut o = awaiting_carol();
    o.reject("carol", "  too expensive, ask TD Synnex ", ts(50)).unwrap();
    assert_eq!(o.stage, Stage::Pending);
    assert_eq!(o.status(), OrderStatus::Pending);
    assert_eq!(
        o.rejections,
        [Rejection {
            by: "carol".into(),
            at: ts(50),
            reason: "too expensive, ask TD Synnex".into(),
        }]
    );
}

#[test]
fn reject_needs_the_approver_and_a_reason() {
    let mut o = awaiting_carol();
    let before = o.clone();
    assert_eq!(
        o.reject("dave", "no", ts(2)).unwrap_err(),
        RuleError::NotTheApprover {
            po: PO,
            approver: "carol".into(),
        }
    );
    assert_eq!(
        o.reject("bob", "no", ts(2)).unwrap_err().to_string(),
        "PO-000001 is awaiting approval by carol; only carol can place or reject it"
    );
    let e = o.reject("carol", "  ", ts(2)).unwrap_err();
    assert_eq!(e, RuleError::ReasonRequired("reject an order"));
    assert_eq!(e.to_string(), "a reason is required to reject an order");
    assert_eq!(o, before);
}

#[test]
fn reject_only_while_awaiting_approval() {
    let mut o = order(&[item(1, 1)]);
    assert_eq!(
        o.reject("carol", "no", ts(1)).unwrap_err(),
        wrong_status("Pending", "rejecting", "Awaiting approval")
    );
    let mut p = placed(&[item(1, 1)]);
    assert_eq!(
        p.reject("carol", "no", ts(1)).unwrap_err(),
        wrong_status("Submitted", "rejecting", "Awaiting approval")
    );
}

#[test]
fn after_a_rejection_placing_evaluates_the_rules_again() {
    // Still above the threshold: approval again.
    let mut o = awaiting_carol();
    o.reject("carol", "wrong distributor", ts(2)).unwrap();
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(3)).unwrap(),
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
    // The buyer trims the order below the threshold: no approval any more.
    let mut o = awaiting_carol();
    o.reject("carol", "too much", ts(2)).unwrap();
    o.remove_items(&[2]).unwrap(); // 800.00 left
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(3)).unwrap(),
        PlaceOutcome::Placed
    );
    assert_eq!(o.submission().unwrap().approved_by, None);
    assert_eq!(o.rejections.len(), 1, "the rejection is kept");
    assert_eq!(o.rejections[0].reason, "too much");
}

// ---------------------------------------------------------------------------------------
// Cancel
// ---------------------------------------------------------------------------------------

#[test]
fn cancel_before_anything_is_received() {
    let mut pending = order(&[item(1, 1)]);
    pending.cancel("bob", ts(9)).unwrap();
    assert_eq!(
        pending.stage,
        Stage::Cancelled {
            by: "bob".into(),
            at: ts(9),
        }
    );
    assert_eq!(pending.status(), OrderStatus::Cancelled);
    let mut awaiting = awaiting_carol();
    awaiting.cancel("bob", ts(9)).unwrap();
    assert_eq!(awaiting.status(), OrderStatus::Cancelled);
    let mut submitted = placed(&[item(1, 1)]);
    assert!(submitted.is_at_distributor());
    submitted.cancel("bob", ts(9)).unwrap();
    assert_eq!(submitted.status(), OrderStatus::Cancelled);
    assert!(!submitted.is_at_distributor());
}

#[test]
fn cancel_is_refused_once_anything_is_received_until_receipts_are_undone() {
    let mut o = placed(&[item(1, 3), item(2, 1)]);
    let r = receive(&mut o, req(1, Some(1), &[])).unwrap();
    let before = o.clone();
    let e = o.cancel("bob", ts(200)).unwrap_err();
    assert_eq!(e, RuleError::AlreadyReceived { po: PO });
    assert_eq!(
        e.to_string(),
        "PO-000001 has received items; an order can only be cancelled until anything is received (undo the receipts first)"
    );
    assert_eq!(o, before);
    o.unreceive(r.id, "rick", ts(201)).unwrap();
    assert_eq!(o.status(), OrderStatus::Submitted);
    o.cancel("bob", ts(202)).unwrap();
    assert_eq!(o.status(), OrderStatus::Cancelled);
}

#[test]
fn cancelled_and_completed_orders_cannot_be_cancelled() {
    let mut c = order(&[item(1, 1)]);
    c.cancel("bob", ts(1)).unwrap();
    let e = c.cancel("bob", ts(2)).unwrap_err();
    assert_eq!(e, wrong_status("Cancelled", "cancelling", "not yet received"));
    assert_eq!(
        e.to_string(),
        "PO-000001 is Cancelled; cancelling is only possible while it is not yet received"
    );
    let mut done = placed(&[item(1, 1)]);
    receive(&mut done, req(1, None, &[])).unwrap();
    assert_eq!(done.status(), OrderStatus::Completed);
    assert_eq!(
        done.cancel("bob", ts(2)).unwrap_err(),
        wrong_status("Completed", "cancelling", "not yet received")
    );
}

// ---------------------------------------------------------------------------------------
// Receiving
// ---------------------------------------------------------------------------------------

#[test]
fn nothing_can_be_received_before_placement_or_after_cancelling() {
    let mut pending = order(&[item(1, 2)]);
    let e = receive(&mut pending, req(1, Some(1), &[])).unwrap_err();
    assert_eq!(
        e,
        wrong_status("Pending", "receiving", "Submitted, Email sent or Partial")
    );
    assert_eq!(
        e.to_string(),
        "PO-000001 is Pending; receiving is only possible while it is Submitted, Email sent or Partial"
    );
    let mut awaiting = awaiting_carol();
    assert_eq!(
        receive(&mut awaiting, req(1, Some(1), &[])).unwrap_err(),
        wrong_status("Awaiting approval", "receiving", "Submitted, Email sent or Partial")
    );
    let mut cancelled = placed(&[item(1, 2)]);
    cancelled.cancel("bob", ts(1)).unwrap();
    assert_eq!(
        receive(&mut cancelled, req(1, Some(1), &[])).unwrap_err(),
        wrong_status("Cancelled", "receiving", "Submitted, Email sent or Partial")
    );
    assert!(pending.receipts.is_empty() && awaiting.receipts.is_empty() && cancelled.receipts.is_empty());
}

#[test]
fn a_receipt_records_line_quantity_actor_and_time() {
    let mut o = placed(&[item(1, 3), item(2, 2)]);
    let r = o.receive(&req(2, Some(2), &[]), "rick", ts(300), &no_owner).unwrap();
    assert_eq!(
        r,
        Receipt {
            id: 1,
            line: 2,
            quantity: 2,
            serials: Vec::new(),
            by: "rick".into(),
            at: ts(300),
            undone: None,
        }
    );
    assert_eq!(o.receipts, [r]);
    assert_eq!(o.received_on(2), 2);
    assert_eq!(o.received_on(1), 0);
    assert_eq!(o.open_on(1), 3);
    assert_eq!(o.open_on(2), 0);
    assert_eq!(o.open_on(3), 0, "no such line");
    assert_eq!(o.progress(), "2/5");
}

#[test]
fn an_unknown_line_is_refused() {
    let mut o = placed(&[item(1, 3), item(2, 2)]);
    for line in [0, 3, u32::MAX] {
        let e = receive(&mut o, req(line, Some(1), &[])).unwrap_err();
        assert_eq!(e, RuleError::UnknownLine { po: PO, line, count: 2 });
    }
    assert_eq!(
        receive(&mut o, req(3, None, &[])).unwrap_err().to_string(),
        "PO-000001 has no line 3 (it has 2 lines)"
    );
}

#[test]
fn a_zero_quantity_is_refused() {
    let mut o = placed(&[item(1, 3)]);
    let e = receive(&mut o, req(1, Some(0), &[])).unwrap_err();
    assert_eq!(e, RuleError::ZeroQuantity);
    assert_eq!(e.to_string(), "quantity must be at least 1");
}

#[test]
fn nothing_beyond_the_ordered_quantity() {
    let mut o = placed(&[item(1, 3), item(2, 1)]);
    let e = receive(&mut o, req(1, Some(4), &[])).unwrap_err();
    assert_eq!(
        e,
        RuleError::TooMany {
            po: PO,
            line: 1,
            sku: "SKU-1".into(),
            ordered: 3,
            open: 3,
            asked: 4,
        }
    );
    receive(&mut o, req(1, Some(2), &[])).unwrap();
    let e = receive(&mut o, req(1, Some(2), &[])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 1 of PO-000001 (SKU-1) has 1 of 3 units left to receive; 2 is too many"
    );
    receive(&mut o, req(1, Some(1), &[])).unwrap();
    assert_eq!(o.received_on(1), 3);
    assert_eq!(o.status(), OrderStatus::Partial);
    let e = receive(&mut o, req(1, Some(1), &[])).unwrap_err();
    assert!(matches!(e, RuleError::TooMany { open: 0, asked: 1, .. }), "{e:?}");
}

#[test]
fn serialized_lines_need_one_serial_per_unit() {
    let mut o = placed(&[serial_item(1, 3)]);
    let e = receive(&mut o, req(1, Some(2), &["A1"])).unwrap_err();
    assert_eq!(
        e,
        RuleError::SerialCount {
            line: 1,
            sku: "nb-1".into(),
            qty: 2,
            serials: 1,
        }
    );
    assert_eq!(
        e.to_string(),
        "line 1 (nb-1) is serialized: give one serial number per unit (2 units, 1 serials)"
    );
    // No quantity and no serials means one unit, which still needs its serial.
    assert_eq!(
        receive(&mut o, req(1, None, &[])).unwrap_err(),
        RuleError::SerialCount {
            line: 1,
            sku: "nb-1".into(),
            qty: 1,
            serials: 0,
        }
    );
    assert!(matches!(
        receive(&mut o, req(1, Some(1), &["A1", "A2"])).unwrap_err(),
        RuleError::SerialCount { qty: 1, serials: 2, .. }
    ));
    assert!(o.receipts.is_empty());
    let r = receive(&mut o, req(1, Some(2), &[" A1 ", "A2"])).unwrap();
    assert_eq!(r.serials, ["A1", "A2"], "serials are trimmed");
    assert_eq!(r.quantity, 2);
}

#[test]
fn non_serialized_lines_refuse_serials() {
    let mut o = placed(&[item(1, 3)]);
    let e = receive(&mut o, req(1, None, &["X1"])).unwrap_err();
    assert_eq!(
        e,
        RuleError::NotSerialized {
            line: 1,
            sku: "SKU-1".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "line 1 (SKU-1) is not serialized; serial numbers are not recorded for it"
    );
}

#[test]
fn a_serial_repeated_within_one_receipt_is_refused() {
    let mut o = placed(&[serial_item(1, 3)]);
    let e = receive(&mut o, req(1, None, &["A1", "B2", " A1"])).unwrap_err();
    assert_eq!(e, RuleError::SerialRepeated { serial: "A1".into() });
    assert_eq!(e.to_string(), "serial number A1 is given twice");
    assert!(o.receipts.is_empty());
}

#[test]
fn a_serial_received_elsewhere_is_refused() {
    let mut o = placed(&[serial_item(1, 3)]);
    let asked = std::cell::RefCell::new(Vec::new());
    let owner = |product: &str, serial: &str| {
        asked.borrow_mut().push((product.to_string(), serial.to_string()));
        (product == "NB-1" && serial == "B2").then_some(PoNumber(9))
    };
    let e = o
        .receive(&req(1, None, &["A1", "B2"]), "rick", ts(1), &owner)
        .unwrap_err();
    assert_eq!(
        e,
        RuleError::DuplicateSerial {
            serial: "B2".into(),
            sku: "nb-1".into(),
            po: PoNumber(9),
        }
    );
    assert_eq!(
        e.to_string(),
        "serial number B2 of nb-1 was already received on PO-000009"
    );
    // Serials are looked up under the product key: the SKU, upper-cased.
    assert_eq!(serial_product_key(" nb-1 "), "NB-1");
    assert_eq!(
        asked.borrow().as_slice(),
        [
            ("NB-1".to_string(), "A1".to_string()),
            ("NB-1".to_string(), "B2".to_string())
        ]
    );
    assert!(o.receipts.is_empty());
    // The same serial under another product is free.
    let mut other = placed(&[serial_item(2, 1)]);
    other.receive(&req(1, None, &["B2"]), "rick", ts(1), &owner).unwrap();
}

#[test]
fn an_empty_serial_is_refused() {
    let mut o = placed(&[serial_item(1, 3)]);
    for serials in [&["A1", ""][..], &["  "][..]] {
        let e = receive(&mut o, req(1, None, serials)).unwrap_err();
        assert_eq!(e, RuleError::EmptySerial);
        assert_eq!(e.to_string(), "serial numbers cannot be empty");
    }
}

#[test]
fn the_default_quantity_is_the_number_of_serials_or_one() {
    let mut o = placed(&[serial_item(1, 3), item(2, 5)]);
    assert_eq!(receive(&mut o, req(1, None, &["A1", "A2"])).unwrap().quantity, 2);
    assert_eq!(receive(&mut o, req(2, None, &[])).unwrap().quantity, 1);
    assert_eq!(o.received_on(1), 2);
    assert_eq!(o.received_on(2), 1);
}

#[test]
fn receipt_ids_count_up_and_are_never_reused() {
    let mut o = placed(&[item(1, 5)]);
    let ids: Vec<u32> = (0..3).map(|_| receive(&mut o, req(1, None, &[])).unwrap().id).collect();
    assert_eq!(ids, [1, 2, 3]);
    o.unreceive(3, "rick", ts(1)).unwrap();
    assert_eq!(receive(&mut o, req(1, None, &[])).unwrap().id, 4);
}

#[test]
fn unreceive_marks_the_receipt_undone_and_frees_the_quantity() {
    let mut o = placed(&[serial_item(1, 2)]);
    let r = receive(&mut o, req(1, None, &["A1", "A2"])).unwrap();
    assert_eq!(o.open_on(1), 0);
    let before = o.unreceive(r.id, "mia", ts(400)).unwrap();
    assert_eq!(before, r, "returns the receipt as it was");
    assert_eq!(
        o.receipts[0].undone,
        Some(crate::domain::receiving::Undo {
            by: "mia".into(),
            at: ts(400),
        })
    );
    assert_eq!(o.receipts.len(), 1, "kept, never deleted");
    assert_eq!(o.received_on(1), 0);
    assert_eq!(o.open_on(1), 2);
    assert_eq!(o.units_received(), 0);
    assert_eq!(o.last_active_receipt(), None);
    assert_eq!(o.status(), OrderStatus::Submitted);
    // The units can be received again.
    receive(&mut o, req(1, None, &["A1", "A2"])).unwrap();
    assert_eq!(o.status(), OrderStatus::Completed);
}

#[test]
fn a_receipt_cannot_be_undone_twice_or_if_unknown() {
    let mut o = placed(&[item(1, 2)]);
    let r = receive(&mut o, req(1, None, &[])).unwrap();
    o.unreceive(r.id, "rick", ts(1)).unwrap();
    let snapshot = o.clone();
    let e = o.unreceive(r.id, "rick", ts(2)).unwrap_err();
    assert_eq!(e, RuleError::ReceiptAlreadyUndone { po: PO, receipt: 1 });
    assert_eq!(e.to_string(), "receipt 1 of PO-000001 was already undone");
    let e = o.unreceive(7, "rick", ts(2)).unwrap_err();
    assert_eq!(e, RuleError::UnknownReceipt { po: PO, receipt: 7 });
    assert_eq!(e.to_string(), "PO-000001 has no receipt 7");
    assert_eq!(o, snapshot);
}

#[test]
fn receipts_of_a_cancelled_order_cannot_be_undone() {
    let mut o = placed(&[item(1, 2)]);
    let r = receive(&mut o, req(1, None, &[])).unwrap();
    o.unreceive(r.id, "rick", ts(1)).unwrap();
    o.cancel("bob", ts(2)).unwrap();
    assert_eq!(
        o.unreceive(r.id, "rick", ts(3)).unwrap_err(),
        wrong_status("Cancelled", "undoing a receipt", "Partial or Completed")
    );
}

#[test]
fn status_moves_from_submitted_through_partial_to_completed_and_back() {
    let mut o = Order::create(new_order(), &[item(1, 3), serial_item(2, 1)]).unwrap();
    o.place("bob", PlacementMethod::Email, None, ts(1)).unwrap();
    assert_eq!(o.status(), OrderStatus::EmailSent);
    let r1 = receive(&mut o, req(1, Some(1), &[])).unwrap();
    assert_eq!(o.status(), OrderStatus::Partial);
    receive(&mut o, req(2, None, &["SN-1"])).unwrap();
    assert_eq!(o.status(), OrderStatus::Partial);
    assert_eq!(o.progress(), "2/4");
    let r3 = receive(&mut o, req(1, Some(2), &[])).unwrap();
    assert_eq!(o.status(), OrderStatus::Completed);
    assert_eq!(o.progress(), "4/4");
    assert_eq!(o.last_active_receipt().map(|r| r.id), Some(3));
    // A completed order receives nothing more.
    assert_eq!(
        receive(&mut o, req(1, Some(1), &[])).unwrap_err(),
        wrong_status("Completed", "receiving", "Submitted, Email sent or Partial")
    );
    o.unreceive(r3.id, "rick", ts(2)).unwrap();
    assert_eq!(o.status(), OrderStatus::Partial);
    assert_eq!(o.last_active_receipt().map(|r| r.id), Some(2));
    o.unreceive(2, "rick", ts(3)).unwrap();
    o.unreceive(r1.id, "rick", ts(4)).unwrap();
    assert_eq!(o.status(), OrderStatus::EmailSent);
    assert_eq!(o.progress(), "0/4");
}

#[test]
fn status_labels_and_keys_round_trip() {
    for s in OrderStatus::ALL {
        assert_eq!(s.key().parse::<OrderStatus>().unwrap(), s);
        assert_eq!(s.to_string().parse::<OrderStatus>().unwrap(), s);
    }
    assert_eq!(OrderStatus::AwaitingApproval.to_string(), "Awaiting approval");
    assert_eq!(OrderStatus::EmailSent.key(), "email_sent");
    let receivable: Vec<OrderStatus> = OrderStatus::ALL.into_iter().filter(|s| s.is_receivable()).collect();
    assert_eq!(
        receivable,
        [OrderStatus::EmailSent, OrderStatus::Submitted, OrderStatus::Partial]
    );
}

// ---------------------------------------------------------------------------------------
// Property: receiving never exceeds the order and the status follows the quantities
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Receive {
        line: u32,
        quantity: Option<u32>,
        serials: Vec<u8>,
    },
    Unreceive(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u32..5, prop::option::of(0u32..7), prop::collection::vec(0u8..8, 0..4))
            .prop_map(|(line, quantity, serials)| Op::Receive { line, quantity, serials }),
        1 => (0u32..12).prop_map(Op::Unreceive),
    ]
}

/// The status as derived from quantities alone, for a placed (manual) order.
fn expected_status(o: &Order) -> OrderStatus {
    let received: Vec<u32> = (1..=o.lines.len() as u32).map(|l| o.received_on(l)).collect();
    if received.iter().all(|r| *r == 0) {
        OrderStatus::Submitted
    } else if o.lines.iter().zip(&received).all(|(l, r)| *r == l.quantity) {
        OrderStatus::Completed
    } else {
        OrderStatus::Partial
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn receiving_never_exceeds_the_order_and_status_follows_quantities(
        lines in prop::collection::vec((1u32..6, any::<bool>()), 1..4),
        ops in prop::collection::vec(op(), 1..40),
    ) {
        let items: Vec<PendingItem> = lines
            .iter()
            .enumerate()
            .map(|(i, (qty, serialized))| {
                let id = i as ItemId + 1;
                if *serialized { serial_item(id, *qty) } else { item(id, *qty) }
            })
            .collect();
        let mut o = placed(&items);
        for (step, op) in ops.into_iter().enumerate() {
            let before = o.clone();
            // The store's view: serials on active receipts of this order.
            let owned: Vec<(String, String)> = o
                .receipts
                .iter()
                .filter(|r| r.undone.is_none())
                .flat_map(|r| {
                    let key = serial_product_key(&o.lines[r.line as usize - 1].sku);
                    r.serials.iter().map(move |s| (key.clone(), s.clone()))
                })
                .collect();
            let owner = |k: &str, s: &str| owned.iter().any(|(ok, os)| ok == k && os == s).then_some(PO);
            let now = ts(1000 + step as i64);
            let result = match &op {
                Op::Receive { line, quantity, serials } => {
                    let r = ReceiveRequest {
                        line: *line,
                        quantity: *quantity,
                        serials: serials.iter().map(|s| format!("SN-{s}")).collect(),
                    };
                    o.receive(&r, "rick", now, &owner).map(|rec| {
                        assert!(rec.quantity >= 1);
                        assert_eq!(rec.line, *line);
                    })
                }
                Op::Unreceive(id) => o.unreceive(*id, "rick", now).map(|_| ()),
            };
            if result.is_err() {
                prop_assert_eq!(&o, &before, "a refused {:?} changed the order", op);
            }
            for (i, line) in o.lines.iter().enumerate() {
                let n = i as u32 + 1;
                prop_assert!(o.received_on(n) <= line.quantity, "line {} over-received", n);
                prop_assert_eq!(o.received_on(n) + o.open_on(n), line.quantity);
            }
            prop_assert_eq!(o.status(), expected_status(&o));
            prop_assert_eq!(o.units_received(), (1..=o.lines.len() as u32).map(|l| u64::from(o.received_on(l))).sum::<u64>());
            // Every active receipt matches its line's serial rule, and serials stay unique.
            let mut seen = std::collections::HashSet::new();
            for r in o.receipts.iter().filter(|r| r.undone.is_none()) {
                let line = &o.lines[r.line as usize - 1];
                if line.serialized {
                    prop_assert_eq!(r.serials.len(), r.quantity as usize);
                } else {
                    prop_assert!(r.serials.is_empty());
                }
                for s in &r.serials {
                    prop_assert!(seen.insert((serial_product_key(&line.sku), s.clone())), "serial {} twice", s);
                }
            }
        }
    }
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

// ---------------------------------------------------------------------------------------
// Background submission (email, API)
// ---------------------------------------------------------------------------------------

fn being_sent(job: u64) -> RuleError {
    RuleError::BeingSent {
        po: PO,
        method: PlacementMethod::Email.describe(),
        job,
    }
}

#[test]
fn a_background_submission_keeps_the_order_where_it_is_until_it_completes() {
    let mut o = order(&[item(1, 2)]);
    let outcome = o.begin_submission("bob", PlacementMethod::Email, 77, ts(5)).unwrap();
    assert_eq!(outcome, PlaceOutcome::Sending { job: 77 });
    assert_eq!(o.stage, Stage::Pending);
    assert_eq!(o.status(), OrderStatus::Pending);
    assert_eq!(
        o.sending,
        Some(Sending {
            method: PlacementMethod::Email,
            by: "bob".into(),
            at: ts(5),
            approved_by: None,
            job: 77,
        })
    );
    o.complete_submission(
        vec!["orders@ingram.example".into()],
        Some("<m1@purser>".into()),
        Vec::new(),
        ts(9),
    )
    .unwrap();
    assert_eq!(o.sending, None);
    assert_eq!(
        o.stage,
        Stage::Placed(Submission {
            method: PlacementMethod::Email,
            at: ts(9),
            by: "bob".into(),
            approved_by: None,
            link: None,
            recipients: vec!["orders@ingram.example".into()],
            message_id: Some("<m1@purser>".into()),
            distributor_orders: Vec::new(),
        })
    );
    assert_eq!(o.status(), OrderStatus::EmailSent);
}

#[test]
fn while_being_sent_the_order_cannot_change() {
    let mut o = order(&[item(1, 2), item(2, 1)]);
    o.begin_submission("bob", PlacementMethod::Email, 5, ts(1)).unwrap();
    let before = o.clone();
    let e = o.place("bob", PlacementMethod::Manual, None, ts(2)).unwrap_err();
    assert_eq!(e, being_sent(5));
    assert_eq!(
        e.to_string(),
        "PO-000001 is being sent (email to the distributor, job 5); wait for it to finish, or see `purser sync status`"
    );
    assert_eq!(
        o.begin_submission("bob", PlacementMethod::Email, 6, ts(2)).unwrap_err(),
        being_sent(5)
    );
    assert_eq!(
        o.add_items(&[item(3, 1)], OrderPolicy::default()).unwrap_err(),
        being_sent(5)
    );
    assert_eq!(o.remove_items(&[2]).unwrap_err(), being_sent(5));
    assert_eq!(o.edit(OrderEdit::default(), None).unwrap_err(), being_sent(5));
    assert_eq!(o.cancel("bob", ts(2)).unwrap_err(), being_sent(5));
    assert_eq!(o, before);
}

#[test]
fn a_failed_submission_is_kept_and_the_order_can_be_placed_again() {
    let mut o = order(&[item(1, 2)]);
    o.begin_submission("bob", PlacementMethod::Api, 5, ts(1)).unwrap();
    o.abandon_submission("distributor said 503", ts(2));
    assert_eq!(o.sending, None);
    assert_eq!(o.stage, Stage::Pending);
    assert_eq!(
        o.errors,
        [SubmissionError {
            at: ts(2),
            method: PlacementMethod::Api,
            message: "distributor said 503".into(),
        }]
    );
    // Abandoning with nothing under way records nothing.
    o.abandon_submission("late duplicate", ts(3));
    assert_eq!(o.errors.len(), 1);
    // Completing with nothing under way is refused.
    assert_eq!(
        o.complete_submission(Vec::new(), None, vec!["IM-1".into()], ts(3))
            .unwrap_err(),
        wrong_status("Pending", "recording a submission", "being sent")
    );
    assert_eq!(
        o.begin_submission("bob", PlacementMethod::Api, 6, ts(4)).unwrap(),
        PlaceOutcome::Sending { job: 6 }
    );
    o.complete_submission(Vec::new(), None, vec!["IM-1".into(), "IM-2".into()], ts(5))
        .unwrap();
    assert_eq!(o.submission().unwrap().distributor_orders, ["IM-1", "IM-2"]);
    assert_eq!(o.status(), OrderStatus::Submitted);
    assert_eq!(o.errors.len(), 1, "the failure stays on record");
}

#[test]
fn a_background_submission_follows_the_approval_rules() {
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("1000", None, "carol")]);
    assert_eq!(
        o.begin_submission("bob", PlacementMethod::Email, 1, ts(1)).unwrap(),
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
    assert_eq!(o.sending, None);
    assert_eq!(o.status(), OrderStatus::AwaitingApproval);
    assert_eq!(
        o.begin_submission("dave", PlacementMethod::Email, 2, ts(2))
            .unwrap_err(),
        RuleError::NotTheApprover {
            po: PO,
            approver: "carol".into(),
        }
    );
    assert_eq!(
        o.begin_submission("carol", PlacementMethod::Email, 3, ts(3)).unwrap(),
        PlaceOutcome::Sending { job: 3 }
    );
    assert_eq!(o.sending.as_ref().unwrap().approved_by.as_deref(), Some("carol"));
    o.complete_submission(Vec::new(), None, Vec::new(), ts(4)).unwrap();
    let sub = o.submission().unwrap();
    assert_eq!((sub.by.as_str(), sub.approved_by.as_deref()), ("carol", Some("carol")));
    assert_eq!(o.approver(), Some("carol"));
}

#[test]
fn an_order_being_sent_cannot_be_rejected() {
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("1000", None, "carol")]);
    o.place("bob", PlacementMethod::Email, None, ts(1)).unwrap();
    o.begin_submission("carol", PlacementMethod::Email, 3, ts(2)).unwrap();
    let before = o.clone();
    assert_eq!(o.reject("carol", "changed my mind", ts(3)).unwrap_err(), being_sent(3));
    assert_eq!(o, before);
}
