//! ONNX Runtime as a backend of the inference layer (`regula_infer::runtime::Backend`): the
//! native CLI's prediction, mutagenesis and variant scoring run the very code the browser runs on
//! tract, with ORT sessions (CPU or CUDA) behind it.

use std::cell::RefCell;

use ort::session::Session;
use regula_infer::error::Error as InferError;
use regula_infer::proto::ModelProto;
use regula_infer::runtime::{Backend, Graph, HostTensor, batch_shape};

use crate::runtime::{self, RuntimeConfig};

/// Makes ORT sessions with `config` (device, threads).
#[derive(Clone, Copy, Debug, Default)]
pub struct OnnxRuntime {
    pub config: RuntimeConfig,
}

impl OnnxRuntime {
    pub fn new(config: RuntimeConfig) -> Self {
        OnnxRuntime { config }
    }
}

impl Backend for OnnxRuntime {
    fn graph(&self, mut proto: ModelProto, many_shapes: bool) -> regula_infer::Result<Box<dyn Graph>> {
        if many_shapes {
            // The trunk runs on windows shorter than the model input; ORT checks inputs against
            // declared dims, so the cut graphs declare none.
            free_shapes(&mut proto);
        }
        let input = proto
            .graph
            .as_ref()
            .and_then(|g| {
                let inits: Vec<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
                g.input.iter().find(|i| !inits.contains(&i.name.as_str())).map(|i| i.name.clone())
            })
            .ok_or_else(|| InferError::Mismatch("the graph has no input".into()))?;
        // Cut graphs run many small batches (mutagenesis windows, head rows): splitting each over
        // intra-op threads costs more than it saves (1 kb reference CNN, 2 cores: 3,000 windows in
        // 20 ms on one thread, 60 ms on two), and spinning threads take the core from the caller.
        let config = if many_shapes { RuntimeConfig { spin: false, threads: 1, ..self.config } } else { self.config };
        let session =
            runtime::session(&proto, &config).map_err(|e| InferError::Runtime(format!("ONNX Runtime: {e}")))?;
        Ok(Box::new(OrtGraph { session: RefCell::new(session), input }))
    }

    fn name(&self) -> &'static str {
        "onnxruntime"
    }
}

/// Drops the declared shapes of the inputs, outputs and intermediate values.
fn free_shapes(proto: &mut ModelProto) {
    use regula_infer::proto::type_proto::Value;
    if let Some(g) = proto.graph.as_mut() {
        for v in g.input.iter_mut().chain(g.output.iter_mut()) {
            if let Some(Value::TensorType(t)) = v.r#type.as_mut().and_then(|t| t.value.as_mut()) {
                t.shape = None;
            }
        }
        g.value_info.clear();
    }
}

/// One ORT session; `run` borrows it mutably, as ORT's API asks.
struct OrtGraph {
    session: RefCell<Session>,
    input: String,
}

impl Graph for OrtGraph {
    fn run(&self, x: &[f32], n: usize, sample: &[usize]) -> regula_infer::Result<Vec<HostTensor>> {
        let shape = batch_shape(x, n, sample)?;
        let failed = |e: crate::Error| InferError::Runtime(format!("ONNX Runtime: {e}"));
        let tensor = runtime::tensor_f32(&shape, x.to_vec()).map_err(failed)?;
        let mut session = self.session.borrow_mut();
        let outputs = session
            .run(vec![(self.input.as_str(), tensor)])
            .map_err(|e| InferError::Runtime(format!("ONNX Runtime: {e}")))?;
        outputs
            .values()
            .map(|v| {
                let (shape, data) = runtime::to_host_f32(&v).map_err(failed)?;
                Ok(HostTensor { shape: shape.iter().map(|&d| d as usize).collect(), data })
            })
            .collect()
    }
}
