//! Creating an order from the Pending pane: the form for the marked pool items, the
//! quote's ship-to filled in when it arrives, and the submitted form turned into a
//! command.

use crate::app::CreateOrder;
use crate::domain::money::group_thousands;
use crate::domain::{Address, ItemId, OrderType, PendingItem};
use crate::tui::error::FormError;
use crate::tui::form::{Dialog, Field, Form, Purpose};
use crate::tui::panes::order_edit::{address_fields, address_from, check_ship_to, fill_address, SHIP_TO, TYPES};
use crate::tui::screen::{App, Tone};
use crate::tui::worker::{Command, Load};
use rust_decimal::Decimal;

impl App {
    /// Opens the create-order form for the marked pool items (or the one under the cursor).
    pub(super) fn open_create_order(&mut self) {
        let items: Vec<&PendingItem> = self.targets().into_iter().filter(|i| i.is_pending()).collect();
        if items.is_empty() {
            return self.info(Tone::Error, "nothing to order: mark pool items with space first");
        }
        let ids: Vec<ItemId> = items.iter().map(|i| i.id).collect();
        let quote = items[0].quote_id.to_string();
        let dists = self.distributors();
        let common = items[0]
            .distributor
            .clone()
            .filter(|d| items.iter().all(|i| i.distributor.as_deref() == Some(d)));
        let idx = common
            .and_then(|d| dists.iter().position(|(k, _)| *k == d))
            .unwrap_or(0);
        if dists.is_empty() {
            return self.info(
                Tone::Error,
                "no distributors are configured; add a [distributors.KEY] section",
            );
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
            .chain(address_fields(SHIP_TO, None))
            .chain([Field::text("Special bid", ""), Field::text("Notes", "")])
            .collect(),
        )
        .with_note(format!(
            "Ship-to from quote {quote}: dropship goes there; wholesale goes to us unless you change it."
        ));
        self.dialog = Some(Dialog::Form(form));
        self.load(Load::ShipTo(quote));
    }

    /// The quote's ship-to arrived: fill the create-order form if it is still empty.
    pub(crate) fn ship_to_arrived(&mut self, quote: &str, addr: Option<Address>) {
        let Some(Dialog::Form(form)) = self.dialog.as_mut() else {
            return;
        };
        if !matches!(&form.purpose, Purpose::CreateOrder { quote: q, .. } if q == quote) {
            return;
        }
        let Some(a) = addr else { return };
        if address_from(form, SHIP_TO).is_none() {
            fill_address(form, SHIP_TO, &a);
        }
    }

    pub(in crate::tui::panes) fn create_order_command(
        &mut self,
        form: &Form,
        items: &[ItemId],
    ) -> Result<Command, FormError> {
        let dists = self.distributors();
        let distributor = dists
            .get(form.get("Distributor").idx())
            .map(|(k, _)| k.clone())
            .ok_or(FormError::NoDistributor)?;
        let (order_type, _) = TYPES[form.get("Type").idx().min(TYPES.len() - 1)];
        let opt = |label: &str| Some(form.get(label).value().trim().to_string()).filter(|s| !s.is_empty());
        // Wholesale goes to our warehouse, unless the buyer typed another address over the
        // quote's (which the form shows for dropship): then it goes there, as in the
        // edit form.
        let typed_ship_to = form
            .fields
            .iter()
            .zip(&form.filled)
            .any(|(f, filled)| f.label.starts_with(SHIP_TO) && f.value().trim() != filled.trim());
        let ship_to = match order_type {
            OrderType::Wholesale if !typed_ship_to => None,
            OrderType::Wholesale | OrderType::Dropship => {
                let a = address_from(form, SHIP_TO).unwrap_or_default();
                check_ship_to(&a)?;
                Some(a)
            }
        };
        self.pending.marks.clear();
        Ok(Command::CreateOrder(Box::new(CreateOrder {
            distributor,
            order_type,
            ship_to,
            special_bid: opt("Special bid"),
            end_user: None,
            notes: opt("Notes"),
            items: items.to_vec(),
        })))
    }
}
