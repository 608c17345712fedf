//! Golden files: what `pmagg extract --json` and `pmagg import` + `pmagg render` print for small
//! fixtures, compared byte for byte with `tests/fixtures/expected/`.
//!
//! - `extract`: every file in `tests/fixtures/golden/extract/` (markdown, HTML and text
//!   postmortems in several shapes, and posts that are not postmortems) against
//!   `tests/fixtures/expected/extract/<file name>.json`.
//! - `render`: every list in `tests/fixtures/lists/` imported into an empty database and
//!   rendered into a new README, against `tests/fixtures/expected/render/<file name>`; the
//!   list rendered onto itself must also come back byte for byte.
//!
//! A change that is meant to change these outputs regenerates them with
//! `PMAGG_BLESS=1 cargo test --test integration golden`; review the diff before committing.
//! Outputs hold no clock reading and no absolute path, so they are the same on every machine.

use std::path::{Path, PathBuf};

use crate::support::pmagg;

/// The switch that rewrites the expected files instead of comparing with them.
const BLESS: &str = "PMAGG_BLESS";

fn fixtures(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(kind)
}

/// The files of a fixture folder, sorted by name.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Where `actual` first differs from `expected`, with a few lines around it as a unified diff.
fn first_difference(expected: &str, actual: &str) -> String {
    let (old, new): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let at = old.iter().zip(&new).position(|(a, b)| a != b).unwrap_or(old.len().min(new.len()));
    let from = at.saturating_sub(2);
    let mut out = format!("@@ first difference at line {} @@\n", at + 1);
    for line in &old[from..at] {
        out.push_str(&format!(" {line}\n"));
    }
    for line in old.iter().skip(at).take(3) {
        out.push_str(&format!("-{line}\n"));
    }
    for line in new.iter().skip(at).take(3) {
        out.push_str(&format!("+{line}\n"));
    }
    if old.len() == new.len() && at == old.len() {
        out.push_str("(the lines agree; the line endings or the final newline differ)\n");
    }
    out
}

/// Compares `actual` with the golden file, or writes it there under `PMAGG_BLESS=1`. Returns
/// a description of the mismatch, if any, so one run reports every file that differs.
fn check(expected_path: &Path, actual: &str) -> Option<String> {
    if std::env::var_os(BLESS).is_some_and(|v| v == "1") {
        std::fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
        std::fs::write(expected_path, actual).unwrap();
        return None;
    }
    let expected = match std::fs::read_to_string(expected_path) {
        Ok(text) => text,
        Err(e) => return Some(format!("{}: {e}", expected_path.display())),
    };
    (expected != actual)
        .then(|| format!("{}\n{}", expected_path.display(), first_difference(&expected, actual)))
}

fn assert_all_match(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} golden file(s) differ:\n\n{}\nIf the change is intended, rewrite them with \
         `{BLESS}=1 cargo test --test integration golden` and review `git diff tests/fixtures/expected`.",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn golden_extract() {
    let inputs = files(&fixtures("golden/extract"));
    assert!(inputs.len() >= 6, "the extract fixtures are missing");
    let mut problems = Vec::new();
    for input in &inputs {
        let name = input.file_name().unwrap().to_str().unwrap();
        let dir = tempfile::tempdir().unwrap();
        // Run where no sources.toml is, naming the file relatively: nothing of this machine
        // can reach the output.
        std::fs::copy(input, dir.path().join(name)).unwrap();
        let output =
            pmagg().current_dir(dir.path()).args(["extract", name, "--json"]).output().unwrap();
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let mut json = String::from_utf8(output.stdout).unwrap();
        if !json.ends_with('\n') {
            json.push('\n');
        }
        let expected = fixtures("expected/extract").join(format!("{name}.json"));
        problems.extend(check(&expected, &json));
    }
    assert_all_match(&problems);
}

#[test]
fn golden_render() {
    let lists = files(&fixtures("lists"));
    let mut problems = Vec::new();
    for list in &lists {
        let name = list.file_name().unwrap().to_str().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let original = std::fs::read_to_string(list).unwrap();
        std::fs::write(dir.path().join("README.md"), &original).unwrap();
        let run = |args: &[&str]| pmagg().current_dir(dir.path()).args(args).output().unwrap();
        for args in [&["import", "README.md"][..], &["render", "--readme", "NEW.md"]] {
            let output = run(args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{name}: pmagg {args:?}: {stderr}");
        }
        // Rendered onto itself the list comes back byte for byte (a list with no heading that
        // names postmortems, like k8s.af's, has no place to render into, and stays as it is).
        let output = run(&["render", "--readme", "README.md"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success() || stderr.contains("has no list to render"), "{stderr}");
        let again = std::fs::read_to_string(dir.path().join("README.md")).unwrap();
        assert!(again == original, "{name}: rendered onto itself it changed:\n{}", {
            first_difference(&original, &again)
        });
        let rendered = std::fs::read_to_string(dir.path().join("NEW.md")).unwrap();
        problems.extend(check(&fixtures("expected/render").join(name), &rendered));
    }
    assert_all_match(&problems);
}

#[test]
fn a_difference_is_shown_where_it_is() {
    let shown = first_difference("a\nb\nc\nd\n", "a\nb\nX\nd\n");
    assert_eq!(shown, "@@ first difference at line 3 @@\n a\n b\n-c\n-d\n+X\n+d\n");
    let shown = first_difference("a\n", "a\nmore\n");
    assert!(shown.contains("line 2") && shown.contains("+more"), "{shown}");
    assert!(first_difference("a\n", "a").contains("final newline"));
}
