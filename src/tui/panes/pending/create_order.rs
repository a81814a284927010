//! Creating an order from the Pending pane: the form for the marked pool items, the
//! quote's ship-to filled in when it arrives, and the submitted form turned into a
//! command.

use super::PendingPane;
use crate::app::{CreateOrder, OtherDistributors};
use crate::domain::money::group_thousands;
use crate::domain::{Address, ItemId, OrderType, PendingItem};
use crate::tui::commands::{Command, Load};
use crate::tui::error::FormError;
use crate::tui::form::{Dialog, Field, Form, Purpose};
use crate::tui::panes::order_edit::{address_fields, address_from, check_ship_to, fill_address, SHIP_TO, TYPES};
use crate::tui::panes::{Ask, Ctx};
use crate::tui::widgets::Tone;
use rust_decimal::Decimal;

impl PendingPane {
    /// The create-order form for the marked pool items (or the one under the cursor),
    /// and the load of the quote's ship-to to fill it.
    pub(super) fn create_order_dialog(&self, ctx: &Ctx) -> Vec<Ask> {
        let items: Vec<&PendingItem> = self.targets(ctx).into_iter().filter(|i| i.is_pending()).collect();
        if items.is_empty() {
            return vec![Ask::Say(
                Tone::Error,
                "nothing to order: mark pool items with space first".into(),
            )];
        }
        let ids: Vec<ItemId> = items.iter().map(|i| i.id).collect();
        let quote = items[0].quote_id.to_string();
        let dists = ctx.distributors();
        // The items' own distributor: the one they share, else the one most of them name
        // (creating asks first when any item is another distributor's).
        let idx = items_distributor(&items)
            .and_then(|d| dists.iter().position(|(k, _)| *k == d))
            .unwrap_or(0);
        if dists.is_empty() {
            return vec![Ask::Say(
                Tone::Error,
                "no distributors are configured; add a [distributors.KEY] section".into(),
            )];
        }
        let total: Decimal = items.iter().map(|i| i.total_cost()).sum();
        let title = format!(
            "New order: {} item(s), {} {}",
            ids.len(),
            group_thousands(total),
            items[0].currency
        );
        let form = Form::new(
            &title,
            Purpose::CreateOrder {
                items: ids,
                quote: quote.clone(),
                quote_ship_to: None,
                warehouse: warehouse(ctx).map(Box::new),
            },
            vec![
                Field::choice(
                    "Distributor",
                    dists.iter().map(|(k, n)| format!("{n} ({k})")).collect(),
                    idx,
                ),
                Field::choice("Type", TYPES.iter().map(|(_, l)| l.to_string()).collect(), 0),
            ]
            .into_iter()
            // Wholesale (the type offered first) ships to our warehouse.
            .chain(address_fields(SHIP_TO, warehouse(ctx).as_ref()))
            .chain([Field::text("Special bid", ""), Field::text("Notes", "")])
            .collect(),
        )
        .with_note(format!(
            "Wholesale ships to our warehouse; dropship to the ship-to of quote {quote}. Type another address to \
             send it elsewhere."
        ));
        vec![
            Ask::Dialog(Box::new(Dialog::Form(form))),
            Ask::Load(Load::ShipTo(quote)),
        ]
    }
}

/// Our warehouse, from `[company.warehouse]`.
fn warehouse(ctx: &Ctx) -> Option<Address> {
    ctx.config.company.as_ref().and_then(crate::config::Company::warehouse)
}

/// Whether the buyer typed into the ship-to fields (Purser's own fillings aside).
fn ship_to_typed(form: &Form) -> bool {
    form.fields
        .iter()
        .zip(&form.filled)
        .any(|(f, filled)| f.label.starts_with(SHIP_TO) && f.value().trim() != filled.trim())
}

/// The Type of a create-order form changed: its untyped ship-to follows (our warehouse
/// for wholesale, the quote's ship-to for dropship).
pub fn type_chosen(form: &mut Form) {
    if ship_to_typed(form) {
        return;
    }
    let (order_type, _) = TYPES[form.get("Type").idx().min(TYPES.len() - 1)];
    let Purpose::CreateOrder {
        quote_ship_to,
        warehouse,
        ..
    } = &form.purpose
    else {
        return;
    };
    let a = match order_type {
        OrderType::Dropship => quote_ship_to,
        OrderType::Wholesale => warehouse,
    };
    let a = a.as_deref().cloned().unwrap_or_default();
    fill_address(form, SHIP_TO, &a);
}

/// The quote's ship-to arrived: kept with the create-order form of that quote, and
/// shown when the order is a dropship (and the buyer typed no other address).
pub fn ship_to_arrived(dialog: Option<&mut Dialog>, quote: &str, addr: Option<Address>) {
    let Some(Dialog::Form(form)) = dialog else {
        return;
    };
    let Purpose::CreateOrder {
        quote: q,
        quote_ship_to,
        ..
    } = &mut form.purpose
    else {
        return;
    };
    if q != quote {
        return;
    }
    *quote_ship_to = addr.map(Box::new);
    type_chosen(form);
}

/// The order the submitted form describes, or what is wrong with it.
pub fn create_order_command(ctx: &Ctx, form: &Form, items: &[ItemId]) -> Result<Command, FormError> {
    let dists = ctx.distributors();
    let distributor = dists
        .get(form.get("Distributor").idx())
        .map(|(k, _)| k.clone())
        .ok_or(FormError::NoDistributor)?;
    let (order_type, _) = TYPES[form.get("Type").idx().min(TYPES.len() - 1)];
    let opt = |label: &str| Some(form.get(label).value().trim().to_string()).filter(|s| !s.is_empty());
    // Wholesale goes to our warehouse, unless the buyer typed another address over the
    // quote's (which the form shows for dropship): then it goes there, as in the
    // edit form.
    let typed_ship_to = ship_to_typed(form);
    let ship_to = match order_type {
        OrderType::Wholesale if !typed_ship_to => None,
        OrderType::Wholesale | OrderType::Dropship => {
            let a = address_from(form, SHIP_TO).unwrap_or_default();
            check_ship_to(&a)?;
            Some(a)
        }
    };
    Ok(Command::CreateOrder(
        Box::new(CreateOrder {
            distributor,
            order_type,
            ship_to,
            special_bid: opt("Special bid"),
            end_user: None,
            notes: opt("Notes"),
            items: items.to_vec(),
        }),
        OtherDistributors::Refuse,
    ))
}

/// The distributor the items name most (the first item's on a tie); `None` when none names one.
fn items_distributor(items: &[&PendingItem]) -> Option<String> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for d in items.iter().filter_map(|i| i.distributor.as_deref()) {
        match counts.iter_mut().find(|(k, _)| *k == d) {
            Some((_, n)) => *n += 1,
            None => counts.push((d, 1)),
        }
    }
    let most = counts.iter().map(|(_, n)| *n).max()?;
    counts.iter().find(|(_, n)| *n == most).map(|(d, _)| d.to_string())
}
