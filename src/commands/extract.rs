//! `pmagg extract` (one file or URL, nothing stored) and `pmagg reextract` (every stored
//! report again, after the extractor improved; nothing fetched).

use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context as _;
use chrono::Utc;
use url::Url;

use super::{DASH, database_path, open_store};
use crate::cli::{Cli, ExtractArgs, ReextractArgs};
use crate::config::{self, Settings};
use crate::extract;
use crate::fetch::{FetchRequest, Fetched, Fetcher};
use crate::model::{Extracted, Hints, Postmortem, Validators};
use crate::parse;
use crate::pipeline;

pub(super) fn run_extract(cli: &Cli, args: &ExtractArgs) -> anyhow::Result<()> {
    // The config only lends its settings (threshold, timeouts); extract works without one.
    let settings =
        if cli.config.exists() { config::load(&cli.config)?.settings } else { Settings::default() };
    let threshold = args.threshold.unwrap_or(settings.threshold);
    let (body, content_type, url) = read_input(&args.input, &settings)?;
    let document =
        parse::document::parse_document(&body, content_type.as_deref(), url.as_ref(), None);
    let hints = Hints {
        title: args.title.clone(),
        company: args.company.clone(),
        url: url.as_ref().map(ToString::to_string),
        ..Hints::default()
    };
    let postmortem = extract::extract(&document, &hints, threshold);
    let mut out = super::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &postmortem)?;
        writeln!(out)?;
    } else {
        write_postmortem(&mut out, &postmortem)?;
    }
    Ok(())
}

/// The bytes, their content type and their URL: from a URL, a file, or `-` (stdin).
fn read_input(
    input: &str,
    settings: &Settings,
) -> anyhow::Result<(Vec<u8>, Option<String>, Option<Url>)> {
    if input.starts_with("http://") || input.starts_with("https://") {
        let url = Url::parse(input).with_context(|| format!("{input:?} is not a valid URL"))?;
        let fetcher = Fetcher::new(settings).context("cannot start the HTTP client")?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let validators = Validators::default();
        let request = FetchRequest {
            url: &url,
            accept: "text/html, text/markdown, text/plain;q=0.9, */*;q=0.5",
            validators: &validators,
        };
        return match runtime.block_on(fetcher.fetch(request))? {
            Fetched::Body(response) => {
                Ok((response.body.to_vec(), response.content_type, Some(response.final_url)))
            }
            Fetched::NotModified => anyhow::bail!("{url} answered 304 to an unconditional request"),
        };
    }
    let mut body = Vec::new();
    if input == "-" {
        std::io::stdin().read_to_end(&mut body).context("cannot read standard input")?;
        return Ok((body, None, None));
    }
    let path = Path::new(input);
    body = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok((body, content_type_for(path).map(str::to_owned), None))
}

/// The content type a file's extension implies; `None` lets the parser sniff.
fn content_type_for(path: &Path) -> Option<&'static str> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" | "xhtml" => Some("text/html"),
        "md" | "markdown" => Some("text/markdown"),
        "txt" | "text" => Some("text/plain"),
        _ => None,
    }
}

pub(super) fn write_postmortem(out: &mut impl Write, p: &Postmortem) -> std::io::Result<()> {
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| DASH.to_owned());
    writeln!(
        out,
        "Postmortem:   {} (confidence {:.2})",
        if p.is_postmortem { "yes" } else { "no" },
        p.confidence
    )?;
    writeln!(out, "Title:        {}", text(&p.title))?;
    writeln!(out, "Company:      {}", text(&p.company))?;
    writeln!(
        out,
        "Published:    {}",
        p.published.map_or_else(|| DASH.to_owned(), |t| t.to_rfc3339())
    )?;
    writeln!(
        out,
        "Incident:     {}",
        p.incident_date.map_or_else(|| DASH.to_owned(), |d| d.to_string())
    )?;
    writeln!(
        out,
        "Start / end:  {} / {}",
        p.start.map_or_else(|| DASH.to_owned(), |t| t.to_rfc3339()),
        p.end.map_or_else(|| DASH.to_owned(), |t| t.to_rfc3339())
    )?;
    writeln!(
        out,
        "Duration:     {}",
        p.duration_minutes.map_or_else(|| DASH.to_owned(), |m| format!("{m} min"))
    )?;
    writeln!(out, "Impact:       {}", text(&p.impact))?;
    writeln!(out, "Root cause:   {}", text(&p.root_cause))?;
    writeln!(out, "Resolution:   {}", text(&p.resolution))?;
    writeln!(out, "Summary:      {}", text(&p.summary))?;
    let categories: Vec<String> = p
        .categories
        .iter()
        .filter_map(|c| serde_json::to_value(c).ok()?.as_str().map(str::to_owned))
        .collect();
    writeln!(
        out,
        "Categories:   {}",
        if categories.is_empty() { DASH.to_owned() } else { categories.join(", ") }
    )?;
    if !p.timeline.is_empty() {
        writeln!(out, "Timeline:")?;
        for event in &p.timeline {
            writeln!(out, "  {}  {}", event.time, event.event)?;
        }
    }
    if !p.action_items.is_empty() {
        writeln!(out, "Action items:")?;
        for item in &p.action_items {
            writeln!(out, "  - {item}")?;
        }
    }
    Ok(())
}

pub(super) fn run_reextract(cli: &Cli, args: &ReextractArgs) -> anyhow::Result<()> {
    let config = config::load(&cli.config)?;
    let mut store = open_store(&database_path(cli, Some(&config)))?;
    let stale = if args.all { None } else { Some(extract::VERSION) };
    let entries = store.entries_with_reports(stale)?;
    let now = Utc::now();
    let mut confirmed = 0;
    for stored in &entries {
        let Some(report) = &stored.item.report else { continue };
        let document = parse::report_document(report);
        let hints = match config.sources.iter().find(|s| s.name == stored.source) {
            Some(source) => pipeline::hints(source, &stored.item),
            None => Hints {
                title: stored.item.title.clone(),
                company: stored.item.company.clone(),
                url: stored.item.url.clone(),
                published: stored.item.published,
                ..Hints::default()
            },
        };
        let postmortem = extract::extract(&document, &hints, config.settings.threshold);
        confirmed += u64::from(postmortem.is_postmortem);
        let extracted = Extracted {
            identity: stored.item.identity.clone(),
            report_fingerprint: Some(report.fingerprint.clone()),
            extractor_version: extract::VERSION,
            postmortem,
            body: document.markdown,
        };
        store.record_extraction(stored.id, &extracted, now)?;
    }
    let mut out = super::stdout();
    if args.json {
        serde_json::to_writer(
            &mut out,
            &serde_json::json!({"reextracted": entries.len(), "postmortems": confirmed}),
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "re-extracted {} report{}: {confirmed} postmortem{}",
            entries.len(),
            if entries.len() == 1 { "" } else { "s" },
            if confirmed == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_extensions() {
        assert_eq!(content_type_for(Path::new("a/report.MD")), Some("text/markdown"));
        assert_eq!(content_type_for(Path::new("page.html")), Some("text/html"));
        assert_eq!(content_type_for(Path::new("seed.txt")), Some("text/plain"));
        assert_eq!(content_type_for(Path::new("noext")), None);
    }
}
