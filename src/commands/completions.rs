//! `pmagg completions SHELL`: a completion script for bash, zsh or fish, generated from the
//! same clap definition that parses the command line, so it cannot drift from it.

use std::io::Write as _;

use clap::CommandFactory as _;
use clap_complete::Shell as Generator;

use crate::cli::{Cli, CompletionsArgs, Shell};

pub(super) fn run(args: &CompletionsArgs) -> anyhow::Result<()> {
    let generator = match args.shell {
        Shell::Bash => Generator::Bash,
        Shell::Zsh => Generator::Zsh,
        Shell::Fish => Generator::Fish,
    };
    let mut out = super::stdout();
    clap_complete::generate(generator, &mut Cli::command(), "pmagg", &mut out);
    out.flush()?;
    Ok(())
}
