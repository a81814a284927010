//! Background work while the screens run: the outbox (emails, distributor submissions and
//! status polls, PSA sync) and the watched quote inbox. It runs on a thread of its own —
//! the HTTP and SMTP clients block — and reports what a person should notice as messages;
//! the screens pick up the data itself through the change counter like any other change.

use super::app::Tone;
use super::worker::Msg;
use crate::app::Service;
use crate::domain::Role;
use crate::identity::Actor;
use crate::inbox::{self, InboxResult};
use crate::jobs::Executor;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// How often due jobs are looked for.
const JOBS_EVERY: Duration = Duration::from_secs(2);

/// Starts the background thread; it stops when `stop` is set or the screens are gone.
pub fn spawn(svc: Arc<Service>, actor: Actor, out: UnboundedSender<Msg>, stop: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("purser-background".into())
        .spawn(move || run(&svc, &actor, &out, &stop))
        .expect("spawn the background thread");
}

fn run(svc: &Service, actor: &Actor, out: &UnboundedSender<Msg>, stop: &AtomicBool) {
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
                for (id, e) in &report.failed {
                    if out
                        .send(Msg::Notice(Tone::Error, format!("job {id} failed: {e}")))
                        .is_err()
                    {
                        return;
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
                            let (tone, text) = match r {
                                InboxResult::Done { file, report } => (
                                    Tone::Ok,
                                    format!("inbox: {file} imported ({} items)", report.items_created()),
                                ),
                                InboxResult::Failed { file, reason } => {
                                    (Tone::Error, format!("inbox: {file} failed: {reason}"))
                                }
                            };
                            if out.send(Msg::Notice(tone, text)).is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "inbox"),
                }
            }
        }
        std::thread::sleep(JOBS_EVERY);
    }
}
