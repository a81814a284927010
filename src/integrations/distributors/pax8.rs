//! Pax8 Partner API v1: OAuth2 client credentials with audience, orders for the
//! customer's Pax8 company with billing term, commitment term (from the product's
//! dependencies when it requires one, or as given) and provisioning details (checked
//! against the product's provision-details), the order id and subscription ids kept,
//! subscription status on poll. Pax8 has no lookup of an order by our reference: after an
//! uncertain outcome a person decides. An order goes to one company, so an order whose
//! lines belong to more than one customer is refused before anything is sent.

use super::http::{common_error, Http, Reply};
use super::ingram::decimal;
use super::token::TokenSource;
use super::{base_url, required, secret, ApiError, DistributorApi, Placed, Price, PriceQuery};
use crate::config::Distributor;
use crate::domain::order::distributor_rules::{self, DistributorAccount, DistributorRules};
use crate::domain::order::{ApiOptions, BillingTerm, DistributorOrder, OrderLine, SubscriptionRef};
use crate::domain::Order;
use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};

pub const PRODUCTION: &str = "https://api.pax8.com/v1";
pub const TOKEN_URL: &str = "https://token-manager.pax8.com/oauth/token";
pub const AUDIENCE: &str = "https://api.pax8.com";
/// Companies asked for per page: the most the company list gives at once.
const COMPANY_PAGE_SIZE: u64 = 200;
/// Pages of companies read at most (100,000 companies), whatever the answers say.
const MAX_COMPANY_PAGES: u64 = 500;

pub struct Pax8 {
    name: String,
    http: Http,
    tokens: TokenSource,
    poll: u64,
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A count in a page object (a JSON number in the specification's example, typed loosely).
fn count(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f as u64))
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn message_of(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    text(&v["message"]).unwrap_or_default()
}

fn error_of(reply: &Reply) -> ApiError {
    if let Some(e) = common_error(reply, message_of) {
        return e;
    }
    let v: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    let fields = v["details"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                text(&d["instance"])
                    .or_else(|| text(&d["type"]))
                    .unwrap_or_else(|| "order".into()),
                text(&d["message"]).unwrap_or_default(),
            )
        })
        .collect();
    match reply.status {
        400 | 422 => ApiError::Invalid {
            message: message_of(&reply.body),
            fields,
        },
        404 => ApiError::Rejected(format!("not found: {}", message_of(&reply.body))),
        s => ApiError::Protocol(format!("unexpected answer {s}: {}", message_of(&reply.body))),
    }
}

/// The customer an order is for: its first line, once every line is found to belong to
/// the same customer. Pax8 provisions an order for one company (one `companyId`), so an
/// order of several customers is refused, naming them.
fn one_customer(order: &Order) -> Result<&OrderLine, ApiError> {
    distributor_rules::pax8_customer(order).map_err(ApiError::from)
}

/// A failure before the order itself was sent: nothing was ordered, so nothing is uncertain.
fn before_sending(e: ApiError) -> ApiError {
    match e {
        ApiError::Timeout | ApiError::Interrupted(_) | ApiError::Server { .. } | ApiError::Protocol(_) => {
            ApiError::Unreachable(format!("looking up the order details failed ({})", e.for_buyer("Pax8")))
        }
        other => other,
    }
}

impl Pax8 {
    pub fn new(key: &str, name: String, d: &Distributor) -> Result<Self, ApiError> {
        Ok(Pax8 {
            name,
            http: Http::new(base_url(d, PRODUCTION), d.timeout_secs)?,
            tokens: TokenSource {
                url: d.token_url.clone().unwrap_or_else(|| TOKEN_URL.into()),
                client_id: required(key, "client_id", &d.client_id)?.to_string(),
                client_secret: secret(key, d, "client_secret_env", &d.client_secret_env)?,
                audience: Some(AUDIENCE.into()),
            },
            poll: d.status_poll_secs.unwrap_or(3600),
        })
    }

    async fn call(&self, build: impl Fn(&Client) -> RequestBuilder) -> Result<Reply, ApiError> {
        for attempt in 0..2 {
            let token = self.tokens.token(&self.http).await?;
            let reply = self.http.send(build(self.http.client()).bearer_auth(token)).await?;
            if reply.status == 401 && attempt == 0 {
                self.tokens.forget();
                continue;
            }
            return Ok(reply);
        }
        unreachable!("the loop returns")
    }

    async fn get_json(&self, path: &str) -> Result<Value, ApiError> {
        let url = self.http.url(path);
        let reply = self.call(|c| c.get(&url)).await?;
        if reply.status != 200 {
            return Err(error_of(&reply));
        }
        serde_json::from_str(&reply.body).map_err(|e| ApiError::Protocol(format!("not JSON: {e}")))
    }

    /// The customer's Pax8 company: by external id (our customer or PSA id), else by name.
    /// The company list comes in pages (`page`, `size` at most 200, answered with
    /// `page.totalPages`): they are read in turn until a company with the customer's
    /// external id turns up or the last page was read; a name match is kept meanwhile and
    /// taken only when no external id matches on any page.
    async fn company(&self, order: &Order) -> Result<String, ApiError> {
        let line = one_customer(order)?;
        let by_id = |c: &&Value| {
            let ext = c["externalId"].as_str().unwrap_or_default();
            !ext.is_empty() && (Some(ext) == line.psa_company_id.as_deref() || ext == line.customer_id)
        };
        let by_name = |c: &&Value| {
            c["name"]
                .as_str()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(line.customer_name.trim()))
        };
        let mut named: Option<String> = None;
        let mut read = 0;
        for page in 0..MAX_COMPANY_PAGES {
            let v = self
                .get_json(&format!("/companies?page={page}&size={COMPANY_PAGE_SIZE}"))
                .await?;
            read = page + 1;
            let companies = v["content"].as_array().map(Vec::as_slice).unwrap_or_default();
            if let Some(id) = companies.iter().find(by_id).and_then(|c| text(&c["id"])) {
                return Ok(id);
            }
            if named.is_none() {
                named = companies.iter().find(by_name).and_then(|c| text(&c["id"]));
            }
            // No page object: one page is all there is.
            let pages = count(&v["page"]["totalPages"]).unwrap_or(0);
            if companies.is_empty() || read >= pages {
                break;
            }
        }
        named.ok_or_else(|| {
            ApiError::Incomplete(format!(
                "Pax8 has no company for customer \"{}\" (matched by external id {} or by name, on {read} page(s) of \
                 companies); create it in Pax8 first",
                line.customer_name,
                line.psa_company_id.as_deref().unwrap_or(&line.customer_id)
            ))
        })
    }

    async fn commitment(&self, product: &str, options: &ApiOptions, term: &str) -> Result<Option<String>, ApiError> {
        let v = self.get_json(&format!("/products/{product}/dependencies")).await?;
        let terms: Vec<&Value> = v["commitmentDependencies"].as_array().into_iter().flatten().collect();
        if terms.is_empty() {
            return Ok(None);
        }
        match options
            .commitment
            .as_deref()
            .filter(|c| !c.eq_ignore_ascii_case("auto"))
        {
            Some(id) if terms.iter().any(|t| t["id"].as_str() == Some(id)) => Ok(Some(id.to_string())),
            Some(id) => Err(ApiError::Incomplete(format!(
                "commitment term {id} is not one product {product} offers ({})",
                terms
                    .iter()
                    .filter_map(|t| t["id"].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            None => Ok(terms
                .iter()
                .find(|t| t["term"].as_str() == Some(term))
                .or(terms.first())
                .and_then(|t| text(&t["id"]))),
        }
    }

    async fn provisioning(&self, product: &str, options: &ApiOptions) -> Result<Vec<Value>, ApiError> {
        let v = self.get_json(&format!("/products/{product}/provision-details")).await?;
        let asked: Vec<&Value> = v["content"].as_array().into_iter().flatten().collect();
        if asked.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for (key, values) in &options.provision {
            let Some(detail) = asked.iter().find(|d| d["key"].as_str() == Some(key)) else {
                continue;
            };
            if let Some(possible) = detail["possibleValues"].as_array() {
                for value in values {
                    if !possible.iter().any(|p| p.as_str() == Some(value)) {
                        problems.push(format!(
                            "{key} must be one of: {}",
                            possible
                                .iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(" | ")
                        ));
                    }
                }
            }
            out.push(json!({"key": key, "values": values}));
        }
        if out.is_empty() {
            let wanted: Vec<String> = asked
                .iter()
                .filter_map(|d| {
                    Some(format!(
                        "{} ({})",
                        d["key"].as_str()?,
                        d["label"].as_str().unwrap_or("")
                    ))
                })
                .collect();
            problems.push(format!(
                "product {product} needs provisioning details, given as --provision KEY=VALUE: {}",
                wanted.join("; ")
            ));
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(ApiError::Incomplete(problems.join("; ")))
        }
    }

    async fn body(&self, order: &Order) -> Result<Value, ApiError> {
        let options = order.api_options();
        let term = options.billing_term.unwrap_or(BillingTerm::Monthly).as_str();
        let company = self.company(order).await?;
        let mut items = Vec::new();
        for (i, l) in order.lines.iter().enumerate() {
            let product = l.pax8_product_id.as_deref().unwrap_or_default();
            let mut item = json!({
                "lineItemNumber": i + 1,
                "productId": product,
                "quantity": l.quantity,
                "billingTerm": term,
            });
            if let Some(c) = self.commitment(product, &options, term).await? {
                item["commitmentTermId"] = json!(c);
            }
            let details = self.provisioning(product, &options).await?;
            if !details.is_empty() {
                item["provisioningDetails"] = Value::Array(details);
            }
            items.push(item);
        }
        Ok(json!({"companyId": company, "orderedBy": "Pax8 Partner", "lineItems": items}))
    }
}

impl DistributorApi for Pax8 {
    fn name(&self) -> &str {
        &self.name
    }

    fn check(&self, order: &Order) -> Result<(), ApiError> {
        distributor_rules::check(order, &DistributorAccount::new(DistributorRules::Pax8, None)).map_err(ApiError::from)
    }

    async fn submit(&self, order: &Order) -> Result<Placed, ApiError> {
        let body = self.body(order).await.map_err(before_sending)?;
        let url = self.http.url("/orders");
        let reply = self.call(|c| c.post(&url).json(&body)).await?;
        if !matches!(reply.status, 200 | 201) {
            return Err(error_of(&reply));
        }
        let v: Value = serde_json::from_str(&reply.body).map_err(|e| ApiError::Protocol(format!("not JSON: {e}")))?;
        let id = text(&v["id"]).ok_or_else(|| ApiError::Protocol("the answer holds no order id".into()))?;
        let subscriptions = v["lineItems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|li| {
                Some(SubscriptionRef {
                    id: text(&li["subscriptionId"])?,
                    product_id: text(&li["productId"]),
                    status: None,
                })
            })
            .collect();
        Ok(Placed {
            orders: vec![DistributorOrder {
                number: id,
                status: "ordered".into(),
                subscriptions,
                ..Default::default()
            }],
        })
    }

    async fn find(&self, _order: &Order) -> Option<Result<Option<Placed>, ApiError>> {
        None
    }

    async fn status(&self, order: &Order) -> Result<Vec<DistributorOrder>, ApiError> {
        let mut out = Vec::new();
        for o in order
            .submission()
            .map(|s| s.distributor_orders.clone())
            .unwrap_or_default()
        {
            let mut subs = Vec::new();
            for s in &o.subscriptions {
                let v = self.get_json(&format!("/subscriptions/{}", s.id)).await?;
                subs.push(SubscriptionRef {
                    status: text(&v["status"]),
                    ..s.clone()
                });
            }
            let statuses: Vec<String> = subs.iter().filter_map(|s| s.status.clone()).collect();
            let status = if !statuses.is_empty() && statuses.iter().all(|s| s == "Active") {
                "active".to_string()
            } else {
                statuses
                    .iter()
                    .find(|s| *s != "Active")
                    .map(|s| s.to_ascii_lowercase())
                    .unwrap_or_else(|| o.status.clone())
            };
            out.push(DistributorOrder {
                number: o.number.clone(),
                status,
                subscriptions: subs,
                ..Default::default()
            });
        }
        Ok(out)
    }

    async fn price(&self, q: &PriceQuery) -> Result<Price, ApiError> {
        let product = q
            .pax8_product_id
            .as_deref()
            .ok_or_else(|| ApiError::Incomplete("the item has no Pax8 product id".into()))?;
        let v = self.get_json(&format!("/products/{product}/pricing")).await?;
        let prices = v["content"].as_array().cloned().unwrap_or_default();
        let p = prices
            .iter()
            .find(|p| p["billingTerm"] == "Monthly")
            .or(prices.first())
            .ok_or_else(|| ApiError::Rejected(format!("Pax8 has no price for product {product}")))?;
        let rate = p["rates"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| {
                let start = r["startQuantityRange"].as_f64().unwrap_or(0.0);
                let end = r["endQuantityRange"].as_f64().unwrap_or(f64::MAX);
                (start..=end).contains(&f64::from(q.quantity.max(1)))
            })
            .or_else(|| p["rates"].get(0))
            .ok_or_else(|| ApiError::Protocol("no rate in the pricing".into()))?;
        Ok(Price {
            part: product.to_string(),
            unit_cost: decimal(&rate["partnerBuyRate"])
                .ok_or_else(|| ApiError::Protocol("no partnerBuyRate in the pricing".into()))?,
            currency: String::new(),
            available: None,
        })
    }

    fn poll_every(&self) -> Option<u64> {
        Some(self.poll)
    }
}
