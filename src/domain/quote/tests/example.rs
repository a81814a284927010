//! The documented example: parsed exactly, and the least a document needs.

use super::*;

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
            ean: Some("0195235123454".into()),
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
