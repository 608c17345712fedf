//! Why a source failed, and how an error becomes words.
//!
//! [`SourceError`] carries a source's failure through the pass as the stage's own error
//! (fetch, parse, store), or as what bounds or guards the pass (its time budget, a panic, the
//! writer). [`describe`] turns any error into one line; the pass calls it only where a
//! failure is recorded (`sources.last_error`) and reported (stderr, `--json`, the daemon).

use std::error::Error as StdError;
use std::time::Duration;

use super::workers::WorkerPanic;
use crate::fetch::FetchError;
use crate::parse::ParseError;
use crate::store::StoreError;

/// Why a source failed in a pass. Carried as it is through the pass, and turned into words
/// ([`describe`]) only where the failure is recorded and reported (`FailureRecorder`).
#[derive(Debug, thiserror::Error)]
pub(super) enum SourceError {
    /// No endpoint could be fetched (the first endpoint's error).
    #[error(transparent)]
    Fetch(FetchError),
    /// The body that came could not be parsed.
    #[error("{source}")]
    Parse {
        /// The HTTP status the body came with.
        status: u16,
        /// Why it could not be parsed.
        #[source]
        source: ParseError,
    },
    /// The store could not read or write the source's rows.
    #[error("{source}")]
    Store {
        /// The HTTP status of the body being stored, if one came.
        status: Option<u16>,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// The source took longer than its time budget.
    #[error(
        "gave up after {} s: the source took longer than its time budget \
         (source_time_budget_secs)",
        budget.as_secs()
    )]
    Budget {
        /// The budget (`source_time_budget_secs`).
        budget: Duration,
    },
    /// Reading what the source sent panicked: a bug that the input found.
    #[error("{panic}")]
    Panic {
        /// The HTTP status of the body being read.
        status: Option<u16>,
        /// The panic.
        #[source]
        panic: WorkerPanic,
    },
    /// The pass's writer had stopped before the source's write was queued (a bug).
    #[error("the writer stopped before the source's write (a bug)")]
    WriterStopped {
        /// The HTTP status of the body to be stored.
        status: u16,
    },
    /// The writer stopped without answering the source's write (a bug).
    #[error("the write was lost: the writer stopped (a bug; please report it)")]
    WriteLost {
        /// The HTTP status of the body to be stored.
        status: u16,
    },
    /// The source has no endpoint to fetch.
    #[error("the source has no endpoint")]
    NoEndpoint,
}

impl SourceError {
    /// The HTTP status that came with the failure, if any.
    pub(super) fn status(&self) -> Option<u16> {
        match self {
            Self::Fetch(err) => err.status(),
            Self::Parse { status, .. }
            | Self::WriterStopped { status }
            | Self::WriteLost { status } => Some(*status),
            Self::Store { status, .. } | Self::Panic { status, .. } => *status,
            Self::Budget { .. } | Self::NoEndpoint => None,
        }
    }

    /// The wait the server's `Retry-After` asked for, which the backoff honours.
    pub(super) fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Fetch(err) => err.retry_after(),
            _ => None,
        }
    }
}

/// An error on one line: its own message, then its root cause when that adds something.
///
/// The layers in between (reqwest's "error sending request for url (...)", hyper's "client
/// error (Connect)") repeat what the outer message says, while the root cause ("failed to
/// lookup address information", "invalid peer certificate: UnknownIssuer") is what a user
/// acts on.
pub fn describe(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut root = None;
    let mut cause = err.source();
    while let Some(next) = cause {
        root = Some(next);
        cause = next.source();
    }
    if let Some(root) = root {
        let text = root.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    // Messages may quote what a server sent: keep it one line, with no terminal escapes.
    if out.chars().any(char::is_control) {
        out = out.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Layer(&'static str, #[source] Option<Box<Layer>>);

    #[test]
    fn describe_keeps_the_message_and_the_root_cause() {
        let root = Layer("failed to lookup address information", None);
        let middle =
            Layer("error sending request for url (https://x.example/)", Some(Box::new(root)));
        let top = Layer("cannot connect to https://x.example/", Some(Box::new(middle)));
        assert_eq!(
            describe(&top),
            "cannot connect to https://x.example/: failed to lookup address information"
        );
        assert_eq!(describe(&Layer("alone", None)), "alone");
        assert_eq!(describe(&Layer("two\nlines \u{1b}[31mred", None)), "two lines  [31mred");
    }

    #[test]
    fn a_source_error_keeps_its_status_and_reads_as_the_error_it_carries() {
        let json = serde_json::from_str::<u8>("[").unwrap_err();
        let parse = ParseError::Json {
            url: url::Url::parse("https://status.example/api").unwrap(),
            what: "a Statuspage incidents.json",
            source: json,
        };
        let alone = describe(&parse);
        let error = SourceError::Parse { status: 200, source: parse };
        // The words are the parse error's own, its root cause included, as before the type.
        assert_eq!(describe(&error), alone);
        assert!(
            alone.starts_with("https://status.example/api is not a Statuspage incidents.json: ")
        );
        assert_eq!((error.status(), error.retry_after()), (Some(200), None));

        let budget = SourceError::Budget { budget: Duration::from_secs(8) };
        assert_eq!(
            describe(&budget),
            "gave up after 8 s: the source took longer than its time budget \
             (source_time_budget_secs)"
        );
        assert_eq!(budget.status(), None);
        let lost = SourceError::WriteLost { status: 304 };
        assert_eq!(lost.status(), Some(304));
        assert_eq!(
            describe(&lost),
            "the write was lost: the writer stopped (a bug; please report it)"
        );
        assert_eq!(describe(&SourceError::NoEndpoint), "the source has no endpoint");
    }
}
