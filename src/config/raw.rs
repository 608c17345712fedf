//! The serde mirror of `sources.toml`: field names, types and defaults, nothing checked yet.
//!
//! `validate` turns these into typed values. Every table is deserialized on its own so that a
//! problem in one `[[source]]` cannot hide the problems in the next.

use serde::Deserialize;
use toml::Spanned;

use super::defaults;

/// The `[settings]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSettings {
    pub(crate) database: Option<String>,
    pub(crate) readme: Option<String>,
    pub(crate) archive_dir: Option<String>,
    pub(crate) feed: Option<String>,
    #[serde(default = "defaults::feed_title")]
    pub(crate) feed_title: Spanned<String>,
    pub(crate) feed_link: Option<Spanned<String>>,
    pub(crate) feed_url: Option<Spanned<String>>,
    #[serde(default = "defaults::feed_entries")]
    pub(crate) feed_entries: Spanned<i64>,
    #[serde(default = "defaults::schedule")]
    pub(crate) schedule: Spanned<String>,
    #[serde(default = "defaults::concurrency")]
    pub(crate) concurrency: Spanned<i64>,
    #[serde(default = "defaults::per_host")]
    pub(crate) per_host: Spanned<i64>,
    #[serde(default = "defaults::timeout_secs")]
    pub(crate) timeout_secs: Spanned<i64>,
    pub(crate) user_agent: Option<Spanned<String>>,
    #[serde(default = "defaults::max_body_bytes")]
    pub(crate) max_body_bytes: Spanned<i64>,
    #[serde(default = "defaults::max_report_bytes")]
    pub(crate) max_report_bytes: Spanned<i64>,
    #[serde(default = "defaults::max_items")]
    pub(crate) max_items: Spanned<i64>,
    #[serde(default = "defaults::max_redirects")]
    pub(crate) max_redirects: Spanned<i64>,
    #[serde(default = "defaults::max_nesting_depth")]
    pub(crate) max_nesting_depth: Spanned<i64>,
    #[serde(default = "defaults::source_time_budget_secs")]
    pub(crate) source_time_budget_secs: Spanned<i64>,
    #[serde(default = "defaults::threshold")]
    pub(crate) threshold: Spanned<f64>,
    #[serde(default = "defaults::max_backoff_secs")]
    pub(crate) max_backoff_secs: Spanned<i64>,
    pub(crate) listen: Option<Spanned<String>>,
    #[serde(default = "defaults::shutdown_grace_secs")]
    pub(crate) shutdown_grace_secs: Spanned<i64>,
    #[serde(default = "defaults::links_failures")]
    pub(crate) links_failures: Spanned<i64>,
    #[serde(default = "defaults::links_dead_after_days")]
    pub(crate) links_dead_after_days: Spanned<i64>,
    #[serde(default)]
    pub(crate) links_allowlist: Vec<String>,
    pub(crate) links_schedule: Option<Spanned<String>>,
    pub(crate) archive_api_url: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) archive_save: bool,
    #[serde(default = "defaults::archive_save_polls")]
    pub(crate) archive_save_polls: Spanned<i64>,
    #[serde(default = "defaults::archive_save_poll_secs")]
    pub(crate) archive_save_poll_secs: Spanned<i64>,
}

/// Keys accepted in `[settings]`; kept beside the struct and checked by a test.
pub(crate) const SETTINGS_KEYS: &[&str] = &[
    "database",
    "readme",
    "archive_dir",
    "feed",
    "feed_title",
    "feed_link",
    "feed_url",
    "feed_entries",
    "schedule",
    "concurrency",
    "per_host",
    "timeout_secs",
    "user_agent",
    "max_body_bytes",
    "max_report_bytes",
    "max_items",
    "max_redirects",
    "max_nesting_depth",
    "source_time_budget_secs",
    "threshold",
    "max_backoff_secs",
    "listen",
    "shutdown_grace_secs",
    "links_failures",
    "links_dead_after_days",
    "links_allowlist",
    "links_schedule",
    "archive_api_url",
    "archive_save",
    "archive_save_polls",
    "archive_save_poll_secs",
];

/// One `[[source]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSource {
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) kind: Option<Spanned<String>>,
    pub(crate) url: Option<Spanned<String>>,
    pub(crate) company: Option<String>,
    pub(crate) company_url: Option<Spanned<String>>,
    #[serde(default = "defaults::enabled")]
    pub(crate) enabled: bool,
    pub(crate) filter: Option<Spanned<String>>,
    pub(crate) item_selector: Option<Spanned<String>>,
    pub(crate) link_selector: Option<Spanned<String>>,
    pub(crate) title_selector: Option<Spanned<String>>,
    pub(crate) date_selector: Option<Spanned<String>>,
    pub(crate) content_selector: Option<Spanned<String>>,
    pub(crate) schedule: Option<Spanned<String>>,
}

/// Keys accepted in `[[source]]`; kept beside the struct and checked by a test.
pub(crate) const SOURCE_KEYS: &[&str] = &[
    "name",
    "kind",
    "url",
    "company",
    "company_url",
    "enabled",
    "filter",
    "item_selector",
    "link_selector",
    "title_selector",
    "date_selector",
    "content_selector",
    "schedule",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// A table that sets every listed key must deserialize, so the key lists cannot drift
    /// from the structs.
    #[test]
    fn key_lists_match_the_structs() {
        let settings = r#"
            database = "a.db"
            readme = "README.md"
            archive_dir = "postmortems"
            feed = "feed.xml"
            feed_link = "https://example.com/postmortems"
            feed_url = "https://example.com/feed.xml"
            feed_title = "Postmortems"
            feed_entries = 20
            schedule = "0 0 * * * *"
            concurrency = 4
            per_host = 1
            timeout_secs = 5
            user_agent = "x"
            max_body_bytes = 1000
            max_report_bytes = 100000
            max_items = 500
            max_redirects = 5
            max_nesting_depth = 256
            source_time_budget_secs = 60
            threshold = 0.6
            max_backoff_secs = 3600
            listen = "127.0.0.1:9187"
            shutdown_grace_secs = 10
            links_failures = 3
            links_dead_after_days = 7
            links_allowlist = ["linkedin.com"]
            links_schedule = "0 0 3 * * *"
            archive_api_url = "https://web.archive.org"
            archive_save = false
            archive_save_polls = 10
            archive_save_poll_secs = 5
        "#;
        let parsed: toml::Table = toml::from_str(settings).unwrap();
        assert_eq!(parsed.len(), SETTINGS_KEYS.len());
        assert!(parsed.keys().all(|k| SETTINGS_KEYS.contains(&k.as_str())));
        toml::from_str::<RawSettings>(settings).unwrap();

        let source = r#"
            name = "a"
            kind = "feed"
            url = "https://example.com/feed.xml"
            company = "A"
            company_url = "https://example.com/"
            enabled = false
            filter = "outage"
            item_selector = "li"
            link_selector = "a"
            title_selector = "h2"
            date_selector = "time"
            content_selector = "article"
            schedule = "0 */15 * * * *"
        "#;
        let parsed: toml::Table = toml::from_str(source).unwrap();
        assert_eq!(parsed.len(), SOURCE_KEYS.len());
        assert!(parsed.keys().all(|k| SOURCE_KEYS.contains(&k.as_str())));
        toml::from_str::<RawSource>(source).unwrap();
    }
}
