//! Drawing the whole screen from the state: tabs, the pane, the status line, dialogs and
//! the help overlay. Nothing here changes the state.

use super::action::Mode;
use super::form::{Dialog, FieldKind, Form, Picker};
use super::screen::{App, Pane, Tone};
use super::widgets::centered;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// Draws one frame.
pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    f.render_widget(Block::default().style(app.theme.base), area);
    let banner_h = u16::from(!app.notices.is_empty());
    let [tabs, body, banner, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(banner_h),
        Constraint::Length(1),
    ])
    .areas(area);
    *app.hits.borrow_mut() = super::input::Hits {
        body,
        ..Default::default()
    };
    draw_tabs(app, f, tabs);
    if banner_h > 0 {
        draw_notices(app, f, banner);
    }
    match app.pane {
        Pane::Pending => app.pending.render(&app.ctx(), f, body),
        Pane::Orders => app.orders.render(&app.ctx(), f, body),
        Pane::Approvals => app.approvals.render(&app.ctx(), f, body),
        Pane::Receiving => app.receiving.render(&app.ctx(), f, body),
        Pane::Audit => app.audit.render(&app.ctx(), f, body),
        Pane::Settings => app.settings.render(&app.ctx(), f, body),
    }
    app.hits.borrow_mut().selected_row = selected_row(app, f, body);
    draw_status(app, f, status);
    match &app.dialog {
        Some(Dialog::Form(form)) => draw_form(app, form, f, body),
        Some(Dialog::Pick(p)) => draw_picker(app, p, f, body),
        Some(Dialog::Confirm { text, .. }) => draw_confirm(app, text, f, body),
        None => {}
    }
    if app.help {
        draw_help(app, f, body);
    }
    if app.messages.is_open() {
        super::messages::draw(app, f, body);
    }
}

/// The screen row of the pane's selected list row: the first row of `body` drawn in the
/// theme's selection style at its left edge (where every pane's list begins).
fn selected_row(app: &App, f: &mut Frame, body: Rect) -> Option<u16> {
    let sel = app.theme.selected;
    let buf = f.buffer_mut();
    let x = body.x + 1;
    (body.y..body.bottom()).find(|y| {
        (x..(x + 3).min(body.right())).any(|x| {
            let c = &buf[(x, *y)];
            sel.bg.is_none_or(|bg| c.bg == bg)
                && sel.fg.is_none_or(|fg| c.fg == fg)
                && c.modifier.contains(sel.add_modifier)
                && (sel.bg.is_some() || sel.fg.is_some() || !sel.add_modifier.is_empty())
        })
    })
}

fn draw_tabs(app: &App, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let mut spans = Vec::new();
    let mut x = area.x;
    let mut hits = Vec::new();
    for (i, p) in Pane::TABS.iter().enumerate() {
        let mut label = format!(" {} {} ", i + 1, p.title());
        if *p == Pane::Approvals && app.approvals.count() > 0 {
            label = format!(" {} {} ({}) ", i + 1, p.title(), app.approvals.count());
        }
        let w = label.chars().count() as u16;
        hits.push((x, x.saturating_add(w), *p));
        x = x.saturating_add(w);
        let style = if app.pane == *p { th.tab_active } else { th.tab };
        spans.push(Span::styled(label, style));
    }
    app.hits.borrow_mut().tabs = hits;
    if app.pane == Pane::Settings {
        spans.push(Span::styled(" Settings ", th.tab_active));
    }
    let busy = if app.busy || app.calling || app.receiving.saving() {
        SPINNER[app.spinner % SPINNER.len()]
    } else {
        " "
    };
    let who = format!(" {busy} {} ", app.actor.name);
    // Until the service is back, every pane says so (a message on the status line is
    // soon replaced by the next).
    let down = if app.disconnected {
        " ⚠ service lost, reconnecting "
    } else {
        ""
    };
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let pad = (area.width as usize).saturating_sub(used + down.chars().count() + who.chars().count());
    spans.push(Span::styled(" ".repeat(pad), th.tab));
    if !down.is_empty() {
        spans.push(Span::styled(down, th.error));
    }
    spans.push(Span::styled(who, th.accent));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The newest unseen notice, on every pane until it is marked seen.
fn draw_notices(app: &App, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let Some(newest) = app.notices.first() else { return };
    let more = match app.notices.len() {
        1 => String::new(),
        n => format!(" (+{} more)", n - 1),
    };
    let key = " F2 seen ";
    let w = (area.width as usize).saturating_sub(key.chars().count());
    let text = super::widgets::clip(&format!("! {}{more}", newest.text), w);
    let pad = w.saturating_sub(text.chars().count());
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(text, th.error),
            Span::styled(" ".repeat(pad), th.error),
            Span::styled(key, th.key),
        ])),
        area,
    );
}

fn draw_status(app: &App, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let help = format!(
        " {} help ",
        app.keymap
            .hint(Mode::Global, super::action::Action::Help)
            .replace("?", "F1/?")
    );
    let (style, text) = match &app.status {
        Some((Tone::Error, t)) => (th.error, t.clone()),
        Some((Tone::Warn, t)) => (th.warn, t.clone()),
        Some((Tone::Ok, t)) => (th.ok, t.clone()),
        Some((Tone::Info, t)) => (th.base, t.clone()),
        None => (th.muted, String::new()),
    };
    let w = (area.width as usize).saturating_sub(help.chars().count());
    // A message cut short says which key shows it whole.
    let whole = if super::widgets::printable_len(&text) > w {
        format!(
            " {} whole ",
            app.keymap.hint(app.mode(), super::action::Action::Messages)
        )
    } else {
        String::new()
    };
    let text = super::widgets::clip(&text, w.saturating_sub(whole.chars().count()));
    let pad = w.saturating_sub(text.chars().count() + whole.chars().count());
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(text, style),
            Span::styled(whole, th.key),
            Span::styled(" ".repeat(pad), th.base),
            Span::styled(help, th.key),
        ])),
        area,
    );
}

fn draw_form(app: &App, form: &Form, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    // The note takes the lines it needs: a hint cut mid-sentence misleads.
    let inner_w = area.width.min(76).saturating_sub(2) as usize;
    let note_h = form
        .note
        .as_ref()
        .map_or(0, |n| super::widgets::wrap_words(n, inner_w).len() as u16);
    let h = form.fields.len() as u16 + 2 + note_h + 2;
    let rect = centered(area, 76, h);
    f.render_widget(Clear, rect);
    // A form taller than the screen shows its fields a page at a time: the page with the focus.
    let shown = (rect.height.saturating_sub(2 + note_h + 2) as usize).clamp(1, form.fields.len().max(1));
    let first = ((form.focus / shown) * shown).min(form.fields.len().saturating_sub(shown));
    let scrolled = if shown < form.fields.len() {
        format!(" {}–{} of {} ", first + 1, first + shown, form.fields.len())
    } else {
        String::new()
    };
    let block = Block::bordered()
        .title(Span::styled(format!(" {} ", form.title), th.title))
        .title_bottom(Line::from(Span::styled(scrolled, th.muted)).right_aligned())
        .border_style(th.border_focused);
    let inner = block.inner(rect);
    f.render_widget(block.style(th.base), rect);
    let label_w = form.fields.iter().map(|x| x.label.chars().count()).max().unwrap_or(0) + 2;
    let rows = Layout::vertical(
        std::iter::repeat_n(Constraint::Length(1), shown).chain([Constraint::Length(note_h), Constraint::Length(2)]),
    )
    .split(inner);
    for (i, field) in form.fields.iter().enumerate().skip(first).take(shown) {
        let r = rows[i - first];
        let focused = i == form.focus;
        let label = format!("{:>w$}", format!("{}: ", field.label), w = label_w);
        let vw = (r.width as usize).saturating_sub(label_w + 1);
        let value = match &field.kind {
            FieldKind::Text(input) => {
                let scroll = input.visual_scroll(vw);
                if focused {
                    let x = (input.visual_cursor().max(scroll) - scroll) as u16;
                    f.set_cursor_position((r.x + label_w as u16 + x, r.y));
                }
                Span::styled(
                    format!("{:<vw$}", input.value().chars().skip(scroll).collect::<String>()),
                    if focused { th.input } else { th.base },
                )
            }
            FieldKind::Choice { options, idx } => Span::styled(
                format!(
                    "‹ {} ›  ({}/{})",
                    options.get(*idx).map_or("", String::as_str),
                    idx + 1,
                    options.len()
                ),
                if focused { th.selected } else { th.base },
            ),
        };
        let lstyle = if focused { th.accent } else { th.muted };
        f.render_widget(Paragraph::new(Line::from(vec![Span::styled(label, lstyle), value])), r);
    }
    let n = shown;
    if let Some(note) = &form.note {
        f.render_widget(
            Paragraph::new(note.as_str()).style(th.muted).wrap(Wrap { trim: true }),
            rows[n],
        );
    }
    let foot = match &form.error {
        Some(e) => Line::from(Span::styled(e.clone(), th.error)),
        None => Line::from(Span::styled(
            "Enter saves · Esc cancels · Tab/↑↓ moves · ←→ changes a choice",
            th.muted,
        )),
    };
    f.render_widget(Paragraph::new(foot).wrap(Wrap { trim: true }), rows[n + 1]);
}

fn draw_picker(app: &App, p: &Picker, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(100),
        area.height.saturating_sub(2).min(20),
    );
    f.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(Span::styled(format!(" {} ", p.title), th.title))
        .border_style(th.border_focused);
    let inner = block.inner(rect);
    f.render_widget(block.style(th.base), rect);
    let [filter, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let label = "Filter: ";
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(label, th.accent),
            Span::styled(p.filter.value().to_string(), th.input),
        ])),
        filter,
    );
    f.set_cursor_position((
        filter.x + label.len() as u16 + p.filter.visual_cursor() as u16,
        filter.y,
    ));
    let (start, end) = p.cursor.window(p.view.len(), list.height as usize);
    let lines: Vec<Line> = p.view[start..end]
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let (v, text) = &p.rows[*i];
            let mark = if p.marked.contains(v) {
                "● "
            } else if p.multi {
                "  "
            } else {
                ""
            };
            let style = if start + n == p.cursor.sel {
                th.selected
            } else if p.marked.contains(v) {
                th.marked
            } else {
                th.base
            };
            Line::from(Span::styled(format!("{mark}{text}"), style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), list);
}

fn draw_confirm(app: &App, text: &str, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let rect = centered(area, 64, 6);
    f.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(Span::styled(" Are you sure? ", th.title))
        .border_style(th.warn);
    let inner = block.inner(rect);
    f.render_widget(block.style(th.base), rect);
    let [question, answers] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    f.render_widget(
        Paragraph::new(text.to_string())
            .wrap(Wrap { trim: true })
            .style(th.base),
        question,
    );
    // The answers are buttons, too (a click answers).
    let (yes, sep, no) = ("[ y: yes ]", "  ", "[ n / Esc: no ]");
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(yes, th.key),
            Span::styled(sep, th.base),
            Span::styled(no, th.key),
        ])),
        answers,
    );
    let w = |s: &str| s.chars().count() as u16;
    let mut hits = app.hits.borrow_mut();
    hits.yes = Some(Rect::new(answers.x, answers.y, w(yes), 1).intersection(answers));
    hits.no = Some(Rect::new(answers.x + w(yes) + w(sep), answers.y, w(no), 1).intersection(answers));
}

/// The lines of the help overlay for the current mode: its keys, then the global ones.
pub fn help_lines(app: &App) -> Vec<(String, String)> {
    help_entries(app).into_iter().map(|(k, d, _)| (k, d)).collect()
}

/// Whether the user may do `a` now, by the service's answers: its role table, and for an
/// action on an order, what the user may do to the order in focus.
fn allowed_now(app: &App, a: super::action::Action) -> bool {
    if let Some(p) = a.permission() {
        return p.allows(&app.actor);
    }
    match (a.on_order(), app.focused_order().and_then(|po| app.order_actions(po))) {
        (Some(action), Some(answer)) => answer.allows(action),
        _ => true,
    }
}

/// [`help_lines`], each with whether the user may do it now (the rest is greyed out).
pub(crate) fn help_entries(app: &App) -> Vec<(String, String, bool)> {
    let mode = app.mode();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let text_keys: &[(&str, &str)] = match mode {
        Mode::Scan => &[
            ("enter", "commit the scan (or pick the highlighted line)"),
            ("esc", "stop serials / pick list; again: leave the scan box"),
            ("*N", "typed, then a scan: receive N (or N serials follow)"),
        ],
        _ => &[],
    };
    for (k, d) in text_keys {
        out.push((k.to_string(), d.to_string(), true));
    }
    let modes: &[Mode] = if mode.is_text() { &[mode] } else { &[mode, Mode::Global] };
    for m in modes {
        for (a, keys) in app.keymap.bindings(*m) {
            let keys: Vec<String> = keys.iter().filter(|k| seen.insert(**k)).map(|k| k.label()).collect();
            if !keys.is_empty() {
                out.push((keys.join(" "), a.describe().to_string(), allowed_now(app, *a)));
            }
        }
    }
    out.push(("f1".into(), "help, everywhere".into(), true));
    out.push(("ctrl-c".into(), "quit, everywhere".into(), true));
    out
}

fn draw_help(app: &App, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let entries = help_entries(app);
    let rows_fit = area.height.saturating_sub(2) as usize;
    // One column when it fits, else two; each description wraps under itself.
    let mut columns: usize = 1;
    let (key_w, lines) = loop {
        let width = if columns == 1 { area.width.min(78) } else { area.width };
        let col_w = width.saturating_sub(2) as usize / columns;
        let key_w = if columns == 1 { 20 } else { 12 };
        let desc_w = col_w.saturating_sub(key_w + 2).max(8);
        let lines = help_rows(&entries, desc_w);
        if columns == 2 || lines.len() <= rows_fit {
            break (key_w, lines);
        }
        columns = 2;
    };
    let per_col = help_split(&lines, columns);
    let width = if columns == 1 { 78 } else { area.width };
    let rect = centered(area, width, per_col as u16 + 2);
    f.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Help · {} keys (Esc closes) ", app.pane.title()),
            th.title,
        ))
        .border_style(th.border_focused);
    let inner = block.inner(rect);
    f.render_widget(block.style(th.base), rect);
    let cols = Layout::horizontal(std::iter::repeat_n(Constraint::Ratio(1, columns as u32), columns)).split(inner);
    let mut start = 0;
    for col in cols.iter() {
        let mut end = (start + per_col).min(lines.len());
        // A description is not split over two columns.
        while end < lines.len() && lines[end].0.is_empty() && end > start {
            end -= 1;
        }
        let text: Vec<Line> = lines[start..end]
            .iter()
            .map(|(k, d, allowed)| {
                // What the user may not do now is greyed out.
                let (key, text) = if *allowed {
                    (th.key, th.base)
                } else {
                    (th.muted, th.muted)
                };
                Line::from(vec![
                    Span::styled(format!("{:>key_w$}  ", super::widgets::clip(k, key_w)), key),
                    Span::styled(d.clone(), text),
                ])
            })
            .collect();
        f.render_widget(Paragraph::new(text), *col);
        start = end;
    }
}

/// The help entries as screen lines: a key and the first line of its description, then
/// the rest of the description under it (with an empty key).
fn help_rows(entries: &[(String, String, bool)], desc_w: usize) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for (k, d, allowed) in entries {
        for (i, part) in super::widgets::wrap_words(d, desc_w).into_iter().enumerate() {
            let key = if i == 0 { k.clone() } else { String::new() };
            out.push((key, part, *allowed));
        }
    }
    out
}

/// How many lines each of `columns` columns holds, so that no description is split.
fn help_split(lines: &[(String, String, bool)], columns: usize) -> usize {
    let per = lines.len().div_ceil(columns.max(1));
    // Room for a description pushed whole into the next column.
    let longest = {
        let mut run = 0usize;
        let mut max = 0usize;
        for (k, _, _) in lines {
            run = if k.is_empty() { run + 1 } else { 1 };
            max = max.max(run);
        }
        max
    };
    per + if columns > 1 { longest.saturating_sub(1) } else { 0 }
}
