//! Purser: procurement for IT resellers and managed-service providers, in the terminal.
//!
//! Layers, one direction of dependencies: [`domain`] (pure rules) ← [`store`] (redb) ←
//! [`app`] (one call per user command) ← [`cli`] and the terminal UI.

pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod fsutil;
pub mod identity;
pub mod integrations;
pub mod jobs;
pub mod logging;
pub mod pdf;
pub mod sandbox;
pub mod secrets;
pub mod store;
pub mod stress;
pub mod tui;
