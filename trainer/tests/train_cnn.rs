//! A small CNN trained on real lentiMPRA rows: the loss falls, a training Pearson r is reached,
//! and the exported inference graph predicts the same in ONNX Runtime and in tract.

mod common;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use regula_train::loss::Loss;
use regula_train::model::{Cnn, ConvBlock};
use regula_train::ops::activation::Activation;
use regula_train::optim::Optimizer;
use regula_train::runtime::RuntimeConfig;
use regula_train::train::{Batch, TrainConfig, Trainer};

const L: usize = 230;
const BATCH: usize = 32;
const EPOCHS: usize = 25;
/// Training Pearson r the model must reach on the 512 rows it trained on.
const MIN_TRAIN_R: f64 = 0.9;

fn model() -> Cnn {
    Cnn {
        seq_len: L,
        blocks: vec![
            ConvBlock { channels: 32, kernel: 11, dilation: 1, pool: Some(4) },
            ConvBlock { channels: 32, kernel: 5, dilation: 2, pool: Some(2) },
        ],
        activation: Activation::Relu,
        dropout: 0.1,
        outputs: 1,
    }
}

#[test]
fn cnn_trains_on_lentimpra_and_exports_identically() {
    let (x, y, n) = common::lentimpra();
    let config = TrainConfig {
        loss: Loss::Mse,
        optimizer: Optimizer::adamw(3e-3),
        runtime: RuntimeConfig { threads: 2, ..Default::default() },
        seed: 11,
    };
    let mut trainer = Trainer::new(model(), config).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut order: Vec<usize> = (0..n).collect();
    let mut losses = Vec::new();
    let sample = 4 * L;
    for _ in 0..EPOCHS {
        order.shuffle(&mut rng);
        for chunk in order.chunks(BATCH) {
            let bx: Vec<f32> = chunk.iter().flat_map(|&i| x[i * sample..(i + 1) * sample].iter().copied()).collect();
            let by: Vec<f32> = chunk.iter().map(|&i| y[i]).collect();
            losses.push(trainer.step(&Batch { x: &bx, y: &by, weight: None, n: chunk.len() }).unwrap());
        }
    }
    let steps_per_epoch = n.div_ceil(BATCH);
    let first: f32 = losses[..steps_per_epoch].iter().sum::<f32>() / steps_per_epoch as f32;
    let last: f32 = losses[losses.len() - steps_per_epoch..].iter().sum::<f32>() / steps_per_epoch as f32;
    // Mean loss per epoch should fall in expectation; check it epoch over epoch in a smoothed way.
    let epoch_means: Vec<f32> =
        losses.chunks(steps_per_epoch).map(|c| c.iter().sum::<f32>() / c.len() as f32).collect();
    eprintln!("epoch mean losses: {epoch_means:.3?}");
    assert!(last < 0.5 * first, "loss fell only from {first} (first epoch) to {last} (last epoch)");
    let halves = epoch_means.len() / 2;
    let early: f32 = epoch_means[..halves].iter().sum::<f32>() / halves as f32;
    let late: f32 = epoch_means[halves..].iter().sum::<f32>() / (epoch_means.len() - halves) as f32;
    assert!(late < early);

    let mut predictor = trainer.predictor().unwrap();
    let pred = predictor.predict(&x, n).unwrap();
    let r = common::pearson(&pred, &y);
    eprintln!("training Pearson r after {} steps: {r:.3}", trainer.steps());
    assert!(r >= MIN_TRAIN_R, "training r {r:.3} < {MIN_TRAIN_R}");

    // The exported graph gives the same predictions in tract as in ORT.
    let graph = trainer.inference_graph().unwrap();
    let rows = 64;
    let ort_pred = &pred[..rows];
    let tract_pred = &common::tract_run(&graph, &[(vec![rows, 4, L], x[..rows * sample].to_vec())])[0];
    let max_diff = ort_pred.iter().zip(tract_pred).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    eprintln!("ORT vs tract max |diff| over {rows} rows: {max_diff:.2e}");
    assert!(max_diff <= 1e-5, "ORT and tract differ by {max_diff}");
}
