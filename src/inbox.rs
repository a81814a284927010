//! The watched inbox folder: each quote file is imported, then moved to `done/` or to
//! `failed/` with the reason beside it.
//!
//! A file is moved only after its import committed (or was refused), so a crash between
//! the two leaves it in the inbox, and the next run finds it already imported (unchanged)
//! and moves it to `done/`.

use crate::app::{AppError, ImportReport, Service};
use crate::identity::Actor;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What happened to one inbox file.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum InboxResult {
    Done { file: String, report: ImportReport },
    Failed { file: String, reason: String },
}

/// Files waiting in the inbox (`.json` and `.csv`), oldest name first.
pub fn waiting_files(inbox: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(inbox)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("csv"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Imports every waiting file once.
pub fn run_once(service: &Service, actor: &Actor, inbox: &Path) -> Result<Vec<InboxResult>, AppError> {
    let io =
        |what: &str, p: &Path, e: std::io::Error| AppError::Io(format!("inbox: cannot {what} {}: {e}", p.display()));
    std::fs::create_dir_all(inbox.join("done")).map_err(|e| io("create", &inbox.join("done"), e))?;
    std::fs::create_dir_all(inbox.join("failed")).map_err(|e| io("create", &inbox.join("failed"), e))?;
    let files = waiting_files(inbox).map_err(|e| io("read", inbox, e))?;
    let mut results = Vec::with_capacity(files.len());
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match service.import_file(actor, &path) {
            Ok(report) => {
                let target = free_name(&inbox.join("done"), &name);
                std::fs::rename(&path, &target).map_err(|e| io("move", &path, e))?;
                results.push(InboxResult::Done { file: name, report });
            }
            Err(e @ (AppError::Store(_) | AppError::Io(_))) => return Err(e),
            Err(e) => {
                let reason = e.to_string();
                let target = free_name(&inbox.join("failed"), &name);
                let why = target.with_file_name(format!(
                    "{}.error.txt",
                    target
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ));
                std::fs::write(&why, format!("{reason}\n")).map_err(|e| io("write", &why, e))?;
                std::fs::rename(&path, &target).map_err(|e| io("move", &path, e))?;
                results.push(InboxResult::Failed { file: name, reason });
            }
        }
    }
    Ok(results)
}

/// `dir/name`, or `dir/name.2`, `.3`… when taken, so nothing is overwritten.
fn free_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{name}.{n}")))
        .find(|p| !p.exists())
        .expect("some suffix is free")
}
