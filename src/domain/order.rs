//! Purchase orders: lines, the stage machine, and the status derived from history.
//!
//! Creating and editing a pending order is in `editing`, placing it in `placement`, and
//! the distributor-API side in `api`.

use super::approval::ApprovalRule;
use super::{Address, ItemId, PendingItem, PoNumber, Receipt, RuleError, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Wholesale (shipped to us) or dropship (shipped to the customer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    #[default]
    Wholesale,
    Dropship,
}

impl OrderType {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Wholesale => "wholesale",
            OrderType::Dropship => "dropship",
        }
    }
}

impl std::str::FromStr for OrderType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wholesale" => Ok(OrderType::Wholesale),
            "dropship" => Ok(OrderType::Dropship),
            other => Err(format!("`{other}` is not an order type (wholesale or dropship)")),
        }
    }
}

/// How an order reaches the distributor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlacementMethod {
    /// The distributor's ordering API.
    Api,
    /// The PO as PDF, emailed to the distributor.
    Email,
    /// Placed by phone or portal; marked as submitted.
    Manual,
    /// Not sent to a distributor; synced to the PSA only.
    Skip,
}

impl PlacementMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PlacementMethod::Api => "api",
            PlacementMethod::Email => "email",
            PlacementMethod::Manual => "manual",
            PlacementMethod::Skip => "skip",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            PlacementMethod::Api => "distributor API",
            PlacementMethod::Email => "email to the distributor",
            PlacementMethod::Manual => "marked as submitted",
            PlacementMethod::Skip => "distributor skipped (PSA only)",
        }
    }
}

impl std::str::FromStr for PlacementMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "api" => Ok(PlacementMethod::Api),
            "email" => Ok(PlacementMethod::Email),
            "manual" => Ok(PlacementMethod::Manual),
            "skip" => Ok(PlacementMethod::Skip),
            other => Err(format!(
                "`{other}` is not a placement method (api, email, manual, skip)"
            )),
        }
    }
}

/// The record of how and when an order was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub method: PlacementMethod,
    pub at: Timestamp,
    pub by: String,
    /// Who approved it (the placing approver), when approval was required.
    pub approved_by: Option<String>,
    /// Link to the order in the distributor's portal (manual placement).
    pub link: Option<String>,
    /// Email recipients (email placement).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// Message id of the email (email placement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The distributor's orders (API placement; an order can split), with their status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distributor_orders: Vec<DistributorOrder>,
}

/// Where an order is in its life. The status people see is derived from this and the
/// receipts (see [`Order::status`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    Pending,
    AwaitingApproval {
        approver: String,
        requested_by: String,
        requested_at: Timestamp,
        /// The total the approval was asked for.
        total: Decimal,
    },
    Placed(Submission),
    Cancelled {
        by: String,
        at: Timestamp,
    },
}

/// The status shown to people and in `--json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    AwaitingApproval,
    EmailSent,
    Submitted,
    Partial,
    Completed,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Pending,
        OrderStatus::AwaitingApproval,
        OrderStatus::EmailSent,
        OrderStatus::Submitted,
        OrderStatus::Partial,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];

    /// Machine name, as in `--json`.
    pub fn key(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::AwaitingApproval => "awaiting_approval",
            OrderStatus::EmailSent => "email_sent",
            OrderStatus::Submitted => "submitted",
            OrderStatus::Partial => "partial",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Whether goods can still arrive against the order.
    pub fn is_receivable(self) -> bool {
        matches!(
            self,
            OrderStatus::EmailSent | OrderStatus::Submitted | OrderStatus::Partial
        )
    }
}

impl std::str::FromStr for OrderStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        OrderStatus::ALL.into_iter().find(|st| st.key() == k).ok_or_else(|| {
            format!(
                "`{s}` is not an order status ({})",
                OrderStatus::ALL.map(|s| s.key()).join(", ")
            )
        })
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OrderStatus::Pending => "Pending",
            OrderStatus::AwaitingApproval => "Awaiting approval",
            OrderStatus::EmailSent => "Email sent",
            OrderStatus::Submitted => "Submitted",
            OrderStatus::Partial => "Partial",
            OrderStatus::Completed => "Completed",
            OrderStatus::Cancelled => "Cancelled",
        })
    }
}

/// One line of an order: a pending item, copied at the time it was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub item_id: ItemId,
    pub quote_id: String,
    pub line_id: String,
    pub customer_id: String,
    pub customer_name: String,
    pub psa_company_id: Option<String>,
    pub sku: String,
    pub mpn: Option<String>,
    pub ean: Option<String>,
    pub description: String,
    pub distributor_sku: Option<String>,
    pub quantity: u32,
    pub unit_cost: Decimal,
    pub unit_price: Decimal,
    pub serialized: bool,
    pub pax8_product_id: Option<String>,
    pub psa_product_id: Option<String>,
}

impl OrderLine {
    /// The distributor's part number: its own SKU when the quote gave one, else ours.
    pub fn part_number(&self) -> &str {
        self.distributor_sku.as_deref().unwrap_or(&self.sku)
    }

    /// The line as it goes to `distributor`: another distributor's part number does not
    /// apply there, so the line is ordered by its SKU (or MPN) instead.
    pub fn for_distributor(mut self, item: &PendingItem, distributor: &str) -> Self {
        if item.distributor.as_deref().is_some_and(|d| d != distributor) {
            self.distributor_sku = None;
        }
        self
    }

    pub fn from_item(item: &PendingItem) -> Self {
        OrderLine {
            item_id: item.id,
            quote_id: item.quote_id.to_string(),
            line_id: item.line_id.to_string(),
            customer_id: item.customer_id.to_string(),
            customer_name: item.customer_name.to_string(),
            psa_company_id: item.psa_company_id.as_deref().map(str::to_string),
            sku: item.sku.to_string(),
            mpn: item.mpn.as_deref().map(str::to_string),
            ean: item.ean.as_deref().map(str::to_string),
            description: item.description.to_string(),
            distributor_sku: item.distributor_sku.as_deref().map(str::to_string),
            quantity: item.quantity,
            unit_cost: item.unit_cost,
            unit_price: item.unit_price,
            serialized: item.serialized,
            pax8_product_id: item.pax8_product_id.as_deref().map(str::to_string),
            psa_product_id: item.psa_product_id.as_deref().map(str::to_string),
        }
    }

    pub fn total_cost(&self) -> Decimal {
        self.unit_cost * Decimal::from(self.quantity)
    }

    /// Whether a scanned code names this line: SKU, MPN, EAN or distributor SKU, exactly
    /// (ignoring ASCII case and surrounding blanks). A scanned barcode number also matches
    /// the EAN as the same GTIN: scanners send a UPC-A as 12 digits where the quote holds
    /// the 13-digit EAN with a leading 0.
    pub fn matches_code(&self, code: &str) -> bool {
        let code = code.trim();
        if code.is_empty() {
            return false;
        }
        let exact = [
            Some(self.sku.as_str()),
            self.mpn.as_deref(),
            self.ean.as_deref(),
            self.distributor_sku.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|c| c.eq_ignore_ascii_case(code));
        exact
            || matches!(
                (gtin14(code), self.ean.as_deref().and_then(gtin14)),
                (Some(a), Some(b)) if a == b
            )
    }
}

/// A GTIN-8, -12, -13 or -14 as its 14-digit form (zeros in front), else `None`.
fn gtin14(code: &str) -> Option<String> {
    let code = code.trim();
    (matches!(code.len(), 8 | 12 | 13 | 14) && code.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{code:0>14}"))
}

/// A rejection by the approver, kept on the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub by: String,
    pub at: Timestamp,
    pub reason: String,
}

/// A purchase order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub number: PoNumber,
    pub distributor: String,
    pub order_type: OrderType,
    pub currency: String,
    pub ship_to: Option<Address>,
    pub special_bid: Option<String>,
    pub end_user: Option<Address>,
    pub notes: Option<String>,
    /// Shipping charged by the distributor, in the order's currency.
    #[serde(default)]
    pub shipping: Decimal,
    pub created_by: String,
    pub created_at: Timestamp,
    /// The approval rules as they were when the order was created.
    pub rules: Vec<ApprovalRule>,
    pub lines: Vec<OrderLine>,
    #[serde(default)]
    pub receipts: Vec<Receipt>,
    #[serde(default)]
    pub rejections: Vec<Rejection>,
    pub stage: Stage,
    /// A submission under way in the background, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sending: Option<Sending>,
    /// Submissions that failed, newest last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<SubmissionError>,
    /// Distributor-API state: placement options (Pax8) and an attempt under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<ApiState>,
}

/// What placing an order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceOutcome {
    /// Approval is needed; the order now awaits `approver`.
    SentForApproval { approver: String },
    /// The order is placed.
    Placed,
    /// The order is being sent to the distributor by background job `job`.
    Sending { job: u64 },
}

impl PlaceOutcome {
    /// Machine name, as in `--json`: `awaiting_approval`, `placed` or `sending`.
    pub fn key(&self) -> &'static str {
        match self {
            PlaceOutcome::SentForApproval { .. } => "awaiting_approval",
            PlaceOutcome::Placed => "placed",
            PlaceOutcome::Sending { .. } => "sending",
        }
    }
}

impl Serialize for PlaceOutcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// A submission under way in the background (email or API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sending {
    pub method: PlacementMethod,
    pub by: String,
    pub at: Timestamp,
    pub approved_by: Option<String>,
    /// The outbox job doing it.
    pub job: u64,
}

/// A submission that failed for good, kept on the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionError {
    pub at: Timestamp,
    pub method: PlacementMethod,
    pub message: String,
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl Order {
    /// The status people see, derived from the stage and the receipts.
    pub fn status(&self) -> OrderStatus {
        match &self.stage {
            Stage::Pending => OrderStatus::Pending,
            Stage::AwaitingApproval { .. } => OrderStatus::AwaitingApproval,
            Stage::Cancelled { .. } => OrderStatus::Cancelled,
            Stage::Placed(sub) => {
                let received = self.units_received();
                let ordered = self.units_ordered();
                if received > 0 && received >= ordered {
                    OrderStatus::Completed
                } else if received > 0 {
                    OrderStatus::Partial
                } else if sub.method == PlacementMethod::Email {
                    OrderStatus::EmailSent
                } else {
                    OrderStatus::Submitted
                }
            }
        }
    }

    /// Sum of line costs, in the order's currency.
    pub fn subtotal(&self) -> Decimal {
        self.lines.iter().map(OrderLine::total_cost).sum()
    }

    /// Lines plus shipping: the amount approval rules are evaluated against.
    pub fn total(&self) -> Decimal {
        self.subtotal() + self.shipping
    }

    /// Units ordered over all lines.
    pub fn units_ordered(&self) -> u64 {
        self.lines.iter().map(|l| u64::from(l.quantity)).sum()
    }

    /// Units received over all lines (undone receipts excluded).
    pub fn units_received(&self) -> u64 {
        self.receipts
            .iter()
            .filter(|r| r.undone.is_none())
            .map(|r| u64::from(r.quantity))
            .sum()
    }

    /// Units received on one line (1-based).
    pub fn received_on(&self, line: u32) -> u32 {
        self.receipts
            .iter()
            .filter(|r| r.line == line && r.undone.is_none())
            .map(|r| r.quantity)
            .sum()
    }

    /// The approver named for this order: the one it awaits, or the one who approved it.
    pub fn approver(&self) -> Option<&str> {
        match &self.stage {
            Stage::AwaitingApproval { approver, .. } => Some(approver),
            Stage::Placed(sub) => sub.approved_by.as_deref(),
            _ => None,
        }
    }

    /// Who approved the order, if anyone has yet: recorded on its submission, or on the
    /// send under way. An order awaiting approval has no approver in this sense.
    pub fn approved_by(&self) -> Option<&str> {
        match &self.stage {
            Stage::Placed(sub) => sub.approved_by.as_deref(),
            _ => self.sending.as_ref().and_then(|s| s.approved_by.as_deref()),
        }
    }

    pub fn submission(&self) -> Option<&Submission> {
        match &self.stage {
            Stage::Placed(sub) => Some(sub),
            _ => None,
        }
    }

    /// The item ids on the order.
    pub fn item_ids(&self) -> Vec<ItemId> {
        self.lines.iter().map(|l| l.item_id).collect()
    }

    pub(crate) fn wrong_status(&self, action: &'static str, allowed: &'static str) -> RuleError {
        RuleError::WrongStatus {
            po: self.number,
            status: self.status().to_string(),
            action,
            allowed,
        }
    }

    /// Whether `job` is the background job sending this order now.
    pub fn is_sent_by(&self, job: u64) -> bool {
        self.sending.as_ref().is_some_and(|s| s.job == job)
    }

    /// Whether the order reached a distributor (so cancelling here does not cancel there).
    pub fn is_at_distributor(&self) -> bool {
        matches!(&self.stage, Stage::Placed(s) if s.method != PlacementMethod::Skip)
    }

    /// Progress for people: "3/5".
    pub fn progress(&self) -> String {
        format!("{}/{}", self.units_received(), self.units_ordered())
    }
}

mod api;
pub mod distributor_rules;
mod editing;
mod placement;
pub use api::{
    check_length, parse_provisioning, ApiAttempt, ApiOptionError, ApiOptions, ApiState, AttemptState, BillingTerm,
    DistributorOrder, FieldTooLong, Provision, RejectedLine, SubscriptionRef,
};
pub use editing::{NewOrder, OrderEdit, OrderPolicy};

#[cfg(test)]
mod tests;
