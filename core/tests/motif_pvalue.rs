//! Exact p-values (FIMO's definition) against brute force over all k-mers.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regula_core::motif::pvalue::{PSSM_RANGE, ScoreDistribution};
use regula_core::motif::pwm::{DEFAULT_NSITES, LogOddsPwm};
use regula_core::motif::{Motif, MotifFormat, meme};

fn motif(id: &str, probs: Vec<[f64; 4]>, nsites: Option<f64>) -> Motif {
    Motif { id: id.into(), name: None, probs, counts: None, nsites, evalue: None, format: MotifFormat::Meme, line: 1 }
}

fn kmer(index: usize, w: usize) -> Vec<u8> {
    (0..w).map(|i| b"ACGT"[(index >> (2 * (w - 1 - i))) & 3]).collect()
}

fn bg_prob(kmer: &[u8], bg: [f64; 4]) -> f64 {
    kmer.iter().map(|&b| bg[b"ACGT".iter().position(|&c| c == b).unwrap()]).product()
}

/// Width-2 motif whose log2-odds are exactly 1, 0, -1 bits under a uniform background with no
/// pseudocount, so everything can be checked by hand:
///
/// ```text
///        A   C   G   T
/// pos1   1   0  -1  -1      (p = 1/2, 1/4, 1/8, 1/8)
/// pos2  -1  -1   0   1      (p = 1/8, 1/8, 1/4, 1/2)
/// ```
/// Integerised: lo = -1, hi = 1, scale = floor(1000 / 2) = 500 bins per bit, offset = floor(-1)
/// = -1, so -1, 0, 1 -> 0, 500, 1000.
/// Scores of the 16 2-mers: 2 (AT); 1 (AG, CT); 0 (AA, AC, CG, GT, TT); -1 (CA, CC, GG, TG);
/// -2 (GA, GC, TA, TC). So P(S >= 2) = 1/16, P(S >= 1) = 3/16, P(S >= 0) = 8/16,
/// P(S >= -1) = 12/16, P(S >= -2) = 1.
#[test]
fn hand_checked_width_two() {
    let m = motif("hand", vec![[0.5, 0.25, 0.125, 0.125], [0.125, 0.125, 0.25, 0.5]], Some(20.0));
    let pwm = LogOddsPwm::from_motif(&m, [0.25; 4], 0.0).unwrap();
    assert_eq!(pwm.scores, vec![[1.0, 0.0, -1.0, -1.0], [-1.0, -1.0, 0.0, 1.0]]);
    let dist = ScoreDistribution::new(&pwm).unwrap();
    assert_eq!(dist.scale, 500.0);
    assert_eq!(dist.offset, -1.0);
    assert_eq!(dist.int_scores, vec![[1000, 500, 0, 0], [0, 0, 500, 1000]]);
    assert_eq!(dist.max_discretisation_error(), 0.002);

    for (score, expected) in [(2.0, 1.0 / 16.0), (1.0, 3.0 / 16.0), (0.0, 8.0 / 16.0), (-1.0, 12.0 / 16.0), (-2.0, 1.0)]
    {
        assert_eq!(dist.pvalue(score), expected, "score {score}");
    }
    assert_eq!(dist.pvalue(2.5), 0.0);
    assert_eq!(dist.window_pvalue(b"AT"), Some(1.0 / 16.0));
    assert_eq!(dist.window_pvalue(b"ct"), Some(3.0 / 16.0));
    assert_eq!(dist.window_pvalue(b"AN"), None);
    assert_eq!(pwm.score(b"CT"), Some(1.0));
    // thresholds: smallest score with p <= threshold
    assert_eq!(dist.score_threshold(1.0 / 16.0), Some(2.0));
    assert_eq!(dist.score_threshold(0.2), Some(1.0));
    assert_eq!(dist.score_threshold(0.5), Some(0.0));
    assert_eq!(dist.score_threshold(0.01), None);

    // Brute force over all 16 2-mers: p-value = fraction of 2-mers scoring >= s.
    for i in 0..16 {
        let w = kmer(i, 2);
        let s = pwm.score(&w).unwrap();
        let frac = (0..16).filter(|&j| pwm.score(&kmer(j, 2)).unwrap() >= s).count() as f64 / 16.0;
        assert_eq!(dist.window_pvalue(&w), Some(frac), "{}", String::from_utf8_lossy(&w));
    }
}

/// Random width-8 motif, non-uniform background, FIMO pseudocount: the DP p-value of every
/// integer score equals the background mass of the 4^8 8-mers whose integer score is at least
/// it (exact for the integerised matrix), on both strands.
#[test]
fn random_width_eight_matches_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x9E37_79B9_7F4A_7C15);
    let probs: Vec<[f64; 4]> = (0..8)
        .map(|_| {
            let raw: [f64; 4] = std::array::from_fn(|_| rng.random::<f64>().powi(3));
            let s: f64 = raw.iter().sum();
            raw.map(|v| v / s)
        })
        .collect();
    let bg = [0.3, 0.2, 0.2, 0.3];
    let m = motif("rand8", probs, Some(37.0));
    let fwd = LogOddsPwm::from_motif(&m, bg, 0.1).unwrap();
    for pwm in [fwd.clone(), fwd.reverse_complement()] {
        let dist = ScoreDistribution::new(&pwm).unwrap();
        let max = dist.max_int_score() as usize;
        assert!(max <= 8 * 2 * PSSM_RANGE as usize);
        let mut mass = vec![0.0f64; max + 2];
        let mut scores = Vec::with_capacity(1 << 16);
        for i in 0..(1 << 16) {
            let w = kmer(i, 8);
            let k = dist.int_score(&w).unwrap() as usize;
            mass[k] += bg_prob(&w, bg);
            scores.push((k, w));
            // integerised score tracks the real score within the documented error
            let real = pwm.score(&scores[i].1).unwrap();
            assert!((dist.to_bits(k as u64) - real).abs() <= dist.max_discretisation_error() + 1e-9);
        }
        let mut tail = vec![0.0f64; max + 2];
        for k in (0..=max).rev() {
            tail[k] = tail[k + 1] + mass[k];
        }
        for k in 0..=max + 1 {
            let dp = dist.pvalue_int(k as i64);
            assert!((dp - tail[k]).abs() <= 1e-12 * tail[k].max(1e-300) + 1e-15, "k={k}: dp {dp} brute {}", tail[k]);
            assert!((dist.pmf(k as u64) - mass[k]).abs() <= 1e-12 * mass[k] + 1e-16);
        }
        // per-window p-values and thresholds agree with brute force
        for (k, w) in scores.iter().step_by(97) {
            assert_eq!(dist.window_pvalue(w), Some(dist.pvalue_int(*k as i64)));
        }
        for p in [1e-2, 1e-3, 1e-4, 1e-5] {
            if let Some(t) = dist.int_threshold(p) {
                // t is an attained score with p-value <= p; every lower attained score is above p
                let t = t as usize;
                assert!(mass[t] > 0.0 && tail[t] <= p);
                assert!((0..t).filter(|&k| mass[k] > 0.0).all(|k| tail[k] > p));
            } else {
                assert!(tail[max] > p);
            }
        }
    }
}

/// The pseudocount follows MEME's apply_pseudocount_to_motif:
/// p' = (p * nsites + c * bg) / (nsites + c), nsites defaulting to 20.
#[test]
fn pseudocount_as_meme() {
    let set = meme::parse(include_str!("../../tests/data/jaspar2024_core_vertebrates.meme")).unwrap();
    let arnt = set.get("MA0004.1").unwrap(); // nsites= 20, row 1 = 0.2 0.8 0 0
    let pwm = LogOddsPwm::from_motif(arnt, set.background, 0.1).unwrap();
    let p_c = (0.8 * 20.0 + 0.1 * 0.25) / 20.1;
    let p_g = (0.0 * 20.0 + 0.1 * 0.25) / 20.1;
    assert!((pwm.scores[0][1] - (p_c / 0.25f64).log2()).abs() < 1e-12);
    assert!((pwm.scores[0][2] - (p_g / 0.25f64).log2()).abs() < 1e-12);
    let mut no_nsites = arnt.clone();
    no_nsites.nsites = None;
    let pwm2 = LogOddsPwm::from_motif(&no_nsites, [0.25; 4], 0.1).unwrap();
    assert_eq!(DEFAULT_NSITES, 20.0);
    assert_eq!(pwm2.scores, pwm.scores);
    // reverse complement: last row of the forward matrix, complemented
    let rc = pwm.reverse_complement();
    assert_eq!(rc.scores[0], [pwm.scores[5][3], pwm.scores[5][2], pwm.scores[5][1], pwm.scores[5][0]]);
    // best window: the consensus, with p-value = its background probability (unique best)
    let dist = ScoreDistribution::new(&pwm).unwrap();
    assert_eq!(dist.window_pvalue(b"CACGTG"), Some(0.25f64.powi(6)));
}

#[test]
fn invalid_settings_are_errors() {
    let m = motif("m", vec![[0.25; 4]], None);
    assert_eq!(
        LogOddsPwm::from_motif(&m, [0.5, 0.5, 0.5, 0.5], 0.1).unwrap_err().to_string(),
        "invalid background [0.5, 0.5, 0.5, 0.5]: need 4 finite frequencies > 0 that sum to 1"
    );
    assert_eq!(
        LogOddsPwm::from_motif(&m, [0.25; 4], -1.0).unwrap_err().to_string(),
        "invalid pseudocount -1: must be finite and >= 0"
    );
    let wide = motif("wide", vec![[0.25; 4]; 1001], None);
    let pwm = LogOddsPwm::from_motif(&wide, [0.25; 4], 0.1).unwrap();
    assert_eq!(
        ScoreDistribution::new(&pwm).unwrap_err().to_string(),
        "motif wide: width 1001 is too wide for exact p-values (max 1000)"
    );
    // a uniform motif: every window has p-value 1
    let pwm = LogOddsPwm::from_motif(&m, [0.25; 4], 0.1).unwrap();
    let dist = ScoreDistribution::new(&pwm).unwrap();
    assert_eq!(dist.window_pvalue(b"G"), Some(1.0));
}
