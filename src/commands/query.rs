//! `pmagg list`, `pmagg show` and `pmagg search`: read-only views of stored entries. `show`
//! says who decided an entry (and why: a curator's reason, the classifier's signals).

use std::io::Write;

use super::{DASH, UsageError, cell, open_store_for_reading};
use crate::cli::{Cli, ListArgs, SearchArgs, ShowArgs};
use crate::extract::{self, Explanation};
use std::io::IsTerminal as _;

use crate::model::{
    CollectionDetail, CollectionItem, CuratorMark, Decision, Hints, PostmortemFilter, Report,
    StoredEntry, StoredPostmortem,
};
use crate::parse;
use crate::store::{Store, StoreError};

pub(super) fn list(cli: &Cli, args: &ListArgs) -> anyhow::Result<()> {
    let store = open_store_for_reading(cli)?;
    if args.postmortems {
        return write_postmortems(&store.list_postmortems(args.limit)?, args.json);
    }
    if args.entries {
        return write_entries(&store.list_entries(args.limit)?, args.json);
    }
    let filter = list_filter(args)?;
    write_collection(
        &store.collection(&filter)?.items,
        args.json,
        "nothing matches: import a list (`pmagg import`) or run `pmagg sync`",
    )
}

/// The `list` flags as the filter the site reads from its URL.
fn list_filter(args: &ListArgs) -> anyhow::Result<PostmortemFilter> {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    let mut add = |name, value: Option<String>| {
        if let Some(value) = value {
            pairs.push((name, value));
        }
    };
    add("company", args.company.clone());
    add("category", args.category.clone());
    add("source", args.source.clone());
    add("since", args.since.map(|d| d.to_string()));
    add("until", args.until.map(|d| d.to_string()));
    add("min_minutes", args.min_minutes.map(|m| m.to_string()));
    add("max_minutes", args.max_minutes.map(|m| m.to_string()));
    add("origin", args.origin.clone());
    let mut filter = PostmortemFilter::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        .map_err(|err| {
            UsageError(format!(
                "--{}",
                err.to_string()
                    .trim_start_matches("parameter `")
                    .replacen('`', "", 1)
                    .replace('_', "-")
            ))
        })?;
    filter.per_page = u32::try_from(args.limit).unwrap_or(u32::MAX).clamp(1, u32::MAX);
    Ok(filter)
}

fn write_entries(entries: &[StoredEntry], json: bool) -> anyhow::Result<()> {
    let mut out = super::stdout();
    if json {
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
        return Ok(());
    }
    for entry in entries {
        writeln!(
            out,
            "{:>6}  {:<10}  {:<20}  {}",
            entry.id,
            entry
                .item
                .published
                .map_or_else(|| DASH.to_owned(), |p| p.format("%Y-%m-%d").to_string()),
            cell(entry.source.as_str(), 20),
            cell(entry.item.title.as_deref().unwrap_or("(untitled)"), 80),
        )?;
    }
    if entries.is_empty() {
        writeln!(out, "no entries yet: run `pmagg sync`")?;
    }
    Ok(())
}

/// Collection items as a table (ID, date, origin, company, title) or JSON.
fn write_collection(items: &[CollectionItem], json: bool, empty: &str) -> anyhow::Result<()> {
    let mut out = super::stdout();
    if json {
        serde_json::to_writer_pretty(&mut out, items)?;
        writeln!(out)?;
        return Ok(());
    }
    if std::io::stdout().is_terminal() && !items.is_empty() {
        writeln!(out, "{:>7}  {:<10}  {:<7}  {:<20}  TITLE", "ID", "DATE", "ORIGIN", "COMPANY")?;
    }
    for item in items {
        writeln!(
            out,
            "{:>7}  {:<10}  {:<7}  {:<20}  {}",
            item.id,
            item.incident_date.map_or_else(|| DASH.to_owned(), |d| d.to_string()),
            item.origin.as_str(),
            cell(item.company.as_deref().unwrap_or(DASH), 20),
            cell(&item.display_title(), 80),
        )?;
    }
    if items.is_empty() {
        writeln!(out, "{empty}")?;
    }
    Ok(())
}

pub(super) fn show(cli: &Cli, args: &ShowArgs) -> anyhow::Result<()> {
    let store = open_store_for_reading(cli)?;
    if let Some(detail) = collection_detail(&store, &args.entry)? {
        return write_detail(&detail, args.json);
    }
    let entry = if let Ok(id) = args.entry.parse::<i64>() {
        store
            .entry(id)?
            .ok_or_else(|| anyhow::anyhow!("no entry with ID {id} (see `pmagg list`)"))?
    } else if args.entry.starts_with("http://") || args.entry.starts_with("https://") {
        let mut found = store.entries_by_url(&args.entry)?;
        if found.len() > 1 {
            let ids: Vec<_> = found.iter().map(|e| e.id.to_string()).collect();
            eprintln!(
                "pmagg: {} entries have this URL (IDs {}); showing the first",
                found.len(),
                ids.join(", ")
            );
        }
        if found.is_empty() {
            anyhow::bail!("no entry with URL {}", args.entry);
        }
        found.swap_remove(0)
    } else {
        return Err(UsageError(format!(
            "{:?} is neither an entry ID nor an http(s) URL",
            args.entry
        ))
        .into());
    };
    let postmortem = store.postmortem_for_entry(entry.id)?;
    let report_url = postmortem.as_ref().and_then(|p| p.postmortem.url.clone());
    let mark =
        store.mark_for_entry(entry.id, &[entry.item.url.as_deref(), report_url.as_deref()])?;
    let explanation = entry.item.report.as_ref().map(|report| explain(&entry, report));
    let mut out = super::stdout();
    if args.json {
        let mut value = serde_json::to_value(&entry)?;
        value["postmortem"] = match &postmortem {
            Some(p) => {
                let mut fields = serde_json::to_value(&p.postmortem)?;
                fields["decided_by"] = serde_json::to_value(p.decided_by)?;
                fields
            }
            None => serde_json::Value::Null,
        };
        if let Some(explanation) = &explanation
            && value["postmortem"].is_object()
        {
            value["postmortem"]["explanation"] = serde_json::to_value(explanation)?;
        }
        // Only a marked entry has a "mark": the object stays as it was for the others.
        if let Some(mark) = &mark {
            value["mark"] = serde_json::to_value(mark)?;
        }
        serde_json::to_writer_pretty(&mut out, &value)?;
        writeln!(out)?;
    } else {
        write_entry(&mut out, &entry)?;
        if let Some(p) = postmortem {
            writeln!(out, "\nExtracted (extractor v{}):", p.extractor_version)?;
            super::extract::write_postmortem(&mut out, &p.postmortem)?;
            write_decision(&mut out, p.decided_by, &entry, mark.as_ref())?;
            if let Some(explanation) = &explanation {
                write_explanation(&mut out, explanation, p.postmortem.confidence)?;
            }
        } else if let Some(mark) = &mark {
            writeln!(out)?;
            write_mark(&mut out, mark)?;
        }
    }
    Ok(())
}

/// A collection item named by its `list` ID (`s12`, `c3`), or a curated entry named by a URL
/// no synced entry has.
fn collection_detail(store: &Store, name: &str) -> anyhow::Result<Option<CollectionDetail>> {
    let is_url = name.starts_with("http://") || name.starts_with("https://");
    if is_url {
        if !store.entries_by_url(name)?.is_empty() {
            return Ok(None);
        }
        let ids = store.collection_ids_by_url(name)?;
        return match ids.first() {
            Some(id) => Ok(store.collection_item(id)?),
            None => Ok(None),
        };
    }
    if name.parse::<i64>().is_ok() {
        return Ok(None);
    }
    match store.collection_item(name)? {
        Some(detail) => Ok(Some(detail)),
        None => Err(UsageError(format!(
            "{name:?} is neither an ID from `pmagg list` nor an http(s) URL"
        ))
        .into()),
    }
}

fn write_detail(detail: &CollectionDetail, json: bool) -> anyhow::Result<()> {
    let mut out = super::stdout();
    if json {
        serde_json::to_writer_pretty(&mut out, detail)?;
        writeln!(out)?;
        return Ok(());
    }
    write_detail_text(&mut out, detail)?;
    Ok(())
}

/// A collection item as `show s12` / `show c3` prints it: the list's fields, then who decided
/// it is a postmortem, its timeline and its action items, as `show ID` prints them for an
/// entry.
fn write_detail_text(out: &mut impl Write, detail: &CollectionDetail) -> std::io::Result<()> {
    let item = &detail.item;
    writeln!(out, "{}", item.display_title())?;
    let rows = [
        ("ID", Some(item.id.clone())),
        ("Origin", Some(item.origin.to_string())),
        ("Source", Some(item.source.clone())),
        ("Company", item.company.clone()),
        ("URL", item.url.clone()),
        ("Incident", item.incident_date.map(|d| d.to_string())),
        ("Duration", item.duration_minutes.map(|m| format!("{m} minutes"))),
        ("Categories", (!item.categories.is_empty()).then(|| item.categories.join(", "))),
        ("Impact", item.impact.clone()),
        ("Root cause", item.root_cause.clone()),
        ("Resolution", item.resolution.clone()),
        ("Summary", item.summary.clone()),
    ];
    for (name, value) in rows {
        if let Some(value) = value {
            writeln!(out, "{:<12}{}", format!("{name}:"), value)?;
        }
    }
    if let Some(decided_by) = detail.decided_by {
        writeln!(out, "{:<12}{}", "Decided by:", decided_by.as_str())?;
    }
    super::extract::write_timeline_and_actions(out, &detail.timeline, &detail.action_items)
}

/// Where the decision came from, in words.
fn write_decision(
    out: &mut impl Write,
    decided_by: Decision,
    entry: &StoredEntry,
    mark: Option<&CuratorMark>,
) -> std::io::Result<()> {
    let why = match decided_by {
        Decision::Publisher => format!(
            "the publisher marked it a postmortem{}",
            entry
                .item
                .incident
                .as_ref()
                .map(|i| format!(" (incident status {:?}, report from the status page)", i.status))
                .unwrap_or_default()
        ),
        Decision::Curated => "a curated list has it".to_owned(),
        Decision::Classifier => "the classifier's confidence against the threshold".to_owned(),
        Decision::Curator => "a curator's mark (`pmagg mark`)".to_owned(),
    };
    writeln!(out, "Decided by:   {decided_by}: {why}")?;
    if let Some(mark) = mark {
        write_mark(out, mark)?;
    }
    Ok(())
}

/// The classifier's view of the entry's stored report: each signal's part in its score.
fn explain(entry: &StoredEntry, report: &Report) -> Explanation {
    let document = parse::report_document(report);
    let incident = entry.item.incident.as_ref();
    let hints = Hints {
        title: entry.item.title.clone(),
        company: entry.item.company.clone(),
        url: entry.item.url.clone(),
        published: entry.item.published,
        started_at: incident.and_then(|i| i.started_at),
        resolved_at: incident.and_then(|i| i.resolved_at),
    };
    extract::explain(&document, &hints)
}

/// The explanation as lines: the bias, then each signal's contribution, largest first.
fn write_explanation(
    out: &mut impl Write,
    explanation: &Explanation,
    stored: Option<f32>,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Classifier:   confidence {:.2} = sigmoid(bias {:+.2} + the signals below)",
        explanation.confidence, explanation.bias
    )?;
    match stored {
        Some(stored) if (explanation.confidence - stored).abs() > 0.005 => writeln!(
            out,
            "              (the stored {stored:.2} is an older extractor's: `pmagg reextract` \
             updates it)"
        )?,
        Some(_) => {}
        None => writeln!(
            out,
            "              (what it would say: the report was vouched for, so sync did not ask it)"
        )?,
    }
    for c in &explanation.contributions {
        if c.weight == 0.0 {
            writeln!(out, "  {:+7.2}  {}", c.contribution, c.signal)?;
        } else {
            writeln!(
                out,
                "  {:+7.2}  {} = {:.2} x weight {:+.2}",
                c.contribution, c.signal, c.value, c.weight
            )?;
        }
    }
    Ok(())
}

fn write_mark(out: &mut impl Write, mark: &CuratorMark) -> std::io::Result<()> {
    writeln!(
        out,
        "Marked:       {} on {}{}",
        if mark.is_postmortem { "a postmortem" } else { "not a postmortem" },
        mark.marked_at.format("%Y-%m-%d %H:%M UTC"),
        mark.reason
            .as_deref()
            .map(|r| format!(" ({})", r.replace(['\n', '\r'], " ")))
            .unwrap_or_default()
    )
}

fn write_entry(out: &mut impl Write, entry: &StoredEntry) -> std::io::Result<()> {
    let or_dash = |v: Option<&str>| v.map_or_else(|| DASH.to_owned(), str::to_owned);
    writeln!(out, "{}", entry.item.title.as_deref().unwrap_or("(untitled)"))?;
    writeln!(out, "  id:         {}", entry.id)?;
    writeln!(out, "  source:     {}", entry.source)?;
    writeln!(out, "  url:        {}", or_dash(entry.item.url.as_deref()))?;
    writeln!(
        out,
        "  published:  {}",
        entry.item.published.map_or_else(|| DASH.to_owned(), |p| p.to_rfc3339())
    )?;
    writeln!(out, "  first seen: {}", entry.first_seen.to_rfc3339())?;
    writeln!(out, "  last seen:  {}", entry.last_seen.to_rfc3339())?;
    writeln!(out, "  identity:   {}", entry.item.identity.as_str())?;
    writeln!(out, "  candidate:  {}", if entry.item.candidate { "yes" } else { "no" })?;
    if let Some(incident) = &entry.item.incident {
        writeln!(out, "  incident:   {} ({} updates)", incident.status, incident.updates.len())?;
    }
    if let Some(report) = &entry.item.report {
        writeln!(
            out,
            "  report:     {} chars of {}, revision {}",
            report.text.len(),
            report.format.as_str(),
            entry.revision
        )?;
    }
    if let Some(summary) = &entry.item.summary {
        writeln!(out, "\n{}", summary.trim())?;
    }
    if let Some(content) = &entry.item.content {
        writeln!(out, "\n{}", content.trim())?;
    }
    Ok(())
}

pub(super) fn search(cli: &Cli, args: &SearchArgs) -> anyhow::Result<()> {
    let store = open_store_for_reading(cli)?;
    let filter = PostmortemFilter {
        q: Some(args.query.clone()),
        per_page: u32::try_from(args.limit).unwrap_or(u32::MAX).max(1),
        ..PostmortemFilter::everything()
    };
    let found = store
        .check_search_syntax(&args.query)
        .and_then(|()| store.collection(&filter))
        .map_err(|err| {
            // A query FTS5 cannot read is explained in words, with an example.
            if let StoreError::Search { .. } = err {
                return anyhow::Error::new(UsageError(err.to_string()));
            }
            anyhow::Error::new(UsageError(format!(
                "cannot search for {:?}: {} (FTS5 syntax: words, \"phrases\", AND/OR/NOT, \
                 prefix*; e.g. '\"root cause\" AND database')",
                args.query,
                crate::pipeline::describe(&err)
            )))
        })?;
    write_collection(&found.items, args.json, "no postmortems found")
}

fn write_postmortems(found: &[StoredPostmortem], json: bool) -> anyhow::Result<()> {
    let mut out = super::stdout();
    if json {
        serde_json::to_writer_pretty(&mut out, found)?;
        writeln!(out)?;
        return Ok(());
    }
    for p in found {
        writeln!(
            out,
            "{:>6}  {:<10}  {:<20}  {}",
            p.entry_id,
            p.postmortem.incident_date.map_or_else(|| DASH.to_owned(), |d| d.to_string()),
            cell(p.postmortem.company.as_deref().unwrap_or(p.source.as_str()), 20),
            cell(p.postmortem.title.as_deref().unwrap_or("(untitled)"), 80),
        )?;
        if let Some(summary) = &p.postmortem.summary {
            writeln!(out, "{:>6}  {}", "", cell(summary, 110))?;
        }
    }
    if found.is_empty() {
        writeln!(out, "no postmortems found")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CollectionItem, Decision, Origin, TimelineEvent};

    #[test]
    fn a_collection_item_shows_its_decision_timeline_and_action_items() {
        let detail = CollectionDetail {
            item: CollectionItem {
                title: Some("Queue outage".into()),
                ..CollectionItem::bare("s4", Origin::Synced, "Example status")
            },
            timeline: vec![TimelineEvent {
                time: "2025-03-12T14:05:00Z".into(),
                event: "A deploy starts.".into(),
            }],
            action_items: vec!["Alert on delivery latency.".into()],
            decided_by: Some(Decision::Publisher),
            report: None,
        };
        let mut out = Vec::new();
        write_detail_text(&mut out, &detail).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("Queue outage\nID:         s4\n"), "{text}");
        assert!(text.contains("Decided by: publisher\n"), "{text}");
        assert!(
            text.ends_with(
                "Timeline:\n  2025-03-12T14:05:00Z  A deploy starts.\n\
                 Action items:\n  - Alert on delivery latency.\n"
            ),
            "{text}"
        );
    }
}
