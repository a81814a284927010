//! PSA sync on the service side: record each created entity at once (with its audit
//! entry), keep the sync state per order, show it, retry it, and check the configuration.

use super::Permission;
use super::{audit, load_order, AppError, Service};
use crate::config::PsaKind;
use crate::domain::job::{Job, JobKind, JobState};
use crate::domain::{OrderStatus, PoNumber, Timestamp};
use crate::identity::Actor;
use crate::store::psa::{PsaStep, PsaSyncState, PsaSyncStatus};
use serde::Serialize;

/// The actor named in the audit trail for what the background sync did.
pub fn sync_actor() -> Actor {
    Actor {
        name: "psa-sync".into(),
        roles: crate::domain::Roles::new([]),
    }
}

/// One PSA job of an order, as shown.
#[derive(Debug, Clone, Serialize)]
pub struct PsaJobView {
    pub id: u64,
    pub what: String,
    pub state: &'static str,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// An order's PSA sync, as `purser sync status` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PsaSyncView {
    pub po: PoNumber,
    pub order_status: OrderStatus,
    /// `autotask`, `connectwise`, `halopsa` or `none` (standalone).
    pub psa: &'static str,
    /// `local` (standalone), `waiting`, `in progress`, `synced`, `failed`.
    pub sync: String,
    /// The opportunity stage this order maps to (kept locally when standalone).
    pub stage: Option<String>,
    pub step: Option<String>,
    pub last_error: Option<String>,
    pub entities: Vec<PsaStep>,
    pub receipts_sent: Vec<u32>,
    /// Things a person must do in the PSA (a receipt undone after it was sent).
    pub attention: Vec<String>,
    pub jobs: Vec<PsaJobView>,
}

/// The machine name of a PSA kind.
pub fn psa_name(kind: PsaKind) -> &'static str {
    match kind {
        PsaKind::Autotask => "autotask",
        PsaKind::Connectwise => "connectwise",
        PsaKind::Halopsa => "halopsa",
        PsaKind::None => "none",
    }
}

impl Service {
    /// The PSA sync state of one order, if a sync started.
    pub fn psa_sync_state(&self, po: PoNumber) -> Result<Option<PsaSyncState>, AppError> {
        Ok(self.store.read(|tx| tx.psa_sync(po))?)
    }

    /// Records one entity created (or found by our reference) in the PSA, in its own
    /// transaction with its audit entry, before anything else is attempted.
    pub fn psa_record_step(&self, po: PoNumber, step: PsaStep) -> Result<PsaSyncState, AppError> {
        let psa = psa_name(self.config.psa.kind);
        self.store.write(|tx| {
            let mut state = tx.psa_sync(po)?.unwrap_or_else(|| PsaSyncState::new(po, psa, step.at));
            // An attempt at this step ends here: what it made is recorded now.
            let attempt_ended = state.attempting.as_deref() == Some(step.key.as_str());
            if attempt_ended {
                state.attempting = None;
            }
            if state.remote_id(&step.key).is_some() {
                if attempt_ended {
                    state.updated_at = step.at;
                    tx.put_psa_sync(&state)?;
                }
                return Ok(state);
            }
            if state.status == PsaSyncStatus::Waiting {
                state.status = PsaSyncStatus::InProgress;
            }
            state.step = Some(step.key.clone());
            state.last_error = None;
            state.updated_at = step.at;
            state.steps.push(step.clone());
            tx.put_psa_sync(&state)?;
            let action = if step.remote_id == 0 {
                "psa.updated"
            } else if step.adopted {
                "psa.found"
            } else {
                "psa.created"
            };
            audit(
                tx,
                step.at,
                &sync_actor(),
                action,
                &po.to_string(),
                &serde_json::Value::Null,
                &serde_json::json!({"psa": psa, "step": step.key, "entity": step.entity, "remote_id": step.remote_id}),
            )?;
            Ok(state)
        })
    }

    /// Changes an order's sync state (status, step, error) in one small transaction.
    pub fn psa_update(&self, po: PoNumber, f: impl FnOnce(&mut PsaSyncState) + Send) -> Result<PsaSyncState, AppError> {
        let psa = psa_name(self.config.psa.kind);
        let now = self.now();
        self.store.write(|tx| {
            let mut state = tx.psa_sync(po)?.unwrap_or_else(|| PsaSyncState::new(po, psa, now));
            let before = state.clone();
            f(&mut state);
            state.updated_at = now;
            if state != before {
                tx.put_psa_sync(&state)?;
                // A permanent failure is an event a person must see in the trail too.
                if state.status == PsaSyncStatus::Failed && before.status != PsaSyncStatus::Failed {
                    audit(
                        tx,
                        now,
                        &sync_actor(),
                        "psa.failed",
                        &po.to_string(),
                        &serde_json::json!({"status": before.status}),
                        &serde_json::json!({"psa": psa, "step": state.step, "error": state.last_error}),
                    )?;
                }
                if state.status == PsaSyncStatus::Synced && before.status != PsaSyncStatus::Synced {
                    audit(
                        tx,
                        now,
                        &sync_actor(),
                        "psa.synced",
                        &po.to_string(),
                        &serde_json::json!({"status": before.status}),
                        &serde_json::json!({"psa": psa, "entities": state.steps.len()}),
                    )?;
                }
            }
            Ok(state)
        })
    }

    /// Every missing or unknown PSA setting that can be told without asking the PSA.
    /// The placed orders other than `po` that draw on any of `opportunities`:
    /// (opportunity, order, status), each pair once.
    pub fn orders_sharing_opportunities(
        &self,
        po: PoNumber,
        opportunities: &[String],
    ) -> Result<Vec<(String, PoNumber, crate::domain::OrderStatus)>, AppError> {
        if opportunities.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.store.read(|tx| {
            let mut opportunity_of: std::collections::BTreeMap<String, Option<String>> = Default::default();
            let mut out = Vec::new();
            for o in tx.orders()? {
                if o.number == po || o.submission().is_none() {
                    continue;
                }
                for l in &o.lines {
                    if !opportunity_of.contains_key(&l.quote_id) {
                        let op = tx.quote(&l.quote_id)?.and_then(|q| q.quote.opportunity_id);
                        opportunity_of.insert(l.quote_id.clone(), op);
                    }
                    if let Some(Some(op)) = opportunity_of.get(&l.quote_id) {
                        let entry = (op.clone(), o.number, o.status());
                        if opportunities.contains(op) && !out.contains(&entry) {
                            out.push(entry);
                        }
                    }
                }
            }
            Ok::<_, crate::store::StoreError>(out)
        })?)
    }

    pub fn psa_config_problems(&self) -> Vec<String> {
        self.config.psa.problems()
    }

    /// The stage an order's status maps to, per `[psa.stages]`.
    pub fn psa_stage_for(&self, status: OrderStatus) -> Option<String> {
        let s = &self.config.psa.stages;
        match status {
            OrderStatus::Submitted | OrderStatus::EmailSent => s.placed.clone(),
            OrderStatus::Partial => s.partial.clone().or_else(|| s.placed.clone()),
            OrderStatus::Completed => s
                .completed
                .clone()
                .or_else(|| s.partial.clone())
                .or_else(|| s.placed.clone()),
            _ => None,
        }
    }

    /// Per placed order: what the PSA has, where the sync stands, and its jobs.
    pub fn psa_sync_status(&self) -> Result<Vec<PsaSyncView>, AppError> {
        let (orders, states, jobs) = self
            .store
            .read(|tx| Ok::<_, AppError>((tx.orders()?, tx.psa_syncs()?, tx.jobs()?)))?;
        // A cancelled order keeps its view while the PSA holds what was made for it.
        Ok(orders
            .iter()
            .filter_map(|o| {
                let state = states.iter().find(|s| s.po == o.number);
                (o.submission().is_some() || state.is_some()).then(|| self.sync_view(o, state, &jobs))
            })
            .collect())
    }

    /// One order's PSA sync (`None` until the order is placed).
    pub fn psa_sync_of(&self, po: PoNumber) -> Result<Option<PsaSyncView>, AppError> {
        let (order, state, jobs) = self
            .store
            .read(|tx| Ok::<_, AppError>((tx.order(po)?, tx.psa_sync(po)?, tx.jobs()?)))?;
        Ok(order
            .filter(|o| o.submission().is_some() || state.is_some())
            .map(|o| self.sync_view(&o, state.as_ref(), &jobs)))
    }

    pub(super) fn sync_view(
        &self,
        order: &crate::domain::Order,
        state: Option<&PsaSyncState>,
        jobs: &[Job],
    ) -> PsaSyncView {
        let kind = self.config.psa.kind;
        let po = order.number;
        let order_jobs: Vec<PsaJobView> = jobs
            .iter()
            .filter(|j| matches!(&j.kind, JobKind::PsaSync { po: p } | JobKind::PsaReceipt { po: p, .. } if *p == po))
            .map(job_view)
            .collect();
        let mut attention = Vec::new();
        if let Some(note) = state.and_then(|st| cancelled_in_purser(order, st, kind)) {
            attention.push(note);
        }
        if let Some(st) = state {
            for r in order.receipts.iter().filter(|r| r.undone.is_some()) {
                // ConnectWise only had its stage moved: nothing there to reverse.
                if st.receipts_sent.contains(&r.id) && kind.syncs_receipts() {
                    attention.push(format!(
                        "receipt {} (line {}, {} unit(s)) was undone in Purser after it reached {}; reverse it there by hand",
                        r.id,
                        r.line,
                        r.quantity,
                        psa_title(kind)
                    ));
                }
            }
        }
        let sync = if !kind.is_connected() {
            "local".to_string()
        } else if order_jobs.iter().any(|j| j.state == "failed") {
            "failed".to_string()
        } else {
            let base = state.map_or(PsaSyncStatus::Waiting, |s| s.status);
            let open = order_jobs.iter().any(|j| matches!(j.state, "queued" | "running"));
            match (base, open) {
                (PsaSyncStatus::Synced, true) => "in progress".into(),
                (b, _) => b.label().to_string(),
            }
        };
        let last_error = state
            .and_then(|s| s.last_error.clone())
            .or_else(|| order_jobs.iter().rev().find_map(|j| j.last_error.clone()));
        PsaSyncView {
            po,
            order_status: order.status(),
            psa: psa_name(kind),
            sync,
            stage: self
                .psa_stage_for(order.status())
                .or_else(|| (!kind.is_connected()).then(|| order.status().to_string())),
            step: state.and_then(|s| s.step.clone()),
            last_error,
            entities: state.map(|s| s.steps.clone()).unwrap_or_default(),
            receipts_sent: state.map(|s| s.receipts_sent.clone()).unwrap_or_default(),
            attention,
            jobs: order_jobs,
        }
    }

    /// The order's entities exist now: receipts that were waiting for them run at once
    /// instead of after their backoff.
    pub fn psa_wake_receipts(&self, po: PoNumber) -> Result<(), AppError> {
        let now = self.now();
        self.store.write(|tx| {
            for mut job in tx.jobs()? {
                let waiting = matches!(&job.kind, JobKind::PsaReceipt { po: p, .. } if *p == po)
                    && matches!(job.state, JobState::Queued { not_before } if not_before > now);
                if waiting {
                    job.state = JobState::Queued { not_before: now };
                    tx.put_job(&job)?;
                }
            }
            Ok(())
        })
    }

    /// A person retries an order's PSA sync: its failed or uncertain PSA jobs run again,
    /// continuing from the last entity recorded.
    pub fn psa_retry(&self, actor: &Actor, po: PoNumber) -> Result<Vec<Job>, AppError> {
        Permission::RetryPsaSync.check(actor)?;
        let now = self.now();
        self.store.write(|tx| {
            load_order(tx, po)?;
            let mut requeued = Vec::new();
            for mut job in tx.jobs()? {
                let ours =
                    matches!(&job.kind, JobKind::PsaSync { po: p } | JobKind::PsaReceipt { po: p, .. } if *p == po);
                if !ours {
                    continue;
                }
                let before = job.clone();
                let retryable = matches!(job.state, JobState::Failed { .. } | JobState::Uncertain { .. });
                if !retryable && !matches!(job.state, JobState::Queued { .. }) {
                    continue;
                }
                if retryable {
                    job.requeue(now);
                } else {
                    job.state = JobState::Queued { not_before: now };
                }
                tx.put_job(&job)?;
                audit(tx, now, actor, "job.retry", &format!("job {}", job.id), &before, &job)?;
                requeued.push(job);
            }
            if let Some(mut st) = tx.psa_sync(po)? {
                if st.status == PsaSyncStatus::Failed || st.retry_at.is_some() {
                    st.status = PsaSyncStatus::InProgress;
                    st.retry_at = None;
                    st.updated_at = now;
                    tx.put_psa_sync(&st)?;
                }
            }
            if requeued.is_empty() {
                return Err(AppError::JobState(format!(
                    "{po} has no failed or waiting PSA job to retry; see `purser sync status`"
                )));
            }
            Ok(requeued)
        })
    }
}

fn job_view(j: &Job) -> PsaJobView {
    PsaJobView {
        id: j.id,
        what: j.kind.describe(),
        state: j.state_label(),
        attempts: j.attempts,
        last_error: j.last_error.clone(),
    }
}

/// The PSA's name for people.
pub fn psa_title(kind: PsaKind) -> &'static str {
    match kind {
        PsaKind::Autotask => "Autotask",
        PsaKind::Connectwise => "ConnectWise Manage",
        PsaKind::Halopsa => "HaloPSA",
        PsaKind::None => "no PSA",
    }
}

/// A timestamp for a recorded step.
pub fn step(key: impl Into<String>, entity: &str, remote_id: i64, at: Timestamp, adopted: bool) -> PsaStep {
    PsaStep {
        key: key.into(),
        entity: entity.to_string(),
        remote_id,
        at,
        adopted,
    }
}

impl PsaSyncView {
    /// One line per order: the sync column of `purser sync status`.
    pub fn table(views: &[PsaSyncView]) -> String {
        use std::fmt::Write;
        if views.is_empty() {
            return "no placed orders".into();
        }
        let mut s = format!(
            "{:<10} {:<18} {:<12} {:<12} {:>8}  detail\n",
            "order", "status", "psa", "sync", "entities"
        );
        for v in views {
            let detail = v
                .attention
                .first()
                .cloned()
                .or_else(|| v.last_error.clone())
                .or_else(|| v.stage.as_ref().map(|st| format!("stage {st}")))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "{:<10} {:<18} {:<12} {:<12} {:>8}  {detail}",
                v.po.to_string(),
                v.order_status.to_string(),
                v.psa,
                v.sync,
                v.entities.len()
            );
        }
        s
    }

    /// Everything about one order's sync: each entity with its PSA id, jobs, errors.
    pub fn detail(&self) -> String {
        use std::fmt::Write;
        let mut s = format!(
            "{}  {}  PSA: {}  sync: {}\n",
            self.po, self.order_status, self.psa, self.sync
        );
        if let Some(st) = &self.stage {
            let _ = writeln!(s, "stage: {st}");
        }
        if let Some(step) = &self.step {
            let _ = writeln!(s, "step reached: {step}");
        }
        if let Some(e) = &self.last_error {
            let _ = writeln!(s, "last error: {e}");
        }
        for a in &self.attention {
            let _ = writeln!(s, "needs attention: {a}");
        }
        if !self.entities.is_empty() {
            let _ = writeln!(s, "entities in the PSA:");
            for e in &self.entities {
                let id = if e.remote_id == 0 {
                    "updated".to_string()
                } else {
                    format!("id {}", e.remote_id)
                };
                let found = if e.adopted { " (found by reference)" } else { "" };
                let _ = writeln!(s, "  {:<24} {:<28} {id}{found}", e.key, e.entity);
            }
        }
        for j in &self.jobs {
            let err = j.last_error.as_deref().map(|e| format!(" — {e}")).unwrap_or_default();
            let _ = writeln!(
                s,
                "job {:>4}  {:<9} {} (attempts {}){err}",
                j.id, j.state, j.what, j.attempts
            );
        }
        s
    }
}

/// For a cancelled order whose sync made entities in the PSA: what they are, to be closed
/// or removed there by hand (Purser never deletes in a PSA).
pub(super) fn cancelled_in_purser(order: &crate::domain::Order, state: &PsaSyncState, kind: PsaKind) -> Option<String> {
    let made: Vec<String> = state
        .steps
        .iter()
        .filter(|s| s.remote_id != 0)
        .map(|s| format!("{} {}", s.entity, s.remote_id))
        .collect();
    (order.status() == crate::domain::OrderStatus::Cancelled && !made.is_empty()).then(|| {
        format!(
            "{} was cancelled in Purser after its sync made {} in {}; close or remove them there by hand \
             (Purser changes nothing it made there)",
            order.number,
            made.join(", "),
            // The PSA it was synced to, even if the configuration names none now.
            if kind.is_connected() {
                psa_title(kind).to_string()
            } else {
                state.psa.clone()
            }
        )
    })
}
