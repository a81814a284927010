//! Distributor jobs: `SubmitApi` sends an order, `PollStatus` asks for its status.
//!
//! The rule that matters most: an order never reaches a distributor twice. Before a create
//! request leaves, the order notes the attempt (in its own transaction); when a later run
//! finds that note, the outcome of the earlier request is unknown, so it looks the order up
//! by our PO number where the distributor allows (Ingram Micro, TD SYNNEX) and records what
//! it finds; where no lookup exists (Pax8, Onetrail) the job stops as uncertain and asks a
//! person.

use super::db::Db;
use crate::app::{ApiStart, AppError, JobOutcome};
use crate::domain::job::{Job, JobKind};
use crate::domain::order::AttemptState;
use crate::domain::{Order, PoNumber};
use crate::integrations::distributors::{connect, ApiError, Client, Placed};

/// Runs a distributor job (API submission, status poll).
pub async fn run_job(db: &Db, job: &Job) -> JobOutcome {
    match &job.kind {
        JobKind::SubmitApi { po } => submit(db, job, *po).await,
        JobKind::PollStatus { po } => poll(db, job, *po).await,
        other => JobOutcome::Failed(format!("{} is not a distributor job", other.describe())),
    }
}

fn not_recorded(e: AppError) -> JobOutcome {
    JobOutcome::RetryLater(format!("could not record the result: {e}"))
}

async fn load(db: &Db, po: PoNumber) -> Result<Order, JobOutcome> {
    db.run(move |svc| svc.order(po))
        .await
        .map_err(|e| JobOutcome::Failed(e.to_string()))
}

/// The message for an order that another job or a person has taken over.
fn not_ours(po: PoNumber, job: &Job) -> JobOutcome {
    JobOutcome::Failed(format!("{po} is no longer waiting to be sent by job {}", job.id))
}

async fn submit(db: &Db, job: &Job, po: PoNumber) -> JobOutcome {
    let order = match load(db, po).await {
        Ok(o) => o,
        Err(outcome) => return outcome,
    };
    if !order.is_sent_by(job.id) {
        return not_ours(po, job);
    }
    let name = db.config().distributor_name(&order.distributor);
    let api = match connect(db.config(), &order.distributor) {
        Ok(a) => a,
        Err(e) => return JobOutcome::Failed(e.for_buyer(&name)),
    };
    if let Err(e) = api.check(&order) {
        return JobOutcome::Failed(e.for_buyer(&name));
    }
    let claimed = job.clone();
    let start = match db.run(move |svc| svc.start_api_attempt(&claimed, po)).await {
        Ok(s) => s,
        Err(e) => return not_recorded(e),
    };
    let ctx = Ctx {
        db,
        job,
        api: &api,
        name: &name,
    };
    match start {
        ApiStart::NotOurs => not_ours(po, job),
        ApiStart::Fresh => ctx.send(&order).await,
        ApiStart::AfterUncertain(prior) => match api.find(&order).await {
            Some(Ok(Some(found))) => ctx.record(found, true).await,
            Some(Ok(None)) => {
                tracing::info!(%po, "no order found by our PO number; sending it");
                ctx.send(&order).await
            }
            Some(Err(e)) => {
                let said = format!("{}; will look {po} up again before sending", e.for_buyer(&name));
                ctx.retry(&said, &e, true).await
            }
            // A person was asked and queued the job again: their decision to send.
            None if prior.state == AttemptState::AskedPerson => ctx.send(&order).await,
            None => {
                ctx.uncertain(format!(
                    "an earlier attempt to send {po} to {name} may have arrived, and {name} offers no way to look it \
                     up; check {name}'s portal for an order with reference {po}: if it is there, record it with \
                     `purser sync mark-sent {job}`; if not, send it again with `purser sync retry {job}`",
                    job = job.id
                ))
                .await
            }
        },
    }
}

/// One submission under way: where to record, and whom it goes to.
struct Ctx<'a> {
    db: &'a Db,
    job: &'a Job,
    api: &'a Client,
    name: &'a str,
}

impl Ctx<'_> {
    async fn send(&self, order: &Order) -> JobOutcome {
        let (po, name) = (order.number, self.name);
        match self.api.submit(order).await {
            Ok(placed) => self.record(placed, false).await,
            Err(e) if e.may_have_arrived() => {
                let said = e.for_buyer(name);
                match self.api.find(order).await {
                    Some(Ok(Some(found))) => self.record(found, true).await,
                    Some(_) => {
                        let m = format!(
                            "{said}; Purser will look {po} up at {name} by its PO number before sending it again"
                        );
                        self.retry(&m, &e, true).await
                    }
                    None => {
                        self.uncertain(format!(
                            "{said}. {name} offers no way to look it up: check {name}'s portal for an order with \
                             reference {po}; if it is there, record it with `purser sync mark-sent {job}`, if not, \
                             send it again with `purser sync retry {job}`",
                            job = self.job.id
                        ))
                        .await
                    }
                }
            }
            Err(e) if e.is_temporary() => self.retry(&e.for_buyer(name), &e, false).await,
            Err(e) => JobOutcome::Failed(e.for_buyer(name)),
        }
    }

    async fn record(&self, placed: Placed, found: bool) -> JobOutcome {
        let (job, poll) = (self.job.clone(), self.api.poll_every());
        match self
            .db
            .run(move |svc| svc.record_api_submission(&job, placed.orders, found, poll))
            .await
        {
            Ok(_) => JobOutcome::Done(None),
            Err(e) => not_recorded(e),
        }
    }

    async fn retry(&self, message: &str, e: &ApiError, keep_attempt: bool) -> JobOutcome {
        let wait = match e {
            ApiError::RateLimited { retry_after: Some(s) } => Some(*s),
            _ => None,
        };
        let (job, m) = (self.job.clone(), message.to_string());
        match self
            .db
            .run(move |svc| svc.api_retry_later(&job, &m, wait, keep_attempt))
            .await
        {
            Ok(_) => JobOutcome::RetryLater(message.to_string()),
            Err(e) => not_recorded(e),
        }
    }

    async fn uncertain(&self, message: String) -> JobOutcome {
        let (job, m) = (self.job.clone(), message.clone());
        match self.db.run(move |svc| svc.api_uncertain(&job, &m)).await {
            Ok(_) => JobOutcome::NotHandled(message),
            Err(e) => not_recorded(e),
        }
    }
}

async fn poll(db: &Db, job: &Job, po: PoNumber) -> JobOutcome {
    let order = match load(db, po).await {
        Ok(o) => o,
        Err(outcome) => return outcome,
    };
    let name = db.config().distributor_name(&order.distributor);
    let api = match connect(db.config(), &order.distributor) {
        Ok(a) => a,
        Err(e) => return JobOutcome::Failed(e.for_buyer(&name)),
    };
    match api.status(&order).await {
        Ok(fresh) => {
            let (job, every) = (job.clone(), api.poll_every());
            match db.run(move |svc| svc.record_status_poll(&job, fresh, every)).await {
                Ok(_) => JobOutcome::Done(None),
                Err(e) => not_recorded(e),
            }
        }
        Err(e)
            if matches!(
                e,
                ApiError::Config(_) | ApiError::Unauthorized(_) | ApiError::Redirected { .. }
            ) =>
        {
            JobOutcome::Failed(e.for_buyer(&name))
        }
        Err(e) => JobOutcome::RetryLater(e.for_buyer(&name)),
    }
}
