//! Native scans with an exported model in ONNX Runtime, for jobs too large for a browser tab:
//! saturation mutagenesis of sequences and scoring of VCF variants against a reference genome.
//! Parsing, length fitting and variant application are the shared core's, as in the browser.

use regula_core::length::{LengthPolicy, fit};
use regula_core::variant::{Coordinates, Variant};

use crate::data::genome::Genome;
use crate::error::{Error, Result};
use crate::exported::ExportedModel;

/// Effect of one substitution on each target.
#[derive(Clone, Debug, PartialEq)]
pub struct Substitution {
    /// 1-based position in the sequence as given.
    pub position: usize,
    pub reference: u8,
    pub alternate: u8,
    /// Alternate minus reference prediction, per target, in measured units.
    pub effects: Vec<f64>,
}

/// Reference prediction and all 3·L substitutions of `seq` (fitted to the model by `policy`,
/// which must give one window: pad or crop, not tile). Substitutions in padding are not made.
pub fn saturation_mutagenesis(
    model: &mut ExportedModel,
    name: &str,
    seq: &[u8],
    policy: &LengthPolicy,
    rc_average: bool,
) -> Result<(Vec<f64>, Vec<Substitution>)> {
    let length = model.input_length();
    let (windows, _) = fit(seq, length, policy).map_err(|e| Error::Invalid(format!("sequence '{name}': {e}")))?;
    let [window] = windows.as_slice() else {
        return Err(Error::Invalid(format!(
            "sequence '{name}' is {} bp and would be tiled; saturation mutagenesis needs one window: use a pad or crop policy",
            seq.len()
        )));
    };
    let mut batch: Vec<Vec<u8>> = vec![window.bases.clone()];
    let mut made = Vec::new();
    for (i, &b) in window.bases.iter().enumerate() {
        let original = window.start + i as isize;
        if original < 0 || original >= seq.len() as isize {
            continue;
        }
        for alt in *b"ACGT" {
            if alt.eq_ignore_ascii_case(&b) || b.eq_ignore_ascii_case(&b'N') {
                continue;
            }
            let mut mutant = window.bases.clone();
            mutant[i] = alt;
            batch.push(mutant);
            made.push((original as usize + 1, b.to_ascii_uppercase(), alt));
        }
    }
    let refs: Vec<(&str, &[u8])> = batch.iter().map(|s| (name, s.as_slice())).collect();
    let predictions = model.predict(&refs, Some(&LengthPolicy::Exact), rc_average)?;
    let reference = predictions[0].values.clone();
    let substitutions = made
        .into_iter()
        .zip(&predictions[1..])
        .map(|((position, r, a), p)| Substitution {
            position,
            reference: r,
            alternate: a,
            effects: p.values.iter().zip(&reference).map(|(x, y)| x - y).collect(),
        })
        .collect();
    Ok((reference, substitutions))
}

/// One scored variant.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantScore {
    pub chrom: String,
    pub variant: Variant,
    /// Per target: reference and alternate predictions in measured units; empty on error.
    pub reference: Vec<f64>,
    pub alternate: Vec<f64>,
    /// Why the variant could not be scored (REF mismatch, off the genome, ...).
    pub error: Option<String>,
}

/// Scores VCF text against a genome: each variant is centred in a model-length window of the
/// reference (the alternate window is re-centred and cropped to the same length for indels).
pub fn score_vcf(model: &mut ExportedModel, genome: &Genome, vcf: &str, rc_average: bool) -> Result<Vec<VariantScore>> {
    let length = model.input_length() as u64;
    let mut scores = Vec::new();
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for line in vcf.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
        let (i, text) = line;
        let chrom = text.split('\t').next().unwrap_or_default().to_string();
        let parsed = regula_core::variant::parse_vcf_line(text.trim_end_matches('\r'), i + 1, &Coordinates::default());
        let variants = match parsed {
            Ok(v) => v,
            Err(e) => {
                let variant = Variant {
                    id: String::new(),
                    position: 0,
                    reference: String::new(),
                    alternate: String::new(),
                    line: i + 1,
                };
                scores.push(VariantScore {
                    chrom,
                    variant,
                    reference: vec![],
                    alternate: vec![],
                    error: Some(e.to_string()),
                });
                continue;
            }
        };
        for variant in variants {
            // 0-based start of a window with the variant's first base at its centre.
            let pos0 = variant.position as u64 - 1;
            let start = pos0.saturating_sub(length / 2);
            let extra = variant.reference.len().saturating_sub(variant.alternate.len()) as u64;
            let outcome = genome
                .window(&chrom, start as i64, (start + length + extra) as i64)
                .map_err(|e| e.to_string())
                .and_then(|reference_window| {
                    let local = Variant { position: (pos0 - start + 1) as usize, ..variant.clone() };
                    let alt = local.apply(&reference_window).map_err(|_| {
                        let end = (pos0 - start) as usize + variant.reference.len();
                        let found = String::from_utf8_lossy(
                            &reference_window[(pos0 - start) as usize..end.min(reference_window.len())],
                        )
                        .to_ascii_uppercase();
                        format!(
                            "REF {} does not match the reference, which has {found} at {chrom}:{}",
                            variant.reference, variant.position
                        )
                    })?;
                    let crop = |s: &[u8]| s[..length as usize].to_vec();
                    Ok((crop(&reference_window), crop(&alt)))
                });
            match outcome {
                Ok(pair) => {
                    pairs.push(pair);
                    scores.push(VariantScore {
                        chrom: chrom.clone(),
                        variant,
                        reference: vec![],
                        alternate: vec![],
                        error: None,
                    });
                }
                Err(e) => scores.push(VariantScore {
                    chrom: chrom.clone(),
                    variant,
                    reference: vec![],
                    alternate: vec![],
                    error: Some(e),
                }),
            }
        }
    }
    let sequences: Vec<(&str, &[u8])> =
        pairs.iter().flat_map(|(r, a)| [("ref", r.as_slice()), ("alt", a.as_slice())]).collect();
    let predictions = model.predict(&sequences, Some(&LengthPolicy::Exact), rc_average)?;
    let mut next = predictions.chunks(2);
    for score in scores.iter_mut().filter(|s| s.error.is_none()) {
        let pair = next.next().expect("one prediction pair per scored variant");
        score.reference = pair[0].values.clone();
        score.alternate = pair[1].values.clone();
    }
    Ok(scores)
}

/// One row of a variant table with both alleles' sequences (as CAGI4 publishes eQTL variants).
#[derive(Clone, Debug, PartialEq)]
pub struct PairScore {
    pub id: String,
    pub line: usize,
    /// Per target, in measured units.
    pub reference: Vec<f64>,
    pub alternate: Vec<f64>,
}

/// Scores a table whose rows hold a reference and an alternate sequence; each is fitted to the
/// model by `policy` (the manifest's default when `None`), so indel alleles of other lengths work.
pub fn score_pairs(
    model: &mut ExportedModel,
    table: &regula_core::sequence::table::Table,
    policy: Option<&LengthPolicy>,
    rc_average: bool,
) -> Result<Vec<PairScore>> {
    let sequences: Vec<(&str, &[u8])> = table
        .rows
        .iter()
        .flat_map(|r| [(r.id.as_str(), r.sequences[0].as_slice()), (r.id.as_str(), r.sequences[1].as_slice())])
        .collect();
    let predictions = model.predict(&sequences, policy, rc_average)?;
    Ok(table
        .rows
        .iter()
        .zip(predictions.chunks(2))
        .map(|(r, p)| PairScore {
            id: r.id.clone(),
            line: r.line,
            reference: p[0].values.clone(),
            alternate: p[1].values.clone(),
        })
        .collect())
}
