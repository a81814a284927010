//! The screens' background thread: [`crate::background`] on a thread of its own (the HTTP
//! and SMTP clients block), reporting what a person should notice as messages; the
//! screens pick up the data itself through the change counter like any other change.

use super::widgets::Tone;
use super::worker::Msg;
use crate::app::Service;
use crate::identity::Actor;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Starts the background thread; it stops when `stop` is set or the screens are gone.
/// Should it fail inside, the screens are told that background work has stopped.
pub fn spawn(
    svc: Arc<Service>,
    actor: Actor,
    out: UnboundedSender<Msg>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("purser-background".into())
        .spawn(move || {
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::background::run(&svc, &actor, &stop, &mut |n| {
                    if n.routine {
                        return true;
                    }
                    let tone = if n.ok { Tone::Ok } else { Tone::Error };
                    out.send(Msg::Notice(tone, n.text)).is_ok()
                })
            }));
            if ran.is_err() {
                let _ = out.send(Msg::Notice(
                    Tone::Error,
                    "background work (sending, syncing, the inbox) stopped after an internal error; \
                     see the log, and open Purser again to resume it"
                        .into(),
                ));
            }
        })
        .expect("spawn the background thread")
}
