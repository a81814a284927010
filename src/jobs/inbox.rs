//! The watched inbox folder: each quote file is imported, then moved to `done/` or to
//! `failed/` with the reason beside it.
//!
//! A file is moved only after its import committed (or was refused), so a crash between
//! the two leaves it in the inbox, and the next run finds it already imported (unchanged)
//! and moves it to `done/`.

use crate::app::{AppError, ImportReport, Service};
use crate::identity::Actor;
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What happened to one inbox file.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum InboxResult {
    Done { file: String, report: ImportReport },
    Failed { file: String, reason: String },
}

/// Entries waiting in the inbox (names ending in `.json` or `.csv`), oldest name first:
/// regular files, and whatever else bears such a name — a symbolic link (to a file, a
/// device or nowhere), a folder, a named pipe, a device — so that the import refuses it
/// and it is filed and reported instead of lying there unnoticed.
pub fn waiting_files(inbox: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(inbox)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("csv"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Inbox entries that could not be moved to `failed/`, reported once already: a watcher
/// (the screens, `purser background`) keeps one across its runs so that such an entry is
/// reported and logged once, not at every poll, until it leaves the inbox.
#[derive(Debug, Default, Clone)]
pub struct Stuck(Arc<Mutex<HashSet<PathBuf>>>);

/// Imports every waiting file once. Someone who may not import quotes is refused before
/// any file is touched: the files are not at fault and stay where they are.
pub fn run_once(service: &Service, actor: &Actor, inbox: &Path) -> Result<Vec<InboxResult>, AppError> {
    run_watching(service, actor, inbox, &Stuck::default())
}

/// [`run_once`] for a watcher: an entry that cannot be moved to `failed/` is reported
/// only while it is not in `stuck`, and kept there.
pub fn run_watching(
    service: &Service,
    actor: &Actor,
    inbox: &Path,
    stuck: &Stuck,
) -> Result<Vec<InboxResult>, AppError> {
    Service::may_import(actor)?;
    // A mistyped path would otherwise be created, empty, and the real inbox never read.
    if !inbox.is_dir() {
        return Err(AppError::Io(format!(
            "inbox: {} is not a folder; check [inbox] path (Purser does not create it)",
            inbox.display()
        )));
    }
    std::fs::create_dir_all(inbox.join("done")).map_err(|e| io("create", &inbox.join("done"), e))?;
    std::fs::create_dir_all(inbox.join("failed")).map_err(|e| io("create", &inbox.join("failed"), e))?;
    let files = waiting_files(inbox).map_err(|e| io("read", inbox, e))?;
    let mut stuck = stuck.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    stuck.retain(|p| files.contains(p));
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
            Err(_) if !is_there(&path) => {}
            Err(e) => {
                let reason = e.to_string();
                match file_as_failed(inbox, &path, &name, &reason)? {
                    Filed::Moved => results.push(InboxResult::Failed { file: name, reason }),
                    Filed::Gone => {}
                    Filed::Stuck(error) => {
                        if stuck.insert(path.clone()) {
                            tracing::warn!(file = %path.display(), %reason, %error, "inbox: a bad entry cannot be moved to failed/");
                            let reason = format!(
                                "{reason}; it cannot be moved to failed/ ({error}) and stays in the inbox: remove it"
                            );
                            results.push(InboxResult::Failed { file: name, reason });
                        }
                    }
                }
            }
        }
    }
    Ok(results)
}

fn io(what: &str, p: &Path, e: std::io::Error) -> AppError {
    AppError::Io(format!("inbox: cannot {what} {}: {e}", p.display()))
}

/// What became of an entry the import refused.
enum Filed {
    /// In `failed/`, with its reason beside it.
    Moved,
    /// Gone before it was moved: another process filed it.
    Gone,
    /// It stays: it could not be moved (a folder without write permission for us, say).
    Stuck(std::io::Error),
}

/// Moves a refused entry to `failed/` with its reason in `NAME.error.txt` beside it.
fn file_as_failed(inbox: &Path, path: &Path, name: &str, reason: &str) -> Result<Filed, AppError> {
    let failed = inbox.join("failed");
    let target = free_name(&failed, name);
    let why = target.with_file_name(format!(
        "{}.error.txt",
        target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    // The reason is written under a name of this process's own first, and takes its place
    // beside the file only once this process moved the file: another process filing the
    // same file never loses its reason to this one.
    let mut draft = tempfile::Builder::new()
        .prefix(".reason-")
        .tempfile_in(&failed)
        .map_err(|e| io("write in", &failed, e))?;
    std::io::Write::write_all(&mut draft, format!("{reason}\n").as_bytes())
        .and_then(|()| draft.as_file().sync_all())
        .map_err(|e| io("write", draft.path(), e))?;
    match move_unless_gone(path, &target) {
        Ok(true) => {
            draft.persist(&why).map_err(|e| io("write", &why, e.error))?;
            Ok(Filed::Moved)
        }
        Ok(false) => Ok(Filed::Gone),
        Err(e) => Ok(Filed::Stuck(e)),
    }
}

/// Whether an entry is in its folder: a symbolic link counts, wherever it points.
fn is_there(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// Moves `from` to `to`; false when `from` is gone (another process filed it).
fn move_unless_gone(from: &Path, to: &Path) -> std::io::Result<bool> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !is_there(from) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `dir/name`, or `dir/name.2`, `.3`… when taken, so nothing is overwritten.
fn free_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !is_there(&first) {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{name}.{n}")))
        .find(|p| !is_there(p))
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

    /// A buyer's service on a fresh database in `dir`, and an empty inbox folder there.
    fn buyer_with_inbox(dir: &Path) -> (Service, Actor, PathBuf) {
        let inbox = dir.join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        let config = Arc::new(Config::parse("[users.sam]\nroles = [\"buyer\"]\n").unwrap());
        let sam = crate::identity::resolve(&config, Some("sam"), "sam").unwrap();
        let svc = Service::new(Store::open(&dir.join("p.redb")).unwrap(), config, system_clock());
        (svc, sam, inbox)
    }

    fn failed_reasons(results: &[InboxResult]) -> Vec<(String, String)> {
        results
            .iter()
            .map(|r| match r {
                InboxResult::Failed { file, reason } => (file.clone(), reason.clone()),
                InboxResult::Done { file, .. } => panic!("{file} was imported"),
            })
            .collect()
    }

    #[cfg(unix)]
    #[test]
    fn entries_that_are_not_regular_files_are_filed_as_failed_with_their_reason() {
        let dir = tempfile::tempdir().unwrap();
        let (svc, sam, inbox) = buyer_with_inbox(dir.path());
        std::os::unix::fs::symlink("/dev/zero", inbox.join("zero.json")).unwrap();
        std::os::unix::fs::symlink(inbox.join("nowhere"), inbox.join("dangling.json")).unwrap();
        std::fs::create_dir(inbox.join("folder.json")).unwrap();
        let fifo = std::ffi::CString::new(inbox.join("pipe.csv").as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid, NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);

        let results = failed_reasons(&run_once(&svc, &sam, &inbox).unwrap());
        let names: Vec<&str> = results.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(names, ["dangling.json", "folder.json", "pipe.csv", "zero.json"]);
        for ((file, reason), says) in results.iter().zip([
            "cannot read it",
            "a folder is not a quote file",
            "a named pipe (FIFO) is not a quote file",
            "a device is not a quote file",
        ]) {
            assert!(reason.contains(says), "{file}: {reason}");
            let written = std::fs::read_to_string(inbox.join("failed").join(format!("{file}.error.txt"))).unwrap();
            assert_eq!(written, format!("{reason}\n"));
        }
        // Moved as they are: the link is still a link, to the device.
        let moved = inbox.join("failed/zero.json");
        assert!(moved.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_link(&moved).unwrap(), Path::new("/dev/zero"));
        let mut left: Vec<String> = std::fs::read_dir(&inbox)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["done", "failed"]);
        // Filed once: the next run finds nothing.
        assert!(run_once(&svc, &sam, &inbox).unwrap().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn an_entry_that_cannot_be_moved_is_reported_once_to_a_watcher_and_stays() {
        let dir = tempfile::tempdir().unwrap();
        let (svc, sam, inbox) = buyer_with_inbox(dir.path());
        // A name of 254 bytes, taken in failed/ already: its free name there, `NAME.2`, is
        // longer than a file system takes, so the move fails (as it would for a folder we
        // may not move, which root, running the tests, always may).
        let name = format!("{}.json", "q".repeat(249));
        std::os::unix::fs::symlink("/dev/zero", inbox.join(&name)).unwrap();
        std::fs::create_dir_all(inbox.join("failed")).unwrap();
        std::fs::write(inbox.join("failed").join(&name), "an earlier one").unwrap();

        let watcher = Stuck::default();
        let results = failed_reasons(&run_watching(&svc, &sam, &inbox, &watcher).unwrap());
        assert_eq!(results.len(), 1);
        let (file, reason) = &results[0];
        assert_eq!(file, &name);
        assert!(reason.contains("a device is not a quote file"), "{reason}");
        assert!(
            reason.contains("it cannot be moved to failed/ (")
                && reason.ends_with(") and stays in the inbox: remove it"),
            "{reason}"
        );
        assert!(inbox.join(&name).symlink_metadata().is_ok(), "it stays");
        // Not again to the same watcher, while it stays.
        assert!(run_watching(&svc, &sam, &inbox, &watcher).unwrap().is_empty());
        // A command run on its own reports it each time.
        assert_eq!(run_once(&svc, &sam, &inbox).unwrap().len(), 1);
        // Gone and back: reported again.
        std::fs::remove_file(inbox.join(&name)).unwrap();
        assert!(run_watching(&svc, &sam, &inbox, &watcher).unwrap().is_empty());
        std::os::unix::fs::symlink("/dev/zero", inbox.join(&name)).unwrap();
        assert_eq!(run_watching(&svc, &sam, &inbox, &watcher).unwrap().len(), 1);
    }
}
