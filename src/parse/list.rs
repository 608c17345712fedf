//! Curated markdown lists. (Being written.)

use url::Url;

use super::ParseError;
use crate::model::Entry;

/// Parses a curated list into one entry per listed postmortem.
pub fn parse_list(body: &[u8], base: &Url) -> Result<Vec<Entry>, ParseError> {
    let _ = body;
    Err(ParseError::Format {
        url: base.clone(),
        detail: "list sources are not supported yet".into(),
    })
}
