//! `purser-docs`: `purser`'s manual pages and shell completions, generated from its
//! command-line definition for the .deb (`assets/build-deb.sh`). A program of its own so
//! that `purser` does not link the generators (clap_mangen, clap_complete).
//!
//! - `man DIR`: `purser.1` and one page per visible command, written into DIR.
//! - `completions SHELL`: the completion script for SHELL on stdout.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Writes purser's manual pages and completions, for packaging (not a user command)
#[derive(Debug, Parser)]
#[command(name = "purser-docs", version)]
struct Docs {
    #[command(subcommand)]
    command: DocsCmd,
}

#[derive(Debug, Subcommand)]
enum DocsCmd {
    /// Write purser's manual pages (purser.1 and one per command) into DIR
    Man {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Print purser's completion script for SHELL (bash, zsh, fish, …)
    Completions { shell: clap_complete::Shell },
}

fn main() {
    let result = match Docs::parse().command {
        DocsCmd::Man { dir } => purser::cli::docs::man(&dir),
        DocsCmd::Completions { shell } => purser::cli::docs::completions(shell),
    };
    if let Err(e) = result {
        eprintln!("purser-docs: {}", e.message);
        std::process::exit(e.code);
    }
}
