//! The HTTP helper every distributor client shares: one blocking client with the
//! configured timeout, errors classified by whether the request may have arrived, and
//! the common status codes (401, 429 with Retry-After, 5xx) turned into [`ApiError`]s.

use super::ApiError;
use reqwest::blocking::{Client, RequestBuilder};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Default seconds to wait for a distributor.
pub const DEFAULT_TIMEOUT: u64 = 30;

/// A distributor's HTTP endpoint.
pub struct Http {
    client: Client,
    base: String,
}

/// The longest `Retry-After` taken, in seconds: a day.
pub const MAX_RETRY_AFTER_SECS: u64 = 86_400;

/// An answer with its status, body and `Retry-After` (in seconds) when given.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<u64>,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Http {
    pub fn new(base_url: &str, timeout_secs: Option<u64>) -> Result<Http, ApiError> {
        let base = base_url.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ApiError::Config(format!("base_url `{base_url}` is not an http(s) URL")));
        }
        let client = Client::builder()
            .timeout(Duration::from_secs(timeout_secs.unwrap_or(DEFAULT_TIMEOUT).max(1)))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("purser/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Config(format!("cannot set up HTTP: {e}")))?;
        Ok(Http { client, base })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `base_url` joined with `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request and reads the whole answer.
    pub fn send(&self, rb: RequestBuilder) -> Result<Reply, ApiError> {
        let resp = rb.send().map_err(classify)?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            // A wait longer than a day is taken as a day (the retry is at most that far off).
            .map(|s| s.min(MAX_RETRY_AFTER_SECS));
        let body = resp.text().map_err(classify)?;
        tracing::debug!(status, "distributor answered");
        Ok(Reply {
            status,
            body,
            retry_after,
        })
    }
}

/// What a transport error means for the order.
fn classify(e: reqwest::Error) -> ApiError {
    let e = e.without_url();
    if e.is_timeout() {
        ApiError::Timeout
    } else if e.is_connect() {
        ApiError::Unreachable(root_cause(&e))
    } else {
        ApiError::Interrupted(root_cause(&e))
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
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
