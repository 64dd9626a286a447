//! The op registry: each op emits its forward node(s) with shape inference and states its
//! backward rule in standard ONNX ops.
//!
//! Ops are applied through [`GraphBuilder`] methods (`g.conv1d(..)`, `g.add(..)`, ...) which
//! record them on the tape. Backward rules emit plain nodes through the unrecorded helpers in
//! [`raw`], so a gradient graph is never itself differentiated.

pub mod activation;
pub mod conv;
pub mod dropout;
pub mod elementwise;
pub mod matmul;
pub mod norm;
pub mod pool;
pub mod raw;
pub mod reduce;
pub mod shape;
pub mod softmax;

use crate::error::{Error, Result};
use crate::graph::{GraphBuilder, Value};

/// A differentiable op.
pub trait Op {
    /// Name used in error messages, e.g. `Conv1d(stride=2)`.
    fn name(&self) -> String;

    /// Emit the forward node(s), checking dtypes and shapes, and return the outputs.
    fn forward(&self, g: &mut GraphBuilder, inputs: &[Value]) -> Result<Vec<Value>>;

    /// Emit nodes for the gradient of each input that `ctx.wants`, given the gradients of the
    /// outputs (`None` for outputs nothing downstream depends on). Returned gradients have the
    /// shapes of their inputs.
    fn backward(&self, g: &mut GraphBuilder, ctx: &GradCtx) -> Result<Vec<Option<Value>>>;
}

/// What a backward rule sees of one recorded op application.
pub struct GradCtx<'a> {
    pub inputs: &'a [Value],
    pub outputs: &'a [Value],
    pub output_grads: &'a [Option<Value>],
    pub wants: &'a [bool],
}

impl GradCtx<'_> {
    /// Gradient of the first output; rules for single-output ops use only this.
    pub fn dy(&self) -> Value {
        self.output_grads[0].expect("autodiff calls a backward rule only with a gradient for output 0")
    }

    pub fn wants(&self, i: usize) -> bool {
        self.wants.get(i).copied().unwrap_or(false)
    }
}

pub(crate) fn check_arity(op: &dyn Op, inputs: &[Value], range: std::ops::RangeInclusive<usize>) -> Result<()> {
    if range.contains(&inputs.len()) {
        Ok(())
    } else {
        Err(Error::Graph { op: op.name(), message: format!("takes {range:?} inputs, got {}", inputs.len()) })
    }
}

pub(crate) fn check_float(g: &GraphBuilder, op: &dyn Op, inputs: &[Value]) -> Result<()> {
    for &v in inputs {
        if g.dtype(v) != g.float() {
            return Err(Error::Graph {
                op: op.name(),
                message: format!("input `{}` is {:?}, the graph computes in {:?}", g.name(v), g.dtype(v), g.float()),
            });
        }
    }
    Ok(())
}

pub(crate) fn check_rank(g: &GraphBuilder, op: &dyn Op, v: Value, what: &str, rank: usize) -> Result<()> {
    if g.rank(v) == rank {
        Ok(())
    } else {
        Err(Error::Graph {
            op: op.name(),
            message: format!(
                "{what} `{}` must have rank {rank}, has shape {}",
                g.name(v),
                crate::graph::shape::show(g.shape(v))
            ),
        })
    }
}
