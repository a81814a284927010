//! PSA adapters (Autotask, ConnectWise Manage, HaloPSA): one module per PSA behind
//! [`PsaClient`], run from the outbox by [`crate::jobs::psa`].
//!
//! Every entity created is recorded at once with its remote id ([`Run::ensure`]); a step
//! whose answer was lost is looked up by our reference before it is created again, so
//! retries, injected faults and restarts never create anything twice.

pub mod autotask;
pub mod connectwise;
pub mod halopsa;
mod http;

pub use http::{error_text, PsaError};

use crate::config::{Config, PsaKind};
use crate::domain::psa_sync::PsaSyncState;
use crate::domain::{LineKind, Order, OrderLine, OrderStatus, PoNumber, Receipt};
use futures_util::future::BoxFuture;

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
    /// The opportunity of the line's quote, when it has one.
    pub opportunity: Option<String>,
    /// The quote line's own quantity (an item split over orders has less on each).
    pub quote_quantity: Option<u32>,
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
    /// The other placed orders drawing on the same opportunities: (opportunity id, order,
    /// its status), so that a stage can follow the whole opportunity.
    pub opportunity_orders: Vec<(String, PoNumber, OrderStatus)>,
}

impl OrderData {
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

/// Where a run's steps are recorded, as each entity is created (the jobs layer, on the
/// database): the adapter never touches the store itself.
pub trait StepLog: Send + Sync {
    /// Notes that `key` is about to be created (so a later run looks it up first);
    /// answers the sync state after.
    fn attempt(&self, key: String) -> BoxFuture<'_, Result<PsaSyncState, PsaError>>;
    /// Records the entity `key` with its remote id (`adopted`: found by a look-up after
    /// an answer was lost); answers the sync state after.
    fn record(
        &self,
        key: String,
        entity: String,
        id: i64,
        adopted: bool,
    ) -> BoxFuture<'_, Result<PsaSyncState, PsaError>>;
    /// Whether the process is stopping: a run ends at its next step, to go on later.
    fn stopping(&self) -> bool;
}

/// The steps of one job against the PSA, each entity recorded as soon as it exists.
pub struct Run<'a> {
    pub po: PoNumber,
    pub state: PsaSyncState,
    log: &'a dyn StepLog,
}

impl<'a> Run<'a> {
    pub fn new(po: PoNumber, state: PsaSyncState, log: &'a dyn StepLog) -> Self {
        Run { po, state, log }
    }

    pub fn id(&self, key: &str) -> Option<i64> {
        self.state.remote_id(key)
    }

    /// The remote id for `key`: recorded already; or, when an earlier create of it may
    /// have reached the PSA, found by `lookup`; or made by `create` and recorded at once.
    pub async fn ensure(
        &mut self,
        key: &str,
        entity: &str,
        lookup: impl AsyncFnOnce() -> Result<Option<i64>, PsaError>,
        create: impl AsyncFnOnce() -> Result<i64, PsaError>,
    ) -> Result<i64, PsaError> {
        if let Some(id) = self.id(key) {
            return Ok(id);
        }
        self.safe_point()?;
        if self.state.attempting.as_deref() == Some(key) {
            if let Some(id) = lookup().await? {
                self.state = self.log.record(key.into(), entity.into(), id, true).await?;
                return Ok(id);
            }
        } else {
            self.state = self.log.attempt(key.into()).await?;
        }
        let id = create().await?;
        self.state = self.log.record(key.into(), entity.into(), id, false).await?;
        Ok(id)
    }

    /// An update that creates nothing (a stage change): done once, recorded.
    pub async fn update(
        &mut self,
        key: &str,
        entity: &str,
        apply: impl AsyncFnOnce() -> Result<(), PsaError>,
    ) -> Result<(), PsaError> {
        if self.id(key).is_some() {
            return Ok(());
        }
        self.safe_point()?;
        apply().await?;
        self.state = self.log.record(key.into(), entity.into(), 0, false).await?;
        Ok(())
    }

    /// Between two steps: where a stopping process ends the run, to go on from here later.
    fn safe_point(&self) -> Result<(), PsaError> {
        if self.log.stopping() {
            return Err(PsaError::Waiting(format!(
                "Purser is stopping; the sync of {} goes on from here next time",
                self.po
            )));
        }
        Ok(())
    }
}

/// What each PSA does with an order and its receipts. The futures are `Send` for every
/// adapter (the jobs layer runs them as tasks through [`Client`]), so the lint about
/// unstated bounds does not apply.
#[allow(async_fn_in_trait)]
pub trait PsaClient {
    /// Creates the order's entities (resend-safe: continues from what is recorded).
    async fn sync_order(&self, run: &mut Run<'_>, data: &OrderData) -> Result<(), PsaError>;
    /// Sends one receipt (Autotask receiving, Halo stock); nothing for ConnectWise.
    async fn sync_receipt(&self, run: &mut Run<'_>, data: &OrderData, receipt: &Receipt) -> Result<(), PsaError>;
    /// Resolves every configured mapping against the PSA; returns each unknown value.
    async fn check(&self) -> Result<Vec<String>, PsaError>;
}

/// The configured PSA's client.
pub enum Client {
    Autotask(Box<autotask::Autotask>),
    Connectwise(Box<connectwise::Connectwise>),
    Halopsa(Box<halopsa::Halopsa>),
}

/// Calls the same method on whichever adapter `self` holds.
macro_rules! each {
    ($self:ident, $psa:ident => $body:expr) => {
        match $self {
            Client::Autotask($psa) => $body,
            Client::Connectwise($psa) => $body,
            Client::Halopsa($psa) => $body,
        }
    };
}

impl Client {
    pub async fn sync_order(&self, run: &mut Run<'_>, data: &OrderData) -> Result<(), PsaError> {
        each!(self, p => p.sync_order(run, data).await)
    }

    pub async fn sync_receipt(&self, run: &mut Run<'_>, data: &OrderData, receipt: &Receipt) -> Result<(), PsaError> {
        each!(self, p => p.sync_receipt(run, data, receipt).await)
    }

    pub async fn check(&self) -> Result<Vec<String>, PsaError> {
        each!(self, p => p.check().await)
    }
}

/// The configured PSA's client; `None` when no PSA is connected.
pub fn client(config: &Config) -> Result<Option<Client>, PsaError> {
    Ok(match config.psa.kind {
        PsaKind::None => None,
        PsaKind::Autotask => Some(Client::Autotask(Box::new(autotask::Autotask::from_config(config)?))),
        PsaKind::Connectwise => Some(Client::Connectwise(Box::new(connectwise::Connectwise::from_config(
            config,
        )?))),
        PsaKind::Halopsa => Some(Client::Halopsa(Box::new(halopsa::Halopsa::from_config(config)?))),
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
