//! HTML index pages read with CSS selectors from the config.
//!
//! Takes the raw bytes of a page that lists postmortems (AWS Post-Event Summaries, a blog's
//! incident category) plus the source's [`HtmlSelectors`], and returns one [`Entry`] per listed
//! item, each a candidate: the page is configured precisely because it lists postmortems.
//! It never fetches the linked pages (the pipeline does that) and holds no parsed document past
//! the call, so nothing `!Send` escapes.
//!
//! - With `item`, each matching element is one entry and `link`, `title` and `date` apply
//!   inside it (the item itself included); without it, each element matching `link` is one
//!   entry and `title` and `date` apply inside that element.
//! - Link: the `href` of the element `link` matched, or of the first `a[href]` inside it,
//!   resolved against the page URL (and its `<base href>`). Only http(s) links are kept;
//!   fragment-only links point back at the page and are not entries.
//! - Title: the text of `title`, else the link's text, else its `title`/`aria-label`,
//!   whitespace collapsed.
//! - Date: a `datetime` attribute on the `date` element (or on a `<time>` inside it), else its
//!   text, read leniently: `2024-03-05`, `March 3, 2024`, `Mar 3, 2024`, `3 March 2024`,
//!   `03/05/2024` (month first, as US sites write it). A date without a time is UTC midnight.
//! - Identity: `link:<absolute url>`. Items without a usable link are skipped, and the first
//!   item for a link wins.
//!
//! The body is decoded as UTF-8, lossily. A page that matches nothing gives no entries; a
//! body that is not HTML at all (empty, JSON, plain text) is a [`ParseError::Format`].

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::{ParseError, seal};
use crate::config::{HtmlSelectors, defaults};
use crate::model::{Entry, EntryIdentity};

/// Parses an index page into one entry per item.
pub fn parse_index(
    body: &[u8],
    base: &Url,
    selectors: &HtmlSelectors,
) -> Result<Vec<Entry>, ParseError> {
    parse_index_within(body, base, selectors, defaults::MAX_NESTING_DEPTH)
}

/// [`parse_index`] refusing a page that nests deeper than `max_nesting_depth`
/// (`settings.max_nesting_depth`): an index cut short would list a part of its entries as if
/// they were all.
pub fn parse_index_within(
    body: &[u8],
    base: &Url,
    selectors: &HtmlSelectors,
    max_nesting_depth: usize,
) -> Result<Vec<Entry>, ParseError> {
    let text = String::from_utf8_lossy(body);
    if let Some(detail) = not_html(&text) {
        return Err(ParseError::Format { url: base.clone(), detail: detail.into() });
    }
    if let Some(at) = super::nesting::too_deep_at(&text, max_nesting_depth) {
        return Err(ParseError::Format {
            url: base.clone(),
            detail: format!(
                "the page nests deeper than {max_nesting_depth} elements (at byte {at}; \
                 max_nesting_depth)"
            ),
        });
    }
    let document = Html::parse_document(&text);
    let base = document_base(&document, base);

    let scopes: Vec<ElementRef<'_>> = match &selectors.item {
        Some(item) => document.select(item).collect(),
        None => document.select(&selectors.link).collect(),
    };
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for scope in scopes {
        let link_elements: Vec<ElementRef<'_>> = if selectors.item.is_some() {
            matches_in(scope, &selectors.link).collect()
        } else {
            vec![scope]
        };
        let Some((link_element, url)) = link_elements
            .into_iter()
            .find_map(|element| usable_link(element, &base).map(|url| (element, url)))
        else {
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }
        let title = selectors
            .title
            .as_ref()
            .and_then(|title| matches_in(scope, title).map(text_of).find(|t| !t.is_empty()))
            .or_else(|| Some(text_of(link_element)).filter(|t| !t.is_empty()))
            .or_else(|| {
                ["title", "aria-label"]
                    .into_iter()
                    .filter_map(|attr| link_element.value().attr(attr))
                    .map(super::document::collapse)
                    .find(|t| !t.is_empty())
            });
        let published =
            selectors.date.as_ref().and_then(|date| matches_in(scope, date).find_map(date_of));
        entries.push(seal(Entry {
            identity: EntryIdentity::new(format!("link:{url}")),
            url: Some(url),
            title,
            published,
            candidate: true,
            ..Entry::default()
        }));
    }
    Ok(entries)
}

/// Why a body is not an HTML page, if it is not one.
fn not_html(text: &str) -> Option<&'static str> {
    let start = text.trim_start_matches(|c: char| c == '\u{feff}' || c.is_whitespace());
    if start.is_empty() {
        Some("the body is empty, not an HTML page")
    } else if start.starts_with('{') || start.starts_with('[') {
        Some("the body is JSON, not an HTML page")
    } else if !start.contains('<') {
        Some("the body has no HTML markup")
    } else {
        None
    }
}

/// The page URL, or the `<base href>` the page sets, resolved against it.
fn document_base(document: &Html, page: &Url) -> Url {
    static BASE: LazyLock<Selector> = LazyLock::new(|| {
        Selector::parse("base[href]").expect("a literal selector (checked by a test)")
    });
    document
        .select(&BASE)
        .next()
        .and_then(|base| base.value().attr("href"))
        .and_then(|href| page.join(href.trim()).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .unwrap_or_else(|| page.clone())
}

/// Elements matching `selector` in `scope`, the scope itself first when it matches.
fn matches_in<'a, 'b>(
    scope: ElementRef<'a>,
    selector: &'b Selector,
) -> impl Iterator<Item = ElementRef<'a>> + use<'a, 'b> {
    let itself = selector.matches(&scope).then_some(scope);
    itself.into_iter().chain(scope.select(selector))
}

/// The element's `href`, or that of the first `a[href]` inside it, as an absolute http(s) URL.
fn usable_link(element: ElementRef<'_>, base: &Url) -> Option<String> {
    static ANCHOR: LazyLock<Selector> = LazyLock::new(|| {
        Selector::parse("a[href]").expect("a literal selector (checked by a test)")
    });
    let href = element
        .value()
        .attr("href")
        .or_else(|| element.select(&ANCHOR).next().and_then(|a| a.value().attr("href")))?
        .trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

fn text_of(element: ElementRef<'_>) -> String {
    super::document::collapse(&element.text().collect::<String>())
}

/// A date element's `datetime` (its own or a `<time>`'s inside it), else its text.
fn date_of(element: ElementRef<'_>) -> Option<DateTime<Utc>> {
    static TIME: LazyLock<Selector> = LazyLock::new(|| {
        Selector::parse("time[datetime]").expect("a literal selector (checked by a test)")
    });
    let attribute = element
        .value()
        .attr("datetime")
        .or_else(|| element.select(&TIME).next().and_then(|time| time.value().attr("datetime")));
    attribute.and_then(parse_date).or_else(|| parse_date(&text_of(element)))
}

static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
        .expect("the ISO date pattern is a valid regex (checked by a test)")
});
static MONTH_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)\b{MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"))
        .expect("the month-first date pattern is a valid regex (checked by a test)")
});
static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{MONTH}\.?,?\s+(\d{{4}})\b"))
        .expect("the day-first date pattern is a valid regex (checked by a test)")
});
static US_NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
        .expect("the numeric date pattern is a valid regex (checked by a test)")
});

/// English month names, full names first so that "March" is not read as "Mar".
const MONTH: &str = r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b";

/// Reads a date leniently: an RFC 3339 timestamp keeps its time; anything else that holds a
/// date (see the module docs) becomes UTC midnight of that day.
fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(stamp) = DateTime::parse_from_rfc3339(text) {
        return Some(stamp.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(stamp) = NaiveDateTime::parse_from_str(text, format) {
            return Some(stamp.and_utc());
        }
    }
    let number = |m: Option<regex::Match<'_>>| m.and_then(|m| m.as_str().parse::<u32>().ok());
    let day = if let Some(caps) = ISO_DATE.captures(text) {
        ymd(number(caps.get(1))?, number(caps.get(2))?, number(caps.get(3))?)
    } else if let Some(caps) = MONTH_DAY_YEAR.captures(text) {
        ymd(number(caps.get(3))?, month_number(caps.get(1)?.as_str())?, number(caps.get(2))?)
    } else if let Some(caps) = DAY_MONTH_YEAR.captures(text) {
        ymd(number(caps.get(3))?, month_number(caps.get(2)?.as_str())?, number(caps.get(1))?)
    } else if let Some(caps) = US_NUMERIC.captures(text) {
        ymd(number(caps.get(3))?, number(caps.get(1))?, number(caps.get(2))?)
    } else {
        None
    }?;
    Some(day.and_time(NaiveTime::MIN).and_utc())
}

fn ymd(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

fn month_number(name: &str) -> Option<u32> {
    let prefix = name.get(..3)?.to_ascii_lowercase();
    let months =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    months.iter().position(|m| *m == prefix).and_then(|i| u32::try_from(i + 1).ok())
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    const AWS_PES: &[u8] =
        include_bytes!("../../tests/fixtures/html/aws-post-event-summaries.html");
    const BLOG_CARDS: &[u8] = include_bytes!("../../tests/fixtures/html/blog-incident-cards.html");

    fn selectors(
        item: Option<&str>,
        link: &str,
        title: Option<&str>,
        date: Option<&str>,
    ) -> HtmlSelectors {
        let parse = |s: &str| Selector::parse(s).unwrap();
        HtmlSelectors {
            item: item.map(parse),
            link: parse(link),
            title: title.map(parse),
            date: date.map(parse),
        }
    }

    fn day(text: &str) -> String {
        format!("{text}T00:00:00+00:00")
    }

    #[test]
    fn literal_selectors_and_patterns_compile() {
        for pattern in [&ISO_DATE, &MONTH_DAY_YEAR, &DAY_MONTH_YEAR, &US_NUMERIC] {
            LazyLock::force(pattern);
        }
        // Runs the functions that hold the selector literals.
        let page = Html::parse_document(
            "<base href='/x/'><a href='y'>t</a><time datetime='2024-01-02'></time>",
        );
        let base = document_base(&page, &Url::parse("https://e.example/").unwrap());
        assert_eq!(base.as_str(), "https://e.example/x/");
        assert_eq!(
            usable_link(page.root_element(), &base).as_deref(),
            Some("https://e.example/x/y")
        );
        assert_eq!(date_of(page.root_element()).map(|d| d.to_rfc3339()), Some(day("2024-01-02")));
    }

    #[test]
    fn aws_post_event_summaries_with_items() {
        let base = Url::parse("https://aws.amazon.com/premiumsupport/technology/pes/").unwrap();
        let sel = selectors(Some("div.pes-list li"), "a", None, Some("span.date"));
        let entries = parse_index(AWS_PES, &base, &sel).unwrap();
        let rows: Vec<_> = entries
            .iter()
            .map(|e| {
                (
                    e.url.as_deref().unwrap(),
                    e.title.as_deref().unwrap(),
                    e.published.map(|p| p.to_rfc3339()),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "https://aws.amazon.com/message/101925/",
                    "Summary of the Amazon DynamoDB Service Disruption in the Northern Virginia (US-EAST-1) Region",
                    Some(day("2025-10-20")),
                ),
                (
                    "https://aws.amazon.com/message/061323/",
                    "Summary of the AWS Lambda Service Event in Northern Virginia (US-EAST-1) Region",
                    Some(day("2023-06-13")),
                ),
                (
                    "https://aws.amazon.com/message/12721/",
                    "Summary of the AWS Service Event in the Northern Virginia (US-EAST-1) Region",
                    Some(day("2021-12-10")),
                ),
                (
                    "https://aws.amazon.com/message/41926/",
                    "Summary of the Amazon S3 Service Disruption in the Northern Virginia (US-EAST-1) Region",
                    Some(day("2017-03-02"))
                ),
                (
                    "https://aws.amazon.com/message/65648/",
                    "Summary of the Amazon EC2 and Amazon RDS Service Disruption in the US East Region",
                    None
                ),
            ]
        );
        let first = &entries[0];
        assert_eq!(first.identity.as_str(), "link:https://aws.amazon.com/message/101925/");
        assert!(entries.iter().all(|e| e.candidate && e.company.is_none() && e.summary.is_none()));
        assert_eq!(first.content_hash.len(), 64);
    }

    #[test]
    fn links_without_items() {
        let base = Url::parse("https://status-blog.example/incidents/").unwrap();
        let sel = selectors(None, "main a.card", Some("h3"), Some("time"));
        let entries = parse_index(BLOG_CARDS, &base, &sel).unwrap();
        let rows: Vec<_> = entries
            .iter()
            .map(|e| {
                (e.url.as_deref().unwrap(), e.title.as_deref(), e.published.map(|p| p.to_rfc3339()))
            })
            .collect();
        assert_eq!(
            rows,
            [
                // <base href> applies; the datetime attribute keeps its time.
                (
                    "https://status-blog.example/posts/2024/dns-outage/",
                    Some("Post-incident review: DNS outage on March 5"),
                    Some("2024-03-05T14:30:00+00:00".to_owned())
                ),
                // No datetime: the text is read, day first.
                (
                    "https://status-blog.example/posts/2024/queue-backlog/",
                    Some("Incident report: queue backlog"),
                    Some(day("2024-03-03"))
                ),
                // No title element: the link's text, whitespace collapsed.
                (
                    "https://elsewhere.example/rca/login",
                    Some("RCA: login failures Feb 1, 2024"),
                    Some(day("2024-02-01"))
                ),
            ]
        );
    }

    #[test]
    fn title_and_date_fallbacks() {
        let base = Url::parse("https://e.example/list/").unwrap();
        let page = br##"<ul>
            <li><a href="/a" title="  Titled   by attribute "><img src="x.png"></a><em>12/31/2023</em></li>
            <li><a href="/b"></a></li>
            <li><a href="javascript:void(0)">script</a><a href="/c">second link</a></li>
            <li><a href="#top">back to top</a></li>
            <li><span>no link</span></li>
            <li><a href="mailto:a@e.example">mail</a></li>
        </ul>"##;
        let sel = selectors(Some("li"), "a", None, Some("em"));
        let entries = parse_index(page, &base, &sel).unwrap();
        let rows: Vec<_> = entries
            .iter()
            .map(|e| {
                (e.url.as_deref().unwrap(), e.title.as_deref(), e.published.map(|p| p.to_rfc3339()))
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("https://e.example/a", Some("Titled by attribute"), Some(day("2023-12-31"))),
                ("https://e.example/b", None, None),
                ("https://e.example/c", Some("second link"), None),
            ]
        );
    }

    #[test]
    fn matching_nothing_is_empty_and_non_html_is_an_error() {
        let base = Url::parse("https://e.example/").unwrap();
        let sel = selectors(Some("article"), "a", None, None);
        assert_eq!(
            parse_index(b"<html><body><p>Nothing here</p></body></html>", &base, &sel).unwrap(),
            []
        );
        for (body, says) in [
            (&b"{\"incidents\": []}"[..], "JSON"),
            (b"[1, 2]", "JSON"),
            (b"  \n", "empty"),
            (b"plain text", "no HTML"),
        ] {
            let err = parse_index(body, &base, &sel).unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn invalid_utf8_is_read_lossily() {
        let base = Url::parse("https://e.example/").unwrap();
        let mut page = b"<a href=\"/x\">Caf".to_vec();
        page.push(0xe9);
        page.extend_from_slice(b" outage</a>");
        let entries = parse_index(&page, &base, &selectors(None, "a", None, None)).unwrap();
        assert_eq!(entries[0].title.as_deref(), Some("Caf\u{fffd} outage"));
    }

    #[test]
    fn lenient_dates() {
        for (text, expected) in [
            ("2024-03-05", "2024-03-05T00:00:00+00:00"),
            ("2024-03-05T10:15:00Z", "2024-03-05T10:15:00+00:00"),
            ("2024-03-05T10:15:00-05:00", "2024-03-05T15:15:00+00:00"),
            ("2024-03-05T10:15", "2024-03-05T10:15:00+00:00"),
            ("March 3, 2024", "2024-03-03T00:00:00+00:00"),
            ("Mar 3, 2024", "2024-03-03T00:00:00+00:00"),
            ("Sept. 30th, 2023", "2023-09-30T00:00:00+00:00"),
            ("3 March 2024", "2024-03-03T00:00:00+00:00"),
            ("Posted on 1st Feb 2024 by the team", "2024-02-01T00:00:00+00:00"),
            ("03/05/2024", "2024-03-05T00:00:00+00:00"),
            ("Updated: December 10, 2021 | 5 min read", "2021-12-10T00:00:00+00:00"),
        ] {
            assert_eq!(
                parse_date(text).map(|d| d.to_rfc3339()).as_deref(),
                Some(expected),
                "{text}"
            );
        }
        for text in ["", "yesterday", "March 2024", "2024-02-30", "13/01/2024", "Marching 3, 2024"]
        {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }
}
