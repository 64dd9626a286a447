//! Models: functions from a one-hot sequence batch to predictions, written once against
//! [`GraphBuilder`] and [`Params`] and built in either [`Mode`].

pub mod attention;
pub mod cnn;
pub mod dual;
pub mod legnet;
pub mod resnet;

use crate::error::Result;
use crate::graph::{GraphBuilder, Value};
use crate::ops::activation::Activation;
use crate::params::{Init, Mode, Params};

pub use attention::CnnAttention;
pub use cnn::{Cnn, ConvBlock};
pub use dual::DualBranch;
pub use legnet::LegNet;
pub use resnet::DilatedResNet;

/// A sequence-to-expression model.
pub trait Model {
    /// Shape of one input sample, `[4, L]` for one-hot DNA.
    fn input_shape(&self) -> Vec<usize>;
    /// Number of predicted values per sample (tasks).
    fn outputs(&self) -> usize;
    /// Predictions `[N, outputs]` for `x` `[N, ..input_shape]`.
    fn forward(&self, g: &mut GraphBuilder, p: &mut Params, x: Value) -> Result<Value>;
}

/// A model chosen at run time (e.g. a preset named on the command line).
impl Model for Box<dyn Model> {
    fn input_shape(&self) -> Vec<usize> {
        (**self).input_shape()
    }

    fn outputs(&self) -> usize {
        (**self).outputs()
    }

    fn forward(&self, g: &mut GraphBuilder, p: &mut Params, x: Value) -> Result<Value> {
        (**self).forward(g, p, x)
    }
}

/// Per-channel batch norm with learned scale and shift and running statistics, named `name.*`.
pub fn batch_norm(g: &mut GraphBuilder, p: &mut Params, name: &str, x: Value, channels: usize) -> Result<Value> {
    const EPS: f32 = 1e-5;
    const MOMENTUM: f64 = 0.1;
    let scale = p.param(g, &format!("{name}.weight"), &[channels], Init::Ones)?;
    let bias = p.param(g, &format!("{name}.bias"), &[channels], Init::Zeros)?;
    let mean = p.buffer(g, &format!("{name}.running_mean"), &[channels], Init::Zeros)?;
    let var = p.buffer(g, &format!("{name}.running_var"), &[channels], Init::Ones)?;
    match p.mode() {
        Mode::Infer => g.batch_norm(x, scale, bias, mean, var, EPS),
        Mode::Train => {
            let bn = g.batch_norm_train(x, scale, bias, (mean, var), MOMENTUM, EPS)?;
            p.update_buffer(mean, bn.running_mean)?;
            p.update_buffer(var, bn.running_var)?;
            Ok(bn.y)
        }
    }
}

/// Dropout in training graphs, nothing in inference graphs.
pub fn dropout(g: &mut GraphBuilder, p: &Params, x: Value, ratio: f64, seed: i64) -> Result<Value> {
    match p.mode() {
        Mode::Train if ratio > 0.0 => g.dropout(x, ratio, seed.wrapping_add(p.seed() as i64)),
        _ => Ok(x),
    }
}

pub fn activation(g: &mut GraphBuilder, act: Activation, x: Value) -> Result<Value> {
    g.activation(act, x)
}
