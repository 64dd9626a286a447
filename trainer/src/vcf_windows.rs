//! VCF variants on a reference genome: each variant gets a model-length window of the reference
//! centred on it, and the window with the variant applied; the scoring of those pairs is the
//! shared inference layer's (`regula_infer::variants::score_pairs`), as in the browser.

use regula_core::length::LengthPolicy;
use regula_core::variant::{Coordinates, Variant};
use regula_infer::Model;

use crate::data::genome::{Genome, Reference};
use crate::error::{Error, Result};

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

/// The reference window `[start, start + L)` with the variant's first base at index `L / 2`,
/// and the same window with the variant applied (a deletion reads further along the genome to
/// keep `L` bases; an insertion's window is cut back to `L`).
///
/// A window that would start before the chromosome or end after it is an error (the window is
/// never shifted off-centre).
pub fn variant_windows<G: Reference + ?Sized>(
    genome: &G,
    chrom: &str,
    variant: &Variant,
    length: usize,
) -> std::result::Result<(Vec<u8>, Vec<u8>), String> {
    let length = length as u64;
    let pos0 = variant.position as u64 - 1;
    if pos0 < length / 2 {
        return Err(format!(
            "{chrom}:{} is {pos0} bases from the start of the chromosome; a {length} bp window centred on it would start {} bases before it",
            variant.position,
            length / 2 - pos0
        ));
    }
    let start = pos0 - length / 2;
    let extra = variant.reference.len().saturating_sub(variant.alternate.len()) as u64;
    let reference_window =
        genome.window(chrom, start as i64, (start + length + extra) as i64).map_err(|e| e.to_string())?;
    let local = Variant { position: (pos0 - start + 1) as usize, ..variant.clone() };
    let alt = local.apply(&reference_window).map_err(|_| {
        let end = (pos0 - start) as usize + variant.reference.len();
        let found =
            String::from_utf8_lossy(&reference_window[(pos0 - start) as usize..end.min(reference_window.len())])
                .to_ascii_uppercase();
        format!(
            "REF {} does not match the reference, which has {found} at {chrom}:{}",
            variant.reference, variant.position
        )
    })?;
    let crop = |s: &[u8]| s[..length as usize].to_vec();
    Ok((crop(&reference_window), crop(&alt)))
}

/// Scores VCF text against a genome: every variant on its windows ([`variant_windows`]), all
/// pairs predicted in batches; lines that cannot be parsed or placed carry their error.
pub fn score_vcf(model: &Model, genome: &Genome, vcf: &str, rc_average: bool) -> Result<Vec<VariantScore>> {
    let lines: Vec<(usize, String)> = vcf.lines().enumerate().map(|(i, l)| (i + 1, l.to_string())).collect();
    score_lines(model, genome, &lines, rc_average)
}

/// Checks that a model can score VCF variants (one sequence input).
pub fn check_model(model: &Model) -> Result<()> {
    if model.segments.len() != 1 {
        return Err(Error::Invalid(
            "score-variants --vcf scores one-sequence models; this model reads a promoter and a distal partner".into(),
        ));
    }
    Ok(())
}

/// Scores a chunk of VCF lines (1-based line number, text; headers and blank lines skipped):
/// what a streaming caller feeds in pieces of a few thousand lines.
pub fn score_lines<G: Reference + ?Sized>(
    model: &Model,
    genome: &G,
    lines: &[(usize, String)],
    rc_average: bool,
) -> Result<Vec<VariantScore>> {
    check_model(model)?;
    let mut scores = Vec::new();
    let mut pairs = Vec::new();
    for (line, text) in lines.iter().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
        let line = *line;
        let chrom = text.split('\t').next().unwrap_or_default().to_string();
        let parsed = regula_core::variant::parse_vcf_line(text.trim_end_matches('\r'), line, &Coordinates::default());
        let variants = match parsed {
            Ok(v) => v,
            Err(e) => {
                let variant = Variant {
                    id: String::new(),
                    position: 0,
                    reference: String::new(),
                    alternate: String::new(),
                    line,
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
            let error = match variant_windows(genome, &chrom, &variant, model.length) {
                Ok((r, a)) => {
                    pairs.push((vec![r], vec![a]));
                    None
                }
                Err(e) => Some(e),
            };
            scores.push(VariantScore { chrom: chrom.clone(), variant, reference: vec![], alternate: vec![], error });
        }
    }
    if pairs.is_empty() {
        return Ok(scores);
    }
    let predicted = regula_infer::variants::score_pairs(model, pairs, &[LengthPolicy::Exact], rc_average)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    for (score, (r, a)) in scores.iter_mut().filter(|s| s.error.is_none()).zip(predicted) {
        score.reference = r;
        score.alternate = a;
    }
    Ok(scores)
}
