//! Reading and checking an ONNX model before it runs, and cutting the inference graph into the
//! position-wise *trunk* (input → the tensor global average pooling reads) and the *head*
//! (pooled features → predictions) that fast saturation mutagenesis runs separately.

use std::collections::{HashMap, HashSet};

use prost::Message;

use crate::proto::{self as pb, ModelProto, NodeProto, ValueInfoProto, data_type};

use crate::error::{Error, Result};
use crate::geometry::Field;

/// Largest model file the predictor accepts.
pub const MAX_MODEL_BYTES: usize = 50 * 1024 * 1024;

/// ONNX ops an exported Regula model (inference or attribution graph) may use.
pub const ALLOWED_OPS: &[&str] = &[
    "Abs",
    "Add",
    "AveragePool",
    "BatchNormalization",
    "Cast",
    "Clip",
    "Concat",
    "Constant",
    "ConstantOfShape",
    "Conv",
    "ConvTranspose",
    "Div",
    "Elu",
    "Equal",
    "Erf",
    "Exp",
    "Expand",
    "Flatten",
    "Gather",
    "Gelu",
    "Gemm",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "Greater",
    "Identity",
    "LayerNormalization",
    "LeakyRelu",
    "Less",
    "Log",
    "MatMul",
    "Max",
    "MaxPool",
    "Min",
    "Mul",
    "Neg",
    "Not",
    "Pad",
    "Pow",
    "Reciprocal",
    "ReduceMax",
    "ReduceMean",
    "ReduceSum",
    "Relu",
    "Reshape",
    "ScatterElements",
    "Shape",
    "Sigmoid",
    "Sign",
    "Size",
    "Slice",
    "Softmax",
    "Softplus",
    "Split",
    "Sqrt",
    "Squeeze",
    "Sub",
    "Sum",
    "Tanh",
    "Tile",
    "Transpose",
    "Unsqueeze",
    "Where",
];

/// Ops that act on each position independently (given constant parameters broadcast along channels).
const POINTWISE_UNARY: &[&str] = &[
    "Abs",
    "Cast",
    "Elu",
    "Erf",
    "Exp",
    "Gelu",
    "Identity",
    "LeakyRelu",
    "Log",
    "Neg",
    "Reciprocal",
    "Relu",
    "Sigmoid",
    "Sign",
    "Softplus",
    "Sqrt",
    "Tanh",
];
pub(crate) const POINTWISE_BINARY: &[&str] = &["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum"];

/// One sequence input, per-channel constants: each output position reads its own input position.
pub(crate) fn per_position(op: &str) -> bool {
    POINTWISE_UNARY.contains(&op) || matches!(op, "BatchNormalization" | "Clip")
}

/// Several inputs joined position by position: elementwise (constants broadcast along the
/// channels only) or a channel `Concat`.
pub(crate) fn position_join(op: &str) -> bool {
    POINTWISE_BINARY.contains(&op) || op == "Concat"
}

/// Parses ONNX bytes, with the size limit and op allow-list applied.
pub fn read_model(bytes: &[u8]) -> Result<ModelProto> {
    if bytes.len() > MAX_MODEL_BYTES {
        return Err(Error::TooLarge { size: bytes.len(), limit: MAX_MODEL_BYTES });
    }
    let proto = ModelProto::decode(bytes).map_err(|e| Error::NotOnnx(e.to_string()))?;
    let graph = proto.graph.as_ref().ok_or_else(|| Error::NotOnnx("it has no graph".into()))?;
    let mut bad: Vec<String> = graph
        .node
        .iter()
        .filter(|n| !(n.domain.is_empty() || n.domain == "ai.onnx") || !ALLOWED_OPS.contains(&n.op_type.as_str()))
        .map(|n| if n.domain.is_empty() { n.op_type.clone() } else { format!("{}::{}", n.domain, n.op_type) })
        .collect();
    bad.sort();
    bad.dedup();
    if !bad.is_empty() {
        return Err(Error::OpNotAllowed(bad));
    }
    let bad = disallowed_element_types(graph);
    if !bad.is_empty() {
        return Err(Error::TypeNotAllowed(bad));
    }
    if graph.initializer.iter().any(|t| !t.external_data.is_empty() || t.data_location == 1) {
        return Err(Error::NotOnnx("it refers to external data files; export it as one self-contained file".into()));
    }
    Ok(proto)
}

/// ONNX element types (`TensorProto.DataType`) an exported Regula model may use: float32 values,
/// int64 shapes and indices, bool masks, and the int32 and int8 that tract's own shape and cast
/// arithmetic goes through. The browser's tract is compiled for these only (vendor/README.md).
pub const ALLOWED_ELEMENT_TYPES: &[i32] =
    &[data_type::FLOAT, data_type::INT8, data_type::INT32, data_type::INT64, data_type::BOOL];

/// An ONNX element type's name, as `onnx.TensorProto.DataType` spells it, lower-cased.
fn element_type_name(t: i32) -> String {
    let name = match t {
        1 => "float32",
        2 => "uint8",
        3 => "int8",
        4 => "uint16",
        5 => "int16",
        6 => "int32",
        7 => "int64",
        8 => "string",
        9 => "bool",
        10 => "float16",
        11 => "float64",
        12 => "uint32",
        13 => "uint64",
        14 => "complex64",
        15 => "complex128",
        16 => "bfloat16",
        _ => return format!("element-type-{t}"),
    };
    name.to_string()
}

/// The element types outside [`ALLOWED_ELEMENT_TYPES`] that the graph's initializers, constants,
/// casts and declared values use, each with the first place it occurs (`float64 (initializer
/// 'w')`), in the order found.
fn disallowed_element_types(graph: &pb::GraphProto) -> Vec<String> {
    use pb::type_proto::Value as T;
    let mut found: Vec<(i32, String)> = Vec::new();
    let mut note = |t: i32, place: String| {
        // 0 is UNDEFINED: a value declared without a type, which says nothing.
        if t != 0 && !ALLOWED_ELEMENT_TYPES.contains(&t) && !found.iter().any(|(f, _)| *f == t) {
            found.push((t, place));
        }
    };
    for t in &graph.initializer {
        note(t.data_type, format!("initializer '{}'", t.name));
    }
    for n in &graph.node {
        for a in &n.attribute {
            for t in a.t.iter().chain(&a.tensors) {
                note(t.data_type, format!("{} node '{}'", n.op_type, n.name));
            }
            if n.op_type == "Cast" && a.name == "to" {
                note(a.i as i32, format!("Cast node '{}'", n.name));
            }
        }
    }
    for v in graph.input.iter().chain(&graph.output).chain(&graph.value_info) {
        if let Some(T::TensorType(t)) = v.r#type.as_ref().and_then(|t| t.value.as_ref()) {
            note(t.elem_type, format!("value '{}'", v.name));
        }
    }
    found.into_iter().map(|(t, place)| format!("{} ({place})", element_type_name(t))).collect()
}

/// Graph inputs that are not initializers.
pub fn real_inputs(proto: &ModelProto) -> Vec<&ValueInfoProto> {
    let g = proto.graph.as_ref().expect("checked by read_model");
    let inits: HashSet<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
    g.input.iter().filter(|i| !inits.contains(i.name.as_str())).collect()
}

/// Declared dims of a value (`None` for a symbolic or missing dim).
pub fn declared_dims(v: &ValueInfoProto) -> Option<Vec<Option<i64>>> {
    use pb::tensor_shape_proto::dimension::Value as D;
    use pb::type_proto::Value as T;
    let T::TensorType(t) = v.r#type.as_ref()?.value.as_ref()?;
    Some(
        t.shape
            .as_ref()?
            .dim
            .iter()
            .map(|d| match d.value {
                Some(D::DimValue(x)) => Some(x),
                _ => None,
            })
            .collect(),
    )
}

/// Checks the graph's one input is `[batch, 4, length]` named as the manifest says, and that the
/// graph has the output the manifest names.
pub fn check_io(proto: &ModelProto, input_name: &str, length: usize, output_name: &str, what: &str) -> Result<()> {
    let inputs = real_inputs(proto);
    let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    if inputs.len() != 1 {
        return Err(Error::Mismatch(format!(
            "the {what} graph has inputs {names:?}; the predictor feeds exactly one, '{input_name}'"
        )));
    }
    if names[0] != input_name {
        return Err(Error::Mismatch(format!(
            "the {what} graph's input is '{}', the manifest says '{input_name}'",
            names[0]
        )));
    }
    if let Some(dims) = declared_dims(inputs[0]) {
        let ok =
            dims.len() == 3 && matches!(dims[1], Some(4) | None) && matches!(dims[2], Some(l) if l == length as i64)
                || dims.len() == 3 && dims[2].is_none();
        if !ok {
            let shown: Vec<String> = dims.iter().map(|d| d.map_or("?".into(), |x| x.to_string())).collect();
            return Err(Error::Mismatch(format!(
                "the {what} graph's input '{input_name}' has shape [{}], the manifest says [batch, 4, {length}]",
                shown.join(", ")
            )));
        }
    }
    let g = proto.graph.as_ref().expect("graph");
    if !g.output.iter().any(|o| o.name == output_name) {
        let outs: Vec<&str> = g.output.iter().map(|o| o.name.as_str()).collect();
        return Err(Error::Mismatch(format!(
            "the {what} graph has outputs {outs:?}, none named '{output_name}' as the manifest says"
        )));
    }
    Ok(())
}

/// The inference graph cut at its global average pool.
#[derive(Clone, Debug)]
pub struct Split {
    pub trunk: ModelProto,
    /// The trunk with the pads of every convolution and pool set to 0 (see
    /// [`crate::geometry::plan_valid_windows`]).
    pub trunk_valid: ModelProto,
    pub head: ModelProto,
    /// Name of the trunk's output (what the pool reads), `[batch, channels, T]`.
    pub trunk_output: String,
    /// Name of the head's input (the pool's output), `[batch, channels, 1]`.
    pub head_input: String,
    pub field: Field,
}

/// A float tensor value of the given name and no declared shape (the input or output of a cut graph).
pub(crate) fn named(name: &str) -> ValueInfoProto {
    ValueInfoProto {
        name: name.to_string(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor { elem_type: 1, shape: None })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The geometry of a 1-D sliding layer (Conv, MaxPool, AveragePool): kernel, stride, dilation,
/// and the pads before and after the sequence (`auto_pad` resolved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sliding {
    pub kernel: i64,
    pub stride: i64,
    pub dilation: i64,
    pub pad_left: i64,
    pub pad_right: i64,
}

/// Reads a sliding layer's geometry; `weight_dims` gives an initializer's dims (a Conv without
/// `kernel_shape` takes the kernel from its weight). Says why when the layer is not one this
/// module models (2-D, `ceil_mode`, `SAME` padding with a stride).
pub(crate) fn sliding(
    n: &NodeProto,
    weight_dims: impl Fn(&str) -> Option<Vec<i64>>,
) -> std::result::Result<Sliding, String> {
    let op = n.op_type.as_str();
    let kernel = match attr_ints(n, "kernel_shape") {
        Some(k) => k,
        None if op == "Conv" => weight_dims(n.input.get(1).map_or("", String::as_str))
            .ok_or("a Conv weight is not an initializer")?[2..]
            .to_vec(),
        None => return Err(format!("{op} node '{}' has no kernel_shape", n.name)),
    };
    let [kernel] = kernel[..] else { return Err(format!("{op} node '{}' is not 1-D", n.name)) };
    let stride = attr_ints(n, "strides").map_or(1, |v| v[0]);
    let dilation = attr_ints(n, "dilations").map_or(1, |v| v[0]);
    if attr_int(n, "ceil_mode").unwrap_or(0) != 0 {
        return Err(format!("{op} node '{}' uses ceil_mode", n.name));
    }
    let auto = attr_str(n, "auto_pad");
    let (pad_left, pad_right) = match auto.as_deref().unwrap_or("NOTSET") {
        "NOTSET" => attr_ints(n, "pads").map_or((0, 0), |p| (p[0], p.get(1).copied().unwrap_or(p[0]))),
        "VALID" => (0, 0),
        "SAME_UPPER" | "SAME_LOWER" if stride == 1 => {
            let total = dilation * (kernel - 1);
            if auto.as_deref() == Some("SAME_UPPER") {
                (total / 2, total - total / 2)
            } else {
                (total - total / 2, total / 2)
            }
        }
        other => return Err(format!("{op} node '{}' uses auto_pad {other} with stride {stride}", n.name)),
    };
    Ok(Sliding { kernel, stride, dilation, pad_left, pad_right })
}

fn attr<'a>(n: &'a NodeProto, name: &str) -> Option<&'a pb::AttributeProto> {
    n.attribute.iter().find(|a| a.name == name)
}

pub(crate) fn attr_ints(n: &NodeProto, name: &str) -> Option<Vec<i64>> {
    attr(n, name).map(|a| a.ints.clone())
}

pub(crate) fn attr_int(n: &NodeProto, name: &str) -> Option<i64> {
    attr(n, name).map(|a| a.i)
}

fn attr_str(n: &NodeProto, name: &str) -> Option<String> {
    attr(n, name).map(|a| String::from_utf8_lossy(&a.s).into_owned())
}

/// Cuts `proto` (the inference graph, input `input`, output `output`) at its one
/// GlobalAveragePool, and works out the trunk's receptive field. The reason is returned when the
/// graph has another form (fast mutagenesis then falls back to full forward passes).
pub fn split(proto: &ModelProto, input: &str, output: &str) -> std::result::Result<Split, String> {
    let g = proto.graph.as_ref().ok_or("no graph")?;
    let pools: Vec<&NodeProto> = g.node.iter().filter(|n| n.op_type == "GlobalAveragePool").collect();
    let [pool] = pools.as_slice() else {
        return Err(format!(
            "the graph has {} GlobalAveragePool nodes, fast mutagenesis needs exactly one",
            pools.len()
        ));
    };
    let (trunk_output, head_input) = (pool.input[0].clone(), pool.output[0].clone());
    let inits: HashMap<&str, &pb::TensorProto> = g.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
    let trunk_nodes = ancestors(g, &[trunk_output.as_str()]);
    let head_nodes = ancestors_until(g, &[output], &head_input);
    for &i in &head_nodes {
        for inp in &g.node[i].input {
            if inp == input
                || trunk_nodes.iter().any(|&j| g.node[j].output.contains(inp) && g.node[j].op_type != "Constant")
            {
                return Err(format!("the head (after the pool) reads '{inp}' from before the pool"));
            }
        }
    }
    if head_nodes.iter().any(|&i| g.node[i].output.contains(&trunk_output)) {
        return Err("the pooled tensor is produced after the pool".into());
    }

    // Receptive field of every trunk tensor; `None` for constants.
    let mut fields: HashMap<String, Option<Field>> = HashMap::new();
    fields.insert(input.to_string(), Some(Field::INPUT));
    let field_of =
        |fields: &HashMap<String, Option<Field>>, name: &str| -> std::result::Result<Option<Field>, String> {
            if name.is_empty() || inits.contains_key(name) {
                return Ok(None);
            }
            fields.get(name).copied().ok_or_else(|| format!("tensor '{name}' is used before it is computed"))
        };
    for &i in &trunk_nodes {
        let n = &g.node[i];
        let ins: Vec<Option<Field>> =
            n.input.iter().map(|x| field_of(&fields, x)).collect::<std::result::Result<_, _>>()?;
        let op = n.op_type.as_str();
        let out = if ins.iter().all(Option::is_none) {
            None
        } else if per_position(op) {
            if ins[1..].iter().any(Option::is_some) {
                return Err(format!("{op} node '{}' takes a sequence-dependent parameter", n.name));
            }
            ins[0]
        } else if position_join(op) {
            // A Concat joins along the channels only, so the tensors it joins stay position-aligned.
            if op == "Concat" && !matches!(attr_int(n, "axis"), Some(1 | -2)) {
                return Err(format!("Concat node '{}' joins along an axis other than the channels", n.name));
            }
            for (name, _) in n.input.iter().zip(&ins).filter(|(_, fi)| fi.is_none()) {
                if op == "Concat" {
                    return Err(format!("Concat node '{}' joins a constant to the sequence", n.name));
                }
                // A constant operand must not vary along the sequence axis.
                let dims = inits.get(name.as_str()).map(|t| t.dims.clone()).ok_or_else(|| {
                    format!("{op} node '{}' has a computed constant operand '{name}' of unknown shape", n.name)
                })?;
                if dims.last().is_some_and(|&d| d != 1) {
                    return Err(format!("{op} node '{}' broadcasts '{name}' {dims:?} along the sequence", n.name));
                }
            }
            // Each output position reads what each operand's position reads.
            let mut f: Option<Field> = None;
            for &fi in ins.iter().flatten() {
                f = Some(match f {
                    None => fi,
                    Some(prev) => prev
                        .union(fi)
                        .ok_or_else(|| format!("{op} node '{}' combines tensors of different strides", n.name))?,
                });
            }
            f
        } else if matches!(op, "Conv" | "MaxPool" | "AveragePool") {
            if ins[1..].iter().any(Option::is_some) {
                return Err(format!("{op} node '{}' has sequence-dependent weights", n.name));
            }
            let g = sliding(n, |name| inits.get(name).map(|t| t.dims.clone()))?;
            Some(ins[0].ok_or("a sliding layer reads a constant")?.slide(g.kernel, g.stride, g.dilation, g.pad_left))
        } else {
            return Err(not_position_wise(n, &inits));
        };
        for o in &n.output {
            fields.insert(o.clone(), out);
        }
    }
    let field = field_of(&fields, &trunk_output)?.ok_or("the pooled tensor does not depend on the sequence")?;

    let sub = |nodes: &[usize], inputs, outputs| {
        model_of(proto, nodes.iter().map(|&i| g.node[i].clone()).collect(), inputs, outputs)
    };
    let x = g.input.iter().find(|i| i.name == input).cloned().ok_or_else(|| format!("no input '{input}'"))?;
    let out = g.output.iter().find(|o| o.name == output).cloned().ok_or_else(|| format!("no output '{output}'"))?;
    let trunk = sub(&trunk_nodes, vec![x], vec![named(&trunk_output)]);
    let mut trunk_valid = trunk.clone();
    for n in &mut trunk_valid.graph.as_mut().expect("graph").node {
        if matches!(n.op_type.as_str(), "Conv" | "MaxPool" | "AveragePool") {
            n.attribute.retain(|a| a.name != "pads" && a.name != "auto_pad");
        }
    }
    Ok(Split {
        trunk,
        trunk_valid,
        head: sub(&head_nodes, vec![named(&head_input)], vec![out]),
        trunk_output,
        head_input,
        field,
    })
}

/// The initializer named `name`.
pub(crate) fn initializer<'a>(proto: &'a ModelProto, name: &str) -> Option<&'a pb::TensorProto> {
    proto.graph.as_ref()?.initializer.iter().find(|t| t.name == name)
}

/// An initializer as f32 values with its dims.
pub fn initializer_f32(proto: &ModelProto, name: &str) -> Option<(Vec<usize>, Vec<f32>)> {
    let t = initializer(proto, name)?;
    let dims: Vec<usize> = t.dims.iter().map(|&d| d as usize).collect();
    let n: usize = dims.iter().product();
    let data = tensor_f32(t)?;
    (data.len() == n).then_some((dims, data))
}

/// A float32 tensor's values (None for other types: read_model refuses float64 and every type
/// outside ALLOWED_ELEMENT_TYPES).
pub(crate) fn tensor_f32(t: &pb::TensorProto) -> Option<Vec<f32>> {
    match t.data_type {
        data_type::FLOAT if !t.raw_data.is_empty() => {
            Some(t.raw_data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
        }
        data_type::FLOAT => Some(t.float_data.clone()),
        _ => None,
    }
}

/// Why a trunk cannot be split at node `n` (`inits`: the graph's initializers by name): it is not
/// position-wise. For a mean, sum or max over the sequence axis (squeeze-excitation's mean, the
/// reason users of the shipped LegNets meet), also what that means for a scan, in words a reader
/// of the model card or of a scan's method can follow.
pub(crate) fn not_position_wise(n: &NodeProto, inits: &HashMap<&str, &pb::TensorProto>) -> String {
    let op = n.op_type.as_str();
    let axes =
        attr_ints(n, "axes").or_else(|| n.input.get(1).and_then(|a| inits.get(a.as_str())).and_then(|t| tensor_i64(t)));
    let over_sequence = axes.is_some_and(|a| a.iter().any(|&x| x == 2 || x == -1));
    let what = match op {
        "ReduceMean" if over_sequence => Some("a mean"),
        "ReduceSum" if over_sequence => Some("a sum"),
        "ReduceMax" if over_sequence => Some("a maximum"),
        "GlobalAveragePool" => Some("a mean"),
        "GlobalMaxPool" => Some("a maximum"),
        _ => None,
    };
    let why = what.map_or(String::new(), |w| {
        format!(
            ": it takes {w} over the whole sequence (as squeeze-excitation does), so a substitution changes every \
             value after it, and each one takes a full forward pass"
        )
    });
    format!("the trunk has a {op} node ('{}'), which is not position-wise{why}", n.name)
}

/// An int64 initializer's values (raw or typed), or `None` for another type.
pub(crate) fn tensor_i64(t: &pb::TensorProto) -> Option<Vec<i64>> {
    match t.data_type {
        data_type::INT64 if !t.raw_data.is_empty() => {
            Some(t.raw_data.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
        }
        data_type::INT64 => Some(t.int64_data.clone()),
        _ => None,
    }
}

/// The first convolution the input (or a slice of it, for a two-segment model) feeds, as its effective weights `[filters, 4, k]`: when a
/// BatchNormalization reads the convolution's output directly, each filter is multiplied by
/// its `scale / sqrt(var + epsilon)` (the constant shift does not change which bases a filter
/// prefers), so the filters' relative sharpness is what the next layer sees.
pub fn first_conv(proto: &ModelProto, input: &str) -> Option<(Vec<usize>, Vec<f32>)> {
    let g = proto.graph.as_ref()?;
    // The input itself, or (a two-segment model) a slice of it: the first branch's convolution.
    let mut reads: Vec<&str> = vec![input];
    reads.extend(
        g.node
            .iter()
            .filter(|n| n.op_type == "Slice" && n.input.first().map(String::as_str) == Some(input))
            .flat_map(|n| n.output.iter().map(String::as_str)),
    );
    let conv =
        g.node.iter().find(|n| n.op_type == "Conv" && n.input.first().is_some_and(|i| reads.contains(&i.as_str())))?;
    let (dims, mut w) = initializer_f32(proto, conv.input.get(1)?)?;
    let bn = g.node.iter().find(|n| n.op_type == "BatchNormalization" && n.input.first() == conv.output.first());
    if let Some(bn) = bn
        && dims.len() == 3
        && let (Some((_, scale)), Some((_, var))) =
            (initializer_f32(proto, bn.input.get(1)?), initializer_f32(proto, bn.input.get(4)?))
        && scale.len() == dims[0]
        && var.len() == dims[0]
    {
        let eps = attr(bn, "epsilon").map_or(1e-5, |a| a.f);
        let per = dims[1] * dims[2];
        for (f, chunk) in w.chunks_mut(per).enumerate() {
            let factor = scale[f] / (var[f] + eps).sqrt();
            chunk.iter_mut().for_each(|v| *v *= factor);
        }
    }
    Some((dims, w))
}

/// Nodes of `g` (indices, in graph order) that the tensors `targets` depend on.
pub fn ancestors(g: &pb::GraphProto, targets: &[&str]) -> Vec<usize> {
    ancestors_until(g, targets, "")
}

/// Nodes of `g` (indices, in graph order) that the tensors `targets` depend on, given the tensor
/// `stop` (its producer and what that depends on are left out).
pub(crate) fn ancestors_until(g: &pb::GraphProto, targets: &[&str], stop: &str) -> Vec<usize> {
    let producer: HashMap<&str, usize> =
        g.node.iter().enumerate().flat_map(|(i, n)| n.output.iter().map(move |o| (o.as_str(), i))).collect();
    let mut seen = HashSet::new();
    let mut stack: Vec<&str> = targets.to_vec();
    while let Some(t) = stack.pop() {
        if t == stop || t.is_empty() {
            continue;
        }
        if let Some(&i) = producer.get(t)
            && seen.insert(i)
        {
            stack.extend(g.node[i].input.iter().map(String::as_str));
        }
    }
    let mut v: Vec<usize> = seen.into_iter().collect();
    v.sort_unstable();
    v
}

/// `proto` cut to `nodes` (indices in graph order), reading the graph input `input` and
/// returning the tensors `outputs` (declared as float tensors of any shape), with the
/// initializers those nodes read.
pub(crate) fn subgraph(
    proto: &ModelProto,
    nodes: &[usize],
    input: &str,
    outputs: &[&str],
) -> std::result::Result<ModelProto, String> {
    let g = proto.graph.as_ref().ok_or("no graph")?;
    let x = g.input.iter().find(|i| i.name == input).cloned().ok_or_else(|| format!("no input '{input}'"))?;
    let nodes = nodes.iter().map(|&i| g.node[i].clone()).collect();
    Ok(model_of(proto, nodes, vec![x], outputs.iter().map(|o| named(o)).collect()))
}

/// `proto` with only `nodes` (and the initializers they read) between `inputs` and `outputs`.
pub(crate) fn model_of(
    proto: &ModelProto,
    nodes: Vec<NodeProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<ValueInfoProto>,
) -> ModelProto {
    let g = proto.graph.as_ref().expect("a model with a graph");
    let used: HashSet<&str> = nodes.iter().flat_map(|n| n.input.iter().map(String::as_str)).collect();
    let graph = pb::GraphProto {
        initializer: g.initializer.iter().filter(|t| used.contains(t.name.as_str())).cloned().collect(),
        node: nodes,
        name: g.name.clone(),
        input: inputs,
        output: outputs,
        ..Default::default()
    };
    ModelProto { graph: Some(graph), ..proto.clone() }
}
