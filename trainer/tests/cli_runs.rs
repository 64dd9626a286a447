//! Whole runs of the `regula-train` binary that must succeed and say what they did: `fit --out`
//! replacing a model only with `--force` and only once the new one is complete, `--resume`
//! continuing a killed run's work folder, `evaluate` warning about rows the model trained on,
//! and `fit` naming the FASTA records it leaves out.

use std::path::Path;
use std::process::Command;

use regula_core::manifest::Manifest;

const BIN: &str = env!("CARGO_BIN_EXE_regula-train");

mod common;
use common::data;

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(BIN).args(args).current_dir(dir).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

/// A small, quick run on 512 lentiMPRA rows.
fn fit_args(out: &str) -> Vec<String> {
    let table = data("lentimpra_hepg2_512.tsv").display().to_string();
    [
        "fit",
        "--data",
        &table,
        "--id-column",
        "seq_id",
        "--sequence-column",
        "seq",
        "--target-columns",
        "mean_value",
        "--channels",
        "8",
        "--kernels",
        "9",
        "--pools",
        "4",
        "--epochs",
        "1",
        "--batch-size",
        "64",
        "--quiet",
        "--out",
        out,
    ]
    .map(String::from)
    .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn fit_replaces_a_model_only_with_force_and_records_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(dir.path(), &strs(&fit_args("model")));
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    // Without a group pattern, most validation rows have their other orientation in training:
    // those are left out, and the split says so.
    assert!(
        out.starts_with(
            "best epoch 1 of 1 run; model written to model\nsplit: random rows, validation 0.1, test 0, seed 1: \
             461 train / 8 validation / 0 test rows (43 validation and 0 test rows left out: a training row has the \
             same sequence, in either orientation)\n"
        ),
        "{out}"
    );
    let names = |p: &Path| {
        let mut v: Vec<String> =
            std::fs::read_dir(p).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    };
    assert_eq!(names(dir.path()), vec!["model"], "no lock, work folder or temporary file is left");
    let first = std::fs::read(dir.path().join("model/model.onnx")).unwrap();

    // Into the finished model: refused, nothing touched.
    let (code, _, err) = run(dir.path(), &strs(&fit_args("model")));
    assert_eq!(code, 1);
    assert!(err.starts_with("regula-train: --out model already holds files (MODEL_CARD.md, checkpoint, config.toml, manifest.json, …); pass --force"), "{err}");
    assert_eq!(std::fs::read(dir.path().join("model/model.onnx")).unwrap(), first);

    // With --force and another seed: replaced whole, once complete.
    let mut args = fit_args("model");
    args.extend(["--force", "--seed", "7"].map(String::from));
    let (code, _, err) = run(dir.path(), &strs(&args));
    assert_eq!((code, err.as_str()), (0, ""));
    let second = std::fs::read(dir.path().join("model/model.onnx")).unwrap();
    assert_ne!(second, first);
    assert_eq!(names(dir.path()), vec!["model"]);
    // `inspect` checks the file against the manifest's hash.
    let (code, out, _) = run(dir.path(), &["inspect", "model"]);
    assert_eq!(code, 0);
    let manifest = std::fs::read_to_string(dir.path().join("model/manifest.json")).unwrap();
    let manifest = Manifest::from_json(&manifest).unwrap();
    let line = match &manifest.model_sha256 {
        Some(h) => format!("model.onnx SHA-256 {h} (checked)"),
        None => "model.onnx SHA-256 not recorded in the manifest (exported before hashes were)".to_string(),
    };
    assert!(out.ends_with(&format!("{line}\n")), "{out}");
}

#[test]
fn a_killed_run_leaves_the_old_model_and_resumes_from_its_work_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    let options = |epochs: usize| common::small_lentimpra_cnn(&out, epochs);
    regula_train::fit::fit(options(1), false, false).unwrap();
    let old = std::fs::read(out.join("model.onnx")).unwrap();
    // A second run into the same folder, killed after its first of two epochs.
    assert!(regula_train::fit::fit_until(options(2), false, false, Some(1)).unwrap().is_none());
    assert_eq!(std::fs::read(out.join("model.onnx")).unwrap(), old, "the old model is whole");
    assert!(dir.path().join(".model.partial/checkpoint/loop.json").exists(), "the new run's work is kept beside it");
    assert!(!dir.path().join(".model.lock").exists(), "the lock went with the run");
    regula_train::fit::fit(options(2), true, false).unwrap();
    assert!(!dir.path().join(".model.partial").exists());
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("checkpoint/loop.json")).unwrap()).unwrap();
    assert_eq!(state["epochs_done"], 2, "resumed at epoch 2, not started over");
}

#[test]
fn evaluate_warns_when_its_rows_are_the_training_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(dir.path(), &strs(&fit_args("model")));
    assert_eq!((code, err.as_str()), (0, ""));
    // The model's own split: no warning.
    let (code, _, err) = run(dir.path(), &["evaluate", "--model", "model"]);
    assert_eq!((code, err.as_str()), (0, ""));
    // The same table given again with every row evaluated: the training rows are in it.
    let table = data("lentimpra_hepg2_512.tsv").display().to_string();
    let (code, out, err) = run(dir.path(), &["evaluate", "--model", "model", "--data", &table, "--rows", "all"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"all\""), "{out}");
    let line = err.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("regula-train: warning: ")
            && line.contains(" of the 512 all rows have the sequence of a row the model trained on (e.g. ")
            && line.ends_with("); their metrics overstate how the model does on new sequences"),
        "{err}"
    );
}

#[test]
fn fit_names_fasta_records_without_a_target_row() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("lentimpra_hepg2_512.tsv")).unwrap();
    let mut fasta = String::new();
    let mut targets = String::from("id\ty\n");
    for (i, line) in text.lines().skip(1).take(120).enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        fasta += &format!(">r{i}\n{}\n", f[1]);
        if i >= 3 {
            targets += &format!("r{i}\t{}\n", f[2]);
        }
    }
    std::fs::write(dir.path().join("s.fa"), fasta).unwrap();
    std::fs::write(dir.path().join("y.tsv"), targets).unwrap();
    let args = [
        "fit",
        "--fasta",
        "s.fa",
        "--targets",
        "y.tsv",
        "--target-columns",
        "y",
        "--channels",
        "4",
        "--kernels",
        "5",
        "--pools",
        "4",
        "--epochs",
        "1",
        "--quiet",
        "--out",
        "model",
    ];
    let (code, _, err) = run(dir.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err,
        "regula-train: warning: 3 of the 120 records of s.fa have no row in y.tsv and are left out (r0, r1, r2)\n"
    );
}

#[test]
fn flanked_tiles_with_a_stride_is_accepted_by_predict_and_ism() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(dir.path(), &strs(&fit_args("m")));
    assert_eq!(code, 0, "{stderr}");
    // A 300 bp element: longer than the model's 200 bp between its adapters.
    let element: String = (0..300).map(|i| ['A', 'C', 'G', 'T'][(i * 7 + i / 3) % 4]).collect();
    std::fs::write(dir.path().join("e.fa"), format!(">e\n{element}\n")).unwrap();
    let policy = ["--length-policy", "flanked-tiles", "--stride", "20"];
    let (code, out, stderr) = run(dir.path(), &[&["predict", "--model", "m", "--input", "e.fa"][..], &policy].concat());
    assert_eq!((code, out.lines().count()), (0, 2), "{stderr}{out}");
    let (code, out, stderr) = run(dir.path(), &[&["ism", "--model", "m", "--input", "e.fa"][..], &policy].concat());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out.lines().filter(|l| !l.starts_with('#')).count(), 1 + 3 * 300, "a row per substitution");
}

#[test]
fn a_model_predicts_by_default_on_the_strands_its_metrics_were_measured_on() {
    // `fit` evaluates on the mean of both strands unless told otherwise, and its manifest says
    // so; `predict`, `ism` and `score-variants` then average both strands by default, exactly
    // as `--rc-average` does, and `--rc-average false` reads the forward strand only.
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(dir.path(), &strs(&fit_args("m")));
    assert_eq!(code, 0, "{stderr}");
    let manifest = Manifest::from_json(&std::fs::read_to_string(dir.path().join("m/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.strands, regula_core::manifest::Strands::Both);
    let element: String = (0..180).map(|i| ['A', 'C', 'G', 'T'][(i * 7 + i / 3) % 4]).collect();
    std::fs::write(dir.path().join("e.fa"), format!(">e\n{element}\n")).unwrap();
    for command in ["predict", "ism"] {
        let out = |extra: &[&str]| {
            let (code, out, stderr) =
                run(dir.path(), &[&[command, "--model", "m", "--input", "e.fa"][..], extra].concat());
            assert_eq!(code, 0, "{command} {extra:?}: {stderr}");
            out
        };
        let default = out(&[]);
        assert_eq!(default, out(&["--rc-average"]), "{command}");
        assert_eq!(default, out(&["--rc-average", "true"]), "{command}");
        assert_ne!(default, out(&["--rc-average", "false"]), "{command}");
    }
    let (code, _, stderr) = run(dir.path(), &["predict", "--model", "m", "--input", "e.fa", "--rc-average", "both"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("invalid value 'both' for '--rc-average [<BOOL>]'"), "{stderr}");
}
