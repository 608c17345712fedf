//! Acceptance: SIGKILL during a sync leaves a database that passes `integrity_check`, and the
//! next sync completes and reaches the same state as an uninterrupted run.

use std::time::Duration;

use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{Workspace, rss};

/// Serves `/fN.xml` as a 30-item feed, slowly, so a pass is long enough to be killed mid-way.
struct SlowFeeds;

impl Respond for SlowFeeds {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let tag = request.url.path().trim_start_matches('/').trim_end_matches(".xml").to_owned();
        ResponseTemplate::new(200)
            .set_body_raw(rss(&tag, 30), "application/rss+xml")
            .set_delay(Duration::from_millis(40))
    }
}

#[test]
#[allow(clippy::disallowed_methods, reason = "waits on a child process, not on a runtime")]
fn sigkill_during_sync_leaves_a_sound_database() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(Mock::given(path_regex(r"^/f\d+\.xml$")).respond_with(SlowFeeds).mount(&server));
    let ws = Workspace::new();
    let feeds: Vec<_> =
        (0..60).map(|i| (format!("f{i}"), format!("{}/f{i}.xml", server.uri()))).collect();
    ws.write_feeds("concurrency = 4\nper_host = 4", &feeds);

    // Kill at spread-out moments: before the schema exists, mid-pass, near the end.
    for delay_ms in [5u64, 60, 150, 250, 400, 600] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pmagg"))
            .arg("--config")
            .arg(ws.config())
            .arg("--db")
            .arg(ws.db())
            .arg("sync")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        if ws.db().exists() {
            let store = ws.store();
            store
                .integrity_check()
                .unwrap_or_else(|err| panic!("after kill at {delay_ms} ms: {err}"));
            // Whatever was committed is whole: every stored source has all 30 items or none.
            for state in store.source_states().unwrap() {
                assert!(
                    state.entries == 0 || state.entries == 30,
                    "{}: {}",
                    state.name,
                    state.entries
                );
            }
        }
    }

    let report = ws.sync();
    assert_eq!(report["sources_failed"], 0, "{report}");
    let store = ws.store();
    store.integrity_check().unwrap();
    assert_eq!(store.count_entries().unwrap(), 60 * 30);
}
