//! Headings → sections → impact, root cause, resolution and action items.
//!
//! Takes a [`Document`]'s blocks; groups them under their headings and maps each heading to
//! the fields it carries through a vocabulary (Issue Summary, Impact, Root Cause(s), Trigger,
//! Contributing Factors, Resolution, Remediation, Timeline, Action Items, Azure's "What went
//! wrong, and why?", ...). Where no heading carries a field, falls back to prose: the sentence
//! with the strongest general cue ("the root cause was", "caused by", "service was restored
//! after", what users saw), skipping sentences that deny or defer a cause ("was not caused
//! by", "we don't yet know"), planned or failed steps and template prompts. A section longer
//! than a paraphrase is cut to its cued sentences. Pure; reads nothing but the document.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Block, Document};

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
    /// Whether `root_cause` came from a heading (not from prose).
    pub(crate) root_cause_from_heading: bool,
    pub(crate) resolution: Option<String>,
    pub(crate) action_items: Vec<String>,
    /// The summary-like opening: the Summary section, else the first paragraphs.
    pub(crate) opening: Option<String>,
}

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
            r"root[- ]?causes?|\bcauses?\b|what went wrong,? and why|why (it|this) happened|why did (it|this) happen|underlying (issue|problem|cause)|\brca\b|what caused",
            &[Kind::RootCause],
        ),
        (r"^what went wrong$", &[Kind::Trigger]),
        (r"\btrigger", &[Kind::Trigger]),
        (r"contributing factors?|contributors", &[Kind::Contributing]),
        (
            r"resolution|resolv|remediation|recovery|mitigation|mitigat|\bfix(es|ed)?\b|how we fixed|repair|restor|how did we respond|response",
            &[Kind::Resolution],
        ),
        (
            r"timeline|chronolog|sequence of events|how did we respond|play[- ]by[- ]play",
            &[Kind::Timeline],
        ),
        (
            r"\bimpact\b|who was affected|customer experience|affected (users|services|customers)|^scope$|user experience",
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
/// A cue that a sentence states something, and how strongly (a higher weight is better
/// evidence). Cues are general wording, never one organisation's phrases.
struct Cue {
    regex: Regex,
    weight: u8,
}

/// A field's cues, with a set that tells in one search which of them match: most sentences
/// have no cue at all, and the rest need only their strongest cue's own search.
struct CueSet {
    cues: Vec<Cue>,
    set: regex::RegexSet,
}

fn cues(table: &[(&str, u8)], what: &str) -> CueSet {
    let pattern = |p: &str| crate::extract::ascii_word_pattern(&format!("(?i){p}"));
    let cues = table
        .iter()
        .map(|(p, weight)| Cue {
            regex: Regex::new(&pattern(p))
                .unwrap_or_else(|e| panic!("literal regex for {what} cues: {e}")),
            weight: *weight,
        })
        .collect();
    let set = regex::RegexSet::new(table.iter().map(|(p, _)| pattern(p)))
        .unwrap_or_else(|e| panic!("literal regex set for {what} cues: {e}"));
    CueSet { cues, set }
}

/// Cues of a sentence that names a cause: "the root cause was", "caused by", "due to".
static CAUSE_CUES: LazyLock<CueSet> = LazyLock::new(|| {
    cues(
        &[
            (
                r"\broot[- ]?causes?\b(?:\s+(?:of|for|behind)\s[^.]{0,80}?)?\s*(?:was|were|is|are|has been|turned out|appears|appeared|seems|seemed|lies|lay|:|-|–|—)",
                4,
            ),
            (
                r"\bthe (?:underlying |primary |main |direct |immediate |proximate |actual |real |likely )?(?:cause|trigger|culprit|source of (?:the|this) (?:problem|issue))s?\b(?:\s+(?:of|for)\s[^.]{0,80}?)?\s+(?:was|were|is|are|turned out|appears|seems)\b",
                4,
            ),
            (
                r"\b(?:was|were|is|are|been|being)\s+(?:\w+ly\s+)?(?:caused|triggered|initiated|precipitated)\s+by\b",
                4,
            ),
            (
                r"\bcontributing factors?\b|\bcontributed to\b|\b(?:it )?turned out (?:that|to be)\b|\bwe (?:found|discovered|determined|realized|realised|learned) that\b",
                3,
            ),
            (
                r"\b(?:caused|triggered)\s+by\b|\b(?:resulted|stemmed|originated|arose)\s+from\b|\bwas (?:the )?(?:a |an )?(?:direct )?(?:result|consequence) of\b|\btraced\s+(?:\w+\s+){0,4}(?:back\s+)?to\b|\b(?:caused|triggered) (?:the|this|an?) (?:outage|incident|issue|problem|failure|crash|errors?|downtime)\b",
                3,
            ),
            (
                r"\b(?:outage|incident|issue|problem|failure|disruption|degradation|errors?|downtime|crash(?:es)?|failed|down|unavailable|slow(?:ness)?)\b[^.]{0,80}\b(?:due to|because(?: of)?|as a result of|owing to)\b|\b(?:due to|because of)\b[^.]{0,120}\b(?:outage|incident|failed|failure|down|unavailable|errors?|issues?|problems?)\b",
                2,
            ),
            (
                r"\b(?:led to|leading to|resulted in|resulting in|which (?:broke|caused|meant|prevented|blocked|stopped))\b|\b(?:has|have|had) caused\b|\bcaused\s+(?:\w+\s+){0,5}to (?:fail|crash|stop|break|hang|time out|become)\b|\b(?:ran|run|running) out of\b|\bexhaust(?:ed|ing|ion)\b|\b(?:filled|fill|filling) up\b|\bhit (?:the|a|its|our) (?:\w+ )?(?:limit|quota|ceiling)\b",
                2,
            ),
            (r"\bdue to\b|\bbecause of\b", 1),
            (
                r"\b(?:an?|the)\s+(?:typo|bug|misconfiguration|misspell\w*|syntax error|memory leak|race condition|regression|expired certificate|deadlock)\b",
                1,
            ),
        ],
        "root-cause",
    )
});

/// Sentences that deny or defer a cause, so name none: "was not caused by", "we don't yet
/// know", "the root cause is still unclear", "caused by this outage" (the effect, not the cause).
static RE_NOT_A_CAUSE: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)(?:\b(?:not|never|no|nothing)\b|n't\b)(?:\s+\w+){0,4}\s+(?:caused|triggered|due|because|the (?:root )?cause|related|responsible|result)|\b(?:unknown|unclear|uncertain|undetermined|unexplained|a mystery)\b|\bnot (?:yet |fully |entirely |completely )?(?:known|clear|sure|certain|understood|determined|identified|confirmed)\b|(?:\b(?:do|does|did) not|n't)\s+(?:yet\s+|currently\s+|fully\s+)?(?:know|have (?:clarity|visibility|details|information)|understand|have a (?:clear|full))|\b(?:still|currently|are|is|were|remain|remains)\s+(?:investigating|looking into|working (?:to|on) (?:understand|determin|identif))|\b(?:to|will|would|once we|until we|before we|could)\s+(?:fully\s+)?(?:determine|identify|understand|find|establish|confirm|investigate)\b|\b(?:no|any|without) (?:evidence|indication|sign)\b|\bruled out\b|\b(?:will|plan to|intend to) (?:publish|share|post|provide|release|follow up)\b|\b(?:caused|triggered) by (?:this|the|that|these) (?:outage|incident|issue|problem|event|failure|downtime|disruption)\b|\broot cause analysis\b|\broot causes? (?:was|were|is|has been|had been) (?:\w+ly )?(?:identified|found|determined|discovered|located|confirmed|established|understood|fixed|addressed)\b|\b(?:identified|found|determined|discovered|understand|understood) the (?:root )?cause\b|\bpost-?mortem\b|\?\s*$",
    )
    .expect("literal regex for denied or deferred causes")
});

/// A sentence that gives the effect of the one before it ("This resulted in …", "That led
/// to …"), whose cause is therefore that sentence.
static RE_EFFECT_OF_PREVIOUS: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)^\W*(?:this|that|these|those|it|which|all of this|as a result)\b[^.]{0,40}?\b(?:resulted in|results in|led to|leads to|lead to|caused|causes|meant|means|triggered|triggers|produced|created)\b",
    )
    .expect("literal regex for sentences that give the effect of the previous one")
});

/// Whether a sentence gives the effect of the one before ("This led to …"), not its own cause
/// ("This drop was caused by …").
fn gives_effect_of_previous(sentence: &str) -> bool {
    RE_EFFECT_OF_PREVIOUS
        .find(sentence)
        .is_some_and(|m| !sentence[m.end()..].trim_start().starts_with("by "))
}

/// Cues of a sentence that says what ended the incident.
static RESOLUTION_CUES: LazyLock<CueSet> = LazyLock::new(|| {
    cues(
        &[
            (
                r"\b(?:was|were|is|are|has been|have been|got|had been)\s+(?:\w+ly\s+)?(?:resolved|fixed|mitigated|restored|recovered|remediated|addressed)\b|\bresolved (?:the|this|that) (?:issue|incident|problem|outage)\b|\b(?:resolution|fix|mitigation|solution|remedy) (?:was|is|involved|consisted)\b|\b(?:resolved|mitigated|restored|fixed) (?:by|after|when|once|with)\b",
                4,
            ),
            (
                r"\b(?:back (?:to normal|online|up|in service)|(?:fully )?operational again|(?:recovered|came back|returned to normal|resumed|stabili[sz]ed)(?: fully)?(?: after| when| once| by| at)?)\b|\b(?:end(?:ed|ing)?|brought|bringing|bring)\s+(?:the|this)\s+(?:outage|incident|issue|problem|disruption|downtime)\b|\bto an end\b|\b(?:resolved|recovered|healed|fixed|cleared) (?:itself|themselves|automatically|on its own)\b|\bself-heal(?:ed|ing)?\b|\b(?:was|were|has been|have been)\s+(?:\w+\s+){0,3}?(?:deployed|merged|rolled out|applied|patched|reverted|rolled back|disabled|rotated|revoked)\b|\b(?:able to|could|started to|began to)\s[^.]{0,50}\bagain\b|\bwent back to\b|\bfixed the (?:issue|problem|bug|outage)\b",
                3,
            ),
            (
                r"\b(?:we|they|engineers?|the team|admins?|operators?)\s+(?:\w+ly\s+)?(?:rolled back|reverted|restarted|rebooted|failed over|redeployed|re-?deployed|deployed a (?:fix|patch)|rolled out a (?:fix|patch)|fixed|patched|re-?enabled|disabled|removed|replaced|restored|increased|scaled|blocked|killed|purged|cleared|flushed|rebuilt|recreated|migrated|moved|switched|upgraded|downgraded|renewed|rotated|applied)\b",
                2,
            ),
            (
                r"\b(?:rolled back|rolling back|reverted|rollback|workaround|hotfix)\b|\bdeployed (?:the|a|an) (?:\w+ )?(?:change|fix|patch|update|version|release)\b",
                1,
            ),
        ],
        "resolution",
    )
});

/// Sentences about what will or could be done, or what did not work: not what ended it.
static RE_NOT_A_RESOLUTION: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)\b(?:will|would|should|shall|must|plan to|planning to|going to|intend to|need to|in the future|going forward|moving forward|to prevent|to avoid|did not|didn't|does not|doesn't|was not|wasn't|were not|weren't|unable to|failed to|unsuccessful|no longer|attempt(?:ed|s)? to|tried to|temporar(?:y|ily))\b|\?\s*$",
    )
    .expect("literal regex for sentences that are not the resolution")
});

/// Cues of a sentence that says what users saw.
static IMPACT_CUES: LazyLock<CueSet> = LazyLock::new(|| {
    cues(
        &[
            (
                r"\b(?:users?|customers?|clients?|visitors?|developers?|people|members?|requests?|builds?|jobs?|downloads?|uploads?|traffic|everyone|anyone|all)\b[^.]{0,80}\b(?:unable|could not|couldn't|cannot|can't|were not able|was not able|affected|impacted|experienced|experiencing|saw|seeing|received|receiving|encountered|got|getting|hit|hitting|failed|failing|errors?|timeouts?|timed out|down|unavailable|inaccessible|slow|degraded|lost|delayed|did not see|didn't see|no longer|stopped)\b|\b(?:affect(?:ed|ing)|impact(?:ed|ing)|unavailable (?:to|for))\b[^.]{0,80}\b(?:users?|customers?|clients?|visitors?|developers?|people|members?|requests?|builds?|services?|sites?)\b",
                4,
            ),
            (
                r"\b\d+(?:\.\d+)?\s?%|\berror rates?\b|\b(?:was|were|went|became|is|are|had been|has been)\s+(?:\w+ly\s+)?(?:down|unavailable|inaccessible|unreachable|offline|degraded|unresponsive|broken|halted|stalled|unusable|delayed|interrupted|disrupted)\b|\b(?:halted|went down|stopped working|lost service)\b|\b\d+ (?:minutes|hours|days) of (?:\w+ )?(?:downtime|outage|unavailability|degradation|disruption)\b|\b(?:outage|downtime|disruption|degradation|interruption)\b[^.]{0,40}\b(?:lasted|for|of)\b",
                3,
            ),
            (
                r"\b(?:affect(?:ed|ing)|impact(?:ed|ing)|unable to|could not|couldn't|were not able|unavailable|experienced|errors?|failures?|outage|downtime)\b",
                1,
            ),
        ],
        "impact",
    )
});

/// Sentences about what could have happened or what will be done: not what users saw.
static RE_NOT_AN_IMPACT: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)\b(?:will|should|in the future|going forward|to prevent|to avoid|no (?:users?|customers?|data)|not (?:affected|impacted)|(?:fixed|resolved|mitigated) the (?:problem|issue|bug|outage))\b|\?\s*$",
    )
    .expect("literal regex for sentences that are not the impact")
});

/// A template's prompt left in a report ("Note the final root cause and describe …",
/// "List the sequence of events …"): an instruction, never a finding.
static RE_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)^\W*(?:note|describe|list|explain|summari[sz]e|include|report|give|write|provide|outline|document|detail|state|identify|specify)\s+(?:the|how|what|why|when|who|any|all|each|a|an|in)\b",
    )
    .expect("literal regex for template prompts")
});

/// A field drawn from prose holds at most this many words: hand-written summaries of a cause
/// or a fix run to about 40, and a longer pick buries the point.
const FIELD_WORDS: usize = 55;

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
    fields.resolution = first_text(sections, Kind::Resolution, |s| resolution_text(s));
    fields.impact = first_text(sections, Kind::Impact, |s| {
        let text = s.text();
        if says_nothing(&text) { None } else { focus(&text, &IMPACT_CUES, &RE_NOT_AN_IMPACT) }
    });
    fields.action_items = action_items(sections);
    fields.opening = opening(sections);

    // Prose fallbacks: the sentences of the report's narrative (not its timeline, its
    // follow-up list or its lessons), in reading order.
    let narrative: Vec<&str> = sections
        .iter()
        .filter(|s| !s.has(Kind::Timeline) && !s.has(Kind::ActionItems) && !s.has(Kind::Lessons))
        .flat_map(|s| s.blocks.iter())
        .filter_map(|b| match b {
            Block::Paragraph { text } | Block::ListItem { text } => Some(text.as_str()),
            _ => None,
        })
        .flat_map(sentences)
        .collect();
    if fields.root_cause.is_none() {
        fields.root_cause = best_sentence(&narrative, &CAUSE_CUES, &RE_NOT_A_CAUSE, Pick::First)
            .map(|(index, cue)| {
                // "This led to …" names its cause in the sentence before.
                if index > 0 && gives_effect_of_previous(narrative[index]) {
                    clip(narrative[index - 1], 600)
                } else {
                    with_lead_in(&narrative, index, |s| cause_clause(s, cue))
                }
            });
    }
    if fields.resolution.is_none() {
        // What ended it is told in the narrative, else in the timeline's last steps.
        let timeline: Vec<&str> = sections
            .iter()
            .filter(|s| s.has(Kind::Timeline))
            .flat_map(|s| s.blocks.iter())
            .filter_map(|b| match b {
                Block::Paragraph { text } | Block::ListItem { text } => Some(text.as_str()),
                _ => None,
            })
            .flat_map(sentences)
            .collect();
        // A sentence that names the cause is not the fix, even when it mentions one.
        let fix_prose: Vec<&str> = narrative
            .iter()
            .copied()
            .filter(|s| strongest_weight(s, &CAUSE_CUES).is_none_or(|w| w < 4))
            .collect();
        fields.resolution =
            best_sentence(&fix_prose, &RESOLUTION_CUES, &RE_NOT_A_RESOLUTION, Pick::First)
                .map(|(index, _)| with_lead_in(&fix_prose, index, |s| s))
                .or_else(|| {
                    best_sentence(&timeline, &RESOLUTION_CUES, &RE_NOT_A_RESOLUTION, Pick::Strong)
                        .map(|(index, _)| clip(timeline[index], 600))
                });
    }
    if fields.impact.is_none() {
        // What users saw is told early: the summary and the first paragraphs.
        let summary_like: Vec<&str> = sections
            .iter()
            .filter(|s| s.has(Kind::Summary) || s.heading.is_none() || s.has(Kind::Impact))
            .flat_map(|s| s.blocks.iter())
            .filter_map(|b| match b {
                Block::Paragraph { text } | Block::ListItem { text } => Some(text.as_str()),
                _ => None,
            })
            .flat_map(sentences)
            .chain(narrative.iter().copied())
            .collect();
        fields.impact =
            best_sentence(&summary_like, &IMPACT_CUES, &RE_NOT_AN_IMPACT, Pick::EarliestStrong)
                .map(|(index, _)| with_lead_in(&summary_like, index, |s| s))
                .or_else(|| first_statement(&summary_like));
    }
    fields
}

/// A report's first statement of some length: where no sentence has an impact cue, the
/// opening still says what happened ("We were made aware of issues our users had cloning
/// the repository"), which is what a reader asks of the impact first.
fn first_statement(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|s| {
            s.split_whitespace().count() >= 8
                && !s.ends_with('?')
                && !RE_PROMPT.is_match(s)
                && !RE_NOT_AN_IMPACT.is_match(s)
        })
        .map(|s| clip(s, 600))
}

/// Which sentence wins among those with the best cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    /// The earliest of the strongest.
    First,
    /// The earliest of the strongest, and only a strong one (weight 3 or more): for text
    /// that mostly says other things, such as a timeline.
    Strong,
    /// The earliest strong one (weight 3 or more), else the strongest: for what a report
    /// tells first, such as what users saw.
    EarliestStrong,
}

/// The index of the sentence with the strongest cue (the earliest among equals), skipping
/// those `not` matches, with where its cue starts.
fn best_sentence(
    candidates: &[&str],
    cues: &CueSet,
    not: &Regex,
    pick: Pick,
) -> Option<(usize, usize)> {
    let mut best: Option<(u8, usize, usize)> = None;
    for (index, sentence) in candidates.iter().enumerate() {
        if sentence.len() < 15 || not.is_match(sentence) || RE_PROMPT.is_match(sentence) {
            continue;
        }
        let Some((weight, at)) = strongest_cue(sentence, cues) else { continue };
        if pick == Pick::Strong && weight < 3 {
            continue;
        }
        if pick == Pick::EarliestStrong && weight >= 3 {
            return Some((index, at));
        }
        if best.is_none_or(|(w, _, _)| weight > w) {
            best = Some((weight, index, at));
        }
    }
    best.map(|(_, index, at)| (index, at))
}

/// The chosen sentence, trimmed by `trim`; a lead-in that ends with a colon ("the two
/// contributing factors were:") goes on with the items after it, up to [`FIELD_WORDS`].
fn with_lead_in<'a>(
    candidates: &[&'a str],
    index: usize,
    trim: impl Fn(&'a str) -> &'a str,
) -> String {
    let sentence = candidates[index];
    if !sentence.ends_with(':') {
        return clip(trim(sentence), 600);
    }
    let mut out = String::from(sentence);
    let mut words = sentence.split_whitespace().count();
    for next in &candidates[index + 1..] {
        if words >= FIELD_WORDS {
            break;
        }
        words += next.split_whitespace().count();
        out.push(' ');
        out.push_str(next);
    }
    clip(&out, 600)
}

/// The weight and position of the strongest cue in a sentence.
fn strongest_cue(sentence: &str, cues: &CueSet) -> Option<(u8, usize)> {
    let cue = strongest(sentence, cues)?;
    cue.regex.find(sentence).map(|m| (cue.weight, m.start()))
}

/// The weight of the strongest cue in a sentence, when where it starts does not matter.
fn strongest_weight(sentence: &str, cues: &CueSet) -> Option<u8> {
    strongest(sentence, cues).map(|cue| cue.weight)
}

/// The strongest cue that matches (the last in the table among equals).
fn strongest<'a>(sentence: &str, cues: &'a CueSet) -> Option<&'a Cue> {
    cues.set.matches(sentence).iter().map(|i| &cues.cues[i]).max_by_key(|cue| cue.weight)
}

/// The clause of a sentence that holds its cause cue: a long sentence loses what comes
/// before the cue's clause ("After two hours of digging, we found that …") and what follows
/// it (a "; …" or " - …" aside).
fn cause_clause(sentence: &str, cue: usize) -> &str {
    if sentence.split_whitespace().count() <= 30 {
        return sentence;
    }
    let head = &sentence[..cue];
    let start = ["; ", ": ", " — ", " – ", " - ", ", but ", ", so ", ", and "]
        .iter()
        .filter_map(|sep| head.rfind(sep).map(|p| p + sep.len()))
        .max()
        .unwrap_or(0);
    let tail = &sentence[cue..];
    let end = ["; ", " — ", " – ", " - ", ", but ", ", which ", ", so "]
        .iter()
        .filter_map(|sep| tail.find(sep))
        .filter(|&p| p > 20)
        .min()
        .map_or(sentence.len(), |p| cue + p);
    sentence[start..end].trim()
}

/// A section's text cut to its point: when it runs past [`FIELD_WORDS`] words, the sentences
/// with the strongest cues (in reading order), else its first sentences; sentences `not`
/// matches are left out either way.
fn focus(text: &str, cues: &CueSet, not: &Regex) -> Option<String> {
    // A template's prompts are never the field, whatever else the section says.
    let all: Vec<&str> = sentences(text).into_iter().filter(|s| !RE_PROMPT.is_match(s)).collect();
    if all.is_empty() {
        return None;
    }
    let words = |s: &str| s.split_whitespace().count();
    let kept: Vec<&str> = all.iter().copied().filter(|s| !not.is_match(s)).collect();
    let kept = if kept.is_empty() { all } else { kept };
    if kept.iter().map(|s| words(s)).sum::<usize>() <= FIELD_WORDS {
        return Some(clip(&kept.join(" "), 600));
    }
    let weights: Vec<Option<u8>> = kept.iter().map(|s| strongest_weight(s, cues)).collect();
    let best = weights.iter().flatten().max().copied();
    let mut out: Vec<&str> = Vec::new();
    let mut count = 0;
    let mut after_lead_in = false;
    for (sentence, weight) in kept.iter().zip(&weights) {
        let cued = best.is_some_and(|b| weight.is_some_and(|w| w >= b));
        // A lead-in that ends with a colon goes on with the items after it.
        if best.is_some() && !cued && !after_lead_in {
            continue;
        }
        after_lead_in = sentence.ends_with(':') || (after_lead_in && !cued);
        if count > 0 && count + words(sentence) > FIELD_WORDS {
            break;
        }
        count += words(sentence);
        out.push(sentence);
    }
    Some(clip(&out.join(" "), 600))
}

/// The text of the first non-empty section holding `kind`, sections whose own heading says so
/// before those that inherit it.
fn first_text<'a>(
    sections: &[Section<'a>],
    kind: Kind,
    text: impl Fn(&Section<'a>) -> Option<String>,
) -> Option<String> {
    let own = sections.iter().filter(|s| s.own && s.has(kind)).find_map(&text);
    // The sections that name the kind themselves have had their turn (and gave nothing).
    own.or_else(|| sections.iter().filter(|s| !s.own && s.has(kind)).find_map(&text))
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
            return focus(&cause.join("\n"), &CAUSE_CUES, &RE_NOT_A_CAUSE);
        }
    }
    focus(&text, &CAUSE_CUES, &RE_NOT_A_CAUSE)
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

fn resolution_text(section: &Section<'_>) -> Option<String> {
    let text = section.text();
    if says_nothing(&text) {
        return None;
    }
    if section.has(Kind::RootCause) || section.has(Kind::Trigger) {
        let fix: Vec<&str> =
            sentences(&text).into_iter().filter(|s| RE_RESOLUTION_SENTENCE.is_match(s)).collect();
        if fix.is_empty() {
            return None;
        }
        return focus(&fix.join("\n"), &RESOLUTION_CUES, &RE_NOT_A_RESOLUTION);
    }
    focus(&text, &RESOLUTION_CUES, &RE_NOT_A_RESOLUTION)
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

/// Splits prose into sentences at line breaks (each block of a section is a line) and at
/// `.`, `!` or `?` followed by a space and a capital, digit or quote; keeps abbreviations such
/// as "e.g." and "a.m." inside their sentence.
pub(crate) fn sentences(text: &str) -> Vec<&str> {
    text.lines().flat_map(line_sentences).collect()
}

fn line_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?') && i + 2 < bytes.len() && bytes[i + 1] == b' ' {
            let next = text[i + 2..].chars().next().unwrap_or(' ');
            // The word before is looked at only where a sentence could end.
            let ends = next.is_uppercase()
                || next.is_ascii_digit()
                || matches!(next, '"' | '“' | '(' | '[');
            if ends && !abbreviation_before(text, i) {
                let sentence = text[start..=i].trim();
                if !sentence.is_empty() {
                    out.push(sentence);
                }
                start = i + 2;
            }
        }
        i += 1;
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Whether the word that ends at `end` (before a `.`, `!` or `?`) is an abbreviation or a
/// single letter, after which a sentence goes on.
fn abbreviation_before(text: &str, end: usize) -> bool {
    // Month abbreviations too: "rolled out on Apr. 28" is one sentence.
    const ABBREVIATIONS: [&str; 24] = [
        "e.g", "i.e", "etc", "vs", "approx", "a.m", "p.m", "inc", "mr", "dr", "no", "u.s", "jan",
        "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ];
    let word_start = text[..end].rfind(char::is_whitespace).map_or(0, |p| p + 1);
    let word = &text[word_start..end];
    ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word))
        || (word.len() == 1 && word.chars().all(char::is_alphabetic))
}

/// At most `max` bytes, cut at a word boundary with an ellipsis.
pub(crate) fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.len() <= max {
        return text.to_owned();
    }
    let mut cut = max.saturating_sub(3);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    let head = head.rfind(' ').map_or(head, |p| &head[..p]);
    format!("{}…", head.trim_end_matches([',', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(blocks: Vec<Block>) -> Document {
        Document { blocks, ..Document::default() }
    }
    fn h(level: u8, text: &str) -> Block {
        Block::Heading { level, text: text.into() }
    }
    fn p(text: &str) -> Block {
        Block::Paragraph { text: text.into() }
    }
    fn li(text: &str) -> Block {
        Block::ListItem { text: text.into() }
    }

    #[test]
    fn vocabulary_literals_compile() {
        assert!(VOCABULARY.len() > 5);
        assert!(!RE_HEADING_NOISE.as_str().is_empty());
        assert!(!RE_RESOLUTION_SENTENCE.as_str().is_empty());
        assert!(
            CAUSE_CUES.cues.len() > 3
                && RESOLUTION_CUES.cues.len() > 2
                && IMPACT_CUES.cues.len() > 2
        );
        for re in
            [&*RE_NOT_A_CAUSE, &*RE_EFFECT_OF_PREVIOUS, &*RE_NOT_A_RESOLUTION, &*RE_NOT_AN_IMPACT]
        {
            assert!(!re.as_str().is_empty());
        }
    }

    #[test]
    fn headings_vocabulary() {
        let cases: &[(&str, &[Kind])] = &[
            ("Issue Summary", &[Kind::Summary]),
            ("Impact", &[Kind::Impact]),
            ("Root Causes", &[Kind::RootCause]),
            ("Root Cause and Resolution", &[Kind::RootCause, Kind::Resolution]),
            ("Trigger", &[Kind::Trigger]),
            ("Contributing Factors", &[Kind::Contributing]),
            ("What went wrong, and why?", &[Kind::RootCause]),
            ("What happened?", &[Kind::Summary]),
            ("How did we respond?", &[Kind::Resolution, Kind::Timeline]),
            (
                "How are we making incidents like this less likely or less impactful?",
                &[Kind::ActionItems],
            ),
            ("Corrective and Preventative Measures", &[Kind::ActionItems]),
            ("Action Items", &[Kind::ActionItems]),
            ("Prevention", &[Kind::ActionItems]),
            ("Remediation", &[Kind::Resolution]),
            ("Recovery", &[Kind::Resolution]),
            ("Timeline", &[Kind::Timeline]),
            ("Lessons learned", &[Kind::Lessons]),
            ("Summation", &[Kind::Summary]),
            ("Why did it happen?", &[Kind::RootCause]),
            ("How are we preventing it from happening again?", &[Kind::ActionItems]),
            ("Long term solution", &[Kind::ActionItems]),
            ("Looking Forward", &[Kind::ActionItems]),
            ("Future plan", &[Kind::ActionItems]),
            ("Improving our alerting", &[Kind::ActionItems]),
            ("## 3. TIMELINE:", &[Kind::Timeline]),
            ("Duration of the Outage", &[Kind::Duration]),
        ];
        for (heading, expected) in cases {
            let mut got = heading_kinds(heading);
            got.sort_by_key(|k| format!("{k:?}"));
            let mut want = expected.to_vec();
            want.sort_by_key(|k| format!("{k:?}"));
            assert_eq!(got, want, "{heading}");
        }
        assert!(heading_kinds("Intended Design").is_empty());
    }

    #[test]
    fn fields_from_headings_with_inheritance() {
        let d = doc(vec![
            h(1, "Checkout outage"),
            h(2, "Root Cause and Resolution"),
            p(
                "The root cause was a memory leak in the checkout service. The issue was resolved by restarting the service.",
            ),
            h(2, "Impact"),
            p("30% of users could not pay."),
            h(2, "Corrective and Preventative Measures"),
            h(4, "Tasks"),
            li("Add memory alerts"),
            li("Load test before peak season"),
        ]);
        let sections = read_sections(&d);
        let fields = extract_fields(&sections);
        assert_eq!(
            fields.root_cause.as_deref(),
            Some("The root cause was a memory leak in the checkout service.")
        );
        assert_eq!(
            fields.resolution.as_deref(),
            Some("The issue was resolved by restarting the service.")
        );
        assert_eq!(fields.impact.as_deref(), Some("30% of users could not pay."));
        assert_eq!(fields.action_items, vec!["Add memory alerts", "Load test before peak season"]);
        assert!(fields.root_cause_from_heading);
    }

    #[test]
    fn prose_fallback_without_headings() {
        let d = doc(vec![p(
            "On May 3 our API was down for an hour. The outage was caused by an expired certificate on the load balancer. It was resolved by renewing the certificate.",
        )]);
        let fields = extract_fields(&read_sections(&d));
        assert_eq!(
            fields.root_cause.as_deref(),
            Some("The outage was caused by an expired certificate on the load balancer.")
        );
        assert_eq!(
            fields.resolution.as_deref(),
            Some("It was resolved by renewing the certificate.")
        );
        assert!(!fields.root_cause_from_heading);
    }

    #[test]
    fn negated_and_unknown_causes_are_skipped_for_the_real_one() {
        let d = doc(vec![
            h(1, "Login outage on June 3"),
            p(
                "On June 3 users could not log in for 40 minutes. This incident was not in any way caused by external actors. We don't yet have clarity from our provider on the root cause of their network event.",
            ),
            p(
                "After two hours of reading logs and comparing hosts, we found that the outage was caused by an expired TLS certificate on the session service.",
            ),
            p("We renewed the certificate and service was restored at 11:40."),
        ]);
        let fields = extract_fields(&read_sections(&d));
        let cause = fields.root_cause.unwrap_or_default();
        assert!(cause.contains("expired TLS certificate"), "{cause}");
        assert!(!cause.contains("external actors") && !cause.contains("clarity"), "{cause}");
        assert_eq!(
            fields.resolution.as_deref(),
            Some("We renewed the certificate and service was restored at 11:40.")
        );
        assert_eq!(
            fields.impact.as_deref(),
            Some("On June 3 users could not log in for 40 minutes.")
        );
    }

    #[test]
    fn a_long_cause_sentence_is_cut_to_its_clause() {
        let sentence = "We spent most of the evening on the phone with the vendor, the database team and two on-call engineers from the storage group; in the end the root cause was a full disk on the primary replica - which nobody had watched.";
        let cue = strongest_cue(sentence, &CAUSE_CUES).map_or(0, |(_, at)| at);
        assert_eq!(
            cause_clause(sentence, cue),
            "in the end the root cause was a full disk on the primary replica"
        );
    }

    #[test]
    fn an_effect_sentence_points_to_the_cause_before_it() {
        let d = doc(vec![p(
            "A cron job deleted the cache index every hour. This resulted in 53 minutes of downtime for the API.",
        )]);
        let fields = extract_fields(&read_sections(&d));
        assert_eq!(
            fields.root_cause.as_deref(),
            Some("A cron job deleted the cache index every hour.")
        );
    }

    #[test]
    fn a_sentence_that_states_its_own_cause_is_not_an_effect_of_the_previous() {
        assert!(gives_effect_of_previous("This led to an hour of errors."));
        assert!(!gives_effect_of_previous("This drop was caused by a full disk."));
        let d = doc(vec![p(
            "Availability fell to 25% when connections drained. This drop was caused by a full disk on the primary node.",
        )]);
        let fields = extract_fields(&read_sections(&d));
        assert_eq!(
            fields.root_cause.as_deref(),
            Some("This drop was caused by a full disk on the primary node.")
        );
        // Nor is a sentence that names the cause the fix.
        assert_eq!(fields.resolution, None);
    }

    #[test]
    fn resolution_skips_steps_that_failed_or_are_planned() {
        let d = doc(vec![
            p("Earlier that week we had upgraded the proxy fleet."),
            p("We attempted to restart the proxies, which did not help."),
            p("We will add an alert on queue depth."),
            p("The incident was resolved by rolling back the proxy upgrade."),
        ]);
        let fields = extract_fields(&read_sections(&d));
        assert_eq!(
            fields.resolution.as_deref(),
            Some("The incident was resolved by rolling back the proxy upgrade.")
        );
    }

    #[test]
    fn what_went_wrong_under_lessons_is_a_lesson_not_the_cause() {
        let d = doc(vec![
            h(1, "Build outage"),
            h(2, "Summary"),
            p("Builds failed for three hours because the registry certificate had expired."),
            h(2, "Lessons learned"),
            h(3, "What went wrong"),
            p("It took us an hour to notice the alerts."),
        ]);
        let fields = extract_fields(&read_sections(&d));
        let cause = fields.root_cause.unwrap_or_default();
        assert!(cause.contains("certificate had expired"), "{cause}");
        assert!(!fields.root_cause_from_heading);
    }

    #[test]
    fn a_long_section_is_cut_to_its_cued_sentences_and_a_lead_in_keeps_its_items() {
        let filler = "The team met in the morning to review the dashboards and the deploy log. ";
        let d = doc(vec![
            h(2, "Root cause"),
            p(&filler.repeat(6)),
            p("We determined the two contributing factors were:"),
            li("a queue consumer with no memory limit"),
            li("an alert routed to an unused channel"),
        ]);
        let fields = extract_fields(&read_sections(&d));
        let cause = fields.root_cause.unwrap_or_default();
        assert!(cause.starts_with("We determined the two contributing factors were:"), "{cause}");
        assert!(cause.contains("no memory limit") && cause.contains("unused channel"), "{cause}");
        assert!(!cause.contains("dashboards"), "{cause}");
    }

    #[test]
    fn action_items_are_list_items_else_one_per_paragraph() {
        let listed = doc(vec![
            h(2, "Looking forward"),
            p("We are planning several things to improve transparency:"),
            li("Alert on queue depth"),
            li("Load test the broker"),
            p("Thanks again for your patience."),
        ]);
        assert_eq!(
            extract_fields(&read_sections(&listed)).action_items,
            vec!["Alert on queue depth", "Load test the broker"]
        );
        let prose = doc(vec![
            h(2, "Follow-up"),
            p("The pager should notify more people. Ideally it would ping chat directly."),
            p("DNS changes need a second approver. We filed an issue for it."),
        ]);
        assert_eq!(extract_fields(&read_sections(&prose)).action_items.len(), 2);
    }

    #[test]
    fn without_an_impact_cue_the_opening_statement_is_the_impact() {
        let fields = extract_fields(&read_sections(&doc(vec![
            p("Recently we were made aware of slow clones of the shared package index."),
            p("The index is big."),
            h(2, "Shallow clones"),
            p("Shallow clones made the servers compute deltas on every fetch."),
        ])));
        assert_eq!(
            fields.impact.as_deref(),
            Some("Recently we were made aware of slow clones of the shared package index.")
        );
        let cued = extract_fields(&read_sections(&doc(vec![
            p("Recently we changed how the shared package index is cloned by default."),
            p("For two hours users could not install packages and saw 503 errors."),
        ])));
        assert_eq!(
            cued.impact.as_deref(),
            Some("For two hours users could not install packages and saw 503 errors.")
        );
    }

    #[test]
    fn sentences_keep_abbreviations_and_times() {
        let s = sentences(
            "At 2:00 p.m. UTC the site failed, e.g. checkout. Then it recovered! Done. Version 2 shipped on Apr. 28 to all.",
        );
        assert_eq!(
            s,
            vec![
                "At 2:00 p.m. UTC the site failed, e.g. checkout.",
                "Then it recovered!",
                "Done.",
                "Version 2 shipped on Apr. 28 to all."
            ]
        );
    }

    #[test]
    fn clip_cuts_at_words() {
        let c = clip("alpha beta gamma delta", 15);
        assert!(c.len() <= 15 + '…'.len_utf8() && c.ends_with('…'), "{c}");
    }
}
