//! `pmagg links check` and `pmagg links fix` (issue #18).
//!
//! `check` gathers every link of the list (the README's entries and company links), of the
//! curated lists in the store and of the stored postmortems, checks each once through
//! [`pipeline::links`], and prints one line (or JSON object) per link. `fix` rewrites the dead
//! ones in the README's list to their archived copy ([`crate::render::links`]).
//!
//! `PMAGG_NOW` (RFC 3339) sets the clock of a check, for tests that spread checks over
//! simulated days; it is not meant for anything else.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context as _;
use chrono::{DateTime, Utc};

use super::{DASH, UsageError, cell, database_path, load_config, open_store, stdout};
use crate::cli::{Cli, LinksAction, LinksArgs, LinksCheckArgs, LinksFixArgs};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::model::links::LinkStatus;
use crate::model::{CuratedOrigin, canonical_url, list_key};
use crate::pipeline::links::{
    ACCESS_ENV, ArchiveKeys, LinkReport, SECRET_ENV, check_links, gather_links,
};
use crate::render::links::{LinkFix, fix_dead_links};
use crate::render::{read_text, write_if_changed};
use crate::store::Store;

/// The clock knob for tests (see the module docs).
const NOW_ENV: &str = "PMAGG_NOW";
pub(super) fn run(cli: &Cli, args: &LinksArgs) -> anyhow::Result<()> {
    match &args.action {
        LinksAction::Check(check) => run_check(cli, check),
        LinksAction::Fix(fix) => run_fix(cli, fix),
    }
}

/// `PMAGG_NOW`, else the system clock.
pub(super) fn now() -> anyhow::Result<DateTime<Utc>> {
    match std::env::var(NOW_ENV) {
        Ok(text) if !text.trim().is_empty() => DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| UsageError(format!("{NOW_ENV} {text:?} is not an RFC 3339 time")).into()),
        _ => Ok(Utc::now()),
    }
}

fn run_check(cli: &Cli, args: &LinksCheckArgs) -> anyhow::Result<()> {
    let config = load_config(cli)?;
    let now = now()?;
    let store = open_store(&database_path(cli, Some(&config)))?;
    let links = gather_links(&config, &store).context("cannot gather the links")?;
    let fetcher = Fetcher::new(&config.settings).context("cannot start the HTTP client")?;
    let keys = ArchiveKeys::from_env();
    if config.settings.links.archive_save && keys.is_none() {
        eprintln!(
            "pmagg: archive_save is on, but {ACCESS_ENV} and {SECRET_ENV} are not both set: \
             nothing is submitted to Save Page Now"
        );
    }
    let store = Mutex::new(store);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let run = runtime.block_on(check_links(
        &store,
        &fetcher,
        &links,
        &config.settings.links,
        config.settings.concurrency,
        keys.as_ref(),
        now,
    ))?;
    for line in &run.saves {
        eprintln!("pmagg: {line}");
    }
    print_reports(&run.reports, args.json)
}

fn print_reports(reports: &[LinkReport], json: bool) -> anyhow::Result<()> {
    let mut out = stdout();
    if json {
        serde_json::to_writer_pretty(&mut out, reports)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<13} {:>3}  {:<20} {:<20} {:<60} SNAPSHOT",
        "STATUS", "N", "FIRST FAILURE", "LAST SUCCESS", "URL"
    )?;
    let time = |t: Option<DateTime<Utc>>| {
        t.map_or_else(|| DASH.to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string())
    };
    for report in reports {
        writeln!(
            out,
            "{:<13} {:>3}  {:<20} {:<20} {:<60} {}",
            report.status.as_str(),
            report.failures,
            time(report.first_failure),
            time(report.last_success),
            cell(&report.url, 60),
            report.snapshot.as_deref().unwrap_or(DASH),
        )?;
    }
    let dead = reports.iter().filter(|r| r.status == LinkStatus::Dead).count();
    eprintln!("pmagg: {} links, {dead} dead", reports.len());
    Ok(())
}

/// The fixes for the README: each dead link with its snapshot, else pmagg's archive copy.
pub(super) fn plan_fixes(
    config: &Config,
    store: &Store,
    readme: &Path,
    archive_dir: Option<&Path>,
) -> anyhow::Result<Vec<LinkFix>> {
    let policy = &config.settings.links.policy;
    let copies = archive_copies(archive_dir, store, readme)?;
    let mut fixes: Vec<LinkFix> = store
        .link_records()?
        .into_values()
        .filter(|record| policy.status(Some(record)) == LinkStatus::Dead)
        .filter_map(|record| {
            let replacement = match &record.snapshot {
                Some(snapshot) => snapshot.url.clone(),
                None => copies.get(&canonical_url(&record.url))?.clone(),
            };
            Some(LinkFix { url: record.url, replacement })
        })
        .collect();
    fixes.sort_by(|a, b| a.url.cmp(&b.url));
    Ok(fixes)
}

/// pmagg's own archive copies, by the canonical URL of the report they hold (their first
/// line is `[Source](url)`), as paths relative to the README's folder.
fn archive_copies(
    archive_dir: Option<&Path>,
    store: &Store,
    readme: &Path,
) -> anyhow::Result<HashMap<String, String>> {
    let Some(dir) = archive_dir else {
        return Ok(HashMap::new());
    };
    let base = readme.parent().unwrap_or(Path::new(""));
    let mut out = HashMap::new();
    for path in store.archive_records()?.into_keys() {
        let file = dir.join(&path);
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let Some(url) = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("[Source]("))
            .and_then(|l| l.strip_suffix(')'))
        else {
            continue;
        };
        let relative = file.strip_prefix(base).unwrap_or(&file);
        let link: Vec<String> =
            relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        out.insert(canonical_url(url), link.join("/"));
    }
    Ok(out)
}

/// The canonical links of the README's entries that a person wrote.
pub(super) fn hand_written(store: &Store, readme: &Path) -> anyhow::Result<HashSet<String>> {
    let cwd = std::env::current_dir().ok();
    let key = list_key(readme, cwd.as_deref());
    Ok(store
        .curated_entries()?
        .into_iter()
        .filter(|e| e.list == key && e.origin == CuratedOrigin::Import)
        .map(|e| e.canonical_url)
        .collect())
}

fn run_fix(cli: &Cli, args: &LinksFixArgs) -> anyhow::Result<()> {
    let config = load_config(cli)?;
    let readme: PathBuf = args
        .readme
        .clone()
        .or_else(|| config.settings.readme.clone())
        .ok_or_else(|| UsageError("no README: give --readme or set settings.readme".into()))?;
    let store = open_store(&database_path(cli, Some(&config)))?;
    let text = read_text(&readme)
        .with_context(|| format!("cannot read {}", readme.display()))?
        .ok_or_else(|| UsageError(format!("{} does not exist", readme.display())))?;
    let fixes = plan_fixes(&config, &store, &readme, config.settings.archive_dir.as_deref())?;
    let hand = hand_written(&store, &readme)?;
    let fixed = fix_dead_links(&text, &fixes, &hand, args.include_hand_written, &readme)?;
    let changed = write_if_changed(&readme, fixed.text.as_bytes())?;
    let mut out = stdout();
    for url in &fixed.fixed {
        writeln!(out, "fixed {url}")?;
    }
    eprintln!(
        "pmagg: {} dead link{} fixed in {} line{} of {}{}",
        fixed.fixed.len(),
        if fixed.fixed.len() == 1 { "" } else { "s" },
        fixed.lines_changed,
        if fixed.lines_changed == 1 { "" } else { "s" },
        readme.display(),
        if changed { "" } else { " (unchanged)" }
    );
    Ok(())
}
