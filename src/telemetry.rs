//! Logging: `tracing` to stderr, filtered by `PMAGG_LOG` (then `RUST_LOG`).
//!
//! Commands print their results on stdout and their per-source failure lines on stderr
//! themselves, so the default filter shows only errors; `PMAGG_LOG=info` adds a line per pass
//! and `PMAGG_LOG=debug` one per request.

use tracing_subscriber::EnvFilter;

/// The filter when neither `PMAGG_LOG` nor `RUST_LOG` is set.
pub const DEFAULT_FILTER: &str = "error";

/// Installs the global subscriber. Call once, from `main`.
pub fn init() {
    let filter = std::env::var("PMAGG_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|spec| EnvFilter::try_new(spec).ok())
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).compact().init();
}
