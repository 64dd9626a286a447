//! Fitting a sequence to a model's fixed input length — always by an explicit policy.
//!
//! A model sees exactly `L` bases. A shorter sequence is padded (with `N`, or with the flanking
//! adapters the model was trained with, taken from its manifest), a longer one is cropped around
//! its centre or cut into overlapping tiles. Nothing happens silently: [`fit`] reports what it did.

use serde::{Deserialize, Serialize};

/// What to pad a short sequence with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// `N` on both sides (encoded as 0.25 in every channel).
    N,
    /// The model's own flanks: the end of `left` before the sequence, the start of `right` after
    /// it (an MPRA construct's adapters, say); `N` beyond them if they run out.
    Flanks { left: String, right: String },
}

/// How to treat a sequence whose length differs from the model's input length.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "policy")]
pub enum LengthPolicy {
    /// Refuse any other length.
    Exact,
    /// Pad a short sequence on both sides around its centre; refuse a long one.
    Pad { padding: Padding },
    /// Crop a long sequence around its centre; refuse a short one.
    Crop,
    /// Pad a short sequence, crop a long one.
    PadOrCrop { padding: Padding },
    /// Cut a long sequence into windows `stride` apart, the last one flush with the end so every
    /// base is seen; pad a short one.
    Tile { stride: usize, padding: Padding },
    /// For models trained on constructs (an element between fixed adapters, as in MPRA): cut the
    /// sequence into tiles of the element length (the model length minus both flanks) `stride`
    /// apart, the last one flush with the end, and read each between the flanks, so the model sees
    /// every tile as it saw its training constructs. A sequence shorter than a tile is padded as
    /// `Pad` with the flanks pads it; one of exactly the model length is taken as a whole
    /// construct, flanks included, and read as it is.
    FlankedTiles { stride: usize, left: String, right: String },
}

/// One model-length window of the input, with its place in the original sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Exactly the model's input length.
    pub bases: Vec<u8>,
    /// 0-based position in the original sequence of `bases[0]`; negative where padding precedes it.
    pub start: isize,
    /// The indices of `bases` that are bases of the sequence: `bases[i] == seq[start + i]` for
    /// every `i` in `view` (padding and flanks lie outside it).
    pub view: std::ops::Range<usize>,
}

impl Window {
    /// The window of `seq` at `start`, every base of it from the sequence.
    fn plain(seq: &[u8], start: usize, len: usize) -> Self {
        Window { bases: seq[start..start + len].to_vec(), start: start as isize, view: 0..len }
    }

    /// Whether the model reads sequence position `p` (0-based) in this window.
    pub fn sees(&self, p: usize) -> bool {
        let p = p as isize - self.start;
        p >= 0 && self.view.contains(&(p as usize))
    }

    /// The same window with its bases reverse-complemented (the view mirrored with them).
    pub fn reverse_complement(&self) -> Self {
        let l = self.bases.len();
        Window {
            bases: crate::encode::reverse_complement(&self.bases),
            start: self.start,
            view: l - self.view.end..l - self.view.start,
        }
    }
}

/// What [`fit`] did, to show the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Fitting {
    Unchanged,
    Padded { left: usize, right: usize },
    Cropped { left: usize, right: usize },
    Tiled { windows: usize, stride: usize },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LengthError {
    #[error(
        "the sequence is {actual} bp but the model reads exactly {expected} bp; choose a policy to pad, crop or tile"
    )]
    Mismatch { actual: usize, expected: usize },
    #[error(
        "the sequence is {actual} bp, longer than the model's {expected} bp input; crop or tile it instead of padding"
    )]
    TooLongToPad { actual: usize, expected: usize },
    #[error("the sequence is {actual} bp, shorter than the model's {expected} bp input; pad it instead of cropping")]
    TooShortToCrop { actual: usize, expected: usize },
    #[error("tiling needs a stride of at least 1 bp")]
    ZeroStride,
    #[error("the model's input length is 0")]
    ZeroLength,
    #[error("the flanks take {flanks} of the model's {expected} bp, leaving no room for a tile")]
    FlanksTooLong { flanks: usize, expected: usize },
}

/// Fits `seq` to `model_len` bases under `policy`.
pub fn fit(seq: &[u8], model_len: usize, policy: &LengthPolicy) -> Result<(Vec<Window>, Fitting), LengthError> {
    use std::cmp::Ordering::*;
    if model_len == 0 {
        return Err(LengthError::ZeroLength);
    }
    let (actual, expected) = (seq.len(), model_len);
    match (actual.cmp(&model_len), policy) {
        (Equal, _) => Ok((vec![Window::plain(seq, 0, actual)], Fitting::Unchanged)),
        (_, LengthPolicy::FlankedTiles { stride, left, right }) => flanked_tiles(seq, model_len, *stride, left, right),
        (_, LengthPolicy::Exact) => Err(LengthError::Mismatch { actual, expected }),
        (
            Less,
            LengthPolicy::Pad { padding } | LengthPolicy::PadOrCrop { padding } | LengthPolicy::Tile { padding, .. },
        ) => Ok(pad(seq, model_len, padding)),
        (Less, LengthPolicy::Crop) => Err(LengthError::TooShortToCrop { actual, expected }),
        (Greater, LengthPolicy::Pad { .. }) => Err(LengthError::TooLongToPad { actual, expected }),
        (Greater, LengthPolicy::Crop | LengthPolicy::PadOrCrop { .. }) => Ok(crop(seq, model_len)),
        (Greater, LengthPolicy::Tile { stride, .. }) => tile(seq, model_len, *stride),
    }
}

/// The `len` bases of `seq` from `start` (which may be negative, or run past the end), with
/// `padding` where the window leaves the sequence: the end of the left flank before it, the start
/// of the right flank after it, `N` beyond the flanks. A window of a sequence with a variant
/// applied is read this way at the reference window's start, so the two line up base for base
/// up to the variant.
pub fn window_at(seq: &[u8], start: isize, len: usize, padding: &Padding) -> Vec<u8> {
    let (left_flank, right_flank) = match padding {
        Padding::N => (&b""[..], &b""[..]),
        Padding::Flanks { left, right } => (left.as_bytes(), right.as_bytes()),
    };
    (0..len as isize)
        .map(|i| {
            let p = start + i;
            if p < 0 {
                let back = (-p) as usize; // 1 = the base just before the sequence
                if back <= left_flank.len() { left_flank[left_flank.len() - back] } else { b'N' }
            } else if (p as usize) < seq.len() {
                seq[p as usize]
            } else {
                right_flank.get(p as usize - seq.len()).copied().unwrap_or(b'N')
            }
        })
        .collect()
}

fn pad(seq: &[u8], model_len: usize, padding: &Padding) -> (Vec<Window>, Fitting) {
    let missing = model_len - seq.len();
    let (left, right) = (missing / 2, missing - missing / 2);
    let (left_flank, right_flank) = match padding {
        Padding::N => ("", ""),
        Padding::Flanks { left, right } => (left.as_str(), right.as_str()),
    };
    let mut bases = Vec::with_capacity(model_len);
    // The bases nearest the sequence come from the adjoining end of each flank.
    let from_flank = left.min(left_flank.len());
    bases.extend(std::iter::repeat_n(b'N', left - from_flank));
    bases.extend_from_slice(&left_flank.as_bytes()[left_flank.len() - from_flank..]);
    bases.extend_from_slice(seq);
    let from_flank = right.min(right_flank.len());
    bases.extend_from_slice(&right_flank.as_bytes()[..from_flank]);
    bases.extend(std::iter::repeat_n(b'N', right - from_flank));
    (vec![Window { bases, start: -(left as isize), view: left..left + seq.len() }], Fitting::Padded { left, right })
}

fn crop(seq: &[u8], model_len: usize) -> (Vec<Window>, Fitting) {
    let extra = seq.len() - model_len;
    let left = extra / 2;
    let window = Window::plain(seq, left, model_len);
    (vec![window], Fitting::Cropped { left, right: extra - left })
}

fn tile(seq: &[u8], model_len: usize, stride: usize) -> Result<(Vec<Window>, Fitting), LengthError> {
    if stride == 0 {
        return Err(LengthError::ZeroStride);
    }
    let windows =
        tile_starts(seq.len(), model_len, stride).map(|s| Window::plain(seq, s, model_len)).collect::<Vec<_>>();
    let fitting = Fitting::Tiled { windows: windows.len(), stride };
    Ok((windows, fitting))
}

/// Starts of `len`-base tiles of a `total`-base sequence, `stride` apart, the last flush with the end.
fn tile_starts(total: usize, len: usize, stride: usize) -> impl Iterator<Item = usize> {
    let last = total - len;
    let mut starts: Vec<usize> = (0..=last).step_by(stride).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts.into_iter()
}

fn flanked_tiles(
    seq: &[u8],
    model_len: usize,
    stride: usize,
    left: &str,
    right: &str,
) -> Result<(Vec<Window>, Fitting), LengthError> {
    let tile = model_len
        .checked_sub(left.len() + right.len())
        .filter(|&t| t > 0)
        .ok_or(LengthError::FlanksTooLong { flanks: left.len() + right.len(), expected: model_len })?;
    if stride == 0 {
        return Err(LengthError::ZeroStride);
    }
    let padding = Padding::Flanks { left: left.into(), right: right.into() };
    if seq.len() < tile {
        return Ok(pad(seq, model_len, &padding));
    }
    let windows: Vec<Window> = tile_starts(seq.len(), tile, stride)
        .map(|s| {
            let mut bases = Vec::with_capacity(model_len);
            bases.extend_from_slice(left.as_bytes());
            bases.extend_from_slice(&seq[s..s + tile]);
            bases.extend_from_slice(right.as_bytes());
            Window { bases, start: s as isize - left.len() as isize, view: left.len()..left.len() + tile }
        })
        .collect();
    let fitting = Fitting::Tiled { windows: windows.len(), stride };
    Ok((windows, fitting))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_refuses_other_lengths_with_a_hint() {
        let e = fit(b"ACG", 4, &LengthPolicy::Exact).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the sequence is 3 bp but the model reads exactly 4 bp; choose a policy to pad, crop or tile"
        );
        assert_eq!(fit(b"ACGT", 4, &LengthPolicy::Exact).unwrap().1, Fitting::Unchanged);
    }

    #[test]
    fn pads_with_n_around_the_centre() {
        let (w, f) = fit(b"ACG", 6, &LengthPolicy::Pad { padding: Padding::N }).unwrap();
        assert_eq!(w[0].bases, b"NACGNN");
        assert_eq!(w[0].start, -1);
        assert_eq!(f, Fitting::Padded { left: 1, right: 2 });
    }

    #[test]
    fn pads_with_the_adjoining_ends_of_the_flanks_then_n() {
        let padding = Padding::Flanks { left: "xxAB".into(), right: "CDyy".into() };
        let (w, _) = fit(b"acgt", 8, &LengthPolicy::Pad { padding: padding.clone() }).unwrap();
        assert_eq!(w[0].bases, b"ABacgtCD");
        let short = Padding::Flanks { left: "B".into(), right: "C".into() };
        let (w, _) = fit(b"acgt", 8, &LengthPolicy::Pad { padding: short }).unwrap();
        assert_eq!(w[0].bases, b"NBacgtCN");
    }

    #[test]
    fn a_window_anywhere_reads_the_flanks_and_then_n_outside_the_sequence() {
        let padding = Padding::Flanks { left: "xxAB".into(), right: "CDyy".into() };
        assert_eq!(window_at(b"acgt", -2, 8, &padding), b"ABacgtCD");
        assert_eq!(window_at(b"acgt", -6, 4, &padding), b"NNxx");
        assert_eq!(window_at(b"acgt", 3, 7, &padding), b"tCDyyNN");
        assert_eq!(window_at(b"acgt", 1, 2, &Padding::N), b"cg");
        // It agrees with padding by `fit`.
        let (w, _) = fit(b"acgt", 9, &LengthPolicy::Pad { padding: padding.clone() }).unwrap();
        assert_eq!(window_at(b"acgt", w[0].start, 9, &padding), w[0].bases);
    }

    #[test]
    fn flanked_tiles_read_each_tile_between_the_flanks() {
        let policy = LengthPolicy::FlankedTiles { stride: 2, left: "xy".into(), right: "z".into() };
        // Model length 6: tiles of 3 bases.
        let (w, f) = fit(b"ACGTACG", 6, &policy).unwrap();
        assert_eq!(f, Fitting::Tiled { windows: 3, stride: 2 });
        let got: Vec<(&[u8], isize)> = w.iter().map(|w| (&w.bases[..], w.start)).collect();
        assert_eq!(got, vec![(&b"xyACGz"[..], -2), (&b"xyGTAz"[..], 0), (&b"xyACGz"[..], 2)]);
        // A sequence of the model's length is a whole construct: read as it is.
        assert_eq!(fit(b"xyACGz", 6, &policy).unwrap().1, Fitting::Unchanged);
        assert!(w.iter().all(|w| w.view == (2..5)));
        assert!(w[1].sees(2) && w[1].sees(4) && !w[1].sees(1) && !w[1].sees(5));
        // A sequence shorter than a tile is padded as Pad with the flanks pads it.
        let pad = LengthPolicy::Pad { padding: Padding::Flanks { left: "xy".into(), right: "z".into() } };
        assert_eq!(fit(b"AC", 6, &policy).unwrap(), fit(b"AC", 6, &pad).unwrap());
        assert_eq!(fit(b"ACG", 6, &policy).unwrap().0[0].bases, b"xyACGz");
        let too_long = LengthPolicy::FlankedTiles { stride: 1, left: "xyz".into(), right: "uvw".into() };
        assert_eq!(
            fit(b"ACGT", 6, &too_long).unwrap_err().to_string(),
            "the flanks take 6 of the model's 6 bp, leaving no room for a tile"
        );
    }

    #[test]
    fn every_window_says_which_of_its_bases_are_the_sequence() {
        let padding = Padding::Flanks { left: "xxAB".into(), right: "CDyy".into() };
        for (seq, policy) in [
            (&b"acgt"[..], LengthPolicy::Pad { padding: padding.clone() }),
            (&b"ACGTACGTAC"[..], LengthPolicy::Tile { stride: 3, padding: padding.clone() }),
            (&b"ACGTACGTAC"[..], LengthPolicy::Crop),
            (&b"ACGTACGTAC"[..], LengthPolicy::FlankedTiles { stride: 3, left: "xA".into(), right: "B".into() }),
        ] {
            for w in fit(seq, 7, &policy).unwrap().0 {
                for (i, &b) in w.bases.iter().enumerate() {
                    let p = w.start + i as isize;
                    if w.view.contains(&i) {
                        assert_eq!(b, seq[p as usize], "{policy:?}");
                    }
                }
                let rc = w.reverse_complement();
                assert_eq!(rc.view.len(), w.view.len());
            }
        }
    }

    #[test]
    fn crops_around_the_centre() {
        let (w, f) = fit(b"AACCGGT", 4, &LengthPolicy::Crop).unwrap();
        assert_eq!(w[0].bases, b"ACCG");
        assert_eq!(f, Fitting::Cropped { left: 1, right: 2 });
        assert_eq!(
            fit(b"AC", 4, &LengthPolicy::Crop).unwrap_err().to_string(),
            "the sequence is 2 bp, shorter than the model's 4 bp input; pad it instead of cropping"
        );
    }

    #[test]
    fn tiles_cover_every_base_with_the_last_window_flush() {
        let policy = LengthPolicy::Tile { stride: 3, padding: Padding::N };
        let (w, f) = fit(b"ACGTACGTAC", 4, &policy).unwrap();
        let starts: Vec<isize> = w.iter().map(|w| w.start).collect();
        assert_eq!(starts, vec![0, 3, 6]);
        assert_eq!(f, Fitting::Tiled { windows: 3, stride: 3 });
        let (w, _) = fit(b"ACGTACGTA", 4, &policy).unwrap();
        assert_eq!(w.iter().map(|w| w.start).collect::<Vec<_>>(), vec![0, 3, 5]);
        assert_eq!(w[2].bases, b"CGTA");
    }

    #[test]
    fn pad_refuses_long_sequences() {
        let e = fit(b"ACGTA", 4, &LengthPolicy::Pad { padding: Padding::N }).unwrap_err();
        assert_eq!(e, LengthError::TooLongToPad { actual: 5, expected: 4 });
    }
}
