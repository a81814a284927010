//! Background work: the outbox (emails, distributor submissions and status polls, PSA
//! sync) and the watched quote inbox, in a loop until told to stop. The screens run it on
//! a thread of their own; `purser background` runs it as a service (systemd, say) so the
//! work goes on when nobody has the screens open.

use crate::app::Service;
use crate::domain::Role;
use crate::identity::Actor;
use crate::inbox::{self, InboxResult};
use crate::jobs::Executor;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often due jobs are looked for.
pub const JOBS_EVERY: Duration = Duration::from_secs(2);

/// Something a person should notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub ok: bool,
    /// Work done as expected (a job finished): worth a log line, not an interruption.
    pub routine: bool,
    pub text: String,
}

impl Notice {
    fn ok(text: String) -> Notice {
        Notice {
            ok: true,
            routine: false,
            text,
        }
    }

    fn routine(text: String) -> Notice {
        Notice {
            ok: true,
            routine: true,
            text,
        }
    }

    fn failed(text: String) -> Notice {
        Notice {
            ok: false,
            routine: false,
            text,
        }
    }
}

/// Runs the loop until `stop` is set (returns true) or `notify` returns false (returns
/// false). The inbox is watched only when it is configured and `actor` may import quotes
/// (buyer or admin).
pub fn run(svc: &Service, actor: &Actor, stop: &AtomicBool, notify: &mut dyn FnMut(Notice) -> bool) -> bool {
    let executor = Executor::from_config(svc.config());
    let inbox = svc
        .config()
        .inbox
        .clone()
        .filter(|_| actor.roles.has(Role::Buyer) || actor.roles.has(Role::Admin));
    let mut next_inbox = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        match svc.run_due_jobs(actor, &executor) {
            Ok(report) => {
                for id in &report.done {
                    if !notify(Notice::routine(format!("job {id} done"))) {
                        return false;
                    }
                }
                for (id, e) in &report.failed {
                    if !notify(Notice::failed(format!("job {id} failed: {e}"))) {
                        return false;
                    }
                }
                for (id, e) in &report.uncertain {
                    if !notify(Notice::failed(format!("job {id} needs a person: {e}"))) {
                        return false;
                    }
                }
                for (id, e) in &report.retrying {
                    tracing::warn!(job = id, error = %e, "job will be retried");
                }
            }
            Err(e) => tracing::error!(error = %e, "running background jobs"),
        }
        if let Some(ib) = &inbox {
            if Instant::now() >= next_inbox {
                next_inbox = Instant::now() + Duration::from_secs(ib.poll_secs);
                match inbox::run_once(svc, actor, &ib.path) {
                    Ok(results) => {
                        for r in results {
                            let n = match r {
                                InboxResult::Done { file, report } => {
                                    Notice::ok(format!("inbox: {file} imported ({} items)", report.items_created()))
                                }
                                InboxResult::Failed { file, reason } => {
                                    Notice::failed(format!("inbox: {file} failed: {reason}"))
                                }
                            };
                            if !notify(n) {
                                return false;
                            }
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "inbox"),
                }
            }
        }
        // Sleep in short steps so that stopping is prompt.
        let wake = Instant::now() + JOBS_EVERY;
        while Instant::now() < wake && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    true
}
