//! Training batch norm keeps PyTorch-style running statistics (momentum 0.1, unbiased variance),
//! and the inference graph normalises with them.

mod common;

use regula_train::Result;
use regula_train::graph::{GraphBuilder, Value};
use regula_train::loss::Loss;
use regula_train::model::{Model, batch_norm, conv_batch_norm};
use regula_train::ops::conv::Conv1d;
use regula_train::optim::Optimizer;
use regula_train::params::{Init, Params};
use regula_train::runtime::RuntimeConfig;
use regula_train::train::{Batch, TrainConfig, Trainer};

/// Batch norm straight on the input (or on an identity depthwise 1×1 conv of it, through the
/// fused conv + batch norm op), then global average pool and a dense layer.
struct NormOnly {
    len: usize,
    after_conv: bool,
}

impl Model for NormOnly {
    fn input_shape(&self) -> Vec<usize> {
        vec![4, self.len]
    }

    fn outputs(&self) -> usize {
        1
    }

    fn forward(&self, g: &mut GraphBuilder, p: &mut Params, x: Value) -> Result<Value> {
        let h = if self.after_conv {
            let w = p.param(g, "conv.weight", &[4, 1, 1], Init::Ones)?;
            conv_batch_norm(g, p, "bn", (x, w, Conv1d::default().grouped(4)), 4)?
        } else {
            batch_norm(g, p, "bn", x, 4)?
        };
        let h = g.global_avg_pool(h)?;
        let h = g.flatten(h, 1)?;
        let w = p.param(g, "dense.weight", &[1, 4], Init::Uniform { fan_in: 4 })?;
        g.dense(h, w, None)
    }
}

#[test]
fn running_statistics_follow_the_batches_and_drive_inference() {
    running_statistics(false);
}

#[test]
fn running_statistics_of_a_conv_batch_norm_follow_the_batches() {
    running_statistics(true);
}

fn running_statistics(after_conv: bool) {
    let (len, n) = (7, 3);
    let config = TrainConfig {
        loss: Loss::Mse,
        optimizer: Optimizer::sgd(0.0, 0.0),
        runtime: RuntimeConfig::default(),
        seed: 1,
    };
    let mut t = Trainer::new(NormOnly { len, after_conv }, config).unwrap();
    let batches: Vec<Vec<f32>> =
        (0..2).map(|b| (0..n * 4 * len).map(|i| ((i * 13 + b * 5) % 17) as f32 * 0.3 - 2.0).collect()).collect();
    let (mut rm, mut rv) = (vec![0.0f64; 4], vec![1.0f64; 4]);
    for x in &batches {
        t.step(&Batch { x, y: &[0.0; 3], weight: None, n }).unwrap();
        for c in 0..4 {
            let vals: Vec<f64> =
                (0..n).flat_map(|s| (0..len).map(move |p| x[s * 4 * len + c * len + p] as f64)).collect();
            let m = vals.iter().sum::<f64>() / vals.len() as f64;
            let var = vals.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (vals.len() - 1) as f64;
            rm[c] = 0.9 * rm[c] + 0.1 * m;
            rv[c] = 0.9 * rv[c] + 0.1 * var;
        }
    }
    let p = t.params().unwrap().clone();
    for (name, want) in [("bn.running_mean", &rm), ("bn.running_var", &rv)] {
        for (c, (&got, &want)) in p.get(name).unwrap().data.iter().zip(want).enumerate() {
            assert!((got as f64 - want).abs() < 1e-5, "{name}[{c}]: {got} vs {want}");
        }
    }
    // With lr 0 the affine parameters keep their initial values (1, 0), so the inference
    // prediction is Σ_c w_c · mean_p((x − rm_c)/√(rv_c + ε)).
    let w = &p.get("dense.weight").unwrap().data;
    let x = &batches[0];
    let pred = t.predictor().unwrap().predict(x, n).unwrap();
    for s in 0..n {
        let want: f64 = (0..4)
            .map(|c| {
                let mean = (0..len).map(|q| x[s * 4 * len + c * len + q] as f64).sum::<f64>() / len as f64;
                w[c] as f64 * (mean - rm[c]) / (rv[c] + 1e-5).sqrt()
            })
            .sum();
        assert!((pred[s] as f64 - want).abs() < 1e-5, "sample {s}: {} vs {want}", pred[s]);
    }
}
