//! Elementwise activations. Each backward rule is `dy * f'(x)`, with `f'` written from whichever
//! of `x` and `y = f(x)` gives the cheaper expression.

use std::f64::consts::{FRAC_1_SQRT_2, PI};

use super::{GradCtx, Op, check_arity, check_float};
use crate::error::Result;
use crate::graph::{GraphBuilder, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Relu,
    /// Exact (erf) GELU, the native `Gelu` op of opset 20.
    Gelu,
    Softplus,
    Sigmoid,
    /// SiLU (swish), `x·σ(x)`, exported as `Sigmoid` and `Mul` (ONNX has no SiLU op before
    /// opset 24; tract and every ORT build run these two).
    Silu,
    Exp,
    Tanh,
    Sqrt,
    Neg,
}

impl Activation {
    fn op_type(self) -> &'static str {
        match self {
            Activation::Relu => "Relu",
            Activation::Gelu => "Gelu",
            Activation::Softplus => "Softplus",
            Activation::Sigmoid => "Sigmoid",
            Activation::Silu => "Silu",
            Activation::Exp => "Exp",
            Activation::Tanh => "Tanh",
            Activation::Sqrt => "Sqrt",
            Activation::Neg => "Neg",
        }
    }

    /// `f'(x)` as a graph value.
    fn derivative(self, g: &mut GraphBuilder, x: Value, y: Value) -> Result<Value> {
        Ok(match self {
            Activation::Relu => {
                // The mask cast to float, which the backward multiplies `dy` by: a pass more than
                // selecting `dy` (`Where`), but ORT's `Where` takes longer than `Greater`, `Cast`
                // and `Mul` together ([32, 64, 230], 2 threads: 0.59 against 0.37 ms; [128, 80,
                // 230]: 3.5 against 1.4 ms).
                let zero = g.scalar(0.0);
                let pos = g.raw_binary("Greater", x, zero)?;
                g.raw_cast(pos, g.float())
            }
            Activation::Gelu => {
                // Φ(x) + x·φ(x)
                let s = g.raw_scale(x, FRAC_1_SQRT_2)?;
                let erf = g.raw_unary("Erf", s);
                let one = g.scalar(1.0);
                let cdf = g.raw_add(erf, one)?;
                let cdf = g.raw_scale(cdf, 0.5)?;
                let x2 = g.raw_mul(x, x)?;
                let e = g.raw_scale(x2, -0.5)?;
                let e = g.raw_unary("Exp", e);
                let pdf = g.raw_scale(e, 1.0 / (2.0 * PI).sqrt())?;
                let xpdf = g.raw_mul(x, pdf)?;
                g.raw_add(cdf, xpdf)?
            }
            Activation::Softplus => g.raw_unary("Sigmoid", x),
            Activation::Silu => unreachable!("SiLU's backward reads σ(x) from its second output"),
            Activation::Sigmoid => {
                let one = g.scalar(1.0);
                let omy = g.raw_binary("Sub", one, y)?;
                g.raw_mul(y, omy)?
            }
            Activation::Exp => y,
            Activation::Tanh => {
                let one = g.scalar(1.0);
                let y2 = g.raw_mul(y, y)?;
                g.raw_binary("Sub", one, y2)?
            }
            Activation::Sqrt => {
                let half = g.scalar(0.5);
                g.raw_binary("Div", half, y)?
            }
            Activation::Neg => {
                let m = g.scalar(-1.0);
                g.raw_expand_like(m, x)
            }
        })
    }
}

impl Op for Activation {
    fn name(&self) -> String {
        self.op_type().to_string()
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 1..=1)?;
        check_float(g, self, x)?;
        if *self == Activation::Silu {
            // σ(x) is a second output, so the backward rule need not recompute it.
            let s = g.raw_unary("Sigmoid", x[0]);
            return Ok(vec![g.raw_mul(x[0], s)?, s]);
        }
        Ok(vec![g.raw_unary(self.op_type(), x[0])])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        match self {
            Activation::Neg => return Ok(vec![Some(g.raw_unary("Neg", c.dy()))]),
            Activation::Silu => {
                // d/dx x·σ(x) = σ + x·σ·(1 − σ) = σ + y·(1 − σ), y = x·σ the forward output:
                // four full-size passes with the one by dy.
                let (y, s) = (c.outputs[0], c.outputs[1]);
                let one = g.scalar(1.0);
                let oms = g.raw_binary("Sub", one, s)?;
                let t = g.raw_mul(y, oms)?;
                let d = g.raw_add(t, s)?;
                return Ok(vec![Some(g.raw_mul(c.dy(), d)?)]);
            }
            _ => {}
        }
        let d = self.derivative(g, c.inputs[0], c.outputs[0])?;
        Ok(vec![Some(g.raw_mul(c.dy(), d)?)])
    }
}

impl GraphBuilder {
    pub fn activation(&mut self, act: Activation, x: Value) -> Result<Value> {
        self.apply1(act, &[x])
    }

    pub fn relu(&mut self, x: Value) -> Result<Value> {
        self.apply1(Activation::Relu, &[x])
    }

    pub fn gelu(&mut self, x: Value) -> Result<Value> {
        self.apply1(Activation::Gelu, &[x])
    }

    pub fn softplus(&mut self, x: Value) -> Result<Value> {
        self.apply1(Activation::Softplus, &[x])
    }

    pub fn sigmoid(&mut self, x: Value) -> Result<Value> {
        self.apply1(Activation::Sigmoid, &[x])
    }

    pub fn silu(&mut self, x: Value) -> Result<Value> {
        self.apply1(Activation::Silu, &[x])
    }

    pub fn exp(&mut self, x: Value) -> Result<Value> {
        self.apply1(Activation::Exp, &[x])
    }

    pub fn tanh(&mut self, x: Value) -> Result<Value> {
        self.apply1(Activation::Tanh, &[x])
    }

    pub fn sqrt(&mut self, x: Value) -> Result<Value> {
        self.apply1(Activation::Sqrt, &[x])
    }

    pub fn neg(&mut self, x: Value) -> Result<Value> {
        self.apply1(Activation::Neg, &[x])
    }
}
