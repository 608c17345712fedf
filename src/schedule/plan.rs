//! What the daemon runs and when: sources grouped by schedule, which of them are due, how far
//! apart a schedule's ticks are. Pure functions over the config and stored state.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{self, Config, Source};
use crate::model::{SourceName, SourceState};

/// The sources that share one cron schedule: one cron job, one pass per tick.
#[derive(Debug, Clone)]
pub struct Group {
    /// The cron expression (with seconds, UTC).
    pub schedule: String,
    /// Its enabled sources, in file order.
    pub sources: Vec<Source>,
    /// The longest gap between two ticks over the next few, when it could be computed.
    pub period: Option<Duration>,
}

/// How many upcoming ticks [`period`] looks at: enough to see a weekend in a weekday schedule.
pub const PERIOD_LOOKAHEAD: usize = 16;

/// Groups the enabled sources by their schedule (their own `schedule`, else
/// `settings.schedule`), in order of first appearance. Disabled sources are left out.
///
/// A schedule that does not parse is returned as the error, with what croner said
/// (validation makes this unreachable for a loaded config).
pub fn groups(config: &Config, now: DateTime<Utc>) -> Result<Vec<Group>, (String, String)> {
    let mut groups: Vec<Group> = Vec::new();
    for source in config.enabled_sources() {
        let schedule = source.schedule_or(&config.settings);
        match groups.iter_mut().find(|g| g.schedule == schedule) {
            Some(group) => group.sources.push(source.clone()),
            None => groups.push(Group {
                schedule: schedule.to_owned(),
                sources: vec![source.clone()],
                period: period(schedule, now)?,
            }),
        }
    }
    Ok(groups)
}

/// The longest gap between consecutive ticks of `schedule` after `now`, over the next
/// [`PERIOD_LOOKAHEAD`] ticks; `None` when the schedule ticks fewer than twice from now.
pub fn period(schedule: &str, now: DateTime<Utc>) -> Result<Option<Duration>, (String, String)> {
    let cron =
        config::parse_cron(schedule).map_err(|err| (schedule.to_owned(), err.to_string()))?;
    let mut longest: Option<Duration> = None;
    let mut previous: Option<DateTime<Utc>> = None;
    for tick in cron.iter_after(now).take(PERIOD_LOOKAHEAD) {
        if let Some(previous) = previous {
            let gap = (tick - previous).to_std().unwrap_or_default();
            longest = Some(longest.map_or(gap, |l| l.max(gap)));
        }
        previous = Some(tick);
    }
    Ok(longest)
}

/// The sources of `sources` that may be polled at `now`: those with no stored backoff, or
/// whose `next_attempt_at` has come. A source the database does not know yet is due.
pub fn due_sources(sources: &[Source], states: &[SourceState], now: DateTime<Utc>) -> Vec<Source> {
    let next: HashMap<&SourceName, DateTime<Utc>> =
        states.iter().filter_map(|s| Some((&s.name, s.next_attempt_at?))).collect();
    sources.iter().filter(|s| next.get(&s.name).is_none_or(|at| *at <= now)).cloned().collect()
}

/// The most a source's start is delayed at random within a pass (see `Fetcher::start_offsets`).
pub const MAX_START_JITTER: Duration = Duration::from_secs(10);

/// The start jitter for a set of groups: a tenth of the shortest period, at most
/// [`MAX_START_JITTER`], so that a per-second test schedule still ticks on time.
pub fn start_jitter(groups: &[Group]) -> Duration {
    groups
        .iter()
        .filter_map(|g| g.period)
        .min()
        .map_or(MAX_START_JITTER, |p| (p / 10).min(MAX_START_JITTER))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn config() -> Config {
        config::parse(
            "[settings]\nschedule = \"0 0 * * * *\"\n\
             [[source]]\nname = \"a\"\nkind = \"feed\"\nurl = \"https://a.example/\"\n\
             [[source]]\nname = \"b\"\nkind = \"feed\"\nurl = \"https://b.example/\"\nschedule = \"*/10 * * * * *\"\n\
             [[source]]\nname = \"c\"\nkind = \"feed\"\nurl = \"https://c.example/\"\n\
             [[source]]\nname = \"off\"\nkind = \"feed\"\nurl = \"https://d.example/\"\nenabled = false\n",
            Path::new("t.toml"),
        )
        .unwrap()
    }

    fn state(name: &str, next: Option<&str>) -> SourceState {
        SourceState {
            name: SourceName::new(name),
            kind: "feed".into(),
            url: String::new(),
            validators: crate::model::Validators::default(),
            last_attempt_at: None,
            last_success_at: None,
            last_status: None,
            last_error: None,
            consecutive_failures: u32::from(next.is_some()),
            next_attempt_at: next.map(at),
            entries: 0,
            last_pass_degraded: false,
        }
    }

    #[test]
    fn sources_are_grouped_by_schedule_and_disabled_ones_left_out() {
        let groups = groups(&config(), at("2024-03-05T10:20:00Z")).unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].schedule, "0 0 * * * *");
        let names: Vec<_> = groups[0].sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert_eq!(groups[0].period, Some(Duration::from_hours(1)));
        assert_eq!(groups[1].period, Some(Duration::from_secs(10)));
        assert_eq!(start_jitter(&groups), Duration::from_secs(1));
    }

    #[test]
    fn the_period_of_an_irregular_schedule_is_its_longest_gap() {
        // Weekdays at 09:00: the gap over the weekend is three days.
        let period = period("0 0 9 * * MON-FRI", at("2024-03-05T10:00:00Z")).unwrap();
        assert_eq!(period, Some(Duration::from_hours(72)));
        assert!(super::period("not cron", at("2024-03-05T10:00:00Z")).is_err());
    }

    #[test]
    fn a_source_is_due_without_backoff_or_once_it_has_passed() {
        let config = config();
        let now = at("2024-03-05T10:00:00Z");
        let states = [
            state("a", Some("2024-03-05T10:00:00Z")),
            state("b", Some("2024-03-05T10:00:01Z")),
            state("c", None),
        ];
        let due = due_sources(&config.sources, &states, now);
        let names: Vec<_> = due.iter().map(|s| s.name.as_str()).collect();
        // "off" is not in the database yet, so nothing holds it back (the caller filters
        // disabled sources through `groups`).
        assert_eq!(names, ["a", "c", "off"]);
    }

    #[test]
    fn jitter_is_capped_for_slow_schedules() {
        let groups = groups(&config(), at("2024-03-05T10:20:00Z")).unwrap();
        assert_eq!(start_jitter(&groups[..1]), MAX_START_JITTER);
        assert_eq!(start_jitter(&[]), MAX_START_JITTER);
    }
}
