//! `pmagg render`, and the render step at the end of `pmagg sync`: store → render → files.
//!
//! Reads the curated entries and confirmed postmortems, collapses duplicates, then brings each
//! configured file up to date: the README's list, the archive copies, the Atom feed. After
//! writing the README it records the list as written (`Store::import_curated`), so that the
//! store's curated entries for the README always match the file: an entry pmagg added becomes
//! curated text (origin `render`), a hand edit is taken in, and an entry deleted by hand is
//! marked removed and stays out. `--check` does all of it in memory and writes nothing.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{UsageError, database_path, load_config, open_store};
use crate::cli::{Cli, RenderArgs};
use crate::config::{Config, Settings, Source};
use crate::model::{CuratedEntry, CuratedOrigin, SourceName, list_key};
use crate::parse;
use crate::render::{self, Listing, SourceCompany, collect_listings, feed::FeedSettings};
use crate::store::Store;

/// `--check` found files that a render would change (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("out of date: {}; run `pmagg render`", .0.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
pub(super) struct OutOfDate(pub(super) Vec<PathBuf>);

/// The files to bring up to date.
#[derive(Debug, Clone, Default)]
pub(super) struct Targets {
    pub(super) readme: Option<PathBuf>,
    pub(super) archive: Option<PathBuf>,
    pub(super) feed: Option<PathBuf>,
    /// The directory the README's list key is relative to (see [`list_key`]); `None`: the
    /// working directory. `publish` renders into a temporary worktree and sets it to the
    /// worktree, so the list is stored under the same key as a render run in the clone.
    pub(super) list_root: Option<PathBuf>,
}

impl Targets {
    /// What `[settings]` configures.
    pub(super) fn from_settings(settings: &Settings) -> Self {
        Self {
            readme: settings.readme.clone(),
            archive: settings.archive_dir.clone(),
            feed: settings.feed.clone(),
            list_root: None,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.readme.is_none() && self.archive.is_none() && self.feed.is_none()
    }
}

/// What a render did (or, with `--check`, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct RenderReport {
    /// The README, when rendered.
    #[serde(skip_serializing_if = "Option::is_none")]
    readme: Option<PathBuf>,
    /// Whether it changed.
    readme_changed: bool,
    /// New entries added to its list.
    entries_added: usize,
    /// Entries that were listed and still are.
    entries_kept: usize,
    /// Archive copies written (or out of date).
    archive_written: usize,
    /// Archive copies already up to date.
    archive_unchanged: usize,
    /// Archive files left alone because someone else wrote or edited them.
    archive_kept: usize,
    /// The feed, when rendered.
    #[serde(skip_serializing_if = "Option::is_none")]
    feed: Option<PathBuf>,
    /// Whether it changed.
    feed_changed: bool,
    /// Files that changed (or, with `--check`, would change).
    #[serde(skip)]
    out_of_date: Vec<PathBuf>,
    /// The listings rendered (after the README's list was taken in), for callers that
    /// describe what changed.
    #[serde(skip)]
    pub(super) listings: Vec<Listing>,
    /// What [`RenderMode::WriteFiles`] left for [`record_render`] to store.
    #[serde(skip)]
    pub(super) records: RenderRecords,
}

/// How far a render goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RenderMode {
    /// Write the files and record in the store what was written.
    Write,
    /// Write the files, and leave what to record in [`RenderReport::records`]: for `publish`,
    /// which records the list only once the files are pushed (a list recorded but never
    /// pushed would read as entries deleted by hand next time).
    WriteFiles,
    /// Write nothing, files or store (`--check`).
    Check,
}

/// What a render records in the store: the README's list as written, and the archive copies
/// written with their SHA-256.
#[derive(Debug, Clone, Default)]
pub(super) struct RenderRecords {
    list: Option<(String, Vec<CuratedEntry>)>,
    archive: Vec<(String, String)>,
}

/// Stores what a [`RenderMode::WriteFiles`] render wrote (see [`RenderRecords`]).
pub(super) fn record_render(
    store: &mut Store,
    records: &RenderRecords,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if let Some((key, written)) = &records.list {
        store
            .import_curated(key, written, now)
            .with_context(|| format!("cannot record the list {key}"))?;
    }
    if !records.archive.is_empty() {
        store.record_archive_files(&records.archive, now)?;
    }
    Ok(())
}

pub(super) fn run(cli: &Cli, args: &RenderArgs) -> anyhow::Result<()> {
    // The config lends settings and source companies; rendering works without one.
    let config = if cli.config.exists() { Some(load_config(cli)?) } else { None };
    let settings = config.as_ref().map(|c| c.settings.clone()).unwrap_or_default();
    let defaults = Targets::from_settings(&settings);
    let targets = Targets {
        readme: args.readme.clone().or(defaults.readme),
        archive: args.archive.clone().or(defaults.archive),
        feed: args.feed.clone().or(defaults.feed),
        list_root: None,
    };
    if targets.is_empty() {
        return Err(UsageError(
            "nothing to render: pass --readme, --archive or --feed, or set settings.readme, \
             settings.archive_dir or settings.feed"
                .into(),
        )
        .into());
    }
    let mut store = open_store(&database_path(cli, config.as_ref()))?;
    let sources = config.as_ref().map_or(&[][..], |c: &Config| c.sources.as_slice());
    let report = render_all(&mut store, sources, &settings, &targets, args.check, Utc::now())?;
    if !cli.quiet {
        write_report(&mut super::stdout(), &report, args.check)?;
    }
    if args.check && !report.out_of_date.is_empty() {
        return Err(OutOfDate(report.out_of_date).into());
    }
    Ok(())
}

/// One line per file for people.
pub(super) fn write_report(
    out: &mut impl Write,
    report: &RenderReport,
    check: bool,
) -> std::io::Result<()> {
    let verb = |changed: bool| match (check, changed) {
        (true, true) => "out of date",
        (_, false) => "up to date",
        (false, true) => "written",
    };
    if let Some(readme) = &report.readme {
        writeln!(
            out,
            "{}: {} ({} new entr{}, {} kept)",
            readme.display(),
            verb(report.readme_changed),
            report.entries_added,
            if report.entries_added == 1 { "y" } else { "ies" },
            report.entries_kept
        )?;
    }
    if report.archive_written + report.archive_unchanged + report.archive_kept > 0 {
        writeln!(
            out,
            "archive: {} {}, {} up to date, {} kept as the curator wrote them",
            report.archive_written,
            if check { "out of date" } else { "written" },
            report.archive_unchanged,
            report.archive_kept
        )?;
    }
    if let Some(feed) = &report.feed {
        writeln!(out, "{}: {}", feed.display(), verb(report.feed_changed))?;
    }
    Ok(())
}

/// Renders every target. With `check`, nothing is written (files or store).
pub(super) fn render_all(
    store: &mut Store,
    sources: &[Source],
    settings: &Settings,
    targets: &Targets,
    check: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<RenderReport> {
    let mode = if check { RenderMode::Check } else { RenderMode::Write };
    render_with(store, sources, settings, targets, mode, now)
}

/// Renders every target as far as `mode` says.
pub(super) fn render_with(
    store: &mut Store,
    sources: &[Source],
    settings: &Settings,
    targets: &Targets,
    mode: RenderMode,
    now: DateTime<Utc>,
) -> anyhow::Result<RenderReport> {
    let check = mode == RenderMode::Check;
    let mut records = RenderRecords::default();
    let (mut curated, withdrawn) = curated_entries_marked(store)?;
    let postmortems = store.listable_postmortems()?;
    let companies = source_companies(sources);
    let mut report = RenderReport::default();

    if let Some(path) = &targets.readme {
        let current = render::read_text(path)?;
        let missing = current.is_none();
        let current = current.unwrap_or_else(|| render::readme::NEW_README.to_owned());
        let root = targets.list_root.clone().or_else(|| std::env::current_dir().ok());
        let key = list_key(path, root.as_deref());
        let listings = collect_listings(&curated, &postmortems, &companies);
        let rendered =
            render::readme::render_readme_withdrawing(&current, &listings, &key, path, &withdrawn)?;
        let changed = missing || rendered.text != current;
        report.readme = Some(path.clone());
        report.entries_added = rendered.added.len();
        report.entries_kept = rendered.kept;
        if changed {
            report.out_of_date.push(path.clone());
        }
        report.readme_changed =
            if check { changed } else { render::write_if_changed(path, rendered.text.as_bytes())? };
        // The list as written is the curated list from now on. An entry new to the store
        // whose bytes are pmagg's own was written by a render killed before it could record
        // it: it is pmagg's, not a person's.
        let known: HashSet<&str> =
            curated.iter().filter(|c| c.list == key).map(|c| c.canonical_url.as_str()).collect();
        let mut written = parse::list::read_curated(&rendered.text, &key);
        for entry in &mut written {
            let url = &entry.canonical_url;
            if rendered.added.contains(url)
                || (rendered.own.contains(url) && !known.contains(url.as_str()))
            {
                entry.origin = CuratedOrigin::Render;
            }
        }
        if !check {
            records.list = Some((key.clone(), written.clone()));
        }
        curated = apply_list(curated, &key, written);
    }

    let listings = collect_listings(&curated, &postmortems, &companies);
    if let Some(dir) = &targets.archive {
        let files = render::archive::plan_archive(&listings);
        let recorded = store.archive_records()?;
        let outcome = render::write_archive(dir, &files, &recorded, check)?;
        if !check {
            records.archive.clone_from(&outcome.written);
            // Written by a render killed before it could record them: pmagg's own.
            records.archive.extend(outcome.adopted.iter().cloned());
        }
        report.archive_written = outcome.written.len();
        report.archive_unchanged = outcome.unchanged;
        report.archive_kept = outcome.kept.len();
        report.out_of_date.extend(outcome.written.iter().map(|(p, _)| dir.join(p)));
    }
    if let Some(path) = &targets.feed {
        let feed_settings = FeedSettings {
            title: settings.feed_title.clone(),
            link: settings.feed_link.as_ref().map(ToString::to_string),
            self_link: settings.feed_url.as_ref().map(ToString::to_string),
            entries: settings.feed_entries,
        };
        let xml = render::feed::render_feed(&listings, &feed_settings)
            .map_err(|source| render::RenderError::Feed { path: path.clone(), source })?;
        let changed = if check {
            render::is_out_of_date(path, xml.as_bytes())?
        } else {
            render::write_if_changed(path, xml.as_bytes())?
        };
        if changed {
            report.out_of_date.push(path.clone());
        }
        report.feed = Some(path.clone());
        report.feed_changed = changed;
    }
    report.listings = listings;
    match mode {
        RenderMode::Write => record_render(store, &records, now)?,
        RenderMode::WriteFiles => report.records = records,
        RenderMode::Check => {}
    }
    Ok(report)
}

/// The curated entries as the curator's marks leave them, and the links withdrawn: a
/// `--not-postmortem` mark takes out the entries pmagg itself wrote for that link (the
/// postmortem is no longer listable either); a line a person wrote stays.
pub(super) fn curated_entries_marked(
    store: &Store,
) -> anyhow::Result<(Vec<CuratedEntry>, HashSet<String>)> {
    let mut curated = store.curated_entries()?;
    let withdrawn: HashSet<String> = store
        .curator_marks()?
        .into_iter()
        .filter(|m| !m.is_postmortem)
        .filter_map(|m| m.canonical_url)
        .filter(|url| {
            curated.iter().any(|c| &c.canonical_url == url && c.origin == CuratedOrigin::Render)
        })
        .collect();
    curated
        .retain(|c| !(c.origin == CuratedOrigin::Render && withdrawn.contains(&c.canonical_url)));
    Ok((curated, withdrawn))
}

/// The curated entries once list `key` is what `written` says, as `Store::import_curated`
/// stores it: its entries replaced (keeping each one's first origin), the ones it lost marked
/// removed.
fn apply_list(
    stored: Vec<CuratedEntry>,
    key: &str,
    written: Vec<CuratedEntry>,
) -> Vec<CuratedEntry> {
    let mut origins = HashMap::new();
    let mut out = Vec::with_capacity(stored.len() + written.len());
    for entry in stored {
        if entry.list == key {
            origins.insert(entry.canonical_url.clone(), entry.origin);
            if !written.iter().any(|w| w.canonical_url == entry.canonical_url) {
                out.push(CuratedEntry { removed: true, ..entry });
            }
        } else {
            out.push(entry);
        }
    }
    for mut entry in written {
        if let Some(origin) = origins.get(&entry.canonical_url) {
            entry.origin = *origin;
        }
        out.push(entry);
    }
    out
}

/// Each configured source's company and company link.
pub(super) fn source_companies(sources: &[Source]) -> HashMap<SourceName, SourceCompany> {
    sources
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                SourceCompany {
                    company: s.company.clone(),
                    company_url: s.company_url.as_ref().map(ToString::to_string),
                },
            )
        })
        .collect()
}
