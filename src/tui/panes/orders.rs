//! Pane 2, Orders: every purchase order, and one order in detail. This file holds the
//! pane's state, its actions (on the list and in the detail view), the place dialog and
//! the list; the detail view is opened and drawn in `detail`.

use crate::app::{OrderAction, PlaceRequest};
use crate::domain::money::group_thousands;
use crate::domain::order::{parse_provisioning, BillingTerm};
use crate::domain::{ApprovalDecision, Order, OrderStatus, PlacementMethod, PoNumber};
use crate::tui::action::Action;
use crate::tui::error::FormError;
use crate::tui::form::{Confirm, Dialog, Field, Form, PickPurpose, Picker, Purpose};
use crate::tui::screen::{App, Tone};
use crate::tui::widgets::{age, clip, Cursor};
use crate::tui::worker::Command;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
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
}

/// The methods of the place picker, in order.
pub const METHODS: [(PlacementMethod, &str); 4] = [
    (PlacementMethod::Api, "distributor API"),
    (PlacementMethod::Email, "email the PO"),
    (PlacementMethod::Manual, "mark as submitted"),
    (PlacementMethod::Skip, "skip distributor (PSA only)"),
];

impl App {
    /// The order on the selected row of the list.
    pub(crate) fn orders_selected(&self) -> Option<PoNumber> {
        let o = &self.orders;
        o.view
            .get(o.cursor.sel)
            .and_then(|i| self.data.orders.get(*i))
            .map(|o| o.number)
    }

    pub(crate) fn orders_refresh(&mut self) {
        let sel = self.orders_selected();
        self.orders_refresh_keeping(sel);
    }

    /// [`App::orders_refresh`] after the orders changed, keeping `sel` selected.
    pub(crate) fn orders_refresh_keeping(&mut self, sel: Option<PoNumber>) {
        let o = &mut self.orders;
        o.view = (0..self.data.orders.len())
            .filter(|i| o.status.is_none_or(|s| self.data.orders[*i].status() == s))
            .collect();
        if let Some(po) = sel {
            if let Some(p) = o.view.iter().position(|i| self.data.orders[*i].number == po) {
                o.cursor.sel = p;
            }
        }
        o.cursor.clamp(o.view.len());
        if let Some(d) = &mut o.detail {
            let n = self.data.order(d.po).map_or(0, |o| o.lines.len());
            d.lines.clamp(n);
        }
    }

    fn selected_order(&self) -> Option<&Order> {
        match &self.orders.detail {
            Some(d) => self.data.order(d.po),
            None => self
                .orders
                .view
                .get(self.orders.cursor.sel)
                .map(|i| &self.data.orders[*i]),
        }
    }

    /// Opens the method picker to place (or approve and place) an order.
    pub(crate) fn open_place(&mut self, po: PoNumber, approve: bool) {
        let action = if approve {
            OrderAction::Approve
        } else {
            OrderAction::Place
        };
        if !self.may_on_order(po, action) {
            return;
        }
        let Some(order) = self.data.order(po) else { return };
        let need = match order.approval_needed() {
            _ if order.status() == OrderStatus::AwaitingApproval => {
                format!("awaiting approval by {}", order.approver().unwrap_or("?"))
            }
            ApprovalDecision::NotRequired => "no approval needed".to_string(),
            ApprovalDecision::Required { approver, rule } if approver == self.actor.name => {
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
            self.config.distributor_name(&order.distributor),
            group_thousands(order.total()),
            order.currency
        );
        // The method offered first is how this distributor takes orders: its API, else
        // email to its order addresses, else by hand. Enter alone never just marks an
        // order submitted that Purser could have sent.
        let dist = self.config.distributors.get(&order.distributor);
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
        let pax8 = self.config.distributors.get(&order.distributor).map(|d| d.kind)
            == Some(crate::config::DistributorKind::Pax8);
        let mut note = format!("{need}. ←→ choose the method; the link is for \"mark as submitted\".");
        if pax8 {
            // Pax8 subscriptions need terms and provisioning details; a missing key is named
            // with its label by Pax8's provision-details when placing.
            fields.push(Field::choice(
                "Billing term",
                BillingTerm::ALL.iter().map(|t| t.to_string()).collect(),
                0,
            ));
            fields.push(Field::text("Commitment (id or auto)", "auto"));
            fields.push(Field::text(PROVISION_FIELD, ""));
            note.push_str(" Pax8: provisioning as key=value; key=value (missing keys are named).");
        }
        let form = Form::new(&title, Purpose::Place { po, approve }, fields).with_note(note);
        self.dialog = Some(Dialog::Form(form));
    }

    /// Writes the order's PDF beside the database, in `pdf/`.
    fn export_pdf(&mut self, po: PoNumber) {
        let dir = self.pdf_dir.clone();
        self.send(Command::ExportPdf { po, dir });
    }

    pub(crate) fn ask_cancel(&mut self, po: PoNumber) {
        if !self.may_on_order(po, OrderAction::Cancel) {
            return;
        }
        let Some(o) = self.data.order(po) else { return };
        let mut text = format!(
            "Cancel {po} ({}, {})? Every item returns to the pending pool.",
            o.status(),
            self.config.distributor_name(&o.distributor)
        );
        if o.is_at_distributor() {
            text.push_str(" It was already placed with the distributor: cancel it there too.");
        }
        self.dialog = Some(Dialog::Confirm {
            text,
            what: Confirm::Cancel(po),
        });
    }

    pub(crate) fn orders_act(&mut self, a: Action) {
        if let Some(d) = &mut self.orders.detail {
            let n = self.data.order(d.po).map_or(0, |o| o.lines.len());
            if App::navigate(&mut d.lines, a, n) {
                return;
            }
            let po = d.po;
            match a {
                Action::Back => {
                    self.orders.detail = None;
                    self.data.order_audit = None;
                }
                Action::ScrollUp => d.scroll = d.scroll.saturating_sub(5),
                Action::ScrollDown => d.scroll = d.scroll.saturating_add(5),
                Action::Place => self.open_place(po, false),
                Action::EditOrder => self.open_edit_order(po),
                Action::CancelOrder => self.ask_cancel(po),
                Action::RemoveItem => {
                    let sel = d.lines.sel;
                    if !self.may_on_order(po, OrderAction::RemoveItems) {
                        return;
                    }
                    let Some(line) = self.data.order(po).and_then(|o| o.lines.get(sel)) else {
                        return;
                    };
                    let ids = vec![line.item_id];
                    self.send(Command::RemoveFromOrder { po, ids });
                }
                Action::AddItems => self.open_add_items(po),
                Action::ExportPdf => self.export_pdf(po),
                Action::RetrySync => self.retry_sync(po),
                Action::MarkSent | Action::SendAgain => {
                    let action = if a == Action::MarkSent {
                        OrderAction::MarkSent
                    } else {
                        OrderAction::SendAgain
                    };
                    if !self.may_on_order(po, action) {
                        return;
                    }
                    let Some(job) = self.data.order(po).and_then(|o| o.sending.as_ref()).map(|s| s.job) else {
                        return;
                    };
                    self.send(if a == Action::MarkSent {
                        Command::MarkSent { job }
                    } else {
                        Command::SendAgain { job }
                    });
                }
                _ => {}
            }
            return;
        }
        if App::navigate(&mut self.orders.cursor, a, self.orders.view.len()) {
            return;
        }
        let po = self.selected_order().map(|o| o.number);
        match (a, po) {
            (Action::Open, Some(po)) => self.open_order(po),
            (Action::Place, Some(po)) => self.open_place(po, false),
            (Action::EditOrder, Some(po)) => self.open_edit_order(po),
            (Action::CancelOrder, Some(po)) => self.ask_cancel(po),
            (Action::ExportPdf, Some(po)) => self.export_pdf(po),
            (Action::RetrySync, Some(po)) => self.retry_sync(po),
            (Action::StatusFilter, _) => {
                let all = OrderStatus::ALL;
                self.orders.status = match self.orders.status {
                    None => Some(all[0]),
                    Some(s) => all.iter().position(|x| *x == s).and_then(|i| all.get(i + 1).copied()),
                };
                self.orders_refresh();
                let what = self
                    .orders
                    .status
                    .map_or("all orders".to_string(), |s| format!("{s} orders"));
                self.info(Tone::Info, format!("showing {what}"));
            }
            _ => {}
        }
    }

    fn retry_sync(&mut self, po: PoNumber) {
        if self.may_on_order(po, OrderAction::RetrySync) {
            self.send(Command::RetrySync { po });
        }
    }

    fn open_add_items(&mut self, po: PoNumber) {
        if !self.may_on_order(po, OrderAction::AddItems) {
            return;
        }
        let Some(order) = self.data.order(po) else { return };
        let dist = order.distributor.clone();
        let currency = order.currency.clone();
        let mut pool: Vec<&crate::domain::PendingItem> = self
            .data
            .items
            .iter()
            .filter(|i| i.is_pending() && i.currency == currency)
            .collect();
        // The order's distributor first; a long pool is cut to keep the list quick.
        pool.sort_by_key(|i| i.distributor.as_deref() != Some(dist.as_str()));
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
            return self.info(Tone::Error, "no pool items in this order's currency");
        }
        let title = format!("Add pool items to {po} (space marks, Enter adds, type to filter)");
        self.dialog = Some(Dialog::Pick(Picker::new(&title, rows, true, PickPurpose::ItemsFor(po))));
    }
}

const PROVISION_FIELD: &str = "Provisioning";

pub(super) fn place_command(form: &Form, po: PoNumber, approve: bool) -> Result<Command, FormError> {
    let (method, _) = METHODS[form.get("Method").idx().min(METHODS.len() - 1)];
    let link = Some(form.get("Link (optional)").value().trim().to_string()).filter(|s| !s.is_empty());
    if link.is_some() && method != PlacementMethod::Manual {
        return Err(FormError::LinkNotManual);
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

/// Draws the pane: the list, or one order in detail.
pub fn render(app: &App, f: &mut Frame, area: Rect) {
    match &app.orders.detail {
        Some(d) => render_detail(app, d, f, area),
        None => render_list(app, f, area),
    }
}

fn render_list(app: &App, f: &mut Frame, area: Rect) {
    let o = &app.orders;
    let th = &app.theme;
    let filter = o.status.map(|s| format!(" · {s} only")).unwrap_or_default();
    let title = format!(" Orders · {} shown{filter} ", o.view.len());
    let Some(inner) = super::orders_frame(app, f, area, title, o.view.is_empty(), "no orders") else {
        return;
    };
    let (start, end) = o.cursor.window(o.view.len(), inner.height.saturating_sub(1) as usize);
    // The PSA sync column, when a PSA is connected.
    let with_sync = app.config.psa.kind.is_connected();
    let rows = o.view[start..end].iter().enumerate().map(|(n, i)| {
        let ord = &app.data.orders[*i];
        let st = ord.status();
        let style = if start + n == o.cursor.sel {
            th.selected
        } else {
            th.base
        };
        let mut cells = vec![
            Cell::from(ord.number.to_string()),
            Cell::from(Span::styled(
                status_label(ord),
                if start + n == o.cursor.sel {
                    th.selected
                } else {
                    th.status(st)
                },
            )),
            Cell::from(app.config.distributor_name(&ord.distributor)),
            Cell::from(Line::from(format!("{} {}", group_thousands(ord.total()), ord.currency)).right_aligned()),
            Cell::from(Line::from(age(app.now, ord.created_at)).right_aligned()),
            Cell::from(Line::from(ord.progress()).right_aligned()),
            Cell::from(ord.created_by.clone()),
        ];
        if with_sync {
            cells.insert(
                6,
                Cell::from(app.data.sync.get(&ord.number).cloned().unwrap_or_default()),
            );
        }
        Row::new(cells).style(style)
    });
    let mut widths = vec![
        Constraint::Length(9),
        Constraint::Length(17),
        Constraint::Fill(1),
        Constraint::Length(15),
        Constraint::Length(4),
        Constraint::Length(7),
        Constraint::Length(8),
    ];
    let mut titles = vec![
        "Order",
        "Status",
        "Distributor",
        "          Total",
        " Age",
        "Recvd",
        "By",
    ];
    if with_sync {
        widths.insert(6, Constraint::Length(11));
        titles.insert(6, "PSA sync");
    }
    let header = Row::new(titles).style(th.header);
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);
}

/// The status, with a submission under way or failed at the distributor beside it.
fn status_label(ord: &Order) -> String {
    let st = ord.status();
    if ord.sending.is_some() {
        format!("{st} (sending)")
    } else if st == OrderStatus::Pending && !ord.errors.is_empty() {
        format!("{st} (not sent)")
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
