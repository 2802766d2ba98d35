//! Stratified k-fold cross-validation and the figures BENCHMARKS.md reports.

use std::collections::BTreeMap;

use super::{
    model::{Model, ModelConfig},
    svm::Rng,
};

/// Fold of each example: every label's examples are shuffled (seeded) and dealt round-robin.
pub fn stratified_folds<L: Ord>(labels: &[L], k: usize, seed: u64) -> Vec<usize> {
    let mut by_label: BTreeMap<&L, Vec<usize>> = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        by_label.entry(l).or_default().push(i);
    }
    let mut fold = vec![0; labels.len()];
    let mut rng = Rng(seed);
    let mut next = 0;
    for items in by_label.values_mut() {
        rng.shuffle(items);
        for &i in items.iter() {
            fold[i] = next % k;
            next += 1;
        }
    }
    fold
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub macro_f1: f64,
    pub top1: f64,
    pub top3: f64,
    /// Per label: (F1, support), sorted by label.
    pub per_label: BTreeMap<String, (f64, usize)>,
    pub majority_macro_f1: f64,
    pub majority_top1: f64,
}

/// Macro-F1 over the labels that occur in `truth`, from the top-1 predictions.
pub fn macro_f1(truth: &[String], predicted: &[String]) -> (f64, BTreeMap<String, (f64, usize)>) {
    let mut counts: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new(); // tp, fp, fn
    for (t, p) in truth.iter().zip(predicted) {
        counts.entry(t).or_default();
        if t == p {
            counts.get_mut(t.as_str()).unwrap().0 += 1;
        } else {
            counts.get_mut(t.as_str()).unwrap().2 += 1;
            counts.entry(p).or_default().1 += 1;
        }
    }
    let support: BTreeMap<&str, usize> = truth.iter().fold(BTreeMap::new(), |mut m, t| {
        *m.entry(t.as_str()).or_default() += 1;
        m
    });
    let per: BTreeMap<String, (f64, usize)> = support
        .iter()
        .map(|(label, &n)| {
            let (tp, fp, fneg) = counts[label];
            let f1 = if tp == 0 {
                0.0
            } else {
                2.0 * tp as f64 / (2 * tp + fp + fneg) as f64
            };
            ((*label).to_owned(), (f1, n))
        })
        .collect();
    let mean = per.values().map(|(f, _)| f).sum::<f64>() / per.len().max(1) as f64;
    (mean, per)
}

/// Trains on k−1 folds and predicts the held-out one, k times; `progress` hears of each fold.
pub fn cross_validate(
    data: &[(String, String)],
    config: &ModelConfig,
    k: usize,
    seed: u64,
    mut progress: impl FnMut(usize),
) -> Report {
    let labels: Vec<&String> = data.iter().map(|(_, l)| l).collect();
    let folds = stratified_folds(&labels, k, seed);
    let (mut truth, mut top1, mut majority) = (Vec::new(), Vec::new(), Vec::new());
    let mut hits3 = 0usize;
    for f in 0..k {
        let train: Vec<(&str, &str)> = data
            .iter()
            .zip(&folds)
            .filter(|(_, &g)| g != f)
            .map(|((t, l), _)| (t.as_str(), l.as_str()))
            .collect();
        let model = Model::train(&train, config.clone());
        let most = most_frequent(train.iter().map(|(_, l)| *l));
        for ((text, label), _) in data.iter().zip(&folds).filter(|(_, &g)| g == f) {
            let ranked = model.rank(text, 3, 0);
            hits3 += usize::from(ranked.iter().any(|r| &r.label == label));
            truth.push(label.clone());
            top1.push(ranked[0].label.clone());
            majority.push(most.clone());
        }
        progress(f);
    }
    let accuracy = |p: &[String]| {
        truth.iter().zip(p).filter(|(t, p)| t == p).count() as f64 / truth.len() as f64
    };
    let (macro_f1_value, per_label) = macro_f1(&truth, &top1);
    Report {
        macro_f1: macro_f1_value,
        top1: accuracy(&top1),
        top3: hits3 as f64 / truth.len() as f64,
        per_label,
        majority_macro_f1: macro_f1(&truth, &majority).0,
        majority_top1: accuracy(&majority),
    }
}

fn most_frequent<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in labels {
        *counts.entry(l).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(l, _)| l.to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified() {
        let labels: Vec<u8> = (0..30).map(|i| (i % 3) as u8).collect();
        let folds = stratified_folds(&labels, 5, 1);
        for f in 0..5 {
            for l in 0..3u8 {
                let n = labels
                    .iter()
                    .zip(&folds)
                    .filter(|(x, g)| **x == l && **g == f)
                    .count();
                assert_eq!(n, 2);
            }
        }
    }

    #[test]
    fn macro_f1_by_hand() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let (f1, per) = macro_f1(&s(&["a", "a", "b", "b"]), &s(&["a", "b", "b", "b"]));
        // a: tp 1, fn 1 → 2/3; b: tp 2, fp 1 → 4/5
        assert!((per["a"].0 - 2.0 / 3.0).abs() < 1e-9);
        assert!((per["b"].0 - 0.8).abs() < 1e-9);
        assert!((f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-9);
    }
}
