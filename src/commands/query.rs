//! `pmagg list`, `pmagg show` and `pmagg search`: read-only views of stored entries. `show`
//! says who decided an entry (and why: a curator's reason, the classifier's signals).

use std::io::Write;

use super::{DASH, UsageError, cell, open_store_for_reading};
use crate::cli::{Cli, ListArgs, SearchArgs, ShowArgs};
use crate::extract::{self, Explanation};
use crate::model::{CuratorMark, Decision, Hints, Report, StoredEntry, StoredPostmortem};
use crate::parse;
use crate::store::StoreError;

pub(super) fn list(cli: &Cli, args: &ListArgs) -> anyhow::Result<()> {
    let store = open_store_for_reading(cli)?;
    if args.postmortems {
        return write_postmortems(&store.list_postmortems(args.limit)?, args.json);
    }
    let entries = store.list_entries(args.limit)?;
    let mut out = super::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
        return Ok(());
    }
    for entry in &entries {
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

pub(super) fn show(cli: &Cli, args: &ShowArgs) -> anyhow::Result<()> {
    let store = open_store_for_reading(cli)?;
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
    stored: f32,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Classifier:   confidence {:.2} = sigmoid(bias {:+.2} + the signals below)",
        explanation.confidence, explanation.bias
    )?;
    if (explanation.confidence - stored).abs() > 0.005 {
        writeln!(
            out,
            "              (the stored {stored:.2} is an older extractor's: `pmagg reextract` \
             updates it)"
        )?;
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
    let found = store.search_postmortems(&args.query, args.limit).map_err(|err| {
        if let StoreError::Search { .. } = err {
            return anyhow::Error::new(UsageError(err.to_string()));
        }
        anyhow::Error::new(UsageError(format!(
            "cannot search for {:?}: {} (FTS5 syntax: words, \"phrases\", AND/OR/NOT, prefix*)",
            args.query,
            crate::pipeline::describe(&err)
        )))
    })?;
    write_postmortems(&found, args.json)
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
