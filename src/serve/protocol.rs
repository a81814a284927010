//! What a client and the service say to each other over the socket: typed messages,
//! each one frame of tokio-util's length-delimited codec holding its JSON.
//!
//! A connection opens with [`Hello`] from the client and [`Welcome`] from the service;
//! after that it carries either one command line ([`CommandRequest`] → [`CommandDone`]),
//! or a screens session ([`ScreenRequest`]s one way, [`ScreenMessage`]s the other, and
//! changes pushed by the service as they are committed).

use crate::tui::commands::{Command, CommandKind, Load, Patch};
use futures_util::{SinkExt, StreamExt};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

/// The protocol this build speaks. A client and a service of different protocols refuse
/// each other at the handshake, saying which versions met.
pub const PROTOCOL: u32 = 1;

/// The largest frame either side takes: a quote file at its largest allowed size, as
/// JSON text, with room to spare.
pub const MAX_FRAME: usize = 1 << 30;

/// The first message of every connection.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    /// The client's Purser version, for messages.
    pub version: String,
    /// `--user NAME`: honoured only where the service's configuration allows it.
    pub user: Option<String>,
    pub purpose: Purpose,
}

impl Hello {
    pub fn new(user: Option<String>, purpose: Purpose) -> Hello {
        Hello {
            protocol: PROTOCOL,
            version: env!("CARGO_PKG_VERSION").into(),
            user,
            purpose,
        }
    }
}

/// What the connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// One command line, then the connection closes.
    Command,
    /// The screens: loads and commands, and changes pushed.
    Screens,
}

/// The service's answer to [`Hello`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Welcome {
    Accepted {
        /// Who the service takes the client for (from the socket's peer credentials).
        user: String,
        roles: crate::domain::Roles,
        /// The service's configuration, as its text: the screens' forms need the
        /// distributors, the company and the PSA. (The file is readable by the group the
        /// socket is for; no secret is in it, secrets come from the environment.)
        config: String,
    },
    /// Not served: why, and the exit code a command reports.
    Refused { message: String, code: i32 },
}

/// A quote or address file the client read for a command, by the path as given.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    pub path: String,
    pub content: Result<String, InputError>,
}

/// Why the client could not read an input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum InputError {
    /// Missing, unreadable, a folder or pipe, too large: as the client's read said.
    #[error("{0}")]
    Refused(String),
    /// Read, but not UTF-8 text.
    #[error("{0}")]
    NotText(String),
    /// Could not be read at all.
    #[error("{0}")]
    Failed(String),
}

/// One command line to run as the connected user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommandRequest {
    /// The arguments after the program name, as typed.
    pub args: Vec<String>,
    /// The files the command reads, read by the client.
    pub inputs: Vec<Input>,
}

/// A file the command wrote, for the client to put in place.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Output {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// How a command ended: what it printed, the files it wrote, and its error if any.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CommandDone {
    pub stdout: String,
    pub stderr: String,
    pub outputs: Vec<Output>,
    /// The message and exit code of a failure.
    pub error: Option<(String, i32)>,
}

/// What a screens client asks of the service.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ScreenRequest {
    Load(Load),
    Do(Command),
    /// A call to the far side on the user's behalf (the latest cost).
    Call(Command),
    /// Stop waiting for the call under way.
    StopCall,
    /// Look for changes now (the service also pushes them unasked).
    Poll,
    /// The bytes of an order's PDF, for the screens to save where their user works.
    Pdf(crate::domain::PoNumber),
}

/// What the service tells a screens client: the worker's answers, with errors as text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ScreenMessage {
    Items {
        from: crate::domain::ItemId,
        to: Option<crate::domain::ItemId>,
        items: Vec<crate::domain::PendingItem>,
    },
    Orders(Vec<crate::domain::Order>, Vec<(crate::domain::PoNumber, String)>),
    Audit(Vec<crate::domain::AuditEntry>),
    OrderAudit(crate::domain::PoNumber, Vec<crate::domain::AuditEntry>),
    Rules(Vec<crate::domain::ApprovalRule>),
    ShipTo(String, Option<crate::domain::Address>),
    Notices(Vec<crate::domain::notice::Notice>),
    Changed(crate::app::Changes),
    Reload,
    ItemsChanged(Vec<crate::domain::PendingItem>),
    OrdersChanged {
        asked: Vec<crate::domain::PoNumber>,
        orders: Vec<crate::domain::Order>,
        sync: Vec<(crate::domain::PoNumber, String)>,
    },
    AuditAdded(Vec<crate::domain::AuditEntry>),
    AuditEntry(u64, Option<Box<crate::domain::AuditEntry>>),
    OrderAuditAdded(crate::domain::PoNumber, Vec<crate::domain::AuditEntry>),
    Done {
        command: CommandKind,
        result: Result<Patch, String>,
    },
    Called {
        command: CommandKind,
        result: Result<Patch, String>,
    },
    Busy(bool),
    Failed(String),
    Notice(crate::tui::widgets::Tone, String),
    /// An order's PDF: its file name and bytes, or why it could not be made.
    Pdf(crate::domain::PoNumber, Result<(String, Vec<u8>), String>),
}

/// A failure of the connection itself.
#[derive(Debug, Error)]
pub enum WireError {
    #[error("the connection to the Purser service failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the Purser service closed the connection")]
    Closed,
    #[error("the Purser service sent what this purser cannot read ({0}); are both the same version?")]
    Garbled(String),
}

/// One connection's frames, typed.
pub struct Wire<T> {
    framed: Framed<T, LengthDelimitedCodec>,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Wire<T> {
    pub fn new(io: T) -> Wire<T> {
        let codec = LengthDelimitedCodec::builder().max_frame_length(MAX_FRAME).new_codec();
        Wire {
            framed: Framed::new(io, codec),
        }
    }

    pub async fn send<M: Serialize>(&mut self, message: &M) -> Result<(), WireError> {
        let bytes = serde_json::to_vec(message).map_err(|e| WireError::Garbled(e.to_string()))?;
        self.framed.send(bytes::Bytes::from(bytes)).await?;
        Ok(())
    }

    /// The next message; [`WireError::Closed`] when the other side hung up.
    pub async fn recv<M: DeserializeOwned>(&mut self) -> Result<M, WireError> {
        match self.framed.next().await {
            Some(Ok(frame)) => decode(&frame),
            Some(Err(e)) => Err(WireError::Io(e)),
            None => Err(WireError::Closed),
        }
    }

    /// The connection itself (for its peer's credentials).
    pub fn get_ref(&self) -> &T {
        self.framed.get_ref()
    }

    /// Splits into a sending and a receiving half for full-duplex sessions.
    pub fn split(self) -> (WireSink<T>, WireStream<T>) {
        let (sink, stream) = self.framed.split();
        (WireSink { sink }, WireStream { stream })
    }
}

fn decode<M: DeserializeOwned>(frame: &[u8]) -> Result<M, WireError> {
    serde_json::from_slice(frame).map_err(|e| WireError::Garbled(e.to_string()))
}

/// The sending half of a [`Wire`].
pub struct WireSink<T> {
    sink: futures_util::stream::SplitSink<Framed<T, LengthDelimitedCodec>, bytes::Bytes>,
}

impl<T: AsyncRead + AsyncWrite + Unpin> WireSink<T> {
    pub async fn send<M: Serialize>(&mut self, message: &M) -> Result<(), WireError> {
        let bytes = serde_json::to_vec(message).map_err(|e| WireError::Garbled(e.to_string()))?;
        self.sink.send(bytes::Bytes::from(bytes)).await?;
        Ok(())
    }

    /// Queues `message` without writing it out yet: [`WireSink::flush`] sends what is
    /// queued, in one write where it fits.
    pub async fn feed<M: Serialize>(&mut self, message: &M) -> Result<(), WireError> {
        let bytes = serde_json::to_vec(message).map_err(|e| WireError::Garbled(e.to_string()))?;
        self.sink.feed(bytes::Bytes::from(bytes)).await?;
        Ok(())
    }

    pub async fn flush(&mut self) -> Result<(), WireError> {
        self.sink.flush().await?;
        Ok(())
    }
}

/// The receiving half of a [`Wire`].
pub struct WireStream<T> {
    stream: futures_util::stream::SplitStream<Framed<T, LengthDelimitedCodec>>,
}

impl<T: AsyncRead + AsyncWrite + Unpin> WireStream<T> {
    pub async fn recv<M: DeserializeOwned>(&mut self) -> Result<M, WireError> {
        match self.stream.next().await {
            Some(Ok(frame)) => decode(&frame),
            Some(Err(e)) => Err(WireError::Io(e)),
            None => Err(WireError::Closed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn messages_cross_a_socket_pair_whole_and_typed() {
        let (a, b) = tokio::net::UnixStream::pair().unwrap();
        let (mut a, mut b) = (Wire::new(a), Wire::new(b));
        let hello = Hello::new(Some("ann".into()), Purpose::Screens);
        a.send(&hello).await.unwrap();
        let got: Hello = b.recv().await.unwrap();
        assert_eq!(
            (got.protocol, got.user.as_deref(), got.purpose),
            (PROTOCOL, Some("ann"), Purpose::Screens)
        );
        // A large input survives framing in one piece.
        let big = "x".repeat(20 << 20);
        let request = CommandRequest {
            args: vec!["quote".into(), "import".into(), "q.json".into()],
            inputs: vec![Input {
                path: "q.json".into(),
                content: Ok(big.clone()),
            }],
        };
        // Sent and read at once: a frame larger than the socket's buffer needs a reader.
        let (sent, req) = tokio::join!(b.send(&request), a.recv::<CommandRequest>());
        sent.unwrap();
        let req = req.unwrap();
        assert_eq!(req.inputs[0].content.as_deref(), Ok(big.as_str()));
        drop(b);
        assert!(matches!(a.recv::<Hello>().await, Err(WireError::Closed)));
    }

    #[tokio::test]
    async fn a_frame_of_something_else_is_named_not_guessed() {
        let (a, b) = tokio::net::UnixStream::pair().unwrap();
        let (mut a, mut b) = (Wire::new(a), Wire::new(b));
        a.send(&"not a hello").await.unwrap();
        assert!(matches!(b.recv::<Hello>().await, Err(WireError::Garbled(_))));
    }
}
