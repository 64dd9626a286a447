//! `regula-train`: a thin command line over the `regula_train` library.

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use regula_core::length::LengthPolicy;
use regula_core::sequence::SequenceRecord;
use regula_infer::ism::{FastPath, IsmRun, Method};
use regula_infer::reference_windows::ReferenceWindows;
use regula_infer::vcf_annotation::VcfAnnotation;
use regula_train::data::genome::{Genome, IndexedGenome, Reference};
use regula_train::ensemble::EnsemblePlan;
use regula_train::io::{self, Output, Stop};
use regula_train::model_folder::ModelFolder;
use regula_train::model_metrics::{EvalSet, evaluate_model};
use regula_train::options::FitOptions;
use regula_train::regions::Regions;
use regula_train::runtime::{Device, RuntimeConfig};
use regula_train::score_workers::Workers;
use regula_train::vcf_io::{self, VcfInput, VcfOutput};
use regula_train::{checks, out_dir, tables, vcf_windows};

#[derive(Parser)]
#[command(
    name = "regula-train",
    version,
    about = "Train, evaluate and export DNA sequence-to-expression models (ONNX, trained in ONNX Runtime)",
    after_help = "Inputs may be gzip or bgzip compressed. Exit codes: 0 done (also when the reader of standard output \
                  closes it early); 1 an error, reported with file, line and field (an --out file is then not written); \
                  2 a usage error; 3 nothing could be scored (the table is written, its error column says why)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model on a table, FASTA + targets, or genome + TSS table, and export it.
    Fit {
        /// A TOML file of options (keys are the flag names with underscores); flags override it.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Continue the run whose checkpoint is in --out (same options).
        #[arg(long, conflicts_with = "force")]
        resume: bool,
        /// Replace the model in --out (when the new one is complete; until then it stays; files the run does not write are kept).
        #[arg(long)]
        force: bool,
        /// No progress bars.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        options: FitOptions,
    },
    /// Metrics of an exported model: by default on the validation/test rows of its own training
    /// split (from its config.toml); data options given here override that.
    Evaluate {
        /// The model folder (manifest.json, model.onnx, config.toml).
        #[arg(long)]
        model: PathBuf,
        /// split: the model's validation and test rows; all: every row of the data.
        #[arg(long, value_enum, default_value = "split")]
        rows: EvalSet,
        /// Also write report.json and report.html here.
        #[arg(long)]
        report: Option<PathBuf>,
        #[command(flatten)]
        options: FitOptions,
    },
    /// Write the rows of a training run and the set (train, valid, test) each lands in, as a
    /// TSV — so another trainer can use exactly the same split.
    Split {
        /// A TOML file of options, as for fit (e.g. a model's train.toml or config.toml).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Where to write the TSV (standard output if absent).
        #[arg(long = "to")]
        to: Option<PathBuf>,
        #[command(flatten)]
        options: FitOptions,
    },
    /// Average k models trained on one split (e.g. with other --seed and the same --split-seed)
    /// into one model folder: one ONNX graph whose output is the mean of theirs, with the
    /// metrics of the members' validation and test rows and a card comparing it with each member.
    ///
    /// Members that pool their trunk once share one pool in it, so its saturation scans take the
    /// members' fast path (at the sum of their work). A member whose targets were standardised
    /// with other statistics (a distilled one) is averaged in measured units all the same.
    Ensemble {
        /// A member's model folder (written by `regula-train fit`); give at least two.
        #[arg(long = "member", required = true)]
        members: Vec<PathBuf>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// The ensemble's name [default: the first member's, with "-ensemble"].
        #[arg(long)]
        name: Option<String>,
        /// Replace the model in --out.
        #[arg(long)]
        force: bool,
        /// Threads for ONNX Runtime [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Join the tables of single-target runs into one training table for a multi-target model
    /// (fit --mask-missing --split-column split): one target column per run (empty where a
    /// sequence was not measured), rows of one sequence merged, and a `split` column in which
    /// every group of related rows (each run's own groups, and one element in either
    /// orientation across runs) takes its most held-out part: no run's test row is trained on.
    JoinTables {
        /// A run's TOML config (e.g. models/hepg2-legnet/train.toml); its table and split are
        /// those of `split --config`. Two or more, in the order of the target columns.
        #[arg(long, required = true, num_args = 1)]
        config: Vec<PathBuf>,
        /// Target column names, comma-separated, one per config [default: each config's name].
        #[arg(long, value_delimiter = ',')]
        names: Option<Vec<String>>,
        /// The joined TSV.
        #[arg(long = "to")]
        to: PathBuf,
        /// Replace an existing --to.
        #[arg(long)]
        force: bool,
    },
    /// Print a model's manifest and a summary of its graph.
    Inspect {
        /// A model folder, or its model.onnx.
        model: PathBuf,
    },
    /// Saturation mutagenesis: every substitution of every sequence in a FASTA file; TSV out
    /// (one row per substitution and target).
    Ism {
        #[command(flatten)]
        model: ModelArgs,
        /// FASTA or plain sequence file.
        #[arg(long)]
        input: PathBuf,
        #[command(flatten)]
        policy: PolicyArgs,
        /// fast (exact: the trunk rerun on the window a substitution changes, or each layer on
        /// the outputs it changes, whichever does less work; falls back to naive with the reason
        /// when the graph allows neither), windowed or incremental (that fast path only), or
        /// naive (one full forward pass per substitution).
        #[arg(long, value_enum, default_value = "fast")]
        method: IsmMethod,
        /// A two-segment model's distal sequences: a FASTA file whose records pair up, in order,
        /// with those of --input (both segments are mutated; rows say which segment).
        #[arg(long)]
        partner_input: Option<PathBuf>,
    },
    /// The attention map of a model with an attention block (the cnn-attention preset), for each
    /// sequence of a FASTA file: TSV, one row per head (and the mean over heads), query position
    /// and key position, with the bases each position stands for.
    Attention {
        #[command(flatten)]
        model: ModelArgs,
        /// FASTA or plain sequence file.
        #[arg(long)]
        input: PathBuf,
        #[command(flatten)]
        policy: PolicyArgs,
        /// Which model window of a tiled sequence (1-based).
        #[arg(long, default_value_t = 1)]
        window: usize,
    },
    /// Score VCF variants against a reference genome FASTA: the reference and alternate
    /// prediction of the model window centred on each variant (the model's input length of
    /// reference; for a model trained on an element between flanks, default policy
    /// flanked-tiles, the element's length of reference between those flanks), and their
    /// difference. Out: the
    /// input VCF annotated (INFO fields per target; bgzipped and tabix-indexed for a name ending
    /// in .vcf.gz) when --out ends in .vcf, .vcf.gz or .vcf.bgz, else a TSV (one row per variant
    /// and target); --format chooses explicitly.
    ScoreVariants {
        #[command(flatten)]
        model: ModelArgs,
        /// VCF of the variants (with --reference); plain, gzip or bgzip.
        #[arg(long, requires = "reference", conflicts_with = "table")]
        vcf: Option<PathBuf>,
        /// Reference FASTA (records named by chromosome, or `chrom:start-end`); read by region
        /// through its .fai (and .gzi when bgzipped).
        #[arg(long)]
        reference: Option<PathBuf>,
        /// Only the records whose POS lies in this region: chrom, chrom:start-end or chrom:start-
        /// (1-based, inclusive); may be repeated. A bgzipped VCF with a .tbi or .csi beside it is
        /// read through its index, any other is read whole and filtered.
        #[arg(long, requires = "vcf")]
        region: Vec<String>,
        /// Only the records whose POS lies in a region of this BED file (0-based, end exclusive).
        #[arg(long, requires = "vcf")]
        regions: Option<PathBuf>,
        /// tsv or vcf [default: vcf when --out ends in .vcf, .vcf.gz or .vcf.bgz, else tsv].
        #[arg(long, value_enum)]
        format: Option<OutFormat>,
        /// Replace an existing --out (and its index) when the run ends.
        #[arg(long)]
        force: bool,
        /// Or: a TSV/CSV table with the reference and alternate sequence of each variant.
        #[arg(long, requires_all = ["ref_column", "alt_column"])]
        table: Option<PathBuf>,
        /// Reference-allele sequence column of --table.
        #[arg(long)]
        ref_column: Option<String>,
        /// Alternate-allele sequence column of --table.
        #[arg(long)]
        alt_column: Option<String>,
        /// Id column of --table.
        #[arg(long)]
        id_column: Option<String>,
    },
    /// Regions that cut a sorted VCF into shards for a workflow: one per chromosome, the
    /// --size-base stretches that hold a record, or runs of --records records; BED out (0-based,
    /// end exclusive), in the VCF's order. Each shard is scored with score-variants --region,
    /// and merge-vcf joins them.
    VcfShards {
        /// The VCF (sorted by chromosome and position).
        #[arg(long)]
        vcf: PathBuf,
        /// Bases per shard [default: one shard per chromosome].
        #[arg(long, conflicts_with = "records")]
        size: Option<u64>,
        /// Records per shard (within a chromosome; records at one position stay together):
        /// shards of equal work, which finish together when run side by side.
        #[arg(long)]
        records: Option<u64>,
        /// Cut the last --records shard into this many smaller ones, each half the one before
        /// (the last two equal), so that jobs started in the BED's order finish together: a
        /// core that frees early takes the next, smaller piece instead of waiting for a whole
        /// shard (1: no cut).
        #[arg(long, default_value_t = 1, requires = "records", value_parser = clap::value_parser!(u64).range(1..=16))]
        taper: u64,
        /// Where to write the BED (standard output if absent).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing --out.
        #[arg(long)]
        force: bool,
    },
    /// Join annotated VCF shards (from score-variants --region, given in order) into one VCF,
    /// bgzipped and tabix-indexed when --out ends in .gz; the shards' headers must be identical.
    MergeVcf {
        /// The shards, in order.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// The merged VCF.
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing --out (and its index).
        #[arg(long)]
        force: bool,
    },
    /// Predict sequences from FASTA, a pasted-sequence file, or a table; TSV out.
    Predict {
        #[command(flatten)]
        model: ModelArgs,
        /// FASTA or plain sequence file; or a table with --sequence-column.
        #[arg(long)]
        input: PathBuf,
        /// Sequence column when the input is a table.
        #[arg(long)]
        sequence_column: Option<String>,
        /// A dual-branch model's distal sequences: a column of the --input table.
        #[arg(long, requires = "sequence_column", conflicts_with = "partner_input")]
        partner_column: Option<String>,
        /// A dual-branch model's distal sequences: a FASTA file whose records pair up, in order,
        /// with those of --input.
        #[arg(long)]
        partner_input: Option<PathBuf>,
        /// Id column when the input is a table.
        #[arg(long)]
        id_column: Option<String>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutFormat {
    Tsv,
    Vcf,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum IsmMethod {
    Fast,
    Windowed,
    Incremental,
    Naive,
}

/// How `predict`, `ism` and `attention` fit a sequence to the model's length.
#[derive(clap::Args)]
struct PolicyArgs {
    /// How to fit other lengths: exact, pad, crop, pad-or-crop, tile or flanked-tiles
    /// [default: the model's own, from its manifest].
    #[arg(long)]
    length_policy: Option<String>,
    /// Step between tiles with --length-policy tile or flanked-tiles [default: half the input
    /// length; a quarter of the element for flanked-tiles].
    #[arg(long)]
    stride: Option<usize>,
}

impl PolicyArgs {
    /// The flags checked before the model is loaded.
    fn check(&self) -> Result<(), String> {
        check_policy_flags(self.length_policy.as_deref(), self.stride)
    }

    /// The named policy for every segment, or the manifest's defaults.
    fn resolve(&self, m: &ModelFolder) -> Result<Vec<LengthPolicy>, String> {
        policies(m, self.length_policy.as_deref(), self.stride)
    }
}

/// What every command that runs an exported model takes.
#[derive(clap::Args)]
struct ModelArgs {
    /// The model folder (manifest.json, model.onnx).
    #[arg(long)]
    model: PathBuf,
    /// Where to write the output (standard output if absent), written to a temporary file
    /// beside it and renamed into place when complete.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Average forward and reverse-complement predictions (`--rc-average` or `--rc-average
    /// true`), or read the forward strand only (`--rc-average false`); by default as the model's
    /// manifest says (`strands`): the predictor its card's metrics were measured on.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    rc_average: Option<bool>,
    /// cpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
    /// ONNX Runtime threads (0: all cores); score-variants --vcf runs that many sessions side
    /// by side, one thread each.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

impl ModelArgs {
    fn load(&self) -> Result<ModelFolder, String> {
        let threads = checks::threads(self.threads)?;
        let runtime = RuntimeConfig { device: parse_device(Some(&self.device))?, threads, ..Default::default() };
        ModelFolder::load(&self.model, &runtime).map_err(|e| e.to_string())
    }
}

/// Items (sequences, variant pairs) predicted per chunk: memory stays bounded whatever the
/// input's size, and output is written as each chunk is done.
const CHUNK: usize = 256;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) | Err(Stop::BrokenPipe) => ExitCode::SUCCESS,
        Err(Stop::Failed(message)) => {
            eprintln!("regula-train: {message}");
            ExitCode::FAILURE
        }
        Err(Stop::NothingScored(message)) => {
            eprintln!("regula-train: {message}");
            ExitCode::from(3)
        }
    }
}

fn run(cli: Cli) -> Result<(), Stop> {
    match cli.command {
        Command::Fit { config, resume, force, quiet, options } => {
            fit(with_config(options, config)?, resume, force, quiet)
        }
        Command::Evaluate { model, rows, report, options } => evaluate(&model, rows, report, options),
        Command::Split { config, to, options } => split(with_config(options, config)?, to),
        Command::Ensemble { members, out, name, force, threads } => {
            ensemble(EnsemblePlan { members, out, name, force }, threads)
        }
        Command::JoinTables { config, names, to, force } => join_tables(&config, names, &to, force),
        Command::Inspect { model } => inspect(model),
        Command::Ism { model, input, policy, method, partner_input } => {
            ism(&model, &input, partner_input.as_deref(), &policy, method)
        }
        Command::Attention { model, input, policy, window } => attention(&model, &input, &policy, window),
        Command::ScoreVariants {
            model, table: Some(table), ref_column, alt_column, id_column, force, format, ..
        } => {
            if format == Some(OutFormat::Vcf) {
                return Err("--format vcf annotates a --vcf input; a --table is scored into a TSV".into());
            }
            if let Some(out) = &model.out {
                regula_train::vcf_io::refuse_existing("--out", std::slice::from_ref(out), force)?;
            }
            score_allele_table(&model, &table, ref_column, alt_column, id_column)
        }
        Command::ScoreVariants { model, vcf, reference, region, regions, format, force, .. } => {
            match (vcf, reference) {
                (Some(vcf), Some(reference)) => {
                    let selection = VcfSelection { region, regions };
                    score_vcf(&model, &vcf, &reference, &selection, format, force)
                }
                _ => {
                    Err("score-variants needs --vcf with --reference, or --table with --ref-column and --alt-column"
                        .into())
                }
            }
        }
        Command::VcfShards { vcf, size, records, taper, out, force } => {
            if let Some(out) = &out {
                vcf_io::refuse_existing("--out", std::slice::from_ref(out), force)?;
            }
            use regula_train::vcf_shards::ShardBy;
            let by = match (size, records) {
                (Some(n), _) => ShardBy::Bases(n),
                (None, Some(n)) => ShardBy::Records { records: n, taper: taper as usize },
                (None, None) => ShardBy::Chromosome,
            };
            let shards = regula_train::vcf_shards::shards(&vcf, by)?;
            let mut output = Output::new(out.as_deref())?;
            output.write(&regula_train::vcf_shards::bed(&shards))?;
            output.finish()
        }
        Command::MergeVcf { shards, out, force } => {
            let mut written = vec![out.clone()];
            if vcf_io::bgzipped(&out) {
                written.extend([vcf_io::with_extension(&out, ".tbi"), vcf_io::with_extension(&out, ".csi")]);
            }
            vcf_io::refuse_existing("--out", &written, force)?;
            let (_, warning) = regula_train::vcf_shards::merge(&shards, &out)?;
            if let Some(w) = warning {
                eprintln!("regula-train: warning: {w}");
            }
            Ok(())
        }
        Command::Predict { model, input, sequence_column, partner_column, partner_input, id_column, policy } => {
            let items = Items::open(&input, sequence_column, partner_column, partner_input.as_deref(), id_column)?;
            predict(&model, items, &policy)
        }
    }
}

/// Lines for standard output (a closed pipe stops quietly).
fn say(text: &str) -> Result<(), Stop> {
    let mut out = Output::new(None)?;
    out.write(text)?;
    out.finish()
}

fn fit(options: FitOptions, resume: bool, force: bool, quiet: bool) -> Result<(), Stop> {
    checks::fit_options(&options)?;
    if let Some(out) = &options.out {
        out_dir::refuse_existing(out, resume, force)?;
        if resume && let Some(differ) = out_dir::resume_differences(out, &options.to_toml()) {
            return Err(differ.into());
        }
    }
    let outcome = regula_train::fit::fit(options, resume, !quiet).map_err(|e| e.to_string())?;
    let mut text = format!(
        "best epoch {} of {} run; model written to {}\nsplit: {}\n",
        outcome.best_epoch,
        outcome.epochs_run,
        outcome.out.display(),
        outcome.manifest.training.split
    );
    if outcome.skipped > 0 {
        text += &format!("{} bad rows skipped (listed in the report)\n", outcome.skipped);
    }
    text += &overall_lines(&outcome.manifest);
    say(&text)
}

fn evaluate(model: &Path, rows: EvalSet, report: Option<PathBuf>, options: FitOptions) -> Result<(), Stop> {
    checks::fit_options(&options)?;
    let runtime = RuntimeConfig {
        device: parse_device(options.device.as_deref())?,
        threads: checks::threads(options.threads.unwrap_or(0))?,
        ..Default::default()
    };
    let (metrics, r) = evaluate_model(model, options, rows, &runtime).map_err(|e| e.to_string())?;
    if let Some(dir) = report {
        r.write(&dir).map_err(|e| format!("writing the report to {}: {e}", dir.display()))?;
    }
    say(&(serde_json::to_string_pretty(&metrics).expect("metrics serialise") + "\n"))
}

fn split(options: FitOptions, to: Option<PathBuf>) -> Result<(), Stop> {
    checks::fit_options(&options)?;
    let mut out = Output::new(to.as_deref())?;
    let plan = regula_train::fit::plan::Plan::resolve(options)?;
    let table = regula_train::fit::split_table::split_table(&plan).map_err(|e| e.to_string())?;
    out.write(&table)?;
    out.finish()
}

fn ensemble(plan: EnsemblePlan, threads: Option<usize>) -> Result<(), Stop> {
    let runtime = RuntimeConfig { threads: checks::threads(threads.unwrap_or(0))?, ..Default::default() };
    let manifest = regula_train::ensemble::build(&plan, &runtime).map_err(|e| e.to_string())?;
    let text = format!("ensemble of {} models written to {}\n", plan.members.len(), plan.out.display());
    say(&(text + &overall_lines(&manifest)))
}

/// One line per split of a manifest's overall metrics, as `fit` and `ensemble` print them.
fn overall_lines(manifest: &regula_core::manifest::Manifest) -> String {
    let mut text = String::new();
    for (split, m) in &manifest.metrics {
        if let Some(overall) = m.per_target.get("overall") {
            let line: Vec<String> = overall.iter().map(|(k, v)| format!("{k} {v:.4}")).collect();
            text += &format!("{split} ({} rows): {}\n", m.rows, line.join(", "));
        }
        // Targets measured on some rows only (`--mask-missing`): each over its own rows.
        if !m.target_rows.is_empty() {
            for (target, metrics) in m.per_target.iter().filter(|(t, _)| *t != "overall") {
                let n = m.target_rows.get(target).copied().unwrap_or(m.rows);
                let line: Vec<String> = metrics.iter().map(|(k, v)| format!("{k} {v:.4}")).collect();
                text += &format!("  {target} ({n} rows): {}\n", line.join(", "));
            }
        }
    }
    text
}

fn join_tables(configs: &[PathBuf], names: Option<Vec<String>>, to: &Path, force: bool) -> Result<(), Stop> {
    vcf_io::refuse_existing("--to", &[to.to_path_buf()], force)?;
    if let Some(n) = &names
        && n.len() != configs.len()
    {
        return Err(format!("--names gives {} names for {} configs", n.len(), configs.len()).into());
    }
    let mut runs = Vec::with_capacity(configs.len());
    for (k, path) in configs.iter().enumerate() {
        let options = with_config(FitOptions::default(), Some(path.clone()))?;
        checks::fit_options(&options)?;
        let name = match (&names, &options.name) {
            (Some(n), _) => n[k].clone(),
            (None, Some(name)) => name.clone(),
            (None, None) => {
                return Err(
                    format!("{}: no `name`; give the target columns' names with --names", path.display()).into()
                );
            }
        };
        let plan = regula_train::fit::plan::Plan::resolve(options).map_err(|e| format!("{}: {e}", path.display()))?;
        runs.push(regula_train::fit::join::Run { name, plan });
    }
    let joined = regula_train::fit::join::join(&runs).map_err(|e| e.to_string())?;
    regula_train::atomic::write(to, joined.table.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", to.display()))?;
    say(&format!("{}wrote {}\n", joined.summary(), to.display()))
}

fn inspect(model: PathBuf) -> Result<(), Stop> {
    if !model.exists() {
        return Err(
            format!("{}: no such folder or file; give a model folder (or its model.onnx)", model.display()).into()
        );
    }
    let dir = match model.parent() {
        _ if model.is_dir() => model,
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let m = ModelFolder::load(&dir, &RuntimeConfig::default()).map_err(|e| e.to_string())?;
    let hash = match &m.manifest().model_sha256 {
        Some(h) => format!("{} SHA-256 {h} (checked)", m.manifest().model_file),
        None => {
            format!("{} SHA-256 not recorded in the manifest (exported before hashes were)", m.manifest().model_file)
        }
    };
    say(&format!("{}\n\n{}\n{hash}\n", m.manifest().to_json(), m.graph_summary()))
}

/// The named policy for every segment, or the manifest's defaults.
fn policies(m: &ModelFolder, name: Option<&str>, stride: Option<usize>) -> Result<Vec<LengthPolicy>, String> {
    match name {
        Some(name) => m.policies(name, stride).map_err(|e| e.to_string()),
        None => Ok(m.default_policies()),
    }
}

/// `--stride` and `--length-policy` checked before the model is loaded.
fn check_policy_flags(length_policy: Option<&str>, stride: Option<usize>) -> Result<(), String> {
    if let Some(s) = stride {
        checks::at_least_one("stride", s)?;
        if !matches!(length_policy, Some("tile" | "flanked-tiles")) {
            return Err("--stride applies to --length-policy tile or flanked-tiles only".into());
        }
    }
    match length_policy {
        None | Some("exact" | "pad" | "crop" | "pad-or-crop" | "tile" | "flanked-tiles") => Ok(()),
        Some(other) => Err(format!(
            "unknown length policy `{other}`: expected exact, pad, crop, pad-or-crop, tile or flanked-tiles"
        )),
    }
}

fn ism(
    args: &ModelArgs,
    input: &Path,
    partner_input: Option<&Path>,
    policy: &PolicyArgs,
    method: IsmMethod,
) -> Result<(), Stop> {
    policy.check()?;
    let mut items = Items::open(input, None, None, partner_input, None)?;
    let mut out = Output::new(args.out.as_deref())?;
    let mut m = args.load()?;
    let policies = policy.resolve(&m)?;
    let paired = m.model.segments.len() > 1;
    if paired != partner_input.is_some() {
        return Err(if paired {
            "this model reads a promoter and a distal sequence: give the distal sequences with --partner-input".into()
        } else {
            "--partner-input is for two-segment (promoter + distal) models; this one reads one sequence".into()
        });
    }
    if paired && args.rc_average == Some(true) {
        return Err("--rc-average applies to one-sequence models in ism".into());
    }
    let rc = m.model.averages_strands(args.rc_average);
    if paired && rc {
        eprintln!(
            "regula-train: note: the scans of a two-segment model read the forward strand; its predictions (`predict`) average both, as its manifest says"
        );
    }
    let (method, path) = match method {
        IsmMethod::Fast => (Method::Fast, None),
        IsmMethod::Windowed => (Method::Fast, Some(FastPath::Windowed)),
        IsmMethod::Incremental => (Method::Fast, Some(FastPath::Incremental)),
        IsmMethod::Naive => (Method::Naive, None),
    };
    m.model.fast_path = path;
    let mut done = 0;
    while let Some((name, item)) = items.next_item()? {
        let located = |e: regula_infer::Error| format!("sequence '{name}': {e}");
        let run = IsmRun::new_item_strands(&m.model, &item, &policies, method, rc).map_err(located)?;
        let result = run.run_to_end(&m.model, usize::MAX, |_, _| true).map_err(located)?;
        if let Some(reason) = result.fallback_reason.as_ref().filter(|_| !paired) {
            eprintln!("regula-train: sequence '{name}': naive mutagenesis: {reason}");
        }
        if done == 0 {
            out.write(if paired { tables::SEGMENT_MUTAGENESIS_HEADER } else { tables::MUTAGENESIS_HEADER })?;
        }
        out.write(&if paired {
            tables::segment_mutagenesis_rows(m.manifest(), &name, &result)
        } else {
            tables::mutagenesis_rows(m.manifest(), &name, item[0].len(), &result)
        })?;
        done += 1;
    }
    out.finish()
}

fn attention(args: &ModelArgs, input: &Path, policy_args: &PolicyArgs, window: usize) -> Result<(), Stop> {
    policy_args.check()?;
    if window == 0 {
        return Err("--window counts from 1".into());
    }
    if args.rc_average == Some(true) {
        return Err("--rc-average does not apply to attention maps (they are of one strand)".into());
    }
    let mut records = Records::open(input)?;
    let mut out = Output::new(args.out.as_deref())?;
    let m = args.load()?;
    if let Err(reason) = &m.model.attention {
        return Err(format!("{}: {reason}", args.model.display()).into());
    }
    let policy = policy_args.resolve(&m)?.remove(0);
    let mut done = 0;
    while let Some(r) = records.next_record()? {
        let map = regula_infer::attention::attention_map(&m.model, &r.sequence, &policy, window - 1, 0)
            .map_err(|e| format!("sequence '{}': {e}", r.name))?;
        if done == 0 {
            out.write(tables::ATTENTION_HEADER)?;
        }
        out.write(&tables::attention_rows(&r.name, &map))?;
        done += 1;
    }
    out.finish()
}

/// Table rows must have distinct ids (as `fit` requires of its tables).
fn score_allele_table(
    args: &ModelArgs,
    table: &Path,
    ref_column: Option<String>,
    alt_column: Option<String>,
    id_column: Option<String>,
) -> Result<(), Stop> {
    let spec = regula_core::sequence::table::TableSpec {
        id_column,
        sequence_columns: vec![ref_column.unwrap_or_default(), alt_column.unwrap_or_default()],
        ..Default::default()
    };
    let mut rows_in = TableRows::open(table, &spec)?;
    // The first rows before the model loads: a bad table is refused before any work.
    let mut chunk = rows_in.next_chunk()?;
    let mut out = Output::new(args.out.as_deref())?;
    let m = args.load()?;
    out.write(tables::ALLELE_HEADER)?;
    let rc = m.model.averages_strands(args.rc_average);
    while !chunk.is_empty() {
        let rows: Vec<(usize, String)> = chunk.iter().map(|r| (r.line, r.id.clone())).collect();
        let pairs = chunk.iter().map(|r| (vec![r.sequences[0].clone()], vec![r.sequences[1].clone()])).collect();
        let scores = regula_infer::variants::score_pairs(&m.model, pairs, &m.default_policies(), rc)
            .map_err(|e| e.to_string())?;
        out.write(&tables::allele_rows(m.manifest(), &rows, &scores))?;
        chunk = rows_in.next_chunk()?;
    }
    out.finish()
}

/// The reference: read by region through its index when it has one (or is plain FASTA, indexed
/// on opening), else held in memory.
fn open_reference(path: &Path) -> Result<Box<dyn Reference>, String> {
    if let Some(g) = IndexedGenome::open(path)? {
        return Ok(Box::new(g));
    }
    let records = regula_core::sequence::fasta::read_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Box::new(Genome::from_records(records)))
}

/// The records `score-variants --vcf` reads: all, or those in `--region`s and a `--regions` BED.
struct VcfSelection {
    region: Vec<String>,
    regions: Option<PathBuf>,
}

impl VcfSelection {
    fn read(&self) -> Result<Option<Regions>, String> {
        if self.region.is_empty() && self.regions.is_none() {
            return Ok(None);
        }
        let mut set = Regions::default();
        for r in &self.region {
            set.add_region(r)?;
        }
        if let Some(bed) = &self.regions {
            set.add_bed(bed)?;
        }
        Ok(Some(set))
    }
}

/// Where score-variants --vcf writes, and how.
enum VcfOut {
    Table(Output),
    Annotated(Box<VcfOutput>, VcfAnnotation),
}

/// Records scored per chunk: memory stays bounded whatever the VCF's size, and output is
/// written as each chunk is done.
const VCF_CHUNK: usize = 4096;

fn score_vcf(
    args: &ModelArgs,
    vcf: &Path,
    reference: &Path,
    selection: &VcfSelection,
    format: Option<OutFormat>,
    force: bool,
) -> Result<(), Stop> {
    let out_path = args.out.as_deref();
    let annotated = match (format, out_path) {
        (Some(f), _) => f == OutFormat::Vcf,
        (None, Some(p)) => {
            let name = p.to_string_lossy();
            name.ends_with(".vcf") || name.ends_with(".vcf.gz") || name.ends_with(".vcf.bgz")
        }
        (None, None) => false,
    };
    if let Some(p) = out_path {
        let mut written = vec![p.to_path_buf()];
        if annotated && vcf_io::bgzipped(p) {
            written.extend([vcf_io::with_extension(p, ".tbi"), vcf_io::with_extension(p, ".csi")]);
        }
        vcf_io::refuse_existing("--out", &written, force)?;
    }
    let regions = selection.read()?;
    let mut input = VcfInput::open(vcf, regions.clone())?;
    let genome = open_reference(reference)?;
    let threads = match checks::threads(args.threads)? {
        0 => checks::cores(),
        n => n,
    };
    let device = parse_device(Some(&args.device))?;
    // On a GPU one session takes every batch; on the CPU one single-threaded session per thread.
    let (sessions, runtime) = match device {
        Device::Cpu => (threads, RuntimeConfig { device, threads: 1, spin: false, ..Default::default() }),
        _ => (1, RuntimeConfig { device, threads, ..Default::default() }),
    };
    let folder = ModelFolder::load(&args.model, &runtime).map_err(|e| e.to_string())?;
    let windows = ReferenceWindows::for_model(&folder.model).map_err(|e| e.to_string())?;
    let rc = folder.model.averages_strands(args.rc_average);
    let mut out = if annotated {
        let annotation =
            VcfAnnotation::new(folder.manifest(), &windows, rc, &folder.model_sha256, env!("CARGO_PKG_VERSION"));
        let header = annotation.edit_header(&input.header);
        VcfOut::Annotated(Box::new(VcfOutput::create(out_path, &header, vcf)?), annotation)
    } else {
        let mut table = Output::new(out_path)?;
        table.write(tables::VCF_HEADER)?;
        VcfOut::Table(table)
    };
    let dir = args.model.clone();
    let load = move || ModelFolder::load(&dir, &runtime).map(|f| f.model).map_err(|e| e.to_string());
    let workers = Workers::start(sessions - 1, load, rc)?;
    let mut predict = |b: &regula_infer::reference_windows::WindowBatch| workers.predict(&folder.model, b);
    let (mut total, mut failed, mut records, mut first_error) = (0usize, 0usize, 0usize, None);
    loop {
        let mut chunk = Vec::with_capacity(VCF_CHUNK);
        while chunk.len() < VCF_CHUNK {
            match input.next_record()? {
                Some(r) => chunk.push(r),
                None => break,
            }
        }
        if chunk.is_empty() {
            break;
        }
        records += chunk.len();
        let scores = vcf_windows::score_records(&windows, &*genome, chunk, &mut predict)?;
        for s in &scores {
            let problems: Vec<String> = match &s.alleles {
                Err(e) => vec![e.clone()],
                Ok(alleles) => alleles.iter().filter_map(|a| a.outcome.as_ref().err().map(|e| e.to_string())).collect(),
            };
            total += s.alleles.as_ref().map_or(1, Vec::len);
            failed += problems.len();
            if first_error.is_none()
                && let Some(e) = problems.first()
            {
                let at = format!("{}: ", s.record.place());
                first_error = Some(if e.starts_with(&at) { e.clone() } else { at + e });
            }
        }
        match &mut out {
            VcfOut::Table(table) => table.write(&tables::vcf_rows(folder.manifest(), &scores))?,
            VcfOut::Annotated(writer, annotation) => {
                for s in &scores {
                    let alleles = match &s.alleles {
                        Ok(a) => a,
                        Err(e) => {
                            return Err(format!(
                                "{}: {e}; an annotated VCF holds valid records only: fix the line, or write a table (--out NAME.tsv), which lists it with its error",
                                vcf.display()
                            )
                            .into());
                        }
                    };
                    let outcomes: Vec<_> = alleles
                        .iter()
                        .map(|a| a.outcome.as_ref().map(|(_, alt)| alt.as_slice()).map_err(|e| e.code()))
                        .collect();
                    let entries = annotation.entries(s.reference(), &outcomes);
                    writer.write_record(&annotation.annotate_line(&s.record.text, &entries))?;
                }
            }
        }
    }
    drop(workers);
    for warning in input.region_warnings() {
        eprintln!("regula-train: warning: {warning}");
    }
    if records == 0 {
        match &regions {
            None => return Err(format!("{}: no variants (only header or blank lines)", vcf.display()).into()),
            Some(r) => eprintln!(
                "regula-train: warning: no record of {} lies in the regions ({}); the output has a header and no records",
                vcf.display(),
                r.describe()
            ),
        }
    }
    match out {
        VcfOut::Table(table) => table.finish()?,
        VcfOut::Annotated(writer, _) => {
            if let Some(warning) = writer.finish()? {
                eprintln!("regula-train: warning: {warning}");
            }
        }
    }
    let first = first_error.unwrap_or_default();
    let column = if annotated { "its INFO says why" } else { "the error column says why" };
    if total > 0 && failed == total {
        return Err(Stop::NothingScored(format!(
            "none of the {total} variants in {} could be scored ({column}); the first: {first}",
            vcf.display()
        )));
    }
    if failed > 0 {
        eprintln!("regula-train: {failed} of {total} variants could not be scored ({column}); the first: {first}");
    }
    Ok(())
}

fn predict(args: &ModelArgs, mut items: Items, policy: &PolicyArgs) -> Result<(), Stop> {
    policy.check()?;
    let mut out = Output::new(args.out.as_deref())?;
    let m = args.load()?;
    let policies = policy.resolve(&m)?;
    let rc = m.model.averages_strands(args.rc_average);
    let mut done = 0;
    loop {
        let mut chunk = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            match items.next_item()? {
                Some(item) => chunk.push(item),
                None => break,
            }
        }
        if chunk.is_empty() {
            break;
        }
        let predictions =
            regula_infer::predict::predict_averaged(&m.model, chunk, &policies, rc).map_err(|e| e.to_string())?;
        if done == 0 {
            out.write(&tables::prediction_header(m.manifest()))?;
        }
        done += predictions.len();
        out.write(&tables::prediction_rows(&predictions))?;
    }
    out.finish()
}

/// Sequence records read one at a time: FASTA streamed, a pasted plain sequence read whole.
enum Records {
    Fasta { path: PathBuf, reader: Box<regula_core::sequence::fasta::Reader<Box<dyn BufRead>>>, count: usize },
    Whole(std::vec::IntoIter<SequenceRecord>),
}

impl Records {
    fn open(path: &Path) -> Result<Self, String> {
        let mut reader = io::open_text(path)?;
        let buf = reader.fill_buf().map_err(|e| format!("{}: {e}", path.display()))?;
        if buf.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'>') {
            let reader = Box::new(regula_core::sequence::fasta::Reader::new(reader));
            return Ok(Records::Fasta { path: path.to_path_buf(), reader, count: 0 });
        }
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let records = regula_core::sequence::parse_sequences(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Records::Whole(records.into_iter()))
    }

    fn next_record(&mut self) -> Result<Option<SequenceRecord>, String> {
        match self {
            Records::Whole(it) => Ok(it.next()),
            Records::Fasta { path, reader, count } => {
                let r = reader.read_record().map_err(|e| format!("{}: {e}", path.display()))?;
                match r {
                    Some(r) => {
                        *count += 1;
                        Ok(Some(r))
                    }
                    None if *count == 0 => {
                        Err(format!("{}: {}", path.display(), regula_core::sequence::SequenceError::NoSequence))
                    }
                    None => Ok(None),
                }
            }
        }
    }
}

/// A table's rows read one at a time (memory bounded by a row, and the ids seen, whatever the
/// table's size): the first bad row, a repeated id or a table without rows stops with its line.
struct TableRows {
    path: PathBuf,
    reader: regula_core::sequence::table::TableReader<Box<dyn BufRead>>,
    seen: HashMap<String, usize>,
}

impl TableRows {
    fn open(path: &Path, spec: &regula_core::sequence::table::TableSpec) -> Result<Self, String> {
        if spec.sequence_columns.iter().any(String::is_empty) {
            return Err(format!("{}: no sequence column was named", path.display()));
        }
        let reader = regula_core::sequence::table::TableReader::new(io::open_text(path)?, spec)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(TableRows { path: path.to_path_buf(), reader, seen: HashMap::new() })
    }

    fn next_row(&mut self) -> Result<Option<regula_core::sequence::table::TableRow>, String> {
        let located = |e: regula_core::sequence::SequenceError| format!("{}: {e}", self.path.display());
        let Some(row) = self.reader.next_row().map_err(located)? else {
            if self.seen.is_empty() {
                return Err(format!("{}: the table has a header but no rows", self.path.display()));
            }
            return Ok(None);
        };
        let row = row.map_err(|e| format!("{}: {e}", self.path.display()))?;
        if let Some(first) = self.seen.insert(row.id.clone(), row.line) {
            return Err(format!(
                "{}, line {}: row '{}': id already used on line {first}; ids must be unique",
                self.path.display(),
                row.line,
                row.id
            ));
        }
        Ok(Some(row))
    }

    /// Up to [`CHUNK`] more rows.
    fn next_chunk(&mut self) -> Result<Vec<regula_core::sequence::table::TableRow>, String> {
        let mut rows = Vec::with_capacity(CHUNK);
        while rows.len() < CHUNK {
            match self.next_row()? {
                Some(r) => rows.push(r),
                None => break,
            }
        }
        Ok(rows)
    }
}

/// `predict`'s items, one at a time: its id and one sequence per segment (a table's sequence and
/// partner columns, or a FASTA file and, record by record, its partner FASTA).
enum Items {
    Table(Box<TableRows>),
    Records(Records),
    Pairs { first: Records, partner: Records, paths: (PathBuf, PathBuf), paired: usize },
}

impl Items {
    fn open(
        input: &Path,
        sequence_column: Option<String>,
        partner_column: Option<String>,
        partner_input: Option<&Path>,
        id_column: Option<String>,
    ) -> Result<Self, String> {
        if let Some(column) = sequence_column {
            let columns = std::iter::once(column).chain(partner_column).collect();
            let spec =
                regula_core::sequence::table::TableSpec { id_column, sequence_columns: columns, ..Default::default() };
            return Ok(Items::Table(Box::new(TableRows::open(input, &spec)?)));
        }
        let first = Records::open(input)?;
        let Some(path) = partner_input else { return Ok(Items::Records(first)) };
        let partner = Records::open(path)?;
        Ok(Items::Pairs { first, partner, paths: (input.to_path_buf(), path.to_path_buf()), paired: 0 })
    }

    fn next_item(&mut self) -> Result<Option<regula_infer::predict::Item>, String> {
        match self {
            Items::Table(t) => Ok(t.next_row()?.map(|r| (r.id, r.sequences))),
            Items::Records(r) => Ok(r.next_record()?.map(|r| (r.name, vec![r.sequence]))),
            Items::Pairs { first, partner, paths, paired } => match (first.next_record()?, partner.next_record()?) {
                (Some(a), Some(b)) => {
                    *paired += 1;
                    Ok(Some((a.name, vec![a.sequence, b.sequence])))
                }
                (None, None) => Ok(None),
                (a, b) => {
                    let rest = |first: Option<SequenceRecord>, r: &mut Records| -> Result<usize, String> {
                        let mut n = *paired + usize::from(first.is_some());
                        if first.is_some() {
                            while r.next_record()?.is_some() {
                                n += 1;
                            }
                        }
                        Ok(n)
                    };
                    let (n1, n2) = (rest(a, first)?, rest(b, partner)?);
                    Err(format!(
                        "{} has {n1} records and {} has {n2}; record i of one pairs with record i of the other",
                        paths.0.display(),
                        paths.1.display()
                    ))
                }
            },
        }
    }
}

/// Flags given on the command line over the keys of a TOML config file.
fn with_config(options: FitOptions, config: Option<PathBuf>) -> Result<FitOptions, String> {
    let Some(path) = config else { return Ok(options) };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(options.over(FitOptions::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?))
}

fn parse_device(text: Option<&str>) -> Result<Device, String> {
    text.unwrap_or("cpu").parse::<Device>().map_err(|e| e.to_string())
}
