//! Purser: procurement for IT resellers and managed-service providers, in the terminal.
//!
//! Layers, one direction of dependencies: [`domain`] (pure rules) ← [`store`] (redb) ←
//! [`app`] (one call per user command) ← [`cli`] and the terminal UI. [`wiring`] (global
//! options, opening the service, a command's failure) sits under every entry point: the
//! command line, the demo, the bench and the test harness (`src/bin/purser-harness.rs`).
//!
//! The `demo` cargo feature (on by default) adds the sandbox servers ([`sandbox`]) and
//! `purser demo`; `--no-default-features` builds the product without them (and axum).

pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod cputime;
pub mod demo;
pub mod domain;
pub mod fsutil;
pub mod identity;
pub mod integrations;
pub mod jobs;
pub mod logging;
pub mod pdf;
#[cfg(feature = "demo")]
pub mod sandbox;
pub mod secrets;
pub mod serve;
pub mod store;
pub mod stress;
pub mod tui;
pub mod wiring;
