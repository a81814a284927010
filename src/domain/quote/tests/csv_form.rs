//! The CSV form: rows grouped into quotes, checked like JSON.

use super::*;

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
    assert_eq!(e.position, Some((4, 4)));
    assert_eq!(
        e.to_string(),
        "line 4, column 4, field currency: `USD` here but `EUR` on line 2, the first row of quote `Q-1`; every row of one quote repeats the same quote fields"
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
    assert_eq!(e.position, Some((4, 4)), "{e}");
}

#[test]
fn a_bad_cell_names_its_line_in_the_file_and_its_column() {
    let text = csv(&[
        row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,,,,"),
        row(CSV_Q2, "1,product,B,,Beta,2,3,4,,,,,,"),
        row(CSV_Q1, "2,product,C,,\"Gamma\nsecond line\",3,5,6,,,,,,"),
        row(CSV_Q1, "7,product,D,,Delta,0,3,4,,,,,,"),
    ]);
    let e = parse_csv(&text).unwrap_err();
    // The header is line 1; the Gamma row takes lines 4 and 5; Delta starts on line 6.
    assert_eq!(e.position, Some((6, 18)));
    assert_eq!(e.field.as_deref(), Some("quantity"));
    assert_eq!(
        e.to_string(),
        "line 6, column 18, field quantity: is 0; must be a whole number greater than 0"
    );
    let text = csv(&[row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,nope,,,")]);
    let e = parse_csv(&text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2, column 23, field recurring: must be true or false"
    );
}

#[test]
fn a_bad_quote_field_names_the_first_row_of_its_quote_and_the_column() {
    let text = csv(&[
        row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,,,,"),
        row(&CSV_Q2.replace(",Globex,", ",,"), "1,product,B,,Beta,2,3,4,,,,,,"),
        row(&CSV_Q2.replace(",Globex,", ",,"), "2,product,C,,Gamma,2,3,4,,,,,,"),
    ]);
    let e = parse_csv(&text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3, column 6, field customer_name: is missing or empty"
    );
    // A line id used twice names the later row.
    let text = csv(&[
        row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,,,,"),
        row(CSV_Q1, "1,product,B,,Beta,1,1,2,,,,,,"),
    ]);
    let e = parse_csv(&text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3, column 13, field line_id: `1` is used by an earlier line; line ids must be unique"
    );
}

#[test]
fn a_column_given_twice_is_refused_naming_it() {
    let text = "quote_id,approved_at,currency,customer_id,customer_name,line_id,kind,sku,description,quantity,unit_cost,unit_price,sku\n\
                Q-1,2026-11-20T09:30:00Z,EUR,C-1,Acme,1,product,S,D,1,1,1,T\n";
    let e = parse_csv(text).unwrap_err();
    assert_eq!(e.position, Some((1, 13)));
    assert_eq!(e.field.as_deref(), Some("sku"));
    assert_eq!(
        e.to_string(),
        "line 1, column 13, field sku: the header row has this column twice (columns 8 and 13); each column may appear once"
    );
    // Columns Purser does not read may repeat: a spreadsheet's blank ones, say.
    let text = "quote_id,approved_at,currency,customer_id,customer_name,line_id,kind,sku,description,quantity,unit_cost,unit_price,,\n\
                Q-1,2026-11-20T09:30:00Z,EUR,C-1,Acme,1,product,S,D,1,1,1,,\n";
    assert_eq!(parse_csv(text).unwrap()[0].lines[0].sku, "S");
}

#[test]
fn a_byte_order_mark_before_the_header_is_accepted() {
    let text = "quote_id,approved_at,currency,customer_id,customer_name,line_id,kind,sku,description,quantity,unit_cost,unit_price\n\
                Q-1,2026-11-20T09:30:00Z,EUR,C-1,Acme,1,product,SKU-1,Thing 1,2,10.00,12.50\n";
    let with_bom = format!("\u{feff}{text}");
    assert_eq!(parse_csv(&with_bom).unwrap(), parse_csv(text).unwrap());
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
    // A required line column missing from the header is refused on the header too.
    let text =
        "quote_id,approved_at,currency,customer_id,customer_name,line_id,kind,sku,description,quantity,unit_cost\n\
                Q-1,2026-11-20T09:30:00Z,EUR,C-1,Acme,1,product,S,D,1,1\n";
    let e = parse_csv(text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 1, column 1: the header row has no `unit_price` column"
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
    assert_eq!(e.to_string(), "line 2, column 1, field quote_id: is missing or empty");
    assert_eq!(e.field.as_deref(), Some("quote_id"));
    let e = parse_csv(&csv(&[row(CSV_Q1, "1,product,A")])).unwrap_err();
    assert!(e.message.starts_with("cannot read this row"), "{e}");
    assert_eq!(e.position.map(|p| p.0), Some(2), "{e}");
}

/// `rows` after the header, each ending in `eol`.
fn csv_ending(rows: &[String], eol: &str) -> String {
    let mut s = format!("{CSV_HEADER}{eol}");
    for r in rows {
        s.push_str(r);
        s.push_str(eol);
    }
    s
}

const LINE_ENDINGS: [(&str, &str); 3] = [("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")];

#[test]
fn a_bad_cell_on_the_first_or_last_row_names_its_line_whatever_the_line_endings() {
    let good = |id: u32| row(CSV_Q1, &format!("{id},product,A{id},,Alpha,1,1,2,,,,,,"));
    let zero = |id: u32| row(CSV_Q1, &format!("{id},product,Z{id},,Zero,0,1,2,,,,,,"));
    for (name, eol) in LINE_ENDINGS {
        // The first data row is line 2.
        let text = csv_ending(&[zero(1), good(2), good(3), good(4)], eol);
        let e = parse_csv(&text).unwrap_err();
        assert_eq!(e.position, Some((2, 18)), "{name}: {e}");
        // The last of five data rows is line 6.
        let text = csv_ending(&[good(1), good(2), good(3), good(4), zero(5)], eol);
        let e = parse_csv(&text).unwrap_err();
        assert_eq!(e.position, Some((6, 18)), "{name}: {e}");
        assert_eq!(
            e.to_string(),
            "line 6, column 18, field quantity: is 0; must be a whole number greater than 0",
            "{name}"
        );
        // Without a line ending after the last row too.
        let e = parse_csv(text.trim_end()).unwrap_err();
        assert_eq!(e.position, Some((6, 18)), "{name} without a final line ending: {e}");
    }
}

#[test]
fn a_cell_spanning_lines_counts_its_line_endings_whatever_they_are() {
    for (name, eol) in LINE_ENDINGS {
        let text = csv_ending(
            &[
                row(
                    CSV_Q1,
                    &format!("1,product,A,,\"Alpha{eol}second{eol}third\",1,1,2,,,,,,"),
                ),
                row(CSV_Q1, "2,product,B,,Beta,0,1,2,,,,,,"),
            ],
            eol,
        );
        // Header on line 1, the first row on lines 2-4, the bad one on line 5.
        let e = parse_csv(&text).unwrap_err();
        assert_eq!(e.position, Some((5, 18)), "{name}: {e}");
    }
}

#[test]
fn a_quote_field_a_row_width_and_a_header_column_name_their_lines_whatever_the_line_endings() {
    for (name, eol) in LINE_ENDINGS {
        // A quote field is checked on its quote's first row: line 3 here.
        let no_name = CSV_Q2.replace(",Globex,", ",,");
        let text = csv_ending(
            &[
                row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,,,,"),
                row(&no_name, "1,product,B,,Beta,2,3,4,,,,,,"),
                row(&no_name, "2,product,C,,Gamma,2,3,4,,,,,,"),
            ],
            eol,
        );
        let e = parse_csv(&text).unwrap_err();
        assert_eq!(e.position, Some((3, 6)), "{name}: {e}");
        // A row of the wrong width, read by the csv crate itself, on line 4.
        let text = csv_ending(
            &[
                row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,,,,"),
                row(CSV_Q1, "2,product,B,,Beta,1,1,2,,,,,,"),
                row(CSV_Q1, "3,product,C"),
            ],
            eol,
        );
        let e = parse_csv(&text).unwrap_err();
        assert!(e.message.starts_with("cannot read this row"), "{name}: {e}");
        assert_eq!(e.position.map(|p| p.0), Some(4), "{name}: {e}");
        // The header row is line 1, after a byte-order mark too.
        let text = format!(
            "\u{feff}{}",
            csv_ending(&[row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,,,,")], eol)
        )
        .replacen("bundle_id", "sku", 1);
        let e = parse_csv(&text).unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(1), "{name}: {e}");
    }
}

#[test]
fn lines_are_counted_from_byte_offsets_with_each_kind_of_line_ending() {
    let line_of = |text: &str, offset: u64| Lines::new(text).line_of(offset);
    for (text, expected) in [
        // byte: 0 1  2 3  4  5 6
        ("a\nb\nc", [1, 1, 2, 2, 3, 3, 3]),
        // At the LF of a CR LF the next line has begun (a row may be placed there).
        ("a\r\nb\r\nc", [1, 1, 2, 2, 2, 3, 3]),
        ("a\rb\rc", [1, 1, 2, 2, 3, 3, 3]),
        // Mixed: CR LF is one ending, LF CR two, a blank line one more.
        ("\r\n\n\r\rx", [1, 2, 2, 3, 4, 5, 5]),
    ] {
        for (offset, line) in expected.iter().enumerate() {
            assert_eq!(line_of(text, offset as u64), *line, "{text:?} at {offset}");
        }
    }
    // Past the end: the last line.
    assert_eq!(line_of("a\nb", 99), 2);
    assert_eq!(line_of("", 0), 1);
    // Asked in order, and then backwards, the counts stay right.
    let mut lines = Lines::new("a\r\nb\r\nc\r\nd");
    assert_eq!([3, 6, 9].map(|o| lines.line_of(o)), [2, 3, 4]);
    assert_eq!(lines.line_of(1), 1);
    assert_eq!(lines.line_of(3), 2);
}

#[test]
fn a_csv_quote_in_a_currency_not_in_use_is_refused_on_its_first_row() {
    let text = csv(&[
        row(CSV_Q1, "1,product,A,,Alpha,1,1,2,,,,,,"),
        row(&CSV_Q2.replace(",EUR,", ",XYZ,"), "1,product,B,,Beta,2,3,4,,,,,,"),
    ]);
    let e = parse_csv(&text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3, column 4, field currency: `XYZ` is not the ISO 4217 code of a currency in use (EUR, USD, GBP …)"
    );
}
