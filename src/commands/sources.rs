//! `pmagg sources`: the configured sources beside their stored fetch state.

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{DASH, cell, database_path, load_config, open_store};
use crate::cli::{Cli, SourcesArgs};
use crate::model::SourceState;

/// One row of the listing.
#[derive(Debug, Serialize)]
struct Row<'a> {
    name: &'a str,
    kind: &'static str,
    url: String,
    enabled: bool,
    /// `ok`, `not modified`, `failed` or `never` (not fetched yet).
    last_outcome: &'static str,
    last_status: Option<u16>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_success_at: Option<DateTime<Utc>>,
    last_error: Option<&'a str>,
    consecutive_failures: u32,
    entries: u64,
}

pub(super) fn run(cli: &Cli, args: &SourcesArgs) -> anyhow::Result<()> {
    let config = load_config(cli)?;
    let path = database_path(cli, Some(&config));
    // Listing sources must work before the first sync, so a missing database is not an error.
    let states = if path.exists() { open_store(&path)?.source_states()? } else { Vec::new() };

    let rows: Vec<Row<'_>> = config
        .sources
        .iter()
        .map(|source| {
            let state = states.iter().find(|s| s.name == source.name);
            Row {
                name: source.name.as_str(),
                kind: source.kind.as_str(),
                url: source.url.to_string(),
                enabled: source.enabled,
                last_outcome: state.map_or("never", outcome),
                last_status: state.and_then(|s| s.last_status),
                last_attempt_at: state.and_then(|s| s.last_attempt_at),
                last_success_at: state.and_then(|s| s.last_success_at),
                last_error: state.and_then(|s| s.last_error.as_deref()),
                consecutive_failures: state.map_or(0, |s| s.consecutive_failures),
                entries: state.map_or(0, |s| s.entries),
            }
        })
        .collect();

    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<24} {:<6} {:<13} {:<17} {:>5} {:>7}  URL",
        "NAME", "KIND", "LAST", "LAST SUCCESS", "FAILS", "ENTRIES"
    )?;
    for row in &rows {
        let last = if row.enabled { row.last_outcome } else { "disabled" };
        let success = row
            .last_success_at
            .map_or_else(|| DASH.to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string());
        writeln!(
            out,
            "{:<24} {:<6} {:<13} {:<17} {:>5} {:>7}  {}",
            cell(row.name, 24),
            row.kind,
            last,
            success,
            row.consecutive_failures,
            row.entries,
            row.url
        )?;
        if let Some(error) = row.last_error {
            writeln!(out, "{:<24} └ {}", "", cell(error, 200))?;
        }
    }
    Ok(())
}

fn outcome(state: &SourceState) -> &'static str {
    match (state.last_attempt_at, &state.last_error, state.last_status) {
        (None, _, _) => "never",
        (Some(_), Some(_), _) => "failed",
        (Some(_), None, Some(304)) => "not modified",
        (Some(_), None, _) => "ok",
    }
}
