//! Tests of pending items: dismiss, restore, split, ordering, cost updates and filters.

use super::*;
use crate::domain::quote::parse_json;
use proptest::prelude::*;

fn ts(secs: i64) -> Timestamp {
    chrono::DateTime::from_timestamp(1_795_167_000 + secs, 0).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A pending item of quote Q-1 for customer Acme.
fn item(id: ItemId, qty: u32) -> PendingItem {
    PendingItem {
        id,
        quote_id: "Q-1".into(),
        quote_number: Some("0142".into()),
        line_id: id.to_string().into(),
        customer_id: "C-1".into(),
        customer_name: "Acme Dental".into(),
        psa_company_id: Some("555".into()),
        sku: format!("SKU-{id}").into(),
        mpn: Some(format!("MPN-{id}").into()),
        ean: None,
        description: "Notebook 14in".into(),
        quantity: qty,
        unit_cost: dec("899.00"),
        unit_price: dec("1149.00"),
        currency: "EUR".into(),
        distributor: Some("ingram".into()),
        distributor_sku: Some(format!("ING-{id}").into()),
        serialized: false,
        pax8_product_id: None,
        psa_product_id: None,
        split_from: None,
        created_at: ts(0),
        state: ItemState::Pending,
    }
}

fn dismissed(id: ItemId) -> PendingItem {
    item(id, 1).dismiss("customer cancelled", "bob", ts(10)).unwrap()
}

fn ordered(id: ItemId, po: u64) -> PendingItem {
    item(id, 1).order_on(PoNumber(po)).unwrap()
}

// ---------------------------------------------------------------------------------------
// From a quote line
// ---------------------------------------------------------------------------------------

#[test]
fn an_item_copies_its_quote_line() {
    let q = parse_json(
        r#"{"quote_id":"Q-9","quote_number":"9","approved_at":"2026-11-20T09:30:00Z","currency":"USD",
            "customer":{"id":"C-9","name":"Globex","psa_company_id":"77"},
            "lines":[{"line_id":"4","kind":"product","sku":"S","mpn":"M","ean":"E","description":"D",
                      "quantity":5,"unit_cost":"1.10","unit_price":"2","distributor":"td","distributor_sku":"T1",
                      "serialized":true,"pax8_product_id":"P8","psa_product_id":"H1"}]}"#,
    )
    .unwrap();
    let it = PendingItem::from_quote_line(3, &q, &q.lines[0], ts(5));
    assert_eq!(it.id, 3);
    assert_eq!((it.quote_id.as_str(), it.quote_number.as_deref()), ("Q-9", Some("9")));
    assert_eq!(it.line_id, "4");
    assert_eq!((it.customer_id.as_str(), it.customer_name.as_str()), ("C-9", "Globex"));
    assert_eq!(it.psa_company_id.as_deref(), Some("77"));
    assert_eq!(
        (it.sku.as_str(), it.mpn.as_deref(), it.ean.as_deref()),
        ("S", Some("M"), Some("E"))
    );
    assert_eq!(it.quantity, 5);
    assert_eq!(it.unit_cost.to_string(), "1.10");
    assert_eq!(it.unit_price.to_string(), "2.00");
    assert_eq!(it.currency, "USD");
    assert_eq!(it.distributor.as_deref(), Some("td"));
    assert_eq!(it.distributor_sku.as_deref(), Some("T1"));
    assert!(it.serialized);
    assert_eq!(it.pax8_product_id.as_deref(), Some("P8"));
    assert_eq!(it.psa_product_id.as_deref(), Some("H1"));
    assert_eq!(it.split_from, None);
    assert_eq!(it.created_at, ts(5));
    assert_eq!(it.state, ItemState::Pending);
    assert_eq!(it.total_cost(), dec("5.50"));
}

#[test]
fn state_labels_and_display() {
    assert_eq!(ItemState::Pending.label(), "pending");
    assert_eq!(ItemState::Pending.to_string(), "pending");
    assert_eq!(dismissed(1).state.label(), "dismissed");
    assert_eq!(dismissed(1).state.to_string(), "dismissed");
    assert_eq!(ordered(1, 12).state.label(), "ordered");
    assert_eq!(ordered(1, 12).state.to_string(), "on PO-000012");
}

// ---------------------------------------------------------------------------------------
// Dismiss and restore
// ---------------------------------------------------------------------------------------

#[test]
fn dismiss_needs_a_reason() {
    for blank in ["", "   ", "\t\n"] {
        let e = item(1, 2).dismiss(blank, "bob", ts(1)).unwrap_err();
        assert_eq!(e, RuleError::ReasonRequired("dismiss an item"));
        assert_eq!(e.to_string(), "a reason is required to dismiss an item");
    }
}

#[test]
fn dismiss_trims_the_reason_and_records_who_and_when() {
    let before = item(1, 2);
    let after = before.dismiss("  ordered elsewhere \n", "bob", ts(60)).unwrap();
    assert_eq!(
        after.state,
        ItemState::Dismissed {
            reason: "ordered elsewhere".into(),
            by: "bob".into(),
            at: ts(60),
        }
    );
    assert!(!after.is_pending());
    // Everything else is unchanged, and the original is untouched.
    assert_eq!(
        PendingItem {
            state: ItemState::Pending,
            ..after
        },
        before
    );
    assert!(before.is_pending());
}

#[test]
fn dismiss_only_from_pending() {
    let e = dismissed(1).dismiss("again", "bob", ts(1)).unwrap_err();
    assert_eq!(
        e,
        RuleError::ItemNotPending {
            id: 1,
            state: "dismissed".into(),
            action: "dismissing",
        }
    );
    assert_eq!(e.to_string(), "item 1 is dismissed; dismissing needs a pending item");
    let e = ordered(2, 7).dismiss("reason", "bob", ts(1)).unwrap_err();
    assert_eq!(e.to_string(), "item 2 is on PO-000007; dismissing needs a pending item");
}

#[test]
fn restore_returns_a_dismissed_item_to_the_pool() {
    let original = item(4, 3);
    let restored = original.dismiss("dup", "bob", ts(1)).unwrap().restore().unwrap();
    assert_eq!(restored, original);
    assert!(restored.is_pending());
}

#[test]
fn restore_only_a_dismissed_item() {
    let e = item(4, 3).restore().unwrap_err();
    assert_eq!(e, RuleError::ItemNotDismissed(4));
    assert_eq!(
        e.to_string(),
        "item 4 is not dismissed; only dismissed items can be restored"
    );
    assert_eq!(ordered(5, 1).restore().unwrap_err(), RuleError::ItemNotDismissed(5));
}

// ---------------------------------------------------------------------------------------
// Split
// ---------------------------------------------------------------------------------------

#[test]
fn split_moves_units_to_a_new_item() {
    let original = item(7, 5);
    let (rest, part) = original.split(2, 8, ts(100)).unwrap();
    assert_eq!(rest.id, 7);
    assert_eq!(rest.quantity, 3);
    assert_eq!(rest.split_from, None);
    assert_eq!(rest.created_at, ts(0));
    assert_eq!(part.id, 8);
    assert_eq!(part.quantity, 2);
    assert_eq!(part.split_from, Some(7));
    assert_eq!(part.created_at, ts(100));
    assert_eq!(rest.quantity + part.quantity, original.quantity);
    assert_eq!(rest.total_cost() + part.total_cost(), original.total_cost());
    // Everything else is copied.
    assert_eq!(
        PendingItem {
            quantity: 5,
            ..rest.clone()
        },
        original
    );
    assert_eq!(
        PendingItem {
            id: 7,
            quantity: 5,
            split_from: None,
            created_at: ts(0),
            ..part
        },
        original
    );
    assert!(rest.is_pending());
}

#[test]
fn split_takes_1_to_quantity_minus_1() {
    let it = item(7, 5);
    for qty in 1..=4 {
        let (rest, part) = it.split(qty, 8, ts(1)).unwrap();
        assert_eq!((rest.quantity, part.quantity), (5 - qty, qty));
    }
    for qty in [0, 5, 6, u32::MAX] {
        let e = it.split(qty, 8, ts(1)).unwrap_err();
        assert_eq!(e, RuleError::BadSplit { id: 7, have: 5 }, "qty {qty}");
        assert_eq!(
            e.to_string(),
            "item 7 has quantity 5; a split must leave at least 1 on each side (choose 1 to 4)"
        );
    }
    let e = item(3, 1).split(1, 9, ts(1)).unwrap_err();
    assert_eq!(e, RuleError::BadSplit { id: 3, have: 1 });
    assert!(e.to_string().contains("(choose 1 to 0)"), "{e}");
}

#[test]
fn split_only_in_the_pool() {
    let e = dismissed(1).split(1, 2, ts(1)).unwrap_err();
    assert!(
        matches!(
            e,
            RuleError::ItemNotPending {
                id: 1,
                action: "splitting",
                ..
            }
        ),
        "{e:?}"
    );
    let mut big_ordered = item(1, 4);
    big_ordered.state = ItemState::Ordered { po: PoNumber(3) };
    let e = big_ordered.split(1, 2, ts(1)).unwrap_err();
    assert_eq!(e.to_string(), "item 1 is on PO-000003; splitting needs a pending item");
}

#[test]
fn a_split_of_a_split_points_at_its_direct_parent() {
    let (rest, part) = item(1, 6).split(3, 2, ts(1)).unwrap();
    let (rest2, part2) = part.split(1, 3, ts(2)).unwrap();
    assert_eq!(rest2.id, 2);
    assert_eq!(rest2.split_from, Some(1));
    assert_eq!(part2.split_from, Some(2));
    assert_eq!(rest.quantity + rest2.quantity + part2.quantity, 6);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any sequence of splits (valid or not) keeps the total quantity and gives unique ids.
    #[test]
    fn random_splits_conserve_quantity(
        start in 1u32..200,
        ops in prop::collection::vec((any::<prop::sample::Index>(), 0u32..250), 0..40),
    ) {
        let mut pool = vec![item(1, start)];
        let mut next_id = 2;
        for (which, qty) in ops {
            let i = which.index(pool.len());
            let source = pool[i].clone();
            match source.split(qty, next_id, ts(next_id as i64)) {
                Ok((rest, part)) => {
                    prop_assert!(qty >= 1 && qty < source.quantity);
                    prop_assert_eq!(rest.quantity + part.quantity, source.quantity);
                    prop_assert_eq!(part.split_from, Some(source.id));
                    prop_assert_eq!(rest.id, source.id);
                    pool[i] = rest;
                    pool.push(part);
                    next_id += 1;
                }
                Err(e) => {
                    prop_assert!(qty == 0 || qty >= source.quantity);
                    prop_assert_eq!(e, RuleError::BadSplit { id: source.id, have: source.quantity });
                }
            }
            prop_assert_eq!(pool.iter().map(|p| p.quantity).sum::<u32>(), start);
            prop_assert!(pool.iter().all(|p| p.quantity >= 1));
        }
        let mut ids: Vec<ItemId> = pool.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        prop_assert_eq!(ids.len(), pool.len());
    }
}

// ---------------------------------------------------------------------------------------
// Ordering, returning to the pool, cost updates
// ---------------------------------------------------------------------------------------

#[test]
fn order_on_puts_a_pending_item_on_an_order() {
    let it = item(1, 2).order_on(PoNumber(4)).unwrap();
    assert_eq!(it.state, ItemState::Ordered { po: PoNumber(4) });
    assert!(!it.is_pending());
    let e = it.order_on(PoNumber(5)).unwrap_err();
    assert_eq!(e.to_string(), "item 1 is on PO-000004; ordering needs a pending item");
    let e = dismissed(2).order_on(PoNumber(5)).unwrap_err();
    assert!(
        matches!(
            e,
            RuleError::ItemNotPending {
                id: 2,
                action: "ordering",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn return_to_pool_only_from_the_order_it_is_on() {
    let original = item(1, 2);
    let on = original.order_on(PoNumber(4)).unwrap();
    assert_eq!(on.return_to_pool(PoNumber(4)).unwrap(), original);
    let e = on.return_to_pool(PoNumber(5)).unwrap_err();
    assert_eq!(e, RuleError::ItemNotOnOrder { id: 1, po: PoNumber(5) });
    assert_eq!(e.to_string(), "item 1 is not on PO-000005");
    assert_eq!(
        original.return_to_pool(PoNumber(4)).unwrap_err(),
        RuleError::ItemNotOnOrder { id: 1, po: PoNumber(4) }
    );
    assert_eq!(
        dismissed(1).return_to_pool(PoNumber(4)).unwrap_err(),
        RuleError::ItemNotOnOrder { id: 1, po: PoNumber(4) }
    );
}

#[test]
fn with_cost_updates_the_unit_cost_in_the_pool_only() {
    let it = item(1, 3).with_cost(dec("850.25")).unwrap();
    assert_eq!(it.unit_cost, dec("850.25"));
    assert_eq!(it.unit_price, dec("1149.00"));
    assert_eq!(it.total_cost(), dec("2550.75"));
    let e = ordered(1, 2).with_cost(dec("1")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "item 1 is on PO-000002; updating the cost needs a pending item"
    );
    let e = dismissed(1).with_cost(dec("1")).unwrap_err();
    assert!(
        matches!(
            e,
            RuleError::ItemNotPending {
                action: "updating the cost",
                ..
            }
        ),
        "{e:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Text search and filters
// ---------------------------------------------------------------------------------------

#[test]
fn contains_ignore_ascii_case_finds_substrings() {
    assert!(contains_ignore_ascii_case("Dentalcare West", "west"));
    assert!(contains_ignore_ascii_case("Dentalcare West", "dentalcare west"));
    assert!(contains_ignore_ascii_case("DENTALCARE", "talc"));
    assert!(contains_ignore_ascii_case("abc", "c"));
    assert!(!contains_ignore_ascii_case("Dentalcare West", "east"));
    assert!(!contains_ignore_ascii_case("ab", "abc"));
    assert!(!contains_ignore_ascii_case("", "a"));
    // The needle must be lower-case: an upper-case needle never matches.
    assert!(!contains_ignore_ascii_case("WEST", "WEST"));
    // Only ASCII letters fold.
    assert!(contains_ignore_ascii_case("Zahnärzte", "ärzte"));
    assert!(!contains_ignore_ascii_case("ZAHNÄRZTE", "ärzte"));
}

#[test]
fn contains_ignore_ascii_case_with_an_empty_needle_is_true() {
    assert!(contains_ignore_ascii_case("abc", ""));
    assert!(contains_ignore_ascii_case("", ""));
}

#[test]
fn matches_text_searches_every_field_a_buyer_looks_for() {
    let it = item(3, 1);
    for needle in [
        "acme", "c-1", "q-1", "0142", "sku-3", "mpn-3", "notebook", "ingram", "ing-3", "",
    ] {
        assert!(it.matches_text(needle), "{needle}");
    }
    for needle in ["globex", "1149", "eur", "sku-4"] {
        assert!(!it.matches_text(needle), "{needle}");
    }
}

fn filter() -> ItemFilter {
    ItemFilter::default()
}

/// A small pool: pending, dismissed and ordered items of two customers.
fn pool() -> Vec<PendingItem> {
    let mut globex = item(2, 1);
    globex.customer_id = "C-2".into();
    globex.customer_name = "Globex Corp".into();
    globex.quote_id = "Q-2".into();
    globex.quote_number = None;
    globex.distributor = Some("td_synnex".into());
    globex.sku = "DOCK-USB".into();
    globex.mpn = None;
    globex.description = "USB-C dock".into();
    vec![item(1, 2), globex, dismissed(3), ordered(4, 9)]
}

fn ids(f: &ItemFilter) -> Vec<ItemId> {
    pool().iter().filter(|i| f.matches(i)).map(|i| i.id).collect()
}

#[test]
fn the_default_filter_shows_the_pool_only() {
    assert_eq!(ids(&filter()), [1, 2]);
}

#[test]
fn all_includes_dismissed_and_ordered_items() {
    assert_eq!(ids(&ItemFilter { all: true, ..filter() }), [1, 2, 3, 4]);
}

#[test]
fn dismissed_only_shows_dismissed_items() {
    assert_eq!(
        ids(&ItemFilter {
            dismissed_only: true,
            ..filter()
        }),
        [3]
    );
    assert_eq!(
        ids(&ItemFilter {
            dismissed_only: true,
            all: true,
            ..filter()
        }),
        [3]
    );
}

#[test]
fn the_customer_filter_matches_id_exactly_or_name_partly_ignoring_case() {
    let by = |c: &str| {
        ids(&ItemFilter {
            customer: Some(c.into()),
            all: true,
            ..filter()
        })
    };
    assert_eq!(by("c-2"), [2]);
    assert_eq!(by("C-1"), [1, 3, 4]);
    assert_eq!(by("GLOBEX"), [2]);
    assert_eq!(by("corp"), [2]);
    assert_eq!(by("dental"), [1, 3, 4]);
    assert!(by("C-").is_empty(), "ids match exactly");
    assert!(by("initech").is_empty());
}

#[test]
fn an_empty_customer_filter_matches_everything() {
    let f = ItemFilter {
        customer: Some(String::new()),
        ..filter()
    };
    assert_eq!(ids(&f), [1, 2]);
}

#[test]
fn the_quote_filter_matches_quote_id_or_number_exactly_ignoring_case() {
    let by = |q: &str| {
        ids(&ItemFilter {
            quote: Some(q.into()),
            ..filter()
        })
    };
    assert_eq!(by("q-1"), [1]);
    assert_eq!(by("Q-2"), [2]);
    assert_eq!(by("0142"), [1]);
    assert!(by("Q-").is_empty());
    assert!(by("142").is_empty());
}

#[test]
fn the_distributor_filter_matches_exactly_ignoring_case() {
    let by = |d: &str| {
        ids(&ItemFilter {
            distributor: Some(d.into()),
            all: true,
            ..filter()
        })
    };
    assert_eq!(by("INGRAM"), [1, 3, 4]);
    assert_eq!(by("td_synnex"), [2]);
    assert!(by("td").is_empty());
    let mut none = item(9, 1);
    none.distributor = None;
    assert!(!ItemFilter {
        distributor: Some("ingram".into()),
        ..filter()
    }
    .matches(&none));
}

#[test]
fn the_sku_filter_matches_sku_or_mpn_exactly_ignoring_case() {
    let by = |s: &str| {
        ids(&ItemFilter {
            sku: Some(s.into()),
            ..filter()
        })
    };
    assert_eq!(by("sku-1"), [1]);
    assert_eq!(by("MPN-1"), [1]);
    assert_eq!(by("dock-usb"), [2]);
    assert!(by("DOCK").is_empty());
    assert!(by("ING-1").is_empty(), "the distributor SKU is not the SKU");
}

#[test]
fn the_text_filter_searches_all_fields_ignoring_case() {
    let by = |t: &str| {
        ids(&ItemFilter {
            text: Some(t.into()),
            ..filter()
        })
    };
    assert_eq!(by("USB-C"), [2]);
    assert_eq!(by("NOTEBOOK"), [1]);
    assert_eq!(by("Globex"), [2]);
    assert_eq!(by("q-"), [1, 2]);
    assert_eq!(by(""), [1, 2]);
    assert!(by("printer").is_empty());
}

#[test]
fn filters_combine() {
    let f = ItemFilter {
        all: true,
        customer: Some("acme".into()),
        distributor: Some("ingram".into()),
        text: Some("notebook".into()),
        ..filter()
    };
    assert_eq!(ids(&f), [1, 3, 4]);
    let f = ItemFilter {
        customer: Some("acme".into()),
        sku: Some("DOCK-USB".into()),
        ..filter()
    };
    assert!(ids(&f).is_empty());
}
