//! Is this document a postmortem? A confidence from named signals and weights.
//!
//! Takes [`Signals`] gathered by the other extract modules (title words, the sections the
//! report has, its timeline, dates and narrative, and the marks of look-alikes) and returns
//! a confidence between 0 and 1: a logistic function of a weighted sum, so each signal's
//! weight reads as log-odds. Hard negatives (templates, writing guides, assignment texts,
//! stubs and link-only pages, curated lists, product posts that mention an outage in
//! passing) are rejected by their own marks and by their lack of incident evidence: a
//! template has the headings but no dates, times or narrative.

use std::sync::LazyLock;

use regex::Regex;

/// Everything the classifier looks at.
#[allow(clippy::struct_excessive_bools, reason = "each flag is one named signal of the classifier")]
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Signals {
    /// The title's words ([`title_score`]).
    pub(crate) title: f32,
    /// Distinct report sections with real content (impact, root cause, timeline, resolution,
    /// action items, issue summary, contributing factors...).
    pub(crate) sections: usize,
    /// Timeline events found.
    pub(crate) timeline_events: usize,
    /// Clock times in the prose.
    pub(crate) times: usize,
    /// A start-end range or a duration is stated.
    pub(crate) stated_span: bool,
    /// A date the incident happened on is stated.
    pub(crate) incident_date: bool,
    /// A root cause was found under a heading.
    pub(crate) root_cause_heading: bool,
    /// A root cause was found in prose.
    pub(crate) root_cause_prose: bool,
    /// Incident narrative phrases ([`narrative_hits`]).
    pub(crate) narrative: usize,
    /// Words of prose.
    pub(crate) words: usize,
    /// Marks of an assignment text ([`assignment_hits`]).
    pub(crate) assignment: usize,
    /// Marks of a writing guide ([`guide_hits`]).
    pub(crate) guide: usize,
    /// Marks of a template ([`template_hits`]).
    pub(crate) template: usize,
    /// The document is a collection: mostly a list of links, or the same report section
    /// repeated entry after entry (a curated list with `**Summary**:` labels).
    pub(crate) link_list: bool,
    /// Its opening calls itself a postmortem or incident report ([`calls_itself_a_report`]).
    pub(crate) self_reference: bool,
    /// Lines that start with a response action in the past tense ("Checked running
    /// processes", "Rolled back the deploy"): how responders write, where guides write
    /// imperatives ("Describe the impact") and templates questions.
    pub(crate) actions: usize,
}

/// Weights (log-odds) of the signals.
mod weight {
    pub(super) const BIAS: f32 = -4.0;
    pub(super) const SECTION: f32 = 0.9;
    pub(super) const MAX_SECTIONS: usize = 5;
    pub(super) const TIMELINE: f32 = 1.5;
    pub(super) const SHORT_TIMELINE: f32 = 0.5;
    pub(super) const TIME: f32 = 0.1;
    pub(super) const MAX_TIMES: usize = 10;
    pub(super) const SPAN: f32 = 1.0;
    pub(super) const INCIDENT_DATE: f32 = 0.8;
    pub(super) const ROOT_CAUSE_HEADING: f32 = 0.7;
    pub(super) const ROOT_CAUSE_PROSE: f32 = 0.6;
    pub(super) const NARRATIVE: f32 = 0.3;
    pub(super) const MAX_NARRATIVE: usize = 12;
    pub(super) const ASSIGNMENT: f32 = -1.5;
    pub(super) const GUIDE: f32 = -1.0;
    pub(super) const TEMPLATE: f32 = -1.5;
    pub(super) const MAX_MARKS: usize = 4;
    pub(super) const LINK_LIST: f32 = -4.0;
    pub(super) const SELF_REFERENCE: f32 = 1.0;
    pub(super) const ACTION: f32 = 0.25;
    pub(super) const MAX_ACTIONS: usize = 6;
    /// No date, time, span or timeline at all: nothing says an incident happened.
    pub(super) const NOTHING_CONCRETE: f32 = -1.0;
    pub(super) const STUB_WORDS: usize = 40;
    pub(super) const STUB: f32 = -5.0;
    pub(super) const SHORT_WORDS: usize = 80;
    pub(super) const SHORT: f32 = -2.0;
    pub(super) const PRESCREEN_BIAS: f32 = -1.2;
    pub(super) const PRESCREEN_TITLE: f32 = 1.3;
}

/// Compiles a literal pattern; `regex_literals_compile` checks every one.
fn regex(pattern: &str, _what: &str) -> Regex {
    crate::extract::ascii_word_regex(pattern)
        .expect("literal classifier regex (checked by regex_literals_compile)")
}

static RE_TITLE_STRONG: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\bpost?[- ]?mor?te?r?m\b|\bincident (report|review|analysis|summary)\b|\bpost[- ]incident\b|\brca\b|\broot cause analysis\b|\boutage\b|\bwhat happened\b|\bservice (disruption|interruption|unavailability)\b|\bpost-event summary\b",
        "strong title words",
    )
});
static RE_TITLE_WEAK: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\bincident\b|\bdowntime\b|\bdisruption\b|\bdegrad|\bfail(ure|ed|ing|s)\b|\berrors?\b|\bis down\b|\bwent down\b|\bunavailab|\bdelays?\b|\bexhaustion\b|\bbroken\b|\bcrash",
        "weak title words",
    )
});
static RE_TITLE_NEGATIVE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\bhow (we|to)\b|\bwriting\b|\btemplates?\b|\btips\b|\bguide\b|\breading list\b|\bawesome\b|\bpost[- ]?mortems\b|\bintroducing\b|\bannouncing\b|\bchaos engineering\b|\bincident management\b|\bon-call\b|\bpreparing for\b|\bbest practices\b|\bis a myth\b|\bwhy we\b|\blessons from\b|\breduc(e|ing) outage",
        "title words of look-alikes",
    )
});
static RE_NARRATIVE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\b(we|the team|engineers?|on-call( engineer)?|i|they|sre)\s+(quickly\s+)?(identified|discovered|noticed|detected|deployed|restarted|rolled (back|out)|reverted|investigated|escalated|mitigated|fixed|restored|failed over|scaled|began|started|realized|realised|found|confirmed|declared|paged|applied|patched)\b|\b(was|were|went|became)\s+(completely\s+|partially\s+|temporarily\s+)?(down|unavailable|degraded|unreachable|offline|unresponsive|restored|resolved|affected|impacted|inaccessible)\b|\b(outage|incident|disruption|downtime|issue)\s+(began|started|lasted|occurred|ended|was (resolved|detected|declared|mitigated))\b|\b\d{1,3}(\.\d+)?\s?%\s+of\s+(our\s+)?(users|traffic|requests|customers)\b|\b(users|customers)\s+(were|experienced|could not|couldn't|saw|received|encountered|reported)\b|\b[45]\d\d\s+(errors?|responses?|status)\b|\berror rates?\b|\b(alert(s|ed)?|paged)\b|\brolled back\b|\broll ?back\b|\broot cause\b|\bservice (was )?restored\b|\brestored (the )?service\b|\bwent (down|offline)\b|\b(an? |the )?(outage|incident|issue|failure|error) (occurred|happened)\b|\binternal server errors?\b|\b[45]\d\ds\b|\bfailed with\b|\bmitigated\b|\btimed? ?outs?\b",
        "incident narrative",
    )
});
const ASSIGNMENT_PATTERN: &str = r"(?i)must contain|^requirements:?$|\bmandatory\b|write a post-?mortem|get creative|invent your own|add urls here|github repository:|^directory:|file: readme|^repo:$|background context|read or watch|between \d+ (to|and) \d+ words|be brief and straight|stick to this one|reviewed by your peers|personally face";
static RE_ASSIGNMENT: LazyLock<Regex> =
    LazyLock::new(|| regex(ASSIGNMENT_PATTERN, "assignment texts"));
const GUIDE_PATTERN: &str = r"(?i)how to write|writing (an? )?(effective |good |great |better )?post-?mortems?|tips for|best practices for|an? post-?mortem is (a|an|the)\b|post-?mortems? (help|should)|\byou should\b|should (include|describe|contain|be written)|key components|why write|^(describe|identify|outline|list|include|provide|explain|reflect on|start by|lay out)\b";
static RE_GUIDE: LazyLock<Regex> = LazyLock::new(|| regex(GUIDE_PATTERN, "writing guides"));
const TEMPLATE_PATTERN: &str = r"(?i)dd/mm/yyyy|mm/dd/yyyy|yyyy-mm-dd|\[ \]|to be done (pre|in|during|after)|\btbd\b|\btbc\b|\{\{[^}]*\}\}|\[(insert|describe|your|add)\b|lorem ipsum|^incident title|\bplaceholder\b|copy these from";
static RE_TEMPLATE: LazyLock<Regex> = LazyLock::new(|| regex(TEMPLATE_PATTERN, "templates"));

/// Any assignment, guide or template mark anywhere in a text: the three patterns, with their
/// line anchors (`^`, `$`, which the per-line counts apply to trimmed lines) turned into
/// "at a line's start or end, blanks aside". Whatever a line counts, this finds, so a text
/// without it (almost every report) skips three searches per line.
static RE_ANY_MARK: LazyLock<Regex> = LazyLock::new(|| {
    let anchored = |pattern: &str| {
        let pattern = pattern.strip_prefix("(?i)").unwrap_or(pattern);
        let mut out = String::new();
        let mut previous = None;
        for c in pattern.chars() {
            match c {
                '^' if previous != Some('[') => out.push_str(r"(?m:^)\s*"),
                '$' => out.push_str(r"\s*(?m:$)"),
                _ => out.push(c),
            }
            previous = Some(c);
        }
        format!("(?:{out})")
    };
    let any = [ASSIGNMENT_PATTERN, GUIDE_PATTERN, TEMPLATE_PATTERN].map(anchored).join("|");
    regex(&format!("(?i){any}"), "any mark")
});

static RE_SELF_REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\b(this|our|internal|the following is the|here is (the|our)) (public )?(post-?mortem|incident report|post-incident review|root cause analysis|rca|incident review)\b|\bincident report for\b",
        "a report naming itself",
    )
});

/// Whether a report's opening names what it is ("This post-mortem details...", "The following
/// is the incident report for...").
pub(crate) fn calls_itself_a_report(opening: &str) -> bool {
    RE_SELF_REFERENCE.is_match(opening)
}

/// Confidence from 0 to 1.
pub(crate) fn score(signals: &Signals) -> f32 {
    use weight::{
        ACTION, ASSIGNMENT, BIAS, GUIDE, INCIDENT_DATE, LINK_LIST, MAX_ACTIONS, MAX_MARKS,
        MAX_NARRATIVE, MAX_SECTIONS, MAX_TIMES, NARRATIVE, NOTHING_CONCRETE, ROOT_CAUSE_HEADING,
        ROOT_CAUSE_PROSE, SECTION, SELF_REFERENCE, SHORT, SHORT_TIMELINE, SHORT_WORDS, SPAN, STUB,
        STUB_WORDS, TEMPLATE, TIME, TIMELINE,
    };
    let mut z = BIAS + signals.title;
    z += SECTION * signals.sections.min(MAX_SECTIONS) as f32;
    z += if signals.timeline_events >= 3 {
        TIMELINE
    } else if signals.timeline_events >= 1 {
        SHORT_TIMELINE
    } else {
        0.0
    };
    z += TIME * signals.times.min(MAX_TIMES) as f32;
    if signals.stated_span {
        z += SPAN;
    }
    if signals.incident_date {
        z += INCIDENT_DATE;
    }
    if signals.root_cause_heading {
        z += ROOT_CAUSE_HEADING;
    } else if signals.root_cause_prose {
        z += ROOT_CAUSE_PROSE;
    }
    z += NARRATIVE * signals.narrative.min(MAX_NARRATIVE) as f32;
    z += ASSIGNMENT * signals.assignment.min(MAX_MARKS) as f32;
    z += GUIDE * signals.guide.min(MAX_MARKS) as f32;
    z += TEMPLATE * signals.template.min(MAX_MARKS) as f32;
    if signals.link_list {
        z += LINK_LIST;
    }
    if signals.self_reference {
        z += SELF_REFERENCE;
    }
    z += ACTION * signals.actions.min(MAX_ACTIONS) as f32;
    let concrete = signals.incident_date
        || signals.stated_span
        || signals.timeline_events >= 2
        || signals.times >= 2;
    if !concrete {
        z += NOTHING_CONCRETE;
    }
    if signals.words < STUB_WORDS {
        z += STUB;
    } else if signals.words < SHORT_WORDS {
        z += SHORT;
    }
    sigmoid(z)
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// A title's say: about +1.5 for "postmortem", "incident report", "outage"; +0.8 for
/// "incident", "downtime", "errors"; −1.5 for the titles of look-alikes ("How we run incident
/// reviews", "Writing better postmortem templates", "Awesome postmortems").
pub(crate) fn title_score(title: &str) -> f32 {
    let mut score = if RE_TITLE_STRONG.is_match(title) {
        1.5
    } else if RE_TITLE_WEAK.is_match(title) {
        0.8
    } else {
        0.0
    };
    if RE_TITLE_NEGATIVE.is_match(title) {
        score -= 1.5;
    }
    score
}

/// Distinct incident narrative phrases in a text ("we rolled back", "was unavailable", "30% of
/// users"). Distinct, compared without case: a post that says "so that we could roll back" in
/// every other paragraph has told one thing, not ten, while a report's narrative varies.
///
/// Counted up to [`weight::MAX_NARRATIVE`], the most the score uses: a long report stops
/// being searched there.
pub(crate) fn narrative_hits(text: &str) -> usize {
    let mut seen: Vec<String> = Vec::new();
    for found in RE_NARRATIVE.find_iter(text) {
        let phrase = found.as_str().to_lowercase();
        if !seen.contains(&phrase) {
            seen.push(phrase);
            if seen.len() == weight::MAX_NARRATIVE {
                break;
            }
        }
    }
    seen.len()
}

/// Clock times beyond this many add nothing to the score ([`Signals::times`]).
pub(crate) const TIMES_COUNTED: usize = weight::MAX_TIMES;

/// Past-tense verbs responders start a line with.
const ACTION_VERBS: &[&str] = &[
    "added",
    "analysed",
    "analyzed",
    "applied",
    "attempted",
    "began",
    "changed",
    "checked",
    "confirmed",
    "contacted",
    "corrected",
    "declared",
    "deployed",
    "detected",
    "disabled",
    "discovered",
    "downgraded",
    "enabled",
    "escalated",
    "fixed",
    "found",
    "identified",
    "increased",
    "investigated",
    "killed",
    "located",
    "looked",
    "migrated",
    "moved",
    "noticed",
    "notified",
    "opened",
    "paged",
    "patched",
    "ran",
    "realised",
    "realized",
    "rebooted",
    "reconfigured",
    "redeployed",
    "removed",
    "replaced",
    "resolved",
    "restarted",
    "restored",
    "reverted",
    "reviewed",
    "rolled",
    "scaled",
    "started",
    "tested",
    "traced",
    "tried",
    "updated",
    "upgraded",
    "used",
    "verified",
    "wrote",
];

/// Lines whose first word is a response action in the past tense.
pub(crate) fn action_hits<'a>(lines: impl Iterator<Item = &'a str>) -> usize {
    lines
        .filter(|line| {
            line.split(|c: char| !c.is_alphabetic())
                .find(|w| !w.is_empty())
                .is_some_and(|w| ACTION_VERBS.iter().any(|verb| verb.eq_ignore_ascii_case(w)))
        })
        .count()
}

/// Assignment, guide and template marks ([`assignment_hits`], [`guide_hits`],
/// [`template_hits`]) of a text's lines.
pub(crate) fn mark_hits(text: &str) -> (usize, usize, usize) {
    if !RE_ANY_MARK.is_match(text) {
        return (0, 0, 0);
    }
    (assignment_hits(text.lines()), guide_hits(text.lines()), template_hits(text.lines()))
}

/// Assignment marks, counted per line ("must contain", "Add URLs here", "Directory:").
pub(crate) fn assignment_hits<'a>(lines: impl Iterator<Item = &'a str>) -> usize {
    lines.map(|l| RE_ASSIGNMENT.find_iter(l.trim()).count()).sum()
}

/// Writing-guide marks, counted per line ("how to write", "Describe the impact...").
pub(crate) fn guide_hits<'a>(lines: impl Iterator<Item = &'a str>) -> usize {
    lines.map(|l| RE_GUIDE.find_iter(l.trim()).count()).sum()
}

/// Template marks, counted per line ("DD/MM/YYYY", "- [ ]", "To be done pre-meeting").
pub(crate) fn template_hits<'a>(lines: impl Iterator<Item = &'a str>) -> usize {
    lines.map(|l| RE_TEMPLATE.find_iter(l.trim()).count()).sum()
}

/// Scores a feed item on its title and summary alone.
pub(crate) fn prescreen(title: Option<&str>, summary: Option<&str>) -> f32 {
    use weight::{GUIDE, NARRATIVE, PRESCREEN_BIAS, PRESCREEN_TITLE, TEMPLATE};
    let mut z = PRESCREEN_BIAS + PRESCREEN_TITLE * title.map_or(0.0, title_score);
    if let Some(summary) = summary {
        // One narrative cue at most: engineering posts talk of rollbacks, error rates and
        // timeouts too, and a summary alone must not fetch a plain post's article. Titles and
        // the words below carry the decision.
        z += NARRATIVE * narrative_hits(summary).min(1) as f32;
        let lower = summary.to_lowercase();
        if lower.contains("postmortem")
            || lower.contains("post-mortem")
            || lower.contains("root cause")
        {
            z += 0.8;
        }
        let lines = summary.lines();
        z += GUIDE * guide_hits(lines.clone()).min(2) as f32
            + TEMPLATE * template_hits(lines).min(2) as f32;
    }
    sigmoid(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Signals {
        Signals {
            title: 1.5,
            sections: 4,
            timeline_events: 8,
            times: 10,
            stated_span: true,
            incident_date: true,
            root_cause_heading: true,
            narrative: 8,
            words: 500,
            ..Signals::default()
        }
    }

    #[test]
    fn regex_literals_compile() {
        for re in [
            &*RE_TITLE_STRONG,
            &*RE_TITLE_WEAK,
            &*RE_TITLE_NEGATIVE,
            &*RE_NARRATIVE,
            &*RE_ASSIGNMENT,
            &*RE_GUIDE,
            &*RE_TEMPLATE,
            &*RE_ANY_MARK,
            &*RE_SELF_REFERENCE,
        ] {
            assert!(!re.as_str().is_empty());
        }
    }

    #[test]
    fn prescreen_needs_more_than_narrative_words_in_a_summary() {
        let summary = "The migration happened in 11 phases so that we could roll back at every \
                       step. The migration happened without a roll back; error rates and timeouts \
                       stayed flat, and we rolled back nothing.";
        assert!(prescreen(Some("Rethinking our design system"), Some(summary)) < 0.3);
        assert!(prescreen(Some("Post-mortem of the March 3 outage"), Some(summary)) >= 0.3);
        assert!(prescreen(Some("March 3"), Some("The root cause was a bad deploy.")) >= 0.3);
    }

    #[test]
    fn a_full_report_scores_high() {
        assert!(score(&report()) > 0.95);
    }

    #[test]
    fn look_alike_marks_pull_down() {
        let template = Signals {
            template: 3,
            timeline_events: 0,
            times: 0,
            stated_span: false,
            incident_date: false,
            narrative: 0,
            ..report()
        };
        assert!(score(&template) < 0.5, "{}", score(&template));
        let assignment = Signals {
            assignment: 4,
            timeline_events: 0,
            times: 0,
            stated_span: false,
            incident_date: false,
            ..report()
        };
        assert!(score(&assignment) < 0.5);
        let stub = Signals { title: 1.5, words: 12, ..Signals::default() };
        assert!(score(&stub) < 0.05);
        let list = Signals {
            link_list: true,
            narrative: 6,
            incident_date: true,
            root_cause_prose: true,
            words: 700,
            ..Signals::default()
        };
        assert!(score(&list) < 0.5);
    }

    #[test]
    fn titles() {
        assert!(title_score("Post-mortem: API outage on March 3") >= 1.5);
        assert!(title_score("Incident Report for Site Outage") >= 1.5);
        assert!(title_score("Posmortem") >= 1.5 && title_score("Postmoterm: EVENT") >= 1.5);
        assert!(title_score("Builds failing due to an upgraded image") > 0.5);
        assert!(title_score("Elevated errors on checkout") > 0.5);
        assert!(title_score("How we run incident reviews") < 0.0);
        assert!(title_score("Writing better postmortem templates") <= 0.0);
        assert!(title_score("Awesome-Postmortems") <= 0.0);
        assert!((title_score("Introducing the new search") + 1.5).abs() < f32::EPSILON);
    }

    #[test]
    fn prescreen_ranks_titles() {
        let pm = prescreen(
            Some("Post-incident review: a bad configuration push"),
            Some("The root cause was a config push; we rolled back."),
        );
        let negative =
            prescreen(Some("How we run incident reviews"), Some("Our process, our tooling."));
        let blog = prescreen(Some("Scaling search to 40 million requests a day"), None);
        assert!(pm > 0.6, "{pm}");
        assert!(negative < 0.2, "{negative}");
        assert!(blog < 0.3, "{blog}");
    }

    #[test]
    fn marks_are_counted() {
        assert_eq!(
            assignment_hits(["Requirements:", "Issue Summary must contain:"].into_iter()),
            2
        );
        assert_eq!(guide_hits(["Describe the impact of the incident."].into_iter()), 1);
        assert_eq!(template_hits(["Incident title - DD/MM/YYYY", "- [ ]"].into_iter()), 3);
        assert_eq!(
            action_hits(
                ["Checked running processes.", "14:20: Rolled back.", "Describe the impact."]
                    .into_iter()
            ),
            2
        );
        assert!(narrative_hits("We rolled back the deploy and 30% of users saw 500 errors.") >= 2);
        let repeated = "So that we could roll back at every step. ".repeat(9);
        assert_eq!(narrative_hits(&repeated), 1, "a phrase said nine times counts once");
        assert_eq!(narrative_hits("We rolled back. Then we Rolled Back again."), 1);
    }

    #[test]
    fn any_mark_finds_what_the_line_counts_find() {
        let lines = [
            "Requirements:",
            "  Requirements:  ",
            "Repo:",
            "Directory: 0x19-postmortem",
            "Issue Summary must contain: duration",
            "Describe the impact of the incident.",
            "   Outline the timeline.",
            "How to write a postmortem",
            "Incident title - DD/MM/YYYY",
            "- [ ] follow up",
            "Owner: {{ name }}",
            "Root cause: TBD",
            "incident title",
        ];
        for line in lines {
            let text = format!("We restored the service at 14:00.\n{line}\nThe end.");
            let (a, g, t) = mark_hits(&text);
            let counted = assignment_hits(text.lines())
                + guide_hits(text.lines())
                + template_hits(text.lines());
            assert!(counted > 0, "{line:?} has a mark");
            assert_eq!(a + g + t, counted, "{line:?}");
        }
        let report = "We rolled back the deploy at 14:20 UTC.\nThe database was unavailable for \
                      40 minutes.\nAction items: add an alert on pool saturation.";
        assert!(!RE_ANY_MARK.is_match(report));
        assert_eq!(mark_hits(report), (0, 0, 0));
    }
}
