//! `[settings]` → typed [`Settings`]: every key in range, cron parsed, listen address and
//! paths checked; problems go to the collector, with the key's line.

use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;
use toml::de::DeTable;

use super::{
    Collector, check_cron, deserialize_table, in_range, parse_http_url, strip_unknown_keys,
};
use crate::config::raw::{RawSettings, SETTINGS_KEYS};
use crate::config::{LinkSettings, ListenAddr, Settings, defaults};
use crate::model::links::DeadPolicy;

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

pub(super) fn validate_settings(
    table: Spanned<DeTable<'_>>,
    out: &mut Collector<'_>,
) -> Option<Settings> {
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
        raw.listen.as_ref().and_then(|listen| match listen.get_ref().parse::<ListenAddr>() {
            Ok(addr) => Some(addr),
            Err(why) => {
                out.push(Some(&listen.span()), None, format!("`listen`: {why}"));
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
struct SourceBounds {
    max_report_bytes: u64,
    max_items: usize,
    max_redirects: usize,
    max_nesting_depth: usize,
    source_time_budget: Duration,
}

fn validate_limits(raw: &RawSettings, out: &mut Collector<'_>) -> SourceBounds {
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
    SourceBounds {
        max_report_bytes: max_report_bytes as u64,
        max_items: max_items as usize,
        max_redirects: max_redirects as usize,
        max_nesting_depth: max_nesting_depth as usize,
        source_time_budget: Duration::from_secs(source_time_budget_secs as u64),
    }
}
