//! ConnectWise Manage (REST 3.0): Basic `companyId+publicKey:privateKey` and `clientId`.
//!
//! Per order: a service ticket on the configured board with status, priority, SLA and
//! impact (names looked up), whose initial description carries the internal note; the won
//! opportunity's products converted onto that ticket (`convertToServiceTicket` into the
//! ticket made first, as its body has no board); the opportunity stage when placed, and
//! when partly or fully received if `[psa.stages]` maps those. No purchase order and no
//! receiving records (as in the reference).
//!
//! Our references, looked up before creating again: ticket `poNumber`; a conversion is
//! done when the ticket has products.

use super::http::{as_id, Http, PsaError};
use super::{order_link, secret, OrderData, PsaClient, Run};
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
pub(crate) fn b64(input: &[u8]) -> String {
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

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
        what: &str,
    ) -> Result<Value, PsaError> {
        let mut r = self
            .http
            .client()
            .request(method, format!("{}{path}", self.root))
            .header("Authorization", &self.auth)
            .header("clientId", &self.s.client_id)
            .header("Accept", "application/vnd.connectwise.com+json; version=2025.1")
            .query(query);
        if let Some(b) = body {
            r = r.json(&b);
        }
        self.http.send(what, r).await
    }

    /// The id of the record named `name` at `path`, or a message naming what exists.
    async fn named(&self, path: &str, name: &str, key: &str, what: &str) -> Result<i64, PsaError> {
        let v = self
            .call(
                Method::GET,
                path,
                &[("pageSize", "1000".into())],
                None,
                &format!("looking up the {what}"),
            )
            .await?;
        let all = v.as_array().cloned().unwrap_or_default();
        super::http::id_by_name(&all, name, key, &format!("a {what}"), "ConnectWise")
    }

    fn setting<'a>(&self, v: &'a Option<String>, key: &str) -> Result<&'a str, PsaError> {
        v.as_deref()
            .ok_or_else(|| PsaError::Config(format!("[psa.connectwise] needs {key}")))
    }

    /// Board, status, priority and SLA ids, by name.
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

    async fn ticket_settings(&self) -> Result<(i64, i64, i64, i64), PsaError> {
        let s = &self.s;
        let board = self
            .named(
                "/service/boards",
                self.setting(&s.board, "board")?,
                "[psa.connectwise] board",
                "service board",
            )
            .await?;
        let status = self
            .named(
                &format!("/service/boards/{board}/statuses"),
                self.setting(&s.status, "status")?,
                "[psa.connectwise] status",
                "status on that board",
            )
            .await?;
        let priority = self
            .named(
                "/service/priorities",
                self.setting(&s.priority, "priority")?,
                "[psa.connectwise] priority",
                "priority",
            )
            .await?;
        let sla = self
            .named(
                "/service/SLAs",
                self.setting(&s.sla, "sla")?,
                "[psa.connectwise] sla",
                "SLA",
            )
            .await?;
        Ok((board, status, priority, sla))
    }
}

impl PsaClient for Connectwise {
    async fn sync_order(&self, run: &mut Run<'_>, data: &OrderData) -> Result<(), PsaError> {
        let o = &data.order;
        let po = o.number.to_string();
        let companies = data.companies();
        let mut problems = Vec::new();
        let mut company_ids = Vec::new();
        for c in &companies {
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
                "{po} was not sent to ConnectWise: {}",
                problems.join("; ")
            )));
        }
        let (board, status, priority, sla) = self.ticket_settings().await?;
        let stage = match (&self.config.psa.stages.placed, opportunities.is_empty()) {
            (Some(name), false) => Some(
                self.named("/sales/stages", name, "[psa.stages] placed", "sales stage")
                    .await?,
            ),
            _ => None,
        };
        let note = format!(
            "{}\n{}",
            data.note_text(&self.config),
            order_link(&self.config, o.number)
        );
        for (i, company) in company_ids.iter().enumerate() {
            let opportunity = opportunities.get(i).or(opportunities.first()).copied();
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
            if let Some(op) = opportunity {
                body["opportunity"] = json!({"id": op});
            }
            let conditions = format!("poNumber={} and company/id={company}", quoted(&po));
            let ticket = run
                .ensure(
                    &format!("ticket/{company}"),
                    "Ticket",
                    async || {
                        let v = self
                            .call(
                                Method::GET,
                                "/service/tickets",
                                &[("conditions", conditions.clone())],
                                None,
                                "looking for the ticket",
                            )
                            .await?;
                        Ok(v.as_array()
                            .and_then(|a| a.first())
                            .and_then(|t| t.get("id"))
                            .and_then(as_id))
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
            // The won opportunity's products, converted onto this ticket.
            if let Some(op) = opportunity {
                run.ensure(
                    &format!("products/{op}"),
                    "OpportunityConversion",
                    async || {
                        let v = self.call(Method::GET, &format!("/service/tickets/{ticket}/products"), &[], None, "looking for converted products").await?;
                        Ok(v.as_array().filter(|a| !a.is_empty()).map(|_| ticket))
                    },
                    async || {
                        self.call(
                            Method::POST,
                            &format!("/sales/opportunities/{op}/convertToServiceTicket"),
                            &[],
                            Some(json!({"ticketId": ticket, "includeAllProductsFlag": true, "includeAllNotesFlag": false, "includeAllDocumentsFlag": false})),
                            "converting the opportunity's products onto the ticket",
                        ).await?;
                        Ok(ticket)
                    },
                ).await?;
            }
        }
        if let (Some(stage), Some(name)) = (stage, &self.config.psa.stages.placed) {
            self.set_stage(run, "placed", &opportunities, stage, name).await?;
        }
        Ok(())
    }

    async fn sync_receipt(&self, run: &mut Run<'_>, data: &OrderData, _receipt: &Receipt) -> Result<(), PsaError> {
        // Receiving records stay in Purser with ConnectWise (as in the reference); the
        // opportunity stage follows the order to partial and completed when they are mapped.
        let (which, name) = match data.order.status() {
            OrderStatus::Completed => ("completed", &self.config.psa.stages.completed),
            OrderStatus::Partial => ("partial", &self.config.psa.stages.partial),
            _ => return Ok(()),
        };
        let Some(name) = name else { return Ok(()) };
        let opportunities: Vec<i64> = data
            .opportunities
            .iter()
            .filter_map(|x| x.trim().parse().ok())
            .collect();
        if opportunities.is_empty() {
            return Ok(());
        }
        let stage = self
            .named("/sales/stages", name, &format!("[psa.stages] {which}"), "sales stage")
            .await?;
        self.set_stage(run, which, &opportunities, stage, name).await
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
                    .named("/sales/stages", name, &format!("[psa.stages] {which}"), "sales stage")
                    .await
                {
                    out.push(e.to_string());
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_as_in_rfc_4648() {
        assert_eq!(super::b64(b""), "");
        assert_eq!(super::b64(b"f"), "Zg==");
        assert_eq!(super::b64(b"fo"), "Zm8=");
        assert_eq!(super::b64(b"foobar"), "Zm9vYmFy");
        assert_eq!(super::b64(b"acme+pub:priv"), "YWNtZStwdWI6cHJpdg==");
    }
}
