//! Human-readable output: plain aligned text, no colour (scripts use `--json`).

use crate::app::views::OrderView;
use crate::app::{ImportOutcome, ImportReport};
use crate::config::Config;
use crate::domain::job::Job;
use crate::domain::money::{format_money, group_thousands};
use crate::domain::text::printable;
use crate::domain::{ApprovalRule, AuditEntry, PendingItem};
use crate::jobs::inbox::InboxResult;
use crate::jobs::RunReport;
use std::fmt::Write;

/// `s` in at most `n` characters, without control characters (text from quotes and
/// distributors must not steer the terminal, nor break a table's row).
fn cut(s: &str, n: usize) -> String {
    let s = printable(s);
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn import_reports(reports: &[ImportReport]) -> String {
    let mut s = String::new();
    for r in reports {
        for q in &r.quotes {
            match q {
                ImportOutcome::Imported {
                    quote_id,
                    lines,
                    items,
                    skipped,
                } => {
                    let _ = writeln!(
                        s,
                        "{}: quote {quote_id} imported: {} pending items from {lines} lines ({skipped} not procured)",
                        r.file,
                        items.len()
                    );
                }
                ImportOutcome::Unchanged { quote_id } => {
                    let _ = writeln!(s, "{}: quote {quote_id} was already imported; nothing changed", r.file);
                }
            }
        }
    }
    s
}

pub fn inbox_results(results: &[InboxResult]) -> String {
    if results.is_empty() {
        return "the inbox is empty".into();
    }
    let mut s = String::new();
    for r in results {
        match r {
            InboxResult::Done { file, report } => {
                let _ = writeln!(s, "done    {file}: {} items", report.items_created());
            }
            InboxResult::Failed { file, reason } => {
                let _ = writeln!(s, "failed  {file}: {reason}");
            }
        }
    }
    s
}

pub fn items(items: &[PendingItem]) -> String {
    if items.is_empty() {
        return "no items".into();
    }
    let mut s = format!(
        "{:>6}  {:<10} {:<20} {:<14} {:>5} {:>12} {:<4} {:<10} {}\n",
        "ID", "STATUS", "CUSTOMER", "SKU", "QTY", "UNIT COST", "CUR", "DISTRIB", "DESCRIPTION"
    );
    let mut totals: std::collections::BTreeMap<&str, rust_decimal::Decimal> = Default::default();
    for i in items {
        let _ = writeln!(
            s,
            "{:>6}  {:<10} {:<20} {:<14} {:>5} {:>12} {:<4} {:<10} {}",
            i.id,
            cut(&i.state.to_string(), 10),
            cut(&i.customer_name, 20),
            cut(&i.sku, 14),
            i.quantity,
            group_thousands(i.unit_cost),
            i.currency,
            cut(i.distributor.as_deref().unwrap_or("-"), 10),
            cut(&i.description, 40)
        );
        *totals.entry(&i.currency).or_default() += i.total_cost();
    }
    let total: Vec<String> = totals.iter().map(|(c, t)| format_money(*t, c)).collect();
    let _ = writeln!(s, "{} items, total cost {}", items.len(), total.join(" + "));
    s
}

pub fn orders(orders: &[OrderView], config: &Config) -> String {
    if orders.is_empty() {
        return "no orders".into();
    }
    let mut s = format!(
        "{:<10} {:<18} {:<16} {:<9} {:>16} {:>9} {:<10} {}\n",
        "NUMBER", "STATUS", "DISTRIBUTOR", "TYPE", "TOTAL", "RECEIVED", "CREATOR", "CREATED"
    );
    for o in orders {
        let _ = writeln!(
            s,
            "{:<10} {:<18} {:<16} {:<9} {:>16} {:>9} {:<10} {}",
            o.number.to_string(),
            o.status.to_string(),
            cut(&config.distributor_name(&o.distributor), 16),
            o.order_type.as_str(),
            format_money(o.total, &o.currency),
            format!("{}/{}", o.received, o.ordered),
            cut(&o.created_by, 10),
            o.created_at.format("%Y-%m-%d %H:%M")
        );
    }
    s
}

pub fn order(o: &OrderView, config: &Config) -> String {
    let mut s = String::new();
    order_header(&mut s, o, config);
    order_history(&mut s, o);
    order_lines(&mut s, o);
    s
}

/// The order's header: number, status, distributor, addresses, notes.
fn order_header(s: &mut String, o: &OrderView, config: &Config) {
    let _ = writeln!(
        s,
        "{}  {}  {}  {}",
        o.number,
        o.status,
        config.distributor_name(&o.distributor),
        o.order_type.as_str()
    );
    let _ = writeln!(
        s,
        "created by {} at {}",
        o.created_by,
        o.created_at.format("%Y-%m-%d %H:%M UTC")
    );
    if let Some(a) = &o.approver {
        let _ = writeln!(s, "approver: {a}");
    }
    if let Some(addr) = &o.ship_to {
        let _ = writeln!(s, "ship to: {}", addr.one_line());
    }
    if let Some(b) = &o.special_bid {
        let _ = writeln!(s, "special bid: {b}");
    }
    if let Some(e) = &o.end_user {
        let _ = writeln!(s, "end user: {}", e.one_line());
    }
    if let Some(n) = &o.notes {
        let _ = writeln!(s, "notes: {n}");
    }
}

/// How the order went out: placement, a send under way, errors, rejections.
fn order_history(s: &mut String, o: &OrderView) {
    if let Some(sub) = &o.submission {
        let _ = writeln!(
            s,
            "placed: {} by {} at {}",
            sub.method.describe(),
            sub.by,
            sub.at.format("%Y-%m-%d %H:%M UTC")
        );
        if let Some(l) = &sub.link {
            let _ = writeln!(s, "link: {l}");
        }
        if !sub.recipients.is_empty() {
            let id = sub.message_id.as_deref().unwrap_or("-");
            let _ = writeln!(s, "emailed to {} (message {id})", sub.recipients.join(", "));
        }
        for d in &sub.distributor_orders {
            let tracking = if d.tracking.is_empty() {
                String::new()
            } else {
                format!(", tracking {}", d.tracking.join(", "))
            };
            let _ = writeln!(s, "distributor order {}: {}{tracking}", d.number, d.status);
            for r in &d.rejected {
                let what = r.sku.as_deref().or(r.line.as_deref()).unwrap_or("a line");
                let _ = writeln!(s, "  rejected {what}: {}", r.reason);
            }
        }
    }
    if let Some(sending) = &o.sending {
        let _ = writeln!(
            s,
            "being sent: {} (job {}), since {}",
            sending.method.describe(),
            sending.job,
            sending.at.format("%Y-%m-%d %H:%M UTC")
        );
    }
    for e in &o.errors {
        let _ = writeln!(
            s,
            "not sent ({}) at {}: {}",
            e.method.describe(),
            e.at.format("%Y-%m-%d %H:%M"),
            e.message
        );
    }
    for r in &o.rejections {
        let _ = writeln!(
            s,
            "rejected by {} at {}: {}",
            r.by,
            r.at.format("%Y-%m-%d %H:%M"),
            r.reason
        );
    }
}

/// The order's lines, receipts and the approval rules it was placed under.
fn order_lines(s: &mut String, o: &OrderView) {
    let _ = writeln!(
        s,
        "\n{:>4}  {:>6}  {:<14} {:<36} {:>5} {:>12} {:>14} {:>9}",
        "LINE", "ITEM", "SKU", "DESCRIPTION", "QTY", "UNIT COST", "LINE TOTAL", "RECEIVED"
    );
    for l in &o.lines {
        let _ = writeln!(
            s,
            "{:>4}  {:>6}  {:<14} {:<36} {:>5} {:>12} {:>14} {:>9}",
            l.line,
            l.item_id,
            cut(&l.sku, 14),
            cut(&l.description, 36),
            l.quantity,
            group_thousands(l.unit_cost),
            group_thousands(l.line_total),
            format!("{}/{}", l.received, l.quantity)
        );
        if !l.serials.is_empty() {
            let _ = writeln!(s, "{:>14}serials: {}", "", l.serials.join(", "));
        }
    }
    let _ = writeln!(
        s,
        "\ntotal {}   received {}/{}",
        format_money(o.total, &o.currency),
        o.received,
        o.ordered
    );
    let active: Vec<_> = o.receipts.iter().collect();
    if !active.is_empty() {
        let _ = writeln!(s, "\nreceipts:");
        for r in active {
            let undone = r
                .undone
                .as_ref()
                .map(|u| format!(" (undone by {})", u.by))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  #{} line {} qty {} by {} at {}{undone}",
                r.id,
                r.line,
                r.quantity,
                r.by,
                r.at.format("%Y-%m-%d %H:%M")
            );
        }
    }
    if !o.approval_rules.is_empty() {
        let _ = writeln!(s, "\napproval rules (as when created):");
        for (i, r) in o.approval_rules.iter().enumerate() {
            let _ = writeln!(s, "  {}. {}", i + 1, r.describe());
        }
    }
}

pub fn rules(rules: &[ApprovalRule]) -> String {
    if rules.is_empty() {
        return "no approval rules: orders need no approval".into();
    }
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{}. {}\n", i + 1, r.describe()))
        .collect()
}

pub fn audit(entries: &[AuditEntry]) -> String {
    if entries.is_empty() {
        return "no audit entries".into();
    }
    entries
        .iter()
        .map(|e| {
            format!(
                "{:>6}  {}  {:<10} {:<22} {}\n",
                e.seq,
                e.at.format("%Y-%m-%d %H:%M:%S"),
                e.actor,
                e.action,
                e.entity
            )
        })
        .collect()
}

/// `audit anchor`: the chain's head, and how to check it later.
pub fn audit_anchor(anchor: Option<&crate::domain::audit::Anchor>) -> String {
    match anchor {
        Some(a) => format!(
            "audit chain head: entry {}, MAC {}\n{a}\nkeep it outside the database; check later with: purser audit verify --anchor {a}",
            a.seq, a.mac
        ),
        None => "no audit entries yet: nothing to anchor".into(),
    }
}

/// `audit verify` when everything holds: what the chain is made of, the anchor and the
/// replay.
pub fn audit_check(
    chain: &crate::domain::audit::ChainReport,
    anchor: Option<&crate::domain::audit::Anchor>,
    replay: &crate::app::audit::Replay,
) -> String {
    let n = chain.entries;
    let how = match chain.keyed_from {
        _ if n == 0 => String::new(),
        Some(1) => " (each with the audit key's MAC)".into(),
        Some(k) => format!(
            " (1–{} with plain SHA-256 hashes, written before the audit key existed; {k}–{n} with the audit key's MAC)",
            k - 1
        ),
        None => " (all with plain SHA-256 hashes, written before the audit key existed; the key is made with the next change)".into(),
    };
    let mut s = format!("audit trail intact: {n} entries verified{how}\n");
    if let Some(a) = anchor {
        s.push_str(&format!("anchor holds: entry {} carries the anchored MAC\n", a.seq));
    }
    s.push_str(&format!("replay: {} records match the audit trail", replay.compared));
    if replay.not_covered > 0 {
        s.push_str(&format!(
            " ({} last changed before the trail recorded states: not compared)",
            replay.not_covered
        ));
    }
    s
}

/// The records that differ from the audit trail, one per line.
pub fn audit_differences(replay: &crate::app::audit::Replay) -> String {
    let mut s = format!(
        "audit trail does not match the database: {} record(s) differ",
        replay.differences.len()
    );
    for d in &replay.differences {
        s.push_str("\n  ");
        s.push_str(&d.message);
    }
    s
}

/// Notices about an order, for `po show` (nothing when there are none).
pub fn notices(notices: &[crate::domain::notice::Notice]) -> String {
    let mut s = String::new();
    for (i, n) in notices.iter().enumerate() {
        if i == 0 {
            s.push_str("\nNotices\n");
        }
        let seen = n.seen_at.map_or_else(
            || "not seen yet".to_string(),
            |t| format!("seen {}", t.format("%Y-%m-%d %H:%M")),
        );
        s.push_str(&format!(
            "  {} to {} ({seen}): {}\n",
            n.at.format("%Y-%m-%d %H:%M"),
            n.user,
            n.text
        ));
    }
    s
}

pub fn jobs(jobs: &[Job]) -> String {
    if jobs.is_empty() {
        return "no background jobs".into();
    }
    let mut s = String::new();
    for j in jobs {
        let err = j.last_error.as_deref().map(|e| format!(" — {e}")).unwrap_or_default();
        let _ = writeln!(
            s,
            "{:>5}  {:<10} {} (attempts {}){err}",
            j.id,
            j.state_label(),
            j.kind.describe(),
            j.attempts
        );
    }
    s
}

pub fn run_report(r: &RunReport) -> String {
    let mut s = format!(
        "{} done, {} retrying, {} failed",
        r.done.len(),
        r.retrying.len(),
        r.failed.len()
    );
    for (id, why) in &r.waiting {
        let _ = write!(s, "\njob {id} waits: {why}");
    }
    for (id, why) in &r.uncertain {
        let _ = write!(s, "\njob {id} is uncertain: {why}");
    }
    s
}

/// `purser check`'s report: one line per problem, table and key first.
pub fn check_report(r: &crate::app::check::CheckReport) -> String {
    let mut out = String::new();
    for p in &r.problems {
        let _ = writeln!(out, "{} {}: {}", p.table, p.key, p.message);
    }
    if r.clean() {
        let _ = writeln!(
            out,
            "{}: no problems ({} values read, audit chain of {} entries intact)",
            r.database.display(),
            r.values,
            r.audit_entries
        );
    }
    out
}
