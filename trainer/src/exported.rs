//! An exported model folder (manifest + ONNX), loaded for native inference in ONNX Runtime:
//! sequences in, predictions in measured units out, lengths fitted by the manifest's policy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use prost::Message;
use regula_core::encode::{one_hot_batch, reverse_complement};
use regula_core::length::{Fitting, LengthPolicy, fit};
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
    /// What was done to fit each segment (one for a one-sequence model) to the model.
    pub fittings: Vec<Fitting>,
}

impl ExportedModel {
    /// Loads `dir/manifest.json` and the model file it names.
    pub fn load(dir: &Path, runtime: &RuntimeConfig) -> Result<Self> {
        let manifest_path = dir.join(crate::fit::run::MANIFEST_FILE);
        let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
            Error::Invalid(format!(
                "cannot read {}: {e}; is {} a model folder?",
                manifest_path.display(),
                dir.display()
            ))
        })?;
        let manifest =
            Manifest::from_json(&text).map_err(|e| Error::Invalid(format!("{}: {e}", manifest_path.display())))?;
        let model_path = dir.join(&manifest.model_file);
        let bytes = std::fs::read(&model_path)
            .map_err(|e| Error::Invalid(format!("cannot read {}: {e}", model_path.display())))?;
        let graph = ModelProto::decode(&bytes[..])
            .map_err(|e| Error::Invalid(format!("{} is not an ONNX model: {e}", model_path.display())))?;
        // Branches (inputs sharing one graph input) are concatenated along the length.
        let total = manifest.inputs.iter().map(|i| i.length).sum();
        let predictor = Predictor::new(&graph, vec![4, total], runtime)?;
        Ok(ExportedModel { dir: dir.to_path_buf(), manifest, graph, predictor })
    }

    /// The ONNX Runtime predictor of the inference graph.
    pub fn predictor(&mut self) -> &mut Predictor {
        &mut self.predictor
    }

    /// Length of the first (or only) segment.
    pub fn input_length(&self) -> usize {
        self.manifest.inputs[0].length
    }

    /// Length of each segment the graph input is made of (two for a dual-branch model).
    pub fn segment_lengths(&self) -> Vec<usize> {
        self.manifest.inputs.iter().map(|i| i.length).collect()
    }

    /// Raw outputs `[n, targets]` for inputs of exactly the model's total length. With
    /// `rc_average`, each segment is reverse-complemented in place (promoter still first), as
    /// the trainer's augmentation and evaluation do.
    pub fn raw(&mut self, sequences: &[&[u8]], rc_average: bool) -> Result<Vec<f32>> {
        let lengths = self.segment_lengths();
        self.predictor.predict_items(sequences, rc_average, |batch, reverse| {
            if reverse {
                one_hot_batch(&batch.iter().map(|s| reverse_segments(s, &lengths)).collect::<Vec<_>>())
            } else {
                one_hot_batch(batch)
            }
        })
    }

    /// Predictions for named sequences of any length: fitted by `policy` (the manifest's
    /// default when `None`), tiles averaged, outputs mapped to measured units. One-sequence
    /// models only; see [`ExportedModel::predict_segments`].
    pub fn predict(
        &mut self,
        records: &[(&str, &[u8])],
        policy: Option<&LengthPolicy>,
        rc_average: bool,
    ) -> Result<Vec<Prediction>> {
        if self.manifest.inputs.len() != 1 {
            return Err(Error::Invalid(format!(
                "{} reads {} sequences per prediction (promoter, then distal); give each record its partner",
                self.manifest.name,
                self.manifest.inputs.len()
            )));
        }
        let records: Vec<(&str, Vec<&[u8]>)> = records.iter().map(|&(n, s)| (n, vec![s])).collect();
        self.predict_segments(&records, policy.map(std::slice::from_ref), rc_average)
    }

    /// Predictions for named records of one sequence per segment (a dual-branch model: promoter,
    /// then distal): each segment fitted by its policy (`policies`: one for all, or one per
    /// segment; the manifest's defaults when `None`), the windows joined, outputs in measured
    /// units. Tiling is for one-sequence models only: a tiled segment would be averaged against a
    /// fixed partner, which is not what the model learned.
    pub fn predict_segments(
        &mut self,
        records: &[(&str, Vec<&[u8]>)],
        policies: Option<&[LengthPolicy]>,
        rc_average: bool,
    ) -> Result<Vec<Prediction>> {
        let lengths = self.segment_lengths();
        let policies: Vec<LengthPolicy> = match policies {
            None => self.manifest.inputs.iter().map(|i| i.default_length_policy.clone()).collect(),
            Some([one]) => vec![one.clone(); lengths.len()],
            Some(each) if each.len() == lengths.len() => each.to_vec(),
            Some(each) => {
                return Err(Error::Invalid(format!(
                    "{} length policies given for {} segments",
                    each.len(),
                    lengths.len()
                )));
            }
        };
        if lengths.len() > 1 && policies.iter().any(|p| matches!(p, LengthPolicy::Tile { .. })) {
            return Err(Error::Invalid("tiling is for one-sequence models; crop or pad each segment instead".into()));
        }
        let mut windows = Vec::new();
        let mut owners = Vec::new();
        let mut fittings = Vec::with_capacity(records.len());
        for (i, (name, segments)) in records.iter().enumerate() {
            if segments.len() != lengths.len() {
                return Err(Error::Invalid(format!(
                    "record '{name}' gives {} sequence(s); {} reads {} per prediction",
                    segments.len(),
                    self.manifest.name,
                    lengths.len()
                )));
            }
            // Per segment, its windows (several only when tiling a one-sequence model).
            let mut joined: Vec<Vec<u8>> = vec![Vec::new()];
            let mut record_fittings = Vec::with_capacity(segments.len());
            for (k, seq) in segments.iter().enumerate() {
                let (w, fitting) = fit(seq, lengths[k], &policies[k])
                    .map_err(|e| Error::Invalid(format!("sequence '{name}': {e}")))?;
                joined = if w.len() == 1 {
                    joined
                        .into_iter()
                        .map(|mut j| {
                            j.extend_from_slice(&w[0].bases);
                            j
                        })
                        .collect()
                } else {
                    w.into_iter().map(|w| w.bases).collect()
                };
                record_fittings.push(fitting);
            }
            owners.extend(std::iter::repeat_n(i, joined.len()));
            windows.extend(joined);
            fittings.push(record_fittings);
        }
        let refs: Vec<&[u8]> = windows.iter().map(Vec::as_slice).collect();
        let raw = self.raw(&refs, rc_average)?;
        let t = self.manifest.targets.len();
        // A tiled sequence's prediction is the mean of its windows' (stated in the manifest docs).
        let mut sums = vec![vec![0.0f64; t]; records.len()];
        let mut counts = vec![0usize; records.len()];
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
            .map(|((sum, n), fittings)| Prediction {
                values: sum.iter().enumerate().map(|(k, s)| self.manifest.reported_value(k, s / n as f64)).collect(),
                fittings,
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
            other => {
                return Err(Error::Invalid(format!(
                    "unknown length policy `{other}`: expected exact, pad, crop, pad-or-crop or tile"
                )));
            }
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
        let opset = self
            .graph
            .opset_import
            .iter()
            .map(|o| format!("{}:{}", if o.domain.is_empty() { "ai.onnx" } else { &o.domain }, o.version))
            .collect::<Vec<_>>();
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

/// `seq` (segments of `lengths`, joined) with each segment reverse-complemented in place.
fn reverse_segments(seq: &[u8], lengths: &[usize]) -> Vec<u8> {
    let mut out = Vec::with_capacity(seq.len());
    let mut start = 0;
    for &l in lengths {
        out.extend(reverse_complement(&seq[start..start + l]));
        start += l;
    }
    out
}
