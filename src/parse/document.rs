//! One fetched page (HTML, markdown or plain text) → a [`Document`]. (Being written.)

use url::Url;

use crate::model::Document;

/// Reduces a page to its main content. Never fails: an unreadable body is an empty document.
pub fn parse_document(
    body: &[u8],
    content_type: Option<&str>,
    url: Option<&Url>,
    content_selector: Option<&scraper::Selector>,
) -> Document {
    let _ = (body, content_type, content_selector);
    Document { url: url.map(ToString::to_string), ..Document::default() }
}
