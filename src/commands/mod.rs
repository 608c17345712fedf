//! One file per subcommand: wire the stages together, print results, return `anyhow::Result`.
//!
//! Shared here: resolving `--config` / `--db` / environment / settings, opening the store, and
//! the mapping from error types to exit codes.

mod daemon;
mod export;
mod extract;
mod import;
mod mark;
mod publish;
mod query;
mod render;
mod serve;
mod sources;
mod sync;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;

use crate::cli::{Cli, Command};
use crate::config::{self, Config, ConfigError, defaults};
use crate::store::Store;

/// A mistake in how pmagg was called (exit code 2), e.g. an unknown `--source`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs a parsed command line.
pub fn run(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Sync(args) => sync::run(cli, args),
        Command::Sources(args) => sources::run(cli, args),
        Command::List(args) => query::list(cli, args),
        Command::Serve(args) => serve::run(cli, args),
        Command::Show(args) => query::show(cli, args),
        Command::Search(args) => query::search(cli, args),
        Command::Extract(args) => extract::run_extract(cli, args),
        Command::Reextract(args) => extract::run_reextract(cli, args),
        Command::Import(args) => import::run(cli, args),
        Command::Mark(args) => mark::run(cli, args),
        Command::Render(args) => render::run(cli, args),
        Command::Export(args) => export::run(cli, args),
        Command::Daemon(args) => daemon::run(cli, args),
        Command::DaemonPass => daemon::run_pass(cli),
        Command::Publish(args) => publish::run(cli, args),
    }
}

/// The documented exit code for an error: 2 for configuration and usage, 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.chain().any(|cause| cause.is::<ConfigError>() || cause.is::<UsageError>()) {
        2
    } else {
        1
    }
}

/// Loads the config named on the command line.
fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    Ok(config::load(&cli.config)?)
}

/// `--db` (or `PMAGG_DB`), else `settings.database`, else `./pmagg.db`.
fn database_path(cli: &Cli, config: Option<&Config>) -> PathBuf {
    cli.db
        .clone()
        .or_else(|| config.and_then(|c| c.settings.database.clone()))
        .unwrap_or_else(|| PathBuf::from(defaults::DATABASE))
}

/// Opens the store, naming the file in the error.
fn open_store(path: &Path) -> anyhow::Result<Store> {
    Store::open(path).with_context(|| format!("the database {} is unusable", path.display()))
}

/// For commands that only read the database: the config is needed only when `--db` is absent.
fn open_store_for_reading(cli: &Cli) -> anyhow::Result<Store> {
    let config = if cli.db.is_some() { None } else { Some(load_config(cli)?) };
    let path = database_path(cli, config.as_ref());
    if !path.exists() {
        anyhow::bail!(
            "no database at {}: run `pmagg sync` first, or point --db / PMAGG_DB at one",
            path.display()
        );
    }
    open_store(&path)
}

/// Set once a write to standard output found it closed.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Standard output for a command's results (see [`stdout_closed`]).
fn stdout() -> Output {
    Output(std::io::stdout().lock())
}

/// Standard output that remembers when its reader went away.
struct Output(std::io::StdoutLock<'static>);

impl Output {
    fn note(result: std::io::Result<usize>) -> std::io::Result<usize> {
        if let Err(err) = &result
            && err.kind() == std::io::ErrorKind::BrokenPipe
        {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Self::note(self.0.write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Self::note(self.0.flush().map(|()| 0)).map(|_| ())
    }
}

/// Whether a command's error came from its reader closing standard output early, as
/// `pmagg list | head` does: not a failure of pmagg, so `main` exits 0 without a message (as
/// ripgrep does). Only writes through `commands::stdout` count; a broken pipe to git or to a pass
/// process is still an error.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Text for a missing value in tables.
const DASH: &str = "-";

/// Truncates to `width` characters with an ellipsis, for table cells.
fn cell(text: &str, width: usize) -> String {
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() <= width {
        text
    } else {
        let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_error_type() {
        let usage = anyhow::Error::new(UsageError("x".into())).context("while doing y");
        assert_eq!(exit_code(&usage), 2);
        let config =
            anyhow::Error::new(ConfigError::Invalid { path: "a".into(), problems: vec![] });
        assert_eq!(exit_code(&config), 2);
        assert_eq!(exit_code(&anyhow::anyhow!("database is unusable")), 1);
    }

    #[test]
    fn cells_are_one_line_and_bounded() {
        assert_eq!(cell("a\nb", 10), "a b");
        assert_eq!(cell("abcdef", 4), "abc…");
    }
}
