//! Graph construction: shape inference, shape errors that say what and where, protobuf
//! round trip, and resuming from an exported model's parameters.

mod common;

use regula_train::graph::{DType, Dim, GraphBuilder, fixed};
use regula_train::loss::Loss;
use regula_train::model::{Cnn, Model};
use regula_train::ops::conv::Conv1d;
use regula_train::ops::pool::Pool1d;
use regula_train::optim::Optimizer;
use regula_train::params::ParamStore;
use regula_train::runtime::RuntimeConfig;
use regula_train::train::{Batch, TrainConfig, Trainer};

fn batch_input(g: &mut GraphBuilder, c: i64, l: i64) -> regula_train::graph::Value {
    g.input("x", DType::F32, vec![Dim::Sym("batch".into()), Dim::Fixed(c), Dim::Fixed(l)]).unwrap()
}

#[test]
fn shapes_are_inferred_through_a_cnn_with_a_symbolic_batch() {
    let mut g = GraphBuilder::new(DType::F32);
    let x = batch_input(&mut g, 4, 230);
    let w = g.input("w", DType::F32, fixed(&[16, 4, 7])).unwrap();
    let h = g.conv1d(x, w, None, Conv1d { stride: 2, pads: [3, 3], dilation: 1, group: 1 }).unwrap();
    assert_eq!(g.shape(h), &vec![Dim::Sym("batch".into()), Dim::Fixed(16), Dim::Fixed(115)]);
    let h = g.pool1d(h, Pool1d::max(4)).unwrap();
    assert_eq!(g.shape(h)[2], Dim::Fixed(28));
    let h = g.global_avg_pool(h).unwrap();
    let h = g.flatten(h, 1).unwrap();
    assert_eq!(g.shape(h), &vec![Dim::Sym("batch".into()), Dim::Fixed(16)]);
    let r = g.reshape(h, &[0, 4, -1]).unwrap();
    assert_eq!(g.shape(r), &vec![Dim::Sym("batch".into()), Dim::Fixed(4), Dim::Fixed(4)]);
}

#[test]
fn shape_errors_name_the_op_and_the_values() {
    let mut g = GraphBuilder::new(DType::F32);
    let x = batch_input(&mut g, 4, 50);
    let w = g.input("conv.weight", DType::F32, fixed(&[8, 5, 3])).unwrap();
    let err = g.conv1d(x, w, None, Conv1d::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Conv1d(stride=1, pads=[0, 0], dilation=1): input `x` has 4 channels, weight `conv.weight` expects 5"
    );
    let a = g.input("a", DType::F32, fixed(&[3, 4])).unwrap();
    let b = g.input("b", DType::F32, fixed(&[5, 4])).unwrap();
    assert_eq!(g.add(a, b).unwrap_err().to_string(), "Add: cannot broadcast [3, 4] with [5, 4]");
    assert_eq!(g.matmul(a, b).unwrap_err().to_string(), "MatMul: inner dimensions differ: [3, 4] @ [5, 4]");
    assert_eq!(
        g.reshape(x, &[-1, 7]).unwrap_err().to_string(),
        "Reshape([-1, 7]): cannot reshape [batch, 4, 50] to [-1, 7]: `batch` is not kept"
    );
    assert!(g.input("a", DType::F32, fixed(&[1])).unwrap_err().to_string().contains("`a` is used twice"));
}

#[test]
fn models_round_trip_through_protobuf_and_resume_from_exported_parameters() {
    let model = Cnn::reference(60, 2);
    let config = TrainConfig {
        loss: Loss::Mse,
        optimizer: Optimizer::sgd(1e-2, 0.9),
        runtime: RuntimeConfig::default(),
        seed: 4,
    };
    let mut t = Trainer::new(model.clone(), config).unwrap();
    let x: Vec<f32> = (0..3 * 4 * 60).map(|i| ((i * 7) % 4 == 0) as u8 as f32).collect();
    let y = vec![0.5, -0.5, 1.0, 0.0, 0.2, 0.3];
    let first = t.step(&Batch { x: &x, y: &y, weight: None, n: 3 }).unwrap();
    let second = t.step(&Batch { x: &x, y: &y, weight: Some(&[1.0, 0.0, 1.0, 0.0, 1.0, 0.0]), n: 3 }).unwrap();
    assert!(first.is_finite() && second.is_finite());

    let exported = t.inference_graph().unwrap();
    let bytes = regula_train::onnx::encode_model(&exported);
    let decoded = regula_train::onnx::decode_model(&bytes).unwrap();
    assert_eq!(decoded, exported);

    let store = ParamStore::from_model(&decoded);
    let names: Vec<&str> = store.iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 12, "{names:?}");
    for (name, tensor) in t.params().unwrap().iter() {
        assert_eq!(store.get(name), Some(tensor), "{name}");
    }
    // A trainer resumed from the exported file predicts exactly as the original.
    let mut resumed = Trainer::with_params(model.clone(), store, config).unwrap();
    let a = t.predictor().unwrap().predict(&x, 3).unwrap();
    let b = resumed.predictor().unwrap().predict(&x, 3).unwrap();
    assert_eq!(a, b);
    assert_eq!(model.input_shape(), vec![4, 60]);
}

/// A reduction over the last axis and others is written as two nodes (last axis first, for
/// ORT's faster kernel) and must still give the one-node result, with and without `keepdims`.
#[test]
fn multi_axis_reductions_split_at_the_last_axis_and_keep_their_values() {
    let (n, c, l) = (3usize, 4usize, 5usize);
    let data: Vec<f64> = (0..n * c * l).map(|i| ((i * 37 % 23) as f64 - 11.0) / 7.0).collect();
    let at = |b: usize, ch: usize, t: usize| data[(b * c + ch) * l + t];
    type Fold = fn(&[f64]) -> f64;
    let cases: [(&str, Fold); 5] = [
        ("ReduceSum", |v| v.iter().sum()),
        ("ReduceMean", |v| v.iter().sum::<f64>() / v.len() as f64),
        ("ReduceSumSquare", |v| v.iter().map(|x| x * x).sum()),
        ("ReduceMax", |v| v.iter().cloned().fold(f64::MIN, f64::max)),
        ("ReduceMin", |v| v.iter().cloned().fold(f64::MAX, f64::min)),
    ];
    for (op, fold) in cases {
        for keepdims in [true, false] {
            let mut g = GraphBuilder::new(DType::F32);
            let x = g.input("x", DType::F32, fixed(&[n as i64, c as i64, l as i64])).unwrap();
            let r = g.raw_reduce(op, x, &[2, 0], keepdims).unwrap();
            let want_shape: Vec<i64> = if keepdims { vec![1, c as i64, 1] } else { vec![c as i64] };
            assert_eq!(g.shape(r), &fixed(&want_shape), "{op} keepdims={keepdims}");
            let model = g.model(&[("r", r)]).unwrap();
            let reduces =
                model.graph.as_ref().unwrap().node.iter().filter(|nd| nd.op_type.starts_with("Reduce")).count();
            assert_eq!(reduces, 2, "{op}: the last axis first, then the rest");
            let mut sess = common::session(&model).unwrap();
            let out = common::run(&mut sess, DType::F32, &[("x".into(), vec![n, c, l], data.clone())], &["r".into()])
                .unwrap();
            assert_eq!(out[0].0, want_shape, "{op} keepdims={keepdims}");
            for ch in 0..c {
                let values: Vec<f64> =
                    (0..n).flat_map(|b| (0..l).map(move |t| (b, t))).map(|(b, t)| at(b, ch, t)).collect();
                let want = fold(&values);
                assert!(
                    (out[0].1[ch] - want).abs() <= 1e-5 * (1.0 + want.abs()),
                    "{op} channel {ch}: {} vs {want}",
                    out[0].1[ch]
                );
            }
        }
    }
}

/// Zeros at the ends of the last axis, by ORT's Pad for small samples and by a Concat with zeros
/// made at run time for a symbolic batch for large ones.
#[test]
fn padding_the_last_axis_puts_zeros_at_its_ends() {
    for (c, l, op) in [(3usize, 4usize, "Pad"), (3, 4000, "Concat")] {
        padding_case(c, l, op);
    }
}

fn padding_case(c: usize, l: usize, op: &str) {
    let n = 2usize;
    let data: Vec<f64> = (0..n * c * l).map(|i| i as f64 + 1.0).collect();
    for (before, after) in [(1, 2), (0, 3), (2, 0)] {
        let mut g = GraphBuilder::new(DType::F32);
        let x = batch_input(&mut g, c as i64, l as i64);
        let y = g.raw_pad_last_axis(x, before, after).unwrap();
        let width = l + (before + after) as usize;
        assert_eq!(g.shape(y)[2], Dim::Fixed(width as i64));
        let model = g.model(&[("y", y)]).unwrap();
        let last = &model.graph.as_ref().unwrap().node.last().unwrap().op_type;
        assert_eq!(last, op, "{c} × {l} per sample");
        let mut sess = common::session(&model).unwrap();
        let out =
            common::run(&mut sess, DType::F32, &[("x".into(), vec![n, c, l], data.clone())], &["y".into()]).unwrap();
        assert_eq!(out[0].0, vec![n as i64, c as i64, width as i64]);
        for row in 0..n * c {
            let want: Vec<f64> = std::iter::repeat_n(0.0, before as usize)
                .chain(data[row * l..(row + 1) * l].iter().copied())
                .chain(std::iter::repeat_n(0.0, after as usize))
                .collect();
            assert_eq!(&out[0].1[row * width..(row + 1) * width], &want[..], "({before}, {after}) row {row}");
        }
    }
}
