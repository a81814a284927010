//! The distributor's rules are checked when an order is created, changed, sent for
//! approval and approved, so that an order TD SYNNEX would refuse never waits in the
//! background to fail: each refusal names the field and changes nothing.

use super::*;

/// TD SYNNEX (no connection needed for the checks) and our warehouse, with or without
/// its state.
fn td_config(warehouse_state: Option<&str>) -> String {
    let state = warehouse_state
        .map(|s| format!("state = \"{s}\"\n"))
        .unwrap_or_default();
    format!(
        r#"{}
[distributors.td]
kind = "tdsynnex_eu"
name = "TD SYNNEX"
currency = "EUR"

[company]
name = "Northsea IT Services"

[company.warehouse]
name = "Northsea IT Services"
street = "Stationsweg 8"
city = "Utrecht"
{state}postal_code = "3511 ED"
country = "NL"
"#,
        super::super::testkit::CONFIG
    )
}

/// Opens the same database with another configuration (a changed warehouse).
fn reconfigure(k: &mut Kit, toml: &str) {
    k.config = std::sync::Arc::new(crate::config::Config::parse(toml).unwrap());
    k.reopen();
}

/// A quote of `quantity` access points at 300.00, for TD SYNNEX.
fn td_quote(id: &str, state: Option<&str>, quantity: u32) -> QuoteJson {
    let mut ship_to = json!({"name": "Bakker Logistics", "street": "Havenstraat 200", "city": "Rotterdam",
        "postal_code": "3011 AA", "country": "NL"});
    if let Some(s) = state {
        ship_to["state"] = json!(s);
    }
    QuoteJson::new(id).ship_to(ship_to).line(
        json!({"line_id": "1", "kind": "product", "sku": "AP-650", "description": "Access point",
            "quantity": quantity, "unit_cost": "300.00", "unit_price": "400.00", "distributor": "td"}),
    )
}

fn create(
    k: &Kit,
    items: &[ItemId],
    order_type: OrderType,
    ship_to: Option<Address>,
) -> Result<crate::domain::Order, AppError> {
    k.create_order(
        &k.alice(),
        CreateOrder {
            distributor: "td".into(),
            order_type,
            ship_to,
            items: items.to_vec(),
            ..Default::default()
        },
    )
}

fn address(name: &str, state: &str) -> Address {
    Address {
        name: Some(name.into()),
        street: Some("Havenstraat 200".into()),
        city: Some("Rotterdam".into()),
        state: Some(state.into()),
        postal_code: Some("3011 AA".into()),
        country: Some("NL".into()),
        ..Address::default()
    }
}

#[test]
fn an_order_td_synnex_would_refuse_is_refused_at_create_and_edit() {
    let k = Kit::with_config(&td_config(None));
    let items = k.import(&td_quote("Q-1", None, 2));
    let before = k.snapshot();
    // Wholesale goes to our warehouse, which has no state.
    refused(
        create(&k, &items, OrderType::Wholesale, None),
        &["TD SYNNEX cannot take this order: the warehouse ([company.warehouse]) address lacks state"],
    );
    // Dropship goes to the quote's ship-to, which has none either.
    let e = refused(
        create(&k, &items, OrderType::Dropship, None),
        &["TD SYNNEX cannot take this order: the ship-to address lacks state"],
    );
    assert!(matches!(e, AppError::Rule(RuleError::Distributor { .. })), "{e:?}");
    k.assert_unchanged(&before);

    // With a state it is taken; an edit that makes it too long for TD SYNNEX is not.
    let po = create(&k, &items, OrderType::Dropship, Some(address("Bakker Logistics", "ZH")))
        .unwrap()
        .number;
    let before = k.snapshot();
    let long = "Bakker Logistics Distribution Centre"; // 36 characters; TD SYNNEX takes 30
    refused(
        k.edit_order(
            &k.alice(),
            po,
            OrderEdit {
                ship_to: Some(Some(address(long, "ZH"))),
                ..OrderEdit::default()
            },
        ),
        &[
            "ship-to name \"Bakker Logistics Distribution Centre\" is 36 characters",
            "at most 30",
            "ShipTo/AddressName1",
        ],
    );
    refused(
        k.edit_order(
            &k.alice(),
            po,
            OrderEdit {
                order_type: Some(OrderType::Wholesale),
                ..OrderEdit::default()
            },
        ),
        &["the warehouse ([company.warehouse]) address lacks state"],
    );
    k.assert_unchanged(&before);
}

#[test]
fn an_order_td_synnex_would_refuse_is_refused_before_approval_and_at_approval() {
    let mut k = Kit::with_config(&td_config(Some("UT")));
    k.add_rule(&k.ada(), rule("1000", None, "carol")).unwrap();
    // All wholesale: they go to our warehouse, which has its state now.
    let order_of = |quote: &str, quantity: u32| {
        let items = k.import(&td_quote(quote, Some("ZH"), quantity));
        create(&k, &items, OrderType::Wholesale, None).unwrap().number
    };
    let cheap = order_of("Q-1", 2);
    let big = order_of("Q-2", 10);
    let awaiting = order_of("Q-3", 10);
    let r = k
        .place(&k.alice(), place_req(awaiting, PlacementMethod::Manual))
        .unwrap();
    assert_eq!(r.order.status(), OrderStatus::AwaitingApproval);

    // The warehouse loses its state in the configuration.
    reconfigure(&mut k, &td_config(None));
    let before = k.snapshot();
    let missing = "TD SYNNEX cannot take this order: the warehouse ([company.warehouse]) address lacks state";
    // Placing at once, by API or by hand: refused at once, nothing is queued.
    refused(k.place(&k.alice(), place_req(cheap, PlacementMethod::Api)), &[missing]);
    refused(
        k.place(&k.alice(), place_req(cheap, PlacementMethod::Manual)),
        &[missing],
    );
    // Sending for approval: refused before carol is asked.
    refused(k.place(&k.alice(), place_req(big, PlacementMethod::Api)), &[missing]);
    // Approving: carol is refused too; the order keeps waiting for her.
    refused(
        k.place(&k.carol(), place_req(awaiting, PlacementMethod::Api)),
        &[missing],
    );
    k.assert_unchanged(&before);
    assert_eq!(k.order(big).unwrap().status(), OrderStatus::Pending);
    assert_eq!(k.order(awaiting).unwrap().status(), OrderStatus::AwaitingApproval);

    // With the state back, carol approves.
    reconfigure(&mut k, &td_config(Some("UT")));
    let r = k
        .place(&k.carol(), place_req(awaiting, PlacementMethod::Manual))
        .unwrap();
    assert_eq!(r.order.status(), OrderStatus::Submitted);
}

#[test]
fn an_order_in_another_currency_than_the_account_bills_in_is_refused() {
    let mut k = Kit::with_config(&td_config(Some("UT")));
    let usd = k.import(&td_quote("Q-1", Some("ZH"), 2).currency("USD"));
    let before = k.snapshot();
    let e = refused(
        create(&k, &usd, OrderType::Wholesale, None),
        &[
            "TD SYNNEX cannot take this order: the order is in USD and the account bills in EUR",
            "its items can only be ordered from a distributor that bills in USD",
        ],
    );
    assert!(matches!(e, AppError::Rule(RuleError::Distributor { .. })), "{e:?}");
    k.assert_unchanged(&before);
    // The same quote in EUR is taken.
    let eur = k.import(&td_quote("Q-2", Some("ZH"), 2));
    create(&k, &eur, OrderType::Wholesale, None).unwrap();

    // Without the setting nothing is known of the account's currency: the USD order is
    // made. Once the account says EUR it is refused when placed, and nothing is queued.
    let unset = td_config(Some("UT")).replace("currency = \"EUR\"\n", "");
    reconfigure(&mut k, &unset);
    let po = create(&k, &usd, OrderType::Wholesale, None).unwrap().number;
    reconfigure(&mut k, &td_config(Some("UT")));
    let before = k.snapshot();
    refused(
        k.place(&k.alice(), place_req(po, PlacementMethod::Api)),
        &["the order is in USD and the account bills in EUR"],
    );
    refused(
        k.place(&k.alice(), place_req(po, PlacementMethod::Manual)),
        &["the order is in USD and the account bills in EUR"],
    );
    k.assert_unchanged(&before);
}
