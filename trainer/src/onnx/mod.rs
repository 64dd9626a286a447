//! ONNX protobuf messages and small constructors for attributes and tensors.

/// The ONNX protobuf messages, shared with the predictors (`regula_infer::proto`).
pub use regula_infer::proto;

use proto::{AttributeProto, TensorProto, attribute_type, data_type};

/// The ONNX opset the trainer targets: Gelu (20) and LayerNormalization (17) are native ops, and
/// reductions take their axes as an input (18+).
pub const OPSET: i64 = 20;
/// IR version matching [`OPSET`] 20.
pub const IR_VERSION: i64 = 9;

pub fn attr_int(name: &str, i: i64) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: attribute_type::INT, i, ..Default::default() }
}

pub fn attr_ints(name: &str, ints: &[i64]) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: attribute_type::INTS, ints: ints.to_vec(), ..Default::default() }
}

pub fn attr_float(name: &str, f: f32) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: attribute_type::FLOAT, f, ..Default::default() }
}

pub fn attr_string(name: &str, s: &str) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: attribute_type::STRING, s: s.as_bytes().to_vec(), ..Default::default() }
}

pub fn attr_tensor(name: &str, t: TensorProto) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: attribute_type::TENSOR, t: Some(t), ..Default::default() }
}

/// A tensor stored as little-endian `raw_data`, which every ONNX reader accepts.
pub fn tensor_f32(name: &str, dims: &[i64], data: &[f32]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: data_type::FLOAT,
        raw_data: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    }
}

pub fn tensor_f64(name: &str, dims: &[i64], data: &[f64]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: data_type::DOUBLE,
        raw_data: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    }
}

pub fn tensor_i64(name: &str, dims: &[i64], data: &[i64]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: data_type::INT64,
        raw_data: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    }
}

/// Serialize a model to ONNX protobuf bytes.
pub fn encode_model(model: &proto::ModelProto) -> Vec<u8> {
    use prost::Message;
    model.encode_to_vec()
}

/// Parse ONNX protobuf bytes (fields outside [`proto`]'s subset are skipped).
pub fn decode_model(bytes: &[u8]) -> Result<proto::ModelProto, prost::DecodeError> {
    use prost::Message;
    proto::ModelProto::decode(bytes)
}

/// The values of an f32 tensor, from `raw_data` or `float_data`.
pub fn tensor_values_f32(t: &TensorProto) -> Option<Vec<f32>> {
    if t.data_type != data_type::FLOAT {
        return None;
    }
    if !t.raw_data.is_empty() {
        return Some(t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect());
    }
    Some(t.float_data.clone())
}
