//! Pane 5, Audit: the trail of every change, filterable by order, user and action.

use super::{navigate, Ask, Ctx};
use crate::app::audit::AuditFilter;
use crate::tui::action::Action;
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
        let f = self.filter();
        let order_text = self.filters[0].value().trim().to_ascii_lowercase();
        let entries = &ctx.data.audit;
        self.view = (0..entries.len())
            .rev()
            .filter(|i| {
                let e = &entries[*i];
                // An order filter that does not parse as a PO number matches the entity text.
                (f.po.is_some() || crate::domain::item::contains_ignore_ascii_case(&e.entity, &order_text))
                    && f.matches(e)
            })
            .collect();
        self.cursor.clamp(self.view.len());
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

    pub fn handle(&mut self, a: Action, ctx: &Ctx) -> Vec<Ask> {
        if navigate(&mut self.cursor, a, self.view.len()) {
            return Vec::new();
        }
        match a {
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

fn summary(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Object(m) => {
            let mut parts = Vec::new();
            for key in SUMMARY_KEYS {
                if let Some(x) = m.get(key) {
                    let s = match x {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Object(o) => {
                            o.get("stage").and_then(|s| s.as_str()).unwrap_or("…").to_string()
                        }
                        other => other.to_string(),
                    };
                    parts.push(format!("{key}={s}"));
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

impl AuditPane {
    /// Draws the pane.
    pub fn render(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let th = ctx.theme;
        let a = self;
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
                    summary(&e.after).into(),
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
