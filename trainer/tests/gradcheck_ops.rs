//! Every op's backward rule against central finite differences on random shapes (see
//! `common::gradcheck` for dtypes and tolerances).

mod common;

use common::{Dist, gradcheck, gradcheck_train_step, input, input_with, rng_for};
use rand::Rng;
use regula_train::graph::DType;
use regula_train::ops::activation::Activation;
use regula_train::ops::conv::Conv1d;
use regula_train::ops::pool::Pool1d;

fn dims(name: &str, lo: usize, hi: usize, n: usize) -> Vec<usize> {
    let mut r = rng_for(name);
    (0..n).map(|_| r.random_range(lo..=hi)).collect()
}

#[test]
fn conv1d() {
    let mut r = rng_for("conv1d-configs");
    for case in 0..8 {
        let (n, cin, cout, len, k) = (
            r.random_range(1..=3),
            r.random_range(1..=4),
            r.random_range(1..=4),
            r.random_range(8..=20),
            r.random_range(1..=5),
        );
        let conv = Conv1d {
            stride: r.random_range(1..=3),
            pads: [r.random_range(0..=2), r.random_range(0..=2)],
            dilation: r.random_range(1..=2),
            group: 1,
        };
        let bias = case % 2 == 0;
        let mut inputs = vec![input(&[n, cin, len]), input(&[cout, cin, k])];
        if bias {
            inputs.push(input(&[cout]));
        }
        let rep = gradcheck(&format!("conv1d-{case}-{conv:?}"), &inputs, |g, x| {
            g.conv1d(x[0], x[1], x.get(2).copied(), conv)
        });
        assert!(rep.checked > 0);
    }
    // The stride-1 layouts models use.
    for (i, conv) in
        [Conv1d::same(5, 1), Conv1d::same(3, 3), Conv1d::same(4, 1), Conv1d::default()].into_iter().enumerate()
    {
        let k = [5, 3, 4, 3][i];
        gradcheck(
            &format!("conv1d-stride1-{conv:?}"),
            &[input(&[2, 3, 16]), input(&[4, 3, k]), input(&[4])],
            |g, x| g.conv1d(x[0], x[1], Some(x[2]), conv),
        );
    }
    // 1×1: the weight gradient as one MatMul per sample, summed over the batch.
    let rep = gradcheck("conv1d-pointwise", &[input(&[3, 5, 7]), input(&[4, 5, 1]), input(&[4])], |g, x| {
        g.conv1d(x[0], x[1], Some(x[2]), Conv1d::default())
    });
    assert!(rep.checked > 0);
    // 64 input channels and more: the weight gradient as one GEMM per tap (strided and dilated too).
    // At stride 1 the shifted copies are of `dy` (fewer output channels), with padding larger
    // or smaller than the reach, or of the input (as many output channels or more).
    for (conv, cout) in [
        (Conv1d::same(3, 1), 2),
        (Conv1d::same(4, 2), 3),
        (Conv1d { stride: 1, pads: [0, 3], dilation: 1, group: 1 }, 2),
        (Conv1d { stride: 1, pads: [4, 1], dilation: 1, group: 1 }, 2),
        (Conv1d::same(3, 1), 65),
        (Conv1d { stride: 2, pads: [1, 0], dilation: 2, group: 1 }, 2),
    ] {
        let rep =
            gradcheck(&format!("conv1d-wide-{conv:?}-{cout}"), &[input(&[2, 64, 9]), input(&[cout, 64, 3])], |g, x| {
                g.conv1d(x[0], x[1], None, conv)
            });
        assert!(rep.checked > 0);
        // In the train step, 64 input channels and short lengths fold the batch into the positions
        // (a 2-D Conv), forward and, with 65 output channels, for the input's gradient too.
        let rep = gradcheck_train_step(
            &format!("conv1d-wide-folded-{conv:?}-{cout}"),
            &[input(&[2, 64, 9]), input(&[cout, 64, 3]), input(&[cout])],
            |g, x| g.conv1d(x[0], x[1], Some(x[2]), conv),
        );
        assert!(rep.checked > 0);
    }
}

/// The batch-folded convolution of the train step computes what the 1-D one does (float32
/// rounding apart), value and gradients, and only the train step folds.
#[test]
fn batch_folded_convolution_matches_the_plain_one() {
    use regula_train::graph::{GraphBuilder, fixed};
    let build = |ort_only: bool, conv: Conv1d, cout: i64| {
        let mut g = GraphBuilder::new(DType::F32);
        if ort_only {
            g.set_ort_only();
        }
        let x = g.input("x", DType::F32, fixed(&[3, 64, 40])).unwrap();
        let w = g.input("w", DType::F32, fixed(&[cout, 64, 5])).unwrap();
        let b = g.input("b", DType::F32, fixed(&[cout])).unwrap();
        let y = g.conv1d(x, w, Some(b), conv).unwrap();
        let r = g.input("r", DType::F32, g.shape(y).clone()).unwrap();
        let p = g.mul(y, r).unwrap();
        let loss = g.sum_all(p).unwrap();
        let grads = regula_train::autodiff::gradients(&mut g, loss, None, &[x, w, b]).unwrap();
        let (dx, dw, db) = (grads[0].unwrap(), grads[1].unwrap(), grads[2].unwrap());
        g.model(&[("y", y), ("dx", dx), ("dw", dw), ("db", db)]).unwrap()
    };
    for (conv, cout) in [
        (Conv1d { pads: [3, 1], ..Conv1d::default() }, 64),
        (Conv1d::same(5, 2), 70),
        (Conv1d { stride: 2, pads: [2, 0], ..Conv1d::default() }, 64),
    ] {
        let (plain, folded) = (build(false, conv, cout), build(true, conv, cout));
        let convs = |m: &regula_train::onnx::proto::ModelProto| -> Vec<usize> {
            let g = m.graph.as_ref().unwrap();
            g.node
                .iter()
                .filter(|n| n.op_type == "Conv")
                .map(|n| n.attribute.iter().find(|a| a.name == "kernel_shape").map_or(0, |a| a.ints.len()))
                .collect()
        };
        assert!(convs(&plain).iter().all(|&r| r == 1), "{conv:?}: {:?}", convs(&plain));
        assert!(convs(&folded).contains(&2), "{conv:?}: {:?}", convs(&folded));
        let mut rng = rng_for(&format!("folded-{conv:?}"));
        let l_out = ((40 + conv.pads[0] + conv.pads[1] - 4 * conv.dilation - 1) / conv.stride + 1) as usize;
        let data = |n: usize, rng: &mut rand_chacha::ChaCha8Rng| -> Vec<f64> {
            (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
        };
        let inputs = vec![
            ("x".to_string(), vec![3, 64, 40], data(3 * 64 * 40, &mut rng)),
            ("w".to_string(), vec![cout as usize, 64, 5], data(cout as usize * 64 * 5, &mut rng)),
            ("b".to_string(), vec![cout as usize], data(cout as usize, &mut rng)),
            ("r".to_string(), vec![3, cout as usize, l_out], data(3 * cout as usize * l_out, &mut rng)),
        ];
        let names: Vec<String> = ["y", "dx", "dw", "db"].iter().map(|s| s.to_string()).collect();
        let a = common::run(&mut common::session(&plain).unwrap(), DType::F32, &inputs, &names).unwrap();
        let b = common::run(&mut common::session(&folded).unwrap(), DType::F32, &inputs, &names).unwrap();
        for ((name, (sa, va)), (sb, vb)) in names.iter().zip(&a).zip(&b) {
            assert_eq!(sa, sb, "{conv:?} {name}");
            let scale = va.iter().fold(0f64, |m, v| m.max(v.abs()));
            let worst = va.iter().zip(vb).map(|(p, q)| (p - q).abs()).fold(0f64, f64::max);
            assert!(worst <= 1e-5 * scale.max(1.0), "{conv:?} {name}: |plain − folded| {worst:e} at scale {scale}");
        }
    }
}

#[test]
fn pools() {
    let mut r = rng_for("pool-configs");
    for case in 0..6 {
        let (n, c, len) = (r.random_range(1..=3), r.random_range(1..=3), r.random_range(6..=16));
        let kernel = r.random_range(2..=3);
        let pool = Pool1d {
            kind: if case % 2 == 0 {
                regula_train::ops::pool::PoolKind::Max
            } else {
                regula_train::ops::pool::PoolKind::Average
            },
            kernel,
            stride: r.random_range(1..=3),
            pads: [r.random_range(0..kernel), r.random_range(0..kernel)],
        };
        gradcheck(&format!("pool-{case}-{pool:?}"), &[input_with(&[n, c, len], Dist::AwayFromZero, true)], |g, x| {
            g.pool1d(x[0], pool)
        });
    }
    // Non-overlapping windows without padding take the plain (not accumulating) scatter, with and
    // without a tail.
    for len in [12, 14] {
        gradcheck(&format!("max-pool-tiled-{len}"), &[input_with(&[2, 3, len], Dist::AwayFromZero, true)], |g, x| {
            g.pool1d(x[0], Pool1d::max(4))
        });
    }
    // In the train step, non-overlapping windows unpool (`MaxUnpool`, float32 only): tiled, with
    // a tail, with padding, and with gaps between the windows.
    for (len, pool) in [
        (12, Pool1d::max(4)),
        (14, Pool1d::max(4)),
        (13, Pool1d { pads: [1, 1], ..Pool1d::max(3) }),
        (15, Pool1d { stride: 3, ..Pool1d::max(2) }),
    ] {
        let name = format!("max-pool-unpooled-{len}-{pool:?}");
        let report =
            gradcheck_train_step(&name, &[input_with(&[1, 2, len], Dist::Spread, true)], |g, x| g.pool1d(x[0], pool));
        assert_eq!(report.dtype, DType::F32);
    }
    let d = dims("gap", 1, 5, 3);
    gradcheck("global-average-pool", &[input(&d)], |g, x| g.global_avg_pool(x[0]));
}

#[test]
fn activations() {
    for act in [
        Activation::Relu,
        Activation::Gelu,
        Activation::Softplus,
        Activation::Sigmoid,
        Activation::Exp,
        Activation::Tanh,
        Activation::Sqrt,
        Activation::Neg,
    ] {
        let d = dims(&format!("{act:?}"), 1, 6, 3);
        let dist = match act {
            Activation::Sqrt => Dist::Positive,
            _ => Dist::AwayFromZero,
        };
        gradcheck(&format!("{act:?}"), &[input_with(&d, dist, true)], |g, x| g.activation(act, x[0]));
    }
}

#[test]
fn broadcasting_arithmetic() {
    let d = dims("bcast", 2, 5, 3);
    let (n, c, l) = (d[0], d[1], d[2]);
    let shapes: [(&[usize], &[usize]); 4] =
        [(&[n, c, l], &[n, c, l]), (&[n, c, l], &[1, c, 1]), (&[n, c, l], &[l]), (&[1, c, 1], &[n, 1, l])];
    for (i, (a, b)) in shapes.iter().enumerate() {
        gradcheck(&format!("add-{i}"), &[input(a), input(b)], |g, x| g.add(x[0], x[1]));
        gradcheck(&format!("sub-{i}"), &[input(a), input(b)], |g, x| g.sub(x[0], x[1]));
        gradcheck(&format!("mul-{i}"), &[input(a), input(b)], |g, x| g.mul(x[0], x[1]));
        gradcheck(&format!("div-{i}"), &[input(a), input_with(b, Dist::Positive, true)], |g, x| g.div(x[0], x[1]));
    }
}

#[test]
fn matmul_and_gemm() {
    let d = dims("matmul", 2, 5, 5);
    let (b, h, t, k, e) = (d[0], d[1], d[2], d[3], d[4]);
    gradcheck("matmul-2d", &[input(&[t, k]), input(&[k, e])], |g, x| g.matmul(x[0], x[1]));
    gradcheck("matmul-broadcast-weight", &[input(&[b, t, k]), input(&[k, e])], |g, x| g.matmul(x[0], x[1]));
    gradcheck("matmul-batched-4d", &[input(&[b, h, t, k]), input(&[b, h, k, t])], |g, x| g.matmul(x[0], x[1]));
    gradcheck("gemm-transB-bias", &[input(&[b, k]), input(&[e, k]), input(&[e])], |g, x| {
        g.gemm(x[0], x[1], Some(x[2]), true)
    });
    gradcheck("gemm-bias-2d", &[input(&[b, k]), input(&[k, e]), input(&[b, e])], |g, x| {
        g.gemm(x[0], x[1], Some(x[2]), false)
    });
    gradcheck("gemm-nobias", &[input(&[b, k]), input(&[k, e])], |g, x| g.gemm(x[0], x[1], None, false));
}

#[test]
fn shape_ops() {
    let d = dims("shape", 2, 5, 3);
    let (n, c, l) = (d[0], d[1], d[2]);
    gradcheck("concat", &[input(&[n, c, l]), input(&[n, 2, l]), input(&[n, 1, l])], |g, x| g.concat(x, 1));
    gradcheck("slice", &[input(&[n, c, l + 3])], |g, x| g.slice(x[0], &[1, 0], &[-1, c as i64], &[2, 1]));
    gradcheck("reshape", &[input(&[n, c, l])], |g, x| g.reshape(x[0], &[0, -1]));
    gradcheck("flatten", &[input(&[n, c, l])], |g, x| g.flatten(x[0], 1));
    gradcheck("transpose", &[input(&[n, c, l])], |g, x| g.transpose(x[0], &[2, 0, 1]));
}

#[test]
fn reductions_and_softmax() {
    let d = dims("reduce", 2, 5, 3);
    for keep in [true, false] {
        gradcheck(&format!("reduce-sum-{keep}"), &[input(&d)], |g, x| g.reduce_sum(x[0], &[0, 2], keep));
        gradcheck(&format!("reduce-mean-{keep}"), &[input(&d)], |g, x| g.reduce_mean(x[0], &[1], keep));
    }
    gradcheck("softmax-last", &[input(&d)], |g, x| g.softmax(x[0], -1));
    gradcheck("softmax-axis1", &[input(&d)], |g, x| g.softmax(x[0], 1));
}

#[test]
fn normalization() {
    let d = dims("norm", 2, 5, 3);
    let (n, c, l) = (d[0] + 1, d[1], d[2]);
    gradcheck(
        "batch-norm-train",
        &[
            input(&[n, c, l]),
            input(&[c]),
            input(&[c]),
            input_with(&[c], Dist::Uniform, false),
            input_with(&[c], Dist::Positive, false),
        ],
        |g, x| Ok(g.batch_norm_train(x[0], x[1], x[2], (x[3], x[4]), 0.1, 1e-5)?.y),
    );
    // A convolution feeding batch norm, one op whose backward folds the scale into the conv:
    // dense, depthwise, 1×1, and 64 channels narrowed (the weight gradient's shifted-dy path).
    for (cin, cout, k, group) in [(3, 4, 3, 1), (4, 4, 5, 4), (3, 5, 1, 1), (64, 3, 3, 1)] {
        let conv = Conv1d::same(k as i64, 1).grouped(group as i64);
        let (n, l) = (3, 7);
        let rep = gradcheck(
            &format!("conv-batch-norm-train-{cin}-{cout}-{k}-{group}"),
            &[
                input(&[n, cin, l]),
                input(&[cout, cin / group, k]),
                input(&[cout]),
                input(&[cout]),
                input_with(&[cout], Dist::Uniform, false),
                input_with(&[cout], Dist::Positive, false),
            ],
            |g, x| Ok(g.conv_batch_norm_train(x[0], x[1], conv, x[2], x[3], (x[4], x[5]), 0.1, 1e-5)?.y),
        );
        assert!(rep.checked > 0);
    }
    gradcheck(
        "batch-norm-inference",
        &[
            input(&[n, c, l]),
            input(&[c]),
            input(&[c]),
            input_with(&[c], Dist::Uniform, false),
            input_with(&[c], Dist::Positive, false),
        ],
        |g, x| g.batch_norm(x[0], x[1], x[2], x[3], x[4], 1e-5),
    );
    gradcheck("layer-norm", &[input(&[n, c, l]), input(&[l]), input(&[l])], |g, x| {
        g.layer_norm(x[0], x[1], x[2], 1e-5)
    });
}

/// A single-head self-attention block (projections, scaled scores, softmax, weighted sum,
/// residual and layer norm), checking the rules compose.
#[test]
fn attention_block() {
    let d = dims("attention", 2, 4, 3);
    let (b, t, e) = (d[0], d[1] + 1, d[2] + 1);
    let inputs = [input(&[b, t, e]), input(&[e, e]), input(&[e, e]), input(&[e, e]), input(&[e]), input(&[e])];
    gradcheck("attention", &inputs, |g, x| {
        let q = g.matmul(x[0], x[1])?;
        let k = g.matmul(x[0], x[2])?;
        let v = g.matmul(x[0], x[3])?;
        let kt = g.transpose(k, &[0, 2, 1])?;
        let s = g.matmul(q, kt)?;
        let scale = g.scalar(1.0 / (e as f64).sqrt());
        let s = g.mul(s, scale)?;
        let a = g.softmax(s, -1)?;
        let o = g.matmul(a, v)?;
        let h = g.add(o, x[0])?;
        g.layer_norm(h, x[4], x[5], 1e-5)
    });
}

/// Dropout's mask is random, so instead of finite differences: with upstream gradient 1 the
/// input gradient must equal `y / x` (the kept-and-rescaled mask), and about `ratio` of it be 0.
#[test]
fn dropout_gradient_is_its_mask() {
    use regula_train::autodiff::gradients;
    use regula_train::graph::{GraphBuilder, fixed};
    let (n, ratio) = (4000usize, 0.3);
    let mut g = GraphBuilder::new(DType::F32);
    let x = g.input("x", DType::F32, fixed(&[n as i64])).unwrap();
    let y = g.dropout(x, ratio, 7).unwrap();
    let s = g.sum_all(y).unwrap();
    let dx = gradients(&mut g, s, None, &[x]).unwrap()[0].unwrap();
    let model = g.model(&[("y", y), ("dx", dx)]).unwrap();
    let mut sess = common::session(&model).unwrap();
    let data: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64).collect();
    let out =
        common::run(&mut sess, DType::F32, &[("x".into(), vec![n], data.clone())], &["y".into(), "dx".into()]).unwrap();
    let (yv, dxv) = (&out[0].1, &out[1].1);
    let mut dropped = 0;
    for i in 0..n {
        assert!((yv[i] - data[i] * dxv[i]).abs() < 1e-5, "element {i}: y {} but x·dx {}", yv[i], data[i] * dxv[i]);
        if dxv[i] == 0.0 {
            dropped += 1;
        } else {
            assert!((dxv[i] - 1.0 / (1.0 - ratio)).abs() < 1e-5);
        }
    }
    let frac = dropped as f64 / n as f64;
    assert!((frac - ratio).abs() < 0.05, "dropped fraction {frac}");
}

/// The unpooling backward is the train step's alone: exported graphs (attribution) run in tract,
/// which has no `MaxUnpool`, and ORT runs it for float32 only.
#[test]
fn max_pool_backward_unpools_only_in_float32_train_steps() {
    let ops = |float: DType, ort_only: bool| -> Vec<String> {
        let mut g = regula_train::graph::GraphBuilder::new(float);
        if ort_only {
            g.set_ort_only();
        }
        let x = g.input("x", float, regula_train::graph::fixed(&[2, 3, 12])).unwrap();
        let y = g.pool1d(x, Pool1d::max(4)).unwrap();
        let loss = g.sum_all(y).unwrap();
        let dx = regula_train::autodiff::gradients(&mut g, loss, None, &[x]).unwrap()[0].unwrap();
        g.model(&[("dx", dx)]).unwrap().graph.unwrap().node.into_iter().map(|n| n.op_type).collect()
    };
    let has = |ops: &[String], op: &str| ops.iter().any(|o| o == op);
    let step = ops(DType::F32, true);
    assert!(has(&step, "MaxUnpool") && !has(&step, "ScatterElements"), "{step:?}");
    for (float, ort_only) in [(DType::F32, false), (DType::F64, true)] {
        let other = ops(float, ort_only);
        assert!(
            has(&other, "ScatterElements") && !has(&other, "MaxUnpool"),
            "{float:?}, ort_only {ort_only}: {other:?}"
        );
    }
}
