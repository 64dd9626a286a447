//! Global gradient-norm clipping: one plain SGD step moves the parameters by exactly
//! `lr · min(‖g‖, max)`, and a threshold above the norm changes nothing.

mod common;

use regula_train::loss::Loss;
use regula_train::model::{Cnn, ConvBlock};
use regula_train::ops::activation::Activation;
use regula_train::optim::Optimizer;
use regula_train::params::ParamStore;
use regula_train::runtime::RuntimeConfig;
use regula_train::train::{Batch, StateKind, TrainConfig, Trainer};

const L: usize = 230;

fn trainer() -> Trainer<Cnn> {
    let model = Cnn {
        seq_len: L,
        blocks: vec![ConvBlock { channels: 8, kernel: 9, dilation: 1, pool: Some(4) }],
        activation: Activation::Relu,
        dropout: 0.0,
        outputs: 1,
    };
    let optimizer = Optimizer::Sgd { lr: 0.1, momentum: 0.0, weight_decay: 0.0 };
    Trainer::new(model, TrainConfig { loss: Loss::Mse, optimizer, runtime: RuntimeConfig::default(), seed: 2 }).unwrap()
}

/// Norm of the change of every trainable parameter after one step, with `max` as threshold.
fn step_norm(max: Option<f32>) -> f64 {
    let mut t = trainer();
    let params: Vec<String> =
        t.step_graph().state.iter().filter(|s| s.kind == StateKind::Param).map(|s| s.name.clone()).collect();
    let before: ParamStore = t.params().unwrap().clone();
    t.set_max_grad_norm(max);
    let (x, y, _) = common::lentimpra();
    let n = 8;
    t.step(&Batch { x: &x[..n * 4 * L], y: &y[..n], weight: None, n }).unwrap();
    let after = t.params().unwrap();
    params
        .iter()
        .map(|name| {
            let (a, b) = (&before.get(name).unwrap().data, &after.get(name).unwrap().data);
            a.iter().zip(b).map(|(p, q)| ((q - p) as f64).powi(2)).sum::<f64>()
        })
        .sum::<f64>()
        .sqrt()
}

#[test]
fn clipping_caps_the_step_at_lr_times_the_threshold() {
    let free = step_norm(None);
    let grad_norm = free / 0.1;
    assert!(grad_norm > 0.05, "the test needs a gradient worth clipping, got ‖g‖ = {grad_norm}");
    let max = (grad_norm / 4.0) as f32;
    let clipped = step_norm(Some(max));
    approx::assert_relative_eq!(clipped, 0.1 * max as f64, max_relative = 1e-3);
    approx::assert_relative_eq!(step_norm(Some((grad_norm * 10.0) as f32)), free, max_relative = 1e-5);
}
