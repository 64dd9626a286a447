//! Regula's training engine: models are built as ONNX graphs, their gradients derived as ONNX
//! graphs, and every train step is one ONNX Runtime session run.
//!
//! - [`graph::GraphBuilder`] builds typed, shape-checked graphs; the ops in [`ops`] each carry a
//!   backward rule in standard ONNX ops, and [`autodiff::gradients`] chains them.
//! - [`train::Trainer`] builds the train-step graph (forward, loss, backward, optimizer update)
//!   for a [`model::Model`] and runs it on CPU or CUDA ([`runtime`]).
//! - [`export`] writes the inference graph and the input-attribution graph of the trained model.

pub mod atomic;
pub mod autodiff;
pub mod data;
pub mod eval;
pub mod error;
pub mod export;
pub mod exported;
pub mod fit;
pub mod graph;
pub mod loss;
pub mod model;
pub mod onnx;
pub mod ops;
pub mod optim;
pub mod options;
pub mod params;
pub mod runtime;
pub mod train;

pub use error::{Error, Result};
