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

/// Unicode's format characters (general category Cf), as ranges: invisible marks that
/// steer how text is laid out — zero-width space and joiners, direction marks and
/// embeddings, the word joiner, the byte-order mark, interlinear annotation, tags — and a
/// few signs such as the soft hyphen and the Arabic number sign. Text that looks the same
/// can differ by one of them. From Unicode's `DerivedGeneralCategory.txt`, category `Cf`,
/// as it has stood since Unicode 15.0 (which widened U+13430–13438 to U+1343F); sorted,
/// for a binary search.
const FORMAT_CHARACTERS: &[(char, char)] = &[
    ('\u{AD}', '\u{AD}'),
    ('\u{600}', '\u{605}'),
    ('\u{61C}', '\u{61C}'),
    ('\u{6DD}', '\u{6DD}'),
    ('\u{70F}', '\u{70F}'),
    ('\u{890}', '\u{891}'),
    ('\u{8E2}', '\u{8E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

/// Whether `c` is a format character (Unicode general category Cf), such as U+200B
/// zero-width space or U+FEFF byte-order mark.
pub fn is_format_character(c: char) -> bool {
    FORMAT_CHARACTERS
        .binary_search_by(|&(first, last)| {
            if last < c {
                std::cmp::Ordering::Less
            } else if first > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `c` as its code point, `U+200B`, with the name of the format characters met most
/// (pasted from a web page, a PDF or a spreadsheet): `U+200B (zero-width space)`.
pub fn code_point(c: char) -> String {
    let name = match c {
        '\u{AD}' => "soft hyphen",
        '\u{200B}' => "zero-width space",
        '\u{200C}' => "zero-width non-joiner",
        '\u{200D}' => "zero-width joiner",
        '\u{200E}' => "left-to-right mark",
        '\u{200F}' => "right-to-left mark",
        '\u{2060}' => "word joiner",
        '\u{FEFF}' => "byte-order mark",
        _ => return format!("U+{:04X}", c as u32),
    };
    format!("U+{:04X} ({name})", c as u32)
}

/// `s` with its control and format characters written as escapes (`\t`, `\u{1b}`,
/// `\u{feff}`), so that a message shows what it holds.
pub fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else if is_format_character(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// `n` things, singular for one: `1 line`, `2 lines` (English plurals with an s).
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
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

    #[test]
    fn format_characters_are_found_at_both_ends_of_every_range_and_nowhere_next_to_them() {
        for &(first, last) in FORMAT_CHARACTERS {
            assert!(is_format_character(first), "{first:?}");
            assert!(is_format_character(last), "{last:?}");
            let before = char::from_u32(first as u32 - 1).unwrap();
            let after = char::from_u32(last as u32 + 1).unwrap();
            assert!(!is_format_character(before), "{before:?}");
            assert!(!is_format_character(after), "{after:?}");
        }
        assert!(FORMAT_CHARACTERS.windows(2).all(|w| w[0].1 < w[1].0), "sorted, apart");
        for c in [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{2066}',
            '\u{E0041}',
        ] {
            assert!(is_format_character(c), "{c:?}");
        }
    }

    #[test]
    fn letters_digits_signs_blanks_and_control_characters_are_not_format_characters() {
        for c in [
            'A',
            'z',
            '0',
            '-',
            '/',
            ' ',
            '\u{A0}',
            '\u{2007}',
            '\t',
            '\u{1b}',
            '\u{7f}',
            'é',
            '数',
            '✓',
            '\u{FFFD}',
            '\u{10FFFF}',
        ] {
            assert!(!is_format_character(c), "{c:?}");
        }
    }

    #[test]
    fn a_code_point_is_named_as_u_plus_its_hex_with_the_common_ones_described() {
        assert_eq!(code_point('\u{FEFF}'), "U+FEFF (byte-order mark)");
        assert_eq!(code_point('\u{200B}'), "U+200B (zero-width space)");
        assert_eq!(code_point('\u{200E}'), "U+200E (left-to-right mark)");
        assert_eq!(code_point('\u{2060}'), "U+2060 (word joiner)");
        assert_eq!(code_point('\u{AD}'), "U+00AD (soft hyphen)");
        assert_eq!(code_point('\u{2066}'), "U+2066");
        assert_eq!(code_point('\u{E0041}'), "U+E0041");
    }

    #[test]
    fn escaped_text_shows_control_and_format_characters_and_keeps_the_rest() {
        assert_eq!(escaped("SN\t1\u{1b}[2J"), "SN\\t1\\u{1b}[2J");
        assert_eq!(escaped("\u{feff}AB\u{200b}"), "\\u{feff}AB\\u{200b}");
        assert_eq!(escaped("Café-12/\\x é"), "Café-12/\\x é");
    }
}
