//! Email jobs: an order's PDF to its distributor, approval and rejection notices,
//! composed here and sent through the mail adapter ([`Mailer`]). Results return to the
//! outbox as outcomes, recorded there with their effect on the order.

use super::db::Db;
use crate::app::{Effect, JobOutcome};
use crate::config::Config;
use crate::domain::job::{Job, JobKind};
use crate::domain::money::{format_money, group_thousands};
use crate::domain::Order;
use crate::integrations::mail::{MailError, Mailer, OutgoingMail};
use std::fmt::Write;
use std::sync::Arc;

/// The configured mailer, set up once per process and shared by its email jobs.
pub struct Mail {
    mailer: Result<Option<Arc<Mailer>>, MailError>,
}

impl Mail {
    pub fn from_config(config: &Config) -> Self {
        Mail {
            mailer: Mailer::from_config(config).map(|m| m.map(Arc::new)),
        }
    }

    fn mailer(&self) -> Result<Arc<Mailer>, JobOutcome> {
        match &self.mailer {
            Ok(Some(m)) => Ok(Arc::clone(m)),
            Ok(None) => Err(JobOutcome::NotHandled("email needs [smtp] in the configuration".into())),
            Err(e) => Err(JobOutcome::Failed(format!("email is misconfigured: {e}"))),
        }
    }
}

/// What a send came to. `with_effect`: the job is an order's submission, whose message
/// id is recorded and which must never go twice without a person deciding; a notice
/// whose fate is unknown is simply sent again.
fn outcome_of(result: Result<crate::integrations::mail::Sent, MailError>, with_effect: bool) -> JobOutcome {
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

/// Runs an email job: an order to its distributor, or a notice to an approver or a
/// buyer. The PDF is drawn and the message sent on a blocking thread (lettre's SMTP
/// client blocks), never on the database thread.
pub async fn run_job(db: &Db, mail: &Mail, job: &Job) -> JobOutcome {
    let mailer = match mail.mailer() {
        Ok(m) => m,
        Err(outcome) => return outcome,
    };
    let Some(po) = job.kind.po() else {
        return JobOutcome::Failed("job names no order".into());
    };
    let order = match db.run(move |svc| svc.order(po)).await {
        Ok(o) => o,
        Err(e) => return JobOutcome::Failed(e.to_string()),
    };
    let config = db.config();
    let (message, with_effect) = match &job.kind {
        JobKind::SubmitEmail { .. } => {
            if !order.is_sent_by(job.id) {
                return JobOutcome::Failed(format!("{po} is no longer waiting to be sent by job {}", job.id));
            }
            (Message::Order(Box::new(order)), true)
        }
        JobKind::NotifyApprover { approver, .. } => {
            // Already approved or rejected: the notice has nothing left to ask.
            if order.status() != crate::domain::OrderStatus::AwaitingApproval || order.approver() != Some(approver) {
                return JobOutcome::Done(None);
            }
            match approval_notice(&order, config, approver) {
                Ok(m) => (Message::Ready(m), false),
                Err(o) => return o,
            }
        }
        JobKind::NotifyRejection { creator, reason, .. } => match rejection_notice(&order, config, creator, reason) {
            Ok(m) => (Message::Ready(m), false),
            Err(o) => return o,
        },
        JobKind::NotifyFailure { user, text, .. } => match failure_notice(&order, config, user, text) {
            Ok(m) => (Message::Ready(m), false),
            Err(o) => return o,
        },
        other => return JobOutcome::Failed(format!("{} is not an email job", other.describe())),
    };
    let config = config.clone();
    let sent = tokio::task::spawn_blocking(move || {
        let mail = match message {
            Message::Order(order) => {
                let pdf = crate::pdf::render_order(&order, &config);
                order_email(&order, &config, pdf)
            }
            Message::Ready(m) => m,
        };
        mailer.send(&mail)
    })
    .await;
    match sent {
        Ok(result) => outcome_of(result, with_effect),
        // The send panicked or was cut short: whether it left is unknown.
        Err(e) => outcome_of(Err(MailError::Uncertain(format!("the send stopped: {e}"))), with_effect),
    }
}

/// What goes out: an order (its PDF drawn off the async tasks) or a ready notice.
enum Message {
    Order(Box<Order>),
    Ready(OutgoingMail),
}

fn approval_notice(order: &Order, config: &Config, approver: &str) -> Result<OutgoingMail, JobOutcome> {
    let po = order.number;
    let to = user_email(config, approver)?;
    let total = format_money(order.total(), &order.currency);
    let body = format!(
        "{creator} asks you to approve purchase order {po} for {total} with {dist}.\n\nLines:\n{lines}\n\
         To approve, place it: in Purser open Approvals (key 3), or run\n  purser po approve {po} --via email\n\
         To reject it: purser po reject {po} --reason \"…\"\n",
        creator = order.created_by,
        dist = config.distributor_name(&order.distributor),
        lines = lines_text(order),
    );
    Ok(OutgoingMail {
        to: vec![to],
        subject: format!("Approval needed: {po} ({total}) from {}", order.created_by),
        body,
        attachment: None,
    })
}

fn failure_notice(order: &Order, config: &Config, user: &str, text: &str) -> Result<OutgoingMail, JobOutcome> {
    let po = order.number;
    Ok(OutgoingMail {
        to: vec![user_email(config, user)?],
        subject: format!("Needs you: {po} could not be completed in the background"),
        body: format!(
            "Background work for purchase order {po}, which you placed or approved, failed:\n\n  {text}\n\n\
             See it with `purser po show {po}`, or in Purser's screens, where the notice stays until you mark it seen.\n"
        ),
        attachment: None,
    })
}

fn rejection_notice(order: &Order, config: &Config, creator: &str, reason: &str) -> Result<OutgoingMail, JobOutcome> {
    let po = order.number;
    let to = user_email(config, creator)?;
    let by = order.rejections.last().map_or("the approver", |r| r.by.as_str());
    Ok(OutgoingMail {
        to: vec![to],
        subject: format!("Rejected: {po} by {by}"),
        body: format!(
            "{by} rejected purchase order {po}:\n\n  {reason}\n\nThe order is pending again; change it and place it anew.\n"
        ),
        attachment: None,
    })
}
