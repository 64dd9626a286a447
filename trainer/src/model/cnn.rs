//! A small parameterised CNN: conv–BN–activation–pool blocks, global average pool, dense head.

use super::{Model, conv_batch_norm, dropout};
use crate::error::Result;
use crate::graph::{GraphBuilder, Value};
use crate::ops::activation::Activation;
use crate::ops::conv::Conv1d;
use crate::ops::pool::Pool1d;
use crate::params::{Init, Params};

/// One convolution block: `same`-padded conv (no bias; BN follows), BN, activation, and an
/// optional max pool.
#[derive(Clone, Debug)]
pub struct ConvBlock {
    pub channels: usize,
    pub kernel: usize,
    pub dilation: usize,
    /// Max-pool window (= stride), if any.
    pub pool: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Cnn {
    pub seq_len: usize,
    pub blocks: Vec<ConvBlock>,
    pub activation: Activation,
    /// Dropout before the dense head (training only).
    pub dropout: f64,
    pub outputs: usize,
}

impl Cnn {
    /// The benchmark architecture: conv 4→64 k=15, BN, ReLU, max-pool 4, conv 64→64 k=5, BN,
    /// ReLU, global average pool, dense.
    pub fn reference(seq_len: usize, outputs: usize) -> Self {
        Cnn {
            seq_len,
            blocks: vec![
                ConvBlock { channels: 64, kernel: 15, dilation: 1, pool: Some(4) },
                ConvBlock { channels: 64, kernel: 5, dilation: 1, pool: None },
            ],
            activation: Activation::Relu,
            dropout: 0.0,
            outputs,
        }
    }
}

impl Model for Cnn {
    fn input_shape(&self) -> Vec<usize> {
        vec![4, self.seq_len]
    }

    fn outputs(&self) -> usize {
        self.outputs
    }

    fn forward(&self, g: &mut GraphBuilder, p: &mut Params, x: Value) -> Result<Value> {
        let (h, cin) = conv_stack(g, p, "", x, &self.blocks, self.activation)?;
        pooled_head(g, p, h, cin, self.outputs, self.dropout)
    }
}

/// The convolutional trunk shared by every model: for each block a `same`-padded conv (no bias;
/// BN follows), BN, activation and optional max pool. Parameters are named `{prefix}conv{i}.*`
/// and `{prefix}bn{i}.*`. Returns the features `[N, C, L']` and their channel count.
pub fn conv_stack(
    g: &mut GraphBuilder,
    p: &mut Params,
    prefix: &str,
    x: Value,
    blocks: &[ConvBlock],
    activation: Activation,
) -> Result<(Value, usize)> {
    let mut h = x;
    let mut cin = 4;
    for (i, b) in blocks.iter().enumerate() {
        h = g.scoped(&format!("{prefix}block{i}"), |g| -> Result<Value> {
            let w = p.param(
                g,
                &format!("{prefix}conv{i}.weight"),
                &[b.channels, cin, b.kernel],
                Init::Uniform { fan_in: cin * b.kernel },
            )?;
            let conv = Conv1d::same(b.kernel as i64, b.dilation as i64);
            let h = conv_batch_norm(g, p, &format!("{prefix}bn{i}"), (h, w, conv), b.channels)?;
            let h = g.activation(activation, h)?;
            match b.pool {
                Some(k) if k > 1 => g.pool1d(h, Pool1d::max(k as i64)),
                _ => Ok(h),
            }
        })?;
        cin = b.channels;
    }
    Ok((h, cin))
}

/// Global average pool over positions, dropout, and a dense layer to `outputs` values
/// (parameters `dense.*`).
pub fn pooled_head(
    g: &mut GraphBuilder,
    p: &mut Params,
    h: Value,
    channels: usize,
    outputs: usize,
    ratio: f64,
) -> Result<Value> {
    g.scoped("head", |g| {
        let h = g.global_avg_pool(h)?;
        let h = g.flatten(h, 1)?;
        let h = dropout(g, p, h, ratio, 0)?;
        let w = p.param(g, "dense.weight", &[outputs, channels], Init::Uniform { fan_in: channels })?;
        let b = p.param(g, "dense.bias", &[outputs], Init::Uniform { fan_in: channels })?;
        g.dense(h, w, Some(b))
    })
}
