//! Background submission (email, API): the order stays where it is until the submission
//! completes, cannot change while being sent, a failed submission is kept and the order
//! can be placed again, and the approval rules still apply.

use super::*;

fn being_sent(job: u64) -> RuleError {
    RuleError::BeingSent {
        po: PO,
        method: PlacementMethod::Email.describe(),
        job,
    }
}

#[test]
fn a_background_submission_keeps_the_order_where_it_is_until_it_completes() {
    let mut o = order(&[item(1, 2)]);
    let outcome = o.begin_submission("bob", PlacementMethod::Email, 77, ts(5)).unwrap();
    assert_eq!(outcome, PlaceOutcome::Sending { job: 77 });
    assert_eq!(o.stage, Stage::Pending);
    assert_eq!(o.status(), OrderStatus::Pending);
    assert_eq!(
        o.sending,
        Some(Sending {
            method: PlacementMethod::Email,
            by: "bob".into(),
            at: ts(5),
            approved_by: None,
            job: 77,
        })
    );
    o.complete_submission(
        vec!["orders@ingram.example".into()],
        Some("<m1@purser>".into()),
        Vec::new(),
        ts(9),
    )
    .unwrap();
    assert_eq!(o.sending, None);
    assert_eq!(
        o.stage,
        Stage::Placed(Submission {
            method: PlacementMethod::Email,
            at: ts(9),
            by: "bob".into(),
            approved_by: None,
            link: None,
            recipients: vec!["orders@ingram.example".into()],
            message_id: Some("<m1@purser>".into()),
            distributor_orders: Vec::new(),
        })
    );
    assert_eq!(o.status(), OrderStatus::EmailSent);
}

#[test]
fn while_being_sent_the_order_cannot_change() {
    let mut o = order(&[item(1, 2), item(2, 1)]);
    o.begin_submission("bob", PlacementMethod::Email, 5, ts(1)).unwrap();
    let before = o.clone();
    let e = o.place("bob", PlacementMethod::Manual, None, ts(2)).unwrap_err();
    assert_eq!(e, being_sent(5));
    assert_eq!(
        e.to_string(),
        "PO-000001 is being sent (email to the distributor, job 5); wait for it to finish, or see `purser sync \
         status` (a send whose outcome is uncertain is settled with `purser sync mark-sent 5` or `purser sync retry 5`)"
    );
    assert_eq!(
        o.begin_submission("bob", PlacementMethod::Email, 6, ts(2)).unwrap_err(),
        being_sent(5)
    );
    assert_eq!(
        o.add_items(&[item(3, 1)], OrderPolicy::default()).unwrap_err(),
        being_sent(5)
    );
    assert_eq!(o.remove_items(&[2]).unwrap_err(), being_sent(5));
    assert_eq!(o.edit(OrderEdit::default(), None).unwrap_err(), being_sent(5));
    assert_eq!(o.cancel("bob", ts(2)).unwrap_err(), being_sent(5));
    assert_eq!(o, before);
}

#[test]
fn a_failed_submission_is_kept_and_the_order_can_be_placed_again() {
    let mut o = order(&[item(1, 2)]);
    o.begin_submission("bob", PlacementMethod::Api, 5, ts(1)).unwrap();
    o.abandon_submission("distributor said 503", ts(2));
    assert_eq!(o.sending, None);
    assert_eq!(o.stage, Stage::Pending);
    assert_eq!(
        o.errors,
        [SubmissionError {
            at: ts(2),
            method: PlacementMethod::Api,
            message: "distributor said 503".into(),
        }]
    );
    // Abandoning with nothing under way records nothing.
    o.abandon_submission("late duplicate", ts(3));
    assert_eq!(o.errors.len(), 1);
    // Completing with nothing under way is refused.
    assert_eq!(
        o.complete_submission(Vec::new(), None, vec!["IM-1".into()], ts(3))
            .unwrap_err(),
        wrong_status("Pending", "recording a submission", "being sent")
    );
    assert_eq!(
        o.begin_submission("bob", PlacementMethod::Api, 6, ts(4)).unwrap(),
        PlaceOutcome::Sending { job: 6 }
    );
    o.complete_submission(Vec::new(), None, vec!["IM-1".into(), "IM-2".into()], ts(5))
        .unwrap();
    assert_eq!(o.submission().unwrap().distributor_orders, ["IM-1", "IM-2"]);
    assert_eq!(o.status(), OrderStatus::Submitted);
    assert_eq!(o.errors.len(), 1, "the failure stays on record");
}

#[test]
fn a_background_submission_follows_the_approval_rules() {
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("1000", None, "carol")]);
    assert_eq!(
        o.begin_submission("bob", PlacementMethod::Email, 1, ts(1)).unwrap(),
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
    assert_eq!(o.sending, None);
    assert_eq!(o.status(), OrderStatus::AwaitingApproval);
    assert_eq!(
        o.begin_submission("dave", PlacementMethod::Email, 2, ts(2))
            .unwrap_err(),
        RuleError::NotTheApprover {
            po: PO,
            approver: "carol".into(),
        }
    );
    assert_eq!(
        o.begin_submission("carol", PlacementMethod::Email, 3, ts(3)).unwrap(),
        PlaceOutcome::Sending { job: 3 }
    );
    assert_eq!(o.sending.as_ref().unwrap().approved_by.as_deref(), Some("carol"));
    o.complete_submission(Vec::new(), None, Vec::new(), ts(4)).unwrap();
    let sub = o.submission().unwrap();
    assert_eq!((sub.by.as_str(), sub.approved_by.as_deref()), ("carol", Some("carol")));
    assert_eq!(o.approver(), Some("carol"));
}

#[test]
fn an_order_being_sent_cannot_be_rejected() {
    let mut o = order_with_rules(&[item(1, 12)], vec![rule("1000", None, "carol")]);
    o.place("bob", PlacementMethod::Email, None, ts(1)).unwrap();
    o.begin_submission("carol", PlacementMethod::Email, 3, ts(2)).unwrap();
    let before = o.clone();
    assert_eq!(o.reject("carol", "changed my mind", ts(3)).unwrap_err(), being_sent(3));
    assert_eq!(o, before);
}

/// A refusal the distributor gave for `line` (as sent) or `sku`.
fn refusal(line: Option<&str>, sku: Option<&str>, reason: &str) -> RejectedLine {
    RejectedLine {
        line: line.map(str::to_string),
        sku: sku.map(str::to_string),
        quantity: None,
        code: None,
        reason: reason.into(),
    }
}

#[test]
fn a_refused_line_is_known_by_the_number_sent_else_by_a_sku_only_one_line_carries() {
    // Lines 1–3: items 1, 2 and 3 (Ingram part numbers ING-1…); item 3's SKU again on line 4.
    let mut items = vec![item(1, 2), item(2, 1), item(3, 1), item(4, 1)];
    items[3].sku = "SKU-3".into();
    items[3].distributor_sku = None;
    let mut o = order(&items);
    assert!(o.refused_lines().is_empty(), "an order not placed has no refusals");
    o.begin_submission("bob", PlacementMethod::Api, 6, ts(4)).unwrap();
    let mut first = DistributorOrder::new("IM-1", "accepted");
    first.rejected = vec![
        refusal(Some("2"), Some("ING-9"), "discontinued"),
        // A line number Purser never sent: the SKU says which.
        refusal(Some("17"), Some("ing-1"), "no stock"),
        // On two lines by Purser's SKU (line 3's and line 4's): neither is taken.
        refusal(None, Some("SKU-3"), "restricted"),
    ];
    let mut second = DistributorOrder::new("IM-2", "accepted");
    second.rejected = vec![
        refusal(Some(" 2 "), None, "said twice"),
        refusal(None, None, "nothing to go by"),
        refusal(Some("0"), Some("NOT-HERE"), "unknown"),
    ];
    o.complete_submission(Vec::new(), None, vec![first, second], ts(5))
        .unwrap();
    let refused: Vec<(u32, &str)> = o
        .refused_lines()
        .into_iter()
        .map(|(n, r)| (n, r.reason.as_str()))
        .collect();
    assert_eq!(
        refused,
        [(1, "no stock"), (2, "discontinued")],
        "the first refusal of a line is kept"
    );
    let sub = o.submission().unwrap();
    assert_eq!(o.refused_line(&sub.distributor_orders[0].rejected[2]), None);
    assert_eq!(o.refused_line(&sub.distributor_orders[1].rejected[1]), None);
    assert_eq!(o.refused_line(&sub.distributor_orders[1].rejected[2]), None);
    // Line 3 alone by its Ingram part number.
    assert_eq!(o.refused_line(&refusal(None, Some("ING-3"), "x")), Some(3));
    let mut coded = refusal(None, None, " SKU-NOTFOUND    XX-404\n");
    assert_eq!(coded.said(), "SKU-NOTFOUND XX-404", "spacing evened out");
    coded.reason = "discontinued".into();
    assert_eq!(coded.said(), "discontinued");
    coded.code = Some("E42".into());
    assert_eq!(coded.said(), "discontinued (code E42)");
}
