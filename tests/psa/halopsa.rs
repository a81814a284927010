//! HaloPSA end to end against the fake on 127.0.0.1: sales order, note, purchase order,
//! opportunity status; stock records and serialized assets as goods arrive; refusals
//! before anything is sent; no duplicates across faults and a restart.

use crate::common::{quote, secret_file, World, USERS};
use purser::domain::job::JobState;
use purser::sandbox::psa::halopsa::{self, HalopsaSandbox};
use purser::sandbox::psa::{FakePsa, Fault};
use purser::store::psa::PsaSyncStatus;
use serde_json::Value;

fn config(fake: &FakePsa, secrets: &std::path::Path, supplier: i64) -> String {
    let sb = HalopsaSandbox::default();
    let secret = secret_file(secrets, "halo-secret", &sb.client_secret);
    format!(
        r#"{USERS}
[psa]
kind = "halopsa"
base_url = "{root}"
timeout_secs = 2
[psa.stages]
placed = "Won - Ordering"
partial = "Partially Delivered"
completed = "Delivered"
[psa.vendors]
ingram = {supplier}
[psa.halopsa]
client_id = "{client}"
client_secret_file = "{secret}"
stock_location_id = 2
stock_bin_id = 5
"#,
        root = fake.root(),
        client = sb.client_id,
        secret = secret.display()
    )
}

fn one(fake: &FakePsa, entity: &str) -> Value {
    let all = fake.entities(entity);
    assert_eq!(all.len(), 1, "exactly one {entity}: {all:#?}");
    all[0].clone()
}

fn status(fake: &FakePsa) -> i64 {
    fake.entities("Opportunities")[0]["status_id"].as_i64().unwrap()
}

const ITEMS: [&str; 3] = ["501", "502", "503"];

#[test]
fn the_full_story_creates_exactly_the_reference_entities_once() {
    let fake = halopsa::start(HalopsaSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let mut w = World::new(&config(&fake, secrets.path(), 41));
    let po = w.place(&quote("3301", "12", "880", ITEMS), "25.00");

    fake.inject("POST", "/SalesOrder", Fault::DropAfterCreate);
    fake.inject("POST", "/Actions", Fault::Status(401, "\"token expired\"".into()));
    fake.inject("POST", "/PurchaseOrder", Fault::RateLimit(30));
    let r = w.run_once();
    assert_eq!(r.retrying.len(), 1, "{r:?}");
    assert_eq!(fake.entities("SalesOrder").len(), 1);
    w.restart();
    w.drain();
    assert_eq!(w.svc.psa_sync_state(po).unwrap().unwrap().status, PsaSyncStatus::Synced);

    // The sales order: linked to quotation and opportunity, lines with cost, price, supplier.
    let so = one(&fake, "SalesOrder");
    assert_eq!(so["client_id"], 12);
    assert_eq!(so["ticket_id"], 880);
    assert_eq!(so["quotation_id"], 3301);
    assert_eq!(so["po_number"], "PO-000001");
    let lines = so["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["item_id"], 501);
    assert_eq!(lines[0]["supplier_id"], 41);
    assert_eq!(lines[0]["costprice"].to_string(), "899");
    assert_eq!(lines[0]["baseprice"].to_string(), "1149");
    assert_eq!(lines[0]["quantity"], 3);
    assert_eq!(lines[0]["quotation_line_id"], 1);
    assert!(
        lines.iter().all(|l| l["item_description"].is_string()),
        "no separate shipping line"
    );

    // The note on the sales order, hidden from the customer.
    let note = one(&fake, "Actions");
    assert_eq!(note["salesorder_id"], so["id"]);
    assert_eq!(note["hiddenfromuser"], true);
    assert_eq!(note["sendemail"], false);

    // The purchase order: supplier and sales order, goods lines only, linked line by line.
    let order = one(&fake, "PurchaseOrder");
    assert_eq!(order["supplier_id"], 41);
    assert_eq!(order["salesorder_id"], so["id"]);
    assert_eq!(order["client_id"], 12);
    assert_eq!(order["po_ref"], "PO-000001");
    assert_eq!(order["deliver_to_so_address"], true);
    let pol = order["lines"].as_array().unwrap();
    assert_eq!(pol.len(), 2, "the service is no purchase-order line");
    assert_eq!(pol[0]["salesorder_line_id"], lines[0]["id"]);
    assert_eq!(pol[1]["salesorder_line_id"], lines[1]["id"]);
    assert_eq!(status(&fake), 21);

    // Partial: two serialized notebooks; the stock answer is lost, then a timeout on the asset.
    fake.inject("POST", "/ItemStock", Fault::DropAfterCreate);
    fake.inject("POST", "/Asset", Fault::Hang(4));
    w.advance(60);
    w.receive(po, 1, 2, &["SN-H1", "SN-H2"]);
    w.run_once();
    w.restart();
    w.drain();
    let stock = one(&fake, "ItemStock");
    assert_eq!(stock["item_id"], 501);
    assert_eq!(stock["quantity_in"], 2);
    assert_eq!(stock["cost"].to_string(), "899");
    assert_eq!(stock["supplier_id"], 41);
    assert_eq!(stock["stocklocation_id"], 2);
    assert_eq!(stock["stockbin_id"], 5);
    assert_eq!(stock["purchaseorder_id"], order["id"]);
    assert_eq!(stock["purchaseorder_line_id"], pol[0]["id"]);
    let assets = fake.entities("Asset");
    assert_eq!(assets.len(), 2, "{assets:#?}");
    assert!(assets
        .iter()
        .all(|a| a["assettype_id"] == 7 && a["client_id"] == 12 && a["item_id"] == 501));
    assert_eq!(status(&fake), 22);

    // Full: the last notebook, the docks (no asset type: no asset), the service (nothing).
    w.advance(60);
    w.receive(po, 1, 1, &["SN-H3"]);
    w.receive(po, 2, 2, &[]);
    w.receive(po, 3, 5, &[]);
    w.drain();
    let stock = fake.entities("ItemStock");
    assert_eq!(stock.len(), 3, "{stock:#?}");
    assert_eq!(fake.entities("Asset").len(), 3);
    assert_eq!(status(&fake), 23);
    assert_eq!(fake.entities("SalesOrder").len(), 1);
    assert_eq!(fake.entities("PurchaseOrder").len(), 1);
    assert_eq!(fake.entities("Actions").len(), 1);
    assert_eq!(fake.violations(), Vec::<String>::new());
    assert!(
        w.jobs().iter().all(|j| matches!(j.state, JobState::Done { .. })),
        "{:#?}",
        w.jobs()
    );
}

#[test]
fn items_of_two_companies_are_refused_before_anything_is_sent() {
    let fake = halopsa::start(HalopsaSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    // Standalone policy lets the order hold two companies only without HaloPSA; build the
    // order first, then connect HaloPSA (as when the PSA is switched on later).
    let text = config(&fake, secrets.path(), 41);
    let standalone = World::new(USERS);
    let alice = standalone.actor("alice");
    standalone
        .svc
        .import_text(&alice, "a.json", &quote("3301", "12", "880", ITEMS))
        .unwrap();
    standalone
        .svc
        .import_text(
            &alice,
            "b.json",
            &quote("3302", "13", "880", ITEMS)
                .replace("Dentalcare West", "Bakker Logistics")
                .replace("C-77", "C-78"),
        )
        .unwrap();
    let items: Vec<u64> = standalone
        .svc
        .list_items(&Default::default())
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    let po = standalone
        .svc
        .create_order(
            &alice,
            purser::app::CreateOrder {
                distributor: "ingram".into(),
                items,
                ..Default::default()
            },
        )
        .unwrap()
        .number;
    standalone
        .svc
        .place(
            &alice,
            purser::app::PlaceRequest {
                po,
                method: purser::domain::PlacementMethod::Skip,
                link: None,
            },
        )
        .unwrap();
    let path = standalone.path.clone();
    let clock = standalone.clock.clone();
    drop(standalone.svc);
    let svc = purser::app::Service::new(
        purser::store::Store::open(&path).unwrap(),
        std::sync::Arc::new(purser::config::Config::parse(&text).unwrap()),
        std::sync::Arc::new(move || {
            chrono::DateTime::from_timestamp(clock.load(std::sync::atomic::Ordering::SeqCst), 0).unwrap()
        }),
    );
    let job = svc.jobs().unwrap();
    assert!(job.is_empty(), "standalone queued no PSA job");
    // A PSA sync queued by hand (as `purser sync run` would find one).
    let outcome = purser::jobs::outbox::work_now(
        &svc,
        &purser::domain::job::Job::new(99, purser::domain::job::JobKind::PsaSync { po }, svc.now()),
    );
    let purser::app::JobOutcome::Failed(msg) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(msg.contains("more than one customer company"), "{msg}");
    assert!(
        msg.contains("Dentalcare West (12)") && msg.contains("Bakker Logistics (13)"),
        "{msg}"
    );
    assert!(fake.entities("SalesOrder").is_empty());
    assert!(fake.requests().iter().all(|r| !r.starts_with("POST /SalesOrder")));
}

#[test]
fn a_distributor_that_is_not_a_halo_supplier_is_refused_saying_which() {
    let fake = halopsa::start(HalopsaSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    // 12 is a client, not a supplier.
    let w = World::new(&config(&fake, secrets.path(), 12));
    w.place(&quote("3301", "12", "880", ITEMS), "0");
    let r = w.run_once();
    let msg = &r.failed[0].1;
    assert!(
        msg.contains("Ingram Micro (Halo id 12) is not a supplier company in Halo"),
        "{msg}"
    );
    assert!(fake.entities("SalesOrder").is_empty());
    assert_eq!(w.svc.psa_sync_status().unwrap()[0].sync, "failed");
}

#[test]
fn a_note_whose_answer_was_lost_is_found_without_an_opportunity() {
    let fake = halopsa::start(HalopsaSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path(), 41));
    // A quote without an opportunity: the note hangs on the sales order alone.
    let q = quote("3301", "12", "880", ITEMS).replace(r#""opportunity_id": "880","#, "");
    assert!(!q.contains("opportunity_id"));
    let po = w.place(&q, "0");
    // Halo creates the note, but its answer never arrives.
    fake.inject("POST", "/Actions", Fault::DropAfterCreate);
    let r = w.run_once();
    assert_eq!(r.retrying.len(), 1, "{r:?}");
    assert_eq!(fake.entities("Actions").len(), 1);
    w.drain();
    assert_eq!(w.svc.psa_sync_state(po).unwrap().unwrap().status, PsaSyncStatus::Synced);
    // Found by its outcome and the marker its text starts with, never created twice.
    let note = one(&fake, "Actions");
    let so = one(&fake, "SalesOrder");
    assert_eq!(note["salesorder_id"], so["id"]);
    assert!(note.get("ticket_id").is_none());
    assert!(note["note"].as_str().unwrap().starts_with("Purser PO-000001:"));
    assert!(
        fake.requests().contains(&"GET /Actions".to_string()),
        "{:?}",
        fake.requests()
    );
    assert_eq!(one(&fake, "PurchaseOrder")["salesorder_id"], so["id"]);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn a_huge_retry_after_waits_an_hour_at_most() {
    let fake = halopsa::start(HalopsaSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path(), 41));
    let po = w.place(&quote("3301", "12", "880", ITEMS), "0");
    // Far more seconds than any date can hold.
    fake.inject("POST", "/SalesOrder", Fault::RateLimit(100_000_000_000_000_000));
    let r = w.run_once();
    assert_eq!(r.retrying.len(), 1, "{r:?}");
    let state = w.svc.psa_sync_state(po).unwrap().unwrap();
    assert_eq!(state.retry_at, Some(w.svc.now() + chrono::Duration::hours(1)));
    assert!(
        state
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("retrying after 3600 s"),
        "{state:?}"
    );
    w.advance(3600);
    w.drain();
    assert_eq!(w.svc.psa_sync_state(po).unwrap().unwrap().status, PsaSyncStatus::Synced);
    assert_eq!(fake.entities("SalesOrder").len(), 1);
}

#[test]
fn a_manufacturer_only_company_is_refused_as_the_supplier_naming_the_distributor() {
    let fake = halopsa::start(HalopsaSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    // 44 is a company in Halo, a manufacturer only: GET /Supplier/44 answers 200 with
    // is_supplier false.
    let w = World::new(&config(&fake, secrets.path(), 44));
    w.place(&quote("3301", "12", "880", ITEMS), "0");
    let r = w.run_once();
    assert_eq!(r.failed.len(), 1, "{r:?}");
    let msg = &r.failed[0].1;
    for want in [
        "was not sent to HaloPSA",
        "Ingram Micro (Halo id 44) is not a supplier company in Halo",
        "\"Lenovo\"",
        "is_supplier is false",
        "[psa.vendors] ingram = 44",
    ] {
        assert!(msg.contains(want), "{want} in: {msg}");
    }
    assert!(
        fake.requests()
            .iter()
            .all(|r| !r.starts_with("POST /") || r == "POST /auth/token"),
        "nothing sent: {:?}",
        fake.requests()
    );
    assert_eq!(w.svc.psa_sync_status().unwrap()[0].sync, "failed");
    // The buyer who placed the order is told, not whoever's process ran the sync.
    let po = w.svc.psa_sync_status().unwrap()[0].po;
    let told = w.svc.notices_of(po).unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].text.contains("is not a supplier company in Halo"), "{told:?}");
    let placer = w.svc.order(po).unwrap().submission().unwrap().by.clone();
    assert_eq!(told[0].user, placer);
    let problems = purser::jobs::db::block_on(purser::jobs::psa::check(w.svc.config()));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("[psa.vendors] ingram = 44") && problems[0].contains("\"Lenovo\""),
        "{problems:?}"
    );
    // The sandbox refuses a purchase order naming it as the supplier, as Halo does, with a
    // message that knows nothing of Purser's distributors.
    let sb = HalopsaSandbox::default();
    let http = reqwest::blocking::Client::new();
    let token: Value = http
        .post(format!("{}/auth/token", fake.root()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", sb.client_id.as_str()),
            ("client_secret", sb.client_secret.as_str()),
            ("scope", "all"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let answer = http
        .post(format!("{}/api/PurchaseOrder", fake.root()))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&serde_json::json!([{"supplier_id": 44, "lines": [{"item_id": 502, "quantity": 1}]}]))
        .send()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    assert!(answer.text().unwrap().contains("44 is not a supplier"));
    assert!(fake.entities("PurchaseOrder").is_empty());
}
