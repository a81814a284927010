//! The configuration file (TOML): users and roles, identity, distributors, PSA, inbox, UI.
//!
//! Unknown keys are refused so that a typo is reported, with its line, instead of being
//! silently ignored. Key names are stable: operators script against them.

use crate::domain::{Role, Roles};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("no configuration file at {0}; create one (see README, \"Configuration\") or try `purser demo`")]
    Missing(PathBuf),
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub identity: Identity,
    #[serde(default)]
    pub users: BTreeMap<String, User>,
    #[serde(default)]
    pub distributors: BTreeMap<String, Distributor>,
    #[serde(default)]
    pub psa: Psa,
    #[serde(default)]
    pub inbox: Option<Inbox>,
    #[serde(default)]
    pub ui: Ui,
    #[serde(default)]
    pub company: Option<Company>,
    #[serde(default)]
    pub smtp: Option<Smtp>,
    #[serde(default)]
    pub mail: Option<MailFolder>,
    /// Where the file was read from (not a key).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Allow `--user NAME` to act as another configured user (demo and training setups).
    #[serde(default)]
    pub allow_user_override: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    pub roles: Vec<Role>,
}

/// How orders reach a distributor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistributorKind {
    Ingram,
    TdsynnexUs,
    TdsynnexEu,
    Pax8,
    Onetrail,
    Email,
    #[default]
    Manual,
}

impl DistributorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DistributorKind::Ingram => "ingram",
            DistributorKind::TdsynnexUs => "tdsynnex_us",
            DistributorKind::TdsynnexEu => "tdsynnex_eu",
            DistributorKind::Pax8 => "pax8",
            DistributorKind::Onetrail => "onetrail",
            DistributorKind::Email => "email",
            DistributorKind::Manual => "manual",
        }
    }

    /// Whether Purser can place orders through this distributor's API.
    pub fn has_api(self) -> bool {
        !matches!(self, DistributorKind::Email | DistributorKind::Manual)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Distributor {
    #[serde(default)]
    pub kind: DistributorKind,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    /// Order email addresses.
    #[serde(default)]
    pub email: Vec<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    // Per-kind settings, used by the distributor integrations.
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret_env: Option<String>,
    #[serde(default)]
    pub customer_number: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
    #[serde(default)]
    pub sender_id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub ship_method: Option<String>,
    #[serde(default)]
    pub status_poll_secs: Option<u64>,
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// A file holding the distributor's secret (client secret, password or API key) when
    /// the `*_env` variable is not set; refused when others can read it.
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
    #[serde(default)]
    pub token_url: Option<String>,
    #[serde(default)]
    pub buyer_gln: Option<String>,
    #[serde(default)]
    pub seller_gln: Option<String>,
    /// TD SYNNEX EU (no public specification): the header carrying the API key
    /// (default `X-API-Key`), and the order and status paths below `base_url`
    /// (defaults `/SynnexXML/PO` and `/SynnexXML/POStatus`, as in the US documents).
    #[serde(default)]
    pub api_key_header: Option<String>,
    #[serde(default)]
    pub order_path: Option<String>,
    #[serde(default)]
    pub status_path: Option<String>,
}

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

    /// Whether receipts are sent to the PSA (Autotask and HaloPSA; not ConnectWise).
    pub fn syncs_receipts(self) -> bool {
        matches!(self, PsaKind::Autotask | PsaKind::Halopsa)
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
    #[serde(default)]
    pub purchase_order_status: Option<String>,
    #[serde(default)]
    pub inventory_location_id: Option<i64>,
}

fn default_charge_type() -> String {
    "Operational".into()
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
        let mut need = |ok: bool, key: &str, what: &str| {
            if !ok {
                out.push(format!("[psa] needs {key}: {what}"));
            }
        };
        fn secret(out: &mut Vec<String>, section: &str, name: &str, env: &Option<String>, file: &Option<PathBuf>) {
            match (env, file) {
                (Some(_), Some(_)) => out.push(format!("[{section}] sets both {name}_env and {name}_file; keep one")),
                (None, None) => out.push(format!(
                    "[{section}] needs {name}_env (an environment variable) or {name}_file (a file only you can read)"
                )),
                _ => {}
            }
        }
        match self.kind {
            PsaKind::None => return out,
            PsaKind::Autotask => {
                need(
                    self.stages.placed.is_some(),
                    "stages.placed",
                    "the opportunity stage for a placed order",
                );
                let Some(a) = &self.autotask else {
                    out.push("[psa] kind = \"autotask\" but there is no [psa.autotask] section (username, credentials, ticket and charge settings)".into());
                    return out;
                };
                let s = "psa.autotask";
                secret(
                    &mut out,
                    s,
                    "integration_code",
                    &a.integration_code_env,
                    &a.integration_code_file,
                );
                secret(&mut out, s, "secret", &a.secret_env, &a.secret_file);
                let mut need = |ok: bool, key: &str, what: &str| {
                    if !ok {
                        out.push(format!("[{s}] needs {key}: {what}"));
                    }
                };
                need(
                    a.ticket_status.is_some(),
                    "ticket_status",
                    "the status label of the post-sale ticket",
                );
                need(
                    a.ticket_priority.is_some(),
                    "ticket_priority",
                    "the priority label of the post-sale ticket",
                );
                need(
                    a.ticket_queue.is_some(),
                    "ticket_queue",
                    "the queue label of the post-sale ticket",
                );
                need(
                    a.shipping_billing_code_id.is_some(),
                    "shipping_billing_code_id",
                    "the billing code id of the shipping charge",
                );
                need(
                    a.note_type.is_some(),
                    "note_type",
                    "the note type label of the internal note",
                );
                need(
                    a.note_publish.is_some(),
                    "note_publish",
                    "the publish label that keeps the note internal",
                );
                if a.purchase_orders {
                    need(
                        a.inventory_location_id.is_some(),
                        "inventory_location_id",
                        "where purchase-order items are received (purchase_orders = true)",
                    );
                    need(
                        a.purchase_order_status.is_some(),
                        "purchase_order_status",
                        "the status label of a new purchase order",
                    );
                }
            }
            PsaKind::Connectwise => {
                need(
                    self.base_url.is_some(),
                    "base_url",
                    "the API root, like https://SITE/v4_6_release/apis/3.0",
                );
                need(
                    self.stages.placed.is_some(),
                    "stages.placed",
                    "the opportunity stage for a placed order",
                );
                let Some(c) = &self.connectwise else {
                    out.push("[psa] kind = \"connectwise\" but there is no [psa.connectwise] section (company_id, client_id, keys, ticket settings)".into());
                    return out;
                };
                let s = "psa.connectwise";
                secret(&mut out, s, "public_key", &c.public_key_env, &c.public_key_file);
                secret(&mut out, s, "private_key", &c.private_key_env, &c.private_key_file);
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
            }
            PsaKind::Halopsa => {
                need(
                    self.base_url.is_some(),
                    "base_url",
                    "the tenant root, like https://TENANT.halopsa.com",
                );
                need(
                    self.stages.placed.is_some(),
                    "stages.placed",
                    "the opportunity status for a placed order",
                );
                let Some(h) = &self.halopsa else {
                    out.push("[psa] kind = \"halopsa\" but there is no [psa.halopsa] section (client_id, client secret, stock location and bin)".into());
                    return out;
                };
                let s = "psa.halopsa";
                secret(
                    &mut out,
                    s,
                    "client_secret",
                    &h.client_secret_env,
                    &h.client_secret_file,
                );
                if h.stock_location_id.is_none() {
                    out.push(format!("[{s}] needs stock_location_id: where received stock is booked"));
                }
                if h.stock_bin_id.is_none() {
                    out.push(format!("[{s}] needs stock_bin_id: the bin in that stock location"));
                }
            }
        }
        if self.timeout_secs == Some(0) {
            out.push("[psa] timeout_secs must be at least 1".into());
        }
        out
    }

    /// Request timeout.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_secs.unwrap_or(30).max(1))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inbox {
    /// Folder watched for approved-quote files; `done/` and `failed/` are made inside it.
    pub path: PathBuf,
    /// How often the TUI looks for new files, in seconds.
    #[serde(default = "default_poll")]
    pub poll_secs: u64,
}

fn default_poll() -> u64 {
    5
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ui {
    /// Theme name: dark, light, high-contrast, monochrome, or a file in the config folder.
    #[serde(default)]
    pub theme: Option<String>,
    /// Key binding overrides: action name → key.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Company {
    pub name: String,
    #[serde(default)]
    pub address: Vec<String>,
    #[serde(default)]
    pub vat_number: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    #[default]
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub host: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    /// A file holding the password alone; refused when others can read it.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    pub from: String,
    #[serde(default)]
    pub reply_to: Option<String>,
    /// Seconds to wait for the server.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

/// Without `[smtp]`: emails are written as `.eml` files (with their PDF) to this folder
/// instead of being sent — for demos and trials.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailFolder {
    pub folder: PathBuf,
}

impl Config {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ConfigError::Missing(path.to_path_buf())),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        let mut config = Config::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses and checks configuration text; the error names the line and the key.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        for (name, user) in &self.users {
            if user.roles.is_empty() {
                return Err(format!(
                    "[users.{name}] has no roles; give it one or more of buyer, approver, receiver, admin"
                ));
            }
        }
        for (key, d) in &self.distributors {
            if let Some(c) = &d.currency {
                if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
                    return Err(format!(
                        "[distributors.{key}] currency `{c}` is not an ISO 4217 code like EUR"
                    ));
                }
            }
            if d.kind == DistributorKind::Email && d.email.is_empty() {
                return Err(format!(
                    "[distributors.{key}] is kind = \"email\" but has no email addresses"
                ));
            }
        }
        if let Some(smtp) = &self.smtp {
            if smtp.password_env.is_some() && smtp.password_file.is_some() {
                return Err("[smtp] sets both password_env and password_file; keep one".into());
            }
            if smtp.username.is_some() && smtp.password_env.is_none() && smtp.password_file.is_none() {
                return Err("[smtp] has a username but no password_env or password_file".into());
            }
        }
        for key in self.psa.vendors.keys() {
            if !self.distributors.contains_key(key) {
                return Err(format!(
                    "[psa.vendors] names distributor `{key}`, which is not configured (configured: {})",
                    self.distributor_keys()
                ));
            }
        }
        if let Some(inbox) = &self.inbox {
            if inbox.poll_secs == 0 {
                return Err("[inbox] poll_secs must be at least 1".into());
            }
        }
        Ok(())
    }

    /// Roles of a configured user.
    pub fn roles_of(&self, user: &str) -> Option<Roles> {
        self.users.get(user).map(|u| Roles::new(u.roles.iter().copied()))
    }

    /// The configured distributor keys, for messages.
    pub fn distributor_keys(&self) -> String {
        if self.distributors.is_empty() {
            "none (add a [distributors.KEY] section)".into()
        } else {
            self.distributors.keys().cloned().collect::<Vec<_>>().join(", ")
        }
    }

    /// Display name of a distributor key.
    pub fn distributor_name(&self, key: &str) -> String {
        self.distributors
            .get(key)
            .and_then(|d| d.name.clone())
            .unwrap_or_else(|| key.to_string())
    }
}

/// `$XDG_DATA_HOME/purser` (or `~/.local/share/purser`).
pub fn data_dir() -> PathBuf {
    xdg("XDG_DATA_HOME", ".local/share").join("purser")
}

/// `$XDG_CONFIG_HOME/purser` (or `~/.config/purser`).
pub fn config_dir() -> PathBuf {
    xdg("XDG_CONFIG_HOME", ".config").join("purser")
}

fn xdg(var: &str, fallback: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."))
            .join(fallback),
    }
}

pub fn default_db_path() -> PathBuf {
    data_dir().join("purser.redb")
}

pub fn default_config_path() -> PathBuf {
    config_dir().join("config.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[identity]
allow_user_override = true

[users.alice]
roles = ["buyer"]
email = "alice@example.org"

[users.carol]
roles = ["approver", "buyer"]

[distributors.ingram]
kind = "ingram"
name = "Ingram Micro"
currency = "EUR"
email = ["orders@example.org"]

[psa]
kind = "halopsa"
"#;

    #[test]
    fn reads_a_good_file() {
        let c = Config::parse(GOOD).unwrap();
        assert!(c.identity.allow_user_override);
        assert!(c.roles_of("carol").unwrap().has(Role::Approver));
        assert!(!c.roles_of("alice").unwrap().has(Role::Approver));
        assert_eq!(c.distributors["ingram"].kind, DistributorKind::Ingram);
        assert_eq!(c.psa.kind, PsaKind::Halopsa);
        assert_eq!(c.distributor_name("ingram"), "Ingram Micro");
    }

    #[test]
    fn a_typo_names_the_key_and_line() {
        let bad = GOOD.replace("roles = [\"buyer\"]", "rols = [\"buyer\"]");
        let e = Config::parse(&bad).unwrap_err();
        assert!(e.contains("rols"), "{e}");
        assert!(e.contains("line 6"), "{e}");
    }

    #[test]
    fn an_unknown_role_is_named() {
        let bad = GOOD.replace("roles = [\"buyer\"]", "roles = [\"buyr\"]");
        let e = Config::parse(&bad).unwrap_err();
        assert!(e.contains("buyr"), "{e}");
    }

    #[test]
    fn a_user_without_roles_is_refused() {
        let e = Config::parse("[users.x]\nroles = []\n").unwrap_err();
        assert!(e.contains("[users.x] has no roles"), "{e}");
    }

    #[test]
    fn a_bad_currency_is_refused() {
        let e = Config::parse("[distributors.d]\ncurrency = \"euro\"\n").unwrap_err();
        assert!(e.contains("ISO 4217"), "{e}");
    }
}
