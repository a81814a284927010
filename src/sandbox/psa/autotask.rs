//! Fake Autotask REST API: zone discovery, the three credential headers, picklists
//! through `entityInformation/fields` (with codes no client could guess), queries with
//! `eq`/`and` filters, creates answering `{"itemId": N}`, `PATCH /Opportunities`.
//! It refuses missing required fields, inactive or unknown picklist codes, references
//! to companies, products, vendors, billing codes, inventory locations or parents that do
//! not exist, and receiving more than was ordered or a serial number twice.

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

/// Required fields per entity (as `entityInformation/fields` reports them).
fn required(entity: &str) -> &'static [&'static str] {
    match entity {
        "Tickets" => &["companyID", "title", "status", "priority"],
        "TicketCharges" => &[
            "ticketID",
            "name",
            "chargeType",
            "unitQuantity",
            "datePurchased",
            "isBillableToCompany",
        ],
        "TicketNotes" => &["ticketID", "title", "description", "noteType", "publish"],
        "TicketAttachments" => &["title", "attachmentType", "fullPath", "publish"],
        "PurchaseOrders" => &["vendorID", "status"],
        "PurchaseOrderItems" => &["orderID", "productID", "quantity", "unitCost", "inventoryLocationID"],
        "PurchaseOrderItemReceiving" => &["purchaseOrderItemID", "quantityNowReceiving"],
        _ => &[],
    }
}

struct Autotask {
    spec: Spec,
    cfg: AutotaskSandbox,
    base: String,
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

impl Autotask {
    fn fields(&self, entity: &str) -> Value {
        let model = match entity {
            "Tickets" => "TicketModel",
            "TicketCharges" => "TicketChargeModel",
            "TicketNotes" => "TicketNoteModel",
            "TicketAttachments" => "TicketAttachmentModel",
            "PurchaseOrders" => "PurchaseOrderModel",
            "Opportunities" => "OpportunityModel",
            _ => "",
        };
        let spec: Value = serde_json::from_str(SPEC).unwrap_or(Value::Null);
        let props = spec["definitions"][model]["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let lists = picklists();
        let fields: Vec<Value> = props
            .iter()
            .map(|(name, p)| {
                let pick = lists.iter().find(|(e, f, _)| *e == entity && f == name);
                json!({
                    "name": name,
                    "dataType": p["type"].as_str().unwrap_or("object"),
                    "isRequired": required(entity).contains(&name.as_str()),
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

    /// Checks required fields and picklist codes of a create on `entity`.
    fn validate(&self, entity: &str, body: &Value) -> Vec<String> {
        let mut out = Vec::new();
        for r in required(entity) {
            if body.get(*r).is_none_or(Value::is_null) {
                out.push(format!("{entity}: {r} is required"));
            }
        }
        for (e, field, values) in picklists() {
            if e != entity {
                continue;
            }
            if let Some(v) = body.get(field).filter(|v| !v.is_null()) {
                let ok = values.iter().any(|(code, _, active)| *active && same(v, &json!(code)));
                if !ok {
                    out.push(format!("{entity}: {v} is not an active value of picklist {field}"));
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
        let mut problems = self.validate(entity, &body);
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
            "PurchaseOrderItems" => self.refs(
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
            ),
            "PurchaseOrderItemReceiving" => {
                let mut p = Vec::new();
                let item_id = b["purchaseOrderItemID"].as_i64().unwrap_or(-1);
                match shared.get("PurchaseOrderItems", item_id) {
                    None => p.push(format!("purchaseOrderItemID {item_id} does not exist")),
                    Some(item) => {
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
        Answer::ok(json!({"itemId": id}))
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
            ("PATCH", "/V1.0/Opportunities") => {
                let id = body["id"].as_i64().unwrap_or(-1);
                let problems = self.validate("Opportunities", &body);
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
        cfg,
        base: String::new(),
    };
    let fake = FakePsa::start(Box::new(routes), shared)?;
    let root = fake.root();
    fake.set_base(&root);
    Ok(fake)
}
