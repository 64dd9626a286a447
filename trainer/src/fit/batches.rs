//! Mini-batches: one-hot inputs with reverse-complement and shift augmentation, and targets in
//! training space. The random choices of batch `b` in epoch `e` come from a generator seeded by
//! (seed, e, b) alone, so a resumed run makes exactly the batches the uninterrupted run made.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use regula_core::encode::{one_hot_into, reverse_complement};

use crate::data::dataset::Dataset;

/// A generator for one purpose at one point of training, independent of everything else drawn.
pub fn rng_for(seed: u64, epoch: usize, batch: usize, purpose: u64) -> ChaCha8Rng {
    // SplitMix64 finaliser over the combined key: nearby keys give unrelated streams.
    let mut z = seed
        ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (batch as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ purpose.wrapping_mul(0x94D0_49BB_1331_11EB);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
}

const SHUFFLE: u64 = 1;
const AUGMENT: u64 = 2;

/// The order of training rows in `epoch`.
pub fn epoch_order(train: &[usize], seed: u64, epoch: usize) -> Vec<usize> {
    let mut order = train.to_vec();
    order.shuffle(&mut rng_for(seed, epoch, 0, SHUFFLE));
    order
}

/// How a batch is altered for training.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Augment {
    pub reverse_complement: bool,
    pub max_shift: usize,
}

/// One-hot inputs `[rows, 4, L]` (branches concatenated along the length) for `rows`, each
/// reverse-complemented if `rc[i]`.
pub fn encode_rows(
    data: &Dataset,
    rows: &[usize],
    rc: impl Fn(usize) -> bool,
    shift: impl Fn(usize) -> isize,
) -> Vec<f32> {
    let total: usize = data.lengths().iter().sum();
    let mut x = vec![0.0; rows.len() * 4 * total];
    let mut joined = Vec::with_capacity(total);
    for (k, &row) in rows.iter().enumerate() {
        joined.clear();
        for branch in &data.examples[row].sequences {
            let mut s = shifted(branch, shift(k));
            if rc(k) {
                s = reverse_complement(&s);
            }
            joined.extend_from_slice(&s);
        }
        one_hot_into(&joined, &mut x[k * 4 * total..(k + 1) * 4 * total]);
    }
    x
}

/// `seq` moved right by `by` bases (left if negative), filled with `N`, same length.
pub fn shifted(seq: &[u8], by: isize) -> Vec<u8> {
    let n = seq.len();
    let by = by.clamp(-(n as isize), n as isize);
    let mut out = vec![b'N'; n];
    if by >= 0 {
        out[by as usize..].copy_from_slice(&seq[..n - by as usize]);
    } else {
        out[..n - (-by) as usize].copy_from_slice(&seq[(-by) as usize..]);
    }
    out
}

/// Inputs of training batch `batch` of `epoch`, augmented.
pub fn training_inputs(
    data: &Dataset,
    rows: &[usize],
    augment: Augment,
    seed: u64,
    epoch: usize,
    batch: usize,
) -> Vec<f32> {
    let mut rng = rng_for(seed, epoch, batch, AUGMENT);
    let flips: Vec<bool> = rows.iter().map(|_| augment.reverse_complement && rng.random_bool(0.5)).collect();
    // i64, not isize: the draw must not depend on the platform's pointer width.
    let m = augment.max_shift as i64;
    let shifts: Vec<isize> = rows.iter().map(|_| if m > 0 { rng.random_range(-m..=m) as isize } else { 0 }).collect();
    encode_rows(data, rows, |k| flips[k], |k| shifts[k])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::dataset::Example;
    use regula_core::encode::one_hot;

    fn data() -> Dataset {
        let ex = |id: &str, s: &[u8]| Example {
            id: id.into(),
            line: 2,
            sequences: vec![s.to_vec()],
            targets: vec![1.0],
            chrom: None,
            split: None,
        };
        Dataset { target_names: vec!["y".into()], examples: vec![ex("a", b"AACG"), ex("b", b"TTGC")], skipped: vec![] }
    }

    #[test]
    fn shifting_fills_with_n() {
        assert_eq!(shifted(b"ACGT", 1), b"NACG");
        assert_eq!(shifted(b"ACGT", -2), b"GTNN");
        assert_eq!(shifted(b"ACGT", 9), b"NNNN");
    }

    #[test]
    fn reverse_complement_flag_encodes_the_other_strand() {
        let x = encode_rows(&data(), &[1, 0], |k| k == 0, |_| 0);
        assert_eq!(&x[..16], one_hot(b"GCAA").as_slice());
        assert_eq!(&x[16..], one_hot(b"AACG").as_slice());
    }

    #[test]
    fn the_same_seed_epoch_and_batch_give_the_same_batch() {
        let augment = Augment { reverse_complement: true, max_shift: 1 };
        let d = data();
        let a = training_inputs(&d, &[0, 1], augment, 7, 3, 2);
        assert_eq!(a, training_inputs(&d, &[0, 1], augment, 7, 3, 2));
        let differ = (0..20).any(|b| training_inputs(&d, &[0, 1], augment, 7, 3, b) != a);
        assert!(differ, "other batches draw other augmentations");
        assert_eq!(epoch_order(&[0, 1, 2, 3, 4, 5], 7, 1), epoch_order(&[0, 1, 2, 3, 4, 5], 7, 1));
    }
}
