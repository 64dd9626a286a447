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

/// How a tiled sequence's windows combine into one value per target.
pub const TILE_AGGREGATION: &str = "mean over windows";

/// Predicts every `(name, sequence)` under `policy`; an error names the sequence.
pub fn predict(
    model: &Model,
    sequences: &[(String, Vec<u8>)],
    policy: &LengthPolicy,
) -> Result<Vec<SequencePrediction>> {
    segments::check_count(model, 1, "each sequence")?;
    let l = model.length;
    let mut fitted = Vec::with_capacity(sequences.len());
    let mut x = Vec::new();
    for (i, (name, seq)) in sequences.iter().enumerate() {
        let (windows, fitting) = fit(seq, l, policy).map_err(|e| Error::Sequence {
            index: i + 1,
            name: name.clone(),
            message: e.to_string(),
        })?;
        for w in &windows {
            let start = x.len();
            x.resize(start + 4 * l, 0.0);
            model.encode_into(&w.bases, &mut x[start..]);
        }
        fitted.push((windows.iter().map(|w| w.start).collect::<Vec<_>>(), fitting));
    }
    let n = x.len() / (4 * l);
    let y = model.undo(&model.forward(&x, n)?);
    let t = model.outputs;
    let mut row = 0;
    Ok(sequences
        .iter()
        .zip(fitted)
        .map(|((name, seq), (window_starts, fitting))| {
            let window_values: Vec<Vec<f64>> =
                (0..window_starts.len()).map(|w| y[(row + w) * t..(row + w + 1) * t].to_vec()).collect();
            row += window_starts.len();
            let values =
                (0..t).map(|k| window_values.iter().map(|v| v[k]).sum::<f64>() / window_values.len() as f64).collect();
            SequencePrediction {
                name: name.clone(),
                length: seq.len(),
                fitting,
                values,
                window_starts,
                window_values,
                segments: None,
            }
        })
        .collect())
}

/// One prediction item: a name and one sequence per model segment.
pub type Item = (String, Vec<Vec<u8>>);

/// Predicts items of any model: single-input items go through [`predict`] under `policies[0]`;
/// a two-segment model fits each segment by its own policy ([`segments::fit_item`]) and reads
/// the joined window. An error names the item.
pub fn predict_items(model: &Model, items: &[Item], policies: &[LengthPolicy]) -> Result<Vec<SequencePrediction>> {
    for (i, (name, item)) in items.iter().enumerate() {
        segments::check_count(model, item.len(), &format!("item {} '{name}'", i + 1))?;
    }
    if model.segments.len() == 1 {
        let seqs: Vec<(String, Vec<u8>)> = items.iter().map(|(name, item)| (name.clone(), item[0].clone())).collect();
        return predict(model, &seqs, &policies[0]);
    }
    let l = model.length;
    let mut x = vec![0.0f32; items.len() * 4 * l];
    let mut fits = Vec::with_capacity(items.len());
    for (i, (name, item)) in items.iter().enumerate() {
        let (joined, f) = segments::fit_item(model, item, policies).map_err(|e| Error::Sequence {
            index: i + 1,
            name: name.clone(),
            message: e.to_string(),
        })?;
        model.encode_into(&joined, &mut x[i * 4 * l..(i + 1) * 4 * l]);
        fits.push(f);
    }
    let y = model.undo(&model.forward(&x, items.len())?);
    let t = model.outputs;
    Ok(items
        .iter()
        .zip(fits)
        .enumerate()
        .map(|(i, ((name, item), fits))| {
            let values = y[i * t..(i + 1) * t].to_vec();
            SequencePrediction {
                name: name.clone(),
                length: item.iter().map(Vec::len).sum(),
                fitting: segments::summary(&fits),
                window_starts: fits.iter().map(|f| f.window_start).collect(),
                window_values: vec![values.clone()],
                values,
                segments: Some(fits),
            }
        })
        .collect())
}

/// The reverse-complement strand of an item: a single sequence reversed and complemented; for a
/// two-segment model each segment reverse-complemented in place, promoter still first (as the
/// trainer's augmentation and its strand-averaged evaluation do).
pub fn reverse_strand(item: &[Vec<u8>]) -> Vec<Vec<u8>> {
    segments::reverse_complement_each(item)
}

/// Values per item (per target, measured units), averaged with the reverse strand when `rc`.
pub fn predict_values(model: &Model, items: Vec<Item>, policies: &[LengthPolicy], rc: bool) -> Result<Vec<Vec<f64>>> {
    Ok(predict_averaged(model, items, policies, rc)?.into_iter().map(|p| p.values).collect())
}

/// Predictions per item; with `rc`, `values` is the mean of the forward and reverse strands
/// ([`reverse_strand`]); the other fields describe the forward strand.
pub fn predict_averaged(
    model: &Model,
    items: Vec<Item>,
    policies: &[LengthPolicy],
    rc: bool,
) -> Result<Vec<SequencePrediction>> {
    let n = items.len();
    let mut all = items;
    if rc {
        let rcs: Vec<Item> =
            all.iter().map(|(name, s)| (format!("{name} (reverse complement)"), reverse_strand(s))).collect();
        all.extend(rcs);
    }
    let mut p = predict_items(model, &all, policies)?;
    if rc {
        let reverse = p.split_off(n);
        for (f, r) in p.iter_mut().zip(reverse) {
            f.values = f.values.iter().zip(&r.values).map(|(a, b)| 0.5 * (a + b)).collect();
        }
    }
    Ok(p)
}
