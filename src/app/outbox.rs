//! The outbox: jobs recorded with the command that caused them, run in the background
//! with a lease, retried with backoff, failed visibly.

use super::{AppError, Service};
use crate::domain::job::{Job, JobKind, JobState};
use crate::domain::Role;
use crate::identity::Actor;
use chrono::Duration;
use serde::Serialize;

/// How long a claimed job is reserved for the process running it.
pub const LEASE: i64 = 120;

/// What running a job came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    /// Temporary failure: try again after the backoff.
    RetryLater(String),
    /// Permanent failure: a person must look.
    Failed(String),
    /// This process cannot run this kind of job (not configured); leave it queued.
    NotHandled(String),
}

/// Runs jobs of the kinds it knows.
pub trait JobExecutor {
    fn run(&self, kind: &JobKind) -> JobOutcome;
}

/// What one pass over the outbox did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    pub done: Vec<u64>,
    pub retrying: Vec<u64>,
    pub failed: Vec<u64>,
    /// Jobs left queued, with why.
    pub waiting: Vec<(u64, String)>,
}

impl Service {
    /// All jobs, oldest first.
    pub fn jobs(&self) -> Result<Vec<Job>, AppError> {
        Ok(self.store.read(|tx| tx.jobs())?)
    }

    /// Claims one due job for `owner` (a lease, written in its own transaction).
    pub fn claim_job(&self, owner: &str) -> Result<Option<Job>, AppError> {
        let now = self.now();
        self.store.write(|tx| {
            for mut job in tx.jobs()? {
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

    /// Records how a claimed job ended.
    pub fn finish_job(&self, id: u64, owner: &str, outcome: &JobOutcome) -> Result<(), AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let Some(mut job) = tx.job(id)? else { return Ok(()) };
            // A lease taken over by another process is theirs now.
            if !matches!(&job.state, JobState::Running { owner: o, .. } if o == owner) {
                return Ok(());
            }
            match outcome {
                JobOutcome::Done => job.succeed(now),
                JobOutcome::RetryLater(e) => job.retry_later(e, now),
                JobOutcome::Failed(e) => job.fail(e, now),
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

    /// Runs every due job once with `executor` (for `purser sync run` and the TUI loop).
    pub fn run_due_jobs(&self, owner: &str, executor: &dyn JobExecutor) -> Result<RunReport, AppError> {
        let mut report = RunReport::default();
        let mut seen = std::collections::HashSet::new();
        while let Some(job) = self.claim_job(owner)? {
            if !seen.insert(job.id) {
                break;
            }
            let outcome = executor.run(&job.kind);
            self.finish_job(job.id, owner, &outcome)?;
            match outcome {
                JobOutcome::Done => report.done.push(job.id),
                JobOutcome::RetryLater(_) => report.retrying.push(job.id),
                JobOutcome::Failed(_) => report.failed.push(job.id),
                JobOutcome::NotHandled(why) => report.waiting.push((job.id, why)),
            }
        }
        Ok(report)
    }

    /// A person retries a failed or uncertain job.
    pub fn retry_job(&self, actor: &Actor, id: u64) -> Result<Job, AppError> {
        Self::require_any(actor, &[Role::Buyer, Role::Admin], "retry background jobs")?;
        let now = self.now();
        self.store.write(|tx| {
            let mut job = tx.job(id)?.ok_or_else(|| AppError::Io(format!("no job {id}")))?;
            let before = job.clone();
            if !job.requeue(now) {
                return Err(AppError::Io(format!(
                    "job {id} is {}; only failed or uncertain jobs can be retried",
                    job.state_label()
                )));
            }
            tx.put_job(&job)?;
            super::audit(tx, now, actor, "job.retry", &format!("job {id}"), &before, &job)?;
            Ok(job)
        })
    }
}

/// The executor of a build without email: notifications wait, visibly, until email is
/// configured.
pub struct NoMail;

impl JobExecutor for NoMail {
    fn run(&self, kind: &JobKind) -> JobOutcome {
        match kind {
            JobKind::NotifyApprover { .. } | JobKind::NotifyRejection { .. } => {
                JobOutcome::NotHandled("email notifications need [smtp] in the configuration".into())
            }
        }
    }
}
