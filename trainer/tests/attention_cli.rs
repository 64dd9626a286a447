//! `regula-train attention` and `regula-train ism --partner-input`, run as a user runs them: a
//! small `cnn-attention` model trained here by `fit`, whose attention map the command prints (rows
//! summing to 1, positions in bases) as the inference layer computes it; the committed `attn1`
//! fixture's map equal to ONNX Runtime's weights on its whole graph; the errors; and a two-segment
//! model's mutagenesis of both segments, a cropped segment's unread bases left out.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use regula_train::fit::fit;
use regula_train::model_folder::ModelFolder;
use regula_train::options::Preset;

mod common;
use common::data;

const BIN: &str = env!("CARGO_BIN_EXE_regula-train");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../infer/tests/fixtures");

fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(BIN).args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

fn rows(tsv: &str) -> Vec<HashMap<String, String>> {
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split('\t').map(String::from)).collect()).collect()
}

/// A fixture model (`NAME.onnx` + `NAME.manifest.json`) as a model folder.
fn fixture_folder(name: &str, dir: &Path) -> String {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(format!("{FIXTURES}/{name}.onnx"), dir.join(format!("{name}.onnx"))).unwrap();
    std::fs::copy(format!("{FIXTURES}/{name}.manifest.json"), dir.join("manifest.json")).unwrap();
    dir.display().to_string()
}

fn first_sequence(dir: &Path) -> (String, String) {
    let text = std::fs::read_to_string(data("lentimpra_hepg2_head30.tsv")).unwrap();
    let row: Vec<&str> = text.lines().nth(1).unwrap().split('\t').collect();
    let fa = dir.join("one.fa");
    std::fs::write(&fa, format!(">{}\n{}\n", row[0], row[1])).unwrap();
    (fa.display().to_string(), row[1].to_string())
}

#[test]
fn a_cnn_attention_model_trained_by_fit_prints_its_attention_map() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("attn");
    let options = regula_train::options::FitOptions {
        preset: Some(Preset::CnnAttention),
        channels: Some(vec![8, 8]),
        kernels: Some(vec![9, 5]),
        pools: Some(vec![4, 2]),
        attention_heads: Some(2),
        ..common::small_lentimpra_cnn(&out, 1)
    };
    fit(options, false, false).unwrap();
    let (fa, seq) = first_sequence(dir.path());
    let (code, stdout, stderr) =
        run(&["attention", "--model", out.to_str().unwrap(), "--input", &fa, "--threads", "1"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(
        "id\thead\tquery\tkey\tquery_first_base\tquery_last_base\tkey_first_base\tkey_last_base\tweight\n"
    ));
    let rows = rows(&stdout);
    // 230 bp through pools of 4 and 2: 28 positions of 8 bases; heads 1, 2 and their mean.
    assert_eq!(rows.len(), 3 * 28 * 28);
    let weight = |r: &HashMap<String, String>| r["weight"].parse::<f64>().unwrap();
    for head in ["1", "2", "mean"] {
        for q in 1..=28 {
            let sum: f64 = rows.iter().filter(|r| r["head"] == head && r["query"] == q.to_string()).map(weight).sum();
            assert!((sum - 1.0).abs() < 1e-5, "head {head} query {q}: the row sums to {sum}");
        }
    }
    let r = rows.iter().find(|r| r["query"] == "3" && r["key"] == "28").unwrap();
    assert_eq!(
        [&r["query_first_base"], &r["query_last_base"], &r["key_first_base"], &r["key_last_base"]],
        ["17", "24", "217", "224"]
    );
    // The same numbers as the inference layer in this process.
    let folder = ModelFolder::load(&out, &Default::default()).unwrap();
    let policy = folder.default_policies().remove(0);
    let map = regula_infer::attention::attention_map(&folder.model, seq.as_bytes(), &policy, 0, 0).unwrap();
    for r in rows.iter().filter(|r| r["head"] == "2") {
        let (q, k): (usize, usize) = (r["query"].parse().unwrap(), r["key"].parse().unwrap());
        let want = map.per_head[28 * 28 + (q - 1) * 28 + k - 1] as f64;
        assert!((weight(r) - want).abs() < 1e-6, "head 2 {q}→{k}");
    }
}

#[test]
fn the_attention_map_of_the_fixture_equals_onnx_runtime_on_the_whole_graph() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_folder("attn1", &dir.path().join("attn1"));
    let (fa, _) = first_sequence(dir.path());
    let (code, stdout, stderr) = run(&["attention", "--model", &model, "--input", &fa, "--threads", "1"]);
    assert_eq!(code, 0, "{stderr}");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/attn1.expected.json")).unwrap()).unwrap();
    let want = expected["sequences"][0]["weights"].as_array().unwrap();
    let rows = rows(&stdout);
    for r in rows.iter().filter(|r| r["head"] != "mean") {
        let (h, q, k): (usize, usize, usize) =
            (r["head"].parse().unwrap(), r["query"].parse().unwrap(), r["key"].parse().unwrap());
        let w = want[(h - 1) * 28 * 28 + (q - 1) * 28 + k - 1].as_f64().unwrap();
        assert!((r["weight"].parse::<f64>().unwrap() - w).abs() < 1e-6, "head {h} {q}→{k}");
    }
    // Errors: a model without attention, a window that does not exist, a flag that does not apply.
    let plain = fixture_folder("mpra1", &dir.path().join("mpra1"));
    let (code, _, stderr) = run(&["attention", "--model", &plain, "--input", &fa]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr.trim(),
        format!(
            "regula-train: {plain}: this model has no attention block (no Softmax whose weights multiply the values in a MatMul), so there is no attention map to show; models trained with the cnn-attention preset have one"
        )
    );
    let (code, _, stderr) = run(&["attention", "--model", &model, "--input", &fa, "--window", "2"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("window 2 does not exist: the length policy reads this 230 bp sequence in 1 window"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["attention", "--model", &model, "--input", &fa, "--rc-average"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--rc-average does not apply to attention maps"), "{stderr}");
}

#[test]
fn mutagenesis_of_a_two_segment_model_covers_both_segments_and_leaves_out_what_it_does_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_folder("dual", &dir.path().join("dual"));
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/dual.expected.json")).unwrap()).unwrap();
    let pair = &expected["pairs"][0];
    let (promoter, distal) = (pair["promoter"].as_str().unwrap(), pair["distal"].as_str().unwrap());
    // The distal sequence with 20 more bases each side: cropped back to its 80 bp window.
    let long = format!("{}{distal}{}", &promoter[..20], &promoter[20..40]);
    let (p, d) = (dir.path().join("p.fa"), dir.path().join("d.fa"));
    std::fs::write(&p, format!(">pair\n{promoter}\n")).unwrap();
    std::fs::write(&d, format!(">distal\n{long}\n")).unwrap();
    let (code, stdout, stderr) =
        run(&["ism", "--model", &model, "--input", p.to_str().unwrap(), "--partner-input", d.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("id\tsegment\tposition\tref\talt\ttarget\treference_prediction\teffect\n"));
    let rows = rows(&stdout);
    let positions = |segment: &str| -> Vec<usize> {
        let mut v: Vec<usize> =
            rows.iter().filter(|r| r["segment"] == segment).map(|r| r["position"].parse().unwrap()).collect();
        v.dedup();
        v
    };
    assert_eq!(positions("promoter"), (1..=120).collect::<Vec<_>>());
    assert_eq!(positions("distal"), (21..=100).collect::<Vec<_>>(), "the distal bases the model reads");
    assert_eq!(rows.len(), (120 + 80) * 3 * 2);
    // The native mutants of the fixture: the distal ones sit 20 bases further along here.
    for mu in expected["mutations"].as_array().unwrap() {
        let (segment, pos) = (mu["segment"].as_str().unwrap(), mu["position"].as_u64().unwrap() as usize);
        let pos = if segment == "distal" { pos + 20 } else { pos };
        let got = rows
            .iter()
            .find(|r| {
                r["segment"] == segment
                    && r["position"] == pos.to_string()
                    && r["alt"] == mu["alternate"].as_str().unwrap()
                    && r["target"] == "activity"
            })
            .unwrap();
        let want = mu["effects"][0].as_f64().unwrap();
        assert!((got["effect"].parse::<f64>().unwrap() - want).abs() < 1e-5, "{segment} {pos}");
    }
    let (code, _, stderr) = run(&["ism", "--model", &model, "--input", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("give the distal sequences with --partner-input"), "{stderr}");
}
