//! Autotask receiving: per receipt of goods, receiving records on its purchase-order item
//! (one per serial number, or one for the quantity), the purchase order submitted first
//! when it is not yet; then the opportunity stage (partial or completed).

use super::{eq_filter as eq, Autotask};
use crate::domain::Receipt;
use crate::integrations::psa::http::{as_id, PsaError};
use crate::integrations::psa::{OrderData, Run};
use serde_json::json;

impl Autotask {
    /// Syncs one receipt (the body of [`PsaClient::sync_receipt`](crate::integrations::psa::PsaClient::sync_receipt)).
    pub(super) async fn receive(&self, run: &mut Run<'_>, data: &OrderData, receipt: &Receipt) -> Result<(), PsaError> {
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
        self.receiving_records(run, receipt, line.n, item).await?;
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

    /// The receiving records of `receipt` (of order line `line`) on purchase-order item `item`.
    async fn receiving_records(
        &self,
        run: &mut Run<'_>,
        receipt: &Receipt,
        line: u32,
        item: i64,
    ) -> Result<(), PsaError> {
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
                        &format!("receiving {qty} unit(s) of line {line}"),
                    )
                    .await
                },
            )
            .await?;
        }
        Ok(())
    }
}
