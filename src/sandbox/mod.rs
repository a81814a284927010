//! In-process fake servers on 127.0.0.1 that stand in for the far side: distributor
//! APIs (and, from another module, PSAs). The demo starts them so that API submission
//! works out of the box; the integration tests run the real HTTP clients against them.

pub mod distributors;
pub mod psa;
