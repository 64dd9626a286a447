//! Mini-batches: one-hot inputs with reverse-complement and shift augmentation, and targets in
//! training space. A shift moves the construct's real flanking bases in (given as
//! `--flank-left/--flank-right`), then `N` beyond them. The random choices of batch `b` in epoch `e` come from a generator seeded by
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Augment {
    pub reverse_complement: bool,
    pub max_shift: usize,
    /// The construct's bases upstream and downstream of a (single-branch) sequence: a shift
    /// moves these in before it falls back to `N`.
    pub flank_left: Vec<u8>,
    pub flank_right: Vec<u8>,
}

/// One-hot inputs `[rows, 4, L]` (branches concatenated along the length) for `rows`, each
/// reverse-complemented if `rc[i]`.
pub fn encode_rows(
    data: &Dataset,
    rows: &[usize],
    rc: impl Fn(usize) -> bool,
    shift: impl Fn(usize) -> isize,
) -> Vec<f32> {
    encode_rows_in_context(data, rows, rc, shift, (&[], &[]))
}

/// [`encode_rows`] with shifts that move in the construct's flanking bases `flanks` (left,
/// right) of a single-branch sequence.
pub fn encode_rows_in_context(
    data: &Dataset,
    rows: &[usize],
    rc: impl Fn(usize) -> bool,
    shift: impl Fn(usize) -> isize,
    flanks: (&[u8], &[u8]),
) -> Vec<f32> {
    let total: usize = data.lengths().iter().sum();
    let mut x = vec![0.0; rows.len() * 4 * total];
    let mut joined = Vec::with_capacity(total);
    let single = data.lengths().len() == 1;
    for (k, &row) in rows.iter().enumerate() {
        joined.clear();
        for branch in &data.examples[row].sequences {
            let mut s = if single {
                shifted_in_context(branch, shift(k), flanks.0, flanks.1)
            } else {
                shifted(branch, shift(k))
            };
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

/// `seq` moved right by `by` bases (left if negative), same length, as a window onto the
/// construct `left + seq + right`: bases moved in come from the flanks, then `N`.
pub fn shifted_in_context(seq: &[u8], by: isize, left: &[u8], right: &[u8]) -> Vec<u8> {
    let n = seq.len() as isize;
    let start = left.len() as isize - by;
    let (l, r) = (left.len() as isize, right.len() as isize);
    (start..start + n)
        .map(|i| match i {
            i if i < 0 || i >= l + n + r => b'N',
            i if i < l => left[i as usize],
            i if i < l + n => seq[(i - l) as usize],
            i => right[(i - l - n) as usize],
        })
        .collect()
}

/// Inputs of training batch `batch` of `epoch`, augmented.
pub fn training_inputs(
    data: &Dataset,
    rows: &[usize],
    augment: &Augment,
    seed: u64,
    epoch: usize,
    batch: usize,
) -> Vec<f32> {
    let mut rng = rng_for(seed, epoch, batch, AUGMENT);
    let flips: Vec<bool> = rows.iter().map(|_| augment.reverse_complement && rng.random_bool(0.5)).collect();
    // i64, not isize: the draw must not depend on the platform's pointer width.
    let m = augment.max_shift as i64;
    let shifts: Vec<isize> = rows.iter().map(|_| if m > 0 { rng.random_range(-m..=m) as isize } else { 0 }).collect();
    encode_rows_in_context(data, rows, |k| flips[k], |k| shifts[k], (&augment.flank_left, &augment.flank_right))
}

/// One prepared training batch: inputs, training-space targets and loss weights.
pub struct Prepared {
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub w: Vec<f32>,
    pub n: usize,
}

impl Prepared {
    pub fn as_batch(&self) -> crate::train::Batch<'_> {
        crate::train::Batch { x: &self.x, y: &self.y, weight: Some(&self.w), n: self.n }
    }
}

/// Everything needed to prepare the batches of an epoch.
pub struct BatchPlan<'a> {
    pub data: &'a Dataset,
    pub augment: &'a Augment,
    pub seed: u64,
    pub normalisation: &'a [regula_core::manifest::Normalisation],
    pub weights_row: &'a [f32],
}

impl BatchPlan<'_> {
    /// Batch `b` of `epoch` for `rows`.
    pub fn prepare(&self, rows: &[usize], epoch: usize, b: usize) -> Prepared {
        Prepared {
            x: training_inputs(self.data, rows, self.augment, self.seed, epoch, b),
            y: crate::data::targets::normalised(self.data, rows, self.normalisation),
            // A missing target weighs 0: the loss (Σ w·ℓ / Σ w) counts only measured cells.
            w: crate::data::targets::measured(self.data, rows)
                .chunks(self.weights_row.len())
                .flat_map(|m| m.iter().zip(self.weights_row).map(|(m, w)| m * w))
                .collect(),
            n: rows.len(),
        }
    }

    /// Calls `step(b, batch)` for the first `count` batches of `batch_size` rows of `order`.
    /// A second thread encodes the batches ahead, at most two waiting, so encoding overlaps the
    /// train steps and memory stays bounded by a few batches. The first error stops both.
    pub fn for_each<E>(
        &self,
        order: &[usize],
        batch_size: usize,
        count: usize,
        epoch: usize,
        mut step: impl FnMut(usize, &Prepared) -> Result<(), E>,
    ) -> Result<(), E> {
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Prepared>(2);
            scope.spawn(move || {
                for (b, rows) in order.chunks(batch_size).take(count).enumerate() {
                    if tx.send(self.prepare(rows, epoch, b)).is_err() {
                        break; // the consumer stopped
                    }
                }
            });
            for (b, batch) in rx.iter().enumerate() {
                step(b, &batch)?;
            }
            Ok(())
        })
    }
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
    fn shifting_moves_in_the_flanks_then_n() {
        let (left, right) = (b"GGCA".as_slice(), b"TTA".as_slice());
        assert_eq!(shifted_in_context(b"ACGT", 0, left, right), b"ACGT");
        assert_eq!(shifted_in_context(b"ACGT", 1, left, right), b"AACG");
        assert_eq!(shifted_in_context(b"ACGT", 3, left, right), b"GCAA");
        assert_eq!(shifted_in_context(b"ACGT", 6, left, right), b"NNGG");
        assert_eq!(shifted_in_context(b"ACGT", -2, left, right), b"GTTT");
        assert_eq!(shifted_in_context(b"ACGT", -5, left, right), b"TANN");
        // No flanks: the N fill of `shifted`.
        for by in -5..=5 {
            assert_eq!(shifted_in_context(b"ACGT", by, b"", b""), shifted(b"ACGT", by));
        }
    }

    #[test]
    fn training_batches_shift_within_the_construct() {
        // Every shifted training input is a window of `left + seq + right` (strand as drawn).
        let augment = Augment {
            reverse_complement: true,
            max_shift: 3,
            flank_left: b"GGCA".to_vec(),
            flank_right: b"TTA".to_vec(),
        };
        let d = data();
        let construct = |s: &[u8]| [b"GGCA".as_slice(), s, b"TTA"].concat();
        let mut shifted_seen = false;
        for b in 0..30 {
            let x = training_inputs(&d, &[0, 1], &augment, 5, 1, b);
            for (k, row) in [0, 1].into_iter().enumerate() {
                let c = construct(&d.examples[row].sequences[0]);
                let windows: Vec<Vec<f32>> = (0..=c.len() - 4)
                    .flat_map(|i| [one_hot(&c[i..i + 4]), one_hot(&reverse_complement(&c[i..i + 4]))])
                    .collect();
                let got = &x[k * 16..(k + 1) * 16];
                assert!(windows.iter().any(|w| w.as_slice() == got), "batch {b} row {row}: not a window");
                shifted_seen |= got != one_hot(&d.examples[row].sequences[0]).as_slice()
                    && got != one_hot(&reverse_complement(&d.examples[row].sequences[0])).as_slice();
            }
        }
        assert!(shifted_seen);
    }

    #[test]
    fn a_missing_target_weighs_nothing_and_is_never_nan() {
        let mut d = data();
        d.target_names = vec!["a".into(), "b".into()];
        d.examples[0].targets = vec![2.0, f64::NAN];
        d.examples[1].targets = vec![f64::NAN, 4.0];
        let normalisation = vec![regula_core::manifest::Normalisation::default(); 2];
        let plan = BatchPlan {
            data: &d,
            augment: &Augment::default(),
            seed: 1,
            normalisation: &normalisation,
            weights_row: &[0.5, 2.0],
        };
        let b = plan.prepare(&[0, 1], 1, 0);
        assert_eq!(b.y, vec![2.0, 0.0, 0.0, 4.0]);
        assert_eq!(b.w, vec![0.5, 0.0, 0.0, 2.0]);
    }

    #[test]
    fn reverse_complement_flag_encodes_the_other_strand() {
        let x = encode_rows(&data(), &[1, 0], |k| k == 0, |_| 0);
        assert_eq!(&x[..16], one_hot(b"GCAA").as_slice());
        assert_eq!(&x[16..], one_hot(b"AACG").as_slice());
    }

    #[test]
    fn the_same_seed_epoch_and_batch_give_the_same_batch() {
        let augment = Augment { reverse_complement: true, max_shift: 1, ..Default::default() };
        let d = data();
        let a = training_inputs(&d, &[0, 1], &augment, 7, 3, 2);
        assert_eq!(a, training_inputs(&d, &[0, 1], &augment, 7, 3, 2));
        let differ = (0..20).any(|b| training_inputs(&d, &[0, 1], &augment, 7, 3, b) != a);
        assert!(differ, "other batches draw other augmentations");
        assert_eq!(epoch_order(&[0, 1, 2, 3, 4, 5], 7, 1), epoch_order(&[0, 1, 2, 3, 4, 5], 7, 1));
    }
}
