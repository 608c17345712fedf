//! `pmagg manpage`: the man page (roff) on stdout, generated from the clap definition (name,
//! synopsis, description, options, subcommands, exit codes and environment), so it cannot
//! drift from `pmagg --help`.

use std::io::Write as _;

use clap::CommandFactory as _;

use crate::cli::Cli;

pub(super) fn run() -> anyhow::Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    let mut out = super::stdout();
    out.write_all(&page)?;
    out.flush()?;
    Ok(())
}
