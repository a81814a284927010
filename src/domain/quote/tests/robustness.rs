//! Robustness: the parsers never panic, and valid amounts always parse exactly.

use super::*;

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
    fn any_valid_amount_text_parses_exactly(int in 0u64..10_000_000_000, frac in "[0-9]{0,4}") {
        let text = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
        let as_string = parse(&base_with_line_field("unit_cost", json!(text.clone()))).unwrap();
        let as_number = parse(&base_with_line_field("unit_cost", num(&text))).unwrap();
        let want: Decimal = text.parse().unwrap();
        prop_assert_eq!(as_string.lines[0].unit_cost, want);
        prop_assert_eq!(as_number.lines[0].unit_cost, want);
        prop_assert_eq!(as_string.lines[0].unit_cost.to_string(), as_number.lines[0].unit_cost.to_string());
    }
}
