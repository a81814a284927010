//! Distributor ordering APIs (Ingram Micro, TD SYNNEX US and EU, Pax8, Onetrail), one
//! module each behind [`DistributorApi`], sharing [`http`] and [`xml`].
//!
//! Adapters only: an order or a query in, a typed answer out. Recording what happened,
//! and never sending an order twice, is the work of [`crate::jobs::distributor`].

mod error;
pub mod http;
mod ingram;
mod onetrail;
mod pax8;
mod tdsynnex;
mod token;
pub mod xml;

pub use error::ApiError;

use crate::config::{Config, Distributor, DistributorKind};
use crate::domain::order::DistributorOrder;
use crate::domain::Order;
use rust_decimal::Decimal;

/// What a distributor said when it took an order (possibly split, possibly with
/// rejected lines).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Placed {
    pub orders: Vec<DistributorOrder>,
}

/// What a price-and-availability lookup asks for.
#[derive(Debug, Clone, Default)]
pub struct PriceQuery {
    pub sku: String,
    pub distributor_sku: Option<String>,
    pub mpn: Option<String>,
    pub pax8_product_id: Option<String>,
    pub quantity: u32,
}

/// A distributor's current price and stock for one item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Price {
    /// The part number the distributor knows it by.
    pub part: String,
    pub unit_cost: Decimal,
    pub currency: String,
    /// Units in stock, when the distributor says.
    pub available: Option<i64>,
}

/// One distributor's ordering API. Its futures are `Send` for every adapter (checked where
/// [`Client`] dispatches to them), so the lint about unstated bounds does not apply.
#[allow(async_fn_in_trait)]
pub trait DistributorApi {
    /// The distributor's name, for messages.
    fn name(&self) -> &str;

    /// What would make the distributor refuse the order, found before anything is sent.
    fn check(&self, order: &Order) -> Result<(), ApiError>;

    /// Sends the order.
    async fn submit(&self, order: &Order) -> Result<Placed, ApiError>;

    /// Looks the order up by our PO number: `None` when the distributor offers no lookup,
    /// `Some(Ok(None))` when it has no such order.
    async fn find(&self, order: &Order) -> Option<Result<Option<Placed>, ApiError>>;

    /// The current status of the distributor's orders for `order`.
    async fn status(&self, order: &Order) -> Result<Vec<DistributorOrder>, ApiError>;

    /// Price and stock of one item.
    async fn price(&self, query: &PriceQuery) -> Result<Price, ApiError>;

    /// Seconds between status polls after placement; `None`: no polling.
    fn poll_every(&self) -> Option<u64>;
}

/// The client of one configured distributor.
pub enum Client {
    Ingram(ingram::Ingram),
    TdSynnex(tdsynnex::TdSynnex),
    Pax8(pax8::Pax8),
    Onetrail(onetrail::Onetrail),
}

/// Calls the same method on whichever adapter `self` holds.
macro_rules! each {
    ($self:ident, $api:ident => $body:expr) => {
        match $self {
            Client::Ingram($api) => $body,
            Client::TdSynnex($api) => $body,
            Client::Pax8($api) => $body,
            Client::Onetrail($api) => $body,
        }
    };
}

impl Client {
    pub fn name(&self) -> &str {
        each!(self, a => a.name())
    }

    pub fn check(&self, order: &Order) -> Result<(), ApiError> {
        each!(self, a => a.check(order))
    }

    pub async fn submit(&self, order: &Order) -> Result<Placed, ApiError> {
        each!(self, a => a.submit(order).await)
    }

    pub async fn find(&self, order: &Order) -> Option<Result<Option<Placed>, ApiError>> {
        each!(self, a => a.find(order).await)
    }

    pub async fn status(&self, order: &Order) -> Result<Vec<DistributorOrder>, ApiError> {
        each!(self, a => a.status(order).await)
    }

    pub async fn price(&self, query: &PriceQuery) -> Result<Price, ApiError> {
        each!(self, a => a.price(query).await)
    }

    pub fn poll_every(&self) -> Option<u64> {
        each!(self, a => a.poll_every())
    }
}

/// The client for the distributor configured under `key`.
pub fn connect(config: &Config, key: &str) -> Result<Client, ApiError> {
    let d = config
        .distributors
        .get(key)
        .ok_or_else(|| ApiError::Config(format!("no [distributors.{key}] in the configuration")))?;
    let name = config.distributor_name(key);
    Ok(match d.kind {
        DistributorKind::Ingram => Client::Ingram(ingram::Ingram::new(key, name, d)?),
        DistributorKind::TdsynnexUs | DistributorKind::TdsynnexEu => {
            let region = if d.kind == DistributorKind::TdsynnexUs {
                tdsynnex::Region::Us
            } else {
                tdsynnex::Region::Eu
            };
            let warehouse = config.company.as_ref().and_then(|c| c.warehouse());
            Client::TdSynnex(tdsynnex::TdSynnex::new(key, name, d, region, warehouse)?)
        }
        DistributorKind::Pax8 => Client::Pax8(pax8::Pax8::new(key, name, d)?),
        DistributorKind::Onetrail => Client::Onetrail(onetrail::Onetrail::new(key, name, d)?),
        DistributorKind::Email | DistributorKind::Manual => {
            return Err(ApiError::Config(format!(
                "[distributors.{key}] is kind = \"{}\", which has no ordering API",
                d.kind.as_str()
            )))
        }
    })
}

/// A required setting of a distributor, named in the message when missing.
pub(crate) fn required<'a>(key: &str, field: &str, value: &'a Option<String>) -> Result<&'a str, ApiError> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::Config(format!("[distributors.{key}] needs {field}")))
}

/// A secret: from the environment variable a `*_env` setting names, or else from the
/// distributor's `secret_file` (refused when others can read it). Read when needed, never
/// stored or logged.
pub(crate) fn secret(key: &str, d: &Distributor, field: &str, env: &Option<String>) -> Result<String, ApiError> {
    match (env.as_deref().map(str::trim).filter(|v| !v.is_empty()), &d.secret_file) {
        (Some(var), None) => crate::secrets::from_env(var).map_err(|e| ApiError::Config(format!("{field}: {e}"))),
        (Some(var), Some(file)) => crate::secrets::from_env(var).or_else(|_| {
            crate::secrets::from_file(file)
                .map_err(|e| ApiError::Config(format!("[distributors.{key}] secret_file: {e}")))
        }),
        (None, Some(file)) => crate::secrets::from_file(file)
            .map_err(|e| ApiError::Config(format!("[distributors.{key}] secret_file: {e}"))),
        (None, None) => Err(ApiError::Config(format!(
            "[distributors.{key}] needs {field} or secret_file"
        ))),
    }
}

pub(crate) fn base_url<'a>(d: &'a Distributor, default: &'a str) -> &'a str {
    d.base_url
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(default)
}

#[cfg(test)]
mod secret_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_secret_comes_from_an_owner_only_file_when_no_variable_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ingram.secret");
        std::fs::write(&file, "s3cret\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let d = Distributor {
            secret_file: Some(file.clone()),
            ..Default::default()
        };
        assert_eq!(secret("ingram", &d, "client_secret_env", &None).unwrap(), "s3cret");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = secret("ingram", &d, "client_secret_env", &None).unwrap_err();
        assert!(format!("{e:?}").contains("can be read by others"), "{e:?}");
    }

    #[test]
    fn without_variable_or_file_the_setting_is_named() {
        let e = secret("pax8", &Distributor::default(), "client_secret_env", &None).unwrap_err();
        assert!(
            format!("{e:?}").contains("[distributors.pax8] needs client_secret_env or secret_file"),
            "{e:?}"
        );
    }
}
