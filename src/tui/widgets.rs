//! Small drawing helpers shared by the panes.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

/// How a status message looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Tone {
    Info,
    Ok,
    Warn,
    Error,
}

/// A selection in a list, with the scroll offset the last frame used. The offset is a
/// `Cell` so drawing (which takes `&self`) can keep the selection in view without
/// changing anything else.
#[derive(Debug, Clone, Default)]
pub struct Cursor {
    pub sel: usize,
    offset: std::cell::Cell<usize>,
}

impl Cursor {
    pub fn up(&mut self, n: usize) {
        self.sel = self.sel.saturating_sub(n);
    }

    pub fn down(&mut self, n: usize, len: usize) {
        self.sel = (self.sel + n).min(len.saturating_sub(1));
    }

    pub fn top(&mut self) {
        self.sel = 0;
    }

    pub fn bottom(&mut self, len: usize) {
        self.sel = len.saturating_sub(1);
    }

    pub fn clamp(&mut self, len: usize) {
        self.sel = self.sel.min(len.saturating_sub(1));
    }

    /// The rows `start..end` to draw in `height` rows, keeping the selection visible.
    pub fn window(&self, len: usize, height: usize) -> (usize, usize) {
        if height == 0 || len == 0 {
            return (0, 0);
        }
        let sel = self.sel.min(len - 1);
        let mut off = self.offset.get().min(len.saturating_sub(1));
        if sel < off {
            off = sel;
        } else if sel >= off + height {
            off = sel + 1 - height;
        }
        if off + height > len {
            off = len.saturating_sub(height);
        }
        self.offset.set(off);
        (off, (off + height).min(len))
    }
}

/// A count for people: digits grouped by thousands (`100,000`).
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// Cuts `s` to `n` characters, marking the cut with `…`. Control characters are left out
/// first, as the terminal never shows them, so the cut falls where the reader sees it.
pub fn clip(s: &str, n: usize) -> String {
    let s = crate::domain::text::printable(s);
    if s.chars().count() <= n {
        s.to_string()
    } else if n == 0 {
        String::new()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

/// How many characters of `s` the terminal shows (control characters left out).
pub fn printable_len(s: &str) -> usize {
    crate::domain::text::printable(s).chars().count()
}

/// Cuts `s` to `n` characters from the left, marking the cut with `…` at the left: an
/// amount is read from its right end, and a cut amount must never pass for a smaller one.
pub fn clip_left(s: &str, n: usize) -> String {
    let count = s.chars().count();
    if count <= n {
        s.to_string()
    } else if n == 0 {
        String::new()
    } else {
        let mut out = String::from("…");
        out.extend(s.chars().skip(count - (n - 1)));
        out
    }
}

/// How a table column takes its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// Always this wide.
    Fixed(u16),
    /// At least `min`, and a share (`weight`) of what is left.
    Fill { min: u16, weight: u16 },
    /// As wide as its widest visible value (an amount: never cut while the table fits).
    Amount,
}

/// One column of a [`Grid`]: its title, its width, whether it is right-aligned, and how
/// long it stays when the table does not fit (the lowest `keep` goes first).
#[derive(Debug, Clone)]
pub struct Col {
    pub title: String,
    pub width: Width,
    pub right: bool,
    pub keep: u8,
}

impl Col {
    pub fn fixed(title: &str, w: u16, keep: u8) -> Col {
        Col {
            title: title.to_string(),
            width: Width::Fixed(w),
            right: false,
            keep,
        }
    }

    pub fn fill(title: &str, min: u16, weight: u16, keep: u8) -> Col {
        Col {
            title: title.to_string(),
            width: Width::Fill { min, weight },
            right: false,
            keep,
        }
    }

    /// An amount: right-aligned, as wide as its widest value, cut only at the left with `…`.
    pub fn amount(title: &str, keep: u8) -> Col {
        Col {
            title: title.to_string(),
            width: Width::Amount,
            right: true,
            keep,
        }
    }

    pub fn right(mut self) -> Col {
        self.right = true;
        self
    }

    /// Marks the column as the one the rows are sorted by (▲ ascending, ▼ descending).
    pub fn sorted(mut self, desc: bool) -> Col {
        self.title.push_str(if desc { "▼" } else { "▲" });
        self
    }
}

/// One cell: its text and, if it differs from its row's, its style.
#[derive(Debug, Clone)]
pub struct GridCell {
    pub text: String,
    pub style: Option<Style>,
}

impl<T: Into<String>> From<T> for GridCell {
    fn from(t: T) -> GridCell {
        GridCell {
            text: t.into(),
            style: None,
        }
    }
}

/// A table every pane draws alike: the columns that fit (the least needed go first when
/// the area is narrow), amounts as wide as their widest visible value, text cut with
/// `…`. Only the visible rows are given, so a frame's work follows the screen, not the list.
pub struct Grid {
    pub cols: Vec<Col>,
    pub rows: Vec<(Vec<GridCell>, Style)>,
    pub header: Style,
}

const SPACING: u16 = 1;

/// The cells the kept columns take, with the spaces between them.
fn used(need: &[u16], kept: &[bool]) -> u16 {
    let n = kept.iter().filter(|k| **k).count() as u16;
    need.iter().zip(kept).filter(|(_, k)| **k).map(|(w, _)| *w).sum::<u16>() + n.saturating_sub(1) * SPACING
}

impl Grid {
    /// The width each column gets in `width` cells, `None` for a column left out.
    pub fn widths(&self, width: u16) -> Vec<Option<u16>> {
        let need = self.needs();
        let kept = self.kept(&need, width);
        let mut out: Vec<Option<u16>> = need.iter().zip(&kept).map(|(w, k)| k.then_some(*w)).collect();
        self.share_fill(&mut out, width.saturating_sub(used(&need, &kept)));
        // A lone column wider than the area is narrowed to it.
        for w in out.iter_mut().flatten() {
            *w = (*w).min(width);
        }
        out
    }

    /// The least width of each column: its own, its minimum, or its widest value.
    fn needs(&self) -> Vec<u16> {
        self.cols
            .iter()
            .enumerate()
            .map(|(i, c)| match c.width {
                Width::Fixed(w) => w,
                Width::Fill { min, .. } => min,
                Width::Amount => self
                    .rows
                    .iter()
                    .filter_map(|(cells, _)| cells.get(i))
                    .map(|c| c.text.chars().count())
                    .chain([c.title.chars().count()])
                    .max()
                    .unwrap_or(0) as u16,
            })
            .collect()
    }

    /// Which columns stay in `width`: the one with the lowest `keep` (the rightmost of
    /// equals) goes first, until the rest fit or one is left.
    fn kept(&self, need: &[u16], width: u16) -> Vec<bool> {
        let mut kept = vec![true; self.cols.len()];
        while used(need, &kept) > width && kept.iter().filter(|k| **k).count() > 1 {
            let drop = (0..self.cols.len())
                .filter(|i| kept[*i])
                .min_by_key(|i| (self.cols[*i].keep, std::cmp::Reverse(*i)));
            match drop {
                Some(i) => kept[i] = false,
                None => break,
            }
        }
        kept
    }

    /// Gives `left` cells to the kept fill columns, by their weights.
    fn share_fill(&self, out: &mut [Option<u16>], left: u16) {
        let weight_of = |c: &Col| match c.width {
            Width::Fill { weight, .. } => weight,
            _ => 0,
        };
        let fills: Vec<usize> = (0..self.cols.len())
            .filter(|i| out[*i].is_some() && matches!(self.cols[*i].width, Width::Fill { .. }))
            .collect();
        let weights: u16 = fills.iter().map(|i| weight_of(&self.cols[*i])).sum();
        let Some(last) = fills.last().copied() else { return };
        let mut given = 0;
        for i in &fills {
            let share = if *i == last {
                left - given
            } else {
                let part = u32::from(left) * u32::from(weight_of(&self.cols[*i]));
                part.checked_div(u32::from(weights)).unwrap_or(0) as u16
            };
            given += share;
            if let Some(w) = out[*i].as_mut() {
                *w += share;
            }
        }
    }

    /// `text` as it fits `w` cells: as it is when it fits (no copy), else cut with `…`
    /// (at the left for an amount).
    fn fit(col: &Col, w: u16, text: String) -> String {
        let w = w as usize;
        let fits = text.len() <= w || text.chars().count() <= w;
        if fits && !text.chars().any(char::is_control) {
            text
        } else if matches!(col.width, Width::Amount) {
            clip_left(&text, w)
        } else {
            clip(&text, w)
        }
    }

    /// Draws the header and the rows into `area`.
    pub fn render(self, f: &mut Frame, area: Rect) {
        let widths = self.widths(area.width);
        let shown: Vec<(usize, u16)> = widths
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.map(|w| (i, w)))
            .collect();
        let cols = &self.cols;
        let line = |col: &Col, w: u16, text: String, style: Option<Style>| {
            let text = Self::fit(col, w, text);
            let span = match style {
                Some(s) => Span::styled(text, s),
                None => Span::raw(text),
            };
            let line = Line::from(span);
            if col.right {
                line.right_aligned()
            } else {
                line
            }
        };
        let header = Row::new(
            shown
                .iter()
                .map(|(i, w)| Cell::from(line(&cols[*i], *w, cols[*i].title.clone(), None))),
        )
        .style(self.header);
        let rows: Vec<Row> = self
            .rows
            .into_iter()
            .map(|(cells, style)| {
                let mut cells: Vec<Option<GridCell>> = cells.into_iter().map(Some).collect();
                Row::new(shown.iter().map(|(i, w)| {
                    let c = cells.get_mut(*i).and_then(Option::take);
                    let (text, st) = c.map_or((String::new(), None), |c| (c.text, c.style));
                    Cell::from(line(&cols[*i], *w, text, st))
                }))
                .style(style)
            })
            .collect();
        let constraints = shown.iter().map(|(_, w)| Constraint::Length(*w));
        f.render_widget(
            Table::new(rows, constraints).header(header).column_spacing(SPACING),
            area,
        );
    }
}

/// `text` broken into lines of at most `width` characters, at blanks where it can (a
/// word longer than a line is broken inside): what a reader sees of it, all of it.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() <= width {
            line.push(' ');
            line.extend(&word);
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            lines.push(word.drain(..width).collect());
        }
        line.extend(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A search box over a list: what is typed, whether it has the focus, and its words.
/// A row matches when every word is found (ignoring case) in one of its texts, in any
/// order: `dental 9142`.
#[derive(Debug, Default)]
pub struct SearchBox {
    pub input: tui_input::Input,
    pub focused: bool,
    /// The typed words, lower-case.
    words: Vec<String>,
}

impl SearchBox {
    /// A key typed into the box; returns whether the words changed.
    pub fn key(&mut self, ev: &crossterm::event::KeyEvent) -> bool {
        use crossterm::event::KeyCode;
        use tui_input::backend::crossterm::EventHandler;
        match ev.code {
            KeyCode::Esc | KeyCode::Enter => {
                self.focused = false;
                false
            }
            _ => {
                self.input.handle_event(&crossterm::event::Event::Key(*ev));
                self.set_words()
            }
        }
    }

    /// Pasted text, in one go; returns whether the words changed.
    pub fn paste(&mut self, text: &str) -> bool {
        crate::tui::input::insert_at_cursor(&mut self.input, text);
        self.set_words()
    }

    fn set_words(&mut self) -> bool {
        let words: Vec<String> = self
            .input
            .value()
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let changed = words != self.words;
        self.words = words;
        changed
    }

    pub fn clear(&mut self) {
        self.input.reset();
        self.words.clear();
    }

    /// Whether a search is typed (the list is narrowed).
    pub fn is_active(&self) -> bool {
        !self.words.is_empty()
    }

    /// Whether the box is shown: it has the focus or holds a search.
    pub fn shown(&self) -> bool {
        self.focused || !self.input.value().is_empty()
    }

    /// Whether every word is in one of `texts`.
    pub fn matches(&self, texts: &[&str]) -> bool {
        self.words.iter().all(|w| {
            texts
                .iter()
                .any(|t| crate::domain::item::contains_ignore_ascii_case(t, w))
        })
    }

    /// Draws `Search: …` into the one-line `area`, with the cursor when focused.
    pub fn render(&self, th: &super::theme::Theme, f: &mut Frame, area: Rect) {
        let label = "Search: ";
        let style = if self.focused { th.input } else { th.muted };
        let w = area.width.saturating_sub(label.len() as u16) as usize;
        let scroll = self.input.visual_scroll(w);
        let line = Line::from(vec![
            Span::styled(label, th.accent),
            Span::styled(
                format!("{:<w$}", self.input.value().chars().skip(scroll).collect::<String>()),
                style,
            ),
        ]);
        f.render_widget(ratatui::widgets::Paragraph::new(line), area);
        if self.focused {
            let x = (self.input.visual_cursor().max(scroll) - scroll) as u16;
            f.set_cursor_position((area.x + label.len() as u16 + x, area.y));
        }
    }
}

/// "3m", "5h", "2d" since `then`.
pub fn age(now: crate::domain::Timestamp, then: crate::domain::Timestamp) -> String {
    let secs = (now - then).num_seconds().max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        for (n, said) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1000, "1,000"),
            (100_000, "100,000"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(count(n), said);
        }
    }

    #[test]
    fn the_window_follows_the_selection() {
        let mut c = Cursor::default();
        assert_eq!(c.window(100, 10), (0, 10));
        c.down(15, 100);
        assert_eq!(c.window(100, 10), (6, 16));
        c.up(3);
        assert_eq!(c.window(100, 10), (6, 16), "no jump while inside");
        c.bottom(100);
        assert_eq!(c.window(100, 10), (90, 100));
        assert_eq!(c.window(5, 10), (0, 5));
    }

    #[test]
    fn wrapping_keeps_every_word() {
        assert_eq!(
            wrap_words("mark the item and move down", 10),
            vec!["mark the", "item and", "move down"]
        );
        assert_eq!(wrap_words("abcdefghij-klm x", 5), vec!["abcde", "fghij", "-klm", "x"]);
        assert_eq!(wrap_words("", 5), vec![""]);
    }

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
