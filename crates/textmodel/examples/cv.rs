//! Cross-validates model designs on TRAM's sentences; the figures of BENCHMARKS.md.
//!
//! cargo run --release -p qalxan-textmodel --example cv -- data/tram/train.jsonl [design …]

use std::time::Instant;

use qalxan_textmodel::{eval, FeatureConfig, Model, ModelConfig};

fn designs() -> Vec<(&'static str, ModelConfig)> {
    let base = ModelConfig::default();
    let with = |f: &dyn Fn(&mut ModelConfig)| {
        let mut c = base.clone();
        f(&mut c);
        c
    };
    vec![
        ("words", with(&|c| c.features.char_ngrams = (0, 0))),
        ("chars", with(&|c| c.features.word_ngrams = (0, 0))),
        ("default", base.clone()),
        ("c1", with(&|c| c.svm.c = 1.0)),
        ("c0.25", with(&|c| c.svm.c = 0.25)),
        ("unbalanced", with(&|c| c.svm.balanced = false)),
        ("citations", with(&|c| c.features.strip_citations = false)),
        ("words13", with(&|c| c.features.word_ngrams = (1, 3))),
        ("mindf1", with(&|c| c.features.min_df = 1)),
        ("chars16", with(&|c| c.features.char_ngrams = (1, 6))),
        ("c2", with(&|c| c.svm.c = 2.0)),
        (
            "c1-unbalanced",
            with(&|c| {
                c.svm.c = 1.0;
                c.svm.balanced = false;
            }),
        ),
        ("c4", with(&|c| c.svm.c = 4.0)),
        (
            "c2-unbalanced",
            with(&|c| {
                c.svm.c = 2.0;
                c.svm.balanced = false;
            }),
        ),
        (
            "c1-mindf1",
            with(&|c| {
                c.svm.c = 1.0;
                c.features.min_df = 1;
            }),
        ),
    ]
}

/// The process's resident set (Linux), printed with the model alive: the whole of what a server
/// holds for it, vocabulary included (plus this program's copy of the data).
fn print_resident(model: &Model) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or("VmRSS: ?");
    println!(
        "  resident with the model loaded: {} ({} labels)",
        rss.trim_start_matches("VmRSS:").trim(),
        model.labels().len()
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("path to train.jsonl");
    let wanted: Vec<String> = args.collect();
    let data: Vec<(String, String)> = std::fs::read_to_string(path)
        .expect("readable")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            (
                v["text"].as_str().unwrap().to_owned(),
                v["technique"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let _ = FeatureConfig::default();
    for (name, config) in designs() {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == name) {
            continue;
        }
        let started = Instant::now();
        let report = eval::cross_validate(&data, &config, 5, 7, |_| {});
        let cv_secs = started.elapsed().as_secs_f64();
        println!(
            "{name}: macro-F1 {:.4} top-1 {:.4} top-3 {:.4} (majority: macro-F1 {:.4} top-1 {:.4}) cv {:.0}s",
            report.macro_f1, report.top1, report.top3, report.majority_macro_f1, report.majority_top1, cv_secs
        );
        if wanted.len() == 1 {
            let mut worst: Vec<_> = report.per_label.iter().collect();
            worst.sort_by(|a, b| a.1 .0.total_cmp(&b.1 .0));
            for (label, (f1, n)) in worst.into_iter().take(10) {
                println!("  {label}: F1 {f1:.3} (n = {n})");
            }
            let started = Instant::now();
            let model = Model::train(&data, config.clone());
            let train_secs = started.elapsed().as_secs_f64();
            let started = Instant::now();
            let n = data.len().min(2000);
            for (text, _) in data.iter().take(n) {
                std::hint::black_box(model.rank(text, 5, 8));
            }
            println!(
                "  full training {train_secs:.2}s; {} features, weights {:.1} MiB; {:.3} ms per suggestion (5 labels, 8 terms, mean of {n})",
                model.features(),
                model.weight_bytes() as f64 / 1048576.0,
                started.elapsed().as_secs_f64() * 1000.0 / n as f64
            );
            print_resident(&model);
        }
    }
}
