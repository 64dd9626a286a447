//! VCF variants on a reference genome: each variant gets a model-length window of the reference
//! centred on it, and the window with the variant applied. The window geometry and the scoring
//! are the shared inference layer's (`regula_infer::vcf`, which the browser runs too); this
//! module adapts them to the trainer's genomes and errors.

use regula_infer::Model;
pub use regula_infer::vcf::{VariantScore, variant_windows, window_span};

use crate::data::genome::{Genome, Reference};
use crate::error::{Error, Result};

/// Scores VCF text against a genome: every variant on its windows ([`variant_windows`]), all
/// pairs predicted in batches; lines that cannot be parsed or placed carry their error.
pub fn score_vcf(model: &Model, genome: &Genome, vcf: &str, rc_average: bool) -> Result<Vec<VariantScore>> {
    let lines: Vec<(usize, String)> = vcf.lines().enumerate().map(|(i, l)| (i + 1, l.to_string())).collect();
    score_lines(model, genome, &lines, rc_average)
}

/// Checks that a model can score VCF variants (one sequence input).
pub fn check_model(model: &Model) -> Result<()> {
    regula_infer::vcf::check_model(model).map_err(|e| Error::Invalid(e.to_string()))
}

/// Scores a chunk of VCF lines (1-based line number, text; headers and blank lines skipped):
/// what a streaming caller feeds in pieces of a few thousand lines.
pub fn score_lines<G: Reference + ?Sized>(
    model: &Model,
    genome: &G,
    lines: &[(usize, String)],
    rc_average: bool,
) -> Result<Vec<VariantScore>> {
    regula_infer::vcf::score_lines(model, genome, lines, rc_average).map_err(|e| Error::Invalid(e.to_string()))
}
