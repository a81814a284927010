//! OAuth2 client-credentials tokens (Ingram Micro, Pax8): fetched when needed, kept in
//! memory until shortly before they expire, fetched again after a 401. Never logged,
//! never stored.

use super::http::{common_error, Http};
use super::ApiError;
use crate::integrations::cache;
use std::time::Duration;

/// How a token is asked for.
pub struct TokenSource {
    pub url: String,
    pub client_id: String,
    pub client_secret: String,
    /// Pax8: a JSON body with this audience. Ingram: a form body without one.
    pub audience: Option<String>,
}

impl TokenSource {
    fn key(&self) -> String {
        format!("token\u{1f}{}\u{1f}{}", self.url, self.client_id)
    }

    /// Forgets the cached token (after a 401).
    pub fn forget(&self) {
        cache::forget(&self.key());
    }

    /// A valid token: the cached one, or a new one.
    pub async fn token(&self, http: &Http) -> Result<String, ApiError> {
        let key = self.key();
        if let Some(tok) = cache::get(&key) {
            return Ok(tok);
        }
        let rb = http.client().post(&self.url);
        let rb = match &self.audience {
            Some(aud) => rb.json(&serde_json::json!({
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "audience": aud,
                "grant_type": "client_credentials",
            })),
            None => rb.form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.as_str()),
            ]),
        };
        let reply = http.send(rb).await.map_err(|e| match e {
            // A token request creates nothing: whatever broke, nothing was ordered.
            ApiError::Timeout | ApiError::Interrupted(_) => {
                ApiError::Unreachable("the token service did not answer".into())
            }
            other => other,
        })?;
        if reply.status == 400 || reply.status == 401 || reply.status == 403 {
            return Err(ApiError::Unauthorized(format!(
                "token request answered {}",
                reply.status
            )));
        }
        if let Some(e) = common_error(&reply, |_| "token service".into()) {
            return Err(match e {
                ApiError::Server { .. } => {
                    ApiError::Unreachable(format!("the token service answered {}", reply.status))
                }
                other => other,
            });
        }
        let v: serde_json::Value = serde_json::from_str(&reply.body)
            .map_err(|_| ApiError::Unauthorized("the token service gave no token".into()))?;
        let tok = v["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::Unauthorized("the token service gave no token".into()))?
            .to_string();
        cache::put(&key, &tok, lifetime(&v["expires_in"]));
        Ok(tok)
    }
}

/// How long a token is kept: a minute less than `expires_in` says (a string in Ingram's
/// spec, a number in Pax8's; an hour when missing or unreadable), at least a second and
/// at most [`cache::MAX_TTL`].
fn lifetime(expires_in: &serde_json::Value) -> Duration {
    let secs = match expires_in {
        serde_json::Value::String(s) => s.trim().parse().unwrap_or(3600),
        serde_json::Value::Number(n) => n.as_u64().unwrap_or(3600),
        _ => 3600,
    };
    Duration::from_secs(secs.saturating_sub(60).max(1)).min(cache::MAX_TTL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_token_lives_a_minute_less_than_it_says_and_a_day_at_most() {
        assert_eq!(lifetime(&json!(86400)), Duration::from_secs(86340));
        assert_eq!(lifetime(&json!("86399")), Duration::from_secs(86339));
        assert_eq!(lifetime(&json!(30)), Duration::from_secs(1));
        assert_eq!(lifetime(&json!(null)), Duration::from_secs(3540));
        assert_eq!(lifetime(&json!(u64::MAX)), cache::MAX_TTL);
        assert_eq!(lifetime(&json!("18446744073709551615")), cache::MAX_TTL);
        assert_eq!(lifetime(&json!(-5)), Duration::from_secs(3540));
    }
}
