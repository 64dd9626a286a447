//! VCF variants on a reference genome, natively (`regula-train score-variants --vcf`) and in the
//! browser (the web app's genome variants) alike: each variant gets one model window of the
//! reference centred on it ([`window_span`], [`variant_windows`]: the model's input length of
//! reference, or for a model trained on an element between flanks, the element's length of
//! reference between those flanks; [`ReferenceWindows`] defines it), and the same window with
//! the variant applied; the pairs are scored by [`crate::variants::score_pairs`] (the effect is
//! `alt − ref` of that one window, optionally averaged over both strands).
//!
//! A variant that cannot be scored keeps its row with the reason: a line that is not a VCF
//! record, a chromosome not in the reference, a window off the chromosome, a REF that is not the
//! reference's, or an unknown base (`N`) in the window. Never a number.

use regula_core::genome::Reference;
use regula_core::length::LengthPolicy;
use regula_core::variant::{Coordinates, Variant, VariantError};

use crate::error::Result;
use crate::model::Model;
use crate::reference_windows::ReferenceWindows;

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

/// What a VCF variant's effect is, for a model reading `windows`: the words exports and the
/// page put beside the numbers.
pub fn effect_definition(windows: &ReferenceWindows) -> String {
    format!(
        "alt − ref of the model's window: {}, the alternate window read from the reference with the variant applied",
        windows.describe()
    )
}

/// Whether a VCF line is a record (not a `#` header line or a blank line).
pub fn is_record(line: &str) -> bool {
    !line.trim().is_empty() && !line.starts_with('#')
}

/// A record line's chromosome and its variants (one per ALT), or why it is not a VCF record.
pub fn parse_record(line: usize, text: &str) -> (String, std::result::Result<Vec<Variant>, VariantError>) {
    let chrom = text.split('\t').next().unwrap_or_default().to_string();
    let parsed = regula_core::variant::parse_vcf_line(text.trim_end_matches('\r'), line, &Coordinates::default());
    (chrom, parsed)
}

/// The reference bases a variant's windows are read from: the 0-based half-open interval
/// `[start, start + E + d)` on its chromosome, with the variant's first base at `start + E / 2`
/// (`E` the bases of reference `windows` reads: the model's input length, or its element between
/// flanks; `d` the bases a deletion removes, read so that the alternate window keeps `E` bases).
/// A window that would start before the chromosome is an error (it is never shifted
/// off-centre). The geometry is [`ReferenceWindows::span`]'s.
pub fn window_span(
    chrom: &str,
    variant: &Variant,
    windows: &ReferenceWindows,
) -> std::result::Result<(u64, u64), String> {
    let span = windows.span(chrom, variant).map_err(|e| e.to_string())?;
    Ok((span.start, span.end))
}

/// The reference window (`[start, start + E)` of [`window_span`], between the model's flanks if
/// it has any) with the variant's first base at element index `E / 2`, and the same window with
/// the variant applied (a deletion reads further along the genome to keep `E` bases; an
/// insertion's is cut back to `E`): read from `genome`, REF and `N` checked by
/// [`ReferenceWindows::windows`].
pub fn variant_windows<G: Reference + ?Sized>(
    genome: &G,
    chrom: &str,
    variant: &Variant,
    windows: &ReferenceWindows,
) -> std::result::Result<(Vec<u8>, Vec<u8>), String> {
    let w = windows;
    let span = w.span(chrom, variant).map_err(|e| e.to_string())?;
    let bases = genome.window(chrom, span.start as i64, span.end as i64).map_err(|e| e.to_string())?;
    w.windows(chrom, variant, span, &bases).map_err(|e| e.to_string())
}

/// The reference intervals `lines` need, per variant that parses: `(chrom, start, end)` as
/// [`window_span`] gives them (0-based, half-open) for a model reading `windows`. What a caller
/// that reads the reference by region (the browser) reads before [`score_lines`].
pub fn needed_windows(lines: &[(usize, String)], windows: &ReferenceWindows) -> Vec<(String, u64, u64)> {
    let mut out = Vec::new();
    for (line, text) in lines.iter().filter(|(_, l)| is_record(l)) {
        let (chrom, parsed) = parse_record(*line, text);
        for variant in parsed.into_iter().flatten() {
            if let Ok((s, e)) = window_span(&chrom, &variant, windows) {
                out.push((chrom.clone(), s, e));
            }
        }
    }
    out
}

/// Scores a chunk of VCF lines (1-based line number, text; headers and blank lines skipped)
/// against `genome`: every variant on its windows ([`variant_windows`], the model's
/// [`ReferenceWindows::for_model`]), all pairs predicted in one batch; lines that cannot be
/// parsed or placed carry their error.
pub fn score_lines<G: Reference + ?Sized>(
    model: &Model,
    genome: &G,
    lines: &[(usize, String)],
    rc_average: bool,
) -> Result<Vec<VariantScore>> {
    let windows = ReferenceWindows::for_model(model)?;
    let mut scores = Vec::new();
    let mut pairs = Vec::new();
    for (line, text) in lines.iter().filter(|(_, l)| is_record(l)) {
        let line = *line;
        let (chrom, parsed) = parse_record(line, text);
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
            let error = match variant_windows(genome, &chrom, &variant, &windows) {
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
    let predicted = crate::variants::score_pairs(model, pairs, &[LengthPolicy::Exact], rc_average)?;
    for (score, (r, a)) in scores.iter_mut().filter(|s| s.error.is_none()).zip(predicted) {
        score.reference = r;
        score.alternate = a;
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use regula_core::genome::{FastaIndex, RegionGenome};

    use super::*;

    fn snv(position: usize, reference: &str, alternate: &str) -> Variant {
        Variant { id: "v".into(), position, reference: reference.into(), alternate: alternate.into(), line: 3 }
    }

    /// chr1: 40 bases, one line per 10, the first base at genomic 0.
    const CHR1: &[u8] = b"ACGTACGTAACCGGTTAACCGGTTAAACCCGGGTTTNACG";

    /// A model reading 10 bases of reference, without flanks.
    fn w10() -> ReferenceWindows {
        ReferenceWindows::new(10)
    }

    fn genome(index: &FastaIndex) -> RegionGenome<'_> {
        let mut g = RegionGenome::new(index);
        g.add(&index.locate("chr1", 0, 40).unwrap(), Ok(CHR1.to_vec()));
        g
    }

    #[test]
    fn the_window_is_centred_on_the_variant_and_a_deletion_reads_on() {
        assert_eq!(window_span("1", &snv(11, "C", "T"), &w10()), Ok((5, 15)));
        assert_eq!(window_span("1", &snv(11, "CCG", "C"), &w10()), Ok((5, 17)));
        assert_eq!(window_span("1", &snv(11, "C", "CAA"), &w10()), Ok((5, 15)));
        assert_eq!(
            window_span("chr1", &snv(3, "G", "T"), &w10()).unwrap_err(),
            "chr1:3 is 2 bases from the start of the chromosome; a 10 bp window centred on it would start 3 bases before it"
        );
        let index = FastaIndex::parse(b"chr1\t40\t6\t10\t11\n").unwrap();
        let g = genome(&index);
        // 0-based 10 is the first base of the window's second half
        let (r, a) = variant_windows(&g, "chr1", &snv(11, "C", "T"), &w10()).unwrap();
        assert_eq!((r.as_slice(), a.as_slice()), (&b"CGTAACCGGT"[..], &b"CGTAATCGGT"[..]));
        let (r, a) = variant_windows(&g, "chr1", &snv(11, "CCG", "C"), &w10()).unwrap();
        assert_eq!((r.as_slice(), a.as_slice()), (&b"CGTAACCGGT"[..], &b"CGTAACGTTA"[..]));
        let (_, a) = variant_windows(&g, "chr1", &snv(11, "C", "CAA"), &w10()).unwrap();
        assert_eq!(a.as_slice(), &b"CGTAACAACG"[..]);
        // A model of 14 bp trained between the flanks xy and zw: the same 10 bases between them.
        let flanked = ReferenceWindows::flanked(14, b"xy", b"zw").unwrap();
        assert_eq!(window_span("1", &snv(11, "C", "T"), &flanked), Ok((5, 15)));
        let (r, a) = variant_windows(&g, "chr1", &snv(11, "CCG", "C"), &flanked).unwrap();
        assert_eq!((r.as_slice(), a.as_slice()), (&b"xyCGTAACCGGTzw"[..], &b"xyCGTAACGTTAzw"[..]));
        assert_eq!(
            effect_definition(&flanked),
            "alt − ref of the model's window: the 10 bp of reference centred on the variant (its first base at element position 6), between the model's 2 bp flanks: 14 bp in all, the alternate window read from the reference with the variant applied"
        );
    }

    #[test]
    fn what_cannot_be_scored_says_why() {
        let index = FastaIndex::parse(b"chr1\t40\t6\t10\t11\n").unwrap();
        let g = genome(&index);
        assert_eq!(
            variant_windows(&g, "chr1", &snv(11, "G", "T"), &w10()).unwrap_err(),
            "REF G does not match the reference, which has C at chr1:11"
        );
        assert_eq!(
            variant_windows(&g, "chr2", &snv(11, "C", "T"), &w10()).unwrap_err(),
            "chromosome 'chr2' is not in the genome FASTA (it has: 1)"
        );
        assert_eq!(
            variant_windows(&g, "chr1", &snv(38, "A", "T"), &w10()).unwrap_err(),
            "the window chr1:32-42 (0-based, half-open) runs past the genome sequence, which covers chr1:0-40"
        );
        assert_eq!(
            variant_windows(&g, "chr1", &snv(33, "G", "T"), &w10()).unwrap_err(),
            "the reference window chr1:28-37 has an unknown base (N) at chr1:37; a variant is scored only where every base of its window is known"
        );
    }

    #[test]
    fn the_windows_a_chunk_needs_are_those_it_reads() {
        let lines: Vec<(usize, String)> = [
            "##fileformat=VCFv4.2",
            "chr1\t11\tv1\tC\tT,G",
            "chr1\t2\tv2\tC\tT",
            "chr1\tfive\tv3\tC\tT",
            "",
            "chr2\t20\tv4\tCCG\tC",
        ]
        .iter()
        .enumerate()
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect();
        assert_eq!(
            needed_windows(&lines, &w10()),
            vec![("chr1".into(), 5, 15), ("chr1".into(), 5, 15), ("chr2".into(), 14, 26)]
        );
    }
}
