//! Typed, shape-checked construction of ONNX graphs.
//!
//! A [`GraphBuilder`] owns named values with a dtype and a shape whose batch dimension may be
//! symbolic, the ONNX nodes that compute them, and a tape of the differentiable ops applied so
//! far, which [`crate::autodiff`] walks backwards.

mod builder;
pub(crate) mod shape;

pub use builder::{GraphBuilder, TapeEntry, ValueInfo};
pub use shape::{Dim, Shape, broadcast_shapes, fixed, normalize_axis};

use crate::onnx::proto::data_type;

/// Element type of a graph value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    F32,
    F64,
    I64,
    Bool,
}

impl DType {
    pub fn onnx(self) -> i32 {
        match self {
            DType::F32 => data_type::FLOAT,
            DType::F64 => data_type::DOUBLE,
            DType::I64 => data_type::INT64,
            DType::Bool => data_type::BOOL,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }
}

/// Handle to a value in one [`GraphBuilder`]; only meaningful for the builder that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(pub(crate) usize);
