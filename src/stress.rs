//! `purser-harness stress`: a stream of real commands for the crash test. Each
//! acknowledged command is printed (`ack N what`) only after it committed, so a test can
//! kill the process at any moment and check on reopen that every acknowledged command is
//! there and none is half-applied.

use crate::app::{CreateOrder, PlaceRequest};
use crate::domain::receiving::ReceiveRequest;
use crate::domain::{OrderType, PlacementMethod};
use crate::wiring::{CliError, Global};
use std::io::Write;

/// `purser-harness stress`'s arguments.
#[derive(Debug, clap::Args)]
pub struct StressArgs {
    /// How many commands to run
    #[arg(long, default_value_t = 1000)]
    pub ops: u32,
    /// Seed for the command mix
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The quote the stress run imports as its `n`-th: three lines, the first serialized.
pub fn stress_quote(seed: u64, n: u32) -> String {
    serde_json::json!({
        "quote_id": format!("S{seed}-{n}"),
        "approved_at": "2026-11-20T09:30:00Z",
        "currency": "EUR",
        "customer": {"id": format!("C{}", n % 7), "name": format!("Customer {}", n % 7)},
        "lines": [
            {"line_id": "1", "kind": "product", "sku": format!("NB-{n}"), "description": "Notebook",
             "quantity": 2, "unit_cost": "899.00", "unit_price": "1149.00", "serialized": true},
            {"line_id": "2", "kind": "product", "sku": "CABLE-1", "description": "Cable",
             "quantity": 5, "unit_cost": "3.10", "unit_price": "6.00"},
            {"line_id": "3", "kind": "service", "sku": "INSTALL", "description": "Installation",
             "quantity": 1, "unit_cost": "0", "unit_price": "120.00"}
        ]
    })
    .to_string()
}

/// `purser-harness stress`: runs `args.ops` rounds of import, create, place and two
/// receipts against the database `g` names, acknowledging each committed command.
pub fn run(g: &Global, args: &StressArgs) -> Result<(), CliError> {
    let (service, actor) = crate::wiring::open_creating(g)?;
    let (svc, actor) = (&service, &actor);
    let distributor = svc
        .config()
        .distributors
        .keys()
        .next()
        .cloned()
        .ok_or_else(|| CliError::new("stress needs a configured distributor", 2))?;
    let out = std::io::stdout();
    let mut ack = 0u64;
    let mut say = |what: String| {
        ack += 1;
        let mut o = out.lock();
        let _ = writeln!(o, "ack {ack} {what}");
        let _ = o.flush();
    };
    for n in 0..args.ops {
        let name = format!("stress-{n}.json");
        let report = svc.import_text(actor, &name, &stress_quote(args.seed, n))?;
        say(format!("import S{}-{n}", args.seed));
        let items = match &report.quotes[0] {
            crate::app::ImportOutcome::Imported { items, .. } => items.clone(),
            crate::app::ImportOutcome::Unchanged { .. } => continue,
        };
        let order = svc.create_order_with(
            actor,
            CreateOrder {
                distributor: distributor.clone(),
                order_type: OrderType::Wholesale,
                items,
                ..Default::default()
            },
            crate::app::OtherDistributors::Allow,
        )?;
        say(format!("create {}", order.number));
        svc.place(
            actor,
            PlaceRequest {
                po: order.number,
                method: PlacementMethod::Manual,
                link: None,
            },
        )?;
        say(format!("place {}", order.number));
        let serial = format!("SN-{}-{n}", args.seed);
        svc.receive(
            actor,
            order.number,
            ReceiveRequest {
                line: 1,
                quantity: None,
                serials: vec![serial.clone()],
            },
        )?;
        say(format!("receive {} {serial}", order.number));
        svc.receive(
            actor,
            order.number,
            ReceiveRequest {
                line: 2,
                quantity: Some(5),
                serials: vec![],
            },
        )?;
        say(format!("receive {} line 2", order.number));
    }
    Ok(())
}
