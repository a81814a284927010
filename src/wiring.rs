//! What every entry point shares: the global options, the failure a command reports (a
//! message and an exit code), and opening the service as the acting user.
//!
//! The command line ([`crate::cli`]), the demo, the bench and the test harness
//! (`purser-harness`) all build on this module; it uses none of them, so the dependencies
//! run one way: `cli` → `demo`/`bench` → `wiring`.

use crate::app::{AppError, Service};
use crate::config::{self, Config};
use crate::identity::{self, Actor};
use crate::store::{OpenMode, Store};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Options accepted before or after the subcommand.
#[derive(Debug, Args, Clone, Default)]
pub struct Global {
    /// Database file [default: $XDG_DATA_HOME/purser/purser.redb; for `serve`:
    /// /var/lib/purser/purser.redb]
    #[arg(long, global = true, env = "PURSER_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Configuration file [default: $XDG_CONFIG_HOME/purser/config.toml; for `serve`:
    /// /etc/purser/config.toml]
    #[arg(long, global = true, env = "PURSER_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The Purser service's socket: commands and screens go through it [default:
    /// /run/purser/purser.sock when it is there and no database is named]
    #[arg(long, global = true, env = "PURSER_SOCKET", value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Act as this user (only when [identity] allow_user_override = true)
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Machine-readable output on stdout; errors as JSON on stderr
    #[arg(long, global = true)]
    pub json: bool,
    /// Whether `db` was typed, came from `PURSER_DB`, or is not given (set after parsing).
    #[arg(skip)]
    pub db_given: crate::serve::Given,
    /// The same for `socket`.
    #[arg(skip)]
    pub socket_given: crate::serve::Given,
}

impl Global {
    /// Notes where `--db` and `--socket` came from: `matches` is the whole command line's,
    /// and a global option may be typed at any level of its subcommands.
    pub fn note_sources(&mut self, matches: &clap::ArgMatches) {
        use crate::serve::Given;
        let given = |id: &str| {
            let mut level = Some(matches);
            let mut found = Given::Not;
            while let Some(m) = level {
                let here = match m.try_get_raw(id).ok().flatten().and(m.value_source(id)) {
                    Some(clap::parser::ValueSource::CommandLine) => Given::CommandLine,
                    Some(clap::parser::ValueSource::EnvVariable) => Given::Env,
                    _ => Given::Not,
                };
                found = found.max(here);
                level = m.subcommand().map(|(_, sub)| sub);
            }
            found
        };
        self.db_given = given("db");
        self.socket_given = given("socket");
    }
}

/// A failure to report: the message for people and the exit code.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub code: i32,
}

impl CliError {
    pub fn new(message: impl Into<String>, code: i32) -> Self {
        CliError {
            message: message.into(),
            code,
        }
    }
}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        CliError::new(e.to_string(), e.exit_code())
    }
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        CliError::new(e.to_string(), 3)
    }
}

/// Loads the configuration, resolves who is acting, starts logging beside the database
/// and opens it: the service a command runs against, and its actor. A database that is not
/// there is refused (a mistyped `--db` starts nothing), except the default one on first
/// run, which is created and said so on stderr (see [`open_noting`]).
pub fn open(global: &Global) -> Result<(Service, Actor), CliError> {
    open_noting(global).map(|(svc, actor, _)| (svc, actor))
}

/// As [`open`], also returning what was said about a database created on first run (the
/// screens show it on their status line too).
pub fn open_noting(global: &Global) -> Result<(Service, Actor, Option<String>), CliError> {
    // No --db and no PURSER_DB: the person's own database at the default path, made on
    // first run. A named database (a shared one) must exist.
    let first_run = global.db.is_none() && !config::default_db_path().exists();
    let mode = if first_run {
        OpenMode::OpenOrCreate
    } else {
        OpenMode::Existing
    };
    let (svc, actor) = open_as(global, mode)?;
    let note = first_run.then(|| format!("created a new database at {}", svc.database_path().display()));
    if let Some(n) = &note {
        eprintln!("purser: {n}");
    }
    Ok((svc, actor, note))
}

/// As [`open`], creating the database when it is not there: for the test harness, which
/// makes its own.
pub fn open_creating(global: &Global) -> Result<(Service, Actor), CliError> {
    open_as(global, OpenMode::OpenOrCreate)
}

/// `purser init`: creates a new, empty database (and its folder), private to its owner;
/// refuses a path where a file is. Returns where it is.
pub fn init(global: &Global) -> Result<PathBuf, CliError> {
    let db_path = global.db.clone().unwrap_or_else(config::default_db_path);
    let store = Store::open_as(&db_path, OpenMode::New)?;
    Ok(store.path().to_path_buf())
}

/// The configuration file at `path`, read and checked whole, its `[ui]` section as the
/// screens will read it too: any fault is a configuration error (exit 2).
pub fn load_config(path: &Path) -> Result<Config, CliError> {
    let config = Config::load(path).map_err(|e| CliError::new(e.to_string(), 2))?;
    crate::tui::check_ui(&config).map_err(|message| {
        let e = config::ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        CliError::new(e.to_string(), 2)
    })?;
    Ok(config)
}

fn open_as(global: &Global, mode: OpenMode) -> Result<(Service, Actor), CliError> {
    let config_path = global.config.clone().unwrap_or_else(config::default_config_path);
    let config = load_config(&config_path)?;
    let db_path = global.db.clone().unwrap_or_else(config::default_db_path);
    let os_user = identity::os_account().map_err(|e| CliError::new(e.to_string(), 2))?;
    let actor =
        identity::resolve(&config, global.user.as_deref(), &os_user).map_err(|e| CliError::new(e.to_string(), 1))?;
    // Logging starts beside the database once it is open: a mistyped path makes no folder.
    let store = Store::open_as(&db_path, mode)?;
    crate::logging::init(db_path.parent().unwrap_or(Path::new(".")));
    Ok((Service::new(store, Arc::new(config), crate::app::system_clock()), actor))
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn ui_keys_are_checked_when_the_configuration_is_read() {
        for (key, value, message) in [
            ("quit", "ctrl-", "[ui] keys: `quit`: `ctrl-` is not a key"),
            ("quit", "", "[ui] keys: `quit`: an empty key"),
            (
                "receiving.undo",
                "z",
                "[ui] keys: `receiving.undo`: `z` is typed into the scan box in Receiving",
            ),
            (
                "pending.dismis",
                "x",
                "[ui] keys: `pending.dismis`: `dismis` is not an action",
            ),
            (
                "pendin.dismiss",
                "x",
                "[ui] keys: `pendin.dismiss`: `pendin` is not a pane",
            ),
        ] {
            let text = format!("[ui.keys]\n\"{key}\" = \"{value}\"\n");
            let e = crate::tui::check_ui(&Config::parse(&text).unwrap()).unwrap_err();
            assert!(e.starts_with(message), "{key} = {value:?}: {e}");
        }
        let c = Config::parse(
            "[ui.keys]\n\"pending.dismiss\" = \"D, ctrl-d\"\nquit = \"ctrl-q\"\n\"scan.undo\" = \"f9\"\n",
        )
        .unwrap();
        crate::tui::check_ui(&c).unwrap();
        assert_eq!(c.ui.keys.len(), 3);
    }

    /// A configuration file with `[ui] theme = theme` in a folder of its own, with the
    /// theme files `files` (name, text) beside it.
    fn load_with_theme(theme: &str, files: &[(&str, &str)]) -> Result<Config, super::CliError> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let path = dir.path().join("config.toml");
        std::fs::write(&path, format!("[ui]\ntheme = \"{theme}\"\n")).unwrap();
        super::load_config(&path)
    }

    #[test]
    fn the_ui_theme_is_found_and_read_when_the_configuration_is_loaded() {
        for built_in in ["dark", "light", "high-contrast", "monochrome"] {
            assert_eq!(
                load_with_theme(built_in, &[]).unwrap().ui.theme.as_deref(),
                Some(built_in)
            );
        }
        let dock =
            "name = \"dock\"\nextends = \"high-contrast\"\n[styles]\nselected = { fg = \"black\", bg = \"#ffaf00\" }\n";
        load_with_theme("dock", &[("themes/dock.toml", dock)]).unwrap();
        load_with_theme("dock", &[("dock.toml", dock)]).unwrap();

        let e = load_with_theme("nosuch", &[]).unwrap_err();
        assert_eq!(e.code, 2, "a configuration error");
        let message = e.message;
        assert!(message.starts_with("configuration file "), "{message}");
        assert!(message.contains("[ui] theme = \"nosuch\": no such theme"), "{message}");

        let purplish = dock.replace("black", "purplish");
        let e = load_with_theme("dock", &[("themes/dock.toml", &purplish)])
            .unwrap_err()
            .message;
        assert!(e.contains("`styles.selected.fg`: `purplish` is not a colour"), "{e}");
    }

    /// The demo, the bench and the harness sit below the command line: they build on this
    /// module and never reach back into `cli` (which dispatches to them).
    #[test]
    fn the_entry_points_below_the_command_line_do_not_use_it() {
        for (name, text) in [
            ("demo.rs", include_str!("demo.rs")),
            ("bench.rs", include_str!("bench.rs")),
            ("stress.rs", include_str!("stress.rs")),
            ("bin/purser-harness.rs", include_str!("bin/purser-harness.rs")),
            (
                "wiring.rs",
                include_str!("wiring.rs").split("#[cfg(test)]").next().unwrap(),
            ),
        ] {
            // Code only: the documentation may name the command line.
            let code = text.lines().filter(|l| !l.trim_start().starts_with("//"));
            for (n, line) in code.enumerate() {
                for reach in ["crate::cli", "purser::cli", "super::cli"] {
                    assert!(!line.contains(reach), "{name} uses {reach}: {line} (code line {n})");
                }
            }
        }
    }
}
