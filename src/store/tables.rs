//! Table definitions. Keys are numbers or text; values are encoded records.

use redb::TableDefinition;

/// Counters and small numbers: schema version, sequences, the change counter.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Small documents: approval rules.
pub const SETTINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("settings");
/// Imported quotes by quote id.
pub const QUOTES: TableDefinition<&str, &[u8]> = TableDefinition::new("quotes");
/// Pending items by id.
pub const ITEMS: TableDefinition<u64, &[u8]> = TableDefinition::new("items");
/// Purchase orders by number.
pub const ORDERS: TableDefinition<u64, &[u8]> = TableDefinition::new("orders");
/// Received serial numbers: `LEN:PRODUCTSERIAL` (the product's length in bytes first) →
/// order number.
pub const SERIALS: TableDefinition<&str, u64> = TableDefinition::new("serials");
/// The audit trail by sequence number (append-only).
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
/// The states of the records each audit entry's change wrote, by (entry, position); the
/// entry's MAC covers their digest.
pub const AUDIT_STATES: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("audit_states");
/// Background jobs by id.
pub const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox");
/// Notices for people, by id.
pub const NOTICES: TableDefinition<u64, &[u8]> = TableDefinition::new("notices");
/// The change feed: what each commit touched, by the change counter it set (see
/// [`super::feed`]).
pub const FEED: TableDefinition<u64, &[u8]> = TableDefinition::new("feed");

/// The names of every table a Purser database may hold: those it has from the start and
/// those made by their first write. A table under any other name is damage (a flipped
/// byte in a name), so adding a table means a new `SCHEMA_VERSION`.
pub fn every_table() -> Vec<&'static str> {
    use redb::TableHandle;
    let made_later = [
        super::psa::PSA_SYNC.name(),
        AUDIT_STATES.name(),
        NOTICES.name(),
        FEED.name(),
    ];
    tables_from_the_start().into_iter().chain(made_later).collect()
}

/// The tables every database of this schema has from the start (`WriteTx::ensure_schema`
/// makes them).
pub fn tables_from_the_start() -> [&'static str; 8] {
    use redb::TableHandle;
    [
        META.name(),
        SETTINGS.name(),
        QUOTES.name(),
        ITEMS.name(),
        ORDERS.name(),
        SERIALS.name(),
        AUDIT.name(),
        OUTBOX.name(),
    ]
}

pub const K_SCHEMA: &str = "schema_version";
pub const K_CHANGES: &str = "changes";
pub const K_NEXT_ITEM: &str = "next_item";
pub const K_NEXT_PO: &str = "next_po";
pub const K_NEXT_JOB: &str = "next_job";
pub const K_NEXT_NOTICE: &str = "next_notice";
/// The tokens of the latest commits (each unique), in a ring of `COMMIT_TOKENS` keys
/// `commit_token.N`: whether a commit that reported an error reached the file.
pub const K_COMMIT_TOKEN: &str = "commit_token";
pub const COMMIT_TOKENS: u64 = 64;
/// Sequence number of the newest audit entry, so that removing the newest entries shows.
pub const K_AUDIT_LAST: &str = "audit_last";
pub const S_RULES: &str = "approval_rules";
