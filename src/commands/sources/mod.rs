//! `pmagg sources`: the configured sources beside their stored fetch state, and the
//! subcommands that manage them.
//!
//! `add` (discover what a URL is and append it), `check` (probe every source without writing
//! the database), and `import-opml` / `export-opml` each live in their own file. Edits to the
//! config go through `config::edit`, which keeps the file's comments and layout.

mod add;
mod check;
mod opml;

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use super::{DASH, UsageError, cell, database_path, load_config, open_store};
use crate::cli::{Cli, SourcesAction, SourcesArgs};
use crate::config::{Config, ConfigError, edit};
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
    /// While the source backs off: when the daemon polls it again.
    next_attempt_at: Option<DateTime<Utc>>,
    entries: u64,
}

pub(super) fn run(cli: &Cli, args: &SourcesArgs) -> anyhow::Result<()> {
    match &args.action {
        None => list(cli, args.json),
        Some(SourcesAction::Add(add)) => add::run(cli, add),
        Some(SourcesAction::Check(check)) => check::run(cli, check),
        Some(SourcesAction::ImportOpml(import)) => opml::import(cli, import),
        Some(SourcesAction::ExportOpml) => opml::export(cli),
    }
}

/// The listing: every configured source with its stored state.
fn list(cli: &Cli, json: bool) -> anyhow::Result<()> {
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
                next_attempt_at: state.and_then(|s| s.next_attempt_at),
                entries: state.map_or(0, |s| s.entries),
            }
        })
        .collect();

    let mut out = super::stdout();
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<24} {:<6} {:<13} {:<17} {:>5} {:<17} {:>7}  URL",
        "NAME", "KIND", "LAST", "LAST SUCCESS", "FAILS", "NEXT ATTEMPT", "ENTRIES"
    )?;
    let minute = |t: Option<DateTime<Utc>>| {
        t.map_or_else(|| DASH.to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string())
    };
    for row in &rows {
        let last = if row.enabled { row.last_outcome } else { "disabled" };
        writeln!(
            out,
            "{:<24} {:<6} {:<13} {:<17} {:>5} {:<17} {:>7}  {}",
            cell(row.name, 24),
            row.kind,
            last,
            minute(row.last_success_at),
            row.consecutive_failures,
            minute(row.next_attempt_at),
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

/// The config's text and what it holds, for commands that edit it. A file without any
/// `[[source]]` yet is accepted here (see `edit::parse_for_editing`), so sources can be added
/// to a fresh one.
fn read_config_for_editing(path: &Path) -> anyhow::Result<(String, Config)> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
    let config = edit::parse_for_editing(&text, path)?;
    Ok((text, config))
}

/// An http(s) URL from the command line; anything else is a usage error naming `what`.
fn http_url_arg(text: &str, what: &str) -> anyhow::Result<Url> {
    match Url::parse(text.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        Ok(url) => Err(UsageError(format!(
            "{what} {text:?} must be an http or https URL, not {}:",
            url.scheme()
        ))
        .into()),
        Err(err) => Err(UsageError(format!("{what} {text:?} is not a URL: {err}")).into()),
    }
}

/// A multi-threaded runtime for the subcommands that fetch.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
