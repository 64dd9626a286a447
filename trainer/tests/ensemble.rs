//! `regula-train ensemble`: the averaged graph predicts the mean of its members (and its
//! attribution graph their mean gradient), scans as fast as they do, its metrics are those `evaluate` computes on the
//! members' shared split, and members of another split are refused.

mod common;

use regula_core::length::LengthPolicy;
use regula_infer::ism::{IsmRun, Method};
use regula_train::ensemble::{EnsemblePlan, build};
use regula_train::fit::fit;
use regula_train::model_folder::ModelFolder;
use regula_train::model_metrics::{EvalSet, evaluate_model};
use regula_train::options::FitOptions;
use regula_train::runtime::RuntimeConfig;

fn options(out: &std::path::Path, seed: u64, split_seed: Option<u64>) -> FitOptions {
    FitOptions {
        group_pattern: Some("_Reversed:$".into()),
        test_fraction: Some(0.1),
        seed: Some(seed),
        split_seed,
        threads: Some(1),
        ..common::small_lentimpra_cnn(out, 2)
    }
}

/// A pseudo-random DNA sequence (xorshift), different for each `seed`.
fn dna(length: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b"ACGT"[(state % 4) as usize]
        })
        .collect()
}

#[test]
fn the_ensemble_predicts_its_members_mean_on_their_split() {
    let dir = tempfile::tempdir().unwrap();
    let members = [dir.path().join("a"), dir.path().join("b"), dir.path().join("c")];
    fit(options(&members[0], 1, None), false, false).unwrap();
    fit(options(&members[1], 2, Some(1)), false, false).unwrap();
    fit(options(&members[2], 3, Some(1)), false, false).unwrap();
    let runtime = RuntimeConfig { threads: 1, ..Default::default() };
    let out = dir.path().join("ensemble");
    let plan = EnsemblePlan { members: members.to_vec(), out: out.clone(), name: None, force: false };
    let manifest = build(&plan, &runtime).unwrap();
    assert_eq!(manifest.name, "a-ensemble");

    // Predictions (both strands, as the product computes them) are the members' mean.
    let sequences: Vec<(String, Vec<Vec<u8>>)> = (0..6).map(|i| (format!("s{i}"), vec![dna(230, i)])).collect();
    let predict = |d: &std::path::Path| {
        let folder = ModelFolder::load(d, &runtime).unwrap();
        regula_infer::predict::predict_values(&folder.model, sequences.clone(), &[LengthPolicy::Exact], true).unwrap()
    };
    let each: Vec<_> = members.iter().map(|m| predict(m)).collect();
    let mean = predict(&out);
    for (k, got) in mean.iter().enumerate() {
        let want = (each[0][k][0] + each[1][k][0] + each[2][k][0]) / 3.0;
        assert!((got[0] - want).abs() < 1e-5, "sequence {k}: ensemble {} members' mean {want}", got[0]);
    }
    assert!((each[0][0][0] - each[1][0][0]).abs() > 1e-4, "the members differ, so the mean is tested");

    // The browser's engine (tract, with the browser's op register) runs the averaged graph and
    // agrees with ONNX Runtime.
    let x: Vec<f32> = sequences.iter().flat_map(|(_, s)| regula_core::encode::one_hot(&s[0])).collect();
    let graph = regula_train::onnx::decode_model(&std::fs::read(out.join("model.onnx")).unwrap()).unwrap();
    let in_tract = common::tract_run(&graph, &[(vec![6, 4, 230], x.clone())]);
    let mut in_ort = regula_train::export::Predictor::new(&graph, vec![4, 230], &runtime).unwrap();
    let ort_values = in_ort.predict(&x, 6).unwrap();
    for (t, o) in in_tract[0].iter().zip(&ort_values) {
        assert!((t - o).abs() < 1e-5, "tract {t}, ONNX Runtime {o}");
    }

    // The members' pools are one in the ensemble's graph, so its saturation scan takes the fast
    // path as each member's does, and gives the members' mean effects.
    let pools = graph.graph.as_ref().unwrap().node.iter().filter(|n| n.op_type == "GlobalAveragePool").count();
    assert_eq!(pools, 1);
    let scan = |d: &std::path::Path, method: Method| {
        let folder = ModelFolder::load(d, &runtime).unwrap();
        let seq = &sequences[0].1[0];
        let r = IsmRun::with_strands(&folder.model, seq, &LengthPolicy::Exact, method, true)
            .unwrap()
            .run_to_end(&folder.model, 64, |_, _| true)
            .unwrap();
        assert_eq!((r.method, &r.fallback_reason), (method, &None), "{}", d.display());
        r.effects
    };
    let member_effects: Vec<Vec<f32>> = members.iter().map(|m| scan(m, Method::Fast)).collect();
    let (fast, naive) = (scan(&out, Method::Fast), scan(&out, Method::Naive));
    for (i, (f, n)) in fast.iter().zip(&naive).enumerate() {
        let want = member_effects.iter().map(|m| m[i]).sum::<f32>() / 3.0;
        assert!((f - n).abs() < 1e-5 && (f - want).abs() < 1e-5, "effect {i}: fast {f}, naive {n}, mean {want}");
    }

    // The attribution graph gives the members' mean gradient.
    let x: Vec<f32> = regula_core::encode::one_hot(&sequences[0].1[0]);
    let gradient = |d: &std::path::Path| {
        let folder = ModelFolder::load_with(d, &runtime, true).unwrap();
        regula_infer::attribution::gradients(&folder.model, &x, 1).unwrap().1[0].clone()
    };
    let member_gradients: Vec<Vec<f32>> = members.iter().map(|m| gradient(m)).collect();
    let ensemble_gradient = gradient(&out);
    for (i, g) in ensemble_gradient.iter().enumerate() {
        let want = member_gradients.iter().map(|m| m[i]).sum::<f32>() / 3.0;
        assert!((g - want).abs() < 1e-5, "gradient {i}: {g} against {want}");
    }

    // Its metrics are what `evaluate` computes from the folder, on the members' test rows.
    let (metrics, _) = evaluate_model(&out, FitOptions::default(), EvalSet::Split, &runtime).unwrap();
    assert_eq!(metrics, manifest.metrics);
    let member = ModelFolder::load(&members[0], &runtime).unwrap();
    assert_eq!(manifest.metrics["test"].rows, member.manifest().metrics["test"].rows);
    assert_eq!(manifest.training.split, member.manifest().training.split);
    assert!(manifest.targets[0].prediction_quantiles.as_ref().is_some_and(|q| q.split == "test"));
    let card = std::fs::read_to_string(out.join("MODEL_CARD.md")).unwrap();
    assert!(card.contains("## Members"), "{card}");
    assert!(card.contains("| **a-ensemble** (mean) | — |"), "{card}");

    // An existing folder is kept unless --force.
    let again = build(&plan, &runtime).unwrap_err().to_string();
    assert!(again.starts_with(&format!("--out {} already holds files", out.display())), "{again}");
    build(&EnsemblePlan { force: true, ..plan }, &runtime).unwrap();
}

#[test]
fn members_standardised_otherwise_are_averaged_in_measured_units() {
    // A distilled member standardises its teachers' predictions, not the measurements, so its
    // statistics differ from its siblings'. Give member b other ones: its predictions in
    // measured units change, and the ensemble must average those.
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    fit(options(&a, 1, None), false, false).unwrap();
    fit(options(&b, 2, Some(1)), false, false).unwrap();
    let manifest_path = b.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let standardise = &mut manifest["targets"][0]["normalisation"]["standardise"];
    standardise["mean"] = serde_json::json!(standardise["mean"].as_f64().unwrap() + 0.7);
    standardise["std"] = serde_json::json!(standardise["std"].as_f64().unwrap() * 1.9);
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();

    let runtime = RuntimeConfig { threads: 1, ..Default::default() };
    let out = dir.path().join("ensemble");
    let plan = EnsemblePlan { members: vec![a.clone(), b.clone()], out: out.clone(), name: None, force: false };
    build(&plan, &runtime).unwrap();
    let sequences: Vec<(String, Vec<Vec<u8>>)> = (0..4).map(|i| (format!("s{i}"), vec![dna(230, 10 + i)])).collect();
    let predict = |d: &std::path::Path| {
        let folder = ModelFolder::load(d, &runtime).unwrap();
        regula_infer::predict::predict_values(&folder.model, sequences.clone(), &[LengthPolicy::Exact], true).unwrap()
    };
    let (pa, pb, pe) = (predict(&a), predict(&b), predict(&out));
    for k in 0..sequences.len() {
        let want = (pa[k][0] + pb[k][0]) / 2.0;
        assert!((pe[k][0] - want).abs() < 1e-5, "sequence {k}: ensemble {} members' mean {want}", pe[k][0]);
    }
    // Gradients, in measured units per base (the graph's are in its training space), likewise.
    let x: Vec<f32> = regula_core::encode::one_hot(&sequences[0].1[0]);
    let gradient = |d: &std::path::Path| {
        let folder = ModelFolder::load_with(d, &runtime, true).unwrap();
        let std = folder.manifest().targets[0].normalisation.standardise.as_ref().unwrap().std as f32;
        let raw = regula_infer::attribution::gradients(&folder.model, &x, 1).unwrap().1[0].clone();
        raw.iter().map(|g| g * std).collect::<Vec<f32>>()
    };
    let (ga, gb, ge) = (gradient(&a), gradient(&b), gradient(&out));
    for i in 0..ge.len() {
        let want = (ga[i] + gb[i]) / 2.0;
        assert!((ge[i] - want).abs() < 1e-5, "gradient {i}: {} against {want}", ge[i]);
    }

    // A log transform cannot be averaged across: refused.
    manifest["targets"][0]["normalisation"]["log"] = serde_json::json!({"base": 2.0, "pseudocount": 1.0});
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let plan =
        EnsemblePlan { members: vec![a.clone(), b.clone()], out: dir.path().join("e2"), name: None, force: false };
    assert_eq!(
        build(&plan, &runtime).unwrap_err().to_string(),
        format!(
            "{} and {} differ in their targets' log transform; a mean of log-transformed predictions is not the log of their mean, so members must transform their targets alike (train them with the same target options)",
            b.display(),
            a.display()
        )
    );
}

#[test]
fn members_of_another_split_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    fit(options(&a, 1, None), false, false).unwrap();
    // Seed 2 without --split-seed draws another split: its training rows hold a's test rows.
    fit(options(&b, 2, None), false, false).unwrap();
    let runtime = RuntimeConfig { threads: 1, ..Default::default() };
    let plan =
        EnsemblePlan { members: vec![a.clone(), b.clone()], out: dir.path().join("e"), name: None, force: false };
    let e = build(&plan, &runtime).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{} and {} differ in their split (rows in train, validation and test); train every member on one split (the same data, split options and --split-seed), or the ensemble's test rows would be some member's training rows",
            b.display(),
            a.display()
        )
    );
    assert!(!dir.path().join("e").exists(), "nothing is written");
    let plan = EnsemblePlan { members: vec![a.clone()], out: dir.path().join("e"), name: None, force: false };
    assert_eq!(build(&plan, &runtime).unwrap_err().to_string(), "an ensemble needs at least 2 members; 1 given");

    // A folder without the options it was trained with cannot show its split.
    std::fs::remove_file(b.join("config.toml")).unwrap();
    let plan = EnsemblePlan { members: vec![a, b.clone()], out: dir.path().join("e"), name: None, force: false };
    assert_eq!(
        build(&plan, &runtime).unwrap_err().to_string(),
        format!(
            "{} has no config.toml: an ensemble member must be a folder written by `regula-train fit` (its config.toml names its split)",
            b.display()
        )
    );
}
