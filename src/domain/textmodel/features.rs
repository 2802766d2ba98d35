//! Tokenizer and TF-IDF features: word 1–2-grams and character 2–5-grams inside word boundaries
//! (`char_wb` in scikit-learn's terms), sublinear term frequency, smoothed IDF, each block scaled
//! to unit length and the two blocks weighted equally.

use std::collections::{BTreeSet, HashMap};

#[derive(Clone, Debug, PartialEq)]
pub struct FeatureConfig {
    /// Word n-gram lengths, inclusive; `(0, 0)` turns words off.
    pub word_ngrams: (usize, usize),
    /// Character n-gram lengths inside words, inclusive; `(0, 0)` turns characters off.
    pub char_ngrams: (usize, usize),
    /// A feature must occur in at least this many training texts.
    pub min_df: u32,
    /// Drop `(Citation: …)` markers of ATT&CK texts before tokenizing.
    pub strip_citations: bool,
    /// Word n-grams over English Snowball stems (`scanned` and `scanning` are one feature).
    pub stem: bool,
    /// Share of the character block in a text's unit length (words get the rest).
    pub char_weight: f32,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            word_ngrams: (1, 2),
            char_ngrams: (2, 5),
            min_df: 2,
            strip_citations: true,
            stem: false,
            char_weight: 0.5,
        }
    }
}

/// A sparse vector: feature indices ascending, values beside them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sparse {
    pub idx: Vec<u32>,
    pub val: Vec<f32>,
}

impl Sparse {
    pub fn dot_dense(&self, w: &[f32]) -> f32 {
        self.idx
            .iter()
            .zip(&self.val)
            .map(|(&i, &v)| w[i as usize] * v)
            .sum()
    }

    pub fn norm_sq(&self) -> f32 {
        self.val.iter().map(|v| v * v).sum()
    }
}

/// Removes `(Citation: …)` markers, which name the report a sentence came from, not what it says.
pub fn strip_citations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("(Citation:") {
        out.push_str(&rest[..start]);
        match rest[start..].find(')') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                rest = "";
            }
        }
        out.push(' ');
    }
    out.push_str(rest);
    out
}

/// Lower-cased Unicode words of two or more letters or digits: `cmd.exe` gives `cmd`, `exe`;
/// Azerbaijani (`İ` and `I` both become `i`, `ı` stays) and Cyrillic letters are letters.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut push = |current: &mut String| {
        if current.chars().count() >= 2 {
            out.push(std::mem::take(current));
        } else {
            current.clear();
        }
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            match c {
                'İ' | 'I' => current.push('i'),
                _ => current.extend(c.to_lowercase()),
            }
        } else {
            push(&mut current);
        }
    }
    push(&mut current);
    out
}

static STEMMER: std::sync::LazyLock<rust_stemmers::Stemmer> =
    std::sync::LazyLock::new(|| rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English));

/// The English Snowball stem of a lower-case word (other scripts come back unchanged).
pub fn stem(word: &str) -> String {
    STEMMER.stem(word).into_owned()
}

/// Every feature key of a text with the term it belongs to: `w:` word n-grams (the term is the
/// n-gram itself), `c:` character n-grams (the term is the word they come from). `terms` is
/// filled with the distinct terms; the returned pairs index into it.
pub fn keys(text: &str, cfg: &FeatureConfig, terms: &mut Vec<String>) -> Vec<(String, u32)> {
    let cleaned;
    let text = if cfg.strip_citations {
        cleaned = strip_citations(text);
        &cleaned
    } else {
        text
    };
    let words = words(text);
    let stems: Vec<String> = if cfg.stem {
        words.iter().map(|w| stem(w)).collect()
    } else {
        Vec::new()
    };
    let mut term_ids: HashMap<String, u32> = HashMap::new();
    let mut term = |t: String, terms: &mut Vec<String>| -> u32 {
        *term_ids.entry(t).or_insert_with_key(|k| {
            terms.push(k.clone());
            (terms.len() - 1) as u32
        })
    };
    let mut out = Vec::new();
    let (wmin, wmax) = cfg.word_ngrams;
    if wmin > 0 {
        for n in wmin..=wmax {
            for (start, gram) in words.windows(n).enumerate() {
                let phrase = gram.join(" ");
                let key = if cfg.stem {
                    format!("w:{}", stems[start..start + n].join(" "))
                } else {
                    format!("w:{phrase}")
                };
                let id = term(phrase, terms);
                out.push((key, id));
            }
        }
    }
    let (cmin, cmax) = cfg.char_ngrams;
    if cmin > 0 {
        for word in &words {
            let id = term(word.clone(), terms);
            let padded: Vec<char> = std::iter::once(' ')
                .chain(word.chars())
                .chain(std::iter::once(' '))
                .collect();
            for n in cmin..=cmax.min(padded.len()) {
                for gram in padded.windows(n) {
                    out.push((format!("c:{}", gram.iter().collect::<String>()), id));
                }
            }
        }
    }
    out
}

/// A fitted vocabulary with IDF weights.
#[derive(Clone, Debug)]
pub struct Vectorizer {
    pub config: FeatureConfig,
    vocab: HashMap<String, u32>,
    idf: Vec<f32>,
    /// 0 for word features, 1 for character features.
    block: Vec<u8>,
}

/// A text's features with, for each non-zero, the terms it came from (see [`keys`]).
pub struct Explained {
    pub x: Sparse,
    pub owners: Vec<Vec<u32>>,
    pub terms: Vec<String>,
}

impl Vectorizer {
    pub fn fit<S: AsRef<str>>(docs: &[S], config: FeatureConfig) -> Vectorizer {
        let mut df: HashMap<String, u32> = HashMap::new();
        let mut terms = Vec::new();
        for doc in docs {
            terms.clear();
            let unique: BTreeSet<String> = keys(doc.as_ref(), &config, &mut terms)
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            for key in unique {
                *df.entry(key).or_default() += 1;
            }
        }
        let mut kept: Vec<(String, u32)> = df
            .into_iter()
            .filter(|(_, n)| *n >= config.min_df)
            .collect();
        kept.sort();
        let n = docs.len() as f32;
        let idf = kept
            .iter()
            .map(|(_, d)| ((1.0 + n) / (1.0 + *d as f32)).ln() + 1.0)
            .collect();
        let block = kept
            .iter()
            .map(|(k, _)| u8::from(k.starts_with("c:")))
            .collect();
        let vocab = kept
            .into_iter()
            .enumerate()
            .map(|(i, (k, _))| (k, i as u32))
            .collect();
        Vectorizer {
            config,
            vocab,
            idf,
            block,
        }
    }

    pub fn len(&self) -> usize {
        self.idf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.idf.is_empty()
    }

    pub fn transform(&self, text: &str) -> Sparse {
        self.explain(text).x
    }

    pub fn explain(&self, text: &str) -> Explained {
        let mut terms = Vec::new();
        let mut counts: HashMap<u32, (u32, Vec<u32>)> = HashMap::new();
        for (key, owner) in keys(text, &self.config, &mut terms) {
            if let Some(&i) = self.vocab.get(&key) {
                let entry = counts.entry(i).or_default();
                entry.0 += 1;
                if !entry.1.contains(&owner) {
                    entry.1.push(owner);
                }
            }
        }
        let mut items: Vec<(u32, (u32, Vec<u32>))> = counts.into_iter().collect();
        items.sort_by_key(|(i, _)| *i);
        let mut norms = [0f32; 2];
        let mut values: Vec<f32> = items
            .iter()
            .map(|(i, (tf, _))| {
                let v = (1.0 + (*tf as f32).ln()) * self.idf[*i as usize];
                norms[self.block[*i as usize] as usize] += v * v;
                v
            })
            .collect();
        // Each block scaled to length sqrt(share), so the whole vector has unit length; a text
        // with one block empty puts all its length in the other.
        let cw = self.config.char_weight.clamp(0.0, 1.0);
        let share = match (norms[0] > 0.0, norms[1] > 0.0) {
            (true, true) => [1.0 - cw, cw],
            _ => [1.0, 1.0],
        };
        for ((i, _), v) in items.iter().zip(values.iter_mut()) {
            let b = self.block[*i as usize] as usize;
            *v *= share[b].sqrt() / norms[b].sqrt();
        }
        let (idx, owners) = items.into_iter().map(|(i, (_, o))| (i, o)).unzip();
        Explained {
            x: Sparse { idx, val: values },
            owners,
            terms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_punctuation_and_fold_case() {
        assert_eq!(
            words("Ran CMD.EXE /c whoami"),
            ["ran", "cmd", "exe", "whoami"]
        );
        assert_eq!(words("a b"), Vec::<String>::new());
    }

    #[test]
    fn azerbaijani_and_russian_words_are_kept() {
        assert_eq!(
            words("İstifadəçi şifrəni FİŞİNQ məktubuna daxil etdi"),
            [
                "istifadəçi",
                "şifrəni",
                "fişinq",
                "məktubuna",
                "daxil",
                "etdi"
            ]
        );
        assert_eq!(
            words("Злоумышленник отправил фишинговое письмо"),
            ["злоумышленник", "отправил", "фишинговое", "письмо"]
        );
    }

    #[test]
    fn stems_join_word_forms_but_terms_stay_readable() {
        let cfg = FeatureConfig {
            stem: true,
            ..FeatureConfig::default()
        };
        let mut terms = Vec::new();
        let a = keys("scanned ports", &cfg, &mut terms);
        assert!(a.iter().any(|(k, _)| k == "w:scan port"), "{a:?}");
        assert!(terms.contains(&"scanned ports".to_owned()), "{terms:?}");
        let mut other = Vec::new();
        let b = keys("scanning port", &cfg, &mut other);
        assert!(b.iter().any(|(k, _)| k == "w:scan port"));
        // Other scripts pass through the English stemmer without harm.
        let ru = keys("Злоумышленник отправил письмо", &cfg, &mut other);
        assert!(ru
            .iter()
            .any(|(k, _)| k.starts_with("w:") && k.contains('п')));
    }

    #[test]
    fn block_weights_keep_unit_length() {
        let docs = ["scan ports now", "scan hosts now", "phishing mail"];
        for char_weight in [0.35, 0.5, 0.65] {
            let cfg = FeatureConfig {
                stem: true,
                char_weight,
                ..FeatureConfig::default()
            };
            let v = Vectorizer::fit(&docs, cfg);
            let x = v.transform("scan ports");
            assert!((x.norm_sq() - 1.0).abs() < 1e-4, "{char_weight}");
        }
    }

    #[test]
    fn citations_are_removed() {
        assert_eq!(
            strip_citations("uses PowerShell.(Citation: A B 2020)(Citation: C) to run").trim(),
            "uses PowerShell.   to run"
        );
        assert_eq!(strip_citations("broken (Citation: x"), "broken  ");
    }

    #[test]
    fn keys_cover_word_and_character_grams() {
        let mut terms = Vec::new();
        let keys = keys("Spear phishing", &FeatureConfig::default(), &mut terms);
        let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        for expected in [
            "w:spear",
            "w:phishing",
            "w:spear phishing",
            "c: s",
            "c:phis",
            "c:ing ",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        assert!(terms.contains(&"spear phishing".to_owned()));
    }

    #[test]
    fn non_latin_text_gives_unit_length_features() {
        let docs = [
            "Zərərli proqram şəbəkəyə yayıldı",
            "Zərərli proqram faylları şifrələdi",
            "Вредоносная программа зашифровала файлы",
            "Вредоносная программа распространилась по сети",
        ];
        let v = Vectorizer::fit(&docs, FeatureConfig::default());
        for doc in docs {
            let x = v.transform(doc);
            assert!(!x.idx.is_empty(), "{doc}");
            assert!((x.norm_sq() - 1.0).abs() < 1e-4, "{doc}");
        }
        assert!(v.transform("").idx.is_empty());
        assert!(v.transform("!!! ¿¿ \u{1F600}").idx.is_empty());
    }

    #[test]
    fn explanations_point_at_words() {
        let docs = [
            "send phishing mail",
            "phishing mail again",
            "scan ports",
            "scan hosts",
        ];
        let v = Vectorizer::fit(&docs, FeatureConfig::default());
        let e = v.explain("phishing mail");
        assert_eq!(e.x.idx.len(), e.owners.len());
        let owned: BTreeSet<&str> = e
            .owners
            .iter()
            .flatten()
            .map(|o| e.terms[*o as usize].as_str())
            .collect();
        assert!(
            owned.contains("phishing") && owned.contains("phishing mail"),
            "{owned:?}"
        );
    }
}
