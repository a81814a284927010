//! Distributor ordering APIs (Ingram Micro, TD SYNNEX, Pax8, Onetrail).

use crate::app::{JobOutcome, Service};
use crate::domain::job::Job;

/// Runs a distributor job (API submission, status poll).
pub fn run_job(svc: &Service, job: &Job) -> JobOutcome {
    let _ = svc;
    JobOutcome::NotHandled(format!(
        "{}: distributor APIs are not built into this version",
        job.kind.describe()
    ))
}
