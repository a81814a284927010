//! Small drawing helpers shared by the panes.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use std::cell::Cell;

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
    offset: Cell<usize>,
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
    fn clip_marks_the_cut() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
