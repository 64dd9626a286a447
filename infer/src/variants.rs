//! Variant effects against a given sequence: `alt − ref` (and log2 fold change where both
//! predictions are positive) per target, every variant's REF checked, optionally averaged over
//! the forward and reverse-complement strands.
//!
//! Sequences that do not fit the model are fitted by the length policy exactly as for plain
//! prediction; a tiled sequence's prediction is the mean over its windows
//! ([`crate::predict::TILE_AGGREGATION`]), for the reference and for each alternate sequence.

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
}

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
    let reference = predict_values(model, vec![("reference".into(), item.to_vec())], policies, rc_average)
        .map_err(|e| Error::Input(format!("the reference sequence: {e}")))?
        .remove(0);
    let mut scores = Vec::with_capacity(parsed.len());
    let mut alts: Vec<(usize, Vec<u8>)> = Vec::new();
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
                    Ok(alt) => alts.push((scores.len(), alt)),
                }
            }
        }
        scores.push(s);
    }
    // Alternate sequences that the policy cannot fit (e.g. an insertion past the model length
    // under `pad`) get their own error; the others are predicted together.
    let mut batch: Vec<Item> = Vec::new();
    let mut owners = Vec::new();
    for (i, alt) in alts {
        match alternate_item(model, item, segment, alt, policies) {
            Err(e) => scores[i].error = Some(format!("line {}: the sequence with this variant: {e}", scores[i].line)),
            Ok(with) => {
                batch.push((format!("line {}", scores[i].line), with));
                owners.push(i);
            }
        }
    }
    let values = predict_values(model, batch, policies, rc_average)?;
    for (i, alt) in owners.into_iter().zip(values) {
        let s = &mut scores[i];
        s.difference = alt.iter().zip(&reference).map(|(a, r)| a - r).collect();
        s.log2_fold_change =
            alt.iter().zip(&reference).map(|(&a, &r)| (a > 0.0 && r > 0.0).then(|| (a / r).log2())).collect();
        s.ref_prediction = reference.clone();
        s.alt_prediction = alt;
    }
    Ok(VariantReport {
        scores,
        reverse_complement_averaged: rc_average,
        aggregation: crate::predict::TILE_AGGREGATION,
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
