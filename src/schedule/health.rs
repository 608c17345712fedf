//! Whether the daemon is doing its job, as `/healthz` reports it. Pure state: the daemon
//! records each pass; [`Health::check`] judges at a given `now`.
//!
//! Healthy (200) while every schedule's passes run and succeed on time. Unhealthy (503, with
//! the reason) when the daemon is stopping, when a schedule's last pass could not run (the
//! database was unusable), when every source of a schedule is failing (as stored: the network
//! or a proxy is likely down), or when a schedule has had no pass for two of its periods plus
//! [`OVERDUE_SLACK`] (stuck, or passes far longer than the schedule allows). One failing
//! source among working ones is not a health problem: `pmagg sources` and the metrics show it.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// Added to two periods before a schedule counts as overdue: room for a long pass.
pub const OVERDUE_SLACK: Duration = Duration::from_mins(15);

/// What one pass did, for health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassResult {
    /// The pass ran: this many sources were polled, and this many of them failed.
    Ran {
        /// Sources polled (those backing off are not).
        polled: u64,
        /// Sources among them that failed.
        failed: u64,
    },
    /// The pass could not run (the store failed); the message says why.
    Failed(String),
}

#[derive(Debug, Clone)]
struct ScheduleHealth {
    schedule: String,
    period: Option<Duration>,
    last: Option<(DateTime<Utc>, PassResult)>,
    /// The last pass that ran (whatever its sources did).
    last_success: Option<DateTime<Utc>>,
    /// Of the schedule's sources, how many are failing (as stored), and how many there are.
    failing: (usize, usize),
}

/// The daemon's health.
#[derive(Debug, Clone)]
pub struct Health {
    started_at: DateTime<Utc>,
    stopping: bool,
    schedules: Vec<ScheduleHealth>,
}

impl Health {
    /// A daemon started at `started_at` with these `(schedule, period)` pairs, by index.
    pub fn new(
        started_at: DateTime<Utc>,
        schedules: impl IntoIterator<Item = (String, Option<Duration>)>,
    ) -> Self {
        let schedules = schedules
            .into_iter()
            .map(|(schedule, period)| ScheduleHealth {
                schedule,
                period,
                last: None,
                last_success: None,
                failing: (0, 0),
            })
            .collect();
        Self { started_at, stopping: false, schedules }
    }

    /// Records a finished pass of schedule `index`.
    pub fn record_pass(&mut self, index: usize, finished_at: DateTime<Utc>, result: PassResult) {
        let Some(schedule) = self.schedules.get_mut(index) else { return };
        if matches!(result, PassResult::Ran { .. }) {
            schedule.last_success = Some(finished_at);
        }
        schedule.last = Some((finished_at, result));
    }

    /// Records how many of schedule `index`'s `total` sources are failing, as stored (a
    /// source backing off keeps failing until a pass polls it successfully).
    pub fn record_failing(&mut self, index: usize, failing: usize, total: usize) {
        if let Some(schedule) = self.schedules.get_mut(index) {
            schedule.failing = (failing, total);
        }
    }

    /// From now on the daemon is stopping.
    pub fn set_stopping(&mut self) {
        self.stopping = true;
    }

    /// `Ok` with a summary while healthy, else `Err` with every reason, one per line.
    pub fn check(&self, now: DateTime<Utc>) -> Result<String, String> {
        if self.stopping {
            return Err("shutting down".to_owned());
        }
        let mut reasons = Vec::new();
        let mut summary = String::new();
        for s in &self.schedules {
            let name = &s.schedule;
            if let Some((_, PassResult::Failed(error))) = &s.last {
                reasons.push(format!("the last pass of schedule {name:?} failed: {error}"));
            }
            if let (failing, total) = s.failing
                && total > 0
                && failing == total
            {
                reasons.push(format!(
                    "every source of schedule {name:?} is failing ({total}); see `pmagg sources`"
                ));
            }
            if let Some(period) = s.period {
                let since = s.last_success.unwrap_or(self.started_at);
                let allowed = period.saturating_mul(2).saturating_add(OVERDUE_SLACK);
                if now - since > TimeDelta::from_std(allowed).unwrap_or(TimeDelta::MAX) {
                    let what = if s.last_success.is_some() { "since" } else { "since the start," };
                    reasons.push(format!(
                        "no successful pass of schedule {name:?} {what} {} (one is due every {}s)",
                        stamp(since),
                        period.as_secs()
                    ));
                }
            }
            let _ = match &s.last {
                None => writeln!(summary, "schedule {name:?}: no pass yet"),
                Some((at, PassResult::Ran { polled, failed })) => writeln!(
                    summary,
                    "schedule {name:?}: last pass {}, {polled} polled, {failed} failed",
                    stamp(*at)
                ),
                Some((at, PassResult::Failed(_))) => {
                    writeln!(summary, "schedule {name:?}: last pass {} failed", stamp(*at))
                }
            };
        }
        if reasons.is_empty() { Ok(format!("ok\n{summary}")) } else { Err(reasons.join("\n")) }
    }
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
    }

    fn health() -> Health {
        Health::new(
            at(0),
            [
                ("0 0 * * * *".to_owned(), Some(Duration::from_hours(1))),
                ("* * * * * *".to_owned(), Some(Duration::from_secs(1))),
            ],
        )
    }

    #[test]
    fn healthy_from_the_start_until_a_pass_is_overdue() {
        let mut health = health();
        let ok = health.check(at(5)).unwrap();
        assert!(ok.starts_with("ok\n") && ok.contains("no pass yet"), "{ok}");
        // The per-second schedule is overdue after 2 s + the slack without a success.
        let limit = 2 + OVERDUE_SLACK.as_secs() as i64;
        assert!(health.check(at(limit)).is_ok());
        let err = health.check(at(limit + 1)).unwrap_err();
        assert!(err.contains("\"* * * * * *\" since the start,"), "{err}");
        health.record_pass(1, at(limit), PassResult::Ran { polled: 3, failed: 1 });
        assert!(health.check(at(limit + 1)).is_ok());
    }

    #[test]
    fn a_failed_pass_is_unhealthy_until_a_pass_runs() {
        let mut health = health();
        health.record_pass(0, at(10), PassResult::Failed("database is unusable".into()));
        let err = health.check(at(11)).unwrap_err();
        assert!(err.contains("failed: database is unusable"), "{err}");
        health.record_pass(0, at(30), PassResult::Ran { polled: 2, failed: 1 });
        assert!(health.check(at(31)).is_ok());
    }

    #[test]
    fn all_sources_of_a_schedule_failing_is_unhealthy_even_while_they_back_off() {
        let mut health = health();
        health.record_pass(0, at(1), PassResult::Ran { polled: 2, failed: 2 });
        health.record_failing(0, 2, 2);
        let err = health.check(at(2)).unwrap_err();
        assert!(err.contains("every source of schedule \"0 0 * * * *\" is failing (2)"), "{err}");
        // The next pass polls nothing (both back off): still failing.
        health.record_pass(0, at(3), PassResult::Ran { polled: 0, failed: 0 });
        assert!(health.check(at(4)).is_err());
        // One recovers.
        health.record_failing(0, 1, 2);
        assert!(health.check(at(5)).is_ok());
    }

    #[test]
    fn a_pass_with_every_source_backing_off_keeps_the_schedule_on_time() {
        let mut health = health();
        health.record_pass(1, at(1), PassResult::Ran { polled: 0, failed: 0 });
        assert!(health.check(at(2)).is_ok());
        let limit = 2 + OVERDUE_SLACK.as_secs() as i64;
        assert!(health.check(at(limit + 1)).is_ok());
    }

    #[test]
    fn stopping_is_unhealthy() {
        let mut health = health();
        health.set_stopping();
        assert_eq!(health.check(at(1)).unwrap_err(), "shutting down");
    }

    #[test]
    fn a_schedule_without_a_period_is_never_overdue() {
        let mut health = Health::new(at(0), [("once".to_owned(), None)]);
        assert!(health.check(at(10_000_000)).is_ok());
        health.record_pass(5, at(1), PassResult::Failed("ignored: no such schedule".into()));
        assert!(health.check(at(2)).is_ok());
    }
}
