//! HTTP for the PSA clients: timeouts, and answers sorted into temporary (retry with
//! backoff) and permanent (a person must look), worded for people. Secrets travel in
//! headers only and are never part of a message.

use reqwest::blocking::{Client, RequestBuilder};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// Why a PSA step did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PsaError {
    /// Try again later (timeouts, 429, 5xx, a dropped connection, waiting on another job).
    Temporary { message: String, retry_after: Option<u64> },
    /// The PSA refused for good (validation); the order's sync stops until a person acts.
    Permanent(String),
    /// The PSA answered a 4xx status: permanent as [`PsaError::Permanent`], with the
    /// status kept for the callers that act on one (a sign-in again after 401).
    Refused { status: u16, message: String },
    /// Purser's own configuration is incomplete (secret missing, mapping unknown).
    Config(String),
}

impl PsaError {
    pub fn temporary(message: impl Into<String>) -> Self {
        PsaError::Temporary {
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            PsaError::Temporary { message, .. }
            | PsaError::Permanent(message)
            | PsaError::Refused { message, .. }
            | PsaError::Config(message) => message,
        }
    }
}

impl std::fmt::Display for PsaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

/// A blocking client for one PSA.
pub struct Http {
    client: Client,
    /// The PSA's name for messages.
    pub psa: &'static str,
    timeout: Duration,
    /// Autotask answers validation errors with 500 and an `errors` list: permanent.
    pub validation_500: bool,
}

impl Http {
    pub fn new(psa: &'static str, timeout: Duration) -> Result<Self, PsaError> {
        let client = Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| PsaError::Config(format!("cannot set up HTTPS for {psa}: {e}")))?;
        Ok(Http {
            client,
            psa,
            timeout,
            validation_500: false,
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends a request; `what` names the step for messages ("creating the ticket").
    /// A 2xx answer gives its JSON (`Null` when empty).
    pub fn send(&self, what: &str, req: RequestBuilder) -> Result<Value, PsaError> {
        self.send_with_headers(what, req).map(|(v, _)| v)
    }

    /// [`Http::send`], with the answer's headers (a `Link` to the next page).
    pub fn send_with_headers(&self, what: &str, req: RequestBuilder) -> Result<(Value, HeaderMap), PsaError> {
        let psa = self.psa;
        let resp = req.send().map_err(|e| {
            if e.is_timeout() {
                PsaError::temporary(format!(
                    "{psa} did not answer within {} s while {what}; it will be retried",
                    self.timeout.as_secs()
                ))
            } else if e.is_connect() {
                PsaError::temporary(format!(
                    "cannot reach {psa} while {what} ({}); it will be retried",
                    root(&e)
                ))
            } else {
                PsaError::temporary(format!(
                    "the connection to {psa} broke while {what} ({}); it will be retried",
                    root(&e)
                ))
            }
        })?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(retry_after_secs);
        let headers = resp.headers().clone();
        let text = resp.text().map_err(|e| {
            PsaError::temporary(format!(
                "the answer of {psa} was cut off while {what} ({}); it will be retried",
                root(&e)
            ))
        })?;
        if status.is_success() {
            if text.trim().is_empty() {
                return Ok((Value::Null, headers));
            }
            return serde_json::from_str(&text)
                .map(|v| (v, headers))
                .map_err(|_| PsaError::temporary(format!("{psa} sent an answer that is not JSON while {what}")));
        }
        let detail = error_text(&text);
        Err(match status {
            StatusCode::TOO_MANY_REQUESTS => PsaError::Temporary {
                message: format!(
                    "{psa} asks Purser to slow down (429) while {what}; retrying after {} s",
                    retry_after.unwrap_or(60)
                ),
                retry_after: Some(retry_after.unwrap_or(60)),
            },
            StatusCode::REQUEST_TIMEOUT => PsaError::temporary(format!("{psa} timed out (408) while {what}")),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => PsaError::Refused {
                status: status.as_u16(),
                message: format!(
                    "{psa} refused Purser's credentials ({}) while {what}{}; check the API user and its secrets",
                    status.as_u16(),
                    if detail.is_empty() {
                        String::new()
                    } else {
                        format!(": {detail}")
                    }
                ),
            },
            StatusCode::INTERNAL_SERVER_ERROR if self.validation_500 && has_errors(&text) => {
                PsaError::Permanent(format!("{psa} refused {what}: {detail}"))
            }
            s if s.is_server_error() => PsaError::temporary(format!(
                "{psa} had a server error ({}) while {what}{}; it will be retried",
                s.as_u16(),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                }
            )),
            s => PsaError::Refused {
                status: s.as_u16(),
                message: format!(
                    "{psa} refused {what} ({}): {}",
                    s.as_u16(),
                    if detail.is_empty() {
                        "no reason given".to_string()
                    } else {
                        detail
                    }
                ),
            },
        })
    }
}

/// The longest a PSA's `Retry-After` makes Purser wait.
pub const MAX_RETRY_AFTER_SECS: u64 = 60 * 60;

/// Seconds in a `Retry-After` header, at most [`MAX_RETRY_AFTER_SECS`].
fn retry_after_secs(header: &str) -> Option<u64> {
    let secs = header.trim();
    if !secs.is_empty() && secs.bytes().all(|b| b.is_ascii_digit()) {
        // Digits past what u64 holds are a very long wait, too.
        Some(secs.parse::<u64>().unwrap_or(u64::MAX).min(MAX_RETRY_AFTER_SECS))
    } else {
        None
    }
}

fn has_errors(body: &str) -> bool {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("errors").and_then(Value::as_array).map(|a| !a.is_empty()))
        .unwrap_or(false)
}

/// The innermost cause of a transport error, without the URL's query.
fn root(e: &reqwest::Error) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// The reason in a PSA's error body: Autotask `{"errors":[…]}`, ConnectWise
/// `{"message", "errors":[{"message","field"}]}`, Halo text or JSON; otherwise the text.
pub fn error_text(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return body.trim().chars().take(300).collect();
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(m) = v.get("message").and_then(Value::as_str) {
        parts.push(m.to_string());
    }
    if let Some(errs) = v.get("errors").and_then(Value::as_array) {
        for e in errs {
            match e {
                Value::String(s) => parts.push(s.clone()),
                Value::Object(o) => {
                    let msg = o.get("message").and_then(Value::as_str).unwrap_or("");
                    match o.get("field").and_then(Value::as_str) {
                        Some(f) if !f.is_empty() => parts.push(format!("{f}: {msg}")),
                        _ => parts.push(msg.to_string()),
                    }
                }
                other => parts.push(other.to_string()),
            }
        }
    }
    if parts.is_empty() {
        if let Some(s) = v.as_str() {
            parts.push(s.to_string());
        } else if let Some(m) = v.get("Message").and_then(Value::as_str) {
            parts.push(m.to_string());
        } else {
            parts.push(v.to_string().chars().take(300).collect());
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join("; ")
}

/// A JSON value as an id (numbers, or digits in text).
pub fn as_id(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.to_string().parse::<f64>().ok().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A decimal as a JSON number, exactly as written (no float on the way).
pub fn money(d: rust_decimal::Decimal) -> Value {
    let text = d.normalize().to_string();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// The id of the record in `all` whose `name` is `name` (ignoring case and blanks); else
/// a permanent error saying `key = "name"` is not a `what` in `psa`, listing what is.
pub fn id_by_name(all: &[Value], name: &str, key: &str, what: &str, psa: &str) -> Result<i64, PsaError> {
    fn name_of(r: &Value) -> Option<&str> {
        r.get("name").and_then(Value::as_str).map(str::trim)
    }
    all.iter()
        .find(|r| name_of(r).is_some_and(|n| n.eq_ignore_ascii_case(name.trim())))
        .and_then(|r| r.get("id"))
        .and_then(as_id)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().filter_map(|r| name_of(r)).collect();
            let names = if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            };
            PsaError::Permanent(format!("{key} = \"{name}\" is not {what} in {psa}; it has: {names}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_psa_error_shape_reads_as_a_sentence() {
        assert_eq!(
            error_text(r#"{"errors":["productID 7 does not exist","name is required"]}"#),
            "productID 7 does not exist; name is required"
        );
        assert_eq!(
            error_text(
                r#"{"code":"InvalidObject","message":"ticket object is invalid","errors":[{"code":"InvalidField","message":"board does not exist","resource":"ticket","field":"board"}]}"#
            ),
            "ticket object is invalid; board: board does not exist"
        );
        assert_eq!(
            error_text(r#""supplier 12 is not a supplier""#),
            "supplier 12 is not a supplier"
        );
        assert_eq!(error_text("<html>Bad Gateway</html>"), "<html>Bad Gateway</html>");
    }

    #[test]
    fn a_retry_after_is_an_hour_at_most() {
        assert_eq!(retry_after_secs("30"), Some(30));
        assert_eq!(retry_after_secs(" 3600 "), Some(3600));
        assert_eq!(retry_after_secs("3601"), Some(MAX_RETRY_AFTER_SECS));
        assert_eq!(retry_after_secs("100000000000000000"), Some(MAX_RETRY_AFTER_SECS));
        assert_eq!(
            retry_after_secs("99999999999999999999999999"),
            Some(MAX_RETRY_AFTER_SECS)
        );
        assert_eq!(retry_after_secs("-5"), None);
        assert_eq!(retry_after_secs("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(retry_after_secs(""), None);
    }

    #[test]
    fn money_goes_out_exactly() {
        assert_eq!(money("189.50".parse().unwrap()).to_string(), "189.5");
        assert_eq!(money("0.10".parse().unwrap()).to_string(), "0.1");
        assert_eq!(as_id(&serde_json::json!("42")), Some(42));
    }
}
