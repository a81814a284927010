//! Tests of purchase orders: creation, editing, approval and placement, cancelling,
//! status derivation and receiving (see `receiving.rs`).
//!
//! The fixtures shared by every topic are here; the tests are in one module per topic.

use super::*;
use crate::domain::approval::ApprovalDecision;
use crate::domain::item::ItemState;
use crate::domain::receiving::{serial_product_key, ReceiveRequest};
use proptest::prelude::*;

mod create;
mod distributor_rules;
mod editing;
mod placing;
mod receiving;
mod submission;

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

fn awaiting_carol() -> Order {
    let mut o = order_with_rules(&[item(1, 8), item(2, 4)], vec![rule("1000", None, "carol")]);
    o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap();
    assert_eq!(o.status(), OrderStatus::AwaitingApproval);
    o
}
