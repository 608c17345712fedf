//! The `pmagg` binary: parse the command line, start logging, run the command, and map the
//! outcome to a documented exit code (see `pmagg --help`).

use std::process::ExitCode;

use clap::Parser;
use pmagg::cli::{Cli, Command};
use pmagg::{commands, telemetry};

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    // The daemon's logs are its only output; a one-shot command reports on stdout/stderr itself.
    let default_filter = match cli.command {
        Command::Daemon(_) | Command::DaemonPass => telemetry::DAEMON_FILTER,
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

/// glibc gives each thread that allocates under contention its own arena, up to eight per
/// core, and memory freed in one arena is not reused by another: after a pass the daemon's
/// ~20 arenas held three times the memory in use. Parsing and extraction run at most one job
/// per core, so two arenas serve them as well.
#[allow(unsafe_code, reason = "mallopt has no safe wrapper; see the SAFETY note")]
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called first thing in main, before any other thread exists; M_ARENA_MAX only
    // caps how many arenas glibc creates from now on.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
