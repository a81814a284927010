//! What a user may do to an order: one answer per action, for every role and status, and
//! the service's commands refuse by that same answer.

use super::*;
use crate::app::permissions::{OrderAction as A, OrderActions};
use std::collections::BTreeSet;

/// Orders in every status: pending, awaiting carol, submitted, partial, cancelled, and
/// one being sent by email (job 2; job 1 notifies carol).
struct Orders {
    pending: PoNumber,
    awaiting: PoNumber,
    placed: PoNumber,
    partial: PoNumber,
    cancelled: PoNumber,
    sending: PoNumber,
    free: ItemId,
}

fn orders(k: &Kit) -> Orders {
    k.add_rule(&k.ada(), rule("1000", None, "carol")).unwrap();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 2, "10.00")
            .product("2", "B", 1, "2000.00")
            .product("3", "C", 1, "10.00")
            .product("4", "D", 2, "10.00")
            .product("5", "E", 1, "10.00")
            .product("6", "F", 1, "10.00")
            .product("7", "G", 1, "10.00"),
    );
    let pending = k.create(&[it[0]]).number;
    let awaiting = k.create(&[it[1]]).number;
    assert_eq!(
        k.place(&k.alice(), place_req(awaiting, PlacementMethod::Manual))
            .unwrap()
            .order
            .status(),
        OrderStatus::AwaitingApproval
    );
    let placed = k.create(&[it[2]]).number;
    k.place_manual(placed);
    let partial = k.create(&[it[3]]).number;
    k.place_manual(partial);
    k.receive_as_rick(partial, 1, Some(1), &[]).unwrap();
    let cancelled = k.create(&[it[4]]).number;
    k.cancel(&k.alice(), cancelled).unwrap();
    let sending = k.create(&[it[5]]).number;
    k.place(&k.alice(), place_req(sending, PlacementMethod::Email)).unwrap();
    Orders {
        pending,
        awaiting,
        placed,
        partial,
        cancelled,
        sending,
        free: it[6],
    }
}

fn allowed(k: &Kit, who: &crate::identity::Actor, po: PoNumber) -> BTreeSet<String> {
    let answer: OrderActions = k.order_actions(who, po).unwrap();
    A::ALL
        .iter()
        .filter(|a| answer.allows(**a))
        .map(|a| format!("{a:?}"))
        .collect()
}

fn set(actions: &[A]) -> BTreeSet<String> {
    actions.iter().map(|a| format!("{a:?}")).collect()
}

#[test]
fn each_role_may_do_what_the_status_allows() {
    let k = Kit::with_mail();
    let o = orders(&k);
    let (alice, carol, dave, rick, ada) = (k.alice(), k.carol(), k.dave(), k.rick(), k.ada());
    let buyer_pending = [
        A::Edit,
        A::AddItems,
        A::RemoveItems,
        A::Place,
        A::Cancel,
        A::ExportPdf,
        A::RetrySync,
    ];
    let cases: Vec<(&crate::identity::Actor, PoNumber, Vec<A>)> = vec![
        (&alice, o.pending, buyer_pending.to_vec()),
        (&alice, o.awaiting, vec![A::Cancel, A::ExportPdf, A::RetrySync]),
        (&alice, o.placed, vec![A::Cancel, A::ExportPdf, A::RetrySync]),
        (&alice, o.partial, vec![A::ExportPdf, A::RetrySync]),
        (&alice, o.cancelled, vec![A::ExportPdf, A::RetrySync]),
        (
            &alice,
            o.sending,
            vec![A::ExportPdf, A::RetrySync, A::MarkSent, A::SendAgain],
        ),
        (&carol, o.pending, buyer_pending.to_vec()),
        (
            &carol,
            o.awaiting,
            vec![A::Place, A::Approve, A::Reject, A::Cancel, A::ExportPdf, A::RetrySync],
        ),
        (&dave, o.pending, vec![A::ExportPdf]),
        (&dave, o.awaiting, vec![A::ExportPdf]),
        (&rick, o.pending, vec![A::UndoReceipt, A::ExportPdf]),
        (&rick, o.placed, vec![A::Receive, A::UndoReceipt, A::ExportPdf]),
        (&rick, o.partial, vec![A::Receive, A::UndoReceipt, A::ExportPdf]),
        (&rick, o.cancelled, vec![A::ExportPdf]),
        (&ada, o.pending, vec![A::ExportPdf, A::RetrySync]),
        (
            &ada,
            o.sending,
            vec![A::ExportPdf, A::RetrySync, A::MarkSent, A::SendAgain],
        ),
    ];
    for (who, po, expected) in &cases {
        assert_eq!(allowed(&k, who, *po), set(expected), "{} on {po}", who.name);
    }
}

#[test]
fn each_refusal_says_why() {
    let k = Kit::with_mail();
    let o = orders(&k);
    let why =
        |who: &crate::identity::Actor, po, a| k.order_actions(who, po).unwrap().may(a).expect_err("refused").clone();
    // A missing role names the role.
    let e = why(&k.dave(), o.pending, A::Place);
    assert!(
        matches!(
            &e,
            RuleError::MissingRole {
                role: crate::domain::Role::Buyer,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "dave may not place purchase orders: that needs the buyer role, and dave has approver"
    );
    let e = why(&k.alice(), o.awaiting, A::Reject);
    assert!(
        matches!(
            &e,
            RuleError::MissingRole {
                role: crate::domain::Role::Approver,
                ..
            }
        ),
        "{e:?}"
    );
    // A wrong status names the status.
    let e = why(&k.alice(), o.placed, A::Edit);
    assert_eq!(
        e.to_string(),
        format!(
            "{} is Submitted; editing is only possible while it is Pending",
            o.placed
        )
    );
    assert_eq!(
        why(&k.rick(), o.pending, A::Receive).to_string(),
        format!(
            "{} is Pending; receiving is only possible while it is Submitted, Email sent or Partial",
            o.pending
        )
    );
    assert!(matches!(
        why(&k.alice(), o.partial, A::Cancel),
        RuleError::AlreadyReceived { .. }
    ));
    // Not the named approver.
    assert_eq!(
        why(&k.dave(), o.awaiting, A::Approve),
        RuleError::NotTheApprover {
            po: o.awaiting,
            approver: "carol".into()
        }
    );
    assert!(matches!(
        why(&k.carol(), o.pending, A::Approve),
        RuleError::WrongStatus { .. }
    ));
    // Being sent, and not being sent.
    assert!(matches!(
        why(&k.alice(), o.sending, A::Edit),
        RuleError::BeingSent { .. }
    ));
    assert_eq!(
        why(&k.alice(), o.pending, A::MarkSent),
        RuleError::NotBeingSent { po: o.pending }
    );
}

#[test]
fn a_failing_distributor_check_is_the_reason_placing_is_not_allowed() {
    let with_kind = |kind: &str| {
        format!(
            "{}\n[distributors.td]\nkind = \"{kind}\"\nname = \"TD SYNNEX\"\n",
            super::super::testkit::CONFIG
        )
    };
    // A wholesale order, made while the distributor had no rules of its own.
    let mut k = Kit::with_config(&with_kind("manual"));
    let it = k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "10.00"));
    let po = k.create_at("td", &it).number;
    assert!(k.order_actions(&k.alice(), po).unwrap().allows(A::Place));
    // Now it is TD SYNNEX, which needs an address on every order, and we have no warehouse.
    k.config = std::sync::Arc::new(crate::config::Config::parse(&with_kind("tdsynnex_us")).unwrap());
    k.reopen();
    let answer = k.order_actions(&k.alice(), po).unwrap();
    let e = answer.may(A::Place).expect_err("refused").clone();
    assert!(matches!(e, RuleError::Distributor { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("TD SYNNEX needs a ship-to address on every order"),
        "{e}"
    );
    // The service refuses by the same answer.
    let before = k.snapshot();
    let got = k.place(&k.alice(), place_req(po, PlacementMethod::Manual)).unwrap_err();
    assert!(matches!(&got, AppError::Rule(r) if *r == e), "{got:?}");
    k.assert_unchanged(&before);
}

#[test]
fn the_service_refuses_by_the_same_answer() {
    let k = Kit::with_mail();
    let o = orders(&k);
    let actors = [k.alice(), k.carol(), k.dave(), k.rick(), k.ada()];
    let all = [o.pending, o.awaiting, o.placed, o.partial, o.cancelled, o.sending];
    let mut compared = 0;
    for who in &actors {
        for po in all {
            let answer = k.order_actions(who, po).unwrap();
            let first_line = k.order(po).unwrap().lines[0].item_id;
            let run = |a: A| -> Option<Result<(), AppError>> {
                Some(match a {
                    A::Edit => k
                        .edit_order(
                            who,
                            po,
                            OrderEdit {
                                notes: Some(Some("x".into())),
                                ..Default::default()
                            },
                        )
                        .map(drop),
                    A::AddItems => k.add_to_order(who, po, &[o.free]).map(drop),
                    A::RemoveItems => k.remove_from_order(who, po, &[first_line]).map(drop),
                    A::Place => k.place(who, place_req(po, PlacementMethod::Manual)).map(drop),
                    A::Approve => k.approve(who, place_req(po, PlacementMethod::Manual)).map(drop),
                    A::Reject => k.reject(who, po, "no").map(drop),
                    A::Cancel => k.cancel(who, po).map(drop),
                    A::Receive => k
                        .receive(
                            who,
                            po,
                            ReceiveRequest {
                                line: 1,
                                quantity: Some(1),
                                serials: vec![],
                            },
                        )
                        .map(drop),
                    A::UndoReceipt => k.unreceive(who, po, 1).map(drop),
                    A::RetrySync => k.psa_retry(who, po).map(drop),
                    A::ExportPdf | A::MarkSent | A::SendAgain => return None,
                })
            };
            for a in A::ALL {
                let Err(why) = answer.may(a) else { continue };
                let before = k.snapshot();
                let Some(result) = run(a) else { continue };
                match result {
                    Err(AppError::Rule(e)) => assert_eq!(&e, why, "{} {a:?} {po}", who.name),
                    other => panic!("{} {a:?} {po}: {other:?}, the answer was {why}", who.name),
                }
                k.assert_unchanged(&before);
                compared += 1;
            }
        }
    }
    assert!(compared > 100, "{compared}");
}
