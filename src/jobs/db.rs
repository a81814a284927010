//! The database thread: every store call a job makes runs on one dedicated blocking
//! thread, never on the tasks that wait on the network, and never behind them.
//!
//! A [`Db`] is a handle to that thread. [`Db::spawn`] starts one for a shared service;
//! [`with_db`] lends one for a borrowed service (the command line, tests); the screens
//! pass their own database worker in with [`Db::from_fn`], so a process has one.

use crate::app::{AppError, Service};
use crate::config::Config;
use std::sync::Arc;

/// Work for the database thread.
pub type DbTask = Box<dyn FnOnce(&Service) + Send>;

/// A handle to the thread that owns the service.
#[derive(Clone)]
pub struct Db {
    submit: Arc<dyn Fn(DbTask) -> bool + Send + Sync>,
    config: Arc<Config>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

/// The database thread has stopped (the process is ending).
fn gone() -> AppError {
    AppError::Io("the database thread has stopped".into())
}

impl Db {
    /// A handle that hands its work to `submit`, which returns false once the thread is gone.
    pub fn from_fn(config: Arc<Config>, submit: impl Fn(DbTask) -> bool + Send + Sync + 'static) -> Db {
        Db {
            submit: Arc::new(submit),
            config,
        }
    }

    /// Starts the database thread for `svc`; it ends when the last handle is dropped.
    pub fn spawn(svc: Arc<Service>) -> Result<Db, AppError> {
        let (tx, rx) = std::sync::mpsc::channel::<DbTask>();
        let config = Arc::new(svc.config().clone());
        std::thread::Builder::new()
            .name("purser-db".into())
            .spawn(move || {
                for task in rx {
                    task(&svc);
                }
            })
            .map_err(|e| AppError::Io(format!("cannot start the database thread: {e}")))?;
        Ok(Db::from_fn(config, move |t| tx.send(t).is_ok()))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs `f` on the database thread and waits for its answer without blocking a task.
    pub async fn call<R: Send + 'static>(&self, f: impl FnOnce(&Service) -> R + Send + 'static) -> Option<R> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task: DbTask = Box::new(move |svc| {
            let _ = tx.send(f(svc));
        });
        if !(self.submit)(task) {
            return None;
        }
        rx.await.ok()
    }

    /// [`Db::call`] for service calls that can fail: a stopped thread is an error too.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Service) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        self.call(f).await.unwrap_or_else(|| Err(gone()))
    }
}

/// Lends `f` a [`Db`] whose thread serves the borrowed `svc` until `f` returns (every
/// handle `f` made must be gone by then: run `f`'s tasks to completion inside it).
pub fn with_db<R>(svc: &Service, f: impl FnOnce(Db) -> R) -> R {
    let config = Arc::new(svc.config().clone());
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<DbTask>();
        scope.spawn(move || {
            for task in rx {
                task(svc);
            }
        });
        f(Db::from_fn(config, move |t| tx.send(t).is_ok()))
    })
}

/// A runtime for one blocking call from synchronous code (a command, a test): the
/// process's one runtime where a command needs one.
pub fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime starts")
        .block_on(fut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_on_the_database_thread_and_answers() {
        let kit = crate::app::testkit::Kit::new();
        let name = with_db(&kit, |db| {
            block_on(async move { db.call(|_svc| std::thread::current().name().map(str::to_string)).await })
        });
        assert_ne!(name.flatten().as_deref(), Some("main"));
    }
}
