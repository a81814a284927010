//! `sync check` for Autotask: every configured picklist label resolved, each unknown one
//! named; the purchase-order statuses and the ship-to fields checked.

use super::Autotask;
use crate::integrations::psa::http::PsaError;

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
    pub(super) async fn check_all(&self) -> Result<Vec<String>, PsaError> {
        let mut out = Vec::new();
        self.check_ticket_labels(&mut out).await;
        self.check_charge_and_note_labels(&mut out).await;
        let po_labels_known = self.check_po_labels(&mut out).await;
        self.check_stage_labels(&mut out).await;
        if self.s.purchase_orders {
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

    /// The ticket's status, priority, queue and type labels.
    async fn check_ticket_labels(&self, out: &mut Vec<String>) {
        let s = &self.s;
        self.pick_known(
            out,
            "Tickets",
            "status",
            s.ticket_status.as_deref(),
            "[psa.autotask] ticket_status",
        )
        .await;
        self.pick_known(
            out,
            "Tickets",
            "priority",
            s.ticket_priority.as_deref(),
            "[psa.autotask] ticket_priority",
        )
        .await;
        self.pick_known(
            out,
            "Tickets",
            "queueID",
            s.ticket_queue.as_deref(),
            "[psa.autotask] ticket_queue",
        )
        .await;
        self.pick_known(
            out,
            "Tickets",
            "ticketType",
            s.ticket_type.as_deref(),
            "[psa.autotask] ticket_type",
        )
        .await;
    }

    /// The charge type and status labels, the note type and the publish label of notes and
    /// attachments.
    async fn check_charge_and_note_labels(&self, out: &mut Vec<String>) {
        let s = &self.s;
        self.pick_known(
            out,
            "TicketCharges",
            "chargeType",
            Some(&s.charge_type),
            "[psa.autotask] charge_type",
        )
        .await;
        self.pick_known(
            out,
            "TicketCharges",
            "status",
            s.charge_status.as_deref(),
            "[psa.autotask] charge_status",
        )
        .await;
        self.pick_known(
            out,
            "TicketNotes",
            "noteType",
            s.note_type.as_deref(),
            "[psa.autotask] note_type",
        )
        .await;
        self.pick_known(
            out,
            "TicketNotes",
            "publish",
            s.note_publish.as_deref(),
            "[psa.autotask] note_publish",
        )
        .await;
        self.pick_known(
            out,
            "TicketAttachments",
            "publish",
            s.note_publish.as_deref(),
            "[psa.autotask] note_publish",
        )
        .await;
    }

    /// The new and submitted purchase-order status labels, when purchase orders are on;
    /// whether both are known.
    async fn check_po_labels(&self, out: &mut Vec<String>) -> bool {
        let s = &self.s;
        let mut po_labels_known = false;
        if s.purchase_orders {
            po_labels_known = self
                .pick_known(
                    out,
                    "PurchaseOrders",
                    "status",
                    s.purchase_order_status.as_deref(),
                    "[psa.autotask] purchase_order_status",
                )
                .await
                & self
                    .pick_known(
                        out,
                        "PurchaseOrders",
                        "status",
                        Some(&s.purchase_order_submitted_status),
                        "[psa.autotask] purchase_order_submitted_status",
                    )
                    .await;
        }
        po_labels_known
    }

    /// The opportunity stage labels: placed, partial and completed.
    async fn check_stage_labels(&self, out: &mut Vec<String>) {
        let st = &self.config.psa.stages;
        self.pick_known(
            out,
            "Opportunities",
            "stage",
            st.placed.as_deref(),
            "[psa.stages] placed",
        )
        .await;
        self.pick_known(
            out,
            "Opportunities",
            "stage",
            st.partial.as_deref(),
            "[psa.stages] partial",
        )
        .await;
        self.pick_known(
            out,
            "Opportunities",
            "stage",
            st.completed.as_deref(),
            "[psa.stages] completed",
        )
        .await;
    }
}
