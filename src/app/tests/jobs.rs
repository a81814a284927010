//! Outbox jobs: a claimed job is leased to one owner, a renewed lease keeps a slow job with
//! the process running it, retries wait for the backoff and failures for a person, and
//! running due jobs without mail leaves them waiting.

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
        k.run_job(&alice, job.id, &exec).unwrap(),
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
    let report = k.run_due_jobs(&alice, &exec).unwrap();
    assert_eq!(report.done, vec![1]);
    assert_eq!(exec.1.get(), 1);
}

#[test]
fn run_due_jobs_without_mail_leaves_jobs_waiting() {
    let k = Kit::new();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 1, "1.00")
            .product("2", "B", 1, "1.00"),
    );
    let a = k.create(&[it[0]]).number;
    let b = k.create(&[it[1]]).number;
    k.place(&k.alice(), place_req(a, PlacementMethod::Manual)).unwrap();
    k.place(&k.alice(), place_req(b, PlacementMethod::Manual)).unwrap();
    k.reject(&k.carol(), b, "no").unwrap();
    let audit_before = k.audit(&AuditFilter::default()).unwrap().len();

    let no_mail = crate::jobs::Executor::from_config(&k.config);
    let report = k.run_due_jobs(&k.alice(), &no_mail).unwrap();
    assert!(report.done.is_empty() && report.retrying.is_empty() && report.failed.is_empty());
    let why = "email needs [smtp] in the configuration".to_string();
    assert_eq!(
        report.waiting,
        vec![(1, why.clone()), (2, why.clone()), (3, why.clone())]
    );
    for j in k.jobs().unwrap() {
        assert_eq!(
            j.state,
            JobState::Queued {
                not_before: start_time() + chrono::Duration::seconds(60)
            }
        );
        assert_eq!((j.attempts, j.last_error.as_deref()), (0, Some(why.as_str())));
    }
    // Not due again until the minute is up.
    let again = k.run_due_jobs(&k.alice(), &no_mail).unwrap();
    assert!(again.waiting.is_empty());
    k.clock.advance(60);
    assert_eq!(k.run_due_jobs(&k.alice(), &no_mail).unwrap().waiting.len(), 3);
    assert_eq!(
        k.audit(&AuditFilter::default()).unwrap().len(),
        audit_before,
        "notifications change no order"
    );
}

/// An executor slower than the lease: while it runs, the clock passes the lease and
/// another process tries to take the job.
struct SlowPast<'a> {
    clock: &'a crate::app::testkit::TestClock,
    taken_by_other: std::cell::Cell<Option<bool>>,
}

impl JobExecutor for SlowPast<'_> {
    fn run(&self, svc: &Service, job: &Job) -> JobOutcome {
        self.clock.advance(LEASE - 1);
        // Long enough for several renewals at the test's period.
        std::thread::sleep(std::time::Duration::from_millis(200));
        self.clock.advance(10);
        self.taken_by_other
            .set(Some(svc.claim_job("other", Some(job.id)).unwrap().is_some()));
        JobOutcome::Done(None)
    }
}

#[test]
fn a_job_slower_than_its_lease_stays_with_the_process_running_it() {
    let k = Kit::new();
    awaiting_carol(&k);
    let job = k.claim_job("A", None).unwrap().expect("a due job");
    let slow = SlowPast {
        clock: &k.clock,
        taken_by_other: std::cell::Cell::new(None),
    };
    let outcome = k.run_leased(&job, "A", &slow, std::time::Duration::from_millis(20));
    assert_eq!(outcome, JobOutcome::Done(None));
    assert_eq!(
        slow.taken_by_other.get(),
        Some(false),
        "the renewed lease kept it with A"
    );
    k.finish_job(&k.alice(), job.id, "A", &outcome).unwrap();
    let after = k.jobs().unwrap().into_iter().find(|j| j.id == job.id).unwrap();
    assert!(matches!(after.state, JobState::Done { .. }), "{:?}", after.state);
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
