//! The trained models a server holds.
//!
//! **Techniques.** Version 0 is trained from TRAM's sentences shipped in the binary
//! (`src/domain/reference/tram/train.jsonl`), once per process, at first use; `serve` starts that training in the
//! background so that start-up does not wait. `qalxan model train` ([`train_version`]) adds the
//! CERT's confirmed tags (closed incidents' text with each of their tags), stores that snapshot
//! as a new version with the model's fingerprint, and every server retrains the same model from
//! the same data when it sees the new version (training is deterministic).
//!
//! **Categories.** Trained from the CERT's classified incidents (past intake, a specific RSIT
//! type), retrained when they change (at most every ten minutes once there are many).

use std::{
    collections::BTreeMap,
    sync::{Arc, LazyLock, Mutex},
    time::{Duration, Instant},
};

use crate::domain::textmodel::{Model, ModelConfig};

use crate::{
    db::{models::technique as rows, write_tx, DbConn},
    domain::time,
    error::AppResult,
};

/// The design BENCHMARKS.md chose by cross-validation.
pub fn config() -> ModelConfig {
    let mut config = ModelConfig::default();
    config.svm.c = 2.0;
    config.features.stem = true;
    config.features.char_weight = 0.65;
    config
}

/// TRAM's sentences, `(text, technique)`.
pub fn shipped() -> Vec<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Line {
        text: String,
        technique: String,
    }
    include_str!("../../domain/reference/tram/train.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let line: Line = serde_json::from_str(l).expect("embedded train.jsonl is valid");
            (line.text, line.technique)
        })
        .collect()
}

static BASE: LazyLock<Arc<Model>> = LazyLock::new(|| {
    let started = Instant::now();
    let model = Arc::new(Model::train(&shipped(), config()));
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        features = model.features(),
        "technique model trained"
    );
    model
});

/// Starts training the shipped model on a thread of its own, so that the first suggestion finds
/// it ready and start-up does not wait for it.
///
/// Only in optimised builds: an unoptimised build trains about ten times slower, and the debug
/// binary is what the test suite, the fuzzer and the fault tests start over and over, where a
/// core busy for half a minute after every start would distort what they measure. There the
/// model is trained at its first use instead.
pub fn warm_up() {
    if cfg!(debug_assertions) {
        return;
    }
    std::thread::spawn(|| LazyLock::force(&BASE));
}

/// A technique model and the version it was trained for.
#[derive(Clone)]
pub struct Versioned {
    pub version: i64,
    pub model: Arc<Model>,
}

/// A category model over the types with enough examples.
pub struct Categories {
    pub model: Arc<Model>,
    /// Types with at least [`MIN_EXAMPLES`] classified incidents: the only ones suggested.
    pub eligible: Vec<String>,
}

struct CategoryCache {
    stamp: (i64, Option<i64>),
    trained: Instant,
    value: Option<Arc<Categories>>,
}

/// A type needs this many classified incidents before it is suggested.
pub const MIN_EXAMPLES: usize = 20;
/// Not classifications: never learned, never suggested.
pub const NOT_CLASSIFIED: [&str; 3] = ["undetermined", "other", "test"];
/// The newest this many classified incidents are learned from.
const CATEGORY_WINDOW: i64 = 20_000;
/// Above this many classified incidents, retrain at most this often.
const CATEGORY_REFRESH: Duration = Duration::from_secs(600);

#[derive(Default)]
pub struct Models {
    techniques: Mutex<Option<Versioned>>,
    categories: Mutex<Option<CategoryCache>>,
}

fn training_data(conn: &mut DbConn, version: i64) -> AppResult<Vec<(String, String)>> {
    let mut data = shipped();
    data.extend(rows::examples(conn, version)?);
    Ok(data)
}

impl Models {
    /// The model of the newest version (trained now if this server has not yet).
    pub fn techniques(&self, conn: &mut DbConn) -> AppResult<Versioned> {
        let Some(latest) = rows::latest_version(conn)? else {
            return Ok(Versioned {
                version: 0,
                model: BASE.clone(),
            });
        };
        let mut held = self.techniques.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = held.as_ref().filter(|v| v.version == latest.id) {
            return Ok(v.clone());
        }
        let model = Arc::new(Model::train(&training_data(conn, latest.id)?, config()));
        let fingerprint = format!("{:016x}", model.fingerprint());
        if fingerprint != latest.fingerprint {
            tracing::warn!(version = latest.id, expected = %latest.fingerprint, got = %fingerprint, "technique model differs from the one `model train` recorded");
        }
        let v = Versioned {
            version: latest.id,
            model,
        };
        *held = Some(v.clone());
        Ok(v)
    }

    /// The category model, or `None` when no type has enough classified incidents.
    pub fn categories(&self, conn: &mut DbConn) -> AppResult<Option<Arc<Categories>>> {
        let stamp = rows::classified_stamp(conn, &NOT_CLASSIFIED)?;
        let mut held = self.categories.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = held.as_ref() {
            let small = stamp.0 < 2_000;
            if c.stamp == stamp || (!small && c.trained.elapsed() < CATEGORY_REFRESH) {
                return Ok(c.value.clone());
            }
        }
        let value = train_categories(conn)?;
        *held = Some(CategoryCache {
            stamp,
            trained: Instant::now(),
            value: value.clone(),
        });
        Ok(value)
    }
}

fn train_categories(conn: &mut DbConn) -> AppResult<Option<Arc<Categories>>> {
    let rows = rows::classified(conn, &NOT_CLASSIFIED, CATEGORY_WINDOW)?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, _, _, category) in &rows {
        *counts.entry(category).or_default() += 1;
    }
    let eligible: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n >= MIN_EXAMPLES)
        .map(|(c, _)| (*c).to_owned())
        .collect();
    if eligible.is_empty() {
        return Ok(None);
    }
    let data: Vec<(String, &str)> = rows
        .iter()
        .map(|(_, title, description, category)| {
            (format!("{title}\n{description}"), category.as_str())
        })
        .collect();
    // Unweighted: a type the CERT rarely sees should not be boosted to parity with common ones.
    let mut config = config();
    config.svm.balanced = false;
    Ok(Some(Arc::new(Categories {
        model: Arc::new(Model::train(&data, config)),
        eligible,
    })))
}

/// What `qalxan model train` did.
#[derive(Debug)]
pub struct Trained {
    pub version: i64,
    pub examples: usize,
    pub incidents: usize,
    pub fingerprint: String,
}

/// Snapshots the CERT's confirmed tags (closed incidents: title, description and each tag) as a
/// new model version, trains on shipped + snapshot, and records the model's fingerprint.
pub fn train_version(conn: &mut DbConn) -> AppResult<Trained> {
    let confirmed = rows::confirmed(conn)?;
    let examples: Vec<(Option<i64>, String, String)> = confirmed
        .iter()
        .map(|c| {
            (
                Some(c.incident_id),
                format!("{}\n{}", c.title, c.description),
                c.technique_id.clone(),
            )
        })
        .collect();
    let mut incidents: Vec<i64> = confirmed.iter().map(|c| c.incident_id).collect();
    incidents.dedup();
    let mut data = shipped();
    data.extend(examples.iter().map(|(_, t, l)| (t.clone(), l.clone())));
    let model = Model::train(&data, config());
    let fingerprint = format!("{:016x}", model.fingerprint());
    let version = write_tx(conn, |conn| {
        let v = rows::insert_version(conn, examples.len() as i32, &fingerprint, time::now())?;
        rows::insert_examples(conn, v.id, &examples)?;
        crate::services::audit::record(
            conn,
            crate::services::audit::By::system(),
            "model.trained",
            "model",
            v.id,
            serde_json::json!({ "version": v.id, "examples": examples.len(), "fingerprint": fingerprint }),
        )?;
        Ok::<_, crate::error::AppError>(v)
    })?;
    Ok(Trained {
        version: version.id,
        examples: examples.len(),
        incidents: incidents.len(),
        fingerprint,
    })
}
