//! Variants on a reference genome (a VCF against a FASTA): the one definition the CLI and the
//! browser share of which stretch of the reference a variant is read in, its reference and
//! alternate model windows, why a variant cannot be scored, and the batch that predicts many
//! variants' windows, each distinct window once.
//!
//! **The window.** A variant is read in the one model window centred on it: `L` bases of the
//! reference (the model's input length), the variant's first base at index `L / 2`. The
//! alternate window is the same stretch with the variant applied: a deletion reads further along
//! the reference to keep `L` bases, an insertion's window is cut back to `L`. A window is never
//! shifted off-centre: a variant too near either end of its chromosome, on a chromosome the
//! reference lacks, whose REF differs from the reference, or whose stretch of reference holds `N`
//! is not scored ([`Unscorable`] says why), and never shown as 0. [`crate::vcf`] (the browser's
//! and the CLI's VCF-on-genome scoring) reads its windows here.
//!
//! **The effect** is the model's prediction of the alternate window minus that of the reference
//! window, per target in the model's units ([`crate::variants::EFFECT_AGGREGATION`] over the one
//! window that holds the variant), optionally averaged over both strands.
//!
//! The functions here do no I/O: a caller asks [`ReferenceWindows::span`] which bases a variant
//! needs, reads them however it reads its reference (an indexed FASTA natively, `File.slice` in
//! the browser), and hands them to [`ReferenceWindows::windows`].

use std::collections::HashMap;

use regula_core::length::LengthPolicy;
use regula_core::variant::{Variant, VariantError};

use crate::error::{Error, Result};
use crate::model::Model;
use crate::predict::{Item, predict_values};

/// How a model reads a variant on a reference genome: its input length of reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceWindows {
    /// Bases of reference in a window: the model's input length.
    pub element: usize,
}

/// The bases of reference a variant's windows are built from: 0-based, half-open, on its
/// chromosome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    pub end: u64,
}

/// Why a variant has no score. [`Unscorable::code`] is the short reason an annotated VCF
/// carries; the message says it in words, with the variant's place.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unscorable {
    /// REF or ALT cannot be applied to a sequence (symbolic, `*`, letters other than ACGTN, no ALT).
    #[error("{0}")]
    Allele(String),
    #[error("chromosome '{chrom}' is not in the genome FASTA (it has: {available})")]
    UnknownChromosome { chrom: String, available: String },
    #[error(
        "{chrom}:{position} is {before} bases from the start of the chromosome; a {element} bp window centred on it would start {short} bases before it"
    )]
    NearStart { chrom: String, position: u64, before: u64, element: usize, short: u64 },
    /// The window runs past the end of the chromosome (or of the stretch the reference holds).
    #[error("{0}")]
    PastEnd(String),
    #[error("REF {reference} does not match the reference, which has {found} at {chrom}:{position}")]
    RefMismatch { chrom: String, position: u64, reference: String, found: String },
    #[error(
        "the reference window {chrom}:{first}-{last} has an unknown base (N) at {chrom}:{at}; a variant is scored only where every base of its window is known"
    )]
    NInWindow { chrom: String, first: u64, last: u64, at: u64 },
    /// The reference could not be read there (a letter other than A, C, G, T or N, or a read error).
    #[error("{0}")]
    Unreadable(String),
}

impl Unscorable {
    /// The reason in one word, as an annotated VCF's INFO carries it.
    pub fn code(&self) -> &'static str {
        match self {
            Unscorable::Allele(_) => "unsupported_allele",
            Unscorable::UnknownChromosome { .. } => "unknown_chromosome",
            Unscorable::NearStart { .. } | Unscorable::PastEnd(_) => "outside_reference",
            Unscorable::RefMismatch { .. } => "ref_mismatch",
            Unscorable::NInWindow { .. } => "n_in_window",
            Unscorable::Unreadable(_) => "reference_unreadable",
        }
    }

    /// Every code with what it means, for a VCF header's description.
    pub const CODES: [(&'static str, &'static str); 6] = [
        ("unsupported_allele", "REF or ALT is symbolic, * or has letters other than ACGTN"),
        ("unknown_chromosome", "the reference has no such chromosome"),
        ("outside_reference", "the window centred on the variant runs off the chromosome"),
        ("ref_mismatch", "REF differs from the reference"),
        ("n_in_window", "the window holds N bases"),
        ("reference_unreadable", "the reference could not be read there (a letter other than ACGTN, or a read error)"),
    ];

    /// A variant-list error about an allele, without its `line N: ` (the caller places it).
    pub fn from_allele(e: &VariantError) -> Self {
        match e {
            VariantError::Syntax { message, .. } => Unscorable::Allele(message.clone()),
            other => Unscorable::Allele(other.to_string()),
        }
    }
}

impl ReferenceWindows {
    /// The windows of a model of input length `model_length`.
    pub fn new(model_length: usize) -> Self {
        ReferenceWindows { element: model_length }
    }

    /// The windows of `model`; a model that reads two sequences (a promoter and a distal
    /// partner) cannot score variants on a reference.
    pub fn for_model(model: &Model) -> Result<Self> {
        if model.segments.len() != 1 {
            return Err(Error::Input(
                "score-variants --vcf scores one-sequence models; this model reads a promoter and a distal partner"
                    .into(),
            ));
        }
        Ok(Self::new(model.length))
    }

    /// Bases the model reads per window.
    pub fn model_length(&self) -> usize {
        self.element
    }

    /// The window in words, for output headers and documentation.
    pub fn describe(&self) -> String {
        format!(
            "the {} bp of reference centred on the variant (its first base at window position {})",
            self.element,
            self.element / 2 + 1
        )
    }

    /// The stretch of `chrom` that `variant`'s windows are built from (a deletion's reaches
    /// further), or why there is none.
    pub fn span(&self, chrom: &str, variant: &Variant) -> std::result::Result<Span, Unscorable> {
        let half = (self.element / 2) as u64;
        let pos0 = variant.position as u64 - 1;
        if pos0 < half {
            return Err(Unscorable::NearStart {
                chrom: chrom.to_string(),
                position: variant.position as u64,
                before: pos0,
                element: self.element,
                short: half - pos0,
            });
        }
        let extra = variant.reference.len().saturating_sub(variant.alternate.len()) as u64;
        let start = pos0 - half;
        Ok(Span { start, end: start + self.element as u64 + extra })
    }

    /// The reference and alternate model windows of `variant` from `bases`, the reference's
    /// upper-case bases of [`ReferenceWindows::span`]; REF is checked and `N` refused.
    pub fn windows(
        &self,
        chrom: &str,
        variant: &Variant,
        span: Span,
        bases: &[u8],
    ) -> std::result::Result<(Vec<u8>, Vec<u8>), Unscorable> {
        debug_assert_eq!(bases.len() as u64, span.end - span.start);
        let at = (variant.position as u64 - 1 - span.start) as usize;
        let local = Variant { position: at + 1, ..variant.clone() };
        let alt = local.apply(bases).map_err(|_| {
            let end = (at + variant.reference.len()).min(bases.len());
            Unscorable::RefMismatch {
                chrom: chrom.to_string(),
                position: variant.position as u64,
                reference: variant.reference.clone(),
                found: String::from_utf8_lossy(&bases[at..end]).to_ascii_uppercase(),
            }
        })?;
        if let Some(i) = bases.iter().position(|&b| b == b'N' || b == b'n') {
            return Err(Unscorable::NInWindow {
                chrom: chrom.to_string(),
                first: span.start + 1,
                last: span.end,
                at: span.start + i as u64 + 1,
            });
        }
        Ok((bases[..self.element].to_vec(), alt[..self.element].to_vec()))
    }
}

/// The windows of many variants, each distinct window once (variants at one position share
/// their reference window; a multi-allelic record's alleles share it too), with each variant's
/// (reference, alternate) indices into them. Predict [`WindowBatch::windows`] in any grouping
/// (the native CLI splits them over threads), then [`WindowBatch::pairs_of`] the values.
#[derive(Clone, Debug, Default)]
pub struct WindowBatch {
    pub windows: Vec<Vec<u8>>,
    pub pairs: Vec<(usize, usize)>,
    seen: HashMap<Vec<u8>, usize>,
}

impl WindowBatch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a variant's windows; returns its index among the pairs.
    pub fn push(&mut self, reference: Vec<u8>, alternate: Vec<u8>) -> usize {
        let r = self.index(reference);
        let a = self.index(alternate);
        self.pairs.push((r, a));
        self.pairs.len() - 1
    }

    fn index(&mut self, window: Vec<u8>) -> usize {
        if let Some(&i) = self.seen.get(&window) {
            return i;
        }
        self.windows.push(window.clone());
        self.seen.insert(window, self.windows.len() - 1);
        self.windows.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Per variant, (reference, alternate) predictions from the values of every window in order.
    pub fn pairs_of(&self, values: &[Vec<f64>]) -> Vec<(Vec<f64>, Vec<f64>)> {
        self.pairs.iter().map(|&(r, a)| (values[r].clone(), values[a].clone())).collect()
    }

    /// Predicts every window (per target, measured units; with `rc_average` the mean of both
    /// strands) and returns each variant's pair.
    pub fn predict(&self, model: &Model, rc_average: bool) -> Result<Vec<(Vec<f64>, Vec<f64>)>> {
        let values = predict_windows(model, &self.windows, rc_average)?;
        Ok(self.pairs_of(&values))
    }

    /// The batch cut into `parts` batches of consecutive variants (each with its own windows), to
    /// predict side by side; their pairs, concatenated in order, are this batch's.
    pub fn split(&self, parts: usize) -> Vec<WindowBatch> {
        let parts = parts.clamp(1, self.pairs.len().max(1));
        let bounds: Vec<usize> = (0..=parts).map(|i| i * self.pairs.len() / parts).collect();
        bounds
            .windows(2)
            .map(|b| {
                let mut part = WindowBatch::new();
                for &(r, a) in &self.pairs[b[0]..b[1]] {
                    part.push(self.windows[r].clone(), self.windows[a].clone());
                }
                part
            })
            .collect()
    }
}

/// Predictions of model-length windows (per target, measured units; with `rc_average` the mean
/// of both strands), in order.
pub fn predict_windows(model: &Model, windows: &[Vec<u8>], rc_average: bool) -> Result<Vec<Vec<f64>>> {
    let items: Vec<Item> =
        windows.iter().enumerate().map(|(i, w)| (format!("window {}", i + 1), vec![w.clone()])).collect();
    predict_values(model, items, &[LengthPolicy::Exact], rc_average)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snv(position: usize, r: &str, a: &str) -> Variant {
        Variant { id: "v".into(), position, reference: r.into(), alternate: a.into(), line: 1 }
    }

    #[test]
    fn the_window_is_centred_on_the_variant() {
        let w = ReferenceWindows::new(6);
        // Reference ACGTACGTAC: the SNV at position 5 (A) sits at index 3 of the 6 bp window.
        let reference = b"ACGTACGTAC";
        let v = snv(5, "A", "G");
        let span = w.span("c", &v).unwrap();
        assert_eq!(span, Span { start: 1, end: 7 });
        let (r, a) = w.windows("c", &v, span, &reference[1..7]).unwrap();
        assert_eq!((r.as_slice(), a.as_slice()), (&b"CGTACG"[..], &b"CGTGCG"[..]));
        assert_eq!(w.describe(), "the 6 bp of reference centred on the variant (its first base at window position 4)");
    }

    #[test]
    fn a_deletion_reads_on_and_an_insertion_is_cut_back() {
        let w = ReferenceWindows::new(4);
        let reference = b"AACCGGTTAA";
        let del = snv(5, "GGT", "G");
        let span = w.span("c", &del).unwrap();
        assert_eq!(span, Span { start: 2, end: 8 });
        let (r, a) = w.windows("c", &del, span, &reference[2..8]).unwrap();
        assert_eq!((r.as_slice(), a.as_slice()), (&b"CCGG"[..], &b"CCGT"[..]));
        let ins = snv(5, "G", "GAAA");
        let span = w.span("c", &ins).unwrap();
        let (_, a) = w.windows("c", &ins, span, &reference[2..6]).unwrap();
        assert_eq!(a, b"CCGA");
    }

    #[test]
    fn says_why_a_variant_is_not_scored() {
        let w = ReferenceWindows::new(6);
        let e = w.span("chr9", &snv(2, "A", "G")).unwrap_err();
        assert_eq!(e.code(), "outside_reference");
        assert_eq!(
            e.to_string(),
            "chr9:2 is 1 bases from the start of the chromosome; a 6 bp window centred on it would start 2 bases before it"
        );
        let v = snv(5, "T", "G");
        let span = w.span("chr9", &v).unwrap();
        let e = w.windows("chr9", &v, span, b"ACGCAC").unwrap_err();
        assert_eq!(e.code(), "ref_mismatch");
        assert_eq!(e.to_string(), "REF T does not match the reference, which has C at chr9:5");
        let e = w.windows("chr9", &snv(5, "C", "G"), span, b"ANGCAC").unwrap_err();
        assert_eq!(e.code(), "n_in_window");
        assert_eq!(
            e.to_string(),
            "the reference window chr9:2-7 has an unknown base (N) at chr9:3; a variant is scored only where every base of its window is known"
        );
        assert!(Unscorable::CODES.iter().any(|(c, _)| *c == e.code()));
    }

    #[test]
    fn a_batch_holds_each_distinct_window_once() {
        let mut b = WindowBatch::new();
        assert_eq!(b.push(b"AAAA".to_vec(), b"AAGA".to_vec()), 0);
        assert_eq!(b.push(b"AAAA".to_vec(), b"AATA".to_vec()), 1);
        assert_eq!(b.push(b"CCCC".to_vec(), b"CCGC".to_vec()), 2);
        assert_eq!(b.windows.len(), 5);
        assert_eq!(b.pairs, vec![(0, 1), (0, 2), (3, 4)]);
        let values: Vec<Vec<f64>> = (0..5).map(|i| vec![i as f64]).collect();
        assert_eq!(b.pairs_of(&values)[1], (vec![0.0], vec![2.0]));
        // Split for threads: consecutive variants, each part with its own windows.
        let parts = b.split(2);
        assert_eq!(parts.iter().map(|p| p.pairs.len()).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(parts[1].windows, [b"AAAA".to_vec(), b"AATA".to_vec(), b"CCCC".to_vec(), b"CCGC".to_vec()]);
    }
}
