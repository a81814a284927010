//! Outbox jobs: a claimed job is leased to one owner, a renewed lease keeps a job with the
//! process running it, retries wait for the backoff and failures for a person. (Running
//! jobs is the jobs layer's, and tested there.)

use super::*;

#[test]
fn a_claimed_job_is_leased_to_one_owner() {
    let k = Kit::new();
    let po = awaiting_carol(&k);
    let alice = k.alice();

    let job = k.claim_job("A", None).unwrap().expect("a due job");
    assert_eq!(
        job.kind,
        JobKind::NotifyApprover {
            po,
            approver: "carol".into()
        }
    );
    assert_eq!(job.attempts, 1);
    assert_eq!(
        job.state,
        JobState::Running {
            owner: "A".into(),
            until: start_time() + chrono::Duration::seconds(LEASE)
        }
    );
    assert_eq!(k.jobs().unwrap()[0], job, "the lease is stored");
    assert_eq!(k.claim_job("B", None).unwrap(), None);
    assert_eq!(k.claim_job("B", Some(job.id)).unwrap(), None);
    k.clock.advance(LEASE - 1);
    assert_eq!(k.claim_job("B", None).unwrap(), None, "the lease still holds");
    k.clock.advance(1);
    let taken = k
        .claim_job("B", None)
        .unwrap()
        .expect("an expired lease can be taken over");
    assert_eq!((taken.id, taken.attempts), (job.id, 2));
    assert!(matches!(&taken.state, JobState::Running { owner, .. } if owner == "B"));

    // A's late report is ignored; B's counts.
    k.finish_job(&alice, job.id, "A", &JobOutcome::Done(None)).unwrap();
    assert_eq!(k.jobs().unwrap()[0], taken);
    k.finish_job(&alice, job.id, "B", &JobOutcome::Done(None)).unwrap();
    assert_eq!(k.jobs().unwrap()[0].state, JobState::Done { at: k.clock.now() });
    assert_eq!(k.claim_job("C", None).unwrap(), None);
    k.finish_job(&alice, 99, "B", &JobOutcome::Done(None)).unwrap();
    let exec = answer(JobOutcome::Done(None));
    assert_eq!(
        exec.run_job(&k, &alice, job.id).unwrap(),
        None,
        "a done job does not run again"
    );
    assert_eq!(exec.1.get(), 0);
}

#[test]
fn retry_later_waits_for_the_backoff_and_failures_wait_for_a_person() {
    let k = Kit::new();
    awaiting_carol(&k);
    let alice = k.alice();
    let job = k.claim_job("A", None).unwrap().unwrap();
    k.finish_job(
        &alice,
        job.id,
        "A",
        &JobOutcome::RetryLater("connection refused".into()),
    )
    .unwrap();
    let j = &k.jobs().unwrap()[0];
    assert_eq!(j.last_error.as_deref(), Some("connection refused"));
    assert_eq!(
        j.state,
        JobState::Queued {
            not_before: start_time() + chrono::Duration::seconds(10)
        }
    );
    k.clock.advance(9);
    assert_eq!(k.claim_job("A", None).unwrap(), None);
    k.clock.advance(1);
    let job = k.claim_job("A", None).unwrap().unwrap();
    assert_eq!(job.attempts, 2);
    let before = k.snapshot();
    refused(
        k.retry_job(&alice, job.id),
        &["job 1 is running; only failed or uncertain jobs can be retried"],
    );
    refused(k.retry_job(&alice, 5), &["no background job 5"]);
    k.assert_unchanged(&before);
    k.finish_job(&alice, job.id, "A", &JobOutcome::Failed("550 mailbox unknown".into()))
        .unwrap();
    k.clock.advance(100_000);
    assert_eq!(k.claim_job("A", None).unwrap(), None, "a failed job waits for a person");
    assert_eq!(k.jobs().unwrap()[0].state_label(), "failed");
    let j = k.retry_job(&alice, job.id).unwrap();
    assert_eq!(
        j.state,
        JobState::Queued {
            not_before: k.clock.now()
        }
    );
    assert_eq!(actions(&k).last().map(String::as_str), Some("job.retry"));
    let exec = answer(JobOutcome::Done(None));
    let ran = exec.run_due(&k, &alice).unwrap();
    assert_eq!(ran, vec![1]);
    assert_eq!(exec.1.get(), 1);
}

#[test]
fn a_renewed_lease_keeps_a_slow_job_its_own_and_a_lost_one_says_so() {
    let k = Kit::new();
    awaiting_carol(&k);
    let job = k.claim_job("A", None).unwrap().expect("a due job");
    // A slow run renews before each step: the lease never runs out under it.
    k.clock.advance(LEASE - 1);
    assert!(k.renew_lease(job.id, "A").unwrap());
    k.clock.advance(LEASE - 1);
    assert_eq!(k.claim_job("B", None).unwrap(), None, "renewed, so still A's");
    // A process that stalled past its lease finds it taken over and stops.
    k.clock.advance(LEASE);
    let taken = k.claim_job("B", None).unwrap().expect("taken over");
    assert!(!k.renew_lease(job.id, "A").unwrap(), "A lost it");
    assert!(k.renew_lease(taken.id, "B").unwrap());
    assert!(!k.renew_lease(9999, "B").unwrap(), "no such job");
}
