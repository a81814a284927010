//! Text from outside — quotes, files, distributors — made safe to show on a terminal.
//!
//! A control character in a customer name or a file name (ESC above all) would reach the
//! terminal as a command: clear the screen, set the window title, move the cursor. The
//! screens drop every grapheme holding one (ratatui does, for all text it draws); the
//! command line drops the same characters with these functions.

use std::borrow::Cow;

/// `s` without its control characters (C0, DEL and C1, as `char::is_control` names them),
/// line breaks and tabs included: for one field in a line of output.
pub fn printable(s: &str) -> Cow<'_, str> {
    strip(s, |_| false)
}

/// `s` without its control characters except line breaks: for a whole message or a
/// block of output whose lines Purser made.
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    strip(s, |c| c == '\n')
}

fn strip(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let drop = |c: char| c.is_control() && !keep(c);
    if s.chars().any(drop) {
        Cow::Owned(s.chars().filter(|&c| !drop(c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// What a panic said (its message, when it carried text).
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no details".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_commands_lose_their_control_characters() {
        // Set the window title, clear the screen, ring the bell; a C1 CSI as well.
        let name = "Acme\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m Ltd";
        assert_eq!(printable(name), "Acme]0;pwned[2J31m Ltd");
        assert!(!printable(name).chars().any(char::is_control));
        assert_eq!(printable("a\tb\r\nc\u{7f}"), "abc");
        assert_eq!(printable_lines("one\r\ntwo\u{1b}[K\nthree"), "one\ntwo[K\nthree");
    }

    #[test]
    fn plain_text_is_kept_as_it_is_without_copying() {
        for s in ["", "Dentalcare West", "Café Zoë — 12\" screen", "数量 ✓"] {
            assert!(matches!(printable(s), Cow::Borrowed(_)), "{s}");
            assert_eq!(printable(s), s);
        }
        assert!(matches!(printable_lines("a\nb"), Cow::Borrowed(_)));
    }
}
