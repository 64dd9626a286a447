//! Graphs for deployment, built from the same model definition that trained: the inference
//! graph (batch norm from running statistics, no dropout, dynamic batch) and the attribution
//! graph (the inference graph plus `d pred[:, k] / d x` for every output `k`).

use ort::session::Session;

use crate::autodiff::gradients;
use crate::error::{Error, OrtContext, Result};
use crate::graph::{DType, Dim, GraphBuilder, Value};
use crate::model::Model;
use crate::onnx::proto::ModelProto;
use crate::params::{Mode, ParamStore, Params};
use crate::runtime::{self, RuntimeConfig};

/// Name of the one-hot input, `[batch, ..input_shape]`.
pub const INPUT: &str = "x";
/// Name of the prediction output, `[batch, outputs]`.
pub const OUTPUT: &str = "pred";
/// Rows per inference run in [`Predictor::predict_items`]: large enough to amortise a run, small
/// enough to keep its memory modest.
pub const BATCH_ROWS: usize = 256;

/// Name of the symbolic batch dimension.
pub const BATCH: &str = "batch";

/// Name of the attribution output for model output `k`.
pub fn gradient_output(k: usize) -> String {
    format!("grad_{OUTPUT}_{k}")
}

pub(crate) fn input_shape(model: &dyn Model) -> Vec<Dim> {
    std::iter::once(Dim::Sym(BATCH.into())).chain(model.input_shape().iter().map(|&d| Dim::Fixed(d as i64))).collect()
}

fn inference_forward(model: &dyn Model, store: &ParamStore, float: DType) -> Result<(GraphBuilder, Value, Value)> {
    let mut g = GraphBuilder::new(float);
    let x = g.input(INPUT, float, input_shape(model))?;
    // Infer mode only reads the store.
    let mut store = store.clone();
    let mut p = Params::new(Mode::Infer, &mut store, 0);
    let pred = model.forward(&mut g, &mut p, x)?;
    Ok((g, x, pred))
}

/// The forward graph with batch norm in inference form and parameters as initializers.
pub fn inference_graph(model: &dyn Model, store: &ParamStore) -> Result<ModelProto> {
    let (g, _, pred) = inference_forward(model, store, DType::F32)?;
    g.model(&[(OUTPUT, pred)])
}

/// The inference graph with, for each output `k`, the gradient of `pred[:, k]` with respect to
/// the input, `[batch, ..input_shape]` (samples do not interact in inference form, so this is
/// each sample's own gradient). Gradient×input and integrated gradients are computed from it.
pub fn attribution_graph(model: &dyn Model, store: &ParamStore) -> Result<ModelProto> {
    attribution_graph_typed(model, store, DType::F32)
}

/// [`attribution_graph`] computing in `float` (F64 for finite-difference checks).
pub fn attribution_graph_typed(model: &dyn Model, store: &ParamStore, float: DType) -> Result<ModelProto> {
    let (mut g, x, pred) = inference_forward(model, store, float)?;
    let t = model.outputs();
    let mut outputs = vec![(OUTPUT.to_string(), pred)];
    for k in 0..t {
        let mut onehot = vec![0.0; t];
        onehot[k] = 1.0;
        let e = g.constant(&[1, t as i64], &onehot);
        let seed = g.raw_expand_like(e, pred);
        let grad = gradients(&mut g, pred, Some(seed), &[x])?[0]
            .ok_or_else(|| Error::Invalid(format!("output {k} does not depend on the input")))?;
        outputs.push((gradient_output(k), grad));
    }
    let named: Vec<(&str, Value)> = outputs.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    g.model(&named)
}

/// Runs an inference graph on host batches.
pub struct Predictor {
    session: Session,
    sample_shape: Vec<usize>,
}

impl Predictor {
    pub fn new(model: &ModelProto, sample_shape: Vec<usize>, config: &RuntimeConfig) -> Result<Self> {
        Ok(Predictor { session: runtime::session(model, config)?, sample_shape })
    }

    /// Predictions `[items, outputs]` for any items, in batches of [`BATCH_ROWS`]: `encode(batch,
    /// reverse)` one-hot encodes a batch (its reverse complement when `reverse`); with
    /// `rc_average` each prediction is the mean over both strands.
    pub fn predict_items<T>(
        &mut self,
        items: &[T],
        rc_average: bool,
        encode: impl Fn(&[T], bool) -> Vec<f32>,
    ) -> Result<Vec<f32>> {
        let mut out = Vec::new();
        for batch in items.chunks(BATCH_ROWS) {
            let forward = self.predict(&encode(batch, false), batch.len())?;
            if rc_average {
                let reverse = self.predict(&encode(batch, true), batch.len())?;
                out.extend(forward.iter().zip(&reverse).map(|(f, r)| 0.5 * (f + r)));
            } else {
                out.extend(forward);
            }
        }
        Ok(out)
    }

    /// Predictions `[n, outputs]` (row-major) for `x` `[n, ..sample_shape]`.
    pub fn predict(&mut self, x: &[f32], n: usize) -> Result<Vec<f32>> {
        let mut shape = vec![n];
        shape.extend(&self.sample_shape);
        if shape.iter().product::<usize>() != x.len() {
            return Err(Error::Invalid(format!("input has {} values, expected shape {shape:?}", x.len())));
        }
        let input = runtime::tensor_f32(&shape, x.to_vec())?;
        let outputs = self.session.run(vec![(INPUT, input)]).ctx(|| "running the inference graph".into())?;
        Ok(runtime::to_host_f32(&outputs[OUTPUT])?.1)
    }
}
