//! The worker: owns the service, runs every database call off the render path, and
//! answers with messages. Commands run in the order sent; repeated loads coalesce (the
//! latest wins) and run when no command waits, the pending items in chunks so commands
//! never wait behind a long load.
//!
//! What each command does, and the [`Patch`] it answers with, is in [`super::commands`].

use crate::app::audit::AuditFilter;
use crate::app::Service;
use crate::domain::{ApprovalRule, AuditEntry, ItemId, Order, PendingItem, PoNumber};
use crate::identity::Actor;
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

pub use super::commands::{execute, Command, CommandKind, Load, Patch};

/// Items in the first chunk: enough for the first screen.
pub const FIRST_CHUNK: usize = 200;
/// Items per later chunk.
pub const CHUNK: usize = 20_000;
/// Audit entries the Audit pane holds: the latest ones (an order's own trail is loaded
/// whole with its detail view).
pub const AUDIT_LATEST: usize = 5_000;

/// A request to the worker.
pub enum Req {
    Load(Load),
    /// Look at the change counter; answers [`Msg::Changed`] (what changed) or
    /// [`Msg::Reload`] when another process wrote.
    Poll,
    Do(Command),
    /// Work of a background job for the database (see [`crate::jobs::db`]).
    Task(crate::jobs::db::DbTask),
    /// A call to the far side, for screens whose calls the service makes (see
    /// [`super::calls::Calls::through`]); a worker of its own answers it as not made.
    Call(Command),
    /// Stop waiting for the call under way (the service's screens only).
    StopCall,
}

/// Answers from the worker.
#[derive(Debug)]
pub enum Msg {
    /// Items with ids in `from..=to` (to `None`: to the end) as they are now.
    Items {
        from: ItemId,
        to: Option<ItemId>,
        items: Vec<PendingItem>,
    },
    /// Orders, and the PSA sync state of each by number.
    Orders(Vec<Order>, std::collections::HashMap<PoNumber, String>),
    Audit(Vec<AuditEntry>),
    OrderAudit(PoNumber, Vec<AuditEntry>),
    /// One audit entry, whole; `None` when no entry has that number.
    AuditEntry(u64, Option<Box<AuditEntry>>),
    Rules(Vec<ApprovalRule>),
    ShipTo(String, Option<crate::domain::Address>),
    /// The user's unseen notices, newest first.
    Notices(Vec<crate::domain::notice::Notice>),
    /// Another process (or a background job) changed these entities: re-read them.
    Changed(crate::app::Changes),
    /// The change feed does not reach back to what the screens saw: reload everything.
    Reload,
    /// Items someone else changed, as they are now (every state: an item that left the
    /// pool leaves the list).
    ItemsChanged(Vec<PendingItem>),
    /// Orders someone else changed (`asked`: the numbers asked for), and the PSA sync
    /// state of those that have one.
    OrdersChanged {
        asked: Vec<PoNumber>,
        orders: Vec<Order>,
        sync: std::collections::HashMap<PoNumber, String>,
    },
    /// Audit entries appended since the list was loaded (shaped for the list).
    AuditAdded(Vec<AuditEntry>),
    /// Entries appended to an order's audit trail.
    OrderAuditAdded(PoNumber, Vec<AuditEntry>),
    /// The outcome of one command.
    Done {
        command: CommandKind,
        result: Result<Patch, super::error::ScreenError>,
    },
    /// The outcome of a call to the far side (see [`super::screen::Call`]).
    Called {
        command: CommandKind,
        result: Result<Patch, super::error::ScreenError>,
    },
    /// Whether the worker has work in hand (for the spinner).
    Busy(bool),
    /// A load failed.
    Failed(crate::app::AppError),
    /// Something the background work wants a person to notice.
    Notice(super::widgets::Tone, String),
    /// The service took the screens back after it restarted: who it takes the user for
    /// now, and its configuration (its roles and rules may have changed meanwhile).
    Welcome {
        actor: crate::identity::Actor,
        config: Box<crate::config::Config>,
    },
    /// The connection to the service was lost; the screens are reconnecting (until
    /// [`Msg::Welcome`]).
    Disconnected,
    /// The service no longer serves these screens (it refused them when they reconnected,
    /// in these words): the screens close and say why.
    Ended(String),
}

/// Loads one chunk of items from `from`; returns the message and where to go on.
pub fn items_chunk(svc: &Service, from: ItemId, limit: usize) -> Result<(Msg, Option<ItemId>), crate::app::AppError> {
    let items = svc.items_from(from, limit)?;
    let full = items.len() == limit;
    let last = items.last().map(|i| i.id);
    let next = if full { last.map(|l| l + 1) } else { None };
    let to = if full { last } else { None };
    // Items on orders never show in the Pending pane; leaving them out keeps memory down.
    let items = items.into_iter().filter(super::data::shown_in_pending).collect();
    Ok((Msg::Items { from, to, items }, next))
}

/// Runs one load and answers (also used synchronously by tests). Items normally load in
/// chunks (see [`items_chunk`]); asked here, they come in one chunk through the same path.
pub fn load(svc: &Service, l: &Load) -> Msg {
    if *l == Load::Items {
        return items_chunk(svc, 0, usize::MAX).map_or_else(Msg::Failed, |(msg, _)| msg);
    }
    let r: Result<Msg, crate::app::AppError> = (|| {
        Ok(match l {
            Load::Items => unreachable!("answered above"),
            Load::Orders => {
                let orders = svc.list_orders()?;
                // The PSA sync state per order, for the Sync column (none when standalone).
                let sync = if svc.config().psa.kind.is_connected() {
                    svc.psa_sync_status()?.into_iter().map(|v| (v.po, v.sync)).collect()
                } else {
                    Default::default()
                };
                Msg::Orders(orders, sync)
            }
            Load::Notices(user) => {
                let who = crate::identity::Actor {
                    name: user.clone(),
                    roles: Default::default(),
                };
                Msg::Notices(svc.notices(&who, false)?)
            }
            Load::Audit => {
                Msg::Audit(svc.audit_latest(&AuditFilter::default(), AUDIT_LATEST, &super::data::slim_for_list)?)
            }
            Load::OrderAudit(po) => Msg::OrderAudit(
                *po,
                svc.audit(&AuditFilter {
                    po: Some(*po),
                    ..Default::default()
                })?,
            ),
            Load::AuditEntry(seq) => Msg::AuditEntry(*seq, svc.audit_entry(*seq)?.map(Box::new)),
            Load::Rules => Msg::Rules(svc.rules()?),
            Load::ItemsById(ids) => Msg::ItemsChanged(svc.items_by_ids(ids)?),
            Load::OrdersByNumber(asked) => {
                let (orders, sync) = svc.orders_by_numbers(asked)?;
                Msg::OrdersChanged {
                    asked: asked.clone(),
                    orders,
                    sync,
                }
            }
            Load::AuditFrom(start) => Msg::AuditAdded(svc.audit_from(*start, &super::data::slim_for_list)?),
            Load::OrderAuditFrom(po, start) => {
                let entity = po.to_string();
                let mut entries = svc.audit_from(*start, &|_| {})?;
                entries.retain(|e| e.entity == entity);
                Msg::OrderAuditAdded(*po, entries)
            }
            Load::ShipTo(q) => Msg::ShipTo(q.clone(), svc.quote_ship_to(q)?),
        })
    })();
    r.unwrap_or_else(Msg::Failed)
}

/// What the screens last saw of the database: answers a poll with what changed since.
#[derive(Debug, Clone, Copy)]
pub struct Poller {
    /// The change counter the screens are up to date with.
    pub seen: u64,
}

impl Poller {
    /// Up to date with the database as it is now.
    pub fn new(svc: &Service) -> Poller {
        Poller {
            seen: svc.change_counter().unwrap_or(0),
        }
    }

    /// One look at the change counter (a cheap read); when it moved, what changed since
    /// ([`Msg::Changed`]), or [`Msg::Reload`] when the feed does not reach back that far.
    pub fn poll(&mut self, svc: &Service) -> Option<Msg> {
        let now = svc.change_counter().ok()?;
        if now == self.seen {
            return None;
        }
        match svc.changes_since(self.seen) {
            Ok(crate::app::Feed::Changes(c)) => {
                self.seen = c.now;
                Some(Msg::Changed(c))
            }
            Ok(crate::app::Feed::FellBehind { now, .. }) => {
                self.seen = now;
                Some(Msg::Reload)
            }
            Err(e) => {
                tracing::warn!("reading the change feed: {e}; reloading everything");
                self.seen = now;
                Some(Msg::Reload)
            }
        }
    }
}

/// Starts the worker thread. It stops when the request channel closes.
pub fn spawn(svc: Arc<Service>, actor: Actor, out: UnboundedSender<Msg>) -> mpsc::Sender<Req> {
    let (tx, rx) = mpsc::channel::<Req>();
    std::thread::Builder::new()
        .name("purser-worker".into())
        .spawn(move || {
            // The store turns a panic inside redb into an error; anything else that stops
            // the worker is said on the screens rather than leaving them waiting.
            let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&svc, &actor, &rx, &out)));
            if stopped.is_err() {
                let _ = out.send(Msg::Notice(
                    super::widgets::Tone::Error,
                    "the database worker stopped after an internal error; see the log, and open Purser again".into(),
                ));
            }
        })
        .expect("spawn the worker thread");
    tx
}

fn run(svc: &Service, actor: &Actor, rx: &mpsc::Receiver<Req>, out: &UnboundedSender<Msg>) {
    let mut loads: Vec<Load> = Vec::new();
    let mut items_at: Option<(ItemId, usize)> = None;
    let mut poller = Poller::new(svc);
    let mut busy = false;
    let send = |m: Msg| out.send(m).is_ok();
    loop {
        let idle = loads.is_empty() && items_at.is_none();
        if idle && busy {
            busy = false;
            if !send(Msg::Busy(false)) {
                return;
            }
        }
        let mut batch = Vec::new();
        if idle {
            match rx.recv() {
                Ok(r) => batch.push(r),
                Err(_) => return,
            }
        }
        loop {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => return,
            }
        }
        for req in batch {
            if !matches!(req, Req::Poll | Req::Task(_) | Req::StopCall) && !busy {
                busy = true;
                if !send(Msg::Busy(true)) {
                    return;
                }
            }
            match req {
                Req::Poll => {
                    if let Some(m) = poller.poll(svc) {
                        if !send(m) {
                            return;
                        }
                    }
                }
                Req::Task(task) => task(svc),
                Req::Call(c) => {
                    let refused = Msg::Called {
                        command: c.kind(),
                        result: Err(super::error::ScreenError::Service(
                            "calls to distributors are made by the screens' own task here".into(),
                        )),
                    };
                    if !send(refused) {
                        return;
                    }
                }
                Req::StopCall => {}
                Req::Load(Load::Items) => items_at = Some((0, FIRST_CHUNK)),
                Req::Load(l) => {
                    loads.retain(|x| x != &l);
                    loads.push(l);
                }
                Req::Do(cmd) => {
                    let name = cmd.kind();
                    let before = svc.change_counter().unwrap_or(0);
                    let ours_before = Service::commits_on_this_thread();
                    let result = execute(svc, actor, cmd);
                    let after = svc.change_counter().unwrap_or(0);
                    let ours = Service::commits_on_this_thread() - ours_before;
                    // Only our own commits happened: the screens patch the result in and need
                    // not read it again. Anyone else's commit in between, and the next poll
                    // answers what every commit since touched, ours among them.
                    if poller.seen == before && after == before + ours {
                        poller.seen = after;
                    }
                    if !send(Msg::Done { command: name, result }) {
                        return;
                    }
                }
            }
        }
        // One unit of loading, then look for commands again. After the first page of
        // items (the first frame), other loads go before the rest of the items.
        let first_page = items_at.is_some_and(|(from, _)| from == 0);
        if !first_page && !loads.is_empty() {
            let l = loads.remove(0);
            if !send(load(svc, &l)) {
                return;
            }
        } else if let Some((from, limit)) = items_at {
            match items_chunk(svc, from, limit) {
                Ok((msg, next)) => {
                    items_at = next.map(|n| (n, CHUNK));
                    if !send(msg) {
                        return;
                    }
                }
                Err(e) => {
                    items_at = None;
                    if !send(Msg::Failed(e)) {
                        return;
                    }
                }
            }
        }
    }
}
