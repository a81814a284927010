//! The jobs layer: the workflows that run away from the screens and commands, on tokio
//! tasks of the process's one runtime.
//!
//! - [`outbox`]: the outbox loop, with one lease mechanism and a stop request honoured
//!   between jobs.
//! - [`distributor`]: submitting orders and polling their status, never twice.
//! - [`price`]: the latest cost and the comparison across distributors, asked on a user's
//!   behalf.
//! - [`psa`]: PSA sync runs, recording each entity as it is created.
//! - [`email`]: composing order emails and notices.
//! - [`inbox`]: the watched quote folder.
//! - [`runner`]: the background loop (outbox and inbox) of the screens and
//!   `purser background`.
//!
//! Jobs call the adapters in [`crate::integrations`] and record what happened through
//! [`crate::app::Service`], whose every call runs on the database thread ([`db`]): a store
//! call never waits on the network, and the network never waits on a store call.

pub mod db;
pub mod distributor;
pub mod email;
pub mod inbox;
pub mod outbox;
pub mod price;
pub mod psa;
pub mod runner;

pub use db::Db;
pub use outbox::{Context, RunReport};
