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
            ClientError::Connect { .. } | ClientError::Wire(_) => 3,
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
    let stream = UnixStream::connect(socket)
        .await
        .map_err(|source| ClientError::Connect {
            path: socket.to_path_buf(),
            source,
        })?;
    let mut wire = Wire::new(stream);
    wire.send(&Hello::new(user, purpose)).await?;
    match wire.recv::<Welcome>().await? {
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
        session.wire.send(&CommandRequest { args, inputs }).await?;
        match session.wire.recv::<CommandDone>().await {
            Ok(done) => Ok(done),
            // The service went away with the command: it either ran whole or not at all.
            Err(WireError::Closed) => Err(ClientError::Refused {
                message: "the Purser service stopped before it answered; the command either ran whole or not \
                          at all (look before doing it again)"
                    .into(),
                code: 3,
            }),
            Err(e) => Err(e.into()),
        }
    })
}
