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

pub fn put(key: &str, value: &str, ttl: Duration) {
    if let Ok(mut m) = map().lock() {
        m.insert(key.to_string(), (value.to_string(), Instant::now() + ttl));
    }
}

pub fn forget(key: &str) {
    if let Ok(mut m) = map().lock() {
        m.remove(key);
    }
}
