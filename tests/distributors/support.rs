//! What the distributor tests share: a store with a controllable clock, the sandbox
//! distributors on 127.0.0.1, quotes and orders for each distributor.

#![allow(dead_code)]

use purser::app::{AppError, CreateOrder, JobOutcome, PlaceRequest, Service};
use purser::config::Config;
use purser::domain::job::{Job, JobState};
use purser::domain::{Address, Order, OrderType, PlacementMethod, PoNumber, Timestamp};
use purser::identity::{self, Actor};
use purser::sandbox::distributors::{self as sandbox, Sandbox};
use purser::store::Store;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub struct World {
    pub svc: Service,
    pub sandbox: Sandbox,
    pub clock: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
}

/// A quote whose lines go to `distributor`, with these (distributor SKU, quantity, cost).
pub fn quote(id: &str, distributor: &str, lines: &[(&str, u32, &str)]) -> String {
    let lines: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, (sku, qty, cost))| {
            format!(
                r#"{{"line_id": "{n}", "kind": "product", "sku": "SKU-{n}", "mpn": "MPN-{n}", "description": "Item {n}",
                "quantity": {qty}, "unit_cost": "{cost}", "unit_price": "999.00",
                "distributor": "{distributor}", "distributor_sku": "{sku}"}}"#,
                n = i + 1
            )
        })
        .collect();
    format!(
        r#"{{"quote_id": "{id}", "approved_at": "2026-11-20T09:30:00Z", "currency": "{currency}",
        "customer": {{"id": "C-1", "name": "Dentalcare West"}},
        "lines": [{}]}}"#,
        lines.join(","),
        currency = currency_of(distributor)
    )
}

/// The currency the sandbox account `distributor` bills in (an order in another is refused).
pub fn currency_of(distributor: &str) -> &'static str {
    match distributor {
        "tdsynnex_eu_sandbox" | "onetrail_sandbox" => "EUR",
        _ => "USD",
    }
}

pub fn ship_to(name: &str) -> Address {
    Address {
        name: Some(name.into()),
        attention: Some("Dr. Jane Smith".into()),
        street: Some("7001 SW 24th Ave".into()),
        city: Some("Gainesville".into()),
        state: Some("FL".into()),
        postal_code: Some("32607".into()),
        country: Some("US".into()),
        phone: Some("987654321".into()),
        email: Some("jane@example.org".into()),
    }
}

/// A world with the sandbox distributors configured, their client timeouts at
/// `timeout_secs` (short, for the timeout tests).
pub fn world_with_timeout(timeout_secs: u64) -> World {
    world_with(timeout_secs, "")
}

/// A world as [`world_with_timeout`], with `extra` configuration text first.
pub fn world_with(timeout_secs: u64, extra: &str) -> World {
    let sandbox = sandbox::start().expect("sandbox starts");
    Sandbox::set_secret_env();
    let text = format!(
        r#"
{extra}
[users.alice]
roles = ["buyer"]
[users.carol]
roles = ["approver", "buyer"]
{}
"#,
        sandbox.config_with_timeout(timeout_secs)
    );
    let config = Config::parse(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(AtomicI64::new(1_800_000_000));
    let c = clock.clone();
    let svc = Service::new(
        Store::open(&dir.path().join("p.redb")).unwrap(),
        Arc::new(config),
        Arc::new(move || -> Timestamp { chrono::DateTime::from_timestamp(c.load(Ordering::SeqCst), 0).unwrap() }),
    );
    World {
        svc,
        sandbox,
        clock,
        _dir: dir,
    }
}

pub fn world() -> World {
    world_with_timeout(10)
}

impl World {
    pub fn actor(&self, name: &str) -> Actor {
        identity::resolve(self.svc.config(), Some(name), name).unwrap()
    }

    pub fn alice(&self) -> Actor {
        self.actor("alice")
    }

    pub fn advance(&self, secs: i64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }

    /// Imports a quote and creates an order of all its items: dropship to the address
    /// given, wholesale without one.
    pub fn order(&self, distributor: &str, quote_text: &str, dropship: Option<Address>) -> PoNumber {
        let order_type = if dropship.is_some() {
            OrderType::Dropship
        } else {
            OrderType::Wholesale
        };
        self.order_as(distributor, quote_text, order_type, dropship)
    }

    /// Imports a quote and creates an order of all its items, of `order_type` with the
    /// order's own ship-to (as `po create --type wholesale --ship-to FILE` gives one).
    pub fn order_as(
        &self,
        distributor: &str,
        quote_text: &str,
        order_type: OrderType,
        ship_to: Option<Address>,
    ) -> PoNumber {
        self.try_order_as(distributor, quote_text, order_type, ship_to).unwrap()
    }

    /// [`World::order`], or the service's refusal of the order.
    pub fn try_order(
        &self,
        distributor: &str,
        quote_text: &str,
        dropship: Option<Address>,
    ) -> Result<PoNumber, AppError> {
        let order_type = if dropship.is_some() {
            OrderType::Dropship
        } else {
            OrderType::Wholesale
        };
        self.try_order_as(distributor, quote_text, order_type, dropship)
    }

    /// [`World::order_as`], or the service's refusal of the order.
    pub fn try_order_as(
        &self,
        distributor: &str,
        quote_text: &str,
        order_type: OrderType,
        ship_to: Option<Address>,
    ) -> Result<PoNumber, AppError> {
        let alice = self.alice();
        self.svc.import_text(&alice, "q.json", quote_text).unwrap();
        let items: Vec<u64> = self
            .svc
            .list_items(&Default::default())
            .unwrap()
            .into_iter()
            .filter(|i| i.is_pending() && i.distributor.as_deref() == Some(distributor))
            .map(|i| i.id)
            .collect();
        self.svc
            .create_order(
                &alice,
                CreateOrder {
                    distributor: distributor.into(),
                    order_type,
                    ship_to,
                    items,
                    ..Default::default()
                },
            )
            .map(|o| o.number)
    }

    /// What the distributor's client finds wrong with `order` before sending it, in the
    /// buyer's words (the check its background job makes).
    pub fn client_check(&self, order: &Order) -> Result<(), String> {
        let name = self.svc.config().distributor_name(&order.distributor);
        let api = purser::integrations::distributors::connect(self.svc.config(), &order.distributor)
            .map_err(|e| e.for_buyer(&name))?;
        api.check(order).map_err(|e| e.for_buyer(&name))
    }

    /// Places via API; returns the job sending it.
    pub fn place(&self, po: PoNumber) -> u64 {
        let r = self
            .svc
            .place(
                &self.alice(),
                PlaceRequest {
                    po,
                    method: PlacementMethod::Api,
                    link: None,
                },
            )
            .unwrap();
        assert!(matches!(r.outcome, purser::domain::order::PlaceOutcome::Sending { .. }));
        r.job.expect("a job sends it")
    }

    pub fn run(&self, job: u64) -> Option<JobOutcome> {
        purser::jobs::outbox::run_job_now(&self.svc, &self.alice(), job).unwrap()
    }

    pub fn job(&self, id: u64) -> Job {
        self.svc.jobs().unwrap().into_iter().find(|j| j.id == id).unwrap()
    }

    pub fn jobs_of_kind(&self, kind: &str) -> Vec<Job> {
        self.svc
            .jobs()
            .unwrap()
            .into_iter()
            .filter(|j| serde_json::to_value(&j.kind).unwrap()["kind"] == kind)
            .collect()
    }

    pub fn state(&self, id: u64) -> JobState {
        self.job(id).state
    }

    pub fn get(&self, po: PoNumber) -> Order {
        self.svc.order(po).unwrap()
    }

    pub fn audit_actions(&self, po: PoNumber) -> Vec<String> {
        self.svc
            .audit(&purser::app::audit::AuditFilter {
                po: Some(po),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    pub fn audit_text(&self, po: PoNumber) -> String {
        self.svc
            .audit(&purser::app::audit::AuditFilter {
                po: Some(po),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|e| format!("{} {} {}\n", e.action, e.before, e.after))
            .collect()
    }

    /// Simulates a crash after the request left: claims the job, sends the order
    /// through the real client, records nothing, and lets the lease run out.
    pub fn crash_after_sending(&self, job: u64) {
        let claimed = self.svc.claim_job("crashed@1", Some(job)).unwrap().expect("claimable");
        let po = claimed.kind.po().unwrap();
        let start = self.svc.start_api_attempt(&claimed, po).unwrap();
        assert_eq!(start, purser::app::ApiStart::Fresh);
        let order = self.get(po);
        let api = purser::integrations::distributors::connect(self.svc.config(), &order.distributor).unwrap();
        let sent = purser::jobs::db::block_on(api.submit(&order));
        let _ = sent.expect("the order reaches the distributor");
        // … and the process dies here. The lease runs out.
        self.advance(purser::app::JOB_LEASE_SECS + 1);
    }
}

/// A quote of Pax8-linked lines: (Pax8 product id, quantity, cost).
pub fn pax8_quote(id: &str, distributor: &str, lines: &[(&str, u32, &str)]) -> String {
    pax8_quote_for(id, distributor, ("C-1", "Dentalcare West"), lines)
}

/// As [`pax8_quote`], for the customer `(id, name)`.
pub fn pax8_quote_for(id: &str, distributor: &str, customer: (&str, &str), lines: &[(&str, u32, &str)]) -> String {
    let lines: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, (product, qty, cost))| {
            format!(
                r#"{{"line_id": "{n}", "kind": "product", "sku": "M365-{n}", "description": "Licence {n}",
                "quantity": {qty}, "unit_cost": "{cost}", "unit_price": "40.00", "recurring": true,
                "distributor": "{distributor}", "pax8_product_id": "{product}"}}"#,
                n = i + 1
            )
        })
        .collect();
    format!(
        r#"{{"quote_id": "{id}", "approved_at": "2026-11-20T09:30:00Z", "currency": "USD",
        "customer": {{"id": "{cid}", "name": "{cname}"}},
        "lines": [{}]}}"#,
        lines.join(","),
        cid = customer.0,
        cname = customer.1
    )
}
