//! 1-D convolution (groups = 1) over `[N, C, L]`.
//!
//! Backward: the input gradient is a ConvTranspose of `dy` with the same weights; the weight
//! gradient is a Conv of the input by `dy` with batch and channels swapped, where the forward
//! stride becomes the dilation and the forward dilation the stride.

use super::{GradCtx, Op, check_arity, check_float, check_rank};
use crate::error::{Error, Result};
use crate::graph::{Dim, GraphBuilder, Value};
use crate::onnx::{attr_int, attr_ints};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv1d {
    pub stride: i64,
    /// Zero padding at the start and end of the sequence.
    pub pads: [i64; 2],
    pub dilation: i64,
}

impl Default for Conv1d {
    fn default() -> Self {
        Conv1d { stride: 1, pads: [0, 0], dilation: 1 }
    }
}

impl Conv1d {
    /// Padding that keeps the length for stride 1 (extra padding, if any, at the end).
    pub fn same(kernel: i64, dilation: i64) -> Self {
        let total = dilation * (kernel - 1);
        Conv1d { stride: 1, pads: [total / 2, total - total / 2], dilation }
    }

    fn out_len(&self, len: i64, kernel: i64) -> i64 {
        (len + self.pads[0] + self.pads[1] - self.dilation * (kernel - 1) - 1) / self.stride + 1
    }

    fn fixed_dim(&self, g: &GraphBuilder, v: Value, axis: usize, what: &str) -> Result<i64> {
        g.shape(v)[axis]
            .fixed()
            .ok_or_else(|| Error::Graph { op: self.name(), message: format!("{what} of `{}` must be known", g.name(v)) })
    }

    fn attrs(&self, kernel: i64) -> Vec<crate::onnx::proto::AttributeProto> {
        vec![
            attr_ints("kernel_shape", &[kernel]),
            attr_ints("strides", &[self.stride]),
            attr_ints("pads", &self.pads),
            attr_ints("dilations", &[self.dilation]),
            attr_int("group", 1),
        ]
    }
}

impl Op for Conv1d {
    fn name(&self) -> String {
        format!("Conv1d(stride={}, pads={:?}, dilation={})", self.stride, self.pads, self.dilation)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 2..=3)?;
        check_float(g, self, x)?;
        check_rank(g, self, x[0], "input", 3)?;
        check_rank(g, self, x[1], "weight", 3)?;
        let cin = self.fixed_dim(g, x[0], 1, "channel count")?;
        let len = self.fixed_dim(g, x[0], 2, "length")?;
        let (cout, wcin, k) = (
            self.fixed_dim(g, x[1], 0, "size")?,
            self.fixed_dim(g, x[1], 1, "size")?,
            self.fixed_dim(g, x[1], 2, "size")?,
        );
        if cin != wcin {
            return Err(Error::Graph {
                op: self.name(),
                message: format!("input `{}` has {cin} channels, weight `{}` expects {wcin}", g.name(x[0]), g.name(x[1])),
            });
        }
        if let Some(&b) = x.get(2) {
            if g.shape(b) != &vec![Dim::Fixed(cout)] {
                return Err(Error::Graph { op: self.name(), message: format!("bias `{}` must have shape [{cout}]", g.name(b)) });
            }
        }
        let lout = self.out_len(len, k);
        if lout < 1 || self.stride < 1 || self.dilation < 1 {
            return Err(Error::Graph { op: self.name(), message: format!("length {len} with kernel {k} gives no output") });
        }
        let shape = vec![g.shape(x[0])[0].clone(), Dim::Fixed(cout), Dim::Fixed(lout)];
        Ok(vec![g.emit1("Conv", x, self.attrs(k), g.float(), shape)])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let (x, w, dy) = (c.inputs[0], c.inputs[1], c.dy());
        let len = self.fixed_dim(g, x, 2, "length")?;
        let k = self.fixed_dim(g, w, 2, "size")?;
        let lout = self.out_len(len, k);
        let mut grads = vec![None; c.inputs.len()];
        if c.wants(0) {
            // Output padding restores the input positions a strided conv never reached.
            let covered = (lout - 1) * self.stride + self.dilation * (k - 1) + 1 - self.pads[0] - self.pads[1];
            let attrs = vec![
                attr_ints("kernel_shape", &[k]),
                attr_ints("strides", &[self.stride]),
                attr_ints("pads", &self.pads),
                attr_ints("dilations", &[self.dilation]),
                attr_ints("output_padding", &[len - covered]),
            ];
            let shape = g.shape(x).clone();
            grads[0] = Some(g.emit1("ConvTranspose", &[dy, w], attrs, g.float(), shape));
        }
        if c.wants(1) {
            let xt = g.raw_transpose(x, &[1, 0, 2]);
            let dyt = g.raw_transpose(dy, &[1, 0, 2]);
            let swapped = Conv1d { stride: self.dilation, pads: self.pads, dilation: self.stride };
            let kfull = swapped.out_len(len, lout);
            let cin = g.shape(x)[1].clone();
            let cout = g.shape(w)[0].clone();
            let dw = g.emit1("Conv", &[xt, dyt], swapped.attrs(lout), g.float(), vec![cin, cout, Dim::Fixed(kfull)]);
            // With a stride that does not divide the padded length the swapped conv reaches past
            // the last tap; those extra positions are not weights.
            let dw = if kfull > k { g.raw_slice(dw, &[0], &[k], &[2])? } else { dw };
            grads[1] = Some(g.raw_transpose(dw, &[1, 0, 2]));
        }
        if c.inputs.len() == 3 && c.wants(2) {
            grads[2] = Some(g.raw_reduce("ReduceSum", dy, &[0, 2], false)?);
        }
        Ok(grads)
    }
}

impl GraphBuilder {
    /// 1-D convolution of `x` `[N, Cin, L]` by `w` `[Cout, Cin, K]` plus optional bias `[Cout]`.
    pub fn conv1d(&mut self, x: Value, w: Value, bias: Option<Value>, conv: Conv1d) -> Result<Value> {
        let mut inputs = vec![x, w];
        inputs.extend(bias);
        self.apply1(conv, &inputs)
    }
}
