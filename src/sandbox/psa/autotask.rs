//! Fake Autotask REST API: zone discovery, the three credential headers, picklists
//! through `entityInformation/fields` (with codes no client could guess), queries with
//! `eq`/`and` filters, creates answering `{"itemId": N}`, `PATCH /Opportunities`.
//! It refuses a create that leaves empty any field its own `entityInformation/fields`
//! marks `isRequired` (the same data it serves), inactive or unknown picklist codes,
//! references to companies, products, vendors, billing codes, inventory locations or
//! parents that do not exist, items on a purchase order that is no longer New, receiving
//! against a purchase order that is not Submitted (or Received Partial), and receiving more
//! than was ordered or a serial number twice. Receiving moves the purchase order to
//! Received Partial or Received Full, as Autotask does.

use super::spec::Spec;
use super::{Answer, FakePsa, Req, Routes, Shared};
use serde_json::{json, Value};

pub const SPEC: &str = include_str!("../../../tests/fixtures/psa/autotask-trimmed.json");

/// The sandbox's credentials and preset records.
#[derive(Debug, Clone)]
pub struct AutotaskSandbox {
    pub username: String,
    pub integration_code: String,
    pub secret: String,
    pub companies: Vec<i64>,
    pub products: Vec<i64>,
    pub vendors: Vec<i64>,
    pub opportunities: Vec<i64>,
    pub billing_codes: Vec<i64>,
    pub inventory_locations: Vec<i64>,
    /// Fields `entityInformation/fields` marks `isRequired`: (entity, field). Creates that
    /// leave one empty are refused. Tests may add some, as an instance's settings can.
    pub required: Vec<(&'static str, &'static str)>,
}

impl Default for AutotaskSandbox {
    fn default() -> Self {
        AutotaskSandbox {
            username: "purser-api@sandbox.example".into(),
            integration_code: "SANDBOX-INTEGRATION-CODE".into(),
            secret: "sandbox-secret-not-for-production".into(),
            companies: vec![174, 175],
            products: vec![29684, 29685, 29686],
            vendors: vec![29683],
            opportunities: vec![1201, 1202],
            billing_codes: vec![29682801],
            inventory_locations: vec![3],
            required: required_fields(),
        }
    }
}

/// One picklist: entity, field, and its (value, label, active) entries.
type Picklist = (&'static str, &'static str, Vec<(i64, &'static str, bool)>);

/// The picklists; codes are deliberately odd.
fn picklists() -> Vec<Picklist> {
    vec![
        (
            "Tickets",
            "status",
            vec![
                (1, "New", true),
                (8, "In Progress", true),
                (5, "Complete", true),
                (17, "Waiting Procurement", true),
            ],
        ),
        (
            "Tickets",
            "priority",
            vec![
                (4, "Critical", true),
                (1, "High", true),
                (2, "Medium", true),
                (3, "Low", true),
            ],
        ),
        (
            "Tickets",
            "queueID",
            vec![
                (29683482, "Post Sale", true),
                (8, "Client Portal", true),
                (29682833, "Level I Support", true),
            ],
        ),
        (
            "Tickets",
            "ticketType",
            vec![(1, "Service Request", true), (2, "Incident", true)],
        ),
        (
            "TicketCharges",
            "chargeType",
            vec![(1, "Operational", true), (2, "Capitalized", true)],
        ),
        (
            "TicketCharges",
            "status",
            vec![(1, "Pending", true), (7, "Ordered", true), (3, "Delivered", true)],
        ),
        (
            "TicketNotes",
            "noteType",
            vec![
                (1, "Task Summary", true),
                (13, "Task Detail", true),
                (3, "Task Notes", true),
            ],
        ),
        (
            "TicketNotes",
            "publish",
            vec![
                (1, "All Autotask Users", true),
                (2, "Internal Project Team", true),
                (4, "Internal Only", true),
            ],
        ),
        (
            "TicketAttachments",
            "publish",
            vec![(1, "All Autotask Users", true), (6, "Internal Only", true)],
        ),
        (
            "PurchaseOrders",
            "status",
            vec![
                (1, "New", true),
                (2, "Submitted", true),
                (3, "Received Partial", true),
                (4, "Received Full", true),
                (9, "Old New", false),
            ],
        ),
        (
            "Opportunities",
            "stage",
            vec![
                (1, "Proposal", true),
                (4, "Closed Won", true),
                (11, "Ordered", true),
                (12, "Partially Delivered", true),
                (13, "Delivered", true),
                (14, "Retired", false),
            ],
        ),
    ]
}

/// The fields a default instance marks `isRequired` (besides the read-only `id`), after
/// Autotask's entity reference pages: a purchase order needs `shipToName` and
/// `shipToAddress1` whatever it is for.
pub fn required_fields() -> Vec<(&'static str, &'static str)> {
    let per_entity: [(&'static str, &[&'static str]); 7] = [
        ("Tickets", &["companyID", "title", "status", "priority"]),
        (
            "TicketCharges",
            &[
                "ticketID",
                "name",
                "chargeType",
                "unitQuantity",
                "datePurchased",
                "isBillableToCompany",
            ],
        ),
        (
            "TicketNotes",
            &["ticketID", "title", "description", "noteType", "publish"],
        ),
        ("TicketAttachments", &["title", "attachmentType", "fullPath", "publish"]),
        (
            "PurchaseOrders",
            &["vendorID", "status", "shipToName", "shipToAddress1"],
        ),
        (
            "PurchaseOrderItems",
            &["orderID", "productID", "quantity", "unitCost", "inventoryLocationID"],
        ),
        (
            "PurchaseOrderItemReceiving",
            &["purchaseOrderItemID", "quantityNowReceiving"],
        ),
    ];
    per_entity
        .iter()
        .flat_map(|(e, fs)| fs.iter().map(move |f| (*e, *f)))
        .collect()
}

/// The definition behind each entity's `entityInformation/fields`.
fn model(entity: &str) -> &'static str {
    match entity {
        "Tickets" => "TicketModel",
        "TicketCharges" => "TicketChargeModel",
        "TicketNotes" => "TicketNoteModel",
        "TicketAttachments" => "TicketAttachmentModel",
        "PurchaseOrders" => "PurchaseOrderModel",
        "PurchaseOrderItems" => "PurchaseOrderItemModel",
        "PurchaseOrderItemReceiving" => "PurchaseOrderItemReceivingModel",
        "Opportunities" => "OpportunityModel",
        _ => "",
    }
}

/// Whether a value leaves a field empty: absent, null, or blank text.
fn empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        _ => false,
    }
}

struct Autotask {
    spec: Spec,
    cfg: AutotaskSandbox,
    base: String,
    /// What `entityInformation/fields` serves, per entity: built once, and the only source
    /// of the required flags and picklist codes checked on writes.
    fields: std::collections::BTreeMap<String, Value>,
}

fn err(status: u16, msg: impl Into<String>) -> Answer {
    Answer::status(status, json!({"errors": [msg.into()]}))
}

fn matches(item: &Value, f: &Value) -> bool {
    let op = f["op"].as_str().unwrap_or("eq").to_ascii_lowercase();
    match op.as_str() {
        "and" => f["items"]
            .as_array()
            .is_some_and(|i| i.iter().all(|x| matches(item, x))),
        "or" => f["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|x| matches(item, x))),
        "eq" => {
            let field = f["field"].as_str().unwrap_or("");
            let got = item
                .as_object()
                .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(field)))
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null);
            same(&got, &f["value"])
        }
        "exist" => !item[f["field"].as_str().unwrap_or("")].is_null(),
        _ => false,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.to_string() == y.to_string(),
        (Value::Number(x), Value::String(y)) | (Value::String(y), Value::Number(x)) => x.to_string() == *y,
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

/// The `entityInformation/fields` answer of every entity the sandbox serves.
fn all_fields(cfg: &AutotaskSandbox) -> std::collections::BTreeMap<String, Value> {
    let spec: Value = serde_json::from_str(SPEC).unwrap_or(Value::Null);
    [
        "Tickets",
        "TicketCharges",
        "TicketNotes",
        "TicketAttachments",
        "PurchaseOrders",
        "PurchaseOrderItems",
        "PurchaseOrderItemReceiving",
        "Opportunities",
    ]
    .iter()
    .map(|e| (e.to_string(), entity_fields(&spec, cfg, e)))
    .collect()
}

fn entity_fields(spec: &Value, cfg: &AutotaskSandbox, entity: &str) -> Value {
    let props = spec["definitions"][model(entity)]["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let lists = picklists();
    let fields: Vec<Value> = props
        .iter()
        .map(|(name, p)| {
            let pick = lists.iter().find(|(e, f, _)| *e == entity && f == name);
            // Autotask reports `id` as required and read-only.
            let required = name == "id" || cfg.required.iter().any(|(e, f)| *e == entity && f == name);
            json!({
                "name": name,
                "dataType": p["type"].as_str().unwrap_or("object"),
                "isRequired": required,
                "isReadOnly": name == "id",
                "isQueryable": true,
                "isReference": name.ends_with("ID") && name != "id",
                "isPickList": pick.is_some(),
                "picklistValues": pick.map(|(_, _, v)| v.iter().map(|(value, label, active)| json!({
                    "value": value.to_string(), "label": label, "isActive": active,
                    "isDefaultValue": false, "isSystem": false, "sortOrder": 0, "parentValue": ""
                })).collect::<Vec<_>>()).unwrap_or_default(),
            })
        })
        .collect();
    json!({"fields": fields})
}

impl Autotask {
    fn fields(&self, entity: &str) -> Value {
        self.fields
            .get(entity)
            .cloned()
            .unwrap_or_else(|| json!({"fields": []}))
    }

    /// The served field definitions of `entity`.
    fn defs(&self, entity: &str) -> Vec<Value> {
        self.fields
            .get(entity)
            .and_then(|f| f["fields"].as_array().cloned())
            .unwrap_or_default()
    }

    /// The code of picklist `field` of `entity` labelled `label`, as served.
    fn code(&self, entity: &str, field: &str, label: &str) -> Option<i64> {
        self.defs(entity)
            .iter()
            .find(|f| f["name"] == field)?
            .get("picklistValues")?
            .as_array()?
            .iter()
            .find(|v| v["label"] == label)
            .and_then(|v| v["value"].as_str()?.parse().ok())
    }

    /// Checks a write on `entity` against its served fields: every `isRequired` field that
    /// is not read-only has a value (for a `partial` update: keeps one, when sent), and
    /// every picklist value is an active one.
    fn validate(&self, entity: &str, body: &Value, partial: bool) -> Vec<String> {
        let mut out = Vec::new();
        for f in self.defs(entity) {
            let name = f["name"].as_str().unwrap_or("");
            let given = body.get(name);
            let emptied = if partial {
                given.is_some() && empty(given)
            } else {
                empty(given)
            };
            if f["isRequired"] == true && f["isReadOnly"] != true && emptied {
                out.push(format!("{entity}: the required field {name} has no value"));
            }
            if f["isPickList"] != true {
                continue;
            }
            if let Some(v) = given.filter(|v| !v.is_null()) {
                let ok = f["picklistValues"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["isActive"] == true && p["value"].as_str().is_some_and(|c| same(v, &json!(c))));
                if !ok {
                    out.push(format!("{entity}: {v} is not an active value of picklist {name}"));
                }
            }
        }
        out
    }

    fn refs(&self, shared: &Shared, checks: &[(&str, &Value, &[i64], Option<&str>)]) -> Vec<String> {
        let mut out = Vec::new();
        for (name, v, preset, created) in checks {
            if v.is_null() {
                continue;
            }
            let id = v.as_i64().unwrap_or(-1);
            let known = preset.contains(&id) || created.is_some_and(|e| shared.get(e, id).is_some());
            if !known {
                out.push(format!("{name} {v} does not exist"));
            }
        }
        out
    }

    fn create(&self, shared: &mut Shared, entity: &str, mut body: Value, parent: Option<(&str, i64)>) -> Answer {
        if let Some((field, id)) = parent {
            match body.get(field).and_then(Value::as_i64) {
                Some(given) if given != id => {
                    return err(
                        400,
                        format!("{field} {given} does not match the parent {id} in the path"),
                    )
                }
                _ => body[field] = json!(id),
            }
        }
        let mut problems = self.validate(entity, &body, false);
        let c = &self.cfg;
        let b = body.clone();
        problems.extend(match entity {
            "Tickets" => self.refs(
                shared,
                &[
                    ("companyID", &b["companyID"], &c.companies, None),
                    ("opportunityID", &b["opportunityID"], &c.opportunities, None),
                ],
            ),
            "TicketCharges" => self.refs(
                shared,
                &[
                    ("ticketID", &b["ticketID"], &[], Some("Tickets")),
                    ("productID", &b["productID"], &c.products, None),
                    ("billingCodeID", &b["billingCodeID"], &c.billing_codes, None),
                ],
            ),
            "TicketNotes" => self.refs(shared, &[("ticketID", &b["ticketID"], &[], Some("Tickets"))]),
            "TicketAttachments" => {
                let mut p = self.refs(shared, &[("parentID", &b["parentID"], &[], Some("Tickets"))]);
                if b["attachmentType"].as_str() != Some("URL") && b["data"].is_null() {
                    p.push("a FILE_ATTACHMENT needs data".into());
                }
                p
            }
            "PurchaseOrders" => self.refs(
                shared,
                &[
                    ("vendorID", &b["vendorID"], &c.vendors, None),
                    ("purchaseForCompanyID", &b["purchaseForCompanyID"], &c.companies, None),
                ],
            ),
            "PurchaseOrderItems" => {
                let mut p = self.refs(
                    shared,
                    &[
                        ("orderID", &b["orderID"], &[], Some("PurchaseOrders")),
                        ("productID", &b["productID"], &c.products, None),
                        (
                            "inventoryLocationID",
                            &b["inventoryLocationID"],
                            &c.inventory_locations,
                            None,
                        ),
                        ("ticketID", &b["ticketID"], &[], Some("Tickets")),
                        ("chargeID", &b["chargeID"], &[], Some("TicketCharges")),
                    ],
                );
                // "PurchaseOrderItems can only be created for PurchaseOrders with a status of New."
                if let Some(order) = b["orderID"].as_i64().and_then(|o| shared.get("PurchaseOrders", o)) {
                    if !self.has_status(order, &["New"]) {
                        p.push(format!(
                            "PurchaseOrderItems can only be created for a purchase order with a status of New; purchase order {} is {}",
                            order["id"],
                            self.status_label(order)
                        ));
                    }
                }
                p
            }
            "PurchaseOrderItemReceiving" => {
                let mut p = Vec::new();
                let item_id = b["purchaseOrderItemID"].as_i64().unwrap_or(-1);
                match shared.get("PurchaseOrderItems", item_id) {
                    None => p.push(format!("purchaseOrderItemID {item_id} does not exist")),
                    Some(item) => {
                        // "Purchase orders must be submitted (Status = Submitted) before items
                        // can be received."
                        if let Some(order) = item["orderID"].as_i64().and_then(|o| shared.get("PurchaseOrders", o)) {
                            if !self.has_status(order, &["Submitted", "Received Partial"]) {
                                p.push(format!(
                                    "Purchase order {} has a status of {}: items can only be received on a purchase order that has been submitted (status Submitted or Received Partial)",
                                    order["id"],
                                    self.status_label(order)
                                ));
                            }
                        }
                        let ordered = item["quantity"].as_i64().unwrap_or(0);
                        let before: i64 = shared
                            .all("PurchaseOrderItemReceiving")
                            .iter()
                            .filter(|r| r["purchaseOrderItemID"].as_i64() == Some(item_id))
                            .map(|r| r["quantityNowReceiving"].as_i64().unwrap_or(0))
                            .sum();
                        let now = b["quantityNowReceiving"].as_i64().unwrap_or(0);
                        if now <= 0 || before + now > ordered {
                            p.push(format!("cannot receive {now}: {before} of {ordered} already received"));
                        }
                        if let Some(s) = b["serialNumber"].as_str() {
                            if shared
                                .all("PurchaseOrderItemReceiving")
                                .iter()
                                .any(|r| r["serialNumber"].as_str() == Some(s))
                            {
                                p.push(format!("serial number {s} was already received"));
                            }
                        }
                        body["quantityPreviouslyReceived"] = json!(before);
                    }
                }
                p
            }
            _ => Vec::new(),
        });
        if !problems.is_empty() {
            return Answer::status(500, json!({"errors": problems}));
        }
        let id = shared.insert(entity, body);
        if entity == "PurchaseOrderItemReceiving" {
            self.after_receiving(shared, b["purchaseOrderItemID"].as_i64().unwrap_or(-1));
        }
        Answer::ok(json!({"itemId": id}))
    }

    /// Whether purchase order `order` has one of the statuses labelled `labels`.
    fn has_status(&self, order: &Value, labels: &[&str]) -> bool {
        labels
            .iter()
            .filter_map(|l| self.code("PurchaseOrders", "status", l))
            .any(|c| same(&order["status"], &json!(c)))
    }

    fn status_label(&self, order: &Value) -> String {
        picklists()
            .into_iter()
            .find(|(e, f, _)| *e == "PurchaseOrders" && *f == "status")
            .and_then(|(_, _, v)| v.into_iter().find(|(c, _, _)| same(&order["status"], &json!(c))))
            .map_or_else(|| order["status"].to_string(), |(_, l, _)| l.to_string())
    }

    /// Receiving moves the purchase order to Received Partial, or Received Full when every
    /// item is in.
    fn after_receiving(&self, shared: &mut Shared, item_id: i64) {
        let Some(order_id) = shared
            .get("PurchaseOrderItems", item_id)
            .and_then(|i| i["orderID"].as_i64())
        else {
            return;
        };
        let received = |item: i64| -> i64 {
            shared
                .all("PurchaseOrderItemReceiving")
                .iter()
                .filter(|r| r["purchaseOrderItemID"].as_i64() == Some(item))
                .map(|r| r["quantityNowReceiving"].as_i64().unwrap_or(0))
                .sum()
        };
        let full = shared
            .all("PurchaseOrderItems")
            .iter()
            .filter(|i| i["orderID"].as_i64() == Some(order_id))
            .all(|i| received(i["id"].as_i64().unwrap_or(-1)) >= i["quantity"].as_i64().unwrap_or(0));
        let label = if full { "Received Full" } else { "Received Partial" };
        if let (Some(code), Some(order)) = (
            self.code("PurchaseOrders", "status", label),
            shared.get_mut("PurchaseOrders", order_id),
        ) {
            order["status"] = json!(code);
        }
    }
}

impl Routes for Autotask {
    fn prefix(&self) -> &'static str {
        "/ATServicesRest"
    }

    fn spec(&self) -> &Spec {
        &self.spec
    }

    fn authorize(&mut self, _shared: &mut Shared, req: &Req) -> Result<(), Answer> {
        let ok = req.header("ApiIntegrationCode").as_deref() == Some(self.cfg.integration_code.as_str())
            && req.header("UserName").as_deref() == Some(self.cfg.username.as_str())
            && req.header("Secret").as_deref() == Some(self.cfg.secret.as_str());
        if ok {
            Ok(())
        } else {
            Err(err(
                401,
                "Unauthorized: the API user, secret or integration code is wrong",
            ))
        }
    }

    fn error_body(&self, messages: &[String]) -> Value {
        json!({"errors": messages})
    }

    fn set_base(&mut self, root: &str) {
        self.base = root.to_string();
    }

    fn route(&mut self, shared: &mut Shared, req: &Req) -> Answer {
        let t = req.template.as_str();
        let body = req.body.clone().unwrap_or(Value::Null);
        if t == "/V1.0/ZoneInformation" {
            return if req.query.get("user").map(String::as_str) == Some(self.cfg.username.as_str()) {
                Answer::ok(
                    json!({"zoneName": "Sandbox", "url": format!("{}/ATServicesRest/", self.base), "webUrl": format!("{}/", self.base), "ci": 1}),
                )
            } else {
                err(404, "no zone for this user")
            };
        }
        if let Some(entity) = t
            .strip_prefix("/V1.0/")
            .and_then(|r| r.strip_suffix("/entityInformation/fields"))
        {
            return Answer::ok(self.fields(entity));
        }
        if let Some(entity) = t.strip_prefix("/V1.0/").and_then(|r| r.strip_suffix("/query")) {
            let filters = body["filter"].as_array().cloned().unwrap_or_default();
            let items: Vec<Value> = shared
                .all(entity)
                .iter()
                .filter(|i| filters.iter().all(|f| matches(i, f)))
                .cloned()
                .collect();
            let count = items.len();
            return Answer::ok(
                json!({"items": items, "pageDetails": {"count": count, "requestCount": 500, "prevPageUrl": null, "nextPageUrl": null}}),
            );
        }
        match (req.method.as_str(), t) {
            ("POST", "/V1.0/Tickets") => self.create(shared, "Tickets", body, None),
            ("POST", "/V1.0/Tickets/{parentId}/Charges") => self.create(
                shared,
                "TicketCharges",
                body,
                Some(("ticketID", req.param_id("parentId"))),
            ),
            ("POST", "/V1.0/Tickets/{parentId}/Notes") => self.create(
                shared,
                "TicketNotes",
                body,
                Some(("ticketID", req.param_id("parentId"))),
            ),
            ("POST", "/V1.0/Tickets/{parentId}/Attachments") => self.create(
                shared,
                "TicketAttachments",
                body,
                Some(("parentID", req.param_id("parentId"))),
            ),
            ("POST", "/V1.0/PurchaseOrders") => self.create(shared, "PurchaseOrders", body, None),
            ("POST", "/V1.0/PurchaseOrders/{parentId}/Items") => self.create(
                shared,
                "PurchaseOrderItems",
                body,
                Some(("orderID", req.param_id("parentId"))),
            ),
            ("POST", "/V1.0/PurchaseOrderItems/{parentId}/Receiving") => self.create(
                shared,
                "PurchaseOrderItemReceiving",
                body,
                Some(("purchaseOrderItemID", req.param_id("parentId"))),
            ),
            ("PATCH", "/V1.0/PurchaseOrders") => {
                let id = body["id"].as_i64().unwrap_or(-1);
                let mut problems = self.validate("PurchaseOrders", &body, true);
                let c = &self.cfg;
                problems.extend(self.refs(
                    shared,
                    &[
                        ("vendorID", &body["vendorID"], &c.vendors, None),
                        (
                            "purchaseForCompanyID",
                            &body["purchaseForCompanyID"],
                            &c.companies,
                            None,
                        ),
                    ],
                ));
                if !problems.is_empty() {
                    return Answer::status(500, json!({"errors": problems}));
                }
                match shared.get_mut("PurchaseOrders", id) {
                    None => err(404, format!("purchase order {id} does not exist")),
                    Some(o) => {
                        for (k, v) in body.as_object().into_iter().flatten() {
                            o[k] = v.clone();
                        }
                        Answer::ok(json!({"itemId": id}))
                    }
                }
            }
            ("PATCH", "/V1.0/Opportunities") => {
                let id = body["id"].as_i64().unwrap_or(-1);
                let problems = self.validate("Opportunities", &body, true);
                if !problems.is_empty() {
                    return Answer::status(500, json!({"errors": problems}));
                }
                match shared.get_mut("Opportunities", id) {
                    None => err(404, format!("opportunity {id} does not exist")),
                    Some(o) => {
                        for (k, v) in body.as_object().into_iter().flatten() {
                            o[k] = v.clone();
                        }
                        Answer::ok(json!({"itemId": id}))
                    }
                }
            }
            _ => err(405, format!("{} {t} is not served by the sandbox", req.method)),
        }
    }
}

/// Starts a fake Autotask on 127.0.0.1. Configure Purser with `base_url = fake.url()`.
pub fn start(cfg: AutotaskSandbox) -> std::io::Result<FakePsa> {
    let mut shared = Shared {
        next_id: 500,
        ..Default::default()
    };
    for &o in &cfg.opportunities {
        shared
            .entities
            .entry("Opportunities".into())
            .or_default()
            .push(json!({"id": o, "stage": 1, "title": format!("Opportunity {o}")}));
    }
    // The address is known only after binding: the routes learn it from a placeholder.
    let routes = Autotask {
        spec: Spec::parse(SPEC),
        fields: all_fields(&cfg),
        cfg,
        base: String::new(),
    };
    let fake = FakePsa::start(Box::new(routes), shared)?;
    let root = fake.root();
    fake.set_base(&root);
    Ok(fake)
}
