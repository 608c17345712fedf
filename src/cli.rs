//! The command line: what `pmagg --help` shows. Parsing only; `commands` does the work.
//!
//! One job that needs the length: clap's derive declares every subcommand and flag together
//! with its help text (the doc comments are `--help`), and splitting the declarations across
//! files would only scatter one help screen. Logic stays out: the only function is the
//! `--listen` value parser.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::telemetry::LogFormat;

const EXIT_CODES: &str = "\
Exit codes:
  0  the command ran (for sync: the pass ran, even if some sources failed; for publish: also
     when there was nothing new to publish); also when the reader of stdout stops early, as
     in `pmagg list | head`
  1  nothing could run (e.g. the database is unusable); for `sources check`: a source failed;
     for publish: git or GitHub failed (a rejected push, 401/403/422 from the API)
  2  bad configuration or usage; for publish also a dirty working tree, a missing token or an
     unknown remote (nothing was changed)

Environment:
  PMAGG_CONFIG  config file (default ./sources.toml)
  PMAGG_DB      database file (default: settings.database, else ./pmagg.db)
  PMAGG_LOG     log filter, e.g. `info` or `pmagg=debug` (logs go to stderr)
  PMAGG_LOG_FORMAT  compact or json, like --log-format
  GITHUB_TOKEN  publish: the GitHub token (another variable with --token-env)
  GITHUB_API_URL  publish: the GitHub API, like --api-url
  PMAGG_GIT_AUTHOR  publish: the commits' author, like --author
  ARCHIVE_ORG_ACCESS, ARCHIVE_ORG_SECRET  links check: Save Page Now keys (settings.archive_save)
  PMAGG_NOW     links check: the clock, RFC 3339 (for tests that simulate days)";

/// `publish --remote` when not given.
pub const DEFAULT_REMOTE: &str = "origin";
/// `publish --base` when not given.
pub const DEFAULT_BASE: &str = "main";
/// `publish --branch` when not given: pmagg's own branch.
pub const DEFAULT_BRANCH: &str = "pmagg/new-postmortems";
/// `publish --links --branch` when not given: the link-rot pull request's own branch.
pub const DEFAULT_LINKS_BRANCH: &str = "pmagg/link-rot";
/// The label of the link-rot pull request.
pub const LINKS_LABEL: &str = "link-rot";
/// `publish --api-url` when neither it nor `GITHUB_API_URL` is set: github.com's API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// `publish --token-env` when not given.
pub const DEFAULT_TOKEN_ENV: &str = "GITHUB_TOKEN";
/// `publish --author` when neither it nor `PMAGG_GIT_AUTHOR` is set.
pub const DEFAULT_AUTHOR: &str = "pmagg <pmagg@users.noreply.github.com>";

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

    /// How logs on stderr are written: compact lines, or one JSON object per line for log
    /// collectors.
    #[arg(long, global = true, env = "PMAGG_LOG_FORMAT", value_enum, default_value_t)]
    pub log_format: LogFormat,

    /// Print only results and errors: no progress bar, no summary of what a command changed
    /// (`sync`, `import`, `render`, `sources add|remove|enable|disable`, `init`).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,

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

    /// Show the configured sources with their kind, URL and last outcome, or manage them.
    #[command(after_help = "\
Examples:
  pmagg sources                                   a table: name, kind, last outcome, failures,
                                                  entries, URL
  pmagg sources --json                            the same as a JSON array
  pmagg sources add https://blog.example.com/     find the feed and add it to sources.toml
                                                  (created when missing)
  pmagg sources disable \"Acme blog\"              stop polling it; enable, remove likewise
  pmagg sources check                             fetch and parse every enabled source once
  pmagg sources import-opml feeds.opml --dry-run  show the sources an OPML file would add
  pmagg sources export-opml > feeds.opml          every feed source as OPML")]
    Sources(SourcesArgs),

    /// List the collection (synced postmortems and curated-list entries), newest first.
    #[command(after_help = "\
Examples:
  pmagg list                                   the 20 newest postmortems, curated or synced
  pmagg list --company GitHub --since 2020-01-01 --category database
  pmagg list --origin curated --limit 100 --json
  pmagg list --postmortems      synced postmortems with every extracted field
  pmagg list --entries          every stored entry of the sources, postmortem or not

The filters have the same names as the site's URL parameters (`pmagg serve`). A header row is
printed when stdout is a terminal.")]
    List(ListArgs),

    /// Serve the site: browse, search and chart the collection (read-only).
    #[command(after_help = "\
Examples:
  pmagg serve                          http://127.0.0.1:8080/
  pmagg serve --listen 0.0.0.0:8080    on every interface (put a proxy in front)

Pages: / (filters, search, charts), /postmortems/ID, /companies/SLUG, /categories/NAME,
/about; JSON: /api/postmortems?FILTERS and /api/postmortems/ID. The database is opened
read-only. `pmagg daemon` serves the same site on settings.listen.")]
    Serve(ServeArgs),

    /// Find full-text matches among extracted postmortems.
    #[command(after_help = "\
Examples:
  pmagg search dns                       postmortems that mention DNS
  pmagg search '\"root cause\" AND bgp'   FTS5 syntax: phrases, AND/OR/NOT, prefix*
  pmagg search certificate --json")]
    Search(SearchArgs),

    /// Recognise a postmortem in one file or URL and print its fields (nothing is stored).
    #[command(after_help = "\
Examples:
  pmagg extract report.md                 a readable view of the fields
  pmagg extract https://example.com/post-mortem/ --json
  curl -s https://example.com/pm | pmagg extract - --json

HTML, markdown and plain text are recognised by the file extension or the Content-Type, else
by their first bytes. The JSON fields: is_postmortem, confidence, title, company, url,
published, incident_date, start, end, duration_minutes, impact, root_cause, resolution,
summary, timeline [{time, event}], action_items, categories.

JSON from a status page is read by that API's parser, and each postmortem it carries is
printed (a JSON array with --json, each with decided_by: publisher):
  pmagg extract incidents.json            a Statuspage or incident.io incidents.json
  pmagg extract gcp-incidents.json --json a Google Cloud incidents.json
Other JSON is refused with a hint. Binary input (an executable, an image, an archive, a PDF,
anything with NUL bytes) is refused from its first bytes, exit code 2. At most
settings.max_report_bytes of a document are read (stderr says when there was more), at most
settings.max_body_bytes of API JSON.")]
    Extract(ExtractArgs),

    /// Run extraction again over stored reports, without fetching anything.
    #[command(after_help = "\
Examples:
  pmagg reextract          reports never extracted, or extracted by an older pmagg
  pmagg reextract --all    every stored report

Each decision is taken again, as in a pass: the publisher's postmortems and curated lists'
entries are postmortems (origin publisher / curated), the classifier decides the rest, and a
curator's mark (`pmagg mark`) still has the last word.")]
    Reextract(ReextractArgs),

    /// Show one stored entry by its ID (from `pmagg list`) or its URL.
    #[command(after_help = "\
Examples:
  pmagg show 42
  pmagg show https://blog.example.com/2024/03/outage/ --json

With what was extracted: who decided (publisher, curated, classifier or curator, with the
curator's reason) and how the classifier scored the report, each signal's contribution to the
log-odds (value x weight), largest first. --json has them as postmortem.decided_by,
postmortem.explanation {bias, contributions [{signal, value, weight, contribution}],
confidence} and, for a marked entry, mark.")]
    Show(ShowArgs),

    /// Say whether an entry is a postmortem, whatever pmagg decided: the curator's last word.
    #[command(after_help = "\
Examples:
  pmagg mark 42 --postmortem --reason \"narrative report, no headings\"
  pmagg mark https://blog.example.com/2024/03/outage/ --postmortem
  pmagg mark 17 --not-postmortem --reason \"a release announcement\"
  pmagg render                       then update the README, archive and feed

Who decides, first to last:
  publisher   a status page's own postmortem (Statuspage status `postmortem` or a
              postmortem_body, an incident.io postmortem, a Google Cloud incident report)
  curated     an entry of a curated list (`pmagg import`, or a `list` source)
  classifier  everything else: confidence against settings.threshold (see `pmagg show ID`)
  curator     a mark made here: it wins over all of the above

A mark is stored on the entry's link (canonical: http/https, www., a trailing slash and utm_*
parameters do not matter), so it also covers the same report found by another source, and a
link no source has found yet. It survives `sync` and `reextract`; marking again replaces it.
`list --postmortems` and `export` honour it at once; `render`, `publish` and the Atom feed on
their next run. An entry marked --not-postmortem that pmagg had added to the README leaves it
then; lines a person wrote stay. `pmagg show ID` shows who decided, the mark's reason and the
classifier's score signal by signal.")]
    Mark(MarkArgs),

    /// Read a curated list (awesome-postmortems, danluu/post-mortems, k8s.af) or a directory
    /// of front-matter reports (icco/postmortems) into the store.
    #[command(after_help = "\
Examples:
  pmagg import README.md              the list that `pmagg render` regenerates
  pmagg import danluu.md --json       another list: its entries join the store
  pmagg import postmortems/data       a directory: one entry per markdown file

A directory holds one report per `.md` file: YAML front matter (url, title, company,
start_time, end_time, categories, ...) and the report as markdown. Each file gives its link,
title, company, incident date (start_time), duration (end_time - start_time), categories and
the report, whose first paragraph is the summary. A file without front matter or a `url` is
skipped with a line on stderr naming it; the others are imported, and the summary says how
many files were read and skipped.

Each entry is stored with its exact bytes, its fields and its place. Curated text (title,
date, summary, company) is authoritative: extraction never overwrites it. Importing a list
again makes the store match the file; an entry no longer in the file is marked removed and
is not listed again. Sections about the list (\"Other lists\", \"Analysis\", contributing...)
are not entries.")]
    Import(ImportArgs),

    /// Rewrite the curated list in the README, the archive copies and the Atom feed.
    #[command(after_help = "\
Examples:
  pmagg render                        settings.readme, settings.archive_dir, settings.feed
  pmagg render --readme README.md --archive postmortems
  pmagg render --check                exit 1 if a file is out of date (for CI)

Only the list changes: between <!-- pmagg:start --> and <!-- pmagg:end --> lines, else the
bullet list under the postmortems heading; every other byte stays. Entries already listed keep
their bytes and place; new postmortems go in at their incident date. Files are written
atomically, and only when their content changes.")]
    Render(RenderArgs),

    /// Print the list's postmortems as JSON or CSV.
    #[command(after_help = "\
Examples:
  pmagg export                        JSON array on stdout
  pmagg export --format csv > postmortems.csv

One row per postmortem, duplicates collapsed, newest first: incident_date, title, url,
company, company_url, summary, categories, curated, sources (and entry_ids in JSON).")]
    Export(ExportArgs),
    /// Run as a service: poll the sources on their schedules until SIGTERM or SIGINT.
    #[command(after_help = "\
Examples:
  pmagg daemon                                  passes on settings.schedule, logs on stderr
  pmagg daemon --listen 127.0.0.1:9187          serve /healthz, /metrics and /feed.xml
  pmagg --log-format json daemon                JSON log lines for a log collector

Each source is polled on its own `schedule`, else on settings.schedule (cron with seconds, in
UTC). A tick that finds the previous pass still running is skipped. A failing source backs
off (doubling waits with jitter, honouring Retry-After, at most settings.max_backoff_secs) and
is skipped until its next attempt; `pmagg sources` shows it. `pmagg sync` works beside a
running daemon and polls its sources whatever their backoff.

SIGTERM or SIGINT stops scheduling, lets the running pass finish (up to
settings.shutdown_grace_secs, then rolls it back) and exits 0; a second signal exits at once
with 1. The database is consistent either way.")]
    Daemon(DaemonArgs),

    /// Render into a clone of the list repository and open (or update) a pull request.
    #[command(after_help = "\
Examples:
  pmagg publish --repo . --github you/awesome-postmortems --dry-run   the diff and description
  GITHUB_TOKEN=... pmagg publish --repo ../awesome-postmortems        commit, push, open the PR
  pmagg publish --repo . --base master --branch pmagg/weekly          other branch names
  pmagg publish --repo . --api-url https://ghe.example.com/api/v3     GitHub Enterprise

Renders settings.readme (default README.md), settings.archive_dir and settings.feed, taken
relative to DIR, into a temporary worktree of the clone, starting from REMOTE's copy of
--branch when it exists, else from REMOTE's --base. When nothing changed it exits 0 with no
commit and no API call. Otherwise it commits on --branch, pushes that branch only (with
--force-with-lease on the fetched commit; the base branch is never written), then opens a
pull request into --base, or updates the one already open from --branch. The description
lists each new or updated entry: title, company, incident date, source, link, summary and
root cause. The clone's checkout, index and current branch are left as they were.

Tracked files must have no uncommitted changes (exit 2 otherwise). Pushing uses the clone's
own git credentials; the API uses the token in $GITHUB_TOKEN (or --token-env NAME), which
needs contents: write and pull-requests: write, and never appears in any output. OWNER/NAME
comes from --github, else from the remote's URL.")]
    Publish(PublishArgs),

    /// Check the list's links; fix dead ones from the Wayback Machine or pmagg's archive.
    #[command(after_help = "\
Examples:
  pmagg links check                 a table: status, failures, first failure, last success,
                                    URL, snapshot
  pmagg links check --json          [{url, status, failures, first_failure, last_success,
                                    snapshot}]
  pmagg links fix                   dead links in pmagg's lines of the README → snapshots
  pmagg links fix --include-hand-written
  pmagg publish --repo . --links    the fixes as their own pull request (pmagg/link-rot)

Every entry link and company link of the README (settings.readme), of the lists in the store
and of the stored postmortems is fetched once (GET, headers only; settings.per_host,
Retry-After) and the outcome stored per URL. A link is dead after settings.links_failures
(default 3) checks answering 404, 410 or with a host name that does not resolve, spanning at
least settings.links_dead_after_days (default 7) days; 429, 5xx and timeouts are
inconclusive and neither count nor reset. Hosts in settings.links_allowlist are never dead.
For a dead link the closest HTTP 200 Wayback Machine snapshot before the entry's date is
looked up (CDX API, then the availability API, at settings.archive_api_url) and stored.

`links fix` writes `[Title](SNAPSHOT) ([original](URL))`, or a link to pmagg's archive copy
when there is no snapshot. Lines outside the list, and entries a person wrote, are left alone
unless --include-hand-written. A second run changes nothing.")]
    Links(LinksArgs),

    /// Write a commented starter sources.toml: settings for the list, its archive and feed, and
    /// two example sources (disabled).
    #[command(after_help = "\
Examples:
  pmagg init                        sources.toml for the list README.md
  pmagg init --list docs/list.md    for another list file
  pmagg --config pm.toml init       somewhere else

A config is needed only to fetch: `import`, `render`, `list`, `show`, `search`, `export`,
`extract` and `mark` work without one. An existing file is never overwritten (exit 2).")]
    Init(InitArgs),

    /// Print a shell completion script on stdout.
    #[command(after_help = "\
Examples:
  pmagg completions bash > ~/.local/share/bash-completion/completions/pmagg
  pmagg completions zsh > \"${fpath[1]}/_pmagg\"
  pmagg completions fish > ~/.config/fish/completions/pmagg.fish")]
    Completions(CompletionsArgs),

    /// Print the man page (roff) on stdout.
    #[command(after_help = "\
Examples:
  pmagg manpage > pmagg.1 && man -l pmagg.1
  pmagg manpage | gzip > /usr/local/share/man/man1/pmagg.1.gz")]
    Manpage,

    /// One pass of `pmagg daemon`, in a process of its own (internal: the daemon starts it,
    /// sends the pass on stdin and reads its progress on stdout).
    #[command(hide = true, name = "daemon-pass")]
    DaemonPass,
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
    /// Do not render `settings.readme` (and the archive and feed) after the pass.
    #[arg(long)]
    pub no_render: bool,
}

/// `pmagg sources`: the listing, or one of the subcommands that manage sources.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SourcesArgs {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
    /// What to do instead of listing.
    #[command(subcommand)]
    pub action: Option<SourcesAction>,
}

/// The subcommands of `pmagg sources`.
#[derive(Debug, Subcommand)]
pub enum SourcesAction {
    /// Find out what a URL is (feed, status page, incidents.json, blog) and append it to the
    /// config as a new `[[source]]`.
    #[command(after_help = "\
Examples:
  pmagg sources add https://blog.example.com/             a blog: its feed is found and added
  pmagg sources add https://www.githubstatus.com          a Statuspage (or incident.io) site
  pmagg sources add https://status.cloud.google.com/incidents.json --name \"Google Cloud\"
  pmagg sources add https://blog.example.com/ --dry-run   print the [[source]] instead

What URL is, tried in order:
  1. a feed itself (RSS, Atom, JSON Feed)                        -> kind \"feed\"
  2. URL/api/v2/incidents.json (or summary.json) answers Statuspage JSON ({\"page\": ...})
     -> kind \"incidentio\" when an id in it is a ULID (26 chars of Crockford base32) or the
        site's page shows incident.io (a script or link on an incident.io host, a generator
        meta tag, \"Powered by incident.io\"); kind \"statuspage\" otherwise
  3. a Google Cloud style incidents.json (a JSON array of incidents) -> kind \"gcp\"
  4. an HTML page linking a feed with <link rel=\"alternate\"> (RSS, Atom, JSON Feed), then
     URL/feed.xml, atom.xml, rss.xml, feed/, rss/, index.xml      -> kind \"feed\"
  Anything else is an error: add it by hand as kind \"html\" with CSS selectors.

Defaults: the name is the feed's title, the page's <title> or the host; the company is the
name (for status pages, the page's own name from its API); company_url is the site's root.
A name or URL already in the config is refused (exit 2), naming the existing source. The
file keeps its comments and layout: the new table is appended at the end, and the file is
replaced atomically.")]
    Add(AddArgs),

    /// Take a source out of the config (its comment lines go with it; stored entries stay).
    #[command(after_help = "\
Examples:
  pmagg sources remove \"Example blog\"

The rest of the file keeps its comments and layout; the file is replaced atomically.")]
    Remove(SourceNameArgs),

    /// Poll a disabled source again (`enabled = true`).
    Enable(SourceNameArgs),

    /// Stop polling a source but keep it in the config and its entries in the database
    /// (`enabled = false`).
    Disable(SourceNameArgs),

    /// Fetch and parse every enabled source once, without touching the database.
    #[command(after_help = "\
Examples:
  pmagg sources check          a table: result, HTTP status, items, candidates, time
  pmagg sources check --json   the same as a JSON array

The config is validated first (exit 2 when it has problems). Every enabled source is fetched
without cache validators, at most settings.concurrency at once, and parsed as `pmagg sync`
would; nothing is written. Failures are also reported on stderr. Exits 1 when any source
failed, 0 when all worked.")]
    Check(CheckArgs),

    /// Append the feeds of an OPML file (a feed reader's export) as `kind = "feed"` sources.
    #[command(after_help = "\
Examples:
  pmagg sources import-opml feeds.opml --dry-run   print the [[source]] tables it would add
  pmagg sources import-opml feeds.opml             append them to the config

Every <outline> with an xmlUrl becomes a source: name from its title (or text), company the
same, company_url from its htmlUrl. URLs already configured are skipped and listed. A name
already taken gets \" (2)\", \" (3)\"... appended.")]
    ImportOpml(ImportOpmlArgs),

    /// Print every feed source as OPML 2.0 on stdout, for feed readers.
    #[command(after_help = "\
Examples:
  pmagg sources export-opml > feeds.opml
  pmagg sources export-opml | pmagg --config other.toml sources import-opml /dev/stdin")]
    ExportOpml,
}

/// `pmagg sources add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// A feed, a status page, an incidents.json or a blog's home page.
    #[arg(value_name = "URL")]
    pub url: String,
    /// The source's name (default: the feed's title, the page's title or the host).
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// The company the postmortems are from (default: the name).
    #[arg(long, value_name = "C")]
    pub company: Option<String>,
    /// The company's home page (default: the site's root).
    #[arg(long, value_name = "U")]
    pub company_url: Option<String>,
    /// Print the `[[source]]` table instead of adding it.
    #[arg(long)]
    pub dry_run: bool,
}

/// `pmagg sources remove|enable|disable`.
#[derive(Debug, Args)]
pub struct SourceNameArgs {
    /// The source's name, as `pmagg sources` shows it.
    #[arg(value_name = "NAME")]
    pub name: String,
}

/// `pmagg init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The curated list's markdown file that `pmagg render` rewrites (`settings.readme`).
    #[arg(long, value_name = "FILE", default_value = "README.md")]
    pub list: PathBuf,
}

/// `pmagg completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells `pmagg completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// bash (with the bash-completion package).
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
}

/// `pmagg sources check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `pmagg sources import-opml`.
#[derive(Debug, Args)]
pub struct ImportOpmlArgs {
    /// The OPML file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print the `[[source]]` tables instead of adding them.
    #[arg(long)]
    pub dry_run: bool,
}

/// `pmagg list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// How many entries to show.
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    /// Only synced, confirmed postmortems with every extracted field (the extraction view).
    #[arg(long, short = 'p', conflicts_with = "entries")]
    pub postmortems: bool,
    /// Every stored entry of the configured sources, postmortem or not (the raw view).
    #[arg(long)]
    pub entries: bool,
    /// Only this company (compared without case).
    #[arg(long, value_name = "NAME")]
    pub company: Option<String>,
    /// Only postmortems in this category (e.g. database, network, config-change).
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    /// Only this source (its name in sources.toml) or list file (for curated entries).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Only incidents on or after this day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub since: Option<chrono::NaiveDate>,
    /// Only incidents on or before this day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub until: Option<chrono::NaiveDate>,
    /// Only postmortems that lasted at least this many minutes.
    #[arg(long, value_name = "MINUTES")]
    pub min_minutes: Option<u32>,
    /// Only postmortems that lasted at most this many minutes.
    #[arg(long, value_name = "MINUTES")]
    pub max_minutes: Option<u32>,
    /// Only curated-list entries (`pmagg import`) or only synced postmortems.
    #[arg(long, value_parser = ["curated", "synced"])]
    pub origin: Option<String>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `pmagg serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen (loopback by default; a host name is resolved).
    #[arg(long, env = "PMAGG_SERVE_LISTEN", value_name = "HOST:PORT", default_value = DEFAULT_SERVE_LISTEN)]
    pub listen: String,
}

/// Where `pmagg serve` listens unless told otherwise.
pub const DEFAULT_SERVE_LISTEN: &str = "127.0.0.1:8080";

/// `pmagg search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words, "phrases", AND/OR/NOT, prefix* (SQLite FTS5 syntax).
    pub query: String,
    /// How many results to show.
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `pmagg extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// A file, an http(s) URL, or `-` for standard input.
    #[arg(value_name = "FILE|URL")]
    pub input: String,
    /// Print the fields as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Confidence at or over which the document counts as a postmortem (default:
    /// `settings.threshold`, else 0.5).
    #[arg(long, value_name = "0.0-1.0")]
    pub threshold: Option<f32>,
    /// The title to assume when the document has none.
    #[arg(long)]
    pub title: Option<String>,
    /// The company the document is about.
    #[arg(long)]
    pub company: Option<String>,
}

/// `pmagg reextract`.
#[derive(Debug, Args)]
pub struct ReextractArgs {
    /// Every stored report, not only those never extracted or extracted by an older version.
    #[arg(long)]
    pub all: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `pmagg daemon`.
#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// Serve /healthz, /metrics and /feed.xml on this address (overrides `settings.listen`):
    /// an IP address or a host name, and a port, e.g. `127.0.0.1:9187` or `localhost:9187`.
    #[arg(long, env = "PMAGG_LISTEN", value_name = "HOST:PORT", value_parser = parse_listen)]
    pub listen: Option<SocketAddr>,
}

/// `--listen`: an `IP:PORT`, else a `HOST:PORT` resolved now (its first address), the same
/// forms `settings.listen` takes.
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    text.parse::<crate::config::ListenAddr>()?.resolve()
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

/// `pmagg mark`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("word").required(true).args(["postmortem", "not_postmortem"]))]
pub struct MarkArgs {
    /// An entry ID (as `pmagg list` prints it) or a link.
    #[arg(value_name = "ID|URL")]
    pub entry: String,
    /// It is a postmortem: list it.
    #[arg(long)]
    pub postmortem: bool,
    /// It is not a postmortem: never list it (pmagg's own README line goes too).
    #[arg(long)]
    pub not_postmortem: bool,
    /// Why, kept with the mark and shown by `pmagg show`.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Print the mark as a JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `pmagg import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The list's markdown file, or a directory of front-matter reports.
    #[arg(value_name = "FILE|DIR")]
    pub file: PathBuf,
    /// Print what changed as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `pmagg render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The README whose list is rewritten (default: `settings.readme`).
    #[arg(long, value_name = "FILE")]
    pub readme: Option<PathBuf>,
    /// Folder for archive copies (default: `settings.archive_dir`).
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
    /// The Atom feed to write (default: `settings.feed`).
    #[arg(long, value_name = "FILE")]
    pub feed: Option<PathBuf>,
    /// Write nothing; exit 1 when a file is out of date.
    #[arg(long)]
    pub check: bool,
}

/// `pmagg publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// A local clone of the list repository; settings paths are taken relative to it.
    #[arg(long, value_name = "DIR")]
    pub repo: PathBuf,
    /// The remote to fetch from and push to.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_REMOTE)]
    pub remote: String,
    /// The branch the pull request goes into; publish never writes it.
    #[arg(long, value_name = "BRANCH", default_value = DEFAULT_BASE)]
    pub base: String,
    /// pmagg's own branch: the only one it commits on and pushes.
    #[arg(long, value_name = "BRANCH", default_value = DEFAULT_BRANCH)]
    pub branch: String,
    /// The GitHub repository (default: from the remote's URL).
    #[arg(long, value_name = "OWNER/NAME")]
    pub github: Option<String>,
    /// The GitHub REST API.
    #[arg(long, env = "GITHUB_API_URL", value_name = "URL", default_value = DEFAULT_API_URL)]
    pub api_url: url::Url,
    /// The environment variable that holds the GitHub token.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_TOKEN_ENV)]
    pub token_env: String,
    /// Who the commits are by.
    #[arg(long, env = "PMAGG_GIT_AUTHOR", value_name = "NAME <EMAIL>", default_value = DEFAULT_AUTHOR)]
    pub author: String,
    /// Print the diff, the commit message and the pull request it would send; commit, push
    /// and call nothing (no token needed).
    #[arg(long)]
    pub dry_run: bool,
    /// Send the dead-link fixes (`pmagg links fix`) instead of new postmortems, as their own
    /// pull request from `pmagg/link-rot` (unless --branch names another), labelled
    /// `link-rot` when the token may label.
    #[arg(long)]
    pub links: bool,
}

/// `pmagg links`.
#[derive(Debug, Args)]
pub struct LinksArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: LinksAction,
}

/// The subcommands of `pmagg links`.
#[derive(Debug, Subcommand)]
pub enum LinksAction {
    /// Check every link once and print what is known of each.
    Check(LinksCheckArgs),
    /// Rewrite dead links in the README's list to their archived copy.
    Fix(LinksFixArgs),
}

/// `pmagg links check`.
#[derive(Debug, Args)]
pub struct LinksCheckArgs {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `pmagg links fix`.
#[derive(Debug, Args)]
pub struct LinksFixArgs {
    /// The README to fix (default: `settings.readme`).
    #[arg(long, value_name = "FILE")]
    pub readme: Option<PathBuf>,
    /// Also fix lines a person wrote, and links outside the list.
    #[arg(long)]
    pub include_hand_written: bool,
}

/// `pmagg export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
}

/// What `pmagg export` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A JSON array of objects.
    Json,
    /// CSV with a header row.
    Csv,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn listen_takes_an_address_or_a_host_name() {
        assert_eq!(parse_listen("127.0.0.1:9187").unwrap(), "127.0.0.1:9187".parse().unwrap());
        assert_eq!(parse_listen("[::1]:80").unwrap().port(), 80);
        let local = parse_listen("localhost:9999").unwrap();
        assert!(local.ip().is_loopback() && local.port() == 9999, "{local}");
        assert!(parse_listen("localhost").unwrap_err().contains("no port"));
        assert!(parse_listen("localhost:http").unwrap_err().contains("not a port"));
    }
}
