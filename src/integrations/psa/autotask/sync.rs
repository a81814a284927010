//! What Autotask gets: the order's entities in sequence, then receiving per receipt.

use super::{eq_filter as eq, Autotask};
use crate::app::Service;
use crate::domain::Receipt;
use crate::integrations::psa::http::{as_id, money, PsaError};
use crate::integrations::psa::{order_link, OrderData, PsaClient, Run};
use serde_json::json;

impl PsaClient for Autotask {
    fn sync_order(&self, run: &mut Run<'_>, data: &OrderData) -> Result<(), PsaError> {
        self.preflight(data)?;
        let o = &data.order;
        let po = o.number.to_string();
        let s = &self.s;
        // Resolve every picklist first: an unknown label stops before anything is created.
        let status = self.pick(
            "Tickets",
            "status",
            self.setting(&s.ticket_status, "ticket_status")?,
            "[psa.autotask] ticket_status",
        )?;
        let priority = self.pick(
            "Tickets",
            "priority",
            self.setting(&s.ticket_priority, "ticket_priority")?,
            "[psa.autotask] ticket_priority",
        )?;
        let queue = self.pick(
            "Tickets",
            "queueID",
            self.setting(&s.ticket_queue, "ticket_queue")?,
            "[psa.autotask] ticket_queue",
        )?;
        let ticket_type = match &s.ticket_type {
            Some(t) => Some(self.pick("Tickets", "ticketType", t, "[psa.autotask] ticket_type")?),
            None => None,
        };
        let charge_type = self.pick(
            "TicketCharges",
            "chargeType",
            &s.charge_type,
            "[psa.autotask] charge_type",
        )?;
        let charge_status = match &s.charge_status {
            Some(t) => Some(self.pick("TicketCharges", "status", t, "[psa.autotask] charge_status")?),
            None => None,
        };
        let publish_label = self.setting(&s.note_publish, "note_publish")?;
        let note_type = self.pick(
            "TicketNotes",
            "noteType",
            self.setting(&s.note_type, "note_type")?,
            "[psa.autotask] note_type",
        )?;
        let note_publish = self.pick("TicketNotes", "publish", publish_label, "[psa.autotask] note_publish")?;
        let attachment_publish = self.pick(
            "TicketAttachments",
            "publish",
            publish_label,
            "[psa.autotask] note_publish",
        )?;
        let po_statuses = if s.purchase_orders {
            Some(self.po_statuses()?)
        } else {
            None
        };
        if let Some(stage) = &self.config.psa.stages.placed {
            if !data.opportunities.is_empty() {
                self.pick("Opportunities", "stage", stage, "[psa.stages] placed")?;
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
                    None => self.missing_required("PurchaseOrders", &body)?,
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
                || {
                    self.find_one(
                        "Tickets",
                        vec![eq("purchaseOrderNumber", po.clone()), eq("companyID", company)],
                        "looking for the ticket",
                    )
                },
                || self.create("Tickets", "Tickets", body, "creating the post-sale ticket"),
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
                || {
                    self.find_one(
                        "TicketCharges",
                        vec![
                            eq("ticketID", ticket),
                            eq("internalPurchaseOrderNumber", reference.clone()),
                        ],
                        "looking for a charge",
                    )
                },
                || {
                    self.create(
                        "TicketCharges",
                        &format!("Tickets/{ticket}/Charges"),
                        body,
                        &format!("creating the charge of line {}", l.n),
                    )
                },
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
                || {
                    self.find_one(
                        "TicketCharges",
                        vec![
                            eq("ticketID", first_ticket),
                            eq("internalPurchaseOrderNumber", reference.clone()),
                        ],
                        "looking for the shipping charge",
                    )
                },
                || {
                    self.create(
                        "TicketCharges",
                        &format!("Tickets/{first_ticket}/Charges"),
                        body,
                        "creating the shipping charge",
                    )
                },
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
                || {
                    self.find_one(
                        "TicketNotes",
                        vec![eq("ticketID", ticket), eq("title", note_title.clone())],
                        "looking for the note",
                    )
                },
                || {
                    self.create(
                        "TicketNotes",
                        &format!("Tickets/{ticket}/Notes"),
                        body,
                        "adding the internal note",
                    )
                },
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
                || {
                    self.find_one(
                        "TicketAttachments",
                        vec![eq("parentID", ticket), eq("title", att_title.clone())],
                        "looking for the link",
                    )
                },
                || {
                    self.create(
                        "TicketAttachments",
                        &format!("Tickets/{ticket}/Attachments"),
                        body,
                        "attaching the link to the order",
                    )
                },
            )?;
        }
        // The purchase order with its items ("Enable for procurement"), then submitted.
        if let (Some((body, new)), Some((_, submitted))) = (po_body, po_statuses) {
            let order_id = run.ensure(
                "purchase_order",
                "PurchaseOrder",
                || {
                    self.find_one(
                        "PurchaseOrders",
                        vec![eq("externalPONumber", po.clone())],
                        "looking for the purchase order",
                    )
                },
                || self.create("PurchaseOrders", "PurchaseOrders", body, "creating the purchase order"),
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
                    || {
                        self.find_one(
                            "PurchaseOrderItems",
                            vec![eq("orderID", order_id), eq("memo", memo.clone())],
                            "looking for a purchase-order item",
                        )
                    },
                    || {
                        self.create(
                            "PurchaseOrderItems",
                            &format!("PurchaseOrders/{order_id}/Items"),
                            body,
                            &format!("adding line {} to the purchase order", l.n),
                        )
                    },
                )?;
            }
            self.submit(run, order_id, new, submitted)?;
        }
        self.stage(run, data, "placed", self.config.psa.stages.placed.clone())
    }

    fn sync_receipt(&self, run: &mut Run<'_>, data: &OrderData, receipt: &Receipt) -> Result<(), PsaError> {
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
            let (new, submitted) = self.po_statuses()?;
            let order_id = run.id("purchase_order").ok_or_else(|| {
                PsaError::temporary(format!(
                    "receipt {} waits: the order has no purchase order in Autotask yet",
                    receipt.id
                ))
            })?;
            self.submit(run, order_id, new, submitted)?;
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
                || {
                    Ok(self
                        .query("PurchaseOrderItemReceiving", filter, "looking for a receiving record")?
                        .iter()
                        .filter(|r| r.get("quantityNowReceiving").and_then(as_id) == Some(qty as i64))
                        .filter_map(|r| r.get("id").and_then(as_id))
                        .find(|id| !known.contains(id)))
                },
                || {
                    self.create(
                        "PurchaseOrderItemReceiving",
                        &format!("PurchaseOrderItems/{item}/Receiving"),
                        body,
                        &format!("receiving {qty} unit(s) of line {}", line.n),
                    )
                },
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
        // Whether the label (when set) is known; each unknown one is named in `out`.
        let mut try_pick = |entity: &str, field: &str, label: Option<&str>, key: &str| {
            if let Some(label) = label {
                match self.pick(entity, field, label, key) {
                    Ok(_) => return true,
                    Err(PsaError::Temporary { message, .. }) => out.push(message),
                    Err(e) => out.push(e.to_string()),
                }
            }
            false
        };
        try_pick(
            "Tickets",
            "status",
            s.ticket_status.as_deref(),
            "[psa.autotask] ticket_status",
        );
        try_pick(
            "Tickets",
            "priority",
            s.ticket_priority.as_deref(),
            "[psa.autotask] ticket_priority",
        );
        try_pick(
            "Tickets",
            "queueID",
            s.ticket_queue.as_deref(),
            "[psa.autotask] ticket_queue",
        );
        try_pick(
            "Tickets",
            "ticketType",
            s.ticket_type.as_deref(),
            "[psa.autotask] ticket_type",
        );
        try_pick(
            "TicketCharges",
            "chargeType",
            Some(&s.charge_type),
            "[psa.autotask] charge_type",
        );
        try_pick(
            "TicketCharges",
            "status",
            s.charge_status.as_deref(),
            "[psa.autotask] charge_status",
        );
        try_pick(
            "TicketNotes",
            "noteType",
            s.note_type.as_deref(),
            "[psa.autotask] note_type",
        );
        try_pick(
            "TicketNotes",
            "publish",
            s.note_publish.as_deref(),
            "[psa.autotask] note_publish",
        );
        try_pick(
            "TicketAttachments",
            "publish",
            s.note_publish.as_deref(),
            "[psa.autotask] note_publish",
        );
        let mut po_labels_known = false;
        if s.purchase_orders {
            po_labels_known = try_pick(
                "PurchaseOrders",
                "status",
                s.purchase_order_status.as_deref(),
                "[psa.autotask] purchase_order_status",
            ) & try_pick(
                "PurchaseOrders",
                "status",
                Some(&s.purchase_order_submitted_status),
                "[psa.autotask] purchase_order_submitted_status",
            );
        }
        let st = &self.config.psa.stages;
        try_pick("Opportunities", "stage", st.placed.as_deref(), "[psa.stages] placed");
        try_pick("Opportunities", "stage", st.partial.as_deref(), "[psa.stages] partial");
        try_pick(
            "Opportunities",
            "stage",
            st.completed.as_deref(),
            "[psa.stages] completed",
        );
        if s.purchase_orders {
            // Both labels known: they must name two statuses.
            if po_labels_known {
                if let Err(e) = self.po_statuses() {
                    out.push(e.to_string());
                }
            }
            out.extend(self.check_ship_to());
        }
        Ok(out)
    }
}
