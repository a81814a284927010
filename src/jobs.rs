//! The job executor: what each outbox job does at the far side. Emails (order PDFs to
//! distributors, approval notices) go through [`Mailer`]; distributor and PSA jobs go to
//! [`crate::integrations`]. Results return to the outbox as outcomes, recorded there with
//! their effect on the order.

use crate::app::{Effect, JobExecutor, JobOutcome, Service};
use crate::config::Config;
use crate::domain::job::{Job, JobKind};
use crate::domain::money::{format_money, group_thousands};
use crate::domain::Order;
use crate::mail::{MailError, Mailer, OutgoingMail};
use std::fmt::Write;

/// Runs outbox jobs with the configured mailer.
pub struct Executor {
    mailer: Result<Option<Mailer>, MailError>,
}

impl Executor {
    pub fn from_config(config: &Config) -> Self {
        Executor {
            mailer: Mailer::from_config(config),
        }
    }

    fn mailer(&self) -> Result<&Mailer, JobOutcome> {
        match &self.mailer {
            Ok(Some(m)) => Ok(m),
            Ok(None) => Err(JobOutcome::NotHandled("email needs [smtp] in the configuration".into())),
            Err(e) => Err(JobOutcome::Failed(format!("email is misconfigured: {e}"))),
        }
    }
}

/// What a send came to. `with_effect`: the job is an order's submission, whose message
/// id is recorded and which must never go twice without a person deciding; a notice
/// whose fate is unknown is simply sent again.
fn outcome_of(result: Result<crate::mail::Sent, MailError>, with_effect: bool) -> JobOutcome {
    match result {
        Ok(sent) if with_effect => JobOutcome::Done(Some(Effect::EmailSent {
            message_id: sent.message_id,
            recipients: sent.recipients,
        })),
        Ok(_) => JobOutcome::Done(None),
        Err(MailError::Temporary(e)) => JobOutcome::RetryLater(e),
        Err(MailError::Permanent(e)) => JobOutcome::Failed(e),
        Err(MailError::Uncertain(e)) if with_effect => JobOutcome::Uncertain(format!(
            "{e}. Ask the distributor whether the order arrived, then record it as sent or send it again"
        )),
        Err(MailError::Uncertain(e)) => JobOutcome::RetryLater(e),
    }
}

fn company_name(config: &Config) -> String {
    config
        .company
        .as_ref()
        .map_or_else(|| "Purser".to_string(), |c| c.name.clone())
}

fn user_email(config: &Config, user: &str) -> Result<String, JobOutcome> {
    config
        .users
        .get(user)
        .and_then(|u| u.email.clone())
        .ok_or_else(|| JobOutcome::Failed(format!("user {user} has no email address in the configuration")))
}

fn lines_text(order: &Order) -> String {
    let mut s = String::new();
    for (i, l) in order.lines.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {:>2}. {} x {}  {}  @ {} = {}",
            i + 1,
            l.quantity,
            l.part_number(),
            l.description,
            group_thousands(l.unit_cost),
            group_thousands(l.total_cost())
        );
    }
    s
}

/// The email carrying a purchase order to the distributor.
pub fn order_email(order: &Order, config: &Config, pdf: Vec<u8>) -> OutgoingMail {
    let company = company_name(config);
    let mut body = format!(
        "Purchase order {number} from {company}\n\nOrder type: {otype}\nCurrency: {cur}\n",
        number = order.number,
        otype = order.order_type.as_str(),
        cur = order.currency
    );
    if let Some(addr) = &order.ship_to {
        let _ = writeln!(body, "Ship to: {}", addr.one_line());
    }
    if let Some(bid) = &order.special_bid {
        let _ = writeln!(body, "Special bid: {bid}");
    }
    let _ = write!(body, "\nLines:\n{}", lines_text(order));
    let _ = writeln!(body, "\nTotal: {}", format_money(order.total(), &order.currency));
    if let Some(notes) = &order.notes {
        let _ = writeln!(body, "\nNotes: {notes}");
    }
    let _ = writeln!(
        body,
        "\nThe purchase order is attached as PDF. Please confirm with your order number, quoting {}.",
        order.number
    );
    OutgoingMail {
        to: config
            .distributors
            .get(&order.distributor)
            .map(|d| d.email.clone())
            .unwrap_or_default(),
        subject: format!("Purchase order {} from {company}", order.number),
        body,
        attachment: Some((format!("{}.pdf", order.number), pdf)),
    }
}

impl JobExecutor for Executor {
    fn run(&self, svc: &Service, job: &Job) -> JobOutcome {
        match &job.kind {
            JobKind::SubmitApi { .. } | JobKind::PollStatus { .. } => {
                return crate::integrations::distributors::run_job(svc, job)
            }
            JobKind::PsaSync { .. } | JobKind::PsaReceipt { .. } => return crate::integrations::psa::run_job(svc, job),
            JobKind::SubmitEmail { .. } | JobKind::NotifyApprover { .. } | JobKind::NotifyRejection { .. } => {}
        }
        let mailer = match self.mailer() {
            Ok(m) => m,
            Err(outcome) => return outcome,
        };
        let config = svc.config();
        let Some(po) = job.kind.po() else {
            return JobOutcome::Failed("job names no order".into());
        };
        let order = match svc.order(po) {
            Ok(o) => o,
            Err(e) => return JobOutcome::Failed(e.to_string()),
        };
        match &job.kind {
            JobKind::SubmitEmail { .. } => {
                if !order.is_sent_by(job.id) {
                    return JobOutcome::Failed(format!("{po} is no longer waiting to be sent by job {}", job.id));
                }
                let pdf = crate::pdf::render_order(&order, config);
                outcome_of(mailer.send(&order_email(&order, config, pdf)), true)
            }
            JobKind::NotifyApprover { approver, .. } => {
                // Already approved or rejected: the notice has nothing left to ask.
                if order.status() != crate::domain::OrderStatus::AwaitingApproval || order.approver() != Some(approver)
                {
                    return JobOutcome::Done(None);
                }
                let to = match user_email(config, approver) {
                    Ok(t) => t,
                    Err(o) => return o,
                };
                let total = format_money(order.total(), &order.currency);
                let body = format!(
                    "{creator} asks you to approve purchase order {po} for {total} with {dist}.\n\nLines:\n{lines}\n\
                     To approve, place it: in Purser open Approvals (key 3), or run\n  purser po approve {po} --via email\n\
                     To reject it: purser po reject {po} --reason \"…\"\n",
                    creator = order.created_by,
                    dist = config.distributor_name(&order.distributor),
                    lines = lines_text(&order),
                );
                let mail = OutgoingMail {
                    to: vec![to],
                    subject: format!("Approval needed: {po} ({total}) from {}", order.created_by),
                    body,
                    attachment: None,
                };
                outcome_of(mailer.send(&mail), false)
            }
            JobKind::NotifyRejection { creator, reason, .. } => {
                let to = match user_email(config, creator) {
                    Ok(t) => t,
                    Err(o) => return o,
                };
                let by = order.rejections.last().map_or("the approver", |r| r.by.as_str());
                let mail = OutgoingMail {
                    to: vec![to],
                    subject: format!("Rejected: {po} by {by}"),
                    body: format!(
                        "{by} rejected purchase order {po}:\n\n  {reason}\n\nThe order is pending again; change it and place it anew.\n"
                    ),
                    attachment: None,
                };
                outcome_of(mailer.send(&mail), false)
            }
            JobKind::SubmitApi { .. }
            | JobKind::PollStatus { .. }
            | JobKind::PsaSync { .. }
            | JobKind::PsaReceipt { .. } => {
                unreachable!("dispatched above")
            }
        }
    }
}
