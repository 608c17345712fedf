//! Google Cloud and Google Workspace `incidents.json`. (Being written.)

use url::Url;

use super::ParseError;
use crate::model::Entry;

/// Parses the incidents array; an incident with an "Incident Report" update is a candidate.
pub fn parse_incidents(body: &[u8], base: &Url) -> Result<Vec<Entry>, ParseError> {
    let _ = body;
    Err(ParseError::Format {
        url: base.clone(),
        detail: "gcp sources are not supported yet".into(),
    })
}
