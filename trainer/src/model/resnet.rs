//! `dilated-resnet`: a residual tower of dilated convolutions, then one global average pool and
//! a dense head.
//!
//! - stem: conv 4 → `stem_channels` (kernel `stem_kernel`, no bias), BN, activation;
//! - block `i` (width `channels[i]`, kernel `kernels[i]`, dilation `dilations[i]`):
//!   `y = act(skip(h) + BN(conv1×1(act(BN(conv_k,d(h))))))`, where `skip` is the identity, or a
//!   1×1 conv + BN when the width changes; then max-pool `pools[i]` if > 1;
//! - head: global average pool, dropout, dense to `2·w`, activation, dense to the outputs.
//!
//! Everything before the pool acts position by position or through sliding windows (conv,
//! max-pool, BN with fixed statistics, pointwise activations, residual adds of equally strided
//! tensors), so the browser's windowed fast saturation mutagenesis (`wasm/src/graph.rs::split`)
//! applies to it; LegNet's squeeze-excitation, a mean over the whole sequence inside the trunk,
//! rules that out for `legnet`. Parameters: `stem.*`, `block{i}.conv{1,2}.weight`,
//! `block{i}.bn{1,2}.*`, `block{i}.skip.*`, `hidden.*`, `dense.*`; conv and dense weights
//! U(±1/√fan_in) (PyTorch's default).

use super::{Model, conv_batch_norm, dropout};
use crate::error::{Error, Result};
use crate::graph::{GraphBuilder, Value};
use crate::ops::activation::Activation;
use crate::ops::conv::Conv1d;
use crate::ops::pool::Pool1d;
use crate::params::{Init, Params};

#[derive(Clone, Debug, PartialEq)]
pub struct DilatedResNet {
    pub seq_len: usize,
    pub stem_channels: usize,
    pub stem_kernel: usize,
    pub channels: Vec<usize>,
    pub kernels: Vec<usize>,
    pub dilations: Vec<usize>,
    pub pools: Vec<usize>,
    pub activation: Activation,
    pub dropout: f64,
    pub outputs: usize,
}

impl DilatedResNet {
    /// The default tower: stem 128 channels kernel 15 and max-pool 2 after the first block,
    /// six blocks of 128 channels with kernel 3 and dilations 1, 2, 4, 8, 16, 32, SiLU.
    pub fn default_for(seq_len: usize, outputs: usize) -> Self {
        DilatedResNet {
            seq_len,
            stem_channels: 128,
            stem_kernel: 15,
            channels: vec![128; 6],
            kernels: vec![3; 6],
            dilations: vec![1, 2, 4, 8, 16, 32],
            pools: vec![2, 1, 1, 1, 1, 1],
            activation: Activation::Silu,
            dropout: 0.2,
            outputs,
        }
    }
}

/// `same`-padded conv without bias (weight `name`) and batch norm (`bn_name.*`).
fn conv_bn(
    g: &mut GraphBuilder,
    p: &mut Params,
    (name, bn_name): (&str, &str),
    x: Value,
    (cin, cout, kernel, dilation): (usize, usize, usize, usize),
) -> Result<Value> {
    let w = p.param(g, name, &[cout, cin, kernel], Init::Uniform { fan_in: cin * kernel })?;
    conv_batch_norm(g, p, bn_name, (x, w, Conv1d::same(kernel as i64, dilation as i64)), cout)
}

impl Model for DilatedResNet {
    fn input_shape(&self) -> Vec<usize> {
        vec![4, self.seq_len]
    }

    fn outputs(&self) -> usize {
        self.outputs
    }

    fn forward(&self, g: &mut GraphBuilder, p: &mut Params, x: Value) -> Result<Value> {
        let n = self.channels.len();
        if n == 0 || self.kernels.len() != n || self.dilations.len() != n || self.pools.len() != n {
            return Err(Error::Invalid(
                "dilated-resnet needs one kernel, dilation and pool per block of --channels".into(),
            ));
        }
        let act = self.activation;
        let mut h = g.scoped("stem", |g| -> Result<Value> {
            let h = conv_bn(g, p, ("stem.conv.weight", "stem.bn"), x, (4, self.stem_channels, self.stem_kernel, 1))?;
            g.activation(act, h)
        })?;
        let mut c = self.stem_channels;
        for i in 0..n {
            let (w, k, d) = (self.channels[i], self.kernels[i], self.dilations[i]);
            h = g.scoped(&format!("block{i}"), |g| -> Result<Value> {
                let pre = format!("block{i}");
                let r = conv_bn(g, p, (&format!("{pre}.conv1.weight"), &format!("{pre}.bn1")), h, (c, w, k, d))?;
                let r = g.activation(act, r)?;
                let r = conv_bn(g, p, (&format!("{pre}.conv2.weight"), &format!("{pre}.bn2")), r, (w, w, 1, 1))?;
                let skip = if c == w {
                    h
                } else {
                    conv_bn(g, p, (&format!("{pre}.skip.weight"), &format!("{pre}.skip_bn")), h, (c, w, 1, 1))?
                };
                let y = g.add(skip, r)?;
                let y = g.activation(act, y)?;
                match self.pools[i] {
                    k if k > 1 => g.pool1d(y, Pool1d::max(k as i64)),
                    _ => Ok(y),
                }
            })?;
            c = w;
        }
        g.scoped("head", |g| -> Result<Value> {
            let h = g.global_avg_pool(h)?;
            let h = g.flatten(h, 1)?;
            let h = dropout(g, p, h, self.dropout, 0)?;
            let w1 = p.param(g, "hidden.weight", &[2 * c, c], Init::Uniform { fan_in: c })?;
            let b1 = p.param(g, "hidden.bias", &[2 * c], Init::Uniform { fan_in: c })?;
            let h = g.dense(h, w1, Some(b1))?;
            let h = g.activation(act, h)?;
            let w2 = p.param(g, "dense.weight", &[self.outputs, 2 * c], Init::Uniform { fan_in: 2 * c })?;
            let b2 = p.param(g, "dense.bias", &[self.outputs], Init::Uniform { fan_in: 2 * c })?;
            g.dense(h, w2, Some(b2))
        })
    }
}
