//! Secrets: read from an environment variable or a file only its owner can read. They
//! are never logged, never written to the audit trail or the database.

use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the environment variable {0} is not set")]
    MissingEnv(String),
    #[error("cannot read the secrets file {path}: {message}")]
    Unreadable { path: String, message: String },
    #[error("the secrets file {path} can be read by others (mode {mode:o}); run `chmod 600 {path}`")]
    TooOpen { path: String, mode: u32 },
    #[error("the secrets file {0} is empty")]
    Empty(String),
}

/// The value of the environment variable `name`.
pub fn from_env(name: &str) -> Result<String, SecretError> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => {
            remember(&v);
            Ok(v)
        }
        _ => Err(SecretError::MissingEnv(name.to_string())),
    }
}

/// Secrets this process has read, so that [`scrub`] can take them out of any text.
fn known() -> &'static std::sync::RwLock<Vec<String>> {
    static KNOWN: std::sync::OnceLock<std::sync::RwLock<Vec<String>>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| std::sync::RwLock::new(Vec::new()))
}

/// The shortest value taken as a secret to scrub: shorter ones would blank ordinary words.
const MIN_SCRUBBED: usize = 4;

/// Notes a secret value, so that [`scrub`] takes it out of every text kept or shown.
pub fn remember(value: &str) {
    let value = value.trim();
    if value.len() < MIN_SCRUBBED {
        return;
    }
    let mut k = known().write().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !k.iter().any(|s| s == value) {
        k.push(value.to_string());
        // The longest first, so that a secret containing another is replaced whole.
        k.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// `text` with every secret this process has read replaced by `***`: for every message
/// that is kept (an order, the audit trail, a job) or shown (an error, a log line, JSON).
pub fn scrub(text: &str) -> String {
    let k = known().read().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out = text.to_string();
    for s in k.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "***");
        }
    }
    out
}

/// The first line of `path`, refused when group or others may read the file.
pub fn from_file(path: &Path) -> Result<String, SecretError> {
    use std::os::unix::fs::PermissionsExt;
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| SecretError::Unreadable {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SecretError::TooOpen { path: shown, mode });
    }
    let text = std::fs::read_to_string(path).map_err(|e| SecretError::Unreadable {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r').to_string();
    if first.is_empty() {
        return Err(SecretError::Empty(shown));
    }
    remember(&first);
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_private_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pw");
        std::fs::write(&p, "s3cret\nignored\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(from_file(&p).unwrap(), "s3cret");
    }

    #[test]
    fn a_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pw");
        std::fs::write(&p, "s3cret").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(from_file(&p), Err(SecretError::TooOpen { mode: 0o644, .. })));
    }

    #[test]
    fn every_secret_read_is_scrubbed_from_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pw");
        std::fs::write(&p, "file-secret-9f2").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        from_file(&p).unwrap();
        std::env::set_var("PURSER_TEST_SCRUB_SECRET", "env-secret-41a");
        from_env("PURSER_TEST_SCRUB_SECRET").unwrap();
        assert_eq!(
            scrub("user=x&pw=file-secret-9f2&key=env-secret-41a"),
            "user=x&pw=***&key=***"
        );
        // Short values are not taken as secrets: they would blank ordinary words.
        remember("ab");
        assert_eq!(scrub("about"), "about");
    }

    #[test]
    fn a_missing_variable_is_named() {
        assert_eq!(
            from_env("PURSER_TEST_SURELY_UNSET_VARIABLE"),
            Err(SecretError::MissingEnv("PURSER_TEST_SURELY_UNSET_VARIABLE".into()))
        );
    }
}
