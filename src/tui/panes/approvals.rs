//! Pane 3, Approvals: orders waiting for the current user's approval.

use super::{navigate, Ask, Ctx};
use crate::domain::money::group_thousands;
use crate::domain::{PoNumber, Stage};
use crate::tui::action::Action;
use crate::tui::commands::Command;
use crate::tui::error::FormError;
use crate::tui::form::{Dialog, Field, Form, Purpose};
use crate::tui::widgets::{age, Col, Cursor, Grid, GridCell, SearchBox};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

#[derive(Debug, Default)]
pub struct ApprovalsPane {
    /// Indices into `Data::orders` of the orders awaiting me.
    pub view: Vec<usize>,
    pub cursor: Cursor,
    /// `/`: only the orders every typed word is found in.
    pub search: SearchBox,
    /// How many orders await the user, searched for or not.
    awaiting: usize,
}

impl ApprovalsPane {
    /// The rows again after the orders changed, keeping `keep` selected.
    pub fn refresh(&mut self, ctx: &Ctx, keep: Option<PoNumber>) {
        let orders = &ctx.data.orders;
        self.view = (0..orders.len()).filter(|i| awaits(ctx, &orders[*i])).collect();
        self.awaiting = self.view.len();
        if self.search.is_active() {
            self.view.retain(|i| approval_matches(ctx, &self.search, &orders[*i]));
        }
        self.keep(ctx, keep);
    }

    /// The rows after the orders at `slots` changed in place (no row moved; `awaited`:
    /// whether each awaited the user before): each is looked at again, and `keep` stays
    /// selected — the rows [`Self::refresh`] gives.
    pub fn orders_changed(&mut self, ctx: &Ctx, slots: &[usize], awaited: &[bool], keep: Option<PoNumber>) {
        for (&i, &was) in slots.iter().zip(awaited) {
            let o = &ctx.data.orders[i];
            let now = awaits(ctx, o);
            self.awaiting = self.awaiting + usize::from(now) - usize::from(was);
            let shows = now && (!self.search.is_active() || approval_matches(ctx, &self.search, o));
            match (self.view.binary_search(&i), shows) {
                (Ok(p), false) => drop(self.view.remove(p)),
                (Err(p), true) => self.view.insert(p, i),
                _ => {}
            }
        }
        self.keep(ctx, keep);
    }

    /// Selects `keep`'s row if it has one, and keeps the cursor in the list.
    fn keep(&mut self, ctx: &Ctx, keep: Option<PoNumber>) {
        let orders = &ctx.data.orders;
        if let Some(po) = keep {
            if let Some(p) = self.view.iter().position(|i| orders[*i].number == po) {
                self.cursor.sel = p;
            }
        }
        self.cursor.clamp(self.view.len());
    }

    /// How many orders await the user's approval.
    pub fn count(&self) -> usize {
        self.awaiting
    }

    /// Whether the search box has the focus (keys are typed into it).
    pub fn typing(&self) -> bool {
        self.search.focused
    }

    /// A key typed into the search box.
    pub fn filter_key(&mut self, ev: &crossterm::event::KeyEvent, ctx: &Ctx) {
        if self.search.key(ev) {
            let keep = self.selected(ctx);
            self.refresh(ctx, keep);
        }
    }

    /// The order on the selected row.
    pub fn selected(&self, ctx: &Ctx) -> Option<PoNumber> {
        self.view
            .get(self.cursor.sel)
            .and_then(|i| ctx.data.orders.get(*i))
            .map(|o| o.number)
    }

    pub fn handle(&mut self, a: Action, ctx: &Ctx) -> Vec<Ask> {
        if navigate(&mut self.cursor, a, self.view.len()) {
            return Vec::new();
        }
        match a {
            Action::Filter => {
                self.search.focused = true;
                return Vec::new();
            }
            Action::ClearFilter => {
                self.search.clear();
                let keep = self.selected(ctx);
                self.refresh(ctx, keep);
                return Vec::new();
            }
            _ => {}
        }
        let Some(po) = self.selected(ctx) else {
            return Vec::new();
        };
        vec![match a {
            Action::Approve => super::orders::place_dialog(ctx, po, true),
            Action::Reject => reject_dialog(ctx, po),
            Action::Open => Ask::OpenOrder(po),
            _ => Ask::Nothing,
        }]
    }
}

/// Whether every word of `search` is in the order: its number, customers, distributor,
/// who asked, or SKUs.
/// Whether order `o` awaits the user's approval.
pub fn awaits(ctx: &Ctx, o: &crate::domain::Order) -> bool {
    matches!(&o.stage, Stage::AwaitingApproval { approver, .. } if *approver == ctx.actor.name)
}

fn approval_matches(ctx: &Ctx, search: &SearchBox, o: &crate::domain::Order) -> bool {
    let number = o.number.to_string();
    let dist = ctx.config.distributor_name(&o.distributor);
    let mut texts: Vec<&str> = vec![&number, &dist, &o.distributor, &o.created_by];
    for l in &o.lines {
        texts.push(&l.customer_name);
        texts.push(&l.sku);
    }
    search.matches(&texts)
}

/// The form of a rejection's reason, unless the service says the user may not reject.
fn reject_dialog(ctx: &Ctx, po: PoNumber) -> Ask {
    if let Err(refused) = ctx.may_on_order(po, crate::app::OrderAction::Reject) {
        return refused;
    }
    let form = Form::new(
        &format!("Reject {po}"),
        Purpose::Reject(po),
        vec![Field::text("Reason", "")],
    )
    .with_note("The order goes back to Pending for its buyer, with this reason.");
    Ask::Dialog(Box::new(Dialog::Form(form)))
}

pub fn reject_command(form: &Form, po: PoNumber) -> Result<Command, FormError> {
    let reason = form.get("Reason").value().trim();
    if reason.is_empty() {
        return Err(FormError::ReasonRequired("reject"));
    }
    Ok(Command::Reject {
        po,
        reason: reason.to_string(),
    })
}

impl ApprovalsPane {
    /// Draws the pane.
    pub fn render(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let th = ctx.theme;
        let p = self;
        let title = format!(" Approvals · {} awaiting {} ", p.awaiting, ctx.actor.name);
        let Some(inner) = super::orders_frame(ctx, f, area, title, p.awaiting == 0, "nothing awaits your approval")
        else {
            return;
        };
        let Some(inner) = super::search_line(
            ctx,
            &p.search,
            f,
            inner,
            p.view.is_empty(),
            "no order awaiting you matches",
        ) else {
            return;
        };
        let list_h = (p.view.len() as u16 + 1).min(inner.height / 2).max(2);
        let [list, detail] = Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(inner);
        let (start, end) = p.cursor.window(p.view.len(), list.height.saturating_sub(1) as usize);
        let rows = p.view[start..end]
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let o = &ctx.data.orders[*i];
                let (by, at) = match &o.stage {
                    Stage::AwaitingApproval {
                        requested_by,
                        requested_at,
                        ..
                    } => (requested_by.clone(), age(ctx.now, *requested_at)),
                    _ => (String::new(), String::new()),
                };
                let style = if start + n == p.cursor.sel {
                    th.selected
                } else {
                    th.base
                };
                let cells: Vec<GridCell> = vec![
                    o.number.to_string().into(),
                    super::orders::customers(o).into(),
                    ctx.config.distributor_name(&o.distributor).into(),
                    format!("{} {}", group_thousands(o.total()), o.currency).into(),
                    by.into(),
                    at.into(),
                ];
                (cells, style)
            })
            .collect();
        let cols = vec![
            Col::fixed("Order", 9, 9),
            Col::fill("Customer", 8, 1, 4),
            Col::fill("Distributor", 8, 1, 3),
            Col::amount("Total", 8),
            Col::fixed("Asked by", 10, 5),
            Col::fixed("Age", 4, 2).right(),
        ];
        Grid {
            cols,
            rows,
            header: th.header,
        }
        .render(f, list);

        if let Some(o) = p.view.get(p.cursor.sel).map(|i| &ctx.data.orders[*i]) {
            render_lines(ctx, o, f, detail);
        }
    }
}

/// The lines of the order selected, what it was rejected for before, and the keys.
fn render_lines(ctx: &Ctx, o: &crate::domain::Order, f: &mut Frame, area: Rect) {
    let th = ctx.theme;
    let [head, table, rejected] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(o.lines.len() as u16 + 1),
        Constraint::Min(0),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(Span::styled(
            format!(
                "{} lines · {} · a approves and places · r rejects",
                o.lines.len(),
                o.order_type.as_str()
            ),
            th.muted,
        )),
        head,
    );
    let rows = o
        .lines
        .iter()
        .take(table.height as usize)
        .map(|l| {
            let cells: Vec<GridCell> = vec![
                l.quantity.to_string().into(),
                l.sku.clone().into(),
                l.description.clone().into(),
                group_thousands(l.total_cost()).into(),
                l.customer_name.clone().into(),
            ];
            (cells, th.base)
        })
        .collect();
    let cols = vec![
        Col::fixed("Qty", 5, 6).right(),
        Col::fixed("SKU", 14, 7),
        Col::fill("Description", 10, 2, 3),
        Col::amount("Line total", 8),
        Col::fill("Customer", 8, 1, 2),
    ];
    Grid {
        cols,
        rows,
        header: th.header,
    }
    .render(f, table);
    let lines: Vec<Line> = o
        .rejections
        .iter()
        .map(|r| {
            Line::from(Span::styled(
                format!("earlier rejected by {}: {}", r.by, r.reason),
                th.warn,
            ))
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
        rejected,
    );
}
