//! Purchase orders: create, add, remove, edit, place, reject, cancel.

use super::permissions::{check_for_distributor, OrderAction, Permission};
use super::{audit, enqueue, load_order, AppError, Service};
use crate::domain::job::JobKind;
use crate::domain::order::{ApiOptions, NewOrder, OrderEdit, PlaceOutcome};
use crate::domain::{Address, ItemId, Order, OrderType, PendingItem, PlacementMethod, PoNumber, RuleError};
use crate::identity::Actor;
use crate::store::WriteOps;
use serde::Serialize;

/// What a buyer fills in to create an order.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct CreateOrder {
    pub distributor: String,
    pub order_type: OrderType,
    pub ship_to: Option<Address>,
    pub special_bid: Option<String>,
    pub end_user: Option<Address>,
    pub notes: Option<String>,
    pub items: Vec<ItemId>,
}

/// Whether items of another distributor than the order's may go on it: only when the
/// person was asked, naming both, and agreed. Their other distributor's part numbers are
/// then not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum OtherDistributors {
    Refuse,
    Allow,
}

impl OtherDistributors {
    fn applied_to(self, policy: crate::domain::order::OrderPolicy) -> crate::domain::order::OrderPolicy {
        crate::domain::order::OrderPolicy {
            other_distributors_confirmed: self == OtherDistributors::Allow,
            ..policy
        }
    }
}

/// How to place an order.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PlaceRequest {
    pub po: PoNumber,
    pub method: PlacementMethod,
    /// Link to the order in the distributor's portal (manual placement).
    pub link: Option<String>,
}

/// What placing did.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceResult {
    /// Placed, sent for approval, or being sent by a background job.
    pub outcome: PlaceOutcome,
    /// Who approved it, or whom it awaits.
    pub approver: Option<String>,
    /// The job sending the order, when it is being sent.
    pub job: Option<u64>,
    pub order: Order,
}

/// What cancelling did, with a warning when the distributor already has the order.
#[derive(Debug, Clone, Serialize)]
pub struct CancelResult {
    pub order: Order,
    pub returned_items: Vec<ItemId>,
    pub warning: Option<String>,
}

fn load_items(tx: &dyn WriteOps, ids: &[ItemId]) -> Result<Vec<PendingItem>, AppError> {
    ids.iter()
        .map(|id| Ok(tx.item(*id)?.ok_or(RuleError::UnknownItem(*id))?))
        .collect()
}

impl Service {
    /// All orders, newest first.
    pub fn list_orders(&self) -> Result<Vec<Order>, AppError> {
        let mut orders = self.store.read(|tx| tx.orders())?;
        orders.reverse();
        Ok(orders)
    }

    /// One order.
    pub fn order(&self, po: PoNumber) -> Result<Order, AppError> {
        self.store
            .read(|tx| tx.order(po))?
            .ok_or_else(|| RuleError::UnknownOrder(po).into())
    }

    fn check_distributor(&self, key: &str) -> Result<(), AppError> {
        if self.config.distributors.contains_key(key) {
            Ok(())
        } else {
            Err(RuleError::UnknownDistributor(key.to_string(), self.config.distributor_keys()).into())
        }
    }

    /// Creates a pending order for one distributor from pool items of any quotes.
    pub fn create_order(&self, actor: &Actor, req: CreateOrder) -> Result<Order, AppError> {
        self.create_order_with(actor, req, OtherDistributors::Refuse)
    }

    /// [`Service::create_order`], saying whether items of another distributor than the
    /// order's may go on it (the person was asked and agreed).
    pub fn create_order_with(
        &self,
        actor: &Actor,
        req: CreateOrder,
        others: OtherDistributors,
    ) -> Result<Order, AppError> {
        Permission::CreateOrders.check(actor)?;
        self.check_distributor(&req.distributor)?;
        if req.items.is_empty() {
            return Err(RuleError::EmptyOrder.into());
        }
        let now = self.now();
        let policy = others.applied_to(self.policy());
        self.store.write(|tx| {
            let items = load_items(tx, &req.items)?;
            let quote_ship_to = match (&req.ship_to, req.order_type) {
                (None, OrderType::Dropship) => tx.quote(&items[0].quote_id)?.and_then(|q| q.quote.ship_to),
                _ => None,
            };
            let rules = tx.rules()?;
            // A refusal aborts the transaction, so the number taken here is given back.
            let number = tx.next_po_number()?;
            let new = NewOrder {
                number,
                distributor: req.distributor.clone(),
                order_type: req.order_type,
                ship_to: req.ship_to.clone(),
                quote_ship_to: quote_ship_to.clone(),
                special_bid: req.special_bid.clone(),
                end_user: req.end_user.clone(),
                notes: req.notes.clone(),
                created_by: &actor.name,
                now,
                rules,
                policy,
            };
            let order = Order::create(new, &items)?;
            check_for_distributor(&self.config, &order)?;
            for item in &items {
                tx.put_item(&item.order_on(number)?)?;
            }
            tx.put_order(&order)?;
            audit(
                tx,
                now,
                actor,
                "po.create",
                &number.to_string(),
                &serde_json::Value::Null,
                &order,
            )?;
            Ok(order)
        })
    }

    /// Adds pool items to a pending order.
    pub fn add_to_order(&self, actor: &Actor, po: PoNumber, ids: &[ItemId]) -> Result<Order, AppError> {
        self.add_to_order_with(actor, po, ids, OtherDistributors::Refuse)
    }

    /// [`Service::add_to_order`], saying whether items of another distributor may go on it.
    pub fn add_to_order_with(
        &self,
        actor: &Actor,
        po: PoNumber,
        ids: &[ItemId],
        others: OtherDistributors,
    ) -> Result<Order, AppError> {
        let now = self.now();
        let policy = others.applied_to(self.policy());
        self.store.write(|tx| {
            let before = load_order(tx, po)?;
            self.may(actor, &before, OrderAction::AddItems)?;
            let items = load_items(tx, ids)?;
            let mut after = before.clone();
            after.add_items(&items, policy)?;
            check_for_distributor(&self.config, &after)?;
            for item in &items {
                tx.put_item(&item.order_on(po)?)?;
            }
            tx.put_order(&after)?;
            audit(
                tx,
                now,
                actor,
                "po.add",
                &po.to_string(),
                &before.item_ids(),
                &after.item_ids(),
            )?;
            Ok(after)
        })
    }

    /// Removes items from a pending order; they return to the pool.
    pub fn remove_from_order(&self, actor: &Actor, po: PoNumber, ids: &[ItemId]) -> Result<Order, AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let before = load_order(tx, po)?;
            self.may(actor, &before, OrderAction::RemoveItems)?;
            let mut after = before.clone();
            after.remove_items(ids)?;
            for item in load_items(tx, ids)? {
                tx.put_item(&item.return_to_pool(po)?)?;
            }
            tx.put_order(&after)?;
            audit(
                tx,
                now,
                actor,
                "po.remove",
                &po.to_string(),
                &before.item_ids(),
                &after.item_ids(),
            )?;
            Ok(after)
        })
    }

    /// Edits a pending order's header.
    pub fn edit_order(&self, actor: &Actor, po: PoNumber, edit: OrderEdit) -> Result<Order, AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let before = load_order(tx, po)?;
            self.may(actor, &before, OrderAction::Edit)?;
            let quote_ship_to = match before.lines.first() {
                Some(l) => tx.quote(&l.quote_id)?.and_then(|q| q.quote.ship_to),
                None => None,
            };
            let mut after = before.clone();
            after.edit(edit, quote_ship_to)?;
            check_for_distributor(&self.config, &after)?;
            tx.put_order(&after)?;
            audit(
                tx,
                now,
                actor,
                "po.edit",
                &po.to_string(),
                &header(&before),
                &header(&after),
            )?;
            Ok(after)
        })
    }

    /// Places an order, or sends it for approval when its snapshot rules require one.
    /// Manual and skip placement complete at once; email placement is handed to a
    /// background job recorded in the same transaction (see [`PlaceResult::job`]).
    pub fn place(&self, actor: &Actor, req: PlaceRequest) -> Result<PlaceResult, AppError> {
        self.place_with_options(actor, req, None)
    }

    /// [`Service::place`] with the options an API placement carries (Pax8 terms and
    /// provisioning), recorded in the same transaction: a refused placement keeps none
    /// of them.
    pub fn place_with_options(
        &self,
        actor: &Actor,
        req: PlaceRequest,
        options: Option<ApiOptions>,
    ) -> Result<PlaceResult, AppError> {
        self.place_as(actor, req, options, OrderAction::Place)
    }

    /// The approver it awaits approves an order and places it (`po approve`, the
    /// Approvals pane): refused for an order not awaiting the actor's approval.
    pub fn approve(&self, actor: &Actor, req: PlaceRequest) -> Result<PlaceResult, AppError> {
        self.approve_with_options(actor, req, None)
    }

    /// [`Service::approve`] with the options of an API placement.
    pub fn approve_with_options(
        &self,
        actor: &Actor,
        req: PlaceRequest,
        options: Option<ApiOptions>,
    ) -> Result<PlaceResult, AppError> {
        self.place_as(actor, req, options, OrderAction::Approve)
    }

    /// Placing, as `action` (placing, or approving) decides who may.
    fn place_as(
        &self,
        actor: &Actor,
        req: PlaceRequest,
        options: Option<ApiOptions>,
        action: OrderAction,
    ) -> Result<PlaceResult, AppError> {
        let options = options.map(|o| Self::checked_api_options(actor, o)).transpose()?;
        let now = self.now();
        let po = req.po;
        self.store.write(|tx| {
            if let Some(options) = &options {
                super::distributors::record_api_options(tx, actor, po, options.clone(), now)?;
            }
            let before = load_order(tx, po)?;
            // The roles, the order's state, and the distributor's checks: before it goes
            // for approval, and again when it is approved.
            self.may(actor, &before, action)?;
            let mut after = before.clone();
            let outcome = match req.method {
                PlacementMethod::Manual | PlacementMethod::Skip => {
                    after.place(&actor.name, req.method, req.link.clone(), now)?
                }
                PlacementMethod::Email | PlacementMethod::Api => {
                    // Only an order that really goes out now (not one that goes for
                    // approval) needs a working channel and a job to send it.
                    match after.begin_submission(&actor.name, req.method, 0, now)? {
                        PlaceOutcome::Sending { .. } => {
                            self.check_channel(&before, req.method)?;
                            let kind = match req.method {
                                PlacementMethod::Api => JobKind::SubmitApi { po },
                                _ => JobKind::SubmitEmail { po },
                            };
                            let job = enqueue(tx, kind, now)?;
                            if let Some(sending) = after.sending.as_mut() {
                                sending.job = job;
                            }
                            PlaceOutcome::Sending { job }
                        }
                        other => other,
                    }
                }
            };
            tx.put_order(&after)?;
            let (action, approver, job) = match &outcome {
                PlaceOutcome::SentForApproval { approver } => {
                    enqueue(
                        tx,
                        JobKind::NotifyApprover {
                            po,
                            approver: approver.clone(),
                        },
                        now,
                    )?;
                    ("po.request_approval", Some(approver.clone()), None)
                }
                PlaceOutcome::Sending { job } => (
                    "po.submit",
                    after.sending.as_ref().and_then(|s| s.approved_by.clone()),
                    Some(*job),
                ),
                PlaceOutcome::Placed => {
                    super::enqueue_psa_sync(tx, &self.config, po, now)?;
                    let action = if after.approver().is_some() {
                        "po.approve_and_place"
                    } else {
                        "po.place"
                    };
                    (action, after.approver().map(str::to_string), None)
                }
            };
            audit(
                tx,
                now,
                actor,
                action,
                &po.to_string(),
                &before.stage,
                &serde_json::json!({"stage": after.stage, "sending": after.sending}),
            )?;
            Ok(PlaceResult {
                outcome,
                approver,
                job,
                order: after,
            })
        })
    }

    /// Whether `method` can reach the distributor, checked before anything changes.
    fn check_channel(&self, order: &Order, method: PlacementMethod) -> Result<(), AppError> {
        let name = self.config.distributor_name(&order.distributor);
        match method {
            PlacementMethod::Manual | PlacementMethod::Skip => Ok(()),
            PlacementMethod::Email => {
                let has_address = self
                    .config
                    .distributors
                    .get(&order.distributor)
                    .is_some_and(|d| !d.email.is_empty());
                if !has_address {
                    return Err(AppError::NotAvailable {
                        what: format!("email submission to {name}"),
                        why: format!("[distributors.{}] has no email addresses", order.distributor),
                    });
                }
                if self.config.smtp.is_none() && self.config.mail.is_none() {
                    return Err(AppError::NotAvailable {
                        what: format!("email submission to {name}"),
                        why: "no [smtp] server is configured".into(),
                    });
                }
                Ok(())
            }
            PlacementMethod::Api => {
                let kind = self
                    .config
                    .distributors
                    .get(&order.distributor)
                    .map(|d| d.kind)
                    .unwrap_or_default();
                if kind.has_api() {
                    Ok(())
                } else {
                    Err(AppError::NotAvailable {
                        what: format!("API submission to {name}"),
                        why: format!(
                            "[distributors.{}] is kind = \"{}\", which has no ordering API; email the PO or mark it as submitted instead",
                            order.distributor,
                            kind.as_str()
                        ),
                    })
                }
            }
        }
    }

    /// The approver rejects an order awaiting their approval: back to pending, with reason.
    pub fn reject(&self, actor: &Actor, po: PoNumber, reason: &str) -> Result<Order, AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let before = load_order(tx, po)?;
            self.may(actor, &before, OrderAction::Reject)?;
            let mut after = before.clone();
            after.reject(&actor.name, reason, now)?;
            enqueue(
                tx,
                JobKind::NotifyRejection {
                    po,
                    creator: after.created_by.clone(),
                    reason: reason.trim().to_string(),
                },
                now,
            )?;
            tx.put_order(&after)?;
            audit(
                tx,
                now,
                actor,
                "po.reject",
                &po.to_string(),
                &before.stage,
                &serde_json::json!({"stage": after.stage, "reason": reason.trim()}),
            )?;
            Ok(after)
        })
    }

    /// Cancels an order (until anything is received); every item returns to the pool.
    pub fn cancel(&self, actor: &Actor, po: PoNumber) -> Result<CancelResult, AppError> {
        let now = self.now();
        let result = self.store.write(|tx| {
            let before = load_order(tx, po)?;
            self.may(actor, &before, OrderAction::Cancel)?;
            let mut after = before.clone();
            after.cancel(&actor.name, now)?;
            let ids = after.item_ids();
            for item in load_items(tx, &ids)? {
                tx.put_item(&item.return_to_pool(po)?)?;
            }
            tx.put_order(&after)?;
            audit(
                tx,
                now,
                actor,
                "po.cancel",
                &po.to_string(),
                &before.stage,
                &after.stage,
            )?;
            let at_distributor = before.is_at_distributor().then(|| {
                let sub = before.submission().expect("placed orders have a submission");
                format!(
                    "{po} was already placed with {} ({}); cancel it with the distributor too",
                    self.config.distributor_name(&before.distributor),
                    sub.method.describe()
                )
            });
            // What its PSA sync made stays in the PSA: said too.
            let in_psa = tx
                .psa_sync(po)?
                .and_then(|st| super::psa::cancelled_in_purser(&after, &st, self.config.psa.kind));
            let warning = match (at_distributor, in_psa) {
                (Some(d), Some(p)) => Some(format!("{d}; {p}")),
                (d, p) => d.or(p),
            };
            Ok::<_, AppError>(CancelResult {
                order: after,
                returned_items: ids,
                warning,
            })
        })?;
        Ok(result)
    }
}

fn header(o: &Order) -> serde_json::Value {
    serde_json::json!({
        "order_type": o.order_type,
        "ship_to": o.ship_to,
        "special_bid": o.special_bid,
        "end_user": o.end_user,
        "notes": o.notes,
        "shipping": o.shipping,
    })
}
