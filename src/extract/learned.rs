//! The learned part of the classifier: [`Features`] → a confidence, with the weights that
//! `cargo run --release --example train` fits on the labelled corpus.
//!
//! A logistic regression. Its inputs are the named signals of [`super::classify`] (each
//! scaled to 0..1, so a weight reads as the log-odds the signal adds at full strength) and,
//! when the trained model uses them, hashed words of the title and headings. The weights live
//! in `weights.tsv` beside this file, embedded in the binary at build time: a model is data,
//! reviewed as a diff, never tuned by hand. Training writes the file deterministically (the
//! same labels give the same bytes), and a unit test checks that the embedded file names
//! every feature this code computes.
//!
//! Pure: no I/O beyond the embedded text.

use std::sync::LazyLock;

/// The weights file, as `examples/train.rs` wrote it.
const WEIGHTS_TSV: &str = include_str!("weights.tsv");

/// Buckets of the hashed heading words. A power of two, so a bucket is the hash's low bits.
pub const HASH_BUCKETS: u32 = 1 << 10;

/// The named features, in the order of [`Features::named`]. Each is described where
/// `extract::classify::Signals::features` computes it.
pub const FEATURE_NAMES: [&str; NAMED] = [
    "title_strong",
    "title_weak",
    "title_negative",
    "sections",
    "timeline_long",
    "timeline_short",
    "times",
    "stated_span",
    "incident_date",
    "root_cause_heading",
    "root_cause_prose",
    "narrative",
    "assignment",
    "guide",
    "template",
    "link_list",
    "self_reference",
    "actions",
    "nothing_concrete",
    "stub",
    "short",
    "words",
    "incident_words",
    "security",
    "announcement",
    "first_person_past",
    "causal",
    "failure",
    "placeholders",
    "live_update",
];

/// How many named features there are.
pub const NAMED: usize = 30;

/// What the classifier sees of one document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// The named signals, scaled to 0..1, in the order of [`FEATURE_NAMES`].
    pub named: [f32; NAMED],
    /// The hashed words of the title and headings: distinct bucket numbers, sorted. Each
    /// present bucket has the value `1 / sqrt(hashed.len())`, so a long document's many
    /// headings do not outvote its signals.
    pub hashed: Vec<u32>,
}

impl Features {
    /// The value each present hashed bucket has.
    pub fn hashed_value(&self) -> f32 {
        if self.hashed.is_empty() { 0.0 } else { 1.0 / (self.hashed.len() as f32).sqrt() }
    }
}

/// One named signal's part in a decision.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Contribution {
    /// The signal's name (one of [`FEATURE_NAMES`], or `heading words`).
    pub signal: String,
    /// The signal's value for this document, 0..1.
    pub value: f32,
    /// The learned weight (log-odds at full strength); 0 for `heading words`.
    pub weight: f32,
    /// `value * weight`: what the signal added to the log-odds.
    pub contribution: f32,
}

/// Why the classifier decided as it did: the log-odds are `bias` plus the contributions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// The log-odds before any signal.
    pub bias: f32,
    /// Every signal that moved the score, largest effect first.
    pub contributions: Vec<Contribution>,
    /// The confidence, `sigmoid(bias + Σ contribution)`.
    pub confidence: f32,
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// The intercept.
    pub bias: f32,
    /// One weight per named feature.
    pub named: [f32; NAMED],
    /// One weight per hash bucket ([`HASH_BUCKETS`]); all zero when the model uses none.
    pub hashed: Vec<f32>,
}

impl Weights {
    /// The confidence of `features`, 0 to 1.
    pub fn confidence(&self, features: &Features) -> f32 {
        sigmoid(self.log_odds(features))
    }

    /// The log-odds of `features`.
    pub fn log_odds(&self, features: &Features) -> f32 {
        let mut z = self.bias;
        for (w, x) in self.named.iter().zip(features.named) {
            z += w * x;
        }
        z + self.hashed_part(features)
    }

    /// Whether any hash bucket carries weight: when none does, callers need not hash.
    pub fn uses_hashed(&self) -> bool {
        self.hashed.iter().any(|w| *w != 0.0)
    }

    fn hashed_part(&self, features: &Features) -> f32 {
        let value = features.hashed_value();
        features.hashed.iter().filter_map(|b| self.hashed.get(*b as usize)).sum::<f32>() * value
    }

    /// Each signal's contribution to [`Weights::confidence`].
    pub fn explain(&self, features: &Features) -> Explanation {
        let mut contributions: Vec<Contribution> = FEATURE_NAMES
            .iter()
            .zip(self.named.iter().zip(features.named))
            .filter(|(_, (w, x))| **w != 0.0 && *x != 0.0)
            .map(|(name, (w, x))| Contribution {
                signal: (*name).to_owned(),
                value: x,
                weight: *w,
                contribution: w * x,
            })
            .collect();
        let hashed = self.hashed_part(features);
        if hashed != 0.0 {
            contributions.push(Contribution {
                signal: "heading words".to_owned(),
                value: 1.0,
                weight: 0.0,
                contribution: hashed,
            });
        }
        contributions.sort_by(|a, b| {
            b.contribution.abs().total_cmp(&a.contribution.abs()).then(a.signal.cmp(&b.signal))
        });
        Explanation { bias: self.bias, contributions, confidence: self.confidence(features) }
    }

    /// Reads the weights file format ([`Weights::to_tsv`]): `#` comments, then one
    /// `name<TAB>weight` line per weight; `bias`, every named feature, and `h<bucket>` lines for
    /// the hash buckets that are not zero.
    pub fn from_tsv(text: &str) -> Result<Self, String> {
        let mut weights =
            Weights { bias: 0.0, named: [0.0; NAMED], hashed: vec![0.0; HASH_BUCKETS as usize] };
        let mut seen = [false; NAMED];
        let mut bias = false;
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = || format!("line {}", number + 1);
            let (name, value) =
                line.split_once('\t').ok_or_else(|| format!("{}: no tab in {line:?}", at()))?;
            let value: f32 =
                value.trim().parse().map_err(|e| format!("{}: weight {value:?}: {e}", at()))?;
            if name == "bias" {
                weights.bias = value;
                bias = true;
            } else if let Some(bucket) = name.strip_prefix('h') {
                let bucket: usize =
                    bucket.parse().map_err(|e| format!("{}: bucket {name:?}: {e}", at()))?;
                let slot = weights
                    .hashed
                    .get_mut(bucket)
                    .ok_or_else(|| format!("{}: bucket {bucket} out of range", at()))?;
                *slot = value;
            } else if let Some(index) = FEATURE_NAMES.iter().position(|n| *n == name) {
                weights.named[index] = value;
                seen[index] = true;
            } else {
                return Err(format!("{}: unknown feature {name:?}", at()));
            }
        }
        if !bias {
            return Err("no bias line".to_owned());
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(format!("no weight for {}", FEATURE_NAMES[missing]));
        }
        Ok(weights)
    }

    /// Writes the weights file: a header of `comments` (each line prefixed with `# `), the
    /// bias, each named weight, then the non-zero hash buckets in order. Six decimals, so the
    /// same model always gives the same bytes.
    pub fn to_tsv(&self, comments: &str) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for line in comments.lines() {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out, "bias\t{}", fixed(self.bias));
        for (name, w) in FEATURE_NAMES.iter().zip(self.named) {
            let _ = writeln!(out, "{name}\t{}", fixed(w));
        }
        for (bucket, w) in self.hashed.iter().enumerate() {
            let text = fixed(*w);
            if text != "0.000000" && text != "-0.000000" {
                let _ = writeln!(out, "h{bucket}\t{text}");
            }
        }
        out
    }
}

fn fixed(value: f32) -> String {
    format!("{value:.6}")
}

/// The embedded model.
pub(crate) static MODEL: LazyLock<Weights> = LazyLock::new(|| {
    Weights::from_tsv(WEIGHTS_TSV)
        .expect("the embedded weights parse (checked by the embedded_weights_parse test)")
});

/// Whether the embedded model weighs any hash bucket, read once: when it does not, an
/// extraction need not hash the headings.
pub(crate) static MODEL_USES_HASHED: LazyLock<bool> = LazyLock::new(|| MODEL.uses_hashed());

/// The logistic function.
pub(crate) fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The bucket of a heading word: FNV-1a (stable across platforms and releases, unlike the
/// standard library's hasher), low bits.
pub(crate) fn bucket_of(word: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in word.bytes() {
        hash ^= u32::from(byte.to_ascii_lowercase());
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash & (HASH_BUCKETS - 1)
}

/// The distinct buckets of the words (letters only, three or more) of some texts.
pub(crate) fn hash_words<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut buckets: Vec<u32> = texts
        .flat_map(|text| text.split(|c: char| !c.is_alphabetic()))
        .filter(|w| w.len() >= 3)
        .map(bucket_of)
        .collect();
    buckets.sort_unstable();
    buckets.dedup();
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(named: [f32; NAMED]) -> Features {
        Features { named, hashed: Vec::new() }
    }

    #[test]
    fn embedded_weights_parse() {
        let weights = Weights::from_tsv(WEIGHTS_TSV).expect("parses");
        assert_eq!(weights.hashed.len(), HASH_BUCKETS as usize);
        assert_eq!(FEATURE_NAMES.len(), NAMED);
    }

    #[test]
    fn tsv_round_trip_is_byte_stable() {
        let mut named = [0.0; NAMED];
        named[0] = 1.25;
        named[3] = -0.5;
        let mut hashed = vec![0.0; HASH_BUCKETS as usize];
        hashed[7] = 0.125;
        let weights = Weights { bias: -2.0, named, hashed };
        let text = weights.to_tsv("a model\nfor a test");
        assert!(text.starts_with("# a model\n# for a test\nbias\t-2.000000\n"), "{text}");
        assert!(text.contains("\nh7\t0.125000\n"));
        let back = Weights::from_tsv(&text).expect("parses");
        assert_eq!(back, weights);
        assert_eq!(back.to_tsv("a model\nfor a test"), text);
    }

    #[test]
    fn bad_files_name_the_line() {
        let err = Weights::from_tsv("bias\t1\nnot_a_feature\t2\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("not_a_feature"), "{err}");
        let err = Weights::from_tsv("bias\tone\n").unwrap_err();
        assert!(err.contains("line 1"), "{err}");
        assert!(Weights::from_tsv("title_strong\t1\n").unwrap_err().contains("bias"));
    }

    #[test]
    fn explanation_adds_up_to_the_confidence() {
        let mut named = [0.0; NAMED];
        named[0] = 2.0;
        named[1] = -1.0;
        let weights = Weights { bias: -1.0, named, hashed: vec![0.0; HASH_BUCKETS as usize] };
        let mut x = [0.0; NAMED];
        x[0] = 1.0;
        x[1] = 0.5;
        let explanation = weights.explain(&features(x));
        assert_eq!(explanation.contributions.len(), 2);
        assert_eq!(explanation.contributions[0].signal, "title_strong");
        let z = explanation.bias
            + explanation.contributions.iter().map(|c| c.contribution).sum::<f32>();
        assert!((sigmoid(z) - explanation.confidence).abs() < 1e-6);
        assert!((explanation.confidence - sigmoid(0.5)).abs() < 1e-6);
    }

    #[test]
    fn hashing_is_stable_and_case_blind() {
        assert_eq!(bucket_of("Timeline"), bucket_of("timeline"));
        // FNV-1a of "a" is 0xe40c292c; its low ten bits are fixed forever.
        assert_eq!(bucket_of("a"), 0xe40c_292c & (HASH_BUCKETS - 1));
        let buckets = hash_words(["Root cause", "root CAUSE of it"].into_iter());
        assert_eq!(buckets.len(), 2, "{buckets:?}");
    }
}
