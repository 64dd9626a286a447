//! An exported model folder (`manifest.json` and the ONNX files it names), loaded into the
//! shared inference layer with ONNX Runtime behind it: the CLI's `predict`, `ism` and
//! `score-variants` then compute exactly what the browser computes.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use prost::Message;
use regula_core::length::{LengthPolicy, Padding};
use regula_core::manifest::Manifest;
use regula_infer::Model;
use regula_infer::proto::ModelProto;

use crate::error::{Error, Result};
use crate::export::Predictor;
use crate::fit::run::MANIFEST_FILE;
use crate::ort_backend::OnnxRuntime;
use crate::runtime::RuntimeConfig;

pub struct ModelFolder {
    pub dir: PathBuf,
    /// The model, run by ONNX Runtime; its manifest is `model.manifest`.
    pub model: Model,
    /// The inference graph as read (for summaries and the training-time predictor).
    pub graph: ModelProto,
    runtime: RuntimeConfig,
    /// The training-time batch predictor `evaluate` scores with, made on first use.
    predictor: OnceCell<Predictor>,
}

impl ModelFolder {
    /// Loads `dir/manifest.json` and the model file it names; with `attribution`, also the
    /// attribution graph (the manifest's `graphs.attribution`).
    pub fn load(dir: &Path, runtime: &RuntimeConfig) -> Result<Self> {
        Self::load_with(dir, runtime, false)
    }

    pub fn load_with(dir: &Path, runtime: &RuntimeConfig, attribution: bool) -> Result<Self> {
        let manifest_path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
            Error::Invalid(format!(
                "cannot read {}: {e}; is {} a model folder?",
                manifest_path.display(),
                dir.display()
            ))
        })?;
        let manifest =
            Manifest::from_json(&text).map_err(|e| Error::Invalid(format!("{}: {e}", manifest_path.display())))?;
        let read = |file: &str| {
            let path = dir.join(file);
            std::fs::read(&path).map_err(|e| Error::Invalid(format!("cannot read {}: {e}", path.display())))
        };
        let bytes = read(&manifest.model_file)?;
        let graph = ModelProto::decode(&bytes[..]).map_err(|e| {
            Error::Invalid(format!("{} is not an ONNX model: {e}", dir.join(&manifest.model_file).display()))
        })?;
        let attribution_bytes = match manifest.graphs.get("attribution") {
            Some(g) if attribution => Some(read(&g.file)?),
            _ => None,
        };
        let model = Model::load(&bytes, &text, attribution_bytes.as_deref(), &OnnxRuntime::new(*runtime))
            .map_err(|e| Error::Invalid(format!("{}: {e}", dir.display())))?;
        Ok(ModelFolder { dir: dir.to_path_buf(), model, graph, runtime: *runtime, predictor: OnceCell::new() })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.model.manifest
    }

    /// The training-time batch predictor over the inference graph (what `fit` validated with).
    pub fn predictor(&mut self) -> Result<&mut Predictor> {
        if self.predictor.get().is_none() {
            let total = self.model.length;
            let p = Predictor::new(&self.graph, vec![4, total], &self.runtime)?;
            let _ = self.predictor.set(p);
        }
        Ok(self.predictor.get_mut().expect("set above"))
    }

    /// Each segment's default length policy, from the manifest.
    pub fn default_policies(&self) -> Vec<LengthPolicy> {
        self.manifest().inputs.iter().map(|i| i.default_length_policy.clone()).collect()
    }

    /// A named policy (`exact`, `pad`, `crop`, `pad-or-crop`, `tile`, `flanked-tiles`) for each
    /// segment: padding uses the segment's flanks when it has them, else `N`; tiles step by
    /// `stride` (default half the input length; for flanked tiles, a quarter of the tile).
    pub fn policies(&self, name: &str, stride: Option<usize>) -> Result<Vec<LengthPolicy>> {
        self.manifest()
            .inputs
            .iter()
            .map(|input| {
                let padding = match &input.flanks {
                    Some(f) => Padding::Flanks { left: f.left.clone(), right: f.right.clone() },
                    None => Padding::N,
                };
                Ok(match name {
                    "exact" => LengthPolicy::Exact,
                    "pad" => LengthPolicy::Pad { padding },
                    "crop" => LengthPolicy::Crop,
                    "pad-or-crop" => LengthPolicy::PadOrCrop { padding },
                    "tile" => LengthPolicy::Tile { stride: stride.unwrap_or((input.length / 2).max(1)), padding },
                    "flanked-tiles" => {
                        let Some(f) = &input.flanks else {
                            return Err(Error::Invalid(format!(
                                "--length-policy flanked-tiles reads tiles between the model's flanks, and {} has none (its manifest lists no flanks for input '{}'); use tile",
                                self.manifest().name,
                                input.name
                            )));
                        };
                        let tile = input.length.saturating_sub(f.left.len() + f.right.len()).max(1);
                        let stride = stride.unwrap_or((tile / 4).max(1));
                        LengthPolicy::FlankedTiles { stride, left: f.left.clone(), right: f.right.clone() }
                    }
                    other => {
                        return Err(Error::Invalid(format!(
                            "unknown length policy `{other}`: expected exact, pad, crop, pad-or-crop, tile or flanked-tiles"
                        )));
                    }
                })
            })
            .collect()
    }

    /// A summary of the graph: inputs, outputs, operator counts and parameter count.
    pub fn graph_summary(&self) -> String {
        let Some(g) = self.graph.graph.as_ref() else { return "empty graph".into() };
        let mut ops: BTreeMap<&str, usize> = BTreeMap::new();
        for n in &g.node {
            *ops.entry(n.op_type.as_str()).or_default() += 1;
        }
        let params: i64 = g.initializer.iter().map(|t| t.dims.iter().product::<i64>()).sum();
        let opset = self
            .graph
            .opset_import
            .iter()
            .map(|o| format!("{}:{}", if o.domain.is_empty() { "ai.onnx" } else { &o.domain }, o.version))
            .collect::<Vec<_>>();
        let fast = match (&self.model.split, &self.model.split_error) {
            (Some(s), _) => format!("fast (receptive field {} bp)", s.field.width()),
            (None, Some(reason)) => format!("naive: {reason}"),
            (None, None) => "naive".into(),
        };
        format!(
            "inputs: {}\noutputs: {}\nopset: {}\nnodes: {} ({})\ninitializer values: {params}\nsaturation mutagenesis: {fast}",
            g.input.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "),
            g.output.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "),
            opset.join(", "),
            g.node.len(),
            ops.iter().map(|(k, v)| format!("{k} ×{v}")).collect::<Vec<_>>().join(", ")
        )
    }
}
