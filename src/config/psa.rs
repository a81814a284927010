//! The `[psa]` section: which PSA is connected, its address and credentials, and the
//! mappings (stages, vendors, boards, billing codes, locations) checked at start.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Which PSA is connected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PsaKind {
    Autotask,
    Connectwise,
    Halopsa,
    #[default]
    None,
}

impl PsaKind {
    /// Whether an external PSA is connected (not standalone).
    pub fn is_connected(self) -> bool {
        self != PsaKind::None
    }

    /// Whether receiving records are sent to the PSA (Autotask and HaloPSA; not ConnectWise).
    pub fn syncs_receipts(self) -> bool {
        matches!(self, PsaKind::Autotask | PsaKind::Halopsa)
    }
}

/// Says that `key` is needed, unless `ok`.
fn need(out: &mut Vec<String>, ok: bool, key: &str, what: &str) {
    if !ok {
        out.push(format!("[psa] needs {key}: {what}"));
    }
}

/// Says what is wrong with a secret's two ways of being given, if anything.
fn secret(out: &mut Vec<String>, section: &str, name: &str, env: &Option<String>, file: &Option<PathBuf>) {
    match (env, file) {
        (Some(_), Some(_)) => out.push(format!("[{section}] sets both {name}_env and {name}_file; keep one")),
        (None, None) => out.push(format!(
            "[{section}] needs {name}_env (an environment variable) or {name}_file (a file only you can read)"
        )),
        _ => {}
    }
}

impl Psa {
    /// Whether a receipt gives the PSA something to do: receiving records (Autotask,
    /// HaloPSA), or only the opportunity stage for partial / completed (ConnectWise).
    pub fn acts_on_receipts(&self) -> bool {
        self.kind.syncs_receipts()
            || (self.kind == PsaKind::Connectwise && (self.stages.partial.is_some() || self.stages.completed.is_some()))
    }
}

/// `[psa]`: which PSA, where it is, how to sign in, and how Purser's orders map onto it.
/// Missing mappings do not stop the file from loading; [`Psa::problems`] lists each one
/// (checked at start by `purser psa check`, `purser sync run` and before every sync).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Psa {
    #[serde(default)]
    pub kind: PsaKind,
    /// Autotask: the zone-discovery address (default the public one); ConnectWise: the API
    /// root `https://SITE/v4_6_release/apis/3.0`; HaloPSA: the tenant root `https://TENANT.halopsa.com`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Seconds to wait for each request (default 30).
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Link to an order, `{po}` replaced by its number (Autotask URL attachment, notes).
    #[serde(default)]
    pub order_url: Option<String>,
    /// Opportunity stage names per Purser status: `placed` (required), `partial`, `completed`.
    #[serde(default)]
    pub stages: PsaStages,
    /// Distributor key → the distributor's company id in the PSA (Autotask vendor, Halo supplier).
    #[serde(default)]
    pub vendors: BTreeMap<String, i64>,
    #[serde(default)]
    pub autotask: Option<AutotaskSettings>,
    #[serde(default)]
    pub connectwise: Option<ConnectwiseSettings>,
    #[serde(default)]
    pub halopsa: Option<HalopsaSettings>,
}

/// `[psa.stages]`: stage names as the PSA shows them, resolved at run time.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PsaStages {
    #[serde(default)]
    pub placed: Option<String>,
    #[serde(default)]
    pub partial: Option<String>,
    #[serde(default)]
    pub completed: Option<String>,
}

/// `[psa.autotask]`. Picklist values are labels, resolved through `entityInformation/fields`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutotaskSettings {
    /// The API user (sent as `UserName`, and to zone discovery).
    pub username: String,
    #[serde(default)]
    pub integration_code_env: Option<String>,
    #[serde(default)]
    pub integration_code_file: Option<PathBuf>,
    #[serde(default)]
    pub secret_env: Option<String>,
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
    #[serde(default)]
    pub impersonation_resource_id: Option<i64>,
    pub ticket_status: Option<String>,
    pub ticket_priority: Option<String>,
    pub ticket_queue: Option<String>,
    #[serde(default)]
    pub ticket_type: Option<String>,
    #[serde(default = "default_charge_type")]
    pub charge_type: String,
    #[serde(default)]
    pub charge_status: Option<String>,
    /// Billing code (allocation code) id of the separate shipping charge.
    pub shipping_billing_code_id: Option<i64>,
    pub note_type: Option<String>,
    /// The note's publish setting; an internal-only one.
    pub note_publish: Option<String>,
    /// "Enable for procurement": create a purchase order with items.
    #[serde(default)]
    pub purchase_orders: bool,
    /// The status label of a new purchase order (items are added to it in this status).
    #[serde(default)]
    pub purchase_order_status: Option<String>,
    /// The status label of a submitted purchase order: Purser moves its purchase order there
    /// once the items are on it, as the order is placed; Autotask receives only against a
    /// submitted one.
    #[serde(default = "default_submitted_status")]
    pub purchase_order_submitted_status: String,
    #[serde(default)]
    pub inventory_location_id: Option<i64>,
}

fn default_charge_type() -> String {
    "Operational".into()
}

fn default_submitted_status() -> String {
    "Submitted".into()
}

/// `[psa.connectwise]`. Board, status, priority, SLA and stage are names, looked up.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectwiseSettings {
    pub company_id: String,
    pub client_id: String,
    #[serde(default)]
    pub public_key_env: Option<String>,
    #[serde(default)]
    pub public_key_file: Option<PathBuf>,
    #[serde(default)]
    pub private_key_env: Option<String>,
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
    pub board: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub sla: Option<String>,
    /// Low, Medium or High.
    pub impact: Option<String>,
    #[serde(default)]
    pub severity: Option<String>,
}

/// `[psa.halopsa]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HalopsaSettings {
    pub client_id: String,
    #[serde(default)]
    pub client_secret_env: Option<String>,
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Hosted multi-tenant instances: the tenant name sent with the token request.
    #[serde(default)]
    pub tenant: Option<String>,
    pub stock_location_id: Option<i64>,
    pub stock_bin_id: Option<i64>,
    /// Wire name of a line's quantity (not in the published spec; confirm on your instance).
    #[serde(default = "default_halo_quantity")]
    pub line_quantity_field: String,
}

fn default_halo_quantity() -> String {
    "quantity".into()
}

const IMPACTS: [&str; 3] = ["Low", "Medium", "High"];

impl Psa {
    /// Every missing or malformed value for the connected PSA, each in its own sentence.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let complete = match self.kind {
            PsaKind::None => return out,
            PsaKind::Autotask => self.autotask_problems(&mut out),
            PsaKind::Connectwise => self.connectwise_problems(&mut out),
            PsaKind::Halopsa => self.halopsa_problems(&mut out),
        };
        if complete && self.timeout_secs == Some(0) {
            out.push("[psa] timeout_secs must be at least 1".into());
        }
        out
    }

    /// Autotask's settings; false when its section is missing (nothing more to say).
    fn autotask_problems(&self, out: &mut Vec<String>) -> bool {
        need(
            out,
            self.stages.placed.is_some(),
            "stages.placed",
            "the opportunity stage for a placed order",
        );
        let Some(a) = &self.autotask else {
            out.push("[psa] kind = \"autotask\" but there is no [psa.autotask] section (username, credentials, ticket and charge settings)".into());
            return false;
        };
        let s = "psa.autotask";
        secret(
            out,
            s,
            "integration_code",
            &a.integration_code_env,
            &a.integration_code_file,
        );
        secret(out, s, "secret", &a.secret_env, &a.secret_file);
        let need = |out: &mut Vec<String>, ok: bool, key: &str, what: &str| {
            if !ok {
                out.push(format!("[{s}] needs {key}: {what}"));
            }
        };
        need(
            out,
            a.ticket_status.is_some(),
            "ticket_status",
            "the status label of the post-sale ticket",
        );
        need(
            out,
            a.ticket_priority.is_some(),
            "ticket_priority",
            "the priority label of the post-sale ticket",
        );
        need(
            out,
            a.ticket_queue.is_some(),
            "ticket_queue",
            "the queue label of the post-sale ticket",
        );
        need(
            out,
            a.shipping_billing_code_id.is_some(),
            "shipping_billing_code_id",
            "the billing code id of the shipping charge",
        );
        need(
            out,
            a.note_type.is_some(),
            "note_type",
            "the note type label of the internal note",
        );
        need(
            out,
            a.note_publish.is_some(),
            "note_publish",
            "the publish label that keeps the note internal",
        );
        if a.purchase_orders {
            need(
                out,
                a.inventory_location_id.is_some(),
                "inventory_location_id",
                "where purchase-order items are received (purchase_orders = true)",
            );
            need(
                out,
                a.purchase_order_status.is_some(),
                "purchase_order_status",
                "the status label of a new purchase order",
            );
        }
        true
    }

    /// ConnectWise Manage's settings; false when its section is missing.
    fn connectwise_problems(&self, out: &mut Vec<String>) -> bool {
        need(
            out,
            self.base_url.is_some(),
            "base_url",
            "the API root, like https://SITE/v4_6_release/apis/3.0",
        );
        need(
            out,
            self.stages.placed.is_some(),
            "stages.placed",
            "the opportunity stage for a placed order",
        );
        let Some(c) = &self.connectwise else {
            out.push("[psa] kind = \"connectwise\" but there is no [psa.connectwise] section (company_id, client_id, keys, ticket settings)".into());
            return false;
        };
        let s = "psa.connectwise";
        secret(out, s, "public_key", &c.public_key_env, &c.public_key_file);
        secret(out, s, "private_key", &c.private_key_env, &c.private_key_file);
        for (v, key, what) in [
            (&c.board, "board", "the service board of the ticket"),
            (&c.status, "status", "the ticket status on that board"),
            (&c.priority, "priority", "the ticket priority"),
            (&c.sla, "sla", "the ticket SLA"),
            (&c.impact, "impact", "the ticket impact (Low, Medium or High)"),
        ] {
            if v.is_none() {
                out.push(format!("[{s}] needs {key}: {what}"));
            }
        }
        for (v, key) in [(&c.impact, "impact"), (&c.severity, "severity")] {
            if let Some(v) = v {
                if !IMPACTS.contains(&v.as_str()) {
                    out.push(format!("[{s}] {key} = \"{v}\" is unknown; use Low, Medium or High"));
                }
            }
        }
        true
    }

    /// HaloPSA's settings; false when its section is missing.
    fn halopsa_problems(&self, out: &mut Vec<String>) -> bool {
        need(
            out,
            self.base_url.is_some(),
            "base_url",
            "the tenant root, like https://TENANT.halopsa.com",
        );
        need(
            out,
            self.stages.placed.is_some(),
            "stages.placed",
            "the opportunity status for a placed order",
        );
        let Some(h) = &self.halopsa else {
            out.push("[psa] kind = \"halopsa\" but there is no [psa.halopsa] section (client_id, client secret, stock location and bin)".into());
            return false;
        };
        let s = "psa.halopsa";
        secret(out, s, "client_secret", &h.client_secret_env, &h.client_secret_file);
        if h.stock_location_id.is_none() {
            out.push(format!("[{s}] needs stock_location_id: where received stock is booked"));
        }
        if h.stock_bin_id.is_none() {
            out.push(format!("[{s}] needs stock_bin_id: the bin in that stock location"));
        }
        true
    }

    /// Request timeout.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_secs.unwrap_or(30).max(1))
    }
}
