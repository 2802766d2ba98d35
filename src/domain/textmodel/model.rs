//! A trained classifier: ranks labels for a text and explains each with its terms.

use std::collections::BTreeMap;

use super::{
    features::{FeatureConfig, Vectorizer},
    svm::{self, SvmConfig, Weights},
};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelConfig {
    pub features: FeatureConfig,
    pub svm: SvmConfig,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub config: ModelConfig,
    vectorizer: Vectorizer,
    labels: Vec<String>,
    weights: Weights,
}

/// One label for a text: `score` is the softmax of the margins (scaled by [`SCORE_SCALE`]), a
/// ranking confidence in 0..1 that sums to 1 over all labels; `terms` are the words and phrases
/// whose features pushed this label's margin up most, strongest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    pub label: String,
    pub score: f32,
    pub margin: f32,
    pub terms: Vec<String>,
}

/// Margins of a linear SVM sit around −1..1; this spreads them so that the softmax separates a
/// clear winner from the rest.
pub const SCORE_SCALE: f32 = 4.0;

impl Model {
    /// Trains on `(text, label)` pairs; labels are sorted, so the order of the pairs with equal
    /// content does not matter beyond the visiting order of the solver, which is seeded.
    pub fn train<T: AsRef<str>, L: AsRef<str>>(data: &[(T, L)], config: ModelConfig) -> Model {
        let texts: Vec<&str> = data.iter().map(|(t, _)| t.as_ref()).collect();
        let vectorizer = Vectorizer::fit(&texts, config.features.clone());
        let mut label_ids: BTreeMap<&str, usize> =
            data.iter().map(|(_, l)| (l.as_ref(), 0)).collect();
        for (i, id) in label_ids.values_mut().enumerate() {
            *id = i;
        }
        let x: Vec<_> = texts.iter().map(|t| vectorizer.transform(t)).collect();
        let y: Vec<usize> = data.iter().map(|(_, l)| label_ids[l.as_ref()]).collect();
        let weights = svm::train(&x, &y, label_ids.len(), vectorizer.len(), &config.svm);
        Model {
            config,
            vectorizer,
            labels: label_ids.keys().map(|l| (*l).to_owned()).collect(),
            weights,
        }
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn features(&self) -> usize {
        self.vectorizer.len()
    }

    /// Bytes held by the weights (the vocabulary's strings come on top).
    pub fn weight_bytes(&self) -> usize {
        (self.weights.w.len() + self.weights.bias.len()) * std::mem::size_of::<f32>()
    }

    /// The `k` best labels, best first; a text without known features still gets the labels the
    /// biases favour, but with no terms.
    pub fn rank(&self, text: &str, k: usize, max_terms: usize) -> Vec<Ranked> {
        let explained = self.vectorizer.explain(text);
        let margins = self.weights.margins(&explained.x);
        let top = margins
            .iter()
            .map(|m| m * SCORE_SCALE)
            .fold(f32::NEG_INFINITY, f32::max);
        let total: f32 = margins.iter().map(|m| (m * SCORE_SCALE - top).exp()).sum();
        let mut order: Vec<usize> = (0..self.labels.len()).collect();
        order.sort_by(|&a, &b| margins[b].total_cmp(&margins[a]).then(a.cmp(&b)));
        order
            .into_iter()
            .take(k)
            .map(|c| {
                let mut contribution = vec![0f32; explained.terms.len()];
                for ((&f, &v), owners) in explained
                    .x
                    .idx
                    .iter()
                    .zip(&explained.x.val)
                    .zip(&explained.owners)
                {
                    let part = v * self.weights.w[f as usize * self.weights.classes + c];
                    for &o in owners {
                        contribution[o as usize] += part / owners.len() as f32;
                    }
                }
                let mut terms: Vec<(usize, f32)> = contribution
                    .into_iter()
                    .enumerate()
                    .filter(|(_, v)| *v > 0.0)
                    .collect();
                terms.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                Ranked {
                    label: self.labels[c].clone(),
                    score: (margins[c] * SCORE_SCALE - top).exp() / total,
                    margin: margins[c],
                    terms: terms
                        .into_iter()
                        .take(max_terms)
                        .map(|(t, _)| explained.terms[t].clone())
                        .collect(),
                }
            })
            .collect()
    }

    /// A digest of everything the model computes with (FNV-1a over labels and weight bits):
    /// equal digests, equal answers.
    pub fn fingerprint(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for b in bytes {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        for l in &self.labels {
            eat(l.as_bytes());
        }
        for v in self.weights.w.iter().chain(&self.weights.bias) {
            eat(&v.to_bits().to_le_bytes());
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Vec<(&'static str, &'static str)> {
        vec![
            ("spear phishing mail with a malicious attachment", "T1566"),
            ("the phishing email carried a link to a fake login", "T1566"),
            ("victims opened the phishing attachment", "T1566"),
            ("powershell was used to download the payload", "T1059.001"),
            ("the actor ran encoded powershell commands", "T1059.001"),
            ("a powershell script executed in memory", "T1059.001"),
            ("they scanned the network for open ports", "T1046"),
            ("network service scanning of the internal hosts", "T1046"),
            ("nmap scanned ports across the subnet", "T1046"),
        ]
    }

    #[test]
    fn ranks_and_explains() {
        let model = Model::train(&data(), ModelConfig::default());
        let ranked = model.rank("An email with a phishing link arrived", 3, 5);
        assert_eq!(ranked.len(), 3);
        assert_eq!(ranked[0].label, "T1566");
        assert!(ranked[0].score > ranked[1].score);
        assert!(
            ranked[0].terms.iter().any(|t| t.contains("phishing")),
            "{:?}",
            ranked[0].terms
        );
        let total: f32 = model.rank("powershell", 3, 0).iter().map(|r| r.score).sum();
        assert!(total <= 1.0001);
    }

    #[test]
    fn same_data_same_model() {
        let a = Model::train(&data(), ModelConfig::default());
        let b = Model::train(&data(), ModelConfig::default());
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = Model::train(&data()[1..], ModelConfig::default());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn foreign_and_empty_text_do_not_fail() {
        let model = Model::train(&data(), ModelConfig::default());
        for text in [
            "",
            "Şübhəli PowerShell əmri işə salındı",
            "Фишинговое письмо с вложением",
        ] {
            assert_eq!(model.rank(text, 2, 3).len(), 2);
        }
        assert!(model.rank("", 1, 3)[0].terms.is_empty());
    }
}
