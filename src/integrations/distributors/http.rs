//! The distributor side of the HTTP core ([`crate::integrations::http`]): the
//! configured timeout, transport failures turned into [`ApiError`]s by whether the order
//! may have arrived, and the status codes every distributor answers alike (401, 429 with
//! Retry-After, 5xx).

use super::ApiError;
use crate::integrations::http::{Endpoint, HttpError};
pub use crate::integrations::http::{Reply, MAX_RETRY_AFTER_SECS};
use reqwest::{Client, RequestBuilder};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Default seconds to wait for a distributor.
pub const DEFAULT_TIMEOUT: u64 = 30;

/// A distributor's HTTP endpoint.
pub struct Http {
    endpoint: Endpoint,
}

impl Http {
    pub fn new(base_url: &str, timeout_secs: Option<u64>) -> Result<Http, ApiError> {
        let timeout = Duration::from_secs(timeout_secs.unwrap_or(DEFAULT_TIMEOUT).max(1));
        let endpoint = Endpoint::new(base_url, timeout).map_err(|e| ApiError::Config(e.to_string()))?;
        Ok(Http { endpoint })
    }

    pub fn client(&self) -> &Client {
        self.endpoint.client()
    }

    /// `base_url` joined with `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        self.endpoint.url(path)
    }

    /// Sends a request and reads the whole answer.
    pub async fn send(&self, rb: RequestBuilder) -> Result<Reply, ApiError> {
        self.endpoint.send(rb).await.map_err(api_error)
    }
}

/// What a transport failure means for the order.
fn api_error(e: HttpError) -> ApiError {
    match e {
        HttpError::Timeout => ApiError::Timeout,
        HttpError::Unreachable(m) => ApiError::Unreachable(m),
        HttpError::Interrupted(m) => ApiError::Interrupted(m),
        HttpError::Redirected { status, location } => ApiError::Redirected { status, location },
        HttpError::Setup(m) => ApiError::Config(m),
    }
}

/// The status codes every distributor answers alike; `None` for the others.
pub fn common_error(reply: &Reply, message: impl FnOnce(&str) -> String) -> Option<ApiError> {
    match reply.status {
        401 | 403 => Some(ApiError::Unauthorized(format!(
            "{} {}",
            reply.status,
            message(&reply.body)
        ))),
        429 => Some(ApiError::RateLimited {
            retry_after: reply.retry_after,
        }),
        500..=599 => Some(ApiError::Server {
            status: reply.status,
            message: message(&reply.body),
        }),
        _ => None,
    }
}

/// A fresh id for one call (at most 32 characters), for correlation headers.
pub fn correlation_id() -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    // 1 + 16 + 5 + at most 10 hex digits: within the 32 the APIs allow.
    format!(
        "p{:016x}{:05x}{:x}",
        nanos,
        std::process::id() & 0xfffff,
        seq & 0xff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn correlation_ids_are_unique_and_short() {
        let a = super::correlation_id();
        let b = super::correlation_id();
        assert_ne!(a, b);
        assert!(a.len() <= 32, "{a}");
    }
}
