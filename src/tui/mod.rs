//! The terminal screens: panes for pending items, orders, approvals, receiving at the
//! dock and the audit trail, on ratatui + crossterm + tokio.
//!
//! The event loop selects over terminal events, a tick that asks the worker to look at
//! the database change counter, and the worker's answers. All database work happens on
//! the worker thread ([`worker`]); the screen state ([`screen::App`]) only changes on keys
//! and messages, and is drawn by pure functions ([`ui::draw`]) when something changed,
//! each frame wrapped in a synchronized update.

pub mod action;
pub mod background;
pub mod calls;
pub mod commands;
pub mod data;
pub mod error;
pub mod form;
pub mod input;
pub mod keymap;
pub mod messages;
pub mod panes;
pub mod scan;
pub mod scan_bench;
pub mod screen;
pub mod theme;
pub mod ui;
pub mod widgets;
pub mod worker;

#[cfg(test)]
mod tests;

use crate::app::Service;
use crate::identity::Actor;
use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use crossterm::event::{Event, EventStream};
use crossterm::terminal::{self, BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{cursor, execute};
use error::ScreenError;
use futures_util::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use screen::App;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Builds the screen state for `actor` from the service's configuration: keymap from
/// `[ui] keys`, theme from `[ui] theme` (monochrome under `NO_COLOR`).
pub fn new_app(svc: &Service, actor: Actor) -> Result<App, ScreenError> {
    let pdf_dir = svc.database_path().parent().map(|dir| dir.join("pdf"));
    new_app_with(Arc::new(svc.config().clone()), actor, svc.now(), pdf_dir)
}

/// [`new_app`] from a configuration, the time and the PDF folder.
pub fn new_app_with(
    config: Arc<crate::config::Config>,
    actor: Actor,
    now: crate::domain::Timestamp,
    pdf_dir: Option<std::path::PathBuf>,
) -> Result<App, ScreenError> {
    let keymap = keymap::Keymap::load(&config.ui.keys)?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dir = config.source.as_ref().and_then(|p| p.parent()).map(|p| p.to_path_buf());
    let theme = theme::Theme::select(config.ui.theme.as_deref(), dir.as_deref(), no_color)?;
    let mut app = App::new(actor, config, keymap, theme, now);
    if let Some(dir) = pdf_dir {
        app.pdf_dir = dir;
    }
    Ok(app)
}

/// The `[ui]` section of `config` read as the screens will read it: the keys of
/// `[ui.keys]`, and the theme (a theme file is looked for beside the configuration file).
/// A wrong key or theme is then a configuration error for every command, where the
/// configuration is loaded, not only when the screens start.
pub fn check_ui(config: &crate::config::Config) -> Result<(), String> {
    keymap::Keymap::load(&config.ui.keys).map_err(|e| e.to_string())?;
    let dir = config.source.as_ref().and_then(|p| p.parent());
    // Found and read even under NO_COLOR, which only chooses not to use it.
    theme::Theme::select(config.ui.theme.as_deref(), dir, false)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Leaves raw mode and the alternate screen, and shows the cursor.
fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

/// The screens' thread restores the terminal before its panic message is printed. The
/// worker and background threads only log theirs: the screens stay usable, and say so
/// when a thread they need is gone.
fn install_panic_hook() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!("panic: {info}");
        if std::thread::current().name() == Some("main") {
            restore_terminal();
            prev(info);
        }
    }));
}

/// A link to the Purser service, made within the screens' runtime.
pub struct Linked {
    /// The service's configuration (with this user's display preferences).
    pub config: crate::config::Config,
    /// Who the service takes the user for.
    pub actor: Actor,
    /// Where PDFs are written.
    pub pdf_dir: std::path::PathBuf,
    /// Takes the worker's requests; the answers come on the sender the link was given.
    pub link: std::sync::mpsc::Sender<worker::Req>,
}

/// Connects to the service within the given runtime, answering on the given sender; or
/// says why not, with the exit code (see [`ScreenError::NotConnected`]).
pub type Connect =
    Box<dyn FnOnce(&tokio::runtime::Runtime, UnboundedSender<worker::Msg>) -> Result<Linked, (String, i32)>>;

/// Where the screens' data comes from.
pub enum Source {
    /// The database file, opened by this process (which also runs the background work),
    /// as this user, with a note for the status line (a database created on first run).
    Direct(Service, Actor, Option<String>),
    /// The Purser service, which owns the database and runs the background work.
    Service(Connect),
}

/// Opens the screens until the user quits.
pub fn run(source: Source) -> Result<(), ScreenError> {
    match source {
        Source::Direct(svc, actor, note) => run_direct(svc, actor, note),
        Source::Service(connect) => run_client(connect),
    }
}

/// The screens of a client of the service.
fn run_client(connect: Connect) -> Result<(), ScreenError> {
    let rt = runtime()?;
    let (msg_tx, msg_rx) = tokio::sync::mpsc::unbounded_channel();
    let linked = connect(&rt, msg_tx.clone()).map_err(|(message, code)| ScreenError::NotConnected { message, code })?;
    let config = Arc::new(linked.config);
    let app = new_app_with(
        config.clone(),
        linked.actor.clone(),
        chrono::Utc::now(),
        Some(linked.pdf_dir),
    )?;
    let _guard = rt.enter();
    let calls = calls::Calls::through(linked.link.clone(), config, linked.actor, msg_tx);
    with_terminal(|| rt.block_on(event_loop(app, linked.link, calls, msg_rx)))
}

fn runtime() -> Result<tokio::runtime::Runtime, ScreenError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ScreenError::EventLoop)
}

/// Runs `screens` in raw mode on the alternate screen, and restores the terminal after.
fn with_terminal(screens: impl FnOnce() -> Result<(), ScreenError>) -> Result<(), ScreenError> {
    install_panic_hook();
    terminal::enable_raw_mode().map_err(ScreenError::Terminal)?;
    if let Err(e) = execute!(std::io::stdout(), terminal::EnterAlternateScreen) {
        restore_terminal();
        return Err(ScreenError::Terminal(e));
    }
    let result = screens();
    restore_terminal();
    result
}

/// The screens on the database file. A send under way in the background when the user
/// quits is finished first, so that it never stops halfway.
fn run_direct(svc: Service, actor: Actor, note: Option<String>) -> Result<(), ScreenError> {
    let app = new_app(&svc, actor.clone())?;
    // The process's one runtime: the event loop, the background jobs and calls made on the
    // user's behalf are its tasks; the database has a thread of its own (the worker).
    let rt = runtime()?;
    let config = Arc::new(svc.config().clone());
    let (msg_tx, msg_rx) = tokio::sync::mpsc::unbounded_channel();
    if let Some(n) = note {
        let _ = msg_tx.send(worker::Msg::Notice(widgets::Tone::Info, n));
    }
    let svc = Arc::new(svc);
    let worker = worker::spawn(svc.clone(), actor.clone(), msg_tx.clone());
    let me = actor.clone();
    let to_worker = worker.clone();
    let db = crate::jobs::Db::from_fn(config, move |task| to_worker.send(worker::Req::Task(task)).is_ok());
    let stop = tokio_util::sync::CancellationToken::new();
    let _guard = rt.enter();
    let mut work = background::spawn(db.clone(), actor.clone(), msg_tx.clone(), stop.clone());
    let calls = calls::Calls::new(db, actor, msg_tx);
    let result = with_terminal(|| rt.block_on(event_loop(app, worker, calls, msg_rx)));
    stop.cancel();
    rt.block_on(async {
        // A job under way (a send, a sync step) finishes; nothing new starts.
        let quick = tokio::time::timeout(Duration::from_millis(100), &mut work).await;
        if quick.is_err() {
            // Said only when a job of ours is really running: a slow stop is not work.
            if job_under_way(&svc, &me) {
                eprintln!("Purser: finishing the work under way (a send or a sync) before closing…");
            }
            let _ = work.await;
        }
    });
    result
}

/// Whether an outbox job (a send, a sync step) is running in this process now.
pub(crate) fn job_under_way(svc: &Service, actor: &Actor) -> bool {
    let owner = crate::jobs::outbox::owner_of(actor);
    svc.jobs().is_ok_and(|jobs| {
        jobs.iter()
            .any(|j| matches!(&j.state, crate::domain::job::JobState::Running { owner: o, .. } if *o == owner))
    })
}

async fn event_loop(
    mut app: App,
    worker: std::sync::mpsc::Sender<worker::Req>,
    mut calls: calls::Calls,
    mut msg_rx: tokio::sync::mpsc::UnboundedReceiver<worker::Msg>,
) -> Result<(), ScreenError> {
    // Pastes arrive whole (never as keys); clicks and the wheel unless `[ui] mouse = false`.
    execute!(std::io::stdout(), EnableBracketedPaste).map_err(ScreenError::Terminal)?;
    if app.config.ui.mouse {
        execute!(std::io::stdout(), EnableMouseCapture).map_err(ScreenError::Terminal)?;
    }
    let backend = CrosstermBackend::new(std::io::stdout());
    let mut term = Terminal::new(backend).map_err(ScreenError::Terminal)?;
    term.clear().map_err(ScreenError::Terminal)?;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // When the next frame is due: set when something changed, a few milliseconds ahead,
    // so a burst of keys or messages costs one frame.
    let mut frame_due = Some(tokio::time::Instant::now());
    let soon = || Some(tokio::time::Instant::now() + Duration::from_millis(8));
    loop {
        for req in app.to_worker.drain(..) {
            if worker.send(req).is_err() {
                return Err(ScreenError::WorkerStopped);
            }
        }
        for call in app.calls.drain(..) {
            calls.take(call);
        }
        if app.quit {
            return Ok(());
        }
        let due = frame_due.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        // Characters held back (the start of a scanner's burst, or a person's keys) act
        // when no other follows within the scan gap.
        let held = app.held_due().map(tokio::time::Instant::from_std);
        tokio::select! {
            biased;
            _ = tokio::time::sleep_until(held.unwrap_or(due)), if held.is_some() => {
                if app.idle_at(std::time::Instant::now()) { frame_due = frame_due.or_else(soon); }
            }
            _ = tokio::time::sleep_until(due), if frame_due.is_some() => {
                frame_due = None;
                draw(&mut term, &app)?;
                if std::mem::take(&mut app.bell) {
                    let mut o = std::io::stdout();
                    let _ = o.write_all(b"\x07");
                    let _ = o.flush();
                }
            }
            ev = events.next() => {
                match ev {
                    Some(Ok(Event::Key(k))) => app.on_key_at(k, std::time::Instant::now()),
                    Some(Ok(Event::Paste(text))) => app.on_paste(&text),
                    Some(Ok(Event::Mouse(m))) => {
                        if !app.on_mouse(m) {
                            continue;
                        }
                    }
                    Some(Ok(Event::Resize(_, _))) => term.autoresize().map_err(ScreenError::Terminal)?,
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Err(ScreenError::ReadTerminal(e)),
                    None => return Ok(()),
                }
                frame_due = frame_due.or_else(soon);
            }
            msg = msg_rx.recv() => match msg {
                Some(worker::Msg::Ended(why)) => return Err(ScreenError::Service(why)),
                Some(m) => { app.on_msg(m); frame_due = frame_due.or_else(soon); }
                None => return Err(ScreenError::WorkerStopped),
            },
            _ = tick.tick() => {
                if worker.send(worker::Req::Poll).is_err() {
                    return Err(ScreenError::WorkerStopped);
                }
                if app.tick(chrono::Utc::now()) { frame_due = frame_due.or_else(soon); }
            }
        }
    }
}

fn draw(term: &mut Terminal<CrosstermBackend<std::io::Stdout>>, app: &App) -> Result<(), ScreenError> {
    execute!(std::io::stdout(), BeginSynchronizedUpdate).map_err(ScreenError::Terminal)?;
    term.draw(|f| ui::draw(app, f)).map_err(ScreenError::Terminal)?;
    execute!(std::io::stdout(), EndSynchronizedUpdate).map_err(ScreenError::Terminal)?;
    Ok(())
}
