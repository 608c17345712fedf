//! Link checks in the daemon (issue #18): a cron job of their own on
//! `settings.links_schedule`, and their counters for `/metrics`.
//!
//! A check runs in the daemon's process (it only fetches headers and writes one small
//! transaction), never two at once: a tick that finds the previous check running is skipped
//! and logged, as passes are. The counters are kept here so that `/metrics` only has to call
//! `LinkMetrics::render`, whichever server serves it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::Utc;
use tokio_cron_scheduler::Job;
use tracing::{info, warn};

use super::ScheduleError;
use super::metrics::Metrics;
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::model::links::LinkStatus;
use crate::pipeline::SharedStore;
use crate::pipeline::links::{ArchiveKeys, LinkRun, check_links, gather_links};

/// Link-check counters: checks by outcome, runs, failed runs, and the last run's dead links.
#[derive(Debug, Clone, Default)]
pub struct LinkMetrics {
    checks: BTreeMap<&'static str, u64>,
    runs: u64,
    failed_runs: u64,
    dead: Option<u64>,
}

impl LinkMetrics {
    /// A run finished (`None`: it could not run).
    pub fn record(&mut self, run: Option<&LinkRun>) {
        let Some(run) = run else {
            self.failed_runs += 1;
            return;
        };
        self.runs += 1;
        for (outcome, n) in &run.outcomes {
            *self.checks.entry(outcome).or_default() += n;
        }
        self.dead =
            Some(run.reports.iter().filter(|r| r.status == LinkStatus::Dead).count() as u64);
    }

    /// Appends the families, with the exposition helpers of [`super::metrics`].
    pub(super) fn render(
        &self,
        out: &mut String,
        family: fn(&mut String, &str, &str, &str),
        sample: fn(&mut String, &str, &[(&str, &str)], f64),
    ) {
        let name = "pmagg_link_checks_total";
        family(out, name, "counter", "Link checks, by outcome (ok, broken, inconclusive).");
        for outcome in ["ok", "broken", "inconclusive"] {
            let n = self.checks.get(outcome).copied().unwrap_or(0);
            sample(out, name, &[("outcome", outcome)], n as f64);
        }
        family(out, "pmagg_link_runs_total", "counter", "Link-check runs that finished.");
        sample(out, "pmagg_link_runs_total", &[], self.runs as f64);
        family(
            out,
            "pmagg_link_run_failures_total",
            "counter",
            "Link-check runs that could not run.",
        );
        sample(out, "pmagg_link_run_failures_total", &[], self.failed_runs as f64);
        if let Some(dead) = self.dead {
            family(out, "pmagg_links_dead", "gauge", "Dead links after the last run.");
            sample(out, "pmagg_links_dead", &[], dead as f64);
        }
    }
}

/// The cron job for `settings.links_schedule`, when it is set.
pub(super) fn job(
    config: &Config,
    store: &SharedStore,
    metrics: &Arc<Mutex<Metrics>>,
) -> Result<Option<Job>, ScheduleError> {
    let Some(schedule) = config.settings.links.schedule.clone() else {
        return Ok(None);
    };
    let config = Arc::new(config.clone());
    let store = Arc::clone(store);
    let metrics = Arc::clone(metrics);
    let running = Arc::new(AtomicBool::new(false));
    let job = Job::new_async(schedule.as_str(), move |_, _| {
        let (config, store, metrics, running) =
            (Arc::clone(&config), Arc::clone(&store), Arc::clone(&metrics), Arc::clone(&running));
        Box::pin(async move {
            if running.swap(true, Ordering::AcqRel) {
                info!("link check skipped: the previous one has not finished");
                return;
            }
            let run = run_once(&config, &store).await;
            metrics.lock().unwrap_or_else(PoisonError::into_inner).links.record(run.as_ref());
            running.store(false, Ordering::Release);
        })
    })
    .map_err(|err| ScheduleError::Schedule {
        schedule: schedule.clone(),
        detail: err.to_string(),
    })?;
    info!(%schedule, "link checks scheduled");
    Ok(Some(job))
}

/// One link check over every link; `None` when it could not run (logged).
async fn run_once(config: &Config, store: &SharedStore) -> Option<LinkRun> {
    let links = {
        let store = store.lock().unwrap_or_else(PoisonError::into_inner);
        gather_links(config, &store)
    };
    let links = match links {
        Ok(links) => links,
        Err(err) => {
            warn!(error = %err, "link check: cannot gather the links");
            return None;
        }
    };
    let fetcher = match Fetcher::new(&config.settings) {
        Ok(fetcher) => fetcher,
        Err(err) => {
            warn!(error = %err, "link check: cannot start the HTTP client");
            return None;
        }
    };
    let keys = ArchiveKeys::from_env();
    let settings = &config.settings;
    match check_links(
        store,
        &fetcher,
        &links,
        &settings.links,
        settings.concurrency,
        keys.as_ref(),
        Utc::now(),
    )
    .await
    {
        Ok(run) => {
            for line in &run.saves {
                info!("{line}");
            }
            Some(run)
        }
        Err(err) => {
            warn!(error = %err, "link check failed");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::links::LinkRun;

    #[test]
    fn link_counters_render_per_outcome() {
        let mut metrics = Metrics::new(["* * * * * *"]);
        let mut run = LinkRun::default();
        run.outcomes.insert("ok", 5);
        run.outcomes.insert("broken", 2);
        metrics.links.record(Some(&run));
        metrics.links.record(Some(&run));
        metrics.links.record(None);
        let text = metrics.render();
        assert!(text.contains("pmagg_link_checks_total{outcome=\"ok\"} 10\n"), "{text}");
        assert!(text.contains("pmagg_link_checks_total{outcome=\"broken\"} 4\n"), "{text}");
        assert!(text.contains("pmagg_link_checks_total{outcome=\"inconclusive\"} 0\n"), "{text}");
        assert!(text.contains("pmagg_link_runs_total 2\n"), "{text}");
        assert!(text.contains("pmagg_link_run_failures_total 1\n"), "{text}");
        assert!(text.contains("pmagg_links_dead 0\n"), "{text}");
    }
}
