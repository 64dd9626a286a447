//! Training losses, built from recorded ops so autodiff derives their gradients.

use crate::error::{Result, graph_err};
use crate::graph::{GraphBuilder, Value, shape::show};

/// Per-element loss of a prediction `[N, T]` against a target of the same shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// `(pred − y)²`.
    Mse,
    /// Poisson negative log-likelihood with the prediction as log-rate: `exp(pred) − y·pred`
    /// (the `log(y!)` term does not depend on the model and is left out).
    PoissonNll,
    /// Binary cross-entropy on logits: `softplus(z) − y·z`, stable for large |z|.
    BceWithLogits,
}

impl Loss {
    /// Scalar loss: the weighted mean `Σ w·ℓ / Σ w` of the per-element loss, where `weight`
    /// broadcasts against the prediction (`[N, 1]` per sample, `[1, T]` per task, `[N, T]`), or
    /// the plain mean without weights.
    pub fn build(self, g: &mut GraphBuilder, pred: Value, target: Value, weight: Option<Value>) -> Result<Value> {
        if g.shape(pred) != g.shape(target) {
            return Err(graph_err(
                format!("{self:?} loss"),
                format!("prediction {} and target {} differ in shape", show(g.shape(pred)), show(g.shape(target))),
            ));
        }
        let per_element = match self {
            Loss::Mse => {
                let d = g.sub(pred, target)?;
                g.mul(d, d)?
            }
            Loss::PoissonNll => {
                let rate = g.exp(pred)?;
                let yp = g.mul(target, pred)?;
                g.sub(rate, yp)?
            }
            Loss::BceWithLogits => {
                let sp = g.softplus(pred)?;
                let yz = g.mul(target, pred)?;
                g.sub(sp, yz)?
            }
        };
        match weight {
            None => {
                let axes: Vec<i64> = (0..g.rank(per_element) as i64).collect();
                g.reduce_mean(per_element, &axes, false)
            }
            Some(w) => {
                let weighted = g.mul(per_element, w)?;
                let total = g.sum_all(weighted)?;
                let w_full = g.raw_expand_like(w, per_element);
                let axes: Vec<i64> = (0..g.rank(per_element) as i64).collect();
                let w_sum = g.raw_reduce("ReduceSum", w_full, &axes, false)?;
                g.div(total, w_sum)
            }
        }
    }
}
