//! Place and approve: without rules placing places, the placement method decides the
//! status, a matching rule sends the order for approval, only the named approver places
//! it, the creator never approves their own order, and the rules are the snapshot taken
//! at creation.
//!
//! Reject: the approver rejects with a reason and the order is pending again.
//!
//! Cancel: until anything is received, and never twice or once completed.

use super::*;

#[test]
fn without_rules_placing_places() {
    let mut o = order(&[item(1, 2)]);
    let outcome = o
        .place(
            "bob",
            PlacementMethod::Manual,
            Some("  https://portal.example/PO/1 ".into()),
            ts(20),
        )
        .unwrap();
    assert_eq!(outcome, PlaceOutcome::Placed);
    assert_eq!(
        o.stage,
        Stage::Placed(Submission {
            method: PlacementMethod::Manual,
            at: ts(20),
            by: "bob".into(),
            approved_by: None,
            link: Some("https://portal.example/PO/1".into()),
            recipients: Vec::new(),
            message_id: None,
            distributor_orders: Vec::new(),
        })
    );
    assert_eq!(o.status(), OrderStatus::Submitted);
    assert_eq!(o.approver(), None);
    assert!(o.is_at_distributor());
}

#[test]
fn the_placement_method_decides_the_status() {
    for (method, status, at_distributor) in [
        (PlacementMethod::Email, OrderStatus::EmailSent, true),
        (PlacementMethod::Manual, OrderStatus::Submitted, true),
        (PlacementMethod::Api, OrderStatus::Submitted, true),
        (PlacementMethod::Skip, OrderStatus::Submitted, false),
    ] {
        let mut o = order(&[item(1, 1)]);
        o.place("bob", method, Some("  ".into()), ts(1)).unwrap();
        assert_eq!(o.status(), status, "{method:?}");
        assert_eq!(o.is_at_distributor(), at_distributor, "{method:?}");
        assert_eq!(o.submission().unwrap().method, method);
        assert_eq!(o.submission().unwrap().link, None);
    }
}

#[test]
fn a_matching_rule_sends_the_order_for_approval() {
    let rules = vec![rule("1000", Some("5000"), "carol"), rule("5000.01", None, "dave")];
    let mut o = order_with_rules(&[item(1, 12)], rules); // 1,200.00
    assert_eq!(
        o.approval_needed(),
        ApprovalDecision::Required {
            approver: "carol".into(),
            rule: 1,
        }
    );
    let outcome = o.place("bob", PlacementMethod::Email, None, ts(30)).unwrap();
    assert_eq!(
        outcome,
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
    assert_eq!(
        o.stage,
        Stage::AwaitingApproval {
            approver: "carol".into(),
            requested_by: "bob".into(),
            requested_at: ts(30),
            total: dec("1200.00"),
        }
    );
    assert_eq!(o.status(), OrderStatus::AwaitingApproval);
    assert_eq!(o.approver(), Some("carol"));
    assert!(!o.is_at_distributor());
}

#[test]
fn below_every_threshold_no_approval_is_needed() {
    let mut o = order_with_rules(&[item(1, 9)], vec![rule("1000", None, "carol")]); // 900.00
    assert_eq!(o.approval_needed(), ApprovalDecision::NotRequired);
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap(),
        PlaceOutcome::Placed
    );
    assert_eq!(o.submission().unwrap().approved_by, None);
}

#[test]
fn the_approver_placing_from_pending_places_directly() {
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("1000", None, "carol")]);
    let outcome = o.place("carol", PlacementMethod::Api, None, ts(40)).unwrap();
    assert_eq!(outcome, PlaceOutcome::Placed);
    let sub = o.submission().unwrap();
    assert_eq!(sub.by, "carol");
    assert_eq!(sub.approved_by.as_deref(), Some("carol"));
    assert_eq!(sub.at, ts(40));
    assert_eq!(o.approver(), Some("carol"));
    assert_eq!(o.status(), OrderStatus::Submitted);
}

#[test]
fn awaiting_approval_only_the_named_approver_can_place() {
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("1000", None, "carol")]);
    o.place("bob", PlacementMethod::Email, None, ts(1)).unwrap();
    let before = o.clone();
    for other in ["dave", "bob", "Carol"] {
        let e = o.place(other, PlacementMethod::Email, None, ts(2)).unwrap_err();
        assert_eq!(
            e,
            RuleError::NotTheApprover {
                po: PO,
                approver: "carol".into(),
            }
        );
        assert_eq!(
            e.to_string(),
            "PO-000001 is awaiting approval by carol; only carol can place or reject it"
        );
        assert_eq!(o, before);
    }
    let outcome = o.place("carol", PlacementMethod::Email, None, ts(3)).unwrap();
    assert_eq!(outcome, PlaceOutcome::Placed);
    let sub = o.submission().unwrap();
    assert_eq!((sub.by.as_str(), sub.approved_by.as_deref()), ("carol", Some("carol")));
    assert_eq!(sub.method, PlacementMethod::Email);
    assert_eq!(o.status(), OrderStatus::EmailSent);
}

#[test]
fn the_creator_never_approves_their_own_order() {
    // A rule naming the creator is skipped; the next matching rule decides.
    let mut o = order_with_rules(
        &[item(1, 12)],
        vec![rule("0", None, "bob"), rule("1000", None, "carol")],
    );
    assert_eq!(
        o.approval_needed(),
        ApprovalDecision::Required {
            approver: "carol".into(),
            rule: 2,
        }
    );
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap(),
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
    // Only a rule naming the creator: no approval, and nobody is recorded as approver.
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("0", None, "bob")]);
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap(),
        PlaceOutcome::Placed
    );
    assert_eq!(o.submission().unwrap().approved_by, None);
    // Another buyer placing bob's order that names bob: bob is still skipped.
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("0", None, "bob"), rule("0", None, "dave")]);
    assert_eq!(
        o.place("erin", PlacementMethod::Manual, None, ts(1)).unwrap(),
        PlaceOutcome::SentForApproval {
            approver: "dave".into()
        }
    );
    let e = o.place("bob", PlacementMethod::Manual, None, ts(2)).unwrap_err();
    assert!(matches!(e, RuleError::NotTheApprover { .. }), "{e:?}");
}

#[test]
fn the_rules_are_the_snapshot_taken_at_creation() {
    let mut rules = vec![rule("1000", None, "carol")];
    let mut o = order_with_rules(&[item(1, 12)], rules.clone());
    rules.clear();
    assert!(rules.is_empty());
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap(),
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
}

#[test]
fn placing_twice_or_after_cancelling_is_refused() {
    let mut o = placed(&[item(1, 1)]);
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(1)).unwrap_err(),
        wrong_status("Submitted", "placing", "Pending or Awaiting approval")
    );
    let mut c = order(&[item(1, 1)]);
    c.cancel("bob", ts(1)).unwrap();
    assert_eq!(
        c.place("bob", PlacementMethod::Manual, None, ts(2)).unwrap_err(),
        wrong_status("Cancelled", "placing", "Pending or Awaiting approval")
    );
}

// ---------------------------------------------------------------------------------------
// Reject
// ---------------------------------------------------------------------------------------

#[test]
fn the_approver_rejects_with_a_reason_and_the_order_is_pending_again() {
    let mut o = awaiting_carol();
    o.reject("carol", "  too expensive, ask TD Synnex ", ts(50)).unwrap();
    assert_eq!(o.stage, Stage::Pending);
    assert_eq!(o.status(), OrderStatus::Pending);
    assert_eq!(
        o.rejections,
        [Rejection {
            by: "carol".into(),
            at: ts(50),
            reason: "too expensive, ask TD Synnex".into(),
        }]
    );
}

#[test]
fn reject_needs_the_approver_and_a_reason() {
    let mut o = awaiting_carol();
    let before = o.clone();
    assert_eq!(
        o.reject("dave", "no", ts(2)).unwrap_err(),
        RuleError::NotTheApprover {
            po: PO,
            approver: "carol".into(),
        }
    );
    assert_eq!(
        o.reject("bob", "no", ts(2)).unwrap_err().to_string(),
        "PO-000001 is awaiting approval by carol; only carol can place or reject it"
    );
    let e = o.reject("carol", "  ", ts(2)).unwrap_err();
    assert_eq!(e, RuleError::ReasonRequired("reject an order"));
    assert_eq!(e.to_string(), "a reason is required to reject an order");
    assert_eq!(o, before);
}

#[test]
fn reject_only_while_awaiting_approval() {
    let mut o = order(&[item(1, 1)]);
    assert_eq!(
        o.reject("carol", "no", ts(1)).unwrap_err(),
        wrong_status("Pending", "rejecting", "Awaiting approval")
    );
    let mut p = placed(&[item(1, 1)]);
    assert_eq!(
        p.reject("carol", "no", ts(1)).unwrap_err(),
        wrong_status("Submitted", "rejecting", "Awaiting approval")
    );
}

#[test]
fn after_a_rejection_placing_evaluates_the_rules_again() {
    // Still above the threshold: approval again.
    let mut o = awaiting_carol();
    o.reject("carol", "wrong distributor", ts(2)).unwrap();
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(3)).unwrap(),
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
    // The buyer trims the order below the threshold: no approval any more.
    let mut o = awaiting_carol();
    o.reject("carol", "too much", ts(2)).unwrap();
    o.remove_items(&[2]).unwrap(); // 800.00 left
    assert_eq!(
        o.place("bob", PlacementMethod::Manual, None, ts(3)).unwrap(),
        PlaceOutcome::Placed
    );
    assert_eq!(o.submission().unwrap().approved_by, None);
    assert_eq!(o.rejections.len(), 1, "the rejection is kept");
    assert_eq!(o.rejections[0].reason, "too much");
}

// ---------------------------------------------------------------------------------------
// Cancel
// ---------------------------------------------------------------------------------------

#[test]
fn cancel_before_anything_is_received() {
    let mut pending = order(&[item(1, 1)]);
    pending.cancel("bob", ts(9)).unwrap();
    assert_eq!(
        pending.stage,
        Stage::Cancelled {
            by: "bob".into(),
            at: ts(9),
        }
    );
    assert_eq!(pending.status(), OrderStatus::Cancelled);
    let mut awaiting = awaiting_carol();
    awaiting.cancel("bob", ts(9)).unwrap();
    assert_eq!(awaiting.status(), OrderStatus::Cancelled);
    let mut submitted = placed(&[item(1, 1)]);
    assert!(submitted.is_at_distributor());
    submitted.cancel("bob", ts(9)).unwrap();
    assert_eq!(submitted.status(), OrderStatus::Cancelled);
    assert!(!submitted.is_at_distributor());
}

#[test]
fn cancel_is_refused_once_anything_is_received_until_receipts_are_undone() {
    let mut o = placed(&[item(1, 3), item(2, 1)]);
    let r = receive(&mut o, req(1, Some(1), &[])).unwrap();
    let before = o.clone();
    let e = o.cancel("bob", ts(200)).unwrap_err();
    assert_eq!(e, RuleError::AlreadyReceived { po: PO });
    assert_eq!(
        e.to_string(),
        "PO-000001 has received items; an order can only be cancelled until anything is received (undo the receipts first)"
    );
    assert_eq!(o, before);
    o.unreceive(r.id, "rick", ts(201)).unwrap();
    assert_eq!(o.status(), OrderStatus::Submitted);
    o.cancel("bob", ts(202)).unwrap();
    assert_eq!(o.status(), OrderStatus::Cancelled);
}

#[test]
fn cancelled_and_completed_orders_cannot_be_cancelled() {
    let mut c = order(&[item(1, 1)]);
    c.cancel("bob", ts(1)).unwrap();
    let e = c.cancel("bob", ts(2)).unwrap_err();
    assert_eq!(e, RuleError::AlreadyCancelled { po: PO });
    assert_eq!(e.to_string(), "PO-000001 is cancelled already");
    let mut done = placed(&[item(1, 1)]);
    receive(&mut done, req(1, None, &[])).unwrap();
    assert_eq!(done.status(), OrderStatus::Completed);
    assert_eq!(
        done.cancel("bob", ts(2)).unwrap_err(),
        RuleError::AlreadyReceived { po: PO }
    );
}
