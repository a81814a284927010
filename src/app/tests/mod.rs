//! Service tests on real database files: every command, its refusals, and the invariants
//! of the architecture (quantity conserved, received never above ordered, serials unique
//! per product, a failed command changes nothing, committed work survives a reopen).
//!
//! The helpers shared by every topic are here; the tests are in one module per topic.

use super::audit::AuditFilter;
use super::outbox::LEASE;
use super::testkit::{refused, start_time, Kit, QuoteJson, Snapshot};
use super::*;
use crate::demo::SAMPLES;
use crate::domain::audit::{verify_chain, ChainBreak};
use crate::domain::item::ItemFilter;
use crate::domain::job::{Job, JobKind, JobState};
use crate::domain::order::{OrderEdit, PlaceOutcome, Rejection};
use crate::domain::receiving::{serial_product_key, ReceiveRequest};
use crate::domain::{
    Address, ApprovalRule, ItemId, ItemState, OrderStatus, OrderType, PlacementMethod, PoNumber, Stage,
};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

mod approval;
mod audit;
mod distributor_checks;
mod email_jobs;
mod importing;
mod invariants;
mod jobs;
mod order_actions;
mod orders;
mod pending;
mod placing;
mod receiving;
mod roles;

fn d(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

fn rule(from: &str, to: Option<&str>, approver: &str) -> ApprovalRule {
    ApprovalRule {
        from: d(from),
        to: to.map(d),
        approver: approver.into(),
    }
}

fn all() -> ItemFilter {
    ItemFilter {
        all: true,
        ..Default::default()
    }
}

fn ids(items: &[crate::domain::PendingItem]) -> Vec<ItemId> {
    items.iter().map(|i| i.id).collect()
}

fn actions(k: &Kit) -> Vec<String> {
    k.audit(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn place_req(po: PoNumber, method: PlacementMethod) -> PlaceRequest {
    PlaceRequest { po, method, link: None }
}

/// Everything but the change counter (which any commit, even a no-op one, may move).
fn assert_same_state(a: &Snapshot, b: &Snapshot) {
    assert_eq!(a.audit, b.audit);
    assert_eq!(a.items, b.items);
    assert_eq!(a.orders, b.orders);
    assert_eq!(a.jobs, b.jobs);
    assert_eq!(a.rules, b.rules);
    assert_eq!(a.quotes, b.quotes);
}

/// The shipped samples, with the CSV's short service row (26 of 27 fields) repaired.
fn samples() -> Vec<(&'static str, String)> {
    SAMPLES
        .iter()
        .map(|(name, text)| (*name, text.replace("250.00,,true", "250.00,,,true")))
        .collect()
}

fn full_address() -> serde_json::Value {
    json!({"name": "Customer One", "street": "Kanaalweg 12", "city": "Utrecht", "postal_code": "3526 KL", "country": "NL"})
}

/// A job executor for tests: answers every job with one outcome and counts its runs.
struct Answer(JobOutcome, std::cell::Cell<u32>);

impl JobExecutor for Answer {
    fn run(&self, _svc: &Service, _job: &Job) -> JobOutcome {
        self.1.set(self.1.get() + 1);
        self.0.clone()
    }
}

fn answer(outcome: JobOutcome) -> Answer {
    Answer(outcome, std::cell::Cell::new(0))
}

/// An order awaiting carol's approval, with its notification job (job 1).
fn awaiting_carol(k: &Kit) -> PoNumber {
    k.add_rule(&k.ada(), rule("0", None, "carol")).unwrap();
    let po = k
        .create(&k.import(&QuoteJson::new("Q-1").product("1", "A", 1, "1.00")))
        .number;
    k.place(&k.alice(), place_req(po, PlacementMethod::Manual)).unwrap();
    po
}
