//! Fake PSA servers on 127.0.0.1 (Autotask, ConnectWise Manage, HaloPSA), in process.
//!
//! Each checks every request against the saved specification (`tests/fixtures/psa/`,
//! embedded): paths, methods, headers, query parameters, body fields and their types,
//! plus the fields each PSA requires and its references (companies, products, picklist
//! codes). It keeps what was created so a test can assert the exact entities and that
//! nothing exists twice, and it can be told to fail the next matching request: an error
//! status, a timeout, a 429 with Retry-After, or create and then drop the connection.
//! Requests that break the specification are answered 400 and kept in
//! [`FakePsa::violations`].

pub mod autotask;
pub mod connectwise;
pub mod halopsa;
pub mod spec;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a matching request meets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and body, doing nothing.
    Status(u16, String),
    /// 429 with `Retry-After` seconds, doing nothing.
    RateLimit(u64),
    /// Answer nothing for this many seconds (the client times out), doing nothing.
    Hang(u64),
    /// Do what was asked, then drop the connection without answering.
    DropAfterCreate,
}

/// A request as the routes see it.
pub struct Req {
    pub method: Method,
    /// The path after the API root.
    pub path: String,
    pub template: String,
    pub params: HashMap<String, String>,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: Option<Value>,
}

impl Req {
    pub fn param_id(&self, name: &str) -> i64 {
        self.params.get(name).and_then(|v| v.parse().ok()).unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

/// What a route answers.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    /// A `Link` header (the pages of a ConnectWise list).
    pub link: Option<String>,
}

impl Answer {
    pub fn ok(body: Value) -> Self {
        Answer {
            status: 200,
            body,
            link: None,
        }
    }
    pub fn status(status: u16, body: Value) -> Self {
        Answer {
            status,
            body,
            link: None,
        }
    }
}

/// Everything a fake keeps.
#[derive(Default)]
pub struct Shared {
    /// Created (and preset) entities by entity name.
    pub entities: BTreeMap<String, Vec<Value>>,
    pub next_id: i64,
    /// `METHOD template` of every request, in order.
    pub log: Vec<String>,
    /// Requests that broke the specification.
    pub violations: Vec<String>,
    faults: Vec<(String, String, Fault)>,
}

impl Shared {
    pub fn new_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn insert(&mut self, entity: &str, mut v: Value) -> i64 {
        let id = self.new_id();
        v["id"] = Value::from(id);
        self.entities.entry(entity.to_string()).or_default().push(v);
        id
    }

    pub fn all(&self, entity: &str) -> &[Value] {
        self.entities.get(entity).map_or(&[], Vec::as_slice)
    }

    pub fn get(&self, entity: &str, id: i64) -> Option<&Value> {
        self.all(entity).iter().find(|v| v["id"].as_i64() == Some(id))
    }

    pub fn get_mut(&mut self, entity: &str, id: i64) -> Option<&mut Value> {
        self.entities
            .get_mut(entity)
            .and_then(|v| v.iter_mut().find(|v| v["id"].as_i64() == Some(id)))
    }
}

/// One PSA's behaviour behind the common server.
pub trait Routes: Send + 'static {
    /// The API root the client is configured with is `http://ADDR{prefix}`.
    fn prefix(&self) -> &'static str;
    fn spec(&self) -> &spec::Spec;
    /// Requests outside the specification (token endpoint); `None`: check against it.
    fn outside(&mut self, _shared: &mut Shared, _req: &Req) -> Option<Answer> {
        None
    }
    /// Refuses a request without valid credentials.
    fn authorize(&mut self, shared: &mut Shared, req: &Req) -> Result<(), Answer>;
    fn route(&mut self, shared: &mut Shared, req: &Req) -> Answer;
    /// Body of a validation error in this PSA's format.
    fn error_body(&self, messages: &[String]) -> Value;
    /// Learns the server's own root once bound (for answers that carry URLs).
    fn set_base(&mut self, _root: &str) {}
}

struct Inner {
    shared: Mutex<Shared>,
    routes: Mutex<Box<dyn Routes>>,
}

/// A running fake PSA.
pub struct FakePsa {
    addr: std::net::SocketAddr,
    inner: Arc<Inner>,
    _servers: crate::sandbox::Servers,
}

impl FakePsa {
    fn start(routes: Box<dyn Routes>, shared: Shared) -> std::io::Result<FakePsa> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            shared: Mutex::new(shared),
            routes: Mutex::new(routes),
        });
        let app = axum::Router::new().fallback(handle).with_state(inner.clone());
        let servers = crate::sandbox::Servers::start(format!("fake-psa-{}", addr.port()), vec![(listener, app)])?;
        Ok(FakePsa {
            addr,
            inner,
            _servers: servers,
        })
    }

    /// `http://127.0.0.1:PORT` (no path).
    pub fn root(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The API root the client is configured with.
    pub fn url(&self) -> String {
        let prefix = self.inner.routes.lock().expect("routes").prefix();
        format!("http://{}{prefix}", self.addr)
    }

    /// The next request matching `method` and path `template` (as in the specification,
    /// e.g. `/V1.0/Tickets/{parentId}/Charges`) meets `fault`. Faults queue in order.
    pub fn inject(&self, method: &str, template: &str, fault: Fault) {
        self.inner.shared.lock().expect("state").faults.push((
            method.to_ascii_uppercase(),
            template.to_string(),
            fault,
        ));
    }

    /// A copy of every entity of `entity` kept (created or preset).
    pub fn entities(&self, entity: &str) -> Vec<Value> {
        self.inner.shared.lock().expect("state").all(entity).to_vec()
    }

    /// Specification violations seen.
    pub fn violations(&self) -> Vec<String> {
        self.inner.shared.lock().expect("state").violations.clone()
    }

    /// `METHOD template` of every request seen.
    pub fn requests(&self) -> Vec<String> {
        self.inner.shared.lock().expect("state").log.clone()
    }

    /// Runs `f` over the kept state (tests: preset data, inspect anything).
    pub fn with_state<T>(&self, f: impl FnOnce(&mut Shared) -> T) -> T {
        f(&mut self.inner.shared.lock().expect("state"))
    }
}

impl FakePsa {
    fn set_base(&self, root: &str) {
        self.inner.routes.lock().expect("routes").set_base(root);
    }
}

fn respond(a: Answer, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let link = a.link.and_then(|l| l.parse().ok());
    let mut r = (status, axum::Json(a.body)).into_response();
    if let Some(l) = link {
        r.headers_mut().insert("Link", l);
    }
    if let Some(s) = retry_after {
        if let Ok(v) = s.to_string().parse() {
            r.headers_mut().insert("Retry-After", v);
        }
    }
    r
}

fn parse_query(q: Option<&str>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for pair in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.insert(decode(k), decode(v));
    }
    out
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn handle(
    axum::extract::State(inner): axum::extract::State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (answer, after) = {
        let mut routes = inner.routes.lock().expect("routes");
        let mut shared = inner.shared.lock().expect("state");
        let prefix = routes.prefix();
        let full = uri.path().to_string();
        let query = parse_query(uri.query());
        let body_json: Option<Value> = if body.is_empty() {
            None
        } else {
            match serde_json::from_slice(&body) {
                Ok(v) => Some(v),
                Err(_) => {
                    // Form bodies (the Halo token request) are handled outside the spec.
                    Some(Value::String(String::from_utf8_lossy(&body).into_owned()))
                }
            }
        };
        let mut req = Req {
            method: method.clone(),
            path: full.clone(),
            template: String::new(),
            params: HashMap::new(),
            query,
            headers,
            body: body_json,
        };
        if let Some(a) = routes.outside(&mut shared, &req) {
            shared.log.push(format!("{method} {full}"));
            return respond(a, None);
        }
        let Some(path) = full.strip_prefix(prefix).or_else(|| {
            full.to_ascii_lowercase()
                .starts_with(&prefix.to_ascii_lowercase())
                .then(|| &full[prefix.len()..])
        }) else {
            shared
                .violations
                .push(format!("{method} {full}: outside the API root {prefix}"));
            return respond(Answer::status(404, Value::Null), None);
        };
        req.path = path.to_string();
        let hdrs = req.headers.clone();
        let header = move |n: &str| hdrs.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
        let checked = routes
            .spec()
            .check(method.as_str(), path, &header, &req.query, req.body.as_ref());
        match checked {
            Err(errs) => {
                shared.log.push(format!("{method} {path}"));
                shared.violations.extend(errs.iter().cloned());
                let body = routes.error_body(&errs);
                return respond(Answer::status(400, body), None);
            }
            Ok(m) => {
                req.template = m.template;
                req.params = m.params;
            }
        }
        shared.log.push(format!("{method} {}", req.template));
        if let Err(a) = routes.authorize(&mut shared, &req) {
            return respond(a, None);
        }
        let pos = shared
            .faults
            .iter()
            .position(|(m, t, _)| *m == method.as_str() && t.eq_ignore_ascii_case(&req.template));
        let fault = pos.map(|i| shared.faults.remove(i).2);
        match fault {
            Some(Fault::Status(code, text)) => {
                let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
                (Answer::status(code, body), None)
            }
            Some(Fault::RateLimit(secs)) => {
                return respond(
                    Answer::status(429, routes.error_body(&["rate limit exceeded".to_string()])),
                    Some(secs),
                )
            }
            Some(Fault::Hang(secs)) => (Answer::status(503, Value::Null), Some(secs)),
            Some(Fault::DropAfterCreate) => {
                let _ = routes.route(&mut shared, &req);
                drop(shared);
                drop(routes);
                std::panic::resume_unwind(Box::new("fake PSA: dropping the connection"));
            }
            None => (routes.route(&mut shared, &req), None),
        }
    };
    if let Some(secs) = after {
        tokio::time::sleep(Duration::from_secs(secs)).await;
    }
    respond(answer, None)
}

/// Ids the demo's quotes use, added to the sandbox's own.
#[derive(Debug, Clone, Default)]
pub struct DemoIds {
    /// Customer companies (the quotes' `psa_company_id`).
    pub companies: Vec<i64>,
    /// Products or items (the lines' `psa_product_id`).
    pub products: Vec<i64>,
    /// Opportunities (the quotes' `opportunity_id`).
    pub opportunities: Vec<i64>,
}

fn owner_only(dir: &std::path::Path, name: &str, value: &str) -> std::io::Result<std::path::PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(dir)?;
    let p = dir.join(name);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&p)?;
    writeln!(f, "{value}")?;
    Ok(p)
}

/// Starts a sandbox PSA of `kind` for the demo and returns it with the `[psa]` sections
/// that point Purser at it. Its secrets are written to owner-only files in `secrets_dir`.
/// `distributors` are the configured distributor keys; each becomes the sandbox's vendor
/// (Autotask) or supplier (HaloPSA). Keep the returned server alive while Purser runs.
pub fn start_for_demo(
    kind: crate::config::PsaKind,
    secrets_dir: &std::path::Path,
    distributors: &[&str],
    ids: &DemoIds,
) -> std::io::Result<Option<(FakePsa, String)>> {
    use crate::config::PsaKind;
    Ok(match kind {
        PsaKind::None => None,
        PsaKind::Autotask => {
            let mut cfg = autotask::AutotaskSandbox::default();
            cfg.companies.extend(&ids.companies);
            cfg.products.extend(&ids.products);
            cfg.opportunities.extend(&ids.opportunities);
            let code = owner_only(secrets_dir, "autotask-integration-code", &cfg.integration_code)?;
            let secret = owner_only(secrets_dir, "autotask-secret", &cfg.secret)?;
            let vendor = cfg.vendors[0];
            let user = cfg.username.clone();
            let fake = autotask::start(cfg)?;
            let vendors: String = distributors.iter().map(|d| format!("{d} = {vendor}\n")).collect();
            let text = format!(
                "[psa]\nkind = \"autotask\"\nbase_url = \"{}\"\norder_url = \"purser://orders/{{po}}\"\n\n[psa.stages]\nplaced = \"Ordered\"\npartial = \"Partially Delivered\"\ncompleted = \"Delivered\"\n\n[psa.vendors]\n{vendors}\n[psa.autotask]\nusername = \"{user}\"\nintegration_code_file = \"{}\"\nsecret_file = \"{}\"\nticket_status = \"New\"\nticket_priority = \"Medium\"\nticket_queue = \"Post Sale\"\ncharge_status = \"Ordered\"\nshipping_billing_code_id = 29682801\nnote_type = \"Task Notes\"\nnote_publish = \"Internal Only\"\npurchase_orders = true\npurchase_order_status = \"New\"\ninventory_location_id = 3\n",
                fake.url(),
                code.display(),
                secret.display()
            );
            Some((fake, text))
        }
        PsaKind::Halopsa => {
            let mut cfg = halopsa::HalopsaSandbox::default();
            cfg.clients.extend(&ids.companies);
            cfg.items.extend(ids.products.iter().map(|p| (*p, None)));
            cfg.opportunities.extend(&ids.opportunities);
            let secret = owner_only(secrets_dir, "halopsa-client-secret", &cfg.client_secret)?;
            let supplier = cfg.suppliers[0];
            let client = cfg.client_id.clone();
            let fake = halopsa::start(cfg)?;
            let vendors: String = distributors.iter().map(|d| format!("{d} = {supplier}\n")).collect();
            let text = format!(
                "[psa]\nkind = \"halopsa\"\nbase_url = \"{}\"\n\n[psa.stages]\nplaced = \"Won - Ordering\"\npartial = \"Partially Delivered\"\ncompleted = \"Delivered\"\n\n[psa.vendors]\n{vendors}\n[psa.halopsa]\nclient_id = \"{client}\"\nclient_secret_file = \"{}\"\nstock_location_id = 2\nstock_bin_id = 5\n",
                fake.root(),
                secret.display()
            );
            Some((fake, text))
        }
        PsaKind::Connectwise => {
            let mut cfg = connectwise::ConnectwiseSandbox::default();
            cfg.companies.extend(&ids.companies);
            // Each demo opportunity's forecast has every demo product once.
            let mut forecast_id = 6000;
            for o in &ids.opportunities {
                let company = ids.companies.first().copied().unwrap_or(250);
                let products = ids
                    .products
                    .iter()
                    .map(|p| {
                        forecast_id += 1;
                        connectwise::ForecastProduct::new(forecast_id, *p, &p.to_string(), "Demo product", 1)
                    })
                    .collect();
                cfg.opportunities.push((*o, company, products));
            }
            let public = owner_only(secrets_dir, "connectwise-public-key", &cfg.public_key)?;
            let private = owner_only(secrets_dir, "connectwise-private-key", &cfg.private_key)?;
            let (company, client) = (cfg.company_id.clone(), cfg.client_id.clone());
            let fake = connectwise::start(cfg)?;
            let text = format!(
                "[psa]\nkind = \"connectwise\"\nbase_url = \"{}\"\n\n[psa.stages]\nplaced = \"Ordered\"\n\n[psa.connectwise]\ncompany_id = \"{company}\"\nclient_id = \"{client}\"\npublic_key_file = \"{}\"\nprivate_key_file = \"{}\"\nboard = \"Procurement\"\nstatus = \"Ordered\"\npriority = \"Priority 3 - Normal Response\"\nsla = \"Standard SLA\"\nimpact = \"Medium\"\n",
                fake.url(),
                public.display(),
                private.display()
            );
            Some((fake, text))
        }
    })
}
