//! `pmagg extract` (one file or URL, nothing stored) and `pmagg reextract` (every stored
//! report again, after the extractor improved; nothing fetched).

use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context as _;
use chrono::Utc;
use url::Url;

use super::{DASH, UsageError, database_path, open_store};
use crate::cli::{Cli, ExtractArgs, ReextractArgs};
use crate::config::Settings;
use crate::extract;
use crate::fetch::{FetchRequest, Fetched, Fetcher};
use crate::model::{Decision, Entry, Extracted, Hints, Postmortem, TimelineEvent, Validators};
use crate::parse;
use crate::pipeline;

pub(super) fn run_extract(cli: &Cli, args: &ExtractArgs) -> anyhow::Result<()> {
    // The config only lends its settings (threshold, timeouts); extract works without one,
    // and a broken one in the working directory only costs its settings (issue #16).
    let settings = match super::load_optional_config(cli) {
        Ok(config) => config.map(|c| c.settings).unwrap_or_default(),
        Err(err) => {
            eprintln!("pmagg: ignoring the config, using default settings: {err:#}");
            Settings::default()
        }
    };
    let threshold = args.threshold.unwrap_or(settings.threshold);
    let Input { body, content_type, url, truncated } = read_input(&args.input, &settings)?;
    let name = shown(&args.input);
    if let Some(kind) = parse::sniff::binary_kind(&body) {
        return Err(UsageError(format!(
            "{name} is {kind}, not a document: pmagg extract reads HTML, markdown, plain text, \
             or a Statuspage, incident.io or Google Cloud incidents JSON"
        ))
        .into());
    }
    // A file named .md or .html, or a page served as HTML, is a document even when it starts
    // with `[`. Otherwise what starts like JSON and parses as JSON is JSON (what was cut short
    // cannot be checked, and is taken for what it starts like).
    let maybe_json = content_type.as_deref().is_none_or(|t| t.contains("json"));
    let json = parse::sniff::api_json(&body).filter(|_| {
        maybe_json && (truncated || serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok())
    });
    if let Some(api) = json {
        let Some(api) = api else {
            return Err(UsageError(format!(
                "{name} is JSON, but not from an API pmagg reads: give it a Statuspage or \
                 incident.io incidents.json (…/api/v2/incidents.json), an incident.io incident, \
                 or a Google Cloud incidents.json; or the report itself as HTML, markdown or text"
            ))
            .into());
        };
        if truncated {
            anyhow::bail!(
                "{name} is {} larger than max_body_bytes ({} bytes); nothing was extracted",
                api.name(),
                settings.max_body_bytes
            );
        }
        return extract_api(args, &name, api, &body, url.as_ref(), threshold);
    }
    if truncated {
        eprintln!(
            "pmagg: {name} is longer than max_report_bytes ({} bytes): only its start was read",
            settings.max_report_bytes
        );
    }
    let document =
        parse::document::parse_document(&body, content_type.as_deref(), url.as_ref(), None);
    let hints = Hints {
        title: args.title.clone(),
        company: args.company.clone(),
        url: url.as_ref().map(ToString::to_string),
        ..Hints::default()
    };
    let mut postmortem = extract::extract(&document, &hints, threshold);
    // An archived copy of a curated list's entry is a postmortem by the curator's word.
    let vouched = parse::document::archived_copy_source(&body).map(|_| Decision::Curated);
    let (is_postmortem, decided_by) = Decision::resolve(postmortem.is_postmortem, vouched, None);
    postmortem.is_postmortem = is_postmortem;
    let mut out = super::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &DecidedPostmortem { decided_by, postmortem })?;
        writeln!(out)?;
    } else {
        write_postmortem(&mut out, &postmortem)?;
        writeln!(out, "Decided by:   {decided_by}")?;
    }
    Ok(())
}

/// What `pmagg extract` read.
struct Input {
    /// The bytes: at most `max_report_bytes` of a document, `max_body_bytes` of API JSON.
    body: Vec<u8>,
    /// The content type the URL answered with or the file's extension implies.
    content_type: Option<String>,
    /// Where it was fetched.
    url: Option<Url>,
    /// Whether there was more than was read.
    truncated: bool,
}

/// The input as it may be named in a message: control characters replaced, so that no
/// terminal escape in a file name reaches the terminal.
fn shown(input: &str) -> String {
    input.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// Reads what `pmagg extract` is given, bounded: the first [`parse::sniff::SNIFF_BYTES`]
/// tell a binary (read no further) or a known API's JSON (read up to `max_body_bytes`, as
/// `sync` would); a document is read up to `max_report_bytes`, what `sync` reads of a report.
fn read_bounded(mut reader: impl Read, name: &str, settings: &Settings) -> anyhow::Result<Input> {
    let context = || format!("cannot read {name}");
    let mut body = Vec::with_capacity(parse::sniff::SNIFF_BYTES);
    (&mut reader)
        .take(parse::sniff::SNIFF_BYTES as u64)
        .read_to_end(&mut body)
        .with_context(context)?;
    let done = |body, truncated| Input { body, content_type: None, url: None, truncated };
    if body.len() < parse::sniff::SNIFF_BYTES || parse::sniff::binary_kind(&body).is_some() {
        return Ok(done(body, false));
    }
    let limit = if matches!(parse::sniff::api_json(&body), Some(Some(_))) {
        settings.max_body_bytes
    } else {
        settings.max_report_bytes
    };
    // One byte past the limit tells whether there was more.
    (&mut reader)
        .take((limit + 1).saturating_sub(body.len() as u64))
        .read_to_end(&mut body)
        .with_context(context)?;
    let truncated = body.len() as u64 > limit;
    body.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(done(body, truncated))
}

/// The bytes, their content type and their URL: from a URL, a file, or `-` (stdin).
fn read_input(input: &str, settings: &Settings) -> anyhow::Result<Input> {
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
        // Past max_body_bytes the rest is not read; a document is cut to max_report_bytes.
        let response = match runtime
            .block_on(fetcher.fetch_prefix(request, settings.max_body_bytes.saturating_add(1)))?
        {
            Fetched::Body(response) => response,
            Fetched::NotModified => anyhow::bail!("{url} answered 304 to an unconditional request"),
        };
        let mut input = read_bounded(&response.body[..], &shown(input), settings)?;
        input.content_type = response.content_type;
        input.url = Some(response.final_url);
        return Ok(input);
    }
    if input == "-" {
        return read_bounded(std::io::stdin().lock(), "standard input", settings);
    }
    let path = Path::new(input);
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", shown(input)))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(UsageError(format!("{} is a directory, not a document", shown(input))).into());
    }
    let mut read = read_bounded(file, &shown(input), settings)?;
    read.content_type = content_type_for(path).map(str::to_owned);
    Ok(read)
}

/// One postmortem, with who decided it: `publisher` for an API's postmortems, `curated` for
/// an archived copy of a curated list's entry, else `classifier`.
#[derive(Debug, serde::Serialize)]
struct DecidedPostmortem {
    /// Who decided.
    decided_by: Decision,
    #[serde(flatten)]
    postmortem: Postmortem,
}

/// Reads a known API's JSON with that API's parser and extracts each postmortem it carries
/// (the publisher's word decides, as in a pass). Prints a JSON array with `--json`.
fn extract_api(
    args: &ExtractArgs,
    name: &str,
    api: parse::sniff::ApiJson,
    body: &[u8],
    url: Option<&Url>,
    threshold: f32,
) -> anyhow::Result<()> {
    use parse::sniff::ApiJson;
    // Incident links are built on the status page's address: the JSON's own, else where it
    // was fetched, else a placeholder that says it is unknown.
    let page = page_url(body)
        .or_else(|| url.cloned())
        .unwrap_or_else(|| Url::parse("https://status.invalid/").expect("a valid constant URL"));
    let entries = match api {
        ApiJson::StatuspageIncidents => parse::statuspage::parse_incidents(body, &page)
            .with_context(|| format!("{name} looks like {} but cannot be read", api.name()))?,
        ApiJson::GcpIncidents => parse::gcp::parse_incidents(body, &page)
            .with_context(|| format!("{name} looks like {} but cannot be read", api.name()))?,
        ApiJson::IncidentioDetail => {
            let report = parse::incidentio::report_from_detail(body);
            vec![Entry {
                candidate: report.is_some(),
                vouched_by: report.is_some().then_some(Decision::Publisher),
                report,
                url: url.map(ToString::to_string),
                ..Entry::default()
            }]
        }
    };
    let total = entries.len();
    let mut found = Vec::new();
    for entry in entries.into_iter().filter(|e| e.candidate) {
        let Some(report) = &entry.report else { continue };
        let document = parse::report_document(report);
        let hints = Hints {
            title: args.title.clone().or_else(|| entry.title.clone()),
            company: args.company.clone(),
            url: entry.url.clone(),
            published: entry.published,
            started_at: entry.incident.as_ref().and_then(|i| i.started_at),
            resolved_at: entry.incident.as_ref().and_then(|i| i.resolved_at),
        };
        let mut postmortem = extract::extract(&document, &hints, threshold);
        let (is_postmortem, decided_by) =
            Decision::resolve(postmortem.is_postmortem, entry.vouched_by, None);
        postmortem.is_postmortem = is_postmortem;
        found.push(DecidedPostmortem { decided_by, postmortem });
    }
    let mut out = super::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &found)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{name}: {} of {total} incident{} carr{} a postmortem ({})",
        found.len(),
        if total == 1 { "" } else { "s" },
        if found.len() == 1 { "ies" } else { "y" },
        api.name()
    )?;
    for item in &found {
        writeln!(out)?;
        write_postmortem(&mut out, &item.postmortem)?;
        writeln!(out, "Decided by:   {}", item.decided_by)?;
    }
    Ok(())
}

/// The status page's own address in a Statuspage `incidents.json` (`page.url`).
fn page_url(body: &[u8]) -> Option<Url> {
    #[derive(serde::Deserialize)]
    struct Listing {
        page: Page,
    }
    #[derive(serde::Deserialize)]
    struct Page {
        url: String,
    }
    let listing: Listing = serde_json::from_slice(body).ok()?;
    Url::parse(&listing.page.url).ok().filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// The content type a file's extension implies; `None` lets the parser sniff.
fn content_type_for(path: &Path) -> Option<&'static str> {
    parse::document::content_type_for_extension(path.extension()?.to_str()?)
}

pub(super) fn write_postmortem(out: &mut impl Write, p: &Postmortem) -> std::io::Result<()> {
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| DASH.to_owned());
    let verdict = if p.is_postmortem { "yes" } else { "no" };
    let score = match p.confidence {
        Some(confidence) => format!("confidence {confidence:.2}"),
        None => "vouched for: the classifier was not asked".to_owned(),
    };
    writeln!(out, "Postmortem:   {verdict} ({score})")?;
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
    write_timeline_and_actions(out, &p.timeline, &p.action_items)
}

/// The timeline, an event a line, and the action items, an item a line; nothing for either
/// when it is empty.
pub(super) fn write_timeline_and_actions(
    out: &mut impl Write,
    timeline: &[TimelineEvent],
    action_items: &[String],
) -> std::io::Result<()> {
    if !timeline.is_empty() {
        writeln!(out, "Timeline:")?;
        for event in timeline {
            writeln!(out, "  {}  {}", event.time, event.event)?;
        }
    }
    if !action_items.is_empty() {
        writeln!(out, "Action items:")?;
        for item in action_items {
            writeln!(out, "  - {item}")?;
        }
    }
    Ok(())
}

pub(super) fn run_reextract(cli: &Cli, args: &ReextractArgs) -> anyhow::Result<()> {
    let config = super::load_optional_config(cli)?;
    let mut store = open_store(&database_path(cli, config.as_ref()))?;
    let (sources, settings) =
        config.map_or_else(|| (Vec::new(), Settings::default()), |c| (c.sources, c.settings));
    let stale = if args.all { None } else { Some(extract::VERSION) };
    let entries = store.entries_with_reports(stale)?;
    // The publisher's and curated lists' word and the curator's marks decide as in a pass.
    let verdicts = store.verdicts()?;
    let now = Utc::now();
    let mut confirmed = 0;
    // Postmortems by who decided, for the summary.
    let mut origins: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for stored in &entries {
        let Some(report) = &stored.item.report else { continue };
        let document = parse::report_document(report);
        let hints = match sources.iter().find(|s| s.name == stored.source) {
            Some(source) => pipeline::hints(source, &stored.item),
            None => Hints {
                title: stored.item.title.clone(),
                company: stored.item.company.clone(),
                url: stored.item.url.clone(),
                published: stored.item.published,
                ..Hints::default()
            },
        };
        let mut postmortem =
            pipeline::extract_entry(&document, &hints, &stored.item, settings.threshold);
        let decided_by = pipeline::decide(&verdicts, &stored.source, &stored.item, &mut postmortem);
        confirmed += u64::from(postmortem.is_postmortem);
        if postmortem.is_postmortem {
            *origins.entry(decided_by.as_str()).or_default() += 1;
        }
        let extracted = Extracted {
            identity: stored.item.identity.clone(),
            report_fingerprint: Some(report.fingerprint.clone()),
            extractor_version: extract::VERSION,
            postmortem,
            decided_by,
            body: document.markdown,
        };
        store.record_extraction(stored.id, &extracted, now)?;
    }
    // Rows without a report (given one by a curator's mark) and, without --all, the rows not
    // extracted again: their origins follow the marks and lists as they are now.
    super::mark::refresh_decisions(&mut store, settings.threshold)?;
    let mut out = super::stdout();
    if args.json {
        serde_json::to_writer(
            &mut out,
            &serde_json::json!({
                "reextracted": entries.len(),
                "postmortems": confirmed,
                "decided_by": origins,
            }),
        )?;
        writeln!(out)?;
    } else {
        let by: Vec<String> = origins.iter().map(|(o, n)| format!("{n} by {o}")).collect();
        writeln!(
            out,
            "re-extracted {} report{}: {confirmed} postmortem{}{}",
            entries.len(),
            if entries.len() == 1 { "" } else { "s" },
            if confirmed == 1 { "" } else { "s" },
            if by.is_empty() { String::new() } else { format!(" ({})", by.join(", ")) }
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
        assert_eq!(content_type_for(Path::new("outage.rst")), Some("text/x-rst"));
        assert_eq!(content_type_for(Path::new("outage.adoc")), Some("text/asciidoc"));
    }
}
