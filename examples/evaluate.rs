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

#[derive(Default)]
struct Confusion {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
}

impl Confusion {
    fn add(&mut self, truth: bool, predicted: bool) {
        match (truth, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    fn line(&self, name: &str) -> String {
        let precision = ratio(self.tp, self.tp + self.fp);
        let recall = ratio(self.tp, self.tp + self.fn_);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        format!(
            "{name}: n={} tp={} fp={} fn={} tn={}  precision={precision:.3} recall={recall:.3} F1={f1:.3}",
            self.tp + self.fp + self.fn_ + self.tn,
            self.tp,
            self.fp,
            self.fn_,
            self.tn
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
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
    let mut threshold = DEFAULT_THRESHOLD;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--verbose" | "-v" => verbose = true,
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
    match Path::new(path).extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html",
        Some("md") => "text/markdown",
        _ => "text/plain",
    }
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
                label.path, label.is_postmortem, pm.is_postmortem, pm.confidence, label.note
            );
        }
        if verbose {
            println!(
                "{:<75} {} conf={:.3} date={:?} dur={:?} rc={} cats={:?}",
                label.path,
                u8::from(pm.is_postmortem),
                pm.confidence,
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
                pm.confidence,
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
