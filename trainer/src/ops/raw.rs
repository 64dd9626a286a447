//! Unrecorded node helpers with shape inference, for backward rules and optimizer updates.

use crate::error::Result;
use crate::graph::{DType, Dim, GraphBuilder, Shape, Value, broadcast_shapes, normalize_axis};
use crate::onnx::{attr_int, attr_ints, attr_tensor, tensor_f32, tensor_f64};

/// Elements per sample (the product of a tensor's known dimensions) from which
/// [`GraphBuilder::raw_pad_last_axis`] pads by a Concat instead of ORT's Pad.
pub const PAD_BY_CONCAT_MIN_ELEMENTS: i64 = 8192;

impl GraphBuilder {
    /// Broadcasting binary op (`Add`, `Sub`, `Mul`, `Div`, `Pow`), not recorded.
    pub fn raw_binary(&mut self, op_type: &str, a: Value, b: Value) -> Result<Value> {
        let shape = broadcast_shapes(op_type, self.shape(a), self.shape(b))?;
        let dtype = self.dtype(a);
        Ok(self.emit1(op_type, &[a, b], vec![], dtype, shape))
    }

    /// Shape-preserving unary op, not recorded.
    pub fn raw_unary(&mut self, op_type: &str, x: Value) -> Value {
        let (dtype, shape) = (self.dtype(x), self.shape(x).clone());
        self.emit1(op_type, &[x], vec![], dtype, shape)
    }

    pub fn raw_add(&mut self, a: Value, b: Value) -> Result<Value> {
        self.raw_binary("Add", a, b)
    }

    pub fn raw_mul(&mut self, a: Value, b: Value) -> Result<Value> {
        self.raw_binary("Mul", a, b)
    }

    pub fn raw_scale(&mut self, x: Value, s: f64) -> Result<Value> {
        let c = self.scalar(s);
        self.raw_binary("Mul", x, c)
    }

    /// The number of elements of `x` as a float scalar, computed at run time (a batch axis is
    /// symbolic).
    pub fn raw_element_count(&mut self, x: Value) -> Value {
        let size = self.emit1("Size", &[x], vec![], DType::I64, vec![]);
        self.raw_cast(size, self.float())
    }

    /// `Shape(x)` as an int64 vector.
    pub fn raw_shape_of(&mut self, x: Value) -> Value {
        let r = self.rank(x) as i64;
        self.emit1("Shape", &[x], vec![], DType::I64, vec![Dim::Fixed(r)])
    }

    /// `x` with `before` and `after` zeros at the ends of its last axis (of known size). Large
    /// tensors take a Concat with zeros made at run time: ORT's Pad copies on one thread, and
    /// took 2.1 ms for a `[256, 128, 230]` tensor where this takes 1.4 (2 threads, LegNet's
    /// first stage). The zeros cost four small nodes, some 30 µs a step, which outweighs the
    /// gain below [`PAD_BY_CONCAT_MIN_ELEMENTS`] per sample (the reference CNN's pads).
    pub fn raw_pad_last_axis(&mut self, x: Value, before: i64, after: i64) -> Result<Value> {
        if before == 0 && after == 0 {
            return Ok(x);
        }
        let rank = self.rank(x);
        let last = self.shape(x)[rank - 1]
            .fixed()
            .ok_or_else(|| crate::error::graph_err("Pad", "cannot pad a symbolic axis"))?;
        let float = self.dtype(x);
        let per_sample: i64 = self.shape(x).iter().filter_map(Dim::fixed).product();
        if per_sample < PAD_BY_CONCAT_MIN_ELEMENTS {
            let mut pads = vec![0; 2 * rank];
            (pads[rank - 1], pads[2 * rank - 1]) = (before, after);
            let pads = self.const_i64(&pads);
            let mut shape = self.shape(x).clone();
            shape[rank - 1] = Dim::Fixed(last + before + after);
            return Ok(self.emit1("Pad", &[x, pads], vec![], float, shape));
        }
        let shape = self.raw_shape_of(x);
        let (from, to) = (self.const_i64(&[0]), self.const_i64(&[-1]));
        let lead = self.emit1("Slice", &[shape, from, to], vec![], DType::I64, vec![Dim::Fixed(rank as i64 - 1)]);
        // Zeros shaped as `x` but `n` long on the last axis.
        let zeros = |g: &mut Self, n: i64| -> Value {
            let size = g.const_i64(&[n]);
            let dims =
                g.emit1("Concat", &[lead, size], vec![attr_int("axis", 0)], DType::I64, vec![Dim::Fixed(rank as i64)]);
            let mut zshape = g.shape(x).clone();
            zshape[rank - 1] = Dim::Fixed(n);
            g.raw_zeros(dims, zshape)
        };
        let mut inputs = Vec::new();
        if before > 0 {
            inputs.push(zeros(self, before));
        }
        inputs.push(x);
        if after > 0 {
            inputs.push(zeros(self, after));
        }
        let mut out = self.shape(x).clone();
        out[rank - 1] = Dim::Fixed(last + before + after);
        Ok(self.emit1("Concat", &inputs, vec![attr_int("axis", rank as i64 - 1)], float, out))
    }

    /// Zeros of the graph's float type, shaped by the int64 vector `dims` at run time (`shape`
    /// as far as it is known here).
    pub fn raw_zeros(&mut self, dims: Value, shape: Shape) -> Value {
        let float = self.float();
        let zero = match float {
            DType::F64 => tensor_f64("zero", &[1], &[0.0]),
            _ => tensor_f32("zero", &[1], &[0.0]),
        };
        self.emit1("ConstantOfShape", &[dims], vec![attr_tensor("value", zero)], float, shape)
    }

    /// `x` reshaped to the runtime shape of `like`.
    pub fn raw_reshape_like(&mut self, x: Value, like: Value) -> Value {
        let s = self.raw_shape_of(like);
        let (dtype, shape) = (self.dtype(x), self.shape(like).clone());
        self.emit1("Reshape", &[x, s], vec![], dtype, shape)
    }

    /// `x` broadcast to the runtime shape of `like`.
    pub fn raw_expand_like(&mut self, x: Value, like: Value) -> Value {
        let s = self.raw_shape_of(like);
        let (dtype, shape) = (self.dtype(x), self.shape(like).clone());
        self.emit1("Expand", &[x, s], vec![], dtype, shape)
    }

    /// Reshape to a static target (0 copies the input dimension, as in ONNX).
    pub fn raw_reshape(&mut self, x: Value, target: &[i64]) -> Result<Value> {
        let shape = crate::ops::shape::reshape_shape("Reshape", self.shape(x), target)?;
        let t = self.const_i64(target);
        let dtype = self.dtype(x);
        Ok(self.emit1("Reshape", &[x, t], vec![], dtype, shape))
    }

    pub fn raw_transpose(&mut self, x: Value, perm: &[i64]) -> Value {
        let shape: Shape = perm.iter().map(|&p| self.shape(x)[p as usize].clone()).collect();
        let dtype = self.dtype(x);
        self.emit1("Transpose", &[x], vec![attr_ints("perm", perm)], dtype, shape)
    }

    /// `ReduceSum`/`ReduceMean`/... over `axes`, not recorded.
    ///
    /// A reduction over the last axis and others runs as two nodes, the contiguous last axis
    /// first: ORT's kernel for a reduce-keep-reduce pattern such as `[N, C, L]` → `[1, C, 1]`
    /// reads at a third to a half of the speed of the last-axis kernel (`ReduceSum` of
    /// `[512, 256, 230]` over `[0, 2]`: 4.2 ms; over `[2]`, then `[0]`: 2.6 ms, 2 threads).
    pub fn raw_reduce(&mut self, op_type: &str, x: Value, axes: &[i64], keepdims: bool) -> Result<Value> {
        let rank = self.rank(x);
        let mut axes: Vec<usize> = axes.iter().map(|&a| normalize_axis(op_type, a, rank)).collect::<Result<_>>()?;
        axes.sort_unstable();
        axes.dedup();
        let then = match op_type {
            "ReduceSum" | "ReduceSumSquare" => Some("ReduceSum"),
            "ReduceMean" | "ReduceMax" | "ReduceMin" => Some(op_type),
            _ => None,
        };
        if let Some(then) = then.filter(|_| axes.len() > 1 && axes.last() == Some(&(rank - 1))) {
            let last = self.raw_reduce_axes(op_type, x, &[rank - 1], true);
            let rest = self.raw_reduce_axes(then, last, &axes[..axes.len() - 1], true);
            return Ok(if keepdims { rest } else { self.raw_squeeze_axes(rest, &axes) });
        }
        Ok(self.raw_reduce_axes(op_type, x, &axes, keepdims))
    }

    fn raw_reduce_axes(&mut self, op_type: &str, x: Value, axes: &[usize], keepdims: bool) -> Value {
        let shape = reduced_shape(self.shape(x), axes, keepdims);
        let ax = self.const_i64(&axes.iter().map(|&a| a as i64).collect::<Vec<_>>());
        let dtype = self.dtype(x);
        self.emit1(op_type, &[x, ax], vec![attr_int("keepdims", keepdims as i64)], dtype, shape)
    }

    /// `x` without its size-1 `axes`.
    fn raw_squeeze_axes(&mut self, x: Value, axes: &[usize]) -> Value {
        let shape = reduced_shape(self.shape(x), axes, false);
        let ax = self.const_i64(&axes.iter().map(|&a| a as i64).collect::<Vec<_>>());
        let dtype = self.dtype(x);
        self.emit1("Squeeze", &[x, ax], vec![], dtype, shape)
    }

    pub fn raw_cast(&mut self, x: Value, to: DType) -> Value {
        let shape = self.shape(x).clone();
        self.emit1("Cast", &[x], vec![attr_int("to", to.onnx() as i64)], to, shape)
    }

    /// Sum `dy` over the axes along which a value of shape `target` was broadcast to `dy`'s shape.
    pub fn reduce_to_shape(&mut self, dy: Value, target: &Shape) -> Result<Value> {
        let ys = self.shape(dy).clone();
        if &ys == target {
            return Ok(dy);
        }
        let lead = ys.len() - target.len();
        let mut v = dy;
        if lead > 0 {
            v = self.raw_reduce("ReduceSum", v, &(0..lead as i64).collect::<Vec<_>>(), false)?;
        }
        let cur = self.shape(v).clone();
        let axes: Vec<i64> = target
            .iter()
            .zip(&cur)
            .enumerate()
            .filter(|(_, (t, c))| **t == Dim::Fixed(1) && **c != Dim::Fixed(1))
            .map(|(i, _)| i as i64)
            .collect();
        if !axes.is_empty() {
            v = self.raw_reduce("ReduceSum", v, &axes, true)?;
        }
        Ok(v)
    }
}

pub(crate) fn reduced_shape(shape: &[Dim], axes: &[usize], keepdims: bool) -> Shape {
    shape
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match (axes.contains(&i), keepdims) {
            (false, _) => Some(d.clone()),
            (true, true) => Some(Dim::Fixed(1)),
            (true, false) => None,
        })
        .collect()
}
