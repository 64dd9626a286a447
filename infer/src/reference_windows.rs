//! Variants on a reference genome (a VCF against a FASTA): the one definition the CLI and the
//! browser share of which stretch of the reference a variant is read in, its reference and
//! alternate model windows, why a variant cannot be scored, and the batch that predicts many
//! variants' windows, each distinct window once.
//!
//! **The window.** A variant is read in the one model window centred on it: `element` bases of
//! the reference, the variant's first base at index `element / 2`. For a model read as
//! constructs (default policy `flanked_tiles`: an element between fixed adapters, as the MPRA
//! models) `element` is the tile between the adapters and the window is that element between
//! them, as the model saw its training constructs; for any other model it is the model's input
//! length of reference. The alternate window is the same stretch with the variant applied: a
//! deletion reads further along the reference to keep `element` bases, an insertion's window is
//! cut back to `element`. A window is never shifted off-centre: a variant too near either end of
//! its chromosome, on a chromosome the reference lacks, whose REF differs from the reference, or
//! whose window holds `N` is not scored ([`Unscorable`] says why), and never shown as 0.
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

/// How a model reads a variant on a reference genome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceWindows {
    /// Bases of reference in a window.
    pub element: usize,
    /// Fixed bases before and after every element (a construct model's adapters), or empty.
    pub left: String,
    pub right: String,
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
    #[error("chromosome '{chrom}' is not in the reference FASTA (it has: {available})")]
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
        "the {element} bp window {chrom}:{first}-{last} holds {count} N (unknown) bases{with}; the model reads no prediction from unknown bases, so the variant is not scored"
    )]
    NInWindow { chrom: String, first: u64, last: u64, element: usize, count: usize, with: &'static str },
    /// The reference has a letter other than A, C, G, T or N in the window.
    #[error("{0}")]
    ReferenceLetter(String),
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
            Unscorable::ReferenceLetter(_) => "reference_letter",
        }
    }

    /// Every code with what it means, for a VCF header's description.
    pub const CODES: [(&'static str, &'static str); 6] = [
        ("unsupported_allele", "REF or ALT is symbolic, * or has letters other than ACGTN"),
        ("unknown_chromosome", "the reference has no such chromosome"),
        ("outside_reference", "the window centred on the variant runs off the chromosome"),
        ("ref_mismatch", "REF differs from the reference"),
        ("n_in_window", "the window holds N bases"),
        ("reference_letter", "the reference has a letter other than ACGTN in the window"),
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
    /// The windows of a model of input length `model_length` read by `policy` (its default):
    /// the element between the flanks for `flanked_tiles`, the whole input otherwise.
    pub fn new(model_length: usize, policy: &LengthPolicy) -> Self {
        match policy {
            LengthPolicy::FlankedTiles { left, right, .. } if left.len() + right.len() < model_length => {
                ReferenceWindows {
                    element: model_length - left.len() - right.len(),
                    left: left.clone(),
                    right: right.clone(),
                }
            }
            _ => ReferenceWindows { element: model_length, left: String::new(), right: String::new() },
        }
    }

    /// The windows of `model` by its manifest's default policy; a model that reads two sequences
    /// (a promoter and a distal partner) cannot score variants on a reference.
    pub fn for_model(model: &Model) -> Result<Self> {
        if model.segments.len() != 1 {
            return Err(Error::Unsupported(
                "score-variants --vcf scores one-sequence models; this model reads a promoter and a distal partner"
                    .into(),
            ));
        }
        Ok(Self::new(model.length, &model.manifest.inputs[0].default_length_policy))
    }

    /// Bases the model reads per window (element and flanks).
    pub fn model_length(&self) -> usize {
        self.left.len() + self.element + self.right.len()
    }

    /// The window in words, for output headers and documentation.
    pub fn describe(&self) -> String {
        let base = format!(
            "the {} bp of reference centred on the variant (its first base at index {})",
            self.element,
            self.element / 2
        );
        if self.left.is_empty() && self.right.is_empty() {
            base
        } else {
            format!("{base}, read between the model's {} + {} bp adapters", self.left.len(), self.right.len())
        }
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
        let (reference, alternate) = (&bases[..self.element], &alt[..self.element]);
        let ns = |w: &[u8]| w.iter().filter(|&&b| b == b'N' || b == b'n').count();
        let (in_ref, in_alt) = (ns(reference), ns(alternate));
        if in_ref > 0 || in_alt > 0 {
            return Err(Unscorable::NInWindow {
                chrom: chrom.to_string(),
                first: span.start + 1,
                last: span.start + self.element as u64,
                element: self.element,
                count: in_ref.max(in_alt),
                with: if in_ref > 0 { "" } else { " with the variant applied" },
            });
        }
        let wrap = |w: &[u8]| {
            let mut out = Vec::with_capacity(self.model_length());
            out.extend_from_slice(self.left.as_bytes());
            out.extend_from_slice(w);
            out.extend_from_slice(self.right.as_bytes());
            out
        };
        Ok((wrap(reference), wrap(alternate)))
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
    fn a_construct_model_reads_the_element_between_its_adapters() {
        let policy = LengthPolicy::FlankedTiles { stride: 2, left: "xy".into(), right: "z".into() };
        let w = ReferenceWindows::new(9, &policy);
        assert_eq!((w.element, w.model_length()), (6, 9));
        // Reference ACGTACGTAC: the SNV at position 5 (A) sits at index 3 of the 6 bp element.
        let reference = b"ACGTACGTAC";
        let v = snv(5, "A", "G");
        let span = w.span("c", &v).unwrap();
        assert_eq!(span, Span { start: 1, end: 7 });
        let (r, a) = w.windows("c", &v, span, &reference[1..7]).unwrap();
        assert_eq!((r.as_slice(), a.as_slice()), (&b"xyCGTACGz"[..], &b"xyCGTGCGz"[..]));
        // Other policies read the whole input length of reference.
        let plain = ReferenceWindows::new(9, &LengthPolicy::Exact);
        assert_eq!((plain.element, plain.left.as_str()), (9, ""));
    }

    #[test]
    fn a_deletion_reads_on_and_an_insertion_is_cut_back() {
        let w = ReferenceWindows::new(4, &LengthPolicy::Exact);
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
        let w = ReferenceWindows::new(6, &LengthPolicy::Exact);
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
            "the 6 bp window chr9:2-7 holds 1 N (unknown) bases; the model reads no prediction from unknown bases, so the variant is not scored"
        );
        let e = w.windows("chr9", &snv(5, "C", "N"), span, b"ACGCAC").unwrap_err();
        assert!(e.to_string().contains("holds 1 N (unknown) bases with the variant applied"), "{e}");
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
