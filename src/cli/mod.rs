//! The command line: every action is a subcommand with `--json` output, for scripts and
//! cron. Parsing lives here; each command calls one service method.

pub mod args;
pub mod docs;
mod io;
mod po;
mod print;
mod remote;
pub mod run;
mod serve;

pub use args::{Cli, Command};
pub use run::{main_args, main_with, CliError};
