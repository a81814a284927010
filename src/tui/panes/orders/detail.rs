//! The Orders pane's detail view: one order opened in full, with its lines, what became
//! of it (submission, distributor orders, PSA sync, errors), its receipts, the approval
//! rules it was created under and its audit trail.

use crate::domain::money::group_thousands;
use crate::domain::{Order, PoNumber, Stage};
use crate::tui::panes::Ctx;
use crate::tui::theme::Theme;
use crate::tui::widgets::{Col, Cursor, Grid, GridCell};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

/// One order opened in detail.
#[derive(Debug, Clone)]
pub struct Detail {
    pub po: PoNumber,
    pub lines: Cursor,
    /// How far the part below the lines is scrolled.
    pub scroll: u16,
    /// How far it can be scrolled: its last line at the bottom, as last drawn.
    pub max_scroll: std::cell::Cell<u16>,
    /// The pane it was opened from: Esc goes back there.
    pub from: crate::tui::panes::Pane,
}

fn kv<'a>(th: &Theme, k: &'a str, v: String) -> Line<'a> {
    Line::from(vec![
        // The widest label ("distributor order") and a space: a value never runs into its label.
        Span::styled(format!("{k:<17} "), th.muted),
        Span::styled(v, th.base),
    ])
}

/// A label and its value in the warning tone (something the buyer must act on).
fn warn_kv<'a>(th: &Theme, k: &'a str, v: String) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<17} "), th.muted),
        Span::styled(v, th.warn),
    ])
}

/// A line the distributor refused: which of the order's lines, as far as it says, and why.
fn refusal_text(o: &crate::domain::Order, r: &crate::domain::order::RejectedLine) -> String {
    let qty = r.quantity.map(|q| format!(" ×{q}")).unwrap_or_default();
    let what = match o.refused_line(r) {
        Some(n) => format!("line {n} · {}{qty}", o.lines[n as usize - 1].sku),
        None => {
            let named = [r.line.as_deref().map(|l| format!("line {l}")), r.sku.clone()];
            let named: Vec<String> = named.into_iter().flatten().collect();
            if named.is_empty() {
                "a line it did not name".into()
            } else {
                format!("{}{qty} (matches no single line here)", named.join(" · "))
            }
        }
    };
    format!("{what}: {}", r.said())
}

/// Draws one order in detail: its head, its lines, and the rest below (scrollable).
pub(super) fn render_detail(ctx: &Ctx, d: &Detail, f: &mut Frame, area: Rect) {
    let th = ctx.theme;
    let Some(o) = ctx.data.order(d.po) else {
        let block = Block::bordered().title(Span::styled(format!(" Orders · {} ", d.po), th.title));
        f.render_widget(Paragraph::new("this order is not loaded (yet)").block(block), area);
        return;
    };
    let st = o.status();
    let title = Line::from(vec![
        Span::styled(format!(" Orders · {} ", o.number), th.title),
        Span::styled(format!(" {st} "), th.status(st)),
        Span::styled(format!(" {} received ", o.progress()), th.accent),
    ]);
    let block = Block::bordered().title(title).border_style(th.border_focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines_h = (o.lines.len() as u16 + 1).min(inner.height / 2).max(2);
    let [head, table_area, rest] =
        Layout::vertical([Constraint::Length(3), Constraint::Length(lines_h), Constraint::Min(0)]).areas(inner);
    f.render_widget(Paragraph::new(head_lines(ctx, o)).style(th.base), head);
    render_lines(ctx, o, d, f, table_area);
    let mut info = facts(ctx, o);
    info.extend(receipts(th, o));
    info.extend(approval(th, o));
    info.extend(audit_trail(ctx, o));
    let info = Paragraph::new(info).wrap(Wrap { trim: false }).style(th.base);
    let max = info.line_count(rest.width).saturating_sub(rest.height.into());
    d.max_scroll.set(u16::try_from(max).unwrap_or(u16::MAX));
    f.render_widget(info.scroll((d.scroll.min(d.max_scroll.get()), 0)), rest);
}

/// The three lines at the top: distributor and totals, where the order stands, where it
/// ships to.
fn head_lines<'a>(ctx: &Ctx<'a>, o: &Order) -> Vec<Line<'a>> {
    let th = ctx.theme;
    let sub = o.submission().map(|s| {
        let link = s.link.as_deref().map(|l| format!(" · link {l}")).unwrap_or_default();
        format!(
            "{} by {} {}{link}",
            s.method.describe(),
            s.by,
            s.at.format("%Y-%m-%d %H:%M")
        )
    });
    let stands = match (&o.stage, sub, &o.sending) {
        (_, _, Some(sn)) => format!(
            "being sent: {} by {} (job {}); if it stays uncertain: M recorded as sent, R send again",
            sn.method.describe(),
            sn.by,
            sn.job
        ),
        (
            Stage::AwaitingApproval {
                approver, requested_by, ..
            },
            _,
            _,
        ) => format!("awaiting approval by {approver} (asked by {requested_by})"),
        (_, Some(s), _) => format!("placed: {s}"),
        (Stage::Cancelled { by, at }, _, _) => format!("cancelled by {by} {}", at.format("%Y-%m-%d %H:%M")),
        _ => match o.rejections.last() {
            Some(r) => format!("not placed yet; rejected by {}: {}", r.by, r.reason),
            None => "not placed yet".to_string(),
        },
    };
    let ships = match &o.ship_to {
        Some(a) => format!("ship to: {}", a.one_line()),
        None => match ctx.config.company.as_ref().and_then(crate::config::Company::warehouse) {
            Some(w) => format!("ship to: our warehouse, {}", w.one_line()),
            None => "ship to: our warehouse".into(),
        },
    };
    vec![
        Line::from(vec![
            Span::styled(ctx.config.distributor_name(&o.distributor), th.accent),
            Span::raw(format!(
                " · {} · {} · {} {} · by {} {}",
                super::customers(o),
                o.order_type.as_str(),
                group_thousands(o.total()),
                o.currency,
                o.created_by,
                o.created_at.format("%Y-%m-%d %H:%M")
            )),
        ]),
        Line::from(stands),
        Line::from(ships),
    ]
}

/// The order's lines, with what was received of each.
fn render_lines(ctx: &Ctx, o: &Order, d: &Detail, f: &mut Frame, area: Rect) {
    let th = ctx.theme;
    let (start, end) = d.lines.window(o.lines.len(), area.height.saturating_sub(1) as usize);
    let rows = o.lines[start..end]
        .iter()
        .enumerate()
        .map(|(n, l)| {
            let ln = (start + n) as u32 + 1;
            let style = if start + n == d.lines.sel { th.selected } else { th.base };
            let cells: Vec<GridCell> = vec![
                ln.to_string().into(),
                l.sku.clone().into(),
                l.customer_name.clone().into(),
                l.description.clone().into(),
                l.quantity.to_string().into(),
                group_thousands(l.unit_cost).into(),
                format!("{}/{}", o.received_on(ln), l.quantity).into(),
                (if l.serialized { "serial" } else { "" }).into(),
            ];
            (cells, style)
        })
        .collect();
    let cols = vec![
        Col::fixed("#", 3, 9),
        Col::fixed("SKU", 14, 8),
        Col::fill("Customer", 8, 1, 5),
        Col::fill("Description", 10, 2, 2),
        Col::fixed("Qty", 4, 7).right(),
        Col::amount("Unit cost", 6),
        Col::fixed("Recvd", 7, 4).right(),
        Col::fixed("", 6, 1),
    ];
    Grid {
        cols,
        rows,
        header: th.header,
    }
    .render(f, area);
}

/// Special bid, end user, shipping, notes, what the distributor and the PSA sync said,
/// and the sends that failed.
fn facts<'a>(ctx: &Ctx<'a>, o: &Order) -> Vec<Line<'a>> {
    let th = ctx.theme;
    let mut info: Vec<Line> = Vec::new();
    if let Some(b) = &o.special_bid {
        info.push(kv(th, "special bid", b.clone()));
    }
    if let Some(e) = &o.end_user {
        info.push(kv(th, "end user", e.one_line()));
    }
    if !o.shipping.is_zero() {
        info.push(kv(
            th,
            "shipping",
            format!("{} {}", group_thousands(o.shipping), o.currency),
        ));
    }
    if let Some(n) = &o.notes {
        info.push(kv(th, "notes", n.clone()));
    }
    if let Some(sub) = o.submission() {
        for d in &sub.distributor_orders {
            let tracking = if d.tracking.is_empty() {
                String::new()
            } else {
                format!(" · tracking {}", d.tracking.join(", "))
            };
            info.push(kv(
                th,
                "distributor order",
                format!("{} · {}{tracking}", d.number, d.status),
            ));
            for r in &d.rejected {
                info.push(warn_kv(th, "refused", refusal_text(o, r)));
            }
        }
        if !sub.recipients.is_empty() {
            info.push(kv(th, "emailed to", sub.recipients.join(", ")));
        }
    }
    if let Some(sync) = ctx.data.sync.get(&o.number) {
        info.push(kv(
            th,
            "PSA sync",
            format!(
                "{sync} (y retries a failed sync; purser sync status {} shows the entities)",
                o.number
            ),
        ));
    }
    for e in &o.errors {
        info.push(Line::from(Span::styled(
            format!(
                "  {} failed {}: {}",
                e.method.describe(),
                e.at.format("%m-%d %H:%M"),
                e.message
            ),
            th.error,
        )));
    }
    info
}

fn section<'a>(th: &Theme, t: &'static str) -> Line<'a> {
    Line::from(Span::styled(t, th.header))
}

fn receipts<'a>(th: &Theme, o: &Order) -> Vec<Line<'a>> {
    let mut info = vec![section(th, "Receipts")];
    if o.receipts.is_empty() {
        info.push(Line::from(Span::styled("  none yet", th.muted)));
    }
    for r in &o.receipts {
        let serials = if r.serials.is_empty() {
            String::new()
        } else {
            format!(" [{}]", r.serials.join(", "))
        };
        let undone = r
            .undone
            .as_ref()
            .map(|u| format!(" — undone by {}", u.by))
            .unwrap_or_default();
        let style = if r.undone.is_some() { th.muted } else { th.base };
        info.push(Line::from(Span::styled(
            format!(
                "  #{} line {}: {} by {} {}{serials}{undone}",
                r.id,
                r.line,
                r.quantity,
                r.by,
                r.at.format("%m-%d %H:%M")
            ),
            style,
        )));
    }
    info
}

/// The approval rules the order was created under, and its rejections.
fn approval<'a>(th: &Theme, o: &Order) -> Vec<Line<'a>> {
    let mut info = vec![section(th, "Approval rules (snapshot at creation)")];
    if o.rules.is_empty() {
        info.push(Line::from(Span::styled("  none: no approval needed", th.muted)));
    }
    for (i, r) in o.rules.iter().enumerate() {
        info.push(Line::from(format!("  {}. {}", i + 1, r.describe())));
    }
    for r in &o.rejections {
        info.push(Line::from(Span::styled(
            format!("  rejected by {} {}: {}", r.by, r.at.format("%m-%d %H:%M"), r.reason),
            th.warn,
        )));
    }
    info
}

fn audit_trail<'a>(ctx: &Ctx<'a>, o: &Order) -> Vec<Line<'a>> {
    let th = ctx.theme;
    let mut info = vec![section(th, "Audit trail")];
    match &ctx.data.order_audit {
        Some((po, entries)) if *po == o.number => {
            for e in entries {
                info.push(Line::from(vec![
                    Span::styled(format!("  {} ", e.at.format("%m-%d %H:%M")), th.muted),
                    Span::styled(format!("{:<8} ", e.actor), th.accent),
                    Span::raw(e.action.clone()),
                ]));
            }
        }
        _ => info.push(Line::from(Span::styled("  loading…", th.muted))),
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_label_keeps_a_space_before_its_value() {
        let th = Theme::built_in("dark").unwrap();
        for label in ["distributor order", "special bid", "PSA sync"] {
            let line = kv(&th, label, "20-SBX02".into());
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            assert!(text.contains(&format!("{label} ")), "{text:?}");
            assert!(text.ends_with(" 20-SBX02"), "{text:?}");
        }
    }
}
