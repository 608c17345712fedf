//! `pmagg export --format json|csv`: the list's postmortems on stdout, each with its stored
//! fields (duration, impact, root cause, resolution), origin, decision and archive path.

use std::io::Write;

use super::render::{curated_entries_marked, source_companies};
use super::{load_config, open_store_for_reading};
use crate::cli::{Cli, ExportArgs, ExportFormat};
use crate::render::{collect_listings, export};

pub(super) fn run(cli: &Cli, args: &ExportArgs) -> anyhow::Result<()> {
    let store = open_store_for_reading(cli)?;
    // Source companies and the archive directory come from the config when there is one.
    let config = if cli.config.exists() { Some(load_config(cli)?) } else { None };
    let (sources, archive_dir) = match &config {
        Some(config) => (config.sources.as_slice(), config.settings.archive_dir.as_deref()),
        None => (&[][..], None),
    };
    let (curated, _) = curated_entries_marked(&store)?;
    let postmortems = store.listable_postmortems()?;
    let listings = collect_listings(&curated, &postmortems, &source_companies(sources));
    let details =
        export::export_details(&listings, &postmortems, &store.curated_durations()?, archive_dir);
    let text = match args.format {
        ExportFormat::Json => export::export_json(&listings, &details)?,
        ExportFormat::Csv => export::export_csv(&listings, &details),
    };
    let mut out = super::stdout();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
