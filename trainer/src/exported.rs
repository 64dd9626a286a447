//! An exported model folder (manifest + ONNX), loaded for native inference in ONNX Runtime:
//! sequences in, predictions in measured units out, lengths fitted by the manifest's policy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use prost::Message;
use regula_core::encode::{one_hot_batch, reverse_complement};
use regula_core::length::{fit, Fitting, LengthPolicy};
use regula_core::manifest::Manifest;

use crate::error::{Error, Result};
use crate::export::Predictor;
use crate::onnx::proto::ModelProto;
use crate::runtime::RuntimeConfig;

pub struct ExportedModel {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub graph: ModelProto,
    predictor: Predictor,
}

/// One sequence's prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// One value per target, in measured units (regression) or probability (classification).
    pub values: Vec<f64>,
    /// What was done to fit the sequence to the model.
    pub fitting: Fitting,
}

impl ExportedModel {
    /// Loads `dir/manifest.json` and the model file it names.
    pub fn load(dir: &Path, runtime: &RuntimeConfig) -> Result<Self> {
        let manifest_path = dir.join(crate::fit::run::MANIFEST_FILE);
        let text = std::fs::read_to_string(&manifest_path)
            .map_err(|e| Error::Invalid(format!("cannot read {}: {e}; is {} a model folder?", manifest_path.display(), dir.display())))?;
        let manifest = Manifest::from_json(&text).map_err(|e| Error::Invalid(format!("{}: {e}", manifest_path.display())))?;
        let model_path = dir.join(&manifest.model_file);
        let bytes = std::fs::read(&model_path).map_err(|e| Error::Invalid(format!("cannot read {}: {e}", model_path.display())))?;
        let graph = ModelProto::decode(&bytes[..]).map_err(|e| Error::Invalid(format!("{} is not an ONNX model: {e}", model_path.display())))?;
        // Branches (inputs sharing one graph input) are concatenated along the length.
        let total = manifest.inputs.iter().map(|i| i.length).sum();
        let predictor = Predictor::new(&graph, vec![4, total], runtime)?;
        Ok(ExportedModel { dir: dir.to_path_buf(), manifest, graph, predictor })
    }

    /// The ONNX Runtime predictor of the inference graph.
    pub fn predictor(&mut self) -> &mut Predictor {
        &mut self.predictor
    }

    pub fn input_length(&self) -> usize {
        self.manifest.inputs[0].length
    }

    /// Raw outputs `[n, targets]` for sequences of exactly the model's length.
    pub fn raw(&mut self, sequences: &[&[u8]], rc_average: bool) -> Result<Vec<f32>> {
        self.predictor.predict_items(sequences, rc_average, |batch, reverse| {
            if reverse {
                one_hot_batch(&batch.iter().map(|s| reverse_complement(s)).collect::<Vec<_>>())
            } else {
                one_hot_batch(batch)
            }
        })
    }

    /// Predictions for named sequences of any length: fitted by `policy` (the manifest's
    /// default when `None`), tiles averaged, outputs mapped to measured units.
    pub fn predict(&mut self, records: &[(&str, &[u8])], policy: Option<&LengthPolicy>, rc_average: bool) -> Result<Vec<Prediction>> {
        let sequences: Vec<&[u8]> = records.iter().map(|r| r.1).collect();
        if self.manifest.inputs.len() != 1 {
            return Err(Error::Invalid(format!("{} reads {} sequences per prediction; predict here takes one", self.manifest.name, self.manifest.inputs.len())));
        }
        let policy = policy.cloned().unwrap_or_else(|| self.manifest.inputs[0].default_length_policy.clone());
        let length = self.input_length();
        let mut windows = Vec::new();
        let mut owners = Vec::new();
        let mut fittings = Vec::with_capacity(sequences.len());
        for (i, s) in sequences.iter().enumerate() {
            let (w, fitting) = fit(s, length, &policy).map_err(|e| Error::Invalid(format!("sequence '{}': {e}", records[i].0)))?;
            owners.extend(std::iter::repeat_n(i, w.len()));
            windows.extend(w.into_iter().map(|w| w.bases));
            fittings.push(fitting);
        }
        let refs: Vec<&[u8]> = windows.iter().map(Vec::as_slice).collect();
        let raw = self.raw(&refs, rc_average)?;
        let t = self.manifest.targets.len();
        // A tiled sequence's prediction is the mean of its windows' (stated in the manifest docs).
        let mut sums = vec![vec![0.0f64; t]; sequences.len()];
        let mut counts = vec![0usize; sequences.len()];
        for (w, &owner) in owners.iter().enumerate() {
            counts[owner] += 1;
            for k in 0..t {
                sums[owner][k] += raw[w * t + k] as f64;
            }
        }
        Ok(sums
            .into_iter()
            .zip(counts)
            .zip(fittings)
            .map(|((sum, n), fitting)| Prediction {
                values: sum.iter().enumerate().map(|(k, s)| self.manifest.reported_value(k, s / n as f64)).collect(),
                fitting,
            })
            .collect())
    }

    /// A named policy (`exact`, `pad`, `crop`, `pad-or-crop`, `tile`) for this model: padding
    /// uses the model's flanks when it has them, else `N`; tiles step by `stride` (default half
    /// the input length).
    pub fn policy(&self, name: &str, stride: Option<usize>) -> Result<LengthPolicy> {
        let padding = match &self.manifest.inputs[0].flanks {
            Some(f) => regula_core::length::Padding::Flanks { left: f.left.clone(), right: f.right.clone() },
            None => regula_core::length::Padding::N,
        };
        Ok(match name {
            "exact" => LengthPolicy::Exact,
            "pad" => LengthPolicy::Pad { padding },
            "crop" => LengthPolicy::Crop,
            "pad-or-crop" => LengthPolicy::PadOrCrop { padding },
            "tile" => LengthPolicy::Tile { stride: stride.unwrap_or((self.input_length() / 2).max(1)), padding },
            other => return Err(Error::Invalid(format!("unknown length policy `{other}`: expected exact, pad, crop, pad-or-crop or tile"))),
        })
    }

    /// A summary of the graph: inputs, outputs, operator counts and parameter count.
    pub fn graph_summary(&self) -> String {
        let Some(g) = self.graph.graph.as_ref() else { return "empty graph".into() };
        let mut ops: BTreeMap<&str, usize> = BTreeMap::new();
        for n in &g.node {
            *ops.entry(n.op_type.as_str()).or_default() += 1;
        }
        let params: i64 = g.initializer.iter().map(|t| t.dims.iter().product::<i64>()).sum();
        let opset = self.graph.opset_import.iter().map(|o| format!("{}:{}", if o.domain.is_empty() { "ai.onnx" } else { &o.domain }, o.version)).collect::<Vec<_>>();
        format!(
            "inputs: {}\noutputs: {}\nopset: {}\nnodes: {} ({})\ninitializer values: {params}",
            g.input.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "),
            g.output.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "),
            opset.join(", "),
            g.node.len(),
            ops.iter().map(|(k, v)| format!("{k} ×{v}")).collect::<Vec<_>>().join(", ")
        )
    }
}
