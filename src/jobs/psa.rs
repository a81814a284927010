//! PSA sync jobs.

use super::db::Db;
use super::outbox::Context;
use crate::app::JobOutcome;
use crate::domain::job::Job;

/// Runs a PSA job (create the order's entities, send a receipt).
pub async fn run_job(db: &Db, _ctx: &Context, job: &Job) -> JobOutcome {
    let job = job.clone();
    db.call(move |svc| crate::integrations::psa::run_job(svc, &job))
        .await
        .unwrap_or_else(|| JobOutcome::RetryLater("the database thread has stopped".into()))
}
