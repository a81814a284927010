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
    /// The audit trail records it under the system actor (whoever's process ran the job
    /// did not act); a failure also becomes a notice for the person who acted.
    pub fn finish_job(&self, _runner: &Actor, id: u64, owner: &str, outcome: &JobOutcome) -> Result<(), AppError> {
        let now = self.now();
        let system = Actor {
            name: super::notices::SYSTEM_ACTOR.into(),
            roles: crate::domain::Roles::default(),
        };
        let actor = &system;
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
                    tell_who_acted(tx, &self.config, &job, e, now)?;
                    apply_failed(tx, actor, &job, e, now)?;
                }
                JobOutcome::Uncertain(e) => {
                    job.mark_uncertain(e, now);
                    tell_who_acted(tx, &self.config, &job, e, now)?;
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

/// A notice (and an email, when configured) for the person who acted on the job's order.
fn tell_who_acted(
    tx: &mut dyn WriteOps,
    config: &crate::config::Config,
    job: &Job,
    error: &str,
    now: crate::domain::Timestamp,
) -> Result<(), AppError> {
    let Some(po) = job.kind.po() else { return Ok(()) };
    let order = load_order(tx, po)?;
    super::notices::on_failure(tx, config, job, &order, error, now)
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
