//! One module per pane: its state, what its actions do, and how it is drawn.

pub mod approvals;
pub mod audit;
pub mod order_edit;
pub mod orders;
pub mod pending;
pub mod receiving;
pub mod settings;

use super::error::FormError;
use super::form::{Form, PickPurpose, Purpose};
use super::screen::App;
use super::worker::Command;
use crate::domain::PoNumber;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

impl App {
    /// Turns a submitted form into a command, or says what is wrong with it.
    pub(super) fn submit_form(&mut self, form: &Form) -> Result<Command, FormError> {
        match &form.purpose {
            Purpose::Dismiss(ids) => pending::dismiss_command(form, ids),
            Purpose::Split(id) => pending::split_command(form, *id),
            Purpose::CreateOrder { items, .. } => self.create_order_command(form, items),
            Purpose::Place { po, approve } => orders::place_command(form, *po, *approve),
            Purpose::EditOrder { po, was } => order_edit::edit_command(form, *po, was),
            Purpose::Reject(po) => approvals::reject_command(form, *po),
            Purpose::AddRule => settings::add_rule_command(form),
            Purpose::ImportQuotes => pending::import_command(form),
        }
    }

    /// A pick list was answered.
    pub(super) fn picked(&mut self, purpose: PickPurpose, chosen: Vec<u64>) {
        if chosen.is_empty() {
            return;
        }
        match purpose {
            PickPurpose::OrderFor(ids) => self.send(Command::AddToOrder {
                po: PoNumber(chosen[0]),
                ids,
            }),
            PickPurpose::ItemsFor(po) => self.send(Command::AddToOrder { po, ids: chosen }),
        }
    }
}

/// Draws the bordered frame of a list of orders; returns the area for the rows, or `None`
/// after saying the orders are still loading or that the list is `empty`.
fn orders_frame(app: &App, f: &mut Frame, area: Rect, title: String, is_empty: bool, empty: &str) -> Option<Rect> {
    let th = &app.theme;
    let block = Block::bordered()
        .title(Span::styled(title, th.title))
        .border_style(th.border);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let note = if !app.data.orders_loaded {
        "loading orders…"
    } else if is_empty {
        empty
    } else {
        return Some(inner);
    };
    f.render_widget(Paragraph::new(note).style(th.muted), inner);
    None
}
