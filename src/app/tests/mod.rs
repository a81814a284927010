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
use crate::domain::job::{JobKind, JobState};
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
mod integrity;
mod invariants;
mod jobs;
mod notices;
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

/// The far side for tests: answers every job it is given with one outcome, recorded the
/// way the outbox loop records it (claim with a lease, then finish), and counts its runs.
struct Answer(JobOutcome, std::cell::Cell<u32>);

impl Answer {
    /// Claims job `id` if it is due, answers it and records the answer.
    fn run_job(&self, k: &Kit, actor: &Actor, id: u64) -> Result<Option<JobOutcome>, AppError> {
        let owner = format!("{}@test", actor.name);
        let Some(job) = k.claim_job(&owner, Some(id))? else {
            return Ok(None);
        };
        self.1.set(self.1.get() + 1);
        k.finish_job(actor, job.id, &owner, &self.0)?;
        Ok(Some(self.0.clone()))
    }

    /// Answers every due job once; returns the ids answered.
    fn run_due(&self, k: &Kit, actor: &Actor) -> Result<Vec<u64>, AppError> {
        let owner = format!("{}@test", actor.name);
        let mut ran = Vec::new();
        while let Some(job) = k.claim_job(&owner, None)? {
            if ran.contains(&job.id) {
                break;
            }
            self.1.set(self.1.get() + 1);
            k.finish_job(actor, job.id, &owner, &self.0)?;
            ran.push(job.id);
        }
        Ok(ran)
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
