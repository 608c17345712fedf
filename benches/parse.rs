//! Parsing fetched index bodies with `parse_entries`, as the sync pipeline calls it (default
//! `[settings]` limits, the extractor's prescreen):
//!
//! - an RSS 2.0 feed of 30 items that carry whole articles in `content:encoded` (~500 KB), so
//!   each candidate's content becomes its report;
//! - a summary-only Atom feed of 20 entries, whose candidates get a `report_url` instead;
//! - a minified Statuspage `/api/v2/incidents.json` of 50 incidents, about a fifth of them
//!   with a markdown `postmortem_body`.
//!
//! The bodies are generated here, deterministically, in the shapes of real feeds and of
//! `tests/fixtures/statuspage/incidents.json`.
//!
//! `cargo bench --bench parse`

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pmagg::config::Source;
use pmagg::model::Entry;
use pmagg::parse::{Format, Limits, parse_entries};
use pmagg::pipeline::worth_a_look;
use serde_json::{Value, json};
use url::Url;

mod common;
use common::{Rng, sentence};

/// Item titles: the first half read as postmortems to the prescreen, the rest do not.
const POSTMORTEM_TITLES: &[&str] = &[
    "Incident report: checkout outage on {date}",
    "Post-incident review: elevated API error rates",
    "Postmortem: database failover took {n} minutes",
    "Summary of the {date} service disruption",
];
const OTHER_TITLES: &[&str] = &[
    "How we rebuilt search for {n} million documents",
    "Introducing faster deploys for every team",
    "What we learned hiring {n} engineers remotely",
    "Scaling our metrics pipeline, part {n}",
];

fn paragraph(rng: &mut Rng) -> String {
    let count = 3 + rng.below(4);
    let text: Vec<String> = (0..count).map(|_| sentence(rng)).collect();
    format!("<p>{}</p>\n", text.join(" "))
}

fn title(rng: &mut Rng, postmortem: bool, day: u32) -> String {
    let titles = if postmortem { POSTMORTEM_TITLES } else { OTHER_TITLES };
    let n = (rng.below(90) + 2).to_string();
    rng.pick(titles).replace("{date}", &format!("March {day}, 2024")).replace("{n}", &n)
}

/// An article body as a blog's feed carries it in `content:encoded`: about `target` bytes.
fn article_html(rng: &mut Rng, target: usize) -> String {
    let mut html = String::from("<h2>Summary</h2>\n");
    html.push_str(&paragraph(rng));
    html.push_str("<h2>Timeline</h2>\n<ul>\n");
    for minute in (0..150).step_by(15) {
        let _ = writeln!(
            html,
            "<li><strong>{:02}:{:02} UTC</strong> — {}</li>",
            14 + minute / 60,
            minute % 60,
            sentence(rng)
        );
    }
    html.push_str("</ul>\n<h2>Root cause</h2>\n");
    while html.len() + 600 < target {
        html.push_str(&paragraph(rng));
        if rng.below(6) == 0 {
            html.push_str(
                "<figure><img src=\"https://blog.acme.example/img/latency.png\" alt=\"p99 \
                 latency during the incident\"><figcaption>p99 latency</figcaption></figure>\n\
                 <pre><code>connection pool exhausted: 512/512 in use</code></pre>\n",
            );
        }
    }
    html.push_str(
        "<h2>Action items</h2>\n<ul><li>Alert on connection pool saturation</li>\
         <li>Stage configuration rollouts region by region</li><li>Cap client retries</li></ul>\n",
    );
    html
}

/// An RSS 2.0 feed of `items` items, each with a whole article in `content:encoded`.
fn rss_full_content(items: u32, article_bytes: usize) -> String {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n\
         <channel>\n<title>Acme Engineering</title>\n<link>https://blog.acme.example/</link>\n\
         <description>Stories from the engineers who build Acme</description>\n\
         <language>en-us</language>\n<lastBuildDate>Fri, 29 Mar 2024 10:00:00 +0000</lastBuildDate>\n\
         <atom:link href=\"https://blog.acme.example/rss.xml\" rel=\"self\" type=\"application/rss+xml\"/>\n",
    );
    for i in 0..items {
        let day = 29 - i % 28;
        let title = title(&mut rng, i % 2 == 0, day);
        let slug = format!("2024/03/{day:02}/post-{i}");
        let description = sentence(&mut rng);
        let article = article_html(&mut rng, article_bytes);
        let _ = write!(
            xml,
            "<item>\n<title>{title}</title>\n<link>https://blog.acme.example/{slug}/</link>\n\
             <guid isPermaLink=\"false\">acme-blog-{i:05}</guid>\n\
             <pubDate>{weekday}, {day:02} Mar 2024 {hour:02}:00:00 +0000</pubDate>\n\
             <dc:creator><![CDATA[Grace Liu]]></dc:creator>\n\
             <category><![CDATA[Engineering]]></category><category><![CDATA[Reliability]]></category>\n\
             <description><![CDATA[{description}]]></description>\n\
             <content:encoded><![CDATA[{article}]]></content:encoded>\n</item>\n",
            weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][(day % 7) as usize],
            hour = 8 + i % 10,
        );
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}

/// An Atom feed of `entries` entries that carry only a summary.
fn atom_summaries(entries: u32) -> String {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>Example Cloud Blog</title>\n<id>tag:blog.cloud.example,2024:feed</id>\n\
         <link href=\"https://blog.cloud.example/\"/>\n\
         <link rel=\"self\" href=\"https://blog.cloud.example/feed.atom\"/>\n\
         <updated>2024-03-29T10:00:00Z</updated>\n",
    );
    for i in 0..entries {
        let day = 29 - i % 28;
        let title = title(&mut rng, i % 3 != 2, day);
        let summary = format!("{} {}", sentence(&mut rng), sentence(&mut rng));
        let _ = write!(
            xml,
            "<entry>\n<title type=\"html\">{title}</title>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"https://blog.cloud.example/posts/{i}-{day}\"/>\n\
             <id>tag:blog.cloud.example,2024:post-{i}</id>\n\
             <published>2024-03-{day:02}T09:00:00Z</published>\n<updated>2024-03-{day:02}T12:30:00Z</updated>\n\
             <author><name>Sam Rivera</name></author>\n\
             <summary type=\"html\">&lt;p&gt;{summary}&lt;/p&gt;</summary>\n</entry>\n",
        );
    }
    xml.push_str("</feed>\n");
    xml
}

/// A markdown postmortem as Statuspage pages publish them in `postmortem_body`.
fn postmortem_markdown(rng: &mut Rng) -> String {
    let mut text = String::from("# Summary\n\n");
    for heading in ["Impact", "Root cause", "Resolution"] {
        let sentences: Vec<String> = (0..4).map(|_| sentence(rng)).collect();
        let _ = write!(text, "{}\n\n## {heading}\n\n", sentences.join(" "));
    }
    text.push_str(
        "## Action items\n\n* Alert on connection pool saturation\n\
         * Stage configuration rollouts region by region\n* Cap client retries\n",
    );
    text
}

/// A timestamp on 2024-03-`day`, `minutes` after midnight, as Statuspage writes them.
fn stamp(day: u64, minutes: u64) -> String {
    format!("2024-03-{:02}T{:02}:{:02}:{:02}.{:03}Z", day, minutes / 60, minutes % 60, day, minutes)
}

/// A minified `/api/v2/incidents.json` of `count` incidents, newest first, each with its
/// updates newest first; about 19% carry a published postmortem. Returns the body and how
/// many postmortems it holds.
fn statuspage_incidents(count: u64) -> (String, usize) {
    let mut rng = Rng(0xd1b5_4a32_d192_ed03);
    let components = ["API", "Webhooks", "Git Operations", "Actions", "Pages", "Packages"];
    let mut postmortems = 0;
    let incidents: Vec<Value> = (0..count)
        .map(|i| {
            let id = format!("{:012x}", rng.next() & 0xffff_ffff_ffff);
            let day = 28 - (i * 27 / count);
            let start = 60 * (rng.below(20) + 1);
            let length = 15 + rng.below(240);
            let ongoing = i == 0;
            // 19% of them, spread evenly down the list.
            let postmortem = !ongoing && (i * 19) % 100 < 19;
            postmortems += usize::from(postmortem);
            let statuses: &[&str] = if ongoing {
                &["identified", "investigating"]
            } else {
                &["resolved", "monitoring", "identified", "investigating"]
            };
            let affected: Vec<Value> = (0..=rng.below(2))
                .map(|_| {
                    let name = rng.pick(&components);
                    json!({"id": format!("{:012x}", name.len() * 7919), "name": name,
                           "status": "operational", "page_id": "y2j98763l56x", "position": 1,
                           "description": null, "showcase": true, "group_id": null,
                           "created_at": "2019-01-01T00:00:00.000Z",
                           "updated_at": stamp(day, start + length), "group": false,
                           "only_show_if_degraded": false, "start_date": null})
                })
                .collect();
            let step = length / statuses.len() as u64;
            let updates: Vec<Value> = statuses
                .iter()
                .enumerate()
                .map(|(n, status)| {
                    let at = stamp(day, start + length - n as u64 * step);
                    json!({"id": format!("{:012x}", rng.next() & 0xffff_ffff_ffff),
                           "status": status, "body": sentence(&mut rng), "incident_id": id,
                           "created_at": at, "updated_at": at, "display_at": at,
                           "affected_components": [{"code": "b13yz5g2cw10",
                               "name": affected[0]["name"], "old_status": "partial_outage",
                               "new_status": "operational"}],
                           "deliver_notifications": true, "custom_tweet": null, "tweet_id": null})
                })
                .collect();
            let impact = rng.pick(&["none", "minor", "major", "critical"]);
            let status = if ongoing {
                "identified"
            } else if postmortem {
                "postmortem"
            } else {
                "resolved"
            };
            let (body, published) = if postmortem {
                (json!(postmortem_markdown(&mut rng)), json!(stamp(day + 1, 900)))
            } else {
                (Value::Null, Value::Null)
            };
            json!({
                "id": id,
                "name": format!("Incident with {}", affected[0]["name"].as_str().unwrap_or("API")),
                "status": status,
                "impact": impact,
                "created_at": stamp(day, start + 3),
                "updated_at": stamp(day, start + length),
                "monitoring_at": if ongoing { Value::Null } else { json!(stamp(day, start + length / 2)) },
                "resolved_at": if ongoing { Value::Null } else { json!(stamp(day, start + length)) },
                "started_at": stamp(day, start),
                "shortlink": format!("https://stspg.io/{}", &id[..6]),
                "page_id": "y2j98763l56x",
                "components": affected,
                "incident_updates": updates,
                "postmortem_body": body,
                "postmortem_body_last_updated_at": published,
                "postmortem_ignored": false,
                "postmortem_notified_subscribers": false,
                "postmortem_notified_twitter": false,
                "postmortem_published_at": published,
                "reminder_intervals": null,
                "scheduled_for": null,
                "scheduled_until": null,
                "scheduled_remind_prior": false,
                "scheduled_reminded_at": null,
                "scheduled_auto_in_progress": false,
                "scheduled_auto_completed": false,
            })
        })
        .collect();
    let page = json!({
        "page": {"id": "y2j98763l56x", "name": "Example Status", "url": "https://status.example.com",
                 "time_zone": "Etc/UTC", "updated_at": "2024-03-29T10:00:00.000Z"},
        "incidents": incidents,
    });
    (page.to_string(), postmortems)
}

/// A configured source of `kind` at `url`, validated as `sources.toml` would be.
fn source(kind: &str, url: &str) -> Source {
    let text = format!("[[source]]\nname = \"bench\"\nkind = \"{kind}\"\nurl = \"{url}\"\n");
    let mut config =
        pmagg::config::parse(&text, Path::new("bench.toml")).expect("the bench config is valid");
    config.sources.remove(0)
}

fn parse(source: &Source, format: Format, body: &[u8], base: &Url) -> Vec<Entry> {
    parse_entries(source, format, body, base, None, &worth_a_look, Limits::default())
        .expect("the generated body parses")
}

fn bench_feeds(c: &mut Criterion) {
    let feed = source("feed", "https://blog.acme.example/rss.xml");
    let base = feed.url.clone();
    let rss = rss_full_content(30, 16_500);
    let atom = atom_summaries(20);

    // The bodies must be what the benchmark claims.
    assert!((450_000..=550_000).contains(&rss.len()), "the RSS feed is {} bytes", rss.len());
    let entries = parse(&feed, Format::Feed, rss.as_bytes(), &base);
    assert_eq!(entries.len(), 30);
    let reports = entries.iter().filter(|e| e.report.is_some()).count();
    assert!((10..30).contains(&reports), "{reports} items carry their report");
    let entries = parse(&feed, Format::Feed, atom.as_bytes(), &base);
    assert_eq!(entries.len(), 20);
    assert!(entries.iter().all(|e| e.report.is_none() && e.content.is_none()));
    assert!(entries.iter().any(|e| e.report_url.is_some()), "some summaries are candidates");

    let mut group = c.benchmark_group("parse_entries feed");
    group.throughput(Throughput::Bytes(rss.len() as u64));
    group.bench_function("RSS 2.0, 30 items, full content:encoded", |b| {
        b.iter(|| parse(&feed, Format::Feed, black_box(rss.as_bytes()), &base));
    });
    group.throughput(Throughput::Bytes(atom.len() as u64));
    group.bench_function("Atom, 20 entries, summaries only", |b| {
        b.iter(|| parse(&feed, Format::Feed, black_box(atom.as_bytes()), &base));
    });
    group.finish();
}

fn bench_statuspage(c: &mut Criterion) {
    let page = source("statuspage", "https://status.example.com");
    let base = Url::parse("https://status.example.com/api/v2/incidents.json").expect("valid URL");
    let (json, postmortems) = statuspage_incidents(50);

    let entries = parse(&page, Format::StatuspageIncidents, json.as_bytes(), &base);
    assert_eq!(entries.len(), 50);
    assert_eq!(postmortems, 9, "about 19% of the 50 incidents");
    assert_eq!(entries.iter().filter(|e| e.report.is_some()).count(), postmortems);

    let mut group = c.benchmark_group("parse_entries statuspage");
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function(format!("incidents.json, 50 incidents, {postmortems} postmortems"), |b| {
        b.iter(|| parse(&page, Format::StatuspageIncidents, black_box(json.as_bytes()), &base));
    });
    group.finish();
}

criterion_group!(benches, bench_feeds, bench_statuspage);
criterion_main!(benches);
