//! Reverse-mode differentiation over the builder's tape.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::graph::{GraphBuilder, Value, shape::show};
use crate::ops::GradCtx;

/// Emit the gradient of `y` with respect to each of `wrt`.
///
/// `seed` is the gradient flowing into `y` (same shape as `y`); `None` means `y` is a scalar
/// and the seed is 1. A `wrt` value that `y` does not depend on gets `None`. Gradients reaching
/// one value along several paths are summed.
pub fn gradients(g: &mut GraphBuilder, y: Value, seed: Option<Value>, wrt: &[Value]) -> Result<Vec<Option<Value>>> {
    let tape = g.tape().to_vec();
    let seed = match seed {
        Some(s) => s,
        None if g.rank(y) == 0 => g.scalar(1.0),
        None => return Err(Error::Invalid(format!("gradients of non-scalar `{}` need a seed", g.name(y)))),
    };

    // Forward sweep: which values depend on the ones we differentiate with respect to.
    let mut live: HashSet<Value> = wrt.iter().copied().collect();
    for e in &tape {
        if e.inputs.iter().any(|v| live.contains(v)) {
            live.extend(e.outputs.iter().copied().filter(|&o| g.dtype(o).is_float()));
        }
    }

    let mut grads: HashMap<Value, Value> = HashMap::from([(y, seed)]);
    for e in tape.iter().rev() {
        let output_grads: Vec<Option<Value>> = e.outputs.iter().map(|o| grads.get(o).copied()).collect();
        if output_grads.iter().all(Option::is_none) {
            continue;
        }
        let wants: Vec<bool> = e.inputs.iter().map(|v| live.contains(v)).collect();
        if !wants.iter().any(|&w| w) {
            continue;
        }
        if output_grads[0].is_none() {
            // Ops with several outputs differentiate through output 0 only (the others are
            // indices or masks).
            continue;
        }
        let ctx = GradCtx { inputs: &e.inputs, outputs: &e.outputs, output_grads: &output_grads, wants: &wants };
        let input_grads = e.op.backward(g, &ctx)?;
        for ((&v, gv), &want) in e.inputs.iter().zip(input_grads).zip(&wants) {
            let Some(gv) = gv.filter(|_| want) else { continue };
            if g.shape(gv) != g.shape(v) {
                return Err(Error::NoGradient {
                    op: e.op.name(),
                    message: format!(
                        "backward rule gave {} for input `{}` of shape {}",
                        show(g.shape(gv)),
                        g.name(v),
                        show(g.shape(v))
                    ),
                });
            }
            let total = match grads.get(&v) {
                Some(&prev) => add_gradients(g, prev, gv)?,
                None => gv,
            };
            grads.insert(v, total);
        }
    }
    Ok(wrt.iter().map(|v| grads.get(v).copied()).collect())
}

/// `a + b` for two gradients of one value. One that only broadcasts a smaller value (a mean's
/// or a broadcast product's gradient) is added as that smaller value: the Add broadcasts it, and
/// the full-size copy the `Expand` would write is never made.
fn add_gradients(g: &mut GraphBuilder, a: Value, b: Value) -> Result<Value> {
    match (g.expanded_from(a), g.expanded_from(b)) {
        (_, Some(small)) => g.raw_add(a, small),
        (Some(small), None) => g.raw_add(small, b),
        (None, None) => g.raw_add(a, b),
    }
}
