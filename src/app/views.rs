//! Read models for output: what `--json` prints and what screens show.

use crate::domain::order::{DistributorOrder, Rejection, Sending, Submission, SubmissionError};
use crate::domain::{Address, ApprovalRule, Order, OrderStatus, OrderType, PoNumber, Receipt, Timestamp};
use rust_decimal::Decimal;
use serde::Serialize;

/// One line of an order as shown.
#[derive(Debug, Clone, Serialize)]
pub struct OrderLineView {
    /// 1-based.
    pub line: u32,
    pub item_id: u64,
    pub quote_id: String,
    pub customer: String,
    pub sku: String,
    pub mpn: Option<String>,
    pub ean: Option<String>,
    pub distributor_sku: Option<String>,
    pub description: String,
    pub quantity: u32,
    pub unit_cost: Decimal,
    pub line_total: Decimal,
    pub serialized: bool,
    pub received: u32,
    pub serials: Vec<String>,
}

/// An order as shown.
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    pub number: PoNumber,
    pub status: OrderStatus,
    pub distributor: String,
    pub order_type: OrderType,
    pub subtotal: Decimal,
    pub shipping: Decimal,
    pub total: Decimal,
    pub currency: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub approver: Option<String>,
    pub ship_to: Option<Address>,
    pub special_bid: Option<String>,
    pub end_user: Option<Address>,
    pub notes: Option<String>,
    pub received: u64,
    pub ordered: u64,
    pub lines: Vec<OrderLineView>,
    pub receipts: Vec<Receipt>,
    pub rejections: Vec<Rejection>,
    pub submission: Option<Submission>,
    /// The distributor's orders (API placement): number, status, tracking.
    pub distributor_orders: Vec<DistributorOrder>,
    /// A submission under way in the background.
    pub sending: Option<Sending>,
    /// Submissions that failed.
    pub errors: Vec<SubmissionError>,
    pub approval_rules: Vec<ApprovalRule>,
    /// The PSA sync of a placed order (filled by callers that read it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psa: Option<crate::app::psa::PsaSyncView>,
    /// What the people who acted on it were told of failed background work (filled by
    /// callers that read it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<crate::domain::notice::Notice>,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        let lines = o
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let n = i as u32 + 1;
                OrderLineView {
                    line: n,
                    item_id: l.item_id,
                    quote_id: l.quote_id.clone(),
                    customer: l.customer_name.clone(),
                    sku: l.sku.clone(),
                    mpn: l.mpn.clone(),
                    ean: l.ean.clone(),
                    distributor_sku: l.distributor_sku.clone(),
                    description: l.description.clone(),
                    quantity: l.quantity,
                    unit_cost: l.unit_cost,
                    line_total: l.total_cost(),
                    serialized: l.serialized,
                    received: o.received_on(n),
                    serials: o
                        .receipts
                        .iter()
                        .filter(|r| r.line == n && r.undone.is_none())
                        .flat_map(|r| r.serials.iter().cloned())
                        .collect(),
                }
            })
            .collect();
        OrderView {
            number: o.number,
            status: o.status(),
            distributor: o.distributor.clone(),
            order_type: o.order_type,
            subtotal: o.subtotal(),
            shipping: o.shipping,
            total: o.total(),
            currency: o.currency.clone(),
            created_by: o.created_by.clone(),
            created_at: o.created_at,
            approver: o.approver().map(str::to_string),
            ship_to: o.ship_to.clone(),
            special_bid: o.special_bid.clone(),
            end_user: o.end_user.clone(),
            notes: o.notes.clone(),
            received: o.units_received(),
            ordered: o.units_ordered(),
            lines,
            receipts: o.receipts.clone(),
            rejections: o.rejections.clone(),
            submission: o.submission().cloned(),
            distributor_orders: o.submission().map(|s| s.distributor_orders.clone()).unwrap_or_default(),
            sending: o.sending.clone(),
            errors: o.errors.clone(),
            approval_rules: o.rules.clone(),
            psa: None,
            notices: Vec::new(),
        }
    }
}
