//! Raw tables → typed [`Settings`] and [`Source`]s, collecting every problem on the way.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use url::Url;

use super::raw::{RawSettings, RawSource, SETTINGS_KEYS, SOURCE_KEYS};
use super::{HtmlSelectors, LinkSettings, Problem, Settings, Source, defaults, parse_cron};
use crate::model::links::DeadPolicy;
use crate::model::{SourceKind, SourceName};

/// Upper bounds that keep a typo from turning into a denial of service on ourselves.
const MAX_CONCURRENCY: i64 = 1024;
const MAX_TIMEOUT_SECS: i64 = 3600;
const MIN_BODY_BYTES: i64 = 1024;
const MAX_FEED_ENTRIES: i64 = 10_000;
/// A month: longer than any sensible backoff, short enough that a source is never forgotten.
const MAX_BACKOFF_SECS: i64 = 30 * 24 * 3600;
const MAX_SHUTDOWN_GRACE_SECS: i64 = 3600;
const MAX_ITEMS: i64 = 1_000_000;
/// RFC 9110 leaves the number to the client; past 50 a chain is a loop or an attack.
const MAX_REDIRECTS: i64 = 50;
/// Below this, ordinary pages would be cut; above the upper bound, the readability pass that
/// reads an article recurses deep enough to threaten the stack of the thread it runs on.
const MIN_NESTING_DEPTH: i64 = 32;
const MAX_NESTING_DEPTH: i64 = 2048;
const MAX_SOURCE_TIME_BUDGET_SECS: i64 = 24 * 3600;

/// Byte offsets → 1-based line numbers.
struct Lines<'a> {
    text: &'a str,
}

impl Lines<'_> {
    /// The line of a span's start; `None` for the empty span serde defaults carry.
    fn of(&self, span: &Range<usize>) -> Option<usize> {
        if span.start == 0 && span.end == 0 {
            return None;
        }
        let before = self.text.get(..span.start).unwrap_or(self.text);
        Some(before.matches('\n').count() + 1)
    }
}

struct Collector<'a> {
    lines: Lines<'a>,
    problems: Vec<Problem>,
}

impl Collector<'_> {
    fn push(&mut self, span: Option<&Range<usize>>, source: Option<&str>, message: String) {
        let line = span.and_then(|span| self.lines.of(span));
        self.problems.push(Problem { line, source: source.map(str::to_owned), message });
    }
}

/// Validates the whole file.
pub(super) fn validate(text: &str) -> Result<(Settings, Vec<Source>), Vec<Problem>> {
    let mut out = Collector { lines: Lines { text }, problems: Vec::new() };
    let root = match DeTable::parse(text) {
        Ok(root) => root.into_inner(),
        Err(err) => {
            out.push(err.span().as_ref(), None, format!("invalid TOML: {}", err.message().trim()));
            return Err(out.problems);
        }
    };

    let mut settings = None;
    let mut sources = Vec::new();
    for (key, value) in root {
        let span = value.span();
        match (key.get_ref().as_ref(), value.into_inner()) {
            ("settings", DeValue::Table(table)) => {
                settings = validate_settings(Spanned::new(span, table), &mut out);
            }
            ("source", DeValue::Array(array)) => {
                let mut seen: HashMap<String, Range<usize>> = HashMap::new();
                for (index, item) in array.into_iter().enumerate() {
                    let span = item.span();
                    if let DeValue::Table(table) = item.into_inner() {
                        if let Some(source) =
                            validate_source(index, Spanned::new(span, table), &mut seen, &mut out)
                        {
                            sources.push(source);
                        }
                    } else {
                        out.push(Some(&span), None, "`source` must be written `[[source]]`".into());
                    }
                }
            }
            ("settings", _) => {
                out.push(
                    Some(&key.span()),
                    None,
                    "`settings` must be a table: `[settings]`".into(),
                );
            }
            ("source", _) => out.push(
                Some(&key.span()),
                None,
                "`source` must be an array of tables: `[[source]]`".into(),
            ),
            (other, _) => out.push(
                Some(&key.span()),
                None,
                format!(
                    "unknown key `{other}`; the file holds `[settings]` and `[[source]]` tables"
                ),
            ),
        }
    }
    if out.problems.is_empty() {
        Ok((settings.unwrap_or_default(), sources))
    } else {
        // In file order, as an editor would walk them; problems without a line come last.
        out.problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
        Err(out.problems)
    }
}

/// Reports unknown keys (all of them, each at its line) and returns the table without them,
/// ready for serde.
fn strip_unknown_keys<'i>(
    table: DeTable<'i>,
    known: &[&str],
    source: Option<&str>,
    out: &mut Collector<'_>,
) -> DeTable<'i> {
    let mut kept = DeTable::new();
    for (key, value) in table {
        if known.contains(&key.get_ref().as_ref()) {
            kept.insert(key, value);
        } else {
            let message =
                format!("unknown key `{}`; expected one of: {}", key.get_ref(), known.join(", "));
            out.push(Some(&key.span()), source, message);
        }
    }
    kept
}

/// Runs serde over one table, turning its error into a located problem.
fn deserialize_table<'i, T: Deserialize<'i>>(
    table: Spanned<DeTable<'i>>,
    source: Option<&str>,
    out: &mut Collector<'_>,
) -> Option<T> {
    let span = table.span();
    let value = Spanned::new(span.clone(), DeValue::Table(table.into_inner()));
    match T::deserialize(ValueDeserializer::from(value)) {
        Ok(value) => Some(value),
        Err(err) => {
            let at = err.span().unwrap_or(span);
            out.push(Some(&at), source, err.message().trim().to_owned());
            None
        }
    }
}

fn validate_settings(table: Spanned<DeTable<'_>>, out: &mut Collector<'_>) -> Option<Settings> {
    let span = table.span();
    let kept = strip_unknown_keys(table.into_inner(), SETTINGS_KEYS, None, out);
    let raw: RawSettings = deserialize_table(Spanned::new(span, kept), None, out)?;
    let before = out.problems.len();

    check_cron(&raw.schedule, None, out);
    let concurrency = in_range(&raw.concurrency, "concurrency", 1, MAX_CONCURRENCY, out);
    let per_host = in_range(&raw.per_host, "per_host", 1, MAX_CONCURRENCY, out);
    let timeout_secs = in_range(&raw.timeout_secs, "timeout_secs", 1, MAX_TIMEOUT_SECS, out);
    let max_body_bytes =
        in_range(&raw.max_body_bytes, "max_body_bytes", MIN_BODY_BYTES, i64::MAX, out);
    let limits = validate_limits(&raw, out);
    let threshold = *raw.threshold.get_ref();
    if !(0.0..=1.0).contains(&threshold) {
        out.push(
            Some(&raw.threshold.span()),
            None,
            format!("`threshold` must be between 0.0 and 1.0, not {threshold}"),
        );
    }
    let max_backoff_secs =
        in_range(&raw.max_backoff_secs, "max_backoff_secs", 1, MAX_BACKOFF_SECS, out);
    let shutdown_grace_secs =
        in_range(&raw.shutdown_grace_secs, "shutdown_grace_secs", 0, MAX_SHUTDOWN_GRACE_SECS, out);
    let listen =
        raw.listen.as_ref().and_then(|listen| match listen.get_ref().parse::<SocketAddr>() {
            Ok(addr) => Some(addr),
            Err(_) => {
                out.push(
                    Some(&listen.span()),
                    None,
                    format!(
                        "`listen` {:?} is not an IP address and port, e.g. \"127.0.0.1:9187\" \
                     or \"[::]:9187\"",
                        listen.get_ref()
                    ),
                );
                None
            }
        });
    let links = validate_links(&raw, out);
    let user_agent = match raw.user_agent {
        Some(ua) if ua.get_ref().trim().is_empty() => {
            out.push(Some(&ua.span()), None, "`user_agent` must not be empty".into());
            String::new()
        }
        Some(ua) if reqwest::header::HeaderValue::from_str(ua.get_ref()).is_err() => {
            out.push(
                Some(&ua.span()),
                None,
                "`user_agent` must be printable ASCII without line breaks".into(),
            );
            String::new()
        }
        Some(ua) => ua.into_inner(),
        None => defaults::user_agent(),
    };
    let feed_entries = in_range(&raw.feed_entries, "feed_entries", 1, MAX_FEED_ENTRIES, out);
    if raw.feed_title.get_ref().trim().is_empty() {
        out.push(Some(&raw.feed_title.span()), None, "`feed_title` must not be empty".into());
    }
    let feed_link = raw.feed_link.as_ref().and_then(|u| parse_http_url(u, "feed_link", None, out));
    let feed_url = raw.feed_url.as_ref().and_then(|u| parse_http_url(u, "feed_url", None, out));
    if out.problems.len() > before {
        return None;
    }
    Some(Settings {
        database: raw.database.map(PathBuf::from),
        readme: raw.readme.map(PathBuf::from),
        archive_dir: raw.archive_dir.map(PathBuf::from),
        feed: raw.feed.map(PathBuf::from),
        feed_title: raw.feed_title.into_inner(),
        feed_link,
        feed_url,
        feed_entries: feed_entries as usize,
        schedule: raw.schedule.into_inner(),
        concurrency: concurrency as usize,
        per_host: per_host as usize,
        timeout: Duration::from_secs(timeout_secs as u64),
        user_agent,
        max_body_bytes: max_body_bytes as u64,
        max_report_bytes: limits.max_report_bytes,
        max_items: limits.max_items,
        max_redirects: limits.max_redirects,
        max_nesting_depth: limits.max_nesting_depth,
        source_time_budget: limits.source_time_budget,
        threshold: threshold as f32,
        max_backoff: Duration::from_secs(max_backoff_secs as u64),
        listen,
        shutdown_grace: Duration::from_secs(shutdown_grace_secs as u64),
        links,
    })
}

/// The link-rot settings (#18), checked.
fn validate_links(raw: &RawSettings, out: &mut Collector<'_>) -> LinkSettings {
    let failures = in_range(&raw.links_failures, "links_failures", 1, 100, out);
    let days = in_range(&raw.links_dead_after_days, "links_dead_after_days", 0, 3650, out);
    let polls = in_range(&raw.archive_save_polls, "archive_save_polls", 1, 1000, out);
    let poll_secs = in_range(&raw.archive_save_poll_secs, "archive_save_poll_secs", 0, 3600, out);
    if let Some(schedule) = &raw.links_schedule {
        check_cron(schedule, None, out);
    }
    let archive_api_url = raw
        .archive_api_url
        .as_ref()
        .and_then(|u| parse_http_url(u, "archive_api_url", None, out))
        .unwrap_or_else(|| LinkSettings::default().archive_api_url);
    LinkSettings {
        policy: DeadPolicy {
            failures: failures as u32,
            days: days as u32,
            allowlist: raw
                .links_allowlist
                .iter()
                .map(|h| h.trim().trim_start_matches("*.").to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        },
        schedule: raw.links_schedule.as_ref().map(|s| s.get_ref().clone()),
        archive_api_url,
        archive_save: raw.archive_save,
        archive_save_polls: polls as u32,
        archive_save_poll: Duration::from_secs(poll_secs as u64),
    }
}

/// What bounds the work on one source (#8), checked.
struct Limits {
    max_report_bytes: u64,
    max_items: usize,
    max_redirects: usize,
    max_nesting_depth: usize,
    source_time_budget: Duration,
}

fn validate_limits(raw: &RawSettings, out: &mut Collector<'_>) -> Limits {
    let max_report_bytes =
        in_range(&raw.max_report_bytes, "max_report_bytes", MIN_BODY_BYTES, i64::MAX, out);
    let max_items = in_range(&raw.max_items, "max_items", 1, MAX_ITEMS, out);
    let max_redirects = in_range(&raw.max_redirects, "max_redirects", 0, MAX_REDIRECTS, out);
    let max_nesting_depth = in_range(
        &raw.max_nesting_depth,
        "max_nesting_depth",
        MIN_NESTING_DEPTH,
        MAX_NESTING_DEPTH,
        out,
    );
    let source_time_budget_secs = in_range(
        &raw.source_time_budget_secs,
        "source_time_budget_secs",
        1,
        MAX_SOURCE_TIME_BUDGET_SECS,
        out,
    );
    Limits {
        max_report_bytes: max_report_bytes as u64,
        max_items: max_items as usize,
        max_redirects: max_redirects as usize,
        max_nesting_depth: max_nesting_depth as usize,
        source_time_budget: Duration::from_secs(source_time_budget_secs as u64),
    }
}

/// A `schedule` (in `[settings]` or a `[[source]]`) must be cron with seconds.
fn check_cron(value: &Spanned<String>, source: Option<&str>, out: &mut Collector<'_>) {
    if let Err(err) = parse_cron(value.get_ref()) {
        out.push(
            Some(&value.span()),
            source,
            format!(
                "`schedule` {:?} is not a cron expression with seconds \
                 (`sec min hour day month weekday`, e.g. \"0 0 * * * *\"): {err}",
                value.get_ref()
            ),
        );
    }
}

fn in_range(value: &Spanned<i64>, key: &str, min: i64, max: i64, out: &mut Collector<'_>) -> i64 {
    let v = *value.get_ref();
    if v < min || v > max {
        let message = if max == i64::MAX {
            format!("`{key}` must be at least {min}, not {v}")
        } else {
            format!("`{key}` must be between {min} and {max}, not {v}")
        };
        out.push(Some(&value.span()), None, message);
    }
    v.clamp(min, max)
}

fn validate_source(
    index: usize,
    table: Spanned<DeTable<'_>>,
    seen: &mut HashMap<String, Range<usize>>,
    out: &mut Collector<'_>,
) -> Option<Source> {
    let span = table.span();
    // Name the source in every message: by its name when it has one, else by position.
    let label = match table.get_ref().get("name").map(Spanned::get_ref) {
        Some(DeValue::String(name)) if !name.trim().is_empty() => format!("{name:?}"),
        _ => format!("#{}", index + 1),
    };
    let label = Some(label.as_str());
    let kept = strip_unknown_keys(table.into_inner(), SOURCE_KEYS, label, out);
    let raw: RawSource = deserialize_table(Spanned::new(span.clone(), kept), label, out)?;
    let before = out.problems.len();
    let kind = raw.kind.as_ref().and_then(|k| SourceKind::from_name(k.get_ref()));
    let html = validate_selectors(&raw, kind, label, &span, out);
    let content_selector = raw
        .content_selector
        .as_ref()
        .and_then(|value| compile_selector("content_selector", value, label, out));

    let name = match raw.name {
        Some(name) if !name.get_ref().trim().is_empty() => {
            // Where a name was first used is looked up only for a duplicate: counting lines
            // for every source made loading a config quadratic in its length.
            if let Some(first) = seen.get(name.get_ref()) {
                let first = out
                    .lines
                    .of(first)
                    .map_or(String::new(), |line| format!(" (first used on line {line})"));
                out.push(
                    Some(&name.span()),
                    label,
                    format!("duplicate source name{first}; names must be unique"),
                );
            } else {
                seen.insert(name.get_ref().clone(), name.span());
            }
            Some(name.into_inner())
        }
        Some(name) => {
            out.push(Some(&name.span()), label, "`name` must not be empty".into());
            None
        }
        None => {
            out.push(Some(&span), label, "missing `name`".into());
            None
        }
    };

    let kind = match &raw.kind {
        Some(kind) => match SourceKind::from_name(kind.get_ref()) {
            Some(k) => Some(k),
            None => {
                let known: Vec<_> = SourceKind::ALL.iter().map(|k| k.as_str()).collect();
                out.push(
                    Some(&kind.span()),
                    label,
                    format!(
                        "unknown kind {:?}; expected one of: {}",
                        kind.get_ref(),
                        known.join(", ")
                    ),
                );
                None
            }
        },
        None => {
            out.push(Some(&span), label, "missing `kind`".into());
            None
        }
    };

    let url = match &raw.url {
        Some(url) => parse_http_url(url, "url", label, out),
        None => {
            out.push(Some(&span), label, "missing `url`".into());
            None
        }
    };
    let company_url =
        raw.company_url.as_ref().and_then(|u| parse_http_url(u, "company_url", label, out));

    if let Some(schedule) = &raw.schedule {
        check_cron(schedule, label, out);
    }

    let filter = raw.filter.as_ref().and_then(|filter| match Regex::new(filter.get_ref()) {
        Ok(regex) => Some(regex),
        Err(err) => {
            out.push(Some(&filter.span()), label, format!("`filter` is not a valid regex: {err}"));
            None
        }
    });

    if out.problems.len() > before {
        return None;
    }
    let (Some(name), Some(kind), Some(url)) = (name, kind, url) else {
        return None;
    };
    Some(Source {
        company: raw.company.filter(|c| !c.trim().is_empty()).unwrap_or_else(|| name.clone()),
        name: SourceName::new(name),
        kind,
        url,
        company_url,
        enabled: raw.enabled,
        filter,
        html,
        content_selector,
        schedule: raw.schedule.map(Spanned::into_inner),
    })
}

fn compile_selector(
    key: &str,
    value: &Spanned<String>,
    label: Option<&str>,
    out: &mut Collector<'_>,
) -> Option<scraper::Selector> {
    match scraper::Selector::parse(value.get_ref()) {
        Ok(selector) => Some(selector),
        Err(err) => {
            out.push(
                Some(&value.span()),
                label,
                format!("`{key}` is not a valid CSS selector: {err}"),
            );
            None
        }
    }
}

/// The selector keys: required (`link_selector`) for `kind = "html"`, refused elsewhere.
fn validate_selectors(
    raw: &RawSource,
    kind: Option<SourceKind>,
    label: Option<&str>,
    span: &Range<usize>,
    out: &mut Collector<'_>,
) -> Option<HtmlSelectors> {
    let keys = [
        ("item_selector", &raw.item_selector),
        ("link_selector", &raw.link_selector),
        ("title_selector", &raw.title_selector),
        ("date_selector", &raw.date_selector),
    ];
    if kind != Some(SourceKind::Html) {
        for (key, value) in keys {
            if let Some(value) = value {
                out.push(
                    Some(&value.span()),
                    label,
                    format!("`{key}` applies only to kind \"html\""),
                );
            }
        }
        return None;
    }
    let mut compile = |key: &str, value: &Option<Spanned<String>>| {
        value.as_ref().and_then(|value| compile_selector(key, value, label, out))
    };
    let item = compile("item_selector", &raw.item_selector);
    let link = compile("link_selector", &raw.link_selector);
    let title = compile("title_selector", &raw.title_selector);
    let date = compile("date_selector", &raw.date_selector);
    if raw.link_selector.is_none() {
        out.push(
            Some(span),
            label,
            "kind \"html\" needs `link_selector` (e.g. \"main a.post\")".into(),
        );
    }
    Some(HtmlSelectors { item, link: link?, title, date })
}

/// Parses an absolute http(s) URL; anything else is a problem at the value's line.
fn parse_http_url(
    value: &Spanned<String>,
    key: &str,
    source: Option<&str>,
    out: &mut Collector<'_>,
) -> Option<Url> {
    match Url::parse(value.get_ref()) {
        // URLs are printed in messages, logged and stored: they must not carry credentials.
        Ok(url) if !url.username().is_empty() || url.password().is_some() => {
            out.push(
                Some(&value.span()),
                source,
                format!(
                    "`{key}` must not carry a user name or password: pmagg prints, logs and \
                     stores URLs (see SECURITY.md)"
                ),
            );
            None
        }
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Some(url),
        Ok(url) => {
            out.push(
                Some(&value.span()),
                source,
                format!(
                    "`{key}` {:?} must be an http or https URL, not {}:",
                    value.get_ref(),
                    url.scheme()
                ),
            );
            None
        }
        Err(err) => {
            out.push(
                Some(&value.span()),
                source,
                format!("`{key}` {:?} is not a valid URL: {err}", value.get_ref()),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<Problem> {
        validate(text).expect_err("config should be rejected")
    }

    #[test]
    fn accepts_a_minimal_file_and_applies_defaults() {
        let (settings, sources) = validate(
            "[[source]]\nname = \"Acme\"\nkind = \"feed\"\nurl = \"https://acme.example/feed.xml\"\n",
        )
        .unwrap();
        assert_eq!(settings.concurrency, defaults::CONCURRENCY);
        assert_eq!(settings.per_host, defaults::PER_HOST);
        assert_eq!(settings.timeout, Duration::from_secs(defaults::TIMEOUT_SECS));
        assert!(settings.user_agent.starts_with("pmagg/"));
        assert_eq!(settings.max_items, defaults::MAX_ITEMS);
        assert_eq!(settings.max_report_bytes, defaults::MAX_REPORT_BYTES);
        assert_eq!(settings.max_redirects, defaults::MAX_REDIRECTS);
        assert_eq!(settings.max_nesting_depth, defaults::MAX_NESTING_DEPTH);
        assert_eq!(
            settings.source_time_budget,
            Duration::from_secs(defaults::SOURCE_TIME_BUDGET_SECS)
        );
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].company, "Acme");
        assert!(sources[0].enabled);
    }

    #[test]
    fn urls_with_credentials_are_refused() {
        let problems = problems(
            "[[source]]\nname = \"a\"\nkind = \"feed\"\nurl = \"https://me:secret@a.example/f\"\n",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("must not carry a user name or password"));
        assert!(!problems[0].message.contains("secret"), "the password is not echoed");
    }

    #[test]
    fn limits_are_checked_with_their_lines() {
        let text = "\
[settings]
max_items = 0
max_redirects = 51
max_nesting_depth = 100000
source_time_budget_secs = 0
max_body_bytes = 10
max_report_bytes = 0

[[source]]
name = \"a\"
kind = \"feed\"
url = \"https://a.example/feed\"
";
        let problems = problems(text);
        let found: Vec<(Option<usize>, &str)> =
            problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(
            found,
            [
                (Some(2), "`max_items` must be between 1 and 1000000, not 0"),
                (Some(3), "`max_redirects` must be between 0 and 50, not 51"),
                (Some(4), "`max_nesting_depth` must be between 32 and 2048, not 100000"),
                (Some(5), "`source_time_budget_secs` must be between 1 and 86400, not 0"),
                (Some(6), "`max_body_bytes` must be at least 1024, not 10"),
                (Some(7), "`max_report_bytes` must be at least 1024, not 0"),
            ]
        );
        let (settings, _) = validate(
            "[settings]\nmax_items = 5\nmax_redirects = 0\nmax_nesting_depth = 64\n\
             source_time_budget_secs = 3\n[[source]]\nname = \"a\"\nkind = \"feed\"\n\
             url = \"https://a.example/feed\"\n",
        )
        .unwrap();
        assert_eq!(
            (settings.max_items, settings.max_redirects, settings.max_nesting_depth),
            (5, 0, 64)
        );
        assert_eq!(settings.source_time_budget, Duration::from_secs(3));
    }

    #[test]
    fn reports_every_problem_with_its_line() {
        let text = "\
[settings]
concurrency = 0
colour = \"blue\"

[[source]]
name = \"a\"
kind = \"feed\"
url = \"https://a.example/feed\"

[[source]]
name = \"a\"
kind = \"rss\"
url = \"not a url\"
filter = \"(unclosed\"
typo = 1
";
        let problems = problems(text);
        let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
        assert_eq!(problems.len(), 7, "{problems:#?}");
        assert!(problems.iter().any(|p| p.line == Some(2) && p.message.contains("concurrency")));
        assert!(
            problems
                .iter()
                .any(|p| p.line == Some(3) && p.message.contains("unknown key `colour`"))
        );
        assert!(problems.iter().any(|p| p.line == Some(11) && p.message.contains("duplicate")));
        assert!(problems.iter().any(|p| p.line == Some(12) && p.message.contains("unknown kind")));
        assert!(
            problems.iter().any(|p| p.line == Some(13) && p.message.contains("not a valid URL"))
        );
        assert!(problems.iter().any(|p| p.line == Some(14) && p.message.contains("regex")));
        assert!(problems.iter().any(|p| p.line == Some(15) && p.message.contains("`typo`")));
        assert!(lines.iter().all(Option::is_some));
        assert!(problems[2..].iter().all(|p| p.source.as_deref() == Some("\"a\"")));
    }

    #[test]
    fn type_errors_carry_the_line() {
        let problems =
            problems("[settings]\ntimeout_secs = \"soon\"\n\n[[source]]\nname = \"x\"\n");
        assert!(problems.iter().any(|p| p.line == Some(2)), "{problems:#?}");
        assert!(problems.iter().any(|p| p.message.contains("missing `kind`")));
        assert!(problems.iter().any(|p| p.message.contains("missing `url`")));
    }

    #[test]
    fn rejects_non_http_urls_and_bad_cron() {
        let problems = problems(
            "[settings]\nschedule = \"0 * * *\"\n[[source]]\nname = \"x\"\nkind = \"feed\"\nurl = \"file:///etc/passwd\"\n",
        );
        assert!(problems.iter().any(|p| p.line == Some(2) && p.message.contains("cron")));
        assert!(problems.iter().any(|p| p.line == Some(6) && p.message.contains("http or https")));
    }

    #[test]
    fn daemon_settings_and_source_schedules_are_checked_with_their_lines() {
        let problems = problems(
            "[settings]\nlisten = \"localhost\"\nmax_backoff_secs = 0\nshutdown_grace_secs = -1\n\n\
             [[source]]\nname = \"x\"\nkind = \"feed\"\nurl = \"https://x.example/\"\nschedule = \"@hourly please\"\n",
        );
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems.iter().any(|p| p.line == Some(2) && p.message.contains("`listen`")));
        assert!(problems.iter().any(|p| p.line == Some(3) && p.message.contains("max_backoff")));
        assert!(problems.iter().any(|p| p.line == Some(4) && p.message.contains("grace")));
        assert!(problems.iter().any(|p| p.line == Some(10)
            && p.source.as_deref() == Some("\"x\"")
            && p.message.contains("cron")));

        let (settings, sources) = validate(
            "[settings]\nlisten = \"[::1]:9187\"\nmax_backoff_secs = 600\n\
             [[source]]\nname = \"x\"\nkind = \"feed\"\nurl = \"https://x.example/\"\nschedule = \"*/5 * * * * *\"\n\
             [[source]]\nname = \"y\"\nkind = \"feed\"\nurl = \"https://y.example/\"\n",
        )
        .unwrap();
        assert_eq!(settings.listen, Some("[::1]:9187".parse().unwrap()));
        assert_eq!(settings.max_backoff, Duration::from_mins(10));
        assert_eq!(settings.shutdown_grace, Duration::from_secs(defaults::SHUTDOWN_GRACE_SECS));
        assert_eq!(sources[0].schedule_or(&settings), "*/5 * * * * *");
        assert_eq!(sources[1].schedule_or(&settings), defaults::SCHEDULE);
    }

    #[test]
    fn html_sources_need_valid_selectors_and_others_refuse_them() {
        let problems = problems(
            "[[source]]\nname = \"aws\"\nkind = \"html\"\nurl = \"https://aws.example/pes/\"\ntitle_selector = \"h2[\"\n\n\
             [[source]]\nname = \"f\"\nkind = \"feed\"\nurl = \"https://f.example/\"\nlink_selector = \"a\"\n",
        );
        assert!(
            problems.iter().any(|p| p.line == Some(5) && p.message.contains("CSS selector")),
            "{problems:#?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.line == Some(1) && p.message.contains("needs `link_selector`"))
        );
        assert!(problems.iter().any(|p| p.line == Some(11) && p.message.contains("only to kind")));

        let (_, sources) = validate(
            "[[source]]\nname = \"aws\"\nkind = \"html\"\nurl = \"https://aws.example/pes/\"\nlink_selector = \"li > a\"\n",
        )
        .unwrap();
        assert!(sources[0].html.is_some());
    }

    #[test]
    fn syntax_errors_carry_the_line() {
        let problems = problems("[settings]\nconcurrency = \n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, Some(2));
    }

    #[test]
    fn link_settings_are_checked_and_applied() {
        let problems = problems(
            "[settings]\nlinks_failures = 0\nlinks_schedule = \"daily\"\n\
             archive_api_url = \"ftp://archive.example\"\narchive_save_polls = 0\n\n\
             [[source]]\nname = \"x\"\nkind = \"feed\"\nurl = \"https://x.example/f\"\n",
        );
        let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(2), Some(3), Some(4), Some(5)], "{problems:#?}");
        let (settings, _) = validate(
            "[settings]\nlinks_allowlist = [\"*.LinkedIn.com\"]\nlinks_dead_after_days = 0\n\
             archive_api_url = \"http://127.0.0.1:9/\"\narchive_save = true\n\n\
             [[source]]\nname = \"x\"\nkind = \"feed\"\nurl = \"https://x.example/f\"\n",
        )
        .unwrap();
        let links = settings.links;
        assert_eq!(links.policy.allowlist, ["linkedin.com"]);
        assert_eq!((links.policy.failures, links.policy.days), (defaults::LINKS_FAILURES, 0));
        assert_eq!(links.archive_api_url.as_str(), "http://127.0.0.1:9/");
        assert!(links.archive_save);
        assert_eq!(links.schedule, None);
    }
}
