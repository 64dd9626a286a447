//! Max pools whose windows tile a row (Regula's patch): kernel = stride, no dilation, no pads.
//! Output `o` folds `input[o·k .. o·k + k]` in order into `f32::MIN` with `if acc < v { v } else
//! { acc }`, tract-core's scalar fold, so the results are the scalar loop's to the bit: a NaN is
//! never picked and a window of −∞ gives `f32::MIN`. Four outputs at a time: their windows are
//! loaded as vectors and transposed, so that each tap is one vector of four outputs.
//! tract-core's scalar loop took about 1.9 ns per input in V8.

use core::arch::wasm32::*;

/// `if acc < v { v } else { acc }` lane by lane, as a compare and a bit select. `f32x4_pmax`
/// is defined the same, but in the relaxed-SIMD build (`+relaxed-simd`, run in Node 20) it
/// picked a NaN where this does not; the test below caught it.
#[inline(always)]
fn fold(acc: v128, v: v128) -> v128 {
    v128_bitselect(v, acc, f32x4_lt(acc, v))
}

/// Pools `input` in windows of `kernel` (2 or 4) into `output`; false for another kernel or an
/// input shorter than `output.len() · kernel`, where the caller keeps its own loop.
pub fn max_pool_tiling_f32(input: &[f32], output: &mut [f32], kernel: usize) -> bool {
    if !matches!(kernel, 2 | 4) || input.len() < output.len() * kernel {
        return false;
    }
    let groups = output.len() / 4;
    let low = f32x4_splat(f32::MIN);
    // Safety: group g reads input[16g .. 16g + 16] (kernel 4) or [8g .. 8g + 8] (kernel 2) and
    // writes output[4g .. 4g + 4], in bounds by the check above; v128 loads and stores may be
    // unaligned.
    unsafe {
        let (i, o) = (input.as_ptr(), output.as_mut_ptr());
        for g in 0..groups {
            let acc = if kernel == 4 {
                let at = i.add(16 * g);
                let (a, b) = (v128_load(at as *const v128), v128_load(at.add(4) as *const v128));
                let (c, d) = (v128_load(at.add(8) as *const v128), v128_load(at.add(12) as *const v128));
                // 4x4 transpose: tap j of the four windows in one vector
                let t0 = i32x4_shuffle::<0, 4, 1, 5>(a, b);
                let t1 = i32x4_shuffle::<0, 4, 1, 5>(c, d);
                let t2 = i32x4_shuffle::<2, 6, 3, 7>(a, b);
                let t3 = i32x4_shuffle::<2, 6, 3, 7>(c, d);
                let acc = fold(low, i32x4_shuffle::<0, 1, 4, 5>(t0, t1));
                let acc = fold(acc, i32x4_shuffle::<2, 3, 6, 7>(t0, t1));
                let acc = fold(acc, i32x4_shuffle::<0, 1, 4, 5>(t2, t3));
                fold(acc, i32x4_shuffle::<2, 3, 6, 7>(t2, t3))
            } else {
                let at = i.add(8 * g);
                let (a, b) = (v128_load(at as *const v128), v128_load(at.add(4) as *const v128));
                let acc = fold(low, i32x4_shuffle::<0, 2, 4, 6>(a, b));
                fold(acc, i32x4_shuffle::<1, 3, 5, 7>(a, b))
            };
            v128_store(o.add(4 * g) as *mut v128, acc);
        }
    }
    for (o, window) in output.iter_mut().zip(input.chunks_exact(kernel)).skip(4 * groups) {
        *o = window.iter().fold(f32::MIN, |acc, &v| if acc < v { v } else { acc });
    }
    true
}

#[cfg(test)]
mod tests {
    use super::max_pool_tiling_f32;

    /// Against the scalar fold, bit for bit, for both kernels and every remainder, over values
    /// that include NaN, ±∞, ±0 and ties.
    #[test]
    fn max_pool_tiling_is_the_scalar_fold() {
        let special = [f32::NAN, f32::NEG_INFINITY, f32::INFINITY, 0.0, -0.0, 1.5, 1.5, -2.0, f32::MIN];
        for kernel in [2usize, 4] {
            for outputs in 0..13 {
                for seed in 0..9usize {
                    let n = outputs * kernel + seed % 3;
                    let input: Vec<f32> = (0..n)
                        .map(|i| if (i + seed) % 5 == 0 { special[(i + seed) % special.len()] } else { ((i * 7 + seed) % 11) as f32 - 5.0 })
                        .collect();
                    let mut got = vec![7.0f32; outputs];
                    assert!(max_pool_tiling_f32(&input, &mut got, kernel));
                    let want: Vec<f32> = input
                        .chunks_exact(kernel)
                        .take(outputs)
                        .map(|w| w.iter().fold(f32::MIN, |acc, &v| if acc < v { v } else { acc }))
                        .collect();
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&got), bits(&want), "kernel {kernel}, {outputs} outputs, seed {seed}");
                }
            }
        }
        let all_neg_inf = [f32::NEG_INFINITY; 8];
        let mut out = [0.0f32; 2];
        assert!(max_pool_tiling_f32(&all_neg_inf, &mut out, 4));
        assert_eq!(out, [f32::MIN; 2]);
        assert!(!max_pool_tiling_f32(&[0.0; 9], &mut [0.0; 3], 3));
        assert!(!max_pool_tiling_f32(&[0.0; 7], &mut [0.0; 2], 4));
    }
}
