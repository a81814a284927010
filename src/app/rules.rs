//! Approval rules, edited by admins.

use super::Permission;
use super::{audit, AppError, Service};
use crate::domain::{ApprovalRule, Role, RuleError};
use crate::identity::Actor;

impl Service {
    pub fn rules(&self) -> Result<Vec<ApprovalRule>, AppError> {
        Ok(self.store.read(|tx| tx.rules())?)
    }

    /// Appends a rule; the approver must be a configured user with the approver role.
    pub fn add_rule(&self, actor: &Actor, rule: ApprovalRule) -> Result<Vec<ApprovalRule>, AppError> {
        Permission::EditRules.check(actor)?;
        match self.config.roles_of(&rule.approver) {
            None => return Err(RuleError::UnknownUser(rule.approver).into()),
            Some(r) if !r.has(Role::Approver) => return Err(RuleError::NotAnApprover { user: rule.approver }.into()),
            Some(_) => {}
        }
        if let Some(to) = rule.to {
            if to < rule.from {
                return Err(RuleError::RuleRange {
                    from: rule.from.to_string(),
                    to: to.to_string(),
                }
                .into());
            }
        }
        self.edit_rules(actor, "rules.add", |rules| {
            rules.push(rule);
            Ok(())
        })
    }

    /// Removes rule `n` (1-based).
    pub fn remove_rule(&self, actor: &Actor, n: usize) -> Result<Vec<ApprovalRule>, AppError> {
        Permission::EditRules.check(actor)?;
        self.edit_rules(actor, "rules.remove", |rules| {
            if n == 0 || n > rules.len() {
                return Err(RuleError::UnknownRule(n, rules.len()));
            }
            rules.remove(n - 1);
            Ok(())
        })
    }

    /// Removes every rule.
    pub fn clear_rules(&self, actor: &Actor) -> Result<Vec<ApprovalRule>, AppError> {
        Permission::EditRules.check(actor)?;
        self.edit_rules(actor, "rules.clear", |rules| {
            rules.clear();
            Ok(())
        })
    }

    fn edit_rules(
        &self,
        actor: &Actor,
        action: &str,
        change: impl FnOnce(&mut Vec<ApprovalRule>) -> Result<(), RuleError> + Send,
    ) -> Result<Vec<ApprovalRule>, AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let before = tx.rules()?;
            let mut after = before.clone();
            change(&mut after)?;
            tx.set_rules(&after)?;
            audit(tx, now, actor, action, "approval rules", &before, &after)?;
            Ok(after)
        })
    }
}
