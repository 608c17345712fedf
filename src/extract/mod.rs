//! [`Document`] (+ [`Hints`]) → [`Postmortem`]: is it a postmortem, and its key fields.
//! (Being written.)
//!
//! Synchronous, pure and infallible: what cannot be found is `None`, and doubt is expressed
//! in `confidence`, never as an error.

use crate::model::{Document, Hints, Postmortem};

/// Bumped whenever extraction results change, so `pmagg reextract` knows what is stale.
pub const VERSION: u32 = 1;

/// Extracts the fields; `is_postmortem` is `confidence >= threshold`.
pub fn extract(document: &Document, hints: &Hints, threshold: f32) -> Postmortem {
    let _ = (document, threshold);
    Postmortem { title: hints.title.clone(), ..Postmortem::default() }
}

/// Scores a feed item on its title and summary alone (0.0 to 1.0), to decide whether its
/// article is worth fetching.
pub fn prescreen(title: Option<&str>, summary: Option<&str>) -> f32 {
    let _ = (title, summary);
    0.0
}
