//! The LegNet recipe through the library's `fit` on real lentiMPRA rows: `--preset legnet`,
//! one-cycle schedule, shift augmentation from the construct's flanks, RC averaging; a resumed
//! run ends with exactly the weights of an uninterrupted one; and the trainer keeps one ORT
//! session across epochs when its graph does not change.

mod common;

use std::path::{Path, PathBuf};

use regula_core::manifest::Manifest;
use regula_train::fit::plan::Plan;
use regula_train::fit::{fit, fit_until};
use regula_train::loss::Loss;
use regula_train::model::{Cnn, ConvBlock, LegNet};
use regula_train::model_metrics::{EvalSet, evaluate_model};
use regula_train::ops::activation::Activation;
use regula_train::optim::Optimizer;
use regula_train::options::{FitOptions, Preset, Schedule};
use regula_train::runtime::RuntimeConfig;
use regula_train::train::{Batch, TrainConfig, Trainer};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data").join(name)
}

/// A small LegNet with the published recipe's parts: one-cycle, clipping, RC and flank shifts.
fn options(out: &Path) -> FitOptions {
    FitOptions {
        data: Some(data("lentimpra_hepg2_512.tsv")),
        id_column: Some("seq_id".into()),
        sequence_column: Some("seq".into()),
        target_columns: Some(vec!["mean_value".into()]),
        group_pattern: Some("_Reversed:$".into()),
        valid_fraction: Some(0.2),
        preset: Some(Preset::Legnet),
        channels: Some(vec![8, 12]),
        kernels: Some(vec![3, 3]),
        stem_channels: Some(8),
        stem_kernel: Some(5),
        expand: Some(2),
        schedule: Some(Schedule::OneCycle),
        max_lr: Some(0.01),
        weight_decay: Some(0.1),
        clip_grad_norm: Some(1.0),
        augment_shift: Some(21),
        // The lentiMPRA plasmid around the 230 bp construct (autosome-ru/human_legnet dataset.py).
        flank_left: Some("GGCCCGCTCTAGACCTGCAGG".into()),
        flank_right: Some("CACTAGAGGGTATATAATGGAAGCTCGACTTCCAGCTTGGCAATCCGGTACTGT".into()),
        epochs: Some(3),
        batch_size: Some(64),
        bn_recalibration: Some(2),
        threads: Some(1),
        seed: Some(3),
        out: Some(out.to_path_buf()),
        name: Some("legnet-test".into()),
        ..Default::default()
    }
}

#[test]
fn legnet_recipe_resolves_with_its_defaults() {
    let o = FitOptions { preset: Some(Preset::Legnet), channels: None, kernels: None, ..options(Path::new("x")) };
    let plan = Plan::resolve(o).unwrap();
    assert_eq!(plan.model.channels, [80, 96, 112, 128]);
    assert_eq!(plan.model.kernels, [9; 4]);
    assert_eq!(plan.model.pools, [2; 4]);
    assert_eq!(plan.train.lr, 0.01, "one-cycle peaks at --max-lr");
    let e = Plan::resolve(FitOptions { schedule: None, ..options(Path::new("x")) }).unwrap_err();
    assert!(e.contains("--max-lr"), "{e}");
    let e = Plan::resolve(FitOptions { flank_left: Some("ACGU".into()), ..options(Path::new("x")) }).unwrap_err();
    assert!(e.contains("--flank-left: position 4 is 'U'"), "{e}");
}

#[test]
fn legnet_fits_exports_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, split) = (dir.path().join("whole"), dir.path().join("split"));
    let outcome = fit(options(&whole), false, false).unwrap();
    let manifest = Manifest::from_json(&std::fs::read_to_string(whole.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest.training.architecture.starts_with("Legnet: stem 8 channels kernel 5"));
    assert!(manifest.training.architecture.contains("one-cycle to max lr 0.01"));
    assert!(manifest.training.architecture.contains("shift 21 (filled from 21 + 54 flanking bases)"));
    assert!(manifest.metrics["validation"].per_target["mean_value"]["pearson"].is_finite());
    assert_eq!(outcome.epochs_run, 3);
    per_class_metrics_match_the_reported_predictions(&whole, &manifest);
    let (metrics, _) = evaluate_model(&whole, FitOptions::default(), EvalSet::Split, &Default::default()).unwrap();
    assert_eq!(metrics, manifest.metrics, "`evaluate` reproduces the per-class metrics too");

    assert!(fit_until(options(&split), false, false, Some(2)).unwrap().is_none());
    fit(options(&split), true, false).unwrap();
    for file in ["checkpoint/state.safetensors", "checkpoint/best.safetensors", "model.onnx"] {
        let (a, b) = (std::fs::read(whole.join(file)).unwrap(), std::fs::read(split.join(file)).unwrap());
        assert!(a == b, "{file} differs between the uninterrupted and the resumed run");
    }
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let (vx, vy): (f64, f64) = (x.iter().map(|a| (a - mx).powi(2)).sum(), y.iter().map(|b| (b - my).powi(2)).sum());
    cov / (vx * vy).sqrt()
}

/// The per-class sections of the manifest (`validation: promoters (ENSG*)`, ...) against the
/// validation predictions of `report.json`, classed by the ids of the split table (same order).
fn per_class_metrics_match_the_reported_predictions(out: &Path, manifest: &Manifest) {
    let table = regula_train::fit::split_table::split_table(&Plan::resolve(options(out)).unwrap()).unwrap();
    let ids: Vec<&str> = table
        .lines()
        .skip(1)
        .filter(|l| l.split('\t').nth(1) == Some("valid"))
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let values = &report["predictions"]["validation"]["mean_value"];
    let column = |k: &str| -> Vec<f64> { values[k].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect() };
    let (measured, predicted) = (column("measured"), column("predicted"));
    assert_eq!(ids.len(), measured.len());
    let mut classed = 0;
    for (prefix, class) in
        [("ENSG", "promoters (ENSG*)"), ("DNasePeakNoPromoter", "candidate enhancers (DNasePeakNoPromoter*)")]
    {
        let rows: Vec<usize> = (0..ids.len()).filter(|&i| ids[i].starts_with(prefix)).collect();
        assert!(rows.len() >= 2, "{class}: {} validation rows", rows.len());
        let section = &manifest.metrics[&format!("validation: {class}")];
        assert_eq!(section.rows, rows.len());
        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let expected = pearson(&pick(&measured), &pick(&predicted));
        let got = section.per_target["mean_value"]["pearson"];
        assert!((got - expected).abs() < 1e-9, "{class}: pearson {got} vs {expected} from report.json");
        assert_eq!(report["metrics"][format!("validation: {class}")]["mean_value"]["pearson"].as_f64(), Some(got));
        classed += rows.len();
    }
    assert_eq!(classed, ids.len(), "every row of this table is a promoter or a candidate enhancer");
    assert!(!manifest.metrics.contains_key("validation: controls"), "no control rows, no controls section");
    let card = std::fs::read_to_string(out.join("MODEL_CARD.md")).unwrap();
    assert!(card.contains("### validation: promoters (ENSG*) ("), "{card}");
}

fn batch_steps<M: regula_train::model::Model>(t: &mut Trainer<M>, n: usize) -> Vec<f32> {
    let (x, y, _) = common::lentimpra();
    let b = 16;
    (0..n)
        .map(|i| {
            let rows = i * b..(i + 1) * b;
            let batch = Batch { x: &x[rows.start * 4 * 230..rows.end * 4 * 230], y: &y[rows], weight: None, n: b };
            t.step(&batch).unwrap()
        })
        .collect()
}

#[test]
fn restart_keeps_the_session_unless_the_graph_changes() {
    let config = |seed| TrainConfig {
        loss: Loss::Mse,
        optimizer: Optimizer::adamw(1e-3),
        runtime: RuntimeConfig { threads: 1, ..Default::default() },
        seed,
    };
    let legnet = LegNet {
        seq_len: 230,
        stem_channels: 8,
        stem_kernel: 5,
        stages: vec![8],
        kernels: vec![3],
        pools: vec![2],
        expand: 2,
        se_reduction: 2,
        outputs: 1,
    };
    let mut a = Trainer::new(legnet.clone(), config(1)).unwrap();
    batch_steps(&mut a, 2);
    let snap = a.snapshot().unwrap();
    // No random op: the graph of the next epoch's seed is the same graph.
    a.restart(snap.clone(), config(2)).unwrap();
    assert_eq!(a.sessions_built(), 1);
    let mut b = Trainer::from_snapshot(legnet, snap, config(2)).unwrap();
    assert_eq!(batch_steps(&mut a, 3), batch_steps(&mut b, 3), "a restarted trainer steps like a fresh one");

    // Dropout's seed is part of the graph: a new seed needs a new session.
    let cnn = Cnn {
        seq_len: 230,
        blocks: vec![ConvBlock { channels: 4, kernel: 5, dilation: 1, pool: Some(4) }],
        activation: Activation::Relu,
        dropout: 0.3,
        outputs: 1,
    };
    let mut c = Trainer::new(cnn, config(1)).unwrap();
    let snap = c.snapshot().unwrap();
    c.restart(snap.clone(), config(1)).unwrap();
    assert_eq!(c.sessions_built(), 1);
    c.restart(snap, config(2)).unwrap();
    assert_eq!(c.sessions_built(), 2);
}
