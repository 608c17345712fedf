//! The one-or-two-sentence summary of a curated list entry.
//!
//! Takes the report's opening, impact, root cause and resolution texts; returns at most two
//! of the report's own sentences (what broke, then why or how it was fixed), under
//! [`MAX_SUMMARY_CHARS`] characters. Never writes new prose.

use std::sync::LazyLock;

use regex::Regex;

use crate::extract::sections::{clip, sentences, styled_word};

/// The summary is shorter than this many characters.
pub(crate) const MAX_SUMMARY_CHARS: usize = 300;

static RE_INCIDENT: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)\b(outage|down\b|downtime|unavailab|errors?\b|fail(ed|ure|ing)?|degrad|disrupt|affect|incident|unable|could not|crash|broke\b|broken|delay|impact|lost|slow|[45]0\d\b|(?:seconds|minutes|hours|days) late\b|arrived late\b|expos|leak|compromis|breach|unauthori[sz]ed|attacke[rd]|attacks?\b)",
    )
    .expect("literal regex for incident words")
});
/// Plainer words of what went wrong ("halted", "did not see the logs", "a bug", "403"),
/// which also name things that did not break: read only where no sentence has a word of
/// [`RE_INCIDENT`], so that a summary says what broke whenever the report says it plainly.
static RE_WRONG: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)\b(halt|stopp|stuck|hung\b|hang|timed? ?out|corrupt|missing|incomplete|bugs?\b|vulnerab|expos|compromis|leak|breach|offline|unreachable|inaccessible|forbidden|[45]\d\d\b|interrupt|went wrong|problem|wrong|did not|didn't|could ?n[o']t|cannot|can't|not able|was not|were not|wasn't|weren't)",
    )
    .expect("literal regex for plainer words of what went wrong")
});
static RE_META: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)^(this (post|document|report|post-mortem|postmortem|blog)|in this (post|report)|internal post-?mortem|we('d| would) like to|we (apologi[sz]e|are sorry)|i am sorry|the following is|here is|below)|https?://",
    )
    .expect("literal regex for sentences about the report itself")
});
/// Sentences that lean on the one before them ("This meant that…", "It was…", "However, …"):
/// they read as a fragment when they open a summary.
static RE_LEANING: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)^\W*(this|that|these|those|it|its|they|them|their|he|she|such|here|there|however|but|and|or|so|also|then|thus|therefore|hence|as a result|as such|because of this|in addition|additionally|furthermore|moreover|meanwhile|unfortunately|fortunately|luckily|finally|later|afterwards|again|instead|otherwise|consequently|similarly|likewise|still)\b",
    )
    .expect("literal regex for sentences that lean on the one before")
});
/// Sentences that say what did not happen ("No payment was lost", "Customer data was not
/// affected"): reassurance, which reads wrong as the first thing a summary says.
static RE_DENIED: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)^\W*(?:no|none of|neither|nothing)\b|\b(?:not|never)\s+(?:\w+\s+){0,2}?(?:affected|impacted|involved|lost|exposed|compromised|accessed|delayed|disrupted|interrupted|degraded)\b",
    )
    .expect("literal regex for sentences that say what did not happen")
});
/// Sentences about what comes next ("We are using this opportunity to …", "We will …"): a
/// summary says what happened.
static RE_AHEAD: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)\b(?:will|going to|plan to|planning to|opportunity|in the future|going forward|moving forward)\b",
    )
    .expect("literal regex for sentences about what comes next")
});
static RE_CAUSE: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)\b(caus|due to|because|triggered|led to|resulted|root cause|stemm)",
    )
    .expect("literal regex for cause words")
});
static RE_FIX: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)\b(resolv|fixed|restor|rolled back|revert|mitigat|recover)",
    )
    .expect("literal regex for fix words")
});

/// Builds the summary; `None` when the report has no usable sentence.
pub(crate) fn build_summary(
    opening: Option<&str>,
    impact: Option<&str>,
    root_cause: Option<&str>,
    resolution: Option<&str>,
) -> Option<String> {
    let usable = |s: &&str| {
        s.len() >= 20 && !RE_META.is_match(s) && !RE_AHEAD.is_match(s) && !s.ends_with(':')
    };
    // The first sentence stands alone.
    let opens = |s: &&str| usable(s) && !RE_LEANING.is_match(s);
    // ... and says what happened, not what did not ("No payment was lost"); a cause may be
    // told as an absence ("No memory limits were set"), so the second sentence may be one.
    // A denial that goes on to say what did happen ("Nothing was lost, but for 52 hours
    // searches found nothing") may still lead.
    let goes_on = |s: &str| {
        [" but ", " although ", " though ", " however", " except "].iter().any(|w| s.contains(w))
    };
    let leads = |s: &&str| opens(s) && (!RE_DENIED.is_match(s) || goes_on(s));
    let first_of = |text: Option<&str>, want: &Regex| -> Option<String> {
        sentences(text?).into_iter().filter(leads).find(|s| want.is_match(s)).map(tidy)
    };
    // The second follows the first, so "It was resolved by …" reads on from it.
    let then_of = |text: Option<&str>, want: &Regex| -> Option<String> {
        sentences(text?).into_iter().filter(usable).find(|s| want.is_match(s)).map(tidy)
    };
    // A report opens with what happened: its first sentence leads when it says, in plain
    // words or not, that something went wrong ("the sync service stopped applying changes").
    let opening_line = opening
        .and_then(|text| sentences(text).into_iter().next())
        .filter(|s| leads(s) && says_something_went_wrong(s))
        .map(tidy);
    let what = opening_line
        .or_else(|| first_of(opening, &RE_INCIDENT))
        .or_else(|| first_of(impact, &RE_INCIDENT))
        .or_else(|| first_of(root_cause, &RE_CAUSE))
        .or_else(|| first_of(root_cause, &RE_INCIDENT))
        .or_else(|| first_of(impact, &RE_WRONG))
        .or_else(|| first_of(opening, &RE_WRONG))
        .or_else(|| first_of(root_cause, &RE_WRONG))
        // The impact says what users saw even in words of neither kind ("payments were
        // accepted but not settled for two hours").
        .or_else(|| sentences(impact?).into_iter().find(leads).map(tidy))?;
    let mut summary = clip(&what, MAX_SUMMARY_CHARS - 1);
    let second = if RE_CAUSE.is_match(&what) {
        (!RE_FIX.is_match(&what)).then(|| then_of(resolution, &RE_FIX)).flatten()
    } else {
        root_cause
            .and_then(|text| sentences(text).into_iter().find(opens).map(tidy))
            .or_else(|| then_of(resolution, &RE_FIX))
    };
    if let Some(second) = second
        && second != what
        && summary.chars().count() + 1 + second.chars().count() < MAX_SUMMARY_CHARS
    {
        summary.push(' ');
        summary.push_str(&second);
    }
    Some(summary)
}

/// Whether a sentence says, in strong or plain words ([`RE_INCIDENT`], [`RE_WRONG`]), that
/// something went wrong: "every search returned an error page", "builds were stuck".
pub(crate) fn says_something_went_wrong(sentence: &str) -> bool {
    RE_INCIDENT.is_match(sentence) || RE_WRONG.is_match(sentence)
}

/// A sentence as it should read in a list: capitalised, ending with a full stop, without the
/// bullet, emoji or label it opened with ("💡 TL;DR — Card payments timed out …").
fn tidy(sentence: &str) -> String {
    static RE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
        crate::extract::ascii_word_regex(
            r"(?i)^(?:tl;?\s?dr|summary|in short|in brief|short version|bottom line|what|description|overview)\s*[:\x{2013}\x{2014}-]\s*",
        )
        .expect("literal regex for a summary's own label")
    });
    // Bullets, and what is neither ASCII nor a letter, digit or quotation mark: emoji,
    // dingbats and their joiners. "~300 users", "$5" and "#2" keep their signs.
    let s = sentence.trim().trim_start_matches(|c: char| {
        c.is_whitespace()
            || matches!(c, '-' | '*' | '•' | '>' | '|')
            || !(c.is_ascii()
                || c.is_alphanumeric()
                || matches!(c, '\u{201c}' | '\u{2018}' | '\u{ab}'))
    });
    let s = RE_LABEL.find(s).map_or(s, |m| &s[m.end()..]);
    let mut out = String::with_capacity(s.len() + 1);
    let mut chars = s.chars();
    // "macOS", "iOS", "eBay" are written so; other first words take a capital.
    if let Some(first) = chars.next() {
        if styled_word(s) {
            out.push(first);
        } else {
            out.extend(first.to_uppercase());
        }
        out.push_str(chars.as_str());
    }
    if !out.ends_with(['.', '!', '?', '…']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_literals_compile() {
        for re in
            [&*RE_INCIDENT, &*RE_WRONG, &*RE_META, &*RE_LEANING, &*RE_AHEAD, &*RE_CAUSE, &*RE_FIX]
        {
            assert!(!re.as_str().is_empty());
        }
    }

    #[test]
    fn what_broke_then_why() {
        let s = build_summary(
            Some(
                "This post explains the outage. On May 3 the API was down for 2 hours for all users.",
            ),
            None,
            Some("an expired certificate on the load balancer"),
            Some("We renewed the certificate."),
        );
        assert_eq!(
            s.as_deref(),
            Some(
                "On May 3 the API was down for 2 hours for all users. An expired certificate on the load balancer."
            )
        );
    }

    #[test]
    fn cause_in_first_sentence_adds_the_fix() {
        let s = build_summary(
            Some("The site failed because a disk filled up."),
            None,
            None,
            Some("It was resolved by deleting old logs."),
        );
        assert_eq!(
            s.as_deref(),
            Some("The site failed because a disk filled up. It was resolved by deleting old logs.")
        );
    }

    #[test]
    fn never_opens_with_a_sentence_that_leans_on_another() {
        let s = build_summary(
            Some(
                "We upgraded the cache cluster on Monday night. This combination triggered a flood of errors for every user. Checkout was down for 40 minutes for all customers.",
            ),
            Some("It meant that nobody could log in."),
            Some("These errors were caused by a stale routing table."),
            None,
        )
        .unwrap_or_default();
        assert!(s.starts_with("Checkout was down for 40 minutes"), "{s}");
        for lead in ["This ", "It ", "These ", "That ", "They "] {
            assert!(!s.starts_with(lead), "{s}");
        }
    }

    #[test]
    fn stays_under_the_limit() {
        let long = format!("The service failed {}.", "and failed again ".repeat(40));
        let s =
            build_summary(Some(&long), None, Some("A bug caused it."), None).unwrap_or_default();
        assert!(s.chars().count() < MAX_SUMMARY_CHARS, "{}", s.chars().count());
        assert!(!s.is_empty());
    }

    #[test]
    fn plain_words_of_what_went_wrong_when_no_stronger_one() {
        // No outage, error or failure word anywhere: what users saw still opens it.
        let s = build_summary(
            Some("The ingest pipeline runs every ten minutes on our cluster."),
            Some("For new builds users did not see the build logs."),
            Some("A node had no address in the cluster metadata."),
            Some("Fixed by removing the node."),
        );
        assert_eq!(
            s.as_deref(),
            Some(
                "For new builds users did not see the build logs. A node had no address in the cluster metadata."
            )
        );
        // The report's first sentence leads when it says, even plainly, that something went
        // wrong; past it, a stronger word wins over a plainer one earlier on.
        assert_eq!(
            of_opening("The scheduler was stuck on one queue. Checkout was down for 40 minutes."),
            "The scheduler was stuck on one queue."
        );
        assert_eq!(
            of_opening(
                "We run one scheduler for all jobs. The scheduler was stuck on one queue. Checkout was down for 40 minutes."
            ),
            "Checkout was down for 40 minutes."
        );
    }

    #[test]
    fn an_http_error_code_says_what_broke() {
        assert_eq!(
            of_opening("One in five requests to the API returned HTTP 503. The apps were slow."),
            "One in five requests to the API returned HTTP 503."
        );
    }

    /// The summary of a report that has only an opening.
    fn of_opening(opening: &str) -> String {
        build_summary(Some(opening), None, None, None).unwrap_or_default()
    }

    #[test]
    fn a_summary_drops_the_emoji_and_label_it_opens_with() {
        assert_eq!(
            of_opening(
                "💡 TL;DR — Card payments timed out for 22 minutes after a database failover."
            ),
            "Card payments timed out for 22 minutes after a database failover."
        );
        assert_eq!(
            of_opening("🔥 \"Checkout\" was down for an hour."),
            "\"Checkout\" was down for an hour."
        );
        assert_eq!(
            of_opening("~300 users could not sign in for an hour."),
            "~300 users could not sign in for an hour."
        );
        // A label's value, and a name written in its own case.
        assert_eq!(
            of_opening("What: macOS build agents stopped picking up jobs for two hours."),
            "macOS build agents stopped picking up jobs for two hours."
        );
        assert_eq!(
            of_opening("builds failed for an hour on every agent."),
            "Builds failed for an hour on every agent."
        );
    }

    #[test]
    fn a_summary_opens_with_what_happened_not_with_what_did_not() {
        let opening = "On June 3 about 18% of card payments were accepted but not settled for two \
                       hours. No payment was lost or charged twice.";
        let cause = "A schema migration held a lock on the settlements table.";
        // The reassurance has an incident word ("lost"); the impact has none, and is taken.
        assert_eq!(
            build_summary(Some(opening), Some(opening), Some(cause), None).as_deref(),
            Some(
                "On June 3 about 18% of card payments were accepted but not settled for two \
                 hours. A schema migration held a lock on the settlements table."
            )
        );
        // A cause told as an absence still follows the first sentence.
        assert_eq!(
            build_summary(
                Some("The export job failed for six hours."),
                None,
                Some("No memory limit was set on the worker pod."),
                None
            )
            .as_deref(),
            Some("The export job failed for six hours. No memory limit was set on the worker pod.")
        );
        assert_eq!(of_opening("Customer data was not affected by the outage."), "");
        // A denial that goes on to say what happened still leads.
        assert_eq!(
            of_opening("Nothing was lost, but for two days searches found no recent documents."),
            "Nothing was lost, but for two days searches found no recent documents."
        );
    }

    #[test]
    fn a_broker_is_not_something_that_broke() {
        let opening = "At 09:12 UTC a push lowered the broker's connection limit to 50. At 09:20 UTC \
                       workers began failing to connect.";
        assert_eq!(of_opening(opening), "At 09:20 UTC workers began failing to connect.");
        assert_eq!(
            of_opening("The deploy broke sign-in for an hour."),
            "The deploy broke sign-in for an hour."
        );
    }

    #[test]
    fn a_security_incident_opens_with_what_was_exposed_not_with_its_cause() {
        let opening =
            "On 4 March we learned that a publish token had been exposed in a public CI log.";
        let cause = "The token leaked because a debugging step printed the environment.";
        assert_eq!(
            build_summary(Some(opening), Some(opening), Some(cause), None).as_deref(),
            Some(
                "On 4 March we learned that a publish token had been exposed in a public CI log. \
                 The token leaked because a debugging step printed the environment."
            )
        );
    }

    #[test]
    fn nothing_usable() {
        assert_eq!(build_summary(None, None, None, None), None);
        assert_eq!(
            build_summary(Some("Hello there, friends and readers."), None, None, None),
            None
        );
    }
}
