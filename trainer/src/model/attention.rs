//! `cnn-attention`: the CNN trunk, then one pre-norm transformer block over its positions
//! (learned positional embedding, multi-head self-attention, feed-forward, residuals), then the
//! pooled dense head. The trunk finds motifs; attention lets distant motifs inform each other.

use super::Model;
use super::cnn::{Cnn, conv_stack, pooled_head};
use crate::error::{Error, Result};
use crate::graph::{Dim, GraphBuilder, Value};
use crate::params::{Init, Params};

#[derive(Clone, Debug)]
pub struct CnnAttention {
    /// Trunk, activation, dropout and outputs as for [`Cnn`].
    pub cnn: Cnn,
    pub heads: usize,
}

impl Model for CnnAttention {
    fn input_shape(&self) -> Vec<usize> {
        self.cnn.input_shape()
    }

    fn outputs(&self) -> usize {
        self.cnn.outputs
    }

    fn forward(&self, g: &mut GraphBuilder, p: &mut Params, x: Value) -> Result<Value> {
        let (h, c) = conv_stack(g, p, "", x, &self.cnn.blocks, self.cnn.activation)?;
        let t = match g.shape(h).get(2) {
            Some(Dim::Fixed(t)) => *t as usize,
            other => return Err(Error::Invalid(format!("attention needs a fixed number of positions, got {other:?}"))),
        };
        if self.heads == 0 || c % self.heads != 0 {
            return Err(Error::Invalid(format!("{} channels cannot be split into {} attention heads", c, self.heads)));
        }
        let h = g.scoped("attention", |g| -> Result<Value> {
            let h = g.transpose(h, &[0, 2, 1])?; // [N, T, C]
            let position = p.param(g, "attn.position", &[t, c], Init::Uniform { fan_in: c })?;
            let h = g.add(h, position)?;
            let a = layer_norm(g, p, "attn.ln1", h, c)?;
            let a = self_attention(g, p, a, t, c, self.heads)?;
            let h = g.add(h, a)?;
            let f = layer_norm(g, p, "attn.ln2", h, c)?;
            let f = linear(g, p, "attn.ff1", f, c, 2 * c)?;
            let f = g.activation(self.cnn.activation, f)?;
            let f = linear(g, p, "attn.ff2", f, 2 * c, c)?;
            let h = g.add(h, f)?;
            g.transpose(h, &[0, 2, 1]) // back to [N, C, T]
        })?;
        pooled_head(g, p, h, c, self.cnn.outputs, self.cnn.dropout)
    }
}

/// Multi-head scaled dot-product self-attention over `x` `[N, T, C]`.
fn self_attention(g: &mut GraphBuilder, p: &mut Params, x: Value, t: usize, c: usize, heads: usize) -> Result<Value> {
    let d = c / heads;
    let (t, h, d_) = (t as i64, heads as i64, d as i64);
    let project = |g: &mut GraphBuilder, p: &mut Params, name: &str| -> Result<Value> {
        let w = p.param(g, &format!("attn.{name}.weight"), &[c, c], Init::Uniform { fan_in: c })?;
        g.matmul(x, w)
    };
    let (q, k, v) = (project(g, p, "q")?, project(g, p, "k")?, project(g, p, "v")?);
    let q = g.reshape(q, &[0, t, h, d_])?;
    let q = g.transpose(q, &[0, 2, 1, 3])?; // [N, H, T, D]
    let k = g.reshape(k, &[0, t, h, d_])?;
    let k = g.transpose(k, &[0, 2, 3, 1])?; // [N, H, D, T]
    let v = g.reshape(v, &[0, t, h, d_])?;
    let v = g.transpose(v, &[0, 2, 1, 3])?;
    let scores = g.matmul(q, k)?;
    let scale = g.scalar(1.0 / (d as f64).sqrt());
    let scores = g.mul(scores, scale)?;
    let weights = g.softmax(scores, -1)?;
    let o = g.matmul(weights, v)?; // [N, H, T, D]
    let o = g.transpose(o, &[0, 2, 1, 3])?;
    let o = g.reshape(o, &[0, t, c as i64])?;
    let w = p.param(g, "attn.out.weight", &[c, c], Init::Uniform { fan_in: c })?;
    g.matmul(o, w)
}

fn layer_norm(g: &mut GraphBuilder, p: &mut Params, name: &str, x: Value, c: usize) -> Result<Value> {
    let scale = p.param(g, &format!("{name}.weight"), &[c], Init::Ones)?;
    let bias = p.param(g, &format!("{name}.bias"), &[c], Init::Zeros)?;
    g.layer_norm(x, scale, bias, 1e-5)
}

/// `x @ W + b` over the last axis.
fn linear(g: &mut GraphBuilder, p: &mut Params, name: &str, x: Value, cin: usize, cout: usize) -> Result<Value> {
    let w = p.param(g, &format!("{name}.weight"), &[cin, cout], Init::Uniform { fan_in: cin })?;
    let b = p.param(g, &format!("{name}.bias"), &[cout], Init::Uniform { fan_in: cin })?;
    let y = g.matmul(x, w)?;
    g.add(y, b)
}
