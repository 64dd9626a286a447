//! `--teacher`: a student trained on a teacher's predictions. The relabelled targets are the
//! teacher's predictions as the product computes them (regula-infer, both strands), mutants
//! carry the teacher's labels too, validation and test rows keep their measurements, and a
//! teacher that trained on the student's held-out rows is refused.

mod common;

use regula_core::length::LengthPolicy;
use regula_train::fit::distill::{TeacherPlan, relabel};
use regula_train::fit::plan::Plan;
use regula_train::fit::run::load_and_split;
use regula_train::fit::{fit, run::MANIFEST_FILE};
use regula_train::model_folder::ModelFolder;
use regula_train::options::FitOptions;
use regula_train::runtime::RuntimeConfig;

/// The small lentiMPRA CNN with a grouped three-way split (both orientations together).
fn options(out: &std::path::Path, seed: u64) -> FitOptions {
    FitOptions {
        group_pattern: Some("_Reversed:$".into()),
        test_fraction: Some(0.1),
        seed: Some(seed),
        threads: Some(1),
        ..common::small_lentimpra_cnn(out, 2)
    }
}

#[test]
fn the_student_learns_the_teachers_mean_prediction_and_is_scored_on_measurements() {
    let dir = tempfile::tempdir().unwrap();
    // Two teachers on the same split (seed 1): an ensemble distilled into one student.
    let teachers = [dir.path().join("teacher"), dir.path().join("teacher2")];
    fit(options(&teachers[0], 1), false, false).unwrap();
    fit(FitOptions { channels: Some(vec![4]), ..options(&teachers[1], 1) }, false, false).unwrap();
    let runtime = RuntimeConfig { threads: 1, ..Default::default() };

    let student = FitOptions {
        teacher: Some(teachers.to_vec()),
        teacher_mutants: Some(1),
        teacher_mutation_rate: Some(0.05),
        ..options(&dir.path().join("student"), 1)
    };
    let plan = Plan::resolve(student.clone()).unwrap();
    let (mut data, mut split) = load_and_split(&plan).unwrap();
    let measured: Vec<Vec<f64>> = data.examples.iter().map(|e| e.targets.clone()).collect();
    let (train, valid, test) = (split.train.clone(), split.valid.clone(), split.test.clone());
    let done = relabel(&mut data, &mut split, plan.teacher.as_ref().unwrap(), 1, &runtime).unwrap();
    assert_eq!((done.rows, done.mutants_added), (train.len(), train.len()));
    assert_eq!((split.valid.clone(), split.test.clone()), (valid.clone(), test.clone()));
    assert_eq!(split.train.len(), 2 * train.len());

    // Every training row (original or mutant) carries the mean of the teachers' predictions as
    // the product computes them; held-out rows keep their measurements.
    let items: Vec<_> =
        split.train.iter().map(|&i| (data.examples[i].id.clone(), data.examples[i].sequences.clone())).collect();
    let predictions: Vec<Vec<Vec<f64>>> = teachers
        .iter()
        .map(|t| {
            let folder = ModelFolder::load(t, &runtime).unwrap();
            regula_infer::predict::predict_values(&folder.model, items.clone(), &[LengthPolicy::Exact], true).unwrap()
        })
        .collect();
    for (k, &row) in split.train.iter().enumerate() {
        let (got, want) = (data.examples[row].targets[0], (predictions[0][k][0] + predictions[1][k][0]) / 2.0);
        assert!((got - want).abs() < 1e-5, "{}: target {got}, the teachers' mean {want}", data.examples[row].id);
    }
    assert!(
        split.train.iter().enumerate().any(|(k, _)| (predictions[0][k][0] - predictions[1][k][0]).abs() > 1e-3),
        "the two teachers differ, so the mean is tested"
    );
    for &row in valid.iter().chain(&test) {
        assert_eq!(data.examples[row].targets, measured[row], "{} lost its measurement", data.examples[row].id);
    }
    assert!(train.iter().any(|&r| (data.examples[r].targets[0] - measured[r][0]).abs() > 1e-3));

    // The whole run: the manifest names the teachers as a data source and reports held-out
    // metrics on the measured rows.
    let outcome = fit(student, false, false).unwrap();
    let manifest = &outcome.manifest;
    assert_eq!(manifest.training.data.len(), 2, "{:?}", manifest.training.data);
    let taught = &manifest.training.data[1];
    assert_eq!(taught.name, "predictions of the teacher models teacher, teacher2");
    assert_eq!(taught.rows, 2 * train.len());
    let expected = format!("for the {} training rows and for {} mutated copies", train.len(), train.len());
    assert!(taught.source.contains(&expected), "{}", taught.source);
    assert!(
        taught.source.starts_with(
            "the training targets are the mean of the predictions of 2 teachers, teacher (model.onnx SHA-256 "
        ),
        "{}",
        taught.source
    );
    assert_eq!(manifest.training.data[0].rows, measured.len());
    assert_eq!(manifest.metrics["test"].rows, test.len());
    assert!(dir.path().join("student").join(MANIFEST_FILE).exists());
}

#[test]
fn a_teacher_that_trained_on_held_out_rows_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let teacher_dir = dir.path().join("teacher");
    // Another seed: another split, so the teacher trained on some of the student's held-out rows.
    fit(options(&teacher_dir, 2), false, false).unwrap();
    let student = FitOptions { teacher: Some(vec![teacher_dir.clone()]), ..options(&dir.path().join("student"), 1) };
    let e = fit(student, false, false).unwrap_err().to_string();
    let prefix = format!("--teacher {} trained on ", teacher_dir.display());
    assert!(e.starts_with(&prefix), "{e}");
    assert!(
        e.ends_with("): its predictions would carry their measurements into the student; train the teacher with this split (same data, group pattern, fractions and split seed: --split-seed, or --seed without it)"),
        "{e}"
    );
    assert!(e.contains(" rows that are validation or test rows here (e.g. '"), "{e}");
    assert!(!dir.path().join("student").join(MANIFEST_FILE).exists(), "nothing is exported");
}

#[test]
fn split_seed_keeps_one_split_across_seeds_so_an_ensembles_members_can_teach() {
    let dir = tempfile::tempdir().unwrap();
    let split_of = |seed: u64, split_seed: Option<u64>| {
        let plan = Plan::resolve(FitOptions { split_seed, ..options(&dir.path().join("x"), seed) }).unwrap();
        let (_, s) = load_and_split(&plan).unwrap();
        (s.train, s.valid, s.test)
    };
    assert_eq!(split_of(2, Some(1)), split_of(1, None), "--seed 2 --split-seed 1 splits as --seed 1");
    assert_ne!(split_of(2, None), split_of(1, None), "without --split-seed the seed draws the split");
    assert_ne!(split_of(1, Some(2)), split_of(1, None), "--split-seed draws the split");

    // a member initialised with seed 2 on the split of seed 1 teaches a seed-1 student
    let teacher = dir.path().join("teacher");
    fit(FitOptions { split_seed: Some(1), ..options(&teacher, 2) }, false, false).unwrap();
    let student = FitOptions { teacher: Some(vec![teacher]), ..options(&dir.path().join("student"), 1) };
    let plan = Plan::resolve(student).unwrap();
    let (mut data, mut split) = load_and_split(&plan).unwrap();
    let runtime = RuntimeConfig { threads: 1, ..Default::default() };
    let done = relabel(&mut data, &mut split, plan.teacher.as_ref().unwrap(), 1, &runtime).unwrap();
    assert_eq!(done.rows, split.train.len());

    // a split that is not drawn at random has no seed to set
    let given = FitOptions {
        valid_data: Some(dir.path().join("valid.tsv")),
        test_fraction: None,
        ..options(&dir.path().join("g"), 1)
    };
    assert_eq!(
        Plan::resolve(FitOptions { split_seed: Some(3), ..given }).unwrap_err(),
        "--split-seed seeds a random or k-fold split; this split is not drawn at random: drop it"
    );
}

#[test]
fn teacher_options_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let o = FitOptions { teacher: Some(vec![]), ..options(&dir.path().join("s"), 1) };
    assert_eq!(Plan::resolve(o).unwrap_err(), "--teacher names no model folder");
    let o = FitOptions { teacher_mutants: Some(2), ..options(&dir.path().join("s"), 1) };
    assert_eq!(Plan::resolve(o).unwrap_err(), "--teacher-mutants and --teacher-mutation-rate need --teacher");
    let o = FitOptions {
        teacher: Some(vec![dir.path().join("t")]),
        teacher_mutation_rate: Some(1.5),
        ..options(&dir.path().join("s"), 1)
    };
    assert_eq!(Plan::resolve(o).unwrap_err(), "--teacher-mutation-rate 1.5 is not in (0, 1]");
    let o = FitOptions { teacher: Some(vec![dir.path().join("missing")]), ..options(&dir.path().join("s"), 1) };
    let e = fit(o, false, false).unwrap_err().to_string();
    let missing = dir.path().join("missing");
    assert_eq!(
        e,
        format!(
            "--teacher: cannot read {}: No such file or directory (os error 2); is {} a model folder?",
            missing.join("manifest.json").display(),
            missing.display()
        )
    );
    // A plan with a teacher keeps it.
    let o = FitOptions { teacher: Some(vec![dir.path().join("t")]), ..options(&dir.path().join("s"), 1) };
    assert_eq!(
        Plan::resolve(o).unwrap().teacher,
        Some(TeacherPlan { dirs: vec![dir.path().join("t")], mutants: 0, rate: 0.05 })
    );
}
