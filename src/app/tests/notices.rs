//! Failed background work reaches the person who acted on the order — placer or approver
//! — as a notice that stays until they see it, and by email when mail is configured; the
//! audit trail records the failure under the system actor, whoever's process ran the job.

use super::*;
use crate::app::notices::SYSTEM_ACTOR;

/// [`crate::app::testkit::CONFIG`] with mail, and addresses for alice and carol.
fn with_mail_and_addresses() -> Kit {
    let config = crate::app::testkit::CONFIG
        .replace(
            "[users.alice]\nroles = [\"buyer\"]",
            "[users.alice]\nroles = [\"buyer\"]\nemail = \"alice@example.invalid\"",
        )
        .replace(
            "[users.carol]\nroles = [\"approver\", \"buyer\"]",
            "[users.carol]\nroles = [\"approver\", \"buyer\"]\nemail = \"carol@example.invalid\"",
        );
    Kit::with_config(&format!("{config}\n[mail]\nfolder = \"unused-mail-folder\"\n"))
}

fn emailed_order(k: &Kit) -> PoNumber {
    k.create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 2, "10.00")))
        .number
}

#[test]
fn a_failed_send_tells_the_buyer_who_placed_it_and_is_audited_as_the_system() {
    let k = with_mail_and_addresses();
    let po = emailed_order(&k);
    k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    // Rick's screens happen to run the job.
    let exec = answer(JobOutcome::Failed("550 mailbox unknown".into()));
    exec.run_job(&k, &k.rick(), 1).unwrap();

    let alices = k.notices(&k.alice(), false).unwrap();
    assert_eq!(alices.len(), 1);
    assert_eq!(alices[0].po, Some(po));
    assert!(alices[0].text.contains("550 mailbox unknown") && alices[0].text.contains(&po.to_string()));
    assert!(k.notices(&k.rick(), false).unwrap().is_empty(), "not whoever ran it");
    assert_eq!(k.notices_of(po).unwrap(), alices);

    let entry = k
        .audit(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .find(|e| e.action == "po.submit_failed")
        .expect("the failure is in the trail");
    assert_eq!(entry.actor, SYSTEM_ACTOR);

    // Mail is configured and alice has an address: she is emailed too.
    let jobs = k.jobs().unwrap();
    assert!(
        jobs.iter()
            .any(|j| matches!(&j.kind, JobKind::NotifyFailure { user, .. } if user == "alice")),
        "{jobs:?}"
    );
}

#[test]
fn an_approved_order_that_cannot_be_sent_tells_the_approver() {
    let k = with_mail_and_addresses();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let po = emailed_order(&k);
    k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    k.place(&k.carol(), place_req(po, PlacementMethod::Email)).unwrap();
    let send = k
        .jobs()
        .unwrap()
        .into_iter()
        .find(|j| matches!(j.kind, JobKind::SubmitEmail { .. }))
        .expect("the send");
    let exec = answer(JobOutcome::Uncertain("the connection broke".into()));
    exec.run_job(&k, &k.rick(), send.id).unwrap();
    let carols = k.notices(&k.carol(), false).unwrap();
    assert_eq!(carols.len(), 1, "{carols:?}");
    assert!(carols[0].text.contains("the connection broke"));
}

#[test]
fn a_notice_stays_until_its_person_marks_it_seen() {
    let k = Kit::with_mail();
    let po = emailed_order(&k);
    k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    answer(JobOutcome::Failed("550".into()))
        .run_job(&k, &k.rick(), 1)
        .unwrap();
    let n = k.notices(&k.alice(), false).unwrap();
    assert_eq!(n.len(), 1);
    // Nobody else may mark it.
    let before = k.snapshot();
    refused(
        k.mark_notices_seen(&k.rick(), &[n[0].id]),
        &["is for alice, not for rick"],
    );
    refused(k.mark_notices_seen(&k.alice(), &[99]), &["there is no notice 99"]);
    k.assert_unchanged(&before);
    k.mark_notices_seen(&k.alice(), &[n[0].id]).unwrap();
    assert!(k.notices(&k.alice(), false).unwrap().is_empty());
    assert_eq!(k.notices(&k.alice(), true).unwrap().len(), 1, "kept, seen");
    // Without an address (or without mail), no email is queued.
    assert!(!k
        .jobs()
        .unwrap()
        .iter()
        .any(|j| matches!(j.kind, JobKind::NotifyFailure { .. })));
}

#[test]
fn a_failure_email_that_fails_tells_nobody_again() {
    let k = with_mail_and_addresses();
    let po = emailed_order(&k);
    k.place(&k.alice(), place_req(po, PlacementMethod::Email)).unwrap();
    answer(JobOutcome::Failed("550".into()))
        .run_job(&k, &k.rick(), 1)
        .unwrap();
    let email = k
        .jobs()
        .unwrap()
        .into_iter()
        .find(|j| matches!(j.kind, JobKind::NotifyFailure { .. }))
        .expect("the failure email");
    answer(JobOutcome::Failed("SMTP down".into()))
        .run_job(&k, &k.rick(), email.id)
        .unwrap();
    assert_eq!(k.notices(&k.alice(), true).unwrap().len(), 1);
    assert_eq!(
        k.jobs()
            .unwrap()
            .iter()
            .filter(|j| matches!(j.kind, JobKind::NotifyFailure { .. }))
            .count(),
        1
    );
}
