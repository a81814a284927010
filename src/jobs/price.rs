//! "Use latest distributor cost": fetch an item's current price and stock from its
//! distributor's price-and-availability API and record old → new in the audit trail; and
//! a comparison across every configured distributor with an API, cheapest in stock first,
//! for the buyer to choose.

use super::db::Db;
use crate::app::AppError;
use crate::domain::{ItemId, PendingItem};
use crate::identity::Actor;
use crate::integrations::distributors::{connect, Price, PriceQuery};
use rust_decimal::Decimal;
use serde::Serialize;

/// One item's cost before and after.
#[derive(Debug, Clone, Serialize)]
pub struct CostChange {
    pub item: ItemId,
    pub distributor: String,
    pub part: String,
    pub old: Decimal,
    pub new: Decimal,
    pub currency: String,
    pub available: Option<i64>,
}

/// What one distributor offers for an item.
#[derive(Debug, Clone, Serialize)]
pub struct Offer {
    pub distributor: String,
    pub name: String,
    pub unit_cost: Option<Decimal>,
    pub currency: Option<String>,
    pub available: Option<i64>,
    /// Why there is no price, when there is none.
    pub error: Option<String>,
    /// The cheapest offer in stock (or the cheapest when none says it is in stock).
    pub best: bool,
}

fn query(item: &PendingItem, own: bool) -> PriceQuery {
    PriceQuery {
        sku: item.sku.to_string(),
        // Another distributor's part number is unknown; ask by manufacturer part number.
        distributor_sku: if own {
            item.distributor_sku.as_deref().map(str::to_string)
        } else {
            None
        },
        mpn: item
            .mpn
            .as_deref()
            .map(str::to_string)
            .or_else(|| Some(item.sku.to_string())),
        pax8_product_id: item.pax8_product_id.as_deref().map(str::to_string),
        quantity: item.quantity,
    }
}

/// Why the latest cost could not be taken or compared; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    /// The item could not be read, or the new cost not recorded.
    #[error("{0}")]
    App(#[from] AppError),
    #[error("item {0} names no distributor; choose one with --from KEY")]
    NoDistributor(ItemId),
    /// The distributor could not be asked, or refused.
    #[error("{0}")]
    Distributor(String),
    #[error(
        "{name} gives its price without a currency and [distributors.{key}] currency is not set; set it, and \
         the cost can be taken; the cost was not changed"
    )]
    NoCurrency { name: String, key: String },
    #[error("{name} quotes {cost} {currency} but item {item} is in {item_currency}; the cost was not changed")]
    OtherCurrency {
        name: String,
        cost: Decimal,
        currency: String,
        item: ItemId,
        item_currency: String,
    },
}

/// Fetches the latest cost from `distributor` (the item's own when `None`) and sets it,
/// recording old → new in the audit trail. The distributor is asked with no database
/// work waiting: reading the item and recording the cost are two short calls on the
/// database thread.
pub async fn refresh_cost(
    db: &Db,
    actor: &Actor,
    id: ItemId,
    distributor: Option<&str>,
) -> Result<CostChange, PriceError> {
    let item = db.run(move |svc| svc.item(id)).await?;
    let key = distributor
        .map(str::to_string)
        .or_else(|| item.distributor.as_deref().map(str::to_string))
        .ok_or(PriceError::NoDistributor(id))?;
    let config = db.config();
    let name = config.distributor_name(&key);
    let api = connect(config, &key).map_err(|e| PriceError::Distributor(e.for_buyer(&name)))?;
    let own = item.distributor.as_deref() == Some(key.as_str());
    let price = api
        .price(&query(&item, own))
        .await
        .map_err(|e| PriceError::Distributor(e.for_buyer(&name)))?;
    match currency_of(config, &key, &price) {
        None => return Err(PriceError::NoCurrency { name, key }),
        Some(c) if !c.eq_ignore_ascii_case(&item.currency) => {
            return Err(PriceError::OtherCurrency {
                name,
                cost: price.unit_cost,
                currency: c,
                item: id,
                item_currency: item.currency.to_string(),
            })
        }
        Some(_) => {}
    }
    let stock = price.available.map(|a| format!(", {a} in stock")).unwrap_or_default();
    let source = format!("{name} price and availability ({}{stock})", price.part);
    let (actor, cost) = (actor.clone(), price.unit_cost);
    let (before, after) = db.run(move |svc| svc.set_item_cost(&actor, id, cost, &source)).await?;
    Ok(CostChange {
        item: id,
        distributor: key,
        part: price.part,
        old: before.unit_cost,
        new: after.unit_cost,
        currency: after.currency.to_string(),
        available: price.available,
    })
}

/// What every configured distributor with an API offers for the item, best first. The
/// distributors are asked at once.
pub async fn compare(db: &Db, id: ItemId) -> Result<Vec<Offer>, PriceError> {
    let item = db.run(move |svc| svc.item(id)).await?;
    let config = db.config();
    let asks = config
        .distributors
        .iter()
        .filter(|(_, d)| d.kind.has_api())
        .map(|(key, _)| {
            let item = &item;
            async move {
                let name = config.distributor_name(key);
                let own = item.distributor.as_deref() == Some(key.as_str());
                let result = match connect(config, key) {
                    Ok(api) => api.price(&query(item, own)).await,
                    Err(e) => Err(e),
                };
                match result {
                    Ok(p) => Offer {
                        distributor: key.clone(),
                        name,
                        unit_cost: Some(p.unit_cost),
                        currency: currency_of(config, key, &p),
                        available: p.available,
                        error: None,
                        best: false,
                    },
                    Err(e) => Offer {
                        distributor: key.clone(),
                        error: Some(e.for_buyer(&name)),
                        name,
                        unit_cost: None,
                        currency: None,
                        available: None,
                        best: false,
                    },
                }
            }
        });
    let mut offers = futures_util::future::join_all(asks).await;
    rank(&mut offers, &item);
    Ok(offers)
}

/// Orders offers best first and marks the best: comparable prices (in the item's
/// currency) first; in stock before short; then cheapest; then other currencies.
fn rank(offers: &mut [Offer], item: &PendingItem) {
    let in_stock = |o: &Offer| o.available.is_none_or(|a| a >= i64::from(item.quantity));
    // A price in another currency than the item's, or in none known, cannot be compared
    // with it.
    let comparable = |o: &Offer| {
        o.unit_cost.is_some()
            && o.currency
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(&item.currency))
    };
    offers.sort_by(|a, b| {
        (!comparable(a), a.unit_cost.is_none(), !in_stock(a), a.unit_cost).cmp(&(
            !comparable(b),
            b.unit_cost.is_none(),
            !in_stock(b),
            b.unit_cost,
        ))
    });
    if let Some(first) = offers.first_mut().filter(|o| comparable(o)) {
        first.best = true;
    }
}

/// The currency of a price: as the distributor answered it, else the one configured for
/// the distributor (`[distributors.KEY] currency`; Pax8's pricing names none), else unknown.
fn currency_of(config: &crate::config::Config, key: &str, price: &Price) -> Option<String> {
    Some(price.currency.trim().to_string())
        .filter(|c| !c.is_empty())
        .or_else(|| config.distributors.get(key).and_then(|d| d.currency.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn price(currency: &str) -> Price {
        Price {
            part: "P".into(),
            unit_cost: Decimal::ONE,
            currency: currency.into(),
            available: None,
        }
    }

    #[test]
    fn a_price_without_a_currency_takes_the_distributors_configured_one_or_stays_unknown() {
        let config = Config::parse(
            "[distributors.pax8]\nkind = \"pax8\"\ncurrency = \"EUR\"\n[distributors.bare]\nkind = \"pax8\"\n",
        )
        .unwrap();
        assert_eq!(currency_of(&config, "pax8", &price("USD")).as_deref(), Some("USD"));
        assert_eq!(currency_of(&config, "pax8", &price(" ")).as_deref(), Some("EUR"));
        assert_eq!(currency_of(&config, "bare", &price("")), None);
    }
}
