//! The daemon's counters and gauges, rendered in the Prometheus text exposition format
//! (version 0.0.4) for `/metrics`.
//!
//! Written by hand: about a dozen families, no registry, no global state. Counters live as long
//! as the process, as Prometheus expects; gauges about the database (entries, postmortems,
//! failures per source) are refreshed from the store after each pass, so they include what a
//! hand-typed `pmagg sync` did too.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::model::SourceState;
use crate::pipeline::{SourceOutcome, SourceReport, SyncReport};

/// Upper bounds (seconds) of the fetch duration histogram's buckets.
pub const DURATION_BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

#[derive(Debug, Clone, Default)]
struct ScheduleCounters {
    passes: u64,
    pass_failures: u64,
    ticks_skipped: u64,
    last_success: Option<DateTime<Utc>>,
    last_duration_secs: f64,
}

#[derive(Debug, Clone, Default)]
struct SourceCounters {
    ok: u64,
    not_modified: u64,
    failed: u64,
    /// Cumulative counts per bucket of [`DURATION_BUCKETS`].
    buckets: [u64; DURATION_BUCKETS.len()],
    duration_sum: f64,
    duration_count: u64,
    consecutive_failures: u32,
    next_attempt_at: Option<DateTime<Utc>>,
}

/// Everything `/metrics` shows.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    schedules: BTreeMap<String, ScheduleCounters>,
    sources: BTreeMap<String, SourceCounters>,
    entries_new: u64,
    entries_updated: u64,
    entries: Option<u64>,
    postmortems: Option<u64>,
    /// Link checks on `settings.links_schedule` (issue #18), rendered after the rest.
    pub links: super::links::LinkMetrics,
}

impl Metrics {
    /// Metrics with a zero row for every schedule, so counters exist before the first tick.
    pub fn new<'a>(schedules: impl IntoIterator<Item = &'a str>) -> Self {
        let schedules =
            schedules.into_iter().map(|s| (s.to_owned(), ScheduleCounters::default())).collect();
        Self { schedules, ..Self::default() }
    }

    /// One source finished within a pass.
    pub fn record_source(&mut self, report: &SourceReport) {
        let source = self.sources.entry(report.source.to_string()).or_default();
        match report.outcome {
            SourceOutcome::Ok { .. } => source.ok += 1,
            SourceOutcome::NotModified => source.not_modified += 1,
            SourceOutcome::Failed { .. } => source.failed += 1,
        }
        let secs = report.duration_ms as f64 / 1000.0;
        for (bound, count) in DURATION_BUCKETS.iter().zip(source.buckets.iter_mut()) {
            if secs <= *bound {
                *count += 1;
            }
        }
        source.duration_sum += secs;
        source.duration_count += 1;
    }

    /// A pass of `schedule` finished (`None`: it could not run).
    pub fn record_pass(
        &mut self,
        schedule: &str,
        report: Option<&SyncReport>,
        finished_at: DateTime<Utc>,
        duration_secs: f64,
    ) {
        let counters = self.schedules.entry(schedule.to_owned()).or_default();
        counters.last_duration_secs = duration_secs;
        match report {
            Some(report) => {
                counters.passes += 1;
                counters.last_success = Some(finished_at);
                self.entries_new += report.entries_new;
                self.entries_updated += report.entries_updated;
            }
            None => counters.pass_failures += 1,
        }
    }

    /// A tick of `schedule` was skipped: its previous pass was still running.
    pub fn record_skipped_tick(&mut self, schedule: &str) {
        self.schedules.entry(schedule.to_owned()).or_default().ticks_skipped += 1;
    }

    /// Refreshes the gauges read from the database.
    pub fn record_store(&mut self, states: &[SourceState], entries: u64, postmortems: u64) {
        for state in states {
            let source = self.sources.entry(state.name.to_string()).or_default();
            source.consecutive_failures = state.consecutive_failures;
            source.next_attempt_at = state.next_attempt_at;
        }
        self.entries = Some(entries);
        self.postmortems = Some(postmortems);
    }

    /// The text exposition, one `# HELP` and `# TYPE` per family.
    pub fn render(&self) -> String {
        let mut out = String::new();
        family(&mut out, "pmagg_build_info", "gauge", "Always 1; the version is a label.");
        sample(&mut out, "pmagg_build_info", &[("version", env!("CARGO_PKG_VERSION"))], 1.0);
        self.render_schedules(&mut out);
        self.render_sources(&mut out);
        self.render_totals(&mut out);
        self.links.render(&mut out, family, sample);
        out
    }

    fn render_schedules(&self, out: &mut String) {
        let families: [ScheduleFamily; 5] = [
            ("pmagg_passes_total", "counter", "Passes that ran, by schedule.", |c| {
                Some(c.passes as f64)
            }),
            (
                "pmagg_pass_failures_total",
                "counter",
                "Passes that could not run (the database was unusable), by schedule.",
                |c| Some(c.pass_failures as f64),
            ),
            (
                "pmagg_ticks_skipped_total",
                "counter",
                "Ticks skipped because the schedule's previous pass had not finished.",
                |c| Some(c.ticks_skipped as f64),
            ),
            (
                "pmagg_last_pass_success_timestamp_seconds",
                "gauge",
                "When the schedule's last pass that ran finished (Unix time).",
                |c| c.last_success.map(|t| t.timestamp() as f64),
            ),
            (
                "pmagg_last_pass_duration_seconds",
                "gauge",
                "How long the schedule's last pass took.",
                |c| (c.passes + c.pass_failures > 0).then_some(c.last_duration_secs),
            ),
        ];
        for (name, kind, help, value) in families {
            family(out, name, kind, help);
            for (schedule, counters) in &self.schedules {
                if let Some(v) = value(counters) {
                    sample(out, name, &[("schedule", schedule)], v);
                }
            }
        }
    }

    fn render_sources(&self, out: &mut String) {
        let name = "pmagg_source_fetches_total";
        family(
            out,
            name,
            "counter",
            "Sources polled, by source and outcome (ok, not_modified, failed).",
        );
        for (source, s) in &self.sources {
            for (outcome, n) in
                [("ok", s.ok), ("not_modified", s.not_modified), ("failed", s.failed)]
            {
                sample(out, name, &[("source", source), ("outcome", outcome)], n as f64);
            }
        }

        let name = "pmagg_source_fetch_duration_seconds";
        family(
            out,
            name,
            "histogram",
            "Time to poll a source: fetch, parse, report pages, extraction and write.",
        );
        for (source, s) in &self.sources {
            let count = s.duration_count as f64;
            for (bound, n) in DURATION_BUCKETS.iter().zip(s.buckets) {
                let le = bound.to_string();
                sample(
                    out,
                    &format!("{name}_bucket"),
                    &[("source", source), ("le", &le)],
                    n as f64,
                );
            }
            sample(out, &format!("{name}_bucket"), &[("source", source), ("le", "+Inf")], count);
            sample(out, &format!("{name}_sum"), &[("source", source)], s.duration_sum);
            sample(out, &format!("{name}_count"), &[("source", source)], count);
        }

        let name = "pmagg_source_consecutive_failures";
        family(out, name, "gauge", "Failures of the source since its last success.");
        for (source, s) in &self.sources {
            sample(out, name, &[("source", source)], f64::from(s.consecutive_failures));
        }

        let name = "pmagg_source_next_attempt_timestamp_seconds";
        family(out, name, "gauge", "When a source that backs off may be polled again (Unix time).");
        for (source, s) in &self.sources {
            if let Some(at) = s.next_attempt_at {
                sample(out, name, &[("source", source)], at.timestamp() as f64);
            }
        }
    }

    fn render_totals(&self, out: &mut String) {
        family(out, "pmagg_entries_new_total", "counter", "Entries stored for the first time.");
        sample(out, "pmagg_entries_new_total", &[], self.entries_new as f64);
        family(
            out,
            "pmagg_entries_updated_total",
            "counter",
            "Stored entries whose content changed.",
        );
        sample(out, "pmagg_entries_updated_total", &[], self.entries_updated as f64);
        if let Some(entries) = self.entries {
            family(out, "pmagg_entries", "gauge", "Entries in the database.");
            sample(out, "pmagg_entries", &[], entries as f64);
        }
        if let Some(postmortems) = self.postmortems {
            family(out, "pmagg_postmortems", "gauge", "Confirmed postmortems in the database.");
            sample(out, "pmagg_postmortems", &[], postmortems as f64);
        }
    }
}

/// A metric family with one sample per schedule: name, type, help, value (if any).
type ScheduleFamily =
    (&'static str, &'static str, &'static str, fn(&ScheduleCounters) -> Option<f64>);

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (key, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{key}=\"{}\"", escape(value));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// Label values escape backslash, double quote and line feed (exposition format 0.0.4).
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SourceName, WriteCounts};

    fn report(source: &str, outcome: SourceOutcome, duration_ms: u64) -> SourceReport {
        SourceReport { source: SourceName::new(source), url: String::new(), outcome, duration_ms }
    }

    /// The value of the sample whose name and labels start `prefix`.
    fn value<'a>(text: &'a str, prefix: &str) -> &'a str {
        let line = text
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix} in\n{text}"));
        line.rsplit(' ').next().unwrap()
    }

    #[test]
    fn counters_grow_with_passes_and_sources() {
        let mut metrics = Metrics::new(["* * * * * *"]);
        let text = metrics.render();
        assert_eq!(value(&text, "pmagg_passes_total{schedule=\"* * * * * *\"}"), "0");
        assert!(!text.contains("pmagg_entries "), "no database gauge before the first pass");

        metrics.record_source(&report(
            "a",
            SourceOutcome::Ok {
                counts: WriteCounts::default(),
                reports: crate::pipeline::ReportCounts::default(),
            },
            120,
        ));
        metrics.record_source(&report("a", SourceOutcome::NotModified, 30));
        metrics.record_source(&report(
            "b \"quoted\"",
            SourceOutcome::Failed { status: Some(503), error: "x".into() },
            70_000,
        ));
        let sync = SyncReport { entries_new: 4, entries_updated: 1, ..SyncReport::default() };
        metrics.record_pass(
            "* * * * * *",
            Some(&sync),
            DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            0.5,
        );
        metrics.record_pass(
            "* * * * * *",
            None,
            DateTime::from_timestamp(1_700_000_001, 0).unwrap(),
            0.1,
        );
        metrics.record_skipped_tick("* * * * * *");
        metrics.record_store(&[], 42, 7);

        let text = metrics.render();
        assert_eq!(value(&text, "pmagg_passes_total{schedule=\"* * * * * *\"}"), "1");
        assert_eq!(value(&text, "pmagg_pass_failures_total{"), "1");
        assert_eq!(value(&text, "pmagg_ticks_skipped_total{"), "1");
        assert_eq!(value(&text, "pmagg_last_pass_success_timestamp_seconds{"), "1700000000");
        assert_eq!(value(&text, "pmagg_source_fetches_total{source=\"a\",outcome=\"ok\"}"), "1");
        assert_eq!(
            value(&text, "pmagg_source_fetches_total{source=\"a\",outcome=\"not_modified\"}"),
            "1"
        );
        assert_eq!(
            value(
                &text,
                "pmagg_source_fetches_total{source=\"b \\\"quoted\\\"\",outcome=\"failed\"}"
            ),
            "1"
        );
        // Buckets are cumulative: 30 ms and 120 ms are both under 0.25 s, only one under 0.1 s.
        assert_eq!(
            value(&text, "pmagg_source_fetch_duration_seconds_bucket{source=\"a\",le=\"0.1\"}"),
            "1"
        );
        assert_eq!(
            value(&text, "pmagg_source_fetch_duration_seconds_bucket{source=\"a\",le=\"0.25\"}"),
            "2"
        );
        assert_eq!(
            value(
                &text,
                "pmagg_source_fetch_duration_seconds_bucket{source=\"b \\\"quoted\\\"\",le=\"60\"}"
            ),
            "0"
        );
        assert_eq!(
            value(
                &text,
                "pmagg_source_fetch_duration_seconds_bucket{source=\"b \\\"quoted\\\"\",le=\"+Inf\"}"
            ),
            "1"
        );
        assert_eq!(value(&text, "pmagg_source_fetch_duration_seconds_count{source=\"a\"}"), "2");
        assert_eq!(value(&text, "pmagg_entries_new_total"), "4");
        assert_eq!(value(&text, "pmagg_entries "), "42");
        assert_eq!(value(&text, "pmagg_postmortems "), "7");
    }

    #[test]
    fn every_family_has_help_and_type_and_samples_follow_their_family() {
        let mut metrics = Metrics::new(["s"]);
        metrics.record_source(&report("a", SourceOutcome::NotModified, 1));
        metrics.record_store(&[], 1, 0);
        let text = metrics.render();
        let mut family = String::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                family = rest.split(' ').next().unwrap().to_owned();
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                assert!(name.starts_with(&family), "{name} outside {family}");
            }
        }
        let helps = text.lines().filter(|l| l.starts_with("# HELP")).count();
        let types = text.lines().filter(|l| l.starts_with("# TYPE")).count();
        assert_eq!(helps, types);
    }

    #[test]
    fn escapes_label_values() {
        assert_eq!(escape("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }
}
