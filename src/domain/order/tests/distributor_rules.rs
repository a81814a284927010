//! The distributors' rules checked before anything is sent: each problem names its field.

use super::*;
use crate::domain::order::distributor_rules::{
    check, DistributorAccount, DistributorRuleError, DistributorRules, NoShipTo,
};

fn account(rules: DistributorRules, warehouse: Option<Address>) -> DistributorAccount {
    DistributorAccount::new(rules, warehouse)
}

fn us_address() -> Address {
    Address {
        name: Some("Northwind Clinics".into()),
        street: Some("500 Main St".into()),
        city: Some("Springfield".into()),
        state: Some("IL".into()),
        postal_code: Some("62701".into()),
        country: Some("US".into()),
        ..Address::default()
    }
}

fn dropship_to(a: Address) -> Order {
    let mut o = order(&[item(1, 2)]);
    o.order_type = OrderType::Dropship;
    o.ship_to = Some(a);
    o
}

fn text(r: Result<(), DistributorRuleError>) -> String {
    r.expect_err("refused").to_string()
}

#[test]
fn td_synnex_needs_an_address_on_every_order() {
    let wholesale = order(&[item(1, 2)]);
    let e = check(&wholesale, &account(DistributorRules::TdSynnex, None)).unwrap_err();
    assert_eq!(e, DistributorRuleError::NoShipTo(NoShipTo::TdSynnex));
    assert!(e.to_string().contains("[company.warehouse]"), "{e}");
    // Our warehouse, when configured, is where a wholesale order goes.
    assert_eq!(
        check(&wholesale, &account(DistributorRules::TdSynnex, Some(us_address()))),
        Ok(())
    );
}

#[test]
fn td_synnex_needs_the_state_wherever_the_order_goes() {
    // The warehouse of the demo before: a Dutch address without a state.
    let wholesale = order(&[item(1, 2)]);
    let e = text(check(&wholesale, &account(DistributorRules::TdSynnex, Some(address()))));
    assert_eq!(e, "the warehouse ([company.warehouse]) address lacks state");
    let e = text(check(
        &dropship_to(address()),
        &account(DistributorRules::TdSynnex, None),
    ));
    assert_eq!(e, "the ship-to address lacks state");
    let with_state = Address {
        state: Some("UT".into()),
        ..address()
    };
    assert_eq!(
        check(&dropship_to(with_state), &account(DistributorRules::TdSynnex, None)),
        Ok(())
    );
}

#[test]
fn td_synnex_names_each_missing_and_each_long_field() {
    let half = Address {
        name: Some("Northwind".into()),
        country: Some("US".into()),
        ..Address::default()
    };
    let e = text(check(&dropship_to(half), &account(DistributorRules::TdSynnex, None)));
    assert_eq!(e, "the ship-to address lacks street, city, postal_code, state");
    let long = Address {
        name: Some("Dentalcare West Regional Practice Group".into()),
        city: Some("Llanfairpwllgwyngyll North".into()),
        state: Some("ILL".into()),
        postal_code: Some("62701-12345".into()),
        ..us_address()
    };
    let e = check(&dropship_to(long), &account(DistributorRules::TdSynnex, None)).unwrap_err();
    let DistributorRuleError::TooLong(fields) = &e else {
        panic!("{e:?}")
    };
    let named: Vec<(&str, &str)> = fields
        .iter()
        .map(|f| (f.field.as_str(), f.api_field.as_str()))
        .collect();
    assert_eq!(
        named,
        [
            ("ship-to name", "ShipTo/AddressName1"),
            ("ship-to city", "ShipTo/City"),
            ("ship-to state", "ShipTo/State"),
            ("ship-to postal code", "ShipTo/ZipCode"),
        ]
    );
    assert!(e
        .to_string()
        .contains("ship-to name \"Dentalcare West Regional Practice Group\" is 39 characters"));
    let three_lines = Address {
        street: Some("500 Main St\nSuite 4\nBack door".into()),
        ..us_address()
    };
    let e = text(check(
        &dropship_to(three_lines),
        &account(DistributorRules::TdSynnex, None),
    ));
    assert_eq!(e, "the ship-to address has 3 street lines; TD SYNNEX takes at most 2");
}

#[test]
fn ingram_names_long_address_fields_and_part_numbers() {
    let long = Address {
        name: Some("Northsea IT Services Central Depot Tampa FL".into()),
        ..us_address()
    };
    let mut o = dropship_to(long);
    o.end_user = Some(Address {
        state: Some("ILLI".into()),
        ..us_address()
    });
    let e = text(check(&o, &account(DistributorRules::Ingram, None)));
    assert!(
        e.contains("ship-to name") && e.contains("43 characters") && e.contains("shipToInfo.companyName"),
        "{e}"
    );
    o.ship_to = Some(us_address());
    let e = text(check(&o, &account(DistributorRules::Ingram, None)));
    assert!(e.contains("end-user state") && e.contains("endUserInfo.state"), "{e}");
    o.end_user = None;
    o.lines[0].distributor_sku = Some("PART-NUMBER-TOO-LONG-19".into());
    let e = text(check(&o, &account(DistributorRules::Ingram, None)));
    assert!(
        e.contains("line 1 part number") && e.contains("lines.ingramPartNumber"),
        "{e}"
    );
    o.lines[0].distributor_sku = None;
    let five = Address {
        street: Some("1\n2\n3\n4\n5".into()),
        ..us_address()
    };
    o.ship_to = Some(five);
    let e = text(check(&o, &account(DistributorRules::Ingram, None)));
    assert_eq!(
        e,
        "the ship-to address has 5 street lines; Ingram Micro takes at most 4"
    );
    // A wholesale order without an address goes to the account's own address.
    assert_eq!(
        check(&order(&[item(1, 2)]), &account(DistributorRules::Ingram, None)),
        Ok(())
    );
}

#[test]
fn pax8_needs_product_ids_and_one_customer() {
    let mut o = order(&[item(1, 2), item(2, 1)]);
    let e = text(check(&o, &account(DistributorRules::Pax8, None)));
    assert_eq!(
        e,
        "Pax8 orders need a Pax8 product id on every line; missing on line 1 (SKU-1), line 2 (SKU-2)"
    );
    for l in &mut o.lines {
        l.pax8_product_id = Some("a1b2".into());
    }
    assert_eq!(check(&o, &account(DistributorRules::Pax8, None)), Ok(()));
    let mut two = order(&[item(1, 2)]);
    two.lines.push(OrderLine::from_item(&other_customer(item(2, 1))));
    for l in &mut two.lines {
        l.pax8_product_id = Some("a1b2".into());
    }
    let e = text(check(&two, &account(DistributorRules::Pax8, None)));
    assert!(
        e.contains("more than one customer (Acme Dental (555), Globex (777))") && e.contains("split the order"),
        "{e}"
    );
}

#[test]
fn onetrail_needs_a_ship_to_for_dropship() {
    let mut o = dropship_to(address());
    assert_eq!(check(&o, &account(DistributorRules::Onetrail, None)), Ok(()));
    o.ship_to = None;
    assert_eq!(
        text(check(&o, &account(DistributorRules::Onetrail, None))),
        "a dropship order needs a ship-to address"
    );
}

#[test]
fn distributors_without_an_api_have_no_rules_of_their_own() {
    let mut o = dropship_to(address());
    o.ship_to = None;
    assert_eq!(check(&o, &account(DistributorRules::None, None)), Ok(()));
}

#[test]
fn an_account_billing_in_another_currency_refuses_the_order_whatever_its_kind() {
    let o = order(&[item(1, 2)]);
    assert_eq!(o.currency, "EUR");
    for rules in [
        DistributorRules::Ingram,
        DistributorRules::TdSynnex,
        DistributorRules::Pax8,
        DistributorRules::Onetrail,
        DistributorRules::None,
    ] {
        let usd = account(rules, Some(us_address())).billing_in(Some("USD".into()));
        assert_eq!(
            check(&o, &usd),
            Err(DistributorRuleError::Currency {
                order: "EUR".into(),
                account: "USD".into()
            }),
            "{rules:?}"
        );
    }
    // The same currency, or none set, passes this rule (the kind's own rules still apply).
    let none = account(DistributorRules::None, None);
    assert_eq!(check(&o, &none.clone().billing_in(Some("EUR".into()))), Ok(()));
    assert_eq!(check(&o, &none), Ok(()));
}
