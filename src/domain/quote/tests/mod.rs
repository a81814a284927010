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
      "ean": "0195235123454", "description": "Notebook 14in i5 16GB",
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

// The CSV form, shared by the CSV and robustness tests.

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

mod amounts;
mod csv_form;
mod digest;
mod errors;
mod example;
mod intake;
mod robustness;
