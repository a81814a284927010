//! Outbox jobs: background work recorded in the same transaction as the command that
//! caused it, claimed with a lease so one process runs it at a time.

use super::{PoNumber, Timestamp};
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// What a job does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobKind {
    /// Email the approver that an order awaits their approval.
    NotifyApprover { po: PoNumber, approver: String },
    /// Email the creator that the approver rejected their order.
    NotifyRejection {
        po: PoNumber,
        creator: String,
        reason: String,
    },
    /// Email the purchase order (PDF) to the distributor.
    SubmitEmail { po: PoNumber },
    /// Send the order through the distributor's ordering API.
    SubmitApi { po: PoNumber },
    /// Ask the distributor for the order's status (TD SYNNEX polling).
    PollStatus { po: PoNumber },
    /// Create the order's entities in the PSA, step by step.
    PsaSync { po: PoNumber },
    /// Send one receipt to the PSA (Autotask receiving, HaloPSA stock).
    PsaReceipt { po: PoNumber, receipt: u32 },
    /// Email a person that background work for their order failed (the notice's text).
    NotifyFailure { po: PoNumber, user: String, text: String },
}

impl JobKind {
    pub fn po(&self) -> Option<PoNumber> {
        match self {
            JobKind::NotifyApprover { po, .. }
            | JobKind::NotifyRejection { po, .. }
            | JobKind::SubmitEmail { po }
            | JobKind::SubmitApi { po }
            | JobKind::PollStatus { po }
            | JobKind::PsaSync { po }
            | JobKind::PsaReceipt { po, .. }
            | JobKind::NotifyFailure { po, .. } => Some(*po),
        }
    }

    /// Whether running it again after an uncertain outcome is harmless. A notification may
    /// arrive twice; an order must never be sent twice without asking.
    pub fn resend_is_safe(&self) -> bool {
        match self {
            JobKind::NotifyApprover { .. } | JobKind::NotifyRejection { .. } | JobKind::NotifyFailure { .. } => true,
            // An email cannot be recalled or looked up: a person decides.
            JobKind::SubmitEmail { .. } => false,
            // An API submission records its attempt before sending; run again, it looks the
            // order up by our PO number where the distributor allows it and records it, and
            // asks a person where it does not — so running it again is safe.
            JobKind::SubmitApi { .. } => true,
            // Reads, and PSA steps that look up what they created before creating again.
            JobKind::PollStatus { .. } | JobKind::PsaSync { .. } | JobKind::PsaReceipt { .. } => true,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            JobKind::NotifyApprover { po, approver } => format!("email {approver}: {po} awaits approval"),
            JobKind::NotifyRejection { po, creator, .. } => format!("email {creator}: {po} was rejected"),
            JobKind::SubmitEmail { po } => format!("email {po} (PDF) to the distributor"),
            JobKind::SubmitApi { po } => format!("send {po} through the distributor's API"),
            JobKind::PollStatus { po } => format!("ask the distributor for the status of {po}"),
            JobKind::PsaSync { po } => format!("create {po} in the PSA"),
            JobKind::PsaReceipt { po, receipt } => format!("send receipt {receipt} of {po} to the PSA"),
            JobKind::NotifyFailure { po, user, .. } => format!("email {user}: background work for {po} failed"),
        }
    }
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    /// Waiting to run at or after `not_before`.
    Queued { not_before: Timestamp },
    /// Claimed by a process until the lease runs out.
    Running { owner: String, until: Timestamp },
    /// Done.
    Done { at: Timestamp },
    /// Failed for good; a person may retry it.
    Failed { at: Timestamp, error: String },
    /// A run was interrupted after it may have reached the far side; a person decides
    /// whether to send again.
    Uncertain { since: Timestamp },
}

/// One outbox job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: u64,
    #[serde(flatten)]
    pub kind: JobKind,
    #[serde(flatten)]
    pub state: JobState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}

/// Backoff after the `n + 1`-th failed attempt: 10 s doubling, at most 15 minutes.
pub fn backoff(attempts: u32) -> Duration {
    let secs = 10u64.saturating_mul(1u64 << attempts.min(10)).min(900);
    Duration::seconds(secs as i64)
}

impl Job {
    pub fn new(id: u64, kind: JobKind, now: Timestamp) -> Self {
        Job {
            id,
            kind,
            state: JobState::Queued { not_before: now },
            attempts: 0,
            last_error: None,
            created_at: now,
        }
    }

    /// Whether a process may claim it now.
    pub fn is_due(&self, now: Timestamp) -> bool {
        match &self.state {
            JobState::Queued { not_before } => *not_before <= now,
            JobState::Running { until, .. } => *until <= now,
            _ => false,
        }
    }

    /// Claims the job for `owner` until `now + lease`. A job whose lease ran out was
    /// interrupted mid-run: it runs again only if that is harmless, otherwise it becomes
    /// uncertain and waits for a person. Returns whether the claim took.
    pub fn claim(&mut self, owner: &str, now: Timestamp, lease: Duration) -> bool {
        if !self.is_due(now) {
            return false;
        }
        if matches!(self.state, JobState::Running { .. }) && !self.kind.resend_is_safe() {
            self.state = JobState::Uncertain { since: now };
            return false;
        }
        self.attempts += 1;
        self.state = JobState::Running {
            owner: owner.to_string(),
            until: now + lease,
        };
        true
    }

    pub fn succeed(&mut self, now: Timestamp) {
        self.state = JobState::Done { at: now };
        self.last_error = None;
    }

    /// A temporary failure: queued again after the backoff.
    pub fn retry_later(&mut self, error: &str, now: Timestamp) {
        self.last_error = Some(error.to_string());
        self.state = JobState::Queued {
            not_before: now + backoff(self.attempts.saturating_sub(1)),
        };
    }

    /// A permanent failure.
    pub fn fail(&mut self, error: &str, now: Timestamp) {
        self.last_error = Some(error.to_string());
        self.state = JobState::Failed {
            at: now,
            error: error.to_string(),
        };
    }

    /// The run may have reached the far side and cannot be repeated safely: it waits for
    /// a person.
    pub fn mark_uncertain(&mut self, error: &str, now: Timestamp) {
        self.last_error = Some(error.to_string());
        self.state = JobState::Uncertain { since: now };
    }

    /// A person asks to run a failed or uncertain job again.
    pub fn requeue(&mut self, now: Timestamp) -> bool {
        if matches!(self.state, JobState::Failed { .. } | JobState::Uncertain { .. }) {
            self.state = JobState::Queued { not_before: now };
            true
        } else {
            false
        }
    }

    /// A person settles an uncertain job as done (it did reach the far side).
    pub fn settle_done(&mut self, now: Timestamp) -> bool {
        if matches!(self.state, JobState::Uncertain { .. }) {
            self.succeed(now);
            true
        } else {
            false
        }
    }

    pub fn state_label(&self) -> &'static str {
        match self.state {
            JobState::Queued { .. } => "queued",
            JobState::Running { .. } => "running",
            JobState::Done { .. } => "done",
            JobState::Failed { .. } => "failed",
            JobState::Uncertain { .. } => "uncertain",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        chrono::DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn job() -> Job {
        Job::new(
            1,
            JobKind::NotifyApprover {
                po: PoNumber(1),
                approver: "carol".into(),
            },
            t(0),
        )
    }

    #[test]
    fn a_lease_excludes_others_until_it_runs_out() {
        let mut j = job();
        assert!(j.claim("a", t(0), Duration::seconds(60)));
        assert!(!j.clone().claim("b", t(59), Duration::seconds(60)));
        assert!(j.claim("b", t(60), Duration::seconds(60)));
        assert_eq!(j.attempts, 2);
    }

    #[test]
    fn retry_waits_for_the_backoff() {
        let mut j = job();
        assert!(j.claim("a", t(0), Duration::seconds(60)));
        j.retry_later("connection refused", t(1));
        assert!(!j.is_due(t(10)));
        assert!(j.is_due(t(21)));
        assert_eq!(j.last_error.as_deref(), Some("connection refused"));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(0), Duration::seconds(10));
        assert_eq!(backoff(1), Duration::seconds(20));
        assert_eq!(backoff(3), Duration::seconds(80));
        assert_eq!(backoff(40), Duration::seconds(900));
    }

    #[test]
    fn failed_jobs_wait_for_a_person() {
        let mut j = job();
        j.claim("a", t(0), Duration::seconds(60));
        j.fail("550 mailbox unknown", t(1));
        assert!(!j.is_due(t(100_000)));
        assert!(j.requeue(t(2)));
        assert!(j.is_due(t(2)));
        assert!(!j.clone().requeue(t(3)));
    }
}
