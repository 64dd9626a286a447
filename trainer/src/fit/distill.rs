//! Distillation: a student learns what trained teachers predict for the training rows (and, if
//! asked, for mutated copies of them), so that a small, fast model can take over much of a large
//! one's accuracy, or one model that of an ensemble (the teachers' predictions are averaged).
//! Validation and test rows keep their measurements: early stopping and every reported number
//! still compare the student with the assay, never with a teacher.
//!
//! No teacher may have trained on a row that is validation or test here, or its predictions would
//! carry those rows' measurements into the student: each teacher's own split is recomputed from
//! its `config.toml` and checked.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rand::Rng;

use super::batches::rng_for;
use super::error::FitError;
use super::plan::Plan;
use super::run::{CONFIG_FILE, load_and_split, shared_flanks, training_options};
use super::scoring::{in_measured_units, predict_rows};
use crate::data::dataset::{Dataset, Example};
use crate::data::split::Split;
use crate::eval::metrics::TaskKind;
use crate::model_folder::ModelFolder;
use crate::runtime::RuntimeConfig;

/// `--teacher`, `--teacher-mutants`, `--teacher-mutation-rate`.
#[derive(Clone, Debug, PartialEq)]
pub struct TeacherPlan {
    pub dirs: Vec<PathBuf>,
    /// Mutated copies of each training row added, labelled by the teacher.
    pub mutants: usize,
    /// Chance that a base of a copy (between the construct's adapters) is substituted.
    pub rate: f64,
}

/// What the relabelling did, for the manifest and the card.
#[derive(Clone, Debug)]
pub struct Relabelled {
    /// Each teacher: name and model hash.
    pub teachers: Vec<(String, Option<String>)>,
    pub teacher_licence: String,
    /// Training rows whose targets became the teacher's predictions.
    pub rows: usize,
    /// Mutated copies added to the training rows.
    pub mutants_added: usize,
    pub rate: f64,
}

/// Replaces the targets of `split.train` by the teachers' mean prediction (each averaged over both
/// strands, in measured units), after adding `mutants` mutated copies of each training row to
/// `data` and `split.train`.
pub fn relabel(
    data: &mut Dataset,
    split: &mut Split,
    teacher: &TeacherPlan,
    seed: u64,
    runtime: &RuntimeConfig,
) -> Result<Relabelled, FitError> {
    let mut folders = Vec::new();
    for dir in &teacher.dirs {
        let folder = ModelFolder::load(dir, runtime).map_err(|e| FitError::Usage(format!("--teacher: {e}")))?;
        check_fits(&folder, dir, data)?;
        check_no_leak(data, split, dir)?;
        folders.push(folder);
    }
    let mutants_added = add_mutants(data, split, teacher, seed)?;
    let mut mean = vec![vec![0.0; split.train.len()]; data.target_names.len()];
    for folder in &mut folders {
        let normalisation: Vec<_> = folder.manifest().targets.iter().map(|t| t.normalisation.clone()).collect();
        let raw = predict_rows(folder.predictor().map_err(FitError::from)?, data, &split.train, true)?;
        for (sum, predicted) in mean.iter_mut().zip(in_measured_units(TaskKind::Regression, &raw, &normalisation)) {
            for (s, p) in sum.iter_mut().zip(predicted) {
                *s += p / teacher.dirs.len() as f64;
            }
        }
    }
    for (i, &row) in split.train.iter().enumerate() {
        data.examples[row].targets = mean.iter().map(|target| target[i]).collect();
    }
    let licences: Vec<String> = folders.iter().map(|f| f.manifest().licence.clone()).collect();
    Ok(Relabelled {
        teachers: folders.iter().map(|f| (f.manifest().name.clone(), f.manifest().model_sha256.clone())).collect(),
        teacher_licence: if licences.iter().all(|l| l == &licences[0]) {
            licences[0].clone()
        } else {
            licences.join("; ")
        },
        rows: split.train.len() - mutants_added,
        mutants_added,
        rate: teacher.rate,
    })
}

/// An error unless the teacher in `dir` is a regression model of the student's targets and
/// lengths.
fn check_fits(folder: &ModelFolder, dir: &Path, data: &Dataset) -> Result<(), FitError> {
    let (manifest, shown) = (folder.manifest(), dir.display());
    if manifest.output.kind != regula_core::manifest::OutputKind::Regression {
        return Err(FitError::Usage(format!(
            "--teacher {shown} is a classifier; distillation learns a regression model's predictions"
        )));
    }
    let names: Vec<&str> = manifest.targets.iter().map(|t| t.name.as_str()).collect();
    if names != data.target_names.iter().map(String::as_str).collect::<Vec<_>>() {
        return Err(FitError::Usage(format!(
            "--teacher {shown} predicts {}, but the student's targets are {}: name the same target columns",
            names.join(", "),
            data.target_names.join(", ")
        )));
    }
    let lengths: Vec<usize> = manifest.inputs.iter().map(|i| i.length).collect();
    if lengths != data.lengths() {
        return Err(FitError::Usage(format!(
            "--teacher {shown} reads {lengths:?} bp, the student's rows are {:?} bp",
            data.lengths()
        )));
    }
    Ok(())
}

/// An error if the teacher in `dir` trained on a row that is validation or test here.
fn check_no_leak(data: &Dataset, split: &Split, dir: &Path) -> Result<(), FitError> {
    let path = dir.join(CONFIG_FILE);
    let options = training_options(dir)?.ok_or_else(|| {
        FitError::Usage(format!(
            "--teacher: {} has no {CONFIG_FILE}: without the teacher's training options there is no telling which rows it trained on",
            dir.display()
        ))
    })?;
    let plan = Plan::resolve(options).map_err(|e| FitError::Usage(format!("{}: {e}", path.display())))?;
    let (theirs, their_split) = load_and_split(&plan).map_err(|e| {
        FitError::Usage(format!("--teacher: recomputing the teacher's split from {}: {e}", path.display()))
    })?;
    let trained: HashSet<&str> = their_split.train.iter().map(|&i| theirs.examples[i].id.as_str()).collect();
    let held_out = split.valid.iter().chain(&split.test).map(|&i| &data.examples[i]);
    let leaked: Vec<&Example> = held_out.filter(|e| trained.contains(e.id.as_str())).collect();
    if let Some(first) = leaked.first() {
        return Err(FitError::Usage(format!(
            "--teacher {} trained on {} rows that are validation or test rows here (e.g. '{}', line {}): its predictions would carry their measurements into the student; train the teacher with this split (same data, group pattern, fractions and split seed: --split-seed, or --seed without it)",
            dir.display(),
            leaked.len(),
            first.id,
            first.line
        )));
    }
    Ok(())
}

/// Adds `teacher.mutants` copies of each training row, each base between the construct's
/// adapters substituted with chance `teacher.rate` (by one of the other three bases); returns
/// how many rows were added.
fn add_mutants(data: &mut Dataset, split: &mut Split, teacher: &TeacherPlan, seed: u64) -> Result<usize, FitError> {
    if teacher.mutants == 0 {
        return Ok(0);
    }
    if data.lengths().len() != 1 {
        return Err(FitError::Usage(
            "--teacher-mutants mutates one sequence per row; this data has a partner column".into(),
        ));
    }
    let len = data.lengths()[0];
    let (left, right) = shared_flanks(data).map_or((0, 0), |f| (f.left.len(), f.right.len()));
    let editable = left..len.saturating_sub(right).max(left);
    let mut rng = rng_for(seed, 0, 0, MUTANTS);
    let originals = split.train.clone();
    for copy in 1..=teacher.mutants {
        for &row in &originals {
            let source = &data.examples[row];
            let mut sequence = source.sequences[0].clone();
            for base in &mut sequence[editable.clone()] {
                if let Some(k) = b"ACGT".iter().position(|b| b.eq_ignore_ascii_case(base))
                    && rng.random_bool(teacher.rate)
                {
                    *base = b"ACGT"[(k + rng.random_range(1..4)) % 4];
                }
            }
            let mutant = Example {
                id: format!("{}#mutant{copy}", source.id),
                line: source.line,
                sequences: vec![sequence],
                targets: vec![f64::NAN; source.targets.len()],
                chrom: source.chrom.clone(),
                split: source.split.clone(),
            };
            split.train.push(data.examples.len());
            data.examples.push(mutant);
        }
    }
    Ok(originals.len() * teacher.mutants)
}

/// `rng_for` purpose of the mutants (batches.rs uses 1 and 2).
const MUTANTS: u64 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    fn example(id: &str, seq: &str) -> Example {
        Example {
            id: id.into(),
            line: 2,
            sequences: vec![seq.as_bytes().to_vec()],
            targets: vec![1.0],
            chrom: None,
            split: None,
        }
    }

    #[test]
    fn mutants_change_only_bases_between_the_adapters_at_about_the_rate() {
        // Every row starts with the same 8 bases and ends with the same 8: the adapters.
        let (l, r) = ("GGCCCGCT", "CACTAGAG");
        let middle: Vec<String> =
            (0..40).map(|i| (0..200).map(|j| ["A", "C", "G", "T"][(i * 7 + j * 3 + j / 5) % 4]).collect()).collect();
        let mut data = Dataset {
            target_names: vec!["y".into()],
            examples: middle
                .iter()
                .enumerate()
                .map(|(i, m)| example(&format!("e{i}"), &format!("{l}{m}{r}")))
                .collect(),
            skipped: vec![],
        };
        let mut split =
            Split { train: (0..30).collect(), valid: (30..35).collect(), test: (35..40).collect(), ..Split::default() };
        let plan = TeacherPlan { dirs: vec![], mutants: 2, rate: 0.1 };
        assert_eq!(add_mutants(&mut data, &mut split, &plan, 1).unwrap(), 60);
        assert_eq!((split.train.len(), data.examples.len()), (90, 100));
        let (mut changed, mut total) = (0, 0);
        for &row in &split.train[30..] {
            let e = &data.examples[row];
            let original =
                &data.examples[data.examples.iter().position(|o| e.id.starts_with(&format!("{}#", o.id))).unwrap()];
            let (s, o) = (&e.sequences[0], &original.sequences[0]);
            assert_eq!((&s[..8], &s[208..]), (&o[..8], &o[208..]), "{}: an adapter changed", e.id);
            changed += s.iter().zip(o).filter(|(a, b)| a != b).count();
            total += 200;
            assert!(e.targets[0].is_nan(), "a mutant has no measurement until the teacher labels it");
        }
        let rate = changed as f64 / total as f64;
        assert!((0.08..0.12).contains(&rate), "substituted {rate} of the bases, asked 0.1");
        // Validation and test rows are untouched and no mutant is among them.
        assert_eq!((split.valid.len(), split.test.len()), (5, 5));
        assert!(split.valid.iter().chain(&split.test).all(|&i| i < 40));
    }

    #[test]
    fn mutants_need_a_single_sequence_per_row() {
        let mut data = Dataset {
            target_names: vec!["y".into()],
            examples: vec![Example { sequences: vec![b"ACGT".to_vec(), b"ACGT".to_vec()], ..example("a", "ACGT") }],
            skipped: vec![],
        };
        let mut split = Split { train: vec![0], valid: vec![], test: vec![], ..Split::default() };
        let plan = TeacherPlan { dirs: vec![], mutants: 1, rate: 0.1 };
        let e = add_mutants(&mut data, &mut split, &plan, 1).unwrap_err();
        assert_eq!(e.to_string(), "--teacher-mutants mutates one sequence per row; this data has a partner column");
    }
}
