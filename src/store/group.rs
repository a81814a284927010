//! Grouped writes, for a file one process owns (`purser serve`).
//!
//! A durable commit costs a sync to disk and the writing of every page the transaction
//! changed. When eight receivers scan at once, their writes queue behind each other's
//! commits. Here, the writes that arrive while one batch commits wait, and then go
//! together as the next batch: one transaction, one durable commit. The first waiting
//! writer to find no batch under way runs the batch (flat combining): it calls each
//! waiting writer's closure in turn, in the order they arrived, and hands each its
//! outcome. A writer returns only once its outcome is known, so no write is
//! acknowledged before it is on disk.
//!
//! Each writer keeps its own outcome: one whose closure refuses has its writes taken
//! back (the transaction's undo log) and the others commit; a failed commit fails every
//! writer of the batch, and none of them wrote anything.

use super::ops::WriteOps;
use super::StoreError;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// A writer's closure: true to keep what it wrote, false to take it back.
pub(super) type Closure<'a> = dyn FnMut(&mut dyn WriteOps) -> bool + Send + 'a;

/// Runs one batch: the closures in one transaction, in order; returns each one's outcome.
pub(super) type RunBatch<'r> = dyn Fn(&mut [&mut Closure<'_>]) -> Vec<Result<(), StoreError>> + 'r;

/// A waiting writer's closure, lent to the thread that runs the batch.
struct Lent(*mut Closure<'static>);

// SAFETY: the closure itself is `Send`. The pointer is dereferenced only by the thread
// running the batch it was taken into, and only while its owner waits in
// `Group::write`, which returns after the batch has ended (see there).
unsafe impl Send for Lent {}

/// Writes waiting, and the outcomes of batches that ended.
#[derive(Default)]
pub(super) struct Group {
    state: Mutex<State>,
    ended: Condvar,
}

#[derive(Default)]
struct State {
    /// Writers waiting for the next batch, by ticket, in the order they arrived.
    waiting: Vec<(u64, Lent)>,
    /// Outcomes not yet collected by their writers.
    outcomes: HashMap<u64, Result<(), StoreError>>,
    /// A batch is under way.
    running: bool,
    next_ticket: u64,
}

impl Group {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` in the next batch, with whatever other writes are waiting then. `run`
    /// runs one batch, a transaction, and returns each closure's outcome in order: `Ok`
    /// whether the closure kept its writes (committed) or took them back.
    pub(super) fn write(&self, f: &mut Closure<'_>, run: &RunBatch<'_>) -> Result<(), StoreError> {
        let ptr: *mut Closure<'_> = f;
        // SAFETY: only the lifetime is erased. This function does not return before the
        // batch that took `ptr` has ended (the loop below waits for its outcome, which
        // is posted after `run` returned or panicked), so `f` outlives every use.
        let ptr: *mut Closure<'static> = unsafe { std::mem::transmute(ptr) };
        let mut s = self.lock();
        let ticket = s.next_ticket;
        s.next_ticket += 1;
        s.waiting.push((ticket, Lent(ptr)));
        loop {
            if let Some(outcome) = s.outcomes.remove(&ticket) {
                return outcome;
            }
            if s.running {
                s = self.ended.wait(s).unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            // No batch under way: this writer runs the next one, its own write in it.
            s.running = true;
            let batch = std::mem::take(&mut s.waiting);
            drop(s);
            let outcomes = run_batch(batch, run);
            s = self.lock();
            s.running = false;
            s.outcomes.extend(outcomes);
            self.ended.notify_all();
        }
    }
}

/// Runs the closures of `batch` through `run`; every ticket gets an outcome, also when
/// `run` panics or returns too few.
fn run_batch(batch: Vec<(u64, Lent)>, run: &RunBatch<'_>) -> Vec<(u64, Result<(), StoreError>)> {
    let tickets: Vec<u64> = batch.iter().map(|(t, _)| *t).collect();
    // SAFETY: see `Lent`: each owner is waiting for this batch's outcome.
    let mut closures: Vec<&mut Closure<'_>> = batch.into_iter().map(|(_, Lent(p))| unsafe { &mut *p }).collect();
    let outcomes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&mut closures)));
    drop(closures);
    let mut outcomes = match outcomes {
        Ok(o) => o.into_iter(),
        Err(payload) => {
            let message = crate::domain::text::panic_text(payload.as_ref());
            tracing::error!("a grouped write stopped: {message}");
            Vec::new().into_iter()
        }
    };
    tickets
        .into_iter()
        .map(|t| {
            let outcome = outcomes.next().unwrap_or_else(|| {
                Err(StoreError::Db(
                    "the write stopped with an internal error before it was committed; see the log".into(),
                ))
            });
            (t, outcome)
        })
        .collect()
}

#[cfg(test)]
impl Group {
    /// Whether a batch is under way, and how many writers wait for the next.
    pub(super) fn queue(&self) -> (bool, usize) {
        let s = self.lock();
        (s.running, s.waiting.len())
    }
}
