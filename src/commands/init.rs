//! `pmagg init`: writes a commented starter `sources.toml` (see `config::edit::starter_config`)
//! where there is none. An existing file is never touched.

use std::io::Write as _;

use super::UsageError;
use crate::cli::{Cli, InitArgs};
use crate::config::edit;

pub(super) fn run(cli: &Cli, args: &InitArgs) -> anyhow::Result<()> {
    if cli.config.exists() {
        return Err(UsageError(format!(
            "{} already exists: pmagg init never overwrites a config; edit it, or add sources \
             with `pmagg sources add URL`",
            cli.config.display()
        ))
        .into());
    }
    edit::save(&cli.config, "", &edit::starter_config(&args.list))?;
    if !cli.quiet {
        let mut out = super::stdout();
        writeln!(
            out,
            "wrote {}: next, `pmagg import {}` to read your list, then `pmagg sources add URL` \
             and `pmagg sources enable NAME` to fetch",
            cli.config.display(),
            args.list.display()
        )?;
    }
    Ok(())
}
