//! Onetrail: a RosettaNet PIP3A4-based purchase order (`Pip3A4PurchaseOrderRequest`,
//! namespace `http://www.onetrail.net`) pushed to the REST message exchange,
//! `POST {base}/exchange/rest/tradingpartner/{seller GLN}/msgtype/{type}/msg/{message id}`.
//! The distributor's answers (order response, despatch advice, invoice) are pushed to an
//! endpoint the buyer hosts, which Purser does not run: an accepted message is recorded
//! as sent. The public documents leave open the exact element names of the order, how
//! the exchange authenticates (we send HTTP Basic and the document's Authentication
//! element) and whether it refuses a repeated message id; see docs/distributors.md.

use super::http::{common_error, Http};
use super::xml::XmlWriter;
use super::{base_url, required, secret, ApiError, DistributorApi, Placed, Price, PriceQuery};
use crate::config::Distributor;
use crate::domain::order::distributor_rules::{self, DistributorAccount, DistributorRules};
use crate::domain::order::DistributorOrder;
use crate::domain::{Order, OrderType};

pub const PRODUCTION: &str = "https://rest.onetrail.net";
pub const MESSAGE_TYPE: &str = "Pip3A4PurchaseOrderRequest";
pub const NAMESPACE: &str = "http://www.onetrail.net";

pub struct Onetrail {
    name: String,
    http: Http,
    username: String,
    password: String,
    buyer_gln: String,
    seller_gln: String,
}

fn gln(key: &str, field: &str, value: &Option<String>) -> Result<String, ApiError> {
    let v = required(key, field, value)?;
    if v.len() != 13 || !v.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::Config(format!(
            "[distributors.{key}] {field} `{v}` is not a GLN (13 digits)"
        )));
    }
    Ok(v.to_string())
}

impl Onetrail {
    pub fn new(key: &str, name: String, d: &Distributor) -> Result<Self, ApiError> {
        Ok(Onetrail {
            name,
            http: Http::new(base_url(d, PRODUCTION), d.timeout_secs)?,
            username: required(key, "username", &d.username)?.to_string(),
            password: secret(key, d, "password_env", &d.password_env)?,
            buyer_gln: gln(key, "buyer_gln", &d.buyer_gln)?,
            seller_gln: gln(key, "seller_gln", &d.seller_gln)?,
        })
    }

    pub(crate) fn document(&self, order: &Order) -> String {
        let mut w = XmlWriter::new();
        w.open_with("Pip3A4PurchaseOrderRequest", &[("xmlns", NAMESPACE)])
            .open("Authentication")
            .leaf("Username", &self.username)
            .leaf("Password", &self.password)
            .close()
            .open("PurchaseOrder")
            .leaf("DocumentIdentifier", &order.number.to_string())
            .leaf(
                "OrderType",
                if order.order_type == OrderType::Dropship {
                    "DropShip"
                } else {
                    "Stock"
                },
            )
            .leaf("Currency", &order.currency)
            .open("BuyerParty")
            .leaf("GLN", &self.buyer_gln)
            .close()
            .open("SellerParty")
            .leaf("GLN", &self.seller_gln)
            .close();
        w.leaf_opt("SpecialBidNumber", order.special_bid.as_deref());
        w.leaf_opt("Comment", order.notes.as_deref());
        for (tag, addr) in [("ShipTo", order.ship_to.as_ref()), ("EndUser", order.end_user.as_ref())] {
            if let Some(a) = addr {
                w.open(tag)
                    .leaf_opt("Name", a.name.as_deref())
                    .leaf_opt("Attention", a.attention.as_deref())
                    .leaf_opt("Street", a.street.as_deref())
                    .leaf_opt("City", a.city.as_deref())
                    .leaf_opt("PostalCode", a.postal_code.as_deref())
                    .leaf_opt("CountryCode", a.country.as_deref())
                    .leaf_opt("Phone", a.phone.as_deref())
                    .leaf_opt("Email", a.email.as_deref())
                    .close();
            }
        }
        for (i, l) in order.lines.iter().enumerate() {
            w.open("ProductLineItem")
                .leaf("LineNumber", &(i + 1).to_string())
                .leaf("SellerProductId", l.part_number())
                .leaf_opt("ManufacturerProductId", l.mpn.as_deref())
                .leaf_opt("EAN", l.ean.as_deref())
                .leaf("Quantity", &l.quantity.to_string())
                .leaf("UnitPrice", &l.unit_cost.to_string())
                .close();
        }
        w.finish()
    }
}

impl DistributorApi for Onetrail {
    fn name(&self) -> &str {
        &self.name
    }

    fn check(&self, order: &Order) -> Result<(), ApiError> {
        distributor_rules::check(order, &DistributorAccount::new(DistributorRules::Onetrail, None))
            .map_err(ApiError::from)
    }

    async fn submit(&self, order: &Order) -> Result<Placed, ApiError> {
        let msg = order.number.to_string();
        let url = self.http.url(&format!(
            "/exchange/rest/tradingpartner/{}/msgtype/{MESSAGE_TYPE}/msg/{msg}",
            self.seller_gln
        ));
        let rb = self
            .http
            .client()
            .post(url)
            .basic_auth(&self.username, Some(&self.password))
            .header("Content-Type", "application/xml")
            .body(self.document(order));
        let reply = self.http.send(rb).await?;
        let first = |b: &str| {
            b.lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect::<String>()
        };
        if let Some(e) = common_error(&reply, first) {
            return Err(e);
        }
        let mut placed = DistributorOrder::new(msg, "sent");
        placed.note = Some(
            "the order response arrives through Onetrail; check Onetrail for the distributor's order number".into(),
        );
        match reply.status {
            200..=299 => Ok(Placed { orders: vec![placed] }),
            // The exchange already holds this message id: the order is there, once.
            409 => {
                placed.note = Some("Onetrail already held this message; recorded, not sent again".into());
                Ok(Placed { orders: vec![placed] })
            }
            400 | 422 => Err(ApiError::Invalid {
                message: first(&reply.body),
                fields: Vec::new(),
            }),
            s => Err(ApiError::Protocol(format!(
                "unexpected answer {s}: {}",
                first(&reply.body)
            ))),
        }
    }

    async fn find(&self, _order: &Order) -> Option<Result<Option<Placed>, ApiError>> {
        None
    }

    async fn status(&self, order: &Order) -> Result<Vec<DistributorOrder>, ApiError> {
        Ok(order
            .submission()
            .map(|s| s.distributor_orders.clone())
            .unwrap_or_default())
    }

    async fn price(&self, _q: &PriceQuery) -> Result<Price, ApiError> {
        Err(ApiError::Config(
            "price and availability through Onetrail (its separate PDE service) is not built yet".into(),
        ))
    }

    fn poll_every(&self) -> Option<u64> {
        None
    }
}
