//! Batch and layer normalization.
//!
//! Training-mode batch norm is written out in elementary ONNX ops with a fused backward rule,
//! plus the running-statistics update; the inference graph uses the native
//! `BatchNormalization` node with those running statistics. Layer norm is the native
//! `LayerNormalization` node in both, with its backward rule written out.

use super::conv::Conv1d;
use super::{GradCtx, Op, check_arity, check_float};
use crate::error::{Result, graph_err};
use crate::graph::{Dim, GraphBuilder, Value, shape::show};
use crate::onnx::{attr_float, attr_int};

/// Axes a per-channel statistic reduces over for `[N, C, ...]`, and the shape `[1, C, 1, ...]`
/// a `[C]` parameter is viewed as.
fn channel_layout(g: &GraphBuilder, op: &str, x: Value, param: Value) -> Result<(Vec<i64>, Vec<i64>)> {
    let s = g.shape(x);
    let c = s.get(1).and_then(Dim::fixed).filter(|_| s.len() >= 2);
    let Some(c) = c else {
        return Err(graph_err(op, format!("input `{}` must be [N, C, ...] with known C, is {}", g.name(x), show(s))));
    };
    if g.shape(param) != &vec![Dim::Fixed(c)] {
        return Err(graph_err(op, format!("`{}` must have shape [{c}], has {}", g.name(param), show(g.shape(param)))));
    }
    let axes = (0..s.len() as i64).filter(|&a| a != 1).collect();
    let mut view = vec![1; s.len()];
    view[1] = c;
    Ok((axes, view))
}

/// `1/n` as a scalar, `n` the count each channel's statistics of `x` `[N, C, ...]` run over
/// (the batch is symbolic).
fn per_channel_count_inverse(g: &mut GraphBuilder, x: Value, channels: i64) -> Value {
    let size = g.raw_element_count(x);
    let c = g.scalar(channels as f64);
    g.raw_binary("Div", c, size).expect("scalars broadcast")
}

/// `x·scale + bias` per channel of `x` `[N, C, ...]` (`scale`, `bias`: `[C]`) in one node:
/// ONNX's inference-mode `BatchNormalization` with zero mean, unit variance and no epsilon. ORT
/// runs it on one thread, in about the time of the two two-thread passes (`Mul`, then `Add`) it
/// replaces, and without their intermediate tensor (`examples/profile_step`, LegNet's first
/// stage: 1.5 ms each way).
fn channel_affine(g: &mut GraphBuilder, x: Value, scale: Value, bias: Value) -> Result<Value> {
    let c = g.shape(scale).clone();
    let c_count = c[0].fixed().expect("per-channel parameters have a known size");
    let zeros = g.constant(&[c_count], &vec![0.0; c_count as usize]);
    let ones = g.constant(&[c_count], &vec![1.0; c_count as usize]);
    let inputs = [x, scale, bias, zeros, ones];
    let shape = g.shape(x).clone();
    Ok(g.emit1("BatchNormalization", &inputs, vec![attr_float("epsilon", 0.0)], g.float(), shape))
}

/// Inference-mode batch norm, inputs `x, scale, bias, running_mean, running_var`.
#[derive(Clone, Copy, Debug)]
pub struct BatchNormInference {
    pub epsilon: f32,
}

impl Op for BatchNormInference {
    fn name(&self) -> String {
        format!("BatchNormalization(epsilon={})", self.epsilon)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 5..=5)?;
        check_float(g, self, x)?;
        for &p in &x[1..] {
            channel_layout(g, &self.name(), x[0], p)?;
        }
        let shape = g.shape(x[0]).clone();
        Ok(vec![g.emit1("BatchNormalization", x, vec![attr_float("epsilon", self.epsilon)], g.float(), shape)])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let [x, scale, _, mean, var] = c.inputs[..] else { unreachable!("arity checked") };
        let dy = c.dy();
        let (axes, view) = channel_layout(g, &self.name(), x, scale)?;
        let eps = g.scalar(self.epsilon as f64);
        let ve = g.raw_add(var, eps)?;
        let sd = g.raw_unary("Sqrt", ve);
        let one = g.scalar(1.0);
        let inv = g.raw_binary("Div", one, sd)?;
        let mut grads = vec![None; 5];
        if c.wants(0) {
            let a = g.raw_mul(scale, inv)?;
            let a = g.raw_reshape(a, &view)?;
            grads[0] = Some(g.raw_mul(dy, a)?);
        }
        if c.wants(1) {
            let m = g.raw_reshape(mean, &view)?;
            let inv_v = g.raw_reshape(inv, &view)?;
            let xc = g.raw_binary("Sub", x, m)?;
            let xhat = g.raw_mul(xc, inv_v)?;
            let p = g.raw_mul(dy, xhat)?;
            grads[1] = Some(g.raw_reduce("ReduceSum", p, &axes, false)?);
        }
        if c.wants(2) {
            grads[2] = Some(g.raw_reduce("ReduceSum", dy, &axes, false)?);
        }
        Ok(grads)
    }
}

/// Layer normalization over the last axis, inputs `x, scale, bias` (`scale`, `bias`: `[D]`).
#[derive(Clone, Copy, Debug)]
pub struct LayerNorm {
    pub epsilon: f32,
}

impl Op for LayerNorm {
    fn name(&self) -> String {
        format!("LayerNormalization(epsilon={})", self.epsilon)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 3..=3)?;
        check_float(g, self, x)?;
        let d = g.shape(x[0]).last().cloned();
        for &p in &x[1..] {
            if g.shape(p).len() != 1 || g.shape(p).first() != d.as_ref() {
                return Err(graph_err(
                    self.name(),
                    format!("`{}` must be [D] for input {}", g.name(p), show(g.shape(x[0]))),
                ));
            }
        }
        let shape = g.shape(x[0]).clone();
        let attrs = vec![attr_int("axis", -1), attr_float("epsilon", self.epsilon)];
        Ok(vec![g.emit1("LayerNormalization", x, attrs, g.float(), shape)])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let [x, scale, _] = c.inputs[..] else { unreachable!("arity checked") };
        let dy = c.dy();
        let mean = g.raw_reduce("ReduceMean", x, &[-1], true)?;
        let xc = g.raw_binary("Sub", x, mean)?;
        let sq = g.raw_mul(xc, xc)?;
        let var = g.raw_reduce("ReduceMean", sq, &[-1], true)?;
        let eps = g.scalar(self.epsilon as f64);
        let ve = g.raw_add(var, eps)?;
        let sd = g.raw_unary("Sqrt", ve);
        let xhat = g.raw_binary("Div", xc, sd)?;
        let mut grads = vec![None; 3];
        if c.wants(0) {
            // dx = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / σ with ĝ = dy·scale.
            let gh = g.raw_mul(dy, scale)?;
            let m1 = g.raw_reduce("ReduceMean", gh, &[-1], true)?;
            let gx = g.raw_mul(gh, xhat)?;
            let m2 = g.raw_reduce("ReduceMean", gx, &[-1], true)?;
            let t = g.raw_mul(xhat, m2)?;
            let d = g.raw_binary("Sub", gh, m1)?;
            let d = g.raw_binary("Sub", d, t)?;
            grads[0] = Some(g.raw_binary("Div", d, sd)?);
        }
        if c.wants(1) {
            let p = g.raw_mul(dy, xhat)?;
            let s = g.shape(scale).clone();
            grads[1] = Some(g.reduce_to_shape(p, &s)?);
        }
        if c.wants(2) {
            let s = g.shape(c.inputs[2]).clone();
            grads[2] = Some(g.reduce_to_shape(dy, &s)?);
        }
        Ok(grads)
    }
}

/// Training-mode batch norm over `[N, C, ...]` with inputs `x, scale, bias`, written out in
/// elementary ONNX ops (ORT's BatchNormalization has no training mode outside training builds).
/// Outputs `y`, the batch mean and biased variance (`[1, C, 1, ...]`), and `x − mean`, `1/σ` and
/// `1/n` (`n` the count each channel's statistics run over), which the backward rule and the
/// running statistics reuse. With `x̂ = (x − mean)/σ`:
/// `dx = (scale/σ)·(dy − mean(dy) − x̂·mean(dy·x̂))`, `dscale = Σ dy·x̂`, `dbias = Σ dy`.
///
/// Each full-size pass costs as much as the next on CPU, so both directions are written to make
/// few: forward `y = (x − mean)·(scale/σ) + bias` (no separate `x̂`), backward two sums
/// (`Σ dy`, `Σ dy·(x − mean)`) from which the means and both parameter gradients follow, and
/// `dx = (dy − Σdy/n − (x − mean)·Σdy·(x − mean)/(n·σ²))·scale/σ`.
#[derive(Clone, Copy, Debug)]
pub struct BatchNormTraining {
    pub epsilon: f32,
}

impl Op for BatchNormTraining {
    fn name(&self) -> String {
        format!("BatchNormalization(train, epsilon={})", self.epsilon)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 3..=3)?;
        check_float(g, self, x)?;
        let (axes, view) = channel_layout(g, &self.name(), x[0], x[1])?;
        channel_layout(g, &self.name(), x[0], x[2])?;
        let c_count = view[1];
        let mean = g.raw_reduce("ReduceMean", x[0], &axes, true)?;
        let xc = g.raw_binary("Sub", x[0], mean)?;
        let ss = g.raw_reduce("ReduceSumSquare", xc, &axes, true)?;
        let rn = per_channel_count_inverse(g, x[0], c_count);
        let var = g.raw_mul(ss, rn)?;
        let eps = g.scalar(self.epsilon as f64);
        let ve = g.raw_add(var, eps)?;
        let sd = g.raw_unary("Sqrt", ve);
        let inv = g.raw_unary("Reciprocal", sd);
        let inv_c = g.raw_reshape(inv, &[c_count])?;
        let a = g.raw_mul(x[1], inv_c)?;
        let y = channel_affine(g, xc, a, x[2])?;
        Ok(vec![y, mean, var, xc, inv, rn])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let parts = self.backward_parts(g, c.inputs, c.outputs, c.dy(), c.wants(0))?;
        let dx = match parts.unscaled {
            Some(u) => Some(g.raw_mul(u, parts.factor)?),
            None => None,
        };
        Ok(vec![dx, c.wants(1).then_some(parts.dscale), c.wants(2).then_some(parts.dbias)])
    }
}

/// Batch norm's backward up to its per-channel factor: `dx = a·u`, `a = scale/σ`.
pub(crate) struct BatchNormGrads {
    /// `u = dy − mean(dy) − (x − mean)·mean(dy·x̂)/σ`, when the input's gradient is wanted.
    pub unscaled: Option<Value>,
    /// `a` as `[1, C, 1, ...]`.
    pub factor: Value,
    pub dscale: Value,
    pub dbias: Value,
}

impl BatchNormTraining {
    /// With the two sums `Σ dy`, `Σ dy·(x − mean)`: `u = dy − (k·(x − mean) + m1)`, `m1 =
    /// Σdy/n`, `k = Σdy·(x − mean)/(n·σ²)`, two full-size passes (the per-channel affine as one
    /// node, then the difference). `inputs`, `outputs` as [`BatchNormTraining`]'s forward.
    pub(crate) fn backward_parts(
        &self,
        g: &mut GraphBuilder,
        inputs: &[Value],
        outputs: &[Value],
        dy: Value,
        wants_input: bool,
    ) -> Result<BatchNormGrads> {
        let (x, scale) = (inputs[0], inputs[1]);
        let (xc, inv) = (outputs[3], outputs[4]);
        let (axes, view) = channel_layout(g, &self.name(), x, scale)?;
        let c_count = view[1];
        let p = g.raw_mul(dy, xc)?;
        let sum_dy = g.raw_reduce("ReduceSum", dy, &axes, true)?; // [1, C, 1, ...]
        let sum_p = g.raw_reduce("ReduceSum", p, &axes, true)?;
        let s = g.raw_reshape(scale, &view)?;
        let factor = g.raw_mul(s, inv)?;
        let unscaled = if wants_input {
            let rn = outputs[5];
            let m1 = g.raw_mul(sum_dy, rn)?;
            let m2 = g.raw_mul(sum_p, rn)?;
            let inv2 = g.raw_mul(inv, inv)?;
            let k = g.raw_mul(m2, inv2)?;
            let k = g.raw_reshape(k, &[c_count])?;
            let m1 = g.raw_reshape(m1, &[c_count])?;
            let fit = channel_affine(g, xc, k, m1)?;
            Some(g.raw_binary("Sub", dy, fit)?)
        } else {
            None
        };
        let ds = g.raw_mul(sum_p, inv)?;
        Ok(BatchNormGrads {
            unscaled,
            factor,
            dscale: g.raw_reshape(ds, &[c_count])?,
            dbias: g.raw_reshape(sum_dy, &[c_count])?,
        })
    }
}

/// A convolution without bias feeding a training-mode batch norm, inputs `x, w, scale, bias`,
/// outputs those of [`BatchNormTraining`] (the batch norm's input is the convolution's output).
///
/// One op so that the backward can fold batch norm's per-channel factor `a = scale/σ` into the
/// convolution: with `dy_conv = a·u` ([`BatchNormGrads`]), the input gradient is the
/// convolution's with weights `a·w` (per output channel, a `[Cout, Cin/G, K]` product) and the
/// weight gradient `a` times the one for `u`. That saves batch norm's last full-size pass, `a·u`.
#[derive(Clone, Copy, Debug)]
pub struct ConvBatchNorm {
    pub conv: Conv1d,
    pub bn: BatchNormTraining,
}

impl Op for ConvBatchNorm {
    fn name(&self) -> String {
        format!("{} + {}", self.conv.name(), self.bn.name())
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 4..=4)?;
        let h = self.conv.forward(g, &x[..2])?[0];
        self.bn.forward(g, &[h, x[2], x[3]])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let (x, w, dy) = (c.inputs[0], c.inputs[1], c.dy());
        let h = c.outputs[3]; // any value of the convolution's output shape will do
        let bn_inputs = [h, c.inputs[2], c.inputs[3]];
        let parts = self.bn.backward_parts(g, &bn_inputs, c.outputs, dy, c.wants(0) || c.wants(1))?;
        let mut grads = vec![None, None, c.wants(2).then_some(parts.dscale), c.wants(3).then_some(parts.dbias)];
        if let Some(u) = parts.unscaled {
            let len = self.conv.fixed_dim(g, x, 2, "length")?;
            let k = self.conv.fixed_dim(g, w, 2, "size")?;
            let lout = self.conv.out_len(len, k);
            let cout = self.conv.fixed_dim(g, w, 0, "size")?;
            let a = g.raw_reshape(parts.factor, &[cout, 1, 1])?;
            if c.wants(0) {
                let wa = g.raw_mul(w, a)?;
                grads[0] = Some(self.conv.input_grad(g, x, wa, u, len, lout)?);
            }
            if c.wants(1) {
                let dw = self.conv.weight_grad(g, x, w, u, lout)?;
                grads[1] = Some(g.raw_mul(dw, a)?);
            }
        }
        Ok(grads)
    }
}

/// Outputs of a training-mode batch norm.
pub struct BatchNormTrain {
    pub y: Value,
    pub running_mean: Value,
    pub running_var: Value,
}

impl GraphBuilder {
    /// Inference batch norm with running statistics.
    pub fn batch_norm(
        &mut self,
        x: Value,
        scale: Value,
        bias: Value,
        mean: Value,
        var: Value,
        epsilon: f32,
    ) -> Result<Value> {
        self.apply1(BatchNormInference { epsilon }, &[x, scale, bias, mean, var])
    }

    /// Training batch norm: normalise by the batch statistics and return the updated running
    /// statistics (`momentum` weighs the new batch, as in PyTorch; the running variance is the
    /// unbiased one).
    pub fn batch_norm_train(
        &mut self,
        x: Value,
        scale: Value,
        bias: Value,
        running: (Value, Value),
        momentum: f64,
        epsilon: f32,
    ) -> Result<BatchNormTrain> {
        let op = BatchNormTraining { epsilon };
        let outs = self.apply(op, &[x, scale, bias])?;
        self.running_statistics(&op.name(), scale, &outs, running, momentum)
    }

    /// [`batch_norm_train`](Self::batch_norm_train) of the output of a convolution without bias
    /// of `x` by `w`, as one op ([`ConvBatchNorm`]: a full-size pass fewer in the backward).
    #[allow(clippy::too_many_arguments)]
    pub fn conv_batch_norm_train(
        &mut self,
        x: Value,
        w: Value,
        conv: Conv1d,
        scale: Value,
        bias: Value,
        running: (Value, Value),
        momentum: f64,
        epsilon: f32,
    ) -> Result<BatchNormTrain> {
        let op = ConvBatchNorm { conv, bn: BatchNormTraining { epsilon } };
        let outs = self.apply(op, &[x, w, scale, bias])?;
        self.running_statistics(&op.name(), scale, &outs, running, momentum)
    }

    /// The normalised output and the running statistics (checked to be per channel) updated
    /// from a training-mode batch norm's outputs.
    fn running_statistics(
        &mut self,
        op: &str,
        scale: Value,
        outs: &[Value],
        running: (Value, Value),
        momentum: f64,
    ) -> Result<BatchNormTrain> {
        let (y, mean, var, rn) = (outs[0], outs[1], outs[2], outs[5]);
        for p in [running.0, running.1] {
            channel_layout(self, op, y, p)?;
        }
        let c = self.shape(scale)[0].fixed().expect("checked by the op");
        let mean_c = self.raw_reshape(mean, &[c])?;
        let var_c = self.raw_reshape(var, &[c])?;
        // n/(n − 1) = 1/(1 − 1/n), from the forward's count: a `Size` of a full-size tensor here
        // would keep that tensor alive until ORT gets round to these nodes (legnet, batch 128:
        // +280 MB peak when it was the normalised output).
        let one = self.scalar(1.0);
        let rest = self.raw_binary("Sub", one, rn)?;
        let bessel = self.raw_binary("Div", one, rest)?;
        let var_unbiased = self.raw_mul(var_c, bessel)?;
        let update = |g: &mut Self, old: Value, new: Value| -> Result<Value> {
            let a = g.raw_scale(old, 1.0 - momentum)?;
            let b = g.raw_scale(new, momentum)?;
            g.raw_add(a, b)
        };
        let running_mean = update(self, running.0, mean_c)?;
        let running_var = update(self, running.1, var_unbiased)?;
        Ok(BatchNormTrain { y, running_mean, running_var })
    }

    pub fn layer_norm(&mut self, x: Value, scale: Value, bias: Value, epsilon: f32) -> Result<Value> {
        self.apply1(LayerNorm { epsilon }, &[x, scale, bias])
    }
}
