//! What a scan means at the dock: a pure state machine over the open order lines.
//!
//! A barcode scanner types like a keyboard and ends with Enter. Scanning a SKU, MPN, EAN
//! or distributor SKU that names exactly one open line of a receivable order selects it
//! (several: a short pick list, answered by scanning or typing its number). A serialized
//! line then takes serial numbers, one per scan, until it is full or Esc; any other line
//! receives one unit per scan. `*N` before a scan sets the quantity (for a serialized
//! line: how many serials follow). Nothing here touches the database: the caller commits
//! each [`Step::Receive`] and reports back with [`ScanState::committed`].

use crate::domain::{Order, OrderLine, PoNumber};

/// One order line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    pub po: PoNumber,
    /// 1-based.
    pub line: u32,
}

/// A line of a receivable order as the scanner sees it.
#[derive(Debug, Clone)]
pub struct ScanLine {
    pub target: Target,
    pub line: OrderLine,
    pub received: u32,
}

impl ScanLine {
    pub fn open(&self) -> u32 {
        self.line.quantity.saturating_sub(self.received)
    }
}

/// The lines of every order goods can arrive against, in the order given.
pub fn scan_lines<'a>(orders: impl IntoIterator<Item = &'a Order>) -> Vec<ScanLine> {
    orders
        .into_iter()
        .filter(|o| o.status().is_receivable())
        .flat_map(|o| {
            o.lines.iter().enumerate().map(move |(i, l)| {
                let n = i as u32 + 1;
                ScanLine {
                    target: Target { po: o.number, line: n },
                    line: l.clone(),
                    received: o.received_on(n),
                }
            })
        })
        .collect()
}

/// What the next scan will be taken as.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ScanMode {
    /// Expecting a product code.
    #[default]
    Idle,
    /// A code matched several open lines; expecting the number of one (or a new code).
    Pick { code: String, candidates: Vec<Target> },
    /// Expecting serial numbers for a serialized line; `left` more at most.
    Serials { target: Target, left: u32 },
}

/// The scanner's state between scans.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScanState {
    pub mode: ScanMode,
    /// A quantity set with `*N`, used by the next line selected.
    pub qty: Option<u32>,
}

/// Why a scan was refused (the terminal bell rings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// No line of a receivable order has this code.
    Unknown(String),
    /// Every line with this code is fully received.
    LineFull { target: Target, sku: String },
    /// `*N` with something other than a positive number.
    BadQuantity(String),
    /// `*N` above what is still open on the line.
    TooMany {
        target: Target,
        sku: String,
        open: u32,
        asked: u32,
    },
    /// `*N` while serial numbers are expected.
    QuantityDuringSerials,
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScanError::Unknown(c) => write!(
                f,
                "unknown code `{c}`: no open line of a submitted or partial order has it"
            ),
            ScanError::LineFull { target, sku } => {
                write!(
                    f,
                    "line full: {sku} on {} line {} is completely received",
                    target.po, target.line
                )
            }
            ScanError::BadQuantity(t) => write!(f, "`{t}` is not a quantity; use *N with N ≥ 1, then scan"),
            ScanError::TooMany {
                target,
                sku,
                open,
                asked,
            } => {
                write!(
                    f,
                    "too many: {asked} × {sku} but only {open} open on {} line {}",
                    target.po, target.line
                )
            }
            ScanError::QuantityDuringSerials => {
                write!(
                    f,
                    "a quantity does not apply while scanning serials; scan a serial or press Esc"
                )
            }
        }
    }
}

/// What to do with one scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A blank scan: nothing.
    Nothing,
    /// `*N` was read; the next selected line uses it.
    QuantitySet(u32),
    /// Several open lines match; show them as a numbered pick list.
    Picking(Vec<Target>),
    /// A serialized line is selected; serial numbers follow.
    AwaitSerials { target: Target, left: u32 },
    /// The line's own code was scanned again while serials are expected: keep going.
    StillSerials { target: Target, left: u32 },
    /// Commit a receipt now.
    Receive {
        target: Target,
        qty: u32,
        serial: Option<String>,
    },
    /// Refused; ring the bell.
    Error(ScanError),
}

fn find(lines: &[ScanLine], t: Target) -> Option<&ScanLine> {
    lines.iter().find(|l| l.target == t)
}

impl ScanState {
    /// Reads one scan against the current lines.
    pub fn scan(&mut self, lines: &[ScanLine], input: &str) -> Step {
        let s = input.trim();
        if s.is_empty() {
            return Step::Nothing;
        }
        match self.mode.clone() {
            ScanMode::Serials { target, left } => {
                if s.starts_with('*') {
                    return Step::Error(ScanError::QuantityDuringSerials);
                }
                if find(lines, target).is_some_and(|l| l.line.matches_code(s)) {
                    return Step::StillSerials { target, left };
                }
                return Step::Receive {
                    target,
                    qty: 1,
                    serial: Some(s.to_string()),
                };
            }
            ScanMode::Pick { candidates, .. } => {
                self.mode = ScanMode::Idle;
                if let Ok(n) = s.parse::<usize>() {
                    if (1..=candidates.len()).contains(&n) {
                        return self.select(lines, candidates[n - 1]);
                    }
                }
            }
            ScanMode::Idle => {}
        }
        if let Some(rest) = s.strip_prefix('*') {
            return match rest.trim().parse::<u32>() {
                Ok(n) if n > 0 => {
                    self.qty = Some(n);
                    Step::QuantitySet(n)
                }
                _ => Step::Error(ScanError::BadQuantity(s.to_string())),
            };
        }
        let matching: Vec<&ScanLine> = lines.iter().filter(|l| l.line.matches_code(s)).collect();
        let open: Vec<Target> = matching.iter().filter(|l| l.open() > 0).map(|l| l.target).collect();
        match (matching.first(), open.len()) {
            (None, _) => Step::Error(ScanError::Unknown(s.to_string())),
            (Some(first), 0) => Step::Error(ScanError::LineFull {
                target: first.target,
                sku: first.line.sku.clone(),
            }),
            (_, 1) => self.select(lines, open[0]),
            _ => {
                self.mode = ScanMode::Pick {
                    code: s.to_string(),
                    candidates: open.clone(),
                };
                Step::Picking(open)
            }
        }
    }

    /// Selects a line (from a unique match or the pick list).
    pub fn select(&mut self, lines: &[ScanLine], target: Target) -> Step {
        self.mode = ScanMode::Idle;
        let Some(line) = find(lines, target) else {
            return Step::Error(ScanError::Unknown(format!("{} line {}", target.po, target.line)));
        };
        let open = line.open();
        if open == 0 {
            self.qty = None;
            return Step::Error(ScanError::LineFull {
                target,
                sku: line.line.sku.clone(),
            });
        }
        let qty = self.qty.take();
        if let Some(asked) = qty.filter(|q| *q > open) {
            return Step::Error(ScanError::TooMany {
                target,
                sku: line.line.sku.clone(),
                open,
                asked,
            });
        }
        if line.line.serialized {
            let left = qty.unwrap_or(open);
            self.mode = ScanMode::Serials { target, left };
            Step::AwaitSerials { target, left }
        } else {
            Step::Receive {
                target,
                qty: qty.unwrap_or(1),
                serial: None,
            }
        }
    }

    /// A receipt from the last [`Step::Receive`] was committed; `lines` are as after it.
    pub fn committed(&mut self, lines: &[ScanLine]) {
        if let ScanMode::Serials { target, left } = self.mode {
            let open = find(lines, target).map_or(0, ScanLine::open);
            let left = left.saturating_sub(1).min(open);
            self.mode = if left == 0 {
                ScanMode::Idle
            } else {
                ScanMode::Serials { target, left }
            };
        }
    }

    /// Esc: leaves the pick list or the serials and forgets a quantity. Returns whether
    /// anything was cancelled.
    pub fn cancel(&mut self) -> bool {
        let busy = self.mode != ScanMode::Idle || self.qty.is_some();
        self.mode = ScanMode::Idle;
        self.qty = None;
        busy
    }

    /// The prompt shown above the scan box.
    pub fn prompt(&self, lines: &[ScanLine]) -> String {
        let qty = self.qty.map(|q| format!(" ×{q}")).unwrap_or_default();
        match &self.mode {
            ScanMode::Idle => format!("Scan a SKU, MPN or EAN{qty}  (*N sets a quantity)"),
            ScanMode::Pick { code, candidates } => {
                format!(
                    "`{code}` is on {} open lines: scan or type 1–{}; Esc cancels",
                    candidates.len(),
                    candidates.len()
                )
            }
            ScanMode::Serials { target, left } => {
                let l = find(lines, *target);
                let sku = l.map_or("?", |l| l.line.sku.as_str());
                let (rec, qty) = l.map_or((0, 0), |l| (l.received, l.line.quantity));
                format!(
                    "Scan serial for {sku} ({} line {}, {rec}/{qty}; {left} to go) — Esc stops",
                    target.po, target.line
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn line(sku: &str, mpn: Option<&str>, ean: Option<&str>, qty: u32, serialized: bool) -> OrderLine {
        OrderLine {
            item_id: 1,
            quote_id: "Q".into(),
            line_id: "1".into(),
            customer_id: "C".into(),
            customer_name: "Customer".into(),
            psa_company_id: None,
            sku: sku.into(),
            mpn: mpn.map(Into::into),
            ean: ean.map(Into::into),
            description: "thing".into(),
            distributor_sku: None,
            quantity: qty,
            unit_cost: Decimal::ONE,
            unit_price: Decimal::ONE,
            serialized,
            pax8_product_id: None,
            psa_product_id: None,
        }
    }

    fn t(po: u64, line: u32) -> Target {
        Target { po: PoNumber(po), line }
    }

    /// PO 4: AP-650 ×8 serialized, SW ×2 serialized. PO 7: CABLE ×40, and AP-650 ×2 again.
    fn lines() -> Vec<ScanLine> {
        vec![
            ScanLine {
                target: t(4, 1),
                line: line("AP-650", Some("R9B28A"), Some("0190017123987"), 8, true),
                received: 0,
            },
            ScanLine {
                target: t(4, 2),
                line: line("SW-2930F", Some("JL259A"), None, 2, true),
                received: 0,
            },
            ScanLine {
                target: t(7, 1),
                line: line("CABLE", None, Some("8711"), 40, false),
                received: 38,
            },
            ScanLine {
                target: t(7, 2),
                line: line("DOCK", None, None, 3, false),
                received: 3,
            },
        ]
    }

    fn receive(target: Target, qty: u32, serial: Option<&str>) -> Step {
        Step::Receive {
            target,
            qty,
            serial: serial.map(Into::into),
        }
    }

    fn bump(lines: &mut [ScanLine], target: Target, n: u32) {
        lines.iter_mut().find(|l| l.target == target).unwrap().received += n;
    }

    #[test]
    fn blank_scans_do_nothing() {
        let mut s = ScanState::default();
        assert_eq!(s.scan(&lines(), "   "), Step::Nothing);
        assert_eq!(s, ScanState::default());
    }

    #[test]
    fn a_plain_line_receives_one_unit_per_scan_by_any_code() {
        let mut s = ScanState::default();
        assert_eq!(s.scan(&lines(), "CABLE"), receive(t(7, 1), 1, None));
        assert_eq!(s.mode, ScanMode::Idle);
        assert_eq!(s.scan(&lines(), " 8711 "), receive(t(7, 1), 1, None));
        assert_eq!(
            s.scan(&lines(), "cable"),
            receive(t(7, 1), 1, None),
            "case does not matter"
        );
    }

    #[test]
    fn star_n_sets_the_quantity_for_the_next_line_only() {
        let mut s = ScanState::default();
        assert_eq!(s.scan(&lines(), "*2"), Step::QuantitySet(2));
        assert_eq!(s.qty, Some(2));
        assert_eq!(s.scan(&lines(), "CABLE"), receive(t(7, 1), 2, None));
        assert_eq!(s.qty, None);
        assert_eq!(s.scan(&lines(), "CABLE"), receive(t(7, 1), 1, None));
    }

    #[test]
    fn star_n_above_what_is_open_is_refused() {
        let mut s = ScanState::default();
        s.scan(&lines(), "*3");
        assert_eq!(
            s.scan(&lines(), "CABLE"),
            Step::Error(ScanError::TooMany {
                target: t(7, 1),
                sku: "CABLE".into(),
                open: 2,
                asked: 3
            })
        );
        assert_eq!(s, ScanState::default(), "the quantity is used up by the refusal");
    }

    #[test]
    fn bad_quantities_are_refused() {
        let mut s = ScanState::default();
        for bad in ["*0", "*", "*x", "*-1"] {
            assert_eq!(s.scan(&lines(), bad), Step::Error(ScanError::BadQuantity(bad.into())));
        }
        assert_eq!(s.qty, None);
    }

    #[test]
    fn unknown_codes_and_full_lines_are_refused() {
        let mut s = ScanState::default();
        assert_eq!(s.scan(&lines(), "NOPE"), Step::Error(ScanError::Unknown("NOPE".into())));
        assert_eq!(
            s.scan(&lines(), "DOCK"),
            Step::Error(ScanError::LineFull {
                target: t(7, 2),
                sku: "DOCK".into()
            })
        );
        assert_eq!(s.mode, ScanMode::Idle);
    }

    #[test]
    fn a_serialized_line_takes_serials_until_full() {
        let mut ls = lines();
        let mut s = ScanState::default();
        assert_eq!(
            s.scan(&ls, "JL259A"),
            Step::AwaitSerials {
                target: t(4, 2),
                left: 2
            }
        );
        assert_eq!(s.scan(&ls, "SN1"), receive(t(4, 2), 1, Some("SN1")));
        bump(&mut ls, t(4, 2), 1);
        s.committed(&ls);
        assert_eq!(
            s.mode,
            ScanMode::Serials {
                target: t(4, 2),
                left: 1
            }
        );
        // A failed commit (duplicate serial) keeps waiting for serials.
        assert_eq!(s.scan(&ls, "SN1"), receive(t(4, 2), 1, Some("SN1")));
        assert_eq!(
            s.mode,
            ScanMode::Serials {
                target: t(4, 2),
                left: 1
            }
        );
        assert_eq!(s.scan(&ls, "SN2"), receive(t(4, 2), 1, Some("SN2")));
        bump(&mut ls, t(4, 2), 1);
        s.committed(&ls);
        assert_eq!(s.mode, ScanMode::Idle, "the line is full");
        // The next scan is a code again, and the line is full now.
        assert_eq!(
            s.scan(&ls, "SW-2930F"),
            Step::Error(ScanError::LineFull {
                target: t(4, 2),
                sku: "SW-2930F".into()
            })
        );
    }

    #[test]
    fn star_n_limits_the_serials_that_follow() {
        let mut ls = lines();
        let mut s = ScanState::default();
        s.scan(&ls, "*1");
        assert_eq!(
            s.scan(&ls, "AP-650"),
            Step::AwaitSerials {
                target: t(4, 1),
                left: 1
            }
        );
        assert_eq!(s.scan(&ls, "X1"), receive(t(4, 1), 1, Some("X1")));
        bump(&mut ls, t(4, 1), 1);
        s.committed(&ls);
        assert_eq!(s.mode, ScanMode::Idle);
    }

    #[test]
    fn the_lines_own_code_during_serials_is_not_a_serial() {
        let ls = lines();
        let mut s = ScanState::default();
        s.scan(&ls, "AP-650");
        assert_eq!(
            s.scan(&ls, "0190017123987"),
            Step::StillSerials {
                target: t(4, 1),
                left: 8
            }
        );
        assert_eq!(s.scan(&ls, "*2"), Step::Error(ScanError::QuantityDuringSerials));
        // Another product's code is taken as a serial: serials can look like anything.
        assert_eq!(s.scan(&ls, "CABLE"), receive(t(4, 1), 1, Some("CABLE")));
    }

    #[test]
    fn esc_leaves_serials_and_forgets_the_quantity() {
        let ls = lines();
        let mut s = ScanState::default();
        assert!(!s.cancel());
        s.scan(&ls, "AP-650");
        assert!(s.cancel());
        assert_eq!(s, ScanState::default());
        s.scan(&ls, "*5");
        assert!(s.cancel());
        assert_eq!(s.qty, None);
    }

    #[test]
    fn several_matches_give_a_pick_list() {
        let mut ls = lines();
        ls.push(ScanLine {
            target: t(9, 3),
            line: line("AP-650", Some("R9B28A"), None, 2, false),
            received: 0,
        });
        let mut s = ScanState::default();
        assert_eq!(s.scan(&ls, "R9B28A"), Step::Picking(vec![t(4, 1), t(9, 3)]));
        assert!(matches!(s.mode, ScanMode::Pick { .. }));
        assert_eq!(s.scan(&ls, "2"), receive(t(9, 3), 1, None));
        assert_eq!(s.mode, ScanMode::Idle);
        s.scan(&ls, "R9B28A");
        assert_eq!(
            s.scan(&ls, "1"),
            Step::AwaitSerials {
                target: t(4, 1),
                left: 8
            }
        );
    }

    #[test]
    fn a_pick_list_keeps_the_quantity_and_gives_way_to_a_new_code() {
        let mut ls = lines();
        ls.push(ScanLine {
            target: t(9, 3),
            line: line("AP-650", None, None, 5, false),
            received: 0,
        });
        let mut s = ScanState::default();
        s.scan(&ls, "*3");
        assert_eq!(s.scan(&ls, "AP-650"), Step::Picking(vec![t(4, 1), t(9, 3)]));
        assert_eq!(s.scan(&ls, "2"), receive(t(9, 3), 3, None));
        s.scan(&ls, "AP-650");
        assert_eq!(
            s.scan(&ls, "CABLE"),
            receive(t(7, 1), 1, None),
            "a new code leaves the list"
        );
        s.scan(&ls, "AP-650");
        assert_eq!(
            s.scan(&ls, "7"),
            Step::Error(ScanError::Unknown("7".into())),
            "out of range: a code"
        );
    }

    #[test]
    fn full_lines_are_not_candidates() {
        let mut ls = lines();
        ls.push(ScanLine {
            target: t(9, 3),
            line: line("CABLE", None, None, 5, false),
            received: 5,
        });
        let mut s = ScanState::default();
        assert_eq!(s.scan(&ls, "CABLE"), receive(t(7, 1), 1, None));
    }

    #[test]
    fn scan_lines_take_only_receivable_orders() {
        assert!(scan_lines(std::iter::empty()).is_empty());
    }

    #[test]
    fn prompts_say_what_comes_next() {
        let ls = lines();
        let mut s = ScanState::default();
        assert!(s.prompt(&ls).starts_with("Scan a SKU"));
        s.scan(&ls, "AP-650");
        let p = s.prompt(&ls);
        assert!(
            p.contains("serial") && p.contains("PO-000004 line 1") && p.contains("8 to go"),
            "{p}"
        );
    }
}
