//! The report fetch: the pages (articles, incident details) that a source's new entries
//! point at, fetched and read for extraction.
//!
//! Takes the parsed entries of one source and fills in the `report` of those that have none
//! stored yet, at most [`MAX_REPORT_FETCHES`] a pass. A page that cannot be had never fails the
//! source: it is counted in [`ReportCounts`] (a source none of whose pages came is degraded,
//! #16) and left for the next pass. Never writes to the store.

use std::sync::Arc;

use futures_util::StreamExt;
use tracing::{debug, warn};
use url::Url;

use super::workers::Workers;
use super::writer::with_store;
use super::{ReportCounts, SharedStore, describe};
use crate::config::Source;
use crate::fetch::{FetchRequest, Fetched, Fetcher};
use crate::model::{Entry, Report, Validators};
use crate::parse;

/// At most this many report pages are fetched for one source in one pass; the rest wait for
/// the next pass (a status page lists about 50 incidents).
pub const MAX_REPORT_FETCHES: usize = 100;

/// Fetches the report page of entries that point at one and have no stored report yet.
/// A report that cannot be fetched is logged and left for the next pass; it never fails the
/// source, but it is counted, so that a source none of whose reports came is reported as
/// degraded (#16).
pub(super) async fn fetch_missing_reports(
    store: &SharedStore,
    workers: &Workers,
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
                        let report = workers
                            .run(move || {
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
                            Err(panic) => {
                                let error = describe(&panic);
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
