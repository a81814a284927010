//! ConnectWise Manage (REST 3.0): Basic `companyId+publicKey:privateKey` and `clientId`.
//!
//! Per order: a service ticket per customer company on the configured board with status,
//! priority, SLA and impact (names looked up), whose initial description carries the
//! internal note; the won opportunity's products of the order's lines converted onto that
//! ticket (`convertToServiceTicket` into the ticket made first, as its body has no board,
//! with `includeProductIds`: the forecast items of the lines' catalog items, never one an
//! earlier order converted); the opportunity stage when placed, and when partly or fully
//! received if `[psa.stages]` maps those, following every order of the opportunity. No
//! purchase order and no receiving records (as in the reference).
//!
//! Names are looked up with `conditions=`, and every list follows its `Link` header's
//! `rel="next"` page.
//!
//! Our references, looked up before creating again: ticket `poNumber`; a conversion is
//! done when the ticket has products of the opportunity
//! (`/procurement/products?conditions=chargeToType='Ticket' AND chargeToId={id}`).

use super::http::{as_id, Http, PsaError};
use super::{order_link, secret, LineData, OrderData, PsaClient, Run};
use crate::config::{Config, ConnectwiseSettings};
use crate::domain::{OrderStatus, Receipt};
use reqwest::Method;
use serde_json::{json, Value};

pub struct Connectwise {
    http: Http,
    root: String,
    auth: String,
    s: ConnectwiseSettings,
    config: Config,
}

/// Base64 (RFC 4648, padded): ConnectWise's Basic credential.
pub fn b64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A condition value in ConnectWise's query language, quoted.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Connectwise {
    pub fn from_config(config: &Config) -> Result<Self, PsaError> {
        let s = config
            .psa
            .connectwise
            .clone()
            .ok_or_else(|| PsaError::Config("[psa.connectwise] is missing".into()))?;
        let public = secret(&s.public_key_env, &s.public_key_file, "ConnectWise public key")?;
        let private = secret(&s.private_key_env, &s.private_key_file, "ConnectWise private key")?;
        Ok(Connectwise {
            http: Http::new("ConnectWise", config.psa.timeout())?,
            root: config
                .psa
                .base_url
                .clone()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_string(),
            auth: format!(
                "Basic {}",
                b64(format!("{}+{public}:{private}", s.company_id).as_bytes())
            ),
            s,
            config: config.clone(),
        })
    }

    fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .request(method, url)
            .header("Authorization", &self.auth)
            .header("clientId", &self.s.client_id)
            .header("Accept", "application/vnd.connectwise.com+json; version=2025.1")
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
        what: &str,
    ) -> Result<Value, PsaError> {
        let mut r = self.request(method, &format!("{}{path}", self.root)).query(query);
        if let Some(b) = body {
            r = r.json(&b);
        }
        self.http.send(what, r).await
    }

    /// Every record at `path` matching `conditions`: page after page, as long as the
    /// answer's `Link` header names a `rel="next"` one.
    async fn list(&self, path: &str, conditions: Option<&str>, what: &str) -> Result<Vec<Value>, PsaError> {
        let mut query = vec![("pageSize", MAX_PAGE_SIZE.to_string())];
        if let Some(c) = conditions {
            query.push(("conditions", c.to_string()));
        }
        let mut req = self.request(Method::GET, &format!("{}{path}", self.root)).query(&query);
        let mut out = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for _ in 0..MAX_PAGES {
            let (v, headers) = self.http.send_with_headers(what, req).await?;
            match v {
                Value::Array(records) => out.extend(records),
                Value::Null => {}
                one => out.push(one),
            }
            let next = headers
                .get_all(reqwest::header::LINK)
                .iter()
                .filter_map(|h| h.to_str().ok())
                .find_map(next_link);
            let Some(next) = next else {
                return Ok(out);
            };
            let url = under_root(&self.root, &next).ok_or_else(|| {
                PsaError::Permanent(format!(
                    "ConnectWise named a next page outside its API ({next}) while {what}"
                ))
            })?;
            if seen.contains(&url) {
                return Ok(out);
            }
            seen.push(url.clone());
            req = self.request(Method::GET, &url);
        }
        Err(PsaError::Permanent(format!(
            "ConnectWise answered more than {MAX_PAGES} pages while {what}"
        )))
    }

    /// The id of the record named `name` at `path` (within `scope`, a condition such as
    /// `board/id=8`), looked up by name; when there is none, a message naming every one
    /// there is.
    async fn named(&self, path: &str, scope: Option<&str>, name: &str, key: &str, what: &str) -> Result<i64, PsaError> {
        let by_name = format!("name={}", quoted(name.trim()));
        let conditions = match scope {
            Some(s) => format!("{s} and {by_name}"),
            None => by_name,
        };
        let found = self
            .list(path, Some(&conditions), &format!("looking up the {what}"))
            .await?;
        if let Ok(id) = super::http::id_by_name(&found, name, key, what, "ConnectWise") {
            return Ok(id);
        }
        let all = self.list(path, scope, &format!("listing the {what}s")).await?;
        super::http::id_by_name(&all, name, key, &format!("a {what}"), "ConnectWise")
    }

    fn setting<'a>(&self, v: &'a Option<String>, key: &str) -> Result<&'a str, PsaError> {
        v.as_deref()
            .ok_or_else(|| PsaError::Config(format!("[psa.connectwise] needs {key}")))
    }

    /// Moves each opportunity to `stage` (named `name`), once per status.
    async fn set_stage(
        &self,
        run: &mut Run<'_>,
        which: &str,
        opportunities: &[i64],
        stage: i64,
        name: &str,
    ) -> Result<(), PsaError> {
        for op in opportunities {
            run.update(&format!("stage/{which}/{op}"), "Opportunity", async || {
                self.call(
                    Method::PATCH,
                    &format!("/sales/opportunities/{op}"),
                    &[],
                    Some(json!([{"op": "replace", "path": "stage", "value": {"id": stage}}])),
                    &format!("setting opportunity {op} to stage {name}"),
                )
                .await
                .map(|_| ())
            })
            .await?;
        }
        Ok(())
    }

    /// Per opportunity, the stage its orders have reached together, with its id:
    /// completed only when every placed order of it is completed, partial once any has
    /// received something, placed otherwise. A state `[psa.stages]` does not map moves
    /// nothing, except that the order's own sync (`at_least_placed`) sets `placed`.
    async fn stage_plan(
        &self,
        data: &OrderData,
        opportunities: &[i64],
        at_least_placed: bool,
    ) -> Result<Vec<(i64, &'static str, String, i64)>, PsaError> {
        let st = &self.config.psa.stages;
        let mut ids: Vec<(String, i64)> = Vec::new();
        let mut out = Vec::new();
        for op in opportunities {
            let which = opportunity_state(data, *op);
            let mapped = match which {
                "completed" => &st.completed,
                "partial" => &st.partial,
                _ => &st.placed,
            };
            let (which, name) = match (mapped, &st.placed) {
                (Some(n), _) => (which, n.clone()),
                (None, Some(n)) if at_least_placed => ("placed", n.clone()),
                _ => continue,
            };
            let id = match ids.iter().find(|(n, _)| *n == name) {
                Some((_, id)) => *id,
                None => {
                    let id = self
                        .named(
                            "/sales/stages",
                            None,
                            &name,
                            &format!("[psa.stages] {which}"),
                            "sales stage",
                        )
                        .await?;
                    ids.push((name.clone(), id));
                    id
                }
            };
            out.push((*op, which, name, id));
        }
        Ok(out)
    }

    /// Board, status, priority and SLA ids, by name.
    async fn ticket_settings(&self) -> Result<(i64, i64, i64, i64), PsaError> {
        let s = &self.s;
        let board = self
            .named(
                "/service/boards",
                None,
                self.setting(&s.board, "board")?,
                "[psa.connectwise] board",
                "service board",
            )
            .await?;
        let status = self
            .named(
                &format!("/service/boards/{board}/statuses"),
                Some(&format!("board/id={board}")),
                self.setting(&s.status, "status")?,
                "[psa.connectwise] status",
                "status on that board",
            )
            .await?;
        let priority = self
            .named(
                "/service/priorities",
                None,
                self.setting(&s.priority, "priority")?,
                "[psa.connectwise] priority",
                "priority",
            )
            .await?;
        let sla = self
            .named(
                "/service/SLAs",
                None,
                self.setting(&s.sla, "sla")?,
                "[psa.connectwise] sla",
                "SLA",
            )
            .await?;
        Ok((board, status, priority, sla))
    }

    /// The products on a ticket, by the query the API description gives for them.
    async fn ticket_products(&self, ticket: i64) -> Result<Vec<Value>, PsaError> {
        self.list(
            "/procurement/products",
            Some(&format!("chargeToType='Ticket' AND chargeToId={ticket}")),
            &format!("looking for the products on ticket {ticket}"),
        )
        .await
    }

    /// The forecast items of `op` to convert for `lines` (see [`choose`]).
    async fn to_convert(&self, op: i64, lines: &[&LineData]) -> Result<Vec<i64>, PsaError> {
        let forecast: Vec<Value> = self
            .list(
                &format!("/sales/opportunities/{op}/forecast"),
                None,
                &format!("reading the forecast of opportunity {op}"),
            )
            .await?
            .iter()
            .flat_map(|f| {
                f.get("forecastItems")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|i| {
                i.get("forecastType")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == "Product")
            })
            .collect();
        let converted: Vec<i64> = self
            .list(
                "/procurement/products",
                Some(&format!("opportunity/id={op}")),
                &format!("looking for the products of opportunity {op} converted already"),
            )
            .await?
            .iter()
            .filter_map(|p| p.get("forecastDetailId").and_then(as_id))
            .collect();
        let (include, unmatched) = choose(&forecast, &converted, lines);
        if !unmatched.is_empty() {
            tracing::warn!(
                opportunity = op,
                lines = ?unmatched,
                "order lines whose product is not on the opportunity's forecast: nothing converted for them"
            );
        }
        Ok(include)
    }

    /// Converts onto `ticket` the products of opportunity `op` that `lines` ordered and
    /// no order converted yet: one recorded step, found again through the ticket's
    /// products when its answer was lost.
    async fn convert(
        &self,
        run: &mut Run<'_>,
        op: i64,
        company: i64,
        ticket: i64,
        lines: &[&LineData],
    ) -> Result<(), PsaError> {
        let key = format!("products/{op}/{company}");
        // Recorded as `products/{op}` (its ticket's id) before orders shared opportunities.
        if run.id(&key).is_some() || run.id(&format!("products/{op}")) == Some(ticket) {
            return Ok(());
        }
        let chosen = if run.state.attempting.as_deref() == Some(key.as_str()) {
            // It may have happened: the look-up says, before anything is chosen again.
            None
        } else {
            let include = self.to_convert(op, lines).await?;
            if include.is_empty() {
                return Ok(());
            }
            Some(include)
        };
        run.ensure(
            &key,
            "OpportunityConversion",
            async || {
                let products = self.ticket_products(ticket).await?;
                Ok(products
                    .iter()
                    .any(|p| p.get("opportunity").and_then(|o| o.get("id")).and_then(as_id) == Some(op))
                    .then_some(ticket))
            },
            async || {
                let include = match chosen {
                    Some(i) => i,
                    None => self.to_convert(op, lines).await?,
                };
                if include.is_empty() {
                    return Ok(ticket);
                }
                self.call(
                    Method::POST,
                    &format!("/sales/opportunities/{op}/convertToServiceTicket"),
                    &[],
                    Some(
                        json!({"ticketId": ticket, "includeProductIds": include, "includeAllProductsFlag": false,
                                "includeAllNotesFlag": false, "includeAllDocumentsFlag": false}),
                    ),
                    "converting the opportunity's products onto the ticket",
                )
                .await?;
                Ok(ticket)
            },
        )
        .await?;
        Ok(())
    }
}

/// Records per page asked for (ConnectWise serves at most 1000).
const MAX_PAGE_SIZE: usize = 1000;

/// Pages followed at most in one list.
const MAX_PAGES: usize = 1000;

/// The target of a `Link` header's `rel="next"` (RFC 8288), if it has one.
pub(crate) fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>')?;
        let target = &after[..close];
        let tail = &after[close + 1..];
        let params = &tail[..tail.find('<').unwrap_or(tail.len())];
        let is_next = params.split(';').any(|p| {
            p.trim().trim_end_matches(',').split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
        if is_next {
            return Some(target.to_string());
        }
        rest = tail;
    }
    None
}

/// A next-page link as a URL under the configured API `root`: the credentials only ever
/// go to the configured host, whatever host the link names.
fn under_root(root: &str, link: &str) -> Option<String> {
    let base = reqwest::Url::parse(root).ok()?;
    let next = base.join(link).ok()?;
    let root_path = base.path().trim_end_matches('/');
    let path = next.path();
    let rest = if path.len() > root_path.len()
        && path[..root_path.len()].eq_ignore_ascii_case(root_path)
        && path[root_path.len()..].starts_with('/')
    {
        &path[root_path.len()..]
    } else {
        let at = path.to_ascii_lowercase().find("/apis/3.0/")?;
        &path[at + "/apis/3.0".len()..]
    };
    let mut url = format!("{}{rest}", root.trim_end_matches('/'));
    if let Some(q) = next.query() {
        url.push('?');
        url.push_str(q);
    }
    Some(url)
}

/// The opportunity `op` over every placed order of it: `completed` when all are,
/// `partial` when any has received something, else `placed`.
fn opportunity_state(data: &OrderData, op: i64) -> &'static str {
    let mut statuses = vec![data.order.status()];
    statuses.extend(
        data.opportunity_orders
            .iter()
            .filter(|(o, _, _)| o.trim().parse::<i64>().ok() == Some(op))
            .map(|(_, _, s)| *s),
    );
    if statuses.iter().all(|s| *s == OrderStatus::Completed) {
        "completed"
    } else if statuses
        .iter()
        .any(|s| matches!(s, OrderStatus::Partial | OrderStatus::Completed))
    {
        "partial"
    } else {
        "placed"
    }
}

/// Whether forecast item `item` is the product of line `l`: its catalog item is the
/// line's `psa_product_id`; for a line without one, its identifier is the line's SKU or
/// MPN (ignoring case).
fn is_for(item: &Value, l: &LineData) -> bool {
    let catalog = item.get("catalogItem");
    match l
        .line
        .psa_product_id
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
    {
        Some(p) => catalog.and_then(|c| c.get("id")).and_then(as_id) == Some(p),
        None => catalog
            .and_then(|c| c.get("identifier"))
            .and_then(Value::as_str)
            .map(str::trim)
            .is_some_and(|i| {
                !i.is_empty()
                    && (i.eq_ignore_ascii_case(l.line.sku.trim())
                        || l.line.mpn.as_deref().is_some_and(|m| m.trim().eq_ignore_ascii_case(i)))
            }),
    }
}

/// The forecast items to convert for `lines`: for each line, an item of its product
/// (see [`is_for`]) that is not `converted` already nor taken by another line, one of the
/// quote line's quantity first. Also the numbers of the lines whose product is not on the
/// forecast at all. A line whose items are all converted (an item split over several
/// orders, converted with the first) gets nothing.
fn choose(forecast: &[Value], converted: &[i64], lines: &[&LineData]) -> (Vec<i64>, Vec<u32>) {
    let mut taken: Vec<i64> = converted.to_vec();
    let mut picked: Vec<Option<i64>> = vec![None; lines.len()];
    let mut unmatched = Vec::new();
    for exact in [true, false] {
        for (i, l) in lines.iter().enumerate() {
            if picked[i].is_some() {
                continue;
            }
            let candidates: Vec<&Value> = forecast.iter().filter(|f| is_for(f, l)).collect();
            if candidates.is_empty() {
                if !exact {
                    unmatched.push(l.n);
                }
                continue;
            }
            let want = f64::from(l.quote_quantity.unwrap_or(l.line.quantity));
            let pick = candidates
                .iter()
                .filter_map(|f| f.get("id").and_then(as_id).map(|id| (id, *f)))
                .find(|(id, f)| {
                    !taken.contains(id)
                        && (!exact
                            || f.get("quantity")
                                .and_then(|q| q.to_string().parse::<f64>().ok())
                                .is_some_and(|q| q == want))
                })
                .map(|(id, _)| id);
            if let Some(id) = pick {
                taken.push(id);
                picked[i] = Some(id);
            }
        }
    }
    (picked.into_iter().flatten().collect(), unmatched)
}

impl PsaClient for Connectwise {
    async fn sync_order(&self, run: &mut Run<'_>, data: &OrderData) -> Result<(), PsaError> {
        let o = &data.order;
        let po = o.number.to_string();
        let (company_ids, opportunities) = connectwise_ids(data)?;
        let (board, status, priority, sla) = self.ticket_settings().await?;
        let stages = self.stage_plan(data, &opportunities, true).await?;
        let note = format!(
            "{}\n{}",
            data.note_text(&self.config),
            order_link(&self.config, o.number)
        );
        let company_of = |l: &LineData| {
            l.line
                .psa_company_id
                .as_deref()
                .and_then(|c| c.trim().parse::<i64>().ok())
        };
        let opportunity_of = |l: &LineData| l.opportunity.as_deref().and_then(|x| x.trim().parse::<i64>().ok());
        for company in &company_ids {
            let lines: Vec<&LineData> = data.lines.iter().filter(|l| company_of(l) == Some(*company)).collect();
            let mut ticket_opportunities: Vec<i64> = Vec::new();
            for op in lines.iter().filter_map(|l| opportunity_of(l)) {
                if !ticket_opportunities.contains(&op) {
                    ticket_opportunities.push(op);
                }
            }
            let mut body = json!({
                "summary": format!("Procurement {po} ({})", self.config.distributor_name(&o.distributor)).chars().take(100).collect::<String>(),
                "company": {"id": company},
                "board": {"id": board},
                "status": {"id": status},
                "priority": {"id": priority},
                "sla": {"id": sla},
                "impact": self.s.impact.clone().unwrap_or_else(|| "Medium".into()),
                "poNumber": po,
                "initialDescription": note,
            });
            if let Some(sev) = &self.s.severity {
                body["severity"] = json!(sev);
            }
            if let Some(op) = ticket_opportunities.first() {
                body["opportunity"] = json!({"id": op});
            }
            let conditions = format!("poNumber={} and company/id={company}", quoted(&po));
            let ticket = run
                .ensure(
                    &format!("ticket/{company}"),
                    "Ticket",
                    async || {
                        let found = self
                            .list("/service/tickets", Some(&conditions), "looking for the ticket")
                            .await?;
                        Ok(found.first().and_then(|t| t.get("id")).and_then(as_id))
                    },
                    async || {
                        let v = self
                            .call(
                                Method::POST,
                                "/service/tickets",
                                &[],
                                Some(body),
                                "creating the service ticket",
                            )
                            .await?;
                        v.get("id")
                            .and_then(as_id)
                            .ok_or_else(|| PsaError::temporary("ConnectWise answered the ticket without an id"))
                    },
                )
                .await?;
            // The won opportunities' products of this ticket's lines, converted onto it.
            for op in ticket_opportunities {
                let of_op: Vec<&LineData> = lines
                    .iter()
                    .filter(|l| opportunity_of(l) == Some(op))
                    .copied()
                    .collect();
                self.convert(run, op, *company, ticket, &of_op).await?;
            }
        }
        for (op, which, name, stage) in stages {
            self.set_stage(run, which, &[op], stage, &name).await?;
        }
        Ok(())
    }

    async fn sync_receipt(&self, run: &mut Run<'_>, data: &OrderData, _receipt: &Receipt) -> Result<(), PsaError> {
        // Receiving records stay in Purser with ConnectWise (as in the reference); the
        // opportunity stage follows its orders to partial and completed when mapped.
        if !matches!(data.order.status(), OrderStatus::Partial | OrderStatus::Completed) {
            return Ok(());
        }
        let opportunities: Vec<i64> = data
            .opportunities
            .iter()
            .filter_map(|x| x.trim().parse().ok())
            .collect();
        for (op, which, name, stage) in self.stage_plan(data, &opportunities, false).await? {
            if which != "placed" {
                self.set_stage(run, which, &[op], stage, &name).await?;
            }
        }
        Ok(())
    }

    async fn check(&self) -> Result<Vec<String>, PsaError> {
        let mut out = Vec::new();
        if let Err(e) = self.ticket_settings().await {
            out.push(e.to_string());
        }
        let st = &self.config.psa.stages;
        for (which, name) in [
            ("placed", &st.placed),
            ("partial", &st.partial),
            ("completed", &st.completed),
        ] {
            if let Some(name) = name {
                if let Err(e) = self
                    .named(
                        "/sales/stages",
                        None,
                        name,
                        &format!("[psa.stages] {which}"),
                        "sales stage",
                    )
                    .await
                {
                    out.push(e.to_string());
                }
            }
        }
        Ok(out)
    }
}

/// The order's customer companies and opportunities as ConnectWise ids; a permanent
/// error naming every one that is not.
fn connectwise_ids(data: &OrderData) -> Result<(Vec<i64>, Vec<i64>), PsaError> {
    let mut problems = Vec::new();
    let mut company_ids = Vec::new();
    for c in &data.companies() {
        match c.as_deref().and_then(|c| c.trim().parse::<i64>().ok()) {
            Some(id) => company_ids.push(id),
            None => problems.push(format!("customer company id {c:?} is not a ConnectWise id")),
        }
    }
    let opportunities: Vec<i64> = data
        .opportunities
        .iter()
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    if opportunities.len() != data.opportunities.len() {
        problems.push(format!(
            "opportunity ids {:?} are not all ConnectWise ids",
            data.opportunities
        ));
    }
    if !problems.is_empty() {
        return Err(PsaError::Permanent(format!(
            "{} was not sent to ConnectWise: {}",
            data.order.number,
            problems.join("; ")
        )));
    }
    Ok((company_ids, opportunities))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_is_read_from_the_link_header() {
        let h = r#"<https://api-na.myconnectwise.net/v4_6_release/apis/3.0/service/boards?pageSize=25&page=1>; rel="prev", <https://api-na.myconnectwise.net/v4_6_release/apis/3.0/service/boards?pageSize=25&page=3>; rel="next", <https://x/last>; rel="last""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api-na.myconnectwise.net/v4_6_release/apis/3.0/service/boards?pageSize=25&page=3")
        );
        assert_eq!(
            next_link(r#"<https://x/a?page=1>; rel="first", <https://x/a?page=1>; rel="prev""#),
            None
        );
        assert_eq!(
            next_link(r#"<https://x/a?page=2>; rel="last next""#).as_deref(),
            Some("https://x/a?page=2")
        );
        assert_eq!(next_link(""), None);
    }

    #[test]
    fn a_next_page_is_asked_of_the_configured_host_only() {
        let root = "https://na.myconnectwise.net/v4_6_release/apis/3.0";
        assert_eq!(
            under_root(
                root,
                "https://api-na.myconnectwise.net/v2025_1/apis/3.0/service/boards?conditions=name%3D%22X%22&page=2"
            )
            .as_deref(),
            Some("https://na.myconnectwise.net/v4_6_release/apis/3.0/service/boards?conditions=name%3D%22X%22&page=2")
        );
        assert_eq!(
            under_root(root, "/v4_6_release/apis/3.0/sales/stages?page=2").as_deref(),
            Some("https://na.myconnectwise.net/v4_6_release/apis/3.0/sales/stages?page=2")
        );
        assert_eq!(under_root(root, "https://evil.example.org/steal?page=2"), None);
    }

    fn line(n: u32, psa_product_id: Option<&str>, sku: &str, quantity: u32, quote_quantity: u32) -> LineData {
        let line: crate::domain::OrderLine = serde_json::from_value(json!({
            "item_id": n, "quote_id": "Q-1", "line_id": n.to_string(), "customer_id": "C-1", "customer_name": "C",
            "psa_company_id": "250", "sku": sku, "mpn": null, "ean": null, "description": "d", "distributor_sku": null,
            "quantity": quantity, "unit_cost": "1.00", "unit_price": "2.00", "serialized": false,
            "pax8_product_id": null, "psa_product_id": psa_product_id
        }))
        .unwrap();
        LineData {
            n,
            line,
            is_service: false,
            kind: None,
            opportunity: Some("3100".into()),
            quote_quantity: Some(quote_quantity),
        }
    }

    #[test]
    fn each_line_gets_its_own_forecast_product_once() {
        let forecast = vec![
            json!({"id": 1, "catalogItem": {"id": 901, "identifier": "NB-14"}, "quantity": 3.0}),
            json!({"id": 2, "catalogItem": {"id": 901, "identifier": "NB-14"}, "quantity": 1}),
            json!({"id": 3, "catalogItem": {"id": 955, "identifier": "SKU-X"}, "quantity": 4}),
        ];
        let lines = [
            line(1, Some("901"), "NB-14", 1, 1),
            // Two of the quote line's three: a split item.
            line(2, Some("901"), "NB-14", 2, 3),
            // No PSA product id: by the catalog identifier.
            line(3, None, "sku-x", 4, 4),
            line(4, Some("999"), "OTHER", 1, 1),
        ];
        let refs: Vec<&LineData> = lines.iter().collect();
        assert_eq!(choose(&forecast, &[], &refs), (vec![2, 1, 3], vec![4]));
        // Converted for an earlier order already: never again, and not missing either.
        assert_eq!(choose(&forecast, &[1], &refs), (vec![2, 3], vec![4]));
    }

    #[test]
    fn base64_as_in_rfc_4648() {
        assert_eq!(super::b64(b""), "");
        assert_eq!(super::b64(b"f"), "Zg==");
        assert_eq!(super::b64(b"fo"), "Zm8=");
        assert_eq!(super::b64(b"foobar"), "Zm9vYmFy");
        assert_eq!(super::b64(b"acme+pub:priv"), "YWNtZStwdWI6cHJpdg==");
    }
}
