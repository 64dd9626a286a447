//! 1-D pooling over `[N, C, L]`.
//!
//! MaxPool's backward recomputes the pool with its `Indices` output (flat offsets into the whole
//! input) and scatter-adds `dy` there, so overlapping windows are handled; in the train step,
//! non-overlapping windows unpool instead ([`Pool1d::unpools`]).
//! AveragePool's backward is a depthwise ConvTranspose with a constant `1/k` kernel.

use super::{GradCtx, Op, check_arity, check_float, check_rank};
use crate::error::{Error, Result};
use crate::graph::{DType, Dim, GraphBuilder, Value};
use crate::onnx::{attr_int, attr_ints, attr_string};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Average,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool1d {
    pub kind: PoolKind,
    pub kernel: i64,
    pub stride: i64,
    pub pads: [i64; 2],
}

impl Pool1d {
    pub fn max(kernel: i64) -> Self {
        Pool1d { kind: PoolKind::Max, kernel, stride: kernel, pads: [0, 0] }
    }

    pub fn average(kernel: i64) -> Self {
        Pool1d { kind: PoolKind::Average, kernel, stride: kernel, pads: [0, 0] }
    }

    fn out_len(&self, len: i64) -> i64 {
        (len + self.pads[0] + self.pads[1] - self.kernel) / self.stride + 1
    }

    fn attrs(&self) -> Vec<crate::onnx::proto::AttributeProto> {
        let mut a = vec![
            attr_ints("kernel_shape", &[self.kernel]),
            attr_ints("strides", &[self.stride]),
            attr_ints("pads", &self.pads),
        ];
        if self.kind == PoolKind::Average {
            // Padding counts as zeros, so every window divides by k and the backward is linear.
            a.push(attr_int("count_include_pad", 1));
        }
        a
    }

    fn op_type(&self) -> &'static str {
        match self.kind {
            PoolKind::Max => "MaxPool",
            PoolKind::Average => "AveragePool",
        }
    }

    /// Whether the backward unpools: max-pooling whose windows cannot overlap (each input gets at
    /// most one gradient), in the train step (ORT runs `MaxUnpool` for float32 only, tract not
    /// at all). `MaxUnpool` writes `dy` at the indices into zeros in a third of the time of the
    /// general scatter ([32, 64, 230], pool of 4, 2 threads: 0.24 against 0.85 ms). Keeping the
    /// forward's indices instead of pooling again measured no faster (reference CNN and legnet,
    /// interleaved runs) and holds them in memory until the backward.
    fn unpools(&self, g: &GraphBuilder) -> bool {
        self.kind == PoolKind::Max && self.kernel <= self.stride && g.ort_only() && g.float() == DType::F32
    }

    fn dims(&self, g: &GraphBuilder, x: Value) -> Result<(i64, i64)> {
        let s = g.shape(x);
        match (s[1].fixed(), s[2].fixed()) {
            (Some(c), Some(l)) => Ok((c, l)),
            _ => Err(Error::Graph {
                op: self.name(),
                message: format!("channels and length of `{}` must be known", g.name(x)),
            }),
        }
    }
}

impl Op for Pool1d {
    fn name(&self) -> String {
        format!("{}1d(kernel={}, stride={}, pads={:?})", self.op_type(), self.kernel, self.stride, self.pads)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 1..=1)?;
        check_float(g, self, x)?;
        check_rank(g, self, x[0], "input", 3)?;
        let (_, len) = self.dims(g, x[0])?;
        let lout = self.out_len(len);
        if lout < 1 || self.stride < 1 || self.pads.iter().any(|&p| p >= self.kernel) {
            return Err(Error::Graph { op: self.name(), message: format!("does not fit length {len}") });
        }
        let mut shape = g.shape(x[0]).clone();
        shape[2] = Dim::Fixed(lout);
        Ok(vec![g.emit1(self.op_type(), x, self.attrs(), g.float(), shape)])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let (x, dy) = (c.inputs[0], c.dy());
        let (channels, len) = self.dims(g, x)?;
        let float = g.float();
        let dx = match self.kind {
            PoolKind::Max => {
                let y_shape = g.shape(dy).clone();
                let idx =
                    g.emit(self.op_type(), &[x], self.attrs(), vec![(float, y_shape.clone()), (DType::I64, y_shape)])
                        [1];
                if self.unpools(g) {
                    // MaxUnpool's attributes are MaxPool's.
                    let x_shape = g.raw_shape_of(x);
                    let shape = g.shape(x).clone();
                    return Ok(vec![Some(g.emit1("MaxUnpool", &[dy, idx, x_shape], self.attrs(), float, shape))]);
                }
                let flat_idx = g.raw_reshape(idx, &[-1])?;
                let flat_dy = g.raw_reshape(dy, &[-1])?;
                let size = g.emit1("Size", &[x], vec![], DType::I64, vec![]);
                let size = g.raw_reshape(size, &[1])?;
                let flat_len = Dim::Sym("numel".into());
                let zeros = g.raw_zeros(size, vec![flat_len.clone()]);
                // Windows that cannot overlap never send two gradients to one input, and the
                // plain scatter is faster than the accumulating one.
                let mut attrs = vec![attr_int("axis", 0)];
                if self.kernel > self.stride {
                    attrs.push(attr_string("reduction", "add"));
                }
                let scattered = g.emit1("ScatterElements", &[zeros, flat_idx, flat_dy], attrs, float, vec![flat_len]);
                g.raw_reshape_like(scattered, x)
            }
            PoolKind::Average => {
                let k = self.kernel;
                let w = g.constant(&[channels, 1, k], &vec![1.0 / k as f64; (channels * k) as usize]);
                let covered = (self.out_len(len) - 1) * self.stride + k - self.pads[0] - self.pads[1];
                let attrs = vec![
                    attr_ints("kernel_shape", &[k]),
                    attr_ints("strides", &[self.stride]),
                    attr_ints("pads", &self.pads),
                    attr_ints("output_padding", &[len - covered]),
                    attr_int("group", channels),
                ];
                let shape = g.shape(x).clone();
                g.emit1("ConvTranspose", &[dy, w], attrs, float, shape)
            }
        };
        Ok(vec![Some(dx)])
    }
}

/// Mean over the length axis: `[N, C, L] -> [N, C, 1]`.
#[derive(Clone, Copy, Debug)]
pub struct GlobalAveragePool;

impl Op for GlobalAveragePool {
    fn name(&self) -> String {
        "GlobalAveragePool".into()
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 1..=1)?;
        check_float(g, self, x)?;
        check_rank(g, self, x[0], "input", 3)?;
        let mut shape = g.shape(x[0]).clone();
        shape[2] = Dim::Fixed(1);
        Ok(vec![g.emit1("GlobalAveragePool", x, vec![], g.float(), shape)])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let x = c.inputs[0];
        let len = g.shape(x)[2].fixed().ok_or_else(|| Error::Graph {
            op: self.name(),
            message: format!("length of `{}` must be known", g.name(x)),
        })?;
        let e = g.raw_expand_like(c.dy(), x);
        Ok(vec![Some(g.raw_scale(e, 1.0 / len as f64)?)])
    }
}

impl GraphBuilder {
    pub fn pool1d(&mut self, x: Value, pool: Pool1d) -> Result<Value> {
        self.apply1(pool, &[x])
    }

    pub fn max_pool1d(&mut self, x: Value, kernel: i64) -> Result<Value> {
        self.apply1(Pool1d::max(kernel), &[x])
    }

    pub fn global_avg_pool(&mut self, x: Value) -> Result<Value> {
        self.apply1(GlobalAveragePool, &[x])
    }
}
