//! Receiving goods against a placed order: quantities, serial numbers, undo.

use super::{Order, PoNumber, RuleError, Timestamp};
use serde::{Deserialize, Serialize};

/// Undo of a receipt: kept on the receipt, never deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undo {
    pub by: String,
    pub at: Timestamp,
}

/// One recorded receipt on one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Sequence number within the order, from 1.
    pub id: u32,
    /// The order line, 1-based.
    pub line: u32,
    pub quantity: u32,
    #[serde(default)]
    pub serials: Vec<String>,
    pub by: String,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undone: Option<Undo>,
}

/// A request to receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiveRequest {
    /// The order line, 1-based.
    pub line: u32,
    /// Quantity; `None` means the number of serials given, or 1.
    pub quantity: Option<u32>,
    pub serials: Vec<String>,
}

/// The product key under which serial numbers are unique: the SKU, as written.
pub fn serial_product_key(sku: &str) -> String {
    sku.trim().to_ascii_uppercase()
}

impl Order {
    /// Records a receipt. `serial_owner` tells, for a product key and a serial, which order
    /// already received it (across all orders). Returns the new receipt.
    pub fn receive(
        &mut self,
        req: &ReceiveRequest,
        actor: &str,
        now: Timestamp,
        serial_owner: &dyn Fn(&str, &str) -> Option<PoNumber>,
    ) -> Result<Receipt, RuleError> {
        self.may_receive()?;
        let count = self.lines.len();
        let line = self
            .lines
            .get((req.line as usize).wrapping_sub(1))
            .ok_or(RuleError::UnknownLine {
                po: self.number,
                line: req.line,
                count,
            })?;
        let serials: Vec<String> = req.serials.iter().map(|s| s.trim().to_string()).collect();
        if serials.iter().any(String::is_empty) {
            return Err(RuleError::EmptySerial);
        }
        // A scanner's tab or an escape sequence is not part of a serial number, and the
        // serial is printed and kept per product: refused, never stored.
        if let Some(s) = serials.iter().find(|s| s.chars().any(char::is_control)) {
            return Err(RuleError::SerialControl {
                serial: s.escape_debug().to_string(),
            });
        }
        let qty = req
            .quantity
            .unwrap_or(if serials.is_empty() { 1 } else { serials.len() as u32 });
        if qty == 0 {
            return Err(RuleError::ZeroQuantity);
        }
        let open = line.quantity - self.received_on(req.line);
        if qty > open {
            return Err(RuleError::TooMany {
                po: self.number,
                line: req.line,
                sku: line.sku.clone(),
                ordered: line.quantity,
                open,
                asked: qty,
            });
        }
        if line.serialized {
            if serials.len() != qty as usize {
                return Err(RuleError::SerialCount {
                    line: req.line,
                    sku: line.sku.clone(),
                    qty,
                    serials: serials.len(),
                });
            }
        } else if !serials.is_empty() {
            return Err(RuleError::NotSerialized {
                line: req.line,
                sku: line.sku.clone(),
            });
        }
        let key = serial_product_key(&line.sku);
        for (i, serial) in serials.iter().enumerate() {
            if serials[..i].contains(serial) {
                return Err(RuleError::SerialRepeated { serial: serial.clone() });
            }
            if let Some(po) = serial_owner(&key, serial) {
                return Err(RuleError::DuplicateSerial {
                    serial: serial.clone(),
                    sku: line.sku.clone(),
                    po,
                });
            }
        }
        let receipt = Receipt {
            id: self.receipts.iter().map(|r| r.id).max().unwrap_or(0) + 1,
            line: req.line,
            quantity: qty,
            serials,
            by: actor.to_string(),
            at: now,
            undone: None,
        };
        self.receipts.push(receipt.clone());
        Ok(receipt)
    }

    /// Undoes a receipt (kept, marked undone). Returns the receipt as it was.
    pub fn unreceive(&mut self, receipt_id: u32, actor: &str, now: Timestamp) -> Result<Receipt, RuleError> {
        let po = self.number;
        self.may_undo_receipts()?;
        let receipt = self
            .receipts
            .iter_mut()
            .find(|r| r.id == receipt_id)
            .ok_or(RuleError::UnknownReceipt {
                po,
                receipt: receipt_id,
            })?;
        if receipt.undone.is_some() {
            return Err(RuleError::ReceiptAlreadyUndone {
                po,
                receipt: receipt_id,
            });
        }
        let before = receipt.clone();
        receipt.undone = Some(Undo {
            by: actor.to_string(),
            at: now,
        });
        Ok(before)
    }

    /// Whether goods may be received against the order now.
    pub fn may_receive(&self) -> Result<(), RuleError> {
        if self.status().is_receivable() {
            Ok(())
        } else {
            Err(self.wrong_status("receiving", "Submitted, Email sent or Partial"))
        }
    }

    /// Whether receipts of the order may be undone now (not once it is cancelled).
    pub fn may_undo_receipts(&self) -> Result<(), RuleError> {
        if matches!(self.status(), super::OrderStatus::Cancelled) {
            Err(self.wrong_status("undoing a receipt", "Partial or Completed"))
        } else {
            Ok(())
        }
    }

    /// The last receipt not yet undone, if any.
    pub fn last_active_receipt(&self) -> Option<&Receipt> {
        self.receipts.iter().rev().find(|r| r.undone.is_none())
    }

    /// Units still to arrive on a line (1-based).
    pub fn open_on(&self, line: u32) -> u32 {
        self.lines
            .get((line as usize).wrapping_sub(1))
            .map_or(0, |l| l.quantity.saturating_sub(self.received_on(line)))
    }
}
