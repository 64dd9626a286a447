//! 1-D convolution over `[N, C, L]`, plain or grouped (`group` > 1; depthwise when `group`
//! equals the input channels).
//!
//! Backward: the input gradient is a Conv of `dy` with the flipped, channel-swapped weights (a
//! ConvTranspose with the same weights and groups for strides > 1); the
//! weight gradient is one GEMM per kernel tap of `dy` with the shifted input (or, at stride 1
//! when the conv narrows the channels, of the input with the shifted `dy`; a batched MatMul over
//! an im2col matrix, one per group, when grouped), for 1×1 convolutions one MatMul per
//! sample summed over the batch, and for depthwise convolutions at stride 1 two batched GEMMs
//! over blocks of the batch laid end to end (else `K` elementwise products of `dy` with shifted
//! input views summed over batch and length).

use super::{GradCtx, Op, check_arity, check_float, check_rank};
use crate::error::{Error, Result};
use crate::graph::{Dim, GraphBuilder, Shape, Value};
use crate::onnx::{attr_int, attr_ints};

/// Input channels from which a conv's weight gradient is one GEMM per kernel tap instead of one
/// GEMM over the taps' columns concatenated: with fewer, the small GEMMs cost more than the copy
/// (`examples/profile_step`: the reference CNN's 4-channel first conv, 15 taps, 0.75 against
/// 0.05 ms; LegNet's 128–224-channel convs save their 9 copies).
const PER_TAP_GEMM_MIN_CHANNELS: i64 = 64;

/// Bounds within which the train step computes a dense conv with the batch folded into the
/// positions ([`Conv1d::batch_folded`]): ORT's Conv runs one GEMM per sample, whose few columns
/// (the output length) keep it slow, and the folded conv one GEMM over every sample's positions.
/// Measured (2 threads, each with its two transposes): `[32, 64, 57]` by 64×5 taps 2.2× as fast,
/// LegNet's `[128, 96, 115]` by 160×9 1.4×, `[128, 192, 57]` by 112×9 1.4×, `[128, 224, 28]` by
/// 128×9 1.6×; but `[128, 128, 230]` by 80×9 0.9× and `[32, 64, 230]` by 64×5 0.9×, and 1×1 and
/// depthwise convs 0.5-0.7×. Whole train steps (`examples/bench_train`, interleaved runs): the
/// reference CNN 1.2× the samples/s, legnet (batch 128) 1.02×.
const FOLD_MIN_CHANNELS: i64 = 64;
const FOLD_MAX_LENGTH: i64 = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv1d {
    pub stride: i64,
    /// Zero padding at the start and end of the sequence.
    pub pads: [i64; 2],
    pub dilation: i64,
    /// Channel groups: input and output channels are split into `group` equal parts, and part
    /// `i` of the output sees only part `i` of the input (weight `[Cout, Cin / group, K]`).
    pub group: i64,
}

impl Default for Conv1d {
    fn default() -> Self {
        Conv1d { stride: 1, pads: [0, 0], dilation: 1, group: 1 }
    }
}

impl Conv1d {
    /// Padding that keeps the length for stride 1 (extra padding, if any, at the end).
    pub fn same(kernel: i64, dilation: i64) -> Self {
        let total = dilation * (kernel - 1);
        Conv1d { stride: 1, pads: [total / 2, total - total / 2], dilation, group: 1 }
    }

    /// `self` with `group` channel groups.
    pub fn grouped(self, group: i64) -> Self {
        Conv1d { group, ..self }
    }

    pub(crate) fn out_len(&self, len: i64, kernel: i64) -> i64 {
        (len + self.pads[0] + self.pads[1] - self.dilation * (kernel - 1) - 1) / self.stride + 1
    }

    pub(crate) fn fixed_dim(&self, g: &GraphBuilder, v: Value, axis: usize, what: &str) -> Result<i64> {
        g.shape(v)[axis].fixed().ok_or_else(|| Error::Graph {
            op: self.name(),
            message: format!("{what} of `{}` must be known", g.name(v)),
        })
    }

    fn attrs(&self, kernel: i64) -> Vec<crate::onnx::proto::AttributeProto> {
        vec![
            attr_ints("kernel_shape", &[kernel]),
            attr_ints("strides", &[self.stride]),
            attr_ints("pads", &self.pads),
            attr_ints("dilations", &[self.dilation]),
            attr_int("group", self.group),
        ]
    }
}

impl Conv1d {
    /// The ONNX `Conv` of `inputs` (`x [N, Cin, L]`, `w [Cout, Cin / G, K]`, an optional bias)
    /// giving `shape` `[N, Cout, Lout]`; in the train step, within [`FOLD_MIN_CHANNELS`] and
    /// [`FOLD_MAX_LENGTH`], with the batch folded into the positions.
    fn emit_conv(&self, g: &mut GraphBuilder, inputs: &[Value], k: i64, shape: Shape) -> Result<Value> {
        let cin = self.fixed_dim(g, inputs[0], 1, "channel count")?;
        let lout = shape[2].fixed().expect("convolutions have a known output length");
        if g.ort_only() && self.group == 1 && k > 1 && cin >= FOLD_MIN_CHANNELS && lout <= FOLD_MAX_LENGTH {
            return self.batch_folded(g, inputs, k, shape);
        }
        Ok(g.emit1("Conv", inputs, self.attrs(k), g.float(), shape))
    }

    /// The conv as a 2-D one over `[1, Cin, N, L]`, each sample a row: the same sums (a `1 × K`
    /// kernel never mixes rows, and each row is padded as the sample was), which ORT computes as
    /// one GEMM over all `N·Lout` output positions.
    fn batch_folded(&self, g: &mut GraphBuilder, inputs: &[Value], k: i64, shape: Shape) -> Result<Value> {
        let (x, w) = (inputs[0], inputs[1]);
        let (cin, len) = (self.fixed_dim(g, x, 1, "channel count")?, self.fixed_dim(g, x, 2, "length")?);
        let (cout, lout) = (self.fixed_dim(g, w, 0, "size")?, shape[2].fixed().expect("known output length"));
        let rows = g.raw_reshape(x, &[0, cin, 1, len])?;
        let rows = g.raw_transpose(rows, &[2, 1, 0, 3]); // [1, Cin, N, L]
        let w4 = g.raw_reshape(w, &[cout, cin, 1, k])?;
        let mut conv_inputs = vec![rows, w4];
        conv_inputs.extend(inputs.get(2).copied());
        let attrs = vec![
            attr_ints("kernel_shape", &[1, k]),
            attr_ints("strides", &[1, self.stride]),
            attr_ints("pads", &[0, self.pads[0], 0, self.pads[1]]),
            attr_ints("dilations", &[1, self.dilation]),
        ];
        let n = shape[0].clone();
        let folded_shape = vec![Dim::Fixed(1), Dim::Fixed(cout), n, Dim::Fixed(lout)];
        let y = g.emit1("Conv", &conv_inputs, attrs, g.float(), folded_shape);
        let y = g.raw_transpose(y, &[2, 1, 0, 3]); // [N, Cout, 1, Lout]
        g.raw_reshape(y, &[0, cout, lout])
    }

    /// `x` zero-padded at both ends of its length by `pads`.
    fn padded(&self, g: &mut GraphBuilder, x: Value) -> Result<Value> {
        g.raw_pad_last_axis(x, self.pads[0], self.pads[1])
    }

    /// Depthwise at stride 1: `dW[c, 0, j] = Σ_{n,t} dy[n, c, t] · x_pad[n, c, t + j·d]` (`d` the
    /// dilation) as two batched GEMMs over blocks of the batch laid end to end.
    ///
    /// Per channel, each sample takes a slot of `S` positions (a multiple of the block `B ≥ (K −
    /// 1)·d`) holding its padded input, `X = x_pad[0] ‖ 0… ‖ x_pad[1] ‖ 0… ‖ …`, cut into blocks of
    /// `B`; `dy` takes the same slots, once at offset 0 (`W`) and once at offset `B` (`W'`, each
    /// block of `W` moved one block on). A product `dy[t] · x_pad[t + j·d]` pairs a position of
    /// `W` with one `j·d` further in `X`, which lies in the same block (`Z = Σ_q W_qᵀ X_q`, entry
    /// `(r, r + j·d)`) or in the next (`Z' = Σ_q W'_qᵀ X_q`, entry `(r, r + j·d − B)`); so
    /// `dW[c, j] = Σ_r [Z | Z'][r, r + j·d]`, a diagonal sum of a `B × 2B` matrix. The slots keep
    /// samples apart: `S ≥ Lout + B`, so `W'` stays in its slot, and every position paired,
    /// `t + j·d < Lout + (K − 1)·d = Lp ≤ S`, lies in the sample's own slot. This does `2B`
    /// multiply-adds per input where `K` are needed, but as GEMMs, and copies each tensor once
    /// or twice: ORT's Conv over the same end-to-end layout (a kernel as long as the batch)
    /// unfolds `K` copies of it and took 4× as long for LegNet's first stage, and `K` shifted
    /// products summed, 10×.
    fn depthwise_weight_grad(
        &self,
        g: &mut GraphBuilder,
        x: Value,
        dy: Value,
        channels: i64,
        k: i64,
        lout: i64,
    ) -> Result<Value> {
        let float = g.float();
        let len = self.fixed_dim(g, x, 2, "length")?;
        let reach = (k - 1) * self.dilation;
        let round_up = |n: i64, to: i64| (n + to - 1) / to * to;
        let block = round_up(reach.max(1), 8);
        let slot = round_up((len + self.pads[0] + self.pads[1]).max(lout + block), block);
        // `vt` [C, N, l] as [C, blocks, B]: each sample's row in a slot of `S`, after `before` zeros.
        let to_blocks = |g: &mut GraphBuilder, vt: Value, l: i64, before: i64| -> Result<Value> {
            let p = g.raw_pad_last_axis(vt, before, slot - l - before)?;
            let r = g.const_i64(&[channels, -1, block]);
            let blocks = vec![Dim::Fixed(channels), Dim::Sym("blocks".into()), Dim::Fixed(block)];
            Ok(g.emit1("Reshape", &[p, r], vec![], float, blocks))
        };
        let xt = g.raw_transpose(x, &[1, 0, 2]);
        let xb = to_blocks(g, xt, len, self.pads[0])?;
        let dyt = g.raw_transpose(dy, &[1, 0, 2]);
        let square = vec![Dim::Fixed(channels), Dim::Fixed(block), Dim::Fixed(block)];
        let products: Vec<Value> = [0, block]
            .into_iter()
            .map(|offset| -> Result<Value> {
                let w = to_blocks(g, dyt, lout, offset)?;
                // ORT folds this transpose into the MatMul.
                let w = g.raw_transpose(w, &[0, 2, 1]);
                Ok(g.emit1("MatMul", &[w, xb], vec![], float, square.clone()))
            })
            .collect::<Result<_>>()?;
        let z = g.emit1(
            "Concat",
            &products,
            vec![attr_int("axis", 2)],
            float,
            vec![Dim::Fixed(channels), Dim::Fixed(block), Dim::Fixed(2 * block)],
        );
        // Entry (r, r + j·d) of a row-major B × 2B matrix sits at r·(2B + 1) + j·d: with B more
        // zeros, rows of 2B + 1 put every diagonal in one column.
        let flat = g.raw_reshape(z, &[channels, 2 * block * block])?;
        let pads = g.const_i64(&[0, 0, 0, block]);
        let shape = vec![Dim::Fixed(channels), Dim::Fixed(block * (2 * block + 1))];
        let flat = g.emit1("Pad", &[flat, pads], vec![], float, shape);
        let diagonals = g.raw_reshape(flat, &[channels, block, 2 * block + 1])?;
        let taps = g.raw_slice_step(diagonals, 0, reach + 1, 2, self.dilation)?;
        let dw = g.raw_reduce("ReduceSum", taps, &[1], false)?;
        g.raw_reshape(dw, &[channels, 1, k])
    }

    /// A 1×1 conv's `dW[o, i] = Σ_n (dy[n] · x[n]ᵀ)[o, i]`: one batched MatMul over the samples
    /// as they lie (ORT folds the transpose into it) and a sum over the batch. Laying both
    /// tensors out as `[C, N·L]` for one GEMM copies each once more: LegNet's first 256 → 64
    /// projection took 5.5 ms that way against 3.5 (2 threads, batch 128).
    fn pointwise_weight_grad(&self, g: &mut GraphBuilder, x: Value, dy: Value, cout: i64, cin: i64) -> Result<Value> {
        let n = g.shape(x)[0].clone();
        let xt = g.raw_transpose(x, &[0, 2, 1]);
        let per_sample = g.emit1("MatMul", &[dy, xt], vec![], g.float(), vec![n, Dim::Fixed(cout), Dim::Fixed(cin)]);
        let dw = g.raw_reduce("ReduceSum", per_sample, &[0], false)?;
        g.raw_reshape(dw, &[cout, cin, 1])
    }

    /// One GEMM per tap (from [`PER_TAP_GEMM_MIN_CHANNELS`]): concatenating the taps' columns
    /// first would copy them all again. Each GEMM pairs one tensor as it lies with a shifted copy
    /// of the other, and at stride 1 the copies are of the smaller: of `dy` when the conv narrows
    /// the channels, `dW[o, i, k] = Σ_{n,s} x[n, i, s] · dy[n, o, s + p₀ − k·d]` (`dy` zero
    /// outside its length), which took LegNet's first 128 → 80 conv from 26 to 22 ms; else of
    /// the padded input, `dW[o, i, k] = Σ_{n,t} dy[n, o, t] · x_pad[n, i, t·stride + k·d]`.
    fn per_tap_weight_grad(
        &self,
        g: &mut GraphBuilder,
        x: Value,
        dy: Value,
        (cout, cin, k): (i64, i64, i64),
        lout: i64,
    ) -> Result<Value> {
        let float = g.float();
        let flat = Dim::Sym("batch_x_length".into());
        // [C, N, T] (a transposed [N, C, T]) as the rows [C, N·T].
        let as_rows = |g: &mut GraphBuilder, vt: Value, c: i64| -> Value {
            let t = g.const_i64(&[c, -1]);
            g.emit1("Reshape", &[vt, t], vec![], float, vec![Dim::Fixed(c), flat.clone()])
        };
        let d = self.dilation;
        let pairs: Vec<(Value, Value)> = if self.stride == 1 && cout < cin {
            let len = self.fixed_dim(g, x, 2, "length")?;
            let reach = (k - 1) * d;
            let (front, back) = ((reach - self.pads[0]).max(0), (reach - self.pads[1]).max(0));
            let dy_pad = g.raw_pad_last_axis(dy, front, back)?;
            let dyt = g.raw_transpose(dy_pad, &[1, 0, 2]);
            let xt = g.raw_transpose(x, &[1, 0, 2]);
            let xs = as_rows(g, xt, cin);
            (0..k)
                .map(|j| -> Result<(Value, Value)> {
                    let start = self.pads[0] - j * d + front;
                    let shifted = g.raw_slice_step(dyt, start, start + len, 2, 1)?;
                    Ok((as_rows(g, shifted, cout), xs))
                })
                .collect::<Result<_>>()?
        } else {
            let span = (lout - 1) * self.stride + 1;
            let xp = self.padded(g, x)?;
            let xt = g.raw_transpose(xp, &[1, 0, 2]);
            let dyt = g.raw_transpose(dy, &[1, 0, 2]);
            let dys = as_rows(g, dyt, cout);
            (0..k)
                .map(|j| -> Result<(Value, Value)> {
                    let col = g.raw_slice_step(xt, j * d, j * d + span, 2, self.stride)?;
                    Ok((dys, as_rows(g, col, cin)))
                })
                .collect::<Result<_>>()?
        };
        let taps: Vec<Value> = pairs
            .into_iter()
            .map(|(dys, xs)| {
                let dw = g.emit1(
                    "Gemm",
                    &[dys, xs],
                    vec![attr_int("transB", 1)],
                    float,
                    vec![Dim::Fixed(cout), Dim::Fixed(cin)],
                );
                g.raw_reshape(dw, &[cout, cin, 1])
            })
            .collect::<Result<_>>()?;
        if taps.len() == 1 {
            return Ok(taps[0]);
        }
        let shape = vec![Dim::Fixed(cout), Dim::Fixed(cin), Dim::Fixed(k)];
        Ok(g.emit1("Concat", &taps, vec![attr_int("axis", 2)], float, shape))
    }

    /// `dW[o, i, k] = Σ_{n,t} dy[n, o, t] · x_pad[n, i, t·stride + k·dilation]`: below
    /// [`PER_TAP_GEMM_MIN_CHANNELS`], one GEMM of `dy` `[Cout, N·Lout]` by the strided slices of
    /// the padded input concatenated, the im2col matrix `[K·Cin, N·Lout]`. (A Conv with batch and
    /// channels swapped computes the same, but ORT runs it as one small GEMM per input channel,
    /// about 2.5× slower here.)
    pub(crate) fn weight_grad(&self, g: &mut GraphBuilder, x: Value, w: Value, dy: Value, lout: i64) -> Result<Value> {
        let float = g.float();
        let (cout, cin_g, k) =
            (self.fixed_dim(g, w, 0, "size")?, self.fixed_dim(g, w, 1, "size")?, self.fixed_dim(g, w, 2, "size")?);
        let groups = self.group;
        let cin = cin_g * groups;
        if groups > 1 && cin_g == 1 && cout == groups && self.stride == 1 {
            return self.depthwise_weight_grad(g, x, dy, cout, k, lout);
        }
        if groups == 1 && k == 1 && self.stride == 1 && self.pads == [0, 0] {
            return self.pointwise_weight_grad(g, x, dy, cout, cin);
        }
        if groups == 1 && cin >= PER_TAP_GEMM_MIN_CHANNELS {
            return self.per_tap_weight_grad(g, x, dy, (cout, cin, k), lout);
        }
        let xp = self.padded(g, x)?;
        let span = (lout - 1) * self.stride + 1;
        if groups > 1 && cin_g == 1 && cout == groups {
            // Depthwise: dW[c, 0, j] = Σ_{n,t} dy[n, c, t] · x_pad[n, c, t·stride + j·dilation].
            let taps: Vec<Value> = (0..k)
                .map(|j| -> Result<Value> {
                    let xs = g.raw_slice_step(xp, j * self.dilation, j * self.dilation + span, 2, self.stride)?;
                    let p = g.raw_mul(dy, xs)?;
                    g.raw_reduce("ReduceSum", p, &[0, 2], true)
                })
                .collect::<Result<_>>()?;
            let dw = if taps.len() == 1 {
                taps[0]
            } else {
                g.emit1(
                    "Concat",
                    &taps,
                    vec![attr_int("axis", 2)],
                    float,
                    vec![Dim::Fixed(1), Dim::Fixed(cout), Dim::Fixed(k)],
                )
            };
            return g.raw_reshape(dw, &[cout, 1, k]);
        }
        let xt = g.raw_transpose(xp, &[1, 0, 2]);
        let cols: Vec<Value> = (0..k)
            .map(|j| g.raw_slice_step(xt, j * self.dilation, j * self.dilation + span, 2, self.stride))
            .collect::<Result<_>>()?;
        let flat = Dim::Sym("batch_x_length".into());
        let dyt = g.raw_transpose(dy, &[1, 0, 2]);
        let n = g.shape(x)[0].clone();
        let cols = if cols.len() == 1 {
            cols[0]
        } else {
            g.emit1("Concat", &cols, vec![attr_int("axis", 0)], float, vec![Dim::Fixed(k * cin), n, Dim::Fixed(lout)])
        };
        if groups == 1 {
            let t = g.const_i64(&[k * cin, -1]);
            let cols = g.emit1("Reshape", &[cols, t], vec![], float, vec![Dim::Fixed(k * cin), flat.clone()]);
            let t = g.const_i64(&[cout, -1]);
            let dyt = g.emit1("Reshape", &[dyt, t], vec![], float, vec![Dim::Fixed(cout), flat]);
            let dw = g.emit1(
                "Gemm",
                &[dyt, cols],
                vec![attr_int("transB", 1)],
                float,
                vec![Dim::Fixed(cout), Dim::Fixed(k * cin)],
            );
            let dw = g.raw_reshape(dw, &[cout, k, cin])?;
            return Ok(g.raw_transpose(dw, &[0, 2, 1]));
        }
        // Grouped: the im2col rows (j, c) regrouped as [group, K·Cin/group, N·Lout], one GEMM
        // per group as a batched MatMul.
        let cout_g = cout / groups;
        let t = g.const_i64(&[k, groups, cin_g, -1]);
        let cols = g.emit1(
            "Reshape",
            &[cols, t],
            vec![],
            float,
            vec![Dim::Fixed(k), Dim::Fixed(groups), Dim::Fixed(cin_g), flat.clone()],
        );
        let cols = g.raw_transpose(cols, &[1, 3, 0, 2]); // [G, N·Lout, K, Cin/G]
        let t = g.const_i64(&[groups, -1, k * cin_g]);
        let cols = g.emit1(
            "Reshape",
            &[cols, t],
            vec![],
            float,
            vec![Dim::Fixed(groups), flat.clone(), Dim::Fixed(k * cin_g)],
        );
        let t = g.const_i64(&[groups, cout_g, -1]);
        let dyt = g.emit1("Reshape", &[dyt, t], vec![], float, vec![Dim::Fixed(groups), Dim::Fixed(cout_g), flat]);
        let dw = g.emit1(
            "MatMul",
            &[dyt, cols],
            vec![],
            float,
            vec![Dim::Fixed(groups), Dim::Fixed(cout_g), Dim::Fixed(k * cin_g)],
        );
        let dw = g.raw_reshape(dw, &[cout, k, cin_g])?;
        Ok(g.raw_transpose(dw, &[0, 2, 1]))
    }
}

impl Conv1d {
    /// `dx[n, i, s] = Σ_{o,k} dy[n, o, t] · w[o, i, k]` over `s = t·stride + k·dilation − pad₀`.
    /// At stride 1 that is a Conv of `dy` with the weights flipped along the kernel and with
    /// input and output channels swapped within each group, padded `(K − 1)·dilation − pad` at
    /// each end: ORT's Conv kernels run it several times faster than the ConvTranspose that
    /// states it directly (which is kept for strides > 1).
    pub(crate) fn input_grad(
        &self,
        g: &mut GraphBuilder,
        x: Value,
        w: Value,
        dy: Value,
        len: i64,
        lout: i64,
    ) -> Result<Value> {
        let float = g.float();
        let (cout, cin_g, k) =
            (self.fixed_dim(g, w, 0, "size")?, self.fixed_dim(g, w, 1, "size")?, self.fixed_dim(g, w, 2, "size")?);
        let reach = self.dilation * (k - 1);
        let pads = [reach - self.pads[0], reach - self.pads[1]];
        let shape = g.shape(x).clone();
        if self.stride != 1 || pads.iter().any(|&p| p < 0) {
            // Output padding restores the input positions a strided conv never reached.
            let covered = (lout - 1) * self.stride + reach + 1 - self.pads[0] - self.pads[1];
            let attrs = vec![
                attr_ints("kernel_shape", &[k]),
                attr_ints("strides", &[self.stride]),
                attr_ints("pads", &self.pads),
                attr_ints("dilations", &[self.dilation]),
                attr_ints("output_padding", &[len - covered]),
                attr_int("group", self.group),
            ];
            return Ok(g.emit1("ConvTranspose", &[dy, w], attrs, float, shape));
        }
        let (groups, cout_g) = (self.group, cout / self.group);
        let cin = cin_g * groups;
        // w' [Cin, Cout/G, K]: w'[G·cin_g + i, o, j] = w[G·cout_g + o, i, K − 1 − j].
        let swapped = if cin_g == 1 && cout_g == 1 {
            w
        } else if groups == 1 {
            g.raw_transpose(w, &[1, 0, 2])
        } else {
            let t = g.raw_reshape(w, &[groups, cout_g, cin_g, k])?;
            let t = g.raw_transpose(t, &[0, 2, 1, 3]);
            g.raw_reshape(t, &[cin, cout_g, k])?
        };
        let flipped = if k == 1 {
            swapped
        } else {
            let rev: Vec<i64> = (0..k).rev().collect();
            let idx = g.const_i64(&rev);
            g.emit1(
                "Gather",
                &[swapped, idx],
                vec![attr_int("axis", 2)],
                float,
                vec![Dim::Fixed(cin), Dim::Fixed(cout_g), Dim::Fixed(k)],
            )
        };
        let conv = Conv1d { stride: 1, pads, dilation: self.dilation, group: groups };
        conv.emit_conv(g, &[dy, flipped], k, shape)
    }
}

impl Op for Conv1d {
    fn name(&self) -> String {
        let group = if self.group == 1 { String::new() } else { format!(", group={}", self.group) };
        format!("Conv1d(stride={}, pads={:?}, dilation={}{group})", self.stride, self.pads, self.dilation)
    }

    fn forward(&self, g: &mut GraphBuilder, x: &[Value]) -> Result<Vec<Value>> {
        check_arity(self, x, 2..=3)?;
        check_float(g, self, x)?;
        check_rank(g, self, x[0], "input", 3)?;
        check_rank(g, self, x[1], "weight", 3)?;
        let cin = self.fixed_dim(g, x[0], 1, "channel count")?;
        let len = self.fixed_dim(g, x[0], 2, "length")?;
        let (cout, wcin, k) = (
            self.fixed_dim(g, x[1], 0, "size")?,
            self.fixed_dim(g, x[1], 1, "size")?,
            self.fixed_dim(g, x[1], 2, "size")?,
        );
        if self.group < 1 || cin % self.group != 0 || cout % self.group != 0 {
            return Err(Error::Graph {
                op: self.name(),
                message: format!("{cin} input and {cout} output channels do not split into {} groups", self.group),
            });
        }
        if cin != wcin * self.group {
            return Err(Error::Graph {
                op: self.name(),
                message: format!(
                    "input `{}` has {cin} channels, weight `{}` expects {}{}",
                    g.name(x[0]),
                    g.name(x[1]),
                    wcin * self.group,
                    if self.group == 1 { String::new() } else { format!(" ({wcin} per group × {})", self.group) }
                ),
            });
        }
        if let Some(&b) = x.get(2).filter(|&&b| g.shape(b) != &vec![Dim::Fixed(cout)]) {
            return Err(Error::Graph {
                op: self.name(),
                message: format!("bias `{}` must have shape [{cout}]", g.name(b)),
            });
        }
        let lout = self.out_len(len, k);
        if lout < 1 || self.stride < 1 || self.dilation < 1 {
            return Err(Error::Graph {
                op: self.name(),
                message: format!("length {len} with kernel {k} gives no output"),
            });
        }
        let shape = vec![g.shape(x[0])[0].clone(), Dim::Fixed(cout), Dim::Fixed(lout)];
        Ok(vec![self.emit_conv(g, x, k, shape)?])
    }

    fn backward(&self, g: &mut GraphBuilder, c: &GradCtx) -> Result<Vec<Option<Value>>> {
        let (x, w, dy) = (c.inputs[0], c.inputs[1], c.dy());
        let len = self.fixed_dim(g, x, 2, "length")?;
        let k = self.fixed_dim(g, w, 2, "size")?;
        let lout = self.out_len(len, k);
        let mut grads = vec![None; c.inputs.len()];
        if c.wants(0) {
            grads[0] = Some(self.input_grad(g, x, w, dy, len, lout)?);
        }
        if c.wants(1) {
            grads[1] = Some(self.weight_grad(g, x, w, dy, lout)?);
        }
        if c.inputs.len() == 3 && c.wants(2) {
            grads[2] = Some(g.raw_reduce("ReduceSum", dy, &[0, 2], false)?);
        }
        Ok(grads)
    }
}

impl GraphBuilder {
    /// 1-D convolution of `x` `[N, Cin, L]` by `w` `[Cout, Cin, K]` plus optional bias `[Cout]`.
    pub fn conv1d(&mut self, x: Value, w: Value, bias: Option<Value>, conv: Conv1d) -> Result<Value> {
        let mut inputs = vec![x, w];
        inputs.extend(bias);
        self.apply1(conv, &inputs)
    }
}
