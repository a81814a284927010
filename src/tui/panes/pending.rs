//! Pane 1, Pending: the pool of items waiting for an order.
//!
//! Creating an order from the marked items (its form and command) is in `create_order`.

use super::{navigate, Ask, Ctx};
use crate::app::{OrderAction, OrderActions};
use crate::domain::item::ItemFilter;
use crate::domain::money::group_thousands;
use crate::domain::{ItemId, ItemState, PendingItem};
use crate::tui::action::Action;
use crate::tui::commands::Command;
use crate::tui::error::FormError;
use crate::tui::form::{Dialog, Field, Form, PickPurpose, Picker, Purpose};
use crate::tui::widgets::Tone;
use crate::tui::widgets::{clip, Col, Cursor, Grid, GridCell};
use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

mod create_order;
pub use create_order::{create_order_command, ship_to_arrived, type_chosen};

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

/// The Pending filter: the state shown, and every typed word (with its value as an item id).
struct Words<'a> {
    state: ItemFilter,
    words: Vec<(&'a str, Option<ItemId>)>,
}

impl Words<'_> {
    fn matches(&self, item: &PendingItem) -> bool {
        self.state.matches(item)
            && self
                .words
                .iter()
                .all(|(w, id)| *id == Some(item.id) || item.matches_text(w))
    }
}

fn quote_label(i: &PendingItem) -> &str {
    i.quote_number.as_deref().unwrap_or(&i.quote_id)
}

impl PendingPane {
    /// The item on the selected row.
    pub fn selected(&self, ctx: &Ctx) -> Option<ItemId> {
        self.view
            .get(self.cursor.sel)
            .and_then(|i| ctx.data.items.get(*i as usize))
            .map(|i| i.id)
    }

    /// Whether the filter has the focus (keys are typed into it).
    pub fn typing(&self) -> bool {
        self.filter_focus
    }

    /// Filters and sorts the rows again (incrementally when the filter only grew),
    /// keeping the item selected that was: after the items changed the rows were
    /// numbered for the old items, so the caller says which item that was.
    pub fn refresh(&mut self, ctx: &Ctx, selected: Option<ItemId>) {
        let items = &ctx.data.items;
        let needle = self.filter.value().trim().to_ascii_lowercase();
        // Several words: each must be found (in any field, or as the item's id), in any order.
        let words: Vec<(&str, Option<ItemId>)> = needle.split_whitespace().map(|w| (w, w.parse().ok())).collect();
        let state = ItemFilter {
            dismissed_only: self.dismissed,
            ..Default::default()
        };
        let filter = Words { state, words };
        let incremental = self.seen.as_ref().is_some_and(|(g, n, d)| {
            *g == ctx.data.items_gen && *d == self.dismissed && needle.starts_with(n.as_str())
        });
        if incremental {
            self.view.retain(|i| filter.matches(&items[*i as usize]));
        } else {
            self.view = (0..items.len() as u32)
                .filter(|i| filter.matches(&items[*i as usize]))
                .collect();
            sort_view(&mut self.view, items, self.sort, self.desc);
        }
        self.seen = Some((ctx.data.items_gen, needle, self.dismissed));
        self.totals.clear();
        for i in &self.view {
            let it = &items[*i as usize];
            *self.totals.entry(it.currency.to_string()).or_default() += it.total_cost();
        }
        // A mark of an item that left the list (ordered, dismissed or restored elsewhere) goes.
        let dismissed = self.dismissed;
        self.marks.retain(|id| {
            ctx.data
                .item(*id)
                .is_some_and(|i| matches!(i.state, ItemState::Dismissed { .. }) == dismissed)
        });
        if let Some(id) = selected {
            if let Some(pos) = self.view.iter().position(|i| items[*i as usize].id == id) {
                self.cursor.sel = pos;
            }
        }
        self.cursor.clamp(self.view.len());
    }

    fn refresh_in_place(&mut self, ctx: &Ctx) {
        let selected = self.selected(ctx);
        self.refresh(ctx, selected);
    }

    fn resort(&mut self, ctx: &Ctx) -> Ask {
        sort_view(&mut self.view, &ctx.data.items, self.sort, self.desc);
        Ask::Say(
            Tone::Info,
            format!(
                "sorted by {}{}",
                self.sort.label(),
                if self.desc { ", descending" } else { "" }
            ),
        )
    }

    fn current_item<'a>(&self, ctx: &Ctx<'a>) -> Option<&'a PendingItem> {
        self.view.get(self.cursor.sel).map(|i| &ctx.data.items[*i as usize])
    }

    /// The marked items, or the one under the cursor.
    fn targets<'a>(&self, ctx: &Ctx<'a>) -> Vec<&'a PendingItem> {
        if self.marks.is_empty() {
            return self.current_item(ctx).into_iter().collect();
        }
        self.marks
            .iter()
            .filter_map(|id| {
                ctx.data
                    .items
                    .binary_search_by_key(id, |i| i.id)
                    .ok()
                    .map(|i| &ctx.data.items[i])
            })
            .collect()
    }

    /// A key typed into the filter.
    pub fn filter_key(&mut self, ev: &KeyEvent, ctx: &Ctx) {
        match ev.code {
            KeyCode::Esc | KeyCode::Enter => self.filter_focus = false,
            KeyCode::Up | KeyCode::Down => {
                self.filter_focus = false;
                let a = if ev.code == KeyCode::Up {
                    Action::Up
                } else {
                    Action::Down
                };
                navigate(&mut self.cursor, a, self.view.len());
            }
            _ => {
                if self.filter.handle_event(&Event::Key(*ev)).is_some() {
                    self.refresh_in_place(ctx);
                }
            }
        }
    }

    /// Pasted text into the filter, in one go: the rows are filtered once, not once per
    /// character (with 100,000 items a long paste would hold the screens for seconds).
    pub fn paste_filter(&mut self, text: &str, ctx: &Ctx) {
        crate::tui::input::insert_at_cursor(&mut self.filter, text);
        self.refresh_in_place(ctx);
    }

    pub fn handle(&mut self, a: Action, ctx: &Ctx) -> Vec<Ask> {
        let len = self.view.len();
        if navigate(&mut self.cursor, a, len) {
            return Vec::new();
        }
        let ask = match a {
            Action::Filter => {
                self.filter_focus = true;
                Ask::Nothing
            }
            Action::ClearFilter => {
                self.filter.reset();
                self.refresh_in_place(ctx);
                Ask::Nothing
            }
            Action::Sort => {
                self.sort = self.sort.next();
                self.resort(ctx)
            }
            Action::ReverseSort => {
                self.desc = !self.desc;
                self.resort(ctx)
            }
            Action::Mark => {
                if let Some(id) = self.current_item(ctx).map(|i| i.id) {
                    if !self.marks.remove(&id) {
                        self.marks.insert(id);
                    }
                    self.cursor.down(1, len);
                }
                Ask::Nothing
            }
            Action::MarkAll => self.mark_all(ctx),
            Action::ClearMarks => {
                self.marks.clear();
                Ask::Nothing
            }
            Action::ImportQuotes => {
                let form = Form::new(
                    "Import approved quotes",
                    Purpose::ImportQuotes,
                    vec![Field::text("Files", "")],
                )
                .with_note(
                    "Paths of JSON or CSV quote files, separated by spaces; each file imports whole or not at all.",
                );
                Ask::Dialog(Box::new(Dialog::Form(form)))
            }
            Action::LatestCost => return self.ask_latest_cost(ctx),
            Action::ShowDismissed => {
                self.dismissed = !self.dismissed;
                self.marks.clear();
                self.refresh_in_place(ctx);
                let what = if self.dismissed {
                    "dismissed items (r restores)"
                } else {
                    "the pool"
                };
                Ask::Say(Tone::Info, format!("showing {what}"))
            }
            Action::Dismiss => self.dismiss_dialog(ctx),
            Action::Restore => self.restore_marked(ctx),
            Action::Split => self.split_dialog(ctx),
            Action::CreateOrder => return self.create_order_dialog(ctx),
            Action::AddToOrder => self.pick_order_to_add_to(ctx),
            _ => Ask::Nothing,
        };
        vec![ask]
    }

    /// Marks every row shown, or clears the marks when all are marked already.
    fn mark_all(&mut self, ctx: &Ctx) -> Ask {
        let ids: Vec<ItemId> = self.view.iter().map(|i| ctx.data.items[*i as usize].id).collect();
        if ids.iter().all(|id| self.marks.contains(id)) {
            self.marks.clear();
        } else {
            self.marks.extend(ids);
        }
        Ask::Nothing
    }

    /// The pool items marked (or the one under the cursor).
    fn pool_targets(&self, ctx: &Ctx) -> Vec<ItemId> {
        self.targets(ctx)
            .iter()
            .filter(|i| i.is_pending())
            .map(|i| i.id)
            .collect()
    }

    fn ask_latest_cost(&self, ctx: &Ctx) -> Vec<Ask> {
        let ids = self.pool_targets(ctx);
        if ids.is_empty() {
            return vec![Ask::Say(
                Tone::Error,
                "nothing to price: choose pool items first".into(),
            )];
        }
        vec![
            Ask::Say(
                Tone::Info,
                format!(
                    "asking the distributors about {} item(s)… (Esc stops waiting)",
                    ids.len()
                ),
            ),
            Ask::Call(Command::LatestCost { ids }),
        ]
    }

    fn dismiss_dialog(&self, ctx: &Ctx) -> Ask {
        let ids = self.pool_targets(ctx);
        if ids.is_empty() {
            return Ask::Say(
                Tone::Error,
                "nothing to dismiss: mark pool items with space first".into(),
            );
        }
        let form = Form::new(
            &format!("Dismiss {} item(s)", ids.len()),
            Purpose::Dismiss(ids),
            vec![Field::text("Reason", "")],
        )
        .with_note("A reason is required; dismissed items can be restored (d shows them).");
        Ask::Dialog(Box::new(Dialog::Form(form)))
    }

    fn restore_marked(&mut self, ctx: &Ctx) -> Ask {
        let ids: Vec<ItemId> = self
            .targets(ctx)
            .iter()
            .filter(|i| matches!(i.state, ItemState::Dismissed { .. }))
            .map(|i| i.id)
            .collect();
        if ids.is_empty() {
            return Ask::Say(
                Tone::Error,
                "nothing to restore: press d to show dismissed items, then r".into(),
            );
        }
        self.marks.clear();
        Ask::Send(Command::Restore { ids })
    }

    fn split_dialog(&self, ctx: &Ctx) -> Ask {
        let Some(item) = self.current_item(ctx) else {
            return Ask::Nothing;
        };
        let (id, qty, sku) = (item.id, item.quantity, item.sku.clone());
        let form = Form::new(
            &format!("Split item {id}"),
            Purpose::Split(id),
            vec![Field::text("Quantity to split off", "")],
        )
        .with_note(format!(
            "{sku}: {qty} units; the new item gets the quantity typed here."
        ));
        Ask::Dialog(Box::new(Dialog::Form(form)))
    }

    /// Opens the list of orders the marked items may be added to: those the service says
    /// the user may add items to now.
    fn pick_order_to_add_to(&self, ctx: &Ctx) -> Ask {
        let ids = self.pool_targets(ctx);
        if ids.is_empty() {
            return Ask::Say(Tone::Error, "nothing to add: mark pool items with space first".into());
        }
        let rows: Vec<(u64, String)> = ctx
            .data
            .orders
            .iter()
            .filter(|o| OrderActions::of(ctx.config, ctx.actor, o).allows(OrderAction::AddItems))
            .map(|o| {
                (
                    o.number.0,
                    format!(
                        "{}  {:<14} {:>14} {}  {} lines",
                        o.number,
                        clip(&ctx.config.distributor_name(&o.distributor), 14),
                        group_thousands(o.total()),
                        o.currency,
                        o.lines.len()
                    ),
                )
            })
            .collect();
        if rows.is_empty() {
            return Ask::Say(Tone::Error, "no pending order to add to; create one with n".into());
        }
        let title = format!("Add {} item(s) to which pending order?", ids.len());
        Ask::Dialog(Box::new(Dialog::Pick(Picker::new(
            &title,
            rows,
            false,
            PickPurpose::OrderFor(ids),
        ))))
    }

    /// The marks go once the items they marked are ordered (a create-order form was
    /// submitted).
    pub fn clear_marks(&mut self) {
        self.marks.clear();
    }
}

pub fn import_command(form: &Form) -> Result<Command, FormError> {
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

pub fn dismiss_command(form: &Form, ids: &[ItemId]) -> Result<Command, FormError> {
    let reason = form.get("Reason").value().trim();
    if reason.is_empty() {
        return Err(FormError::ReasonRequired("dismiss"));
    }
    Ok(Command::Dismiss {
        ids: ids.to_vec(),
        reason: reason.to_string(),
    })
}

pub fn split_command(form: &Form, id: ItemId) -> Result<Command, FormError> {
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

impl PendingPane {
    /// Draws the pane.
    pub fn render(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let p = self;
        let th = ctx.theme;
        let block = Block::bordered()
            .title(Span::styled(title(p, ctx), th.title))
            .border_style(th.border);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let show_filter = p.filter_focus || !p.filter.value().is_empty();
        let [filter_area, table_area] =
            Layout::vertical([Constraint::Length(u16::from(show_filter)), Constraint::Min(0)]).areas(inner);
        if show_filter {
            render_filter(p, ctx, f, filter_area);
        }
        if !ctx.data.items_loaded {
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
        render_items(p, ctx, f, table_area);
    }
}

/// The pane's title: what it shows, how many, marked, their totals, loading.
fn title(p: &PendingPane, ctx: &Ctx) -> String {
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
    let mut title = format!(" {what} · {} shown", crate::tui::widgets::count(p.view.len()));
    if !p.marks.is_empty() {
        title.push_str(&format!(" · {} marked", crate::tui::widgets::count(p.marks.len())));
    }
    if !totals.is_empty() {
        title.push_str(&format!(" · total {totals}"));
    }
    if ctx.data.items_loaded && !ctx.data.items_done {
        title.push_str(&format!(
            " · loading {}…",
            crate::tui::widgets::count(ctx.data.items.len())
        ));
    }
    title.push(' ');
    title
}

fn render_filter(p: &PendingPane, ctx: &Ctx, f: &mut Frame, filter_area: Rect) {
    let th = ctx.theme;
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

fn render_items(p: &PendingPane, ctx: &Ctx, f: &mut Frame, table_area: Rect) {
    let th = ctx.theme;
    let height = table_area.height.saturating_sub(1) as usize;
    let (start, end) = p.cursor.window(p.view.len(), height);
    let rows = p.view[start..end]
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let it = &ctx.data.items[*i as usize];
            let marked = p.marks.contains(&it.id);
            let cells: Vec<GridCell> = vec![
                (if marked { "●" } else { " " }).into(),
                it.id.to_string().into(),
                it.customer_name.to_string().into(),
                quote_label(it).to_string().into(),
                it.sku.to_string().into(),
                it.quantity.to_string().into(),
                group_thousands(it.unit_cost).into(),
                it.distributor.as_deref().unwrap_or("—").to_string().into(),
                match &it.state {
                    ItemState::Dismissed { reason, by, .. } => format!("{reason} ({by})"),
                    _ => it.description.to_string(),
                }
                .into(),
            ];
            let style = if start + n == p.cursor.sel {
                th.selected
            } else if marked {
                th.marked
            } else {
                th.base
            };
            (cells, style)
        })
        .collect();
    let mut cols = vec![
        Col::fixed("", 1, 9),
        Col::fixed("Id", 6, 6).right(),
        Col::fill("Customer", 8, 2, 8),
        Col::fixed("Quote", 9, 4),
        Col::fill("SKU", 8, 2, 7),
        Col::fixed("Qty", 4, 5).right(),
        Col::amount("Unit cost", 8),
        Col::fixed("Distrib.", 10, 3),
        Col::fill(if p.dismissed { "Reason" } else { "Description" }, 16, 3, 1),
    ];
    let sorted = match p.sort {
        SortKey::Id => 1,
        SortKey::Customer => 2,
        SortKey::Quote => 3,
        SortKey::Sku => 4,
        SortKey::Quantity => 5,
        SortKey::Cost => 6,
        SortKey::Distributor => 7,
    };
    cols[sorted] = cols[sorted].clone().sorted(p.desc);
    Grid {
        cols,
        rows,
        header: th.header,
    }
    .render(f, table_area);
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
