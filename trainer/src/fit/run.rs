//! The training run: data → split → targets → model → epochs → best model → export.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use regula_core::encode::reverse_complement;
use regula_core::length::{LengthPolicy, Padding};
use regula_core::manifest::{
    DataSource, Encoding, Flanks, GraphRef, InputSpec, Manifest, Normalisation, OutputKind, OutputSpec,
    PredictionQuantiles, SCHEMA_VERSION, SplitMetrics, Strands, Target, TrainingSummary,
};

use super::batches::{Augment, BatchPlan, epoch_order};
use super::checkpoint::{Checkpoint, LoopState};
use super::distill::Relabelled;
use super::error::FitError;
use super::model::build_model;
use super::plan::{Plan, SplitPlan};
use super::schedule::LrSchedule;
use super::scoring::{
    class_metrics, in_measured_units, mean_loss, predict_rows, reported_quantiles, score, split_metrics,
};
use super::validate::Validator;
use crate::data::dataset::{DataError, Dataset, Source, load};
use crate::data::split::{RowInfo, Split, SplitError, k_fold, split};
use crate::data::targets::{measured, normalised};
use crate::eval::metrics::TaskKind;
use crate::eval::report::{EpochRecord, Report};
use crate::export::{self, Predictor};
use crate::loss::Loss;
use crate::optim::Optimizer;
use crate::options::{FitOptions, Preset, Schedule};
use crate::params::ParamStore;
use crate::runtime::{Device, RuntimeConfig};
use crate::train::{Snapshot, TrainConfig, Trainer};

/// File names inside the output folder.
pub const MODEL_FILE: &str = "model.onnx";
pub const ATTRIBUTION_FILE: &str = "model.attribution.onnx";
pub const MANIFEST_FILE: &str = "manifest.json";
pub const CONFIG_FILE: &str = "config.toml";
pub const CARD_FILE: &str = "MODEL_CARD.md";

/// The options a model folder was trained with: the `config.toml` that `fit` writes into it, or
/// None for a folder without one (a model exported elsewhere). A file there that cannot be read
/// or parsed is an error naming it.
pub fn training_options(dir: &Path) -> Result<Option<FitOptions>, FitError> {
    let path = dir.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FitError::Usage(format!("cannot read {}: {e}", path.display()))),
    };
    FitOptions::from_toml(&text).map(Some).map_err(|e| FitError::Usage(format!("{}: {e}", path.display())))
}

/// What a finished run produced.
#[derive(Debug)]
pub struct FitOutcome {
    pub out: PathBuf,
    pub manifest: Manifest,
    pub best_epoch: usize,
    pub epochs_run: usize,
    pub skipped: usize,
}

/// Trains a model as `options` describe. With `resume`, continues from the checkpoint in the
/// output folder (made by a run with the same options) instead of starting over.
pub fn fit(options: FitOptions, resume: bool, show_progress: bool) -> Result<FitOutcome, FitError> {
    fit_until(options, resume, show_progress, None).map(|o| o.expect("runs to the end without a stop"))
}

/// [`fit`], stopping as if killed once `stop_after` epochs are done (checkpoint written,
/// nothing exported): `None` is returned then. Lets a caller time-box a run and resume later.
pub fn fit_until(
    options: FitOptions,
    resume: bool,
    show_progress: bool,
    stop_after: Option<usize>,
) -> Result<Option<FitOutcome>, FitError> {
    let options_toml = options.to_toml();
    let plan = Plan::resolve(options).map_err(FitError::Usage)?;
    let out_dir = crate::out_dir::OutDir::claim(&plan.out, resume)?;
    let started = Instant::now();
    let (mut data, mut split) = load_and_split(&plan)?;
    if plan.task == TaskKind::Classification {
        check_labels(&data, &plan)?;
    }
    let runtime = RuntimeConfig { device: plan.device.parse::<Device>()?, threads: plan.threads, ..Default::default() };
    crate::runtime::check_device(runtime.device)?;
    let distilled = match &plan.teacher {
        Some(teacher) => Some(super::distill::relabel(&mut data, &mut split, teacher, plan.train.seed, &runtime)?),
        None => None,
    };
    let normalisation = plan.transform.fit(&data, &split.train)?;
    let outputs = data.target_names.len();

    let t = &plan.train;
    let batches_per_epoch =
        (split.train.len() / t.batch_size + usize::from(split.train.len() % t.batch_size >= 2)).max(1);
    let checkpoint = Checkpoint::new(out_dir.work());
    let (mut snapshot, mut best, mut state) = if resume {
        if !checkpoint.exists() {
            return Err(FitError::Resume(format!("no checkpoint in {}", plan.out.join("checkpoint").display())));
        }
        let (snapshot, best, state) = checkpoint.load().map_err(FitError::Resume)?;
        if state.options != options_toml {
            return Err(FitError::Resume(
                "the checkpoint was made with other options; resume with the same command (or config)".into(),
            ));
        }
        (snapshot, best, state)
    } else {
        let fresh = LoopState {
            epochs_done: 0,
            steps: 0,
            schedule: LrSchedule {
                kind: t.schedule,
                peak: t.lr as f64,
                warmup_steps: (t.warmup_epochs * batches_per_epoch as f64).round() as u64,
                total_steps: (t.epochs * batches_per_epoch) as u64,
                scale: 1.0,
                stalled_epochs: 0,
                factor: t.plateau_factor,
                patience: t.plateau_patience,
            },
            best_metric: None,
            best_epoch: 0,
            epochs_since_best: 0,
            history: vec![],
            options: options_toml.clone(),
        };
        (Snapshot::default(), ParamStore::new(), fresh)
    };

    let weights_row: Vec<f32> = plan.task_weights.clone().unwrap_or_else(|| vec![1.0; outputs]);
    let train_config = |epoch: usize| TrainConfig {
        loss: match plan.task {
            TaskKind::Regression => Loss::Mse,
            TaskKind::Classification => Loss::BceWithLogits,
        },
        optimizer: Optimizer::AdamW { lr: t.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: t.weight_decay },
        runtime,
        seed: t.seed.wrapping_add(epoch as u64),
    };
    let augment = Augment {
        reverse_complement: t.augment_rc,
        max_shift: t.augment_shift,
        flank_left: t.flank_left.as_bytes().to_vec(),
        flank_right: t.flank_right.as_bytes().to_vec(),
    };
    let prepare = BatchPlan {
        data: &data,
        augment: &augment,
        seed: t.seed,
        normalisation: &normalisation,
        weights_row: &weights_row,
    };
    let valid_targets = normalised(&data, &split.valid, &normalisation);
    let valid_measured = measured(&data, &split.valid);

    // One train-step session and one validation session for the whole run: the trainer keeps
    // its session across epochs unless the graph changes (a per-epoch dropout seed), and the
    // validation graph takes its weights as inputs.
    let mut trainer: Option<Trainer<Box<dyn crate::model::Model>>> = None;
    let mut validator: Option<Validator> = None;
    let resumed_at = state.history.len();
    while state.epochs_done < t.epochs && state.epochs_since_best < t.patience.max(1) {
        let epoch = state.epochs_done + 1;
        let epoch_started = Instant::now();
        // Every epoch starts from the snapshot of the last, so an interrupted and resumed run
        // takes exactly the steps an uninterrupted one takes.
        let trainer = match trainer.as_mut() {
            Some(tr) => {
                tr.restart(std::mem::take(&mut snapshot), train_config(epoch))?;
                tr
            }
            None => {
                let model = build_model(&plan.model, &data.lengths(), outputs)?;
                let tr = if state.epochs_done == 0 && !resume {
                    Trainer::new(model, train_config(epoch))?
                } else {
                    Trainer::from_snapshot(model, std::mem::take(&mut snapshot), train_config(epoch))?
                };
                trainer.insert(tr)
            }
        };
        trainer.set_max_grad_norm(t.clip_grad_norm);
        let order = epoch_order(&split.train, t.seed, epoch);
        let bar = progress_bar(show_progress, batches_per_epoch, epoch, t.epochs);
        let mut loss_sum = 0.0;
        let mut lr = 0.0;
        prepare.for_each(&order, t.batch_size, batches_per_epoch, epoch, |b, batch| {
            lr = state.schedule.lr(trainer.steps() + 1);
            let loss = trainer.step_with_lr(&batch.as_batch(), lr as f32)?;
            if !loss.is_finite() {
                return Err(FitError::Usage(format!(
                    "the training loss became {loss} at epoch {epoch}, batch {}; lower --lr or check the targets",
                    b + 1
                )));
            }
            loss_sum += loss as f64;
            bar.set_message(format!("loss {:.4}", loss_sum / (b + 1) as f64));
            bar.inc(1);
            Ok(())
        })?;
        let train_seconds = epoch_started.elapsed().as_secs_f64();
        snapshot = trainer.snapshot()?;
        // Running statistics gathered while the weights moved lag behind them, and the lag can
        // shift every evaluation-mode prediction. Steps at learning rate 0 (weights exactly
        // unchanged) re-estimate them for the final weights; training resumes from `snapshot`,
        // so the optimizer's moments never see these steps.
        let store = if t.bn_recalibration > 0 && snapshot.store.iter().any(|(k, _)| k.ends_with("running_mean")) {
            prepare.for_each(&order, t.batch_size, t.bn_recalibration, epoch, |_, batch| {
                trainer.step_with_lr(&batch.as_batch(), 0.0)?;
                Ok::<(), FitError>(())
            })?;
            trainer.snapshot()?.store
        } else {
            snapshot.store.clone()
        };
        let validator = match validator.as_mut() {
            Some(v) => v,
            None => validator.insert(Validator::new(trainer.model(), &store, &runtime)?),
        };
        let raw = validator.predict_rows(&store, &data, &split.valid, t.rc_average)?;
        let valid_loss = mean_loss(plan.task, &raw, &valid_targets, &valid_measured);
        let (metrics, _) = score(plan.task, &data, &split.valid, &in_measured_units(plan.task, &raw, &normalisation));
        let metric = if t.metric == "loss" { valid_loss } else { metrics["overall"][&t.metric] };
        let improved = match state.best_metric {
            None => metric.is_finite(),
            Some(best) if t.higher_is_better() => metric > best,
            Some(best) => metric < best,
        };
        if improved {
            state.best_metric = Some(metric);
            state.best_epoch = epoch;
            state.epochs_since_best = 0;
            best = store;
        } else {
            state.epochs_since_best += 1;
        }
        state.schedule.end_epoch(improved);
        state.epochs_done = epoch;
        state.steps = snapshot.steps;
        state.history.push(EpochRecord {
            epoch,
            train_loss: loss_sum / batches_per_epoch as f64,
            valid_loss,
            valid_metric: metric,
            learning_rate: lr,
            seconds: epoch_started.elapsed().as_secs_f64(),
            train_seconds,
        });
        bar.finish_with_message(format!(
            "loss {:.4}  valid {} {metric:.4}{}",
            loss_sum / batches_per_epoch as f64,
            t.metric,
            if improved { " (best)" } else { "" }
        ));
        if show_progress && !std::io::stderr().is_terminal() {
            let r = state.history.last().expect("pushed above");
            eprintln!(
                "epoch {epoch}/{}: train loss {:.4}, valid loss {:.4}, valid {} {metric:.4}{}, {:.1} s",
                t.epochs,
                r.train_loss,
                r.valid_loss,
                t.metric,
                if improved { " (best)" } else { "" },
                r.seconds
            );
        }
        checkpoint.save(&snapshot, &best, &state).map_err(|e| write_error(&plan.out.join("checkpoint"), e))?;
        if stop_after == Some(epoch) {
            return Ok(None);
        }
    }
    if best.is_empty() {
        return Err(FitError::Usage("no epoch produced a finite validation metric; check the data and --lr".into()));
    }
    // A resumed run's training time counts the epochs that earlier runs checkpointed, not only
    // this process's part (which may be just the export).
    let earlier_epochs: f64 = state.history[..resumed_at].iter().map(|e| e.seconds).sum();
    let run = Finished {
        plan: &plan,
        data: &data,
        split: &split,
        normalisation: &normalisation,
        best: &best,
        state: &state,
        distilled: distilled.as_ref(),
    };
    let outcome = export_run(&run, &options_toml, earlier_epochs + started.elapsed().as_secs_f64(), out_dir.work())?;
    out_dir.commit().map(|()| Some(outcome))
}

/// What a finished training loop hands to export.
struct Finished<'a> {
    plan: &'a Plan,
    data: &'a Dataset,
    split: &'a Split,
    normalisation: &'a [Normalisation],
    best: &'a ParamStore,
    state: &'a LoopState,
    /// The teacher whose predictions the training rows carry (`--teacher`).
    distilled: Option<&'a Relabelled>,
}

fn export_run(run: &Finished, options_toml: &str, seconds: f64, out: &std::path::Path) -> Result<FitOutcome, FitError> {
    let Finished { plan, data, split, normalisation, best, state, distilled } = *run;
    let input_len: usize = data.lengths().iter().sum();
    let outputs = data.target_names.len();
    let model = build_model(&plan.model, &data.lengths(), outputs)?;
    let inference = export::inference_graph(&model, best)?;
    let attribution = export::attribution_graph(&model, best)?;
    let runtime = RuntimeConfig { device: plan.device.parse::<Device>()?, threads: plan.threads, ..Default::default() };
    let mut predictor = Predictor::new(&inference, vec![4, input_len], &runtime)?;

    let mut report = Report {
        model: plan.name.clone(),
        metric: plan.train.metric.clone(),
        history: state.history.clone(),
        ..Default::default()
    };
    let mut manifest_metrics = BTreeMap::new();
    // Where each target's predictions fall among the model's own predictions on rows that chose
    // nothing (test; validation when there is no test part), for the percentile shown beside a
    // prediction: values as reported (probabilities for a classifier).
    let mut quantiles: Vec<Option<PredictionQuantiles>> = vec![None; normalisation.len()];
    for (name, rows) in [("validation", &split.valid), ("test", &split.test)] {
        if rows.is_empty() {
            continue;
        }
        let raw = predict_rows(&mut predictor, data, rows, plan.train.rc_average)?;
        let predicted = in_measured_units(plan.task, &raw, normalisation);
        for (k, q) in quantiles.iter_mut().enumerate() {
            // Over the rows that measure the target (all of them unless `--mask-missing`).
            let own: Vec<f64> = predicted[k]
                .iter()
                .zip(rows.iter())
                .filter(|(_, i)| !data.examples[**i].targets[k].is_nan())
                .map(|(z, _)| *z)
                .collect();
            if name == "test" || q.is_none() {
                *q = reported_quantiles(plan.task, name, &own);
            }
        }
        let (metrics, values) = score(plan.task, data, rows, &predicted);
        manifest_metrics.insert(name.to_string(), split_metrics(rows.len(), &metrics, &values));
        report.add(name, rows.len(), metrics, &values);
        report.predictions.insert(name.to_string(), values);
        // The same predictions per row class (promoters, candidate enhancers, controls), as
        // `"validation: promoters (ENSG*)"` beside `"validation"`.
        for c in class_metrics(plan.task, data, name, rows, &predicted) {
            manifest_metrics.insert(c.key.clone(), split_metrics(c.rows, &c.metrics, &c.values));
            report.add(&c.key, c.rows, c.metrics, &c.values);
        }
    }
    let mut manifest = manifest(run, manifest_metrics, seconds)?;
    // The content hash of the graph, checked whenever the folder is loaded.
    manifest.model_sha256 = Some(crate::model_folder::sha256_hex(&prost::Message::encode_to_vec(&inference)));
    for (target, q) in manifest.targets.iter_mut().zip(quantiles) {
        target.prediction_quantiles = q;
    }
    report.facts = vec![
        ("data".into(), describe_source(&plan.source)),
        ("rows".into(), format!("{} used, {} skipped", data.examples.len(), data.skipped.len())),
        ("split".into(), manifest.training.split.clone()),
        ("architecture".into(), manifest.training.architecture.clone()),
        ("parameters".into(), manifest.training.parameters.to_string()),
        ("best epoch".into(), format!("{} of {} run", state.best_epoch, state.epochs_done)),
        ("machine".into(), manifest.training.machine.clone().unwrap_or_default()),
        ("training time".into(), format!("{seconds:.1} s")),
    ];
    if let Some(d) = distilled {
        report.facts.push(("distilled from".into(), describe_teacher(d)));
    }

    report.skipped = data.skipped.iter().map(|s| (s.line, s.id.clone(), s.reason.clone())).collect();
    let write = |name: &str, bytes: &[u8]| {
        crate::atomic::write(&out.join(name), bytes).map_err(|e| write_error(&out.join(name), e))
    };
    write(MODEL_FILE, &prost::Message::encode_to_vec(&inference))?;
    write(ATTRIBUTION_FILE, &prost::Message::encode_to_vec(&attribution))?;
    write(CONFIG_FILE, options_toml.as_bytes())?;
    let command = format!("regula-train fit --config {}", plan.out.join(CONFIG_FILE).display());
    write(CARD_FILE, crate::model_card::render(&manifest, plan.limits.as_deref(), &command).as_bytes())?;
    report.write(out).map_err(|e| write_error(out, e))?;
    // The manifest last: its presence marks a complete export.
    write(MANIFEST_FILE, manifest.to_json().as_bytes())?;
    Ok(FitOutcome {
        out: plan.out.clone(),
        manifest,
        best_epoch: state.best_epoch,
        epochs_run: state.epochs_done,
        skipped: data.skipped.len(),
    })
}

fn manifest(run: &Finished, metrics: BTreeMap<String, SplitMetrics>, seconds: f64) -> Result<Manifest, FitError> {
    let Finished { plan, data, split, normalisation, best, state, distilled } = *run;
    let lengths = data.lengths();
    let flanks = if lengths.len() == 1 { shared_flanks(data) } else { None };
    // A model trained on constructs (an element between fixed flanks) reads other lengths in
    // element-length tiles between its flanks, as it saw its training rows.
    let default_length_policy = match &flanks {
        Some(f) => {
            let tile = lengths[0].saturating_sub(f.left.len() + f.right.len());
            if tile > 0 {
                LengthPolicy::FlankedTiles { stride: (tile / 4).max(1), left: f.left.clone(), right: f.right.clone() }
            } else {
                LengthPolicy::Pad { padding: Padding::Flanks { left: f.left.clone(), right: f.right.clone() } }
            }
        }
        None => LengthPolicy::PadOrCrop { padding: Padding::N },
    };
    let units: Vec<String> = match &plan.units {
        None => vec!["as in the training table".to_string(); data.target_names.len()],
        Some(u) if u.len() == 1 => vec![u[0].clone(); data.target_names.len()],
        Some(u) if u.len() == data.target_names.len() => u.clone(),
        Some(u) => {
            return Err(FitError::Usage(format!(
                "--units gives {} units for {} targets ({}): give one for all, or one per target separated by ';'",
                u.len(),
                data.target_names.len(),
                data.target_names.join(", ")
            )));
        }
    };
    // Branches share the one graph input, concatenated in this order.
    let inputs = lengths
        .iter()
        .map(|&length| InputSpec {
            name: export::INPUT.into(),
            length,
            alphabet: "ACGT".into(),
            encoding: Encoding::OneHot { n_value: regula_core::encode::N_VALUE },
            flanks: flanks.clone(),
            default_length_policy: default_length_policy.clone(),
        })
        .collect();
    // The store also holds the optimizer's per-parameter slots (`exp_avg/conv0.weight`, …).
    let learned = |n: &str| !n.contains('/') && !n.ends_with("running_mean") && !n.ends_with("running_var");
    let parameters = best.iter().filter(|(n, _)| learned(n)).map(|(_, t)| t.data.len()).sum();
    Ok(Manifest {
        schema_version: SCHEMA_VERSION,
        name: plan.name.clone(),
        description: format!(
            "{:?} model of {} trained by regula-train",
            plan.model.preset,
            data.target_names.join(", ")
        ),
        model_file: MODEL_FILE.into(),
        model_sha256: None,
        inputs,
        output: OutputSpec {
            name: export::OUTPUT.into(),
            kind: match plan.task {
                TaskKind::Regression => OutputKind::Regression,
                TaskKind::Classification => OutputKind::Classification,
            },
        },
        targets: data
            .target_names
            .iter()
            .zip(normalisation)
            .zip(units)
            .map(|((name, n), unit)| Target {
                name: name.clone(),
                unit,
                normalisation: n.clone(),
                prediction_quantiles: None,
            })
            .collect(),
        graphs: BTreeMap::from([(
            "attribution".into(),
            GraphRef {
                file: ATTRIBUTION_FILE.into(),
                description: "the inference graph plus d pred[:, k] / d x for each output k".into(),
            },
        )]),
        training: TrainingSummary {
            data: std::iter::once(DataSource {
                name: describe_source(&plan.source),
                rows: data.examples.len() - distilled.map_or(0, |d| d.mutants_added),
                source: describe_source(&plan.source),
                licence: plan.licence.clone(),
            })
            .chain(distilled.map(|d| DataSource {
                name: format!(
                    "predictions of the teacher model{} {}",
                    if d.teachers.len() > 1 { "s" } else { "" },
                    d.teachers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
                ),
                rows: d.rows + d.mutants_added,
                source: describe_teacher(d),
                licence: d.teacher_licence.clone(),
            }))
            .collect(),
            split: describe_split(plan, split),
            architecture: describe_model(plan),
            parameters,
            epochs: state.epochs_done,
            seed: plan.train.seed,
            machine: Some(machine()),
            seconds: Some((seconds * 10.0).round() / 10.0),
        },
        // the strands the metrics below were measured on, so that every predictor predicts as
        // they were measured
        strands: Strands::from_average(plan.train.rc_average),
        metrics,
        licence: plan.licence.clone(),
    })
}

fn check_labels(data: &Dataset, plan: &Plan) -> Result<(), FitError> {
    for e in &data.examples {
        for (name, &v) in data.target_names.iter().zip(&e.targets) {
            if v != 0.0 && v != 1.0 && !v.is_nan() {
                return Err(FitError::Data(DataError::Row {
                    path: describe_source(&plan.source),
                    line: e.line,
                    id: e.id.clone(),
                    message: format!("target '{name}' is {v}; classification targets must be 0 or 1"),
                }));
            }
        }
    }
    Ok(())
}

/// The data a plan names and its split into training, validation and test rows. With
/// `--valid-data` the validation table's rows are appended after the training table's.
pub fn load_and_split(plan: &Plan) -> Result<(Dataset, Split), FitError> {
    let mut data = load(&plan.source, &plan.columns, plan.skip_bad)?;
    if let (SplitPlan::Given { valid_data, test, seed, grouping }, Source::Table { sequence, partner, .. }) =
        (&plan.split, &plan.source)
    {
        let source = Source::Table { path: valid_data.clone(), sequence: sequence.clone(), partner: partner.clone() };
        let valid = load(&source, &plan.columns, plan.skip_bad)?;
        if valid.lengths() != data.lengths() {
            return Err(FitError::Usage(format!(
                "{}: sequences are {:?} bp, the training table's {:?} bp",
                valid_data.display(),
                valid.lengths(),
                data.lengths()
            )));
        }
        let n = data.examples.len();
        let own = crate::data::split::train_and_test(&row_infos(&data), *test, *seed, grouping)?;
        data.examples.extend(valid.examples);
        data.skipped.extend(valid.skipped);
        let mut split =
            Split { train: own.train, valid: (n..data.examples.len()).collect(), test: own.test, ..Split::default() };
        leave_out_trained_sequences(&data, &mut split)?;
        return Ok((data, split));
    }
    let mut split = make_split(&data, plan)?;
    leave_out_trained_sequences(&data, &mut split)?;
    Ok((data, split))
}

/// The element of a sequence (without the `left` / `right` adapter bases every row shares), upper
/// case, in whichever orientation sorts first: one value for both orientations of an element.
pub(crate) fn canonical_element(s: &[u8], left: usize, right: usize) -> Vec<u8> {
    let start = left.min(s.len());
    let core = s[start..s.len().saturating_sub(right).max(start)].to_ascii_uppercase();
    let rc = reverse_complement(&core);
    core.min(rc)
}

/// Moves every validation and test row whose sequence a training row has (each segment's element,
/// in either orientation) to `split.left_out`: a model scored on rows it was trained on flatters
/// its epoch choice and its reported numbers. Groups keep both orientations of one element
/// together, but a table can repeat a sequence under another id, and a given validation table can
/// repeat the training table's (GUE's prom_300_tata: 10 of 490 test rows, 12 of its 613 dev rows).
fn leave_out_trained_sequences(data: &Dataset, split: &mut Split) -> Result<(), SplitError> {
    use std::collections::HashMap;
    use std::hash::{BuildHasher, RandomState};
    let (left, right) = match data.lengths().len() {
        1 => shared_flanks(data).map_or((0, 0), |f| (f.left.len(), f.right.len())),
        _ => (0, 0),
    };
    let key = |row: usize| -> Vec<Vec<u8>> {
        let segments = &data.examples[row].sequences;
        segments
            .iter()
            .enumerate()
            .map(|(k, s)| if k == 0 { canonical_element(s, left, right) } else { canonical_element(s, 0, 0) })
            .collect()
    };
    // Hashes, not keys, stay in memory (genome windows are kilobases); a hit is confirmed on the rows.
    let hasher = RandomState::new();
    let mut trained: HashMap<u64, Vec<usize>> = HashMap::new();
    for &row in &split.train {
        trained.entry(hasher.hash_one(key(row))).or_default().push(row);
    }
    let seen = |row: usize| {
        let k = key(row);
        trained.get(&hasher.hash_one(&k)).is_some_and(|rows| rows.iter().any(|&t| key(t) == k))
    };
    for (held, left_out) in [(&mut split.valid, &mut split.left_out.valid), (&mut split.test, &mut split.left_out.test)]
    {
        let (out, keep): (Vec<usize>, Vec<usize>) = held.iter().partition(|&&row| seen(row));
        *held = keep;
        *left_out = out;
    }
    if split.valid.is_empty() && !split.left_out.valid.is_empty() {
        return Err(SplitError::ValidationAllTrained(split.left_out.valid.len()));
    }
    Ok(())
}

fn row_infos(data: &Dataset) -> Vec<RowInfo<'_>> {
    data.examples
        .iter()
        .map(|e| RowInfo { id: &e.id, line: e.line, chrom: e.chrom.as_deref(), split_value: e.split.as_deref() })
        .collect()
}

/// The split a plan describes.
fn make_split(data: &Dataset, plan: &Plan) -> Result<Split, FitError> {
    let rows = row_infos(data);
    Ok(match &plan.split {
        SplitPlan::Once(strategy) => split(&rows, strategy)?,
        SplitPlan::Fold { k, fold, seed, grouping } => k_fold(&rows, *k, *seed, grouping)?.swap_remove(*fold),
        SplitPlan::Given { .. } => unreachable!("load_and_split handles a given validation table"),
    })
}

/// Bases every row's first branch starts (ends) with, when at least 8: the construct's adapters.
pub(crate) fn shared_flanks(data: &Dataset) -> Option<Flanks> {
    let first = &data.examples.first()?.sequences[0];
    let common = |rev: bool| {
        let at = |s: &Vec<u8>, i: usize| if rev { s[s.len() - 1 - i] } else { s[i] };
        (0..first.len() / 2)
            .take_while(|&i| data.examples.iter().all(|e| at(&e.sequences[0], i).eq_ignore_ascii_case(&at(first, i))))
            .count()
    };
    let (left, right) = (common(false), common(true));
    (left >= 8 && right >= 8).then(|| Flanks {
        left: String::from_utf8_lossy(&first[..left]).to_ascii_uppercase(),
        right: String::from_utf8_lossy(&first[first.len() - right..]).to_ascii_uppercase(),
    })
}

fn describe_source(source: &Source) -> String {
    match source {
        Source::Table { path, .. } => path.display().to_string(),
        Source::Fasta { fasta, targets } => format!("{} joined to {}", fasta.display(), targets.display()),
        Source::Genome { genome, tss, upstream, downstream, .. } => {
            format!(
                "promoter windows (TSS −{upstream} … +{downstream}) of {} placed by {}",
                genome.display(),
                tss.display()
            )
        }
    }
}

/// The teachers and what the student learnt from them, in words.
fn describe_teacher(d: &Relabelled) -> String {
    let named: Vec<String> = d
        .teachers
        .iter()
        .map(|(name, hash)| match hash {
            Some(h) => format!("{name} (model.onnx SHA-256 {h})"),
            None => name.clone(),
        })
        .collect();
    let whose = match named.as_slice() {
        [one] => format!("the teacher {one}'s predictions"),
        many => format!("the mean of the predictions of {} teachers, {}", many.len(), many.join(", ")),
    };
    let mutants = if d.mutants_added > 0 {
        format!(
            " and for {} mutated copies of them (each base between the adapters substituted with chance {})",
            d.mutants_added, d.rate
        )
    } else {
        String::new()
    };
    format!(
        "the training targets are {whose} (both strands averaged) for the {} training rows{mutants}; validation and test rows keep their measurements",
        d.rows
    )
}

fn describe_split(plan: &Plan, split: &Split) -> String {
    let mut sizes =
        format!("{} train / {} validation / {} test rows", split.train.len(), split.valid.len(), split.test.len());
    let (valid, test) = (split.left_out.valid.len(), split.left_out.test.len());
    if valid + test > 0 {
        sizes += &format!(
            " ({valid} validation and {test} test rows left out: a training row has the same sequence, in either orientation)"
        );
    }
    match &plan.split {
        SplitPlan::Once(crate::data::split::SplitStrategy::Random { valid, test, seed, grouping }) => {
            let groups = match grouping {
                crate::data::split::Grouping::None => "rows".to_string(),
                crate::data::split::Grouping::IdPattern(re) => format!("groups of ids equal without /{re}/"),
            };
            format!("random {groups}, validation {valid}, test {test}, seed {seed}: {sizes}")
        }
        SplitPlan::Once(crate::data::split::SplitStrategy::Chromosome { valid, test }) => {
            format!("by chromosome, validation {}, test {}: {sizes}", valid.join(","), test.join(","))
        }
        SplitPlan::Once(crate::data::split::SplitStrategy::Column) => format!("the table's split column: {sizes}"),
        SplitPlan::Fold { k, fold, seed, .. } => {
            format!("fold {fold} of {k}-fold cross-validation, seed {seed}: {sizes}")
        }
        SplitPlan::Given { valid_data, test, seed, .. } if *test > 0.0 => {
            format!(
                "validation rows from {}, test {test} of the table's groups, seed {seed}: {sizes}",
                valid_data.display()
            )
        }
        SplitPlan::Given { valid_data, .. } => format!("validation rows from {}: {sizes}", valid_data.display()),
    }
}

fn describe_model(plan: &Plan) -> String {
    let m = &plan.model;
    let t = &plan.train;
    let model = match m.preset {
        Preset::Legnet => format!(
            "Legnet: stem {} channels kernel {}, stages {:?} with kernels {:?} and max-pools {:?}, expansion {}, {}, SiLU, mapper to {} channels, global average pool, dense head",
            m.stem_channels,
            m.stem_kernel,
            m.channels,
            m.kernels,
            m.pools,
            m.expand,
            match m.se_reduction {
                0 => "no squeeze-excitation".to_string(),
                r => format!("squeeze-excitation reduction {r}"),
            },
            2 * m.channels.last().copied().unwrap_or(0)
        ),
        Preset::DilatedResnet => format!(
            "DilatedResnet: stem {} channels kernel {}, residual blocks channels {:?}, kernels {:?}, dilations {:?}, max-pools {:?}, {:?}, dropout {}, global average pool, dense head",
            m.stem_channels, m.stem_kernel, m.channels, m.kernels, m.dilations, m.pools, m.activation, m.dropout
        ),
        _ => format!(
            "{:?}: conv blocks channels {:?}, kernels {:?}, dilations {:?}, max-pools {:?}, {:?}, dropout {}, global average pool, dense head",
            m.preset, m.channels, m.kernels, m.dilations, m.pools, m.activation, m.dropout
        ),
    };
    let schedule = match t.schedule {
        Schedule::OneCycle => format!("one-cycle to max lr {}", t.lr),
        _ => format!("lr {} (schedule {:?}, warm-up {} epochs)", t.lr, t.schedule, t.warmup_epochs),
    };
    let flanks = if t.augment_shift > 0 && !(t.flank_left.is_empty() && t.flank_right.is_empty()) {
        format!(" (filled from {} + {} flanking bases)", t.flank_left.len(), t.flank_right.len())
    } else {
        String::new()
    };
    format!(
        "{model}; AdamW {schedule}, weight decay {}, batch {}, RC augmentation {}, shift {}{flanks}",
        t.weight_decay, t.batch_size, t.augment_rc, t.augment_shift
    )
}

/// CPU model and core count, for the record.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores")
}

fn progress_bar(show: bool, batches: usize, epoch: usize, epochs: usize) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(batches as u64);
    bar.set_style(
        ProgressStyle::with_template("epoch {prefix} [{bar:30}] {pos}/{len} batches  {msg}  ETA {eta}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(format!("{epoch}/{epochs}"));
    bar
}

fn write_error(path: &std::path::Path, e: std::io::Error) -> FitError {
    FitError::Write { path: path.display().to_string(), message: e.to_string() }
}
