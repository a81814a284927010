//! Settings (admins): the ordered approval rules.

use super::{navigate, Ask, Ctx};
use crate::domain::money::parse_typed_amount;
use crate::domain::{ApprovalRule, Role};
use crate::tui::action::{Action, Mode};
use crate::tui::commands::Command;
use crate::tui::error::FormError;
use crate::tui::form::{Confirm, Dialog, Field, Form, Purpose};
use crate::tui::widgets::{Cursor, Tone};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// The approval rules, one selected.
#[derive(Debug, Default)]
pub struct SettingsPane {
    pub cursor: Cursor,
}

impl SettingsPane {
    /// The rules changed: the selection stays within them.
    pub fn rules_changed(&mut self, ctx: &Ctx) {
        self.cursor.clamp(ctx.data.rules.len());
    }

    pub fn handle(&mut self, a: Action, ctx: &Ctx) -> Vec<Ask> {
        let n = ctx.data.rules.len();
        if navigate(&mut self.cursor, a, n) {
            return Vec::new();
        }
        match a {
            Action::Back => vec![Ask::Back],
            Action::AddRule => vec![add_rule_form(ctx)],
            Action::RemoveRule if n > 0 => {
                let i = self.cursor.sel.min(n - 1);
                let text = format!("Remove rule {}: {}?", i + 1, ctx.data.rules[i].describe());
                vec![Ask::Dialog(Box::new(Dialog::Confirm {
                    text,
                    what: Confirm::RemoveRule(i + 1),
                }))]
            }
            _ => Vec::new(),
        }
    }

    /// Draws the view.
    pub fn render(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let th = ctx.theme;
        let block = Block::bordered()
            .title(Span::styled(
                " Settings · approval rules (first match whose approver is not the creator decides) ",
                th.title,
            ))
            .border_style(th.border_focused);
        let mut lines = Vec::new();
        if !ctx.data.rules_loaded {
            lines.push(Line::from(Span::styled("loading…", th.muted)));
        } else if ctx.data.rules.is_empty() {
            lines.push(Line::from(Span::styled(
                "no rules: no order needs approval (a adds one)",
                th.muted,
            )));
        }
        for (i, r) in ctx.data.rules.iter().enumerate() {
            let style = if i == self.cursor.sel { th.selected } else { th.base };
            lines.push(Line::from(Span::styled(
                format!("{:>3}. {}", i + 1, r.describe()),
                style,
            )));
        }
        lines.push(Line::default());
        let hint = |a| ctx.keymap.hint(Mode::Settings, a);
        lines.push(Line::from(Span::styled(
            format!(
                "{} adds a rule · {} removes the selected one · {} goes back",
                hint(Action::AddRule),
                hint(Action::RemoveRule),
                hint(Action::Back)
            ),
            th.muted,
        )));
        f.render_widget(Paragraph::new(lines).block(block), area);
    }
}

/// The form of a new rule; its approver is one of the configured approvers.
fn add_rule_form(ctx: &Ctx) -> Ask {
    let approvers: Vec<String> = ctx
        .config
        .users
        .keys()
        .filter(|u| ctx.config.roles_of(u).is_some_and(|r| r.has(Role::Approver)))
        .cloned()
        .collect();
    if approvers.is_empty() {
        return Ask::Say(Tone::Error, "no configured user has the approver role".into());
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
    .with_note("Orders totalling From ≤ total ≤ To need the approver. Rules apply to orders created from now on.");
    Ask::Dialog(Box::new(Dialog::Form(form)))
}

pub fn add_rule_command(form: &Form) -> Result<Command, FormError> {
    let from = parse_typed_amount(form.get("From").value()).map_err(|why| FormError::Amount { field: "From", why })?;
    let to_text = form.get("To (empty: no limit)").value().trim();
    let to = if to_text.is_empty() {
        None
    } else {
        Some(parse_typed_amount(to_text).map_err(|why| FormError::Amount { field: "To", why })?)
    };
    Ok(Command::AddRule(ApprovalRule {
        from,
        to,
        approver: form.get("Approver").value().to_string(),
    }))
}
