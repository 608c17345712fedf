//! Each daemon pass runs in a process of its own.
//!
//! A pass parses feeds and pages, runs extraction and writes the store: it touches most of the
//! binary and leaves regex caches, parser buffers and allocator fragmentation behind. In one
//! long-lived process that stayed resident between passes (44 MB idle after a 1000-source
//! pass, against the 20 MB the daemon is allowed; bench/README.md). So the daemon itself only
//! schedules, serves `/healthz` and `/metrics` and reads a few counters from the store, and
//! each pass is `pmagg daemon-pass`, started from the daemon's own executable:
//!
//! - **Request.** The daemon writes one JSON line on the child's stdin: the config text it
//!   loaded at startup (so a pass never sees a config edited since, as with one process), the
//!   names of the due sources, and the start jitter. See [`PassRequest`].
//! - **Progress.** The child writes one JSON line per finished source on stdout, then one line
//!   with the pass's report (or its error). See [`PassEvent`]. The daemon turns them into log
//!   lines and metrics as they arrive. Logs go to the inherited stderr, in the daemon's format.
//! - **Stopping.** The child leaves signals to the daemon: it runs in a process group of its
//!   own (a Ctrl-C in a terminal reaches only the daemon) and ignores SIGTERM and SIGINT (so
//!   systemd's stop signal to the whole unit leaves the grace period to the daemon). It stops
//!   early when its stdin closes: the daemon closes it when the grace period is over, and the
//!   kernel closes it if the daemon dies. The child then drops the pass, lets a store write
//!   already under way finish (at most [`super::STORE_RELEASE_WAIT`]) and exits; the daemon
//!   kills it if it has not exited by then.
//! - **Rendering.** The child renders the README, archive and feed after a pass that changed
//!   something, before its final line, as `pmagg sync` does.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::sync::watch;
use tracing::warn;

use super::STORE_RELEASE_WAIT;
use crate::pipeline::{SourceReport, SyncReport};

/// How the daemon starts a pass: its own executable with the daemon's global options.
#[derive(Debug, Clone)]
pub struct PassCommand {
    /// The executable (`/proc/self/exe` on Linux, which stays the running binary even when
    /// a package upgrade replaces the file).
    pub program: PathBuf,
    /// Its arguments, ending with the `daemon-pass` subcommand.
    pub args: Vec<OsString>,
    /// The config text the daemon loaded at startup.
    pub config: String,
}

/// The one line the daemon writes on a pass process's stdin.
#[derive(Debug, Serialize, Deserialize)]
pub struct PassRequest {
    /// The config text, parsed by the child as if read from the daemon's `--config` path.
    pub config: String,
    /// The sources to poll, by name.
    pub sources: Vec<String>,
    /// The longest random delay before a source's first request, in milliseconds.
    pub start_jitter_ms: u64,
}

/// A line a pass process writes on stdout.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PassEvent {
    /// A source finished.
    Source {
        /// What happened to it.
        report: SourceReport,
    },
    /// The pass finished (and rendering, if it ran).
    Finished {
        /// The pass's summary.
        report: SyncReport,
    },
    /// The pass could not run, or was cut short.
    Failed {
        /// Why, one line.
        error: String,
    },
}

/// Runs one pass in a child process, calling `on_source` as each source finishes. Once
/// `cut_short` turns true the child's stdin is closed, so it stops early.
pub async fn run(
    command: &PassCommand,
    sources: Vec<String>,
    start_jitter: Duration,
    mut cut_short: watch::Receiver<bool>,
    mut on_source: impl FnMut(&SourceReport),
) -> Result<SyncReport, String> {
    let mut process = tokio::process::Command::new(&command.program);
    process
        .args(&command.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        // Dropped (the daemon forced to stop at once): no pass outlives it.
        .kill_on_drop(true);
    #[cfg(unix)]
    process.process_group(0);
    let mut child = process.spawn().map_err(|err| {
        format!("cannot start the pass process {}: {err}", command.program.display())
    })?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        unreachable!("stdin and stdout are piped");
    };
    let request = PassRequest {
        config: command.config.clone(),
        sources,
        start_jitter_ms: u64::try_from(start_jitter.as_millis()).unwrap_or(u64::MAX),
    };
    let mut line = serde_json::to_vec(&request).map_err(|err| err.to_string())?;
    line.push(b'\n');
    // A child that exits before reading its request says why on stderr; its exit status
    // below tells the rest.
    let mut stdin = match stdin.write_all(&line).await {
        Ok(()) => Some(stdin),
        Err(_) => None,
    };

    let mut lines = BufReader::new(stdout).lines();
    let mut ending: Option<Result<SyncReport, String>> = None;
    let mut kill_at: Option<tokio::time::Instant> = None;
    loop {
        let next = tokio::select! {
            next = lines.next_line() => next,
            Ok(_) = cut_short.wait_for(|cut| *cut), if kill_at.is_none() => {
                stdin = None;
                kill_at = Some(tokio::time::Instant::now() + STORE_RELEASE_WAIT);
                continue;
            }
            () = sleep_until(kill_at) => {
                warn!("the pass process did not stop in time: killing it");
                // Ignored error: it has exited after all.
                let _ = child.start_kill();
                break;
            }
        };
        match next {
            Ok(Some(line)) => match serde_json::from_str::<PassEvent>(&line) {
                Ok(PassEvent::Source { report }) => on_source(&report),
                Ok(PassEvent::Finished { report }) => ending = Some(Ok(report)),
                Ok(PassEvent::Failed { error }) => ending = Some(Err(error)),
                Err(err) => {
                    warn!(%err, line = %truncate(&line), "unreadable line from the pass process");
                }
            },
            Ok(None) => break,
            Err(err) => {
                warn!(%err, "cannot read the pass process's output");
                break;
            }
        }
    }
    drop(stdin);
    let status = child.wait().await;
    match (ending, status) {
        (Some(ending), _) => ending,
        (None, Ok(status)) => Err(format!(
            "the pass process exited ({status}) before reporting its pass; sources it \
             finished are stored"
        )),
        (None, Err(err)) => Err(format!("cannot wait for the pass process: {err}")),
    }
}

/// Sleeps until `at`, or forever when there is no deadline.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn truncate(line: &str) -> &str {
    match line.char_indices().nth(200) {
        Some((end, _)) => &line[..end],
        None => line,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A stand-in pass process: a shell script with the request on stdin.
    fn script(body: &str) -> PassCommand {
        PassCommand {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".into(), body.into()],
            config: "[settings]\n".to_owned(),
        }
    }

    /// A pass nobody cuts short (the sender is gone, so the signal never comes).
    fn never_cut() -> watch::Receiver<bool> {
        watch::channel(false).1
    }

    #[tokio::test]
    async fn events_become_source_reports_and_the_pass_report() {
        // The script checks the request it was sent before answering.
        let command = script(
            r#"read -r request
case "$request" in *'"sources":["a","b"]'*'"start_jitter_ms":1500'*) ;; *) exit 9 ;; esac
echo '{"event":"source","report":{"source":"a","url":"http://a/","outcome":"ok","new":2,"updated":0,"unchanged":1,"duration_ms":7}}'
echo 'not json'
echo '{"event":"source","report":{"source":"b","url":"http://b/","outcome":"failed","status":503,"error":"HTTP 503","duration_ms":3}}'
echo '{"event":"finished","report":{"sources_ok":1,"sources_failed":1,"sources_not_modified":0,"entries_new":2,"entries_updated":0,"entries_unchanged":1,"duration_ms":12,"failures":[]}}'
"#,
        );
        let mut seen = Vec::new();
        let report = run(
            &command,
            vec!["a".into(), "b".into()],
            Duration::from_millis(1500),
            never_cut(),
            |report| seen.push((report.source.to_string(), report.duration_ms)),
        )
        .await
        .unwrap();
        assert_eq!(seen, [("a".to_owned(), 7), ("b".to_owned(), 3)]);
        assert_eq!((report.sources_ok, report.sources_failed, report.entries_new), (1, 1, 2));
    }

    #[tokio::test]
    async fn a_process_that_dies_before_its_report_is_a_failed_pass() {
        let command = script("read -r request; exit 3");
        let error = run(&command, vec![], Duration::ZERO, never_cut(), |_| {}).await.unwrap_err();
        assert!(error.contains("exited") && error.contains('3'), "{error}");

        let missing = PassCommand { program: "/nonexistent/pmagg".into(), ..script("") };
        let error = run(&missing, vec![], Duration::ZERO, never_cut(), |_| {}).await.unwrap_err();
        assert!(error.contains("/nonexistent/pmagg"), "{error}");
    }

    #[tokio::test]
    async fn cutting_short_closes_stdin_and_the_child_reports_why() {
        // Reads its request, then waits for stdin to close, as `pmagg daemon-pass` does.
        let command = script(
            r#"read -r request; cat > /dev/null
echo '{"event":"failed","error":"cut short"}'"#,
        );
        let (cut, cut_short) = watch::channel(false);
        let pass =
            tokio::spawn(
                async move { run(&command, vec![], Duration::ZERO, cut_short, |_| {}).await },
            );
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!pass.is_finished(), "the child waits while stdin is open");
        cut.send(true).unwrap();
        let error = tokio::time::timeout(Duration::from_secs(5), pass).await.unwrap().unwrap();
        assert_eq!(error.unwrap_err(), "cut short");
    }
}
