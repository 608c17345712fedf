//! `pmagg serve`: the site ([`crate::web`]) on a read-only connection, until Ctrl-C or SIGTERM.

use anyhow::Context as _;
use tokio::net::TcpListener;

use super::{database_path, load_config};
use crate::cli::{Cli, ServeArgs};
use crate::web::Site;

pub(super) fn run(cli: &Cli, args: &ServeArgs) -> anyhow::Result<()> {
    // Only the database path comes from a config; without one, the default path is used.
    let config = if cli.db.is_some() { None } else { load_config(cli).ok() };
    let path = database_path(cli, config.as_ref());
    if !path.exists() {
        anyhow::bail!(
            "no database at {}: run `pmagg import` or `pmagg sync` first, or point --db at one",
            path.display()
        );
    }
    let site = Site::open(&path).with_context(|| format!("cannot serve {}", path.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr().context("cannot read the bound address")?;
        // stderr, so that a script can wait for this line; stdout stays free for results.
        eprintln!("pmagg: serving {} on http://{addr}/", path.display());
        axum::serve(listener, site.router())
            .with_graceful_shutdown(stop_signal())
            .await
            .context("the server failed")
    })
}

/// Ctrl-C or SIGTERM.
async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
