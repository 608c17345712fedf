//! `sources.toml` → a validated [`Config`].
//!
//! Reads one file and nothing else: no network, no database. Loading happens in two steps, as
//! in ripgrep's low/high args: `raw` mirrors the file with serde (`deny_unknown_fields`), and
//! `validate` turns it into typed values (parsed URLs, compiled regexes, a checked cron
//! expression). Every problem in the file is collected and reported at once, each with its line
//! and the source it belongs to.
//!
//! Relative paths in `[settings]` are relative to the working directory, like every other path
//! a command line takes.

pub mod edit;
mod raw;
mod validate;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use croner::Cron;
use croner::parser::{CronParser, Seconds};

use regex::Regex;
use url::Url;

use crate::model::{SourceKind, SourceName};

/// Default values, used both by serde and by the docs.
pub mod defaults {
    use toml::Spanned;

    /// Database file when neither `--db`, `PMAGG_DB` nor `settings.database` names one.
    pub const DATABASE: &str = "pmagg.db";
    /// Daemon schedule: cron with seconds, every hour on the hour.
    pub const SCHEDULE: &str = "0 0 * * * *";
    /// Sources fetched at the same time.
    pub const CONCURRENCY: usize = 16;
    /// Requests in flight to one host at the same time.
    pub const PER_HOST: usize = 2;
    /// Seconds one request may take, body included.
    pub const TIMEOUT_SECS: u64 = 20;
    /// Largest response body read, after decompression (16 MiB).
    pub const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;
    /// Largest part of an article or report page that is read (2 MiB, where articles run to
    /// a few hundred KiB): the rest is not downloaded, as reading a page costs up to fifteen
    /// times its size in memory.
    pub const MAX_REPORT_BYTES: u64 = 2 * 1024 * 1024;
    /// Entries kept from one source per pass (the first ones, in the order the source lists
    /// them): a status page lists about 50 incidents, a busy blog feed a few hundred items.
    pub const MAX_ITEMS: usize = 1000;
    /// Redirects followed for one request (browsers follow about 20, feed readers 5 to 10).
    pub const MAX_REDIRECTS: usize = 10;
    /// HTML nesting read before a page is cut off: real pages stay under 100 levels, and HTML
    /// parsers slow down (and readability recurses) with every level.
    pub const MAX_NESTING_DEPTH: usize = 512;
    /// Seconds one source may take in a pass: its fetches, retries, report pages and parsing.
    pub const SOURCE_TIME_BUDGET_SECS: u64 = 120;
    /// Confidence at or over which a document counts as a postmortem.
    pub const THRESHOLD: f64 = 0.5;
    /// Title of the Atom feed (`settings.feed_title`).
    pub const FEED_TITLE: &str = "New postmortems";
    /// Entries in the Atom feed (`settings.feed_entries`).
    pub const FEED_ENTRIES: usize = 50;
    /// The longest a failing source waits between two attempts (24 h).
    pub const MAX_BACKOFF_SECS: u64 = 24 * 3600;
    /// How long `pmagg daemon` lets a running pass finish after SIGTERM / SIGINT.
    pub const SHUTDOWN_GRACE_SECS: u64 = 25;
    /// Broken checks in a row before a link is dead (`settings.links_failures`).
    pub const LINKS_FAILURES: u32 = 3;
    /// Days those checks must span (`settings.links_dead_after_days`).
    pub const LINKS_DEAD_AFTER_DAYS: u32 = 7;
    /// The Wayback Machine: CDX, availability and Save Page Now APIs, and its snapshots.
    pub const ARCHIVE_API_URL: &str = "https://web.archive.org";
    /// Status polls of one Save Page Now job before it is abandoned.
    pub const ARCHIVE_SAVE_POLLS: u32 = 10;
    /// Seconds between two of them.
    pub const ARCHIVE_SAVE_POLL_SECS: u64 = 5;
    /// Where the project lives; part of the user agent.
    pub const PROJECT_URL: &str = "https://github.com/pmagg/pmagg";

    /// `pmagg/<version> (+<project url>)`.
    pub fn user_agent() -> String {
        format!("pmagg/{} (+{PROJECT_URL})", env!("CARGO_PKG_VERSION"))
    }

    pub(crate) fn schedule() -> Spanned<String> {
        Spanned::new(0..0, SCHEDULE.to_owned())
    }
    pub(crate) fn concurrency() -> Spanned<i64> {
        Spanned::new(0..0, CONCURRENCY as i64)
    }
    pub(crate) fn per_host() -> Spanned<i64> {
        Spanned::new(0..0, PER_HOST as i64)
    }
    pub(crate) fn timeout_secs() -> Spanned<i64> {
        Spanned::new(0..0, TIMEOUT_SECS as i64)
    }
    pub(crate) fn max_body_bytes() -> Spanned<i64> {
        Spanned::new(0..0, MAX_BODY_BYTES as i64)
    }
    pub(crate) fn max_report_bytes() -> Spanned<i64> {
        Spanned::new(0..0, MAX_REPORT_BYTES as i64)
    }
    pub(crate) fn max_items() -> Spanned<i64> {
        Spanned::new(0..0, MAX_ITEMS as i64)
    }
    pub(crate) fn max_redirects() -> Spanned<i64> {
        Spanned::new(0..0, MAX_REDIRECTS as i64)
    }
    pub(crate) fn max_nesting_depth() -> Spanned<i64> {
        Spanned::new(0..0, MAX_NESTING_DEPTH as i64)
    }
    pub(crate) fn source_time_budget_secs() -> Spanned<i64> {
        Spanned::new(0..0, SOURCE_TIME_BUDGET_SECS as i64)
    }
    pub(crate) fn threshold() -> Spanned<f64> {
        Spanned::new(0..0, THRESHOLD)
    }
    pub(crate) fn feed_title() -> Spanned<String> {
        Spanned::new(0..0, FEED_TITLE.to_owned())
    }
    pub(crate) fn feed_entries() -> Spanned<i64> {
        Spanned::new(0..0, FEED_ENTRIES as i64)
    }
    pub(crate) fn max_backoff_secs() -> Spanned<i64> {
        Spanned::new(0..0, MAX_BACKOFF_SECS as i64)
    }
    pub(crate) fn shutdown_grace_secs() -> Spanned<i64> {
        Spanned::new(0..0, SHUTDOWN_GRACE_SECS as i64)
    }
    pub(crate) fn links_failures() -> Spanned<i64> {
        Spanned::new(0..0, i64::from(LINKS_FAILURES))
    }
    pub(crate) fn links_dead_after_days() -> Spanned<i64> {
        Spanned::new(0..0, i64::from(LINKS_DEAD_AFTER_DAYS))
    }
    pub(crate) fn archive_save_polls() -> Spanned<i64> {
        Spanned::new(0..0, i64::from(ARCHIVE_SAVE_POLLS))
    }
    pub(crate) fn archive_save_poll_secs() -> Spanned<i64> {
        Spanned::new(0..0, ARCHIVE_SAVE_POLL_SECS as i64)
    }
    pub(crate) fn enabled() -> bool {
        true
    }
}

/// A loaded and validated `sources.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// The `[settings]` table.
    pub settings: Settings,
    /// Every `[[source]]`, in file order (disabled ones included).
    pub sources: Vec<Source>,
}

/// The `[settings]` table with defaults applied.
#[derive(Debug, Clone)]
pub struct Settings {
    /// SQLite database file (`--db` and `PMAGG_DB` override it).
    pub database: Option<PathBuf>,
    /// The curated list's README that `render` rewrites.
    pub readme: Option<PathBuf>,
    /// Folder for archived markdown copies.
    pub archive_dir: Option<PathBuf>,
    /// The Atom feed of the newest postmortems that `render` writes.
    pub feed: Option<PathBuf>,
    /// The feed's title.
    pub feed_title: String,
    /// The public page of the list: the feed's id and link.
    pub feed_link: Option<Url>,
    /// Where the feed itself is published: its `rel="self"` link.
    pub feed_url: Option<Url>,
    /// How many postmortems the feed holds.
    pub feed_entries: usize,
    /// Daemon schedule, cron with seconds (`sec min hour day month weekday`).
    pub schedule: String,
    /// Sources fetched at the same time.
    pub concurrency: usize,
    /// Requests in flight to one host at the same time.
    pub per_host: usize,
    /// How long one request may take, body included.
    pub timeout: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Largest body read, after decompression.
    pub max_body_bytes: u64,
    /// Largest part of an article or report page that is parsed.
    pub max_report_bytes: u64,
    /// Entries kept from one source per pass.
    pub max_items: usize,
    /// Redirects followed for one request.
    pub max_redirects: usize,
    /// HTML nesting read before a page is cut off (index pages fail, articles are truncated).
    pub max_nesting_depth: usize,
    /// How long one source may take in a pass, everything included.
    pub source_time_budget: Duration,
    /// Confidence (0 to 1) at or over which a document counts as a postmortem.
    pub threshold: f32,
    /// The longest a failing source waits before it is polled again.
    pub max_backoff: Duration,
    /// Where `pmagg daemon` serves /healthz, /metrics and /feed.xml (unset: no server).
    pub listen: Option<ListenAddr>,
    /// How long `pmagg daemon` lets a running pass finish after a stop signal.
    pub shutdown_grace: Duration,
    /// Link rot (`pmagg links`): when a link is dead, the archive, Save Page Now.
    pub links: LinkSettings,
}

/// The link-rot settings (`links_*` and `archive_*` in `[settings]`).
#[derive(Debug, Clone)]
pub struct LinkSettings {
    /// When a link counts as dead, and the hosts that never do.
    pub policy: crate::model::links::DeadPolicy,
    /// When the daemon checks links (cron with seconds); unset: it does not.
    pub schedule: Option<String>,
    /// The Wayback Machine's base URL.
    pub archive_api_url: Url,
    /// Submit links without a snapshot to Save Page Now (needs `ARCHIVE_ORG_ACCESS` and
    /// `ARCHIVE_ORG_SECRET`).
    pub archive_save: bool,
    /// Status polls of one Save Page Now job before it is abandoned.
    pub archive_save_polls: u32,
    /// Time between two of them.
    pub archive_save_poll: Duration,
}

impl Default for LinkSettings {
    fn default() -> Self {
        Self {
            policy: crate::model::links::DeadPolicy {
                failures: defaults::LINKS_FAILURES,
                days: defaults::LINKS_DEAD_AFTER_DAYS,
                allowlist: Vec::new(),
            },
            schedule: None,
            archive_api_url: Url::parse(defaults::ARCHIVE_API_URL)
                .expect("the default archive URL is a valid URL"),
            archive_save: false,
            archive_save_polls: defaults::ARCHIVE_SAVE_POLLS,
            archive_save_poll: Duration::from_secs(defaults::ARCHIVE_SAVE_POLL_SECS),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database: None,
            readme: None,
            archive_dir: None,
            feed: None,
            feed_title: defaults::FEED_TITLE.to_owned(),
            feed_link: None,
            feed_url: None,
            feed_entries: defaults::FEED_ENTRIES,
            schedule: defaults::SCHEDULE.to_owned(),
            concurrency: defaults::CONCURRENCY,
            per_host: defaults::PER_HOST,
            timeout: Duration::from_secs(defaults::TIMEOUT_SECS),
            user_agent: defaults::user_agent(),
            max_body_bytes: defaults::MAX_BODY_BYTES,
            max_report_bytes: defaults::MAX_REPORT_BYTES,
            max_items: defaults::MAX_ITEMS,
            max_redirects: defaults::MAX_REDIRECTS,
            max_nesting_depth: defaults::MAX_NESTING_DEPTH,
            source_time_budget: Duration::from_secs(defaults::SOURCE_TIME_BUDGET_SECS),
            threshold: defaults::THRESHOLD as f32,
            max_backoff: Duration::from_secs(defaults::MAX_BACKOFF_SECS),
            listen: None,
            shutdown_grace: Duration::from_secs(defaults::SHUTDOWN_GRACE_SECS),
            links: LinkSettings::default(),
        }
    }
}

/// Where `pmagg daemon` listens (`settings.listen`): an `IP:PORT`, or a `HOST:PORT` such as
/// `localhost:9187`, resolved when the daemon starts as `--listen` is. Reading the config
/// resolves nothing: it reads one file and does no other I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// An IP address and port.
    Ip(SocketAddr),
    /// A host name and port, resolved by [`ListenAddr::resolve`].
    Host {
        /// The host name (`localhost`).
        host: String,
        /// The port.
        port: u16,
    },
}

impl std::str::FromStr for ListenAddr {
    type Err = String;

    /// `127.0.0.1:9187`, `[::1]:9187` or `localhost:9187`; the error says what is wrong.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Ok(address) = text.parse() {
            return Ok(Self::Ip(address));
        }
        let Some((host, port)) = text.rsplit_once(':') else {
            return Err(format!("{text:?} has no port; e.g. 127.0.0.1:9187 or localhost:9187"));
        };
        let port: u16 = port.parse().map_err(|_| format!("{port:?} is not a port (0 to 65535)"))?;
        let is_name = host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if !is_name {
            return Err(format!(
                "{host:?} is neither an IP address nor a host name; e.g. 127.0.0.1:9187, \
                 [::]:9187 or localhost:9187"
            ));
        }
        Ok(Self::Host { host: host.to_owned(), port })
    }
}

impl ListenAddr {
    /// The socket address: the IP as given, or the host name's first address.
    pub fn resolve(&self) -> Result<SocketAddr, String> {
        match self {
            Self::Ip(address) => Ok(*address),
            Self::Host { host, port } => {
                let mut addresses =
                    std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), *port))
                        .map_err(|err| format!("cannot resolve {host:?}: {err}"))?;
                addresses.next().ok_or_else(|| format!("{host:?} resolves to no address"))
            }
        }
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(address) => address.fmt(f),
            Self::Host { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

/// One validated `[[source]]`.
#[derive(Debug, Clone)]
pub struct Source {
    /// Unique name.
    pub name: SourceName,
    /// How its response is parsed.
    pub kind: SourceKind,
    /// What is fetched.
    pub url: Url,
    /// The company it speaks for (defaults to the name).
    pub company: String,
    /// The company's home page, for list entries.
    pub company_url: Option<Url>,
    /// Disabled sources stay in the file and the database but are not fetched.
    pub enabled: bool,
    /// Keeps only items whose title or summary matches.
    pub filter: Option<Regex>,
    /// CSS selectors for `kind = "html"` (always set for that kind, never for others).
    pub html: Option<HtmlSelectors>,
    /// Where an article's main content is, when readability guesses wrong for this site.
    pub content_selector: Option<scraper::Selector>,
    /// When the daemon polls this source, if not on `settings.schedule` (cron with seconds).
    pub schedule: Option<String>,
}

impl Source {
    /// The cron expression the daemon polls this source on.
    pub fn schedule_or<'a>(&'a self, settings: &'a Settings) -> &'a str {
        self.schedule.as_deref().unwrap_or(&settings.schedule)
    }
}

/// Parses a cron expression with seconds (`sec min hour day month weekday`) the way the
/// daemon's scheduler does (tokio-cron-scheduler: seconds required, and a day-of-month plus a
/// weekday must both match), so a schedule that validates is one the daemon runs as written.
pub fn parse_cron(expression: &str) -> Result<Cron, croner::errors::CronError> {
    CronParser::builder().seconds(Seconds::Required).dom_and_dow(true).build().parse(expression)
}

/// How to read an HTML index page.
///
/// With `item`, each matching element is one entry and the other selectors apply inside it;
/// without it, each element matching `link` is one entry.
#[derive(Debug, Clone)]
pub struct HtmlSelectors {
    /// The element of one entry (optional).
    pub item: Option<scraper::Selector>,
    /// The `<a href>` of an entry (required).
    pub link: scraper::Selector,
    /// The entry's title (default: the link's text).
    pub title: Option<scraper::Selector>,
    /// The entry's date: a `<time datetime>` or text such as "March 3, 2024".
    pub date: Option<scraper::Selector>,
}

impl Config {
    /// The enabled sources, in file order.
    pub fn enabled_sources(&self) -> impl Iterator<Item = &Source> {
        self.sources.iter().filter(|source| source.enabled)
    }
}

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    parse(&read(path)?, path)
}

/// Reads a config file's text, naming the file in the error.
pub fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { path: path.to_owned(), source })
}

/// Validates config text; `path` only names the file in messages.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    validate::validate(text)
        .map(|(settings, sources)| Config { path: path.to_owned(), settings, sources })
        .map_err(|problems| ConfigError::Invalid { path: path.to_owned(), problems })
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but has problems; all of them are listed.
    #[error("{} has {} problem{}:\n{}", path.display(), problems.len(),
        if problems.len() == 1 { "" } else { "s" }, ProblemList { path, problems })]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
}

/// One thing wrong in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// The `[[source]]` it belongs to, by name (or `#N` when it has none).
    pub source: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(source) = &self.source {
            write!(f, "source {source}: ")?;
        }
        f.write_str(&self.message)
    }
}

struct ProblemList<'a> {
    path: &'a Path,
    problems: &'a [Problem],
}

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            // `file:line: message` is what editors and CI annotations recognise.
            match problem.line {
                Some(line) => write!(f, "  {}:{line}: ", self.path.display())?,
                None => write!(f, "  {}: ", self.path.display())?,
            }
            if let Some(source) = &problem.source {
                write!(f, "source {source}: ")?;
            }
            f.write_str(&problem.message)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_takes_an_ip_or_a_host_name_with_a_port() {
        let ip: ListenAddr = "127.0.0.1:9187".parse().unwrap();
        assert_eq!(ip.resolve(), Ok("127.0.0.1:9187".parse().unwrap()));
        let v6: ListenAddr = "[::1]:9187".parse().unwrap();
        assert_eq!(v6.to_string(), "[::1]:9187");
        let host: ListenAddr = "localhost:9999".parse().unwrap();
        assert_eq!(host, ListenAddr::Host { host: "localhost".into(), port: 9999 });
        assert_eq!(host.to_string(), "localhost:9999");
        assert!(host.resolve().unwrap().ip().is_loopback());
        for (bad, why) in [
            ("localhost", "has no port"),
            ("localhost:99999", "is not a port"),
            (":9187", "neither an IP address nor a host name"),
            ("two words:80", "neither an IP address nor a host name"),
        ] {
            let err = bad.parse::<ListenAddr>().unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
