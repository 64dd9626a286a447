//! The model manifest: the JSON that travels with every exported ONNX file and tells a
//! predictor how to feed the model and how to read what comes out.
//!
//! The schema is versioned. A reader accepts exactly the versions it knows; an unknown version
//! is an error rather than a guess, because a silently misread encoding or normalisation gives
//! plausible but wrong predictions. Unknown fields are rejected for the same reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::length::LengthPolicy;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub schema_version: u32,
    /// Short model name, e.g. `hepg2-mpra`.
    pub name: String,
    pub description: String,
    /// File name of the inference ONNX graph, beside the manifest.
    pub model_file: String,
    /// SHA-256 of the `model_file` bytes (64 lower-case hex digits), written at export and
    /// checked when the model is loaded, so another model's file copied in is caught. Optional:
    /// manifests written before it load as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_sha256: Option<String>,
    /// One input per sequence branch (two for a promoter + distal model).
    pub inputs: Vec<InputSpec>,
    /// The output tensor: `[batch, targets.len()]`.
    pub output: OutputSpec,
    /// One per model output column, in order.
    pub targets: Vec<Target>,
    /// Further graphs exported with the model, by role (e.g. `attribution`), file names beside
    /// the manifest.
    #[serde(default)]
    pub graphs: BTreeMap<String, GraphRef>,
    pub training: TrainingSummary,
    /// Metrics per evaluation split (`validation`, `test`, ...).
    #[serde(default)]
    pub metrics: BTreeMap<String, SplitMetrics>,
    /// Licence of the model and of the data it was trained on.
    pub licence: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// Graph input name.
    pub name: String,
    /// Bases the model reads.
    pub length: usize,
    /// Letters in channel order; `ACGT` for all models so far.
    pub alphabet: String,
    pub encoding: Encoding,
    /// Sequence context the model was trained with around each element (e.g. MPRA adapters);
    /// used by [`crate::length::Padding::Flanks`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flanks: Option<Flanks>,
    /// How a predictor should fit other lengths unless the user chooses otherwise.
    pub default_length_policy: LengthPolicy,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum Encoding {
    /// `[batch, 4, length]` float32, channels in `alphabet` order, `N` as `n_value` in each.
    OneHot { n_value: f32 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flanks {
    pub left: String,
    pub right: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    pub name: String,
    /// `regression` (values in target units after undoing the normalisation) or
    /// `classification` (logits; a sigmoid gives probabilities).
    pub kind: OutputKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    Regression,
    Classification,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Task, tissue or cell type, e.g. `HepG2`.
    pub name: String,
    /// Unit of the value after undoing the normalisation, e.g. `log2(RNA/DNA)`.
    pub unit: String,
    /// How measured values were transformed for training, undone at prediction.
    #[serde(default)]
    pub normalisation: Normalisation,
}

/// Training transform `z = (f(x) - mean) / std` with `f` the optional log. Predictions are
/// mapped back with [`Normalisation::undo`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normalisation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogTransform>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standardise: Option<Standardise>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogTransform {
    pub base: f64,
    pub pseudocount: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standardise {
    pub mean: f64,
    pub std: f64,
}

impl Normalisation {
    /// Measured value -> training space.
    pub fn apply(&self, x: f64) -> f64 {
        let y = match &self.log {
            Some(l) => (x + l.pseudocount).log(l.base),
            None => x,
        };
        match &self.standardise {
            Some(s) => (y - s.mean) / s.std,
            None => y,
        }
    }

    /// Model output -> measured units.
    pub fn undo(&self, z: f64) -> f64 {
        let y = match &self.standardise {
            Some(s) => z * s.std + s.mean,
            None => z,
        };
        match &self.log {
            Some(l) => l.base.powf(y) - l.pseudocount,
            None => y,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphRef {
    pub file: String,
    pub description: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSummary {
    /// Data sets used, with their sources.
    pub data: Vec<DataSource>,
    /// How rows were split, in words (e.g. `grouped random 90/10 by element id, seed 1`).
    pub split: String,
    /// Architecture preset and its settings, in words.
    pub architecture: String,
    pub parameters: usize,
    #[serde(default)]
    pub epochs: usize,
    #[serde(default)]
    pub seed: u64,
    /// Where and how long it trained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSource {
    pub name: String,
    pub rows: usize,
    pub source: String,
    pub licence: String,
}

/// Metrics of one split: per target name, metric name → value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitMetrics {
    pub rows: usize,
    pub per_target: BTreeMap<String, BTreeMap<String, f64>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("the manifest is not valid JSON: {0}")]
    Json(String),
    #[error("the manifest has no \"schema_version\"; is this a Regula model manifest?")]
    MissingVersion,
    #[error(
        "manifest schema version {found} is not supported by this Regula build (it reads version {SCHEMA_VERSION}); use a Regula release that matches the model"
    )]
    UnsupportedVersion { found: String },
    #[error("the manifest does not match schema version {SCHEMA_VERSION}: {0}")]
    Schema(String),
    #[error("the manifest is inconsistent: {0}")]
    Inconsistent(String),
}

impl Manifest {
    /// Reads a manifest, checking the schema version before anything else.
    pub fn from_json(text: &str) -> Result<Self, ManifestError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ManifestError::Json(e.to_string()))?;
        match value.get("schema_version") {
            None => return Err(ManifestError::MissingVersion),
            Some(v) if v.as_u64() == Some(SCHEMA_VERSION as u64) => {}
            Some(v) => return Err(ManifestError::UnsupportedVersion { found: v.to_string() }),
        }
        let manifest: Manifest = serde_json::from_value(value).map_err(|e| ManifestError::Schema(e.to_string()))?;
        manifest.check()?;
        Ok(manifest)
    }

    /// Raw model output `z` of target `k` as users see it: in measured units for regression
    /// (the target's normalisation undone), a probability for classification (the sigmoid of
    /// the logit). Every predictor reports values through this, so all agree.
    pub fn reported_value(&self, k: usize, z: f64) -> f64 {
        match self.output.kind {
            OutputKind::Regression => self.targets[k].normalisation.undo(z),
            OutputKind::Classification => 1.0 / (1.0 + (-z).exp()),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest always serialises")
    }

    /// Checks what the types alone cannot.
    pub fn check(&self) -> Result<(), ManifestError> {
        let bad = |m: String| Err(ManifestError::Inconsistent(m));
        if self.inputs.is_empty() {
            return bad("no inputs".into());
        }
        if let Some(hash) = &self.model_sha256
            && !(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            return bad(format!("model_sha256 '{hash}' is not a SHA-256 digest (64 lower-case hex digits)"));
        }
        if self.targets.is_empty() {
            return bad("no targets".into());
        }
        for input in &self.inputs {
            if input.alphabet != "ACGT" {
                return bad(format!(
                    "input '{}' has alphabet '{}'; only ACGT is supported",
                    input.name, input.alphabet
                ));
            }
            if input.length == 0 {
                return bad(format!("input '{}' has length 0", input.name));
            }
        }
        for target in &self.targets {
            if let Some(s) = &target.normalisation.standardise
                && !(s.std.is_finite() && s.std > 0.0 && s.mean.is_finite())
            {
                return bad(format!("target '{}' has standardisation mean {} std {}", target.name, s.mean, s.std));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::length::Padding;

    pub(crate) fn example() -> Manifest {
        Manifest {
            schema_version: SCHEMA_VERSION,
            name: "hepg2-mpra".into(),
            description: "lentiMPRA activity in HepG2".into(),
            model_file: "hepg2-mpra.onnx".into(),
            model_sha256: None,
            inputs: vec![InputSpec {
                name: "sequence".into(),
                length: 230,
                alphabet: "ACGT".into(),
                encoding: Encoding::OneHot { n_value: 0.25 },
                flanks: Some(Flanks { left: "AGGACCGGATCAACT".into(), right: "CATTGCGTGAACCGA".into() }),
                default_length_policy: LengthPolicy::Pad { padding: Padding::N },
            }],
            output: OutputSpec { name: "prediction".into(), kind: OutputKind::Regression },
            targets: vec![Target {
                name: "HepG2".into(),
                unit: "log2(RNA/DNA)".into(),
                normalisation: Normalisation { log: None, standardise: Some(Standardise { mean: 0.3, std: 1.2 }) },
            }],
            graphs: BTreeMap::from([(
                "attribution".into(),
                GraphRef { file: "hepg2-mpra.attribution.onnx".into(), description: "d(output)/d(input)".into() },
            )]),
            training: TrainingSummary { split: "grouped".into(), architecture: "cnn".into(), ..Default::default() },
            metrics: BTreeMap::from([(
                "validation".into(),
                SplitMetrics {
                    rows: 10,
                    per_target: BTreeMap::from([("HepG2".into(), BTreeMap::from([("pearson".into(), 0.7)]))]),
                },
            )]),
            licence: "CC BY 4.0".into(),
        }
    }

    #[test]
    fn round_trips_through_json() {
        let m = example();
        assert_eq!(Manifest::from_json(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn rejects_unknown_and_missing_versions() {
        let text = example().to_json().replace("\"schema_version\": 1", "\"schema_version\": 2");
        assert_eq!(
            Manifest::from_json(&text).unwrap_err().to_string(),
            "manifest schema version 2 is not supported by this Regula build (it reads version 1); use a Regula release that matches the model"
        );
        let text = example().to_json().replace("\"schema_version\": 1,", "");
        assert_eq!(
            Manifest::from_json(&text).unwrap_err().to_string(),
            "the manifest has no \"schema_version\"; is this a Regula model manifest?"
        );
    }

    #[test]
    fn rejects_unknown_fields() {
        let text = example().to_json().replace("\"licence\"", "\"license\"");
        let e = Manifest::from_json(&text).unwrap_err().to_string();
        assert!(e.starts_with("the manifest does not match schema version 1: unknown field `license`"), "{e}");
    }

    #[test]
    fn model_sha256_is_optional_round_trips_and_must_be_a_digest() {
        let old = example().to_json();
        assert!(!old.contains("model_sha256"), "absent when unset, so older readers are not broken");
        let mut m = example();
        m.model_sha256 = Some("ab".repeat(32));
        let text = m.to_json();
        assert!(text.contains(&format!("\"model_sha256\": \"{}\"", "ab".repeat(32))), "{text}");
        assert_eq!(Manifest::from_json(&text).unwrap(), m);
        let text = text.replace(&"ab".repeat(32), "ABCD");
        assert_eq!(
            Manifest::from_json(&text).unwrap_err().to_string(),
            "the manifest is inconsistent: model_sha256 'ABCD' is not a SHA-256 digest (64 lower-case hex digits)"
        );
    }

    #[test]
    fn reported_values_undo_normalisation_or_apply_the_sigmoid() {
        let mut m = example();
        approx::assert_relative_eq!(m.reported_value(0, 1.0), 1.0 * 1.2 + 0.3);
        m.output.kind = OutputKind::Classification;
        approx::assert_relative_eq!(m.reported_value(0, 0.0), 0.5);
        approx::assert_relative_eq!(m.reported_value(0, 1.365759), 0.796694, epsilon = 1e-6);
    }

    #[test]
    fn normalisation_undo_inverts_apply() {
        let n = Normalisation {
            log: Some(LogTransform { base: 2.0, pseudocount: 1.0 }),
            standardise: Some(Standardise { mean: 3.0, std: 0.5 }),
        };
        for x in [0.0, 1.5, 1000.0] {
            approx::assert_relative_eq!(n.undo(n.apply(x)), x, max_relative = 1e-12);
        }
    }
}
