//! The outbox: jobs recorded with the command that caused them, run in the background
//! with a lease, retried with backoff, failed visibly. A job's result and its effect on
//! the order (an order emailed, a submission abandoned) commit together.

use super::Permission;
use super::{audit, load_order, AppError, Service};
use crate::domain::job::{Job, JobKind, JobState};
use crate::identity::Actor;
use crate::store::WriteOps;
use chrono::Duration;
use serde::Serialize;

/// How long a claimed job is reserved for the process running it, in seconds.
pub const LEASE: i64 = 120;

/// How often the lease of a job is renewed while it runs: a third of the lease, so one
/// late renewal still leaves the job held.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(LEASE as u64 / 3);

/// What a job achieved at the far side, recorded with its completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// An email left: the message id and who it went to.
    EmailSent {
        message_id: String,
        recipients: Vec<String>,
    },
}

/// What running a job came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Done(Option<Effect>),
    /// Temporary failure: try again after the backoff.
    RetryLater(String),
    /// Permanent failure: a person must look.
    Failed(String),
    /// This process cannot run this kind of job (not configured); leave it queued.
    NotHandled(String),
    /// It may have reached the far side and cannot be looked up or safely sent again:
    /// the job stops for a person to decide.
    Uncertain(String),
}

/// Runs jobs of the kinds it knows. It may read through the service; it records nothing
/// itself — its outcome is recorded by the caller.
pub trait JobExecutor {
    fn run(&self, svc: &Service, job: &Job) -> JobOutcome;
}

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

fn owner_of(actor: &Actor) -> String {
    format!("{}@{}", actor.name, std::process::id())
}

impl Service {
    /// All jobs, oldest first.
    pub fn jobs(&self) -> Result<Vec<Job>, AppError> {
        Ok(self.store.read(|tx| tx.jobs())?)
    }

    /// Claims one due job (`only`: that job) for `owner`, writing the lease in its own
    /// transaction before anything is attempted.
    pub fn claim_job(&self, owner: &str, only: Option<u64>) -> Result<Option<Job>, AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let candidates = match only {
                Some(id) => tx.job(id)?.into_iter().collect(),
                None => tx.jobs()?,
            };
            for mut job in candidates {
                if !job.is_due(now) {
                    continue;
                }
                let was_running = matches!(job.state, JobState::Running { .. });
                let took = job.claim(owner, now, Duration::seconds(LEASE));
                if took || was_running {
                    tx.put_job(&job)?;
                }
                if took {
                    return Ok(Some(job));
                }
            }
            Ok::<_, AppError>(None)
        })
    }

    /// Extends the lease of a job `owner` is running; false when another process holds it
    /// now (the lease ran out and was taken over), so the caller stops.
    pub fn renew_lease(&self, id: u64, owner: &str) -> Result<bool, AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let Some(mut job) = tx.job(id)? else { return Ok(false) };
            match &job.state {
                JobState::Running { owner: o, .. } if o == owner => {
                    job.state = JobState::Running {
                        owner: owner.to_string(),
                        until: now + Duration::seconds(LEASE),
                    };
                    tx.put_job(&job)?;
                    Ok::<_, AppError>(true)
                }
                _ => Ok(false),
            }
        })
    }

    /// Records how a claimed job ended, with its effect on the order, in one transaction.
    pub fn finish_job(&self, actor: &Actor, id: u64, owner: &str, outcome: &JobOutcome) -> Result<(), AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let Some(mut job) = tx.job(id)? else { return Ok(()) };
            // A lease taken over by another process is theirs now. One exception: a send
            // that another process found stalled and marked uncertain, and that did go
            // through after all, is recorded as done — no person needs to decide it.
            let ours = matches!(&job.state, JobState::Running { owner: o, .. } if o == owner);
            let settles = matches!(job.state, JobState::Uncertain { .. }) && matches!(outcome, JobOutcome::Done(_));
            if !ours && !settles {
                return Ok(());
            }
            match outcome {
                JobOutcome::Done(effect) => {
                    job.succeed(now);
                    apply_done(self, tx, actor, &job, effect.as_ref(), now)?;
                }
                JobOutcome::RetryLater(e) => job.retry_later(e, now),
                JobOutcome::Failed(e) => {
                    job.fail(e, now);
                    apply_failed(tx, actor, &job, e, now)?;
                }
                JobOutcome::Uncertain(e) => {
                    job.mark_uncertain(e, now);
                    apply_uncertain(tx, actor, &job, e, now)?;
                }
                JobOutcome::NotHandled(why) => {
                    job.attempts = job.attempts.saturating_sub(1);
                    job.last_error = Some(why.clone());
                    job.state = JobState::Queued {
                        not_before: now + Duration::seconds(60),
                    };
                }
            }
            tx.put_job(&job)?;
            Ok::<_, AppError>(())
        })
    }

    /// Runs a claimed job with `executor`, renewing its lease every `every` until the run
    /// ends. A distributor or mail server slower than the lease (a token, an order, a
    /// look-up after a timeout) would otherwise let another process take the job over
    /// and send the order a second time while the first send is still under way.
    pub fn run_leased(
        &self,
        job: &Job,
        owner: &str,
        executor: &dyn JobExecutor,
        every: std::time::Duration,
    ) -> JobOutcome {
        let (done, ended) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = ended.recv_timeout(every) {
                    match self.renew_lease(job.id, owner) {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(job = job.id, "the lease was taken over while the job ran");
                            break;
                        }
                        // The next renewal tries again; the lease has two more periods to go.
                        Err(e) => tracing::warn!(job = job.id, "cannot renew the lease: {e}"),
                    }
                }
            });
            let outcome = executor.run(self, job);
            drop(done);
            outcome
        })
    }

    /// Runs one specific job now if it is due (for `po place`, which waits for its job).
    pub fn run_job(&self, actor: &Actor, id: u64, executor: &dyn JobExecutor) -> Result<Option<JobOutcome>, AppError> {
        let owner = owner_of(actor);
        let Some(job) = self.claim_job(&owner, Some(id))? else {
            return Ok(None);
        };
        let outcome = self.run_leased(&job, &owner, executor, RENEW_EVERY);
        self.finish_job(actor, job.id, &owner, &outcome)?;
        Ok(Some(outcome))
    }

    /// Runs every due job once with `executor` (for `purser sync run` and the TUI loop).
    pub fn run_due_jobs(&self, actor: &Actor, executor: &dyn JobExecutor) -> Result<RunReport, AppError> {
        let owner = owner_of(actor);
        let mut report = RunReport::default();
        let mut seen = std::collections::HashSet::new();
        while let Some(job) = self.claim_job(&owner, None)? {
            if !seen.insert(job.id) {
                break;
            }
            let outcome = self.run_leased(&job, &owner, executor, RENEW_EVERY);
            self.finish_job(actor, job.id, &owner, &outcome)?;
            report.add(job.id, outcome);
        }
        Ok(report)
    }

    /// A person retries a failed or uncertain job. For an uncertain order email this
    /// means sending it again: the person has checked it did not arrive.
    pub fn retry_job(&self, actor: &Actor, id: u64) -> Result<Job, AppError> {
        Permission::RetryJobs.check(actor)?;
        let now = self.now();
        self.store.write(|tx| {
            let mut job = tx.job(id)?.ok_or(AppError::UnknownJob(id))?;
            let before = job.clone();
            if let (JobKind::SubmitEmail { po }, JobState::Failed { .. }) = (&job.kind, &job.state) {
                // A failed submission left the order; placing it again makes a new job.
                return Err(AppError::JobState(format!(
                    "job {id} failed and {po} was left pending; place {po} again to send it"
                )));
            }
            if !job.requeue(now) {
                return Err(AppError::JobState(format!(
                    "job {id} is {}; only failed or uncertain jobs can be retried",
                    job.state_label()
                )));
            }
            tx.put_job(&job)?;
            audit(tx, now, actor, "job.retry", &format!("job {id}"), &before, &job)?;
            Ok(job)
        })
    }

    /// A person settles an uncertain job as done: it did reach the far side (for an order
    /// email: the distributor confirmed receipt), so the order is recorded as sent.
    pub fn settle_job_done(&self, actor: &Actor, id: u64) -> Result<Job, AppError> {
        Permission::SettleJobs.check(actor)?;
        let now = self.now();
        self.store.write(|tx| {
            let mut job = tx.job(id)?.ok_or(AppError::UnknownJob(id))?;
            let before = job.clone();
            if !job.settle_done(now) {
                return Err(AppError::JobState(format!(
                    "job {id} is {}; only an uncertain job can be marked as done",
                    job.state_label()
                )));
            }
            apply_done(self, tx, actor, &job, None, now)?;
            tx.put_job(&job)?;
            audit(tx, now, actor, "job.settle_done", &format!("job {id}"), &before, &job)?;
            Ok(job)
        })
    }
}

/// The order side of a finished job.
fn apply_done(
    svc: &Service,
    tx: &mut dyn WriteOps,
    actor: &Actor,
    job: &Job,
    effect: Option<&Effect>,
    now: crate::domain::Timestamp,
) -> Result<(), AppError> {
    let (JobKind::SubmitEmail { po } | JobKind::SubmitApi { po }) = &job.kind else {
        return Ok(());
    };
    let before = load_order(tx, *po)?;
    if !before.is_sent_by(job.id) {
        return Ok(());
    }
    let mut after = before.clone();
    let (message_id, recipients) = match effect {
        Some(Effect::EmailSent { message_id, recipients }) => (Some(message_id.clone()), recipients.clone()),
        None => (None, Vec::new()),
    };
    after.complete_submission(recipients, message_id, Vec::new(), now)?;
    tx.put_order(&after)?;
    super::enqueue_psa_sync(tx, &svc.config, *po, now)?;
    let action = match job.kind {
        JobKind::SubmitApi { .. } => "po.submitted_api",
        _ => "po.email_sent",
    };
    audit(tx, now, actor, action, &po.to_string(), &before.sending, &after.stage)
}

/// The order a submission job is sending, when the job is one and still sends it.
fn order_sent_by(tx: &mut dyn WriteOps, job: &Job) -> Result<Option<crate::domain::Order>, AppError> {
    let (JobKind::SubmitEmail { po } | JobKind::SubmitApi { po }) = &job.kind else {
        return Ok(None);
    };
    let order = load_order(tx, *po)?;
    Ok(order.is_sent_by(job.id).then_some(order))
}

/// A submission that may have arrived keeps the order waiting on it, with what happened
/// noted on the order for the person who decides.
fn apply_uncertain(
    tx: &mut dyn WriteOps,
    actor: &Actor,
    job: &Job,
    error: &str,
    now: crate::domain::Timestamp,
) -> Result<(), AppError> {
    let Some(before) = order_sent_by(tx, job)? else {
        return Ok(());
    };
    let mut after = before.clone();
    if let Some(sending) = &before.sending {
        after.note_error(sending.method, error, now);
    }
    tx.put_order(&after)?;
    audit(
        tx,
        now,
        actor,
        "po.submit_uncertain",
        &before.number.to_string(),
        &before.sending,
        &serde_json::json!({"job": job.id, "error": error}),
    )
}

fn apply_failed(
    tx: &mut dyn WriteOps,
    actor: &Actor,
    job: &Job,
    error: &str,
    now: crate::domain::Timestamp,
) -> Result<(), AppError> {
    let Some(before) = order_sent_by(tx, job)? else {
        return Ok(());
    };
    let mut after = before.clone();
    after.abandon_submission(error, now);
    tx.put_order(&after)?;
    audit(
        tx,
        now,
        actor,
        "po.submit_failed",
        &before.number.to_string(),
        &before.sending,
        &serde_json::json!({"error": error, "stage": after.stage}),
    )
}
