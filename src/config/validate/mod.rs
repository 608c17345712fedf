//! Raw tables → typed [`Settings`] and [`Source`]s, collecting every problem on the way.
//!
//! This file walks the document and keeps what both halves use (the problem collector, line
//! numbers, unknown keys, ranges, cron, URLs); `settings` checks `[settings]` and `source`
//! each `[[source]]`.

mod settings;
mod source;

use std::collections::HashMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use url::Url;

use self::settings::validate_settings;
use self::source::validate_source;
use super::{Problem, Settings, Source, parse_cron};

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

pub(super) struct Collector<'a> {
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
pub(super) fn strip_unknown_keys<'i>(
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
pub(super) fn deserialize_table<'i, T: Deserialize<'i>>(
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

/// A `schedule` (in `[settings]` or a `[[source]]`) must be cron with seconds.
pub(super) fn check_cron(value: &Spanned<String>, source: Option<&str>, out: &mut Collector<'_>) {
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

pub(super) fn in_range(
    value: &Spanned<i64>,
    key: &str,
    min: i64,
    max: i64,
    out: &mut Collector<'_>,
) -> i64 {
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

/// Parses an absolute http(s) URL; anything else is a problem at the value's line.
pub(super) fn parse_http_url(
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
    use std::time::Duration;

    use super::*;
    use crate::config::defaults;

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
