//! `dual-branch`: the DeepCBA design. A promoter and its distal partner (an enhancer linked by
//! chromatin interaction, say) each pass through their own CNN trunk; the pooled features are
//! concatenated and a small dense network predicts expression.
//!
//! The model reads one input `[N, 4, Lp + Ld]`: the promoter followed by the partner, so a
//! predictor feeds one tensor; the manifest lists the two segments as two inputs of the same
//! graph input name, in order.

use super::cnn::{ConvBlock, conv_stack};
use super::{Model, dropout};
use crate::error::Result;
use crate::graph::{GraphBuilder, Value};
use crate::ops::activation::Activation;
use crate::params::{Init, Params};

#[derive(Clone, Debug)]
pub struct DualBranch {
    pub promoter_len: usize,
    pub distal_len: usize,
    /// Trunk of each branch (same shape, separate weights).
    pub blocks: Vec<ConvBlock>,
    pub activation: Activation,
    pub dropout: f64,
    /// Width of the dense layer after the merge.
    pub hidden: usize,
    pub outputs: usize,
}

impl Model for DualBranch {
    fn input_shape(&self) -> Vec<usize> {
        vec![4, self.promoter_len + self.distal_len]
    }

    fn outputs(&self) -> usize {
        self.outputs
    }

    fn forward(&self, g: &mut GraphBuilder, p: &mut Params, x: Value) -> Result<Value> {
        let (lp, ld) = (self.promoter_len as i64, self.distal_len as i64);
        let mut pooled = Vec::new();
        let mut width = 0;
        for (prefix, start, end) in [("promoter.", 0, lp), ("distal.", lp, lp + ld)] {
            let branch = g.slice(x, &[start], &[end], &[2])?;
            let (h, c) = conv_stack(g, p, prefix, branch, &self.blocks, self.activation)?;
            let h = g.global_avg_pool(h)?;
            pooled.push(g.flatten(h, 1)?);
            width += c;
        }
        g.scoped("merge", |g| {
            let h = g.concat(&pooled, 1)?;
            let w1 = p.param(g, "merge.weight", &[self.hidden, width], Init::Uniform { fan_in: width })?;
            let b1 = p.param(g, "merge.bias", &[self.hidden], Init::Uniform { fan_in: width })?;
            let h = g.dense(h, w1, Some(b1))?;
            let h = g.activation(self.activation, h)?;
            let h = dropout(g, p, h, self.dropout, 0)?;
            let w2 = p.param(g, "dense.weight", &[self.outputs, self.hidden], Init::Uniform { fan_in: self.hidden })?;
            let b2 = p.param(g, "dense.bias", &[self.outputs], Init::Uniform { fan_in: self.hidden })?;
            g.dense(h, w2, Some(b2))
        })
    }
}
