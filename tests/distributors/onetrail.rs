//! Onetrail end to end against the fake message exchange on 127.0.0.1.

use crate::support::*;
use purser::app::JobOutcome;
use purser::domain::job::JobState;
use purser::domain::OrderStatus;
use purser::sandbox::distributors::{Fault, BUYER_GLN, SELLER_GLN};

const D: &str = "onetrail_sandbox";

#[test]
fn the_purchase_order_is_pushed_to_the_sellers_gln() {
    let w = world();
    let po = w.order(
        D,
        &quote("Q-1", D, &[("4711", 2, "12.50")]),
        Some(ship_to("Praxis Zahnarzt")),
    );
    let job = w.place(po);
    let outcome = w.run(job);
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    let o = w.get(po);
    assert_eq!(o.status(), OrderStatus::Submitted);
    assert_eq!(o.submission().unwrap().distributor_orders[0].status, "sent");
    let ot = &w.sandbox.onetrail;
    assert!(ot.violations().is_empty(), "{:?}", ot.violations());
    assert_eq!(
        ot.calls(),
        [format!(
            "POST /exchange/rest/tradingpartner/{SELLER_GLN}/msgtype/Pip3A4PurchaseOrderRequest/msg/PO-000001"
        )]
    );
    let body = &ot.orders()[0].body;
    assert!(body.contains(BUYER_GLN) && body.contains("<SellerProductId>4711</SellerProductId>"));
    assert!(body.contains("<OrderType>DropShip</OrderType>"));
    assert!(w.jobs_of_kind("poll_status").is_empty(), "push only: nothing to poll");
}

#[test]
fn a_refusal_and_a_dropped_connection() {
    let w = world();
    let po = w.order(D, &quote("Q-1", D, &[("4711", 2, "12.50")]), None);
    let job = w.place(po);
    w.sandbox
        .onetrail
        .fail_next(Fault::Reject("unknown SellerProductId 4711".into()));
    let Some(JobOutcome::Failed(e)) = w.run(job) else {
        panic!()
    };
    assert!(e.contains("refused the order as invalid") && e.contains("4711"), "{e}");
    assert_eq!(w.get(po).status(), OrderStatus::Pending);

    let job = w.place(po);
    w.sandbox.onetrail.fail_next(Fault::AcceptThenDrop);
    let Some(JobOutcome::NotHandled(q)) = w.run(job) else {
        panic!()
    };
    assert!(q.contains("Onetrail") && q.contains("no way to look it up"), "{q}");
    assert!(matches!(w.state(job), JobState::Uncertain { .. }));
    assert_eq!(w.sandbox.onetrail.orders_for("PO-000001"), 1);
    // Even when a person sends it again, the exchange holds the message once.
    w.svc.retry_job(&w.alice(), job).unwrap();
    assert_eq!(
        purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap().done,
        vec![job]
    );
    assert_eq!(w.get(po).status(), OrderStatus::Submitted);
    assert_eq!(w.sandbox.onetrail.orders_for("PO-000001"), 1, "exactly one order");
}
