//! One file per subcommand: wire the stages together, print results, return `anyhow::Result`.
//!
//! Shared here: resolving `--config` / `--db` / environment / settings, opening the store, and
//! the mapping from error types to exit codes.

mod completions;
mod daemon;
mod export;
mod extract;
mod import;
mod init;
mod links;
mod manpage;
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
        Command::Links(args) => links::run(cli, args),
        Command::Init(args) => init::run(cli, args),
        Command::Completions(args) => completions::run(args),
        Command::Manpage => manpage::run(),
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

/// Loads the config named on the command line; a missing file is an error that says how to
/// start one.
fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    if !cli.config.exists() {
        return Err(UsageError(format!(
            "no config at {}: start one with `pmagg init` (a commented starter) or \
             `pmagg sources add URL`, or point --config / PMAGG_CONFIG at one",
            cli.config.display()
        ))
        .into());
    }
    Ok(config::load(&cli.config)?)
}

/// The config when its file exists, for commands that only borrow its settings (a config is
/// needed only to fetch, issue #16).
fn load_optional_config(cli: &Cli) -> anyhow::Result<Option<Config>> {
    if cli.config.exists() { Ok(Some(config::load(&cli.config)?)) } else { Ok(None) }
}

/// The config for commands that fetch: it must exist and enable at least one source, else the
/// error says what to do next (exit code 2).
fn load_config_to_fetch(cli: &Cli) -> anyhow::Result<Config> {
    let config = load_config(cli)?;
    if config.sources.is_empty() {
        return Err(UsageError(format!(
            "{} has no `[[source]]` tables: nothing to fetch; add one with \
             `pmagg sources add URL` (a feed, a status page or a blog)",
            config.path.display()
        ))
        .into());
    }
    Ok(config)
}

/// The error for a config whose sources are all disabled: which to enable, and how.
fn no_enabled_source(config: &Config) -> anyhow::Error {
    let disabled: Vec<_> =
        config.sources.iter().map(|s| format!("{:?}", s.name.as_str())).collect();
    UsageError(format!(
        "{} enables no source: nothing to fetch; turn one on with `pmagg sources enable NAME` \
         (disabled: {})",
        config.path.display(),
        disabled.join(", ")
    ))
    .into()
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
    let config = if cli.db.is_some() { None } else { load_optional_config(cli)? };
    let path = database_path(cli, config.as_ref());
    if !path.exists() {
        anyhow::bail!(
            "no database at {}: run `pmagg import LIST` or `pmagg sync` first, or point --db / \
             PMAGG_DB at one",
            path.display()
        );
    }
    Store::open_read_only(&path)
        .with_context(|| format!("the database {} is unusable", path.display()))
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
