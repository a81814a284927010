//! Shared by the PSA tests: a service on a real redb file with a clock the test moves,
//! reopened to simulate a restart; a quote with goods, a serialized line and a service;
//! a loop that runs due jobs until the queue is quiet.
#![allow(dead_code)]

use purser::app::{CreateOrder, PlaceRequest, Service};
use purser::config::Config;
use purser::domain::job::{Job, JobState};
use purser::domain::order::OrderEdit;
use purser::domain::receiving::ReceiveRequest;
use purser::domain::{Address, OrderType, PlacementMethod, PoNumber, Timestamp};
use purser::identity::{self, Actor};
use purser::jobs::RunReport;
use purser::store::Store;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub const USERS: &str = r#"
[identity]
allow_user_override = true
[users.alice]
roles = ["buyer"]
[users.rick]
roles = ["receiver"]
[distributors.ingram]
kind = "manual"
name = "Ingram Micro"
currency = "EUR"
"#;

/// Where wholesale orders are delivered: Autotask purchase orders ship there.
pub const WAREHOUSE: &str = r#"
[company]
name = "Northsea IT"
[company.warehouse]
name = "Northsea IT depot"
attention = "Goods receipt"
street = "Stationsweg 8"
city = "Utrecht"
postal_code = "3511 ED"
country = "NL"
"#;

/// A quote for one customer company with two goods lines (one serialized) and a Pax8
/// service line (enters procurement, never becomes a charge or a PO line).
pub fn quote(quote_id: &str, company: &str, opportunity: &str, products: [&str; 3]) -> String {
    format!(
        r#"{{
  "quote_id": "{quote_id}", "quote_number": "0142", "approved_at": "2026-11-20T09:30:00Z", "currency": "EUR",
  "customer": {{"id": "C-77", "name": "Dentalcare West", "psa_company_id": "{company}"}},
  "opportunity_id": "{opportunity}",
  "lines": [
    {{"line_id": "1", "kind": "product", "sku": "20XW00A1NL", "description": "Notebook 14in i5 16GB",
     "quantity": 3, "unit_cost": "899.00", "unit_price": "1149.00", "distributor": "ingram",
     "serialized": true, "psa_product_id": "{p0}"}},
    {{"line_id": "2", "kind": "product", "sku": "40AY0090EU", "description": "USB-C dock 90W",
     "quantity": 2, "unit_cost": "189.50", "unit_price": "239.00", "distributor": "ingram",
     "psa_product_id": "{p1}"}},
    {{"line_id": "3", "kind": "service", "sku": "CFQ-M365", "description": "Microsoft 365 onboarding",
     "quantity": 5, "unit_cost": "10.00", "unit_price": "15.00", "distributor": "ingram",
     "pax8_product_id": "a1b2c3d4-0000-4000-8000-000000000365", "psa_product_id": "{p2}"}}
  ]
}}"#,
        p0 = products[0],
        p1 = products[1],
        p2 = products[2]
    )
}

pub struct World {
    pub svc: Service,
    pub clock: Arc<AtomicI64>,
    pub path: PathBuf,
    pub config: Arc<Config>,
    pub dir: tempfile::TempDir,
}

fn service(path: &std::path::Path, config: Arc<Config>, clock: Arc<AtomicI64>) -> Service {
    Service::new(
        Store::open(path).unwrap(),
        config,
        Arc::new(move || -> Timestamp { chrono::DateTime::from_timestamp(clock.load(Ordering::SeqCst), 0).unwrap() }),
    )
}

impl World {
    pub fn new(config_text: &str) -> World {
        let dir = tempfile::tempdir().unwrap();
        let config = Arc::new(Config::parse(config_text).unwrap_or_else(|e| panic!("{e}\n{config_text}")));
        let clock = Arc::new(AtomicI64::new(1_800_000_000));
        let path = dir.path().join("purser.redb");
        let svc = service(&path, config.clone(), clock.clone());
        World {
            svc,
            clock,
            path,
            config,
            dir,
        }
    }

    /// A restart: the store is closed and opened again by a new service.
    pub fn restart(&mut self) {
        let placeholder = self.dir.path().join("placeholder.redb");
        let old = std::mem::replace(
            &mut self.svc,
            service(&placeholder, self.config.clone(), self.clock.clone()),
        );
        drop(old);
        self.svc = service(&self.path, self.config.clone(), self.clock.clone());
    }

    pub fn actor(&self, name: &str) -> Actor {
        identity::resolve(self.svc.config(), Some(name), name).unwrap()
    }

    pub fn advance(&self, secs: i64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }

    /// Imports `quote`, orders all its items as a dropship order with shipping, places it
    /// skipping the distributor (PSA only).
    pub fn place(&self, quote: &str, shipping: &str) -> PoNumber {
        self.place_as(quote, shipping, OrderType::Dropship)
    }

    /// As [`World::place`], as an order of `order_type` (wholesale: no ship-to of its own).
    pub fn place_as(&self, quote: &str, shipping: &str, order_type: OrderType) -> PoNumber {
        let alice = self.actor("alice");
        let report = self.svc.import_text(&alice, "q.json", quote).unwrap();
        let _ = report;
        let items: Vec<u64> = self
            .svc
            .list_items(&Default::default())
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        let po = self
            .svc
            .create_order(
                &alice,
                CreateOrder {
                    distributor: "ingram".into(),
                    order_type,
                    ship_to: (order_type == OrderType::Dropship).then(|| Address {
                        name: Some("Dentalcare West".into()),
                        attention: Some("J. de Vries".into()),
                        street: Some("Kanaalweg 12".into()),
                        city: Some("Utrecht".into()),
                        state: Some("UT".into()),
                        postal_code: Some("3526 KL".into()),
                        country: Some("NL".into()),
                        phone: Some("+31 30 123 4567".into()),
                        email: Some("office@example.org".into()),
                    }),
                    items,
                    ..Default::default()
                },
            )
            .unwrap()
            .number;
        self.svc
            .edit_order(
                &alice,
                po,
                OrderEdit {
                    shipping: Some(shipping.parse().unwrap()),
                    ..Default::default()
                },
            )
            .unwrap();
        self.svc
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

    pub fn receive(&self, po: PoNumber, line: u32, qty: u32, serials: &[&str]) -> u32 {
        self.svc
            .receive(
                &self.actor("rick"),
                po,
                ReceiveRequest {
                    line,
                    quantity: Some(qty),
                    serials: serials.iter().map(|s| s.to_string()).collect(),
                },
            )
            .unwrap()
            .receipt
            .id
    }

    pub fn run_once(&self) -> RunReport {
        purser::jobs::outbox::run_due_now(&self.svc, &self.actor("alice")).unwrap()
    }

    /// Runs due jobs, moving the clock past every backoff, until nothing is queued.
    pub fn drain(&self) -> Vec<RunReport> {
        let mut reports = Vec::new();
        for _ in 0..40 {
            reports.push(self.run_once());
            if self
                .jobs()
                .iter()
                .all(|j| !matches!(j.state, JobState::Queued { .. } | JobState::Running { .. }))
            {
                return reports;
            }
            self.advance(1000);
        }
        panic!("jobs never settled: {:?}\n{reports:?}", self.jobs());
    }

    pub fn jobs(&self) -> Vec<Job> {
        self.svc.jobs().unwrap()
    }
}

/// Writes an owner-only secrets file.
pub fn secret_file(dir: &std::path::Path, name: &str, value: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, format!("{value}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

/// Values of `field` across entities, as strings.
pub fn field(entities: &[serde_json::Value], field: &str) -> Vec<String> {
    entities.iter().map(|e| e[field].to_string()).collect()
}
