//! Approval: from the request to placement, rules copied when the order is created, the
//! creator never approving their own order, an approver who is also a buyer, rule edits
//! checked; placing an order whose rule names you approves it, and the purchase order
//! names an approver only once someone approved it.

use super::*;

#[test]
fn approval_flow_from_request_to_placement() {
    let k = Kit::new();
    k.add_rule(&k.ada(), rule("0", Some("1000"), "dave")).unwrap();
    k.add_rule(&k.ada(), rule("1000.01", None, "carol")).unwrap();
    let it = k.import(&QuoteJson::new("Q-1").product("1", "A", 2, "1500.00"));
    let po = k.create(&it).number;

    let r = k.place(&k.alice(), place_req(po, PlacementMethod::Manual)).unwrap();
    assert_eq!(
        (r.outcome, r.approver.as_deref()),
        (
            PlaceOutcome::SentForApproval {
                approver: "carol".into()
            },
            Some("carol")
        )
    );
    assert_eq!(r.order.status(), OrderStatus::AwaitingApproval);
    assert!(
        matches!(&r.order.stage, Stage::AwaitingApproval { approver, requested_by, total, .. }
        if approver == "carol" && requested_by == "alice" && *total == d("3000.00"))
    );
    let jobs = k.jobs().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0].kind,
        JobKind::NotifyApprover {
            po,
            approver: "carol".into()
        }
    );
    assert_eq!(
        jobs[0].state,
        JobState::Queued {
            not_before: start_time()
        }
    );
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.request_approval"));

    // Nobody but carol places or rejects it.
    let before = k.snapshot();
    let not_yours = "PO-000001 is awaiting approval by carol; only carol can place or reject it";
    refused(k.place(&k.dave(), place_req(po, PlacementMethod::Manual)), &[not_yours]);
    refused(
        k.place(&k.alice(), place_req(po, PlacementMethod::Manual)),
        &[not_yours],
    );
    refused(k.place(&k.rick(), place_req(po, PlacementMethod::Manual)), &[not_yours]);
    refused(k.reject(&k.dave(), po, "too much"), &[not_yours]);
    refused(
        k.reject(&k.carol(), po, "  "),
        &["a reason is required to reject an order"],
    );
    k.assert_unchanged(&before);

    // Rejected: back to pending with the reason, and the creator is told.
    k.clock.advance(300);
    let o = k.reject(&k.carol(), po, " over budget ").unwrap();
    assert_eq!(o.status(), OrderStatus::Pending);
    assert_eq!(
        o.rejections,
        vec![Rejection {
            by: "carol".into(),
            at: k.clock.now(),
            reason: "over budget".into()
        }]
    );
    let jobs = k.jobs().unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(
        jobs[1].kind,
        JobKind::NotifyRejection {
            po,
            creator: "alice".into(),
            reason: "over budget".into()
        }
    );
    let last = k.audit(&AuditFilter::default()).unwrap().pop().unwrap();
    assert_eq!((last.action.as_str(), last.actor.as_str()), ("po.reject", "carol"));
    assert_eq!(last.after["reason"], json!("over budget"));
    // Pending again: items can change.
    assert_eq!(k.order(po).unwrap().rejections.len(), 1);

    // Asked again; the approver's placement is the approval.
    assert_eq!(
        k.place(&k.alice(), place_req(po, PlacementMethod::Manual))
            .unwrap()
            .outcome,
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
    assert_eq!(k.jobs().unwrap().len(), 3);
    let before = k.snapshot();
    refused(
        k.place(&k.carol(), place_req(po, PlacementMethod::Email)),
        &["email submission to Ingram Micro is not available yet"],
    );
    k.assert_unchanged(&before);
    let r = k
        .place(
            &k.carol(),
            PlaceRequest {
                po,
                method: PlacementMethod::Manual,
                link: Some(" https://portal.example/o/1 ".into()),
            },
        )
        .unwrap();
    assert_eq!(
        (r.outcome, r.approver.as_deref()),
        (PlaceOutcome::Placed, Some("carol"))
    );
    assert_eq!(r.order.status(), OrderStatus::Submitted);
    let sub = r.order.submission().unwrap();
    assert_eq!((sub.by.as_str(), sub.approved_by.as_deref()), ("carol", Some("carol")));
    assert_eq!(sub.link.as_deref(), Some("https://portal.example/o/1"));
    assert_eq!(sub.method, PlacementMethod::Manual);
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.approve_and_place"));
    let before = k.snapshot();
    refused(
        k.place(&k.carol(), place_req(po, PlacementMethod::Manual)),
        &["PO-000001 is Submitted; placing is only possible while it is Pending or Awaiting approval"],
    );
    refused(
        k.reject(&k.carol(), po, "late"),
        &["PO-000001 is Submitted; rejecting is only possible while it is Awaiting approval"],
    );
    k.assert_unchanged(&before);
}

#[test]
fn rules_are_copied_when_the_order_is_created() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 1, "500.00")
            .product("2", "B", 1, "500.00")
            .product("3", "C", 1, "500.00"),
    );
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let first = k.create(&[it[0]]).number;
    k.clear_rules(&k.ada()).unwrap();
    k.add_rule(&k.ada(), rule("0", None, "dave")).unwrap();
    let second = k.create(&[it[1]]).number;

    assert_eq!(k.order(first).unwrap().rules, vec![rule("0", None, "carol")]);
    let r = k.place(&k.alice(), place_req(first, PlacementMethod::Manual)).unwrap();
    assert_eq!(
        r.approver.as_deref(),
        Some("carol"),
        "the rules of the order's creation decide"
    );
    let r = k.place(&k.alice(), place_req(second, PlacementMethod::Manual)).unwrap();
    assert_eq!(r.approver.as_deref(), Some("dave"));

    // Created without rules: no approval, whatever the rules say now.
    k.clear_rules(&k.ada()).unwrap();
    let third = k.create(&[it[2]]).number;
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let r = k.place(&k.alice(), place_req(third, PlacementMethod::Manual)).unwrap();
    assert_eq!((r.outcome, r.approver), (PlaceOutcome::Placed, None));
    assert_eq!(k.rules().unwrap(), vec![rule("0", None, "carol")]);
}

#[test]
fn the_creator_never_approves_their_own_order() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 1, "50.00")
            .product("2", "B", 1, "50.00"),
    );
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    k.add_rule(&k.ada(), rule("0", None, "dave")).unwrap();
    let carol = k.carol();
    let po = k
        .create_order(
            &carol,
            CreateOrder {
                distributor: "ingram".into(),
                items: vec![it[0]],
                ..Default::default()
            },
        )
        .unwrap()
        .number;
    // The rule naming carol is skipped: dave decides.
    let r = k.place(&carol, place_req(po, PlacementMethod::Manual)).unwrap();
    assert_eq!(
        (r.outcome, r.approver.as_deref()),
        (
            PlaceOutcome::SentForApproval {
                approver: "dave".into()
            },
            Some("dave")
        )
    );
    let before = k.snapshot();
    refused(
        k.place(&carol, place_req(po, PlacementMethod::Manual)),
        &["only dave can place or reject it"],
    );
    k.assert_unchanged(&before);
    let r = k.place(&k.dave(), place_req(po, PlacementMethod::Skip)).unwrap();
    assert_eq!(r.order.submission().unwrap().approved_by.as_deref(), Some("dave"));

    // When the only matching rule names the creator, no approval is needed.
    k.clear_rules(&k.ada()).unwrap();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let po = k
        .create_order(
            &carol,
            CreateOrder {
                distributor: "ingram".into(),
                items: vec![it[1]],
                ..Default::default()
            },
        )
        .unwrap()
        .number;
    let r = k.place(&carol, place_req(po, PlacementMethod::Manual)).unwrap();
    assert_eq!((r.outcome, r.approver), (PlaceOutcome::Placed, None));
    assert_eq!(r.order.submission().unwrap().approved_by, None);
}

#[test]
fn an_approver_who_is_also_a_buyer_places_directly() {
    let k = Kit::new();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "50.00")))
        .number;
    let r = k.place(&k.carol(), place_req(po, PlacementMethod::Manual)).unwrap();
    assert_eq!(
        (r.outcome, r.approver.as_deref()),
        (PlaceOutcome::Placed, Some("carol"))
    );
    assert!(k.jobs().unwrap().is_empty(), "no one to notify");
    // Placing it approved it: the trail says so, so a search for approvals finds it.
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.approve_and_place"));
}

#[test]
fn rule_edits_are_checked() {
    let k = Kit::new();
    let before = k.snapshot();
    refused(
        k.add_rule(&k.ada(), rule("0", None, "zed")),
        &["no user `zed` is configured"],
    );
    refused(
        k.add_rule(&k.ada(), rule("0", None, "rick")),
        &["rick cannot approve orders: an approver needs the approver role"],
    );
    refused(
        k.add_rule(&k.ada(), rule("5000", Some("1000"), "carol")),
        &["rule amounts: from 5000 is above to 1000"],
    );
    refused(k.remove_rule(&k.ada(), 1), &["no approval rule 1; there are 0"]);
    k.assert_unchanged(&before);
    k.add_rule(&k.ada(), rule("0", Some("1000"), "carol")).unwrap();
    let rules = k.add_rule(&k.ada(), rule("1000.01", None, "dave")).unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(k.remove_rule(&k.ada(), 1).unwrap(), vec![rule("1000.01", None, "dave")]);
    let e = k
        .audit(&AuditFilter {
            action: Some("rules.".into()),
            ..Default::default()
        })
        .unwrap();
    let got: Vec<&str> = e.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(got, vec!["rules.add", "rules.add", "rules.remove"]);
    assert_eq!(e[2].before.as_array().map(Vec::len), Some(2));
    assert_eq!(e[2].after, json!([{"from": "1000.01", "to": null, "approver": "dave"}]));
}

#[test]
fn placing_an_order_whose_rule_names_you_approves_it_and_needs_the_approver_role() {
    let mut k = Kit::new();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let first = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "1.00")))
        .number;
    let second = k
        .create(&k.import(&QuoteJson::new("Q-2").product("1", "B", 1, "1.00")))
        .number;
    // Carol places a pending order her rule names: that approves it, and says so.
    let r = k.place(&k.carol(), place_req(first, PlacementMethod::Manual)).unwrap();
    assert_eq!(
        (r.outcome, r.approver.as_deref()),
        (PlaceOutcome::Placed, Some("carol"))
    );
    assert_eq!(actions(&k).last().map(String::as_str), Some("po.approve_and_place"));

    // Carol loses the approver role after the second order took its rules.
    k.config = Arc::new(
        Config::parse(&crate::app::testkit::CONFIG.replace(r#"roles = ["approver", "buyer"]"#, r#"roles = ["buyer"]"#))
            .unwrap(),
    );
    k.reopen();
    let before = k.snapshot();
    refused(
        k.place(&k.carol(), place_req(second, PlacementMethod::Manual)),
        &["carol may not approve purchase orders", "approver"],
    );
    k.assert_unchanged(&before);
}

#[test]
fn the_purchase_order_names_an_approver_only_once_someone_approved_it() {
    let k = Kit::new();
    let po = awaiting_carol(&k);
    let awaiting = k.order(po).unwrap();
    assert_eq!(awaiting.approver(), Some("carol"), "the order awaits carol");
    assert_eq!(crate::pdf::document_for(&awaiting, k.config()).approved_by, None);
    let placed = k
        .place(&k.carol(), place_req(po, PlacementMethod::Manual))
        .unwrap()
        .order;
    let doc = crate::pdf::document_for(&placed, k.config());
    assert!(doc.approved_by.is_some_and(|a| a.contains("carol")));
}
