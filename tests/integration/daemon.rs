//! `pmagg daemon` as a process: passes on a per-second schedule against loopback servers,
//! /healthz and /metrics, backoff that survives a restart, `pmagg sync` beside it, and
//! SIGTERM / a second signal / the grace period.
//!
//! Each test is bounded: every wait polls with a deadline, and a daemon still running when a
//! test ends is killed by `Daemon`'s `Drop`.

// These tests wait on child processes and sockets, not on a runtime.
#![allow(clippy::disallowed_methods)]

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Workspace, pmagg, rss};

const EVERY_SECOND: &str = "* * * * * *";

/// A running `pmagg daemon`, killed on drop if the test did not stop it.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(ws: &Workspace, name: &str) -> Self {
        Self::start_with(ws, name, &[])
    }

    fn start_with(ws: &Workspace, name: &str, global_args: &[&str]) -> Self {
        let log = ws.path(&format!("{name}.log"));
        let child = Command::new(assert_cmd::cargo::cargo_bin("pmagg"))
            .args(global_args)
            .arg("--config")
            .arg(ws.config())
            .arg("--db")
            .arg(ws.db())
            .arg("daemon")
            .env_remove("PMAGG_LOG")
            .env_remove("PMAGG_LISTEN")
            .env_remove("PMAGG_LOG_FORMAT")
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("log file"))
            .spawn()
            .expect("start pmagg daemon");
        Self { child, log }
    }

    /// Sends a signal with kill(1), as a service manager would.
    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// The exit status, if the process exits within `limit`.
    fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The daemon's running `pmagg daemon-pass` children (Linux: read from /proc).
    fn pass_processes(&self) -> Vec<u32> {
        let parent = self.child.id().to_string();
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // pid (comm) state ppid ...: the fields after the last ')'.
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            let mut fields = after.split_whitespace();
            let (state, ppid) = (fields.next(), fields.next());
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if ppid == Some(parent.as_str())
                && state != Some("Z")
                && cmdline.split(|b| *b == 0).any(|arg| arg == b"daemon-pass")
            {
                found.push(pid);
            }
        }
        found
    }
}

/// Whether process `pid` still runs (a zombie does not).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
    })
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` every 50 ms until it holds or `limit` passes.
fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A plain HTTP/1.1 GET; `None` while nothing answers.
fn get(port: u16, target: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Some((status, body))
}

/// A sample's value from /metrics, by its name and labels as written.
fn metric(port: u16, sample: &str) -> Option<f64> {
    let (_, text) = get(port, "/metrics")?;
    let line =
        text.lines().find(|l| l.starts_with(sample) && l[sample.len()..].starts_with(' '))?;
    line.rsplit(' ').next()?.parse().ok()
}

fn passes(port: u16) -> f64 {
    metric(port, &format!("pmagg_passes_total{{schedule=\"{EVERY_SECOND}\"}}")).unwrap_or(0.0)
}

/// Requests the server received for `path`.
fn hits(rt: &tokio::runtime::Runtime, server: &MockServer, path: &str) -> usize {
    let requests = rt.block_on(server.received_requests()).unwrap_or_default();
    requests.iter().filter(|r| r.url.path() == path).count()
}

/// The stored state of one source.
fn state(ws: &Workspace, name: &str) -> pmagg::model::SourceState {
    ws.store()
        .source_states()
        .unwrap()
        .into_iter()
        .find(|s| s.name.as_str() == name)
        .unwrap_or_else(|| panic!("no state for {name}"))
}

/// Seconds from the last attempt to the next, as stored (both at second precision).
fn backoff_secs(ws: &Workspace, name: &str) -> i64 {
    let state = state(ws, name);
    let next: DateTime<Utc> = state.next_attempt_at.expect("backing off");
    (next - state.last_attempt_at.expect("attempted")).num_seconds()
}

fn feed_server(rt: &tokio::runtime::Runtime) -> MockServer {
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(path("/good.xml"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(rss("good", 3), "application/rss+xml"),
            )
            .mount(&server),
    );
    server
}

/// Acceptance 1: two passes or more, /healthz 200, growing /metrics counters, exit 0 within
/// 5 s of SIGTERM, and a sound database. A source that fails is polled once and then left out
/// while it backs off.
#[test]
fn daemon_runs_passes_serves_health_and_metrics_and_stops_on_sigterm() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = feed_server(&rt);
    rt.block_on(
        Mock::given(path("/bad.xml")).respond_with(ResponseTemplate::new(404)).mount(&server),
    );
    let ws = Workspace::new();
    let port = free_port();
    ws.write_feeds(
        &format!("schedule = \"{EVERY_SECOND}\"\nlisten = \"127.0.0.1:{port}\""),
        &[
            ("good".into(), format!("{}/good.xml", server.uri())),
            ("bad".into(), format!("{}/bad.xml", server.uri())),
        ],
    );

    let mut daemon = Daemon::start(&ws, "daemon");
    assert!(wait_until(Duration::from_secs(10), || passes(port) >= 1.0), "{}", daemon.log());
    let first = passes(port);
    let polled = |port| {
        metric(port, "pmagg_source_fetches_total{source=\"good\",outcome=\"ok\"}").unwrap_or(0.0)
    };
    let good_first = polled(port);
    assert!(
        wait_until(Duration::from_secs(10), || passes(port) >= (first + 1.0).max(2.0)),
        "{}",
        daemon.log()
    );
    assert!(polled(port) > good_first, "per-source counters grow");
    assert_eq!(metric(port, "pmagg_entries"), Some(3.0));

    let (status, body) = get(port, "/healthz").unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("ok\n"), "{body}");

    // The failing source was polled once; its backoff (45 to 60 s) keeps it out since.
    assert_eq!(hits(&rt, &server, "/bad.xml"), 1);
    assert!(hits(&rt, &server, "/good.xml") >= 2);
    assert!((44..=61).contains(&backoff_secs(&ws, "bad")), "{}", backoff_secs(&ws, "bad"));
    assert_eq!(state(&ws, "bad").consecutive_failures, 1);
    assert_eq!(
        metric(port, "pmagg_source_consecutive_failures{source=\"bad\"}"),
        Some(1.0),
        "{}",
        get(port, "/metrics").unwrap().1
    );

    daemon.signal("TERM");
    let status = daemon.wait_exit(Duration::from_secs(5)).expect("exits within 5 s of SIGTERM");
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    let log = daemon.log();
    assert!(log.contains("stopping") && log.contains("stopped"), "{log}");
    ws.store().integrity_check().unwrap();
}

/// Acceptance 2: five failures in a row give exponentially growing waits (with jitter); a
/// restarted daemon keeps the backoff; once the server recovers and the wait is over, the
/// source is back on its schedule.
#[test]
fn a_failing_source_backs_off_survives_a_restart_and_recovers() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = feed_server(&rt);
    let broken = rt.block_on(
        Mock::given(path("/flaky.xml"))
            .respond_with(ResponseTemplate::new(404))
            .named("flaky while broken")
            .mount_as_scoped(&server),
    );
    let ws = Workspace::new();
    ws.write_feeds(
        &format!("schedule = \"{EVERY_SECOND}\""),
        &[
            ("good".into(), format!("{}/good.xml", server.uri())),
            ("flaky".into(), format!("{}/flaky.xml", server.uri())),
        ],
    );

    // Five failures in a row. `pmagg sync` polls whatever the backoff says (the user asked for
    // it) and records the failure exactly as the daemon does.
    let mut waits = Vec::new();
    for _ in 0..5 {
        let report = ws.sync();
        assert_eq!(report["sources_failed"], 1, "{report}");
        waits.push(backoff_secs(&ws, "flaky"));
    }
    assert_eq!(state(&ws, "flaky").consecutive_failures, 5);
    for (i, wait) in waits.iter().enumerate() {
        // 60 s × 2ⁱ, less up to a quarter (jitter); ±1 s for second precision.
        let full = 60 * (1 << i);
        assert!((full * 3 / 4 - 1..=full + 1).contains(wait), "failure {}: {waits:?}", i + 1);
    }
    assert!(waits.windows(2).all(|w| w[1] > w[0]), "waits grow: {waits:?}");
    assert!(waits[4] >= 8 * waits[0] - 8, "exponentially: {waits:?}");

    // A restarted daemon keeps the backoff: the good source is polled every second, the flaky
    // one not at all, and its stored state does not move.
    let before = state(&ws, "flaky");
    let flaky_hits = hits(&rt, &server, "/flaky.xml");
    let good_hits = hits(&rt, &server, "/good.xml");
    let mut daemon = Daemon::start(&ws, "restarted");
    assert!(
        wait_until(Duration::from_secs(10), || hits(&rt, &server, "/good.xml") >= good_hits + 2),
        "{}",
        daemon.log()
    );
    assert_eq!(hits(&rt, &server, "/flaky.xml"), flaky_hits, "polled while backing off");
    let during = state(&ws, "flaky");
    assert_eq!(during.consecutive_failures, 5);
    assert_eq!(during.next_attempt_at, before.next_attempt_at);
    assert!(daemon.log().contains("backing_off=1"), "{}", daemon.log());
    // `pmagg sources` shows the source's health.
    let output = ws.pmagg().args(["sources", "--json"]).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let flaky = rows.as_array().unwrap().iter().find(|r| r["name"] == "flaky").unwrap();
    assert_eq!(flaky["consecutive_failures"], 5);
    assert_eq!(flaky["last_outcome"], "failed");
    let shown: DateTime<Utc> = serde_json::from_value(flaky["next_attempt_at"].clone()).unwrap();
    assert_eq!(Some(shown), before.next_attempt_at);
    let table = ws.pmagg().arg("sources").output().unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    let next = shown.format("%Y-%m-%d %H:%M").to_string();
    assert!(table.contains("NEXT ATTEMPT") && table.contains(&next), "{table}");
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(5)).and_then(|s| s.code()), Some(0));

    // The server recovers. Rather than wait the 12 to 16 minutes, move the stored next attempt
    // to where the clock would be by then: two seconds from now.
    drop(broken);
    rt.block_on(
        Mock::given(path("/flaky.xml"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(rss("flaky", 2), "application/rss+xml"),
            )
            .mount(&server),
    );
    let soon = (Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    conn.execute("UPDATE sources SET next_attempt_at = ?1 WHERE name = 'flaky'", [&soon]).unwrap();
    drop(conn);

    let daemon = Daemon::start_with(&ws, "recovered", &["--log-format", "json"]);
    assert!(
        wait_until(Duration::from_secs(10), || state(&ws, "flaky").consecutive_failures == 0),
        "{}",
        daemon.log()
    );
    let recovered = state(&ws, "flaky");
    assert_eq!(recovered.next_attempt_at, None, "a success ends the backoff");
    assert_eq!(recovered.entries, 2);
    // Back on its schedule: polled again on the following ticks.
    let after = hits(&rt, &server, "/flaky.xml");
    assert!(
        wait_until(Duration::from_secs(5), || hits(&rt, &server, "/flaky.xml") >= after + 2),
        "{}",
        daemon.log()
    );
    // Every log line is one JSON object, with the source's span.
    let log = daemon.log();
    for line in log.lines() {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}"));
        assert!(event["level"].is_string() && event["fields"]["message"].is_string(), "{line}");
    }
    assert!(log.contains("\"source polled\"") && log.contains("\"source\":\"flaky\""), "{log}");
}

/// Acceptance 3: `pmagg sync` typed while the daemon is in the middle of passes completes,
/// without a locking error. Slow, many-item feeds keep the daemon writing all the time.
#[test]
fn sync_by_hand_during_a_daemon_pass_completes_without_locking_errors() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    let ws = Workspace::new();
    let mut feeds = Vec::new();
    for i in 0..12 {
        let tag = format!("f{i}");
        rt.block_on(
            Mock::given(path(format!("/{tag}.xml")))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_raw(rss(&tag, 200), "application/rss+xml")
                        .set_delay(Duration::from_millis(150)),
                )
                .mount(&server),
        );
        feeds.push((tag.clone(), format!("{}/{tag}.xml", server.uri())));
    }
    ws.write_feeds(
        &format!("schedule = \"{EVERY_SECOND}\"\nconcurrency = 4\nper_host = 4"),
        &feeds,
    );

    let daemon = Daemon::start(&ws, "busy");
    // The daemon has begun its first pass.
    assert!(
        wait_until(Duration::from_secs(10), || {
            rt.block_on(server.received_requests()).is_some_and(|r| !r.is_empty())
        }),
        "{}",
        daemon.log()
    );
    for run in 0..3 {
        let output = ws.pmagg().args(["sync", "--json"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "run {run}: {stderr}");
        assert!(!stderr.contains("locked") && !stderr.contains("busy"), "run {run}: {stderr}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["sources_failed"], 0, "run {run}: {report}");
    }
    let log = daemon.log();
    assert!(!log.contains("locked") && !log.contains("pass failed"), "{log}");
    drop(daemon);
    let store = ws.store();
    store.integrity_check().unwrap();
    assert_eq!(store.count_entries().unwrap(), 12 * 200);
}

/// A pass stuck on a slow server is dropped after `shutdown_grace_secs`: exit 0, sound
/// database, and the stuck source wrote nothing.
#[test]
fn sigterm_during_a_stuck_pass_rolls_it_back_after_the_grace_period() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = feed_server(&rt);
    rt.block_on(
        Mock::given(path("/stuck.xml"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(rss("stuck", 3), "application/rss+xml")
                    .set_delay(Duration::from_secs(30)),
            )
            .mount(&server),
    );
    let ws = Workspace::new();
    ws.write_feeds(
        &format!("schedule = \"{EVERY_SECOND}\"\nshutdown_grace_secs = 1\ntimeout_secs = 60"),
        &[
            ("good".into(), format!("{}/good.xml", server.uri())),
            ("stuck".into(), format!("{}/stuck.xml", server.uri())),
        ],
    );
    let mut daemon = Daemon::start(&ws, "stuck");
    assert!(
        wait_until(Duration::from_secs(10), || hits(&rt, &server, "/stuck.xml") >= 1),
        "{}",
        daemon.log()
    );
    // The next ticks find the pass still running: skipped, so the stuck source is never
    // polled twice at once.
    assert!(
        wait_until(Duration::from_secs(5), || daemon.log().contains("tick skipped")),
        "{}",
        daemon.log()
    );
    assert_eq!(hits(&rt, &server, "/stuck.xml"), 1);
    // The pass runs in a child process, which stops with the daemon.
    let passes = daemon.pass_processes();
    assert_eq!(passes.len(), 1, "one pass process: {passes:?}");
    daemon.signal("TERM");
    let started = Instant::now();
    let status = daemon.wait_exit(Duration::from_secs(5)).expect("exits after the grace period");
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    assert!(started.elapsed() >= Duration::from_millis(900), "waited for the grace period");
    assert!(daemon.log().contains("grace period"), "{}", daemon.log());
    assert!(daemon.log().contains("cutting the pass short"), "{}", daemon.log());
    assert!(!running(passes[0]), "the pass process has exited with the daemon");
    let store = ws.store();
    store.integrity_check().unwrap();
    assert_eq!(state(&ws, "stuck").entries, 0);
    assert_eq!(state(&ws, "stuck").consecutive_failures, 0, "a dropped pass records nothing");
}

/// A daemon killed outright (SIGKILL, an OOM kill) leaves no pass behind: the pass process
/// sees its stdin close and stops.
#[test]
fn a_pass_process_stops_when_its_daemon_is_killed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = feed_server(&rt);
    rt.block_on(
        Mock::given(path("/stuck.xml"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(rss("stuck", 3), "application/rss+xml")
                    .set_delay(Duration::from_secs(30)),
            )
            .mount(&server),
    );
    let ws = Workspace::new();
    ws.write_feeds(
        &format!("schedule = \"{EVERY_SECOND}\"\ntimeout_secs = 60"),
        &[("stuck".into(), format!("{}/stuck.xml", server.uri()))],
    );
    let mut daemon = Daemon::start(&ws, "killed");
    assert!(
        wait_until(Duration::from_secs(10), || hits(&rt, &server, "/stuck.xml") >= 1),
        "{}",
        daemon.log()
    );
    let passes = daemon.pass_processes();
    assert_eq!(passes.len(), 1, "one pass process: {passes:?}");
    daemon.signal("KILL");
    daemon.wait_exit(Duration::from_secs(5)).expect("killed");
    assert!(
        wait_until(Duration::from_secs(5), || !running(passes[0])),
        "the orphaned pass process still runs: {}",
        daemon.log()
    );
    assert!(daemon.log().contains("cutting the pass short"), "{}", daemon.log());
    ws.store().integrity_check().unwrap();
}

/// A second signal exits at once (code 1), whatever is running, and leaves a sound database.
#[test]
fn a_second_signal_exits_at_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = feed_server(&rt);
    rt.block_on(
        Mock::given(path("/stuck.xml"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(rss("stuck", 3), "application/rss+xml")
                    .set_delay(Duration::from_secs(30)),
            )
            .mount(&server),
    );
    let ws = Workspace::new();
    ws.write_feeds(
        &format!("schedule = \"{EVERY_SECOND}\"\nshutdown_grace_secs = 60\ntimeout_secs = 60"),
        &[
            ("good".into(), format!("{}/good.xml", server.uri())),
            ("stuck".into(), format!("{}/stuck.xml", server.uri())),
        ],
    );
    let mut daemon = Daemon::start(&ws, "twice");
    assert!(
        wait_until(Duration::from_secs(10), || hits(&rt, &server, "/stuck.xml") >= 1),
        "{}",
        daemon.log()
    );
    daemon.signal("INT");
    assert!(wait_until(Duration::from_secs(5), || daemon.log().contains("stopping")));
    assert!(daemon.wait_exit(Duration::from_millis(300)).is_none(), "waits for the pass");
    daemon.signal("TERM");
    let status = daemon.wait_exit(Duration::from_secs(2)).expect("exits at once");
    assert_eq!(status.code(), Some(1), "{}", daemon.log());
    ws.store().integrity_check().unwrap();
}

#[test]
fn daemon_help_has_examples_and_a_config_without_sources_to_poll_is_exit_2() {
    let output = pmagg().args(["daemon", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("Examples:") && help.contains("pmagg daemon"), "{help}");
    assert!(help.contains("SIGTERM") && help.contains("--listen"), "{help}");

    let ws = Workspace::new();
    std::fs::write(
        ws.config(),
        "[[source]]\nname = \"off\"\nkind = \"feed\"\nurl = \"https://x.example/\"\nenabled = false\n",
    )
    .unwrap();
    let output = ws.pmagg().arg("daemon").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("enables no source"));
}

#[test]
fn a_taken_listen_address_stops_the_daemon_at_startup() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let ws = Workspace::new();
    ws.write_feeds(
        &format!("listen = \"127.0.0.1:{port}\""),
        &[("a".into(), "http://127.0.0.1:9/feed.xml".into())],
    );
    let output = ws.pmagg().args(["--log-format", "json", "daemon"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")), "{stderr}");
}

/// A server that asks for more time than a pass waits (`Retry-After` over 30 s) gets it: the
/// backoff is at least what it asked, up to `max_backoff_secs`.
#[test]
fn retry_after_sets_the_backoff_up_to_the_cap() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(path("/busy.xml"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
            .mount(&server),
    );
    rt.block_on(
        Mock::given(path("/greedy.xml"))
            .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "864000"))
            .mount(&server),
    );
    let ws = Workspace::new();
    ws.write_feeds(
        "max_backoff_secs = 7200",
        &[
            ("busy".into(), format!("{}/busy.xml", server.uri())),
            ("greedy".into(), format!("{}/greedy.xml", server.uri())),
        ],
    );
    let report = ws.sync();
    assert_eq!(report["sources_failed"], 2, "{report}");
    assert_eq!(hits(&rt, &server, "/busy.xml"), 1, "not retried within the pass");
    assert!((3599..=3601).contains(&backoff_secs(&ws, "busy")), "{}", backoff_secs(&ws, "busy"));
    assert!((7199..=7201).contains(&backoff_secs(&ws, "greedy")), "capped");
}

/// After a pass that stored something, the daemon renders what `[settings]` configures, as
/// `pmagg sync` does: the README gains the confirmed postmortem.
#[test]
fn the_daemon_renders_the_readme_after_a_pass() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    let base = server.uri();
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Example</title>\
         <item><title>Incident report: API errors on May 14</title><link>{base}/blog/incident/</link>\
         <guid>pm</guid><pubDate>Mon, 20 May 2024 09:00:00 GMT</pubDate></item></channel></rss>"
    );
    let article = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/documents/article.html"),
    )
    .unwrap();
    rt.block_on(async {
        Mock::given(path("/feed.xml"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(feed, "application/rss+xml"))
            .mount(&server)
            .await;
        Mock::given(path("/blog/incident/"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(article, "text/html"))
            .mount(&server)
            .await;
    });
    let ws = Workspace::new();
    let readme = ws.path("README.md");
    std::fs::write(&readme, "# Postmortems\n\nA list.\n\n## Postmortems\n\n").unwrap();
    ws.write_feeds(
        &format!("schedule = \"{EVERY_SECOND}\"\nreadme = {:?}", readme.display().to_string()),
        &[("Example".into(), format!("{base}/feed.xml"))],
    );
    let mut daemon = Daemon::start(&ws, "render");
    let rendered = wait_until(Duration::from_secs(15), || {
        std::fs::read_to_string(&readme).is_ok_and(|text| text.contains("API errors on May 14"))
    });
    daemon.signal("TERM");
    daemon.wait_exit(Duration::from_secs(5));
    assert!(
        rendered,
        "README not rendered: {}\n{}",
        std::fs::read_to_string(&readme).unwrap(),
        daemon.log()
    );
    let text = std::fs::read_to_string(&readme).unwrap();
    assert!(
        text.starts_with("# Postmortems\n\nA list.\n\n## Postmortems\n\n- 05-14-2024 - ["),
        "{text}"
    );
}

/// #18: the daemon checks links on `links_schedule`, apart from its passes, and counts each
/// check's outcome in /metrics.
#[test]
fn the_daemon_checks_links_on_their_own_schedule() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = feed_server(&rt);
    rt.block_on(async {
        Mock::given(path("/alive")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
        Mock::given(path("/gone")).respond_with(ResponseTemplate::new(404)).mount(&server).await;
    });
    let ws = Workspace::new();
    let readme = ws.path("README.md");
    std::fs::write(
        &readme,
        format!(
            "# P\n\n<!-- pmagg:start -->\n- 01-02-2024 - [Alive]({0}/alive)\n\
             - 01-01-2024 - [Gone]({0}/gone)\n<!-- pmagg:end -->\n",
            server.uri()
        ),
    )
    .unwrap();
    let port = free_port();
    // Passes once a year; links every second.
    ws.write_feeds(
        &format!(
            "schedule = \"0 0 0 1 1 *\"\nlinks_schedule = \"{EVERY_SECOND}\"\n\
             listen = \"127.0.0.1:{port}\"\nreadme = \"{}\"",
            readme.display()
        ),
        &[("good".into(), format!("{}/good.xml", server.uri()))],
    );
    let mut daemon = Daemon::start(&ws, "daemon");
    let runs = || metric(port, "pmagg_link_runs_total").unwrap_or(0.0);
    assert!(wait_until(Duration::from_secs(15), || runs() >= 2.0), "{}", daemon.log());
    let ok = metric(port, "pmagg_link_checks_total{outcome=\"ok\"}").unwrap();
    let broken = metric(port, "pmagg_link_checks_total{outcome=\"broken\"}").unwrap();
    assert!(ok >= 2.0 && broken >= 2.0, "{}", get(port, "/metrics").unwrap().1);
    assert!(passes(port) < 0.5, "no pass is due");
    let record = ws.store().link_record(&format!("{}/gone", server.uri())).unwrap().unwrap();
    assert!(record.failures >= 2);
    daemon.signal("TERM");
    let status = daemon.wait_exit(Duration::from_secs(10)).expect("exits after SIGTERM");
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
}

/// The daemon's own open handles on its database file (Linux: read from /proc; its passes
/// are other processes).
fn database_handles(daemon: &Daemon, db: &std::path::Path) -> usize {
    let db = std::fs::canonicalize(db).expect("database exists");
    std::fs::read_dir(format!("/proc/{}/fd", daemon.child.id()))
        .expect("/proc/PID/fd")
        .flatten()
        .filter(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == db))
        .count()
}

/// A daemon that serves nothing (no `listen`) opens no read-only connection for the site;
/// one that serves the site holds it beside the writer's.
#[test]
fn a_daemon_that_serves_nothing_opens_no_site_connection() {
    let ws = Workspace::new();
    let started = |daemon: &Daemon| daemon.log().contains("daemon started");
    // Once a year: no pass runs while the test looks.
    let yearly = "schedule = \"0 0 0 1 1 *\"";
    ws.write_feeds(yearly, &[("quiet".into(), "http://127.0.0.1:9/feed.xml".into())]);
    let mut daemon = Daemon::start(&ws, "no-site");
    assert!(wait_until(Duration::from_secs(10), || started(&daemon)), "{}", daemon.log());
    assert_eq!(database_handles(&daemon, &ws.db()), 1, "{}", daemon.log());
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(5)).and_then(|s| s.code()), Some(0));

    let port = free_port();
    ws.write_feeds(
        &format!("{yearly}\nlisten = \"127.0.0.1:{port}\""),
        &[("quiet".into(), "http://127.0.0.1:9/feed.xml".into())],
    );
    let mut daemon = Daemon::start(&ws, "site");
    assert!(wait_until(Duration::from_secs(10), || started(&daemon)), "{}", daemon.log());
    assert_eq!(database_handles(&daemon, &ws.db()), 2, "{}", daemon.log());
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(5)).and_then(|s| s.code()), Some(0));
}
