//! `pmagg sync`: one pass over the enabled (or named) sources.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};

use super::render::{RenderReport, Targets, render_all, write_report};
use super::{UsageError, database_path, load_config_to_fetch, open_store};
use crate::cli::{Cli, SyncArgs};
use crate::config::Source;
use crate::fetch::Fetcher;
use crate::pipeline::{self, SourceOutcome, SyncReport};
use crate::telemetry::{self, LogFormat};

pub(super) fn run(cli: &Cli, args: &SyncArgs) -> anyhow::Result<()> {
    let config = load_config_to_fetch(cli)?;
    let sources = select_sources(&config.sources, &args.sources)?;
    if sources.is_empty() {
        return Err(super::no_enabled_source(&config));
    }
    let store = open_store(&database_path(cli, Some(&config)))?;
    let fetcher = Arc::new(Fetcher::new(&config.settings).context("cannot start the HTTP client")?);
    let store = Arc::new(Mutex::new(store));

    let progress =
        if cli.quiet { ProgressBar::hidden() } else { progress_bar(sources.len() as u64) };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = runtime.block_on(pipeline::sync(
        &store,
        &fetcher,
        &sources,
        &config.settings,
        Utc::now(),
        |done| {
            let error = match &done.outcome {
                SourceOutcome::Failed { error, .. } => Some(error.clone()),
                SourceOutcome::Ok { reports, .. } if reports.is_degraded() => {
                    Some(pipeline::degraded_error(reports))
                }
                _ => None,
            };
            if let Some(error) = error {
                progress.suspend(|| match cli.log_format {
                    LogFormat::Compact => eprintln!("pmagg: source {}: {error}", done.source),
                    LogFormat::Json => telemetry::print_error(
                        cli.log_format,
                        &error,
                        &[("source", done.source.as_str().into())],
                    ),
                });
            }
            progress.inc(1);
        },
    ))?;
    progress.finish_and_clear();
    // The list, its archive and its feed follow the pass, unless told not to.
    let targets = Targets::from_settings(&config.settings);
    let rendered = if args.no_render || targets.is_empty() {
        None
    } else {
        let mut store = store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let rendered =
            render_all(&mut store, &config.sources, &config.settings, &targets, false, Utc::now())
                .context("the pass ran, but rendering failed")?;
        Some(rendered)
    };
    if cli.quiet && !args.json {
        return Ok(());
    }
    print_report(&report, rendered.as_ref(), args.json)
}

/// The sources to run: every enabled one, or exactly those named with `--source`.
fn select_sources(sources: &[Source], names: &[String]) -> anyhow::Result<Vec<Source>> {
    if names.is_empty() {
        return Ok(sources.iter().filter(|s| s.enabled).cloned().collect());
    }
    let mut selected = Vec::new();
    for name in names {
        match sources.iter().find(|s| s.name.as_str() == name) {
            Some(source) => selected.push(source.clone()),
            None => {
                let known: Vec<_> = sources.iter().map(|s| s.name.as_str()).collect();
                return Err(UsageError(format!(
                    "no source named {name:?}; configured: {}",
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ))
                .into());
            }
        }
    }
    Ok(selected)
}

fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} sources")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn print_report(
    report: &SyncReport,
    rendered: Option<&RenderReport>,
    json: bool,
) -> anyhow::Result<()> {
    let mut out = super::stdout();
    if json {
        let mut value = serde_json::to_value(report)?;
        if let Some(rendered) = rendered {
            value["render"] = serde_json::to_value(rendered)?;
        }
        serde_json::to_writer(&mut out, &value)?;
        writeln!(out)?;
    } else {
        let sources = report.sources_ok
            + report.sources_degraded
            + report.sources_not_modified
            + report.sources_failed;
        let degraded = if report.sources_degraded > 0 {
            format!(" {} degraded (no report page could be fetched),", report.sources_degraded)
        } else {
            String::new()
        };
        let reports = if report.reports_fetched + report.reports_failed > 0 {
            format!(
                "; report pages: {} fetched, {} failed",
                report.reports_fetched, report.reports_failed
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "{sources} source{}: {} ok,{degraded} {} not modified, {} failed; {} new entr{}, {} updated{reports} ({:.1}s)",
            if sources == 1 { "" } else { "s" },
            report.sources_ok,
            report.sources_not_modified,
            report.sources_failed,
            report.entries_new,
            if report.entries_new == 1 { "y" } else { "ies" },
            report.entries_updated,
            report.duration_ms as f64 / 1000.0,
        )?;
        if let Some(rendered) = rendered {
            write_report(&mut out, rendered, false)?;
        }
    }
    out.flush()?;
    Ok(())
}
