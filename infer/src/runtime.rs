//! What the algorithms need from an inference engine. Prediction batching, mutagenesis, variants
//! and attributions only see [`Graph`]; a [`Backend`] makes one from an ONNX model: tract in the
//! browser (`regula-wasm`), ONNX Runtime natively (`regula-train`). The same test suite runs over
//! both (`infer/tests/suite`).

use crate::error::Result;
use crate::proto::ModelProto;

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

/// Makes a [`Graph`] from a checked ONNX model.
pub trait Backend {
    /// `many_shapes`: the graph will run on many batch sizes and input lengths (the mutagenesis
    /// trunk and head), so a backend that plans per shape should plan with symbolic dimensions,
    /// and one that checks declared shapes must not hold the graph to the model's length.
    fn graph(&self, proto: ModelProto, many_shapes: bool) -> Result<Box<dyn Graph>>;

    /// A short name for messages and test names (`tract`, `onnxruntime`).
    fn name(&self) -> &'static str;
}

/// `[n, ..sample]` as one shape, checked against the number of values given.
pub fn batch_shape(x: &[f32], n: usize, sample: &[usize]) -> Result<Vec<usize>> {
    let mut shape = vec![n];
    shape.extend_from_slice(sample);
    if shape.iter().product::<usize>() != x.len() {
        return Err(crate::error::Error::Runtime(format!("input has {} values, expected shape {shape:?}", x.len())));
    }
    Ok(shape)
}
