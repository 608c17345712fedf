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

pub mod links;

use std::error::Error as StdError;
use std::sync::{Arc, LazyLock, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};
use tracing::{Instrument, debug, info, info_span, warn};
use url::Url;

use std::collections::HashMap;

use crate::config::{Settings, Source};
use crate::extract;
use crate::fetch::{self, FetchRequest, Fetched, Fetcher};
use crate::model::{
    Decision, Entry, EntryIdentity, Extracted, Hints, Postmortem, Report, SourceName, Validators,
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

/// A failed source, as `--json` lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
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
    pub failures: Vec<Failure>,
    /// Every degraded source, with the last report page's error.
    pub degraded: Vec<Failure>,
}

impl SyncReport {
    fn add(&mut self, report: &SourceReport) {
        match &report.outcome {
            SourceOutcome::Ok { counts, reports } => {
                self.reports_fetched += reports.reports_fetched;
                self.reports_failed += reports.reports_failed;
                if reports.is_degraded() {
                    self.sources_degraded += 1;
                    self.degraded.push(Failure {
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
                self.failures.push(Failure {
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
        let bounds = Bounds {
            limits: parse::Limits::from_settings(settings),
            budget: settings.source_time_budget,
        };
        let mut report = SyncReport::default();
        let (writes, writer) =
            start_writer(store, settings.concurrency.max(1) * QUEUED_WRITES_PER_SLOT);
        let stores = Stores::open(store).await;
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

/// At most this many report pages are fetched for one source in one pass; the rest wait for
/// the next pass (a status page lists about 50 incidents).
pub const MAX_REPORT_FETCHES: usize = 100;

/// Why a source failed: the HTTP status when there was one, the message, and the wait the
/// server's `Retry-After` asked for (which the backoff honours).
type Failed = (Option<u16>, String, Option<Duration>);

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
struct Bounds {
    /// What parsing one body may cost.
    limits: parse::Limits,
    /// The source's whole time: fetches, retries, report pages, parsing and its write.
    budget: Duration,
}

#[allow(clippy::too_many_arguments, reason = "one source's inputs, passed straight through")]
async fn sync_source(
    stores: Stores,
    writes: WriteSender,
    fetcher: Arc<Fetcher>,
    source: Source,
    validators: Validators,
    verdicts: Arc<Verdicts>,
    threshold: f32,
    max_backoff: Duration,
    bounds: Bounds,
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
            &writes,
            &fetcher,
            source,
            validators,
            verdicts,
            threshold,
            bounds.limits,
            now,
        );
        tokio::time::timeout(bounds.budget, run).await.unwrap_or_else(|_| {
            Err((
                None,
                format!(
                    "gave up after {} s: the source took longer than its time budget \
                     (source_time_budget_secs)",
                    bounds.budget.as_secs()
                ),
                None,
            ))
        })
    }
    .instrument(span.clone())
    .await;
    let failed = Failing { store: stores.main, name: name.clone(), now, max_backoff };
    let report =
        move |outcome| SourceReport { source: name, url, outcome, duration_ms: millis(started) };
    match ran {
        Ok(Ran::NotModified) => Step::Done(report(SourceOutcome::NotModified)),
        Err(failure) => Step::Done(report(failed.record(failure).instrument(span).await)),
        Ok(Ran::Queued { status, result, reports }) => Step::Writing(Box::pin(
            async move {
                let outcome = match result.await {
                    Ok(Ok(counts)) => SourceOutcome::Ok { counts, reports },
                    Ok(Err(err)) => failed.record((Some(status), describe(&err), None)).await,
                    Err(_) => {
                        let lost =
                            "the write was lost: the writer stopped (a bug; please report it)";
                        failed.record((Some(status), lost.to_owned(), None)).await
                    }
                };
                report(outcome)
            }
            .instrument(span),
        )),
    }
}

/// What recording a source's failure needs.
struct Failing {
    store: SharedStore,
    name: SourceName,
    now: DateTime<Utc>,
    max_backoff: Duration,
}

impl Failing {
    /// Records the failure (its error, and when to try again) and returns the outcome.
    async fn record(self, (status, error, retry_after): Failed) -> SourceOutcome {
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

/// The pass's connections to the store: `main` writes (the writer's batches, a source's
/// failure or 304), `reader` answers what each source reads before its write (what is
/// stored and extracted already). A batch holds `main` for a tenth of a second or more;
/// through their own connection the sources' reads go on meanwhile (WAL readers see the
/// last commit), where before they waited and the cores idled.
#[derive(Clone)]
struct Stores {
    main: SharedStore,
    reader: SharedStore,
}

impl Stores {
    async fn open(store: &SharedStore) -> Self {
        let main = Arc::clone(store);
        let reader =
            run_blocking(move || main.lock().unwrap_or_else(PoisonError::into_inner).reader())
                .await;
        // Without one, reads share the writer's connection, as they always did.
        let reader = match reader {
            Ok(Some(reader)) => Arc::new(Mutex::new(reader)),
            Ok(None) => Arc::clone(store),
            Err(err) => {
                debug!(error = %describe(&err), "no second connection for reads");
                Arc::clone(store)
            }
        };
        Self { main: Arc::clone(store), reader }
    }
}

/// Fetch (trying each endpoint until one works), parse, fetch missing reports, store.
#[allow(clippy::too_many_arguments, reason = "one source's inputs, passed straight through")]
async fn run_source(
    stores: &Stores,
    writes: &WriteSender,
    fetcher: &Arc<Fetcher>,
    source: Source,
    validators: Validators,
    verdicts: Arc<Verdicts>,
    threshold: f32,
    limits: parse::Limits,
    now: DateTime<Utc>,
) -> Result<Ran, Failed> {
    let source = Arc::new(source);
    let mut first_failure = None;
    let mut parsed = None;
    for endpoint in parse::endpoints(&source) {
        match fetch_endpoint(fetcher, &source, endpoint, &validators, limits).await {
            Ok(result) => {
                parsed = Some(result);
                break;
            }
            Err(failed) => {
                debug!(error = %failed.1, "endpoint failed");
                first_failure.get_or_insert(failed);
            }
        }
    }
    let Some(parsed) = parsed else {
        return Err(first_failure.unwrap_or((None, "the source has no endpoint".to_owned(), None)));
    };
    let (status, validators, mut entries) = match parsed {
        Parsed::NotModified => {
            let name = source.name.clone();
            return with_store(&stores.main, move |store| store.record_not_modified(&name, now))
                .await
                .map(|()| Ran::NotModified)
                .map_err(|err| (None, describe(&err), None));
        }
        Parsed::Entries { status, validators, entries } => (status, validators, entries),
    };

    let reports =
        fetch_missing_reports(&stores.reader, fetcher, &source, &mut entries, limits).await;

    let (entries, extracted) = {
        let source = Arc::clone(&source);
        let reader = Arc::clone(&stores.reader);
        // The read of what was extracted before runs in the same job as the extraction: a
        // trip through the blocking pool for it cost two thread wake-ups per source. The
        // reader is a connection of its own (WAL), so the writer's commits do not hold it
        // (only an in-memory database has none: its reads wait for the writer's commit).
        run_guarded(move || {
            let states = reader
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extraction_states(&source.name)?;
            let extracted = extract_reports(&source, &entries, &states, &verdicts, threshold);
            Ok::<_, StoreError>((entries, extracted))
        })
        .await
        .map_err(|error| (Some(status), error, None))?
        .map_err(|err| (Some(status), describe(&err), None))?
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
    writes.send((write, sender)).await.map_err(|_| {
        (Some(status), "the writer stopped before the source's write (a bug)".to_owned(), None)
    })?;
    Ok(Ran::Queued { status, result, reports })
}

/// A source's write and where its result goes.
type QueuedWrite = (SourceWrite, tokio::sync::oneshot::Sender<Result<WriteCounts, StoreError>>);

/// What the writer answers a queued write with.
type WriteResult = tokio::sync::oneshot::Receiver<Result<WriteCounts, StoreError>>;

/// Sources queue their writes here.
type WriteSender = tokio::sync::mpsc::Sender<QueuedWrite>;

/// How long the writer waits for more writes after the first of a batch.
const WRITE_LINGER: Duration = Duration::from_millis(200);

/// The most sources the writer stores in one transaction.
const MAX_WRITE_BATCH: usize = 64;

/// Writes that may wait for the writer, per concurrency slot. While the writer commits a
/// batch (60–150 ms at N = 1000), a full queue holds the sources that finish meanwhile in
/// their slots, so nothing new is fetched and the parsing threads run dry: with one queued
/// write per slot a cold pass kept the two cores 86% busy, with four 92% (wall 3.8 → 3.45 s,
/// the same CPU, peak RSS +4 MB; bench/README.md). Eight gained nothing more.
const QUEUED_WRITES_PER_SLOT: usize = 4;

/// Starts the pass's writer: it stores the sources' writes in batches, one transaction for
/// the writes that arrive within [`WRITE_LINGER`] of each other (at most [`MAX_WRITE_BATCH`]),
/// each under its own savepoint (see [`Store::record_entries_batch`]). Every commit writes
/// the pages it touched to the WAL again, the index pages all sources share among them, and
/// flushes the full-text index into a segment of its own: a thousand commits were a quarter
/// of a cold pass's CPU. A source leaves its concurrency slot once its write is queued, so
/// the wait costs no throughput; at most `capacity` writes wait in the queue beyond the
/// batch being collected, which bounds the memory they hold.
fn start_writer(
    store: &SharedStore,
    capacity: usize,
) -> (WriteSender, tokio::task::JoinHandle<()>) {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<QueuedWrite>(capacity);
    let store = Arc::clone(store);
    let writer = tokio::spawn(async move {
        while let Some(first) = receiver.recv().await {
            let mut batch = vec![first];
            let deadline = tokio::time::Instant::now() + WRITE_LINGER;
            while batch.len() < MAX_WRITE_BATCH {
                match tokio::time::timeout_at(deadline, receiver.recv()).await {
                    Ok(Some(write)) => batch.push(write),
                    Ok(None) | Err(_) => break,
                }
            }
            let (writes, senders): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
            let store = Arc::clone(&store);
            // A panic drops the senders: each source then reports its write as lost.
            let results = tokio::task::spawn_blocking(move || {
                let waited = Instant::now();
                let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
                let started = Instant::now();
                let results = store.record_entries_batch(&writes);
                debug!(
                    sources = writes.len(),
                    lock_wait_ms = millis(waited).saturating_sub(millis(started)),
                    write_ms = millis(started),
                    "batch written"
                );
                results
            })
            .await;
            if let Ok(results) = results {
                for (result, sender) in results.into_iter().zip(senders) {
                    // A receiver is gone only if its pass was dropped; the write stands.
                    let _ = sender.send(result);
                }
            }
        }
    });
    (sender, writer)
}

async fn fetch_endpoint(
    fetcher: &Arc<Fetcher>,
    source: &Arc<Source>,
    endpoint: Endpoint,
    validators: &Validators,
    limits: parse::Limits,
) -> Result<Parsed, Failed> {
    let request = FetchRequest { url: &endpoint.url, accept: source.kind.accept(), validators };
    let response = match fetcher.fetch(request).await {
        Ok(Fetched::NotModified) => return Ok(Parsed::NotModified),
        Ok(Fetched::Body(response)) => response,
        Err(err) => return Err((err.status(), describe(&err), err.retry_after())),
    };
    let source = Arc::clone(source);
    // Parsing is CPU work: keep it off the async threads.
    let status = response.status;
    run_guarded(move || {
        let entries = parse::parse_entries(
            &source,
            endpoint.format,
            &response.body,
            &response.final_url,
            response.content_type.as_deref(),
            &worth_a_look,
            limits,
        )
        .map_err(|err| (Some(response.status), describe(&err), None))?;
        Ok(Parsed::Entries { status: response.status, validators: response.validators, entries })
    })
    .await
    .unwrap_or_else(|error| Err((Some(status), error, None)))
}

/// The extractor's prescreen as parse wants it: may this feed item be a postmortem?
pub fn worth_a_look(title: Option<&str>, summary: Option<&str>) -> bool {
    extract::prescreen(title, summary) >= extract::PRESCREEN_THRESHOLD
}

/// Runs extraction on every candidate whose report is new, changed, or was extracted by an
/// older extractor, and decides each (see [`decide`]). CPU work: run it on a parsing thread
/// ([`run_guarded`]).
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
            let mut postmortem = extract::extract(&document, &hints(source, entry), threshold);
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

/// Fetches the report page of entries that point at one and have no stored report yet.
/// A report that cannot be fetched is logged and left for the next pass; it never fails the
/// source, but it is counted, so that a source none of whose reports came is reported as
/// degraded (#16).
async fn fetch_missing_reports(
    store: &SharedStore,
    fetcher: &Arc<Fetcher>,
    source: &Arc<Source>,
    entries: &mut [Entry],
    limits: parse::Limits,
) -> ReportCounts {
    let mut counts = ReportCounts::default();
    if entries.iter().all(|e| e.report.is_some() || e.report_url.is_none()) {
        return counts;
    }
    let name = source.name.clone();
    let known = match with_store(store, move |store| store.identities_with_report(&name)).await {
        Ok(known) => known,
        Err(err) => {
            warn!(error = %describe(&err), "cannot read stored reports");
            return counts;
        }
    };
    let wanted: Vec<(usize, Url)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.report.is_none() && !known.contains(&e.identity))
        .filter_map(|(i, e)| Some((i, Url::parse(e.report_url.as_deref()?).ok()?)))
        .take(MAX_REPORT_FETCHES)
        .collect();
    let no_validators = Validators::default();
    let reports: Vec<(usize, Result<Option<Report>, String>)> = futures_util::stream::iter(wanted)
        .map(|(index, url)| {
            let no_validators = &no_validators;
            async move {
                let request =
                    FetchRequest { url: &url, accept: REPORT_ACCEPT, validators: no_validators };
                // Only the start of a report page is read (`max_report_bytes`).
                let max_bytes = limits.max_report_bytes as u64;
                match fetcher.fetch_prefix(request, max_bytes).await {
                    Ok(Fetched::Body(response)) => {
                        let source = Arc::clone(source);
                        let report = run_guarded(move || {
                            parse::parse_report(
                                &source,
                                &response.body,
                                response.content_type.as_deref(),
                                &response.final_url,
                                limits,
                            )
                        })
                        .await;
                        match report {
                            // A page that answered counts as fetched, whatever it held.
                            Ok(report) => (index, Ok(report)),
                            Err(error) => {
                                warn!(%error, "report page not read");
                                (index, Err(format!("{url}: {error}")))
                            }
                        }
                    }
                    Ok(Fetched::NotModified) => (index, Ok(None)),
                    Err(err) => {
                        let error = describe(&err);
                        debug!(%error, "report not fetched");
                        (index, Err(error))
                    }
                }
            }
        })
        .buffer_unordered(REPORT_CONCURRENCY)
        .collect()
        .await;
    for (index, report) in reports {
        match report {
            Ok(report) => {
                counts.reports_fetched += 1;
                if report.is_some() {
                    entries[index].report = report;
                }
            }
            Err(error) => {
                counts.reports_failed += 1;
                counts.last_report_error = Some(error);
                counts.last_report_url.clone_from(&entries[index].report_url);
            }
        }
    }
    counts
}

/// Report pages are HTML articles or JSON detail documents.
const REPORT_ACCEPT: &str = "text/html, application/json;q=0.9, */*;q=0.5";

/// Report fetches in flight for one source; the per-host limit applies on top.
const REPORT_CONCURRENCY: usize = 4;

/// Runs a store call on the blocking pool.
async fn with_store<T: Send + 'static>(
    store: &SharedStore,
    call: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = Arc::clone(store);
    run_blocking(move || call(&mut store.lock().unwrap_or_else(PoisonError::into_inner))).await
}

/// A job for the parsing threads.
type Job = Box<dyn FnOnce() + Send>;

/// The threads that parse and extract, one per core, started on first use and kept for the
/// life of the process; `None` if none could be started (then jobs go to tokio's blocking
/// pool). Sixteen sources in flight would otherwise parse on sixteen blocking threads for no
/// gain on two cores, each keeping its own allocator arena and regex caches: a few long-lived
/// threads keep what parsing leaves behind small, so the daemon between passes stays small.
static PARSERS: LazyLock<Option<mpsc::Sender<Job>>> = LazyLock::new(|| {
    let (sender, receiver) = mpsc::channel::<Job>();
    let receiver = Arc::new(Mutex::new(receiver));
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let mut started = 0;
    for index in 0..cores {
        let receiver = Arc::clone(&receiver);
        let spawned =
            std::thread::Builder::new().name(format!("pmagg-parse-{index}")).spawn(move || {
                loop {
                    // The lock is held only while waiting for a job, never while running one.
                    let next = receiver.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    match next {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
        match spawned {
            Ok(_) => started += 1,
            Err(err) => warn!(error = %err, "cannot start a parsing thread"),
        }
    }
    (started > 0).then_some(sender)
});

/// Runs work on what a source sent (parsing, extraction) on the parsing threads
/// ([`PARSERS`]): a panic in it, a bug that hostile input found, fails that source with a
/// message instead of the whole pass.
async fn run_guarded<T: Send + 'static>(
    call: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        // The caller may have gone (its source ran out of time); the result is then dropped.
        let _ = sender.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)));
    });
    let queued = match PARSERS.as_ref() {
        Some(parsers) => parsers.send(job).map_err(|returned| returned.0),
        None => Err(job),
    };
    if let Err(job) = queued {
        drop(tokio::task::spawn_blocking(job));
    }
    match receiver.await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(panic)) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(describe(&InternalError(detail)))
        }
        Err(_) => Err(describe(&InternalError("the parsing job ended without a result".into()))),
    }
}

/// A panic while reading a source's data, as an error.
#[derive(Debug, thiserror::Error)]
#[error("pmagg failed while reading what this source sent (a bug; please report it): {0}")]
struct InternalError(String);

/// `spawn_blocking` that hands a panic on to the caller, as a plain call would.
async fn run_blocking<T: Send + 'static>(call: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(call).await {
        Ok(value) => value,
        Err(err) => std::panic::resume_unwind(err.into_panic()),
    }
}

/// An error on one line: its own message, then its root cause when that adds something.
///
/// The layers in between (reqwest's "error sending request for url (...)", hyper's "client
/// error (Connect)") repeat what the outer message says, while the root cause ("failed to
/// lookup address information", "invalid peer certificate: UnknownIssuer") is what a user
/// acts on.
pub fn describe(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut root = None;
    let mut cause = err.source();
    while let Some(next) = cause {
        root = Some(next);
        cause = next.source();
    }
    if let Some(root) = root {
        let text = root.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    // Messages may quote what a server sent: keep it one line, with no terminal escapes.
    if out.chars().any(char::is_control) {
        out = out.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    }
    out
}

fn millis(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Layer(&'static str, #[source] Option<Box<Layer>>);

    #[test]
    fn describe_keeps_the_message_and_the_root_cause() {
        let root = Layer("failed to lookup address information", None);
        let middle =
            Layer("error sending request for url (https://x.example/)", Some(Box::new(root)));
        let top = Layer("cannot connect to https://x.example/", Some(Box::new(middle)));
        assert_eq!(
            describe(&top),
            "cannot connect to https://x.example/: failed to lookup address information"
        );
        assert_eq!(describe(&Layer("alone", None)), "alone");
        assert_eq!(describe(&Layer("two\nlines \u{1b}[31mred", None)), "two lines  [31mred");
    }
}
