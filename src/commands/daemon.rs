//! `pmagg daemon`: load the config, open the store, build the fetcher, and hand them to
//! [`schedule::run_until_signal`], which runs until SIGTERM or SIGINT.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use chrono::Utc;

use super::render::{Targets, render_all};
use super::{UsageError, database_path, load_config, open_store};
use crate::cli::{Cli, DaemonArgs};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::pipeline::SharedStore;
use crate::schedule::{self, AfterPass, Options, Stopped};

pub(super) fn run(cli: &Cli, args: &DaemonArgs) -> anyhow::Result<()> {
    let config = load_config(cli)?;
    if config.enabled_sources().next().is_none() {
        return Err(UsageError(format!(
            "{} enables no source: the daemon would have nothing to poll",
            config.path.display()
        ))
        .into());
    }
    let store = open_store(&database_path(cli, Some(&config)))?;
    let fetcher = Fetcher::new(&config.settings).context("cannot start the HTTP client")?;
    let store = Arc::new(Mutex::new(store));
    let options = Options {
        listen: args.listen.or(config.settings.listen),
        // The feed `pmagg render` writes (settings.feed), served as /feed.xml.
        feed: config.settings.feed.clone(),
        after_pass: render_after_pass(&config, &store),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let stopped = runtime.block_on(schedule::run_until_signal(&config, store, fetcher, options));
    // Do not wait for tasks still running after a forced stop: SQLite rolls back whatever
    // transaction the exit cuts short.
    runtime.shutdown_background();
    match stopped? {
        Stopped::Finished | Stopped::RolledBack => Ok(()),
        Stopped::Forced => anyhow::bail!(
            "stopped by a second signal; the pass in progress was cut short (the database keeps \
             its last committed state)"
        ),
    }
}

/// The README, archive and feed that `[settings]` configures, rendered after each pass that
/// changed something, as `pmagg sync` does after its pass.
fn render_after_pass(config: &Config, store: &SharedStore) -> Option<AfterPass> {
    let targets = Targets::from_settings(&config.settings);
    if targets.is_empty() {
        return None;
    }
    let store = Arc::clone(store);
    let sources = config.sources.clone();
    let settings = config.settings.clone();
    Some(Arc::new(move || {
        let mut store = store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        render_all(&mut store, &sources, &settings, &targets, false, Utc::now())
            .map(|_| ())
            .map_err(|err| format!("{err:#}"))
    }))
}
