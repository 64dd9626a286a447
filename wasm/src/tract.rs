//! The tract backend of the inference layer: each [`regula_infer::runtime::Graph`] is planned by
//! tract once per input shape (or once per sample shape with a symbolic batch) and cached.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use prost::Message;
use regula_infer::error::{Error, Result};
use regula_infer::proto::ModelProto;
use regula_infer::runtime::{Backend, Graph, HostTensor, batch_shape};
use tract_onnx::prelude::*;

/// The tract backend.
pub struct Tract;

impl Backend for Tract {
    fn graph(&self, proto: ModelProto, many_shapes: bool) -> Result<Box<dyn Graph>> {
        let bytes = proto.encode_to_vec();
        Ok(Box::new(if many_shapes { TractGraph::with_symbolic_batch(bytes) } else { TractGraph::new(bytes) }))
    }

    fn name(&self) -> &'static str {
        "tract"
    }
}

type Plan = Arc<TypedRunnableModel>;

/// A graph run by tract. Plans are optimised once per (batch, sample shape) and cached (a few
/// shapes occur per task: full batches, a last partial batch, mutagenesis window lengths).
pub struct TractGraph {
    /// The ONNX model, encoded (tract reads its own protobuf types from the bytes).
    onnx: Vec<u8>,
    /// Optimise with a symbolic batch dimension (one plan per sample shape) rather than one plan
    /// per concrete batch size.
    symbolic_batch: bool,
    plans: RefCell<HashMap<(usize, Vec<usize>), Plan>>,
}

/// Plans kept per graph before the cache is cleared.
const MAX_PLANS: usize = 16;

impl TractGraph {
    /// A graph planned per concrete batch size.
    pub fn new(onnx: Vec<u8>) -> Self {
        TractGraph { onnx, symbolic_batch: false, plans: RefCell::new(HashMap::new()) }
    }

    /// A graph planned once per sample shape with a symbolic batch size (for graphs run on
    /// many batch sizes, like the trunk during mutagenesis).
    pub fn with_symbolic_batch(onnx: Vec<u8>) -> Self {
        TractGraph { onnx, symbolic_batch: true, plans: RefCell::new(HashMap::new()) }
    }

    /// Builds (or fetches) the plan for `[n, ..sample]`.
    pub fn plan(&self, n: usize, sample: &[usize]) -> Result<Plan> {
        let key = (if self.symbolic_batch { 0 } else { n }, sample.to_vec());
        if let Some(p) = self.plans.borrow().get(&key) {
            return Ok(p.clone());
        }
        let mut shape = vec![n];
        shape.extend_from_slice(sample);
        let symbolic = self.symbolic_batch;
        let plan = tract_onnx::onnx()
            .model_for_read(&mut &self.onnx[..])
            .and_then(|m| {
                let fact: InferenceFact = if symbolic {
                    let batch: TDim = m.symbols.sym("N").into();
                    let dims: Vec<TDim> = std::iter::once(batch).chain(sample.iter().map(|&d| d.to_dim())).collect();
                    f32::fact(dims).into()
                } else {
                    f32::fact(&shape).into()
                };
                m.with_input_fact(0, fact)
            })
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| Error::Runtime(format!("preparing the model for input {shape:?}: {e:#}")))?;
        let mut plans = self.plans.borrow_mut();
        if plans.len() >= MAX_PLANS {
            plans.clear();
        }
        plans.insert(key, plan.clone());
        Ok(plan)
    }
}

impl Graph for TractGraph {
    fn run(&self, x: &[f32], n: usize, sample: &[usize]) -> Result<Vec<HostTensor>> {
        let shape = batch_shape(x, n, sample)?;
        let plan = self.plan(n, sample)?;
        let input = Tensor::from_shape(&shape, x).map_err(Error::runtime)?;
        let out = plan.run(tvec!(input.into_tvalue())).map_err(|e| Error::Runtime(format!("{e:#}")))?;
        out.iter()
            .map(|t| {
                let view =
                    t.to_plain_array_view::<f32>().map_err(|e| Error::Runtime(format!("non-f32 output: {e:#}")))?;
                Ok(HostTensor { shape: view.shape().to_vec(), data: view.iter().copied().collect() })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use regula_infer::graph::ALLOWED_OPS;

    /// Every op the predictor accepts (and so every op the trainer may export) has a tract
    /// builder. (A registry reduced to these op families was measured and not kept: the wasm
    /// package was 3.00 MB gzip instead of 3.13 MB; its size lies in tract-core and tract-linalg.)
    #[test]
    fn tract_registers_every_allowed_op() {
        let onnx = tract_onnx::onnx();
        let missing: Vec<&str> =
            ALLOWED_OPS.iter().copied().filter(|op| !onnx.op_register.0.contains_key(*op)).collect();
        assert!(missing.is_empty(), "allowed but not registered with tract: {missing:?}");
    }
}
