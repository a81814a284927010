//! Fake distributor servers on 127.0.0.1, one per distributor (Ingram Micro, TD SYNNEX US
//! and EU, Pax8, Onetrail), in process. Each checks every request against the saved
//! public specification (required fields, types, lengths, headers, credentials), answers
//! with the saved samples, keeps what was ordered (so a test can assert "exactly one
//! order"), and can be told to fail the next order: refuse, reject, time out, answer 429
//! with Retry-After or 500, or accept the order and then drop the connection.
//!
//! `start()` binds ephemeral ports and serves from a thread of its own; dropping the
//! [`Sandbox`] stops the servers. [`Sandbox::config_toml`] gives the `[distributors.*]`
//! sections that point Purser at it; [`Sandbox::set_secret_env`] sets the one sandbox
//! secret they name.

mod ingram;
mod onetrail;
mod pax8;
pub mod schema;
mod tdsynnex;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The client id every sandbox distributor accepts.
pub const CLIENT_ID: &str = "purser-sandbox";
/// The secret (password, client secret, API key) every sandbox distributor accepts.
pub const SECRET: &str = "sandbox-secret-not-for-production";
/// The environment variable the sandbox configuration names for that secret.
pub const SECRET_ENV: &str = "PURSER_SANDBOX_SECRET";
/// Our account number at the sandbox distributors.
pub const CUSTOMER_NUMBER: &str = "20-222222";
/// The user name for TD SYNNEX and Onetrail.
pub const USERNAME: &str = "purser-sandbox";
/// The Pax8 company "Dentalcare West", the first in the fake's company list.
pub const PAX8_COMPANY_ID: &str = "f7fc273a-8d86-45c9-a26f-ffd42416adda";
/// Onetrail parties.
pub const BUYER_GLN: &str = "8712345000004";
pub const SELLER_GLN: &str = "8798765000003";

/// What the next order request meets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status and the distributor's error body.
    Refuse(u16),
    /// Refuse the order for a business reason (TD SYNNEX `rejected`, Ingram all lines).
    Reject(String),
    /// 429 with `Retry-After: retry_after`.
    TooManyRequests { retry_after: u64 },
    /// 500 with the distributor's server-error sample.
    ServerError,
    /// Take the order, then answer only after ten minutes (the client times out first).
    Timeout,
    /// Take the order, then drop the connection without answering.
    AcceptThenDrop,
    /// Answer `307 Temporary Redirect` to this location without taking the order (a
    /// client that follows it sends the order, credentials included, elsewhere).
    Redirect(String),
    /// Refuse with 400 and a body that echoes the whole request, credentials included,
    /// on one line (as some gateways do).
    EchoRequest,
}

/// An order the fake took.
#[derive(Debug, Clone)]
pub struct Received {
    /// Our PO number, as sent.
    pub po: String,
    /// The distributor's order number(s) given to it.
    pub numbers: Vec<String>,
    /// The request body as sent.
    pub body: String,
}

#[derive(Debug, Default)]
pub(crate) struct FakeState {
    orders: Vec<Received>,
    faults: VecDeque<Fault>,
    violations: Vec<String>,
    calls: Vec<String>,
    tokens: Vec<String>,
    correlation_ids: HashSet<String>,
    statuses: HashMap<String, VecDeque<String>>,
    prices: HashMap<String, (String, i64)>,
    /// The currency prices are answered in, where the API names one (the sample's
    /// otherwise).
    currency: Option<String>,
    /// Pax8 companies added by a test, after the sample company.
    companies: Vec<serde_json::Value>,
    seq: u32,
}

impl FakeState {
    pub(crate) fn next_seq(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    /// The next scripted status for `key` (the last one repeats), or `default`.
    pub(crate) fn status_of(&mut self, key: &str, default: &str) -> String {
        match self.statuses.get_mut(key) {
            Some(q) if q.len() > 1 => q.pop_front().unwrap_or_default(),
            Some(q) => q.front().cloned().unwrap_or_else(|| default.to_string()),
            None => default.to_string(),
        }
    }

    pub(crate) fn note(&mut self, problems: Vec<String>) -> Vec<String> {
        self.violations.extend(problems.iter().cloned());
        problems
    }

    pub(crate) fn new_token(&mut self) -> String {
        let t = format!("sandbox-token-{}", self.next_seq());
        self.tokens.push(t.clone());
        t
    }

    pub(crate) fn bearer_ok(&self, headers: &HeaderMap) -> bool {
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| self.tokens.iter().any(|k| k == t))
    }

    /// A correlation id must be new for every call.
    pub(crate) fn fresh_correlation(&mut self, headers: &HeaderMap, name: &str) -> Vec<String> {
        match headers.get(name).and_then(|v| v.to_str().ok()) {
            Some(id) if !self.correlation_ids.insert(id.to_string()) => {
                vec![format!(
                    "header {name}: `{id}` was used before; it must be unique per call"
                )]
            }
            _ => Vec::new(),
        }
    }

    pub(crate) fn price_of(&self, part: &str) -> Option<(String, i64)> {
        self.prices.get(part).cloned()
    }

    pub(crate) fn currency(&self) -> Option<String> {
        self.currency.clone()
    }
}

/// One fake distributor.
#[derive(Clone)]
pub struct Fake {
    pub base_url: String,
    state: Arc<Mutex<FakeState>>,
}

impl Fake {
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut FakeState) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The next order request meets `fault` (queued: several calls, several faults).
    pub fn fail_next(&self, fault: Fault) {
        self.with(|s| s.faults.push_back(fault));
    }

    /// Every order taken, oldest first.
    pub fn orders(&self) -> Vec<Received> {
        self.with(|s| s.orders.clone())
    }

    /// How many orders carry our PO number `po`.
    pub fn orders_for(&self, po: &str) -> usize {
        self.with(|s| s.orders.iter().filter(|o| o.po == po).count())
    }

    /// Where requests departed from the specification (empty when all was well).
    pub fn violations(&self) -> Vec<String> {
        self.with(|s| s.violations.clone())
    }

    /// The calls received, as "METHOD path".
    pub fn calls(&self) -> Vec<String> {
        self.with(|s| s.calls.clone())
    }

    /// Makes every token issued so far invalid (the next call gets a 401).
    pub fn expire_tokens(&self) {
        self.with(|s| s.tokens.clear());
    }

    /// Scripts the statuses reported for an order (by our PO number or the distributor's
    /// order number), one per status request; the last one repeats.
    pub fn script_status(&self, key: &str, statuses: &[&str]) {
        self.with(|s| {
            s.statuses
                .insert(key.to_string(), statuses.iter().map(|x| x.to_string()).collect());
        });
    }

    /// Answers prices in `currency` (ISO 4217) instead of the sample's.
    pub fn set_currency(&self, currency: &str) {
        self.with(|s| s.currency = Some(currency.to_string()));
    }

    /// Sets the price and stock answered for a part number.
    pub fn set_price(&self, part: &str, price: &str, stock: i64) {
        self.with(|s| {
            s.prices.insert(part.to_string(), (price.to_string(), stock));
        });
    }
}

/// Shared handler plumbing.
pub(crate) type Shared = Fake;

pub(crate) fn log_call(fake: &Fake, method: &str, path: &str) {
    fake.with(|s| s.calls.push(format!("{method} {path}")));
}

pub(crate) fn take_fault(fake: &Fake) -> Option<Fault> {
    fake.with(|s| s.faults.pop_front())
}

pub(crate) fn record_order(fake: &Fake, po: &str, numbers: Vec<String>, body: &str) {
    fake.with(|s| {
        s.orders.push(Received {
            po: po.to_string(),
            numbers,
            body: body.to_string(),
        })
    });
}

/// After the order was taken: a `Timeout` waits past any client timeout, an
/// `AcceptThenDrop` drops the connection without an answer.
pub(crate) async fn after_accept(fault: &Option<Fault>) {
    match fault {
        Some(Fault::Timeout) => tokio::time::sleep(Duration::from_secs(600)).await,
        Some(Fault::AcceptThenDrop) => {
            // Ends this connection's task without an answer (and without a panic message).
            std::panic::resume_unwind(Box::new("sandbox: dropping the connection"));
        }
        _ => {}
    }
}

/// The answers of [`Fault::Redirect`] and [`Fault::EchoRequest`], alike for every
/// distributor; `None` for the other faults.
pub(crate) fn gateway_fault(fault: &Option<Fault>, headers: &axum::http::HeaderMap, body: &str) -> Option<Response> {
    match fault {
        Some(Fault::Redirect(location)) => Some(
            (
                StatusCode::TEMPORARY_REDIRECT,
                [("location", location.clone())],
                "moved",
            )
                .into_response(),
        ),
        Some(Fault::EchoRequest) => {
            let mut echo = format!("Bad request: {}", body.replace(['\n', '\r'], " "));
            for (name, value) in headers {
                echo.push_str(&format!(" {name}={}", value.to_str().unwrap_or("?")));
            }
            Some((StatusCode::BAD_REQUEST, echo).into_response())
        }
        _ => None,
    }
}

pub(crate) fn json_reply(status: u16, body: serde_json::Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub(crate) fn xml_reply(status: u16, body: String) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("content-type", "application/xml")],
        body,
    )
        .into_response()
}

pub(crate) fn too_many(retry_after: u64, body: serde_json::Value) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            ("retry-after", retry_after.to_string()),
            ("content-type", "application/json".into()),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `a=b&c=d` → pairs, percent-decoded.
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The running fake distributors.
pub struct Sandbox {
    pub ingram: Fake,
    pub tdsynnex_us: Fake,
    pub tdsynnex_eu: Fake,
    pub pax8: Fake,
    pub onetrail: Fake,
    _servers: super::Servers,
}

fn bind() -> std::io::Result<(std::net::TcpListener, String)> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    l.set_nonblocking(true)?;
    let url = format!("http://{}", l.local_addr()?);
    Ok((l, url))
}

/// Starts every fake distributor on its own loopback port.
pub fn start() -> std::io::Result<Sandbox> {
    let mut listeners = Vec::new();
    let mut fakes = Vec::new();
    for _ in 0..5 {
        let (l, url) = bind()?;
        listeners.push(l);
        fakes.push(Fake {
            base_url: url,
            state: Arc::new(Mutex::new(FakeState::default())),
        });
    }
    let routers: Vec<Router> = vec![
        ingram::router(fakes[0].clone()),
        tdsynnex::router(fakes[1].clone(), tdsynnex::Region::Us),
        tdsynnex::router(fakes[2].clone(), tdsynnex::Region::Eu),
        pax8::router(fakes[3].clone()),
        onetrail::router(fakes[4].clone()),
    ];
    let servers = super::Servers::start("purser-sandbox".into(), listeners.into_iter().zip(routers).collect())?;
    let mut it = fakes.into_iter();
    let mut next = || it.next().expect("five fakes");
    Ok(Sandbox {
        ingram: next(),
        tdsynnex_us: next(),
        tdsynnex_eu: next(),
        pax8: next(),
        onetrail: next(),
        _servers: servers,
    })
}

impl Sandbox {
    /// Sets [`SECRET_ENV`] in this process so the sandbox configuration finds its secret.
    pub fn set_secret_env() {
        std::env::set_var(SECRET_ENV, SECRET);
    }

    /// `[distributors.*]` sections for every sandbox distributor, named `*_sandbox`
    /// ("… (sandbox)"), with a one-minute status poll.
    pub fn config_toml(&self) -> String {
        self.config_with_timeout(10)
    }

    /// Like [`Sandbox::config_toml`] with the client timeout set to `secs`.
    pub fn config_with_timeout(&self, secs: u64) -> String {
        format!(
            r#"
[distributors.ingram_sandbox]
kind = "ingram"
name = "Ingram Micro (sandbox)"
currency = "USD"
base_url = "{ingram}"
timeout_secs = {secs}
client_id = "{CLIENT_ID}"
client_secret_env = "{SECRET_ENV}"
customer_number = "{CUSTOMER_NUMBER}"
country_code = "US"
sender_id = "purser"
status_poll_secs = 60

[distributors.tdsynnex_us_sandbox]
kind = "tdsynnex_us"
name = "TD SYNNEX US (sandbox)"
currency = "USD"
base_url = "{td_us}"
timeout_secs = {secs}
customer_number = "{CUSTOMER_NUMBER}"
username = "{USERNAME}"
password_env = "{SECRET_ENV}"
ship_method = "FX"
status_poll_secs = 60

[distributors.tdsynnex_eu_sandbox]
kind = "tdsynnex_eu"
name = "TD SYNNEX EU (sandbox)"
currency = "EUR"
base_url = "{td_eu}"
timeout_secs = {secs}
customer_number = "{CUSTOMER_NUMBER}"
api_key_env = "{SECRET_ENV}"
ship_method = "STD"
status_poll_secs = 60

[distributors.pax8_sandbox]
kind = "pax8"
name = "Pax8 (sandbox)"
currency = "USD"
base_url = "{pax8}/v1"
token_url = "{pax8}/oauth/token"
timeout_secs = {secs}
client_id = "{CLIENT_ID}"
client_secret_env = "{SECRET_ENV}"
status_poll_secs = 60

[distributors.onetrail_sandbox]
kind = "onetrail"
name = "Onetrail (sandbox)"
currency = "EUR"
base_url = "{onetrail}"
timeout_secs = {secs}
username = "{USERNAME}"
password_env = "{SECRET_ENV}"
buyer_gln = "{BUYER_GLN}"
seller_gln = "{SELLER_GLN}"
"#,
            ingram = self.ingram.base_url,
            td_us = self.tdsynnex_us.base_url,
            td_eu = self.tdsynnex_eu.base_url,
            pax8 = self.pax8.base_url,
            onetrail = self.onetrail.base_url,
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_queries() {
        let q = super::parse_query("customerOrderNumber=PO-000001&x=a%20b+c");
        assert_eq!(q[0], ("customerOrderNumber".into(), "PO-000001".into()));
        assert_eq!(q[1].1, "a b c");
    }
}
