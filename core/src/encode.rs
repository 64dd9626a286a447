//! One-hot encoding of DNA and reverse complement.
//!
//! Layout: `[4, L]` float32, row-major, channels in the order **A, C, G, T**. An `N` (any base
//! unknown) is encoded as 0.25 in all four channels, so it carries the expected value of a uniform
//! base rather than silently looking like a gap. Input must already be validated (see
//! [`crate::sequence`]); letters are upper- or lower-case `ACGTN`.

/// Channel order of the encoding.
pub const ALPHABET: [u8; 4] = *b"ACGT";

/// Value written in every channel for `N`.
pub const N_VALUE: f32 = 0.25;

/// Channel index of a base, `None` for `N` (or anything else).
#[inline]
pub fn channel(base: u8) -> Option<usize> {
    match base {
        b'A' | b'a' => Some(0),
        b'C' | b'c' => Some(1),
        b'G' | b'g' => Some(2),
        b'T' | b't' => Some(3),
        _ => None,
    }
}

/// Encodes `seq` as `[4, L]` into `out` (which must hold `4 * seq.len()` values).
pub fn one_hot_into(seq: &[u8], out: &mut [f32]) {
    let len = seq.len();
    assert_eq!(out.len(), 4 * len, "one_hot_into: output holds {} values, need 4 x {len}", out.len());
    out.fill(0.0);
    for (i, &b) in seq.iter().enumerate() {
        match channel(b) {
            Some(c) => out[c * len + i] = 1.0,
            None => {
                for c in 0..4 {
                    out[c * len + i] = N_VALUE;
                }
            }
        }
    }
}

/// Encodes `seq` as a fresh `[4, L]` row-major vector.
pub fn one_hot(seq: &[u8]) -> Vec<f32> {
    let mut out = vec![0.0; 4 * seq.len()];
    one_hot_into(seq, &mut out);
    out
}

/// Encodes a batch of equal-length sequences as `[B, 4, L]`.
///
/// Panics if the lengths differ: callers apply a [`crate::length::LengthPolicy`] first.
pub fn one_hot_batch<S: AsRef<[u8]>>(seqs: &[S]) -> Vec<f32> {
    let len = seqs.first().map_or(0, |s| s.as_ref().len());
    let mut out = vec![0.0; seqs.len() * 4 * len];
    for (s, chunk) in seqs.iter().zip(out.chunks_mut(4 * len.max(1))) {
        let s = s.as_ref();
        assert_eq!(s.len(), len, "one_hot_batch: sequences of different lengths ({} vs {len})", s.len());
        one_hot_into(s, &mut chunk[..4 * len]);
    }
    out
}

/// Complement of one base, preserving case; `N` stays `N`.
#[inline]
pub fn complement(base: u8) -> u8 {
    match base {
        b'A' => b'T',
        b'C' => b'G',
        b'G' => b'C',
        b'T' => b'A',
        b'a' => b't',
        b'c' => b'g',
        b'g' => b'c',
        b't' => b'a',
        other => other,
    }
}

/// Reverse complement of a sequence.
pub fn reverse_complement(seq: &[u8]) -> Vec<u8> {
    seq.iter().rev().map(|&b| complement(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_acgtn_in_documented_order() {
        let x = one_hot(b"ACGTN");
        #[rustfmt::skip]
        let expected = [
            1.0, 0.0, 0.0, 0.0, 0.25,
            0.0, 1.0, 0.0, 0.0, 0.25,
            0.0, 0.0, 1.0, 0.0, 0.25,
            0.0, 0.0, 0.0, 1.0, 0.25,
        ];
        assert_eq!(x, expected);
    }

    #[test]
    fn lowercase_encodes_like_uppercase() {
        assert_eq!(one_hot(b"acgtn"), one_hot(b"ACGTN"));
    }

    #[test]
    fn reverse_complement_is_an_involution_and_keeps_case() {
        let s = b"AACGTtgcaN";
        assert_eq!(reverse_complement(s), b"NtgcaACGTT");
        assert_eq!(reverse_complement(&reverse_complement(s)), s);
    }

    #[test]
    fn batch_lays_out_sequences_one_after_another() {
        let b = one_hot_batch(&[b"AC".as_slice(), b"GT".as_slice()]);
        assert_eq!(&b[..8], one_hot(b"AC").as_slice());
        assert_eq!(&b[8..], one_hot(b"GT").as_slice());
    }
}
