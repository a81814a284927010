//! The screens' background work: [`crate::jobs::runner`] as a task of the screens'
//! runtime, its database work on the screens' database worker, reporting what a person
//! should notice as messages; the screens pick up the data itself through the change
//! counter like any other change.

use super::widgets::Tone;
use super::worker::Msg;
use crate::identity::Actor;
use crate::jobs::{Context, Db};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

/// Starts the background task; it stops when `stop` is cancelled (after the job under
/// way, if any) or the screens are gone. Should it fail inside, the screens are told
/// that background work has stopped.
pub fn spawn(db: Db, actor: Actor, out: UnboundedSender<Msg>, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    let told = out.clone();
    let work = tokio::spawn(async move {
        let ctx = Context::new(&db, stop);
        let mut notify = move |n: crate::jobs::runner::Notice| {
            // A job's failure reaches its person as a notice of theirs, in their screens.
            if n.routine || n.job {
                return true;
            }
            let tone = if n.ok { Tone::Ok } else { Tone::Error };
            out.send(Msg::Notice(tone, n.text)).is_ok()
        };
        crate::jobs::runner::run(&db, &ctx, &actor, &mut notify).await;
    });
    tokio::spawn(async move {
        if let Err(e) = work.await {
            if e.is_panic() {
                tracing::error!("the background task ended with a panic");
                let _ = told.send(Msg::Notice(
                    Tone::Error,
                    "background work (sending, syncing, the inbox) stopped after an internal error; see the log, \
                     and open Purser again to resume it"
                        .into(),
                ));
            }
        }
    })
}
