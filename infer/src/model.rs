//! A loaded model: its manifest, the inference graph, the trunk/head split for fast
//! mutagenesis and the optional attribution graph, each behind [`Graph`].

use std::rc::Rc;

use regula_core::manifest::{Encoding, Manifest};

use crate::error::{Error, Result};
use crate::geometry::Field;
use crate::graph;
use crate::runtime::{Backend, Graph};
use crate::segments::{DUAL_NAMES, SINGLE_NAME, Segment};

/// Batch size for forward passes (batch size barely changes throughput in wasm).
pub const BATCH: usize = 32;

pub struct Model {
    pub manifest: Manifest,
    /// Input length `L` (for a two-segment model, both segments: `Lp + Ld`).
    pub length: usize,
    /// The sequences the model reads per prediction: one, or a promoter and its distal partner
    /// joined along the length ([`crate::segments`]).
    pub segments: Vec<Segment>,
    /// Number of outputs (targets).
    pub outputs: usize,
    pub n_value: f32,
    pub inference: Rc<dyn Graph>,
    pub split: Option<SplitGraphs>,
    /// Why fast mutagenesis is not available, if it is not.
    pub split_error: Option<String>,
    /// A two-segment model's trunks, one per segment, for fast mutagenesis of each
    /// ([`crate::segment_trunks`]).
    pub segment_trunks: Option<Rc<crate::segment_trunks::SegmentTrunks>>,
    pub attribution: Option<Box<dyn Graph>>,
    /// How fast mutagenesis runs: windowed or incremental; `None` (the default) chooses per
    /// input by the work each would do.
    pub fast_path: Option<crate::ism::FastPath>,
    /// First-layer convolution weights `[filters, 4, k]`, for the filter view.
    pub first_conv: Option<(Vec<usize>, Vec<f32>)>,
    /// The inference graph cut at the weights of its attention blocks ([`crate::attention`]), or
    /// why the model has no attention map.
    pub attention: std::result::Result<crate::attention::AttentionGraph, String>,
}

/// One stage of the trunk for incremental mutagenesis: its geometry and its graph.
pub type Stage = (crate::incremental::StageProto, Box<dyn Graph>);

pub struct SplitGraphs {
    pub trunk: Box<dyn Graph>,
    /// The trunk cut into stages for incremental mutagenesis ([`crate::incremental`]), each with
    /// its graph, or why it cannot be cut.
    pub stages: std::result::Result<Vec<Stage>, String>,
    /// The names of the trunk's input (the one-hot sequence) and output (what the pool reads),
    /// as the stages read and hand them on.
    pub trunk_input: String,
    pub trunk_output: String,
    /// The trunk with every pad removed, for interior windows.
    pub trunk_valid: Option<Box<dyn Graph>>,
    pub head: Box<dyn Graph>,
    pub field: Field,
}

impl SplitGraphs {
    /// The graphs of a trunk/head split of a graph whose input is `input`, each run by `backend`.
    pub fn load(s: graph::Split, input: &str, backend: &dyn Backend) -> Result<SplitGraphs> {
        Ok(SplitGraphs {
            stages: match crate::incremental::cut_stages(&s.trunk, input, &s.trunk_output) {
                Ok(stages) => Ok(stages
                    .into_iter()
                    .map(|st| Ok((st.clone(), backend.graph(st.graph, true)?)))
                    .collect::<Result<Vec<_>>>()?),
                Err(reason) => Err(reason),
            },
            trunk_input: input.to_string(),
            trunk_output: s.trunk_output.clone(),
            trunk: backend.graph(s.trunk, true)?,
            trunk_valid: Some(backend.graph(s.trunk_valid, true)?),
            head: backend.graph(s.head, true)?,
            field: s.field,
        })
    }
}

impl Model {
    /// Whether a prediction averages both strands: as `asked`, else as the manifest says its
    /// metrics were measured ([`regula_core::manifest::Strands`]), so that every predictor
    /// computes by default the numbers the model card reports.
    pub fn averages_strands(&self, asked: Option<bool>) -> bool {
        asked.unwrap_or(self.manifest.strands.averaged())
    }

    /// Loads and checks a model: the inference ONNX bytes, its manifest, and optionally the
    /// attribution graph's bytes (the manifest's `graphs.attribution`), each graph run by `backend`.
    pub fn load(onnx: &[u8], manifest_json: &str, attribution: Option<&[u8]>, backend: &dyn Backend) -> Result<Model> {
        let manifest = Manifest::from_json(manifest_json).map_err(|e| Error::Manifest(e.to_string()))?;
        let input = match manifest.inputs.as_slice() {
            [input] => input,
            [promoter, distal] => {
                if promoter.name != distal.name {
                    return Err(Error::Unsupported(format!(
                        "the manifest lists two inputs named '{}' and '{}'; a two-segment model reads one graph input (promoter then distal along the length), listed twice under its name",
                        promoter.name, distal.name
                    )));
                }
                if promoter.encoding != distal.encoding {
                    return Err(Error::Unsupported("the two segments of the model have different encodings".into()));
                }
                promoter
            }
            more => {
                return Err(Error::Unsupported(format!(
                    "the model has {} sequence inputs; Regula's predictor handles one, or two (promoter and distal partner)",
                    more.len()
                )));
            }
        };
        let names: &[&str] = if manifest.inputs.len() == 1 { &[SINGLE_NAME] } else { &DUAL_NAMES };
        let mut offset = 0;
        let segments: Vec<Segment> = manifest
            .inputs
            .iter()
            .zip(names)
            .map(|(i, name)| {
                let s = Segment {
                    name: name.to_string(),
                    length: i.length,
                    offset,
                    default_policy: i.default_length_policy.clone(),
                };
                offset += i.length;
                s
            })
            .collect();
        let length = offset;
        let Encoding::OneHot { n_value } = input.encoding;
        let proto = graph::read_model(onnx)?;
        graph::check_io(&proto, &input.name, length, &manifest.output.name, "inference")?;
        let (mut split, mut split_error, mut segment_trunks) = (None, None, None);
        if segments.len() > 1 {
            // One trunk per segment: each segment is scanned through its own.
            match crate::segment_trunks::SegmentTrunks::load(
                &proto,
                &input.name,
                &manifest.output.name,
                &segments,
                backend,
            )? {
                Ok(trunks) => segment_trunks = Some(Rc::new(trunks)),
                Err(reason) => split_error = Some(reason),
            }
        } else {
            match graph::split(&proto, &input.name, &manifest.output.name) {
                Ok(s) => split = Some(SplitGraphs::load(s, &input.name, backend)?),
                Err(reason) => split_error = Some(reason),
            }
        }
        let attribution = match attribution {
            None => None,
            Some(bytes) => {
                let a = graph::read_model(bytes)?;
                graph::check_io(&a, &input.name, length, &manifest.output.name, "attribution")?;
                let outs: Vec<String> =
                    a.graph.as_ref().expect("graph").output.iter().map(|o| o.name.clone()).collect();
                for k in 0..manifest.targets.len() {
                    let want = gradient_output(&manifest.output.name, k);
                    if outs.get(k + 1) != Some(&want) {
                        return Err(Error::Mismatch(format!(
                            "the attribution graph's outputs are {outs:?}; expected '{}' then '{}' for each target k",
                            manifest.output.name,
                            gradient_output(&manifest.output.name, 0).replace("_0", "_k")
                        )));
                    }
                }
                Some(backend.graph(a, false)?)
            }
        };
        let first_conv = graph::first_conv(&proto, &input.name).filter(|(d, _)| d.len() == 3 && d[1] == 4);
        let attention = match crate::attention::find(&proto, &input.name) {
            Ok(Some(site)) => Ok(site.load(backend)?),
            Ok(None) => Err(crate::attention::NO_ATTENTION.to_string()),
            Err(reason) => Err(format!("the model's attention weights cannot be shown: {reason}")),
        };
        let model = Model {
            length,
            segments,
            outputs: manifest.targets.len(),
            n_value,
            manifest,
            inference: Rc::from(backend.graph(proto, false)?),
            split,
            split_error,
            segment_trunks,
            attribution,
            fast_path: None,
            first_conv,
            attention,
        };
        // One pass to check the graph runs and its output width matches the targets.
        let probe = model.inference.run(&vec![model.n_value; 4 * model.length], 1, &[4, model.length])?;
        let width = probe.first().map_or(0, |t| t.data.len());
        if width != model.outputs {
            return Err(Error::Mismatch(format!(
                "the graph predicts {width} values per sequence, the manifest lists {} targets",
                model.outputs
            )));
        }
        Ok(model)
    }

    /// Raw model outputs `[n, outputs]` for one-hot `x` `[n, 4, L]`, in batches.
    pub fn forward(&self, x: &[f32], n: usize) -> Result<Vec<f32>> {
        let sample = 4 * self.length;
        let mut out = Vec::with_capacity(n * self.outputs);
        for start in (0..n).step_by(BATCH) {
            let m = BATCH.min(n - start);
            let y = self.inference.run(&x[start * sample..(start + m) * sample], m, &[4, self.length])?;
            let y = y.into_iter().next().ok_or_else(|| Error::Runtime("the graph returned no output".into()))?;
            if y.data.len() != m * self.outputs {
                return Err(Error::Mismatch(format!("the graph returned shape {:?} for a batch of {m}", y.shape)));
            }
            out.extend(y.data);
        }
        Ok(out)
    }

    /// Maps raw outputs `[n, outputs]` to the values users see (measured units, or probabilities
    /// for a classifier), as every Regula predictor does.
    pub fn undo(&self, raw: &[f32]) -> Vec<f64> {
        raw.chunks(self.outputs)
            .flat_map(|row| row.iter().enumerate().map(|(k, &z)| self.manifest.reported_value(k, z as f64)))
            .collect()
    }

    /// One-hot encoding with the manifest's `N` value.
    pub fn encode_into(&self, seq: &[u8], out: &mut [f32]) {
        regula_core::encode::one_hot_into(seq, out);
        if self.n_value != regula_core::encode::N_VALUE {
            let l = seq.len();
            for (i, &b) in seq.iter().enumerate() {
                if regula_core::encode::channel(b).is_none() {
                    for c in 0..4 {
                        out[c * l + i] = self.n_value;
                    }
                }
            }
        }
    }

    pub fn encode(&self, seq: &[u8]) -> Vec<f32> {
        let mut v = vec![0.0; 4 * seq.len()];
        self.encode_into(seq, &mut v);
        v
    }
}

/// Name of the attribution graph's gradient output for target `k` (the trainer's convention).
pub fn gradient_output(output: &str, k: usize) -> String {
    format!("grad_{output}_{k}")
}
