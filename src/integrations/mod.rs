//! The far side: distributor ordering APIs and PSAs, each behind one entry point that
//! runs an outbox job and reports its outcome.

pub(crate) mod cache;
pub mod distributors;
pub mod psa;
