//! One module per pane: each pane is a struct that owns its state, answers a key with
//! what it asks the screen to do ([`Ask`]), and draws itself from its state and the
//! shared, read-only [`Ctx`]. No pane reaches into the screen or another pane's fields;
//! what the user may do comes from the service's answer ([`crate::app::OrderActions`],
//! [`crate::app::Permission`]), never from a rule of the pane's own.

pub mod approvals;
pub mod audit;
pub mod order_edit;
pub mod orders;
pub mod pending;
pub mod receiving;
pub mod settings;

use super::action::Action;
use super::commands::{Command, Load};
use super::data::Data;
use super::error::FormError;
use super::form::{Dialog, Form, PickPurpose, Purpose};
use super::keymap::Keymap;
use super::theme::Theme;
use super::widgets::{Cursor, Tone};
use crate::app::{OrderAction, OrderActions};
use crate::config::Config;
use crate::domain::{PoNumber, RuleError, Timestamp};
use crate::identity::Actor;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// The panes, in tab order, and the admin settings view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Pending,
    Orders,
    Approvals,
    Receiving,
    Audit,
    Settings,
}

impl Pane {
    pub const TABS: [Pane; 5] = [
        Pane::Pending,
        Pane::Orders,
        Pane::Approvals,
        Pane::Receiving,
        Pane::Audit,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Pending => "Pending",
            Pane::Orders => "Orders",
            Pane::Approvals => "Approvals",
            Pane::Receiving => "Receiving",
            Pane::Audit => "Audit",
            Pane::Settings => "Settings",
        }
    }
}

/// What a pane reads to answer a key or to draw: the loaded data, who is at the keys, and
/// how things look. Shared and read-only.
pub struct Ctx<'a> {
    pub data: &'a Data,
    pub config: &'a Config,
    pub actor: &'a Actor,
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub now: Timestamp,
    /// Where purchase-order PDFs are written.
    pub pdf_dir: &'a std::path::Path,
}

impl Ctx<'_> {
    /// What the user may do to order `po` now: the service's answer.
    pub fn order_actions(&self, po: PoNumber) -> Option<OrderActions> {
        self.data
            .order(po)
            .map(|o| OrderActions::of(self.config, self.actor, o))
    }

    /// Whether the user may do `action` to order `po` now, by the service's answer; if
    /// not, the refusal to show at once (no form opens, nothing is sent).
    pub fn may_on_order(&self, po: PoNumber, action: OrderAction) -> Result<(), Ask> {
        let answer = self.order_actions(po).ok_or(Ask::Nothing)?;
        answer.may(action).map_err(|e| Ask::Refuse(e.clone()))
    }

    /// The distributors of the configuration, as (key, display name).
    pub fn distributors(&self) -> Vec<(String, String)> {
        self.config
            .distributors
            .keys()
            .map(|k| (k.clone(), self.config.distributor_name(k)))
            .collect()
    }
}

/// What a pane asks the screen to do after a key or an answer; the screen does it.
#[derive(Debug)]
pub enum Ask {
    /// Nothing more (an order no longer loaded, a key that did nothing).
    Nothing,
    /// Open a dialog over the pane.
    Dialog(Box<Dialog>),
    /// Send a command to the database worker.
    Send(Command),
    /// Ask the far side (a distributor) by a task of its own, off the database worker.
    Call(Command),
    /// Load something from the database.
    Load(Load),
    /// Say something in the status line.
    Say(Tone, String),
    /// Show the service's refusal at once.
    Refuse(RuleError),
    /// Open an order in detail (on the Orders pane).
    OpenOrder(PoNumber),
    /// Go to another pane.
    Switch(Pane),
    /// Back to the pane before (from settings).
    Back,
    /// Ring the bell.
    Bell,
}

impl From<Result<(), Ask>> for Ask {
    /// An allowed action asks nothing by itself; a refused one asks for its refusal.
    fn from(r: Result<(), Ask>) -> Ask {
        r.err().unwrap_or(Ask::Nothing)
    }
}

/// Moves a cursor by a navigation action; returns whether it was one.
pub fn navigate(cursor: &mut Cursor, a: Action, len: usize) -> bool {
    match a {
        Action::Up => cursor.up(1),
        Action::Down => cursor.down(1, len),
        Action::PageUp => cursor.up(10),
        Action::PageDown => cursor.down(10, len),
        Action::Top => cursor.top(),
        Action::Bottom => cursor.bottom(len),
        _ => return false,
    }
    true
}

/// Turns a submitted form into a command, or says what is wrong with it.
pub fn form_command(ctx: &Ctx, form: &Form) -> Result<Command, FormError> {
    match &form.purpose {
        Purpose::Dismiss(ids) => pending::dismiss_command(form, ids),
        Purpose::Split(id) => pending::split_command(form, *id),
        Purpose::CreateOrder { items, .. } => pending::create_order_command(ctx, form, items),
        Purpose::Place { po, approve } => orders::place_command(form, *po, *approve),
        Purpose::EditOrder { po, was } => order_edit::edit_command(form, *po, was),
        Purpose::Reject(po) => approvals::reject_command(form, *po),
        Purpose::AddRule => settings::add_rule_command(form),
        Purpose::ImportQuotes => pending::import_command(form),
    }
}

/// The command a pick list's answer asks for, if any was chosen.
pub fn picked_command(purpose: PickPurpose, chosen: Vec<u64>) -> Option<Command> {
    if chosen.is_empty() {
        return None;
    }
    Some(match purpose {
        PickPurpose::OrderFor(ids) => Command::AddToOrder {
            po: PoNumber(chosen[0]),
            ids,
            others: crate::app::OtherDistributors::Refuse,
        },
        PickPurpose::ItemsFor(po) => Command::AddToOrder {
            po,
            ids: chosen,
            others: crate::app::OtherDistributors::Refuse,
        },
        // Chosen in the screens alone: see `OrdersPane::status_chosen`.
        PickPurpose::OrderStatus => return None,
    })
}

/// Draws the bordered frame of a list of orders; returns the area for the rows, or `None`
/// after saying the orders are still loading or that the list is `empty`.
fn orders_frame(ctx: &Ctx, f: &mut Frame, area: Rect, title: String, is_empty: bool, empty: &str) -> Option<Rect> {
    let th = ctx.theme;
    let block = Block::bordered()
        .title(Span::styled(title, th.title))
        .border_style(th.border);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let note = if !ctx.data.orders_loaded {
        "loading orders…"
    } else if is_empty {
        empty
    } else {
        return Some(inner);
    };
    f.render_widget(Paragraph::new(note).style(th.muted), inner);
    None
}

/// The search line of a list, when it is shown, and the note when nothing matches;
/// returns the area left for the rows, or `None` when there are none to draw.
fn search_line(
    ctx: &Ctx,
    search: &super::widgets::SearchBox,
    f: &mut Frame,
    inner: Rect,
    is_empty: bool,
    empty: &str,
) -> Option<Rect> {
    let th = ctx.theme;
    let shown = search.shown();
    let [line, rest] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Length(u16::from(shown)),
        ratatui::layout::Constraint::Min(0),
    ])
    .areas(inner);
    if shown {
        search.render(th, f, line);
    }
    if is_empty {
        f.render_widget(Paragraph::new(empty).style(th.muted), rest);
        return None;
    }
    Some(rest)
}
