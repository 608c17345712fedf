//! `pmagg sources add | check | import-opml | export-opml` against loopback servers.

use pretty_assertions::assert_eq;
use serde_json::Value;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Workspace, rss};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

/// A config with comments everywhere, so that keeping them can be checked byte for byte.
fn commented_config(existing_url: &str) -> String {
    format!(
        "# pmagg config for the tests\n\
         #   with an indented comment\n\
         [settings]\n\
         concurrency = 4 # inline\n\
         \n\
         # The one source so far.\n\
         [[source]]\n\
         name = 'Existing'   # odd spacing survives\n\
         kind = \"feed\"\n\
         url = \"{existing_url}\"\n\
         # a trailing comment\n"
    )
}

fn mount(rt: &tokio::runtime::Runtime, server: &MockServer, route: &str, body: &str, ct: &str) {
    rt.block_on(
        Mock::given(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_owned(), ct))
            .mount(server),
    );
}

fn blog_page(feed_href: &str) -> String {
    format!(
        "<!doctype html><html><head><title>Acme Engineering</title>\n\
         <link rel=\"stylesheet\" href=\"/style.css\">\n\
         <link rel=\"alternate\" type=\"application/rss+xml\" title=\"Comments Feed\" href=\"/blog/comments/feed/\">\n\
         <link rel=\"alternate\" type=\"application/rss+xml\" title=\"Feed\" href=\"{feed_href}\">\n\
         </head><body><h1>Acme Engineering</h1></body></html>"
    )
}

/// Acceptance: a blog page with `<link rel="alternate">` becomes a feed source appended to
/// the config (every byte before it kept), and that feed then syncs.
#[test]
fn add_finds_the_feed_a_blog_links_to_and_it_syncs() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    mount(&rt, &server, "/blog/", &blog_page("feed.xml"), "text/html; charset=utf-8");
    mount(&rt, &server, "/blog/feed.xml", &rss("acme", 3), "application/rss+xml");
    let ws = Workspace::new();
    let original = commented_config(&format!("{}/existing.xml", server.uri()));
    std::fs::write(ws.config(), &original).unwrap();
    let blog = format!("{}/blog/", server.uri());

    let dry = ws.pmagg().args(["sources", "add", &blog, "--dry-run"]).output().unwrap();
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert_eq!(std::fs::read_to_string(ws.config()).unwrap(), original, "--dry-run wrote");
    let expected = format!(
        "[[source]]\nname = \"acme\"\nkind = \"feed\"\nurl = \"{uri}/blog/feed.xml\"\n\
         company = \"acme\"\ncompany_url = \"{uri}/\"\n",
        uri = server.uri()
    );
    assert_eq!(String::from_utf8_lossy(&dry.stdout), expected);

    let output = ws.pmagg().args(["sources", "add", &blog]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("added source \"acme\"") && stdout.contains("rel=\"alternate\""));
    let edited = std::fs::read_to_string(ws.config()).unwrap();
    assert_eq!(edited, format!("{original}\n{expected}"));

    let sync = ws.pmagg().args(["sync", "--source", "acme", "--json"]).output().unwrap();
    assert!(sync.status.success(), "{}", String::from_utf8_lossy(&sync.stderr));
    let report: Value = serde_json::from_slice(&sync.stdout).unwrap();
    assert_eq!((report["sources_ok"].as_u64(), report["entries_new"].as_u64()), (Some(1), Some(3)));
}

/// A feed URL is added as it is; without a linked feed, the usual paths are tried; a page
/// that leads nowhere is an error that says how to add it by hand.
#[test]
fn add_takes_feeds_as_they_are_tries_usual_paths_and_explains_failure() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    mount(&rt, &server, "/direct.xml", &rss("direct", 1), "application/rss+xml");
    mount(&rt, &server, "/plain/", "<html><head><title>Plain</title></head></html>", "text/html");
    mount(&rt, &server, "/plain/index.xml", &rss("plain", 1), "application/xml");
    mount(
        &rt,
        &server,
        "/nothing/",
        "<html><head><title>No feed</title></head></html>",
        "text/html",
    );
    let ws = Workspace::new();
    std::fs::write(ws.config(), commented_config("https://elsewhere.example/feed.xml")).unwrap();

    let uri = server.uri();
    let direct =
        ws.pmagg().args(["sources", "add", &format!("{uri}/direct.xml")]).output().unwrap();
    assert!(direct.status.success(), "{}", String::from_utf8_lossy(&direct.stderr));
    let plain = ws
        .pmagg()
        .args(["sources", "add", &format!("{uri}/plain/"), "--name", "Plain blog"])
        .args(["--company", "Plain Inc.", "--company-url", "https://plain.example/"])
        .output()
        .unwrap();
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    let config = pmagg::config::load(&ws.config()).unwrap();
    let added: Vec<_> = config
        .sources
        .iter()
        .skip(1)
        .map(|s| (s.name.to_string(), s.url.to_string(), s.company.clone(), s.company_url.clone()))
        .collect();
    assert_eq!(
        added,
        [
            (
                "direct".into(),
                format!("{uri}/direct.xml"),
                "direct".into(),
                Some(format!("{uri}/").parse().unwrap())
            ),
            (
                "Plain blog".into(),
                format!("{uri}/plain/index.xml"),
                "Plain Inc.".into(),
                Some("https://plain.example/".parse().unwrap())
            ),
        ]
    );

    let before = std::fs::read_to_string(ws.config()).unwrap();
    let nothing = ws.pmagg().args(["sources", "add", &format!("{uri}/nothing/")]).output().unwrap();
    assert_eq!(nothing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&nothing.stderr);
    assert!(stderr.contains("cannot tell what") && stderr.contains("kind = \"html\""), "{stderr}");
    assert_eq!(std::fs::read_to_string(ws.config()).unwrap(), before);
}

/// Acceptance: a site whose `/api/v2/incidents.json` answers Statuspage JSON is a
/// `statuspage` source; with ULID ids it is `incidentio`.
#[test]
fn add_recognises_statuspage_and_incidentio_sites() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    mount(
        &rt,
        &server,
        "/sp/api/v2/incidents.json",
        r#"{"page":{"id":"kctbh9vrtdwd","name":"Acme","url":"https://status.acme.example","time_zone":"Etc/UTC","updated_at":"2024-03-05T10:00:00Z"},"incidents":[]}"#,
        "application/json",
    );
    mount(
        &rt,
        &server,
        "/io/api/v2/incidents.json",
        r#"{"page":{"id":"openai","name":"OpenAI","url":"https://status.openai.com"},"incidents":[{"id":"01M3ACKDE4GYY67FXXNRRSC0CE","name":"Elevated errors","status":"resolved","incident_updates":[]}]}"#,
        "application/json",
    );
    let ws = Workspace::new();
    let original = commented_config("https://elsewhere.example/feed.xml");
    std::fs::write(ws.config(), &original).unwrap();

    let uri = server.uri();
    for (route, name) in [("/sp", "Acme"), ("/io", "OpenAI")] {
        let output =
            ws.pmagg().args(["sources", "add", &format!("{uri}{route}")]).output().unwrap();
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let edited = std::fs::read_to_string(ws.config()).unwrap();
    assert!(edited.starts_with(&original), "{edited}");
    assert_eq!(
        &edited[original.len()..],
        format!(
            "\n[[source]]\nname = \"Acme\"\nkind = \"statuspage\"\nurl = \"{uri}/sp\"\n\
             company = \"Acme\"\ncompany_url = \"{uri}/\"\n\
             \n[[source]]\nname = \"OpenAI\"\nkind = \"incidentio\"\nurl = \"{uri}/io\"\n\
             company = \"OpenAI\"\ncompany_url = \"{uri}/\"\n"
        )
    );
}

/// A name or URL already in the config exits 2, names the existing source, and leaves the
/// file alone, whether the clash is seen before discovery or after it.
#[test]
fn add_refuses_duplicate_names_and_urls_with_exit_2() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    mount(&rt, &server, "/blog/", &blog_page("/existing.xml"), "text/html");
    mount(&rt, &server, "/existing.xml", &rss("existing", 1), "application/rss+xml");
    let ws = Workspace::new();
    let uri = server.uri();
    let original = commented_config(&format!("{uri}/existing.xml"));
    std::fs::write(ws.config(), &original).unwrap();

    for args in [
        vec![format!("{uri}/existing.xml")],
        vec!["HTTP://127.0.0.1:9/x".to_owned(), "--name".to_owned(), "Existing".to_owned()],
        vec![format!("{uri}/blog/")],
    ] {
        let output = ws.pmagg().args(["sources", "add"]).args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("\"Existing\""), "{args:?}: {stderr}");
    }
    assert_eq!(std::fs::read_to_string(ws.config()).unwrap(), original);

    let usage = ws.pmagg().args(["sources", "add", "ftp://x.example/"]).output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
}

/// Acceptance: `check` exits 0 when every enabled source works, 1 when one fails; `--json`
/// has a row per enabled source; the database is never created.
#[test]
fn check_reports_every_source_and_exits_by_outcome() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    mount(&rt, &server, "/a.xml", &rss("a", 3), "application/rss+xml");
    let post = rss("b", 2).replace("b post 1</title>", "Post-mortem of the b outage</title>");
    mount(&rt, &server, "/b.xml", &post, "application/rss+xml");
    let ws = Workspace::new();
    let uri = server.uri();
    let feeds = format!(
        "[[source]]\nname = \"a\"\nkind = \"feed\"\nurl = \"{uri}/a.xml\"\n\
         [[source]]\nname = \"b\"\nkind = \"feed\"\nurl = \"{uri}/b.xml\"\n\
         [[source]]\nname = \"off\"\nkind = \"feed\"\nurl = \"{uri}/gone.xml\"\nenabled = false\n"
    );
    std::fs::write(ws.config(), &feeds).unwrap();

    let ok = ws.pmagg().args(["sources", "check", "--json"]).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let rows: Value = serde_json::from_slice(&ok.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "disabled sources are not checked");
    assert_eq!(rows[0]["name"], "a");
    assert_eq!(rows[0]["kind"], "feed");
    assert_eq!(rows[0]["outcome"], "ok");
    assert_eq!(rows[0]["status"], 200);
    assert_eq!(rows[0]["items"], 3);
    assert_eq!(rows[0]["candidates"], 0);
    assert_eq!(rows[0]["endpoint"], format!("{uri}/a.xml"));
    assert!(rows[0]["duration_ms"].is_u64() && rows[0]["error"].is_null());
    assert_eq!((rows[1]["items"].as_u64(), rows[1]["candidates"].as_u64()), (Some(2), Some(1)));

    std::fs::write(
        ws.config(),
        format!("{feeds}[[source]]\nname = \"gone\"\nkind = \"feed\"\nurl = \"{uri}/gone.xml\"\n"),
    )
    .unwrap();
    let failed = ws.pmagg().args(["sources", "check", "--json"]).output().unwrap();
    assert_eq!(failed.status.code(), Some(1));
    let rows: Value = serde_json::from_slice(&failed.stdout).unwrap();
    let gone = &rows[2];
    assert_eq!((gone["name"].as_str(), gone["outcome"].as_str()), (Some("gone"), Some("failed")));
    assert_eq!(gone["status"], 404);
    assert!(gone["items"].is_null());
    assert!(gone["error"].as_str().unwrap().contains("HTTP 404"), "{gone}");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("pmagg: source gone: HTTP 404"), "{stderr}");
    assert!(stderr.contains("1 of 3 sources failed"), "{stderr}");

    let table = ws.pmagg().args(["sources", "check"]).output().unwrap();
    assert_eq!(table.status.code(), Some(1));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.lines().any(|l| l.starts_with("failed") && l.contains("gone")), "{text}");
    assert!(text.contains("3 sources checked: 2 ok, 1 failed; 1 disabled, not checked"), "{text}");

    assert!(!ws.db().exists(), "check never writes the database");

    std::fs::write(
        ws.config(),
        "[[source]]\nname = \"x\"\nkind = \"nope\"\nurl = \"https://x/\"\n",
    )
    .unwrap();
    let bad = ws.pmagg().args(["sources", "check"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// Acceptance: export-opml then import-opml into another config gives the same feeds; a
/// second import skips them all; only feed sources are exported.
#[test]
fn opml_export_then_import_round_trips() {
    let ws = Workspace::new();
    std::fs::write(
        ws.config(),
        "[[source]]\nname = \"Q&A <Ops> \\\"weekly\\\"\"\nkind = \"feed\"\n\
         url = \"https://q.example/feed?a=1&b=2\"\ncompany_url = \"https://q.example/\"\n\
         [[source]]\nname = \"Plain\"\nkind = \"feed\"\nurl = \"https://plain.example/rss\"\n\
         enabled = false\n\
         [[source]]\nname = \"Status\"\nkind = \"statuspage\"\nurl = \"https://status.example/\"\n",
    )
    .unwrap();
    let export = ws.pmagg().args(["sources", "export-opml"]).output().unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let opml = String::from_utf8(export.stdout).unwrap();
    assert!(opml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"));
    assert!(!opml.contains("status.example"), "{opml}");
    let file = ws.path("feeds.opml");
    std::fs::write(&file, &opml).unwrap();

    let other = Workspace::new();
    let header = "# another config\n[settings]\nconcurrency = 2\n";
    std::fs::write(other.config(), header).unwrap();
    let dry = other.pmagg().args(["sources", "import-opml"]).arg(&file).arg("--dry-run").output();
    let dry = dry.unwrap();
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert_eq!(std::fs::read_to_string(other.config()).unwrap(), header);
    assert!(String::from_utf8_lossy(&dry.stdout).starts_with("[[source]]\n"));

    let import = other.pmagg().args(["sources", "import-opml"]).arg(&file).output().unwrap();
    assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
    assert!(String::from_utf8_lossy(&import.stdout).starts_with("added 2 sources"));
    let text = std::fs::read_to_string(other.config()).unwrap();
    assert!(text.starts_with(header), "{text}");
    let imported = pmagg::config::load(&other.config()).unwrap();
    let summary = |config: &pmagg::config::Config| -> Vec<(String, String, Option<String>)> {
        config
            .sources
            .iter()
            .filter(|s| s.kind.as_str() == "feed")
            .map(|s| {
                (
                    s.name.to_string(),
                    s.url.to_string(),
                    s.company_url.as_ref().map(ToString::to_string),
                )
            })
            .collect()
    };
    let original = pmagg::config::load(&ws.config()).unwrap();
    assert_eq!(summary(&imported), summary(&original));
    assert_eq!(imported.sources[0].company, "Q&A <Ops> \"weekly\"");

    let again = other.pmagg().args(["sources", "import-opml"]).arg(&file).output().unwrap();
    assert!(again.status.success());
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.starts_with("added 0 sources") && stdout.contains("skipped 2"), "{stdout}");
    assert!(stdout.contains("already configured as source \"Plain\""), "{stdout}");
    assert_eq!(std::fs::read_to_string(other.config()).unwrap(), text);

    let re_export = other.pmagg().args(["sources", "export-opml"]).output().unwrap();
    assert_eq!(String::from_utf8(re_export.stdout).unwrap(), opml);
}
