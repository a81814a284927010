//! ConnectWise Manage end to end against the fake on 127.0.0.1: one service ticket on the
//! configured board carrying the internal note, the won opportunity's products converted
//! onto it once, the stage; receipts stay in Purser.

use crate::common::{quote, secret_file, World, USERS};
use purser::app::{CreateOrder, PlaceRequest};
use purser::domain::job::JobKind;
use purser::domain::{OrderStatus, OrderType, PlacementMethod, PoNumber};
use purser::sandbox::psa::connectwise::{self, ConnectwiseSandbox};
use purser::sandbox::psa::{FakePsa, Fault};
use purser::store::psa::PsaSyncStatus;

fn config(fake: &FakePsa, secrets: &std::path::Path) -> String {
    config_with_stages(fake, secrets, "placed = \"Ordered\"")
}

fn config_with_stages(fake: &FakePsa, secrets: &std::path::Path, stages: &str) -> String {
    let sb = ConnectwiseSandbox::default();
    let public = secret_file(secrets, "cw-public", &sb.public_key);
    let private = secret_file(secrets, "cw-private", &sb.private_key);
    format!(
        r#"{USERS}
[psa]
kind = "connectwise"
base_url = "{url}"
timeout_secs = 2
[psa.stages]
{stages}
[psa.connectwise]
company_id = "{company}"
client_id = "{client}"
public_key_file = "{public}"
private_key_file = "{private}"
board = "Procurement"
status = "Ordered"
priority = "Priority 3 - Normal Response"
sla = "Standard SLA"
impact = "Medium"
severity = "Low"
"#,
        url = fake.url(),
        company = sb.company_id,
        client = sb.client_id,
        public = public.display(),
        private = private.display()
    )
}

#[test]
fn the_full_story_creates_one_ticket_with_converted_products_and_nothing_else() {
    let fake = connectwise::start(ConnectwiseSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let mut w = World::new(&config(&fake, secrets.path()));
    let po = w.place(&quote("Q-1", "250", "3100", ["901", "902", "903"]), "25.00");

    fake.inject("POST", "/service/tickets", Fault::DropAfterCreate);
    fake.inject(
        "POST",
        "/sales/opportunities/{id}/convertToServiceTicket",
        Fault::DropAfterCreate,
    );
    fake.inject(
        "PATCH",
        "/sales/opportunities/{id}",
        Fault::Status(503, "{\"message\":\"maintenance\"}".into()),
    );
    w.run_once();
    w.restart();
    w.drain();
    assert_eq!(w.svc.psa_sync_state(po).unwrap().unwrap().status, PsaSyncStatus::Synced);

    let tickets = fake.entities("Tickets");
    assert_eq!(tickets.len(), 1, "{tickets:#?}");
    let t = &tickets[0];
    assert_eq!(t["company"]["id"], 250);
    assert_eq!(t["board"]["id"], 8);
    assert_eq!(t["status"]["id"], 72);
    assert_eq!(t["priority"]["id"], 4);
    assert_eq!(t["sla"]["id"], 3);
    assert_eq!(t["impact"], "Medium");
    assert_eq!(t["severity"], "Low");
    assert_eq!(t["opportunity"]["id"], 3100);
    assert_eq!(t["poNumber"], "PO-000001");
    assert!(
        t["initialDescription"].as_str().unwrap().contains("PO-000001"),
        "the note is the initial description"
    );
    // Converted once, even though the first conversion's answer was lost.
    let products = fake.entities("Products");
    assert_eq!(products.len(), 3, "{products:#?}");
    assert!(products.iter().all(|p| p["ticket"]["id"] == t["id"]));
    assert_eq!(fake.entities("Opportunities")[0]["stage"]["id"], 9);

    // Receipts stay in Purser: no job, no request.
    let before = fake.requests().len();
    w.receive(po, 2, 2, &[]);
    w.receive(po, 1, 3, &["S1", "S2", "S3"]);
    w.drain();
    assert_eq!(fake.requests().len(), before);
    assert!(w.jobs().iter().all(|j| !matches!(j.kind, JobKind::PsaReceipt { .. })));
    assert_eq!(fake.violations(), Vec::<String>::new());
    assert_eq!(w.svc.psa_sync_status().unwrap()[0].sync, "synced");
}

#[test]
fn an_unknown_board_stops_before_the_ticket_naming_the_boards_there_are() {
    let fake = connectwise::start(ConnectwiseSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path()).replace("board = \"Procurement\"", "board = \"Purchasing\""));
    w.place(&quote("Q-1", "250", "3100", ["901", "902", "903"]), "0");
    let r = w.run_once();
    let msg = &r.failed[0].1;
    assert!(msg.contains("board = \"Purchasing\""), "{msg}");
    assert!(msg.contains("Professional Services, Procurement"), "{msg}");
    assert!(fake.entities("Tickets").is_empty());
}

#[test]
fn mapped_stages_follow_the_receipts_without_receiving_records() {
    let fake = connectwise::start(ConnectwiseSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let stages = "placed = \"Ordered\"\npartial = \"Partially received\"\ncompleted = \"Delivered\"";
    let w = World::new(&config_with_stages(&fake, secrets.path(), stages));
    let po = w.place(&quote("Q-1", "250", "3100", ["901", "902", "903"]), "25.00");
    w.drain();
    let stage = || fake.entities("Opportunities")[0]["stage"]["id"].clone();
    assert_eq!(stage(), 9);
    let order = w.svc.order(po).unwrap();
    let before = fake.requests().len();
    // Part of one line: partial.
    w.receive(po, 2, 1, &[]);
    w.drain();
    assert_eq!(stage(), 10);
    // Everything else: completed.
    for (n, line) in order.lines.iter().enumerate() {
        let line_no = n as u32 + 1;
        let left = line.quantity - w.svc.order(po).unwrap().received_on(line_no);
        if left == 0 {
            continue;
        }
        let serials: Vec<String> = if line.serialized {
            (0..left).map(|i| format!("SN-{line_no}-{i}")).collect()
        } else {
            Vec::new()
        };
        let serials: Vec<&str> = serials.iter().map(String::as_str).collect();
        w.receive(po, line_no, left, &serials);
    }
    w.drain();
    assert_eq!(
        w.svc.order(po).unwrap().status(),
        purser::domain::OrderStatus::Completed
    );
    assert_eq!(stage(), 11);
    // Only stage lookups and opportunity updates were sent for the receipts.
    let sent = fake.requests()[before..].to_vec();
    assert!(
        sent.iter()
            .all(|r| r == "GET /sales/stages" || r == "PATCH /sales/opportunities/{id}"),
        "{sent:#?}"
    );
    assert_eq!(sent.iter().filter(|r| r.starts_with("PATCH")).count(), 2, "{sent:#?}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

/// Imports `quote` without ordering anything.
fn import(w: &World, quote: &str) {
    w.svc.import_text(&w.actor("alice"), "q.json", quote).unwrap();
}

/// The pooled item of quote line `line`.
fn item_of(w: &World, line: &str) -> u64 {
    w.svc
        .list_items(&Default::default())
        .unwrap()
        .iter()
        .find(|i| i.line_id == line)
        .unwrap_or_else(|| panic!("no pooled item for line {line}"))
        .id
}

/// Orders `items` as one purchase order and places it (PSA only).
fn order(w: &World, items: Vec<u64>) -> PoNumber {
    let alice = w.actor("alice");
    let po = w
        .svc
        .create_order(
            &alice,
            CreateOrder {
                distributor: "ingram".into(),
                order_type: OrderType::Wholesale,
                items,
                ..Default::default()
            },
        )
        .unwrap()
        .number;
    w.svc
        .place(
            &alice,
            PlaceRequest {
                po,
                method: PlacementMethod::Skip,
                link: None,
            },
        )
        .unwrap();
    po
}

/// Receives everything still open on `po`.
fn receive_all(w: &World, po: PoNumber) {
    let order = w.svc.order(po).unwrap();
    for (n, line) in order.lines.iter().enumerate() {
        let line_no = n as u32 + 1;
        let left = line.quantity - w.svc.order(po).unwrap().received_on(line_no);
        if left == 0 {
            continue;
        }
        let serials: Vec<String> = if line.serialized {
            (0..left).map(|i| format!("SN-{po}-{line_no}-{i}")).collect()
        } else {
            Vec::new()
        };
        let serials: Vec<&str> = serials.iter().map(String::as_str).collect();
        w.receive(po, line_no, left, &serials);
    }
}

/// The forecast items converted onto each ticket, by ticket id.
fn converted_by_ticket(fake: &FakePsa) -> Vec<(i64, Vec<i64>)> {
    let mut out: Vec<(i64, Vec<i64>)> = Vec::new();
    for p in fake.entities("Products") {
        let t = p["ticket"]["id"].as_i64().unwrap();
        let f = p["forecastDetailId"].as_i64().unwrap();
        match out.iter_mut().find(|(x, _)| *x == t) {
            Some((_, v)) => v.push(f),
            None => out.push((t, vec![f])),
        }
    }
    for (_, v) in &mut out {
        v.sort();
    }
    out.sort();
    out
}

const ALL_STAGES: &str = "placed = \"Ordered\"\npartial = \"Partially received\"\ncompleted = \"Delivered\"";

#[test]
fn one_opportunity_in_two_orders_converts_each_product_once_even_after_a_lost_answer() {
    let fake = connectwise::start(ConnectwiseSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let mut w = World::new(&config_with_stages(&fake, secrets.path(), ALL_STAGES));
    import(&w, &quote("Q-1", "250", "3100", ["901", "902", "903"]));
    // The notebooks and the onboarding from one distributor, the docks from another.
    let first = order(&w, vec![item_of(&w, "1"), item_of(&w, "3")]);
    w.drain();
    assert_eq!(
        w.svc.psa_sync_state(first).unwrap().unwrap().status,
        PsaSyncStatus::Synced
    );
    let second = order(&w, vec![item_of(&w, "2")]);
    // The second order's conversion reaches ConnectWise, its answer does not.
    fake.inject(
        "POST",
        "/sales/opportunities/{id}/convertToServiceTicket",
        Fault::DropAfterCreate,
    );
    w.run_once();
    w.restart();
    w.drain();
    assert_eq!(
        w.svc.psa_sync_state(second).unwrap().unwrap().status,
        PsaSyncStatus::Synced
    );

    let tickets = fake.entities("Tickets");
    assert_eq!(tickets.len(), 2, "{tickets:#?}");
    let ticket_of = |po: PoNumber| {
        tickets
            .iter()
            .find(|t| t["poNumber"] == po.to_string())
            .and_then(|t| t["id"].as_i64())
            .unwrap()
    };
    // Each order's ticket has exactly the products of its lines, each product once.
    assert_eq!(
        converted_by_ticket(&fake),
        vec![(ticket_of(first), vec![5001, 5003]), (ticket_of(second), vec![5002])]
    );
    let state = w.svc.psa_sync_state(second).unwrap().unwrap();
    let step = state.steps.iter().find(|s| s.key == "products/3100/250").unwrap();
    assert!(
        step.adopted,
        "the lost conversion was found, not made again: {state:#?}"
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn an_item_split_over_two_orders_is_converted_with_the_first_only() {
    let fake = connectwise::start(ConnectwiseSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path()));
    import(&w, &quote("Q-1", "250", "3100", ["901", "902", "903"]));
    let (rest, part) = w.svc.split(&w.actor("alice"), item_of(&w, "1"), 1).unwrap();
    let first = order(&w, vec![rest.id, item_of(&w, "2")]);
    w.drain();
    let second = order(&w, vec![part.id, item_of(&w, "3")]);
    w.drain();
    for po in [first, second] {
        assert_eq!(w.svc.psa_sync_state(po).unwrap().unwrap().status, PsaSyncStatus::Synced);
    }
    let tickets = fake.entities("Tickets");
    let ticket_of = |po: PoNumber| {
        tickets
            .iter()
            .find(|t| t["poNumber"] == po.to_string())
            .and_then(|t| t["id"].as_i64())
            .unwrap()
    };
    assert_eq!(
        converted_by_ticket(&fake),
        vec![(ticket_of(first), vec![5001, 5002]), (ticket_of(second), vec![5003])]
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn the_stage_is_completed_only_when_every_order_of_the_opportunity_is() {
    let fake = connectwise::start(ConnectwiseSandbox::default()).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config_with_stages(&fake, secrets.path(), ALL_STAGES));
    import(&w, &quote("Q-1", "250", "3100", ["901", "902", "903"]));
    let first = order(&w, vec![item_of(&w, "1"), item_of(&w, "3")]);
    let second = order(&w, vec![item_of(&w, "2")]);
    w.drain();
    let stage = || fake.entities("Opportunities")[0]["stage"]["id"].clone();
    assert_eq!(stage(), 9);
    receive_all(&w, first);
    w.drain();
    assert_eq!(w.svc.order(first).unwrap().status(), OrderStatus::Completed);
    assert_eq!(stage(), 10, "one order of two is in: partly received");
    receive_all(&w, second);
    w.drain();
    assert_eq!(w.svc.order(second).unwrap().status(), OrderStatus::Completed);
    assert_eq!(stage(), 11);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn names_are_looked_up_by_condition_when_lists_are_longer_than_a_page() {
    // Lists cut at 25 whatever is asked: the configured board lies on the second page.
    let fake = connectwise::start(ConnectwiseSandbox {
        max_page_size: 25,
        ..Default::default()
    })
    .unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path()));
    let po = w.place(&quote("Q-1", "250", "3100", ["901", "902", "903"]), "0");
    w.drain();
    assert_eq!(w.svc.psa_sync_state(po).unwrap().unwrap().status, PsaSyncStatus::Synced);
    assert_eq!(fake.entities("Tickets")[0]["board"]["id"], 8);
    let boards = fake.requests().iter().filter(|r| *r == "GET /service/boards").count();
    assert_eq!(boards, 1, "one look-up by name: {:#?}", fake.requests());
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn an_unknown_name_lists_what_there_is_page_after_page() {
    let fake = connectwise::start(ConnectwiseSandbox {
        max_page_size: 10,
        ..Default::default()
    })
    .unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let w = World::new(&config(&fake, secrets.path()).replace("board = \"Procurement\"", "board = \"Purchasing\""));
    w.place(&quote("Q-1", "250", "3100", ["901", "902", "903"]), "0");
    let r = w.run_once();
    let msg = &r.failed[0].1;
    // 32 boards: the name look-up, then four pages of 10.
    assert!(msg.contains("Help Desk - Site 01, Help Desk - Site 02"), "{msg}");
    assert!(
        msg.contains("Help Desk - Site 30, Professional Services, Procurement"),
        "{msg}"
    );
    let boards = fake.requests().iter().filter(|r| *r == "GET /service/boards").count();
    assert_eq!(boards, 5, "{:#?}", fake.requests());
    assert!(fake.entities("Tickets").is_empty());
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn the_sandbox_refuses_to_convert_a_product_twice_and_pages_with_links() {
    let fake = connectwise::start(ConnectwiseSandbox::default()).unwrap();
    let sb = ConnectwiseSandbox::default();
    let http = reqwest::blocking::Client::new();
    let auth = format!(
        "Basic {}",
        purser::integrations::psa::connectwise::b64(
            format!("{}+{}:{}", sb.company_id, sb.public_key, sb.private_key).as_bytes()
        )
    );
    let send = |r: reqwest::blocking::RequestBuilder| {
        r.header("Authorization", &auth)
            .header("clientId", &sb.client_id)
            .send()
            .unwrap()
    };
    let ticket: serde_json::Value = send(
        http.post(format!("{}/service/tickets", fake.url()))
            .json(&serde_json::json!({"summary": "t", "company": {"id": 250}, "board": {"id": 8}})),
    )
    .json()
    .unwrap();
    let convert = |body: serde_json::Value| {
        send(
            http.post(format!(
                "{}/sales/opportunities/3100/convertToServiceTicket",
                fake.url()
            ))
            .json(&body),
        )
    };
    let id = ticket["id"].clone();
    assert_eq!(
        convert(serde_json::json!({"ticketId": id, "includeProductIds": [5002]})).status(),
        201
    );
    let again = convert(serde_json::json!({"ticketId": id, "includeAllProductsFlag": true}));
    assert_eq!(again.status(), 400);
    let body: serde_json::Value = again.json().unwrap();
    assert_eq!(body["errors"][0]["field"], "includeProductIds");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("converted to ticket"),
        "{body}"
    );
    assert_eq!(fake.entities("Products").len(), 1);

    // 32 boards, 25 to a page unless asked: a Link to the second page, none after it.
    let first = send(http.get(format!("{}/service/boards", fake.url())));
    let link = first.headers()["link"].to_str().unwrap().to_string();
    assert!(link.contains("page=2>; rel=\"next\""), "{link}");
    let names: Vec<serde_json::Value> = first.json().unwrap();
    assert_eq!(names.len(), 25);
    let next = link.split('<').nth(1).unwrap().split('>').next().unwrap().to_string();
    let second = send(http.get(next));
    assert!(!second.headers()["link"].to_str().unwrap().contains("rel=\"next\""));
    let names: Vec<serde_json::Value> = second.json().unwrap();
    assert_eq!(names.len(), 7);
    assert_eq!(names[6]["name"], "Procurement");
    assert_eq!(fake.violations(), Vec::<String>::new());
}
