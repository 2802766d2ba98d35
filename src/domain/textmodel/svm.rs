//! One-vs-rest L2-regularised L2-loss linear SVM, trained by dual coordinate descent (Hsieh,
//! Chang, Lin, Keerthi, Sundararajan, ICML 2008 — LIBLINEAR's default solver), with a bias
//! feature of value 1. Deterministic: each class's visiting order comes from a seeded generator,
//! so the thread count does not change the result.

use super::features::Sparse;

#[derive(Clone, Debug, PartialEq)]
pub struct SvmConfig {
    /// Penalty of the hinge loss (larger: fit the training data harder).
    pub c: f32,
    /// Weight each class by `n / (classes × n_class)` (scikit-learn's `balanced`).
    pub balanced: bool,
    /// Stop when the projected gradient's spread falls under this (LIBLINEAR: 0.1).
    pub eps: f32,
    pub max_epochs: usize,
    pub seed: u64,
    pub threads: usize,
}

impl Default for SvmConfig {
    fn default() -> Self {
        SvmConfig {
            c: 0.5,
            balanced: true,
            eps: 0.1,
            max_epochs: 200,
            seed: 42,
            threads: 2,
        }
    }
}

/// Weights, feature-major: `w[feature * classes + class]`, and one bias per class.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    pub classes: usize,
    pub w: Vec<f32>,
    pub bias: Vec<f32>,
}

impl Weights {
    /// `w · x + b` for every class.
    pub fn margins(&self, x: &Sparse) -> Vec<f32> {
        let mut out = self.bias.clone();
        for (&i, &v) in x.idx.iter().zip(&x.val) {
            let row = &self.w[i as usize * self.classes..(i as usize + 1) * self.classes];
            for (o, w) in out.iter_mut().zip(row) {
                *o += w * v;
            }
        }
        out
    }
}

/// SplitMix64: small, fast, and the same everywhere.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

pub fn train(
    x: &[Sparse],
    y: &[usize],
    classes: usize,
    features: usize,
    cfg: &SvmConfig,
) -> Weights {
    let mut counts = vec![0usize; classes];
    for &label in y {
        counts[label] += 1;
    }
    let class_weight: Vec<f32> = counts
        .iter()
        .map(|&n| {
            if cfg.balanced && n > 0 {
                x.len() as f32 / (classes as f32 * n as f32)
            } else {
                1.0
            }
        })
        .collect();
    let sq: Vec<f32> = x.iter().map(|xi| xi.norm_sq() + 1.0).collect();
    let threads = cfg.threads.max(1).min(classes.max(1));
    let mut per_class: Vec<(usize, Vec<f32>, f32)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (sq, class_weight) = (&sq, &class_weight);
                s.spawn(move || {
                    (t..classes)
                        .step_by(threads)
                        .map(|c| {
                            let (w, b) = binary(x, y, c, features, sq, class_weight, cfg);
                            (c, w, b)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("training thread"))
            .collect()
    });
    per_class.sort_by_key(|(c, _, _)| *c);
    let mut w = vec![0f32; features * classes];
    let mut bias = vec![0f32; classes];
    for (c, wc, b) in per_class {
        for (f, v) in wc.into_iter().enumerate() {
            w[f * classes + c] = v;
        }
        bias[c] = b;
    }
    Weights { classes, w, bias }
}

/// One class against the rest; returns its weights and bias.
fn binary(
    x: &[Sparse],
    y: &[usize],
    class: usize,
    features: usize,
    sq: &[f32],
    class_weight: &[f32],
    cfg: &SvmConfig,
) -> (Vec<f32>, f32) {
    let n = x.len();
    let sign: Vec<f32> = y
        .iter()
        .map(|&l| if l == class { 1.0 } else { -1.0 })
        .collect();
    let diag: Vec<f32> = y.iter().map(|&l| 0.5 / (cfg.c * class_weight[l])).collect();
    let mut alpha = vec![0f32; n];
    let mut w = vec![0f32; features];
    let mut b = 0f32;
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng(cfg.seed ^ (class as u64).wrapping_mul(0x9e37_79b9));
    for _ in 0..cfg.max_epochs {
        rng.shuffle(&mut order);
        let (mut pg_max, mut pg_min) = (f32::NEG_INFINITY, f32::INFINITY);
        for &i in &order {
            let yi = sign[i];
            let g = yi * (x[i].dot_dense(&w) + b) - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / (sq[i] + diag[i])).max(0.0);
                let d = (alpha[i] - old) * yi;
                for (&f, &v) in x[i].idx.iter().zip(&x[i].val) {
                    w[f as usize] += d * v;
                }
                b += d;
            }
        }
        if pg_max - pg_min < cfg.eps {
            break;
        }
    }
    (w, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(a: f32, b: f32) -> Sparse {
        Sparse {
            idx: vec![0, 1],
            val: vec![a, b],
        }
    }

    #[test]
    fn separates_three_clusters() {
        let x = vec![
            point(1.0, 0.1),
            point(0.9, 0.0),
            point(0.0, 1.0),
            point(0.1, 0.9),
            point(-1.0, -1.0),
            point(-0.9, -1.1),
        ];
        let y = vec![0, 0, 1, 1, 2, 2];
        let w = train(&x, &y, 3, 2, &SvmConfig::default());
        for (xi, &yi) in x.iter().zip(&y) {
            let m = w.margins(xi);
            let best = (0..3).max_by(|&a, &b| m[a].total_cmp(&m[b])).unwrap();
            assert_eq!(best, yi, "{m:?}");
        }
    }

    #[test]
    fn same_data_same_weights_whatever_the_threads() {
        let x: Vec<Sparse> = (0..40)
            .map(|i| point((i % 7) as f32 / 7.0, (i % 5) as f32 / 5.0))
            .collect();
        let y: Vec<usize> = (0..40).map(|i| i % 3).collect();
        let one = SvmConfig {
            threads: 1,
            ..SvmConfig::default()
        };
        let a = train(&x, &y, 3, 2, &one);
        let b = train(&x, &y, 3, 2, &SvmConfig::default());
        assert_eq!(a, b);
    }
}
