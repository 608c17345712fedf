//! `pmagg sources check`: probe every enabled source once, as `sync` would, writing nothing.
//!
//! Each source's endpoints (`parse::endpoints`) are fetched without cache validators, so the
//! answer is a real body, and parsed with `parse::parse_entries`; the next endpoint is tried
//! only when one fails, as in a pass. The database is never opened.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use futures_util::StreamExt;
use serde::Serialize;

use super::{DASH, cell, runtime};
use crate::cli::{CheckArgs, Cli};
use crate::commands::load_config_to_fetch;
use crate::config::Source;
use crate::fetch::{FetchRequest, Fetched, Fetcher};
use crate::model::Validators;
use crate::parse;
use crate::pipeline::describe;

/// What probing one source gave: one row of the report.
#[derive(Debug, Clone, Serialize)]
struct CheckRow {
    name: String,
    kind: &'static str,
    /// The configured URL.
    url: String,
    /// The URL that answered (or the first that failed).
    endpoint: String,
    /// `ok` or `failed`.
    outcome: &'static str,
    /// HTTP status, when a response came.
    status: Option<u16>,
    /// Items parsed (after the source's `filter`).
    items: Option<usize>,
    /// Items that may be postmortems.
    candidates: Option<usize>,
    duration_ms: u64,
    error: Option<String>,
}

impl CheckRow {
    fn ok(&self) -> bool {
        self.error.is_none()
    }
}

pub(super) fn run(cli: &Cli, args: &CheckArgs) -> anyhow::Result<()> {
    let config = load_config_to_fetch(cli)?;
    let sources: Vec<Source> = config.enabled_sources().cloned().collect();
    if sources.is_empty() {
        return Err(crate::commands::no_enabled_source(&config));
    }
    let skipped = config.sources.len() - sources.len();
    let fetcher = Arc::new(Fetcher::new(&config.settings).context("cannot start the HTTP client")?);
    let started = Instant::now();
    let limits = parse::Limits::from_settings(&config.settings);
    let rows =
        runtime()?.block_on(check_all(&fetcher, sources, config.settings.concurrency, limits));

    let mut out = super::super::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        write_table(&mut out, &rows)?;
        let failed = rows.iter().filter(|r| !r.ok()).count();
        writeln!(
            out,
            "{} source{} checked: {} ok, {failed} failed{} ({:.1}s)",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" },
            rows.len() - failed,
            if skipped > 0 { format!("; {skipped} disabled, not checked") } else { String::new() },
            started.elapsed().as_secs_f64(),
        )?;
    }
    out.flush()?;
    let failed = rows.iter().filter(|r| !r.ok()).count();
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} source{} failed the check",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// Probes the sources, at most `concurrency` at once; rows come back in config order.
/// Failures are reported on stderr as they finish.
async fn check_all(
    fetcher: &Arc<Fetcher>,
    sources: Vec<Source>,
    concurrency: usize,
    limits: parse::Limits,
) -> Vec<CheckRow> {
    let mut rows: Vec<(usize, CheckRow)> =
        futures_util::stream::iter(sources.into_iter().enumerate())
            .map(|(index, source)| {
                let fetcher = Arc::clone(fetcher);
                async move { (index, check_source(&fetcher, source, limits).await) }
            })
            .buffer_unordered(concurrency.max(1))
            .inspect(|(_, row)| {
                if let Some(error) = &row.error {
                    eprintln!("pmagg: source {}: {error}", row.name);
                }
            })
            .collect()
            .await;
    rows.sort_by_key(|(index, _)| *index);
    rows.into_iter().map(|(_, row)| row).collect()
}

async fn check_source(fetcher: &Fetcher, source: Source, limits: parse::Limits) -> CheckRow {
    let started = Instant::now();
    let source = Arc::new(source);
    let no_validators = Validators::default();
    let mut first_failure = None;
    let mut success = None;
    for endpoint in parse::endpoints(&source) {
        let request = FetchRequest {
            url: &endpoint.url,
            accept: source.kind.accept(),
            validators: &no_validators,
        };
        let (status, result) = match fetcher.fetch(request).await {
            Ok(Fetched::Body(response)) => {
                let status = response.status;
                let parsing = Arc::clone(&source);
                let format = endpoint.format;
                // Parsing is CPU work: keep it off the async threads.
                let parsed = run_blocking(move || {
                    parse::parse_entries(
                        &parsing,
                        format,
                        &response.body,
                        &response.final_url,
                        response.content_type.as_deref(),
                        &crate::pipeline::worth_a_look,
                        limits,
                    )
                    .map_err(|err| describe(&err))
                })
                .await;
                (Some(status), parsed)
            }
            Ok(Fetched::NotModified) => (
                Some(304),
                Err(format!("{} answered 304 to a request without validators", endpoint.url)),
            ),
            Err(err) => (err.status(), Err(describe(&err))),
        };
        match result {
            Ok(entries) => {
                success = Some((endpoint.url, status, entries));
                break;
            }
            Err(error) => {
                first_failure.get_or_insert((endpoint.url, status, error));
            }
        }
    }
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let row = |endpoint: String, status| CheckRow {
        name: source.name.to_string(),
        kind: source.kind.as_str(),
        url: source.url.to_string(),
        endpoint,
        outcome: "ok",
        status,
        items: None,
        candidates: None,
        duration_ms,
        error: None,
    };
    match (success, first_failure) {
        (Some((endpoint, status, entries)), _) => CheckRow {
            items: Some(entries.len()),
            candidates: Some(entries.iter().filter(|e| e.candidate).count()),
            ..row(endpoint.to_string(), status)
        },
        (None, Some((endpoint, status, error))) => {
            CheckRow { outcome: "failed", error: Some(error), ..row(endpoint.to_string(), status) }
        }
        (None, None) => CheckRow {
            outcome: "failed",
            error: Some("the source has no endpoint".to_owned()),
            ..row(source.url.to_string(), None)
        },
    }
}

fn write_table(out: &mut impl Write, rows: &[CheckRow]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<7} {:<24} {:<10} {:>6} {:>6} {:>10} {:>7}  URL",
        "RESULT", "NAME", "KIND", "STATUS", "ITEMS", "CANDIDATES", "TIME"
    )?;
    let number = |n: Option<usize>| n.map_or_else(|| DASH.to_owned(), |n| n.to_string());
    for row in rows {
        writeln!(
            out,
            "{:<7} {:<24} {:<10} {:>6} {:>6} {:>10} {:>6.2}s  {}",
            row.outcome,
            cell(&row.name, 24),
            row.kind,
            row.status.map_or_else(|| DASH.to_owned(), |s| s.to_string()),
            number(row.items),
            number(row.candidates),
            row.duration_ms as f64 / 1000.0,
            row.endpoint,
        )?;
    }
    Ok(())
}

/// `spawn_blocking` that hands a panic on to the caller, as a plain call would.
async fn run_blocking<T: Send + 'static>(call: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(call).await {
        Ok(value) => value,
        Err(err) => std::panic::resume_unwind(err.into_panic()),
    }
}
