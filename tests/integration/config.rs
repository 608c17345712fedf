//! The shipped config validates; broken configs report every problem with its line.

use std::path::Path;

use crate::support::{Workspace, pmagg};

/// The checked-in sources.toml is an example config: it must parse and validate.
#[test]
fn shipped_sources_toml_validates() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sources.toml");
    let config = pmagg::config::load(&path).unwrap_or_else(|err| panic!("{err}"));
    assert!(config.sources.len() >= 40, "only {} sources", config.sources.len());
    assert!(config.enabled_sources().count() < config.sources.len(), "shows `enabled = false`");
    let kinds: std::collections::HashSet<_> = config.sources.iter().map(|s| s.kind).collect();
    assert!(kinds.len() >= 4, "kinds: {kinds:?}");
    // `company` defaults to the name, so it is checked in the file itself.
    let text = std::fs::read_to_string(&path).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    let sources = table["source"].as_array().unwrap();
    assert_eq!(sources.len(), config.sources.len());
    for source in sources {
        let name = &source["name"];
        assert!(source.get("company").is_some_and(toml::Value::is_str), "{name}: no company");
        assert!(
            source.get("company_url").is_some_and(toml::Value::is_str),
            "{name}: no company_url"
        );
    }
    // The comments document every kind and every html selector key.
    let comments: String = text.lines().filter(|l| l.starts_with('#')).collect();
    let kinds = pmagg::model::SourceKind::ALL.iter().map(|k| format!("\"{}\"", k.as_str()));
    let selectors = ["item_selector", "link_selector", "title_selector", "date_selector"];
    for word in kinds.chain(selectors.map(String::from)) {
        assert!(comments.contains(&word), "the comments do not document {word}");
    }
}

/// Every TOML block in the README is a valid config (or a valid fragment of one).
#[test]
fn readme_toml_examples_validate() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut blocks = 0;
    let mut rest = readme.as_str();
    while let Some(start) = rest.find("```toml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("closed code block");
        let block = &body[..end];
        // A settings-only fragment gets a source so that it is a whole file.
        let text = if block.contains("[[source]]") {
            block.to_owned()
        } else {
            format!(
                "{block}\n[[source]]\nname = \"x\"\nkind = \"feed\"\nurl = \"https://x.example/feed\"\n"
            )
        };
        pmagg::config::parse(&text, Path::new("README.md"))
            .unwrap_or_else(|err| panic!("README block does not validate: {err}\n{block}"));
        blocks += 1;
        rest = &body[end..];
    }
    assert!(blocks >= 1, "README shows no toml example");
}

/// Acceptance: an unknown key, a duplicate name and an invalid URL exit 2 and are all named
/// with their line numbers.
#[test]
fn every_problem_is_reported_with_its_line() {
    let ws = Workspace::new();
    std::fs::write(
        ws.config(),
        "\
[settings]
concurrency = 4

[[source]]
name = \"Acme\"
kind = \"feed\"
url = \"https://acme.example/feed.xml\"
colour = \"red\"

[[source]]
name = \"Acme\"
kind = \"feed\"
url = \"https://acme.example/other.xml\"

[[source]]
name = \"Bad URL\"
kind = \"feed\"
url = \"htp:/nowhere\"
",
    )
    .unwrap();
    let output = ws.pmagg().arg("sync").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let config = ws.config().display().to_string();
    assert!(stderr.contains("3 problems"), "{stderr}");
    assert!(
        stderr.contains(&format!("{config}:8: source \"Acme\": unknown key `colour`")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{config}:11: source \"Acme\": duplicate source name (first used on line 5)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{config}:18: source \"Bad URL\": `url` \"htp:/nowhere\"")),
        "{stderr}"
    );
    assert!(!ws.db().exists(), "nothing runs on a bad config");
}

#[test]
fn missing_config_is_exit_2_and_says_how_to_point_at_one() {
    let dir = tempfile::tempdir().unwrap();
    let output = pmagg().current_dir(dir.path()).arg("sync").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // #16: it also says how to start one.
    assert!(stderr.contains("no config at sources.toml"), "{stderr}");
    assert!(stderr.contains("pmagg init") && stderr.contains("--config"), "{stderr}");
}

#[test]
fn pmagg_config_and_pmagg_db_are_read_from_the_environment() {
    let ws = Workspace::new();
    ws.write_feeds("", &[("a".into(), "https://a.example/feed.xml".into())]);
    let output = pmagg()
        .env("PMAGG_CONFIG", ws.config())
        .env("PMAGG_DB", ws.path("env.db"))
        .args(["sources", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows[0]["name"], "a");
    assert_eq!(rows[0]["last_outcome"], "never");
}
