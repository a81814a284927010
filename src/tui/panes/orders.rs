//! Pane 2, Orders: every purchase order, and one order in detail. This file holds the
//! pane's state, its actions (on the list and in the detail view), the place dialog and
//! the list; the detail view is opened and drawn in `detail`.

use super::{navigate, Ask, Ctx};
use crate::app::{OrderAction, PlaceRequest};
use crate::domain::money::group_thousands;
use crate::domain::order::{parse_provisioning, BillingTerm};
use crate::domain::{ApprovalDecision, Order, OrderStatus, PlacementMethod, PoNumber};
use crate::tui::action::Action;
use crate::tui::commands::{Command, Load};
use crate::tui::error::FormError;
use crate::tui::form::{Confirm, Dialog, Field, Form, PickPurpose, Picker, Purpose};
use crate::tui::widgets::Tone;
use crate::tui::widgets::{age, clip, Col, Cursor, Grid, GridCell, SearchBox};
use ratatui::layout::Rect;
use ratatui::Frame;

mod detail;
use detail::render_detail;
pub use detail::Detail;

#[derive(Debug, Default)]
pub struct OrdersPane {
    /// Show only this status.
    pub status: Option<OrderStatus>,
    /// Indices into `Data::orders`.
    pub view: Vec<usize>,
    pub cursor: Cursor,
    pub detail: Option<Detail>,
    /// `/`: only the orders every typed word is found in.
    pub search: SearchBox,
}

/// The methods of the place picker, in order.
pub const METHODS: [(PlacementMethod, &str); 4] = [
    (PlacementMethod::Api, "distributor API"),
    (PlacementMethod::Email, "email the PO"),
    (PlacementMethod::Manual, "mark as submitted"),
    (PlacementMethod::Skip, "skip distributor (PSA only)"),
];

impl OrdersPane {
    /// The order on the selected row of the list.
    pub fn selected(&self, ctx: &Ctx) -> Option<PoNumber> {
        self.view
            .get(self.cursor.sel)
            .and_then(|i| ctx.data.orders.get(*i))
            .map(|o| o.number)
    }

    /// The order the pane shows: the one open in detail, else the selected row's.
    pub fn focused(&self, ctx: &Ctx) -> Option<PoNumber> {
        match &self.detail {
            Some(d) => Some(d.po),
            None => self.selected(ctx),
        }
    }

    /// The rows again after the orders changed, keeping `keep` selected.
    pub fn refresh(&mut self, ctx: &Ctx, keep: Option<PoNumber>) {
        let orders = &ctx.data.orders;
        self.view = (0..orders.len()).filter(|i| self.shows(ctx, &orders[*i])).collect();
        self.keep(ctx, keep);
    }

    /// The rows after the orders at `slots` changed in place (no row moved): each is
    /// looked at again, and `keep` stays selected — the rows [`Self::refresh`] gives.
    pub fn orders_changed(&mut self, ctx: &Ctx, slots: &[usize], keep: Option<PoNumber>) {
        for &i in slots {
            let shows = self.shows(ctx, &ctx.data.orders[i]);
            match (self.view.binary_search(&i), shows) {
                (Ok(p), false) => drop(self.view.remove(p)),
                (Err(p), true) => self.view.insert(p, i),
                _ => {}
            }
        }
        self.keep(ctx, keep);
    }

    /// Whether order `o` has a row under the status filter and the search.
    fn shows(&self, ctx: &Ctx, o: &Order) -> bool {
        self.status.is_none_or(|s| o.status() == s) && (!self.search.is_active() || order_matches(ctx, &self.search, o))
    }

    /// Selects `keep`'s row if it has one, and keeps the cursors in their lists.
    fn keep(&mut self, ctx: &Ctx, keep: Option<PoNumber>) {
        let orders = &ctx.data.orders;
        if let Some(po) = keep {
            if let Some(p) = self.view.iter().position(|i| orders[*i].number == po) {
                self.cursor.sel = p;
            }
        }
        self.cursor.clamp(self.view.len());
        if let Some(d) = &mut self.detail {
            let n = ctx.data.order(d.po).map_or(0, |o| o.lines.len());
            d.lines.clamp(n);
        }
    }

    /// The order open in detail, if one is.
    pub fn detail_po(&self) -> Option<PoNumber> {
        self.detail.as_ref().map(|d| d.po)
    }

    /// Opens `po` in detail.
    pub fn open(&mut self, po: PoNumber, from: super::Pane) -> Vec<Ask> {
        self.detail = Some(Detail {
            po,
            lines: Cursor::default(),
            scroll: 0,
            max_scroll: std::cell::Cell::new(u16::MAX),
            from,
        });
        vec![Ask::Load(Load::OrderAudit(po))]
    }

    pub fn handle(&mut self, a: Action, ctx: &Ctx) -> Vec<Ask> {
        if let Some(d) = &mut self.detail {
            let n = ctx.data.order(d.po).map_or(0, |o| o.lines.len());
            if navigate(&mut d.lines, a, n) {
                return Vec::new();
            }
            let po = d.po;
            return match a {
                Action::Back => {
                    // Back where the order was opened from (Approvals, say), else the list.
                    let from = d.from;
                    self.detail = None;
                    match from {
                        super::Pane::Orders => Vec::new(),
                        pane => vec![Ask::Switch(pane)],
                    }
                }
                // Never past the last line (as last drawn), so the way back up is as short.
                Action::ScrollUp => {
                    d.scroll = d.scroll.min(d.max_scroll.get()).saturating_sub(5);
                    Vec::new()
                }
                Action::ScrollDown => {
                    d.scroll = d.scroll.saturating_add(5).min(d.max_scroll.get());
                    Vec::new()
                }
                Action::RemoveItem => vec![remove_line(ctx, po, d.lines.sel)],
                Action::AddItems => vec![add_items_picker(ctx, po)],
                Action::MarkSent | Action::SendAgain => vec![settle_send(ctx, po, a)],
                other => vec![on_order(ctx, po, other)],
            };
        }
        if navigate(&mut self.cursor, a, self.view.len()) {
            return Vec::new();
        }
        match (a, self.selected(ctx)) {
            (Action::Open, Some(po)) => vec![Ask::OpenOrder(po)],
            (Action::StatusFilter, _) => vec![status_picker(ctx, self.status)],
            (Action::Filter, _) => {
                self.search.focused = true;
                Vec::new()
            }
            (Action::ClearFilter, _) => {
                self.search.clear();
                let keep = self.selected(ctx);
                self.refresh(ctx, keep);
                Vec::new()
            }
            (a, Some(po)) => vec![on_order(ctx, po, a)],
            _ => Vec::new(),
        }
    }

    /// Whether the search box has the focus (keys are typed into it).
    pub fn typing(&self) -> bool {
        self.search.focused && self.detail.is_none()
    }

    /// A key typed into the search box.
    pub fn filter_key(&mut self, ev: &crossterm::event::KeyEvent, ctx: &Ctx) {
        if self.search.key(ev) {
            let keep = self.selected(ctx);
            self.refresh(ctx, keep);
        }
    }

    /// The status picked in the status picker: the list shows orders of it only.
    pub fn status_chosen(&mut self, ctx: &Ctx, chosen: &[u64]) -> Vec<Ask> {
        let Some(n) = chosen.first() else {
            return Vec::new();
        };
        self.status = (*n as usize)
            .checked_sub(1)
            .and_then(|i| OrderStatus::ALL.get(i).copied());
        let keep = self.selected(ctx);
        self.refresh(ctx, keep);
        let what = self.status.map_or("all orders".to_string(), |s| format!("{s} orders"));
        vec![Ask::Say(Tone::Info, format!("showing {what}"))]
    }

    /// Draws the pane: the list, or one order in detail.
    pub fn render(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        match &self.detail {
            Some(d) => render_detail(ctx, d, f, area),
            None => self.render_list(ctx, f, area),
        }
    }
}

/// Whether every word of `search` is in the order: its number, status, customers,
/// distributor, buyer or SKUs.
pub(super) fn order_matches(ctx: &Ctx, search: &SearchBox, o: &Order) -> bool {
    let number = o.number.to_string();
    let status = status_label(o);
    let dist = ctx.config.distributor_name(&o.distributor);
    let mut texts: Vec<&str> = vec![&number, &status, &dist, &o.distributor, &o.created_by];
    for l in &o.lines {
        texts.push(&l.customer_name);
        texts.push(&l.sku);
    }
    search.matches(&texts)
}

/// The status picker: every status with how many orders have it, the one shown now first.
fn status_picker(ctx: &Ctx, now: Option<OrderStatus>) -> Ask {
    let count = |s: Option<OrderStatus>| {
        ctx.data
            .orders
            .iter()
            .filter(|o| s.is_none_or(|s| o.status() == s))
            .count()
    };
    let mut rows = vec![(0, format!("all orders ({})", count(None)))];
    for (i, s) in OrderStatus::ALL.iter().enumerate() {
        rows.push((i as u64 + 1, format!("{s} ({})", count(Some(*s)))));
    }
    let mut picker = Picker::new(
        "Show orders of which status? (Enter chooses, type to filter)",
        rows,
        false,
        PickPurpose::OrderStatus,
    );
    picker.cursor.sel = now
        .and_then(|s| OrderStatus::ALL.iter().position(|x| *x == s))
        .map_or(0, |i| i + 1);
    Ask::Dialog(Box::new(Dialog::Pick(picker)))
}

/// What the list and the detail view do alike to the order in focus.
fn on_order(ctx: &Ctx, po: PoNumber, a: Action) -> Ask {
    match a {
        Action::Place => place_dialog(ctx, po, false),
        Action::EditOrder => super::order_edit::edit_dialog(ctx, po),
        Action::CancelOrder => cancel_question(ctx, po),
        // Written beside the database, in `pdf/`.
        Action::ExportPdf => Ask::Send(Command::ExportPdf {
            po,
            dir: ctx.pdf_dir.to_path_buf(),
        }),
        Action::RetrySync => match ctx.may_on_order(po, OrderAction::RetrySync) {
            Ok(()) => Ask::Send(Command::RetrySync { po }),
            Err(refused) => refused,
        },
        _ => Ask::Nothing,
    }
}

/// Opens the method picker to place (or approve and place) an order, unless the service
/// says the user may not.
pub fn place_dialog(ctx: &Ctx, po: PoNumber, approve: bool) -> Ask {
    let action = if approve {
        OrderAction::Approve
    } else {
        OrderAction::Place
    };
    if let Err(refused) = ctx.may_on_order(po, action) {
        return refused;
    }
    let Some(order) = ctx.data.order(po) else {
        return Ask::Nothing;
    };
    let need = match order.approval_needed() {
        _ if order.status() == OrderStatus::AwaitingApproval => {
            format!("awaiting approval by {}", order.approver().unwrap_or("?"))
        }
        ApprovalDecision::NotRequired => "no approval needed".to_string(),
        ApprovalDecision::Required { approver, rule } if approver == ctx.actor.name => {
            format!("needs approval by you (rule {rule}): placing it approves it")
        }
        ApprovalDecision::Required { approver, rule } => {
            format!("needs approval by {approver} (rule {rule}): it will wait for them")
        }
    };
    let title = format!(
        "{} {}: {} {} {}",
        if approve { "Approve and place" } else { "Place" },
        po,
        ctx.config.distributor_name(&order.distributor),
        group_thousands(order.total()),
        order.currency
    );
    // The method offered first is how this distributor takes orders: its API, else
    // email to its order addresses, else by hand. Enter alone never just marks an
    // order submitted that Purser could have sent.
    let dist = ctx.config.distributors.get(&order.distributor);
    let usual = match dist {
        Some(d) if d.kind.has_api() => PlacementMethod::Api,
        Some(d) if !d.email.is_empty() => PlacementMethod::Email,
        _ => PlacementMethod::Manual,
    };
    let first = METHODS.iter().position(|(m, _)| *m == usual).unwrap_or(2);
    let mut fields = vec![
        Field::choice("Method", METHODS.iter().map(|(_, l)| l.to_string()).collect(), first),
        Field::text("Link (optional)", ""),
    ];
    let mut note = format!("{need}. ←→ chooses the method; a link (https://…) goes with \"mark as submitted\".");
    if dist.map(|d| d.kind) == Some(crate::config::DistributorKind::Pax8) {
        // Pax8 subscriptions need terms and provisioning details; a missing key is named
        // with its label by Pax8's provision-details when placing.
        fields.push(Field::choice(
            "Billing term",
            BillingTerm::ALL.iter().map(|t| t.to_string()).collect(),
            0,
        ));
        fields.push(Field::text("Commitment (id or auto)", "auto"));
        fields.push(Field::text(PROVISION_FIELD, ""));
        note.push_str(" Pax8 provisioning: key=value; key=value (a missing key is named).");
    }
    let form = Form::new(&title, Purpose::Place { po, approve }, fields).with_note(note);
    Ask::Dialog(Box::new(Dialog::Form(form)))
}

/// Asks before cancelling, unless the service says the user may not.
fn cancel_question(ctx: &Ctx, po: PoNumber) -> Ask {
    if let Err(refused) = ctx.may_on_order(po, OrderAction::Cancel) {
        return refused;
    }
    let Some(o) = ctx.data.order(po) else {
        return Ask::Nothing;
    };
    let mut text = format!(
        "Cancel {po} ({}, {})? Every item returns to the pending pool.",
        o.status(),
        ctx.config.distributor_name(&o.distributor)
    );
    if o.is_at_distributor() {
        text.push_str(" It was already placed with the distributor: cancel it there too.");
    }
    Ask::Dialog(Box::new(Dialog::Confirm {
        text,
        what: Confirm::Cancel(po),
    }))
}

/// Removes line `sel` (0-based) of the order; its item returns to the pool.
fn remove_line(ctx: &Ctx, po: PoNumber, sel: usize) -> Ask {
    if let Err(refused) = ctx.may_on_order(po, OrderAction::RemoveItems) {
        return refused;
    }
    match ctx.data.order(po).and_then(|o| o.lines.get(sel)) {
        Some(line) => Ask::Send(Command::RemoveFromOrder {
            po,
            ids: vec![line.item_id],
        }),
        None => Ask::Nothing,
    }
}

/// An uncertain send settled: recorded as sent, or sent again.
fn settle_send(ctx: &Ctx, po: PoNumber, a: Action) -> Ask {
    let action = if a == Action::MarkSent {
        OrderAction::MarkSent
    } else {
        OrderAction::SendAgain
    };
    if let Err(refused) = ctx.may_on_order(po, action) {
        return refused;
    }
    let Some(job) = ctx.data.order(po).and_then(|o| o.sending.as_ref()).map(|s| s.job) else {
        return Ask::Nothing;
    };
    Ask::Send(if a == Action::MarkSent {
        Command::MarkSent { job }
    } else {
        Command::SendAgain { job }
    })
}

/// The pool items in the order's currency to choose from, the order's distributor first.
fn add_items_picker(ctx: &Ctx, po: PoNumber) -> Ask {
    if let Err(refused) = ctx.may_on_order(po, OrderAction::AddItems) {
        return refused;
    }
    let Some(order) = ctx.data.order(po) else {
        return Ask::Nothing;
    };
    let dist = order.distributor.as_str();
    let mut pool: Vec<&crate::domain::PendingItem> = ctx
        .data
        .items
        .iter()
        .filter(|i| i.is_pending() && i.currency == order.currency)
        .collect();
    // A long pool is cut to keep the list quick.
    pool.sort_by_key(|i| i.distributor.as_deref() != Some(dist));
    pool.truncate(5000);
    let rows = pool
        .iter()
        .map(|i| {
            (
                i.id,
                format!(
                    "{:>6} {:<16} {:<14} {:>4} × {:>9}  {}",
                    i.id,
                    clip(&i.customer_name, 16),
                    clip(&i.sku, 14),
                    i.quantity,
                    group_thousands(i.unit_cost),
                    i.distributor.as_deref().unwrap_or("—")
                ),
            )
        })
        .collect::<Vec<_>>();
    if rows.is_empty() {
        return Ask::Say(Tone::Error, "no pool items in this order's currency".into());
    }
    let title = format!("Add pool items to {po} (space marks, Enter adds, type to filter)");
    Ask::Dialog(Box::new(Dialog::Pick(Picker::new(
        &title,
        rows,
        true,
        PickPurpose::ItemsFor(po),
    ))))
}

const PROVISION_FIELD: &str = "Provisioning";

/// Whether `link` is an http(s) address with a host and no blanks.
fn is_web_address(link: &str) -> bool {
    let rest = link.strip_prefix("https://").or_else(|| link.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !r.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

pub fn place_command(form: &Form, po: PoNumber, approve: bool) -> Result<Command, FormError> {
    let (method, _) = METHODS[form.get("Method").idx().min(METHODS.len() - 1)];
    let link = Some(form.get("Link (optional)").value().trim().to_string()).filter(|s| !s.is_empty());
    if link.is_some() && method != PlacementMethod::Manual {
        return Err(FormError::LinkNotManual);
    }
    if let Some(l) = link.as_deref().filter(|l| !is_web_address(l)) {
        return Err(FormError::LinkNotUrl(l.to_string()));
    }
    let req = PlaceRequest { po, method, link };
    let Some(term) = form.find("Billing term").filter(|_| method == PlacementMethod::Api) else {
        return Ok(if approve {
            Command::Approve(req, None)
        } else {
            Command::Place(req)
        });
    };
    let mut options = crate::domain::order::ApiOptions {
        billing_term: Some(BillingTerm::ALL[term.idx().min(BillingTerm::ALL.len() - 1)]),
        commitment: form
            .find("Commitment (id or auto)")
            .map(|f| f.value().trim().to_string())
            .filter(|s| !s.is_empty()),
        ..Default::default()
    };
    let provision = form.find(PROVISION_FIELD).map_or("", |f| f.value());
    for p in parse_provisioning(provision)? {
        options.add_provision(p);
    }
    Ok(if approve {
        Command::Approve(req, Some(Box::new(options)))
    } else {
        Command::PlaceWithOptions(req, Box::new(options))
    })
}

impl OrdersPane {
    fn render_list(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let o = self;
        let th = ctx.theme;
        let filter = o.status.map(|s| format!(" · {s} only")).unwrap_or_default();
        let title = format!(" Orders · {} shown{filter} ", o.view.len());
        let narrowed = o.search.shown() || o.status.is_some();
        let empty = o.view.is_empty() && !narrowed;
        let Some(inner) = super::orders_frame(ctx, f, area, title, empty, "no orders") else {
            return;
        };
        let Some(inner) = super::search_line(ctx, &o.search, f, inner, o.view.is_empty(), "no orders match") else {
            return;
        };
        let (start, end) = o.cursor.window(o.view.len(), inner.height.saturating_sub(1) as usize);
        // The PSA sync column, when a PSA is connected.
        let with_sync = ctx.config.psa.kind.is_connected();
        let rows = o.view[start..end]
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let ord = &ctx.data.orders[*i];
                let selected = start + n == o.cursor.sel;
                let status_style = if selected { th.selected } else { th.status(ord.status()) };
                let mut cells: Vec<GridCell> = vec![
                    ord.number.to_string().into(),
                    GridCell {
                        text: status_label(ord),
                        style: Some(status_style),
                    },
                    customers(ord).into(),
                    ctx.config.distributor_name(&ord.distributor).into(),
                    format!("{} {}", group_thousands(ord.total()), ord.currency).into(),
                    age(ctx.now, ord.created_at).into(),
                    ord.progress().into(),
                    ord.created_by.clone().into(),
                ];
                if with_sync {
                    cells.push(ctx.data.sync.get(&ord.number).cloned().unwrap_or_default().into());
                }
                (cells, if selected { th.selected } else { th.base })
            })
            .collect();
        let mut cols = vec![
            Col::fixed("Order", 9, 9).sorted(true),
            Col::fill("Status", 17, 2, 6),
            Col::fill("Customer", 8, 2, 5),
            Col::fill("Distributor", 8, 1, 4),
            Col::amount("Total", 8),
            Col::fixed("Age", 4, 2).right(),
            Col::fixed("Recvd", 7, 3).right(),
            Col::fixed("By", 8, 1),
        ];
        if with_sync {
            cols.push(Col::fixed("PSA sync", 11, 1));
        }
        Grid {
            cols,
            rows,
            header: th.header,
        }
        .render(f, inner);
    }
}

/// The customers of an order's lines: the first, and how many more.
pub(crate) fn customers(ord: &Order) -> String {
    let mut names: Vec<&str> = ord.lines.iter().map(|l| l.customer_name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} +{}", rest.len()),
    }
}

/// The status, with a submission under way or failed at the distributor beside it.
fn status_label(ord: &Order) -> String {
    let st = ord.status();
    if ord.sending.is_some() {
        format!("{st} (sending)")
    } else if st == OrderStatus::Pending && !ord.errors.is_empty() {
        format!("{st} (not sent)")
    } else if let Some(r) = ord.rejections.last().filter(|_| st == OrderStatus::Pending) {
        format!("rejected: {}", r.reason)
    } else {
        st.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::form::{Field, FieldKind, Form, Purpose};

    fn pax8_form(method: usize, provision: &str) -> Form {
        Form::new(
            "Place",
            Purpose::Place {
                po: PoNumber(3),
                approve: false,
            },
            vec![
                Field::choice("Method", METHODS.iter().map(|(_, l)| l.to_string()).collect(), method),
                Field::text("Link (optional)", ""),
                Field::choice(
                    "Billing term",
                    BillingTerm::ALL.iter().map(|t| t.to_string()).collect(),
                    1,
                ),
                Field::text("Commitment (id or auto)", "auto"),
                Field::text(PROVISION_FIELD, provision),
            ],
        )
    }

    fn api_index() -> usize {
        METHODS.iter().position(|(m, _)| *m == PlacementMethod::Api).unwrap()
    }

    #[test]
    fn pax8_options_go_with_an_api_placement() {
        let cmd = place_command(
            &pax8_form(api_index(), "tenantDomain=dcw.example; seats=5; seats=6"),
            PoNumber(3),
            false,
        )
        .unwrap();
        let Command::PlaceWithOptions(req, options) = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(req.method, PlacementMethod::Api);
        assert_eq!(options.billing_term, Some(BillingTerm::Annual));
        assert_eq!(options.commitment.as_deref(), Some("auto"));
        assert_eq!(options.provision["tenantDomain"], vec!["dcw.example"]);
        assert_eq!(options.provision["seats"], vec!["5", "6"]);
    }

    #[test]
    fn a_provisioning_pair_without_equals_is_refused() {
        let e = place_command(&pax8_form(api_index(), "tenantDomain"), PoNumber(3), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`tenantDomain` is not key=value"), "{e}");
    }

    #[test]
    fn a_provisioning_pair_without_a_key_is_refused() {
        let e = place_command(&pax8_form(api_index(), "tenantDomain=x; =5"), PoNumber(3), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("provisioning `=5` has no key before ="), "{e}");
    }

    #[test]
    fn every_pax8_billing_term_is_offered() {
        let form = pax8_form(api_index(), "");
        let FieldKind::Choice { options, .. } = &form.get("Billing term").kind else {
            panic!("a choice")
        };
        assert_eq!(
            options,
            &[
                "Monthly",
                "Annual",
                "2-Year",
                "3-Year",
                "One-Time",
                "Trial",
                "Activation"
            ]
        );
    }

    #[test]
    fn other_methods_ignore_the_pax8_fields() {
        let manual = METHODS.iter().position(|(m, _)| *m == PlacementMethod::Manual).unwrap();
        let cmd = place_command(&pax8_form(manual, "x"), PoNumber(3), false).unwrap();
        assert!(matches!(
            cmd,
            Command::Place(PlaceRequest {
                method: PlacementMethod::Manual,
                ..
            })
        ));
    }
}
