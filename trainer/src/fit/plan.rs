//! Resolving [`FitOptions`] (everything optional) into a [`Plan`] (everything decided), with
//! the defaults in one place and a clear message for every inconsistent combination.

use super::distill::TeacherPlan;
use std::path::PathBuf;

use regex::Regex;

use crate::data::dataset::{Columns, Source, TssColumns};
use crate::data::split::{Grouping, SplitStrategy};
use crate::data::targets::TargetTransform;
use crate::eval::metrics::TaskKind;
use crate::options::{ActivationName, FitOptions, Preset, Schedule, SplitKind, Task};
use regula_core::manifest::LogTransform;

/// A fully decided training run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub source: Source,
    pub columns: Columns,
    pub skip_bad: bool,
    pub task: TaskKind,
    pub transform: TargetTransform,
    pub task_weights: Option<Vec<f32>>,
    pub split: SplitPlan,
    pub model: ModelPlan,
    pub train: TrainPlan,
    pub out: PathBuf,
    pub name: String,
    pub licence: String,
    pub limits: Option<String>,
    /// `--units`: one for every target, or one per target (checked against the data's targets).
    pub units: Option<Vec<String>>,
    pub device: String,
    pub threads: usize,
    /// `--teacher`: learn a trained model's predictions for the training rows.
    pub teacher: Option<TeacherPlan>,
}

#[derive(Clone, Debug)]
pub enum SplitPlan {
    Once(SplitStrategy),
    /// Validation rows come from their own table.
    Given {
        valid_data: PathBuf,
        /// Fraction of the main table's groups held out for testing (`--test-fraction`).
        test: f64,
        seed: u64,
        grouping: Grouping,
    },
    Fold {
        k: usize,
        fold: usize,
        seed: u64,
        grouping: Grouping,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ModelPlan {
    pub preset: Preset,
    pub channels: Vec<usize>,
    pub kernels: Vec<usize>,
    pub dilations: Vec<usize>,
    pub pools: Vec<usize>,
    pub activation: ActivationName,
    pub dropout: f64,
    pub attention_heads: usize,
    /// `legnet` / `dilated-resnet`: the stem conv.
    pub stem_channels: usize,
    pub stem_kernel: usize,
    /// `legnet`: bottleneck expansion and squeeze-excitation reduction.
    pub expand: usize,
    pub se_reduction: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrainPlan {
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f32,
    pub weight_decay: f32,
    pub schedule: Schedule,
    pub warmup_epochs: f64,
    pub plateau_factor: f64,
    pub plateau_patience: usize,
    pub patience: usize,
    pub metric: String,
    pub augment_rc: bool,
    pub augment_shift: usize,
    /// Construct bases upstream / downstream of the sequences, moved in by shift augmentation.
    pub flank_left: String,
    pub flank_right: String,
    pub rc_average: bool,
    pub clip_grad_norm: Option<f32>,
    /// Training batches run at learning rate 0 before each validation, to re-estimate batch-norm
    /// statistics for the epoch's final weights.
    pub bn_recalibration: usize,
    pub seed: u64,
}

impl TrainPlan {
    /// Whether a larger value of the early-stopping metric is better.
    pub fn higher_is_better(&self) -> bool {
        !matches!(self.metric.as_str(), "mse" | "loss")
    }
}

/// A flank given on the command line, upper-cased; only A, C, G, T and N.
fn flank(name: &str, s: Option<&str>) -> Result<String, String> {
    let s = s.unwrap_or("").trim().to_ascii_uppercase();
    match s.bytes().position(|b| !b"ACGTN".contains(&b)) {
        Some(i) => Err(format!("--{name}: position {} is '{}', expected A, C, G, T or N", i + 1, &s[i..=i])),
        None => Ok(s),
    }
}

const REGRESSION_METRICS: &[&str] = &["pearson", "spearman", "r2", "mse", "loss"];
const CLASSIFICATION_METRICS: &[&str] = &["auroc", "auprc", "mcc", "loss"];

impl Plan {
    pub fn resolve(o: FitOptions) -> Result<Plan, String> {
        crate::checks::fit_options(&o)?;
        if let (Some(units), Some(targets)) = (&o.units, &o.target_columns)
            && units.len() > 1
            && units.len() != targets.len()
        {
            return Err(format!(
                "--units gives {} units for {} targets ({}): give one for all, or one per target separated by ';'",
                units.len(),
                targets.len(),
                targets.join(", ")
            ));
        }
        let columns = Columns {
            id: o.id_column.clone(),
            targets: o.target_columns.clone().unwrap_or_default(),
            chrom: o.chrom_column.clone(),
            split: o.split_column.clone(),
            mask_missing: o.mask_missing.unwrap_or(false),
        };
        if columns.targets.is_empty() {
            return Err("name the target columns with --target-columns (or `target_columns` in the config)".into());
        }
        let source = match (&o.data, &o.fasta, &o.genome) {
            (Some(data), None, None) => Source::Table {
                path: data.clone(),
                sequence: o.sequence_column.clone().unwrap_or_else(|| "sequence".into()),
                partner: o.partner_column.clone(),
            },
            (None, Some(fasta), None) => Source::Fasta {
                fasta: fasta.clone(),
                targets: o.targets.clone().ok_or("--fasta needs --targets: a table of id and target columns")?,
            },
            (None, None, Some(genome)) => Source::Genome {
                genome: genome.clone(),
                tss: o
                    .tss
                    .clone()
                    .ok_or("--genome needs --tss: a table of id, chromosome, position, strand and targets")?,
                tss_columns: TssColumns {
                    position: o.position_column.clone().unwrap_or_else(|| "position".into()),
                    strand: o.strand_column.clone().unwrap_or_else(|| "strand".into()),
                    zero_based: o.zero_based.unwrap_or(false),
                },
                upstream: o.upstream.unwrap_or(7000),
                downstream: o.downstream.unwrap_or(3500),
            },
            (None, None, None) => return Err(
                "no training data: give --data TABLE, or --fasta FASTA --targets TABLE, or --genome FASTA --tss TABLE"
                    .into(),
            ),
            _ => {
                return Err(
                    "give exactly one data source: --data, --fasta (with --targets) or --genome (with --tss)".into()
                );
            }
        };
        if matches!(source, Source::Genome { .. }) && columns.chrom.is_none() {
            return Err("--genome needs --chrom-column: the TSS table's chromosome column".into());
        }
        let task = match o.task.unwrap_or(Task::Regression) {
            Task::Regression => TaskKind::Regression,
            Task::Classification => TaskKind::Classification,
        };
        let log = o.log_base.map(|base| LogTransform { base, pseudocount: o.pseudocount.unwrap_or(1.0) });
        if task == TaskKind::Classification && (log.is_some() || o.standardise == Some(true)) {
            return Err("classification targets are 0/1 labels: drop --log-base and --standardise".into());
        }
        let transform =
            TargetTransform { log, standardise: task == TaskKind::Regression && o.standardise.unwrap_or(true) };
        if let Some(w) = &o.task_weights
            && w.len() != columns.targets.len()
        {
            return Err(format!("--task-weights has {} values for {} target columns", w.len(), columns.targets.len()));
        }
        let seed = o.seed.unwrap_or(1);
        let split_seed = o.split_seed.unwrap_or(seed);
        let grouping = match &o.group_pattern {
            Some(p) => {
                Grouping::IdPattern(Regex::new(p).map_err(|e| format!("--group-pattern is not a valid regex: {e}"))?)
            }
            None => Grouping::None,
        };
        let split = match (o.folds, o.fold) {
            _ if o.valid_data.is_some() && (o.folds.is_some() || o.split.is_some()) => {
                return Err("--valid-data gives the validation rows itself: drop --split and --folds".into());
            }
            (None, None) if o.valid_data.is_some() => {
                if !matches!(source, Source::Table { .. }) {
                    return Err("--valid-data goes with --data (a table)".into());
                }
                SplitPlan::Given {
                    valid_data: o.valid_data.clone().expect("checked"),
                    test: o.test_fraction.unwrap_or(0.0),
                    seed: split_seed,
                    grouping,
                }
            }
            (Some(k), Some(fold)) if fold < k => SplitPlan::Fold { k, fold, seed: split_seed, grouping },
            (Some(k), Some(fold)) => {
                return Err(format!("--fold {fold} is not below --folds {k} (folds count from 0)"));
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err("k-fold cross-validation needs both --folds K and --fold I".into());
            }
            (None, None) => SplitPlan::Once(match o.split.unwrap_or(SplitKind::Random) {
                SplitKind::Random => SplitStrategy::Random {
                    valid: o.valid_fraction.unwrap_or(0.1),
                    test: o.test_fraction.unwrap_or(0.0),
                    seed: split_seed,
                    grouping,
                },
                SplitKind::Chromosome => {
                    if columns.chrom.is_none() && !matches!(source, Source::Genome { .. }) {
                        return Err("--split chromosome needs --chrom-column".into());
                    }
                    SplitStrategy::Chromosome {
                        valid: o.valid_chroms.clone().ok_or("--split chromosome needs --valid-chroms")?,
                        test: o.test_chroms.clone().unwrap_or_default(),
                    }
                }
                SplitKind::Column => {
                    if columns.split.is_none() {
                        return Err("--split column needs --split-column".into());
                    }
                    SplitStrategy::Column
                }
            }),
        };
        if o.split_seed.is_some()
            && !matches!(split, SplitPlan::Fold { .. } | SplitPlan::Once(SplitStrategy::Random { .. }))
            && !matches!(split, SplitPlan::Given { test, .. } if test > 0.0)
        {
            return Err(
                "--split-seed seeds a random or k-fold split; this split is not drawn at random: drop it".into()
            );
        }
        let preset = o.preset.unwrap_or(Preset::Cnn);
        let channels = o.channels.clone().unwrap_or_else(|| match preset {
            Preset::Legnet => vec![80, 96, 112, 128],
            Preset::DilatedResnet => vec![128; 6],
            _ => vec![128, 128, 128],
        });
        let n = channels.len();
        let per_block = |name: &str, v: Option<Vec<usize>>, default: Vec<usize>| -> Result<Vec<usize>, String> {
            let v = v.unwrap_or(default);
            if v.len() != n {
                return Err(format!("--{name} has {} values but --channels has {n} blocks", v.len()));
            }
            if v.contains(&0) {
                return Err(format!("--{name} values must be at least 1"));
            }
            Ok(v)
        };
        let (default_kernels, default_dilations, default_pools): (Vec<usize>, Vec<usize>, Vec<usize>) = match preset {
            Preset::Legnet => (vec![9; n], vec![1; n], vec![2; n]),
            Preset::DilatedResnet => (
                vec![3; n],
                (0..n).map(|i| 1 << i.min(10)).collect(),
                std::iter::once(2).chain(std::iter::repeat(1)).take(n).collect(),
            ),
            _ => (
                [15, 7, 5].iter().copied().chain(std::iter::repeat(5)).take(n).collect(),
                vec![1; n],
                [4, 4].iter().copied().chain(std::iter::repeat(1)).take(n).collect(),
            ),
        };
        let (legnet, resnet) = (preset == Preset::Legnet, preset == Preset::DilatedResnet);
        if legnet && o.activation.is_some_and(|a| a != ActivationName::Silu) {
            return Err("the legnet preset uses SiLU throughout; drop --activation".into());
        }
        let model = ModelPlan {
            preset,
            kernels: per_block("kernels", o.kernels.clone(), default_kernels)?,
            dilations: per_block("dilations", o.dilations.clone(), default_dilations)?,
            pools: per_block("pools", o.pools.clone(), default_pools)?,
            channels,
            activation: o.activation.unwrap_or(if legnet || resnet {
                ActivationName::Silu
            } else {
                ActivationName::Relu
            }),
            dropout: o.dropout.unwrap_or(if legnet { 0.0 } else { 0.2 }),
            attention_heads: o.attention_heads.unwrap_or(4),
            stem_channels: o.stem_channels.unwrap_or(if resnet { 128 } else { 64 }),
            stem_kernel: o.stem_kernel.unwrap_or(if resnet { 15 } else { 11 }),
            expand: o.expand.unwrap_or(4),
            se_reduction: o.se_reduction.unwrap_or(4),
        };
        if [model.stem_channels, model.stem_kernel, model.expand].contains(&0) {
            return Err("--stem-channels, --stem-kernel and --expand must be at least 1".into());
        }
        if legnet && o.dilations.is_some() {
            return Err("the legnet preset has no dilations; drop --dilations".into());
        }
        if !(0.0..1.0).contains(&model.dropout) {
            return Err(format!("--dropout {} is not in [0, 1)", model.dropout));
        }
        if preset == Preset::DualBranch && o.partner_column.is_none() {
            return Err("the dual-branch preset needs --partner-column: the distal sequence of each row".into());
        }
        let metric =
            o.metric.clone().unwrap_or_else(|| if task == TaskKind::Regression { "pearson" } else { "auroc" }.into());
        let allowed = if task == TaskKind::Regression { REGRESSION_METRICS } else { CLASSIFICATION_METRICS };
        if !allowed.contains(&metric.as_str()) {
            return Err(format!("--metric {metric} does not apply here; choose one of {}", allowed.join(", ")));
        }
        let train = TrainPlan {
            epochs: o.epochs.unwrap_or(20),
            batch_size: o.batch_size.unwrap_or(64),
            lr: match o.schedule {
                Some(Schedule::OneCycle) => o.max_lr.or(o.lr).unwrap_or(1e-3),
                _ => o.lr.unwrap_or(1e-3),
            },
            weight_decay: o.weight_decay.unwrap_or(0.01),
            schedule: o.schedule.unwrap_or(Schedule::Cosine),
            warmup_epochs: o.warmup_epochs.unwrap_or(1.0),
            plateau_factor: o.plateau_factor.unwrap_or(2.0),
            plateau_patience: o.plateau_patience.unwrap_or(2),
            patience: o.patience.unwrap_or(5),
            metric,
            augment_rc: o.augment_rc.unwrap_or(true),
            augment_shift: o.augment_shift.unwrap_or(0),
            flank_left: flank("flank-left", o.flank_left.as_deref())?,
            flank_right: flank("flank-right", o.flank_right.as_deref())?,
            rc_average: o.rc_average.unwrap_or(true),
            clip_grad_norm: o.clip_grad_norm,
            bn_recalibration: o.bn_recalibration.unwrap_or(32),
            seed,
        };
        if o.partner_column.is_some() && !(train.flank_left.is_empty() && train.flank_right.is_empty()) {
            return Err(
                "--flank-left/--flank-right describe a single sequence's construct; drop them with --partner-column"
                    .into(),
            );
        }
        if o.max_lr.is_some() && train.schedule != Schedule::OneCycle {
            return Err("--max-lr is the peak of --schedule one-cycle; other schedules peak at --lr".into());
        }
        if train.epochs == 0 || train.batch_size == 0 {
            return Err("--epochs and --batch-size must be at least 1".into());
        }
        let teacher = match (&o.teacher, o.teacher_mutants, o.teacher_mutation_rate) {
            (None, None, None) => None,
            (None, _, _) => return Err("--teacher-mutants and --teacher-mutation-rate need --teacher".into()),
            (Some(dirs), _, _) if dirs.is_empty() => return Err("--teacher names no model folder".into()),
            (Some(dirs), mutants, rate) => {
                let rate = rate.unwrap_or(0.05);
                if !(rate > 0.0 && rate <= 1.0) {
                    return Err(format!("--teacher-mutation-rate {rate} is not in (0, 1]"));
                }
                if task != TaskKind::Regression {
                    return Err("--teacher distils a regression model; this task is classification".into());
                }
                Some(TeacherPlan { dirs: dirs.clone(), mutants: mutants.unwrap_or(0), rate })
            }
        };
        let out = o.out.clone().ok_or("name an output folder with --out")?;
        let name = o
            .name
            .clone()
            .unwrap_or_else(|| out.file_name().map_or("model".into(), |n| n.to_string_lossy().into_owned()));
        Ok(Plan {
            source,
            columns,
            skip_bad: o.skip_bad.unwrap_or(false),
            task,
            transform,
            task_weights: o.task_weights.clone(),
            split,
            model,
            train,
            out,
            name,
            licence: o.licence.clone().unwrap_or_else(|| "unspecified".into()),
            limits: o.limits.clone(),
            units: o.units.clone(),
            device: o.device.clone().unwrap_or_else(|| "cpu".into()),
            threads: o.threads.unwrap_or(0),
            teacher,
        })
    }
}
