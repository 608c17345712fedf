//! `pmagg export --format json|csv`: the list's postmortems on stdout.

use std::io::Write;

use super::render::{curated_entries_marked, source_companies};
use super::{load_config, open_store_for_reading};
use crate::cli::{Cli, ExportArgs, ExportFormat};
use crate::render::{collect_listings, export};

pub(super) fn run(cli: &Cli, args: &ExportArgs) -> anyhow::Result<()> {
    let store = open_store_for_reading(cli)?;
    // Source companies come from the config when there is one.
    let sources = if cli.config.exists() { load_config(cli)?.sources } else { Vec::new() };
    let (curated, _) = curated_entries_marked(&store)?;
    let listings =
        collect_listings(&curated, &store.listable_postmortems()?, &source_companies(&sources));
    let text = match args.format {
        ExportFormat::Json => export::export_json(&listings)?,
        ExportFormat::Csv => export::export_csv(&listings),
    };
    let mut out = super::stdout();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
