//! The command line: what `pmagg --help` shows. Parsing only; `commands` does the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  the command ran (for sync: the pass ran, even if some sources failed)
  1  nothing could run (e.g. the database is unusable)
  2  bad configuration or usage

Environment:
  PMAGG_CONFIG  config file (default ./sources.toml)
  PMAGG_DB      database file (default: settings.database, else ./pmagg.db)
  PMAGG_LOG     log filter, e.g. `info` or `pmagg=debug` (logs go to stderr)";

/// Collects public postmortems from status pages, engineering blogs and curated lists, and
/// keeps a curated list of them up to date.
#[derive(Debug, Parser)]
#[command(name = "pmagg", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    /// The sources and settings file.
    #[arg(
        long,
        short = 'c',
        global = true,
        env = "PMAGG_CONFIG",
        value_name = "FILE",
        default_value = "sources.toml"
    )]
    pub config: PathBuf,

    /// The SQLite database (overrides `settings.database`).
    #[arg(long, global = true, env = "PMAGG_DB", value_name = "FILE")]
    pub db: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch every enabled source once and store what is new.
    #[command(after_help = "\
Examples:
  pmagg sync                          fetch every enabled source
  pmagg sync --source GitHub --json   one source, summary as JSON on stdout

Sources are fetched concurrently (settings.concurrency, settings.per_host) with conditional
GET, so an unchanged source costs one 304. A failing source is reported on stderr and recorded
(see `pmagg sources`); the pass goes on and exits 0.")]
    Sync(SyncArgs),

    /// Show the configured sources with their kind, URL and last outcome.
    #[command(after_help = "\
Examples:
  pmagg sources          a table: name, kind, last outcome, failures, entries, URL
  pmagg sources --json   the same as a JSON array")]
    Sources(SourcesArgs),

    /// List stored entries, newest first.
    #[command(after_help = "\
Examples:
  pmagg list               the 20 newest entries
  pmagg list --limit 100 --json")]
    List(ListArgs),

    /// Show one stored entry by its ID (from `pmagg list`) or its URL.
    #[command(after_help = "\
Examples:
  pmagg show 42
  pmagg show https://blog.example.com/2024/03/outage/ --json")]
    Show(ShowArgs),
}

/// `pmagg sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only this source (by name); repeat for several. Disabled sources run when named.
    #[arg(long = "source", short = 's', value_name = "NAME")]
    pub sources: Vec<String>,
    /// Print the pass summary as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `pmagg sources`.
#[derive(Debug, Args)]
pub struct SourcesArgs {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `pmagg list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// How many entries to show.
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `pmagg show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// An entry ID (as `pmagg list` prints it) or an entry URL.
    #[arg(value_name = "ID|URL")]
    pub entry: String,
    /// Print a JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
