//! `pmagg links` (issue #18): link checks against a loopback site, the Wayback Machine's
//! CDX and availability APIs mocked, `links fix` on a seed-list-shaped README, `publish
//! --links` against a bare repository and a GitHub API mock, and Save Page Now abandoned.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use pmagg::model::links::{LinkOutcome, LinkProbe, LinkRecord, Snapshot, fold_probe};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::Workspace;

/// One request the loopback site saw: its path, and how many requests were in flight on the
/// site (this one included) when it arrived.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    in_flight: usize,
}

/// A loopback site: one thread per connection, one response per connection, an access log.
/// `/hang` answers nothing and holds the connection until the client gives up.
struct Site {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl Site {
    fn start(delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let shared = Arc::clone(&log);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (log, in_flight) = (Arc::clone(&shared), Arc::clone(&in_flight));
                std::thread::spawn(move || serve(stream, &log, &in_flight, delay));
            }
        });
        Self { addr, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn log(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, log: &Mutex<Vec<Seen>>, in_flight: &AtomicUsize, delay: Duration) {
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    log.lock().unwrap().push(Seen { path: path.clone(), in_flight: now });
    if path == "/hang" {
        // Until the client hangs up (bounded at 30 s).
        stream.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(err)
                    if err.kind() == std::io::ErrorKind::WouldBlock
                        || err.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => break,
            }
        }
        in_flight.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    #[allow(
        clippy::disallowed_methods,
        reason = "the site runs on its own threads, not a runtime"
    )]
    std::thread::sleep(delay);
    let (status, extra) = match path.as_str() {
        "/gone404" => ("404 Not Found", String::new()),
        "/gone410" => ("410 Gone", String::new()),
        "/err500" => ("500 Internal Server Error", String::new()),
        "/busy429" => ("429 Too Many Requests", "Retry-After: 0\r\n".to_owned()),
        "/moved" => ("301 Moved Permanently", "Location: /gone404\r\n".to_owned()),
        p if p.starts_with("/ok") => ("200 OK", String::new()),
        _ => ("404 Not Found", String::new()),
    };
    // Counted out before the answer leaves, so the log never shows the client's next request
    // overlapping this one.
    in_flight.fetch_sub(1, Ordering::SeqCst);
    let body = "<html><body>page</body></html>";
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\n{extra}Content-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// The Wayback Machine's CDX and availability APIs: `/gone404` has a CDX capture, `/gone410`
/// only an availability one, nothing else is archived.
fn archive(rt: &tokio::runtime::Runtime, site: &Site) -> MockServer {
    let server = rt.block_on(MockServer::start());
    rt.block_on(async {
        Mock::given(method("GET"))
            .and(path("/cdx/search/cdx"))
            .and(query_param("url", site.url("/gone404")))
            .and(query_param("filter", "statuscode:200"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                ["timestamp", "original"],
                ["20190228101500", site.url("/gone404")]
            ])))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/cdx/search/cdx"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .with_priority(5)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/wayback/available"))
            .and(query_param("url", site.url("/gone410")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "archived_snapshots": {"closest": {"available": true, "status": "200",
                    "timestamp": "20190201000000",
                    "url": format!("http://web.archive.org/web/20190201000000/{}", site.url("/gone410"))}}
            })))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/wayback/available"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"archived_snapshots": {}})))
            .with_priority(5)
            .mount(&server)
            .await;
    });
    server
}

fn day(n: i64) -> String {
    let start = DateTime::parse_from_rfc3339("2025-01-01T03:00:00Z").unwrap().with_timezone(&Utc);
    (start + chrono::Duration::days(n)).to_rfc3339()
}

/// `links check --json` at a simulated time; the array by URL.
fn check(ws: &Workspace, at: &str) -> HashMap<String, Value> {
    let out = ws.pmagg().env("PMAGG_NOW", at).args(["links", "check", "--json"]).output().unwrap();
    assert!(out.status.success(), "links check failed: {}", String::from_utf8_lossy(&out.stderr));
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).expect("a JSON array");
    reports.into_iter().map(|r| (r["url"].as_str().unwrap().to_owned(), r)).collect()
}

fn statuses(reports: &HashMap<String, Value>) -> HashMap<String, String> {
    reports.iter().map(|(u, r)| (u.clone(), r["status"].as_str().unwrap().to_owned())).collect()
}

/// Acceptance 1 and 5: three checks over eight simulated days mark exactly the 404, 410,
/// unknown-host and redirect-to-404 links dead; 500, 429 and the hang stay inconclusive; one
/// bad check marks nothing dead; the site never sees more than per_host requests at once.
#[test]
fn repeated_failures_over_days_mark_exactly_the_gone_links_dead() {
    let rt = runtime();
    let site = Site::start(Duration::from_millis(150));
    // The hang is on a host of its own, so that a connection the client gave up on (and the
    // server has not noticed yet) cannot blur the per-host count of the main site.
    let hang = Site::start(Duration::ZERO);
    let archive = archive(&rt, &site);
    let ws = Workspace::new();
    let mut readme = String::from("# Postmortems\n\n<!-- pmagg:start -->\n");
    let mut links: Vec<String> = ["/ok", "/gone404", "/gone410", "/err500", "/busy429", "/moved"]
        .iter()
        .map(|p| site.url(p))
        .collect();
    links.push(hang.url("/hang"));
    links.push("http://no-such-host.invalid/postmortem".to_owned());
    for i in 0..8 {
        links.push(site.url(&format!("/ok/{i}")));
    }
    for (i, link) in links.iter().enumerate() {
        readme.push_str(&format!("- 03-01-2019 - [Outage {i}]({link})\n"));
    }
    readme.push_str("<!-- pmagg:end -->\n");
    std::fs::write(ws.path("README.md"), &readme).unwrap();
    std::fs::write(
        ws.config(),
        format!(
            "[settings]\nreadme = \"{}\"\nper_host = 2\nconcurrency = 16\ntimeout_secs = 1\n\
             archive_api_url = \"{}\"\n{SOURCE}",
            ws.path("README.md").display(),
            archive.uri()
        ),
    )
    .unwrap();

    let first = check(&ws, &day(0));
    assert_eq!(first.len(), links.len());
    assert!(
        first.values().all(|r| r["status"] != "dead"),
        "one bad check marks nothing dead: {first:#?}"
    );
    assert_eq!(first[&site.url("/gone404")]["failures"], 1);
    check(&ws, &day(4));
    let third = check(&ws, &day(8));
    let got = statuses(&third);
    let mut expected: HashMap<String, String> = HashMap::new();
    for p in ["/gone404", "/gone410", "/moved"] {
        expected.insert(site.url(p), "dead".into());
    }
    expected.insert("http://no-such-host.invalid/postmortem".into(), "dead".into());
    for p in ["/err500", "/busy429"] {
        expected.insert(site.url(p), "inconclusive".into());
    }
    expected.insert(hang.url("/hang"), "inconclusive".into());
    expected.insert(site.url("/ok"), "ok".into());
    for i in 0..8 {
        expected.insert(site.url(&format!("/ok/{i}")), "ok".into());
    }
    assert_eq!(got, expected);
    let gone = &third[&site.url("/gone404")];
    assert_eq!(gone["failures"], 3);
    assert_eq!(gone["first_failure"], "2025-01-01T03:00:00Z");
    assert_eq!(gone["last_success"], Value::Null);
    // The closest 200 capture before the entry's date: the CDX API's, else the availability API's.
    assert_eq!(
        gone["snapshot"],
        format!("{}/web/20190228101500/{}", archive.uri(), site.url("/gone404"))
    );
    assert_eq!(
        third[&site.url("/gone410")]["snapshot"],
        format!("{}/web/20190201000000/{}", archive.uri(), site.url("/gone410"))
    );
    assert_eq!(third[&site.url("/ok")]["last_success"], "2025-01-09T03:00:00Z");
    let cdx: Vec<_> = rt
        .block_on(archive.received_requests())
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/cdx/search/cdx")
        .collect();
    let asked = cdx.iter().find(|r| r.url.as_str().contains("gone404")).expect("CDX asked");
    let query: HashMap<_, _> = asked.url.query_pairs().into_owned().collect();
    assert_eq!(query["closest"], "20190228235959", "the day before the incident");
    assert_eq!((query["output"].as_str(), query["limit"].as_str()), ("json", "1"));
    assert_eq!(query["fl"], "timestamp,original");

    // GET, never HEAD, and never more than per_host (2) at once on the site.
    let log = site.log();
    assert!(log.len() >= 3 * 14, "every link, every check: {}", log.len());
    let most = log.iter().map(|s| s.in_flight).max().unwrap();
    assert!(most <= 2, "more than per_host requests at once: {log:#?}");
    assert_eq!(most, 2, "the checks do run side by side");
    // 429 and 500 are retried within a check (3 attempts), 404 is not.
    let count = |p: &str| log.iter().filter(|s| s.path == p).count();
    assert_eq!(count("/gone404"), 3 + 3, "three checks, plus the redirect's target");
    assert_eq!(count("/err500"), 9);
}

/// The stored record of a dead link with its snapshot, as three failing checks leave it.
fn store_dead(ws: &Workspace, url: &str, snapshot: Option<&str>) {
    let mut store = ws.store();
    let mut record = LinkRecord { url: url.to_owned(), ..LinkRecord::default() };
    let probe = LinkProbe { outcome: LinkOutcome::Broken, status: Some(404), error: None };
    for n in [0, 4, 8] {
        let at = DateTime::parse_from_rfc3339(&day(n)).unwrap().with_timezone(&Utc);
        fold_probe(&mut record, &probe, at);
    }
    store.record_link_checks(&[record]).unwrap();
    if let Some(snapshot) = snapshot {
        let snapshot = Snapshot { url: snapshot.to_owned(), timestamp: "20190101000000".into() };
        store.record_snapshot(url, &snapshot).unwrap();
    }
}

fn wayback(url: &str) -> String {
    format!("https://web.archive.org/web/20190101000000/{url}")
}

const SEED: &str = include_str!("../fixtures/links/seed-list.md");
const DEAD: [&str; 3] = [
    "https://eng.gone.example/posts/cert-expiry",
    "https://tech.vanished.example/queue-outage",
    // Written by hand, outside the list.
    "https://lists.gone.example/old-list",
];

/// Acceptance 2: `links fix` changes exactly the two dead lines of the list, byte-stably; a
/// second run changes nothing; the hand-written line changes only with the flag.
#[test]
fn links_fix_rewrites_exactly_the_dead_lines_and_is_stable() {
    let ws = Workspace::new();
    let readme = ws.path("README.md");
    std::fs::write(&readme, SEED).unwrap();
    std::fs::write(ws.config(), format!("[settings]\nreadme = \"{}\"\n{SOURCE}", readme.display()))
        .unwrap();
    for url in DEAD {
        store_dead(&ws, url, Some(&wayback(url)));
    }
    // A link that failed once is not dead and stays.
    let mut store = ws.store();
    let mut once = LinkRecord {
        url: "https://status.routes.example/incidents/8k2m".into(),
        ..LinkRecord::default()
    };
    fold_probe(
        &mut once,
        &LinkProbe { outcome: LinkOutcome::Broken, status: Some(404), error: None },
        Utc::now(),
    );
    store.record_link_checks(&[once]).unwrap();
    drop(store);

    let out = ws.pmagg().args(["links", "fix"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let fixed = std::fs::read_to_string(&readme).unwrap();
    let changed: Vec<(&str, &str)> =
        SEED.lines().zip(fixed.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(SEED.lines().count(), fixed.lines().count());
    assert_eq!(changed.len(), 2, "{changed:#?}");
    assert_eq!(
        changed[0].1,
        format!(
            "- 03-02-2022 - [Certificate expiry took down the API]({}) ([original]({})) by [GoneCo](https://gone.example/)",
            wayback(DEAD[0]),
            DEAD[0]
        )
    );
    assert!(changed[1].1.contains(&format!("]({}) ([original]({}))", wayback(DEAD[1]), DEAD[1])));
    assert_eq!(fixed, SEED.replace(changed[0].0, changed[0].1).replace(changed[1].0, changed[1].1));

    let again = ws.pmagg().args(["links", "fix"]).output().unwrap();
    assert!(again.status.success());
    assert_eq!(std::fs::read_to_string(&readme).unwrap(), fixed, "a second run changes nothing");

    let all = ws.pmagg().args(["links", "fix", "--include-hand-written"]).output().unwrap();
    assert!(all.status.success());
    let with_hand = std::fs::read_to_string(&readme).unwrap();
    let changed: Vec<_> = fixed.lines().zip(with_hand.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(changed.len(), 1);
    assert!(changed[0].1.contains(&format!(
        "[original list]({}) ([original]({}))",
        wayback(DEAD[2]),
        DEAD[2]
    )));
}

/// Acceptance 4: a Save Page Now job that stays pending is abandoned after the configured
/// number of polls, with a clear message.
#[test]
fn a_save_page_now_job_that_stays_pending_is_abandoned() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(async {
        Mock::given(method("GET"))
            .and(path("/new-report"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>report</html>"))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/save"))
            .and(wiremock::matchers::header("authorization", "LOW key:secret"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"url": "x", "job_id": "spn2-42"})),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/save/status/spn2-42"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"status": "pending", "job_id": "spn2-42"})),
            )
            .mount(&server)
            .await;
    });
    let ws = Workspace::new();
    let link = format!("{}/new-report", server.uri());
    std::fs::write(
        ws.path("README.md"),
        format!("# P\n\n<!-- pmagg:start -->\n- 01-01-2025 - [New]({link})\n<!-- pmagg:end -->\n"),
    )
    .unwrap();
    std::fs::write(
        ws.config(),
        format!(
            "[settings]\nreadme = \"{}\"\narchive_api_url = \"{}\"\narchive_save = true\n\
             archive_save_polls = 3\narchive_save_poll_secs = 0\n{SOURCE}",
            ws.path("README.md").display(),
            server.uri()
        ),
    )
    .unwrap();
    let out = ws
        .pmagg()
        .env("ARCHIVE_ORG_ACCESS", "key")
        .env("ARCHIVE_ORG_SECRET", "secret")
        .args(["links", "check", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains(&format!("Save Page Now abandoned for {link}: still pending after 3 polls")),
        "{stderr}"
    );
    assert!(!stderr.contains("secret"), "the key stays out of messages: {stderr}");
    let polls = rt
        .block_on(server.received_requests())
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/save/status/spn2-42")
        .count();
    assert_eq!(polls, 3);
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reports[0]["status"], "ok");
    assert_eq!(reports[0]["snapshot"], Value::Null);
}

const TOKEN: &str = "ghp_LINKROTTOKEN";

/// A config needs a source; link checks do not use it.
const SOURCE: &str = "\n[[source]]\nname = \"x\"\nkind = \"feed\"\nurl = \"https://x.example/feed\"\nenabled = false\n";

fn git(ws: &Workspace, dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", ws.path("gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Curator")
        .env("GIT_AUTHOR_EMAIL", "curator@example.com")
        .env("GIT_COMMITTER_NAME", "Curator")
        .env("GIT_COMMITTER_EMAIL", "curator@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn pull(number: u64) -> Value {
    json!({"number": number, "html_url": format!("https://github.example/acme/list/pull/{number}")})
}

/// GitHub as `publish --links` sees it: no open link-rot pull request until #9 is opened.
fn mount_link_rot_api(rt: &tokio::runtime::Runtime, api: &MockServer) {
    let pulls = "/repos/acme/list/pulls";
    rt.block_on(async {
        Mock::given(method("GET"))
            .and(path(pulls))
            .and(query_param("head", "acme:pmagg/link-rot"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(api)
            .await;
        Mock::given(method("GET"))
            .and(path(pulls))
            .and(query_param("head", "acme:pmagg/link-rot"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([pull(9)])))
            .with_priority(2)
            .mount(api)
            .await;
        Mock::given(method("POST"))
            .and(path(pulls))
            .respond_with(ResponseTemplate::new(201).set_body_json(pull(9)))
            .mount(api)
            .await;
        Mock::given(method("PATCH"))
            .and(path(format!("{pulls}/9")))
            .respond_with(ResponseTemplate::new(200).set_body_json(pull(9)))
            .mount(api)
            .await;
        Mock::given(method("POST"))
            .and(path("/repos/acme/list/issues/9/labels"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"name": "link-rot"}])))
            .mount(api)
            .await;
    });
}

/// Acceptance 3: `publish --links` opens one link-rot pull request from `pmagg/link-rot`,
/// then updates it in place; the new-postmortems branch and pull request are not touched.
#[test]
fn publish_links_opens_then_updates_its_own_pull_request() {
    let rt = runtime();
    let ws = Workspace::new();
    std::fs::write(ws.path("gitconfig"), "").unwrap();
    git(&ws, ws.dir.path(), &["init", "--quiet", "--bare", "-b", "main", "origin.git"]);
    git(&ws, ws.dir.path(), &["clone", "--quiet", "origin.git", "list"]);
    let clone = ws.path("list");
    std::fs::write(clone.join("README.md"), SEED).unwrap();
    git(&ws, &clone, &["add", "README.md"]);
    git(&ws, &clone, &["commit", "--quiet", "-m", "The list"]);
    git(&ws, &clone, &["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
    // The new-postmortems pull request's branch, already on the remote.
    git(&ws, &clone, &["push", "--quiet", "origin", "HEAD:refs/heads/pmagg/new-postmortems"]);
    let other =
        git(&ws, &ws.path("origin.git"), &["rev-parse", "refs/heads/pmagg/new-postmortems"]);
    std::fs::write(ws.config(), format!("[settings]\nreadme = \"README.md\"\n{SOURCE}")).unwrap();

    let api = rt.block_on(MockServer::start());
    let pulls = "/repos/acme/list/pulls";
    mount_link_rot_api(&rt, &api);
    let publish = || {
        let out = ws
            .pmagg()
            .env_remove("GITHUB_API_URL")
            .env_remove("PMAGG_GIT_AUTHOR")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GIT_CONFIG_GLOBAL", ws.path("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .arg("publish")
            .arg("--repo")
            .arg(&clone)
            .args(["--github", "acme/list", "--api-url", &api.uri(), "--links"])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "publish --links failed: {text}");
        assert!(!text.contains(TOKEN));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    store_dead(&ws, DEAD[0], Some(&wayback(DEAD[0])));
    let first = publish();
    assert!(first.contains("opened pull request #9"), "{first}");
    let origin = ws.path("origin.git");
    let tip = git(&ws, &origin, &["rev-parse", "refs/heads/pmagg/link-rot"]);
    let readme = git(&ws, &origin, &["show", &format!("{tip}:README.md")]);
    assert_eq!(readme.lines().filter(|l| l.contains("([original](")).count(), 1);
    assert_eq!(git(&ws, &origin, &["rev-parse", "refs/heads/pmagg/new-postmortems"]), other);

    store_dead(&ws, DEAD[1], Some(&wayback(DEAD[1])));
    let second = publish();
    assert!(second.contains("updated pull request #9"), "{second}");
    let new_tip = git(&ws, &origin, &["rev-parse", "refs/heads/pmagg/link-rot"]);
    assert_eq!(git(&ws, &origin, &["rev-parse", &format!("{new_tip}^")]), tip);
    let readme = git(&ws, &origin, &["show", &format!("{new_tip}:README.md")]);
    assert_eq!(readme.lines().filter(|l| l.contains("([original](")).count(), 2);
    assert_eq!(git(&ws, &origin, &["rev-parse", "refs/heads/pmagg/new-postmortems"]), other);
    assert_eq!(
        git(&ws, &origin, &["rev-parse", "refs/heads/main"]),
        git(&ws, &clone, &["rev-parse", "HEAD"])
    );

    let requests = rt.block_on(api.received_requests()).unwrap();
    let opened: Vec<_> =
        requests.iter().filter(|r| r.method.as_str() == "POST" && r.url.path() == pulls).collect();
    assert_eq!(opened.len(), 1, "one pull request opened");
    let body: Value = serde_json::from_slice(&opened[0].body).unwrap();
    assert_eq!(body["head"], "pmagg/link-rot");
    assert_eq!(body["base"], "main");
    let labelled: Vec<_> =
        requests.iter().filter(|r| r.url.path().ends_with("/issues/9/labels")).collect();
    assert_eq!(labelled.len(), 1);
    let labels: Value = serde_json::from_slice(&labelled[0].body).unwrap();
    assert_eq!(labels, json!({"labels": ["link-rot"]}));
    assert!(requests.iter().all(|r| !r.url.as_str().contains("new-postmortems")));
    let patched: Vec<_> = requests.iter().filter(|r| r.method.as_str() == "PATCH").collect();
    assert_eq!(patched.len(), 1);
    assert_eq!(patched[0].url.path(), format!("{pulls}/9"));
}

/// The Actions workflow example runs a nightly link job that sends its own pull request.
#[test]
fn the_workflow_example_has_a_nightly_link_job() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workflow = std::fs::read_to_string(root.join(".github/workflows/pmagg.yml")).unwrap();
    let job = workflow.split("\n  links:\n").nth(1).expect("a links job");
    for needle in ["cron: \"17 3 * * *\"", "github.event.schedule == '17 3 * * *'"] {
        assert!(workflow.contains(needle), "the workflow lacks {needle:?}");
    }
    for needle in [
        "actions/cache/restore@",
        "run: pmagg links check",
        "pmagg publish --repo . --links",
        "actions/cache/save@",
    ] {
        assert!(job.contains(needle), "the links job lacks {needle:?}");
    }
}

/// Without a snapshot, `links fix` links pmagg's own archive copy of the report.
#[test]
fn links_fix_falls_back_to_the_archive_copy() {
    let ws = Workspace::new();
    let readme = ws.path("README.md");
    std::fs::write(&readme, SEED).unwrap();
    let archive = ws.path("archive");
    std::fs::create_dir_all(archive.join("vanished")).unwrap();
    std::fs::write(
        archive.join("vanished/08-09-2019-the-day-the-queue-stood-still.md"),
        format!("[Source]({})\n\nA poison message crashed every consumer.\n", DEAD[1]),
    )
    .unwrap();
    std::fs::write(
        ws.config(),
        format!(
            "[settings]\nreadme = \"{}\"\narchive_dir = \"{}\"\n{SOURCE}",
            readme.display(),
            archive.display()
        ),
    )
    .unwrap();
    store_dead(&ws, DEAD[1], None);
    ws.store()
        .record_archive_files(
            &[("vanished/08-09-2019-the-day-the-queue-stood-still.md".into(), "00".into())],
            Utc::now(),
        )
        .unwrap();
    let out = ws.pmagg().args(["links", "fix"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let fixed = std::fs::read_to_string(&readme).unwrap();
    let changed: Vec<_> = SEED.lines().zip(fixed.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(changed.len(), 1);
    assert!(
        changed[0].1.contains(&format!(
            "](archive/vanished/08-09-2019-the-day-the-queue-stood-still.md) ([original]({}))",
            DEAD[1]
        )),
        "{}",
        changed[0].1
    );
}
