//! `pmagg import FILE`: a curated list's entries → the store, as curated entries.
//!
//! Reads the file (UTF-8), parses it with `parse::list::read_curated` (every entry with its
//! exact bytes and place) and stores it with `Store::import_curated`, which makes the stored
//! list match the file. Nothing is fetched and nothing is rendered.

use std::io::Write;

use anyhow::Context as _;
use chrono::Utc;
use serde::Serialize;

use super::{database_path, load_config, open_store};
use crate::cli::{Cli, ImportArgs};
use crate::config::Settings;
use crate::model::{CuratedCounts, list_key};
use crate::parse;

#[derive(Debug, Serialize)]
struct Imported<'a> {
    list: &'a str,
    entries: usize,
    #[serde(flatten)]
    counts: CuratedCounts,
}

pub(super) fn run(cli: &Cli, args: &ImportArgs) -> anyhow::Result<()> {
    let config = if cli.config.exists() { Some(load_config(cli)?) } else { None };
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", args.file.display()))?;
    let key = list_key(&args.file, std::env::current_dir().ok().as_deref());
    let entries = parse::list::read_curated(&text, &key);
    if entries.is_empty() {
        // Importing nothing would mark every stored entry of the list removed.
        anyhow::bail!(
            "{} lists no postmortems (awesome-postmortems, danluu/post-mortems or k8s.af \
             shapes); nothing imported",
            args.file.display()
        );
    }
    let mut store = open_store(&database_path(cli, config.as_ref()))?;
    let counts = store.import_curated(&key, &entries, Utc::now())?;
    // Every entry of a curated list is a postmortem: stored extractions of its links now say
    // so (origin `curated`), and those of links it no longer has go back to the classifier.
    let threshold = config.as_ref().map_or(Settings::default().threshold, |c| c.settings.threshold);
    super::mark::refresh_decisions(&mut store, threshold)?;
    let imported = Imported { list: &key, entries: entries.len(), counts };
    let mut out = super::stdout();
    if args.json {
        serde_json::to_writer(&mut out, &imported)?;
        writeln!(out)?;
    } else if !cli.quiet {
        writeln!(
            out,
            "{}: {} entr{} ({} new, {} updated, {} unchanged, {} removed)",
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
