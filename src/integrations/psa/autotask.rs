//! Autotask (REST v1.0): zone discovery, `ApiIntegrationCode`/`UserName`/`Secret` headers,
//! picklist labels resolved through `entityInformation/fields`.
//!
//! Per order: one post-sale ticket per customer company, one operational charge per goods
//! line (cost, price, quantity, product), a separate shipping charge with the configured
//! billing code, an internal-only note and a URL attachment linking to the order; when
//! "Enable for procurement" is on, a purchase order (vendor = the distributor's company,
//! ship-to for dropship) with one item per goods line at the configured inventory
//! location; the opportunity stage. Per receipt: receiving records on the PO items
//! (quantity, serial number, date). Services never become charges or PO items.
//!
//! Our references, looked up before creating again: ticket `purchaseOrderNumber` = the PO
//! number; charge `internalPurchaseOrderNumber` = `PO-…/L{n}` (`/SHIP`); note and
//! attachment title; PO `externalPONumber`; PO item `memo`; receiving by item, date and serial.

use super::http::{as_id, money, Http, PsaError};
use super::{order_link, secret, LineData, OrderData, PsaClient, Run};
use crate::app::Service;
use crate::config::{AutotaskSettings, Config};
use crate::domain::{OrderType, Receipt};
use reqwest::Method;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;

/// The public zone-discovery root.
pub const DEFAULT_ZONE_URL: &str = "https://webservices.autotask.net/ATServicesRest";

pub struct Autotask {
    http: Http,
    zone_url: String,
    code: String,
    secret: String,
    s: AutotaskSettings,
    config: Config,
    base: RefCell<Option<String>>,
    fields: RefCell<HashMap<String, Vec<Value>>>,
}

fn eq(field: &str, value: impl Into<Value>) -> Value {
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
            code: secret(&s.integration_code_env, &s.integration_code_file, "Autotask API integration code")?,
            secret: secret(&s.secret_env, &s.secret_file, "Autotask API secret")?,
            s,
            config: config.clone(),
            base: RefCell::new(None),
            fields: RefCell::new(HashMap::new()),
        })
    }

    fn request(&self, method: Method, url: &str) -> reqwest::blocking::RequestBuilder {
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
    fn base(&self) -> Result<String, PsaError> {
        if let Some(b) = self.base.borrow().as_ref() {
            return Ok(b.clone());
        }
        let url = format!("{}/V1.0/ZoneInformation", self.zone_url);
        let v = self.http.send(
            "finding the Autotask zone of the API user",
            self.request(Method::GET, &url).query(&[("user", &self.s.username)]),
        )?;
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
        *self.base.borrow_mut() = Some(b.clone());
        Ok(b)
    }

    fn url(&self, path: &str) -> Result<String, PsaError> {
        Ok(format!("{}V1.0/{path}", self.base()?))
    }

    fn query(&self, entity: &str, filter: Vec<Value>, what: &str) -> Result<Vec<Value>, PsaError> {
        let url = self.url(&format!("{entity}/query"))?;
        let v = self.http.send(
            what,
            self.request(Method::POST, &url)
                .json(&json!({"maxRecords": 500, "filter": filter})),
        )?;
        Ok(v.get("items").and_then(Value::as_array).cloned().unwrap_or_default())
    }

    fn find_one(&self, entity: &str, filter: Vec<Value>, what: &str) -> Result<Option<i64>, PsaError> {
        Ok(self
            .query(entity, filter, what)?
            .first()
            .and_then(|i| i.get("id"))
            .and_then(as_id))
    }

    fn create(&self, path: &str, body: Value, what: &str) -> Result<i64, PsaError> {
        let url = self.url(path)?;
        let v = self.http.send(what, self.request(Method::POST, &url).json(&body))?;
        v.get("itemId")
            .and_then(as_id)
            .ok_or_else(|| PsaError::temporary(format!("Autotask answered without an itemId while {what}")))
    }

    fn entity_fields(&self, entity: &str) -> Result<Vec<Value>, PsaError> {
        if let Some(f) = self.fields.borrow().get(entity) {
            return Ok(f.clone());
        }
        let url = self.url(&format!("{entity}/entityInformation/fields"))?;
        let v = self.http.send(
            &format!("reading the {entity} fields"),
            self.request(Method::GET, &url),
        )?;
        let fields = v.get("fields").and_then(Value::as_array).cloned().unwrap_or_default();
        self.fields.borrow_mut().insert(entity.to_string(), fields.clone());
        Ok(fields)
    }

    /// The code of picklist `field` of `entity` whose label is `label` (active values only).
    fn pick(&self, entity: &str, field: &str, label: &str, key: &str) -> Result<i64, PsaError> {
        let fields = self.entity_fields(entity)?;
        let f = fields
            .iter()
            .find(|f| f.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case(field)))
            .ok_or_else(|| PsaError::Permanent(format!("Autotask {entity} has no field {field}")))?;
        let values: Vec<&Value> = f
            .get("picklistValues")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter(|v| v.get("isActive").and_then(Value::as_bool) != Some(false)).collect())
            .unwrap_or_default();
        let found = values.iter().find(|v| {
            v.get("label")
                .and_then(Value::as_str)
                .is_some_and(|l| l.trim().eq_ignore_ascii_case(label.trim()))
        });
        match found.and_then(|v| v.get("value")).and_then(as_id) {
            Some(code) => Ok(code),
            None => {
                let offered: Vec<&str> = values.iter().filter_map(|v| v.get("label").and_then(Value::as_str)).collect();
                Err(PsaError::Permanent(format!(
                    "{key} = \"{label}\" is not a {field} of Autotask {entity}; this Autotask offers: {}",
                    if offered.is_empty() { "nothing".to_string() } else { offered.join(", ") }
                )))
            }
        }
    }

    fn setting<'a>(&self, v: &'a Option<String>, key: &str) -> Result<&'a str, PsaError> {
        v.as_deref()
            .ok_or_else(|| PsaError::Config(format!("[psa.autotask] needs {key}")))
    }

    /// Everything that can be refused before anything is sent.
    fn preflight(&self, data: &OrderData) -> Result<(), PsaError> {
        let po = data.order.number;
        let mut problems = Vec::new();
        for l in &data.lines {
            match &l.line.psa_company_id {
                None => problems.push(format!("line {} ({}) has no Autotask company id for {}", l.n, l.line.sku, l.line.customer_name)),
                Some(c) if c.trim().parse::<i64>().is_err() => {
                    problems.push(format!("line {}: company id `{c}` is not an Autotask id", l.n))
                }
                _ => {}
            }
            if let Some(p) = &l.line.psa_product_id {
                if p.trim().parse::<i64>().is_err() {
                    problems.push(format!("line {} ({}): product id `{p}` is not an Autotask id", l.n, l.line.sku));
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

    fn stage(&self, run: &mut Run<'_>, data: &OrderData, which: &str, name: Option<String>) -> Result<(), PsaError> {
        let Some(name) = name else { return Ok(()) };
        if data.opportunities.is_empty() {
            return Ok(());
        }
        let code = self.pick("Opportunities", "stage", &name, &format!("[psa.stages] {which}"))?;
        for o in &data.opportunities {
            let id: i64 = o.trim().parse().unwrap_or_default();
            let url = self.url("Opportunities")?;
            run.update(&format!("stage/{which}/{id}"), "Opportunity", || {
                self.http
                    .send(
                        &format!("setting opportunity {id} to stage {name}"),
                        self.request(Method::PATCH, &url).json(&json!({"id": id, "stage": code})),
                    )
                    .map(|_| ())
            })?;
        }
        Ok(())
    }
}

impl PsaClient for Autotask {
    fn sync_order(&self, run: &mut Run<'_>, data: &OrderData) -> Result<(), PsaError> {
        self.preflight(data)?;
        let o = &data.order;
        let po = o.number.to_string();
        let s = &self.s;
        // Resolve every picklist first: an unknown label stops before anything is created.
        let status = self.pick("Tickets", "status", self.setting(&s.ticket_status, "ticket_status")?, "[psa.autotask] ticket_status")?;
        let priority = self.pick("Tickets", "priority", self.setting(&s.ticket_priority, "ticket_priority")?, "[psa.autotask] ticket_priority")?;
        let queue = self.pick("Tickets", "queueID", self.setting(&s.ticket_queue, "ticket_queue")?, "[psa.autotask] ticket_queue")?;
        let ticket_type = match &s.ticket_type {
            Some(t) => Some(self.pick("Tickets", "ticketType", t, "[psa.autotask] ticket_type")?),
            None => None,
        };
        let charge_type = self.pick("TicketCharges", "chargeType", &s.charge_type, "[psa.autotask] charge_type")?;
        let charge_status = match &s.charge_status {
            Some(t) => Some(self.pick("TicketCharges", "status", t, "[psa.autotask] charge_status")?),
            None => None,
        };
        let publish_label = self.setting(&s.note_publish, "note_publish")?;
        let note_type = self.pick("TicketNotes", "noteType", self.setting(&s.note_type, "note_type")?, "[psa.autotask] note_type")?;
        let note_publish = self.pick("TicketNotes", "publish", publish_label, "[psa.autotask] note_publish")?;
        let attachment_publish = self.pick("TicketAttachments", "publish", publish_label, "[psa.autotask] note_publish")?;
        let po_status = if s.purchase_orders {
            Some(self.pick(
                "PurchaseOrders",
                "status",
                self.setting(&s.purchase_order_status, "purchase_order_status")?,
                "[psa.autotask] purchase_order_status",
            )?)
        } else {
            None
        };
        if let Some(stage) = &self.config.psa.stages.placed {
            if !data.opportunities.is_empty() {
                self.pick("Opportunities", "stage", stage, "[psa.stages] placed")?;
            }
        }
        let date = o.submission().map_or(o.created_at, |s| s.at).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let opportunity: Option<i64> = data.opportunities.first().and_then(|o| o.trim().parse().ok());
        let link = order_link(&self.config, o.number);
        let title = format!("Procurement {po} ({})", self.config.distributor_name(&o.distributor));
        let note_title = format!("Purser {po}");

        // Tickets, one per customer company.
        let mut companies: Vec<i64> = Vec::new();
        for l in &data.lines {
            let c = Self::line_company(l);
            if !companies.contains(&c) {
                companies.push(c);
            }
        }
        for &company in &companies {
            let mut body = json!({
                "companyID": company,
                "title": title,
                "description": data.note_text(&self.config),
                "status": status,
                "priority": priority,
                "queueID": queue,
                "purchaseOrderNumber": po,
            });
            if let Some(t) = ticket_type {
                body["ticketType"] = json!(t);
            }
            if let Some(op) = opportunity {
                body["opportunityID"] = json!(op);
            }
            run.ensure(
                &Self::ticket_key(company),
                "Ticket",
                || self.find_one("Tickets", vec![eq("purchaseOrderNumber", po.clone()), eq("companyID", company)], "looking for the ticket"),
                || self.create("Tickets", body, "creating the post-sale ticket"),
            )?;
        }
        // One operational charge per goods line.
        for l in data.goods() {
            let ticket = run.id(&Self::ticket_key(Self::line_company(l))).unwrap_or_default();
            let reference = format!("{po}/L{}", l.n);
            let mut body = json!({
                "ticketID": ticket,
                "name": format!("{} {}", l.line.sku, l.line.description).chars().take(100).collect::<String>(),
                "description": l.line.description,
                "chargeType": charge_type,
                "unitQuantity": l.line.quantity,
                "unitCost": money(l.line.unit_cost),
                "unitPrice": money(l.line.unit_price),
                "datePurchased": date,
                "internalPurchaseOrderNumber": reference,
                "isBillableToCompany": true,
            });
            if let Some(p) = l.line.psa_product_id.as_deref().and_then(|p| p.trim().parse::<i64>().ok()) {
                body["productID"] = json!(p);
            }
            if let Some(st) = charge_status {
                body["status"] = json!(st);
            }
            run.ensure(
                &format!("charge/L{}", l.n),
                "TicketCharge",
                || self.find_one("TicketCharges", vec![eq("ticketID", ticket), eq("internalPurchaseOrderNumber", reference.clone())], "looking for a charge"),
                || self.create(&format!("Tickets/{ticket}/Charges"), body, &format!("creating the charge of line {}", l.n)),
            )?;
        }
        let first_ticket = run.id(&Self::ticket_key(companies[0])).unwrap_or_default();
        // The shipping charge, separate, with the shipping billing code.
        if o.shipping > rust_decimal::Decimal::ZERO {
            let reference = format!("{po}/SHIP");
            let mut body = json!({
                "ticketID": first_ticket,
                "name": format!("Shipping {po}"),
                "chargeType": charge_type,
                "billingCodeID": s.shipping_billing_code_id.unwrap_or_default(),
                "unitQuantity": 1,
                "unitCost": money(o.shipping),
                "unitPrice": money(o.shipping),
                "datePurchased": date,
                "internalPurchaseOrderNumber": reference,
                "isBillableToCompany": true,
            });
            if let Some(st) = charge_status {
                body["status"] = json!(st);
            }
            run.ensure(
                "charge/shipping",
                "TicketCharge",
                || self.find_one("TicketCharges", vec![eq("ticketID", first_ticket), eq("internalPurchaseOrderNumber", reference.clone())], "looking for the shipping charge"),
                || self.create(&format!("Tickets/{first_ticket}/Charges"), body, "creating the shipping charge"),
            )?;
        }
        // The internal-only note and the URL attachment, on each ticket.
        for &company in &companies {
            let ticket = run.id(&Self::ticket_key(company)).unwrap_or_default();
            let body = json!({
                "ticketID": ticket,
                "title": note_title,
                "description": format!("{}\n{link}", data.note_text(&self.config)),
                "noteType": note_type,
                "publish": note_publish,
            });
            run.ensure(
                &format!("note/{company}"),
                "TicketNote",
                || self.find_one("TicketNotes", vec![eq("ticketID", ticket), eq("title", note_title.clone())], "looking for the note"),
                || self.create(&format!("Tickets/{ticket}/Notes"), body, "adding the internal note"),
            )?;
            let att_title = format!("{po} in Purser");
            let body = json!({
                "parentID": ticket,
                "attachmentType": "URL",
                "fullPath": link,
                "title": att_title,
                "publish": attachment_publish,
            });
            run.ensure(
                &format!("attachment/{company}"),
                "TicketAttachment",
                || self.find_one("TicketAttachments", vec![eq("parentID", ticket), eq("title", att_title.clone())], "looking for the link"),
                || self.create(&format!("Tickets/{ticket}/Attachments"), body, "attaching the link to the order"),
            )?;
        }
        // The purchase order with its items ("Enable for procurement").
        if let Some(po_status) = po_status {
            let vendor = self.config.psa.vendors.get(&o.distributor).copied().unwrap_or_default();
            let mut body = json!({
                "vendorID": vendor,
                "status": po_status,
                "externalPONumber": po,
                "generalMemo": format!("{}; {link}", data.quotes.join(", ")),
            });
            if o.shipping > rust_decimal::Decimal::ZERO {
                body["freight"] = money(o.shipping);
            }
            if companies.len() == 1 {
                body["purchaseForCompanyID"] = json!(companies[0]);
            }
            if o.order_type == OrderType::Dropship {
                if let Some(a) = &o.ship_to {
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
            }
            let order_id = run.ensure(
                "purchase_order",
                "PurchaseOrder",
                || self.find_one("PurchaseOrders", vec![eq("externalPONumber", po.clone())], "looking for the purchase order"),
                || self.create("PurchaseOrders", body, "creating the purchase order"),
            )?;
            for l in data.goods() {
                let memo = format!("{po}/L{}", l.n);
                let body = json!({
                    "orderID": order_id,
                    "productID": l.line.psa_product_id.as_deref().and_then(|p| p.trim().parse::<i64>().ok()).unwrap_or_default(),
                    "quantity": l.line.quantity,
                    "unitCost": money(l.line.unit_cost),
                    "inventoryLocationID": s.inventory_location_id.unwrap_or_default(),
                    "ticketID": run.id(&Self::ticket_key(Self::line_company(l))).unwrap_or_default(),
                    "chargeID": run.id(&format!("charge/L{}", l.n)).unwrap_or_default(),
                    "memo": memo,
                });
                run.ensure(
                    &format!("po_item/L{}", l.n),
                    "PurchaseOrderItem",
                    || self.find_one("PurchaseOrderItems", vec![eq("orderID", order_id), eq("memo", memo.clone())], "looking for a purchase-order item"),
                    || self.create(&format!("PurchaseOrders/{order_id}/Items"), body, &format!("adding line {} to the purchase order", l.n)),
                )?;
            }
        }
        self.stage(run, data, "placed", self.config.psa.stages.placed.clone())
    }

    fn sync_receipt(&self, run: &mut Run<'_>, data: &OrderData, receipt: &Receipt) -> Result<(), PsaError> {
        let Some(line) = data.lines.iter().find(|l| l.n == receipt.line) else {
            return Err(PsaError::Permanent(format!("receipt {} names line {}, which the order does not have", receipt.id, receipt.line)));
        };
        if line.is_service || !self.s.purchase_orders {
            // No PO item to receive against: services, or procurement not enabled.
            return Ok(());
        }
        let item = run.id(&format!("po_item/L{}", line.n)).ok_or_else(|| {
            PsaError::temporary(format!("receipt {} waits: line {} has no purchase-order item in Autotask yet", receipt.id, line.n))
        })?;
        let date = receipt.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // One record per serial number (quantity 1 each), or one record for the quantity.
        let units: Vec<(Option<&String>, u32)> = if receipt.serials.is_empty() {
            vec![(None, receipt.quantity)]
        } else {
            receipt.serials.iter().map(|s| (Some(s), 1)).collect()
        };
        for (i, (serial, qty)) in units.into_iter().enumerate() {
            let key = format!("receipt/{}/{}", receipt.id, i + 1);
            let mut body = json!({
                "purchaseOrderItemID": item,
                "quantityNowReceiving": qty,
                "receiveDate": date,
            });
            let mut filter = vec![eq("purchaseOrderItemID", item), eq("receiveDate", date.clone())];
            if let Some(s) = serial {
                body["serialNumber"] = json!(s);
                filter.push(eq("serialNumber", s.clone()));
            }
            let known = run.state.ids_with_prefix("receipt/");
            run.ensure(
                &key,
                "PurchaseOrderItemReceiving",
                || {
                    Ok(self
                        .query("PurchaseOrderItemReceiving", filter, "looking for a receiving record")?
                        .iter()
                        .filter(|r| r.get("quantityNowReceiving").and_then(as_id) == Some(qty as i64))
                        .filter_map(|r| r.get("id").and_then(as_id))
                        .find(|id| !known.contains(id)))
                },
                || self.create(&format!("PurchaseOrderItems/{item}/Receiving"), body, &format!("receiving {qty} unit(s) of line {}", line.n)),
            )?;
        }
        let status = data.order.status();
        let which = match status {
            crate::domain::OrderStatus::Completed => "completed",
            _ => "partial",
        };
        let name = match which {
            "completed" => self.config.psa.stages.completed.clone(),
            _ => self.config.psa.stages.partial.clone(),
        };
        self.stage(run, data, which, name)
    }

    fn check(&self, _svc: &Service) -> Result<Vec<String>, PsaError> {
        let s = &self.s;
        let mut out = Vec::new();
        let mut try_pick = |entity: &str, field: &str, label: Option<&str>, key: &str| {
            if let Some(label) = label {
                match self.pick(entity, field, label, key) {
                    Ok(_) => {}
                    Err(PsaError::Temporary { message, .. }) => out.push(message),
                    Err(e) => out.push(e.to_string()),
                }
            }
        };
        try_pick("Tickets", "status", s.ticket_status.as_deref(), "[psa.autotask] ticket_status");
        try_pick("Tickets", "priority", s.ticket_priority.as_deref(), "[psa.autotask] ticket_priority");
        try_pick("Tickets", "queueID", s.ticket_queue.as_deref(), "[psa.autotask] ticket_queue");
        try_pick("Tickets", "ticketType", s.ticket_type.as_deref(), "[psa.autotask] ticket_type");
        try_pick("TicketCharges", "chargeType", Some(&s.charge_type), "[psa.autotask] charge_type");
        try_pick("TicketCharges", "status", s.charge_status.as_deref(), "[psa.autotask] charge_status");
        try_pick("TicketNotes", "noteType", s.note_type.as_deref(), "[psa.autotask] note_type");
        try_pick("TicketNotes", "publish", s.note_publish.as_deref(), "[psa.autotask] note_publish");
        try_pick("TicketAttachments", "publish", s.note_publish.as_deref(), "[psa.autotask] note_publish");
        if s.purchase_orders {
            try_pick("PurchaseOrders", "status", s.purchase_order_status.as_deref(), "[psa.autotask] purchase_order_status");
        }
        let st = &self.config.psa.stages;
        try_pick("Opportunities", "stage", st.placed.as_deref(), "[psa.stages] placed");
        try_pick("Opportunities", "stage", st.partial.as_deref(), "[psa.stages] partial");
        try_pick("Opportunities", "stage", st.completed.as_deref(), "[psa.stages] completed");
        Ok(out)
    }
}
