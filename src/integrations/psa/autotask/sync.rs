//! What Autotask gets for an order: its entities in sequence (receiving per receipt is in
//! `receiving`, `sync check` in `checks`).

use super::{eq_filter as eq, Autotask};
use crate::domain::Receipt;
use crate::integrations::psa::http::{money, PsaError};
use crate::integrations::psa::{order_link, OrderData, PsaClient, Run};
use serde_json::{json, Value};

/// The picklist codes of an order's entities, resolved before anything is created.
struct Codes {
    ticket: TicketCodes,
    charge_type: i64,
    charge_status: Option<i64>,
    note_type: i64,
    note_publish: i64,
    attachment_publish: i64,
    /// The new and the submitted purchase-order status, when purchase orders are on.
    po_statuses: Option<(i64, i64)>,
}

/// The picklist codes of a ticket.
struct TicketCodes {
    status: i64,
    priority: i64,
    queue: i64,
    ticket_type: Option<i64>,
}

/// What the steps of an order's sync share.
struct Plan<'d> {
    data: &'d OrderData,
    codes: Codes,
    /// The PO number: our reference on every entity.
    po: String,
    /// When the order was placed (RFC 3339): the charges' purchase date.
    date: String,
    /// The link to the order.
    link: String,
    /// The customer companies, in line order: one ticket each.
    companies: Vec<i64>,
}

impl PsaClient for Autotask {
    async fn sync_order(&self, run: &mut Run<'_>, data: &OrderData) -> Result<(), PsaError> {
        self.preflight(data).await?;
        // Resolve every picklist first: an unknown label stops before anything is created.
        let codes = self.codes(data).await?;
        let plan = self.plan(data, codes);
        let po_body = self.purchase_order_body(run, &plan).await?;
        self.tickets(run, &plan).await?;
        self.line_charges(run, &plan).await?;
        self.shipping_charge(run, &plan).await?;
        for &company in &plan.companies {
            self.note(run, &plan, company).await?;
            self.link_attachment(run, &plan, company).await?;
        }
        if let (Some(body), Some((new, submitted))) = (po_body, plan.codes.po_statuses) {
            let order_id = self.purchase_order(run, &plan, body).await?;
            self.purchase_order_items(run, &plan, order_id).await?;
            self.submit(run, order_id, new, submitted).await?;
        }
        self.stage(run, data, "placed", self.config.psa.stages.placed.clone())
            .await
    }

    async fn sync_receipt(&self, run: &mut Run<'_>, data: &OrderData, receipt: &Receipt) -> Result<(), PsaError> {
        self.receive(run, data, receipt).await
    }

    async fn check(&self) -> Result<Vec<String>, PsaError> {
        self.check_all().await
    }
}

impl Autotask {
    /// The picklist codes of every entity of the order, and the opportunity stage checked.
    async fn codes(&self, data: &OrderData) -> Result<Codes, PsaError> {
        let s = &self.s;
        let ticket = self.ticket_codes().await?;
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
        Ok(Codes {
            ticket,
            charge_type,
            charge_status,
            note_type,
            note_publish,
            attachment_publish,
            po_statuses,
        })
    }

    /// The ticket's status, priority, queue and (when set) type.
    async fn ticket_codes(&self) -> Result<TicketCodes, PsaError> {
        let s = &self.s;
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
        Ok(TicketCodes {
            status,
            priority,
            queue,
            ticket_type,
        })
    }

    /// The order's references: PO number, purchase date, link and customer companies.
    fn plan<'d>(&self, data: &'d OrderData, codes: Codes) -> Plan<'d> {
        let o = &data.order;
        let date = o
            .submission()
            .map_or(o.created_at, |s| s.at)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut companies: Vec<i64> = Vec::new();
        for l in &data.lines {
            let c = Self::line_company(l);
            if !companies.contains(&c) {
                companies.push(c);
            }
        }
        Plan {
            data,
            codes,
            po: o.number.to_string(),
            date,
            link: order_link(&self.config, o.number),
            companies,
        }
    }

    /// The purchase order, checked before anything is created: a field this Autotask
    /// requires that it would leave empty stops the sync here, named.
    async fn purchase_order_body(&self, run: &Run<'_>, plan: &Plan<'_>) -> Result<Option<Value>, PsaError> {
        let Some((new, _)) = plan.codes.po_statuses else {
            return Ok(None);
        };
        let (o, po, link) = (&plan.data.order, &plan.po, &plan.link);
        let vendor = self.config.psa.vendors.get(&o.distributor).copied().unwrap_or_default();
        let mut body = json!({
            "vendorID": vendor,
            "status": new,
            "externalPONumber": po,
            "generalMemo": format!("{}; {link}", plan.data.quotes.join(", ")),
        });
        if o.shipping > rust_decimal::Decimal::ZERO {
            body["freight"] = money(o.shipping);
        }
        if plan.companies.len() == 1 {
            body["purchaseForCompanyID"] = json!(plan.companies[0]);
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
        Ok(Some(body))
    }

    /// The post-sale tickets, one per customer company.
    async fn tickets(&self, run: &mut Run<'_>, plan: &Plan<'_>) -> Result<(), PsaError> {
        let (data, po, codes) = (plan.data, &plan.po, &plan.codes.ticket);
        let o = &data.order;
        let opportunity: Option<i64> = data.opportunities.first().and_then(|o| o.trim().parse().ok());
        let title = format!("Procurement {po} ({})", self.config.distributor_name(&o.distributor));
        for &company in &plan.companies {
            let mut body = json!({
                "companyID": company,
                "title": title,
                "description": data.note_text(&self.config),
                "status": codes.status,
                "priority": codes.priority,
                "queueID": codes.queue,
                "purchaseOrderNumber": po,
            });
            if let Some(t) = codes.ticket_type {
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
        Ok(())
    }

    /// One operational charge per goods line, on its company's ticket.
    async fn line_charges(&self, run: &mut Run<'_>, plan: &Plan<'_>) -> Result<(), PsaError> {
        let (po, c) = (&plan.po, &plan.codes);
        for l in plan.data.goods() {
            let ticket = run.id(&Self::ticket_key(Self::line_company(l))).unwrap_or_default();
            let reference = format!("{po}/L{}", l.n);
            let mut body = json!({
                "ticketID": ticket,
                "name": format!("{} {}", l.line.sku, l.line.description).chars().take(100).collect::<String>(),
                "description": l.line.description,
                "chargeType": c.charge_type,
                "unitQuantity": l.line.quantity,
                "unitCost": money(l.line.unit_cost),
                "unitPrice": money(l.line.unit_price),
                "datePurchased": plan.date,
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
            if let Some(st) = c.charge_status {
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
        Ok(())
    }

    /// The shipping charge, separate, with the shipping billing code, on the first ticket.
    async fn shipping_charge(&self, run: &mut Run<'_>, plan: &Plan<'_>) -> Result<(), PsaError> {
        let (o, po, c) = (&plan.data.order, &plan.po, &plan.codes);
        let first_ticket = run.id(&Self::ticket_key(plan.companies[0])).unwrap_or_default();
        if o.shipping <= rust_decimal::Decimal::ZERO {
            return Ok(());
        }
        let reference = format!("{po}/SHIP");
        let mut body = json!({
            "ticketID": first_ticket,
            "name": format!("Shipping {po}"),
            "chargeType": c.charge_type,
            "billingCodeID": self.s.shipping_billing_code_id.unwrap_or_default(),
            "unitQuantity": 1,
            "unitCost": money(o.shipping),
            "unitPrice": money(o.shipping),
            "datePurchased": plan.date,
            "internalPurchaseOrderNumber": reference,
            "isBillableToCompany": true,
        });
        if let Some(st) = c.charge_status {
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
        Ok(())
    }

    /// The internal-only note on the ticket of `company`.
    async fn note(&self, run: &mut Run<'_>, plan: &Plan<'_>, company: i64) -> Result<(), PsaError> {
        let ticket = run.id(&Self::ticket_key(company)).unwrap_or_default();
        let note_title = format!("Purser {}", plan.po);
        let body = json!({
            "ticketID": ticket,
            "title": note_title,
            "description": format!("{}\n{}", plan.data.note_text(&self.config), plan.link),
            "noteType": plan.codes.note_type,
            "publish": plan.codes.note_publish,
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
        Ok(())
    }

    /// The URL attachment linking the ticket of `company` to the order.
    async fn link_attachment(&self, run: &mut Run<'_>, plan: &Plan<'_>, company: i64) -> Result<(), PsaError> {
        let ticket = run.id(&Self::ticket_key(company)).unwrap_or_default();
        let att_title = format!("{} in Purser", plan.po);
        let body = json!({
            "parentID": ticket,
            "attachmentType": "URL",
            "fullPath": plan.link,
            "title": att_title,
            "publish": plan.codes.attachment_publish,
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
        Ok(())
    }

    /// The purchase order ("Enable for procurement"), from its checked `body`; its id.
    async fn purchase_order(&self, run: &mut Run<'_>, plan: &Plan<'_>, body: Value) -> Result<i64, PsaError> {
        run.ensure(
            "purchase_order",
            "PurchaseOrder",
            async || {
                self.find_one(
                    "PurchaseOrders",
                    vec![eq("externalPONumber", plan.po.clone())],
                    "looking for the purchase order",
                )
                .await
            },
            async || {
                self.create("PurchaseOrders", "PurchaseOrders", body, "creating the purchase order")
                    .await
            },
        )
        .await
    }

    /// One purchase-order item per goods line, linked to its ticket and charge.
    async fn purchase_order_items(&self, run: &mut Run<'_>, plan: &Plan<'_>, order_id: i64) -> Result<(), PsaError> {
        let s = &self.s;
        for l in plan.data.goods() {
            let memo = format!("{}/L{}", plan.po, l.n);
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
        Ok(())
    }
}
