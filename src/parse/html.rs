//! HTML index pages read with CSS selectors from the config. (Being written.)

use url::Url;

use super::ParseError;
use crate::config::HtmlSelectors;
use crate::model::Entry;

/// Parses an index page into one entry per item.
pub fn parse_index(
    body: &[u8],
    base: &Url,
    selectors: &HtmlSelectors,
) -> Result<Vec<Entry>, ParseError> {
    let _ = (body, selectors);
    Err(ParseError::Format {
        url: base.clone(),
        detail: "html sources are not supported yet".into(),
    })
}
