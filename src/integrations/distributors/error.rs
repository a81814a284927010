//! What can go wrong talking to a distributor, and how to say it to a buyer.

use crate::domain::order::FieldTooLong;
use std::fmt::Write;

/// A failed distributor call, classified by what it means for the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The configuration is incomplete (missing key, secret, base URL); nothing was sent.
    Config(String),
    /// Values the distributor would refuse, caught before sending.
    TooLong(Vec<FieldTooLong>),
    /// Something else the order lacks for this distributor; nothing was sent.
    Incomplete(String),
    /// No connection could be made; nothing was sent.
    Unreachable(String),
    /// No answer in time: the request may have arrived.
    Timeout,
    /// The connection broke after the request left: it may have arrived.
    Interrupted(String),
    /// Credentials refused (401/403), after fetching a fresh token.
    Unauthorized(String),
    /// Too many requests (429); try again after `retry_after` seconds when given.
    RateLimited { retry_after: Option<u64> },
    /// The distributor's server failed (5xx).
    Server { status: u16, message: String },
    /// The request was refused as invalid, field by field where the distributor says.
    Invalid {
        message: String,
        fields: Vec<(String, String)>,
    },
    /// The distributor refused the order itself (with its reason).
    Rejected(String),
    /// An answer we could not read.
    Protocol(String),
    /// The distributor answered with a redirect, which Purser never follows (it would
    /// send the order and the credentials to another address); nothing was taken.
    Redirected { status: u16, location: String },
}

impl ApiError {
    /// Whether the order may have reached the distributor although we have no answer.
    pub fn may_have_arrived(&self) -> bool {
        matches!(
            self,
            ApiError::Timeout | ApiError::Interrupted(_) | ApiError::Server { .. } | ApiError::Protocol(_)
        )
    }

    /// Whether trying again later can help (and nothing reached the distributor).
    pub fn is_temporary(&self) -> bool {
        matches!(self, ApiError::Unreachable(_) | ApiError::RateLimited { .. })
    }

    /// The error in words a buyer understands, naming the distributor.
    pub fn for_buyer(&self, who: &str) -> String {
        match self {
            ApiError::Config(m) => format!("{who} is not fully configured: {m}"),
            ApiError::TooLong(list) => {
                let mut s = format!("{who} would refuse the order: ");
                for (i, f) in list.iter().enumerate() {
                    if i > 0 {
                        s.push_str("; ");
                    }
                    let _ = write!(
                        s,
                        "{} \"{}\" is {} characters and {who} takes at most {} ({})",
                        f.field, f.value, f.length, f.limit, f.api_field
                    );
                }
                s.push_str(". Nothing was sent; shorten the value and place the order again");
                s
            }
            ApiError::Incomplete(m) => format!("{who} cannot take the order yet: {m}. Nothing was sent"),
            ApiError::Unreachable(m) => format!("could not reach {who} ({m}); nothing was sent, trying again later"),
            ApiError::Timeout => format!("{who} did not answer in time; the order may or may not have arrived"),
            ApiError::Interrupted(m) => {
                format!("the connection to {who} broke after the order was sent ({m}); it may or may not have arrived")
            }
            ApiError::Unauthorized(m) => format!(
                "{who} refused our credentials ({m}); check the client id, customer number and the secret in the configured environment variable"
            ),
            ApiError::RateLimited { retry_after } => match retry_after {
                Some(s) => format!("{who} is busy (too many requests); trying again in {s} seconds"),
                None => format!("{who} is busy (too many requests); trying again later"),
            },
            ApiError::Server { status, message } if message.is_empty() => {
                format!("{who} had a server error ({status}); trying again later")
            }
            ApiError::Server { status, message } => {
                format!("{who} had a server error ({status}: {message}); trying again later")
            }
            ApiError::Invalid { message, fields } => {
                let mut s = format!("{who} refused the order as invalid");
                if !message.is_empty() {
                    let _ = write!(s, " ({message})");
                }
                for (i, (field, msg)) in fields.iter().enumerate() {
                    s.push_str(if i == 0 { ": " } else { "; " });
                    let _ = write!(s, "{field}: {msg}");
                }
                s
            }
            ApiError::Rejected(reason) => format!("{who} rejected the order: {reason}"),
            ApiError::Protocol(m) => format!("{who} gave an answer Purser could not read ({m})"),
            ApiError::Redirected { status, location } => format!(
                "{who} answered {status} redirecting to {location}; Purser never follows a redirect (it would send \
                 the order and the credentials elsewhere): check base_url in the distributor's configuration. \
                 Nothing was sent"
            ),
        }
    }
}

impl From<crate::domain::order::distributor_rules::DistributorRuleError> for ApiError {
    fn from(e: crate::domain::order::distributor_rules::DistributorRuleError) -> Self {
        use crate::domain::order::distributor_rules::DistributorRuleError;
        match e {
            DistributorRuleError::TooLong(fields) => ApiError::TooLong(fields),
            other => ApiError::Incomplete(other.to_string()),
        }
    }
}
