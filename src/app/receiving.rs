//! Receiving: record and undo receipts, with serial numbers unique per product.

use super::OrderAction;
use super::{audit, load_order, AppError, Service};
use crate::domain::receiving::{serial_numbers, serial_product_key, ReceiveRequest};
use crate::domain::{Order, PoNumber, Receipt};
use crate::identity::Actor;
use serde::Serialize;

/// A receipt and the order after it.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiveResult {
    pub receipt: Receipt,
    pub order: Order,
}

impl Service {
    /// Records a receipt on one line of a placed order.
    pub fn receive(&self, actor: &Actor, po: PoNumber, req: ReceiveRequest) -> Result<ReceiveResult, AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let before = load_order(tx, po)?;
            self.may(actor, &before, OrderAction::Receive)?;
            let mut after = before.clone();
            // Look the serials up first (one table read), then let the rule decide.
            let line_sku = before
                .lines
                .get((req.line as usize).wrapping_sub(1))
                .map(|l| serial_product_key(&l.sku));
            // Looked up as they will be kept; serials the rule refuses (empty, too long, …)
            // are never looked up, and the rule below says why.
            let serials = serial_numbers(&req.serials).unwrap_or_default();
            let owners = match &line_sku {
                Some(key) => tx.serial_owners(key, &serials)?,
                None => Vec::new(),
            };
            let owner = |_: &str, serial: &str| {
                serials
                    .iter()
                    .position(|s| s == serial)
                    .and_then(|i| owners.get(i).copied().flatten())
            };
            let receipt = after.receive(&req, &actor.name, now, &owner)?;
            if let Some(key) = &line_sku {
                tx.put_serials(key, &receipt.serials, po)?;
            }
            tx.put_order(&after)?;
            super::enqueue_psa_receipt(tx, &self.config, po, receipt.id, now)?;
            audit(
                tx,
                now,
                actor,
                "receipt.add",
                &po.to_string(),
                &serde_json::json!({"status": before.status(), "received": before.progress()}),
                &serde_json::json!({"status": after.status(), "received": after.progress(), "receipt": receipt}),
            )?;
            Ok(ReceiveResult { receipt, order: after })
        })
    }

    /// Undoes a receipt; its serial numbers become free again.
    pub fn unreceive(&self, actor: &Actor, po: PoNumber, receipt_id: u32) -> Result<ReceiveResult, AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let before = load_order(tx, po)?;
            self.may(actor, &before, OrderAction::UndoReceipt)?;
            let mut after = before.clone();
            let receipt = after.unreceive(receipt_id, &actor.name, now)?;
            let key = serial_product_key(&after.lines[receipt.line as usize - 1].sku);
            tx.remove_serials(&key, &receipt.serials)?;
            tx.put_order(&after)?;
            audit(
                tx,
                now,
                actor,
                "receipt.undo",
                &po.to_string(),
                &serde_json::json!({"status": before.status(), "received": before.progress(), "receipt": receipt}),
                &serde_json::json!({"status": after.status(), "received": after.progress()}),
            )?;
            Ok(ReceiveResult { receipt, order: after })
        })
    }
}
