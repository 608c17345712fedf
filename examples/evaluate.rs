//! Evaluates postmortem extraction against the hand labels in `eval/labels.tsv`.
//!
//! ```text
//! cargo run --release --example evaluate                 # the scores
//! cargo run --release --example evaluate -- --verbose    # plus one line per document
//! cargo run --release --example evaluate -- --dump seeds/001_1d27c3e77ac300e1.txt
//! ```
//!
//! Documents are read from `../shared/corpus` (or `$PMAGG_CORPUS`, or `--corpus DIR`); when
//! the corpus is absent the evaluation says so and exits 0. See `eval/README.md`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use pmagg::extract::{DEFAULT_THRESHOLD, extract};
use pmagg::model::{Document, Hints, Postmortem};
use pmagg::parse::document::parse_document;

mod common;

use common::{Confusion, ratio};

/// One labelled document.
struct Label {
    path: String,
    is_postmortem: bool,
    incident_date: Option<NaiveDate>,
    root_cause: bool,
    duration: Option<u32>,
    note: String,
}

/// Which acceptance set a document belongs to.
fn in_core_set(path: &str) -> bool {
    path.starts_with("postmortems/students/")
        || path.starts_with("postmortems/companies/")
        || path.starts_with("pages/readability/")
}

fn percent(a: usize, b: usize) -> String {
    format!("{a}/{b} = {:.1}%", 100.0 * ratio(a, b))
}

fn main() -> ExitCode {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = std::env::var_os("PMAGG_CORPUS")
        .map_or_else(|| manifest.join("../shared/corpus"), PathBuf::from);
    let mut verbose = false;
    let mut dump = None;
    let mut fields = false;
    let mut threshold = DEFAULT_THRESHOLD;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--verbose" | "-v" => verbose = true,
            "--fields" => fields = true,
            "--corpus" => corpus = args.next().map_or(corpus, PathBuf::from),
            "--dump" => dump = args.next(),
            "--threshold" => {
                threshold = args.next().and_then(|t| t.parse().ok()).unwrap_or(threshold);
            }
            other => {
                eprintln!(
                    "unknown argument {other}; see the comment at the top of examples/evaluate.rs"
                );
                return ExitCode::from(2);
            }
        }
    }
    if !corpus.is_dir() {
        println!("corpus not found at {}: evaluation skipped", corpus.display());
        return ExitCode::SUCCESS;
    }
    if let Some(path) = dump {
        return dump_one(&corpus, &path, threshold);
    }
    let labels = match read_labels(&manifest.join("eval/labels.tsv")) {
        Ok(labels) => labels,
        Err(e) => {
            eprintln!("cannot read eval/labels.tsv: {e}");
            return ExitCode::FAILURE;
        }
    };
    evaluate(&corpus, &labels, threshold, verbose);
    evaluate_real(&corpus, threshold, verbose, fields);
    ExitCode::SUCCESS
}

fn read_labels(path: &Path) -> std::io::Result<Vec<Label>> {
    let text = std::fs::read_to_string(path)?;
    let mut labels = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let col = |i: usize| cols.get(i).copied().unwrap_or("").trim();
        labels.push(Label {
            path: col(0).to_owned(),
            is_postmortem: col(1) == "1",
            incident_date: NaiveDate::parse_from_str(col(2), "%Y-%m-%d").ok(),
            root_cause: col(3) == "y",
            duration: col(4).parse().ok(),
            note: col(5).to_owned(),
        });
    }
    Ok(labels)
}

fn content_type(path: &str) -> &'static str {
    Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .and_then(pmagg::parse::document::content_type_for_extension)
        .unwrap_or("text/plain")
}

fn run(corpus: &Path, path: &str, threshold: f32) -> Option<(Document, Postmortem)> {
    let body = std::fs::read(corpus.join(path)).ok()?;
    let document = parse_document(&body, Some(content_type(path)), None, None);
    // The entry's link, as the pipeline would give it: a file in a repository is linked by its
    // path, which often carries the date (`2024-02-28-decide_is_down.md`).
    let hints = Hints {
        url: url::Url::from_file_path(corpus.join(path)).ok().map(String::from),
        ..Hints::default()
    };
    let postmortem = extract(&document, &hints, threshold);
    Some((document, postmortem))
}

fn dump_one(corpus: &Path, path: &str, threshold: f32) -> ExitCode {
    let Some((document, postmortem)) = run(corpus, path, threshold) else {
        eprintln!("cannot read {}", corpus.join(path).display());
        return ExitCode::FAILURE;
    };
    let json = serde_json::json!({ "document": document, "postmortem": postmortem });
    println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
    ExitCode::SUCCESS
}

fn evaluate(corpus: &Path, labels: &[Label], threshold: f32, verbose: bool) {
    let mut s = Scores::default();
    let mut problems = String::new();
    let mut skipped = 0;
    let started = Instant::now();
    for label in labels {
        let Some((_, pm)) = run(corpus, &label.path, threshold) else {
            println!("skipped (not in the corpus): {}", label.path);
            skipped += 1;
            continue;
        };
        let core_doc = in_core_set(&label.path);
        s.all.add(label.is_postmortem, pm.is_postmortem);
        if core_doc {
            s.core.add(label.is_postmortem, pm.is_postmortem);
        }
        if label.is_postmortem != pm.is_postmortem {
            let _ = writeln!(
                problems,
                "  class    {}: labelled {} got {} (confidence {:.3}) {}",
                label.path,
                label.is_postmortem,
                pm.is_postmortem,
                pm.confidence.unwrap_or(f32::NAN),
                label.note
            );
        }
        if verbose {
            println!(
                "{:<75} {} conf={:.3} date={:?} dur={:?} rc={} cats={:?}",
                label.path,
                u8::from(pm.is_postmortem),
                pm.confidence.unwrap_or(f32::NAN),
                pm.incident_date,
                pm.duration_minutes,
                pm.root_cause.is_some(),
                pm.categories
            );
        }
        if label.is_postmortem {
            s.add_fields(label, &pm, core_doc, &mut problems);
        }
    }
    let elapsed = started.elapsed();
    print_summary(corpus, labels, threshold, skipped, &s);
    println!(
        "time: {:.1} ms for {} documents (parse + extract)",
        elapsed.as_secs_f64() * 1000.0,
        labels.len()
    );
    if !problems.is_empty() {
        println!("misses:\n{problems}");
    }
}

/// The counts the evaluation ends with.
#[derive(Default)]
struct Scores {
    core: Confusion,
    all: Confusion,
    date_ok: usize,
    date_n: usize,
    core_date_ok: usize,
    core_date_n: usize,
    rc_ok: usize,
    rc_n: usize,
    core_rc_ok: usize,
    core_rc_n: usize,
    dur_ok: usize,
    dur_n: usize,
}

impl Scores {
    /// Field scores of one labelled postmortem.
    fn add_fields(
        &mut self,
        label: &Label,
        pm: &Postmortem,
        core_doc: bool,
        problems: &mut String,
    ) {
        if let Some(expected) = label.incident_date {
            let ok = pm.incident_date == Some(expected);
            self.date_n += 1;
            self.date_ok += usize::from(ok);
            if core_doc {
                self.core_date_n += 1;
                self.core_date_ok += usize::from(ok);
            }
            if !ok {
                let _ = writeln!(
                    problems,
                    "  date     {}: labelled {expected} got {:?} {}",
                    label.path, pm.incident_date, label.note
                );
            }
        }
        if label.root_cause {
            let ok = pm.root_cause.is_some();
            self.rc_n += 1;
            self.rc_ok += usize::from(ok);
            if core_doc {
                self.core_rc_n += 1;
                self.core_rc_ok += usize::from(ok);
            }
            if !ok {
                let _ = writeln!(problems, "  cause    {}: none found", label.path);
            }
        }
        if let Some(expected) = label.duration {
            let ok = pm.duration_minutes == Some(expected);
            self.dur_n += 1;
            self.dur_ok += usize::from(ok);
            if !ok {
                let _ = writeln!(
                    problems,
                    "  duration {}: labelled {expected} got {:?} {}",
                    label.path, pm.duration_minutes, label.note
                );
            }
        }
    }
}

fn print_summary(corpus: &Path, labels: &[Label], threshold: f32, skipped: usize, s: &Scores) {
    println!();
    println!(
        "pmagg extraction evaluation ({} labelled documents, {skipped} skipped, threshold {threshold})",
        labels.len()
    );
    println!(
        "{}",
        s.core
            .line("classification, acceptance set (students + companies + readability negatives)")
    );
    println!("{}", s.all.line("classification, all labelled documents (+ seeds, jimmyl02, lists)"));
    println!("incident date accuracy, acceptance set: {}", percent(s.core_date_ok, s.core_date_n));
    println!("incident date accuracy, all:            {}", percent(s.date_ok, s.date_n));
    println!("root cause found, acceptance set:       {}", percent(s.core_rc_ok, s.core_rc_n));
    println!("root cause found, all:                  {}", percent(s.rc_ok, s.rc_n));
    println!("duration accuracy (exact minutes), all: {}", percent(s.dur_ok, s.dur_n));
    println!("seeds:");
    for label in labels.iter().filter(|l| l.path.starts_with("seeds/")) {
        if let Some((_, pm)) = run(corpus, &label.path, threshold) {
            println!(
                "  {}: is_postmortem={} confidence={:.3} duration={:?} impact={} root_cause={} action_items={}",
                label.path,
                pm.is_postmortem,
                pm.confidence.unwrap_or(f32::NAN),
                pm.duration_minutes,
                pm.impact.is_some(),
                pm.root_cause.is_some(),
                pm.action_items.len()
            );
        }
    }
    main_content(corpus);
}

/// Readability pages: how much of the expected main content our markdown holds, as a
/// word-multiset F1 against `expected.html`.
fn main_content(corpus: &Path) {
    let dir = corpus.join("pages/readability");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.sort();
    let mut scores = Vec::new();
    for page in names {
        let (Ok(source), Ok(expected)) = (
            std::fs::read(page.join("source.html")),
            std::fs::read_to_string(page.join("expected.html")),
        ) else {
            continue;
        };
        let document = parse_document(&source, Some("text/html"), None, None);
        let expected_text = scraper::Html::parse_fragment(&expected)
            .root_element()
            .text()
            .collect::<Vec<_>>()
            .join(" ");
        let got = words(&document.markdown);
        let want = words(&expected_text);
        let common: usize =
            want.iter().map(|(w, n)| (*n).min(got.get(w).copied().unwrap_or(0))).sum();
        let (got_n, want_n) = (got.values().sum::<usize>(), want.values().sum::<usize>());
        let precision = ratio(common, got_n);
        let recall = ratio(common, want_n);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        scores.push(f1);
        println!(
            "  main content {:<22} precision={precision:.3} recall={recall:.3} F1={f1:.3}",
            page.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        );
    }
    if !scores.is_empty() {
        println!(
            "main content (readability pages): mean word F1 = {:.3}",
            scores.iter().sum::<f64>() / scores.len() as f64
        );
    }
}

fn words(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

// ---------------------------------------------------------------------------------------
// real/labels.jsonl: field-level scores over real postmortems of 32 organisations

/// One document of `real/labels.jsonl`; every list holds the label first, then its `alt`s.
struct RealLabel {
    path: String,
    org: String,
    is_postmortem: bool,
    incident_date: Vec<NaiveDate>,
    duration: Vec<u32>,
    impact: Option<String>,
    root_cause: Option<String>,
    resolution: Option<String>,
    timeline: Vec<usize>,
    actions: Vec<usize>,
}

fn read_real_labels(path: &Path) -> std::io::Result<Vec<RealLabel>> {
    let text = std::fs::read_to_string(path)?;
    let mut labels = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let alt = |key: &str| -> Vec<serde_json::Value> {
            let mut out: Vec<serde_json::Value> =
                v.get(key).filter(|x| !x.is_null()).cloned().into_iter().collect();
            if let Some(values) = v.get("alt").and_then(|a| a.get(key)).and_then(|a| a.as_array()) {
                out.extend(values.iter().filter(|x| !x.is_null()).cloned());
            }
            out
        };
        let text = |key: &str| v.get(key).and_then(|x| x.as_str()).map(str::to_owned);
        let count = |x: &serde_json::Value| x.as_u64().and_then(|n| usize::try_from(n).ok());
        labels.push(RealLabel {
            path: text("path").unwrap_or_default(),
            org: text("org").unwrap_or_default(),
            is_postmortem: v.get("is_postmortem").and_then(serde_json::Value::as_bool)
                == Some(true),
            incident_date: alt("incident_date")
                .iter()
                .filter_map(|d| NaiveDate::parse_from_str(d.as_str()?, "%Y-%m-%d").ok())
                .collect(),
            duration: alt("duration_minutes")
                .iter()
                .filter_map(|d| d.as_u64().and_then(|n| u32::try_from(n).ok()))
                .collect(),
            impact: text("impact"),
            root_cause: text("root_cause"),
            resolution: text("resolution"),
            timeline: alt("timeline_count").iter().filter_map(count).collect(),
            actions: alt("action_items_count").iter().filter_map(count).collect(),
        });
    }
    Ok(labels)
}

/// Words that carry no content; left out of token-F1 so that "the", "was" and "of" do not
/// make two unrelated sentences look alike.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "for", "from",
    "had", "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "me", "more", "most", "my", "no", "not", "of", "on", "one", "only", "or", "other", "our",
    "out", "over", "she", "so", "some", "such", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "those", "to", "up", "us", "was", "we", "were", "what",
    "when", "which", "while", "who", "will", "with", "would", "you", "your",
];

/// Lowercase word tokens without stopwords.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect()
}

/// Bag-of-words F1 between an extracted text and a paraphrase.
fn token_f1(got: &str, want: &str) -> f64 {
    let (got, want) = (tokens(got), tokens(want));
    if got.is_empty() || want.is_empty() {
        return 0.0;
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for w in &want {
        *counts.entry(w).or_insert(0) += 1;
    }
    let mut common: usize = 0;
    for w in &got {
        if let Some(n) = counts.get_mut(w.as_str())
            && *n > 0
        {
            *n -= 1;
            common += 1;
        }
    }
    if common == 0 {
        return 0.0;
    }
    let precision = common as f64 / got.len() as f64;
    let recall = common as f64 / want.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

/// A count is right when it is within 20% of a labelled one (at least ±1), and a labelled 0
/// must be 0.
fn count_ok(got: usize, wants: &[usize]) -> bool {
    wants.iter().any(|&want| {
        let tolerance = if want == 0 { 0.0 } else { (want as f64 * 0.2).max(1.0) };
        (got as f64 - want as f64).abs() <= tolerance
    })
}

/// A duration is right when it is within 10% of a labelled one (at least ±2 minutes).
fn duration_ok(got: Option<u32>, wants: &[u32]) -> bool {
    got.is_some_and(|got| {
        wants.iter().any(|&want| {
            let tolerance = (f64::from(want) * 0.1).max(2.0);
            (f64::from(got) - f64::from(want)).abs() <= tolerance
        })
    })
}

/// Sums of one group of documents (all, or one organisation).
#[derive(Default, Clone)]
struct FieldScores {
    docs: usize,
    date: (usize, usize),
    duration: (usize, usize),
    duration_exact: usize,
    root_cause: (f64, usize),
    impact: (f64, usize),
    resolution: (f64, usize),
    /// Labels that say "none": (output also none, total).
    nulls: (usize, usize),
    timeline: (usize, usize),
    timeline_exact: usize,
    actions: (usize, usize),
    actions_exact: usize,
}

impl FieldScores {
    fn add(&mut self, label: &RealLabel, pm: &Postmortem) {
        self.docs += 1;
        if !label.incident_date.is_empty() {
            self.date.1 += 1;
            self.date.0 +=
                usize::from(pm.incident_date.is_some_and(|d| label.incident_date.contains(&d)));
        }
        if !label.duration.is_empty() {
            self.duration.1 += 1;
            self.duration.0 += usize::from(duration_ok(pm.duration_minutes, &label.duration));
            self.duration_exact +=
                usize::from(pm.duration_minutes.is_some_and(|d| label.duration.contains(&d)));
        }
        for (want, got, sum) in [
            (&label.root_cause, &pm.root_cause, &mut self.root_cause),
            (&label.impact, &pm.impact, &mut self.impact),
            (&label.resolution, &pm.resolution, &mut self.resolution),
        ] {
            match want {
                Some(want) => {
                    sum.0 += got.as_deref().map_or(0.0, |g| token_f1(g, want));
                    sum.1 += 1;
                }
                None => {
                    self.nulls.1 += 1;
                    self.nulls.0 += usize::from(got.is_none());
                }
            }
        }
        if !label.timeline.is_empty() {
            self.timeline.1 += 1;
            self.timeline.0 += usize::from(count_ok(pm.timeline.len(), &label.timeline));
            self.timeline_exact += usize::from(label.timeline.contains(&pm.timeline.len()));
        }
        if !label.actions.is_empty() {
            self.actions.1 += 1;
            self.actions.0 += usize::from(count_ok(pm.action_items.len(), &label.actions));
            self.actions_exact += usize::from(label.actions.contains(&pm.action_items.len()));
        }
    }

    fn mean(sum: (f64, usize)) -> f64 {
        if sum.1 == 0 { 0.0 } else { sum.0 / sum.1 as f64 }
    }

    /// Mean F1 counting "none" labels too: 1 when the output is also none, else 0.
    fn mean_with_nulls(&self) -> f64 {
        let n = self.root_cause.1 + self.impact.1 + self.resolution.1 + self.nulls.1;
        let sum = self.root_cause.0 + self.impact.0 + self.resolution.0 + self.nulls.0 as f64;
        if n == 0 { 0.0 } else { sum / n as f64 }
    }

    fn print(&self) {
        println!("  incident date accuracy:                {}", percent(self.date.0, self.date.1));
        println!(
            "  duration accuracy (within 10%):        {}   (exact: {})",
            percent(self.duration.0, self.duration.1),
            percent(self.duration_exact, self.duration.1)
        );
        println!(
            "  token-F1 root cause / impact / resolution: {:.3} / {:.3} / {:.3}   (n = {} / {} / {})",
            Self::mean(self.root_cause),
            Self::mean(self.impact),
            Self::mean(self.resolution),
            self.root_cause.1,
            self.impact.1,
            self.resolution.1
        );
        println!(
            "  \"none\" labels left empty:              {}   (mean F1 of the three with them: {:.3})",
            percent(self.nulls.0, self.nulls.1),
            self.mean_with_nulls()
        );
        println!(
            "  timeline count accuracy (within 20%):  {}   (exact: {})",
            percent(self.timeline.0, self.timeline.1),
            percent(self.timeline_exact, self.timeline.1)
        );
        println!(
            "  action item count accuracy (within 20%): {}   (exact: {})",
            percent(self.actions.0, self.actions.1),
            percent(self.actions_exact, self.actions.1)
        );
    }

    fn org_line(&self, org: &str) -> String {
        format!(
            "  {org:<45} n={:<2} date={}/{} dur={}/{} rc={:.2} imp={:.2} res={:.2} tl={}/{} ai={}/{}",
            self.docs,
            self.date.0,
            self.date.1,
            self.duration.0,
            self.duration.1,
            Self::mean(self.root_cause),
            Self::mean(self.impact),
            Self::mean(self.resolution),
            self.timeline.0,
            self.timeline.1,
            self.actions.0,
            self.actions.1,
        )
    }
}

/// Field scores over the labelled postmortems of `real/`; per organisation with `verbose`,
/// and every field of every document with `fields`.
fn evaluate_real(corpus: &Path, threshold: f32, verbose: bool, fields: bool) {
    let path = corpus.join("real/labels.jsonl");
    let labels = match read_real_labels(&path) {
        Ok(labels) => labels,
        Err(e) => {
            println!("real/labels.jsonl not readable ({e}): field evaluation skipped");
            return;
        }
    };
    let mut all = FieldScores::default();
    let mut by_org: Vec<(String, FieldScores)> = Vec::new();
    let mut classified = Confusion::default();
    for label in &labels {
        let rel = format!("real/{}", label.path);
        let Some((_, pm)) = run(corpus, &rel, threshold) else {
            println!("skipped (not in the corpus): {rel}");
            continue;
        };
        classified.add(label.is_postmortem, pm.is_postmortem);
        if !label.is_postmortem {
            continue;
        }
        all.add(label, &pm);
        match by_org.iter_mut().find(|(o, _)| *o == label.org) {
            Some((_, s)) => s.add(label, &pm),
            None => {
                let mut s = FieldScores::default();
                s.add(label, &pm);
                by_org.push((label.org.clone(), s));
            }
        }
        if fields {
            print_fields(label, &pm);
        }
    }
    println!();
    println!(
        "real/labels.jsonl: {} documents, {} labelled postmortems of {} organisations",
        labels.len(),
        all.docs,
        by_org.len()
    );
    println!("{}", classified.line("  classification (real)"));
    all.print();
    if verbose {
        println!("per organisation:");
        by_org.sort_by(|a, b| a.0.cmp(&b.0));
        for (org, s) in &by_org {
            println!("{}", s.org_line(org));
        }
    }
}

fn print_fields(label: &RealLabel, pm: &Postmortem) {
    let show = |o: Option<&str>| o.map_or("-".to_owned(), |s| s.chars().take(300).collect());
    println!("== {} ({})", label.path, label.org);
    println!("   title: {}", show(pm.title.as_deref()));
    println!("   date: {:?} want {:?}", pm.incident_date, label.incident_date);
    println!("   duration: {:?} want {:?}", pm.duration_minutes, label.duration);
    for (name, got, want) in [
        ("root cause", &pm.root_cause, &label.root_cause),
        ("impact", &pm.impact, &label.impact),
        ("resolution", &pm.resolution, &label.resolution),
    ] {
        let f1 = match (got, want) {
            (Some(g), Some(w)) => token_f1(g, w),
            (None, None) => 1.0,
            _ => 0.0,
        };
        println!(
            "   {name} F1={f1:.2}\n     got:  {}\n     want: {}",
            show(got.as_deref()),
            show(want.as_deref())
        );
    }
    println!("   summary: {}", show(pm.summary.as_deref()));
    println!(
        "   timeline: {} want {:?}; action items: {} want {:?}",
        pm.timeline.len(),
        label.timeline,
        pm.action_items.len(),
        label.actions
    );
}
