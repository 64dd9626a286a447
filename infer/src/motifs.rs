//! Motif highlights (which known motifs lie where the model looks) and the teaching view of
//! first-layer filters as position weight matrices matched to a motif set.

use regula_core::motif::scan::{ScanOptions, Scanner};
use regula_core::motif::{MotifSet, Strand, jaspar, meme, pwm::symmetrize_background};
use serde::Serialize;

use crate::error::{Error, Result};

/// Parses a MEME or JASPAR motif file (the format is recognised from its content).
pub fn parse_motifs(bytes: &[u8]) -> Result<MotifSet> {
    let head = &bytes[..bytes.len().min(4096)];
    let is_meme = String::from_utf8_lossy(head).lines().any(|l| l.trim_start().starts_with("MEME version"));
    let parsed = if is_meme { meme::parse_bytes(bytes) } else { jaspar::parse_bytes(bytes) };
    parsed.map_err(|e| Error::Input(format!("the motif file ({}): {e}", if is_meme { "MEME" } else { "JASPAR" })))
}

#[derive(Clone, Debug, Serialize)]
pub struct MotifHighlight {
    pub motif_id: String,
    pub motif_name: Option<String>,
    /// 0-based, end exclusive, in the scanned bases.
    pub start: usize,
    pub end: usize,
    /// `+` or `-`.
    pub strand: char,
    pub score: f64,
    pub p_value: f64,
    pub matched: String,
    /// Mean attribution over the hit's bases, when attributions were given.
    pub mean_attribution: Option<f64>,
}

/// Scans `bases` with every motif at `p_threshold` (FIMO defaults otherwise: both strands,
/// pseudocount 0.1, the file's background made strand-symmetric) and attaches the mean of
/// `attribution` (per base of `bases`) under each hit. Hits are sorted by p-value.
pub fn highlight(
    set: &MotifSet,
    bases: &[u8],
    p_threshold: f64,
    attribution: Option<&[f32]>,
) -> Result<Vec<MotifHighlight>> {
    if let Some(a) = attribution
        && a.len() != bases.len()
    {
        return Err(Error::Input(format!("{} attribution values for {} bases", a.len(), bases.len())));
    }
    let options = ScanOptions { p_threshold, ..ScanOptions::new(symmetrize_background(set.background)) };
    let scanner = Scanner::new(&set.motifs, options).map_err(|e| Error::Input(e.to_string()))?;
    let mut hits: Vec<MotifHighlight> = scanner
        .scan(bases)
        .into_iter()
        .map(|h| MotifHighlight {
            mean_attribution: attribution
                .map(|a| a[h.start..h.end].iter().map(|&v| v as f64).sum::<f64>() / (h.end - h.start) as f64),
            strand: if h.strand == Strand::Forward { '+' } else { '-' },
            motif_id: h.motif_id,
            motif_name: h.motif_name,
            start: h.start,
            end: h.end,
            score: h.score,
            p_value: h.p_value,
            matched: h.matched,
        })
        .collect();
    hits.sort_by(|a, b| a.p_value.total_cmp(&b.p_value).then(a.start.cmp(&b.start)));
    Ok(hits)
}

/// A first-layer filter read as a PWM.
#[derive(Clone, Debug, Serialize)]
pub struct FilterPwm {
    pub filter: usize,
    /// Rows per position, columns A, C, G, T.
    pub probs: Vec<[f64; 4]>,
    pub information_content: f64,
    pub consensus: String,
    /// Best matches in the motif set, best first.
    pub matches: Vec<FilterMatch>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FilterMatch {
    pub motif_id: String,
    pub motif_name: Option<String>,
    /// Strand of the motif that matches the filter.
    pub strand: char,
    /// Position of the motif's first column relative to the filter's first column.
    pub offset: isize,
    /// Sum of per-column Pearson correlations over the overlap, divided by the longer width (1 for
    /// identical matrices).
    pub similarity: f64,
    /// For a filter's best match: the chance that the filter's own columns in a random order
    /// match some motif of the set this well, `(1 + #shuffles at least as similar) / (1 +
    /// shuffles)` — a near-uniform filter or a chance resemblance gets a large one.
    pub p_value: Option<f64>,
}

/// Column shuffles per filter for a best match's p-value (the smallest p-value is 1/20).
pub const NULL_SHUFFLES: usize = 19;
/// Filters, by information content, whose best match is tested against shuffles.
pub const TESTED_FILTERS: usize = 16;
/// A best match with a p-value above this is "no clear match".
pub const CLEAR_MATCH_P: f64 = 0.05;

/// Columns centred and scaled to unit length: the Pearson correlation of two is their dot product.
fn normalised(p: &[[f64; 4]]) -> Vec<[f64; 4]> {
    p.iter()
        .map(|r| {
            let m = r.iter().sum::<f64>() / 4.0;
            let c: [f64; 4] = std::array::from_fn(|i| r[i] - m);
            let n = c.iter().map(|v| v * v).sum::<f64>().sqrt();
            if n <= 1e-12 { [0.0; 4] } else { std::array::from_fn(|i| c[i] / n) }
        })
        .collect()
}

/// Best similarity of `filter` (normalised columns) to any of `motifs` (normalised, both strands).
fn best_similarity(filter: &[[f64; 4]], motifs: &[Vec<[f64; 4]>], min_overlap: usize) -> f64 {
    let dot = |a: &[f64; 4], b: &[f64; 4]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
    let f = filter.len() as isize;
    let mut best = f64::MIN;
    for motif in motifs {
        let m = motif.len() as isize;
        let overlap = (min_overlap as isize).min(f).min(m);
        let norm = f.max(m) as f64;
        for off in (overlap - m)..=(f - overlap) {
            let (lo, hi) = ((-off).max(0), (f - off).min(m));
            let s: f64 = (lo..hi).map(|j| dot(&filter[(off + j) as usize], &motif[j as usize])).sum();
            best = best.max(s / norm);
        }
    }
    best
}

/// The p-value of `observed` (a filter's best similarity to `motifs`) against `shuffles` random
/// column orders of the filter (deterministic).
fn null_p_value(filter: &[[f64; 4]], motifs: &[Vec<[f64; 4]>], observed: f64, shuffles: usize, seed: u64) -> f64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut columns = normalised(filter);
    let mut at_least = 0;
    for _ in 0..shuffles {
        for i in (1..columns.len()).rev() {
            columns.swap(i, next(i + 1));
        }
        if best_similarity(&columns, motifs, 5) >= observed - 1e-12 {
            at_least += 1;
        }
    }
    (1 + at_least) as f64 / (1 + shuffles) as f64
}

/// Filter `[4, k]` weights to probabilities: each column is read as natural-log odds against a
/// uniform background, `p_b ∝ exp(w_b)` (a softmax per position).
pub fn filter_to_pwm(weights: &[f32], k: usize) -> Vec<[f64; 4]> {
    (0..k)
        .map(|j| {
            let w: [f64; 4] = std::array::from_fn(|c| weights[c * k + j] as f64);
            let m = w.iter().copied().fold(f64::MIN, f64::max);
            let e: [f64; 4] = std::array::from_fn(|c| (w[c] - m).exp());
            let s: f64 = e.iter().sum();
            std::array::from_fn(|c| e[c] / s)
        })
        .collect()
}

fn pearson(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    let (ma, mb) = (a.iter().sum::<f64>() / 4.0, b.iter().sum::<f64>() / 4.0);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for i in 0..4 {
        ab += (a[i] - ma) * (b[i] - mb);
        aa += (a[i] - ma).powi(2);
        bb += (b[i] - mb).powi(2);
    }
    if aa <= 1e-24 || bb <= 1e-24 { 0.0 } else { ab / (aa * bb).sqrt() }
}

fn reverse_complement(p: &[[f64; 4]]) -> Vec<[f64; 4]> {
    p.iter().rev().map(|r| [r[3], r[2], r[1], r[0]]).collect()
}

/// Best alignment of `motif` against `filter` (all offsets with at least `min_overlap` columns).
pub fn similarity(filter: &[[f64; 4]], motif: &[[f64; 4]], min_overlap: usize) -> Option<(isize, f64)> {
    let (f, m) = (filter.len() as isize, motif.len() as isize);
    let min_overlap = (min_overlap as isize).min(f).min(m);
    let norm = f.max(m) as f64;
    let mut best: Option<(isize, f64)> = None;
    for off in (min_overlap - m)..=(f - min_overlap) {
        let s: f64 = (0..m)
            .filter(|&j| (0..f).contains(&(off + j)))
            .map(|j| pearson(&filter[(off + j) as usize], &motif[j as usize]))
            .sum();
        if best.is_none_or(|(_, b)| s / norm > b) {
            best = Some((off, s / norm));
        }
    }
    best
}

/// Every filter of `weights` `[filters, 4, k]` as a PWM with its `top` best motif matches, most
/// informative first; the best match of the [`TESTED_FILTERS`] most informative filters carries a
/// p-value against shuffles of the filter's columns ([`FilterMatch::p_value`]).
pub fn filters_to_motifs(weights: &[f32], dims: &[usize], set: Option<&MotifSet>, top: usize) -> Vec<FilterPwm> {
    let (nf, k) = (dims[0], dims[2]);
    let mut out = (0..nf)
        .map(|i| {
            let probs = filter_to_pwm(&weights[i * 4 * k..(i + 1) * 4 * k], k);
            let ic: f64 =
                probs.iter().map(|r| 2.0 + r.iter().filter(|&&p| p > 0.0).map(|p| p * p.log2()).sum::<f64>()).sum();
            let consensus = probs
                .iter()
                .map(|r| b"ACGT"[(0..4).max_by(|&a, &b| r[a].total_cmp(&r[b])).unwrap_or(0)] as char)
                .collect();
            let mut matches = Vec::new();
            if let Some(set) = set {
                for m in &set.motifs {
                    let rc = reverse_complement(&m.probs);
                    for (strand, probs_m) in [('+', &m.probs), ('-', &rc)] {
                        if let Some((offset, similarity)) = similarity(&probs, probs_m, 5) {
                            matches.push(FilterMatch {
                                motif_id: m.id.clone(),
                                motif_name: m.name.clone(),
                                strand,
                                offset,
                                similarity,
                                p_value: None,
                            });
                        }
                    }
                }
                matches.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
                matches.truncate(top);
            }
            FilterPwm { filter: i, probs, information_content: ic, consensus, matches }
        })
        .collect::<Vec<_>>();
    // Filters by information content, most first; the best match of the leading ones tested
    // against column shuffles of the filter.
    out.sort_by(|a, b| b.information_content.total_cmp(&a.information_content).then(a.filter.cmp(&b.filter)));
    if let Some(set) = set {
        let motifs: Vec<Vec<[f64; 4]>> =
            set.motifs.iter().flat_map(|m| [normalised(&m.probs), normalised(&reverse_complement(&m.probs))]).collect();
        for f in out.iter_mut().take(TESTED_FILTERS) {
            if let Some(best) = f.matches.first_mut() {
                best.p_value =
                    Some(null_p_value(&f.probs, &motifs, best.similarity, NULL_SHUFFLES, f.filter as u64 + 1));
            }
        }
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn a_filter_built_from_a_motif_matches_it_best() {
        let text =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/jaspar2024_vertebrates_first4.jaspar"))
                .unwrap();
        let set = parse_motifs(&text).unwrap();
        let m = &set.motifs[1];
        let k = m.width() + 2;
        // Log-probabilities, padded by one uniform column each side, on the reverse strand.
        let rc = reverse_complement(&m.probs);
        let mut w = vec![0.0f32; 4 * k];
        for (j, row) in rc.iter().enumerate() {
            for c in 0..4 {
                w[c * k + j + 1] = (row[c].max(1e-3)).ln() as f32;
            }
        }
        let f = filters_to_motifs(&w, &[1, 4, k], Some(&set), 3);
        let best = &f[0].matches[0];
        assert_eq!((best.motif_id.as_str(), best.strand, best.offset), (m.id.as_str(), '-', 1), "{:?}", f[0].matches);
        // Two uniform columns of k do not match: at most w / (w + 2).
        assert!(best.similarity > 0.9 * m.width() as f64 / k as f64, "{}", best.similarity);
        // A filter that is a real motif beats every shuffle of its own columns.
        assert_eq!(best.p_value, Some(1.0 / (1 + NULL_SHUFFLES) as f64));
    }

    #[test]
    fn a_near_uniform_filter_has_no_clear_match() {
        let text =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/jaspar2024_vertebrates_first4.jaspar"))
                .unwrap();
        let set = parse_motifs(&text).unwrap();
        // Weak weights: every column close to uniform, its strongest base a matter of noise.
        let k = 12;
        let w: Vec<f32> = (0..4 * k).map(|i| ((i * 7919 % 13) as f32 - 6.0) * 0.01).collect();
        let f = filters_to_motifs(&w, &[1, 4, k], Some(&set), 3);
        assert!(f[0].information_content < 0.1, "{}", f[0].information_content);
        let p = f[0].matches[0].p_value.unwrap();
        assert!(p > CLEAR_MATCH_P, "a noise filter's best match should not be clear: p = {p}");
    }

    #[test]
    fn highlights_carry_mean_attribution_and_sort_by_p_value() {
        let text = "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF M1 demo\nletter-probability matrix: alength= 4 w= 4 nsites= 20 E= 0\n\
                    1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n";
        let set = parse_motifs(text.as_bytes()).unwrap();
        let bases = b"TTTTACGTTTTTT";
        let attr: Vec<f32> = (0..bases.len()).map(|i| i as f32).collect();
        let hits = highlight(&set, bases, 0.01, Some(&attr)).unwrap();
        let h = hits.iter().find(|h| h.start == 4 && h.strand == '+').unwrap();
        assert_eq!(h.matched, "ACGT");
        assert_eq!(h.mean_attribution, Some(5.5));
        assert!(hits.windows(2).all(|w| w[0].p_value <= w[1].p_value));
        let e = parse_motifs(b"MEME version 4\n\nMOTIF x\n").unwrap_err().to_string();
        assert!(e.starts_with("the motif file (MEME): "), "{e}");
    }
}
