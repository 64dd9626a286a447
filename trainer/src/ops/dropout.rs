//! Dropout, present only in training graphs: the native op in training mode returns its mask,
//! and the backward rule reuses it.

use super::{GradCtx, Op, check_arity, check_float};
use crate::error::{Result, graph_err};
use crate::graph::{DType, GraphBuilder, Value};
use crate::onnx::attr_int;

#[derive(Clone, Copy, Debug)]
pub struct Dropout {
    pub ratio: f64,
    pub seed: i64,
}

impl Op for Dropout {
    fn name(&self) -> String {
        format!("Dropout(ratio={})", self.ratio)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 1..=1)?;
        check_float(g, self, x)?;
        if !(0.0..1.0).contains(&self.ratio) {
            return Err(graph_err(self.name(), "ratio must be in [0, 1)"));
        }
        let ratio = g.scalar(self.ratio);
        let training = g.const_bool(true);
        let shape = g.shape(x[0]).clone();
        let outs = g.emit(
            "Dropout",
            &[x[0], ratio, training],
            vec![attr_int("seed", self.seed)],
            vec![(g.float(), shape.clone()), (DType::Bool, shape)],
        );
        Ok(outs)
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let mask = g.raw_cast(c.outputs[1], g.float());
        let d = g.raw_mul(c.dy(), mask)?;
        Ok(vec![Some(g.raw_scale(d, 1.0 / (1.0 - self.ratio))?)])
    }
}

impl GraphBuilder {
    /// Training-time dropout; returns the kept-and-rescaled values (the mask is internal).
    pub fn dropout(&mut self, x: Value, ratio: f64, seed: i64) -> Result<Value> {
        Ok(self.apply(Dropout { ratio, seed }, &[x])?[0])
    }
}
