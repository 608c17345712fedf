//! The `pmagg` binary: parse the command line, start logging, run the command, and map the
//! outcome to a documented exit code (see `pmagg --help`).

use std::process::ExitCode;

use clap::Parser;
use pmagg::cli::{Cli, Command};
use pmagg::{commands, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The daemon's logs are its only output; a one-shot command reports on stdout/stderr itself.
    let default_filter = match cli.command {
        Command::Daemon(_) => telemetry::DAEMON_FILTER,
        _ => telemetry::DEFAULT_FILTER,
    };
    telemetry::init(cli.log_format, default_filter);
    match commands::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pmagg: error: {err:#}");
            ExitCode::from(commands::exit_code(&err))
        }
    }
}
