//! `pmagg daemon`: load the config, open the store, and hand them to
//! [`schedule::run_until_signal`], which runs until SIGTERM or SIGINT. Each pass runs in
//! `pmagg daemon-pass`, a child process ([`run_pass`]; the protocol is in `schedule::pass`).

use std::io::{BufRead as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context as _;
use chrono::Utc;
use clap::ValueEnum as _;
use tracing::{error, warn};

use super::render::{Targets, render_all};
use super::{UsageError, database_path, open_store};
use crate::cli::{Cli, DaemonArgs};
use crate::config::{self, Config, Source};
use crate::fetch::Fetcher;
use crate::pipeline;
use crate::schedule::pass::{PassCommand, PassEvent, PassRequest};
use crate::schedule::{self, Options, STORE_RELEASE_WAIT, Stopped};

pub(super) fn run(cli: &Cli, args: &DaemonArgs) -> anyhow::Result<()> {
    // The text goes to every pass, so that passes keep the config the daemon started with.
    // A missing file or one without sources: say what to do next (exit 2).
    let config = super::load_config_to_fetch(cli)?;
    let text = config::read(&cli.config)?;
    if config.enabled_sources().next().is_none() {
        return Err(
            super::no_enabled_source(&config).context("the daemon would have nothing to poll")
        );
    }
    let database = database_path(cli, Some(&config));
    // Opened (and migrated) here, so that an unusable database stops the daemon at startup.
    let store = Arc::new(Mutex::new(open_store(&database)?));
    // A host name in settings.listen is resolved now, as `--listen` resolves its own.
    let listen = match (args.listen, &config.settings.listen) {
        (Some(address), _) => Some(address),
        (None, Some(listen)) => Some(listen.resolve().map_err(|why| {
            anyhow::anyhow!("settings.listen {listen} in {}: {why}", config.path.display())
        })?),
        (None, None) => None,
    };
    // The site on its own read-only connection, opened after the writer migrated the file;
    // a daemon that serves nothing holds none.
    let site = match listen {
        Some(_) => Some(crate::web::Site::open(&database).context("cannot open the site")?),
        None => None,
    };
    let options = Options {
        listen,
        // The feed `pmagg render` writes (settings.feed), served as /feed.xml.
        feed: config.settings.feed.clone(),
        site,
        pass: pass_command(cli, &database, text)?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let stopped = runtime.block_on(schedule::run_until_signal(&config, store, options));
    // Do not wait for tasks still running after a forced stop: the pass process is killed,
    // and SQLite rolls back whatever transaction that cuts short.
    runtime.shutdown_background();
    match stopped? {
        Stopped::Finished | Stopped::RolledBack => Ok(()),
        Stopped::Forced => anyhow::bail!(
            "stopped by a second signal; the pass in progress was cut short (the database keeps \
             its last committed state)"
        ),
    }
}

/// `pmagg daemon-pass` with this daemon's config path (for messages), database and log format.
fn pass_command(cli: &Cli, database: &Path, config: String) -> anyhow::Result<PassCommand> {
    let log_format = cli.log_format.to_possible_value().map(|v| v.get_name().to_owned());
    let mut args = vec!["--config".into(), cli.config.clone().into_os_string()];
    args.extend(["--db".into(), database.as_os_str().to_owned()]);
    if let Some(format) = log_format {
        args.extend(["--log-format".into(), format.into()]);
    }
    args.push("daemon-pass".into());
    Ok(PassCommand { program: own_executable()?, args, config })
}

/// The running binary. On Linux `/proc/self/exe`, which stays this very binary even after a
/// package upgrade replaced or removed the file, so a pass never runs another version.
fn own_executable() -> anyhow::Result<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        let proc = Path::new("/proc/self/exe");
        if proc.exists() {
            return Ok(proc.to_owned());
        }
    }
    std::env::current_exe().context("cannot find pmagg's own executable to run passes with")
}

/// `pmagg daemon-pass`: reads a [`PassRequest`] line on stdin, runs the pass and renders,
/// writing [`PassEvent`] lines on stdout. An error is also sent as a `failed` event, so the
/// daemon records why the pass could not run.
pub(super) fn run_pass(cli: &Cli) -> anyhow::Result<()> {
    let result = pass(cli);
    if let Err(err) = &result {
        emit(&PassEvent::Failed { error: format!("{err:#}") });
    }
    result
}

fn pass(cli: &Cli) -> anyhow::Result<()> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the pass on stdin")?;
    let request: PassRequest = serde_json::from_str(&line).map_err(|err| {
        UsageError(format!(
            "`pmagg daemon-pass` runs a pass for `pmagg daemon`, which sends it on stdin \
             ({err}); to run a pass by hand, use `pmagg sync`"
        ))
    })?;
    let config = config::parse(&request.config, &cli.config)?;
    let sources = named_sources(&config, &request.sources)?;
    let store = Arc::new(Mutex::new(open_store(&database_path(cli, Some(&config)))?));
    let jitter = std::time::Duration::from_millis(request.start_jitter_ms);
    let fetcher = Arc::new(
        Fetcher::new(&config.settings)
            .context("cannot start the HTTP client")?
            .with_start_jitter(jitter),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = runtime.block_on(async {
        // Stopping is the daemon's decision (see schedule::pass): hold the handlers so that
        // SIGTERM and SIGINT do nothing here.
        #[cfg(unix)]
        let _ignored = {
            use tokio::signal::unix::{SignalKind, signal};
            (signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?)
        };
        let sync = pipeline::sync(&store, &fetcher, &sources, &config.settings, Utc::now(), |r| {
            emit(&PassEvent::Source { report: r.clone() });
        });
        tokio::select! {
            report = sync => Ok(Some(report?)),
            () = stdin_closed() => {
                warn!("the daemon is stopping: cutting the pass short");
                // Let a write under way commit; exiting then rolls back anything later.
                let store = Arc::clone(&store);
                let released = tokio::task::spawn_blocking(move || {
                    drop(store.lock().unwrap_or_else(PoisonError::into_inner));
                });
                let _ = tokio::time::timeout(STORE_RELEASE_WAIT, released).await;
                Ok::<_, anyhow::Error>(None)
            }
        }
    });
    runtime.shutdown_background();
    let Some(report) = report? else {
        emit(&PassEvent::Failed {
            error: "cut short: the grace period after the stop signal was over".to_owned(),
        });
        return Ok(());
    };
    let targets = Targets::from_settings(&config.settings);
    if report.entries_new + report.entries_updated > 0 && !targets.is_empty() {
        let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Utc::now();
        if let Err(err) =
            render_all(&mut store, &config.sources, &config.settings, &targets, false, now)
        {
            error!(error = %format!("{err:#}"), "rendering after the pass failed");
        }
    }
    emit(&PassEvent::Finished { report });
    Ok(())
}

/// The requested sources, in the order given.
fn named_sources(config: &Config, names: &[String]) -> anyhow::Result<Vec<Source>> {
    names
        .iter()
        .map(|name| {
            config.sources.iter().find(|s| s.name.as_str() == name).cloned().ok_or_else(|| {
                UsageError(format!("the daemon asked for source {name:?}, which the config lacks"))
                    .into()
            })
        })
        .collect()
}

/// Resolves when stdin reaches its end: the daemon closed it, or is gone.
async fn stdin_closed() {
    let (closed, on_closed) = tokio::sync::oneshot::channel::<()>();
    // A plain thread: a blocking read cannot be cancelled, and the process exit ends it.
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0_u8; 256];
        while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
        let _ = closed.send(());
    });
    // An error means the thread died: treat it as closed too.
    let _ = on_closed.await;
}

/// One event line on stdout. A write error is ignored: the daemon is gone, and the pass
/// stops when its stdin closes.
fn emit(event: &PassEvent) {
    let mut out = std::io::stdout().lock();
    if serde_json::to_writer(&mut out, event).is_ok() {
        let _ = writeln!(out);
        let _ = out.flush();
    }
}
