//! Incremental saturation mutagenesis (as fastISM, Nair et al. 2022): the trunk is cut into
//! *stages*, each one sliding layer (convolution or pool) and the position-wise ops after it, or
//! a *join* (a `Concat` along the channels, a residual `Add`: a position-wise op that reads the
//! outputs of several stages) and the position-wise ops after it. Every tensor a stage hands on is
//! kept for the reference sequence; for a substitution, each stage is recomputed only over the
//! outputs whose inputs changed, and those changed values are what later stages read. Where a
//! substitution's window spans the whole input (the windowed path of [`crate::geometry`] then
//! saves nothing, as for the 230 bp MPRA models), this still skips most of the work: the first
//! layer runs on a kernel's width, each later one on a few outputs more.
//!
//! **Exactness.** A sliding stage is run without its pads on an input window that this module
//! pads itself (zeros for a convolution, −∞ for a max pool), so output `t` of a window is output
//! `t0 + t` of the whole sequence whenever the window starts at `t0·stride − pad` and spans the
//! kernel — the single-layer case of the window lemma. A join reads its inputs at the same
//! positions (the graph splitter checks they share a stride; the reference pass, that they share
//! a length), so it is recomputed over the union of its inputs' changed spans, each input taken
//! from its changed values there and from the reference elsewhere. A runtime self-check compares
//! sampled substitutions with full forward passes, as the windowed path does.
//!
//! A stage's graph has one input: a join's inputs travel joined along the channels and are
//! sliced apart again at the head of its graph, so every runtime runs stages through
//! [`Graph::run`]. A trunk with an op that looks at the whole sequence (a squeeze-excitation's
//! mean) is not cut: [`cut_stages`] says which node, and scans fall back.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::model::Stage;
use crate::proto::{self as pb, ModelProto, NodeProto};

/// One stage, as cut from the trunk: its graph without pads, what it reads and hands on, and its
/// sliding geometry (a join: kernel 1, stride 1, no pads).
#[derive(Clone, Debug)]
pub struct StageProto {
    pub graph: ModelProto,
    /// The tensors it reads (one for a sliding stage), joined along the channels in this order
    /// as its graph's one input, and each one's channels.
    pub inputs: Vec<(String, usize)>,
    /// The tensors it computes that later stages or the trunk output read: its graph's outputs,
    /// in this order.
    pub outputs: Vec<String>,
    pub kernel: usize,
    pub stride: usize,
    pub dilation: usize,
    pub pad_left: usize,
    pub pad_right: usize,
    /// What the stage's own pads held: 0 for a convolution, −∞ for a max pool.
    pub pad_value: f32,
    /// The stage is one max pool and nothing else: [`propagate`] takes each output's max itself
    /// ([`max_pool`]). tract runs a stage's graph, planned with a symbolic batch, through its
    /// generic pooling loop, a tenth of the 1 kb reference CNN's incremental scan in wasm; taken
    /// here, that scan runs in 0.91x the time and hepg2-mpra's in 0.93x, the same numbers (Node,
    /// 2026-12-02). tract's strided slices and one `Max` in the graph instead were 1.5x slower.
    pub max_pool: bool,
}

impl StageProto {
    /// Output length for an input of `len` positions (with the stage's pads).
    pub fn output_len(&self, len: usize) -> usize {
        let span = (self.kernel - 1) * self.dilation + 1;
        (len + self.pad_left + self.pad_right).saturating_sub(span) / self.stride + 1
    }

    /// Outputs (inclusive range) whose inputs meet input positions `lo..=hi`, of `out_len`.
    pub fn affected(&self, lo: usize, hi: usize, out_len: usize) -> (usize, usize) {
        let reach = ((self.kernel - 1) * self.dilation) as isize;
        let (lo, hi) = (lo as isize + self.pad_left as isize, hi as isize + self.pad_left as isize);
        let s = self.stride as isize;
        let t0 = (lo - reach + s - 1).div_euclid(s).max(0);
        let t1 = hi.div_euclid(s).min(out_len as isize - 1);
        (t0 as usize, t1 as usize)
    }

    /// First input position (in the unpadded input, may be negative) read by output `t`, and the
    /// number of input positions outputs `t0..=t1` read.
    pub fn window(&self, t0: usize, t1: usize) -> (isize, usize) {
        let start = (t0 * self.stride) as isize - self.pad_left as isize;
        (start, (t1 - t0) * self.stride + (self.kernel - 1) * self.dilation + 1)
    }

    /// Channels of the graph's one input.
    pub fn input_channels(&self) -> usize {
        self.inputs.iter().map(|(_, c)| c).sum()
    }
}

/// Position-wise ops (as the graph splitter counts them), which join the stage of their inputs.
fn pointwise(op: &str) -> bool {
    crate::graph::per_position(op) || crate::graph::position_join(op)
}

/// Stage being cut: its nodes, the tensors it reads, and whether it starts with a join.
struct Cut {
    nodes: Vec<usize>,
    inputs: Vec<String>,
    join: bool,
}

/// Cuts `trunk` (input `input` → output `output`, as [`crate::graph::split`] made it) into stages
/// in an order where each reads only earlier ones, or says why it cannot.
pub fn cut_stages(trunk: &ModelProto, input: &str, output: &str) -> std::result::Result<Vec<StageProto>, String> {
    let g = trunk.graph.as_ref().ok_or("no graph")?;
    // Joins and depthwise taps slice with Slice's input form (opset 10 on).
    let opset =
        trunk.opset_import.iter().find(|o| o.domain.is_empty() || o.domain == "ai.onnx").map_or(0, |o| o.version);
    if opset < 10 {
        return Err(format!("the model's opset {opset} is older than 10, whose Slice incremental mutagenesis uses"));
    }
    let by_name: HashMap<&str, &pb::TensorProto> = g.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
    let constants: HashSet<&str> =
        g.node.iter().filter(|n| n.op_type == "Constant").flat_map(|n| n.output.iter().map(String::as_str)).collect();
    let is_const = |name: &str| name.is_empty() || by_name.contains_key(name) || constants.contains(name);
    let channels = channels_of(g, input, &by_name);
    let mut cuts: Vec<Cut> = Vec::new();
    // The stage that computes each tensor.
    let mut stage_of: HashMap<&str, usize> = HashMap::new();
    for (i, n) in g.node.iter().enumerate() {
        let op = n.op_type.as_str();
        if op == "Constant" {
            continue;
        }
        let mut data: Vec<&str> = Vec::new();
        for x in n.input.iter().map(String::as_str).filter(|x| !is_const(x)) {
            if !data.contains(&x) {
                data.push(x);
            }
        }
        let stage = if matches!(op, "Conv" | "MaxPool" | "AveragePool") {
            let [x] = data[..] else {
                return Err(format!("{op} node '{}' reads {} sequence-dependent tensors", n.name, data.len()));
            };
            cuts.push(Cut { nodes: vec![i], inputs: vec![x.to_string()], join: false });
            cuts.len() - 1
        } else if pointwise(op) {
            let mut sources: Vec<usize> = Vec::new();
            for x in &data {
                let s = *stage_of
                    .get(x)
                    .ok_or_else(|| format!("the trunk has a {op} node ('{}') before any convolution", n.name))?;
                if !sources.contains(&s) {
                    sources.push(s);
                }
            }
            match sources[..] {
                [s] => {
                    cuts[s].nodes.push(i);
                    s
                }
                [] => return Err(format!("{op} node '{}' reads no sequence-dependent tensor", n.name)),
                _ => {
                    cuts.push(Cut { nodes: vec![i], inputs: data.iter().map(|x| x.to_string()).collect(), join: true });
                    cuts.len() - 1
                }
            }
        } else {
            return Err(crate::graph::not_position_wise(n, &by_name));
        };
        for o in &n.output {
            stage_of.insert(o.as_str(), stage);
        }
    }
    if !stage_of.contains_key(output) {
        return Err(format!("no stage computes the trunk output '{output}'"));
    }
    // What each stage hands on: the tensors other stages read, and the trunk output.
    let mut handed: Vec<Vec<String>> = vec![Vec::new(); cuts.len()];
    for (s, cut) in cuts.iter().enumerate() {
        for x in &cut.inputs {
            if let Some(&from) = stage_of.get(x.as_str()) {
                if from >= s {
                    return Err(format!("stage {s} reads '{x}' before it is computed"));
                }
                if !handed[from].contains(x) {
                    handed[from].push(x.clone());
                }
            } else if x != input {
                return Err(format!("tensor '{x}' is read but not computed"));
            }
        }
    }
    let last = stage_of[output];
    if !handed[last].iter().any(|o| o == output) {
        handed[last].push(output.to_string());
    }
    cuts.into_iter()
        .zip(handed)
        .enumerate()
        .map(|(s, (cut, outputs))| {
            let inputs: Vec<(String, usize)> = cut
                .inputs
                .iter()
                .map(|x| {
                    let c = channels
                        .get(x.as_str())
                        .copied()
                        .ok_or_else(|| format!("the channels of '{x}' are unknown"))?;
                    Ok((x.clone(), c))
                })
                .collect::<std::result::Result<_, String>>()?;
            stage_proto(trunk, g, s, &cut, inputs, outputs, &by_name)
        })
        .collect()
}

/// The graph of one stage and its geometry.
fn stage_proto(
    trunk: &ModelProto,
    g: &pb::GraphProto,
    index: usize,
    cut: &Cut,
    inputs: Vec<(String, usize)>,
    outputs: Vec<String>,
    by_name: &HashMap<&str, &pb::TensorProto>,
) -> std::result::Result<StageProto, String> {
    let first = &g.node[cut.nodes[0]];
    let op = first.op_type.as_str();
    let mut nodes: Vec<NodeProto> = cut.nodes.iter().map(|&i| g.node[i].clone()).collect();
    let mut initializer: Vec<pb::TensorProto> = Vec::new();
    let (geometry, graph_input) = if cut.join {
        // One input, the joined tensors, sliced apart along the channels under their own names.
        let joined = format!("stage{index}_joined");
        let mut slices = Vec::new();
        let mut at = 0i64;
        for (k, (name, c)) in inputs.iter().enumerate() {
            let (node, parts) = slice(&format!("{joined}_{k}"), &joined, name, at, at + *c as i64, 1);
            slices.push(node);
            initializer.extend(parts);
            at += *c as i64;
        }
        slices.append(&mut nodes);
        nodes = slices;
        (crate::graph::Sliding { kernel: 1, stride: 1, dilation: 1, pad_left: 0, pad_right: 0 }, joined)
    } else {
        let geometry = crate::graph::sliding(first, |name| by_name.get(name).map(|t| t.dims.clone()))?;
        if op == "AveragePool" && (geometry.pad_left, geometry.pad_right) != (0, 0) {
            return Err(format!("AveragePool node '{}' has pads", first.name));
        }
        nodes[0].attribute.retain(|a| a.name != "pads" && a.name != "auto_pad");
        (geometry, inputs[0].0.clone())
    };
    // Depthwise convolutions as their taps (see `depthwise_as_taps`).
    let mut taps_init = Vec::new();
    nodes = nodes
        .into_iter()
        .flat_map(|n| match depthwise_as_taps(&n, by_name) {
            Some((taps, init)) => {
                taps_init.extend(init);
                taps
            }
            None => vec![n],
        })
        .collect();
    initializer.extend(taps_init);
    let used: HashSet<String> = nodes.iter().flat_map(|n| n.input.iter().cloned()).collect();
    // Constants the stage reads travel with it.
    let mut all: Vec<NodeProto> = g
        .node
        .iter()
        .filter(|n| n.op_type == "Constant" && n.output.iter().any(|o| used.contains(o)))
        .cloned()
        .collect();
    all.append(&mut nodes);
    initializer.extend(g.initializer.iter().filter(|t| used.contains(&t.name)).cloned());
    let graph = pb::GraphProto {
        node: all,
        name: format!("{}-stage{index}", g.name),
        initializer,
        input: vec![crate::graph::named(&graph_input)],
        output: outputs.iter().map(|o| crate::graph::named(o)).collect(),
        ..Default::default()
    };
    let as_usize = |v: i64| usize::try_from(v).map_err(|_| format!("{op} node '{}': negative size", first.name));
    Ok(StageProto {
        graph: ModelProto { graph: Some(graph), ..trunk.clone() },
        inputs,
        outputs,
        kernel: as_usize(geometry.kernel)?,
        stride: as_usize(geometry.stride)?,
        dilation: as_usize(geometry.dilation)?,
        pad_left: as_usize(geometry.pad_left)?,
        pad_right: as_usize(geometry.pad_right)?,
        pad_value: if op == "MaxPool" && !cut.join { f32::NEG_INFINITY } else { 0.0 },
        max_pool: op == "MaxPool" && !cut.join && cut.nodes.len() == 1 && first.output.len() == 1,
    })
}

/// A depthwise convolution (a group per channel, one input channel each) at stride 1 and without
/// pads, as its taps: `y[:, c, t] = Σ_j w[c, 0, j] · x[:, c, t + j·d] (+ b[c])`, by Slice, Mul and
/// Add. Stages run on many window lengths, so their graphs are planned with a symbolic batch, and
/// tract then runs a grouped convolution some ten times slower than with a concrete batch (14.8
/// against 1.6 ms for a `[96, 256, 6]` window of a LegNet's first stage, natively); the taps are
/// elementwise work either way. Equal to the convolution up to the order of the sums.
fn depthwise_as_taps(
    n: &NodeProto,
    by_name: &HashMap<&str, &pb::TensorProto>,
) -> Option<(Vec<NodeProto>, Vec<pb::TensorProto>)> {
    if n.op_type != "Conv" || crate::graph::attr_ints(n, "strides").is_some_and(|s| s.iter().any(|&v| v != 1)) {
        return None;
    }
    let weight = by_name.get(n.input.get(1)?.as_str())?;
    let [channels, 1, kernel] = weight.dims[..] else { return None };
    let group = crate::graph::attr_int(n, "group").unwrap_or(1);
    if group != channels || channels < 2 {
        return None;
    }
    let (channels, kernel) = (usize::try_from(channels).ok()?, usize::try_from(kernel).ok()?);
    let dilation = crate::graph::attr_ints(n, "dilations").map_or(1, |d| d[0]);
    let values = crate::graph::tensor_f32(weight)?;
    let bias = match n.input.get(2).filter(|b| !b.is_empty()) {
        Some(b) => Some(crate::graph::tensor_f32(by_name.get(b.as_str())?)?),
        None => None,
    };
    let (x, y, name) = (&n.input[0], &n.output[0], &n.name);
    let (mut nodes, mut init) = (Vec::new(), Vec::new());
    let reach = (kernel as i64 - 1) * dilation;
    let mut sum: Option<String> = None;
    for j in 0..kernel {
        let tap = format!("{name}_tap{j}");
        let start = j as i64 * dilation;
        // Output t reads input t + j·d: from j·d up to reach − j·d before the end.
        let end = if start == reach { i64::MAX } else { start - reach };
        let (shift, parts) = slice(&tap, x, &format!("{tap}_x"), start, end, 2);
        let w = channel_column(&format!("{tap}_weight"), (0..channels).map(|c| values[c * kernel + j]).collect());
        let shifted = shift.output[0].clone();
        nodes.push(shift);
        nodes.push(node("Mul", &format!("{tap}_mul"), vec![shifted, w.name.clone()], &tap));
        init.extend(parts);
        init.push(w);
        sum = Some(match sum {
            None => tap,
            Some(prev) => {
                let out = format!("{name}_taps{j}");
                nodes.push(node("Add", &format!("{tap}_add"), vec![prev, tap], &out));
                out
            }
        });
    }
    if let Some(b) = bias {
        let t = channel_column(&format!("{name}_bias"), b);
        let last = sum.expect("one tap at least");
        nodes.push(node("Add", &format!("{name}_bias_add"), vec![last, t.name.clone()], &format!("{name}_biased")));
        init.push(t);
    }
    // The last node writes the convolution's output.
    nodes.last_mut().expect("one tap at least").output[0] = y.clone();
    Some((nodes, init))
}

/// A node of one output.
fn node(op: &str, name: &str, input: Vec<String>, output: &str) -> NodeProto {
    NodeProto { input, output: vec![output.into()], name: name.into(), op_type: op.into(), ..Default::default() }
}

/// `output = input[start..end]` along `axis`, in Slice's input form: the node (`{name}_slice`) and
/// its three int64 initializers (`{name}_start`, `_end`, `_axis`).
fn slice(name: &str, input: &str, output: &str, start: i64, end: i64, axis: i64) -> (NodeProto, [pb::TensorProto; 3]) {
    let int = |suffix: &str, v: i64| pb::TensorProto {
        dims: vec![1],
        data_type: pb::data_type::INT64,
        int64_data: vec![v],
        name: format!("{name}_{suffix}"),
        ..Default::default()
    };
    let parts = [int("start", start), int("end", end), int("axis", axis)];
    let inputs = std::iter::once(input.to_string()).chain(parts.iter().map(|t| t.name.clone())).collect();
    (node("Slice", &format!("{name}_slice"), inputs, output), parts)
}

/// A float initializer `[C, 1]`: one value per channel, broadcast along the sequence.
fn channel_column(name: &str, values: Vec<f32>) -> pb::TensorProto {
    pb::TensorProto {
        dims: vec![values.len() as i64, 1],
        data_type: pb::data_type::FLOAT,
        float_data: values,
        name: name.into(),
        ..Default::default()
    }
}

/// Channels of every trunk tensor, from the input's declared shape and the convolutions'
/// weights (pools and position-wise ops keep them; a channel `Concat` adds them up).
fn channels_of<'a>(
    g: &'a pb::GraphProto,
    input: &'a str,
    by_name: &HashMap<&str, &pb::TensorProto>,
) -> HashMap<&'a str, usize> {
    let declared = g.input.iter().find(|i| i.name == input).and_then(|i| match i.r#type.as_ref()?.value.as_ref()? {
        pb::type_proto::Value::TensorType(t) => match t.shape.as_ref()?.dim.get(1)?.value.as_ref()? {
            pb::tensor_shape_proto::dimension::Value::DimValue(v) => usize::try_from(*v).ok(),
            _ => None,
        },
    });
    let mut channels: HashMap<&str, usize> = HashMap::new();
    channels.insert(input, declared.unwrap_or(4));
    for n in &g.node {
        let known: Vec<usize> = n.input.iter().filter_map(|x| channels.get(x.as_str()).copied()).collect();
        let c = match n.op_type.as_str() {
            "Constant" => continue,
            "Conv" => by_name
                .get(n.input.get(1).map_or("", String::as_str))
                .and_then(|w| usize::try_from(*w.dims.first()?).ok()),
            "Concat" => (known.len() == n.input.len()).then(|| known.iter().sum()),
            _ => known.iter().copied().max(),
        };
        if let Some(c) = c {
            for o in &n.output {
                channels.insert(o.as_str(), c);
            }
        }
    }
    channels
}

/// A tensor of one sequence: `[channels, len]`, row-major.
#[derive(Clone, Debug)]
pub struct Activation {
    pub channels: usize,
    pub len: usize,
    pub data: Vec<f32>,
}

/// Every tensor the stages hand on, for one sequence, by name (the trunk input too).
pub type Activations = HashMap<String, Activation>;

/// The stages' reference activations for `x` `[4, l]` (under the trunk input's name `input`), or
/// `None` when a stage's output has a length this module does not model (the caller keeps its
/// other path).
pub fn reference_activations(stages: &[Stage], input: &str, x: &[f32], l: usize) -> Result<Option<Activations>> {
    let mut acts = Activations::new();
    acts.insert(input.to_string(), Activation { channels: x.len() / l, len: l, data: x.to_vec() });
    for (stage, graph) in stages {
        let ins: Vec<&Activation> = stage.inputs.iter().map(|(name, _)| &acts[name]).collect();
        let t = ins[0].len;
        if ins.iter().zip(&stage.inputs).any(|(a, (_, c))| a.len != t || a.channels != *c) {
            return Ok(None);
        }
        let c = stage.input_channels();
        let padded_len = stage.pad_left + t + stage.pad_right;
        let mut padded = vec![stage.pad_value; c * padded_len];
        let mut ch = 0;
        for a in &ins {
            for row in a.data.chunks(t) {
                padded[ch * padded_len + stage.pad_left..][..t].copy_from_slice(row);
                ch += 1;
            }
        }
        let outs = graph.run(&padded, 1, &[c, padded_len])?;
        for (name, out) in stage.outputs.iter().zip(outs) {
            if out.shape.len() != 3 || out.shape[2] != stage.output_len(t) {
                return Ok(None);
            }
            acts.insert(name.clone(), Activation { channels: out.shape[1], len: out.shape[2], data: out.data });
        }
    }
    Ok(Some(acts))
}

/// A substitution's changed span of one tensor: first and last position, and the new values
/// `[channels, last − first + 1]`.
pub type Changed = (usize, usize, Vec<f32>);

/// The changed span of tensor `output` for each substitution `(position, base)` of the trunk
/// input `input`, recomputing each stage over what changed; also the stage runs made and the
/// input positions they read.
pub fn propagate(
    stages: &[Stage],
    acts: &Activations,
    input: &str,
    output: &str,
    jobs: &[(usize, usize)],
    batch: usize,
) -> Result<(Vec<Changed>, usize, usize)> {
    let mut changed: HashMap<&str, Vec<Changed>> = HashMap::new();
    changed.insert(
        input,
        jobs.iter().map(|&(p, b)| (p, p, (0..4).map(|ch| if ch == b { 1.0 } else { 0.0 }).collect())).collect(),
    );
    // The last stage that reads each tensor: after it, its changed values are dropped.
    let mut last_read: HashMap<&str, usize> = HashMap::new();
    for (s, (stage, _)) in stages.iter().enumerate() {
        for (name, _) in &stage.inputs {
            last_read.insert(name.as_str(), s);
        }
    }
    let (mut passes, mut bases) = (0, 0);
    for (s, (stage, graph)) in stages.iter().enumerate() {
        let ins: Vec<(&Activation, &Vec<Changed>)> =
            stage.inputs.iter().map(|(name, _)| (&acts[name], &changed[name.as_str()])).collect();
        let t_in = ins[0].0.len;
        let t_out = stage.output_len(t_in);
        let c_in = stage.input_channels();
        // Each substitution's outputs to recompute and the input window they read.
        let plans: Vec<(usize, usize, isize, usize)> = (0..jobs.len())
            .map(|j| {
                let lo = ins.iter().map(|(_, ch)| ch[j].0).min().expect("one input at least");
                let hi = ins.iter().map(|(_, ch)| ch[j].1).max().expect("one input at least");
                let (t0, t1) = stage.affected(lo, hi, t_out);
                let (start, w) = stage.window(t0, t1);
                (t0, t1, start, w)
            })
            .collect();
        // Substitutions with windows of the same length run together.
        let mut by_len: HashMap<usize, Vec<usize>> = HashMap::new();
        for (j, plan) in plans.iter().enumerate() {
            by_len.entry(plan.3).or_default().push(j);
        }
        let mut next: Vec<Vec<Changed>> = vec![vec![(0, 0, Vec::new()); jobs.len()]; stage.outputs.len()];
        for (w, members) in by_len {
            for group in members.chunks(batch) {
                let mut x = vec![0.0f32; group.len() * c_in * w];
                for (r, &j) in group.iter().enumerate() {
                    let start = plans[j].2;
                    let mut rows = x[r * c_in * w..(r + 1) * c_in * w].chunks_mut(w);
                    for (reference, changes) in &ins {
                        let (lo, hi, values) = &changes[j];
                        let span = hi - lo + 1;
                        for ch in 0..reference.channels {
                            let row = rows.next().expect("c_in rows");
                            let reference_row = &reference.data[ch * t_in..(ch + 1) * t_in];
                            let changed_row = &values[ch * span..(ch + 1) * span];
                            fill_window(row, start, reference_row, *lo, changed_row, stage.pad_value);
                        }
                    }
                }
                let outs = if stage.max_pool {
                    vec![max_pool(stage, &x, group.len(), c_in, w)]
                } else {
                    graph.run(&x, group.len(), &[c_in, w])?
                };
                for (k, out) in outs.into_iter().enumerate().take(stage.outputs.len()) {
                    let (c_out, got) = (out.shape[1], out.shape[2]);
                    for (r, &j) in group.iter().enumerate() {
                        let (t0, t1) = (plans[j].0, plans[j].1);
                        if got != t1 - t0 + 1 {
                            return Err(Error::Mismatch(format!(
                                "incremental mutagenesis: stage {s} gave {got} outputs for a window meant for {}",
                                t1 - t0 + 1
                            )));
                        }
                        next[k][j] = (t0, t1, out.data[r * c_out * got..(r + 1) * c_out * got].to_vec());
                    }
                }
                passes += group.len();
                bases += group.len() * w;
            }
        }
        changed.retain(|name, _| last_read.get(name).is_some_and(|&last| last > s) || *name == output);
        for (name, values) in stage.outputs.iter().zip(next) {
            changed.insert(name.as_str(), values);
        }
    }
    let out = changed.remove(output).ok_or_else(|| Error::Mismatch(format!("no stage computed '{output}'")))?;
    Ok((out, passes, bases))
}

/// A bare max-pool stage ([`StageProto::max_pool`]) over `n` windows `[c, w]`, padded as the
/// stage's graph would read them (−∞): output `t` of a row is the max of inputs `t·s + j·d`,
/// `j < kernel`. The same values as the graph's `MaxPool`, which has no pads left.
fn max_pool(stage: &StageProto, x: &[f32], n: usize, c: usize, w: usize) -> crate::runtime::HostTensor {
    let (k, s, d) = (stage.kernel, stage.stride, stage.dilation);
    let t = (w - (k - 1) * d - 1) / s + 1;
    let mut data = Vec::with_capacity(n * c * t);
    for row in x.chunks_exact(w) {
        data.extend((0..t).map(|o| (0..k).map(|j| row[o * s + j * d]).fold(f32::NEG_INFINITY, f32::max)));
    }
    crate::runtime::HostTensor { shape: vec![n, c, t], data }
}

/// One channel of a stage's input window: `row[i]` is the value at position `start + i`, which is
/// `pad` outside `0..reference.len()`, `changed[pos − lo]` over the changed span `lo..lo +
/// changed.len()`, and `reference[pos]` elsewhere. Copied span by span: element by element, with
/// a bounds test and a span test for each, it took 9 % of a 1 kb scan in V8.
fn fill_window(row: &mut [f32], start: isize, reference: &[f32], lo: usize, changed: &[f32], pad: f32) {
    let (len, width) = (reference.len() as isize, row.len() as isize);
    // The row's indices that fall inside the sequence, [first, end).
    let first = (-start).clamp(0, width) as usize;
    let end = (len - start).clamp(0, width) as usize;
    row[..first].fill(pad);
    row[end.max(first)..].fill(pad);
    if first >= end {
        return;
    }
    let (from, to) = ((start + first as isize) as usize, (start + end as isize) as usize);
    row[first..end].copy_from_slice(&reference[from..to]);
    let (a, b) = (lo.max(from), (lo + changed.len()).min(to));
    if a < b {
        let at = (a as isize - start) as usize;
        row[at..at + b - a].copy_from_slice(&changed[a - lo..b - lo]);
    }
}

/// The multiply-adds of each path for a substitution at input position `p`, as costs to compare
/// them by: incremental (each stage over the window its changed outputs read) and the whole
/// trunk over a window `width` positions wide.
pub fn work(stages: &[Stage], acts: &Activations, input: &str, p: usize, width: usize) -> (f64, f64) {
    let mut spans: HashMap<&str, (usize, usize)> = HashMap::from([(input, (p, p))]);
    let mut widths: HashMap<&str, usize> = HashMap::from([(input, width)]);
    let (mut incremental, mut windowed) = (0.0, 0.0);
    for (stage, _) in stages {
        let weight = (stage.input_channels()
            * stage.outputs.iter().map(|o| acts[o].channels).sum::<usize>()
            * stage.kernel) as f64;
        let lo = stage.inputs.iter().map(|(x, _)| spans[x.as_str()].0).min().expect("an input");
        let hi = stage.inputs.iter().map(|(x, _)| spans[x.as_str()].1).max().expect("an input");
        let (t0, t1) = stage.affected(lo, hi, acts[&stage.outputs[0]].len);
        incremental += stage.window(t0, t1).1 as f64 * weight;
        let w = stage.inputs.iter().map(|(x, _)| widths[x.as_str()]).max().expect("an input");
        windowed += w as f64 * weight;
        for o in &stage.outputs {
            spans.insert(o, (t0, t1));
            widths.insert(o, stage.output_len(w).max(1));
        }
    }
    (incremental, windowed)
}

#[cfg(test)]
mod tests {
    use super::fill_window;

    /// `fill_window` against its definition, element by element, over windows that start before
    /// the sequence, end after it, lie wholly outside it, and changed spans cut by the window.
    #[test]
    fn fill_window_copies_the_window_its_docs_define() {
        let reference: Vec<f32> = (0..12).map(|i| i as f32).collect();
        let pad = -1.0;
        for start in -8isize..16 {
            for width in [1usize, 3, 7, 20] {
                for (lo, span) in [(0usize, 1usize), (3, 4), (9, 3), (11, 1)] {
                    let changed: Vec<f32> = (0..span).map(|i| 100.0 + i as f32).collect();
                    let mut row = vec![f32::NAN; width];
                    fill_window(&mut row, start, &reference, lo, &changed, pad);
                    let want: Vec<f32> = (0..width)
                        .map(|i| {
                            let pos = start + i as isize;
                            if pos < 0 || pos >= reference.len() as isize {
                                pad
                            } else if (lo..lo + span).contains(&(pos as usize)) {
                                changed[pos as usize - lo]
                            } else {
                                reference[pos as usize]
                            }
                        })
                        .collect();
                    assert_eq!(row, want, "start {start}, width {width}, changed {lo}..{}", lo + span);
                }
            }
        }
    }
}
