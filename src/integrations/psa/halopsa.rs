//! HaloPSA (API v2, OAuth2 client credentials): a sales order with lines (cost, sell price,
//! supplier) linked to the quotation and the opportunity; a purchase order linked to the
//! sales order and the supplier; a CRM note (action) on the sales order; the opportunity
//! status. Per receipt (`receipts`): stock records (quantity, cost, supplier, PO line),
//! and serialized asset records when the item has an asset type.
//!
//! Refused before anything is sent: items of more than one customer company, or a
//! distributor that is not a supplier company in Halo (`GET /Supplier/{id}` finds none, or
//! finds a company whose `is_supplier` is false, such as a manufacturer only).
//!
//! Our references, looked up before creating again: sales order `po_number`, purchase
//! order `po_ref`, line and stock `note` (`PO-…/L{n}`, `PO-…/R{id}`), asset `key_field`,
//! and the note by the `Purser PO-…:` its text starts with (among the opportunity's
//! actions, or without an opportunity among the actions of its outcome).

use super::http::{as_id, money, Http, PsaError};
use super::{order_link, secret, OrderData, PsaClient, Run};
use crate::config::{Config, HalopsaSettings};
use crate::domain::{OrderType, Receipt};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Mutex;

mod receipts;

pub struct Halopsa {
    http: Http,
    root: String,
    client_secret: String,
    s: HalopsaSettings,
    config: Config,
    token: Mutex<Option<String>>,
}

/// The records of a list answer: an array, or the first array inside an object.
fn records(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o.values().find_map(|x| x.as_array().cloned()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The created object of a write answer (an object, or the first of an array).
fn created(v: &Value) -> Option<i64> {
    match v {
        Value::Array(a) => a.first().and_then(|o| o.get("id")).and_then(as_id),
        o => o.get("id").and_then(as_id),
    }
}

fn num(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// How long a sign-in is kept: a minute less than Halo's `expires_in` says (ten minutes
/// when it says nothing), at most [`crate::integrations::cache::MAX_TTL`].
fn token_lifetime(answer: &Value) -> std::time::Duration {
    let secs = answer
        .get("expires_in")
        .and_then(as_id)
        .unwrap_or(600)
        .saturating_sub(60);
    std::time::Duration::from_secs(u64::try_from(secs).unwrap_or(0)).min(crate::integrations::cache::MAX_TTL)
}

/// The outcome (action type) of the note on the sales order.
const NOTE_OUTCOME: &str = "Procurement";

/// Whether action `a` is our note on sales order `so_id`: its text starts with `marker`
/// (`Purser PO-000123:`), and it is on that sales order when the answer says which.
fn is_note(a: &Value, marker: &str, so_id: i64) -> bool {
    a.get("note")
        .and_then(Value::as_str)
        .is_some_and(|n| n.starts_with(marker))
        && a.get("salesorder_id").and_then(as_id).is_none_or(|s| s == so_id)
}

impl Halopsa {
    pub fn from_config(config: &Config) -> Result<Self, PsaError> {
        let s = config
            .psa
            .halopsa
            .clone()
            .ok_or_else(|| PsaError::Config("[psa.halopsa] is missing".into()))?;
        Ok(Halopsa {
            http: Http::new("HaloPSA", config.psa.timeout())?,
            root: config
                .psa
                .base_url
                .clone()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_string(),
            client_secret: secret(&s.client_secret_env, &s.client_secret_file, "HaloPSA client secret")?,
            s,
            config: config.clone(),
            token: Mutex::new(None),
        })
    }

    fn cache_key(&self) -> String {
        format!(
            "halo-token {} {} {}",
            self.root,
            self.s.client_id,
            self.s.tenant.as_deref().unwrap_or("")
        )
    }

    async fn token(&self) -> Result<String, PsaError> {
        if let Some(t) = self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            return Ok(t.clone());
        }
        if let Some(t) = crate::integrations::cache::get(&self.cache_key()) {
            *self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(t.clone());
            return Ok(t);
        }
        let mut form = vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", self.s.client_id.clone()),
            ("client_secret", self.client_secret.clone()),
            ("scope", "all".to_string()),
        ];
        if let Some(t) = &self.s.tenant {
            form.push(("tenant", t.clone()));
        }
        let url = format!("{}/auth/token", self.root);
        let v = self
            .http
            .send(
                "signing in (client credentials)",
                self.http.client().post(&url).form(&form),
            )
            .await?;
        let t = v
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| PsaError::Permanent("HaloPSA answered the sign-in without an access token".into()))?
            .to_string();
        crate::integrations::cache::put(&self.cache_key(), &t, token_lifetime(&v));
        *self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(t.clone());
        Ok(t)
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
        what: &str,
    ) -> Result<Value, PsaError> {
        let url = format!("{}/api/{path}", self.root);
        let mut retried = false;
        loop {
            let mut r = self
                .http
                .client()
                .request(method.clone(), &url)
                .bearer_auth(self.token().await?)
                .query(query);
            if let Some(b) = &body {
                r = r.json(b);
            }
            match self.http.send(what, r).await {
                // An expired token: sign in again once.
                Err(PsaError::Refused { status: 401, .. }) if !retried => {
                    retried = true;
                    *self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
                    crate::integrations::cache::forget(&self.cache_key());
                }
                other => return other,
            }
        }
    }

    async fn create(&self, path: &str, body: Value, what: &str) -> Result<i64, PsaError> {
        let v = self.call(Method::POST, path, &[], Some(json!([body])), what).await?;
        created(&v).ok_or_else(|| PsaError::temporary(format!("HaloPSA answered without an id while {what}")))
    }

    async fn list(&self, path: &str, query: &[(&str, String)], what: &str) -> Result<Vec<Value>, PsaError> {
        Ok(records(&self.call(Method::GET, path, query, None, what).await?))
    }

    async fn find(
        &self,
        path: &str,
        query: &[(&str, String)],
        field: &str,
        value: &str,
        what: &str,
    ) -> Result<Option<i64>, PsaError> {
        Ok(self
            .list(path, query, what)
            .await?
            .iter()
            .find(|r| r.get(field).and_then(Value::as_str) == Some(value))
            .and_then(|r| r.get("id"))
            .and_then(as_id))
    }

    fn supplier(&self, data: &OrderData) -> Option<i64> {
        self.config.psa.vendors.get(&data.order.distributor).copied()
    }

    /// Why Halo company `id` is not a supplier; `None` when it is one. Halo answers
    /// `GET /Supplier/{id}` for any company: a 404 is no company at all, and one whose
    /// `is_supplier` is false (a manufacturer only, say) is no supplier either.
    async fn not_a_supplier(&self, id: i64) -> Result<Option<String>, PsaError> {
        match self
            .call(
                Method::GET,
                &format!("Supplier/{id}"),
                &[],
                None,
                &format!("checking supplier {id}"),
            )
            .await
        {
            Ok(v) if v.get("is_supplier").and_then(Value::as_bool) == Some(false) => {
                let name = v.get("name").and_then(Value::as_str).unwrap_or("");
                let manufacturer = if v.get("is_manufacturer").and_then(Value::as_bool) == Some(true) {
                    ", a manufacturer only"
                } else {
                    ""
                };
                Ok(Some(format!(
                    "Halo company {id} \"{name}\" is not a supplier (is_supplier is false{manufacturer})"
                )))
            }
            Ok(_) => Ok(None),
            Err(PsaError::Refused { status: 404, .. }) => Ok(Some(format!("Halo has no supplier company {id}"))),
            Err(e) => Err(e),
        }
    }

    /// One customer company, and a distributor that is a Halo supplier; else nothing is sent.
    async fn preflight(&self, data: &OrderData) -> Result<(i64, i64), PsaError> {
        let po = data.order.number;
        let companies = data.companies();
        if companies.len() > 1 {
            let mut names: Vec<String> = Vec::new();
            for l in &data.lines {
                let n = format!(
                    "{} ({})",
                    l.line.customer_name,
                    l.line.psa_company_id.as_deref().unwrap_or("no Halo client id")
                );
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            return Err(PsaError::Permanent(format!(
                "{po} was not sent to HaloPSA: its items belong to more than one customer company ({}); a Halo purchase order takes one — split the order",
                names.join(", ")
            )));
        }
        let client = companies
            .first()
            .cloned()
            .flatten()
            .and_then(|c| num(&c))
            .ok_or_else(|| {
                PsaError::Permanent(format!(
                    "{po} was not sent to HaloPSA: the customer has no Halo client id"
                ))
            })?;
        let dist = self.config.distributor_name(&data.order.distributor);
        let Some(supplier) = self.supplier(data) else {
            return Err(PsaError::Permanent(format!(
                "{po} was not sent to HaloPSA: distributor {dist} has no Halo supplier id; add it under [psa.vendors]"
            )));
        };
        if let Some(why) = self.not_a_supplier(supplier).await? {
            let key = &data.order.distributor;
            return Err(PsaError::Permanent(format!(
                "{po} was not sent to HaloPSA: distributor {dist} (Halo id {supplier}) is not a supplier company in Halo ({why}); make it a supplier there or fix [psa.vendors] {key} = {supplier}"
            )));
        }
        let mut problems = Vec::new();
        for l in data.goods() {
            if l.line.psa_product_id.as_deref().and_then(num).is_none() {
                problems.push(format!("line {} ({}) has no Halo item id", l.n, l.line.sku));
            }
        }
        if !problems.is_empty() {
            return Err(PsaError::Permanent(format!(
                "{po} was not sent to HaloPSA: {}",
                problems.join("; ")
            )));
        }
        Ok((client, supplier))
    }

    async fn status_id(&self, name: &str, key: &str) -> Result<i64, PsaError> {
        let all = self
            .list(
                "Status",
                &[("domain", "opps".into())],
                "reading the opportunity statuses",
            )
            .await?;
        super::http::id_by_name(&all, name, key, "an opportunity status", "HaloPSA")
    }

    async fn stage(
        &self,
        run: &mut Run<'_>,
        data: &OrderData,
        which: &str,
        name: Option<String>,
    ) -> Result<(), PsaError> {
        let Some(name) = name else { return Ok(()) };
        let opps: Vec<i64> = data.opportunities.iter().filter_map(|o| num(o)).collect();
        if opps.is_empty() {
            return Ok(());
        }
        let status = self.status_id(&name, &format!("[psa.stages] {which}")).await?;
        for id in opps {
            run.update(&format!("stage/{which}/{id}"), "Opportunity", async || {
                self.call(
                    Method::POST,
                    "Opportunities",
                    &[],
                    Some(json!([{"id": id, "status_id": status}])),
                    &format!("setting opportunity {id} to {name}"),
                )
                .await
                .map(|_| ())
            })
            .await?;
        }
        Ok(())
    }

    /// Line ids of a sales or purchase order, by our reference in each line's note.
    async fn line_ids(&self, path: &str, id: i64, what: &str) -> Result<Vec<(String, i64)>, PsaError> {
        let v = self
            .call(
                Method::GET,
                &format!("{path}/{id}"),
                &[("includedetails", "true".into())],
                None,
                what,
            )
            .await?;
        Ok(v.get("lines")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|l| Some((l.get("note")?.as_str()?.to_string(), l.get("id").and_then(as_id)?)))
            .collect())
    }

    /// The sales order with its lines, linked to the quotation and the opportunity; its id.
    async fn sales_order(
        &self,
        run: &mut Run<'_>,
        data: &OrderData,
        client: i64,
        supplier: i64,
    ) -> Result<i64, PsaError> {
        let o = &data.order;
        let po = o.number.to_string();
        let opportunity = data.opportunities.iter().find_map(|x| num(x));
        let quotation = data.lines.iter().find_map(|l| num(&l.line.quote_id));
        let link = order_link(&self.config, o.number);
        let mut so = json!({
            "client_id": client,
            "po_number": po,
            "note": format!("{}\n{link}", data.note_text(&self.config)),
            "lines": self.sales_order_lines(data, supplier, quotation),
        });
        if let Some(t) = opportunity {
            so["ticket_id"] = json!(t);
        }
        if let Some(q) = quotation {
            so["quotation_id"] = json!(q);
        }
        run.ensure(
            "sales_order",
            "SalesOrder",
            async || {
                self.find(
                    "SalesOrder",
                    &[("search", po.clone())],
                    "po_number",
                    &po,
                    "looking for the sales order",
                )
                .await
            },
            async || self.create("SalesOrder", so, "creating the sales order").await,
        )
        .await
    }

    /// The sales order's lines: item, supplier, cost and sell price, and the quotation line.
    fn sales_order_lines(&self, data: &OrderData, supplier: i64, quotation: Option<i64>) -> Vec<Value> {
        let po = data.order.number.to_string();
        let qty = &self.s.line_quantity_field;
        data.lines
            .iter()
            .map(|l| {
                let mut v = json!({
                    "item_id": l.line.psa_product_id.as_deref().and_then(num).unwrap_or_default(),
                    "supplier_id": supplier,
                    "costprice": money(l.line.unit_cost),
                    "baseprice": money(l.line.unit_price),
                    "item_description": l.line.description,
                    "note": format!("{po}/L{}", l.n),
                });
                v[qty] = json!(l.line.quantity);
                if let Some(q) = num(&l.line.line_id) {
                    if quotation.is_some() {
                        v["quotation_line_id"] = json!(q);
                    }
                }
                v
            })
            .collect()
    }

    /// The CRM note on the sales order, hidden from the customer.
    async fn note(&self, run: &mut Run<'_>, data: &OrderData, so_id: i64) -> Result<(), PsaError> {
        let po = data.order.number.to_string();
        let opportunity = data.opportunities.iter().find_map(|x| num(x));
        let link = order_link(&self.config, data.order.number);
        let mut note = json!({
            "salesorder_id": so_id,
            "outcome": NOTE_OUTCOME,
            "note": format!("Purser {po}: {}\n{link}", data.note_text(&self.config)),
            "hiddenfromuser": true,
            "sendemail": false,
        });
        if let Some(t) = opportunity {
            note["ticket_id"] = json!(t);
        }
        let marker = format!("Purser {po}:");
        run.ensure(
            "note",
            "Action",
            async || {
                // The opportunity's actions; without an opportunity the note hangs on the
                // sales order alone, which the action list cannot filter on: the actions
                // of the note's outcome, then.
                let query = match opportunity {
                    Some(t) => ("ticket_id", t.to_string()),
                    None => ("actoutcome", NOTE_OUTCOME.to_string()),
                };
                Ok(self
                    .list("Actions", &[query], "looking for the note")
                    .await?
                    .iter()
                    .find(|a| is_note(a, &marker, so_id))
                    .and_then(|a| a.get("id"))
                    .and_then(as_id))
            },
            async || self.create("Actions", note, "adding the note to the sales order").await,
        )
        .await?;
        Ok(())
    }

    /// The purchase order, linked to the sales order (line by line) and the supplier.
    async fn purchase_order(
        &self,
        run: &mut Run<'_>,
        data: &OrderData,
        client: i64,
        supplier: i64,
        so_id: i64,
    ) -> Result<(), PsaError> {
        let po = data.order.number.to_string();
        let qty = &self.s.line_quantity_field;
        let so_lines = self
            .line_ids("SalesOrder", so_id, "reading the sales order lines")
            .await?;
        let po_lines: Vec<Value> = data
            .goods()
            .map(|l| {
                let reference = format!("{po}/L{}", l.n);
                let mut v = json!({
                    "item_id": l.line.psa_product_id.as_deref().and_then(num).unwrap_or_default(),
                    "baseprice": money(l.line.unit_cost),
                    "productcode": l.line.part_number(),
                    "note": reference,
                });
                if let Some((_, id)) = so_lines.iter().find(|(r, _)| *r == reference) {
                    v["salesorder_line_id"] = json!(id);
                }
                v[qty] = json!(l.line.quantity);
                v
            })
            .collect();
        let body = json!({
            "supplier_id": supplier,
            "salesorder_id": so_id,
            "client_id": client,
            "po_ref": po,
            "deliver_to_so_address": data.order.order_type == OrderType::Dropship,
            "lines": po_lines,
        });
        run.ensure(
            "purchase_order",
            "PurchaseOrder",
            async || {
                self.find(
                    "PurchaseOrder",
                    &[("salesorder_id", so_id.to_string())],
                    "po_ref",
                    &po,
                    "looking for the purchase order",
                )
                .await
            },
            async || self.create("PurchaseOrder", body, "creating the purchase order").await,
        )
        .await?;
        Ok(())
    }
}

impl PsaClient for Halopsa {
    async fn sync_order(&self, run: &mut Run<'_>, data: &OrderData) -> Result<(), PsaError> {
        let (client, supplier) = self.preflight(data).await?;
        if let Some(stage) = &self.config.psa.stages.placed {
            if data.opportunities.iter().any(|o| num(o).is_some()) {
                self.status_id(stage, "[psa.stages] placed").await?;
            }
        }
        let so_id = self.sales_order(run, data, client, supplier).await?;
        self.note(run, data, so_id).await?;
        self.purchase_order(run, data, client, supplier, so_id).await?;
        self.stage(run, data, "placed", self.config.psa.stages.placed.clone())
            .await
    }

    async fn sync_receipt(&self, run: &mut Run<'_>, data: &OrderData, receipt: &Receipt) -> Result<(), PsaError> {
        self.book_receipt(run, data, receipt).await
    }

    async fn check(&self) -> Result<Vec<String>, PsaError> {
        let mut out = Vec::new();
        self.token().await?;
        let st = &self.config.psa.stages;
        for (which, name) in [
            ("placed", &st.placed),
            ("partial", &st.partial),
            ("completed", &st.completed),
        ] {
            if let Some(n) = name {
                if let Err(e) = self.status_id(n, &format!("[psa.stages] {which}")).await {
                    out.push(e.to_string());
                }
            }
        }
        for (key, id) in &self.config.psa.vendors {
            match self.not_a_supplier(*id).await {
                Ok(None) => {}
                Ok(Some(why)) => out.push(format!(
                    "[psa.vendors] {key} = {id}: distributor {} is not a supplier company in HaloPSA ({why}); make it a supplier there or map {key} to its supplier company",
                    self.config.distributor_name(key)
                )),
                Err(e) => out.push(format!(
                    "[psa.vendors] {key} = {id}: the supplier could not be checked ({e})"
                )),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::cache::MAX_TTL;
    use std::time::Duration;

    #[test]
    fn a_sign_in_is_kept_a_minute_less_than_it_lives_and_a_day_at_most() {
        assert_eq!(token_lifetime(&json!({"expires_in": 3600})), Duration::from_secs(3540));
        assert_eq!(token_lifetime(&json!({})), Duration::from_secs(540));
        assert_eq!(token_lifetime(&json!({"expires_in": -10})), Duration::ZERO);
        assert_eq!(token_lifetime(&json!({"expires_in": i64::MAX})), MAX_TTL);
        assert_eq!(token_lifetime(&json!({"expires_in": "99999999999999"})), MAX_TTL);
    }

    #[test]
    fn the_note_is_known_by_its_marker_and_sales_order() {
        let m = "Purser PO-000001:";
        assert!(is_note(
            &json!({"note": "Purser PO-000001: ordered", "salesorder_id": 7}),
            m,
            7
        ));
        assert!(is_note(&json!({"note": "Purser PO-000001: ordered"}), m, 7));
        assert!(!is_note(
            &json!({"note": "Purser PO-000001: ordered", "salesorder_id": 8}),
            m,
            7
        ));
        assert!(!is_note(
            &json!({"note": "Purser PO-0000012: ordered", "salesorder_id": 7}),
            m,
            7
        ));
        assert!(!is_note(&json!({"salesorder_id": 7}), m, 7));
    }
}
