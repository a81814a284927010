//! Settings (admins): the ordered approval rules.

use crate::domain::money::parse_amount;
use crate::domain::{ApprovalRule, Role};
use crate::tui::action::Action;
use crate::tui::error::FormError;
use crate::tui::form::{Confirm, Dialog, Field, Form, Purpose};
use crate::tui::screen::App;
use crate::tui::widgets::Cursor;
use crate::tui::worker::Command;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

#[derive(Debug, Default)]
pub struct SettingsPane {
    pub cursor: Cursor,
}

impl App {
    pub(crate) fn settings_act(&mut self, a: Action) {
        let n = self.data.rules.len();
        if App::navigate(&mut self.settings.cursor, a, n) {
            return;
        }
        match a {
            Action::Back => {
                let p = self.prev_pane;
                self.switch(p);
            }
            Action::AddRule => {
                let approvers: Vec<String> = self
                    .config
                    .users
                    .keys()
                    .filter(|u| self.config.roles_of(u).is_some_and(|r| r.has(Role::Approver)))
                    .cloned()
                    .collect();
                if approvers.is_empty() {
                    return self.info(
                        crate::tui::screen::Tone::Error,
                        "no configured user has the approver role",
                    );
                }
                let form = Form::new(
                    "Add approval rule",
                    Purpose::AddRule,
                    vec![
                        Field::text("From", ""),
                        Field::text("To (empty: no limit)", ""),
                        Field::choice("Approver", approvers, 0),
                    ],
                )
                .with_note(
                    "Orders totalling From ≤ total ≤ To need the approver. Rules apply to orders created from now on.",
                );
                self.dialog = Some(Dialog::Form(form));
            }
            Action::RemoveRule if n > 0 => {
                let i = self.settings.cursor.sel.min(n - 1);
                let text = format!("Remove rule {}: {}?", i + 1, self.data.rules[i].describe());
                self.dialog = Some(Dialog::Confirm {
                    text,
                    what: Confirm::RemoveRule(i + 1),
                });
            }
            _ => {}
        }
    }
}

pub(super) fn add_rule_command(form: &Form) -> Result<Command, FormError> {
    let from = parse_amount(form.get("From").value()).map_err(|why| FormError::Amount { field: "From", why })?;
    let to_text = form.get("To (empty: no limit)").value().trim();
    let to = if to_text.is_empty() {
        None
    } else {
        Some(parse_amount(to_text).map_err(|why| FormError::Amount { field: "To", why })?)
    };
    Ok(Command::AddRule(ApprovalRule {
        from,
        to,
        approver: form.get("Approver").value().to_string(),
    }))
}

/// Draws the view.
pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let block = Block::bordered()
        .title(Span::styled(
            " Settings · approval rules (first match whose approver is not the creator decides) ",
            th.title,
        ))
        .border_style(th.border_focused);
    let mut lines = Vec::new();
    if !app.data.rules_loaded {
        lines.push(Line::from(Span::styled("loading…", th.muted)));
    } else if app.data.rules.is_empty() {
        lines.push(Line::from(Span::styled(
            "no rules: no order needs approval (a adds one)",
            th.muted,
        )));
    }
    for (i, r) in app.data.rules.iter().enumerate() {
        let style = if i == app.settings.cursor.sel {
            th.selected
        } else {
            th.base
        };
        lines.push(Line::from(Span::styled(
            format!("{:>3}. {}", i + 1, r.describe()),
            style,
        )));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(
            "{} adds a rule · {} removes the selected one · {} goes back",
            app.keymap.hint(crate::tui::action::Mode::Settings, Action::AddRule),
            app.keymap.hint(crate::tui::action::Mode::Settings, Action::RemoveRule),
            app.keymap.hint(crate::tui::action::Mode::Settings, Action::Back)
        ),
        th.muted,
    )));
    f.render_widget(Paragraph::new(lines).block(block), area);
}
