//! The service in-process on a temporary socket, with screens clients through the real
//! link: a receipt made by one screen is pushed to another, and screens whose service
//! goes away say so, reconnect to the next one and load afresh.

use super::client::connect;
use super::link;
use super::protocol::{CommandDone, Purpose};
use super::server::{self, Server};
use crate::app::testkit::{QuoteJson, CONFIG};
use crate::app::{CreateOrder, PlaceRequest, Service};
use crate::domain::receiving::ReceiveRequest;
use crate::domain::{OrderType, PlacementMethod, PoNumber};
use crate::identity::Actor;
use crate::store::{OpenMode, Store};
use crate::tui::commands::{Command, CommandKind, Load};
use crate::tui::widgets::Tone;
use crate::tui::worker::{Msg, Req};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// Any account may act as the configured users here (the tests run as whoever runs them).
fn config_text() -> String {
    format!("[identity]\nallow_user_override = true\n{CONFIG}")
}

fn service(db: &Path) -> Service {
    let config = crate::config::Config::parse(&config_text()).unwrap();
    let store = Store::open_as(db, OpenMode::OpenOrCreate).unwrap();
    Service::new(store, Arc::new(config), crate::app::system_clock())
}

fn actor(svc: &Service, name: &str) -> Actor {
    crate::identity::resolve(svc.config(), Some(name), name).unwrap()
}

/// A placed order of 5 units, ready to receive.
fn placed_order(svc: &Service) -> PoNumber {
    let alice = actor(svc, "alice");
    let text = QuoteJson::new("Q-SERVE").product("1", "CAB-1", 5, "2.00").build();
    let report = svc.import_text(&alice, "q.json", &text).unwrap();
    let items = match &report.quotes[0] {
        crate::app::ImportOutcome::Imported { items, .. } => items.clone(),
        other => panic!("{other:?}"),
    };
    let order = svc
        .create_order(
            &alice,
            CreateOrder {
                distributor: "ingram".into(),
                order_type: OrderType::Wholesale,
                items,
                ..Default::default()
            },
        )
        .unwrap();
    let place = PlaceRequest {
        po: order.number,
        method: PlacementMethod::Manual,
        link: None,
    };
    svc.place(&alice, place).unwrap();
    order.number
}

/// A service on `socket`, in a runtime of its own (dropping it is the service going away).
fn serve(db: &Path, socket: &Path) -> tokio::runtime::Runtime {
    serve_with(db, socket, &config_text())
}

/// [`serve`] with the configuration `config`.
fn serve_with(db: &Path, socket: &Path, config: &str) -> tokio::runtime::Runtime {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let parsed = crate::config::Config::parse(config).unwrap();
    let store = Store::open_as(db, OpenMode::OpenOrCreate).unwrap();
    let svc = Arc::new(Service::new(store, Arc::new(parsed), crate::app::system_clock()));
    let refuse: server::Executor = Arc::new(|_, _, _| CommandDone::default());
    rt.block_on(async {
        let listener = server::bind(socket).await.unwrap().listener;
        let server = Server::new(svc, config.to_string(), refuse).unwrap();
        tokio::spawn(server::accept(
            server,
            listener,
            tokio_util::sync::CancellationToken::new(),
        ));
    });
    rt
}

/// The screens of `user` through the service: what they send, and what they hear.
fn screens(
    rt: &tokio::runtime::Runtime,
    socket: &Path,
    user: &str,
) -> (std::sync::mpsc::Sender<Req>, UnboundedReceiver<Msg>) {
    let session = rt
        .block_on(connect(socket, Some(user.into()), Purpose::Screens))
        .unwrap();
    assert_eq!(session.actor.name, user);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let _guard = rt.enter();
    let link = link::start(session, PathBuf::from(socket), Some(user.into()), tx);
    (link, rx)
}

/// The next message `want` takes, skipping others; panics after 10 s, naming the
/// messages skipped.
#[track_caller]
fn wait_for<T>(rt: &tokio::runtime::Runtime, rx: &mut UnboundedReceiver<Msg>, want: impl Fn(&Msg) -> Option<T>) -> T {
    let mut skipped = Vec::new();
    let found = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let m = rx.recv().await.expect("the link is open");
                if let Some(t) = want(&m) {
                    return t;
                }
                skipped.push(format!("{m:?}").chars().take(120).collect::<String>());
            }
        })
        .await
    });
    found.unwrap_or_else(|_| panic!("the message did not come within 10 s; came instead: {skipped:#?}"))
}

#[test]
fn a_receipt_at_one_screen_is_pushed_to_another_which_reads_only_that_order() {
    let dir = tempfile::tempdir().unwrap();
    let (db, socket) = (dir.path().join("purser.redb"), dir.path().join("s.sock"));
    let po = placed_order(&service(&db));
    let server = serve(&db, &socket);
    let clients = tokio::runtime::Runtime::new().unwrap();
    let (rick, mut rick_hears) = screens(&clients, &socket, "rick");
    let (_alice, mut alice_hears) = screens(&clients, &socket, "alice");
    // Alice's screens have loaded the order before rick receives (a change made before
    // they first looked is in what they load, not pushed).
    _alice.send(Req::Load(Load::OrdersByNumber(vec![po]))).unwrap();
    wait_for(&clients, &mut alice_hears, |m| {
        matches!(m, Msg::OrdersChanged { .. }).then_some(())
    });
    let req = ReceiveRequest {
        line: 1,
        quantity: Some(2),
        serials: vec![],
    };
    rick.send(Req::Do(Command::Receive { po, req })).unwrap();
    let done = wait_for(&clients, &mut rick_hears, |m| match m {
        Msg::Done {
            command: CommandKind::Receive,
            result,
        } => Some(result.as_ref().map(|_| ()).map_err(|e| e.to_string())),
        _ => None,
    });
    assert_eq!(done, Ok(()));
    // Alice's screens are told what changed: that order, not everything.
    let changes = wait_for(&clients, &mut alice_hears, |m| match m {
        Msg::Changed(c) => Some(c.clone()),
        Msg::Reload => panic!("a reload instead of the changes"),
        _ => None,
    });
    assert!(changes.orders().contains(&po), "{changes:?}");
    _alice.send(Req::Load(Load::OrdersByNumber(vec![po]))).unwrap();
    let received = wait_for(&clients, &mut alice_hears, |m| match m {
        Msg::OrdersChanged { orders, .. } => orders.iter().find(|o| o.number == po).map(|o| o.received_on(1)),
        _ => None,
    });
    assert_eq!(received, 2);
    drop(server);
}

#[test]
fn screens_whose_service_restarts_say_so_reconnect_and_load_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let (db, socket) = (dir.path().join("purser.redb"), dir.path().join("s.sock"));
    let po = placed_order(&service(&db));
    let server = serve(&db, &socket);
    let clients = tokio::runtime::Runtime::new().unwrap();
    let (rick, mut hears) = screens(&clients, &socket, "rick");
    // The service goes away: its connections close.
    server.shutdown_timeout(Duration::from_secs(5));
    // Said to the screens as a state (shown until the service is back), then in words.
    wait_for(&clients, &mut hears, |m| matches!(m, Msg::Disconnected).then_some(()));
    let lost = wait_for(&clients, &mut hears, |m| match m {
        Msg::Notice(Tone::Warn, text) => Some(text.clone()),
        _ => None,
    });
    assert!(lost.contains("lost the connection"), "{lost}");
    // A receipt now is refused at once, not queued for later.
    let req = ReceiveRequest {
        line: 1,
        quantity: Some(1),
        serials: vec![],
    };
    rick.send(Req::Do(Command::Receive { po, req })).unwrap();
    let refused = wait_for(&clients, &mut hears, |m| match m {
        Msg::Done { result: Err(e), .. } => Some(e.to_string()),
        _ => None,
    });
    assert!(refused.contains("nothing was done"), "{refused}");
    // The service is back: the screens say so and load everything afresh.
    let _server = serve(&db, &socket);
    let back = wait_for(&clients, &mut hears, |m| match m {
        Msg::Notice(Tone::Ok, text) => Some(text.clone()),
        _ => None,
    });
    assert!(back.contains("reconnected"), "{back}");
    wait_for(&clients, &mut hears, |m| matches!(m, Msg::Welcome { .. }).then_some(()));
    wait_for(&clients, &mut hears, |m| matches!(m, Msg::Reload).then_some(()));
    assert_eq!(service_order_received(&db, po), 0, "the refused receipt was not made");
}

fn service_order_received(db: &Path, po: PoNumber) -> u32 {
    service(db).order(po).unwrap().received_on(1)
}

#[test]
fn a_path_that_holds_anything_but_a_socket_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("purser.redb");
    placed_order(&service(&db));
    let before = std::fs::read(&db).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // The database named as the socket by mistake: refused, the file untouched.
    let e = rt.block_on(server::bind(&db)).err().expect("refused");
    assert!(matches!(e, server::ServeError::NotASocket(_)), "{e}");
    assert!(e.to_string().contains("is not a socket"), "{e}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
    // A folder too.
    let e = rt.block_on(server::bind(dir.path())).err().expect("refused");
    assert!(matches!(e, server::ServeError::NotASocket(_)), "{e}");
}

#[test]
fn a_socket_left_by_a_service_that_is_gone_is_replaced_and_removed_at_stop() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("s.sock");
    // A socket file no one listens on, as a killed service leaves it.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bound = rt.block_on(server::bind(&socket)).unwrap();
    // A second service is refused while the first listens.
    let e = rt.block_on(server::bind(&socket)).err().expect("refused");
    assert!(matches!(e, server::ServeError::AlreadyServing(_)), "{e}");
    bound.file.remove();
    drop(bound.listener);
    assert!(!socket.exists());
    // A socket file someone removed, and another service made anew: left to that one.
    let first = rt.block_on(server::bind(&socket)).unwrap();
    std::fs::remove_file(&socket).unwrap();
    let second = rt.block_on(server::bind(&socket)).unwrap();
    first.file.remove();
    assert!(std::fs::symlink_metadata(&socket).unwrap().file_type().is_socket());
    drop(first.listener);
    // A file put in its place is left alone too.
    second.file.remove();
    std::fs::write(&socket, "notes").unwrap();
    let third = rt.block_on(server::bind(&socket)).err().expect("refused");
    assert!(matches!(third, server::ServeError::NotASocket(_)), "{third}");
    assert_eq!(std::fs::read_to_string(&socket).unwrap(), "notes");
    drop(second.listener);
}

/// Rick's screens on a service that goes away and comes back with the configuration
/// `after`; they stay open while this is held.
struct Restarted {
    _dir: tempfile::TempDir,
    clients: tokio::runtime::Runtime,
    _rick: std::sync::mpsc::Sender<Req>,
    hears: UnboundedReceiver<Msg>,
    _service: tokio::runtime::Runtime,
}

fn rick_across_a_restart(after: &str) -> Restarted {
    assert_ne!(after, config_text(), "the configuration changes across the restart");
    let dir = tempfile::tempdir().unwrap();
    let (db, socket) = (dir.path().join("purser.redb"), dir.path().join("s.sock"));
    placed_order(&service(&db));
    let server = serve(&db, &socket);
    let clients = tokio::runtime::Runtime::new().unwrap();
    let (rick, hears) = screens(&clients, &socket, "rick");
    server.shutdown_timeout(Duration::from_secs(5));
    let service = serve_with(&db, &socket, after);
    Restarted {
        _dir: dir,
        clients,
        _rick: rick,
        hears,
        _service: service,
    }
}

#[test]
fn screens_that_reconnect_take_the_roles_the_restarted_service_gives() {
    // Back with rick a buyer now, not a receiver.
    let as_buyer = config_text().replace(
        "[users.rick]\nroles = [\"receiver\"]",
        "[users.rick]\nroles = [\"buyer\"]",
    );
    let mut r = rick_across_a_restart(&as_buyer);
    let roles = wait_for(&r.clients, &mut r.hears, |m| match m {
        Msg::Welcome { actor, .. } => Some(actor.roles.to_string()),
        _ => None,
    });
    assert_eq!(roles, "buyer");
}

#[test]
fn screens_the_restarted_service_no_longer_serves_close_saying_why() {
    // Back without rick among its users.
    let without_rick = config_text().replace("[users.rick]\nroles = [\"receiver\"]\n", "");
    let mut r = rick_across_a_restart(&without_rick);
    let why = wait_for(&r.clients, &mut r.hears, |m| match m {
        Msg::Ended(why) => Some(why.clone()),
        _ => None,
    });
    assert!(why.contains("refused the screens") && why.contains("rick"), "{why}");
}
