//! Email submission and notices against a real SMTP server on 127.0.0.1: the message
//! arrives with the PDF attached byte for byte; refusals, temporary failures, a dropped
//! connection and a crash between sending and recording end as documented, with nothing
//! lost and nothing sent twice without a person asking.

mod smtp_fake;

use purser::app::{CreateOrder, JobOutcome, PlaceRequest, Service};
use purser::config::Config;
use purser::domain::job::JobState;
use purser::domain::{ApprovalRule, OrderStatus, PlacementMethod, PoNumber, Timestamp};
use purser::identity::{self, Actor};
use purser::store::Store;
use smtp_fake::{attachment, Mode, SmtpServer};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const QUOTE: &str = r#"{
  "quote_id": "Q-1", "approved_at": "2026-11-20T09:30:00Z", "currency": "EUR",
  "customer": {"id": "C-1", "name": "Dentalcare West"},
  "lines": [
    {"line_id": "1", "kind": "product", "sku": "NB-14", "mpn": "20XW00A1NL", "description": "Notebook 14in",
     "quantity": 3, "unit_cost": "899.00", "unit_price": "1149.00", "distributor_sku": "7X1234"},
    {"line_id": "2", "kind": "product", "sku": "DOCK-90", "description": "USB-C dock 90W",
     "quantity": 3, "unit_cost": "189.50", "unit_price": "239.00"}
  ]
}"#;

struct World {
    svc: Service,
    clock: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
}

fn config(port: u16) -> String {
    format!(
        r#"
[users.alice]
email = "alice@example.org"
roles = ["buyer"]
[users.carol]
email = "carol@example.org"
roles = ["approver"]
[company]
name = "Northsea IT Services B.V."
address = ["Stationsweg 8", "3511 ED Utrecht"]
email = "purchasing@example.org"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "purchasing@example.org"
timeout_secs = 5
[distributors.ingram]
kind = "ingram"
name = "Ingram Micro"
email = ["orders@ingram.example.org", "backup@ingram.example.org"]
"#
    )
}

fn world(port: u16) -> World {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::parse(&config(port)).unwrap();
    let clock = Arc::new(AtomicI64::new(1_800_000_000));
    let c = clock.clone();
    let svc = Service::new(
        Store::open(&dir.path().join("p.redb")).unwrap(),
        Arc::new(config),
        Arc::new(move || -> Timestamp { chrono::DateTime::from_timestamp(c.load(Ordering::SeqCst), 0).unwrap() }),
    );
    World { svc, clock, _dir: dir }
}

impl World {
    fn actor(&self, name: &str) -> Actor {
        identity::resolve(self.svc.config(), Some(name), name).unwrap()
    }

    fn advance(&self, secs: i64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }

    fn order(&self) -> PoNumber {
        let alice = self.actor("alice");
        self.svc.import_text(&alice, "q.json", QUOTE).unwrap();
        self.svc
            .create_order(
                &alice,
                CreateOrder {
                    distributor: "ingram".into(),
                    items: vec![1, 2],
                    ..Default::default()
                },
            )
            .unwrap()
            .number
    }

    fn place_email(&self, po: PoNumber) -> u64 {
        let r = self
            .svc
            .place(
                &self.actor("alice"),
                PlaceRequest {
                    po,
                    method: PlacementMethod::Email,
                    link: None,
                },
            )
            .unwrap();
        assert!(matches!(r.outcome, purser::domain::order::PlaceOutcome::Sending { .. }));
        r.job.expect("a job sends it")
    }

    fn job_state(&self, id: u64) -> JobState {
        self.svc.jobs().unwrap().into_iter().find(|j| j.id == id).unwrap().state
    }
}

#[test]
fn the_order_arrives_with_its_pdf_and_is_recorded() {
    let server = SmtpServer::start(Mode::Accept);
    let w = world(server.port);
    let po = w.order();
    let job = w.place_email(po);
    assert_eq!(w.svc.order(po).unwrap().status(), OrderStatus::Pending, "not sent yet");

    let outcome = purser::jobs::outbox::run_job_now(&w.svc, &w.actor("alice"), job).unwrap();
    assert!(matches!(outcome, Some(JobOutcome::Done(Some(_)))), "{outcome:?}");

    let order = w.svc.order(po).unwrap();
    assert_eq!(order.status(), OrderStatus::EmailSent);
    let sub = order.submission().unwrap();
    assert_eq!(
        sub.recipients,
        vec!["orders@ingram.example.org", "backup@ingram.example.org"]
    );
    let message_id = sub.message_id.clone().unwrap();

    let msgs = server.messages();
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m.from, "purchasing@example.org");
    assert_eq!(m.to, vec!["orders@ingram.example.org", "backup@ingram.example.org"]);
    assert!(
        m.data
            .contains("Subject: Purchase order PO-000001 from Northsea IT Services B.V."),
        "{}",
        m.data
    );
    assert!(m.data.contains(&format!("Message-ID: {message_id}")));
    assert!(m.data.contains("7X1234"), "the body lists the lines");
    let pdf = attachment(&m.data, "PO-000001.pdf").expect("a PDF attachment");
    assert_eq!(
        pdf,
        purser::pdf::render_order(&order, w.svc.config()),
        "the attachment is the rendered PDF"
    );

    // The audit trail records the email with its message id and recipients.
    let trail = w.svc.audit(&Default::default()).unwrap();
    let sent = trail.iter().find(|e| e.action == "po.email_sent").expect("audited");
    assert!(sent.after.to_string().contains(&message_id));
}

#[test]
fn a_refusal_fails_the_job_and_leaves_the_order_pending_with_the_answer() {
    let server = SmtpServer::start(Mode::RejectRecipients);
    let w = world(server.port);
    let po = w.order();
    let job = w.place_email(po);
    let outcome = purser::jobs::outbox::run_job_now(&w.svc, &w.actor("alice"), job).unwrap();
    let Some(JobOutcome::Failed(e)) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(e.contains("550"), "the server's answer is kept: {e}");
    let order = w.svc.order(po).unwrap();
    assert_eq!(order.status(), OrderStatus::Pending);
    assert!(order.sending.is_none());
    assert!(order.errors[0].message.contains("550"));
    assert!(matches!(w.job_state(job), JobState::Failed { .. }));
    assert!(server.messages().is_empty());
    // The buyer can place it again once the address is fixed.
    server.set_mode(Mode::Accept);
    let again = w.place_email(po);
    assert!(matches!(
        purser::jobs::outbox::run_job_now(&w.svc, &w.actor("alice"), again).unwrap(),
        Some(JobOutcome::Done(_))
    ));
    assert_eq!(w.svc.order(po).unwrap().status(), OrderStatus::EmailSent);
    assert_eq!(server.messages().len(), 1);
}

#[test]
fn temporary_failures_retry_with_backoff_until_the_server_takes_it() {
    let server = SmtpServer::start(Mode::TemporaryFailure);
    let w = world(server.port);
    let po = w.order();
    let job = w.place_email(po);
    let alice = w.actor("alice");
    let outcome = purser::jobs::outbox::run_job_now(&w.svc, &alice, job).unwrap();
    assert!(
        matches!(&outcome, Some(JobOutcome::RetryLater(e)) if e.contains("451")),
        "{outcome:?}"
    );
    assert!(w.svc.order(po).unwrap().sending.is_some(), "still being sent");
    // Not due again before the backoff.
    assert!(purser::jobs::outbox::run_due_now(&w.svc, &alice)
        .unwrap()
        .done
        .is_empty());
    server.set_mode(Mode::Accept);
    w.advance(11);
    let report = purser::jobs::outbox::run_due_now(&w.svc, &alice).unwrap();
    assert_eq!(report.done, vec![job]);
    assert_eq!(w.svc.order(po).unwrap().status(), OrderStatus::EmailSent);
    assert_eq!(server.messages().len(), 1);
}

#[test]
fn a_server_that_is_down_is_retried() {
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let w = world(port);
    let po = w.order();
    let job = w.place_email(po);
    let outcome = purser::jobs::outbox::run_job_now(&w.svc, &w.actor("alice"), job).unwrap();
    assert!(matches!(outcome, Some(JobOutcome::RetryLater(_))), "{outcome:?}");
    assert!(matches!(w.job_state(job), JobState::Queued { .. }));
    assert!(w.svc.order(po).unwrap().sending.is_some());
}

#[test]
fn a_lost_answer_to_the_message_stops_for_a_person_and_never_sends_it_again() {
    let server = SmtpServer::start(Mode::CloseAfterMessage);
    let w = world(server.port);
    let po = w.order();
    let job = w.place_email(po);
    let outcome = purser::jobs::outbox::run_job_now(&w.svc, &w.actor("alice"), job).unwrap();
    let Some(JobOutcome::Uncertain(why)) = &outcome else {
        panic!("expected an uncertain send, got {outcome:?}")
    };
    assert!(why.contains("may have taken it"), "{why}");
    assert_eq!(server.messages().len(), 1, "the server did take it");
    assert!(matches!(w.job_state(job), JobState::Uncertain { .. }));
    let order = w.svc.order(po).unwrap();
    assert!(order.sending.is_some(), "the order waits on the person's answer");
    assert!(order
        .errors
        .last()
        .is_some_and(|e| e.message.contains("may have taken it")));

    // Later runs leave it alone; the buyer who placed it is told by email.
    server.set_mode(Mode::Accept);
    w.advance(3600);
    let report = purser::jobs::outbox::run_due_now(&w.svc, &w.actor("alice")).unwrap();
    assert!(report.retrying.is_empty() && report.failed.is_empty(), "{report:?}");
    let sent = server.messages();
    let orders: Vec<_> = sent.iter().filter(|m| m.data.contains("Purchase order PO-")).collect();
    assert_eq!(orders.len(), 1, "not sent again");
    let told: Vec<_> = sent.iter().filter(|m| m.data.contains("Needs you: PO-")).collect();
    assert_eq!(told.len(), 1, "the buyer is emailed the notice");
    assert!(told[0].to.iter().any(|t| t.starts_with("alice@")), "{:?}", told[0].to);

    // The buyer checked with the distributor: it arrived.
    w.svc.settle_job_done(&w.actor("alice"), job).unwrap();
    assert_eq!(w.svc.order(po).unwrap().status(), OrderStatus::EmailSent);
}

#[test]
fn a_connection_cut_while_the_message_goes_over_is_uncertain_too() {
    // The client cannot tell a cut in the middle of the message from a lost answer after
    // its end, so both stop for a person; a buyer who finds nothing arrived sends again.
    let server = SmtpServer::start(Mode::CloseMidMessage);
    let w = world(server.port);
    let po = w.order();
    let job = w.place_email(po);
    let outcome = purser::jobs::outbox::run_job_now(&w.svc, &w.actor("alice"), job).unwrap();
    assert!(matches!(outcome, Some(JobOutcome::Uncertain(_))), "{outcome:?}");
    assert!(server.messages().is_empty(), "a message cut short is not accepted");

    server.set_mode(Mode::Accept);
    w.svc.retry_job(&w.actor("alice"), job).unwrap();
    let outcome = purser::jobs::outbox::run_job_now(&w.svc, &w.actor("alice"), job).unwrap();
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    assert_eq!(server.messages().len(), 1);
    assert_eq!(w.svc.order(po).unwrap().status(), OrderStatus::EmailSent);
}

#[test]
fn a_crash_between_sending_and_recording_never_sends_twice_without_asking() {
    let server = SmtpServer::start(Mode::Accept);
    let w = world(server.port);
    let po = w.order();
    let job = w.place_email(po);
    let owner = "alice@crashed";
    let claimed = w.svc.claim_job(owner, Some(job)).unwrap().expect("claimed");
    // Sent, and then the process dies before recording it.
    let _ = purser::jobs::outbox::work_now(&w.svc, &claimed);
    assert_eq!(server.messages().len(), 1);

    // Another process finds the lease run out: the outcome is uncertain; nothing is sent.
    w.advance(purser::app::JOB_LEASE_SECS + 1);
    let report = purser::jobs::outbox::run_due_now(&w.svc, &w.actor("alice")).unwrap();
    assert!(report.done.is_empty());
    assert!(matches!(w.job_state(job), JobState::Uncertain { .. }));
    assert_eq!(server.messages().len(), 1, "not sent again");
    assert!(w.svc.order(po).unwrap().sending.is_some());

    // The buyer checked with the distributor: it arrived.
    w.svc.settle_job_done(&w.actor("alice"), job).unwrap();
    assert_eq!(w.svc.order(po).unwrap().status(), OrderStatus::EmailSent);
    assert_eq!(server.messages().len(), 1);
}

#[test]
fn approvers_and_creators_are_notified() {
    let server = SmtpServer::start(Mode::Accept);
    let w = world(server.port);
    // A rule needing carol above 1,000, set by an admin.
    let ada = identity::Actor {
        name: "ada".into(),
        roles: purser::domain::Roles::new([purser::domain::Role::Admin]),
    };
    w.svc
        .add_rule(
            &ada,
            ApprovalRule {
                from: "1000".parse().unwrap(),
                to: None,
                approver: "carol".into(),
            },
        )
        .unwrap();
    let po = w.order();
    let alice = w.actor("alice");
    let r = w
        .svc
        .place(
            &alice,
            PlaceRequest {
                po,
                method: PlacementMethod::Email,
                link: None,
            },
        )
        .unwrap();
    assert!(matches!(
        r.outcome,
        purser::domain::order::PlaceOutcome::SentForApproval { .. }
    ));
    purser::jobs::outbox::run_due_now(&w.svc, &alice).unwrap();
    let msgs = server.messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].to, vec!["carol@example.org"]);
    assert!(msgs[0].data.contains("Approval needed: PO-000001"), "{}", msgs[0].data);
    assert!(msgs[0].data.contains("3,265.50 EUR"), "total in the notice");

    w.svc
        .reject(&w.actor("carol"), po, "Use the framework agreement")
        .unwrap();
    purser::jobs::outbox::run_due_now(&w.svc, &alice).unwrap();
    let msgs = server.messages();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[1].to, vec!["alice@example.org"]);
    assert!(msgs[1].data.contains("Use the framework agreement"));
}
