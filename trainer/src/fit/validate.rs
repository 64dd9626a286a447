//! Validation predictions during a run from one ONNX Runtime session: the inference graph is
//! built once with its weights as graph inputs, and each epoch binds that epoch's weights.

use ort::session::Session;
use ort::value::DynValue;

use super::batches::encode_rows;
use crate::data::dataset::Dataset;
use crate::error::{Error, OrtContext, Result};
use crate::export::{BATCH_ROWS, INPUT, OUTPUT};
use crate::graph::{DType, Dim, GraphBuilder};
use crate::model::Model;
use crate::params::{ParamStore, Params};
use crate::runtime::{self, Device, RuntimeConfig};

pub struct Validator {
    session: Session,
    sample_shape: Vec<usize>,
    /// Weight inputs of the graph with their shapes.
    weights: Vec<(String, Vec<usize>)>,
}

impl Validator {
    /// The inference graph of `model` with every parameter and buffer an input; `store` gives
    /// their names and shapes.
    pub fn new(model: &dyn Model, store: &ParamStore, config: &RuntimeConfig) -> Result<Self> {
        let mut g = GraphBuilder::new(DType::F32);
        let mut shape = vec![Dim::Sym(crate::export::BATCH.into())];
        shape.extend(model.input_shape().iter().map(|&d| Dim::Fixed(d as i64)));
        let x = g.input(INPUT, DType::F32, shape)?;
        let mut store = store.clone();
        let mut p = Params::infer_fed(&mut store);
        let pred = model.forward(&mut g, &mut p, x)?;
        let names = p.fed().to_vec();
        drop(p);
        let weights = names
            .into_iter()
            .map(|n| {
                let shape = store.get(&n).expect("declared").shape.clone();
                (n, shape)
            })
            .collect();
        let graph = g.model(&[(OUTPUT, pred)])?;
        Ok(Validator { session: runtime::session(&graph, config)?, sample_shape: model.input_shape(), weights })
    }

    /// Raw outputs `[rows, outputs]` of the model with weights `store` (the mean over both
    /// strands with `rc_average`), in batches of [`BATCH_ROWS`].
    pub fn predict_rows(
        &mut self,
        store: &ParamStore,
        data: &Dataset,
        rows: &[usize],
        rc_average: bool,
    ) -> Result<Vec<f32>> {
        let weights: Vec<DynValue> = self
            .weights
            .iter()
            .map(|(n, shape)| {
                let t = store.get(n).ok_or_else(|| Error::Invalid(format!("no weight `{n}` to validate with")))?;
                runtime::tensor_f32(shape, t.data.clone())
            })
            .collect::<Result<_>>()?;
        let ctx = || "binding validation inputs".to_string();
        let mut binding = self.session.create_binding().ctx(ctx)?;
        for ((name, _), v) in self.weights.iter().zip(&weights) {
            binding.bind_input(name, v).ctx(ctx)?;
        }
        let host = Device::Cpu.memory_info()?;
        let mut out = Vec::with_capacity(rows.len());
        for batch in rows.chunks(BATCH_ROWS) {
            let mut run = |reverse: bool| -> Result<Vec<f32>> {
                let x = encode_rows(data, batch, |_| reverse, |_| 0);
                let mut shape = vec![batch.len()];
                shape.extend(&self.sample_shape);
                let x = runtime::tensor_f32(&shape, x)?;
                binding.bind_input(INPUT, &x).ctx(ctx)?;
                binding.bind_output_to_device(OUTPUT, &host).ctx(ctx)?;
                let outputs = self.session.run_binding(&binding).ctx(|| "running the validation graph".into())?;
                Ok(runtime::to_host_f32(&outputs[OUTPUT])?.1)
            };
            let forward = run(false)?;
            if rc_average {
                let reverse = run(true)?;
                out.extend(forward.iter().zip(&reverse).map(|(f, r)| 0.5 * (f + r)));
            } else {
                out.extend(forward);
            }
        }
        Ok(out)
    }
}
