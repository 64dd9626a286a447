//! Log-odds position weight matrices.
//!
//! **Pseudocount (as MEME / FIMO `--motif-pseudo`).** The probabilities `p` of a motif built
//! from `N` sites are treated as counts `p * N`, and a total pseudocount `c` is spread over the
//! letters in proportion to the background `bg`:
//!
//! ```text
//! p'[b] = (p[b] * N + c * bg[b]) / (N + c)
//! ```
//!
//! `N` is the motif's `nsites` (MEME's default of [`DEFAULT_NSITES`] = 20 when absent), and
//! FIMO's default `c` is [`DEFAULT_PSEUDOCOUNT`] = 0.1. This is MEME Suite's
//! `apply_pseudocount_to_motif`. The log-odds score of letter `b` at a position is
//! `log2(p'[b] / bg[b])` bits; the score of a window is the sum over positions. With `c = 0` a zero
//! probability would score minus infinity, so `p'` is floored at [`MIN_PROBABILITY`].
//!
//! The reverse-complement matrix is built FIMO's way: complement and reverse the probabilities,
//! then take log-odds against the *same* background, so it scores the forward sequence for
//! sites on the reverse strand.

use super::error::MotifError;
use super::{Motif, base_index};

/// FIMO's default pseudocount (`--motif-pseudo 0.1`).
pub const DEFAULT_PSEUDOCOUNT: f64 = 0.1;
/// MEME's default site count for a motif without `nsites=`.
pub const DEFAULT_NSITES: f64 = 20.0;
/// Floor on a probability before taking its log (only reached with a zero pseudocount).
pub const MIN_PROBABILITY: f64 = 1e-10;
/// Largest distance of a background's sum from 1 accepted before renormalising it.
pub const BACKGROUND_SUM_TOLERANCE: f64 = 0.02;

/// A log2-odds matrix, one row per motif position, columns A, C, G, T.
#[derive(Debug, Clone, PartialEq)]
pub struct LogOddsPwm {
    /// Id of the motif it came from.
    pub motif_id: String,
    /// Name of the motif it came from.
    pub motif_name: Option<String>,
    /// Background it was computed against (normalised).
    pub background: [f64; 4],
    /// Probabilities after the pseudocount, `p'` above.
    pub probs: Vec<[f64; 4]>,
    /// `log2(p' / bg)` per position and letter.
    pub scores: Vec<[f64; 4]>,
}

/// Checks that `bg` has 4 finite entries > 0 summing to 1 (± [`BACKGROUND_SUM_TOLERANCE`]) and
/// returns it renormalised.
pub fn validate_background(bg: [f64; 4]) -> Result<[f64; 4], MotifError> {
    let sum: f64 = bg.iter().sum();
    if bg.iter().any(|v| !v.is_finite() || *v <= 0.0) || (sum - 1.0).abs() > BACKGROUND_SUM_TOLERANCE {
        return Err(MotifError::InvalidBackground(bg));
    }
    Ok(bg.map(|v| v / sum))
}

/// Averages complementary letters (A with T, C with G): MEME Suite's "symmetrical" background.
/// With it, both strands' p-values are exactly FIMO's (see [`super::scan`]).
pub fn symmetrize_background(bg: [f64; 4]) -> [f64; 4] {
    let at = (bg[0] + bg[3]) / 2.0;
    let cg = (bg[1] + bg[2]) / 2.0;
    [at, cg, cg, at]
}

impl LogOddsPwm {
    /// Log-odds matrix of `motif` against `background` with total pseudocount `pseudocount`
    /// (see the module docs for the formula).
    pub fn from_motif(motif: &Motif, background: [f64; 4], pseudocount: f64) -> Result<Self, MotifError> {
        let bg = validate_background(background)?;
        if !pseudocount.is_finite() || pseudocount < 0.0 {
            return Err(MotifError::InvalidPseudocount(pseudocount));
        }
        if motif.probs.is_empty() {
            return Err(MotifError::InvalidMotif { motif: motif.label(), why: "has no positions".into() });
        }
        let n = motif.nsites.filter(|n| n.is_finite() && *n > 0.0).unwrap_or(DEFAULT_NSITES);
        let probs: Vec<[f64; 4]> = motif
            .probs
            .iter()
            .map(|row| {
                let mut out = [0.0; 4];
                for b in 0..4 {
                    let p = (row[b] * n + pseudocount * bg[b]) / (n + pseudocount);
                    out[b] = if p.is_finite() { p.max(MIN_PROBABILITY) } else { MIN_PROBABILITY };
                }
                out
            })
            .collect();
        Ok(Self::from_probs(motif.id.clone(), motif.name.clone(), bg, probs))
    }

    fn from_probs(motif_id: String, motif_name: Option<String>, background: [f64; 4], probs: Vec<[f64; 4]>) -> Self {
        let scores = probs.iter().map(|row| std::array::from_fn(|b| (row[b] / background[b]).log2())).collect();
        LogOddsPwm { motif_id, motif_name, background, probs, scores }
    }

    /// Number of positions.
    pub fn width(&self) -> usize {
        self.scores.len()
    }

    /// The matrix for the reverse strand: probabilities reversed and complemented (A<->T,
    /// C<->G), log-odds against the same background.
    pub fn reverse_complement(&self) -> Self {
        let probs = self.probs.iter().rev().map(|r| [r[3], r[2], r[1], r[0]]).collect();
        Self::from_probs(self.motif_id.clone(), self.motif_name.clone(), self.background, probs)
    }

    /// Score (bits) of a window of exactly [`width`](Self::width) bases; `None` if the length
    /// differs or the window holds anything but `ACGTacgt`.
    pub fn score(&self, window: &[u8]) -> Option<f64> {
        if window.len() != self.width() {
            return None;
        }
        let mut s = 0.0;
        for (row, &b) in self.scores.iter().zip(window) {
            s += row[base_index(b)?];
        }
        Some(s)
    }

    /// Lowest possible window score.
    pub fn min_score(&self) -> f64 {
        self.scores.iter().map(|r| r.iter().copied().fold(f64::INFINITY, f64::min)).sum()
    }

    /// Highest possible window score.
    pub fn max_score(&self) -> f64 {
        self.scores.iter().map(|r| r.iter().copied().fold(f64::NEG_INFINITY, f64::max)).sum()
    }
}
