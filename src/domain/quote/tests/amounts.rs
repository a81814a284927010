//! Amounts and quantities: strings or numbers, never through a float.

use super::*;

#[test]
fn an_amount_as_number_and_as_string_give_the_same_decimal() {
    let as_number = parse(&base_with_line_field("unit_cost", num("171.25"))).unwrap();
    let as_string = parse(&base_with_line_field("unit_cost", json!("171.25"))).unwrap();
    assert_eq!(as_number.lines[0].unit_cost, dec("171.25"));
    assert_eq!(as_string.lines[0].unit_cost, dec("171.25"));
    assert_eq!(as_number.lines[0].unit_cost.to_string(), "171.25");
    assert_eq!(as_string.lines[0].unit_cost.to_string(), "171.25");
    assert_eq!(as_number, as_string);
    assert_eq!(as_number.content_digest(), as_string.content_digest());
}

#[test]
fn a_number_like_0_1_stays_exactly_one_tenth() {
    let q = parse(&base_with_line_field("unit_cost", num("0.1"))).unwrap();
    let cost = q.lines[0].unit_cost;
    assert_eq!(cost, Decimal::new(1, 1));
    assert_eq!(cost.to_string(), "0.10");
    assert_eq!(cost.scale(), 2);
    // Three tenths add up to exactly 0.3 (a float would give 0.30000000000000004).
    assert_eq!(cost * Decimal::from(3), dec("0.3"));
}

#[test]
fn amounts_with_more_digits_than_a_float_holds_stay_exact() {
    let q = parse(&base_with_line_field("unit_price", num("999999999999.9999"))).unwrap();
    assert_eq!(q.lines[0].unit_price.to_string(), "999999999999.9999");
    let q = parse(&base_with_line_field("unit_price", num("0.30000000000000000"))).unwrap();
    assert_eq!(q.lines[0].unit_price.to_string(), "0.30");
}

#[test]
fn an_amount_whose_line_total_would_be_rounded_is_refused_naming_the_line() {
    // 28 decimal places: a Decimal holds the unit cost, but not the line total exactly
    // (× 999,999 it rounds to fewer places), so the file is refused, not rounded.
    let cost = "0.1234567890123456789012345678";
    for value in [json!(cost), num(cost)] {
        let mut v = base_with_line_field("unit_cost", value);
        v["lines"][0]["quantity"] = json!(999_999);
        let e = refuse(&v);
        assert_eq!(
            e.to_string(),
            format!(
                "field lines[1] (line_id \"1\").unit_cost: `{cost}` has 28 decimal places; at most 4 are taken, so that every total stays exact"
            )
        );
    }
    // A float's leftovers are refused too: the file was written through a float.
    let e = refuse(&base_with_line_field("unit_price", num("0.30000000000000004")));
    assert_eq!(e.field.as_deref(), Some("lines[1] (line_id \"1\").unit_price"));
    assert!(e.message.contains("17 decimal places"), "{e}");
}

#[test]
fn four_decimal_places_keep_the_largest_quote_exact() {
    let mut v = base_with_line_field("unit_cost", json!("999999999999.9999"));
    v["lines"][0]["quantity"] = json!(MAX_QUANTITY);
    let q = parse(&v).unwrap();
    let line = q.lines[0].unit_cost * Decimal::from(q.lines[0].quantity);
    assert_eq!(line.to_string(), "999999999999999900.0000");
}

#[test]
fn whole_amounts_get_two_decimals() {
    let q = parse(&base_with_line_field("unit_cost", num("899"))).unwrap();
    assert_eq!(q.lines[0].unit_cost.to_string(), "899.00");
    let q = parse(&base_with_line_field("unit_cost", json!("0"))).unwrap();
    assert_eq!(q.lines[0].unit_cost.to_string(), "0.00");
    let q = parse(&base_with_line_field("unit_cost", json!(" 12.5 "))).unwrap();
    assert_eq!(q.lines[0].unit_cost.to_string(), "12.50");
}

#[test]
fn an_amount_too_precise_to_hold_exactly_is_refused_not_rounded() {
    let v = base_with_line_field("unit_cost", json!("0.123456789012345678901234567890123"));
    let e = refuse(&v);
    assert!(e.to_string().contains("lines[1]"), "{e}");
    assert!(e.to_string().contains("unit_cost"), "{e}");
}

#[test]
fn quantity_as_number_or_string() {
    let a = parse(&base_with_line_field("quantity", num("7"))).unwrap();
    let b = parse(&base_with_line_field("quantity", json!("7"))).unwrap();
    let c = parse(&base_with_line_field("quantity", json!(" 7 "))).unwrap();
    assert_eq!(a.lines[0].quantity, 7);
    assert_eq!(b.lines[0].quantity, 7);
    assert_eq!(c.lines[0].quantity, 7);
    let max = parse(&base_with_line_field("quantity", json!(MAX_QUANTITY))).unwrap();
    assert_eq!(max.lines[0].quantity, MAX_QUANTITY);
}
