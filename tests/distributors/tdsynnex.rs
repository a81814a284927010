//! TD SYNNEX US (SynnexB2B XML, credential in the body) and EU (API key header, modelled
//! on the US documents) end to end against the fakes on 127.0.0.1, including the
//! background status poll.

use crate::support::*;
use purser::app::JobOutcome;
use purser::domain::job::JobState;
use purser::domain::{OrderStatus, PoNumber};
use purser::sandbox::distributors::Fault;

const US: &str = "tdsynnex_us_sandbox";
const EU: &str = "tdsynnex_eu_sandbox";

fn order(w: &World, d: &str, lines: &[(&str, u32, &str)]) -> PoNumber {
    w.order(d, &quote("Q-1", d, lines), Some(ship_to("Manners Industry, Inc.")))
}

#[test]
fn an_accepted_po_records_the_td_synnex_order_number() {
    let w = world();
    let po = order(&w, US, &[("108725", 1, "7.47")]);
    let job = w.place(po);
    let outcome = w.run(job);
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    let o = w.get(po);
    assert_eq!(o.status(), OrderStatus::Submitted);
    let d = &o.submission().unwrap().distributor_orders;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].status, "accepted");
    let td = &w.sandbox.tdsynnex_us;
    assert!(td.violations().is_empty(), "{:?}", td.violations());
    let body = &td.orders()[0].body;
    assert!(
        body.contains("<UserID>purser-sandbox</UserID>"),
        "credential in the body"
    );
    assert!(body.contains("<PONumber>PO-000001</PONumber>") && body.contains("<DropShipFlag>Y</DropShipFlag>"));
    assert!(body.contains("<AddressName1>Manners Industry, Inc.</AddressName1>"));
    assert!(body.contains("<UnitPrice>7.47</UnitPrice>"));
    assert!(
        !w.audit_text(po).contains(purser::sandbox::distributors::SECRET),
        "no password in the trail"
    );
    let polls = w.jobs_of_kind("poll_status");
    assert_eq!(polls.len(), 1, "a status poll is queued");
}

#[test]
fn backorder_and_rejected_lines_are_recorded() {
    let w = world();
    let po = order(&w, US, &[("108725", 1, "7.47"), ("BO2201", 2, "10"), ("XX404", 1, "1")]);
    let job = w.place(po);
    assert!(matches!(w.run(job), Some(JobOutcome::Done(_))));
    let o = w.get(po);
    let d = &o.submission().unwrap().distributor_orders;
    assert_eq!(d.len(), 2, "{d:?}");
    assert_eq!(d[0].status, "accepted");
    assert_eq!(d[1].status, "backordered");
    assert_eq!(d[0].rejected.len(), 1);
    assert_eq!(d[0].rejected[0].sku.as_deref(), Some("XX404"));
}

#[test]
fn notes_go_to_manual_handling() {
    let w = world();
    let po = order(&w, US, &[("108725", 1, "7.47")]);
    w.svc
        .edit_order(
            &w.alice(),
            po,
            purser::domain::order::OrderEdit {
                notes: Some(Some("Call before delivery".into())),
                ..Default::default()
            },
        )
        .unwrap();
    let job = w.place(po);
    assert!(matches!(w.run(job), Some(JobOutcome::Done(_))));
    let d = w.get(po).submission().unwrap().distributor_orders[0].clone();
    assert_eq!(d.status, "manual review");
    assert!(d.note.unwrap().contains("by hand"));
}

#[test]
fn a_rejection_keeps_its_reason_and_the_order_pending() {
    let w = world();
    let po = order(&w, US, &[("108725", 1, "7.47")]);
    let job = w.place(po);
    w.sandbox
        .tdsynnex_us
        .fail_next(Fault::Reject("Account on credit hold".into()));
    let Some(JobOutcome::Failed(e)) = w.run(job) else {
        panic!()
    };
    assert_eq!(e, "TD SYNNEX US (sandbox) rejected the order: Account on credit hold");
    let o = w.get(po);
    assert_eq!(o.status(), OrderStatus::Pending);
    assert_eq!(o.errors.last().unwrap().message, e);
    assert!(w.audit_text(po).contains("credit hold"));
    assert!(matches!(w.state(job), JobState::Failed { .. }));
}

#[test]
fn a_company_name_longer_than_30_is_caught_before_sending() {
    let w = world();
    let name = "Dentalcare West Regional Practice Group"; // 39
    let e = w
        .try_order(US, &quote("Q-1", US, &[("108725", 1, "7.47")]), Some(ship_to(name)))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ship-to name") && e.contains("39 characters") && e.contains("at most 30"),
        "{e}"
    );
    assert!(e.contains("ShipTo/AddressName1"), "{e}");
    // The client refuses such an order the same way before it sends anything.
    let po = w.order(
        US,
        &quote("Q-2", US, &[("108725", 1, "7.47")]),
        Some(ship_to("Dentalcare West")),
    );
    let mut long = w.get(po);
    long.ship_to = Some(ship_to(name));
    let e = w.client_check(&long).unwrap_err();
    assert!(
        e.contains("ShipTo/AddressName1") && e.contains("Nothing was sent"),
        "{e}"
    );
    assert!(w.sandbox.tdsynnex_us.calls().is_empty(), "nothing was sent");
    // An edit that makes it too long is refused too; the buyer's shorter one is taken.
    let edit = |a| purser::domain::order::OrderEdit {
        ship_to: Some(Some(a)),
        ..Default::default()
    };
    let e = w
        .svc
        .edit_order(&w.alice(), po, edit(ship_to(name)))
        .unwrap_err()
        .to_string();
    assert!(e.contains("ShipTo/AddressName1"), "{e}");
    let mut short = ship_to("Dentalcare West");
    short.attention = Some("Front desk".into());
    w.svc
        .edit_order(
            &w.alice(),
            po,
            purser::domain::order::OrderEdit {
                ship_to: Some(Some(short)),
                ..Default::default()
            },
        )
        .unwrap();
    let again = w.place(po);
    assert!(matches!(w.run(again), Some(JobOutcome::Done(_))));
}

#[test]
fn an_order_without_ship_to_is_explained() {
    let w = world();
    let e = w
        .try_order(US, &quote("Q-1", US, &[("108725", 1, "7.47")]), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("needs a ship-to address") && e.contains("[company.warehouse]"),
        "{e}"
    );
}

#[test]
fn a_wholesale_order_goes_to_our_warehouse() {
    let w = world_with(
        10,
        r#"
[company]
name = "Northsea IT Services"
[company.warehouse]
name = "Northsea IT Depot"
attention = "Receiving"
street = "1200 Commerce Dr"
city = "Tampa"
state = "FL"
postal_code = "33602"
country = "US"
"#,
    );
    let po = w.order(US, &quote("Q-1", US, &[("108725", 1, "7.47")]), None);
    assert!(w.get(po).ship_to.is_none(), "the order itself names no address");
    let job = w.place(po);
    assert!(matches!(w.run(job), Some(JobOutcome::Done(_))));
    let td = &w.sandbox.tdsynnex_us;
    assert!(td.violations().is_empty(), "{:?}", td.violations());
    let body = &td.orders()[0].body;
    assert!(body.contains("<DropShipFlag>N</DropShipFlag>"), "{body}");
    assert!(
        body.contains("<AddressName1>Northsea IT Depot</AddressName1>"),
        "{body}"
    );
    assert!(
        body.contains("<City>Tampa</City>") && body.contains("<State>FL</State>"),
        "{body}"
    );
}

#[test]
fn the_status_poll_records_acceptance_shipment_tracking_and_serials() {
    let w = world();
    let po = order(&w, US, &[("108725", 2, "7.47")]);
    let job = w.place(po);
    assert!(matches!(w.run(job), Some(JobOutcome::Done(_))));
    w.sandbox
        .tdsynnex_us
        .script_status("PO-000001", &["accepted", "shipped"]);
    w.advance(60);
    assert_eq!(
        purser::jobs::outbox::run_due_now(&w.svc, &w.alice())
            .unwrap()
            .done
            .len(),
        1
    );
    assert_eq!(w.get(po).submission().unwrap().distributor_orders[0].status, "accepted");
    assert!(
        !w.audit_actions(po).contains(&"po.distributor_status".to_string()),
        "nothing changed"
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
    assert_eq!(d.tracking, ["040985928401001", "040985928401002"]);
    assert_eq!(d.serials, ["USH01001", "USH01002"]);
    let trail = w.audit_text(po);
    assert!(
        trail.contains("accepted → shipped") && trail.contains("tracking 040985928401001"),
        "{trail}"
    );
    w.advance(600);
    assert!(
        purser::jobs::outbox::run_due_now(&w.svc, &w.alice())
            .unwrap()
            .done
            .is_empty(),
        "shipped: polling stops"
    );
    assert!(w.sandbox.tdsynnex_us.violations().is_empty());
}

#[test]
fn the_status_poll_records_a_deleted_or_unknown_order() {
    let w = world();
    let po = order(&w, US, &[("108725", 1, "7.47")]);
    let job = w.place(po);
    assert!(matches!(w.run(job), Some(JobOutcome::Done(_))));
    w.sandbox.tdsynnex_us.script_status("PO-000001", &["deleted"]);
    w.advance(60);
    purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap();
    assert_eq!(w.get(po).submission().unwrap().distributor_orders[0].status, "deleted");
    assert!(w.audit_text(po).contains("accepted → deleted"));

    let po2 = w.order(
        US,
        &quote("Q-2", US, &[("108725", 1, "7.47")]),
        Some(ship_to("Manners Industry, Inc.")),
    );
    let job2 = w.place(po2);
    assert!(matches!(w.run(job2), Some(JobOutcome::Done(_))));
    w.sandbox.tdsynnex_us.script_status("PO-000002", &["notFound"]);
    w.advance(60);
    purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap();
    assert_eq!(
        w.get(po2).submission().unwrap().distributor_orders[0].status,
        "not found"
    );
}

#[test]
fn a_timeout_is_resolved_by_the_status_lookup() {
    let w = world_with_timeout(1);
    let po = order(&w, US, &[("108725", 1, "7.47")]);
    let job = w.place(po);
    w.sandbox.tdsynnex_us.fail_next(Fault::Timeout);
    assert!(matches!(w.run(job), Some(JobOutcome::Done(_))));
    assert_eq!(w.get(po).status(), OrderStatus::Submitted);
    assert_eq!(w.sandbox.tdsynnex_us.orders_for("PO-000001"), 1);
}

#[test]
fn after_a_crash_the_retry_records_the_order_instead_of_sending_it_again() {
    let w = world();
    let po = order(&w, US, &[("108725", 1, "7.47")]);
    let job = w.place(po);
    w.crash_after_sending(job);
    // The next pass finds the lease expired and runs the job again: it asks TD SYNNEX for
    // the status of our PO number, finds the order and records it.
    assert_eq!(
        purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap().done,
        vec![job]
    );
    assert_eq!(w.get(po).status(), OrderStatus::Submitted);
    assert_eq!(w.sandbox.tdsynnex_us.orders_for("PO-000001"), 1, "exactly one order");
    let calls = w.sandbox.tdsynnex_us.calls();
    assert_eq!(
        calls.iter().filter(|c| c.ends_with("/SynnexXML/PO")).count(),
        1,
        "{calls:?}"
    );
}

#[test]
fn too_many_requests_and_server_errors_are_retried() {
    let w = world();
    let po = order(&w, US, &[("108725", 1, "7.47")]);
    let job = w.place(po);
    w.sandbox
        .tdsynnex_us
        .fail_next(Fault::TooManyRequests { retry_after: 30 });
    let outcome = w.run(job);
    assert!(
        matches!(&outcome, Some(JobOutcome::RetryLater(e)) if e.contains("30 seconds")),
        "{outcome:?}"
    );
    w.sandbox.tdsynnex_us.fail_next(Fault::ServerError);
    w.advance(30);
    let r = purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap();
    assert_eq!(r.retrying.len(), 1, "{r:?}");
    w.advance(3600);
    assert_eq!(
        purser::jobs::outbox::run_due_now(&w.svc, &w.alice()).unwrap().done,
        vec![job]
    );
    assert_eq!(w.sandbox.tdsynnex_us.orders_for("PO-000001"), 1);
    assert!(w.get(po).errors.len() >= 2, "each try is shown on the order");
}

#[test]
fn td_synnex_eu_sends_the_api_key_in_a_header() {
    let w = world();
    let po = w.order(
        EU,
        &quote("Q-1", EU, &[("4711", 3, "12.50")]),
        Some(ship_to("Praxis Zahnarzt")),
    );
    let job = w.place(po);
    let outcome = w.run(job);
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    let eu = &w.sandbox.tdsynnex_eu;
    assert!(eu.violations().is_empty(), "{:?}", eu.violations());
    assert!(
        !eu.orders()[0].body.contains("<Credential>"),
        "no credential in the body"
    );
    assert_eq!(w.get(po).status(), OrderStatus::Submitted);
    assert_eq!(w.sandbox.tdsynnex_us.orders().len(), 0);
}

#[test]
fn a_warehouse_address_too_long_for_td_synnex_is_named_as_ours() {
    let w = world_with(
        10,
        r#"
[company]
name = "Northsea IT Services"
[company.warehouse]
name = "Northsea IT Services B.V. - goods receipt"
street = "1200 Commerce Dr"
city = "Tampa"
state = "FL"
postal_code = "33602"
country = "US"
"#,
    );
    let e = w
        .try_order(US, &quote("Q-1", US, &[("108725", 1, "7.47")]), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("warehouse ([company.warehouse]) name"), "{e}");
}

#[test]
fn a_redirect_is_never_followed_and_names_where_it_pointed() {
    // Whatever listens at the redirect's target must never hear from Purser.
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let target = format!("http://{}/collect", elsewhere.local_addr().unwrap());
    let w = world();
    let po = order(&w, US, &[("108725", 1, "7.47")]);
    let job = w.place(po);
    w.sandbox.tdsynnex_us.fail_next(Fault::Redirect(target.clone()));
    let outcome = w.run(job);
    assert!(
        matches!(&outcome, Some(JobOutcome::Failed(e)) if e.contains("307") && e.contains(&target) && e.contains("never follows")),
        "{outcome:?}"
    );
    assert!(
        elsewhere.accept().is_err(),
        "no connection reached the redirect's target"
    );
    assert_eq!(w.sandbox.tdsynnex_us.orders_for("PO-000001"), 0);
    assert_eq!(w.get(po).status(), OrderStatus::Pending, "nothing was placed");
}

#[test]
fn an_answer_echoing_the_credentials_keeps_them_out_of_every_record() {
    let w = world();
    let po = order(&w, US, &[("108725", 1, "7.47")]);
    let job = w.place(po);
    w.sandbox.tdsynnex_us.fail_next(Fault::EchoRequest);
    let outcome = w.run(job);
    let secret = purser::sandbox::distributors::SECRET;
    let said = format!("{outcome:?}");
    assert!(said.contains("Bad request") && said.contains("***"), "{said}");
    assert!(!said.contains(secret), "{said}");
    let o = w.get(po);
    assert!(!format!("{:?}", o.errors).contains(secret));
    assert!(!w.audit_text(po).contains(secret));
    let job_text = format!("{:?}", w.svc.jobs().unwrap());
    assert!(!job_text.contains(secret), "the job keeps no secret");
    assert!(job_text.contains("Bad request"), "but says what was answered");
}
