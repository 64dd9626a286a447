//! Builds the small models the browser predictor's tests and benchmark use, with the trainer's
//! public API: seeded initialisation, a few train steps (so batch-norm running statistics and
//! weights are not at their initial values), then the inference graph, the attribution graph and
//! a manifest for each.
//!
//! ```text
//! ORT_DYLIB_PATH=$(scripts/provision-ort.sh) cargo run -p regula-train --example make_test_models [-- OUT_DIR]
//! ```
//!
//! `OUT_DIR` defaults to `infer/tests/fixtures`. The output is deterministic up to ONNX Runtime's
//! floating-point reduction order; the committed files are what the tests use.

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
use regula_train::model::{Cnn, ConvBlock, Model};
use regula_train::ops::activation::Activation;
use regula_train::optim::Optimizer;
use regula_train::runtime::RuntimeConfig;
use regula_train::train::{Batch, TrainConfig, Trainer};

struct Spec {
    name: &'static str,
    description: &'static str,
    model: Cnn,
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
            model: Cnn {
                seq_len: 230,
                blocks: vec![
                    ConvBlock { channels: 16, kernel: 11, dilation: 1, pool: Some(4) },
                    ConvBlock { channels: 16, kernel: 5, dilation: 2, pool: None },
                ],
                activation: Activation::Relu,
                dropout: 0.0,
                outputs: 1,
            },
            policy: LengthPolicy::PadOrCrop { padding: Padding::N },
            steps: 40,
            seed: 1,
            real_data: true,
        },
        Spec {
            name: "mpra3",
            description: "test model: 3 conv blocks (8 ch, k9 pool 3; k3 dilation 2 pool 2; k4), GELU, 3 outputs, 40 steps on 512 lentiMPRA rows",
            model: Cnn {
                seq_len: 230,
                blocks: vec![
                    ConvBlock { channels: 8, kernel: 9, dilation: 1, pool: Some(3) },
                    ConvBlock { channels: 8, kernel: 3, dilation: 2, pool: Some(2) },
                    ConvBlock { channels: 8, kernel: 4, dilation: 1, pool: None },
                ],
                activation: Activation::Gelu,
                dropout: 0.0,
                outputs: 3,
            },
            policy: LengthPolicy::Tile { stride: 100, padding: Padding::N },
            steps: 40,
            seed: 2,
            real_data: true,
        },
        Spec {
            name: "reference1000",
            description: "benchmark model: Cnn::reference(1000, 1) (conv 64 k15, BN, ReLU, max-pool 4, conv 64 k5, BN, ReLU, GAP, dense), 5 steps on random sequences",
            model: Cnn::reference(1000, 1),
            policy: LengthPolicy::Tile { stride: 500, padding: Padding::N },
            steps: 5,
            seed: 3,
            real_data: false,
        },
    ];
    let (mx, my, mn) = lentimpra(&root);
    let my = &my;
    for spec in specs {
        let l = spec.model.seq_len;
        let t = spec.model.outputs;
        let config = TrainConfig {
            loss: Loss::Mse,
            optimizer: Optimizer::adamw(3e-3),
            runtime: RuntimeConfig { threads: 2, ..Default::default() },
            seed: spec.seed,
        };
        let mut trainer = Trainer::new(spec.model.clone(), config).expect("trainer");
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
                architecture: format!("{:?}", spec.model.blocks),
                parameters,
                epochs: 0,
                seed: spec.seed,
                machine: None,
                seconds: None,
            },
            metrics: BTreeMap::new(),
            licence: "test fixture, MIT OR Apache-2.0".into(),
        };
        std::fs::write(out.join(&model_file), &inference).expect("write");
        std::fs::write(out.join(&attribution_file), &attribution).expect("write");
        std::fs::write(out.join(format!("{}.manifest.json", spec.name)), manifest.to_json()).expect("write");
        let _ = spec.model.input_shape();
        eprintln!(
            "{}: {} parameters, inference {} bytes, attribution {} bytes",
            spec.name,
            parameters,
            inference.len(),
            attribution.len()
        );
    }
}
