//! The client side: connect to the service, say hello, and run one command line there.
//! The screens' session over the same connection is in [`super::link`].

use super::protocol::{CommandDone, CommandRequest, Hello, Input, Purpose, Welcome, Wire, WireError};
use crate::config::Config;
use crate::identity::Actor;
use std::path::{Path, PathBuf};
use thiserror::Error;
use tokio::net::UnixStream;

/// Why a client could not be served.
#[derive(Debug, Error)]
pub enum ClientError {
    #[error("cannot reach the Purser service at {}: {source} (is `purser serve` running? without a service, name the database with --db)", path.display())]
    Connect { path: PathBuf, source: std::io::Error },
    #[error("you may not use the Purser service's socket {} (permission denied): it is for the members of group {group}; an administrator adds you (usermod -aG {group} {user}), and the membership counts from your next login", path.display())]
    NotInGroup { path: PathBuf, group: String, user: String },
    /// A member of the socket's group is refused all the same: a permission is missing.
    #[error("you may not use the Purser service's socket {} (permission denied), though you are in its group {group}: {what}; an administrator gives the group access (the socket 0660 and its folder 0750, as the installed service makes them)", path.display())]
    GroupShut { path: PathBuf, group: String, what: String },
    /// The socket belongs to group root: the service runs without a group for its users.
    #[error("you may not use the Purser service's socket {} (permission denied): it belongs to group root, so the service was started without a group for its users; an administrator runs the installed service (its socket is for group purser) or gives the socket's folder to the users' group", path.display())]
    RootGroup { path: PathBuf },
    /// The process runs with one account's rights as another (setuid, `setpriv`): the
    /// service would know it by the effective one, the file by the real one.
    #[error("purser runs as {real} with the rights of {effective}; the Purser service knows a client by the rights it runs with, so run purser as one account")]
    TwoAccounts { real: String, effective: String },
    /// The connection failed before the service had the whole request (a command, or the
    /// screens' first words).
    #[error(
        "the Purser service stopped before it took the request; nothing was done (try again once it is back): {0}"
    )]
    NotTaken(WireError),
    /// The connection failed after the command was sent and before its answer came.
    #[error("the Purser service stopped before it answered; the command either ran whole or not at all (look before doing it again)")]
    Unanswered,
    /// The service said no, with the exit code to report.
    #[error("{message}")]
    Refused { message: String, code: i32 },
    #[error("{0}")]
    Wire(#[from] WireError),
    #[error("the Purser service's configuration cannot be read here: {0}")]
    Config(String),
}

impl ClientError {
    /// The exit code a command reports for it.
    pub fn exit_code(&self) -> i32 {
        match self {
            ClientError::Refused { code, .. } => *code,
            ClientError::Config(_) => 2,
            ClientError::TwoAccounts { .. } => 2,
            ClientError::Connect { .. }
            | ClientError::NotInGroup { .. }
            | ClientError::GroupShut { .. }
            | ClientError::RootGroup { .. }
            | ClientError::Wire(_)
            | ClientError::NotTaken(_)
            | ClientError::Unanswered => 3,
        }
    }
}

/// A connection the service accepted.
pub struct Session {
    pub wire: Wire<UnixStream>,
    /// Who the service takes us for.
    pub actor: Actor,
    /// The service's configuration.
    pub config: Config,
}

/// Connects to the service at `socket` and introduces itself.
pub async fn connect(socket: &Path, user: Option<String>, purpose: Purpose) -> Result<Session, ClientError> {
    super::ignore_sigpipe();
    one_account()?;
    let stream = UnixStream::connect(socket)
        .await
        .map_err(|source| refused_connection(socket, source))?;
    let mut wire = Wire::new(stream);
    // Nothing is asked of the service before it welcomes us: a failure here did nothing.
    wire.send(&Hello::new(user, purpose)).await.map_err(not_taken)?;
    match wire.recv::<Welcome>().await.map_err(not_taken)? {
        Welcome::Refused { message, code } => Err(ClientError::Refused { message, code }),
        Welcome::Accepted { user, roles, config } => {
            let config = Config::parse(&config).map_err(ClientError::Config)?;
            Ok(Session {
                wire,
                actor: Actor { name: user, roles },
                config,
            })
        }
    }
}

/// Runs one command line in the service: `args` after the program name, and the files it
/// reads, read here by `inputs` once the service's limits are known.
pub fn run_command(
    socket: &Path,
    user: Option<String>,
    args: Vec<String>,
    inputs: impl FnOnce(&Config) -> Vec<Input>,
) -> Result<CommandDone, ClientError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ClientError::Wire(WireError::Io(e)))?;
    rt.block_on(async {
        let mut session = connect(socket, user, Purpose::Command).await?;
        let inputs = inputs(&session.config);
        // A frame the service did not get whole is never run: a failed send did nothing.
        session
            .wire
            .send(&CommandRequest { args, inputs })
            .await
            .map_err(not_taken)?;
        match session.wire.recv::<CommandDone>().await {
            Ok(done) => Ok(done),
            // The service went away with the command (closed, reset): it either ran whole
            // or not at all.
            Err(WireError::Closed | WireError::Io(_)) => Err(ClientError::Unanswered),
            Err(e) => Err(e.into()),
        }
    })
}

/// A connection lost before the service had the whole request; what cannot be read (a
/// service of another version) stays that.
fn not_taken(e: WireError) -> ClientError {
    match e {
        WireError::Io(_) | WireError::Closed => ClientError::NotTaken(e),
        garbled => ClientError::Wire(garbled),
    }
}

/// Refuses to connect as two accounts at once (real and effective uid differ): the
/// service would take the effective one, the file the real one.
fn one_account() -> Result<(), ClientError> {
    // SAFETY: getuid and geteuid have no preconditions.
    let (real, effective) = unsafe { (libc::getuid(), libc::geteuid()) };
    if real == effective {
        return Ok(());
    }
    let name = |uid| crate::identity::account_of(uid).unwrap_or_else(|_| format!("uid {uid}"));
    Err(ClientError::TwoAccounts {
        real: name(real),
        effective: name(effective),
    })
}

/// Why connecting to `socket` failed, for people: a refused permission names the group
/// that may use the socket (its own group, or its folder's when the folder is closed),
/// or, to a member of that group, the permission that is missing.
fn refused_connection(socket: &Path, source: std::io::Error) -> ClientError {
    use std::os::unix::fs::MetadataExt;
    if source.kind() != std::io::ErrorKind::PermissionDenied {
        return ClientError::Connect {
            path: socket.to_path_buf(),
            source,
        };
    }
    let path = socket.to_path_buf();
    let folder = socket.parent().unwrap_or(Path::new("/"));
    let (socket_meta, folder_meta) = (std::fs::metadata(socket), std::fs::metadata(folder));
    let gid = match (&socket_meta, &folder_meta) {
        (Ok(m), _) | (Err(_), Ok(m)) => m.gid(),
        // Installed, the socket's folder and the socket belong to group `purser`.
        (Err(_), Err(_)) => {
            return ClientError::NotInGroup {
                path,
                group: "purser".into(),
                user: crate::identity::os_account().unwrap_or_else(|_| "USER".into()),
            }
        }
    };
    if gid == 0 {
        return ClientError::RootGroup { path };
    }
    let group = crate::identity::group_of(gid).unwrap_or_else(|| gid.to_string());
    if !in_group(gid) {
        return ClientError::NotInGroup {
            path,
            group,
            user: crate::identity::os_account().unwrap_or_else(|_| "USER".into()),
        };
    }
    let mode = |m: &std::fs::Metadata| m.mode() & 0o7777;
    let what = match (&folder_meta, &socket_meta) {
        (Ok(f), _) if f.gid() == gid && mode(f) & 0o010 == 0 => {
            format!(
                "its folder {} is mode {:o}, closed to the group",
                folder.display(),
                mode(f)
            )
        }
        (_, Ok(s)) if mode(s) & 0o060 != 0o060 => {
            format!("the socket is mode {:o}, not read-write for the group", mode(s))
        }
        _ => format!(
            "a folder on the way to it is closed to you ({} or above)",
            folder.display()
        ),
    };
    ClientError::GroupShut { path, group, what }
}

/// Whether this process is in group `gid` (its own group or a supplementary one).
fn in_group(gid: u32) -> bool {
    // SAFETY: getegid has no preconditions; getgroups is asked for its count first and
    // then writes at most that many entries into a buffer of that size.
    unsafe {
        if libc::getegid() == gid {
            return true;
        }
        let n = libc::getgroups(0, std::ptr::null_mut());
        if n <= 0 {
            return false;
        }
        let mut groups = vec![0 as libc::gid_t; n as usize];
        let got = libc::getgroups(n, groups.as_mut_ptr());
        got > 0 && groups[..got as usize].contains(&gid)
    }
}
