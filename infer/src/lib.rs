//! Regula's inference layer, shared by the browser (`regula-wasm`, tract) and the native CLI
//! (`regula-train`, ONNX Runtime): one implementation of every algorithm that turns a model and
//! sequences into numbers, over the [`runtime::Graph`] trait.
//!
//! - [`graph`] reads and checks an ONNX model (size, op allow-list, inputs against the manifest)
//!   and cuts it into trunk and head for fast mutagenesis, with the receptive field of
//!   [`geometry`] (the window lemma and its runtime self-check);
//! - [`model`] loads a model from its manifest and graphs; [`segments`] handles models that read
//!   a promoter and a distal partner;
//! - [`predict`] fits sequences by a length policy and predicts them, [`ism`] runs saturation
//!   mutagenesis (fast exact, or naive), [`variants`] scores variants, [`attribution`] computes
//!   gradient×input and integrated gradients, [`motifs`] puts known motifs under attributions,
//!   [`attention`] reads the attention map of a model with an attention block; [`vcf`] scores
//!   VCF variants on windows of a reference genome, whose geometry, REF and `N` checks and
//!   reasons are [`reference_windows`]'s; [`vcf_annotation`] writes scores into a VCF's INFO.
//!
//! [`proto`] is the ONNX protobuf, one type for the trainer that writes models and for both
//! predictors that read them.

pub mod attention;
pub mod attribution;
pub mod error;
pub mod geometry;
pub mod graph;
pub mod incremental;
pub mod ism;
pub mod model;
pub mod motifs;
pub mod predict;
pub mod proto;
pub mod reference_windows;
pub mod runtime;
pub mod segment_trunks;
pub mod segments;
pub mod variants;
pub mod vcf;
pub mod vcf_annotation;

pub use error::{Error, Result};
pub use model::Model;
pub use runtime::{Backend, Graph, HostTensor};
