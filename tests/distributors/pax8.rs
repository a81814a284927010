//! Pax8 end to end against the fake Pax8 on 127.0.0.1: company lookup, billing and
//! commitment terms, provisioning details, subscriptions and their status — and, since
//! Pax8 has no lookup by our reference, an uncertain outcome stops for a person.

use crate::support::*;
use purser::app::JobOutcome;
use purser::domain::job::JobState;
use purser::domain::order::ApiOptions;
use purser::domain::OrderStatus;
use purser::sandbox::distributors::{Fault, PAX8_COMPANY_ID};

const D: &str = "pax8_sandbox";
const PLAIN: &str = "2b0c1a9e-5b7e-4c3f-9a51-3f0b8f2d7c11";
const M365: &str = "1e91bba5-a9a3-483f-b036-f80165d410e3";

fn options(term: &str, provision: &[&str]) -> ApiOptions {
    let mut o = ApiOptions {
        billing_term: Some(term.parse().unwrap()),
        commitment: Some("auto".into()),
        ..Default::default()
    };
    for p in provision {
        o.add_provision(p.parse().unwrap());
    }
    o
}

#[test]
fn an_order_goes_to_the_customers_company_and_keeps_its_subscriptions() {
    let w = world();
    let po = w.order(D, &pax8_quote("Q-1", D, &[(PLAIN, 5, "10.00")]), None);
    let job = w.place(po);
    let outcome = w.run(job);
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    let o = w.get(po);
    assert_eq!(o.status(), OrderStatus::Submitted);
    let d = &o.submission().unwrap().distributor_orders[0];
    assert_eq!(d.status, "ordered");
    assert_eq!(d.subscriptions.len(), 1);
    let pax8 = &w.sandbox.pax8;
    assert!(pax8.violations().is_empty(), "{:?}", pax8.violations());
    let body: serde_json::Value = serde_json::from_str(&pax8.orders()[0].body).unwrap();
    assert_eq!(body["companyId"], PAX8_COMPANY_ID);
    assert_eq!(body["lineItems"][0]["billingTerm"], "Monthly");
    assert_eq!(body["lineItems"][0]["quantity"], 5);
    assert_eq!(body["lineItems"][0]["lineItemNumber"], 1);
    assert!(body["lineItems"][0].get("commitmentTermId").is_none());

    // The subscription's status arrives with the poll.
    let sub = d.subscriptions[0].id.clone();
    pax8.script_status(&sub, &["Active"]);
    w.advance(60);
    assert_eq!(
        purser::jobs::outbox::run_due_now(&w.svc, &w.alice())
            .unwrap()
            .done
            .len(),
        1
    );
    let d = w.get(po).submission().unwrap().distributor_orders[0].clone();
    assert_eq!(d.status, "active");
    assert_eq!(d.subscriptions[0].status.as_deref(), Some("Active"));
    assert!(w.audit_text(po).contains("subscription"), "{}", w.audit_text(po));
}

#[test]
fn commitment_term_is_looked_up_and_provisioning_details_are_sent() {
    let w = world();
    let po = w.order(D, &pax8_quote("Q-1", D, &[(M365, 10, "32.01")]), None);
    w.svc
        .set_api_options(
            &w.alice(),
            po,
            options(
                "3-year",
                &[
                    "msCustExists=No, the customer does not have a Microsoft account",
                    "msDomain=dentalcarewest",
                ],
            ),
        )
        .unwrap();
    let job = w.place(po);
    let outcome = w.run(job);
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    let pax8 = &w.sandbox.pax8;
    assert!(pax8.violations().is_empty(), "{:?}", pax8.violations());
    let body: serde_json::Value = serde_json::from_str(&pax8.orders()[0].body).unwrap();
    let li = &body["lineItems"][0];
    assert_eq!(li["billingTerm"], "3-Year");
    assert_eq!(li["commitmentTermId"], "497f6eca-6276-4993-bfeb-53cbbbba6f08");
    assert_eq!(li["provisioningDetails"][1]["key"], "msDomain");
    assert_eq!(li["provisioningDetails"][1]["values"][0], "dentalcarewest");
    assert!(w.audit_actions(po).contains(&"po.api_options".to_string()));
}

#[test]
fn missing_provisioning_details_are_asked_for_before_anything_is_ordered() {
    let w = world();
    let po = w.order(D, &pax8_quote("Q-1", D, &[(M365, 10, "32.01")]), None);
    let job = w.place(po);
    let Some(JobOutcome::Failed(e)) = w.run(job) else {
        panic!()
    };
    assert!(
        e.contains("needs provisioning details") && e.contains("msDomain"),
        "{e}"
    );
    assert_eq!(w.get(po).status(), OrderStatus::Pending);
    assert!(w.sandbox.pax8.orders().is_empty());
    assert!(!w.sandbox.pax8.calls().contains(&"POST /v1/orders".to_string()));
    // A value outside the product's choices is named too.
    w.svc
        .set_api_options(&w.alice(), po, options("Monthly", &["msCustExists=maybe"]))
        .unwrap();
    let job = w.place(po);
    let Some(JobOutcome::Failed(e)) = w.run(job) else {
        panic!()
    };
    assert!(e.contains("msCustExists must be one of"), "{e}");
}

#[test]
fn a_bad_billing_term_is_refused_at_once() {
    // Refused as it is read, before it reaches an order.
    let e = "weekly".parse::<purser::domain::order::BillingTerm>().unwrap_err();
    assert!(e.to_string().contains("Monthly"), "{e}");
}

#[test]
fn a_422_names_what_pax8_refused() {
    let w = world();
    let po = w.order(D, &pax8_quote("Q-1", D, &[(PLAIN, 1, "1")]), None);
    let job = w.place(po);
    w.sandbox
        .pax8
        .fail_next(Fault::Reject("quantity exceeds the product's maximum".into()));
    let Some(JobOutcome::Failed(e)) = w.run(job) else {
        panic!()
    };
    assert!(
        e.contains("refused the order as invalid") && e.contains("quantity exceeds"),
        "{e}"
    );
    assert_eq!(w.get(po).status(), OrderStatus::Pending);
}

#[test]
fn an_uncertain_outcome_stops_and_asks_a_person() {
    let w = world();
    let po = w.order(D, &pax8_quote("Q-1", D, &[(PLAIN, 1, "1")]), None);
    let job = w.place(po);
    w.sandbox.pax8.fail_next(Fault::ServerError);
    let outcome = w.run(job);
    let Some(JobOutcome::NotHandled(q)) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        q.contains("no way to look it up") && q.contains("PO-000001") && q.contains("mark-sent"),
        "{q}"
    );
    assert!(matches!(w.state(job), JobState::Uncertain { .. }));
    let o = w.get(po);
    assert!(o.sending.is_some(), "still waiting: it cannot be placed twice");
    assert_eq!(o.errors.last().unwrap().message, q);
    assert!(w.audit_actions(po).contains(&"po.submit_uncertain".to_string()));
    // Nothing runs it again by itself.
    w.advance(86_400);
    assert!(purser::jobs::outbox::run_due_now(&w.svc, &w.alice())
        .unwrap()
        .done
        .is_empty());
    assert!(w.sandbox.pax8.orders().is_empty());
    // The buyer checked the portal: nothing there. Retrying sends it, once.
    w.svc.retry_job(&w.alice(), job).unwrap();
    assert_eq!(
        purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap().done,
        vec![job]
    );
    assert_eq!(w.get(po).status(), OrderStatus::Submitted);
    assert_eq!(w.sandbox.pax8.orders().len(), 1);
}

#[test]
fn a_timeout_is_uncertain_and_a_person_can_record_it_as_placed() {
    let w = world_with_timeout(1);
    let po = w.order(D, &pax8_quote("Q-1", D, &[(PLAIN, 1, "1")]), None);
    let job = w.place(po);
    w.sandbox.pax8.fail_next(Fault::Timeout);
    assert!(matches!(w.run(job), Some(JobOutcome::NotHandled(_))));
    assert_eq!(w.sandbox.pax8.orders().len(), 1, "it did arrive");
    // The buyer finds it in the portal and records it.
    w.svc.settle_job_done(&w.alice(), job).unwrap();
    assert_eq!(w.get(po).status(), OrderStatus::Submitted);
    assert_eq!(w.sandbox.pax8.orders().len(), 1, "exactly one order");
}

#[test]
fn after_a_crash_the_person_is_asked_before_anything_is_sent_again() {
    let w = world();
    let po = w.order(D, &pax8_quote("Q-1", D, &[(PLAIN, 1, "1")]), None);
    let job = w.place(po);
    w.crash_after_sending(job);
    // The next pass finds the lease expired and runs the job again; Pax8 has no lookup by
    // our PO number, so it does not send blindly: it stops and explains what to check.
    let r = purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap();
    assert_eq!(r.waiting.len(), 1, "{r:?}");
    assert!(r.waiting[0].1.contains("portal"));
    assert!(matches!(w.state(job), JobState::Uncertain { .. }));
    assert_eq!(w.sandbox.pax8.orders().len(), 1);
    // Nothing more happens on later passes until a person decides.
    assert!(purser::jobs::outbox::run_due_now(&w.svc, &w.alice())
        .unwrap()
        .waiting
        .is_empty());
    assert_eq!(w.sandbox.pax8.orders().len(), 1);
    w.svc.settle_job_done(&w.alice(), job).unwrap();
    assert_eq!(w.get(po).status(), OrderStatus::Submitted);
    assert_eq!(w.sandbox.pax8.orders().len(), 1, "exactly one order");
}

#[test]
fn a_line_without_a_pax8_product_is_named() {
    let w = world();
    let e = w
        .try_order(D, &quote("Q-1", D, &[("X", 1, "1")]), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Pax8 product id") && e.contains("line 1"), "{e}");
}

#[test]
fn an_order_for_two_customers_is_refused_before_anything_is_sent() {
    let w = world();
    w.svc
        .import_text(&w.alice(), "a.json", &pax8_quote("Q-1", D, &[(PLAIN, 5, "10.00")]))
        .unwrap();
    // `world().order` takes every pending Pax8 item: both customers' licences.
    let e = w
        .try_order(
            D,
            &pax8_quote_for("Q-2", D, ("C-2", "Bakker Logistics"), &[(PLAIN, 3, "10.00")]),
            None,
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("more than one customer")
            && e.contains("Dentalcare West (C-1)")
            && e.contains("Bakker Logistics (C-2)")
            && e.contains("split the order"),
        "{e}"
    );
    assert!(w.svc.list_orders().unwrap().is_empty(), "no order was made");
    // The client refuses such an order the same way before it sends anything.
    let dentalcare: Vec<u64> = w
        .svc
        .list_items(&Default::default())
        .unwrap()
        .into_iter()
        .filter(|i| i.quote_id == "Q-1")
        .map(|i| i.id)
        .collect();
    let create = purser::app::CreateOrder {
        distributor: D.into(),
        items: dentalcare,
        ..Default::default()
    };
    let mut order = w.svc.create_order(&w.alice(), create).unwrap();
    let mut other = order.lines[0].clone();
    other.customer_id = "C-2".into();
    other.customer_name = "Bakker Logistics".into();
    order.lines.push(other);
    let e = w.client_check(&order).unwrap_err();
    assert!(
        e.contains("Bakker Logistics (C-2)") && e.contains("split the order") && e.contains("Nothing was sent"),
        "{e}"
    );
    assert!(w.sandbox.pax8.orders().is_empty());
    assert!(
        w.sandbox.pax8.calls().is_empty(),
        "nothing was sent: {:?}",
        w.sandbox.pax8.calls()
    );
}

/// Fills the fake's company list past one page of 200 (the most Pax8 sends at once).
fn many_companies(w: &World, n: usize) {
    for i in 0..n {
        w.sandbox
            .pax8
            .add_company(&format!("Filler Company {i:03}"), Some(&format!("F-{i:03}")));
    }
}

#[test]
fn the_customers_company_is_found_on_a_later_page() {
    let w = world();
    // A namesake on the first page; the company whose external id is our customer id is
    // on the second page of 200, and an external-id match wins over a name match.
    w.sandbox.pax8.add_company("Bakker Logistics", Some("OLD-7"));
    many_companies(&w, 250);
    let bakker = w.sandbox.pax8.add_company("Bakker Logistics BV", Some("C-2"));
    let po = w.order(
        D,
        &pax8_quote_for("Q-1", D, ("C-2", "Bakker Logistics"), &[(PLAIN, 2, "10.00")]),
        None,
    );
    let job = w.place(po);
    let outcome = w.run(job);
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    let pax8 = &w.sandbox.pax8;
    assert!(pax8.violations().is_empty(), "{:?}", pax8.violations());
    let body: serde_json::Value = serde_json::from_str(&pax8.orders()[0].body).unwrap();
    assert_eq!(body["companyId"], bakker.as_str());
    let pages: Vec<String> = pax8
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("GET /v1/companies"))
        .collect();
    assert_eq!(
        pages,
        ["GET /v1/companies?page=0&size=200", "GET /v1/companies?page=1&size=200"]
    );
}

#[test]
fn a_customer_on_no_page_is_named_after_every_page_was_read() {
    let w = world();
    many_companies(&w, 450);
    let po = w.order(
        D,
        &pax8_quote_for("Q-1", D, ("C-9", "Nobody Ltd"), &[(PLAIN, 1, "1")]),
        None,
    );
    let job = w.place(po);
    let Some(JobOutcome::Failed(e)) = w.run(job) else {
        panic!()
    };
    assert!(
        e.contains("no company for customer \"Nobody Ltd\"") && e.contains("C-9"),
        "{e}"
    );
    let calls = w.sandbox.pax8.calls();
    let pages = calls.iter().filter(|c| c.starts_with("GET /v1/companies")).count();
    assert_eq!(pages, 3, "451 companies are three pages of 200: {calls:?}");
    assert!(!calls.contains(&"POST /v1/orders".to_string()));
    assert!(w.sandbox.pax8.orders().is_empty());
}
