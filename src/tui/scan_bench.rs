//! What a scan at the dock costs through the screens' database worker, alone and while a
//! distributor call made from the same screens hangs (`purser bench`).

use super::calls::Calls;
use super::commands::Command;
use super::screen::Call;
use super::worker::{self, Msg, Req};
use crate::app::{CreateOrder, PlaceRequest, Service};
use crate::config::Config;
use crate::domain::receiving::ReceiveRequest;
use crate::domain::{ItemId, OrderType, PlacementMethod, PoNumber};
use crate::identity::Actor;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Scans timed in each phase: the p99 is then the tenth slowest, not decided by one or
/// two of the virtual disk's slow syncs.
const SCANS: usize = 1000;

/// The phases take turns in this many rounds (a round: a block of scans alone and a block
/// while a call hangs), so that both meet the disk as it is over the same minutes: a
/// virtual disk's sync time drifts by tens of per cent from one minute to the next.
const ROUNDS: usize = 10;

/// Scan commit times (each: sent to the worker → its answer received), without and with
/// a hanging distributor call under way.
pub struct ScanTimes {
    pub alone: Vec<Duration>,
    pub during_stall: Vec<Duration>,
}

/// Builds a scratch database in `dir` with a placed order for each block of scans, then
/// times `SCANS` scans alone and `SCANS` while a latest-cost call hangs at a
/// distributor that takes the connection and never answers, taking turns in `ROUNDS`
/// rounds. Each block of scans receives on an order of its own, so every block meets
/// orders of the same sizes (an order grows with each receipt); in every other round the
/// scans during the call go first.
pub fn measure(dir: &std::path::Path) -> Result<ScanTimes, String> {
    let stall = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let url = format!("http://{}", stall.local_addr().map_err(|e| e.to_string())?);
    let secret_env = "PURSER_BENCH_STALL_SECRET";
    std::env::set_var(secret_env, "bench-stall-secret");
    let config = Config::parse(&format!(
        "[users.bench]\nroles = [\"buyer\", \"receiver\"]\n\
         [distributors.stalls]\nkind = \"ingram\"\nbase_url = \"{url}\"\ntoken_url = \"{url}/token\"\n\
         customer_number = \"1\"\ncountry_code = \"NL\"\nclient_id = \"bench\"\nclient_secret_env = \"{secret_env}\"\n\
         timeout_secs = 600\n"
    ))?;
    let config = Arc::new(config);
    let store = crate::store::Store::open(&dir.join("scans.redb")).map_err(|e| e.to_string())?;
    let svc = Service::new(store, Arc::clone(&config), Arc::new(chrono::Utc::now));
    let actor = Actor {
        name: "bench".into(),
        roles: crate::domain::Roles::new(config.users["bench"].roles.iter().copied()),
    };
    let (orders, priced) = place_orders(&svc, &actor, dir)?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let _entered = rt.enter();
    let (out, mut answers) = tokio::sync::mpsc::unbounded_channel();
    let to_worker = worker::spawn(Arc::new(svc), actor.clone(), out.clone());
    let tx = to_worker.clone();
    let db = crate::jobs::Db::from_fn(config, move |t| tx.send(Req::Task(t)).is_ok());
    let mut calls = Calls::new(db, actor, out);
    let scan = |answers: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>, po| -> Result<Duration, String> {
        let req = ReceiveRequest {
            line: 1,
            quantity: Some(1),
            serials: vec![],
        };
        let started = Instant::now();
        to_worker
            .send(Req::Do(Command::Receive { po, req }))
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            loop {
                match answers.recv().await {
                    Some(Msg::Done { result: Ok(_), .. }) => return Ok(started.elapsed()),
                    Some(Msg::Done { result: Err(e), .. }) => return Err(e.to_string()),
                    Some(Msg::Called { .. }) => return Err("the stalled call answered".to_string()),
                    Some(_) => {}
                    None => return Err("the worker stopped".to_string()),
                }
            }
        })
    };
    let mut alone = Vec::with_capacity(SCANS);
    let mut during_stall = Vec::with_capacity(SCANS);
    for (round, pair) in orders.chunks(2).enumerate() {
        for (block, &po) in pair.iter().enumerate() {
            if (block + round) % 2 == 0 {
                for _ in 0..SCANS / ROUNDS {
                    alone.push(scan(&mut answers, po)?);
                }
                continue;
            }
            calls.take(Call::Start(Command::LatestCost { ids: vec![priced] }));
            // The call is under way once the distributor has the connection.
            let (conn, _) = stall.accept().map_err(|e| e.to_string())?;
            for _ in 0..SCANS / ROUNDS {
                during_stall.push(scan(&mut answers, po)?);
            }
            calls.take(Call::Stop);
            drop(conn);
            // Stopping answers the call ("stopped waiting"); that answer is not a scan's.
            rt.block_on(async {
                loop {
                    match answers.recv().await {
                        Some(Msg::Called { .. }) => return Ok(()),
                        Some(_) => {}
                        None => return Err("the worker stopped".to_string()),
                    }
                }
            })?;
        }
    }
    Ok(ScanTimes { alone, during_stall })
}

/// Imports a quote with a line for each block of scans (of [`SCANS`] / [`ROUNDS`] units)
/// and one to ask the latest cost of, and places an order of each scanned line. Returns
/// the orders, in the order the blocks use them, and the priced item.
fn place_orders(svc: &Service, actor: &Actor, dir: &std::path::Path) -> Result<(Vec<PoNumber>, ItemId), String> {
    let blocks = 2 * ROUNDS;
    let line = |n: usize, sku: &str, units: usize| {
        format!(
            r#"{{"line_id": "{n}", "kind": "product", "sku": "{sku}", "description": "scanned", "quantity": {units},
                "unit_cost": "1.00", "unit_price": "1.00", "distributor": "stalls"}}"#
        )
    };
    let mut lines: Vec<String> = (1..=blocks)
        .map(|n| line(n, &format!("SCAN-{n}"), SCANS / ROUNDS))
        .collect();
    lines.push(line(blocks + 1, "PRICE-1", 1));
    let quote = format!(
        r#"{{"quote_id": "Q-SCAN", "approved_at": "2026-11-20T09:30:00Z", "currency": "EUR",
            "customer": {{"id": "C-1", "name": "Bench"}}, "lines": [{}]}}"#,
        lines.join(",")
    );
    let file = dir.join("q-scan.json");
    std::fs::write(&file, quote).map_err(|e| e.to_string())?;
    svc.import_file(actor, &file).map_err(|e| e.to_string())?;
    let items = svc.list_items(&Default::default()).map_err(|e| e.to_string())?;
    let id_of = |sku: &str| {
        items
            .iter()
            .find(|i| i.sku.as_str() == sku)
            .map(|i| i.id)
            .ok_or("no item")
    };
    let mut orders = Vec::with_capacity(blocks);
    for n in 1..=blocks {
        let order = svc
            .create_order(
                actor,
                CreateOrder {
                    distributor: "stalls".into(),
                    order_type: OrderType::Wholesale,
                    items: vec![id_of(&format!("SCAN-{n}"))?],
                    ..Default::default()
                },
            )
            .map_err(|e| e.to_string())?;
        let req = PlaceRequest {
            po: order.number,
            method: PlacementMethod::Manual,
            link: None,
        };
        svc.place(actor, req).map_err(|e| e.to_string())?;
        orders.push(order.number);
    }
    Ok((orders, id_of("PRICE-1")?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_scan_commits_alone_and_while_a_call_hangs() {
        let dir = tempfile::tempdir().unwrap();
        let t = super::measure(dir.path()).unwrap();
        assert_eq!((t.alone.len(), t.during_stall.len()), (super::SCANS, super::SCANS));
    }
}
