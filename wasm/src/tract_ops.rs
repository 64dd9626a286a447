//! The ONNX operators tract parses for Regula: exactly the predictor's allow-list
//! ([`regula_infer::graph::ALLOWED_OPS`]), each with tract-onnx's own builder.
//!
//! `tract_onnx::onnx()` registers every operator tract knows (LSTM, FFT, NonMaxSuppression, …),
//! and since a register is a table of function pointers looked up by name at run time, the
//! linker keeps them all. Registering only the allowed ones lets it drop the rest. (tract-onnx
//! keeps most builders private; `vendor/tract-onnx.patch` makes them public, see vendor/README.md.)
//! Where a builder is a one-line closure in tract-onnx, it is repeated here verbatim.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::ops::{array, cast, math, nn};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_core::ops as core_ops;
use tract_onnx::tract_hir::internal::*;
use tract_onnx::tract_hir::ops::binary::{BinIntoHir, Nary};
use tract_onnx::tract_hir::ops::{self as hir_ops, expandable::expand};

type Builder = fn(&ParsingContext, &NodeProto) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)>;

/// The builders, by ONNX operator name (the order of [`regula_infer::graph::ALLOWED_OPS`]).
pub const OPS: &[(&str, Builder)] = &[
    ("Abs", |_, _| Ok((hir_ops::math::abs().into_hir(), vec![]))),
    ("Add", |_, _| Ok((hir_ops::math::Add.into_hir(), vec![]))),
    ("AveragePool", nn::average_pool),
    ("BatchNormalization", nn::batch_normalization),
    ("Cast", cast::cast),
    ("Clip", math::clip::clip),
    ("Concat", array::concat),
    ("Constant", tract_onnx::ops::konst),
    ("ConstantOfShape", array::constant_of_shape),
    ("Conv", nn::conv),
    ("ConvTranspose", nn::conv_transpose::conv_transpose),
    ("Div", |_, _| Ok((hir_ops::math::Div.into_hir(), vec![]))),
    ("Elu", nn::elu),
    ("Equal", |_, _| Ok((core_ops::logic::CompEq.into_hir(), vec![]))),
    ("Erf", |_, _| Ok((hir_ops::math::erf().into_hir(), vec![]))),
    ("Exp", |_, _| Ok((hir_ops::math::exp().into_hir(), vec![]))),
    ("Expand", |_, _| Ok((expand(hir_ops::array::MultiBroadcastTo), vec![]))),
    ("Flatten", array::flatten),
    ("Gather", array::gather),
    ("Gelu", nn::gelu::gelu),
    ("Gemm", math::gemm::gemm),
    ("GlobalAveragePool", |_, _| Ok((expand(hir_ops::nn::GlobalAvgPool), vec![]))),
    ("GlobalMaxPool", |_, _| Ok((expand(hir_ops::nn::GlobalMaxPool), vec![]))),
    ("Greater", |_, _| Ok((core_ops::logic::CompGT.into_hir(), vec![]))),
    ("Identity", |_, _| Ok((Box::<hir_ops::identity::Identity>::default(), vec![]))),
    ("LayerNormalization", nn::layer_norm::layer_norm),
    ("LeakyRelu", nn::leaky_relu),
    ("Less", |_, _| Ok((core_ops::logic::CompLT.into_hir(), vec![]))),
    ("Log", |_, _| Ok((hir_ops::math::ln().into_hir(), vec![]))),
    ("MatMul", |_, _| Ok((expand(hir_ops::matmul::MatMulInference::default()), vec![]))),
    ("Max", |_, _| Ok((Box::new(Nary(Box::new(hir_ops::math::Max), false)), vec![]))),
    ("MaxPool", nn::max_pool::max_pool),
    ("Min", |_, _| Ok((Box::new(Nary(Box::new(hir_ops::math::Min), false)), vec![]))),
    ("Mul", |_, _| Ok((hir_ops::math::Mul.into_hir(), vec![]))),
    ("Neg", |_, _| Ok((hir_ops::math::neg().into_hir(), vec![]))),
    ("Not", |_, _| Ok((core_ops::logic::not().into_hir(), vec![]))),
    ("Pad", array::pad::pad),
    ("Pow", math::pow::pow),
    ("Reciprocal", |_, _| Ok((hir_ops::math::recip().into_hir(), vec![]))),
    ("ReduceMax", |c, node| nn::reduce::reduce(c, node, hir_ops::nn::Reducer::Max)),
    ("ReduceMean", |c, node| nn::reduce::reduce(c, node, hir_ops::nn::Reducer::Mean)),
    ("ReduceSum", |c, node| nn::reduce::reduce(c, node, hir_ops::nn::Reducer::Sum)),
    ("Relu", |_, _| Ok((expand(hir_ops::activations::Clip::new(Some(0.0), None)), vec![]))),
    ("Reshape", |_, node| {
        // allowzero was added in opset 14; absent, it defaults to 0.
        let allowzero = node.get_attr_opt::<i64>("allowzero")?.unwrap_or(0) != 0;
        Ok((expand(hir_ops::array::Reshape::new(allowzero)), vec![]))
    }),
    ("ScatterElements", array::scatter_elements),
    ("Shape", array::shape::shape),
    ("Sigmoid", |_, _| Ok((hir_ops::nn::sigmoid().into_hir(), vec![]))),
    ("Sign", |_, _| Ok((hir_ops::math::sign().into_hir(), vec![]))),
    ("Size", |_, _| Ok((expand(hir_ops::array::Size::new(DatumType::TDim)), vec![]))),
    ("Slice", array::slice::slice),
    ("Softmax", nn::layer_soft_max),
    ("Softplus", |_, _| Ok((expand(hir_ops::activations::Softplus), vec![]))),
    ("Split", array::split::split),
    ("Sqrt", |_, _| Ok((hir_ops::math::sqrt().into_hir(), vec![]))),
    ("Squeeze", array::squeeze::squeeze),
    ("Sub", |_, _| Ok((hir_ops::math::Sub.into_hir(), vec![]))),
    ("Sum", |_, _| Ok((Box::new(Nary(Box::new(hir_ops::math::Add), false)), vec![]))),
    ("Tanh", |_, _| Ok((hir_ops::math::tanh().into_hir(), vec![]))),
    ("Tile", |_, _| Ok((expand(hir_ops::array::Tile), vec![]))),
    ("Transpose", array::transpose),
    ("Unsqueeze", array::unsqueeze::unsqueeze),
    ("Where", |_, _| Ok((expand(hir_ops::logic::Iff), vec![]))),
];

/// tract's ONNX framework with only [`OPS`] registered.
pub fn onnx() -> tract_onnx::Onnx {
    let mut register = OnnxOpRegister::default();
    for &(name, builder) in OPS {
        register.insert(name, builder);
    }
    tract_onnx::Onnx { op_register: register, ..Default::default() }
}
