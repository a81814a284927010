//! The content digest: the same quote gives the same digest, whatever its layout.

use super::*;

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
