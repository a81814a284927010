//! Distributor ordering APIs (Ingram Micro, TD SYNNEX US and EU, Pax8, Onetrail), one
//! module each behind [`DistributorApi`], sharing [`http`] and [`xml`].
//!
//! [`run_job`] runs the outbox jobs: `SubmitApi` sends an order, `PollStatus` asks for
//! its status. The rule that matters most: an order never reaches a distributor twice.
//! Before a create request leaves, the order notes the attempt (in its own transaction);
//! when a later run finds that note, the outcome of the earlier request is unknown, so it
//! looks the order up by our PO number where the distributor allows (Ingram Micro,
//! TD SYNNEX) and records what it finds; where no lookup exists (Pax8, Onetrail) the job
//! stops as uncertain and asks a person.

mod error;
pub mod http;
mod ingram;
mod onetrail;
mod pax8;
pub mod price;
mod tdsynnex;
mod token;
pub mod xml;

pub use error::ApiError;

use crate::app::{ApiStart, JobOutcome, Service};
use crate::config::{Config, Distributor, DistributorKind};
use crate::domain::job::{Job, JobKind};
use crate::domain::order::DistributorOrder;
use crate::domain::{Order, PoNumber};
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

/// One distributor's ordering API.
pub trait DistributorApi {
    /// The distributor's name, for messages.
    fn name(&self) -> &str;

    /// What would make the distributor refuse the order, found before anything is sent.
    fn check(&self, order: &Order) -> Result<(), ApiError>;

    /// Sends the order.
    fn submit(&self, order: &Order) -> Result<Placed, ApiError>;

    /// Looks the order up by our PO number: `None` when the distributor offers no lookup,
    /// `Some(Ok(None))` when it has no such order.
    fn find(&self, order: &Order) -> Option<Result<Option<Placed>, ApiError>>;

    /// The current status of the distributor's orders for `order`.
    fn status(&self, order: &Order) -> Result<Vec<DistributorOrder>, ApiError>;

    /// Price and stock of one item.
    fn price(&self, query: &PriceQuery) -> Result<Price, ApiError>;

    /// Seconds between status polls after placement; `None`: no polling.
    fn poll_every(&self) -> Option<u64>;
}

/// The client for the distributor configured under `key`.
pub fn connect(config: &Config, key: &str) -> Result<Box<dyn DistributorApi>, ApiError> {
    let d = config
        .distributors
        .get(key)
        .ok_or_else(|| ApiError::Config(format!("no [distributors.{key}] in the configuration")))?;
    let name = config.distributor_name(key);
    Ok(match d.kind {
        DistributorKind::Ingram => Box::new(ingram::Ingram::new(key, name, d)?),
        DistributorKind::TdsynnexUs | DistributorKind::TdsynnexEu => {
            let region = if d.kind == DistributorKind::TdsynnexUs {
                tdsynnex::Region::Us
            } else {
                tdsynnex::Region::Eu
            };
            let warehouse = config.company.as_ref().and_then(|c| c.warehouse());
            Box::new(tdsynnex::TdSynnex::new(key, name, d, region, warehouse)?)
        }
        DistributorKind::Pax8 => Box::new(pax8::Pax8::new(key, name, d)?),
        DistributorKind::Onetrail => Box::new(onetrail::Onetrail::new(key, name, d)?),
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

/// Runs a distributor job (API submission, status poll).
pub fn run_job(svc: &Service, job: &Job) -> JobOutcome {
    match &job.kind {
        JobKind::SubmitApi { po } => submit(svc, job, *po),
        JobKind::PollStatus { po } => poll(svc, job, *po),
        other => JobOutcome::Failed(format!("{} is not a distributor job", other.describe())),
    }
}

fn outcome_of_app(e: crate::app::AppError) -> JobOutcome {
    JobOutcome::RetryLater(format!("could not record the result: {e}"))
}

fn submit(svc: &Service, job: &Job, po: PoNumber) -> JobOutcome {
    let order = match svc.order(po) {
        Ok(o) => o,
        Err(e) => return JobOutcome::Failed(e.to_string()),
    };
    if !order.is_sent_by(job.id) {
        return JobOutcome::Failed(format!("{po} is no longer waiting to be sent by job {}", job.id));
    }
    let name = svc.config().distributor_name(&order.distributor);
    let api = match connect(svc.config(), &order.distributor) {
        Ok(a) => a,
        Err(e) => return JobOutcome::Failed(e.for_buyer(&name)),
    };
    if let Err(e) = api.check(&order) {
        return JobOutcome::Failed(e.for_buyer(&name));
    }
    let start = match svc.start_api_attempt(job, po) {
        Ok(s) => s,
        Err(e) => return outcome_of_app(e),
    };
    match start {
        ApiStart::NotOurs => JobOutcome::Failed(format!("{po} is no longer waiting to be sent by job {}", job.id)),
        ApiStart::Fresh => send(svc, job, &order, api.as_ref(), &name),
        ApiStart::AfterUncertain(prior) => match api.find(&order) {
            Some(Ok(Some(found))) => record(svc, job, found, true, api.poll_every()),
            Some(Ok(None)) => {
                tracing::info!(%po, "no order found by our PO number; sending it");
                send(svc, job, &order, api.as_ref(), &name)
            }
            Some(Err(e)) => retry(svc, job, &format!("{}; will look {po} up again before sending", e.for_buyer(&name)), &e, true),
            None if prior.state == crate::domain::order::AttemptState::AskedPerson => {
                // A person was asked and queued the job again: their decision to send.
                send(svc, job, &order, api.as_ref(), &name)
            }
            None => uncertain(
                svc,
                job,
                format!(
                    "an earlier attempt to send {po} to {name} may have arrived, and {name} offers no way to look it up; \
                     check {name}'s portal for an order with reference {po}: if it is there, record it with \
                     `purser sync mark-sent {job}`; if not, send it again with `purser sync retry {job}`",
                    job = job.id
                ),
            ),
        },
    }
}

fn send(svc: &Service, job: &Job, order: &Order, api: &dyn DistributorApi, name: &str) -> JobOutcome {
    let po = order.number;
    match api.submit(order) {
        Ok(placed) => record(svc, job, placed, false, api.poll_every()),
        Err(e) if e.may_have_arrived() => {
            let said = e.for_buyer(name);
            match api.find(order) {
                Some(Ok(Some(found))) => record(svc, job, found, true, api.poll_every()),
                Some(_) => retry(
                    svc,
                    job,
                    &format!("{said}; Purser will look {po} up at {name} by its PO number before sending it again"),
                    &e,
                    true,
                ),
                None => uncertain(
                    svc,
                    job,
                    format!(
                        "{said}. {name} offers no way to look it up: check {name}'s portal for an order with reference {po}; \
                         if it is there, record it with `purser sync mark-sent {job}`, if not, send it again with \
                         `purser sync retry {job}`",
                        job = job.id
                    ),
                ),
            }
        }
        Err(e) if e.is_temporary() => retry(svc, job, &e.for_buyer(name), &e, false),
        Err(e) => JobOutcome::Failed(e.for_buyer(name)),
    }
}

fn record(svc: &Service, job: &Job, placed: Placed, found: bool, poll: Option<u64>) -> JobOutcome {
    match svc.record_api_submission(job, placed.orders, found, poll) {
        Ok(_) => JobOutcome::Done(None),
        Err(e) => outcome_of_app(e),
    }
}

fn retry(svc: &Service, job: &Job, message: &str, e: &ApiError, keep_attempt: bool) -> JobOutcome {
    let wait = match e {
        ApiError::RateLimited { retry_after: Some(s) } => Some(*s),
        _ => None,
    };
    match svc.api_retry_later(job, message, wait, keep_attempt) {
        Ok(_) => JobOutcome::RetryLater(message.to_string()),
        Err(e) => outcome_of_app(e),
    }
}

fn uncertain(svc: &Service, job: &Job, message: String) -> JobOutcome {
    match svc.api_uncertain(job, &message) {
        Ok(_) => JobOutcome::NotHandled(message),
        Err(e) => outcome_of_app(e),
    }
}

fn poll(svc: &Service, job: &Job, po: PoNumber) -> JobOutcome {
    let order = match svc.order(po) {
        Ok(o) => o,
        Err(e) => return JobOutcome::Failed(e.to_string()),
    };
    let name = svc.config().distributor_name(&order.distributor);
    let api = match connect(svc.config(), &order.distributor) {
        Ok(a) => a,
        Err(e) => return JobOutcome::Failed(e.for_buyer(&name)),
    };
    match api.status(&order) {
        Ok(fresh) => match svc.record_status_poll(job, fresh, api.poll_every()) {
            Ok(_) => JobOutcome::Done(None),
            Err(e) => outcome_of_app(e),
        },
        Err(e) if matches!(e, ApiError::Config(_) | ApiError::Unauthorized(_)) => {
            JobOutcome::Failed(e.for_buyer(&name))
        }
        Err(e) => JobOutcome::RetryLater(e.for_buyer(&name)),
    }
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
