//! Builds the small two-segment (`dual-branch`) test model of the browser predictor's tests, with
//! the trainer's public API, and the native (ONNX Runtime) numbers the tests compare against.
//!
//! ```text
//! ORT_DYLIB_PATH=$(scripts/provision-ort.sh) cargo run -p regula-train --example make_dual_fixture [-- OUT_DIR]
//! ```
//!
//! `OUT_DIR` defaults to `infer/tests/fixtures`. Writes `dual.onnx`, `dual.attribution.onnx`,
//! `dual.manifest.json` and `dual.expected.json`: a few promoter + distal pairs with their
//! predictions computed by the trainer's own evaluation path on the exported inference graph
//! (`fit::scoring::predict_rows`: `encode_rows` joins the segments, promoter first; with strand
//! averaging each segment is reverse-complemented in place), and single-base mutants of the first
//! pair in both segments.
//!
//! The segments have different lengths (promoter 120 bp, distal 80 bp) so that a mix-up of
//! order or offsets shows. Promoter = the central 120 bp of a lentiMPRA construct, distal = the
//! central 80 bp of the construct 7 rows further down (tests/data/lentimpra_hepg2_512.tsv for
//! training, tests/data/lentimpra_hepg2_head30.tsv for the expected numbers): an arbitrary
//! pairing, good for testing the plumbing, not for biology.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use prost::Message;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regula_core::length::{LengthPolicy, Padding};
use regula_core::manifest::{
    DataSource, Encoding, GraphRef, InputSpec, Manifest, Normalisation, OutputKind, OutputSpec, SCHEMA_VERSION,
    Standardise, Target, TrainingSummary,
};
use regula_train::data::dataset::{Dataset, Example};
use regula_train::fit::batches::encode_rows;
use regula_train::fit::scoring::predict_rows;
use regula_train::loss::Loss;
use regula_train::model::{ConvBlock, DualBranch, Model};
use regula_train::model_folder::ModelFolder;
use regula_train::ops::activation::Activation;
use regula_train::optim::Optimizer;
use regula_train::runtime::RuntimeConfig;
use regula_train::train::{Batch, TrainConfig, Trainer};
use serde_json::json;

const PROMOTER: usize = 120;
const DISTAL: usize = 80;
const PAIR_OFFSET: usize = 7;

fn central(seq: &[u8], len: usize) -> Vec<u8> {
    let start = (seq.len() - len) / 2;
    seq[start..start + len].to_vec()
}

/// (id, sequence, mean_value) of a lentiMPRA table.
fn rows(path: &Path) -> Vec<(String, Vec<u8>, f64)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            (cols[0].to_string(), cols[1].as_bytes().to_vec(), cols[2].parse().expect("mean_value"))
        })
        .collect()
}

/// Promoter + distal pairs of a table, with two targets (the promoter row's value, and half the
/// partner's).
fn pairs(table: &[(String, Vec<u8>, f64)]) -> Dataset {
    let n = table.len();
    let examples = (0..n)
        .map(|i| {
            let (id, seq, y) = &table[i];
            let (_, partner, y2) = &table[(i + PAIR_OFFSET) % n];
            Example {
                id: id.clone(),
                line: i + 2,
                sequences: vec![central(seq, PROMOTER), central(partner, DISTAL)],
                targets: vec![*y, 0.5 * y2],
                chrom: None,
                split: None,
            }
        })
        .collect();
    Dataset { target_names: vec!["activity".into(), "partner".into()], examples, skipped: vec![] }
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| root.join("infer/tests/fixtures"));
    std::fs::create_dir_all(&out).expect("create the output folder");
    let model = DualBranch {
        promoter_len: PROMOTER,
        distal_len: DISTAL,
        blocks: vec![
            ConvBlock { channels: 8, kernel: 9, dilation: 1, pool: Some(2) },
            ConvBlock { channels: 8, kernel: 5, dilation: 2, pool: None },
        ],
        activation: Activation::Relu,
        dropout: 0.0,
        hidden: 16,
        outputs: 2,
    };
    let train = pairs(&rows(&root.join("tests/data/lentimpra_hepg2_512.tsv")));
    let seed = 5;
    let config = TrainConfig {
        loss: Loss::Mse,
        optimizer: Optimizer::adamw(3e-3),
        runtime: RuntimeConfig { threads: 2, ..Default::default() },
        seed,
    };
    let mut trainer = Trainer::new(model.clone(), config).expect("trainer");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (n, steps) = (32, 30);
    for _ in 0..steps {
        let batch: Vec<usize> = (0..n).map(|_| rng.random_range(0..train.examples.len())).collect();
        let x = encode_rows(&train, &batch, |_| false, |_| 0);
        let y: Vec<f32> = batch.iter().flat_map(|&i| train.examples[i].targets.iter().map(|&v| v as f32)).collect();
        trainer.step(&Batch { x: &x, y: &y, weight: None, n }).expect("train step");
    }
    let inference = trainer.inference_graph().expect("inference graph").encode_to_vec();
    let attribution = trainer.attribution_graph().expect("attribution graph").encode_to_vec();
    let parameters: usize = trainer.params().expect("params").iter().map(|(_, h)| h.data.len()).sum();
    let input = |length: usize| InputSpec {
        name: regula_train::export::INPUT.into(),
        length,
        alphabet: "ACGT".into(),
        encoding: Encoding::OneHot { n_value: 0.25 },
        flanks: None,
        default_length_policy: LengthPolicy::PadOrCrop { padding: Padding::N },
    };
    let manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        name: "dual".into(),
        description: "test model: dual-branch (promoter 120 bp + distal 80 bp; per branch conv 8 k9 pool 2, conv 8 k5 dilation 2, GAP), dense 16, 2 outputs; 30 steps on lentiMPRA pairs".into(),
        model_file: "dual.onnx".into(),
        model_sha256: None,
        inputs: vec![input(PROMOTER), input(DISTAL)],
        output: OutputSpec { name: regula_train::export::OUTPUT.into(), kind: OutputKind::Regression },
        targets: vec![
            Target {
                name: "activity".into(),
                unit: "log2(RNA/DNA)".into(),
                normalisation: Normalisation { log: None, standardise: Some(Standardise { mean: 0.2, std: 0.8 }) },
                prediction_quantiles: None,
            },
            Target { name: "partner".into(), unit: "a.u.".into(), normalisation: Default::default(), prediction_quantiles: None },
        ],
        graphs: BTreeMap::from([(
            "attribution".into(),
            GraphRef { file: "dual.attribution.onnx".into(), description: "pred and d pred[:, k] / d x for every output k".into() },
        )]),
        training: TrainingSummary {
            data: vec![DataSource {
                name: "lentiMPRA HepG2 pairs (tests/data/lentimpra_hepg2_512.tsv)".into(),
                rows: train.examples.len(),
                source: "regula tests/data".into(),
                licence: "see tests/data/README.md".into(),
            }],
            split: "none (test fixture)".into(),
            architecture: format!("DualBranch {:?}", model.blocks),
            parameters,
            epochs: 0,
            seed,
            machine: None,
            seconds: None,
        },
        strands: Default::default(),
            metrics: BTreeMap::new(),
        licence: "test fixture, MIT OR Apache-2.0".into(),
    };
    std::fs::write(out.join("dual.onnx"), &inference).expect("write");
    std::fs::write(out.join("dual.attribution.onnx"), &attribution).expect("write");
    std::fs::write(out.join("dual.manifest.json"), manifest.to_json()).expect("write");
    let _ = model.input_shape();

    // Native numbers from the exported file, through the trainer's evaluation path.
    let dir = tempfile_dir(&out);
    std::fs::write(dir.join("manifest.json"), manifest.to_json()).expect("write");
    std::fs::write(dir.join("dual.onnx"), &inference).expect("write");
    let mut exported =
        ModelFolder::load(&dir, &RuntimeConfig { threads: 2, ..Default::default() }).expect("load the exported model");
    let head = pairs(&rows(&root.join("tests/data/lentimpra_hepg2_head30.tsv")));
    let mut cases =
        Dataset { target_names: head.target_names.clone(), examples: head.examples[..4].to_vec(), skipped: vec![] };
    // Mutants of the first pair: both ends and the middle of each segment, every other base.
    let mut mutations = Vec::new();
    for (segment, len) in [(0usize, PROMOTER), (1, DISTAL)] {
        for pos in [0, 1, len / 2, len - 1] {
            for alt in *b"ACGT" {
                let mut e = cases.examples[0].clone();
                if e.sequences[segment][pos] == alt {
                    continue;
                }
                e.sequences[segment][pos] = alt;
                mutations.push((segment, pos, alt, cases.examples.len()));
                cases.examples.push(e);
            }
        }
    }
    let all: Vec<usize> = (0..cases.examples.len()).collect();
    let t = manifest.targets.len();
    let forward = predict_rows(exported.predictor().expect("predictor"), &cases, &all, false).expect("predict");
    let averaged =
        predict_rows(exported.predictor().expect("predictor"), &cases, &all, true).expect("predict both strands");
    let reported = |raw: &[f32], i: usize| -> Vec<f64> {
        (0..t).map(|k| manifest.reported_value(k, raw[i * t + k] as f64)).collect()
    };
    let segment_names = ["promoter", "distal"];
    let expected = json!({
        "provenance": "trainer/examples/make_dual_fixture.rs: regula_train::fit::scoring::predict_rows (ONNX Runtime) on dual.onnx",
        "segments": [{"name": "promoter", "length": PROMOTER}, {"name": "distal", "length": DISTAL}],
        "targets": manifest.targets.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        "pairs": (0..4).map(|i| {
            let e = &cases.examples[i];
            json!({
                "name": e.id,
                "promoter": String::from_utf8_lossy(&e.sequences[0]),
                "distal": String::from_utf8_lossy(&e.sequences[1]),
                "values": reported(&forward, i),
                "values_rc_average": reported(&averaged, i),
            })
        }).collect::<Vec<_>>(),
        "mutations": mutations.iter().map(|&(segment, pos, alt, i)| json!({
            "pair": 0,
            "segment": segment_names[segment],
            "position": pos + 1,
            "reference": (cases.examples[0].sequences[segment][pos] as char).to_string(),
            "alternate": (alt as char).to_string(),
            "values": reported(&forward, i),
            "effects": reported(&forward, i).iter().zip(reported(&forward, 0)).map(|(a, r)| a - r).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    std::fs::write(out.join("dual.expected.json"), serde_json::to_string_pretty(&expected).expect("json") + "\n")
        .expect("write");
    std::fs::remove_dir_all(&dir).ok();
    eprintln!(
        "dual: {parameters} parameters, inference {} bytes, attribution {} bytes",
        inference.len(),
        attribution.len()
    );
}

fn tempfile_dir(near: &Path) -> PathBuf {
    let dir = near.join(format!(".dual-native-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}
