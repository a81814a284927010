//! `purser-harness`: the test and bench harness, kept out of `purser`'s command line.
//!
//! - `stress`: a stream of real commands for the crash test, each acknowledged after it
//!   committed (`tests/durability.rs`).
//! - `bench-screens --db PATH`: the screens drawn on a bench database in a fresh process,
//!   for `purser bench`'s first frame, render time and memory.

use clap::{Parser, Subcommand};
use purser::wiring::{CliError, Global};

/// Test and bench harness for Purser (not a user command)
// Errors are plain text on stderr; `--json` comes with the shared options and changes nothing.
#[derive(Debug, Parser)]
#[command(name = "purser-harness", version)]
struct Harness {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: HarnessCmd,
}

#[derive(Debug, Subcommand)]
enum HarnessCmd {
    /// Run a stream of commands, printing each acknowledged one
    Stress(purser::stress::StressArgs),
    /// Draw the screens on a bench database (--db) in a process of their own
    BenchScreens,
}

fn main() {
    let h = Harness::parse();
    let result: Result<(), CliError> = match &h.command {
        HarnessCmd::Stress(args) => purser::stress::run(&h.global, args),
        HarnessCmd::BenchScreens => match &h.global.db {
            Some(db) => purser::bench::screens_child(db),
            None => Err(CliError::new("bench-screens needs --db PATH", 2)),
        },
    };
    if let Err(e) = result {
        eprintln!("purser-harness: {}", e.message);
        std::process::exit(e.code);
    }
}
