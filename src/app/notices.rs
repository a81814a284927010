//! Notices: background work that failed reaches the person who acted — the one who
//! placed or approved the order — in their open screens (until they mark it seen), by
//! email when mail is configured and they have an address, and in `po show`.

use super::{AppError, Service};
use crate::config::Config;
use crate::domain::job::{Job, JobKind};
use crate::domain::notice::Notice;
use crate::domain::{Order, PoNumber, Timestamp};
use crate::identity::Actor;
use crate::store::WriteOps;

/// The name under which Purser's own background work is recorded in the audit trail.
pub const SYSTEM_ACTOR: &str = "system";

/// Who acted for the work a job does: the person sending the order (who placed or
/// approved it), else who placed it, else who created it.
fn who_acted(order: &Order) -> String {
    if let Some(s) = &order.sending {
        return s.approved_by.clone().unwrap_or_else(|| s.by.clone());
    }
    if let Some(s) = order.submission() {
        return s.approved_by.clone().unwrap_or_else(|| s.by.clone());
    }
    order.created_by.clone()
}

/// Whether email can go out at all (SMTP, or the mail folder).
fn mail_configured(config: &Config) -> bool {
    config.smtp.is_some() || config.mail.is_some()
}

/// Records, in the transaction that records the job's failure, a notice for the person
/// who acted, and an email to them when mail is configured and they have an address.
/// A failed failure-email tells nobody again (it would only fail in turn).
pub(super) fn on_failure(
    tx: &mut dyn WriteOps,
    config: &Config,
    job: &Job,
    order: &Order,
    error: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    if matches!(job.kind, JobKind::NotifyFailure { .. }) {
        return Ok(());
    }
    let user = who_acted(order);
    let text = format!("{}: {} failed: {error}", order.number, job.kind.describe());
    let notice = Notice {
        id: tx.next_notice_id()?,
        user: user.clone(),
        po: Some(order.number),
        text: text.clone(),
        at: now,
        seen_at: None,
    };
    tx.put_notice(&notice)?;
    let has_address = config.users.get(&user).is_some_and(|u| u.email.is_some());
    if mail_configured(config) && has_address {
        super::enqueue(
            tx,
            JobKind::NotifyFailure {
                po: order.number,
                user,
                text,
            },
            now,
        )?;
    }
    Ok(())
}

impl Service {
    /// The notices for `actor`: unseen only, or all (newest first).
    pub fn notices(&self, actor: &Actor, all: bool) -> Result<Vec<Notice>, AppError> {
        let mut list: Vec<Notice> = self
            .store
            .read(|tx| tx.notices())?
            .into_iter()
            .filter(|n| n.user == actor.name && (all || !n.is_seen()))
            .collect();
        list.reverse();
        Ok(list)
    }

    /// The notices about one order, whoever they went to (oldest first).
    pub fn notices_of(&self, po: PoNumber) -> Result<Vec<Notice>, AppError> {
        Ok(self
            .store
            .read(|tx| tx.notices())?
            .into_iter()
            .filter(|n| n.po == Some(po))
            .collect())
    }

    /// Marks `actor`'s notices `ids` seen; someone else's notice is refused, naming it.
    pub fn mark_notices_seen(&self, actor: &Actor, ids: &[u64]) -> Result<Vec<Notice>, AppError> {
        let now = self.now();
        self.store.write(|tx| {
            let mut seen = Vec::new();
            for &id in ids {
                let mut n = tx
                    .notice(id)?
                    .ok_or_else(|| AppError::JobState(format!("there is no notice {id}")))?;
                if n.user != actor.name {
                    return Err(AppError::JobState(format!(
                        "notice {id} is for {}, not for {}",
                        n.user, actor.name
                    )));
                }
                if n.seen_at.is_none() {
                    n.seen_at = Some(now);
                    tx.put_notice(&n)?;
                }
                seen.push(n);
            }
            Ok::<_, AppError>(seen)
        })
    }
}
