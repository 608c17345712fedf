//! `pmagg daemon`: passes on cron schedules until SIGTERM or SIGINT.
//!
//! Takes a validated config and the store; when a schedule ticks it runs a pass over the due
//! sources in a child process ([`pass`]: `pmagg daemon-pass`, which runs [`crate::pipeline::sync`]
//! and renders), and it serves `/healthz`, `/metrics` and `/feed.xml` when `settings.listen`
//! is set. It writes nothing itself: the daemon only reads the store (each source's backoff
//! before a pass, counts for the metrics after it). Which sources are due, how healthy the
//! daemon is and what the metrics say are pure functions and plain state in [`plan`],
//! [`health`] and [`metrics`].
//!
//! How it runs:
//!
//! - **Schedules.** Enabled sources are grouped by schedule (their own `schedule`, else
//!   `settings.schedule`; cron with seconds, in UTC). Each group is one tokio-cron-scheduler
//!   job, and each tick of it asks for one pass over the group's sources.
//! - **No overlap.** Passes run one at a time, in one runner task, so a source (which belongs
//!   to exactly one group) is never polled twice at once, and the global and per-host limits
//!   hold across schedules. A tick whose schedule still has a pass queued or running is skipped
//!   and logged (`pmagg_ticks_skipped_total`); a tick of another schedule waits its turn.
//! - **Backoff.** At the start of a pass the sources whose stored `next_attempt_at` lies in the
//!   future are left out (see `fetch::backoff` for how it grows). The time is in the
//!   database, so a restart keeps it; a success clears it and the source is back on its
//!   schedule. A hand-typed `pmagg sync` ignores backoff: it polls what the user asked for.
//! - **Jitter.** Each source waits a random moment before its first request (a tenth of the
//!   shortest schedule period, at most [`plan::MAX_START_JITTER`]), so sources on the same
//!   host that tick together arrive spread out.
//! - **Memory.** Between passes only the scheduler, the HTTP server and an idle store
//!   connection stay: everything a pass allocates goes away with its process.
//! - **Stopping.** The first SIGTERM or SIGINT stops the scheduler, marks `/healthz` 503 and
//!   lets the running pass finish for up to `settings.shutdown_grace_secs`. After that the pass
//!   is cut short: the daemon closes the pass process's stdin, the process drops its requests
//!   in flight, lets a store write that had begun complete (a write is one transaction, so the
//!   others leave no trace) and exits; the daemon waits for it for up to
//!   [`STORE_RELEASE_WAIT`], then kills it. A second signal returns at once: the pass process
//!   is killed, or stops as above when the daemon's exit closes its stdin; SQLite rolls back
//!   whatever transaction that cuts short.

pub mod health;
mod http;
pub mod links;
pub mod metrics;
pub mod pass;
pub mod plan;

use health::{Health, PassResult};
use metrics::Metrics;
use pass::PassCommand;
use plan::Group;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};
use tracing::{Instrument, error, info, info_span, warn};

use crate::config::{Config, Settings};
use crate::pipeline::{SharedStore, SourceOutcome, SyncReport, describe};
use crate::store::{Store, StoreError};

/// After the grace period, how long a pass is given to finish a store write already under
/// way before it is killed.
pub const STORE_RELEASE_WAIT: Duration = Duration::from_secs(10);

/// What the daemon needs besides the config.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to serve `/healthz`, `/metrics` and `/feed.xml` (none: no server).
    pub listen: Option<SocketAddr>,
    /// The rendered feed file served at `/feed.xml`.
    pub feed: Option<PathBuf>,
    /// The site, served beside them on `listen`.
    pub site: Option<crate::web::Site>,
    /// How to start a pass process.
    pub pass: PassCommand,
}

/// How the daemon stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// After the first signal, with no pass running or the running one finished in time.
    Finished,
    /// After the first signal; the running pass outlived the grace period and was dropped.
    RolledBack,
    /// By a second signal, at once.
    Forced,
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// The config enables no source.
    #[error("no enabled sources: nothing to schedule")]
    NothingToSchedule,
    /// A schedule could not be turned into a cron job.
    #[error("cannot schedule {schedule:?}: {detail}")]
    Schedule {
        /// The cron expression.
        schedule: String,
        /// What the scheduler said.
        detail: String,
    },
    /// The scheduler failed to start.
    #[error("cannot start the scheduler")]
    Scheduler {
        /// Why.
        #[source]
        source: JobSchedulerError,
    },
    /// `settings.listen` (or `--listen`) could not be bound.
    #[error("cannot listen on {addr}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The signal handlers could not be installed.
    #[error("cannot install the SIGTERM/SIGINT handlers")]
    Signal {
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Runs the daemon until SIGTERM or SIGINT, then stops as the module docs describe.
pub async fn run_until_signal(
    config: &Config,
    store: SharedStore,
    options: Options,
) -> Result<Stopped, ScheduleError> {
    // Before anything starts, so that a signal during startup is a clean stop too.
    let mut signals = Signals::install()?;
    let daemon = Daemon::start(config, store, options).await?;
    let signal = signals.recv().await;
    info!(
        signal,
        grace_secs = config.settings.shutdown_grace.as_secs(),
        "stopping: no new passes; the running one may finish"
    );
    tokio::select! {
        stopped = daemon.stop() => {
            info!(?stopped, "stopped");
            Ok(stopped)
        }
        signal = signals.recv() => {
            warn!(signal, "second signal: exiting at once");
            Ok(Stopped::Forced)
        }
    }
}

/// A started daemon.
struct Daemon {
    shared: Arc<Shared>,
    scheduler: JobScheduler,
    runner: JoinHandle<()>,
    server: Option<JoinHandle<()>>,
    stop: watch::Sender<bool>,
}

/// What the scheduler's jobs, the runner and the HTTP server share.
struct Shared {
    settings: Settings,
    groups: Vec<Group>,
    /// Per group: a pass is queued or running.
    pending: Vec<AtomicBool>,
    store: SharedStore,
    pass: PassCommand,
    /// The longest random delay before a source's first request (see [`plan::start_jitter`]).
    start_jitter: Duration,
    /// Turns true when the grace period is over: the running pass is cut short.
    cut_short: watch::Sender<bool>,
    health: Arc<Mutex<Health>>,
    metrics: Arc<Mutex<Metrics>>,
}

impl Daemon {
    async fn start(
        config: &Config,
        store: SharedStore,
        options: Options,
    ) -> Result<Self, ScheduleError> {
        let now = Utc::now();
        let groups = plan::groups(config, now)
            .map_err(|(schedule, detail)| ScheduleError::Schedule { schedule, detail })?;
        if groups.is_empty() {
            return Err(ScheduleError::NothingToSchedule);
        }
        let start_jitter = plan::start_jitter(&groups);
        let health = Health::new(now, groups.iter().map(|g| (g.schedule.clone(), g.period)));
        let metrics = Metrics::new(groups.iter().map(|g| g.schedule.as_str()));
        let shared = Arc::new(Shared {
            settings: config.settings.clone(),
            pending: groups.iter().map(|_| AtomicBool::new(false)).collect(),
            groups,
            store,
            pass: options.pass,
            start_jitter,
            cut_short: watch::channel(false).0,
            health: Arc::new(Mutex::new(health)),
            metrics: Arc::new(Mutex::new(metrics)),
        });

        // Bind first: a taken port is a startup error, not a silently missing health check.
        let server = match options.listen {
            Some(addr) => {
                let listener = TcpListener::bind(addr)
                    .await
                    .map_err(|source| ScheduleError::Listen { addr, source })?;
                let endpoints = Arc::new(http::Endpoints {
                    health: Arc::clone(&shared.health),
                    metrics: Arc::clone(&shared.metrics),
                    feed: options.feed,
                });
                info!(%addr, "serving the site, /healthz, /metrics and /feed.xml");
                Some(tokio::spawn(http::serve(listener, endpoints, options.site)))
            }
            None => None,
        };

        // Unbounded in type only: a group queues at most one pass (see `Shared::pending`).
        let (queue, queued) = mpsc::unbounded_channel();
        let (stop, stopped) = watch::channel(false);
        let runner = tokio::spawn(run_passes(Arc::clone(&shared), queued, stopped));

        let scheduler =
            JobScheduler::new().await.map_err(|source| ScheduleError::Scheduler { source })?;
        for (index, group) in shared.groups.iter().enumerate() {
            let tick_shared = Arc::clone(&shared);
            let queue = queue.clone();
            let job = Job::new_async(group.schedule.as_str(), move |_, _| {
                tick_shared.tick(index, &queue);
                Box::pin(async {})
            })
            .map_err(|err| ScheduleError::Schedule {
                schedule: group.schedule.clone(),
                detail: err.to_string(),
            })?;
            scheduler.add(job).await.map_err(|source| ScheduleError::Scheduler { source })?;
        }
        if let Some(job) = links::job(config, &shared.store, &shared.metrics)? {
            scheduler.add(job).await.map_err(|source| ScheduleError::Scheduler { source })?;
        }
        scheduler.start().await.map_err(|source| ScheduleError::Scheduler { source })?;
        info!(
            schedules = shared.groups.len(),
            sources = shared.groups.iter().map(|g| g.sources.len()).sum::<usize>(),
            "daemon started"
        );
        Ok(Self { shared, scheduler, runner, server, stop })
    }

    async fn stop(mut self) -> Stopped {
        lock(&self.shared.health).set_stopping();
        if let Err(err) = self.scheduler.shutdown().await {
            warn!(error = %err, "cannot stop the scheduler cleanly");
        }
        // Ignored error: the runner is already gone, which is what we want.
        let _ = self.stop.send(true);
        let grace = self.shared.settings.shutdown_grace;
        let stopped = if tokio::time::timeout(grace, &mut self.runner).await.is_ok() {
            Stopped::Finished
        } else {
            warn!(
                grace_secs = grace.as_secs(),
                "the running pass outlived the grace period: cutting it short"
            );
            self.shared.cut_short.send_replace(true);
            // The pass process gets STORE_RELEASE_WAIT, then is killed; a little more here
            // lets the runner see it go.
            let wait = STORE_RELEASE_WAIT + Duration::from_secs(2);
            if tokio::time::timeout(wait, &mut self.runner).await.is_err() {
                self.runner.abort();
                let _ = (&mut self.runner).await;
            }
            Stopped::RolledBack
        };
        // A store call already on the blocking pool cannot be cancelled: let it finish, so that
        // returning cannot cut its transaction short.
        let store = Arc::clone(&self.shared.store);
        let released = tokio::task::spawn_blocking(move || drop(lock(&store)));
        if tokio::time::timeout(STORE_RELEASE_WAIT, released).await.is_err() {
            warn!("a store write is still under way; SQLite will roll it back");
        }
        if let Some(server) = self.server {
            server.abort();
        }
        stopped
    }
}

impl Shared {
    /// A tick of group `index`: queue a pass unless one is queued or running already.
    fn tick(&self, index: usize, queue: &mpsc::UnboundedSender<usize>) {
        let schedule = &self.groups[index].schedule;
        if self.pending[index].swap(true, Ordering::AcqRel) {
            info!(%schedule, "tick skipped: the previous pass of this schedule has not finished");
            lock(&self.metrics).record_skipped_tick(schedule);
        } else if queue.send(index).is_err() {
            // The runner has stopped: so has the daemon.
            self.pending[index].store(false, Ordering::Release);
        }
    }

    /// One pass over the due sources of group `index`.
    async fn run_pass(&self, index: usize) {
        let group = &self.groups[index];
        let span = info_span!("tick", schedule = %group.schedule);
        async {
            let started = Instant::now();
            let now = Utc::now();
            let result = match read_store(&self.store, Store::source_states).await {
                Ok(states) => {
                    let due = plan::due_sources(&group.sources, &states, now);
                    let backing_off = group.sources.len() - due.len();
                    if backing_off > 0 {
                        info!(backing_off, due = due.len(), "leaving out sources that back off");
                    }
                    let polled = due.len() as u64;
                    self.sync(&due).await.map(|report| (polled, report))
                }
                Err(err) => Err(describe(&err)),
            };
            let finished = Utc::now();
            let secs = started.elapsed().as_secs_f64();
            match &result {
                Ok((polled, report)) => {
                    let ran = PassResult::Ran { polled: *polled, failed: report.sources_failed };
                    lock(&self.health).record_pass(index, finished, ran);
                    lock(&self.metrics).record_pass(&group.schedule, Some(report), finished, secs);
                }
                Err(error) => {
                    error!(%error, "pass failed");
                    lock(&self.health).record_pass(
                        index,
                        finished,
                        PassResult::Failed(error.clone()),
                    );
                    lock(&self.metrics).record_pass(&group.schedule, None, finished, secs);
                }
            }
            self.refresh_gauges().await;
            self.release_memory().await;
        }
        .instrument(span)
        .await;
    }

    /// Between passes the daemon needs almost nothing: the pass's memory left with its
    /// process, and here the page cache of the daemon's own reads (states and counts of every
    /// source) and what the allocator kept from them go back to the system too.
    #[allow(unsafe_code, reason = "malloc_trim has no safe wrapper; see the SAFETY note")]
    async fn release_memory(&self) {
        if let Err(err) = read_store(&self.store, Store::release_memory).await {
            warn!(error = %describe(&err), "cannot shrink the page cache");
        }
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only returns free memory of glibc's heaps to the system; it
        // takes the arenas' locks itself and touches no memory in use.
        unsafe {
            libc::malloc_trim(0);
        }
    }

    /// A pass over `sources` in a pass process, counting each source's outcome.
    async fn sync(&self, sources: &[crate::config::Source]) -> Result<SyncReport, String> {
        if sources.is_empty() {
            return Ok(SyncReport::default());
        }
        let names = sources.iter().map(|source| source.name.to_string()).collect();
        let cut_short = self.cut_short.subscribe();
        pass::run(&self.pass, names, self.start_jitter, cut_short, |report| {
            match &report.outcome {
                SourceOutcome::Ok { counts, .. } => info!(
                    source = %report.source,
                    new = counts.new,
                    updated = counts.updated,
                    duration_ms = report.duration_ms,
                    "source polled"
                ),
                SourceOutcome::NotModified => {
                    info!(source = %report.source, duration_ms = report.duration_ms, "source not modified");
                }
                // The pass process has logged the failure with its error.
                SourceOutcome::Failed { .. } => {}
            }
            lock(&self.metrics).record_source(report);
        })
        .await
    }

    /// Database gauges: failures and backoff per source, entries, postmortems.
    async fn refresh_gauges(&self) {
        let read = read_store(&self.store, |store| {
            Ok((store.source_states()?, store.count_entries()?, store.count_postmortems()?))
        })
        .await;
        match read {
            Ok((states, entries, postmortems)) => {
                let mut health = lock(&self.health);
                for (index, group) in self.groups.iter().enumerate() {
                    let failing = group
                        .sources
                        .iter()
                        .filter(|source| {
                            states
                                .iter()
                                .any(|s| s.name == source.name && s.consecutive_failures > 0)
                        })
                        .count();
                    health.record_failing(index, failing, group.sources.len());
                }
                drop(health);
                lock(&self.metrics).record_store(&states, entries, postmortems);
            }
            Err(err) => warn!(error = %describe(&err), "cannot read the database for metrics"),
        }
    }
}

/// The runner: one pass at a time, in tick order, until told to stop.
async fn run_passes(
    shared: Arc<Shared>,
    mut queued: mpsc::UnboundedReceiver<usize>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let index = tokio::select! {
            biased;
            _ = stop.wait_for(|stop| *stop) => return,
            next = queued.recv() => match next {
                Some(index) => index,
                None => return,
            },
        };
        shared.run_pass(index).await;
        shared.pending[index].store(false, Ordering::Release);
    }
}

/// Runs a read on the blocking pool, as the pipeline does with every store call.
async fn read_store<T: Send + 'static>(
    store: &SharedStore,
    read: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = Arc::clone(store);
    match tokio::task::spawn_blocking(move || read(&lock(&store))).await {
        Ok(result) => result,
        Err(err) => std::panic::resume_unwind(err.into_panic()),
    }
}

/// The daemon's state is plain data; a panic elsewhere leaves it usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// SIGTERM and SIGINT (Ctrl-C elsewhere than Unix).
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Result<Self, ScheduleError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let install = |kind| signal(kind).map_err(|source| ScheduleError::Signal { source });
            Ok(Self {
                term: install(SignalKind::terminate())?,
                int: install(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Waits for the next signal and names it.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn shared(dir: &Path) -> Shared {
        let config = crate::config::parse(
            "[settings]\nschedule = \"* * * * * *\"\n\
             [[source]]\nname = \"a\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:9/feed.xml\"\n",
            Path::new("t.toml"),
        )
        .unwrap();
        let groups = plan::groups(&config, Utc::now()).unwrap();
        let store = Store::open(&dir.join("d.db")).unwrap();
        Shared {
            settings: config.settings.clone(),
            pending: groups.iter().map(|_| AtomicBool::new(false)).collect(),
            health: Arc::new(Mutex::new(Health::new(
                Utc::now(),
                [(groups[0].schedule.clone(), None)],
            ))),
            metrics: Arc::new(Mutex::new(Metrics::new(["* * * * * *"]))),
            groups,
            store: Arc::new(Mutex::new(store)),
            // Never started here: the tests' passes have no due source.
            pass: PassCommand {
                program: "/nonexistent/pmagg".into(),
                args: Vec::new(),
                config: String::new(),
            },
            start_jitter: Duration::ZERO,
            cut_short: watch::channel(false).0,
        }
    }

    #[test]
    fn a_tick_while_its_pass_is_pending_is_skipped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let shared = shared(dir.path());
        let (queue, mut queued) = mpsc::unbounded_channel();
        shared.tick(0, &queue);
        shared.tick(0, &queue);
        shared.tick(0, &queue);
        assert_eq!(queued.try_recv().ok(), Some(0));
        assert!(queued.try_recv().is_err(), "one pass queued, two ticks skipped");
        let text = lock(&shared.metrics).render();
        assert!(text.contains("pmagg_ticks_skipped_total{schedule=\"* * * * * *\"} 2"), "{text}");
        // Once the pass is done, the next tick queues again.
        shared.pending[0].store(false, Ordering::Release);
        shared.tick(0, &queue);
        assert_eq!(queued.try_recv().ok(), Some(0));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_pass_leaves_out_sources_that_back_off_and_records_health() {
        let dir = tempfile::tempdir().unwrap();
        let shared = shared(dir.path());
        let name = crate::model::SourceName::new("a");
        {
            let mut store = lock(&shared.store);
            store
                .register_sources([(
                    &name,
                    crate::model::SourceKind::Feed,
                    "http://127.0.0.1:9/feed.xml",
                )])
                .unwrap();
            let later = Utc::now() + chrono::Duration::hours(1);
            store.record_failure(&name, None, "refused", Utc::now(), |_| later).unwrap();
        }
        shared.run_pass(0).await;
        let state = &lock(&shared.store).source_states().unwrap()[0];
        assert_eq!(state.consecutive_failures, 1, "the source was not polled");
        // The pass ran, but its only source is failing (and backing off): unhealthy.
        let reason = lock(&shared.health).check(Utc::now()).unwrap_err();
        assert!(reason.contains("every source of schedule"), "{reason}");
        let text = lock(&shared.metrics).render();
        assert!(text.contains("pmagg_passes_total{schedule=\"* * * * * *\"} 1"), "{text}");
        assert!(text.contains("pmagg_source_consecutive_failures{source=\"a\"} 1"), "{text}");
    }
}
