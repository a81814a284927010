//! Pane 3, Approvals: orders waiting for the current user's approval.

use crate::domain::money::group_thousands;
use crate::domain::{PoNumber, Stage};
use crate::tui::action::Action;
use crate::tui::error::FormError;
use crate::tui::form::{Dialog, Field, Form, Purpose};
use crate::tui::screen::App;
use crate::tui::widgets::{age, Cursor};
use crate::tui::worker::Command;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

#[derive(Debug, Default)]
pub struct ApprovalsPane {
    /// Indices into `Data::orders` of the orders awaiting me.
    pub view: Vec<usize>,
    pub cursor: Cursor,
}

impl App {
    /// The rows again after the orders changed, keeping `sel` selected.
    pub(crate) fn approvals_refresh_keeping(&mut self, sel: Option<PoNumber>) {
        let me = &self.actor.name;
        self.approvals.view = (0..self.data.orders.len())
            .filter(
                |i| matches!(&self.data.orders[*i].stage, Stage::AwaitingApproval { approver, .. } if approver == me),
            )
            .collect();
        if let Some(po) = sel {
            if let Some(p) = self
                .approvals
                .view
                .iter()
                .position(|i| self.data.orders[*i].number == po)
            {
                self.approvals.cursor.sel = p;
            }
        }
        self.approvals.cursor.clamp(self.approvals.view.len());
    }

    pub(crate) fn approval_selected(&self) -> Option<PoNumber> {
        self.approvals
            .view
            .get(self.approvals.cursor.sel)
            .map(|i| self.data.orders[*i].number)
    }

    pub(crate) fn approvals_act(&mut self, a: Action) {
        if App::navigate(&mut self.approvals.cursor, a, self.approvals.view.len()) {
            return;
        }
        let Some(po) = self.approval_selected() else { return };
        match a {
            Action::Approve => self.open_place(po, true),
            Action::Reject => {
                if !self.may_on_order(po, crate::app::OrderAction::Reject) {
                    return;
                }
                let form = Form::new(
                    &format!("Reject {po}"),
                    Purpose::Reject(po),
                    vec![Field::text("Reason", "")],
                )
                .with_note("The order goes back to Pending for its buyer, with this reason.");
                self.dialog = Some(Dialog::Form(form));
            }
            Action::Open => self.open_order(po),
            _ => {}
        }
    }
}

pub(super) fn reject_command(form: &Form, po: PoNumber) -> Result<Command, FormError> {
    let reason = form.get("Reason").value().trim();
    if reason.is_empty() {
        return Err(FormError::ReasonRequired("reject"));
    }
    Ok(Command::Reject {
        po,
        reason: reason.to_string(),
    })
}

/// Draws the pane.
pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let p = &app.approvals;
    let title = format!(" Approvals · {} awaiting {} ", p.view.len(), app.actor.name);
    let Some(inner) = super::orders_frame(app, f, area, title, p.view.is_empty(), "nothing awaits your approval")
    else {
        return;
    };
    let list_h = (p.view.len() as u16 + 1).min(inner.height / 2).max(2);
    let [list, detail] = Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(inner);
    let (start, end) = p.cursor.window(p.view.len(), list.height.saturating_sub(1) as usize);
    let rows = p.view[start..end].iter().enumerate().map(|(n, i)| {
        let o = &app.data.orders[*i];
        let (by, at) = match &o.stage {
            Stage::AwaitingApproval {
                requested_by,
                requested_at,
                ..
            } => (requested_by.clone(), age(app.now, *requested_at)),
            _ => (String::new(), String::new()),
        };
        let style = if start + n == p.cursor.sel {
            th.selected
        } else {
            th.base
        };
        Row::new(vec![
            Cell::from(o.number.to_string()),
            Cell::from(app.config.distributor_name(&o.distributor)),
            Cell::from(Line::from(format!("{} {}", group_thousands(o.total()), o.currency)).right_aligned()),
            Cell::from(by),
            Cell::from(Line::from(at).right_aligned()),
        ])
        .style(style)
    });
    let widths = [
        Constraint::Length(9),
        Constraint::Fill(1),
        Constraint::Length(16),
        Constraint::Length(10),
        Constraint::Length(4),
    ];
    let header = Row::new(["Order", "Distributor", "           Total", "Asked by", " Age"]).style(th.header);
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(1), list);

    if let Some(o) = p.view.get(p.cursor.sel).map(|i| &app.data.orders[*i]) {
        let mut lines = vec![Line::from(Span::styled(
            format!(
                "{} lines · {} · a approves and places · r rejects",
                o.lines.len(),
                o.order_type.as_str()
            ),
            th.muted,
        ))];
        for l in &o.lines {
            lines.push(Line::from(format!(
                "  {:>4} × {:<14} {:<28} {:>10}  {}",
                l.quantity,
                l.sku,
                crate::tui::widgets::clip(&l.description, 28),
                group_thousands(l.total_cost()),
                l.customer_name
            )));
        }
        for r in &o.rejections {
            lines.push(Line::from(Span::styled(
                format!("  earlier rejected by {}: {}", r.by, r.reason),
                th.warn,
            )));
        }
        f.render_widget(Paragraph::new(lines).style(th.base), detail);
    }
}
