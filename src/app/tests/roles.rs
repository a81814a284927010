//! Roles: every command a user lacks the role for is refused, naming the user, the action
//! and the role.

use super::*;

#[test]
fn every_missing_role_is_refused_naming_user_action_and_role() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 4, "10.00")
            .serialized("2", "S", 2, "100.00")
            .product("3", "C", 1, "5.00")
            .product("4", "D", 2, "1.00")
            .product("5", "E", 3, "2.00"),
    );
    k.dismiss(&k.alice(), it[3], "not needed").unwrap();
    let pending_po = k.create(&[it[0]]).number;
    let placed = k.create(&[it[1]]).number;
    k.place_manual(placed);
    k.receive_as_rick(placed, 1, None, &["SN-1"]).unwrap();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let awaiting = k.create(&[it[2]]).number;
    assert_eq!(
        k.place(&k.alice(), place_req(awaiting, PlacementMethod::Manual))
            .unwrap()
            .outcome,
        PlaceOutcome::SentForApproval {
            approver: "carol".into()
        }
    );
    let free = it[4];

    let (alice, carol, dave, rick, ada) = (k.alice(), k.carol(), k.dave(), k.rick(), k.ada());
    type Run<'a> = Box<dyn Fn() -> Result<(), AppError> + 'a>;
    let quote = QuoteJson::new("Q-9").product("1", "Z", 1, "1.00").build();
    let cases: Vec<(&crate::identity::Actor, &str, &str, Run<'_>)> = vec![
        (
            &dave,
            "import quotes",
            "buyer",
            Box::new(|| k.import_text(&dave, "q9.json", &quote).map(drop)),
        ),
        (
            &rick,
            "dismiss pending items",
            "buyer",
            Box::new(|| k.dismiss(&rick, free, "no").map(drop)),
        ),
        (
            &rick,
            "restore dismissed items",
            "buyer",
            Box::new(|| k.restore(&rick, it[3]).map(drop)),
        ),
        (
            &ada,
            "split pending items",
            "buyer",
            Box::new(|| k.split(&ada, free, 1).map(drop)),
        ),
        (
            &ada,
            "update item costs",
            "buyer",
            Box::new(|| k.set_item_cost(&ada, free, d("1.50"), "test").map(drop)),
        ),
        (
            &dave,
            "create purchase orders",
            "buyer",
            Box::new(|| {
                k.create_order(
                    &dave,
                    CreateOrder {
                        distributor: "ingram".into(),
                        items: vec![free],
                        ..Default::default()
                    },
                )
                .map(drop)
            }),
        ),
        (
            &rick,
            "change purchase orders",
            "buyer",
            Box::new(|| k.add_to_order(&rick, pending_po, &[free]).map(drop)),
        ),
        (
            &dave,
            "change purchase orders",
            "buyer",
            Box::new(|| k.remove_from_order(&dave, pending_po, &[it[0]]).map(drop)),
        ),
        (
            &rick,
            "edit purchase orders",
            "buyer",
            Box::new(|| {
                k.edit_order(
                    &rick,
                    pending_po,
                    OrderEdit {
                        notes: Some(Some("x".into())),
                        ..Default::default()
                    },
                )
                .map(drop)
            }),
        ),
        (
            &dave,
            "place purchase orders",
            "buyer",
            Box::new(|| k.place(&dave, place_req(pending_po, PlacementMethod::Manual)).map(drop)),
        ),
        (
            &alice,
            "reject purchase orders",
            "approver",
            Box::new(|| k.reject(&alice, awaiting, "no").map(drop)),
        ),
        (
            &rick,
            "cancel purchase orders",
            "buyer",
            Box::new(|| k.cancel(&rick, pending_po).map(drop)),
        ),
        (
            &alice,
            "receive goods",
            "receiver",
            Box::new(|| {
                k.receive(
                    &alice,
                    placed,
                    ReceiveRequest {
                        line: 1,
                        quantity: None,
                        serials: vec!["SN-2".into()],
                    },
                )
                .map(drop)
            }),
        ),
        (
            &carol,
            "undo receipts",
            "receiver",
            Box::new(|| k.unreceive(&carol, placed, 1).map(drop)),
        ),
        (
            &alice,
            "edit approval rules",
            "admin",
            Box::new(|| k.add_rule(&alice, rule("1", None, "dave")).map(drop)),
        ),
        (
            &carol,
            "edit approval rules",
            "admin",
            Box::new(|| k.remove_rule(&carol, 1).map(drop)),
        ),
        (
            &rick,
            "edit approval rules",
            "admin",
            Box::new(|| k.clear_rules(&rick).map(drop)),
        ),
        (
            &rick,
            "retry background jobs",
            "buyer",
            Box::new(|| k.retry_job(&rick, 1).map(drop)),
        ),
    ];
    for (who, action, role, run) in &cases {
        let before = k.snapshot();
        let e = refused(
            run(),
            &[
                &format!("{} may not {action}", who.name),
                &format!("that needs the {role} role"),
                &format!("and {} has {}", who.name, who.roles),
            ],
        );
        assert!(
            matches!(e, AppError::Rule(crate::domain::RuleError::MissingRole { .. })),
            "{e:?}"
        );
        k.assert_unchanged(&before);
    }
    assert_eq!(cases.len(), 18);
    // rick holds only the receiver role, and the message says so.
    let e = k.cancel(&rick, pending_po).unwrap_err().to_string();
    assert_eq!(
        e,
        "rick may not cancel purchase orders: that needs the buyer role, and rick has receiver"
    );
}
