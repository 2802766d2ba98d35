//! Qalxan's text classifier, in plain Rust (the only dependency is the Snowball stemmer).
//!
//! - [`features`]: tokenizer (Unicode words, so Azerbaijani and Russian text work) and TF-IDF over
//!   word 1–2-grams (optionally of English stems) and character 2–5-grams inside word
//!   boundaries, sublinear tf, each block L2-normalised and weighted;
//! - [`svm`]: one-vs-rest L2-regularised L2-loss linear SVM trained by dual coordinate descent
//!   (Hsieh et al. 2008, the solver of LIBLINEAR), deterministic;
//! - [`model`]: a trained classifier that ranks labels and explains each with the words and
//!   phrases that contributed most;
//! - [`eval`]: stratified k-fold cross-validation, macro-F1, top-k accuracy.

pub mod eval;
pub mod features;
pub mod model;
pub mod svm;

pub use features::{FeatureConfig, Vectorizer};
pub use model::{Model, ModelConfig, Ranked};
