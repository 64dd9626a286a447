//! Broadcasting arithmetic: gradients are summed back over the broadcast axes.

use super::{GradCtx, Op, check_arity, check_float};
use crate::error::Result;
use crate::graph::{GraphBuilder, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryKind {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug)]
pub struct Binary(pub BinaryKind);

impl Op for Binary {
    fn name(&self) -> String {
        format!("{:?}", self.0)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 2..=2)?;
        check_float(g, self, x)?;
        Ok(vec![g.raw_binary(&self.name(), x[0], x[1])?])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let (a, b, dy) = (c.inputs[0], c.inputs[1], c.dy());
        let (sa, sb) = (g.shape(a).clone(), g.shape(b).clone());
        let mut da = None;
        let mut db = None;
        match self.0 {
            BinaryKind::Add | BinaryKind::Sub => {
                if c.wants(0) {
                    da = Some(g.reduce_to_shape(dy, &sa)?);
                }
                if c.wants(1) {
                    let r = g.reduce_to_shape(dy, &sb)?;
                    db = Some(if self.0 == BinaryKind::Sub { g.raw_unary("Neg", r) } else { r });
                }
            }
            BinaryKind::Mul => {
                if c.wants(0) {
                    let t = g.raw_mul(dy, b)?;
                    da = Some(g.reduce_to_shape(t, &sa)?);
                }
                if c.wants(1) {
                    let t = g.raw_mul(dy, a)?;
                    db = Some(g.reduce_to_shape(t, &sb)?);
                }
            }
            BinaryKind::Div => {
                let q = g.raw_binary("Div", dy, b)?;
                if c.wants(0) {
                    da = Some(g.reduce_to_shape(q, &sa)?);
                }
                if c.wants(1) {
                    // d(a/b)/db = -(a/b)/b, so the gradient is -(dy/b)·y.
                    let t = g.raw_mul(q, c.outputs[0])?;
                    let t = g.raw_unary("Neg", t);
                    db = Some(g.reduce_to_shape(t, &sb)?);
                }
            }
        }
        Ok(vec![da, db])
    }
}

impl GraphBuilder {
    pub fn add(&mut self, a: Value, b: Value) -> Result<Value> {
        self.apply1(Binary(BinaryKind::Add), &[a, b])
    }

    pub fn sub(&mut self, a: Value, b: Value) -> Result<Value> {
        self.apply1(Binary(BinaryKind::Sub), &[a, b])
    }

    pub fn mul(&mut self, a: Value, b: Value) -> Result<Value> {
        self.apply1(Binary(BinaryKind::Mul), &[a, b])
    }

    pub fn div(&mut self, a: Value, b: Value) -> Result<Value> {
        self.apply1(Binary(BinaryKind::Div), &[a, b])
    }
}
