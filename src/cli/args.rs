//! Argument definitions (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub use crate::bench::BenchArgs;
pub use crate::demo::DemoArgs;
pub use crate::wiring::Global;

/// Purser: procurement from approved quote to the last serial number scanned at the dock.
#[derive(Debug, Parser)]
#[command(name = "purser", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import approved quotes
    #[command(subcommand)]
    Quote(QuoteCmd),
    /// Pending items awaiting an order
    #[command(subcommand)]
    Pending(PendingCmd),
    /// Purchase orders
    #[command(subcommand)]
    Po(PoCmd),
    /// Approval rules
    #[command(subcommand)]
    Rules(RulesCmd),
    /// The audit trail (export, or `audit verify`)
    Audit(AuditArgs),
    /// The watched inbox folder
    #[command(subcommand)]
    Inbox(InboxCmd),
    /// Background jobs (notifications, submissions, PSA sync)
    #[command(subcommand)]
    Sync(SyncCmd),
    /// Run background jobs and watch the inbox until stopped (SIGTERM or Ctrl-C): for a
    /// service manager, so the work goes on while nobody has the screens open
    Background,
    /// Who you are to Purser, and your roles
    Whoami,
    /// Own the database for everyone on this machine: serve screens and commands on a
    /// Unix socket (--socket), and run the background jobs and the inbox
    Serve,
    /// Create a new, empty database at --db (or the default path), private to you; an
    /// existing file is refused
    Init,
    /// Read the whole database and check it: every value's checksum, the links between
    /// orders, items and serials, the counters and the audit chain (exit 1: problems found)
    Check,
    /// Build a demo database with sample quotes and users for every role
    // A build without the `demo` feature parses the same arguments and says it has no demo.
    #[cfg_attr(not(feature = "demo"), command(hide = true))]
    Demo(DemoArgs),
    /// Measure this machine: import, receipt commits, filtering, memory, binary size
    Bench(BenchArgs),
}

#[derive(Debug, Subcommand)]
pub enum QuoteCmd {
    /// Import quote files (JSON or CSV); each file is imported whole or not at all
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PendingCmd {
    /// List items in the pool (all states with --all)
    List(PendingListArgs),
    /// Take an item out of the pool, with a reason
    Dismiss {
        id: u64,
        #[arg(long)]
        reason: String,
    },
    /// Return a dismissed item to the pool
    Restore { id: u64 },
    /// Split QTY units off an item into a new item
    Split {
        id: u64,
        #[arg(long)]
        qty: u32,
    },
    /// Use the latest distributor cost: fetch price and stock, show old → new, record it
    RefreshCost {
        #[arg(required = true)]
        ids: Vec<u64>,
        /// Compare every configured distributor with an API instead (changes nothing)
        #[arg(long)]
        compare: bool,
        /// Take the cost from this distributor instead of the item's own
        #[arg(long, value_name = "KEY")]
        from: Option<String>,
    },
}

#[derive(Debug, Args, Default, Clone)]
pub struct PendingListArgs {
    /// Include dismissed and ordered items
    #[arg(long)]
    pub all: bool,
    /// Only dismissed items
    #[arg(long, conflicts_with = "all")]
    pub dismissed: bool,
    /// Customer id or part of its name
    #[arg(long)]
    pub customer: Option<String>,
    /// Quote id or number
    #[arg(long)]
    pub quote: Option<String>,
    /// Preferred distributor key
    #[arg(long)]
    pub distributor: Option<String>,
    /// SKU or MPN
    #[arg(long)]
    pub sku: Option<String>,
    /// Free text over customer, quote, SKU, description, distributor
    #[arg(long)]
    pub search: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TypeArg {
    Wholesale,
    Dropship,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ViaArg {
    Api,
    Email,
    Manual,
    Skip,
}

#[derive(Debug, Subcommand)]
pub enum PoCmd {
    /// Create an order for one distributor from pending items
    Create {
        #[arg(long)]
        distributor: String,
        #[arg(long = "type", value_enum, default_value = "wholesale")]
        order_type: TypeArg,
        /// JSON file with the ship-to address (dropship; defaults to the quote's)
        #[arg(long, value_name = "FILE")]
        ship_to: Option<PathBuf>,
        #[arg(long, value_name = "NUMBER")]
        special_bid: Option<String>,
        /// JSON file with end-user information
        #[arg(long, value_name = "FILE")]
        end_user: Option<PathBuf>,
        #[arg(long)]
        notes: Option<String>,
        /// Order items of other distributors from this one too (refused without it, naming both)
        #[arg(long)]
        other_distributors: bool,
        #[arg(required = true, value_name = "ITEM_ID")]
        items: Vec<u64>,
    },
    /// Add pending items to a pending order
    Add {
        po: String,
        /// Add items of other distributors too (refused without it, naming both)
        #[arg(long)]
        other_distributors: bool,
        #[arg(required = true, value_name = "ITEM_ID")]
        items: Vec<u64>,
    },
    /// Remove items from a pending order (they return to the pool)
    Remove {
        po: String,
        #[arg(required = true, value_name = "ITEM_ID")]
        items: Vec<u64>,
    },
    /// Edit a pending order
    Edit {
        po: String,
        #[arg(long = "type", value_enum)]
        order_type: Option<TypeArg>,
        #[arg(long, value_name = "FILE")]
        ship_to: Option<PathBuf>,
        /// Special bid number ("" clears it)
        #[arg(long, value_name = "NUMBER")]
        special_bid: Option<String>,
        #[arg(long, value_name = "FILE")]
        end_user: Option<PathBuf>,
        /// Notes ("" clears them)
        #[arg(long)]
        notes: Option<String>,
        /// Shipping charge in the order's currency
        #[arg(long, value_name = "AMOUNT")]
        shipping: Option<String>,
    },
    /// List orders
    List {
        /// Only orders with this status (pending, awaiting_approval, email_sent, submitted, partial, completed, cancelled)
        #[arg(long)]
        status: Option<String>,
    },
    /// Show one order with lines, receipts and approval
    Show { po: String },
    /// Place an order (or send it for approval when a rule requires one)
    Place {
        po: String,
        #[arg(long, value_enum)]
        via: ViaArg,
        /// Link to the order in the distributor's portal (manual)
        #[arg(long, value_name = "URL")]
        link: Option<String>,
        /// Do not wait for an email or API submission; leave it to the background
        #[arg(long)]
        no_wait: bool,
        #[command(flatten)]
        api: ApiPlaceArgs,
    },
    /// Approve and place an order awaiting your approval
    Approve {
        po: String,
        /// How it goes to the distributor (no default: approving places it)
        #[arg(long, value_enum)]
        via: ViaArg,
        #[arg(long, value_name = "URL")]
        link: Option<String>,
        /// Do not wait for an email or API submission; leave it to the background
        #[arg(long)]
        no_wait: bool,
        #[command(flatten)]
        api: ApiPlaceArgs,
    },
    /// Write the purchase order as PDF
    Pdf {
        po: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Reject an order awaiting your approval (back to pending)
    Reject {
        po: String,
        #[arg(long)]
        reason: String,
    },
    /// Receive units (and serial numbers) on one line
    Receive {
        po: String,
        /// Order line, from 1
        #[arg(long)]
        line: u32,
        /// Quantity (default: the number of serials, or 1)
        #[arg(long)]
        qty: Option<u32>,
        /// Serial number (repeat for several)
        #[arg(long = "serial", value_name = "S")]
        serials: Vec<String>,
    },
    /// Undo a receipt
    Unreceive {
        po: String,
        #[arg(long)]
        receipt: u32,
    },
    /// Cancel an order (until anything is received); items return to the pool
    Cancel { po: String },
}

#[derive(Debug, Subcommand)]
pub enum RulesCmd {
    /// List approval rules in evaluation order
    List,
    /// Append a rule: orders totalling FROM..=TO need APPROVER
    Add {
        #[arg(long, value_name = "AMOUNT")]
        from: String,
        #[arg(long, value_name = "AMOUNT")]
        to: Option<String>,
        #[arg(long, value_name = "USER")]
        approver: String,
    },
    /// Remove rule N (from `rules list`)
    Remove { n: usize },
    /// Remove every rule
    Clear,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AuditFormat {
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub verify: Option<AuditVerify>,
    /// Only entries about this order
    #[arg(long)]
    pub po: Option<String>,
    /// Only entries by this user
    #[arg(long = "by", value_name = "USER")]
    pub actor: Option<String>,
    /// Only actions starting with this (po., receipt.add, …)
    #[arg(long)]
    pub action: Option<String>,
    /// Export format
    #[arg(long, value_enum)]
    pub format: Option<AuditFormat>,
}

#[derive(Debug, Subcommand)]
pub enum AuditVerify {
    /// Check the chain with the audit key (every entry unaltered, none missing) and replay
    /// it against the live items, orders and approval rules
    Verify {
        /// Also prove the history up to this chain head is unchanged (SEQ:MAC as
        /// `purser audit anchor` printed it, or the MAC alone)
        #[arg(long, value_name = "HASH")]
        anchor: Option<String>,
    },
    /// Print the chain's head (sequence number and MAC) to keep outside the database
    Anchor,
}

#[derive(Debug, Subcommand)]
pub enum InboxCmd {
    /// Import every file waiting in the inbox once (for cron)
    Run,
}

#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Background jobs and, per placed order, the PSA sync (an order number: its detail)
    Status {
        /// Show this order's PSA sync in detail: every entity with its PSA id
        po: Option<String>,
        /// With --json: the PSA sync per order instead of the jobs
        #[arg(long)]
        orders: bool,
    },
    /// Run an order's PSA sync again (its failed or waiting PSA jobs), from where it stopped
    RetryPsa { po: String },
    /// Check the PSA settings: each missing value, then each mapping against the PSA
    Check,
    /// Run due jobs once (for cron)
    Run,
    /// Run a failed or uncertain job again
    Retry { job: u64 },
    /// Record an uncertain job as done (e.g. the distributor confirmed the emailed order)
    MarkSent { job: u64 },
}

/// What an API placement carries (Pax8).
#[derive(Debug, Args, Default, Clone)]
pub struct ApiPlaceArgs {
    /// Pax8 billing term: Monthly, Annual, 2-Year, 3-Year, One-Time, Trial, Activation
    #[arg(long, value_name = "TERM")]
    pub billing_term: Option<crate::domain::order::BillingTerm>,
    /// Pax8 commitment term id, or `auto` to take it from the product's dependencies
    #[arg(long, value_name = "ID|auto")]
    pub commitment: Option<String>,
    /// Pax8 provisioning detail (repeatable), e.g. --provision msDomain=acme
    #[arg(long, value_name = "KEY=VALUE")]
    pub provision: Vec<crate::domain::order::Provision>,
}
