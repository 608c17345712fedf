//! Headings → sections → impact, root cause, resolution and action items.
//!
//! Takes a [`Document`]'s blocks; groups them under their headings and maps each heading to
//! the fields it carries through a vocabulary (Issue Summary, Impact, Root Cause(s), Trigger,
//! Contributing Factors, Resolution, Remediation, Timeline, Action Items, Azure's "What went
//! wrong, and why?", ...). Where no heading carries a field, falls back to prose: the sentence
//! with the strongest general cue ("the root cause was", "caused by", "service was restored
//! after", what users saw), skipping sentences that deny or defer a cause ("was not caused
//! by", "we don't yet know"), planned or failed steps and template prompts; a cause is the
//! words after a cue that leads into it ("caused by X" gives X), and a fix that points back
//! ("This resolved it") brings the sentence before. A section longer than a paraphrase is cut
//! to its cued sentences (an Impact section: from its first strong statement on). The
//! report's title is no section heading. Pure; reads nothing but the document.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Block, Document};

mod cues;
#[cfg(test)]
mod tests;
mod text;

use self::cues::{
    CAUSE_CUES, Cut, IMPACT_CUES, Pick, RE_NOT_A_CAUSE, RE_NOT_A_RESOLUTION, RE_NOT_AN_IMPACT,
    RESOLUTION_CUES, best_sentence, cause_clause, cause_words, first_statement, focus,
    gives_effect_of_previous, points_on, strongest, strongest_weight, with_lead_in,
};
pub(crate) use self::text::{clip, line_sentences, sentences, styled_word};

/// What a section of a report is about. A heading may carry several ("Root Cause and
/// Resolution").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Issue Summary, Overview, What happened.
    Summary,
    /// Impact, Customer impact.
    Impact,
    /// Root Cause(s), What went wrong and why.
    RootCause,
    /// Trigger.
    Trigger,
    /// Contributing Factors.
    Contributing,
    /// Resolution, Remediation, Recovery, Mitigation.
    Resolution,
    /// Timeline, How did we respond.
    Timeline,
    /// Action Items, Corrective and Preventative Measures, Prevention, Next steps.
    ActionItems,
    /// Lessons learned.
    Lessons,
    /// Detection.
    Detection,
    /// Duration (a label in the classic template).
    Duration,
}

/// One heading and the blocks under it (up to the next heading).
#[derive(Debug, Clone)]
pub(crate) struct Section<'a> {
    /// The heading text; `None` for the blocks before the first heading.
    pub(crate) heading: Option<&'a str>,
    /// The heading's level (0 before the first heading).
    pub(crate) level: u8,
    /// What the heading says the section holds, inherited from the enclosing heading when the
    /// heading itself says nothing.
    pub(crate) kinds: Vec<Kind>,
    /// Whether `kinds` came from this heading (not inherited).
    pub(crate) own: bool,
    /// The blocks under the heading.
    pub(crate) blocks: Vec<&'a Block>,
}

impl Section<'_> {
    /// Whether the section holds `kind`.
    pub(crate) fn has(&self, kind: Kind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The section's text, blocks joined by newlines.
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            let text = block_text(block);
            if text.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&text);
        }
        out
    }
}

/// The text of a block; a table row's cells joined by ` | `.
pub(crate) fn block_text(block: &Block) -> std::borrow::Cow<'_, str> {
    match block {
        Block::Heading { text, .. }
        | Block::Paragraph { text }
        | Block::ListItem { text }
        | Block::Code { text } => std::borrow::Cow::Borrowed(text.as_str()),
        Block::TableRow { cells } => std::borrow::Cow::Owned(cells.join(" | ")),
    }
}

/// A field found in the text, with how it was found (a lower rank is better evidence).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Fields {
    pub(crate) impact: Option<String>,
    pub(crate) root_cause: Option<String>,
    /// The whole sentence `root_cause` was cut from, when it is a clause of one: the summary
    /// reads better with the sentence ("The outage was caused by …") than with its clause.
    pub(crate) root_cause_sentence: Option<String>,
    /// Whether `root_cause` came from a heading (not from prose).
    pub(crate) root_cause_from_heading: bool,
    /// Whether a cause from prose rests on a weak cue alone ("due to", "because of", an
    /// exploited vulnerability): it fills the field, but is no sign that the text is a report.
    pub(crate) root_cause_weak: bool,
    pub(crate) resolution: Option<String>,
    pub(crate) action_items: Vec<String>,
    /// The summary-like opening: the Summary section, else the first paragraphs.
    pub(crate) opening: Option<String>,
}

/// Headings that name the fix itself (Resolution, Recovery, Stabilization steps), not only
/// the response to the incident.
const FIX_HEADINGS: &str = r"resolution|resolv|remediation|recovery|mitigation|mitigat|\bfix(es|ed)?\b|how we fixed|repair|restor|stabili[sz]ation";

/// Section vocabulary, checked in order; a heading takes every kind whose pattern matches,
/// except that the first group (prevention) stops the Impact match in Azure's "less likely
/// or less impactful".
static VOCABULARY: LazyLock<Vec<(Regex, &'static [Kind])>> = LazyLock::new(|| {
    let table: &[(&str, &'static [Kind])] = &[
        (
            r"less likely|less impactful|action items?|corrective|preventa?tive|prevention|prevent (this|similar|it|recurrence|future)|next steps|follow[- ]?ups?|prevent(ing)? (this|similar|it|recurrence|future)|what we('re| are) (doing|changing)|changes we('re| are) making|going forward|moving forward|looking ahead|looking forward|future work|future plans?|^plans?$|^improv|improvements|^tasks|to do|todo|remediation items|what('s| is) next|how we('ll| will) (prevent|improve)|long[- ]term|(planned|follow[- ]up|future|preventive|preventative|corrective|immediate) actions",
            &[Kind::ActionItems],
        ),
        (
            r"root[- ]?causes?|\bcauses?\b|what went wrong,? and why|why (it|this) happened|why did (it|this) happen|why (did )?(it|this|things) (go|went) wrong|why did (it|this) (fail|break)|underlying (issue|problem|cause)|\brca\b|what caused|^why$|\b(?:five|5) why['’]?s\b",
            &[Kind::RootCause],
        ),
        (r"^what went wrong$", &[Kind::Trigger]),
        (r"\btrigger", &[Kind::Trigger]),
        (r"contributing factors?|contributors", &[Kind::Contributing]),
        (FIX_HEADINGS, &[Kind::Resolution]),
        // Who responded and what they did: resolution headings too, read after those that
        // name the fix (`names_the_fix`).
        (r"how did we respond|response|actions? taken", &[Kind::Resolution]),
        (
            r"timeline|chronolog|sequence of events|how did we respond|play[- ]by[- ]play",
            &[Kind::Timeline],
        ),
        (
            r"\bimpact\b|^effects?$|who was affected|customer experience|affected (users|services|customers)|^scope$|user experience|what (users|customers) (saw|experienced|noticed)|(what )?(information|data) (was|were) (involved|affected|accessed|exposed)",
            &[Kind::Impact],
        ),
        (
            r"summary|summation|overview|tl;?dr|what happened|how did (it|this) happen|^description|incident description|^introduction|executive",
            &[Kind::Summary],
        ),
        (
            r"lessons?|what went well|where we got lucky|takeaways|retrospective|could have gone better",
            &[Kind::Lessons],
        ),
        (r"detection|how (was it|we) detected", &[Kind::Detection]),
        (r"duration", &[Kind::Duration]),
    ];
    table
        .iter()
        .map(|(pattern, kinds)| {
            (
                crate::extract::ascii_word_regex(&format!("(?i){pattern}"))
                    .expect("literal section vocabulary regex"),
                *kinds,
            )
        })
        .collect()
});

static RE_HEADING_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"^(?:#+\s*|\d{1,2}[.)]\s*|0x[0-9a-f]+\.?\s*|[ivx]{1,4}\.\s+)+|[:?.!*_]+$",
    )
    .expect("literal regex for heading numbering")
});
static RE_RESOLUTION_SENTENCE: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)\b(resolved|resolve|fixed|fix (was|is)|restored|restart(ed|ing)?|rolled back|roll(ing)? back|reverted|mitigat|recovered|workaround|was fixed|we (deployed|applied|patched|corrected|replaced|added|increased|removed|updated|failed over)|has been (fixed|addressed))",
    )
    .expect("literal regex for resolution sentences")
});

/// Reads the document into sections.
pub(crate) fn read_sections(document: &Document) -> Vec<Section<'_>> {
    let mut sections: Vec<Section<'_>> = vec![Section {
        heading: None,
        level: 0,
        kinds: Vec::new(),
        own: false,
        blocks: Vec::new(),
    }];
    for block in &document.blocks {
        if let Block::Heading { level, text } = block {
            let mut own = heading_kinds(text);
            // The report's title names its subject ("DNS resolution failures in us-east"),
            // not a section, unless it is a section's name alone.
            if document.title.as_deref() == Some(text.as_str())
                && text.split_whitespace().count() > 3
            {
                own.clear();
            }
            // "What went wrong" under "Lessons learned" (the SRE template) is about the
            // response, not the trigger.
            if own == [Kind::Trigger]
                && sections
                    .iter()
                    .rev()
                    .find(|s| s.heading.is_some() && s.level < *level)
                    .is_some_and(|parent| parent.has(Kind::Lessons))
            {
                own = vec![Kind::Lessons];
            }
            // A heading under a timeline's entry ("### 02:05 CET", then "Gradual recovery:")
            // names a phase of the timeline, not a section of the report.
            let parent = sections.iter().rev().find(|s| s.heading.is_some() && s.level < *level);
            if parent.is_some_and(|p| {
                p.has(Kind::Timeline)
                    && p.heading
                        .is_some_and(|h| h.trim_start().starts_with(|c: char| c.is_ascii_digit()))
            }) {
                own.clear();
            }
            let (kinds, is_own) = if own.is_empty() {
                // Inherit from the nearest enclosing heading (a higher level number is deeper).
                let parent = sections
                    .iter()
                    .rev()
                    .find(|s| s.heading.is_some() && s.level < *level)
                    .map(|s| s.kinds.clone())
                    .unwrap_or_default();
                (parent, false)
            } else {
                (own, true)
            };
            sections.push(Section {
                heading: Some(text.as_str()),
                level: *level,
                kinds,
                own: is_own,
                blocks: Vec::new(),
            });
        } else if let Some(last) = sections.last_mut() {
            last.blocks.push(block);
        }
    }
    // "Corrective actions" beside "Preventive actions" (an RCA's CAPA pair): the first says
    // what was done to end the incident, the second what will keep it from recurring.
    let says = |s: &Section<'_>, word: &str| {
        s.own
            && s.has(Kind::ActionItems)
            && s.heading.is_some_and(|h| {
                h.as_bytes().windows(word.len()).any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
            })
    };
    if sections.iter().any(|s| says(s, "prevent") && !says(s, "correct")) {
        for section in &mut sections {
            if says(section, "corrective") && !says(section, "prevent") {
                section.kinds = vec![Kind::Resolution];
            }
        }
    }
    sections
}

/// What a heading says its section holds.
pub(crate) fn heading_kinds(heading: &str) -> Vec<Kind> {
    let norm = RE_HEADING_NOISE.replace_all(heading.trim(), "");
    let norm = norm.trim().to_lowercase();
    // A sentence is not a heading's vocabulary (bold lead-ins, long labels).
    if norm.is_empty() || norm.split_whitespace().count() > 14 {
        return Vec::new();
    }
    let mut kinds = Vec::new();
    for (index, (regex, found)) in VOCABULARY.iter().enumerate() {
        if regex.is_match(&norm) {
            // "less impactful": the prevention group wins over Impact.
            if index > 0 && kinds.contains(&Kind::ActionItems) && found.contains(&Kind::Impact) {
                continue;
            }
            for kind in *found {
                if !kinds.contains(kind) {
                    kinds.push(*kind);
                }
            }
        }
    }
    // "Root Cause and Resolution", "Root Cause & Remediation": both, but "Remediation and
    // Prevention" is resolution and action items only.
    if kinds.contains(&Kind::Trigger) && kinds.contains(&Kind::RootCause) {
        kinds.retain(|k| *k != Kind::Trigger);
    }
    kinds
}

/// Finds impact, root cause, resolution and action items.
pub(crate) fn extract_fields(sections: &[Section<'_>]) -> Fields {
    let mut fields = Fields::default();

    // Root cause: a Root Cause heading, else Trigger, else Contributing Factors.
    for kind in [Kind::RootCause, Kind::Trigger, Kind::Contributing] {
        if let Some(text) = first_text(sections, kind, |s| cause_text(s)) {
            fields.root_cause = Some(text);
            fields.root_cause_from_heading = true;
            break;
        }
    }
    // "Recovery" says how it ended where "Response" (who responded, and how) sits beside
    // it in the same template: a heading that names the fix goes first.
    fields.resolution = sections
        .iter()
        .filter(|s| s.own && s.has(Kind::Resolution) && s.heading.is_some_and(names_the_fix))
        .find_map(resolution_text)
        .or_else(|| first_text(sections, Kind::Resolution, |s| resolution_text(s)));
    fields.impact = impact_section(sections);
    fields.action_items = action_items(sections);
    fields.opening = opening(sections);

    // Prose fallbacks: the sentences of the report's narrative (not its timeline, its
    // follow-up list or its lessons), in reading order. A report whose headings gave all
    // three fields needs none of them.
    if fields.root_cause.is_some() && fields.resolution.is_some() && fields.impact.is_some() {
        return fields;
    }
    let told = |s: &Section<'_>| {
        !s.has(Kind::Timeline) && !s.has(Kind::ActionItems) && !s.has(Kind::Lessons)
    };
    let narrative = prose_sentences(sections, told);
    if fields.root_cause.is_none() {
        // The narrative first; a report that tells its cause only in its lessons ("This issue
        // occurred because …" under "Retrospective") or in a timeline step gives it there,
        // as weak evidence that the document is a report at all.
        let found = prose_cause(&narrative).or_else(|| {
            let lessons = prose_sentences(sections, |s| s.has(Kind::Lessons));
            prose_cause(&lessons)
                .or_else(|| prose_cause(&timeline_steps(sections)))
                .map(|cause| ProseCause { weak: true, ..cause })
        });
        if let Some(cause) = found {
            fields.root_cause = Some(cause.words);
            fields.root_cause_sentence = cause.sentence;
            fields.root_cause_weak = cause.weak;
        }
    }
    if fields.resolution.is_none() {
        // What ended it is told in the narrative, else in the timeline's last steps.
        let timeline = timeline_steps(sections);
        // A sentence that names the cause is not the fix, even when it mentions one.
        let fix_prose: Vec<&str> = narrative
            .iter()
            .copied()
            .filter(|s| strongest_weight(s, &CAUSE_CUES).is_none_or(|w| w < 4))
            .collect();
        let told = best_sentence(&fix_prose, &RESOLUTION_CUES, &RE_NOT_A_RESOLUTION, Pick::First);
        // The earliest of the strongest steps: a strong one (weight 3: "error rates back to
        // normal") where there is one, else the first action (weight 2: "we rolled back").
        let stepped = || {
            best_sentence(&timeline, &RESOLUTION_CUES, &RE_NOT_A_RESOLUTION, Pick::First)
                .filter(|(_, cue)| cue.weight >= 2)
                .map(|(index, _)| {
                    let step = without_leading_time(timeline[index]);
                    with_previous(&timeline, index, clip(step, 600))
                })
        };
        // A narrative that only mentions a hotfix or a workaround in passing (the weakest
        // cue) gives way to a timeline step that says how it ended.
        fields.resolution = match told {
            Some((_, cue)) if cue.weight < 2 => stepped(),
            _ => None,
        }
        .or_else(|| {
            told.map(|(index, _)| {
                with_previous(&fix_prose, index, with_lead_in(&fix_prose, index, Cow::Borrowed))
            })
        })
        .or_else(stepped);
    }
    if fields.impact.is_none() {
        // What users saw is told early: the summary and the first paragraphs.
        let mut summary_like = prose_sentences(sections, |s| {
            s.has(Kind::Summary) || s.heading.is_none() || s.has(Kind::Impact)
        });
        // Then the rest of the narrative, but not what the report's cause sections say: "a
        // broker whose disk was 97% full" is the cause, whatever its figures.
        summary_like.extend(prose_sentences(sections, |s| {
            told(s) && !s.has(Kind::RootCause) && !s.has(Kind::Contributing)
        }));
        fields.impact =
            best_sentence(&summary_like, &IMPACT_CUES, &RE_NOT_AN_IMPACT, Pick::EarliestStrong)
                .map(|(index, _)| with_lead_in(&summary_like, index, Cow::Borrowed))
                .or_else(|| first_statement(&summary_like));
    }
    fields
}

/// A cause told in prose: the words that name it, the sentence they were cut from (when they
/// are a clause of it) and whether only a weak cue ("due to") told it.
struct ProseCause {
    words: String,
    sentence: Option<String>,
    weak: bool,
}

/// The cause that `sentences` tell, from the first sentence with the strongest cause cue.
fn prose_cause(sentences: &[&str]) -> Option<ProseCause> {
    let (mut index, cue) = best_sentence(sentences, &CAUSE_CUES, &RE_NOT_A_CAUSE, Pick::First)?;
    let weak = cue.weight < 2;
    let mut cue = cue.find(sentences[index]).unwrap_or(0..0);
    // "The actual root cause was deeper." points on to the sentence after it.
    if points_on(sentences[index], &cue) && index + 1 < sentences.len() {
        index += 1;
        cue = strongest(sentences[index], &CAUSE_CUES)
            .and_then(|c| c.find(sentences[index]))
            .unwrap_or(0..0);
    }
    // "This led to …" names its cause in the sentence before.
    if index > 0 && gives_effect_of_previous(sentences[index]) {
        return Some(ProseCause { words: clip(sentences[index - 1], 600), sentence: None, weak });
    }
    let words = with_lead_in(sentences, index, |s| cause_words(s, cue.clone()));
    // The summary quotes a sentence, not the words cut from it.
    let clause = with_lead_in(sentences, index, |s| Cow::Borrowed(cause_clause(s, cue.clone())));
    let sentence = (clause != words).then_some(clause);
    Some(ProseCause { words, sentence, weak })
}

/// The sentences of the paragraphs and list items of the sections `keep` keeps, in reading
/// order.
fn prose_sentences<'a>(
    sections: &[Section<'a>],
    keep: impl Fn(&Section<'a>) -> bool,
) -> Vec<&'a str> {
    sections
        .iter()
        .filter(|s| keep(s))
        .flat_map(|s| s.blocks.iter())
        .filter_map(|b| match b {
            Block::Paragraph { text } | Block::ListItem { text } => Some(text.as_str()),
            _ => None,
        })
        .flat_map(sentences)
        .collect()
}

/// The steps of the timeline sections, in reading order: their paragraphs and list items, and
/// of each table row its longest cell after the first, which holds the time ("| 10:01 | Error
/// rates back to baseline | Alerting |").
fn timeline_steps<'a>(sections: &[Section<'a>]) -> Vec<&'a str> {
    sections
        .iter()
        .filter(|s| s.has(Kind::Timeline))
        .flat_map(|s| s.blocks.iter())
        .filter_map(|b| match b {
            Block::Paragraph { text } | Block::ListItem { text } => Some(text.as_str()),
            Block::TableRow { cells } => cells
                .iter()
                .skip(1)
                .max_by_key(|c| c.split_whitespace().count())
                .map(String::as_str),
            _ => None,
        })
        .flat_map(sentences)
        .collect()
}

/// `fix`, the pick of `candidates[index]`, after the sentence before it when it only points
/// back at that one: "This resolved the issue." says what ended it in the sentence before.
fn with_previous(candidates: &[&str], index: usize, fix: String) -> String {
    match index.checked_sub(1) {
        Some(before) if leans_on_previous(candidates[index]) => {
            clip(&format!("{} {fix}", candidates[before]), 600)
        }
        _ => fix,
    }
}

/// A sentence that points back at the one before for what it speaks of ("This resolved the
/// issue", "That fixed it", "At this point the problem was resolved"), without naming the fix
/// itself.
fn leans_on_previous(sentence: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        crate::extract::ascii_word_regex(
            r"(?i)^\W*(?:this|that|these|those|it|which|doing so|at this point|at that point|after (?:this|that))\b(?:\s+(?:change|fix|step|action|move|work|finally|eventually|immediately|quickly|then))?(?:,)?\s+(?:\w+\s+){0,3}?(?:resolved|fixed|solved|mitigated|restored|ended|cleared|stopped|addressed|corrected|worked|did the trick|was resolved|was fixed|was mitigated)\b",
        )
        .expect("literal regex for sentences that lean on the previous one")
    });
    // "It was resolved by renewing the certificate" names its own fix.
    RE.find(sentence).is_some_and(|m| {
        let rest = sentence[m.end()..].trim_start();
        !["by ", "after ", "when ", "once ", "with ", "through "]
            .iter()
            .any(|w| rest.starts_with(w))
    })
}

/// The text of the first non-empty section holding `kind`, sections whose own heading says so
/// before those that inherit it.
fn first_text<'a>(
    sections: &[Section<'a>],
    kind: Kind,
    text: impl Fn(&Section<'a>) -> Option<String>,
) -> Option<String> {
    in_turn(sections, kind).find_map(text)
}

/// The impact as an Impact section states it.
fn impact_section(sections: &[Section<'_>]) -> Option<String> {
    let impact_text = |s: &Section<'_>| {
        let text = s.text();
        // A section of figures only ("MTTD: 2h52m", "02:00–02:08 UTC") does not say what
        // users saw; the prose may.
        if says_nothing(&text) || words_of_prose(&text) < 4 {
            None
        } else {
            focus(&text, &IMPACT_CUES, &RE_NOT_AN_IMPACT, Cut::FromFirstStrong)
        }
    };
    // A section that says how users were affected goes before one that only names what
    // was ("Affected services: the validator node"), wherever each sits.
    // Read in turn, up to the first that says it: the rest are not needed.
    let mut first = None;
    for text in in_turn(sections, Kind::Impact).filter_map(impact_text) {
        if strongest_weight(&text, &IMPACT_CUES).is_some() {
            return Some(text);
        }
        first.get_or_insert(text);
    }
    first
}

/// The sections of `kind` in the order they are asked: those whose heading names the kind,
/// then those that inherit it.
fn in_turn<'s, 'a>(
    sections: &'s [Section<'a>],
    kind: Kind,
) -> impl Iterator<Item = &'s Section<'a>> {
    let own = sections.iter().filter(move |s| s.own && s.has(kind));
    own.chain(sections.iter().filter(move |s| !s.own && s.has(kind)))
}

/// A root-cause section's text; in a combined "Root cause and resolution" section, the
/// sentences that are not about the fix.
fn cause_text(section: &Section<'_>) -> Option<String> {
    let text = section.text();
    if says_nothing(&text) {
        return None;
    }
    if section.has(Kind::Resolution) {
        let cause: Vec<&str> =
            sentences(&text).into_iter().filter(|s| !RE_RESOLUTION_SENTENCE.is_match(s)).collect();
        if !cause.is_empty() {
            return focus(&cause.join("\n"), &CAUSE_CUES, &RE_NOT_A_CAUSE, Cut::Strongest);
        }
    }
    focus(&text, &CAUSE_CUES, &RE_NOT_A_CAUSE, Cut::Strongest)
}

/// A section that says nothing: empty, "None.", "N/A", "TBD" or only a link.
fn says_nothing(text: &str) -> bool {
    let t = text.trim().trim_end_matches('.').to_ascii_lowercase();
    t.is_empty()
        || matches!(
            t.as_str(),
            "none" | "n/a" | "na" | "-" | "tbd" | "todo" | "unknown" | "nothing"
        )
        || (t.starts_with("http") && !t.contains(' '))
}

/// The words of a text that are words (two letters or more), not figures, times or labels'
/// abbreviations alone.
fn words_of_prose(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .filter(|w| !w.chars().all(|c| c.is_uppercase() || !c.is_alphabetic()))
        .count()
}

/// A timeline step without the clock time it opens with ("2:55 p.m. — The previous keys are
/// restored." → "The previous keys are restored."): the resolution says what was done.
fn without_leading_time(step: &str) -> &str {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        crate::extract::ascii_word_regex(
            r"(?i)^\W*\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[ap]\.?\s?m\.?)?(?:\s*\(?[a-z]{2,5}\)?)?\s*(?:[\x{2014}\x{2013}|:-]\s*)+",
        )
        .expect("literal regex for a step's leading time")
    });
    match RE.find(step) {
        Some(time) if time.end() < step.len() => &step[time.end()..],
        _ => step,
    }
}

/// Whether a resolution heading names the fix itself ([`FIX_HEADINGS`]), not only the
/// response to the incident.
fn names_the_fix(heading: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        crate::extract::ascii_word_regex(&format!("(?i){FIX_HEADINGS}"))
            .expect("literal regex for headings that name the fix")
    });
    RE.is_match(heading)
}

fn resolution_text(section: &Section<'_>) -> Option<String> {
    // Steps of the response read without their clock times ("09:10: updated the keys").
    let text: String =
        section.text().lines().map(without_leading_time).collect::<Vec<_>>().join("\n");
    // A date or a figure alone ("2021-11-02" under a "Date" label) is no fix.
    if says_nothing(&text) || words_of_prose(&text) < 2 {
        return None;
    }
    if section.has(Kind::RootCause) || section.has(Kind::Trigger) {
        let fix: Vec<&str> =
            sentences(&text).into_iter().filter(|s| RE_RESOLUTION_SENTENCE.is_match(s)).collect();
        if fix.is_empty() {
            return None;
        }
        return focus(&fix.join("\n"), &RESOLUTION_CUES, &RE_NOT_A_RESOLUTION, Cut::Strongest);
    }
    focus(&text, &RESOLUTION_CUES, &RE_NOT_A_RESOLUTION, Cut::Strongest)
}

/// List items and table rows under the first action-item headings; where there are none, the
/// paragraphs, one item each (their other sentences explain the item, and lead-ins such as
/// "To prevent this, we will:" are none).
fn action_items(sections: &[Section<'_>]) -> Vec<String> {
    let mut items = Vec::new();
    let mut paragraphs = Vec::new();
    let mut started = false;
    for section in sections {
        if section.has(Kind::ActionItems) {
            started = true;
            for block in &section.blocks {
                match block {
                    Block::ListItem { text } => items.push(clip(text, 300)),
                    Block::TableRow { cells } => {
                        let joined =
                            cells.iter().filter(|c| !c.is_empty()).cloned().collect::<Vec<_>>();
                        let row = joined.join(" — ");
                        if !row.is_empty() && !looks_like_table_header(cells) {
                            items.push(clip(&row, 300));
                        }
                    }
                    Block::Paragraph { text } => {
                        let text = text.trim();
                        if !text.ends_with(':') && text.len() > 12 {
                            paragraphs.push(clip(text, 300));
                        }
                    }
                    _ => {}
                }
            }
        } else if started && section.own {
            // The first run of action-item sections is the report's list; a second report
            // in the same file (seed 001) repeats the structure.
            if items.len().max(paragraphs.len()) >= 2 {
                break;
            }
        }
        if items.len() >= 30 {
            break;
        }
    }
    if items.is_empty() {
        items = paragraphs;
        items.truncate(30);
    }
    items.dedup();
    items
}

fn looks_like_table_header(cells: &[String]) -> bool {
    cells.iter().all(|c| c.split_whitespace().count() <= 3)
        && cells.iter().any(|c| {
            let l = c.to_lowercase();
            l.contains("action")
                || l.contains("owner")
                || l.contains("status")
                || l.contains("item")
        })
}

/// The opening of the report: the Summary section's text, else the paragraphs before the
/// first section heading of the vocabulary.
fn opening(sections: &[Section<'_>]) -> Option<String> {
    if let Some(text) = sections.iter().filter(|s| s.own && s.has(Kind::Summary)).find_map(|s| {
        let paragraphs: Vec<&str> = s
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        (!paragraphs.is_empty()).then(|| paragraphs.join("\n"))
    }) {
        return Some(text);
    }
    let paragraphs: Vec<&str> = sections
        .iter()
        .take_while(|s| s.kinds.is_empty())
        .flat_map(|s| s.blocks.iter())
        .filter_map(|b| match b {
            Block::Paragraph { text } if text.len() > 40 => Some(text.as_str()),
            _ => None,
        })
        .take(3)
        .collect();
    (!paragraphs.is_empty()).then(|| paragraphs.join("\n"))
}
