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

/// Imports every waiting file once. Someone who may not import quotes is refused before
/// any file is touched: the files are not at fault and stay where they are.
pub fn run_once(service: &Service, actor: &Actor, inbox: &Path) -> Result<Vec<InboxResult>, AppError> {
    Service::may_import(actor)?;
    // A mistyped path would otherwise be created, empty, and the real inbox never read.
    if !inbox.is_dir() {
        return Err(AppError::Io(format!(
            "inbox: {} is not a folder; check [inbox] path (Purser does not create it)",
            inbox.display()
        )));
    }
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
        // Another process watching the same inbox (open screens and `purser background`)
        // may file the same file first: its import is then unchanged here, and whoever moves
        // it second finds it gone and leaves it to the first.
        match service.import_file(actor, &path) {
            Ok(report) => {
                let target = free_name(&inbox.join("done"), &name);
                if move_unless_gone(&path, &target).map_err(|e| io("move", &path, e))? {
                    results.push(InboxResult::Done { file: name, report });
                }
            }
            Err(e @ (AppError::Store(_) | AppError::Io(_))) => return Err(e),
            Err(_) if !path.exists() => {}
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
                // The reason is written under a name of this process's own first, and takes
                // its place beside the file only once this process moved the file: another
                // process filing the same file never loses its reason to this one.
                let failed = inbox.join("failed");
                let mut draft = tempfile::Builder::new()
                    .prefix(".reason-")
                    .tempfile_in(&failed)
                    .map_err(|e| io("write in", &failed, e))?;
                std::io::Write::write_all(&mut draft, format!("{reason}\n").as_bytes())
                    .and_then(|()| draft.as_file().sync_all())
                    .map_err(|e| io("write", draft.path(), e))?;
                if move_unless_gone(&path, &target).map_err(|e| io("move", &path, e))? {
                    draft.persist(&why).map_err(|e| io("write", &why, e.error))?;
                    results.push(InboxResult::Failed { file: name, reason });
                }
            }
        }
    }
    Ok(results)
}

/// Moves `from` to `to`; false when `from` is gone (another process filed it).
fn move_unless_gone(from: &Path, to: &Path) -> std::io::Result<bool> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !from.exists() => Ok(false),
        Err(e) => Err(e),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{system_clock, Service};
    use crate::config::Config;
    use crate::store::Store;
    use std::sync::Arc;

    #[test]
    fn a_file_gone_before_the_move_is_left_to_whoever_moved_it() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("q.json");
        std::fs::write(&from, "{}").unwrap();
        assert!(move_unless_gone(&from, &dir.path().join("moved.json")).unwrap());
        assert!(!move_unless_gone(&from, &dir.path().join("again.json")).unwrap());
        // A real failure is still one: the target folder does not exist.
        std::fs::write(&from, "{}").unwrap();
        assert!(move_unless_gone(&from, &dir.path().join("no/such/dir/q.json")).is_err());
    }

    #[test]
    fn two_processes_watching_one_inbox_file_each_quote_once() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = dir.path().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        let config = Arc::new(Config::parse("[users.sam]\nroles = [\"buyer\"]\n").unwrap());
        let sam = crate::identity::resolve(&config, Some("sam"), "sam").unwrap();
        for (name, text) in crate::demo::SAMPLES {
            std::fs::write(inbox.join(name), text).unwrap();
        }
        let db = dir.path().join("p.redb");
        // Two handles on one file, as two processes have.
        let services: Vec<Service> = (0..2)
            .map(|_| Service::new(Store::open(&db).unwrap(), config.clone(), system_clock()))
            .collect();
        let results: Vec<Vec<InboxResult>> = std::thread::scope(|s| {
            let runs: Vec<_> = services
                .iter()
                .map(|svc| s.spawn(|| run_once(svc, &sam, &inbox).expect("no error for either")))
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let mut filed: Vec<String> = results
            .iter()
            .flatten()
            .map(|r| match r {
                InboxResult::Done { file, .. } => file.clone(),
                InboxResult::Failed { file, reason } => panic!("{file} failed: {reason}"),
            })
            .collect();
        filed.sort();
        let mut names: Vec<String> = crate::demo::SAMPLES.iter().map(|(n, _)| n.to_string()).collect();
        names.sort();
        assert_eq!(filed, names, "each file reported once");
        let done = std::fs::read_dir(inbox.join("done")).unwrap().count();
        assert_eq!(done, names.len(), "each file in done/ once");
        assert_eq!(std::fs::read_dir(inbox.join("failed")).unwrap().count(), 0);
        let quotes = services[0].counts().unwrap();
        assert!(quotes.0 > 0);
    }

    #[test]
    fn a_missing_inbox_folder_is_named_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let config = Arc::new(Config::parse("[users.sam]\nroles = [\"buyer\"]\n").unwrap());
        let sam = crate::identity::resolve(&config, Some("sam"), "sam").unwrap();
        let svc = Service::new(Store::open(&dir.path().join("p.redb")).unwrap(), config, system_clock());
        let typo = dir.path().join("inbx");
        let err = run_once(&svc, &sam, &typo).unwrap_err().to_string();
        assert!(err.contains("is not a folder") && err.contains("inbx"), "{err}");
        assert!(!typo.exists(), "not created");
    }

    #[test]
    fn someone_who_may_not_import_is_refused_and_the_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = dir.path().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        std::fs::write(inbox.join("q.json"), crate::demo::SAMPLES[0].1).unwrap();
        let config = Arc::new(Config::parse("[users.rick]\nroles = [\"receiver\"]\n").unwrap());
        let rick = crate::identity::resolve(&config, Some("rick"), "rick").unwrap();
        let svc = Service::new(Store::open(&dir.path().join("p.redb")).unwrap(), config, system_clock());
        let err = run_once(&svc, &rick, &inbox).unwrap_err().to_string();
        assert!(err.contains("rick may not import quotes"), "{err}");
        assert!(inbox.join("q.json").exists(), "the file stays in the inbox");
        assert!(!inbox.join("failed").exists());
    }

    #[test]
    fn a_bad_file_filed_by_two_processes_keeps_one_reason_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = dir.path().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        std::fs::write(inbox.join("bad.json"), "{").unwrap();
        let config = Arc::new(Config::parse("[users.sam]\nroles = [\"buyer\"]\n").unwrap());
        let sam = crate::identity::resolve(&config, Some("sam"), "sam").unwrap();
        let db = dir.path().join("p.redb");
        let services: Vec<Service> = (0..2)
            .map(|_| Service::new(Store::open(&db).unwrap(), config.clone(), system_clock()))
            .collect();
        let results: Vec<InboxResult> = std::thread::scope(|s| {
            let runs: Vec<_> = services
                .iter()
                .map(|svc| s.spawn(|| run_once(svc, &sam, &inbox).expect("no error for either")))
                .collect();
            runs.into_iter().flat_map(|r| r.join().unwrap()).collect()
        });
        assert_eq!(results.len(), 1, "reported once: {results:?}");
        let mut failed: Vec<String> = std::fs::read_dir(inbox.join("failed"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        failed.sort();
        assert_eq!(failed, ["bad.json", "bad.json.error.txt"]);
        let reason = std::fs::read_to_string(inbox.join("failed/bad.json.error.txt")).unwrap();
        assert!(reason.contains("bad.json"), "{reason}");
    }
}
