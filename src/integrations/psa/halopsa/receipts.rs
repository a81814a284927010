//! HaloPSA receipts: per receipt of goods, a stock record (quantity, cost, supplier, PO
//! line) and, when the item has an asset type, an asset record per serial; then the
//! opportunity stage (partial or completed). Each is looked up by our reference (stock
//! `note` `PO-…/R{id}`, asset `key_field`) before it is created again.

use super::{num, Halopsa};
use crate::domain::{OrderStatus, Receipt};
use crate::integrations::psa::http::{as_id, money, PsaError};
use crate::integrations::psa::{LineData, OrderData, Run};
use reqwest::Method;
use serde_json::json;

impl Halopsa {
    /// Syncs one receipt (the body of [`PsaClient::sync_receipt`](crate::integrations::psa::PsaClient::sync_receipt)).
    pub(super) async fn book_receipt(
        &self,
        run: &mut Run<'_>,
        data: &OrderData,
        receipt: &Receipt,
    ) -> Result<(), PsaError> {
        let Some(line) = data.lines.iter().find(|l| l.n == receipt.line) else {
            return Err(PsaError::Permanent(format!(
                "receipt {} names a line the order does not have",
                receipt.id
            )));
        };
        if !line.is_service {
            let po_line = self.po_line(run, data, line).await?;
            self.stock_record(run, data, line, receipt, po_line).await?;
            if !receipt.serials.is_empty() {
                self.assets(run, data, line, receipt, po_line).await?;
            }
        }
        let (which, name) = match data.order.status() {
            OrderStatus::Completed => ("completed", self.config.psa.stages.completed.clone()),
            _ => ("partial", self.config.psa.stages.partial.clone()),
        };
        self.stage(run, data, which, name).await
    }

    /// The id of the purchase-order line of `line`, by our reference in its note.
    async fn po_line(&self, run: &Run<'_>, data: &OrderData, line: &LineData) -> Result<Option<i64>, PsaError> {
        let po = data.order.number.to_string();
        let po_id = run.id("purchase_order").unwrap_or_default();
        let reference = format!("{po}/L{}", line.n);
        Ok(self
            .line_ids("PurchaseOrder", po_id, "reading the purchase order lines")
            .await?
            .into_iter()
            .find(|(r, _)| *r == reference)
            .map(|(_, id)| id))
    }

    /// The stock record of the receipt: quantity, cost, supplier and purchase-order line.
    async fn stock_record(
        &self,
        run: &mut Run<'_>,
        data: &OrderData,
        line: &LineData,
        receipt: &Receipt,
        po_line: Option<i64>,
    ) -> Result<(), PsaError> {
        let po = data.order.number.to_string();
        let po_id = run.id("purchase_order").unwrap_or_default();
        let item = line.line.psa_product_id.as_deref().and_then(num).unwrap_or_default();
        let supplier = self.supplier(data).unwrap_or_default();
        let stock_ref = format!("{po}/R{}", receipt.id);
        let mut body = json!({
            "item_id": item,
            "stocklocation_id": self.s.stock_location_id.unwrap_or_default(),
            "stockbin_id": self.s.stock_bin_id.unwrap_or_default(),
            "quantity_in": receipt.quantity,
            "cost": money(line.line.unit_cost),
            "supplier_id": supplier,
            "purchaseorder_id": po_id,
            "date": receipt.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "note": stock_ref,
        });
        if let Some(id) = po_line {
            body["purchaseorder_line_id"] = json!(id);
        }
        run.ensure(
            &format!("receipt/{}/stock", receipt.id),
            "ItemStock",
            async || {
                self.find(
                    "ItemStock",
                    &[("item_id", item.to_string())],
                    "note",
                    &stock_ref,
                    "looking for the stock record",
                )
                .await
            },
            async || {
                self.create(
                    "ItemStock",
                    body,
                    &format!("booking {} unit(s) of line {} into stock", receipt.quantity, line.n),
                )
                .await
            },
        )
        .await?;
        Ok(())
    }

    /// An asset record per serial of the receipt, when the item has an asset type.
    async fn assets(
        &self,
        run: &mut Run<'_>,
        data: &OrderData,
        line: &LineData,
        receipt: &Receipt,
        po_line: Option<i64>,
    ) -> Result<(), PsaError> {
        let item = line.line.psa_product_id.as_deref().and_then(num).unwrap_or_default();
        let supplier = self.supplier(data).unwrap_or_default();
        let it = self
            .call(
                Method::GET,
                &format!("Item/{item}"),
                &[],
                None,
                &format!("reading item {item}"),
            )
            .await?;
        let asset_type = it.get("assettype_id").and_then(as_id).filter(|t| *t > 0);
        let Some(asset_type) = asset_type else {
            return Ok(());
        };
        let client = line.line.psa_company_id.as_deref().and_then(num).unwrap_or_default();
        for (i, serial) in receipt.serials.iter().enumerate() {
            let mut body = json!({
                "assettype_id": asset_type,
                "client_id": client,
                "item_id": item,
                "key_field": serial,
                "supplier_id": supplier,
            });
            if let Some(id) = po_line {
                body["purchaseorder_line_id"] = json!(id);
            }
            run.ensure(
                &format!("receipt/{}/asset/{}", receipt.id, i + 1),
                "Asset",
                async || {
                    self.find(
                        "Asset",
                        &[("item_id", item.to_string()), ("search", serial.clone())],
                        "key_field",
                        serial,
                        "looking for the asset",
                    )
                    .await
                },
                async || self.create("Asset", body, &format!("recording asset {serial}")).await,
            )
            .await?;
        }
        Ok(())
    }
}
