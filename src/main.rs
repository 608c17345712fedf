//! The `pmagg` binary: parse the command line, start logging, run the command, and map the
//! outcome to a documented exit code (see `pmagg --help`).

use std::process::ExitCode;

use clap::Parser;
use pmagg::{cli::Cli, commands, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    match commands::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pmagg: error: {err:#}");
            ExitCode::from(commands::exit_code(&err))
        }
    }
}
