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
//! the database); `fetch`, `pipeline`, `schedule` and `commands` are async.

pub mod cli;
pub mod commands;
pub mod config;
pub mod extract;
pub mod fetch;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod publish;
pub mod render;
pub mod schedule;
pub mod store;
pub mod telemetry;
