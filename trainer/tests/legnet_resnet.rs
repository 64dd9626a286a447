//! The ops behind `legnet` and `dilated-resnet` (grouped and depthwise convolution, SiLU,
//! squeeze-excitation) against central differences; both presets' weight gradients against
//! central differences as whole graphs; their sizes; and their exported graphs in tract (as
//! the browser runs them) against ONNX Runtime, through the browser's op allow-list and, for
//! `dilated-resnet`, its trunk/head split for fast mutagenesis.

mod common;

use common::{Dist, gradcheck, input, input_with, rng_for};
use rand::Rng;
use regula_train::autodiff::gradients;
use regula_train::export;
use regula_train::graph::{DType, Dim, GraphBuilder, Value, fixed};
use regula_train::loss::Loss;
use regula_train::model::legnet::squeeze_excitation;
use regula_train::model::{DilatedResNet, LegNet, Model};
use regula_train::ops::activation::Activation;
use regula_train::ops::conv::Conv1d;
use regula_train::optim::Optimizer;
use regula_train::params::{Mode, ParamStore, Params};
use regula_train::runtime::{self, RuntimeConfig};
use regula_train::train::{Batch, TrainConfig, Trainer};

const L: usize = 230;

#[test]
fn grouped_and_depthwise_conv1d() {
    let mut r = rng_for("grouped-conv-configs");
    for case in 0..10 {
        let groups = [2, 3][case % 2];
        // Even cases depthwise (one input channel per group, cout = groups), odd ones grouped.
        let (cin_g, cout_g) = if case % 4 < 2 { (1, 1) } else { (r.random_range(1..=3), r.random_range(1..=2)) };
        let (n, len, k) = (r.random_range(1..=3), r.random_range(8..=16), r.random_range(1..=5));
        let conv = Conv1d {
            stride: r.random_range(1..=2),
            pads: [r.random_range(0..=2), r.random_range(0..=2)],
            dilation: r.random_range(1..=2),
            group: groups as i64,
        };
        let mut inputs = vec![input(&[n, cin_g * groups, len]), input(&[cout_g * groups, cin_g, k])];
        if case % 3 == 0 {
            inputs.push(input(&[cout_g * groups]));
        }
        let rep = gradcheck(&format!("conv1d-grouped-{case}-{conv:?}"), &inputs, |g, x| {
            g.conv1d(x[0], x[1], x.get(2).copied(), conv)
        });
        assert!(rep.checked > 0);
    }
    // The depthwise layout LegNet uses: `same` padding, odd and even kernels; and a reach of 12
    // (kernel 7, dilation 2), past one block of the weight gradient's blocked GEMMs.
    for (k, dilation) in [(3, 1), (4, 1), (9, 1), (7, 2)] {
        let c = 6;
        gradcheck(&format!("depthwise-same-{k}-{dilation}"), &[input(&[2, c, 20]), input(&[c, 1, k])], |g, x| {
            g.conv1d(x[0], x[1], None, Conv1d::same(k as i64, dilation).grouped(c as i64))
        });
    }
}

#[test]
fn silu_and_squeeze_excitation() {
    gradcheck("silu", &[input_with(&[3, 4, 5], Dist::Uniform, true)], |g, x| g.activation(Activation::Silu, x[0]));
    let (n, c, h, l) = (3, 8, 2, 7);
    // x, fc1 [h, c] + bias, fc2 [c, h] + bias: the block with its weights as inputs.
    let inputs = [input(&[n, c, l]), input(&[h, c]), input(&[h]), input(&[c, h]), input(&[c])];
    gradcheck("squeeze-excitation", &inputs, |g, x| {
        let s = g.reduce_mean(x[0], &[2], false)?;
        let s = g.dense(s, x[1], Some(x[2]))?;
        let s = g.silu(s)?;
        let s = g.dense(s, x[3], Some(x[4]))?;
        let s = g.sigmoid(s)?;
        let s = g.reshape(s, &[0, c as i64, 1])?;
        g.mul(x[0], s)
    });
    // The model's own block builds the same graph from its parameters.
    let mut store = ParamStore::new();
    let mut g = GraphBuilder::new(DType::F32);
    let x =
        g.input("x", DType::F32, vec![Dim::Sym("batch".into()), Dim::Fixed(c as i64), Dim::Fixed(l as i64)]).unwrap();
    let mut p = Params::new(Mode::Train, &mut store, 1);
    let y = squeeze_excitation(&mut g, &mut p, "se", x, c, h).unwrap();
    assert_eq!(g.shape(y), g.shape(x));
    drop(p);
    let names: Vec<&str> = store.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["se.fc1.weight", "se.fc1.bias", "se.fc2.weight", "se.fc2.bias"]);
}

fn tiny_legnet(outputs: usize) -> LegNet {
    LegNet {
        seq_len: L,
        stem_channels: 8,
        stem_kernel: 5,
        stages: vec![8, 12],
        kernels: vec![3, 4],
        pools: vec![2, 2],
        expand: 2,
        se_reduction: 2,
        outputs,
    }
}

fn tiny_resnet(outputs: usize) -> DilatedResNet {
    DilatedResNet {
        seq_len: L,
        stem_channels: 8,
        stem_kernel: 7,
        channels: vec![8, 12, 12],
        kernels: vec![3, 3, 2],
        dilations: vec![1, 2, 4],
        pools: vec![2, 1, 1],
        activation: Activation::Silu,
        dropout: 0.0,
        outputs,
    }
}

/// Trainable parameter count of `model`, as `regula-train inspect` and the manifest report it.
fn parameter_count(model: &dyn Model) -> usize {
    let mut store = ParamStore::new();
    let mut g = GraphBuilder::new(DType::F32);
    let x = g.input("x", DType::F32, vec![Dim::Sym("batch".into()), Dim::Fixed(4), Dim::Fixed(L as i64)]).unwrap();
    let names: Vec<String> = {
        let mut p = Params::new(Mode::Train, &mut store, 1);
        model.forward(&mut g, &mut p, x).unwrap();
        p.trainable().iter().map(|(n, _)| n.clone()).collect()
    };
    names.iter().map(|n| store.get(n).unwrap().data.len()).sum()
}

#[test]
fn legnet_has_the_published_size() {
    // human_legnet's model.py with stem 64/k11, stages 80/96/112/128 with k9, expansion 4, SE
    // reduction 4 (its `SELayer(inner_dim, reduction=resize_factor)`), one output.
    assert_eq!(parameter_count(&LegNet::published(L, 1)), 1_322_465);
    let small = LegNet { stem_kernel: 5, kernels: vec![3; 4], ..LegNet::published(L, 1) };
    assert_eq!(parameter_count(&small), 857_825);
    // The original LegNet's squeeze to a quarter of the block input: the quoted 1.13M / 664k.
    assert_eq!(parameter_count(&LegNet { se_reduction: 16, ..LegNet::published(L, 1) }), 1_128_665);
    assert_eq!(parameter_count(&LegNet { se_reduction: 16, ..small.clone() }), 664_025);
    // Without squeeze-excitation: less each stage's two dense layers, 8c² + 5c weights for input
    // width c = 64, 80, 96, 112.
    let se: usize = [64, 80, 96, 112].iter().map(|c| 8 * c * c + 5 * c).sum();
    assert_eq!(parameter_count(&LegNet { se_reduction: 0, ..small }), 857_825 - se);
}

/// Gradients of an MSE loss with respect to every parameter of `model` in its training graph
/// (batch-norm batch statistics), against central differences of the loss in float32.
fn whole_model_gradcheck(name: &str, model: &dyn Model) {
    let n = 4;
    let mut g = GraphBuilder::new(DType::F32);
    let x = g.input("x", DType::F32, fixed(&[n as i64, 4, L as i64])).unwrap();
    let y = g.input("y", DType::F32, fixed(&[n as i64, model.outputs() as i64])).unwrap();
    let mut store = ParamStore::new();
    let (loss, trainable, inputs) = {
        let mut p = Params::new(Mode::Train, &mut store, 3);
        let pred = model.forward(&mut g, &mut p, x).unwrap();
        let loss = Loss::Mse.build(&mut g, pred, y, None).unwrap();
        let trainable: Vec<(String, Value)> = p.trainable().to_vec();
        let buffers: Vec<String> = p.buffers().iter().map(|b| b.name.clone()).collect();
        (loss, trainable, buffers)
    };
    let wrt: Vec<Value> = trainable.iter().map(|(_, v)| *v).collect();
    let grads = gradients(&mut g, loss, None, &wrt).unwrap();
    let mut outputs = vec![("loss".to_string(), loss)];
    for ((pname, _), gv) in trainable.iter().zip(&grads) {
        outputs.push((format!("grad:{pname}"), gv.unwrap_or_else(|| panic!("{name}: no gradient for {pname}"))));
    }
    let named: Vec<(&str, Value)> = outputs.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let mut sess = common::session(&g.model(&named).unwrap()).unwrap();

    let (xs, ys, _) = common::lentimpra();
    let xs: Vec<f64> = xs[..n * 4 * L].iter().map(|&v| v as f64).collect();
    let ys: Vec<f64> = ys[..n].iter().flat_map(|&v| (0..model.outputs()).map(move |k| v as f64 - k as f64)).collect();
    let mut data = vec![("x".to_string(), vec![n, 4, L], xs), ("y".to_string(), vec![n, model.outputs()], ys)];
    for (pname, t) in store.iter() {
        if trainable.iter().any(|(n, _)| n == pname) || inputs.iter().any(|b| b == pname) {
            data.push((pname.to_string(), t.shape.clone(), t.data.iter().map(|&v| v as f64).collect()));
        }
    }
    let out_names: Vec<String> = outputs.iter().map(|(n, _)| n.clone()).collect();
    let analytic = common::run(&mut sess, DType::F32, &data, &out_names).unwrap();
    let mut rng = rng_for(name);
    let mut checked = 0;
    for (k, (pname, _)) in trainable.iter().enumerate() {
        let grad = &analytic[k + 1].1;
        let i = data.iter().position(|(n, _, _)| n == pname).unwrap();
        for _ in 0..2 {
            let j = rng.random_range(0..grad.len());
            // Max pooling and the loss are piecewise smooth: agreement at either of two steps
            // counts (a wrong rule fails both).
            let fds: Vec<f64> = [1e-2, 3e-3]
                .iter()
                .map(|&h| {
                    let mut eval = |delta: f64| {
                        let mut d = data.clone();
                        d[i].2[j] += delta;
                        common::run(&mut sess, DType::F32, &d, &out_names[..1]).unwrap()[0].1[0]
                    };
                    (eval(h) - eval(-h)) / (2.0 * h)
                })
                .collect();
            let ok = fds.iter().any(|fd| (grad[j] - fd).abs() <= 2e-4 + 2e-2 * fd.abs());
            assert!(ok, "{name}: d loss / d {pname}[{j}] = {} but finite differences give {fds:?}", grad[j]);
            checked += 1;
        }
    }
    eprintln!("{name}: {checked} weight gradients match finite differences");
}

#[test]
fn legnet_weight_gradients_match_finite_differences() {
    whole_model_gradcheck("legnet", &tiny_legnet(2));
}

#[test]
fn legnet_without_squeeze_excitation_weight_gradients_match_finite_differences() {
    whole_model_gradcheck("legnet, no squeeze-excitation", &LegNet { se_reduction: 0, ..tiny_legnet(1) });
}

#[test]
fn dilated_resnet_weight_gradients_match_finite_differences() {
    whole_model_gradcheck("dilated-resnet", &tiny_resnet(2));
}

/// Trains on a fixed batch of real rows, then checks the exported inference and attribution
/// graphs: through the browser's allow-list, and tract against ORT within 1e-5.
fn trains_and_exports<M: Model>(name: &str, model: M) -> regula_train::onnx::proto::ModelProto {
    let config =
        TrainConfig { loss: Loss::Mse, optimizer: Optimizer::adamw(5e-3), runtime: RuntimeConfig::default(), seed: 5 };
    let mut t = Trainer::new(model, config).unwrap();
    let (x, y, _) = common::lentimpra();
    let n = 32;
    let y2: Vec<f32> = y[..n].iter().flat_map(|&v| [v, 1.0 - v]).collect();
    let batch = Batch { x: &x[..n * 4 * L], y: &y2, weight: None, n };
    let first = t.step(&batch).unwrap();
    let mut last = first;
    for _ in 0..40 {
        last = t.step(&batch).unwrap();
    }
    eprintln!("{name}: fixed-batch loss {first:.4} → {last:.4}");
    assert!(last < 0.3 * first, "{name} does not fit a fixed batch: {first} → {last}");

    let inference = t.inference_graph().unwrap();
    let attribution = t.attribution_graph().unwrap();
    for graph in [&inference, &attribution] {
        let bytes = prost::Message::encode_to_vec(graph);
        regula_wasm::graph::read_model(&bytes).unwrap_or_else(|e| panic!("{name}: the browser refuses the graph: {e}"));
    }
    let k = 3;
    let xs = x[100 * 4 * L..(100 + k) * 4 * L].to_vec();
    let mut s = common::session(&attribution).unwrap();
    let out = s.run(vec![(export::INPUT, runtime::tensor_f32(&[k, 4, L], xs.clone()).unwrap())]).unwrap();
    let ort: Vec<Vec<f32>> =
        ["pred", "grad_pred_0", "grad_pred_1"].iter().map(|o| runtime::to_host_f32(&out[*o]).unwrap().1).collect();
    let tract = common::tract_run(&attribution, &[(vec![k, 4, L], xs.clone())]);
    for (i, (a, b)) in ort.iter().zip(&tract).enumerate() {
        let d = a.iter().zip(b).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
        eprintln!("{name} attribution output {i}: ORT vs tract max |diff| {d:.2e}");
        assert!(d <= 1e-5, "{name} output {i}: ORT vs tract differ by {d}");
    }
    let tract_pred = common::tract_run(&inference, &[(vec![k, 4, L], xs)]).remove(0);
    let d = ort[0].iter().zip(&tract_pred).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
    eprintln!("{name} inference: ORT vs tract max |diff| {d:.2e}");
    assert!(d <= 1e-5, "{name} inference graph: ORT vs tract differ by {d}");
    inference
}

#[test]
fn legnet_trains_and_runs_in_tract_like_in_ort() {
    let inference = trains_and_exports("legnet", tiny_legnet(2));
    // Squeeze-excitation is a mean over the whole sequence inside the trunk: windowed fast
    // mutagenesis cannot apply, and the splitter says so rather than cutting wrongly.
    let proto = regula_wasm::graph::read_model(&prost::Message::encode_to_vec(&inference)).unwrap();
    assert!(regula_wasm::graph::split(&proto, export::INPUT, export::OUTPUT).is_err());
}

#[test]
fn dilated_resnet_trains_runs_in_tract_and_splits_for_fast_ism() {
    let inference = trains_and_exports("dilated-resnet", tiny_resnet(2));
    let proto = regula_wasm::graph::read_model(&prost::Message::encode_to_vec(&inference)).unwrap();
    let split = regula_wasm::graph::split(&proto, export::INPUT, export::OUTPUT)
        .unwrap_or_else(|e| panic!("the browser cannot split dilated-resnet for fast mutagenesis: {e}"));
    eprintln!("dilated-resnet trunk receptive field: {:?}", split.field);
}
