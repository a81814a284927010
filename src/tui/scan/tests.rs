//! Tests of the dock scanner: codes, quantities, serials, pick lists, refusals and
//! prompts, against a fixed set of open lines.

use super::*;
use rust_decimal::Decimal;

fn line(sku: &str, mpn: Option<&str>, ean: Option<&str>, qty: u32, serialized: bool) -> OrderLine {
    OrderLine {
        item_id: 1,
        quote_id: "Q".into(),
        line_id: "1".into(),
        customer_id: "C".into(),
        customer_name: "Customer".into(),
        psa_company_id: None,
        sku: sku.into(),
        mpn: mpn.map(Into::into),
        ean: ean.map(Into::into),
        description: "thing".into(),
        distributor_sku: None,
        quantity: qty,
        unit_cost: Decimal::ONE,
        unit_price: Decimal::ONE,
        serialized,
        pax8_product_id: None,
        psa_product_id: None,
    }
}

fn t(po: u64, line: u32) -> Target {
    Target { po: PoNumber(po), line }
}

/// PO 4: AP-650 ×8 serialized, SW ×2 serialized. PO 7: CABLE ×40, and AP-650 ×2 again.
fn lines() -> Vec<ScanLine> {
    vec![
        ScanLine {
            target: t(4, 1),
            line: line("AP-650", Some("R9B28A"), Some("0190017123981"), 8, true),
            received: 0,
        },
        ScanLine {
            target: t(4, 2),
            line: line("SW-2930F", Some("JL259A"), None, 2, true),
            received: 0,
        },
        ScanLine {
            target: t(7, 1),
            line: line("CABLE", None, Some("8711"), 40, false),
            received: 38,
        },
        ScanLine {
            target: t(7, 2),
            line: line("DOCK", None, None, 3, false),
            received: 3,
        },
    ]
}

fn receive(target: Target, qty: u32, serial: Option<&str>) -> Step {
    Step::Receive {
        target,
        qty,
        serial: serial.map(Into::into),
    }
}

fn bump(lines: &mut [ScanLine], target: Target, n: u32) {
    lines.iter_mut().find(|l| l.target == target).unwrap().received += n;
}

#[test]
fn blank_scans_do_nothing() {
    let mut s = ScanState::default();
    assert_eq!(s.scan(&lines(), "   "), Step::Nothing);
    assert_eq!(s, ScanState::default());
}

#[test]
fn a_plain_line_receives_one_unit_per_scan_by_any_code() {
    let mut s = ScanState::default();
    assert_eq!(s.scan(&lines(), "CABLE"), receive(t(7, 1), 1, None));
    assert_eq!(s.mode, ScanMode::Idle);
    assert_eq!(s.scan(&lines(), " 8711 "), receive(t(7, 1), 1, None));
    assert_eq!(
        s.scan(&lines(), "cable"),
        receive(t(7, 1), 1, None),
        "case does not matter"
    );
}

#[test]
fn star_n_sets_the_quantity_for_the_next_line_only() {
    let mut s = ScanState::default();
    assert_eq!(s.scan(&lines(), "*2"), Step::QuantitySet(2));
    assert_eq!(s.qty, Some(2));
    assert_eq!(s.scan(&lines(), "CABLE"), receive(t(7, 1), 2, None));
    assert_eq!(s.qty, None);
    assert_eq!(s.scan(&lines(), "CABLE"), receive(t(7, 1), 1, None));
}

#[test]
fn star_n_above_what_is_open_is_refused() {
    let mut s = ScanState::default();
    s.scan(&lines(), "*3");
    assert_eq!(
        s.scan(&lines(), "CABLE"),
        Step::Error(ScanError::TooMany {
            target: t(7, 1),
            sku: "CABLE".into(),
            open: 2,
            asked: 3
        })
    );
    assert_eq!(s, ScanState::default(), "the quantity is used up by the refusal");
}

#[test]
fn bad_quantities_are_refused() {
    let mut s = ScanState::default();
    for bad in ["*0", "*", "*x", "*-1"] {
        assert_eq!(s.scan(&lines(), bad), Step::Error(ScanError::BadQuantity(bad.into())));
    }
    assert_eq!(s.qty, None);
}

#[test]
fn a_product_scanned_after_a_quantity_that_did_not_read_is_not_received() {
    let ls = lines();
    let mut s = ScanState::default();
    // `*1O` (a letter O for a zero): refused, and so is the scan after it.
    assert_eq!(s.scan(&ls, "*1O"), Step::Error(ScanError::BadQuantity("*1O".into())));
    assert!(s.prompt(&ls).contains("`*1O` is not a quantity"), "{}", s.prompt(&ls));
    assert_eq!(
        s.scan(&ls, "CABLE"),
        Step::Error(ScanError::AfterBadQuantity {
            quantity: "*1O".into(),
            code: "CABLE".into()
        })
    );
    // Said once: the product alone now is one unit.
    assert!(s.prompt(&ls).starts_with("Scan a SKU"));
    assert_eq!(s.scan(&ls, "CABLE"), receive(t(7, 1), 1, None));
    // A quantity scanned again replaces the one that did not read.
    s.scan(&ls, "*0");
    assert_eq!(s.scan(&ls, "*2"), Step::QuantitySet(2));
    assert_eq!(s.scan(&ls, "CABLE"), receive(t(7, 1), 2, None));
    // Esc forgets it: the next scan is one unit.
    s.scan(&ls, "*x");
    assert!(s.cancel(), "Esc had something to cancel");
    assert_eq!(s.scan(&ls, "CABLE"), receive(t(7, 1), 1, None));
    assert_eq!(s, ScanState::default());
}

#[test]
fn unknown_codes_and_full_lines_are_refused() {
    let mut s = ScanState::default();
    assert_eq!(s.scan(&lines(), "NOPE"), Step::Error(ScanError::Unknown("NOPE".into())));
    assert_eq!(
        s.scan(&lines(), "DOCK"),
        Step::Error(ScanError::LineFull {
            target: t(7, 2),
            sku: "DOCK".into()
        })
    );
    assert_eq!(s.mode, ScanMode::Idle);
}

#[test]
fn a_serialized_line_takes_serials_until_full() {
    let mut ls = lines();
    let mut s = ScanState::default();
    assert_eq!(
        s.scan(&ls, "JL259A"),
        Step::AwaitSerials {
            target: t(4, 2),
            left: 2
        }
    );
    assert_eq!(s.scan(&ls, "SN1"), receive(t(4, 2), 1, Some("SN1")));
    bump(&mut ls, t(4, 2), 1);
    s.committed(&ls);
    assert_eq!(
        s.mode,
        ScanMode::Serials {
            target: t(4, 2),
            left: 1
        }
    );
    // A failed commit (duplicate serial) keeps waiting for serials.
    assert_eq!(s.scan(&ls, "SN1"), receive(t(4, 2), 1, Some("SN1")));
    assert_eq!(
        s.mode,
        ScanMode::Serials {
            target: t(4, 2),
            left: 1
        }
    );
    assert_eq!(s.scan(&ls, "SN2"), receive(t(4, 2), 1, Some("SN2")));
    bump(&mut ls, t(4, 2), 1);
    s.committed(&ls);
    assert_eq!(s.mode, ScanMode::Idle, "the line is full");
    // The next scan is a code again, and the line is full now.
    assert_eq!(
        s.scan(&ls, "SW-2930F"),
        Step::Error(ScanError::LineFull {
            target: t(4, 2),
            sku: "SW-2930F".into()
        })
    );
}

#[test]
fn star_n_limits_the_serials_that_follow() {
    let mut ls = lines();
    let mut s = ScanState::default();
    s.scan(&ls, "*1");
    assert_eq!(
        s.scan(&ls, "AP-650"),
        Step::AwaitSerials {
            target: t(4, 1),
            left: 1
        }
    );
    assert_eq!(s.scan(&ls, "X1"), receive(t(4, 1), 1, Some("X1")));
    bump(&mut ls, t(4, 1), 1);
    s.committed(&ls);
    assert_eq!(s.mode, ScanMode::Idle);
}

#[test]
fn the_lines_own_code_during_serials_is_not_a_serial() {
    let ls = lines();
    let mut s = ScanState::default();
    s.scan(&ls, "AP-650");
    assert_eq!(
        s.scan(&ls, "0190017123981"),
        Step::StillSerials {
            target: t(4, 1),
            left: 8
        }
    );
    assert_eq!(s.scan(&ls, "*2"), Step::Error(ScanError::QuantityDuringSerials));
    // Another open line's code is the next product arriving, not a serial: refused, so
    // that product is not lost and no bogus serial is kept.
    let refused = s.scan(&ls, "cable");
    assert_eq!(
        refused,
        Step::Error(ScanError::ProductCodeAsSerial {
            code: "cable".into(),
            serials_for: "AP-650".into(),
            other: t(7, 1),
        })
    );
    if let Step::Error(e) = refused {
        assert!(e.to_string().contains("press Esc to stop the serials"), "{e}");
    }
    assert!(matches!(s.mode, ScanMode::Serials { .. }), "still expecting serials");
    // An order number is the next box's packing slip, not a serial; digits alone may be.
    for slip in ["PO-000008", "po-8", "PO-000004"] {
        let refused = s.scan(&ls, slip);
        assert_eq!(
            refused,
            Step::Error(ScanError::OrderNumberAsSerial {
                code: slip.into(),
                serials_for: "AP-650".into(),
            })
        );
        assert!(matches!(s.mode, ScanMode::Serials { .. }), "still expecting serials");
    }
    assert_eq!(s.scan(&ls, "000008"), receive(t(4, 1), 1, Some("000008")));
    assert_eq!(s.scan(&ls, "PO-X1"), receive(t(4, 1), 1, Some("PO-X1")));
    // A fully received line's code can still be a serial: serials can look like anything.
    assert_eq!(s.scan(&ls, "DOCK"), receive(t(4, 1), 1, Some("DOCK")));
}

#[test]
fn esc_leaves_serials_and_forgets_the_quantity() {
    let ls = lines();
    let mut s = ScanState::default();
    assert!(!s.cancel());
    s.scan(&ls, "AP-650");
    assert!(s.cancel());
    assert_eq!(s, ScanState::default());
    s.scan(&ls, "*5");
    assert!(s.cancel());
    assert_eq!(s.qty, None);
}

#[test]
fn several_matches_give_a_pick_list() {
    let mut ls = lines();
    ls.push(ScanLine {
        target: t(9, 3),
        line: line("AP-650", Some("R9B28A"), None, 2, false),
        received: 0,
    });
    let mut s = ScanState::default();
    assert_eq!(s.scan(&ls, "R9B28A"), Step::Picking(vec![t(4, 1), t(9, 3)]));
    assert!(matches!(s.mode, ScanMode::Pick { .. }));
    assert_eq!(s.scan(&ls, "2"), receive(t(9, 3), 1, None));
    assert_eq!(s.mode, ScanMode::Idle);
    s.scan(&ls, "R9B28A");
    assert_eq!(
        s.scan(&ls, "1"),
        Step::AwaitSerials {
            target: t(4, 1),
            left: 8
        }
    );
}

#[test]
fn a_pick_list_keeps_the_quantity_and_gives_way_to_a_new_code() {
    let mut ls = lines();
    ls.push(ScanLine {
        target: t(9, 3),
        line: line("AP-650", None, None, 5, false),
        received: 0,
    });
    let mut s = ScanState::default();
    s.scan(&ls, "*3");
    assert_eq!(s.scan(&ls, "AP-650"), Step::Picking(vec![t(4, 1), t(9, 3)]));
    assert_eq!(s.scan(&ls, "2"), receive(t(9, 3), 3, None));
    s.scan(&ls, "AP-650");
    assert_eq!(
        s.scan(&ls, "CABLE"),
        receive(t(7, 1), 1, None),
        "a new code leaves the list"
    );
    s.scan(&ls, "AP-650");
    assert_eq!(
        s.scan(&ls, "7"),
        Step::Error(ScanError::Unknown("7".into())),
        "out of range: a code"
    );
}

#[test]
fn full_lines_are_not_candidates() {
    let mut ls = lines();
    ls.push(ScanLine {
        target: t(9, 3),
        line: line("CABLE", None, None, 5, false),
        received: 5,
    });
    let mut s = ScanState::default();
    assert_eq!(s.scan(&ls, "CABLE"), receive(t(7, 1), 1, None));
}

#[test]
fn scan_lines_take_only_receivable_orders() {
    assert!(scan_lines(std::iter::empty()).is_empty());
}

#[test]
fn prompts_say_what_comes_next() {
    let ls = lines();
    let mut s = ScanState::default();
    assert!(s.prompt(&ls).starts_with("Scan a SKU"));
    s.scan(&ls, "AP-650");
    let p = s.prompt(&ls);
    assert!(
        p.contains("serial") && p.contains("PO-000004 line 1") && p.contains("8 to go"),
        "{p}"
    );
}

#[test]
fn a_upc_a_scan_matches_the_ean_with_its_leading_zero() {
    let ls = lines();
    let mut s = ScanState::default();
    // AP-650's EAN is 0190017123981; many scanners send the UPC-A, 190017123981.
    assert_eq!(
        s.scan(&ls, "190017123981"),
        Step::AwaitSerials {
            target: t(4, 1),
            left: 8
        }
    );
    s.cancel();
    // As a 14-digit GTIN too; a different number does not match.
    assert!(matches!(s.scan(&ls, "00190017123981"), Step::AwaitSerials { .. }));
    s.cancel();
    assert!(matches!(
        s.scan(&ls, "190017123988"),
        Step::Error(ScanError::Unknown(_))
    ));
}

#[test]
fn an_undone_receipt_on_the_line_being_scanned_opens_its_unit_again() {
    let mut ls = lines();
    let mut s = ScanState::default();
    s.scan(&ls, "AP-650");
    s.scan(&ls, "SN-1");
    bump(&mut ls, t(4, 1), 1);
    s.committed(&ls);
    assert_eq!(
        s.mode,
        ScanMode::Serials {
            target: t(4, 1),
            left: 7
        }
    );
    // The receipt is undone: 8 open again, so 8 to go.
    bump_back(&mut ls, t(4, 1), 1);
    s.reopened(&ls, t(4, 1), 1);
    assert_eq!(
        s.mode,
        ScanMode::Serials {
            target: t(4, 1),
            left: 8
        }
    );
    // An undo on another line changes nothing here.
    s.reopened(&ls, t(4, 2), 1);
    assert_eq!(
        s.mode,
        ScanMode::Serials {
            target: t(4, 1),
            left: 8
        }
    );
}

fn bump_back(lines: &mut [ScanLine], target: Target, n: u32) {
    lines.iter_mut().find(|l| l.target == target).unwrap().received -= n;
}

/// GS1 codes: PO 9 line 1 is a serialized access point (EAN 4006381333931) ×3, line 2 a
/// plain cable (EAN 0190017123981) ×5; PO 10 has the access point ×1 again.
fn gs1_lines() -> Vec<ScanLine> {
    vec![
        ScanLine {
            target: t(9, 1),
            line: line("AP-7", None, Some("4006381333931"), 3, true),
            received: 0,
        },
        ScanLine {
            target: t(9, 2),
            line: line("CAB-1", None, Some("0190017123981"), 5, false),
            received: 0,
        },
    ]
}

const AP_GS1: &str = "010400638133393121SN-A";

#[test]
fn a_gs1_code_selects_its_line_by_gtin_and_gives_the_serial_at_once() {
    let mut lines = gs1_lines();
    let mut s = ScanState::default();
    assert_eq!(s.scan(&lines, AP_GS1), receive(t(9, 1), 1, Some("SN-A")));
    // One box, one code: nothing more is expected, so a stray scan is never a serial.
    assert_eq!(s.mode, ScanMode::Idle);
    bump(&mut lines, t(9, 1), 1);
    s.committed(&lines);
    // The next box's code, printed form with a lot: its serial, on the same line.
    assert_eq!(
        s.scan(&lines, "(01)04006381333931(10)L7(21)SN-B"),
        receive(t(9, 1), 1, Some("SN-B"))
    );
    bump(&mut lines, t(9, 1), 1);
    s.committed(&lines);
    // Its code without a serial: the line's serials follow, by GS1 code or plain.
    assert_eq!(
        s.scan(&lines, "0104006381333931"),
        Step::AwaitSerials {
            target: t(9, 1),
            left: 1
        }
    );
    assert_eq!(
        s.scan(&lines, "0104006381333931"),
        Step::StillSerials {
            target: t(9, 1),
            left: 1
        }
    );
    assert_eq!(s.scan(&lines, "SN-C"), receive(t(9, 1), 1, Some("SN-C")));
}

#[test]
fn while_serials_are_expected_each_boxs_gs1_code_gives_the_next_and_a_serial_label_its_own() {
    let mut lines = gs1_lines();
    let mut s = ScanState::default();
    assert_eq!(
        s.scan(&lines, "AP-7"),
        Step::AwaitSerials {
            target: t(9, 1),
            left: 3
        }
    );
    assert_eq!(s.scan(&lines, AP_GS1), receive(t(9, 1), 1, Some("SN-A")));
    bump(&mut lines, t(9, 1), 1);
    s.committed(&lines);
    assert_eq!(
        s.mode,
        ScanMode::Serials {
            target: t(9, 1),
            left: 2
        }
    );
    // A separate serial label in GS1-128 (AI 21 alone), marked or printed.
    assert_eq!(s.scan(&lines, "]C121SN-B"), receive(t(9, 1), 1, Some("SN-B")));
    assert_eq!(s.scan(&lines, "(21)SN-C"), receive(t(9, 1), 1, Some("SN-C")));
    // A scanner sending identifiers before every code: the identifier is not the serial.
    assert_eq!(s.scan(&lines, "]C0SN-D"), receive(t(9, 1), 1, Some("SN-D")));
}

#[test]
fn a_gs1_code_without_a_serial_or_for_a_plain_line_is_a_product_code() {
    let lines = gs1_lines();
    let mut s = ScanState::default();
    assert_eq!(
        s.scan(&lines, "]d20104006381333931"),
        Step::AwaitSerials {
            target: t(9, 1),
            left: 3
        }
    );
    let mut s = ScanState::default();
    // A cable's code with a serial: one unit, the serial not kept (the line takes none).
    assert_eq!(s.scan(&lines, "010019001712398121X9"), receive(t(9, 2), 1, None));
    assert_eq!(s.mode, ScanMode::Idle);
}

#[test]
fn a_quantity_before_a_gs1_code_counts_its_serial_first() {
    let mut lines = gs1_lines();
    let mut s = ScanState::default();
    assert_eq!(s.scan(&lines, "*2"), Step::QuantitySet(2));
    assert_eq!(s.scan(&lines, AP_GS1), receive(t(9, 1), 1, Some("SN-A")));
    bump(&mut lines, t(9, 1), 1);
    s.committed(&lines);
    assert_eq!(
        s.mode,
        ScanMode::Serials {
            target: t(9, 1),
            left: 1
        }
    );
}

#[test]
fn a_gs1_code_on_several_lines_asks_which_and_keeps_its_serial() {
    let mut lines = gs1_lines();
    lines.push(ScanLine {
        target: t(10, 1),
        line: line("AP-7", None, Some("04006381333931"), 1, true),
        received: 0,
    });
    let mut s = ScanState::default();
    assert_eq!(s.scan(&lines, AP_GS1), Step::Picking(vec![t(9, 1), t(10, 1)]));
    assert!(
        s.prompt(&lines).contains("`04006381333931` is on 2 open lines"),
        "{}",
        s.prompt(&lines)
    );
    assert_eq!(s.scan(&lines, "2"), receive(t(10, 1), 1, Some("SN-A")));
}

#[test]
fn while_serials_are_expected_another_products_gs1_code_is_refused_or_taken_with_its_serial() {
    let mut lines = gs1_lines();
    lines.push(ScanLine {
        target: t(11, 1),
        line: line("SW-9", None, None, 2, true),
        received: 0,
    });
    let mut s = ScanState::default();
    assert_eq!(
        s.scan(&lines, "SW-9"),
        Step::AwaitSerials {
            target: t(11, 1),
            left: 2
        }
    );
    // An open line's GTIN without a serial: the next product, refused as before.
    assert!(matches!(
        s.scan(&lines, "0104006381333931"),
        Step::Error(ScanError::ProductCodeAsSerial { ref code, other, .. })
            if code == "04006381333931" && other == t(9, 1)
    ));
    assert_eq!(
        s.mode,
        ScanMode::Serials {
            target: t(11, 1),
            left: 2
        }
    );
    // A product on no line, with a separator: a GS1 code all the same, never a serial.
    let other = "0100190017123974\u{241d}21Z";
    let e = s.scan(&lines, other);
    assert!(
        matches!(&e, Step::Error(ScanError::Gs1NotASerial { gtin: Some(g), .. }) if g == "00190017123974"),
        "{e:?}"
    );
    // A separator in what does not read as GS1: not a serial either.
    assert!(matches!(
        s.scan(&lines, "ABC\u{241d}DEF"),
        Step::Error(ScanError::Gs1NotASerial { gtin: None, .. })
    ));
    // Separators dropped, a product not here: AI 01 and a GTIN, then more, is no serial.
    assert!(matches!(
        s.scan(&lines, "010019001712397410LOT-1-AND-A-LONG-REST-OF-IT"),
        Step::Error(ScanError::Gs1NotASerial { gtin: None, .. })
    ));
    assert!(matches!(
        s.scan(&lines, "010019001712397421Z"),
        Step::Error(ScanError::Gs1NotASerial { gtin: Some(_), .. })
    ));
    // Exactly AI 01 and a GTIN of a product not here: as likely a serial of digits.
    assert_eq!(
        s.scan(&lines, "0100190017123974"),
        receive(t(11, 1), 1, Some("0100190017123974"))
    );
    // An open line's GS1 code with its serial: that box is received on its own line, and
    // the serials of the line before stop.
    assert_eq!(s.scan(&lines, AP_GS1), receive(t(9, 1), 1, Some("SN-A")));
    assert_eq!(s.mode, ScanMode::Idle);
    // A line whose units are all in: its GS1 code is refused as full.
    assert_eq!(
        s.scan(&lines, "SW-9"),
        Step::AwaitSerials {
            target: t(11, 1),
            left: 2
        }
    );
    bump(&mut lines, t(9, 1), 3);
    assert!(matches!(
        s.scan(&lines, AP_GS1),
        Step::Error(ScanError::LineFull { target, .. }) if target == t(9, 1)
    ));
}

#[test]
fn a_gs1_code_of_a_product_on_no_line_is_unknown() {
    let mut s = ScanState::default();
    assert_eq!(
        s.scan(&gs1_lines(), "0100190017123974"),
        Step::Error(ScanError::Unknown("0100190017123974".into()))
    );
}
