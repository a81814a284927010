//! The intake rule: which quote lines become pending items, and the flags and fields they carry.

use super::*;

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
