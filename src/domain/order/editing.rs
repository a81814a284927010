//! Building and editing a pending order: creating it from pool items, adding and
//! removing lines, and editing its header, with the rules that guard each change.

use super::{clean, Order, OrderLine, OrderType, Stage};
use crate::domain::approval::ApprovalRule;
use crate::domain::{Address, ItemId, PendingItem, PoNumber, RuleError, Timestamp};
use rust_decimal::Decimal;

/// Rules on an order that depend on the connected PSA.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderPolicy {
    /// HaloPSA: all items of one order belong to one customer company.
    pub one_company_per_order: bool,
    /// The person confirmed ordering items of another distributor from this order's.
    pub other_distributors_confirmed: bool,
}

/// The fields a buyer can edit while an order is pending.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrderEdit {
    pub order_type: Option<OrderType>,
    /// `Some(None)` clears it: a wholesale order then ships to the reseller, a dropship
    /// order to the quote's ship-to.
    pub ship_to: Option<Option<Address>>,
    pub special_bid: Option<Option<String>>,
    pub end_user: Option<Option<Address>>,
    pub notes: Option<Option<String>>,
    pub shipping: Option<Decimal>,
}

/// Everything needed to create an order.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    pub number: PoNumber,
    pub distributor: String,
    pub order_type: OrderType,
    pub ship_to: Option<Address>,
    /// The quote's ship-to, used for a dropship order given none.
    pub quote_ship_to: Option<Address>,
    pub special_bid: Option<String>,
    pub end_user: Option<Address>,
    pub notes: Option<String>,
    pub created_by: &'a str,
    pub now: Timestamp,
    pub rules: Vec<ApprovalRule>,
    pub policy: OrderPolicy,
}

fn resolve_ship_to(
    order_type: OrderType,
    given: Option<Address>,
    fallback: Option<Address>,
    quote_id: &str,
) -> Result<Option<Address>, RuleError> {
    // Wholesale goes to us unless another address is given; dropship to the customer.
    let addr = match order_type {
        OrderType::Wholesale => match given {
            Some(a) => a,
            None => return Ok(None),
        },
        OrderType::Dropship => given.or(fallback).ok_or_else(|| RuleError::ShipToMissing {
            quote: quote_id.to_string(),
        })?,
    };
    let missing = addr.missing_for_shipping();
    if missing.is_empty() {
        Ok(Some(addr))
    } else {
        Err(RuleError::ShipToIncomplete {
            missing: missing.join(", "),
        })
    }
}

impl Order {
    /// Creates a pending order from pending items (all in the pool, one currency).
    pub fn create(new: NewOrder<'_>, items: &[PendingItem]) -> Result<Order, RuleError> {
        let first = items.first().ok_or(RuleError::EmptyOrder)?;
        let ship_to = resolve_ship_to(new.order_type, new.ship_to, new.quote_ship_to, &first.quote_id)?;
        let mut order = Order {
            number: new.number,
            distributor: new.distributor,
            order_type: new.order_type,
            currency: first.currency.to_string(),
            ship_to,
            special_bid: clean(new.special_bid),
            end_user: new.end_user,
            notes: clean(new.notes),
            shipping: Decimal::ZERO,
            created_by: new.created_by.to_string(),
            created_at: new.now,
            rules: new.rules,
            lines: Vec::new(),
            receipts: Vec::new(),
            rejections: Vec::new(),
            stage: Stage::Pending,
            sending: None,
            errors: Vec::new(),
            api: None,
        };
        order.add_items(items, new.policy)?;
        Ok(order)
    }

    /// Whether the order's items and header may change now: while it is pending.
    /// `action` names the change in a refusal ("editing", "adding items").
    pub fn may_change(&self, action: &'static str) -> Result<(), RuleError> {
        self.not_being_sent()?;
        if self.stage == Stage::Pending {
            Ok(())
        } else {
            Err(self.wrong_status(action, "Pending"))
        }
    }

    /// Adds pool items to a pending order.
    pub fn add_items(&mut self, items: &[PendingItem], policy: OrderPolicy) -> Result<(), RuleError> {
        self.may_change("adding items")?;
        if items.is_empty() {
            return Err(RuleError::EmptyOrder);
        }
        for (i, item) in items.iter().enumerate() {
            if !item.is_pending() {
                return Err(RuleError::ItemNotPending {
                    id: item.id,
                    state: item.state.to_string(),
                    action: "ordering",
                });
            }
            if items[..i].iter().any(|o| o.id == item.id) || self.lines.iter().any(|l| l.item_id == item.id) {
                return Err(RuleError::DuplicateItem(item.id));
            }
            if let Some(d) = item.distributor.as_deref().filter(|d| *d != self.distributor) {
                if !policy.other_distributors_confirmed {
                    return Err(RuleError::OtherDistributor {
                        id: item.id,
                        item_distributor: d.to_string(),
                        order_distributor: self.distributor.clone(),
                    });
                }
            }
            if item.currency != self.currency {
                return Err(RuleError::MixedCurrency {
                    id: item.id,
                    item_currency: item.currency.to_string(),
                    // While being created the order has no number yet that people know.
                    po: if self.lines.is_empty() {
                        "the order".to_string()
                    } else {
                        self.number.to_string()
                    },
                    order_currency: self.currency.clone(),
                });
            }
            if policy.one_company_per_order {
                // The PSA company, or the customer itself when either has no PSA id.
                let key = |psa: Option<&str>, customer: &str| match psa {
                    Some(id) => format!("psa:{id}"),
                    None => format!("customer:{customer}"),
                };
                let first_company = self
                    .lines
                    .first()
                    .map(|l| {
                        (
                            key(l.psa_company_id.as_deref(), &l.customer_id),
                            l.customer_name.clone(),
                        )
                    })
                    .unwrap_or_else(|| {
                        (
                            key(items[0].psa_company_id.as_deref(), &items[0].customer_id),
                            items[0].customer_name.to_string(),
                        )
                    });
                if key(item.psa_company_id.as_deref(), &item.customer_id) != first_company.0 {
                    return Err(RuleError::MixedCompany {
                        id: item.id,
                        item_company: item.customer_name.to_string(),
                        order_company: first_company.1,
                    });
                }
            }
        }
        let distributor = self.distributor.clone();
        self.lines.extend(
            items
                .iter()
                .map(|i| OrderLine::from_item(i).for_distributor(i, &distributor)),
        );
        Ok(())
    }

    /// Removes items from a pending order; at least one line must stay.
    pub fn remove_items(&mut self, ids: &[ItemId]) -> Result<(), RuleError> {
        self.may_change("removing items")?;
        for (i, id) in ids.iter().enumerate() {
            if ids[..i].contains(id) {
                return Err(RuleError::DuplicateItem(*id));
            }
            if !self.lines.iter().any(|l| l.item_id == *id) {
                return Err(RuleError::ItemNotOnOrder {
                    id: *id,
                    po: self.number,
                });
            }
        }
        if self.lines.len() <= ids.len() {
            return Err(RuleError::WouldEmptyOrder {
                id: ids[0],
                po: self.number,
            });
        }
        self.lines.retain(|l| !ids.contains(&l.item_id));
        Ok(())
    }

    /// Edits the header of a pending order.
    pub fn edit(&mut self, edit: OrderEdit, quote_ship_to: Option<Address>) -> Result<(), RuleError> {
        self.may_change("editing")?;
        if edit.shipping.is_some_and(|s| s.is_sign_negative() && !s.is_zero()) {
            return Err(RuleError::Negative { what: "shipping" });
        }
        if let Some(why) = edit.shipping.and_then(crate::domain::money::check_max) {
            return Err(RuleError::TooLarge { what: "shipping", why });
        }
        let order_type = edit.order_type.unwrap_or(self.order_type);
        // The ship-to is worked out (and checked) again only when it or the type changes, so
        // that editing the notes of an older order is never refused over its address.
        if edit.ship_to.is_some() || order_type != self.order_type {
            // Turning a dropship order into a wholesale one without naming an address sends
            // it to us, not to the customer it was going to.
            let to_wholesale = order_type == OrderType::Wholesale && self.order_type == OrderType::Dropship;
            let given = match edit.ship_to {
                Some(given) => given,
                None if to_wholesale => None,
                None => self.ship_to.clone(),
            };
            let quote_id = self.lines.first().map(|l| l.quote_id.clone()).unwrap_or_default();
            self.ship_to = resolve_ship_to(order_type, given, quote_ship_to, &quote_id)?;
            self.order_type = order_type;
        }
        if let Some(bid) = edit.special_bid {
            self.special_bid = clean(bid);
        }
        if let Some(end_user) = edit.end_user {
            self.end_user = end_user;
        }
        if let Some(notes) = edit.notes {
            self.notes = clean(notes);
        }
        if let Some(shipping) = edit.shipping {
            self.shipping = shipping;
        }
        Ok(())
    }
}
