//! Receiving: nothing before placement or after cancelling, quantities and serials
//! checked, receipts and undoing them, and the status derived from what was received.
//!
//! Property: receiving never exceeds the order and the status follows the quantities.

use super::*;

#[test]
fn nothing_can_be_received_before_placement_or_after_cancelling() {
    let mut pending = order(&[item(1, 2)]);
    let e = receive(&mut pending, req(1, Some(1), &[])).unwrap_err();
    assert_eq!(
        e,
        wrong_status("Pending", "receiving", "Submitted, Email sent or Partial")
    );
    assert_eq!(
        e.to_string(),
        "PO-000001 is Pending; receiving is only possible while it is Submitted, Email sent or Partial"
    );
    let mut awaiting = awaiting_carol();
    assert_eq!(
        receive(&mut awaiting, req(1, Some(1), &[])).unwrap_err(),
        wrong_status("Awaiting approval", "receiving", "Submitted, Email sent or Partial")
    );
    let mut cancelled = placed(&[item(1, 2)]);
    cancelled.cancel("bob", ts(1)).unwrap();
    assert_eq!(
        receive(&mut cancelled, req(1, Some(1), &[])).unwrap_err(),
        wrong_status("Cancelled", "receiving", "Submitted, Email sent or Partial")
    );
    assert!(pending.receipts.is_empty() && awaiting.receipts.is_empty() && cancelled.receipts.is_empty());
}

#[test]
fn a_receipt_records_line_quantity_actor_and_time() {
    let mut o = placed(&[item(1, 3), item(2, 2)]);
    let r = o.receive(&req(2, Some(2), &[]), "rick", ts(300), &no_owner).unwrap();
    assert_eq!(
        r,
        Receipt {
            id: 1,
            line: 2,
            quantity: 2,
            serials: Vec::new(),
            by: "rick".into(),
            at: ts(300),
            undone: None,
        }
    );
    assert_eq!(o.receipts, [r]);
    assert_eq!(o.received_on(2), 2);
    assert_eq!(o.received_on(1), 0);
    assert_eq!(o.open_on(1), 3);
    assert_eq!(o.open_on(2), 0);
    assert_eq!(o.open_on(3), 0, "no such line");
    assert_eq!(o.progress(), "2/5");
}

#[test]
fn an_unknown_line_is_refused() {
    let mut o = placed(&[item(1, 3), item(2, 2)]);
    for line in [0, 3, u32::MAX] {
        let e = receive(&mut o, req(line, Some(1), &[])).unwrap_err();
        assert_eq!(e, RuleError::UnknownLine { po: PO, line, count: 2 });
    }
    assert_eq!(
        receive(&mut o, req(3, None, &[])).unwrap_err().to_string(),
        "PO-000001 has no line 3 (it has 2 lines)"
    );
}

#[test]
fn a_zero_quantity_is_refused() {
    let mut o = placed(&[item(1, 3)]);
    let e = receive(&mut o, req(1, Some(0), &[])).unwrap_err();
    assert_eq!(e, RuleError::ZeroQuantity);
    assert_eq!(e.to_string(), "quantity must be at least 1");
}

#[test]
fn nothing_beyond_the_ordered_quantity() {
    let mut o = placed(&[item(1, 3), item(2, 1)]);
    let e = receive(&mut o, req(1, Some(4), &[])).unwrap_err();
    assert_eq!(
        e,
        RuleError::TooMany {
            po: PO,
            line: 1,
            sku: "SKU-1".into(),
            ordered: 3,
            open: 3,
            asked: 4,
        }
    );
    receive(&mut o, req(1, Some(2), &[])).unwrap();
    let e = receive(&mut o, req(1, Some(2), &[])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 1 of PO-000001 (SKU-1) has 1 of 3 units left to receive; 2 is too many"
    );
    receive(&mut o, req(1, Some(1), &[])).unwrap();
    assert_eq!(o.received_on(1), 3);
    assert_eq!(o.status(), OrderStatus::Partial);
    let e = receive(&mut o, req(1, Some(1), &[])).unwrap_err();
    assert!(matches!(e, RuleError::TooMany { open: 0, asked: 1, .. }), "{e:?}");
}

#[test]
fn serialized_lines_need_one_serial_per_unit() {
    let mut o = placed(&[serial_item(1, 3)]);
    let e = receive(&mut o, req(1, Some(2), &["A1"])).unwrap_err();
    assert_eq!(
        e,
        RuleError::SerialCount {
            line: 1,
            sku: "nb-1".into(),
            qty: 2,
            serials: 1,
        }
    );
    assert_eq!(
        e.to_string(),
        "line 1 (nb-1) is serialized: give one serial number per unit (2 units, 1 serial)"
    );
    // No quantity and no serials means one unit, which still needs its serial.
    assert_eq!(
        receive(&mut o, req(1, None, &[])).unwrap_err(),
        RuleError::SerialCount {
            line: 1,
            sku: "nb-1".into(),
            qty: 1,
            serials: 0,
        }
    );
    assert!(matches!(
        receive(&mut o, req(1, Some(1), &["A1", "A2"])).unwrap_err(),
        RuleError::SerialCount { qty: 1, serials: 2, .. }
    ));
    assert!(o.receipts.is_empty());
    let r = receive(&mut o, req(1, Some(2), &[" A1 ", "A2"])).unwrap();
    assert_eq!(r.serials, ["A1", "A2"], "serials are trimmed");
    assert_eq!(r.quantity, 2);
}

#[test]
fn non_serialized_lines_refuse_serials() {
    let mut o = placed(&[item(1, 3)]);
    let e = receive(&mut o, req(1, None, &["X1"])).unwrap_err();
    assert_eq!(
        e,
        RuleError::NotSerialized {
            line: 1,
            sku: "SKU-1".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "line 1 (SKU-1) is not serialized; serial numbers are not recorded for it"
    );
}

#[test]
fn a_serial_repeated_within_one_receipt_is_refused() {
    let mut o = placed(&[serial_item(1, 3)]);
    let e = receive(&mut o, req(1, None, &["A1", "B2", " A1"])).unwrap_err();
    assert_eq!(e, RuleError::SerialRepeated { serial: "A1".into() });
    assert_eq!(e.to_string(), "serial number A1 is given twice");
    assert!(o.receipts.is_empty());
}

#[test]
fn a_serial_received_elsewhere_is_refused() {
    let mut o = placed(&[serial_item(1, 3)]);
    let asked = std::cell::RefCell::new(Vec::new());
    let owner = |product: &str, serial: &str| {
        asked.borrow_mut().push((product.to_string(), serial.to_string()));
        (product == "NB-1" && serial == "B2").then_some(PoNumber(9))
    };
    let e = o
        .receive(&req(1, None, &["A1", "B2"]), "rick", ts(1), &owner)
        .unwrap_err();
    assert_eq!(
        e,
        RuleError::DuplicateSerial {
            serial: "B2".into(),
            sku: "nb-1".into(),
            po: PoNumber(9),
        }
    );
    assert_eq!(
        e.to_string(),
        "serial number B2 of nb-1 was already received on PO-000009"
    );
    // Serials are looked up under the product key: the SKU, upper-cased.
    assert_eq!(serial_product_key(" nb-1 "), "NB-1");
    assert_eq!(
        asked.borrow().as_slice(),
        [
            ("NB-1".to_string(), "A1".to_string()),
            ("NB-1".to_string(), "B2".to_string())
        ]
    );
    assert!(o.receipts.is_empty());
    // The same serial under another product is free.
    let mut other = placed(&[serial_item(2, 1)]);
    other.receive(&req(1, None, &["B2"]), "rick", ts(1), &owner).unwrap();
}

#[test]
fn an_empty_serial_is_refused() {
    let mut o = placed(&[serial_item(1, 3)]);
    for serials in [&["A1", ""][..], &["  "][..]] {
        let e = receive(&mut o, req(1, None, serials)).unwrap_err();
        assert_eq!(e, RuleError::EmptySerial);
        assert_eq!(e.to_string(), "serial numbers cannot be empty");
    }
}

#[test]
fn a_serial_with_a_control_character_is_refused() {
    let mut o = placed(&[serial_item(1, 3)]);
    for (serial, shown) in [
        ("B\u{1f}C", "B\\u{1f}C"),
        ("SN\t1", "SN\\t1"),
        ("SN\u{1b}[2J", "SN\\u{1b}[2J"),
    ] {
        let e = receive(&mut o, req(1, None, &["A1", serial])).unwrap_err();
        assert_eq!(
            e,
            RuleError::SerialControl {
                serial: shown.to_string()
            }
        );
        assert_eq!(
            e.to_string(),
            format!("serial number {shown} holds a control character; a serial number is printable text (scan or type it again)")
        );
    }
    assert!(o.receipts.is_empty());
    // Blanks a scanner adds around it are trimmed, as before.
    assert_eq!(receive(&mut o, req(1, None, &["\tA1\r\n"])).unwrap().serials, ["A1"]);
}

#[test]
fn the_default_quantity_is_the_number_of_serials_or_one() {
    let mut o = placed(&[serial_item(1, 3), item(2, 5)]);
    assert_eq!(receive(&mut o, req(1, None, &["A1", "A2"])).unwrap().quantity, 2);
    assert_eq!(receive(&mut o, req(2, None, &[])).unwrap().quantity, 1);
    assert_eq!(o.received_on(1), 2);
    assert_eq!(o.received_on(2), 1);
}

#[test]
fn receipt_ids_count_up_and_are_never_reused() {
    let mut o = placed(&[item(1, 5)]);
    let ids: Vec<u32> = (0..3).map(|_| receive(&mut o, req(1, None, &[])).unwrap().id).collect();
    assert_eq!(ids, [1, 2, 3]);
    o.unreceive(3, "rick", ts(1)).unwrap();
    assert_eq!(receive(&mut o, req(1, None, &[])).unwrap().id, 4);
}

#[test]
fn unreceive_marks_the_receipt_undone_and_frees_the_quantity() {
    let mut o = placed(&[serial_item(1, 2)]);
    let r = receive(&mut o, req(1, None, &["A1", "A2"])).unwrap();
    assert_eq!(o.open_on(1), 0);
    let before = o.unreceive(r.id, "mia", ts(400)).unwrap();
    assert_eq!(before, r, "returns the receipt as it was");
    assert_eq!(
        o.receipts[0].undone,
        Some(crate::domain::receiving::Undo {
            by: "mia".into(),
            at: ts(400),
        })
    );
    assert_eq!(o.receipts.len(), 1, "kept, never deleted");
    assert_eq!(o.received_on(1), 0);
    assert_eq!(o.open_on(1), 2);
    assert_eq!(o.units_received(), 0);
    assert_eq!(o.last_active_receipt(), None);
    assert_eq!(o.status(), OrderStatus::Submitted);
    // The units can be received again.
    receive(&mut o, req(1, None, &["A1", "A2"])).unwrap();
    assert_eq!(o.status(), OrderStatus::Completed);
}

#[test]
fn a_receipt_cannot_be_undone_twice_or_if_unknown() {
    let mut o = placed(&[item(1, 2)]);
    let r = receive(&mut o, req(1, None, &[])).unwrap();
    o.unreceive(r.id, "rick", ts(1)).unwrap();
    let snapshot = o.clone();
    let e = o.unreceive(r.id, "rick", ts(2)).unwrap_err();
    assert_eq!(e, RuleError::ReceiptAlreadyUndone { po: PO, receipt: 1 });
    assert_eq!(e.to_string(), "receipt 1 of PO-000001 was already undone");
    let e = o.unreceive(7, "rick", ts(2)).unwrap_err();
    assert_eq!(e, RuleError::UnknownReceipt { po: PO, receipt: 7 });
    assert_eq!(e.to_string(), "PO-000001 has no receipt 7");
    assert_eq!(o, snapshot);
}

#[test]
fn receipts_of_a_cancelled_order_cannot_be_undone() {
    let mut o = placed(&[item(1, 2)]);
    let r = receive(&mut o, req(1, None, &[])).unwrap();
    o.unreceive(r.id, "rick", ts(1)).unwrap();
    o.cancel("bob", ts(2)).unwrap();
    assert_eq!(
        o.unreceive(r.id, "rick", ts(3)).unwrap_err(),
        wrong_status("Cancelled", "undoing a receipt", "Partial or Completed")
    );
}

#[test]
fn status_moves_from_submitted_through_partial_to_completed_and_back() {
    let mut o = Order::create(new_order(), &[item(1, 3), serial_item(2, 1)]).unwrap();
    o.place("bob", PlacementMethod::Email, None, ts(1)).unwrap();
    assert_eq!(o.status(), OrderStatus::EmailSent);
    let r1 = receive(&mut o, req(1, Some(1), &[])).unwrap();
    assert_eq!(o.status(), OrderStatus::Partial);
    receive(&mut o, req(2, None, &["SN-1"])).unwrap();
    assert_eq!(o.status(), OrderStatus::Partial);
    assert_eq!(o.progress(), "2/4");
    let r3 = receive(&mut o, req(1, Some(2), &[])).unwrap();
    assert_eq!(o.status(), OrderStatus::Completed);
    assert_eq!(o.progress(), "4/4");
    assert_eq!(o.last_active_receipt().map(|r| r.id), Some(3));
    // A completed order receives nothing more.
    assert_eq!(
        receive(&mut o, req(1, Some(1), &[])).unwrap_err(),
        wrong_status("Completed", "receiving", "Submitted, Email sent or Partial")
    );
    o.unreceive(r3.id, "rick", ts(2)).unwrap();
    assert_eq!(o.status(), OrderStatus::Partial);
    assert_eq!(o.last_active_receipt().map(|r| r.id), Some(2));
    o.unreceive(2, "rick", ts(3)).unwrap();
    o.unreceive(r1.id, "rick", ts(4)).unwrap();
    assert_eq!(o.status(), OrderStatus::EmailSent);
    assert_eq!(o.progress(), "0/4");
}

#[test]
fn status_labels_and_keys_round_trip() {
    for s in OrderStatus::ALL {
        assert_eq!(s.key().parse::<OrderStatus>().unwrap(), s);
        assert_eq!(s.to_string().parse::<OrderStatus>().unwrap(), s);
    }
    assert_eq!(OrderStatus::AwaitingApproval.to_string(), "Awaiting approval");
    assert_eq!(OrderStatus::EmailSent.key(), "email_sent");
    let receivable: Vec<OrderStatus> = OrderStatus::ALL.into_iter().filter(|s| s.is_receivable()).collect();
    assert_eq!(
        receivable,
        [OrderStatus::EmailSent, OrderStatus::Submitted, OrderStatus::Partial]
    );
}

// ---------------------------------------------------------------------------------------
// Property: receiving never exceeds the order and the status follows the quantities
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Receive {
        line: u32,
        quantity: Option<u32>,
        serials: Vec<u8>,
    },
    Unreceive(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u32..5, prop::option::of(0u32..7), prop::collection::vec(0u8..8, 0..4))
            .prop_map(|(line, quantity, serials)| Op::Receive { line, quantity, serials }),
        1 => (0u32..12).prop_map(Op::Unreceive),
    ]
}

/// The status as derived from quantities alone, for a placed (manual) order.
fn expected_status(o: &Order) -> OrderStatus {
    let received: Vec<u32> = (1..=o.lines.len() as u32).map(|l| o.received_on(l)).collect();
    if received.iter().all(|r| *r == 0) {
        OrderStatus::Submitted
    } else if o.lines.iter().zip(&received).all(|(l, r)| *r == l.quantity) {
        OrderStatus::Completed
    } else {
        OrderStatus::Partial
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn receiving_never_exceeds_the_order_and_status_follows_quantities(
        lines in prop::collection::vec((1u32..6, any::<bool>()), 1..4),
        ops in prop::collection::vec(op(), 1..40),
    ) {
        let items: Vec<PendingItem> = lines
            .iter()
            .enumerate()
            .map(|(i, (qty, serialized))| {
                let id = i as ItemId + 1;
                if *serialized { serial_item(id, *qty) } else { item(id, *qty) }
            })
            .collect();
        let mut o = placed(&items);
        for (step, op) in ops.into_iter().enumerate() {
            let before = o.clone();
            // The store's view: serials on active receipts of this order.
            let owned: Vec<(String, String)> = o
                .receipts
                .iter()
                .filter(|r| r.undone.is_none())
                .flat_map(|r| {
                    let key = serial_product_key(&o.lines[r.line as usize - 1].sku);
                    r.serials.iter().map(move |s| (key.clone(), s.clone()))
                })
                .collect();
            let owner = |k: &str, s: &str| owned.iter().any(|(ok, os)| ok == k && os == s).then_some(PO);
            let now = ts(1000 + step as i64);
            let result = match &op {
                Op::Receive { line, quantity, serials } => {
                    let r = ReceiveRequest {
                        line: *line,
                        quantity: *quantity,
                        serials: serials.iter().map(|s| format!("SN-{s}")).collect(),
                    };
                    o.receive(&r, "rick", now, &owner).map(|rec| {
                        assert!(rec.quantity >= 1);
                        assert_eq!(rec.line, *line);
                    })
                }
                Op::Unreceive(id) => o.unreceive(*id, "rick", now).map(|_| ()),
            };
            if result.is_err() {
                prop_assert_eq!(&o, &before, "a refused {:?} changed the order", op);
            }
            for (i, line) in o.lines.iter().enumerate() {
                let n = i as u32 + 1;
                prop_assert!(o.received_on(n) <= line.quantity, "line {} over-received", n);
                prop_assert_eq!(o.received_on(n) + o.open_on(n), line.quantity);
            }
            prop_assert_eq!(o.status(), expected_status(&o));
            prop_assert_eq!(o.units_received(), (1..=o.lines.len() as u32).map(|l| u64::from(o.received_on(l))).sum::<u64>());
            // Every active receipt matches its line's serial rule, and serials stay unique.
            let mut seen = std::collections::HashSet::new();
            for r in o.receipts.iter().filter(|r| r.undone.is_none()) {
                let line = &o.lines[r.line as usize - 1];
                if line.serialized {
                    prop_assert_eq!(r.serials.len(), r.quantity as usize);
                } else {
                    prop_assert!(r.serials.is_empty());
                }
                for s in &r.serials {
                    prop_assert!(seen.insert((serial_product_key(&line.sku), s.clone())), "serial {} twice", s);
                }
            }
        }
    }
}

#[test]
fn a_receipt_with_a_serial_too_long_or_holding_an_invisible_character_is_refused_and_nothing_recorded() {
    let mut o = placed(&[serial_item(1, 3)]);
    let snapshot = o.clone();
    let long = "Y".repeat(100_000);
    let e = receive(&mut o, req(1, None, &["A1", &long])).unwrap_err();
    assert!(
        matches!(
            e,
            RuleError::SerialTooLong {
                chars: 100_000,
                max: 100,
                ..
            }
        ),
        "{e:?}"
    );
    let e = receive(&mut o, req(1, None, &["AB", "\u{feff}AB"])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "serial number \\u{feff}AB holds an invisible character, U+FEFF (byte-order mark); a serial number is printable text (scan or type it again)"
    );
    assert_eq!(o, snapshot);
    // At the limit it is taken.
    let longest = "Y".repeat(100);
    assert_eq!(receive(&mut o, req(1, None, &[&longest])).unwrap().serials, [longest]);
}
