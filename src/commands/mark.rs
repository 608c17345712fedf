//! `pmagg mark ID|URL --postmortem | --not-postmortem`: the curator's word, which no sync or
//! reextract overrides; and [`refresh_decisions`], which brings every stored decision in line
//! with the marks, curated lists and publishers after any of them changed.
//!
//! The mark goes to its own table (`Store::record_mark`), keyed by the entry's canonical link
//! (by its id only when it has none). The stored decisions are then refreshed at once, so
//! `list`, `render`, `publish` and the feed honour the mark without a new pass.

use std::io::Write;

use anyhow::Context as _;
use chrono::Utc;
use serde::Serialize;

use super::{UsageError, database_path, open_store};
use crate::cli::{Cli, MarkArgs};
use crate::config::{self, Config};
use crate::extract;
use crate::model::{CuratorMark, Decision, Extracted, Postmortem, StoredEntry, canonical_url};
use crate::store::Store;

/// What `pmagg mark --json` prints.
#[derive(Debug, Serialize)]
struct Marked {
    #[serde(flatten)]
    mark: CuratorMark,
    /// Stored entries the mark covers now.
    entries: Vec<i64>,
    /// Stored decisions that changed.
    decisions_changed: usize,
}

pub(super) fn run(cli: &Cli, args: &MarkArgs) -> anyhow::Result<()> {
    let config = if cli.config.exists() { Some(config::load(&cli.config)?) } else { None };
    let path = database_path(cli, config.as_ref());
    if !path.exists() {
        anyhow::bail!(
            "no database at {}: run `pmagg sync` first, or point --db / PMAGG_DB at one",
            path.display()
        );
    }
    let mut store = open_store(&path)?;
    let is_postmortem = args.postmortem;
    let reason = args.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    let (mark, entries) = resolve(&store, &args.entry, is_postmortem, reason.as_deref())?;
    store
        .record_mark(&mark)
        .with_context(|| format!("cannot record the mark on {}", args.entry))?;
    if is_postmortem {
        for &id in &entries {
            give_a_row(&mut store, id, config.as_ref())?;
        }
    }
    let threshold =
        config.as_ref().map_or(config::Settings::default().threshold, |c| c.settings.threshold);
    let changed = refresh_decisions(&mut store, threshold)?;
    if entries.is_empty() && !store_lists(&store, mark.canonical_url.as_deref())? {
        eprintln!(
            "pmagg: no stored entry has this link yet; the mark applies when a source finds it"
        );
    }
    let marked = Marked { mark, entries, decisions_changed: changed };
    let mut out = super::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &marked)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "marked {} {} (curator){}; {} stored decision{} changed",
            args.entry,
            if is_postmortem { "a postmortem" } else { "not a postmortem" },
            marked.mark.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default(),
            changed,
            if changed == 1 { "" } else { "s" }
        )?;
        writeln!(out, "run `pmagg render` (or `pmagg publish`) to update the list")?;
    }
    Ok(())
}

/// The mark for `given` (an entry id or a link) and the stored entries it covers.
fn resolve(
    store: &Store,
    given: &str,
    is_postmortem: bool,
    reason: Option<&str>,
) -> anyhow::Result<(CuratorMark, Vec<i64>)> {
    let mark = |url: Option<String>, entry_id| CuratorMark {
        canonical_url: url.as_deref().map(canonical_url),
        url,
        entry_id,
        is_postmortem,
        reason: reason.map(str::to_owned),
        marked_at: Utc::now(),
    };
    if let Ok(id) = given.parse::<i64>() {
        let entry = store
            .entry(id)?
            .ok_or_else(|| anyhow::anyhow!("no entry with ID {id} (see `pmagg list`)"))?;
        let report_url = store.postmortem_for_entry(id)?.and_then(|p| p.postmortem.url);
        let url = entry.item.url.clone().or(report_url);
        let entries = match &url {
            Some(url) => store.entry_ids_by_canonical_url(&canonical_url(url))?,
            None => vec![id],
        };
        return Ok((mark(url, Some(id)), entries));
    }
    if given.starts_with("http://") || given.starts_with("https://") {
        let entries = store.entry_ids_by_canonical_url(&canonical_url(given))?;
        let entry_id = if let [one] = entries.as_slice() { Some(*one) } else { None };
        return Ok((mark(Some(given.to_owned()), entry_id), entries));
    }
    Err(UsageError(format!("{given:?} is neither an entry ID nor an http(s) URL")).into())
}

/// Whether a curated list has the link.
fn store_lists(store: &Store, canonical: Option<&str>) -> anyhow::Result<bool> {
    let Some(canonical) = canonical else { return Ok(false) };
    Ok(store.curated_entries()?.iter().any(|c| c.canonical_url == canonical))
}

/// An entry marked a postmortem that was never extracted (no report: a feed item that did not
/// look like one) gets a row from what its source says, so that it can be listed.
fn give_a_row(store: &mut Store, entry_id: i64, config: Option<&Config>) -> anyhow::Result<()> {
    if store.postmortem_for_entry(entry_id)?.is_some() {
        return Ok(());
    }
    let Some(StoredEntry { item, source, .. }) = store.entry(entry_id)? else { return Ok(()) };
    let company = item
        .company
        .clone()
        .or_else(|| config?.sources.iter().find(|s| s.name == source).map(|s| s.company.clone()));
    let body = [item.title.as_deref(), item.summary.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n\n");
    let extracted = Extracted {
        identity: item.identity.clone(),
        // No report: the next pass that finds one extracts it (and the mark still decides).
        report_fingerprint: None,
        extractor_version: extract::VERSION,
        postmortem: Postmortem {
            is_postmortem: true,
            title: item.title,
            company,
            url: item.url,
            published: item.published,
            summary: item.summary,
            ..Postmortem::default()
        },
        decided_by: Decision::Curator,
        body,
    };
    store.record_extraction(entry_id, &extracted, Utc::now())?;
    Ok(())
}

/// Brings every stored decision in line with the curator's marks, the curated lists and the
/// publishers (the classifier's word stands where none of them speaks: confidence against
/// `threshold`). Returns how many changed.
pub(super) fn refresh_decisions(store: &mut Store, threshold: f32) -> anyhow::Result<usize> {
    let verdicts = store.verdicts()?;
    let changes: Vec<(i64, bool, Decision)> = store
        .decision_rows()?
        .into_iter()
        .filter_map(|row| {
            let classified = if row.decided_by == Decision::Classifier {
                row.is_postmortem
            } else {
                // A row extracted without the classifier (its report was vouched for) has no
                // word from it: not a postmortem until `pmagg reextract` runs it.
                row.confidence.is_some_and(|c| c >= threshold)
            };
            let (is_postmortem, decided_by) = verdicts.decide(
                &row.source,
                &row.identity,
                &[row.entry_url.as_deref(), row.url.as_deref()],
                classified,
                row.vouched_by,
            );
            ((is_postmortem, decided_by) != (row.is_postmortem, row.decided_by)).then_some((
                row.id,
                is_postmortem,
                decided_by,
            ))
        })
        .collect();
    if !changes.is_empty() {
        store.record_decisions(&changes).context("cannot store the new decisions")?;
    }
    Ok(changes.len())
}
