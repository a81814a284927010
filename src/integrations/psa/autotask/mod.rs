//! Autotask (REST v1.0): zone discovery, `ApiIntegrationCode`/`UserName`/`Secret` headers,
//! picklist labels resolved through `entityInformation/fields`.
//!
//! Per order: one post-sale ticket per customer company, one operational charge per goods
//! line (cost, price, quantity, product), a separate shipping charge with the configured
//! billing code, an internal-only note and a URL attachment linking to the order; when
//! "Enable for procurement" is on, a purchase order (vendor = the distributor's company,
//! ship-to the customer for dropship, `[company.warehouse]` for wholesale) with one item
//! per goods line at the configured inventory location, then submitted (Autotask adds
//! items only to a new purchase order and receives only against a submitted one); the
//! opportunity stage. Per receipt: receiving records on the PO items (quantity, serial
//! number, date). Services never become charges or PO items.
//!
//! Before each create, the fields the instance's `entityInformation/fields` marks
//! `isRequired` (read once per run, like the picklists) are checked: one Purser would leave
//! empty stops the sync with the entity and field named, before anything is sent.
//!
//! Our references, looked up before creating again: ticket `purchaseOrderNumber` = the PO
//! number; charge `internalPurchaseOrderNumber` = `PO-…/L{n}` (`/SHIP`); note and
//! attachment title; PO `externalPONumber`; PO item `memo`; receiving by item, date and serial.

mod checks;
mod receiving;
mod sync;

use super::http::{as_id, Http, PsaError};
use super::{secret, LineData, OrderData, Run};
use crate::config::{AutotaskSettings, Config};
use crate::domain::{Address, Order, OrderType};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// The public zone-discovery root.
pub const DEFAULT_ZONE_URL: &str = "https://webservices.autotask.net/ATServicesRest";

pub struct Autotask {
    http: Http,
    zone_url: String,
    code: String,
    secret: String,
    s: AutotaskSettings,
    config: Config,
    base: Mutex<Option<String>>,
    fields: Mutex<HashMap<String, Vec<Value>>>,
}

pub(super) fn eq_filter(field: &str, value: impl Into<Value>) -> Value {
    json!({"op": "eq", "field": field, "value": value.into()})
}

impl Autotask {
    pub fn from_config(config: &Config) -> Result<Self, PsaError> {
        let s = config
            .psa
            .autotask
            .clone()
            .ok_or_else(|| PsaError::Config("[psa.autotask] is missing".into()))?;
        let mut http = Http::new("Autotask", config.psa.timeout())?;
        http.validation_500 = true;
        Ok(Autotask {
            http,
            zone_url: config
                .psa
                .base_url
                .clone()
                .unwrap_or_else(|| DEFAULT_ZONE_URL.to_string())
                .trim_end_matches('/')
                .to_string(),
            code: secret(
                &s.integration_code_env,
                &s.integration_code_file,
                "Autotask API integration code",
            )?,
            secret: secret(&s.secret_env, &s.secret_file, "Autotask API secret")?,
            s,
            config: config.clone(),
            base: Mutex::new(None),
            fields: Mutex::new(HashMap::new()),
        })
    }

    fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .client()
            .request(method, url)
            .header("ApiIntegrationCode", &self.code)
            .header("UserName", &self.s.username)
            .header("Secret", &self.secret)
            .header("Accept", "application/json");
        if let Some(id) = self.s.impersonation_resource_id {
            r = r.header("ImpersonationResourceId", id.to_string());
        }
        r
    }

    /// The zone's API root (`…/ATServicesRest/`), discovered once per run.
    async fn base(&self) -> Result<String, PsaError> {
        if let Some(b) = self
            .base
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            return Ok(b.clone());
        }
        let key = format!("autotask-zone {} {}", self.zone_url, self.s.username);
        if let Some(b) = crate::integrations::cache::get(&key) {
            *self.base.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(b.clone());
            return Ok(b);
        }
        let url = format!("{}/V1.0/ZoneInformation", self.zone_url);
        let v = self
            .http
            .send(
                "finding the Autotask zone of the API user",
                self.request(Method::GET, &url).query(&[("user", &self.s.username)]),
            )
            .await?;
        let zone = v
            .get("url")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                PsaError::Permanent(format!(
                    "Autotask knows no zone for the API user {}; check [psa.autotask] username",
                    self.s.username
                ))
            })?;
        let b = format!("{}/", zone.trim_end_matches('/'));
        crate::integrations::cache::put(&key, &b, std::time::Duration::from_secs(3600));
        *self.base.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(b.clone());
        Ok(b)
    }

    async fn url(&self, path: &str) -> Result<String, PsaError> {
        Ok(format!("{}V1.0/{path}", self.base().await?))
    }

    async fn query(&self, entity: &str, filter: Vec<Value>, what: &str) -> Result<Vec<Value>, PsaError> {
        let url = self.url(&format!("{entity}/query")).await?;
        let v = self
            .http
            .send(
                what,
                self.request(Method::POST, &url)
                    .json(&json!({"maxRecords": 500, "filter": filter})),
            )
            .await?;
        Ok(v.get("items").and_then(Value::as_array).cloned().unwrap_or_default())
    }

    async fn find_one(&self, entity: &str, filter: Vec<Value>, what: &str) -> Result<Option<i64>, PsaError> {
        Ok(self
            .query(entity, filter, what)
            .await?
            .first()
            .and_then(|i| i.get("id"))
            .and_then(as_id))
    }

    /// Creates an `entity` at `path`, after checking that no field the instance requires
    /// is left empty.
    async fn create(&self, entity: &str, path: &str, body: Value, what: &str) -> Result<i64, PsaError> {
        let missing = self.missing_required(entity, &body).await?;
        if !missing.is_empty() {
            return Err(PsaError::Permanent(format!(
                "Purser stopped before {what}: this Autotask requires {} on {entity}, which Purser would leave empty; nothing was sent",
                missing.join(" and ")
            )));
        }
        let url = self.url(path).await?;
        let v = self
            .http
            .send(what, self.request(Method::POST, &url).json(&body))
            .await?;
        v.get("itemId")
            .and_then(as_id)
            .ok_or_else(|| PsaError::temporary(format!("Autotask answered without an itemId while {what}")))
    }

    async fn entity_fields(&self, entity: &str) -> Result<Vec<Value>, PsaError> {
        if let Some(f) = self
            .fields
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(entity)
        {
            return Ok(f.clone());
        }
        let url = self.url(&format!("{entity}/entityInformation/fields")).await?;
        let v = self
            .http
            .send(&format!("reading the {entity} fields"), self.request(Method::GET, &url))
            .await?;
        let fields = v.get("fields").and_then(Value::as_array).cloned().unwrap_or_default();
        self.fields
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(entity.to_string(), fields.clone());
        Ok(fields)
    }

    /// The fields of `entity` the instance marks `isRequired` (and not read-only) that
    /// `body` leaves empty: absent, null or blank text.
    async fn missing_required(&self, entity: &str, body: &Value) -> Result<Vec<String>, PsaError> {
        Ok(self
            .entity_fields(entity)
            .await?
            .iter()
            .filter(|f| f.get("isRequired").and_then(Value::as_bool) == Some(true))
            .filter(|f| f.get("isReadOnly").and_then(Value::as_bool) != Some(true))
            .filter_map(|f| f.get("name").and_then(Value::as_str))
            .filter(|name| match body.get(*name) {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                Some(_) => false,
            })
            .map(str::to_string)
            .collect())
    }

    /// The code of picklist `field` of `entity` whose label is `label` (active values only).
    async fn pick(&self, entity: &str, field: &str, label: &str, key: &str) -> Result<i64, PsaError> {
        let fields = self.entity_fields(entity).await?;
        let f = fields
            .iter()
            .find(|f| {
                f.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(field))
            })
            .ok_or_else(|| PsaError::Permanent(format!("Autotask {entity} has no field {field}")))?;
        let values: Vec<&Value> = f
            .get("picklistValues")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter(|v| v.get("isActive").and_then(Value::as_bool) != Some(false))
                    .collect()
            })
            .unwrap_or_default();
        let found = values.iter().find(|v| {
            v.get("label")
                .and_then(Value::as_str)
                .is_some_and(|l| l.trim().eq_ignore_ascii_case(label.trim()))
        });
        match found.and_then(|v| v.get("value")).and_then(as_id) {
            Some(code) => Ok(code),
            None => {
                let offered: Vec<&str> = values
                    .iter()
                    .filter_map(|v| v.get("label").and_then(Value::as_str))
                    .collect();
                Err(PsaError::Permanent(format!(
                    "{key} = \"{label}\" is not a {field} of Autotask {entity}; this Autotask offers: {}",
                    if offered.is_empty() {
                        "nothing".to_string()
                    } else {
                        offered.join(", ")
                    }
                )))
            }
        }
    }

    /// The codes of the new and the submitted purchase-order status. They must differ:
    /// Autotask adds items only to a new purchase order and receives only against a
    /// submitted one.
    async fn po_statuses(&self) -> Result<(i64, i64), PsaError> {
        let new = self
            .pick(
                "PurchaseOrders",
                "status",
                self.setting(&self.s.purchase_order_status, "purchase_order_status")?,
                "[psa.autotask] purchase_order_status",
            )
            .await?;
        let submitted = self
            .pick(
                "PurchaseOrders",
                "status",
                &self.s.purchase_order_submitted_status,
                "[psa.autotask] purchase_order_submitted_status",
            )
            .await?;
        if new == submitted {
            return Err(PsaError::Permanent(format!(
                "[psa.autotask] purchase_order_status and purchase_order_submitted_status both name Autotask purchase-order status {new}; Autotask adds items only to a new purchase order and receives only against a submitted one: name its New and Submitted statuses"
            )));
        }
        Ok((new, submitted))
    }

    /// Moves the purchase order from its new status to the submitted one, once, as the
    /// order is placed: Autotask receives only against a submitted purchase order. One that
    /// is no longer new (a person moved it on) is left as it is.
    async fn submit(&self, run: &mut Run<'_>, order_id: i64, new: i64, submitted: i64) -> Result<(), PsaError> {
        let url = self.url("PurchaseOrders").await?;
        run.update("purchase_order/submitted", "PurchaseOrder", async || {
            let status = self
                .query(
                    "PurchaseOrders",
                    vec![eq_filter("id", order_id)],
                    "reading the status of the purchase order",
                )
                .await?
                .first()
                .and_then(|p| p.get("status"))
                .and_then(as_id);
            if status != Some(new) {
                return Ok(());
            }
            self.http
                .send(
                    &format!("submitting purchase order {order_id}"),
                    self.request(Method::PATCH, &url)
                        .json(&json!({"id": order_id, "status": submitted})),
                )
                .await
                .map(|_| ())
        })
        .await
    }

    /// Where a purchase order ships to: the customer's address for dropship, the company's
    /// `[company.warehouse]` for wholesale.
    fn ship_to(&self, o: &Order) -> Option<Address> {
        match o.order_type {
            OrderType::Dropship => o.ship_to.clone(),
            OrderType::Wholesale => self.config.company.as_ref().and_then(|c| c.warehouse()),
        }
    }

    /// The ship-to fields of a purchase order for address `a`.
    fn set_ship_to(body: &mut Value, a: &Address) {
        let mut lines = a.street.as_deref().unwrap_or("").lines();
        body["shipToName"] = json!(a.name.clone().or_else(|| a.attention.clone()).unwrap_or_default());
        body["shipToAddress1"] = json!(lines.next().unwrap_or(""));
        body["shipToAddress2"] = json!(lines.collect::<Vec<_>>().join(", "));
        body["shipToCity"] = json!(a.city.clone().unwrap_or_default());
        body["shipToState"] = json!(a.state.clone().unwrap_or_default());
        body["shipToPostalCode"] = json!(a.postal_code.clone().unwrap_or_default());
        if let Some(p) = &a.phone {
            body["phone"] = json!(p);
        }
    }

    /// What to do about required purchase-order fields the ship-to leaves empty.
    fn ship_to_hint(&self, order_type: OrderType) -> &'static str {
        let warehouse = self.config.company.as_ref().and_then(|c| c.warehouse.as_ref());
        match (order_type, warehouse) {
            (OrderType::Wholesale, None) => {
                "a wholesale order ships to [company.warehouse], which is not set: add it to the configuration"
            }
            (OrderType::Wholesale, Some(_)) => "a wholesale order ships to [company.warehouse]: complete it",
            (OrderType::Dropship, _) => "a dropship order ships to its ship-to address: complete it on the order",
        }
    }

    /// `sync check`: the ship-to fields this Autotask requires on every purchase order that
    /// a wholesale order, shipping to `[company.warehouse]`, would leave empty.
    async fn check_ship_to(&self) -> Vec<String> {
        let mut body = json!({});
        if let Some(a) = self.config.company.as_ref().and_then(|c| c.warehouse()) {
            Self::set_ship_to(&mut body, &a);
        }
        match self.missing_required("PurchaseOrders", &body).await {
            Err(PsaError::Temporary { message, .. }) => vec![message],
            Err(e) => vec![e.to_string()],
            Ok(missing) => {
                let missing: Vec<String> = missing
                    .into_iter()
                    .filter(|f| f.starts_with("shipTo") || f == "phone")
                    .collect();
                if missing.is_empty() {
                    Vec::new()
                } else {
                    vec![format!(
                        "this Autotask requires {} on every purchase order (PurchaseOrders): {}",
                        missing.join(" and "),
                        self.ship_to_hint(OrderType::Wholesale)
                    )]
                }
            }
        }
    }

    fn setting<'a>(&self, v: &'a Option<String>, key: &str) -> Result<&'a str, PsaError> {
        v.as_deref()
            .ok_or_else(|| PsaError::Config(format!("[psa.autotask] needs {key}")))
    }

    /// Everything that can be refused before anything is sent.
    async fn preflight(&self, data: &OrderData) -> Result<(), PsaError> {
        let po = data.order.number;
        let mut problems = Vec::new();
        for l in &data.lines {
            match &l.line.psa_company_id {
                None => problems.push(format!(
                    "line {} ({}) has no Autotask company id for {}",
                    l.n, l.line.sku, l.line.customer_name
                )),
                Some(c) if c.trim().parse::<i64>().is_err() => {
                    problems.push(format!("line {}: company id `{c}` is not an Autotask id", l.n))
                }
                _ => {}
            }
            if let Some(p) = &l.line.psa_product_id {
                if p.trim().parse::<i64>().is_err() {
                    problems.push(format!(
                        "line {} ({}): product id `{p}` is not an Autotask id",
                        l.n, l.line.sku
                    ));
                }
            } else if self.s.purchase_orders && !l.is_service {
                problems.push(format!(
                    "line {} ({}) has no Autotask product; purchase-order items need products synced to Autotask",
                    l.n, l.line.sku
                ));
            }
        }
        for o in &data.opportunities {
            if o.trim().parse::<i64>().is_err() {
                problems.push(format!("opportunity `{o}` is not an Autotask id"));
            }
        }
        if self.s.purchase_orders && !self.config.psa.vendors.contains_key(&data.order.distributor) {
            problems.push(format!(
                "distributor `{}` has no Autotask vendor company; add it under [psa.vendors]",
                data.order.distributor
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(PsaError::Permanent(format!(
                "{po} was not sent to Autotask: {}",
                problems.join("; ")
            )))
        }
    }

    fn ticket_key(company: i64) -> String {
        format!("ticket/{company}")
    }

    fn line_company(l: &LineData) -> i64 {
        l.line
            .psa_company_id
            .as_deref()
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or_default()
    }

    async fn stage(
        &self,
        run: &mut Run<'_>,
        data: &OrderData,
        which: &str,
        name: Option<String>,
    ) -> Result<(), PsaError> {
        let Some(name) = name else { return Ok(()) };
        if data.opportunities.is_empty() {
            return Ok(());
        }
        let code = self
            .pick("Opportunities", "stage", &name, &format!("[psa.stages] {which}"))
            .await?;
        for o in &data.opportunities {
            let id: i64 = o.trim().parse().unwrap_or_default();
            let url = self.url("Opportunities").await?;
            run.update(&format!("stage/{which}/{id}"), "Opportunity", async || {
                self.http
                    .send(
                        &format!("setting opportunity {id} to stage {name}"),
                        self.request(Method::PATCH, &url)
                            .json(&json!({"id": id, "stage": code})),
                    )
                    .await
                    .map(|_| ())
            })
            .await?;
        }
        Ok(())
    }
}
