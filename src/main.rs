//! The `purser` binary: parse the command line and run it.

use clap::Parser;

fn main() {
    let cli = purser::cli::Cli::parse();
    std::process::exit(purser::cli::main_with(cli));
}
