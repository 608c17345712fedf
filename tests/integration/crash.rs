//! Acceptance (#8): SIGKILL at random moments of `pmagg sync` and `pmagg render`, 24 times in
//! all. After each kill the database passes `integrity_check`, every committed source is whole,
//! and the README, archive copies and feed are each either the old or the new version, never a
//! mix or a fragment. The next uninterrupted run reaches the same state as a run that was never
//! interrupted: the same files, byte for byte, and the same rows.
//!
//! The moments are random; the seed is printed, and `PMAGG_CRASH_SEED=N` replays a run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeDelta, Utc};
use pmagg::model::{Extracted, Postmortem};
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{Workspace, entries_per_source, rss};

/// Kills of each command.
const SYNC_KILLS: usize = 12;
const RENDER_KILLS: usize = 12;

/// Serves `/fN.xml` as a 30-item feed, slowly, so a pass is long enough to be killed mid-way.
struct SlowFeeds(Duration);

impl Respond for SlowFeeds {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let tag = request.url.path().trim_start_matches('/').trim_end_matches(".xml").to_owned();
        ResponseTemplate::new(200)
            .set_body_raw(rss(&tag, 30), "application/rss+xml")
            .set_delay(self.0)
    }
}

fn seed() -> u64 {
    let seed = std::env::var("PMAGG_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("crash test seed: {seed} (replay with PMAGG_CRASH_SEED={seed})");
    seed
}

fn pmagg_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("pmagg"));
    cmd.current_dir(dir)
        .args(["--config", "sources.toml", "--db", "pmagg.db"])
        .args(args)
        .env_remove("PMAGG_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Starts `args` in `dir` and SIGKILLs it after `delay` (if it is still running).
#[allow(clippy::disallowed_methods, reason = "waits on a child process, not on a runtime")]
fn kill_after(dir: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = pmagg_in(dir, args).spawn().unwrap();
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill(); // SIGKILL on Unix
    child.wait().unwrap();
    !finished
}

pub fn run_ok(dir: &Path, args: &[&str]) {
    let status = pmagg_in(dir, args).status().unwrap();
    assert!(status.success(), "pmagg {args:?}: {status}");
}

#[test]
fn sigkill_during_sync_leaves_a_sound_database() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(path_regex(r"^/f\d+\.xml$"))
            .respond_with(SlowFeeds(Duration::from_millis(40)))
            .mount(&server),
    );
    let feeds: Vec<_> =
        (0..60).map(|i| (format!("f{i}"), format!("{}/f{i}.xml", server.uri()))).collect();
    let ws = Workspace::new();
    ws.write_feeds("concurrency = 4\nper_host = 4", &feeds);
    let clean = Workspace::new();
    clean.write_feeds("concurrency = 4\nper_host = 4", &feeds);

    let mut rng = fastrand::Rng::with_seed(seed());
    let mut killed = 0;
    // The first kill comes before the schema exists; the others anywhere in the pass.
    for n in 0..SYNC_KILLS {
        let delay = if n == 0 { 5 } else { rng.u64(10..900) };
        killed += usize::from(kill_after(ws.dir.path(), &["sync"], Duration::from_millis(delay)));
        if ws.db().exists() {
            let store = ws.store();
            store.integrity_check().unwrap_or_else(|err| panic!("after kill at {delay} ms: {err}"));
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
    assert!(killed >= SYNC_KILLS / 3, "kills land while sync runs ({killed})");

    let report = ws.sync();
    assert_eq!(report["sources_failed"], 0, "{report}");
    let store = ws.store();
    store.integrity_check().unwrap();
    assert_eq!(store.count_entries().unwrap(), 60 * 30);
    // The same state as a pass that was never interrupted.
    clean.sync();
    assert_eq!(entries_per_source(&ws.db()), entries_per_source(&clean.db()));
}

/// Every file under `dir` (relative path → bytes), temporaries included.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn is_temporary(name: &str) -> bool {
    Path::new(name).file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        n.starts_with('.') && n.contains(".pmagg-") && n.rsplit('.').next() == Some("tmp")
    })
}

pub fn copy_workspace(from: &Path, to: &Path) {
    for name in ["sources.toml", "pmagg.db", "pmagg.db-wal", "pmagg.db-shm"] {
        if from.join(name).exists() {
            std::fs::copy(from.join(name), to.join(name)).unwrap();
        }
    }
    let site = to.join("site");
    std::fs::create_dir_all(&site).unwrap();
    for (name, bytes) in snapshot(&from.join("site")) {
        let path: PathBuf = site.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// A database of 300 confirmed postmortems and a README with a list, not rendered yet.
pub fn prepare_render(ws: &Workspace) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(path_regex(r"^/f\d+\.xml$"))
            .respond_with(SlowFeeds(Duration::ZERO))
            .mount(&server),
    );
    let feeds: Vec<_> =
        (0..10).map(|i| (format!("f{i}"), format!("{}/f{i}.xml", server.uri()))).collect();
    ws.write_feeds(
        "readme = \"site/README.md\"\narchive_dir = \"site/archive\"\nfeed = \"site/feed.xml\"\n\
         feed_entries = 100",
        &feeds,
    );
    std::fs::create_dir(ws.path("site")).unwrap();
    std::fs::write(
        ws.path("site/README.md"),
        "# Postmortems\n\nA list.\n\n## Postmortems\n\n\
         - 01-02-2020 - [Old one](https://old.example/pm) by [Old](https://old.example/)\n  - Kept.\n\n\
         ## Contributing\n\nSend a PR.\n",
    )
    .unwrap();
    run_ok(ws.dir.path(), &["import", "site/README.md"]);
    run_ok(ws.dir.path(), &["sync", "--no-render"]);
    let mut store = ws.store();
    let day = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap();
    let body = "## Summary\n\nA dependency failed and requests errored. ".repeat(40);
    for (i, entry) in store.list_entries(10_000).unwrap().into_iter().enumerate() {
        let extracted = Extracted {
            identity: entry.item.identity.clone(),
            report_fingerprint: None,
            extractor_version: pmagg::extract::VERSION,
            decided_by: pmagg::model::Decision::Classifier,
            postmortem: Postmortem {
                is_postmortem: true,
                confidence: Some(0.9),
                title: Some(format!("Outage number {i}")),
                company: Some(format!("Company {}", i % 37)),
                incident_date: Some(day + TimeDelta::days(i as i64 * 3)),
                summary: Some(format!("What broke in outage {i}.")),
                ..Postmortem::default()
            },
            body: format!("{body}\n\nOutage {i}.\n"),
        };
        store.record_extraction(entry.id, &extracted, Utc::now()).unwrap();
    }
}

#[test]
fn sigkill_during_render_leaves_old_or_new_files() {
    let original = Workspace::new();
    prepare_render(&original);
    let old = snapshot(&original.path("site"));

    // The uninterrupted render, on a copy. Kills are spread over the fastest of three such
    // renders: one slowed by the tests running beside it would put most kills after the end.
    let render_a_copy = || {
        let copy = Workspace::new();
        copy_workspace(original.dir.path(), copy.dir.path());
        let started = Instant::now();
        run_ok(copy.dir.path(), &["render"]);
        (copy, started.elapsed())
    };
    let (reference, first) = render_a_copy();
    let took = (0..2).map(|_| render_a_copy().1).fold(first, Duration::min);
    let new = snapshot(&reference.path("site"));
    assert!(new.keys().filter(|k| k.starts_with("archive/")).count() >= 300, "{:?}", new.keys());
    assert_ne!(old.get("README.md"), new.get("README.md"));

    let mut rng = fastrand::Rng::with_seed(seed());
    let mut killed = 0;
    let mut kills = 0;
    let mut round = 0;
    while kills < RENDER_KILLS {
        // Each round starts from the state before any render, so every kill hits real work;
        // every other round also kills the render that recovers from the first kill.
        round += 1;
        let ws = Workspace::new();
        copy_workspace(original.dir.path(), ws.dir.path());
        for again in 0..=(round % 2) {
            kills += 1;
            // Anywhere in the first 70% of a whole render (30% for the one that recovers).
            let until = took.as_micros() as u64 * if again == 0 { 7 } else { 3 } / 10 + 1_000;
            let delay = Duration::from_micros(rng.u64(1_000..=until));
            let landed = kill_after(ws.dir.path(), &["render"], delay);
            killed += usize::from(landed);
            ws.store()
                .integrity_check()
                .unwrap_or_else(|err| panic!("after kill at {delay:?}: {err}"));
            for (name, bytes) in snapshot(&ws.path("site")) {
                if is_temporary(&name) {
                    continue;
                }
                let is_old = old.get(&name) == Some(&bytes);
                let is_new = new.get(&name) == Some(&bytes);
                assert!(
                    is_old || is_new,
                    "after a kill at {delay:?}, {name} is neither old nor new"
                );
            }
        }
        run_ok(ws.dir.path(), &["render"]);
        assert!(
            snapshot(&ws.path("site")) == new,
            "round {round}: the files differ from an uninterrupted render's"
        );
        let (store, clean) = (ws.store(), reference.store());
        store.integrity_check().unwrap();
        assert_eq!(
            store.curated_entries().unwrap(),
            clean.curated_entries().unwrap(),
            "round {round}"
        );
        assert_eq!(
            store.archive_records().unwrap(),
            clean.archive_records().unwrap(),
            "round {round}"
        );
        assert_eq!(store.count_entries().unwrap(), clean.count_entries().unwrap());
        // And a render after that has nothing to do.
        run_ok(ws.dir.path(), &["render", "--check"]);
    }
    assert!(killed >= RENDER_KILLS / 3, "kills land while render runs ({killed} of {kills})");
}
