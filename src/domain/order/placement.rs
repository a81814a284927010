//! Placing an order: approval by the snapshot rules, placement at once or through a
//! background submission, rejection, and cancellation.

use super::{
    clean, DistributorOrder, Order, PlaceOutcome, PlacementMethod, Rejection, Sending, Stage, Submission,
    SubmissionError,
};
use crate::domain::approval::{self, ApprovalDecision};
use crate::domain::{OrderStatus, RuleError, Timestamp};

enum Authorization {
    SentForApproval { approver: String },
    Approved { approved_by: Option<String> },
}

impl Order {
    /// Places the order, or sends it for approval.
    ///
    /// From `Pending`: the snapshot rules are evaluated against the total. When approval is
    /// needed and the actor is not the approver, the order goes to `Awaiting approval`.
    /// When the actor is the named approver (never the creator), placing is the approval.
    /// From `Awaiting approval`: only the named approver can place it.
    pub fn place(
        &mut self,
        actor: &str,
        method: PlacementMethod,
        link: Option<String>,
        now: Timestamp,
    ) -> Result<PlaceOutcome, RuleError> {
        match self.authorize(actor, now)? {
            Authorization::SentForApproval { approver } => Ok(PlaceOutcome::SentForApproval { approver }),
            Authorization::Approved { approved_by } => {
                self.stage = Stage::Placed(Submission {
                    method,
                    at: now,
                    by: actor.to_string(),
                    approved_by,
                    link: clean(link),
                    recipients: Vec::new(),
                    message_id: None,
                    distributor_orders: Vec::new(),
                });
                Ok(PlaceOutcome::Placed)
            }
        }
    }

    /// Like [`Order::place`] for methods that reach the distributor in the background
    /// (email, API): when the order may be placed, it is marked as being sent by `job`
    /// and stays where it is until [`Order::complete_submission`] or
    /// [`Order::abandon_submission`].
    pub fn begin_submission(
        &mut self,
        actor: &str,
        method: PlacementMethod,
        job: u64,
        now: Timestamp,
    ) -> Result<PlaceOutcome, RuleError> {
        match self.authorize(actor, now)? {
            Authorization::SentForApproval { approver } => Ok(PlaceOutcome::SentForApproval { approver }),
            Authorization::Approved { approved_by } => {
                self.sending = Some(Sending {
                    method,
                    by: actor.to_string(),
                    at: now,
                    approved_by,
                    job,
                });
                Ok(PlaceOutcome::Sending { job })
            }
        }
    }

    /// The background submission reached the distributor: the order is placed.
    pub fn complete_submission(
        &mut self,
        recipients: Vec<String>,
        message_id: Option<String>,
        distributor_orders: Vec<DistributorOrder>,
        now: Timestamp,
    ) -> Result<(), RuleError> {
        let sending = self
            .sending
            .take()
            .ok_or_else(|| self.wrong_status("recording a submission", "being sent"))?;
        self.clear_api_attempt();
        self.stage = Stage::Placed(Submission {
            method: sending.method,
            at: now,
            by: sending.by,
            approved_by: sending.approved_by,
            link: None,
            recipients,
            message_id,
            distributor_orders,
        });
        Ok(())
    }

    /// The background submission failed for good: the order stays where it was, with the
    /// error kept, and can be placed again.
    pub fn abandon_submission(&mut self, error: &str, now: Timestamp) {
        if let Some(sending) = self.sending.take() {
            self.clear_api_attempt();
            self.note_error(sending.method, error, now);
        }
    }

    /// Keeps what went wrong sending the order, for people to see on it.
    pub fn note_error(&mut self, method: PlacementMethod, message: &str, now: Timestamp) {
        self.errors.push(SubmissionError {
            at: now,
            method,
            message: message.to_string(),
        });
    }

    /// Whether `actor` may place the order now (or send it for approval), without
    /// changing it: the rule [`Order::place`] and [`Order::begin_submission`] apply.
    pub fn may_place(&self, actor: &str) -> Result<(), RuleError> {
        self.authorization(actor).map(drop)
    }

    /// Decides whether `actor` may place the order now, moving it to `Awaiting approval`
    /// when a rule requires an approver other than the actor.
    fn authorize(&mut self, actor: &str, now: Timestamp) -> Result<Authorization, RuleError> {
        let decided = self.authorization(actor)?;
        if let Authorization::SentForApproval { approver } = &decided {
            self.stage = Stage::AwaitingApproval {
                approver: approver.clone(),
                requested_by: actor.to_string(),
                requested_at: now,
                total: self.total(),
            };
        }
        Ok(decided)
    }

    /// What placing by `actor` would do, or why it is refused.
    fn authorization(&self, actor: &str) -> Result<Authorization, RuleError> {
        self.not_being_sent()?;
        let approved_by = match &self.stage {
            Stage::Pending => match approval::evaluate(&self.rules, self.total(), &self.created_by) {
                ApprovalDecision::NotRequired => None,
                ApprovalDecision::Required { approver, .. } if approver == actor => Some(approver),
                ApprovalDecision::Required { approver, .. } => {
                    return Ok(Authorization::SentForApproval { approver });
                }
            },
            Stage::AwaitingApproval { approver, .. } => {
                if approver != actor {
                    return Err(RuleError::NotTheApprover {
                        po: self.number,
                        approver: approver.clone(),
                    });
                }
                Some(approver.clone())
            }
            _ => return Err(self.wrong_status("placing", "Pending or Awaiting approval")),
        };
        if approved_by.as_deref() == Some(self.created_by.as_str()) {
            return Err(RuleError::OwnOrder {
                actor: actor.to_string(),
                po: self.number,
            });
        }
        Ok(Authorization::Approved { approved_by })
    }

    /// Whether the order may be cancelled now: until anything is received.
    pub fn may_cancel(&self) -> Result<(), RuleError> {
        self.not_being_sent()?;
        match self.status() {
            OrderStatus::Cancelled => Err(RuleError::AlreadyCancelled { po: self.number }),
            OrderStatus::Completed => Err(RuleError::AlreadyReceived { po: self.number }),
            _ if self.units_received() > 0 => Err(RuleError::AlreadyReceived { po: self.number }),
            _ => Ok(()),
        }
    }

    /// Whether placing now would need approval (and by whom), without changing anything.
    pub fn approval_needed(&self) -> ApprovalDecision {
        approval::evaluate(&self.rules, self.total(), &self.created_by)
    }

    /// Refuses while a submission is under way in the background.
    pub(crate) fn not_being_sent(&self) -> Result<(), RuleError> {
        match &self.sending {
            Some(s) => Err(RuleError::BeingSent {
                po: self.number,
                method: s.method.describe(),
                job: s.job,
            }),
            None => Ok(()),
        }
    }

    /// Whether `actor` may decide on the order's approval (approve or reject it): it
    /// awaits their approval. `action` names the decision in a refusal.
    pub fn may_decide_approval(&self, actor: &str, action: &'static str) -> Result<(), RuleError> {
        self.not_being_sent()?;
        let Stage::AwaitingApproval { approver, .. } = &self.stage else {
            return Err(self.wrong_status(action, "Awaiting approval"));
        };
        if approver != actor {
            return Err(RuleError::NotTheApprover {
                po: self.number,
                approver: approver.clone(),
            });
        }
        Ok(())
    }

    /// The approver rejects the order: back to `Pending`, with the reason kept.
    pub fn reject(&mut self, actor: &str, reason: &str, now: Timestamp) -> Result<(), RuleError> {
        self.may_decide_approval(actor, "rejecting")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(RuleError::ReasonRequired("reject an order"));
        }
        self.rejections.push(Rejection {
            by: actor.to_string(),
            at: now,
            reason: reason.to_string(),
        });
        self.stage = Stage::Pending;
        Ok(())
    }

    /// Cancels the order; possible until anything is received. The caller returns every
    /// item to the pool.
    pub fn cancel(&mut self, actor: &str, now: Timestamp) -> Result<(), RuleError> {
        self.may_cancel()?;
        self.stage = Stage::Cancelled {
            by: actor.to_string(),
            at: now,
        };
        Ok(())
    }
}
