//! Cues that a sentence states a field (a cause, a fix, what users saw), how strongly, and the
//! picks made with them: the best sentence of a narrative, a long section cut to its point.
//! Cues are general wording, never one organisation's phrases.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::text::{clip, sentences};

/// A cue that a sentence states something, and how strongly (a higher weight is better
/// evidence). Cues are general wording, never one organisation's phrases.
pub(super) struct Cue {
    pattern: String,
    /// Compiled on first use: only the cause cues are ever asked where they match, and each
    /// compiled pattern holds memory for the whole run.
    regex: std::sync::OnceLock<Regex>,
    pub(super) weight: u8,
}

impl Cue {
    /// Where the cue matches in `sentence`.
    pub(super) fn find(&self, sentence: &str) -> Option<Range<usize>> {
        let regex = self.regex.get_or_init(|| {
            Regex::new(&self.pattern).unwrap_or_else(|e| panic!("literal cue regex: {e}"))
        });
        regex.find(sentence).map(|m| m.range())
    }
}

/// A field's cues, with a set that tells in one search which of them match: most sentences
/// have no cue at all, and the rest need only their strongest cue's own search.
pub(super) struct CueSet {
    pub(super) cues: Vec<Cue>,
    set: regex::RegexSet,
}

pub(super) fn cues(table: &[(&str, u8)], what: &str) -> CueSet {
    let pattern = |p: &str| crate::extract::ascii_word_pattern(&format!("(?i){p}"));
    let cues = table
        .iter()
        .map(|(p, weight)| Cue {
            pattern: pattern(p),
            regex: std::sync::OnceLock::new(),
            weight: *weight,
        })
        .collect();
    let set = regex::RegexSet::new(table.iter().map(|(p, _)| pattern(p)))
        .unwrap_or_else(|e| panic!("literal regex set for {what} cues: {e}"));
    CueSet { cues, set }
}

/// Cues of a sentence that names a cause: "the root cause was", "caused by", "due to".
pub(super) static CAUSE_CUES: LazyLock<CueSet> = LazyLock::new(|| {
    cues(
        &[
            (
                r"\broot[- ]?causes?\b(?:\s+(?:of|for|behind)\s(?:[^.]|\.\d)*?)?\s*(?:(?:(?:was|were|is|are|has been|had been) )?(?:\w+ly )?(?:identified|determined|confirmed|found|diagnosed) (?:as|to be)|was|were|is|are|has been|turned out|appears|appeared|seems|seemed|lies|lay|:|-|–|—)|\b(?:identified|determined|confirmed|found|diagnosed|traced) the (?:root )?cause (?:as|to be)\b",
                4,
            ),
            (
                r"\bthe (?:underlying |primary |main |direct |immediate |proximate |actual |real |likely |exact )?(?:cause|reason|trigger|culprit|source of (?:the|this) (?:problem|issue))s?\b(?:\s+(?:of|for)\s(?:[^.]|\.\d)*?)?\s+(?:was|were|is|are|turned out|appears|seems)\b",
                4,
            ),
            (
                r"\b(?:was|were|is|are|been|being)\s+(?:\w+ly\s+)?(?:caused|triggered|initiated|precipitated)\s+by\b",
                4,
            ),
            (
                r"\bthe (?:core |main |real |underlying |actual |fundamental |original )?(?:problem|issue) (?:was|here was) that\b",
                4,
            ),
            (
                r"\b(?:occurr?ed|happened|broke|broken|failed|failing|went down|(?:was|were) down|went offline|timed out|leaked|crashed|stalled|hung|froze|expired|stopped|was exposed|were exposed) because(?: of)?\b",
                4,
            ),
            (
                r"\b(?:stems|originates|arises) from\b|\b(?:vulnerability|flaw|weakness|exploit)\b(?:[^.]|\.\d)*?\b(?:allowed|allows|could be (?:exploited|used|abused)|made it possible|enabled)\b|\bmisconfigur\w*\b(?:[^.]|\.\d)*?\b(?:exposed|leaked)\b",
                3,
            ),
            (
                r"^\W*what (?:had |really |actually )?happened (?:was|is)\b|\bcontributing factors?\b|\bcontributed to\b|\b(?:it )?turned out (?:that|to be)\b|\bwe (?:found|discovered|determined|realized|realised|learned) that\b|\b(?:investigation|analysis|review) (?:found|discovered|determined|revealed|showed|confirmed) that\b",
                3,
            ),
            (
                r"\b(?:caused|triggered)\s+by\b|\b(?:resulted|stemmed|originated|arose)\s+from\b|\bwas (?:the )?(?:a |an )?(?:direct )?(?:result|consequence) of\b|\btraced\s+(?:\w+\s+)*?(?:back\s+)?to\b|\b(?:caused|triggered) (?:the|this|an?) (?:[\w-]+\s+)*?(?:outage|incident|issue|problem|failure|crash|errors?|downtime|disruption|degradation|interruption)\b",
                3,
            ),
            (
                r"\b(?:outage|incident|issue|problem|failure|disruption|degradation|errors?|downtime|crash(?:es)?|crashed|failed|stopped|stalled|broke|broken|down|unavailable|slow(?:ness)?|reject(?:ed|ing)|refus(?:ed|ing)|cancell?(?:ed|ing)|dropp(?:ed|ing)|lost|delayed)\b(?:[^.]|\.\d)*?\b(?:due to|because(?: of)?|as a result of|owing to)\b|\b(?:due to|because of)\b(?:[^.]|\.\d)*?\b(?:outage|incident|failed|failure|down|unavailable|errors?|issues?|problems?)\b",
                2,
            ),
            (
                r"\b(?:led to|leading to|resulted in|resulting in|which (?:broke|caused|meant|prevented|blocked|stopped))\b|\b(?:has|have|had) caused\b|\bcaus(?:ed|es|ing)\s+(?:\w+\s+)*?to (?:fail|crash|stop|break|hang|time out|become)\b|\bstarved (?:of|for)\b|\b(?:was|were|been|got) hit (?:by|with) (?:an?|the)\b|\bsuffered (?:an?|the) (?:[\w-]+\s+)*?(?:failure|breakdown|outage|crash|fault|corruption)\b|\b(?:ran|run|running) out of\b|\bexhaust(?:ed|ing|ion)\b|\b(?:filled|fill|filling) up\b|\bhit (?:the|a|its|our) (?:\w+ )?(?:limit|quota|ceiling)\b|\b(?:accidentally|inadvertently|mistakenly|unintentionally|unexpectedly|incorrectly|wrongly)\s+(?:\w+\s+)?(?:set|configured|deployed|deleted|removed|pushed|published|committed|merged|changed|disabled|enabled|dropped|overwr\w+|ran|applied|left|exposed)\b|\b(?:was|were) overlooked\b|, so\b(?:[^.]|\.\d)*?\b(?:(?:had|have|has) (?:already )?(?:expired|failed|crashed|stopped)|failed|crashed|broke|expired|timed out|could not|couldn't|were unable|was unable|(?:was|were) (?:rejected|cancell?ed|dropped|lost|killed|blocked))\b",
                2,
            ),
            (
                r"\bdue to\b|\bbecause of\b|\b(?:exploited|exploit was used|vulnerability (?:in|of))\b|\b(?:correlated|correlates|coincided|coincides|coinciding) with\b",
                1,
            ),
            (
                r"\b(?:an?|the)\s+(?:typo|bug|misconfiguration|misspell\w*|syntax error|memory leak|race condition|regression|expired certificate|deadlock)\b|\b(?:an?|the)\s+(?:malformed|corrupt(?:ed)?|invalid|faulty)\s+(?:[\w-]+\s+)?(?:rules?|config(?:uration)?s?|files?|entry|entries|records?|quer(?:y|ies)|headers?|certificates?|deploy(?:ment)?s?|push|releases?|updates?|patch(?:es)?|changes?|values?|settings?)\b",
                1,
            ),
        ],
        "root-cause",
    )
});

/// Sentences that deny or defer a cause, so name none: "was not caused by", "we don't yet
/// know", "the root cause is still unclear", "caused by this outage" (the effect, not the cause).
pub(super) static RE_NOT_A_CAUSE: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)(?:\b(?:not|never|no|nothing)\b|n't\b)(?:\s+\w+){0,4}\s+(?:caused|triggered|due|because|the (?:root )?cause|related|responsible|result)|\b(?:unknown|unclear|uncertain|undetermined|unexplained|a mystery)\b|\bnot (?:yet |fully |entirely |completely )?(?:known|clear|sure|certain|understood|determined|identified|confirmed)\b|(?:\b(?:do|does|did) not|n't)\s+(?:yet\s+|currently\s+|fully\s+)?(?:know|have (?:clarity|visibility|details|information)|understand|have a (?:clear|full))|\b(?:still|currently|are|is|were|remain|remains)\s+(?:investigating|looking into|working (?:to|on) (?:understand|determin|identif))|\b(?:to|will|would|once we|until we|before we|could)\s+(?:fully\s+)?(?:determine|identify|understand|find|establish|confirm|investigate)\b|\b(?:no|any|without) (?:evidence|indication|sign)\b|\bruled out\b|\b(?:will|plan to|intend to) (?:publish|share|post|provide|release|follow up)\b|\b(?:caused|triggered) by (?:this|the|that|these) (?:outage|incident|issue|problem|event|failure|downtime|disruption)\b|\broot cause analysis\b|\broot causes? (?:was|were|is|has been|had been) (?:\w+ly )?(?:identified|found|determined|discovered|located|confirmed|established|understood|fixed|addressed)\b(?:\s*[.,;)]|\s+(?:and|but|quickly|shortly|soon|within|after|in|on|at|during|while|when|once)\b|\s*$)|\b(?:identified|found|determined|discovered|understand|understood) the (?:root )?cause\b(?:\s*[.,;)]|\s+(?:and|but|quickly|shortly|soon|within|after|in|on|at|during|while|when|once|of (?:the|this|that) (?:outage|incident|issue|problem))\b|\s*$)|\b(?:was|were|is|are) not (?:\w+ly )?(?:affected|impacted|involved|compromised|at fault)\b|\b(?:could|would|might) have (?:\w+ly )?(?:caused|led to|resulted in|triggered)\b|\bpost-?mortem\b|^\W*(?:due to|because of|owing to|given)\b(?:[^.]|\.\d)*?,\s*(?:\w+\s+){0,3}(?:decided|chose|opted|elected)\b|\?\s*$",
    )
    .expect("literal regex for denied or deferred causes")
});

/// A sentence that gives the effect of the one before it ("This resulted in …", "That led
/// to …"), whose cause is therefore that sentence.
pub(super) static RE_EFFECT_OF_PREVIOUS: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)^\W*(?:this|that|these|those|it|which|all of this|as a result)\b(?:[^.]|\.\d)*?\b(?:resulted in|results in|led to|leads to|lead to|caused|causes|meant|means|triggered|triggers|produced|created)\b",
    )
    .expect("literal regex for sentences that give the effect of the previous one")
});

/// Whether a sentence gives the effect of the one before ("This led to …"), not its own cause
/// ("This drop was caused by …").
pub(super) fn gives_effect_of_previous(sentence: &str) -> bool {
    RE_EFFECT_OF_PREVIOUS
        .find(sentence)
        .is_some_and(|m| !sentence[m.end()..].trim_start().starts_with("by "))
}

/// Cues of a sentence that says what ended the incident.
pub(super) static RESOLUTION_CUES: LazyLock<CueSet> = LazyLock::new(|| {
    cues(
        &[
            (
                r"\b(?:was|were|is|are|has been|have been|got|had been)\s+(?:\w+ly\s+)?(?:resolved|fixed|mitigated|restored|recovered|remediated|addressed)\b|\bresolved (?:the|this|that) (?:issue|incident|problem|outage)\b|(?:^\W*|\b(?:the|our|this|that|its|their)\s+(?:\w+\s+)?)(?:resolution|fix|mitigation|solution|remedy) (?:was|is|involved|consisted)\b|\ban?\s+(?:\w+\s+)?(?:fix|mitigation|solution|remedy|workaround) was\b|\b(?:resolved|mitigated|restored|fixed) (?:by|after|when|once|with)\b|^\W*to (?:fix|resolve|mitigate|remedy) (?:this|that|it|the (?:issue|problem|outage|incident|bug)),? we\b",
                4,
            ),
            (
                r"\b(?:back (?:to normal|to baseline|online|up|in service)|(?:fully )?operational again|(?:recovered|came back|returned to normal|resumed|stabili[sz]ed)(?: fully)?(?: after| when| once| by| at)?)\b|\b(?:end(?:ed|ing)?|brought|bringing|bring)\s+(?:the|this)\s+(?:outage|incident|issue|problem|disruption|downtime)\b|\bto an end\b|\b(?:resolved|recovered|healed|fixed|cleared) (?:itself|themselves|automatically|on its own)\b|\b(?:self|auto)-?heal(?:ed|ing)?\b|\b(?:was|were|has been|have been)\s+(?:\w+\s+)*?(?:deployed|merged|rolled out|applied|patched|reverted|rolled back|disabled|rotated|revoked)\b|\b(?:mitigate|mitigates|mitigating) (?:it |this |the (?:issue|problem|outage|impact) )?by\b|\b(?:able to|could|started to|began to)\s(?:[^.]|\.\d)*?\bagain\b|\bwent back to\b|\bfixed the (?:issue|problem|bug|outage)\b|,\s*(?:thereby\s+)?(?:fixing|resolving|restoring|mitigating|ending)\b",
                3,
            ),
            (
                r"\b(?:we|they|engineers?|team|admins?|administrators?|operators?)\s+(?:(?:have|has|had)\s+)?(?:\w+ly\s+)?(?:rolled back|(?:rolled|brought) (?:\w+\s+)+?back\b|reverted|restarted|rebooted|failed over|redeployed|re-?deployed|deployed an? (?:\w+ )?(?:fix|patch)|rolled out an? (?:\w+ )?(?:fix|patch)|fixed|patched|re-?enabled|disabled|turned (?:off|down)|switched off|removed|deleted|replaced|restored|increased|scaled|blocked|killed|purged|cleared|flushed|rebuilt|recreated|migrated|moved|switched|upgraded|downgraded|renewed|rotated|revoked|applied|raised|lowered|bumped|freed|added (?:more|additional|extra)|doubled|tripled)\b|\b(?:decided|chose|opted) to\b(?:[^.]|\.\d)*?\b(?:migrate|move|switch|fail over|roll back|revert|restart|rebuild|restore|replace|redeploy)\b|\b(?:was|were|has been|have been|had been)\s+(?:\w+ly\s+)?(?:restarted|rebooted|reset|redeployed|re-?deployed|deleted|removed|replaced|increased|scaled (?:up|out)|upgraded|downgraded|cordoned|drained|taken offline|failed over|rebuilt|recreated|purged|cleared|flushed|renewed|yanked)\b",
                2,
            ),
            (
                r"\b(?:rolled back|rolling back|rolled (?:\w+\s+)+?back|reverted|rollback|workaround|hotfix)\b|\b(?:was|were|is|are)\s+(?:all\s+)?(?:running|working|available|online|serving|responding|up)\s+again\b|\b(?:was|were|is|are)\s+(?:\w+\s+)?working\s+(?:fine|normally|properly|as expected)\b|\b(?:was|were|is|are)\s+(?:\w+\s+)?(?:stable|healthy)\s+again\b|\b(?:was|were|came)\s+back\s+(?:at|by|around|shortly)\b|\bdeployed (?:the|a|an) (?:\w+ )?(?:change|fix|patch|update|version|release)\b",
                1,
            ),
        ],
        "resolution",
    )
});

/// Sentences about what will or could be done, or what did not work: not what ended it.
pub(super) static RE_NOT_A_RESOLUTION: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)\b(?:will|would|should|shall|must|plan to|planning to|going to|intend to|need to|in the future|going forward|moving forward|to prevent|to avoid|did not|didn't|does not|doesn't|was not|wasn't|were not|weren't|not (?:yet |fully |entirely )?(?:fixed|resolved|mitigated|addressed)|unable to|failed to|unsuccessful|no longer|attempt(?:ed|s)? to|tried to|temporar(?:y|ily)|for the time being|for now|commonly|usually|typically|generally|often|sometimes|accidentally|inadvertently|mistakenly|unintentionally|by mistake)\b|\b(?:we|they|the team|engineers?|it) (?:still )?(?:could not|couldn't|cannot|can't)\b|\?\s*$",
    )
    .expect("literal regex for sentences that are not the resolution")
});

/// Cues of a sentence that says what users saw.
pub(super) static IMPACT_CUES: LazyLock<CueSet> = LazyLock::new(|| {
    cues(
        &[
            (
                r"\b(?:users?|customers?|clients?|visitors?|developers?|people|members?|players?|requests?|builds?|jobs?|downloads?|uploads?|traffic|everyone|anyone|all|(?:many|some|most|all|a lot|lots|few|those|each|any) of you)\b(?:[^.]|\.\d)*?\b(?:unable|could not|couldn't|cannot|can't|were not able|was not able|affected|impacted|experienced|experiencing|saw|seeing|received|receiving|encountered|got|getting|hit|hitting|failed|failing|errors?|timeouts?|timed out|down|unavailable|inaccessible|slow|degraded|lost|delayed|did not see|didn't see|no longer|stopped)\b|\b(?:affect(?:ed|ing)|impact(?:ed|ing)|unavailable (?:to|for))\b(?:[^.]|\.\d)*?\b(?:users?|customers?|clients?|visitors?|developers?|people|members?|requests?|builds?|services?|sites?)\b",
                4,
            ),
            (
                r"\b\d+(?:\.\d+)?\s?%|\b(?:a|one|two)[- ](?:third|quarter|fifth|tenth)s? of\b|\b(?:names?|e-?mails?|email addresses|addresses|phone numbers|personal (?:data|information)|data|records|information|details)\s+of\s+(?:about\s+|around\s+|over\s+|more than\s+|nearly\s+)?(?:\d[\d,]*|some|many|several)\s+(?:\w+\s+)?(?:users?|customers?|members?|accounts?|people|clients?)\b|\bhalf (?:of )?(?:all |our |the )?(?:users?|customers?|requests?|traffic|attempts?|queries|calls|builds?|jobs?)\b|\berror rates?\b|\b(?:was|were|went|became|is|are|had been|has been)\s+(?:\w+ly\s+)?(?:down|unavailable|inaccessible|unreachable|offline|degraded|unresponsive|broken|halted|stalled|unusable|delayed|interrupted|disrupted)\b|\b(?:halted|went down|stopped working|lost service)\b|\b(?:seconds|minutes|hours|days) late\b|\b(?:arrived|ran|running|were|was) (?:\w+ )?late\b|\b(?:\d+|several|many|multiple|a few|two|three|four|five|six) (?:minutes|hours|days) of (?:\w+ )?(?:downtime|outage|unavailability|degradation|disruption)\b|\b(?:outage|downtime|disruption|degradation|interruption)\b(?:[^.]|\.\d)*?\b(?:lasted|for|of)\b|\b(?:outage|downtime|disruption|degradation|interruption|unavailability)\b(?:[^.]|\.\d)*?\bfrom\b(?:[^.]|\.\d)*?\b(?:to|until|till)\b|\b(?:saw|seen|had|has had|have had|experienced)\s+(?:\w+\s+)*?(?:downtime|outages?|disruptions?|degradation)\b|\b(?:outage|incident|issue|problem|disruption|failure|downtime)\s+(?:\w+\s+)?(?:affected|impacted)\b",
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
pub(super) static RE_NOT_AN_IMPACT: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)\b(?:will|should|in the future|going forward|to prevent|to avoid|what went down|no (?:users?|customers?|data)|not (?:affected|impacted)|(?:fixed|resolved|mitigated) the (?:problem|issue|bug|outage))\b|\?\s*$",
    )
    .expect("literal regex for sentences that are not the impact")
});

/// A template's prompt left in a report ("Note the final root cause and describe …",
/// "List the sequence of events …"): an instruction, never a finding.
pub(super) static RE_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::ascii_word_regex(
        r"(?i)^\W*(?:note|describe|list|explain|summari[sz]e|include|report|give|write|provide|outline|document|detail|state|identify|specify)\s+(?:the|how|what|why|when|who|any|all|each|a|an|in)\b",
    )
    .expect("literal regex for template prompts")
});

/// A field drawn from prose holds at most this many words: hand-written summaries of a cause
/// or a fix run to about 40, and a longer pick buries the point.
pub(super) const FIELD_WORDS: usize = 55;

/// A report's first statement of some length: where no sentence has an impact cue, the
/// opening still says what happened ("We were made aware of issues our users had cloning
/// the repository"), which is what a reader asks of the impact first.
pub(super) fn first_statement(candidates: &[&str]) -> Option<String> {
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
pub(super) enum Pick {
    /// The earliest of the strongest.
    First,
    /// The earliest strong one (weight 3 or more), else the strongest: for what a report
    /// tells first, such as what users saw.
    EarliestStrong,
}

/// The index of the sentence with the strongest cue (the earliest among equals), skipping
/// those `not` matches, with that cue.
pub(super) fn best_sentence<'c>(
    candidates: &[&str],
    cues: &'c CueSet,
    not: &Regex,
    pick: Pick,
) -> Option<(usize, &'c Cue)> {
    let mut best: Option<(usize, &Cue)> = None;
    for (index, sentence) in candidates.iter().enumerate() {
        // Under 15 bytes is no statement; over 600 is no sentence (a feed's markup read as
        // text, a list run together), and no field quotes more (`clip`).
        if !(15..=600).contains(&sentence.len())
            || not.is_match(sentence)
            || RE_PROMPT.is_match(sentence)
        {
            continue;
        }
        let Some(cue) = strongest(sentence, cues) else { continue };
        if pick == Pick::EarliestStrong && cue.weight >= 3 {
            return Some((index, cue));
        }
        if best.is_none_or(|(_, b)| cue.weight > b.weight) {
            best = Some((index, cue));
        }
    }
    best
}

/// The chosen sentence, trimmed by `trim`; a lead-in that ends with a colon ("the two
/// contributing factors were:") goes on with the items after it, up to [`FIELD_WORDS`].
pub(super) fn with_lead_in<'a>(
    candidates: &[&'a str],
    index: usize,
    trim: impl Fn(&'a str) -> Cow<'a, str>,
) -> String {
    let sentence = candidates[index];
    if !sentence.ends_with(':') {
        return clip(&trim(sentence), 600);
    }
    let mut parts = vec![sentence];
    let mut words = sentence.split_whitespace().count();
    for next in &candidates[index + 1..] {
        if words >= FIELD_WORDS {
            break;
        }
        words += next.split_whitespace().count();
        parts.push(next);
    }
    clip(&joined(&parts), 600)
}

/// The weight of the strongest cue in a sentence, when where it starts does not matter.
pub(super) fn strongest_weight(sentence: &str, cues: &CueSet) -> Option<u8> {
    strongest(sentence, cues).map(|cue| cue.weight)
}

/// The strongest cue that matches (the last in the table among equals). Most sentences have
/// none, and saying so is cheaper than listing every match: an overlapping search reads the
/// whole sentence with a bigger automaton, where `is_match` stops at the first cue.
pub(super) fn strongest<'a>(sentence: &str, cues: &'a CueSet) -> Option<&'a Cue> {
    if !cues.set.is_match(sentence) {
        return None;
    }
    cues.set.matches(sentence).iter().map(|i| &cues.cues[i]).max_by_key(|cue| cue.weight)
}

/// The clause of a sentence that holds its cause cue: a long sentence loses what comes
/// before the cue's clause ("After two hours of digging, we found that …") and what follows
/// it (a "; …" or " - …" aside). The summary quotes this.
pub(super) fn cause_clause(sentence: &str, cue: Range<usize>) -> &str {
    if sentence.split_whitespace().count() <= 30 || follows_its_cause(sentence, &cue) {
        return sentence;
    }
    let head = &sentence[..cue.start];
    let start = ["; ", ": ", " — ", " – ", " - ", ", but ", ", so ", ", and "]
        .iter()
        .filter_map(|sep| head.rfind(sep).map(|p| p + sep.len()))
        .max()
        .unwrap_or(0);
    sentence[start..clause_end(sentence, cue.start)].trim()
}

/// The cause a sentence names: where the cue leads into it ("the root cause was …", "caused
/// by …", "due to …", "the problem was that …"), the words after the cue, which are the cause
/// itself; else [`cause_clause`].
pub(super) fn cause_words(sentence: &str, cue: Range<usize>) -> Cow<'_, str> {
    before_the_cue(sentence, &cue)
        .or_else(|| after_the_cue(sentence, &cue))
        .unwrap_or_else(|| Cow::Borrowed(cause_clause(sentence, cue)))
}

/// Whether the cue is a consequence that follows its cause ("X, so every upload failed").
fn follows_its_cause(sentence: &str, cue: &Range<usize>) -> bool {
    sentence[cue.clone()].starts_with(", so")
}

/// "The code read the expiry in seconds, but the provider gives milliseconds, so every URL
/// had expired": the cause is what comes before the consequence, when it is a statement of
/// four words or more.
fn before_the_cue<'a>(sentence: &'a str, cue: &Range<usize>) -> Option<Cow<'a, str>> {
    if !follows_its_cause(sentence, cue) {
        return None;
    }
    let head = sentence[..cue.start].trim();
    (head.split_whitespace().count() >= 4).then_some(Cow::Borrowed(head))
}

/// Where the clause that starts at `from` ends: at an aside ("; …", " - …", ", which …")
/// that starts 20 bytes or more after it, else at the end of the sentence.
fn clause_end(sentence: &str, from: usize) -> usize {
    let tail = &sentence[from..];
    ["; ", " — ", " – ", " - ", ", but ", ", which ", ", so "]
        .iter()
        .filter_map(|sep| tail.find(sep))
        .filter(|&p| p > 20)
        .min()
        .map_or(sentence.len(), |p| from + p)
}

/// The verbs by which a cue leads into what it names ("the root cause was …").
const COPULAS: [&str; 6] = ["was", "were", "is", "are", "been", "being"];

/// Whether a cause cue leads into almost nothing ("the root cause was deeper.", "The cause
/// was twofold."): the sentences after it tell the cause.
pub(super) fn points_on(sentence: &str, cue: &Range<usize>) -> bool {
    let matched = sentence[cue.clone()].trim_end().to_ascii_lowercase();
    let leads = COPULAS.iter().any(|c| matched.strip_suffix(c).is_some_and(|m| m.ends_with(' ')));
    let rest = sentence[cue.end..].trim().trim_end_matches(['.', '!']);
    leads && !sentence.ends_with(':') && rest.split_whitespace().count() <= 2
}

/// The words that follow a cue that leads into its cause ("was caused by", "due to", "the
/// root cause was", "we found that"), from a capital letter; `None` when the cue does not lead
/// into one ("ran out of", "delays caused by" in a noun phrase) or what follows is not a noun
/// phrase of four words or more ("the root cause was traced to …", "is general and …").
fn after_the_cue<'a>(sentence: &'a str, cue: &Range<usize>) -> Option<Cow<'a, str>> {
    let at_start = !sentence[..cue.start].contains(char::is_alphanumeric);
    let mut cue = cue.clone();
    // "Due to X, the API failed": the cue that matched runs on to the effect; the cause is
    // what follows its opening words.
    if at_start {
        let lower = sentence[cue.clone()].to_ascii_lowercase();
        if let Some(opening) = ["due to ", "because of ", "owing to ", "as a result of "]
            .iter()
            .find(|o| lower.starts_with(*o))
        {
            cue.end = cue.start + opening.len() - 1;
        }
    }
    let matched = sentence[cue.clone()].trim_end().to_ascii_lowercase();
    let copula = |m: &str| COPULAS.iter().any(|c| m.contains(&format!(" {c} ")));
    let leads_into = if matched.ends_with(" by") {
        // "was caused by X" names X; "the delays caused by X" is a noun phrase.
        copula(&format!(" {matched}"))
    } else {
        [
            "due to",
            "because of",
            "owing to",
            "result of",
            "consequence of",
            " from",
            " that",
            "because",
            " was",
            " were",
            " is",
            " are",
            // "identified as", "determined to be" (not "turned out to be caused by")
            " as",
            "ed to be",
            "found to be",
            ":",
            "-",
            "–",
            "—",
        ]
        .iter()
        .any(|end| matched.ends_with(end))
    };
    if !leads_into {
        return None;
    }
    let mut rest = sentence[cue.end..clause_end(sentence, cue.end)]
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | '–' | '—'))
        .trim_end();
    rest = rest.strip_prefix("that ").unwrap_or(rest);
    // "Due to X, Y happened": the cause ends at the comma.
    if at_start && let Some(comma) = rest.find(", ") {
        rest = &rest[..comma];
    }
    let mut words = rest.split_whitespace();
    let first = words.next()?.to_ascii_lowercase();
    let second = words.next().unwrap_or_default().to_ascii_lowercase();
    let not_a_noun_phrase = first.ends_with("ed")
        || first.ends_with("ly")
        || matches!(second.as_str(), "and" | "to" | "in" | "that" | "than")
        || matches!(first.as_str(), "not" | "still" | "also" | "being" | "general" | "simple");
    if not_a_noun_phrase || rest.split_whitespace().count() < 4 {
        return None;
    }
    let mut chars = rest.chars();
    let initial = chars.next()?;
    Some(if initial.is_lowercase() {
        Cow::Owned(initial.to_uppercase().chain(chars).collect())
    } else {
        Cow::Borrowed(rest)
    })
}

/// How [`focus`] cuts a long section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cut {
    /// The sentences with the strongest cues, in reading order: a cause or a fix is one
    /// statement among others in its section.
    Strongest,
    /// From the first sentence with a strong cue (weight 3 or more; else any cue, else the
    /// first sentence) on, in reading order: an Impact section states what users saw, then
    /// how long and how many, which no cue marks.
    FromFirstStrong,
}

/// A section's text cut to its point: when it runs past [`FIELD_WORDS`] words, the sentences
/// `cut` keeps, else its first sentences; sentences `not` matches are left out either way.
pub(super) fn focus(text: &str, cues: &CueSet, not: &Regex, cut: Cut) -> Option<String> {
    // A template's prompts are never the field, whatever else the section says.
    let all: Vec<&str> = sentences(text).into_iter().filter(|s| !RE_PROMPT.is_match(s)).collect();
    if all.is_empty() {
        return None;
    }
    let words = |s: &str| s.split_whitespace().count();
    let kept: Vec<&str> = all.iter().copied().filter(|s| !not.is_match(s)).collect();
    let kept = if kept.is_empty() { all } else { kept };
    if kept.iter().map(|s| words(s)).sum::<usize>() <= FIELD_WORDS {
        return Some(clip(&joined(&kept), 600));
    }
    let weights: Vec<Option<u8>> = kept.iter().map(|s| strongest_weight(s, cues)).collect();
    // Where reading starts, and the cue weight a sentence needs to be kept (none: every
    // sentence from there on, as long as the field's length allows).
    let (from, best) = match cut {
        Cut::Strongest => (0, weights.iter().flatten().max().copied()),
        Cut::FromFirstStrong => {
            let first = weights
                .iter()
                .position(|w| w.is_some_and(|w| w >= 3))
                .or_else(|| weights.iter().position(Option::is_some))
                .unwrap_or(0);
            (first, None)
        }
    };
    let mut out: Vec<&str> = Vec::new();
    let mut count = 0;
    let mut after_lead_in = false;
    for (sentence, weight) in kept[from..].iter().zip(&weights[from..]) {
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
    Some(clip(&joined(&out), 600))
}

/// Sentences and list items as one text: an item without a closing mark ("updated the keys")
/// is followed by a semicolon, so that items do not run together.
fn joined(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts {
        if !out.is_empty() {
            if !out.ends_with(['.', '!', '?', ';', ':', ',', '\u{2026}']) {
                out.push(';');
            }
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}
