//! The `cnn-attention` and `dual-branch` presets: each fits a fixed batch of real lentiMPRA rows
//! (so its weight gradients point downhill), its input attributions match finite differences,
//! and its exported graphs give the same numbers in tract as in ONNX Runtime.

mod common;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regula_train::export;
use regula_train::loss::Loss;
use regula_train::model::{Cnn, CnnAttention, ConvBlock, DualBranch, Model};
use regula_train::ops::activation::Activation;
use regula_train::optim::Optimizer;
use regula_train::runtime::{self, RuntimeConfig};
use regula_train::train::{Batch, TrainConfig, Trainer};

const L: usize = 230;
const N: usize = 16;

fn blocks() -> Vec<ConvBlock> {
    vec![
        ConvBlock { channels: 8, kernel: 9, dilation: 1, pool: Some(4) },
        ConvBlock { channels: 8, kernel: 3, dilation: 2, pool: None },
    ]
}

fn attention() -> CnnAttention {
    CnnAttention {
        cnn: Cnn { seq_len: L, blocks: blocks(), activation: Activation::Gelu, dropout: 0.0, outputs: 2 },
        heads: 2,
    }
}

/// Promoter = the first 130 bases of each construct, partner = the last 100.
fn dual() -> DualBranch {
    DualBranch {
        promoter_len: 130,
        distal_len: 100,
        blocks: blocks(),
        activation: Activation::Gelu,
        dropout: 0.0,
        hidden: 8,
        outputs: 2,
    }
}

/// Trains on one fixed batch; returns the trainer and the first and last losses.
fn overfit<M: Model>(model: M) -> (Trainer<M>, f32, f32) {
    let config =
        TrainConfig { loss: Loss::Mse, optimizer: Optimizer::adamw(1e-2), runtime: RuntimeConfig::default(), seed: 5 };
    let mut t = Trainer::new(model, config).unwrap();
    let (x, y, _) = common::lentimpra();
    let y2: Vec<f32> = y[..N].iter().flat_map(|&v| [v, 1.0 - v]).collect();
    let batch = Batch { x: &x[..N * 4 * L], y: &y2, weight: None, n: N };
    let first = t.step(&batch).unwrap();
    let mut last = first;
    for _ in 0..60 {
        last = t.step(&batch).unwrap();
    }
    (t, first, last)
}

fn check<M: Model>(name: &str, model: M) {
    let (mut t, first, last) = overfit(model);
    eprintln!("{name}: fixed-batch loss {first:.4} → {last:.4}");
    assert!(last < 0.2 * first, "{name} does not fit a fixed batch: {first} → {last}");

    let inference = t.inference_graph().unwrap();
    let attribution = t.attribution_graph().unwrap();
    let (x, _, _) = common::lentimpra();
    let n = 2;
    let x = x[200 * 4 * L..(200 + n) * 4 * L].to_vec();

    // ORT and tract agree on both graphs.
    let ort: Vec<Vec<f32>> = {
        let mut s = common::session(&attribution).unwrap();
        let out = s.run(vec![(export::INPUT, runtime::tensor_f32(&[n, 4, L], x.clone()).unwrap())]).unwrap();
        ["pred", "grad_pred_0", "grad_pred_1"].iter().map(|o| runtime::to_host_f32(&out[*o]).unwrap().1).collect()
    };
    let tract = common::tract_run(&attribution, &[(vec![n, 4, L], x.clone())]);
    for (i, (a, b)) in ort.iter().zip(&tract).enumerate() {
        let d = a.iter().zip(b).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
        assert!(d <= 1e-5, "{name} output {i}: ORT vs tract differ by {d}");
    }
    let tract_pred = common::tract_run(&inference, &[(vec![n, 4, L], x.clone())]).remove(0);
    let d = ort[0].iter().zip(&tract_pred).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
    assert!(d <= 1e-5, "{name} inference graph: ORT vs tract differ by {d}");

    // Input gradients against central differences in float32 (Conv is float-only in ORT).
    let mut infer = common::session(&inference).unwrap();
    let mut eval = |xs: &[f32]| -> Vec<f32> {
        let input = runtime::tensor_f32(&[n, 4, L], xs.to_vec()).unwrap();
        runtime::to_host_f32(&infer.run(vec![(export::INPUT, input)]).unwrap()["pred"]).unwrap().1
    };
    // Max pooling is piecewise linear: a step that crosses a switch of the maximum bends the
    // difference quotient, so agreement at either of two steps counts (a wrong rule fails both).
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for k in 0..2 {
        for _ in 0..16 {
            let j = rng.random_range(0..x.len());
            let sample = j / (4 * L);
            let g = ort[1 + k][j];
            let fds: Vec<f32> = [1e-2f32, 3e-3]
                .iter()
                .map(|&h| {
                    let (mut xp, mut xm) = (x.clone(), x.clone());
                    xp[j] += h;
                    xm[j] -= h;
                    (eval(&xp)[sample * 2 + k] - eval(&xm)[sample * 2 + k]) / (2.0 * h)
                })
                .collect();
            let ok = fds.iter().any(|fd| (g - fd).abs() <= 1e-3 + 1e-2 * fd.abs());
            assert!(ok, "{name} output {k}, input {j}: gradient {g} vs finite differences {fds:?}");
        }
    }
}

#[test]
fn cnn_attention_trains_attributes_and_exports() {
    check("cnn-attention", attention());
}

#[test]
fn dual_branch_trains_attributes_and_exports() {
    check("dual-branch", dual());
}

#[test]
fn dual_branch_sees_both_segments() {
    // Changing only the partner segment changes the prediction: the distal branch is wired in.
    let (mut t, _, _) = overfit(dual());
    let graph = t.inference_graph().unwrap();
    let (x, _, _) = common::lentimpra();
    let x0 = x[..4 * L].to_vec();
    let mut x1 = x0.clone();
    for c in 0..4 {
        for i in 150..200 {
            x1[c * L + i] = 0.25;
        }
    }
    let a = common::tract_run(&graph, &[(vec![1, 4, L], x0)]).remove(0);
    let b = common::tract_run(&graph, &[(vec![1, 4, L], x1)]).remove(0);
    assert!(a.iter().zip(&b).any(|(p, q)| (p - q).abs() > 1e-4), "masking the partner left {a:?} unchanged");
}
