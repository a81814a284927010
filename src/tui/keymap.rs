//! Key bindings as data: embedded defaults (`keys.toml`) patched by `[ui] keys` in the
//! configuration. A bad key or action name is reported with the name it was given.

use super::action::{Action, Mode};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

/// A key file or `[ui] keys` entry that cannot be taken, naming where (`at`: the
/// section and action, as `pending.dismiss`) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("an empty key")]
    EmptyKey,
    #[error("`{0}` is not a key (try a character, ctrl-x, alt-1, f1, enter, esc, space, pagedown …)")]
    NotAKey(String),
    #[error(
        "`{at}`: `{key}` is typed into the scan box in Receiving (a scanner types letters, digits \
         and signs); use a key with ctrl or alt, or a named key such as f2"
    )]
    TypedAtTheDock { at: String, key: String },
    #[error("`{0}`: keys must be strings")]
    NotStrings(String),
    #[error("`{0}`: expected a key like \"x\" or a list of keys")]
    NotKeys(String),
    #[error("`{at}`: {error}")]
    BadKey { at: String, error: Box<KeymapError> },
    #[error("`{at}`: `{action}` is not an action")]
    UnknownAction { at: String, action: String },
    #[error("`[{section}]` is not a pane (known: {})", Mode::ALL.map(|m| m.name()).join(", "))]
    UnknownSection { section: String },
    #[error("`{at}`: `{pane}` is not a pane (known: {})", Mode::ALL.map(|m| m.name()).join(", "))]
    UnknownPane { at: String, pane: String },
    #[error("`{0}` must be a section")]
    NotASection(String),
    /// The file is not TOML.
    #[error("{0}")]
    Toml(String),
    #[error("built-in keys: {0}")]
    BuiltIn(Box<KeymapError>),
    #[error("[ui] keys: {0}")]
    Configured(Box<KeymapError>),
}

/// The default bindings, embedded at build time.
pub const DEFAULT_KEYS: &str = include_str!("keys.toml");

/// A key with its modifiers (Shift folded into the character for letters and symbols).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// Normalises a terminal key event: Shift is dropped for characters (they come
    /// upper-cased already), only Ctrl/Alt/Shift are kept.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let mut mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    /// Parses `q`, `G`, `ctrl-r`, `alt-1`, `f1`, `pagedown`, `space`, …
    pub fn parse(text: &str) -> Result<Key, KeymapError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(KeymapError::EmptyKey);
        }
        let mut mods = KeyModifiers::NONE;
        let mut rest = t;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, n) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == n {
                break;
            }
            mods |= m;
            rest = &rest[n..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "comma" => KeyCode::Char(','),
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                f if f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
                    KeyCode::F(f[1..].parse().expect("checked"))
                }
                _ => return Err(KeymapError::NotAKey(t.to_string())),
            },
        };
        // Fold shift into characters, as terminals report them.
        Ok(Key::from_event(&KeyEvent::new(code, mods)))
    }

    /// How the key is written in key files and the help overlay.
    pub fn label(&self) -> String {
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            s.push_str("shift-");
        }
        match self.code {
            KeyCode::Char(' ') => s.push_str("space"),
            KeyCode::Char(',') => s.push_str("comma"),
            KeyCode::Char(c) => s.push(c),
            KeyCode::Enter => s.push_str("enter"),
            KeyCode::Esc => s.push_str("esc"),
            KeyCode::Tab => s.push_str("tab"),
            KeyCode::BackTab => s.push_str("backtab"),
            KeyCode::Backspace => s.push_str("backspace"),
            KeyCode::Delete => s.push_str("delete"),
            KeyCode::Insert => s.push_str("insert"),
            KeyCode::Up => s.push_str("up"),
            KeyCode::Down => s.push_str("down"),
            KeyCode::Left => s.push_str("left"),
            KeyCode::Right => s.push_str("right"),
            KeyCode::Home => s.push_str("home"),
            KeyCode::End => s.push_str("end"),
            KeyCode::PageUp => s.push_str("pageup"),
            KeyCode::PageDown => s.push_str("pagedown"),
            KeyCode::F(n) => s.push_str(&format!("f{n}")),
            other => s.push_str(&format!("{other:?}").to_ascii_lowercase()),
        }
        s
    }

    /// Whether the key would type text into a field (no Ctrl/Alt, a character).
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && !self.mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

/// In Receiving every letter, digit and sign is part of a scan (a barcode scanner types
/// them), so keys there must carry ctrl or alt, or be named keys.
fn check_dock_keys(mode: Mode, at: &str, keys: &[Key]) -> Result<(), KeymapError> {
    if !matches!(mode, Mode::Receiving | Mode::Scan) {
        return Ok(());
    }
    match keys.iter().find(|k| k.is_text()) {
        Some(k) => Err(KeymapError::TypedAtTheDock {
            at: at.to_string(),
            key: k.label(),
        }),
        None => Ok(()),
    }
}

/// Bindings per mode, in the order of the key file (for the help overlay).
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    modes: BTreeMap<Mode, Vec<(Action, Vec<Key>)>>,
}

fn keys_of(value: &toml::Value, at: &str) -> Result<Vec<Key>, KeymapError> {
    let texts: Vec<String> = match value {
        toml::Value::String(s) => s.split(',').map(str::to_string).collect(),
        toml::Value::Array(a) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| KeymapError::NotStrings(at.to_string()))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(KeymapError::NotKeys(at.to_string())),
    };
    texts
        .iter()
        .map(|t| {
            Key::parse(t).map_err(|e| KeymapError::BadKey {
                at: at.to_string(),
                error: Box::new(e),
            })
        })
        .collect()
}

impl Keymap {
    /// The embedded defaults patched by the configuration's `[ui] keys`
    /// (`"pending.dismiss" = "x"`, or `"quit" = "q, ctrl-q"` for a global action).
    pub fn load(overrides: &BTreeMap<String, String>) -> Result<Keymap, KeymapError> {
        let mut km = Keymap::parse(DEFAULT_KEYS).map_err(|e| KeymapError::BuiltIn(Box::new(e)))?;
        for (name, keys) in overrides {
            km.apply_override(name, keys)
                .map_err(|e| KeymapError::Configured(Box::new(e)))?;
        }
        Ok(km)
    }

    /// Parses a key file: `[mode]` sections of `action = "key"` or `action = ["k1", "k2"]`.
    pub fn parse(text: &str) -> Result<Keymap, KeymapError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| KeymapError::Toml(e.to_string().trim_end().to_string()))?;
        let mut km = Keymap::default();
        for (mode_name, section) in &table {
            let mode = Mode::from_name(mode_name).ok_or_else(|| KeymapError::UnknownSection {
                section: mode_name.clone(),
            })?;
            let section = section
                .as_table()
                .ok_or_else(|| KeymapError::NotASection(mode_name.clone()))?;
            let list = km.modes.entry(mode).or_default();
            for (action_name, value) in section {
                let at = format!("{mode_name}.{action_name}");
                let action = Action::from_name(action_name).ok_or_else(|| KeymapError::UnknownAction {
                    at: at.clone(),
                    action: action_name.clone(),
                })?;
                let keys = keys_of(value, &at)?;
                check_dock_keys(mode, &at, &keys)?;
                list.push((action, keys));
            }
            // Help lists actions in their documented order.
            list.sort_by_key(|(a, _)| super::action::ACTIONS.iter().position(|(x, _, _)| x == a));
        }
        Ok(km)
    }

    fn apply_override(&mut self, name: &str, keys: &str) -> Result<(), KeymapError> {
        let (mode, action_name) = match name.split_once('.') {
            Some((m, a)) => (
                Mode::from_name(m).ok_or_else(|| KeymapError::UnknownPane {
                    at: name.to_string(),
                    pane: m.to_string(),
                })?,
                a,
            ),
            None => (Mode::Global, name),
        };
        let action = Action::from_name(action_name).ok_or_else(|| KeymapError::UnknownAction {
            at: name.to_string(),
            action: action_name.to_string(),
        })?;
        let keys = keys_of(&toml::Value::String(keys.to_string()), name)?;
        check_dock_keys(mode, name, &keys)?;
        let list = self.modes.entry(mode).or_default();
        // A key moved to this action leaves any other action of the same mode.
        for (_, ks) in list.iter_mut() {
            ks.retain(|k| !keys.contains(k));
        }
        match list.iter_mut().find(|(a, _)| *a == action) {
            Some((_, ks)) => *ks = keys,
            None => list.push((action, keys)),
        }
        Ok(())
    }

    /// The action bound to `key` in `mode` (not falling back to global).
    pub fn lookup_in(&self, mode: Mode, key: &Key) -> Option<Action> {
        self.modes
            .get(&mode)?
            .iter()
            .find(|(_, ks)| ks.contains(key))
            .map(|(a, _)| *a)
    }

    /// The action for `key` in `mode`, else in `global` (not for text-field modes).
    pub fn lookup(&self, mode: Mode, key: &Key) -> Option<Action> {
        self.lookup_in(mode, key).or_else(|| {
            if mode.is_text() {
                None
            } else {
                self.lookup_in(Mode::Global, key)
            }
        })
    }

    /// The bindings of one mode, in file order.
    pub fn bindings(&self, mode: Mode) -> &[(Action, Vec<Key>)] {
        self.modes.get(&mode).map_or(&[], Vec::as_slice)
    }

    /// The first key bound to `action` in `mode` or global, for hints.
    pub fn hint(&self, mode: Mode, action: Action) -> String {
        [mode, Mode::Global]
            .iter()
            .filter_map(|m| self.modes.get(m))
            .flat_map(|l| l.iter())
            .find(|(a, ks)| *a == action && !ks.is_empty())
            .map_or_else(|| "—".to_string(), |(_, ks)| ks[0].label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> Key {
        Key::from_event(&KeyEvent::new(code, mods))
    }

    #[test]
    fn defaults_parse_and_bind_the_basics() {
        let km = Keymap::load(&BTreeMap::new()).unwrap();
        assert_eq!(
            km.lookup(Mode::Pending, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.lookup(Mode::Pending, &ev(KeyCode::Char('/'), KeyModifiers::NONE)),
            Some(Action::Filter)
        );
        assert_eq!(
            km.lookup(Mode::Orders, &ev(KeyCode::Char('3'), KeyModifiers::NONE)),
            Some(Action::PaneApprovals)
        );
        assert_eq!(
            km.lookup(Mode::Pending, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        // Text fields see only their own bindings: typing q or 1 types.
        assert_eq!(km.lookup(Mode::Scan, &ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert_eq!(km.lookup(Mode::Scan, &ev(KeyCode::Char('1'), KeyModifiers::NONE)), None);
        assert_eq!(
            km.lookup(Mode::Scan, &ev(KeyCode::Char('1'), KeyModifiers::ALT)),
            Some(Action::PanePending)
        );
        assert_eq!(
            km.lookup(Mode::Scan, &ev(KeyCode::Char('z'), KeyModifiers::CONTROL)),
            Some(Action::Undo)
        );
    }

    #[test]
    fn every_action_has_a_default_key_somewhere() {
        let km = Keymap::load(&BTreeMap::new()).unwrap();
        for (action, name, _) in super::super::action::ACTIONS {
            let bound = Mode::ALL
                .iter()
                .any(|m| km.bindings(*m).iter().any(|(a, ks)| a == action && !ks.is_empty()));
            assert!(bound, "{name} has no key");
        }
    }

    #[test]
    fn keys_parse_and_print_back() {
        for k in [
            "q", "G", "ctrl-r", "alt-1", "f1", "f12", "space", "pagedown", "enter", "esc", "comma", "backtab", "?",
        ] {
            assert_eq!(Key::parse(k).unwrap().label(), k);
        }
        assert_eq!(
            Key::parse("Ctrl-R").unwrap(),
            ev(KeyCode::Char('r'), KeyModifiers::CONTROL)
        );
    }

    #[test]
    fn overrides_replace_bindings() {
        let mut o = BTreeMap::new();
        o.insert("pending.dismiss".to_string(), "D, ctrl-d".to_string());
        o.insert("quit".to_string(), "ctrl-q".to_string());
        let km = Keymap::load(&o).unwrap();
        assert_eq!(
            km.lookup(Mode::Pending, &Key::parse("D").unwrap()),
            Some(Action::Dismiss)
        );
        assert_eq!(
            km.lookup(Mode::Pending, &Key::parse("ctrl-d").unwrap()),
            Some(Action::Dismiss)
        );
        assert_eq!(km.lookup(Mode::Pending, &Key::parse("x").unwrap()), None);
        assert_eq!(
            km.lookup(Mode::Orders, &Key::parse("ctrl-q").unwrap()),
            Some(Action::Quit)
        );
        assert_eq!(km.lookup(Mode::Orders, &Key::parse("q").unwrap()), None);
    }

    #[test]
    fn a_bad_override_names_the_key() {
        let bad = |name: &str, keys: &str| {
            let mut o = BTreeMap::new();
            o.insert(name.to_string(), keys.to_string());
            Keymap::load(&o).unwrap_err().to_string()
        };
        let e = bad("pending.dismis", "x");
        assert!(
            e.contains("pending.dismis") && e.contains("`dismis` is not an action"),
            "{e}"
        );
        let e = bad("pendng.dismiss", "x");
        assert!(e.contains("`pendng` is not a pane"), "{e}");
        let e = bad("pending.dismiss", "ctrl-hyper");
        assert!(
            e.contains("pending.dismiss") && e.contains("`ctrl-hyper` is not a key"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_key_file_names_the_entry() {
        let e = Keymap::parse("[pending]\nfilter = \"/\"\nsplat = \"s\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("pending.splat"), "{e}");
        let e = Keymap::parse("[pending]\nfilter = 3\n").unwrap_err().to_string();
        assert!(e.contains("pending.filter"), "{e}");
    }
}
