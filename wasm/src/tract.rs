//! The tract backend of the inference layer: each [`regula_infer::runtime::Graph`] is planned by
//! tract once per input shape (or, with a symbolic batch, once per sample shape, the sequence
//! length symbolic too where tract can plan so) and cached.

use std::cell::{Cell, RefCell};
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
        let mut missing: Vec<&str> = proto
            .graph
            .iter()
            .flat_map(|g| &g.node)
            .map(|n| n.op_type.as_str())
            .filter(|op| !crate::tract_ops::OPS.iter().any(|(name, _)| name == op))
            .collect();
        if !missing.is_empty() {
            missing.sort_unstable();
            missing.dedup();
            return Err(Error::Runtime(format!(
                "the model uses ONNX op(s) {} that this build registers no tract builder for (wasm/src/tract_ops.rs)",
                missing.join(", ")
            )));
        }
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
    /// Set once planning with a symbolic length failed: plan per length from then on.
    fixed_length_only: Cell<bool>,
}

/// Plans kept per graph before the cache is cleared.
const MAX_PLANS: usize = 16;

impl TractGraph {
    /// A graph planned per concrete batch size.
    pub fn new(onnx: Vec<u8>) -> Self {
        Self::planned(onnx, false)
    }

    /// A graph planned once per sample shape with a symbolic batch size (for graphs run on
    /// many batch sizes, like the trunk during mutagenesis).
    pub fn with_symbolic_batch(onnx: Vec<u8>) -> Self {
        Self::planned(onnx, true)
    }

    fn planned(onnx: Vec<u8>, symbolic_batch: bool) -> Self {
        TractGraph { onnx, symbolic_batch, plans: RefCell::new(HashMap::new()), fixed_length_only: Cell::new(false) }
    }

    /// Builds (or fetches) the plan for `[n, ..sample]`. With a symbolic batch the last axis (the
    /// sequence) is symbolic too where it is longer than 1, so one plan serves every window length
    /// of a mutagenesis stage: planning is what a scan's first run spends most on in wasm (each
    /// stage of a LegNet at each window length). A graph tract cannot plan so (a Flatten of the
    /// symbolic length, say) is planned per length.
    pub fn plan(&self, n: usize, sample: &[usize]) -> Result<Plan> {
        let any_len = self.symbolic_batch && sample.last().is_some_and(|&l| l > 1);
        if any_len {
            let key = (0, sample[..sample.len() - 1].to_vec());
            if let Some(p) = self.plans.borrow().get(&key) {
                return Ok(p.clone());
            }
            if !self.fixed_length_only.get()
                && let Ok(plan) = self.build(n, sample, true)
            {
                return Ok(self.keep(key, plan));
            }
            self.fixed_length_only.set(true);
        }
        let key = (if self.symbolic_batch { 0 } else { n }, sample.to_vec());
        if let Some(p) = self.plans.borrow().get(&key) {
            return Ok(p.clone());
        }
        let plan = self.build(n, sample, false)?;
        Ok(self.keep(key, plan))
    }

    /// Optimises the graph for `[n, ..sample]`: the batch symbolic where the graph is planned so,
    /// and the last axis too when `any_len`.
    fn build(&self, n: usize, sample: &[usize], any_len: bool) -> Result<Plan> {
        let mut shape = vec![n];
        shape.extend_from_slice(sample);
        let symbolic = self.symbolic_batch;
        crate::tract_ops::onnx()
            .model_for_read(&mut &self.onnx[..])
            .and_then(|m| {
                let fact: InferenceFact = if symbolic {
                    let mut dims: Vec<TDim> =
                        std::iter::once(m.symbols.sym("N").into()).chain(sample.iter().map(|&d| d.to_dim())).collect();
                    if any_len {
                        *dims.last_mut().expect("a sample axis") = m.symbols.sym("L").into();
                    }
                    f32::fact(dims).into()
                } else {
                    f32::fact(&shape).into()
                };
                m.with_input_fact(0, fact)
            })
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| Error::Runtime(format!("preparing the model for input {shape:?}: {e:#}")))
    }

    fn keep(&self, key: (usize, Vec<usize>), plan: Plan) -> Plan {
        let mut plans = self.plans.borrow_mut();
        if plans.len() >= MAX_PLANS {
            plans.clear();
        }
        plans.insert(key, plan.clone());
        plan
    }
}

impl Graph for TractGraph {
    fn run(&self, x: &[f32], n: usize, sample: &[usize]) -> Result<Vec<HostTensor>> {
        let shape = batch_shape(x, n, sample)?;
        let plan = self.plan(n, sample)?;
        let input = Tensor::from_shape(&shape, x).map_err(Error::runtime)?;
        let out = plan.run(tvec!(input.into_tvalue())).map_err(|e| Error::Runtime(format!("{e:#}")))?;
        // A tract tensor is dense and row-major, so its slice is the data in order: one copy,
        // where collecting an ndarray view's iterator went element by element (15 % of a 1 kb
        // scan's time in V8).
        out.iter()
            .map(|t| {
                let plain = t.try_as_plain_ram().and_then(|v| v.as_slice::<f32>());
                let data = plain.map_err(|e| Error::Runtime(format!("non-f32 output: {e:#}")))?;
                Ok(HostTensor { shape: t.shape().to_vec(), data: data.to_vec() })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regula_infer::graph::ALLOWED_OPS;
    use regula_infer::proto::{
        GraphProto, NodeProto, OperatorSetIdProto, TensorShapeProto, TypeProto, ValueInfoProto, tensor_shape_proto,
        type_proto,
    };

    /// The register holds exactly the ops the predictor accepts (so every op the trainer may
    /// export, which the predictor checks against the same list, has a builder), each once.
    #[test]
    fn tract_registers_exactly_the_allowed_ops() {
        let registered: Vec<&str> = crate::tract_ops::OPS.iter().map(|(name, _)| *name).collect();
        assert_eq!(registered, ALLOWED_OPS);
        assert_eq!(crate::tract_ops::onnx().op_register.0.len(), ALLOWED_OPS.len());
    }

    /// A one-node graph `y = op(x)` on a float vector of 4.
    fn one_node(op: &str) -> ModelProto {
        let value = |name: &str| ValueInfoProto {
            name: name.into(),
            r#type: Some(TypeProto {
                value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                    elem_type: 1,
                    shape: Some(TensorShapeProto {
                        dim: vec![
                            tensor_shape_proto::Dimension {
                                value: Some(tensor_shape_proto::dimension::Value::DimParam("batch".into())),
                                ..Default::default()
                            },
                            tensor_shape_proto::Dimension {
                                value: Some(tensor_shape_proto::dimension::Value::DimValue(4)),
                                ..Default::default()
                            },
                        ],
                    }),
                })),
                ..Default::default()
            }),
            ..Default::default()
        };
        ModelProto {
            ir_version: 8,
            opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 17 }],
            graph: Some(GraphProto {
                node: vec![NodeProto {
                    input: vec!["x".into()],
                    output: vec!["y".into()],
                    name: "n0".into(),
                    op_type: op.into(),
                    ..Default::default()
                }],
                name: "g".into(),
                input: vec![value("x")],
                output: vec![value("y")],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_registered_op_runs() {
        let graph = Tract.graph(one_node("Relu"), false).unwrap();
        let out = graph.run(&[-1.0, 2.0, -3.0, 4.0], 1, &[4]).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].shape, [1, 4]);
        assert_eq!(out[0].data, [0.0, 2.0, 0.0, 4.0]);
    }

    /// An ONNX op that tract knows but the register leaves out fails by name.
    #[test]
    fn an_op_outside_the_register_fails_naming_it() {
        let err = Tract.graph(one_node("Hardmax"), false).err().expect("should fail").to_string();
        assert_eq!(
            err,
            "running the model failed: the model uses ONNX op(s) Hardmax that this build registers no tract builder for (wasm/src/tract_ops.rs)"
        );
        // Without that check, tract's own error names it too.
        let graph = TractGraph::new(one_node("Hardmax").encode_to_vec());
        let err = graph.run(&[-1.0, 2.0, -3.0, 4.0], 1, &[4]).expect_err("should fail").to_string();
        assert!(err.contains("Unimplemented(Hardmax)"), "{err}");
    }
}
