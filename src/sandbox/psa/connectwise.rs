//! Fake ConnectWise Manage API (`/v4_6_release/apis/3.0`): Basic auth of
//! `companyId+publicKey:privateKey` with the `clientId` header; boards, board statuses,
//! priorities, SLAs and sales stages by name; service tickets (refusing unknown
//! companies, boards, statuses not on the board, priorities, SLAs, opportunities);
//! `convertToServiceTicket` copying the opportunity's products onto the ticket (twice if
//! asked twice, as the real one would); JSON Patch of an opportunity's stage.

use super::spec::Spec;
use super::{Answer, FakePsa, Req, Routes, Shared};
use crate::integrations::psa::connectwise::b64;
use serde_json::{json, Value};

pub const SPEC: &str = include_str!("../../../tests/fixtures/psa/connectwise-trimmed.json");

/// A product on a won opportunity: (product id, description, quantity).
pub type OpportunityProduct = (i64, String, i64);

/// The sandbox's credentials and preset records.
#[derive(Debug, Clone)]
pub struct ConnectwiseSandbox {
    pub company_id: String,
    pub public_key: String,
    pub private_key: String,
    pub client_id: String,
    pub companies: Vec<i64>,
    pub boards: Vec<(i64, String)>,
    /// (board id, status id, name).
    pub statuses: Vec<(i64, i64, String)>,
    pub priorities: Vec<(i64, String)>,
    pub slas: Vec<(i64, String)>,
    pub stages: Vec<(i64, String)>,
    /// Opportunities: (id, company, products).
    pub opportunities: Vec<(i64, i64, Vec<OpportunityProduct>)>,
}

impl Default for ConnectwiseSandbox {
    fn default() -> Self {
        ConnectwiseSandbox {
            company_id: "northsea".into(),
            public_key: "sandboxPublicKey".into(),
            private_key: "sandbox-secret-not-for-production".into(),
            client_id: "0c4c1a1e-5a5b-4d8e-9d0e-5a0b5a5b5a5b".into(),
            companies: vec![250, 251],
            boards: vec![(1, "Professional Services".into()), (8, "Procurement".into())],
            statuses: vec![(1, 11, "New".into()), (8, 71, "New".into()), (8, 72, "Ordered".into())],
            priorities: vec![
                (2, "Priority 1 - Emergency Response".into()),
                (4, "Priority 3 - Normal Response".into()),
            ],
            slas: vec![(3, "Standard SLA".into())],
            stages: vec![
                (1, "Prospect".into()),
                (5, "Won".into()),
                (9, "Ordered".into()),
                (10, "Partially received".into()),
                (11, "Delivered".into()),
            ],
            opportunities: vec![(
                3100,
                250,
                vec![
                    (901, "Notebook 14in i5 16GB".into(), 3),
                    (902, "USB-C dock 90W".into(), 2),
                    (903, "Microsoft 365 onboarding".into(), 5),
                ],
            )],
        }
    }
}

struct Connectwise {
    spec: Spec,
    cfg: ConnectwiseSandbox,
}

fn bad(field: &str, msg: impl Into<String>) -> Answer {
    let m = msg.into();
    Answer::status(
        400,
        json!({"code": "InvalidObject", "message": "ticket object is invalid", "errors": [{"code": "InvalidField", "message": m, "resource": "ticket", "field": field}]}),
    )
}

fn named(list: &[(i64, String)]) -> Value {
    Value::Array(list.iter().map(|(i, n)| json!({"id": i, "name": n})).collect())
}

fn ref_id(v: &Value, f: &str) -> Option<i64> {
    v.get(f).and_then(|r| r.get("id")).and_then(Value::as_i64)
}

/// `poNumber="X" and company/id=N`: the pairs.
fn conditions(c: &str) -> Vec<(String, String)> {
    c.split(" and ")
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect()
}

impl Routes for Connectwise {
    fn prefix(&self) -> &'static str {
        "/v4_6_release/apis/3.0"
    }

    fn spec(&self) -> &Spec {
        &self.spec
    }

    fn authorize(&mut self, _shared: &mut Shared, req: &Req) -> Result<(), Answer> {
        let want = {
            use std::fmt::Write;
            let raw = format!(
                "{}+{}:{}",
                self.cfg.company_id, self.cfg.public_key, self.cfg.private_key
            );
            let mut s = String::from("Basic ");
            let _ = write!(s, "{}", b64(raw.as_bytes()));
            s
        };
        if req.header("Authorization").as_deref() != Some(want.as_str()) {
            return Err(Answer::status(
                401,
                json!({"code": "Unauthorized", "message": "Authentication failed"}),
            ));
        }
        if req.header("clientId").as_deref() != Some(self.cfg.client_id.as_str()) {
            return Err(Answer::status(
                401,
                json!({"code": "Unauthorized", "message": "a valid clientId header is required"}),
            ));
        }
        Ok(())
    }

    fn error_body(&self, messages: &[String]) -> Value {
        json!({"code": "InvalidObject", "message": messages.join("; "), "errors": []})
    }

    fn route(&mut self, shared: &mut Shared, req: &Req) -> Answer {
        let c = &self.cfg;
        let body = req.body.clone().unwrap_or(Value::Null);
        match (req.method.as_str(), req.template.as_str()) {
            ("GET", "/service/boards") => Answer::ok(named(&c.boards)),
            ("GET", "/service/boards/{parentId}/statuses") => {
                let b = req.param_id("parentId");
                Answer::ok(Value::Array(
                    c.statuses
                        .iter()
                        .filter(|(bb, _, _)| *bb == b)
                        .map(|(_, i, n)| json!({"id": i, "name": n, "board": {"id": b}}))
                        .collect(),
                ))
            }
            ("GET", "/service/priorities") => Answer::ok(named(&c.priorities)),
            ("GET", "/service/SLAs") => Answer::ok(named(&c.slas)),
            ("GET", "/sales/stages") => Answer::ok(named(&c.stages)),
            ("GET", "/service/tickets") => {
                let conds = conditions(req.query.get("conditions").map_or("", String::as_str));
                let found: Vec<Value> = shared
                    .all("Tickets")
                    .iter()
                    .filter(|t| {
                        conds.iter().all(|(k, v)| match k.as_str() {
                            "poNumber" => t["poNumber"].as_str() == Some(v.as_str()),
                            "company/id" => ref_id(t, "company").map(|i| i.to_string()) == Some(v.clone()),
                            _ => false,
                        })
                    })
                    .cloned()
                    .collect();
                Answer::ok(Value::Array(found))
            }
            ("GET", "/service/tickets/{id}") => shared
                .get("Tickets", req.param_id("id"))
                .cloned()
                .map_or_else(|| Answer::status(404, Value::Null), Answer::ok),
            ("GET", "/service/tickets/{parentId}/products") => {
                let t = req.param_id("parentId");
                Answer::ok(Value::Array(
                    shared
                        .all("Products")
                        .iter()
                        .filter(|p| ref_id(p, "ticket") == Some(t))
                        .cloned()
                        .collect(),
                ))
            }
            ("POST", "/service/tickets") => {
                if !ref_id(&body, "company").is_some_and(|i| c.companies.contains(&i)) {
                    return bad("company", "company does not exist");
                }
                let board = ref_id(&body, "board");
                if !board.is_some_and(|b| c.boards.iter().any(|(i, _)| *i == b)) {
                    return bad("board", "board does not exist");
                }
                if let Some(st) = ref_id(&body, "status") {
                    if !c.statuses.iter().any(|(b, i, _)| Some(*b) == board && *i == st) {
                        return bad("status", "status is not on this board");
                    }
                }
                if let Some(p) = ref_id(&body, "priority") {
                    if !c.priorities.iter().any(|(i, _)| *i == p) {
                        return bad("priority", "priority does not exist");
                    }
                }
                if let Some(s) = ref_id(&body, "sla") {
                    if !c.slas.iter().any(|(i, _)| *i == s) {
                        return bad("sla", "SLA does not exist");
                    }
                }
                if let Some(o) = ref_id(&body, "opportunity") {
                    if !c.opportunities.iter().any(|(i, _, _)| *i == o) {
                        return bad("opportunity", "opportunity does not exist");
                    }
                }
                let id = shared.insert("Tickets", body);
                Answer::status(201, shared.get("Tickets", id).cloned().unwrap_or(Value::Null))
            }
            ("POST", "/sales/opportunities/{id}/convertToServiceTicket") => {
                let op = req.param_id("id");
                let Some((_, _, products)) = c.opportunities.iter().find(|(i, _, _)| *i == op).cloned() else {
                    return Answer::status(
                        404,
                        json!({"code": "NotFound", "message": format!("opportunity {op} not found")}),
                    );
                };
                let ticket = body["ticketId"].as_i64().unwrap_or(-1);
                if shared.get("Tickets", ticket).is_none() {
                    return bad("ticketId", format!("ticket {ticket} does not exist"));
                }
                if body["includeAllProductsFlag"].as_bool() == Some(true) {
                    for (pid, desc, qty) in products {
                        shared.insert(
                            "Products",
                            json!({"catalogItem": {"id": pid}, "description": desc, "quantity": qty, "ticket": {"id": ticket}, "opportunity": {"id": op}}),
                        );
                    }
                }
                Answer::status(201, shared.get("Tickets", ticket).cloned().unwrap_or(Value::Null))
            }
            ("GET", "/sales/opportunities/{id}") => shared
                .get("Opportunities", req.param_id("id"))
                .cloned()
                .map_or_else(|| Answer::status(404, Value::Null), Answer::ok),
            ("PATCH", "/sales/opportunities/{id}") => {
                let id = req.param_id("id");
                let ops = body.as_array().cloned().unwrap_or_default();
                for op in &ops {
                    if op["op"] != "replace" || op["path"] != "stage" {
                        return bad("stage", format!("unsupported patch {op}"));
                    }
                    let st = op["value"]["id"].as_i64().unwrap_or(-1);
                    if !c.stages.iter().any(|(i, _)| *i == st) {
                        return bad("stage", format!("stage {st} does not exist"));
                    }
                }
                let Some(o) = shared.get_mut("Opportunities", id) else {
                    return Answer::status(404, Value::Null);
                };
                for op in ops {
                    o["stage"] = op["value"].clone();
                }
                Answer::ok(o.clone())
            }
            (m, t) => Answer::status(405, json!({"message": format!("{m} {t} is not served by the sandbox")})),
        }
    }
}

/// Starts a fake ConnectWise on 127.0.0.1. Configure Purser with `base_url = fake.url()`.
pub fn start(cfg: ConnectwiseSandbox) -> std::io::Result<FakePsa> {
    let mut shared = Shared {
        next_id: 7000,
        ..Default::default()
    };
    for (id, company, _) in &cfg.opportunities {
        shared
            .entities
            .entry("Opportunities".into())
            .or_default()
            .push(json!({"id": id, "company": {"id": company}, "stage": {"id": 5, "name": "Won"}}));
    }
    FakePsa::start(
        Box::new(Connectwise {
            spec: Spec::parse(SPEC),
            cfg,
        }),
        shared,
    )
}
