//! PSA sync (Autotask, ConnectWise Manage, HaloPSA): one module per PSA behind
//! [`PsaClient`], run from the outbox by [`run_job`].
//!
//! Every entity created is recorded at once with its remote id ([`Run::ensure`]); a step
//! whose answer was lost is looked up by our reference before it is created again, so
//! retries, injected faults and restarts never create anything twice.

pub mod autotask;
pub mod connectwise;
pub mod halopsa;
mod http;

pub use http::{error_text, PsaError};

use crate::app::psa::{psa_title, step};
use crate::app::{JobOutcome, Service};
use crate::config::{Config, PsaKind};
use crate::domain::job::{Job, JobKind};
use crate::domain::{LineKind, Order, OrderLine, PoNumber, Receipt};
use crate::store::psa::{PsaSyncState, PsaSyncStatus};

/// One order line as the PSA sees it.
#[derive(Debug, Clone)]
pub struct LineData {
    /// 1-based line number.
    pub n: u32,
    pub line: OrderLine,
    /// A service or labour line (a Pax8 subscription can be one): never a charge or a PO item.
    pub is_service: bool,
    /// The quote's line kind, when the quote is known.
    pub kind: Option<LineKind>,
}

/// An order with what the PSA needs from its quotes.
#[derive(Debug, Clone)]
pub struct OrderData {
    pub order: Order,
    pub lines: Vec<LineData>,
    /// Distinct opportunity ids of the order's quotes, in line order.
    pub opportunities: Vec<String>,
    /// Distinct quote numbers (or ids), for titles and notes.
    pub quotes: Vec<String>,
}

impl OrderData {
    pub fn load(svc: &Service, po: PoNumber) -> Result<OrderData, PsaError> {
        let order = svc.order(po).map_err(|e| PsaError::Permanent(e.to_string()))?;
        // Each quote the order draws on, read once.
        let stored_quotes = svc
            .quotes_of_order(po)
            .map_err(|e| PsaError::temporary(e.to_string()))?;
        let mut lines = Vec::new();
        let mut opportunities: Vec<String> = Vec::new();
        let mut quotes: Vec<String> = Vec::new();
        for (i, l) in order.lines.iter().enumerate() {
            let stored = stored_quotes.get(&l.quote_id).and_then(Option::as_ref);
            let kind = stored
                .and_then(|q| q.quote.lines.iter().find(|ql| ql.line_id == l.line_id))
                .map(|ql| ql.kind);
            if let Some(q) = stored {
                if let Some(o) = &q.quote.opportunity_id {
                    if !opportunities.contains(o) {
                        opportunities.push(o.clone());
                    }
                }
                let name = q.quote.quote_number.clone().unwrap_or_else(|| q.quote.quote_id.clone());
                if !quotes.contains(&name) {
                    quotes.push(name);
                }
            }
            lines.push(LineData {
                n: i as u32 + 1,
                line: l.clone(),
                is_service: matches!(kind, Some(LineKind::Service | LineKind::Labour)),
                kind,
            });
        }
        Ok(OrderData {
            order,
            lines,
            opportunities,
            quotes,
        })
    }

    /// Lines that become charges, PO lines and stock: everything but services.
    pub fn goods(&self) -> impl Iterator<Item = &LineData> {
        self.lines.iter().filter(|l| !l.is_service)
    }

    /// Distinct customer companies (PSA company ids; `None` for a customer without one).
    pub fn companies(&self) -> Vec<Option<String>> {
        let mut out: Vec<Option<String>> = Vec::new();
        for l in &self.lines {
            if !out.contains(&l.line.psa_company_id) {
                out.push(l.line.psa_company_id.clone());
            }
        }
        out
    }

    /// The internal note text: what was ordered, from whom, for which quotes.
    pub fn note_text(&self, config: &Config) -> String {
        let o = &self.order;
        let mut s = format!(
            "Purchase order {} placed with {} ({}), {} order, {} line(s), total cost {} {}.",
            o.number,
            config.distributor_name(&o.distributor),
            o.submission().map_or("placed", |s| s.method.describe()),
            o.order_type.as_str(),
            o.lines.len(),
            o.total(),
            o.currency
        );
        if !self.quotes.is_empty() {
            s.push_str(&format!(" Quotes: {}.", self.quotes.join(", ")));
        }
        if let Some(a) = &o.ship_to {
            if o.order_type == crate::domain::OrderType::Dropship {
                s.push_str(&format!(" Dropship to {}.", a.one_line()));
            }
        }
        if let Some(n) = &o.notes {
            s.push_str(&format!(" Notes: {n}"));
        }
        s
    }
}

/// The link to an order (`[psa] order_url`, `{po}` replaced).
pub fn order_link(config: &Config, po: PoNumber) -> String {
    config
        .psa
        .order_url
        .as_deref()
        .unwrap_or("purser://orders/{po}")
        .replace("{po}", &po.to_string())
}

/// The steps of one job against the PSA, recording each entity as it is created.
pub struct Run<'a> {
    pub svc: &'a Service,
    pub po: PoNumber,
    pub state: PsaSyncState,
    /// The outbox job and lease owner this run works under: renewed before each step, so
    /// a slow PSA never lets another process take the job over mid-run.
    pub lease: Option<(u64, String)>,
}

impl<'a> Run<'a> {
    pub fn load(svc: &'a Service, po: PoNumber) -> Result<Self, PsaError> {
        let state = svc
            .psa_sync_state(po)
            .map_err(|e| PsaError::temporary(e.to_string()))?
            .unwrap_or_else(|| PsaSyncState::new(po, crate::app::psa::psa_name(svc.config().psa.kind), svc.now()));
        Ok(Run {
            svc,
            po,
            state,
            lease: None,
        })
    }

    pub fn id(&self, key: &str) -> Option<i64> {
        self.state.remote_id(key)
    }

    fn save(&mut self, f: impl FnOnce(&mut PsaSyncState)) -> Result<(), PsaError> {
        self.state = self
            .svc
            .psa_update(self.po, f)
            .map_err(|e| PsaError::temporary(format!("cannot record the PSA sync: {e}")))?;
        Ok(())
    }

    /// The remote id for `key`: recorded already; or, when an earlier create of it may
    /// have reached the PSA, found by `lookup`; or made by `create` and recorded at once.
    pub fn ensure(
        &mut self,
        key: &str,
        entity: &str,
        lookup: impl FnOnce() -> Result<Option<i64>, PsaError>,
        create: impl FnOnce() -> Result<i64, PsaError>,
    ) -> Result<i64, PsaError> {
        if let Some(id) = self.id(key) {
            return Ok(id);
        }
        self.keep_lease()?;
        if self.state.attempting.as_deref() == Some(key) {
            if let Some(id) = lookup()? {
                self.record(key, entity, id, true)?;
                return Ok(id);
            }
        } else {
            let k = key.to_string();
            self.save(|s| {
                s.attempting = Some(k.clone());
                s.step = Some(k);
                if s.status == PsaSyncStatus::Waiting {
                    s.status = PsaSyncStatus::InProgress;
                }
            })?;
        }
        let id = create()?;
        self.record(key, entity, id, false)?;
        Ok(id)
    }

    /// An update that creates nothing (a stage change): done once, recorded.
    pub fn update(
        &mut self,
        key: &str,
        entity: &str,
        apply: impl FnOnce() -> Result<(), PsaError>,
    ) -> Result<(), PsaError> {
        if self.id(key).is_some() {
            return Ok(());
        }
        self.keep_lease()?;
        apply()?;
        self.record(key, entity, 0, false)
    }

    /// Renews the job's lease before a step; stops when another process holds it now.
    fn keep_lease(&self) -> Result<(), PsaError> {
        let Some((job, owner)) = &self.lease else { return Ok(()) };
        match self.svc.renew_lease(*job, owner) {
            Ok(true) => Ok(()),
            Ok(false) => Err(PsaError::temporary(format!(
                "another process took job {job} over; the sync goes on there"
            ))),
            Err(e) => Err(PsaError::temporary(format!("cannot renew the lease of job {job}: {e}"))),
        }
    }

    fn record(&mut self, key: &str, entity: &str, id: i64, adopted: bool) -> Result<(), PsaError> {
        let now = self.svc.now();
        // One transaction records the entity and ends the attempt at it.
        self.state = self
            .svc
            .psa_record_step(self.po, step(key, entity, id, now, adopted))
            .map_err(|e| PsaError::temporary(format!("cannot record the PSA sync: {e}")))?;
        Ok(())
    }
}

/// What each PSA does with an order and its receipts.
pub trait PsaClient {
    /// Creates the order's entities (resend-safe: continues from what is recorded).
    fn sync_order(&self, run: &mut Run<'_>, data: &OrderData) -> Result<(), PsaError>;
    /// Sends one receipt (Autotask receiving, Halo stock); nothing for ConnectWise.
    fn sync_receipt(&self, run: &mut Run<'_>, data: &OrderData, receipt: &Receipt) -> Result<(), PsaError>;
    /// Resolves every configured mapping against the PSA; returns each unknown value.
    fn check(&self, svc: &Service) -> Result<Vec<String>, PsaError>;
}

/// The configured PSA's client.
pub fn client(config: &Config) -> Result<Option<Box<dyn PsaClient>>, PsaError> {
    Ok(match config.psa.kind {
        PsaKind::None => None,
        PsaKind::Autotask => Some(Box::new(autotask::Autotask::from_config(config)?)),
        PsaKind::Connectwise => Some(Box::new(connectwise::Connectwise::from_config(config)?)),
        PsaKind::Halopsa => Some(Box::new(halopsa::Halopsa::from_config(config)?)),
    })
}

/// Reads a secret from `env` or `file` (one of them, checked by the configuration).
pub fn secret(env: &Option<String>, file: &Option<std::path::PathBuf>, what: &str) -> Result<String, PsaError> {
    let r = match (env, file) {
        (Some(e), _) => crate::secrets::from_env(e),
        (None, Some(f)) => crate::secrets::from_file(f),
        (None, None) => return Err(PsaError::Config(format!("no {what} is configured"))),
    };
    r.map_err(|e| PsaError::Config(format!("the {what}: {e}")))
}

/// Runs the configured PSA's checks: the configuration first, then each mapping against
/// the PSA itself. Returns every problem found (empty: all good).
pub fn check(svc: &Service) -> Vec<String> {
    let problems = svc.psa_config_problems();
    if !problems.is_empty() {
        return problems;
    }
    match client(svc.config()) {
        Ok(None) => Vec::new(),
        Ok(Some(c)) => match c.check(svc) {
            Ok(p) => p,
            Err(e) => vec![e.to_string()],
        },
        Err(e) => vec![e.to_string()],
    }
}

/// Runs a PSA job (create the order's entities, send a receipt).
pub fn run_job(svc: &Service, job: &Job) -> JobOutcome {
    let config = svc.config();
    let kind = config.psa.kind;
    if !kind.is_connected() {
        // Standalone: the stage is the order's own status, kept locally.
        return JobOutcome::Done(None);
    }
    let problems = svc.psa_config_problems();
    if !problems.is_empty() {
        return JobOutcome::NotHandled(format!(
            "{} sync waits for the configuration: {}",
            psa_title(kind),
            problems.join("; ")
        ));
    }
    let Some(po) = job.kind.po() else {
        return JobOutcome::Failed("job names no order".into());
    };
    let psa = match client(config) {
        Ok(Some(c)) => c,
        Ok(None) => return JobOutcome::Done(None),
        Err(e) => return JobOutcome::NotHandled(format!("{} sync waits: {e}", psa_title(kind))),
    };
    let mut run = match Run::load(svc, po) {
        Ok(r) => r,
        Err(e) => return JobOutcome::RetryLater(e.to_string()),
    };
    if let crate::domain::job::JobState::Running { owner, .. } = &job.state {
        run.lease = Some((job.id, owner.clone()));
    }
    let now = svc.now();
    if let Some(at) = run.state.retry_at {
        if at > now {
            return JobOutcome::RetryLater(format!(
                "{} asked Purser to wait until {}",
                psa_title(kind),
                at.format("%H:%M:%S UTC")
            ));
        }
    }
    let result = OrderData::load(svc, po).and_then(|data| match &job.kind {
        JobKind::PsaSync { .. } => {
            psa.sync_order(&mut run, &data)?;
            run.save(|s| {
                s.status = PsaSyncStatus::Synced;
                s.created = true;
                s.last_error = None;
                s.retry_at = None;
                s.step = Some("done".into());
            })?;
            // Receipts recorded meanwhile need not wait out their backoff.
            svc.psa_wake_receipts(po)
                .map_err(|e| PsaError::temporary(e.to_string()))
        }
        JobKind::PsaReceipt { receipt, .. } => {
            let Some(r) = data.order.receipts.iter().find(|r| r.id == *receipt).cloned() else {
                return Err(PsaError::Permanent(format!("{po} has no receipt {receipt}")));
            };
            if run.state.receipts_sent.contains(&r.id) || run.state.receipts_skipped.contains(&r.id) {
                return Ok(());
            }
            if r.undone.is_some() && !receipt_started(&run.state, r.id) {
                // Undone before anything reached the PSA: the PSA gets nothing.
                return run.save(|s| s.receipts_skipped.push(r.id));
            }
            match run.state.status {
                _ if run.state.created => {}
                PsaSyncStatus::Failed => {
                    return Err(PsaError::temporary(format!(
                        "receipt {} waits: creating {po} in {} failed ({}); retry that first",
                        r.id,
                        psa_title(kind),
                        run.state.last_error.as_deref().unwrap_or("see `purser sync status`")
                    )))
                }
                _ => {
                    return Err(PsaError::temporary(format!(
                        "receipt {} waits until {po} exists in {}",
                        r.id,
                        psa_title(kind)
                    )))
                }
            }
            psa.sync_receipt(&mut run, &data, &r)?;
            run.save(|s| {
                s.receipts_sent.push(r.id);
                s.status = PsaSyncStatus::Synced;
                s.last_error = None;
                s.retry_at = None;
            })
        }
        _ => Err(PsaError::Permanent(format!("not a PSA job: {}", job.kind.describe()))),
    });
    match result {
        Ok(()) => JobOutcome::Done(None),
        Err(e) => {
            let waiting = matches!(job.kind, JobKind::PsaReceipt { .. }) && e.message().contains(" waits");
            let msg = e.message().to_string();
            match &e {
                PsaError::Temporary { retry_after, .. } => {
                    if !waiting {
                        let until = retry_after.and_then(|s| retry_until(now, s));
                        let m = msg.clone();
                        let saved = run.save(|s| {
                            s.last_error = Some(m);
                            s.retry_at = until;
                            if s.status == PsaSyncStatus::Waiting {
                                s.status = PsaSyncStatus::InProgress;
                            }
                        });
                        if let Err(e) = saved {
                            return not_recorded(po, msg, &e);
                        }
                    }
                    JobOutcome::RetryLater(msg)
                }
                PsaError::Permanent(_) | PsaError::Refused { .. } => {
                    let m = msg.clone();
                    let saved = run.save(|s| {
                        s.last_error = Some(m);
                        s.status = PsaSyncStatus::Failed;
                    });
                    match saved {
                        Ok(()) => JobOutcome::Failed(msg),
                        Err(e) => not_recorded(po, msg, &e),
                    }
                }
                PsaError::Config(_) => JobOutcome::NotHandled(msg),
            }
        }
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
/// [`http::MAX_RETRY_AFTER_SECS`] after `now`; `None` when no date can say it.
fn retry_until(now: crate::domain::Timestamp, secs: u64) -> Option<crate::domain::Timestamp> {
    let secs = i64::try_from(secs.min(http::MAX_RETRY_AFTER_SECS)).ok()?;
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
    fn each_missing_setting_is_named_once() {
        let c =
            Config::parse("[psa]\nkind = \"autotask\"\n[psa.autotask]\nusername = \"api@x\"\npurchase_orders = true\n")
                .unwrap();
        let p = c.psa.problems().join("\n");
        for key in [
            "stages.placed",
            "integration_code_env",
            "secret_env",
            "ticket_status",
            "ticket_priority",
            "ticket_queue",
            "shipping_billing_code_id",
            "note_type",
            "note_publish",
            "inventory_location_id",
            "purchase_order_status",
        ] {
            assert_eq!(p.matches(key).count(), 1, "{key} in:\n{p}");
        }
        let c = Config::parse("[psa]\nkind = \"connectwise\"\n[psa.connectwise]\ncompany_id = \"a\"\nclient_id = \"b\"\nimpact = \"Huge\"\n").unwrap();
        let p = c.psa.problems().join("\n");
        assert!(
            p.contains("impact = \"Huge\" is unknown; use Low, Medium or High"),
            "{p}"
        );
        assert!(
            p.contains("base_url") && p.contains("board") && p.contains("sla"),
            "{p}"
        );
        assert!(Config::parse("[psa]\nkind = \"none\"\n")
            .unwrap()
            .psa
            .problems()
            .is_empty());
    }

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

    #[test]
    fn a_vendor_for_an_unknown_distributor_is_refused() {
        let e = Config::parse("[psa.vendors]\ningrum = 4\n").unwrap_err();
        assert!(e.contains("`ingrum`, which is not configured"), "{e}");
    }

    #[test]
    fn secrets_come_from_the_environment_or_a_private_file() {
        std::env::set_var("PURSER_TEST_PSA_SECRET_X", "s3cret");
        assert_eq!(
            secret(&Some("PURSER_TEST_PSA_SECRET_X".into()), &None, "x").unwrap(),
            "s3cret"
        );
        let e = secret(
            &Some("PURSER_TEST_PSA_SURELY_UNSET".into()),
            &None,
            "Autotask API secret",
        )
        .unwrap_err();
        assert_eq!(
            e,
            PsaError::Config(
                "the Autotask API secret: the environment variable PURSER_TEST_PSA_SURELY_UNSET is not set".into()
            )
        );
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("s");
        std::fs::write(&f, "open\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = secret(&None, &Some(f), "HaloPSA client secret").unwrap_err();
        assert!(e.message().contains("chmod 600"), "{e}");
    }
}
