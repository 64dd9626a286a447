//! Variants on a reference genome (a VCF against a FASTA): the one definition the CLI and the
//! browser share of which stretch of the reference a variant is read in, its reference and
//! alternate model windows, why a variant cannot be scored, and the batch that predicts many
//! variants' windows, each distinct window once.
//!
//! **The window** is what the model reads of a sequence by its default length policy, with the
//! variant at its centre:
//!
//! - a model trained on constructs, an element between fixed flanks (an MPRA model's adapters,
//!   default policy [`LengthPolicy::FlankedTiles`]), reads the `E = L − left − right` bases of
//!   reference centred on the variant (its first base at element index `E / 2`) between its
//!   left and right flanks: `L` bases in all, as it saw its training constructs (and as it reads
//!   a pasted sequence, tile by tile);
//! - any other model reads the `L` bases of reference centred on the variant (its first base at
//!   index `L / 2`), `L` the model's input length.
//!
//! The alternate window is the same stretch with the variant applied: a deletion reads further
//! along the reference to keep `E` bases, an insertion's stretch is cut back to `E`; the flanks
//! are the same. A window is never shifted off-centre: a variant too near either end of its
//! chromosome, on a chromosome the reference lacks, whose REF differs from the reference, or
//! whose stretch of reference holds `N` is not scored ([`Unscorable`] says why), and never shown
//! as 0. These checks are about the bases of the genome only (the flanks are the model's own
//! fixed sequence). [`crate::vcf`] (the browser's and the CLI's VCF-on-genome scoring) reads its
//! windows here.
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
use regula_core::manifest::Manifest;
use regula_core::variant::{Variant, VariantError};

use crate::error::{Error, Result};
use crate::model::Model;
use crate::predict::{Item, predict_values};

/// How a model reads a variant on a reference genome: `element` bases of reference centred on
/// it, between the model's `left` and `right` flanks (both empty for a model without flanks,
/// whose element is its whole input length).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceWindows {
    /// Bases of reference in a window: the model's input length less its flanks.
    pub element: usize,
    /// The fixed bases the model reads before the element (an MPRA model's left adapter; empty
    /// when it has none).
    pub left: Vec<u8>,
    /// The fixed bases the model reads after the element.
    pub right: Vec<u8>,
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
    /// The windows of a model of input length `model_length` without flanks: `model_length`
    /// bases of reference.
    pub fn new(model_length: usize) -> Self {
        ReferenceWindows { element: model_length, left: Vec::new(), right: Vec::new() }
    }

    /// The windows of a model of input length `model_length` trained on an element between
    /// the flanks `left` and `right`: `model_length − left − right` bases of reference between
    /// them. Flanks that leave no room for an element are an error.
    pub fn flanked(model_length: usize, left: &[u8], right: &[u8]) -> Result<Self> {
        let element = model_length.checked_sub(left.len() + right.len()).filter(|&e| e > 0).ok_or_else(|| {
            Error::Input(format!(
                "the model's flanks take {} of its {model_length} bp, leaving no room for the reference around a variant",
                left.len() + right.len()
            ))
        })?;
        Ok(ReferenceWindows { element, left: left.to_vec(), right: right.to_vec() })
    }

    /// The windows of a one-sequence input of `length` bases read by default by `policy`: the
    /// element between the flanks of [`LengthPolicy::FlankedTiles`] (what the model reads of a
    /// pasted sequence, tile by tile), else the whole length.
    pub fn for_input(length: usize, policy: &LengthPolicy) -> Result<Self> {
        match policy {
            LengthPolicy::FlankedTiles { left, right, .. } => Self::flanked(length, left.as_bytes(), right.as_bytes()),
            _ => Ok(Self::new(length)),
        }
    }

    /// The windows of the model `manifest` describes, from its input's length and default
    /// length policy; a model that reads two sequences (a promoter and a distal partner) cannot
    /// score variants on a reference. The one place the CLI and the browser's page and workers
    /// get their windows from.
    pub fn for_manifest(manifest: &Manifest) -> Result<Self> {
        match manifest.inputs.as_slice() {
            [input] => Self::for_input(input.length, &input.default_length_policy),
            _ => Err(Error::Input(
                "score-variants --vcf scores one-sequence models; this model reads a promoter and a distal partner"
                    .into(),
            )),
        }
    }

    /// The windows of `model` ([`ReferenceWindows::for_manifest`] of its manifest).
    pub fn for_model(model: &Model) -> Result<Self> {
        Self::for_manifest(&model.manifest)
    }

    /// Bases the model reads per window: the element and both flanks.
    pub fn model_length(&self) -> usize {
        self.left.len() + self.element + self.right.len()
    }

    /// Whether the element is read between flanks.
    pub fn is_flanked(&self) -> bool {
        !self.left.is_empty() || !self.right.is_empty()
    }

    /// The window in words, for output headers and documentation.
    pub fn describe(&self) -> String {
        let centred = format!("the {} bp of reference centred on the variant", self.element);
        if !self.is_flanked() {
            return format!("{centred} (its first base at window position {})", self.element / 2 + 1);
        }
        let (l, r) = (self.left.len(), self.right.len());
        let flanks = match (l, r) {
            (l, r) if l == r => format!("between the model's {l} bp flanks"),
            (0, r) => format!("before the model's {r} bp right flank"),
            (l, 0) => format!("after the model's {l} bp left flank"),
            (l, r) => format!("between the model's {l} bp left and {r} bp right flanks"),
        };
        format!(
            "{centred} (its first base at element position {}), {flanks}: {} bp in all",
            self.element / 2 + 1,
            self.model_length()
        )
    }

    /// The stretch of `chrom` that `variant`'s windows are built from (the element centred on
    /// it; a deletion's reaches further), or why there is none.
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
    /// upper-case bases of [`ReferenceWindows::span`] (each element placed between the flanks);
    /// REF is checked and `N` refused.
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
        Ok((self.between_flanks(&bases[..self.element]), self.between_flanks(&alt[..self.element])))
    }

    /// `element` between the model's flanks: a model window.
    fn between_flanks(&self, element: &[u8]) -> Vec<u8> {
        [&self.left[..], element, &self.right[..]].concat()
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
    fn a_flanked_model_reads_the_element_centred_on_the_variant_between_its_flanks() {
        // Model length 10, flanks xy and zw: 6 bases of reference per window.
        let w = ReferenceWindows::flanked(10, b"xy", b"zw").unwrap();
        assert_eq!((w.element, w.model_length()), (6, 10));
        let reference = b"ACGTACGTAC";
        // The SNV at position 5 (A) sits at element index 3, window index 5.
        let v = snv(5, "A", "G");
        let span = w.span("c", &v).unwrap();
        assert_eq!(span, Span { start: 1, end: 7 });
        let (r, a) = w.windows("c", &v, span, &reference[1..7]).unwrap();
        assert_eq!((r.as_slice(), a.as_slice()), (&b"xyCGTACGzw"[..], &b"xyCGTGCGzw"[..]));
        assert_eq!(
            w.describe(),
            "the 6 bp of reference centred on the variant (its first base at element position 4), between the model's 2 bp flanks: 10 bp in all"
        );
        assert_eq!(
            ReferenceWindows::flanked(10, b"xyz", b"w").unwrap().describe(),
            "the 6 bp of reference centred on the variant (its first base at element position 4), between the model's 3 bp left and 1 bp right flanks: 10 bp in all"
        );
    }

    #[test]
    fn a_flanked_deletion_reads_on_and_an_insertion_is_cut_back_inside_the_flanks() {
        let w = ReferenceWindows::flanked(8, b"xy", b"zw").unwrap();
        let reference = b"AACCGGTTAA";
        let del = snv(5, "GGT", "G");
        let span = w.span("c", &del).unwrap();
        assert_eq!(span, Span { start: 2, end: 8 });
        let (r, a) = w.windows("c", &del, span, &reference[2..8]).unwrap();
        assert_eq!((r.as_slice(), a.as_slice()), (&b"xyCCGGzw"[..], &b"xyCCGTzw"[..]));
        let ins = snv(5, "G", "GAAA");
        let span = w.span("c", &ins).unwrap();
        assert_eq!(span, Span { start: 2, end: 6 });
        let (r, a) = w.windows("c", &ins, span, &reference[2..6]).unwrap();
        assert_eq!((r.as_slice(), a.as_slice()), (&b"xyCCGGzw"[..], &b"xyCCGAzw"[..]));
    }

    #[test]
    fn a_flanked_window_is_checked_on_its_genome_bases_only() {
        // 230 bp with 15 bp flanks: 200 bases of reference, 100 before the variant.
        let adapter = [b'N'; 15];
        let w = ReferenceWindows::flanked(230, &adapter, &adapter).unwrap();
        let span = w.span("chr9", &snv(101, "A", "G")).unwrap();
        assert_eq!(span, Span { start: 0, end: 200 });
        let e = w.span("chr9", &snv(100, "A", "G")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "chr9:100 is 99 bases from the start of the chromosome; a 200 bp window centred on it would start 1 bases before it"
        );
        // The whole model length would not fit: the element does.
        assert!(ReferenceWindows::new(230).span("chr9", &snv(101, "A", "G")).is_err());
        // The flanks are the model's own bases, whatever they are: only the genome's are checked.
        let mut bases = vec![b'C'; 200];
        let (r, _) = w.windows("chr9", &snv(101, "C", "G"), span, &bases).unwrap();
        assert_eq!(r.len(), 230);
        bases[150] = b'N';
        assert_eq!(
            w.windows("chr9", &snv(101, "C", "G"), span, &bases).unwrap_err().to_string(),
            "the reference window chr9:1-200 has an unknown base (N) at chr9:151; a variant is scored only where every base of its window is known"
        );
    }

    #[test]
    fn the_windows_come_from_the_models_default_policy() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mpra1.manifest.json"))
            .unwrap();
        let mut m = Manifest::from_json(&text).unwrap();
        // pad_or_crop: the whole input length of reference
        assert_eq!(ReferenceWindows::for_manifest(&m).unwrap(), ReferenceWindows::new(230));
        m.inputs[0].default_length_policy =
            LengthPolicy::FlankedTiles { stride: 50, left: "AGGACCGGATCAACT".into(), right: "CATTGCGTGAACCGA".into() };
        let w = ReferenceWindows::for_manifest(&m).unwrap();
        assert_eq!(
            (w.element, w.left.as_slice(), w.right.as_slice()),
            (200, &b"AGGACCGGATCAACT"[..], &b"CATTGCGTGAACCGA"[..])
        );
        assert_eq!(
            w.describe(),
            "the 200 bp of reference centred on the variant (its first base at element position 101), between the model's 15 bp flanks: 230 bp in all"
        );
        m.inputs[0].default_length_policy =
            LengthPolicy::FlankedTiles { stride: 1, left: "A".repeat(200), right: "C".repeat(30) };
        assert_eq!(
            ReferenceWindows::for_manifest(&m).unwrap_err().to_string(),
            "the model's flanks take 230 of its 230 bp, leaving no room for the reference around a variant"
        );
        let dual =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dual.manifest.json")).unwrap();
        assert_eq!(
            ReferenceWindows::for_manifest(&Manifest::from_json(&dual).unwrap()).unwrap_err().to_string(),
            "score-variants --vcf scores one-sequence models; this model reads a promoter and a distal partner"
        );
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
