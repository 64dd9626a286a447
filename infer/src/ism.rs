//! Saturation mutagenesis: the model's prediction for every single-base substitution of a
//! sequence, as effects `alt − ref` in `[target, position, base]` layout (0 at the reference base).
//!
//! Two exact schemes share the scheduling, chunking and assembly:
//!
//! * **naive**: one full forward pass per substitution;
//! * **fast**: the inference graph is cut at its global average pool ([`crate::graph::split`]).
//!   The trunk runs once on the whole reference sequence; each substitution then reruns the trunk
//!   only on a stride-aligned window around it ([`crate::geometry::plan_windows`]), which
//!   reproduces the changed trunk outputs exactly (the window lemma in [`crate::geometry`]). The
//!   pooled features are updated as `(Σ_ref + Σ_{changed}(new − old)) / T` in f64 and only the
//!   head (pool → predictions) runs on them. Reference-base passes are skipped.
//!
//! Work proceeds in chunks of positions ([`IsmRun::step`]) so a Web Worker can report progress
//! and stop between chunks.

use regula_core::encode::channel;
use regula_core::length::{Fitting, LengthPolicy, Window, fit};
use regula_core::manifest::Strands;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::geometry::{IsmWindow, plan_valid_windows, plan_windows};
use crate::incremental;
use crate::model::Model;
use crate::segments::{self, SegmentFit};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Fast,
    Naive,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FastPath {
    Windowed,
    Incremental,
}

/// What saturation mutagenesis returns.
#[derive(Clone, Debug)]
pub struct IsmResult {
    /// The bases the substitutions were made in: the model window (`L` bases), or the whole
    /// sequence when it was tiled.
    pub bases: Vec<u8>,
    /// Position in the submitted sequence of `bases[0]` (negative where padding precedes it; 0
    /// when tiled).
    pub window_start: isize,
    pub fitting: Fitting,
    pub method: Method,
    /// How the fast method ran: the trunk on a window around each substitution, or each stage
    /// on the outputs a substitution changes ([`crate::incremental`]).
    pub fast_path: Option<FastPath>,
    /// Why fast was not used when it was asked for.
    pub fallback_reason: Option<String>,
    pub outputs: usize,
    /// Reference prediction per target, measured units.
    pub reference: Vec<f64>,
    /// `[outputs, L, 4]`: prediction with the substitution minus the reference, measured units.
    pub effects: Vec<f32>,
    /// Forward passes of the trunk (fast) or of the whole model (naive), and input bases they read.
    pub passes: usize,
    pub bases_computed: usize,
    /// Two-segment models: where each segment lies in `bases` (then `bases` is the joined model
    /// input, `window_start` 0 and `fitting` the summary of the segments' fittings).
    pub segments: Option<Vec<SegmentFit>>,
    /// The strands every prediction (reference and substitution) is made from.
    pub strands: Strands,
}

#[derive(Clone)]
struct Fast {
    /// Incremental mutagenesis ([`crate::incremental`]): the reference activations of every
    /// tensor the stages hand on, the one-hot input among them. When set, the trunk values below
    /// are the trunk output's.
    incremental: Option<incremental::Activations>,
    windows: Vec<Option<IsmWindow>>,
    /// Reference trunk output `[C, T]`.
    trunk: Vec<f32>,
    sum: Vec<f64>,
    channels: usize,
    t_len: usize,
    /// Head output at the reference pooled features.
    head_ref: Vec<f32>,
}

/// How much of a scan a run prepares: all of it, one part of a shared scan, or nothing (the
/// windows a merge fills from the parts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Share {
    Whole,
    Part { index: usize, parts: usize },
    Shells,
}

/// What one part of a shared scan computed ([`IsmRun::finish_part`]): raw model outputs, not yet
/// mapped to measured units, so that [`IsmRun::merge`] averages the strands as a whole scan does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IsmPart {
    pub index: usize,
    pub parts: usize,
    /// The windows this part prepared, by their index in the scan.
    pub windows: Vec<WindowPart>,
}

/// One window's share of a part.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowPart {
    pub window: usize,
    /// The window positions this part mutated.
    pub positions: Vec<usize>,
    /// `[positions, 4, outputs]`: raw outputs of every base at those positions (the reference
    /// base's is `base_raw`).
    pub raw: Vec<f32>,
    pub base_raw: Vec<f32>,
    pub reference_raw: Vec<f32>,
    pub method: Method,
    pub fast_path: Option<FastPath>,
    pub fallback_reason: Option<String>,
    pub passes: usize,
    pub bases_computed: usize,
}

/// Mutagenesis of one model window.
struct WindowRun {
    bases: Vec<u8>,
    window_start: isize,
    /// The indices of `bases` that are bases of the sequence (not padding or flanks).
    view: std::ops::Range<usize>,
    fitting: Fitting,
    x: Vec<f32>,
    fast: Option<Fast>,
    fallback_reason: Option<String>,
    /// Whether the reference passes were made ([`WindowRun::prepare`]): a part of a shared scan
    /// leaves the windows only other parts mutate as shells, and a merge fills them from the parts.
    prepared: bool,
    method: Method,
    fast_path: Option<FastPath>,
    reference_raw: Vec<f32>,
    /// The raw outputs effects are taken against: the head at the reference pooled features
    /// (fast) or the full forward pass (naive).
    base_raw: Vec<f32>,
    /// Raw alt outputs `[L, 4, outputs]`; reference bases hold `base_raw`.
    raw: Vec<f32>,
    /// The window positions to mutate, in order (all of them unless a range was asked for), and
    /// how many are done.
    todo: Vec<usize>,
    next: usize,
    passes: usize,
    bases_computed: usize,
}

impl WindowRun {
    /// The window's bases and encoding, no passes yet.
    fn shell(model: &Model, w: Window, fitting: Fitting) -> Self {
        let l = w.bases.len();
        WindowRun {
            x: model.encode(&w.bases),
            bases: w.bases,
            window_start: w.start,
            view: w.view,
            fitting,
            fast: None,
            fallback_reason: None,
            prepared: false,
            method: Method::Naive,
            fast_path: None,
            reference_raw: Vec::new(),
            base_raw: Vec::new(),
            raw: Vec::new(),
            todo: (0..l).collect(),
            next: 0,
            passes: 0,
            bases_computed: 0,
        }
    }

    /// The reference passes: the model's prediction, and for the fast method the trunk's
    /// reference values and the plan (windowed or incremental, self-checked), else the reason.
    fn prepare(&mut self, model: &Model, method: Method) -> Result<()> {
        let l = model.length;
        let x = &self.x;
        let reference_raw = model.forward(x, 1)?;
        let (fast, fallback_reason) = match (method, &model.split) {
            (Method::Naive, _) => (None, None),
            (Method::Fast, None) => (None, model.split_error.clone()),
            (Method::Fast, Some(split)) => {
                // The stages' reference activations hold the trunk output too, so where the
                // incremental path may run, the trunk is run once, stage by stage.
                let acts = stage_activations(model, split, x, l);
                let staged = acts.as_ref().and_then(|a| a.get(&split.trunk_output));
                let from_stages = staged.is_some();
                let fast = match staged {
                    Some(t) => windowed_plan(split, t.data.clone(), t.channels, t.len, l)?,
                    None => whole_trunk_plan(split, x, l)?,
                };
                match acts.map(|acts| with_incremental(model, split, &fast, acts, x, l)).transpose()?.flatten() {
                    Some(incremental) => (Some(incremental), None),
                    None => {
                        // The windowed plan checks itself against windows of the whole trunk's
                        // own run, as it would have without the stages.
                        let fast = if from_stages { whole_trunk_plan(split, x, l)? } else { fast };
                        match self_check(split, &fast, x, l) {
                            Ok(()) => (Some(fast), None),
                            Err(reason) => (None, Some(reason)),
                        }
                    }
                }
            }
        };
        let outputs = model.outputs;
        let base_raw = fast.as_ref().map_or_else(|| reference_raw.clone(), |f| f.head_ref.clone());
        self.raw = (0..l * 4).flat_map(|_| base_raw.iter().copied()).collect();
        debug_assert_eq!(self.raw.len(), l * 4 * outputs);
        self.method = if fast.is_some() { Method::Fast } else { Method::Naive };
        self.fast_path =
            fast.as_ref().map(|f| if f.incremental.is_some() { FastPath::Incremental } else { FastPath::Windowed });
        self.fast = fast;
        self.fallback_reason = fallback_reason;
        self.reference_raw = reference_raw;
        self.base_raw = base_raw;
        self.prepared = true;
        Ok(())
    }

    fn method(&self) -> Method {
        self.method
    }

    fn fast_path(&self) -> Option<FastPath> {
        self.fast_path
    }

    fn is_done(&self) -> bool {
        self.next >= self.todo.len()
    }

    /// The substitutions at position `p`: every base but the reference (all four at an `N`).
    fn alternatives(&self, p: usize) -> impl Iterator<Item = usize> + use<> {
        let r = channel(self.bases[p]);
        (0..4).filter(move |&b| Some(b) != r)
    }

    /// Computes up to `positions` more positions; returns how many it did.
    fn step(&mut self, model: &Model, positions: usize) -> Result<usize> {
        let end = (self.next + positions.max(1)).min(self.todo.len());
        let jobs: Vec<(usize, usize)> =
            self.todo[self.next..end].iter().flat_map(|&p| self.alternatives(p).map(move |b| (p, b))).collect();
        if self.fast.is_some() {
            self.step_fast(model, &jobs)?;
        } else {
            self.step_naive(model, &jobs)?;
        }
        let did = end - self.next;
        self.next = end;
        Ok(did)
    }

    fn step_naive(&mut self, model: &Model, jobs: &[(usize, usize)]) -> Result<()> {
        let l = self.bases.len();
        let t = model.outputs;
        let mut x = Vec::with_capacity(jobs.len() * 4 * l);
        for &(p, b) in jobs {
            let start = x.len();
            x.extend_from_slice(&self.x);
            mutate(&mut x[start..], l, p, b);
        }
        let y = model.forward(&x, jobs.len())?;
        for (j, &(p, b)) in jobs.iter().enumerate() {
            self.raw[(p * 4 + b) * t..(p * 4 + b + 1) * t].copy_from_slice(&y[j * t..(j + 1) * t]);
        }
        self.passes += jobs.len();
        self.bases_computed += jobs.len() * l;
        Ok(())
    }

    fn step_fast(&mut self, model: &Model, jobs: &[(usize, usize)]) -> Result<()> {
        if self.fast.as_ref().is_some_and(|f| f.incremental.is_some()) {
            let fast = self.fast.as_ref().expect("fast");
            let (pooled, passes, bases) = incremental_pooled(model, fast, jobs)?;
            self.passes += passes;
            self.bases_computed += bases;
            return self.head_step(model, jobs, pooled);
        }
        let fast = self.fast.as_ref().expect("fast");
        let split = model.split.as_ref().expect("split");
        let l = self.bases.len();
        let (c, tl) = (fast.channels, fast.t_len);
        // Group the substitutions by window kind and length (at most three groups).
        let mut groups: Vec<(WindowKind, Vec<Job>)> = Vec::new();
        for &(p, b) in jobs {
            let Some(w) = fast.windows[p] else { continue };
            match groups.iter_mut().find(|(key, _)| *key == (w.valid, w.len)) {
                Some((_, g)) => g.push((p, b, w)),
                None => groups.push(((w.valid, w.len), vec![(p, b, w)])),
            }
        }
        let mut pooled_all = Vec::new();
        let mut targets = Vec::new();
        // Sub-batches bound the memory of one trunk run whatever the chunk size.
        let batches = groups.iter().flat_map(|(kind, g)| g.chunks(TRUNK_BATCH).map(move |b| (*kind, b)));
        for ((valid, len), group) in batches {
            let trunk = if valid {
                split.trunk_valid.as_ref().expect("valid windows need the valid trunk")
            } else {
                &split.trunk
            };
            let mut x = vec![0.0f32; group.len() * 4 * len];
            for (j, &(p, b, w)) in group.iter().enumerate() {
                let row = &mut x[j * 4 * len..(j + 1) * 4 * len];
                for ch in 0..4 {
                    row[ch * len..(ch + 1) * len].copy_from_slice(&self.x[ch * l + w.start..ch * l + w.start + len]);
                }
                mutate(row, len, p - w.start, b);
            }
            let out = trunk.run(&x, group.len(), &[4, len])?.remove(0);
            let tw = out.shape[2];
            for (j, &(p, b, w)) in group.iter().enumerate() {
                let off = w.offset;
                let win = &out.data[j * c * tw..(j + 1) * c * tw];
                for ch in 0..c {
                    let mut delta = 0.0f64;
                    for tt in w.first..=w.last {
                        delta += win[ch * tw + tt - off] as f64 - fast.trunk[ch * tl + tt] as f64;
                    }
                    pooled_all.push(((fast.sum[ch] + delta) / tl as f64) as f32);
                }
                targets.push((p, b));
            }
            self.passes += group.len();
            self.bases_computed += group.len() * len;
        }
        if targets.is_empty() {
            return Ok(());
        }
        self.head_step(model, &targets, pooled_all)
    }

    /// Runs the head on the pooled features of `targets` (`[n, C]`) and stores their outputs.
    fn head_step(&mut self, model: &Model, targets: &[(usize, usize)], pooled_all: Vec<f32>) -> Result<()> {
        let split = model.split.as_ref().expect("split");
        let (c, t) = (self.fast.as_ref().expect("fast").channels, model.outputs);
        if targets.is_empty() {
            return Ok(());
        }
        let y = split.head.run(&pooled_all, targets.len(), &[c, 1])?.remove(0).data;
        if y.len() != targets.len() * t {
            return Err(Error::Mismatch(format!(
                "the head returned {} values for {} substitutions of {t} targets",
                y.len(),
                targets.len()
            )));
        }
        for (j, &(p, b)) in targets.iter().enumerate() {
            self.raw[(p * 4 + b) * t..(p * 4 + b + 1) * t].copy_from_slice(&y[j * t..(j + 1) * t]);
        }
        Ok(())
    }

    /// The result; with `reverse` (the same window's reverse-complement strand, run to the end),
    /// every raw output is the mean of the two strands' before it is mapped to measured units,
    /// as strand-averaged prediction does: substitution `(p, b)` here is `(L − 1 − p, 3 − b)` there.
    fn finish(self, model: &Model, reverse: Option<WindowRun>) -> Result<IsmResult> {
        let (l, t) = (self.bases.len(), model.outputs);
        let mut base_raw = self.base_raw.clone();
        let mut raw = self.raw.clone();
        let mut reference_raw = self.reference_raw.clone();
        let (mut passes, mut bases_computed) = (self.passes, self.bases_computed);
        let mut fallback_reason = self.fallback_reason.clone();
        let mut method = self.method();
        let mut fast_path = self.fast_path();
        if let Some(r) = &reverse {
            let mean = |a: &mut [f32], b: &[f32]| a.iter_mut().zip(b).for_each(|(x, y)| *x = 0.5 * (*x + y));
            mean(&mut base_raw, &r.base_raw);
            mean(&mut reference_raw, &r.reference_raw);
            for p in 0..l {
                for b in 0..4 {
                    let (i, j) = ((p * 4 + b) * t, ((l - 1 - p) * 4 + 3 - b) * t);
                    mean(&mut raw[i..i + t], &r.raw[j..j + t]);
                }
            }
            passes += r.passes;
            bases_computed += r.bases_computed;
            fallback_reason = fallback_reason.or(r.fallback_reason.clone());
            if r.method() == Method::Naive {
                method = Method::Naive;
            }
            if r.fast_path() != fast_path {
                fast_path = None;
            }
        }
        let ref_units = model.undo(&base_raw);
        let alt_units = model.undo(&raw);
        let mut effects = vec![0.0f32; t * l * 4];
        for p in 0..l {
            for b in 0..4 {
                for k in 0..t {
                    let i = (p * 4 + b) * t + k;
                    effects[k * l * 4 + p * 4 + b] =
                        if channel(self.bases[p]) == Some(b) { 0.0 } else { (alt_units[i] - ref_units[k]) as f32 };
                }
            }
        }
        Ok(IsmResult {
            reference: model.undo(&reference_raw),
            bases: self.bases,
            window_start: self.window_start,
            fitting: self.fitting,
            method,
            fast_path: if method == Method::Fast { fast_path } else { None },
            fallback_reason,
            outputs: t,
            effects,
            passes,
            bases_computed,
            segments: None,
            strands: if reverse.is_some() { Strands::Both } else { Strands::Forward },
        })
    }
}

/// A mutagenesis in progress: one model window, or every window of a tiled sequence.
///
/// For a tiled sequence a substitution's effect is the mean of its effects in the windows that
/// contain it ([`crate::variants::EFFECT_AGGREGATION`], the same as variant scoring), and the
/// result covers every base of the sequence; `reference` is the tiled prediction (the mean over
/// all windows, as in [`crate::predict`]).
pub struct IsmRun {
    seq: Vec<u8>,
    fitting: Fitting,
    /// The forward windows, then (strand-averaged) the reverse complement of each, in order.
    windows: Vec<WindowRun>,
    strands: usize,
    current: usize,
    segments: Option<Vec<SegmentFit>>,
    /// A two-segment model scanned fast: window `i` (segment `i`) steps on this single-trunk
    /// model ([`crate::segment_trunks::segment_model`]) instead of the model itself.
    segment_models: Vec<Option<Model>>,
}

impl IsmRun {
    /// Prepares mutagenesis of `seq` fitted to the model by `policy`.
    pub fn new(model: &Model, seq: &[u8], policy: &LengthPolicy, method: Method) -> Result<Self> {
        Self::with_strands(model, seq, policy, method, false)
    }

    /// [`IsmRun::new`], and with `rc_average` every prediction (reference and each substitution)
    /// is the mean over both strands, as strand-averaged prediction is: each window is mutated on
    /// its reverse complement too.
    pub fn with_strands(
        model: &Model,
        seq: &[u8],
        policy: &LengthPolicy,
        method: Method,
        rc_average: bool,
    ) -> Result<Self> {
        Self::build(model, &[seq.to_vec()], std::slice::from_ref(policy), method, rc_average, Share::Whole)
    }

    /// [`IsmRun::new_item`], and with `rc_average` the mean over both strands for a one-segment
    /// model ([`IsmRun::with_strands`]). A two-segment model's scan reads the forward strand
    /// (its result's `strands` says so).
    pub fn new_item_strands(
        model: &Model,
        item: &[Vec<u8>],
        policies: &[LengthPolicy],
        method: Method,
        rc_average: bool,
    ) -> Result<Self> {
        Self::build(model, item, policies, method, rc_average, Share::Whole)
    }

    /// Part `index` of `parts` of [`IsmRun::new_item_strands`]'s scan, for workers that share it:
    /// the scan's substitutions, window by window (the forward strand's windows, then the
    /// reverse strand's), cut into `parts` runs of equal length. A part prepares only the
    /// windows it mutates (the reference passes and self-checks), so two parts of a
    /// strand-averaged scan of one window each prepare one strand. [`IsmRun::finish_part`] gives
    /// what it computed, and [`IsmRun::merge`] joins the parts into the scan's result, exactly.
    pub fn part_of(
        model: &Model,
        item: &[Vec<u8>],
        policies: &[LengthPolicy],
        method: Method,
        rc_average: bool,
        (index, parts): (usize, usize),
    ) -> Result<Self> {
        if parts == 0 || index >= parts {
            return Err(Error::Input(format!("part {index} of {parts}: expected 0 <= index < parts")));
        }
        Self::build(model, item, policies, method, rc_average, Share::Part { index, parts })
    }

    /// Prepares mutagenesis of an item (one sequence per model segment, each fitted by its
    /// policy). A two-segment model is mutated over its joined window, every base of both
    /// segments: fast, each segment through its own trunk with the other segment fixed
    /// ([`crate::segment_trunks`]), else (naive, or a graph that cannot be cut per segment) an
    /// exact forward pass per substitution, batched.
    pub fn new_item(model: &Model, item: &[Vec<u8>], policies: &[LengthPolicy], method: Method) -> Result<Self> {
        Self::build(model, item, policies, method, false, Share::Whole)
    }

    /// The windows of the scan (shells), their positions to mutate, then the preparation of
    /// those `share` asks for.
    fn build(
        model: &Model,
        item: &[Vec<u8>],
        policies: &[LengthPolicy],
        method: Method,
        rc_average: bool,
        share: Share,
    ) -> Result<Self> {
        segments::check_count(&model.segments, item.len(), "the input")?;
        let mut run = if model.segments.len() == 1 {
            let seq = &item[0];
            let (windows, fitting) = fit(seq, model.length, &policies[0]).map_err(|e| Error::Input(e.to_string()))?;
            let mut runs: Vec<WindowRun> =
                windows.iter().map(|w| WindowRun::shell(model, w.clone(), fitting.clone())).collect();
            if rc_average {
                runs.extend(windows.iter().map(|w| WindowRun::shell(model, w.reverse_complement(), fitting.clone())));
            }
            if windows.len() > 1 {
                // Tiled: only the bases of the sequence count (not the flanks around a flanked tile).
                for run in &mut runs {
                    let view = run.view.clone();
                    run.todo.retain(|p| view.contains(p));
                }
            }
            IsmRun {
                seq: seq.to_vec(),
                fitting,
                windows: runs,
                strands: if rc_average { 2 } else { 1 },
                current: 0,
                segments: None,
                segment_models: Vec::new(),
            }
        } else {
            let (joined, fits) = segments::fit_item(&model.segments, item, policies)?;
            let fitting = segments::summary(&fits);
            let windows = match (&model.segment_trunks, method) {
                (Some(_), Method::Fast) => model
                    .segments
                    .iter()
                    .map(|seg| {
                        let bases = joined[seg.offset..seg.offset + seg.length].to_vec();
                        let window = Window { bases, start: seg.offset as isize, view: 0..seg.length };
                        WindowRun::shell(model, window, fitting.clone())
                    })
                    .collect(),
                _ => {
                    let window = Window { bases: joined.clone(), start: 0, view: 0..joined.len() };
                    vec![WindowRun::shell(model, window, fitting.clone())]
                }
            };
            IsmRun {
                seq: joined,
                fitting,
                windows,
                strands: 1,
                current: 0,
                segments: Some(fits),
                segment_models: Vec::new(),
            }
        };
        if let Share::Part { index, parts } = share {
            run.keep_part(index, parts);
        }
        if share != Share::Shells {
            run.prepare(model, method, share == Share::Whole)?;
        }
        Ok(run)
    }

    /// Keeps part `index` of `parts` of the substitutions to make, in window order.
    fn keep_part(&mut self, index: usize, parts: usize) {
        let total: usize = self.windows.iter().map(|w| w.todo.len()).sum();
        let (from, to) = (index * total / parts, (index + 1) * total / parts);
        let mut at = 0;
        for w in &mut self.windows {
            let n = w.todo.len();
            let (a, b) = (from.clamp(at, at + n) - at, to.clamp(at, at + n) - at);
            w.todo = w.todo[a..b].to_vec();
            at += n;
        }
    }

    /// Prepares every window with substitutions to make (every window of a whole scan).
    fn prepare(&mut self, model: &Model, method: Method, whole: bool) -> Result<()> {
        let x = (self.segments.is_some() && model.segment_trunks.is_some() && method == Method::Fast)
            .then(|| model.encode(&self.seq));
        for (i, w) in self.windows.iter_mut().enumerate() {
            if !whole && w.todo.is_empty() {
                continue;
            }
            match (&x, &model.segment_trunks) {
                (Some(x), Some(trunks)) => {
                    // a two-segment model scanned fast: each segment on its own trunk
                    let part = crate::segment_trunks::segment_model(model, trunks, i, x)?;
                    w.prepare(&part, method)?;
                    self.segment_models.resize_with(i + 1, || None);
                    self.segment_models[i] = Some(part);
                }
                _ => w.prepare(model, method)?,
            }
        }
        Ok(())
    }

    /// Positions per [`IsmRun::step`] that keep the engine efficient and a caller responsive:
    /// the fast paths run substitutions in trunk batches of [`TRUNK_BATCH`], so a step of a
    /// batch's positions fills one (a worker's step of 6 positions took 5 % longer per scan in
    /// Node, hepg2-legnet-fast); naive passes gain nothing from larger steps (hepg2-legnet, 4 to
    /// 32 positions alike), so they step by [`NAIVE_STEP_POSITIONS`], about 0.1 s of a LegNet in a
    /// browser, which is how soon a cancel or a progress report gets in.
    pub fn step_positions(&self) -> usize {
        match self.method() {
            Method::Fast => TRUNK_BATCH / 3,
            Method::Naive => NAIVE_STEP_POSITIONS,
        }
    }

    /// Fast, unless any (prepared) window fell back to naive.
    pub fn method(&self) -> Method {
        let fast = self.windows.iter().filter(|w| w.prepared).all(|w| w.method() == Method::Fast);
        if fast { Method::Fast } else { Method::Naive }
    }

    /// Window positions done and in all (both strands when strand-averaged).
    pub fn progress(&self) -> (usize, usize) {
        let done = self.windows.iter().map(|w| w.next).sum();
        (done, self.windows.iter().map(|w| w.todo.len()).sum())
    }

    pub fn is_done(&self) -> bool {
        self.windows.iter().all(WindowRun::is_done)
    }

    /// Computes up to `positions` more positions; returns whether all are done.
    pub fn step(&mut self, model: &Model, positions: usize) -> Result<bool> {
        let mut left = positions.max(1);
        while left > 0 && self.current < self.windows.len() {
            if self.windows[self.current].is_done() {
                // nothing to mutate here (a window another part of a shared scan mutates)
                self.current += 1;
                continue;
            }
            let m = self.segment_models.get(self.current).and_then(Option::as_ref).unwrap_or(model);
            left -= self.windows[self.current].step(m, left)?;
            if self.windows[self.current].is_done() {
                self.current += 1;
            }
        }
        Ok(self.is_done())
    }

    /// Runs to the end, calling `progress(done, total)` after each chunk of `chunk` positions;
    /// `progress` returning false cancels.
    pub fn run_to_end(
        mut self,
        model: &Model,
        chunk: usize,
        mut progress: impl FnMut(usize, usize) -> bool,
    ) -> Result<IsmResult> {
        while !self.step(model, chunk)? {
            let (done, total) = self.progress();
            if !progress(done, total) {
                return Err(Error::Cancelled);
            }
        }
        let (done, total) = self.progress();
        progress(done, total);
        self.finish(model)
    }

    /// What this part of a shared scan computed ([`IsmRun::part_of`]), for [`IsmRun::merge`];
    /// an error if positions remain.
    pub fn finish_part(self, (index, parts): (usize, usize)) -> Result<IsmPart> {
        let (done, total) = self.progress();
        if done < total {
            return Err(Error::Input(format!("mutagenesis has {} of {total} positions left", total - done)));
        }
        let windows = self
            .windows
            .into_iter()
            .enumerate()
            .filter(|(_, w)| w.prepared)
            .map(|(window, w)| {
                let t = w.base_raw.len();
                let raw = w.todo.iter().flat_map(|&p| w.raw[p * 4 * t..(p + 1) * 4 * t].iter().copied()).collect();
                WindowPart {
                    window,
                    positions: w.todo,
                    raw,
                    base_raw: w.base_raw,
                    reference_raw: w.reference_raw,
                    method: w.method,
                    fast_path: w.fast_path,
                    fallback_reason: w.fallback_reason,
                    passes: w.passes,
                    bases_computed: w.bases_computed,
                }
            })
            .collect();
        Ok(IsmPart { index, parts, windows })
    }

    /// The result of a scan shared by parts ([`IsmRun::part_of`] with the same arguments, each
    /// [`IsmRun::finish_part`]): exactly what the whole scan in one run gives, the two strands'
    /// raw outputs averaged before they are mapped to measured units. An error says which part or
    /// position is missing.
    pub fn merge(
        model: &Model,
        item: &[Vec<u8>],
        policies: &[LengthPolicy],
        method: Method,
        rc_average: bool,
        parts: Vec<IsmPart>,
    ) -> Result<IsmResult> {
        let mut run = Self::build(model, item, policies, method, rc_average, Share::Shells)?;
        let n = parts.first().map_or(0, |p| p.parts);
        let mut seen = vec![false; n];
        for part in &parts {
            if part.parts != n || part.index >= n || std::mem::replace(&mut seen[part.index], true) {
                return Err(Error::Input(format!(
                    "part {} of {}: the parts of a shared scan are 0 to {} of {n}, each once",
                    part.index,
                    part.parts,
                    n.max(1) - 1
                )));
            }
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(Error::Input(format!("part {missing} of {n} of the shared scan is missing")));
        }
        let t = model.outputs;
        let mut covered: Vec<Vec<bool>> = run.windows.iter().map(|w| vec![false; w.bases.len()]).collect();
        for part in parts {
            for wp in part.windows {
                let Some(w) = run.windows.get_mut(wp.window) else {
                    return Err(Error::Input(format!("part {}: the scan has no window {}", part.index, wp.window)));
                };
                let l = w.bases.len();
                if wp.base_raw.len() != t || wp.raw.len() != wp.positions.len() * 4 * t {
                    return Err(Error::Input(format!(
                        "part {}, window {}: {} raw outputs for {} positions of {t} targets",
                        part.index,
                        wp.window,
                        wp.raw.len(),
                        wp.positions.len()
                    )));
                }
                if !w.prepared {
                    w.raw = (0..l * 4).flat_map(|_| wp.base_raw.iter().copied()).collect();
                    w.base_raw = wp.base_raw;
                    w.reference_raw = wp.reference_raw;
                    w.method = wp.method;
                    w.fast_path = wp.fast_path;
                    w.fallback_reason = wp.fallback_reason;
                    w.prepared = true;
                }
                for (k, &p) in wp.positions.iter().enumerate() {
                    if p >= l || std::mem::replace(&mut covered[wp.window][p], true) {
                        return Err(Error::Input(format!(
                            "part {}, window {}: position {p} is outside the window or in another part too",
                            part.index, wp.window
                        )));
                    }
                    w.raw[p * 4 * t..(p + 1) * 4 * t].copy_from_slice(&wp.raw[k * 4 * t..(k + 1) * 4 * t]);
                }
                w.passes += wp.passes;
                w.bases_computed += wp.bases_computed;
            }
        }
        for (i, w) in run.windows.iter_mut().enumerate() {
            if let Some(p) = w.todo.iter().find(|&&p| !covered[i][p]) {
                return Err(Error::Input(format!("no part of the shared scan mutated window {i} at position {p}")));
            }
            w.next = w.todo.len();
        }
        run.finish(model)
    }

    /// The result; an error if positions remain.
    pub fn finish(mut self, model: &Model) -> Result<IsmResult> {
        let (done, total) = self.progress();
        if done < total {
            return Err(Error::Input(format!("mutagenesis has {} of {total} positions left", total - done)));
        }
        let n = self.windows.len() / self.strands;
        let reverse: Vec<Option<WindowRun>> = if self.strands == 2 {
            self.windows.split_off(n).into_iter().map(Some).collect()
        } else {
            (0..n).map(|_| None).collect()
        };
        if n == 1 {
            let forward = self.windows.into_iter().next().expect("one window");
            let mut r = forward.finish(model, reverse.into_iter().next().flatten())?;
            r.segments = self.segments;
            return Ok(r);
        }
        let (l, t) = (self.seq.len(), model.outputs);
        let mut effects = vec![0.0f32; t * l * 4];
        let mut reference = vec![0.0f64; t];
        let (mut passes, mut bases_computed) = (0, 0);
        let mut fallback_reason = None;
        let mut paths = Vec::new();
        let method = self.method();
        // Each base's effect is the mean over the windows that contain it (the definition in
        // `crate::variants`), so effects do not shrink with the number of tiles.
        // Only a window's view counts: the flanks around a flanked tile are not the sequence.
        let mut containing = vec![0u32; l];
        for w in &self.windows {
            w.view.clone().for_each(|i| containing[(w.window_start + i as isize) as usize] += 1);
        }
        for (w, rev) in self.windows.into_iter().zip(reverse) {
            let (start, view) = (w.window_start, w.view.clone());
            let r = w.finish(model, rev)?;
            let wl = r.bases.len();
            for k in 0..t {
                reference[k] += r.reference[k] / n as f64;
                for i in view.clone() {
                    let p = (start + i as isize) as usize;
                    let share = containing[p] as f32;
                    for b in 0..4 {
                        effects[k * l * 4 + p * 4 + b] += r.effects[k * wl * 4 + i * 4 + b] / share;
                    }
                }
            }
            passes += r.passes;
            bases_computed += r.bases_computed;
            fallback_reason = fallback_reason.or(r.fallback_reason);
            paths.push(r.fast_path);
        }
        paths.dedup();
        Ok(IsmResult {
            bases: self.seq,
            window_start: 0,
            fitting: self.fitting,
            method,
            fast_path: if let [one] = paths[..] { one } else { None },
            fallback_reason,
            outputs: t,
            reference,
            effects,
            passes,
            bases_computed,
            // a two-segment model's scan, one window per segment
            segments: self.segments,
            strands: if self.strands == 2 { Strands::Both } else { Strands::Forward },
        })
    }
}

/// Per-channel sums over the positions of a trunk output `[C, T]` (in f64: the fast path updates
/// them by what a substitution changes), and the head's output at their means, the pooled features.
pub(crate) fn pool_and_head(
    split: &crate::model::SplitGraphs,
    trunk: &[f32],
    channels: usize,
    t_len: usize,
) -> Result<(Vec<f64>, Vec<f32>)> {
    let sum: Vec<f64> = trunk.chunks(t_len).map(|row| row.iter().map(|&v| v as f64).sum()).collect();
    let pooled: Vec<f32> = sum.iter().map(|&s| (s / t_len as f64) as f32).collect();
    let head = split.head.run(&pooled, 1, &[channels, 1])?.remove(0).data;
    Ok((sum, head))
}

/// The windowed plan over the trunk output `[C, T]` of the reference (not self-checked yet:
/// the caller checks it where it is kept).
fn windowed_plan(
    split: &crate::model::SplitGraphs,
    trunk: Vec<f32>,
    channels: usize,
    t_len: usize,
    l: usize,
) -> Result<Fast> {
    let (sum, head_ref) = pool_and_head(split, &trunk, channels, t_len)?;
    let windows = if split.trunk_valid.is_some() {
        plan_valid_windows(split.field, l, t_len)
    } else {
        plan_windows(split.field, l, t_len)
    };
    Ok(Fast { incremental: None, windows, trunk, sum, channels, t_len, head_ref })
}

/// [`windowed_plan`] over one run of the whole trunk graph.
fn whole_trunk_plan(split: &crate::model::SplitGraphs, x: &[f32], l: usize) -> Result<Fast> {
    let out = split.trunk.run(x, 1, &[4, l])?.remove(0);
    if out.shape.len() != 3 {
        return Err(Error::Unsupported(format!(
            "the trunk output has shape {:?}, expected [1, channels, positions]",
            out.shape
        )));
    }
    let (channels, t_len) = (out.shape[1], out.shape[2]);
    windowed_plan(split, out.data, channels, t_len, l)
}

/// The reference activations of the trunk's stages, where the incremental path may run: the
/// trunk cuts into stages, the model does not ask for windows, and every stage's graph runs
/// with the geometry [`crate::incremental`] models.
fn stage_activations(
    model: &Model,
    split: &crate::model::SplitGraphs,
    x: &[f32],
    l: usize,
) -> Option<incremental::Activations> {
    let Ok(stages) = &split.stages else { return None };
    if model.fast_path == Some(FastPath::Windowed) {
        return None;
    }
    incremental::reference_activations(stages, &split.trunk_input, x, l).ok().flatten()
}

/// The incremental plan, where it does less work than the windowed plan `windowed`: the
/// multiply-adds of every stage over the positions each path recomputes, for a substitution in
/// the middle (windows as wide as a short input favour incremental; narrow receptive fields on a
/// long input favour windows). Sampled substitutions are checked against full forward passes;
/// `None` (the windowed plan stays) on any difference.
fn with_incremental(
    model: &Model,
    split: &crate::model::SplitGraphs,
    windowed: &Fast,
    acts: incremental::Activations,
    x: &[f32],
    l: usize,
) -> Result<Option<Fast>> {
    let Ok(stages) = &split.stages else { return Ok(None) };
    let width = windowed.windows[l / 2].map_or(l, |w| w.len);
    let (incremental, windowed_work) = incremental::work(stages, &acts, &split.trunk_input, l / 2, width);
    if incremental >= 0.8 * windowed_work && model.fast_path != Some(FastPath::Incremental) {
        return Ok(None);
    }
    let mut fast = windowed.clone();
    fast.incremental = Some(acts);
    // Self-check: the first, middle and last positions against full forward passes.
    let jobs: Vec<(usize, usize)> = [0, l / 2, l - 1].iter().map(|&p| (p, if x[p] == 1.0 { 1 } else { 0 })).collect();
    let Ok((pooled, _, _)) = incremental_pooled(model, &fast, &jobs) else { return Ok(None) };
    let head = split.head.run(&pooled, jobs.len(), &[fast.channels, 1])?.remove(0).data;
    let t = model.outputs;
    for (j, &(p, b)) in jobs.iter().enumerate() {
        let mut xm = x.to_vec();
        mutate(&mut xm, l, p, b);
        let full = model.forward(&xm, 1)?;
        for k in 0..t {
            let (a, want) = (head[j * t + k], full[k]);
            if (a - want).abs() > 1e-4 * (1.0 + want.abs()) {
                return Ok(None);
            }
        }
    }
    Ok(Some(fast))
}

/// Pooled trunk features `[jobs, C]` of each substitution `(position, base)` by incremental
/// recomputation, stage by stage; also the stage runs made and the input positions they read.
fn incremental_pooled(model: &Model, fast: &Fast, jobs: &[(usize, usize)]) -> Result<(Vec<f32>, usize, usize)> {
    let split = model.split.as_ref().expect("split");
    let stages = split.stages.as_ref().expect("incremental needs stages");
    let acts = fast.incremental.as_ref().expect("incremental");
    let (changed, passes, bases) =
        incremental::propagate(stages, acts, &split.trunk_input, &split.trunk_output, jobs, TRUNK_BATCH)?;
    let (c, tl) = (fast.channels, fast.t_len);
    let mut pooled = Vec::with_capacity(jobs.len() * c);
    for (t0, t1, values) in &changed {
        let span = t1 - t0 + 1;
        for ch in 0..c {
            let mut delta = 0.0f64;
            for t in *t0..=*t1 {
                delta += values[ch * span + t - t0] as f64 - fast.trunk[ch * tl + t] as f64;
            }
            pooled.push(((fast.sum[ch] + delta) / tl as f64) as f32);
        }
    }
    Ok((pooled, passes, bases))
}

/// Most windows per trunk run.
pub const TRUNK_BATCH: usize = 96;

/// Positions per step of a naive scan ([`IsmRun::step_positions`]).
pub const NAIVE_STEP_POSITIONS: usize = 8;

/// Windows run together: valid or padded trunk, and length.
type WindowKind = (bool, usize);
/// One substitution: position, base, its window.
type Job = (usize, usize, IsmWindow);

/// Runs the unmutated window of one position per window kind (and the first and last
/// positions) and checks it reproduces the full trunk's outputs there: a guard, at the cost of a
/// few window passes, against a graph the split accepted but the window lemma does not cover.
/// On failure fast mutagenesis falls back to naive with the reason.
fn self_check(split: &crate::model::SplitGraphs, fast: &Fast, x: &[f32], l: usize) -> std::result::Result<(), String> {
    let mut picks: Vec<usize> = Vec::new();
    let mut kinds: Vec<WindowKind> = Vec::new();
    let with_window: Vec<usize> = (0..l).filter(|&p| fast.windows[p].is_some()).collect();
    for &p in with_window.first().into_iter().chain(with_window.last()) {
        picks.push(p);
    }
    for &p in &with_window {
        let w = fast.windows[p].expect("filtered");
        if !kinds.contains(&(w.valid, w.len)) {
            kinds.push((w.valid, w.len));
            picks.push(p);
        }
    }
    let (c, tl) = (fast.channels, fast.t_len);
    for p in picks {
        let w = fast.windows[p].expect("picked with a window");
        let mut row = vec![0.0f32; 4 * w.len];
        for ch in 0..4 {
            row[ch * w.len..(ch + 1) * w.len].copy_from_slice(&x[ch * l + w.start..ch * l + w.start + w.len]);
        }
        let trunk = if w.valid { split.trunk_valid.as_ref().ok_or("no valid trunk")? } else { &split.trunk };
        let out = trunk.run(&row, 1, &[4, w.len]).map_err(|e| format!("fast mutagenesis self-check: {e}"))?.remove(0);
        let tw = out.shape[2];
        for ch in 0..c {
            for t in w.first..=w.last {
                let (a, b) =
                    (out.data.get(ch * tw + t - w.offset).copied().unwrap_or(f32::NAN), fast.trunk[ch * tl + t]);
                let close = (a - b).abs() <= 1e-5 * (1.0 + b.abs());
                if !close {
                    return Err(format!(
                        "fast mutagenesis self-check: the trunk on window {}..{} gives {a} at output {t}, channel {ch}; the whole sequence gives {b}",
                        w.start,
                        w.start + w.len
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Sets position `p` of a `[4, len]` one-hot row to base `b`.
fn mutate(row: &mut [f32], len: usize, p: usize, b: usize) {
    for ch in 0..4 {
        row[ch * len + p] = if ch == b { 1.0 } else { 0.0 };
    }
}

/// Full mutagenesis in one call.
pub fn saturation_mutagenesis(model: &Model, seq: &[u8], policy: &LengthPolicy, method: Method) -> Result<IsmResult> {
    IsmRun::new(model, seq, policy, method)?.run_to_end(model, usize::MAX, |_, _| true)
}

/// Full mutagenesis of an item (one sequence per model segment) in one call.
pub fn saturation_mutagenesis_item(
    model: &Model,
    item: &[Vec<u8>],
    policies: &[LengthPolicy],
    method: Method,
) -> Result<IsmResult> {
    IsmRun::new_item(model, item, policies, method)?.run_to_end(model, usize::MAX, |_, _| true)
}

/// The fast path's self-check on `seq` (one model window) with the receptive field `field` in
/// place of the one read from the graph: `Ok` when every window reproduces the whole-sequence
/// trunk. For tests that a wrong field is caught, on every backend.
pub fn self_check_with_field(
    model: &Model,
    seq: &[u8],
    field: crate::geometry::Field,
) -> std::result::Result<(), String> {
    let split = model.split.as_ref().ok_or("the model has no trunk/head split")?;
    let l = model.length;
    let x = model.encode(seq);
    let out = split.trunk.run(&x, 1, &[4, l]).map_err(|e| e.to_string())?.remove(0);
    let (channels, t_len) = (out.shape[1], out.shape[2]);
    let fast = Fast {
        incremental: None,
        windows: plan_valid_windows(field, l, t_len),
        trunk: out.data,
        sum: vec![0.0; channels],
        channels,
        t_len,
        head_ref: vec![],
    };
    self_check(split, &fast, &x, l)
}
