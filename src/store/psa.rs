//! PSA sync state per order: every entity created in the PSA with its remote id, the step
//! reached, the last error. Each created entity is recorded in its own small transaction
//! as soon as the PSA answers, so a retry or a restart continues where it stopped.

pub use crate::domain::psa_sync::{PsaStep, PsaSyncState, PsaSyncStatus};
use redb::TableDefinition;

/// Sync state by order number.
pub(super) const PSA_SYNC: TableDefinition<u64, &[u8]> = TableDefinition::new("psa_sync");
