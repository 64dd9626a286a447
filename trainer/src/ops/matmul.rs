//! Matrix products. Batched MatMul gradients are summed over broadcast batch axes.

use super::{GradCtx, Op, check_arity, check_float};
use crate::error::{Result, graph_err};
use crate::graph::{GraphBuilder, Value, broadcast_shapes, shape::show};
use crate::onnx::attr_int;

/// `a @ b` for operands of rank >= 2 with numpy batch broadcasting.
#[derive(Clone, Copy, Debug)]
pub struct MatMul;

fn swap_last(g: &mut GraphBuilder, v: Value) -> Value {
    let r = g.rank(v) as i64;
    let mut perm: Vec<i64> = (0..r).collect();
    perm.swap((r - 1) as usize, (r - 2) as usize);
    g.raw_transpose(v, &perm)
}

impl GraphBuilder {
    fn raw_matmul(&mut self, a: Value, b: Value) -> Result<Value> {
        let (sa, sb) = (self.shape(a).clone(), self.shape(b).clone());
        let (ra, rb) = (sa.len(), sb.len());
        if ra < 2 || rb < 2 {
            return Err(graph_err(
                "MatMul",
                format!("operands must have rank >= 2, got {} and {}", show(&sa), show(&sb)),
            ));
        }
        if sa[ra - 1] != sb[rb - 2] {
            return Err(graph_err("MatMul", format!("inner dimensions differ: {} @ {}", show(&sa), show(&sb))));
        }
        let mut shape = broadcast_shapes("MatMul", &sa[..ra - 2], &sb[..rb - 2])?;
        shape.push(sa[ra - 2].clone());
        shape.push(sb[rb - 1].clone());
        let dtype = self.dtype(a);
        Ok(self.emit1("MatMul", &[a, b], vec![], dtype, shape))
    }
}

impl Op for MatMul {
    fn name(&self) -> String {
        "MatMul".into()
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 2..=2)?;
        check_float(g, self, x)?;
        Ok(vec![g.raw_matmul(x[0], x[1])?])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let (a, b, dy) = (c.inputs[0], c.inputs[1], c.dy());
        let mut grads = vec![None, None];
        if c.wants(0) {
            let bt = swap_last(g, b);
            let d = g.raw_matmul(dy, bt)?;
            let sa = g.shape(a).clone();
            grads[0] = Some(g.reduce_to_shape(d, &sa)?);
        }
        if c.wants(1) {
            let at = swap_last(g, a);
            let d = g.raw_matmul(at, dy)?;
            let sb = g.shape(b).clone();
            grads[1] = Some(g.reduce_to_shape(d, &sb)?);
        }
        Ok(grads)
    }
}

/// `a @ b (+ c)` for 2-D `a` `[M, K]`, with `b` `[K, N]` or, if `trans_b`, `[N, K]` (the dense
/// layer layout), and `c` broadcastable to `[M, N]`.
#[derive(Clone, Copy, Debug)]
pub struct Gemm {
    pub trans_b: bool,
}

fn gemm(g: &mut GraphBuilder, a: Value, b: Value, trans_a: bool, trans_b: bool) -> Value {
    let m = g.shape(a)[trans_a as usize].clone();
    let n = g.shape(b)[1 - trans_b as usize].clone();
    let dtype = g.dtype(a);
    g.emit1(
        "Gemm",
        &[a, b],
        vec![attr_int("transA", trans_a as i64), attr_int("transB", trans_b as i64)],
        dtype,
        vec![m, n],
    )
}

impl Op for Gemm {
    fn name(&self) -> String {
        format!("Gemm(transB={})", self.trans_b as i64)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 2..=3)?;
        check_float(g, self, x)?;
        let (sa, sb) = (g.shape(x[0]).clone(), g.shape(x[1]).clone());
        if sa.len() != 2 || sb.len() != 2 {
            return Err(graph_err(self.name(), format!("operands must be 2-D, got {} and {}", show(&sa), show(&sb))));
        }
        let (k_b, n) = if self.trans_b { (&sb[1], &sb[0]) } else { (&sb[0], &sb[1]) };
        if &sa[1] != k_b {
            return Err(graph_err(self.name(), format!("inner dimensions differ: {} and {}", show(&sa), show(&sb))));
        }
        let shape = vec![sa[0].clone(), n.clone()];
        if let Some(&cv) = x.get(2) {
            let bc = broadcast_shapes(&self.name(), &shape, g.shape(cv))?;
            if bc != shape {
                return Err(graph_err(
                    self.name(),
                    format!("bias {} does not broadcast to {}", show(g.shape(cv)), show(&shape)),
                ));
            }
        }
        let attrs = vec![attr_int("transB", self.trans_b as i64)];
        Ok(vec![g.emit1("Gemm", x, attrs, g.float(), shape)])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let (a, b, dy) = (c.inputs[0], c.inputs[1], c.dy());
        let mut grads = vec![None; c.inputs.len()];
        if c.wants(0) {
            // dA = dY · Bᵀ (B as stored is already [N, K] when trans_b).
            grads[0] = Some(gemm(g, dy, b, false, !self.trans_b));
        }
        if c.wants(1) {
            grads[1] = Some(if self.trans_b { gemm(g, dy, a, true, false) } else { gemm(g, a, dy, true, false) });
        }
        if c.inputs.len() == 3 && c.wants(2) {
            let sc = g.shape(c.inputs[2]).clone();
            grads[2] = Some(g.reduce_to_shape(dy, &sc)?);
        }
        Ok(grads)
    }
}

impl GraphBuilder {
    pub fn matmul(&mut self, a: Value, b: Value) -> Result<Value> {
        self.apply1(MatMul, &[a, b])
    }

    /// Dense layer: `x` `[N, in]`, `w` `[out, in]`, `bias` `[out]`.
    pub fn dense(&mut self, x: Value, w: Value, bias: Option<Value>) -> Result<Value> {
        let mut inputs = vec![x, w];
        inputs.extend(bias);
        self.apply1(Gemm { trans_b: true }, &inputs)
    }

    pub fn gemm(&mut self, a: Value, b: Value, c: Option<Value>, trans_b: bool) -> Result<Value> {
        let mut inputs = vec![a, b];
        inputs.extend(c);
        self.apply1(Gemm { trans_b }, &inputs)
    }
}
