//! Why a rule refused a command. Every message names what is wrong.

use super::{ItemId, PoNumber, Role};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    #[error("{actor} may not {action}: that needs the {role} role, and {actor} has {held}")]
    MissingRole {
        actor: String,
        action: String,
        /// The role named: the first of `roles`.
        role: Role,
        /// Every role that would do.
        roles: Vec<Role>,
        held: String,
    },
    #[error("no pending item with id {0}")]
    UnknownItem(ItemId),
    #[error("no purchase order {0}")]
    UnknownOrder(PoNumber),
    #[error("item {id} is {state}; {action} needs a pending item")]
    ItemNotPending {
        id: ItemId,
        state: String,
        action: &'static str,
    },
    #[error("item {0} is not dismissed; only dismissed items can be restored")]
    ItemNotDismissed(ItemId),
    #[error("a reason is required to {0}")]
    ReasonRequired(&'static str),
    #[error("item {id} has quantity {have}; a split must leave at least 1 on each side (choose 1 to {max})", max = have.saturating_sub(1))]
    BadSplit { id: ItemId, have: u32 },
    #[error("an order needs at least one item")]
    EmptyOrder,
    #[error("item {id} is in {item_currency} but {po} is in {order_currency}; one order has one currency")]
    MixedCurrency {
        id: ItemId,
        item_currency: String,
        po: String,
        order_currency: String,
    },
    #[error("item {id} is an item of distributor `{item_distributor}`, and the order goes to `{order_distributor}`; confirm to order it from `{order_distributor}` (its `{item_distributor}` part number is then not used)")]
    OtherDistributor {
        id: ItemId,
        item_distributor: String,
        order_distributor: String,
    },
    #[error("item {id} belongs to customer {item_company} but the order is for {order_company}; with HaloPSA all items of one order must belong to one customer company")]
    MixedCompany {
        id: ItemId,
        item_company: String,
        order_company: String,
    },
    #[error("item {0} is listed twice")]
    DuplicateItem(ItemId),
    #[error("item {id} is not on {po}")]
    ItemNotOnOrder { id: ItemId, po: PoNumber },
    #[error("{po} is {status}; {action} is only possible while it is {allowed}")]
    WrongStatus {
        po: PoNumber,
        status: String,
        action: &'static str,
        allowed: &'static str,
    },
    #[error("removing item {id} would leave {po} empty; cancel the order instead")]
    WouldEmptyOrder { id: ItemId, po: PoNumber },
    #[error("the ship-to address lacks {missing}")]
    ShipToIncomplete { missing: String },
    #[error("a dropship order needs a ship-to address: none was given and the quote {quote} has none")]
    ShipToMissing { quote: String },
    #[error("{po} is awaiting approval by {approver}; only {approver} can place or reject it")]
    NotTheApprover { po: PoNumber, approver: String },
    #[error("{actor} created {po} and cannot approve their own order")]
    OwnOrder { actor: String, po: PoNumber },
    #[error("{po} has no line {line} (it has {})", super::text::count(*.count, "line"))]
    UnknownLine { po: PoNumber, line: u32, count: usize },
    #[error("quantity must be at least 1")]
    ZeroQuantity,
    #[error("line {line} of {po} ({sku}) has {open} of {ordered} units left to receive; {asked} is too many")]
    TooMany {
        po: PoNumber,
        line: u32,
        sku: String,
        ordered: u32,
        open: u32,
        asked: u32,
    },
    #[error(
        "line {line} ({sku}) is serialized: give one serial number per unit ({}, {})",
        super::text::count(*.qty as usize, "unit"),
        super::text::count(*.serials, "serial")
    )]
    SerialCount {
        line: u32,
        sku: String,
        qty: u32,
        serials: usize,
    },
    #[error("line {line} ({sku}) is not serialized; serial numbers are not recorded for it")]
    NotSerialized { line: u32, sku: String },
    #[error("serial number {serial} is given twice")]
    SerialRepeated { serial: String },
    #[error("serial number {serial} of {sku} was already received on {po}")]
    DuplicateSerial { serial: String, sku: String, po: PoNumber },
    #[error("serial numbers cannot be empty")]
    EmptySerial,
    /// `serial` is shown with its control characters escaped (`\u{1b}`).
    #[error(
        "serial number {serial} holds a control character; a serial number is printable text (scan or type it again)"
    )]
    SerialControl { serial: String },
    /// `start` is the serial's first characters, escaped as for [`RuleError::SerialControl`].
    #[error(
        "serial number {start}… is {chars} characters long; a serial number has at most {max} (scan or type it again)"
    )]
    SerialTooLong { start: String, chars: usize, max: usize },
    /// `serial` is shown with its invisible characters escaped (`\u{feff}`), and
    /// `character` names the first of them (`U+FEFF (byte-order mark)`).
    #[error(
        "serial number {serial} holds an invisible character, {character}; a serial number is printable text (scan or type it again)"
    )]
    SerialInvisible { serial: String, character: String },
    #[error("{po} has no receipt {receipt}")]
    UnknownReceipt { po: PoNumber, receipt: u32 },
    #[error("receipt {receipt} of {po} was already undone")]
    ReceiptAlreadyUndone { po: PoNumber, receipt: u32 },
    #[error(
        "{po} has received items; an order can only be cancelled until anything is received (undo the receipts first)"
    )]
    AlreadyReceived { po: PoNumber },
    #[error("{po} is cancelled already")]
    AlreadyCancelled { po: PoNumber },
    #[error("no distributor `{0}` is configured; configured: {1}")]
    UnknownDistributor(String, String),
    #[error("no user `{0}` is configured")]
    UnknownUser(String),
    #[error("{user} cannot approve orders: an approver needs the approver role")]
    NotAnApprover { user: String },
    #[error("rule amounts: from {from} is above to {to}")]
    RuleRange { from: String, to: String },
    #[error("no approval rule {0}; there are {1}")]
    UnknownRule(usize, usize),
    #[error("{what} `{value}` is longer than {max} characters")]
    TooLong {
        what: &'static str,
        value: String,
        max: usize,
    },
    #[error("{what} cannot be negative")]
    Negative { what: &'static str },
    #[error("{what}: {why}")]
    TooLarge { what: &'static str, why: String },
    #[error("{po} is not being sent")]
    NotBeingSent { po: PoNumber },
    #[error("{distributor} cannot take this order: {problem}")]
    Distributor {
        distributor: String,
        problem: super::order::distributor_rules::DistributorRuleError,
    },
    #[error("{po} is being sent ({method}, job {job}); wait for it to finish, or see `purser sync status` (a send whose outcome is uncertain is settled with `purser sync mark-sent {job}` or `purser sync retry {job}`)")]
    BeingSent {
        po: PoNumber,
        method: &'static str,
        job: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_messages_are_singular_for_one() {
        let unknown = |count| {
            RuleError::UnknownLine {
                po: PoNumber(8),
                line: 3,
                count,
            }
            .to_string()
        };
        assert_eq!(unknown(1), "PO-000008 has no line 3 (it has 1 line)");
        assert_eq!(unknown(2), "PO-000008 has no line 3 (it has 2 lines)");
        let serials = RuleError::SerialCount {
            line: 1,
            sku: "AP-650".into(),
            qty: 1,
            serials: 0,
        };
        assert_eq!(
            serials.to_string(),
            "line 1 (AP-650) is serialized: give one serial number per unit (1 unit, 0 serials)"
        );
    }
}
