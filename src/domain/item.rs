//! Pending items: quote lines awaiting an order, and what can happen to them in the pool.

use super::{quote::Quote, quote::QuoteLine, ItemId, PoNumber, RuleError, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an item stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ItemState {
    /// In the pool, waiting to be ordered.
    Pending,
    /// Taken out of the pool by a person, with the reason.
    Dismissed {
        #[serde(rename = "dismissed_reason")]
        reason: String,
        #[serde(rename = "dismissed_by")]
        by: String,
        #[serde(rename = "dismissed_at")]
        at: Timestamp,
    },
    /// On a purchase order (any status but cancelled).
    Ordered { po: PoNumber },
}

impl ItemState {
    /// The word used in lists and `--json` output.
    pub fn label(&self) -> &'static str {
        match self {
            ItemState::Pending => "pending",
            ItemState::Dismissed { .. } => "dismissed",
            ItemState::Ordered { .. } => "ordered",
        }
    }
}

impl fmt::Display for ItemState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemState::Ordered { po } => write!(f, "on {po}"),
            other => f.write_str(other.label()),
        }
    }
}

/// Text held by the many pending items: short values (ids, SKUs, codes) stay inline,
/// without an allocation each, so a pool of 100,000 items stays small in memory.
pub type Text = compact_str::CompactString;

/// One quote line (or a split part of one) that entered procurement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingItem {
    pub id: ItemId,
    pub quote_id: Text,
    pub quote_number: Option<Text>,
    pub line_id: Text,
    pub customer_id: Text,
    pub customer_name: Text,
    pub psa_company_id: Option<Text>,
    pub sku: Text,
    pub mpn: Option<Text>,
    pub ean: Option<Text>,
    pub description: Text,
    pub quantity: u32,
    pub unit_cost: Decimal,
    pub unit_price: Decimal,
    pub currency: Text,
    pub distributor: Option<Text>,
    pub distributor_sku: Option<Text>,
    pub serialized: bool,
    pub pax8_product_id: Option<Text>,
    pub psa_product_id: Option<Text>,
    /// The item this one was split from, if any.
    pub split_from: Option<ItemId>,
    pub created_at: Timestamp,
    #[serde(flatten)]
    pub state: ItemState,
}

impl PendingItem {
    /// Builds the pending item for one quote line that enters procurement.
    pub fn from_quote_line(id: ItemId, quote: &Quote, line: &QuoteLine, now: Timestamp) -> Self {
        PendingItem {
            id,
            quote_id: quote.quote_id.as_str().into(),
            quote_number: quote.quote_number.as_deref().map(Text::from),
            line_id: line.line_id.as_str().into(),
            customer_id: quote.customer.id.as_str().into(),
            customer_name: quote.customer.name.as_str().into(),
            psa_company_id: quote.customer.psa_company_id.as_deref().map(Text::from),
            sku: line.sku.as_str().into(),
            mpn: line.mpn.as_deref().map(Text::from),
            ean: line.ean.as_deref().map(Text::from),
            description: line.description.as_str().into(),
            quantity: line.quantity,
            unit_cost: line.unit_cost,
            unit_price: line.unit_price,
            currency: quote.currency.as_str().into(),
            distributor: line.distributor.as_deref().map(Text::from),
            distributor_sku: line.distributor_sku.as_deref().map(Text::from),
            serialized: line.serialized,
            pax8_product_id: line.pax8_product_id.as_deref().map(Text::from),
            psa_product_id: line.psa_product_id.as_deref().map(Text::from),
            split_from: None,
            created_at: now,
            state: ItemState::Pending,
        }
    }

    pub fn is_pending(&self) -> bool {
        self.state == ItemState::Pending
    }

    /// Cost of the whole item: quantity × unit cost.
    pub fn total_cost(&self) -> Decimal {
        self.unit_cost * Decimal::from(self.quantity)
    }

    fn require_pending(&self, action: &'static str) -> Result<(), RuleError> {
        if self.is_pending() {
            Ok(())
        } else {
            Err(RuleError::ItemNotPending {
                id: self.id,
                state: self.state.to_string(),
                action,
            })
        }
    }

    /// Takes the item out of the pool with a reason.
    pub fn dismiss(&self, reason: &str, by: &str, at: Timestamp) -> Result<Self, RuleError> {
        self.require_pending("dismissing")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(RuleError::ReasonRequired("dismiss an item"));
        }
        Ok(PendingItem {
            state: ItemState::Dismissed {
                reason: reason.to_string(),
                by: by.to_string(),
                at,
            },
            ..self.clone()
        })
    }

    /// Returns a dismissed item to the pool.
    pub fn restore(&self) -> Result<Self, RuleError> {
        match self.state {
            ItemState::Dismissed { .. } => Ok(PendingItem {
                state: ItemState::Pending,
                ..self.clone()
            }),
            _ => Err(RuleError::ItemNotDismissed(self.id)),
        }
    }

    /// Splits `qty` units off into a new item with id `new_id`; returns (rest, split part).
    pub fn split(&self, qty: u32, new_id: ItemId, now: Timestamp) -> Result<(Self, Self), RuleError> {
        self.require_pending("splitting")?;
        if qty == 0 || qty >= self.quantity {
            return Err(RuleError::BadSplit {
                id: self.id,
                have: self.quantity,
            });
        }
        let rest = PendingItem {
            quantity: self.quantity - qty,
            ..self.clone()
        };
        let part = PendingItem {
            id: new_id,
            quantity: qty,
            split_from: Some(self.id),
            created_at: now,
            ..self.clone()
        };
        Ok((rest, part))
    }

    /// Puts the item on an order.
    pub fn order_on(&self, po: PoNumber) -> Result<Self, RuleError> {
        self.require_pending("ordering")?;
        Ok(PendingItem {
            state: ItemState::Ordered { po },
            ..self.clone()
        })
    }

    /// Returns an item from an order to the pool (removed from the order, or the order
    /// was cancelled).
    pub fn return_to_pool(&self, po: PoNumber) -> Result<Self, RuleError> {
        match self.state {
            ItemState::Ordered { po: on } if on == po => Ok(PendingItem {
                state: ItemState::Pending,
                ..self.clone()
            }),
            _ => Err(RuleError::ItemNotOnOrder { id: self.id, po }),
        }
    }

    /// Updates the unit cost (latest distributor cost); only in the pool.
    pub fn with_cost(&self, unit_cost: Decimal) -> Result<Self, RuleError> {
        self.require_pending("updating the cost")?;
        if unit_cost.is_sign_negative() && !unit_cost.is_zero() {
            return Err(RuleError::Negative { what: "a unit cost" });
        }
        if let Some(why) = super::money::check_max(unit_cost) {
            return Err(RuleError::TooLarge {
                what: "a unit cost",
                why,
            });
        }
        Ok(PendingItem {
            unit_cost,
            ..self.clone()
        })
    }

    /// Whether the item matches a free-text search (case-insensitive) over the fields a
    /// buyer looks for: customer, quote, SKU, MPN, description, distributor.
    pub fn matches_text(&self, needle_lower: &str) -> bool {
        if needle_lower.is_empty() {
            return true;
        }
        let hay = [
            Some(self.customer_name.as_str()),
            Some(self.customer_id.as_str()),
            Some(self.quote_id.as_str()),
            self.quote_number.as_deref(),
            Some(self.sku.as_str()),
            self.mpn.as_deref(),
            Some(self.description.as_str()),
            self.distributor.as_deref(),
            self.distributor_sku.as_deref(),
        ];
        hay.into_iter()
            .flatten()
            .any(|h| contains_ignore_ascii_case(h, needle_lower))
    }
}

/// Case-insensitive substring test without allocating; `needle` must be lower-case.
pub fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.len() > h.len() {
        return false;
    }
    h.windows(n.len())
        .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

/// A filter over pending items, as the list command and the Pending pane use it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFilter {
    /// Include dismissed and ordered items, not only the pool.
    pub all: bool,
    /// Only dismissed items.
    pub dismissed_only: bool,
    pub customer: Option<String>,
    pub quote: Option<String>,
    pub distributor: Option<String>,
    pub sku: Option<String>,
    /// Free text over all searchable fields.
    pub text: Option<String>,
}

impl ItemFilter {
    pub fn matches(&self, item: &PendingItem) -> bool {
        let state_ok = if self.dismissed_only {
            matches!(item.state, ItemState::Dismissed { .. })
        } else {
            self.all || item.is_pending()
        };
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref()
                .is_none_or(|w| have.is_some_and(|h| h.eq_ignore_ascii_case(w)))
        };
        let customer_ok = self.customer.as_deref().is_none_or(|c| {
            item.customer_id.eq_ignore_ascii_case(c)
                || contains_ignore_ascii_case(&item.customer_name, &c.to_ascii_lowercase())
        });
        let quote_ok = eq(&self.quote, Some(&item.quote_id)) || eq(&self.quote, item.quote_number.as_deref());
        state_ok
            && customer_ok
            && quote_ok
            && eq(&self.distributor, item.distributor.as_deref())
            && self.sku.as_deref().is_none_or(|s| {
                item.sku.eq_ignore_ascii_case(s) || item.mpn.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(s))
            })
            && self
                .text
                .as_deref()
                .is_none_or(|t| item.matches_text(&t.to_ascii_lowercase()))
    }
}

#[cfg(test)]
mod tests;
