//! Fake HaloPSA API: OAuth2 client credentials at `/auth/token`, Bearer tokens on `/api`,
//! writes as JSON arrays answered with the created object. It refuses unknown clients,
//! items, suppliers, stock locations and bins, purchase-order lines that are not on the
//! sales order, stock beyond what the purchase order line holds, and a serial twice.
//! `GET /Supplier/{id}` answers the company, with `is_supplier` and `is_manufacturer`, as
//! Halo does: a manufacturer-only company is found (200) but is no supplier, and orders
//! naming it as their supplier are refused.
//!
//! The published specification has no quantity on sales and purchase order lines (the
//! database column is `OLorderqty`); the sandbox takes `quantity` there, as Purser's
//! default `line_quantity_field` sends — confirm the name on a real instance.

use super::spec::Spec;
use super::{Answer, FakePsa, Req, Routes, Shared};
use serde_json::{json, Value};

pub const SPEC: &str = include_str!("../../../tests/fixtures/psa/halopsa-trimmed.json");

/// The sandbox's credentials and preset records.
#[derive(Debug, Clone)]
pub struct HalopsaSandbox {
    pub client_id: String,
    pub client_secret: String,
    pub clients: Vec<i64>,
    pub suppliers: Vec<i64>,
    /// Companies that are manufacturers only (`is_supplier: false`): (id, name).
    pub manufacturers: Vec<(i64, String)>,
    /// Items: (id, asset type id when serialized).
    pub items: Vec<(i64, Option<i64>)>,
    pub stock_locations: Vec<i64>,
    pub stock_bins: Vec<i64>,
    pub opportunities: Vec<i64>,
    /// Opportunity statuses: (id, name).
    pub statuses: Vec<(i64, String)>,
}

impl Default for HalopsaSandbox {
    fn default() -> Self {
        HalopsaSandbox {
            client_id: "purser-sandbox-client".into(),
            client_secret: "sandbox-secret-not-for-production".into(),
            clients: vec![12, 13],
            suppliers: vec![41],
            manufacturers: vec![(44, "Lenovo".into())],
            items: vec![(501, Some(7)), (502, None), (503, None)],
            stock_locations: vec![2],
            stock_bins: vec![5],
            opportunities: vec![880],
            statuses: vec![
                (1, "New".into()),
                (21, "Won - Ordering".into()),
                (22, "Partially Delivered".into()),
                (23, "Delivered".into()),
            ],
        }
    }
}

struct Halo {
    spec: Spec,
    cfg: HalopsaSandbox,
    tokens: Vec<String>,
}

fn bad(msg: impl Into<String>) -> Answer {
    Answer::status(400, Value::String(msg.into()))
}

fn list(key: &str, items: Vec<Value>) -> Answer {
    Answer::ok(json!({"record_count": items.len(), key: items}))
}

fn id_of(v: &Value, f: &str) -> Option<i64> {
    v.get(f).and_then(Value::as_i64)
}

impl Halo {
    fn elements(&self, req: &Req) -> Result<Vec<Value>, Answer> {
        match &req.body {
            Some(Value::Array(a)) if !a.is_empty() => Ok(a.clone()),
            _ => Err(bad("the body must be a JSON array of records")),
        }
    }

    fn need(&self, v: &Value, fields: &[&str], what: &str) -> Result<(), Answer> {
        for f in fields {
            if v.get(*f).is_none_or(Value::is_null) {
                return Err(bad(format!("{what}: {f} is required")));
            }
        }
        Ok(())
    }

    fn is_supplier(&self, v: &Value) -> bool {
        id_of(v, "supplier_id").is_some_and(|s| self.cfg.suppliers.contains(&s))
    }

    fn item(&self, id: Option<i64>) -> Option<(i64, Option<i64>)> {
        id.and_then(|i| self.cfg.items.iter().find(|(x, _)| *x == i).copied())
    }

    fn lines(&self, shared: &mut Shared, v: &mut Value, parent: &str, parent_id: i64) -> Result<(), Answer> {
        let mut lines = v["lines"].as_array().cloned().unwrap_or_default();
        if lines.is_empty() {
            return Err(bad("an order needs lines"));
        }
        for l in &mut lines {
            if self.item(id_of(l, "item_id")).is_none() {
                return Err(bad(format!("item {} does not exist", l["item_id"])));
            }
            if l.get("quantity").and_then(Value::as_i64).unwrap_or(0) <= 0 {
                return Err(bad("a line needs a quantity"));
            }
            l["id"] = json!(shared.new_id());
            l[parent] = json!(parent_id);
        }
        v["lines"] = Value::Array(lines);
        Ok(())
    }

    fn post(&mut self, shared: &mut Shared, req: &Req, what: &str) -> Result<Value, Answer> {
        let mut out = Vec::new();
        for mut v in self.elements(req)? {
            if v.get("id").and_then(Value::as_i64).is_some_and(|i| i > 0) && what != "Opportunities" {
                return Err(bad("updates are not served by the sandbox"));
            }
            match what {
                "SalesOrder" => {
                    self.need(&v, &["client_id", "lines"], "sales order")?;
                    if !id_of(&v, "client_id").is_some_and(|c| self.cfg.clients.contains(&c)) {
                        return Err(bad(format!("client {} does not exist", v["client_id"])));
                    }
                    if let Some(t) = id_of(&v, "ticket_id") {
                        if !self.cfg.opportunities.contains(&t) {
                            return Err(bad(format!("ticket {t} does not exist")));
                        }
                    }
                    for l in v["lines"].as_array().into_iter().flatten() {
                        if l.get("supplier_id").is_some() && !self.is_supplier(l) {
                            return Err(bad(format!("supplier {} is not a supplier", l["supplier_id"])));
                        }
                    }
                    let id = shared.new_id();
                    v["id"] = json!(id);
                    self.lines(shared, &mut v, "salesorder_id", id)?;
                }
                "PurchaseOrder" => {
                    self.need(&v, &["supplier_id", "lines"], "purchase order")?;
                    if !self.is_supplier(&v) {
                        return Err(bad(format!("supplier {} is not a supplier company", v["supplier_id"])));
                    }
                    let so = id_of(&v, "salesorder_id").and_then(|s| shared.get("SalesOrder", s).cloned());
                    if v.get("salesorder_id").is_some() && so.is_none() {
                        return Err(bad(format!("sales order {} does not exist", v["salesorder_id"])));
                    }
                    for l in v["lines"].as_array().into_iter().flatten() {
                        if let (Some(sol), Some(so)) = (id_of(l, "salesorder_line_id"), &so) {
                            if !so["lines"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .any(|x| id_of(x, "id") == Some(sol))
                            {
                                return Err(bad(format!(
                                    "sales order line {sol} is not on sales order {}",
                                    so["id"]
                                )));
                            }
                        }
                    }
                    let id = shared.new_id();
                    v["id"] = json!(id);
                    self.lines(shared, &mut v, "purchaseorder_id", id)?;
                }
                "Actions" => {
                    if v.get("ticket_id").is_none() && v.get("salesorder_id").is_none() {
                        return Err(bad("an action needs a ticket or a sales order"));
                    }
                    self.need(&v, &["note"], "action")?;
                    v["id"] = json!(shared.new_id());
                }
                "ItemStock" => {
                    self.need(&v, &["item_id", "stocklocation_id", "quantity_in"], "stock")?;
                    if self.item(id_of(&v, "item_id")).is_none() {
                        return Err(bad(format!("item {} does not exist", v["item_id"])));
                    }
                    if !id_of(&v, "stocklocation_id").is_some_and(|s| self.cfg.stock_locations.contains(&s)) {
                        return Err(bad(format!("stock location {} does not exist", v["stocklocation_id"])));
                    }
                    if v.get("stockbin_id").is_some()
                        && !id_of(&v, "stockbin_id").is_some_and(|s| self.cfg.stock_bins.contains(&s))
                    {
                        return Err(bad(format!("stock bin {} does not exist", v["stockbin_id"])));
                    }
                    if v.get("supplier_id").is_some() && !self.is_supplier(&v) {
                        return Err(bad(format!("supplier {} is not a supplier", v["supplier_id"])));
                    }
                    if let Some(pol) = id_of(&v, "purchaseorder_line_id") {
                        let po = id_of(&v, "purchaseorder_id").and_then(|p| shared.get("PurchaseOrder", p));
                        let line = po.and_then(|p| {
                            p["lines"]
                                .as_array()
                                .and_then(|ls| ls.iter().find(|l| id_of(l, "id") == Some(pol)).cloned())
                        });
                        let Some(line) = line else {
                            return Err(bad(format!(
                                "purchase order line {pol} is not on purchase order {}",
                                v["purchaseorder_id"]
                            )));
                        };
                        let before: f64 = shared
                            .all("ItemStock")
                            .iter()
                            .filter(|s| id_of(s, "purchaseorder_line_id") == Some(pol))
                            .map(|s| s["quantity_in"].as_f64().unwrap_or(0.0))
                            .sum();
                        let now = v["quantity_in"].as_f64().unwrap_or(0.0);
                        if now <= 0.0 || before + now > line["quantity"].as_f64().unwrap_or(0.0) {
                            return Err(bad(format!(
                                "cannot book {now} more: {before} of {} already in stock",
                                line["quantity"]
                            )));
                        }
                    }
                    v["id"] = json!(shared.new_id());
                }
                "Asset" => {
                    self.need(&v, &["assettype_id", "client_id", "key_field"], "asset")?;
                    let key = v["key_field"].as_str().unwrap_or("").to_string();
                    if shared
                        .all("Asset")
                        .iter()
                        .any(|a| a["key_field"].as_str() == Some(&key))
                    {
                        return Err(bad(format!("an asset with serial {key} exists already")));
                    }
                    v["id"] = json!(shared.new_id());
                }
                "Opportunities" => {
                    let id = id_of(&v, "id").unwrap_or(-1);
                    let status = id_of(&v, "status_id");
                    if !status.is_some_and(|s| self.cfg.statuses.iter().any(|(i, _)| *i == s)) {
                        return Err(bad(format!("status {} does not exist", v["status_id"])));
                    }
                    let Some(o) = shared.get_mut("Opportunities", id) else {
                        return Err(bad(format!("opportunity {id} does not exist")));
                    };
                    o["status_id"] = json!(status);
                    out.push(o.clone());
                    continue;
                }
                _ => return Err(bad("not served")),
            }
            shared.entities.entry(what.to_string()).or_default().push(v.clone());
            out.push(v);
        }
        Ok(if out.len() == 1 {
            out.remove(0)
        } else {
            Value::Array(out)
        })
    }
}

impl Routes for Halo {
    fn prefix(&self) -> &'static str {
        "/api"
    }

    fn spec(&self) -> &Spec {
        &self.spec
    }

    fn outside(&mut self, _shared: &mut Shared, req: &Req) -> Option<Answer> {
        if req.path != "/auth/token" {
            return None;
        }
        let form = match &req.body {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let fields: std::collections::HashMap<String, String> = form
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (super::decode(k), super::decode(v)))
            .collect();
        let ok = req.method == axum::http::Method::POST
            && fields.get("grant_type").map(String::as_str) == Some("client_credentials")
            && fields.get("client_id") == Some(&self.cfg.client_id)
            && fields.get("client_secret") == Some(&self.cfg.client_secret)
            && fields.contains_key("scope");
        if !ok {
            return Some(Answer::status(401, json!({"error": "invalid_client"})));
        }
        let token = format!("sandbox-token-{}", self.tokens.len() + 1);
        self.tokens.push(token.clone());
        Some(Answer::ok(
            json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600}),
        ))
    }

    fn authorize(&mut self, _shared: &mut Shared, req: &Req) -> Result<(), Answer> {
        let t = req.header("Authorization").unwrap_or_default();
        match t.strip_prefix("Bearer ") {
            Some(tok) if self.tokens.iter().any(|x| x == tok) => Ok(()),
            _ => Err(Answer::status(401, Value::String("Unauthorized".into()))),
        }
    }

    fn error_body(&self, messages: &[String]) -> Value {
        Value::String(messages.join("; "))
    }

    fn route(&mut self, shared: &mut Shared, req: &Req) -> Answer {
        let t = req.template.as_str();
        let q = |k: &str| req.query.get(k).cloned();
        let by = |entity: &str, field: &str, value: Option<String>| -> Vec<Value> {
            shared
                .all(entity)
                .iter()
                .filter(|v| {
                    value
                        .as_ref()
                        .is_none_or(|x| v[field].to_string().trim_matches('"') == x.as_str())
                })
                .cloned()
                .collect()
        };
        let result = match (req.method.as_str(), t) {
            ("POST", "/SalesOrder") => self.post(shared, req, "SalesOrder"),
            ("POST", "/PurchaseOrder") => self.post(shared, req, "PurchaseOrder"),
            ("POST", "/Actions") => self.post(shared, req, "Actions"),
            ("POST", "/ItemStock") => self.post(shared, req, "ItemStock"),
            ("POST", "/Asset") => self.post(shared, req, "Asset"),
            ("POST", "/Opportunities") => self.post(shared, req, "Opportunities"),
            ("GET", "/SalesOrder") => {
                let s = q("search").unwrap_or_default();
                let found: Vec<Value> = shared
                    .all("SalesOrder")
                    .iter()
                    .filter(|o| o["po_number"].as_str().unwrap_or("").contains(&s))
                    .cloned()
                    .collect();
                return list("orders", found);
            }
            ("GET", "/PurchaseOrder") => {
                return list(
                    "purchaseorders",
                    by("PurchaseOrder", "salesorder_id", q("salesorder_id")),
                )
            }
            ("GET", "/ItemStock") => return list("itemstock", by("ItemStock", "item_id", q("item_id"))),
            ("GET", "/Actions") => {
                // `actoutcome` filters on the action's outcome name.
                let outcome = q("actoutcome");
                let found: Vec<Value> = by("Actions", "ticket_id", q("ticket_id"))
                    .into_iter()
                    .filter(|a| outcome.as_deref().is_none_or(|o| a["outcome"].as_str() == Some(o)))
                    .collect();
                return list("actions", found);
            }
            ("GET", "/Asset") => {
                let s = q("search").unwrap_or_default();
                let found: Vec<Value> = by("Asset", "item_id", q("item_id"))
                    .into_iter()
                    .filter(|a| a["key_field"].as_str().unwrap_or("").contains(&s))
                    .collect();
                return list("assets", found);
            }
            ("GET", "/SalesOrder/{id}") => {
                return shared
                    .get("SalesOrder", req.param_id("id"))
                    .cloned()
                    .map_or_else(|| Answer::status(404, Value::Null), Answer::ok)
            }
            ("GET", "/PurchaseOrder/{id}") => {
                return shared
                    .get("PurchaseOrder", req.param_id("id"))
                    .cloned()
                    .map_or_else(|| Answer::status(404, Value::Null), Answer::ok)
            }
            ("GET", "/Item/{id}") => {
                return match self.item(Some(req.param_id("id"))) {
                    Some((id, at)) => {
                        Answer::ok(json!({"id": id, "name": format!("Item {id}"), "assettype_id": at.unwrap_or(0)}))
                    }
                    None => Answer::status(404, Value::Null),
                }
            }
            ("GET", "/Supplier/{id}") => {
                let id = req.param_id("id");
                let company = |name: String, supplier: bool| {
                    Answer::ok(json!({"id": id, "name": name, "is_supplier": supplier, "is_manufacturer": !supplier}))
                };
                return if self.cfg.suppliers.contains(&id) {
                    company(format!("Supplier {id}"), true)
                } else if let Some((_, name)) = self.cfg.manufacturers.iter().find(|(m, _)| *m == id) {
                    company(name.clone(), false)
                } else {
                    Answer::status(404, Value::String(format!("supplier {id} not found")))
                };
            }
            ("GET", "/Status") => {
                return Answer::ok(Value::Array(
                    self.cfg
                        .statuses
                        .iter()
                        .map(|(i, n)| json!({"id": i, "name": n}))
                        .collect(),
                ))
            }
            _ => Err(Answer::status(405, Value::Null)),
        };
        match result {
            Ok(v) => Answer::ok(v),
            Err(a) => a,
        }
    }
}

/// Starts a fake HaloPSA on 127.0.0.1. Configure Purser with `base_url = fake.root()`.
pub fn start(cfg: HalopsaSandbox) -> std::io::Result<FakePsa> {
    let mut shared = Shared {
        next_id: 9000,
        ..Default::default()
    };
    for &o in &cfg.opportunities {
        shared
            .entities
            .entry("Opportunities".into())
            .or_default()
            .push(json!({"id": o, "status_id": 1}));
    }
    let mut spec = Spec::parse(SPEC);
    spec.extend("OrderLine", "quantity", "number");
    spec.extend("SupplierOrderDetail", "quantity", "number");
    FakePsa::start(
        Box::new(Halo {
            spec,
            cfg,
            tokens: Vec::new(),
        }),
        shared,
    )
}
