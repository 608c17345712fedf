//! Bytes → entries. Synchronous and pure: no I/O, no clock, no database.
//!
//! One file per source kind; [`parse_entries`] dispatches on the configured kind.

pub mod feed;

use sha2::{Digest, Sha256};
use url::Url;

use crate::config::Source;
use crate::model::{Entry, SourceKind};

/// Parses a fetched body into the source's entries.
pub fn parse_entries(
    source: &Source,
    body: &[u8],
    base: &Url,
    content_type: Option<&str>,
) -> Result<Vec<Entry>, ParseError> {
    match source.kind {
        SourceKind::Feed => feed::parse_feed(body, base, content_type, source.filter.as_ref()),
    }
}

/// Why a body could not be parsed. Each variant names the URL it came from.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not a feed feed-rs can read.
    #[error("{url} is not a valid RSS, Atom or JSON feed{hint}")]
    Feed {
        /// Where the body came from.
        url: Url,
        /// A hint from the content type, e.g. that an HTML page came back.
        hint: String,
        /// What the parser said.
        #[source]
        source: Box<feed_rs::parser::ParseFeedError>,
    },
}

/// Hex SHA-256 over the parts, each followed by a separator that cannot appear in text.
pub(crate) fn content_hash<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        match part {
            Some(text) => {
                hasher.update([1u8]);
                hasher.update(text.as_bytes());
            }
            None => hasher.update([0u8]),
        }
        hasher.update([0xffu8]);
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_separates_fields() {
        assert_ne!(content_hash([Some("ab"), Some("c")]), content_hash([Some("a"), Some("bc")]));
        assert_ne!(content_hash([None, Some("")]), content_hash([Some(""), None]));
        assert_eq!(content_hash([Some("x")]).len(), 64);
    }
}
