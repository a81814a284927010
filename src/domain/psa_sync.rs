//! PSA sync state per order: every entity created in the PSA with its remote id, the step
//! reached, the last error. Recorded by the jobs layer as each entity is created, kept by
//! the store, read by the PSA adapters to continue where a run stopped.

use crate::domain::{PoNumber, Timestamp};
use serde::{Deserialize, Serialize};

/// Where an order's PSA sync stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PsaSyncStatus {
    /// Queued, not started.
    #[default]
    Waiting,
    /// Some steps done; more to do (or a temporary failure, to be retried).
    InProgress,
    /// Everything the PSA gets exists there.
    Synced,
    /// Stopped by a permanent error; a person must look.
    Failed,
}

impl PsaSyncStatus {
    pub fn label(self) -> &'static str {
        match self {
            PsaSyncStatus::Waiting => "waiting",
            PsaSyncStatus::InProgress => "in progress",
            PsaSyncStatus::Synced => "synced",
            PsaSyncStatus::Failed => "failed",
        }
    }
}

/// One entity created in the PSA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PsaStep {
    /// Our key of the step, e.g. `ticket`, `charge/line-2`, `receiving/3/1`.
    pub key: String,
    /// The PSA's entity name, e.g. `Ticket`, `TicketCharge`.
    pub entity: String,
    /// The PSA's id of it (0 for updates, which create nothing).
    pub remote_id: i64,
    pub at: Timestamp,
    /// Found by our reference instead of created (a lost answer, or a restart).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adopted: bool,
}

/// The sync state of one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PsaSyncState {
    pub po: PoNumber,
    /// `autotask`, `connectwise` or `halopsa`.
    pub psa: String,
    pub status: PsaSyncStatus,
    pub steps: Vec<PsaStep>,
    /// The step last worked on (done or failed).
    pub step: Option<String>,
    pub last_error: Option<String>,
    /// The step whose create was sent but not yet recorded: on the next run it is looked
    /// up by our reference before it is created again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempting: Option<String>,
    /// Not before this instant (a 429 with Retry-After).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<Timestamp>,
    /// Every entity of the order itself exists in the PSA (receipts can follow).
    #[serde(default)]
    pub created: bool,
    /// Receipts sent to the PSA, by receipt id.
    #[serde(default)]
    pub receipts_sent: Vec<u32>,
    /// Receipts undone before they were sent: nothing went to the PSA.
    #[serde(default)]
    pub receipts_skipped: Vec<u32>,
    pub updated_at: Timestamp,
}

impl PsaSyncState {
    pub fn new(po: PoNumber, psa: &str, now: Timestamp) -> Self {
        PsaSyncState {
            po,
            psa: psa.to_string(),
            status: PsaSyncStatus::Waiting,
            steps: Vec::new(),
            step: None,
            last_error: None,
            attempting: None,
            retry_at: None,
            created: false,
            receipts_sent: Vec::new(),
            receipts_skipped: Vec::new(),
            updated_at: now,
        }
    }

    /// The remote id recorded for `key`.
    pub fn remote_id(&self, key: &str) -> Option<i64> {
        self.steps.iter().find(|s| s.key == key).map(|s| s.remote_id)
    }

    /// Remote ids recorded under keys starting with `prefix`.
    pub fn ids_with_prefix(&self, prefix: &str) -> Vec<i64> {
        self.steps
            .iter()
            .filter(|s| s.key.starts_with(prefix))
            .map(|s| s.remote_id)
            .collect()
    }
}
