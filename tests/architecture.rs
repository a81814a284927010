//! The layers, checked: every module's references to `crate::…` point one way.
//!
//! ```text
//! domain ← store ← app ← jobs ← tui, cli
//!                         ↓
//!                   integrations (adapters: domain and config only)
//! ```
//!
//! A forbidden reference fails this test with its file and line. Test code (a `tests`
//! folder or file, `testkit.rs`, and a trailing `#[cfg(test)]` module) may reach further.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers a layer must not reference.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "domain",
        &[
            "store",
            "app",
            "jobs",
            "integrations",
            "tui",
            "cli",
            "config",
            "identity",
            "sandbox",
            "demo",
            "bench",
        ],
    ),
    (
        "store",
        &["app", "jobs", "integrations", "tui", "cli", "sandbox", "demo", "serve"],
    ),
    (
        "app",
        &["jobs", "integrations", "tui", "cli", "sandbox", "demo", "serve"],
    ),
    (
        "integrations",
        &["store", "app", "jobs", "tui", "cli", "sandbox", "demo"],
    ),
    ("jobs", &["tui", "cli", "sandbox", "demo"]),
    // The configuration is read by every layer above the domain: it uses none of them
    // (the screens check their own `[ui]` keys and theme where a command loads it).
    (
        "config",
        &[
            "store",
            "app",
            "jobs",
            "integrations",
            "tui",
            "serve",
            "cli",
            "sandbox",
            "demo",
            "bench",
            "wiring",
        ],
    ),
    // The service runs what the command line gives it (an executor), never the reverse.
    ("serve", &["cli", "sandbox", "demo", "bench"]),
    // The screens know a link to the service only as a channel, not the service.
    ("tui", &["serve", "cli", "demo", "bench"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layer a source file belongs to: its first folder under `src/`, or its stem.
fn layer_of(rel: &Path) -> String {
    let first = rel.components().next().expect("a path under src");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

fn is_test_file(rel: &Path) -> bool {
    rel.components().any(|c| c.as_os_str() == "tests")
        || rel.file_name().is_some_and(|n| n == "tests.rs" || n == "testkit.rs")
}

/// The code of a file without comments, cut at a trailing `#[cfg(test)]` module.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            // A test module (always last in this code base) may use anything.
            let rest: Vec<&str> = text.lines().skip(i + 1).take(1).collect();
            if rest.first().is_some_and(|l| l.trim_start().starts_with("mod ")) {
                break;
            }
        }
        let code = match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        out.push((i + 1, code.to_string()));
    }
    out
}

/// Every top-level module of the crate a line of code names: `crate::x`, and each name
/// in `use crate::{x, y::z}` (the group may span lines, so the whole text is scanned).
fn references(lines: &[(usize, String)]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let joined: Vec<(usize, char)> = lines
        .iter()
        .flat_map(|(n, l)| l.chars().chain(std::iter::once('\n')).map(move |c| (*n, c)))
        .collect();
    let text: String = joined.iter().map(|(_, c)| *c).collect();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let pattern: Vec<char> = "crate::".chars().collect();
    while i + pattern.len() <= chars.len() {
        if chars[i..i + pattern.len()] == pattern[..]
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == '$'))
        {
            let line = joined[i].0;
            let mut j = i + pattern.len();
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if j < chars.len() && chars[j] == '{' {
                // A group: the names at its top level.
                let mut depth = 0;
                let mut name = String::new();
                let mut at_top_start = true;
                while j < chars.len() {
                    let c = chars[j];
                    match c {
                        '{' => {
                            depth += 1;
                            if depth == 1 {
                                at_top_start = true;
                            }
                        }
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        ',' if depth == 1 => at_top_start = true,
                        c if depth == 1 && at_top_start && (c.is_alphanumeric() || c == '_') => name.push(c),
                        _ if depth == 1 && at_top_start && !name.is_empty() => {
                            found.push((joined[j].0, std::mem::take(&mut name)));
                            at_top_start = false;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if !name.is_empty() {
                    found.push((line, name));
                }
            } else {
                let name: String = chars[j..]
                    .iter()
                    .take_while(|c| c.is_alphanumeric() || **c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push((line, name));
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

/// Every forbidden reference in the source tree under `src`, as `file:line: …`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let rel = path.strip_prefix(src).expect("under src").to_path_buf();
        if is_test_file(&rel) {
            continue;
        }
        let layer = layer_of(&rel);
        let Some((_, forbidden)) = FORBIDDEN.iter().find(|(l, _)| *l == layer) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("a readable source file");
        let lines = code_lines(&text);
        let mut seen = BTreeSet::new();
        for (line, target) in references(&lines) {
            if forbidden.contains(&target.as_str()) && seen.insert((line, target.clone())) {
                out.push(format!(
                    "src/{}:{line}: {layer} must not use crate::{target}",
                    rel.display()
                ));
            }
        }
    }
    out
}

#[test]
fn the_layers_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "{} reference(s) against the layering:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_check_finds_a_forbidden_reference_in_every_form() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("domain")).unwrap();
    std::fs::create_dir_all(src.join("integrations/psa")).unwrap();
    std::fs::create_dir_all(src.join("app/tests")).unwrap();
    std::fs::write(
        src.join("domain/money.rs"),
        "//! crate::store in a comment is fine\nuse crate::domain::x;\nfn f() { crate::config::load(); }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("integrations/psa/mod.rs"),
        "use crate::{\n    domain::Order,\n    app::Service,\n};\n#[cfg(test)]\nmod tests {\n    use crate::store::Store;\n}\n",
    )
    .unwrap();
    std::fs::write(src.join("app/tests/mod.rs"), "use crate::jobs::x;\n").unwrap();
    std::fs::write(src.join("app/mod.rs"), "pub use crate::tui::App;\n").unwrap();
    let found = violations(src);
    assert_eq!(
        found,
        vec![
            "src/app/mod.rs:1: app must not use crate::tui".to_string(),
            "src/domain/money.rs:3: domain must not use crate::config".to_string(),
            "src/integrations/psa/mod.rs:3: integrations must not use crate::app".to_string(),
        ]
    );
}
