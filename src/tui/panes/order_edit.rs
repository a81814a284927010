//! The header form of a pending order (type, ship-to, special bid, end user, notes,
//! shipping), and the address fields it shares with the create-order form.

use super::{Ask, Ctx};
use crate::domain::money::{group_thousands, parse_typed_amount, KeepScale};
use crate::domain::order::OrderEdit;
use crate::domain::{Address, OrderType, PoNumber};
use crate::tui::commands::Command;
use crate::tui::error::FormError;
use crate::tui::form::{Dialog, Field, Form, Purpose};
use crate::tui::widgets::Tone;

/// Label prefixes of the two addresses.
pub(crate) const SHIP_TO: &str = "Ship-to";
pub(crate) const END_USER: &str = "End user";

/// The order types of the Type choice, in order.
pub(crate) const TYPES: [(OrderType, &str); 2] =
    [(OrderType::Wholesale, "wholesale"), (OrderType::Dropship, "dropship")];

/// The parts of an address, in the order people write them.
fn parts(a: &mut Address) -> [(&'static str, &mut Option<String>); 9] {
    [
        ("name", &mut a.name),
        ("attention", &mut a.attention),
        ("street", &mut a.street),
        ("city", &mut a.city),
        ("state", &mut a.state),
        ("postal code", &mut a.postal_code),
        ("country", &mut a.country),
        ("phone", &mut a.phone),
        ("email", &mut a.email),
    ]
}

fn label(prefix: &str, part: &str) -> String {
    format!("{prefix} {part}")
}

/// One text field per part of an address, labelled "PREFIX part" and filled from `a`.
pub(crate) fn address_fields(prefix: &str, a: Option<&Address>) -> Vec<Field> {
    let mut a = a.cloned().unwrap_or_default();
    parts(&mut a)
        .into_iter()
        .map(|(part, v)| Field::text(&label(prefix, part), v.as_deref().unwrap_or("")))
        .collect()
}

/// Puts `a` into the address fields of `form`.
pub(crate) fn fill_address(form: &mut Form, prefix: &str, a: &Address) {
    let mut a = a.clone();
    for (part, v) in parts(&mut a) {
        form.set_text(&label(prefix, part), v.as_deref().unwrap_or(""));
    }
}

/// The address typed into `form`; `None` when every part is blank.
pub(crate) fn address_from(form: &Form, prefix: &str) -> Option<Address> {
    let mut a = Address::default();
    let mut any = false;
    for (part, v) in parts(&mut a) {
        let text = form.get(&label(prefix, part)).value().trim();
        if !text.is_empty() {
            *v = Some(text.to_string());
            any = true;
        }
    }
    any.then_some(a)
}

/// A ship-to must name where to deliver.
pub(crate) fn check_ship_to(ship_to: &Address) -> Result<(), FormError> {
    let missing = ship_to.missing_for_shipping();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(FormError::ShipToIncomplete(missing))
    }
}

/// Every header field as the form holds it (trimmed; blank is none), not yet checked.
fn read_header(form: &Form) -> Result<OrderEdit, FormError> {
    let (order_type, _) = TYPES[form.get("Type").idx().min(TYPES.len() - 1)];
    let text = |label: &str| Some(form.get(label).value().trim().to_string()).filter(|s| !s.is_empty());
    let shipping = match form.get("Shipping").value().trim() {
        "" => rust_decimal::Decimal::ZERO,
        s => parse_typed_amount(s).map_err(|why| FormError::Amount { field: "shipping", why })?,
    };
    Ok(OrderEdit {
        order_type: Some(order_type),
        ship_to: Some(address_from(form, SHIP_TO)),
        special_bid: Some(text("Special bid")),
        end_user: Some(address_from(form, END_USER)),
        notes: Some(text("Notes")),
        shipping: Some(shipping),
    })
}

/// The header form of a pending order, filled with what it holds now; or why the user
/// may not edit it (by the service's answer).
pub(super) fn edit_dialog(ctx: &Ctx, po: PoNumber) -> Ask {
    if let Err(refused) = ctx.may_on_order(po, crate::app::OrderAction::Edit) {
        return refused;
    }
    let Some(o) = ctx.data.order(po) else {
        return Ask::Nothing;
    };
    let type_idx = TYPES.iter().position(|(t, _)| *t == o.order_type).unwrap_or(0);
    let mut fields = vec![Field::choice(
        "Type",
        TYPES.iter().map(|(_, l)| l.to_string()).collect(),
        type_idx,
    )];
    fields.extend(address_fields(SHIP_TO, o.ship_to.as_ref()));
    fields.push(Field::text("Special bid", o.special_bid.as_deref().unwrap_or("")));
    fields.extend(address_fields(END_USER, o.end_user.as_ref()));
    fields.push(Field::text("Notes", o.notes.as_deref().unwrap_or("")));
    fields.push(Field::text("Shipping", &o.shipping.normalize_keep_scale().to_string()));
    let title = format!(
        "Edit {po}: {} · {} {}",
        ctx.config.distributor_name(&o.distributor),
        group_thousands(o.total()),
        o.currency
    );
    let note = "Only what you change is saved. A blank ship-to: wholesale ships to us, dropship \
         to the quote's ship-to. A blank end user removes it.";
    let purpose = Purpose::EditOrder {
        po,
        was: Box::default(),
    };
    let mut form = Form::new(&title, purpose, fields).with_note(note);
    // What the form shows, read back the way a submission is read, so that a stored
    // value the form shows differently (untrimmed, say) does not count as a change.
    let was = match read_header(&form) {
        Ok(was) => was,
        Err(e) => return Ask::Say(Tone::Error, format!("{po} cannot be edited here: {e}")),
    };
    if let Purpose::EditOrder { was: slot, .. } = &mut form.purpose {
        **slot = was;
    }
    Ask::Dialog(Box::new(Dialog::Form(form)))
}

/// The changes typed into the header form, compared with the header it was opened on, so
/// that saving never undoes what someone else changed meanwhile in another field.
pub fn edit_command(form: &Form, po: PoNumber, was: &OrderEdit) -> Result<Command, FormError> {
    let now = read_header(form)?;
    fn changed<T: PartialEq>(now: Option<T>, was: &Option<T>) -> Option<T> {
        now.filter(|v| Some(v) != was.as_ref())
    }
    let edit = OrderEdit {
        order_type: changed(now.order_type, &was.order_type),
        ship_to: changed(now.ship_to, &was.ship_to),
        special_bid: changed(now.special_bid, &was.special_bid),
        end_user: changed(now.end_user, &was.end_user),
        notes: changed(now.notes, &was.notes),
        shipping: changed(now.shipping, &was.shipping),
    };
    if edit == OrderEdit::default() {
        return Err(FormError::NothingChanged);
    }
    // A changed address must be whole; an unchanged one stays as it is.
    if let Some(Some(a)) = &edit.ship_to {
        check_ship_to(a)?;
    }
    Ok(Command::EditOrder {
        po,
        edit: Box::new(edit),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(city: &str) -> Address {
        Address {
            name: Some("Dentalcare West".into()),
            street: Some("Kanaalweg 12".into()),
            city: Some(city.into()),
            postal_code: Some("3526 KL".into()),
            country: Some("NL".into()),
            email: Some("desk@dentalcare.example".into()),
            ..Address::default()
        }
    }

    /// The form as `edit_dialog` lays it out, and what it held when opened.
    fn form(ship_to: Option<&Address>) -> (Form, OrderEdit) {
        let mut fields = vec![Field::choice("Type", vec!["wholesale".into(), "dropship".into()], 1)];
        fields.extend(address_fields(SHIP_TO, ship_to));
        fields.push(Field::text("Special bid", ""));
        fields.extend(address_fields(END_USER, None));
        fields.push(Field::text("Notes", ""));
        fields.push(Field::text("Shipping", "0.00"));
        let f = Form::new("t", Purpose::AddRule, fields);
        let was = read_header(&f).unwrap();
        (f, was)
    }

    fn edit_of(c: Command) -> OrderEdit {
        match c {
            Command::EditOrder { edit, .. } => *edit,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_address_goes_through_its_fields_unchanged() {
        let a = addr("Utrecht");
        let (f, _) = form(Some(&a));
        assert_eq!(address_from(&f, SHIP_TO), Some(a.clone()));
        assert_eq!(address_from(&f, END_USER), None, "blank fields are no address");
        let (mut f, _) = form(None);
        fill_address(&mut f, END_USER, &a);
        assert_eq!(address_from(&f, END_USER), Some(a));
    }

    #[test]
    fn only_changed_fields_are_sent() {
        let a = addr("Utrecht");
        let (mut f, was) = form(Some(&a));
        let e = edit_command(&f, PoNumber(1), &was).unwrap_err().to_string();
        assert!(e.contains("nothing changed"), "{e}");
        f.set_text("Notes", "  call before delivery ");
        f.set_text("Ship-to city", "Amersfoort");
        let edit = edit_of(edit_command(&f, PoNumber(1), &was).unwrap());
        assert_eq!(
            edit,
            OrderEdit {
                ship_to: Some(Some(addr("Amersfoort"))),
                notes: Some(Some("call before delivery".into())),
                ..OrderEdit::default()
            }
        );
    }

    #[test]
    fn a_stored_value_shown_differently_is_no_change() {
        // Stored as a file gave it: padded, with an empty part.
        let padded = Address {
            country: Some(" NL ".into()),
            state: Some(String::new()),
            ..addr("Utrecht")
        };
        let (f, was) = form(Some(&padded));
        let e = edit_command(&f, PoNumber(1), &was).unwrap_err().to_string();
        assert!(e.contains("nothing changed"), "{e}");
    }

    #[test]
    fn blank_fields_clear_and_bad_values_are_named() {
        let a = addr("Utrecht");
        let (mut f, was) = form(Some(&a));
        fill_address(&mut f, SHIP_TO, &Address::default());
        let edit = edit_of(edit_command(&f, PoNumber(1), &was).unwrap());
        assert_eq!(edit.ship_to, Some(None), "a blank ship-to clears it");
        let (mut f, was) = form(Some(&a));
        f.set_text("Ship-to street", " ");
        let e = edit_command(&f, PoNumber(1), &was).unwrap_err().to_string();
        assert!(e.contains("missing: street"), "{e}");
        let (mut f, was) = form(Some(&a));
        f.set_text("Shipping", "twelve");
        let e = edit_command(&f, PoNumber(1), &was).unwrap_err().to_string();
        assert!(e.starts_with("shipping:"), "{e}");
        f.set_text("Shipping", "-5");
        let e = edit_command(&f, PoNumber(1), &was).unwrap_err().to_string();
        assert!(e.contains("negative"), "{e}");
        f.set_text("Shipping", "1250.5");
        let edit = edit_of(edit_command(&f, PoNumber(1), &was).unwrap());
        assert_eq!(edit.shipping, Some("1250.50".parse().unwrap()));
        // The grouping the screens show is taken; an ambiguous one is refused.
        f.set_text("Shipping", "1,250.50");
        let edit = edit_of(edit_command(&f, PoNumber(1), &was).unwrap());
        assert_eq!(edit.shipping, Some("1250.50".parse().unwrap()));
        f.set_text("Shipping", "1,250");
        let e = edit_command(&f, PoNumber(1), &was).unwrap_err().to_string();
        assert!(e.starts_with("shipping:") && e.contains("ambiguous"), "{e}");
        f.set_text("Shipping", "");
        let e = edit_command(&f, PoNumber(1), &was).unwrap_err().to_string();
        assert!(e.contains("nothing changed"), "blank shipping is none: {e}");
    }
}
