//! pmagg's integration tests: one binary (as in ripgrep), one module per area.
//!
//! Every test gets its own temporary directory and database, and talks only to loopback
//! servers it starts itself (wiremock, or a raw TCP server in `support`).

// A test binary is not an API: its helpers need no docs and may be `pub` for sibling modules.
#![allow(unreachable_pub, missing_docs)]
// Fixture builders read best as `push_str(&format!(..))`.
#![allow(clippy::format_push_string)]

// The one-way data flow between stages, checked on the source.
mod architecture;
// Helpers: the `pmagg` command, temp dirs, feed builders, raw servers.
mod support;

// The shipped sources.toml validates; broken files report every problem with its line.
mod config;
// The command line: help texts, exit codes, read-only commands.
mod cli;
// End to end against loopback servers: storage, conditional GET, retries, failures, limits.
mod sync;
// Every source kind through `pmagg sync`: statuspage, incidentio, gcp, html, list.
mod kinds;
// Extraction: `pmagg extract` on documents; sync fetching and extracting only candidates.
mod extract;
// SIGKILL in the middle of a sync leaves a sound database.
mod crash;
// A server that misbehaves on purpose: never answers, trickles, lies, bombs, redirects away.
mod fault_server;
// One pass over every fault beside good sources: bounded time and memory, safe output (#8).
mod faults;
// Managing sources: add (discovery), check, import-opml and export-opml.
mod sources;
// import, render (README list, archive, Atom feed), export and sync's render step.
mod render;
// `pmagg daemon`: passes on schedule, /healthz and /metrics, backoff, signals, sync beside it.
mod daemon;
// `pmagg publish`: a bare repository as origin and a mock GitHub API; the base never moves.
mod publish;
// Link rot (#18): checks over simulated days, the archive's APIs, links fix, publish --links.
mod links;
// Who decides (#15): the publisher's postmortems, `pmagg mark`, extract's input guard.
mod decision;
// A curator's first hour (#16): no config needed, init, edit sources, read-only DB, completions.
mod curator;
// The collection view (#16) and the site (#17): filters against SQL, escaping, read-only.
mod site;
// The site in a real browser through chromedriver (#17); skipped without one unless CI=true.
mod browser;
// Golden files (#19): extract --json and import + render against tests/fixtures/expected;
// `PMAGG_BLESS=1` rewrites them.
mod golden;
// One test per fixed bug: issue_<n>_<what>.
mod regression;
// Dockerfile and systemd unit: what can be checked without Docker or a running systemd.
mod packaging;
