//! Fits the postmortem classifier on the labelled corpus and writes its weights.
//!
//! ```text
//! cargo run --release --example train                # cross-validate, fit, write the weights
//! cargo run --release --example train -- --check     # cross-validate only; write nothing
//! cargo run --release --example train -- --compare   # also: the other choice of hashed words,
//!                                                    # and the weights the binary embeds now
//! cargo run --release --example train -- --explain real/x.md  # one document's features
//! ```
//!
//! Labels: `eval/labels.tsv` (paths relative to the corpus) and the corpus's
//! `real/labels.jsonl` (160 documents of 32 organisations). Documents are read from
//! `../shared/corpus` (or `$PMAGG_CORPUS`, or `--corpus DIR`); without it the command says so
//! and exits 0.
//!
//! The model is a logistic regression over the named signals of `pmagg::extract` (scaled to
//! 0..1), fitted by full-batch gradient descent with an L2 penalty. Options try the
//! alternatives that lost on the organisation-split folds (eval/README.md): `--hashed` adds
//! the hashed words of each document's title and headings, `--balanced` weighs both classes
//! equally. The L2 penalty and how much an organisation's many documents are weighed down
//! (the group power) are chosen by the organisation-split cross-validation itself, from a
//! small grid (`GRID`); `--lambda X` and `--group-power X` fix them instead. `--nested`
//! makes that choice inside each training split, which gives the figure that does not
//! flatter it. Everything is computed in a fixed order in f64 without randomness, so
//! training twice writes the same bytes.
//!
//! Cross-validation splits by **organisation**, never by document: every document has a
//! group (its organisation, the student assignment, the curated list, the web site), and a
//! group's documents are all in the same fold, so no organisation is in train and test at
//! once. The figures it prints are those eval/README.md records.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pmagg::extract::{FEATURE_NAMES, Features, HASH_BUCKETS, NAMED, Weights, features};
use pmagg::model::Hints;
use pmagg::parse::document::parse_document;

mod common;

use common::Confusion;

/// Folds of the organisation-split cross-validation.
const FOLDS: usize = 8;
/// Gradient steps per fit.
const STEPS: usize = 4000;
/// Where the weights go, relative to the repository.
const WEIGHTS: &str = "src/extract/weights.tsv";

/// One labelled document and what the classifier sees of it.
#[derive(Clone)]
struct Example {
    path: String,
    group: String,
    real: bool,
    label: bool,
    features: Features,
}

/// The command line: each flag is one switch of the command.
#[allow(clippy::struct_excessive_bools, reason = "each flag is one command-line switch")]
struct Options {
    corpus: PathBuf,
    check: bool,
    compare: bool,
    verbose: bool,
    explain: Option<String>,
    ablate: bool,
    nested: bool,
    setup: Setup,
    /// The penalty and group power given on the command line; what is not given is chosen
    /// by cross-validation over [`GRID`].
    fixed: Fixed,
}

/// Hyperparameters fixed on the command line (`--lambda`, `--group-power`).
#[derive(Clone, Copy, Default)]
struct Fixed {
    lambda: Option<f64>,
    group_power: Option<f64>,
}

fn parse_args(manifest: &Path) -> Result<Options, String> {
    let mut options = Options {
        corpus: std::env::var_os("PMAGG_CORPUS")
            .map_or_else(|| manifest.join("../shared/corpus"), PathBuf::from),
        check: false,
        compare: false,
        verbose: false,
        explain: None,
        ablate: false,
        nested: false,
        setup: Setup { hashed: false, lambda: GRID[0].0, balanced: false, group_power: GRID[0].1 },
        fixed: Fixed::default(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => options.check = true,
            "--compare" => options.compare = true,
            "--verbose" | "-v" => options.verbose = true,
            "--corpus" => options.corpus = args.next().map_or(options.corpus, PathBuf::from),
            "--explain" => options.explain = args.next(),
            "--balanced" => options.setup.balanced = true,
            "--ablate" => options.ablate = true,
            "--nested" => options.nested = true,
            "--hashed" => options.setup.hashed = true,
            "--group-power" => {
                let value = args.next().unwrap_or_default();
                options.fixed.group_power =
                    Some(value.parse().map_err(|e| format!("--group-power {value:?}: {e}"))?);
            }
            "--lambda" => {
                let value = args.next().unwrap_or_default();
                options.fixed.lambda =
                    Some(value.parse().map_err(|e| format!("--lambda {value:?}: {e}"))?);
            }
            other => {
                return Err(format!(
                    "unknown argument {other}; see the comment at the top of examples/train.rs"
                ));
            }
        }
    }
    Ok(options)
}

/// Prints one document's features and what the embedded weights make of them.
fn explain_one(corpus: &Path, path: &str) -> ExitCode {
    let Some(features) = read_features(corpus, path) else {
        eprintln!("cannot read {}", corpus.join(path).display());
        return ExitCode::FAILURE;
    };
    match Weights::from_tsv(include_str!("../src/extract/weights.tsv")) {
        Ok(weights) => {
            let explanation = weights.explain(&features);
            println!("confidence {:.3}, bias {:+.3}", explanation.confidence, explanation.bias);
            for c in explanation.contributions {
                println!("  {:<20} value {:.3}  {:+.3}", c.signal, c.value, c.contribution);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("src/extract/weights.tsv: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let Options { corpus, check, compare, verbose, explain, ablate, nested, setup, fixed } =
        match parse_args(&manifest) {
            Ok(options) => options,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
    if !corpus.is_dir() {
        println!("corpus not found at {}: training skipped", corpus.display());
        return ExitCode::SUCCESS;
    }
    if let Some(path) = explain {
        return explain_one(&corpus, &path);
    }
    let examples = match read_examples(&manifest, &corpus) {
        Ok(examples) => examples,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let groups: std::collections::BTreeSet<&str> =
        examples.iter().map(|e| e.group.as_str()).collect();
    let positives = examples.iter().filter(|e| e.label).count();
    println!(
        "{} labelled documents ({positives} postmortems, {} not) in {} groups; {FOLDS} folds split by organisation",
        examples.len(),
        examples.len() - positives,
        groups.len()
    );
    let folds = assign_folds(&examples);

    let (setup, predictions) = choose(&examples, &folds, setup, fixed);
    report(&format!("cross-validated, {}", setup.describe()), &examples, &predictions);
    if compare {
        let other = Setup { hashed: !setup.hashed, ..setup };
        let other_predictions = cross_validate(&examples, &folds, other);
        report(&format!("cross-validated, {}", other.describe()), &examples, &other_predictions);
        let embedded: Vec<f64> =
            examples.iter().map(|e| f64::from(pmagg_confidence(&e.features))).collect();
        report(
            "embedded weights (not cross-validated: fitted on these documents)",
            &examples,
            &embedded,
        );
    }
    if ablate {
        ablation(&examples, &folds, setup);
    }
    if nested {
        let predictions = nested_cross_validate(&examples, &folds, setup, fixed);
        report(
            "nested cross-validation (penalty and group power chosen inside each training split)",
            &examples,
            &predictions,
        );
    }
    if compare {
        print_thresholds(&examples, &predictions);
    }
    if verbose {
        for (example, p) in examples.iter().zip(&predictions) {
            let wrong = (*p >= 0.5) != example.label;
            println!(
                "{} {:.3} {:<5} {:<28} {}",
                if wrong { "MISS" } else { "    " },
                p,
                example.label,
                example.group,
                example.path
            );
        }
    }
    if check {
        return ExitCode::SUCCESS;
    }
    write_weights(&manifest, &examples, groups.len(), setup)
}

/// Fits on every document and writes the weights file (only when it changed).
fn write_weights(manifest: &Path, examples: &[Example], groups: usize, setup: Setup) -> ExitCode {
    let weights = fit(examples, &vec![true; examples.len()], setup);
    let header = format!(
        "The postmortem classifier: logistic regression over the named signals of\n\
         src/extract/classify.rs (and hashed title and heading words when trained with them).\n\
         Written by `cargo run --release --example train` from eval/labels.tsv and\n\
         real/labels.jsonl ({} documents, {groups} groups); do not edit by hand.\n\
         {}, {STEPS} gradient steps.",
        examples.len(),
        setup.describe()
    );
    let text = weights.to_tsv(&header);
    let path = manifest.join(WEIGHTS);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    if old == text {
        println!("{WEIGHTS}: unchanged");
    } else if let Err(e) = std::fs::write(&path, &text) {
        eprintln!("cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    } else {
        println!("{WEIGHTS}: written; rebuild for the binary to embed it");
    }
    print_weights(&weights);
    ExitCode::SUCCESS
}

/// The embedded model's confidence (what the binary would say).
fn pmagg_confidence(features: &Features) -> f32 {
    pmagg::extract::Weights::from_tsv(include_str!("../src/extract/weights.tsv"))
        .map_or(0.0, |w| w.confidence(features))
}

/// What a fit uses.
#[derive(Clone, Copy, Debug)]
struct Setup {
    hashed: bool,
    lambda: f64,
    balanced: bool,
    group_power: f64,
}

impl Setup {
    fn describe(self) -> String {
        format!(
            "{}, L2 penalty {}, {} class weights, group power {}",
            if self.hashed { "named signals + heading words" } else { "named signals only" },
            self.lambda,
            if self.balanced { "balanced" } else { "natural" },
            self.group_power
        )
    }
}

fn read_examples(manifest: &Path, corpus: &Path) -> Result<Vec<Example>, String> {
    let mut examples = Vec::new();
    let tsv_path = manifest.join("eval/labels.tsv");
    let tsv = std::fs::read_to_string(&tsv_path)
        .map_err(|e| format!("cannot read {}: {e}", tsv_path.display()))?;
    for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut cols = line.split('\t');
        let path = cols.next().unwrap_or("").trim().to_owned();
        let label = cols.next().unwrap_or("").trim() == "1";
        let group = group_of(&path);
        if let Some(features) = read_features(corpus, &path) {
            examples.push(Example { path, group, real: false, label, features });
        } else {
            eprintln!("skipped (not in the corpus): {path}");
        }
    }
    let jsonl_path = corpus.join("real/labels.jsonl");
    let jsonl = std::fs::read_to_string(&jsonl_path)
        .map_err(|e| format!("cannot read {}: {e}", jsonl_path.display()))?;
    for (number, line) in jsonl.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let value: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("{}:{}: {e}", jsonl_path.display(), number + 1))?;
        let (Some(path), Some(label), Some(org)) =
            (value["path"].as_str(), value["is_postmortem"].as_bool(), value["org"].as_str())
        else {
            return Err(format!(
                "{}:{}: path, is_postmortem or org missing",
                jsonl_path.display(),
                number + 1
            ));
        };
        let path = format!("real/{path}");
        if let Some(features) = read_features(corpus, &path) {
            examples.push(Example {
                path,
                group: format!("org:{org}"),
                real: true,
                label,
                features,
            });
        } else {
            eprintln!("skipped (not in the corpus): {path}");
        }
    }
    Ok(examples)
}

/// The organisation (or the author, list or site) of a document of eval/labels.tsv. The
/// student reports answer one assignment and the four seed reports follow the same
/// template, so they are one group: a fold never sees the template in training and test.
fn group_of(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["seeds", name] if name.starts_with("000_") => "list:jimmyl02".to_owned(),
        ["postmortems", "students", ..] | ["seeds", ..] => "students".to_owned(),
        ["lists", name] if name.starts_with("jimmyl02") => "list:jimmyl02".to_owned(),
        ["lists", name] => format!("list:{name}"),
        ["postmortems", "companies", org, ..] => format!("org:{org}"),
        ["postmortems", "jimmyl02", company, ..] => format!("org:{company}"),
        ["pages", "readability", site, ..] => format!("site:{site}"),
        _ => path.to_owned(),
    }
}

fn content_type(path: &str) -> &'static str {
    Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .and_then(pmagg::parse::document::content_type_for_extension)
        .unwrap_or("text/plain")
}

fn read_features(corpus: &Path, path: &str) -> Option<Features> {
    let body = std::fs::read(corpus.join(path)).ok()?;
    let document = parse_document(&body, Some(content_type(path)), None, None);
    // The hints the pipeline gives a file in a repository: its link, whose path often carries
    // a date.
    let hints = Hints {
        url: url::Url::from_file_path(corpus.join(path)).ok().map(String::from),
        ..Hints::default()
    };
    Some(features(&document, &hints))
}

/// Groups to folds: the largest group first, each into the fold with the fewest documents
/// so far (ties: the lower fold). Deterministic; keeps folds of similar size.
fn assign_folds(examples: &[Example]) -> Vec<usize> {
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for e in examples {
        *sizes.entry(&e.group).or_default() += 1;
    }
    let mut order: Vec<(&str, usize)> = sizes.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut fold_sizes = [0usize; FOLDS];
    let mut fold_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (group, size) in order {
        let fold = (0..FOLDS).min_by_key(|f| (fold_sizes[*f], *f)).unwrap_or(0);
        fold_sizes[fold] += size;
        fold_of.insert(group, fold);
    }
    examples.iter().map(|e| fold_of[e.group.as_str()]).collect()
}

/// Out-of-fold confidences: each fold predicted by a model fitted on the others.
fn cross_validate(examples: &[Example], folds: &[usize], setup: Setup) -> Vec<f64> {
    let mut predictions = vec![0.0; examples.len()];
    for fold in 0..FOLDS {
        let train: Vec<bool> = folds.iter().map(|f| *f != fold).collect();
        let weights = fit(examples, &train, setup);
        for (i, e) in examples.iter().enumerate() {
            if folds[i] == fold {
                predictions[i] = f64::from(weights.confidence(&e.features));
            }
        }
    }
    predictions
}

/// The L2 penalties (on every weight but the bias) and group powers (how much a document's
/// weight shrinks with the size of its organisation: 0, every document alike; 1, every
/// organisation alike) that training chooses from.
const GRID: [(f64, f64); 6] =
    [(0.001, 0.0), (0.003, 0.0), (0.01, 0.0), (0.001, 1.0), (0.003, 1.0), (0.01, 1.0)];

/// The penalty and group power of [`GRID`] (within what `fixed` allows) whose
/// organisation-split cross-validation over `examples` scores the best F1, the earliest in
/// the grid among equals, with that cross-validation's out-of-fold confidences. Training
/// fits its weights with this choice, and the nested cross-validation makes the same choice
/// inside each training split, so its figure is the honest one for the whole procedure.
fn choose(examples: &[Example], folds: &[usize], setup: Setup, fixed: Fixed) -> (Setup, Vec<f64>) {
    let mut candidates: Vec<(f64, f64)> = Vec::new();
    for (lambda, group_power) in GRID {
        let pair = (fixed.lambda.unwrap_or(lambda), fixed.group_power.unwrap_or(group_power));
        if !candidates.contains(&pair) {
            candidates.push(pair);
        }
    }
    let mut best: Option<(f64, Setup, Vec<f64>)> = None;
    for (lambda, group_power) in candidates {
        let candidate = Setup { lambda, group_power, ..setup };
        let predictions = cross_validate(examples, folds, candidate);
        let f1 = scores(examples, &predictions, |_| true).2;
        if best.as_ref().is_none_or(|(b, _, _)| f1 > *b) {
            best = Some((f1, candidate, predictions));
        }
    }
    best.map_or_else(|| (setup, cross_validate(examples, folds, setup)), |(_, s, p)| (s, p))
}

/// Out-of-fold confidences where each outer fold's model uses the penalty and group power
/// that won an inner organisation-split cross-validation on the other folds alone ([`choose`]):
/// the figure that does not flatter the choice.
fn nested_cross_validate(
    examples: &[Example],
    folds: &[usize],
    setup: Setup,
    fixed: Fixed,
) -> Vec<f64> {
    let mut predictions = vec![0.0; examples.len()];
    for fold in 0..FOLDS {
        let inner: Vec<usize> = (0..examples.len()).filter(|i| folds[*i] != fold).collect();
        let inner_examples: Vec<Example> = inner.iter().map(|i| examples[*i].clone()).collect();
        let inner_folds = assign_folds(&inner_examples);
        let (best, _) = choose(&inner_examples, &inner_folds, setup, fixed);
        let train: Vec<bool> = folds.iter().map(|f| *f != fold).collect();
        let weights = fit(examples, &train, best);
        println!(
            "  outer fold {fold}: chose L2 penalty {}, group power {}",
            best.lambda, best.group_power
        );
        for (i, e) in examples.iter().enumerate() {
            if folds[i] == fold {
                predictions[i] = f64::from(weights.confidence(&e.features));
            }
        }
    }
    predictions
}

/// A document's sparse features, its label (1 or 0) and its weight.
type Row = (Vec<(usize, f64)>, f64, f64);

/// A document as the optimiser sees it: (index, value) pairs, hashed buckets after the
/// named features.
fn sparse(features: &Features, setup: Setup) -> Vec<(usize, f64)> {
    let mut x: Vec<(usize, f64)> = features
        .named
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(i, v)| (i, f64::from(*v)))
        .collect();
    if setup.hashed {
        let value = f64::from(features.hashed_value());
        x.extend(features.hashed.iter().map(|b| (NAMED + *b as usize, value)));
    }
    x
}

/// Fits the weights on the examples where `train` is true.
fn fit(examples: &[Example], train: &[bool], setup: Setup) -> Weights {
    let mut group_sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for (e, _) in examples.iter().zip(train).filter(|(_, t)| **t) {
        *group_sizes.entry(&e.group).or_default() += 1;
    }
    // Each document weighs 1/size^power of its group: at power 0 every document counts the
    // same, at 1 every organisation does, however many reports it wrote.
    let rows: Vec<Row> = examples
        .iter()
        .zip(train)
        .filter(|(_, t)| **t)
        .map(|(e, _)| {
            let size = group_sizes[e.group.as_str()] as f64;
            (
                sparse(&e.features, setup),
                if e.label { 1.0 } else { 0.0 },
                size.powf(-setup.group_power),
            )
        })
        .collect();
    let class_total = |positive: bool| {
        rows.iter()
            .filter(|(_, y, _)| (*y > 0.5) == positive)
            .map(|(_, _, w)| w)
            .sum::<f64>()
            .max(1e-9)
    };
    let (positives, negatives) = (class_total(true), class_total(false));
    let total = positives + negatives;
    // Natural: the weights sum to one; balanced: each class weighs half of the loss.
    let row_weight = |y: f64, w: f64| {
        if !setup.balanced {
            w / total
        } else if y > 0.5 {
            0.5 * w / positives
        } else {
            0.5 * w / negatives
        }
    };
    let dims = NAMED + HASH_BUCKETS as usize;
    // A step of 1/L, with L a bound on the loss's curvature: 0.25·max‖x‖² (+1 for the bias)
    // for the weighted logistic loss, plus the penalty.
    let max_norm = rows
        .iter()
        .map(|(x, _, _)| 1.0 + x.iter().map(|(_, v)| v * v).sum::<f64>())
        .fold(0.0, f64::max);
    let lambda = setup.lambda;
    let step = 1.0 / (0.25 * max_norm + lambda);
    let (mut bias, mut w) = (0.0f64, vec![0.0f64; dims]);
    let mut gradient = vec![0.0f64; dims];
    for _ in 0..STEPS {
        gradient.fill(0.0);
        let mut bias_gradient = 0.0;
        for (x, y, weight) in &rows {
            let z = bias + x.iter().map(|(i, v)| w[*i] * v).sum::<f64>();
            let p = 1.0 / (1.0 + (-z).exp());
            let error = (p - y) * row_weight(*y, *weight);
            bias_gradient += error;
            for (i, v) in x {
                gradient[*i] += error * v;
            }
        }
        bias -= step * bias_gradient;
        for (wi, gi) in w.iter_mut().zip(&gradient) {
            *wi -= step * (gi + lambda * *wi);
        }
    }
    let mut named = [0.0f32; NAMED];
    for (n, v) in named.iter_mut().zip(&w) {
        *n = *v as f32;
    }
    Weights { bias: bias as f32, named, hashed: w[NAMED..].iter().map(|v| *v as f32).collect() }
}

/// F1 at other thresholds than 0.5, from the same out-of-fold confidences.
fn print_thresholds(examples: &[Example], predictions: &[f64]) {
    println!("thresholds (cross-validated, all documents):");
    for t in [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6] {
        let shifted: Vec<f64> = predictions.iter().map(|p| p - t + 0.5).collect();
        let (precision, recall, f1) = scores(examples, &shifted, |_| true);
        println!("  {t:.2}: precision={precision:.3} recall={recall:.3} F1={f1:.3}");
    }
}

/// The cross-validated F1 without each named feature in turn: a feature whose removal
/// raises it is noise on these folds.
fn ablation(examples: &[Example], folds: &[usize], setup: Setup) {
    println!("ablation (cross-validated F1 over all documents without each feature):");
    for (index, name) in FEATURE_NAMES.iter().enumerate() {
        let without: Vec<Example> = examples
            .iter()
            .map(|e| {
                let mut features = e.features.clone();
                features.named[index] = 0.0;
                Example { features, path: e.path.clone(), group: e.group.clone(), ..*e }
            })
            .collect();
        let predictions = cross_validate(&without, folds, setup);
        let (precision, recall, f1) = scores(&without, &predictions, |_| true);
        println!("  without {name:<20} precision={precision:.3} recall={recall:.3} F1={f1:.3}");
    }
}

/// Precision, recall and F1 of the examples that `keep` selects.
fn scores(
    examples: &[Example],
    predictions: &[f64],
    keep: impl Fn(&Example) -> bool,
) -> (f64, f64, f64) {
    confusion(examples, predictions, keep).scores()
}

/// The confusion counts of the examples that `keep` selects, at the threshold 0.5.
fn confusion(
    examples: &[Example],
    predictions: &[f64],
    keep: impl Fn(&Example) -> bool,
) -> Confusion {
    let mut counts = Confusion::default();
    for (e, p) in examples.iter().zip(predictions).filter(|(e, _)| keep(e)) {
        counts.add(e.label, *p >= 0.5);
    }
    counts
}

/// Precision, recall and F1 over all documents, the real ones, and the rest.
fn report(name: &str, examples: &[Example], predictions: &[f64]) {
    println!("{name}:");
    let subsets: [(&str, Option<bool>); 3] = [
        ("all labelled documents", None),
        ("real/ (32 organisations)", Some(true)),
        ("eval/labels.tsv", Some(false)),
    ];
    for (label, real) in subsets {
        let counts = confusion(examples, predictions, |e| real.is_none_or(|r| e.real == r));
        println!("  {}", counts.line(&format!("{label:<26}")));
    }
}

fn print_weights(weights: &Weights) {
    let mut out = format!("weights (log-odds at full strength):\n  bias {:+.3}\n", weights.bias);
    let mut named: Vec<(&str, f32)> = FEATURE_NAMES.iter().copied().zip(weights.named).collect();
    named.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(b.0)));
    for (name, w) in named {
        let _ = writeln!(out, "  {name:<20} {w:+.3}");
    }
    let used = weights.hashed.iter().filter(|w| w.abs() >= 0.0005).count();
    let _ = writeln!(out, "  heading words: {used} buckets of {HASH_BUCKETS} carry weight");
    print!("{out}");
}
