//! Who is acting: the operating-system account of the real uid, never `$USER`.

use crate::config::Config;
use crate::domain::Roles;
use thiserror::Error;

/// The person running a command, with their roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub roles: Roles,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("cannot tell who you are: no account name for uid {0}")]
    NoAccount(u32),
    #[error("--user {requested} is not allowed: the configuration does not set [identity] allow_user_override = true (you are {os_user})")]
    OverrideRefused { requested: String, os_user: String },
    #[error("{0} is not a Purser user; an admin adds [users.{0}] with its roles to the configuration")]
    NotAUser(String),
}

/// The login name of the real uid.
pub fn os_account() -> Result<String, IdentityError> {
    // SAFETY: getuid has no preconditions.
    account_of(unsafe { libc::getuid() })
}

/// The login name of `uid` (the service names its clients by their socket's peer uid).
pub fn account_of(uid: u32) -> Result<String, IdentityError> {
    // SAFETY: getpwuid_r writes into the buffers we own and returns a pointer into them
    // (or null), which we read before they go out of scope.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 4096];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return Err(IdentityError::NoAccount(uid));
        }
        Ok(std::ffi::CStr::from_ptr(pwd.pw_name).to_string_lossy().into_owned())
    }
}

/// The name of group `gid`, when the system knows it.
pub fn group_of(gid: u32) -> Option<String> {
    // SAFETY: getgrgid_r writes into the buffers we own and returns a pointer into them
    // (or null), which we read before they go out of scope.
    unsafe {
        let mut grp: libc::group = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 16384];
        let mut result: *mut libc::group = std::ptr::null_mut();
        let rc = libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc != 0 || result.is_null() || grp.gr_name.is_null() {
            return None;
        }
        Some(std::ffi::CStr::from_ptr(grp.gr_name).to_string_lossy().into_owned())
    }
}

/// Resolves the actor: the OS account, or `requested` when the configuration allows it.
pub fn resolve(config: &Config, requested: Option<&str>, os_user: &str) -> Result<Actor, IdentityError> {
    let name = match requested {
        Some(r) if r != os_user && !config.identity.allow_user_override => {
            return Err(IdentityError::OverrideRefused {
                requested: r.to_string(),
                os_user: os_user.to_string(),
            })
        }
        Some(r) => r.to_string(),
        None => os_user.to_string(),
    };
    let roles = config
        .roles_of(&name)
        .ok_or_else(|| IdentityError::NotAUser(name.clone()))?;
    Ok(Actor { name, roles })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(allow: bool) -> Config {
        Config::parse(&format!(
            "[identity]\nallow_user_override = {allow}\n[users.alice]\nroles = [\"buyer\"]\n[users.root]\nroles = [\"admin\"]\n"
        ))
        .unwrap()
    }

    #[test]
    fn the_os_account_is_the_default() {
        let a = resolve(&config(false), None, "root").unwrap();
        assert_eq!(a.name, "root");
    }

    #[test]
    fn override_needs_permission() {
        assert_eq!(
            resolve(&config(false), Some("alice"), "root"),
            Err(IdentityError::OverrideRefused {
                requested: "alice".into(),
                os_user: "root".into()
            })
        );
        assert_eq!(resolve(&config(true), Some("alice"), "root").unwrap().name, "alice");
        // Naming yourself is always fine.
        assert_eq!(resolve(&config(false), Some("root"), "root").unwrap().name, "root");
    }

    #[test]
    fn unknown_users_are_refused() {
        assert_eq!(
            resolve(&config(true), Some("mallory"), "root"),
            Err(IdentityError::NotAUser("mallory".into()))
        );
    }

    #[test]
    fn the_os_account_resolves_without_env() {
        assert!(!os_account().unwrap().is_empty());
    }
}
