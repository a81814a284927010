//! The configuration file (TOML): users and roles, identity, distributors, PSA, inbox, UI.
//!
//! Unknown keys are refused so that a typo is reported, with its line, instead of being
//! silently ignored. Key names are stable: operators script against them.

#[cfg(test)]
mod fixtures;
mod psa;

pub use psa::*;

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
    pub import: Import,
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

/// `[import]`: limits on the quote files Purser reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Import {
    /// The largest quote file read, in MB (1,000,000 bytes); a larger one is refused
    /// before it is read.
    #[serde(default = "default_max_file_mb")]
    pub max_file_mb: u64,
}

impl Default for Import {
    fn default() -> Self {
        Import {
            max_file_mb: default_max_file_mb(),
        }
    }
}

impl Import {
    /// The largest quote file read, in bytes.
    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_mb.saturating_mul(1_000_000)
    }
}

fn default_max_file_mb() -> u64 {
    20
}

/// The largest `[import] max_file_mb` taken: a quote file takes a few times its size in
/// memory while it is imported.
pub const MAX_FILE_MB: u64 = 1024;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ui {
    /// Theme name: dark, light, high-contrast, monochrome, or a file in the config folder.
    #[serde(default)]
    pub theme: Option<String>,
    /// Key binding overrides: action name → key.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    /// Clicks and the wheel (on unless `false`).
    #[serde(default = "default_true")]
    pub mouse: bool,
    /// Characters arriving at most this many milliseconds apart, ending in Enter, are a
    /// barcode scanner's, not a person's.
    #[serde(default = "default_scan_gap_ms")]
    pub scan_gap_ms: u64,
    /// The fewest characters before the Enter that make such a burst a scan, from 1 to
    /// [`Ui::MAX_SCAN_MIN_CHARS`].
    #[serde(default = "default_scan_min_chars")]
    pub scan_min_chars: usize,
}

impl Default for Ui {
    fn default() -> Ui {
        Ui {
            theme: None,
            keys: BTreeMap::new(),
            mouse: true,
            scan_gap_ms: default_scan_gap_ms(),
            scan_min_chars: default_scan_min_chars(),
        }
    }
}

impl Ui {
    /// A person types a key every 60 ms at the very fastest: a longer gap would take
    /// typing for scans.
    pub const MAX_SCAN_GAP_MS: u64 = 60;

    /// A scan of a code shorter than `scan_min_chars` is taken for typing, so a larger
    /// minimum would let the scans of short codes act as keys (an EAN-13 barcode has 13
    /// digits, many serial numbers fewer than 20 characters) and, set high enough, turn
    /// scan detection off unnoticed; `scan_gap_ms = 0` is the way to turn it off.
    pub const MAX_SCAN_MIN_CHARS: usize = 20;

    /// The `[ui]` section's own rules. Its keys and theme are read as the screens will read
    /// them where a command loads the configuration (`tui::check_ui`, called at the edge):
    /// the configuration knows nothing of the screens.
    fn check(&self) -> Result<(), String> {
        if self.scan_gap_ms > Self::MAX_SCAN_GAP_MS {
            return Err(format!(
                "[ui] scan_gap_ms is {}; at most {} is taken (people type that fast)",
                self.scan_gap_ms,
                Self::MAX_SCAN_GAP_MS
            ));
        }
        match self.scan_min_chars {
            0 => return Err("[ui] scan_min_chars must be at least 1".into()),
            n if n > Self::MAX_SCAN_MIN_CHARS => {
                return Err(format!(
                    "[ui] scan_min_chars is {n}; at most {} is taken (scans of shorter codes would act as keys; scan_gap_ms = 0 turns scan detection off)",
                    Self::MAX_SCAN_MIN_CHARS
                ))
            }
            _ => {}
        }
        Ok(())
    }

    /// How far apart a scanner's characters arrive, at most.
    pub fn scan_gap(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.scan_gap_ms)
    }
}

fn default_true() -> bool {
    true
}

fn default_scan_gap_ms() -> u64 {
    20
}

fn default_scan_min_chars() -> usize {
    3
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
    /// Where wholesale orders are delivered, for distributors whose API needs an address
    /// on every order (TD SYNNEX).
    #[serde(default)]
    pub warehouse: Option<WarehouseAddress>,
}

/// `[company.warehouse]`: the fields of a quote's `ship_to`, with typos refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarehouseAddress {
    pub name: Option<String>,
    pub attention: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl From<&WarehouseAddress> for crate::domain::Address {
    fn from(w: &WarehouseAddress) -> Self {
        crate::domain::Address {
            name: w.name.clone(),
            attention: w.attention.clone(),
            street: w.street.clone(),
            city: w.city.clone(),
            state: w.state.clone(),
            postal_code: w.postal_code.clone(),
            country: w.country.clone(),
            phone: w.phone.clone(),
            email: w.email.clone(),
        }
    }
}

impl Company {
    /// Where wholesale orders are delivered, when configured.
    pub fn warehouse(&self) -> Option<crate::domain::Address> {
        self.warehouse.as_ref().map(Into::into)
    }
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
        let config: Config = toml::from_str(text).map_err(|e| without_secret_values(text, e.to_string().trim_end()))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        self.ui.check()?;
        for (name, user) in &self.users {
            if name == "system" {
                return Err(
                    "[users.system]: `system` is the name Purser records its own background work under; \
                     choose another login name"
                        .into(),
                );
            }
            if user.roles.is_empty() {
                return Err(format!(
                    "[users.{name}] has no roles; give it one or more of buyer, approver, receiver, admin"
                ));
            }
        }
        for (key, d) in &self.distributors {
            if let Some(c) = &d.currency {
                crate::domain::currency::check_currency(c).map_err(|e| format!("[distributors.{key}] currency {e}"))?;
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
        if let Some(w) = self.company.as_ref().and_then(Company::warehouse) {
            let missing = w.missing_for_shipping();
            if !missing.is_empty() {
                return Err(format!("[company.warehouse] lacks {}", missing.join(", ")));
            }
        }
        if let Some(inbox) = &self.inbox {
            check_secs("[inbox] poll_secs", Some(inbox.poll_secs), DAY_SECS)?;
        }
        match self.import.max_file_mb {
            0 => return Err("[import] max_file_mb must be at least 1".into()),
            mb if mb > MAX_FILE_MB => {
                return Err(format!("[import] max_file_mb is {mb}; at most {MAX_FILE_MB} is taken"))
            }
            _ => {}
        }
        for (key, d) in &self.distributors {
            check_secs(
                &format!("[distributors.{key}] timeout_secs"),
                d.timeout_secs,
                MAX_TIMEOUT_SECS,
            )?;
            check_secs(
                &format!("[distributors.{key}] status_poll_secs"),
                d.status_poll_secs,
                DAY_SECS,
            )?;
        }
        if let Some(smtp) = &self.smtp {
            check_secs("[smtp] timeout_secs", smtp.timeout_secs, MAX_TIMEOUT_SECS)?;
        }
        check_secs("[psa] timeout_secs", self.psa.timeout_secs, MAX_TIMEOUT_SECS)?;
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

/// The longest poll interval taken: a day.
const DAY_SECS: u64 = 86_400;

/// The longest network timeout taken: ten minutes. A request that outlasts it is better
/// reported than waited on.
const MAX_TIMEOUT_SECS: u64 = 600;

/// A number of seconds, when given, must be from 1 to `max`.
fn check_secs(what: &str, value: Option<u64>, max: u64) -> Result<(), String> {
    match value {
        Some(0) => Err(format!("{what} must be at least 1")),
        Some(v) if v > max => Err(format!("{what} is {v}; at most {max} is taken")),
        _ => Ok(()),
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

/// Whether a configuration key names a secret value itself (a mistake: secrets belong in
/// the environment or a private file, which `*_env` and `*_file` keys name).
fn names_a_secret(key: &str) -> bool {
    let k = key.trim().trim_matches('"').to_ascii_lowercase();
    if k.ends_with("_env") || k.ends_with("_file") {
        return false;
    }
    [
        "secret",
        "password",
        "passwd",
        "token",
        "api_key",
        "apikey",
        "private_key",
        "integration_code",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// A parse error with the value of every secret-named key in `text` blanked, so that a
/// secret written into the file by mistake is never echoed to the terminal or a log.
fn without_secret_values(text: &str, message: &str) -> String {
    let mut out = message.to_string();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if !names_a_secret(key) {
            continue;
        }
        let value = value.trim();
        let bare = value.trim_matches(|c| c == '"' || c == '\'');
        for v in [value, bare] {
            if !v.is_empty() && out.contains(v) {
                out = out.replace(v, "***");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_person_may_be_called_system() {
        let e = Config::parse("[users.system]\nroles = [\"admin\"]\n").unwrap_err();
        assert!(
            e.contains("`system` is the name Purser records its own background work under"),
            "{e}"
        );
    }

    #[test]
    fn a_secret_written_into_the_file_is_never_echoed() {
        for text in [
            "[distributors.ingram]\nkind = \"ingram\"\nclient_secret = \"sup3r-s3cret-value\"\n",
            "[smtp]\nhost = \"mail\"\npassword = \"sup3r-s3cret-value\"\n",
            "[psa.autotask]\nintegration_code = 12345678901\n",
        ] {
            let e = Config::parse(text).unwrap_err();
            assert!(!e.contains("sup3r-s3cret-value") && !e.contains("12345678901"), "{e}");
            assert!(e.contains("***") || e.contains("unknown field"), "{e}");
        }
        // The key is named, so the mistake can be found.
        let e = Config::parse("[smtp]\nhost = \"mail\"\npassword = \"sup3r-s3cret-value\"\n").unwrap_err();
        assert!(e.contains("password"), "{e}");
    }

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
    fn intervals_and_timeouts_must_be_sane() {
        for (toml, part) in [
            (
                "[inbox]\npath = \"in\"\npoll_secs = 0\n",
                "[inbox] poll_secs must be at least 1",
            ),
            (
                "[inbox]\npath = \"in\"\npoll_secs = 99999999999\n",
                "[inbox] poll_secs is 99999999999; at most 86400",
            ),
            (
                "[distributors.td]\nkind = \"manual\"\nstatus_poll_secs = 10000000\n",
                "[distributors.td] status_poll_secs is 10000000",
            ),
            (
                "[distributors.td]\nkind = \"manual\"\ntimeout_secs = 0\n",
                "[distributors.td] timeout_secs must be at least 1",
            ),
            (
                "[smtp]\nhost = \"h\"\nfrom = \"a@b.c\"\ntimeout_secs = 3600\n",
                "[smtp] timeout_secs is 3600; at most 600",
            ),
        ] {
            let e = Config::parse(toml).unwrap_err();
            assert!(e.contains(part), "{toml}: {e}");
        }
        Config::parse("[inbox]\npath = \"in\"\npoll_secs = 86400\n").unwrap();
    }

    #[test]
    fn the_quote_file_limit_defaults_to_20_mb_and_must_be_sane() {
        assert_eq!(Config::parse("").unwrap().import.max_file_bytes(), 20_000_000);
        let c = Config::parse("[import]\nmax_file_mb = 1024\n").unwrap();
        assert_eq!(c.import.max_file_bytes(), 1_024_000_000);
        let e = Config::parse("[import]\nmax_file_mb = 0\n").unwrap_err();
        assert_eq!(e, "[import] max_file_mb must be at least 1");
        let e = Config::parse("[import]\nmax_file_mb = 1025\n").unwrap_err();
        assert_eq!(e, "[import] max_file_mb is 1025; at most 1024 is taken");
        let e = Config::parse("[import]\nmax_file = 5\n").unwrap_err();
        assert!(e.contains("max_file"), "{e}");
    }

    #[test]
    fn an_unknown_role_is_named() {
        let bad = GOOD.replace("roles = [\"buyer\"]", "roles = [\"buyr\"]");
        let e = Config::parse(&bad).unwrap_err();
        assert!(e.contains("buyr"), "{e}");
    }

    #[test]
    fn the_warehouse_address_is_checked() {
        let base = "[company]\nname = \"Northsea IT\"\n[company.warehouse]\nname = \"Northsea IT depot\"\nstreet = \"Stationsweg 8\"\ncity = \"Utrecht\"\npostal_code = \"3511 ED\"\ncountry = \"NL\"\n";
        let c = Config::parse(base).unwrap();
        let w = c.company.as_ref().and_then(Company::warehouse).unwrap();
        assert_eq!(w.city.as_deref(), Some("Utrecht"));
        let e = Config::parse(&base.replace("city", "cty")).unwrap_err();
        assert!(e.contains("cty"), "{e}");
        let e = Config::parse(&base.replace("street = \"Stationsweg 8\"\n", "")).unwrap_err();
        assert_eq!(e, "[company.warehouse] lacks street");
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

    #[test]
    fn a_distributor_currency_must_be_a_currency_in_use() {
        let e = Config::parse("[distributors.d]\ncurrency = \"XYZ\"\n").unwrap_err();
        assert_eq!(
            e,
            "[distributors.d] currency `XYZ` is not the ISO 4217 code of a currency in use (EUR, USD, GBP …)"
        );
        let e = Config::parse("[distributors.d]\ncurrency = \"eur\"\n").unwrap_err();
        assert_eq!(
            e,
            "[distributors.d] currency `eur` is not an ISO 4217 code like EUR or USD"
        );
        for good in ["EUR", "USD", "GBP"] {
            let c = Config::parse(&format!("[distributors.d]\ncurrency = \"{good}\"\n")).unwrap();
            assert_eq!(c.distributors["d"].currency.as_deref(), Some(good));
        }
    }

    #[test]
    fn scan_min_chars_runs_from_1_to_20() {
        for n in [1, 3, 20] {
            let c = Config::parse(&format!("[ui]\nscan_min_chars = {n}\n")).unwrap();
            assert_eq!(c.ui.scan_min_chars, n);
        }
        let e = Config::parse("[ui]\nscan_min_chars = 0\n").unwrap_err();
        assert_eq!(e, "[ui] scan_min_chars must be at least 1");
        for n in [21, 1_000_000] {
            let e = Config::parse(&format!("[ui]\nscan_min_chars = {n}\n")).unwrap_err();
            assert_eq!(
                e,
                format!("[ui] scan_min_chars is {n}; at most 20 is taken (scans of shorter codes would act as keys; scan_gap_ms = 0 turns scan detection off)")
            );
        }
    }
}
