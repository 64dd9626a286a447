use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::{DType, Dim, Shape, Value};
use crate::error::{Result, graph_err};
use crate::onnx::proto::AttributeProto;
use crate::onnx::proto::{
    GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
    tensor_shape_proto::{Dimension, dimension},
    type_proto,
};
use crate::onnx::{self, IR_VERSION, OPSET};
use crate::ops::Op;

/// Name, dtype and shape of one graph value.
#[derive(Clone, Debug)]
pub struct ValueInfo {
    pub name: String,
    pub dtype: DType,
    pub shape: Shape,
}

/// One application of a differentiable op, in the order it was applied.
#[derive(Clone)]
pub struct TapeEntry {
    pub op: Rc<dyn Op>,
    pub inputs: Vec<Value>,
    pub outputs: Vec<Value>,
}

/// Builds one ONNX graph. Values are created by declaring inputs and initializers, or by applying
/// ops; [`GraphBuilder::model`] writes the part of the graph the chosen outputs depend on.
pub struct GraphBuilder {
    float: DType,
    values: Vec<ValueInfo>,
    producer: HashMap<usize, usize>,
    nodes: Vec<NodeProto>,
    inputs: Vec<Value>,
    initializers: Vec<(Value, TensorProto)>,
    tape: Vec<TapeEntry>,
    names: HashSet<String>,
    scope: Vec<String>,
    counter: usize,
    ort_only: bool,
}

impl GraphBuilder {
    /// A builder whose floating-point values are all `float` (F32 to train, F64 for gradient checks).
    pub fn new(float: DType) -> Self {
        assert!(float.is_float(), "GraphBuilder::new takes a floating dtype");
        GraphBuilder {
            float,
            values: Vec::new(),
            producer: HashMap::new(),
            nodes: Vec::new(),
            inputs: Vec::new(),
            initializers: Vec::new(),
            tape: Vec::new(),
            names: HashSet::new(),
            scope: Vec::new(),
            counter: 0,
            ort_only: false,
        }
    }

    /// Marks the graph as one that only ONNX Runtime runs (the train step), so that backward
    /// rules may use a faster op tract lacks. Graphs that are exported (inference, attribution)
    /// must run in tract too and keep the default.
    pub fn set_ort_only(&mut self) {
        self.ort_only = true;
    }

    /// Whether only ONNX Runtime runs this graph (see [`GraphBuilder::set_ort_only`]).
    pub fn ort_only(&self) -> bool {
        self.ort_only
    }

    pub fn float(&self) -> DType {
        self.float
    }

    pub fn info(&self, v: Value) -> &ValueInfo {
        &self.values[v.0]
    }

    pub fn shape(&self, v: Value) -> &Shape {
        &self.values[v.0].shape
    }

    pub fn dtype(&self, v: Value) -> DType {
        self.values[v.0].dtype
    }

    pub fn name(&self, v: Value) -> &str {
        &self.values[v.0].name
    }

    pub fn rank(&self, v: Value) -> usize {
        self.values[v.0].shape.len()
    }

    /// The smaller value `v` broadcasts, if `v` is the output of an `Expand` node.
    pub fn expanded_from(&self, v: Value) -> Option<Value> {
        let node = &self.nodes[*self.producer.get(&v.0)?];
        let source = node.input.first().filter(|_| node.op_type == "Expand")?;
        self.values.iter().position(|info| &info.name == source).map(Value)
    }

    pub fn tape(&self) -> &[TapeEntry] {
        &self.tape
    }

    /// Prefix node and value names made inside `f` with `name/`, so graphs read like the model.
    pub fn scoped<T>(&mut self, name: &str, f: impl FnOnce(&mut Self) -> T) -> T {
        self.scope.push(name.to_string());
        let out = f(self);
        self.scope.pop();
        out
    }

    fn fresh_name(&mut self, stem: &str) -> String {
        let prefix = if self.scope.is_empty() { String::new() } else { format!("{}/", self.scope.join("/")) };
        loop {
            self.counter += 1;
            let name = format!("{prefix}{stem}_{}", self.counter);
            if self.names.insert(name.clone()) {
                return name;
            }
        }
    }

    fn new_value(&mut self, name: String, dtype: DType, shape: Shape) -> Value {
        self.values.push(ValueInfo { name, dtype, shape });
        Value(self.values.len() - 1)
    }

    fn claim(&mut self, name: &str) -> Result<()> {
        if self.names.insert(name.to_string()) {
            Ok(())
        } else {
            Err(graph_err("graph", format!("value name `{name}` is used twice")))
        }
    }

    /// Declare a graph input.
    pub fn input(&mut self, name: &str, dtype: DType, shape: Shape) -> Result<Value> {
        self.claim(name)?;
        let v = self.new_value(name.to_string(), dtype, shape);
        self.inputs.push(v);
        Ok(v)
    }

    /// Declare a named constant stored in the model file.
    pub fn initializer(&mut self, name: &str, dtype: DType, dims: &[i64], data: &[f64]) -> Result<Value> {
        self.claim(name)?;
        let tensor = match dtype {
            DType::F32 => onnx::tensor_f32(name, dims, &data.iter().map(|&x| x as f32).collect::<Vec<_>>()),
            DType::F64 => onnx::tensor_f64(name, dims, data),
            DType::I64 => onnx::tensor_i64(name, dims, &data.iter().map(|&x| x as i64).collect::<Vec<_>>()),
            DType::Bool => TensorProto {
                name: name.into(),
                dims: dims.to_vec(),
                data_type: DType::Bool.onnx(),
                raw_data: data.iter().map(|&x| (x != 0.0) as u8).collect(),
                ..Default::default()
            },
        };
        let v = self.new_value(name.to_string(), dtype, super::fixed(dims));
        self.initializers.push((v, tensor));
        Ok(v)
    }

    /// An anonymous float constant of the builder's float dtype.
    pub fn constant(&mut self, dims: &[i64], data: &[f64]) -> Value {
        let name = self.fresh_name("const");
        self.names.remove(&name);
        self.initializer(&name, self.float, dims, data).expect("fresh name")
    }

    pub fn scalar(&mut self, x: f64) -> Value {
        self.constant(&[], &[x])
    }

    pub fn const_i64(&mut self, data: &[i64]) -> Value {
        let name = self.fresh_name("ints");
        self.names.remove(&name);
        let data: Vec<f64> = data.iter().map(|&x| x as f64).collect();
        self.initializer(&name, DType::I64, &[data.len() as i64], &data).expect("fresh name")
    }

    /// A scalar boolean constant (e.g. Dropout's `training_mode`).
    pub fn const_bool(&mut self, b: bool) -> Value {
        let name = self.fresh_name("flag");
        self.names.remove(&name);
        self.initializer(&name, DType::Bool, &[], &[b as u8 as f64]).expect("fresh name")
    }

    /// Emit one ONNX node (not recorded on the tape) with outputs of the given types.
    pub fn emit(
        &mut self,
        op_type: &str,
        inputs: &[Value],
        attrs: Vec<AttributeProto>,
        outs: Vec<(DType, Shape)>,
    ) -> Vec<Value> {
        let node_name = self.fresh_name(op_type);
        let outputs: Vec<Value> = outs
            .into_iter()
            .enumerate()
            .map(|(i, (dtype, shape))| {
                let name = format!("{node_name}:{i}");
                self.names.insert(name.clone());
                self.new_value(name, dtype, shape)
            })
            .collect();
        for o in &outputs {
            self.producer.insert(o.0, self.nodes.len());
        }
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|v| self.values[v.0].name.clone()).collect(),
            output: outputs.iter().map(|v| self.values[v.0].name.clone()).collect(),
            name: node_name,
            op_type: op_type.to_string(),
            attribute: attrs,
            ..Default::default()
        });
        outputs
    }

    pub fn emit1(
        &mut self,
        op_type: &str,
        inputs: &[Value],
        attrs: Vec<AttributeProto>,
        dtype: DType,
        shape: Shape,
    ) -> Value {
        self.emit(op_type, inputs, attrs, vec![(dtype, shape)])[0]
    }

    /// Apply a differentiable op: emit its forward nodes and record it for autodiff.
    pub fn apply(&mut self, op: impl Op + 'static, inputs: &[Value]) -> Result<Vec<Value>> {
        let op: Rc<dyn Op> = Rc::new(op);
        let outputs = op.forward(self, inputs)?;
        self.tape.push(TapeEntry { op, inputs: inputs.to_vec(), outputs: outputs.clone() });
        Ok(outputs)
    }

    pub fn apply1(&mut self, op: impl Op + 'static, inputs: &[Value]) -> Result<Value> {
        Ok(self.apply(op, inputs)?[0])
    }

    /// The model computing `outputs` (name, value) from the declared inputs. Nodes and
    /// initializers the outputs do not depend on are left out; every declared input is kept.
    pub fn model(&self, outputs: &[(&str, Value)]) -> Result<ModelProto> {
        let mut nodes: Vec<NodeProto> = Vec::new();
        let mut output_infos = Vec::new();
        let mut seen_out = HashSet::new();
        for &(name, v) in outputs {
            if !seen_out.insert(name) || (self.names.contains(name) && self.values[v.0].name != name) {
                return Err(graph_err("graph", format!("output name `{name}` clashes with another value")));
            }
            output_infos.push(value_info(name, &self.values[v.0]));
        }
        let mut needed = vec![false; self.nodes.len()];
        let mut used_values = HashSet::new();
        let mut stack: Vec<usize> = outputs.iter().map(|(_, v)| v.0).collect();
        let by_name: HashMap<&str, usize> = self.values.iter().enumerate().map(|(i, v)| (v.name.as_str(), i)).collect();
        while let Some(v) = stack.pop() {
            if !used_values.insert(v) {
                continue;
            }
            if let Some(&n) = self.producer.get(&v).filter(|&&n| !needed[n]) {
                needed[n] = true;
                stack.extend(self.nodes[n].input.iter().filter(|s| !s.is_empty()).map(|s| by_name[s.as_str()]));
            }
        }
        // Outputs take their public names by renaming the value where a node produces it (an
        // Identity would copy it every run); graph inputs, initializers and a value exported
        // twice still go through Identity.
        let mut rename: HashMap<String, String> = HashMap::new();
        let mut identities = Vec::new();
        for &(name, v) in outputs {
            let internal = &self.values[v.0].name;
            if internal == name {
                continue;
            }
            if self.producer.contains_key(&v.0) && !rename.contains_key(internal) {
                rename.insert(internal.clone(), name.to_string());
            } else {
                let source = rename.get(internal).cloned().unwrap_or_else(|| internal.clone());
                identities.push(NodeProto {
                    input: vec![source],
                    output: vec![name.to_string()],
                    name: format!("output/{name}"),
                    op_type: "Identity".into(),
                    ..Default::default()
                });
            }
        }
        let renamed = |s: &String| rename.get(s).cloned().unwrap_or_else(|| s.clone());
        for (i, node) in self.nodes.iter().enumerate() {
            if needed[i] {
                let mut node = node.clone();
                node.input = node.input.iter().map(renamed).collect();
                node.output = node.output.iter().map(renamed).collect();
                nodes.push(node);
            }
        }
        nodes.extend(identities);
        let graph = GraphProto {
            node: nodes,
            name: "regula".into(),
            initializer: self
                .initializers
                .iter()
                .filter(|(v, _)| used_values.contains(&v.0))
                .map(|(_, t)| t.clone())
                .collect(),
            input: self.inputs.iter().map(|v| value_info(&self.values[v.0].name, &self.values[v.0])).collect(),
            output: output_infos,
            ..Default::default()
        };
        Ok(ModelProto {
            ir_version: IR_VERSION,
            opset_import: vec![OperatorSetIdProto { domain: String::new(), version: OPSET }],
            producer_name: "regula-train".into(),
            producer_version: env!("CARGO_PKG_VERSION").into(),
            graph: Some(graph),
            ..Default::default()
        })
    }
}

fn value_info(name: &str, info: &ValueInfo) -> ValueInfoProto {
    let dim = info
        .shape
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Dim::Fixed(n) => dimension::Value::DimValue(*n),
                Dim::Sym(s) => dimension::Value::DimParam(s.clone()),
            }),
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: name.to_string(),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: info.dtype.onnx(),
                shape: Some(TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}
