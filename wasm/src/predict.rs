//! Predictions for one or many sequences: each is fitted to the model's input length by a
//! length policy (pad, crop or tile, reported back), all windows run in batches, and tiled
//! sequences report every window and their mean.

use regula_core::length::{Fitting, LengthPolicy, fit};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Model;

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
}

/// How a tiled sequence's windows combine into one value per target.
pub const TILE_AGGREGATION: &str = "mean over windows";

/// Predicts every `(name, sequence)` under `policy`; an error names the sequence.
pub fn predict(model: &Model, sequences: &[(String, Vec<u8>)], policy: &LengthPolicy) -> Result<Vec<SequencePrediction>> {
    let l = model.length;
    let mut fitted = Vec::with_capacity(sequences.len());
    let mut x = Vec::new();
    for (i, (name, seq)) in sequences.iter().enumerate() {
        let (windows, fitting) = fit(seq, l, policy)
            .map_err(|e| Error::Sequence { index: i + 1, name: name.clone(), message: e.to_string() })?;
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
            let values = (0..t).map(|k| window_values.iter().map(|v| v[k]).sum::<f64>() / window_values.len() as f64).collect();
            SequencePrediction { name: name.clone(), length: seq.len(), fitting, values, window_starts, window_values }
        })
        .collect())
}
