//! Training on targets with holes (`fit --mask-missing`) and the table that has them
//! (`join-tables`): the loss counts only measured cells, whatever value a missing cell holds;
//! the joined table keeps every single-task test row in its test part and no test element in
//! training; a masked fit scores each target on the rows that measure it; and the errors.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use regula_core::encode::reverse_complement;
use regula_core::manifest::Manifest;
use regula_train::fit::fit;
use regula_train::loss::Loss;
use regula_train::model::{Cnn, ConvBlock};
use regula_train::ops::activation::Activation;
use regula_train::optim::Optimizer;
use regula_train::options::FitOptions;
use regula_train::runtime::RuntimeConfig;
use regula_train::train::{Batch, TrainConfig, Trainer};

const BIN: &str = env!("CARGO_BIN_EXE_regula-train");
const L: usize = 230;
const N: usize = 8;

fn trainer(optimizer: Optimizer) -> Trainer<Cnn> {
    let model = Cnn {
        seq_len: L,
        blocks: vec![ConvBlock { channels: 8, kernel: 9, dilation: 1, pool: Some(4) }],
        activation: Activation::Gelu,
        dropout: 0.0,
        outputs: 2,
    };
    let config = TrainConfig {
        loss: Loss::Mse,
        optimizer,
        runtime: RuntimeConfig { threads: 1, ..Default::default() },
        seed: 5,
    };
    Trainer::new(model, config).unwrap()
}

/// Eight rows, two targets; target 1 is missing on even rows, target 0 on row 3.
fn batch_with_holes(missing_value: f32) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (x, y, _) = common::lentimpra();
    let mut targets = Vec::new();
    let mut measured = Vec::new();
    for (r, &v) in y[..N].iter().enumerate() {
        for (k, value) in [v, 0.5 - v].into_iter().enumerate() {
            let here = !((k == 1 && r % 2 == 0) || (k == 0 && r == 3));
            targets.push(if here { value } else { missing_value });
            measured.push(if here { 1.0 } else { 0.0 });
        }
    }
    (x[..N * 4 * L].to_vec(), targets, measured)
}

#[test]
fn the_masked_loss_is_the_mean_over_measured_cells() {
    let (x, y, measured) = batch_with_holes(0.0);
    // At learning rate 0 nothing moves, so each step sees the same predictions: a weight that
    // selects one cell gives that cell's loss.
    let mut t = trainer(Optimizer::Sgd { lr: 0.0, momentum: 0.0, weight_decay: 0.0 });
    let cell_loss: Vec<f32> = (0..2 * N)
        .map(|c| {
            let w: Vec<f32> = (0..2 * N).map(|j| if j == c { 1.0 } else { 0.0 }).collect();
            t.step_with_lr(&Batch { x: &x, y: &y, weight: Some(&w), n: N }, 0.0).unwrap()
        })
        .collect();
    let kept: Vec<f32> = cell_loss.iter().zip(&measured).filter(|(_, m)| **m > 0.0).map(|(l, _)| *l).collect();
    assert_eq!(kept.len(), 2 * N - 5);
    let by_hand = kept.iter().sum::<f32>() / kept.len() as f32;
    let masked = t.step_with_lr(&Batch { x: &x, y: &y, weight: Some(&measured), n: N }, 0.0).unwrap();
    assert!((masked - by_hand).abs() <= 1e-5 * by_hand.abs().max(1.0), "masked {masked} vs by hand {by_hand}");
    let all = t.step_with_lr(&Batch { x: &x, y: &y, weight: None, n: N }, 0.0).unwrap();
    assert!((all - by_hand).abs() > 1e-3, "the mask must change the loss ({all} vs {by_hand})");
}

#[test]
fn a_missing_cell_moves_no_weight_whatever_it_holds() {
    let step = |missing_value: f32| {
        let (x, y, measured) = batch_with_holes(missing_value);
        let mut t = trainer(Optimizer::adamw(1e-2));
        let loss = t.step(&Batch { x: &x, y: &y, weight: Some(&measured), n: N }).unwrap();
        let params: Vec<(String, Vec<f32>)> =
            t.params().unwrap().iter().map(|(name, p)| (name.to_string(), p.data.clone())).collect();
        (loss, params)
    };
    let (loss_zero, after_zero) = step(0.0);
    let (loss_far, after_far) = step(1000.0);
    assert_eq!(loss_zero, loss_far);
    assert_eq!(after_zero, after_far, "a missing cell's value reached the gradient");
    // …while the measured cells did move the weights.
    let mut fresh = trainer(Optimizer::adamw(1e-2));
    let before: Vec<(String, Vec<f32>)> =
        fresh.params().unwrap().iter().map(|(name, p)| (name.to_string(), p.data.clone())).collect();
    assert_ne!(before, after_zero);
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(BIN).args(args).current_dir(dir).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

/// A single-task run's config over one of the tests/data slices, as models/*/train.toml.
fn config(dir: &Path, name: &str, table: &str, group_pattern: &str) -> String {
    let path = dir.join(format!("{name}.toml"));
    let text = format!(
        "data = \"{}\"\nid_column = \"seq_id\"\nsequence_column = \"seq\"\ntarget_columns = [\"mean_value\"]\n\
         group_pattern = '{group_pattern}'\nvalid_fraction = 0.2\ntest_fraction = 0.2\nseed = 3\nname = \"{name}\"\nout = \"{name}-model\"\n",
        common::data(table).display()
    );
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn read_tsv(text: &str) -> Vec<HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split('\t').map(String::from)).collect()).collect()
}

/// The element of a lentiMPRA construct (between its 15 bp adapters), either orientation.
fn element(sequence: &str) -> Vec<u8> {
    let core = sequence.as_bytes()[15..sequence.len() - 15].to_vec();
    core.clone().min(reverse_complement(&core))
}

#[test]
fn joined_tables_keep_every_test_row_held_out_and_a_masked_fit_scores_each_target_on_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hepg2 = config(d, "hepg2", "lentimpra_joint_hepg2.tsv", "_Reversed:$");
    let wtc11 = config(d, "wtc11", "lentimpra_joint_wtc11.tsv", "(_[FR]|_shuffled_[0-9]+)$");
    let join = ["join-tables", "--config", &hepg2, "--config", &wtc11, "--to", "joint.tsv"];
    let (code, out, err) = run(d, &join);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("269 rows (24 measured in more than one table, merged into one row each)\n"), "{out}");
    let joint = read_tsv(&std::fs::read_to_string(d.join("joint.tsv")).unwrap());
    assert_eq!(joint.len(), 269);
    let part: HashMap<&str, &str> = joint.iter().map(|r| (r["sequence"].as_str(), r["split"].as_str())).collect();

    let mut moved_in_words = 0;
    for (name, config) in [("hepg2", &hepg2), ("wtc11", &wtc11)] {
        let (code, own, err) = run(d, &["split", "--config", config]);
        assert_eq!(code, 0, "{err}");
        let own = read_tsv(&own);
        let value: HashMap<&str, &str> = joint.iter().map(|r| (r["sequence"].as_str(), r[name].as_str())).collect();
        let mut moved = 0;
        for row in &own {
            // Every row keeps its value, and no row is less held out than in its own split.
            assert_eq!(
                value[row["sequence"].as_str()].parse::<f64>().unwrap(),
                row["mean_value"].parse::<f64>().unwrap()
            );
            let rank = |p: &str| ["train", "valid", "test"].iter().position(|q| *q == p).unwrap();
            let (was, is) = (rank(&row["set"]), rank(part[row["sequence"].as_str()]));
            assert!(is >= was, "{name} row {} went from {} to a less held-out part", row["id"], row["set"]);
            moved += usize::from(is != was);
        }
        assert_eq!(joint.iter().filter(|r| !r[name].is_empty()).count(), own.len());
        let line = out.lines().find(|l| l.starts_with(&format!("{name}: "))).unwrap();
        assert!(line.starts_with(&format!("{name}: {} rows, {moved} moved part", own.len())), "{line}");
        moved_in_words += moved;
    }
    assert!(moved_in_words > 0, "the slices share elements whose parts differ: {out}");
    // No element is in two parts, in either orientation.
    let mut element_part: HashMap<Vec<u8>, &str> = HashMap::new();
    for r in &joint {
        let p = element_part.entry(element(&r["sequence"])).or_insert(r["split"].as_str());
        assert_eq!(*p, r["split"], "element of {} is in two parts", r["id"]);
    }

    // The table is not replaced without --force.
    let (code, _, err) = run(d, &join);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        "regula-train: --to: joint.tsv already exists; pass --force to replace it when the run ends (it stays as it is until then), or choose another name"
    );
    let forced: Vec<&str> = join.iter().copied().chain(["--force"]).collect();
    assert_eq!(run(d, &forced).0, 0);

    // Without --mask-missing the holes are refused, naming the flag.
    let options = FitOptions {
        data: Some(d.join("joint.tsv")),
        id_column: Some("id".into()),
        sequence_column: Some("sequence".into()),
        target_columns: Some(vec!["hepg2".into(), "wtc11".into()]),
        split: Some(regula_train::options::SplitKind::Column),
        split_column: Some("split".into()),
        channels: Some(vec![8]),
        kernels: Some(vec![9]),
        pools: Some(vec![4]),
        epochs: Some(1),
        batch_size: Some(64),
        threads: Some(1),
        out: Some(d.join("joint-model")),
        ..Default::default()
    };
    let first_hole = joint.iter().position(|r| r["hepg2"].is_empty() || r["wtc11"].is_empty()).unwrap();
    let r = &joint[first_hole];
    let missing = if r["hepg2"].is_empty() { "hepg2" } else { "wtc11" };
    let e = fit(options.clone(), false, false).unwrap_err().to_string().replace(&d.display().to_string(), "DIR");
    assert_eq!(
        e,
        format!(
            "DIR/joint.tsv, line {}: row '{}': target '{missing}' is missing (NaN); fix the value, pass --skip-bad to leave the row out, or pass --mask-missing to train each target on the rows that measure it",
            first_hole + 2,
            r["id"]
        )
    );

    // With it, each target is scored on the test rows that measure it.
    let outcome = fit(FitOptions { mask_missing: Some(true), ..options }, false, false).unwrap();
    let test: Vec<&HashMap<String, String>> = joint.iter().filter(|r| r["split"] == "test").collect();
    let m = &outcome.manifest.metrics["test"];
    assert_eq!(m.rows, test.len());
    for name in ["hepg2", "wtc11"] {
        let measured = test.iter().filter(|r| !r[name].is_empty()).count();
        assert!(measured < test.len());
        assert_eq!(m.target_rows[name], measured, "{name}");
        assert!(m.per_target[name]["pearson"].is_finite());
        let q =
            outcome.manifest.targets.iter().find(|t| t.name == name).unwrap().prediction_quantiles.as_ref().unwrap();
        assert_eq!(q.rows, measured, "{name}: percentiles over the rows that measure it");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("joint-model/report.json")).unwrap()).unwrap();
    for name in ["hepg2", "wtc11"] {
        let n = report["predictions"]["test"][name]["measured"].as_array().unwrap().len();
        assert_eq!(report["target_rows"]["test"][name].as_u64().unwrap() as usize, n);
        assert_eq!(n, m.target_rows[name]);
    }
    let manifest = Manifest::from_json(&std::fs::read_to_string(d.join("joint-model/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.metrics["test"].target_rows, m.target_rows);
    let card = std::fs::read_to_string(d.join("joint-model/MODEL_CARD.md")).unwrap();
    assert!(card.contains(&format!("| hepg2 | {} | ", m.target_rows["hepg2"])), "{card}");
}

#[test]
fn a_row_that_measures_no_target_is_refused_even_with_the_mask() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t.tsv");
    let rows: String = (0..8)
        .map(|i| format!("r{i}\t{}\t{}\t{}\n", ["ACGTACGT", "TTGCAACG"][i % 2], i, if i % 2 == 0 { "" } else { "1.5" }))
        .collect();
    std::fs::write(&table, format!("id\tseq\ta\tb\n{rows}r8\tACGTACGT\tNA\t\n")).unwrap();
    let options = FitOptions {
        data: Some(table),
        id_column: Some("id".into()),
        sequence_column: Some("seq".into()),
        target_columns: Some(vec!["a".into(), "b".into()]),
        mask_missing: Some(true),
        out: Some(dir.path().join("out")),
        ..Default::default()
    };
    let e = fit(options, false, false).unwrap_err().to_string().replace(&dir.path().display().to_string(), "DIR");
    assert_eq!(
        e,
        "DIR/t.tsv, line 10: row 'r8': no target is measured (a, b are all missing); a row must measure at least one target: fix the values or pass --skip-bad to leave the row out"
    );
}

#[test]
fn join_tables_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hepg2 = config(d, "hepg2", "lentimpra_joint_hepg2.tsv", "_Reversed:$");
    let wtc11 = config(d, "wtc11", "lentimpra_joint_wtc11.tsv", "(_[FR]|_shuffled_[0-9]+)$");
    let refused = |args: &[&str]| {
        let (code, _, err) = run(d, args);
        assert_eq!(code, 1, "{err}");
        assert!(!d.join("j.tsv").exists(), "nothing is written");
        err.trim().to_string()
    };
    assert_eq!(
        refused(&["join-tables", "--config", &hepg2, "--to", "j.tsv"]),
        "regula-train: join-tables needs at least two configs"
    );
    assert_eq!(
        refused(&["join-tables", "--config", &hepg2, "--config", &hepg2, "--to", "j.tsv"]),
        "regula-train: two configs are named 'hepg2'; name the target columns with --names"
    );
    assert_eq!(
        refused(&["join-tables", "--config", &hepg2, "--config", &wtc11, "--names", "a", "--to", "j.tsv"]),
        "regula-train: --names gives 1 names for 2 configs"
    );
}
