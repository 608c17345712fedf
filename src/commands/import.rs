//! `pmagg import FILE|DIR`: a curated list's entries → the store, as curated entries.
//!
//! A file (UTF-8) is a list: `parse::list::read_curated` reads every entry with its exact
//! bytes and place. A directory is a list too, one report per markdown file with YAML front
//! matter (the icco/postmortems shape, `parse::front_matter`): each file gives one entry, with
//! its duration and its report; a file that cannot be read is skipped with a line on stderr
//! naming it and why, and the others are imported. Either way `Store::import_curated_reports`
//! makes the stored list match what was read, in one transaction. Nothing is fetched and
//! nothing is rendered.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::Utc;
use serde::Serialize;

use super::{database_path, load_config, open_store};
use crate::cli::{Cli, ImportArgs};
use crate::config::Settings;
use crate::model::{CuratedCounts, CuratedEntry, list_key};
use crate::parse;
use crate::store::CuratedReport;
use crate::telemetry::{self, LogFormat};

#[derive(Debug, Serialize)]
struct Imported<'a> {
    list: &'a str,
    entries: usize,
    #[serde(flatten)]
    counts: CuratedCounts,
    /// Markdown files read (a directory only).
    #[serde(skip_serializing_if = "Option::is_none")]
    files_read: Option<usize>,
    /// Files not imported, and why (a directory only).
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<Vec<Skipped>>,
}

/// A file of a directory that gave no entry.
#[derive(Debug, Serialize)]
struct Skipped {
    file: PathBuf,
    reason: String,
}

/// What a directory gave.
struct ReadDir {
    entries: Vec<CuratedEntry>,
    reports: Vec<CuratedReport>,
    files_read: usize,
    skipped: Vec<Skipped>,
}

pub(super) fn run(cli: &Cli, args: &ImportArgs) -> anyhow::Result<()> {
    let config = if cli.config.exists() { Some(load_config(cli)?) } else { None };
    let key = list_key(&args.file, std::env::current_dir().ok().as_deref());
    let (entries, reports, dir) = if args.file.is_dir() {
        let read = read_report_dir(&args.file)?;
        for skipped in &read.skipped {
            let file = skipped.file.display().to_string();
            match cli.log_format {
                LogFormat::Compact => eprintln!("pmagg: skipped {file}: {}", skipped.reason),
                LogFormat::Json => telemetry::print_error(
                    cli.log_format,
                    &format!("skipped {file}: {}", skipped.reason),
                    &[("file", file.as_str().into())],
                ),
            }
        }
        if read.files_read == 0 {
            anyhow::bail!(
                "{} has no markdown (.md) files: a directory of reports holds one report per \
                 file, with YAML front matter; nothing imported",
                args.file.display()
            );
        }
        if read.entries.is_empty() {
            // Importing nothing would mark every stored entry of the list removed.
            anyhow::bail!(
                "{}: none of its {} markdown file{} is a report with front matter and a `url` \
                 ({} skipped); nothing imported",
                args.file.display(),
                read.files_read,
                if read.files_read == 1 { "" } else { "s" },
                read.skipped.len()
            );
        }
        (read.entries, read.reports, Some((read.files_read, read.skipped)))
    } else {
        (read_list(&args.file, &key)?, Vec::new(), None)
    };
    let mut store = open_store(&database_path(cli, config.as_ref()))?;
    let counts = store.import_curated_reports(&key, &entries, &reports, Utc::now())?;
    // Every entry of a curated list is a postmortem: stored extractions of its links now say
    // so (origin `curated`), and those of links it no longer has go back to the classifier.
    let threshold = config.as_ref().map_or(Settings::default().threshold, |c| c.settings.threshold);
    super::mark::refresh_decisions(&mut store, threshold)?;
    let (files_read, skipped) = dir.unzip();
    let imported = Imported { list: &key, entries: entries.len(), counts, files_read, skipped };
    let mut out = super::stdout();
    if args.json {
        serde_json::to_writer(&mut out, &imported)?;
        writeln!(out)?;
    } else if !cli.quiet {
        let files = match (imported.files_read, &imported.skipped) {
            (Some(read), Some(skipped)) => format!(
                "{read} file{} read, {} skipped: ",
                if read == 1 { "" } else { "s" },
                skipped.len()
            ),
            _ => String::new(),
        };
        writeln!(
            out,
            "{}: {files}{} entr{} ({} new, {} updated, {} unchanged, {} removed)",
            key,
            imported.entries,
            if imported.entries == 1 { "y" } else { "ies" },
            counts.new,
            counts.updated,
            counts.unchanged,
            counts.removed
        )?;
    }
    Ok(())
}

/// A list file's entries; an error when it has none.
fn read_list(path: &Path, key: &str) -> anyhow::Result<Vec<CuratedEntry>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
    let entries = parse::list::read_curated(&text, key);
    if entries.is_empty() {
        // Importing nothing would mark every stored entry of the list removed.
        anyhow::bail!(
            "{} lists no postmortems (awesome-postmortems, danluu/post-mortems or k8s.af \
             shapes); nothing imported",
            path.display()
        );
    }
    Ok(entries)
}

/// Every `.md`/`.markdown` file directly in `dir`, by name, as one entry each. Files that
/// cannot be read or are no report are skipped, with the reason; so is a second file with
/// the same link (the first one by name is kept).
fn read_report_dir(dir: &Path) -> anyhow::Result<ReadDir> {
    let key = list_key(dir, std::env::current_dir().ok().as_deref());
    let mut files = Vec::new();
    for item in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = item.with_context(|| format!("cannot read {}", dir.display()))?.path();
        let markdown = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
        if markdown && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut read = ReadDir {
        entries: Vec::new(),
        reports: Vec::new(),
        files_read: files.len(),
        skipped: Vec::new(),
    };
    let mut first_with_url: std::collections::HashMap<String, PathBuf> =
        std::collections::HashMap::new();
    for file in files {
        let text = match std::fs::read(&file).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(_)) => {
                read.skipped.push(Skipped { file, reason: "not UTF-8 text".into() });
                continue;
            }
            Err(err) => {
                read.skipped.push(Skipped { file, reason: format!("cannot read it: {err}") });
                continue;
            }
        };
        let report = match parse::front_matter::parse_front_matter_report(&text) {
            Ok(report) => report,
            Err(err) => {
                read.skipped.push(Skipped { file, reason: err.to_string() });
                continue;
            }
        };
        let position = u32::try_from(read.entries.len()).unwrap_or(u32::MAX);
        let entry = report.to_curated_entry(&key, position, &text);
        if let Some(first) = first_with_url.get(&entry.canonical_url) {
            let reason = format!("same url as {}", first.display());
            read.skipped.push(Skipped { file, reason });
            continue;
        }
        first_with_url.insert(entry.canonical_url.clone(), file);
        read.reports.push(CuratedReport {
            canonical_url: entry.canonical_url.clone(),
            duration_minutes: report.duration_minutes(),
            report: (!report.body.is_empty()).then(|| report.body.clone()),
        });
        read.entries.push(entry);
    }
    Ok(read)
}
