//! The outbox loop: claims due jobs with a lease, runs each while one ticker renews its
//! lease, and records the outcome through the service.
//!
//! One lease mechanism: the lease is written when the job is claimed and renewed every
//! [`RENEW_EVERY`] while it runs. Should another process have taken the job over (this
//! one stalled past the lease), the run is dropped at its next await: the work is built to
//! survive that like a crash (an attempt is noted before anything leaves), and the outcome
//! is not recorded, since the job is no longer ours.
//!
//! A stop request is honoured between jobs: quitting never waits for work that has not
//! started. PSA runs also look at it between their steps.

use super::db::Db;
use super::email::Mail;
use crate::app::{AppError, JobOutcome, RENEW_EVERY};
use crate::domain::job::{Job, JobKind};
use crate::identity::Actor;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

/// What one pass over the outbox did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    pub done: Vec<u64>,
    pub retrying: Vec<(u64, String)>,
    pub failed: Vec<(u64, String)>,
    /// Jobs left queued, with why.
    pub waiting: Vec<(u64, String)>,
    /// Jobs that may have reached the far side and wait for a person.
    pub uncertain: Vec<(u64, String)>,
}

impl RunReport {
    fn add(&mut self, id: u64, outcome: JobOutcome) {
        match outcome {
            JobOutcome::Done(_) => self.done.push(id),
            JobOutcome::RetryLater(e) => self.retrying.push((id, e)),
            JobOutcome::Failed(e) => self.failed.push((id, e)),
            JobOutcome::NotHandled(why) => self.waiting.push((id, why)),
            JobOutcome::Uncertain(why) => self.uncertain.push((id, why)),
        }
    }
}

/// What a job needs besides the database: the mailer, set up once per process, and the
/// stop request.
pub struct Context {
    pub mail: Mail,
    pub stop: CancellationToken,
}

impl Context {
    pub fn new(db: &Db, stop: CancellationToken) -> Context {
        Context {
            mail: Mail::from_config(db.config()),
            stop,
        }
    }
}

/// The lease owner for `actor` in this process.
pub fn owner_of(actor: &Actor) -> String {
    format!("{}@{}", actor.name, std::process::id())
}

/// The outcome with every known secret taken out of its message: it is kept in the job,
/// the order and the audit trail, and shown.
fn scrubbed(outcome: JobOutcome) -> JobOutcome {
    let s = |m: String| crate::secrets::scrub(&m);
    match outcome {
        JobOutcome::Done(e) => JobOutcome::Done(e),
        JobOutcome::RetryLater(m) => JobOutcome::RetryLater(s(m)),
        JobOutcome::Failed(m) => JobOutcome::Failed(s(m)),
        JobOutcome::NotHandled(m) => JobOutcome::NotHandled(s(m)),
        JobOutcome::Uncertain(m) => JobOutcome::Uncertain(s(m)),
    }
}

/// What a job does at the far side.
async fn work(db: &Db, ctx: &Context, job: &Job) -> JobOutcome {
    match &job.kind {
        JobKind::SubmitApi { .. } | JobKind::PollStatus { .. } => super::distributor::run_job(db, job).await,
        JobKind::PsaSync { .. } | JobKind::PsaReceipt { .. } => super::psa::run_job(db, ctx, job).await,
        JobKind::SubmitEmail { .. }
        | JobKind::NotifyApprover { .. }
        | JobKind::NotifyRejection { .. }
        | JobKind::NotifyFailure { .. } => super::email::run_job(db, &ctx.mail, job).await,
    }
}

/// Runs `run`, the work of a claimed job, renewing its lease `every` while it runs;
/// `None` when the lease was lost to another process (the run was dropped and its outcome
/// is not ours to record).
async fn run_leased(
    db: &Db,
    job: &Job,
    owner: &str,
    every: std::time::Duration,
    run: impl std::future::Future<Output = JobOutcome>,
) -> Option<JobOutcome> {
    tokio::pin!(run);
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            outcome = &mut run => return Some(scrubbed(outcome)),
            _ = renew.tick() => {
                let (id, o) = (job.id, owner.to_string());
                match db.run(move |svc| svc.renew_lease(id, &o)).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job = job.id, "the lease was taken over while the job ran; it goes on there");
                        return None;
                    }
                    // The next renewal tries again; the lease has two more periods to go.
                    Err(e) => tracing::warn!(job = job.id, "cannot renew the lease: {e}"),
                }
            }
        }
    }
}

/// Claims one due job (`only`: that job) for this process.
async fn claim(db: &Db, actor: &Actor, only: Option<u64>) -> Result<Option<Job>, AppError> {
    let owner = owner_of(actor);
    db.run(move |svc| svc.claim_job(&owner, only)).await
}

/// Runs a claimed job and records its outcome; `None` when the lease was lost.
async fn run_claimed(db: &Db, ctx: &Context, actor: &Actor, job: &Job) -> Result<Option<JobOutcome>, AppError> {
    let owner = owner_of(actor);
    let outcome = run_leased(db, job, &owner, RENEW_EVERY, work(db, ctx, job)).await;
    if let Some(outcome) = &outcome {
        let (a, id, out) = (actor.clone(), job.id, outcome.clone());
        db.run(move |svc| svc.finish_job(&a, id, &owner, &out)).await?;
    }
    Ok(outcome)
}

/// Runs one specific job now if it is due (for `po place`, which waits for its job).
pub async fn run_job(db: &Db, ctx: &Context, actor: &Actor, id: u64) -> Result<Option<JobOutcome>, AppError> {
    match claim(db, actor, Some(id)).await? {
        Some(job) => run_claimed(db, ctx, actor, &job).await,
        None => Ok(None),
    }
}

/// Runs every due job once (for `purser sync run` and the background loop), stopping
/// between jobs when asked to.
pub async fn run_due(db: &Db, ctx: &Context, actor: &Actor) -> Result<RunReport, AppError> {
    let mut report = RunReport::default();
    let mut seen = std::collections::HashSet::new();
    while !ctx.stop.is_cancelled() {
        let Some(job) = claim(db, actor, None).await? else {
            break;
        };
        // A job due again at once (a retry without backoff) waits for the next pass.
        if !seen.insert(job.id) {
            break;
        }
        if let Some(outcome) = run_claimed(db, ctx, actor, &job).await? {
            report.add(job.id, outcome);
        }
    }
    Ok(report)
}

/// Runs `f` from synchronous code (a command, a test) on a borrowed service: a database
/// thread lent for the call, one runtime, a context that is never asked to stop.
fn now<R>(svc: &crate::app::Service, f: impl AsyncFnOnce(&Db, &Context) -> R) -> R {
    super::db::with_db(svc, |db| {
        super::db::block_on(async {
            let ctx = Context::new(&db, CancellationToken::new());
            f(&db, &ctx).await
        })
    })
}

/// [`run_due`] from synchronous code (a command, a test), on a borrowed service.
pub fn run_due_now(svc: &crate::app::Service, actor: &Actor) -> Result<RunReport, AppError> {
    now(svc, async |db, ctx| run_due(db, ctx, actor).await)
}

/// The work of a claimed job, unrecorded: what a process does at the far side before it
/// could record the outcome (tests use it to stand for a crash right after sending).
pub fn work_now(svc: &crate::app::Service, job: &Job) -> JobOutcome {
    now(svc, async |db, ctx| work(db, ctx, job).await)
}

/// [`run_job`] from synchronous code, on a borrowed service.
pub fn run_job_now(svc: &crate::app::Service, actor: &Actor, id: u64) -> Result<Option<JobOutcome>, AppError> {
    now(svc, async |db, ctx| run_job(db, ctx, actor, id).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testkit::{start_time, Kit, QuoteJson};
    use crate::app::{PlaceRequest, JOB_LEASE_SECS as LEASE};
    use crate::domain::job::JobState;
    use crate::domain::{ApprovalRule, PlacementMethod};

    fn approvals_by_carol(k: &Kit) {
        let rule = ApprovalRule {
            from: rust_decimal::Decimal::ZERO,
            to: None,
            approver: "carol".into(),
        };
        k.add_rule(&k.ada(), rule).unwrap();
    }

    /// A kit with one order awaiting carol's approval (its notice is job 1).
    fn awaiting_carol() -> Kit {
        let k = Kit::new();
        approvals_by_carol(&k);
        let po = k
            .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "1.00")))
            .number;
        let req = PlaceRequest {
            po,
            method: PlacementMethod::Manual,
            link: None,
        };
        k.place(&k.alice(), req).unwrap();
        k
    }

    #[test]
    fn due_jobs_without_mail_are_left_waiting() {
        let k = Kit::new();
        approvals_by_carol(&k);
        let it = k.import(
            &QuoteJson::new("Q-1")
                .product("1", "A", 1, "1.00")
                .product("2", "B", 1, "1.00"),
        );
        let a = k.create(&[it[0]]).number;
        let b = k.create(&[it[1]]).number;
        for po in [a, b] {
            let req = PlaceRequest {
                po,
                method: PlacementMethod::Manual,
                link: None,
            };
            k.place(&k.alice(), req).unwrap();
        }
        k.reject(&k.carol(), b, "no").unwrap();
        let audit_before = k.audit(&Default::default()).unwrap().len();

        let report = run_due_now(&k, &k.alice()).unwrap();
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
        assert!(run_due_now(&k, &k.alice()).unwrap().waiting.is_empty());
        k.clock.advance(60);
        assert_eq!(run_due_now(&k, &k.alice()).unwrap().waiting.len(), 3);
        assert_eq!(
            k.audit(&Default::default()).unwrap().len(),
            audit_before,
            "notifications change no order"
        );
    }

    #[test]
    fn a_job_slower_than_its_lease_stays_with_the_process_running_it() {
        let k = awaiting_carol();
        let job = k.claim_job("A", None).unwrap().expect("a due job");
        let (outcome, taken_by_other) = super::super::db::with_db(&k, |db| {
            super::super::db::block_on(async {
                let mut taken = None;
                // Slower than the lease: the clock passes it while the lease is renewed.
                let slow = async {
                    k.clock.advance(LEASE - 1);
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    k.clock.advance(10);
                    let id = job.id;
                    taken = db
                        .run(move |svc| svc.claim_job("other", Some(id)))
                        .await
                        .ok()
                        .map(|j| j.is_some());
                    JobOutcome::Done(None)
                };
                let outcome = run_leased(&db, &job, "A", std::time::Duration::from_millis(20), slow).await;
                (outcome, taken)
            })
        });
        assert_eq!(outcome, Some(JobOutcome::Done(None)));
        assert_eq!(taken_by_other, Some(false), "the renewed lease kept it with A");
    }

    #[test]
    fn a_job_whose_lease_was_taken_over_is_dropped_unrecorded() {
        let k = awaiting_carol();
        let job = k.claim_job("A", None).unwrap().expect("a due job");
        // Another process took the job over while A stalled.
        k.clock.advance(LEASE);
        k.claim_job("B", None).unwrap().expect("taken over");
        let outcome = super::super::db::with_db(&k, |db| {
            super::super::db::block_on(async {
                let never_done = std::future::pending::<JobOutcome>();
                run_leased(&db, &job, "A", std::time::Duration::from_millis(10), never_done).await
            })
        });
        assert_eq!(outcome, None, "the run stops as soon as the lease is found lost");
    }

    #[test]
    fn a_stop_request_runs_no_further_job() {
        let k = awaiting_carol();
        let report = super::super::db::with_db(&k, |db| {
            super::super::db::block_on(async {
                let stop = CancellationToken::new();
                stop.cancel();
                let ctx = Context::new(&db, stop);
                run_due(&db, &ctx, &k.alice()).await
            })
        })
        .unwrap();
        assert!(report.done.is_empty() && report.waiting.is_empty());
        assert!(
            matches!(k.jobs().unwrap()[0].state, JobState::Queued { .. }),
            "not even claimed"
        );
    }
}
