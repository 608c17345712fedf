//! Link rot (issue #18): what one check of a link found, what the store remembers about a
//! link, and what `pmagg links check` makes of it.
//!
//! Plain data: no I/O. Whether a link is dead is decided here, from the stored record and the
//! policy (`settings.links_failures`, `settings.links_dead_after_days`), so the command, the
//! daemon and the tests agree.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What one GET of a link found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkOutcome {
    /// A 2xx answer (after redirects).
    Ok,
    /// Evidence the page is gone: 404, 410, or a host name that does not resolve.
    Broken,
    /// No evidence either way: 429, 5xx, a timeout, a refused connection, another status.
    Inconclusive,
}

impl LinkOutcome {
    /// The word stored in `link_checks.outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkOutcome::Ok => "ok",
            LinkOutcome::Broken => "broken",
            LinkOutcome::Inconclusive => "inconclusive",
        }
    }

    /// The inverse of [`LinkOutcome::as_str`]; unknown words read as inconclusive.
    pub fn from_word(word: &str) -> Self {
        match word {
            "ok" => LinkOutcome::Ok,
            "broken" => LinkOutcome::Broken,
            _ => LinkOutcome::Inconclusive,
        }
    }
}

/// One check of one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkProbe {
    /// What it meant.
    pub outcome: LinkOutcome,
    /// The final HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Why it failed, in words (for the table and the store), when it did.
    pub error: Option<String>,
}

/// What the store remembers about one link.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinkRecord {
    /// The link as written.
    pub url: String,
    /// The last check.
    pub checked_at: Option<DateTime<Utc>>,
    /// The last check's HTTP status.
    pub status: Option<u16>,
    /// The last check's outcome.
    pub outcome: Option<LinkOutcome>,
    /// The last check's error.
    pub error: Option<String>,
    /// Broken checks in a row.
    pub failures: u32,
    /// The first of them.
    pub first_failure: Option<DateTime<Utc>>,
    /// The last of them.
    pub last_failure: Option<DateTime<Utc>>,
    /// The last check that answered 2xx.
    pub last_success: Option<DateTime<Utc>>,
    /// The archived copy, once looked up.
    pub snapshot: Option<Snapshot>,
    /// When Save Page Now was last asked for this link.
    pub saved_at: Option<DateTime<Utc>>,
}

/// A Wayback Machine snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// `<archive>/web/<timestamp>/<url>`.
    pub url: String,
    /// `YYYYMMDDhhmmss`, as the archive writes it.
    pub timestamp: String,
}

/// When a link counts as dead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadPolicy {
    /// Broken checks in a row needed (`settings.links_failures`).
    pub failures: u32,
    /// Days the first and the last of them must span (`settings.links_dead_after_days`).
    pub days: u32,
    /// Hosts never marked dead, because they refuse robots (`settings.links_allowlist`).
    pub allowlist: Vec<String>,
}

/// What `pmagg links check` says of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// The last check answered 2xx.
    Ok,
    /// Broken often enough, over long enough.
    Dead,
    /// Failing, but not (yet) dead; or allowlisted.
    Inconclusive,
    /// Never checked.
    Unchecked,
}

impl LinkStatus {
    /// The word printed in the table and the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Ok => "ok",
            LinkStatus::Dead => "dead",
            LinkStatus::Inconclusive => "inconclusive",
            LinkStatus::Unchecked => "unchecked",
        }
    }
}

impl DeadPolicy {
    /// The status of a stored record.
    pub fn status(&self, record: Option<&LinkRecord>) -> LinkStatus {
        let Some(record) = record.filter(|r| r.checked_at.is_some()) else {
            return LinkStatus::Unchecked;
        };
        if record.outcome == Some(LinkOutcome::Ok) {
            return LinkStatus::Ok;
        }
        if self.is_dead(record) { LinkStatus::Dead } else { LinkStatus::Inconclusive }
    }

    /// Broken at least `failures` times in a row, spanning at least `days` days, and not on
    /// an allowlisted host.
    pub fn is_dead(&self, record: &LinkRecord) -> bool {
        if self.allowlisted(&record.url) || record.failures < self.failures.max(1) {
            return false;
        }
        match (record.first_failure, record.last_failure) {
            (Some(first), Some(last)) => {
                last - first >= chrono::Duration::days(i64::from(self.days))
            }
            _ => false,
        }
    }

    /// Whether the link's host (or a parent domain of it) is on the allowlist.
    pub fn allowlisted(&self, url: &str) -> bool {
        let Some(host) =
            url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        else {
            return false;
        };
        self.allowlist.iter().any(|allowed| {
            let allowed = allowed.to_ascii_lowercase();
            host == allowed || host.ends_with(&format!(".{allowed}"))
        })
    }
}

/// Folds one check into a link's record: broken checks count (the first one starts the
/// streak), an ok check ends the streak, an inconclusive one leaves it as it was.
pub fn fold_probe(record: &mut LinkRecord, probe: &LinkProbe, at: DateTime<Utc>) {
    record.checked_at = Some(at);
    record.status = probe.status;
    record.outcome = Some(probe.outcome);
    record.error.clone_from(&probe.error);
    match probe.outcome {
        LinkOutcome::Ok => {
            record.failures = 0;
            record.first_failure = None;
            record.last_failure = None;
            record.last_success = Some(at);
        }
        LinkOutcome::Broken => {
            if record.failures == 0 {
                record.first_failure = Some(at);
            }
            record.failures = record.failures.saturating_add(1);
            record.last_failure = Some(at);
        }
        LinkOutcome::Inconclusive => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap() + chrono::Duration::days(n)
    }

    fn policy() -> DeadPolicy {
        DeadPolicy { failures: 3, days: 7, allowlist: vec!["linkedin.com".into()] }
    }

    #[test]
    fn dead_needs_enough_failures_over_enough_days() {
        let broken = LinkProbe { outcome: LinkOutcome::Broken, status: Some(404), error: None };
        let flaky =
            LinkProbe { outcome: LinkOutcome::Inconclusive, status: Some(503), error: None };
        let mut record =
            LinkRecord { url: "https://gone.example/a".into(), ..LinkRecord::default() };
        assert_eq!(policy().status(Some(&record)), LinkStatus::Unchecked);
        fold_probe(&mut record, &broken, day(0));
        fold_probe(&mut record, &broken, day(1));
        fold_probe(&mut record, &flaky, day(2));
        fold_probe(&mut record, &broken, day(3));
        assert_eq!(record.failures, 3);
        assert_eq!(policy().status(Some(&record)), LinkStatus::Inconclusive, "3 days only");
        fold_probe(&mut record, &broken, day(8));
        assert_eq!(policy().status(Some(&record)), LinkStatus::Dead);
        let ok = LinkProbe { outcome: LinkOutcome::Ok, status: Some(200), error: None };
        fold_probe(&mut record, &ok, day(9));
        assert_eq!(policy().status(Some(&record)), LinkStatus::Ok);
        assert_eq!(record.failures, 0);
    }

    #[test]
    fn allowlisted_hosts_are_never_dead() {
        let broken = LinkProbe { outcome: LinkOutcome::Broken, status: Some(404), error: None };
        let mut record =
            LinkRecord { url: "https://www.linkedin.com/pulse/x".into(), ..LinkRecord::default() };
        for n in [0, 4, 8] {
            fold_probe(&mut record, &broken, day(n));
        }
        assert_eq!(policy().status(Some(&record)), LinkStatus::Inconclusive);
    }
}
