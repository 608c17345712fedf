//! The `pmagg` binary: parse the command line, start logging, run the command, and map the
//! outcome to a documented exit code (see `pmagg --help`).

use std::process::ExitCode;

use clap::Parser;
use pmagg::cli::{Cli, Command};
use pmagg::{commands, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    limit_malloc_arenas(if matches!(cli.command, Command::Daemon(_)) { 2 } else { 4 });
    // The daemon's logs are its only output; a one-shot command reports on stdout/stderr itself.
    let default_filter = match cli.command {
        Command::Daemon(_) | Command::DaemonPass => telemetry::DAEMON_FILTER,
        _ => telemetry::DEFAULT_FILTER,
    };
    telemetry::init(cli.log_format, default_filter);
    match commands::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of stdout stopped early (`pmagg list | head`): nothing went wrong.
        Err(_) if commands::stdout_closed() => ExitCode::SUCCESS,
        Err(err) => {
            let code = commands::exit_code(&err);
            telemetry::print_error(
                cli.log_format,
                &format!("{err:#}"),
                &[("exit_code", code.into())],
            );
            ExitCode::from(code)
        }
    }
}

/// Caps glibc's malloc arenas: memory freed in one arena is not reused by another, and the
/// daemon stays resident for months, so it keeps to two; a pass's threads contend less with
/// four (measured against two and glibc's default in bench/README.md, round 3).
#[allow(unsafe_code, reason = "mallopt has no safe wrapper; see the SAFETY note")]
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(unused_variables))]
fn limit_malloc_arenas(arenas: i32) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called from main right after parsing the command line, before any other
    // thread exists; M_ARENA_MAX only caps how many arenas glibc creates from now on.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}
