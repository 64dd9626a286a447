//! Variant effects against a given sequence: `alt − ref` (and log2 fold change where both
//! predictions are positive) per target, every variant's REF checked, optionally averaged over
//! the forward and reverse-complement strands.
//!
//! **One definition for any length** ([`EFFECT_AGGREGATION`]): a variant's effect is the mean,
//! over the model-length windows that contain its first base, of `alt − ref` in that window. A
//! sequence the model reads in one window (exact, padded or cropped) has one such window, or none
//! when cropping leaves the variant outside the model's view, which is then an error, never 0. A
//! tiled sequence has one or more: the alternate window is read from the sequence with the
//! variant applied at the reference window's start ([`regula_core::length::window_at`]), so effects
//! do not shrink with the number of tiles and compare across lengths. `ref_prediction` and
//! `alt_prediction` are the means over the same windows.

use regula_core::length::LengthPolicy;
use regula_core::variant::{Coordinates, Variant, VariantKind, parse_variants};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Model;
use crate::predict::{Item, predict_values};
use crate::segments;

#[derive(Clone, Debug, Serialize)]
pub struct VariantScore {
    /// 1-based line of the variant list.
    pub line: usize,
    pub id: Option<String>,
    pub position: Option<usize>,
    pub reference: Option<String>,
    pub alternate: Option<String>,
    /// `snv`, `mnv`, `insertion`, `deletion` or `complex`.
    pub kind: Option<&'static str>,
    /// The problem with this variant (syntax, outside the sequence, REF mismatch), if any.
    pub error: Option<String>,
    /// Per target, measured units (empty on error).
    pub ref_prediction: Vec<f64>,
    pub alt_prediction: Vec<f64>,
    pub difference: Vec<f64>,
    /// `log2(alt / ref)` per target where both are positive.
    pub log2_fold_change: Vec<Option<f64>>,
    /// Model windows the effect is averaged over (0 on error).
    pub windows: usize,
}

/// How a variant's effect is computed, for any sequence length.
pub const EFFECT_AGGREGATION: &str = "mean over the model windows that contain the variant of alt − ref";

#[derive(Clone, Debug, Serialize)]
pub struct VariantReport {
    pub scores: Vec<VariantScore>,
    pub reverse_complement_averaged: bool,
    pub aggregation: &'static str,
    /// Two-segment models: the segment the variants are in (positions are within it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
}

/// Scores every variant in `text` (VCF lines or `pos REF>ALT`) against `sequence`.
pub fn score_variants(
    model: &Model,
    sequence: &[u8],
    text: &str,
    coordinates: &Coordinates,
    policy: &LengthPolicy,
    rc_average: bool,
) -> Result<VariantReport> {
    score_variants_in(model, &[sequence.to_vec()], 0, text, coordinates, std::slice::from_ref(policy), rc_average)
}

/// Scores every variant in `text` against segment `segment` of `item` (one sequence per model
/// segment; the others stay as given), each segment fitted by its policy. With `rc_average`
/// every prediction is the mean over both strands ([`crate::predict::reverse_strand`]).
pub fn score_variants_in(
    model: &Model,
    item: &[Vec<u8>],
    segment: usize,
    text: &str,
    coordinates: &Coordinates,
    policies: &[LengthPolicy],
    rc_average: bool,
) -> Result<VariantReport> {
    segments::check_count(&model.segments, item.len(), "the input")?;
    let Some(sequence) = item.get(segment) else {
        return Err(Error::Input(format!("segment {segment}: the model has {} segments", model.segments.len())));
    };
    let sequence = sequence.as_slice();
    let parsed = parse_variants(text, coordinates);
    // The reference's windows under its policy (one, or the tiles of a long sequence).
    let seg_len = model.segments[segment].length;
    let (ref_windows, _) = regula_core::length::fit(sequence, seg_len, &policies[segment])
        .map_err(|e| Error::Input(format!("the reference sequence: {e}")))?;
    let tiled = ref_windows.len() > 1;
    let reference = if tiled {
        Vec::new()
    } else {
        predict_values(model, vec![("reference".into(), item.to_vec())], policies, rc_average)
            .map_err(|e| Error::Input(format!("the reference sequence: {e}")))?
            .remove(0)
    };
    let mut scores = Vec::with_capacity(parsed.len());
    let mut alts: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for r in parsed {
        let mut s = VariantScore {
            line: 0,
            id: None,
            position: None,
            reference: None,
            alternate: None,
            kind: None,
            error: None,
            ref_prediction: vec![],
            alt_prediction: vec![],
            difference: vec![],
            log2_fold_change: vec![],
            windows: 0,
        };
        match r {
            Err(e) => {
                s.line = e.line();
                s.error = Some(e.to_string());
            }
            Ok(v) => {
                let Variant { id, position, reference: r, alternate: a, line } = &v;
                s.line = *line;
                s.id = Some(id.clone());
                s.position = Some(*position);
                s.reference = Some(r.clone());
                s.alternate = Some(a.clone());
                s.kind = Some(match v.kind() {
                    VariantKind::Snv => "snv",
                    VariantKind::Mnv => "mnv",
                    VariantKind::Insertion => "insertion",
                    VariantKind::Deletion => "deletion",
                    VariantKind::Complex => "complex",
                });
                match v.apply(sequence) {
                    Err(e) => s.error = Some(e.to_string()),
                    Ok(alt) => alts.push((scores.len(), v.position - 1, alt)),
                }
            }
        }
        scores.push(s);
    }
    if tiled {
        score_in_tiles(model, &ref_windows, &policies[segment], alts, &mut scores, rc_average)?;
    } else {
        let window = &ref_windows[0];
        // Alternate sequences that the policy cannot fit (e.g. an insertion past the model length
        // under `pad`) get their own error; the others are predicted together.
        let mut batch: Vec<Item> = Vec::new();
        let mut owners = Vec::new();
        for (i, first, alt) in alts {
            let line = scores[i].line;
            let paired = (model.segments.len() > 1).then(|| model.segments[segment].name.as_str());
            if let Some(e) = outside_view(first, window, sequence.len(), paired) {
                scores[i].error = Some(format!("line {line}: {e}"));
                continue;
            }
            match alternate_item(model, item, segment, alt, policies) {
                Err(e) => scores[i].error = Some(format!("line {line}: the sequence with this variant: {e}")),
                Ok(with) => {
                    batch.push((format!("line {line}"), with));
                    owners.push(i);
                }
            }
        }
        let values = predict_values(model, batch, policies, rc_average)?;
        for (i, alt) in owners.into_iter().zip(values) {
            set_prediction(&mut scores[i], reference.clone(), alt, 1);
        }
    }
    Ok(VariantReport {
        scores,
        reverse_complement_averaged: rc_average,
        aggregation: EFFECT_AGGREGATION,
        segment: (model.segments.len() > 1).then(|| model.segments[segment].name.clone()),
    })
}

/// A reference item and an alternate item (one sequence per model segment each).
pub type AllelePair = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// `item` with segment `segment` replaced by `alt` (a sequence with the variant applied), if the
/// segment's policy can fit it; else why not.
pub fn alternate_item(
    model: &Model,
    item: &[Vec<u8>],
    segment: usize,
    alt: Vec<u8>,
    policies: &[LengthPolicy],
) -> std::result::Result<Vec<Vec<u8>>, String> {
    if model.segments.len() > 1 {
        segments::fit_segment(&model.segments, segment, &alt, &policies[segment]).map_err(|e| e.to_string())?;
    } else {
        regula_core::length::fit(&alt, model.length, &policies[0]).map_err(|e| e.to_string())?;
    }
    let mut with = item.to_vec();
    with[segment] = alt;
    Ok(with)
}

/// Predictions of reference and alternate items, per pair `(reference, alternate)`, per target in
/// measured units, all in one batch: what every variant effect (`alternate − reference`) is
/// computed from, in the browser and natively.
pub fn score_pairs(
    model: &Model,
    pairs: Vec<AllelePair>,
    policies: &[LengthPolicy],
    rc_average: bool,
) -> Result<Vec<(Vec<f64>, Vec<f64>)>> {
    let items: Vec<Item> = pairs
        .into_iter()
        .enumerate()
        .flat_map(|(i, (r, a))| [(format!("pair {} reference", i + 1), r), (format!("pair {} alternate", i + 1), a)])
        .collect();
    let mut values = predict_values(model, items, policies, rc_average)?.into_iter();
    let mut out = Vec::with_capacity(values.len() / 2);
    while let (Some(r), Some(a)) = (values.next(), values.next()) {
        out.push((r, a));
    }
    Ok(out)
}

/// Why a variant whose first base is `first` (0-based) lies outside the model's view of a
/// sequence of `len` bases read in one `window`, if it does. `segment`: the segment of a
/// two-segment model the sequence is (which cannot be tiled).
fn outside_view(
    first: usize,
    window: &regula_core::length::Window,
    len: usize,
    segment: Option<&str>,
) -> Option<String> {
    let lo = (window.start + window.view.start as isize).max(0) as usize;
    let hi = ((window.start + window.view.end as isize).max(0) as usize).min(len);
    (!window.sees(first)).then(|| match segment {
        None => format!(
            "position {} is outside the model's view: the model reads bases {}–{} of this {len} bp sequence (cropped); tile the sequence to score it",
            first + 1,
            lo + 1,
            hi
        ),
        Some(name) => format!(
            "position {} is outside the model's view: the model reads bases {}–{} of this {len} bp {name} sequence (cropped to its window; a two-segment model reads one window per segment, so this base cannot be scored)",
            first + 1,
            lo + 1,
            hi
        ),
    })
}

fn set_prediction(s: &mut VariantScore, reference: Vec<f64>, alt: Vec<f64>, windows: usize) {
    s.difference = alt.iter().zip(&reference).map(|(a, r)| a - r).collect();
    s.log2_fold_change =
        alt.iter().zip(&reference).map(|(&a, &r)| (a > 0.0 && r > 0.0).then(|| (a / r).log2())).collect();
    s.ref_prediction = reference;
    s.alt_prediction = alt;
    s.windows = windows;
}

/// Tiled sequences: each variant against every reference tile containing its first base, the
/// alternate tile read at the same start from the sequence with the variant applied; the tiles
/// of the reference are predicted once, all alternate tiles in one batch.
fn score_in_tiles(
    model: &Model,
    ref_windows: &[regula_core::length::Window],
    policy: &LengthPolicy,
    alts: Vec<(usize, usize, Vec<u8>)>,
    scores: &mut [VariantScore],
    rc_average: bool,
) -> Result<()> {
    let padding = match policy {
        LengthPolicy::Tile { padding, .. } => padding.clone(),
        LengthPolicy::FlankedTiles { left, right, .. } => {
            regula_core::length::Padding::Flanks { left: left.clone(), right: right.clone() }
        }
        _ => return Err(Error::Input("several windows come only from tiling".into())),
    };
    let l = model.length;
    let exact = [LengthPolicy::Exact];
    let items = |windows: Vec<Vec<u8>>| -> Vec<Item> {
        windows.into_iter().enumerate().map(|(i, w)| (format!("window {}", i + 1), vec![w])).collect()
    };
    let reference =
        predict_values(model, items(ref_windows.iter().map(|w| w.bases.clone()).collect()), &exact, rc_average)?;
    let mut alt_windows = Vec::new();
    let mut owners: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, first, alt) in alts {
        let containing: Vec<usize> = (0..ref_windows.len()).filter(|&w| ref_windows[w].sees(first)).collect();
        for &w in &containing {
            // The alternate sequence read at the window's start over its view; the rest (a
            // flanked tile's flanks) stays as in the reference window.
            let window = &ref_windows[w];
            let mut bases = window.bases.clone();
            let read = regula_core::length::window_at(&alt, window.start, l, &padding);
            bases[window.view.clone()].copy_from_slice(&read[window.view.clone()]);
            alt_windows.push(bases);
        }
        owners.push((i, containing));
    }
    let alt_values = predict_values(model, items(alt_windows), &exact, rc_average)?;
    let mut next = 0;
    let t = model.outputs;
    for (i, containing) in owners {
        let n = containing.len() as f64;
        let mean = |rows: &mut dyn Iterator<Item = &Vec<f64>>| -> Vec<f64> {
            let mut acc = vec![0.0; t];
            for row in rows {
                acc.iter_mut().zip(row).for_each(|(a, v)| *a += v / n);
            }
            acc
        };
        let r = mean(&mut containing.iter().map(|&w| &reference[w]));
        let a = mean(&mut alt_values[next..next + containing.len()].iter());
        next += containing.len();
        set_prediction(&mut scores[i], r, a, containing.len());
    }
    Ok(())
}
