//! Atlassian Statuspage v2 `incidents.json`. (Being written.)

use url::Url;

use super::ParseError;
use crate::model::{Entry, Report};

/// Parses `incidents.json`; `page` is the status site, for the incidents' human URLs.
pub fn parse_incidents(body: &[u8], page: &Url) -> Result<Vec<Entry>, ParseError> {
    let _ = body;
    Err(ParseError::Format {
        url: page.clone(),
        detail: "statuspage sources are not supported yet".into(),
    })
}

/// Takes the postmortem section out of an incident's HTML page.
pub fn postmortem_from_page(body: &[u8]) -> Option<Report> {
    let _ = body;
    None
}
