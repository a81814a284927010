//! Outbox email placement: an email order is sent by a job and completes with it; a
//! failed email leaves the order pending with the error; an interrupted one is uncertain
//! until a person settles it, and a send that went through after all is recorded; an
//! order being sent cannot be rejected.

use super::*;

#[test]
fn email_placement_is_sent_by_a_job_and_completes_with_it() {
    let k = Kit::with_mail();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 2, "10.00")
            .product("2", "B", 1, "1.00"),
    );
    let po = k.create(&[it[0]]).number;
    let r = k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    assert_eq!(
        (r.outcome, r.job, r.approver),
        (PlaceOutcome::Sending { job: 1 }, Some(1), None)
    );
    let o = k.order(po).unwrap();
    assert_eq!(o.status(), OrderStatus::Pending, "not placed until the email left");
    let s = o.sending.as_ref().unwrap();
    assert_eq!((s.method, s.by.as_str(), s.job), (PlacementMethod::Email, "alice", 1));
    assert_eq!(k.jobs().unwrap()[0].kind, JobKind::SubmitEmail { po });
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.submit"));

    // While it is being sent nothing else touches it.
    let before = k.snapshot();
    let busy = "PO-000001 is being sent (email to the distributor, job 1); wait for it to finish";
    refused(k.place(&k.alice(), place_req(po, PlacementMethod::Manual)), &[busy]);
    refused(k.place(&k.alice(), place_req(po, PlacementMethod::Email)), &[busy]);
    refused(k.cancel(&k.alice(), po), &[busy]);
    refused(k.add_to_order(&k.alice(), po, &[it[1]]), &[busy]);
    refused(
        k.edit_order(
            &k.alice(),
            po,
            OrderEdit {
                notes: Some(Some("x".into())),
                ..Default::default()
            },
        ),
        &[busy],
    );
    k.assert_unchanged(&before);

    k.clock.advance(5);
    let sent = JobOutcome::Done(Some(Effect::EmailSent {
        message_id: "<po-1@purser.test>".into(),
        recipients: vec!["orders@ingram.invalid".into()],
    }));
    let exec = answer(sent.clone());
    assert_eq!(exec.run_job(&k, &k.alice(), 1).unwrap(), Some(sent));
    let o = k.order(po).unwrap();
    assert_eq!(o.status(), OrderStatus::EmailSent);
    assert_eq!(o.sending, None);
    let sub = o.submission().unwrap();
    assert_eq!(sub.recipients, vec!["orders@ingram.invalid"]);
    assert_eq!(
        (sub.message_id.as_deref(), sub.by.as_str(), sub.at),
        (Some("<po-1@purser.test>"), "alice", k.clock.now())
    );
    assert_eq!(k.jobs().unwrap()[0].state, JobState::Done { at: k.clock.now() });
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.email_sent"));
    assert_eq!(exec.run_job(&k, &k.alice(), 1).unwrap(), None);
    assert_eq!(exec.1.get(), 1, "sent once");
    k.receive_as_rick(po, 1, Some(1), &[]).unwrap();
    assert_eq!(k.order(po).unwrap().status(), OrderStatus::Partial);
}

#[test]
fn a_send_that_went_through_after_its_job_was_marked_uncertain_is_recorded() {
    let k = Kit::with_mail();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 2, "10.00")))
        .number;
    k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    let job = k.claim_job("A", None).unwrap().expect("the email job");
    // A stalls past its lease; B finds the job and, an email being unsafe to repeat,
    // marks it uncertain.
    k.clock.advance(LEASE + 1);
    assert_eq!(k.claim_job("B", None).unwrap(), None);
    assert!(matches!(k.jobs().unwrap()[0].state, JobState::Uncertain { .. }));
    // Then A's send completes: the server took it, so it is recorded, not left to ask.
    let sent = JobOutcome::Done(Some(Effect::EmailSent {
        message_id: "<late@purser.test>".into(),
        recipients: vec!["orders@ingram.invalid".into()],
    }));
    k.finish_job(&k.alice(), job.id, "A", &sent).unwrap();
    assert!(matches!(k.jobs().unwrap()[0].state, JobState::Done { .. }));
    let o = k.order(po).unwrap();
    assert_eq!(o.status(), OrderStatus::EmailSent);
    assert_eq!(
        o.submission().unwrap().message_id.as_deref(),
        Some("<late@purser.test>")
    );
}

#[test]
fn a_failed_email_leaves_the_order_pending_with_the_error() {
    let k = Kit::with_mail();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 2, "10.00")))
        .number;
    k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    let exec = answer(JobOutcome::Failed("550 mailbox unknown".into()));
    exec.run_job(&k, &k.alice(), 1).unwrap();
    let o = k.order(po).unwrap();
    assert_eq!((o.status(), o.sending.clone()), (OrderStatus::Pending, None));
    assert_eq!(o.errors.len(), 1);
    assert_eq!(
        (o.errors[0].method, o.errors[0].message.as_str()),
        (PlacementMethod::Email, "550 mailbox unknown")
    );
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.submit_failed"));
    let before = k.snapshot();
    refused(
        k.retry_job(&k.alice(), 1),
        &["job 1 failed and PO-000001 was left pending; place PO-000001 again to send it"],
    );
    k.assert_unchanged(&before);
    // Placing again makes a new job; the items never left the order.
    let r = k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    assert_eq!(r.job, Some(2));
    assert_eq!(k.item(1).unwrap().state, ItemState::Ordered { po });
}

#[test]
fn an_interrupted_email_is_uncertain_until_a_person_settles_it() {
    let k = Kit::with_mail();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 2, "10.00")))
        .number;
    k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    let job = k.claim_job("A", None).unwrap().unwrap();
    // A dies mid-send; its lease runs out. Sending again could order twice: nobody may.
    k.clock.advance(LEASE);
    assert_eq!(k.claim_job("B", None).unwrap(), None);
    assert_eq!(k.jobs().unwrap()[0].state, JobState::Uncertain { since: k.clock.now() });
    assert!(k.order(po).unwrap().sending.is_some());
    k.clock.advance(3600);
    assert_eq!(
        k.claim_job("B", None).unwrap(),
        None,
        "an uncertain job waits for a person"
    );
    k.finish_job(&k.alice(), job.id, "A", &JobOutcome::RetryLater("timed out".into()))
        .unwrap();
    assert_eq!(
        k.jobs().unwrap()[0].state_label(),
        "uncertain",
        "A's late failure is ignored: it may still have arrived"
    );

    // The distributor confirms it arrived.
    let before = k.snapshot();
    refused(
        k.settle_job_done(&k.rick(), 1),
        &["rick may not settle background jobs"],
    );
    refused(k.settle_job_done(&k.alice(), 7), &["no background job 7"]);
    k.assert_unchanged(&before);
    k.settle_job_done(&k.alice(), 1).unwrap();
    let o = k.order(po).unwrap();
    assert_eq!((o.status(), o.sending.clone()), (OrderStatus::EmailSent, None));
    let got: Vec<String> = actions(&k).into_iter().rev().take(2).collect();
    assert_eq!(got, vec!["job.settle_done", "po.email_sent"]);
    refused(
        k.settle_job_done(&k.alice(), 1),
        &["job 1 is done; only an uncertain job can be marked as done"],
    );
}

#[test]
fn an_order_being_sent_cannot_be_rejected() {
    let k = Kit::with_mail();
    let po = awaiting_carol(&k);
    let r = k.place(&k.carol(), place_req(po, PlacementMethod::Email)).unwrap();
    assert_eq!((r.outcome, r.job), (PlaceOutcome::Sending { job: 2 }, Some(2)));
    let before = k.snapshot();
    refused(
        k.reject(&k.carol(), po, "changed my mind"),
        &["PO-000001 is being sent"],
    );
    k.assert_unchanged(&before);
}
