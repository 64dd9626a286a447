//! Softmax along one axis: `dx = y · (dy − Σ dy·y)`.

use super::{GradCtx, Op, check_arity, check_float};
use crate::error::Result;
use crate::graph::{GraphBuilder, Value, normalize_axis};
use crate::onnx::attr_int;

#[derive(Clone, Copy, Debug)]
pub struct Softmax(pub i64);

impl Op for Softmax {
    fn name(&self) -> String {
        format!("Softmax(axis={})", self.0)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 1..=1)?;
        check_float(g, self, x)?;
        let axis = normalize_axis(&self.name(), self.0, g.rank(x[0]))? as i64;
        let shape = g.shape(x[0]).clone();
        Ok(vec![g.emit1("Softmax", x, vec![attr_int("axis", axis)], g.float(), shape)])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let (y, dy) = (c.outputs[0], c.dy());
        let axis = normalize_axis(&self.name(), self.0, g.rank(y))? as i64;
        let p = g.raw_mul(dy, y)?;
        let s = g.raw_reduce("ReduceSum", p, &[axis], true)?;
        let d = g.raw_binary("Sub", dy, s)?;
        Ok(vec![Some(g.raw_mul(y, d)?)])
    }
}

impl GraphBuilder {
    pub fn softmax(&mut self, x: Value, axis: i64) -> Result<Value> {
        self.apply1(Softmax(axis), &[x])
    }
}
