//! Grouped writes, for a file one process owns (`purser serve`).
//!
//! A durable commit costs a sync to disk and the writing of every page the transaction
//! changed. When eight receivers scan at once, their writes queue behind each other's
//! commits. Here, the writes that arrive while one batch commits wait, and then go
//! together as the next batch: one transaction, one durable commit. The first waiting
//! writer to find no batch under way runs the batch (flat combining): it calls the
//! waiting writers' closures in turn, in the order they arrived, taking in writers that
//! arrive while it does, until none is waiting; then it commits and hands each its
//! outcome. A writer returns only once its outcome is known, so no write is acknowledged
//! before it is on disk.
//!
//! Each writer keeps its own outcome: one whose closure refuses has its writes taken
//! back (the transaction's undo log) and the others commit; a failed commit fails every
//! writer of the batch, and none of them wrote anything.

use super::ops::WriteOps;
use super::StoreError;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::Thread;

/// A writer's closure: true to keep what it wrote, false to take it back.
pub(super) type Closure<'a> = dyn FnMut(&mut dyn WriteOps) -> bool + Send + 'a;

/// Runs one batch: the closures [`Batch::next`] hands out, in one transaction, in order;
/// returns the outcome of each closure it took, in the order it took them.
pub(super) type RunBatch<'r> = dyn Fn(&mut Batch<'_>) -> Vec<Result<(), StoreError>> + 'r;

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
}

#[derive(Default)]
struct State {
    /// Writers waiting to be taken into a batch, by ticket, in the order they arrived,
    /// with their threads (to wake when their outcome is posted).
    waiting: VecDeque<(u64, Lent, Thread)>,
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

    /// Runs `f` in a batch with whatever other writes are waiting. `run` runs one batch, a
    /// transaction, and returns the outcome of each closure it took, in order: `Ok`
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
        s.waiting.push_back((ticket, Lent(ptr), std::thread::current()));
        loop {
            if let Some(outcome) = s.outcomes.remove(&ticket) {
                return outcome;
            }
            if s.running {
                // Woken when this writer's outcome is posted, or when it is the first still
                // waiting as a batch ends (it runs the next). A wake-up that comes early is
                // looked at again, and one that came before this park is not lost.
                drop(s);
                std::thread::park();
                s = self.lock();
                continue;
            }
            // No batch under way: this writer runs the next one, its own write in it
            // (it waits in the queue and is taken in turn).
            s.running = true;
            drop(s);
            let outcomes = run_batch(self, ticket, run);
            s = self.lock();
            s.running = false;
            for (t, thread, outcome) in outcomes {
                s.outcomes.insert(t, outcome);
                thread.unpark();
            }
            if let Some((_, _, next)) = s.waiting.front() {
                next.unpark();
            }
        }
    }
}

/// The writers one batch has taken, as it takes them.
pub(super) struct Batch<'g> {
    group: &'g Group,
    /// The ticket of the writer running the batch.
    own: u64,
    /// The tickets taken, in order, with their writers' threads.
    taken: Vec<(u64, Thread)>,
}

impl Batch<'_> {
    /// The closure of the writer waiting longest, taken into this batch; `None` when no
    /// writer waits.
    pub(super) fn next(&mut self) -> Option<&mut Closure<'static>> {
        let (ticket, Lent(ptr), thread) = self.group.lock().waiting.pop_front()?;
        self.taken.push((ticket, thread));
        // SAFETY: see `Lent`: the owner waits in `Group::write` until this batch's
        // outcomes are posted, after `run` has returned and this borrow has ended.
        Some(unsafe { &mut *ptr })
    }

    /// How many writers the batch has taken.
    pub(super) fn taken(&self) -> usize {
        self.taken.len()
    }

    /// Whether the only writer taken is the one running the batch, on this thread.
    pub(super) fn only_own(&self) -> bool {
        matches!(self.taken.as_slice(), [(t, _)] if *t == self.own)
    }
}

/// Runs one batch through `run`, as the writer holding `own`; every writer taken gets an
/// outcome, also when `run` panics or returns too few.
fn run_batch(group: &Group, own: u64, run: &RunBatch<'_>) -> Vec<(u64, Thread, Result<(), StoreError>)> {
    let mut batch = Batch {
        group,
        own,
        taken: Vec::new(),
    };
    let outcomes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&mut batch)));
    let mut outcomes = match outcomes {
        Ok(o) => o.into_iter(),
        Err(payload) => {
            let message = crate::domain::text::panic_text(payload.as_ref());
            tracing::error!("a grouped write stopped: {message}");
            Vec::new().into_iter()
        }
    };
    batch
        .taken
        .into_iter()
        .map(|(t, thread)| {
            let outcome = outcomes.next().unwrap_or_else(|| {
                Err(StoreError::Db(
                    "the write stopped with an internal error before it was committed; see the log".into(),
                ))
            });
            (t, thread, outcome)
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
