//! Who may do what: one table of the roles each command needs ([`Permission`]), and the
//! one answer to "what may this user do to this order" ([`OrderActions`]). Every service
//! method asks these, and the screens ask them too, to grey out or refuse at once what
//! the service would refuse.

use crate::config::{Config, DistributorKind};
use crate::domain::order::distributor_rules::{self, DistributorAccount, DistributorRules};
use crate::domain::{ApprovalDecision, Order, Role, RuleError, Stage};
use crate::identity::Actor;

/// A command that needs a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ImportQuotes,
    DismissItems,
    RestoreItems,
    SplitItems,
    UpdateCosts,
    CreateOrders,
    ChangeOrders,
    EditOrders,
    PlaceOrders,
    ApproveOrders,
    RejectOrders,
    CancelOrders,
    SetPlacementOptions,
    ReceiveGoods,
    UndoReceipts,
    RetryPsaSync,
    RetryJobs,
    SettleJobs,
    EditRules,
}

const BUYER: &[Role] = &[Role::Buyer];
const BUYER_OR_ADMIN: &[Role] = &[Role::Buyer, Role::Admin];

impl Permission {
    /// The roles one of which the command needs (the first is the one a refusal names).
    pub fn roles(self) -> &'static [Role] {
        match self {
            Permission::ImportQuotes | Permission::RetryPsaSync | Permission::RetryJobs | Permission::SettleJobs => {
                BUYER_OR_ADMIN
            }
            Permission::DismissItems
            | Permission::RestoreItems
            | Permission::SplitItems
            | Permission::UpdateCosts
            | Permission::CreateOrders
            | Permission::ChangeOrders
            | Permission::EditOrders
            | Permission::PlaceOrders
            | Permission::CancelOrders => BUYER,
            Permission::SetPlacementOptions => &[Role::Buyer, Role::Approver],
            Permission::ApproveOrders | Permission::RejectOrders => &[Role::Approver],
            Permission::ReceiveGoods | Permission::UndoReceipts => &[Role::Receiver],
            Permission::EditRules => &[Role::Admin],
        }
    }

    /// What the command is, in the words of a refusal ("create purchase orders").
    pub fn describe(self) -> &'static str {
        match self {
            Permission::ImportQuotes => "import quotes",
            Permission::DismissItems => "dismiss pending items",
            Permission::RestoreItems => "restore dismissed items",
            Permission::SplitItems => "split pending items",
            Permission::UpdateCosts => "update item costs",
            Permission::CreateOrders => "create purchase orders",
            Permission::ChangeOrders => "change purchase orders",
            Permission::EditOrders => "edit purchase orders",
            Permission::PlaceOrders => "place purchase orders",
            Permission::ApproveOrders => "approve purchase orders",
            Permission::RejectOrders => "reject purchase orders",
            Permission::CancelOrders => "cancel purchase orders",
            Permission::SetPlacementOptions => "set placement options",
            Permission::ReceiveGoods => "receive goods",
            Permission::UndoReceipts => "undo receipts",
            Permission::RetryPsaSync => "retry the PSA sync",
            Permission::RetryJobs => "retry background jobs",
            Permission::SettleJobs => "settle background jobs",
            Permission::EditRules => "edit approval rules",
        }
    }

    /// Whether `actor` holds one of the roles.
    pub fn allows(self, actor: &Actor) -> bool {
        self.roles().iter().any(|r| actor.roles.has(*r))
    }

    /// Refuses unless `actor` holds one of the roles, saying who, what, and which role.
    pub fn check(self, actor: &Actor) -> Result<(), RuleError> {
        if self.allows(actor) {
            return Ok(());
        }
        Err(RuleError::MissingRole {
            actor: actor.name.clone(),
            action: self.describe().to_string(),
            role: self.roles()[0],
            roles: self.roles().to_vec(),
            held: actor.roles.to_string(),
        })
    }
}

/// Something a user may do to one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderAction {
    /// Edit the header (type, ship-to, special bid, end user, notes, shipping).
    Edit,
    AddItems,
    RemoveItems,
    /// Place it, or send it for approval; for the approver it awaits, approve it.
    Place,
    /// Approve (and place) an order awaiting the user's approval.
    Approve,
    Reject,
    Cancel,
    Receive,
    UndoReceipt,
    ExportPdf,
    RetrySync,
    /// Record an uncertain send as done.
    MarkSent,
    /// Send an uncertain or failed send again.
    SendAgain,
}

impl OrderAction {
    pub const ALL: [OrderAction; 13] = [
        OrderAction::Edit,
        OrderAction::AddItems,
        OrderAction::RemoveItems,
        OrderAction::Place,
        OrderAction::Approve,
        OrderAction::Reject,
        OrderAction::Cancel,
        OrderAction::Receive,
        OrderAction::UndoReceipt,
        OrderAction::ExportPdf,
        OrderAction::RetrySync,
        OrderAction::MarkSent,
        OrderAction::SendAgain,
    ];
}

/// What one user may do to one order: each action allowed, or the reason it is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderActions {
    answers: Vec<(OrderAction, Result<(), RuleError>)>,
}

impl OrderActions {
    /// Every action's answer for `actor` on `order` under `config`.
    pub fn of(config: &Config, actor: &Actor, order: &Order) -> OrderActions {
        let answers = OrderAction::ALL
            .iter()
            .map(|a| (*a, decide(config, actor, order, *a)))
            .collect();
        OrderActions { answers }
    }

    /// The answer for one action: allowed, or why not.
    pub fn may(&self, action: OrderAction) -> Result<(), &RuleError> {
        match self.answers.iter().find(|(a, _)| *a == action) {
            Some((_, r)) => r.as_ref().map(|_| ()),
            None => unreachable!("every action is answered"),
        }
    }

    pub fn allows(&self, action: OrderAction) -> bool {
        self.may(action).is_ok()
    }
}

/// The distributor rules an order for `key` must meet, from the configuration.
pub fn distributor_account(config: &Config, key: &str) -> DistributorAccount {
    let rules = match config.distributors.get(key).map(|d| d.kind) {
        Some(DistributorKind::Ingram) => DistributorRules::Ingram,
        Some(DistributorKind::TdsynnexUs | DistributorKind::TdsynnexEu) => DistributorRules::TdSynnex,
        Some(DistributorKind::Pax8) => DistributorRules::Pax8,
        Some(DistributorKind::Onetrail) => DistributorRules::Onetrail,
        Some(DistributorKind::Email | DistributorKind::Manual) | None => DistributorRules::None,
    };
    let warehouse = config.company.as_ref().and_then(crate::config::Company::warehouse);
    let currency = config.distributors.get(key).and_then(|d| d.currency.clone());
    DistributorAccount::new(rules, warehouse).billing_in(currency)
}

/// Refuses an order its distributor would refuse, naming the field.
pub fn check_for_distributor(config: &Config, order: &Order) -> Result<(), RuleError> {
    distributor_rules::check(order, &distributor_account(config, &order.distributor)).map_err(|problem| {
        RuleError::Distributor {
            distributor: config.distributor_name(&order.distributor),
            problem,
        }
    })
}

/// The one decision: whether `actor` may do `action` to `order` now. The role first,
/// then the order's state (the domain's own precondition), then the distributor's rules.
pub fn decide(config: &Config, actor: &Actor, order: &Order, action: OrderAction) -> Result<(), RuleError> {
    match action {
        OrderAction::Edit => {
            Permission::EditOrders.check(actor)?;
            order.may_change("editing")
        }
        OrderAction::AddItems => {
            Permission::ChangeOrders.check(actor)?;
            order.may_change("adding items")
        }
        OrderAction::RemoveItems => {
            Permission::ChangeOrders.check(actor)?;
            order.may_change("removing items")
        }
        OrderAction::Place => {
            place_roles(actor, order)?;
            order.may_place(&actor.name)?;
            check_for_distributor(config, order)
        }
        OrderAction::Approve => {
            Permission::ApproveOrders.check(actor)?;
            order.may_decide_approval(&actor.name, "approving")?;
            check_for_distributor(config, order)
        }
        OrderAction::Reject => {
            Permission::RejectOrders.check(actor)?;
            order.may_decide_approval(&actor.name, "rejecting")
        }
        OrderAction::Cancel => {
            Permission::CancelOrders.check(actor)?;
            order.may_cancel()
        }
        OrderAction::Receive => {
            Permission::ReceiveGoods.check(actor)?;
            order.may_receive()
        }
        OrderAction::UndoReceipt => {
            Permission::UndoReceipts.check(actor)?;
            order.may_undo_receipts()
        }
        OrderAction::ExportPdf => Ok(()),
        OrderAction::RetrySync => Permission::RetryPsaSync.check(actor),
        OrderAction::MarkSent | OrderAction::SendAgain => {
            let p = if action == OrderAction::MarkSent {
                Permission::SettleJobs
            } else {
                Permission::RetryJobs
            };
            p.check(actor)?;
            match order.sending {
                Some(_) => Ok(()),
                None => Err(RuleError::NotBeingSent { po: order.number }),
            }
        }
    }
}

/// The roles placing needs: the buyer's to place, the approver's to approve. An order
/// awaiting someone else is refused by the order itself (only its approver may).
fn place_roles(actor: &Actor, order: &Order) -> Result<(), RuleError> {
    match &order.stage {
        Stage::AwaitingApproval { approver, .. } if *approver == actor.name => Permission::ApproveOrders.check(actor),
        Stage::AwaitingApproval { .. } => Ok(()),
        _ => {
            Permission::PlaceOrders.check(actor)?;
            // Placing an order whose rule names the actor approves it as well.
            match order.approval_needed() {
                ApprovalDecision::Required { approver, .. } if approver == actor.name => {
                    Permission::ApproveOrders.check(actor)
                }
                _ => Ok(()),
            }
        }
    }
}
