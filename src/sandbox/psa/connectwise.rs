//! Fake ConnectWise Manage API (`/v4_6_release/apis/3.0`): Basic auth of
//! `companyId+publicKey:privateKey` with the `clientId` header; boards, board statuses,
//! priorities, SLAs and sales stages by name; service tickets (refusing unknown
//! companies, boards, statuses not on the board, priorities, SLAs, opportunities); the
//! won opportunity's forecast; `convertToServiceTicket` copying the forecast products
//! asked for onto the ticket (refusing one converted already); the ticket's products
//! through `/procurement/products`; JSON Patch of an opportunity's stage.
//!
//! Lists take `conditions=` (`field = value` joined by `and`, on the fields Purser
//! uses; any other field is a violation) and come in pages as ConnectWise serves them:
//! `page`, `pageSize` (25 unless asked, at most [`ConnectwiseSandbox::max_page_size`]),
//! and a `Link` header with `rel="next"` while more follow. The board Purser is
//! configured with lies beyond the first default page.

use super::spec::Spec;
use super::{Answer, FakePsa, Req, Routes, Shared};
use crate::integrations::psa::connectwise::b64;
use serde_json::{json, Value};

pub const SPEC: &str = include_str!("../../../tests/fixtures/psa/connectwise-trimmed.json");

/// A product on a won opportunity's forecast: what `convertToServiceTicket` copies onto a
/// ticket (`includeProductIds` names these ids).
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastProduct {
    /// The forecast item's id.
    pub id: i64,
    /// The catalog item (a quote line's `psa_product_id`).
    pub catalog_item: i64,
    /// The catalog item's identifier (the part number).
    pub identifier: String,
    pub description: String,
    pub quantity: i64,
}

impl ForecastProduct {
    pub fn new(id: i64, catalog_item: i64, identifier: &str, description: &str, quantity: i64) -> Self {
        ForecastProduct {
            id,
            catalog_item,
            identifier: identifier.into(),
            description: description.into(),
            quantity,
        }
    }
}

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
    /// Opportunities: (id, company, forecast products).
    pub opportunities: Vec<(i64, i64, Vec<ForecastProduct>)>,
    /// The largest page served whatever `pageSize` asks (ConnectWise: 1000).
    pub max_page_size: usize,
}

/// Boards of a busy instance, listed before the ones Purser uses.
fn filler_boards() -> Vec<(i64, String)> {
    (1..=30)
        .map(|i| (100 + i, format!("Help Desk - Site {i:02}")))
        .collect()
}

impl Default for ConnectwiseSandbox {
    fn default() -> Self {
        let mut boards = filler_boards();
        boards.extend([(1, "Professional Services".into()), (8, "Procurement".into())]);
        ConnectwiseSandbox {
            company_id: "northsea".into(),
            public_key: "sandboxPublicKey".into(),
            private_key: "sandbox-secret-not-for-production".into(),
            client_id: "0c4c1a1e-5a5b-4d8e-9d0e-5a0b5a5b5a5b".into(),
            companies: vec![250, 251],
            boards,
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
                    ForecastProduct::new(5001, 901, "20XW00A1NL", "Notebook 14in i5 16GB", 3),
                    ForecastProduct::new(5002, 902, "40AY0090EU", "USB-C dock 90W", 2),
                    ForecastProduct::new(5003, 903, "CFQ-M365", "Microsoft 365 onboarding", 5),
                ],
            )],
            max_page_size: 1000,
        }
    }
}

struct Connectwise {
    spec: Spec,
    cfg: ConnectwiseSandbox,
    /// `http://127.0.0.1:PORT`, for the `Link` headers.
    base: String,
}

fn bad(field: &str, msg: impl Into<String>) -> Answer {
    invalid("ticket", field, msg)
}

/// ConnectWise's answer to an object it will not take.
fn invalid(resource: &str, field: &str, msg: impl Into<String>) -> Answer {
    let m = msg.into();
    Answer::status(
        400,
        json!({"code": "InvalidObject", "message": format!("{resource} object is invalid"), "errors": [{"code": "InvalidField", "message": m, "resource": resource, "field": field}]}),
    )
}

fn named(list: &[(i64, String)]) -> Vec<Value> {
    list.iter().map(|(i, n)| json!({"id": i, "name": n})).collect()
}

fn ref_id(v: &Value, f: &str) -> Option<i64> {
    v.get(f).and_then(|r| r.get("id")).and_then(Value::as_i64)
}

/// The value at `a/b` in a record (null when absent).
fn at_path(v: &Value, path: &str) -> Value {
    let mut cur = v;
    for seg in path.split('/') {
        match cur.get(seg) {
            Some(next) => cur = next,
            None => return Value::Null,
        }
    }
    cur.clone()
}

/// One `field = value` (or `!=`) of a `conditions` parameter.
#[derive(Debug, PartialEq)]
struct Condition {
    field: String,
    negated: bool,
    value: Value,
}

/// Splits at each ` and ` outside quotes (any case).
fn clauses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                cur.push(c);
                if c == '\\' && i + 1 < chars.len() {
                    cur.push(chars[i + 1]);
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                cur.push(c);
            }
            None => {
                let rest: String = chars[i..].iter().take(5).collect();
                if rest.len() == 5 && rest.eq_ignore_ascii_case(" and ") {
                    out.push(std::mem::take(&mut cur));
                    i += 5;
                    continue;
                }
                cur.push(c);
            }
        }
        i += 1;
    }
    out.push(cur);
    out
}

/// Parses `conditions`; a message for what the sandbox cannot read.
fn parse_conditions(text: &str) -> Result<Vec<Condition>, String> {
    let mut out = Vec::new();
    for clause in clauses(text) {
        let clause = clause.trim();
        let (field, negated, raw) = if let Some((f, v)) = clause.split_once("!=") {
            (f, true, v)
        } else if let Some((f, v)) = clause.split_once('=') {
            (f, false, v)
        } else {
            return Err(format!(
                "cannot read the condition `{clause}` (the sandbox takes = and !=)"
            ));
        };
        let raw = raw.trim();
        let value = if raw.len() >= 2
            && ((raw.starts_with('"') && raw.ends_with('"')) || (raw.starts_with('\'') && raw.ends_with('\'')))
        {
            let inner = &raw[1..raw.len() - 1];
            Value::String(inner.replace("\\\"", "\"").replace("\\'", "'").replace("\\\\", "\\"))
        } else if let Ok(n) = raw.parse::<i64>() {
            Value::from(n)
        } else if raw.eq_ignore_ascii_case("true") || raw.eq_ignore_ascii_case("false") {
            Value::Bool(raw.eq_ignore_ascii_case("true"))
        } else if raw.eq_ignore_ascii_case("null") {
            Value::Null
        } else {
            return Err(format!("cannot read the value `{raw}` of `{clause}` (quote text)"));
        };
        out.push(Condition {
            field: field.trim().to_string(),
            negated,
            value,
        });
    }
    Ok(out)
}

/// Whether a record's value equals a condition's (text ignoring case, as ConnectWise).
fn same(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Value::Number(a), Value::Number(b)) => a.as_i64().is_some() && a.as_i64() == b.as_i64(),
        (Value::Number(a), Value::String(b)) | (Value::String(b), Value::Number(a)) => a.to_string() == *b,
        (a, b) => a == b,
    }
}

/// `%`-encodes a query value.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Connectwise {
    /// A list answer: the records matching `conditions` (on `fields` only; `field` reads
    /// a record's value), one page of them, with its `Link` header.
    fn list(
        &self,
        shared: &mut Shared,
        req: &Req,
        items: Vec<Value>,
        fields: &[&str],
        field: &dyn Fn(&Value, &str) -> Value,
    ) -> Answer {
        let q = |name: &str| {
            req.query
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let conds = match q("conditions").filter(|c| !c.trim().is_empty()) {
            None => Vec::new(),
            Some(c) => match parse_conditions(&c) {
                Ok(c) => c,
                Err(m) => return self.bad_query(shared, req, m),
            },
        };
        for c in &conds {
            if !fields.iter().any(|f| f.eq_ignore_ascii_case(&c.field)) {
                let m = format!(
                    "`{}` is not a field the sandbox filters {} on (it takes {})",
                    c.field,
                    req.template,
                    fields.join(", ")
                );
                return self.bad_query(shared, req, m);
            }
        }
        let found: Vec<Value> = items
            .into_iter()
            .filter(|v| {
                conds.iter().all(|c| {
                    let name = fields.iter().find(|f| f.eq_ignore_ascii_case(&c.field)).unwrap_or(&"");
                    same(&field(v, name), &c.value) != c.negated
                })
            })
            .collect();
        let size = match q("pageSize").map(|s| s.parse::<usize>()) {
            None => 25,
            Some(Ok(n)) if n >= 1 => n.min(self.cfg.max_page_size.max(1)),
            Some(_) => return self.bad_query(shared, req, "pageSize must be 1 or more".into()),
        };
        let page = match q("page").map(|s| s.parse::<usize>()) {
            None => 1,
            Some(Ok(n)) if n >= 1 => n,
            Some(_) => return self.bad_query(shared, req, "page must be 1 or more".into()),
        };
        let last = found.len().div_ceil(size).max(1);
        let body: Vec<Value> = found.into_iter().skip((page - 1) * size).take(size).collect();
        let mut a = Answer::ok(Value::Array(body));
        if last > 1 {
            let url = |n: usize| {
                let mut params: Vec<(String, String)> = req
                    .query
                    .iter()
                    .filter(|(k, _)| !k.eq_ignore_ascii_case("page") && !k.eq_ignore_ascii_case("pageSize"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                params.sort();
                params.push(("pageSize".into(), size.to_string()));
                params.push(("page".into(), n.to_string()));
                let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
                format!("<{}{}{}?{}>", self.base, self.prefix(), req.path, query.join("&"))
            };
            let mut links = Vec::new();
            if page > 1 {
                links.push(format!("{}; rel=\"prev\"", url(page - 1)));
                links.push(format!("{}; rel=\"first\"", url(1)));
            }
            if page < last {
                links.push(format!("{}; rel=\"next\"", url(page + 1)));
                links.push(format!("{}; rel=\"last\"", url(last)));
            }
            a.link = Some(links.join(", "));
        }
        a
    }

    /// A query the sandbox cannot answer: a violation, and ConnectWise's 400.
    fn bad_query(&self, shared: &mut Shared, req: &Req, m: String) -> Answer {
        shared.violations.push(format!("GET {}: {m}", req.template));
        Answer::status(400, json!({"code": "InvalidFilter", "message": m, "errors": []}))
    }

    fn convert(&self, shared: &mut Shared, req: &Req, body: &Value) -> Answer {
        let op = req.param_id("id");
        let Some((_, _, products)) = self.cfg.opportunities.iter().find(|(i, _, _)| *i == op).cloned() else {
            return Answer::status(
                404,
                json!({"code": "NotFound", "message": format!("opportunity {op} not found")}),
            );
        };
        const RES: &str = "opportunityToServiceTicketConversion";
        let ticket = body["ticketId"].as_i64().unwrap_or(-1);
        if shared.get("Tickets", ticket).is_none() {
            return invalid(RES, "ticketId", format!("ticket {ticket} does not exist"));
        }
        let wanted: Vec<ForecastProduct> = if body["includeAllProductsFlag"].as_bool() == Some(true) {
            products.clone()
        } else {
            let mut out = Vec::new();
            for id in body["includeProductIds"].as_array().into_iter().flatten() {
                let id = id.as_i64().unwrap_or(-1);
                match products.iter().find(|p| p.id == id) {
                    Some(p) if !out.contains(p) => out.push(p.clone()),
                    Some(_) => {}
                    None => {
                        return invalid(
                            RES,
                            "includeProductIds",
                            format!("product {id} is not on opportunity {op}"),
                        )
                    }
                }
            }
            out
        };
        // A forecast product converted once is on a ticket already: never twice.
        for p in &wanted {
            let done = shared
                .all("Products")
                .iter()
                .find(|x| x["forecastDetailId"].as_i64() == Some(p.id))
                .and_then(|x| ref_id(x, "ticket"));
            if let Some(t) = done {
                return invalid(
                    RES,
                    "includeProductIds",
                    format!(
                        "product {} ({}) of opportunity {op} was converted to ticket {t} already",
                        p.id, p.description
                    ),
                );
            }
        }
        for p in wanted {
            shared.insert(
                "Products",
                json!({"catalogItem": {"id": p.catalog_item, "identifier": p.identifier}, "description": p.description,
                       "quantity": p.quantity, "billableOption": "Billable", "ticket": {"id": ticket},
                       "opportunity": {"id": op}, "forecastDetailId": p.id}),
            );
        }
        Answer::status(201, shared.get("Tickets", ticket).cloned().unwrap_or(Value::Null))
    }
}

impl Routes for Connectwise {
    fn prefix(&self) -> &'static str {
        "/v4_6_release/apis/3.0"
    }

    fn spec(&self) -> &Spec {
        &self.spec
    }

    fn set_base(&mut self, root: &str) {
        self.base = root.to_string();
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
        let c = self.cfg.clone();
        let body = req.body.clone().unwrap_or(Value::Null);
        let plain = |v: &Value, f: &str| at_path(v, f);
        const NAMED: &[&str] = &["id", "name"];
        match (req.method.as_str(), req.template.as_str()) {
            ("GET", "/service/boards") => self.list(shared, req, named(&c.boards), NAMED, &plain),
            ("GET", "/service/boards/{parentId}/statuses") => {
                let b = req.param_id("parentId");
                let statuses = c
                    .statuses
                    .iter()
                    .filter(|(bb, _, _)| *bb == b)
                    .map(|(_, i, n)| json!({"id": i, "name": n, "board": {"id": b}}))
                    .collect();
                self.list(shared, req, statuses, &["id", "name", "board/id"], &plain)
            }
            ("GET", "/service/priorities") => self.list(shared, req, named(&c.priorities), NAMED, &plain),
            ("GET", "/service/SLAs") => self.list(shared, req, named(&c.slas), NAMED, &plain),
            ("GET", "/sales/stages") => self.list(shared, req, named(&c.stages), NAMED, &plain),
            ("GET", "/service/tickets") => {
                let tickets = shared.all("Tickets").to_vec();
                let fields = ["id", "poNumber", "company/id", "board/id", "opportunity/id", "summary"];
                self.list(shared, req, tickets, &fields, &plain)
            }
            ("GET", "/service/tickets/{id}") => shared
                .get("Tickets", req.param_id("id"))
                .cloned()
                .map_or_else(|| Answer::status(404, Value::Null), Answer::ok),
            ("GET", "/procurement/products") => {
                let products = shared.all("Products").to_vec();
                // What a product is charged to, as the query language names it.
                let field = |v: &Value, f: &str| match f {
                    "chargeToType" if ref_id(v, "ticket").is_some() => json!("Ticket"),
                    "chargeToId" => ref_id(v, "ticket").map_or(Value::Null, Value::from),
                    _ => at_path(v, f),
                };
                let fields = [
                    "id",
                    "chargeToType",
                    "chargeToId",
                    "opportunity/id",
                    "ticket/id",
                    "forecastDetailId",
                    "catalogItem/id",
                ];
                self.list(shared, req, products, &fields, &field)
            }
            ("GET", "/sales/opportunities/{parentId}/forecast") => {
                let op = req.param_id("parentId");
                let Some((_, _, products)) = c.opportunities.iter().find(|(i, _, _)| *i == op) else {
                    return Answer::status(
                        404,
                        json!({"code": "NotFound", "message": format!("opportunity {op} not found")}),
                    );
                };
                let items: Vec<Value> = products
                    .iter()
                    .enumerate()
                    .map(|(n, p)| {
                        json!({"id": p.id, "opportunity": {"id": op}, "forecastType": "Product",
                               "status": {"id": 2, "name": "Won"}, "catalogItem": {"id": p.catalog_item, "identifier": p.identifier},
                               "productDescription": p.description, "quantity": p.quantity, "sequenceNumber": n + 1})
                    })
                    .collect();
                // The description answers a list of forecasts; an opportunity has one.
                self.list(
                    shared,
                    req,
                    vec![json!({"id": op, "forecastItems": items})],
                    &[],
                    &plain,
                )
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
            ("POST", "/sales/opportunities/{id}/convertToServiceTicket") => self.convert(shared, req, &body),
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
    let fake = FakePsa::start(
        Box::new(Connectwise {
            spec: Spec::parse(SPEC),
            cfg,
            base: String::new(),
        }),
        shared,
    )?;
    let root = fake.root();
    fake.set_base(&root);
    Ok(fake)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_read_as_connectwise_writes_them() {
        let c = parse_conditions("chargeToType='Ticket' AND chargeToId=7001").unwrap();
        assert_eq!(c[0].field, "chargeToType");
        assert_eq!(c[0].value, json!("Ticket"));
        assert_eq!(c[1].value, json!(7001));
        let c = parse_conditions(r#"board/id=8 and name="Order \"and\" ship""#).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].value, json!("Order \"and\" ship"));
        assert!(parse_conditions("name like \"Proc%\"").is_err());
        assert!(parse_conditions("name=Procurement").is_err());
        assert!(same(&json!("Procurement"), &json!("procurement")));
        assert!(!same(&json!(8), &json!(9)));
    }
}
