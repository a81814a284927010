//! Where a command's text and files go: this terminal and this file system when the
//! command runs here, or buffers the service sends back when it runs in `purser serve`
//! for a client (whose files the client read and will write).

use super::run::{CliError, Ctx};
use crate::app::AppError;
use crate::serve::protocol::{CommandDone, Input, InputError, Output};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

/// A command's input and output.
pub enum Io {
    /// This process's terminal and files.
    Local,
    /// A client's, through the service.
    Remote(Remote),
}

/// What a client sent for a command, and what the command leaves for it.
#[derive(Default)]
pub struct Remote {
    inputs: HashMap<String, Result<String, InputError>>,
    done: RefCell<CommandDone>,
}

impl Remote {
    pub fn new(inputs: Vec<Input>) -> Remote {
        Remote {
            inputs: inputs.into_iter().map(|i| (i.path, i.content)).collect(),
            done: RefCell::default(),
        }
    }

    /// What the command printed and wrote.
    pub fn finish(self) -> CommandDone {
        self.done.into_inner()
    }

    fn input(&self, path: &Path) -> Result<&str, InputError> {
        match self.inputs.get(&path.display().to_string()) {
            Some(Ok(text)) => Ok(text),
            Some(Err(e)) => Err(e.clone()),
            None => Err(InputError::Failed("the client did not send this file".into())),
        }
    }
}

impl Ctx {
    /// A line on standard output.
    pub(super) fn println(&self, text: &str) {
        match &self.io {
            Io::Local => println!("{text}"),
            Io::Remote(r) => {
                let out = &mut r.done.borrow_mut().stdout;
                out.push_str(text);
                out.push('\n');
            }
        }
    }

    /// Text on standard output as it is (no newline added).
    pub(super) fn print(&self, text: &str) {
        match &self.io {
            Io::Local => print!("{text}"),
            Io::Remote(r) => r.done.borrow_mut().stdout.push_str(text),
        }
    }

    /// A line on standard error (warnings beside the result).
    pub(super) fn eprintln(&self, text: &str) {
        match &self.io {
            Io::Local => eprintln!("{text}"),
            Io::Remote(r) => {
                let err = &mut r.done.borrow_mut().stderr;
                err.push_str(text);
                err.push('\n');
            }
        }
    }

    /// The text of a small file the command line names (an address).
    pub(super) fn read_text(&self, path: &Path) -> Result<String, String> {
        match &self.io {
            Io::Local => std::fs::read_to_string(path).map_err(|e| e.to_string()),
            Io::Remote(r) => r.input(path).map(str::to_string).map_err(|e| e.to_string()),
        }
    }

    /// Writes `bytes` to `path` whole or not at all (see [`crate::fsutil::write_atomically`]).
    pub(super) fn write_file(&self, path: &Path, bytes: &[u8]) -> Result<(), CliError> {
        match &self.io {
            Io::Local => crate::fsutil::write_atomically(path, bytes)
                .map_err(|e| CliError::new(format!("cannot write {}: {e}", path.display()), 3)),
            Io::Remote(r) => {
                r.done.borrow_mut().outputs.push(Output {
                    path: path.display().to_string(),
                    bytes: bytes.to_vec(),
                });
                Ok(())
            }
        }
    }

    /// Imports one quote file: read here, or as the client read it.
    pub(super) fn import_file(&self, path: &Path) -> Result<crate::app::ImportReport, AppError> {
        let (svc, actor) = (&self.service, &self.actor);
        let Io::Remote(r) = &self.io else {
            return svc.import_file(actor, path);
        };
        crate::app::Service::may_import(actor)?;
        let file = path.display().to_string();
        match r.input(path) {
            Ok(text) => svc.import_sent_text(actor, &file, text),
            Err(InputError::Refused(message)) => Err(AppError::FileRefused { file, message }),
            Err(InputError::NotText(message)) => Err(AppError::Unreadable { file, message }),
            Err(InputError::Failed(message)) => Err(AppError::ReadFailed { file, message }),
        }
    }
}

/// Reads the files a command line names, for a command the service will run: the quote
/// files of `quote import` (with the service's size limit) and the address files of
/// `po create`/`po edit`.
pub fn read_inputs(command: &super::Command, max_quote_bytes: u64) -> Vec<Input> {
    use super::args::{PoCmd, QuoteCmd};
    use super::Command as C;
    let mut inputs = Vec::new();
    let mut address = |p: &Option<std::path::PathBuf>| {
        if let Some(p) = p {
            inputs.push(Input {
                path: p.display().to_string(),
                content: std::fs::read_to_string(p).map_err(|e| InputError::Failed(e.to_string())),
            });
        }
    };
    match command {
        C::Po(PoCmd::Create { ship_to, end_user, .. } | PoCmd::Edit { ship_to, end_user, .. }) => {
            address(ship_to);
            address(end_user);
        }
        C::Quote(QuoteCmd::Import { files }) => {
            for f in files {
                use crate::app::quote_file::{read_quote_file, QuoteFileError as Q};
                let content = read_quote_file(f, max_quote_bytes).map_err(|e| match e {
                    Q::Io(e) => InputError::Failed(e.to_string()),
                    e @ Q::NotUtf8 { .. } => InputError::NotText(e.to_string()),
                    e @ (Q::NotAFile { .. } | Q::TooLarge { .. }) => InputError::Refused(e.to_string()),
                });
                inputs.push(Input {
                    path: f.display().to_string(),
                    content,
                });
            }
        }
        _ => {}
    }
    inputs
}
