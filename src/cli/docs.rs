//! The manual pages and shell completions, generated from the command-line definition
//! itself so they never drift from it: `purser-docs man DIR` and `purser-docs
//! completions SHELL` (the .deb build runs them). Neither opens a configuration or a
//! database. `purser-docs` is a program of its own so that `purser` does not carry the generators.

use super::args::Cli;
use super::run::CliError;
use clap::CommandFactory;
use std::path::Path;

/// Writes `purser.1` and one page per visible command (`purser-po-create.1`, …) into `dir`,
/// creating it when missing.
pub fn man(dir: &Path) -> Result<(), CliError> {
    let failed =
        |e: std::io::Error| CliError::new(format!("cannot write the manual pages to {}: {e}", dir.display()), 3);
    std::fs::create_dir_all(dir).map_err(failed)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(failed)?;
    let pages = std::fs::read_dir(dir)
        .map_err(failed)?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".1"))
        .count();
    println!("{pages} manual pages in {}", dir.display());
    Ok(())
}

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut Cli::command(), "purser", &mut out);
    Ok(())
}
