//! The screens as a client of the service: the worker's requests go over the socket and
//! its answers come back, with changes pushed by the service as they land. The files a
//! person names (quote files to import, a folder for a PDF) are read and written here,
//! where that person works. When the service goes away (restarted, say), the screens
//! say so, reconnect, and load afresh.

use super::client::{connect, ClientError, Session};
use super::protocol::{Purpose, ScreenMessage, ScreenRequest, WireError};
use crate::domain::PoNumber;
use crate::tui::commands::{save_pdf, Command, CommandKind, ReadQuote};
use crate::tui::error::ScreenError;
use crate::tui::widgets::Tone;
use crate::tui::worker::{Msg, Req};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// How long to wait between attempts to reach a service that went away.
const RECONNECT_EVERY: Duration = Duration::from_millis(500);

/// Starts the link over `session` (within a tokio runtime); the screens send their
/// requests to the returned sender, and get answers on `out`.
pub fn start(
    session: Session,
    socket: PathBuf,
    user: Option<String>,
    out: UnboundedSender<Msg>,
) -> std::sync::mpsc::Sender<Req> {
    let (tx, rx) = std::sync::mpsc::channel::<Req>();
    let (atx, arx) = tokio::sync::mpsc::unbounded_channel::<Req>();
    // The screens send on a plain channel; this thread hands each request to the task.
    std::thread::Builder::new()
        .name("purser-link".into())
        .spawn(move || {
            for r in rx {
                if atx.send(r).is_err() {
                    return;
                }
            }
        })
        .expect("spawn the link thread");
    let max_quote_bytes = session.config.import.max_file_bytes();
    let link = Link {
        socket,
        user,
        out,
        max_quote_bytes,
        sent: VecDeque::new(),
        pdf_dirs: HashMap::new(),
    };
    tokio::spawn(link.run(session, arx));
    tx
}

struct Link {
    socket: PathBuf,
    user: Option<String>,
    out: UnboundedSender<Msg>,
    max_quote_bytes: u64,
    /// Commands sent and not yet answered, oldest first.
    sent: VecDeque<CommandKind>,
    /// Where each order's PDF asked for goes.
    pdf_dirs: HashMap<PoNumber, PathBuf>,
}

impl Link {
    async fn run(mut self, mut session: Session, mut reqs: UnboundedReceiver<Req>) {
        loop {
            let (mut sink, mut stream) = session.wire.split();
            loop {
                tokio::select! {
                    req = reqs.recv() => {
                        let Some(req) = req else { return };
                        let Some(message) = self.request(req) else { continue };
                        if sink.send(&message).await.is_err() {
                            break;
                        }
                    }
                    m = stream.recv::<ScreenMessage>() => match m {
                        Ok(m) => self.deliver(m),
                        Err(WireError::Garbled(e)) => tracing::warn!("the service sent what cannot be read: {e}"),
                        Err(_) => break,
                    },
                }
                if self.out.is_closed() {
                    return;
                }
            }
            match self.reconnect(&mut reqs).await {
                Some(s) => session = s,
                None => return,
            }
        }
    }

    /// What goes to the service for a request of the screens (nothing for some).
    fn request(&mut self, req: Req) -> Option<ScreenRequest> {
        Some(match req {
            Req::Load(l) => ScreenRequest::Load(l),
            // The service pushes every change; there is nothing to poll for.
            Req::Poll => return None,
            Req::Do(Command::ExportPdf { po, dir }) => {
                self.pdf_dirs.insert(po, dir);
                ScreenRequest::Pdf(po)
            }
            Req::Do(Command::Import { files }) => {
                let files = files.iter().map(|f| ReadQuote::read(f, self.max_quote_bytes)).collect();
                self.sent.push_back(CommandKind::Import);
                ScreenRequest::Do(Command::ImportRead { files })
            }
            Req::Do(c) => {
                self.sent.push_back(c.kind());
                ScreenRequest::Do(c)
            }
            Req::Call(c) => ScreenRequest::Call(c),
            Req::StopCall => ScreenRequest::StopCall,
            Req::Task(_) => {
                tracing::warn!("a database task reached the link to the service; background work is the service's");
                return None;
            }
        })
    }

    fn deliver(&mut self, m: ScreenMessage) {
        let msg = match m {
            ScreenMessage::Items { from, to, items } => Msg::Items { from, to, items },
            ScreenMessage::Orders(orders, sync) => Msg::Orders(orders, sync.into_iter().collect()),
            ScreenMessage::Audit(a) => Msg::Audit(a),
            ScreenMessage::OrderAudit(po, a) => Msg::OrderAudit(po, a),
            ScreenMessage::Rules(r) => Msg::Rules(r),
            ScreenMessage::ShipTo(q, a) => Msg::ShipTo(q, a),
            ScreenMessage::Notices(n) => Msg::Notices(n),
            ScreenMessage::Changed(c) => Msg::Changed(c),
            ScreenMessage::Reload => Msg::Reload,
            ScreenMessage::ItemsChanged(items) => Msg::ItemsChanged(items),
            ScreenMessage::OrdersChanged { asked, orders, sync } => Msg::OrdersChanged {
                asked,
                orders,
                sync: sync.into_iter().collect(),
            },
            ScreenMessage::AuditAdded(a) => Msg::AuditAdded(a),
            ScreenMessage::AuditEntry(seq, e) => Msg::AuditEntry(seq, e),
            ScreenMessage::OrderAuditAdded(po, a) => Msg::OrderAuditAdded(po, a),
            ScreenMessage::Done { command, result } => {
                self.sent.pop_front();
                Msg::Done {
                    command,
                    result: result.map_err(ScreenError::Service),
                }
            }
            ScreenMessage::Called { command, result } => Msg::Called {
                command,
                result: result.map_err(ScreenError::Service),
            },
            ScreenMessage::Busy(b) => Msg::Busy(b),
            ScreenMessage::Failed(e) => Msg::Notice(Tone::Error, e),
            ScreenMessage::Notice(tone, text) => Msg::Notice(tone, text),
            ScreenMessage::Pdf(po, made) => {
                let dir = self.pdf_dirs.remove(&po).unwrap_or_else(|| PathBuf::from("."));
                let result = made
                    .map_err(ScreenError::Service)
                    .and_then(|(_, bytes)| save_pdf(po, &bytes, dir));
                Msg::Done {
                    command: CommandKind::ExportPdf,
                    result,
                }
            }
        };
        let _ = self.out.send(msg);
    }

    /// After the connection was lost: commands in flight are reported as unknown, new ones
    /// refused until the service is back; then a fresh start. `None` when the screens are
    /// gone or the service no longer accepts this user.
    async fn reconnect(&mut self, reqs: &mut UnboundedReceiver<Req>) -> Option<Session> {
        let lost = "the connection to the Purser service was lost before it answered; whether this was done \
                    shows once the screens have reconnected";
        for command in self.sent.drain(..) {
            let _ = self.out.send(Msg::Done {
                command,
                result: Err(ScreenError::Service(lost.into())),
            });
        }
        self.pdf_dirs.clear();
        let _ = self.out.send(Msg::Disconnected);
        let _ = self.out.send(Msg::Notice(
            Tone::Warn,
            "lost the connection to the Purser service; reconnecting…".into(),
        ));
        // An interval, not a sleep per turn: the screens' requests must not keep putting
        // the next attempt off.
        let mut told: Option<String> = None;
        let mut attempt = tokio::time::interval(RECONNECT_EVERY);
        attempt.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        attempt.tick().await;
        loop {
            tokio::select! {
                req = reqs.recv() => {
                    // Loads are made afresh once connected; a command is refused now.
                    if let Req::Do(c) = req? {
                        let _ = self.out.send(Msg::Done {
                            command: c.kind(),
                            result: Err(ScreenError::Service(
                                "not connected to the Purser service; nothing was done (try again once it is back)"
                                    .into(),
                            )),
                        });
                    }
                }
                _ = attempt.tick() => {
                    match connect(&self.socket, self.user.clone(), Purpose::Screens).await {
                        Ok(s) => {
                            self.max_quote_bytes = s.config.import.max_file_bytes();
                            let _ = self.out.send(Msg::Notice(
                                Tone::Ok,
                                "reconnected to the Purser service; the screens show its data afresh".into(),
                            ));
                            // Who the service takes the user for now, before anything loads
                            // (a change of roles is said after the reconnection, so it stays
                            // on the status line).
                            let _ = self.out.send(Msg::Welcome {
                                actor: s.actor.clone(),
                                config: Box::new(s.config.clone()),
                            });
                            let _ = self.out.send(Msg::Reload);
                            return Some(s);
                        }
                        Err(e @ ClientError::Refused { .. }) => {
                            let _ = self.out.send(Msg::Ended(format!(
                                "the Purser service refused the screens when they reconnected: {e}"
                            )));
                            return None;
                        }
                        // Said once, then tried again: a configuration the restarted
                        // service sends that this purser cannot read, a group membership
                        // taken away, another version — the person sees why it waits.
                        Err(e @ (ClientError::Config(_) | ClientError::NotInGroup { .. } | ClientError::Wire(_))) => {
                            let why = e.to_string();
                            if told.as_deref() != Some(why.as_str()) {
                                let _ = self.out.send(Msg::Notice(Tone::Error, format!("cannot reconnect: {why}")));
                                told = Some(why);
                            }
                        }
                        Err(_) => {}
                    }
                }
            }
            if self.out.is_closed() {
                return None;
            }
        }
    }
}
