//! Incremental saturation mutagenesis (as fastISM, Nair et al. 2022): the trunk is cut into
//! *stages*, each one sliding layer (convolution or pool) and the position-wise ops after it.
//! Every stage's output is kept for the reference sequence; for a substitution, each stage is
//! recomputed only over the outputs whose inputs changed, and those changed values are the next
//! stage's changed input. Where a substitution's window spans the whole input (the windowed path
//! of [`crate::geometry`] then saves nothing, as for the 230 bp MPRA models), this still skips most
//! of the work: the first layer runs on a kernel's width, each later one on a few outputs more.
//!
//! **Exactness.** A stage is run without its pads on an input window that this module pads
//! itself (zeros for a convolution, −∞ for a max pool), so output `t` of a window is output
//! `t0 + t` of the whole sequence whenever the window starts at `t0·stride − pad` and spans the
//! kernel — the single-layer case of the window lemma. A runtime self-check compares sampled
//! substitutions with full forward passes, as the windowed path does.
//!
//! Applies to trunks that are a chain (each stage reads only the previous stage's output): a
//! residual `Add`, a concatenation or a squeeze-excitation makes the trunk a DAG, and
//! [`cut_stages`] says so.

use std::collections::{HashMap, HashSet};

use crate::proto::{self as pb, ModelProto, NodeProto};

/// One stage, as cut from the trunk: its graph without pads, and its sliding geometry.
#[derive(Clone, Debug)]
pub struct StageProto {
    pub graph: ModelProto,
    pub kernel: usize,
    pub stride: usize,
    pub dilation: usize,
    pub pad_left: usize,
    pub pad_right: usize,
    /// What the stage's own pads held: 0 for a convolution, −∞ for a max pool.
    pub pad_value: f32,
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
}

/// Position-wise ops (as the graph splitter counts them), which join the stage before them.
fn pointwise(op: &str) -> bool {
    crate::graph::POINTWISE_UNARY.contains(&op)
        || crate::graph::POINTWISE_BINARY.contains(&op)
        || matches!(op, "BatchNormalization" | "Clip")
}

/// Cuts `trunk` (input `input` → output `output`, as [`crate::graph::split`] made it) into stages,
/// or says why it cannot.
pub fn cut_stages(trunk: &ModelProto, input: &str, output: &str) -> Result<Vec<StageProto>, String> {
    let g = trunk.graph.as_ref().ok_or("no graph")?;
    let inits: HashSet<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
    let constants: HashSet<&str> =
        g.node.iter().filter(|n| n.op_type == "Constant").flat_map(|n| n.output.iter().map(String::as_str)).collect();
    let is_const = |name: &str| name.is_empty() || inits.contains(name) || constants.contains(name);
    let mut stages: Vec<(Vec<usize>, String)> = Vec::new(); // nodes, stage input
    let mut current = input.to_string();
    for (i, n) in g.node.iter().enumerate() {
        if n.op_type == "Constant" {
            continue;
        }
        let data: Vec<&String> = n.input.iter().filter(|x| !is_const(x)).collect();
        if data.len() != 1 || *data[0] != current {
            return Err(format!(
                "the trunk is not a chain: {} node '{}' reads {:?} (incremental mutagenesis follows one tensor from layer to layer)",
                n.op_type, n.name, data
            ));
        }
        let op = n.op_type.as_str();
        if matches!(op, "Conv" | "MaxPool" | "AveragePool") {
            stages.push((vec![i], current.clone()));
        } else if pointwise(op) {
            match stages.last_mut() {
                Some((nodes, _)) => nodes.push(i),
                None => return Err(format!("the trunk starts with a {op} node before any convolution")),
            }
        } else {
            return Err(format!("the trunk has a {op} node ('{}')", n.name));
        }
        current = n.output.first().cloned().ok_or("a node without output")?;
    }
    if current != output {
        return Err(format!("the chain ends at '{current}', not at the trunk output '{output}'"));
    }
    let by_name: HashMap<&str, &pb::TensorProto> = g.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
    stages
        .into_iter()
        .map(|(nodes, stage_input)| {
            let first = &g.node[nodes[0]];
            let op = first.op_type.as_str();
            let crate::graph::Sliding { kernel, stride, dilation, pad_left, pad_right } =
                crate::graph::sliding(first, |name| by_name.get(name).map(|t| t.dims.clone()))?;
            if op == "AveragePool" && (pad_left, pad_right) != (0, 0) {
                return Err(format!("AveragePool node '{}' has pads", first.name));
            }
            let last = g.node[*nodes.last().expect("one node at least")].output[0].clone();
            let mut node_protos: Vec<NodeProto> = nodes.iter().map(|&i| g.node[i].clone()).collect();
            node_protos[0].attribute.retain(|a| a.name != "pads" && a.name != "auto_pad");
            let used: HashSet<String> = node_protos.iter().flat_map(|n| n.input.iter().cloned()).collect();
            // Constants the stage reads travel with it.
            let mut consts: Vec<NodeProto> = g
                .node
                .iter()
                .filter(|n| n.op_type == "Constant" && n.output.iter().any(|o| used.contains(o)))
                .cloned()
                .collect();
            consts.append(&mut node_protos);
            let graph = pb::GraphProto {
                node: consts,
                name: format!("{}-stage", g.name),
                initializer: g.initializer.iter().filter(|t| used.contains(&t.name)).cloned().collect(),
                input: vec![crate::graph::named(&stage_input)],
                output: vec![crate::graph::named(&last)],
                ..Default::default()
            };
            let as_usize =
                |v: i64| usize::try_from(v).map_err(|_| format!("{op} node '{}': negative size", first.name));
            Ok(StageProto {
                graph: ModelProto { graph: Some(graph), ..trunk.clone() },
                kernel: as_usize(kernel)?,
                stride: as_usize(stride)?,
                dilation: as_usize(dilation)?,
                pad_left: as_usize(pad_left)?,
                pad_right: as_usize(pad_right)?,
                pad_value: if op == "MaxPool" { f32::NEG_INFINITY } else { 0.0 },
            })
        })
        .collect()
}
