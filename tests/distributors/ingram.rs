//! Ingram Micro end to end: the real reqwest client against the fake Ingram Micro on
//! 127.0.0.1, which checks every request against the saved OpenAPI specification.

use crate::support::*;
use purser::app::JobOutcome;
use purser::domain::job::JobState;
use purser::domain::OrderStatus;
use purser::sandbox::distributors::Fault;

const D: &str = "ingram_sandbox";

fn simple(w: &World) -> purser::domain::PoNumber {
    w.order(
        D,
        &quote("Q-1", D, &[("DF4128", 2, "61.22"), ("YZ1478", 1, "15.00")]),
        None,
    )
}

#[test]
fn an_order_is_placed_and_its_ingram_number_recorded() {
    let w = world();
    let po = simple(&w);
    let job = w.place(po);
    assert_eq!(w.get(po).status(), OrderStatus::Pending, "not sent yet");

    let outcome = w.run(job);
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    let order = w.get(po);
    assert_eq!(order.status(), OrderStatus::Submitted);
    let sub = order.submission().unwrap();
    assert_eq!(sub.distributor_orders.len(), 1);
    assert!(sub.distributor_orders[0].number.starts_with("20-SBX"));
    assert_eq!(sub.distributor_orders[0].status, "processing");
    assert!(order.sending.is_none() && order.api_attempt().is_none());
    assert!(matches!(w.state(job), JobState::Done { .. }));

    let ingram = &w.sandbox.ingram;
    assert_eq!(ingram.orders_for("PO-000001"), 1);
    assert!(ingram.violations().is_empty(), "{:?}", ingram.violations());
    let body: serde_json::Value = serde_json::from_str(&ingram.orders()[0].body).unwrap();
    assert_eq!(body["customerOrderNumber"], "PO-000001");
    assert_eq!(body["lines"][0]["ingramPartNumber"], "DF4128");
    assert_eq!(body["lines"][0]["quantity"], 2);
    assert!(body.get("shipToInfo").is_none(), "wholesale ships to our own account");

    let actions = w.audit_actions(po);
    assert!(actions.contains(&"po.submitted_api".to_string()), "{actions:?}");
    assert!(w.audit_text(po).contains(&sub.distributor_orders[0].number));
    // The status poll is queued, not run yet; the secret is nowhere in the trail.
    assert_eq!(w.jobs_of_kind("poll_status").len(), 1);
    assert!(!w.audit_text(po).contains(purser::sandbox::distributors::SECRET));

    // `po show --json` shows the distributor order.
    let view = serde_json::to_value(purser::app::views::OrderView::from(&order)).unwrap();
    assert_eq!(
        view["distributor_orders"][0]["number"],
        sub.distributor_orders[0].number.as_str()
    );
    assert_eq!(view["distributor_orders"][0]["status"], "processing");
    assert!(view["distributor_orders"][0]["tracking"].is_array());
    assert!(view["errors"].as_array().unwrap().is_empty());
}

#[test]
fn dropship_with_end_user_and_special_bid_passes_the_specification() {
    let w = world();
    let po = w.order(
        D,
        &quote("Q-1", D, &[("DF4128", 1, "61.22")]),
        Some(ship_to("Asbury Methodist Church")),
    );
    let alice = w.alice();
    w.svc
        .edit_order(
            &alice,
            po,
            purser::domain::order::OrderEdit {
                special_bid: Some(Some("43426380".into())),
                end_user: Some(Some(ship_to("Medecision Inc"))),
                notes: Some(Some("Deliver to reception".into())),
                ..Default::default()
            },
        )
        .unwrap();
    let job = w.place(po);
    assert!(matches!(w.run(job), Some(JobOutcome::Done(_))));
    let ingram = &w.sandbox.ingram;
    assert!(ingram.violations().is_empty(), "{:?}", ingram.violations());
    let body: serde_json::Value = serde_json::from_str(&ingram.orders()[0].body).unwrap();
    assert_eq!(body["shipToInfo"]["companyName"], "Asbury Methodist Church");
    assert_eq!(body["shipToInfo"]["contact"], "Dr. Jane Smith");
    assert_eq!(body["endUserInfo"]["companyName"], "Medecision Inc");
    assert_eq!(body["specialBidNumber"], "43426380");
    assert_eq!(body["notes"], "Deliver to reception");
}

#[test]
fn a_split_order_and_rejected_lines_are_all_recorded() {
    let w = world();
    let po = w.order(
        D,
        &quote("Q-1", D, &[("DF4128", 1, "1"), ("SPLIT77", 1, "1"), ("XX9999", 3, "1")]),
        None,
    );
    let job = w.place(po);
    assert!(matches!(w.run(job), Some(JobOutcome::Done(_))));
    let order = w.get(po);
    let dos = &order.submission().unwrap().distributor_orders;
    assert_eq!(dos.len(), 2, "{dos:?}");
    let rejected: Vec<_> = dos.iter().flat_map(|o| o.rejected.iter()).collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].sku.as_deref(), Some("XX9999"));
    assert!(rejected[0].reason.contains("SKU-NOTFOUND"));
    assert_eq!(rejected[0].line.as_deref(), Some("3"));
    let trail = w.audit_text(po);
    assert!(trail.contains("XX9999") && trail.contains("rejected_lines"), "{trail}");
    assert_eq!(w.sandbox.ingram.orders_for("PO-000001"), 1);
}

#[test]
fn a_validation_error_names_the_fields_and_leaves_the_order_pending() {
    let w = world();
    let po = simple(&w);
    let job = w.place(po);
    w.sandbox.ingram.fail_next(Fault::Refuse(400));
    let outcome = w.run(job);
    let Some(JobOutcome::Failed(e)) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(e.contains("Ingram Micro (sandbox) refused the order as invalid"), "{e}");
    let order = w.get(po);
    assert_eq!(order.status(), OrderStatus::Pending);
    assert!(order.sending.is_none() && order.api_attempt().is_none());
    assert!(order.errors.last().unwrap().message.contains("refused"));
    assert!(w.audit_actions(po).contains(&"po.submit_failed".to_string()));
    assert!(matches!(w.state(job), JobState::Failed { .. }));
    // Placing again works.
    let again = w.place(po);
    assert!(matches!(w.run(again), Some(JobOutcome::Done(_))));
    assert_eq!(w.sandbox.ingram.orders_for("PO-000001"), 1);
}

#[test]
fn every_line_refused_is_a_rejection() {
    let w = world();
    let po = w.order(D, &quote("Q-1", D, &[("XX1", 1, "1")]), None);
    let job = w.place(po);
    let Some(JobOutcome::Failed(e)) = w.run(job) else {
        panic!()
    };
    assert!(e.contains("No line of the order could be processed"), "{e}");
    assert_eq!(w.get(po).status(), OrderStatus::Pending);
}

#[test]
fn an_expired_token_is_refreshed_and_refused_credentials_are_explained() {
    let w = world();
    let po = simple(&w);
    // A token is cached after the first call …
    let job = w.place(po);
    w.sandbox.ingram.fail_next(Fault::Refuse(401));
    w.sandbox.ingram.fail_next(Fault::Refuse(401));
    let Some(JobOutcome::Failed(e)) = w.run(job) else {
        panic!()
    };
    assert!(e.contains("refused our credentials"), "{e}");
    assert!(!e.contains(purser::sandbox::distributors::SECRET));
    assert_eq!(w.sandbox.ingram.orders_for("PO-000001"), 0);
    // … and when it expires, the client fetches a new one and goes on.
    w.sandbox.ingram.expire_tokens();
    let again = w.place(po);
    assert!(matches!(w.run(again), Some(JobOutcome::Done(_))));
    let tokens = w
        .sandbox
        .ingram
        .calls()
        .iter()
        .filter(|c| c.contains("/oauth/"))
        .count();
    assert!(tokens >= 2, "a new token after the 401: {:?}", w.sandbox.ingram.calls());
}

#[test]
fn too_many_requests_waits_for_retry_after() {
    let w = world();
    let po = simple(&w);
    let job = w.place(po);
    w.sandbox.ingram.fail_next(Fault::TooManyRequests { retry_after: 120 });
    let outcome = w.run(job);
    assert!(
        matches!(&outcome, Some(JobOutcome::RetryLater(e)) if e.contains("120 seconds")),
        "{outcome:?}"
    );
    let order = w.get(po);
    assert!(order.sending.is_some(), "still being sent");
    assert!(order.api_attempt().is_none(), "a 429 means nothing arrived");
    assert!(order.errors.last().unwrap().message.contains("busy"));
    assert!(w.audit_actions(po).contains(&"po.submit_retry".to_string()));
    // Not before the distributor's Retry-After …
    w.advance(119);
    assert!(purser::jobs::outbox::run_due_now(&w.svc, &w.alice())
        .unwrap()
        .done
        .is_empty());
    // … then it goes through, once.
    w.advance(1);
    let report = purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap();
    assert_eq!(report.done, vec![job]);
    assert_eq!(w.get(po).status(), OrderStatus::Submitted);
    assert_eq!(w.sandbox.ingram.orders_for("PO-000001"), 1);
}

#[test]
fn an_absurd_retry_after_is_taken_as_a_day() {
    let w = world();
    let po = simple(&w);
    let job = w.place(po);
    w.sandbox.ingram.fail_next(Fault::TooManyRequests {
        retry_after: 100_000_000_000_000_000,
    });
    let outcome = w.run(job);
    assert!(
        matches!(&outcome, Some(JobOutcome::RetryLater(e)) if e.contains("86400 seconds")),
        "{outcome:?}"
    );
    w.advance(86_400);
    let report = purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap();
    assert_eq!(report.done, vec![job]);
    assert_eq!(w.get(po).status(), OrderStatus::Submitted);
}

#[test]
fn a_server_error_is_retried_and_looked_up_first() {
    let w = world();
    let po = simple(&w);
    let job = w.place(po);
    w.sandbox.ingram.fail_next(Fault::ServerError);
    let outcome = w.run(job);
    assert!(
        matches!(&outcome, Some(JobOutcome::RetryLater(e)) if e.contains("server error (500")),
        "{outcome:?}"
    );
    assert!(
        w.get(po).api_attempt().is_some(),
        "a 500 may hide an order: look before sending again"
    );
    w.advance(3600);
    let report = purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap();
    assert_eq!(report.done, vec![job]);
    let calls = w.sandbox.ingram.calls();
    let search = calls
        .iter()
        .rposition(|c| c.contains("/orders/search"))
        .expect("looked up");
    let create = calls.iter().rposition(|c| c == "POST /resellers/v6/orders").unwrap();
    assert!(search < create, "looked up before sending again: {calls:?}");
    assert_eq!(w.sandbox.ingram.orders_for("PO-000001"), 1);
}

#[test]
fn a_timeout_is_uncertain_and_the_lookup_finds_the_order() {
    let w = world_with_timeout(1);
    let po = simple(&w);
    let job = w.place(po);
    w.sandbox.ingram.fail_next(Fault::Timeout);
    let outcome = w.run(job);
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    let order = w.get(po);
    assert_eq!(order.status(), OrderStatus::Submitted);
    assert_eq!(order.submission().unwrap().distributor_orders.len(), 1);
    assert!(w.audit_text(po).contains("\"found_by_lookup\":true"));
    assert_eq!(w.sandbox.ingram.orders_for("PO-000001"), 1, "exactly one order");
}

#[test]
fn a_dropped_connection_after_the_order_is_found_by_lookup() {
    let w = world();
    let po = simple(&w);
    let job = w.place(po);
    w.sandbox.ingram.fail_next(Fault::AcceptThenDrop);
    let outcome = w.run(job);
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    assert_eq!(w.get(po).status(), OrderStatus::Submitted);
    assert_eq!(w.sandbox.ingram.orders_for("PO-000001"), 1, "exactly one order");
}

#[test]
fn after_a_crash_between_sending_and_recording_the_retry_finds_the_order() {
    let w = world();
    let po = simple(&w);
    let job = w.place(po);
    w.crash_after_sending(job);
    // The next pass finds the lease expired and runs the job again: the earlier attempt is
    // on record, so Purser looks the order up by its PO number and records it — no person
    // needed, nothing sent twice.
    let report = purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap();
    assert_eq!(report.done, vec![job]);
    let order = w.get(po);
    assert_eq!(order.status(), OrderStatus::Submitted);
    assert_eq!(order.submission().unwrap().distributor_orders.len(), 1);
    assert_eq!(
        w.sandbox.ingram.orders_for("PO-000001"),
        1,
        "exactly one order at Ingram"
    );
    assert!(w.audit_text(po).contains("\"found_by_lookup\":true"));
}

#[test]
fn a_value_too_long_is_caught_before_sending() {
    let w = world();
    let long = "Dentalcare West Regional Practice Group BV"; // 42 characters; Ingram takes 40
    let e = w
        .try_order(D, &quote("Q-1", D, &[("DF4128", 1, "1")]), Some(ship_to(long)))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ship-to name") && e.contains("42 characters") && e.contains("at most 40"),
        "{e}"
    );
    assert!(e.contains("shipToInfo.companyName"), "{e}");
    // The client refuses such an order the same way before it sends anything.
    let po = w.order(
        D,
        &quote("Q-2", D, &[("DF4128", 1, "1")]),
        Some(ship_to("Dentalcare West")),
    );
    let mut order = w.get(po);
    order.ship_to = Some(ship_to(long));
    let e = w.client_check(&order).unwrap_err();
    assert!(
        e.contains("shipToInfo.companyName") && e.contains("Nothing was sent"),
        "{e}"
    );
    assert!(
        w.sandbox.ingram.calls().is_empty(),
        "nothing was sent: {:?}",
        w.sandbox.ingram.calls()
    );
}

#[test]
fn the_status_poll_records_shipment_tracking_and_serials() {
    let w = world();
    let po = simple(&w);
    let job = w.place(po);
    assert!(matches!(w.run(job), Some(JobOutcome::Done(_))));
    let number = w.get(po).submission().unwrap().distributor_orders[0].number.clone();
    w.sandbox.ingram.script_status(&number, &["Processing", "Shipped"]);
    // Not due yet.
    assert!(purser::jobs::outbox::run_due_now(&w.svc, &w.alice())
        .unwrap()
        .done
        .is_empty());
    w.advance(60);
    assert_eq!(
        purser::jobs::outbox::run_due_now(&w.svc, &w.alice())
            .unwrap()
            .done
            .len(),
        1
    );
    assert_eq!(
        w.get(po).submission().unwrap().distributor_orders[0].status,
        "processing"
    );
    w.advance(60);
    assert_eq!(
        purser::jobs::outbox::run_due_now(&w.svc, &w.alice())
            .unwrap()
            .done
            .len(),
        1
    );
    let d = w.get(po).submission().unwrap().distributor_orders[0].clone();
    assert_eq!(d.status, "shipped");
    assert_eq!(d.tracking, ["390064340282"]);
    assert_eq!(d.serials, ["Q2EV-5SJ3-E6LN"]);
    assert!(
        w.audit_text(po).contains("processing → shipped"),
        "{}",
        w.audit_text(po)
    );
    // Shipped is final: no further poll is queued.
    w.advance(60);
    assert!(purser::jobs::outbox::run_due_now(&w.svc, &w.alice())
        .unwrap()
        .done
        .is_empty());
    assert!(w.sandbox.ingram.violations().is_empty());
}

#[test]
fn a_wholesale_order_with_its_own_ship_to_sends_and_checks_it() {
    let w = world();
    let po = w.order_as(
        D,
        &quote("Q-1", D, &[("DF4128", 1, "61.22")]),
        purser::domain::OrderType::Wholesale,
        Some(ship_to("Northsea IT Depot")),
    );
    let job = w.place(po);
    let outcome = w.run(job);
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    let ingram = &w.sandbox.ingram;
    assert!(ingram.violations().is_empty(), "{:?}", ingram.violations());
    let body: serde_json::Value = serde_json::from_str(&ingram.orders()[0].body).unwrap();
    let to = &body["shipToInfo"];
    assert_eq!(to["companyName"], "Northsea IT Depot");
    assert_eq!(to["contact"], "Dr. Jane Smith");
    assert_eq!(to["addressLine1"], "7001 SW 24th Ave");
    assert_eq!(to["city"], "Gainesville");
    assert_eq!(to["state"], "FL");
    assert_eq!(to["postalCode"], "32607");
    assert_eq!(to["countryCode"], "US");

    // A wholesale ship-to Ingram would refuse is caught before anything is sent.
    let w = world();
    let long = "Northsea IT Services Central Depot Tampa FL"; // 43 characters; Ingram takes 40
    let e = w
        .try_order_as(
            D,
            &quote("Q-1", D, &[("DF4128", 1, "1")]),
            purser::domain::OrderType::Wholesale,
            Some(ship_to(long)),
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ship-to name") && e.contains("43 characters") && e.contains("shipToInfo.companyName"),
        "{e}"
    );
    assert!(
        w.sandbox.ingram.calls().is_empty(),
        "nothing was sent: {:?}",
        w.sandbox.ingram.calls()
    );
}
