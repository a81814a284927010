//! Approval rules and their evaluation.
//!
//! Rules are ordered `{from, to, approver}` ranges. They are copied onto an order when it
//! is created; at placement the snapshot is evaluated against the order total: the first
//! rule whose range holds the total and whose approver is not the creator decides. No such
//! rule: no approval is needed. The creator never approves their own order.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One approval rule: orders totalling `from ≤ total ≤ to` (no `to`: open-ended) need
/// `approver`'s approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRule {
    pub from: Decimal,
    pub to: Option<Decimal>,
    pub approver: String,
}

impl ApprovalRule {
    pub fn holds(&self, total: Decimal) -> bool {
        total >= self.from && self.to.is_none_or(|to| total <= to)
    }

    /// "1,000.00 – 5,000.00 → carol" for lists.
    pub fn describe(&self) -> String {
        let from = super::money::group_thousands(self.from);
        match self.to {
            Some(to) => format!("{from} – {} → {}", super::money::group_thousands(to), self.approver),
            None => format!("{from} and above → {}", self.approver),
        }
    }
}

/// The outcome of evaluating the rules for one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalDecision {
    NotRequired,
    /// Needs this approver; `rule` is the 1-based position of the deciding rule.
    Required {
        approver: String,
        rule: usize,
    },
}

/// Evaluates `rules` in order for an order of `total` created by `creator`.
///
/// The total is taken to the cent first (half away from zero): rules are written in
/// cents (`5,000.00 – 20,000.00`, `20,000.01 and above`), and a total such as
/// `20,000.005`, possible with four-decimal unit costs, would otherwise fall between
/// two rules and need no approval at all.
pub fn evaluate(rules: &[ApprovalRule], total: Decimal, creator: &str) -> ApprovalDecision {
    let total = total.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    rules
        .iter()
        .enumerate()
        .find(|(_, r)| r.holds(total) && r.approver != creator)
        .map_or(ApprovalDecision::NotRequired, |(i, r)| ApprovalDecision::Required {
            approver: r.approver.clone(),
            rule: i + 1,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn rule(from: &str, to: Option<&str>, who: &str) -> ApprovalRule {
        ApprovalRule {
            from: d(from),
            to: to.map(d),
            approver: who.into(),
        }
    }

    #[test]
    fn a_total_between_two_rules_in_cents_is_taken_to_the_cent() {
        let rules = [
            rule("5000.00", Some("20000.00"), "carol"),
            rule("20000.01", None, "dave"),
        ];
        let needs = |total: &str| match evaluate(&rules, d(total), "alice") {
            ApprovalDecision::Required { approver, .. } => approver,
            ApprovalDecision::NotRequired => "nobody".into(),
        };
        assert_eq!(needs("20000.004"), "carol");
        assert_eq!(needs("20000.005"), "dave", "half a cent rounds up, away from zero");
        assert_eq!(needs("20000.0099"), "dave");
        assert_eq!(needs("4999.994"), "nobody");
        assert_eq!(needs("4999.995"), "carol");
    }

    #[test]
    fn no_rules_no_approval() {
        assert_eq!(evaluate(&[], d("1000000"), "bob"), ApprovalDecision::NotRequired);
    }

    #[test]
    fn below_every_threshold_needs_nothing() {
        let rules = [rule("1000", Some("5000"), "carol"), rule("5000", None, "dave")];
        assert_eq!(evaluate(&rules, d("999.99"), "bob"), ApprovalDecision::NotRequired);
    }

    #[test]
    fn first_matching_rule_decides_and_bounds_are_inclusive() {
        let rules = [rule("1000", Some("5000"), "carol"), rule("5000", None, "dave")];
        let carol = ApprovalDecision::Required {
            approver: "carol".into(),
            rule: 1,
        };
        let dave = ApprovalDecision::Required {
            approver: "dave".into(),
            rule: 2,
        };
        assert_eq!(evaluate(&rules, d("1000"), "bob"), carol);
        assert_eq!(evaluate(&rules, d("5000"), "bob"), carol);
        assert_eq!(evaluate(&rules, d("5000.01"), "bob"), dave);
        assert_eq!(evaluate(&rules, d("99999999"), "bob"), dave);
    }

    #[test]
    fn a_rule_naming_the_creator_is_skipped() {
        let rules = [rule("0", None, "carol"), rule("0", None, "dave")];
        assert_eq!(
            evaluate(&rules, d("10"), "carol"),
            ApprovalDecision::Required {
                approver: "dave".into(),
                rule: 2
            }
        );
    }

    #[test]
    fn only_matching_rule_names_creator_means_no_approval() {
        let rules = [rule("1000", None, "carol")];
        assert_eq!(evaluate(&rules, d("2000"), "carol"), ApprovalDecision::NotRequired);
    }

    #[test]
    fn describe_reads_well() {
        assert_eq!(
            rule("1000", Some("5000"), "carol").describe(),
            "1,000.00 – 5,000.00 → carol"
        );
        assert_eq!(rule("5000", None, "dave").describe(), "5,000.00 and above → dave");
    }

    fn arb_rule() -> impl Strategy<Value = ApprovalRule> {
        (0u32..10_000, proptest::option::of(0u32..10_000), 0usize..4).prop_map(|(f, t, w)| ApprovalRule {
            from: Decimal::from(f),
            to: t.map(|t| Decimal::from(f.max(t))),
            approver: ["ann", "bob", "cy", "di"][w].to_string(),
        })
    }

    proptest! {
        #[test]
        fn the_creator_is_never_the_approver(
            rules in proptest::collection::vec(arb_rule(), 0..8),
            total in 0u32..12_000,
            creator in 0usize..4,
        ) {
            let creator = ["ann", "bob", "cy", "di"][creator];
            match evaluate(&rules, Decimal::from(total), creator) {
                ApprovalDecision::Required { approver, rule } => {
                    prop_assert_ne!(approver.as_str(), creator);
                    let r = &rules[rule - 1];
                    prop_assert!(r.holds(Decimal::from(total)));
                    // No earlier rule could have decided.
                    for earlier in &rules[..rule - 1] {
                        prop_assert!(!earlier.holds(Decimal::from(total)) || earlier.approver == creator);
                    }
                }
                ApprovalDecision::NotRequired => {
                    for r in &rules {
                        prop_assert!(!r.holds(Decimal::from(total)) || r.approver == creator);
                    }
                }
            }
        }
    }
}
