//! The command line itself: help that teaches, documented exit codes, read-only commands.

use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Workspace, pmagg, rss};

#[test]
fn every_subcommand_help_has_an_example() {
    for command in [
        "sync",
        "sources",
        "sources add",
        "sources check",
        "sources import-opml",
        "sources export-opml",
        "list",
        "show",
        "search",
        "extract",
        "reextract",
        "import",
        "render",
        "export",
        "publish",
    ] {
        let output = pmagg().args(command.split(' ')).arg("--help").output().unwrap();
        assert!(output.status.success());
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(
            help.contains("Examples:") && help.contains(&format!("pmagg {command}")),
            "{command}: {help}"
        );
    }
    let top = pmagg().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&top.stdout);
    assert!(help.contains("Exit codes:") && help.contains("PMAGG_DB"), "{help}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(pmagg().arg("frobnicate").output().unwrap().status.code(), Some(2));
    assert_eq!(pmagg().args(["list", "--limit", "many"]).output().unwrap().status.code(), Some(2));
}

#[test]
fn an_unusable_database_exits_1_and_names_the_file() {
    let ws = Workspace::new();
    ws.write_feeds("", &[("a".into(), "http://127.0.0.1:9/feed.xml".into())]);
    std::fs::write(ws.db(), vec![b'x'; 8192]).unwrap();
    let output = ws.pmagg().arg("sync").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&ws.db().display().to_string()) && stderr.contains("unusable"),
        "{stderr}"
    );
}

#[test]
fn list_and_show_read_what_sync_stored() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(path("/feed.xml"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(rss("blog", 3), "application/rss+xml"),
            )
            .mount(&server),
    );
    let ws = Workspace::new();
    ws.write_feeds("", &[("blog".into(), format!("{}/feed.xml", server.uri()))]);
    ws.sync();

    let list = ws.pmagg().args(["list", "--entries", "--json", "--limit", "2"]).output().unwrap();
    let entries: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 2);
    // Newest first: item 2 was published on Jan 3, item 1 on Jan 2.
    assert_eq!(entries[0]["title"], "blog post 2");
    assert_eq!(entries[1]["title"], "blog post 1");

    let id = entries[0]["id"].as_i64().unwrap().to_string();
    let by_id = ws.pmagg().args(["show", &id, "--json"]).output().unwrap();
    let mut shown: serde_json::Value = serde_json::from_slice(&by_id.stdout).unwrap();
    assert_eq!(shown["postmortem"], serde_json::Value::Null, "not a candidate: nothing extracted");
    shown.as_object_mut().unwrap().remove("postmortem");
    assert_eq!(shown, entries[0]);

    let url = entries[0]["url"].as_str().unwrap();
    let by_url = ws.pmagg().args(["show", url]).output().unwrap();
    let text = String::from_utf8_lossy(&by_url.stdout);
    assert!(text.starts_with("blog post 2\n") && text.contains("Summary of blog 2"), "{text}");

    let missing = ws.pmagg().args(["show", "999999"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no entry with ID 999999"));
}

/// A reader that stops early (`pmagg sources | head`) is not an error: exit 0, nothing on
/// stderr.
#[test]
fn a_reader_that_closes_stdout_early_is_not_an_error() {
    use std::io::Read as _;
    use std::process::Stdio;

    let ws = Workspace::new();
    // A table of 3000 sources is far more than a pipe holds, so pmagg is still writing
    // when the reader goes.
    let feeds: Vec<_> =
        (0..3000).map(|i| (format!("source-{i}"), format!("http://127.0.0.1:9/{i}.xml"))).collect();
    ws.write_feeds("", &feeds);
    let binary = assert_cmd::cargo::cargo_bin("pmagg");
    let mut child = std::process::Command::new(binary)
        .arg("--config")
        .arg(ws.config())
        .arg("--db")
        .arg(ws.db())
        .arg("sources")
        .env_remove("PMAGG_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0_u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here, as `head` exits.
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
}
