//! Whole training runs through the library's `fit`, on real lentiMPRA rows: an interrupted and
//! resumed run ends with exactly the weights of an uninterrupted one, and the exported model
//! predicts the same in tract (the browser's runtime) as in ONNX Runtime.

mod common;

use std::path::{Path, PathBuf};

use prost::Message;
use regula_core::length::Fitting;
use regula_core::manifest::Manifest;
use regula_train::fit::{fit, fit_until};
use regula_train::model_folder::ModelFolder;
use regula_train::model_metrics::{EvalSet, evaluate_model};
use regula_train::onnx::proto::ModelProto;
use regula_train::options::FitOptions;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data").join(name)
}

/// A small but complete configuration: dropout, RC and shift augmentation, warm-up + cosine.
fn options(out: &Path) -> FitOptions {
    FitOptions {
        data: Some(data("lentimpra_hepg2_512.tsv")),
        id_column: Some("seq_id".into()),
        sequence_column: Some("seq".into()),
        target_columns: Some(vec!["mean_value".into()]),
        group_pattern: Some("_Reversed:$".into()),
        valid_fraction: Some(0.2),
        channels: Some(vec![16, 16]),
        kernels: Some(vec![9, 5]),
        pools: Some(vec![4, 1]),
        dropout: Some(0.2),
        augment_shift: Some(3),
        epochs: Some(3),
        batch_size: Some(32),
        threads: Some(1),
        seed: Some(11),
        out: Some(out.to_path_buf()),
        name: Some("test-model".into()),
        ..Default::default()
    }
}

#[test]
fn a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, split) = (dir.path().join("whole"), dir.path().join("split"));
    fit(options(&whole), false, false).unwrap();

    assert!(fit_until(options(&split), false, false, Some(2)).unwrap().is_none(), "stopped after epoch 2");
    assert!(!split.join("manifest.json").exists(), "nothing exported before the end");
    let e = fit(FitOptions { lr: Some(0.5), ..options(&split) }, true, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot resume: the checkpoint was made with other options; resume with the same command (or config)"
    );
    let resumed = fit(options(&split), true, false).unwrap();
    // The card's training time (to 0.1 s) counts the two epochs the stopped run checkpointed, not
    // only the one epoch of the run that resumed them.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(split.join("report.json")).unwrap()).unwrap();
    let epochs: Vec<f64> =
        report["history"].as_array().unwrap().iter().map(|e| e["seconds"].as_f64().unwrap()).collect();
    let seconds = resumed.manifest.training.seconds.unwrap();
    assert!(seconds + 0.05 >= epochs.iter().sum::<f64>(), "training time {seconds} s: the epochs took {epochs:?} s");

    for file in ["checkpoint/state.safetensors", "checkpoint/best.safetensors", "model.onnx", "model.attribution.onnx"]
    {
        let (a, b) = (std::fs::read(whole.join(file)).unwrap(), std::fs::read(split.join(file)).unwrap());
        assert!(a == b, "{file} differs between the uninterrupted and the resumed run");
    }
}

#[test]
fn the_exported_model_predicts_the_same_in_tract_and_ort_and_matches_its_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    let outcome = fit(options(&out), false, false).unwrap();
    let manifest = Manifest::from_json(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.inputs[0].length, 230);
    assert_eq!(manifest.metrics["validation"].rows, outcome.manifest.metrics["validation"].rows);
    assert!(manifest.inputs[0].flanks.is_some(), "lentiMPRA adapters are found as flanks");
    assert!(out.join("report.html").exists() && out.join("config.toml").exists());

    let model = ModelProto::decode(&std::fs::read(out.join("model.onnx")).unwrap()[..]).unwrap();
    let (x, _, _) = common::lentimpra();
    let n = 8;
    let x = x[..n * 4 * 230].to_vec();
    let mut predictor = regula_train::export::Predictor::new(&model, vec![4, 230], &Default::default()).unwrap();
    let ort = predictor.predict(&x, n).unwrap();
    let tract = common::tract_run(&model, &[(vec![n, 4, 230], x)]).remove(0);
    let d = ort.iter().zip(&tract).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    eprintln!("ORT vs tract on the exported model: max |diff| {d:.2e}");
    assert!(d <= 1e-5, "ORT and tract differ by {d}");

    // `evaluate` re-derives the split from config.toml and reproduces the manifest's metrics.
    let (metrics, _) = evaluate_model(&out, FitOptions::default(), EvalSet::Split, &Default::default()).unwrap();
    assert_eq!(metrics, manifest.metrics);

    // The export's defaults: other lengths in 200 bp tiles between the adapters, a content hash of
    // the graph, units, and the table of its predictions on the rows that chose nothing.
    assert_eq!(
        manifest.inputs[0].default_length_policy,
        regula_core::length::LengthPolicy::FlankedTiles {
            stride: 50,
            left: manifest.inputs[0].flanks.clone().unwrap().left,
            right: manifest.inputs[0].flanks.clone().unwrap().right
        }
    );
    assert_eq!(
        manifest.model_sha256.as_deref(),
        Some(regula_train::model_folder::sha256_hex(&std::fs::read(out.join("model.onnx")).unwrap()).as_str())
    );
    assert_eq!(manifest.targets[0].unit, "as in the training table");
    let q = manifest.targets[0].prediction_quantiles.as_ref().expect("a quantile table");
    assert_eq!((q.split.as_str(), q.rows, q.values.len()), ("validation", manifest.metrics["validation"].rows, 21));
    assert!(q.values.windows(2).all(|w| w[0] <= w[1]));

    // A 200 bp element between the model's own adapters predicts like the 230 bp construct.
    let exported = ModelFolder::load(&out, &Default::default()).unwrap();
    let text = std::fs::read_to_string(data("lentimpra_hepg2_head30.tsv")).unwrap();
    let construct = text.lines().nth(1).unwrap().split('\t').nth(1).unwrap().as_bytes().to_vec();
    let core = construct[15..215].to_vec();
    let items = vec![("construct".to_string(), vec![construct]), ("core".to_string(), vec![core])];
    let p = regula_infer::predict::predict_items(&exported.model, &items, &exported.default_policies()).unwrap();
    assert_eq!(p[1].fitting, Fitting::Tiled { windows: 1, stride: 50 });
    assert_eq!(p[0].values, p[1].values);
}

/// A small CNN classifier of a GUE-style table (`sequence,label`, no ids) with its own validation
/// table.
fn tata_classifier(train: PathBuf, valid: PathBuf, out: &Path) -> FitOptions {
    FitOptions {
        data: Some(train),
        valid_data: Some(valid),
        sequence_column: Some("sequence".into()),
        target_columns: Some(vec!["label".into()]),
        task: Some(regula_train::options::Task::Classification),
        channels: Some(vec![8]),
        kernels: Some(vec![9]),
        pools: Some(vec![4]),
        out: Some(out.to_path_buf()),
        ..Default::default()
    }
}

#[test]
fn a_classifier_on_an_id_less_table_with_its_own_validation_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tata");
    let options = FitOptions {
        epochs: Some(2),
        units: Some(vec!["probability of promoter".into()]),
        ..tata_classifier(data("gue_prom_300_tata_train160.csv"), data("gue_prom_300_tata_dev60.csv"), &out)
    };
    let outcome = fit(options.clone(), false, false).unwrap();
    let m = &outcome.manifest;
    assert_eq!(m.targets[0].unit, "probability of promoter");
    // The quantile table of a classifier holds probabilities.
    let q = m.targets[0].prediction_quantiles.as_ref().unwrap();
    assert!(q.values.iter().all(|p| (0.0..=1.0).contains(p)), "{:?}", q.values);
    let two =
        FitOptions { units: Some(vec!["a".into(), "b".into()]), out: Some(dir.path().join("two")), ..options.clone() };
    assert_eq!(
        fit(two, false, false).unwrap_err().to_string(),
        "--units gives 2 units for 1 targets (label): give one for all, or one per target separated by ';'"
    );
    assert_eq!(m.metrics["validation"].rows, 60, "the dev table is the validation set");
    assert!(m.training.split.starts_with("validation rows from "), "{}", m.training.split);
    assert!(m.metrics["validation"].per_target["label"].contains_key("auroc"));
    assert_eq!(m.output.kind, regula_core::manifest::OutputKind::Classification);
    let (metrics, _) = evaluate_model(&out, FitOptions::default(), EvalSet::Split, &Default::default()).unwrap();
    assert_eq!(metrics, m.metrics, "evaluate rebuilds the same validation set from config.toml");
    // Predictions of a classifier are probabilities.
    let exported = ModelFolder::load(&out, &Default::default()).unwrap();
    let text = std::fs::read_to_string(data("gue_prom_300_tata_dev60.csv")).unwrap();
    let seq = text.lines().nth(1).unwrap().split(',').next().unwrap().as_bytes().to_vec();
    let items = vec![("s".to_string(), vec![seq])];
    let p = regula_infer::predict::predict_items(&exported.model, &items, &exported.default_policies()).unwrap()[0]
        .values[0];
    assert!((0.0..=1.0).contains(&p), "{p}");

    let e = fit(FitOptions { split: Some(regula_train::options::SplitKind::Random), ..options.clone() }, false, false)
        .unwrap_err();
    assert_eq!(e.to_string(), "--valid-data gives the validation rows itself: drop --split and --folds");

    // --test-fraction with --valid-data: a test part of the training table that chose nothing
    let held = dir.path().join("held");
    let options = FitOptions { test_fraction: Some(0.25), out: Some(held.clone()), ..options };
    let m = fit(options, false, false).unwrap().manifest;
    assert_eq!((m.metrics["validation"].rows, m.metrics["test"].rows), (60, 40));
    assert!(
        m.training
            .split
            .contains(", test 0.25 of the table's groups, seed 1: 120 train / 60 validation / 40 test rows"),
        "{}",
        m.training.split
    );
    let (metrics, _) = evaluate_model(&held, FitOptions::default(), EvalSet::Split, &Default::default()).unwrap();
    assert_eq!(metrics, m.metrics, "evaluate rebuilds the same three parts from config.toml");
}

/// Initializers of an exported graph by name.
fn initializers(path: &Path) -> std::collections::BTreeMap<String, Vec<f32>> {
    let model = ModelProto::decode(&std::fs::read(path).unwrap()[..]).unwrap();
    let values = |t: &regula_train::onnx::proto::TensorProto| -> Vec<f32> {
        if t.float_data.is_empty() {
            t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
        } else {
            t.float_data.clone()
        }
    };
    model.graph.unwrap().initializer.iter().filter(|t| t.data_type == 1).map(|t| (t.name.clone(), values(t))).collect()
}

#[test]
fn batch_norm_recalibration_moves_only_the_running_statistics_and_lowers_the_validation_loss() {
    let dir = tempfile::tempdir().unwrap();
    let run = |k: usize, name: &str| {
        let out = dir.path().join(name);
        // One epoch, so both runs export the weights of the same (only) epoch.
        fit(FitOptions { epochs: Some(1), bn_recalibration: Some(k), ..options(&out) }, false, false).unwrap();
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
        let weights = initializers(&out.join("model.onnx"));
        let manifest = Manifest::from_json(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
        let learned: usize = weights.iter().filter(|(n, _)| !n.contains("running")).map(|(_, v)| v.len()).sum();
        assert_eq!(manifest.training.parameters, learned, "the manifest counts the learned weights of the graph");
        (weights, report["history"][0]["valid_loss"].as_f64().unwrap())
    };
    let (lagging, lagging_loss) = run(0, "lagging");
    let (recalibrated, recalibrated_loss) = run(8, "recalibrated");
    assert_eq!(lagging.keys().collect::<Vec<_>>(), recalibrated.keys().collect::<Vec<_>>());
    let mut running = 0;
    for (name, a) in &lagging {
        let b = &recalibrated[name];
        if name.contains("running") {
            running += 1;
            assert_ne!(a, b, "{name}: running statistics re-estimated");
        } else {
            assert_eq!(a, b, "{name}: steps at learning rate 0 leave every weight exactly as it was");
        }
    }
    assert_eq!(running, 4, "mean and variance of two batch norms: {:?}", lagging.keys().collect::<Vec<_>>());
    assert!(
        recalibrated_loss < lagging_loss,
        "validation loss {recalibrated_loss} with re-estimated statistics, {lagging_loss} without"
    );
}

/// Issue 13's rule: no validation or test row's sequence is, in either orientation, a training
/// row's. GUE's tables repeat sequences (prom_300_tata: 10 of its test rows and 12 dev rows are
/// training sequences), so rows that do are left out of the metrics, and the split says how many.
#[test]
fn held_out_rows_that_repeat_a_training_sequence_are_left_out() {
    use regula_core::encode::reverse_complement;
    let dir = tempfile::tempdir().unwrap();
    let rows = |name: &str| -> Vec<(String, String)> {
        let text = std::fs::read_to_string(data(name)).unwrap();
        text.lines().skip(1).map(|l| l.split_once(',').map(|(s, y)| (s.to_string(), y.to_string())).unwrap()).collect()
    };
    let rc = |s: &str| String::from_utf8(reverse_complement(s.as_bytes())).unwrap();
    let write = |name: &str, rows: &[(String, String)]| {
        let path = dir.path().join(name);
        let body: String = rows.iter().map(|(s, y)| format!("{s},{y}\n")).collect();
        std::fs::write(&path, format!("sequence,label\n{body}")).unwrap();
        path
    };
    // The training table repeats every fourth sequence, reverse-complemented, as another row; two
    // dev rows become training sequences (one in lower case, one reverse-complemented).
    let mut train = rows("gue_prom_300_tata_train160.csv");
    let repeats: Vec<_> = train.iter().step_by(4).map(|(s, y)| (rc(s), y.clone())).collect();
    train.extend(repeats);
    let mut dev = rows("gue_prom_300_tata_dev60.csv");
    let mut options = FitOptions {
        test_fraction: Some(0.25),
        epochs: Some(1),
        ..tata_classifier(write("train.csv", &train), write("dev.csv", &dev), &dir.path().join("out"))
    };
    let split_table = |options: &FitOptions| {
        regula_train::fit::split_table::split_table(&regula_train::fit::plan::Plan::resolve(options.clone()).unwrap())
            .unwrap()
    };
    // The training table's rows come first, and the dev table does not move them.
    let in_training: Vec<usize> = split_table(&options)
        .lines()
        .skip(1)
        .enumerate()
        .filter(|(_, l)| l.contains("\ttrain\t"))
        .map(|(i, _)| i)
        .collect();
    dev[0].0 = train[in_training[0]].0.to_lowercase();
    dev[1].0 = rc(&train[in_training[1]].0);
    options.valid_data = Some(write("dev.csv", &dev));
    let table = split_table(&options);
    let parts: Vec<(String, String)> = table
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let s = f[2].to_ascii_uppercase();
            (f[1].to_string(), s.clone().min(rc(&s)))
        })
        .collect();
    let trained: std::collections::HashSet<&str> =
        parts.iter().filter(|(set, _)| set == "train").map(|(_, s)| s.as_str()).collect();
    let count = |want: &str| parts.iter().filter(|(set, _)| set == want).count();
    for (set, s) in &parts {
        assert!(set == "train" || set == "left_out" || !trained.contains(s.as_str()), "a {set} row is trained on");
    }
    let left_out = count("left_out");
    assert!(left_out > 2, "the repeats that fell into the test part are left out too ({left_out})");
    let m = fit(options.clone(), false, false).unwrap().manifest;
    assert_eq!(m.metrics["validation"].rows, 58);
    assert_eq!(m.metrics["test"].rows, count("test"));
    let test_left_out = left_out - 2;
    assert!(
        m.training.split.ends_with(&format!(
            "{} train / 58 validation / {} test rows (2 validation and {test_left_out} test rows left out: \
             a training row has the same sequence, in either orientation)",
            count("train"),
            count("test")
        )),
        "{}",
        m.training.split
    );
    let (metrics, _) =
        evaluate_model(&dir.path().join("out"), FitOptions::default(), EvalSet::Split, &Default::default()).unwrap();
    assert_eq!(metrics, m.metrics, "evaluate leaves out the same rows");
}
