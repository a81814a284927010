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
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Err(SecretError::MissingEnv(name.to_string())),
    }
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
    fn a_missing_variable_is_named() {
        assert_eq!(
            from_env("PURSER_TEST_SURELY_UNSET_VARIABLE"),
            Err(SecretError::MissingEnv("PURSER_TEST_SURELY_UNSET_VARIABLE".into()))
        );
    }
}
