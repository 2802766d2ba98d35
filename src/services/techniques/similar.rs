//! Similar incidents: first those sharing an observable (exact normalised values), then those
//! whose text is closest — candidates found in SQL by the incident's most specific words over the
//! folded search key (trigram index on PostgreSQL), scored by cosine over TF-IDF of their words.
//! Both queries carry the caller's visibility scope.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::domain::textmodel::features::words;

use crate::{
    authz::IncidentScope,
    db::{
        models::{incident::Incident, technique as rows},
        DbConn,
    },
    domain::search::{contains_pattern, fold},
    error::AppResult,
};

#[derive(Clone, Debug, PartialEq)]
pub struct Similar {
    pub incident_id: i64,
    pub reference: String,
    pub title: String,
    /// 1 + text similarity for incidents sharing an observable, the text similarity (0..1)
    /// otherwise: sharing an observable always ranks first.
    pub score: f32,
    /// `shared observable <value>` (up to three) and `text`.
    pub reasons: Vec<String>,
}

/// Query words: this many of the incident's longest distinct words.
const QUERY_WORDS: usize = 8;
const CANDIDATES: i64 = 300;
const SHARING: i64 = 200;
/// Text similarity under this is not a reason.
const MIN_TEXT: f32 = 0.1;

const STOP: &[&str] = &[
    "about",
    "after",
    "also",
    "been",
    "from",
    "have",
    "into",
    "that",
    "their",
    "there",
    "these",
    "they",
    "this",
    "were",
    "when",
    "which",
    "while",
    "with",
    "would",
    "bir",
    "üçün",
    "olan",
    "və",
    "ilə",
    "было",
    "были",
    "этот",
    "если",
    "который",
    "после",
];

/// The words of a folded text that count for similarity (no numbers, no stop words).
pub fn content_words(folded: &str) -> Vec<String> {
    words(folded)
        .into_iter()
        .filter(|w| w.chars().count() >= 4 && !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect()
}

/// The words the candidate query looks for: the longest distinct ones (longer words are rarer).
pub fn query_words(words: &[String]) -> Vec<String> {
    let mut distinct: Vec<&String> = words.iter().collect::<BTreeSet<_>>().into_iter().collect();
    distinct.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    distinct.into_iter().take(QUERY_WORDS).cloned().collect()
}

/// Cosine similarity of `query` with each document, TF-IDF with sublinear tf, IDF over the
/// documents and the query together.
pub fn cosine_scores(query: &[String], docs: &[Vec<String>]) -> Vec<f32> {
    let mut df: HashMap<&str, f32> = HashMap::new();
    for d in docs.iter().map(Vec::as_slice).chain(std::iter::once(query)) {
        for w in d.iter().map(String::as_str).collect::<BTreeSet<_>>() {
            *df.entry(w).or_default() += 1.0;
        }
    }
    let n = docs.len() as f32 + 1.0;
    let vector = |d: &[String]| -> BTreeMap<String, f32> {
        let mut tf: BTreeMap<String, f32> = BTreeMap::new();
        for w in d {
            *tf.entry(w.clone()).or_default() += 1.0;
        }
        let mut v: BTreeMap<String, f32> = tf
            .into_iter()
            .map(|(w, t)| {
                let idf =
                    ((1.0 + n) / (1.0 + df.get(w.as_str()).copied().unwrap_or(0.0))).ln() + 1.0;
                let x = (1.0 + t.ln()) * idf;
                (w, x)
            })
            .collect();
        let norm = v.values().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.values_mut().for_each(|x| *x /= norm);
        }
        v
    };
    let q = vector(query);
    docs.iter()
        .map(|d| {
            let v = vector(d);
            q.iter().filter_map(|(w, x)| v.get(w).map(|y| x * y)).sum()
        })
        .collect()
}

pub fn find(
    conn: &mut DbConn,
    scope: IncidentScope,
    incident: &Incident,
    limit: usize,
) -> AppResult<Vec<Similar>> {
    let own = content_words(&fold(&format!(
        "{} {}",
        incident.title, incident.description
    )));
    let patterns: Vec<String> = query_words(&own)
        .iter()
        .map(|w| contains_pattern(w))
        .collect();
    let candidates = rows::text_candidates(conn, incident.id, scope, &patterns, CANDIDATES)?;
    let mut found: BTreeMap<i64, Similar> = BTreeMap::new();
    for (id, reference, title, value) in
        rows::sharing_observables(conn, incident.id, scope, SHARING)?
    {
        let entry = found.entry(id).or_insert_with(|| Similar {
            incident_id: id,
            reference,
            title,
            score: 1.0,
            reasons: Vec::new(),
        });
        if entry.reasons.len() < 3 {
            entry.reasons.push(format!("shared observable {value}"));
        }
    }
    let docs: Vec<Vec<String>> = candidates
        .iter()
        .map(|(_, reference, _, key)| {
            let reference_words = words(&fold(reference));
            content_words(key)
                .into_iter()
                .filter(|w| !reference_words.contains(w))
                .collect()
        })
        .collect();
    let scores = cosine_scores(&own, &docs);
    for ((id, reference, title, _), score) in candidates.into_iter().zip(scores) {
        if score < MIN_TEXT {
            continue;
        }
        let entry = found.entry(id).or_insert_with(|| Similar {
            incident_id: id,
            reference,
            title,
            score: 0.0,
            reasons: Vec::new(),
        });
        entry.score += score.min(1.0);
        entry.reasons.push("text".to_owned());
    }
    let mut out: Vec<Similar> = found.into_values().collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.incident_id.cmp(&a.incident_id))
    });
    out.truncate(limit);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Vec<String> {
        content_words(&fold(text))
    }

    #[test]
    fn content_words_drop_numbers_short_and_stop_words() {
        assert_eq!(
            w("The 2026 phishing mail WITH İnternet link"),
            ["phishing", "mail", "internet", "link"]
        );
        assert_eq!(w("Şübhəli fayl şəbəkədə"), ["subheli", "fayl", "sebekede"]);
    }

    #[test]
    fn query_words_prefer_long_ones() {
        let q = query_words(&w(
            "ransomware encrypted the fileserver at the ministry ransomware",
        ));
        assert_eq!(q, ["fileserver", "ransomware", "encrypted", "ministry"]);
    }

    #[test]
    fn cosine_ranks_closer_text_higher() {
        let query = w("ransomware encrypted the fileserver of the ministry");
        let docs = vec![
            w("ransomware encrypted a fileserver at a bank"),
            w("phishing mail at the ministry"),
            w("defacement of a website"),
        ];
        let s = cosine_scores(&query, &docs);
        assert!(s[0] > s[1] && s[1] > s[2], "{s:?}");
        assert_eq!(s[2], 0.0);
        assert!(s[0] <= 1.0001);
    }
}
