//! `pmagg sync` end to end against loopback servers.

use std::time::Duration;

use pretty_assertions::assert_eq;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{EndlessServer, Workspace, atom, closed_port_url, entries_per_source, rss};

const LAST_MODIFIED: &str = "Mon, 01 Jan 2024 00:00:00 GMT";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

/// Acceptance: 50 feeds (RSS and Atom, 10 to 30 items) are stored exactly once; the second
/// run is conditional, every feed answers 304, and nothing is duplicated or lost.
#[test]
fn fifty_feeds_stored_once_then_all_not_modified() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let ws = Workspace::new();
    let mut feeds = Vec::new();
    let mut expected = std::collections::HashMap::new();
    for i in 0..50usize {
        let items = 10 + (i * 7) % 21;
        let tag = format!("f{i}");
        let (route, body, content_type) = if i % 2 == 0 {
            (format!("/{tag}/feed.xml"), rss(&tag, items), "application/rss+xml")
        } else {
            (format!("/{tag}/atom.xml"), atom(&tag, items), "application/atom+xml")
        };
        // Even feeds validate with an ETag, odd ones with Last-Modified only.
        let etag = format!("\"v1-{i}\"");
        let (ok, not_modified) = if i % 2 == 0 {
            (
                ResponseTemplate::new(200).insert_header("ETag", etag.as_str()),
                Mock::given(method("GET"))
                    .and(path(route.as_str()))
                    .and(header("If-None-Match", etag.as_str())),
            )
        } else {
            (
                ResponseTemplate::new(200).insert_header("Last-Modified", LAST_MODIFIED),
                // wiremock's `header` matcher splits on commas, which HTTP-dates contain.
                Mock::given(method("GET")).and(path(route.as_str())).and(|request: &Request| {
                    request.headers.get("if-modified-since").is_some_and(|v| v == LAST_MODIFIED)
                }),
            )
        };
        rt.block_on(async {
            not_modified
                .respond_with(ResponseTemplate::new(304))
                .with_priority(1)
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path(route.as_str()))
                .respond_with(ok.set_body_raw(body, content_type))
                .with_priority(2)
                .mount(&server)
                .await;
        });
        feeds.push((tag.clone(), format!("{}{route}", server.uri())));
        expected.insert(tag, items as u64);
    }
    ws.write_feeds("", &feeds);
    let total: u64 = expected.values().sum();

    let first = ws.sync();
    assert_eq!(first["sources_ok"], 50);
    assert_eq!(first["sources_failed"], 0);
    assert_eq!(first["entries_new"].as_u64(), Some(total));
    assert_eq!(entries_per_source(&ws.db()), expected);
    let requests_before = rt.block_on(server.received_requests()).unwrap().len();

    let second = ws.sync();
    assert_eq!(second["sources_not_modified"], 50, "{second}");
    assert_eq!(second["entries_new"], 0);
    assert_eq!(second["entries_updated"], 0);
    assert_eq!(entries_per_source(&ws.db()), expected);
    let requests = rt.block_on(server.received_requests()).unwrap();
    let conditional = requests[requests_before..]
        .iter()
        .filter(|r| {
            r.headers.contains_key("if-none-match") || r.headers.contains_key("if-modified-since")
        })
        .count();
    assert_eq!(requests.len() - requests_before, 50);
    assert_eq!(conditional, 50);
    assert_eq!(ws.store().count_entries().unwrap(), total);
}

/// A changed item is updated in place and a new one added; nothing is duplicated.
#[test]
fn changed_items_update_in_place() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let ws = Workspace::new();
    ws.write_feeds("", &[("blog".into(), format!("{}/feed.xml", server.uri()))]);
    let v1 = rss("blog", 3);
    rt.block_on(
        Mock::given(path("/feed.xml"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(v1.clone(), "application/rss+xml"),
            )
            .up_to_n_times(1)
            .mount(&server),
    );
    let v2 = v1
        .replace("blog post 1</title>", "blog post 1 (updated)</title>")
        .replace("</channel>", "<item><title>new</title><guid>blog-new</guid></item></channel>");
    rt.block_on(
        Mock::given(path("/feed.xml"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(v2, "application/rss+xml"))
            .mount(&server),
    );
    assert_eq!(ws.sync()["entries_new"], 3);
    let second = ws.sync();
    assert_eq!(
        (second["entries_new"].as_u64(), second["entries_updated"].as_u64()),
        (Some(1), Some(1))
    );
    let store = ws.store();
    assert_eq!(store.count_entries().unwrap(), 4);
    let updated = store.entries_by_url(&format!("{}/blog/1/", server.uri())).unwrap();
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0].item.title.as_deref(), Some("blog post 1 (updated)"));
}

/// 503 with Retry-After is retried and then succeeds; 404 is tried once and recorded.
#[test]
fn retries_transient_failures_but_not_404() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let ws = Workspace::new();
    rt.block_on(async {
        Mock::given(path("/flaky.xml"))
            .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
            .up_to_n_times(1)
            .with_priority(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path("/flaky.xml"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(rss("flaky", 2), "application/rss+xml"),
            )
            .with_priority(2)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path("/gone.xml"))
            .respond_with(ResponseTemplate::new(404))
            .expect(1)
            .mount(&server)
            .await;
    });
    ws.write_feeds(
        "",
        &[
            ("flaky".into(), format!("{}/flaky.xml", server.uri())),
            ("gone".into(), format!("{}/gone.xml", server.uri())),
        ],
    );
    let started = std::time::Instant::now();
    let report = ws.sync();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 was not honoured");
    assert_eq!(report["sources_ok"], 1);
    assert_eq!(report["sources_failed"], 1);
    assert_eq!(report["failures"][0]["source"], "gone");
    assert!(report["failures"][0]["error"].as_str().unwrap().contains("HTTP 404"), "{report}");
    rt.block_on(server.verify());

    let states = ws.store().source_states().unwrap();
    let gone = states.iter().find(|s| s.name.as_str() == "gone").unwrap();
    assert_eq!(gone.last_status, Some(404));
    assert_eq!(gone.consecutive_failures, 1);
    assert!(gone.last_error.as_deref().unwrap().contains("404"));
    let flaky = states.iter().find(|s| s.name.as_str() == "flaky").unwrap();
    assert_eq!((flaky.entries, flaky.consecutive_failures, flaky.last_status), (2, 0, Some(200)));
}

/// Broken sources (404, invalid XML, an HTML page, a closed port) cost one stderr line each;
/// the good ones are stored and the pass exits 0.
#[test]
fn one_broken_source_does_not_stop_the_others() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let ws = Workspace::new();
    rt.block_on(async {
        Mock::given(path("/good.xml"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(rss("good", 5), "application/rss+xml"),
            )
            .mount(&server)
            .await;
        Mock::given(path("/also-good.xml"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(atom("also", 4), "application/atom+xml"),
            )
            .mount(&server)
            .await;
        Mock::given(path("/broken.xml"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw("<rss><channel><item><title>cut", "application/rss+xml"),
            )
            .mount(&server)
            .await;
        Mock::given(path("/page.html"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw("<!doctype html><html><body>Blog</body></html>", "text/html"),
            )
            .mount(&server)
            .await;
    });
    ws.write_feeds(
        "timeout_secs = 5",
        &[
            ("good".into(), format!("{}/good.xml", server.uri())),
            ("missing".into(), format!("{}/missing.xml", server.uri())),
            ("broken".into(), format!("{}/broken.xml", server.uri())),
            ("html".into(), format!("{}/page.html", server.uri())),
            ("refused".into(), closed_port_url()),
            ("also-good".into(), format!("{}/also-good.xml", server.uri())),
        ],
    );
    let output = ws.pmagg().args(["sync", "--json"]).output().unwrap();
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["sources_ok"], 2);
    assert_eq!(report["sources_failed"], 4);
    assert_eq!(report["entries_new"], 9);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for name in ["missing", "broken", "html", "refused"] {
        let line = stderr
            .lines()
            .find(|l| l.contains(&format!("source {name}:")))
            .unwrap_or_else(|| panic!("no line for {name}: {stderr}"));
        assert!(line.contains("http://127.0.0.1:"), "line names no URL: {line}");
    }
    assert!(stderr.contains("HTML page"), "{stderr}");
    let per_source = entries_per_source(&ws.db());
    assert_eq!((per_source["good"], per_source["also-good"]), (5, 4));

    let listing = ws.pmagg().args(["sources", "--json"]).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    let broken = rows.as_array().unwrap().iter().find(|r| r["name"] == "broken").unwrap();
    assert_eq!(broken["last_outcome"], "failed");
    assert_eq!(broken["consecutive_failures"], 1);
}

/// A body over `max_body_bytes` is refused while it streams, without reading it all, both
/// when the server declares its length and when it does not.
#[test]
fn oversized_bodies_are_refused_without_reading_them() {
    let undeclared = EndlessServer::start(
        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n",
    );
    let declared = EndlessServer::start(
        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 4000000000\r\n\r\n",
    );
    let ws = Workspace::new();
    ws.write_feeds(
        "max_body_bytes = 1048576\ntimeout_secs = 60",
        &[
            ("undeclared".into(), undeclared.url("/feed.xml")),
            ("declared".into(), declared.url("/feed.xml")),
        ],
    );
    let report = ws.sync();
    assert_eq!(report["sources_failed"], 2, "{report}");
    for failure in report["failures"].as_array().unwrap() {
        let error = failure["error"].as_str().unwrap();
        assert!(error.contains("larger than the 1048576-byte limit"), "{error}");
    }
    // The client stopped reading near the cap: what the server got out is the cap plus what
    // socket buffers absorb, far from the 4 GiB it offered.
    let sent = undeclared.sent.load(std::sync::atomic::Ordering::Relaxed);
    assert!(sent < 64 * 1024 * 1024, "server sent {sent} bytes");
}

/// `--source` runs only the named source; an unknown name is a usage error.
#[test]
fn source_flag_selects_and_validates() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let ws = Workspace::new();
    rt.block_on(
        Mock::given(path("/a.xml"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(rss("a", 2), "application/rss+xml"),
            )
            .expect(1)
            .mount(&server),
    );
    rt.block_on(
        Mock::given(path("/b.xml"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0)
            .mount(&server),
    );
    ws.write_feeds(
        "",
        &[
            ("a".into(), format!("{}/a.xml", server.uri())),
            ("b".into(), format!("{}/b.xml", server.uri())),
        ],
    );
    let output = ws.pmagg().args(["sync", "--source", "a", "--json"]).output().unwrap();
    assert!(output.status.success());
    rt.block_on(server.verify());

    let output = ws.pmagg().args(["sync", "--source", "nope"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no source named \"nope\"") && stderr.contains("a, b"), "{stderr}");
}
