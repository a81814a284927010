//! The `purser` binary: parse the command line and run it.

fn main() {
    // Output piped into `head` ends quietly instead of panicking on a closed pipe.
    // SAFETY: setting a signal disposition to the default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(purser::cli::main_args(std::env::args_os().collect()));
}
