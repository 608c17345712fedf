//! A curator's first hour (#16): start without a config, manage sources by name, a read-only
//! database, completions and the man page, the sources table's columns.

use std::os::unix::fs::PermissionsExt as _;

use serde_json::Value;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Workspace, pmagg, rss};

/// A list in the seed list's shape, written for this test: an intro, a `## ` heading and dated
/// bullets with nested summaries, a `by [Company](url)` here and there, text after the list.
const LIST: &str = "\
# Awesome test postmortems

A short introduction to the list, which the render must keep.

## Postmortems

- 03-04-2024 - [Queue Outage](https://queue.example.com/blog/outage-2024)
  - A full disk stopped the queue; an outage of two hours until old segments were removed.
- 01-15-2023 - [Login Failures](https://status.login.example.net/incidents/abc123) by [Login Co](https://login.example.net)
  - An expired certificate broke logins for an hour.
- 07-09-2017 - [Storage Incident](http://storage.example.org/postmortem.html)
  - A bad deploy deleted metadata; restored from backups after a long outage.

## Contributing

Pull requests welcome.
";

/// `pmagg` in `dir` with no `--config`: `sources.toml` there is the default.
fn pmagg_in(dir: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = pmagg();
    cmd.current_dir(dir);
    cmd
}

fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Acceptance 1: in an empty directory `sources add URL` creates sources.toml, and `sync`
/// then stores the feed's entries.
#[test]
fn sources_add_in_an_empty_directory_creates_the_config_and_sync_stores_entries() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(path("/feed.xml"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(rss("loop", 3), "application/rss+xml"),
            )
            .mount(&server),
    );
    let ws = Workspace::new();
    let dir = ws.dir.path();
    let added = pmagg_in(dir)
        .args(["sources", "add", &format!("{}/feed.xml", server.uri()), "--name", "Loop"])
        .output()
        .unwrap();
    assert!(stdout(&added).contains("added source \"Loop\""));
    let config = std::fs::read_to_string(dir.join("sources.toml")).unwrap();
    assert!(config.starts_with("[[source]]\nname = \"Loop\"\nkind = \"feed\""), "{config}");

    let sync = pmagg_in(dir).args(["sync", "--json"]).output().unwrap();
    let report: Value = serde_json::from_str(&stdout(&sync)).unwrap();
    assert_eq!((report["sources_ok"].as_u64(), report["entries_new"].as_u64()), (Some(1), Some(3)));
    assert!(dir.join("pmagg.db").exists());
}

/// Acceptance 2 (import and render): with no sources.toml at all, a list is imported, shown
/// by `list`, and rendered back byte for byte.
#[test]
fn without_any_config_import_then_render_reproduces_the_list() {
    let ws = Workspace::new();
    let dir = ws.dir.path();
    std::fs::write(dir.join("LIST.md"), LIST).unwrap();
    let imported = pmagg_in(dir).args(["import", "LIST.md", "--json"]).output().unwrap();
    let summary: Value = serde_json::from_str(&stdout(&imported)).unwrap();
    assert!(summary.to_string().contains('3'), "{summary}");
    assert!(!dir.join("sources.toml").exists(), "import wrote no config");

    std::fs::write(dir.join("OUT.md"), LIST).unwrap();
    stdout(&pmagg_in(dir).args(["render", "--readme", "OUT.md"]).output().unwrap());
    assert_eq!(std::fs::read_to_string(dir.join("OUT.md")).unwrap(), LIST);
    let check = pmagg_in(dir).args(["render", "--readme", "LIST.md", "--check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));

    let export = pmagg_in(dir).args(["export"]).output().unwrap();
    assert!(stdout(&export).contains("https://queue.example.com/blog/outage-2024"));
}

/// A config with only `[settings]` serves every command that does not fetch; the ones that
/// fetch say what to do next, with exit code 2.
#[test]
fn a_config_without_sources_serves_all_but_fetching_which_says_what_to_do() {
    let ws = Workspace::new();
    std::fs::write(ws.config(), "[settings]\nconcurrency = 2\n").unwrap();
    std::fs::write(ws.path("LIST.md"), LIST).unwrap();
    stdout(&ws.pmagg().arg("import").arg(ws.path("LIST.md")).output().unwrap());
    stdout(&ws.pmagg().arg("render").arg("--readme").arg(ws.path("LIST.md")).output().unwrap());
    stdout(&ws.pmagg().args(["export", "--format", "csv"]).output().unwrap());
    stdout(&ws.pmagg().args(["list"]).output().unwrap());
    for args in [&["sync"][..], &["sources", "check"], &["daemon"]] {
        let output = ws.pmagg().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("pmagg sources add URL"), "{args:?}: {stderr}");
    }
    let sources = ws.pmagg().arg("sources").output().unwrap();
    assert!(stdout(&sources).contains("no sources in"));

    // No file at all: fetching says how to start one.
    let empty = Workspace::new();
    let output = pmagg_in(empty.dir.path()).arg("sync").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("pmagg init"));
}

/// `init` writes a starter config that validates with its example sources disabled (so sync
/// says to enable one), refuses to overwrite, and `sources enable|disable|remove` edit it
/// keeping its comments.
#[test]
fn init_then_enable_disable_and_remove_sources_keep_comments() {
    let ws = Workspace::new();
    let dir = ws.dir.path();
    stdout(&pmagg_in(dir).args(["init", "--list", "LIST.md"]).output().unwrap());
    let starter = std::fs::read_to_string(dir.join("sources.toml")).unwrap();
    assert!(starter.contains("readme = \"LIST.md\"") && starter.contains("enabled = false"));
    let again = pmagg_in(dir).arg("init").output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(dir.join("sources.toml")).unwrap(), starter);

    let sync = pmagg_in(dir).arg("sync").output().unwrap();
    assert_eq!(sync.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&sync.stderr).contains("pmagg sources enable NAME"));

    stdout(&pmagg_in(dir).args(["sources", "enable", "Example blog"]).output().unwrap());
    let listing = stdout(&pmagg_in(dir).args(["sources", "--json"]).output().unwrap());
    let rows: Vec<Value> = serde_json::from_str(&listing).unwrap();
    assert_eq!(rows[0]["enabled"], true);
    assert_eq!(rows[1]["enabled"], false);
    stdout(&pmagg_in(dir).args(["sources", "disable", "Example blog"]).output().unwrap());
    assert_eq!(std::fs::read_to_string(dir.join("sources.toml")).unwrap(), starter);

    stdout(&pmagg_in(dir).args(["sources", "remove", "Example status"]).output().unwrap());
    let removed = std::fs::read_to_string(dir.join("sources.toml")).unwrap();
    assert!(!removed.contains("Example status") && !removed.contains("status page's incidents"));
    assert!(removed.contains("# An engineering blog's feed") && removed.contains("[settings]"));
    let missing = pmagg_in(dir).args(["sources", "remove", "Nope"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

/// Acceptance 6: a database file with mode 0444 serves list, show, search and export.
#[test]
fn a_read_only_database_serves_the_reading_commands() {
    let ws = Workspace::new();
    std::fs::write(ws.path("LIST.md"), LIST).unwrap();
    stdout(&ws.pmagg().arg("import").arg(ws.path("LIST.md")).output().unwrap());
    std::fs::set_permissions(ws.db(), std::fs::Permissions::from_mode(0o444)).unwrap();
    for args in [
        &["list"][..],
        &["list", "--postmortems"],
        &["show", "1"],
        &["search", "outage"],
        &["export"],
        &["export", "--format", "csv"],
        &["sources"],
    ] {
        let output = ws.pmagg().args(args).output().unwrap();
        assert!(
            output.status.code() == Some(0)
                || String::from_utf8_lossy(&output.stderr).contains("no entry with ID"),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&output.stderr).contains("readonly"),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let export = ws.pmagg().arg("export").output().unwrap();
    assert!(stdout(&export).contains("queue.example.com"));
}

/// Acceptance 3: every column of `pmagg sources` starts at the same place on every line,
/// whatever the length of names and kinds.
#[test]
fn the_sources_table_lines_up_every_column() {
    let ws = Workspace::new();
    std::fs::write(
        ws.config(),
        "[[source]]\nname = \"A\"\nkind = \"gcp\"\nurl = \"https://a.example/incidents.json\"\n\n\
         [[source]]\nname = \"A source with a rather long name indeed\"\nkind = \"incidentio\"\n\
         url = \"https://b.example/\"\nenabled = false\n\n\
         [[source]]\nname = \"Médium\"\nkind = \"statuspage\"\nurl = \"https://c.example/\"\n",
    )
    .unwrap();
    let table = stdout(&ws.pmagg().arg("sources").output().unwrap());
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    let column = |line: &str, needle: &str| {
        let at = line.find(needle).unwrap_or_else(|| panic!("{needle:?} in {line:?}"));
        line[..at].chars().count()
    };
    // Left-aligned columns start where their header does.
    for (header, cells) in [
        ("KIND", ["gcp", "incidentio", "statuspage"]),
        ("LAST", ["never", "disabled", "never"]),
        ("URL", ["https://a.example", "https://b.example", "https://c.example"]),
    ] {
        let start = column(lines[0], header);
        for (line, cell) in lines[1..].iter().zip(cells) {
            assert_eq!(column(line, cell), start, "{header} in {line:?}\n{table}");
        }
    }
    // Right-aligned numbers end where their header does.
    let end = column(lines[0], "ENTRIES") + "ENTRIES".len();
    for line in &lines[1..] {
        let before_url = line[..line.find("https://").unwrap()].trim_end();
        assert_eq!(before_url.chars().count(), end, "{line:?}\n{table}");
    }
}

/// Acceptance 7 (what the binary prints; CI loads both in bash-completion and man).
#[test]
fn completions_and_man_page_are_generated() {
    for (shell, marker) in
        [("bash", "complete -F _pmagg"), ("zsh", "#compdef pmagg"), ("fish", "complete -c pmagg")]
    {
        let script = stdout(&pmagg().args(["completions", shell]).output().unwrap());
        assert!(script.contains(marker), "{shell}: {}", &script[..script.len().min(300)]);
        assert!(script.contains("sources"), "{shell}");
    }
    let page = stdout(&pmagg().arg("manpage").output().unwrap());
    assert!(page.starts_with(".ie") || page.contains(".TH pmagg"), "{}", &page[..200]);
    assert!(page.contains("completions") && page.contains("Exit codes"));
}

/// `--quiet` drops a command's summary; `--log-format json` makes the final error JSON.
#[test]
fn quiet_and_json_errors() {
    let ws = Workspace::new();
    std::fs::write(ws.path("LIST.md"), LIST).unwrap();
    let quiet = ws.pmagg().arg("-q").arg("import").arg(ws.path("LIST.md")).output().unwrap();
    assert_eq!(stdout(&quiet), "");
    let error = ws.pmagg().args(["--log-format", "json", "show", "999"]).output().unwrap();
    assert_eq!(error.status.code(), Some(1));
    let line: Value = serde_json::from_slice(&error.stderr).unwrap();
    assert_eq!(line["level"], "ERROR");
    assert!(line["fields"]["message"].as_str().unwrap().contains("999"));
    assert_eq!(line["fields"]["exit_code"], 1);
}

/// Acceptance 4: the index answers but every report page 404s: the summary and `--json` say
/// the source is degraded, not ok, with the report pages' counts.
#[test]
fn a_source_none_of_whose_report_pages_came_is_degraded_not_ok() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let server = rt.block_on(MockServer::start());
    let base = server.uri();
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Ops blog</title>\
         <item><title>Incident report: API errors on May 14</title><link>{base}/pm/1</link>\
         <guid>pm1</guid><pubDate>Mon, 20 May 2024 09:00:00 GMT</pubDate></item>\
         <item><title>Postmortem: database outage on June 2</title><link>{base}/pm/2</link>\
         <guid>pm2</guid><pubDate>Tue, 04 Jun 2024 09:00:00 GMT</pubDate></item>\
         </channel></rss>"
    );
    rt.block_on(async {
        Mock::given(path("/feed.xml"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(feed.clone(), "application/rss+xml"),
            )
            .mount(&server)
            .await;
        Mock::given(wiremock::matchers::path_regex("^/pm/"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
    });
    let ws = Workspace::new();
    ws.write_feeds("", &[("Ops".into(), format!("{base}/feed.xml"))]);
    let report = ws.sync();
    assert_eq!(report["sources_ok"], 0, "{report}");
    assert_eq!(report["sources_degraded"], 1, "{report}");
    assert_eq!(report["reports_fetched"], 0, "{report}");
    assert_eq!(report["reports_failed"], 2, "{report}");
    assert_eq!(report["degraded"][0]["source"], "Ops", "{report}");
    assert!(report["degraded"][0]["error"].as_str().unwrap().contains("404"), "{report}");

    let text = ws.pmagg().args(["sync"]).output().unwrap();
    let summary = String::from_utf8_lossy(&text.stdout);
    assert!(summary.contains("1 degraded"), "{summary}");
    assert!(
        String::from_utf8_lossy(&text.stderr).contains("pmagg: source Ops: the index answered")
    );

    // `pmagg sources` shows the last report page that failed: its URL, the error and when.
    let rows: Vec<Value> =
        serde_json::from_str(&stdout(&ws.pmagg().args(["sources", "--json"]).output().unwrap()))
            .unwrap();
    assert_eq!(rows[0]["last_outcome"], "degraded", "as sync said: {rows:?}");
    let failure = &rows[0]["last_report_failure"];
    assert!(failure["url"].as_str().unwrap().starts_with(&format!("{base}/pm/")), "{failure}");
    assert!(failure["error"].as_str().unwrap().contains("404"), "{failure}");
    assert!(failure["at"].as_str().is_some(), "{failure}");
    let table = stdout(&ws.pmagg().arg("sources").output().unwrap());
    let line = table.lines().find(|l| l.contains("last report failure")).unwrap_or_default();
    assert!(line.contains("HTTP 404 from") && line.contains("/pm/"), "{table}");
    let row = table.lines().find(|l| l.starts_with("Ops")).unwrap_or_default();
    assert!(row.split_whitespace().nth(2) == Some("degraded"), "the LAST column: {table}");

    // A later pass whose report pages all come is ok again; the old failure stays below.
    let page = "<html><head><title>Postmortem</title></head><body><article><h1>Postmortem</h1>\
                <p>The API returned errors for 40 minutes because a certificate expired. We \
                renewed it at 14:40 UTC and service was restored.</p></article></body></html>";
    rt.block_on(async {
        server.reset().await;
        Mock::given(path("/feed.xml"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(feed, "application/rss+xml"))
            .mount(&server)
            .await;
        Mock::given(wiremock::matchers::path_regex("^/pm/"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(page, "text/html"))
            .mount(&server)
            .await;
    });
    let report = ws.sync();
    assert_eq!(report["sources_ok"], 1, "{report}");
    let rows: Vec<Value> =
        serde_json::from_str(&stdout(&ws.pmagg().args(["sources", "--json"]).output().unwrap()))
            .unwrap();
    assert_eq!(rows[0]["last_outcome"], "ok", "{rows:?}");
    assert!(rows[0]["last_report_failure"]["error"].as_str().is_some(), "kept: {rows:?}");
}

/// The icco/postmortems shape, written for this test under tests/fixtures/icco/: four
/// markdown files with YAML front matter, one of them without a `url`.
fn icco_fixture_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/icco")
}

/// Acceptance 8 (second half): `import DIR` gives one entry per front-matter file, with its
/// link, title, company, incident date, duration, categories and summary; the file without a
/// `url` is skipped with a line naming it, and the others are imported all the same.
#[test]
fn importing_a_directory_of_front_matter_reports_gives_one_entry_per_file() {
    let ws = Workspace::new();
    let dir = icco_fixture_dir();
    let output = ws.pmagg().arg("import").arg(&dir).output().unwrap();
    let text = stdout(&output);
    assert!(text.contains("4 files read, 1 skipped: 3 entries (3 new"), "{text}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("skipped") && stderr.contains("9d04aa31-no-url.md: no `url`"),
        "{stderr}"
    );

    let again = ws.pmagg().arg("import").arg(&dir).arg("--json").output().unwrap();
    let summary: Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!((summary["files_read"].as_u64(), summary["unchanged"].as_u64()), (Some(4), Some(3)));
    assert!(
        summary["skipped"][0]["file"].as_str().unwrap().ends_with("9d04aa31-no-url.md"),
        "{summary}"
    );

    let rows: Vec<Value> =
        serde_json::from_str(&stdout(&ws.pmagg().arg("export").output().unwrap())).unwrap();
    let fields = |row: &Value| {
        (
            row["url"].as_str().unwrap().to_owned(),
            row["incident_date"].as_str().unwrap().to_owned(),
            row["duration_minutes"].as_u64(),
            row["company"].as_str().unwrap().to_owned(),
            row["origin"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(
        rows.iter().map(fields).collect::<Vec<_>>(),
        [
            (
                "https://resolver.example.net/postmortems/2020-11-18".to_owned(),
                "2020-11-18".to_owned(),
                Some(135),
                "Resolver Example".to_owned(),
                "curated".to_owned()
            ),
            (
                "https://blog.edge.example.com/details-of-the-july-2-outage/".to_owned(),
                "2019-07-02".to_owned(),
                Some(60),
                "Edgecast Example".to_owned(),
                "curated".to_owned()
            ),
            // Its end_time is Go's zero time: unknown, so no duration.
            (
                "https://storage.example.org/message/41926/".to_owned(),
                "2017-02-28".to_owned(),
                None,
                "Storage Example".to_owned(),
                "curated".to_owned()
            ),
        ]
    );
    assert_eq!(rows[1]["title"], "A regular expression took the CDN down");
    assert_eq!(rows[1]["categories"], serde_json::json!(["cloud", "config-change"]));
    assert_eq!(
        rows[1]["summary"],
        "A new rule with a badly written regular expression was deployed worldwide at once; it \
         used all the CPU of every edge server for an hour."
    );
    assert_eq!(rows[2]["categories"], serde_json::json!(["cloud", "automation"]));

    // The durations serve the duration filters, and the report text serves search.
    let long = stdout(&ws.pmagg().args(["list", "--min-minutes", "90"]).output().unwrap());
    assert!(long.contains("expired certificate") && !long.contains("regular expression"), "{long}");
    let found = stdout(&ws.pmagg().args(["search", "playbook"]).output().unwrap());
    assert!(found.contains("mistyped command"), "{found}");
}

/// A directory with no report at all is an error that imports nothing.
#[test]
fn importing_a_directory_without_reports_is_an_error() {
    let ws = Workspace::new();
    let dir = ws.path("empty-reports");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.md"), "# Just notes\n\nNo front matter here.\n").unwrap();
    let output = ws.pmagg().arg("import").arg(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("notes.md: no front matter"), "{stderr}");
    assert!(stderr.contains("none of its 1 markdown file is a report"), "{stderr}");

    std::fs::remove_file(dir.join("notes.md")).unwrap();
    let output = ws.pmagg().arg("import").arg(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("empty-reports has no markdown (.md) files"), "{stderr}");
}

/// A report written for this test: an incident of 2017 with impact, root cause and
/// resolution sections, as a blog's HTML article.
const REPORT_2017: &str = "<html><head><title>Postmortem: the 2017 storage outage</title>\
    </head><body><article><h1>Postmortem: the 2017 storage outage</h1>\
    <p>On February 28, 2017 between 09:37 and 13:54 UTC our object storage service was \
    unavailable.</p><h2>Impact</h2><p>Customers could not read or write objects for four \
    hours.</p><h2>Root cause</h2><p>An operator ran a playbook with a mistyped input, which \
    removed a larger set of servers than intended.</p><h2>Resolution</h2><p>We restarted the \
    index and placement subsystems and added safeguards to the tool.</p></article></body></html>";

/// Acceptance (build 2): `export` carries a synced postmortem's duration, impact, root cause,
/// resolution, origin and decision, and the path where `render` writes its archive copy.
#[test]
fn export_carries_the_stored_fields_and_the_archive_path() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let server = rt.block_on(MockServer::start());
    let base = server.uri();
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Old ops</title>\
         <item><title>Postmortem: the 2017 storage outage</title><link>{base}/pm2017</link>\
         <guid>pm2017</guid><pubDate>Wed, 01 Mar 2017 09:00:00 GMT</pubDate></item>\
         </channel></rss>"
    );
    rt.block_on(async {
        Mock::given(path("/feed.xml"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(feed, "application/rss+xml"))
            .mount(&server)
            .await;
        Mock::given(path("/pm2017"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(REPORT_2017, "text/html"))
            .mount(&server)
            .await;
    });
    let ws = Workspace::new();
    let archive = ws.path("archive");
    ws.write_feeds(
        &format!("archive_dir = {:?}", archive.to_str().unwrap()),
        &[("Old ops".into(), format!("{base}/feed.xml"))],
    );
    ws.sync();
    let url = format!("{base}/pm2017");
    // The curator's word, so the row does not hang on the classifier's score.
    stdout(&ws.pmagg().args(["mark", &url, "--postmortem"]).output().unwrap());

    let rows: Vec<Value> =
        serde_json::from_str(&stdout(&ws.pmagg().arg("export").output().unwrap())).unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let row = &rows[0];
    assert_eq!(
        (row["url"].as_str(), row["incident_date"].as_str()),
        (Some(url.as_str()), Some("2017-02-28"))
    );
    assert_eq!(row["origin"], "synced");
    assert_eq!(row["decided_by"], "curator");
    assert_eq!(row["duration_minutes"], 257, "09:37 to 13:54");
    assert_eq!(row["impact"], "Customers could not read or write objects for four hours.");
    assert!(row["root_cause"].as_str().unwrap().contains("mistyped input"), "{row}");
    assert!(row["resolution"].as_str().unwrap().starts_with("We restarted the index"), "{row}");
    let archive_path = row["archive_path"].as_str().unwrap();
    assert!(archive_path.starts_with(archive.to_str().unwrap()), "{archive_path}");

    // `render` writes the copy exactly there.
    stdout(&ws.pmagg().arg("render").output().unwrap());
    let copy = std::fs::read_to_string(archive_path).unwrap();
    assert!(copy.starts_with(&format!("[Source]({url})")), "{copy}");

    let csv = stdout(&ws.pmagg().args(["export", "--format", "csv"]).output().unwrap());
    let row = csv.lines().nth(1).unwrap();
    assert!(row.contains(",synced,curator,257,Customers could not read"), "{row}");
    assert!(row.ends_with(archive_path), "{row}");
}
