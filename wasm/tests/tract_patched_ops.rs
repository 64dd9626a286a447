//! vendor/tract-core's run-time paths for float32 ops that a plan with a symbolic batch keeps
//! generic (`vendor/README.md`): binary ops routed to tract-linalg's kernels by the shapes the
//! operands have when they run (`eval_f32_by_linalg`), and sums over axes that others follow.
//! Each case is checked against the definition, element by element and bit for bit.

#![cfg(not(target_arch = "wasm32"))]

use tract_onnx::prelude::tract_ndarray::Dimension;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::math;
use tract_onnx::tract_core::ops::nn::{Reduce, Reducer};

/// Deterministic values, none equal to another (so Min, Max and Sub show an operand swap).
fn values(shape: &[usize], seed: f32) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n).map(|i| ((i as f32 * 0.618 + seed) % 1.0) * 4.0 - 2.0 + i as f32 * 1e-4).collect();
    tract_ndarray::ArrayD::from_shape_vec(shape, v).unwrap().into_tensor()
}

/// `op(a, b)` with numpy broadcasting, one output element at a time.
fn definition(f: fn(f32, f32) -> f32, a: &Tensor, b: &Tensor) -> Vec<f32> {
    let (a, b) = (a.to_plain_array_view::<f32>().unwrap(), b.to_plain_array_view::<f32>().unwrap());
    let shape: Vec<usize> = a.shape().iter().zip(b.shape()).map(|(x, y)| *x.max(y)).collect();
    let at = |t: &tract_ndarray::ArrayViewD<f32>, idx: &[usize]| {
        let i: Vec<usize> = idx.iter().zip(t.shape()).map(|(&i, &d)| if d == 1 { 0 } else { i }).collect();
        t[&*i]
    };
    tract_ndarray::indices(&*shape).into_iter().map(|idx| f(at(&a, idx.slice()), at(&b, idx.slice()))).collect()
}

/// A plan of `op` over inputs of the given shapes, an axis given as 0 being the symbol N, run on
/// `inputs`; its output.
fn run(op: impl Into<Box<dyn TypedOp>>, shapes: &[&[usize]], inputs: &[&Tensor]) -> Tensor {
    let mut model = TypedModel::default();
    let n = model.symbols.sym("N");
    let sources: TVec<OutletId> = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let dims = s.iter().map(|&d| if d == 0 { n.to_dim() } else { d.to_dim() }).collect::<TVec<_>>();
            model.add_source(format!("x{i}"), f32::fact(dims)).unwrap()
        })
        .collect();
    let y = model.wire_node("op", op, &sources).unwrap();
    model.select_output_outlets(&y).unwrap();
    let plan = model.into_optimized().unwrap().into_runnable().unwrap();
    plan.run(inputs.iter().map(|t| (*t).clone().into_tvalue()).collect()).unwrap().remove(0).into_tensor()
}

/// The values of a float32 tensor, in order.
fn floats(t: &Tensor) -> Vec<f32> {
    t.to_plain_array_view::<f32>().unwrap().iter().copied().collect()
}

/// An op's name, its tract op, and its definition on two numbers.
type BinCase = (&'static str, fn() -> TypedBinOp, fn(f32, f32) -> f32);

#[test]
fn float32_binary_ops_with_run_time_shapes_equal_the_definition() {
    let ops: [BinCase; 5] = [
        ("Add", || math::add(), |x, y| x + y),
        ("Sub", || math::sub(), |x, y| x - y),
        ("Mul", || math::mul(), |x, y| x * y),
        ("Min", || math::min(), f32::min),
        ("Max", || math::max(), f32::max),
    ];
    // (a's shape, b's shape; 0 is the symbolic batch, run with 3), what the kernels see
    let cases: [(&[usize], &[usize], &str); 16] = [
        (&[0, 5, 37], &[1, 5, 1], "a per-channel scalar: N·5 by-scalar runs of 37"),
        (&[1, 5, 1], &[0, 5, 37], "the same with the operands swapped"),
        (&[0, 5, 37], &[0, 5, 1], "a per-sample, per-channel scalar"),
        (&[0, 5, 37], &[0, 5, 37], "equal shapes: one unicast run"),
        (&[0, 4, 16], &[1, 4, 16], "N unicast runs of 64 (256 bytes, aligned)"),
        (&[1, 4, 16], &[0, 4, 16], "the same with the operands swapped"),
        (&[0, 5, 37], &[1, 5, 37], "runs of 185 floats, not all aligned: plain passes"),
        (&[0, 5, 37], &[1, 1, 1], "one scalar"),
        (&[0, 5, 7], &[1, 5, 1], "runs of 7 (an incremental scan's span): one plain pass"),
        (&[1, 5, 1], &[0, 5, 3], "runs of 3, the operands swapped"),
        (&[0, 7, 16], &[0, 1, 16], "[N, L, C] by [N, 1, C]: N·7 unicast rows of 16"),
        (&[0, 1, 10], &[0, 7, 10], "rows of 10, not all aligned: plain passes, swapped"),
        (&[0, 7, 5], &[1, 7, 1], "rows of 5 by a scalar each"),
        (&[0, 4, 3, 8], &[0, 1, 3, 1], "two matching runs apart: N·4·3 by-scalar runs of 8"),
        (&[0, 4, 3, 5], &[0, 1, 3, 1], "the same in runs of 5: plain passes"),
        (
            &[0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 5],
            &[1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1],
            "matching and broadcast axes alternating 10 times before the last: the generic path",
        ),
    ];
    for (name, op, f) in ops {
        for (a, b, what) in cases {
            let concrete = |s: &[usize]| s.iter().map(|&d| if d == 0 { 3 } else { d }).collect::<Vec<_>>();
            let (x, y) = (values(&concrete(a), 0.1), values(&concrete(b), 0.7));
            let got = floats(&run(op(), &[a, b], &[&x, &y]));
            let want = definition(f, &x, &y);
            let wrong = got.iter().zip(&want).position(|(g, w)| g != w);
            assert!(
                got.len() == want.len() && wrong.is_none(),
                "{name} of {a:?} and {b:?} ({what}): element {wrong:?} is {:?}, should be {:?}",
                wrong.map(|i| got[i]),
                wrong.map(|i| want[i])
            );
        }
    }
}

#[test]
fn an_operand_whose_unit_axes_carry_any_stride_is_read_as_contiguous() {
    // [5] → [1, 5, 1] by two `insert_axis`: strides [1, 1, 1] (as tract's own ops leave them)
    let mut b = values(&[5], 0.7);
    b.insert_axis(0).unwrap();
    b.insert_axis(2).unwrap();
    assert_eq!((b.shape(), b.strides()), (&[1usize, 5, 1][..], &[1isize, 1, 1][..]), "the strides this test is about");
    for (shape, what) in [(&[3usize, 5, 37][..], "by-scalar kernel runs"), (&[3, 5, 7], "plain pass")] {
        let a = values(shape, 0.1);
        let got = floats(&run(math::sub(), &[&[0, shape[1], shape[2]], &[1, 5, 1]], &[&a, &b]));
        assert_eq!(got, definition(|x, y| x - y, &a, &b), "{what}");
    }
}

#[test]
fn float32_sums_over_axes_that_others_follow_equal_the_running_sum() {
    // (shape, 0 being N, run with 3; the reduced axes)
    let cases: [(&[usize], &[usize]); 4] =
        [(&[0, 7, 5], &[1]), (&[0, 6, 4, 9], &[1, 2]), (&[0, 5, 2, 3], &[1]), (&[2, 0, 4], &[1])];
    for (shape, axes) in cases {
        let concrete: Vec<usize> = shape.iter().map(|&d| if d == 0 { 3 } else { d }).collect();
        let x = values(&concrete, 0.3);
        let first = axes[0];
        let outer: usize = concrete[..first].iter().product();
        let reduced: usize = concrete[first..first + axes.len()].iter().product();
        let inner: usize = concrete[first + axes.len()..].iter().product();
        let data = floats(&x);
        let mut want = vec![0f32; outer * inner];
        for o in 0..outer {
            for r in 0..reduced {
                for i in 0..inner {
                    want[o * inner + i] += data[(o * reduced + r) * inner + i];
                }
            }
        }
        let op = Reduce::new(axes.iter().copied().collect(), Reducer::Sum);
        let got = run(op, &[shape], &[&x]);
        let mut want_shape = concrete.clone();
        axes.iter().for_each(|&a| want_shape[a] = 1);
        assert_eq!(got.shape(), &want_shape[..], "{shape:?} over {axes:?}");
        assert_eq!(floats(&got), want, "{shape:?} over {axes:?}");
    }
}
