//! The `purser` binary: parse the command line and run it.

use clap::Parser;

fn main() {
    // Output piped into `head` ends quietly instead of panicking on a closed pipe.
    // SAFETY: setting a signal disposition to the default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = purser::cli::Cli::parse();
    std::process::exit(purser::cli::main_with(cli));
}
