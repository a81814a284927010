//! Helpers for service tests: a [`Service`] on a real redb file in a temporary folder,
//! a clock the test moves by hand, the configured users as actors, a quote-JSON builder,
//! and snapshots to prove that a refused command changed nothing.

use super::{Clock, CreateOrder, PlaceRequest, Service};
use crate::config::Config;
use crate::domain::job::Job;
use crate::domain::receiving::ReceiveRequest;
use crate::domain::{ApprovalRule, AuditEntry, ItemId, Order, PendingItem, PlacementMethod, PoNumber, Timestamp};
use crate::identity::{self, Actor};
use crate::store::{OpenMode, Store};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tempfile::TempDir;

/// The test configuration: every role has a user, two distributors, no PSA.
pub(crate) const CONFIG: &str = r#"
[users.alice]
roles = ["buyer"]

[users.carol]
roles = ["approver", "buyer"]

[users.dave]
roles = ["approver"]

[users.rick]
roles = ["receiver"]

[users.ada]
roles = ["admin"]

[distributors.ingram]
kind = "ingram"
name = "Ingram Micro"
currency = "EUR"
email = ["orders@ingram.invalid"]

# No ordering API and no email address: orders go out by hand.
[distributors.tdsynnex]
kind = "manual"
name = "TD SYNNEX"
currency = "EUR"
"#;

/// [`CONFIG`] with HaloPSA connected (one customer company per order).
pub(crate) fn halopsa_config() -> String {
    format!("{CONFIG}\n[psa]\nkind = \"halopsa\"\n")
}

/// The instant every test clock starts at.
pub(crate) fn start_time() -> Timestamp {
    chrono::DateTime::from_timestamp(1_795_000_000, 0).expect("a valid instant")
}

/// A clock that only moves when the test says so.
#[derive(Clone)]
pub(crate) struct TestClock {
    secs: Arc<AtomicI64>,
}

impl TestClock {
    pub(crate) fn new() -> Self {
        TestClock {
            secs: Arc::new(AtomicI64::new(start_time().timestamp())),
        }
    }

    /// The [`Clock`] to hand to a service; it follows [`TestClock::advance`].
    pub(crate) fn clock(&self) -> Clock {
        let secs = Arc::clone(&self.secs);
        Arc::new(move || chrono::DateTime::from_timestamp(secs.load(Ordering::SeqCst), 0).expect("a valid instant"))
    }

    pub(crate) fn advance(&self, secs: i64) {
        self.secs.fetch_add(secs, Ordering::SeqCst);
    }

    pub(crate) fn now(&self) -> Timestamp {
        chrono::DateTime::from_timestamp(self.secs.load(Ordering::SeqCst), 0).expect("a valid instant")
    }
}

/// Everything a test can observe in the store, to compare before and after a command.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Snapshot {
    pub changes: u64,
    pub audit: Vec<AuditEntry>,
    pub items: Vec<PendingItem>,
    pub orders: Vec<Order>,
    pub jobs: Vec<Job>,
    pub rules: Vec<ApprovalRule>,
    pub quotes: Vec<String>,
    pub notices: Vec<crate::domain::notice::Notice>,
}

/// A service on a real database file, with its folder, configuration and clock.
pub(crate) struct Kit {
    pub dir: TempDir,
    pub path: PathBuf,
    pub config: Arc<Config>,
    pub clock: TestClock,
    svc: Option<Service>,
}

impl std::ops::Deref for Kit {
    type Target = Service;
    fn deref(&self) -> &Service {
        self.svc.as_ref().expect("the service is open")
    }
}

impl Kit {
    /// A fresh database with [`CONFIG`].
    pub(crate) fn new() -> Kit {
        Kit::with_config(CONFIG)
    }

    /// A fresh database with HaloPSA connected.
    pub(crate) fn halopsa() -> Kit {
        Kit::with_config(&halopsa_config())
    }

    /// A fresh database where email placement is possible ([mail] writes files; the
    /// tests answer email jobs themselves, so the folder is never written).
    pub(crate) fn with_mail() -> Kit {
        Kit::with_config(&format!("{CONFIG}\n[mail]\nfolder = \"unused-mail-folder\"\n"))
    }

    pub(crate) fn with_config(toml: &str) -> Kit {
        let dir = tempfile::Builder::new()
            .prefix("purser-test-")
            .tempdir()
            .expect("a temporary folder");
        let path = dir.path().join("purser.redb");
        let config = Arc::new(Config::parse(toml).expect("the test configuration parses"));
        let clock = TestClock::new();
        let store = Store::open_as(&path, OpenMode::New).expect("a new database is created");
        let svc = Service::new(store, Arc::clone(&config), clock.clock());
        Kit {
            dir,
            path,
            config,
            clock,
            svc: Some(svc),
        }
    }

    /// Drops the service (closing the file) and opens the same file again.
    pub(crate) fn reopen(&mut self) {
        drop(self.svc.take());
        let store = Store::open_as(&self.path, OpenMode::Existing).expect("the database opens again");
        self.svc = Some(Service::new(store, Arc::clone(&self.config), self.clock.clock()));
    }

    /// Rewrites the closed file as a Purser before schema 3 left it: every value without
    /// its checksum, and `version` as the schema.
    pub(crate) fn as_old_schema(&self, version: u64) {
        use redb::{ReadableTable, TableDefinition};
        fn strip<K: redb::Key + 'static>(tx: &redb::WriteTransaction, def: TableDefinition<K, &'static [u8]>) {
            let mut t = tx.open_table(def).unwrap();
            let rows: Vec<(Vec<u8>, Vec<u8>)> = t
                .iter()
                .unwrap()
                .map(|r| {
                    let (k, v) = r.unwrap();
                    let key = k.value();
                    let kb = K::as_bytes(&key).as_ref().to_vec();
                    let v = v.value();
                    (kb, v[..v.len() - 4].to_vec())
                })
                .collect();
            for (k, v) in rows {
                t.insert(K::from_bytes(&k), v.as_slice()).unwrap();
            }
        }
        self.behind_the_back(|tx| {
            for (name, numeric) in crate::store::RECORD_TABLES {
                if numeric {
                    strip(tx, TableDefinition::<u64, &[u8]>::new(name));
                } else {
                    strip(tx, TableDefinition::<&str, &[u8]>::new(name));
                }
            }
            let meta: TableDefinition<&str, u64> = TableDefinition::new("meta");
            tx.open_table(meta).unwrap().insert("schema_version", version).unwrap();
        });
    }

    /// Runs `f` on the closed file through redb directly (behind Purser's back), and
    /// commits.
    pub(crate) fn behind_the_back(&self, f: impl FnOnce(&redb::WriteTransaction)) {
        let db = redb::Database::builder()
            .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter)
            .create(&self.path)
            .unwrap();
        let tx = db.begin_write().unwrap();
        f(&tx);
        tx.commit().unwrap();
    }

    /// Closes the service; the file stays (for tampering with it directly).
    pub(crate) fn close(&mut self) {
        drop(self.svc.take());
    }

    /// A configured user, resolved the way the command line does.
    pub(crate) fn actor(&self, name: &str) -> Actor {
        identity::resolve(&self.config, Some(name), name).expect("a configured user")
    }

    pub(crate) fn alice(&self) -> Actor {
        self.actor("alice")
    }
    pub(crate) fn carol(&self) -> Actor {
        self.actor("carol")
    }
    pub(crate) fn dave(&self) -> Actor {
        self.actor("dave")
    }
    pub(crate) fn rick(&self) -> Actor {
        self.actor("rick")
    }
    pub(crate) fn ada(&self) -> Actor {
        self.actor("ada")
    }

    /// Imports `quote` as alice; returns the new item ids.
    pub(crate) fn import(&self, quote: &QuoteJson) -> Vec<ItemId> {
        let report = self
            .import_text(&self.alice(), &format!("{}.json", quote.id()), &quote.build())
            .expect("the quote imports");
        match &report.quotes[..] {
            [super::ImportOutcome::Imported { items, .. }] => items.clone(),
            other => panic!("expected one imported quote, got {other:?}"),
        }
    }

    /// Alice creates a wholesale order at ingram.
    pub(crate) fn create(&self, items: &[ItemId]) -> Order {
        self.create_at("ingram", items)
    }

    /// (An item of another distributor goes on it as if alice had agreed when asked.)
    pub(crate) fn create_at(&self, distributor: &str, items: &[ItemId]) -> Order {
        self.create_order_with(
            &self.alice(),
            CreateOrder {
                distributor: distributor.into(),
                items: items.to_vec(),
                ..Default::default()
            },
            super::OtherDistributors::Allow,
        )
        .expect("the order is created")
    }

    /// Alice places `po` by hand (no approval rules apply).
    pub(crate) fn place_manual(&self, po: PoNumber) -> Order {
        let r = self
            .place(
                &self.alice(),
                PlaceRequest {
                    po,
                    method: PlacementMethod::Manual,
                    link: None,
                },
            )
            .expect("the order is placed");
        assert_eq!(r.outcome, crate::domain::order::PlaceOutcome::Placed);
        r.order
    }

    /// Rick receives on a line.
    pub(crate) fn receive_as_rick(
        &self,
        po: PoNumber,
        line: u32,
        qty: Option<u32>,
        serials: &[&str],
    ) -> Result<super::receiving::ReceiveResult, super::AppError> {
        self.receive(
            &self.rick(),
            po,
            ReceiveRequest {
                line,
                quantity: qty,
                serials: serials.iter().map(|s| s.to_string()).collect(),
            },
        )
    }

    /// Everything in the store.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let store = self.store();
        let (audit, items, orders, jobs, rules, notices) = store
            .read(|tx| {
                Ok::<_, crate::store::StoreError>((
                    tx.audit()?,
                    tx.items()?,
                    tx.orders()?,
                    tx.jobs()?,
                    tx.rules()?,
                    tx.notices()?,
                ))
            })
            .expect("the store reads");
        let mut quotes: Vec<String> = items.iter().map(|i| i.quote_id.to_string()).collect();
        quotes.sort();
        quotes.dedup();
        Snapshot {
            changes: store.change_counter().expect("the counter reads"),
            audit,
            items,
            orders,
            jobs,
            rules,
            quotes,
            notices,
        }
    }

    /// Asserts that nothing changed since `before`, not even the change counter.
    #[track_caller]
    pub(crate) fn assert_unchanged(&self, before: &Snapshot) {
        let now = self.snapshot();
        assert_eq!(now.changes, before.changes, "the change counter moved");
        assert_eq!(now.audit.len(), before.audit.len(), "the audit trail grew");
        assert_eq!(&now, before);
    }
}

/// Asserts that `result` is an error whose message contains every one of `parts`.
#[track_caller]
pub(crate) fn refused<T: std::fmt::Debug>(result: Result<T, super::AppError>, parts: &[&str]) -> super::AppError {
    match result {
        Ok(v) => panic!("expected a refusal mentioning {parts:?}, got Ok({v:?})"),
        Err(e) => {
            let msg = e.to_string();
            for p in parts {
                assert!(msg.contains(p), "the message {msg:?} should mention {p:?}");
            }
            e
        }
    }
}

/// Builds the JSON of an approved quote, line by line.
#[derive(Debug, Clone)]
pub(crate) struct QuoteJson {
    value: Value,
}

impl QuoteJson {
    /// A quote in EUR for customer C-1 (PSA company 501), without lines yet.
    pub(crate) fn new(quote_id: &str) -> Self {
        QuoteJson {
            value: json!({
                "quote_id": quote_id,
                "quote_number": quote_id.trim_start_matches("Q-"),
                "approved_at": "2026-11-20T09:30:00Z",
                "currency": "EUR",
                "customer": {"id": "C-1", "name": "Customer One", "psa_company_id": "501"},
                "lines": [],
            }),
        }
    }

    pub(crate) fn id(&self) -> String {
        self.value["quote_id"].as_str().unwrap_or_default().to_string()
    }

    pub(crate) fn currency(mut self, currency: &str) -> Self {
        self.value["currency"] = json!(currency);
        self
    }

    pub(crate) fn customer(mut self, id: &str, name: &str, psa_company_id: &str) -> Self {
        self.value["customer"] = json!({"id": id, "name": name, "psa_company_id": psa_company_id});
        self
    }

    pub(crate) fn ship_to(mut self, address: Value) -> Self {
        self.value["ship_to"] = address;
        self
    }

    /// A product line that enters procurement, preferred at ingram.
    pub(crate) fn product(self, line_id: &str, sku: &str, quantity: u32, unit_cost: &str) -> Self {
        self.line(json!({
            "line_id": line_id, "kind": "product", "sku": sku, "description": format!("Product {sku}"),
            "quantity": quantity, "unit_cost": unit_cost, "unit_price": unit_cost, "distributor": "ingram",
        }))
    }

    /// A serialized product line.
    pub(crate) fn serialized(self, line_id: &str, sku: &str, quantity: u32, unit_cost: &str) -> Self {
        self.line(json!({
            "line_id": line_id, "kind": "product", "sku": sku, "description": format!("Serialized {sku}"),
            "quantity": quantity, "unit_cost": unit_cost, "unit_price": unit_cost, "distributor": "ingram",
            "serialized": true,
        }))
    }

    /// A service line (never enters procurement).
    pub(crate) fn service(self, line_id: &str, sku: &str) -> Self {
        self.line(json!({
            "line_id": line_id, "kind": "service", "sku": sku, "description": "Service",
            "quantity": 1, "unit_cost": "0", "unit_price": "100.00",
        }))
    }

    /// Any line, as JSON.
    pub(crate) fn line(mut self, line: Value) -> Self {
        self.value["lines"]
            .as_array_mut()
            .expect("lines is an array")
            .push(line);
        self
    }

    pub(crate) fn build(&self) -> String {
        serde_json::to_string_pretty(&self.value).expect("JSON serializes")
    }
}
