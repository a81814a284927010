//! What Autotask gets: the order's entities in sequence, then receiving per receipt.

use super::{eq_filter as eq, Autotask};
use crate::domain::Receipt;
use crate::integrations::psa::http::{as_id, money, PsaError};
use crate::integrations::psa::{order_link, OrderData, PsaClient, Run};
use serde_json::json;

impl PsaClient for Autotask {
    async fn sync_order(&self, run: &mut Run<'_>, data: &OrderData) -> Result<(), PsaError> {
        self.preflight(data).await?;
        let o = &data.order;
        let po = o.number.to_string();
        let s = &self.s;
        // Resolve every picklist first: an unknown label stops before anything is created.
        let status = self
            .pick(
                "Tickets",
                "status",
                self.setting(&s.ticket_status, "ticket_status")?,
                "[psa.autotask] ticket_status",
            )
            .await?;
        let priority = self
            .pick(
                "Tickets",
                "priority",
                self.setting(&s.ticket_priority, "ticket_priority")?,
                "[psa.autotask] ticket_priority",
            )
            .await?;
        let queue = self
            .pick(
                "Tickets",
                "queueID",
                self.setting(&s.ticket_queue, "ticket_queue")?,
                "[psa.autotask] ticket_queue",
            )
            .await?;
        let ticket_type = match &s.ticket_type {
            Some(t) => Some(
                self.pick("Tickets", "ticketType", t, "[psa.autotask] ticket_type")
                    .await?,
            ),
            None => None,
        };
        let charge_type = self
            .pick(
                "TicketCharges",
                "chargeType",
                &s.charge_type,
                "[psa.autotask] charge_type",
            )
            .await?;
        let charge_status = match &s.charge_status {
            Some(t) => Some(
                self.pick("TicketCharges", "status", t, "[psa.autotask] charge_status")
                    .await?,
            ),
            None => None,
        };
        let publish_label = self.setting(&s.note_publish, "note_publish")?;
        let note_type = self
            .pick(
                "TicketNotes",
                "noteType",
                self.setting(&s.note_type, "note_type")?,
                "[psa.autotask] note_type",
            )
            .await?;
        let note_publish = self
            .pick("TicketNotes", "publish", publish_label, "[psa.autotask] note_publish")
            .await?;
        let attachment_publish = self
            .pick(
                "TicketAttachments",
                "publish",
                publish_label,
                "[psa.autotask] note_publish",
            )
            .await?;
        let po_statuses = if s.purchase_orders {
            Some(self.po_statuses().await?)
        } else {
            None
        };
        if let Some(stage) = &self.config.psa.stages.placed {
            if !data.opportunities.is_empty() {
                self.pick("Opportunities", "stage", stage, "[psa.stages] placed")
                    .await?;
            }
        }
        let date = o
            .submission()
            .map_or(o.created_at, |s| s.at)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
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
        // The purchase order, checked before anything is created: a field this Autotask
        // requires that it would leave empty stops the sync here, named.
        let po_body = match po_statuses {
            None => None,
            Some((new, _)) => {
                let vendor = self.config.psa.vendors.get(&o.distributor).copied().unwrap_or_default();
                let mut body = json!({
                    "vendorID": vendor,
                    "status": new,
                    "externalPONumber": po,
                    "generalMemo": format!("{}; {link}", data.quotes.join(", ")),
                });
                if o.shipping > rust_decimal::Decimal::ZERO {
                    body["freight"] = money(o.shipping);
                }
                if companies.len() == 1 {
                    body["purchaseForCompanyID"] = json!(companies[0]);
                }
                if let Some(a) = self.ship_to(o) {
                    Self::set_ship_to(&mut body, &a);
                }
                // (One created already, on an earlier run, is not checked again.)
                let missing = match run.id("purchase_order") {
                    Some(_) => Vec::new(),
                    None => self.missing_required("PurchaseOrders", &body).await?,
                };
                if !missing.is_empty() {
                    let hint = if missing.iter().any(|f| f.starts_with("shipTo") || f == "phone") {
                        format!("; {}", self.ship_to_hint(o.order_type))
                    } else {
                        String::new()
                    };
                    return Err(PsaError::Permanent(format!(
                        "{po} was not sent to Autotask: this Autotask requires {} on every purchase order (PurchaseOrders), which this one would leave empty{hint}",
                        missing.join(" and ")
                    )));
                }
                Some((body, new))
            }
        };
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
                async || {
                    self.find_one(
                        "Tickets",
                        vec![eq("purchaseOrderNumber", po.clone()), eq("companyID", company)],
                        "looking for the ticket",
                    )
                    .await
                },
                async || {
                    self.create("Tickets", "Tickets", body, "creating the post-sale ticket")
                        .await
                },
            )
            .await?;
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
            if let Some(p) = l
                .line
                .psa_product_id
                .as_deref()
                .and_then(|p| p.trim().parse::<i64>().ok())
            {
                body["productID"] = json!(p);
            }
            if let Some(st) = charge_status {
                body["status"] = json!(st);
            }
            run.ensure(
                &format!("charge/L{}", l.n),
                "TicketCharge",
                async || {
                    self.find_one(
                        "TicketCharges",
                        vec![
                            eq("ticketID", ticket),
                            eq("internalPurchaseOrderNumber", reference.clone()),
                        ],
                        "looking for a charge",
                    )
                    .await
                },
                async || {
                    self.create(
                        "TicketCharges",
                        &format!("Tickets/{ticket}/Charges"),
                        body,
                        &format!("creating the charge of line {}", l.n),
                    )
                    .await
                },
            )
            .await?;
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
                async || {
                    self.find_one(
                        "TicketCharges",
                        vec![
                            eq("ticketID", first_ticket),
                            eq("internalPurchaseOrderNumber", reference.clone()),
                        ],
                        "looking for the shipping charge",
                    )
                    .await
                },
                async || {
                    self.create(
                        "TicketCharges",
                        &format!("Tickets/{first_ticket}/Charges"),
                        body,
                        "creating the shipping charge",
                    )
                    .await
                },
            )
            .await?;
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
                async || {
                    self.find_one(
                        "TicketNotes",
                        vec![eq("ticketID", ticket), eq("title", note_title.clone())],
                        "looking for the note",
                    )
                    .await
                },
                async || {
                    self.create(
                        "TicketNotes",
                        &format!("Tickets/{ticket}/Notes"),
                        body,
                        "adding the internal note",
                    )
                    .await
                },
            )
            .await?;
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
                async || {
                    self.find_one(
                        "TicketAttachments",
                        vec![eq("parentID", ticket), eq("title", att_title.clone())],
                        "looking for the link",
                    )
                    .await
                },
                async || {
                    self.create(
                        "TicketAttachments",
                        &format!("Tickets/{ticket}/Attachments"),
                        body,
                        "attaching the link to the order",
                    )
                    .await
                },
            )
            .await?;
        }
        // The purchase order with its items ("Enable for procurement"), then submitted.
        if let (Some((body, new)), Some((_, submitted))) = (po_body, po_statuses) {
            let order_id = run
                .ensure(
                    "purchase_order",
                    "PurchaseOrder",
                    async || {
                        self.find_one(
                            "PurchaseOrders",
                            vec![eq("externalPONumber", po.clone())],
                            "looking for the purchase order",
                        )
                        .await
                    },
                    async || {
                        self.create("PurchaseOrders", "PurchaseOrders", body, "creating the purchase order")
                            .await
                    },
                )
                .await?;
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
                    async || {
                        self.find_one(
                            "PurchaseOrderItems",
                            vec![eq("orderID", order_id), eq("memo", memo.clone())],
                            "looking for a purchase-order item",
                        )
                        .await
                    },
                    async || {
                        self.create(
                            "PurchaseOrderItems",
                            &format!("PurchaseOrders/{order_id}/Items"),
                            body,
                            &format!("adding line {} to the purchase order", l.n),
                        )
                        .await
                    },
                )
                .await?;
            }
            self.submit(run, order_id, new, submitted).await?;
        }
        self.stage(run, data, "placed", self.config.psa.stages.placed.clone())
            .await
    }

    async fn sync_receipt(&self, run: &mut Run<'_>, data: &OrderData, receipt: &Receipt) -> Result<(), PsaError> {
        let Some(line) = data.lines.iter().find(|l| l.n == receipt.line) else {
            return Err(PsaError::Permanent(format!(
                "receipt {} names line {}, which the order does not have",
                receipt.id, receipt.line
            )));
        };
        if line.is_service || !self.s.purchase_orders {
            // No PO item to receive against: services, or procurement not enabled.
            return Ok(());
        }
        let item = run.id(&format!("po_item/L{}", line.n)).ok_or_else(|| {
            PsaError::temporary(format!(
                "receipt {} waits: line {} has no purchase-order item in Autotask yet",
                receipt.id, line.n
            ))
        })?;
        // Autotask receives only against a submitted purchase order: one created before
        // Purser submitted its purchase orders is submitted now, before the first record.
        if run.id("purchase_order/submitted").is_none() {
            let (new, submitted) = self.po_statuses().await?;
            let order_id = run.id("purchase_order").ok_or_else(|| {
                PsaError::temporary(format!(
                    "receipt {} waits: the order has no purchase order in Autotask yet",
                    receipt.id
                ))
            })?;
            self.submit(run, order_id, new, submitted).await?;
        }
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
                async || {
                    Ok(self
                        .query("PurchaseOrderItemReceiving", filter, "looking for a receiving record")
                        .await?
                        .iter()
                        .filter(|r| r.get("quantityNowReceiving").and_then(as_id) == Some(qty as i64))
                        .filter_map(|r| r.get("id").and_then(as_id))
                        .find(|id| !known.contains(id)))
                },
                async || {
                    self.create(
                        "PurchaseOrderItemReceiving",
                        &format!("PurchaseOrderItems/{item}/Receiving"),
                        body,
                        &format!("receiving {qty} unit(s) of line {}", line.n),
                    )
                    .await
                },
            )
            .await?;
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
        self.stage(run, data, which, name).await
    }

    async fn check(&self) -> Result<Vec<String>, PsaError> {
        self.check_all().await
    }
}

impl Autotask {
    /// Whether the label (when set) is known; an unknown one is named in `out`.
    async fn pick_known(
        &self,
        out: &mut Vec<String>,
        entity: &str,
        field: &str,
        label: Option<&str>,
        key: &str,
    ) -> bool {
        if let Some(label) = label {
            match self.pick(entity, field, label, key).await {
                Ok(_) => return true,
                Err(PsaError::Temporary { message, .. }) => out.push(message),
                Err(e) => out.push(e.to_string()),
            }
        }
        false
    }

    /// Every mapping checked against Autotask; each unknown one named.
    async fn check_all(&self) -> Result<Vec<String>, PsaError> {
        let s = &self.s;
        let mut out = Vec::new();
        self.pick_known(
            &mut out,
            "Tickets",
            "status",
            s.ticket_status.as_deref(),
            "[psa.autotask] ticket_status",
        )
        .await;
        self.pick_known(
            &mut out,
            "Tickets",
            "priority",
            s.ticket_priority.as_deref(),
            "[psa.autotask] ticket_priority",
        )
        .await;
        self.pick_known(
            &mut out,
            "Tickets",
            "queueID",
            s.ticket_queue.as_deref(),
            "[psa.autotask] ticket_queue",
        )
        .await;
        self.pick_known(
            &mut out,
            "Tickets",
            "ticketType",
            s.ticket_type.as_deref(),
            "[psa.autotask] ticket_type",
        )
        .await;
        self.pick_known(
            &mut out,
            "TicketCharges",
            "chargeType",
            Some(&s.charge_type),
            "[psa.autotask] charge_type",
        )
        .await;
        self.pick_known(
            &mut out,
            "TicketCharges",
            "status",
            s.charge_status.as_deref(),
            "[psa.autotask] charge_status",
        )
        .await;
        self.pick_known(
            &mut out,
            "TicketNotes",
            "noteType",
            s.note_type.as_deref(),
            "[psa.autotask] note_type",
        )
        .await;
        self.pick_known(
            &mut out,
            "TicketNotes",
            "publish",
            s.note_publish.as_deref(),
            "[psa.autotask] note_publish",
        )
        .await;
        self.pick_known(
            &mut out,
            "TicketAttachments",
            "publish",
            s.note_publish.as_deref(),
            "[psa.autotask] note_publish",
        )
        .await;
        let mut po_labels_known = false;
        if s.purchase_orders {
            po_labels_known = self
                .pick_known(
                    &mut out,
                    "PurchaseOrders",
                    "status",
                    s.purchase_order_status.as_deref(),
                    "[psa.autotask] purchase_order_status",
                )
                .await
                & self
                    .pick_known(
                        &mut out,
                        "PurchaseOrders",
                        "status",
                        Some(&s.purchase_order_submitted_status),
                        "[psa.autotask] purchase_order_submitted_status",
                    )
                    .await;
        }
        let st = &self.config.psa.stages;
        self.pick_known(
            &mut out,
            "Opportunities",
            "stage",
            st.placed.as_deref(),
            "[psa.stages] placed",
        )
        .await;
        self.pick_known(
            &mut out,
            "Opportunities",
            "stage",
            st.partial.as_deref(),
            "[psa.stages] partial",
        )
        .await;
        self.pick_known(
            &mut out,
            "Opportunities",
            "stage",
            st.completed.as_deref(),
            "[psa.stages] completed",
        )
        .await;
        if s.purchase_orders {
            // Both labels known: they must name two statuses.
            if po_labels_known {
                if let Err(e) = self.po_statuses().await {
                    out.push(e.to_string());
                }
            }
            out.extend(self.check_ship_to().await);
        }
        Ok(out)
    }
}
