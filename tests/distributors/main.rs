//! Distributor ordering end to end: each distributor's real client against its fake
//! server on 127.0.0.1, and the command line over them. One test binary, so the suite
//! links the application once for all of them.

// The fake servers (src/sandbox) are part of the `demo` feature, on by default.
#![cfg(feature = "demo")]

mod cli;
mod ingram;
mod onetrail;
mod pax8;
#[path = "../shared/mod.rs"]
mod shared;
mod support;
mod tdsynnex;
