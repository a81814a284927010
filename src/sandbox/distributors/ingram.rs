//! Fake Ingram Micro Reseller API v6: token, order create (with splits and rejected
//! lines), order search by customerOrderNumber, order details, price and availability —
//! each request checked against the saved OpenAPI specification.

use super::schema::{check, check_headers};
use super::{after_accept, json_reply, log_call, parse_query, record_order, take_fault, too_many, Fault, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::sync::LazyLock;

const FIXTURES: &str = "../../../tests/fixtures/distributors/ingram";
static SPEC: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!(
        "../../../tests/fixtures/distributors/ingram/spec-trimmed.json"
    ))
    .expect("the saved Ingram specification is JSON")
});
static CREATED: &str =
    include_str!("../../../tests/fixtures/distributors/ingram/samples/order-create-v6-response-201--order-with-header-comments-response.json");
static DETAILS: &str =
    include_str!("../../../tests/fixtures/distributors/ingram/samples/order-details-v6.1-response-200--success.json");
static SEARCH: &str =
    include_str!("../../../tests/fixtures/distributors/ingram/samples/order-search-v6-response-200--success-200.json");
static SERVER_ERROR: &str =
    include_str!("../../../tests/fixtures/distributors/ingram/samples/order-create-v6-response-500--server-error.json");
static PRICE: &str =
    include_str!("../../../tests/fixtures/distributors/ingram/samples/price-and-availability-response-200.json");

pub fn router(fake: Shared) -> Router {
    let _ = FIXTURES;
    Router::new()
        .route("/oauth/oauth20/token", post(token_post).get(token_get))
        .route("/resellers/v6/orders", post(create))
        .route("/resellers/v6/orders/search", get(search))
        .route("/resellers/v6.1/orders/{number}", get(details))
        .route("/resellers/v6/catalog/priceandavailability", post(price))
        .with_state(fake)
}

fn error(status: u16, message: &str, fields: Vec<(String, String)>) -> Response {
    let fields: Vec<Value> = fields
        .into_iter()
        .map(|(f, m)| json!({"field": f, "message": m}))
        .collect();
    json_reply(
        status,
        json!({"errors": [{"id": "sandbox", "type": "/errors/validation-failed", "message": message, "fields": fields}]}),
    )
}

fn unauthorized() -> Response {
    json_reply(
        401,
        json!({"fault": {"faultstring": "Invalid Access Token", "detail": {"errorcode": "keymanagement.service.invalid_access_token"}}}),
    )
}

fn issue_token(fake: &Shared, pairs: &[(String, String)]) -> Response {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let problems: Vec<String> = ["grant_type", "client_id", "client_secret"]
        .iter()
        .filter(|k| get(k).is_none())
        .map(|k| format!("token: {k} is required"))
        .collect();
    if !problems.is_empty() || get("grant_type") != Some("client_credentials") {
        fake.with(|s| s.note(problems));
        return json_reply(
            400,
            json!({"message": "grant_type, client_id and client_secret are required"}),
        );
    }
    if get("client_id") != Some(super::CLIENT_ID) || get("client_secret") != Some(super::SECRET) {
        return json_reply(401, json!({"message": "invalid client credentials"}));
    }
    let token = fake.with(|s| s.new_token());
    // `expires_in` is a string in the specification.
    json_reply(
        200,
        json!({"access_token": token, "token_type": "Bearer", "expires_in": "86399"}),
    )
}

async fn token_post(State(fake): State<Shared>, body: Bytes) -> Response {
    log_call(&fake, "POST", "/oauth/oauth20/token");
    issue_token(&fake, &parse_query(&String::from_utf8_lossy(&body)))
}

async fn token_get(State(fake): State<Shared>, RawQuery(q): RawQuery) -> Response {
    log_call(&fake, "GET", "/oauth/oauth20/token");
    issue_token(&fake, &parse_query(q.as_deref().unwrap_or("")))
}

/// Auth and the `IM-*` headers; `Err` is the answer to give instead.
fn gate(fake: &Shared, headers: &HeaderMap, op: &str) -> Result<(), Box<Response>> {
    let problems = fake.with(|s| {
        let mut p = check_headers(headers, &SPEC[op]["headers"]);
        p.extend(s.fresh_correlation(headers, "IM-CorrelationID"));
        s.note(p)
    });
    if !fake.with(|s| s.bearer_ok(headers)) {
        return Err(Box::new(unauthorized()));
    }
    if !problems.is_empty() {
        return Err(Box::new(error(
            400,
            "Validation failed",
            problems.into_iter().map(|p| ("header".to_string(), p)).collect(),
        )));
    }
    Ok(())
}

async fn create(State(fake): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    log_call(&fake, "POST", "/resellers/v6/orders");
    if let Err(r) = gate(&fake, &headers, "order_create") {
        return *r;
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let req: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return error(400, &format!("body is not JSON: {e}"), vec![]),
    };
    let problems = fake.with(|s| s.note(check(&req, &SPEC["order_create"]["body"])));
    if !problems.is_empty() {
        return error(
            400,
            "Validation failed",
            problems.into_iter().map(|p| ("body".to_string(), p)).collect(),
        );
    }
    let fault = take_fault(&fake);
    if let Some(r) = super::gateway_fault(&fault, &headers, &text) {
        return r;
    }
    match &fault {
        Some(Fault::Refuse(code)) => return error(*code, "Refused by the sandbox", vec![]),
        Some(Fault::TooManyRequests { retry_after }) => {
            return too_many(*retry_after, json!({"errors": [{"message": "Too many requests"}]}))
        }
        Some(Fault::ServerError) => return json_reply(500, serde_json::from_str(SERVER_ERROR).unwrap_or_default()),
        Some(Fault::Reject(reason)) => return error(400, reason, vec![]),
        _ => {}
    }
    let po = req["customerOrderNumber"].as_str().unwrap_or_default().to_string();
    let allow_dup = req["additionalAttributes"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|a| a["attributeName"] == "allowDuplicateCustomerOrderNumber" && a["attributeValue"] == "true");
    if !allow_dup && fake.orders_for(&po) > 0 {
        return error(
            400,
            "Validation failed",
            vec![(
                "customerOrderNumber".into(),
                format!("customer order number {po} already exists"),
            )],
        );
    }
    // Parts starting with XX are unknown (rejected lines); parts starting with SPLIT ship
    // from another warehouse (a second Ingram order).
    let mut template: Value = serde_json::from_str(CREATED).expect("sample is JSON");
    let line_template = template["orders"][0]["lines"][0].clone();
    let seq = fake.with(|s| s.next_seq());
    let mut main = template["orders"][0].clone();
    let mut split = main.clone();
    let (mut main_lines, mut split_lines, mut rejected) = (Vec::new(), Vec::new(), Vec::new());
    for (i, l) in req["lines"].as_array().into_iter().flatten().enumerate() {
        let part = l["ingramPartNumber"].as_str().unwrap_or_default();
        let cln = l["customerLineNumber"].clone();
        if part.starts_with("XX") {
            rejected.push(json!({"customerLinenumber": cln, "ingramPartNumber": part,
                "quantityOrdered": l["quantity"], "rejectCode": "EN", "rejectReason": format!("SKU-NOTFOUND    {part}")}));
            continue;
        }
        let mut line = line_template.clone();
        line["customerLineNumber"] = cln;
        line["ingramPartNumber"] = json!(part);
        line["ingramLineNumber"] = json!(format!("{:03}", i + 1));
        line["quantityOrdered"] = l["quantity"].clone();
        line["quantityBackOrdered"] = json!(0);
        line["quantityConfirmed"] = l["quantity"].clone();
        line["lineStatus"] = json!("Processing");
        if part.starts_with("SPLIT") {
            split_lines.push(line);
        } else {
            main_lines.push(line);
        }
    }
    if main_lines.is_empty() && split_lines.is_empty() {
        return error(400, "No line of the order could be processed", vec![]);
    }
    let mut numbers = Vec::new();
    let mut orders = Vec::new();
    for (k, (order, lines)) in [(&mut main, main_lines), (&mut split, split_lines)]
        .into_iter()
        .enumerate()
    {
        if lines.is_empty() {
            continue;
        }
        let number = format!("20-SBX{:02}{}", seq, if k == 0 { "" } else { "S" });
        order["ingramOrderNumber"] = json!(number);
        order["numberOfLinesWithSuccess"] = json!(lines.len());
        order["numberOfLinesWithError"] = json!(if k == 0 { rejected.len() } else { 0 });
        order["lines"] = Value::Array(lines);
        order["links"][0]["href"] = json!(format!("/resellers/v6/orders/{number}"));
        if k == 0 && !rejected.is_empty() {
            order["rejectedLineItems"] = Value::Array(rejected.clone());
        }
        numbers.push(number);
        orders.push(order.clone());
    }
    template["customerOrderNumber"] = json!(po);
    template["orderSplit"] = json!(orders.len() > 1);
    template["processedPartially"] = json!(!rejected.is_empty());
    template["orders"] = Value::Array(orders);
    record_order(&fake, &po, numbers, &text);
    after_accept(&fault).await;
    json_reply(if rejected.is_empty() { 201 } else { 207 }, template)
}

async fn search(State(fake): State<Shared>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    log_call(&fake, "GET", "/resellers/v6/orders/search");
    if let Err(r) = gate(&fake, &headers, "order_search") {
        return *r;
    }
    let pairs = parse_query(q.as_deref().unwrap_or(""));
    let mut problems = Vec::new();
    for (k, v) in &pairs {
        match SPEC["order_search"]["query"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == k.as_str())
        {
            Some(p) => problems.extend(check(&json!(v), &p["schema"]).into_iter().map(|e| e.replace('$', k))),
            None => problems.push(format!("query {k}: not used by Purser's lookup")),
        }
    }
    let problems = fake.with(|s| s.note(problems));
    if !problems.is_empty() {
        return error(
            400,
            "Validation failed",
            problems.into_iter().map(|p| ("query".into(), p)).collect(),
        );
    }
    let po = pairs
        .iter()
        .find(|(k, _)| k == "customerOrderNumber")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut template: Value = serde_json::from_str(SEARCH).expect("sample is JSON");
    let sample = template["orders"][0].clone();
    let found: Vec<Value> = fake
        .orders()
        .into_iter()
        .filter(|o| o.po.eq_ignore_ascii_case(&po))
        .flat_map(|o| o.numbers.into_iter().map(move |n| (o.po.clone(), n)))
        .map(|(p, n)| {
            let mut o = sample.clone();
            o["ingramOrderNumber"] = json!(n);
            o["customerOrderNumber"] = json!(p);
            o["orderStatus"] = json!("PROCESSING");
            o["subOrders"] = json!([]);
            o
        })
        .collect();
    template["recordsFound"] = json!(found.len().to_string());
    template["orders"] = Value::Array(found);
    template["nextPage"] = Value::Null;
    template["previousPage"] = Value::Null;
    json_reply(200, template)
}

async fn details(State(fake): State<Shared>, headers: HeaderMap, Path(number): Path<String>) -> Response {
    log_call(&fake, "GET", &format!("/resellers/v6.1/orders/{number}"));
    if let Err(r) = gate(&fake, &headers, "order_details") {
        return *r;
    }
    let Some(order) = fake.orders().into_iter().find(|o| o.numbers.contains(&number)) else {
        return json_reply(
            404,
            json!({"errors": [{"type": "/errors/not-found", "message": "Order not found"}]}),
        );
    };
    let status = fake.with(|s| s.status_of(&number, "Processing"));
    let mut v: Value = serde_json::from_str(DETAILS).expect("sample is JSON");
    v["ingramOrderNumber"] = json!(number);
    v["customerOrderNumber"] = json!(order.po);
    v["orderStatus"] = json!(status);
    if status != "Shipped" && status != "Delivered" {
        if let Some(lines) = v["lines"].as_array_mut() {
            for l in lines {
                l["shipmentDetails"] = json!([]);
            }
        }
    }
    json_reply(200, v)
}

async fn price(State(fake): State<Shared>, headers: HeaderMap, RawQuery(q): RawQuery, body: Bytes) -> Response {
    log_call(&fake, "POST", "/resellers/v6/catalog/priceandavailability");
    if let Err(r) = gate(&fake, &headers, "price_and_availability") {
        return *r;
    }
    let pairs = parse_query(q.as_deref().unwrap_or(""));
    let mut problems = Vec::new();
    for p in SPEC["price_and_availability"]["query"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().unwrap_or_default();
        match pairs.iter().find(|(k, _)| k == name) {
            None if p["required"] == true => problems.push(format!("query {name}: required but missing")),
            Some((_, v)) if v != "true" && v != "false" => {
                problems.push(format!("query {name}: `{v}` is not a boolean"))
            }
            _ => {}
        }
    }
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    problems.extend(check(&req, &SPEC["price_and_availability"]["body"]));
    let problems = fake.with(|s| s.note(problems));
    if !problems.is_empty() {
        return error(
            400,
            "Validation failed",
            problems.into_iter().map(|p| ("request".into(), p)).collect(),
        );
    }
    let sample: Value = serde_json::from_str(PRICE).expect("sample is JSON");
    let answers: Vec<Value> = req["products"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let part = p["ingramPartNumber"]
                .as_str()
                .or(p["vendorPartNumber"].as_str())
                .unwrap_or_default()
                .to_string();
            if part.starts_with("XX") {
                return json!({"productStatusCode": "E", "productStatusMessage": format!("Product not found for IngramPartNumber:  {part}"), "ingramPartNumber": part});
            }
            let (price, stock) = fake.with(|s| s.price_of(&part)).unwrap_or(("74.34".into(), 120));
            let mut a = sample[0].clone();
            a["ingramPartNumber"] = json!(part);
            a["pricing"]["customerPrice"] = serde_json::from_str(&price).unwrap_or(json!(74.34));
            if let Some(c) = fake.with(|s| s.currency()) {
                a["pricing"]["currencyCode"] = json!(c);
            }
            a["availability"]["available"] = json!(stock > 0);
            a["availability"]["totalAvailability"] = json!(stock);
            a
        })
        .collect();
    json_reply(200, Value::Array(answers))
}
