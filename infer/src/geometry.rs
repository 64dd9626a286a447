//! Receptive-field geometry of a chain of 1-D position-wise layers (convolutions, pools and
//! element-wise ops), and the windows fast saturation mutagenesis runs the trunk on.
//!
//! A tensor position `t` of a layer with cumulative stride `S` depends on input positions
//! `t·S + lo ..= t·S + hi` (unclipped; positions outside the sequence are padding). A layer with
//! kernel `k`, stride `s`, dilation `d` and left padding `p` maps a tensor with `(S, lo, hi)` to
//! `(S·s, lo − p·S, hi + ((k − 1)·d − p)·S)`.
//!
//! **Window lemma.** Let the window `[ws, we)` of the input have `ws` a multiple of the total
//! stride `S`. Then window position `t'` of every layer is full-sequence position
//! `t' + ws / S_layer`, and the trunk output at full position `t` computed on the window equals
//! the one computed on the whole sequence whenever the receptive field `[t·S + lo, t·S + hi]`
//! lies in the window, where a window edge that is also the sequence's edge (`ws = 0`, `we = L`)
//! counts as unbounded. Proof sketch: `lo ≤ 0` because pads are non-negative, so every position
//! in the dependency cone of `t` has its own receptive field inside `t`'s; a position that is
//! padding in one computation but not the other would have a receptive field reaching past an
//! interior window edge (left: `t'·S + lo < 0`; right: by induction the first position past a
//! layer's end has a receptive field reaching the end of its input), contradicting containment.
//! At a shared edge both computations pad identically, because alignment makes the window's
//! layer lengths the full lengths minus `ws / S_layer`. The tests check the lemma against tract
//! on every shipped model, edges included.

/// Receptive field of a tensor: position `t` reads input positions `t·stride + lo ..= t·stride + hi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub stride: i64,
    pub lo: i64,
    pub hi: i64,
}

impl Field {
    /// The model input itself.
    pub const INPUT: Field = Field { stride: 1, lo: 0, hi: 0 };

    /// After a sliding layer (conv or pool) with `kernel`, `stride`, `dilation` and left pad `pad`.
    pub fn slide(self, kernel: i64, stride: i64, dilation: i64, pad: i64) -> Field {
        Field {
            stride: self.stride * stride,
            lo: self.lo - pad * self.stride,
            hi: self.hi + ((kernel - 1) * dilation - pad) * self.stride,
        }
    }

    /// Two tensors combined element-wise: the union of their fields (same stride required).
    pub fn union(self, other: Field) -> Option<Field> {
        (self.stride == other.stride).then(|| Field {
            stride: self.stride,
            lo: self.lo.min(other.lo),
            hi: self.hi.max(other.hi),
        })
    }

    pub fn width(self) -> i64 {
        self.hi - self.lo + 1
    }

    /// Output positions (of `t_len` in all) whose field contains input position `p`, if any.
    pub fn affected(self, p: i64, t_len: i64) -> Option<(i64, i64)> {
        let t0 = div_ceil(p - self.hi, self.stride).max(0);
        let t1 = div_floor(p - self.lo, self.stride).min(t_len - 1);
        (t0 <= t1).then_some((t0, t1))
    }
}

fn div_floor(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}

fn div_ceil(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

/// The trunk window for one mutated position: run the trunk on input `[start, start + len)` and
/// read outputs `first ..= last` (full-sequence numbering) at window positions `t − offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsmWindow {
    pub start: usize,
    pub len: usize,
    /// Affected trunk outputs, full-sequence numbering, inclusive.
    pub first: usize,
    pub last: usize,
    /// Full-sequence number of the window's output 0.
    pub offset: usize,
    /// Run the *valid* trunk (every pad removed) rather than the padded one.
    pub valid: bool,
}

/// Plans the windows of every position of a length-`l` input whose trunk output has `t_len`
/// positions. Windows have one common length, except those flush with the sequence's right end,
/// which share a second length; `None` marks positions no trunk output reads (an effect of
/// exactly 0, e.g. bases a floor-mode pool drops).
pub fn plan_windows(field: Field, l: usize, t_len: usize) -> Vec<Option<IsmWindow>> {
    let (s, li, ti) = (field.stride, l as i64, t_len as i64);
    let needed: Vec<Option<(i64, i64, i64, i64)>> = (0..li)
        .map(|p| {
            field.affected(p, ti).map(|(t0, t1)| {
                let need_lo = t0 * s + field.lo;
                let need_hi = t1 * s + field.hi;
                let ws = if need_lo <= 0 { 0 } else { div_floor(need_lo, s) * s };
                let we = if need_hi >= li - 1 { li } else { need_hi + 1 };
                (ws, we, t0, t1)
            })
        })
        .collect();
    let width = needed.iter().flatten().map(|&(ws, we, _, _)| we - ws).max().unwrap_or(li).min(li);
    let right_start = (div_floor(li - width, s) * s).max(0);
    needed
        .into_iter()
        .map(|n| {
            n.map(|(ws, _, t0, t1)| {
                let (start, end) = if ws + width > li { (right_start, li) } else { (ws, ws + width) };
                IsmWindow {
                    start: start as usize,
                    len: (end - start) as usize,
                    first: t0 as usize,
                    last: t1 as usize,
                    offset: (start / s) as usize,
                    valid: false,
                }
            })
        })
        .collect()
}

/// Like [`plan_windows`], but interior positions get windows for the *valid* trunk (the same
/// graph with every pad set to 0): with no padding, window output `t'` reads window inputs
/// `t'·S ..= t'·S + hi − lo`, so a window starting at `t0·S + lo` computes exactly the outputs
/// `t0, t0 + 1, ..` from real bases, with no wasted edge outputs. Every interior window covers
/// the same number of outputs (the most any position affects), hence has one length. Positions
/// whose window would need padding (near either end) keep their padded window.
pub fn plan_valid_windows(field: Field, l: usize, t_len: usize) -> Vec<Option<IsmWindow>> {
    let (s, li, ti) = (field.stride, l as i64, t_len as i64);
    let padded = plan_windows(field, l, t_len);
    let n_out = (0..li).filter_map(|p| field.affected(p, ti)).map(|(t0, t1)| t1 - t0 + 1).max().unwrap_or(1);
    let len = (n_out - 1) * s + field.width();
    padded
        .into_iter()
        .enumerate()
        .map(|(p, w)| {
            let w = w?;
            let (t0, _) = field.affected(p as i64, ti)?;
            let start = t0 * s + field.lo;
            let fits = start >= 0 && start + len <= li && t0 + n_out <= ti && len < w.len as i64;
            Some(if fits {
                IsmWindow { start: start as usize, len: len as usize, offset: t0 as usize, valid: true, ..w }
            } else {
                w
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy trunk computed directly: sliding sums over explicit layers with zero padding and
    /// floor-mode output lengths, to check the window lemma independently of tract.
    fn layer(x: &[f64], k: usize, s: usize, d: usize, pl: usize, pr: usize, max: bool) -> Vec<f64> {
        let padded_len = x.len() + pl + pr;
        let span = (k - 1) * d + 1;
        if padded_len < span {
            return vec![];
        }
        let out = (padded_len - span) / s + 1;
        (0..out)
            .map(|j| {
                let vals = (0..k).map(|i| {
                    let pos = (j * s + i * d) as i64 - pl as i64;
                    if pos < 0 || pos >= x.len() as i64 { 0.0 } else { x[pos as usize] }
                });
                if max {
                    vals.fold(f64::MIN, f64::max)
                } else {
                    vals.enumerate().map(|(i, v)| v * (i as f64 + 1.3).sin()).sum::<f64>().tanh()
                }
            })
            .collect()
    }

    type Layer = (usize, usize, usize, usize, usize, bool);

    fn trunk(x: &[f64], layers: &[Layer]) -> Vec<f64> {
        layers.iter().fold(x.to_vec(), |h, &(k, s, d, pl, pr, m)| layer(&h, k, s, d, pl, pr, m))
    }

    fn field_of(layers: &[Layer]) -> Field {
        layers.iter().fold(Field::INPUT, |f, &(k, s, d, pl, _, _)| f.slide(k as i64, s as i64, d as i64, pl as i64))
    }

    #[test]
    fn valid_windows_reproduce_the_full_trunk_exactly() {
        let cases: Vec<(usize, Vec<Layer>)> = vec![
            (80, vec![(5, 1, 1, 2, 2, false), (3, 3, 1, 0, 0, true), (3, 1, 2, 2, 2, false)]),
            (101, vec![(4, 1, 1, 1, 2, false), (2, 2, 1, 0, 0, true), (3, 1, 1, 1, 1, false), (2, 2, 1, 0, 0, true)]),
            (120, vec![(15, 1, 1, 7, 7, false), (4, 4, 1, 0, 0, true), (5, 1, 1, 2, 2, false)]),
        ];
        for (l, layers) in cases {
            let field = field_of(&layers);
            let valid_layers: Vec<Layer> = layers.iter().map(|&(k, s, d, _, _, m)| (k, s, d, 0, 0, m)).collect();
            let x: Vec<f64> = (0..l).map(|i| ((i * 7919) % 13) as f64 / 6.0 - 1.0).collect();
            let full = trunk(&x, &layers);
            let windows = plan_valid_windows(field, l, full.len());
            assert!(windows.iter().flatten().filter(|w| w.valid).count() > l / 3, "most windows are valid");
            let lens: std::collections::BTreeSet<(bool, usize)> =
                windows.iter().flatten().map(|w| (w.valid, w.len)).collect();
            assert!(lens.len() <= 3, "{lens:?}");
            for p in 0..l {
                let mut xm = x.clone();
                xm[p] += 0.77;
                let naive = trunk(&xm, &layers);
                let Some(w) = windows[p] else { continue };
                let layers_used = if w.valid { &valid_layers } else { &layers };
                let win = trunk(&xm[w.start..w.start + w.len], layers_used);
                for t in w.first..=w.last {
                    assert_eq!(win[t - w.offset], naive[t], "L {l} p {p} t {t} {w:?}");
                }
            }
        }
    }

    #[test]
    fn reference_cnn_field() {
        // conv k15 same, max-pool 4, conv k5 same.
        let f = Field::INPUT.slide(15, 1, 1, 7).slide(4, 4, 1, 0).slide(5, 1, 1, 2);
        assert_eq!(f, Field { stride: 4, lo: -15, hi: 18 });
        assert_eq!(f.affected(0, 250), Some((0, 3)));
        assert_eq!(f.affected(999, 250), Some((246, 249)));
    }

    #[test]
    fn windows_reproduce_the_full_trunk_exactly() {
        let cases: Vec<(usize, Vec<Layer>)> = vec![
            (60, vec![(5, 1, 1, 2, 2, false), (3, 3, 1, 0, 0, true), (3, 1, 2, 2, 2, false)]),
            (61, vec![(4, 1, 1, 1, 2, false), (2, 2, 1, 0, 0, true), (3, 1, 1, 1, 1, false), (2, 2, 1, 0, 0, true)]),
            (47, vec![(7, 1, 1, 3, 3, false), (4, 4, 1, 0, 0, true), (5, 1, 1, 2, 2, false)]),
            (9, vec![(7, 1, 1, 3, 3, false), (4, 4, 1, 0, 0, true), (5, 1, 1, 2, 2, false)]),
        ];
        for (l, layers) in cases {
            let field = field_of(&layers);
            let x: Vec<f64> = (0..l).map(|i| ((i * 7919) % 13) as f64 / 6.0 - 1.0).collect();
            let full = trunk(&x, &layers);
            let windows = plan_windows(field, l, full.len());
            let lens: std::collections::BTreeSet<usize> = windows.iter().flatten().map(|w| w.len).collect();
            assert!(lens.len() <= 2, "{lens:?}");
            for p in 0..l {
                let mut xm = x.clone();
                xm[p] += 0.77;
                let naive = trunk(&xm, &layers);
                match windows[p] {
                    None => assert_eq!(naive, full, "position {p} is read by no output"),
                    Some(w) => {
                        assert_eq!(w.start as i64 % field.stride, 0);
                        let win = trunk(&xm[w.start..w.start + w.len], &layers);
                        let off = w.offset;
                        for t in 0..full.len() {
                            if (w.first..=w.last).contains(&t) {
                                assert_eq!(win[t - off], naive[t], "L {l} p {p} t {t} {w:?}");
                            } else {
                                assert_eq!(naive[t], full[t], "L {l} p {p}: output {t} outside {w:?} changed");
                            }
                        }
                    }
                }
            }
        }
    }
}
