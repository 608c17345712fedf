//! The one-way data flow of STYLE.md, checked on the source: a stage imports only `model`,
//! `config` and itself (`config → fetch → parse → extract → store → render → publish`), and
//! only `pipeline`, `schedule` and `commands` reach across stages. `listfmt`, the curated-list
//! grammar, is shared by exactly the two stages that read and write lists (`parse`, `render`).

use std::collections::BTreeSet;
use std::path::Path;

/// What each module may import from the crate (besides itself).
const RULES: &[(&str, &[&str])] = &[
    ("model", &[]),
    // The curated-list format (#19): its grammar and escaping, read by parse and written by
    // render, so that the two agree. It sits beside model, under every stage that uses it.
    ("listfmt", &["model"]),
    ("config", &["model"]),
    ("fetch", &["model", "config"]),
    ("parse", &["model", "config", "listfmt"]),
    ("extract", &["model", "config"]),
    ("store", &["model", "config"]),
    ("render", &["model", "config", "listfmt"]),
    ("publish", &["model", "config", "render"]),
    // The site reads the store (read-only) and renders report markdown with render's rules;
    // it sits after store, beside render, and is called from commands and schedule (#17).
    ("web", &["model", "config", "store", "render"]),
    // The daemon reads the store for health and backoff; every write goes through pipeline.
    // It serves the site beside /healthz, /metrics and /feed.xml.
    ("schedule", &["model", "config", "fetch", "store", "pipeline", "web"]),
];

fn imports(path: &Path, found: &mut BTreeSet<String>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            imports(&entry.unwrap().path(), found);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        let text = std::fs::read_to_string(path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + 7..];
            // `crate::{a::X, b}` names several modules at once.
            let names = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap_or(group.len())].to_owned(),
                None => rest.to_owned(),
            };
            for path in names.split(',') {
                let name: String = path
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
                if !rest.starts_with('{') {
                    break;
                }
            }
        }
    }
}

#[test]
fn the_scanner_sees_grouped_imports() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.rs");
    std::fs::write(&file, "use crate::{model::Entry, store::Store};\nuse crate::parse;\n").unwrap();
    let mut found = BTreeSet::new();
    imports(&file, &mut found);
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["model", "parse", "store"]);
}

#[test]
fn stages_import_only_to_their_left() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (module, allowed) in RULES {
        let mut found = BTreeSet::new();
        let dir = src.join(module);
        if dir.is_dir() {
            imports(&dir, &mut found);
        }
        let file = src.join(format!("{module}.rs"));
        if file.is_file() {
            imports(&file, &mut found);
        }
        let wrong: Vec<_> =
            found.iter().filter(|m| *m != module && !allowed.contains(&m.as_str())).collect();
        assert!(wrong.is_empty(), "src/{module} imports {wrong:?}; it may import only {allowed:?}");
    }
}
