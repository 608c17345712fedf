//! `pmagg import`, `render`, `export` and the render step of `sync`, over real store rows.
//!
//! Confirmed postmortems come from a real `sync` against a loopback feed; because extraction is
//! not what is tested here, each stored entry then gets an extraction row through
//! `Store::record_extraction` (what `sync` writes once the extractor confirms a report). The
//! README bytes always come from the real render.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{NaiveDate, Utc};
use pmagg::model::{Extracted, Postmortem};
use pretty_assertions::assert_eq;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::Workspace;

const AWESOME: &str = include_str!("../fixtures/render/awesome-postmortems.md");
const DANLUU: &str = include_str!("../fixtures/lists/danluu-post-mortems.md");

/// A postmortem a source publishes, and what extraction says about it.
struct Found {
    slug: &'static str,
    title: &'static str,
    date: &'static str,
    company: Option<&'static str>,
    summary: &'static str,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

/// Serves an RSS feed with one item per postmortem (titles without postmortem words, so the
/// pipeline fetches no article and runs no extraction over them).
fn serve(rt: &tokio::runtime::Runtime, found: &[Found]) -> MockServer {
    let server = rt.block_on(MockServer::start());
    let mut items = String::new();
    for f in found {
        items.push_str(&format!(
            "<item><title>Notes {slug}</title><link>{uri}/posts/{slug}</link><guid>{slug}</guid>\
             <pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate></item>\n",
            slug = f.slug,
            uri = server.uri()
        ));
    }
    let rss = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Newco</title>\
         <link>https://newco.example/</link>{items}</channel></rss>"
    );
    rt.block_on(
        Mock::given(path("/feed.xml"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(rss, "application/rss+xml"))
            .mount(&server),
    );
    server
}

/// `sources.toml` with one feed source and the given `[settings]` lines.
fn write_config(ws: &Workspace, server: &MockServer, settings: &str) {
    std::fs::write(
        ws.config(),
        format!(
            "[settings]\n{settings}\n\n[[source]]\nname = \"Newco Blog\"\nkind = \"feed\"\n\
             url = \"{}/feed.xml\"\ncompany = \"Newco\"\ncompany_url = \"https://newco.example/\"\n",
            server.uri()
        ),
    )
    .unwrap();
}

/// Records an extraction that confirms each stored entry as the matching postmortem.
fn confirm(ws: &Workspace, found: &[Found]) {
    let mut store = ws.store();
    let entries = store.list_entries(1000).unwrap();
    for f in found {
        let entry = entries
            .iter()
            .find(|e| {
                e.item.url.as_deref().is_some_and(|u| u.ends_with(&format!("/posts/{}", f.slug)))
            })
            .unwrap_or_else(|| panic!("{} was stored", f.slug));
        let extracted = Extracted {
            identity: entry.item.identity.clone(),
            report_fingerprint: None,
            extractor_version: pmagg::extract::VERSION,
            decided_by: pmagg::model::Decision::Classifier,
            postmortem: Postmortem {
                is_postmortem: true,
                confidence: Some(0.9),
                title: Some(f.title.into()),
                company: f.company.map(Into::into),
                incident_date: NaiveDate::parse_from_str(f.date, "%Y-%m-%d").ok(),
                summary: Some(f.summary.into()),
                ..Postmortem::default()
            },
            body: format!("## Summary\n\n{}\n", f.summary),
        };
        store.record_extraction(entry.id, &extracted, Utc::now()).unwrap();
    }
}

fn run(ws: &Workspace, args: &[&str]) -> std::process::Output {
    ws.pmagg().args(args).output().unwrap()
}

fn ok(ws: &Workspace, args: &[&str]) -> String {
    let output = run(ws, args);
    assert!(
        output.status.success(),
        "pmagg {args:?}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Import, render, render again, check: the same bytes each time and no second write.
fn assert_round_trip(ws: &Workspace, readme: &Path, text: &str) {
    std::fs::write(readme, text).unwrap();
    let readme_arg = readme.to_str().unwrap();
    ok(ws, &["import", readme_arg]);
    let before = mtime(readme);
    let first = ok(ws, &["render", "--readme", readme_arg]);
    assert!(first.contains("up to date (0 new entries"), "{first}");
    assert_eq!(std::fs::read(readme).unwrap(), text.as_bytes());
    assert_eq!(mtime(readme), before, "an unchanged README is not rewritten");
    ok(ws, &["render", "--readme", readme_arg]);
    assert_eq!(std::fs::read(readme).unwrap(), text.as_bytes());
    assert_eq!(run(ws, &["render", "--readme", readme_arg, "--check"]).status.code(), Some(0));
}

#[test]
fn import_then_render_is_byte_identical_in_every_variant() {
    let crlf = AWESOME.replace('\n', "\r\n");
    // A hand-ordered list (not sorted) comes back as it was.
    let lines: Vec<&str> = AWESOME.split_inclusive('\n').collect();
    let mut shuffled = lines.clone();
    shuffled.swap(6, 12);
    shuffled.swap(7, 13);
    for (name, text) in [
        ("lf", AWESOME.to_owned()),
        ("crlf", crlf.clone()),
        ("no final newline", AWESOME.trim_end().to_owned()),
        ("crlf, no final newline", crlf.trim_end().to_owned()),
        ("hand-ordered", shuffled.concat()),
    ] {
        let ws = Workspace::new();
        let readme = ws.path("README.md");
        assert_round_trip(&ws, &readme, &text);
        let store = ws.store();
        let curated = store.curated_entries().unwrap();
        assert_eq!(curated.len(), 8, "{name}");
        // The raw bytes keep tabs, two spaces and line endings.
        let tab = curated.iter().find(|c| c.url.contains("6bwlxnvdncnm")).unwrap();
        assert!(tab.raw.contains("\n\t- A power failure"), "{name}: {:?}", tab.raw);
        let spaces = curated.iter().find(|c| c.url.contains("mailer.example")).unwrap();
        assert!(spaces.raw.contains("\n  - A failed database"), "{name}: {:?}", spaces.raw);
        assert_eq!(spaces.company, None, "{name}: an entry without `by [Company]`");
        let typo = curated.iter().find(|c| c.url.contains("ssg8fh7sfyz3")).unwrap();
        assert_eq!(typo.title.as_deref(), Some("ExampleAI ChaGPT Unexpected Responses"));
    }
}

/// Acceptance 1 on the real list, when the corpus is beside the repository.
#[test]
fn the_seed_readme_round_trips() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut inputs: Vec<PathBuf> = Vec::new();
    if let Ok(seeds) = std::fs::read_dir(corpus.join("seeds")) {
        inputs.extend(
            seeds
                .map(|e| e.unwrap().path())
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("000_"))),
        );
    }
    let list = corpus.join("lists/jimmyl02-awesome-postmortems.README.md");
    if list.exists() {
        inputs.push(list);
    }
    if inputs.is_empty() {
        eprintln!("skipped: no corpus at {}", corpus.display());
        return;
    }
    for input in inputs {
        let text = std::fs::read_to_string(&input).unwrap();
        let ws = Workspace::new();
        assert_round_trip(&ws, &ws.path("README.md"), &text);
    }
}

fn three_new() -> [Found; 3] {
    [
        Found {
            slug: "queue",
            title: "Queue backlog",
            date: "2025-01-05",
            company: None,
            summary: "A stuck consumer let the queue grow until writes failed.",
        },
        Found {
            slug: "dns",
            title: "Resolver meltdown",
            date: "2024-02-21",
            company: None,
            summary: "A resolver update looped on itself.",
        },
        Found {
            slug: "cert",
            title: "Expired certificate",
            date: "2022-06-01",
            company: None,
            summary: "An intermediate certificate expired on a Sunday.",
        },
    ]
}

/// Acceptance 2: a sync that finds three postmortems adds exactly three entries, in date
/// order, and touches no other line; their archive copies exist.
#[test]
fn sync_adds_three_entries_in_date_order_and_archives_them() {
    let rt = runtime();
    let found = three_new();
    let server = serve(&rt, &found);
    let ws = Workspace::new();
    let readme = ws.path("README.md");
    std::fs::write(&readme, AWESOME).unwrap();
    write_config(
        &ws,
        &server,
        &format!(
            "readme = {:?}\narchive_dir = {:?}\nfeed = {:?}",
            readme.to_str().unwrap(),
            ws.path("archive").to_str().unwrap(),
            ws.path("feed.xml").to_str().unwrap()
        ),
    );
    ok(&ws, &["import", readme.to_str().unwrap()]);
    ok(&ws, &["sync", "--no-render"]);
    assert_eq!(std::fs::read_to_string(&readme).unwrap(), AWESOME, "--no-render renders nothing");
    confirm(&ws, &found);

    let summary: serde_json::Value = serde_json::from_str(&ok(&ws, &["sync", "--json"])).unwrap();
    assert_eq!(summary["render"]["entries_added"], 3, "{summary}");
    assert_eq!(summary["render"]["archive_written"], 3, "{summary}");

    let uri = server.uri();
    let entry = |f: &Found, date: &str| {
        format!(
            "- {date} - [{}]({uri}/posts/{}) by [Newco](https://newco.example/)\n  - {}\n",
            f.title, f.slug, f.summary
        )
    };
    let expected = AWESOME
        .replacen("- 12-26-2024", &format!("{}- 12-26-2024", entry(&found[0], "01-05-2025")), 1)
        .replacen("- 02-20-2024", &format!("{}- 02-20-2024", entry(&found[1], "02-21-2024")), 1)
        .replacen(
            "health checks.\n",
            &format!("health checks.\n{}", entry(&found[2], "06-01-2022")),
            1,
        );
    let rendered = std::fs::read_to_string(&readme).unwrap();
    assert_eq!(rendered, expected);
    // The diff is exactly six added lines.
    let old: Vec<&str> = AWESOME.lines().collect();
    let new: Vec<&str> = rendered.lines().collect();
    assert_eq!(new.len(), old.len() + 6);
    let kept: Vec<&str> = new.iter().copied().filter(|l| old.contains(l)).collect();
    assert_eq!(kept, old);

    let archive = ws.path("archive");
    assert_eq!(
        files_under(&archive),
        [
            "newco/01-05-2025-queue-backlog.md",
            "newco/02-21-2024-resolver-meltdown.md",
            "newco/06-01-2022-expired-certificate.md"
        ]
    );
    let copy =
        std::fs::read_to_string(archive.join("newco/02-21-2024-resolver-meltdown.md")).unwrap();
    assert_eq!(
        copy,
        format!("[Source]({uri}/posts/dns)\n\n## Summary\n\nA resolver update looped on itself.\n")
    );

    // The next sync changes nothing: README and archive copies keep their mtimes.
    let before = (mtime(&readme), mtime(&archive.join("newco/01-05-2025-queue-backlog.md")));
    let again: serde_json::Value = serde_json::from_str(&ok(&ws, &["sync", "--json"])).unwrap();
    assert_eq!(again["render"]["readme_changed"], false, "{again}");
    assert_eq!(again["render"]["archive_written"], 0, "{again}");
    assert_eq!((mtime(&readme), mtime(&archive.join("newco/01-05-2025-queue-backlog.md"))), before);
    assert_eq!(run(&ws, &["render", "--check"]).status.code(), Some(0));

    // The entries pmagg wrote are curated now: extraction changes do not rewrite them.
    let store = ws.store();
    let written: Vec<_> = store
        .curated_entries()
        .unwrap()
        .into_iter()
        .filter(|c| c.origin == pmagg::model::CuratedOrigin::Render)
        .collect();
    assert_eq!(written.len(), 3);
}

#[test]
fn check_exits_1_when_out_of_date_and_writes_nothing() {
    let rt = runtime();
    let found = three_new();
    let server = serve(&rt, &found[..1]);
    let ws = Workspace::new();
    let readme = ws.path("README.md");
    std::fs::write(&readme, AWESOME).unwrap();
    write_config(&ws, &server, &format!("readme = {:?}", readme.to_str().unwrap()));
    ok(&ws, &["import", readme.to_str().unwrap()]);
    assert_eq!(run(&ws, &["render", "--check"]).status.code(), Some(0));
    ok(&ws, &["sync", "--no-render"]);
    confirm(&ws, &found[..1]);

    let check = run(&ws, &["render", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(stderr.contains("out of date") && stderr.contains("README.md"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&readme).unwrap(), AWESOME);
    assert_eq!(ws.store().curated_entries().unwrap().len(), 8, "--check stores nothing");

    ok(&ws, &["render"]);
    assert_eq!(run(&ws, &["render", "--check"]).status.code(), Some(0));
    // Without anything to render, render is a usage error.
    let ws2 = Workspace::new();
    std::fs::write(
        ws2.config(),
        "[settings]\n[[source]]\nname = \"a\"\nkind = \"feed\"\nurl = \"https://a.example/f\"\n",
    )
    .unwrap();
    assert_eq!(run(&ws2, &["render"]).status.code(), Some(2));
}

/// Acceptance 3: a hostile title and company render as text, and the archive copy stays inside
/// the archive directory.
#[test]
fn hostile_title_and_company_are_harmless() {
    let rt = runtime();
    let found = [Found {
        slug: "evil",
        title: "x](javascript:alert(1)) <script>",
        date: "2024-03-01",
        company: Some("../../etc"),
        summary: "Pipes | and <img src=x onerror=alert(1)>\nnewlines",
    }];
    let server = serve(&rt, &found);
    let ws = Workspace::new();
    let readme = ws.path("README.md");
    std::fs::write(&readme, AWESOME).unwrap();
    let archive = ws.path("site/archive");
    write_config(
        &ws,
        &server,
        &format!(
            "readme = {:?}\narchive_dir = {:?}",
            readme.to_str().unwrap(),
            archive.to_str().unwrap()
        ),
    );
    ok(&ws, &["import", readme.to_str().unwrap()]);
    ok(&ws, &["sync", "--no-render"]);
    confirm(&ws, &found);
    ok(&ws, &["render"]);

    let rendered = std::fs::read_to_string(&readme).unwrap();
    let line = format!(
        "- 03-01-2024 - [x\\](javascript:alert(1)) \\<script\\>]({}/posts/evil) by ../../etc\n  - Pipes \\| and \\<img src=x onerror=alert(1)\\> newlines\n",
        server.uri()
    );
    assert!(rendered.contains(&line), "{rendered}");
    // Every `]` before `(javascript:` is escaped: no link has it as its destination.
    assert!(!rendered.replace("\\]", "").contains("](javascript:"), "{rendered}");
    // No HTML tag opens: every `<` is escaped.
    assert!(!rendered.replace("\\<", "").contains('<'), "{rendered}");
    assert_eq!(files_under(&archive), ["etc/03-01-2024-x-javascript-alert-1-script.md"]);
    // Nothing was written beside the archive or above it.
    assert_eq!(
        files_under(&ws.path("site")),
        ["archive/etc/03-01-2024-x-javascript-alert-1-script.md"]
    );
    assert!(!ws.path("etc").exists());
}

/// Acceptance 4: the danluu shape imports its entries and none of "Other lists" or "Analysis".
#[test]
fn danluu_import_skips_other_lists() {
    let ws = Workspace::new();
    let list = ws.path("danluu.md");
    std::fs::write(&list, DANLUU).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&ok(&ws, &["import", list.to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(summary["new"], 8, "{summary}");
    let rows: serde_json::Value = serde_json::from_str(&ok(&ws, &["export"])).unwrap();
    let urls: Vec<&str> =
        rows.as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap()).collect();
    assert_eq!(urls.len(), 8, "{urls:?}");
    for unwanted in
        ["availabilitydigest", "sreweekly", "mit.example", "kitchensoap", "danluu.example"]
    {
        assert!(urls.iter().all(|u| !u.contains(unwanted)), "{unwanted} in {urls:?}");
    }
    // Wayback links are kept as written; categories are the headings.
    let amazon = rows.as_array().unwrap().iter().find(|r| r["company"] == "Amazon").unwrap();
    assert_eq!(
        amazon["url"],
        "https://web.archive.org/web/20120704032040/http://aws.amazon.com/message/67457/"
    );
    assert_eq!(amazon["categories"][0], "Hardware/Power Failures");
}

#[test]
fn an_entry_deleted_by_hand_stays_deleted() {
    let rt = runtime();
    let found = three_new();
    let server = serve(&rt, &found);
    let ws = Workspace::new();
    let readme = ws.path("README.md");
    std::fs::write(&readme, AWESOME).unwrap();
    write_config(&ws, &server, &format!("readme = {:?}", readme.to_str().unwrap()));
    ok(&ws, &["import", readme.to_str().unwrap()]);
    ok(&ws, &["sync", "--no-render"]);
    confirm(&ws, &found);
    ok(&ws, &["render"]);
    let rendered = std::fs::read_to_string(&readme).unwrap();
    // Delete one entry pmagg added and one the curator wrote, and edit another by hand.
    let edited: String = rendered
        .split_inclusive('\n')
        .filter(|l| !l.contains("Queue backlog") && !l.contains("A stuck consumer"))
        .filter(|l| !l.contains("Datacenter Outage") && !l.contains("A power outage hit"))
        .collect::<String>()
        .replace("Resolver meltdown", "Resolver meltdown (edited by hand)");
    std::fs::write(&readme, &edited).unwrap();
    ok(&ws, &["render"]);
    ok(&ws, &["render"]);
    assert_eq!(std::fs::read_to_string(&readme).unwrap(), edited);
    let curated = ws.store().curated_entries().unwrap();
    assert_eq!(curated.iter().filter(|c| c.removed).count(), 2);
    let hand = curated.iter().find(|c| c.url.ends_with("/posts/dns")).unwrap();
    assert_eq!(hand.title.as_deref(), Some("Resolver meltdown (edited by hand)"));
}

#[test]
fn archive_copies_of_the_curator_are_never_overwritten() {
    let rt = runtime();
    let found = three_new();
    let server = serve(&rt, &found);
    let ws = Workspace::new();
    let readme = ws.path("README.md");
    std::fs::write(&readme, AWESOME).unwrap();
    let archive = ws.path("archive");
    write_config(
        &ws,
        &server,
        &format!(
            "readme = {:?}\narchive_dir = {:?}",
            readme.to_str().unwrap(),
            archive.to_str().unwrap()
        ),
    );
    // A copy the curator wrote at the path pmagg would use.
    std::fs::create_dir_all(archive.join("newco")).unwrap();
    let curators = archive.join("newco/01-05-2025-queue-backlog.md");
    std::fs::write(&curators, "[Source](https://newco.example/queue)\n\nThe curator's copy.\n")
        .unwrap();
    ok(&ws, &["import", readme.to_str().unwrap()]);
    ok(&ws, &["sync", "--no-render"]);
    confirm(&ws, &found);
    let out = ok(&ws, &["render"]);
    assert!(out.contains("archive: 2 written, 0 up to date, 1 kept"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&curators).unwrap(),
        "[Source](https://newco.example/queue)\n\nThe curator's copy.\n"
    );
    // A copy pmagg wrote and someone edited since is kept too; an untouched one is not
    // rewritten (its mtime stays).
    let edited = archive.join("newco/02-21-2024-resolver-meltdown.md");
    std::fs::write(&edited, "edited\n").unwrap();
    let untouched = archive.join("newco/06-01-2022-expired-certificate.md");
    let before = mtime(&untouched);
    let out = ok(&ws, &["render"]);
    assert!(out.contains("archive: 0 written, 1 up to date, 2 kept"), "{out}");
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), "edited\n");
    assert_eq!(mtime(&untouched), before);
}

#[test]
fn the_feed_is_atom_with_the_newest_entries() {
    let rt = runtime();
    let found = three_new();
    let server = serve(&rt, &found);
    let ws = Workspace::new();
    let feed = ws.path("feed.xml");
    write_config(
        &ws,
        &server,
        &format!(
            "feed = {:?}\nfeed_title = \"Postmortems\"\nfeed_link = \"https://list.example/\"\nfeed_entries = 2",
            feed.to_str().unwrap()
        ),
    );
    ok(&ws, &["sync", "--no-render"]);
    confirm(&ws, &found);
    ok(&ws, &["render"]);
    let xml = std::fs::read_to_string(&feed).unwrap();
    let parsed = atom_syndication::Feed::read_from(xml.as_bytes()).unwrap();
    assert_eq!(parsed.title.value, "Postmortems");
    assert_eq!(parsed.id, "https://list.example/");
    let titles: Vec<_> = parsed.entries.iter().map(|e| e.title.value.as_str()).collect();
    assert_eq!(titles, ["Queue backlog", "Resolver meltdown"]);
    let first = &parsed.entries[0];
    assert_eq!(first.links[0].href, format!("{}/posts/queue", server.uri()));
    assert_eq!(first.authors[0].name, "Newco");
    assert!(first.summary.as_ref().unwrap().value.starts_with("Incident on 2025-01-05 at Newco."));
    let before = mtime(&feed);
    ok(&ws, &["render"]);
    assert_eq!(mtime(&feed), before, "an unchanged feed is not rewritten");
}

#[test]
fn export_json_and_csv() {
    let rt = runtime();
    let found = three_new();
    let server = serve(&rt, &found);
    let ws = Workspace::new();
    write_config(&ws, &server, "");
    let readme = ws.path("README.md");
    std::fs::write(&readme, AWESOME).unwrap();
    ok(&ws, &["import", readme.to_str().unwrap()]);
    ok(&ws, &["sync"]);
    confirm(&ws, &found);

    let rows: serde_json::Value =
        serde_json::from_str(&ok(&ws, &["export", "--format", "json"])).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 11);
    assert_eq!(rows[0]["title"], "Queue backlog");
    assert_eq!(rows[0]["incident_date"], "2025-01-05");
    assert_eq!(rows[0]["company"], "Newco");
    assert_eq!(rows[0]["curated"], false);
    assert_eq!(rows[1]["title"], "High error rates for Chat, APIs, and Video");
    assert_eq!(rows[1]["curated"], true);

    let csv = ok(&ws, &["export", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "incident_date,title,url,company,company_url,summary,categories,curated,sources,\
             origin,decided_by,duration_minutes,impact,root_cause,resolution,archive_path"
        )
    );
    assert_eq!(csv.lines().count(), 12);
    assert!(csv.contains("2024-12-26,\"High error rates for Chat, APIs, and Video\",https://status.example-ai.com/incidents/6bwlxnvdncnm,ExampleAI,https://example-ai.com/,"), "{csv}");
}
