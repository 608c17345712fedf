//! Who decides (#15): the publisher's word first (a status page's postmortem), the curator's
//! last (`pmagg mark`), and `pmagg extract` guarding its input.

use std::path::Path;

use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Workspace, pmagg};

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

/// A narrative postmortem as a small status page publishes it: no headings, no timestamps,
/// about 150 words, the cause told in prose. The classifier alone scores it low.
pub const NARRATIVE_POSTMORTEM: &str = "We are sorry for the interruptions to Quarry, the \
catalogue search that students and staff use to find books and articles, on Tuesday morning. \
Between roughly nine and eleven, searches failed or returned empty pages for many users, and \
requests for items held in storage could not be placed. The interruptions were caused by a \
scheduled index rebuild that ran during opening hours instead of overnight: it consumed the \
memory of both search servers, which then restarted again and again while the rebuild kept \
going. Our team paused the rebuild, restarted the search servers one at a time and moved the \
job back to its overnight window, after which searches were answered normally. We are adding \
a check that refuses to start the rebuild while the library is open, and an alert on repeated \
restarts of the search servers, so that a repeat is caught in minutes. We apologise to \
everyone whose research was held up.";

/// A Statuspage `incidents.json` with one incident whose publisher posted `body` as its
/// postmortem, and one plain resolved incident.
pub fn statuspage_json(body: &str) -> String {
    let update = |id: &str, status: &str, text: &str, at: &str| {
        json!({"id": id, "status": status, "body": text, "created_at": at, "updated_at": at,
               "display_at": at, "affected_components": null})
    };
    json!({
        "page": {"id": "lib1", "name": "Library Systems", "url": "https://status.library.example",
                 "time_zone": "America/New_York", "updated_at": "2024-04-10T18:00:00Z"},
        "incidents": [
            {
                "id": "q7pm2024", "name": "Quarry is experiencing intermittent outages",
                "status": "postmortem", "impact": "none",
                "created_at": "2024-04-09T13:05:00.000Z", "updated_at": "2024-04-09T17:40:00.000Z",
                "started_at": "2024-04-09T13:05:00.000Z", "resolved_at": "2024-04-09T15:10:00.000Z",
                "shortlink": "http://stspg.io/x", "page_id": "lib1", "components": [],
                "incident_updates": [
                    update("u3", "postmortem", body, "2024-04-09T17:40:00.000Z"),
                    update("u2", "resolved", "Search is working normally again.",
                           "2024-04-09T15:10:00.000Z"),
                    update("u1", "investigating", "Quarry is failing intermittently.",
                           "2024-04-09T13:05:00.000Z"),
                ],
                "postmortem_body": body,
                "postmortem_body_last_updated_at": "2024-04-09T17:39:00.000Z",
            },
            {
                "id": "plain2024", "name": "Slow logins", "status": "resolved", "impact": "minor",
                "created_at": "2024-04-01T10:00:00.000Z", "updated_at": "2024-04-01T11:00:00.000Z",
                "started_at": "2024-04-01T10:00:00.000Z", "resolved_at": "2024-04-01T11:00:00.000Z",
                "shortlink": "http://stspg.io/y", "page_id": "lib1", "components": [],
                "incident_updates": [update("u9", "resolved", "Logins are fast again.",
                                            "2024-04-01T11:00:00.000Z")],
                "postmortem_body": null,
                "postmortem_body_last_updated_at": null,
            }
        ]
    })
    .to_string()
}

pub fn serve(
    rt: &tokio::runtime::Runtime,
    server: &MockServer,
    route: &str,
    body: String,
    ct: &str,
) {
    rt.block_on(
        Mock::given(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body.into_bytes(), ct))
            .mount(server),
    );
}

/// `pmagg <args>` in the workspace; panics unless it exits 0; returns stdout.
pub fn ok(ws: &Workspace, args: &[&str]) -> String {
    let output = ws.pmagg().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "pmagg {args:?}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

pub fn json_of(ws: &Workspace, args: &[&str]) -> Value {
    serde_json::from_str(&ok(ws, args)).unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Acceptance 3 of #15, on a fixture of the same shape: a Statuspage incident that its
/// publisher marked as a postmortem is listed, rendered and in the feed, whatever it scores.
#[test]
fn a_publishers_postmortem_is_listed_rendered_and_in_the_feed() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    serve(
        &rt,
        &server,
        "/api/v2/incidents.json",
        statuspage_json(NARRATIVE_POSTMORTEM),
        "application/json",
    );
    let ws = Workspace::new();
    let (readme, feed) = (ws.path("README.md"), ws.path("feed.xml"));
    std::fs::write(
        ws.config(),
        format!(
            "[settings]\ntimeout_secs = 5\nreadme = {:?}\nfeed = {:?}\n\n[[source]]\n\
             name = \"Library Status\"\nkind = \"statuspage\"\nurl = \"{}/\"\ncompany = \"Library\"\n",
            readme.to_str().unwrap(),
            feed.to_str().unwrap(),
            server.uri()
        ),
    )
    .unwrap();
    let summary = ws.sync();
    assert_eq!(summary["sources_ok"], 1, "{summary}");

    let listed = json_of(&ws, &["list", "--postmortems", "--json"]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1, "only the incident with a postmortem: {listed:#?}");
    let pm = &listed[0];
    assert_eq!(pm["decided_by"], "publisher");
    assert_eq!(pm["is_postmortem"], true);
    assert_eq!(pm["title"], "Quarry is experiencing intermittent outages");
    // The postmortem body is what was extracted, not the incident's updates.
    let summary = pm["summary"].as_str().expect("a summary from the postmortem body");
    assert!(!summary.starts_with("This ") && !summary.starts_with("It "), "{summary}");
    assert!(
        !summary.contains("Search is working normally again"),
        "the summary comes from the postmortem, not an update: {summary}"
    );

    let entry_id = pm["entry_id"].as_i64().unwrap().to_string();
    let shown = json_of(&ws, &["show", &entry_id, "--json"]);
    assert_eq!(shown["postmortem"]["decided_by"], "publisher", "{shown:#}");
    // The classifier's score is explained, signal by signal, even when it did not decide.
    let explanation = &shown["postmortem"]["explanation"];
    assert!(explanation["bias"].is_number(), "{shown:#}");
    let contributions = explanation["contributions"].as_array().unwrap();
    assert!(!contributions.is_empty(), "{explanation:#}");
    assert!(contributions.iter().all(|c| c["signal"].is_string() && c["contribution"].is_number()));
    let text = ok(&ws, &["show", &entry_id]);
    assert!(text.contains("Decided by:   publisher"), "{text}");
    assert!(text.contains("Classifier:   confidence "), "{text}");
    let first = contributions[0]["signal"].as_str().unwrap();
    assert!(text.contains(first), "{text}");

    let readme_text = read(&readme);
    assert!(readme_text.contains("Quarry is experiencing intermittent outages"), "{readme_text}");
    assert!(!readme_text.contains("Slow logins"), "{readme_text}");
    let feed_text = read(&feed);
    assert!(feed_text.contains("Quarry is experiencing intermittent outages"), "{feed_text}");

    let exported = json_of(&ws, &["export"]);
    assert_eq!(exported[0]["decided_by"], "publisher", "{exported:#}");
}

/// An announcement long enough to be the whole article in the feed: not a postmortem.
fn announcement(tag: &str) -> String {
    let mut text = format!("<p>Today we are announcing {tag}, our new dashboard.</p>");
    for i in 0..30 {
        text.push_str(&format!(
            "<p>Feature {i}: dashboards load faster, charts can be shared, and teams can pin \
             the views they use most.</p>"
        ));
    }
    text
}

fn feed_with(items: &[(&str, &str, String)]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Blog</title>\
         <link>https://blog.example.com/</link><description>x</description>",
    );
    for (title, link, content) in items {
        xml.push_str(&format!(
            "<item><title>{title}</title><link>{link}</link><guid>{link}</guid>\
             <pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate>\
             <description>News.</description>\
             <content:encoded><![CDATA[{content}]]></content:encoded></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    xml
}

/// Acceptance 5 of #15: the `mark` round trip.
#[test]
fn mark_round_trip_survives_sync_and_reextract() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let link = "https://blog.example.com/2024/03/orbit-launch";
    serve(
        &rt,
        &server,
        "/feed.xml",
        feed_with(&[("Introducing Orbit", link, announcement("Orbit"))]),
        "application/rss+xml",
    );
    let ws = Workspace::new();
    let (readme, feed) = (ws.path("README.md"), ws.path("feed.xml"));
    let hand = "- 01-02-2020 - [Hand-picked outage](https://hand.example.com/pm) by \
                [Hand](https://hand.example.com)\n";
    std::fs::write(
        &readme,
        format!(
            "# Postmortems\n\nIntro.\n\n<!-- pmagg:start -->\n{hand}<!-- pmagg:end -->\n\nFooter.\n"
        ),
    )
    .unwrap();
    std::fs::write(
        ws.config(),
        format!(
            "[settings]\ntimeout_secs = 5\nreadme = {:?}\nfeed = {:?}\n\n[[source]]\n\
             name = \"Blog\"\nkind = \"feed\"\nurl = \"{}/feed.xml\"\nfilter = \".\"\n",
            readme.to_str().unwrap(),
            feed.to_str().unwrap(),
            server.uri()
        ),
    )
    .unwrap();
    ok(&ws, &["import", readme.to_str().unwrap()]);
    ws.sync();
    let entries = json_of(&ws, &["list", "--entries", "--json"]);
    let id = entries[0]["id"].as_i64().unwrap().to_string();
    let shown = json_of(&ws, &["show", &id, "--json"]);
    assert_eq!(shown["postmortem"]["is_postmortem"], false, "rejected first: {shown:#}");
    assert_eq!(shown["postmortem"]["decided_by"], "classifier");
    assert!(!read(&readme).contains("Introducing Orbit"));

    let marked = json_of(
        &ws,
        &["mark", &id, "--postmortem", "--reason", "a launch postmortem in disguise", "--json"],
    );
    assert_eq!(marked["is_postmortem"], true, "{marked:#}");
    assert_eq!(marked["canonical_url"], link);
    ok(&ws, &["render"]);
    let in_readme = |ws: &Workspace| read(&ws.path("README.md")).contains("Introducing Orbit");
    assert!(in_readme(&ws), "{}", read(&readme));
    assert!(read(&feed).contains("Introducing Orbit"));
    let shown = ok(&ws, &["show", &id]);
    assert!(shown.contains("Decided by:   curator"), "{shown}");
    assert!(shown.contains("a launch postmortem in disguise"), "{shown}");

    // The curator's word survives a pass and a full re-extraction.
    ws.sync();
    let reextracted = json_of(&ws, &["reextract", "--all", "--json"]);
    assert_eq!(reextracted["decided_by"]["curator"], 1, "{reextracted}");
    let listed = json_of(&ws, &["list", "--postmortems", "--json"]);
    assert_eq!(listed[0]["decided_by"], "curator", "{listed:#}");
    ok(&ws, &["render"]);
    assert!(in_readme(&ws));

    // --not-postmortem takes out what pmagg added, and leaves a hand-written line alone
    // (even one marked the same way).
    ok(&ws, &["mark", link, "--not-postmortem", "--reason", "a product launch"]);
    ok(&ws, &["mark", "https://hand.example.com/pm", "--not-postmortem"]);
    let exported = ok(&ws, &["export"]);
    assert!(!exported.contains(link), "export honours the mark before any render: {exported}");
    assert!(exported.contains("https://hand.example.com/pm"), "{exported}");
    ok(&ws, &["render"]);
    let text = read(&readme);
    assert!(!text.contains("Introducing Orbit"), "{text}");
    assert!(text.contains(hand), "{text}");
    assert!(text.starts_with("# Postmortems\n\nIntro.\n\n") && text.ends_with("\n\nFooter.\n"));
    assert!(!read(&feed).contains("Introducing Orbit"));
    assert_eq!(json_of(&ws, &["list", "--postmortems", "--json"]), json!([]));
    // And it stays out after another pass and render.
    ws.sync();
    ok(&ws, &["render"]);
    assert!(!in_readme(&ws));
}

/// A small ELF header followed by NUL bytes and a terminal escape.
pub fn fake_elf() -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01\x00".to_vec();
    bytes.extend_from_slice(&[0u8; 64]);
    bytes.extend_from_slice(b"\x1b[31mred\x1b[0m root cause");
    bytes
}

#[test]
fn extract_refuses_binary_input_naming_the_file() {
    let ws = Workspace::new();
    for (name, bytes) in [
        ("program", fake_elf()),
        ("notes.md", b"# Incident\n\nThe database\x00 failed.".to_vec()),
        ("picture.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec()),
    ] {
        let file = ws.path(name);
        std::fs::write(&file, bytes).unwrap();
        let output = pmagg().arg("extract").arg(&file).output().unwrap();
        assert!(!output.status.success(), "{name}");
        assert!(output.stdout.is_empty(), "{name}: nothing on stdout");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(file.to_str().unwrap()), "{name}: {stderr}");
        assert!(stderr.contains("not a document"), "{name}: {stderr}");
        assert!(!stderr.chars().any(|c| c.is_control() && c != '\n'), "{name}: {stderr:?}");
    }
}

#[test]
fn extract_reads_status_page_json_and_refuses_other_json() {
    let ws = Workspace::new();
    let file = ws.path("incidents.json");
    std::fs::write(&file, statuspage_json(NARRATIVE_POSTMORTEM)).unwrap();
    let output = pmagg().arg("extract").arg(&file).arg("--json").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let found: Value = serde_json::from_slice(&output.stdout).unwrap();
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["decided_by"], "publisher");
    assert_eq!(found[0]["is_postmortem"], true);
    assert_eq!(found[0]["url"], "https://status.library.example/incidents/q7pm2024");

    let other = ws.path("package.json");
    std::fs::write(&other, r#"{"name": "left-pad", "version": "1.3.0"}"#).unwrap();
    let output = pmagg().arg("extract").arg(&other).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("is JSON, but not from an API pmagg reads"), "{stderr}");
    assert!(stderr.contains("incidents.json"), "{stderr}");
}

#[test]
fn extract_reads_at_most_max_report_bytes_and_says_so() {
    let ws = Workspace::new();
    ws.write_feeds("max_report_bytes = 70000", &[("x".into(), "https://x.example/feed".into())]);
    let file = ws.path("long.md");
    let mut text = String::from("# Postmortem: queue outage\n\n");
    while text.len() < 300_000 {
        text.push_str("The queue stalled because a consumer leaked connections. ");
    }
    std::fs::write(&file, text).unwrap();
    let output = ws.pmagg().arg("extract").arg(&file).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("longer than max_report_bytes (70000 bytes)"), "{stderr}");
}

#[test]
fn extract_takes_a_document_that_starts_like_json_for_a_document() {
    let ws = Workspace::new();
    let text = "[Back to the blog](https://blog.example.com/)\n\n# Postmortem: login outage\n\n\
                Logins failed for two hours because an expired certificate was not rotated.\n";
    for name in ["links.md", "links"] {
        let file = ws.path(name);
        std::fs::write(&file, text).unwrap();
        let output = pmagg().arg("extract").arg(&file).arg("--json").output().unwrap();
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let found: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(found.is_object(), "{name}: one document, not an API's list: {found}");
    }
}
