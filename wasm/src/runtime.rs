//! What the algorithms need from an inference engine, and tract behind it. The algorithms
//! (prediction batching, mutagenesis, variants, attributions) only see [`Graph`], so the same
//! code can run on ONNX Runtime natively.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use tract_onnx::pb::ModelProto;
use tract_onnx::prelude::*;

use crate::error::{Error, Result};

/// A tensor on the host, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct HostTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// One ONNX graph with a single input of shape `[n, ..sample]`.
pub trait Graph {
    /// Runs on `x` `[n, ..sample]` (the sample shape given by `sample`, e.g. `[4, L]`) and
    /// returns every graph output.
    fn run(&self, x: &[f32], n: usize, sample: &[usize]) -> Result<Vec<HostTensor>>;
}

/// Makes a [`Graph`] from a checked ONNX model: tract here; a native build can plug in ONNX
/// Runtime (the protos are prost messages, `prost::Message::encode_to_vec` gives the bytes).
pub trait Backend {
    /// `many_batch_sizes`: the graph will run on many batch sizes (the mutagenesis trunk and
    /// head), so a backend that plans per shape should plan with a symbolic batch.
    fn graph(&self, proto: ModelProto, many_batch_sizes: bool) -> Box<dyn Graph>;
}

/// The tract backend.
pub struct Tract;

impl Backend for Tract {
    fn graph(&self, proto: ModelProto, many_batch_sizes: bool) -> Box<dyn Graph> {
        Box::new(if many_batch_sizes { TractGraph::with_symbolic_batch(proto) } else { TractGraph::new(proto) })
    }
}

type Plan = Arc<TypedRunnableModel>;

/// A graph run by tract. Plans are optimised once per (batch, sample shape) and cached (a few
/// shapes occur per task: full batches, a last partial batch, mutagenesis window lengths).
pub struct TractGraph {
    proto: ModelProto,
    /// Optimise with a symbolic batch dimension (one plan per sample shape) rather than one plan
    /// per concrete batch size.
    symbolic_batch: bool,
    plans: RefCell<HashMap<(usize, Vec<usize>), Plan>>,
}

/// Plans kept per graph before the cache is cleared.
const MAX_PLANS: usize = 16;

impl TractGraph {
    /// A graph planned per concrete batch size.
    pub fn new(proto: ModelProto) -> Self {
        TractGraph { proto, symbolic_batch: false, plans: RefCell::new(HashMap::new()) }
    }

    /// A graph planned once per sample shape with a symbolic batch size (for graphs run on
    /// many batch sizes, like the trunk during mutagenesis).
    pub fn with_symbolic_batch(proto: ModelProto) -> Self {
        TractGraph { proto, symbolic_batch: true, plans: RefCell::new(HashMap::new()) }
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
            .model_for_proto_model(&self.proto)
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
        let mut shape = vec![n];
        shape.extend_from_slice(sample);
        if shape.iter().product::<usize>() != x.len() {
            return Err(Error::Runtime(format!("input has {} values, expected shape {shape:?}", x.len())));
        }
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
