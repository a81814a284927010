//! The command line with a Purser service: a client's commands run in the service (the
//! same commands, the same output, the same exit codes), and the service runs them for
//! the user the kernel names.

use super::args::{Cli, Command};
use super::io::{read_inputs, Io, Remote};
use super::run::{CliError, Ctx};
use crate::app::Service;
use crate::identity::Actor;
use crate::serve::protocol::{CommandDone, CommandRequest};
use crate::wiring::Global;
use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;

/// Runs `command` (the screens when `None`) through the service at `socket`; `args` are
/// the whole command line as typed.
pub fn run(socket: &Path, global: &Global, command: Option<Command>, args: &[OsString]) -> Result<(), CliError> {
    let Some(command) = command else {
        return screens(socket, global);
    };
    // A configuration file of one's own that cannot be read is refused here as on the
    // file and in the screens, though a command line takes nothing from it.
    own_display_preferences(global)?;
    let args = args
        .iter()
        .skip(1)
        .map(|a| {
            a.to_str()
                .map(str::to_string)
                .ok_or_else(|| CliError::new(format!("{} is not UTF-8 text", a.to_string_lossy()), 2))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let done = crate::serve::client::run_command(socket, global.user.clone(), args, |config| {
        read_inputs(&command, config.import.max_file_bytes())
    })
    .map_err(|e| CliError::new(e.to_string(), e.exit_code()))?;
    deliver(done)
}

/// Puts a command's files in place and prints what it printed; its error becomes ours.
fn deliver(done: CommandDone) -> Result<(), CliError> {
    use std::io::Write;
    for o in &done.outputs {
        crate::fsutil::write_atomically(Path::new(&o.path), &o.bytes)
            .map_err(|e| CliError::new(format!("cannot write {}: {e}", o.path), 3))?;
    }
    let _ = std::io::stdout().write_all(done.stdout.as_bytes());
    let _ = std::io::stderr().write_all(done.stderr.as_bytes());
    match done.error {
        Some((message, code)) => Err(CliError::new(message, code)),
        None => Ok(()),
    }
}

/// The screens, as a client of the service. A configuration file of the user's own
/// (`--config`, or the default one) gives display preferences and keys only.
fn screens(socket: &Path, global: &Global) -> Result<(), CliError> {
    let (socket, user) = (socket.to_path_buf(), global.user.clone());
    let own_ui = own_display_preferences(global)?;
    let connect: crate::tui::Connect = Box::new(move |rt, out| {
        let session = rt
            .block_on(crate::serve::client::connect(
                &socket,
                user.clone(),
                crate::serve::protocol::Purpose::Screens,
            ))
            .map_err(|e| (e.to_string(), e.exit_code()))?;
        let mut config = session.config.clone();
        if let Some(ui) = own_ui {
            config.ui = ui;
        }
        let actor = session.actor.clone();
        let _guard = rt.enter();
        let link = crate::serve::link::start(session, socket, user, out);
        Ok(crate::tui::Linked {
            config,
            actor,
            pdf_dir: crate::config::default_db_path()
                .parent()
                .map_or_else(|| std::path::PathBuf::from("pdf"), |d| d.join("pdf")),
            link,
        })
    });
    crate::tui::run(crate::tui::Source::Service(connect)).map_err(|e| match e {
        crate::tui::error::ScreenError::NotConnected { message, code } => CliError::new(message, code),
        e => CliError::new(e.to_string(), 1),
    })
}

/// The `[ui]` section of the user's own configuration, when there is one.
fn own_display_preferences(global: &Global) -> Result<Option<crate::config::Ui>, CliError> {
    let path = global.config.clone().unwrap_or_else(crate::config::default_config_path);
    if global.config.is_none() && !path.exists() {
        return Ok(None);
    }
    let config = crate::wiring::load_config(&path)?;
    Ok(Some(config.ui))
}

/// What the service runs for a client's command line: parsed as a terminal would, run
/// for `actor` (whom the service already established), its output collected.
pub fn execute(svc: &Arc<Service>, actor: Actor, req: CommandRequest) -> CommandDone {
    use clap::Parser;
    let failed = |message: String, code: i32| CommandDone {
        error: Some((message, code)),
        ..CommandDone::default()
    };
    let argv = std::iter::once("purser".to_string()).chain(req.args);
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => return failed(super::run::clap_message(&e), 2),
    };
    let Some(command) = cli.command else {
        return failed(
            "the screens connect to the service as screens, not as a command".into(),
            2,
        );
    };
    if let Some(why) = not_through_the_service(&command) {
        return failed(why.into(), 2);
    }
    let ctx = Ctx {
        service: svc.clone(),
        actor,
        json: cli.global.json,
        io: Io::Remote(Remote::new(req.inputs)),
    };
    let outcome = super::run::guarded(|| super::run::run_with_ctx(&ctx, command));
    let Io::Remote(remote) = ctx.io else {
        unreachable!("built remote above")
    };
    let mut done = remote.finish();
    done.error = outcome.err().map(|e| (crate::secrets::scrub(&e.message), e.code));
    done
}

/// Commands a client does not run in the service, and why.
fn not_through_the_service(command: &Command) -> Option<&'static str> {
    match command {
        Command::Background => Some(
            "the Purser service runs the background jobs and the inbox itself; `purser background` is for a \
             database without a service",
        ),
        Command::Serve => Some("a Purser service is already serving this socket"),
        Command::Demo(_) | Command::Bench(_) => {
            Some("`purser demo` and `bench` work on files of their own; run them without --socket")
        }
        _ => None,
    }
}
