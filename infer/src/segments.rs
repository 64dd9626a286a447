//! Models that read two sequences per prediction (the trainer's `dual-branch` preset, the DeepCBA
//! design): a *promoter* and its *distal* partner. The graph has one input `[N, 4, Lp + Ld]`,
//! the promoter followed by the partner along the length; the manifest lists two `inputs` of the
//! same graph input name, promoter first, each with its own length and default length policy.
//!
//! Each segment is fitted to its own length by its own policy and the two windows are joined in
//! model order, so every algorithm that works on one model window (forward passes, naive
//! mutagenesis, gradients) works on the joined window unchanged; results carry a table of
//! [`SegmentFit`]s saying where each segment lies in it. A segment is fitted to exactly one window:
//! tiling a long segment is refused (the mean over windows of one segment against a fixed other
//! segment is not what the model was trained on; crop it instead).

use regula_core::length::{Fitting, LengthPolicy, fit};
use serde::Serialize;

use crate::error::{Error, Result};

/// Names of the two segments of a two-segment model, in model order.
pub const DUAL_NAMES: [&str; 2] = ["promoter", "distal"];

/// Name of the one segment of a single-input model.
pub const SINGLE_NAME: &str = "sequence";

/// One sequence the model reads.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Segment {
    pub name: String,
    /// Bases the model reads for it.
    pub length: usize,
    /// Position of its first base in the model input.
    pub offset: usize,
    #[serde(skip)]
    pub default_policy: LengthPolicy,
}

/// Where one segment of an item went: what its length policy did and where its window lies in
/// the joined model input (and in the `bases` of a result).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentFit {
    pub name: String,
    /// Bases given for this segment.
    pub length: usize,
    /// Position of the segment's window in the joined bases.
    pub offset: usize,
    /// Bases of the window (the segment's input length).
    pub window_length: usize,
    /// Position in the given sequence of the window's first base (negative where padding precedes it).
    pub window_start: isize,
    pub fitting: Fitting,
}

/// What the caller expected, for errors: "one sequence" or "two sequences (promoter, then distal)".
pub fn expected(segments: &[Segment]) -> String {
    match segments.len() {
        1 => "one sequence".into(),
        n => format!(
            "{} sequences ({})",
            if n == 2 { "two".to_string() } else { n.to_string() },
            segments.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", then ")
        ),
    }
}

/// Checks `item` gives one sequence per segment.
pub fn check_count(segments: &[Segment], item_len: usize, what: &str) -> Result<()> {
    let n = segments.len();
    if item_len == n {
        return Ok(());
    }
    let given = if item_len == 1 { "one sequence".to_string() } else { format!("{item_len} sequences") };
    Err(Error::Input(if n == 1 {
        format!("{what} gives {given}, but this model reads one sequence per prediction; pass a single sequence")
    } else {
        format!(
            "{what} gives {given}, but this model reads {} per prediction: pass {{{}}} or [{}]",
            expected(segments),
            segments.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "),
            segments.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
        )
    }))
}

/// Fits one segment's sequence to its window; one window only.
pub fn fit_segment(
    segments: &[Segment],
    s: usize,
    seq: &[u8],
    policy: &LengthPolicy,
) -> Result<(Vec<u8>, isize, Fitting)> {
    let segment = &segments[s];
    let (windows, fitting) =
        fit(seq, segment.length, policy).map_err(|e| Error::Input(format!("the {} sequence: {e}", segment.name)))?;
    if windows.len() != 1 {
        return Err(Error::Input(format!(
            "the {} sequence is {} bp: tiling it into {} windows of {} bp is not available for a two-segment model (each segment is read as one window); choose crop (\"pad_or_crop\") for it",
            segment.name,
            seq.len(),
            windows.len(),
            segment.length
        )));
    }
    let w = windows.into_iter().next().expect("one window");
    Ok((w.bases, w.start, fitting))
}

/// Fits each segment of `item` by its policy and joins the windows in model order.
pub fn fit_item(
    segments: &[Segment],
    item: &[Vec<u8>],
    policies: &[LengthPolicy],
) -> Result<(Vec<u8>, Vec<SegmentFit>)> {
    check_count(segments, item.len(), "the input")?;
    let mut joined = Vec::with_capacity(segments.iter().map(|s| s.length).sum());
    let mut fits = Vec::with_capacity(item.len());
    for (s, seq) in item.iter().enumerate() {
        let (bases, window_start, fitting) = fit_segment(segments, s, seq, &policies[s])?;
        fits.push(SegmentFit {
            name: segments[s].name.clone(),
            length: seq.len(),
            offset: joined.len(),
            window_length: bases.len(),
            window_start,
            fitting,
        });
        joined.extend_from_slice(&bases);
    }
    Ok((joined, fits))
}

/// One fitting that sums the segments' up: unchanged if all are, else the first that is not.
pub fn summary(fits: &[SegmentFit]) -> Fitting {
    fits.iter().map(|f| f.fitting.clone()).find(|f| *f != Fitting::Unchanged).unwrap_or(Fitting::Unchanged)
}

/// Each segment's reverse complement, in place (the segment order stays): the trainer's
/// reverse-complement augmentation and strand averaging for two-segment models.
pub fn reverse_complement_each(item: &[Vec<u8>]) -> Vec<Vec<u8>> {
    item.iter().map(|s| regula_core::encode::reverse_complement(s)).collect()
}
