//! Ingram Micro Reseller API v6 (Xvantage): OAuth2 client credentials, `IM-*` headers
//! with a fresh correlation id per call, order create (one PO may split into several
//! Ingram orders, with rejected lines), order search by our PO number (the lookup that
//! prevents a second order after an uncertain outcome), order details, price and
//! availability.

use super::http::{common_error, correlation_id, Http, Reply};
use super::token::TokenSource;
use super::{base_url, required, secret, ApiError, DistributorApi, Placed, Price, PriceQuery};
use crate::config::Distributor;
use crate::domain::order::distributor_rules::{self, DistributorAccount, DistributorRules};
use crate::domain::order::{DistributorOrder, RejectedLine};
use crate::domain::{Address, Order};
use reqwest::{Client, RequestBuilder};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

pub const PRODUCTION: &str = "https://api.ingrammicro.com:443";

pub struct Ingram {
    name: String,
    http: Http,
    tokens: TokenSource,
    customer_number: String,
    country_code: String,
    sender_id: Option<String>,
    poll: Option<u64>,
}

impl Ingram {
    pub fn new(key: &str, name: String, d: &Distributor) -> Result<Self, ApiError> {
        let base = base_url(d, PRODUCTION);
        let http = Http::new(base, d.timeout_secs)?;
        let customer_number = required(key, "customer_number", &d.customer_number)?.to_string();
        let country_code = required(key, "country_code", &d.country_code)?.to_ascii_uppercase();
        if customer_number.chars().count() > 10 {
            return Err(ApiError::Config(format!(
                "[distributors.{key}] customer_number is longer than the 10 characters IM-CustomerNumber takes"
            )));
        }
        if country_code.chars().count() != 2 {
            return Err(ApiError::Config(format!(
                "[distributors.{key}] country_code must be two letters (IM-CountryCode), like US or NL"
            )));
        }
        let sender_id = d.sender_id.clone().filter(|s| !s.trim().is_empty());
        if sender_id.as_deref().is_some_and(|s| s.chars().count() > 32) {
            return Err(ApiError::Config(format!(
                "[distributors.{key}] sender_id is longer than the 32 characters IM-SenderID takes"
            )));
        }
        let tokens = TokenSource {
            url: d
                .token_url
                .clone()
                .unwrap_or_else(|| format!("{}/oauth/oauth20/token", base.trim_end_matches('/'))),
            client_id: required(key, "client_id", &d.client_id)?.to_string(),
            client_secret: secret(key, d, "client_secret_env", &d.client_secret_env)?,
            audience: None,
        };
        Ok(Ingram {
            name,
            http,
            tokens,
            customer_number,
            country_code,
            sender_id,
            poll: d.status_poll_secs,
        })
    }

    /// One call with a token and the `IM-*` headers; after a 401, once more with a new token.
    async fn call(&self, build: impl Fn(&Client) -> RequestBuilder) -> Result<Reply, ApiError> {
        for attempt in 0..2 {
            let token = self.tokens.token(&self.http).await?;
            let mut rb = build(self.http.client())
                .bearer_auth(token)
                .header("IM-CustomerNumber", &self.customer_number)
                .header("IM-CountryCode", &self.country_code)
                .header("IM-CorrelationID", correlation_id())
                .header("Accept", "application/json");
            if let Some(s) = &self.sender_id {
                rb = rb.header("IM-SenderID", s);
            }
            let reply = self.http.send(rb).await?;
            if reply.status == 401 && attempt == 0 {
                self.tokens.forget();
                continue;
            }
            return Ok(reply);
        }
        unreachable!("the loop returns")
    }

    fn request_body(&self, order: &Order) -> Value {
        let mut body = Map::new();
        body.insert("customerOrderNumber".into(), json!(order.number.to_string()));
        if let Some(q) = order.lines.first().map(|l| l.quote_id.clone()) {
            body.insert("endCustomerOrderNumber".into(), json!(q));
        }
        if let Some(bid) = &order.special_bid {
            body.insert("specialBidNumber".into(), json!(bid));
        }
        if let Some(n) = &order.notes {
            body.insert("notes".into(), json!(n));
        }
        // The order's own ship-to: the customer's for dropship, or the address a wholesale
        // order names; without one Ingram ships to the address on our account.
        if let Some(a) = &order.ship_to {
            body.insert("shipToInfo".into(), address(a));
        }
        if let Some(a) = &order.end_user {
            body.insert("endUserInfo".into(), address(a));
        }
        let lines: Vec<Value> = order
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "customerLineNumber": (i + 1).to_string(),
                    "ingramPartNumber": l.part_number(),
                    "quantity": l.quantity,
                })
            })
            .collect();
        body.insert("lines".into(), Value::Array(lines));
        // Never let Ingram take the same PO number twice.
        body.insert(
            "additionalAttributes".into(),
            json!([{"attributeName": "allowDuplicateCustomerOrderNumber", "attributeValue": "false"}]),
        );
        Value::Object(body)
    }
}

fn address(a: &Address) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
            m.insert(k.into(), json!(v));
        }
    };
    put("contact", a.attention.as_deref());
    put("companyName", a.name.as_deref());
    let lines = a.street_lines();
    for (i, l) in lines.iter().enumerate().take(4) {
        put(&format!("addressLine{}", i + 1), Some(l));
    }
    put("city", a.city.as_deref());
    put("state", a.state.as_deref());
    put("postalCode", a.postal_code.as_deref());
    put("countryCode", a.country.as_deref());
    put("phoneNumber", a.phone.as_deref());
    put("email", a.email.as_deref());
    Value::Object(m)
}

/// A decimal from a JSON number or string, exactly as written.
pub(crate) fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// "im::backordered" / "Backordered" → "backordered".
fn status_word(s: &str) -> String {
    s.trim().trim_start_matches("im::").to_ascii_lowercase()
}

/// The most useful words in an Ingram error body.
fn message_of(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let e = &v["errors"][0];
    text(&e["message"])
        .or_else(|| text(&e["messaage"]))
        .or_else(|| text(&v["fault"]["faultstring"]))
        .or_else(|| text(&v["message"]))
        .unwrap_or_default()
}

fn error_of(reply: &Reply) -> ApiError {
    if let Some(e) = common_error(reply, message_of) {
        return e;
    }
    let v: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    let mut fields = Vec::new();
    for e in v["errors"].as_array().into_iter().flatten() {
        for f in e["fields"].as_array().into_iter().flatten() {
            let field = text(&f["field"]).unwrap_or_else(|| "?".into());
            let mut msg = text(&f["message"]).unwrap_or_default();
            if let Some(val) = text(&f["value"]) {
                msg.push_str(&format!(" (sent: {val})"));
            }
            fields.push((field, msg));
        }
    }
    match reply.status {
        400 | 422 => ApiError::Invalid {
            message: message_of(&reply.body),
            fields,
        },
        s => ApiError::Protocol(format!("unexpected answer {s}: {}", message_of(&reply.body))),
    }
}

/// The orders in a create answer (201, or 207 partial success).
pub(crate) fn placed_from(body: &str) -> Result<Placed, ApiError> {
    let v: Value = serde_json::from_str(body).map_err(|e| ApiError::Protocol(format!("not JSON: {e}")))?;
    let mut orders = Vec::new();
    let mut all_rejected = Vec::new();
    for o in v["orders"].as_array().into_iter().flatten() {
        let Some(number) = text(&o["ingramOrderNumber"]) else {
            continue;
        };
        let rejected: Vec<RejectedLine> = o["rejectedLineItems"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| RejectedLine {
                line: text(&r["customerLinenumber"]).or_else(|| text(&r["customerLineNumber"])),
                sku: text(&r["ingramPartNumber"]),
                quantity: r["quantityOrdered"].as_u64().map(|q| q as u32),
                code: text(&r["rejectCode"]),
                reason: text(&r["rejectReason"]).unwrap_or_else(|| "rejected".into()),
            })
            .collect();
        let ok_lines = o["lines"].as_array().map_or(0, Vec::len);
        let status = if ok_lines == 0 && !rejected.is_empty() {
            "rejected".to_string()
        } else {
            o["lines"][0]["lineStatus"]
                .as_str()
                .map(status_word)
                .unwrap_or_else(|| "accepted".into())
        };
        if ok_lines == 0 {
            all_rejected.extend(rejected.iter().map(|r| r.reason.clone()));
        }
        orders.push(DistributorOrder {
            number,
            status,
            note: text(&o["notes"]),
            rejected,
            ..Default::default()
        });
    }
    if orders.is_empty() {
        return Err(ApiError::Protocol("the answer holds no Ingram order number".into()));
    }
    if orders.iter().all(|o| o.status == "rejected") {
        return Err(ApiError::Rejected(format!(
            "every line was refused: {}",
            all_rejected.join("; ")
        )));
    }
    Ok(Placed { orders })
}

impl DistributorApi for Ingram {
    fn name(&self) -> &str {
        &self.name
    }

    fn check(&self, order: &Order) -> Result<(), ApiError> {
        distributor_rules::check(order, &DistributorAccount::new(DistributorRules::Ingram, None))
            .map_err(ApiError::from)
    }

    async fn submit(&self, order: &Order) -> Result<Placed, ApiError> {
        let body = self.request_body(order);
        let url = self.http.url("/resellers/v6/orders");
        let reply = self.call(|c| c.post(&url).json(&body)).await?;
        match reply.status {
            200 | 201 | 207 => placed_from(&reply.body),
            _ => Err(error_of(&reply)),
        }
    }

    async fn find(&self, order: &Order) -> Option<Result<Option<Placed>, ApiError>> {
        let po = order.number.to_string();
        let url = self.http.url("/resellers/v6/orders/search");
        let result = self
            .call(|c| c.get(&url).query(&[("customerOrderNumber", po.as_str())]))
            .await
            .and_then(|reply| match reply.status {
                200 => {
                    let v: Value =
                        serde_json::from_str(&reply.body).map_err(|e| ApiError::Protocol(format!("not JSON: {e}")))?;
                    let orders: Vec<DistributorOrder> = v["orders"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|o| {
                            o["customerOrderNumber"]
                                .as_str()
                                .is_some_and(|n| n.trim().eq_ignore_ascii_case(&po))
                        })
                        .filter_map(|o| {
                            let number = text(&o["ingramOrderNumber"])?;
                            let status = o["orderStatus"].as_str().map(status_word).unwrap_or_default();
                            Some(DistributorOrder::new(number, status))
                        })
                        .collect();
                    Ok((!orders.is_empty()).then_some(Placed { orders }))
                }
                404 => Ok(None),
                _ => Err(error_of(&reply)),
            });
        Some(result)
    }

    async fn status(&self, order: &Order) -> Result<Vec<DistributorOrder>, ApiError> {
        let numbers: Vec<String> = order
            .submission()
            .map(|s| s.distributor_orders.iter().map(|o| o.number.clone()).collect())
            .unwrap_or_default();
        let mut out = Vec::new();
        for n in numbers {
            let url = self.http.url(&format!("/resellers/v6.1/orders/{n}"));
            let reply = self.call(|c| c.get(&url)).await?;
            match reply.status {
                200 => {
                    let v: Value =
                        serde_json::from_str(&reply.body).map_err(|e| ApiError::Protocol(format!("not JSON: {e}")))?;
                    let mut o = DistributorOrder::new(
                        n.clone(),
                        v["orderStatus"].as_str().map(status_word).unwrap_or_default(),
                    );
                    for line in v["lines"].as_array().into_iter().flatten() {
                        for sd in line["shipmentDetails"].as_array().into_iter().flatten() {
                            for cd in sd["carrierDetails"].as_array().into_iter().flatten() {
                                for td in cd["trackingDetails"].as_array().into_iter().flatten() {
                                    if let Some(t) = text(&td["trackingNumber"]) {
                                        if !o.tracking.contains(&t) {
                                            o.tracking.push(t);
                                        }
                                    }
                                    for s in td["serialNumbers"].as_array().into_iter().flatten() {
                                        if let Some(s) = text(&s["serialNumber"]) {
                                            o.serials.push(s);
                                        }
                                    }
                                }
                            }
                        }
                    }
                    out.push(o);
                }
                404 => out.push(DistributorOrder::new(n.clone(), "not found")),
                _ => return Err(error_of(&reply)),
            }
        }
        Ok(out)
    }

    async fn price(&self, q: &PriceQuery) -> Result<Price, ApiError> {
        let product = match (&q.distributor_sku, &q.mpn) {
            (Some(p), _) => json!({"ingramPartNumber": p}),
            (None, Some(m)) => json!({"vendorPartNumber": m}),
            (None, None) => json!({"ingramPartNumber": q.sku}),
        };
        let body = json!({"products": [product]});
        let url = self.http.url("/resellers/v6/catalog/priceandavailability");
        let reply = self
            .call(|c| {
                c.post(&url)
                    .query(&[("includeAvailability", "true"), ("includePricing", "true")])
                    .json(&body)
            })
            .await?;
        if !matches!(reply.status, 200 | 207) {
            return Err(error_of(&reply));
        }
        let v: Value = serde_json::from_str(&reply.body).map_err(|e| ApiError::Protocol(format!("not JSON: {e}")))?;
        let p = &v[0];
        if p["productStatusCode"].as_str() == Some("E") {
            return Err(ApiError::Rejected(
                text(&p["productStatusMessage"]).unwrap_or_else(|| "product not found".into()),
            ));
        }
        let unit_cost = decimal(&p["pricing"]["customerPrice"])
            .ok_or_else(|| ApiError::Protocol("no customerPrice in the answer".into()))?;
        Ok(Price {
            part: text(&p["ingramPartNumber"]).unwrap_or_else(|| q.sku.clone()),
            unit_cost,
            currency: text(&p["pricing"]["currencyCode"]).unwrap_or_default(),
            available: p["availability"]["totalAvailability"].as_i64(),
        })
    }

    fn poll_every(&self) -> Option<u64> {
        self.poll
    }
}
