//! Pane 5, Audit: the trail of every change, filterable by order, user and action.

use super::{navigate, Ask, Ctx};
use crate::app::audit::AuditFilter;
use crate::domain::{AuditEntry, PoNumber};
use crate::tui::action::Action;
use crate::tui::commands::Load;
use crate::tui::data::SUMMARY_KEYS;
use crate::tui::widgets::{Col, Cursor, Grid, GridCell};
use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

/// The filter fields, in order.
pub const FIELDS: [&str; 3] = ["Order", "User", "Action"];

#[derive(Debug, Default)]
pub struct AuditPane {
    pub filters: [Input; 3],
    /// Which filter field has the focus.
    pub focus: Option<usize>,
    /// Indices into `Data::audit`, newest first.
    pub view: Vec<usize>,
    pub cursor: Cursor,
    /// The entry opened with Enter, loaded whole.
    pub open: Option<Opened>,
}

/// An entry opened in full: its number, the entry once loaded, and how far it is scrolled.
#[derive(Debug)]
pub struct Opened {
    pub seq: u64,
    /// `None` while loading; `Some(None)` when no entry has that number.
    pub entry: Option<Option<Box<AuditEntry>>>,
    pub scroll: u16,
}

impl AuditPane {
    /// The filter as typed: order number (`PO-000004` or `4`), user, action prefix.
    fn filter(&self) -> AuditFilter {
        let v = |i: usize| Some(self.filters[i].value().trim().to_string()).filter(|s| !s.is_empty());
        AuditFilter {
            po: v(0).and_then(|p| p.parse().ok()),
            actor: v(1),
            action: v(2),
        }
    }
}

impl AuditPane {
    /// Whether a filter field has the focus (keys are typed into it).
    pub fn typing(&self) -> bool {
        self.focus.is_some()
    }

    /// The rows again, after the entries or the filter changed.
    pub fn refresh(&mut self, ctx: &Ctx) {
        let matches = self.matcher();
        let entries = &ctx.data.audit;
        self.view = (0..entries.len()).rev().filter(|i| matches(&entries[*i])).collect();
        self.cursor.clamp(self.view.len());
    }

    /// The rows after `added` entries joined the list at its end and its `dropped` oldest
    /// left (see [`crate::tui::data::Data::add_audit`]): the same rows [`Self::refresh`]
    /// gives, filtering only the new entries. The selection stays on its entry (the new
    /// rows come in above it), unless that entry was among those dropped.
    pub fn entries_added(&mut self, ctx: &Ctx, added: usize, dropped: usize) {
        let matches = self.matcher();
        let entries = &ctx.data.audit;
        let new = entries.len() - added.min(entries.len());
        let selected = self.view.get(self.cursor.sel).and_then(|i| i.checked_sub(dropped));
        let mut view: Vec<usize> = (new..entries.len()).rev().filter(|i| matches(&entries[*i])).collect();
        // The rows kept are newest first: those of the dropped entries are at the end.
        view.extend(self.view.iter().take_while(|i| **i >= dropped).map(|i| i - dropped));
        self.view = view;
        if let Some(p) = selected.and_then(|s| self.view.iter().position(|i| *i == s)) {
            self.cursor.sel = p;
        }
        self.cursor.clamp(self.view.len());
    }

    /// Whether an entry shows under the filter as typed.
    fn matcher(&self) -> impl Fn(&AuditEntry) -> bool {
        let f = self.filter();
        let order_text = self.filters[0].value().trim().to_ascii_lowercase();
        // An order filter that does not parse as a PO number matches the entity text.
        move |e| {
            (f.po.is_some() || crate::domain::item::contains_ignore_ascii_case(&e.entity, &order_text)) && f.matches(e)
        }
    }

    /// A key typed into the focused filter field.
    pub fn filter_key(&mut self, ev: &KeyEvent, ctx: &Ctx) {
        let Some(i) = self.focus else { return };
        match ev.code {
            KeyCode::Esc | KeyCode::Enter => self.focus = None,
            KeyCode::Tab => self.focus = Some((i + 1) % FIELDS.len()),
            KeyCode::BackTab => self.focus = Some((i + FIELDS.len() - 1) % FIELDS.len()),
            _ => {
                if self.filters[i].handle_event(&Event::Key(*ev)).is_some() {
                    self.refresh(ctx);
                }
            }
        }
    }

    /// Pasted text into the focused filter field, in one go: the rows are filtered once.
    pub fn paste_filter(&mut self, text: &str, ctx: &Ctx) {
        let Some(i) = self.focus else { return };
        crate::tui::input::insert_at_cursor(&mut self.filters[i], text);
        self.refresh(ctx);
    }

    /// An entry asked for with Enter arrived, whole.
    pub fn entry_arrived(&mut self, seq: u64, entry: Option<Box<AuditEntry>>) {
        if let Some(o) = self.open.as_mut().filter(|o| o.seq == seq) {
            o.entry = Some(entry);
        }
    }

    /// Keys on an opened entry: scroll it, or close it.
    fn handle_open(&mut self, a: Action) -> Vec<Ask> {
        let Some(o) = self.open.as_mut() else {
            return Vec::new();
        };
        match a {
            Action::Back | Action::Open => self.open = None,
            Action::Up => o.scroll = o.scroll.saturating_sub(1),
            Action::Down => o.scroll = o.scroll.saturating_add(1),
            Action::PageUp => o.scroll = o.scroll.saturating_sub(10),
            Action::PageDown => o.scroll = o.scroll.saturating_add(10),
            Action::Top => o.scroll = 0,
            _ => {}
        }
        Vec::new()
    }

    pub fn handle(&mut self, a: Action, ctx: &Ctx) -> Vec<Ask> {
        if self.open.is_some() {
            return self.handle_open(a);
        }
        if navigate(&mut self.cursor, a, self.view.len()) {
            return Vec::new();
        }
        match a {
            Action::Open => {
                if let Some(e) = self.view.get(self.cursor.sel).map(|i| &ctx.data.audit[*i]) {
                    let seq = e.seq;
                    self.open = Some(Opened {
                        seq,
                        entry: None,
                        scroll: 0,
                    });
                    return vec![Ask::Load(Load::AuditEntry(seq))];
                }
            }
            Action::Filter => self.focus = Some(0),
            Action::ClearFilter => {
                for f in &mut self.filters {
                    f.reset();
                }
                self.refresh(ctx);
            }
            _ => {}
        }
        Vec::new()
    }
}

/// The values of an entry's `after` the list shows; a receipt with its line, SKU
/// (from the order, when loaded), quantity and serials.
fn summary(ctx: &Ctx, e: &AuditEntry) -> String {
    use serde_json::Value;
    match &e.after {
        Value::Null => String::new(),
        Value::Object(m) => {
            let mut parts = Vec::new();
            for key in SUMMARY_KEYS {
                if let Some(x) = m.get(key) {
                    let s = match (key, x) {
                        ("receipt", r) => receipt_summary(ctx, &e.entity, r, e.action.ends_with("undo")),
                        (_, Value::String(s)) => format!("{key}={s}"),
                        (_, Value::Object(o)) => {
                            format!("{key}={}", o.get("stage").and_then(|s| s.as_str()).unwrap_or("…"))
                        }
                        (_, other) => format!("{key}={other}"),
                    };
                    parts.push(s);
                }
            }
            parts.join(" ")
        }
        other => {
            let s = other.to_string();
            s.chars().take(60).collect()
        }
    }
}

/// `line 2 AP-650 ×2 serials S1, S2` (`undone:` first for an undone receipt).
fn receipt_summary(ctx: &Ctx, entity: &str, r: &serde_json::Value, undone: bool) -> String {
    let line = r.get("line").and_then(|v| v.as_u64()).unwrap_or(0);
    let qty = r.get("quantity").and_then(|v| v.as_u64()).unwrap_or(0);
    let sku = entity
        .parse::<PoNumber>()
        .ok()
        .and_then(|po| ctx.data.order(po))
        .and_then(|o| o.lines.get((line as usize).wrapping_sub(1)))
        .map(|l| format!(" {}", l.sku))
        .unwrap_or_default();
    let serials: Vec<&str> = r
        .get("serials")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
        .unwrap_or_default();
    let serials = if serials.is_empty() {
        String::new()
    } else {
        format!(" serials {}", serials.join(", "))
    };
    let lead = if undone { "undone: " } else { "" };
    format!("{lead}line {line}{sku} ×{qty}{serials}")
}

/// The whole entry, as lines: who, when, what, then its values before and after.
fn entry_lines<'a>(th: &crate::tui::theme::Theme, e: &AuditEntry) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("#{} ", e.seq), th.accent),
            Span::raw(format!(
                "{} · {} · {} · {}",
                e.at.format("%Y-%m-%d %H:%M:%S UTC"),
                e.actor,
                e.action,
                e.entity
            )),
        ]),
        Line::from(""),
    ];
    for (title, v) in [("Before", &e.before), ("After", &e.after)] {
        lines.push(Line::from(Span::styled(title, th.header)));
        let text = match v {
            serde_json::Value::Null => "  (nothing)".to_string(),
            v => serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()),
        };
        lines.extend(text.lines().map(|l| Line::from(format!("  {l}"))));
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(format!("hash {}", e.hash), th.muted)));
    lines
}

impl AuditPane {
    /// Draws the pane.
    pub fn render(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let th = ctx.theme;
        let a = self;
        if let Some(o) = &a.open {
            let block = Block::bordered()
                .title(Span::styled(
                    format!(" Audit · entry {} (Esc closes, ↑↓ scroll) ", o.seq),
                    th.title,
                ))
                .border_style(th.border_focused);
            let body = match &o.entry {
                None => Paragraph::new("loading the entry…").style(th.muted),
                Some(None) => Paragraph::new(format!("entry {} is not in the audit trail", o.seq)).style(th.error),
                Some(Some(e)) => Paragraph::new(entry_lines(th, e))
                    .wrap(ratatui::widgets::Wrap { trim: false })
                    .scroll((o.scroll, 0)),
            };
            f.render_widget(body.block(block), area);
            return;
        }
        let title = format!(" Audit trail · {} of {} entries ", a.view.len(), ctx.data.audit.len());
        let block = Block::bordered()
            .title(Span::styled(title, th.title))
            .border_style(th.border);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [filters, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let cols = Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(filters);
        for (i, name) in FIELDS.iter().enumerate() {
            let label = format!("{name}: ");
            let focused = a.focus == Some(i);
            let w = cols[i].width.saturating_sub(label.len() as u16 + 1) as usize;
            let scroll = a.filters[i].visual_scroll(w);
            let value: String = a.filters[i].value().chars().skip(scroll).collect();
            let style = if focused { th.input } else { th.muted };
            f.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(label.clone(), th.accent),
                    Span::styled(format!("{value:<w$}"), style),
                ])),
                cols[i],
            );
            if focused {
                let x = (a.filters[i].visual_cursor().max(scroll) - scroll) as u16;
                f.set_cursor_position((cols[i].x + label.len() as u16 + x, cols[i].y));
            }
        }
        if !ctx.data.audit_loaded && ctx.data.audit.is_empty() {
            f.render_widget(Paragraph::new("loading the audit trail…").style(th.muted), table);
            return;
        }
        if a.view.is_empty() {
            let text = if ctx.data.audit.is_empty() {
                "no entries yet"
            } else {
                "no entries match the filter (x clears it)"
            };
            f.render_widget(Paragraph::new(text).style(th.muted), table);
            return;
        }
        let (start, end) = a.cursor.window(a.view.len(), table.height.saturating_sub(1) as usize);
        let rows = a.view[start..end]
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let e = &ctx.data.audit[*i];
                let style = if start + n == a.cursor.sel {
                    th.selected
                } else {
                    th.base
                };
                let cells: Vec<GridCell> = vec![
                    e.seq.to_string().into(),
                    e.at.format("%m-%d %H:%M").to_string().into(),
                    e.actor.clone().into(),
                    e.action.clone().into(),
                    e.entity.clone().into(),
                    summary(ctx, e).into(),
                ];
                (cells, style)
            })
            .collect();
        let cols = vec![
            Col::fixed("Seq", 5, 7).right().sorted(true),
            Col::fixed("When (UTC)", 11, 5),
            Col::fixed("User", 8, 4),
            Col::fixed("Action", 20, 6),
            Col::fixed("Entity", 18, 3),
            Col::fill("After", 10, 3, 1),
        ];
        Grid {
            cols,
            rows,
            header: th.header,
        }
        .render(f, table);
    }
}
