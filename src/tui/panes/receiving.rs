//! Pane 4, Receiving: the dock. The scan box has the focus; every scan goes into a FIFO
//! and is read by the pure [`crate::tui::scan`] machine and committed in order, one at
//! a time, while the box keeps taking keystrokes — nothing typed is lost, however fast
//! the scanner is.

use super::{navigate, Ask, Ctx};
use crate::domain::receiving::ReceiveRequest;
use crate::domain::{OrderStatus, PoNumber, Receipt};
use crate::tui::action::Action;
use crate::tui::commands::{Command, CommandKind};
use crate::tui::error::ScreenError;
use crate::tui::scan::{scan_lines, ScanError, ScanLine, ScanMode, ScanState, Step, Target};
use crate::tui::widgets::Tone;
use crate::tui::widgets::{Col, Cursor, Grid, GridCell};
use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;
use std::collections::VecDeque;
use std::time::Instant;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

/// Something the receiver did, in the order it was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    Scan(String),
    Undo,
    Cancel,
}

#[derive(Debug, Default)]
pub struct ReceivingPane {
    pub input: Input,
    pub focused: bool,
    pub state: ScanState,
    pub lines: Vec<ScanLine>,
    /// Scans (and undo/Esc) not yet read, oldest first.
    pub queue: VecDeque<Queued>,
    /// A receipt is being committed.
    pub inflight: bool,
    /// The scan that receipt came from, to name it when the receipt is refused.
    saving: Option<String>,
    /// What happened, newest last.
    pub log: VecDeque<(Tone, String)>,
    /// Receivable orders, for the list.
    pub orders: Vec<PoNumber>,
    pub cursor: Cursor,
    pub pick: Cursor,
    /// Receipts made in this session, for undo (newest last).
    pub mine: Vec<(PoNumber, u32)>,
    /// The line the last scan went to.
    pub current: Option<Target>,
    /// How many notes the log has had (the status line follows the newest).
    pub noted: u64,
    /// The run of characters being typed into the box, to tell a scan from what a person
    /// typed before it.
    typed: Run,
    /// Scanning narrowed to one order (its PO number was scanned from a packing slip).
    pub narrow: Option<PoNumber>,
    /// Dropship and licence-only orders are offered at the dock too (asked for).
    pub all_kinds: bool,
    /// How many lines the scan log is scrolled back from the newest.
    pub log_back: usize,
    /// Why the user may not receive here (no scan box then); `None` when they may.
    pub refused: Option<String>,
    /// Narrows the order list (`/` in an empty scan box: no barcode starts with it).
    pub search: crate::tui::widgets::SearchBox,
    /// Characters typed past what the box holds were dropped: what it holds is not what
    /// was scanned, so Enter refuses it rather than read a cut-off code.
    overflowed: bool,
    /// Lines the distributor refused whose goods were scanned here, told once each.
    told_refused: std::collections::HashSet<Target>,
}

/// How many lines of the scan log are kept to scroll back through.
const LOG_KEPT: usize = 500;

/// The longest code or serial number read as a scan: the longest serial number the service
/// takes.
pub const SCAN_MAX_CHARS: usize = crate::domain::receiving::MAX_SERIAL_CHARS;

/// What the scan box holds at most: the longest scan, with room for a quantity (`*N`) or
/// half-typed text before it.
pub const BOX_MAX_CHARS: usize = 2 * SCAN_MAX_CHARS;

/// The most scans one paste is read as (one per line).
pub const PASTE_MAX_SCANS: usize = 1000;

/// Whether goods for `o` arrive at our dock: not a dropship (it goes to the customer)
/// nor a licence-only order (Pax8 subscriptions ship nothing).
fn comes_to_the_dock(ctx: &Ctx, o: &crate::domain::Order) -> bool {
    let licences =
        ctx.config.distributors.get(&o.distributor).map(|d| d.kind) == Some(crate::config::DistributorKind::Pax8);
    o.order_type != crate::domain::OrderType::Dropship && !licences
}

/// Characters arriving each within the scan gap of the one before: a run.
#[derive(Debug, Default, Clone, Copy)]
struct Run {
    /// Where in the box the run began; `None` once the text was edited (not typed at the end).
    start: Option<usize>,
    /// When its last character came.
    last: Option<Instant>,
}

impl ReceivingPane {
    /// Whether anything typed or scanned has not been committed yet.
    pub fn has_unsent(&self) -> bool {
        !self.input.value().trim().is_empty() || !self.queue.is_empty() || self.inflight
    }

    fn note(&mut self, tone: Tone, text: impl Into<String>) {
        self.noted += 1;
        self.log.push_back((tone, text.into()));
        while self.log.len() > LOG_KEPT {
            self.log.pop_front();
        }
        // A new line brings the log back to the newest, where the receiver looks.
        self.log_back = 0;
    }

    /// The order whose lines are shown: the one scanned last, else the highlighted one.
    pub fn shown_order(&self) -> Option<PoNumber> {
        self.current
            .map(|t| t.po)
            .filter(|po| self.orders.contains(po))
            .or_else(|| self.orders.get(self.cursor.sel).copied())
    }
}

impl ReceivingPane {
    /// Puts the focus in the scan box.
    pub fn focus(&mut self) {
        // Without the receiver's role there is no scan box to type into.
        self.focused = self.refused.is_none();
    }

    /// Whether the scan box has the focus (keys are typed into it).
    pub fn typing(&self) -> bool {
        self.focused
    }

    /// Whether keys go to the search box over the order list.
    pub fn searching(&self) -> bool {
        self.search.focused
    }

    /// Whether `ev` opens the search: `/` with nothing in the scan box and nothing under way
    /// (no barcode starts with `/`), or for a user without the scan box.
    pub fn opens_search(&self, ev: &crossterm::event::KeyEvent) -> bool {
        ev.code == crossterm::event::KeyCode::Char('/')
            && ev
                .modifiers
                .difference(crossterm::event::KeyModifiers::SHIFT)
                .is_empty()
            && (!self.is_busy() || self.refused.is_some())
    }

    /// A key typed into the search box: the order list follows at once.
    pub fn search_key(&mut self, ev: &crossterm::event::KeyEvent, ctx: &Ctx) {
        if ev.code == crossterm::event::KeyCode::Esc {
            self.search.clear();
        }
        if self.search.key(ev) || ev.code == crossterm::event::KeyCode::Esc {
            self.refresh(ctx);
        }
    }

    /// Pasted text into the search box: the order list follows at once.
    pub fn search_paste(&mut self, text: &str, ctx: &Ctx) {
        if self.search.paste(text) {
            self.refresh(ctx);
        }
    }

    /// Whether the scanner is in the middle of something: serials or a pick list
    /// expected, a quantity set, or text typed. Esc has work to do then.
    pub fn is_busy(&self) -> bool {
        self.state.mode != ScanMode::Idle || self.state.qty.is_some() || !self.input.value().is_empty()
    }

    /// Whether a receipt is being saved (for the spinner).
    pub fn saving(&self) -> bool {
        self.inflight
    }

    /// The open lines and receivable orders again, after the orders changed.
    pub fn refresh(&mut self, ctx: &Ctx) {
        self.check_permission(ctx);
        self.unnarrow_when_done(ctx);
        let sel = self.orders.get(self.cursor.sel).copied();
        let offered = |o: &&crate::domain::Order| self.offers(ctx, o);
        self.lines = scan_lines(ctx.data.orders.iter().rev().filter(offered));
        self.orders = ctx
            .data
            .orders
            .iter()
            .rev()
            .filter(|o| self.lists(ctx, o))
            .map(|o| o.number)
            .collect();
        self.reselect(sel);
        self.follow_lines(ctx);
    }

    /// The open lines and receivable orders after the orders at `slots` changed in place:
    /// only theirs are taken again — what [`Self::refresh`] gives. (Both lists run in
    /// order number, oldest first, as the orders reversed.)
    pub fn orders_changed(&mut self, ctx: &Ctx, slots: &[usize]) {
        self.check_permission(ctx);
        if self.unnarrow_when_done(ctx) {
            // Every order's lines are offered again.
            return self.refresh(ctx);
        }
        let sel = self.orders.get(self.cursor.sel).copied();
        for &i in slots {
            let o = &ctx.data.orders[i];
            let start = self.lines.partition_point(|l| l.target.po < o.number);
            let end = start + self.lines[start..].partition_point(|l| l.target.po == o.number);
            let lines = if self.offers(ctx, o) {
                scan_lines([o])
            } else {
                Vec::new()
            };
            self.lines.splice(start..end, lines);
            let lists = self.lists(ctx, o);
            match (self.orders.binary_search(&o.number), lists) {
                (Ok(p), false) => drop(self.orders.remove(p)),
                (Err(p), true) => self.orders.insert(p, o.number),
                _ => {}
            }
        }
        self.reselect(sel);
        self.follow_lines(ctx);
    }

    /// Narrowed to an order that is no longer receivable (its last unit came, here or
    /// elsewhere, or it was cancelled): scanning takes every order again, and says so.
    /// Returns whether it did.
    fn unnarrow_when_done(&mut self, ctx: &Ctx) -> bool {
        let Some(po) = self.narrow else { return false };
        if !ctx.data.orders_loaded {
            return false;
        }
        let why = match ctx.data.order(po).map(|o| o.status()) {
            Some(status) if status.is_receivable() => return false,
            Some(status) => format!("{po} is {status} now"),
            None => format!("{po} is no longer here"),
        };
        self.narrow = None;
        self.note(Tone::Info, format!("{why}: scanning for every order again"));
        true
    }

    /// Whether the user may receive here (else the scan box goes).
    fn check_permission(&mut self, ctx: &Ctx) {
        self.refused = crate::app::Permission::ReceiveGoods.check(ctx.actor).err().map(|_| {
            format!(
                "{} may not receive goods: that needs the receiver role (roles held: {})",
                ctx.actor.name, ctx.actor.roles
            )
        });
        if self.refused.is_some() {
            self.focused = false;
        }
    }

    /// Whether order `o` is offered at the dock: narrowed to one order (asked for by its
    /// number), that one, whatever its kind.
    fn offers(&self, ctx: &Ctx, o: &crate::domain::Order) -> bool {
        match self.narrow {
            Some(po) => o.number == po,
            None => self.all_kinds || comes_to_the_dock(ctx, o),
        }
    }

    /// Whether order `o` is in the list of receivable orders.
    fn lists(&self, ctx: &Ctx, o: &crate::domain::Order) -> bool {
        o.status().is_receivable()
            && self.offers(ctx, o)
            && (!self.search.is_active() || super::orders::order_matches(ctx, &self.search, o))
    }

    /// Selects `sel`'s row if it has one, and keeps the cursor in the list.
    fn reselect(&mut self, sel: Option<PoNumber>) {
        if let Some(po) = sel {
            if let Some(i) = self.orders.iter().position(|p| *p == po) {
                self.cursor.sel = i;
            }
        }
        self.cursor.clamp(self.orders.len());
    }

    /// A scan seen whole (a burst from another pane): read in turn after what is queued,
    /// leaving what is typed in the box as it is.
    pub fn take_scan(&mut self, code: String, ctx: &Ctx) -> Vec<Ask> {
        self.focused = true;
        self.queue.push_back(Queued::Scan(code));
        self.pump(ctx)
    }

    /// Pasted text (the terminal's bracketed paste). One code goes into the box where the
    /// cursor is, for Enter to read. Several — a column copied from a spreadsheet, one per
    /// line (or cells separated by tabs) — are read as that many scans, in order, each
    /// checked and answered as a scan is; what was typed in the box stays. A paste with a
    /// code longer than a scan, or with more than [`PASTE_MAX_SCANS`] codes, is refused
    /// whole, saying why: it is never cut into a code nobody scanned.
    pub fn paste(&mut self, text: &str, ctx: &Ctx) -> Vec<Ask> {
        self.focused = true;
        self.typed = Run::default();
        let scans = pasted_scans(text);
        if let Err(why) = self.check_paste(&scans) {
            self.note(Tone::Error, format!("✗ the paste was not used: {why}"));
            return vec![Ask::Bell];
        }
        match scans.as_slice() {
            [] => Vec::new(),
            [(_, code)] => {
                crate::tui::input::insert_at_cursor(&mut self.input, code);
                Vec::new()
            }
            many => {
                self.note(
                    Tone::Info,
                    format!("{} codes pasted: read as {} scans, in order", many.len(), many.len()),
                );
                self.queue
                    .extend(many.iter().map(|(_, code)| Queued::Scan(code.clone())));
                self.pump(ctx)
            }
        }
    }

    /// Why the codes of a paste (with the line each is on) are not taken, if they are not:
    /// too many, one too long for a scan, or one code too long for what the box holds.
    fn check_paste(&self, scans: &[(usize, String)]) -> Result<(), String> {
        if scans.len() > PASTE_MAX_SCANS {
            return Err(format!(
                "it holds {} codes; one paste is read as at most {PASTE_MAX_SCANS} scans",
                scans.len()
            ));
        }
        let long = scans.iter().find(|(_, code)| code.chars().count() > SCAN_MAX_CHARS);
        if let Some((line, code)) = long {
            let n = code.chars().count();
            let what = if scans.len() == 1 {
                format!("{n} characters")
            } else {
                format!("line {line} has {n} characters, which")
            };
            return Err(format!(
                "{what} is too long for a scan (a code or serial number has at most {SCAN_MAX_CHARS})"
            ));
        }
        if let [(_, code)] = scans {
            let total = self.input.value().chars().count() + code.chars().count();
            if total > BOX_MAX_CHARS {
                return Err(format!(
                    "the scan box would hold {total} characters, and it takes at most {BOX_MAX_CHARS} \
                     (Esc clears it)"
                ));
            }
        }
        Ok(())
    }

    /// Where a scanner's burst, ended by an Enter (or Tab) at `at`, begins after what a person typed
    /// before it (`*2`, or half a code): `None` when the box holds one run only.
    fn burst_start(&self, at: Instant, ctx: &Ctx) -> Option<usize> {
        let ui = &ctx.config.ui;
        let last = self.typed.last?;
        if ui.scan_gap().is_zero() || at.saturating_duration_since(last) > ui.scan_gap() {
            return None;
        }
        let start = self.typed.start?;
        let len = self.input.value().chars().count();
        (start > 0 && len - start >= ui.scan_min_chars).then_some(start)
    }

    /// Follows the run of characters typed at `at`.
    fn track(&mut self, ev: &KeyEvent, at: Instant, ctx: &Ctx) {
        if !matches!(ev.code, KeyCode::Char(_)) {
            self.typed = Run::default();
            return;
        }
        let len = self.input.value().chars().count();
        let at_end = self.input.cursor() == len;
        let gap = ctx.config.ui.scan_gap();
        let continues = self.typed.last.is_some_and(|l| at.saturating_duration_since(l) <= gap);
        if !continues {
            self.typed.start = at_end.then_some(len);
        } else if !at_end {
            self.typed.start = None;
        }
        self.typed.last = Some(at);
    }

    /// Enter (or Tab): what the box holds is read as a scan. A burst after a person's `*N` is the
    /// scan that quantity is for; after other typed text, the scan alone (the text stays).
    fn enter(&mut self, at: Instant, ctx: &Ctx) {
        let split = self.burst_start(at, ctx);
        self.typed = Run::default();
        if let Some(n) = split {
            let v = self.input.value().to_string();
            let cut = v.char_indices().nth(n).map_or(v.len(), |(i, _)| i);
            let (before, code) = v.split_at(cut);
            if before.trim_start().starts_with('*') {
                self.queue.push_back(Queued::Scan(before.to_string()));
                self.input.reset();
            } else {
                self.input = Input::new(before.to_string());
            }
            self.queue.push_back(Queued::Scan(code.to_string()));
            return;
        }
        let v = self.input.value_and_reset();
        if v.trim().is_empty() {
            if let ScanMode::Pick { candidates, .. } = &self.state.mode {
                let n = self.pick.sel.min(candidates.len().saturating_sub(1)) + 1;
                self.queue.push_back(Queued::Scan(n.to_string()));
            }
        } else {
            self.queue.push_back(Queued::Scan(v));
        }
    }

    /// A key typed into the scan box at `at`.
    pub fn scan_key(&mut self, ev: &KeyEvent, at: Instant, ctx: &Ctx) -> Vec<Ask> {
        match ev.code {
            // Many scanners are set to end a code with Tab: it reads the box as Enter does.
            KeyCode::Enter | KeyCode::Tab if self.overflowed => self.refuse_overflowed_box(),
            KeyCode::Enter | KeyCode::Tab => {
                self.enter(at, ctx);
                self.pump(ctx)
            }
            KeyCode::PageUp | KeyCode::PageDown => {
                self.scroll_log(ev.code == KeyCode::PageUp);
                Vec::new()
            }
            KeyCode::Esc => {
                self.typed = Run::default();
                // Half-typed text goes first, so it never joins the next scan.
                if !self.input.value().is_empty() {
                    self.clear_box();
                    return Vec::new();
                }
                let busy = self.state.mode != ScanMode::Idle
                    || self.state.qty.is_some()
                    || !self.queue.is_empty()
                    || self.inflight;
                if busy {
                    self.queue.push_back(Queued::Cancel);
                    self.pump(ctx)
                } else if self.narrow.is_some() {
                    self.widen(ctx);
                    Vec::new()
                } else {
                    self.focused = false;
                    Vec::new()
                }
            }
            _ if self.box_is_full_for(ev) => self.drop_overflow(),
            _ => {
                self.track(ev, at, ctx);
                self.input.handle_event(&Event::Key(*ev));
                if self.input.value().is_empty() {
                    self.overflowed = false;
                }
                Vec::new()
            }
        }
    }

    /// Whether `ev` would type a character into a box that holds all it takes.
    fn box_is_full_for(&self, ev: &KeyEvent) -> bool {
        let types = matches!(ev.code, KeyCode::Char(_))
            && !ev
                .modifiers
                .intersects(crossterm::event::KeyModifiers::CONTROL | crossterm::event::KeyModifiers::ALT);
        types && self.input.value().chars().count() >= BOX_MAX_CHARS
    }

    /// A character past what the box holds is dropped; the first one says so.
    fn drop_overflow(&mut self) -> Vec<Ask> {
        if std::mem::replace(&mut self.overflowed, true) {
            return Vec::new();
        }
        self.note(
            Tone::Error,
            format!(
                "✗ the scan box holds at most {BOX_MAX_CHARS} characters: the rest was dropped, \
                 so what it holds will not be read as a scan (Esc clears it)"
            ),
        );
        vec![Ask::Bell]
    }

    /// Enter on a box that lost characters: what it holds is cut off, so it is refused
    /// whole (a cut-off code could be another product's, or a serial nobody scanned).
    fn refuse_overflowed_box(&mut self) -> Vec<Ask> {
        let n = self.input.value().chars().count();
        self.clear_box();
        self.note(
            Tone::Error,
            format!(
                "✗ not read: the scan was too long (more than the {n} characters the box holds; \
                 a code or serial number has at most {SCAN_MAX_CHARS}); scan again"
            ),
        );
        vec![Ask::Bell]
    }

    /// Empties the scan box.
    fn clear_box(&mut self) {
        self.input.reset();
        self.typed = Run::default();
        self.overflowed = false;
    }

    pub fn handle(&mut self, a: Action, ctx: &Ctx) -> Vec<Ask> {
        if let ScanMode::Pick { candidates, .. } = &self.state.mode {
            if navigate(&mut self.pick, a, candidates.len()) {
                return Vec::new();
            }
        }
        match a {
            Action::PageUp | Action::PageDown => {
                self.scroll_log(a == Action::PageUp);
                return Vec::new();
            }
            Action::Back if self.narrow.is_some() => {
                self.widen(ctx);
                return Vec::new();
            }
            Action::ShowAllKinds => {
                self.all_kinds = !self.all_kinds;
                self.refresh(ctx);
                let what = if self.all_kinds {
                    "dropship and licence-only orders are offered too"
                } else {
                    "only orders delivered to us are offered (not dropship or licence-only)"
                };
                self.note(Tone::Info, what);
                return Vec::new();
            }
            _ => {}
        }
        if navigate(&mut self.cursor, a, self.orders.len()) {
            self.current = None;
            return Vec::new();
        }
        match a {
            Action::FocusScan => {
                self.focus();
                Vec::new()
            }
            Action::Undo => {
                self.queue.push_back(Queued::Undo);
                self.pump(ctx)
            }
            _ => Vec::new(),
        }
    }

    /// Reads queued scans in order until one needs a commit (then waits for it).
    fn pump(&mut self, ctx: &Ctx) -> Vec<Ask> {
        let mut asks = Vec::new();
        while !self.inflight {
            let Some(q) = self.queue.pop_front() else {
                break;
            };
            match q {
                Queued::Cancel => {
                    if self.state.cancel() {
                        self.note(Tone::Info, "stopped; scan a product code");
                    }
                }
                Queued::Undo => asks.push(self.undo_receipt()),
                Queued::Scan(s) => asks.push(self.read_scan(&s, ctx)),
            }
        }
        asks
    }

    fn undo_receipt(&mut self) -> Ask {
        // Only what was received here, since the screens opened: an older receipt (someone
        // else's, or from another day) is never undone by a stray key.
        match self.mine.pop() {
            Some((po, receipt)) => {
                self.inflight = true;
                Ask::Send(Command::Unreceive { po, receipt })
            }
            None => {
                self.note(
                    Tone::Error,
                    "nothing received in this session to undo; an older receipt is undone with \
                     `purser po unreceive PO --receipt ID`",
                );
                Ask::Bell
            }
        }
    }

    /// Scroll the scan log back (towards older lines) or forward.
    fn scroll_log(&mut self, back: bool) {
        self.log_back = if back {
            (self.log_back + 5).min(self.log.len().saturating_sub(1))
        } else {
            self.log_back.saturating_sub(5)
        };
    }

    /// Scanning takes every order again after it was narrowed to one.
    fn widen(&mut self, ctx: &Ctx) {
        if let Some(po) = self.narrow.take() {
            self.refresh(ctx);
            self.note(Tone::Info, format!("scanning for every order again (was {po} only)"));
        }
    }

    /// A PO number scanned from a packing slip: scanning narrows to that order.
    fn narrow_to(&mut self, po: PoNumber, ctx: &Ctx) -> Ask {
        let Some(o) = ctx.data.order(po) else {
            self.note(Tone::Error, format!("✗ {po} is not an order here"));
            return Ask::Bell;
        };
        if !o.status().is_receivable() {
            self.note(
                Tone::Error,
                format!("✗ {po} is {}: nothing to receive on it", o.status()),
            );
            return Ask::Bell;
        }
        self.narrow = Some(po);
        self.refresh(ctx);
        self.current = None;
        if let Some(i) = self.orders.iter().position(|p| *p == po) {
            self.cursor.sel = i;
        }
        // Asked for by its number, an order is taken whatever its kind; one whose goods do
        // not come to the dock says so, lest a receiver take another order's box for it.
        let kind = if comes_to_the_dock(ctx, o) {
            ""
        } else if o.order_type == crate::domain::OrderType::Dropship {
            ", a dropship order shipped to the customer"
        } else {
            ", a licence-only order that ships nothing"
        };
        self.note(
            Tone::Info,
            format!("scanning for {po} only ({}{kind}); Esc: every order", o.progress()),
        );
        Ask::Nothing
    }

    fn read_scan(&mut self, s: &str, ctx: &Ctx) -> Ask {
        let n = s.trim().chars().count();
        if n > SCAN_MAX_CHARS {
            let start: String = s.trim().chars().take(12).collect();
            self.note(
                Tone::Error,
                format!(
                    "✗ `{start}…` is too long for a scan ({n} characters; a code or serial number \
                     has at most {SCAN_MAX_CHARS}): not read"
                ),
            );
            return Ask::Bell;
        }
        if self.state.mode == ScanMode::Idle && self.state.qty.is_none() {
            if let Some(po) = scanned_po(s) {
                return self.narrow_to(po, ctx);
            }
        }
        let step = self.state.scan(&self.lines, s);
        match step {
            Step::Nothing => {}
            Step::QuantitySet(n) => self.note(Tone::Info, format!("quantity ×{n} for the next product scanned")),
            Step::Picking(c) => {
                self.pick = Cursor::default();
                self.note(
                    Tone::Warn,
                    format!("`{}` is on {} open lines: scan or type its number", s.trim(), c.len()),
                );
            }
            Step::AwaitSerials { target, left } => {
                self.current = Some(target);
                self.tell_refused(target, ctx);
                let sku = self
                    .lines
                    .iter()
                    .find(|l| l.target == target)
                    .map_or("?", |l| l.line.sku.as_str())
                    .to_string();
                self.note(
                    Tone::Info,
                    format!(
                        "{sku} on {} line {}: scan up to {left} serial number(s)",
                        target.po, target.line
                    ),
                );
            }
            Step::StillSerials { target, left } => self.note(
                Tone::Info,
                format!(
                    "still scanning serials for {} line {} ({left} to go)",
                    target.po, target.line
                ),
            ),
            Step::Receive { target, qty, serial } => {
                self.current = Some(target);
                self.tell_refused(target, ctx);
                self.inflight = true;
                self.saving = Some(s.trim().to_string());
                let req = ReceiveRequest {
                    line: target.line,
                    quantity: Some(qty),
                    serials: serial.into_iter().collect(),
                };
                return Ask::Send(Command::Receive { po: target.po, req });
            }
            Step::Error(e) => {
                let done = elsewhere(ctx, self, &e).or_else(|| self.serial_too_many(&e));
                self.note(Tone::Error, done.unwrap_or_else(|| format!("✗ {e}")));
                return Ask::Bell;
            }
        }
        Ask::Nothing
    }

    /// An unknown code scanned after the line scanned last got all its serials: most
    /// likely one serial too many (a pasted column one longer than the line), said so.
    fn serial_too_many(&self, e: &ScanError) -> Option<String> {
        let ScanError::Unknown(code) = e else { return None };
        let t = self.current?;
        let l = self.lines.iter().find(|l| l.target == t)?;
        (l.line.serialized && l.open() == 0).then(|| {
            format!(
                "✗ unknown code `{code}`; if it is a serial number, {} line {} ({}) already has all {} of its serials",
                t.po, t.line, l.line.sku, l.line.quantity
            )
        })
    }

    /// Goods scanned for a line the distributor refused: received as they came, and said
    /// (once per line), so that the buyer hears the line arrived after all.
    fn tell_refused(&mut self, target: Target, ctx: &Ctx) {
        // Told already: the next units of the line are scanned at a scanner's pace.
        if self.told_refused.contains(&target) {
            return;
        }
        let Some(o) = ctx.data.order(target.po) else { return };
        let refused = o.refused_lines();
        let Some(r) = refused.get(&target.line) else { return };
        self.told_refused.insert(target);
        let by = ctx.config.distributor_name(&o.distributor);
        let said = r.said();
        self.note(
            Tone::Warn,
            format!(
                "⚠ {} line {} was refused by {by}: {said}; received all the same, tell the buyer",
                target.po, target.line
            ),
        );
    }

    /// A receipt (or undo) came back from the worker, applied already: its message and
    /// receipt; then the next scans are read.
    pub fn done(
        &mut self,
        command: CommandKind,
        result: Result<(String, Option<(PoNumber, Receipt)>), ScreenError>,
        ctx: &Ctx,
    ) -> Vec<Ask> {
        self.inflight = false;
        let scan = self.saving.take().filter(|_| command == CommandKind::Receive);
        let mut asks = Vec::new();
        match result {
            Ok((message, receipt)) if command == CommandKind::Receive => self.saved(message, receipt, ctx),
            Ok((message, receipt)) => {
                // An undone receipt on the line whose serials are being scanned opens
                // its units again.
                if let Some((po, rc)) = &receipt {
                    self.state
                        .reopened(&self.lines, Target { po: *po, line: rc.line }, rc.quantity);
                }
                self.note(Tone::Ok, message);
            }
            Err(e) => {
                // Said once: the status line follows the scan log. The scan is named: after
                // a pasted column the receiver must know which to scan again.
                let text = match scan {
                    Some(code) if !e.to_string().contains(&code) => format!("✗ `{code}` not received: {e}"),
                    _ => format!("✗ {e}"),
                };
                self.note(Tone::Error, text);
                asks.push(Ask::Bell);
            }
        }
        self.follow_lines(ctx);
        asks.extend(self.pump(ctx));
        asks
    }

    /// A receipt made here was saved: one serial fewer is expected — or fewer still, said
    /// so, when someone else received on the line meanwhile.
    fn saved(&mut self, message: String, receipt: Option<(PoNumber, Receipt)>, ctx: &Ctx) {
        let wanted = self.serials_expected().map(|(t, left)| (t, left.saturating_sub(1)));
        self.state.committed(&self.lines);
        if let Some((po, rc)) = &receipt {
            self.mine.push((*po, rc.id));
        }
        self.note(Tone::Ok, message);
        if let Some((target, wanted)) = wanted {
            let left = self.serials_expected().map_or(0, |(_, left)| left);
            if left < wanted {
                self.say_serials_cut(target, ctx);
            }
        }
    }

    /// The line whose serials are being scanned, and how many more are expected.
    fn serials_expected(&self) -> Option<(Target, u32)> {
        match self.state.mode {
            ScanMode::Serials { target, left } => Some((target, left)),
            _ => None,
        }
    }

    /// How many units of `target` are still open, as the lines now stand (none when the
    /// line is no longer offered here).
    fn open_on(&self, target: Target) -> u32 {
        self.lines.iter().find(|l| l.target == target).map_or(0, ScanLine::open)
    }

    /// The serials or pick list under way follow the lines as they now are, after someone
    /// else received on them or their order left the dock: fewer serials when fewer units
    /// are open, and none — said why — when the line is complete or no longer receivable.
    /// (While a receipt is being saved, its answer does this.)
    fn follow_lines(&mut self, ctx: &Ctx) {
        if self.inflight {
            return;
        }
        match self.state.mode.clone() {
            ScanMode::Serials { target, left } => {
                let open = self.open_on(target);
                if open < left {
                    self.state.mode = if open == 0 {
                        ScanMode::Idle
                    } else {
                        ScanMode::Serials { target, left: open }
                    };
                    self.say_serials_cut(target, ctx);
                }
            }
            ScanMode::Pick { code, candidates, .. } => {
                if candidates.iter().all(|t| self.open_on(*t) == 0) {
                    self.state.mode = ScanMode::Idle;
                    self.note(
                        Tone::Warn,
                        format!(
                            "`{code}` has no open line any more (received or closed elsewhere); scan a product code"
                        ),
                    );
                }
            }
            ScanMode::Idle => {}
        }
    }

    /// Says why fewer serials (or none) are expected for `target` than were.
    fn say_serials_cut(&mut self, target: Target, ctx: &Ctx) {
        let order = ctx.data.order(target.po);
        let line = order.and_then(|o| o.lines.get(target.line as usize - 1));
        let sku = line.map_or("?", |l| l.sku.as_str());
        let at = format!("{sku} on {} line {}", target.po, target.line);
        let text = match self.serials_expected() {
            Some((_, left)) => format!(
                "{at}: {} received, some of it elsewhere; scan up to {left} more serial number(s)",
                order.map_or_else(String::new, |o| progress_of(o, target.line))
            ),
            None => format!(
                "serials for {at} stopped: {}; scan a product code",
                why_closed(ctx, target)
            ),
        };
        self.note(Tone::Warn, text);
    }
}

/// `received/ordered` on line `line` (1-based) of `o`.
fn progress_of(o: &crate::domain::Order, line: u32) -> String {
    let ordered = o.lines.get(line as usize - 1).map_or(0, |l| l.quantity);
    format!("{}/{ordered}", o.received_on(line))
}

/// Why line `target` takes no more serials here: complete, its order no longer receivable,
/// or the order not offered at the dock now.
fn why_closed(ctx: &Ctx, target: Target) -> String {
    let Some(o) = ctx.data.order(target.po) else {
        return format!("{} is no longer here", target.po);
    };
    let progress = progress_of(o, target.line);
    let ordered = o.lines.get(target.line as usize - 1).map_or(0, |l| l.quantity);
    match o.status() {
        _ if o.received_on(target.line) >= ordered => format!("the line is completely received ({progress})"),
        OrderStatus::Cancelled => format!("{} is cancelled", target.po),
        s if !s.is_receivable() => format!("{} is {s}: nothing more is received on it", target.po),
        _ => format!("{} is not offered at the dock now", target.po),
    }
}

/// The codes of a paste, each with the line it is on (from 1): one per line, or per cell
/// where tabs separate them (a scanner's Tab ends a code, too), without blanks around
/// them; empty ones are left out.
fn pasted_scans(text: &str) -> Vec<(usize, String)> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.split('\n')
        .enumerate()
        .flat_map(|(i, line)| line.split('\t').map(move |cell| (i + 1, one_code(cell))))
        .filter(|(_, code)| !code.is_empty())
        .collect()
}

/// A pasted cell as a code: other blanks as spaces, a GS1 group separator as the box shows
/// it (`␝`), other control characters left out, trimmed.
fn one_code(cell: &str) -> String {
    let code: String = cell
        .chars()
        .map(|c| {
            if c == crate::domain::gs1::GS {
                crate::domain::gs1::GS_SHOWN
            } else {
                c
            }
        })
        .filter(|c| !c.is_control())
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    code.trim().to_string()
}

/// A PO number as printed on a packing slip (`PO-000002`, any case), as scanned.
fn scanned_po(s: &str) -> Option<PoNumber> {
    // (Without the symbology identifier a scanner may send first: `]C0PO-000004`.)
    let t = crate::domain::gs1::without_identifier(s.trim());
    let prefixed = t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("PO-"));
    prefixed.then(|| t.to_ascii_uppercase().parse().ok()).flatten()
}

/// A code no open line here has may be on an order that is complete, not placed yet,
/// cancelled, not delivered to us, or outside the order scanning is narrowed to: say
/// which, rather than "unknown" (a GS1 code by its GTIN).
fn elsewhere(ctx: &Ctx, r: &ReceivingPane, e: &ScanError) -> Option<String> {
    let ScanError::Unknown(code) = e else { return None };
    // A GS1 code is looked for by its GTIN.
    let gtin = crate::domain::gs1::parse(code).map(|g| g.gtin);
    let code = gtin.as_deref().unwrap_or(code);
    let (o, line) = ctx.data.orders.iter().find_map(|o| {
        let line = o.lines.iter().position(|l| l.matches_code(code))?;
        Some((o, line))
    })?;
    let at = format!("✗ `{code}` is on {} line {}", o.number, line + 1);
    Some(match o.status() {
        OrderStatus::Completed => format!(
            "{at}, which is completely received ({}/{}); nothing is open for it",
            o.received_on(line as u32 + 1),
            o.lines[line].quantity
        ),
        OrderStatus::Pending | OrderStatus::AwaitingApproval => format!(
            "{at}, which is not placed yet ({}): nothing was ordered to arrive",
            o.status()
        ),
        OrderStatus::Cancelled => format!("{at}, which is cancelled"),
        _ if r.narrow.is_some_and(|po| po != o.number) => format!(
            "{at}; scanning is narrowed to {} (Esc: every order)",
            r.narrow.map(|p| p.to_string()).unwrap_or_default()
        ),
        _ if !comes_to_the_dock(ctx, o) => format!(
            "{at}, a {} order not delivered to us; {} offers such orders too",
            if o.order_type == crate::domain::OrderType::Dropship {
                "dropship"
            } else {
                "licence-only"
            },
            ctx.keymap
                .hint(crate::tui::action::Mode::Receiving, Action::ShowAllKinds)
        ),
        _ => return None,
    })
}

impl ReceivingPane {
    /// Draws the pane.
    pub fn render(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let th = ctx.theme;
        let r = self;
        let title = format!(" Receiving · {} open order(s) · {} ", r.orders.len(), ctx.actor.name);
        let block = Block::bordered()
            .title(Span::styled(title, th.title))
            .border_style(th.border);
        let inner = block.inner(area);
        f.render_widget(block, area);
        // The lists take what their rows need (up to half); the scan log all the rest.
        let rows = r.orders.len().max(
            r.shown_order()
                .and_then(|po| ctx.data.order(po))
                .map_or(0, |o| o.lines.len()),
        );
        let rows = match &r.state.mode {
            ScanMode::Pick { candidates, .. } => rows.max(candidates.len()),
            _ => rows,
        };
        let middle_h = middle_height(rows, inner.height);
        let [prompt, scanbox, _gap, middle, log] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(middle_h),
            Constraint::Min(3),
        ])
        .areas(inner);
        match &r.refused {
            Some(why) => {
                f.render_widget(Paragraph::new(Span::styled("No scan box here:", th.warn)), prompt);
                f.render_widget(Paragraph::new(Span::styled(why.clone(), th.warn)), scanbox);
            }
            None => {
                let narrowed = r
                    .narrow
                    .map(|po| format!("  · {po} only (Esc: every order)"))
                    .unwrap_or_default();
                f.render_widget(
                    Paragraph::new(Span::styled(
                        format!("{}{narrowed}", r.state.prompt(&r.lines)),
                        th.accent,
                    )),
                    prompt,
                );
                render_scan_box(r, ctx, f, scanbox);
            }
        }
        let left_w = (middle.width / 2).clamp(38, 60);
        let [left, right] = Layout::horizontal([Constraint::Length(left_w), Constraint::Min(20)])
            .spacing(1)
            .areas(middle);
        render_orders(r, ctx, f, left);
        if let ScanMode::Pick { candidates, .. } = &r.state.mode {
            render_pick(r, ctx, candidates, f, right);
        } else if let Some(o) = r.shown_order().and_then(|po| ctx.data.order(po)) {
            render_order_lines(r, ctx, o, f, right);
        }
        render_log(r, ctx, f, log);
    }
}

/// The rows of the order lists: what their rows need, at least 3, but at most half of
/// what the pane has below the prompt, scan box and gap — on a small terminal that wins,
/// down to nothing.
fn middle_height(rows: usize, inner_height: u16) -> u16 {
    let most = inner_height.saturating_sub(3) / 2;
    let wanted = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(1).max(3);
    wanted.min(most)
}

/// The scan box: what is typed, and how many scans wait to be saved.
fn render_scan_box(r: &ReceivingPane, ctx: &Ctx, f: &mut Frame, scanbox: Rect) {
    let th = ctx.theme;
    let label = "Scan › ";
    let queued = if r.queue.is_empty() && !r.inflight {
        String::new()
    } else {
        format!(" {} saving, {} queued ", if r.inflight { 1 } else { 0 }, r.queue.len())
    };
    let lw = label.chars().count() as u16;
    let w = scanbox.width.saturating_sub(lw + queued.chars().count() as u16) as usize;
    let scroll = r.input.visual_scroll(w);
    let style = if r.focused { th.input } else { th.muted };
    let shown: String = r.input.value().chars().skip(scroll).collect();
    let hint = if r.focused {
        String::new()
    } else {
        " (Enter to scan)".to_string()
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(label, th.key),
            Span::styled(format!("{:<w$}", format!("{shown}{hint}")), style),
            Span::styled(queued, th.warn),
        ])),
        scanbox,
    );
    if r.focused {
        let x = (r.input.visual_cursor().max(scroll) - scroll) as u16;
        f.set_cursor_position((scanbox.x + lw + x, scanbox.y));
    }
}

/// Receivable orders with their progress.
fn render_orders(r: &ReceivingPane, ctx: &Ctx, f: &mut Frame, left: Rect) {
    let th = ctx.theme;
    if !ctx.data.orders_loaded {
        f.render_widget(Paragraph::new("loading orders…").style(th.muted), left);
        return;
    }
    let empty = if r.search.is_active() {
        "no open order matches the search (Esc clears it)"
    } else {
        "no order is waiting for goods"
    };
    let Some(left) = super::search_line(ctx, &r.search, f, left, r.orders.is_empty(), empty) else {
        return;
    };
    let (start, end) = r.cursor.window(r.orders.len(), left.height.saturating_sub(1) as usize);
    let shown_po = r.shown_order();
    let rows = r.orders[start..end]
        .iter()
        .enumerate()
        .filter_map(|(n, po)| {
            let o = ctx.data.order(*po)?;
            let style = if Some(*po) == shown_po {
                th.selected
            } else if start + n == r.cursor.sel {
                th.marked
            } else {
                th.base
            };
            let cells: Vec<GridCell> = vec![
                po.to_string().into(),
                super::orders::customers(o).into(),
                ctx.config.distributor_name(&o.distributor).into(),
                o.progress().into(),
                GridCell {
                    text: short_status(o.status()).into(),
                    style: Some(th.status(o.status())),
                },
            ];
            Some((cells, style))
        })
        .collect();
    let cols = vec![
        Col::fixed("Order", 9, 9),
        Col::fill("Customer", 8, 2, 5),
        Col::fill("Distrib.", 8, 1, 2),
        Col::fixed("Recvd", 7, 6).right(),
        Col::fixed("Status", 6, 3),
    ];
    Grid {
        cols,
        rows,
        header: th.header,
    }
    .render(f, left);
}

/// The pick list: the open lines a scanned code matches.
fn render_pick(r: &ReceivingPane, ctx: &Ctx, candidates: &[Target], f: &mut Frame, right: Rect) {
    let th = ctx.theme;
    let mut lines = vec![Line::from(Span::styled("Which line? (number, or ↑↓ Enter)", th.header))];
    for (i, t) in candidates.iter().enumerate() {
        let l = r.lines.iter().find(|l| l.target == *t);
        let text = format!(
            "{}. {} line {} · {} · {} {}/{}",
            i + 1,
            t.po,
            t.line,
            l.map_or("", |l| l.line.customer_name.as_str()),
            l.map_or("", |l| l.line.sku.as_str()),
            l.map_or(0, |l| l.received),
            l.map_or(0, |l| l.line.quantity),
        );
        lines.push(Line::from(Span::styled(
            crate::tui::widgets::clip(&text, right.width as usize),
            if i == r.pick.sel { th.selected } else { th.base },
        )));
    }
    f.render_widget(Paragraph::new(lines), right);
}

/// The lines of the order in hand.
fn render_order_lines(r: &ReceivingPane, ctx: &Ctx, o: &crate::domain::Order, f: &mut Frame, right: Rect) {
    let th = ctx.theme;
    let (start, end) = (0, o.lines.len().min(right.height.saturating_sub(1) as usize));
    let refused = o.refused_lines();
    let rows = o.lines[start..end]
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let n = i as u32 + 1;
            let here = r.current == Some(Target { po: o.number, line: n });
            let rec = o.received_on(n);
            // A line the distributor refused is not expected; if its goods come all the
            // same, they are received as any other.
            let not_expected = refused.contains_key(&n) && rec < l.quantity;
            let style = if here {
                th.selected
            } else if rec >= l.quantity {
                th.ok
            } else if not_expected {
                th.warn
            } else {
                th.base
            };
            let mark = if not_expected {
                "refused"
            } else if l.serialized {
                "serial"
            } else {
                ""
            };
            let cells: Vec<GridCell> = vec![
                n.to_string().into(),
                l.sku.clone().into(),
                format!("{rec}/{}", l.quantity).into(),
                mark.into(),
                l.description.clone().into(),
            ];
            (cells, style)
        })
        .collect();
    let cols = vec![
        Col::fixed("#", 2, 9),
        Col::fill("SKU", 13, 1, 8),
        Col::fixed("Recvd", 7, 7).right(),
        Col::fixed("", 7, 3),
        Col::fill("Description", 8, 2, 1),
    ];
    Grid {
        cols,
        rows,
        header: th.header,
    }
    .render(f, right);
}

/// The scan log, newest last.
fn render_log(r: &ReceivingPane, ctx: &Ctx, f: &mut Frame, log: Rect) {
    let th = ctx.theme;
    let h = log.height.saturating_sub(1) as usize;
    let end = r.log.len().saturating_sub(r.log_back);
    // Newest last, each entry wrapped to the pane's width (a long refusal is read whole):
    // the last `h` rows of the entries up to `end`.
    let mut rows: Vec<Line> = Vec::new();
    for (tone, t) in r.log.iter().take(end).rev() {
        if rows.len() >= h {
            break;
        }
        let style = match tone {
            Tone::Ok => th.ok,
            Tone::Error => th.error,
            Tone::Warn => th.warn,
            Tone::Info => th.base,
        };
        let wrapped = crate::tui::widgets::wrap_words(t, log.width as usize);
        rows.extend(
            wrapped
                .into_iter()
                .rev()
                .map(|piece| Line::from(Span::styled(piece, style))),
        );
    }
    rows.truncate(h);
    rows.reverse();
    let lines = rows;
    let back = if r.log_back > 0 {
        format!(" {} older lines shown · PageDown: newer ", r.log_back)
    } else {
        String::new()
    };
    let log_block = Block::default()
        .borders(ratatui::widgets::Borders::TOP)
        .title(Span::styled(back, th.muted))
        .border_style(th.border);
    f.render_widget(Paragraph::new(lines).block(log_block), log);
}

fn short_status(s: crate::domain::OrderStatus) -> &'static str {
    use crate::domain::OrderStatus::*;
    match s {
        EmailSent => "email",
        Submitted => "sent",
        Partial => "part",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_is_cut_into_codes_at_line_ends_and_tabs_each_with_its_line() {
        let got = pasted_scans("SN-1\r\nSN-2\rSN-3\n\n  SN-4 \tSN\u{a0}5\u{7}\n");
        let want: Vec<(usize, String)> = [(1, "SN-1"), (2, "SN-2"), (3, "SN-3"), (5, "SN-4"), (5, "SN 5")]
            .into_iter()
            .map(|(line, code)| (line, code.to_string()))
            .collect();
        assert_eq!(got, want);
        assert!(pasted_scans(" \r\n\t\n").is_empty());
    }

    #[test]
    fn a_po_number_is_read_with_or_without_a_symbology_identifier() {
        assert_eq!(scanned_po("PO-000004"), Some(PoNumber(4)));
        assert_eq!(scanned_po(" po-000004 "), Some(PoNumber(4)));
        assert_eq!(scanned_po("]C0PO-000004"), Some(PoNumber(4)));
        assert_eq!(scanned_po("]C0SN-1"), None);
        assert_eq!(scanned_po("SN-000004"), None);
    }

    #[test]
    fn the_order_lists_give_way_to_a_small_pane() {
        assert_eq!(middle_height(0, 40), 3, "at least three rows when there is room");
        assert_eq!(middle_height(10, 40), 11, "a header and the rows");
        assert_eq!(middle_height(100, 40), 18, "at most half of what is below the scan box");
        assert_eq!(middle_height(5, 8), 2, "a small pane wins over the three rows");
        assert_eq!(middle_height(5, 0), 0);
        assert_eq!(middle_height(usize::MAX, u16::MAX), (u16::MAX - 3) / 2);
    }
}
