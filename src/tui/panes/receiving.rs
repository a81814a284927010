//! Pane 4, Receiving: the dock. The scan box has the focus; every scan goes into a FIFO
//! and is read by the pure [`crate::tui::scan`] machine and committed in order, one at
//! a time, while the box keeps taking keystrokes — nothing typed is lost, however fast
//! the scanner is.

use crate::domain::receiving::ReceiveRequest;
use crate::domain::{OrderStatus, PoNumber, Receipt};
use crate::tui::action::Action;
use crate::tui::error::ScreenError;
use crate::tui::scan::{scan_lines, ScanError, ScanLine, ScanMode, ScanState, Step, Target};
use crate::tui::screen::{App, Tone};
use crate::tui::widgets::{clip, Cursor};
use crate::tui::worker::{Command, CommandKind};
use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;
use std::collections::VecDeque;
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
}

impl ReceivingPane {
    /// Whether anything typed or scanned has not been committed yet.
    pub fn has_unsent(&self) -> bool {
        !self.input.value().trim().is_empty() || !self.queue.is_empty() || self.inflight
    }

    fn note(&mut self, tone: Tone, text: impl Into<String>) {
        self.log.push_back((tone, text.into()));
        while self.log.len() > 50 {
            self.log.pop_front();
        }
    }

    /// The order whose lines are shown: the one scanned last, else the highlighted one.
    pub fn shown_order(&self) -> Option<PoNumber> {
        self.current
            .map(|t| t.po)
            .filter(|po| self.orders.contains(po))
            .or_else(|| self.orders.get(self.cursor.sel).copied())
    }
}

impl App {
    pub(crate) fn receiving_refresh(&mut self) {
        let r = &mut self.receiving;
        let sel = r.orders.get(r.cursor.sel).copied();
        r.lines = scan_lines(self.data.orders.iter().rev());
        r.orders = self
            .data
            .orders
            .iter()
            .rev()
            .filter(|o| o.status().is_receivable())
            .map(|o| o.number)
            .collect();
        if let Some(po) = sel {
            if let Some(i) = r.orders.iter().position(|p| *p == po) {
                r.cursor.sel = i;
            }
        }
        r.cursor.clamp(r.orders.len());
    }

    pub(crate) fn scan_key(&mut self, ev: &KeyEvent) {
        let r = &mut self.receiving;
        match ev.code {
            KeyCode::Enter => {
                let v = r.input.value_and_reset();
                if v.trim().is_empty() {
                    if let ScanMode::Pick { candidates, .. } = &r.state.mode {
                        let n = r.pick.sel.min(candidates.len().saturating_sub(1)) + 1;
                        r.queue.push_back(Queued::Scan(n.to_string()));
                    }
                } else {
                    r.queue.push_back(Queued::Scan(v));
                }
                self.pump_scans();
            }
            KeyCode::Esc => {
                // Half-typed text goes first, so it never joins the next scan.
                if !r.input.value().is_empty() {
                    r.input.reset();
                    return;
                }
                let busy = r.state.mode != ScanMode::Idle || r.state.qty.is_some() || !r.queue.is_empty() || r.inflight;
                if busy {
                    r.queue.push_back(Queued::Cancel);
                    self.pump_scans();
                } else {
                    r.focused = false;
                }
            }
            _ => {
                r.input.handle_event(&Event::Key(*ev));
            }
        }
    }

    pub(crate) fn receiving_act(&mut self, a: Action) {
        let r = &mut self.receiving;
        if let ScanMode::Pick { candidates, .. } = &r.state.mode {
            if App::navigate(&mut r.pick, a, candidates.len()) {
                return;
            }
        }
        if App::navigate(&mut r.cursor, a, r.orders.len()) {
            r.current = None;
            return;
        }
        match a {
            Action::FocusScan => r.focused = true,
            Action::Undo => {
                r.queue.push_back(Queued::Undo);
                self.pump_scans();
            }
            _ => {}
        }
    }

    /// Reads queued scans in order until one needs a commit (then waits for it).
    pub(crate) fn pump_scans(&mut self) {
        while !self.receiving.inflight {
            let Some(q) = self.receiving.queue.pop_front() else {
                break;
            };
            match q {
                Queued::Cancel => {
                    if self.receiving.state.cancel() {
                        self.receiving.note(Tone::Info, "stopped; scan a product code");
                    }
                }
                Queued::Undo => self.undo_receipt(),
                Queued::Scan(s) => self.read_scan(&s),
            }
        }
    }

    fn undo_receipt(&mut self) {
        let r = &mut self.receiving;
        // Only what was received here, since the screens opened: an older receipt (someone
        // else's, or from another day) is never undone by a stray key.
        match r.mine.pop() {
            Some((po, receipt)) => {
                r.inflight = true;
                self.send(Command::Unreceive { po, receipt });
            }
            None => {
                r.note(
                    Tone::Error,
                    "nothing received in this session to undo; an older receipt is undone with \
                     `purser po unreceive PO --receipt ID`",
                );
                self.bell = true;
            }
        }
    }

    fn read_scan(&mut self, s: &str) {
        let r = &mut self.receiving;
        let step = r.state.scan(&r.lines, s);
        match step {
            Step::Nothing => {}
            Step::QuantitySet(n) => r.note(Tone::Info, format!("quantity ×{n} for the next product scanned")),
            Step::Picking(c) => {
                r.pick = Cursor::default();
                r.note(
                    Tone::Warn,
                    format!("`{}` is on {} open lines: scan or type its number", s.trim(), c.len()),
                );
            }
            Step::AwaitSerials { target, left } => {
                r.current = Some(target);
                let sku = r
                    .lines
                    .iter()
                    .find(|l| l.target == target)
                    .map_or("?", |l| l.line.sku.as_str())
                    .to_string();
                r.note(
                    Tone::Info,
                    format!(
                        "{sku} on {} line {}: scan up to {left} serial number(s)",
                        target.po, target.line
                    ),
                );
            }
            Step::StillSerials { target, left } => r.note(
                Tone::Info,
                format!(
                    "still scanning serials for {} line {} ({left} to go)",
                    target.po, target.line
                ),
            ),
            Step::Receive { target, qty, serial } => {
                r.current = Some(target);
                r.inflight = true;
                let req = ReceiveRequest {
                    line: target.line,
                    quantity: Some(qty),
                    serials: serial.into_iter().collect(),
                };
                self.send(Command::Receive { po: target.po, req });
            }
            Step::Error(e) => {
                // A code no open line has may be on an order that is complete already:
                // say so, rather than "unknown".
                let done = match &e {
                    ScanError::Unknown(code) => self.data.orders.iter().find_map(|o| {
                        let line = o.lines.iter().position(|l| l.matches_code(code))?;
                        (o.status() == OrderStatus::Completed).then(|| {
                            format!(
                                "✗ `{code}` is on {} line {}, which is completely received ({}/{}); nothing is open for it",
                                o.number,
                                line + 1,
                                o.received_on(line as u32 + 1),
                                o.lines[line].quantity
                            )
                        })
                    }),
                    _ => None,
                };
                let r = &mut self.receiving;
                r.note(Tone::Error, done.unwrap_or_else(|| format!("✗ {e}")));
                self.bell = true;
            }
        }
    }

    /// A receipt (or undo) came back from the worker, applied already: its message and
    /// receipt.
    pub(crate) fn scan_done(
        &mut self,
        command: CommandKind,
        result: Result<(String, Option<(PoNumber, Receipt)>), ScreenError>,
    ) {
        let r = &mut self.receiving;
        r.inflight = false;
        match result {
            Ok((message, receipt)) => {
                if command == CommandKind::Receive {
                    r.state.committed(&r.lines);
                    if let Some((po, rc)) = &receipt {
                        r.mine.push((*po, rc.id));
                    }
                } else if let Some((po, rc)) = &receipt {
                    // An undone receipt on the line whose serials are being scanned opens
                    // its units again.
                    r.state
                        .reopened(&r.lines, Target { po: *po, line: rc.line }, rc.quantity);
                }
                r.note(Tone::Ok, message);
            }
            Err(e) => {
                r.note(Tone::Error, format!("✗ {e}"));
                self.bell = true;
                self.status = Some((Tone::Error, e.to_string()));
            }
        }
        self.pump_scans();
    }
}

/// Draws the pane.
pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let r = &app.receiving;
    let title = format!(" Receiving · {} open order(s) · {} ", r.orders.len(), app.actor.name);
    let block = Block::bordered()
        .title(Span::styled(title, th.title))
        .border_style(th.border);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let log_h = if inner.height >= 16 { 5 } else { 3 };
    let [prompt, scanbox, _gap, middle, log] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(log_h),
    ])
    .areas(inner);
    f.render_widget(
        Paragraph::new(Span::styled(r.state.prompt(&r.lines), th.accent)),
        prompt,
    );
    render_scan_box(app, f, scanbox);
    let [left, right] = Layout::horizontal([Constraint::Length(38), Constraint::Min(20)]).areas(middle);
    render_orders(app, f, left);
    if let ScanMode::Pick { candidates, .. } = &r.state.mode {
        render_pick(app, candidates, f, right);
    } else if let Some(o) = r.shown_order().and_then(|po| app.data.order(po)) {
        render_order_lines(app, o, f, right);
    }
    render_log(app, f, log);
}

/// The scan box: what is typed, and how many scans wait to be saved.
fn render_scan_box(app: &App, f: &mut Frame, scanbox: Rect) {
    let th = &app.theme;
    let r = &app.receiving;
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
fn render_orders(app: &App, f: &mut Frame, left: Rect) {
    let th = &app.theme;
    let r = &app.receiving;
    if !app.data.orders_loaded {
        f.render_widget(Paragraph::new("loading orders…").style(th.muted), left);
        return;
    }
    if r.orders.is_empty() {
        f.render_widget(Paragraph::new("no order is waiting for goods").style(th.muted), left);
        return;
    }
    let (start, end) = r.cursor.window(r.orders.len(), left.height.saturating_sub(1) as usize);
    let shown_po = r.shown_order();
    let rows = r.orders[start..end].iter().enumerate().filter_map(|(n, po)| {
        let o = app.data.order(*po)?;
        let style = if Some(*po) == shown_po {
            th.selected
        } else if start + n == r.cursor.sel {
            th.marked
        } else {
            th.base
        };
        Some(
            Row::new(vec![
                Cell::from(po.to_string()),
                Cell::from(clip(&app.config.distributor_name(&o.distributor), 11)),
                Cell::from(Line::from(o.progress()).right_aligned()),
                Cell::from(Span::styled(short_status(o.status()), th.status(o.status()))),
            ])
            .style(style),
        )
    });
    let widths = [
        Constraint::Length(9),
        Constraint::Length(11),
        Constraint::Length(7),
        Constraint::Length(6),
    ];
    let header = Row::new(["Order", "Distrib.", "  Recvd", "Status"]).style(th.header);
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(1), left);
}

/// The pick list: the open lines a scanned code matches.
fn render_pick(app: &App, candidates: &[Target], f: &mut Frame, right: Rect) {
    let th = &app.theme;
    let r = &app.receiving;
    let mut lines = vec![Line::from(Span::styled("Which line? (number, or ↑↓ Enter)", th.header))];
    for (i, t) in candidates.iter().enumerate() {
        let l = r.lines.iter().find(|l| l.target == *t);
        let text = format!(
            "{}. {} line {} {} {}/{}",
            i + 1,
            t.po,
            t.line,
            l.map_or("", |l| l.line.sku.as_str()),
            l.map_or(0, |l| l.received),
            l.map_or(0, |l| l.line.quantity)
        );
        lines.push(Line::from(Span::styled(
            text,
            if i == r.pick.sel { th.selected } else { th.base },
        )));
    }
    f.render_widget(Paragraph::new(lines), right);
}

/// The lines of the order in hand.
fn render_order_lines(app: &App, o: &crate::domain::Order, f: &mut Frame, right: Rect) {
    let th = &app.theme;
    let r = &app.receiving;
    let (start, end) = (0, o.lines.len().min(right.height.saturating_sub(1) as usize));
    let rows = o.lines[start..end].iter().enumerate().map(|(i, l)| {
        let n = i as u32 + 1;
        let here = r.current == Some(Target { po: o.number, line: n });
        let rec = o.received_on(n);
        let style = if here {
            th.selected
        } else if rec >= l.quantity {
            th.ok
        } else {
            th.base
        };
        Row::new(vec![
            Cell::from(n.to_string()),
            Cell::from(l.sku.clone()),
            Cell::from(Line::from(format!("{rec}/{}", l.quantity)).right_aligned()),
            Cell::from(if l.serialized { "serial" } else { "" }),
            Cell::from(l.description.clone()),
        ])
        .style(style)
    });
    let widths = [
        Constraint::Length(2),
        Constraint::Length(13),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Fill(1),
    ];
    let header = Row::new(["#", "SKU", "  Recvd", "", "Description"]).style(th.header);
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(1), right);
}

/// The scan log, newest last.
fn render_log(app: &App, f: &mut Frame, log: Rect) {
    let th = &app.theme;
    let r = &app.receiving;
    let skip = r.log.len().saturating_sub(log.height.saturating_sub(1) as usize);
    let lines: Vec<Line> = r
        .log
        .iter()
        .skip(skip)
        .map(|(tone, t)| {
            let style = match tone {
                Tone::Ok => th.ok,
                Tone::Error => th.error,
                Tone::Warn => th.warn,
                Tone::Info => th.base,
            };
            Line::from(Span::styled(t.clone(), style))
        })
        .collect();
    let log_block = Block::default()
        .borders(ratatui::widgets::Borders::TOP)
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
