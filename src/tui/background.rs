//! The screens' background thread: [`crate::background`] on a thread of its own (the HTTP
//! and SMTP clients block), reporting what a person should notice as messages; the
//! screens pick up the data itself through the change counter like any other change.

use super::app::Tone;
use super::worker::Msg;
use crate::app::Service;
use crate::identity::Actor;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Starts the background thread; it stops when `stop` is set or the screens are gone.
pub fn spawn(svc: Arc<Service>, actor: Actor, out: UnboundedSender<Msg>, stop: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("purser-background".into())
        .spawn(move || {
            crate::background::run(&svc, &actor, &stop, &mut |n| {
                if n.routine {
                    return true;
                }
                let tone = if n.ok { Tone::Ok } else { Tone::Error };
                out.send(Msg::Notice(tone, n.text)).is_ok()
            });
        })
        .expect("spawn the background thread");
}
