//! Everything a training run can be told, as one struct that is both the command line (clap)
//! and the TOML config file (serde): every flag has a config key of the same name, so a run is
//! fully described by its config and reproducible from it. Values given on the command line
//! override the file.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    Regression,
    Classification,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitKind {
    /// Random groups of rows (see `group_pattern`).
    Random,
    /// Chromosomes named by `valid_chroms` / `test_chroms`.
    Chromosome,
    /// The table's own `split_column`.
    Column,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Conv–BN–activation–pool stacks, global pooling, dense head.
    Cnn,
    /// `cnn` with a transformer block over the conv features.
    CnnAttention,
    /// Promoter and distal branches, each a CNN, merged (the DeepCBA design).
    DualBranch,
    /// MPRALegNet: stem, inverted-bottleneck stages with squeeze-excitation, each concatenated
    /// to its input, conv and max-pool; mapper and dense head (`model/legnet.rs`).
    Legnet,
    /// A residual tower of dilated convolutions with nothing global before the final pool, so
    /// fast windowed mutagenesis applies (`model/resnet.rs`).
    DilatedResnet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Schedule {
    /// Linear warm-up, then cosine decay to zero.
    Cosine,
    /// PyTorch's `OneCycleLR` (two phases, cosine): from `max_lr / 25` up to `max_lr` over the
    /// first 30 % of all steps, then down to `max_lr / 25 / 10⁴`, stepped every batch.
    OneCycle,
    /// Linear warm-up, then divide by `plateau_factor` when the metric stalls.
    Plateau,
    Constant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActivationName {
    Relu,
    Gelu,
    Softplus,
    Silu,
}

/// Options of `regula-train fit`. `None` means "not given here": the config file's value, then
/// the default, applies.
#[derive(Clone, Debug, Default, PartialEq, Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct FitOptions {
    // --- data in ---
    /// A TSV/CSV table with a header: sequence column and target columns.
    #[arg(long, help_heading = "Data")]
    pub data: Option<PathBuf>,
    /// FASTA of sequences, joined to `targets` by id (instead of `data`).
    #[arg(long, help_heading = "Data")]
    pub fasta: Option<PathBuf>,
    /// Targets table for `fasta` or `tss` rows.
    #[arg(long, help_heading = "Data")]
    pub targets: Option<PathBuf>,
    /// Genome FASTA to cut promoter windows from (with `tss`).
    #[arg(long, help_heading = "Data")]
    pub genome: Option<PathBuf>,
    /// TSS table: id, chromosome, position, strand (and targets).
    #[arg(long, help_heading = "Data")]
    pub tss: Option<PathBuf>,
    /// Bases upstream of the TSS in each promoter window [default: 7000].
    #[arg(long, help_heading = "Data")]
    pub upstream: Option<u64>,
    /// Bases from the TSS downstream [default: 3500].
    #[arg(long, help_heading = "Data")]
    pub downstream: Option<u64>,
    /// TSS position column [default: position].
    #[arg(long, help_heading = "Data")]
    pub position_column: Option<String>,
    /// TSS strand column [default: strand].
    #[arg(long, help_heading = "Data")]
    pub strand_column: Option<String>,
    /// TSS positions are 0-based [default: false, i.e. 1-based].
    #[arg(long, help_heading = "Data", num_args = 0..=1, default_missing_value = "true")]
    pub zero_based: Option<bool>,
    /// Sequence column of `data` [default: sequence].
    #[arg(long, help_heading = "Data")]
    pub sequence_column: Option<String>,
    /// Second sequence column (distal partner) for `dual-branch`.
    #[arg(long, help_heading = "Data")]
    pub partner_column: Option<String>,
    /// Id column [default: none, rows are named by position; `id` when joining FASTA].
    #[arg(long, help_heading = "Data")]
    pub id_column: Option<String>,
    /// Target columns, comma-separated: one model output per column.
    #[arg(long, help_heading = "Data", value_delimiter = ',')]
    pub target_columns: Option<Vec<String>>,
    /// Chromosome column (chromosome splits).
    #[arg(long, help_heading = "Data")]
    pub chrom_column: Option<String>,
    /// Leave out bad rows (and count them) instead of stopping at the first [default: false].
    #[arg(long, help_heading = "Data", num_args = 0..=1, default_missing_value = "true")]
    pub skip_bad: Option<bool>,
    /// With several target columns, let a row miss some targets (empty, NA, NaN) as long as it
    /// measures one: each target trains (masked loss), normalises and is scored on the rows that
    /// measure it [default: false].
    #[arg(long, help_heading = "Data", num_args = 0..=1, default_missing_value = "true")]
    pub mask_missing: Option<bool>,

    // --- targets ---
    /// regression or classification (0/1 targets) [default: regression].
    #[arg(long, help_heading = "Targets")]
    pub task: Option<Task>,
    /// Log-transform targets with this base (e.g. 2, 10) before standardising.
    #[arg(long, help_heading = "Targets")]
    pub log_base: Option<f64>,
    /// Added before the log [default: 1].
    #[arg(long, help_heading = "Targets")]
    pub pseudocount: Option<f64>,
    /// Standardise regression targets on the training rows [default: true].
    #[arg(long, help_heading = "Targets", num_args = 0..=1, default_missing_value = "true")]
    pub standardise: Option<bool>,
    /// Loss weight per target, comma-separated [default: 1 each].
    #[arg(long, help_heading = "Targets", value_delimiter = ',')]
    pub task_weights: Option<Vec<f32>>,

    // --- split ---
    /// random, chromosome or column [default: random].
    #[arg(long, help_heading = "Split")]
    pub split: Option<SplitKind>,
    /// Fraction of groups for validation [default: 0.1].
    #[arg(long, help_heading = "Split")]
    pub valid_fraction: Option<f64>,
    /// Fraction of groups held out for testing [default: 0].
    #[arg(long, help_heading = "Split")]
    pub test_fraction: Option<f64>,
    /// Regex deleted from ids to form groups, e.g. `_Reversed:$` keeps both orientations of a
    /// lentiMPRA element together.
    #[arg(long, help_heading = "Split")]
    pub group_pattern: Option<String>,
    /// Validation chromosomes, comma-separated.
    #[arg(long, help_heading = "Split", value_delimiter = ',')]
    pub valid_chroms: Option<Vec<String>>,
    /// Test chromosomes, comma-separated.
    #[arg(long, help_heading = "Split", value_delimiter = ',')]
    pub test_chroms: Option<Vec<String>>,
    /// A second table (same columns) whose rows are the validation set, instead of splitting.
    #[arg(long, help_heading = "Split")]
    pub valid_data: Option<PathBuf>,
    /// The table's split column (`train`/`valid`/`test`).
    #[arg(long, help_heading = "Split")]
    pub split_column: Option<String>,
    /// k for k-fold cross-validation (with `fold`).
    #[arg(long, help_heading = "Split")]
    pub folds: Option<usize>,
    /// Which fold (0-based) validates, with `folds`.
    #[arg(long, help_heading = "Split")]
    pub fold: Option<usize>,
    /// Seed of the random or k-fold split alone [default: `seed`]: runs with other seeds
    /// (initialisation, order, augmentation) on one split, e.g. the members of an ensemble.
    #[arg(long, help_heading = "Split")]
    pub split_seed: Option<u64>,

    // --- model ---
    /// cnn, cnn-attention, dual-branch, legnet or dilated-resnet [default: cnn].
    #[arg(long, help_heading = "Model")]
    pub preset: Option<Preset>,
    /// Channels per conv block, comma-separated [default: 128,128,128; legnet: the stage widths
    /// 80,96,112,128; dilated-resnet: 128 for each of 6 blocks].
    #[arg(long, help_heading = "Model", value_delimiter = ',')]
    pub channels: Option<Vec<usize>>,
    /// Kernel size per block [default: 15,7,5; legnet: 9 per stage; dilated-resnet: 3 per block].
    #[arg(long, help_heading = "Model", value_delimiter = ',')]
    pub kernels: Option<Vec<usize>>,
    /// Dilation per block [default: 1 each; dilated-resnet: 1,2,4,8,16,32,...].
    #[arg(long, help_heading = "Model", value_delimiter = ',')]
    pub dilations: Option<Vec<usize>>,
    /// Max-pool size after each block, 1 = none [default: 4,4,1; legnet: 2 each; dilated-resnet:
    /// 2 after the first block, 1 after the others].
    #[arg(long, help_heading = "Model", value_delimiter = ',')]
    pub pools: Option<Vec<usize>>,
    /// relu, gelu, softplus or silu [default: relu; legnet always SiLU; dilated-resnet: silu].
    #[arg(long, help_heading = "Model")]
    pub activation: Option<ActivationName>,
    /// Dropout before the head [default: 0.2].
    #[arg(long, help_heading = "Model")]
    pub dropout: Option<f64>,
    /// Attention heads of `cnn-attention` [default: 4].
    #[arg(long, help_heading = "Model")]
    pub attention_heads: Option<usize>,
    /// legnet / dilated-resnet: channels of the stem conv [default: 64; dilated-resnet: 128].
    #[arg(long, help_heading = "Model")]
    pub stem_channels: Option<usize>,
    /// legnet / dilated-resnet: kernel of the stem conv [default: 11; dilated-resnet: 15].
    #[arg(long, help_heading = "Model")]
    pub stem_kernel: Option<usize>,
    /// legnet: expansion of the inverted bottleneck [default: 4].
    #[arg(long, help_heading = "Model")]
    pub expand: Option<usize>,
    /// legnet: squeeze-excitation hidden width = expanded width / this [default: 4, as
    /// human_legnet; 16 is the original LegNet's quarter of the block input]. 0: no
    /// squeeze-excitation, so no op before the final pool looks at the whole sequence and
    /// saturation scans can recompute only what a substitution changes.
    #[arg(long, help_heading = "Model")]
    pub se_reduction: Option<usize>,

    // --- training ---
    /// Maximum epochs [default: 20].
    #[arg(long, help_heading = "Training")]
    pub epochs: Option<usize>,
    /// [default: 64].
    #[arg(long, help_heading = "Training")]
    pub batch_size: Option<usize>,
    /// Peak learning rate of AdamW [default: 0.001].
    #[arg(long, help_heading = "Training")]
    pub lr: Option<f32>,
    /// Peak learning rate of the one-cycle schedule [default: `lr`].
    #[arg(long, help_heading = "Training")]
    pub max_lr: Option<f32>,
    /// AdamW decoupled weight decay [default: 0.01].
    #[arg(long, help_heading = "Training")]
    pub weight_decay: Option<f32>,
    /// cosine, one-cycle, plateau or constant [default: cosine].
    #[arg(long, help_heading = "Training")]
    pub schedule: Option<Schedule>,
    /// Warm-up length in epochs (fractions allowed) [default: 1].
    #[arg(long, help_heading = "Training")]
    pub warmup_epochs: Option<f64>,
    /// Plateau schedule: divide the rate by this [default: 2].
    #[arg(long, help_heading = "Training")]
    pub plateau_factor: Option<f64>,
    /// Plateau schedule: epochs without improvement before dividing [default: 2].
    #[arg(long, help_heading = "Training")]
    pub plateau_patience: Option<usize>,
    /// Stop after this many epochs without a better validation metric [default: 5].
    #[arg(long, help_heading = "Training")]
    pub patience: Option<usize>,
    /// Early-stopping metric: pearson, spearman, r2, mse, loss, auroc, auprc [default: pearson,
    /// or auroc for classification].
    #[arg(long, help_heading = "Training")]
    pub metric: Option<String>,
    /// Train on the reverse complement of a random half of each batch [default: true].
    #[arg(long, help_heading = "Training", num_args = 0..=1, default_missing_value = "true")]
    pub augment_rc: Option<bool>,
    /// Shift sequences by up to this many bases [default: 0]. The bases moved in come from the
    /// construct around the sequence: `flank_left` / `flank_right`, then N.
    #[arg(long, help_heading = "Training")]
    pub augment_shift: Option<usize>,
    /// The construct's bases just upstream of every training sequence (e.g. the plasmid before
    /// the 5′ adapter), moved in by shift augmentation [default: none, N].
    #[arg(long, help_heading = "Training")]
    pub flank_left: Option<String>,
    /// The construct's bases just downstream of every training sequence [default: none, N].
    #[arg(long, help_heading = "Training")]
    pub flank_right: Option<String>,
    /// Evaluate on the mean of forward and reverse-complement predictions [default: true].
    #[arg(long, help_heading = "Training", num_args = 0..=1, default_missing_value = "true")]
    pub rc_average: Option<bool>,
    /// Clip the global gradient norm to this value.
    #[arg(long, help_heading = "Training")]
    pub clip_grad_norm: Option<f32>,
    /// Before each validation, re-estimate batch-norm running statistics with the epoch's final
    /// weights over this many training batches (0: keep the statistics gathered while the weights
    /// moved) [default: 32].
    #[arg(long, help_heading = "Training")]
    pub bn_recalibration: Option<usize>,
    /// Distil: train on these model folders' predictions for the training rows, averaged over
    /// the teachers (an ensemble distilled into one student); validation and test rows keep
    /// their measurements. No teacher may have trained on this run's validation or test rows:
    /// train them with the same split. Comma-separated, or the flag repeated.
    #[arg(long, help_heading = "Training", value_delimiter = ',')]
    pub teacher: Option<Vec<PathBuf>>,
    /// With --teacher: add this many mutated copies of each training row, labelled by the
    /// teacher [default: 0].
    #[arg(long, help_heading = "Training")]
    pub teacher_mutants: Option<usize>,
    /// With --teacher-mutants: chance that a base of a copy (between the construct's adapters)
    /// is substituted [default: 0.05].
    #[arg(long, help_heading = "Training")]
    pub teacher_mutation_rate: Option<f64>,
    /// Seed of initialisation, split, shuffling and augmentation [default: 1].
    #[arg(long, help_heading = "Training")]
    pub seed: Option<u64>,
    /// cpu or cuda[:N] [default: cpu].
    #[arg(long, help_heading = "Training")]
    pub device: Option<String>,
    /// Threads for ONNX Runtime [default: all cores].
    #[arg(long, help_heading = "Training")]
    pub threads: Option<usize>,

    // --- output ---
    /// Output folder: model, manifest, report, checkpoint.
    #[arg(long, help_heading = "Output")]
    pub out: Option<PathBuf>,
    /// Model name in the manifest [default: the output folder's name].
    #[arg(long, help_heading = "Output")]
    pub name: Option<String>,
    /// Licence of the data, for the manifest.
    #[arg(long, help_heading = "Output")]
    pub licence: Option<String>,
    /// Known limits of the model (cell type, length, species), for its model card.
    #[arg(long, help_heading = "Output")]
    pub limits: Option<String>,
    /// What each target measures, in its units, shown beside every prediction (e.g. "log2
    /// RNA/DNA, lentiMPRA HepG2"): one for all targets, or one per target, separated by `;`.
    #[arg(long, help_heading = "Output", value_delimiter = ';')]
    pub units: Option<Vec<String>>,
}

/// `self` where given, else `other`: applied field by field.
macro_rules! overlay {
    ($a:ident, $b:ident; $($f:ident),* $(,)?) => {
        FitOptions { $($f: $a.$f.or($b.$f)),* }
    };
}

impl FitOptions {
    /// These options over `base` (a config file's): a value given here wins.
    pub fn over(self, base: FitOptions) -> FitOptions {
        let (a, b) = (self, base);
        overlay!(a, b;
            data, fasta, targets, genome, tss, upstream, downstream, position_column, strand_column, zero_based,
            sequence_column, partner_column, id_column, target_columns, chrom_column, skip_bad, mask_missing,
            task, log_base, pseudocount, standardise, task_weights,
            split, valid_fraction, test_fraction, group_pattern, valid_chroms, test_chroms, valid_data, split_column, folds, fold, split_seed,
            preset, channels, kernels, dilations, pools, activation, dropout, attention_heads,
            stem_channels, stem_kernel, expand, se_reduction,
            epochs, batch_size, lr, max_lr, weight_decay, schedule, warmup_epochs, plateau_factor, plateau_patience,
            patience, metric, augment_rc, augment_shift, flank_left, flank_right, rc_average, clip_grad_norm, bn_recalibration, teacher, teacher_mutants, teacher_mutation_rate, seed, device, threads,
            out, name, licence, limits, units,
        )
    }

    /// Reads a TOML config file; unknown keys are errors naming the key.
    pub fn from_toml(text: &str) -> Result<FitOptions, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The options as TOML, e.g. to record a run next to its model.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("options always serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        fit: FitOptions,
    }

    #[test]
    fn command_line_overrides_the_config_file() {
        let file = FitOptions::from_toml(
            "epochs = 30\nlr = 0.002\ntarget_columns = [\"a\", \"b\"]\npreset = \"cnn-attention\"\n",
        )
        .unwrap();
        let cli = Cli::parse_from(["x", "--epochs", "5", "--augment-rc", "--pools", "4,1"]).fit;
        let merged = cli.over(file);
        assert_eq!(merged.epochs, Some(5));
        assert_eq!(merged.lr, Some(0.002));
        assert_eq!(merged.target_columns, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(merged.preset, Some(Preset::CnnAttention));
        assert_eq!(merged.augment_rc, Some(true));
        assert_eq!(merged.pools, Some(vec![4, 1]));
    }

    #[test]
    fn every_flag_is_a_config_key() {
        // Each long flag, with dashes as underscores, must be accepted as a TOML key.
        use clap::CommandFactory;
        for arg in Cli::command().get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            let key = long.replace('-', "_");
            let e = FitOptions::from_toml(&format!("{key} = \"x\"\n")).err().unwrap_or_default();
            assert!(!e.contains("unknown field"), "--{long} has no config key: {e}");
        }
    }

    #[test]
    fn a_config_round_trips_and_unknown_keys_are_named() {
        let o = FitOptions { epochs: Some(3), group_pattern: Some("_Reversed:$".into()), ..Default::default() };
        assert_eq!(FitOptions::from_toml(&o.to_toml()).unwrap(), o);
        let e = FitOptions::from_toml("epoch = 3\n").unwrap_err();
        assert!(e.contains("unknown field `epoch`"), "{e}");
    }
}
