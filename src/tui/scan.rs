//! What a scan means at the dock: a pure state machine over the open order lines.
//!
//! A barcode scanner types like a keyboard and ends with Enter. Scanning a SKU, MPN, EAN
//! or distributor SKU that names exactly one open line of a receivable order selects it
//! (several: a short pick list, answered by scanning or typing its number). A serialized
//! line then takes serial numbers, one per scan, until it is full or Esc; any other line
//! receives one unit per scan. A GS1 code on a product's box (its GTIN and serial number
//! in one code: see [`gs1`]) selects the line by its GTIN and gives the serial at once.
//! `*N` before a scan sets the quantity (for a serialized line: how many serials follow). Nothing here touches the database: the caller commits
//! each [`Step::Receive`] and reports back with [`ScanState::committed`].

use crate::domain::gs1;
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
    /// `serial`: the one a GS1 code gave with it, received once a line is picked.
    Pick {
        code: String,
        candidates: Vec<Target>,
        serial: Option<String>,
    },
    /// Expecting serial numbers for a serialized line; `left` more at most.
    Serials { target: Target, left: u32 },
}

/// The scanner's state between scans.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScanState {
    pub mode: ScanMode,
    /// A quantity set with `*N`, used by the next line selected.
    pub qty: Option<u32>,
    /// A `*…` scan that was not a quantity (`*1O` for `*10`): the next product scan is
    /// refused rather than received as one unit the receiver did not mean.
    pub bad_qty: Option<String>,
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
    /// While serials are expected, an order number (`PO-…`) was scanned: the next box's
    /// packing slip, not a serial.
    OrderNumberAsSerial { code: String, serials_for: String },
    /// While serials are expected, a GS1 code whose product is on no line here, or one
    /// that does not read (see `gs1::not_a_serial`): `gtin` when it was read.
    Gs1NotASerial {
        code: String,
        gtin: Option<String>,
        serials_for: String,
    },
    /// A product scanned after a quantity that was not read: not received.
    AfterBadQuantity { quantity: String, code: String },
    /// While serials of one line are expected, the code of another open line was scanned:
    /// most likely the next product, not a serial.
    ProductCodeAsSerial {
        code: String,
        serials_for: String,
        other: Target,
    },
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
            ScanError::AfterBadQuantity { quantity, code } => write!(
                f,
                "`{code}` not received: the quantity before it, `{quantity}`, was not read; \
                 scan *N and then it, or it alone for one unit"
            ),
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
            ScanError::OrderNumberAsSerial { code, serials_for } => write!(
                f,
                "`{code}` is an order number, not a serial of {serials_for}; press Esc to stop the \
                 serials, then scan it again"
            ),
            ScanError::Gs1NotASerial {
                code,
                gtin: Some(gtin),
                serials_for,
            } => write!(
                f,
                "`{code}` is the GS1 code of GTIN {gtin}, a product on no line here, not a serial of \
                 {serials_for}: not read"
            ),
            ScanError::Gs1NotASerial {
                code,
                gtin: None,
                serials_for,
            } => write!(
                f,
                "`{code}` is written as a GS1 code but does not read as one: not a serial of \
                 {serials_for}, and not read (is the scanner set to send the separators between \
                 a GS1 code's fields?)"
            ),
            ScanError::ProductCodeAsSerial {
                code,
                serials_for,
                other,
            } => write!(
                f,
                "`{code}` is the code of {} line {}, not a serial of {serials_for}; \
                 press Esc to stop the serials, then scan it again",
                other.po, other.line
            ),
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

/// Whether `s` is written as an order number: `PO-` (any case) and a number.
fn is_order_number(s: &str) -> bool {
    s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("PO-")) && s[3..].parse::<PoNumber>().is_ok()
}

/// One scan as read.
struct Scanned<'a> {
    /// As scanned, trimmed.
    raw: &'a str,
    /// Without the symbology identifier a scanner may send first (`]E0`).
    plain: &'a str,
    /// The GS1 code it reads as, whatever its GTIN.
    read: Option<gs1::ElementString>,
    /// Whether that GTIN is a line's here: only then is the scan taken as a GS1 code
    /// (anything else, a serial that happens to read as one, stays what it was).
    here: bool,
}

impl<'a> Scanned<'a> {
    /// `None` for a blank scan.
    fn read(lines: &[ScanLine], input: &'a str) -> Option<Self> {
        let raw = input.trim();
        let plain = gs1::without_identifier(raw).trim();
        if plain.is_empty() {
            return None;
        }
        let read = gs1::parse(raw);
        let here = read
            .as_ref()
            .is_some_and(|g| lines.iter().any(|l| l.line.matches_code(&g.gtin)));
        Some(Scanned { raw, plain, read, here })
    }

    /// The GS1 code it is of a product here.
    fn gs1(&self) -> Option<&gs1::ElementString> {
        self.read.as_ref().filter(|_| self.here)
    }

    /// The code lines are matched by: a GS1 code's GTIN, else the scan.
    fn code(&self) -> &str {
        self.gs1().map_or(self.plain, |g| g.gtin.as_str())
    }
}

fn find(lines: &[ScanLine], t: Target) -> Option<&ScanLine> {
    lines.iter().find(|l| l.target == t)
}

impl ScanState {
    /// Reads one scan against the current lines.
    pub fn scan(&mut self, lines: &[ScanLine], input: &str) -> Step {
        let Some(scan) = Scanned::read(lines, input) else {
            return Step::Nothing;
        };
        let (s, code) = (scan.plain, scan.code());
        match self.mode.clone() {
            ScanMode::Serials { target, left } => {
                if let Some(done) = self.serial(lines, target, left, &scan) {
                    return done;
                }
                // The next product's GS1 code with its own serial: the serials of this
                // line stop, and that product is taken as in any other scan.
                self.mode = ScanMode::Idle;
            }
            ScanMode::Pick { candidates, serial, .. } => {
                self.mode = ScanMode::Idle;
                if let Ok(n) = s.parse::<usize>() {
                    if (1..=candidates.len()).contains(&n) {
                        return self.select_with(lines, candidates[n - 1], serial);
                    }
                }
            }
            ScanMode::Idle => {}
        }
        if let Some(rest) = s.strip_prefix('*') {
            return match rest.trim().parse::<u32>() {
                Ok(n) if n > 0 => {
                    self.qty = Some(n);
                    self.bad_qty = None;
                    Step::QuantitySet(n)
                }
                _ => {
                    self.qty = None;
                    self.bad_qty = Some(s.to_string());
                    Step::Error(ScanError::BadQuantity(s.to_string()))
                }
            };
        }
        if let Some(quantity) = self.bad_qty.take() {
            return Step::Error(ScanError::AfterBadQuantity {
                quantity,
                code: s.to_string(),
            });
        }
        let matching: Vec<&ScanLine> = lines.iter().filter(|l| l.line.matches_code(code)).collect();
        let open: Vec<Target> = matching.iter().filter(|l| l.open() > 0).map(|l| l.target).collect();
        let serial = scan.gs1().and_then(|g| g.serial.clone());
        match (matching.first(), open.len()) {
            (None, _) => Step::Error(ScanError::Unknown(s.to_string())),
            (Some(first), 0) => Step::Error(ScanError::LineFull {
                target: first.target,
                sku: first.line.sku.clone(),
            }),
            (_, 1) => self.select_with(lines, open[0], serial),
            _ => {
                self.mode = ScanMode::Pick {
                    code: code.to_string(),
                    candidates: open.clone(),
                    serial,
                };
                Step::Picking(open)
            }
        }
    }

    /// A scan while the serials of `target` are expected: what it is, or `None` for the GS1
    /// code of another open line's product with its own serial, which is taken as a
    /// product scan.
    fn serial(&self, lines: &[ScanLine], target: Target, left: u32, scan: &Scanned<'_>) -> Option<Step> {
        let (raw, s, gs1, code) = (scan.raw, scan.plain, scan.gs1(), scan.code());
        if s.starts_with('*') {
            return Some(Step::Error(ScanError::QuantityDuringSerials));
        }
        let serialized = find(lines, target);
        if serialized.is_some_and(|l| l.line.matches_code(code)) {
            return Some(match gs1.and_then(|g| g.serial.clone()) {
                Some(serial) => Step::Receive {
                    target,
                    qty: 1,
                    serial: Some(serial),
                },
                None => Step::StillSerials { target, left },
            });
        }
        // A box's own serial label in GS1 (AI 21 alone, marked or printed as GS1).
        if let Some(serial) = gs1::serial_alone(raw) {
            return Some(Step::Receive {
                target,
                qty: 1,
                serial: Some(serial),
            });
        }
        let serials_for = || serialized.map_or_else(String::new, |l| l.line.sku.clone());
        // An order number is the next box's packing slip: refused, so no bogus serial is
        // recorded. (Only written `PO-…`: a serial may be all digits.)
        if is_order_number(s) {
            return Some(Step::Error(ScanError::OrderNumberAsSerial {
                code: s.to_string(),
                serials_for: serials_for(),
            }));
        }
        let other = lines.iter().find(|l| l.open() > 0 && l.line.matches_code(code));
        if let Some(other) = other {
            if gs1.is_some_and(|g| g.serial.is_some()) {
                return None;
            }
            // Another open line's code is the next product, not a serial: refused, so that
            // product is not lost and no bogus serial is recorded.
            return Some(Step::Error(ScanError::ProductCodeAsSerial {
                code: code.to_string(),
                serials_for: serials_for(),
                other: other.target,
            }));
        }
        // A GS1 code of a product whose lines are all received: not a serial either.
        if let Some(full) = gs1.and_then(|g| lines.iter().find(|l| l.line.matches_code(&g.gtin))) {
            return Some(Step::Error(ScanError::LineFull {
                target: full.target,
                sku: full.line.sku.clone(),
            }));
        }
        // Nor is a GS1 code of a product not here, read or not, when it cannot be a serial
        // (see `gs1::not_a_serial`).
        if gs1::not_a_serial(raw) {
            return Some(Step::Error(ScanError::Gs1NotASerial {
                code: raw.to_string(),
                gtin: scan.read.as_ref().map(|g| g.gtin.clone()),
                serials_for: serials_for(),
            }));
        }
        Some(Step::Receive {
            target,
            qty: 1,
            serial: Some(s.to_string()),
        })
    }

    /// Selects a line with the serial a GS1 code gave: a serialized line receives it at
    /// once; any other line ignores it.
    fn select_with(&mut self, lines: &[ScanLine], target: Target, serial: Option<String>) -> Step {
        let counted = self.qty.is_some();
        match (self.select(lines, target), serial) {
            (Step::AwaitSerials { target, .. }, Some(serial)) => {
                // The code is one box's, serial included: the next box's says its own, so
                // no more serials are expected — unless `*N` said how many follow.
                if !counted {
                    self.mode = ScanMode::Idle;
                }
                Step::Receive {
                    target,
                    qty: 1,
                    serial: Some(serial),
                }
            }
            (step, _) => step,
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

    /// A receipt of `qty` units on `target` was undone (`lines` are as after it): while
    /// its serials are being scanned, that many more may follow.
    pub fn reopened(&mut self, lines: &[ScanLine], target: Target, qty: u32) {
        if let ScanMode::Serials { target: t, left } = &mut self.mode {
            if *t == target {
                let open = find(lines, target).map_or(0, ScanLine::open);
                *left = left.saturating_add(qty).min(open);
            }
        }
    }

    /// Esc: leaves the pick list or the serials and forgets a quantity. Returns whether
    /// anything was cancelled.
    pub fn cancel(&mut self) -> bool {
        let busy = self.mode != ScanMode::Idle || self.qty.is_some() || self.bad_qty.is_some();
        self.mode = ScanMode::Idle;
        self.qty = None;
        self.bad_qty = None;
        busy
    }

    /// The prompt shown above the scan box.
    pub fn prompt(&self, lines: &[ScanLine]) -> String {
        let qty = self.qty.map(|q| format!(" ×{q}")).unwrap_or_default();
        match &self.mode {
            ScanMode::Idle => match &self.bad_qty {
                Some(q) => format!("`{q}` is not a quantity: scan *N again (Esc: one unit a scan)"),
                None => format!("Scan a SKU, MPN, EAN, GS1 code or PO{qty}  (*N then a scan: receive N)"),
            },
            ScanMode::Pick { code, candidates, .. } => {
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
mod tests;
