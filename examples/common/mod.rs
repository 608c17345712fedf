//! What `examples/evaluate.rs` and `examples/train.rs` share: the confusion counts of a
//! classification and the scores read from them.

/// True and false positives and negatives.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Confusion {
    pub(crate) tp: usize,
    pub(crate) fp: usize,
    pub(crate) fn_: usize,
    pub(crate) tn: usize,
}

impl Confusion {
    /// Counts one decision against its label.
    pub(crate) fn add(&mut self, truth: bool, predicted: bool) {
        match (truth, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    /// Documents counted.
    pub(crate) fn n(&self) -> usize {
        self.tp + self.fp + self.fn_ + self.tn
    }

    /// Precision, recall and F1.
    pub(crate) fn scores(&self) -> (f64, f64, f64) {
        let precision = ratio(self.tp, self.tp + self.fp);
        let recall = ratio(self.tp, self.tp + self.fn_);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        (precision, recall, f1)
    }

    /// One line: the counts, then precision, recall and F1.
    pub(crate) fn line(&self, name: &str) -> String {
        let (precision, recall, f1) = self.scores();
        format!(
            "{name}: n={} tp={} fp={} fn={} tn={}  precision={precision:.3} recall={recall:.3} F1={f1:.3}",
            self.n(),
            self.tp,
            self.fp,
            self.fn_,
            self.tn
        )
    }
}

/// `a / b`, 0 when `b` is 0.
pub(crate) fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}
