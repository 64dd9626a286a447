//! Per-position attributions from the attribution graph the trainer exports (`pred` and
//! `d pred[:, k] / d x` for every target `k`), in model output units (before the manifest's
//! normalisation is undone): gradient×input, integrated gradients, and the importance ISM gives.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::ism::IsmResult;
use crate::model::{BATCH, Model};

#[derive(Clone, Debug, Serialize)]
pub struct Attribution {
    pub method: String,
    pub outputs: usize,
    pub length: usize,
    /// `[outputs, L]`: per position, summed over the four channels.
    pub per_position: Vec<f32>,
    /// `[outputs, 4, L]`: per channel (the hypothetical contribution of each base).
    pub per_channel: Vec<f32>,
    /// Raw prediction per target at the input.
    pub prediction: Vec<f32>,
    /// Integrated gradients only: `Σ attributions − (f(x) − f(baseline))` per target (0 for an
    /// exact integral; shrinks with more steps).
    pub completeness_gap: Option<Vec<f32>>,
}

/// Predictions `[n, T]` and gradients `[T][n, 4, L]` for `x` `[n, 4, L]`.
pub fn gradients(model: &Model, x: &[f32], n: usize) -> Result<(Vec<f32>, Vec<Vec<f32>>)> {
    let graph = model.attribution.as_ref().ok_or_else(|| {
        Error::Unsupported("this model was loaded without its attribution graph (manifest graphs.attribution)".into())
    })?;
    let (l, t) = (model.length, model.outputs);
    let sample = 4 * l;
    let mut pred = Vec::with_capacity(n * t);
    let mut grads = vec![Vec::with_capacity(n * sample); t];
    for start in (0..n).step_by(BATCH) {
        let m = BATCH.min(n - start);
        let out = graph.run(&x[start * sample..(start + m) * sample], m, &[4, l])?;
        if out.len() != t + 1 {
            return Err(Error::Mismatch(format!(
                "the attribution graph returned {} outputs, expected {}",
                out.len(),
                t + 1
            )));
        }
        if out[0].data.len() != m * t || out[1..].iter().any(|g| g.data.len() != m * sample) {
            let shapes: Vec<&Vec<usize>> = out.iter().map(|o| &o.shape).collect();
            return Err(Error::Mismatch(format!(
                "the attribution graph returned shapes {shapes:?} for a batch of {m}"
            )));
        }
        pred.extend_from_slice(&out[0].data);
        for k in 0..t {
            grads[k].extend_from_slice(&out[k + 1].data);
        }
    }
    Ok((pred, grads))
}

fn summed(per_channel: &[f32], t: usize, l: usize) -> Vec<f32> {
    (0..t).flat_map(|k| (0..l).map(move |p| (0..4).map(|c| per_channel[(k * 4 + c) * l + p]).sum::<f32>())).collect()
}

/// Gradient × input of one encoded window `x` `[4, L]`.
pub fn gradient_times_input(model: &Model, x: &[f32]) -> Result<Attribution> {
    let (l, t) = (model.length, model.outputs);
    let (pred, grads) = gradients(model, x, 1)?;
    let per_channel: Vec<f32> = grads.iter().flat_map(|g| g.iter().zip(x).map(|(a, b)| a * b)).collect();
    Ok(Attribution {
        method: "gradient_x_input".into(),
        outputs: t,
        length: l,
        per_position: summed(&per_channel, t, l),
        per_channel,
        prediction: pred,
        completeness_gap: None,
    })
}

/// Integrated gradients of `x` `[4, L]` from `baseline` (all `N` = 0.25 if `None`) with `steps`
/// midpoint-rule steps: `(x − b) ⊙ mean_i ∇f(b + α_i (x − b))`, `α_i = (i + ½) / steps`.
pub fn integrated_gradients(model: &Model, x: &[f32], baseline: Option<&[f32]>, steps: usize) -> Result<Attribution> {
    let (l, t) = (model.length, model.outputs);
    if steps == 0 || steps > 1024 {
        return Err(Error::Input(format!("integrated gradients needs 1 to 1024 steps, got {steps}")));
    }
    let base: Vec<f32> = baseline.map_or_else(|| vec![model.n_value; 4 * l], <[f32]>::to_vec);
    let mut xs = Vec::with_capacity((steps + 1) * 4 * l);
    for i in 0..steps {
        let a = (i as f32 + 0.5) / steps as f32;
        xs.extend(x.iter().zip(&base).map(|(&xi, &bi)| bi + a * (xi - bi)));
    }
    xs.extend_from_slice(&base);
    xs.extend_from_slice(x);
    let (pred, grads) = gradients(model, &xs, steps + 2)?;
    let sample = 4 * l;
    let mut per_channel = vec![0.0f32; t * sample];
    for k in 0..t {
        for j in 0..sample {
            let mean: f64 = (0..steps).map(|i| grads[k][i * sample + j] as f64).sum::<f64>() / steps as f64;
            per_channel[k * sample + j] = ((x[j] - base[j]) as f64 * mean) as f32;
        }
    }
    let f_base = &pred[steps * t..(steps + 1) * t];
    let f_x = pred[(steps + 1) * t..].to_vec();
    let per_position = summed(&per_channel, t, l);
    let gap = (0..t).map(|k| per_position[k * l..(k + 1) * l].iter().sum::<f32>() - (f_x[k] - f_base[k])).collect();
    Ok(Attribution {
        method: format!("integrated_gradients({steps})"),
        outputs: t,
        length: l,
        per_position,
        per_channel,
        prediction: f_x,
        completeness_gap: Some(gap),
    })
}

/// Importance from mutagenesis, per target and position: minus the mean effect of the
/// substitutions there (how much the reference base matters), `[outputs, L]`.
pub fn ism_importance(ism: &IsmResult) -> Vec<f32> {
    let l = ism.bases.len();
    let mut out = vec![0.0f32; ism.outputs * l];
    for k in 0..ism.outputs {
        for p in 0..l {
            let r = regula_core::encode::channel(ism.bases[p]);
            let alts: Vec<f32> = (0..4).filter(|&b| Some(b) != r).map(|b| ism.effects[k * l * 4 + p * 4 + b]).collect();
            out[k * l + p] = -alts.iter().sum::<f32>() / alts.len() as f32;
        }
    }
    out
}

/// Attributions of a whole sequence fitted by `policy`: one window's attribution, or for a
/// tiled sequence the attribution of the tiled prediction (the mean over windows): each window's
/// per-base values, summed where windows overlap, divided by the number of windows (exact for
/// gradients and, by linearity, for integrated gradients along each window's own path).
/// Returns the attribution (its `length` the number of bases covered), the bases, the position of
/// the first one in the sequence, and what the policy did.
pub fn for_sequence(
    model: &Model,
    seq: &[u8],
    policy: &regula_core::length::LengthPolicy,
    method: impl Fn(&Model, &[f32]) -> Result<Attribution>,
) -> Result<(Attribution, Vec<u8>, isize, regula_core::length::Fitting)> {
    crate::segments::check_count(&model.segments, 1, "the input")?;
    let (windows, fitting) =
        regula_core::length::fit(seq, model.length, policy).map_err(|e| Error::Input(e.to_string()))?;
    if windows.len() == 1 {
        let w = &windows[0];
        let a = method(model, &model.encode(&w.bases))?;
        return Ok((a, w.bases.clone(), w.start, fitting));
    }
    let (l, t, wl, n) = (seq.len(), model.outputs, model.length, windows.len());
    let mut per_channel = vec![0.0f32; t * 4 * l];
    let mut prediction = vec![0.0f32; t];
    let mut gap: Option<Vec<f32>> = None;
    let mut name = String::new();
    for w in &windows {
        let a = method(model, &model.encode(&w.bases))?;
        for k in 0..t {
            prediction[k] += a.prediction[k] / n as f32;
            for c in 0..4 {
                // The window's view only: flanks around a flanked tile are not the sequence.
                for i in w.view.clone() {
                    let p = (w.start + i as isize) as usize;
                    per_channel[(k * 4 + c) * l + p] += a.per_channel[(k * 4 + c) * wl + i] / n as f32;
                }
            }
        }
        if let Some(g) = &a.completeness_gap {
            let acc = gap.get_or_insert_with(|| vec![0.0; t]);
            for k in 0..t {
                acc[k] += g[k] / n as f32;
            }
        }
        name = a.method;
    }
    let a = Attribution {
        method: name,
        outputs: t,
        length: l,
        per_position: summed(&per_channel, t, l),
        per_channel,
        prediction,
        completeness_gap: gap,
    };
    Ok((a, seq.to_vec(), 0, fitting))
}

/// [`for_sequence`] for an item (one sequence per model segment, each fitted by its policy). A
/// two-segment model's attribution covers its joined window (`length` = both segments), the
/// returned [`SegmentFit`](crate::segments::SegmentFit)s say where each segment lies in it.
#[allow(clippy::type_complexity)]
pub fn for_item(
    model: &Model,
    item: &[Vec<u8>],
    policies: &[regula_core::length::LengthPolicy],
    method: impl Fn(&Model, &[f32]) -> Result<Attribution>,
) -> Result<(Attribution, Vec<u8>, isize, regula_core::length::Fitting, Option<Vec<crate::segments::SegmentFit>>)> {
    crate::segments::check_count(&model.segments, item.len(), "the input")?;
    if model.segments.len() == 1 {
        let (a, bases, start, fitting) = for_sequence(model, &item[0], &policies[0], method)?;
        return Ok((a, bases, start, fitting, None));
    }
    let (joined, fits) = crate::segments::fit_item(&model.segments, item, policies)?;
    let a = method(model, &model.encode(&joined))?;
    Ok((a, joined, 0, crate::segments::summary(&fits), Some(fits)))
}
