//! Ops that move data without arithmetic: their gradients move it back.

use super::{GradCtx, Op, check_arity, check_float};
use crate::error::{Error, Result, graph_err};
use crate::graph::{Dim, GraphBuilder, Shape, Value, normalize_axis, shape::show};
use crate::onnx::attr_int;

/// Output shape of an ONNX Reshape to a static target: 0 copies the input dimension, one -1 is
/// inferred. A symbolic input dimension must be copied by a 0 at the same position.
pub fn reshape_shape(op: &str, input: &[Dim], target: &[i64]) -> Result<Shape> {
    if target == [-1] {
        let n: Option<i64> = input.iter().map(Dim::fixed).product();
        return Ok(vec![n.map_or_else(|| Dim::Sym("numel".into()), Dim::Fixed)]);
    }
    let mut known_in: i64 = 1;
    for (i, d) in input.iter().enumerate() {
        match d {
            Dim::Fixed(n) => known_in *= n,
            Dim::Sym(s) if target.get(i) != Some(&0) => {
                return Err(graph_err(op, format!("cannot reshape {} to {target:?}: `{s}` is not kept", show(input))));
            }
            Dim::Sym(_) => {}
        }
    }
    let mut out: Shape = Vec::with_capacity(target.len());
    let mut known_out: i64 = 1;
    let mut infer = None;
    for (i, &t) in target.iter().enumerate() {
        match t {
            0 => {
                let d = input
                    .get(i)
                    .cloned()
                    .ok_or_else(|| graph_err(op, format!("0 at position {i} beyond input rank")))?;
                if let Dim::Fixed(n) = d {
                    known_out *= n;
                }
                out.push(d);
            }
            -1 if infer.is_none() => {
                infer = Some(i);
                out.push(Dim::Fixed(-1));
            }
            n if n > 0 => {
                known_out *= n;
                out.push(Dim::Fixed(n));
            }
            _ => return Err(graph_err(op, format!("bad reshape target {target:?}"))),
        }
    }
    if let Some(i) = infer {
        if known_in % known_out != 0 {
            return Err(graph_err(op, format!("cannot reshape {} to {target:?}", show(input))));
        }
        out[i] = Dim::Fixed(known_in / known_out);
    } else if known_in != known_out {
        return Err(graph_err(op, format!("cannot reshape {} ({known_in} elements) to {target:?}", show(input))));
    }
    Ok(out)
}

#[derive(Clone, Debug)]
pub struct Reshape(pub Vec<i64>);

impl Op for Reshape {
    fn name(&self) -> String {
        format!("Reshape({:?})", self.0)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 1..=1)?;
        Ok(vec![g.raw_reshape(x[0], &self.0).map_err(|e| rename(e, self))?])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        Ok(vec![Some(g.raw_reshape_like(c.dy(), c.inputs[0]))])
    }
}

/// Flatten to 2-D at `axis` (dimensions before it form the rows).
#[derive(Clone, Copy, Debug)]
pub struct Flatten(pub i64);

impl Op for Flatten {
    fn name(&self) -> String {
        format!("Flatten(axis={})", self.0)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 1..=1)?;
        let s = g.shape(x[0]).clone();
        let axis = normalize_axis(&self.name(), self.0, s.len() + 1)?;
        let prod = |dims: &[Dim]| -> Result<Dim> {
            match dims {
                [d @ Dim::Sym(_)] => Ok(d.clone()),
                _ => dims
                    .iter()
                    .map(|d| d.fixed().ok_or_else(|| graph_err(self.name(), format!("cannot flatten {}", show(&s)))))
                    .product::<Result<i64>>()
                    .map(Dim::Fixed),
            }
        };
        let shape = vec![prod(&s[..axis])?, prod(&s[axis..])?];
        let dtype = g.dtype(x[0]);
        Ok(vec![g.emit1("Flatten", x, vec![attr_int("axis", axis as i64)], dtype, shape)])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        Ok(vec![Some(g.raw_reshape_like(c.dy(), c.inputs[0]))])
    }
}

#[derive(Clone, Debug)]
pub struct Transpose(pub Vec<i64>);

impl Op for Transpose {
    fn name(&self) -> String {
        format!("Transpose({:?})", self.0)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 1..=1)?;
        let mut sorted = self.0.clone();
        sorted.sort();
        if sorted != (0..g.rank(x[0]) as i64).collect::<Vec<_>>() {
            return Err(graph_err(self.name(), format!("not a permutation of the axes of {}", show(g.shape(x[0])))));
        }
        Ok(vec![g.raw_transpose(x[0], &self.0)])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let mut inverse = vec![0; self.0.len()];
        for (i, &p) in self.0.iter().enumerate() {
            inverse[p as usize] = i as i64;
        }
        Ok(vec![Some(g.raw_transpose(c.dy(), &inverse))])
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Concat(pub i64);

impl Op for Concat {
    fn name(&self) -> String {
        format!("Concat(axis={})", self.0)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 1..=usize::MAX)?;
        check_float(g, self, x)?;
        let first = g.shape(x[0]).clone();
        let axis = normalize_axis(&self.name(), self.0, first.len())?;
        let mut total = 0;
        for &v in x {
            let s = g.shape(v);
            let same_elsewhere =
                s.len() == first.len() && s.iter().zip(&first).enumerate().all(|(i, (a, b))| i == axis || a == b);
            match (same_elsewhere, s[axis].fixed()) {
                (true, Some(n)) => total += n,
                _ => {
                    return Err(graph_err(
                        self.name(),
                        format!("cannot concatenate {} with {}", show(&first), show(s)),
                    ));
                }
            }
        }
        let mut shape = first;
        shape[axis] = Dim::Fixed(total);
        Ok(vec![g.emit1("Concat", x, vec![attr_int("axis", axis as i64)], g.float(), shape)])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let axis = normalize_axis(&self.name(), self.0, g.rank(c.inputs[0]))? as i64;
        let mut start = 0;
        let mut grads = Vec::new();
        for (i, &v) in c.inputs.iter().enumerate() {
            let n = g.shape(v)[axis as usize].fixed().expect("checked in forward");
            grads.push(if c.wants(i) { Some(g.raw_slice(c.dy(), &[start], &[start + n], &[axis])?) } else { None });
            start += n;
        }
        Ok(grads)
    }
}

/// Static slice with step 1 along known dimensions.
#[derive(Clone, Debug)]
pub struct Slice {
    pub starts: Vec<i64>,
    pub ends: Vec<i64>,
    pub axes: Vec<i64>,
}

impl Slice {
    /// Resolved `(axis, start, end)` per sliced axis, clamped like ONNX.
    fn resolve(&self, op: &str, shape: &[Dim]) -> Result<Vec<(usize, i64, i64)>> {
        if self.starts.len() != self.axes.len() || self.ends.len() != self.axes.len() {
            return Err(graph_err(op, "starts, ends and axes must have the same length"));
        }
        let mut out = Vec::new();
        for ((&s, &e), &a) in self.starts.iter().zip(&self.ends).zip(&self.axes) {
            let axis = normalize_axis(op, a, shape.len())?;
            let n = shape[axis].fixed().ok_or_else(|| graph_err(op, format!("cannot slice symbolic axis {axis}")))?;
            let clamp = |i: i64| if i < 0 { (i + n).max(0) } else { i.min(n) };
            let (s, e) = (clamp(s), clamp(e));
            if e <= s {
                return Err(graph_err(op, format!("empty slice {s}..{e} on axis {axis}")));
            }
            out.push((axis, s, e));
        }
        Ok(out)
    }
}

impl Op for Slice {
    fn name(&self) -> String {
        format!("Slice(starts={:?}, ends={:?}, axes={:?})", self.starts, self.ends, self.axes)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 1..=1)?;
        self.resolve(&self.name(), g.shape(x[0]))?;
        Ok(vec![g.raw_slice(x[0], &self.starts, &self.ends, &self.axes)?])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let x = c.inputs[0];
        let shape = g.shape(x).clone();
        let rank = shape.len();
        let mut pads = vec![0; 2 * rank];
        for (axis, s, e) in self.resolve(&self.name(), &shape)? {
            pads[axis] = s;
            pads[rank + axis] = shape[axis].fixed().expect("resolved") - e;
        }
        let p = g.const_i64(&pads);
        let dtype = g.dtype(x);
        Ok(vec![Some(g.emit1("Pad", &[c.dy(), p], vec![], dtype, shape))])
    }
}

impl GraphBuilder {
    /// Unrecorded static slice; see [`Slice`].
    pub fn raw_slice(&mut self, x: Value, starts: &[i64], ends: &[i64], axes: &[i64]) -> Result<Value> {
        let spec = Slice { starts: starts.to_vec(), ends: ends.to_vec(), axes: axes.to_vec() };
        let mut shape = self.shape(x).clone();
        for (axis, s, e) in spec.resolve("Slice", &shape)? {
            shape[axis] = Dim::Fixed(e - s);
        }
        let (s, e, a) = (self.const_i64(starts), self.const_i64(ends), self.const_i64(axes));
        let dtype = self.dtype(x);
        Ok(self.emit1("Slice", &[x, s, e, a], vec![], dtype, shape))
    }

    /// Unrecorded `x[..., start:end:step, ...]` along one known axis.
    pub fn raw_slice_step(&mut self, x: Value, start: i64, end: i64, axis: i64, step: i64) -> Result<Value> {
        let ax = normalize_axis("Slice", axis, self.rank(x))?;
        let n = self.shape(x)[ax].fixed().ok_or_else(|| graph_err("Slice", "cannot slice a symbolic axis"))?;
        let (s, e) = (start.clamp(0, n), end.clamp(0, n));
        if e <= s || step < 1 {
            return Err(graph_err("Slice", format!("empty slice {s}..{e} step {step} on axis {ax}")));
        }
        if (s, e, step) == (0, n, 1) {
            // The whole axis: ORT would copy it.
            return Ok(x);
        }
        let mut shape = self.shape(x).clone();
        shape[ax] = Dim::Fixed((e - s + step - 1) / step);
        let consts: Vec<Value> = [s, e, axis, step].iter().map(|&c| self.const_i64(&[c])).collect();
        let dtype = self.dtype(x);
        Ok(self.emit1("Slice", &[x, consts[0], consts[1], consts[2], consts[3]], vec![], dtype, shape))
    }

    pub fn reshape(&mut self, x: Value, target: &[i64]) -> Result<Value> {
        self.apply1(Reshape(target.to_vec()), &[x])
    }

    pub fn flatten(&mut self, x: Value, axis: i64) -> Result<Value> {
        self.apply1(Flatten(axis), &[x])
    }

    pub fn transpose(&mut self, x: Value, perm: &[i64]) -> Result<Value> {
        self.apply1(Transpose(perm.to_vec()), &[x])
    }

    pub fn concat(&mut self, xs: &[Value], axis: i64) -> Result<Value> {
        self.apply1(Concat(axis), xs)
    }

    pub fn slice(&mut self, x: Value, starts: &[i64], ends: &[i64], axes: &[i64]) -> Result<Value> {
        self.apply1(Slice { starts: starts.to_vec(), ends: ends.to_vec(), axes: axes.to_vec() }, &[x])
    }
}

fn rename(e: Error, op: &dyn Op) -> Error {
    match e {
        Error::Graph { message, .. } => Error::Graph { op: op.name(), message },
        e => e,
    }
}
