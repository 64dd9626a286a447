//! ReduceSum / ReduceMean over static axes: the gradient is `dy` broadcast back over them.

use super::{GradCtx, Op, check_arity, check_float};
use crate::error::Result;
use crate::graph::{GraphBuilder, Value, normalize_axis};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceKind {
    Sum,
    Mean,
}

#[derive(Clone, Debug)]
pub struct Reduce {
    pub kind: ReduceKind,
    pub axes: Vec<i64>,
    pub keepdims: bool,
}

impl Reduce {
    fn op_type(&self) -> &'static str {
        match self.kind {
            ReduceKind::Sum => "ReduceSum",
            ReduceKind::Mean => "ReduceMean",
        }
    }
}

impl Op for Reduce {
    fn name(&self) -> String {
        format!("{}(axes={:?}, keepdims={})", self.op_type(), self.axes, self.keepdims)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 1..=1)?;
        check_float(g, self, x)?;
        Ok(vec![g.raw_reduce(self.op_type(), x[0], &self.axes, self.keepdims)?])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let (x, y) = (c.inputs[0], c.outputs[0]);
        let rank = g.rank(x);
        let axes: Vec<usize> =
            self.axes.iter().map(|&a| normalize_axis(&self.name(), a, rank)).collect::<Result<_>>()?;
        let mut dy = c.dy();
        if !self.keepdims {
            let kept = crate::ops::raw::reduced_shape(g.shape(x), &axes, true);
            let ax = g.const_i64(&axes.iter().map(|&a| a as i64).collect::<Vec<_>>());
            let dtype = g.dtype(dy);
            dy = g.emit1("Unsqueeze", &[dy, ax], vec![], dtype, kept);
        }
        // A mean's 1/n scales the small gradient before it is broadcast: one full-size pass.
        if self.kind == ReduceKind::Mean {
            let counts: Option<i64> = axes.iter().map(|&a| g.shape(x)[a].fixed()).product();
            dy = match counts {
                Some(n) => g.raw_scale(dy, 1.0 / n as f64)?,
                None => {
                    // A symbolic (batch) axis: divide by the element-count ratio at run time.
                    let (sx, sy) = (g.raw_element_count(x), g.raw_element_count(y));
                    let n = g.raw_binary("Div", sx, sy)?;
                    g.raw_binary("Div", dy, n)?
                }
            };
        }
        let dx = g.raw_expand_like(dy, x);
        Ok(vec![Some(dx)])
    }
}

impl GraphBuilder {
    pub fn reduce_sum(&mut self, x: Value, axes: &[i64], keepdims: bool) -> Result<Value> {
        self.apply1(Reduce { kind: ReduceKind::Sum, axes: axes.to_vec(), keepdims }, &[x])
    }

    pub fn reduce_mean(&mut self, x: Value, axes: &[i64], keepdims: bool) -> Result<Value> {
        self.apply1(Reduce { kind: ReduceKind::Mean, axes: axes.to_vec(), keepdims }, &[x])
    }

    /// Sum over every axis, to a scalar.
    pub fn sum_all(&mut self, x: Value) -> Result<Value> {
        let axes: Vec<i64> = (0..self.rank(x) as i64).collect();
        self.reduce_sum(x, &axes, false)
    }
}
