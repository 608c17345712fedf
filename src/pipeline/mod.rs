//! One pass over the sources: the only module that calls every stage.
//!
//! For each source, concurrently (at most `settings.concurrency` at once): read its stored
//! validators, fetch its endpoint with a conditional GET (trying the next endpoint, such as an
//! incident.io page's Atom feed, only when one fails), parse the body on a parsing thread,
//! fetch the report pages that entries point at and that are not stored yet, extract the
//! reports and decide each (see [`decide`]: a curator's mark, else the publisher's or a
//! curated list's word, else the classifier's; extraction itself gives only the last), and queue the entries with the new validators for the pass's writer, which stores
//! the writes that arrive close together in one transaction, each under its own savepoint
//! (see `start_writer`). The sources' reads go through a second, read-only connection, so
//! they never wait for a batch (see `Stores`). A source that fails is recorded (its
//! `last_error`, `consecutive_failures`, and a `next_attempt_at` from [`fetch::backoff`] that
//! the daemon honours; a success clears it) and reported; the pass goes on. The caller passes
//! `now` so that passes are deterministic under test.
//!
//! Why a source failed travels as a `SourceError` and becomes words ([`describe`]) only
//! where it is recorded and reported. This file runs the pass and one source's steps; the
//! report fetch is in `report`, the writer and the store's connections in `writer`, the
//! parsing threads in `workers`, and the error with its words in `error`.

mod error;
pub mod links;
mod report;
mod workers;
mod writer;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};
use tracing::{Instrument, debug, info, info_span, warn};

use self::error::SourceError;
pub use self::error::describe;
pub use self::report::MAX_REPORT_FETCHES;
use self::report::fetch_missing_reports;
use self::workers::Workers;
use self::writer::{
    QUEUED_WRITES_PER_SLOT, Stores, WriteResult, WriteSender, start_writer, with_store,
};
use crate::config::{Settings, Source};
use crate::extract;
use crate::fetch::{self, FetchRequest, Fetched, Fetcher};
use crate::model::{
    Decision, Document, Entry, EntryIdentity, Extracted, Hints, Postmortem, SourceName, Validators,
    Verdicts, WriteCounts,
};
use crate::parse::{self, Endpoint};
use crate::store::{ExtractionState, ReportFailure, SourceWrite, Store, StoreError};

/// What happened to one source in a pass.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceReport {
    /// The source.
    pub source: SourceName,
    /// The URL fetched.
    pub url: String,
    /// The outcome.
    #[serde(flatten)]
    pub outcome: SourceOutcome,
    /// Wall time spent on it, fetch and write included.
    pub duration_ms: u64,
}

/// The outcome of one source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SourceOutcome {
    /// A body was fetched, parsed and stored.
    Ok {
        /// What the write changed.
        #[serde(flatten)]
        counts: WriteCounts,
        /// The report pages fetched for its entries in this pass.
        #[serde(default)]
        reports: ReportCounts,
    },
    /// The server answered 304.
    NotModified,
    /// Fetching, parsing or storing failed.
    Failed {
        /// The HTTP status, when one was received.
        status: Option<u16>,
        /// The error and its causes, one line.
        error: String,
    },
}

/// The report pages (articles) a source's entries point at, fetched in one pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCounts {
    /// Pages fetched and read.
    pub reports_fetched: u64,
    /// Pages that could not be fetched or read.
    pub reports_failed: u64,
    /// Why the last of those failed, with its URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_report_error: Option<String>,
    /// The URL of that page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_report_url: Option<String>,
}

impl ReportCounts {
    /// The index answered but none of the report pages it points at could be had: the
    /// source is degraded, not ok (#16).
    pub fn is_degraded(&self) -> bool {
        self.reports_fetched == 0 && self.reports_failed > 0
    }
}

/// A source that failed or is degraded, with why, as `--json` lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceProblem {
    /// The source.
    pub source: SourceName,
    /// Its URL.
    pub url: String,
    /// The error and its causes.
    pub error: String,
}

/// The summary of a pass.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
// A pass process of an older pmagg (mid-upgrade) sends no degraded or report-page counts.
#[serde(default)]
pub struct SyncReport {
    /// Sources fetched, parsed and stored.
    pub sources_ok: u64,
    /// Sources that failed.
    pub sources_failed: u64,
    /// Sources whose index was stored but none of whose report pages could be fetched.
    pub sources_degraded: u64,
    /// Report pages fetched and read, over every source.
    pub reports_fetched: u64,
    /// Report pages that could not be fetched or read, over every source.
    pub reports_failed: u64,
    /// Sources that answered 304.
    pub sources_not_modified: u64,
    /// Entries stored for the first time.
    pub entries_new: u64,
    /// Entries whose content changed.
    pub entries_updated: u64,
    /// Entries seen again unchanged.
    pub entries_unchanged: u64,
    /// Wall time of the pass.
    pub duration_ms: u64,
    /// Every failure, in the order they finished.
    pub failures: Vec<SourceProblem>,
    /// Every degraded source, with the last report page's error.
    pub degraded: Vec<SourceProblem>,
}

impl SyncReport {
    fn add(&mut self, report: &SourceReport) {
        match &report.outcome {
            SourceOutcome::Ok { counts, reports } => {
                self.reports_fetched += reports.reports_fetched;
                self.reports_failed += reports.reports_failed;
                if reports.is_degraded() {
                    self.sources_degraded += 1;
                    self.degraded.push(SourceProblem {
                        source: report.source.clone(),
                        url: report.url.clone(),
                        error: degraded_error(reports),
                    });
                } else {
                    self.sources_ok += 1;
                }
                self.entries_new += counts.new;
                self.entries_updated += counts.updated;
                self.entries_unchanged += counts.unchanged;
            }
            SourceOutcome::NotModified => self.sources_not_modified += 1,
            SourceOutcome::Failed { error, .. } => {
                self.sources_failed += 1;
                self.failures.push(SourceProblem {
                    source: report.source.clone(),
                    url: report.url.clone(),
                    error: error.clone(),
                });
            }
        }
    }
}

/// What a degraded source's line says: how many report pages failed, and the last error.
pub fn degraded_error(reports: &ReportCounts) -> String {
    format!(
        "the index answered, but none of its {} report page{} could be fetched (last: {})",
        reports.reports_failed,
        if reports.reports_failed == 1 { "" } else { "s" },
        reports.last_report_error.as_deref().unwrap_or("unknown error")
    )
}

/// The store, shared by the blocking tasks of a pass. Writes serialize on the lock, as they
/// would in SQLite anyway; the lock is only ever taken on the blocking pool.
pub type SharedStore = Arc<Mutex<Store>>;

/// Runs one pass over `sources`. `on_source` is called as each source finishes (progress).
///
/// Fails only when the store cannot be used at all; every per-source failure is in the report.
pub async fn sync(
    store: &SharedStore,
    fetcher: &Arc<Fetcher>,
    sources: &[Source],
    settings: &Settings,
    now: DateTime<Utc>,
    mut on_source: impl FnMut(&SourceReport),
) -> Result<SyncReport, StoreError> {
    let started = Instant::now();
    let span = info_span!("pass", run_id = %now.timestamp_millis(), sources = sources.len());
    async move {
        let registered: Vec<_> =
            sources.iter().map(|s| (s.name.clone(), s.kind, s.url.to_string())).collect();
        let (validators, verdicts) = with_store(store, move |store| {
            store.register_sources(registered.iter().map(|(n, k, u)| (n, *k, u.as_str())))?;
            Ok((store.validators()?, store.verdicts()?))
        })
        .await?;
        // Curator marks and curated links, read once: a mark made during the pass applies
        // to the stored rows at once (`pmagg mark`), and to new extractions from the next.
        let verdicts = Arc::new(verdicts);

        let threshold = settings.threshold;
        let max_backoff = settings.max_backoff;
        let bounds = SourceBounds {
            limits: parse::Limits::from_settings(settings),
            budget: settings.source_time_budget,
        };
        let mut report = SyncReport::default();
        let (writes, writer) =
            start_writer(store, settings.concurrency.max(1) * QUEUED_WRITES_PER_SLOT);
        let stores = Stores::open(store).await;
        // The parsing threads live as long as the pass: the last source's clone ends them.
        let workers = Workers::start();
        let started_at = tokio::time::Instant::now();
        let offsets = fetcher.start_offsets(sources.len());
        // The stream owns the queue's sender: once every source has run, the stream is
        // dropped and the writer stores its last batch at once instead of lingering.
        let mut results = Some(
            futures_util::stream::iter(offsets.into_iter().zip(sources.iter().cloned()))
                .map(move |(offset, source)| {
                    let validators = validators.get(&source.name).cloned().unwrap_or_default();
                    sync_source(
                        stores.clone(),
                        workers.clone(),
                        writes.clone(),
                        Arc::clone(fetcher),
                        source,
                        validators,
                        Arc::clone(&verdicts),
                        threshold,
                        max_backoff,
                        bounds,
                        started_at + offset,
                        now,
                    )
                })
                .buffer_unordered(settings.concurrency.max(1)),
        );
        // A source leaves its concurrency slot once its write is queued; the writes still
        // under way are awaited here, beside the sources still running.
        let mut writing = FuturesUnordered::new();
        let mut finish = |source_report: SourceReport| {
            report.add(&source_report);
            on_source(&source_report);
        };
        loop {
            tokio::select! {
                step = next_step(&mut results), if results.is_some() => match step {
                    Some(Step::Done(source_report)) => finish(source_report),
                    Some(Step::Writing(write)) => writing.push(write),
                    None => results = None,
                },
                Some(source_report) = writing.next(), if !writing.is_empty() => {
                    finish(source_report);
                }
                else => break,
            }
        }
        // Every write was answered above; the writer ends with its queue.
        if let Err(err) = writer.await {
            warn!(error = %err, "the writer ended abnormally");
        }
        report.duration_ms = millis(started);
        info!(
            ok = report.sources_ok,
            not_modified = report.sources_not_modified,
            failed = report.sources_failed,
            new = report.entries_new,
            updated = report.entries_updated,
            duration_ms = report.duration_ms,
            "pass finished"
        );
        Ok(report)
    }
    .instrument(span)
    .await
}

/// The next source to leave its slot; `None` once all have.
async fn next_step<S: futures_util::Stream<Item = Step> + Unpin>(
    results: &mut Option<S>,
) -> Option<Step> {
    match results {
        Some(results) => results.next().await,
        None => None,
    }
}

/// Where a source stands when it leaves its concurrency slot: done, or its write queued.
enum Step {
    Done(SourceReport),
    Writing(BoxFuture<'static, SourceReport>),
}

/// How a source's run ended: unchanged (304), or with its write queued for the writer.
enum Ran {
    NotModified,
    Queued { status: u16, result: WriteResult, reports: ReportCounts },
}

/// What fetching and parsing a source's endpoint gave.
enum Parsed {
    NotModified,
    Entries { status: u16, validators: Validators, entries: Vec<Entry> },
}

/// What bounds one source's work in a pass (`[settings]`).
#[derive(Debug, Clone, Copy)]
struct SourceBounds {
    /// What parsing one body may cost.
    limits: parse::Limits,
    /// The source's whole time: fetches, retries, report pages, parsing and its write.
    budget: Duration,
}

#[allow(clippy::too_many_arguments, reason = "one source's inputs, passed straight through")]
async fn sync_source(
    stores: Stores,
    workers: Workers,
    writes: WriteSender,
    fetcher: Arc<Fetcher>,
    source: Source,
    validators: Validators,
    verdicts: Arc<Verdicts>,
    threshold: f32,
    max_backoff: Duration,
    bounds: SourceBounds,
    not_before: tokio::time::Instant,
    now: DateTime<Utc>,
) -> Step {
    tokio::time::sleep_until(not_before).await;
    let started = Instant::now();
    let span = info_span!("source", source = %source.name, url = %source.url);
    let name = source.name.clone();
    let url = source.url.to_string();
    let ran = async {
        // Past its budget the source's work is dropped: requests in flight are cancelled and
        // a parse already running on a parsing thread finishes unobserved. The budget ends
        // when the write is queued: the writer runs it whole or rolls it back whole.
        let run = run_source(
            &stores,
            &workers,
            &writes,
            &fetcher,
            source,
            validators,
            verdicts,
            threshold,
            bounds.limits,
            now,
        );
        tokio::time::timeout(bounds.budget, run)
            .await
            .unwrap_or(Err(SourceError::Budget { budget: bounds.budget }))
    }
    .instrument(span.clone())
    .await;
    let recorder = FailureRecorder { store: stores.main, name: name.clone(), now, max_backoff };
    let report =
        move |outcome| SourceReport { source: name, url, outcome, duration_ms: millis(started) };
    match ran {
        Ok(Ran::NotModified) => Step::Done(report(SourceOutcome::NotModified)),
        Err(error) => Step::Done(report(recorder.record(error).instrument(span).await)),
        Ok(Ran::Queued { status, result, reports }) => Step::Writing(Box::pin(
            async move {
                let outcome = match result.await {
                    Ok(Ok(counts)) => SourceOutcome::Ok { counts, reports },
                    Ok(Err(source)) => {
                        recorder.record(SourceError::Store { status: Some(status), source }).await
                    }
                    Err(_) => recorder.record(SourceError::WriteLost { status }).await,
                };
                report(outcome)
            }
            .instrument(span),
        )),
    }
}

/// Records a source's failure in the store: what recording it needs.
struct FailureRecorder {
    store: SharedStore,
    name: SourceName,
    now: DateTime<Utc>,
    max_backoff: Duration,
}

impl FailureRecorder {
    /// Records the failure (its error, and when to try again) and returns the outcome: here
    /// the error becomes words.
    async fn record(self, failure: SourceError) -> SourceOutcome {
        let (status, retry_after) = (failure.status(), failure.retry_after());
        let error = describe(&failure);
        warn!(%error, "source failed");
        let Self { store, name, now, max_backoff } = self;
        let recorded = error.clone();
        if let Err(store_err) = with_store(&store, move |store| {
            store.record_failure(&name, status, &recorded, now, |failures| {
                fetch::backoff::next_attempt_at(now, failures, retry_after, max_backoff)
            })
        })
        .await
        {
            warn!(error = %describe(&store_err), "cannot record the failure");
        }
        SourceOutcome::Failed { status, error }
    }
}

/// Fetch (trying each endpoint until one works), parse, fetch missing reports, store.
#[allow(clippy::too_many_arguments, reason = "one source's inputs, passed straight through")]
async fn run_source(
    stores: &Stores,
    workers: &Workers,
    writes: &WriteSender,
    fetcher: &Arc<Fetcher>,
    source: Source,
    validators: Validators,
    verdicts: Arc<Verdicts>,
    threshold: f32,
    limits: parse::Limits,
    now: DateTime<Utc>,
) -> Result<Ran, SourceError> {
    let source = Arc::new(source);
    let mut first_failure = None;
    let mut parsed = None;
    for endpoint in parse::endpoints(&source) {
        match fetch_endpoint(fetcher, workers, &source, endpoint, &validators, limits).await {
            Ok(result) => {
                parsed = Some(result);
                break;
            }
            Err(error) => {
                debug!(error = %describe(&error), "endpoint failed");
                first_failure.get_or_insert(error);
            }
        }
    }
    let Some(parsed) = parsed else {
        return Err(first_failure.unwrap_or(SourceError::NoEndpoint));
    };
    let (status, validators, mut entries) = match parsed {
        Parsed::NotModified => {
            let name = source.name.clone();
            return with_store(&stores.main, move |store| store.record_not_modified(&name, now))
                .await
                .map(|()| Ran::NotModified)
                .map_err(|source| SourceError::Store { status: None, source });
        }
        Parsed::Entries { status, validators, entries } => (status, validators, entries),
    };

    let reports =
        fetch_missing_reports(&stores.reader, workers, fetcher, &source, &mut entries, limits)
            .await;

    let (entries, extracted) = {
        let source = Arc::clone(&source);
        let reader = Arc::clone(&stores.reader);
        // The read of what was extracted before runs in the same job as the extraction, not
        // in a trip through the blocking pool (bench/README.md, round 4). The reader is a
        // connection of its own (WAL), so the writer's commits do not hold it (only an
        // in-memory database has none: its reads wait for the writer's commit).
        workers
            .run(move || {
                let states = reader
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extraction_states(&source.name)?;
                let extracted = extract_reports(&source, &entries, &states, &verdicts, threshold);
                Ok::<_, StoreError>((entries, extracted))
            })
            .await
            .map_err(|panic| SourceError::Panic { status: Some(status), panic })?
            .map_err(|source| SourceError::Store { status: Some(status), source })?
    };

    let report_failure = reports
        .last_report_error
        .clone()
        .map(|error| ReportFailure { url: reports.last_report_url.clone(), error });
    let write = SourceWrite {
        name: source.name.clone(),
        status,
        validators,
        entries,
        extracted,
        at: now,
        report_failure,
    };
    let (sender, result) = tokio::sync::oneshot::channel();
    writes.send((write, sender)).await.map_err(|_| SourceError::WriterStopped { status })?;
    Ok(Ran::Queued { status, result, reports })
}

async fn fetch_endpoint(
    fetcher: &Arc<Fetcher>,
    workers: &Workers,
    source: &Arc<Source>,
    endpoint: Endpoint,
    validators: &Validators,
    limits: parse::Limits,
) -> Result<Parsed, SourceError> {
    let request = FetchRequest { url: &endpoint.url, accept: source.kind.accept(), validators };
    let response = match fetcher.fetch(request).await {
        Ok(Fetched::NotModified) => return Ok(Parsed::NotModified),
        Ok(Fetched::Body(response)) => response,
        Err(err) => return Err(SourceError::Fetch(err)),
    };
    let source = Arc::clone(source);
    // Parsing is CPU work: keep it off the async threads.
    let status = response.status;
    workers
        .run(move || {
            let entries = parse::parse_entries(
                &source,
                endpoint.format,
                &response.body,
                &response.final_url,
                response.content_type.as_deref(),
                &worth_a_look,
                limits,
            )
            .map_err(|source| SourceError::Parse { status: response.status, source })?;
            Ok(Parsed::Entries {
                status: response.status,
                validators: response.validators,
                entries,
            })
        })
        .await
        .unwrap_or_else(|panic| Err(SourceError::Panic { status: Some(status), panic }))
}

/// The extractor's prescreen as parse wants it: may this feed item be a postmortem?
pub fn worth_a_look(title: Option<&str>, summary: Option<&str>) -> bool {
    extract::prescreen(title, summary) >= extract::PRESCREEN_THRESHOLD
}

/// Runs extraction on every candidate whose report is new, changed, or was extracted by an
/// older extractor, and decides each (see [`decide`]). CPU work: run it on a parsing thread
/// ([`Workers::run`]).
fn extract_reports(
    source: &Source,
    entries: &[Entry],
    states: &HashMap<EntryIdentity, ExtractionState>,
    verdicts: &Verdicts,
    threshold: f32,
) -> Vec<Extracted> {
    entries
        .iter()
        .filter(|entry| entry.candidate)
        .filter_map(|entry| {
            let report = entry.report.as_ref()?;
            let fresh = states.get(&entry.identity).is_some_and(|(fingerprint, version)| {
                fingerprint.as_deref() == Some(report.fingerprint.as_str())
                    && *version >= extract::VERSION
            });
            if fresh {
                return None;
            }
            // The report is what is extracted: for a status page, its postmortem
            // (`postmortem_body`), never the incident's updates.
            let document = parse::report_document(report);
            let mut postmortem = extract_entry(&document, &hints(source, entry), entry, threshold);
            let decided_by = decide(verdicts, &source.name, entry, &mut postmortem);
            Some(Extracted {
                identity: entry.identity.clone(),
                report_fingerprint: Some(report.fingerprint.clone()),
                extractor_version: extract::VERSION,
                postmortem,
                decided_by,
                body: document.markdown,
            })
        })
        .collect()
}

/// Extracts `entry`'s report: with the classifier, unless the parse stage found that the
/// publisher or a curated list vouches for it ([`extract::extract_vouched`]).
pub fn extract_entry(
    document: &Document,
    hints: &Hints,
    entry: &Entry,
    threshold: f32,
) -> Postmortem {
    if entry.vouched_by.is_some() {
        extract::extract_vouched(document, hints)
    } else {
        extract::extract(document, hints, threshold)
    }
}

/// Makes `postmortem.is_postmortem` the final word on `entry` (extraction gives only the
/// classifier's): a curator's mark, else the publisher's or a curated list's, else the
/// classifier's. Returns where the word came from.
pub fn decide(
    verdicts: &Verdicts,
    source: &SourceName,
    entry: &Entry,
    postmortem: &mut Postmortem,
) -> Decision {
    let (is_postmortem, decided_by) = verdicts.decide(
        source,
        &entry.identity,
        &[entry.url.as_deref(), postmortem.url.as_deref()],
        postmortem.is_postmortem,
        entry.vouched_by,
    );
    postmortem.is_postmortem = is_postmortem;
    decided_by
}

/// What the source says about an entry, for extraction to fall back on.
pub fn hints(source: &Source, entry: &Entry) -> Hints {
    Hints {
        title: entry.title.clone(),
        company: entry.company.clone().or_else(|| Some(source.company.clone())),
        url: entry.url.clone(),
        published: entry.published,
        started_at: entry.incident.as_ref().and_then(|i| i.started_at),
        resolved_at: entry.incident.as_ref().and_then(|i| i.resolved_at),
    }
}

fn millis(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
