//! Fake Pax8 Partner API v1: token (with audience), companies, product dependencies,
//! provision details and pricing, order create (checked against the saved OpenAPI
//! specification, commitment terms and provisioning keys included), subscriptions.
//!
//! Products whose id starts with `1` behave like Microsoft 365 in the samples: they
//! require a commitment term and provisioning details. The company list is paginated as
//! the specification says; tests add companies with [`Fake::add_company`].

use super::schema::check;
use super::{after_accept, json_reply, log_call, parse_query, record_order, take_fault, too_many, Fake, Fault, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::sync::LazyLock;

static SPEC: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!(
        "../../../tests/fixtures/distributors/pax8/spec-trimmed.json"
    ))
    .expect("the saved Pax8 specification is JSON")
});
static COMPANY: &str = include_str!("../../../tests/fixtures/distributors/pax8/samples/company-create-request.json");
static DEPENDENCIES: &str =
    include_str!("../../../tests/fixtures/distributors/pax8/samples/product-dependencies-response.json");
static PROVISION: &str =
    include_str!("../../../tests/fixtures/distributors/pax8/samples/product-provision-details-response.json");
static ORDER: &str = include_str!("../../../tests/fixtures/distributors/pax8/samples/order-create-response.json");
static SUBSCRIPTION: &str =
    include_str!("../../../tests/fixtures/distributors/pax8/samples/subscription-get-response.json");

pub fn router(fake: Shared) -> Router {
    Router::new()
        .route("/oauth/token", post(token))
        .route("/v1/companies", get(companies))
        .route("/v1/products/{id}/dependencies", get(dependencies))
        .route("/v1/products/{id}/provision-details", get(provision))
        .route("/v1/products/{id}/pricing", get(pricing))
        .route("/v1/orders", post(create))
        .route("/v1/subscriptions/{id}", get(subscription))
        .with_state(fake)
}

fn problem(status: u16, message: &str, details: Vec<String>) -> Response {
    let details: Vec<Value> = details
        .into_iter()
        .map(|m| json!({"message": m, "status": status}))
        .collect();
    json_reply(
        status,
        json!({"type": "about:blank", "message": message, "instance": "/v1/orders", "status": status, "details": details}),
    )
}

fn uuid(seq: u32, kind: u16) -> String {
    format!("{seq:08x}-{kind:04x}-4000-8000-{:012x}", u64::from(seq) * 7919)
}

fn requires_commitment(product: &str) -> bool {
    product.starts_with('1')
}

async fn token(State(fake): State<Shared>, body: Bytes) -> Response {
    log_call(&fake, "POST", "/oauth/token");
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let problems = fake.with(|s| s.note(check(&req, &SPEC["token_request"])));
    if !problems.is_empty() {
        return json_reply(
            400,
            json!({"error": "invalid_request", "error_description": problems.join("; ")}),
        );
    }
    if req["audience"] != "https://api.pax8.com" {
        fake.with(|s| {
            s.note(vec![
                "token: the partner endpoints need audience https://api.pax8.com".into()
            ])
        });
    }
    if req["client_id"] != super::CLIENT_ID || req["client_secret"] != super::SECRET {
        return json_reply(
            401,
            json!({"error": "access_denied", "error_description": "Unauthorized"}),
        );
    }
    let t = fake.with(|s| s.new_token());
    json_reply(
        200,
        json!({"access_token": t, "expires_in": 86400, "token_type": "Bearer"}),
    )
}

fn authorized(fake: &Shared, headers: &HeaderMap) -> Result<(), Box<Response>> {
    if fake.with(|s| s.bearer_ok(headers)) {
        Ok(())
    } else {
        Err(Box::new(json_reply(401, json!({"message": "Unauthorized"}))))
    }
}

/// The sample company, as "Dentalcare West" with [`super::PAX8_COMPANY_ID`], first; then
/// the companies a test added with [`super::Fake::add_company`], in that order.
fn all_companies(fake: &Shared) -> Vec<Value> {
    let mut c: Value = serde_json::from_str(COMPANY).expect("sample is JSON");
    c["id"] = json!(super::PAX8_COMPANY_ID);
    c["name"] = json!("Dentalcare West");
    c["status"] = json!("Active");
    let mut all = vec![c];
    all.extend(fake.with(|s| s.companies.clone()));
    all
}

/// A whole number query parameter within the saved specification's bounds, or its default.
fn page_param(query: &[(String, String)], name: &str) -> Result<u64, String> {
    let schema = &SPEC["company_list"]["query"][name];
    let Some((_, raw)) = query.iter().find(|(k, _)| k == name) else {
        return Ok(schema["default"].as_u64().unwrap_or(0));
    };
    let n: u64 = raw
        .parse()
        .map_err(|_| format!("companies: {name}={raw} is not a whole number"))?;
    let min = schema["minimum"].as_u64().unwrap_or(0);
    let max = schema["maximum"].as_u64().unwrap_or(u64::MAX);
    if n < min || n > max {
        return Err(format!("companies: {name}={n} is outside {min}..={max}"));
    }
    Ok(n)
}

/// `GET /companies`, paginated as the specification says: `page` (from 0) and `size`
/// (default 10, at most 200) in, `content` and a `page` object (`size`, `totalElements`,
/// `totalPages`, `number`) out.
async fn companies(State(fake): State<Shared>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let q = q.unwrap_or_default();
    log_call(
        &fake,
        "GET",
        &if q.is_empty() {
            "/v1/companies".to_string()
        } else {
            format!("/v1/companies?{q}")
        },
    );
    if let Err(r) = authorized(&fake, &headers) {
        return *r;
    }
    let query = parse_query(&q);
    let (page, size) = match (page_param(&query, "page"), page_param(&query, "size")) {
        (Ok(p), Ok(s)) => (p, s),
        (p, s) => {
            let problems = fake.with(|st| st.note(p.err().into_iter().chain(s.err()).collect()));
            return problem(400, "Invalid paging", problems);
        }
    };
    let all = all_companies(&fake);
    let total = all.len() as u64;
    let content: Vec<Value> = all
        .into_iter()
        .skip((page * size) as usize)
        .take(size as usize)
        .collect();
    json_reply(
        200,
        json!({"content": content, "page": {"size": size, "totalElements": total,
            "totalPages": total.div_ceil(size), "number": page}}),
    )
}

async fn dependencies(State(fake): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    log_call(&fake, "GET", &format!("/v1/products/{id}/dependencies"));
    if let Err(r) = authorized(&fake, &headers) {
        return *r;
    }
    if requires_commitment(&id) {
        json_reply(200, serde_json::from_str(DEPENDENCIES).expect("sample is JSON"))
    } else {
        json_reply(200, json!({"commitmentDependencies": [], "productDependencies": []}))
    }
}

async fn provision(State(fake): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    log_call(&fake, "GET", &format!("/v1/products/{id}/provision-details"));
    if let Err(r) = authorized(&fake, &headers) {
        return *r;
    }
    if requires_commitment(&id) {
        json_reply(200, serde_json::from_str(PROVISION).expect("sample is JSON"))
    } else {
        json_reply(200, json!({"content": []}))
    }
}

async fn pricing(State(fake): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    log_call(&fake, "GET", &format!("/v1/products/{id}/pricing"));
    if let Err(r) = authorized(&fake, &headers) {
        return *r;
    }
    let (price, _) = fake.with(|s| s.price_of(&id)).unwrap_or(("32.01".into(), 0));
    let rate: Value = serde_json::from_str(&price).unwrap_or(json!(32.01));
    json_reply(
        200,
        json!({"content": [{"productId": id, "productName": "Microsoft Office 365 E3", "billingTerm": "Monthly",
            "type": "Flat", "unitOfMeasurement": "User",
            "rates": [{"partnerBuyRate": rate, "suggestedRetailPrice": 35.0, "startQuantityRange": 1, "chargeType": "Per Unit"}]}]}),
    )
}

async fn create(State(fake): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    log_call(&fake, "POST", "/v1/orders");
    if let Err(r) = authorized(&fake, &headers) {
        return *r;
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let req: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return problem(400, &format!("body is not JSON: {e}"), vec![]),
    };
    let mut problems = check(&req, &SPEC["order_create"]);
    if !all_companies(&fake).iter().any(|c| c["id"] == req["companyId"]) {
        problems.push(format!("companyId {}: no such company", req["companyId"]));
    }
    let commitment: Value = serde_json::from_str(DEPENDENCIES).expect("sample is JSON");
    let keys: Value = serde_json::from_str(PROVISION).expect("sample is JSON");
    for (i, li) in req["lineItems"].as_array().into_iter().flatten().enumerate() {
        let product = li["productId"].as_str().unwrap_or_default();
        if requires_commitment(product) {
            if li["commitmentTermId"] != commitment["commitmentDependencies"][0]["id"] {
                problems.push(format!(
                    "lineItems[{i}].commitmentTermId: the product requires commitment term {}",
                    commitment["commitmentDependencies"][0]["id"]
                ));
            }
            for d in li["provisioningDetails"].as_array().into_iter().flatten() {
                if !keys["content"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|k| k["key"] == d["key"])
                {
                    problems.push(format!("lineItems[{i}].provisioningDetails: unknown key {}", d["key"]));
                }
            }
            if li["provisioningDetails"].as_array().is_none_or(Vec::is_empty) {
                problems.push(format!("lineItems[{i}].provisioningDetails: required for this product"));
            }
        } else if li.get("commitmentTermId").is_some() {
            problems.push(format!(
                "lineItems[{i}].commitmentTermId: the product has no commitment terms"
            ));
        }
    }
    let problems = fake.with(|s| s.note(problems));
    if !problems.is_empty() {
        return problem(422, "Invalid order", problems);
    }
    let fault = take_fault(&fake);
    match &fault {
        Some(Fault::Refuse(code)) => return problem(*code, "Refused by the sandbox", vec![]),
        Some(Fault::Reject(reason)) => return problem(422, reason, vec![reason.clone()]),
        Some(Fault::TooManyRequests { retry_after }) => {
            return too_many(*retry_after, json!({"message": "Too Many Requests"}))
        }
        Some(Fault::ServerError) => return problem(500, "Internal Server Error", vec![]),
        _ => {}
    }
    let seq = fake.with(|s| s.next_seq());
    let mut resp: Value = serde_json::from_str(ORDER).expect("sample is JSON");
    let template = resp["lineItems"][0].clone();
    let order_id = uuid(seq, 1);
    resp["id"] = json!(order_id);
    resp["companyId"] = req["companyId"].clone();
    resp["createdDate"] = json!("2026-11-26");
    let items: Vec<Value> = req["lineItems"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, li)| {
            let mut t = template.clone();
            t["id"] = json!(uuid(seq, 0x100 + i as u16));
            t["productId"] = li["productId"].clone();
            t["subscriptionId"] = json!(uuid(seq, 0x200 + i as u16));
            t["billingTerm"] = li["billingTerm"].clone();
            t["quantity"] = li["quantity"].clone();
            if let Some(c) = li.get("commitmentTermId") {
                t["commitmentTermId"] = c.clone();
            }
            t
        })
        .collect();
    resp["lineItems"] = Value::Array(items);
    // Pax8 knows nothing of our PO number; the fake keeps it from the test's view of
    // the company and the order id only.
    record_order(&fake, &order_id, vec![order_id.clone()], &text);
    after_accept(&fault).await;
    json_reply(200, resp)
}

async fn subscription(State(fake): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    log_call(&fake, "GET", &format!("/v1/subscriptions/{id}"));
    if let Err(r) = authorized(&fake, &headers) {
        return *r;
    }
    let status = fake.with(|s| s.status_of(&id, "PendingAutomated"));
    let mut v: Value = serde_json::from_str(SUBSCRIPTION).expect("sample is JSON");
    v["id"] = json!(id);
    v["status"] = json!(status);
    json_reply(200, v)
}

impl Fake {
    /// Pax8: adds a company to the list (after the sample company and those added
    /// before); returns its id, which orders may then name as `companyId`.
    pub fn add_company(&self, name: &str, external_id: Option<&str>) -> String {
        self.with(|s| {
            let n = s.companies.len() as u32 + 1;
            let id = uuid(n, 0xc0);
            let mut c = json!({"id": id, "name": name, "status": "Active",
                "address": {"city": "Denver", "country": "US"}, "phone": "555-555-5555",
                "website": "example.com", "billOnBehalfOfEnabled": false,
                "selfServiceAllowed": false, "orderApprovalRequired": false});
            if let Some(e) = external_id {
                c["externalId"] = json!(e);
            }
            s.companies.push(c);
            id
        })
    }
}
