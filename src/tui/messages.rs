//! Every status message of the session, kept (the newest [`KEEP`]) so that one cut short
//! on the status line can be read whole: a scrollable overlay, newest first, wrapped.

use super::screen::{App, Tone};
use super::widgets::centered;
use crate::domain::Timestamp;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;
use std::cell::Cell;
use std::collections::VecDeque;

/// How many messages are kept: older ones are dropped.
pub const KEEP: usize = 300;

/// The messages, and the overlay's scroll position when it is open.
#[derive(Debug, Default)]
pub struct Messages {
    entries: VecDeque<(Timestamp, Tone, String)>,
    /// The first line shown, when open.
    open: Option<usize>,
    /// The last line the overlay can start at, as the last frame found it.
    last_start: Cell<usize>,
}

impl Messages {
    /// Keeps a message (the same message twice in a row is kept once, with its new time).
    pub fn push(&mut self, at: Timestamp, tone: Tone, text: &str) {
        if let Some(last) = self.entries.back_mut() {
            if last.1 == tone && last.2 == text {
                last.0 = at;
                return;
            }
        }
        self.entries.push_back((at, tone, text.to_string()));
        while self.entries.len() > KEEP {
            self.entries.pop_front();
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The texts kept, oldest first.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(_, _, t)| t.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    pub fn toggle(&mut self) {
        self.open = match self.open {
            Some(_) => None,
            None => Some(0),
        };
    }

    pub fn close(&mut self) {
        self.open = None;
    }

    /// Closes the overlay, returning where it was.
    pub fn take_open(&mut self) -> Option<usize> {
        self.open.take()
    }

    pub fn reopen(&mut self, at: Option<usize>) {
        if at.is_some() {
            self.open = at;
        }
    }

    /// One line up or down.
    pub fn scroll(&mut self, down: bool) {
        self.scroll_by(if down { 1 } else { -1 });
    }

    /// Moves by `n` lines (negative: up), within the messages.
    pub fn scroll_by(&mut self, n: isize) {
        if let Some(o) = &mut self.open {
            *o = o.saturating_add_signed(n).min(self.last_start.get());
        }
    }

    /// The line the overlay shows first, when open.
    pub fn offset(&self) -> Option<usize> {
        self.open
    }
}

/// Cuts `text` into lines of at most `w` characters, at spaces where it can.
pub fn wrap(text: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let (mut out, mut line, mut n) = (Vec::new(), String::new(), 0);
    for word in text.split(' ') {
        if n > 0 && n + 1 + word.chars().count() > w {
            out.push(std::mem::take(&mut line));
            n = 0;
        }
        if n > 0 {
            line.push(' ');
            n += 1;
        }
        for c in word.chars() {
            if n == w {
                out.push(std::mem::take(&mut line));
                n = 0;
            }
            line.push(c);
            n += 1;
        }
    }
    out.push(line);
    out
}

/// Draws the overlay over `area`.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let m = &app.messages;
    let rect = centered(area, area.width.saturating_sub(2).min(110), area.height);
    f.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(Span::styled(
            format!(
                " Messages · {} · newest first · ↑↓ PgUp PgDn scroll · Esc closes ",
                m.len()
            ),
            th.title,
        ))
        .border_style(th.border_focused);
    let inner = block.inner(rect);
    f.render_widget(block.style(th.base), rect);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    for (at, tone, text) in m.entries.iter().rev() {
        let style = match tone {
            Tone::Error => th.error,
            Tone::Warn => th.warn,
            Tone::Ok => th.ok,
            Tone::Info => th.base,
        };
        let stamp = format!("{} ", at.format("%H:%M:%S"));
        let text = crate::domain::text::printable(text);
        for (i, part) in wrap(&text, w.saturating_sub(stamp.len())).into_iter().enumerate() {
            let lead = if i == 0 { stamp.clone() } else { " ".repeat(stamp.len()) };
            lines.push(Line::from(vec![
                Span::styled(lead, th.muted),
                Span::styled(part, style),
            ]));
        }
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("no messages yet", th.muted)));
    }
    let last_start = lines.len().saturating_sub(inner.height as usize);
    m.last_start.set(last_start);
    let start = m.open.unwrap_or(0).min(last_start);
    let shown: Vec<Line> = lines.into_iter().skip(start).take(inner.height as usize).collect();
    f.render_widget(Paragraph::new(shown), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character() {
        let text = "PO-000004 line 2: the distributor answered 422 Unprocessable Entity averyveryverylongwordwithoutspaces end";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join("").replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn the_history_is_bounded_and_keeps_the_newest() {
        let mut m = Messages::default();
        let t: Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
        for i in 0..KEEP + 10 {
            m.push(t, Tone::Info, &format!("message {i}"));
        }
        m.push(t, Tone::Info, "same");
        m.push(t, Tone::Info, "same");
        assert_eq!(m.len(), KEEP);
        assert_eq!(m.entries.back().unwrap().2, "same");
        assert_eq!(m.entries.front().unwrap().2, "message 11");
    }
}
