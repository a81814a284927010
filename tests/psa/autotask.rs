//! Autotask end to end against the fake on 127.0.0.1: place an order, receive part of it,
//! receive the rest; the fake holds exactly the entities the reference creates, none
//! twice, across dropped connections, rate limits, server errors, timeouts and restarts.

use crate::common::{quote, secret_file, World, USERS, WAREHOUSE};
use purser::app::JobOutcome;
use purser::domain::job::JobState;
use purser::domain::OrderType;
use purser::sandbox::psa::autotask::{self, AutotaskSandbox};
use purser::sandbox::psa::{FakePsa, Fault};
use purser::store::psa::PsaSyncStatus;
use serde_json::Value;

fn config(fake: &FakePsa, secrets: &std::path::Path, extra: &str) -> String {
    let sb = AutotaskSandbox::default();
    let code = secret_file(secrets, "at-code", &sb.integration_code);
    let secret = secret_file(secrets, "at-secret", &sb.secret);
    format!(
        r#"{USERS}
{WAREHOUSE}
[psa]
kind = "autotask"
base_url = "{url}"
timeout_secs = 2
order_url = "https://purser.example.org/orders/{{po}}"
[psa.stages]
placed = "Ordered"
partial = "Partially Delivered"
completed = "Delivered"
[psa.vendors]
ingram = 29683
[psa.autotask]
username = "{user}"
integration_code_file = "{code}"
secret_file = "{secret}"
ticket_status = "New"
ticket_priority = "Medium"
ticket_queue = "Post Sale"
ticket_type = "Service Request"
charge_status = "Ordered"
shipping_billing_code_id = 29682801
note_type = "Task Notes"
note_publish = "Internal Only"
purchase_orders = true
purchase_order_status = "New"
inventory_location_id = 3
{extra}
"#,
        url = fake.url(),
        user = sb.username,
        code = code.display(),
        secret = secret.display()
    )
}

fn one(fake: &FakePsa, entity: &str) -> Value {
    let all = fake.entities(entity);
    assert_eq!(all.len(), 1, "exactly one {entity}: {all:#?}");
    all[0].clone()
}

fn opportunity_stage(fake: &FakePsa, id: i64) -> i64 {
    fake.entities("Opportunities")
        .iter()
        .find(|o| o["id"].as_i64() == Some(id))
        .unwrap()["stage"]
        .as_i64()
        .unwrap()
}

const QUOTE_PRODUCTS: [&str; 3] = ["29684", "29685", "29686"];

#[test]
fn the_full_story_creates_exactly_the_reference_entities_once() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let mut w = World::new(&config(&fake, secrets.path(), ""));
    let po = w.place(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "25.00");

    // Faults on the way: the first charge is created but its answer is lost, the note meets
    // a server error, the attachment a timeout, the purchase order a rate limit, and the
    // first PO item is created and the connection dropped.
    fake.inject("POST", "/V1.0/Tickets/{parentId}/Charges", Fault::DropAfterCreate);
    fake.inject(
        "POST",
        "/V1.0/Tickets/{parentId}/Notes",
        Fault::Status(503, "{\"errors\":[\"busy\"]}".into()),
    );
    fake.inject("POST", "/V1.0/Tickets/{parentId}/Attachments", Fault::Hang(4));
    fake.inject("POST", "/V1.0/PurchaseOrders", Fault::RateLimit(30));
    fake.inject("POST", "/V1.0/PurchaseOrders/{parentId}/Items", Fault::DropAfterCreate);

    // First run: the charge's answer is lost: retry later, nothing recorded twice.
    let r = w.run_once();
    assert_eq!(r.retrying.len(), 1, "{r:?}");
    assert_eq!(fake.entities("TicketCharges").len(), 1);
    // A restart in the middle.
    w.restart();
    w.drain();
    let state = w.svc.psa_sync_state(po).unwrap().unwrap();
    assert_eq!(state.status, PsaSyncStatus::Synced, "{state:#?}");
    assert!(
        state.steps.iter().any(|s| s.adopted),
        "a lost answer was found by our reference"
    );

    // Exactly one ticket for the customer company, with resolved picklist codes.
    let ticket = one(&fake, "Tickets");
    let tid = ticket["id"].as_i64().unwrap();
    assert_eq!(ticket["companyID"], 174);
    assert_eq!(ticket["status"], 1);
    assert_eq!(ticket["priority"], 2);
    assert_eq!(ticket["queueID"], 29683482);
    assert_eq!(ticket["ticketType"], 1);
    assert_eq!(ticket["opportunityID"], 1201);
    assert_eq!(ticket["purchaseOrderNumber"], "PO-000001");

    // One operational charge per goods line, and the shipping charge; none for the service.
    let charges = fake.entities("TicketCharges");
    assert_eq!(charges.len(), 3, "{charges:#?}");
    let nb = charges
        .iter()
        .find(|c| c["productID"] == 29684)
        .expect("notebook charge");
    assert_eq!(nb["ticketID"], tid);
    assert_eq!(nb["chargeType"], 1);
    assert_eq!(nb["status"], 7);
    assert_eq!(nb["unitQuantity"], 3);
    assert_eq!(nb["unitCost"].to_string(), "899");
    assert_eq!(nb["unitPrice"].to_string(), "1149");
    let dock = charges.iter().find(|c| c["productID"] == 29685).expect("dock charge");
    assert_eq!(dock["unitQuantity"], 2);
    assert_eq!(dock["unitCost"].to_string(), "189.5");
    assert!(
        charges.iter().all(|c| c["productID"] != 29686),
        "the service is no charge"
    );
    let ship = charges
        .iter()
        .find(|c| c["billingCodeID"] == 29682801)
        .expect("shipping charge");
    assert_eq!(ship["unitCost"].to_string(), "25");
    assert!(ship["productID"].is_null());

    // Internal-only note and the URL attachment.
    let note = one(&fake, "TicketNotes");
    assert_eq!(note["ticketID"], tid);
    assert_eq!(note["publish"], 4);
    assert_eq!(note["noteType"], 3);
    assert!(note["description"].as_str().unwrap().contains("PO-000001"));
    let att = one(&fake, "TicketAttachments");
    assert_eq!(att["parentID"], tid);
    assert_eq!(att["attachmentType"], "URL");
    assert_eq!(att["fullPath"], "https://purser.example.org/orders/PO-000001");
    assert_eq!(att["publish"], 6);

    // The purchase order: vendor = distributor company, dropship ship-to, items at the
    // configured location, linked to ticket and charge; no item for the service; submitted
    // once its items are on it.
    let order = one(&fake, "PurchaseOrders");
    assert_eq!(order["vendorID"], 29683);
    assert_eq!(order["status"], 2, "Submitted");
    assert_eq!(order["purchaseForCompanyID"], 174);
    assert_eq!(order["externalPONumber"], "PO-000001");
    assert_eq!(order["shipToName"], "Dentalcare West");
    assert_eq!(order["shipToAddress1"], "Kanaalweg 12");
    assert_eq!(order["shipToCity"], "Utrecht");
    assert_eq!(order["shipToPostalCode"], "3526 KL");
    let items = fake.entities("PurchaseOrderItems");
    assert_eq!(items.len(), 2, "{items:#?}");
    for i in &items {
        assert_eq!(i["orderID"], order["id"]);
        assert_eq!(i["inventoryLocationID"], 3);
        assert_eq!(i["ticketID"], tid);
    }
    let nb_item = items.iter().find(|i| i["productID"] == 29684).unwrap().clone();
    assert_eq!(nb_item["quantity"], 3);
    assert_eq!(nb_item["chargeID"], nb["id"]);
    let dock_item = items.iter().find(|i| i["productID"] == 29685).unwrap().clone();

    // The opportunity's stage, resolved by label.
    assert_eq!(opportunity_stage(&fake, 1201), 11);

    // Partial receipt: two serials of the notebook; the first record's answer is lost.
    fake.inject(
        "POST",
        "/V1.0/PurchaseOrderItems/{parentId}/Receiving",
        Fault::DropAfterCreate,
    );
    w.advance(60);
    w.receive(po, 1, 2, &["SN-A1", "SN-A2"]);
    w.run_once();
    w.restart();
    w.drain();
    let rec = fake.entities("PurchaseOrderItemReceiving");
    assert_eq!(rec.len(), 2, "{rec:#?}");
    assert!(rec
        .iter()
        .all(|r| r["purchaseOrderItemID"] == nb_item["id"] && r["quantityNowReceiving"] == 1));
    let mut serials: Vec<&str> = rec.iter().map(|r| r["serialNumber"].as_str().unwrap()).collect();
    serials.sort();
    assert_eq!(serials, ["SN-A1", "SN-A2"]);
    assert!(rec
        .iter()
        .all(|r| r["receiveDate"].as_str().unwrap().starts_with("2027-")));
    assert_eq!(opportunity_stage(&fake, 1201), 12);

    // Full receipt: the last notebook, both docks, and the service (nothing in Autotask).
    w.advance(60);
    w.receive(po, 1, 1, &["SN-A3"]);
    fake.inject(
        "POST",
        "/V1.0/PurchaseOrderItems/{parentId}/Receiving",
        Fault::Status(502, String::new()),
    );
    w.receive(po, 2, 2, &[]);
    w.receive(po, 3, 5, &[]);
    w.drain();
    let rec = fake.entities("PurchaseOrderItemReceiving");
    assert_eq!(rec.len(), 4, "{rec:#?}");
    let docks: Vec<&Value> = rec
        .iter()
        .filter(|r| r["purchaseOrderItemID"] == dock_item["id"])
        .collect();
    assert_eq!(docks.len(), 1);
    assert_eq!(docks[0]["quantityNowReceiving"], 2);
    assert!(docks[0]["serialNumber"].is_null());
    assert_eq!(opportunity_stage(&fake, 1201), 13);
    assert_eq!(one(&fake, "PurchaseOrders")["status"], 4, "Received Full");
    let patches = fake
        .requests()
        .iter()
        .filter(|r| *r == "PATCH /V1.0/PurchaseOrders")
        .count();
    assert_eq!(patches, 1, "submitted once");

    // Nothing else was created, nothing twice, and every request kept to the specification.
    assert_eq!(fake.entities("Tickets").len(), 1);
    assert_eq!(fake.entities("TicketCharges").len(), 3);
    assert_eq!(fake.entities("PurchaseOrderItems").len(), 2);
    assert_eq!(fake.violations(), Vec::<String>::new());
    assert!(
        w.jobs().iter().all(|j| matches!(j.state, JobState::Done { .. })),
        "{:#?}",
        w.jobs()
    );

    // `sync status` shows it per order.
    let status = w.svc.psa_sync_status().unwrap();
    assert_eq!(status.len(), 1);
    assert_eq!(status[0].sync, "synced");
    assert_eq!(status[0].receipts_sent.len(), 4);
    assert_eq!(status[0].stage.as_deref(), Some("Delivered"));
    // The trail records each created entity.
    let trail = w.svc.audit(&Default::default()).unwrap();
    assert!(trail.iter().filter(|e| e.action == "psa.created").count() >= 9);
}

#[test]
fn a_validation_error_stops_the_order_with_the_psa_message() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path(), ""));
    // Product 77777 is not in this Autotask.
    let po = w.place(&quote("Q-1", "174", "1201", ["77777", "29685", "29686"]), "0");
    let r = w.run_once();
    assert_eq!(r.failed.len(), 1, "{r:?}");
    let msg = &r.failed[0].1;
    assert!(
        msg.contains("Autotask refused") && msg.contains("productID 77777 does not exist"),
        "{msg}"
    );
    let state = w.svc.psa_sync_state(po).unwrap().unwrap();
    assert_eq!(state.status, PsaSyncStatus::Failed);
    assert_eq!(state.last_error.as_deref(), Some(msg.as_str()));
    let status = w.svc.psa_sync_status().unwrap();
    assert_eq!(status[0].sync, "failed");
    // The ticket exists once; a retry by hand continues, and fails the same way without
    // creating the ticket again.
    assert_eq!(fake.entities("Tickets").len(), 1);
    w.svc.psa_retry(&w.actor("alice"), po).unwrap();
    let r = w.run_once();
    assert_eq!(r.failed.len(), 1);
    assert_eq!(fake.entities("Tickets").len(), 1);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn an_unknown_picklist_label_stops_before_anything_is_created() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let text =
        config(&fake, secrets.path(), "").replace("ticket_queue = \"Post Sale\"", "ticket_queue = \"Post-sale\"");
    let w = World::new(&text);
    w.place(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "0");
    let r = w.run_once();
    let msg = &r.failed[0].1;
    assert!(msg.contains("ticket_queue = \"Post-sale\""), "{msg}");
    assert!(
        msg.contains("Post Sale, Client Portal"),
        "the offered labels are listed: {msg}"
    );
    assert!(fake.entities("Tickets").is_empty());
    // `psa check` finds the same before any order.
    let problems = purser::jobs::db::block_on(purser::jobs::psa::check(w.svc.config()));
    assert_eq!(problems.len(), 1, "{problems:?}");
}

#[test]
fn missing_settings_keep_the_job_waiting_with_each_one_named() {
    let w = World::new(&format!("{USERS}\n[psa]\nkind = \"autotask\"\n"));
    w.place(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "0");
    let r = w.run_once();
    assert_eq!(r.waiting.len(), 1);
    let why = &r.waiting[0].1;
    assert!(
        why.contains("stages.placed") && why.contains("[psa.autotask] section"),
        "{why}"
    );
    assert!(matches!(w.jobs()[0].state, JobState::Queued { .. }));
}

#[test]
fn wrong_credentials_are_a_permanent_failure_without_the_secret_in_the_message() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path(), ""));
    secret_file(secrets.path(), "at-secret", "wrong-secret-value");
    w.place(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "0");
    let r = w.run_once();
    let msg = &r.failed[0].1;
    assert!(msg.contains("refused Purser's credentials (401)"), "{msg}");
    assert!(!msg.contains("wrong-secret-value"));
    assert!(fake.entities("Tickets").is_empty());
}

#[test]
fn a_receipt_undone_before_it_was_sent_sends_nothing() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path(), ""));
    let po = w.place(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "0");
    w.drain();
    let receipt = w.receive(po, 2, 1, &[]);
    w.svc.unreceive(&w.actor("rick"), po, receipt).unwrap();
    w.drain();
    assert!(fake.entities("PurchaseOrderItemReceiving").is_empty());
    let state = w.svc.psa_sync_state(po).unwrap().unwrap();
    assert_eq!(state.receipts_skipped, vec![receipt]);
    // One undone after it was sent is flagged for a person.
    let receipt = w.receive(po, 2, 1, &[]);
    w.drain();
    w.svc.unreceive(&w.actor("rick"), po, receipt).unwrap();
    let status = w.svc.psa_sync_status().unwrap();
    assert!(
        status[0].attention[0].contains("reverse it there by hand"),
        "{:?}",
        status[0].attention
    );
    assert_eq!(fake.entities("PurchaseOrderItemReceiving").len(), 1);
    let _ = JobOutcome::Done(None);
}

#[test]
fn a_lease_that_ran_out_runs_again_without_creating_anything_twice() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let mut w = World::new(&config(&fake, secrets.path(), ""));
    w.place(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "25.00");
    // A process claims the job, does all the work, and dies before recording the outcome.
    let job = w.svc.claim_job("rick@crashed", None).unwrap().expect("claimed");
    let outcome = purser::jobs::outbox::work_now(&w.svc, &job);
    assert_eq!(outcome, JobOutcome::Done(None));
    let created = fake
        .requests()
        .iter()
        .filter(|r| r.starts_with("POST /V1.0/") && !r.ends_with("/query"))
        .count();
    w.restart();
    w.advance(purser::app::JOB_LEASE_SECS + 1);
    let r = w.run_once();
    assert_eq!(r.done.len(), 1, "resend-safe: run again, not left uncertain: {r:?}");
    let again = fake
        .requests()
        .iter()
        .filter(|r| r.starts_with("POST /V1.0/") && !r.ends_with("/query"))
        .count();
    assert_eq!(again, created, "nothing created the second time");
    assert_eq!(fake.entities("Tickets").len(), 1);
    assert_eq!(fake.entities("TicketCharges").len(), 3);
}

#[test]
fn a_retry_after_is_waited_out() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path(), ""));
    w.place(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "0");
    fake.inject("POST", "/V1.0/Tickets", Fault::RateLimit(300));
    let r = w.run_once();
    assert!(
        r.retrying[0].1.contains("429") && r.retrying[0].1.contains("300 s"),
        "{r:?}"
    );
    let tries = || fake.requests().iter().filter(|r| *r == "POST /V1.0/Tickets").count();
    assert_eq!(tries(), 1);
    // The backoff is over, the Retry-After is not: no request.
    w.advance(100);
    let r = w.run_once();
    assert!(r.retrying[0].1.contains("asked Purser to wait until"), "{r:?}");
    assert_eq!(tries(), 1);
    w.advance(300);
    w.drain();
    assert_eq!(tries(), 2);
    assert_eq!(fake.entities("Tickets").len(), 1);
}

fn requests_of(fake: &FakePsa, request: &str) -> usize {
    fake.requests().iter().filter(|r| *r == request).count()
}

#[test]
fn a_wholesale_purchase_order_ships_to_the_warehouse() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path(), ""));
    w.place_as(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "0", OrderType::Wholesale);
    let r = w.run_once();
    assert_eq!(r.done.len(), 1, "{r:?}");
    let order = one(&fake, "PurchaseOrders");
    assert_eq!(order["shipToName"], "Northsea IT depot");
    assert_eq!(order["shipToAddress1"], "Stationsweg 8");
    assert_eq!(order["shipToCity"], "Utrecht");
    assert_eq!(order["shipToPostalCode"], "3511 ED");
    // The instance's fields were read once in the run, not once per create.
    assert_eq!(
        requests_of(&fake, "GET /V1.0/PurchaseOrders/entityInformation/fields"),
        1
    );
    assert_eq!(
        requests_of(&fake, "GET /V1.0/TicketCharges/entityInformation/fields"),
        1
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn a_purchase_order_without_its_required_ship_to_is_stopped_before_anything_is_sent() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    // No [company.warehouse]: a wholesale order has nowhere to ship to.
    let w = World::new(&config(&fake, secrets.path(), "").replace(WAREHOUSE, ""));
    let po = w.place_as(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "0", OrderType::Wholesale);
    let r = w.run_once();
    assert_eq!(r.failed.len(), 1, "{r:?}");
    let msg = &r.failed[0].1;
    for want in [
        "PO-000001 was not sent",
        "shipToName",
        "shipToAddress1",
        "PurchaseOrders",
        "[company.warehouse]",
    ] {
        assert!(msg.contains(want), "{want} in: {msg}");
    }
    // Nothing was created: the check comes before the ticket.
    assert!(fake
        .requests()
        .iter()
        .all(|r| !r.starts_with("POST /V1.0/") || r.ends_with("/query")));
    assert_eq!(w.svc.psa_sync_state(po).unwrap().unwrap().status, PsaSyncStatus::Failed);
    // `sync check` says so before any order.
    let problems = purser::jobs::db::block_on(purser::jobs::psa::check(w.svc.config()));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("shipToName") && problems[0].contains("[company.warehouse], which is not set"),
        "{problems:?}"
    );

    // The sandbox refuses such a purchase order as Autotask does, naming the field.
    let sb = AutotaskSandbox::default();
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/V1.0/PurchaseOrders", fake.url()))
        .header("ApiIntegrationCode", &sb.integration_code)
        .header("UserName", &sb.username)
        .header("Secret", &sb.secret)
        .json(&serde_json::json!({"vendorID": 29683, "status": 1, "shipToName": " "}))
        .send()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 500);
    let body: Value = answer.json().unwrap();
    let errors = body["errors"].to_string();
    assert!(
        errors.contains("shipToName") && errors.contains("shipToAddress1"),
        "{errors}"
    );
    assert!(fake.entities("PurchaseOrders").is_empty());
}

#[test]
fn the_required_flags_are_read_from_the_instance() {
    // This instance also requires a ticket type; the configuration sets none.
    let mut sb = AutotaskSandbox::default();
    sb.required.push(("Tickets", "ticketType"));
    let fake = autotask::start(sb).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let text = config(&fake, secrets.path(), "").replace("ticket_type = \"Service Request\"\n", "");
    let w = World::new(&text);
    w.place(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "0");
    let r = w.run_once();
    let msg = &r.failed[0].1;
    assert!(
        msg.contains("requires ticketType on Tickets") && msg.contains("creating the post-sale ticket"),
        "{msg}"
    );
    assert_eq!(requests_of(&fake, "POST /V1.0/Tickets"), 0, "nothing sent");
    // The fields served say so.
    let fields = reqwest::blocking::Client::new()
        .get(format!("{}/V1.0/Tickets/entityInformation/fields", fake.url()))
        .header("ApiIntegrationCode", &AutotaskSandbox::default().integration_code)
        .header("UserName", &AutotaskSandbox::default().username)
        .header("Secret", &AutotaskSandbox::default().secret)
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap();
    let tt = fields["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "ticketType")
        .unwrap()
        .clone();
    assert_eq!(tt["isRequired"], true);
}

#[test]
fn the_purchase_order_is_submitted_before_anything_is_received() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path(), ""));
    let po = w.place(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "0");
    w.drain();
    // Created New (items go only on a new purchase order), then submitted: the order is placed.
    let order = one(&fake, "PurchaseOrders");
    assert_eq!(order["status"], 2, "Submitted");
    assert_eq!(fake.entities("PurchaseOrderItems").len(), 2);
    let order_id = order["id"].as_i64().unwrap();

    // A purchase order an earlier Purser left New: submitted before the first record.
    fake.with_state(|s| s.get_mut("PurchaseOrders", order_id).unwrap()["status"] = 1.into());
    w.svc
        .psa_update(po, |s| s.steps.retain(|x| x.key != "purchase_order/submitted"))
        .unwrap();
    w.receive(po, 2, 1, &[]);
    w.drain();
    assert_eq!(fake.entities("PurchaseOrderItemReceiving").len(), 1);
    assert_eq!(one(&fake, "PurchaseOrders")["status"], 3, "Received Partial");
    assert_eq!(requests_of(&fake, "PATCH /V1.0/PurchaseOrders"), 2);

    // The sandbox refuses receiving against a purchase order that is not submitted, with
    // Autotask's message, and the sync stops with it.
    fake.with_state(|s| s.get_mut("PurchaseOrders", order_id).unwrap()["status"] = 1.into());
    w.receive(po, 2, 1, &[]);
    let r = w.run_once();
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert!(
        r.failed[0].1.contains("Autotask refused")
            && r.failed[0]
                .1
                .contains("can only be received on a purchase order that has been submitted"),
        "{r:?}"
    );
    assert_eq!(fake.entities("PurchaseOrderItemReceiving").len(), 1);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn the_submitted_status_label_is_resolved_and_checked() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    // An unknown label is named with what this Autotask offers, before anything is created.
    let w = World::new(&config(
        &fake,
        secrets.path(),
        "purchase_order_submitted_status = \"Sent\"",
    ));
    let problems = purser::jobs::db::block_on(purser::jobs::psa::check(w.svc.config()));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("purchase_order_submitted_status = \"Sent\"") && problems[0].contains("Submitted"),
        "{problems:?}"
    );
    w.place(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "0");
    let r = w.run_once();
    assert!(r.failed[0].1.contains("purchase_order_submitted_status"), "{r:?}");
    assert!(fake.entities("Tickets").is_empty());
    // Both settings naming one status: items could not be added, nor goods received.
    let w = World::new(&config(&fake, secrets.path(), "").replace(
        "purchase_order_status = \"New\"",
        "purchase_order_status = \"Submitted\"",
    ));
    let problems = purser::jobs::db::block_on(purser::jobs::psa::check(w.svc.config()));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("purchase_order_status and purchase_order_submitted_status both name"),
        "{problems:?}"
    );
}

/// An order cancelled before its sync ran gets nothing made in the PSA; one cancelled after
/// keeps what was made (Purser deletes nothing there), named at the cancel and in `sync status`.
#[test]
fn a_cancelled_order_gets_nothing_more_made_in_the_psa() {
    let fake = autotask::start(AutotaskSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path(), ""));
    let po = w.place(&quote("Q-1", "174", "1201", QUOTE_PRODUCTS), "0");
    w.svc.cancel(&w.actor("alice"), po).unwrap();
    w.drain();
    assert!(
        fake.entities("Tickets").is_empty(),
        "nothing made for a cancelled order"
    );
    assert!(fake.entities("TicketCharges").is_empty());
    // Synced first, then cancelled: the cancel names what stays in Autotask.
    let po = w.place(&quote("Q-2", "174", "1201", QUOTE_PRODUCTS), "0");
    w.drain();
    let ticket = one(&fake, "Tickets")["id"].as_i64().unwrap();
    let c = w.svc.cancel(&w.actor("alice"), po).unwrap();
    let warning = c.warning.unwrap_or_default();
    assert!(
        warning.contains(&format!("Ticket {ticket}")) && warning.contains("Autotask"),
        "{warning}"
    );
    w.drain();
    assert_eq!(fake.entities("Tickets").len(), 1, "nothing more made after the cancel");
    let view = w.svc.psa_sync_of(po).unwrap().expect("still in view");
    assert!(view
        .attention
        .iter()
        .any(|a| a.contains("close or remove them there by hand")));
}
