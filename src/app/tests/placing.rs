//! Placing: by API or email when it is not available is refused and changes nothing, and
//! a refused placement keeps none of the API options it carried.
//!
//! Cancelling: every item returns to the pool, a warning when the distributor has the
//! order, refused after a receipt, and an order awaiting approval can be cancelled.

use super::*;

#[test]
fn placing_by_api_or_email_is_refused_and_changes_nothing() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 1, "50.00")
            .product("2", "B", 1, "5.00"),
    );
    let at_ingram = k.create(&[it[0]]).number;
    let at_td = k.create_at("tdsynnex", &[it[1]]).number;
    let before = k.snapshot();
    let e = refused(
        k.place(&k.alice(), place_req(at_ingram, PlacementMethod::Email)),
        &["email submission to Ingram Micro is not available yet: no [smtp] server is configured; nothing was changed"],
    );
    assert!(matches!(e, AppError::NotAvailable { .. }));
    refused(
        k.place(&k.alice(), place_req(at_td, PlacementMethod::Email)),
        &["email submission to TD SYNNEX is not available yet: [distributors.tdsynnex] has no email addresses"],
    );
    refused(
        k.place(&k.alice(), place_req(at_td, PlacementMethod::Api)),
        &[
            "API submission to TD SYNNEX is not available yet",
            "email the PO or mark it as submitted instead",
            "nothing was changed",
        ],
    );
    k.assert_unchanged(&before);
    assert_eq!(k.order(at_ingram).unwrap().status(), OrderStatus::Pending);

    // Skipping the distributor places it (PSA only), and cancelling it needs no warning.
    let r = k.place(&k.alice(), place_req(at_td, PlacementMethod::Skip)).unwrap();
    assert_eq!(r.order.status(), OrderStatus::Submitted);
    assert!(!r.order.is_at_distributor());
    let c = k.cancel(&k.alice(), at_td).unwrap();
    assert_eq!(c.warning, None);
}

#[test]
fn a_refused_placement_keeps_none_of_the_options_it_carried() {
    let k = Kit::new();
    let po = awaiting_carol(&k);
    let options = crate::domain::order::ApiOptions {
        billing_term: Some(crate::domain::order::BillingTerm::Annual),
        ..Default::default()
    };
    let before = k.snapshot();
    // Only carol may place it now: alice is refused, and the options go with the refusal.
    refused(
        k.place_with_options(
            &k.alice(),
            place_req(po, PlacementMethod::Manual),
            Some(options.clone()),
        ),
        &["only carol can place or reject it"],
    );
    k.assert_unchanged(&before);
    // Carol's placement records them with it, in the same transaction.
    let r = k
        .place_with_options(&k.carol(), place_req(po, PlacementMethod::Manual), Some(options))
        .unwrap();
    assert_eq!(
        r.order.api_options().billing_term,
        Some(crate::domain::order::BillingTerm::Annual)
    );
    let got: Vec<String> = actions(&k).into_iter().rev().take(2).collect();
    assert_eq!(got, ["po.approve_and_place", "po.api_options"]);
}

// ---------------------------------------------------------------------------------------
// Cancelling

#[test]
fn cancel_returns_every_item_to_the_pool() {
    let k = Kit::new();
    let it = k.import(
        &QuoteJson::new("Q-1")
            .product("1", "A", 1, "1.00")
            .product("2", "B", 2, "2.00"),
    );
    let po = k.create(&it).number;
    let c = k.cancel(&k.alice(), po).unwrap();
    assert_eq!((c.returned_items.clone(), c.warning.clone()), (vec![1, 2], None));
    assert_eq!(c.order.status(), OrderStatus::Cancelled);
    assert_eq!(
        k.order(po).unwrap().stage,
        Stage::Cancelled {
            by: "alice".into(),
            at: start_time()
        }
    );
    assert_eq!(ids(&k.list_items(&ItemFilter::default()).unwrap()), vec![1, 2]);
    let before = k.snapshot();
    refused(k.cancel(&k.alice(), po), &["PO-000001 is cancelled already"]);
    refused(
        k.place(&k.alice(), place_req(po, PlacementMethod::Manual)),
        &["PO-000001 is Cancelled; placing"],
    );
    refused(
        k.add_to_order(&k.alice(), po, &[1]),
        &["PO-000001 is Cancelled; adding items"],
    );
    k.assert_unchanged(&before);
    // The items order again.
    assert_eq!(k.create(&it).number, PoNumber(2));
}

#[test]
fn cancel_warns_when_the_distributor_has_the_order() {
    let k = Kit::new();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "1.00")))
        .number;
    k.place_manual(po);
    let c = k.cancel(&k.alice(), po).unwrap();
    assert_eq!(
        c.warning.as_deref(),
        Some(
            "PO-000001 was already placed with Ingram Micro (marked as submitted); cancel it with the distributor too"
        )
    );
    assert_eq!(k.item(1).unwrap().state, ItemState::Pending);
    let e = k.audit(&AuditFilter::default()).unwrap().pop().unwrap();
    assert_eq!(e.action, "po.cancel");
    assert_eq!(e.before["stage"], json!("placed"));
    assert_eq!(e.after["stage"], json!("cancelled"));
}

#[test]
fn cancel_is_refused_after_a_receipt() {
    let k = Kit::new();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 3, "1.00")))
        .number;
    k.place_manual(po);
    let r = k.receive_as_rick(po, 1, Some(1), &[]).unwrap();
    let before = k.snapshot();
    refused(
        k.cancel(&k.alice(), po),
        &["PO-000001 has received items; an order can only be cancelled until anything is received (undo the receipts first)"],
    );
    k.assert_unchanged(&before);
    k.receive_as_rick(po, 1, Some(2), &[]).unwrap();
    let before = k.snapshot();
    refused(
        k.cancel(&k.alice(), po),
        &["PO-000001 has received items; an order can only be cancelled until anything is received"],
    );
    k.assert_unchanged(&before);
    // Once every receipt is undone it can go.
    k.unreceive(&k.rick(), po, r.receipt.id).unwrap();
    k.unreceive(&k.rick(), po, 2).unwrap();
    let c = k.cancel(&k.alice(), po).unwrap();
    assert!(c.warning.is_some());
    assert_eq!(k.item(1).unwrap().state, ItemState::Pending);
    refused(
        k.unreceive(&k.rick(), po, 1),
        &["PO-000001 is Cancelled; undoing a receipt"],
    );
}

#[test]
fn an_order_awaiting_approval_can_be_cancelled() {
    let k = Kit::new();
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "1.00")))
        .number;
    k.place(&k.alice(), place_req(po, PlacementMethod::Manual)).unwrap();
    let c = k.cancel(&k.alice(), po).unwrap();
    assert_eq!((c.order.status(), c.warning), (OrderStatus::Cancelled, None));
    refused(
        k.place(&k.carol(), place_req(po, PlacementMethod::Manual)),
        &["PO-000001 is Cancelled"],
    );
}

#[test]
fn cancel_names_what_the_psa_sync_made_and_the_sync_stays_in_view() {
    let k = Kit::new();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "1.00")))
        .number;
    k.place_manual(po);
    let step = |key: &str, entity: &str, remote_id| crate::domain::psa_sync::PsaStep {
        key: key.into(),
        entity: entity.into(),
        remote_id,
        at: k.now(),
        adopted: false,
    };
    k.psa_record_step(po, step("ticket", "Ticket", 535)).unwrap();
    k.psa_record_step(po, step("charge/line-1", "TicketCharge", 536))
        .unwrap();
    let c = k.cancel(&k.alice(), po).unwrap();
    let warning = c.warning.unwrap();
    assert!(warning.contains("cancel it with the distributor too"), "{warning}");
    assert!(
        warning.contains("after its sync made Ticket 535, TicketCharge 536")
            && warning.contains("close or remove them there by hand"),
        "{warning}"
    );
    // `sync status` still shows the cancelled order, with what needs doing in the PSA.
    let view = k.psa_sync_of(po).unwrap().expect("the sync stays in view");
    assert_eq!(view.entities.len(), 2);
    assert!(
        view.attention.iter().any(|a| a.contains("Ticket 535")),
        "{:?}",
        view.attention
    );
    assert!(k.psa_sync_status().unwrap().iter().any(|v| v.po == po));
}
