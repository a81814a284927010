//! What a distributor's ordering rules allow to be checked here, before anything is sent:
//! required fields, lengths, street lines, the state or province, one customer per Pax8
//! order, and the currency the account bills in. The service runs these checks when an
//! order is created, edited, sent for approval and approved; each distributor adapter runs
//! them again before it sends (all but the currency, which its account does not say).
//!
//! Pure: the caller passes the order and what of the distributor account matters, as
//! plain values ([`DistributorAccount`]).

use super::{check_length, FieldTooLong, Order, OrderLine, OrderType};
use crate::domain::Address;
use std::fmt;
use thiserror::Error;

/// Whose ordering rules an order must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistributorRules {
    /// Ingram Micro (Reseller API v6).
    Ingram,
    /// TD SYNNEX (SynnexB2B XML, US/Canada and Europe).
    TdSynnex,
    /// Pax8 (Partner API).
    Pax8,
    /// Onetrail (RosettaNet message exchange).
    Onetrail,
    /// A distributor without an ordering API (email, by hand): no rules of its own.
    None,
}

/// What the checks need to know of a distributor account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributorAccount {
    pub rules: DistributorRules,
    /// Our warehouse (`[company.warehouse]`): where a wholesale order without a ship-to
    /// of its own goes.
    pub warehouse: Option<Address>,
    /// The currency the account bills in (`[distributors.KEY] currency`), when set: an
    /// order in another currency is refused, whatever the distributor's kind.
    pub currency: Option<String>,
}

impl DistributorAccount {
    pub fn new(rules: DistributorRules, warehouse: Option<Address>) -> Self {
        DistributorAccount {
            rules,
            warehouse,
            currency: None,
        }
    }

    /// The account, billing in `currency`.
    pub fn billing_in(self, currency: Option<String>) -> Self {
        DistributorAccount { currency, ..self }
    }
}

/// Something in an order that its distributor would refuse, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DistributorRuleError {
    /// An address lacks fields the distributor requires (`whose`: "ship-to", "end-user",
    /// "warehouse ([company.warehouse])").
    #[error("the {whose} address lacks {}", missing.join(", "))]
    AddressIncomplete { whose: String, missing: Vec<&'static str> },
    /// The order has no address to ship to, and the distributor needs one.
    #[error("{0}")]
    NoShipTo(NoShipTo),
    #[error("the {whose} address has {lines} street lines; {distributor} takes at most {limit}")]
    StreetLines {
        whose: String,
        lines: usize,
        limit: usize,
        distributor: &'static str,
    },
    /// Values longer than the distributor takes; nothing is ever cut.
    #[error("{}", TooLongList(.0))]
    TooLong(Vec<FieldTooLong>),
    #[error("{distributor} takes at most {limit} lines per order; this order has {lines}")]
    TooManyLines {
        distributor: &'static str,
        lines: usize,
        limit: usize,
    },
    #[error("Pax8 orders need a Pax8 product id on every line; missing on {}", .0.join(", "))]
    NoPax8Product(Vec<String>),
    #[error(
        "its lines belong to more than one customer ({}), and a Pax8 order is provisioned for one customer's \
         company; split the order into one order per customer",
        .0.join(", ")
    )]
    SeveralCustomers(Vec<String>),
    #[error("the order has no lines")]
    NoLines,
    /// The order's currency is not the one the account bills in.
    #[error(
        "the order is in {order} and the account bills in {account} (its `currency` in the configuration); \
         its items can only be ordered from a distributor that bills in {order}"
    )]
    Currency { order: String, account: String },
}

/// Why an order has no address to ship to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoShipTo {
    /// TD SYNNEX puts an address on every order: the order's, or our warehouse's.
    TdSynnex,
    /// A dropship order goes to the customer, so it needs the customer's address.
    Dropship,
}

impl fmt::Display for NoShipTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoShipTo::TdSynnex => {
                "TD SYNNEX needs a ship-to address on every order; give the order one, or set our warehouse \
                 address in [company.warehouse] for wholesale orders"
            }
            NoShipTo::Dropship => "a dropship order needs a ship-to address",
        })
    }
}

struct TooLongList<'a>(&'a [FieldTooLong]);

impl fmt::Display for TooLongList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(
                f,
                "{} \"{}\" is {} characters and the distributor takes at most {} ({})",
                t.field, t.value, t.length, t.limit, t.api_field
            )?;
        }
        Ok(())
    }
}

/// Checks `order` against the rules of `account`; the first kind of problem found is
/// returned, every field of that kind named.
pub fn check(order: &Order, account: &DistributorAccount) -> Result<(), DistributorRuleError> {
    if let Some(billed) = &account.currency {
        if !billed.eq_ignore_ascii_case(&order.currency) {
            return Err(DistributorRuleError::Currency {
                order: order.currency.clone(),
                account: billed.clone(),
            });
        }
    }
    match account.rules {
        DistributorRules::Ingram => ingram(order),
        DistributorRules::TdSynnex => tdsynnex(order, account.warehouse.as_ref()),
        DistributorRules::Pax8 => pax8(order),
        DistributorRules::Onetrail => onetrail(order),
        DistributorRules::None => Ok(()),
    }
}

/// (our name for the field, the distributor's name for it, the value, the limit).
type Length<'a> = (String, &'a str, Option<&'a str>, usize);

/// Every value longer than its limit, or none.
fn lengths(checks: &[Length<'_>]) -> Result<(), DistributorRuleError> {
    let too_long: Vec<FieldTooLong> = checks
        .iter()
        .filter_map(|(field, api, value, limit)| value.and_then(|v| check_length(field, api, v, *limit).err()))
        .collect();
    if too_long.is_empty() {
        Ok(())
    } else {
        Err(DistributorRuleError::TooLong(too_long))
    }
}

fn ingram(order: &Order) -> Result<(), DistributorRuleError> {
    let po = order.number.to_string();
    lengths(&[("PO number".into(), "customerOrderNumber", Some(&po), 35)])?;
    if let Some(a) = &order.ship_to {
        ingram_address("ship-to", "shipToInfo", a)?;
    }
    if let Some(a) = &order.end_user {
        ingram_address("end-user", "endUserInfo", a)?;
    }
    let parts: Vec<(String, &str)> = order
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| (format!("line {} part number", i + 1), l.part_number()))
        .collect();
    let checks: Vec<Length<'_>> = parts
        .iter()
        .map(|(name, part)| (name.clone(), "lines.ingramPartNumber", Some(*part), 18))
        .collect();
    lengths(&checks)?;
    if order.lines.len() > 999 {
        return Err(DistributorRuleError::TooManyLines {
            distributor: "Ingram Micro",
            lines: order.lines.len(),
            limit: 999,
        });
    }
    Ok(())
}

fn ingram_address(who: &str, api: &str, a: &Address) -> Result<(), DistributorRuleError> {
    let lines = a.street_lines();
    if lines.len() > 4 {
        return Err(DistributorRuleError::StreetLines {
            whose: who.to_string(),
            lines: lines.len(),
            limit: 4,
            distributor: "Ingram Micro",
        });
    }
    let apis: Vec<String> = [
        "contact",
        "companyName",
        "addressLine1",
        "addressLine2",
        "addressLine3",
        "city",
        "state",
        "postalCode",
        "countryCode",
    ]
    .iter()
    .map(|k| format!("{api}.{k}"))
    .collect();
    let f = |s: &str| format!("{who} {s}");
    lengths(&[
        (f("contact"), &apis[0], a.attention.as_deref(), 70),
        (f("name"), &apis[1], a.name.as_deref(), 40),
        (f("street line 1"), &apis[2], lines.first().map(String::as_str), 70),
        (f("street line 2"), &apis[3], lines.get(1).map(String::as_str), 70),
        (f("street line 3"), &apis[4], lines.get(2).map(String::as_str), 70),
        (f("city"), &apis[5], a.city.as_deref(), 25),
        (f("state"), &apis[6], a.state.as_deref(), 3),
        (f("postal code"), &apis[7], a.postal_code.as_deref(), 10),
        (f("country"), &apis[8], a.country.as_deref(), 10),
    ])
}

/// Where a TD SYNNEX order goes: its ship-to, or our warehouse for a wholesale order.
pub fn tdsynnex_ship_to<'a>(order: &'a Order, warehouse: Option<&'a Address>) -> Option<&'a Address> {
    match (&order.ship_to, order.order_type) {
        (Some(a), _) => Some(a),
        (None, OrderType::Wholesale) => warehouse,
        (None, OrderType::Dropship) => None,
    }
}

fn tdsynnex(order: &Order, warehouse: Option<&Address>) -> Result<(), DistributorRuleError> {
    let po = order.number.to_string();
    let Some(a) = tdsynnex_ship_to(order, warehouse) else {
        return Err(DistributorRuleError::NoShipTo(NoShipTo::TdSynnex));
    };
    // Name where the address comes from: the order, or our warehouse in the configuration.
    let whose = if order.ship_to.is_some() {
        "ship-to"
    } else {
        "warehouse ([company.warehouse])"
    };
    let mut missing = a.missing_for_shipping();
    // The SynnexB2B document requires ShipTo/State on every order, wherever it goes.
    if !missing.contains(&"state") && a.state.as_deref().is_none_or(|s| s.trim().is_empty()) {
        missing.push("state");
    }
    if !missing.is_empty() {
        return Err(DistributorRuleError::AddressIncomplete {
            whose: whose.to_string(),
            missing,
        });
    }
    let lines = a.street_lines();
    if lines.len() > 2 {
        return Err(DistributorRuleError::StreetLines {
            whose: whose.to_string(),
            lines: lines.len(),
            limit: 2,
            distributor: "TD SYNNEX",
        });
    }
    lengths(&[
        ("PO number".into(), "PONumber", Some(&po), 20),
        (format!("{whose} name"), "ShipTo/AddressName1", a.name.as_deref(), 30),
        (
            format!("{whose} street line 1"),
            "ShipTo/AddressLine1",
            lines.first().map(String::as_str),
            60,
        ),
        (
            format!("{whose} street line 2"),
            "ShipTo/AddressLine2",
            lines.get(1).map(String::as_str),
            60,
        ),
        (format!("{whose} city"), "ShipTo/City", a.city.as_deref(), 20),
        (format!("{whose} state"), "ShipTo/State", a.state.as_deref(), 2),
        (
            format!("{whose} postal code"),
            "ShipTo/ZipCode",
            a.postal_code.as_deref(),
            10,
        ),
    ])
}

/// The one customer a Pax8 order is provisioned for (its first line), or why there is
/// not exactly one. A customer is its PSA company when it has one, else our customer id:
/// what the company is matched by (its Pax8 `externalId`).
pub fn pax8_customer(order: &Order) -> Result<&OrderLine, DistributorRuleError> {
    let first = order.lines.first().ok_or(DistributorRuleError::NoLines)?;
    let mut customers: Vec<((bool, &str), String)> = Vec::new();
    for l in &order.lines {
        let key = match l.psa_company_id.as_deref() {
            Some(psa) => (true, psa),
            None => (false, l.customer_id.as_str()),
        };
        if !customers.iter().any(|(k, _)| *k == key) {
            customers.push((key, format!("{} ({})", l.customer_name, key.1)));
        }
    }
    if customers.len() > 1 {
        return Err(DistributorRuleError::SeveralCustomers(
            customers.into_iter().map(|(_, n)| n).collect(),
        ));
    }
    Ok(first)
}

fn pax8(order: &Order) -> Result<(), DistributorRuleError> {
    pax8_customer(order)?;
    let missing: Vec<String> = order
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.pax8_product_id.as_deref().is_none_or(|p| p.trim().is_empty()))
        .map(|(i, l)| format!("line {} ({})", i + 1, l.sku))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DistributorRuleError::NoPax8Product(missing))
    }
}

fn onetrail(order: &Order) -> Result<(), DistributorRuleError> {
    let po = order.number.to_string();
    lengths(&[("PO number".into(), "DocumentIdentifier", Some(&po), 35)])?;
    if order.order_type == OrderType::Dropship && order.ship_to.is_none() {
        return Err(DistributorRuleError::NoShipTo(NoShipTo::Dropship));
    }
    Ok(())
}
