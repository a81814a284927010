//! Notices: what a person must learn of work done for them in the background — an order
//! they placed or approved that could not be sent, a PSA sync of it that failed. A notice
//! stays until its person has seen it.

use crate::domain::{PoNumber, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: u64,
    /// The login name of the person told.
    pub user: String,
    pub po: Option<PoNumber>,
    pub text: String,
    pub at: Timestamp,
    /// When the person marked it seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_at: Option<Timestamp>,
}

impl Notice {
    pub fn is_seen(&self) -> bool {
        self.seen_at.is_some()
    }
}
