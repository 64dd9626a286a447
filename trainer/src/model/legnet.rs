//! `legnet`: the MPRALegNet design (Agarwal et al. 2025; `autosome-ru/human_legnet`, `model.py`),
//! an EfficientNetV2-like CNN.
//!
//! - stem: conv 4 → `stem_channels` (kernel `stem_kernel`, no bias), BN, SiLU;
//! - per stage `i` with input width `c` and output width `stages[i]`: an inverted-bottleneck
//!   block — 1×1 conv to `expand·c`, BN, SiLU; depthwise conv (kernel `kernels[i]`), BN, SiLU;
//!   squeeze-excitation (mean over length → dense to `expand·c / se_reduction` → SiLU → dense
//!   back → sigmoid → scale the channels; none when `se_reduction` is 0); 1×1 conv back to `c`, BN, SiLU — whose output is
//!   concatenated in front of its input (`2c` channels), then conv to `stages[i]` (kernel
//!   `kernels[i]`), BN, SiLU, and max-pool `pools[i]`;
//! - mapper: BN, 1×1 conv (with bias) to `2·stages[last]`; mean over length;
//! - head: dense `2·w → 2·w`, BN, SiLU, dense to the outputs.
//!
//! Convolutions are `same`-padded and, except the mapper's, have no bias (BN follows).
//! Initialisation follows the published code: conv weights N(0, 2 / (kernel · out channels)),
//! dense weights N(0, 0.001²), biases 0, BN scale 1 and shift 0.
//!
//! Sizes: `human_legnet` builds its squeeze-excitation as `SELayer(inner_dim, reduction =
//! resize_factor)`, i.e. `se_reduction = expand = 4`; with the published sizes (stem 64, kernel
//! 11; stages 80/96/112/128 with kernel 9, pools 2, expansion 4) that is 1,322,465 weights for
//! one output (857,825 with the example config's kernels 5 / 3). The original DREAM-challenge
//! LegNet squeezes to a quarter of the block's *input* width, `se_reduction = 16` here: 1,128,665
//! weights (664,025 with kernels 5 / 3) — the "1.13M" often quoted.

use super::{Model, batch_norm, conv_batch_norm};
use crate::error::{Error, Result};
use crate::graph::{GraphBuilder, Value};
use crate::ops::conv::Conv1d;
use crate::ops::pool::Pool1d;
use crate::params::{Init, Params};

#[derive(Clone, Debug, PartialEq)]
pub struct LegNet {
    pub seq_len: usize,
    pub stem_channels: usize,
    pub stem_kernel: usize,
    /// Output width of each stage.
    pub stages: Vec<usize>,
    /// Kernel of each stage's depthwise conv and of its conv to the stage width.
    pub kernels: Vec<usize>,
    /// Max-pool window after each stage (1: none).
    pub pools: Vec<usize>,
    /// Expansion of the inverted bottleneck.
    pub expand: usize,
    /// The squeeze-excitation's hidden width is the expanded width divided by this; 0: no
    /// squeeze-excitation. Without it every op before the final pool sees a bounded window, so a
    /// substitution changes a bounded span of each layer and scans can be incremental.
    pub se_reduction: usize,
    pub outputs: usize,
}

impl LegNet {
    /// The published MPRALegNet sizes.
    pub fn published(seq_len: usize, outputs: usize) -> Self {
        LegNet {
            seq_len,
            stem_channels: 64,
            stem_kernel: 11,
            stages: vec![80, 96, 112, 128],
            kernels: vec![9; 4],
            pools: vec![2; 4],
            expand: 4,
            se_reduction: 4,
            outputs,
        }
    }

    fn check(&self) -> Result<()> {
        let n = self.stages.len();
        if n == 0 || self.kernels.len() != n || self.pools.len() != n {
            return Err(Error::Invalid(format!(
                "legnet needs one kernel and one pool per stage: {} stages, {} kernels, {} pools",
                n,
                self.kernels.len(),
                self.pools.len()
            )));
        }
        if self.expand == 0 || self.stem_channels == 0 || self.stem_kernel == 0 {
            return Err(Error::Invalid("legnet sizes must be at least 1".into()));
        }
        Ok(())
    }
}

/// Conv weight initialised as the published code does: N(0, 2 / (kernel · out channels)).
fn conv_weight(g: &mut GraphBuilder, p: &mut Params, name: &str, shape: [usize; 3]) -> Result<Value> {
    let std = (2.0 / (shape[2] * shape[0]) as f64).sqrt();
    p.param(g, name, &shape, Init::Normal { std })
}

/// Dense layer `name.weight` `[out, in]` N(0, 0.001²), `name.bias` 0.
pub fn legnet_dense(
    g: &mut GraphBuilder,
    p: &mut Params,
    name: &str,
    x: Value,
    cin: usize,
    cout: usize,
) -> Result<Value> {
    let w = p.param(g, &format!("{name}.weight"), &[cout, cin], Init::Normal { std: 0.001 })?;
    let b = p.param(g, &format!("{name}.bias"), &[cout], Init::Zeros)?;
    g.dense(x, w, Some(b))
}

/// `same`-padded conv without bias, BN, SiLU (`name.conv.weight`, `name.bn.*`).
fn conv_bn_silu(
    g: &mut GraphBuilder,
    p: &mut Params,
    name: &str,
    x: Value,
    (cin, cout, kernel, group): (usize, usize, usize, usize),
) -> Result<Value> {
    let w = conv_weight(g, p, &format!("{name}.conv.weight"), [cout, cin / group, kernel])?;
    let conv = Conv1d::same(kernel as i64, 1).grouped(group as i64);
    let h = conv_batch_norm(g, p, &format!("{name}.bn"), (x, w, conv), cout)?;
    g.silu(h)
}

/// Squeeze-excitation over `x` `[N, C, L]`: mean over length, dense `C → hidden`, SiLU, dense
/// back to `C`, sigmoid, and the channels of `x` scaled by the result (parameters `name.fc1.*`,
/// `name.fc2.*`).
pub fn squeeze_excitation(
    g: &mut GraphBuilder,
    p: &mut Params,
    name: &str,
    x: Value,
    channels: usize,
    hidden: usize,
) -> Result<Value> {
    let s = g.reduce_mean(x, &[2], false)?; // [N, C]
    let s = legnet_dense(g, p, &format!("{name}.fc1"), s, channels, hidden)?;
    let s = g.silu(s)?;
    let s = legnet_dense(g, p, &format!("{name}.fc2"), s, hidden, channels)?;
    let s = g.sigmoid(s)?;
    let s = g.reshape(s, &[0, channels as i64, 1])?;
    g.mul(x, s)
}

impl Model for LegNet {
    fn input_shape(&self) -> Vec<usize> {
        vec![4, self.seq_len]
    }

    fn outputs(&self) -> usize {
        self.outputs
    }

    fn forward(&self, g: &mut GraphBuilder, p: &mut Params, x: Value) -> Result<Value> {
        self.check()?;
        let mut h =
            g.scoped("stem", |g| conv_bn_silu(g, p, "stem", x, (4, self.stem_channels, self.stem_kernel, 1)))?;
        let mut c = self.stem_channels;
        for (i, &out) in self.stages.iter().enumerate() {
            let (k, e) = (self.kernels[i], self.expand);
            h = g.scoped(&format!("stage{i}"), |g| -> Result<Value> {
                let pre = format!("stage{i}");
                let inner = c * e;
                let b = conv_bn_silu(g, p, &format!("{pre}.expand"), h, (c, inner, 1, 1))?;
                let b = conv_bn_silu(g, p, &format!("{pre}.depthwise"), b, (inner, inner, k, inner))?;
                let b = match self.se_reduction {
                    0 => b,
                    r => squeeze_excitation(g, p, &format!("{pre}.se"), b, inner, (inner / r).max(1))?,
                };
                let b = conv_bn_silu(g, p, &format!("{pre}.project"), b, (inner, c, 1, 1))?;
                let cat = g.concat(&[b, h], 1)?;
                let h = conv_bn_silu(g, p, &format!("{pre}.local"), cat, (2 * c, out, k, 1))?;
                match self.pools[i] {
                    k if k > 1 => g.pool1d(h, Pool1d::max(k as i64)),
                    _ => Ok(h),
                }
            })?;
            c = out;
        }
        g.scoped("head", |g| -> Result<Value> {
            let h = batch_norm(g, p, "mapper.bn", h, c)?;
            let w = conv_weight(g, p, "mapper.conv.weight", [2 * c, c, 1])?;
            let b = p.param(g, "mapper.conv.bias", &[2 * c], Init::Zeros)?;
            let h = g.conv1d(h, w, Some(b), Conv1d::default())?;
            let h = g.global_avg_pool(h)?;
            let h = g.flatten(h, 1)?;
            let h = legnet_dense(g, p, "head.fc", h, 2 * c, 2 * c)?;
            let h = batch_norm(g, p, "head.bn", h, 2 * c)?;
            let h = g.silu(h)?;
            legnet_dense(g, p, "dense", h, 2 * c, self.outputs)
        })
    }
}
