//! Tests of the quote parser (JSON and CSV), the intake rule and the content digest.

use super::*;
use crate::domain::Address;
use proptest::prelude::*;
use serde_json::json;

/// The example from `docs/quote-format.md`, verbatim.
const DOC_EXAMPLE: &str = r#"{
  "quote_id": "Q-2026-0142",
  "quote_number": "0142",
  "title": "Reception refresh",
  "approved_at": "2026-11-20T09:30:00Z",
  "currency": "EUR",
  "customer": { "id": "C-77", "name": "Dentalcare West", "psa_company_id": "29683512" },
  "opportunity_id": "OPP-9913",
  "ship_to": {
    "name": "Dentalcare West", "attention": "J. de Vries", "street": "Kanaalweg 12",
    "city": "Utrecht", "state": "UT", "postal_code": "3526 KL", "country": "NL",
    "phone": "+31 30 123 4567", "email": "office@example.org"
  },
  "lines": [
    {
      "line_id": "1", "kind": "product", "sku": "20XW00A1NL", "mpn": "20XW00A1NL",
      "ean": "0195235123456", "description": "Notebook 14in i5 16GB",
      "quantity": 3, "unit_cost": "899.00", "unit_price": "1149.00",
      "distributor": "ingram", "distributor_sku": "7X1234",
      "requires_procurement": true, "recurring": false, "serialized": true,
      "pax8_product_id": null, "psa_product_id": "30012", "bundle_id": null
    }
  ]
}"#;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A JSON number kept exactly as written (serde_json's arbitrary_precision).
fn num(text: &str) -> Value {
    let v: Value = serde_json::from_str(text).unwrap();
    assert!(v.is_number(), "{text} is not a JSON number");
    v
}

/// A minimal valid line of the given id and kind.
fn jline(id: &str, kind: &str) -> Value {
    json!({
        "line_id": id,
        "kind": kind,
        "sku": format!("SKU-{id}"),
        "description": format!("Thing {id}"),
        "quantity": 2,
        "unit_cost": "10.00",
        "unit_price": "12.50"
    })
}

/// A minimal valid quote document holding `lines`.
fn jdoc(lines: Vec<Value>) -> Value {
    json!({
        "quote_id": "Q-1",
        "approved_at": "2026-11-20T09:30:00Z",
        "currency": "EUR",
        "customer": { "id": "C-1", "name": "Acme" },
        "lines": lines
    })
}

/// The minimal document with one product line.
fn base() -> Value {
    jdoc(vec![jline("1", "product")])
}

fn parse(v: &Value) -> Result<Quote, QuoteError> {
    parse_json(&v.to_string())
}

/// Parses a document that must be refused; returns the error.
fn refuse(v: &Value) -> QuoteError {
    match parse(v) {
        Ok(q) => panic!("expected an error, got {q:?}"),
        Err(e) => e,
    }
}

/// Sets one field of the first line of the base document.
fn base_with_line_field(key: &str, value: Value) -> Value {
    let mut v = base();
    v["lines"][0][key] = value;
    v
}

/// Removes one field of the first line of the base document.
fn base_without_line_field(key: &str) -> Value {
    let mut v = base();
    v["lines"][0].as_object_mut().unwrap().remove(key);
    v
}

/// A quote line built directly, for the intake rule.
fn qline(kind: LineKind) -> QuoteLine {
    QuoteLine {
        line_id: "1".into(),
        kind,
        sku: "SKU".into(),
        mpn: None,
        ean: None,
        description: "Thing".into(),
        quantity: 1,
        unit_cost: dec("1.00"),
        unit_price: dec("2.00"),
        distributor: None,
        distributor_sku: None,
        requires_procurement: true,
        recurring: false,
        serialized: false,
        pax8_product_id: None,
        psa_product_id: None,
        bundle_id: None,
    }
}

// ---------------------------------------------------------------------------------------
// The documented example
// ---------------------------------------------------------------------------------------

#[test]
fn the_documented_example_parses_exactly() {
    let q = parse_json(DOC_EXAMPLE).unwrap();
    assert_eq!(q.quote_id, "Q-2026-0142");
    assert_eq!(q.quote_number.as_deref(), Some("0142"));
    assert_eq!(q.title.as_deref(), Some("Reception refresh"));
    assert_eq!(
        q.approved_at,
        chrono::DateTime::from_timestamp(1_795_167_000, 0).unwrap()
    );
    assert_eq!(q.approved_at.to_rfc3339(), "2026-11-20T09:30:00+00:00");
    assert_eq!(q.currency, "EUR");
    assert_eq!(
        q.customer,
        Customer {
            id: "C-77".into(),
            name: "Dentalcare West".into(),
            psa_company_id: Some("29683512".into()),
        }
    );
    assert_eq!(q.opportunity_id.as_deref(), Some("OPP-9913"));
    assert_eq!(
        q.ship_to,
        Some(Address {
            name: Some("Dentalcare West".into()),
            attention: Some("J. de Vries".into()),
            street: Some("Kanaalweg 12".into()),
            city: Some("Utrecht".into()),
            state: Some("UT".into()),
            postal_code: Some("3526 KL".into()),
            country: Some("NL".into()),
            phone: Some("+31 30 123 4567".into()),
            email: Some("office@example.org".into()),
        })
    );
    assert_eq!(q.lines.len(), 1);
    let l = &q.lines[0];
    assert_eq!(
        *l,
        QuoteLine {
            line_id: "1".into(),
            kind: LineKind::Product,
            sku: "20XW00A1NL".into(),
            mpn: Some("20XW00A1NL".into()),
            ean: Some("0195235123456".into()),
            description: "Notebook 14in i5 16GB".into(),
            quantity: 3,
            unit_cost: dec("899.00"),
            unit_price: dec("1149.00"),
            distributor: Some("ingram".into()),
            distributor_sku: Some("7X1234".into()),
            requires_procurement: true,
            recurring: false,
            serialized: true,
            pax8_product_id: None,
            psa_product_id: Some("30012".into()),
            bundle_id: None,
        }
    );
    // Exact decimals, with the scale as written.
    assert_eq!(l.unit_cost.to_string(), "899.00");
    assert_eq!(l.unit_price.to_string(), "1149.00");
    assert!(l.enters_procurement());
    assert_eq!(q.procurement_lines().count(), 1);
}

#[test]
fn the_minimal_document_parses_with_nothing_optional() {
    let q = parse(&base()).unwrap();
    assert_eq!(q.quote_number, None);
    assert_eq!(q.title, None);
    assert_eq!(q.opportunity_id, None);
    assert_eq!(q.ship_to, None);
    assert_eq!(q.customer.psa_company_id, None);
    let l = &q.lines[0];
    assert_eq!(
        (l.mpn.clone(), l.ean.clone(), l.distributor.clone()),
        (None, None, None)
    );
    assert_eq!(l.quantity, 2);
    assert_eq!(l.unit_cost.to_string(), "10.00");
    assert_eq!(l.unit_price.to_string(), "12.50");
}

// ---------------------------------------------------------------------------------------
// Amounts and quantities: strings or numbers, never through a float
// ---------------------------------------------------------------------------------------

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
    let q = parse(&base_with_line_field("unit_price", num("1234567890.123456789"))).unwrap();
    assert_eq!(q.lines[0].unit_price.to_string(), "1234567890.123456789");
    let q = parse(&base_with_line_field("unit_price", num("0.30000000000000004"))).unwrap();
    assert_eq!(q.lines[0].unit_price.to_string(), "0.30000000000000004");
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

// ---------------------------------------------------------------------------------------
// The intake rule
// ---------------------------------------------------------------------------------------

#[test]
fn products_and_bundle_items_enter_when_procured_and_not_recurring() {
    for kind in [LineKind::Product, LineKind::BundleItem] {
        let l = qline(kind);
        assert!(l.enters_procurement(), "{kind:?}");
        let opted_out = QuoteLine {
            requires_procurement: false,
            ..qline(kind)
        };
        assert!(!opted_out.enters_procurement(), "{kind:?} opted out");
        let recurring = QuoteLine {
            recurring: true,
            ..qline(kind)
        };
        assert!(!recurring.enters_procurement(), "{kind:?} recurring");
        let both = QuoteLine {
            recurring: true,
            requires_procurement: false,
            ..qline(kind)
        };
        assert!(!both.enters_procurement(), "{kind:?} opted out and recurring");
    }
}

#[test]
fn services_labour_and_bundle_containers_never_enter() {
    for kind in [LineKind::Service, LineKind::Labour, LineKind::Bundle] {
        for requires_procurement in [true, false] {
            for recurring in [true, false] {
                let l = QuoteLine {
                    requires_procurement,
                    recurring,
                    ..qline(kind)
                };
                assert!(
                    !l.enters_procurement(),
                    "{kind:?} requires_procurement={requires_procurement} recurring={recurring}"
                );
            }
        }
    }
}

#[test]
fn pax8_linked_lines_always_enter() {
    for kind in [
        LineKind::Product,
        LineKind::Service,
        LineKind::Labour,
        LineKind::Bundle,
        LineKind::BundleItem,
    ] {
        for requires_procurement in [true, false] {
            for recurring in [true, false] {
                let l = QuoteLine {
                    pax8_product_id: Some("p8-123".into()),
                    requires_procurement,
                    recurring,
                    ..qline(kind)
                };
                assert!(
                    l.enters_procurement(),
                    "{kind:?} requires_procurement={requires_procurement} recurring={recurring}"
                );
            }
        }
    }
}

#[test]
fn procurement_lines_of_a_parsed_quote_follow_the_intake_rule() {
    let mut lines = vec![
        jline("p", "product"),
        jline("s", "service"),
        jline("l", "labour"),
        jline("b", "bundle"),
        jline("bi", "bundle_item"),
        jline("opt", "product"),
        jline("rec", "product"),
        jline("pax", "service"),
        jline("pax-rec", "product"),
        jline("bi-rec", "bundle_item"),
    ];
    lines[4]["bundle_id"] = json!("b");
    lines[5]["requires_procurement"] = json!(false);
    lines[6]["recurring"] = json!(true);
    lines[7]["pax8_product_id"] = json!("abc-1");
    lines[7]["recurring"] = json!(true);
    lines[8]["pax8_product_id"] = json!("abc-2");
    lines[8]["recurring"] = json!(true);
    lines[8]["requires_procurement"] = json!(false);
    lines[9]["bundle_id"] = json!("b");
    lines[9]["recurring"] = json!("yes");
    let q = parse(&jdoc(lines)).unwrap();
    let ids: Vec<&str> = q.procurement_lines().map(|l| l.line_id.as_str()).collect();
    assert_eq!(ids, ["p", "bi", "pax", "pax-rec"]);
}

#[test]
fn flags_default_to_procured_not_recurring_not_serialized() {
    let q = parse(&base()).unwrap();
    let l = &q.lines[0];
    assert!(l.requires_procurement);
    assert!(!l.recurring);
    assert!(!l.serialized);
    // null counts as absent.
    let mut v = base();
    v["lines"][0]["requires_procurement"] = Value::Null;
    v["lines"][0]["recurring"] = Value::Null;
    v["lines"][0]["serialized"] = Value::Null;
    let l = parse(&v).unwrap().lines[0].clone();
    assert!(l.requires_procurement && !l.recurring && !l.serialized);
}

#[test]
fn flags_accept_booleans_and_yes_no_text() {
    let mut v = base();
    v["lines"][0]["requires_procurement"] = json!("No");
    v["lines"][0]["recurring"] = json!("y");
    v["lines"][0]["serialized"] = json!("TRUE");
    let l = parse(&v).unwrap().lines[0].clone();
    assert!(!l.requires_procurement && l.recurring && l.serialized);
    let e = refuse(&base_with_line_field("serialized", json!("maybe")));
    assert_eq!(e.field.as_deref(), Some("lines[1] (line_id \"1\").serialized"));
    assert_eq!(
        e.to_string(),
        "field lines[1] (line_id \"1\").serialized: must be true or false"
    );
    let e = refuse(&base_with_line_field("recurring", num("1")));
    assert_eq!(e.field.as_deref(), Some("lines[1] (line_id \"1\").recurring"));
}

#[test]
fn labor_is_accepted_as_labour() {
    let q = parse(&base_with_line_field("kind", json!("labor"))).unwrap();
    assert_eq!(q.lines[0].kind, LineKind::Labour);
}

#[test]
fn text_fields_are_trimmed_and_blank_optionals_are_absent() {
    let mut v = base();
    v["quote_id"] = json!("  Q-1  ");
    v["title"] = json!("   ");
    v["lines"][0]["sku"] = json!(" SKU-1 ");
    v["lines"][0]["mpn"] = json!("");
    v["lines"][0]["line_id"] = num("1");
    let q = parse(&v).unwrap();
    assert_eq!(q.quote_id, "Q-1");
    assert_eq!(q.title, None);
    assert_eq!(q.lines[0].sku, "SKU-1");
    assert_eq!(q.lines[0].mpn, None);
    assert_eq!(q.lines[0].line_id, "1");
}

#[test]
fn unknown_fields_are_ignored() {
    let mut v = base();
    v["exported_by"] = json!("QuoteTool 9");
    v["customer"]["vat"] = json!("NL123");
    v["lines"][0]["margin_pct"] = num("22.5");
    v["lines"][0]["notes"] = json!({"x": [1, 2, 3]});
    let with_extras = parse(&v).unwrap();
    assert_eq!(with_extras, parse(&base()).unwrap());
    assert_eq!(with_extras.content_digest(), parse(&base()).unwrap().content_digest());
}

// ---------------------------------------------------------------------------------------
// Bad input: every error names the line and the field
// ---------------------------------------------------------------------------------------

#[test]
fn malformed_json_gives_the_position() {
    let e = parse_json("{\n  \"quote_id\": \"Q-1\",\n  \"currency\" \"EUR\"\n}").unwrap_err();
    assert_eq!(e.position, Some((3, 14)));
    assert_eq!(e.field, None);
    let shown = e.to_string();
    assert!(shown.starts_with("line 3, column 14: not valid JSON"), "{shown}");
}

#[test]
fn truncated_json_says_so_with_the_position() {
    let cut = &DOC_EXAMPLE[..DOC_EXAMPLE.find("\"lines\"").unwrap() + 12];
    let e = parse_json(cut).unwrap_err();
    let (line, _col) = e.position.expect("a position");
    assert_eq!(line, cut.lines().count());
    assert!(e.message.contains("truncated"), "{e}");
    assert!(e.to_string().starts_with(&format!("line {line}, column ")), "{e}");
    let e = parse_json("").unwrap_err();
    assert!(e.message.contains("truncated"), "{e}");
    assert_eq!(e.position, Some((1, 0)));
}

#[test]
fn a_document_that_is_not_an_object_is_refused() {
    let e = parse_json("[1, 2]").unwrap_err();
    assert_eq!(e.to_string(), "field (document): must be a JSON object");
}

#[test]
fn missing_required_quote_fields_are_named() {
    for key in ["quote_id", "approved_at", "currency", "customer", "lines"] {
        let mut v = base();
        v.as_object_mut().unwrap().remove(key);
        let e = refuse(&v);
        assert_eq!(e.field.as_deref(), Some(key), "{e}");
        assert!(e.to_string().starts_with(&format!("field {key}: is missing")), "{e}");
    }
    for key in ["id", "name"] {
        let mut v = base();
        v["customer"].as_object_mut().unwrap().remove(key);
        let e = refuse(&v);
        assert_eq!(e.to_string(), format!("field customer.{key}: is missing or empty"));
    }
}

#[test]
fn missing_required_line_fields_name_the_line_and_the_field() {
    for key in ["kind", "sku", "description", "quantity", "unit_cost", "unit_price"] {
        let e = refuse(&base_without_line_field(key));
        let field = format!("lines[1] (line_id \"1\").{key}");
        assert_eq!(e.field.as_deref(), Some(field.as_str()), "{e}");
        assert!(e.to_string().starts_with(&format!("field {field}: is missing")), "{e}");
    }
    let e = refuse(&base_without_line_field("line_id"));
    assert_eq!(e.to_string(), "field lines[1].line_id: is missing or empty");
}

#[test]
fn the_error_names_the_right_line_in_a_longer_quote() {
    let mut v = jdoc(vec![
        jline("10", "product"),
        jline("20", "service"),
        jline("30", "product"),
    ]);
    v["lines"][2]["quantity"] = json!(0);
    let e = refuse(&v);
    assert_eq!(
        e.to_string(),
        "field lines[3] (line_id \"30\").quantity: is 0; must be a whole number greater than 0"
    );
}

#[test]
fn bad_quantities_are_refused() {
    let cases = [
        (num("0"), "is 0; must be a whole number greater than 0"),
        (num("-3"), "is -3; must be a whole number greater than 0"),
        (json!("-3"), "is -3; must be a whole number greater than 0"),
        (num("2.5"), "`2.5` is not a whole number greater than 0"),
        (json!("2.5"), "`2.5` is not a whole number greater than 0"),
        (json!("abc"), "`abc` is not a whole number greater than 0"),
        (json!(""), "`` is not a whole number greater than 0"),
        (num("1000001"), "is 1000001; at most 1000000 per line"),
        (json!(true), "must be a number or a string holding one"),
    ];
    for (value, message) in cases {
        let e = refuse(&base_with_line_field("quantity", value.clone()));
        assert_eq!(e.field.as_deref(), Some("lines[1] (line_id \"1\").quantity"), "{value}");
        assert_eq!(e.message, message, "{value}");
        assert_eq!(
            e.to_string(),
            format!("field lines[1] (line_id \"1\").quantity: {message}")
        );
    }
}

#[test]
fn non_decimal_amounts_are_refused() {
    for bad in ["12,50", "abc", "1e3", "1.2.3", "€5", "+5", ""] {
        let e = refuse(&base_with_line_field("unit_price", json!(bad)));
        assert_eq!(e.field.as_deref(), Some("lines[1] (line_id \"1\").unit_price"), "{bad}");
        assert!(e.message.contains("decimal amount"), "{bad}: {e}");
    }
    // A JSON number in exponent form is not an exact decimal amount either.
    for exp in ["1e3", "1.5E2", "2e-2"] {
        let e = refuse(&base_with_line_field("unit_cost", num(exp)));
        assert_eq!(e.field.as_deref(), Some("lines[1] (line_id \"1\").unit_cost"), "{exp}");
        assert!(e.message.ends_with("is not a decimal amount like 899.00"), "{exp}: {e}");
    }
    let e = refuse(&base_with_line_field("unit_cost", json!(["1"])));
    assert_eq!(e.field.as_deref(), Some("lines[1] (line_id \"1\").unit_cost"));
}

#[test]
fn negative_amounts_are_refused() {
    let e = refuse(&base_with_line_field("unit_cost", num("-5.00")));
    assert_eq!(
        e.to_string(),
        "field lines[1] (line_id \"1\").unit_cost: `-5.00` is negative; amounts must be 0 or more"
    );
    let e = refuse(&base_with_line_field("unit_price", json!("-0.01")));
    assert_eq!(e.field.as_deref(), Some("lines[1] (line_id \"1\").unit_price"));
    assert!(e.message.contains("negative"), "{e}");
}

#[test]
fn an_unknown_kind_is_refused() {
    let e = refuse(&base_with_line_field("kind", json!("gadget")));
    assert_eq!(
        e.to_string(),
        "field lines[1] (line_id \"1\").kind: `gadget` is not a line kind (product, service, labour, bundle, bundle_item)"
    );
    let e = refuse(&base_with_line_field("kind", json!("Product")));
    assert_eq!(e.field.as_deref(), Some("lines[1] (line_id \"1\").kind"));
}

#[test]
fn a_duplicate_line_id_is_refused() {
    let v = jdoc(vec![
        jline("1", "product"),
        jline("2", "product"),
        jline("1", "service"),
    ]);
    let e = refuse(&v);
    assert_eq!(e.field.as_deref(), Some("lines[3].line_id"));
    assert_eq!(
        e.to_string(),
        "field lines[3].line_id: `1` is used by an earlier line; line ids must be unique"
    );
    // A number and a string with the same text are the same id.
    let mut v = jdoc(vec![jline("1", "product"), jline("x", "product")]);
    v["lines"][1]["line_id"] = num("1");
    assert_eq!(refuse(&v).field.as_deref(), Some("lines[2].line_id"));
}

#[test]
fn a_bad_currency_is_refused() {
    for bad in ["eur", "EURO", "E1R", "€", "EU"] {
        let mut v = base();
        v["currency"] = json!(bad);
        let e = refuse(&v);
        assert_eq!(e.field.as_deref(), Some("currency"), "{bad}");
        assert_eq!(
            e.to_string(),
            format!("field currency: `{bad}` is not an ISO 4217 code like EUR or USD")
        );
    }
}

#[test]
fn a_bad_approval_time_is_refused() {
    for bad in ["yesterday", "2026-11-20", "2026-11-20 09:30", "2026-13-01T00:00:00Z"] {
        let mut v = base();
        v["approved_at"] = json!(bad);
        let e = refuse(&v);
        assert_eq!(e.field.as_deref(), Some("approved_at"), "{bad}");
        assert_eq!(
            e.to_string(),
            format!("field approved_at: `{bad}` is not an RFC 3339 time like 2026-11-20T09:30:00Z")
        );
    }
}

#[test]
fn an_approval_time_with_an_offset_is_kept_as_the_same_instant_in_utc() {
    let mut v = base();
    v["approved_at"] = json!("2026-11-20T10:30:00+01:00");
    let q = parse(&v).unwrap();
    assert_eq!(q.approved_at, parse(&base()).unwrap().approved_at);
}

#[test]
fn empty_or_malformed_lines_are_refused() {
    let e = refuse(&jdoc(vec![]));
    assert_eq!(e.to_string(), "field lines: is empty; a quote needs at least one line");
    let mut v = base();
    v["lines"] = json!({"1": {}});
    assert_eq!(refuse(&v).to_string(), "field lines: must be an array of lines");
    let v = jdoc(vec![jline("1", "product"), json!("line two")]);
    assert_eq!(refuse(&v).to_string(), "field lines[2]: must be an object");
}

#[test]
fn a_bundle_id_must_name_a_bundle_line() {
    let mut items = vec![jline("1", "product"), jline("2", "bundle_item")];
    items[1]["bundle_id"] = json!("1");
    let e = refuse(&jdoc(items));
    assert_eq!(e.field.as_deref(), Some("lines[2] (line_id \"2\").bundle_id"));
    assert_eq!(
        e.to_string(),
        "field lines[2] (line_id \"2\").bundle_id: `1` is not the line_id of a bundle line in this quote"
    );
    // A bundle id naming no line at all.
    let mut items = vec![jline("1", "bundle"), jline("2", "bundle_item")];
    items[1]["bundle_id"] = json!("9");
    let e = refuse(&jdoc(items));
    assert!(e.to_string().contains("`9` is not the line_id of a bundle line"), "{e}");
    // Pointing at a real bundle is fine, before or after the item.
    let mut items = vec![jline("2", "bundle_item"), jline("1", "bundle")];
    items[0]["bundle_id"] = json!("1");
    let q = parse(&jdoc(items)).unwrap();
    assert_eq!(q.lines[0].bundle_id.as_deref(), Some("1"));
}

#[test]
fn wrongly_typed_fields_are_refused() {
    let mut v = base();
    v["customer"] = json!("Acme");
    assert_eq!(refuse(&v).to_string(), "field customer: must be an object");
    let mut v = base();
    v["ship_to"] = json!("Kanaalweg 12");
    assert_eq!(refuse(&v).to_string(), "field ship_to: must be an object");
    let mut v = base();
    v["ship_to"] = json!({"city": ["Utrecht"]});
    assert_eq!(refuse(&v).to_string(), "field ship_to.city: must be text");
    let e = refuse(&base_with_line_field("sku", json!({"a": 1})));
    assert_eq!(e.to_string(), "field lines[1] (line_id \"1\").sku: must be text");
}

// ---------------------------------------------------------------------------------------
// Content digest
// ---------------------------------------------------------------------------------------

#[test]
fn the_digest_ignores_layout_and_key_order() {
    let compact = r#"{"quote_id":"Q-1","approved_at":"2026-11-20T09:30:00Z","currency":"EUR","customer":{"id":"C-1","name":"Acme"},"lines":[{"line_id":"1","kind":"product","sku":"S","description":"D","quantity":2,"unit_cost":"10.00","unit_price":"12.50"}]}"#;
    let reordered = r#"
    {
        "lines": [
            { "unit_price": 12.50, "unit_cost": 10, "quantity": "2",
              "description": "D", "sku": "S", "kind": "product", "line_id": 1 }
        ],
        "customer": { "name": "Acme", "id": "C-1" },
        "currency": "EUR",
        "approved_at": "2026-11-20T10:30:00+01:00",
        "quote_id": "Q-1"
    }
    "#;
    let a = parse_json(compact).unwrap();
    let b = parse_json(reordered).unwrap();
    assert_eq!(a, b);
    let digest = a.content_digest();
    assert_eq!(digest, b.content_digest());
    assert_eq!(digest.len(), 64);
    assert!(digest.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    // Stable across calls.
    assert_eq!(digest, a.clone().content_digest());
}

#[test]
fn the_digest_changes_with_the_content() {
    let original = parse(&base()).unwrap().content_digest();
    let changes: Vec<(&str, Value)> = vec![
        ("quantity", num("3")),
        ("unit_cost", json!("10.01")),
        ("unit_price", json!("12.49")),
        ("sku", json!("SKU-2")),
        ("description", json!("Thing 1 ")), // trimmed: no change
        ("recurring", json!(true)),
        ("serialized", json!(true)),
        ("distributor", json!("ingram")),
        ("kind", json!("service")),
    ];
    for (key, value) in changes {
        let d = parse(&base_with_line_field(key, value)).unwrap().content_digest();
        if key == "description" {
            assert_eq!(d, original, "trailing blank in {key}");
        } else {
            assert_ne!(d, original, "changing {key}");
        }
    }
    let mut v = base();
    v["customer"]["name"] = json!("Acme B.V.");
    assert_ne!(parse(&v).unwrap().content_digest(), original);
    let mut v = base();
    v["approved_at"] = json!("2026-11-20T09:30:01Z");
    assert_ne!(parse(&v).unwrap().content_digest(), original);
    let mut v = base();
    v["title"] = json!("Refresh");
    assert_ne!(parse(&v).unwrap().content_digest(), original);
}

#[test]
fn the_digest_does_not_depend_on_trailing_zeros_of_an_amount() {
    let a = parse(&base_with_line_field("unit_cost", json!("171.25"))).unwrap();
    let b = parse(&base_with_line_field("unit_cost", json!("171.250"))).unwrap();
    assert_eq!(a, b, "the same amount");
    assert_eq!(a.content_digest(), b.content_digest());
}

// ---------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------

const CSV_HEADER: &str = "quote_id,quote_number,approved_at,currency,customer_id,customer_name,psa_company_id,\
ship_to_name,ship_to_street,ship_to_city,ship_to_postal_code,ship_to_country,\
line_id,kind,sku,mpn,description,quantity,unit_cost,unit_price,distributor,requires_procurement,recurring,serialized,pax8_product_id,bundle_id";

const CSV_Q1: &str = "Q-1,0001,2026-11-20T09:30:00Z,EUR,C-1,Acme,555,Acme,Main St 1,Utrecht,3511 AA,NL";
const CSV_Q2: &str = "Q-2,0002,2026-11-21T08:00:00Z,EUR,C-2,Globex,,,,,,";

fn csv(rows: &[String]) -> String {
    let mut s = String::from(CSV_HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

fn row(quote: &str, line: &str) -> String {
    format!("{quote},{line}")
}

#[test]
fn a_valid_multi_row_csv_parses() {
    let text = csv(&[
        row(
            CSV_Q1,
            "1,product,NB-14,MPN-14,\"Notebook 14\"\", i5\",3,899.00,1149.00,ingram,,,yes,,",
        ),
        row(CSV_Q1, "2,service,INST,,Installation,2,50,75,,,,,,"),
        row(CSV_Q1, "3,bundle,KIT,,Desk kit,1,0,0,,,,,,"),
        row(CSV_Q1, "4,bundle_item,DOCK,,Dock, 1,145.5,199,,true,false,false,,3"),
        row(CSV_Q1, "5,product,M365,,Microsoft 365,10,10,12,,,true,,P8-1,"),
    ]);
    let quotes = parse_csv(&text).unwrap();
    assert_eq!(quotes.len(), 1);
    let q = &quotes[0];
    assert_eq!(q.quote_id, "Q-1");
    assert_eq!(q.quote_number.as_deref(), Some("0001"));
    assert_eq!(q.currency, "EUR");
    assert_eq!(q.customer.id, "C-1");
    assert_eq!(q.customer.name, "Acme");
    assert_eq!(q.customer.psa_company_id.as_deref(), Some("555"));
    let ship_to = q.ship_to.as_ref().unwrap();
    assert_eq!(ship_to.one_line(), "Acme, Main St 1, 3511 AA Utrecht, NL");
    assert_eq!(ship_to.phone, None);
    assert_eq!(q.lines.len(), 5);
    let l = &q.lines[0];
    assert_eq!(l.kind, LineKind::Product);
    assert_eq!(l.description, "Notebook 14\", i5");
    assert_eq!(l.quantity, 3);
    assert_eq!(l.unit_cost.to_string(), "899.00");
    assert_eq!(l.distributor.as_deref(), Some("ingram"));
    assert!(l.serialized && l.requires_procurement && !l.recurring);
    let dock = &q.lines[3];
    assert_eq!(dock.description, "Dock");
    assert_eq!(dock.unit_cost.to_string(), "145.50");
    assert_eq!(dock.unit_price.to_string(), "199.00");
    assert_eq!(dock.bundle_id.as_deref(), Some("3"));
    assert_eq!(q.lines[4].pax8_product_id.as_deref(), Some("P8-1"));
    assert!(q.lines[4].recurring);
    let ids: Vec<&str> = q.procurement_lines().map(|l| l.line_id.as_str()).collect();
    assert_eq!(ids, ["1", "4", "5"]);
}

#[test]
fn csv_and_json_of_the_same_quote_have_the_same_digest() {
    let text = "quote_id,approved_at,currency,customer_id,customer_name,line_id,kind,sku,description,quantity,unit_cost,unit_price\n\
                Q-1,2026-11-20T09:30:00Z,EUR,C-1,Acme,1,product,SKU-1,Thing 1,2,10.00,12.50\n";
    let from_csv = parse_csv(text).unwrap().remove(0);
    let from_json = parse(&base()).unwrap();
    assert_eq!(from_csv, from_json);
    assert_eq!(from_csv.content_digest(), from_json.content_digest());
}

#[test]
fn two_quotes_in_one_csv() {
    let text = csv(&[
        row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,,,,"),
        row(CSV_Q2, "1,product,B,,Beta,2,3,4,,,,,,"),
        row(CSV_Q1, "2,product,C,,Gamma,3,5,6,,,,,,"),
    ]);
    let quotes = parse_csv(&text).unwrap();
    assert_eq!(quotes.len(), 2);
    assert_eq!(quotes[0].quote_id, "Q-1");
    assert_eq!(quotes[1].quote_id, "Q-2");
    let skus = |q: &Quote| q.lines.iter().map(|l| l.sku.clone()).collect::<Vec<_>>();
    assert_eq!(skus(&quotes[0]), ["A", "C"]);
    assert_eq!(skus(&quotes[1]), ["B"]);
    assert_eq!(quotes[1].customer.name, "Globex");
    assert_eq!(quotes[1].customer.psa_company_id, None);
    assert_eq!(quotes[1].ship_to, None);
}

#[test]
fn rows_of_one_quote_must_agree_on_the_quote_fields() {
    let disagreeing = CSV_Q1.replace(",EUR,", ",USD,");
    let text = csv(&[
        row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,,,,"),
        row(CSV_Q2, "1,product,B,,Beta,2,3,4,,,,,,"),
        row(&disagreeing, "2,product,C,,Gamma,3,5,6,,,,,,"),
    ]);
    let e = parse_csv(&text).unwrap_err();
    assert_eq!(e.position, Some((4, 1)));
    assert_eq!(
        e.to_string(),
        "line 4, column 1: the quote fields of `Q-1` differ from those on row 2; every row of one quote must repeat the same quote fields"
    );
}

#[test]
fn the_reported_csv_line_counts_multi_line_fields() {
    let disagreeing = CSV_Q1.replace(",EUR,", ",USD,");
    let text = csv(&[
        row(CSV_Q1, "1,product,A,,\"Alpha\nsecond line\",1,1,2,,,,,,"),
        row(&disagreeing, "2,product,C,,Gamma,3,5,6,,,,,,"),
    ]);
    let e = parse_csv(&text).unwrap_err();
    // Header on line 1, the first record on lines 2-3, the disagreeing one on line 4.
    assert_eq!(e.position, Some((4, 1)), "{e}");
}

#[test]
fn a_bad_cell_names_the_line_field_and_the_quote_start_row() {
    let text = csv(&[
        row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,,,,"),
        row(CSV_Q2, "7,product,B,,Beta,0,3,4,,,,,,"),
    ]);
    let e = parse_csv(&text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "field lines[1] (line_id \"7\").quantity (quote starting on row 3): is 0; must be a whole number greater than 0"
    );
    let text = csv(&[row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,nope,,,")]);
    let e = parse_csv(&text).unwrap_err();
    assert!(e.to_string().contains("lines[1] (line_id \"1\").recurring"), "{e}");
}

#[test]
fn an_unknown_csv_column_is_ignored_like_an_unknown_json_field() {
    let known = "quote_id,approved_at,currency,customer_id,customer_name,line_id,kind,sku,description,quantity,unit_cost,unit_price\n\
                 Q-1,2026-11-20T09:30:00Z,EUR,C-1,Acme,1,product,S,D,1,1,1\n";
    let extra = "quote_id,approved_at,colour,currency,customer_id,customer_name,line_id,kind,sku,description,quantity,unit_cost,unit_price,margin\n\
                 Q-1,2026-11-20T09:30:00Z,red,EUR,C-1,Acme,1,product,S,D,1,1,1,12%\n";
    assert_eq!(parse_csv(extra).unwrap(), parse_csv(known).unwrap());
}

#[test]
fn a_missing_required_csv_column_is_refused() {
    for missing in ["quote_id", "approved_at", "currency", "customer_id", "customer_name"] {
        let cols: Vec<&str> = [
            "quote_id",
            "approved_at",
            "currency",
            "customer_id",
            "customer_name",
            "line_id",
            "kind",
            "sku",
            "description",
            "quantity",
            "unit_cost",
            "unit_price",
        ]
        .into_iter()
        .filter(|c| *c != missing)
        .collect();
        let text = format!("{}\n{}\n", cols.join(","), vec!["x"; cols.len()].join(","));
        let e = parse_csv(&text).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("line 1, column 1: the header row has no `{missing}` column")
        );
    }
    // A line column missing from the header shows up as a missing field of the line.
    let text =
        "quote_id,approved_at,currency,customer_id,customer_name,line_id,kind,sku,description,quantity,unit_cost\n\
                Q-1,2026-11-20T09:30:00Z,EUR,C-1,Acme,1,product,S,D,1,1\n";
    let e = parse_csv(text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "field lines[1] (line_id \"1\").unit_price (quote starting on row 2): is missing"
    );
}

#[test]
fn a_csv_with_only_a_header_is_refused() {
    let e = parse_csv(&csv(&[])).unwrap_err();
    assert_eq!(e.to_string(), "the file has a header row but no lines");
    let e = parse_csv(CSV_HEADER).unwrap_err();
    assert_eq!(e.to_string(), "the file has a header row but no lines");
}

#[test]
fn a_csv_row_without_quote_id_or_with_the_wrong_width_is_refused() {
    let no_id = CSV_Q1.replacen("Q-1", "", 1);
    let e = parse_csv(&csv(&[row(&no_id, "1,product,A,,Alpha,1,1,2,,,,,,")])).unwrap_err();
    assert_eq!(e.to_string(), "line 2, column 1: is missing or empty");
    assert_eq!(e.field.as_deref(), Some("quote_id"));
    let e = parse_csv(&csv(&[row(CSV_Q1, "1,product,A")])).unwrap_err();
    assert!(e.message.starts_with("cannot read this row"), "{e}");
    assert_eq!(e.position.map(|p| p.0), Some(2), "{e}");
}

// ---------------------------------------------------------------------------------------
// Robustness: the parsers never panic
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Insert(usize, u8),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop::sample::select(b"{}[]:,\"\\-+.0123456789eE \n\rtnul\x00\xff\xc3".to_vec());
    prop_oneof![
        4 => any::<usize>().prop_map(Mutation::Delete),
        4 => (any::<usize>(), prop_oneof![interesting, any::<u8>()]).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        match *m {
            Mutation::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % bytes.len());
            }
            Mutation::Delete(_) => {}
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Mutation::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn valid_csv() -> String {
    csv(&[
        row(
            CSV_Q1,
            "1,product,NB-14,MPN-14,\"Notebook 14\"\", i5\",3,899.00,1149.00,ingram,,,yes,,",
        ),
        row(CSV_Q1, "2,bundle,KIT,,Kit,1,0,0,,,,,,"),
        row(CSV_Q1, "3,bundle_item,DOCK,,Dock,1,145.5,199,,true,false,false,,2"),
        row(CSV_Q2, "1,service,INST,,Install,2,50,75,,,,,,"),
    ])
}

#[test]
fn the_mutation_seeds_are_valid() {
    assert!(parse_json(DOC_EXAMPLE).is_ok());
    assert_eq!(parse_csv(&valid_csv()).unwrap().len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_json_never_panics_on_any_text(text in any::<String>()) {
        let _ = parse_json(&text);
    }

    #[test]
    fn parse_json_never_panics_on_json_like_text(text in "[{}\\[\\]:,\"0-9a-z.\\-eE \n]{0,200}") {
        let _ = parse_json(&text);
    }

    #[test]
    fn parse_csv_never_panics_on_any_text(text in any::<String>()) {
        let _ = parse_csv(&text);
    }

    #[test]
    fn parse_csv_never_panics_on_csv_like_text(text in "[a-z_,\"\n 0-9.\\-]{0,200}") {
        let _ = parse_csv(&text);
    }

    #[test]
    fn parse_json_never_panics_on_a_mutated_quote(ms in prop::collection::vec(mutation(), 1..8)) {
        let text = mutate(DOC_EXAMPLE, &ms);
        if let Err(e) = parse_json(&text) {
            // Every refusal says something.
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn parse_csv_never_panics_on_a_mutated_quote(ms in prop::collection::vec(mutation(), 1..8)) {
        let text = mutate(&valid_csv(), &ms);
        if let Err(e) = parse_csv(&text) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn any_valid_amount_text_parses_exactly(int in 0u64..10_000_000_000, frac in "[0-9]{0,6}") {
        let text = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
        let as_string = parse(&base_with_line_field("unit_cost", json!(text.clone()))).unwrap();
        let as_number = parse(&base_with_line_field("unit_cost", num(&text))).unwrap();
        let want: Decimal = text.parse().unwrap();
        prop_assert_eq!(as_string.lines[0].unit_cost, want);
        prop_assert_eq!(as_number.lines[0].unit_cost, want);
        prop_assert_eq!(as_string.lines[0].unit_cost.to_string(), as_number.lines[0].unit_cost.to_string());
    }
}
