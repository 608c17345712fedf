//! One test per fixed bug, named `issue_<n>_<what>`, each opening with the issue it came from.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::fault_server::{Behaviour, FaultServer};
use crate::support::{Workspace, pmagg, rss};

fn one_feed(ws: &Workspace, settings: &str, url: &str) {
    ws.write_feeds(settings, &[("feed".into(), url.into())]);
}

fn serve(routes: Vec<(&'static str, Behaviour)>) -> FaultServer {
    FaultServer::start(move |_| routes.into_iter().map(|(p, b)| (p.to_owned(), b)).collect())
}

#[test]
fn issue_8_deeply_nested_html_neither_overflows_nor_hangs() {
    // #8 (hostile inputs): 50,000 nested <span><b> overflowed the readability pass's stack
    // and aborted the process; 100,000 nested <div>s kept html5ever busy for minutes.
    let ws = Workspace::new();
    for (name, page) in [
        ("spans.html", format!("<html><body>{}outage</body></html>", "<span><b>".repeat(50_000))),
        (
            "divs.html",
            format!(
                "<html><body>{}outage{}</body></html>",
                "<div>".repeat(100_000),
                "</div>".repeat(100_000)
            ),
        ),
    ] {
        std::fs::write(ws.path(name), page).unwrap();
        let started = Instant::now();
        let output = pmagg().arg("extract").arg(ws.path(name)).output().unwrap();
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        assert!(started.elapsed() < Duration::from_secs(20), "{name}: {:?}", started.elapsed());
    }
}

#[test]
fn issue_8_only_max_items_of_a_feed_are_read() {
    // #8: a feed of 100,000 items was built whole by feed-rs (150 MB) before any limit.
    let server = serve(vec![("/feed.xml", Behaviour::ok("application/rss+xml", rss("big", 50)))]);
    let ws = Workspace::new();
    one_feed(&ws, "max_items = 5", &server.url("/feed.xml"));
    assert_eq!(ws.sync()["entries_new"], 5);
    let ids: Vec<String> = ws
        .store()
        .list_entries(100)
        .unwrap()
        .into_iter()
        .map(|e| e.item.identity.as_str().to_owned())
        .collect();
    for i in 0..5 {
        assert!(ids.contains(&format!("guid:big-{i}")), "the first five are kept: {ids:?}");
    }
}

#[test]
fn issue_8_a_redirect_to_a_file_url_says_so() {
    // #8: a 302 to file:///etc/passwd was reported as a bare "HTTP 302".
    let server = serve(vec![(
        "/feed.xml",
        Behaviour::Redirect { status: 302, location: "file:///etc/passwd".into() },
    )]);
    let ws = Workspace::new();
    one_feed(&ws, "", &server.url("/feed.xml"));
    let summary = ws.sync();
    let error = summary["failures"][0]["error"].as_str().unwrap();
    assert!(error.contains("bad redirect") && error.contains("file:///etc/passwd"), "{error}");
}

#[test]
fn issue_8_a_body_that_breaks_off_is_retried() {
    // #8: with decompression on, reqwest reports a truncated body as a decode error, so a
    // Content-Length that promised more than arrived was never retried.
    let body = rss("short", 20).into_bytes();
    let server = serve(vec![(
        "/feed.xml",
        Behaviour::ShortBody { declared: body.len() as u64 + 500, body: Arc::new(body) },
    )]);
    let ws = Workspace::new();
    one_feed(&ws, "", &server.url("/feed.xml"));
    let summary = ws.sync();
    let error = summary["failures"][0]["error"].as_str().unwrap();
    assert!(error.contains("cannot read the body") && error.contains("3 attempts"), "{error}");
    assert_eq!(server.hits("/feed.xml"), 3);
}

#[test]
fn issue_8_invalid_utf8_in_a_feed_keeps_its_items() {
    // #8: one invalid byte in a feed declared UTF-8 lost every item of it.
    let mut feed = rss("bad", 3).into_bytes();
    let at = feed.windows(8).position(|w| w == b"post 1</").unwrap();
    feed[at + 4] = 0xff;
    let server = serve(vec![("/feed.xml", Behaviour::ok("application/rss+xml", feed))]);
    let ws = Workspace::new();
    one_feed(&ws, "", &server.url("/feed.xml"));
    assert_eq!(ws.sync()["entries_new"], 3);
}

#[test]
fn issue_8_archive_copies_carry_no_html_or_script_links() {
    // #8: a Statuspage postmortem's raw HTML and javascript: links went into the archive copy
    // verbatim.
    let postmortem = "## Summary\n\nOn March 5, 2024 between 10:00 and 11:30 UTC the API \
        returned errors for 40% of requests.\n\n<script>alert(1)</script>\n\n## Root cause\n\n\
        A bad deploy. [click](javascript:alert(1)) <img src=x onerror=alert(2)>\n\n## Impact\n\n\
        40% of API requests failed for 90 minutes.\n\n## Timeline\n\n- 10:00 UTC errors rise\n\
        - 11:30 UTC the deploy is rolled back\n\n## Resolution\n\nWe rolled back the deploy.\n\n\
        ## Action items\n\n- Canary every deploy\n";
    let incidents = serde_json::json!({"incidents": [{
        "id": "evil1", "name": "API errors", "status": "postmortem",
        "created_at": "2024-03-05T10:00:00Z", "resolved_at": "2024-03-05T11:30:00Z",
        "postmortem_body": postmortem,
    }]});
    let server = serve(vec![(
        "/api/v2/incidents.json",
        Behaviour::ok("application/json", incidents.to_string()),
    )]);
    let ws = Workspace::new();
    let archive = ws.path("archive");
    std::fs::write(
        ws.config(),
        format!(
            "[settings]\narchive_dir = {:?}\n\n[[source]]\nname = \"s\"\nkind = \"statuspage\"\n\
             url = \"{}\"\n",
            archive.to_str().unwrap(),
            server.url("/")
        ),
    )
    .unwrap();
    let summary = ws.sync();
    assert_eq!(summary["render"]["archive_written"], 1, "{summary}");
    let company = std::fs::read_dir(&archive).unwrap().next().unwrap().unwrap().path();
    let copy = std::fs::read_dir(company).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(copy).unwrap();
    assert!(!text.contains("<script") && !text.contains("<img"), "{text}");
    assert!(!text.contains("javascript:"), "{text}");
    assert!(text.contains("&lt;script>alert(1)&lt;/script>") && text.contains("click"), "{text}");
}

#[test]
fn issue_8_a_source_over_its_time_budget_fails_alone() {
    // #8: a source whose report pages never answered held the pass for as long as they took.
    let mut items = String::new();
    for i in 0..8 {
        items.push_str(&format!(
            "<item><title>Postmortem {i}</title><guid>{i}</guid><link>/slow/{i}</link></item>"
        ));
    }
    let feed = format!("<rss version=\"2.0\"><channel><title>s</title>{items}</channel></rss>");
    let mut routes: HashMap<String, Behaviour> =
        (0..8).map(|i| (format!("/slow/{i}"), Behaviour::Never)).collect();
    routes.insert("/slow.xml".into(), Behaviour::ok("application/rss+xml", feed));
    routes.insert("/good.xml".into(), Behaviour::ok("application/rss+xml", rss("good", 4)));
    let server = FaultServer::start(move |_| routes);
    let ws = Workspace::new();
    ws.write_feeds(
        "timeout_secs = 5\nsource_time_budget_secs = 2",
        &[("slow".into(), server.url("/slow.xml")), ("good".into(), server.url("/good.xml"))],
    );
    let started = Instant::now();
    let summary = ws.sync();
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!(summary["sources_ok"], 1, "{summary}");
    let error = summary["failures"][0]["error"].as_str().unwrap();
    assert!(error.contains("time budget"), "{error}");
}

#[test]
fn issue_8_a_render_killed_before_it_records_what_it_wrote_is_finished_by_the_next() {
    // #8 (crash safety): a render killed after writing the README but before recording its
    // list made pmagg's new entries look hand-curated (no archive copies, ever), and one killed
    // after writing archive copies but before recording them left copies pmagg then treated as
    // someone else's.
    use crate::crash::{copy_workspace, prepare_render, run_ok, snapshot};
    let before = Workspace::new();
    prepare_render(&before);
    let reference = Workspace::new();
    copy_workspace(before.dir.path(), reference.dir.path());
    run_ok(reference.dir.path(), &["render"]);

    // The files of a whole render, the database of none: as if killed just before recording.
    let killed = Workspace::new();
    copy_workspace(reference.dir.path(), killed.dir.path());
    for name in ["pmagg.db", "pmagg.db-wal", "pmagg.db-shm"] {
        let _ = std::fs::remove_file(killed.path(name));
        if before.path(name).exists() {
            std::fs::copy(before.path(name), killed.path(name)).unwrap();
        }
    }
    run_ok(killed.dir.path(), &["render"]);
    assert!(snapshot(&killed.path("site")) == snapshot(&reference.path("site")));
    let (store, clean) = (killed.store(), reference.store());
    assert_eq!(store.curated_entries().unwrap(), clean.curated_entries().unwrap());
    assert_eq!(store.archive_records().unwrap(), clean.archive_records().unwrap());
}

#[test]
fn issue_8_a_feed_that_panics_the_feed_parser_fails_alone() {
    // #8 (found by tests/fuzz): an XML declaration after text made quick-xml, under feed-rs,
    // panic; the panic went up through the pass and ended `pmagg sync`.
    let server = serve(vec![
        (
            "/bad.xml",
            Behaviour::ok(
                "application/atom+xml",
                "Mon, 01 Jan 1900 00:00:00 GMT</feed>\
                 <?xml version=\"1.0\" encoding=\"ISO-8859-1\"?></entry>",
            ),
        ),
        ("/good.xml", Behaviour::ok("application/rss+xml", rss("good", 3))),
    ]);
    let ws = Workspace::new();
    ws.write_feeds(
        "",
        &[("bad".into(), server.url("/bad.xml")), ("good".into(), server.url("/good.xml"))],
    );
    let summary = ws.sync();
    assert_eq!(summary["sources_ok"], 1, "{summary}");
    assert_eq!(summary["entries_new"], 3, "{summary}");
    let error = summary["failures"][0]["error"].as_str().unwrap();
    assert!(error.contains("malformed"), "{error}");
}

#[test]
fn issue_8_a_link_with_parentheses_is_listed_once() {
    // #8 (found by tests/fuzz): a link with `(`, `)`, `[` or `]` is written percent-encoded,
    // read back as another URL, and added to the README again on every render.
    use pmagg::model::canonical_url;
    use pmagg::render::listing::Listing;
    use pmagg::render::readme::render_readme;
    let url = "https://en.example/wiki/Outage_(2024)[1]";
    let listing = Listing {
        url: url.into(),
        canonical_url: canonical_url(url),
        canonical_urls: vec![canonical_url(url)],
        title: Some("Outage".into()),
        company: None,
        company_url: None,
        date: None,
        published: None,
        summary: None,
        categories: vec![],
        curated: vec![],
        entry_ids: vec![1],
        sources: vec![],
        decided_by: pmagg::model::Decision::Classifier,
        report: None,
        first_seen: None,
    };
    let path = std::path::Path::new("README.md");
    let once =
        render_readme("## Postmortems\n", std::slice::from_ref(&listing), "R", path).unwrap();
    assert_eq!(once.added.len(), 1);
    let twice = render_readme(&once.text, &[listing], "R", path).unwrap();
    assert_eq!(twice.text, once.text);
    assert!(twice.added.is_empty());
    assert_eq!(twice.own, [canonical_url(url)], "and it reads back as pmagg's own entry");
}

#[test]
fn issue_15_a_publishers_postmortem_that_scores_low_is_listed() {
    // #15: a Statuspage incident with status `postmortem` and a 150-word narrative
    // `postmortem_body` scored 0.07 and never reached `list --postmortems`, the README or the
    // pull request. The publisher's word now decides.
    use crate::decision::{NARRATIVE_POSTMORTEM, json_of, runtime, serve, statuspage_json};
    let rt = runtime();
    let server = rt.block_on(wiremock::MockServer::start());
    let body = statuspage_json(NARRATIVE_POSTMORTEM);
    serve(&rt, &server, "/api/v2/incidents.json", body, "application/json");
    let ws = Workspace::new();
    std::fs::write(
        ws.config(),
        format!(
            "[[source]]\nname = \"Status\"\nkind = \"statuspage\"\nurl = \"{}\"\n",
            server.uri()
        ),
    )
    .unwrap();
    ws.sync();
    let listed = json_of(&ws, &["list", "--postmortems", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed:#}");
    assert_eq!(listed[0]["decided_by"], "publisher");
    // The classifier is not asked where its word would not count; `show` still explains
    // what it would say.
    assert!(listed[0]["confidence"].is_null(), "{listed:#}");
    let id = listed[0]["id"].to_string();
    let shown = crate::decision::ok(&ws, &["show", &id]);
    assert!(
        shown.contains("Postmortem:   yes (vouched for: the classifier was not asked)"),
        "{shown}"
    );
    assert!(shown.contains("Classifier:   confidence "), "{shown}");
    assert!(shown.contains("what it would say"), "{shown}");
}

#[test]
fn issue_15_extract_refuses_a_binary_quickly_and_echoes_nothing() {
    // #15: `pmagg extract target/release/pmagg` read the whole executable, parsed it as text
    // and printed control bytes; it now stops at the ELF header.
    let binary = assert_cmd::cargo::cargo_bin("pmagg");
    let started = Instant::now();
    let output = pmagg().arg("extract").arg(&binary).output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("is an ELF executable, not a document"), "{stderr}");
    assert!(stderr.contains(binary.to_str().unwrap()), "{stderr}");
}

#[test]
fn issue_15_extract_names_a_file_with_control_characters_safely() {
    // #15: error messages must never echo control bytes, not even from a file name.
    let ws = Workspace::new();
    let file = ws.path("evil\u{1b}[2Jname.bin");
    std::fs::write(&file, crate::decision::fake_elf()).unwrap();
    let output = pmagg().arg("extract").arg(&file).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("evil?[2Jname.bin"), "{stderr:?}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn issue_15_narrative_report_fields_titles_and_summary() {
    // #15 (narrative reports): a negated cause was taken as the root cause, front matter became
    // a heading instead of the title, and summaries opened with "This …".
    let ws = Workspace::new();
    let report = "---\ntitle: \"Login outage on March 3\"\ndate: 2024-03-05\n---\n\n\
        On March 3 users could not log in for 45 minutes. This meant that every session expired.\n\n\
        This incident was not in any way caused by external actors. We found that the outage \
        was caused by an expired certificate on the session service.\n\n\
        At 10:52 AM we saw the first errors. At 11:10 AM we renewed the certificate. \
        At 11:37 AM service was restored after the cache warmed up.\n";
    std::fs::write(ws.path("report.md"), report).unwrap();
    let output = pmagg().arg("extract").arg("--json").arg(ws.path("report.md")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let pm: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(pm["title"], "Login outage on March 3");
    assert_eq!(pm["incident_date"], "2024-03-03");
    let cause = pm["root_cause"].as_str().unwrap_or_default();
    assert!(cause.contains("expired certificate") && !cause.contains("external actors"), "{cause}");
    assert_eq!(pm["timeline"].as_array().map(Vec::len), Some(3));
    let summary = pm["summary"].as_str().unwrap_or_default();
    assert!(summary.starts_with("On March 3 users could not log in"), "{summary}");
}

#[test]
fn issue_16_a_config_with_only_settings_no_longer_stops_reading_commands() {
    // #16: with only `[settings]`, every command exited 2 with "no `[[source]]` tables:
    // nothing to fetch", `import`, `render`, `list` and `search` included.
    let ws = Workspace::new();
    std::fs::write(ws.config(), "[settings]\nthreshold = 0.6\n").unwrap();
    std::fs::write(
        ws.path("list.md"),
        "## Postmortems\n\n- 01-02-2024 - [Outage](https://a.example/pm)\n  - DNS broke.\n",
    )
    .unwrap();
    for args in [&["import"][..], &["list"], &["export"]] {
        let mut cmd = ws.pmagg();
        cmd.args(args);
        if args == ["import"] {
            cmd.arg(ws.path("list.md"));
        }
        let output = cmd.output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
}

#[test]
fn issue_16_a_malformed_search_query_is_explained_not_an_sql_error() {
    // #16: `search '"root cause" AND'` printed SQLite's "fts5: syntax error near ...".
    let ws = Workspace::new();
    std::fs::write(
        ws.path("list.md"),
        "## Postmortems\n\n- 01-02-2024 - [Outage](https://a.example/pm)\n  - DNS broke.\n",
    )
    .unwrap();
    assert!(ws.pmagg().arg("import").arg(ws.path("list.md")).output().unwrap().status.success());
    let output = ws.pmagg().args(["search", "\"root cause\" AND"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("AND needs a word or \"phrase\" after it"), "{stderr}");
    assert!(stderr.contains("pmagg search '\"root cause\" AND dns'"), "{stderr}");
    assert!(!stderr.contains("fts5") && !stderr.contains("syntax error"), "{stderr}");
}

#[test]
fn issue_16_listen_takes_a_host_name() {
    // #16: `--listen localhost:9999` was refused as "invalid socket address syntax"; now it
    // parses, and the daemon goes on to its next check (here: no config).
    let dir = tempfile::tempdir().unwrap();
    let output = pmagg()
        .current_dir(dir.path())
        .args(["daemon", "--listen", "localhost:9999"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no config at") && !stderr.contains("invalid value"), "{stderr}");
}

#[test]
fn issue_16_settings_listen_takes_a_host_name_as_listen_does() {
    // #16: `settings.listen = "localhost:9187"` was refused ("not an IP address and port")
    // while `--listen localhost:9187` was taken; now the daemon resolves both and serves.
    use std::io::{Read as _, Write as _};

    let ws = Workspace::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    one_feed(&ws, &format!("listen = \"localhost:{port}\""), &crate::support::closed_port_url());
    let log = ws.path("daemon.log");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pmagg"))
        .arg("--config")
        .arg(ws.config())
        .arg("--db")
        .arg(ws.db())
        .arg("daemon")
        .env_remove("PMAGG_LISTEN")
        .env_remove("PMAGG_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let healthz = || {
        let mut stream = std::net::TcpStream::connect(("localhost", port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(stream, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        Some(response)
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut answer = None;
    while answer.is_none() && Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        answer = healthz();
        #[allow(clippy::disallowed_methods, reason = "polls a child process, not a runtime")]
        std::thread::sleep(Duration::from_millis(100));
    }
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success() || child.try_wait().unwrap().is_some());
    let status = child.wait().unwrap();
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    let answer = answer.unwrap_or_else(|| panic!("no answer on localhost:{port}: {log}"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(status.code(), Some(0), "{log}");
}

#[test]
fn issue_16_carlsborg_blocks_import() {
    // https://github.com/pmagg/pmagg/issues/16 (acceptance 8): carlsborg/awesome-postmortems
    // writes numbered `**Summary**:` / `**Links**:` / `**Impact**:` blocks, which imported
    // nothing ("lists no postmortems"). Each block is one entry, with its link and summary.
    let ws = Workspace::new();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lists/carlsborg-blocks.md");
    let list = std::fs::read_to_string(&fixture).unwrap();
    std::fs::write(ws.path("README.md"), &list).unwrap();
    let output = ws.pmagg().args(["import", "--json"]).arg(ws.path("README.md")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // Five numbered blocks; the last links no report.
    assert_eq!(summary["entries"], 4, "{summary}");

    let output = ws.pmagg().args(["export", "--format", "json"]).output().unwrap();
    let exported: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let by_url = |url: &str| {
        exported
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["url"] == url)
            .cloned()
            .unwrap_or_else(|| panic!("{url} not exported: {exported:#}"))
    };
    let first =
        by_url("https://engineering.example-git.com/2019/03/02/database-outage-postmortem/");
    assert!(
        first["summary"].as_str().unwrap().starts_with("Replica lag led an operator to wipe"),
        "{first:#}"
    );
    assert_eq!(first["categories"], serde_json::json!(["ExampleDB", "pg_basebackup"]));
    // A block with two links is listed once, by its first.
    by_url("https://video.example-conf.org/watch?v=abc123&t=1665");
    let dated = by_url("https://www.example-cloud.com/engineering/april-outage");
    assert_eq!(dated["company"], "Example Cloud");
    assert_eq!(dated["incident_date"], "2022-04-05");

    // The list renders back byte for byte.
    let output = ws.pmagg().arg("render").arg("--readme").arg(ws.path("README.md")).output();
    assert!(output.unwrap().status.success());
    assert_eq!(std::fs::read_to_string(ws.path("README.md")).unwrap(), list);
}
