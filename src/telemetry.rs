//! Logging: `tracing` to stderr, filtered by `PMAGG_LOG` (then `RUST_LOG`), as compact lines for
//! people or as JSON objects for log collectors (`--log-format json`).
//!
//! Commands print their results on stdout and their per-source failure lines on stderr
//! themselves, so the default filter of a one-shot command shows only errors; `PMAGG_LOG=info`
//! adds a line per pass and `PMAGG_LOG=debug` one per request. `pmagg daemon` has nobody
//! watching its stdout, so its default is [`DAEMON_FILTER`]: a line per pass and per source.
//!
//! Errors that commands print themselves (the final `pmagg: error: ...`, a source's failure
//! during `sync`) go through [`print_error`], so that with `--log-format json` they are JSON
//! objects like every log line, in the same shape (`timestamp`, `level`, `fields.message`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The filter when neither `PMAGG_LOG` nor `RUST_LOG` is set.
pub const DEFAULT_FILTER: &str = "error";

/// The daemon's filter when neither `PMAGG_LOG` nor `RUST_LOG` is set. The scheduler library
/// narrates its own start-up at info; only its warnings matter to us.
pub const DAEMON_FILTER: &str = "info,tokio_cron_scheduler=warn";

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One short human-readable line per event (colours only on a terminal).
    #[default]
    Compact,
    /// One JSON object per line, with the event's fields and its spans (pass, source).
    Json,
}

/// Installs the global subscriber. Call once, from `main`.
pub fn init(format: LogFormat, default_filter: &str) {
    let filter = std::env::var("PMAGG_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|spec| EnvFilter::try_new(spec).ok())
        .unwrap_or_else(|| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Compact => {
            builder.with_ansi(std::io::stderr().is_terminal()).compact().init();
        }
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).init(),
    }
}

/// Writes an error for people (`pmagg: error: MESSAGE`) or, with `--log-format json`, as one
/// JSON object on stderr shaped like a log line, with `extra` among its fields (e.g. the
/// exit code or the source).
pub fn print_error(format: LogFormat, message: &str, extra: &[(&str, serde_json::Value)]) {
    match format {
        LogFormat::Compact => eprintln!("pmagg: error: {message}"),
        LogFormat::Json => {
            let mut fields = serde_json::Map::new();
            fields.insert("message".into(), message.into());
            for (key, value) in extra {
                fields.insert((*key).to_owned(), value.clone());
            }
            let line = serde_json::json!({
                "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                "level": "ERROR",
                "fields": fields,
                "target": "pmagg",
            });
            eprintln!("{line}");
        }
    }
}
