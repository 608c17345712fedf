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

use super::learned::{Explanation, Features, MODEL, NAMED, sigmoid};

/// Everything the classifier looks at.
#[allow(clippy::struct_excessive_bools, reason = "each flag is one named signal of the classifier")]
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Signals {
    /// The title (the document's or the source's) has a strong postmortem word
    /// ("postmortem", "incident report", "outage").
    pub(crate) title_strong: bool,
    /// The title has a weaker incident word ("incident", "downtime", "errors").
    pub(crate) title_weak: bool,
    /// The title is a look-alike's ("How we run incident reviews", "Awesome postmortems").
    pub(crate) title_negative: bool,
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
    /// Distinct incident words in the prose ([`incident_word_hits`]).
    pub(crate) incident_words: usize,
    /// Distinct security-incident words ([`security_hits`]).
    pub(crate) security: usize,
    /// Distinct marks of an announcement or a notice of planned work ([`announcement_hits`]).
    pub(crate) announcement: usize,
    /// Distinct verbs in "we <verb>ed" ([`first_person_past_hits`]): a team telling what it did.
    pub(crate) first_person_past: usize,
    /// Distinct causal phrases ([`causal_hits`]): a report explains why.
    pub(crate) causal: usize,
    /// Distinct failure phrases ([`failure_hits`]): what stopped working.
    pub(crate) failure: usize,
    /// Placeholders waiting for text ([`placeholder_hits`]): `{who was affected}`,
    /// `<START OF OUTAGE>`, `YYYY-MM-DD HH:MM`.
    pub(crate) placeholders: usize,
    /// Distinct marks of a notice written while the incident is still on
    /// ([`live_update_hits`]): "we are investigating", "will provide an update".
    pub(crate) live_update: usize,
}

impl Signals {
    /// The named features of the learned model, each scaled to 0..1 (in the order of
    /// `FEATURE_NAMES`). Counts are capped where more stop meaning more, on a log scale
    /// (`ln(1 + n) / ln(1 + cap)`): the first narrative phrase says more than the tenth, and
    /// on the organisation-split folds the log scale beat a linear one (F1 0.929 against
    /// 0.924, eval/README.md).
    pub(crate) fn features(&self) -> [f32; NAMED] {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let capped =
            |n: usize, cap: usize| ((1 + n.min(cap)) as f32).ln() / ((1 + cap) as f32).ln();
        let concrete =
            self.incident_date || self.stated_span || self.timeline_events >= 2 || self.times >= 2;
        [
            flag(self.title_strong),
            flag(self.title_weak && !self.title_strong),
            flag(self.title_negative),
            capped(self.sections, cap::SECTIONS),
            flag(self.timeline_events >= 3),
            flag((1..3).contains(&self.timeline_events)),
            capped(self.times, cap::TIMES),
            flag(self.stated_span),
            flag(self.incident_date),
            flag(self.root_cause_heading),
            flag(self.root_cause_prose && !self.root_cause_heading),
            capped(self.narrative, cap::NARRATIVE),
            capped(self.assignment, cap::MARKS),
            capped(self.guide, cap::MARKS),
            capped(self.template, cap::MARKS),
            flag(self.link_list),
            flag(self.self_reference),
            capped(self.actions, cap::ACTIONS),
            flag(!concrete),
            flag(self.words < cap::STUB_WORDS),
            flag((cap::STUB_WORDS..cap::SHORT_WORDS).contains(&self.words)),
            ((1.0 + self.words as f32).ln() / (1.0 + cap::LONG_WORDS as f32).ln()).min(1.0),
            capped(self.incident_words, cap::WORDS),
            capped(self.security, cap::WORDS),
            capped(self.announcement, cap::WORDS),
            capped(self.first_person_past, cap::FIRST_PERSON),
            capped(self.causal, cap::WORDS),
            capped(self.failure, cap::WORDS),
            capped(self.placeholders, cap::MARKS),
            capped(self.live_update, cap::MARKS),
        ]
    }
}

/// Where counted signals stop counting ([`Signals::features`]).
mod cap {
    pub(super) const SECTIONS: usize = 5;
    pub(super) const TIMES: usize = 10;
    pub(super) const NARRATIVE: usize = 12;
    pub(super) const MARKS: usize = 4;
    pub(super) const ACTIONS: usize = 6;
    pub(super) const STUB_WORDS: usize = 40;
    pub(super) const SHORT_WORDS: usize = 80;
    /// Word counts reach 1.0 here (on a log scale).
    pub(super) const LONG_WORDS: usize = 5000;
    pub(super) const WORDS: usize = 6;
    pub(super) const FIRST_PERSON: usize = 10;
}

/// The weights of [`prescreen`], the recall-first gate that decides whether a feed item's
/// article is fetched at all. Set by hand: it sees only a title and a summary, which no
/// labelled set covers, and the article's own extraction decides afterwards.
mod gate {
    pub(super) const BIAS: f32 = -1.2;
    pub(super) const TITLE: f32 = 1.3;
    pub(super) const NARRATIVE: f32 = 0.3;
    pub(super) const GUIDE: f32 = -1.0;
    pub(super) const TEMPLATE: f32 = -1.5;
}

/// Compiles a literal pattern; `regex_literals_compile` checks every one.
/// Characters outside ASCII that `(?i)` matches to an ASCII letter: the long s (U+017F, an
/// `s`) and the Kelvin sign (U+212A, a `k`). A test holds this list to the regex engine's
/// case folding.
const FOLDS_INTO_ASCII: [char; 2] = ['\u{17F}', '\u{212A}'];

/// A text made ready for the case-insensitive word searches of [`Words`]: its ASCII-lowercased
/// copy, which the patterns search without `(?i)` and so with their literal prefilters, or,
/// in the rare text with a character of [`FOLDS_INTO_ASCII`], the text itself. Lowercasing
/// ASCII keeps every byte offset and every ASCII word boundary, so both find the same matches.
pub(crate) struct Folded<'a> {
    text: std::borrow::Cow<'a, str>,
    lowered: bool,
}

impl<'a> Folded<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        if holds_a_fold_into_ascii(text) {
            Self { text: std::borrow::Cow::Borrowed(text), lowered: false }
        } else {
            Self { text: std::borrow::Cow::Owned(text.to_ascii_lowercase()), lowered: true }
        }
    }
}

/// Whether `text` holds a character of [`FOLDS_INTO_ASCII`]: a byte search for each one's
/// UTF-8 form (`str::contains` with a set of chars decodes every character, and showed in
/// profiles of a cold pass).
fn holds_a_fold_into_ascii(text: &str) -> bool {
    FOLDS_INTO_ASCII.iter().any(|c| {
        let mut buf = [0; 4];
        memchr::memmem::find(text.as_bytes(), c.encode_utf8(&mut buf).as_bytes()).is_some()
    })
}

/// A case-insensitive pattern of words, compiled twice: without `(?i)` for [`Folded`] text
/// that was lowercased (the common case, where the engine can skip ahead to its literals
/// instead of reading every byte), and as written for text that was not, on first use: few
/// texts hold a character that folds into ASCII, and each compiled pattern holds memory for
/// the whole run.
struct Words {
    lower: Regex,
    pattern: String,
    what: &'static str,
    any_case: std::sync::OnceLock<Regex>,
}

impl Words {
    fn new(pattern: &str, what: &'static str) -> Self {
        let lower = pattern.strip_prefix("(?i)").expect("word patterns are case-insensitive");
        Self::with_lower(pattern, lower, what)
    }

    /// A pattern whose classes name capitals (`<[A-Z]...>`): `lower` is the same pattern
    /// written for lowercased text, without `(?i)` (a test holds the two to the same matches).
    fn with_lower(pattern: &str, lower: &str, what: &'static str) -> Self {
        Self {
            lower: regex(lower, what),
            pattern: pattern.to_owned(),
            what,
            any_case: std::sync::OnceLock::new(),
        }
    }

    fn regex(&self, text: &Folded<'_>) -> &Regex {
        if text.lowered {
            &self.lower
        } else {
            self.any_case.get_or_init(|| regex(&self.pattern, self.what))
        }
    }

    fn find_iter<'r, 't>(&'r self, text: &'t Folded<'_>) -> regex::Matches<'r, 't> {
        self.regex(text).find_iter(&text.text)
    }

    fn is_match(&self, text: &Folded<'_>) -> bool {
        self.regex(text).is_match(&text.text)
    }
}

fn regex(pattern: &str, _what: &str) -> Regex {
    crate::extract::ascii_word_regex(pattern)
        .expect("literal classifier regex (checked by regex_literals_compile)")
}

static RE_TITLE_STRONG: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\bpost?[- \x{2010}-\x{2014}]?mor?te?r?m\b|\bincident (report|review|analysis|summary)\b|\bpost[- ]incident\b|\brca\b|\broot cause analysis\b|\boutage\b|\bwhat (?:happened|went wrong)\b|\bservice (disruption|interruption|unavailability)\b|\bpost-event summary\b",
        "strong title words",
    )
});
static RE_TITLE_WEAK: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\bincident\b|\bdowntime\b|\bdisruption\b|\bdegrad|\bfail(ures?|ed|ing|s)\b|\berrors?\b|\bis down\b|\bwent down\b|\bunavailab|\bdelays?\b|\bexhaustion\b|\bbroken\b|\bcrash",
        "weak title words",
    )
});
static RE_TITLE_NEGATIVE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\bhow (we|to)\b|\bwriting\b|\btemplates?\b|\btips\b|\bguide\b|\breading list\b|^\W*awesome\b|\bpost[- ]?mortems\b|\bintroducing\b|\bannouncing\b|\bchaos engineering\b|\bincident management\b|\bon-call\b|\bpreparing for\b|\bbest practices\b|\bis a myth\b|\bwhy we\b|\blessons from\b|\breduc(e|ing) outage|\breleases?\b|\bin review\b|\bin \d{4}\b|\b(scheduled|planned) (maintenance|downtime)\b|\bblackout\b",
        "title words of look-alikes",
    )
});
/// "How we lost six hours of indexing", "How I accidentally deleted production", "I deleted
/// our production database (and how we got it back)": the story of a failure, where "how we"
/// in a title otherwise marks a how-to or a process post.
static RE_TITLE_FAILURE_STORY: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)(?:\bhow |^\W*)(we|i)\s+(accidentally\s+|almost\s+|nearly\s+)?(lost|broke|deleted|dropped|took down|brought down|knocked out|crashed|corrupted|leaked|exposed|ran out of|went down|failed|wiped|overloaded|misconfigured)\b",
        "title words of a failure story",
    )
});

/// Whether a title is a look-alike's ("How we run incident reviews", "Writing postmortems").
fn title_is_negative(title: &str) -> bool {
    RE_TITLE_NEGATIVE.is_match(title) && !RE_TITLE_FAILURE_STORY.is_match(title)
}

static RE_NARRATIVE: LazyLock<Words> = LazyLock::new(|| {
    Words::new(
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
static RE_ANY_MARK: LazyLock<Words> = LazyLock::new(|| {
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
    Words::new(&format!("(?i){any}"), "any mark")
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

/// Confidence from 0 to 1, from the embedded learned model.
pub(crate) fn score(features: &Features) -> f32 {
    MODEL.confidence(features)
}

/// Each signal's part in [`score`].
pub(crate) fn explain(features: &Features) -> Explanation {
    MODEL.explain(features)
}

/// The title marks `(strong, weak, negative)` of [`title_score`].
pub(crate) fn title_marks(title: &str) -> (bool, bool, bool) {
    // "Checkout postmortem: {Incident Title}", "2019-..-..": a template's title, whatever
    // words are around the blank. (`title_score`, which ranks feed items before anything is
    // fetched, reads the words alone.)
    if placeholder_hits(&Folded::new(title)) > 0 {
        return (false, false, true);
    }
    (RE_TITLE_STRONG.is_match(title), RE_TITLE_WEAK.is_match(title), title_is_negative(title))
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
    if title_is_negative(title) {
        score -= 1.5;
    }
    score
}

/// Distinct incident narrative phrases in a text ("we rolled back", "was unavailable", "30% of
/// users"). Distinct, compared without case: a post that says "so that we could roll back" in
/// every other paragraph has told one thing, not ten, while a report's narrative varies.
///
/// Counted up to [`cap::NARRATIVE`], the most the score uses: a long report stops
/// being searched there.
pub(crate) fn narrative_hits(text: &Folded<'_>) -> usize {
    distinct_hits(&RE_NARRATIVE, text, false, cap::NARRATIVE)
}

/// Clock times beyond this many add nothing to the score ([`Signals::times`]).
pub(crate) const TIMES_COUNTED: usize = cap::TIMES;

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
pub(crate) fn mark_hits(text: &str, folded: &Folded<'_>) -> (usize, usize, usize) {
    if !RE_ANY_MARK.is_match(folded) {
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

static RE_INCIDENT_WORDS: LazyLock<Words> = LazyLock::new(|| {
    Words::new(
        r"(?i)\b(outages?|incidents?|downtime|post-?mortem|disruption|interruption|degraded|degradation|unavailable|unavailability|mitigat\w*|restored|recovered|remediat\w*|root cause|impact(ed)?|affected|resolved|on-call|escalat\w*|rollback|rolled back)\b",
        "incident words",
    )
});
static RE_SECURITY: LazyLock<Words> = LazyLock::new(|| {
    Words::new(
        r"(?i)\b(compromised?|breach(ed)?|unauthori[sz]ed|attackers?|malicious|exploit(ed|ation)?|leak(ed)?|exposed|credentials?|tokens? (were|was)|revoked?|rotated?|ddos|phishing|vulnerab\w*|intrusion|passwords?|remote code execution|arbitrary (?:code|commands?)|cve-\d{4}-\d+)\b",
        "security-incident words",
    )
});
static RE_ANNOUNCEMENT: LazyLock<Words> = LazyLock::new(|| {
    Words::new(
        r"(?i)\b(will be (unavailable|down|offline|upgraded|migrated|moved|performed|read-only)|scheduled (maintenance|downtime)|planned (maintenance|downtime|outage)|maintenance window|we('re| are) (excited|pleased|happy|proud)|announc(e|es|ing)|introducing|upcoming|new features?|release notes|changelog|sign up|register now|join us)\b",
        "announcement words",
    )
});
static RE_FIRST_PERSON_PAST: LazyLock<Words> =
    LazyLock::new(|| Words::new(r"(?i)\bwe\s+[a-z]+ed\b", "we <verb>ed"));

static RE_CAUSAL: LazyLock<Words> = LazyLock::new(|| {
    Words::new(
        r"(?i)\b(caused|causing|due to|because( of)?|as a result|resulted in|led to|leading to|triggered|root cause|contribut(ed|ing)|stemmed from|the result of)\b",
        "causal phrases",
    )
});
static RE_FAILURE: LazyLock<Words> = LazyLock::new(|| {
    Words::new(
        r"(?i)\b(unable to|could not|couldn't|failed to|stopped (working|responding)|was (down|unavailable|inaccessible|unreachable|broken|lost)|were (down|unavailable|inaccessible|unreachable|broken|lost)|went (down|offline)|errors? rates?|timed out|timeouts|crash(ed|ing)|data loss|lost (data|connectivity|access))\b",
        "failure phrases",
    )
});
const PLACEHOLDER_PATTERN: &str = r"(?i)\{[a-z][a-z ,.'/-]*[ |][a-z ,.|'/-]*\}|<[A-Z][A-Z _]{3,40}>|\byyyy-mm-dd\b|\bhh:mm\b|\b1900-01-0\d\b|\b\d{4}-(?:\.\.|xx)-(?:\.\.|xx)|\[(insert|describe|add|link|name|date)[^\]]{0,60}\]";
static RE_PLACEHOLDER: LazyLock<Words> = LazyLock::new(|| {
    let lower = PLACEHOLDER_PATTERN
        .strip_prefix("(?i)")
        .expect("placeholders are case-insensitive")
        .replace("A-Z", "a-z");
    Words::with_lower(PLACEHOLDER_PATTERN, &lower, "placeholders")
});

static RE_LIVE_UPDATE: LazyLock<Words> = LazyLock::new(|| {
    Words::new(
        r"(?i)(?m)\b(we are (currently |still |actively )?(investigating|working on|aware of|looking into|monitoring)|(is|are) currently (down|unavailable|experiencing|being)|will (provide|post|send|share) (an |more |further )?(update|information|details)|(further|more) updates? (will|to) follow|stay tuned|at this time|apologi[sz]e for (the|any) inconvenience)|^[ \t]*(\*\*)?update[d]?\b",
        "live update notices",
    )
});

/// Distinct marks of a notice written while an incident is still on ("we are
/// investigating", "will provide an update", "UPDATE:" lines).
pub(crate) fn live_update_hits(text: &Folded<'_>) -> usize {
    let mut seen: Vec<String> = Vec::new();
    for found in RE_LIVE_UPDATE.find_iter(text) {
        let phrase = found.as_str().trim_start().trim_start_matches('*').to_ascii_lowercase();
        if !seen.contains(&phrase) {
            seen.push(phrase);
            if seen.len() >= cap::MARKS {
                break;
            }
        }
    }
    seen.len()
}

/// Distinct causal phrases ("caused", "due to", "as a result").
pub(crate) fn causal_hits(text: &Folded<'_>) -> usize {
    distinct_hits(&RE_CAUSAL, text, false, cap::WORDS)
}

/// Distinct failure phrases ("unable to", "was unavailable", "timed out").
pub(crate) fn failure_hits(text: &Folded<'_>) -> usize {
    distinct_hits(&RE_FAILURE, text, false, cap::WORDS)
}

/// A text with its placeholders taken out (what `replace_all(text, "")` gives: the matches
/// are found in the [`Folded`] copy, at the same offsets).
pub(crate) fn without_placeholders(text: &str) -> std::borrow::Cow<'_, str> {
    let folded = Folded::new(text);
    let mut found = RE_PLACEHOLDER.find_iter(&folded).peekable();
    if found.peek().is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in found {
        out.push_str(&text[last..m.start()]);
        last = m.end();
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// Placeholders (`{who was affected}`, `<START OF OUTAGE>`, `YYYY-MM-DD`), every one counted,
/// except a `<name>` or `{name}` inside code: in `` `docker tag <old image ID> x` `` or a
/// fenced block it is a command's argument, which reports quote, not a blank waiting for
/// text. A date mask counts anywhere: templates put `YYYY-MM-DD HH:MM` in code too.
pub(crate) fn placeholder_hits(text: &Folded<'_>) -> usize {
    let mut code = CodeScan::default();
    RE_PLACEHOLDER
        .find_iter(text)
        .filter(|m| !(m.as_str().starts_with(['<', '{']) && code.inside(&text.text, m.start())))
        .take(cap::MARKS)
        .count()
}

/// Whether positions of a markdown text, asked in increasing order, sit inside code: a
/// fenced block (its fence lines counted as the scan passes them) or an inline span (an odd
/// number of backticks before it on its line, and one after it).
#[derive(Default)]
struct CodeScan {
    /// Where the scan has read up to: the start of the line it is in.
    line_start: usize,
    in_fence: bool,
}

impl CodeScan {
    fn inside(&mut self, text: &str, at: usize) -> bool {
        while let Some(end) = text[self.line_start..at].find('\n') {
            let line = text[self.line_start..self.line_start + end].trim_start();
            if line.starts_with("```") || line.starts_with("~~~") {
                self.in_fence = !self.in_fence;
            }
            self.line_start += end + 1;
        }
        if self.in_fence {
            return true;
        }
        let before = &text[self.line_start..at];
        let line_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
        before.bytes().filter(|&b| b == b'`').count() % 2 == 1 && text[at..line_end].contains('`')
    }
}

/// Distinct matches of `re` in `text`, compared without case, counted up to `cap`; with
/// `last_word`, only each match's last word counts ("we noticed" and "We noticed" are one).
fn distinct_hits(words: &Words, text: &Folded<'_>, last_word: bool, cap: usize) -> usize {
    // Phrases as found, compared without ASCII case: no copy of each match.
    let mut seen: Vec<&str> = Vec::new();
    for found in words.find_iter(text) {
        let phrase = found.as_str();
        let phrase =
            if last_word { phrase.split_whitespace().last().unwrap_or(phrase) } else { phrase };
        if !seen.iter().any(|s| s.eq_ignore_ascii_case(phrase)) {
            seen.push(phrase);
            if seen.len() >= cap {
                break;
            }
        }
    }
    seen.len()
}

/// Distinct incident words ("outage", "mitigated", "root cause", "affected").
pub(crate) fn incident_word_hits(text: &Folded<'_>) -> usize {
    distinct_hits(&RE_INCIDENT_WORDS, text, false, cap::WORDS)
}

/// Distinct security-incident words ("compromised", "unauthorized", "credentials").
pub(crate) fn security_hits(text: &Folded<'_>) -> usize {
    distinct_hits(&RE_SECURITY, text, false, cap::WORDS)
}

/// Distinct marks of an announcement or a notice of planned work ("will be unavailable",
/// "scheduled maintenance", "we're excited").
pub(crate) fn announcement_hits(text: &Folded<'_>) -> usize {
    distinct_hits(&RE_ANNOUNCEMENT, text, false, cap::WORDS)
}

/// Distinct verbs of "we <verb>ed" ("we noticed", "we reverted").
pub(crate) fn first_person_past_hits(text: &Folded<'_>) -> usize {
    distinct_hits(&RE_FIRST_PERSON_PAST, text, true, cap::FIRST_PERSON)
}

/// Scores a feed item on its title and summary alone.
pub(crate) fn prescreen(title: Option<&str>, summary: Option<&str>) -> f32 {
    use gate::{BIAS, GUIDE, NARRATIVE, TEMPLATE, TITLE};
    let mut z = BIAS + TITLE * title.map_or(0.0, title_score);
    if let Some(summary) = summary {
        // One narrative cue at most: engineering posts talk of rollbacks, error rates and
        // timeouts too, and a summary alone must not fetch a plain post's article. Titles and
        // the words below carry the decision.
        z += NARRATIVE * narrative_hits(&Folded::new(summary)).min(1) as f32;
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
mod tests;
