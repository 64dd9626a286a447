//! Fast mutagenesis of two-segment models (promoter + distal, [`crate::segments`]): each segment
//! runs through a trunk of its own, pooled, and only then do the segments meet, in a `Concat` of
//! their features that the head reads. A substitution in one segment therefore changes that
//! segment's features only.
//!
//! [`cut`] splits the graph into one single-trunk model per segment (the segment's bases → its
//! trunk → its pool → the features it hands to the `Concat`) and the joint head (the concatenated
//! features → the prediction). A scan of segment `s` is then the single-trunk scan of
//! [`crate::ism`] (windowed or incremental, with their self-checks) on a model built for the item
//! by [`segment_model`], in which
//! - the head sees the other segments' features fixed at the item's reference, and
//! - a full forward pass (the naive path, and the checks against it) is the whole model with the
//!   other segments' bases fixed,
//!
//! so every effect is the whole model's, exactly as the joined naive scan computes it.

use std::collections::HashMap;
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::graph::{self, named};
use crate::model::{Model, SplitGraphs};
use crate::proto::{self as pb, ModelProto, NodeProto};
use crate::runtime::{Backend, Graph, HostTensor};
use crate::segments::Segment;

/// A two-segment graph cut at the `Concat` where its segments meet.
pub struct Cut {
    /// Per segment: the model from its bases (the graph input, `[N, 4, length]`) to the features
    /// it hands to the `Concat`, and that tensor's name.
    pub segments: Vec<(ModelProto, String)>,
    /// From the concatenated features (`[N, ΣC]`, the `Concat`'s output) to the prediction.
    pub head: ModelProto,
}

/// Cuts `proto` (input `input` holding `segments` side by side along its length, output
/// `output`), or says why the graph has another form: each segment must be one `Slice` of the
/// input along its length, and the first node that reads more than one segment a `Concat` of
/// per-segment tensors along axis 1, in segment order, which the output reaches the segments
/// through.
pub fn cut(proto: &ModelProto, input: &str, output: &str, segments: &[Segment]) -> std::result::Result<Cut, String> {
    let g = proto.graph.as_ref().ok_or("no graph")?;
    let n = segments.len();
    let readers: Vec<&NodeProto> = g.node.iter().filter(|nd| nd.input.iter().any(|i| i == input)).collect();
    // Which segments each tensor depends on (a bit each); constants depend on none.
    let mut depends: HashMap<&str, u32> = HashMap::new();
    let mut slices = vec![None; n];
    for node in &readers {
        let range = slice_range(proto, node).ok_or_else(|| {
            format!("the input is read by {} node '{}', not by one Slice of each segment", node.op_type, node.name)
        })?;
        let s = segments
            .iter()
            .position(|seg| (seg.offset as i64, (seg.offset + seg.length) as i64) == range)
            .ok_or_else(|| format!("Slice node '{}' reads {}..{}, which is no segment", node.name, range.0, range.1))?;
        if slices[s].replace(node.output[0].clone()).is_some() {
            return Err(format!("the {} segment is sliced twice", segments[s].name));
        }
        depends.insert(node.output[0].as_str(), 1 << s);
    }
    if slices.iter().any(Option::is_none) {
        return Err("a segment is not read through a Slice of its own".into());
    }
    let mut concat = None;
    for node in &g.node {
        if readers.iter().any(|r| std::ptr::eq(*r, node)) {
            continue;
        }
        let mask = node.input.iter().fold(0, |m, i| m | depends.get(i.as_str()).copied().unwrap_or(0));
        if mask.count_ones() > 1 && concat.is_none() {
            let per_segment: Vec<u32> =
                node.input.iter().map(|i| depends.get(i.as_str()).copied().unwrap_or(0)).collect();
            let in_order = per_segment.iter().enumerate().all(|(s, &m)| m == 1 << s);
            if node.op_type != "Concat"
                || graph::attr_int(node, "axis") != Some(1)
                || per_segment.len() != n
                || !in_order
            {
                return Err(format!(
                    "the segments first meet in {} node '{}', not in a Concat of their features along axis 1",
                    node.op_type, node.name
                ));
            }
            concat = Some(node);
        }
        for o in &node.output {
            depends.insert(o.as_str(), mask);
        }
    }
    let concat = concat.ok_or("the segments never meet")?;
    let joined = concat.output[0].as_str();
    // The head reads the segments only through the Concat.
    let head_nodes: Vec<usize> = graph::ancestors_until(g, &[output], joined);
    for &i in &head_nodes {
        for inp in &g.node[i].input {
            let from_head = head_nodes.iter().any(|&j| g.node[j].output.contains(inp));
            if inp != joined && !from_head && depends.get(inp.as_str()).copied().unwrap_or(0) != 0 {
                return Err(format!("head node '{}' reads '{inp}' past the Concat of the segments", g.node[i].name));
            }
        }
    }
    let x = g.input.iter().find(|v| v.name == input).ok_or_else(|| format!("no input '{input}'"))?;
    let out = g.output.iter().find(|v| v.name == output).ok_or_else(|| format!("no output '{output}'"))?;
    let mut parts = Vec::new();
    for (s, seg) in segments.iter().enumerate() {
        let features = concat.input[s].clone();
        // The segment's Slice goes: what read its output reads the input, the segment's bases.
        let sliced = slices[s].as_deref().expect("checked");
        let mut nodes: Vec<NodeProto> = graph::ancestors(g, &[features.as_str()])
            .into_iter()
            .map(|i| g.node[i].clone())
            .filter(|nd| nd.output.first().map(String::as_str) != Some(sliced))
            .collect();
        for name in nodes.iter_mut().flat_map(|nd| nd.input.iter_mut()).filter(|name| *name == sliced) {
            *name = input.to_string();
        }
        let mut x_s = x.clone();
        set_last_dim(&mut x_s, seg.length as i64);
        parts.push((graph::model_of(proto, nodes, vec![x_s], vec![named(&features)]), features));
    }
    let head = graph::model_of(
        proto,
        head_nodes.iter().map(|&i| g.node[i].clone()).collect(),
        vec![named(joined)],
        vec![out.clone()],
    );
    Ok(Cut { segments: parts, head })
}

fn set_last_dim(v: &mut pb::ValueInfoProto, len: i64) {
    if let Some(pb::type_proto::Value::TensorType(t)) = v.r#type.as_mut().and_then(|t| t.value.as_mut())
        && let Some(last) = t.shape.as_mut().and_then(|s| s.dim.last_mut())
    {
        last.value = Some(pb::tensor_shape_proto::dimension::Value::DimValue(len));
    }
}

/// `start..end` of a `Slice` of the last axis (axis 2 of `[N, 4, L]`) with constant bounds and
/// step 1, or `None`.
fn slice_range(proto: &ModelProto, node: &NodeProto) -> Option<(i64, i64)> {
    if node.op_type != "Slice" {
        return None;
    }
    let ints = |k: usize| graph::tensor_i64(graph::initializer(proto, node.input.get(k).filter(|s| !s.is_empty())?)?);
    let (starts, ends) = (ints(1)?, ints(2)?);
    let ([start], [end]) = (starts.as_slice(), ends.as_slice()) else { return None };
    let axes_ok = matches!(ints(3).as_deref(), Some([2] | [-1]));
    let step_ok = node.input.get(4).is_none_or(|s| s.is_empty()) || matches!(ints(4).as_deref(), Some([1]));
    (axes_ok && step_ok).then_some((*start, *end))
}

/// A two-segment model's graphs for fast mutagenesis: per segment, its single-trunk split
/// (trunk, stages, pool → its features), and the joint head.
pub struct SegmentTrunks {
    pub parts: Vec<SplitGraphs>,
    pub head: Box<dyn Graph>,
}

impl SegmentTrunks {
    /// Cuts and splits a two-segment graph, or says why fast mutagenesis does not apply to it.
    pub fn load(
        proto: &ModelProto,
        input: &str,
        output: &str,
        segments: &[Segment],
        backend: &dyn Backend,
    ) -> Result<std::result::Result<SegmentTrunks, String>> {
        let cut = match cut(proto, input, output, segments) {
            Ok(c) => c,
            Err(reason) => {
                return Ok(Err(format!("a two-segment model whose graph cannot be cut per segment: {reason}")));
            }
        };
        let mut parts = Vec::new();
        for ((seg_proto, features), seg) in cut.segments.iter().zip(segments) {
            match graph::split(seg_proto, input, features) {
                Ok(split) => parts.push(SplitGraphs::load(split, input, backend)?),
                Err(reason) => return Ok(Err(format!("the {} segment's trunk: {reason}", seg.name))),
            }
        }
        Ok(Ok(SegmentTrunks { parts, head: backend.graph(cut.head, true)? }))
    }

    /// Segment `s`'s features `[C_s]` for its one-hot bases `x` `[4, length]`: its trunk, the
    /// mean over positions (as the fast path pools), and its pool's own head.
    fn features(&self, s: usize, x: &[f32], length: usize) -> Result<Vec<f32>> {
        let split = &self.parts[s];
        let out = split.trunk.run(x, 1, &[4, length])?.remove(0);
        let (_, features) = crate::ism::pool_and_head(split, &out.data, out.shape[1], out.shape[2])?;
        Ok(features)
    }
}

/// The single-trunk model segment `s` of `model`'s joined one-hot input `x` (`[4, L]`) is
/// scanned with: input the segment's bases (`[4, length]`), the other segments fixed at `x`.
pub fn segment_model(model: &Model, trunks: &Rc<SegmentTrunks>, s: usize, x: &[f32]) -> Result<Model> {
    let seg = &model.segments[s];
    let own = |o: &Segment| columns(x, model.length, o.offset, o.length);
    let mut before = Vec::new();
    let mut after = Vec::new();
    for (o, other) in model.segments.iter().enumerate().filter(|&(o, _)| o != s) {
        let f = trunks.features(o, &own(other), other.length)?;
        if o < s { before.extend(f) } else { after.extend(f) }
    }
    let split = &trunks.parts[s];
    let part = |which| -> Box<dyn Graph> { Box::new(Part { trunks: trunks.clone(), s, which }) };
    let derived = SplitGraphs {
        trunk: part(Which::Trunk),
        stages: match &split.stages {
            Ok(stages) => {
                Ok(stages.iter().enumerate().map(|(i, (proto, _))| (proto.clone(), part(Which::Stage(i)))).collect())
            }
            Err(reason) => Err(reason.clone()),
        },
        trunk_input: split.trunk_input.clone(),
        trunk_output: split.trunk_output.clone(),
        trunk_valid: split.trunk_valid.as_ref().map(|_| part(Which::TrunkValid)),
        head: Box::new(FixedHead { trunks: trunks.clone(), s, before, after }),
        field: split.field,
    };
    Ok(Model {
        manifest: model.manifest.clone(),
        length: seg.length,
        segments: vec![Segment { offset: 0, ..seg.clone() }],
        outputs: model.outputs,
        n_value: model.n_value,
        inference: Rc::new(FixedForward {
            whole: model.inference.clone(),
            x: x.to_vec(),
            length: model.length,
            offset: seg.offset,
            part: seg.length,
        }),
        split: Some(derived),
        split_error: None,
        segment_trunks: None,
        attribution: None,
        fast_path: model.fast_path,
        first_conv: None,
        attention: Err("not for a segment's scan".into()),
    })
}

/// Columns `offset..offset + len` of a `[4, l]` row.
fn columns(x: &[f32], l: usize, offset: usize, len: usize) -> Vec<f32> {
    (0..4).flat_map(|ch| x[ch * l + offset..ch * l + offset + len].iter().copied()).collect()
}

#[derive(Clone, Copy)]
enum Which {
    Trunk,
    TrunkValid,
    Stage(usize),
}

/// One of segment `s`'s graphs, shared by every scan of the model.
struct Part {
    trunks: Rc<SegmentTrunks>,
    s: usize,
    which: Which,
}

impl Graph for Part {
    fn run(&self, x: &[f32], n: usize, sample: &[usize]) -> Result<Vec<HostTensor>> {
        let split = &self.trunks.parts[self.s];
        match self.which {
            Which::Trunk => split.trunk.run(x, n, sample),
            Which::TrunkValid => split.trunk_valid.as_ref().expect("loaded with it").run(x, n, sample),
            Which::Stage(i) => split.stages.as_ref().expect("loaded with them")[i].1.run(x, n, sample),
        }
    }
}

/// Segment `s`'s pool → its features, joined with the other segments' fixed features, → the
/// joint head: the head a single-trunk scan of segment `s` runs on its pooled features.
struct FixedHead {
    trunks: Rc<SegmentTrunks>,
    s: usize,
    before: Vec<f32>,
    after: Vec<f32>,
}

impl Graph for FixedHead {
    fn run(&self, x: &[f32], n: usize, sample: &[usize]) -> Result<Vec<HostTensor>> {
        let own = self.trunks.parts[self.s].head.run(x, n, sample)?.remove(0).data;
        if own.len() % n.max(1) != 0 {
            return Err(Error::Mismatch(format!("the {}-th segment's features do not split into {n} rows", self.s)));
        }
        let c = own.len() / n.max(1);
        let width = self.before.len() + c + self.after.len();
        let mut joined = Vec::with_capacity(n * width);
        for row in own.chunks(c) {
            joined.extend_from_slice(&self.before);
            joined.extend_from_slice(row);
            joined.extend_from_slice(&self.after);
        }
        self.trunks.head.run(&joined, n, &[width])
    }
}

/// The whole model on `[n, 4, part]` bases of one segment, the other segments' bases fixed at `x`.
struct FixedForward {
    whole: Rc<dyn Graph>,
    /// The joined one-hot input `[4, length]`.
    x: Vec<f32>,
    length: usize,
    offset: usize,
    part: usize,
}

impl Graph for FixedForward {
    fn run(&self, xs: &[f32], n: usize, _sample: &[usize]) -> Result<Vec<HostTensor>> {
        let (l, p) = (self.length, self.part);
        let mut joined = Vec::with_capacity(n * 4 * l);
        for row in xs.chunks(4 * p).take(n) {
            let start = joined.len();
            joined.extend_from_slice(&self.x);
            for ch in 0..4 {
                joined[start + ch * l + self.offset..start + ch * l + self.offset + p]
                    .copy_from_slice(&row[ch * p..(ch + 1) * p]);
            }
        }
        self.whole.run(&joined, n, &[4, l])
    }
}
