//! Curated markdown lists → one entry per listed postmortem.
//!
//! Takes the raw bytes of a list's markdown (a README fetched raw; UTF-8, a BOM and CRLF line
//! endings are fine) and returns one [`Entry`] per listed postmortem, each a candidate because a
//! curator chose it. The grammar of lines and entry lines is [`crate::listfmt`]'s (the same
//! that `render` writes with); the reader (`reader.rs`) walks the lines and decides which blocks are
//! entries. It renders no markdown, does no I/O and never fetches the listed pages (the
//! pipeline does that).
//!
//! The shape is detected per entry, so one file may mix them:
//!
//! - **Dated bullets** (awesome-postmortems): `- MM-DD-YYYY - [Title](url) by [Company](url)`,
//!   then summary bullets indented by a tab or by two or more spaces. The date is the incident
//!   date, month first (`YYYY-MM-DD` is read too), stored as UTC midnight. `by ...` is optional.
//!   The summary is the nested bullets' text.
//! - **Link bullets** (k8s.af): `* [Title - Company - blog post 2020](url)` with nested
//!   `* involved: ...` and `* impact: ...`. When the link text splits on `" - "` into three or
//!   more parts and the item has `involved`/`impact` lines or its last part names a year, the
//!   second-to-last part is the company, the last part (the venue) is dropped and the rest is
//!   the title. The summary is the `impact: ...` line as written; the `involved` items become
//!   categories (they name the technologies involved, which is what categories are for) and do
//!   not go into the summary. Other link bullets keep their link text as the title and may
//!   carry a `(YYYY-MM-DD, [Company](url))` line below them (awesome-tech-postmortems); the
//!   company's link is kept as its `company_url`.
//! - **Numbered field blocks** (carlsborg/awesome-postmortems): `1.  **Summary**: text`, then
//!   lines `**Links**: url`, `**Impact** : text`, `**Technologies**: a, b` (`fields.rs`):
//!   link = the first http(s) link of `Links`, summary = `Summary`, categories =
//!   `Technologies`; `Title`, `Company` and `Date` fields when a block has them.
//! - **Paragraphs** (danluu/post-mortems): `[Company](url). One to three sentences.` under a
//!   level-2-or-deeper heading: company = link text, summary = the sentences, categories =
//!   `[heading]`. The shape has no title, so the title stays empty.
//!
//! What yields nothing:
//!
//! - Sections about the list rather than in it: a section is skipped when its heading, or any
//!   heading above it, names other lists, analysis, studies, how-tos, templates, further
//!   reading, contributing or contributors, credits, a license or a table of contents, or is
//!   just one of "About", "Why", "FAQ", "Related", "Resources", "Links", "Talks", "Books",
//!   "Papers", "Research", "Guides", "Tools", "Sponsors", "Thanks".
//! - Lines in no shape: intro paragraphs, badges (`[![..](..)](..)`), paragraphs under a
//!   level-1 heading (a list's title) or none, nested bullets that are only a link (related
//!   articles), fenced code, HTML comments, field blocks without an http(s) link.
//! - Links that are not absolute http(s) as written: `#anchors`, relative paths, `mailto:`.
//!
//! Text is the curator's: titles are kept verbatim (typos included) and URLs as written,
//! `web.archive.org` wrappers included ([`unwrap_wayback`] gives the original for matching).
//! Summaries keep their words but lose inline link markup (`[text](url)` → `text`). The
//! identity is `link:<url as written>`, and the first entry for a URL wins.

mod fields;
mod item;
mod reader;

use std::collections::HashSet;
use std::ops::Range;

use chrono::{NaiveDate, NaiveTime};
use url::Url;

use self::reader::read_list;
use super::{ParseError, seal};
use crate::listfmt::unescape;
use crate::model::{
    CuratedEntry, CuratedOrigin, Decision, Entry, EntryIdentity, ListShape, canonical_url,
};

/// Parses a curated list into one entry per listed postmortem.
///
/// An HTML page (a list URL pointing at the rendered GitHub page rather than the raw file) is a
/// [`ParseError::Format`]; any other text parses, into no entries if nothing in it is listed.
pub fn parse_list(body: &[u8], base: &Url) -> Result<Vec<Entry>, ParseError> {
    let text = String::from_utf8_lossy(body);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if looks_like_html(text) {
        return Err(ParseError::Format {
            url: base.clone(),
            detail: "an HTML page came back, not markdown (point the source at the raw file)"
                .into(),
        });
    }
    let mut seen = HashSet::new();
    Ok(read_list(text)
        .into_iter()
        .filter(|listed| seen.insert(listed.url.clone()))
        .map(Listed::into_entry)
        .collect())
}

/// The original URL inside a Wayback Machine link
/// (`https://web.archive.org/web/<timestamp>[modifier_]/<original>`), when it is an absolute
/// http(s) URL; `None` for any other link.
pub fn unwrap_wayback(url: &str) -> Option<&str> {
    crate::model::unwrap_wayback(url)
}

/// Every entry of a list with the exact bytes it is written in, for `pmagg import` (and for
/// `pmagg render`, which records the entries of the list it wrote).
///
/// Entries are read as [`parse_list`] reads them; each also keeps its raw lines (`raw`: from
/// its first line through the last line that belongs to it, line endings included, so a tab or
/// two-space indent and CRLF survive), its place in the file and its company link. A link
/// listed twice keeps its first entry (matched on [`canonical_url`]). Markdown backslash
/// escapes in titles, companies and summaries are undone, so text that `render` escaped
/// comes back as it was.
pub fn read_curated(text: &str, list: &str) -> Vec<CuratedEntry> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for listed in read_list(body) {
        let canonical = canonical_url(&listed.url);
        if !seen.insert(canonical.clone()) {
            continue;
        }
        let raw = body[listed.span.clone()].to_owned();
        out.push(CuratedEntry {
            list: list.to_owned(),
            position: u32::try_from(out.len()).unwrap_or(u32::MAX),
            raw,
            shape: match listed.shape {
                Shape::Dated => ListShape::Dated,
                Shape::Linked => ListShape::Linked,
                Shape::Paragraph => ListShape::Paragraph,
                Shape::Fields => ListShape::Fields,
            },
            origin: CuratedOrigin::Import,
            url: listed.url,
            canonical_url: canonical,
            title: listed.title.map(|t| unescape(&t)),
            company: listed.company.map(|c| unescape(&c)),
            company_url: listed.company_url,
            incident_date: listed.published,
            summary: listed.summary.map(|s| unescape(&s)),
            categories: listed.categories,
            removed: false,
        });
    }
    out
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text.trim_start().chars().take(14).collect::<String>().to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// The shape an entry was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shape {
    /// `- MM-DD-YYYY - [Title](url) by [Company](url)` (awesome-postmortems).
    Dated,
    /// `* [Title - Company - venue](url)` (k8s.af) or a plain `- [Title](url)` bullet.
    Linked,
    /// `[Company](url). Sentences.` under a category heading (danluu/post-mortems).
    Paragraph,
    /// `1. **Summary**: ...` then `**Links**: url` (carlsborg/awesome-postmortems).
    Fields,
}

/// One entry as the list writes it, before it becomes an [`Entry`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    shape: Shape,
    url: String,
    title: Option<String>,
    company: Option<String>,
    /// The company's link (`by [Company](url)`), when http(s).
    company_url: Option<String>,
    /// Where the entry is written: its first line through its last, line endings included.
    span: Range<usize>,
    published: Option<NaiveDate>,
    summary: Option<String>,
    categories: Vec<String>,
}

impl Listed {
    fn into_entry(self) -> Entry {
        seal(Entry {
            identity: EntryIdentity::new(format!("link:{}", self.url)),
            url: Some(self.url),
            title: self.title,
            published: self.published.map(|date| date.and_time(NaiveTime::MIN).and_utc()),
            summary: self.summary,
            company: self.company,
            categories: self.categories,
            candidate: true,
            // A curated list's every entry is a postmortem (issue #15).
            vouched_by: Some(Decision::Curated),
            ..Entry::default()
        })
    }
}

/// `Some(text)` unless it is empty.
fn non_empty(text: String) -> Option<String> {
    Some(text).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    const AWESOME: &[u8] = include_bytes!("../../../tests/fixtures/lists/awesome-postmortems.md");
    const DANLUU: &[u8] = include_bytes!("../../../tests/fixtures/lists/danluu-post-mortems.md");
    const K8S_AF: &[u8] = include_bytes!("../../../tests/fixtures/lists/k8s-af.md");
    const CARLSBORG: &[u8] = include_bytes!("../../../tests/fixtures/lists/carlsborg-blocks.md");

    fn base() -> Url {
        Url::parse("https://raw.githubusercontent.com/example/list/main/README.md").unwrap()
    }

    fn parse(body: &[u8]) -> Vec<Entry> {
        parse_list(body, &base()).unwrap()
    }

    fn date(text: &str) -> String {
        format!("{text}T00:00:00+00:00")
    }

    #[test]
    fn wayback_of_a_plain_link_is_none() {
        assert_eq!(unwrap_wayback("https://example.com/"), None);
    }

    #[test]
    fn awesome_postmortems_entries() {
        let entries = parse(AWESOME);
        let titles: Vec<_> = entries.iter().map(|e| e.title.as_deref().unwrap()).collect();
        assert_eq!(
            titles,
            [
                "High error rates for Chat and APIs",
                "Datacenter Outage",
                "Core Database Outage",
                "Unexpected Responess",
                "Autentication Outage",
            ]
        );

        let first = &entries[0];
        assert_eq!(first.identity.as_str(), "link:https://status.example-ai.com/incidents/6bwlxn");
        assert_eq!(first.url.as_deref(), Some("https://status.example-ai.com/incidents/6bwlxn"));
        assert_eq!(first.company.as_deref(), Some("ExampleAI"));
        assert_eq!(first.published.map(|p| p.to_rfc3339()), Some(date("2024-12-26")));
        assert_eq!(
            first.summary.as_deref(),
            Some(
                "A power failure in a datacenter took the primary databases down. Failover was slow because the databases are large."
            )
        );
        assert!(first.candidate);
        assert_eq!(first.vouched_by, Some(Decision::Curated));
        assert!(first.categories.is_empty());
        assert_eq!(first.content_hash.len(), 64);

        // Two-space summary, and no `by [Company]` part.
        let core = &entries[2];
        assert_eq!(core.company, None);
        assert_eq!(core.published.map(|p| p.to_rfc3339()), Some(date("2024-02-21")));
        assert_eq!(
            core.summary.as_deref(),
            Some("A failed migration dropped production tables; they were restored from backups.")
        );

        // A summary with a link in it loses the markup; an entry with no summary has none.
        assert_eq!(
            entries[3].summary.as_deref(),
            Some(
                "A bad kernel deployment made some GPUs return wrong tokens (see the status page)."
            )
        );
        assert_eq!(entries[4].summary, None);
        assert_eq!(entries[4].company.as_deref(), Some("Chatapp"));
        assert_eq!(entries[4].published.map(|p| p.to_rfc3339()), Some(date("2023-11-06")));
    }

    #[test]
    fn shapes_are_detected_per_entry() {
        let shapes = |body: &[u8]| {
            let text = std::str::from_utf8(body).unwrap();
            read_list(text).iter().map(|listed| listed.shape).collect::<HashSet<_>>()
        };
        assert_eq!(shapes(AWESOME), HashSet::from([Shape::Dated]));
        assert_eq!(shapes(DANLUU), HashSet::from([Shape::Paragraph]));
        assert_eq!(shapes(K8S_AF), HashSet::from([Shape::Linked]));
        // read_list keeps duplicates; parse_list drops all but the first.
        assert_eq!(read_list(std::str::from_utf8(AWESOME).unwrap()).len(), 6);
        assert_eq!(read_list(std::str::from_utf8(DANLUU).unwrap()).len(), 9);
    }

    #[test]
    fn curated_entries_keep_their_bytes() {
        let text = std::str::from_utf8(AWESOME).unwrap();
        let curated = read_curated(text, "README.md");
        assert_eq!(curated.len(), 5, "the link listed twice keeps its first entry");
        let first = &curated[0];
        assert_eq!(
            first.raw,
            "- 12-26-2024 - [High error rates for Chat and APIs](https://status.example-ai.com/incidents/6bwlxn) by [ExampleAI](https://example-ai.com/)\n\t- A power failure in a datacenter took the primary databases down. Failover was slow because the databases are large.\n"
        );
        assert_eq!(first.company_url.as_deref(), Some("https://example-ai.com/"));
        assert_eq!(first.canonical_url, "https://status.example-ai.com/incidents/6bwlxn");
        assert_eq!(
            (first.position, first.shape, first.list.as_str()),
            (0, ListShape::Dated, "README.md")
        );
        assert!(curated[2].raw.ends_with(
            "\n  - A failed migration dropped production tables; they were restored from backups.\n"
        ));
        assert_eq!(curated[2].company_url, None);
        // No summary: the bullet line alone.
        assert!(curated[4].raw.starts_with("- 11-06-2023") && curated[4].raw.lines().count() == 1);

        // CRLF stays in the bytes; every entry's bytes are a slice of the file.
        let crlf = text.replace('\n', "\r\n");
        let curated = read_curated(&crlf, "README.md");
        assert!(curated[0].raw.ends_with("large.\r\n"));
        assert!(curated.iter().all(|c| crlf.contains(&c.raw)));

        // Paragraphs keep their lines; escapes are undone.
        let danluu = read_curated(std::str::from_utf8(DANLUU).unwrap(), "danluu.md");
        assert_eq!(
            danluu[5].raw,
            "[Reddit](https://www.reddit.com/r/announcements/comments/4y0m56/why_reddit_was_down/)\nexperienced an outage for 1.5 hours, followed by another 1.5 hours of\ndegraded performance.\n"
        );
        let escaped = read_curated(
            "## Postmortems\n\n- 01-02-2024 - [a \\[b\\] \\<c\\>](https://e.example/) by X\n",
            "R",
        );
        assert_eq!(escaped[0].title.as_deref(), Some("a [b] <c>"));
    }

    /// #16: carlsborg/awesome-postmortems writes numbered blocks of bold fields.
    #[test]
    fn numbered_field_blocks() {
        let entries = parse(CARLSBORG);
        let urls: Vec<_> = entries.iter().map(|e| e.url.as_deref().unwrap()).collect();
        assert_eq!(
            urls,
            [
                "https://engineering.example-git.com/2019/03/02/database-outage-postmortem/",
                "https://blog.example-hub.com/2020-06-14-incident-analysis/",
                "https://video.example-conf.org/watch?v=abc123&t=1665",
                "https://www.example-cloud.com/engineering/april-outage",
            ]
        );
        assert_eq!(
            entries[0].summary.as_deref(),
            Some(
                "Replica lag led an operator to wipe the data directory on the primary instead of the standby. Backups had silently stopped months before."
            )
        );
        assert_eq!(entries[0].categories, ["ExampleDB", "pg_basebackup"]);
        assert!(entries.iter().all(|e| e.title.is_none() && e.candidate));
        assert_eq!(entries[1].categories, ["MySQL", "Raft consensus", "Network partitions"]);
        let cloud = &entries[3];
        assert_eq!(cloud.company.as_deref(), Some("Example Cloud"));
        assert_eq!(cloud.published.map(|p| p.to_rfc3339()), Some(date("2022-04-05")));
        assert!(entries[..3].iter().all(|e| e.company.is_none() && e.published.is_none()));

        // Each block keeps its bytes, through its last continuation line.
        let text = std::str::from_utf8(CARLSBORG).unwrap();
        let curated = read_curated(text, "README.md");
        assert!(curated.iter().all(|c| c.shape == ListShape::Fields));
        assert!(curated[2].raw.starts_with("1. **Summary**: A breaker trip"));
        assert!(curated[2].raw.ends_with("one spare unit beyond what the load needs  \n"));
        assert!(curated[3].raw.ends_with("Recovery time objective: how long a restore takes\n"));
    }

    #[test]
    fn crlf_and_bom_read_the_same() {
        let mut crlf = b"\xef\xbb\xbf".to_vec();
        for line in AWESOME.split(|&b| b == b'\n') {
            crlf.extend_from_slice(line);
            crlf.extend_from_slice(b"\r\n");
        }
        assert_eq!(parse(&crlf), parse(AWESOME));
        for body in [DANLUU, K8S_AF] {
            let crlf = String::from_utf8(body.to_vec()).unwrap().replace('\n', "\r\n");
            assert_eq!(parse(crlf.as_bytes()), parse(body));
        }
    }

    #[test]
    fn danluu_paragraphs() {
        let entries = parse(DANLUU);
        let companies: Vec<_> = entries.iter().map(|e| e.company.as_deref().unwrap()).collect();
        assert_eq!(
            companies,
            [
                "Cloudflare",
                "Hosting Co",
                "Amazon",
                "Example Bank",
                "Azure",
                "Reddit",
                "Instapaper",
                "Healthcare.gov"
            ]
        );
        assert!(entries.iter().all(|e| e.title.is_none() && e.published.is_none() && e.candidate));

        let cloudflare = &entries[0];
        assert_eq!(
            cloudflare.url.as_deref(),
            Some("https://blog.cloudflare.com/todays-outage-post-mortem/")
        );
        assert_eq!(
            cloudflare.summary.as_deref(),
            Some("A bad config (router rule) caused all of their edge routers to crash.")
        );
        assert_eq!(cloudflare.categories, ["Config Errors"]);

        // A web.archive.org link stays as written; the helper gives the original.
        let amazon = &entries[2];
        let archived =
            "https://web.archive.org/web/20120704032040/http://aws.amazon.com/message/67457/";
        assert_eq!(amazon.url.as_deref(), Some(archived));
        assert_eq!(amazon.identity.as_str(), format!("link:{archived}"));
        assert_eq!(amazon.categories, ["Hardware/Power Failures"]);
        assert_eq!(unwrap_wayback(archived), Some("http://aws.amazon.com/message/67457/"));

        // No full stop after the link; a paragraph over three lines; links in the text.
        assert_eq!(entries[4].categories, ["Time"]);
        assert_eq!(
            entries[4].summary.as_deref(),
            Some(
                "Certificates valid for one year were computed as the current date plus one year, which broke on February 29th."
            )
        );
        assert_eq!(
            entries[5].summary.as_deref(),
            Some(
                "experienced an outage for 1.5 hours, followed by another 1.5 hours of degraded performance."
            )
        );
        assert_eq!(
            entries[6].summary.as_deref(),
            Some("also this. Limits were hit for a hosted database.")
        );
        assert_eq!(entries[6].categories, ["Uncategorized"]);
        // A link with nothing after it is still listed.
        assert_eq!(entries[7].summary, None);
        assert_eq!(entries[7].url.as_deref(), Some("https://example.gov/healthcare-outage"));

        // "Other lists of postmortems", "Analysis" and "Contributors" yield nothing, nor does
        // the table of contents, and a duplicate link keeps the first entry.
        assert!(entries.iter().all(|e| !e.url.as_deref().unwrap().contains("availabilitydigest")));
        assert!(entries.iter().all(|e| !e.url.as_deref().unwrap().contains("kitchensoap")));
        assert_eq!(entries.len(), 8);
    }

    #[test]
    fn k8s_af_stories() {
        let entries = parse(K8S_AF);
        assert_eq!(entries.len(), 4);

        let first = &entries[0];
        assert_eq!(first.title.as_deref(), Some("Misunderstanding one templating line"));
        assert_eq!(first.company.as_deref(), Some("Skyscanner"));
        assert_eq!(
            first.summary.as_deref(),
            Some("impact: Significantly increased latency, 5XXs thrown from some services")
        );
        assert_eq!(first.categories, ["HAProxy-Ingress", "Service VIPs", "Golang templating"]);
        assert_eq!(first.published, None);

        // Four parts: the title keeps its own " - ".
        let hof = &entries[1];
        assert_eq!(
            hof.title.as_deref(),
            Some("Load Balancer Configuration - Beware when draining nodes")
        );
        assert_eq!(hof.company.as_deref(), Some("DevOps Hof"));
        assert_eq!(hof.categories, ["GCP Load Balancer", "externalTrafficPolicy", "ingress-nginx"]);

        // A bullet with a leading space, after a blank line holding spaces; backticks dropped.
        let dns = &entries[2];
        assert_eq!(dns.title.as_deref(), Some("Total DNS outage in Kubernetes cluster"));
        assert_eq!(dns.company.as_deref(), Some("Zalando"));
        assert_eq!(dns.categories, ["AWS", "DNS", "CoreDNS", "OOMKill", "ndots:5"]);
        assert_eq!(dns.summary.as_deref(), Some("impact: production outage"));

        // A link bullet in no k8s.af form keeps its text as the title.
        let plain = &entries[3];
        assert_eq!(plain.title.as_deref(), Some("Our first cluster outage"));
        assert_eq!(plain.company, None);
        assert_eq!(plain.summary, None);
        assert!(plain.categories.is_empty());
    }

    #[test]
    fn link_bullets_with_a_date_and_company_line() {
        let list = "## Postmortems\n\n\
            - [Running Dry on Memory](https://hc.example/blog/memory/)\n  (2019-11-06,\n  [Honeycomb](https://hc.example/))\n  \
              - [I sat in on the review](https://reading.example/review)\n    (2019-11-08, Jacob Scott)\n\
            - [The Consul outage that never happened](https://gl.example/consul/)\n  (2019-08-07, [GitLab](https://gl.example))\n\n\
            ## Studies\n\n- [Approaching Overload](https://etd.example/overload.pdf)\n  (2018, [M. Grayson](https://etd.example/))\n\n\
            ## How to approach postmortems\n\n- [Learning from Incidents](https://lfi.example/)\n";
        let entries = parse(list.as_bytes());
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].title.as_deref(), Some("Running Dry on Memory"));
        assert_eq!(entries[0].company.as_deref(), Some("Honeycomb"));
        assert_eq!(entries[0].published.map(|p| p.to_rfc3339()), Some(date("2019-11-06")));
        assert_eq!(entries[0].summary, None);
        assert_eq!(entries[1].company.as_deref(), Some("GitLab"));
        assert_eq!(entries[1].published.map(|p| p.to_rfc3339()), Some(date("2019-08-07")));
        // #16: the company's link is kept, also across lines.
        let curated = read_curated(list, "list.md");
        let links: Vec<_> = curated.iter().map(|c| c.company_url.as_deref()).collect();
        assert_eq!(links, [Some("https://hc.example/"), Some("https://gl.example")]);
        let plain = read_curated("## P\n\n- [A](https://a.example/)\n  (2020-01-02, Acme)\n", "l");
        assert_eq!(
            (plain[0].company.as_deref(), plain[0].company_url.as_deref()),
            (Some("Acme"), None)
        );
    }

    #[test]
    fn non_entries_yield_nothing() {
        let list = "# Title [![Awesome](https://badge.example/b.svg)](https://awesome.example)\n\n\
            [![Build](https://ci.example/b.svg)](https://ci.example/)\n\n\
            Intro with [a link](https://example.com/intro).\n\n\
            ## Section\n\n\
            - [Anchor](#section)\n- [Relative](docs/CONTRIBUTING.md)\n- [Mail](mailto:a@example.com)\n\
            - [![Badge](https://badge.example/x.svg)](https://example.com/badge)\n\
            - plain text bullet\n\n\
            [Nora Jones](https://example.com/nora-tweet)\n\n\
            <!--\n- [Hidden](https://example.com/hidden)\n-->\n\
            ```md\n- 01-02-2020 - [Example](https://example.com/in-code)\n```\n\n\
            1.  **Summary**: a field block links no report.\n**Links**: see the wiki\n";
        let entries = parse(list.as_bytes());
        let urls: Vec<_> = entries.iter().map(|e| e.url.as_deref().unwrap()).collect();
        // Only the paragraph under the level-2 heading is in a shape.
        assert_eq!(urls, ["https://example.com/nora-tweet"]);
        assert_eq!(parse(b""), []);
        assert_eq!(parse(b"just some text\n"), []);
    }

    #[test]
    fn an_html_page_is_an_error() {
        let err =
            parse_list(b"<!DOCTYPE html>\n<html><body>README</body></html>", &base()).unwrap_err();
        assert!(err.to_string().contains("not markdown"), "{err}");
    }

    #[test]
    fn wayback_links_unwrap() {
        for (wrapped, original) in [
            (
                "https://web.archive.org/web/20150101000000/https://example.com/a?b=c#d",
                Some("https://example.com/a?b=c#d"),
            ),
            ("http://web.archive.org/web/2016id_/http://example.com/", Some("http://example.com/")),
            ("https://WEB.ARCHIVE.ORG/web/1/https://example.com/x", Some("https://example.com/x")),
            (
                "https://wayback.archive.org/web/20200101/https://e.example/",
                Some("https://e.example/"),
            ),
            ("https://web.archive.org/web/20200101/example.com/page", None),
            ("https://web.archive.org/web/*/https://example.com/", None),
            ("https://web.archive.org/web/20200101/", None),
            ("https://archive.org/details/something", None),
            ("https://example.com/web/20200101/https://x.example/", None),
        ] {
            assert_eq!(unwrap_wayback(wrapped), original, "{wrapped}");
        }
    }
}
