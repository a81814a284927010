//! ConnectWise Manage end to end against the fake on 127.0.0.1: one service ticket on the
//! configured board carrying the internal note, the won opportunity's products converted
//! onto it once, the stage; receipts stay in Purser.

use crate::common::{quote, secret_file, World, USERS};
use purser::domain::job::JobKind;
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
