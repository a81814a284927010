//! Pane 1, Pending: the pool of items waiting for an order.
//!
//! Creating an order from the marked items (its form and command) is in `create_order`.

use crate::app::{OrderAction, OrderActions};
use crate::domain::item::ItemFilter;
use crate::domain::money::group_thousands;
use crate::domain::{ItemId, ItemState, PendingItem};
use crate::tui::action::Action;
use crate::tui::error::FormError;
use crate::tui::form::{Dialog, Field, Form, PickPurpose, Picker, Purpose};
use crate::tui::screen::{App, Tone};
use crate::tui::widgets::{clip, Cursor};
use crate::tui::worker::Command;
use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

mod create_order;

/// Columns the list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Id,
    Customer,
    Quote,
    Sku,
    Quantity,
    Cost,
    Distributor,
}

impl SortKey {
    fn next(self) -> SortKey {
        use SortKey::*;
        match self {
            Id => Customer,
            Customer => Quote,
            Quote => Sku,
            Sku => Quantity,
            Quantity => Cost,
            Cost => Distributor,
            Distributor => Id,
        }
    }

    fn label(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::Customer => "customer",
            SortKey::Quote => "quote",
            SortKey::Sku => "SKU",
            SortKey::Quantity => "qty",
            SortKey::Cost => "cost",
            SortKey::Distributor => "distributor",
        }
    }
}

#[derive(Debug, Default)]
pub struct PendingPane {
    pub filter: Input,
    pub filter_focus: bool,
    /// Show dismissed items instead of the pool.
    pub dismissed: bool,
    pub sort: SortKey,
    pub desc: bool,
    /// Indices into `Data::items` of the rows shown, in display order.
    pub view: Vec<u32>,
    pub cursor: Cursor,
    pub marks: BTreeSet<ItemId>,
    /// Totals of the rows shown, per currency.
    pub totals: BTreeMap<String, Decimal>,
    seen: Option<(u64, String, bool)>,
}

fn quote_label(i: &PendingItem) -> &str {
    i.quote_number.as_deref().unwrap_or(&i.quote_id)
}

impl App {
    /// The item on the selected row.
    pub(crate) fn pending_selected(&self) -> Option<ItemId> {
        let p = &self.pending;
        p.view
            .get(p.cursor.sel)
            .and_then(|i| self.data.items.get(*i as usize))
            .map(|i| i.id)
    }

    /// Filters and sorts the rows again (incrementally when the filter only grew).
    pub fn pending_refresh(&mut self) {
        let selected = self.pending_selected();
        self.pending_refresh_keeping(selected);
    }

    /// [`App::pending_refresh`] after the items changed: the rows were numbered for the
    /// old items, so the caller says which item was selected before.
    pub(crate) fn pending_refresh_keeping(&mut self, selected: Option<ItemId>) {
        let p = &mut self.pending;
        let items = &self.data.items;
        let needle = p.filter.value().trim().to_ascii_lowercase();
        let filter = ItemFilter {
            dismissed_only: p.dismissed,
            text: Some(needle.clone()).filter(|n| !n.is_empty()),
            ..Default::default()
        };
        let incremental = p
            .seen
            .as_ref()
            .is_some_and(|(g, n, d)| *g == self.data.items_gen && *d == p.dismissed && needle.starts_with(n.as_str()));
        if incremental {
            p.view.retain(|i| filter.matches(&items[*i as usize]));
        } else {
            p.view = (0..items.len() as u32)
                .filter(|i| filter.matches(&items[*i as usize]))
                .collect();
            sort_view(&mut p.view, items, p.sort, p.desc);
        }
        p.seen = Some((self.data.items_gen, needle, p.dismissed));
        p.totals.clear();
        for i in &p.view {
            let it = &items[*i as usize];
            *p.totals.entry(it.currency.to_string()).or_default() += it.total_cost();
        }
        if let Some(id) = selected {
            if let Some(pos) = p.view.iter().position(|i| items[*i as usize].id == id) {
                p.cursor.sel = pos;
            }
        }
        p.cursor.clamp(p.view.len());
    }

    fn pending_resort(&mut self) {
        sort_view(
            &mut self.pending.view,
            &self.data.items,
            self.pending.sort,
            self.pending.desc,
        );
        self.info(
            Tone::Info,
            format!(
                "sorted by {}{}",
                self.pending.sort.label(),
                if self.pending.desc { ", descending" } else { "" }
            ),
        );
    }

    fn current_item(&self) -> Option<&PendingItem> {
        self.pending
            .view
            .get(self.pending.cursor.sel)
            .map(|i| &self.data.items[*i as usize])
    }

    /// The marked items, or the one under the cursor.
    fn targets(&self) -> Vec<&PendingItem> {
        if self.pending.marks.is_empty() {
            return self.current_item().into_iter().collect();
        }
        self.pending
            .marks
            .iter()
            .filter_map(|id| {
                self.data
                    .items
                    .binary_search_by_key(id, |i| i.id)
                    .ok()
                    .map(|i| &self.data.items[i])
            })
            .collect()
    }

    pub(crate) fn pending_filter_key(&mut self, ev: &KeyEvent) {
        match ev.code {
            KeyCode::Esc | KeyCode::Enter => self.pending.filter_focus = false,
            KeyCode::Up | KeyCode::Down => {
                self.pending.filter_focus = false;
                let a = if ev.code == KeyCode::Up {
                    Action::Up
                } else {
                    Action::Down
                };
                App::navigate(&mut self.pending.cursor, a, self.pending.view.len());
            }
            _ => {
                if self.pending.filter.handle_event(&Event::Key(*ev)).is_some() {
                    self.pending_refresh();
                }
            }
        }
    }

    pub(crate) fn pending_act(&mut self, a: Action) {
        let len = self.pending.view.len();
        if App::navigate(&mut self.pending.cursor, a, len) {
            return;
        }
        match a {
            Action::Filter => self.pending.filter_focus = true,
            Action::ClearFilter => {
                self.pending.filter.reset();
                self.pending_refresh();
            }
            Action::Sort => {
                self.pending.sort = self.pending.sort.next();
                self.pending_resort();
            }
            Action::ReverseSort => {
                self.pending.desc = !self.pending.desc;
                self.pending_resort();
            }
            Action::Mark => {
                if let Some(id) = self.current_item().map(|i| i.id) {
                    if !self.pending.marks.remove(&id) {
                        self.pending.marks.insert(id);
                    }
                    self.pending.cursor.down(1, len);
                }
            }
            Action::MarkAll => self.mark_all(),
            Action::ClearMarks => self.pending.marks.clear(),
            Action::ImportQuotes => {
                let form = Form::new(
                    "Import approved quotes",
                    Purpose::ImportQuotes,
                    vec![Field::text("Files", "")],
                )
                .with_note(
                    "Paths of JSON or CSV quote files, separated by spaces; each file imports whole or not at all.",
                );
                self.dialog = Some(Dialog::Form(form));
            }
            Action::LatestCost => self.ask_latest_cost(),
            Action::ShowDismissed => {
                self.pending.dismissed = !self.pending.dismissed;
                self.pending.marks.clear();
                self.pending_refresh();
                let what = if self.pending.dismissed {
                    "dismissed items (r restores)"
                } else {
                    "the pool"
                };
                self.info(Tone::Info, format!("showing {what}"));
            }
            Action::Dismiss => self.open_dismiss(),
            Action::Restore => self.restore_marked(),
            Action::Split => self.open_split(),
            Action::CreateOrder => self.open_create_order(),
            Action::AddToOrder => self.pick_order_to_add_to(),
            _ => {}
        }
    }

    /// Marks every row shown, or clears the marks when all are marked already.
    fn mark_all(&mut self) {
        let ids: Vec<ItemId> = self
            .pending
            .view
            .iter()
            .map(|i| self.data.items[*i as usize].id)
            .collect();
        if ids.iter().all(|id| self.pending.marks.contains(id)) {
            self.pending.marks.clear();
        } else {
            self.pending.marks.extend(ids);
        }
    }

    /// The pool items marked (or the one under the cursor).
    fn pool_targets(&self) -> Vec<ItemId> {
        self.targets().iter().filter(|i| i.is_pending()).map(|i| i.id).collect()
    }

    fn ask_latest_cost(&mut self) {
        let ids = self.pool_targets();
        if ids.is_empty() {
            return self.info(Tone::Error, "nothing to price: choose pool items first");
        }
        self.info(
            Tone::Info,
            format!("asking the distributors about {} item(s)…", ids.len()),
        );
        self.send(Command::LatestCost { ids });
    }

    fn open_dismiss(&mut self) {
        let ids = self.pool_targets();
        if ids.is_empty() {
            return self.info(Tone::Error, "nothing to dismiss: mark pool items with space first");
        }
        let form = Form::new(
            &format!("Dismiss {} item(s)", ids.len()),
            Purpose::Dismiss(ids),
            vec![Field::text("Reason", "")],
        )
        .with_note("A reason is required; dismissed items can be restored (d shows them).");
        self.dialog = Some(Dialog::Form(form));
    }

    fn restore_marked(&mut self) {
        let ids: Vec<ItemId> = self
            .targets()
            .iter()
            .filter(|i| matches!(i.state, ItemState::Dismissed { .. }))
            .map(|i| i.id)
            .collect();
        if ids.is_empty() {
            return self.info(
                Tone::Error,
                "nothing to restore: press d to show dismissed items, then r",
            );
        }
        self.pending.marks.clear();
        self.send(Command::Restore { ids });
    }

    fn open_split(&mut self) {
        let Some(item) = self.current_item() else { return };
        let (id, qty, sku) = (item.id, item.quantity, item.sku.clone());
        let form = Form::new(
            &format!("Split item {id}"),
            Purpose::Split(id),
            vec![Field::text("Quantity to split off", "")],
        )
        .with_note(format!(
            "{sku}: {qty} units; the new item gets the quantity typed here."
        ));
        self.dialog = Some(Dialog::Form(form));
    }

    /// Opens the list of orders the marked items may be added to: those the service says
    /// the user may add items to now.
    fn pick_order_to_add_to(&mut self) {
        let ids = self.pool_targets();
        if ids.is_empty() {
            return self.info(Tone::Error, "nothing to add: mark pool items with space first");
        }
        let rows: Vec<(u64, String)> = self
            .data
            .orders
            .iter()
            .filter(|o| OrderActions::of(&self.config, &self.actor, o).allows(OrderAction::AddItems))
            .map(|o| {
                (
                    o.number.0,
                    format!(
                        "{}  {:<14} {:>14} {}  {} lines",
                        o.number,
                        clip(&self.config.distributor_name(&o.distributor), 14),
                        group_thousands(o.total()),
                        o.currency,
                        o.lines.len()
                    ),
                )
            })
            .collect();
        if rows.is_empty() {
            return self.info(Tone::Error, "no pending order to add to; create one with n");
        }
        let title = format!("Add {} item(s) to which pending order?", ids.len());
        self.dialog = Some(Dialog::Pick(Picker::new(
            &title,
            rows,
            false,
            PickPurpose::OrderFor(ids),
        )));
    }
}

pub(super) fn import_command(form: &Form) -> Result<Command, FormError> {
    let files = file_names(form.get("Files").value(), std::env::var_os("HOME").as_deref())?;
    if files.is_empty() {
        return Err(FormError::NoFiles);
    }
    Ok(Command::Import { files })
}

/// The file names typed, as a shell would split them: separated by blanks, a name with
/// blanks in quotes ('…' or "…") or with `\ `, and a leading `~/` for the home folder.
fn file_names(text: &str, home: Option<&std::ffi::OsStr>) -> Result<Vec<std::path::PathBuf>, FormError> {
    let mut names = Vec::new();
    let mut current: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.get_or_insert_with(String::new);
            }
            (None, '\\') => {
                if let Some(next) = chars.next() {
                    current.get_or_insert_with(String::new).push(next);
                }
            }
            (None, c) if c.is_whitespace() => names.extend(current.take()),
            (None, c) => current.get_or_insert_with(String::new).push(c),
        }
    }
    if let Some(q) = quote {
        return Err(FormError::UnclosedQuote(q));
    }
    names.extend(current);
    Ok(names
        .into_iter()
        .map(|n| match (n.strip_prefix("~/"), home) {
            (Some(rest), Some(home)) => std::path::Path::new(home).join(rest),
            _ => std::path::PathBuf::from(n),
        })
        .collect())
}

pub(super) fn dismiss_command(form: &Form, ids: &[ItemId]) -> Result<Command, FormError> {
    let reason = form.get("Reason").value().trim();
    if reason.is_empty() {
        return Err(FormError::ReasonRequired("dismiss"));
    }
    Ok(Command::Dismiss {
        ids: ids.to_vec(),
        reason: reason.to_string(),
    })
}

pub(super) fn split_command(form: &Form, id: ItemId) -> Result<Command, FormError> {
    let t = form.get("Quantity to split off").value().trim();
    let qty = t.parse::<u32>().map_err(|_| FormError::NotWholeNumber(t.to_string()))?;
    Ok(Command::Split { id, qty })
}

fn sort_view(view: &mut [u32], items: &[PendingItem], key: SortKey, desc: bool) {
    let get = |i: &u32| &items[*i as usize];
    match key {
        SortKey::Id => view.sort_by_key(|i| get(i).id),
        SortKey::Customer => view.sort_by(|a, b| get(a).customer_name.cmp(&get(b).customer_name)),
        SortKey::Quote => view.sort_by(|a, b| quote_label(get(a)).cmp(quote_label(get(b)))),
        SortKey::Sku => view.sort_by(|a, b| get(a).sku.cmp(&get(b).sku)),
        SortKey::Quantity => view.sort_by_key(|i| get(i).quantity),
        SortKey::Cost => view.sort_by_key(|i| get(i).unit_cost),
        SortKey::Distributor => view.sort_by(|a, b| get(a).distributor.cmp(&get(b).distributor)),
    }
    if desc {
        view.reverse();
    }
}

/// Draws the pane.
pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let p = &app.pending;
    let th = &app.theme;
    let block = Block::bordered()
        .title(Span::styled(title(app), th.title))
        .border_style(th.border);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let show_filter = p.filter_focus || !p.filter.value().is_empty();
    let [filter_area, table_area] =
        Layout::vertical([Constraint::Length(u16::from(show_filter)), Constraint::Min(0)]).areas(inner);
    if show_filter {
        render_filter(app, f, filter_area);
    }
    if !app.data.items_loaded {
        f.render_widget(Paragraph::new("loading pending items…").style(th.muted), table_area);
        return;
    }
    if p.view.is_empty() {
        let text = if p.dismissed {
            "no dismissed items"
        } else {
            "no pending items match"
        };
        f.render_widget(Paragraph::new(text).style(th.muted), table_area);
        return;
    }
    render_items(app, f, table_area);
}

/// The pane's title: what it shows, how many, marked, their totals, loading.
fn title(app: &App) -> String {
    let p = &app.pending;
    let totals = p
        .totals
        .iter()
        .map(|(c, t)| format!("{} {c}", group_thousands(*t)))
        .collect::<Vec<_>>()
        .join(" + ");
    let what = if p.dismissed {
        "Pending items — dismissed"
    } else {
        "Pending items"
    };
    let mut title = format!(" {what} · {} shown", p.view.len());
    if !p.marks.is_empty() {
        title.push_str(&format!(" · {} marked", p.marks.len()));
    }
    if !totals.is_empty() {
        title.push_str(&format!(" · total {totals}"));
    }
    if app.data.items_loaded && !app.data.items_done {
        title.push_str(&format!(" · loading {}…", app.data.items.len()));
    }
    title.push(' ');
    title
}

fn render_filter(app: &App, f: &mut Frame, filter_area: Rect) {
    let p = &app.pending;
    let th = &app.theme;
    let label = "Filter: ";
    let style = if p.filter_focus { th.input } else { th.muted };
    let w = filter_area.width.saturating_sub(label.len() as u16) as usize;
    let scroll = p.filter.visual_scroll(w);
    let line = Line::from(vec![
        Span::styled(label, th.accent),
        Span::styled(
            format!("{:<w$}", p.filter.value().chars().skip(scroll).collect::<String>()),
            style,
        ),
    ]);
    f.render_widget(Paragraph::new(line), filter_area);
    if p.filter_focus {
        let x = (p.filter.visual_cursor().max(scroll) - scroll) as u16;
        f.set_cursor_position((filter_area.x + label.len() as u16 + x, filter_area.y));
    }
}

fn render_items(app: &App, f: &mut Frame, table_area: Rect) {
    let p = &app.pending;
    let th = &app.theme;
    let wide = table_area.width >= 110;
    let height = table_area.height.saturating_sub(1) as usize;
    let (start, end) = p.cursor.window(p.view.len(), height);
    let rows = p.view[start..end].iter().enumerate().map(|(n, i)| {
        let it = &app.data.items[*i as usize];
        let marked = p.marks.contains(&it.id);
        let mut cells = vec![
            Cell::from(if marked { "●" } else { " " }),
            Cell::from(it.customer_name.to_string()),
            Cell::from(quote_label(it).to_string()),
            Cell::from(it.sku.to_string()),
            Cell::from(Line::from(it.quantity.to_string()).right_aligned()),
            Cell::from(Line::from(group_thousands(it.unit_cost)).right_aligned()),
            Cell::from(it.distributor.as_deref().unwrap_or("—").to_string()),
        ];
        if wide {
            cells.push(Cell::from(match &it.state {
                ItemState::Dismissed { reason, by, .. } => format!("{reason} ({by})"),
                _ => it.description.to_string(),
            }));
        }
        let style = if start + n == p.cursor.sel {
            th.selected
        } else if marked {
            th.marked
        } else {
            th.base
        };
        Row::new(cells).style(style)
    });
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Fill(2),
        Constraint::Length(9),
        Constraint::Fill(2),
        Constraint::Length(4),
        Constraint::Length(10),
        Constraint::Length(10),
    ];
    let mut header = vec!["", "Customer", "Quote", "SKU", " Qty", "Unit cost", "Distrib."];
    if wide {
        widths.push(Constraint::Fill(3));
        header.push(if p.dismissed { "Reason" } else { "Description" });
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(th.header))
        .column_spacing(1);
    f.render_widget(table, table_area);
}

#[cfg(test)]
mod file_name_tests {
    use super::file_names;
    use std::path::PathBuf;

    #[test]
    fn names_split_as_a_shell_would() {
        let home = Some(std::ffi::OsStr::new("/home/ann"));
        let got = file_names(r#"a.json  "/tmp/q dir/q 1.json" 'b c.csv' d\ e.json ~/in/f.json"#, home).unwrap();
        let want: Vec<PathBuf> = [
            "a.json",
            "/tmp/q dir/q 1.json",
            "b c.csv",
            "d e.json",
            "/home/ann/in/f.json",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(got, want);
        assert!(file_names("   ", home).unwrap().is_empty());
        assert!(file_names("\"open.json", home)
            .unwrap_err()
            .to_string()
            .contains("not closed"));
    }
}
