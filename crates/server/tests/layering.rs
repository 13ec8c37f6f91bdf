//! The server's layering, checked from its source: no import circles between
//! its top-level modules, the two front ends (`api/`, `web/`) independent of
//! each other, token auth independent of the pages, and the application
//! layer (`kept_app`) free of HTTP.
//!
//! The scan is deliberately simple (std only): comments and string literals
//! are blanked, then every `crate::x`, `crate::{x, y}` and `super::` path
//! that climbs to the crate root counts as a use of top-level module `x`.
//! The tests at the bottom keep the scanner honest.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Uses of one top-level module by another that must not exist, and why.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    ("web", "api", "the pages call kept_app, not the JSON API"),
    ("api", "web", "the JSON API knows nothing of pages"),
    ("auth", "web", "token auth knows nothing of pages"),
];

/// HTTP and template crates the application layer must not depend on.
const HTTP_CRATES: &[&str] = &["axum", "askama", "tower", "hyper", "http"];

#[test]
fn the_servers_top_level_modules_form_no_circle() {
    let uses = server_uses();
    let cycles = cycles(&graph(&uses));
    let report: Vec<String> = cycles
        .iter()
        .map(|cycle| {
            let mut line = cycle.join(" → ");
            line.push_str(&format!(" → {}:", cycle[0]));
            for pair in cycle.iter().zip(cycle.iter().cycle().skip(1)) {
                let file = &uses[&(pair.0.clone(), pair.1.clone())];
                line.push_str(&format!("\n    {} uses {} in {file}", pair.0, pair.1));
            }
            line
        })
        .collect();
    assert!(
        report.is_empty(),
        "import circles between the server's modules:\n  {}",
        report.join("\n  ")
    );
}

#[test]
fn the_front_ends_and_token_auth_keep_apart() {
    let uses = server_uses();
    let broken: Vec<String> = FORBIDDEN
        .iter()
        .filter_map(|(from, to, why)| {
            let file = uses.get(&((*from).to_owned(), (*to).to_owned()))?;
            Some(format!("{from} uses {to} ({file}); {why}"))
        })
        .collect();
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_application_layer_knows_no_http() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app");
    let manifest = fs::read_to_string(app.join("Cargo.toml")).expect("crates/app/Cargo.toml");
    let mut found: Vec<String> = http_dependencies(&manifest)
        .into_iter()
        .map(|d| format!("Cargo.toml depends on {d}"))
        .collect();
    for file in rust_files(&app.join("src")) {
        let code = strip(&fs::read_to_string(&file).expect("readable source"));
        for word in http_mentions(&code) {
            found.push(format!("{} mentions {word}", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "kept_app must not know HTTP:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_cli_runs_use_cases_and_names_no_http_type() {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/src");
    let mut found = Vec::new();
    for file in rust_files(&cli) {
        let code = strip(&fs::read_to_string(&file).expect("readable source"));
        for word in http_mentions(&code) {
            found.push(format!("{} mentions {word}", file.display()));
        }
        // The server's HTTP types: the CLI maps kept_app::Error itself.
        for name in ["ApiError", "ProblemKind", "AppState", "WebError"] {
            let bytes = code.as_bytes();
            if code
                .match_indices(name)
                .any(|(i, _)| starts_word(bytes, i) && ident_at(&code, i).as_deref() == Some(name))
            {
                found.push(format!("{} names {name}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the CLI must call kept_app, not the server's HTTP types:\n{}",
        found.join("\n")
    );
}

/// Every use of one top-level module by another, with the first file
/// (relative to `src/`) that makes it.
fn server_uses() -> BTreeMap<(String, String), String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let modules = top_level_modules(&strip(&lib));
    assert!(
        modules.len() >= 10 && modules.contains("web") && modules.contains("api"),
        "the module list was not read from lib.rs: {modules:?}"
    );
    let mut uses = BTreeMap::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).expect("under src");
        let path = module_path(relative);
        let Some(from) = path.first() else {
            continue; // lib.rs: the root may name every module.
        };
        let code = strip(&fs::read_to_string(&file).expect("readable source"));
        for to in references(&code, &path) {
            if &to != from && modules.contains(&to) {
                uses.entry((from.clone(), to))
                    .or_insert_with(|| relative.display().to_string());
            }
        }
    }
    uses
}

/// The modules `lib.rs` declares.
fn top_level_modules(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line
                .strip_prefix("pub mod ")
                .or_else(|| line.strip_prefix("mod "))
                .or_else(|| line.strip_prefix("pub(crate) mod "))?;
            Some(rest.trim_end_matches(';').trim().to_owned())
        })
        .collect()
}

/// The module path of a file under `src/`: `web/session/mod.rs` is
/// `[web, session]`, `error.rs` is `[error]`, `lib.rs` is the root `[]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The top-level names that `code`, in the module at `path`, reaches from
/// the crate root: `crate::x`, `$crate::x`, each item of `crate::{x, y}`,
/// and `super::…::x` where the supers climb to the root.
fn references(code: &str, path: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !starts_word(bytes, i) {
            i += 1;
            continue;
        }
        let after_root = if code[i..].starts_with("crate::") {
            i + "crate::".len()
        } else if code[i..].starts_with("super::") {
            let mut j = i;
            let mut depth = path.len();
            while code[j..].starts_with("super::") {
                depth = depth.saturating_sub(1);
                j += "super::".len();
            }
            if depth > 0 {
                i = j; // A sibling or parent inside the same top-level module.
                continue;
            }
            j
        } else {
            i += 1;
            continue;
        };
        if code[after_root..].starts_with('{') {
            let (items, end) = group(code, after_root);
            found.extend(items);
            i = end;
        } else {
            found.extend(ident_at(code, after_root));
            i = after_root;
        }
    }
    found
}

/// The first name of each item of the `{…}` group opening at byte `open`
/// (`{a::{b, c}, d}` gives `a` and `d`), and the byte after the group.
fn group(code: &str, open: usize) -> (Vec<String>, usize) {
    let mut items = Vec::new();
    let mut depth = 0;
    for (k, c) in code[open..].char_indices() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    items.extend(ident_at(code[open + k + 1..].trim_start(), 0));
                }
            }
            ',' if depth == 1 => items.extend(ident_at(code[open + k + 1..].trim_start(), 0)),
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return (items, open + k + 1);
                }
            }
            _ => {}
        }
    }
    (items, code.len())
}

/// Whether a word can start at `i` (not in the middle of an identifier).
fn starts_word(bytes: &[u8], i: usize) -> bool {
    i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
}

/// The identifier starting at byte `at`, if any.
fn ident_at(text: &str, at: usize) -> Option<String> {
    let ident: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!ident.is_empty()).then_some(ident)
}

/// The modules the uses make, each with the modules it uses.
fn graph(uses: &BTreeMap<(String, String), String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in uses.keys() {
        graph.entry(from.clone()).or_default().insert(to.clone());
        graph.entry(to.clone()).or_default();
    }
    graph
}

/// One circle through each group of modules that reach each other (each
/// strongly connected component of more than one module), as the modules
/// in order, starting from the first by name.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(node) = todo.pop() {
            for next in &graph[&node] {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|n| (n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for start in graph.keys() {
        if done.contains(start) || !reachable[start].contains(start) {
            continue;
        }
        let group: BTreeSet<String> = graph
            .keys()
            .filter(|n| reachable[start].contains(*n) && reachable[*n].contains(start))
            .cloned()
            .collect();
        done.extend(group.iter().cloned());
        found.push(shortest_circle(graph, start, &group));
    }
    found
}

/// The shortest path from `start` back to itself inside `group`
/// (breadth first), without repeating `start` at the end.
fn shortest_circle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    group: &BTreeSet<String>,
) -> Vec<String> {
    let mut previous: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.to_owned()]);
    while let Some(node) = queue.pop_front() {
        for next in graph[&node].iter().filter(|n| group.contains(*n)) {
            if next == start {
                let mut circle = vec![node.clone()];
                while let Some(p) = previous.get(circle.last().expect("non-empty")) {
                    circle.push(p.clone());
                }
                circle.reverse();
                return circle;
            }
            if !previous.contains_key(next) {
                previous.insert(next.clone(), node.clone());
                queue.push_back(next.clone());
            }
        }
    }
    vec![start.to_owned()]
}

/// The HTTP crates among a manifest's dependencies (any dependency table;
/// `tower-http` and `askama_web` count as `tower` and `askama`, and so does
/// a dependency renamed from one with `package = "…"`).
fn http_dependencies(manifest: &str) -> Vec<String> {
    let mut in_dependencies = false;
    let mut found = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line.trim_matches(['[', ']']).ends_with("dependencies");
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if !in_dependencies || key.trim_start().starts_with('#') {
            continue;
        }
        let name = key.split('.').next().unwrap_or_default().trim();
        let renamed_from = value
            .split_once("package")
            .and_then(|(_, rest)| rest.split('"').nth(1));
        for candidate in std::iter::once(name).chain(renamed_from) {
            if is_http_crate(candidate) {
                found.push(candidate.to_owned());
            }
        }
    }
    found
}

fn is_http_crate(name: &str) -> bool {
    HTTP_CRATES.iter().any(|http| {
        name == *http
            || name
                .strip_prefix(http)
                .is_some_and(|rest| rest.starts_with(['-', '_']))
    })
}

/// `axum` and `askama` as words, and `http::` paths, in (stripped) code.
fn http_mentions(code: &str) -> BTreeSet<String> {
    let bytes = code.as_bytes();
    let mut found = BTreeSet::new();
    for (i, _) in code.char_indices() {
        if !starts_word(bytes, i) {
            continue;
        }
        if let Some(word) = ident_at(code, i)
            && (word == "axum" || word == "askama")
        {
            found.insert(word);
        } else if code[i..].starts_with("http::") {
            found.insert("http::".to_owned());
        }
    }
    found
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `source` with comments and the insides of string and character literals
/// blanked (newlines kept), so that only code is scanned.
fn strip(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let at = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k) == Some(&c))
    };
    let ident = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    while i < chars.len() {
        let c = chars[i];
        if at(i, "//") {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            while i < chars.len() {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == 'r'
            && (!ident(i.checked_sub(1).and_then(|p| chars.get(p)))
                || (chars[i - 1] == 'b' && !ident(i.checked_sub(2).and_then(|p| chars.get(p)))))
            && {
                let mut j = i + 1;
                while chars.get(j) == Some(&'#') {
                    j += 1;
                }
                chars.get(j) == Some(&'"')
            }
        {
            // A raw string: r"…", r#"…"#, br"…".
            let mut j = i + 1;
            let mut hashes = String::new();
            while chars[j] == '#' {
                hashes.push('#');
                j += 1;
            }
            let close = format!("\"{hashes}");
            j += 1;
            while j < chars.len() && !at(j, &close) {
                if chars[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j + close.chars().count();
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\n' {
                    out.push('\n');
                }
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i += 1;
        } else if c == '\'' && chars.get(i + 1) == Some(&'\\') {
            // An escaped character literal: '\'', '\n', '\u{…}'.
            i += 3;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            out.push_str("' '");
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            out.push_str("' '");
            i += 3;
        } else {
            // Code, or a lifetime's quote.
            out.push(c);
            i += 1;
        }
    }
    out
}

// The scanner's own tests: without them, a scanner that found nothing
// would let every check above pass.

#[test]
fn the_scanner_ignores_comments_strings_and_characters() {
    let code = strip(
        "use crate::a; // crate::b\n/* crate::c /* nested */ crate::d */\n\
         let s = \"crate::e */*\"; let t = r#\"crate::f\"#; let q = '\"'; crate::g::x;\n\
         fn f<'a>(x: &'a str) -> char { '\\'' } crate::h",
    );
    assert_eq!(
        references(&code, &["m".to_owned()]),
        ["a", "g", "h"],
        "{code}"
    );
}

#[test]
fn the_scanner_reads_groups_supers_and_macro_paths() {
    let code = "use crate::{jobs, ops::{x, y}, web};\nuse super::super::auth::Caller;\n\
                use super::sibling; $crate::limits::f(); kept_crate::no;";
    let path = ["web".to_owned(), "session".to_owned()];
    assert_eq!(
        references(code, &path),
        ["jobs", "ops", "web", "auth", "limits"]
    );
    assert_eq!(
        module_path(Path::new("web/session/mod.rs")),
        ["web", "session"]
    );
    assert!(module_path(Path::new("lib.rs")).is_empty());
}

#[test]
fn a_circle_is_found_and_named() {
    let uses: BTreeMap<(String, String), String> = [
        ("auth", "web"),
        ("web", "error"),
        ("error", "auth"),
        ("api", "auth"),
        ("startup", "api"),
    ]
    .iter()
    .map(|(a, b)| (((*a).to_owned(), (*b).to_owned()), String::new()))
    .collect();
    assert_eq!(cycles(&graph(&uses)), [["auth", "web", "error"]]);
    let acyclic: BTreeMap<_, _> = uses
        .into_iter()
        .filter(|((a, _), _)| a != "error")
        .collect();
    assert!(cycles(&graph(&acyclic)).is_empty());
}

#[test]
fn http_is_recognised_in_manifests_and_code() {
    let manifest = "[package]\nname = \"x\"\n[dependencies]\nserde.workspace = true\n\
                    tower-http = { workspace = true }\nweb = { package = \"axum\", version = \"0.8\" }\n\
                    # axum = \"0.8\"\n[dev-dependencies]\nhttp.workspace = true\nhttpdate = \"1\"\n";
    assert_eq!(http_dependencies(manifest), ["tower-http", "axum", "http"]);
    let code =
        strip("use axum::Router; // askama\nlet u = \"http::x\"; http::StatusCode; my_http::x");
    assert_eq!(
        http_mentions(&code).into_iter().collect::<Vec<_>>(),
        ["axum", "http::"]
    );
}
