//! Background work: the outbox (emails, distributor submissions and status polls, PSA
//! sync) and the watched quote inbox, in a loop until told to stop. The screens run it as
//! a task of their runtime; `purser background` runs it as a service (systemd, say) so
//! the work goes on when nobody has the screens open.

use super::db::Db;
use super::inbox::{self, InboxResult};
use super::outbox::{run_due, Context, RunReport};
use crate::app::Service;
use crate::identity::Actor;
use std::time::{Duration, Instant};

/// How often due jobs are looked for.
pub const JOBS_EVERY: Duration = Duration::from_secs(2);

/// Something a person should notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub ok: bool,
    /// Work done as expected (a job finished): worth a log line, not an interruption.
    pub routine: bool,
    /// About a job's outcome. A failed job reaches the person who acted on its order as a
    /// notice of theirs (see [`crate::app::notices`]); the screens that happened to run
    /// it need not show it too.
    pub job: bool,
    pub text: String,
}

impl Notice {
    fn ok(text: String) -> Notice {
        Notice {
            ok: true,
            routine: false,
            job: false,
            text,
        }
    }

    fn routine(text: String) -> Notice {
        Notice {
            ok: true,
            routine: true,
            job: true,
            text,
        }
    }

    fn job_failed(text: String) -> Notice {
        Notice {
            ok: false,
            routine: false,
            job: true,
            text,
        }
    }

    fn failed(text: String) -> Notice {
        Notice {
            ok: false,
            routine: false,
            job: false,
            text,
        }
    }
}

/// Runs the loop until `ctx.stop` is cancelled (returns true) or `notify` returns false
/// (returns false). The inbox is watched only when it is configured and `actor` may
/// import quotes (buyer or admin). A stop request is honoured between jobs and while
/// waiting.
pub async fn run(db: &Db, ctx: &Context, actor: &Actor, notify: &mut (dyn FnMut(Notice) -> bool + Send)) -> bool {
    let inbox = db.config().inbox.clone().filter(|_| Service::may_import(actor).is_ok());
    let mut next_inbox = Instant::now();
    // Entries that cannot be moved out of the inbox are reported once, not at every poll.
    let stuck = inbox::Stuck::default();
    while !ctx.stop.is_cancelled() {
        match run_due(db, ctx, actor).await {
            Ok(report) => {
                if !tell_jobs(&report, notify) {
                    return false;
                }
            }
            Err(e) => tracing::error!(error = %e, "running background jobs"),
        }
        if let Some(ib) = &inbox {
            if Instant::now() >= next_inbox && !ctx.stop.is_cancelled() {
                next_inbox = Instant::now() + Duration::from_secs(ib.poll_secs);
                let (a, path, stuck) = (actor.clone(), ib.path.clone(), stuck.clone());
                match db.run(move |svc| inbox::run_watching(svc, &a, &path, &stuck)).await {
                    Ok(results) => {
                        for r in results {
                            if !notify(inbox_notice(r)) {
                                return false;
                            }
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "inbox"),
                }
            }
        }
        tokio::select! {
            _ = ctx.stop.cancelled() => {}
            _ = tokio::time::sleep(JOBS_EVERY) => {}
        }
    }
    true
}

/// Tells what a pass over the outbox did; false when the listener is gone.
fn tell_jobs(report: &RunReport, notify: &mut (dyn FnMut(Notice) -> bool + Send)) -> bool {
    for (id, e) in &report.retrying {
        tracing::warn!(job = id, error = %e, "job will be retried");
    }
    report
        .done
        .iter()
        .all(|id| notify(Notice::routine(format!("job {id} done"))))
        && report
            .failed
            .iter()
            .all(|(id, e)| notify(Notice::job_failed(format!("job {id} failed: {e}"))))
        && report
            .uncertain
            .iter()
            .all(|(id, e)| notify(Notice::job_failed(format!("job {id} needs a person: {e}"))))
}

fn inbox_notice(r: InboxResult) -> Notice {
    match r {
        InboxResult::Done { file, report } => {
            Notice::ok(format!("inbox: {file} imported ({} items)", report.items_created()))
        }
        InboxResult::Failed { file, reason } => Notice::failed(format!("inbox: {file} failed: {reason}")),
    }
}
