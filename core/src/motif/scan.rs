//! Scanning DNA for motif sites on both strands, thresholded by exact p-value (FIMO-style).
//!
//! * Every window of the motif's width is scored on the forward strand with the log-odds matrix
//!   and on the reverse strand with its reverse complement ([`LogOddsPwm::reverse_complement`]).
//! * A window is reported when its p-value ([`ScoreDistribution`], exact for the integerised
//!   matrix) is `<= p_threshold` (FIMO's default 1e-4). With a strand-symmetric background
//!   (`A = T`, `C = G`, e.g. uniform, or [`super::pwm::symmetrize_background`]) both strands share
//!   one distribution and every hit and p-value equals FIMO's (`core/tests/motif_fimo.rs`).
//!   With an asymmetric background the reverse matrix (log-odds of the reverse-complemented
//!   probabilities against the same background) gets its own exact distribution; MEME Suite
//!   instead reuses the forward matrix's p-value table for the reverse strand, so reverse-strand
//!   p-values near the threshold can then differ slightly from FIMO's.
//! * Sequence letters are `ACGT` in any case. **Windows containing any other byte (`N`, IUPAC
//!   codes, gaps, ...) are skipped** on both strands, as FIMO skips sites with non-core letters.
//! * Coordinates are 0-based, half-open, on the forward strand for both strands: a reverse hit
//!   at `start..end` is the reverse complement of `seq[start..end]`.
//! * [`Hit::score`] is the real-valued log2-odds score (not the integerised one); [`Hit::p_value`]
//!   comes from the integerised score (see [`super::pvalue`] for the discretisation error).
//! * [`Hit::matched`] is the site as read on the hit's strand, upper-case (for reverse hits the
//!   reverse complement of the forward window), as FIMO's `matched_sequence`.
//! * Hits are ordered by motif (in the order given), then start, forward before reverse.

use super::error::MotifError;
use super::pvalue::{PSSM_RANGE, ScoreDistribution};
use super::pwm::{DEFAULT_PSEUDOCOUNT, LogOddsPwm};
use super::{Motif, base_index};
use crate::encode::complement;

/// FIMO's default p-value threshold (`--thresh 1e-4`).
pub const DEFAULT_P_THRESHOLD: f64 = 1e-4;

/// Strand of a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strand {
    /// The sequence as given.
    Forward,
    /// Its reverse complement.
    Reverse,
}

impl Strand {
    /// `'+'` or `'-'`.
    pub fn symbol(self) -> char {
        match self {
            Strand::Forward => '+',
            Strand::Reverse => '-',
        }
    }
}

/// One motif occurrence.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Motif id.
    pub motif_id: String,
    /// Motif alternate name.
    pub motif_name: Option<String>,
    /// 0-based start on the forward strand.
    pub start: usize,
    /// End (exclusive) on the forward strand; `end - start` is the motif width.
    pub end: usize,
    /// Strand of the site.
    pub strand: Strand,
    /// log2-odds score in bits.
    pub score: f64,
    /// `P(S >= score)` under the background (exact for the integerised matrix).
    pub p_value: f64,
    /// The site as read on `strand`, upper-case.
    pub matched: String,
}

/// Scanning settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOptions {
    /// Background letter frequencies A, C, G, T (for the log-odds and the null model). To match
    /// FIMO exactly on both strands use a strand-symmetric one
    /// ([`super::pwm::symmetrize_background`], MEME's `symmetrical` background).
    pub background: [f64; 4],
    /// Total pseudocount, FIMO's `--motif-pseudo` (default 0.1).
    pub pseudocount: f64,
    /// Report windows with p-value `<=` this (default 1e-4).
    pub p_threshold: f64,
    /// Scan the reverse strand too (default true).
    pub both_strands: bool,
    /// Bins per position of the integerised matrix (default [`PSSM_RANGE`] = 1000, as FIMO).
    pub range: u32,
}

impl ScanOptions {
    /// FIMO defaults (pseudocount 0.1, p <= 1e-4, both strands, 1000 bins) with `background`.
    pub fn new(background: [f64; 4]) -> Self {
        ScanOptions {
            background,
            pseudocount: DEFAULT_PSEUDOCOUNT,
            p_threshold: DEFAULT_P_THRESHOLD,
            both_strands: true,
            range: PSSM_RANGE,
        }
    }
}

impl Default for ScanOptions {
    /// [`ScanOptions::new`] with a uniform background.
    fn default() -> Self {
        Self::new(super::UNIFORM_BACKGROUND)
    }
}

/// A motif prepared for scanning: matrices and score distributions for both strands.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledMotif {
    /// Forward log-odds matrix.
    pub forward: LogOddsPwm,
    /// Its score distribution.
    pub forward_dist: ScoreDistribution,
    /// Reverse-complement log-odds matrix.
    pub reverse: LogOddsPwm,
    /// Its score distribution.
    pub reverse_dist: ScoreDistribution,
    /// Smallest passing integer score per strand (`None`: nothing can pass).
    thresholds: [Option<u64>; 2],
}

/// Scans sequences with a set of motifs.
#[derive(Debug, Clone, PartialEq)]
pub struct Scanner {
    options: ScanOptions,
    motifs: Vec<CompiledMotif>,
}

impl Scanner {
    /// Builds the log-odds matrices and exact score distributions of `motifs`.
    pub fn new(motifs: &[Motif], options: ScanOptions) -> Result<Self, MotifError> {
        let p = options.p_threshold;
        if !(p > 0.0 && p <= 1.0) {
            return Err(MotifError::InvalidPValue(p));
        }
        let mut compiled = Vec::with_capacity(motifs.len());
        for m in motifs {
            let forward = LogOddsPwm::from_motif(m, options.background, options.pseudocount)?;
            let reverse = forward.reverse_complement();
            let forward_dist = ScoreDistribution::with_range(&forward, options.range)?;
            // With a strand-symmetric background the reverse matrix's cells are a permutation of
            // the forward ones, so its distribution is the same (no second DP).
            let reverse_dist = match forward_dist.reverse_complement(forward.background) {
                Some(d) => d,
                None => ScoreDistribution::with_range(&reverse, options.range)?,
            };
            let thresholds = [forward_dist.int_threshold(p), reverse_dist.int_threshold(p)];
            compiled.push(CompiledMotif { forward, forward_dist, reverse, reverse_dist, thresholds });
        }
        Ok(Scanner { options, motifs: compiled })
    }

    /// The settings.
    pub fn options(&self) -> &ScanOptions {
        &self.options
    }

    /// The prepared motifs, in the order given.
    pub fn motifs(&self) -> &[CompiledMotif] {
        &self.motifs
    }

    /// All hits in `seq` (see the module docs for conventions).
    pub fn scan(&self, seq: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        // Position of the next non-ACGT byte at or after each index, to skip windows with N.
        let codes: Vec<u8> = seq.iter().map(|&b| base_index(b).map_or(u8::MAX, |i| i as u8)).collect();
        let mut next_bad = vec![seq.len(); seq.len() + 1];
        for i in (0..seq.len()).rev() {
            next_bad[i] = if codes[i] == u8::MAX { i } else { next_bad[i + 1] };
        }
        for m in &self.motifs {
            let w = m.forward.width();
            if w == 0 || w > seq.len() {
                continue;
            }
            for start in 0..=seq.len() - w {
                if next_bad[start] < start + w {
                    continue;
                }
                let window = &codes[start..start + w];
                self.try_strand(m, Strand::Forward, start, window, seq, &mut hits);
                if self.options.both_strands {
                    self.try_strand(m, Strand::Reverse, start, window, seq, &mut hits);
                }
            }
        }
        hits
    }

    fn try_strand(
        &self,
        m: &CompiledMotif,
        strand: Strand,
        start: usize,
        window: &[u8],
        seq: &[u8],
        hits: &mut Vec<Hit>,
    ) {
        let (pwm, dist, thr) = match strand {
            Strand::Forward => (&m.forward, &m.forward_dist, m.thresholds[0]),
            Strand::Reverse => (&m.reverse, &m.reverse_dist, m.thresholds[1]),
        };
        let Some(thr) = thr else { return };
        let k: u64 = dist.int_scores.iter().zip(window).map(|(row, &c)| u64::from(row[c as usize])).sum();
        if k < thr {
            return;
        }
        let score: f64 = pwm.scores.iter().zip(window).map(|(row, &c)| row[c as usize]).sum();
        let w = window.len();
        let site = &seq[start..start + w];
        let matched: String = match strand {
            Strand::Forward => site.iter().map(|b| b.to_ascii_uppercase() as char).collect(),
            Strand::Reverse => site.iter().rev().map(|&b| complement(b.to_ascii_uppercase()) as char).collect(),
        };
        hits.push(Hit {
            motif_id: pwm.motif_id.clone(),
            motif_name: pwm.motif_name.clone(),
            start,
            end: start + w,
            strand,
            score,
            p_value: dist.pvalue_int(k as i64),
            matched,
        });
    }
}

/// Scans `seq` with `motifs` under `options` (builds a [`Scanner`] and runs it once).
pub fn scan(motifs: &[Motif], seq: &[u8], options: ScanOptions) -> Result<Vec<Hit>, MotifError> {
    Ok(Scanner::new(motifs, options)?.scan(seq))
}
