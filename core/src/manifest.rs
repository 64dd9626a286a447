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
    /// The strands a prediction is made from: the predictor the metrics (and prediction
    /// quantiles) were measured on, and so what every predictor computes unless asked otherwise.
    /// Absent in manifests written before it: the forward strand.
    #[serde(default, skip_serializing_if = "Strands::is_forward")]
    pub strands: Strands,
    /// Metrics per evaluation split (`validation`, `test`, ...).
    #[serde(default)]
    pub metrics: BTreeMap<String, SplitMetrics>,
    /// Licence of the model and of the data it was trained on.
    pub licence: String,
}

/// Which strands a model's prediction is made from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strands {
    /// The sequence as given.
    #[default]
    Forward,
    /// The mean of the raw outputs for the sequence and for its reverse complement (each
    /// segment of a two-segment model reverse-complemented in place): a model trained with
    /// reverse-complement augmentation reads both strands of an element, and their mean is the
    /// better estimate (regula-train's `--rc-average`, on by default).
    Both,
}

impl Strands {
    pub fn is_forward(&self) -> bool {
        *self == Strands::Forward
    }

    pub fn from_average(rc_average: bool) -> Self {
        if rc_average { Strands::Both } else { Strands::Forward }
    }

    /// Whether predictions average both strands.
    pub fn averaged(self) -> bool {
        self == Strands::Both
    }

    /// How a report names it.
    pub fn describe(self) -> &'static str {
        match self {
            Strands::Forward => "forward strand",
            Strands::Both => "mean of both strands",
        }
    }
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
    /// The distribution of the model's own predictions (measured units, or probabilities for a
    /// classifier) on the rows of one split, as a small quantile table, so a predictor can say
    /// where a new prediction lies among them ("above 83 % of the model's test elements").
    /// Absent in manifests written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction_quantiles: Option<PredictionQuantiles>,
}

/// Quantiles of a model's predictions on the rows of one split: `values[i]` is the quantile at
/// probability `i / (values.len() - 1)` (so the first is the minimum, the last the maximum),
/// computed by [`quantile_table`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictionQuantiles {
    /// The split the predictions are of, e.g. `test`.
    pub split: String,
    /// Rows predicted.
    pub rows: usize,
    /// Non-decreasing, at least two.
    pub values: Vec<f64>,
}

impl PredictionQuantiles {
    /// The table of `values` (predictions on the rows of `split`) with `n` quantiles; `None` when
    /// no value is finite.
    pub fn of(split: &str, values: &[f64], n: usize) -> Option<Self> {
        let table = quantile_table(values, n)?;
        Some(Self { split: split.into(), rows: values.iter().filter(|v| v.is_finite()).count(), values: table })
    }

    /// The fraction (0 to 1) of the table's rows below `x`, linear between quantiles; 0 below the
    /// minimum, 1 above the maximum. The page computes the same in `web/js/model.js`.
    pub fn fraction_below(&self, x: f64) -> f64 {
        let q = &self.values;
        let n = q.len();
        if n < 2 || x < q[0] {
            return 0.0;
        }
        if x >= q[n - 1] {
            return 1.0;
        }
        let i = q.partition_point(|&v| v <= x) - 1; // q[i] <= x < q[i + 1]
        let span = q[i + 1] - q[i];
        let within = if span > 0.0 { (x - q[i]) / span } else { 0.0 };
        (i as f64 + within) / (n - 1) as f64
    }
}

/// `n` (at least 2) quantiles of `values` at probabilities `0, 1/(n-1), …, 1`, by linear
/// interpolation between order statistics (R's type 7, numpy's default); non-finite values are
/// left out. `None` when no value is finite.
pub fn quantile_table(values: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = n.max(2);
    let last = (v.len() - 1) as f64;
    Some(
        (0..n)
            .map(|i| {
                let h = last * i as f64 / (n - 1) as f64;
                let (lo, frac) = (h.floor() as usize, h - h.floor());
                let hi = (lo + 1).min(v.len() - 1);
                v[lo] + frac * (v[hi] - v[lo])
            })
            .collect(),
    )
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
    /// Rows a target was scored on, for each target measured on fewer than `rows` (a model
    /// trained on a table with missing targets, `--mask-missing`); absent targets count `rows`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub target_rows: BTreeMap<String, usize>,
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
            if let Some(q) = &target.prediction_quantiles
                && (q.values.len() < 2
                    || q.values.windows(2).any(|w| w[0].partial_cmp(&w[1]).is_none_or(|o| o.is_gt())))
            {
                return bad(format!(
                    "target '{}' has prediction quantiles {:?}: expected at least two, non-decreasing",
                    target.name, q.values
                ));
            }
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
                prediction_quantiles: None,
            }],
            graphs: BTreeMap::from([(
                "attribution".into(),
                GraphRef { file: "hepg2-mpra.attribution.onnx".into(), description: "d(output)/d(input)".into() },
            )]),
            training: TrainingSummary { split: "grouped".into(), architecture: "cnn".into(), ..Default::default() },
            strands: Strands::Forward,
            metrics: BTreeMap::from([(
                "validation".into(),
                SplitMetrics {
                    rows: 10,
                    per_target: BTreeMap::from([("HepG2".into(), BTreeMap::from([("pearson".into(), 0.7)]))]),
                    target_rows: BTreeMap::new(),
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
    fn strands_are_written_only_when_both_and_older_manifests_read_the_forward_strand() {
        let mut m = example();
        assert!(!m.to_json().contains("strands"), "a forward-strand model keeps its manifest as before");
        m.strands = Strands::Both;
        let json = m.to_json();
        assert!(json.contains("\"strands\": \"both\""), "{json}");
        assert_eq!(Manifest::from_json(&json).unwrap().strands, Strands::Both);
        let err = Manifest::from_json(&json.replace("\"both\"", "\"reverse\"")).unwrap_err().to_string();
        assert!(err.contains("unknown variant `reverse`, expected `forward` or `both`"), "{err}");
    }

    #[test]
    fn per_target_row_counts_are_written_only_when_a_target_misses_rows() {
        let mut m = example();
        assert!(!m.to_json().contains("target_rows"), "a model without missing targets keeps its manifest as before");
        m.metrics.get_mut("validation").unwrap().target_rows = BTreeMap::from([("HepG2".into(), 7)]);
        let json = m.to_json();
        assert!(json.contains("\"target_rows\""), "{json}");
        assert_eq!(Manifest::from_json(&json).unwrap(), m);
    }

    #[test]
    fn prediction_quantiles_round_trip_and_older_manifests_still_load() {
        let mut m = example();
        m.targets[0].prediction_quantiles = PredictionQuantiles::of("test", &[0.5, -1.0, 2.0, 1.0, f64::NAN], 5);
        let json = m.to_json();
        assert!(json.contains("\"prediction_quantiles\""), "{json}");
        assert_eq!(Manifest::from_json(&json).unwrap(), m);
        // a manifest without the field (as every manifest before it) loads, with none
        let old = example().to_json();
        assert!(!old.contains("prediction_quantiles"));
        assert_eq!(Manifest::from_json(&old).unwrap().targets[0].prediction_quantiles, None);
        // the shipped example manifest too
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/manifest_example.json"))
            .unwrap();
        Manifest::from_json(&text).unwrap();
        // a table that is not one is refused
        let bad = json.replace("-1.0,", "3.0,");
        assert!(Manifest::from_json(&bad).unwrap_err().to_string().contains("non-decreasing"), "{bad}");
    }

    #[test]
    fn quantile_table_interpolates_order_statistics() {
        // numpy.quantile([3, 1, 2, 10], [0, .25, .5, .75, 1]) = [1, 1.75, 2.5, 4.75, 10]
        assert_eq!(quantile_table(&[3.0, 1.0, 2.0, 10.0], 5).unwrap(), vec![1.0, 1.75, 2.5, 4.75, 10.0]);
        assert_eq!(quantile_table(&[7.0], 3).unwrap(), vec![7.0; 3]);
        assert_eq!(quantile_table(&[f64::NAN], 3), None);
        assert_eq!(quantile_table(&[2.0, 1.0], 1).unwrap(), vec![1.0, 2.0], "at least the minimum and maximum");
        let values: Vec<f64> = (0..=100).map(f64::from).collect();
        let q = PredictionQuantiles::of("test", &values, 21).unwrap();
        assert_eq!((q.rows, q.values[1], q.values[20]), (101, 5.0, 100.0));
        approx::assert_relative_eq!(q.fraction_below(83.0), 0.83, epsilon = 1e-12);
        approx::assert_relative_eq!(q.fraction_below(2.5), 0.025, epsilon = 1e-12);
        assert_eq!((q.fraction_below(-1.0), q.fraction_below(100.0), q.fraction_below(1e9)), (0.0, 1.0, 1.0));
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
