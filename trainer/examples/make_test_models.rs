//! Builds the small models the browser predictor's tests and benchmark use, with the trainer's
//! public API: seeded initialisation, a few train steps (so batch-norm running statistics and
//! weights are not at their initial values), then the inference graph, the attribution graph and
//! a manifest for each.
//!
//! ```text
//! ORT_DYLIB_PATH=$(scripts/provision-ort.sh) cargo run -p regula-train --example make_test_models [-- OUT_DIR [NAME...]]
//! ```
//!
//! `OUT_DIR` defaults to `infer/tests/fixtures`; `NAME`s make only those models (e.g. `attn1`).
//! The output is deterministic up to ONNX Runtime's floating-point reduction order; the committed
//! files are what the tests use. `attn1` (the `cnn-attention` preset's model) also gets
//! `attn1.expected.json`: its attention weights on a real sequence, computed by ONNX Runtime on
//! the inference graph with the attention softmax declared as a second graph output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use prost::Message;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regula_core::length::{LengthPolicy, Padding};
use regula_core::manifest::{
    DataSource, Encoding, GraphRef, InputSpec, Manifest, OutputKind, OutputSpec, SCHEMA_VERSION, Target,
    TrainingSummary,
};
use regula_train::loss::Loss;
use regula_train::model::{Cnn, CnnAttention, ConvBlock, LegNet, Model};
use regula_train::ops::activation::Activation;
use regula_train::optim::Optimizer;
use regula_train::runtime::RuntimeConfig;
use regula_train::train::{Batch, TrainConfig, Trainer};

/// The architecture of a test model.
enum Arch {
    Cnn(Cnn),
    /// The `cnn-attention` preset's model: attention with this many heads over the CNN's trunk.
    Attention(Cnn, usize),
    LegNet(LegNet),
}

impl Arch {
    fn model(&self) -> Box<dyn Model> {
        match self {
            Arch::Cnn(cnn) => Box::new(cnn.clone()),
            Arch::Attention(cnn, heads) => Box::new(CnnAttention { cnn: cnn.clone(), heads: *heads }),
            Arch::LegNet(legnet) => Box::new(legnet.clone()),
        }
    }

    /// As the manifest states it.
    fn describe(&self) -> String {
        match self {
            Arch::Cnn(cnn) => format!("{:?}", cnn.blocks),
            Arch::Attention(cnn, heads) => format!("{:?}, then attention with {heads} heads", cnn.blocks),
            Arch::LegNet(legnet) => format!("{legnet:?}"),
        }
    }
}

struct Spec {
    name: &'static str,
    description: &'static str,
    model: Arch,
    policy: LengthPolicy,
    steps: usize,
    seed: u64,
    real_data: bool,
}

fn lentimpra(root: &Path) -> (Vec<f32>, Vec<f32>, usize) {
    let text = std::fs::read_to_string(root.join("tests/data/lentimpra_hepg2_512.tsv"))
        .expect("tests/data/lentimpra_hepg2_512.tsv");
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        x.extend(regula_core::encode::one_hot(cols[1].as_bytes()));
        y.push(cols[2].parse::<f32>().expect("mean_value"));
    }
    let n = y.len();
    (x, y, n)
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| root.join("infer/tests/fixtures"));
    std::fs::create_dir_all(&out).expect("create the output folder");
    let specs = [
        Spec {
            name: "mpra1",
            description: "test model: 2 conv blocks (16 ch, k11 pool 4; k5 dilation 2), ReLU, 1 output, 40 steps on 512 lentiMPRA rows",
            model: Arch::Cnn(Cnn {
                seq_len: 230,
                blocks: vec![
                    ConvBlock { channels: 16, kernel: 11, dilation: 1, pool: Some(4) },
                    ConvBlock { channels: 16, kernel: 5, dilation: 2, pool: None },
                ],
                activation: Activation::Relu,
                dropout: 0.0,
                outputs: 1,
            }),
            policy: LengthPolicy::PadOrCrop { padding: Padding::N },
            steps: 40,
            seed: 1,
            real_data: true,
        },
        Spec {
            name: "mpra3",
            description: "test model: 3 conv blocks (8 ch, k9 pool 3; k3 dilation 2 pool 2; k4), GELU, 3 outputs, 40 steps on 512 lentiMPRA rows",
            model: Arch::Cnn(Cnn {
                seq_len: 230,
                blocks: vec![
                    ConvBlock { channels: 8, kernel: 9, dilation: 1, pool: Some(3) },
                    ConvBlock { channels: 8, kernel: 3, dilation: 2, pool: Some(2) },
                    ConvBlock { channels: 8, kernel: 4, dilation: 1, pool: None },
                ],
                activation: Activation::Gelu,
                dropout: 0.0,
                outputs: 3,
            }),
            policy: LengthPolicy::Tile { stride: 100, padding: Padding::N },
            steps: 40,
            seed: 2,
            real_data: true,
        },
        Spec {
            name: "reference1000",
            description: "benchmark model: Cnn::reference(1000, 1) (conv 64 k15, BN, ReLU, max-pool 4, conv 64 k5, BN, ReLU, GAP, dense), 5 steps on random sequences",
            model: Arch::Cnn(Cnn::reference(1000, 1)),
            policy: LengthPolicy::Tile { stride: 500, padding: Padding::N },
            steps: 5,
            seed: 3,
            real_data: false,
        },
        Spec {
            name: "attn1",
            description: "test model: the cnn-attention preset — 2 conv blocks (16 ch, k11 pool 4; k5 pool 2), ReLU, a 2-head transformer block over the 28 positions, 1 output, 40 steps on 512 lentiMPRA rows",
            model: Arch::Attention(
                Cnn {
                    seq_len: 230,
                    blocks: vec![
                        ConvBlock { channels: 16, kernel: 11, dilation: 1, pool: Some(4) },
                        ConvBlock { channels: 16, kernel: 5, dilation: 1, pool: Some(2) },
                    ],
                    activation: Activation::Relu,
                    dropout: 0.0,
                    outputs: 1,
                },
                2,
            ),
            policy: LengthPolicy::PadOrCrop { padding: Padding::N },
            steps: 40,
            seed: 4,
            real_data: true,
        },
        Spec {
            name: "legnet1",
            description: "test model: the legnet preset without squeeze-excitation — stem 8 k5; stages 8, 12 with kernels 3, 4, pools 2, expansion 2, each block concatenated to its input; SiLU, 1 output, 40 steps on 512 lentiMPRA rows",
            model: Arch::LegNet(LegNet {
                seq_len: 230,
                stem_channels: 8,
                stem_kernel: 5,
                stages: vec![8, 12],
                kernels: vec![3, 4],
                pools: vec![2, 2],
                expand: 2,
                se_reduction: 0,
                outputs: 1,
            }),
            policy: LengthPolicy::PadOrCrop { padding: Padding::N },
            steps: 40,
            seed: 6,
            real_data: true,
        },
    ];
    let only: Vec<String> = std::env::args().skip(2).collect();
    let specs: Vec<Spec> = specs.into_iter().filter(|s| only.is_empty() || only.iter().any(|n| n == s.name)).collect();
    let (mx, my, mn) = lentimpra(&root);
    let my = &my;
    for spec in specs {
        let model = spec.model.model();
        let (l, t) = (model.input_shape()[1], model.outputs());
        let config = TrainConfig {
            loss: Loss::Mse,
            optimizer: Optimizer::adamw(3e-3),
            runtime: RuntimeConfig { threads: 2, ..Default::default() },
            seed: spec.seed,
        };
        let mut trainer = Trainer::new(model, config).expect("trainer");
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let n = 32;
        for _ in 0..spec.steps {
            let (bx, by): (Vec<f32>, Vec<f32>) = if spec.real_data {
                let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..mn)).collect();
                let bx = rows.iter().flat_map(|&i| mx[i * 4 * l..(i + 1) * 4 * l].iter().copied()).collect();
                let by = rows
                    .iter()
                    .flat_map(|&i| (0..t).map(move |k| my[i] * [1.0, -0.5, 0.25][k % 3] + k as f32 * 0.1))
                    .collect();
                (bx, by)
            } else {
                let seqs: Vec<Vec<u8>> =
                    (0..n).map(|_| (0..l).map(|_| b"ACGT"[rng.random_range(0..4)]).collect()).collect();
                let by = seqs
                    .iter()
                    .map(|s| s.iter().filter(|&&b| b == b'G' || b == b'C').count() as f32 / l as f32 - 0.5)
                    .collect();
                (regula_core::encode::one_hot_batch(&seqs), by)
            };
            trainer.step(&Batch { x: &bx, y: &by, weight: None, n }).expect("train step");
        }
        let inference = trainer.inference_graph().expect("inference graph").encode_to_vec();
        let attribution = trainer.attribution_graph().expect("attribution graph").encode_to_vec();
        let parameters: usize = trainer.params().expect("params").iter().map(|(_, h)| h.data.len()).sum();
        let model_file = format!("{}.onnx", spec.name);
        let attribution_file = format!("{}.attribution.onnx", spec.name);
        let manifest = Manifest {
            schema_version: SCHEMA_VERSION,
            name: spec.name.into(),
            description: spec.description.into(),
            model_file: model_file.clone(),
            model_sha256: None,
            inputs: vec![InputSpec {
                name: regula_train::export::INPUT.into(),
                length: l,
                alphabet: "ACGT".into(),
                encoding: Encoding::OneHot { n_value: 0.25 },
                flanks: None,
                default_length_policy: spec.policy.clone(),
            }],
            output: OutputSpec { name: regula_train::export::OUTPUT.into(), kind: OutputKind::Regression },
            targets: (0..t)
                .map(|k| Target {
                    name: format!("task{k}"),
                    unit: "a.u.".into(),
                    normalisation: Default::default(),
                    prediction_quantiles: None,
                })
                .collect(),
            graphs: BTreeMap::from([(
                "attribution".into(),
                GraphRef {
                    file: attribution_file.clone(),
                    description: "pred and d pred[:, k] / d x for every output k".into(),
                },
            )]),
            training: TrainingSummary {
                data: vec![DataSource {
                    name: if spec.real_data {
                        "lentiMPRA HepG2 (tests/data/lentimpra_hepg2_512.tsv)".into()
                    } else {
                        "random sequences, GC fraction target".into()
                    },
                    rows: if spec.real_data { mn } else { n * spec.steps },
                    source: "regula tests/data".into(),
                    licence: "see tests/data/README.md".into(),
                }],
                split: "none (test fixture)".into(),
                architecture: spec.model.describe(),
                parameters,
                epochs: 0,
                seed: spec.seed,
                machine: None,
                seconds: None,
            },
            strands: Default::default(),
            metrics: BTreeMap::new(),
            licence: "test fixture, MIT OR Apache-2.0".into(),
        };
        std::fs::write(out.join(&model_file), &inference).expect("write");
        std::fs::write(out.join(&attribution_file), &attribution).expect("write");
        std::fs::write(out.join(format!("{}.manifest.json", spec.name)), manifest.to_json()).expect("write");
        if matches!(spec.model, Arch::Attention(..)) {
            let expected = attention_weights(&root, trainer.inference_graph().expect("inference graph"), l);
            std::fs::write(out.join(format!("{}.expected.json", spec.name)), expected).expect("write");
        }
        eprintln!(
            "{}: {} parameters, inference {} bytes, attribution {} bytes",
            spec.name,
            parameters,
            inference.len(),
            attribution.len()
        );
    }
}

/// The attention weights of the first two sequences of `tests/data/lentimpra_hepg2_head30.tsv`
/// (the first as given, the second with its first and last 10 bases cut off, so that the
/// predictor pads it), by ONNX Runtime on `graph` with its attention softmax declared as a second
/// graph output: the numbers the predictors' attention maps are tested against. JSON:
/// `{sequences: [{name, bases, shape: [heads, T, T], weights}]}` (weights row-major).
fn attention_weights(root: &Path, mut graph: regula_train::onnx::proto::ModelProto, l: usize) -> String {
    use regula_train::onnx::proto::{TypeProto, ValueInfoProto, type_proto};
    let g = graph.graph.as_mut().expect("graph");
    let softmax = g.node.iter().find(|n| n.op_type == "Softmax").expect("a Softmax node").output[0].clone();
    g.output.push(ValueInfoProto {
        name: softmax.clone(),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor { elem_type: 1, shape: None })),
            ..Default::default()
        }),
        ..Default::default()
    });
    let mut session =
        regula_train::runtime::session(&graph, &RuntimeConfig { threads: 1, ..Default::default() }).expect("session");
    let text = std::fs::read_to_string(root.join("tests/data/lentimpra_hepg2_head30.tsv")).expect("head30");
    let rows: Vec<Vec<&str>> = text.lines().skip(1).take(2).map(|r| r.split('\t').collect()).collect();
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let (name, seq) = (row[0], row[1]);
        // The second sequence, 20 bases short, is padded by the predictor with 10 Ns each side.
        let (given, window) = if i == 0 {
            (seq.to_string(), seq.to_string())
        } else {
            let cut = &seq[10..seq.len() - 10];
            (cut.to_string(), format!("{}{cut}{}", "N".repeat(10), "N".repeat(10)))
        };
        let x = regula_core::encode::one_hot(window.as_bytes());
        let input = regula_train::runtime::tensor_f32(&[1, 4, l], x).expect("tensor");
        let result = session.run(vec![(regula_train::export::INPUT.to_string(), input)]).expect("run");
        let (shape, weights) = regula_train::runtime::to_host_f32(&result[softmax.as_str()]).expect("weights");
        out.push(serde_json::json!({"name": name, "bases": given, "shape": &shape[1..], "weights": weights}));
    }
    serde_json::to_string(&serde_json::json!({
        "graph_output": softmax,
        "how": "ONNX Runtime on attn1.onnx with the attention softmax declared as a second graph output (trainer/examples/make_test_models.rs)",
        "sequences": out,
    }))
    .expect("json")
}
