//! `pmagg daemon`: load the config, open the store, build the fetcher, and hand them to
//! [`schedule::run_until_signal`], which runs until SIGTERM or SIGINT.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;

use super::{UsageError, database_path, load_config, open_store};
use crate::cli::{Cli, DaemonArgs};
use crate::fetch::Fetcher;
use crate::schedule::{self, Options, Stopped};

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
    let options = Options {
        listen: args.listen.or(config.settings.listen),
        // The feed `pmagg render` writes (settings.feed), served as /feed.xml.
        feed: config.settings.feed.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let stopped = runtime.block_on(schedule::run_until_signal(
        &config,
        Arc::new(Mutex::new(store)),
        fetcher,
        options,
    ));
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
