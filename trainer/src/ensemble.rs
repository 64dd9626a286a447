//! `regula-train ensemble`: k exported models of one split, averaged in one ONNX graph.
//!
//! Every member's graph is copied in whole, its names prefixed `m{i}/` so they cannot collide;
//! all members read the one shared input, and each graph output becomes the mean of the
//! members' outputs (`Sum`, then `Mul` by 1/k); where each member pools its trunk with one
//! `GlobalAveragePool`, the members share one ([`share_pool`]), so that saturation scans cut the
//! ensemble where they cut each member. The attribution graph is averaged the same way:
//! a gradient is linear, so the mean of the members' gradients is the gradient of the mean.
//!
//! Members must share their training split (train them with one `--split-seed`): otherwise a
//! member's training rows could be the ensemble's test rows, and its test metrics would lie.
//! Averaging is done in the first member's training space: a member that standardised its
//! targets with other statistics (a distilled member: its teachers' predictions set them) has its
//! outputs mapped there first ([`in_training_space_of`]), which is exact, since standardising is
//! affine. A log transform must be the same for all (a mean of logs is not a log of means).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use prost::Message;
use regula_core::manifest::{Manifest, OutputKind};

use crate::eval::metrics::TaskKind;
use crate::fit::FitError;
use crate::fit::plan::Plan;
use crate::fit::run::{ATTRIBUTION_FILE, CARD_FILE, CONFIG_FILE, MANIFEST_FILE, MODEL_FILE, training_options};
use crate::model_folder::{ModelFolder, sha256_hex};
use crate::model_metrics::{EvalSet, evaluate_model};
use crate::onnx::proto::{GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto, data_type};
use crate::onnx::{attr_int, tensor_f32, tensor_i64};
use crate::options::FitOptions;
use crate::out_dir::OutDir;
use crate::runtime::RuntimeConfig;

/// The graph whose outputs are the means of the members' outputs of the same name. Members must
/// have the same inputs and outputs (names and declared types) and no subgraphs.
pub fn average_graphs(members: &[ModelProto]) -> Result<ModelProto, String> {
    if members.len() < 2 {
        return Err(format!("an ensemble needs at least 2 members; {} given", members.len()));
    }
    let graphs: Vec<&GraphProto> = members
        .iter()
        .enumerate()
        .map(|(i, m)| m.graph.as_ref().ok_or_else(|| format!("member {} holds no graph", i + 1)))
        .collect::<Result<_, _>>()?;
    let first = graphs[0];
    let initialised = |g: &GraphProto| -> HashSet<String> { g.initializer.iter().map(|t| t.name.clone()).collect() };
    // The graph inputs fed at run time (ONNX may also list initializers as inputs).
    let fed = |g: &GraphProto| -> Vec<ValueInfoProto> {
        let init = initialised(g);
        g.input.iter().filter(|v| !init.contains(&v.name)).cloned().collect()
    };
    let inputs = fed(first);
    for (i, (m, g)) in members.iter().zip(&graphs).enumerate().skip(1) {
        if fed(g) != inputs {
            return Err(format!(
                "member {} reads inputs {:?}, member 1 reads {:?}; members must read the same inputs",
                i + 1,
                names(&fed(g)),
                names(&inputs)
            ));
        }
        if g.output != first.output {
            return Err(format!(
                "member {} writes outputs {:?}, member 1 writes {:?}; members must write the same outputs",
                i + 1,
                names(&g.output),
                names(&first.output)
            ));
        }
        if m.opset_import != members[0].opset_import {
            return Err(format!("member {} imports other opsets than member 1; export both with one trainer", i + 1));
        }
    }
    for v in &first.output {
        if elem_type(v).is_some_and(|t| t != data_type::FLOAT) {
            return Err(format!("output '{}' is not float32; only float outputs can be averaged", v.name));
        }
    }
    let shared: HashSet<&str> = inputs.iter().map(|v| v.name.as_str()).collect();
    let mut out = GraphProto {
        name: format!("mean of {} models", members.len()),
        input: inputs.clone(),
        output: first.output.clone(),
        ..Default::default()
    };
    for (i, g) in graphs.iter().enumerate() {
        let prefix = format!("m{}/", i + 1);
        let rename = |name: &str| -> String {
            if name.is_empty() || shared.contains(name) { name.to_string() } else { format!("{prefix}{name}") }
        };
        out.initializer.extend(g.initializer.iter().map(|t| TensorProto { name: rename(&t.name), ..t.clone() }));
        out.value_info.extend(g.value_info.iter().map(|v| ValueInfoProto { name: rename(&v.name), ..v.clone() }));
        for node in &g.node {
            out.node.push(NodeProto {
                name: rename(&node.name),
                input: node.input.iter().map(|n| rename(n)).collect(),
                output: node.output.iter().map(|n| rename(n)).collect(),
                ..node.clone()
            });
        }
    }
    let k = members.len();
    out.initializer.push(tensor_f32("ensemble/one_over_k", &[], &[1.0 / k as f32]));
    for v in &first.output {
        let sum = format!("ensemble/{}/sum", v.name);
        out.node.push(NodeProto {
            name: sum.clone(),
            op_type: "Sum".into(),
            input: (1..=k).map(|i| format!("m{i}/{}", v.name)).collect(),
            output: vec![sum.clone()],
            ..Default::default()
        });
        out.node.push(NodeProto {
            name: format!("ensemble/{}/mean", v.name),
            op_type: "Mul".into(),
            input: vec![sum, "ensemble/one_over_k".into()],
            output: vec![v.name.clone()],
            ..Default::default()
        });
    }
    Ok(ModelProto { graph: Some(out), doc_string: format!("mean of {k} models"), ..members[0].clone() })
}

/// `graph` (a member's inference or attribution graph) with its outputs moved from the training
/// space of `own` targets into that of `first`'s: a prediction `p` standardised with mean `m`
/// and deviation `s` is `p·s/s₁ + (m − m₁)/s₁` in the first member's space, and a gradient of it
/// is scaled by `s/s₁`. Unchanged where the standardisations are equal.
pub fn in_training_space_of(
    graph: &ModelProto,
    own: &[regula_core::manifest::Target],
    first: &[regula_core::manifest::Target],
) -> Result<ModelProto, String> {
    let standardised = |t: &regula_core::manifest::Target| {
        t.normalisation.standardise.as_ref().map_or((0.0, 1.0), |s| (s.mean, s.std))
    };
    let (scale, shift): (Vec<f32>, Vec<f32>) = own
        .iter()
        .zip(first)
        .map(|(t, t1)| {
            let ((m, s), (m1, s1)) = (standardised(t), standardised(t1));
            ((s / s1) as f32, ((m - m1) / s1) as f32)
        })
        .unzip();
    if scale.iter().all(|&k| k == 1.0) && shift.iter().all(|&b| b == 0.0) {
        return Ok(graph.clone());
    }
    let mut model = graph.clone();
    let g = model.graph.as_mut().ok_or("no graph")?;
    let targets = scale.len() as i64;
    g.initializer.push(tensor_f32("to_first_space/scale", &[targets], &scale));
    g.initializer.push(tensor_f32("to_first_space/shift", &[targets], &shift));
    for output in g.output.clone() {
        let name = output.name;
        let own_name = format!("{name}/own_space");
        let binary = |op: &str, a: &str, b: &str, out: &str| NodeProto {
            name: format!("to_first_space/{out}"),
            op_type: op.into(),
            input: vec![a.into(), b.into()],
            output: vec![out.into()],
            ..Default::default()
        };
        // The member's own value is renamed, and whatever read it reads it so still.
        for n in &mut g.node {
            for t in n.output.iter_mut().chain(n.input.iter_mut()).filter(|t| **t == name) {
                t.clone_from(&own_name);
            }
        }
        if name == crate::export::OUTPUT {
            let scaled = format!("{name}/scaled");
            g.node.push(binary("Mul", &own_name, "to_first_space/scale", &scaled));
            g.node.push(binary("Add", &scaled, "to_first_space/shift", &name));
        } else if let Some(k) = (0..targets).find(|k| name == crate::export::gradient_output(*k as usize)) {
            let factor = format!("to_first_space/scale_{k}");
            g.initializer.push(tensor_f32(&factor, &[], &[scale[k as usize]]));
            g.node.push(binary("Mul", &own_name, &factor, &name));
        } else {
            return Err(format!(
                "its output '{name}' is neither a prediction nor a gradient, so it cannot be rescaled"
            ));
        }
    }
    Ok(model)
}

/// The ensemble graph with one `GlobalAveragePool` for all members: each member's pooled tensor
/// joined along the channels, pooled once and split back. A mean over the sequence is per
/// channel, so the values do not change; but the graph then has the single global op at which
/// saturation scans cut the trunk from the head (`regula_infer::graph::split`), so an ensemble of
/// members whose scans are incremental scans incrementally too, instead of running naive.
/// Returned unchanged where a member has no pool or several, or where the channels of a pooled
/// tensor cannot be read back to the convolution that made them.
pub fn share_pool(model: ModelProto) -> ModelProto {
    let Some(g) = model.graph.as_ref() else { return model };
    let pools: Vec<&NodeProto> = g.node.iter().filter(|n| n.op_type == "GlobalAveragePool").collect();
    let members = g.node.iter().filter_map(member).collect::<HashSet<_>>();
    let one_each = pools.len() >= 2
        && pools.len() == members.len()
        && pools.iter().filter_map(|p| member(p)).collect::<HashSet<_>>().len() == pools.len();
    if !one_each {
        return model;
    }
    let Some(channels) = pools.iter().map(|p| pooled_channels(g, &p.input[0])).collect::<Option<Vec<i64>>>() else {
        return model;
    };
    // The nodes the pools read from go first, then the shared pool, then the heads: each
    // member's nodes are in order, but the members' trunks and heads alternate.
    let pooled: Vec<&str> = pools.iter().map(|p| p.input[0].as_str()).collect();
    let trunk: HashSet<usize> = regula_infer::graph::ancestors(g, &pooled).into_iter().collect();
    let node = |name: &str, op: &str, input: Vec<String>, output: Vec<String>, attribute| NodeProto {
        name: name.into(),
        op_type: op.into(),
        input,
        output,
        attribute,
        ..Default::default()
    };
    let shared = [
        node(
            "ensemble/pool/concat",
            "Concat",
            pools.iter().map(|p| p.input[0].clone()).collect(),
            vec!["ensemble/pool/input".into()],
            vec![attr_int("axis", 1)],
        ),
        node(
            "ensemble/pool",
            "GlobalAveragePool",
            vec!["ensemble/pool/input".into()],
            vec!["ensemble/pool/output".into()],
            vec![],
        ),
        node(
            "ensemble/pool/split",
            "Split",
            vec!["ensemble/pool/output".into(), "ensemble/pool/channels".into()],
            pools.iter().map(|p| p.output[0].clone()).collect(),
            vec![attr_int("axis", 1)],
        ),
    ];
    let (in_trunk, head): (Vec<_>, Vec<_>) = g.node.iter().enumerate().partition(|(i, _)| trunk.contains(i));
    let mut graph = g.clone();
    graph.node = (in_trunk.into_iter().map(|(_, n)| n.clone()))
        .chain(shared)
        .chain(head.into_iter().filter(|(_, n)| n.op_type != "GlobalAveragePool").map(|(_, n)| n.clone()))
        .collect();
    graph.initializer.push(tensor_i64("ensemble/pool/channels", &[channels.len() as i64], &channels));
    ModelProto { graph: Some(graph), ..model }
}

/// The member (`m{i}`) a node of [`average_graphs`]' output belongs to, from its first output's
/// prefix (node names may be empty; outputs are always prefixed).
fn member(n: &NodeProto) -> Option<&str> {
    member_of(n.output.first()?)
}

/// The member prefix (`m{i}`) of a tensor name in [`average_graphs`]' output.
fn member_of(name: &str) -> Option<&str> {
    let (prefix, _) = name.split_once('/')?;
    (prefix.len() > 1 && prefix.starts_with('m') && prefix[1..].bytes().all(|b| b.is_ascii_digit())).then_some(prefix)
}

/// The channels of `tensor`, read back through ops that keep them to the convolution that made it.
fn pooled_channels(g: &GraphProto, tensor: &str) -> Option<i64> {
    let mut tensor = tensor;
    loop {
        let n = g.node.iter().find(|n| n.output.iter().any(|o| o == tensor))?;
        match n.op_type.as_str() {
            "Conv" => {
                let w = g.initializer.iter().find(|t| t.name == n.input[1])?;
                return w.dims.first().copied();
            }
            "BatchNormalization" | "Relu" | "Sigmoid" | "Tanh" | "Softplus" | "Erf" | "Exp" | "Neg" | "Sqrt"
            | "Identity" | "Mul" | "Add" | "Sub" | "Div" | "MaxPool" | "AveragePool" => {
                // The operand computed from the sequence (a constant one carries no channels here).
                tensor = n.input.iter().find(|i| g.node.iter().any(|m| m.output.contains(i)))?;
            }
            _ => return None,
        }
    }
}

fn names(values: &[ValueInfoProto]) -> Vec<&str> {
    values.iter().map(|v| v.name.as_str()).collect()
}

fn elem_type(v: &ValueInfoProto) -> Option<i32> {
    use crate::onnx::proto::type_proto::Value;
    match v.r#type.as_ref()?.value.as_ref()? {
        Value::TensorType(t) => Some(t.elem_type),
    }
}

/// One member: its folder, manifest, graphs and training options.
struct Member {
    dir: PathBuf,
    manifest: Manifest,
    inference: ModelProto,
    attribution: Option<ModelProto>,
    config: FitOptions,
}

impl Member {
    fn load(dir: &Path, runtime: &RuntimeConfig) -> Result<Member, FitError> {
        let folder = ModelFolder::load(dir, runtime)?;
        let manifest = folder.manifest().clone();
        let attribution = match manifest.graphs.get("attribution") {
            Some(g) => {
                let path =
                    crate::model_folder::confined(dir, "graphs.attribution.file", &g.file).map_err(FitError::Usage)?;
                let bytes = std::fs::read(&path)
                    .map_err(|e| FitError::Usage(format!("cannot read {}: {e}", path.display())))?;
                Some(
                    ModelProto::decode(&bytes[..])
                        .map_err(|e| FitError::Usage(format!("{} is not an ONNX model: {e}", path.display())))?,
                )
            }
            None => None,
        };
        let config = training_options(dir)?.ok_or_else(|| {
            FitError::Usage(format!(
                "{} has no {CONFIG_FILE}: an ensemble member must be a folder written by `regula-train fit` (its {CONFIG_FILE} names its split)",
                dir.display()
            ))
        })?;
        Ok(Member { dir: dir.to_path_buf(), manifest, inference: folder.graph, attribution, config })
    }

    /// The member's split, row by row (what `regula-train split` writes).
    fn split_rows(&self) -> Result<String, FitError> {
        let options = FitOptions { out: Some(self.dir.clone()), ..self.config.clone() };
        let plan = Plan::resolve(options).map_err(|e| FitError::Usage(format!("{}: {e}", self.dir.display())))?;
        crate::fit::split_table::split_table(&plan)
    }
}

/// What `regula-train ensemble` was asked to do.
pub struct EnsemblePlan {
    pub members: Vec<PathBuf>,
    pub out: PathBuf,
    pub name: Option<String>,
    pub force: bool,
}

/// Builds the ensemble folder: averaged graphs, a manifest with the metrics of the members'
/// shared split (computed here, as `evaluate` does), report and card. The folder appears whole
/// or not at all.
pub fn build(plan: &EnsemblePlan, runtime: &RuntimeConfig) -> Result<Manifest, FitError> {
    crate::out_dir::refuse_existing(&plan.out, false, plan.force).map_err(FitError::Usage)?;
    let members: Vec<Member> = plan.members.iter().map(|d| Member::load(d, runtime)).collect::<Result<_, _>>()?;
    check_alike(&members)?;
    let first_targets = &members[0].manifest.targets;
    let in_first_space = |m: &Member, graph: &ModelProto| {
        in_training_space_of(graph, &m.manifest.targets, first_targets)
            .map_err(|e| FitError::Usage(format!("{}: {e}", m.dir.display())))
    };
    let graphs = members.iter().map(|m| in_first_space(m, &m.inference)).collect::<Result<Vec<_>, _>>()?;
    let inference =
        average_graphs(&graphs).map(share_pool).map_err(|e| FitError::Usage(format!("the members' graphs: {e}")))?;
    let attribution = match members
        .iter()
        .map(|m| m.attribution.as_ref().map(|a| in_first_space(m, a)))
        .collect::<Option<Result<Vec<_>, _>>>()
        .transpose()?
    {
        Some(graphs) => {
            Some(average_graphs(&graphs).map_err(|e| FitError::Usage(format!("the attribution graphs: {e}")))?)
        }
        None => None,
    };

    let first = &members[0];
    let name = plan.name.clone().unwrap_or_else(|| format!("{}-ensemble", first.manifest.name));
    let command = format!(
        "regula-train ensemble {} --out {}",
        members.iter().map(|m| format!("--member {}", m.dir.display())).collect::<Vec<_>>().join(" "),
        plan.out.display()
    );
    let mut manifest = first.manifest.clone();
    manifest.name = name.clone();
    manifest.description = format!(
        "the mean of {} models trained on one split with seeds {}: {}",
        members.len(),
        members.iter().map(|m| m.manifest.training.seed.to_string()).collect::<Vec<_>>().join(", "),
        members.iter().map(|m| m.manifest.name.as_str()).collect::<Vec<_>>().join(", ")
    );
    manifest.model_sha256 = Some(sha256_hex(&inference.encode_to_vec()));
    manifest.metrics.clear();
    for t in &mut manifest.targets {
        t.prediction_quantiles = None;
    }
    if attribution.is_none() {
        manifest.graphs.remove("attribution");
    }
    let t = &mut manifest.training;
    t.architecture = format!("mean of {} models, each: {}", members.len(), t.architecture);
    t.parameters = members.iter().map(|m| m.manifest.training.parameters).sum();
    t.seconds = members.iter().map(|m| m.manifest.training.seconds).sum();
    let config = FitOptions { name: Some(name), out: Some(plan.out.clone()), ..first.config.clone() };

    let claimed = OutDir::claim(&plan.out, false)?;
    let work = claimed.work().to_path_buf();
    let write = |file: &str, bytes: &[u8]| {
        crate::atomic::write(&work.join(file), bytes)
            .map_err(|e| FitError::Write { path: work.join(file).display().to_string(), message: e.to_string() })
    };
    write(MODEL_FILE, &inference.encode_to_vec())?;
    if let Some(a) = &attribution {
        write(ATTRIBUTION_FILE, &a.encode_to_vec())?;
    }
    let config_text = format!(
        "# The split and data of the ensemble's members, for `regula-train evaluate`; the ensemble itself\n\
         # is made by `{command}`.\n{}",
        config.to_toml()
    );
    write(CONFIG_FILE, config_text.as_bytes())?;
    // A first manifest without metrics lets the folder load, so the metrics come from the very
    // path `evaluate` takes.
    write(MANIFEST_FILE, manifest.to_json().as_bytes())?;
    let (metrics, mut report) = evaluate_model(&work, FitOptions::default(), EvalSet::Split, runtime)?;
    let task = match manifest.output.kind {
        OutputKind::Regression => TaskKind::Regression,
        OutputKind::Classification => TaskKind::Classification,
    };
    for split in ["validation", "test"] {
        let Some(values) = report.predictions.get(split) else { continue };
        for target in &mut manifest.targets {
            if let Some(p) = values.get(&target.name) {
                // `score` keeps only the rows that measure the target (all of them unless `--mask-missing`).
                target.prediction_quantiles = crate::fit::scoring::reported_quantiles(task, split, &p.predicted);
            }
        }
    }
    manifest.metrics = metrics;
    report.facts = vec![
        ("members".into(), members.iter().map(|m| m.dir.display().to_string()).collect::<Vec<_>>().join(", ")),
        ("split".into(), manifest.training.split.clone()),
        ("architecture".into(), manifest.training.architecture.clone()),
        ("parameters".into(), manifest.training.parameters.to_string()),
    ];
    let limits = first.config.limits.as_deref();
    let card = crate::model_card::render(&manifest, limits, &command) + &members_table(&members, &manifest);
    write(CARD_FILE, card.as_bytes())?;
    report.write(&work).map_err(|e| FitError::Write { path: work.display().to_string(), message: e.to_string() })?;
    write(MANIFEST_FILE, manifest.to_json().as_bytes())?;
    claimed.commit()?;
    Ok(manifest)
}

/// Members must read the same input, predict the same targets in the same units and training
/// space, and share one split row for row.
fn check_alike(members: &[Member]) -> Result<(), FitError> {
    if members.len() < 2 {
        return Err(FitError::Usage(format!("an ensemble needs at least 2 members; {} given", members.len())));
    }
    let first = &members[0];
    let differ = |m: &Member, what: &str, hint: &str| {
        FitError::Usage(format!("{} and {} differ in {what}; {hint}", m.dir.display(), first.dir.display()))
    };
    let split = first.split_rows()?;
    for m in &members[1..] {
        let (a, b) = (&m.manifest, &first.manifest);
        if a.inputs != b.inputs {
            return Err(differ(m, "their inputs (length, flanks or encoding)", "members must read the same sequences"));
        }
        if a.output.kind != b.output.kind {
            return Err(differ(m, "their output kind", "members must all be regressions or all classifiers"));
        }
        let targets = |x: &Manifest| x.targets.iter().map(|t| (t.name.clone(), t.unit.clone())).collect::<Vec<_>>();
        if targets(a) != targets(b) {
            return Err(differ(m, "their targets or units", "members must predict the same targets"));
        }
        if m.split_rows()? != split {
            return Err(differ(
                m,
                "their split (rows in train, validation and test)",
                "train every member on one split (the same data, split options and --split-seed), or the ensemble's test rows would be some member's training rows",
            ));
        }
        let logs = |x: &Manifest| x.targets.iter().map(|t| t.normalisation.log.clone()).collect::<Vec<_>>();
        if logs(a) != logs(b) {
            return Err(differ(
                m,
                "their targets' log transform",
                "a mean of log-transformed predictions is not the log of their mean, so members must transform their targets alike (train them with the same target options)",
            ));
        }
    }
    Ok(())
}

/// The card's table of what each member scores beside the ensemble, on the same rows.
fn members_table(members: &[Member], ensemble: &Manifest) -> String {
    let split = if ensemble.metrics.contains_key("test") { "test" } else { "validation" };
    let metric_names: Vec<String> = ensemble
        .metrics
        .get(split)
        .and_then(|m| m.per_target.get("overall"))
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let mut md = format!(
        "\n## Members\n\nOverall {split} metrics of each member and of their mean, on the same {split} rows.\n\n| model | seed | {} |\n|---|---|{}\n",
        metric_names.join(" | "),
        "---|".repeat(metric_names.len())
    );
    let row = |name: &str, seed: String, m: &Manifest| {
        let cells: Vec<String> = metric_names
            .iter()
            .map(|k| {
                m.metrics
                    .get(split)
                    .and_then(|s| s.per_target.get("overall"))
                    .and_then(|o| o.get(k))
                    .map_or("—".into(), |v| format!("{v:.4}"))
            })
            .collect();
        format!("| {name} | {seed} | {} |\n", cells.join(" | "))
    };
    for m in members {
        md += &row(&m.manifest.name, m.manifest.training.seed.to_string(), &m.manifest);
    }
    md += &row(&format!("**{}** (mean)", ensemble.name), "—".into(), ensemble);
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(output: &str) -> ModelProto {
        ModelProto {
            graph: Some(GraphProto {
                input: vec![ValueInfoProto { name: "x".into(), ..Default::default() }],
                output: vec![ValueInfoProto { name: output.into(), ..Default::default() }],
                initializer: vec![tensor_f32("w", &[], &[2.0])],
                node: vec![NodeProto {
                    name: "scale".into(),
                    op_type: "Mul".into(),
                    input: vec!["x".into(), "w".into()],
                    output: vec![output.into()],
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn members_are_prefixed_and_their_outputs_averaged() {
        let g = average_graphs(&[graph("pred"), graph("pred"), graph("pred")]).unwrap();
        let g = g.graph.unwrap();
        assert_eq!(names(&g.input), vec!["x"]);
        assert_eq!(names(&g.output), vec!["pred"]);
        let inits: Vec<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(inits, vec!["m1/w", "m2/w", "m3/w", "ensemble/one_over_k"]);
        assert_eq!(g.node[1].input, vec!["x", "m2/w"]);
        assert_eq!(g.node[3].op_type, "Sum");
        assert_eq!(g.node[3].input, vec!["m1/pred", "m2/pred", "m3/pred"]);
        assert_eq!(g.node[4].output, vec!["pred"]);
    }

    /// A member: a convolution, its ReLU, a global pool and a dense layer.
    fn pooled(channels: i64) -> ModelProto {
        let node = |op: &str, input: &[&str], output: &str| NodeProto {
            name: output.into(),
            op_type: op.into(),
            input: input.iter().map(|s| s.to_string()).collect(),
            output: vec![output.into()],
            ..Default::default()
        };
        ModelProto {
            graph: Some(GraphProto {
                input: vec![ValueInfoProto { name: "x".into(), ..Default::default() }],
                output: vec![ValueInfoProto { name: "pred".into(), ..Default::default() }],
                initializer: vec![
                    tensor_f32("w", &[channels, 4, 3], &vec![0.1; channels as usize * 12]),
                    tensor_f32("d", &[channels, 1], &vec![0.5; channels as usize]),
                ],
                node: vec![
                    node("Conv", &["x", "w"], "conv"),
                    node("Relu", &["conv"], "relu"),
                    node("GlobalAveragePool", &["relu"], "pooled"),
                    node("Flatten", &["pooled"], "flat"),
                    node("MatMul", &["flat", "d"], "pred"),
                ],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn members_share_one_pool() {
        let g = share_pool(average_graphs(&[pooled(8), pooled(5)]).unwrap()).graph.unwrap();
        let ops: Vec<(&str, &str)> = g.node.iter().map(|n| (n.op_type.as_str(), n.name.as_str())).collect();
        assert_eq!(
            ops,
            [
                ("Conv", "m1/conv"),
                ("Relu", "m1/relu"),
                ("Conv", "m2/conv"),
                ("Relu", "m2/relu"),
                ("Concat", "ensemble/pool/concat"),
                ("GlobalAveragePool", "ensemble/pool"),
                ("Split", "ensemble/pool/split"),
                ("Flatten", "m1/flat"),
                ("MatMul", "m1/pred"),
                ("Flatten", "m2/flat"),
                ("MatMul", "m2/pred"),
                ("Sum", "ensemble/pred/sum"),
                ("Mul", "ensemble/pred/mean"),
            ]
        );
        assert_eq!(g.node[4].input, ["m1/relu", "m2/relu"]);
        assert_eq!(g.node[6].output, ["m1/pooled", "m2/pooled"]);
        let channels = g.initializer.iter().find(|t| t.name == "ensemble/pool/channels").unwrap();
        assert_eq!(channels.raw_data, [8i64, 5].iter().flat_map(|c| c.to_le_bytes()).collect::<Vec<u8>>());
    }

    #[test]
    fn members_without_one_pool_each_keep_theirs() {
        // No pool: nothing to share.
        let plain = average_graphs(&[graph("pred"), graph("pred")]).unwrap();
        assert_eq!(share_pool(plain.clone()), plain);
        // Channels that cannot be read back to a convolution (a pool fed by a MatMul).
        let mut odd = pooled(4);
        odd.graph.as_mut().unwrap().node[0].op_type = "MatMul".into();
        let both = average_graphs(&[odd.clone(), odd]).unwrap();
        assert_eq!(share_pool(both.clone()), both);
    }

    #[test]
    fn only_predictions_and_gradients_move_into_another_training_space() {
        use regula_core::manifest::{Normalisation, Standardise, Target};
        let target = |mean, std| Target {
            name: "t".into(),
            unit: "u".into(),
            normalisation: Normalisation { log: None, standardise: Some(Standardise { mean, std }) },
            prediction_quantiles: None,
        };
        let (own, first) = ([target(1.0, 2.0)], [target(0.0, 4.0)]);
        let moved = in_training_space_of(&graph("pred"), &own, &first).unwrap().graph.unwrap();
        let nodes: Vec<(&str, &[String], &[String])> =
            moved.node.iter().map(|n| (n.op_type.as_str(), &n.input[..], &n.output[..])).collect();
        assert_eq!(nodes[0], ("Mul", &["x".to_string(), "w".into()][..], &["pred/own_space".to_string()][..]));
        assert_eq!(nodes[1].2, ["pred/scaled"]);
        assert_eq!(
            nodes[2],
            ("Add", &["pred/scaled".to_string(), "to_first_space/shift".into()][..], &["pred".to_string()][..])
        );
        let values = |name: &str| {
            crate::onnx::tensor_values_f32(moved.initializer.iter().find(|t| t.name == name).unwrap()).unwrap()
        };
        // p·2/4 + (1 − 0)/4
        assert_eq!((values("to_first_space/scale"), values("to_first_space/shift")), (vec![0.5], vec![0.25]));
        // Alike: unchanged.
        assert_eq!(in_training_space_of(&graph("pred"), &first, &first).unwrap(), graph("pred"));
        assert_eq!(
            in_training_space_of(&graph("logits"), &own, &first).unwrap_err(),
            "its output 'logits' is neither a prediction nor a gradient, so it cannot be rescaled"
        );
    }

    #[test]
    fn members_must_match() {
        assert_eq!(average_graphs(&[graph("pred")]).unwrap_err(), "an ensemble needs at least 2 members; 1 given");
        assert_eq!(
            average_graphs(&[graph("pred"), graph("y")]).unwrap_err(),
            "member 2 writes outputs [\"y\"], member 1 writes [\"pred\"]; members must write the same outputs"
        );
    }
}
