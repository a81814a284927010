//! The service: one method per user command.
//!
//! Each method checks the actor's role, opens one write transaction, re-reads what it
//! changes, runs the domain rule, and writes the new state, the audit entry and any outbox
//! jobs before committing — all or nothing. Screens and the command line both call these.

pub mod audit;
mod audit_replay;
pub mod check;
mod distributors;
mod error;
pub mod feed;
pub mod notices;
mod orders;
mod outbox;
mod pending;
pub mod permissions;
pub mod psa;
pub mod quote_file;
mod quotes;
mod reads;
mod receiving;
mod rules;
pub mod views;

pub use distributors::{polling_finished, ApiStart};
pub use error::AppError;
pub use feed::{Changes, Feed, Touched};
pub use orders::OtherDistributors;
pub use orders::{CreateOrder, PlaceRequest, PlaceResult};
pub use outbox::{Effect, JobOutcome, LEASE as JOB_LEASE_SECS, RENEW_EVERY};
pub use permissions::{OrderAction, OrderActions, Permission};
pub use quotes::{read_error, ImportOutcome, ImportReport};

use crate::config::{Config, PsaKind};
use crate::domain::audit::Change;
use crate::domain::order::OrderPolicy;
use crate::domain::{RuleError, Timestamp};
use crate::identity::Actor;
use crate::store::{Store, WriteOps};
use serde::Serialize;
use std::sync::Arc;

/// Source of the current time (a fixed clock in tests).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(chrono::Utc::now)
}

/// Runs every user command against one store.
pub struct Service {
    store: Store,
    config: Arc<Config>,
    clock: Clock,
}

impl Service {
    pub fn new(store: Store, config: Arc<Config>, clock: Clock) -> Self {
        Service { store, config, clock }
    }

    /// The store, for the service's own tests.
    #[cfg(test)]
    pub(in crate::app) fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Learns of this process's writes as they land (see [`Store::commits`]).
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.store.commits()
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    fn policy(&self) -> OrderPolicy {
        OrderPolicy {
            one_company_per_order: self.config.psa.kind == PsaKind::Halopsa,
            other_distributors_confirmed: false,
        }
    }

    /// What `actor` may do to order `po` now: each action allowed, or why not. The
    /// service's commands refuse by the same answer.
    pub fn order_actions(&self, actor: &Actor, po: crate::domain::PoNumber) -> Result<OrderActions, AppError> {
        Ok(OrderActions::of(&self.config, actor, &self.order(po)?))
    }

    /// Refuses unless `actor` may do `action` to `order` (see [`permissions::decide`]).
    fn may(&self, actor: &Actor, order: &crate::domain::Order, action: OrderAction) -> Result<(), RuleError> {
        permissions::decide(&self.config, actor, order, action)
    }
}

/// Writes an audit entry with JSON before/after values.
fn audit<B: Serialize, A: Serialize>(
    tx: &mut dyn WriteOps,
    at: Timestamp,
    actor: &Actor,
    action: &str,
    entity: &str,
    before: &B,
    after: &A,
) -> Result<(), AppError> {
    audit_as(tx, at, &actor.name, action, entity, before, after)
}

/// [`audit`] in the name of someone not at the keyboard (a background job acts for who
/// placed the order).
fn audit_as<B: Serialize, A: Serialize>(
    tx: &mut dyn WriteOps,
    at: Timestamp,
    actor: &str,
    action: &str,
    entity: &str,
    before: &B,
    after: &A,
) -> Result<(), AppError> {
    tx.append_audit(Change {
        at,
        actor: actor.to_string(),
        action: action.to_string(),
        entity: entity.to_string(),
        before: serde_json::to_value(before).expect("audit values serialize"),
        after: serde_json::to_value(after).expect("audit values serialize"),
        records: Vec::new(),
    })?;
    Ok(())
}

/// The order, or the refusal that names it.
fn load_order(tx: &dyn WriteOps, po: crate::domain::PoNumber) -> Result<crate::domain::Order, AppError> {
    Ok(tx.order(po)?.ok_or(crate::domain::RuleError::UnknownOrder(po))?)
}

/// Queues a background job, due from `due`; returns its id.
fn enqueue(tx: &mut dyn WriteOps, kind: crate::domain::job::JobKind, due: Timestamp) -> Result<u64, AppError> {
    let id = tx.next_job_id()?;
    tx.put_job(&crate::domain::job::Job::new(id, kind, due))?;
    Ok(id)
}

/// Queues the PSA sync of an order that was just placed (not for standalone use).
fn enqueue_psa_sync(
    tx: &mut dyn WriteOps,
    config: &Config,
    po: crate::domain::PoNumber,
    now: Timestamp,
) -> Result<(), AppError> {
    if config.psa.kind.is_connected() {
        enqueue(tx, crate::domain::job::JobKind::PsaSync { po }, now)?;
    }
    Ok(())
}

/// Queues a receipt for the PSA where the PSA takes receipts (Autotask, HaloPSA).
fn enqueue_psa_receipt(
    tx: &mut dyn WriteOps,
    config: &Config,
    po: crate::domain::PoNumber,
    receipt: u32,
    now: Timestamp,
) -> Result<(), AppError> {
    if config.psa.acts_on_receipts() {
        enqueue(tx, crate::domain::job::JobKind::PsaReceipt { po, receipt }, now)?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
