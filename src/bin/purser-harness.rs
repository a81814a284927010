//! `purser-harness`: the test and bench harness, kept out of `purser`'s command line.
//!
//! - `stress`: a stream of real commands for the crash test, each acknowledged after it
//!   committed (`tests/durability.rs`).
//! - `bench-screens --db PATH`: the screens drawn on a bench database in a fresh process,
//!   for `purser bench`'s first frame, render time and memory.

use clap::{Parser, Subcommand};
use purser::wiring::{CliError, Global};
use std::path::PathBuf;

/// Test and bench harness for Purser (not a user command).
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
    /// Draw the screens on a bench database in a process of their own
    BenchScreens {
        #[arg(long)]
        db: PathBuf,
    },
}

fn main() {
    let h = Harness::parse();
    let result: Result<(), CliError> = match &h.command {
        HarnessCmd::Stress(args) => purser::stress::run(&h.global, args),
        HarnessCmd::BenchScreens { db } => purser::bench::screens_child(db),
    };
    if let Err(e) = result {
        eprintln!("purser-harness: {}", e.message);
        std::process::exit(e.code);
    }
}
