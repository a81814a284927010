//! The one HTTP core every distributor and PSA adapter uses.
//!
//! - One `reqwest::Client` per timeout, built once and reused by every adapter of this
//!   process (connection pools and TLS sessions are kept).
//! - Redirects are never followed: a distributor answering `307` to another address would
//!   otherwise receive the whole request again, credentials included. A 3xx is an error
//!   naming the location.
//! - Transport failures are classified by whether the request may have arrived.
//! - `Retry-After` is read once here, clamped to a day.
//! - Every text taken from an answer goes through [`crate::secrets::scrub`], so a server
//!   that echoes the request never puts a secret into a message, the audit trail or a log.

use reqwest::{Client, RequestBuilder};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The longest `Retry-After` taken, in seconds: a day.
pub const MAX_RETRY_AFTER_SECS: u64 = 86_400;

/// How a request failed before an answer could be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// No connection could be made: nothing arrived.
    #[error("no connection ({0})")]
    Unreachable(String),
    /// No answer in time: the request may have arrived.
    #[error("no answer in time")]
    Timeout,
    /// The connection broke after the request left: it may have arrived.
    #[error("the connection broke ({0})")]
    Interrupted(String),
    /// The server answered with a redirect, which Purser never follows.
    #[error(
        "answered {status} redirecting to {location}; Purser never follows redirects, so check the configured base_url"
    )]
    Redirected { status: u16, location: String },
    /// The client could not be set up (TLS roots, a bad URL).
    #[error("{0}")]
    Setup(String),
}

impl HttpError {
    /// Whether the request may have reached the server although no answer came.
    pub fn may_have_arrived(&self) -> bool {
        matches!(self, HttpError::Timeout | HttpError::Interrupted(_))
    }
}

/// What kind of answer a status code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Success,
    /// 401, 403.
    Unauthorized,
    /// 404.
    NotFound,
    /// 409.
    Conflict,
    /// 429.
    RateLimited,
    /// Any other 4xx.
    Refused,
    /// 5xx.
    ServerError,
    /// 1xx and anything unexpected.
    Other,
}

/// An answer with its status, body, `Retry-After` (in seconds) when given, and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<u64>,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        self.class() == Class::Success
    }

    pub fn class(&self) -> Class {
        classify_status(self.status)
    }

    /// The start of the body, one line, at most `max` characters, secrets scrubbed: for
    /// messages when nothing better can be read from it.
    pub fn excerpt(&self, max: usize) -> String {
        excerpt(&self.body, max)
    }
}

/// The class of a status code.
pub fn classify_status(status: u16) -> Class {
    match status {
        200..=299 => Class::Success,
        401 | 403 => Class::Unauthorized,
        404 => Class::NotFound,
        409 => Class::Conflict,
        429 => Class::RateLimited,
        400..=499 => Class::Refused,
        500..=599 => Class::ServerError,
        _ => Class::Other,
    }
}

/// The first line of `text`, at most `max` characters, with every known secret scrubbed.
pub fn excerpt(text: &str, max: usize) -> String {
    let clean = crate::secrets::scrub(text);
    let line = clean.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let mut out: String = line.chars().take(max).collect();
    if line.chars().count() > max {
        out.push('…');
    }
    out
}

/// One endpoint of one vendor: the shared client, the base URL, the timeout.
#[derive(Clone)]
pub struct Endpoint {
    client: Client,
    base: String,
    timeout: Duration,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").field("base", &self.base).finish()
    }
}

/// The client for `timeout`, built once per process.
pub fn shared_client(timeout: Duration) -> Result<Client, HttpError> {
    static CLIENTS: OnceLock<Mutex<HashMap<Duration, Client>>> = OnceLock::new();
    let mut map = CLIENTS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(c) = map.get(&timeout) {
        return Ok(c.clone());
    }
    let client = Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("purser/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| HttpError::Setup(format!("cannot set up HTTPS: {}", root_cause(&e))))?;
    map.insert(timeout, client.clone());
    Ok(client)
}

impl Endpoint {
    /// The endpoint at `base_url` (http or https), answers awaited `timeout` at most.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Endpoint, HttpError> {
        let base = base_url.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(HttpError::Setup(format!("base_url `{base_url}` is not an http(s) URL")));
        }
        Ok(Endpoint {
            client: shared_client(timeout.max(Duration::from_secs(1)))?,
            base,
            timeout,
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `base_url` joined with `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request and reads the whole answer. A redirect is an error.
    pub async fn send(&self, rb: RequestBuilder) -> Result<Reply, HttpError> {
        send(rb).await
    }
}

/// Sends a request built on one of this module's clients and reads the whole answer.
pub async fn send(rb: RequestBuilder) -> Result<Reply, HttpError> {
    let resp = rb.send().await.map_err(transport)?;
    let status = resp.status().as_u16();
    if (300..400).contains(&status) {
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map_or_else(|| "no location".to_string(), crate::secrets::scrub);
        tracing::warn!(status, %location, "a redirect was refused");
        return Err(HttpError::Redirected { status, location });
    }
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(retry_after_secs);
    let headers = resp.headers().clone();
    // A server that echoes the request must not carry a secret any further.
    let body = crate::secrets::scrub(&resp.text().await.map_err(transport)?);
    tracing::debug!(status, "answered");
    Ok(Reply {
        status,
        body,
        retry_after,
        headers,
    })
}

/// Seconds from a `Retry-After` header: a number of seconds, clamped to a day. (The
/// HTTP-date form is not used by any of the vendors; it is read as no advice.)
pub fn retry_after_secs(header: &str) -> Option<u64> {
    let secs = header.trim();
    if secs.is_empty() || !secs.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits past what u64 holds are a very long wait, too.
    Some(secs.parse::<u64>().unwrap_or(u64::MAX).min(MAX_RETRY_AFTER_SECS))
}

/// What a transport error means.
fn transport(e: reqwest::Error) -> HttpError {
    let e = e.without_url();
    if e.is_timeout() {
        HttpError::Timeout
    } else if e.is_connect() {
        HttpError::Unreachable(root_cause(&e))
    } else if e.is_builder() {
        HttpError::Setup(root_cause(&e))
    } else {
        HttpError::Interrupted(root_cause(&e))
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    crate::secrets::scrub(&cur.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fall_into_classes() {
        assert_eq!(classify_status(201), Class::Success);
        assert_eq!(classify_status(401), Class::Unauthorized);
        assert_eq!(classify_status(403), Class::Unauthorized);
        assert_eq!(classify_status(404), Class::NotFound);
        assert_eq!(classify_status(409), Class::Conflict);
        assert_eq!(classify_status(429), Class::RateLimited);
        assert_eq!(classify_status(422), Class::Refused);
        assert_eq!(classify_status(503), Class::ServerError);
        assert_eq!(classify_status(101), Class::Other);
    }

    #[test]
    fn a_retry_after_is_a_day_at_most() {
        assert_eq!(retry_after_secs(" 30 "), Some(30));
        assert_eq!(retry_after_secs("99999999999999999"), Some(MAX_RETRY_AFTER_SECS));
        assert_eq!(
            retry_after_secs("99999999999999999999999999"),
            Some(MAX_RETRY_AFTER_SECS)
        );
        assert_eq!(retry_after_secs("-5"), None);
        assert_eq!(retry_after_secs("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn an_excerpt_is_one_line_without_secrets() {
        crate::secrets::remember("hunter2-very-secret");
        let body = "\n  refused: password=hunter2-very-secret was wrong\nsecond line";
        assert_eq!(excerpt(body, 200), "refused: password=*** was wrong");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }

    #[test]
    fn a_base_url_must_be_http() {
        assert!(matches!(
            Endpoint::new("ftp://x", Duration::from_secs(5)),
            Err(HttpError::Setup(m)) if m.contains("ftp://x")
        ));
        let a = Endpoint::new("http://127.0.0.1:9/", Duration::from_secs(5)).unwrap();
        assert_eq!(a.url("/v1"), "http://127.0.0.1:9/v1");
    }
}
