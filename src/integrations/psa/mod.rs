//! PSA sync (Autotask, ConnectWise Manage, HaloPSA).

use crate::app::{JobOutcome, Service};
use crate::domain::job::Job;

/// Runs a PSA job (create the order's entities, send a receipt).
pub fn run_job(svc: &Service, job: &Job) -> JobOutcome {
    let _ = svc;
    JobOutcome::NotHandled(format!(
        "{}: PSA sync is not built into this version",
        job.kind.describe()
    ))
}
