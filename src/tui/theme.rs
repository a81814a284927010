//! Themes as data: TOML files in `themes/`, embedded at build time, plus user themes from
//! the configuration folder. `NO_COLOR` selects the monochrome theme.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The built-in themes: (name, file text).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
];

/// A theme that cannot be used, naming the theme and the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeError {
    #[error("theme `{theme}`: style `{style}` is missing")]
    MissingStyle { theme: String, style: &'static str },
    #[error("`{at}`: `{text}` is not a colour (use a name like red or dark_gray, 0–255, or #rrggbb)")]
    NotAColour { at: String, text: String },
    /// The file is not a theme file (TOML, and only the keys a theme has).
    #[error("theme {theme}: {why}")]
    Unreadable { theme: String, why: String },
    #[error("theme {theme}: `styles.{key}` is not a style (known: {})", STYLE_NAMES.join(", "))]
    UnknownStyle { theme: String, key: String },
    #[error("theme {theme}: {error}")]
    InTheme { theme: String, error: Box<ThemeError> },
    #[error(
        "theme {theme}: `extends = \"{base}\"` is not a built-in theme ({})",
        BUILT_IN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    )]
    UnknownBase { theme: String, base: String },
    #[error(
        "[ui] theme = \"{name}\": no such theme (built in: {}; or a file {})",
        BUILT_IN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
        tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" or ")
    )]
    NotFound { name: String, tried: Vec<PathBuf> },
}

macro_rules! theme_styles {
    ($($field:ident),* $(,)?) => {
        /// Resolved styles, one per role on screen.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            $(pub $field: Style,)*
        }

        /// Every style name a theme file may set.
        pub const STYLE_NAMES: &[&str] = &[$(stringify!($field)),*];

        impl Theme {
            fn from_map(name: &str, map: &BTreeMap<String, Style>) -> Result<Theme, ThemeError> {
                Ok(Theme {
                    name: name.to_string(),
                    $($field: *map.get(stringify!($field)).ok_or_else(|| ThemeError::MissingStyle {
                        theme: name.to_string(),
                        style: stringify!($field),
                    })?,)*
                })
            }
        }
    };
}

theme_styles!(
    base,
    border,
    border_focused,
    title,
    tab,
    tab_active,
    header,
    selected,
    marked,
    muted,
    accent,
    ok,
    warn,
    error,
    input,
    key,
    status_pending,
    status_awaiting,
    status_open,
    status_partial,
    status_completed,
    status_cancelled,
);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    name: Option<String>,
    /// A built-in theme whose styles fill in what this file leaves out (default: dark).
    #[serde(default)]
    extends: Option<String>,
    #[serde(default)]
    styles: BTreeMap<String, StyleSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    dim: bool,
}

fn color(text: &str, at: &str) -> Result<Color, ThemeError> {
    text.parse::<Color>().map_err(|_| ThemeError::NotAColour {
        at: at.to_string(),
        text: text.to_string(),
    })
}

impl StyleSpec {
    fn style(&self, at: &str) -> Result<Style, ThemeError> {
        let mut s = Style::default();
        if let Some(fg) = &self.fg {
            s = s.fg(color(fg, &format!("{at}.fg"))?);
        }
        if let Some(bg) = &self.bg {
            s = s.bg(color(bg, &format!("{at}.bg"))?);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
            (self.dim, Modifier::DIM),
        ] {
            if on {
                s = s.add_modifier(m);
            }
        }
        Ok(s)
    }
}

/// A theme file read: its name, the theme it extends, and the styles it sets.
type Parsed = (Option<String>, Option<String>, BTreeMap<String, Style>);

fn parse_map(label: &str, text: &str) -> Result<Parsed, ThemeError> {
    let file: ThemeFile = toml::from_str(text).map_err(|e| ThemeError::Unreadable {
        theme: label.to_string(),
        why: e.to_string().trim_end().to_string(),
    })?;
    let mut map = BTreeMap::new();
    for (key, spec) in &file.styles {
        if !STYLE_NAMES.contains(&key.as_str()) {
            return Err(ThemeError::UnknownStyle {
                theme: label.to_string(),
                key: key.clone(),
            });
        }
        let style = spec.style(&format!("styles.{key}")).map_err(|e| ThemeError::InTheme {
            theme: label.to_string(),
            error: Box::new(e),
        })?;
        map.insert(key.clone(), style);
    }
    Ok((file.name, file.extends, map))
}

fn built_in_text(name: &str) -> Option<&'static str> {
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

impl Theme {
    /// A built-in theme by name.
    pub fn built_in(name: &str) -> Option<Theme> {
        let text = built_in_text(name)?;
        Some(Theme::parse(name, text).expect("built-in themes are valid"))
    }

    /// Parses theme text; styles it leaves out come from the theme it `extends` (dark).
    pub fn parse(label: &str, text: &str) -> Result<Theme, ThemeError> {
        let (name, extends, map) = parse_map(label, text)?;
        let name = name.unwrap_or_else(|| label.to_string());
        let mut full = BTreeMap::new();
        let is_built_in = built_in_text(label).is_some_and(|t| t == text);
        if !is_built_in {
            let base = extends.as_deref().unwrap_or("dark");
            let base_text = built_in_text(base).ok_or_else(|| ThemeError::UnknownBase {
                theme: label.to_string(),
                base: base.to_string(),
            })?;
            full = parse_map(base, base_text)?.2;
        }
        full.extend(map);
        Theme::from_map(&name, &full)
    }

    /// The theme to use: monochrome under `NO_COLOR`, else `[ui] theme` — a built-in name,
    /// a file `NAME.toml` in the configuration folder (or its `themes/` folder), or a path.
    pub fn select(configured: Option<&str>, config_dir: Option<&Path>, no_color: bool) -> Result<Theme, ThemeError> {
        if no_color {
            return Ok(Theme::built_in("monochrome").expect("built in"));
        }
        let Some(name) = configured.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(Theme::built_in("dark").expect("built in"));
        };
        if let Some(t) = Theme::built_in(name) {
            return Ok(t);
        }
        let mut candidates: Vec<PathBuf> = Vec::new();
        if name.ends_with(".toml") || name.contains('/') {
            let p = PathBuf::from(name);
            candidates.push(match config_dir {
                Some(d) if p.is_relative() => d.join(p),
                _ => p,
            });
        } else if let Some(d) = config_dir {
            candidates.push(d.join("themes").join(format!("{name}.toml")));
            candidates.push(d.join(format!("{name}.toml")));
        }
        for path in &candidates {
            if let Ok(text) = std::fs::read_to_string(path) {
                return Theme::parse(&path.display().to_string(), &text);
            }
        }
        Err(ThemeError::NotFound {
            name: name.to_string(),
            tried: candidates,
        })
    }

    /// The style for an order status.
    pub fn status(&self, s: crate::domain::OrderStatus) -> Style {
        use crate::domain::OrderStatus::*;
        match s {
            Pending => self.status_pending,
            AwaitingApproval => self.status_awaiting,
            EmailSent | Submitted => self.status_open,
            Partial => self.status_partial,
            Completed => self.status_completed,
            Cancelled => self.status_cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_sets_every_style() {
        for (name, text) in BUILT_IN {
            let (_, _, map) = parse_map(name, text).unwrap();
            for s in STYLE_NAMES {
                assert!(map.contains_key(*s), "{name} lacks {s}");
            }
            assert_eq!(Theme::built_in(name).unwrap().name, *name);
        }
    }

    #[test]
    fn monochrome_has_no_colours() {
        let t = Theme::built_in("monochrome").unwrap();
        for (name, text) in [("monochrome", BUILT_IN[3].1)] {
            let (_, _, map) = parse_map(name, text).unwrap();
            for style in map.values() {
                assert!(style.fg.is_none() && style.bg.is_none());
            }
        }
        assert_eq!(Theme::select(Some("dark"), None, true).unwrap(), t);
    }

    #[test]
    fn a_user_theme_extends_a_built_in_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("themes")).unwrap();
        std::fs::write(
            dir.path().join("themes/dock.toml"),
            "extends = \"high-contrast\"\n[styles]\nselected = { fg = \"black\", bg = \"#ffaf00\" }\n",
        )
        .unwrap();
        let t = Theme::select(Some("dock"), Some(dir.path()), false).unwrap();
        assert_eq!(
            t.selected,
            Style::default().fg(Color::Black).bg(Color::Rgb(0xff, 0xaf, 0))
        );
        assert_eq!(t.error, Theme::built_in("high-contrast").unwrap().error);
    }

    #[test]
    fn bad_theme_files_name_the_key() {
        let e = Theme::parse("mine", "[styles]\nselected = { fg = \"purplish\" }\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("styles.selected.fg") && e.contains("purplish"), "{e}");
        let e = Theme::parse("mine", "[styles]\nselcted = { fg = \"red\" }\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("styles.selcted"), "{e}");
        let e = Theme::parse("mine", "[styles]\nselected = { fg = \"red\", blink = true }\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("blink"), "{e}");
        let e = Theme::parse("mine", "extends = \"neon\"\n").unwrap_err().to_string();
        assert!(e.contains("neon"), "{e}");
        let e = Theme::select(Some("nope"), Some(Path::new("/nonexistent")), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope"), "{e}");
    }
}
