//! `purser serve`: the one process that owns the database on a shared machine.

use super::run::CliError;
use crate::app::{system_clock, Service};
use crate::domain::{Role, Roles};
use crate::identity::Actor;
use crate::serve::server::{self, Server};
use crate::store::Store;
use crate::wiring::Global;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The service's configuration unless `--config` names another: the only source of users,
/// roles and identity rules in shared use.
pub const SERVICE_CONFIG: &str = "/etc/purser/config.toml";
/// The service's database unless `--db` names another.
pub const SERVICE_DB: &str = "/var/lib/purser/purser.redb";

/// Who the service's own work (the outbox, the inbox) acts as in the audit trail.
pub fn service_actor() -> Actor {
    Actor {
        name: crate::app::notices::SYSTEM_ACTOR.into(),
        // The inbox imports quotes, which takes a buyer.
        roles: Roles::new([Role::Buyer]),
    }
}

/// Serves until SIGTERM or SIGINT; the job under way finishes first.
pub fn run(g: &Global) -> Result<(), CliError> {
    let config_path = g.config.clone().unwrap_or_else(|| PathBuf::from(SERVICE_CONFIG));
    let config_text = std::fs::read_to_string(&config_path).map_err(|e| {
        CliError::new(
            format!("cannot read the service's configuration {}: {e}", config_path.display()),
            2,
        )
    })?;
    let config = crate::wiring::load_config(&config_path)?;
    let db_path = g.db.clone().unwrap_or_else(|| PathBuf::from(SERVICE_DB));
    let socket = g
        .socket
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::serve::DEFAULT_SOCKET));
    crate::logging::init(db_path.parent().unwrap_or(Path::new(".")));
    // The service's database must exist (`purser init --db PATH` makes it, as the
    // service's account): a mistyped path is refused, never served empty.
    // Owned: no other process may open it while the service runs.
    let store = Store::open_owned(&db_path)?;
    let service = Arc::new(Service::new(store, Arc::new(config), system_clock()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the service's runtime: {e}"), 3))?;
    rt.block_on(serve(service, config_text, &db_path, &socket))
}

async fn serve(service: Arc<Service>, config_text: String, db: &Path, socket: &Path) -> Result<(), CliError> {
    let fail = |e: server::ServeError| CliError::new(e.to_string(), 3);
    let bound = server::bind(socket).await.map_err(fail)?;
    let started = Server::new(service, config_text, Arc::new(super::remote::execute))
        .map_err(fail)
        .and_then(|server| {
            let stop = CancellationToken::new();
            stop_on_signals(stop.clone())
                .map_err(|e| CliError::new(format!("cannot watch for signals: {e}"), 3))
                .map(|()| (server, stop))
        });
    // A service that cannot start leaves no socket behind.
    let (server, stop) = match started {
        Ok(s) => s,
        Err(e) => {
            bound.file.remove();
            return Err(e);
        }
    };
    let work = background(&server, stop.clone());
    tokio::spawn(anchor_daily(server.db().clone(), stop.clone()));
    eprintln!(
        "purser serve: {} on {}; background work as {}; stop with SIGTERM or Ctrl-C",
        db.display(),
        socket.display(),
        service_actor().name
    );
    tracing::info!("serving {} on {}", db.display(), socket.display());
    let listener = server::accept(server, bound.listener, stop).await;
    // The job under way (a send, a sync step) finishes; nothing new starts.
    let _ = work.await;
    bound.file.remove();
    drop(listener);
    eprintln!("purser serve: stopped");
    Ok(())
}

fn stop_on_signals(stop: CancellationToken) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        stop.cancel();
    });
    Ok(())
}

/// The audit chain's head, at start and then once a day, in the log and on standard error
/// (the journal, under systemd): kept outside the database, it lets `audit verify
/// --anchor` prove later that the history up to it was not rewritten.
async fn anchor_daily(db: crate::jobs::Db, stop: CancellationToken) {
    let mut day = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = day.tick() => {}
        }
        match db.call(|svc| svc.log_audit_anchor()).await {
            Some(Ok(Some(anchor))) => eprintln!("purser serve: audit anchor {anchor}"),
            Some(Ok(None)) => eprintln!("purser serve: the audit trail is empty (no anchor yet)"),
            Some(Err(e)) => eprintln!("purser serve: cannot read the audit anchor: {e}"),
            None => return,
        }
    }
}

/// The outbox and the inbox, as the service's own work; what a person should notice is
/// logged (and reaches its person as a notice).
fn background(server: &Server, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    let db = server.db().clone();
    tokio::spawn(async move {
        let ctx = crate::jobs::Context::new(&db, stop);
        let mut log = |n: crate::jobs::runner::Notice| {
            if n.ok {
                tracing::info!("{}", n.text);
            } else {
                tracing::warn!("{}", n.text);
            }
            true
        };
        crate::jobs::runner::run(&db, &ctx, &service_actor(), &mut log).await;
    })
}
