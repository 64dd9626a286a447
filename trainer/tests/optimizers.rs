//! The ONNX optimizer updates against plain-Rust AdamW and SGD-with-momentum on a linear model
//! whose gradient is known in closed form; and the loss mean over a symbolic batch.

mod common;

use regula_train::Result;
use regula_train::graph::{DType, Dim, GraphBuilder, Value};
use regula_train::loss::Loss;
use regula_train::model::Model;
use regula_train::optim::Optimizer;
use regula_train::params::{Init, Params};
use regula_train::runtime::RuntimeConfig;
use regula_train::train::{Batch, TrainConfig, Trainer};

/// `pred = flatten(x) · Wᵀ + b`.
struct Linear {
    len: usize,
    outputs: usize,
}

impl Model for Linear {
    fn input_shape(&self) -> Vec<usize> {
        vec![4, self.len]
    }

    fn outputs(&self) -> usize {
        self.outputs
    }

    fn forward(&self, g: &mut GraphBuilder, p: &mut Params, x: Value) -> Result<Value> {
        let d = 4 * self.len;
        let h = g.flatten(x, 1)?;
        let w = p.param(g, "w", &[self.outputs, d], Init::Uniform { fan_in: d })?;
        let b = p.param(g, "b", &[self.outputs], Init::Uniform { fan_in: d })?;
        g.dense(h, w, Some(b))
    }
}

/// A fixed regression batch, in f64 for the reference computation.
struct Problem {
    x: Vec<f64>,
    y: Vec<f64>,
    weight: Vec<f64>,
    n: usize,
    d: usize,
    t: usize,
}

impl Problem {
    /// Gradient of the weighted MSE `Σ wᵢⱼ (predᵢⱼ − yᵢⱼ)² / Σ wᵢⱼ` for the linear model.
    fn grads(&self, w: &[f64], b: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (n, d, t) = (self.n, self.d, self.t);
        let total: f64 = self.weight.iter().sum();
        let (mut gw, mut gb) = (vec![0.0; t * d], vec![0.0; t]);
        for i in 0..n {
            let xi = &self.x[i * d..(i + 1) * d];
            for j in 0..t {
                let pred: f64 = b[j] + w[j * d..(j + 1) * d].iter().zip(xi).map(|(a, c)| a * c).sum::<f64>();
                let r = 2.0 * self.weight[i * t + j] * (pred - self.y[i * t + j]) / total;
                gb[j] += r;
                for (g, &xk) in gw[j * d..(j + 1) * d].iter_mut().zip(xi) {
                    *g += r * xk;
                }
            }
        }
        (gw, gb)
    }
}

/// One parameter of the reference optimizer with its two state slots.
struct RefParam {
    value: Vec<f64>,
    m: Vec<f64>,
    v: Vec<f64>,
}

impl RefParam {
    fn new(value: Vec<f64>) -> Self {
        let n = value.len();
        RefParam { value, m: vec![0.0; n], v: vec![0.0; n] }
    }

    fn update(&mut self, optimizer: Optimizer, grad: &[f64], step: i32) {
        let slots = self.m.iter_mut().zip(self.v.iter_mut());
        for ((p, &g), (m, v)) in self.value.iter_mut().zip(grad).zip(slots) {
            match optimizer {
                Optimizer::AdamW { lr, beta1, beta2, eps, weight_decay } => {
                    let (lr, b1, b2) = (lr as f64, beta1 as f64, beta2 as f64);
                    *p *= 1.0 - lr * weight_decay as f64;
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    let (mh, vh) = (*m / (1.0 - b1.powi(step)), *v / (1.0 - b2.powi(step)));
                    *p -= lr * mh / (vh.sqrt() + eps as f64);
                }
                Optimizer::Sgd { lr, momentum, weight_decay } => {
                    *m = momentum as f64 * *m + g + weight_decay as f64 * *p;
                    *p -= lr as f64 * *m;
                }
            }
        }
    }
}

fn check(optimizer: Optimizer) {
    let (len, t, n) = (6, 2, 5);
    let d = 4 * len;
    let config = TrainConfig { loss: Loss::Mse, optimizer, runtime: RuntimeConfig::default(), seed: 8 };
    let mut trainer = Trainer::new(Linear { len, outputs: t }, config).unwrap();
    let to64 = |v: &[f32]| v.iter().map(|&a| a as f64).collect::<Vec<f64>>();
    let p = trainer.params().unwrap();
    let mut w = RefParam::new(to64(&p.get("w").unwrap().data));
    let mut b = RefParam::new(to64(&p.get("b").unwrap().data));
    let x: Vec<f32> = (0..n * d).map(|i| ((i * 37 % 11) as f32 - 5.0) / 5.0).collect();
    let y: Vec<f32> = (0..n * t).map(|i| (i as f32 * 0.7).sin()).collect();
    let wt: Vec<f32> = (0..n * t).map(|i| 0.5 + (i % 3) as f32 * 0.25).collect();
    let problem = Problem { x: to64(&x), y: to64(&y), weight: to64(&wt), n, d, t };

    for step in 1..=4 {
        trainer.step(&Batch { x: &x, y: &y, weight: Some(&wt), n }).unwrap();
        let (gw, gb) = problem.grads(&w.value, &b.value);
        w.update(optimizer, &gw, step);
        b.update(optimizer, &gb, step);
        let p = trainer.params().unwrap();
        for (name, want) in [("w", &w.value), ("b", &b.value)] {
            let got = &p.get(name).unwrap().data;
            let worst = got.iter().zip(want).map(|(&g, &r)| (g as f64 - r).abs()).fold(0.0, f64::max);
            assert!(worst < 2e-5, "{optimizer:?} step {step}: `{name}` differs from the reference by {worst}");
        }
    }
}

#[test]
fn adamw_matches_reference() {
    check(Optimizer::AdamW { lr: 0.05, beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 0.1 });
}

#[test]
fn sgd_momentum_matches_reference() {
    check(Optimizer::Sgd { lr: 0.05, momentum: 0.9, weight_decay: 0.01 });
}

/// Without weights the loss is a mean over a symbolic batch, whose backward divides by the
/// element count at run time.
#[test]
fn unweighted_loss_divides_by_the_runtime_batch() {
    use regula_train::autodiff::gradients;
    let mut g = GraphBuilder::new(DType::F32);
    let shape = vec![Dim::Sym("batch".into()), Dim::Fixed(3)];
    let p = g.input("p", DType::F32, shape.clone()).unwrap();
    let y = g.input("y", DType::F32, shape).unwrap();
    let loss = Loss::Mse.build(&mut g, p, y, None).unwrap();
    let dp = gradients(&mut g, loss, None, &[p]).unwrap()[0].unwrap();
    let model = g.model(&[("loss", loss), ("dp", dp)]).unwrap();
    let mut s = common::session(&model).unwrap();
    for n in [1usize, 4, 7] {
        let pv: Vec<f64> = (0..n * 3).map(|i| i as f64 * 0.1).collect();
        let yv: Vec<f64> = (0..n * 3).map(|i| 1.0 - i as f64 * 0.05).collect();
        let out = common::run(
            &mut s,
            DType::F32,
            &[("p".into(), vec![n, 3], pv.clone()), ("y".into(), vec![n, 3], yv.clone())],
            &["loss".into(), "dp".into()],
        )
        .unwrap();
        let count = (n * 3) as f64;
        let want_loss: f64 = pv.iter().zip(&yv).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / count;
        assert!((out[0].1[0] - want_loss).abs() < 1e-5);
        for i in 0..n * 3 {
            assert!((out[1].1[i] - 2.0 * (pv[i] - yv[i]) / count).abs() < 1e-6, "n={n}, element {i}");
        }
    }
}
