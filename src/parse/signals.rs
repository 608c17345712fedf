//! What marks a text as a postmortem, for the parsers: the heading vocabulary of reports.
//!
//! One table ([`VOCABULARY`]) of the headings report writers use, each with the part of a
//! report it names and where it is recognised:
//! - the document reader (`parse::document`) takes a plain-text line made only of one of them
//!   as a heading ([`is_heading_line`]);
//! - the status-page parsers count which parts of a postmortem a status update's (or an
//!   article's) headings name ([`postmortem_headings`], [`reads_as_postmortem`]), and look for
//!   a text that only points at a write-up ([`mentions_postmortem`]).
//!
//! Some phrases serve only one of the two, as they always did: a line "Postmortem" is a title
//! more often than a section, and "Background" or "Stats" says nothing about whether an
//! update is a write-up. `extract` maps headings to fields with its own vocabulary (it may not
//! import `parse`). Pure functions over text; never fails.

use std::sync::LazyLock;

use regex::Regex;

/// The part of a report a heading names. The first seven are counted by
/// [`postmortem_headings`], in this order; the first three are telling on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// Root cause, contributing factors.
    RootCause,
    /// What happened, what went wrong.
    WhatHappened,
    /// The write-up itself: postmortem, incident report.
    WriteUp,
    /// Who and what was affected.
    Impact,
    /// The timeline.
    Timeline,
    /// Resolution, remediation, follow-ups and lessons.
    Remedy,
    /// Summary, overview.
    Summary,
    /// Any other section of a report (background, duration, detection, conclusion).
    Context,
}

/// Parts counted by [`postmortem_headings`] (every part but [`Part::Context`]).
const COUNTED_PARTS: usize = 7;

/// Parts telling on their own: root cause, what happened, the write-up itself.
const STRONG_PARTS: usize = 3;

/// Where a heading phrase is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// A plain-text heading line, and a postmortem signal.
    Both,
    /// Only a plain-text heading line.
    Line,
    /// Only a postmortem signal.
    Signal,
}

/// One heading phrase of reports: lowercase, without numbering or trailing punctuation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Heading {
    /// The phrase.
    pub(crate) phrase: &'static str,
    /// What part of a report it names.
    pub(crate) part: Part,
    /// Where it is recognised.
    pub(crate) used: Use,
}

const fn heading(phrase: &'static str, part: Part, used: Use) -> Heading {
    Heading { phrase, part, used }
}

/// The headings of reports, by part.
pub(crate) const VOCABULARY: &[Heading] = {
    use Part::{Context, Impact, Remedy, RootCause, Summary, Timeline, WhatHappened, WriteUp};
    use Use::{Both, Line, Signal};
    &[
        heading("root cause analysis", RootCause, Both),
        heading("root causes", RootCause, Both),
        heading("root cause", RootCause, Both),
        heading("contributing factors", RootCause, Both),
        heading("root cause and resolution", RootCause, Line),
        heading("root cause & resolution", RootCause, Line),
        heading("root cause and remediation", RootCause, Line),
        heading("root cause & remediation", RootCause, Line),
        heading("root cause and fix", RootCause, Line),
        heading("cause", RootCause, Line),
        heading("causes", RootCause, Line),
        heading("trigger", RootCause, Line),
        heading("five whys", RootCause, Line),
        heading("5 whys", RootCause, Line),
        heading("what happened", WhatHappened, Both),
        heading("what went wrong and why", WhatHappened, Both),
        heading("what went wrong", WhatHappened, Both),
        heading("how did we respond", WhatHappened, Line),
        heading("postmortem", WriteUp, Signal),
        heading("post-mortem", WriteUp, Signal),
        heading("post mortem", WriteUp, Signal),
        heading("post-incident review", WriteUp, Signal),
        heading("incident report", WriteUp, Signal),
        heading("customer impact", Impact, Both),
        heading("user impact", Impact, Signal),
        heading("impact", Impact, Both),
        heading("effect", Impact, Line),
        heading("effects", Impact, Line),
        heading("who was affected", Impact, Signal),
        heading("incident impact", Impact, Line),
        heading("timeline of events", Timeline, Both),
        heading("timeline", Timeline, Both),
        heading("incident timeline", Timeline, Line),
        heading("remediation", Remedy, Both),
        heading("prevention", Remedy, Both),
        heading("next steps", Remedy, Both),
        heading("action items", Remedy, Both),
        heading("follow-up actions", Remedy, Signal),
        heading("follow-ups", Remedy, Both),
        heading("mitigation", Remedy, Both),
        heading("resolution", Remedy, Both),
        heading("how we fixed it", Remedy, Signal),
        heading("what we are doing to prevent this", Remedy, Signal),
        heading("what we're doing to prevent this", Remedy, Signal),
        heading("lessons learned", Remedy, Both),
        heading("resolution and recovery", Remedy, Line),
        heading("recovery", Remedy, Line),
        heading("fix", Remedy, Line),
        heading("the fix", Remedy, Line),
        heading("corrective and preventative measures", Remedy, Line),
        heading("corrective and preventive measures", Remedy, Line),
        heading("corrective measures", Remedy, Line),
        heading("preventative measures", Remedy, Line),
        heading("preventive measures", Remedy, Line),
        heading("corrective actions", Remedy, Line),
        heading("preventive actions", Remedy, Line),
        heading("preventative actions", Remedy, Line),
        heading("what we are changing", Remedy, Line),
        heading("what we're changing", Remedy, Line),
        heading("what we are doing", Remedy, Line),
        heading("what we're doing", Remedy, Line),
        heading("what we are doing about it", Remedy, Line),
        heading("what we're doing about it", Remedy, Line),
        heading("follow ups", Remedy, Line),
        heading("follow-up", Remedy, Line),
        heading("follow up", Remedy, Line),
        heading("lessons", Remedy, Line),
        heading("improvements", Remedy, Line),
        heading("tasks", Remedy, Line),
        heading("summary", Summary, Both),
        heading("overview", Summary, Both),
        heading("tl;dr", Summary, Both),
        heading("issue summary", Summary, Line),
        heading("incident summary", Summary, Line),
        heading("executive summary", Summary, Line),
        heading("tldr", Summary, Line),
        heading("background", Context, Line),
        heading("description", Context, Line),
        heading("incident description", Context, Line),
        heading("duration", Context, Line),
        heading("duration of the outage", Context, Line),
        heading("outage duration", Context, Line),
        heading("detection", Context, Line),
        heading("what went well", Context, Line),
        heading("where we got lucky", Context, Line),
        heading("conclusion", Context, Line),
        heading("stats", Context, Line),
        heading("supporting information", Context, Line),
    ]
};

/// Whether a normalised line (lowercase, no numbering, no trailing `:`) is a report heading
/// that writers put on a line of its own.
pub(crate) fn is_heading_line(normalized: &str) -> bool {
    VOCABULARY.iter().any(|h| h.used != Use::Signal && h.phrase == normalized)
}

/// The phrases counted as postmortem signals, by part (in [`Part`] order).
static SIGNAL_PHRASES: LazyLock<[Vec<&'static str>; COUNTED_PARTS]> = LazyLock::new(|| {
    let mut parts: [Vec<&'static str>; COUNTED_PARTS] = Default::default();
    for heading in VOCABULARY.iter().filter(|h| h.used != Use::Line) {
        if let Some(phrases) = parts.get_mut(heading.part as usize) {
            phrases.push(heading.phrase);
        }
    }
    parts
});

/// Whether a status update reads as a postmortem: two parts of a postmortem among its
/// headings, or one telling part (root cause, what happened, postmortem) in a text long
/// enough to be more than a one-line status update.
pub(crate) fn reads_as_postmortem(text: &str) -> bool {
    let headings = postmortem_headings(text);
    headings.parts >= 2 || (headings.strong && text.trim().len() >= MIN_STRONG_LEN)
}

/// Shorter texts with a single "Root cause: ..." line are status updates, not write-ups.
const MIN_STRONG_LEN: usize = 280;

/// Whether a text points at a postmortem without being one ("we will publish a postmortem",
/// "the write-up is available"): worth fetching the incident's detail for.
pub(crate) fn mentions_postmortem(text: &str) -> bool {
    static MENTION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b(post[\s-]?mortem|post[\s-]incident\s+(review|report)|incident\s+report|write[\s-]?up|root[\s-]cause\s+analysis|rca)\b",
        )
        .expect("the postmortem mention pattern is a valid regex (checked by a test)")
    });
    MENTION.is_match(text)
}

/// Which parts of a postmortem a text's headings name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PostmortemHeadings {
    /// How many parts of a postmortem its headings name (root cause, impact, timeline, ...).
    pub(crate) parts: usize,
    /// Whether one of them names the write-up itself (root cause, what happened, postmortem).
    pub(crate) strong: bool,
}

/// Counts the parts of a postmortem that the text's headings name. A heading is a line that
/// is only a heading phrase (as `# Root cause`, `**Impact**`, `Timeline (UTC)`), or a label
/// line (`Root cause: the deploy ...`).
pub(crate) fn postmortem_headings(text: &str) -> PostmortemHeadings {
    let mut seen = [false; COUNTED_PARTS];
    for line in text.lines() {
        let plain: String =
            line.chars().filter(|c| !matches!(c, '*' | '_' | '#' | '`')).collect::<String>();
        let plain = plain.trim().to_lowercase();
        if let Some(part) = heading_part(&plain) {
            seen[part] = true;
        }
    }
    PostmortemHeadings {
        parts: seen.iter().filter(|s| **s).count(),
        strong: seen[..STRONG_PARTS].iter().any(|s| *s),
    }
}

/// The first part (in [`Part`] order) one of whose phrases the line is a heading or label of.
fn heading_part(plain: &str) -> Option<usize> {
    SIGNAL_PHRASES.iter().position(|phrases| {
        phrases.iter().any(|phrase| {
            let Some(rest) = plain.strip_prefix(phrase) else { return false };
            let label = rest.starts_with(':') && rest.len() > 1;
            let heading = plain.len() <= 80
                && (["", ":", "?", "s", "s:"].contains(&rest)
                    || [" (", " and ", " & ", " of ", " on "].iter().any(|p| rest.starts_with(p)));
            label || heading
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postmortem_reading() {
        let write_up = "**What happened**\nBetween 10:00 and 11:00 UTC requests failed.\n\n\
                        **Root cause**\nA config push.\n\n**Remediation**\nWe added checks.";
        assert!(reads_as_postmortem(write_up));
        assert_eq!(postmortem_headings(write_up), PostmortemHeadings { parts: 3, strong: true });
        // Status updates that mention a root cause are not write-ups.
        for update in [
            "We have identified the root cause and are deploying a fix.",
            "Root cause identified",
            "Root cause: a bad deploy. Rolling back now.",
            "This incident has been resolved.",
        ] {
            assert!(!reads_as_postmortem(update), "{update}");
        }
        let long_label = format!("Root cause: {}", "the cache tier ran out of memory. ".repeat(10));
        assert!(reads_as_postmortem(&long_label));
        assert!(mentions_postmortem("We will publish a post-mortem within 5 days."));
        assert!(mentions_postmortem("The write-up is now available."));
        assert!(!mentions_postmortem("We are monitoring the results."));
    }

    #[test]
    fn line_only_phrases_are_no_signal_and_signal_only_phrases_no_heading_line() {
        // "Background" is a section heading but says nothing about a write-up.
        assert!(is_heading_line("background"));
        assert_eq!(postmortem_headings("Background\nImpact").parts, 1);
        // "Postmortem" counts as a signal, but a line of it alone is not a section heading.
        assert!(!is_heading_line("postmortem"));
        assert_eq!(postmortem_headings("Postmortem\nImpact").parts, 2);
        assert!(is_heading_line("root cause"));
        assert!(!is_heading_line("root cause was a deploy"));
        // A heading names the first part whose phrase it starts with.
        assert_eq!(heading_part("root cause and resolution"), Some(Part::RootCause as usize));
        assert_eq!(heading_part("timeline (utc)"), Some(Part::Timeline as usize));
        assert_eq!(heading_part("lessons learned:"), Some(Part::Remedy as usize));
        assert_eq!(heading_part("incident summary"), None);
    }

    #[test]
    fn every_phrase_is_normalised_and_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for heading in VOCABULARY {
            assert_eq!(heading.phrase, heading.phrase.trim().to_lowercase(), "{heading:?}");
            assert!(seen.insert(heading.phrase), "{} twice", heading.phrase);
        }
    }
}
