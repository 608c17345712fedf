//! pmagg collects public postmortems and keeps a curated list of them up to date.
//!
//! Data flows one way, each stage a module that imports only [`model`] and stages to its left:
//!
//! ```text
//! sources.toml ─► config ─► fetch ─► parse ─► extract ─► store ─► render ─► publish
//!                             ▲                            │
//!                             └────────────────────────────┘
//!        pipeline reads stored Validators → fetch; fetch returns new ones → store
//! ```
//!
//! [`pipeline`] is the only module that calls several stages; [`schedule`] runs it on cron
//! schedules for `pmagg daemon`; [`commands`] wires a command line to them. [`publish`] holds
//! the git and GitHub side effects of `pmagg publish` and never opens the database. `parse`,
//! `extract`, `store` and `render` are synchronous (`render` gets model values and never opens
//! the database); `fetch`, `pipeline`, `schedule` and `commands` are async. [`web`] is the
//! site (`pmagg serve`, and the daemon's HTTP server): it reads the store read-only, beside
//! `render`, and is called from `commands` and `schedule`.
//!
//! Whether an entry is a postmortem is decided outside `extract`, which only ever gives the
//! classifier's word: the pipeline (and `reextract`, `mark`, `import`) reads the curator's
//! marks and curated links from the store once ([`model::Verdicts`]) and puts the publisher's
//! word (set by `parse`), a curated list's and a curator's before it ([`model::Decision`]).

pub mod cli;
pub mod commands;
pub mod config;
pub mod extract;
pub mod fetch;
pub mod listfmt;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod publish;
pub mod render;
pub mod schedule;
pub mod store;
pub mod telemetry;
pub mod web;
