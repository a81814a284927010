//! Receiving goods against a placed order: quantities, serial numbers, undo.

use super::{text, Order, PoNumber, RuleError, Timestamp};
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

/// The longest serial number taken, in characters. Manufacturers' serial numbers run to
/// about 30 characters (a GS1 serial, AI 21, to 20); the limit leaves room for a prefix
/// or a part number scanned with it, and keeps one receipt from filling the database or
/// a screen.
pub const MAX_SERIAL_CHARS: usize = 100;

/// How much of a serial number that is too long a message shows.
const SHOWN_CHARS: usize = 20;

/// The serial numbers of a request as they are kept: see [`serial_number`].
pub fn serial_numbers(given: &[String]) -> Result<Vec<String>, RuleError> {
    given.iter().map(|s| serial_number(s)).collect()
}

/// A serial number as given, made ready to keep: the blanks around it (spaces, a no-break
/// space, a scanner's Enter) trimmed, then refused when it is empty, longer than
/// [`MAX_SERIAL_CHARS`], or holds a control character (a scanner's tab, an escape) or an
/// invisible format character (Unicode category Cf: U+200B zero-width space, U+FEFF
/// byte-order mark, U+200E and U+200F direction marks, U+2060 word joiner …).
///
/// Format characters are refused, not silently dropped. They are invisible, so `AB` and
/// `\u{feff}AB` look the same and would otherwise be two serials; but dropping them
/// would store something other than what was given, and not every Cf character is
/// invisible (the soft hyphen shows at a line break, the Arabic number signs always), so
/// no rule for which to drop would be right for all. A serial number is letters, digits
/// and signs on a label: one holding such a character was pasted from a web page, a PDF
/// or a spreadsheet, and scanning or typing it again gives the real one. The message
/// names the character (`U+FEFF`) so that it can be found.
pub fn serial_number(given: &str) -> Result<String, RuleError> {
    let serial = given.trim();
    if serial.is_empty() {
        return Err(RuleError::EmptySerial);
    }
    let chars = serial.chars().count();
    if chars > MAX_SERIAL_CHARS {
        let start: String = serial.chars().take(SHOWN_CHARS).collect();
        return Err(RuleError::SerialTooLong {
            start: text::escaped(&start),
            chars,
            max: MAX_SERIAL_CHARS,
        });
    }
    // A scanner's tab or an escape sequence is not part of a serial number, and the
    // serial is printed and kept per product: refused, never stored.
    if serial.chars().any(char::is_control) {
        return Err(RuleError::SerialControl {
            serial: text::escaped(serial),
        });
    }
    if let Some(c) = serial.chars().find(|&c| text::is_format_character(c)) {
        return Err(RuleError::SerialInvisible {
            serial: text::escaped(serial),
            character: text::code_point(c),
        });
    }
    Ok(serial.to_string())
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
        let serials = serial_numbers(&req.serials)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(given: &str) -> RuleError {
        serial_number(given).unwrap_err()
    }

    #[test]
    fn a_serial_number_is_kept_trimmed_of_the_blanks_around_it() {
        assert_eq!(serial_number("SN-0001").unwrap(), "SN-0001");
        assert_eq!(serial_number("  SN 0001\r\n").unwrap(), "SN 0001");
        assert_eq!(serial_number("\u{a0}SN1\u{a0}").unwrap(), "SN1", "a no-break space");
        assert_eq!(serial_number("\tSN1").unwrap(), "SN1", "a scanner's leading tab");
    }

    #[test]
    fn an_empty_serial_number_is_refused() {
        for given in ["", " ", "\u{a0}", "\r\n"] {
            assert_eq!(refused(given), RuleError::EmptySerial, "{given:?}");
        }
    }

    #[test]
    fn a_serial_number_of_up_to_100_characters_is_taken_whatever_their_bytes() {
        for len in [1, 2, 99, MAX_SERIAL_CHARS] {
            let serial = "Y".repeat(len);
            assert_eq!(serial_number(&serial).unwrap(), serial);
        }
        // Characters, not bytes: 100 two-byte letters are 200 bytes.
        let accented = "é".repeat(MAX_SERIAL_CHARS);
        assert_eq!(serial_number(&accented).unwrap(), accented);
        // The blanks trimmed off do not count.
        let padded = format!("  {}  ", "Y".repeat(MAX_SERIAL_CHARS));
        assert_eq!(serial_number(&padded).unwrap().len(), MAX_SERIAL_CHARS);
    }

    #[test]
    fn a_serial_number_over_100_characters_is_refused_naming_its_start_and_the_limit() {
        for len in [MAX_SERIAL_CHARS + 1, 1_000, 100_000] {
            let e = refused(&"Y".repeat(len));
            assert_eq!(
                e,
                RuleError::SerialTooLong {
                    start: "Y".repeat(20),
                    chars: len,
                    max: MAX_SERIAL_CHARS,
                }
            );
            assert_eq!(
                e.to_string(),
                format!(
                    "serial number YYYYYYYYYYYYYYYYYYYY… is {len} characters long; a serial number has at most 100 (scan or type it again)"
                )
            );
        }
        let e = refused(&"é".repeat(MAX_SERIAL_CHARS + 1));
        assert!(matches!(e, RuleError::SerialTooLong { chars: 101, .. }), "{e:?}");
        // The start shown is escaped like any serial in a message.
        let e = refused(&format!("\u{1b}[2J{}", "Y".repeat(200)));
        assert!(
            e.to_string()
                .starts_with("serial number \\u{1b}[2JYYYYYYYYYYYYYYYY… is 204 characters"),
            "{e}"
        );
    }

    #[test]
    fn a_serial_number_with_a_control_character_is_refused_showing_it_escaped() {
        for (given, shown) in [
            ("SN\t1", "SN\\t1"),
            ("B\u{1f}C", "B\\u{1f}C"),
            ("SN\u{85}1", "SN\\u{85}1"),
        ] {
            assert_eq!(
                refused(given),
                RuleError::SerialControl {
                    serial: shown.to_string()
                },
                "{given:?}"
            );
        }
    }

    #[test]
    fn a_serial_number_with_an_invisible_format_character_is_refused_naming_it() {
        for (given, shown, character) in [
            ("\u{feff}AB", "\\u{feff}AB", "U+FEFF (byte-order mark)"),
            ("A\u{200b}B", "A\\u{200b}B", "U+200B (zero-width space)"),
            ("AB\u{200e}", "AB\\u{200e}", "U+200E (left-to-right mark)"),
            ("AB\u{200f}", "AB\\u{200f}", "U+200F (right-to-left mark)"),
            ("A\u{2060}B", "A\\u{2060}B", "U+2060 (word joiner)"),
            ("A\u{ad}B", "A\\u{ad}B", "U+00AD (soft hyphen)"),
            ("\u{202e}BA", "\\u{202e}BA", "U+202E"),
            ("AB\u{e0041}", "AB\\u{e0041}", "U+E0041"),
        ] {
            let e = refused(given);
            assert_eq!(
                e,
                RuleError::SerialInvisible {
                    serial: shown.to_string(),
                    character: character.to_string(),
                },
                "{given:?}"
            );
            assert_eq!(
                e.to_string(),
                format!("serial number {shown} holds an invisible character, {character}; a serial number is printable text (scan or type it again)")
            );
        }
        // Not trimmed away as a blank would be: a byte-order mark is not white space.
        assert!(matches!(refused("\u{feff}"), RuleError::SerialInvisible { .. }));
    }

    #[test]
    fn the_first_problem_is_named_in_a_fixed_order_empty_length_control_invisible() {
        let long_with_both = format!("\t{}\u{1b}\u{feff}", "Y".repeat(MAX_SERIAL_CHARS));
        assert!(matches!(refused(&long_with_both), RuleError::SerialTooLong { .. }));
        assert!(matches!(refused("\u{feff}A\u{1b}"), RuleError::SerialControl { .. }));
    }

    #[test]
    fn every_serial_of_a_request_is_checked_and_the_first_refused_one_named() {
        let given = ["A1".to_string(), " A2 ".to_string()];
        assert_eq!(serial_numbers(&given).unwrap(), ["A1", "A2"]);
        let given = ["A1".to_string(), "\u{200b}A2".to_string(), String::new()];
        assert!(matches!(serial_numbers(&given), Err(RuleError::SerialInvisible { .. })));
        assert_eq!(serial_numbers(&[]).unwrap(), Vec::<String>::new());
    }
}
