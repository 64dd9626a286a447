//! The exported graphs: attribution gradients against finite differences, ORT vs tract on the
//! attribution graph, dynamic batch, and the inference graph's form.

mod common;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regula_train::export::{self, gradient_output};
use regula_train::loss::Loss;
use regula_train::model::{Cnn, ConvBlock};
use regula_train::onnx::proto::ModelProto;
use regula_train::ops::activation::Activation;
use regula_train::optim::Optimizer;
use regula_train::runtime::{self, RuntimeConfig};
use regula_train::train::{Batch, TrainConfig, Trainer};

const L: usize = 230;

/// A two-output CNN trained for a few steps, so batch-norm statistics and weights are not at
/// their initial values.
fn trained() -> Trainer<Cnn> {
    let model = Cnn {
        seq_len: L,
        blocks: vec![
            ConvBlock { channels: 8, kernel: 9, dilation: 1, pool: Some(3) },
            ConvBlock { channels: 8, kernel: 3, dilation: 2, pool: None },
        ],
        activation: Activation::Gelu,
        dropout: 0.0,
        outputs: 2,
    };
    let config =
        TrainConfig { loss: Loss::Mse, optimizer: Optimizer::adamw(1e-2), runtime: RuntimeConfig::default(), seed: 3 };
    let mut t = Trainer::new(model, config).unwrap();
    let (x, y, _) = common::lentimpra();
    let n = 16;
    let y2: Vec<f32> = y[..n].iter().flat_map(|&v| [v, -0.5 * v]).collect();
    for _ in 0..10 {
        t.step(&Batch { x: &x[..n * 4 * L], y: &y2, weight: None, n }).unwrap();
    }
    t
}

fn outputs_of(model: &ModelProto) -> Vec<String> {
    model.graph.as_ref().unwrap().output.iter().map(|o| o.name.clone()).collect()
}

fn ort_run(model: &ModelProto, x: &[f32], n: usize) -> Vec<Vec<f32>> {
    let mut s = common::session(model).unwrap();
    let names = outputs_of(model);
    let input = runtime::tensor_f32(&[n, 4, L], x.to_vec()).unwrap();
    let out = s.run(vec![(export::INPUT, input)]).unwrap();
    names.iter().map(|name| runtime::to_host_f32(&out[name.as_str()]).unwrap().1).collect()
}

#[test]
fn attribution_gradients_match_finite_differences() {
    let mut t = trained();
    let attribution = t.attribution_graph().unwrap();
    let inference = t.inference_graph().unwrap();
    let (x, _, _) = common::lentimpra();
    let n = 2;
    let x = x[100 * 4 * L..(100 + n) * 4 * L].to_vec();
    let out = ort_run(&attribution, &x, n);
    assert_eq!(outputs_of(&attribution), ["pred".to_string(), gradient_output(0), gradient_output(1)]);
    let pred = &out[0];
    let mut infer = common::session(&inference).unwrap();
    let mut eval = |xs: &[f32]| -> Vec<f32> {
        let input = runtime::tensor_f32(&[n, 4, L], xs.to_vec()).unwrap();
        runtime::to_host_f32(&infer.run(vec![(export::INPUT, input)]).unwrap()["pred"]).unwrap().1
    };
    assert_eq!(eval(&x), *pred, "the attribution graph's prediction is the inference graph's");

    // Central differences in float32 (ORT's Conv is float-only), step 1e-2:
    // |g − fd| ≤ 1e-3 + 1e-2·|fd|.
    let h = 1e-2f32;
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut worst = 0.0f32;
    for k in 0..2 {
        let grad = &out[1 + k];
        assert_eq!(grad.len(), x.len(), "gradient has the input's shape");
        for _ in 0..24 {
            let j = rng.random_range(0..x.len());
            let sample = j / (4 * L);
            let mut xp = x.clone();
            xp[j] += h;
            let mut xm = x.clone();
            xm[j] -= h;
            let fd = (eval(&xp)[sample * 2 + k] - eval(&xm)[sample * 2 + k]) / (2.0 * h);
            let err = (grad[j] - fd).abs();
            worst = worst.max(err);
            assert!(
                err <= 1e-3 + 1e-2 * fd.abs(),
                "output {k}, input {j}: gradient {} vs finite difference {fd}",
                grad[j]
            );
        }
        // Samples do not interact in the inference graph: a change in sample 1 leaves sample 0.
        let j = 4 * L + 17;
        let mut xp = x.clone();
        xp[j] += 0.5;
        assert_eq!(eval(&xp)[k], pred[k]);
    }
    eprintln!("attribution vs finite differences: max |err| {worst:.2e}");
}

#[test]
fn attribution_graph_runs_in_tract_like_in_ort() {
    let mut t = trained();
    let attribution = t.attribution_graph().unwrap();
    let (x, _, _) = common::lentimpra();
    let n = 3;
    let x = x[..n * 4 * L].to_vec();
    let ort = ort_run(&attribution, &x, n);
    let tract = common::tract_run(&attribution, &[(vec![n, 4, L], x)]);
    for (i, (a, b)) in ort.iter().zip(&tract).enumerate() {
        let d = a.iter().zip(b).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
        eprintln!("output {i}: ORT vs tract max |diff| {d:.2e}");
        assert!(d <= 1e-5, "output {i} differs by {d}");
    }
}

#[test]
fn inference_graph_has_dynamic_batch_and_no_training_ops() {
    let mut t = trained();
    let graph = t.inference_graph().unwrap();
    let g = graph.graph.as_ref().unwrap();
    let ops: Vec<&str> = g.node.iter().map(|n| n.op_type.as_str()).collect();
    assert!(ops.contains(&"BatchNormalization"), "inference uses running statistics: {ops:?}");
    assert!(!ops.contains(&"Dropout") && !ops.contains(&"ReduceMean"), "{ops:?}");
    assert_eq!(g.input.len(), 1, "parameters are initializers, the only input is x");
    let (x, _, _) = common::lentimpra();
    let five = ort_run(&graph, &x[..5 * 4 * L], 5)[0].clone();
    let two = ort_run(&graph, &x[..2 * 4 * L], 2)[0].clone();
    assert_eq!(five.len(), 10);
    assert_eq!(&five[..4], &two[..]);
}

#[test]
fn cuda_requested_without_cuda_is_a_clear_error() {
    let model = Cnn::reference(L, 1);
    let config = TrainConfig {
        loss: Loss::Mse,
        optimizer: Optimizer::adamw(1e-3),
        runtime: RuntimeConfig { device: "cuda:1".parse().unwrap(), ..Default::default() },
        seed: 0,
    };
    let err = Trainer::new(model, config).err().expect("no CUDA provider in the CPU build of ONNX Runtime");
    assert_eq!(
        err.to_string(),
        "CUDA device 1 was requested, but the loaded ONNX Runtime library has no CUDA execution provider; \
         run scripts/provision-ort.sh gpu and point ORT_DYLIB_PATH at the libonnxruntime.so it prints"
    );
    assert_eq!("cuda".parse::<runtime::Device>().unwrap(), runtime::Device::Cuda(0));
    assert_eq!("cpu".parse::<runtime::Device>().unwrap(), runtime::Device::Cpu);
    assert_eq!(
        "gpu".parse::<runtime::Device>().unwrap_err().to_string(),
        "unknown device `gpu`: expected cpu, cuda or cuda:N"
    );
}
