//! Recording what distributor APIs did: a submission's distributor orders and rejected
//! lines, retries and uncertain outcomes, status-poll changes, placement options. Each
//! records the order, its audit entry and the job's end in one transaction, so a crash
//! leaves either all of it or none.

use super::Permission;
use super::{audit, audit_as, enqueue, load_order, AppError, Service};
use crate::domain::job::{Job, JobKind, JobState};
use crate::domain::order::{ApiAttempt, ApiOptions, DistributorOrder};
use crate::domain::{Order, PlacementMethod, PoNumber, Timestamp};
use crate::identity::Actor;
use crate::store::WriteOps;
use chrono::Duration;

/// How an API submission starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiStart {
    /// No earlier request may have arrived: send.
    Fresh,
    /// An earlier request's outcome is unknown: look it up (or ask) before sending.
    AfterUncertain(ApiAttempt),
    /// The order is no longer waiting for this job.
    NotOurs,
}

/// Distributor statuses after which polling stops.
const FINAL: [&str; 8] = [
    "shipped",
    "delivered",
    "deleted",
    "rejected",
    "cancelled",
    "canceled",
    "not found",
    "invoiced",
];

/// Whether the stored job is still the run that `job` is (same lease).
fn still_ours(stored: &Job, job: &Job) -> bool {
    matches!(stored.state, JobState::Running { .. }) && stored.state == job.state
}

fn job_po(job: &Job) -> Result<PoNumber, AppError> {
    job.kind.po().ok_or(AppError::UnknownJob(job.id))
}

fn placed_by(order: &Order) -> String {
    order
        .sending
        .as_ref()
        .map(|s| s.by.clone())
        .or_else(|| order.submission().map(|s| s.by.clone()))
        .unwrap_or_else(|| "purser".into())
}

/// Whether polling has nothing left to learn.
pub fn polling_finished(order: &Order) -> bool {
    use crate::domain::OrderStatus;
    if matches!(order.status(), OrderStatus::Cancelled | OrderStatus::Completed) {
        return true;
    }
    match order.submission() {
        Some(sub) if !sub.distributor_orders.is_empty() => sub
            .distributor_orders
            .iter()
            .all(|o| FINAL.contains(&o.status.to_ascii_lowercase().as_str())),
        _ => order.submission().is_none(),
    }
}

impl Service {
    /// Sets the options an API placement carries (Pax8 billing term, commitment term,
    /// provisioning details), until the order is placed.
    pub fn set_api_options(&self, actor: &Actor, po: PoNumber, options: ApiOptions) -> Result<Order, AppError> {
        let options = Self::checked_api_options(actor, options)?;
        let now = self.now();
        self.store
            .write(|tx| record_api_options(tx, actor, po, options.clone(), now))
    }

    /// The options, once `actor` may set them.
    pub fn checked_api_options(actor: &Actor, options: ApiOptions) -> Result<ApiOptions, AppError> {
        Permission::SetPlacementOptions.check(actor)?;
        Ok(options)
    }

    /// Before a create request leaves: notes the attempt on the order, and says whether
    /// an earlier attempt's outcome is unknown.
    pub fn start_api_attempt(&self, job: &Job, po: PoNumber) -> Result<ApiStart, AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let Some(stored) = tx.job(job.id)? else {
                return Ok(ApiStart::NotOurs);
            };
            let mut order = load_order(tx, po)?;
            if !still_ours(&stored, job) || !order.is_sent_by(job.id) {
                return Ok(ApiStart::NotOurs);
            }
            let prior = order.api_attempt().cloned();
            order.note_api_attempt(job.id, now);
            tx.put_order(&order)?;
            audit_as(
                tx,
                now,
                &placed_by(&order),
                "po.api_attempt",
                &po.to_string(),
                &prior,
                &order.api_attempt(),
            )?;
            Ok(match prior {
                Some(p) => ApiStart::AfterUncertain(p),
                None => ApiStart::Fresh,
            })
        })
    }

    /// The distributor took the order (or a lookup found it): the order is placed with the
    /// distributor's order numbers and rejected lines; the PSA sync and the first status
    /// poll are queued; the job ends — all in one transaction.
    pub fn record_api_submission(
        &self,
        job: &Job,
        orders: Vec<DistributorOrder>,
        found_by_lookup: bool,
        poll_every: Option<u64>,
    ) -> Result<Order, AppError> {
        let po = job_po(job)?;
        let now = self.now();
        self.store.write(|tx| {
            let before = load_order(tx, po)?;
            if !before.is_sent_by(job.id) {
                return Err(AppError::JobState(format!(
                    "{po} is no longer waiting for job {}; the result was not recorded",
                    job.id
                )));
            }
            let mut after = before.clone();
            after.complete_submission(Vec::new(), None, orders.clone(), now)?;
            tx.put_order(&after)?;
            super::enqueue_psa_sync(tx, &self.config, po, now)?;
            if let Some(secs) = poll_every {
                enqueue_poll(tx, po, now, secs)?;
            }
            if let Some(mut stored) = tx.job(job.id)? {
                if still_ours(&stored, job) || matches!(stored.state, JobState::Uncertain { .. }) {
                    stored.succeed(now);
                    tx.put_job(&stored)?;
                }
            }
            let rejected: Vec<_> = orders.iter().flat_map(|o| o.rejected.iter().cloned()).collect();
            audit_as(
                tx,
                now,
                &placed_by(&before),
                "po.submitted_api",
                &po.to_string(),
                &serde_json::to_value(&before.sending).unwrap_or_default(),
                &serde_json::json!({
                    "distributor": before.distributor,
                    "distributor_orders": orders,
                    "rejected_lines": rejected,
                    "found_by_lookup": found_by_lookup,
                    "job": job.id,
                }),
            )?;
            Ok(after)
        })
    }

    /// A temporary failure: the order keeps waiting; the error is shown on it and in the
    /// audit trail; the job runs again after `wait` seconds (the distributor's
    /// Retry-After) or the usual backoff. `keep_attempt`: the request may have arrived,
    /// so the next run looks before sending.
    pub fn api_retry_later(
        &self,
        job: &Job,
        message: &str,
        wait: Option<u64>,
        keep_attempt: bool,
    ) -> Result<(), AppError> {
        let po = job_po(job)?;
        let now = self.now();
        self.store.write(|tx| {
            let Some(mut stored) = tx.job(job.id)? else {
                return Ok(());
            };
            if !still_ours(&stored, job) {
                return Ok(());
            }
            stored.retry_later(message, now);
            if let Some(secs) = wait {
                stored.state = JobState::Queued {
                    not_before: now + Duration::seconds(secs.min(86_400) as i64),
                };
            }
            let not_before = match &stored.state {
                JobState::Queued { not_before } => Some(*not_before),
                _ => None,
            };
            tx.put_job(&stored)?;
            let before = load_order(tx, po)?;
            if before.is_sent_by(job.id) {
                let mut after = before.clone();
                if !keep_attempt {
                    after.clear_api_attempt();
                }
                after.note_error(PlacementMethod::Api, message, now);
                tx.put_order(&after)?;
                audit_as(
                    tx,
                    now,
                    &placed_by(&before),
                    "po.submit_retry",
                    &po.to_string(),
                    &serde_json::Value::Null,
                    &serde_json::json!({"error": message, "job": job.id, "next_try": not_before}),
                )?;
            }
            Ok(())
        })
    }

    /// The outcome is unknown and the distributor offers no lookup: the job stops as
    /// uncertain for a person to decide; the order keeps waiting, with the question on it.
    pub fn api_uncertain(&self, job: &Job, message: &str) -> Result<(), AppError> {
        let po = job_po(job)?;
        let now = self.now();
        self.store.write(|tx| {
            let Some(mut stored) = tx.job(job.id)? else {
                return Ok(());
            };
            if !still_ours(&stored, job) {
                return Ok(());
            }
            stored.state = JobState::Uncertain { since: now };
            stored.last_error = Some(message.to_string());
            tx.put_job(&stored)?;
            let before = load_order(tx, po)?;
            let mut after = before.clone();
            after.note_person_asked();
            after.note_error(PlacementMethod::Api, message, now);
            tx.put_order(&after)?;
            audit_as(
                tx,
                now,
                &placed_by(&before),
                "po.submit_uncertain",
                &po.to_string(),
                &serde_json::Value::Null,
                &serde_json::json!({"question": message, "job": job.id}),
            )
        })
    }

    /// Records what a status poll learnt (in words in the audit trail when anything
    /// changed), queues the next poll unless nothing is left to learn, and ends the job.
    pub fn record_status_poll(
        &self,
        job: &Job,
        fresh: Vec<DistributorOrder>,
        poll_every: Option<u64>,
    ) -> Result<Vec<String>, AppError> {
        let po = job_po(job)?;
        let now = self.now();
        self.store.write(|tx| {
            let before = load_order(tx, po)?;
            let mut after = before.clone();
            let changes = after.update_distributor_orders(fresh);
            if !changes.is_empty() {
                tx.put_order(&after)?;
                audit_as(tx, now, &placed_by(&before), "po.distributor_status", &po.to_string(), &serde_json::to_value(before.submission().map(|s| &s.distributor_orders)).unwrap_or_default(), &serde_json::json!({"changes": changes, "distributor_orders": after.submission().map(|s| &s.distributor_orders)}))?;
            }
            if let Some(mut stored) = tx.job(job.id)? {
                if still_ours(&stored, job) {
                    stored.succeed(now);
                    tx.put_job(&stored)?;
                    if let Some(secs) = poll_every.filter(|_| !polling_finished(&after)) {
                        enqueue_poll(tx, po, now, secs)?;
                    }
                }
            }
            Ok(changes)
        })
    }
}

fn enqueue_poll(tx: &mut dyn WriteOps, po: PoNumber, now: Timestamp, secs: u64) -> Result<(), AppError> {
    enqueue(
        tx,
        JobKind::PollStatus { po },
        now + Duration::seconds(secs.max(1) as i64),
    )?;
    Ok(())
}

/// Sets `options` on the order inside `tx`, with its audit entry.
pub(super) fn record_api_options(
    tx: &mut dyn WriteOps,
    actor: &Actor,
    po: PoNumber,
    options: ApiOptions,
    now: Timestamp,
) -> Result<Order, AppError> {
    let before = load_order(tx, po)?;
    let mut after = before.clone();
    after.set_api_options(options)?;
    tx.put_order(&after)?;
    audit(
        tx,
        now,
        actor,
        "po.api_options",
        &po.to_string(),
        &before.api_options(),
        &after.api_options(),
    )?;
    Ok(after)
}
