//! Domain types and rules: pure, no I/O, no async.
//!
//! Functions take state and a command and return new state or a typed
//! [`RuleError`]. Nothing here reads a clock, a file or the network; the caller
//! passes in the time and the actor.

pub mod address;
pub mod approval;
pub mod audit;
pub mod currency;
pub mod error;
pub mod gs1;
pub mod ids;
pub mod item;
pub mod job;
pub mod money;
pub mod notice;
pub mod order;
pub mod psa_sync;
pub mod quote;
pub mod receiving;
pub mod role;
pub mod text;

pub use address::Address;
pub use approval::{ApprovalDecision, ApprovalRule};
pub use audit::AuditEntry;
pub use error::RuleError;
pub use ids::{ItemId, PoNumber};
pub use item::{ItemState, PendingItem};
pub use order::{Order, OrderLine, OrderStatus, OrderType, PlacementMethod, Stage};
pub use quote::{LineKind, Quote, QuoteLine};
pub use receiving::Receipt;
pub use role::{Role, Roles};

/// Instant of an event, always UTC.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
