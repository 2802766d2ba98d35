//! The dependency direction, checked on the source text: edges (`api`, `web`) → `present` and
//! `services` → `authz`/`db` → `domain`. The two edges are siblings, so neither may import the
//! other, and neither reaches `db::models` (the queries) past the services; `present`, which both
//! edges call, imports neither edge. A grep over `use` trees is enough because every import in
//! this crate is a `crate::` path.

use std::path::{Path, PathBuf};

/// Module paths a layer must not name, by the folder it lives in.
const RULES: &[(&str, &[&str])] = &[
    ("src/api", &["crate::web", "crate::db::models"]),
    ("src/web", &["crate::api", "crate::db::models"]),
    (
        "src/present",
        &["crate::api", "crate::web", "crate::db::models"],
    ),
];

/// Imports still waiting for another part of issue 11 (none left: name visibility moved into
/// `authz` and `services::people`). Each entry must still be needed: an allowance nobody uses
/// fails the test too.
const PENDING: &[(&str, &str)] = &[];

/// The source without comments and string literals, so prose and messages never count.
fn code_only(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            // A character literal of a quote or an escape (`'"'`, `'\''`) opens no string.
            '\'' if matches!(chars.peek(), Some('"' | '\\')) => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (false, '\\') => escaped = true,
                        (false, '\'') => break,
                        _ => escaped = false,
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => escaped = false,
                    }
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every full path a `use` tree names: `crate::{a::{b, c}, d}` → `crate::a::b`, `crate::a::c`,
/// `crate::d`.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        out.push(format!("{prefix}{tree}"));
        return;
    };
    let head = format!("{prefix}{}", &tree[..open]);
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&head, &inner[start..i], out);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < inner.len() {
        expand(&head, &inner[start..], out);
    }
}

/// The `crate::` paths a file names: its `use` trees expanded, and paths written inline.
fn named_paths(source: &str) -> Vec<String> {
    let code = code_only(source);
    let mut paths = Vec::new();
    for statement in code.split(';') {
        if let Some(at) = statement.find("use crate::") {
            expand("", &statement[at + "use ".len()..], &mut paths);
        }
    }
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let end = rest[at..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(rest.len(), |n| at + n);
        paths.push(rest[at..end].to_owned());
        rest = &rest[end..];
    }
    paths
}

/// `crate::db::models` forbids `crate::db::models` and `crate::db::models::x`, not `crate::dbx`.
fn names(path: &str, forbidden: &str) -> bool {
    path == forbidden
        || path
            .strip_prefix(forbidden)
            .is_some_and(|rest| rest.starts_with("::"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `file: path` for every forbidden path named, plus the allowances no longer used.
fn violations(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut used = vec![false; PENDING.len()];
    for (folder, forbidden) in RULES {
        let mut files = Vec::new();
        rust_files(&root.join(folder), &mut files);
        for file in files {
            let relative = file
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let source = std::fs::read_to_string(&file).expect("readable source");
            for path in named_paths(&source) {
                for rule in forbidden.iter().filter(|rule| names(&path, rule)) {
                    match PENDING
                        .iter()
                        .position(|p| *p == (relative.as_str(), *rule))
                    {
                        Some(i) => used[i] = true,
                        None => found.push(format!("{relative}: {path}")),
                    }
                }
            }
        }
    }
    for (allowance, used) in PENDING.iter().zip(used) {
        if !used {
            found.push(format!("allowance no longer needed: {allowance:?}"));
        }
    }
    found
}

#[test]
fn edges_import_neither_each_other_nor_the_queries() {
    let found = violations(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn nested_inline_and_commented_paths_are_read_as_rust_does() {
    let source = r#"
        use crate::{
            api::extract::PageQuery,
            db::{models::{cursor, Page}, DbConn},
            services::rows::User,
        };
        // use crate::web::SignedIn; (a comment)
        fn f() { let _ = ('"', "crate::web::page"); crate::db::models::user::find(); }
    "#;
    let paths = named_paths(source);
    for expected in [
        "crate::api::extract::PageQuery",
        "crate::db::models::cursor",
        "crate::db::models::Page",
        "crate::db::DbConn",
        "crate::services::rows::User",
        "crate::db::models::user::find",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} in {paths:?}"
        );
    }
    assert!(
        !paths.iter().any(|p| p.starts_with("crate::web")),
        "{paths:?}"
    );
    assert!(names("crate::db::models::Page", "crate::db::models"));
    assert!(!names("crate::db::modelsx", "crate::db::models"));
    assert!(!names("crate::db::DbConn", "crate::db::models"));
}
