//! Adapters for the far side: distributor ordering APIs, PSAs and mail. Domain data in,
//! typed results out; no store, no service, no audit — recording what happened is the
//! work of [`crate::jobs`].
//!
//! Every HTTP adapter goes through one core, [`http`]: clients built once and reused,
//! timeouts, failure classes by status code, `Retry-After`, redirects never followed,
//! secrets scrubbed from every answer.

pub(crate) mod cache;
pub mod distributors;
pub mod http;
pub mod mail;
pub mod psa;
