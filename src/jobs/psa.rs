//! PSA sync jobs: create an order's entities in the PSA, send its receipts. Each entity
//! is recorded with its remote id the moment the PSA answers (through `DbSteps`); a
//! step whose answer was lost is looked up by our reference before it is created again,
//! so retries, injected faults and restarts never create anything twice.

use super::db::Db;
use super::outbox::Context;
use crate::app::psa::{psa_name, psa_title, step};
use crate::app::{AppError, JobOutcome};
use crate::domain::job::{Job, JobKind};
use crate::domain::psa_sync::{PsaSyncState, PsaSyncStatus};
use crate::domain::{LineKind, PoNumber, Receipt, Timestamp};
use crate::integrations::psa::{self, Client, LineData, OrderData, PsaError, Run, StepLog};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use tokio_util::sync::CancellationToken;

/// The longest a PSA's `Retry-After` is waited, in seconds: an hour.
const MAX_RETRY_AFTER_SECS: u64 = 3_600;

/// Records a run's steps through the database thread.
struct DbSteps<'a> {
    db: &'a Db,
    po: PoNumber,
    stop: &'a CancellationToken,
}

fn not_recordable(e: AppError) -> PsaError {
    PsaError::temporary(format!("cannot record the PSA sync: {e}"))
}

impl StepLog for DbSteps<'_> {
    fn attempt(&self, key: String) -> BoxFuture<'_, Result<PsaSyncState, PsaError>> {
        let po = self.po;
        async move {
            self.db
                .run(move |svc| {
                    svc.psa_update(po, move |s| {
                        s.attempting = Some(key.clone());
                        s.step = Some(key);
                        if s.status == PsaSyncStatus::Waiting {
                            s.status = PsaSyncStatus::InProgress;
                        }
                    })
                })
                .await
                .map_err(not_recordable)
        }
        .boxed()
    }

    fn record(
        &self,
        key: String,
        entity: String,
        id: i64,
        adopted: bool,
    ) -> BoxFuture<'_, Result<PsaSyncState, PsaError>> {
        let po = self.po;
        async move {
            self.db
                .run(move |svc| {
                    let at = svc.now();
                    // One transaction records the entity and ends the attempt at it.
                    svc.psa_record_step(po, step(key, &entity, id, at, adopted))
                })
                .await
                .map_err(not_recordable)
        }
        .boxed()
    }

    fn stopping(&self) -> bool {
        self.stop.is_cancelled()
    }
}

/// The order with what the PSA needs from its quotes.
async fn order_data(db: &Db, po: PoNumber) -> Result<OrderData, PsaError> {
    let (order, quotes) = db
        .run(move |svc| {
            let order = svc.order(po)?;
            let quotes = svc.quotes_of(&order)?;
            Ok((order, quotes))
        })
        .await
        .map_err(|e| match e {
            AppError::Store(_) | AppError::Io(_) => PsaError::temporary(e.to_string()),
            other => PsaError::Permanent(other.to_string()),
        })?;
    let mut lines = Vec::new();
    let mut opportunities: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (i, l) in order.lines.iter().enumerate() {
        let stored = quotes.get(&l.quote_id).and_then(Option::as_ref);
        let quote_line = stored.and_then(|q| q.lines.iter().find(|ql| ql.line_id == l.line_id));
        let kind = quote_line.map(|ql| ql.kind);
        if let Some(q) = stored {
            if let Some(o) = &q.opportunity_id {
                if !opportunities.contains(o) {
                    opportunities.push(o.clone());
                }
            }
            let name = q.quote_number.clone().unwrap_or_else(|| q.quote_id.clone());
            if !names.contains(&name) {
                names.push(name);
            }
        }
        lines.push(LineData {
            n: i as u32 + 1,
            line: l.clone(),
            is_service: matches!(kind, Some(LineKind::Service | LineKind::Labour)),
            kind,
            opportunity: stored.and_then(|q| q.opportunity_id.clone()),
            quote_quantity: quote_line.map(|ql| ql.quantity),
        });
    }
    let wanted = opportunities.clone();
    let opportunity_orders = db
        .run(move |svc| svc.orders_sharing_opportunities(po, &wanted))
        .await
        .map_err(|e| PsaError::temporary(e.to_string()))?;
    Ok(OrderData {
        order,
        lines,
        opportunities,
        quotes: names,
        opportunity_orders,
    })
}

/// Runs the configured PSA's checks: the configuration first, then each mapping against
/// the PSA itself. Returns every problem found (empty: all good).
pub async fn check(config: &crate::config::Config) -> Vec<String> {
    let problems = config.psa.problems();
    if !problems.is_empty() {
        return problems;
    }
    match psa::client(config) {
        Ok(None) => Vec::new(),
        Ok(Some(c)) => match c.check().await {
            Ok(p) => p,
            Err(e) => vec![e.to_string()],
        },
        Err(e) => vec![e.to_string()],
    }
}

/// Why a PSA job cannot start now, as its outcome; `None`: it can.
fn not_ready(config: &crate::config::Config) -> Option<JobOutcome> {
    let kind = config.psa.kind;
    if !kind.is_connected() {
        // Standalone: the stage is the order's own status, kept locally.
        return Some(JobOutcome::Done(None));
    }
    let problems = config.psa.problems();
    if !problems.is_empty() {
        return Some(JobOutcome::NotHandled(format!(
            "{} sync waits for the configuration: {}",
            psa_title(kind),
            problems.join("; ")
        )));
    }
    None
}

/// Runs a PSA job (create the order's entities, send a receipt).
pub async fn run_job(db: &Db, ctx: &Context, job: &Job) -> JobOutcome {
    let config = db.config();
    if let Some(outcome) = not_ready(config) {
        return outcome;
    }
    let kind = config.psa.kind;
    let Some(po) = job.kind.po() else {
        return JobOutcome::Failed("job names no order".into());
    };
    let client = match psa::client(config) {
        Ok(Some(c)) => c,
        Ok(None) => return JobOutcome::Done(None),
        Err(e) => return JobOutcome::NotHandled(format!("{} sync waits: {e}", psa_title(kind))),
    };
    let psa = psa_name(kind);
    let state = match db
        .run(move |svc| {
            Ok(svc
                .psa_sync_state(po)?
                .unwrap_or_else(|| PsaSyncState::new(po, psa, svc.now())))
        })
        .await
    {
        Ok(s) => s,
        Err(e) => return JobOutcome::RetryLater(e.to_string()),
    };
    let now = db.call(|svc| svc.now()).await.unwrap_or_else(chrono::Utc::now);
    if let Some(at) = state.retry_at.filter(|at| *at > now) {
        return JobOutcome::RetryLater(format!(
            "{} asked Purser to wait until {}",
            psa_title(kind),
            at.format("%H:%M:%S UTC")
        ));
    }
    let steps = DbSteps {
        db,
        po,
        stop: &ctx.stop,
    };
    let mut run = Run::new(po, state, &steps);
    let result = match order_data(db, po).await {
        Ok(data) => sync(db, &client, &mut run, &data, job).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => JobOutcome::Done(None),
        Err(e) => failed(db, po, now, e).await,
    }
}

/// The job's work: the order's entities, or one receipt.
async fn sync(db: &Db, client: &Client, run: &mut Run<'_>, data: &OrderData, job: &Job) -> Result<(), PsaError> {
    let po = run.po;
    match &job.kind {
        // Cancelled before its sync ran (or finished): nothing more is made in the PSA for
        // it; what was made already is named at the cancel and in `sync status`.
        JobKind::PsaSync { .. } if data.order.status() == crate::domain::OrderStatus::Cancelled => {
            tracing::info!(%po, "the order is cancelled: its PSA sync makes nothing more");
            Ok(())
        }
        JobKind::PsaSync { .. } => {
            client.sync_order(run, data).await?;
            save(db, po, |s| {
                s.status = PsaSyncStatus::Synced;
                s.created = true;
                s.last_error = None;
                s.retry_at = None;
                s.step = Some("done".into());
            })
            .await?;
            // Receipts recorded meanwhile need not wait out their backoff.
            db.run(move |svc| svc.psa_wake_receipts(po))
                .await
                .map_err(|e| PsaError::temporary(e.to_string()))
        }
        JobKind::PsaReceipt { receipt, .. } => {
            let Some(r) = data.order.receipts.iter().find(|r| r.id == *receipt).cloned() else {
                return Err(PsaError::Permanent(format!("{po} has no receipt {receipt}")));
            };
            sync_receipt(db, client, run, data, &r).await
        }
        _ => Err(PsaError::Permanent(format!("not a PSA job: {}", job.kind.describe()))),
    }
}

async fn sync_receipt(
    db: &Db,
    client: &Client,
    run: &mut Run<'_>,
    data: &OrderData,
    r: &Receipt,
) -> Result<(), PsaError> {
    let po = run.po;
    let kind = db.config().psa.kind;
    if run.state.receipts_sent.contains(&r.id) || run.state.receipts_skipped.contains(&r.id) {
        return Ok(());
    }
    if r.undone.is_some() && !receipt_started(&run.state, r.id) {
        // Undone before anything reached the PSA: the PSA gets nothing.
        let id = r.id;
        return save(db, po, move |s| s.receipts_skipped.push(id)).await;
    }
    if !run.state.created {
        let why = if run.state.status == PsaSyncStatus::Failed {
            format!(
                "receipt {} waits: creating {po} in {} failed ({}); retry that first",
                r.id,
                psa_title(kind),
                run.state.last_error.as_deref().unwrap_or("see `purser sync status`")
            )
        } else {
            format!("receipt {} waits until {po} exists in {}", r.id, psa_title(kind))
        };
        return Err(PsaError::Waiting(why));
    }
    client.sync_receipt(run, data, r).await?;
    let id = r.id;
    save(db, po, move |s| {
        s.receipts_sent.push(id);
        s.status = PsaSyncStatus::Synced;
        s.last_error = None;
        s.retry_at = None;
    })
    .await
}

async fn save(db: &Db, po: PoNumber, f: impl FnOnce(&mut PsaSyncState) + Send + 'static) -> Result<(), PsaError> {
    db.run(move |svc| svc.psa_update(po, f))
        .await
        .map(|_| ())
        .map_err(not_recordable)
}

/// What a failed run comes to, recorded on the order's sync.
async fn failed(db: &Db, po: PoNumber, now: Timestamp, e: PsaError) -> JobOutcome {
    let msg = crate::secrets::scrub(e.message());
    let saved = match &e {
        // A receipt waiting for its order changes nothing on the order's sync.
        PsaError::Waiting(_) => return JobOutcome::RetryLater(msg),
        PsaError::Config(_) => return JobOutcome::NotHandled(msg),
        PsaError::Temporary { retry_after, .. } => {
            let until = retry_after.and_then(|s| retry_until(now, s));
            let m = msg.clone();
            save(db, po, move |s| {
                s.last_error = Some(m);
                s.retry_at = until;
                if s.status == PsaSyncStatus::Waiting {
                    s.status = PsaSyncStatus::InProgress;
                }
            })
            .await
        }
        PsaError::Permanent(_) | PsaError::Refused { .. } => {
            let m = msg.clone();
            save(db, po, move |s| {
                s.last_error = Some(m);
                s.status = PsaSyncStatus::Failed;
            })
            .await
        }
    };
    match (saved, &e) {
        (Err(not_saved), _) => not_recorded(po, msg, &not_saved),
        (Ok(()), PsaError::Temporary { .. }) => JobOutcome::RetryLater(msg),
        (Ok(()), _) => JobOutcome::Failed(msg),
    }
}

/// A failure that could not be recorded on the order's sync (the store refused the
/// write): logged, and the job runs again later, so that the failure is recorded then
/// rather than the job ending while the sync still shows it in progress.
fn not_recorded(po: PoNumber, failure: String, e: &PsaError) -> JobOutcome {
    tracing::error!(%po, failure = %failure, error = %e, "the PSA sync failure could not be recorded");
    JobOutcome::RetryLater(format!("{failure} ({e}; trying again later)"))
}

/// When a PSA that asked Purser to wait `secs` may be called again: at most
/// [`MAX_RETRY_AFTER_SECS`] after `now`; `None` when no date can say it.
fn retry_until(now: Timestamp, secs: u64) -> Option<Timestamp> {
    let secs = i64::try_from(secs.min(MAX_RETRY_AFTER_SECS)).ok()?;
    now.checked_add_signed(chrono::TimeDelta::try_seconds(secs)?)
}

/// Whether any entity of receipt `id` was recorded (or in flight).
fn receipt_started(state: &PsaSyncState, id: u32) -> bool {
    let prefix = format!("receipt/{id}/");
    state.steps.iter().any(|s| s.key.starts_with(&prefix))
        || state.attempting.as_deref().is_some_and(|a| a.starts_with(&prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn a_retry_after_waits_an_hour_at_most() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(retry_until(now, 30), Some(now + chrono::Duration::seconds(30)));
        assert_eq!(
            retry_until(now, 100_000_000_000_000_000),
            Some(now + chrono::Duration::hours(1))
        );
        assert_eq!(retry_until(now, u64::MAX), Some(now + chrono::Duration::hours(1)));
        // Near the end of time no date can say it: no panic, no date.
        let end = chrono::DateTime::<chrono::Utc>::MAX_UTC;
        assert_eq!(retry_until(end, 60), None);
    }

    #[test]
    fn a_failure_that_cannot_be_recorded_runs_again() {
        let e = PsaError::temporary("cannot record the PSA sync: the disk is full");
        let outcome = not_recorded(
            PoNumber(7),
            "HaloPSA refused creating the sales order (400): bad".into(),
            &e,
        );
        assert_eq!(
            outcome,
            JobOutcome::RetryLater(
                "HaloPSA refused creating the sales order (400): bad (cannot record the PSA sync: the disk is full; \
                 trying again later)"
                    .into()
            )
        );
    }

    /// A log that records in memory and says the process is stopping.
    struct Stopping;

    impl StepLog for Stopping {
        fn attempt(&self, _key: String) -> BoxFuture<'_, Result<PsaSyncState, PsaError>> {
            async { panic!("a stopping run attempts nothing") }.boxed()
        }
        fn record(&self, _: String, _: String, _: i64, _: bool) -> BoxFuture<'_, Result<PsaSyncState, PsaError>> {
            async { panic!("a stopping run records nothing") }.boxed()
        }
        fn stopping(&self) -> bool {
            true
        }
    }

    #[test]
    fn a_stopping_process_ends_a_run_between_steps_without_a_failure() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut state = PsaSyncState::new(PoNumber(3), "autotask", now);
        state.steps.push(step("ticket", "Ticket", 11, now, false));
        let log = Stopping;
        let mut run = Run::new(PoNumber(3), state, &log);
        let r = crate::jobs::db::block_on(async {
            // A recorded step answers from the record, stopping or not.
            let known = run
                .ensure(
                    "ticket",
                    "Ticket",
                    async || Ok(None),
                    async || panic!("not created again"),
                )
                .await;
            assert_eq!(known, Ok(11));
            run.ensure(
                "charge/1",
                "TicketCharge",
                async || Ok(None),
                async || panic!("not started"),
            )
            .await
        });
        assert!(matches!(r, Err(PsaError::Waiting(m)) if m.contains("stopping")));
    }
}
