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
    /// SHA-256 of the model file as read (hex); equal to the manifest's `model_sha256` where it
    /// records one (checked at load).
    pub model_sha256: String,
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
        check_manifest(&manifest).map_err(|e| Error::Invalid(format!("{}: {e}", manifest_path.display())))?;
        let read = |field: &str, file: &str| {
            let path =
                confined(dir, field, file).map_err(|e| Error::Invalid(format!("{}: {e}", manifest_path.display())))?;
            std::fs::read(&path).map_err(|e| Error::Invalid(format!("cannot read {}: {e}", path.display())))
        };
        let bytes = read("model_file", &manifest.model_file)?;
        let model_path = dir.join(&manifest.model_file);
        let found = sha256_hex(&bytes);
        if let Some(expected) = &manifest.model_sha256
            && &found != expected
        {
            return Err(Error::Invalid(format!(
                "{} has SHA-256 {found}, but {} records {expected}: the file is not the one this manifest was exported with (another model's model.onnx copied in?); put back the model's own file, or export the model again",
                model_path.display(),
                manifest_path.display()
            )));
        }
        let graph = ModelProto::decode(&bytes[..])
            .map_err(|e| Error::Invalid(format!("{} is not an ONNX model: {e}", model_path.display())))?;
        check_graph(&graph, &manifest).map_err(|e| {
            Error::Invalid(format!("{} does not match {}: {e}", model_path.display(), manifest_path.display()))
        })?;
        let attribution_bytes = match manifest.graphs.get("attribution") {
            Some(g) if attribution => Some(read("graphs.attribution.file", &g.file)?),
            _ => None,
        };
        let model = Model::load(&bytes, &text, attribution_bytes.as_deref(), &OnnxRuntime::new(*runtime))
            .map_err(|e| Error::Invalid(format!("{}: {e}", dir.display())))?;
        Ok(ModelFolder {
            dir: dir.to_path_buf(),
            model,
            graph,
            model_sha256: found,
            runtime: *runtime,
            predictor: OnceCell::new(),
        })
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
            (None, None) if let Some(trunks) = &self.model.segment_trunks => format!(
                "fast, each segment through its own trunk (receptive fields {} bp)",
                trunks.parts.iter().map(|p| p.field.width().to_string()).collect::<Vec<_>>().join(", ")
            ),
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

/// SHA-256 of `bytes` as 64 lower-case hex digits: what the manifest's `model_sha256` records.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// What the manifest parser does not check and a folder's predictor relies on: flank letters
/// and every file name staying inside the folder.
pub fn check_manifest(manifest: &Manifest) -> std::result::Result<(), String> {
    for input in &manifest.inputs {
        if let Some(f) = &input.flanks {
            for (side, bases) in [("left", &f.left), ("right", &f.right)] {
                if let Some((i, c)) = bases.char_indices().find(|(_, c)| !"ACGTNacgtn".contains(*c)) {
                    return Err(format!(
                        "input '{}': flanks.{side} has {c:?} at position {}; flanks may only hold A, C, G, T and N",
                        input.name,
                        i + 1
                    ));
                }
            }
        }
    }
    check_file_name("model_file", &manifest.model_file)?;
    for (role, g) in &manifest.graphs {
        check_file_name(&format!("graphs.{role}.file"), &g.file)?;
    }
    Ok(())
}

/// A file name from a manifest: relative, inside the folder (no `..`, no root, no drive).
fn check_file_name(field: &str, file: &str) -> std::result::Result<(), String> {
    use std::path::Component;
    let path = Path::new(file);
    let escapes = file.is_empty()
        || file.contains('\\')
        || path.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if escapes {
        return Err(format!(
            "{field} is '{file}'; a model's files must be named relative to its folder, inside it (no '..', no absolute path)"
        ));
    }
    Ok(())
}

/// `dir/file`, refused when the name or a symbolic link on the way leads out of `dir`.
pub(crate) fn confined(dir: &Path, field: &str, file: &str) -> std::result::Result<PathBuf, String> {
    check_file_name(field, file)?;
    let path = dir.join(file);
    if let (Ok(real_dir), Ok(real)) = (dir.canonicalize(), path.canonicalize())
        && !real.starts_with(&real_dir)
    {
        return Err(format!(
            "{field} '{file}' is a symbolic link to {}, outside the model folder; copy the file into the folder instead",
            real.display()
        ));
    }
    Ok(path)
}

/// The graph's declared inputs and outputs against the manifest, before anything runs: one
/// float input, the output the manifest names, and (when declared) one output column per target.
pub fn check_graph(graph: &ModelProto, manifest: &Manifest) -> std::result::Result<(), String> {
    use regula_infer::proto::tensor_shape_proto::dimension::Value as D;
    use regula_infer::proto::type_proto::Value as T;
    let Some(g) = graph.graph.as_ref() else { return Err("the ONNX file holds no graph".into()) };
    let initializers: std::collections::HashSet<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs: Vec<_> = g.input.iter().filter(|i| !initializers.contains(i.name.as_str())).collect();
    let want = &manifest.inputs[0].name;
    let Some(input) = inputs.iter().find(|i| &i.name == want) else {
        let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
        return Err(format!("the graph's inputs are {names:?}; the manifest's input is '{want}'"));
    };
    let tensor = |v: &regula_infer::proto::ValueInfoProto| match v.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(T::TensorType(t)) => Some(t.clone()),
        _ => None,
    };
    if let Some(t) = tensor(input)
        && t.elem_type != 0
        && t.elem_type != 1
    {
        return Err(format!(
            "the graph's input '{want}' has element type {} (ONNX code); Regula feeds float32 one-hot (code 1)",
            t.elem_type
        ));
    }
    let out_name = &manifest.output.name;
    let Some(output) = g.output.iter().find(|o| &o.name == out_name) else {
        let names: Vec<&str> = g.output.iter().map(|o| o.name.as_str()).collect();
        return Err(format!("the graph's outputs are {names:?}; the manifest's output is '{out_name}'"));
    };
    if let Some(dims) = tensor(output).and_then(|t| t.shape).map(|s| s.dim) {
        let width = dims.last().and_then(|d| match d.value {
            Some(D::DimValue(x)) => Some(x),
            _ => None,
        });
        if dims.len() != 2 {
            return Err(format!(
                "the graph's output '{out_name}' has {} dimensions; Regula reads [batch, targets]",
                dims.len()
            ));
        }
        if let Some(width) = width
            && width != manifest.targets.len() as i64
        {
            let names: Vec<&str> = manifest.targets.iter().map(|t| t.name.as_str()).collect();
            return Err(format!(
                "the graph's output '{out_name}' has {width} column(s), but the manifest lists {} target(s) ({}); the manifest and the graph come from different models",
                names.len(),
                names.join(", ")
            ));
        }
    }
    Ok(())
}
