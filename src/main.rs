//! The `pmagg` binary: parse the command line, start logging, run the command, and map the
//! outcome to a documented exit code (see `pmagg --help`).

use std::process::ExitCode;

use clap::Parser;
use pmagg::cli::{Cli, Command};
use pmagg::{commands, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Daemon(_)) {
        limit_malloc_arenas();
    }
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
/// core, and memory freed in one arena is not reused by another. The daemon stays resident
/// for months, so it keeps to two arenas. A pass (`sync`, `daemon-pass`) is better off with
/// glibc's default: its memory leaves with its process, and parsing, extraction and the
/// writer then rarely wait on each other's allocator lock (a cold pass over the N = 1000
/// corpus: 6% less CPU and wall time, peak RSS 73 -> 84 MB; bench/README.md).
#[allow(unsafe_code, reason = "mallopt has no safe wrapper; see the SAFETY note")]
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called from main right after parsing the command line, before any other
    // thread exists; M_ARENA_MAX only caps how many arenas glibc creates from now on.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
