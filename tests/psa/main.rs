//! PSA sync end to end: Autotask, ConnectWise Manage and HaloPSA against their fake
//! servers on 127.0.0.1, and the command line over them. One test binary, so the suite
//! links the application once for all of them.

// The fake servers (src/sandbox) are part of the `demo` feature, on by default.
#![cfg(feature = "demo")]

mod autotask;
mod cli;
mod common;
mod connectwise;
mod halopsa;
#[path = "../shared/mod.rs"]
mod shared;
