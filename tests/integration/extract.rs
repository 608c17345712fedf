//! Extraction end to end: `pmagg extract` on documents, and `pmagg sync` fetching only the
//! articles of likely postmortems and storing what was extracted from them.

use std::path::Path;

use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Workspace, pmagg};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/documents").join(name)
}

fn extract_json(args: &[&str]) -> serde_json::Value {
    let output = pmagg().arg("extract").args(args).arg("--json").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn extract_reads_an_article_page() {
    let fields = extract_json(&[fixture("article.html").to_str().unwrap()]);
    assert_eq!(fields["is_postmortem"], true, "{fields:#}");
    assert_eq!(fields["incident_date"], "2024-05-14");
    assert_eq!(fields["duration_minutes"], 46);
    assert!(
        fields["root_cause"].as_str().unwrap().contains("expired TLS certificate"),
        "{fields:#}"
    );
    assert_eq!(fields["action_items"].as_array().unwrap().len(), 2);
    assert!(
        fields["categories"].as_array().unwrap().iter().any(|c| c == "certificate"),
        "{fields:#}"
    );
    assert_eq!(fields["published"], "2024-05-20T09:00:00Z");
}

#[test]
fn extract_rejects_a_guide_and_reads_stdin() {
    let guide = extract_json(&[fixture("writing-guide.md").to_str().unwrap()]);
    assert_eq!(guide["is_postmortem"], false, "{guide:#}");

    let text = std::fs::read(fixture("classic-two-reports.txt")).unwrap();
    let output = pmagg().args(["extract", "-", "--json"]).write_stdin(text).output().unwrap();
    let fields: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(fields["is_postmortem"], true, "{fields:#}");
    assert!(fields["duration_minutes"].as_u64().is_some(), "{fields:#}");

    let readable = pmagg().arg("extract").arg(fixture("article.html")).output().unwrap();
    let text = String::from_utf8_lossy(&readable.stdout);
    assert!(text.starts_with("Postmortem:   yes") && text.contains("Root cause:"), "{text}");
}

/// Acceptance 1 of the extraction issue on the real seeds, when ../shared is present.
#[test]
fn seeds_when_the_shared_corpus_is_present() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/seeds");
    let Ok(dir) = std::fs::read_dir(&seeds) else {
        eprintln!("skipped: {} not found", seeds.display());
        return;
    };
    let mut files: Vec<_> = dir.filter_map(Result::ok).map(|e| e.path()).collect();
    files.sort();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let fields = extract_json(&[file.to_str().unwrap()]);
        if name.starts_with("000_") {
            assert_eq!(fields["is_postmortem"], false, "{name}: the curated list");
            continue;
        }
        assert_eq!(fields["is_postmortem"], true, "{name}");
        assert!(
            fields["impact"].is_string() && fields["root_cause"].is_string(),
            "{name}: {fields:#}"
        );
        assert!(!fields["action_items"].as_array().unwrap().is_empty(), "{name}");
        if name.starts_with("001_") {
            assert_eq!(fields["duration_minutes"], 240, "{name}");
        }
    }
}

/// A feed with a postmortem, a look-alike guide and a plain post: only the first two articles
/// are fetched, the postmortem is confirmed with its fields, and a second sync fetches nothing.
#[test]
fn sync_fetches_only_likely_postmortems_and_stores_the_extraction() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    let base = server.uri();
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Example Engineering</title>\
         <item><title>Incident report: API errors on May 14</title><link>{base}/blog/incident/</link>\
         <guid>pm</guid><pubDate>Mon, 20 May 2024 09:00:00 GMT</pubDate><description>What happened on May 14.</description></item>\
         <item><title>How we moved search to Rust</title><link>{base}/blog/rust/</link><guid>plain</guid>\
         <pubDate>Tue, 21 May 2024 09:00:00 GMT</pubDate><description>A migration story.</description></item>\
         </channel></rss>"
    );
    rt.block_on(async {
        Mock::given(path("/feed.xml"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(feed, "application/rss+xml"))
            .mount(&server)
            .await;
        Mock::given(path("/blog/incident/"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(std::fs::read(fixture("article.html")).unwrap(), "text/html"),
            )
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path("/blog/rust/"))
            .respond_with(ResponseTemplate::new(404))
            .expect(0)
            .mount(&server)
            .await;
    });
    let ws = Workspace::new();
    ws.write_feeds("", &[("Example".into(), format!("{base}/feed.xml"))]);
    let first = ws.sync();
    assert_eq!(first["entries_new"], 2, "{first}");
    let again = ws.sync();
    assert_eq!(again["sources_failed"], 0, "{again}");
    rt.block_on(server.verify());

    let listed = ws.pmagg().args(["list", "--postmortems", "--json"]).output().unwrap();
    let postmortems: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let postmortems = postmortems.as_array().unwrap();
    assert_eq!(postmortems.len(), 1, "{postmortems:#?}");
    assert_eq!(postmortems[0]["incident_date"], "2024-05-14");
    assert_eq!(postmortems[0]["company"], "Example");
    assert!(postmortems[0]["root_cause"].as_str().unwrap().contains("certificate"));

    let found = ws.pmagg().args(["search", "certificate", "--json"]).output().unwrap();
    let found: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1);

    let reextract = ws.pmagg().args(["reextract", "--all", "--json"]).output().unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&reextract.stdout).unwrap();
    assert_eq!(
        (summary["reextracted"].as_u64(), summary["postmortems"].as_u64()),
        (Some(1), Some(1))
    );
}
