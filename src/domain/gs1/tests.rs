//! GS1 element strings: the three forms, every field kind, and everything that is not one.

use super::*;

/// A valid GTIN-14 (the EAN-13 4006381333931 with a zero in front).
const GTIN: &str = "04006381333931";

fn read(gtin: &str, serial: Option<&str>) -> Option<ElementString> {
    Some(ElementString {
        gtin: gtin.into(),
        serial: serial.map(Into::into),
    })
}

#[test]
fn the_gtin_and_serial_are_read_in_each_form() {
    let want = read(GTIN, Some("CN12345"));
    for scan in [
        "010400638133393121CN12345",
        "]d2010400638133393121CN12345",
        "]C1010400638133393121CN12345",
        "]Q3010400638133393121CN12345",
        "(01)04006381333931(21)CN12345",
        "  (01)04006381333931(21)CN12345\n",
    ] {
        assert_eq!(parse(scan), want, "{scan:?}");
    }
}

#[test]
fn a_gtin_alone_has_no_serial() {
    assert_eq!(parse("0104006381333931"), read(GTIN, None));
    assert_eq!(parse("(01)04006381333931"), read(GTIN, None));
}

#[test]
fn fields_of_variable_length_end_at_a_separator_as_sent_or_as_shown() {
    for gs in [GS, GS_SHOWN] {
        // Lot (10), then the serial: the lot ends at the separator.
        let scan = format!("0104006381333931{}10LOT-7{gs}21SN-99", "");
        assert_eq!(parse(&scan), read(GTIN, Some("SN-99")), "{scan:?}");
        // Serial first, then an expiry date and a lot.
        let scan = format!("]d201040063813339312100042{gs}1727123110B12");
        assert_eq!(parse(&scan), read(GTIN, Some("00042")), "{scan:?}");
        // A separator after a fixed field is allowed, and one at the end.
        let scan = format!("0104006381333931{gs}21ABC{gs}");
        assert_eq!(parse(&scan), read(GTIN, Some("ABC")), "{scan:?}");
    }
}

#[test]
fn fixed_fields_and_four_digit_ais_are_read_past() {
    // Production date (11), net weight in kg with 3 decimals (3103), count (30), serial.
    let scan = "0104006381333931112601153103001250\u{1d}3012\u{1d}21X1";
    assert_eq!(parse(scan), read(GTIN, Some("X1")));
    // The same printed.
    assert_eq!(
        parse("(01)04006381333931(11)260115(3103)001250(30)12(21)X1"),
        read(GTIN, Some("X1"))
    );
}

#[test]
fn the_gtins_check_digit_must_hold() {
    assert_eq!(parse("0104006381333932"), None);
    assert_eq!(parse("(01)04006381333930(21)A"), None);
}

#[test]
fn what_does_not_read_whole_is_not_an_element_string() {
    for scan in [
        // Plain codes and serials.
        "",
        "AP-650",
        "4006381333931",
        "SN-1",
        "CN12345",
        // Not starting with AI 01 and not marked: a serial that happens to be digits.
        "2112345678",
        "10LOT\u{1d}0104006381333931",
        // A GTIN too short, or the data cut off.
        "01040063813339",
        "(01)0400638133393",
        // An unknown AI after the GTIN.
        "0104006381333931\u{1d}8888X",
        "(01)04006381333931(88)X",
        // A serial longer than AI 21 takes: a separator was lost.
        "010400638133393121ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        // An empty serial; parentheses not closed; text before the first AI.
        "010400638133393121\u{1d}",
        "(01)04006381333931(21",
        "x(01)04006381333931",
        // No GTIN at all, even when marked.
        "]d221SERIAL",
        "(21)SERIAL",
        // Two different GTINs.
        "(01)04006381333931(01)00190017123981",
    ] {
        assert_eq!(parse(scan), None, "{scan:?}");
    }
}

#[test]
fn the_same_field_twice_with_the_same_value_is_taken() {
    assert_eq!(
        parse("(01)04006381333931(21)A(01)04006381333931"),
        read(GTIN, Some("A"))
    );
    assert_eq!(parse("(01)04006381333931(21)A(21)B"), None);
}

#[test]
fn the_check_digit_is_that_of_gs1() {
    for good in ["04006381333931", "00190017123981", "00884123456780", "96385074"] {
        assert!(check_digit_holds(good), "{good}");
    }
    for bad in ["04006381333930", "", "0400638133393x"] {
        assert!(!check_digit_holds(bad), "{bad}");
    }
}

#[test]
fn a_gs1_code_read_or_not_is_never_a_serial() {
    for yes in [
        "0104006381333931\u{1d}21A",
        "10LOT\u{241d}21A",
        "]d2anything",
        "(01)04006381333931(21)A",
        "(01)0400638133393",
        // AI 01 and a GTIN whose check digit holds, then more: separators dropped.
        "010400638133393110LOT-7-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "010400638133393121A",
    ] {
        assert!(not_a_serial(yes), "{yes:?}");
    }
    for no in [
        "SN-1",
        "(serial 7)",
        // Exactly 01 and a GTIN: as likely a serial of digits.
        "0104006381333931",
        // The check digit does not hold.
        "010400638133393221A",
        "2112345678",
    ] {
        assert!(!not_a_serial(no), "{no:?}");
    }
}

#[test]
fn a_serial_alone_is_taken_only_from_a_code_that_says_it_is_gs1() {
    assert_eq!(serial_alone("]C121CN0001").as_deref(), Some("CN0001"));
    assert_eq!(serial_alone("(21)CN0001").as_deref(), Some("CN0001"));
    for no in [
        "21CN0001",
        "]C10104006381333931",
        "(01)04006381333931(21)A",
        "(21)A(10)L",
        "SN-1",
    ] {
        assert_eq!(serial_alone(no), None, "{no:?}");
    }
}

#[test]
fn a_separator_in_first_place_and_more_ais_are_read() {
    assert_eq!(parse("\u{1d}010400638133393121A"), read(GTIN, Some("A")));
    // A healthcare number (710), a price with currency (3932), a GIAI (8004).
    let scan = "0104006381333931710ABC123\u{1d}3932978123\u{1d}8004X-9\u{1d}21S";
    assert_eq!(parse(scan), read(GTIN, Some("S")));
}

#[test]
fn a_symbology_identifier_before_any_code_is_taken_off() {
    assert_eq!(without_identifier("]E04006381333931"), "4006381333931");
    assert_eq!(without_identifier("]C0SN-1"), "SN-1");
    for kept in ["SN-1", "]", "]E", "]1x", "]E-", ""] {
        assert_eq!(without_identifier(kept), kept);
    }
}
