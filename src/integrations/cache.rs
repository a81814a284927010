//! Short-lived values kept in memory for this process (access tokens, the Autotask
//! zone), each until it expires, so a job does not sign in or look up again. Keys carry the service's address, so services never collide.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

fn map() -> &'static Mutex<HashMap<String, (String, Instant)>> {
    static M: OnceLock<Mutex<HashMap<String, (String, Instant)>>> = OnceLock::new();
    M.get_or_init(|| Mutex::new(HashMap::new()))
}

pub fn get(key: &str) -> Option<String> {
    let m = map().lock().ok()?;
    m.get(key)
        .filter(|(_, until)| *until > Instant::now())
        .map(|(v, _)| v.clone())
}

/// The longest a value is kept, whatever the far side says it lives (a token's
/// `expires_in` comes from the network).
pub const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// When a value kept from `now` for `ttl` expires: at most [`MAX_TTL`] later.
fn expiry(now: Instant, ttl: Duration) -> Instant {
    now.checked_add(ttl.min(MAX_TTL)).unwrap_or(now)
}

/// Keeps `value` under `key` for `ttl` (at most [`MAX_TTL`]).
pub fn put(key: &str, value: &str, ttl: Duration) {
    if let Ok(mut m) = map().lock() {
        m.insert(key.to_string(), (value.to_string(), expiry(Instant::now(), ttl)));
    }
}

pub fn forget(key: &str) {
    if let Ok(mut m) = map().lock() {
        m.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lifetime_from_the_network_is_kept_to_a_day() {
        let now = Instant::now();
        assert_eq!(expiry(now, Duration::from_secs(600)), now + Duration::from_secs(600));
        assert_eq!(expiry(now, Duration::from_secs(u64::MAX)), now + MAX_TTL);
        assert_eq!(expiry(now, Duration::MAX), now + MAX_TTL);
        // No panic on the way in, and the value is there.
        put("cache-test huge ttl", "v", Duration::MAX);
        assert_eq!(get("cache-test huge ttl").as_deref(), Some("v"));
        forget("cache-test huge ttl");
        assert_eq!(get("cache-test huge ttl"), None);
    }
}
