//! Bad input: every error names the line and the field.

use super::*;

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
    let malformed = |bad: &str| format!("field currency: `{bad}` is not an ISO 4217 code like EUR or USD");
    let unused =
        |bad: &str| format!("field currency: `{bad}` is not the ISO 4217 code of a currency in use (EUR, USD, GBP …)");
    for (bad, message) in [
        ("eur", malformed("eur")),
        ("EURO", malformed("EURO")),
        ("E1R", malformed("E1R")),
        ("€", malformed("€")),
        ("EU", malformed("EU")),
        ("XYZ", unused("XYZ")),
        ("HRK", unused("HRK")),
        ("XXX", unused("XXX")),
    ] {
        let mut v = base();
        v["currency"] = json!(bad);
        let e = refuse(&v);
        assert_eq!(e.field.as_deref(), Some("currency"), "{bad}");
        assert_eq!(e.to_string(), message);
    }
    for good in ["USD", "GBP", "CHF"] {
        let mut v = base();
        v["currency"] = json!(good);
        assert_eq!(parse(&v).unwrap().currency, good);
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

#[test]
fn a_key_given_twice_is_refused_naming_it_and_where_it_is() {
    // serde_json's Value keeps the last of two equal keys, so these are written as text.
    let doc = |quote: &str, customer: &str, line: &str| {
        format!(
            "{{\"quote_id\": \"Q-1\", \"approved_at\": \"2026-11-20T09:30:00Z\", \"currency\": \"EUR\",{quote}\n\
             \"customer\": {{\"id\": \"C-1\", \"name\": \"Acme\"{customer}}},\n\
             \"lines\": [\n\
             {{\"line_id\": \"1\", \"kind\": \"product\", \"sku\": \"A\", \"description\": \"Alpha\", \"quantity\": 1, \"unit_cost\": \"1\", \"unit_price\": \"2\"}},\n\
             {{\"line_id\": \"2\", \"kind\": \"product\", \"sku\": \"B\", \"description\": \"Beta\", \"quantity\": 1, \"unit_cost\": \"1\", \"unit_price\": \"2\"{line}}}\n\
             ]}}"
        )
    };
    assert!(parse_json(&doc("", "", "")).is_ok());
    let e = parse_json(&doc("", "", ", \"quantity\": 500")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("lines[2] (line_id \"2\").quantity"));
    assert_eq!(e.position.map(|p| p.0), Some(5), "{e}");
    assert!(
        e.to_string().ends_with(
            "field lines[2] (line_id \"2\").quantity: is given twice; a key may appear only once in an object"
        ),
        "{e}"
    );
    let e = parse_json(&doc(" \"currency\": \"USD\",", "", "")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("currency"));
    assert_eq!(e.position.map(|p| p.0), Some(1), "{e}");
    let e = parse_json(&doc("", ", \"name\": \"Other\"", "")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("customer.name"));
    assert_eq!(e.position.map(|p| p.0), Some(2), "{e}");
    // Fields Purser does not read are refused twice too: the file says two things.
    let e = parse_json(&doc(" \"margin\": 1, \"margin\": 2,", "", "")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("margin"));
    let mut v = base();
    v["ship_to"] = json!({"city": "Utrecht"});
    let text = v
        .to_string()
        .replace("\"city\":\"Utrecht\"", "\"city\":\"Utrecht\",\"city\":\"Delft\"");
    assert_eq!(parse_json(&text).unwrap_err().field.as_deref(), Some("ship_to.city"));
    // A key escaped differently is still the same key.
    let e = parse_json(&doc("", "", ", \"s\\u006bu\": \"C\"")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("lines[2] (line_id \"2\").sku"));
}

#[test]
fn a_utf8_byte_order_mark_is_accepted_as_in_csv() {
    let text = base().to_string();
    let with_bom = format!("\u{feff}{text}");
    assert_eq!(parse_json(&with_bom).unwrap(), parse_json(&text).unwrap());
    // Only at the very start, and only once.
    assert!(parse_json(&format!("\u{feff}\u{feff}{text}")).is_err());
}

#[test]
fn a_sku_with_a_control_character_is_refused() {
    for (sku, code) in [("A\u{1f}B", "U+001F"), ("NB\t14", "U+0009"), ("X\u{1b}[2J", "U+001B")] {
        let e = refuse(&base_with_line_field("sku", json!(sku)));
        assert_eq!(
            e.to_string(),
            format!("field lines[1] (line_id \"1\").sku: holds the control character {code}; a SKU is printable text")
        );
    }
    // Blanks around it are trimmed, as for every text field.
    assert_eq!(
        parse(&base_with_line_field("sku", json!(" NB-14\n"))).unwrap().lines[0].sku,
        "NB-14"
    );
}
