//! Exact p-values of PWM scores by dynamic programming over integerised scores (FIMO's method).
//!
//! **Integerisation (MEME Suite 5 `scale_pssm`, as used by FIMO).** Let `lo` and `hi` be the
//! smallest and largest cell of the log-odds matrix and `range` the number of bins per position
//! (FIMO's `PSSM_RANGE` = [`PSSM_RANGE`] = 1000). MEME uses an integer scale and an integer
//! offset:
//!
//! ```text
//! offset = floor(lo)                           (bits)
//! scale  = floor(range / (hi - offset))        (bins per bit, at least 1)
//! cell   = round((x - offset) * scale)         (in 0..=range)
//! ```
//!
//! A window's integer score is the sum of its cells; it maps back to bits as
//! `k / scale + w * offset` ([`ScoreDistribution::to_bits`]), which is the score FIMO prints.
//!
//! **Distribution.** Under the i.i.d. background the integer score is a sum of independent
//! per-position scores, so its exact distribution is the convolution of the `w` position
//! distributions, computed by DP over `max_score + 1` bins. The p-value of a window is
//! `P(S >= k)` for its integer score `k`; this is *exact for the integerised matrix* (no sampling,
//! no approximation beyond floating point sums), and it is FIMO's p-value: the test
//! `core/tests/motif_fimo.rs` checks every hit and p-value against FIMO's own output for all 879
//! JASPAR 2024 vertebrate motifs.
//!
//! **Discretisation error.** Rounding moves each cell by at most `0.5 / scale` bits, so the
//! integerised score of any window differs from its real-valued log-odds score by at most
//! `w * 0.5 / scale` bits, about `w * (hi - lo + 1) / (2 * range)`
//! ([`ScoreDistribution::max_discretisation_error`]; e.g. 0.05 bits for a width-10 motif with a
//! 10-bit cell spread). Windows whose real scores differ by less than that can tie or swap
//! order; thresholds apply to the integer score, exactly as in FIMO.

use super::base_index;
use super::error::MotifError;
use super::pwm::LogOddsPwm;

/// Bins per motif position, FIMO's `PSSM_RANGE` (MEME Suite 5).
pub const PSSM_RANGE: u32 = 1000;
/// Widest motif for which the exact distribution is computed (keeps memory and time bounded:
/// at most `MAX_WIDTH * range + 1` bins).
pub const MAX_WIDTH: usize = 1000;
/// Largest `range` accepted by [`ScoreDistribution::with_range`].
pub const MAX_RANGE: u32 = 10_000;
/// Largest number of bins (highest integer score + 1) accepted.
pub const MAX_BINS: usize = 10_000_001;

/// The integerised matrix and the exact distribution of its window score under the background.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreDistribution {
    /// Bins per bit (an integer, as in MEME).
    pub scale: f64,
    /// Per-position offset in bits (`floor` of the smallest cell of the log-odds matrix).
    pub offset: f64,
    /// Bins per position asked for.
    pub range: u32,
    /// Integer score per position and letter (A, C, G, T), each in `0..=range`.
    pub int_scores: Vec<[u32; 4]>,
    /// `pdf[k] = P(S = k)`, `k` in `0..=max_int_score`.
    pdf: Vec<f64>,
    /// `sf[k] = P(S >= k)`.
    sf: Vec<f64>,
}

impl ScoreDistribution {
    /// Distribution with FIMO's [`PSSM_RANGE`] bins per position, under `pwm.background`.
    pub fn new(pwm: &LogOddsPwm) -> Result<Self, MotifError> {
        Self::with_range(pwm, PSSM_RANGE)
    }

    /// Distribution with `range` bins per position.
    pub fn with_range(pwm: &LogOddsPwm, range: u32) -> Result<Self, MotifError> {
        let label = super::label(&pwm.motif_id, pwm.motif_name.as_deref());
        let invalid = |why: String| MotifError::InvalidMotif { motif: label.clone(), why };
        let w = pwm.width();
        if w == 0 {
            return Err(invalid("has no positions".into()));
        }
        if w > MAX_WIDTH {
            return Err(invalid(format!("width {w} is too wide for exact p-values (max {MAX_WIDTH})")));
        }
        if range == 0 || range > MAX_RANGE {
            return Err(invalid(format!("range {range} is outside 1..={MAX_RANGE}")));
        }
        let bg = super::pwm::validate_background(pwm.background)?;
        let cells = pwm.scores.iter().flatten().copied();
        let lo = cells.clone().fold(f64::INFINITY, f64::min);
        let hi = cells.fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() || !hi.is_finite() {
            return Err(invalid("has non-finite log-odds scores".into()));
        }
        // MEME 5 scale_pssm: integer offset and scale, so that cells lie in 0..=range.
        let offset = lo.floor();
        let spread = if hi - offset > 1e-12 { hi - offset } else { 1.0 };
        let scale = (f64::from(range) / spread).floor().max(1.0);
        let cap = f64::from(range).max(((hi - offset) * scale).round());
        let int_scores: Vec<[u32; 4]> =
            pwm.scores.iter().map(|row| row.map(|x| (((x - offset) * scale).round()).clamp(0.0, cap) as u32)).collect();

        // pdf by convolution, position by position; after i positions scores lie in 0..=max_i.
        let row_max: Vec<usize> = int_scores.iter().map(|r| *r.iter().max().unwrap_or(&0) as usize).collect();
        let bins = row_max.iter().sum::<usize>() + 1;
        if bins > MAX_BINS {
            return Err(invalid(format!("{bins} score bins exceed the maximum of {MAX_BINS}")));
        }
        let mut pdf = vec![0.0f64; bins];
        let mut next = vec![0.0f64; bins];
        pdf[0] = 1.0;
        let mut max_old = 0usize;
        for (row, &rmax) in int_scores.iter().zip(&row_max) {
            next[..=max_old + rmax].fill(0.0);
            let src = &pdf[..=max_old];
            for (b, &s) in row.iter().enumerate() {
                let s = s as usize;
                let pb = bg[b];
                for (d, &old) in next[s..=s + max_old].iter_mut().zip(src) {
                    *d += old * pb;
                }
            }
            std::mem::swap(&mut pdf, &mut next);
            max_old += rmax;
        }
        let mut sf = vec![0.0f64; bins];
        let mut acc = 0.0;
        for k in (0..bins).rev() {
            acc += pdf[k];
            sf[k] = acc.min(1.0);
        }
        Ok(ScoreDistribution { scale, offset, range, int_scores, pdf, sf })
    }

    /// The distribution of the reverse-complement matrix, *for a strand-symmetric background*
    /// (`bg[A] == bg[T]`, `bg[C] == bg[G]`): the integer matrix reversed and complemented, the
    /// same score distribution (as FIMO uses it). `None` if the background is not symmetric.
    pub fn reverse_complement(&self, background: [f64; 4]) -> Option<Self> {
        if background[0] != background[3] || background[1] != background[2] {
            return None;
        }
        let mut rc = self.clone();
        rc.int_scores = self.int_scores.iter().rev().map(|r| [r[3], r[2], r[1], r[0]]).collect();
        Some(rc)
    }

    /// Motif width.
    pub fn width(&self) -> usize {
        self.int_scores.len()
    }

    /// Largest integer window score.
    pub fn max_int_score(&self) -> u64 {
        self.int_scores.iter().map(|r| u64::from(*r.iter().max().unwrap_or(&0))).sum()
    }

    /// Integer score of a window of exactly `width` bases; `None` for another length or a base
    /// other than `ACGTacgt`.
    pub fn int_score(&self, window: &[u8]) -> Option<u64> {
        if window.len() != self.width() {
            return None;
        }
        let mut k = 0u64;
        for (row, &b) in self.int_scores.iter().zip(window) {
            k += u64::from(row[base_index(b)?]);
        }
        Some(k)
    }

    /// Bits -> integer score: `round((score - w * offset) * scale)` (may be negative or above the
    /// maximum for scores outside the matrix's range).
    pub fn to_int(&self, score: f64) -> i64 {
        let k = ((score - self.width() as f64 * self.offset) * self.scale).round();
        if k.is_nan() { 0 } else { k.clamp(-1e15, 1e15) as i64 }
    }

    /// Integer score -> bits: `k / scale + w * offset`.
    pub fn to_bits(&self, k: u64) -> f64 {
        k as f64 / self.scale + self.width() as f64 * self.offset
    }

    /// `P(S = k)` for integer score `k` (0 above the maximum).
    pub fn pmf(&self, k: u64) -> f64 {
        usize::try_from(k).ok().and_then(|k| self.pdf.get(k)).copied().unwrap_or(0.0)
    }

    /// `P(S >= k)` for integer score `k`: 1 for `k <= 0`, 0 above the maximum.
    pub fn pvalue_int(&self, k: i64) -> f64 {
        if k <= 0 {
            return 1.0;
        }
        usize::try_from(k).ok().and_then(|k| self.sf.get(k)).copied().unwrap_or(0.0)
    }

    /// p-value of a score in bits: `P(S >= to_int(score))` under the background.
    pub fn pvalue(&self, score: f64) -> f64 {
        self.pvalue_int(self.to_int(score))
    }

    /// p-value of a window (`None` if [`int_score`](Self::int_score) is `None`).
    pub fn window_pvalue(&self, window: &[u8]) -> Option<f64> {
        self.int_score(window).map(|k| self.pvalue_int(k as i64))
    }

    /// Smallest *attainable* integer score whose p-value is `<= p`; `None` if even the best
    /// window's p-value is above `p`. A window passes a p-value threshold `p` exactly when its
    /// integer score is at least this.
    pub fn int_threshold(&self, p: f64) -> Option<u64> {
        // sf is non-increasing: binary search for the first k with sf[k] <= p, then move up to
        // the first score that some window actually has.
        let idx = self.sf.partition_point(|&v| v > p);
        (idx..self.pdf.len()).find(|&k| self.pdf[k] > 0.0).map(|k| k as u64)
    }

    /// [`int_threshold`](Self::int_threshold) in bits.
    pub fn score_threshold(&self, p: f64) -> Option<f64> {
        self.int_threshold(p).map(|k| self.to_bits(k))
    }

    /// Largest difference, in bits, between a window's real log-odds score and its integerised
    /// score mapped back to bits: `w * 0.5 / scale`.
    pub fn max_discretisation_error(&self) -> f64 {
        self.width() as f64 * 0.5 / self.scale
    }
}
