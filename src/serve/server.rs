//! The service side: one process owns the database and serves everyone on the machine
//! over a Unix socket. Who a client is comes from the kernel (the socket's peer
//! credentials), never from the client; what they may do comes from the service's own
//! configuration.
//!
//! A command runs to its end on a thread of its own once received, whether or not its
//! client is still there to hear the answer, so a dropped connection never leaves one
//! half done (each command's writes are one transaction in any case). Open screens get
//! every commit pushed to them as it lands.

use super::protocol::{
    CommandDone, CommandRequest, Hello, Purpose, ScreenMessage, ScreenRequest, Welcome, Wire, WireError, PROTOCOL,
};
use crate::app::Service;
use crate::identity::{self, Actor};
use crate::tui::screen::Call;
use crate::tui::worker::{self, Msg, Req};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;

/// Runs one command line for `actor` and says how it ended (the command line layer
/// provides it: the service runs the same commands as a terminal does).
pub type Executor = Arc<dyn Fn(&Arc<Service>, Actor, CommandRequest) -> CommandDone + Send + Sync>;

/// Why the service could not start.
#[derive(Debug, Error)]
pub enum ServeError {
    #[error("another Purser service is already listening on {0}")]
    AlreadyServing(PathBuf),
    #[error("{0} is there and is not a socket; refusing to replace it (give --socket a path of its own, such as /run/purser/purser.sock)")]
    NotASocket(PathBuf),
    #[error("cannot listen on {path}: {source}")]
    Listen { path: PathBuf, source: std::io::Error },
    #[error("cannot start the database thread: {0}")]
    Db(String),
}

/// What every connection shares.
pub struct Server {
    service: Arc<Service>,
    /// The configuration's text, sent to screens (see [`Welcome::Accepted`]).
    config_text: String,
    executor: Executor,
    db: crate::jobs::Db,
}

impl Server {
    pub fn new(service: Arc<Service>, config_text: String, executor: Executor) -> Result<Arc<Server>, ServeError> {
        let db = crate::jobs::Db::spawn(service.clone()).map_err(|e| ServeError::Db(e.to_string()))?;
        Ok(Arc::new(Server {
            service,
            config_text,
            executor,
            db,
        }))
    }

    pub fn service(&self) -> &Arc<Service> {
        &self.service
    }

    pub fn db(&self) -> &crate::jobs::Db {
        &self.db
    }
}

/// Binds the socket at `path`: group read-write (0660), so the group the folder gives it
/// (`purser` when installed) may connect. A socket file left by a service that is gone
/// is replaced; one a live service answers on is not, and a path that holds anything but
/// a socket (a database named by mistake, say) is refused, never removed.
pub async fn bind(path: &Path) -> Result<Bound, ServeError> {
    super::ignore_sigpipe();
    let listen = |source| ServeError::Listen {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => match UnixStream::connect(path).await {
            // No one listens: a socket left by a service that is gone.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                std::fs::remove_file(path).map_err(listen)?
            }
            // Someone answers, or may (another account's service refusing us): not ours.
            _ => return Err(ServeError::AlreadyServing(path.to_path_buf())),
        },
        Ok(_) => return Err(ServeError::NotASocket(path.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(listen(e)),
    }
    let listener = UnixListener::bind(path).map_err(listen)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660)).map_err(listen)?;
    let made = std::fs::symlink_metadata(path).map_err(listen)?;
    Ok(Bound {
        listener,
        file: SocketFile {
            path: path.to_path_buf(),
            id: (made.dev(), made.ino()),
        },
    })
}

/// A socket the service listens on, and the file that names it.
pub struct Bound {
    pub listener: UnixListener,
    pub file: SocketFile,
}

/// The socket file a service made, known by its device and inode.
pub struct SocketFile {
    path: PathBuf,
    id: (u64, u64),
}

impl SocketFile {
    /// Removes the socket file when the service stops, if it is still the one this
    /// service made (someone may have removed it and another service made its own, or put
    /// a file there). Called while the listener is still held, so that its inode cannot
    /// have been freed and given to another file.
    pub fn remove(self) {
        match std::fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.file_type().is_socket() && (meta.dev(), meta.ino()) == self.id => {
                if let Err(e) = std::fs::remove_file(&self.path) {
                    tracing::warn!("cannot remove the socket {}: {e}", self.path.display());
                }
            }
            _ => tracing::info!(
                "left {} alone: it is no longer this service's socket",
                self.path.display()
            ),
        }
    }
}

/// Accepts clients until `stop` is cancelled, each connection a task of its own.
/// Gives the listener back: the socket file is still this service's while it is held
/// (see [`SocketFile::remove`]).
pub async fn accept(server: Arc<Server>, listener: UnixListener, stop: CancellationToken) -> UnixListener {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return listener,
            conn = listener.accept() => match conn {
                Ok((stream, _)) => {
                    let server = server.clone();
                    tokio::spawn(async move {
                        if let Err(e) = connection(server, stream).await {
                            tracing::info!("a client connection ended: {e}");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!("accepting a client failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }
}

/// Who is at the other end of `stream`: their login account, and whom they act as (with
/// the roles); or why they are refused.
fn who(server: &Server, stream: &UnixStream, hello: &Hello) -> Result<(String, Actor), (String, i32)> {
    if hello.protocol != PROTOCOL {
        return Err((
            format!(
                "the Purser service is version {} (protocol {PROTOCOL}) and this purser is version {} \
                 (protocol {}); use the purser installed with the service",
                env!("CARGO_PKG_VERSION"),
                hello.version,
                hello.protocol
            ),
            2,
        ));
    }
    let uid = stream
        .peer_cred()
        .map_err(|e| (format!("the service cannot tell who you are: {e}"), 2))?
        .uid();
    let name = identity::account_of(uid).map_err(|e| (e.to_string(), 2))?;
    let actor =
        identity::resolve(server.service.config(), hello.user.as_deref(), &name).map_err(|e| (e.to_string(), 1))?;
    Ok((name, actor))
}

/// Who a log line names: the login account, and whom it acts as when that is another
/// user (`[identity] allow_user_override`).
fn logged_who(account: &str, actor: &Actor) -> String {
    if account == actor.name {
        account.to_string()
    } else {
        format!("{account} (as {})", actor.name)
    }
}

/// A command line as the log shows it: on one line whatever its arguments hold (a line
/// break in an argument cannot start a log line of its own), each argument with blanks
/// or nothing in it quoted.
fn logged_args(args: &[String]) -> String {
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            let shown = crate::domain::text::escaped(a);
            if a.is_empty() || a.contains(char::is_whitespace) || a.contains('\'') {
                format!("'{}'", shown.replace('\'', "\\'"))
            } else {
                shown
            }
        })
        .collect();
    shown.join(" ")
}

async fn connection(server: Arc<Server>, stream: UnixStream) -> Result<(), WireError> {
    let mut wire = Wire::new(stream);
    let hello: Hello = wire.recv().await?;
    let (account, actor) = match who(&server, wire.get_ref(), &hello) {
        Ok(a) => a,
        Err((message, code)) => {
            tracing::info!("refused a client: {}", crate::domain::text::escaped(&message));
            return wire.send(&Welcome::Refused { message, code }).await;
        }
    };
    wire.send(&Welcome::Accepted {
        user: actor.name.clone(),
        roles: actor.roles.clone(),
        config: server.config_text.clone(),
    })
    .await?;
    let who = logged_who(&account, &actor);
    match hello.purpose {
        Purpose::Command => command(&server, wire, actor, &who).await,
        Purpose::Screens => {
            tracing::info!("{who} opened the screens");
            screens(&server, wire, actor).await
        }
    }
}

/// One command line: run to its end, then answered (if the client is still there).
async fn command(server: &Arc<Server>, mut wire: Wire<UnixStream>, actor: Actor, who: &str) -> Result<(), WireError> {
    let req: CommandRequest = wire.recv().await?;
    tracing::info!("{who} runs: {}", logged_args(&req.args));
    let (svc, exec) = (server.service.clone(), server.executor.clone());
    let done = tokio::task::spawn_blocking(move || exec(&svc, actor, req))
        .await
        .unwrap_or_else(|e| CommandDone {
            error: Some((format!("internal error ({e}); see the service's log"), 3)),
            ..CommandDone::default()
        });
    wire.send(&done).await
}

/// A screens session: the worker the screens would have, run here, with its answers
/// sent to the client and every commit pushed as a poll.
async fn screens(server: &Arc<Server>, wire: Wire<UnixStream>, actor: Actor) -> Result<(), WireError> {
    let (mut sink, mut stream) = wire.split();
    let (msg_tx, mut msg_rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let (extra_tx, mut extra_rx) = tokio::sync::mpsc::unbounded_channel::<ScreenMessage>();
    let to_worker = worker::spawn(server.service.clone(), actor.clone(), msg_tx.clone());
    let mut calls = crate::tui::calls::Calls::new(server.db.clone(), actor.clone(), msg_tx);
    let mut commits = server.service.commits();
    let svc = server.service.clone();
    let writer = async move {
        loop {
            let message = tokio::select! {
                m = msg_rx.recv() => match m { Some(m) => to_wire(m), None => return Ok(()) },
                m = extra_rx.recv() => match m { Some(m) => m, None => return Ok(()) },
            };
            sink.feed(&message).await?;
            // What else is ready goes out in the same write (a command's answer and the
            // busy flag after it, say).
            while let Ok(m) = msg_rx.try_recv() {
                sink.feed(&to_wire(m)).await?;
            }
            sink.flush().await?;
        }
    };
    let reader = async move {
        loop {
            tokio::select! {
                changed = commits.changed() => {
                    if changed.is_err() || to_worker.send(Req::Poll).is_err() {
                        return Ok::<(), WireError>(());
                    }
                }
                req = stream.recv::<ScreenRequest>() => {
                    let sent = match req? {
                        ScreenRequest::Load(l) => to_worker.send(Req::Load(l)).is_ok(),
                        ScreenRequest::Do(c) => to_worker.send(Req::Do(c)).is_ok(),
                        ScreenRequest::Poll => to_worker.send(Req::Poll).is_ok(),
                        ScreenRequest::Call(c) => { calls.take(Call::Start(c)); true }
                        ScreenRequest::StopCall => { calls.take(Call::Stop); true }
                        ScreenRequest::Pdf(po) => {
                            let (svc, extra) = (svc.clone(), extra_tx.clone());
                            tokio::task::spawn_blocking(move || {
                                let _ = extra.send(ScreenMessage::Pdf(po, pdf_of(&svc, po)));
                            });
                            true
                        }
                    };
                    if !sent {
                        return Ok(());
                    }
                }
            }
        }
    };
    // Either side ending ends the session; the worker stops when its channel closes.
    tokio::select! {
        r = writer => r,
        r = reader => r,
    }
}

/// An order's PDF: its file name and bytes.
fn pdf_of(svc: &Service, po: crate::domain::PoNumber) -> Result<(String, Vec<u8>), String> {
    let order = svc.order(po).map_err(|e| e.to_string())?;
    Ok((format!("{po}.pdf"), crate::pdf::render_order(&order, svc.config())))
}

/// A worker's answer as it travels: errors as their text (the screens show only that).
pub fn to_wire(m: Msg) -> ScreenMessage {
    match m {
        Msg::Items { from, to, items } => ScreenMessage::Items { from, to, items },
        Msg::Orders(orders, sync) => ScreenMessage::Orders(orders, sync.into_iter().collect()),
        Msg::Audit(a) => ScreenMessage::Audit(a),
        Msg::OrderAudit(po, a) => ScreenMessage::OrderAudit(po, a),
        Msg::Rules(r) => ScreenMessage::Rules(r),
        Msg::ShipTo(q, a) => ScreenMessage::ShipTo(q, a),
        Msg::Notices(n) => ScreenMessage::Notices(n),
        Msg::Changed(c) => ScreenMessage::Changed(c),
        Msg::Reload => ScreenMessage::Reload,
        Msg::ItemsChanged(items) => ScreenMessage::ItemsChanged(items),
        Msg::OrdersChanged { asked, orders, sync } => ScreenMessage::OrdersChanged {
            asked,
            orders,
            sync: sync.into_iter().collect(),
        },
        Msg::AuditAdded(a) => ScreenMessage::AuditAdded(a),
        Msg::AuditEntry(seq, e) => ScreenMessage::AuditEntry(seq, e),
        Msg::OrderAuditAdded(po, a) => ScreenMessage::OrderAuditAdded(po, a),
        Msg::Done { command, result } => ScreenMessage::Done {
            command,
            result: result.map_err(|e| e.to_string()),
        },
        Msg::Called { command, result } => ScreenMessage::Called {
            command,
            result: result.map_err(|e| e.to_string()),
        },
        Msg::Busy(b) => ScreenMessage::Busy(b),
        Msg::Failed(e) => ScreenMessage::Failed(e.to_string()),
        Msg::Notice(tone, text) => ScreenMessage::Notice(tone, text),
        // Made by a client's link, never by the service's worker; passed on as what they say.
        Msg::Welcome { actor, .. } => ScreenMessage::Notice(
            crate::tui::widgets::Tone::Info,
            format!("the service knows you as {} ({})", actor.name, actor.roles),
        ),
        Msg::Ended(text) => ScreenMessage::Failed(text),
        Msg::Disconnected => ScreenMessage::Notice(
            crate::tui::widgets::Tone::Warn,
            "the connection to the Purser service was lost".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_command_line_stays_on_one_line_and_names_the_account_behind_an_override() {
        let args: Vec<String> = [
            "po",
            "receive",
            "PO-000008",
            "--serial",
            "X1\n2026-12-04T18:49:16Z  INFO root runs: po cancel PO-000001",
            "tab\there",
            "",
            "it's",
        ]
        .map(String::from)
        .to_vec();
        let line = logged_args(&args);
        assert!(!line.contains('\n') && !line.contains('\t'), "{line}");
        assert_eq!(
            line,
            "po receive PO-000008 --serial 'X1\\n2026-12-04T18:49:16Z  INFO root runs: po cancel PO-000001' \
             'tab\\there' '' 'it\\'s'"
        );
        let rick = Actor {
            name: "rick".into(),
            roles: Default::default(),
        };
        assert_eq!(logged_who("rick", &rick), "rick");
        assert_eq!(logged_who("mallory", &rick), "mallory (as rick)");
    }
}
