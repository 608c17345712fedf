//! `pmagg sources`: the configured sources beside their stored fetch state, and the
//! subcommands that manage them.
//!
//! `add` (discover what a URL is and append it), `check` (probe every source without writing
//! the database), and `import-opml` / `export-opml` each live in their own file. Edits to the
//! config go through `config::edit`, which keeps the file's comments and layout.

mod add;
mod check;
mod opml;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use super::{DASH, UsageError, cell, database_path, load_config};
use crate::cli::{Cli, SourcesAction, SourcesArgs};
use crate::config::edit::SourceEdit;
use crate::config::{Config, ConfigError, edit};
use crate::model::SourceState;
use crate::store::LastReportFailure;

/// One row of the listing.
#[derive(Debug, Serialize)]
struct Row<'a> {
    name: &'a str,
    kind: &'static str,
    url: String,
    enabled: bool,
    /// `ok`, `degraded` (the index answered, but a report page it points at failed in the
    /// same pass), `not modified`, `failed` or `never` (not fetched yet).
    last_outcome: &'static str,
    last_status: Option<u16>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_success_at: Option<DateTime<Utc>>,
    last_error: Option<&'a str>,
    consecutive_failures: u32,
    /// While the source backs off: when the daemon polls it again.
    next_attempt_at: Option<DateTime<Utc>>,
    entries: u64,
    /// The last report page that could not be fetched or read: URL, error and when (#16).
    last_report_failure: Option<LastReportFailure>,
}

pub(super) fn run(cli: &Cli, args: &SourcesArgs) -> anyhow::Result<()> {
    match &args.action {
        None => list(cli, args.json),
        Some(SourcesAction::Add(add)) => add::run(cli, add),
        Some(SourcesAction::Remove(args)) => edit_source(cli, &args.name, SourceEdit::Remove),
        Some(SourcesAction::Enable(args)) => edit_source(cli, &args.name, SourceEdit::Enable),
        Some(SourcesAction::Disable(args)) => edit_source(cli, &args.name, SourceEdit::Disable),
        Some(SourcesAction::Check(check)) => check::run(cli, check),
        Some(SourcesAction::ImportOpml(import)) => opml::import(cli, import),
        Some(SourcesAction::ExportOpml) => opml::export(cli),
    }
}

/// The listing: every configured source with its stored state.
fn list(cli: &Cli, json: bool) -> anyhow::Result<()> {
    let Some(config) = super::load_optional_config(cli)? else {
        let mut out = super::stdout();
        if json {
            writeln!(out, "[]")?;
        } else {
            writeln!(
                out,
                "no sources: there is no {}; start one with `pmagg init` or `pmagg sources add URL`",
                cli.config.display()
            )?;
        }
        return Ok(());
    };
    let path = database_path(cli, Some(&config));
    // Listing sources must work before the first sync, so a missing database is not an error.
    let (states, mut report_failures) = if path.exists() {
        let store = crate::store::Store::open_read_only(&path)
            .with_context(|| format!("the database {} is unusable", path.display()))?;
        (store.source_states()?, store.last_report_failures()?)
    } else {
        (Vec::new(), HashMap::new())
    };

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
                last_report_failure: report_failures.remove(&source.name),
            }
        })
        .collect();

    let mut out = super::stdout();
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    if rows.is_empty() {
        writeln!(
            out,
            "no sources in {}: add one with `pmagg sources add URL`",
            config.path.display()
        )?;
        return Ok(());
    }
    let minute = |t: Option<DateTime<Utc>>| {
        t.map_or_else(|| DASH.to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string())
    };
    let table: Vec<[String; 8]> = rows
        .iter()
        .map(|row| {
            [
                cell(row.name, usize::MAX),
                row.kind.to_owned(),
                (if row.enabled { row.last_outcome } else { "disabled" }).to_owned(),
                minute(row.last_success_at),
                row.consecutive_failures.to_string(),
                minute(row.next_attempt_at),
                row.entries.to_string(),
                row.url.clone(),
            ]
        })
        .collect();
    let header = TABLE_HEADER.map(str::to_owned);
    let widths = column_widths(std::iter::once(&header).chain(&table));
    write_table_row(&mut out, &header, &widths)?;
    for (row, cells) in rows.iter().zip(&table) {
        write_table_row(&mut out, cells, &widths)?;
        if let Some(error) = row.last_error {
            writeln!(out, "{:<w$} └ {}", "", cell(error, 200), w = widths[0])?;
        }
        if let Some(failure) = &row.last_report_failure {
            writeln!(
                out,
                "{:<w$} └ last report failure {}: {}",
                "",
                minute(failure.at),
                cell(&failure.error, 200),
                w = widths[0]
            )?;
        }
    }
    Ok(())
}

/// The listing's columns; FAILS and ENTRIES are numbers, aligned right.
const TABLE_HEADER: [&str; 8] =
    ["NAME", "KIND", "LAST", "LAST SUCCESS", "FAILS", "NEXT ATTEMPT", "ENTRIES", "URL"];

/// Each column's width: its widest cell, in characters.
fn column_widths<'a>(rows: impl Iterator<Item = &'a [String; 8]>) -> [usize; 8] {
    let mut widths = [0; 8];
    for row in rows {
        for (width, text) in widths.iter_mut().zip(row) {
            *width = (*width).max(text.chars().count());
        }
    }
    widths
}

/// One line of the table: columns two spaces apart, numbers aligned right, no trailing space.
fn write_table_row(
    out: &mut impl Write,
    cells: &[String; 8],
    widths: &[usize; 8],
) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, (text, &width)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        let pad = width - text.chars().count();
        if i == 7 {
            line.push_str(text);
        } else if matches!(i, 4 | 6) {
            line.extend(std::iter::repeat_n(' ', pad));
            line.push_str(text);
        } else {
            line.push_str(text);
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// How the source's last pass went, as `sync` reported it.
fn outcome(state: &SourceState) -> &'static str {
    match (state.last_attempt_at, &state.last_error, state.last_status) {
        (None, _, _) => "never",
        (Some(_), Some(_), _) => "failed",
        (Some(_), None, Some(304)) => "not modified",
        (Some(_), None, _) if state.last_pass_degraded => "degraded",
        (Some(_), None, _) => "ok",
    }
}

/// `sources remove|enable|disable NAME`: one edit of the config, keeping its comments.
fn edit_source(cli: &Cli, name: &str, what: SourceEdit) -> anyhow::Result<()> {
    if !cli.config.exists() {
        // The same "how to start one" message as every command that needs the file.
        load_config(cli)?;
    }
    let (text, _) = read_config_for_editing(&cli.config)?;
    let edited = edit::edit_source(&text, &cli.config, name, what).map_err(|err| match err {
        edit::EditError::NoSuchSource { .. } => anyhow::Error::new(UsageError(err.to_string())),
        other => other.into(),
    })?;
    if edited != text {
        edit::save(&cli.config, &text, &edited)?;
    }
    if !cli.quiet {
        let done = match what {
            SourceEdit::Remove => "removed",
            SourceEdit::Enable => "enabled",
            SourceEdit::Disable => "disabled",
        };
        writeln!(super::stdout(), "{done} source {name:?} in {}", cli.config.display())?;
    }
    Ok(())
}

/// The config's text and what it holds, for commands that edit it. A missing file reads as
/// empty (no settings, no sources), so `pmagg sources add` can start one; [`edit::save`]
/// creates it.
fn read_config_for_editing(path: &Path) -> anyhow::Result<(String, Config)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(ConfigError::Read { path: path.to_owned(), source }.into()),
    };
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
