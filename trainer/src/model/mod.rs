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

const BN_EPS: f32 = 1e-5;
const BN_MOMENTUM: f64 = 0.1;

/// A batch norm's parameters `name.weight`, `name.bias` and running statistics.
struct BatchNormParams {
    scale: Value,
    bias: Value,
    mean: Value,
    var: Value,
}

impl BatchNormParams {
    fn new(g: &mut GraphBuilder, p: &mut Params, name: &str, channels: usize) -> Result<Self> {
        Ok(BatchNormParams {
            scale: p.param(g, &format!("{name}.weight"), &[channels], Init::Ones)?,
            bias: p.param(g, &format!("{name}.bias"), &[channels], Init::Zeros)?,
            mean: p.buffer(g, &format!("{name}.running_mean"), &[channels], Init::Zeros)?,
            var: p.buffer(g, &format!("{name}.running_var"), &[channels], Init::Ones)?,
        })
    }

    fn update(&self, p: &mut Params, bn: crate::ops::norm::BatchNormTrain) -> Result<Value> {
        p.update_buffer(self.mean, bn.running_mean)?;
        p.update_buffer(self.var, bn.running_var)?;
        Ok(bn.y)
    }
}

/// Per-channel batch norm with learned scale and shift and running statistics, named `name.*`.
pub fn batch_norm(g: &mut GraphBuilder, p: &mut Params, name: &str, x: Value, channels: usize) -> Result<Value> {
    let b = BatchNormParams::new(g, p, name, channels)?;
    match p.mode() {
        Mode::Infer => g.batch_norm(x, b.scale, b.bias, b.mean, b.var, BN_EPS),
        Mode::Train => {
            let bn = g.batch_norm_train(x, b.scale, b.bias, (b.mean, b.var), BN_MOMENTUM, BN_EPS)?;
            b.update(p, bn)
        }
    }
}

/// [`batch_norm`] (named `name.*`) of a convolution without bias of `x` by `w`: the same
/// graph for inference; in training one op whose backward folds the batch norm's scale into
/// the convolution's ([`ConvBatchNorm`](crate::ops::norm::ConvBatchNorm)).
pub fn conv_batch_norm(
    g: &mut GraphBuilder,
    p: &mut Params,
    name: &str,
    (x, w, conv): (Value, Value, crate::ops::conv::Conv1d),
    channels: usize,
) -> Result<Value> {
    match p.mode() {
        Mode::Infer => {
            let h = g.conv1d(x, w, None, conv)?;
            batch_norm(g, p, name, h, channels)
        }
        Mode::Train => {
            let b = BatchNormParams::new(g, p, name, channels)?;
            let bn = g.conv_batch_norm_train(x, w, conv, b.scale, b.bias, (b.mean, b.var), BN_MOMENTUM, BN_EPS)?;
            b.update(p, bn)
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
