//! Attention maps: for a model with a self-attention block (the trainer's `cnn-attention` preset,
//! or any graph with scaled dot-product attention), the attention weights over the model's
//! positions, per head and averaged over heads, with each position mapped back to the input bases
//! it stands for.
//!
//! **Where the weights are.** An attention block computes `softmax(Q·Kᵀ/√d)` over the key axis and
//! multiplies the values by it. At load time [`find`] looks for that pattern in the inference
//! graph — a `Softmax` whose output is the first operand of a `MatMul` — and [`AttentionGraph`]
//! is the inference graph cut to end at those softmax outputs (declared as its outputs), so the
//! exported model stays as the trainer wrote it (its SHA-256 in the manifest still holds) and any
//! backend runs the cut graph; its ops are a subset of the inference graph's, which passed the
//! predictor's allow-list. Row `i` of a head's map is query position `i`, column `j` key
//! position `j`; each row sums to 1.
//!
//! **Positions in bases.** The block attends over the positions of the convolution stack before
//! it, after its pools: position `t` of a stack with cumulative stride `S` (the product of the
//! strides of its convolutions and pools) stands for the `S` bases `t·S .. t·S + S − 1` of the
//! model window, and reads the receptive field `t·S + lo ..= t·S + hi`
//! ([`crate::geometry::Field`], read from the graph's attributes as fast mutagenesis reads it).

use std::collections::HashMap;

use regula_core::length::{Fitting, LengthPolicy};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::geometry::Field;
use crate::graph::{POINTWISE_BINARY, per_position, sliding};
use crate::model::Model;
use crate::proto::{ModelProto, NodeProto};
use crate::runtime::{Backend, Graph};

/// What an attention weight is, for every display of one.
pub const VALUE: &str = "attention weight: the share of a query position's attention that goes to each key position (softmax over the keys; each row sums to 1)";

/// Why a model has no attention map, when its graph has no attention block.
pub const NO_ATTENTION: &str = "this model has no attention block (no Softmax whose weights multiply the values in a MatMul), so there is no attention map to show; models trained with the cnn-attention preset have one";

/// The inference graph cut at the attention weights of each attention block, in graph order.
pub struct AttentionGraph {
    pub graph: Box<dyn Graph>,
    /// The softmax outputs, one per attention block (layer), in graph order.
    pub layers: Vec<String>,
    /// The axis each softmax normalises (checked to be the keys', the last, when it runs).
    pub axes: Vec<i64>,
    /// Receptive field of the positions the blocks attend over.
    pub field: Field,
}

/// Where the attention weights of a graph are, before a backend runs them.
#[derive(Clone, Debug)]
pub struct AttentionSite {
    pub graph: ModelProto,
    pub layers: Vec<String>,
    pub axes: Vec<i64>,
    pub field: Field,
}

/// Finds the attention blocks of `proto` (the inference graph, input `input`): `Ok(None)` if it
/// has none, an error saying why when it has some whose positions cannot be mapped to bases.
pub fn find(proto: &ModelProto, input: &str) -> std::result::Result<Option<AttentionSite>, String> {
    let g = proto.graph.as_ref().ok_or("no graph")?;
    let (layers, axes): (Vec<String>, Vec<i64>) = g
        .node
        .iter()
        .filter(|n| n.op_type == "Softmax")
        .filter_map(|n| n.output.first().map(|o| (o, softmax_axis(n))))
        .filter(|(o, _)| g.node.iter().any(|m| m.op_type == "MatMul" && m.input.first() == Some(*o)))
        .map(|(o, axis)| (o.clone(), axis))
        .unzip();
    if layers.is_empty() {
        return Ok(None);
    }
    let targets: Vec<&str> = layers.iter().map(String::as_str).collect();
    let nodes = crate::graph::ancestors(g, &targets);
    let field = positions_field(proto, input, &nodes)?;
    let graph = crate::graph::subgraph(proto, &nodes, input, &targets)?;
    Ok(Some(AttentionSite { graph, layers, axes, field }))
}

impl AttentionSite {
    pub fn load(self, backend: &dyn Backend) -> Result<AttentionGraph> {
        Ok(AttentionGraph {
            graph: backend.graph(self.graph, false)?,
            layers: self.layers,
            axes: self.axes,
            field: self.field,
        })
    }
}

/// The axis a Softmax normalises (opset 13 and later default to the last, -1).
fn softmax_axis(n: &NodeProto) -> i64 {
    n.attribute.iter().find(|a| a.name == "axis").map_or(-1, |a| a.i)
}

/// The receptive field of the positions the attention blocks read: the tensors that the
/// position-wise part of the graph (convolutions, pools, element-wise ops, from the input on)
/// hands to the first op that is not position-wise (a Transpose into `[N, T, C]`, say).
fn positions_field(proto: &ModelProto, input: &str, nodes: &[usize]) -> std::result::Result<Field, String> {
    let g = proto.graph.as_ref().ok_or("no graph")?;
    let inits: HashMap<&str, &crate::proto::TensorProto> = g.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut fields: HashMap<&str, Field> = HashMap::from([(input, Field::INPUT)]);
    let mut handed: Vec<Field> = Vec::new();
    for &i in nodes {
        let n = &g.node[i];
        let op = n.op_type.as_str();
        let ins: Vec<Option<Field>> = n.input.iter().map(|x| fields.get(x.as_str()).copied()).collect();
        if ins.iter().all(Option::is_none) {
            continue;
        }
        let weights_constant = ins[1..].iter().all(Option::is_none);
        let out = if per_position(op) && weights_constant {
            ins[0]
        } else if POINTWISE_BINARY.contains(&op)
            && n.input.iter().zip(&ins).all(|(name, f)| {
                f.is_some() || inits.get(name.as_str()).is_some_and(|t| t.dims.last().is_none_or(|&d| d == 1))
            })
        {
            ins.iter()
                .flatten()
                .copied()
                .try_fold(None::<Field>, |acc, f| match acc {
                    None => Some(Some(f)),
                    Some(a) => a.union(f).map(Some),
                })
                .flatten()
        } else if matches!(op, "Conv" | "MaxPool" | "AveragePool") && weights_constant && ins[0].is_some() {
            sliding(n, |name| inits.get(name).map(|t| t.dims.clone()))
                .ok()
                .map(|s| ins[0].expect("checked").slide(s.kernel, s.stride, s.dilation, s.pad_left))
        } else {
            None
        };
        match out {
            Some(f) => {
                for o in &n.output {
                    fields.insert(o, f);
                }
            }
            None => handed.extend(ins.into_iter().flatten()),
        }
    }
    let mut handed = handed.into_iter();
    let first = handed.next().ok_or("the attention block does not depend on the sequence")?;
    handed.try_fold(first, |acc, f| acc.union(f)).ok_or_else(|| {
        "the attention block reads positions of different strides, which cannot be mapped to bases".to_string()
    })
}

/// The attention map of one model window.
#[derive(Clone, Debug, Serialize)]
pub struct AttentionMap {
    /// Which attention block (0-based, in graph order) and how many the model has.
    pub layer: usize,
    pub layers: usize,
    pub heads: usize,
    /// Positions the block attends over (`T`).
    pub positions: usize,
    /// `[heads, T, T]`: row `i` (query position) over columns `j` (key positions); rows sum to 1.
    pub per_head: Vec<f32>,
    /// `[T, T]`: the mean over heads (rows still sum to 1).
    pub mean: Vec<f32>,
    /// Bases of the model window per position (the cumulative stride before the block).
    pub stride: usize,
    /// A position's receptive field relative to its first base: `lo ..= hi` (bases).
    pub receptive_field: [i64; 2],
    /// 0-based position in the given sequence of each position's first base (`window_start + t·stride`;
    /// negative, or past the end, where the window is padding).
    pub starts: Vec<isize>,
    /// The model window the map is of: its bases, where it starts in the sequence (negative
    /// where padding precedes it), which of how many windows the length policy cut, and what
    /// the policy did.
    pub bases: String,
    pub window_start: isize,
    pub window: usize,
    pub windows: usize,
    pub fitting: Fitting,
    /// How positions map to bases, in words.
    pub scale: String,
    /// What a value is ([`VALUE`]).
    pub value: &'static str,
}

/// The attention map of window `window` (0-based) of `seq` fitted by `policy`, for attention
/// block `layer`.
pub fn attention_map(
    model: &Model,
    seq: &[u8],
    policy: &LengthPolicy,
    window: usize,
    layer: usize,
) -> Result<AttentionMap> {
    let att = model.attention.as_ref().map_err(|reason| Error::Unsupported(reason.clone()))?;
    if model.segments.len() > 1 {
        return Err(Error::Unsupported(
            "attention maps are for models that read one sequence; this one reads a promoter and a distal sequence"
                .into(),
        ));
    }
    if layer >= att.layers.len() {
        return Err(Error::Input(format!(
            "attention block {} does not exist: the model has {} (numbered from 1)",
            layer + 1,
            att.layers.len()
        )));
    }
    let (windows, fitting) =
        regula_core::length::fit(seq, model.length, policy).map_err(|e| Error::Input(e.to_string()))?;
    let n_windows = windows.len();
    let w = windows.into_iter().nth(window).ok_or_else(|| {
        Error::Input(format!(
            "window {} does not exist: the length policy reads this {} bp sequence in {n_windows} window{}",
            window + 1,
            seq.len(),
            if n_windows == 1 { "" } else { "s" }
        ))
    })?;
    let out = att.graph.run(&model.encode(&w.bases), 1, &[4, model.length])?;
    let t = out.get(layer).ok_or_else(|| {
        Error::Mismatch(format!("the attention graph returned {} outputs, expected {}", out.len(), att.layers.len()))
    })?;
    let (heads, positions) = match t.shape.as_slice() {
        [1, h, a, b] if a == b => (*h, *a),
        [1, a, b] if a == b => (1, *a),
        other => {
            return Err(Error::Mismatch(format!(
                "the attention weights '{}' have shape {other:?}; expected [1, heads, T, T] or [1, T, T]",
                att.layers[layer]
            )));
        }
    };
    let axis = att.axes[layer];
    if axis != -1 && axis != t.shape.len() as i64 - 1 {
        return Err(Error::Unsupported(format!(
            "the softmax '{}' normalises axis {axis} of a {}-D tensor, not the last (the keys), so its values are not attention weights over positions",
            att.layers[layer],
            t.shape.len()
        )));
    }
    let s = att.field.stride.max(1) as usize;
    if positions * s > model.length {
        return Err(Error::Mismatch(format!(
            "the attention block attends over {positions} positions of {s} bases each, more than the model's {} bp",
            model.length
        )));
    }
    let tt = positions * positions;
    let mean: Vec<f32> =
        (0..tt).map(|k| ((0..heads).map(|h| t.data[h * tt + k] as f64).sum::<f64>() / heads as f64) as f32).collect();
    let (lo, hi) = (att.field.lo, att.field.hi);
    Ok(AttentionMap {
        layer,
        layers: att.layers.len(),
        heads,
        positions,
        per_head: t.data.clone(),
        mean,
        stride: s,
        receptive_field: [lo, hi],
        starts: (0..positions).map(|p| w.start + (p * s) as isize).collect(),
        bases: String::from_utf8_lossy(&w.bases).into_owned(),
        window_start: w.start,
        window,
        windows: n_windows,
        fitting,
        scale: format!(
            "position t (from 0) stands for bases t·{s}+1 … t·{s}+{s} of the {}-base model window ({s} bases per position: the stride of the convolutions and pools before the attention block); each position reads a receptive field of {} bases",
            model.length,
            hi - lo + 1
        ),
        value: VALUE,
    })
}
