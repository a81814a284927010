//! The dock on small terminals, with scanners that end codes with Tab, with pastes, and
//! while someone else receives on the same lines.

use super::*;
use crate::tui::panes::receiving::{BOX_MAX_CHARS, SCAN_MAX_CHARS};
use crate::tui::scan::{ScanMode, Target};

/// Types `text` as a barcode scanner does, a character every 4 ms; `\n` is Enter, `\t` is
/// Tab (the ending many scanners are set to), and `␝` the group separator between a GS1
/// code's fields as it arrives from a terminal (Ctrl+5).
fn scan_with_tabs(h: &mut Harness, text: &str) {
    for c in text.chars() {
        let ev = match c {
            '\n' => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            '\t' => KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
            '␝' => KeyEvent::new(KeyCode::Char('5'), KeyModifiers::CONTROL),
            c if c.is_ascii_uppercase() => KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT),
            c => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        };
        h.clock += Duration::from_millis(4);
        h.app.on_key_at(ev, h.clock);
    }
    h.pause();
    h.settle();
}

/// The serials received on PO-000004 line 1 (AP-650, eight units, serialized).
fn ap650_serials(h: &Harness) -> Vec<String> {
    h.order(4)
        .receipts
        .iter()
        .filter(|r| r.line == 1)
        .flat_map(|r| r.serials.iter().map(|s| s.to_string()))
        .collect()
}

/// Scans AP-650 so that its serials are expected.
fn expect_ap650_serials(h: &mut Harness) {
    h.scan("AP-650\n");
    h.settle();
    assert!(
        matches!(h.app.receiving.state.mode, ScanMode::Serials { .. }),
        "{:?}",
        h.app.receiving.log
    );
}

/// Receives `n` units of PO-000004 line 1 from another client, as a colleague would.
fn colleague_receives_ap650(h: &Harness, n: u32, tag: &str) {
    let rick = as_user(&config(), "rick");
    let req = ReceiveRequest {
        line: 1,
        quantity: Some(n),
        serials: (0..n).map(|k| format!("{tag}-{k}")).collect(),
    };
    h.other_client().receive(&rick, PoNumber(4), req).unwrap();
}

/// The line above the scan box.
fn prompt(h: &Harness) -> String {
    h.app.receiving.state.prompt(&h.app.receiving.lines)
}

#[test]
fn every_pane_renders_on_tiny_terminals_without_panicking() {
    let widths = [1, 2, 3, 4, 5, 8, 13, 20, 27, 37, 38, 39, 40, 41, 60];
    let heights = 1..=14;
    let render_all = |h: &Harness, what: &str| {
        for w in widths {
            for ht in heights.clone() {
                let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.render(w, ht)));
                assert!(drawn.is_ok(), "{what} panicked at {w}×{ht}");
            }
        }
    };
    let mut h = Harness::new("boss");
    for pane in [
        Pane::Pending,
        Pane::Orders,
        Pane::Approvals,
        Pane::Receiving,
        Pane::Audit,
        Pane::Settings,
    ] {
        h.app.switch(pane);
        h.settle();
        render_all(&h, &format!("{pane:?}"));
    }
    h.app.open_order(PoNumber(4));
    h.settle();
    render_all(&h, "an order's detail");
    h.app.switch(Pane::Receiving);
    expect_ap650_serials(&mut h);
    render_all(&h, "Receiving, expecting serials");
    h.keys("esc");
    // A code on two open lines: the pick list beside the orders.
    let candidates = vec![
        Target {
            po: PoNumber(4),
            line: 1,
        },
        Target {
            po: PoNumber(4),
            line: 2,
        },
    ];
    h.app.receiving.state.mode = ScanMode::Pick {
        code: "SHARED".into(),
        candidates,
        serial: None,
    };
    render_all(&h, "Receiving with a pick list");
    h.keys("esc f1");
    assert!(h.app.help);
    render_all(&h, "help");
    h.keys("esc alt-1 space n");
    assert!(open_form(&h).is_some());
    render_all(&h, "a form");
    h.keys("esc f3");
    assert!(h.app.messages.is_open());
    render_all(&h, "the messages");
    // A user without the receiver role sees why there is no scan box.
    let mut h = Harness::new("alice");
    h.app.switch(Pane::Receiving);
    h.settle();
    render_all(&h, "Receiving without the receiver role");
}

#[test]
fn tab_ended_serials_are_one_serial_each() {
    let mut h = Harness::new("rick");
    expect_ap650_serials(&mut h);
    scan_with_tabs(&mut h, "SN-C001\tSN-C002\t");
    assert_eq!(ap650_serials(&h), ["SN-C001", "SN-C002"], "{:?}", h.app.receiving.log);
    assert_eq!(scan_box(&h), "", "nothing is left to join the next scan");
}

#[test]
fn a_tab_typed_in_the_scan_box_submits_like_enter() {
    let mut h = Harness::new("rick");
    h.type_text("AP-650");
    h.keys("tab");
    assert!(
        matches!(h.app.receiving.state.mode, ScanMode::Serials { .. }),
        "{:?}",
        h.app.receiving.log
    );
    assert_eq!(scan_box(&h), "");
}

#[test]
fn a_tab_ended_scan_on_another_pane_is_a_scan_never_keys() {
    // boss is buyer and receiver: on Pending, S splits and q quits.
    let mut h = Harness::new("boss");
    assert_eq!(h.app.pane, Pane::Pending);
    scan_with_tabs(&mut h, "SN-X12\t");
    assert!(h.app.dialog.is_none(), "no split form opened");
    assert_eq!(h.app.pane, Pane::Receiving, "taken to the dock");
    assert!(format!("{:?}", h.app.receiving.log).contains("SN-X12"));
    h.keys("alt-2");
    scan_with_tabs(&mut h, "q2345\t");
    assert!(!h.app.quit);
    assert_eq!(h.app.pane, Pane::Receiving);
    assert!(format!("{:?}", h.app.receiving.log).contains("q2345"));
}

#[test]
fn a_persons_tab_still_moves_between_a_forms_fields() {
    let mut h = Harness::new("boss");
    h.keys("space n");
    let fields = open_form(&h).expect("the new order form").fields.len();
    // Tab by hand to the notes, the last field.
    while open_form(&h).unwrap().fields[open_form(&h).unwrap().focus].label != "Notes" {
        let before = open_form(&h).unwrap().focus;
        h.keys("tab");
        assert_eq!(open_form(&h).unwrap().focus, (before + 1) % fields, "Tab moved on");
    }
    let notes = open_form(&h).unwrap().focus;
    // A scanner's Tab-ended burst is typed into the field and moves nowhere.
    scan_with_tabs(&mut h, "123\t");
    let form = open_form(&h).expect("still open");
    assert_eq!(form.focus, notes);
    assert_eq!(form.fields[notes].value(), "123");
}

#[test]
fn a_pasted_column_of_serials_is_one_scan_per_line() {
    let mut h = Harness::new("rick");
    expect_ap650_serials(&mut h);
    h.app.on_paste("SN-P1\nSN-P2\r\n\n  SN-P3  \n");
    h.settle();
    assert_eq!(
        ap650_serials(&h),
        ["SN-P1", "SN-P2", "SN-P3"],
        "{:?}",
        h.app.receiving.log
    );
    assert_eq!(scan_box(&h), "");
    // Each line is checked as a scan is: a serial received already is refused alone.
    h.app.on_paste("SN-P4\nSN-P1\nSN-P5");
    h.settle();
    assert_eq!(ap650_serials(&h), ["SN-P1", "SN-P2", "SN-P3", "SN-P4", "SN-P5"]);
    let log = format!("{:?}", h.app.receiving.log);
    assert!(log.contains("SN-P1") && log.contains('✗'), "{log}");
    // One code pasted goes into the box, for Enter to read.
    h.app.on_paste("SN-P6\n");
    assert_eq!(scan_box(&h), "SN-P6");
}

#[test]
fn a_paste_too_long_for_a_scan_is_refused_at_once() {
    let mut h = Harness::new("rick");
    h.type_text("AB");
    let huge = "X".repeat(200_000);
    let started = Instant::now();
    h.app.on_paste(&huge);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(scan_box(&h), "AB", "the box is as it was");
    let (tone, text) = h.app.status.clone().unwrap();
    assert_eq!(tone, super::super::widgets::Tone::Error);
    assert!(
        text.contains("200000 characters") && text.contains(&format!("at most {SCAN_MAX_CHARS}")),
        "{text}"
    );
    // Nor is a longer line of a pasted column taken: none of the paste is.
    expect_ap650_serials(&mut h);
    h.app
        .on_paste(&format!("SN-L1\n{}\nSN-L2\n", "Y".repeat(SCAN_MAX_CHARS + 1)));
    h.settle();
    assert!(ap650_serials(&h).is_empty());
    assert!(h.app.status.as_ref().unwrap().1.contains("line 2"));
}

#[test]
fn a_paste_is_inserted_where_the_cursor_is() {
    let mut h = Harness::new("rick");
    h.type_text("SN-");
    h.keys("left");
    h.app.on_paste("77");
    assert_eq!(scan_box(&h), "SN77-");
    assert_eq!(h.app.receiving.input.cursor(), 4);
}

#[test]
fn typing_past_what_the_scan_box_holds_is_refused_as_a_scan() {
    let mut h = Harness::new("rick");
    expect_ap650_serials(&mut h);
    h.type_text("half");
    h.scan(&format!("{}\n", "Z".repeat(BOX_MAX_CHARS + 50)));
    h.settle();
    assert!(ap650_serials(&h).is_empty(), "no cut-off serial was received");
    assert_eq!(scan_box(&h), "");
    let log = format!("{:?}", h.app.receiving.log);
    assert!(log.contains("too long"), "{log}");
}

#[test]
fn the_serial_prompt_follows_another_clients_receipts() {
    let mut h = Harness::new("rick");
    expect_ap650_serials(&mut h);
    assert!(prompt(&h).contains("0/8; 8 to go"), "{}", prompt(&h));
    colleague_receives_ap650(&h, 3, "OTHER-A");
    h.poll();
    assert!(prompt(&h).contains("3/8; 5 to go"), "{}", prompt(&h));
    let (_, status) = h.app.status.clone().unwrap();
    assert!(status.contains("up to 5 more"), "the status line says so too: {status}");
    // The colleague takes the rest: the serials end, saying why.
    colleague_receives_ap650(&h, 5, "OTHER-B");
    h.poll();
    assert_eq!(h.app.receiving.state.mode, ScanMode::Idle, "{}", prompt(&h));
    let (_, last) = h.app.receiving.log.back().cloned().unwrap();
    assert!(
        last.contains("AP-650") && last.contains("completely received"),
        "{last}"
    );
    assert_eq!(
        h.app.status.clone().unwrap().1,
        last,
        "the status line follows the dock"
    );
}

#[test]
fn a_receipt_saved_while_someone_else_received_says_how_many_serials_are_left() {
    let mut h = Harness::new("rick");
    h.type_text("*3\n");
    expect_ap650_serials(&mut h);
    // The scan is on its way to the database when the colleague's receipt of 6 lands.
    h.scan("SN-MINE\n");
    assert!(h.app.receiving.inflight);
    colleague_receives_ap650(&h, 6, "OTHER");
    h.settle();
    assert!(ap650_serials(&h).contains(&"SN-MINE".to_string()));
    assert!(prompt(&h).contains("7/8; 1 to go"), "{}", prompt(&h));
    let (_, last) = h.app.receiving.log.back().cloned().unwrap();
    assert!(last.contains("7/8") && last.contains("up to 1 more"), "{last}");
}

#[test]
fn losing_the_race_for_the_last_unit_ends_the_serials() {
    let mut h = Harness::new("rick");
    h.type_text("*2\n");
    expect_ap650_serials(&mut h);
    colleague_receives_ap650(&h, 7, "OTHER");
    h.poll();
    assert!(prompt(&h).contains("7/8; 1 to go"), "{}", prompt(&h));
    // Both take the last unit; the colleague is first. Then this screen learns of it.
    colleague_receives_ap650(&h, 1, "FIRST");
    h.scan("SN-LATE\n");
    h.settle();
    h.poll();
    assert_eq!(h.app.receiving.state.mode, ScanMode::Idle, "{}", prompt(&h));
    assert!(!prompt(&h).contains('?'), "{}", prompt(&h));
    assert!(!ap650_serials(&h).contains(&"SN-LATE".to_string()));
}

#[test]
fn serials_stop_when_their_order_is_cancelled_elsewhere() {
    let mut h = Harness::new("rick");
    expect_ap650_serials(&mut h);
    let alice = as_user(&config(), "alice");
    h.other_client().cancel(&alice, PoNumber(4)).unwrap();
    h.poll();
    assert_eq!(h.app.receiving.state.mode, ScanMode::Idle, "{}", prompt(&h));
    let (_, last) = h.app.receiving.log.back().cloned().unwrap();
    assert!(
        last.contains("PO-000004") && last.contains("cancelled") && last.contains("stopped"),
        "{last}"
    );
}

#[test]
fn a_refused_receipt_is_one_message() {
    let mut h = Harness::new("rick");
    expect_ap650_serials(&mut h);
    h.scan("SN-TWICE\n");
    h.settle();
    let before = h.app.messages.len();
    h.scan("SN-TWICE\n");
    h.settle();
    let (tone, text) = h.app.status.clone().unwrap();
    assert_eq!(tone, super::super::widgets::Tone::Error, "{text}");
    assert!(text.contains("SN-TWICE"), "{text}");
    assert_eq!(h.app.messages.len(), before + 1, "one message for one refusal");
}

#[test]
fn a_receipt_refused_by_the_service_names_its_scan() {
    let mut h = Harness::new("rick");
    expect_ap650_serials(&mut h);
    // Another receiver takes every unit before this screen hears of it.
    colleague_receives_ap650(&h, 8, "ELSEWHERE");
    h.scan("SN-LATE\n");
    h.settle();
    let (_, last) = h
        .app
        .receiving
        .log
        .iter()
        .rev()
        .find(|(t, _)| *t == super::super::widgets::Tone::Error)
        .cloned()
        .expect("a refusal");
    assert!(last.starts_with("✗ `SN-LATE` not received: "), "{last}");
}

#[test]
fn every_refusal_of_a_pasted_column_reaches_the_messages() {
    let mut h = Harness::new("rick");
    expect_ap650_serials(&mut h);
    // Two packing slips pasted while serials are expected: both refused at once, in one
    // reading of the queue; neither refusal may hide the other.
    h.app.on_paste("PO-000008\nPO-000009");
    h.settle();
    let texts: Vec<&str> = h.app.messages.texts().collect();
    for slip in ["PO-000008", "PO-000009"] {
        assert!(
            texts.iter().any(|t| t.starts_with("✗") && t.contains(slip)),
            "{slip}'s refusal is kept: {texts:#?}"
        );
    }
}

#[test]
fn a_dropship_orders_number_scanned_narrows_to_it_and_says_its_kind() {
    let mut h = Harness::new("rick");
    let dropship = PoNumber(2);
    assert_eq!(h.order(2).order_type, crate::domain::OrderType::Dropship);
    assert!(h.order(2).status().is_receivable(), "{:?}", h.order(2).status());
    assert!(!h.app.receiving.lines.iter().any(|l| l.target.po == dropship));
    h.scan("PO-000002\n");
    h.settle();
    let said = h.app.receiving.log.back().map(|(_, t)| t.clone()).unwrap_or_default();
    assert!(said.contains("scanning for PO-000002 only"), "{said}");
    assert!(said.contains("a dropship order shipped to the customer"), "{said}");
    assert!(h.app.receiving.lines.iter().all(|l| l.target.po == dropship));
    assert!(!h.app.receiving.lines.is_empty());
    // A wholesale order's number says no kind.
    h.press(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    h.scan("PO-000004\n");
    h.settle();
    let said = h.app.receiving.log.back().map(|(_, t)| t.clone()).unwrap_or_default();
    assert!(said.contains("scanning for PO-000004 only"), "{said}");
    assert!(!said.contains("dropship"), "{said}");
}

#[test]
fn a_gs1_code_on_the_box_receives_its_product_and_serial_in_one_scan() {
    let mut h = Harness::new("rick");
    // AP-650's GTIN (EAN 0190017123981), its lot, then its serial after a separator.
    scan_with_tabs(&mut h, "0100190017123981\n");
    assert!(ap650_serials(&h).is_empty(), "a GTIN alone selects the line");
    h.press(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    scan_with_tabs(&mut h, "010019001712398110L-42␝21CN0001\n");
    assert_eq!(ap650_serials(&h), vec!["CN0001".to_string()]);
    // The next box's code gives the next one; after a code that gave its serial a plain
    // scan is not taken as a serial (nothing more was expected).
    scan_with_tabs(&mut h, "]d2010019001712398121CN0002\nCN0003\n");
    assert_eq!(ap650_serials(&h), vec!["CN0001", "CN0002"]);
    // Scanned on another pane, the separator is part of the scan, never a key.
    h.keys("alt-2");
    assert_eq!(h.app.pane, Pane::Orders);
    scan_with_tabs(&mut h, "010019001712398110L-42␝21CN0003\n");
    assert_eq!(h.app.pane, Pane::Receiving);
    assert_eq!(ap650_serials(&h), vec!["CN0001", "CN0002", "CN0003"]);
    // While the line's serials are expected, the product's code is followed by them.
    expect_ap650_serials(&mut h);
    // A pasted code keeps its separator (ASCII 29) as well, shown as `␝`.
    h.app.on_paste("010019001712398110L-42\u{1d}21CN0004\n");
    assert_eq!(scan_box(&h), "010019001712398110L-42␝21CN0004");
    h.press(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    h.settle();
    assert_eq!(ap650_serials(&h).len(), 4, "{:?}", h.app.receiving.log);
    // Another product's code with a separator is never taken as a serial.
    scan_with_tabs(&mut h, "0104006381333931␝21ZZ9\n");
    assert_eq!(ap650_serials(&h).len(), 4);
    let log = format!("{:?}", h.app.receiving.log);
    assert!(log.contains("GTIN 04006381333931, a product on no line here"), "{log}");
    // Outside the order scanning is narrowed to, a GS1 code is named by its GTIN's order.
    h.press(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    scan_with_tabs(&mut h, "PO-000002\n010019001712398121CN0009\n");
    let (_, last) = h.app.receiving.log.back().cloned().unwrap();
    assert!(
        last.contains("is on PO-000004") && last.contains("narrowed to PO-000002"),
        "{last}"
    );
}

/// Records that the distributor took PO-000004 (TD SYNNEX: AP-650 ×8 on line 1,
/// SW-2930F-24 on line 2) through its API but refused line 2 (and two things it could
/// not tie to a line), as an answer to a placement would have.
fn td_synnex_refused_line_2(h: &mut Harness) {
    use crate::domain::order::{DistributorOrder, RejectedLine, Stage};
    let mut o = h.order(4);
    let Stage::Placed(sub) = &mut o.stage else {
        panic!("PO-000004 is placed in the demo's story")
    };
    let mut taken = DistributorOrder::new("TD-7781", "accepted");
    taken.rejected = vec![RejectedLine {
        line: Some("2".into()),
        sku: Some("SW-2930F-24".into()),
        quantity: Some(o.lines[1].quantity),
        code: Some("E17".into()),
        reason: "end of life".into(),
    }];
    // Refusals that name no line of the order are shown as the distributor gave them.
    taken.rejected.push(RejectedLine {
        sku: Some("NOT-ORDERED".into()),
        quantity: Some(3),
        reason: "unknown part".into(),
        ..RejectedLine::default()
    });
    taken.rejected.push(RejectedLine {
        reason: "credit hold".into(),
        ..RejectedLine::default()
    });
    sub.distributor_orders = vec![taken];
    Store::open(h.svc.database_path())
        .unwrap()
        .write(|tx| tx.put_order(&o))
        .unwrap();
    h.poll();
}

#[test]
fn a_line_the_distributor_refused_is_marked_at_the_dock_and_goods_for_it_received_with_one_warning() {
    // The order's detail names the refusal where the buyer looks.
    let mut buyer = Harness::new("alice");
    td_synnex_refused_line_2(&mut buyer);
    buyer.keys("2 j j enter");
    assert_eq!(buyer.app.orders.detail.as_ref().unwrap().po, PoNumber(4));
    let qty = buyer.order(4).lines[1].quantity;
    let screen = buyer.render(120, 40);
    assert!(
        screen.contains(&format!(
            "refused           line 2 · SW-2930F-24 ×{qty}: end of life (code E17)"
        )),
        "{screen}"
    );
    assert!(
        screen.contains("refused           NOT-ORDERED ×3 (matches no single line here): unknown part"),
        "{screen}"
    );
    assert!(
        screen.contains("refused           a line it did not name: credit hold"),
        "{screen}"
    );
    let mut h = Harness::new("rick");
    td_synnex_refused_line_2(&mut h);
    // At the dock, line 2 is marked as not expected.
    h.scan("PO-000004\n");
    h.settle();
    h.scan("AP-650\n");
    h.settle();
    let screen = h.render(120, 30);
    let line2 = screen
        .lines()
        .find(|l| l.contains("SW-2930F-24"))
        .expect("line 2 shown");
    assert!(line2.contains("refused"), "{screen}");
    let line1 = screen
        .lines()
        .find(|l| l.contains("AP-650") && l.contains("/8"))
        .expect("line 1 shown");
    assert!(!line1.contains("refused"), "{screen}");
    h.keys("esc");
    // Its goods came all the same: received as scanned, and said once.
    let received = |h: &Harness| h.order(4).received_on(2);
    for n in 1..=2u32 {
        // A serialized line: its code, then the unit's serial.
        h.scan(&format!("SW-2930F-24\nSN-SW-{n}\n"));
        h.settle();
    }
    assert_eq!(received(&h), 2, "{:?}", h.app.receiving.log);
    let warnings: Vec<&String> = h
        .app
        .receiving
        .log
        .iter()
        .filter(|(_, t)| t.contains("was refused by TD SYNNEX"))
        .map(|(_, t)| t)
        .collect();
    assert_eq!(warnings.len(), 1, "{:?}", h.app.receiving.log);
    assert!(warnings[0].contains("PO-000004 line 2") && warnings[0].contains("end of life (code E17)"));
}

#[test]
fn scanning_narrowed_to_an_order_takes_every_order_again_once_it_is_completely_received() {
    let mut h = Harness::new("rick");
    // Another order on its way to the dock.
    let pool = h.svc.list_items(&Default::default()).unwrap();
    let ups = pool.iter().find(|i| i.sku == "UPS-1500").expect("in the pool").id;
    let other = h.placed_by_hand("dicker", ups);
    h.poll();
    assert!(h.app.receiving.orders.contains(&other));
    h.scan("PO-000004\n");
    h.settle();
    assert_eq!(h.app.receiving.narrow, Some(PoNumber(4)));
    assert_eq!(h.app.receiving.orders, [PoNumber(4)]);
    // A colleague receives all of it.
    colleague_receives_ap650(&h, 8, "A");
    let rick = as_user(&config(), "rick");
    let req = ReceiveRequest {
        line: 2,
        quantity: Some(2),
        serials: vec!["SW-A".into(), "SW-B".into()],
    };
    h.other_client().receive(&rick, PoNumber(4), req).unwrap();
    h.poll();
    assert_eq!(h.app.receiving.narrow, None, "{:?}", h.app.receiving.log);
    assert_eq!(h.app.receiving.orders, [other], "the other open order is back");
    let said = h.app.receiving.log.back().map(|(_, t)| t.clone()).unwrap_or_default();
    assert!(
        said.contains("PO-000004 is Completed now: scanning for every order again"),
        "{said}"
    );
}

#[test]
fn a_serial_past_the_last_a_line_takes_is_named_as_one_too_many() {
    let mut h = Harness::new("rick");
    colleague_receives_ap650(&h, 7, "C");
    h.poll();
    expect_ap650_serials(&mut h);
    h.scan("SN-LAST\n");
    h.settle();
    assert_eq!(h.order(4).received_on(1), 8, "{:?}", h.app.receiving.log);
    h.scan("SN-EXTRA\n");
    h.settle();
    let said = h.app.receiving.log.back().map(|(_, t)| t.clone()).unwrap_or_default();
    assert!(
        said.contains("unknown code `SN-EXTRA`; if it is a serial number, PO-000004 line 1 (AP-650) already has all 8"),
        "{said}"
    );
    assert_eq!(h.order(4).received_on(1), 8, "nothing more received");
}
