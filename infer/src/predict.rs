//! Predictions for one or many sequences: each is fitted to the model's input length by a
//! length policy (pad, crop or tile, reported back), all windows run in batches, and tiled
//! sequences report every window and their mean.

use regula_core::length::{Fitting, LengthPolicy, fit};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Model;
use crate::segments::{self, SegmentFit};

/// One sequence's prediction.
#[derive(Clone, Debug, Serialize)]
pub struct SequencePrediction {
    pub name: String,
    pub length: usize,
    /// What the length policy did.
    pub fitting: Fitting,
    /// Per target, in measured units; for a tiled sequence the mean over windows.
    pub values: Vec<f64>,
    /// Start of each window in the sequence (negative where padding precedes it).
    pub window_starts: Vec<isize>,
    /// Per window, per target.
    pub window_values: Vec<Vec<f64>>,
    /// Two-segment models: each segment's fitting and place in the model input. Then `length`
    /// counts the bases of both, `fitting` is the first segment fitting that changed anything
    /// (else unchanged), there is one window, and `window_starts` holds each segment's window start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<SegmentFit>>,
}

/// How a tiled sequence's windows (and, strand-averaged, the two strands) combine into one value
/// per target: the mean of the model's raw outputs, then mapped to measured units, exactly as the
/// trainer evaluates (so a model card's metrics describe what prediction computes).
pub const TILE_AGGREGATION: &str = "mean over windows of the model output";

/// Predicts every `(name, sequence)` under `policy`; an error names the sequence.
pub fn predict(
    model: &Model,
    sequences: &[(String, Vec<u8>)],
    policy: &LengthPolicy,
) -> Result<Vec<SequencePrediction>> {
    let items: Vec<Item> = sequences.iter().map(|(name, seq)| (name.clone(), vec![seq.clone()])).collect();
    predict_items(model, &items, std::slice::from_ref(policy))
}

/// One prediction item: a name and one sequence per model segment.
pub type Item = (String, Vec<Vec<u8>>);

/// An item fitted to the model: its windows, encoded, and where they came from.
struct Fitted {
    /// Windows of the item (several only for a tiled one-segment item).
    windows: usize,
    window_starts: Vec<isize>,
    fitting: Fitting,
    segments: Option<Vec<SegmentFit>>,
    length: usize,
}

/// Fits each item (one sequence per segment, each by its policy) and appends its encoded windows
/// to `x`. A one-segment item may be tiled; a two-segment item is one joined window.
fn fit_items(model: &Model, items: &[Item], policies: &[LengthPolicy], x: &mut Vec<f32>) -> Result<Vec<Fitted>> {
    let l = model.length;
    let mut fitted = Vec::with_capacity(items.len());
    for (i, (name, item)) in items.iter().enumerate() {
        segments::check_count(&model.segments, item.len(), &format!("item {} '{name}'", i + 1))?;
        let located = |e: Error| Error::Sequence { index: i + 1, name: name.clone(), message: e.to_string() };
        let mut push = |bases: &[u8]| {
            let start = x.len();
            x.resize(start + 4 * l, 0.0);
            model.encode_into(bases, &mut x[start..]);
        };
        if model.segments.len() == 1 {
            let (windows, fitting) =
                fit(&item[0], l, &policies[0]).map_err(|e| located(Error::Input(e.to_string())))?;
            windows.iter().for_each(|w| push(&w.bases));
            fitted.push(Fitted {
                windows: windows.len(),
                window_starts: windows.iter().map(|w| w.start).collect(),
                fitting,
                segments: None,
                length: item[0].len(),
            });
        } else {
            let (joined, fits) = segments::fit_item(&model.segments, item, policies).map_err(located)?;
            push(&joined);
            fitted.push(Fitted {
                windows: 1,
                window_starts: fits.iter().map(|f| f.window_start).collect(),
                fitting: segments::summary(&fits),
                segments: Some(fits),
                length: item.iter().map(Vec::len).sum(),
            });
        }
    }
    Ok(fitted)
}

/// Predicts items of any model: each segment fitted by its policy (`policies`, one per segment),
/// a tiled sequence's windows averaged ([`TILE_AGGREGATION`]). An error names the item.
pub fn predict_items(model: &Model, items: &[Item], policies: &[LengthPolicy]) -> Result<Vec<SequencePrediction>> {
    predict_averaged(model, items.to_vec(), policies, false)
}

/// The reverse-complement strand of an item: a single sequence reversed and complemented; for a
/// two-segment model each segment reverse-complemented in place, promoter still first (as the
/// trainer's augmentation and its strand-averaged evaluation do).
pub fn reverse_strand(item: &[Vec<u8>]) -> Vec<Vec<u8>> {
    segments::reverse_complement_each(item)
}

/// A model input `[4, L]` (one-hot, channels in ACGT order) of the reverse strand: each segment
/// reverse-complemented in place (promoter still first), flanks and padding with it: the input
/// the trainer's reverse-complement augmentation and strand-averaged evaluation give the model.
pub fn reverse_input(model: &Model, x: &[f32]) -> Vec<f32> {
    let l = model.length;
    let mut out = vec![0.0; x.len()];
    for seg in &model.segments {
        for c in 0..4 {
            for i in 0..seg.length {
                out[c * l + seg.offset + i] = x[(3 - c) * l + seg.offset + seg.length - 1 - i];
            }
        }
    }
    out
}

/// Values per item (per target, measured units), averaged with the reverse strand when `rc`.
pub fn predict_values(model: &Model, items: Vec<Item>, policies: &[LengthPolicy], rc: bool) -> Result<Vec<Vec<f64>>> {
    Ok(predict_averaged(model, items, policies, rc)?.into_iter().map(|p| p.values).collect())
}

/// Predictions per item; with `rc`, `values` comes from the mean raw output over the windows of
/// both strands (each fitted window and its [`reverse_input`]); the other fields describe the
/// forward strand.
pub fn predict_averaged(
    model: &Model,
    items: Vec<Item>,
    policies: &[LengthPolicy],
    rc: bool,
) -> Result<Vec<SequencePrediction>> {
    let t = model.outputs;
    let mut x = Vec::new();
    let forward = fit_items(model, &items, policies, &mut x)?;
    let size = 4 * model.length;
    let windows = x.len() / size;
    if rc {
        // Every fitted window turned over ([`reverse_input`]), as the trainer's strand-averaged
        // evaluation and saturation mutagenesis read the reverse strand.
        for w in 0..windows {
            let turned = reverse_input(model, &x[w * size..(w + 1) * size]);
            x.extend_from_slice(&turned);
        }
    }
    let raw = model.forward(&x, x.len() / size)?;
    // Each item's windows, in `raw` order: the forward strands of all items, then the reverse.
    let mut row = 0;
    let fwd_rows: Vec<std::ops::Range<usize>> = forward
        .iter()
        .map(|f| {
            row += f.windows;
            row - f.windows..row
        })
        .collect();
    let rev_rows: Vec<std::ops::Range<usize>> =
        if rc { fwd_rows.iter().map(|r| r.start + windows..r.end + windows).collect() } else { Vec::new() };
    Ok(items
        .into_iter()
        .zip(forward)
        .enumerate()
        .map(|(i, ((name, _), f))| {
            let mut strands = vec![fwd_rows[i].clone()];
            strands.extend(rev_rows.get(i).cloned());
            // Mean over windows per strand, then over strands.
            let mean_raw: Vec<f64> = (0..t)
                .map(|k| {
                    let per_strand = strands
                        .iter()
                        .map(|rows| rows.clone().map(|r| raw[r * t + k] as f64).sum::<f64>() / rows.len() as f64);
                    per_strand.sum::<f64>() / strands.len() as f64
                })
                .collect();
            let values = mean_raw.iter().enumerate().map(|(k, &z)| model.manifest.reported_value(k, z)).collect();
            let window_values = fwd_rows[i].clone().map(|r| model.undo(&raw[r * t..(r + 1) * t])).collect();
            SequencePrediction {
                name,
                length: f.length,
                fitting: f.fitting,
                values,
                window_starts: f.window_starts,
                window_values,
                segments: f.segments,
            }
        })
        .collect())
}
