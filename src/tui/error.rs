//! What can go wrong on the screens, typed, with a message for the person at them: the
//! service's refusals and failures, a form's input that cannot be taken, and the
//! terminal or the worker failing.

use super::keymap::KeymapError;
use super::theme::ThemeError;
use crate::app::AppError;
use crate::domain::order::ApiOptionError;
use std::path::PathBuf;
use thiserror::Error;

/// A command or the screens themselves failed.
#[derive(Debug, Error)]
pub enum ScreenError {
    /// The service refused the command, or failed.
    #[error("{0}")]
    App(#[from] AppError),
    /// A form's input cannot be taken as typed.
    #[error("{0}")]
    Form(#[from] FormError),
    #[error("{0}")]
    Keymap(#[from] KeymapError),
    #[error("{0}")]
    Theme(#[from] ThemeError),
    /// None of the files of an import could be imported: why, file by file.
    #[error("{}", .0.join("; "))]
    NothingImported(Vec<String>),
    /// The latest cost could not be had, in the distributor's words.
    #[error("{0}")]
    LatestCost(String),
    #[error("cannot create {}: {error}", dir.display())]
    PdfFolder { dir: PathBuf, error: std::io::Error },
    #[error("cannot write {}: {error}", path.display())]
    PdfFile { path: PathBuf, error: std::io::Error },
    #[error("cannot start the event loop: {0}")]
    EventLoop(std::io::Error),
    #[error("cannot use this terminal: {0}")]
    Terminal(std::io::Error),
    #[error("reading the terminal: {0}")]
    ReadTerminal(std::io::Error),
    #[error("the database worker stopped; see the log")]
    WorkerStopped,
    /// The Purser service refused or failed, in its words (the screens are its client).
    #[error("{0}")]
    Service(String),
    /// The screens could not connect to the Purser service: why, and the exit code a
    /// command reports for the same (3 when the service is not there or not open to
    /// the user, its own code when it refused).
    #[error("{message}")]
    NotConnected { message: String, code: i32 },
}

/// What is wrong with a form's input; the form stays open with it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormError {
    #[error("a reason is required to {0}")]
    ReasonRequired(&'static str),
    #[error("`{0}` is not a whole number")]
    NotWholeNumber(String),
    /// An amount field (its label) and why its text is no amount.
    #[error("{field}: {why}")]
    Amount { field: &'static str, why: String },
    #[error("name one or more quote files (JSON or CSV), separated by spaces")]
    NoFiles,
    #[error("a file name opened with {0} is not closed")]
    UnclosedQuote(char),
    #[error("nothing changed (Esc closes the form)")]
    NothingChanged,
    #[error("the ship-to is incomplete; missing: {}", .0.join(", "))]
    ShipToIncomplete(Vec<&'static str>),
    #[error("choose a distributor")]
    NoDistributor,
    #[error("a link goes with \"mark as submitted\" only")]
    LinkNotManual,
    #[error("link: `{0}` is not a web address; expected one starting with https:// or http://")]
    LinkNotUrl(String),
    #[error("{0}")]
    ApiOption(#[from] ApiOptionError),
}
