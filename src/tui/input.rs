//! How keys, pastes and the mouse reach the screens.
//!
//! A barcode scanner types a code's characters far faster than a person, then Enter. Such
//! a burst is a scan wherever it arrives: it goes to the scan box of Receiving (for
//! receivers) or is refused with one message — it never runs keys' commands. The first
//! characters of a burst arrive before anyone can know it is one, so characters that
//! would act (outside the dock's scan box) are held back for [`crate::config::Ui::scan_gap`]
//! (20 ms by default, far less than anyone notices): when the next one comes sooner, they
//! are part of a run; a run ending in Enter (or Tab, the ending many scanners are set to)
//! is a burst; a run that stops is let through as the keys it was.

use super::form::{Dialog, FieldKind};
use super::keymap::Key;
use super::panes::Ctx;
use super::screen::{ctx, App, Pane, Tone};
use crate::app::Permission;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use std::time::{Duration, Instant};

/// Characters held back until it is known whether they are a person's keys or a scan.
#[derive(Debug, Default)]
pub struct Held {
    keys: Vec<(KeyEvent, Instant)>,
}

impl Held {
    /// When the held characters are let through as keys, if none follows sooner.
    pub fn due(&self, gap: Duration) -> Option<Instant> {
        // Just past the gap: a key exactly at the gap still belongs to the run.
        self.keys.last().map(|(_, at)| *at + gap + Duration::from_millis(1))
    }

    fn expired(&self, at: Instant, gap: Duration) -> bool {
        self.keys
            .last()
            .is_some_and(|(_, last)| at.saturating_duration_since(*last) > gap)
    }

    /// Whether an Enter (or Tab) arriving at `at` ends a burst: enough characters, each
    /// within `gap` of the one before, and the ending key too.
    fn is_burst(&self, at: Instant, gap: Duration, min_chars: usize) -> bool {
        self.keys.len() >= min_chars && !self.expired(at, gap)
    }

    fn text(&self) -> String {
        self.keys
            .iter()
            .filter_map(|(k, _)| match k.code {
                KeyCode::Char(c) => Some(c),
                _ => None,
            })
            .collect()
    }
}

/// Whether a key is the group separator as a terminal delivers it: the byte 29, read as
/// Ctrl+5 (crossterm) or Ctrl+].
fn is_group_separator(ev: &KeyEvent) -> bool {
    match ev.code {
        KeyCode::Char('\u{1d}') => true,
        KeyCode::Char('5' | ']') => ev.modifiers == KeyModifiers::CONTROL,
        _ => false,
    }
}

/// Where the last frame drew what can be clicked (kept by drawing, read by clicks).
#[derive(Debug, Clone, Default)]
pub struct Hits {
    /// Each tab's columns, `from..to`, on the top row.
    pub tabs: Vec<(u16, u16, Pane)>,
    /// The pane's area.
    pub body: Rect,
    /// The screen row of the pane's selected list row, when it shows one.
    pub selected_row: Option<u16>,
    /// A question's answers.
    pub yes: Option<Rect>,
    pub no: Option<Rect>,
}

/// What was open when a question came up over it: "no" returns to it.
#[derive(Debug, Clone, Default)]
pub struct Before {
    pub dialog: Option<Dialog>,
    pub help: bool,
    pub messages: Option<usize>,
}

/// Rows the wheel moves at a time.
const WHEEL_ROWS: usize = 3;

impl App {
    /// A key from the terminal, arriving now.
    pub fn on_key(&mut self, ev: KeyEvent) {
        self.on_key_at(ev, Instant::now());
    }

    /// A key from the terminal that arrived at `at` (the terminal gives keys no time of
    /// their own: the event loop reads the clock as each arrives).
    pub fn on_key_at(&mut self, ev: KeyEvent, at: Instant) {
        if ev.kind == KeyEventKind::Release {
            return;
        }
        // A scanner's group separator (ASCII 29, between the fields of a GS1 code) arrives
        // as Ctrl+5 (or Ctrl+]): it is a character of the scan, `␝`, wherever it arrives —
        // held with the rest of a burst, and never a key's command.
        let ev = if is_group_separator(&ev) {
            KeyEvent::new(KeyCode::Char(crate::domain::gs1::GS_SHOWN), KeyModifiers::NONE)
        } else {
            ev
        };
        let key = Key::from_event(&ev);
        let gap = self.config.ui.scan_gap();
        if self.held.expired(at, gap) {
            self.let_through();
        }
        if key.is_text() && self.holds_keys() && !gap.is_zero() {
            self.held.keys.push((ev, at));
            return;
        }
        // Over a question even one character and Enter at a scanner's speed are a scan:
        // no person answers that fast.
        let min_chars = match self.dialog {
            Some(Dialog::Confirm { .. }) => 1,
            _ => self.config.ui.scan_min_chars,
        };
        if ends_a_code(&key) && self.held.is_burst(at, gap, min_chars) {
            let code = self.held.text();
            self.held.keys.clear();
            self.scanned(code);
        } else {
            self.let_through();
            self.key_at(ev, at);
        }
        self.follow_dock();
    }

    /// When held characters are due to be let through (the event loop wakes then).
    pub fn held_due(&self) -> Option<Instant> {
        self.held.due(self.config.ui.scan_gap())
    }

    /// Time passed without a key: characters held for longer than the gap are a person's
    /// keys, and act now. Returns whether anything was let through.
    pub fn idle_at(&mut self, now: Instant) -> bool {
        if !self.held.expired(now, self.config.ui.scan_gap()) {
            return false;
        }
        self.let_through();
        self.follow_dock();
        true
    }

    /// Whether a character would act rather than go into the dock's scan box: then it is
    /// held until it is known not to be part of a scan. Without the receiver role the dock
    /// has no scan box, so its characters are held there too.
    fn holds_keys(&self) -> bool {
        !(self.pane == Pane::Receiving && self.dialog.is_none() && self.receiving.refused.is_none())
    }

    /// Lets held characters act as the keys they are. A question is answered by one key
    /// arriving alone: a quick run of several is not an answer (at the dock it is typed
    /// into the scan box, and the question is left as "no").
    fn let_through(&mut self) {
        let keys = std::mem::take(&mut self.held.keys);
        if keys.is_empty() {
            return;
        }
        if keys.len() > 1 && matches!(self.dialog, Some(Dialog::Confirm { .. })) {
            if self.pane != Pane::Receiving {
                return self.info(
                    Tone::Warn,
                    format!(
                        "`{}` came too fast to be an answer: answer with one key, y for yes, n or Esc for no",
                        Held { keys }.text()
                    ),
                );
            }
            self.close_question();
        }
        for (ev, at) in keys {
            self.key_at(ev, at);
        }
    }

    /// A scanner's burst, seen whole: to the dock's scan box, or refused. Typed into a
    /// text field that has the focus (its Enter does not submit).
    fn scanned(&mut self, code: String) {
        self.help = false;
        if self.type_into_field(&code) {
            return self.info(
                Tone::Info,
                format!("`{code}` came as a scan: typed into the field, not submitted (Enter submits)"),
            );
        }
        match &self.dialog {
            None => {}
            Some(Dialog::Confirm { .. }) if self.pane == Pane::Receiving => self.close_question(),
            Some(_) => {
                return self.info(
                    Tone::Error,
                    format!("`{code}` came as a scan and was not taken: answer or close what is open first"),
                )
            }
        }
        if !Permission::ReceiveGoods.allows(&self.actor) {
            return self.info(
                Tone::Error,
                format!(
                    "`{code}` came as a scan (faster than a person types) and did nothing: scans are \
                     taken on Receiving, which needs the receiver role"
                ),
            );
        }
        self.messages.close();
        if self.pane != Pane::Receiving {
            self.switch(Pane::Receiving);
        }
        let asks = self.receiving.take_scan(code, &ctx!(self));
        self.ask(asks);
    }

    /// Types `text` into the text field that has the focus (a form's, a pick list's filter,
    /// a pane's filter); returns whether one had it.
    fn type_into_field(&mut self, text: &str) -> bool {
        match &mut self.dialog {
            Some(Dialog::Form(form)) => match &mut form.fields[form.focus].kind {
                FieldKind::Text(input) => {
                    insert_at_cursor(input, text);
                    true
                }
                FieldKind::Choice { .. } => false,
            },
            Some(Dialog::Pick(p)) => {
                p.paste(text);
                true
            }
            Some(Dialog::Confirm { .. }) => false,
            None if self.pane == Pane::Pending && self.pending.typing() => {
                self.pending.paste_filter(text, &ctx!(self));
                true
            }
            None if self.pane == Pane::Audit && self.audit.typing() => {
                self.audit.paste_filter(text, &ctx!(self));
                true
            }
            None if self.pane == Pane::Receiving && self.receiving.searching() => {
                self.receiving.search_paste(text, &ctx!(self));
                true
            }
            None => false,
        }
    }

    /// Pasted text (bracketed paste): into the text field that has the focus, on one line;
    /// never taken as keys. The dock's scan box reads several lines as as many scans (see
    /// [`super::panes::receiving::ReceivingPane::paste`]).
    pub fn on_paste(&mut self, text: &str) {
        self.let_through();
        let line: String = text
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect();
        let line = line.trim();
        if line.is_empty() || self.type_into_field(line) {
            return;
        }
        if self.pane == Pane::Receiving && self.dialog.is_none() {
            if let Some(why) = self.receiving.refused.clone() {
                return self.info(Tone::Error, format!("the paste was not used: {why}"));
            }
            self.help = false;
            self.messages.close();
            let asks = self.receiving.paste(text, &ctx!(self));
            self.ask(asks);
            self.follow_dock();
            return;
        }
        self.info(
            Tone::Warn,
            "the paste was not used: no text field has the focus here (nothing else takes text)",
        );
    }

    /// A mouse event: clicks on tabs, list rows and a question's answers; the wheel
    /// scrolls lists. Returns whether it was one of those: the mouse moving (terminals
    /// report every move) changes nothing, not even characters held back mid-scan.
    pub fn on_mouse(&mut self, m: MouseEvent) -> bool {
        let what = match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp | MouseEventKind::Down(MouseButton::Left) => m.kind,
            _ => return false,
        };
        self.let_through();
        match what {
            MouseEventKind::ScrollDown => self.wheel(true),
            MouseEventKind::ScrollUp => self.wheel(false),
            _ => self.click(Position::new(m.column, m.row)),
        }
        self.follow_dock();
        true
    }

    fn wheel(&mut self, down: bool) {
        let code = if down { KeyCode::Down } else { KeyCode::Up };
        if self.messages.is_open() {
            for _ in 0..WHEEL_ROWS {
                self.messages.scroll(down);
            }
            return;
        }
        match &mut self.dialog {
            Some(Dialog::Pick(p)) => {
                for _ in 0..WHEEL_ROWS {
                    p.key(&KeyEvent::new(code, KeyModifiers::NONE));
                }
            }
            Some(_) => {}
            None if self.help => {}
            None => {
                let a = if down {
                    super::action::Action::Down
                } else {
                    super::action::Action::Up
                };
                for _ in 0..WHEEL_ROWS {
                    self.act(a);
                }
            }
        }
    }

    fn click(&mut self, at: Position) {
        let hits = self.hits.borrow().clone();
        if let Some(Dialog::Confirm { .. }) = self.dialog {
            let answer = if hits.yes.is_some_and(|r| r.contains(at)) {
                'y'
            } else if hits.no.is_some_and(|r| r.contains(at)) {
                'n'
            } else {
                return;
            };
            return self.key_at(KeyEvent::new(KeyCode::Char(answer), KeyModifiers::NONE), Instant::now());
        }
        if self.dialog.is_some() || self.help || self.messages.is_open() {
            return;
        }
        if at.y == 0 {
            if let Some((_, _, pane)) = hits.tabs.iter().find(|(from, to, _)| (*from..*to).contains(&at.x)) {
                self.switch(*pane);
            }
            return;
        }
        // A click on a list row selects it: the selection moves by as many rows.
        let (Some(sel), true) = (hits.selected_row, hits.body.contains(at)) else {
            return;
        };
        let a = if at.y > sel {
            super::action::Action::Down
        } else {
            super::action::Action::Up
        };
        for _ in 0..at.y.abs_diff(sel) {
            self.act(a);
        }
    }

    /// A question that came up over something: "no" goes back to exactly it.
    pub(crate) fn ask_over(&mut self, question: Dialog) {
        let before = Before {
            dialog: self.dialog.take(),
            help: std::mem::take(&mut self.help),
            messages: self.messages.take_open(),
        };
        self.asked_over = Some(before);
        self.dialog = Some(question);
    }

    /// Closes a question as "no": what it was asked over (a form, help, the messages)
    /// comes back as it was.
    pub(crate) fn close_question(&mut self) {
        let before = self.asked_over.take().unwrap_or_default();
        self.dialog = before.dialog;
        self.help = before.help;
        self.messages.reopen(before.messages);
    }

    /// The status line shows the latest outcome: a scan's, too.
    /// Every note the dock made since last looked goes to the messages, in order (after a
    /// pasted column a refusal must not be hidden by the next scan's note); the newest
    /// ends on the status line.
    pub(crate) fn follow_dock(&mut self) {
        if self.receiving.noted == self.dock_seen {
            return;
        }
        let new = (self.receiving.noted - self.dock_seen).min(self.receiving.log.len() as u64) as usize;
        self.dock_seen = self.receiving.noted;
        let notes: Vec<_> = self.receiving.log.iter().rev().take(new).rev().cloned().collect();
        for (tone, text) in notes {
            if self.status.as_ref() != Some(&(tone, text.clone())) {
                self.info(tone, text);
            }
        }
    }

    /// While the messages are open a key scrolls or closes them (returns true); a dock's
    /// scan character closes them and goes on to the scan box.
    pub(crate) fn messages_took(&mut self, key: &Key, scan: bool) -> bool {
        if !self.messages.is_open() {
            return false;
        }
        if scan {
            self.messages.close();
            return false;
        }
        self.messages_key(key);
        true
    }

    /// A key while the messages are open: scrolling, or closing them.
    fn messages_key(&mut self, key: &Key) {
        use super::action::{Action, Mode};
        if key.code == KeyCode::Esc {
            return self.messages.close();
        }
        let by = match self.keymap.lookup(Mode::Global, key) {
            Some(Action::Up) => -1,
            Some(Action::Down) => 1,
            Some(Action::PageUp) => -10,
            Some(Action::PageDown) => 10,
            Some(Action::Top) => isize::MIN / 2,
            Some(Action::Bottom) => isize::MAX / 2,
            Some(Action::Messages | Action::Quit) => return self.messages.close(),
            _ => 0,
        };
        self.messages.scroll_by(by);
    }
}

/// Whether `key` ends a scanner's code: Enter, or Tab (a common factory setting).
fn ends_a_code(key: &Key) -> bool {
    matches!(key.code, KeyCode::Enter | KeyCode::Tab) && key.mods.is_empty()
}

/// Puts `text` into `input` where its cursor is, the cursor after it. Done in one go: a
/// character at a time costs time growing with the square of the length (a 200,000
/// character paste took half a minute).
pub(crate) fn insert_at_cursor(input: &mut tui_input::Input, text: &str) {
    let value = input.value();
    let at = value.char_indices().nth(input.cursor()).map_or(value.len(), |(i, _)| i);
    let cursor = input.cursor() + text.chars().count();
    let joined = [&value[..at], text, &value[at..]].concat();
    *input = tui_input::Input::new(joined).with_cursor(cursor);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_inserted_at_the_cursor_and_the_cursor_follows_it() {
        let mut input = tui_input::Input::new("SN-é1".to_string()).with_cursor(4);
        insert_at_cursor(&mut input, "ß7");
        assert_eq!((input.value(), input.cursor()), ("SN-éß71", 6));
        let mut empty = tui_input::Input::default();
        insert_at_cursor(&mut empty, "AP-650");
        assert_eq!((empty.value(), empty.cursor()), ("AP-650", 6));
    }

    #[test]
    fn enter_and_tab_end_a_code_but_not_with_ctrl_or_alt() {
        let key = |code, mods| Key::from_event(&KeyEvent::new(code, mods));
        assert!(ends_a_code(&key(KeyCode::Enter, KeyModifiers::NONE)));
        assert!(ends_a_code(&key(KeyCode::Tab, KeyModifiers::NONE)));
        assert!(!ends_a_code(&key(KeyCode::Tab, KeyModifiers::ALT)));
        assert!(!ends_a_code(&key(KeyCode::BackTab, KeyModifiers::SHIFT)));
        assert!(!ends_a_code(&key(KeyCode::Char('a'), KeyModifiers::NONE)));
    }

    fn held(gaps_ms: &[u64]) -> (Held, Instant) {
        let mut t = Instant::now();
        let mut h = Held::default();
        for g in gaps_ms {
            t += Duration::from_millis(*g);
            h.keys.push((KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE), t));
        }
        (h, t)
    }

    #[test]
    fn a_burst_is_enough_characters_each_within_the_gap_and_the_enter_too() {
        let gap = Duration::from_millis(20);
        let (h, last) = held(&[0, 5, 20]);
        assert!(
            h.is_burst(last + Duration::from_millis(20), gap, 3),
            "at the gap: still the run"
        );
        assert!(
            !h.is_burst(last + Duration::from_millis(21), gap, 3),
            "past it: a person's Enter"
        );
        assert!(!h.is_burst(last, gap, 4), "too short");
        assert_eq!(h.due(gap), Some(last + Duration::from_millis(21)));
        assert!(!h.expired(last + gap, gap) && h.expired(last + Duration::from_millis(21), gap));
        assert_eq!(h.text(), "aaa");
        assert_eq!(Held::default().due(gap), None);
    }
}
