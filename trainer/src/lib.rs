//! Regula's training engine: models are built as ONNX graphs, their gradients derived as ONNX
//! graphs, and every train step is one ONNX Runtime session run.
//!
//! - [`graph::GraphBuilder`] builds typed, shape-checked graphs; the ops in [`ops`] each carry a
//!   backward rule in standard ONNX ops, and [`autodiff::gradients`] chains them.
//! - [`train::Trainer`] builds the train-step graph (forward, loss, backward, optimizer update)
//!   for a [`model::Model`] and runs it on CPU or CUDA ([`runtime`]).
//! - [`export`] writes the inference graph and the input-attribution graph of the trained model.
//!
//! ```no_run
//! use regula_train::loss::Loss;
//! use regula_train::model::Cnn;
//! use regula_train::optim::Optimizer;
//! use regula_train::runtime::RuntimeConfig;
//! use regula_train::train::{Batch, TrainConfig, Trainer};
//!
//! # fn main() -> regula_train::Result<()> {
//! // ONNX Runtime is loaded from ORT_DYLIB_PATH, else the copy scripts/provision-ort.sh made.
//! let config = TrainConfig {
//!     loss: Loss::Mse,
//!     optimizer: Optimizer::adamw(1e-3),
//!     // "cuda" or "cuda:N" for the CUDA provider; a CPU-only library gives Error::CudaUnavailable.
//!     runtime: RuntimeConfig { device: "cpu".parse()?, threads: 2, ..Default::default() },
//!     seed: 0,
//! };
//! let mut trainer = Trainer::new(Cnn::reference(230, 1), config)?;
//! // One-hot x [n, 4, 230] (regula_core::encode), targets and optional weights [n, outputs].
//! let (x, y) = (vec![0.25f32; 32 * 4 * 230], vec![0.0f32; 32]);
//! let loss = trainer.step(&Batch { x: &x, y: &y, weight: None, n: 32 })?;
//! let predictions = trainer.predictor()?.predict(&x, 32)?;
//! let inference = regula_train::onnx::encode_model(&trainer.inference_graph()?);
//! let attribution = regula_train::onnx::encode_model(&trainer.attribution_graph()?);
//! # let _ = (loss, predictions, inference, attribution);
//! # Ok(())
//! # }
//! ```

pub mod atomic;
pub mod autodiff;
pub mod bgzf_blocks;
pub mod checks;
pub mod data;
pub mod ensemble;
pub mod error;
pub mod eval;
pub mod export;
pub mod fit;
pub mod graph;
pub mod io;
pub mod loss;
pub mod model;
pub mod model_card;
pub mod model_folder;
pub mod model_metrics;
pub mod onnx;
pub mod ops;
pub mod optim;
pub mod options;
pub mod ort_backend;
pub mod out_dir;
pub mod params;
pub mod regions;
pub mod runtime;
pub mod score_workers;
pub mod tables;
pub mod train;
pub mod vcf_io;
pub mod vcf_shards;
pub mod vcf_windows;

pub use error::{Error, Result};
