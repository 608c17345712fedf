//! [`Document`] (+ [`Hints`]) → [`Postmortem`]: is it a postmortem, and its key fields.
//!
//! Synchronous, pure and infallible: what cannot be found is `None`, and doubt is expressed
//! in `confidence`, never as an error. Never reads the clock, the network or the store; the
//! only inputs are the document, the source's hints and the threshold.
//!
//! The submodules run in order: `sections` groups blocks under headings and finds impact,
//! root cause, resolution and action items; `dates` reads start, end, duration and the
//! incident date; `timeline` reads timestamped lines and tables; `categories` and
//! `summary` describe the incident; `classify` weighs everything into a confidence.
//! A file that holds two reports (or the same report twice) yields the first one.

mod categories;
mod classify;
mod dates;
mod learned;
mod sections;
mod summary;
mod timeline;

use crate::model::{Block, Document, Hints, Postmortem};

use self::sections::{Kind, Section};

pub use self::learned::{
    Contribution, Explanation, FEATURE_NAMES, Features, HASH_BUCKETS, NAMED, Weights,
};

/// Compiles a pattern with ASCII word boundaries and word characters: a Unicode `\b` sends
/// the regex engine to its slow paths on any non-ASCII text (an em dash is enough), which made
/// extraction of one article page take 15 ms instead of 1; and each Unicode `\w` compiles to
/// an automaton of hundreds of states, which the cue sets repeat (`(?:\w+\s+){0,5}`): ASCII
/// ones took a third of the compiled cue sets' memory. The vocabulary is English, so a word
/// that a `\w` skips over ("caused three jobs to fail") is ASCII in practice.
pub(crate) fn ascii_word_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&ascii_word_pattern(pattern))
}

/// `pattern` with each `\b` made an ASCII word boundary and each `\w` an ASCII word
/// character (see [`ascii_word_regex`]). Neither may sit inside a character class.
pub(crate) fn ascii_word_pattern(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)").replace(r"\w", r"(?-u:\w)")
}

/// The confidence at or over which a document is a postmortem.
pub const DEFAULT_THRESHOLD: f32 = 0.5;

/// The [`prescreen`] score at or over which a feed item's article is worth fetching: low, so
/// that the article decides (a recall-first gate; `extract` rejects look-alikes).
pub const PRESCREEN_THRESHOLD: f32 = 0.3;

/// A section kind repeated this often makes a collection of reports, not one report (a
/// file with two reports, or four incidents in one review, stays under it).
const COLLECTION_REPEATS: usize = 6;

/// Sections with less prose than this (questions aside) do not count as a report's section.
const MIN_SECTION_CHARS: usize = 30;

/// Bumped whenever extraction results change, so `pmagg reextract` knows what is stale.
pub const VERSION: u32 = 2;

/// Extracts the fields; `is_postmortem` is `confidence >= threshold`.
pub fn extract(document: &Document, hints: &Hints, threshold: f32) -> Postmortem {
    analyse(document, hints, Classifier::Score { threshold, hashing: false }).0
}

/// Extracts the fields of a report that its publisher or a curated list vouches for (a
/// status page's postmortem, a list's entry), without consulting the classifier: its word
/// would not count (issue #15: the classifier decides only for feed, HTML and plain
/// documents), and its signals were a third of an extraction's cost. `confidence` is `None`
/// and `is_postmortem` true. `pmagg show` still explains what the classifier would say.
pub fn extract_vouched(document: &Document, hints: &Hints) -> Postmortem {
    analyse(document, hints, Classifier::Skip).0
}

/// What the classifier sees of a document: the features `examples/train.rs` learns from,
/// with the hashed heading words whether or not the embedded model uses them.
pub fn features(document: &Document, hints: &Hints) -> Features {
    analyse(document, hints, Classifier::Score { threshold: DEFAULT_THRESHOLD, hashing: true }).1
}

/// Why the classifier decided as it did for a document: each signal's contribution to the
/// confidence that [`extract`] reports.
pub fn explain(document: &Document, hints: &Hints) -> Explanation {
    classify::explain(
        &analyse(
            document,
            hints,
            Classifier::Score { threshold: DEFAULT_THRESHOLD, hashing: false },
        )
        .1,
    )
}

/// Whether [`analyse`] consults the classifier.
#[derive(Debug, Clone, Copy)]
enum Classifier {
    /// Score the document against `threshold`; hash the heading words when the model uses
    /// them or `hashing` asks for them.
    Score { threshold: f32, hashing: bool },
    /// Someone else decides: no signals, no score, empty features.
    Skip,
}

/// The postmortem and the classifier's features, from one reading of the document.
fn analyse(document: &Document, hints: &Hints, classifier: Classifier) -> (Postmortem, Features) {
    // What the dates and the timeline find in each paragraph, remembered for this extraction.
    let seen = dates::Mentions::default();
    let sections = sections::read_sections(document);
    let fields = sections::extract_fields(&sections);
    let title = document.title.clone().or_else(|| hints.title.clone());
    let published = document.published.or(hints.published);
    let dates = dates::extract_dates(
        title.as_deref(),
        &sections,
        published,
        document.url.as_deref(),
        hints,
        &seen,
    );
    let timeline::Timeline { events: timeline, span_minutes } =
        timeline::extract_timeline(&sections, &dates, &seen);
    // Where the text states no span, the timeline's first and last times give one.
    let duration_minutes = dates.duration_minutes.or(span_minutes);

    let prose = prose_text(document);
    // Categories describe the first report of a file that holds two.
    let first_report = prose_text_of(&sections[..first_report_end(&sections)]);
    let cause = [
        title.as_deref(),
        fields.root_cause.as_deref(),
        fields.opening.as_deref().map(first_chars),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n");
    let categories = categories::extract_categories(&cause, &first_report);
    let summary = summary::build_summary(
        fields.opening.as_deref(),
        fields.impact.as_deref(),
        fields.root_cause_sentence.as_deref().or(fields.root_cause.as_deref()),
        fields.resolution.as_deref(),
    );

    let (features, confidence, is_postmortem) = match classifier {
        Classifier::Score { threshold, hashing } => {
            let signals =
                signals(document, hints, &sections, &fields, &dates, timeline.len(), &prose);
            let hashed = if *learned::MODEL_USES_HASHED || hashing {
                heading_words(title.as_deref(), &sections)
            } else {
                Vec::new()
            };
            let features = Features { named: signals.features(), hashed };
            let confidence = classify::score(&features);
            (features, Some(confidence), confidence >= threshold)
        }
        Classifier::Skip => (Features::default(), None, true),
    };

    let postmortem = Postmortem {
        is_postmortem,
        confidence,
        title,
        company: hints
            .company
            .clone()
            .or_else(|| document.site_name.clone())
            .or_else(|| company_from_text(document, hints, &prose)),
        url: document.url.clone().or_else(|| hints.url.clone()),
        published,
        incident_date: dates.incident_date,
        start: dates.start,
        end: dates.end,
        duration_minutes,
        impact: fields.impact,
        root_cause: fields.root_cause,
        resolution: fields.resolution,
        summary,
        timeline,
        action_items: fields.action_items,
        categories,
    };
    (postmortem, features)
}

/// The hashed words of the title and the headings ([`Features::hashed`]).
fn heading_words(title: Option<&str>, sections: &[Section<'_>]) -> Vec<u32> {
    learned::hash_words(title.into_iter().chain(sections.iter().filter_map(|s| s.heading)))
}

/// Scores a feed item on its title and summary alone (0.0 to 1.0), to decide whether its
/// article is worth fetching (see [`PRESCREEN_THRESHOLD`]).
pub fn prescreen(title: Option<&str>, summary: Option<&str>) -> f32 {
    classify::prescreen(title, summary)
}

/// Hosts that publish for anyone: their name is not the company's.
const SHARED_HOSTS: [&str; 16] = [
    "github",
    "githubusercontent",
    "gitlab",
    "bitbucket",
    "medium",
    "substack",
    "blogspot",
    "wordpress",
    "notion",
    "hashnode",
    "google",
    "twitter",
    "linkedin",
    "youtube",
    "reddit",
    "archive",
];

/// The company a report names, when its source does not: the name of the site it was
/// published on (`blog.acme.io` → "acme"), spelled as the text spells it most often
/// ("OpenAI", not "Openai"), else capitalised. `None` for a file, or a shared host such as
/// GitHub or Medium.
fn company_from_text(document: &Document, hints: &Hints, prose: &str) -> Option<String> {
    let link = document.url.as_deref().or(hints.url.as_deref())?;
    let url = url::Url::parse(link).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    // `acme.co.uk`, `acme.gov.au`: the name sits before a two-part suffix.
    let second_level = ["co", "com", "gov", "org", "net", "ac", "edu"];
    let name = match labels.as_slice() {
        [.., name, level, country] if country.len() == 2 && second_level.contains(level) => *name,
        [.., name, _] => *name,
        _ => return None,
    };
    if name.len() < 2 || SHARED_HOSTS.contains(&name) {
        return None;
    }
    let mut spellings: Vec<(&str, usize)> = Vec::new();
    for word in prose.split(|c: char| !c.is_alphanumeric()) {
        if word.eq_ignore_ascii_case(name) {
            match spellings.iter_mut().find(|(w, _)| *w == word) {
                Some((_, n)) => *n += 1,
                None => spellings.push((word, 1)),
            }
        }
    }
    // The most frequent capitalised spelling; ties go to the first seen.
    let written = spellings
        .iter()
        .filter(|(w, _)| w.chars().next().is_some_and(char::is_uppercase))
        .fold(None, |best: Option<(&str, usize)>, &(w, n)| match best {
            Some((_, bn)) if bn >= n => best,
            _ => Some((w, n)),
        })
        .map(|(w, _)| w.to_owned());
    written.or_else(|| {
        let mut chars = name.chars();
        chars.next().map(|first| first.to_uppercase().chain(chars).collect())
    })
}

fn first_chars(text: &str) -> &str {
    let mut end = text.len().min(400);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Paragraphs, list items, table rows and headings, one per line; code is left out.
fn prose_text(document: &Document) -> String {
    let mut out = String::new();
    for block in &document.blocks {
        if matches!(block, Block::Code { .. }) {
            continue;
        }
        out.push_str(&sections::block_text(block));
        out.push('\n');
    }
    out
}

/// Paragraphs, list items and table rows of some sections, one per line.
fn prose_text_of(sections: &[Section<'_>]) -> String {
    let mut out = String::new();
    for block in sections.iter().flat_map(|s| s.blocks.iter()) {
        if !matches!(block, Block::Code { .. }) {
            out.push_str(&sections::block_text(block));
            out.push('\n');
        }
    }
    out
}

/// Where a second report starts: the first heading that repeats a core section (Timeline,
/// Root cause, Impact, Action items) seen before. `sections.len()` when there is none.
fn first_report_end(sections: &[Section<'_>]) -> usize {
    let core = [Kind::Timeline, Kind::RootCause, Kind::Impact, Kind::ActionItems];
    let mut seen: Vec<Kind> = Vec::new();
    for (index, section) in sections.iter().enumerate().filter(|(_, s)| s.own) {
        let kinds: Vec<Kind> = section.kinds.iter().copied().filter(|k| core.contains(k)).collect();
        if kinds.iter().any(|k| seen.contains(k)) {
            return index;
        }
        seen.extend(kinds);
    }
    sections.len()
}

fn signals(
    document: &Document,
    hints: &Hints,
    sections: &[Section<'_>],
    fields: &sections::Fields,
    dates: &dates::Dates,
    timeline_events: usize,
    prose: &str,
) -> classify::Signals {
    let (mut title_strong, mut title_weak, mut title_negative) = (false, false, false);
    for title in [document.title.as_deref(), hints.title.as_deref()].into_iter().flatten() {
        let (strong, weak, negative) = classify::title_marks(title);
        title_strong |= strong;
        title_weak |= weak;
        title_negative |= negative;
    }
    let lines = || prose.lines();
    let markdown_lines: Vec<&str> =
        document.markdown.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let link_items = markdown_lines
        .iter()
        .filter(|l| {
            (l.starts_with("- ") || l.starts_with("* ") || l.starts_with("+ ")) && l.contains("](")
        })
        .count();
    // Blank-line separated chunks that hold a link: a list of links is mostly these, where
    // prose with links inline (even hard-wrapped one link a line) has paragraphs without.
    let chunks: Vec<&str> =
        document.markdown.split("\n\n").filter(|c| !c.trim().is_empty()).collect();
    let link_chunks = chunks.iter().filter(|c| c.contains("](") || c.contains("http")).count();
    let task_boxes = markdown_lines.iter().filter(|l| l.contains("[ ]")).count();
    let words = classify::Folded::new(prose);
    let (assignment, guide, template) = classify::mark_hits(prose, &words);
    classify::Signals {
        title_strong,
        title_weak,
        title_negative,
        sections: report_sections(sections),
        timeline_events,
        times: dates::count_times(prose, classify::TIMES_COUNTED),
        stated_span: dates.stated_span,
        incident_date: dates.stated_date,
        root_cause_heading: fields.root_cause.is_some() && fields.root_cause_from_heading,
        root_cause_prose: fields.root_cause.is_some()
            && !fields.root_cause_from_heading
            && !fields.root_cause_weak,
        narrative: classify::narrative_hits(&words),
        words: prose.split_whitespace().count(),
        assignment,
        guide,
        template: template + task_boxes,
        link_list: (link_items >= 5 && link_items * 4 >= markdown_lines.len())
            || (link_chunks >= 8 && link_chunks * 2 >= chunks.len())
            || most_repeated_section(sections) >= COLLECTION_REPEATS,
        self_reference: classify::calls_itself_a_report(first_chars(prose)),
        actions: classify::action_hits(lines()),
        incident_words: classify::incident_word_hits(&words),
        security: classify::security_hits(&words),
        announcement: classify::announcement_hits(&words),
        first_person_past: classify::first_person_past_hits(&words),
        causal: classify::causal_hits(&words),
        failure: classify::failure_hits(&words),
        placeholders: classify::placeholder_hits(&classify::Folded::new(&document.markdown)),
        live_update: classify::live_update_hits(&words),
    }
}

/// How often the most repeated kind of section heading occurs.
fn most_repeated_section(sections: &[Section<'_>]) -> usize {
    let mut counts: Vec<(Kind, usize)> = Vec::new();
    for kind in sections.iter().filter(|s| s.own).flat_map(|s| s.kinds.iter()) {
        match counts.iter_mut().find(|(k, _)| k == kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((*kind, 1)),
        }
    }
    counts.iter().map(|(_, n)| *n).max().unwrap_or(0)
}

/// Distinct kinds of report section that hold real content (not only questions).
fn report_sections(sections: &[Section<'_>]) -> usize {
    const GROUPS: [&[Kind]; 7] = [
        &[Kind::Summary],
        &[Kind::Impact],
        &[Kind::RootCause, Kind::Trigger, Kind::Contributing],
        &[Kind::Resolution],
        &[Kind::Timeline],
        &[Kind::ActionItems],
        &[Kind::Lessons, Kind::Detection],
    ];
    let mut found = [false; GROUPS.len()];
    for section in sections.iter().filter(|s| s.own) {
        let holds = GROUPS.map(|group| group.iter().any(|k| section.has(*k)));
        // Each section is read at most once, and only for groups not yet found.
        if holds.iter().zip(&found).any(|(h, f)| *h && !*f) && has_statements(section) {
            for (f, h) in found.iter_mut().zip(holds) {
                *f |= h;
            }
        }
    }
    found.iter().filter(|f| **f).count()
}

/// Whether a section holds at least [`MIN_SECTION_CHARS`] characters of statements (not
/// questions). Placeholders (`{who was affected}`) are a template's prompts, not statements.
fn has_statements(section: &Section<'_>) -> bool {
    let text = section.text();
    let text = classify::without_placeholders(&text);
    let mut chars = 0;
    for sentence in text.lines().flat_map(sections::line_sentences) {
        if !sentence.ends_with('?') {
            chars += sentence.len();
            if chars >= MIN_SECTION_CHARS {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::model::Category;

    fn h(level: u8, text: &str) -> Block {
        Block::Heading { level, text: text.into() }
    }
    fn p(text: &str) -> Block {
        Block::Paragraph { text: text.into() }
    }
    fn li(text: &str) -> Block {
        Block::ListItem { text: text.into() }
    }
    fn doc(blocks: Vec<Block>) -> Document {
        let markdown = blocks
            .iter()
            .map(|b| sections::block_text(b).into_owned())
            .collect::<Vec<_>>()
            .join("\n");
        Document { blocks, markdown, ..Document::default() }
    }

    /// The value of the named feature `name` for `document`.
    fn feature(document: &Document, name: &str) -> f32 {
        let at = learned::FEATURE_NAMES.iter().position(|n| *n == name).expect("a named feature");
        features(document, &Hints::default()).named[at]
    }

    #[test]
    fn only_a_cause_stated_by_a_strong_cue_is_a_classifier_signal() {
        let weak = doc(vec![p(
            "Release notes for version 4.2. We shipped it a week later than planned due to the holidays.",
        )]);
        let strong = doc(vec![p(
            "Release notes for version 4.2. The login page was slow on Monday; it was caused by a busy cache node.",
        )]);
        // Both fill the field; only the strong cue counts as a sign of a report.
        assert!(extract(&weak, &Hints::default(), DEFAULT_THRESHOLD).root_cause.is_some());
        assert!(feature(&weak, "root_cause_prose") < 0.5);
        assert!(feature(&strong, "root_cause_prose") > 0.5);
    }

    fn classic() -> Document {
        doc(vec![
            h(1, "Outage Postmortem: Checkout down"),
            h(1, "Issue Summary"),
            h(4, "Duration"),
            p("March 3, 2024, 14:00 - 16:30 (UTC)"),
            h(4, "Impact"),
            p("Checkout was unavailable; 40% of users could not pay and saw 502 errors."),
            h(4, "Root Cause"),
            p("A misconfigured database connection pool after a deploy."),
            h(1, "Timeline"),
            p("14:00: Monitoring alerted the on-call engineer."),
            p("14:20: We identified the connection pool limit."),
            p("15:30: We rolled back the deploy."),
            p("16:30: Service restored."),
            h(1, "Root Cause and Resolution"),
            p(
                "The root cause was a connection pool limit set to 5 by a configuration change. The issue was resolved by rolling back the change.",
            ),
            h(1, "Corrective and Preventative Measures"),
            li("Validate pool settings in CI."),
            li("Alert on pool saturation."),
        ])
    }

    #[test]
    fn classic_template_report() {
        let pm = extract(&classic(), &Hints::default(), DEFAULT_THRESHOLD);
        assert!(pm.is_postmortem, "{:?}", pm.confidence);
        assert!(pm.confidence.is_some_and(|c| c > 0.9));
        assert_eq!(pm.duration_minutes, Some(150));
        assert_eq!(pm.incident_date, chrono::NaiveDate::from_ymd_opt(2024, 3, 3));
        assert_eq!(pm.start.map(|s| s.to_rfc3339()).as_deref(), Some("2024-03-03T14:00:00+00:00"));
        assert_eq!(
            pm.impact.as_deref(),
            Some("Checkout was unavailable; 40% of users could not pay and saw 502 errors.")
        );
        assert_eq!(
            pm.root_cause.as_deref(),
            Some("A misconfigured database connection pool after a deploy.")
        );
        assert_eq!(
            pm.resolution.as_deref(),
            Some("The issue was resolved by rolling back the change.")
        );
        assert_eq!(
            pm.action_items,
            vec!["Validate pool settings in CI.", "Alert on pool saturation."]
        );
        assert_eq!(pm.timeline.len(), 4);
        assert_eq!(pm.timeline[0].time, "2024-03-03T14:00:00Z");
        assert!(
            pm.categories.contains(&Category::ConfigChange)
                && pm.categories.contains(&Category::Database)
        );
        let summary = pm.summary.unwrap_or_default();
        assert!(!summary.is_empty() && summary.chars().count() < 300, "{summary}");
    }

    #[test]
    fn two_reports_in_one_file_yield_the_first() {
        let mut blocks = classic().blocks;
        blocks.extend([
            h(1, "Outage Postmortem: The Second Story"),
            h(1, "Issue Summary"),
            h(4, "Duration"),
            p("April 9, 2024, 09:00 - 09:45 (UTC)"),
            h(4, "Root Cause"),
            p("An expired certificate on the search cluster."),
            h(1, "Timeline"),
            p("09:00: Alerts fired."),
            p("09:45: Certificate renewed."),
            h(1, "Corrective and Preventative Measures"),
            li("Renew certificates automatically."),
        ]);
        let pm = extract(&doc(blocks), &Hints::default(), DEFAULT_THRESHOLD);
        assert_eq!(pm.duration_minutes, Some(150));
        assert_eq!(pm.timeline.len(), 4);
        assert_eq!(pm.action_items.len(), 2);
        assert!(!pm.categories.contains(&Category::Certificate));
    }

    #[test]
    fn a_vouched_report_is_extracted_without_the_classifier() {
        let asked = extract(&classic(), &Hints::default(), DEFAULT_THRESHOLD);
        let vouched = extract_vouched(&classic(), &Hints::default());
        assert!(asked.confidence.is_some());
        assert_eq!((vouched.confidence, vouched.is_postmortem), (None, true));
        // Every field is the same: only the classifier's word is left out.
        assert_eq!(Postmortem { confidence: None, is_postmortem: true, ..asked }, vouched);
    }

    #[test]
    fn threshold_is_a_parameter() {
        let pm = extract(&classic(), &Hints::default(), 1.01);
        assert!(!pm.is_postmortem);
    }

    #[test]
    fn hints_fill_what_the_text_does_not_say() {
        let hints = Hints {
            title: Some("Feed title".into()),
            company: Some("Acme".into()),
            url: Some("https://acme.example/pm".into()),
            ..Hints::default()
        };
        let pm = extract(&doc(vec![p("Nothing here.")]), &hints, DEFAULT_THRESHOLD);
        assert_eq!(pm.title.as_deref(), Some("Feed title"));
        assert_eq!(pm.company.as_deref(), Some("Acme"));
        assert_eq!(pm.url.as_deref(), Some("https://acme.example/pm"));
        assert!(!pm.is_postmortem);
    }

    #[test]
    fn company_from_the_site_as_the_text_spells_it() {
        let mut document = doc(vec![
            h(1, "API outage"),
            p("On May 3 the OpenAI API returned errors. OpenAI engineers rolled back."),
        ]);
        document.url = Some("https://status.openai.com/incidents/abc".into());
        let pm = extract(&document, &Hints::default(), DEFAULT_THRESHOLD);
        assert_eq!(pm.company.as_deref(), Some("OpenAI"));
        // Not named in the text: the site's name, capitalised.
        document.url = Some("https://blog.example-cloud.co.uk/post".into());
        let pm = extract(&document, &Hints::default(), DEFAULT_THRESHOLD);
        assert_eq!(pm.company.as_deref(), Some("Example-cloud"));
        // A shared host names no company; the source's hint wins over the text.
        document.url = Some("https://github.com/acme/postmortems/blob/main/x.md".into());
        assert_eq!(extract(&document, &Hints::default(), DEFAULT_THRESHOLD).company, None);
        let hints = Hints { company: Some("Acme".into()), ..Hints::default() };
        assert_eq!(extract(&document, &hints, DEFAULT_THRESHOLD).company.as_deref(), Some("Acme"));
    }

    fn rejected(document: &Document) -> f32 {
        let pm = extract(document, &Hints::default(), DEFAULT_THRESHOLD);
        assert!(!pm.is_postmortem, "confidence {:?}", pm.confidence);
        pm.confidence.expect("extract asks the classifier")
    }

    #[test]
    fn template_is_rejected() {
        rejected(&doc(vec![
            h(1, "Incident title - DD/MM/YYYY"),
            h(2, "Incident Lead:"),
            h(2, "Timeline summary"),
            p("_To be done pre-meeting. Give a play-by-play of what happened, with times._"),
            h(2, "Identified cause (to be done pre-meeting)"),
            p("_To be done pre-meeting. Give a summary of what caused the incident._"),
            h(3, "Detection"),
            p("Did you detect the incident automatically? Did your alarms fire?"),
            h(3, "Recovery"),
            p("What did you need to do to fix the issue? Can these steps be automated?"),
            h(2, "Follow-ups"),
            p("Copy these from incident.io pre-meeting"),
        ]));
    }

    #[test]
    fn guide_is_rejected() {
        rejected(&doc(vec![
            h(1, "Writing an Effective Postmortem"),
            h(2, "Introduction"),
            p(
                "A postmortem is a crucial tool for learning from incidents. This README provides guidance on how to write a good postmortem.",
            ),
            h(2, "Key Components of a Postmortem"),
            li("Timeline of Events: Lay out a chronological sequence of events, with timestamps."),
            li("Impact Assessment: Describe the impact of the incident on customers."),
            li("Root Cause Analysis: Identify the underlying causes of the incident."),
            h(2, "Tips for Writing a Good Postmortem"),
            li("Be Objective: Focus on facts rather than blame."),
        ]));
    }

    #[test]
    fn assignment_text_is_rejected() {
        rejected(&doc(vec![
            h(1, "0x19. Postmortem"),
            p(
                "Using one of the web stack debugging project issues or an outage you have personally faced, write a postmortem. Most of you will never have faced an outage, so just get creative and invent your own.",
            ),
            h(4, "Requirements"),
            p(
                "Issue Summary (that is often what executives will read) must contain: duration of the outage with start and end times (including timezone), what was the impact, what was the root cause.",
            ),
            h(4, "Timeline must contain"),
            p(
                "when was the issue detected, how was the issue detected, actions taken, how the incident was resolved.",
            ),
            h(4, "Root cause and resolution must contain"),
            p("explain in detail what was causing the issue and how the issue was fixed."),
            h(4, "Corrective and preventative measures must contain"),
            p("what are the things that can be improved, a list of tasks to address the issue."),
            h(4, "Add URLs here"),
            p("GitHub repository: alx-system_engineering-devops"),
        ]));
    }

    #[test]
    fn stub_and_link_only_are_rejected() {
        rejected(&doc(vec![p("a README for this directory")]));
        rejected(&doc(vec![
            h(1, "Postmortem task"),
            p("Medium Link - https://medium.com/@someone/postmortem-dbd466a2dc0c"),
        ]));
    }

    #[test]
    fn curated_list_is_rejected() {
        let mut blocks = vec![
            h(1, "Awesome-Postmortems"),
            p(
                "Postmortems are writeups posted by engineering organizations when something has gone wrong and explain the root cause.",
            ),
            h(2, "Postmortems"),
        ];
        let mut markdown = String::from("# Awesome-Postmortems\n\n## Postmortems\n");
        for (i, company) in
            ["Resend", "OpenAI", "Discord", "Cloudflare", "GitHub", "Slack"].iter().enumerate()
        {
            blocks.push(li(&format!("0{}-21-2024 - {company} outage", i + 1)));
            blocks.push(li("A failed database migration caused the production tables to be dropped; the API was unavailable."));
            let _ = writeln!(
                markdown,
                "- 0{}-21-2024 - [{company} outage](https://example.com/{i})\n  - A failed migration.",
                i + 1
            );
        }
        let document = Document { blocks, markdown, ..Document::default() };
        rejected(&document);
    }

    #[test]
    fn product_post_mentioning_an_outage_is_rejected() {
        rejected(&doc(vec![
            h(1, "Introducing faster search"),
            p(
                "Over the last six months we moved search indexing from Elasticsearch to a new engine written in Rust.",
            ),
            p(
                "The biggest win was p99 latency, which dropped by 40%. Engineers now spend less time waiting on re-indexing.",
            ),
            p(
                "Last year an outage of the old cluster reminded us how fragile the old setup was, so reliability was a goal from day one.",
            ),
            h(2, "What's next"),
            p(
                "We will open-source the tooling. If problems like this sound interesting, we are hiring.",
            ),
        ]));
    }

    #[test]
    fn prescreen_is_exported() {
        assert!(prescreen(Some("Incident report: API outage"), None) >= PRESCREEN_THRESHOLD);
        assert!(prescreen(Some("Engineering update: March"), None) < PRESCREEN_THRESHOLD);
    }
}
