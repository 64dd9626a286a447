//! Optimizers as ONNX: each step's parameter update is part of the train-step graph, so
//! parameters and optimizer state go in and come out of the same session run and can stay on
//! the device between steps.

use crate::error::Result;
use crate::graph::{GraphBuilder, Value};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// Adam with decoupled weight decay (Loshchilov & Hutter), as `torch.optim.AdamW`.
    AdamW { lr: f32, beta1: f32, beta2: f32, eps: f32, weight_decay: f32 },
    /// SGD with heavy-ball momentum and L2 weight decay, as `torch.optim.SGD`.
    Sgd { lr: f32, momentum: f32, weight_decay: f32 },
}

impl Optimizer {
    pub fn adamw(lr: f32) -> Self {
        Optimizer::AdamW { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01 }
    }

    pub fn sgd(lr: f32, momentum: f32) -> Self {
        Optimizer::Sgd { lr, momentum, weight_decay: 0.0 }
    }

    /// Names of the per-parameter state tensors (each shaped like its parameter).
    pub fn slots(&self) -> &'static [&'static str] {
        match self {
            Optimizer::AdamW { .. } => &["exp_avg", "exp_avg_sq"],
            Optimizer::Sgd { .. } => &["momentum"],
        }
    }

    /// Names of the scalar inputs the update reads each step.
    pub fn hyper_inputs(&self) -> &'static [&'static str] {
        match self {
            Optimizer::AdamW { .. } => &["opt.lr", "opt.decay", "opt.bias_correction1", "opt.bias_correction2"],
            Optimizer::Sgd { .. } => &["opt.lr"],
        }
    }

    /// Values of [`Self::hyper_inputs`] for step `t` (1-based) at learning rate `lr`.
    pub fn hyper_values(&self, t: u64, lr: f32) -> Vec<f32> {
        match *self {
            Optimizer::AdamW { beta1, beta2, weight_decay, .. } => {
                let t = t as i32;
                vec![lr, 1.0 - lr * weight_decay, 1.0 / (1.0 - beta1.powi(t)), 1.0 / (1.0 - beta2.powi(t))]
            }
            Optimizer::Sgd { .. } => vec![lr],
        }
    }

    pub fn lr(&self) -> f32 {
        match *self {
            Optimizer::AdamW { lr, .. } | Optimizer::Sgd { lr, .. } => lr,
        }
    }

    /// Emit the update of one parameter; returns the new parameter and new slot values.
    pub fn update(
        &self,
        g: &mut GraphBuilder,
        hyper: &[Value],
        p: Value,
        grad: Value,
        slots: &[Value],
    ) -> Result<(Value, Vec<Value>)> {
        match *self {
            Optimizer::AdamW { beta1, beta2, eps, .. } => {
                let [lr, decay, bc1, bc2] = hyper[..] else { unreachable!("four hyper inputs") };
                let m = lerp(g, slots[0], grad, beta1 as f64)?;
                let g2 = g.raw_mul(grad, grad)?;
                let v = lerp(g, slots[1], g2, beta2 as f64)?;
                let m_hat = g.raw_mul(m, bc1)?;
                let v_hat = g.raw_mul(v, bc2)?;
                let sd = g.raw_unary("Sqrt", v_hat);
                let e = g.scalar(eps as f64);
                let denom = g.raw_add(sd, e)?;
                let step = g.raw_binary("Div", m_hat, denom)?;
                let step = g.raw_mul(step, lr)?;
                let decayed = g.raw_mul(p, decay)?;
                Ok((g.raw_binary("Sub", decayed, step)?, vec![m, v]))
            }
            Optimizer::Sgd { momentum, weight_decay, .. } => {
                let lr = hyper[0];
                let mut d = grad;
                if weight_decay != 0.0 {
                    let wd = g.raw_scale(p, weight_decay as f64)?;
                    d = g.raw_add(d, wd)?;
                }
                let buf = g.raw_scale(slots[0], momentum as f64)?;
                let buf = g.raw_add(buf, d)?;
                let step = g.raw_mul(buf, lr)?;
                Ok((g.raw_binary("Sub", p, step)?, vec![buf]))
            }
        }
    }
}

/// `beta·old + (1 − beta)·new`.
fn lerp(g: &mut GraphBuilder, old: Value, new: Value, beta: f64) -> Result<Value> {
    let a = g.raw_scale(old, beta)?;
    let b = g.raw_scale(new, 1.0 - beta)?;
    g.raw_add(a, b)
}
