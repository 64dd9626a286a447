//! `regula-train`: a thin command line over the `regula_train` library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use regula_core::length::LengthPolicy;
use regula_infer::ism::{IsmRun, Method};
use regula_train::model_folder::ModelFolder;
use regula_train::model_metrics::{EvalSet, evaluate_model};
use regula_train::options::FitOptions;
use regula_train::runtime::{Device, RuntimeConfig};
use regula_train::{checks, out_dir, tables};

#[derive(Parser)]
#[command(
    name = "regula-train",
    version,
    about = "Train, evaluate and export DNA sequence-to-expression models (ONNX, trained in ONNX Runtime)"
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
        /// Replace the files in --out (when the new model is complete; until then they stay).
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
        /// exact, pad, crop, pad-or-crop or tile [default: the model's own].
        #[arg(long)]
        length_policy: Option<String>,
        /// Step between tiles with --length-policy tile [default: half the input length].
        #[arg(long)]
        stride: Option<usize>,
        /// fast (the trunk rerun only on the window a substitution changes; exact, falls back
        /// to naive with the reason when the graph does not allow it) or naive (one full
        /// forward pass per substitution).
        #[arg(long, value_enum, default_value = "fast")]
        method: IsmMethod,
    },
    /// Score VCF variants against a reference genome FASTA: reference and alternate prediction
    /// of a model-length window centred on each variant; TSV out, one row per variant and target.
    ScoreVariants {
        #[command(flatten)]
        model: ModelArgs,
        /// VCF of the variants (with --reference).
        #[arg(long, requires = "reference", conflicts_with = "table")]
        vcf: Option<PathBuf>,
        /// Reference FASTA (records named by chromosome, or `chrom:start-end`).
        #[arg(long)]
        reference: Option<PathBuf>,
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
        /// How to fit other lengths: exact, pad, crop, pad-or-crop or tile [default: the
        /// model's own, from its manifest].
        #[arg(long)]
        length_policy: Option<String>,
        /// Step between tiles with --length-policy tile [default: half the input length].
        #[arg(long)]
        stride: Option<usize>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum IsmMethod {
    Fast,
    Naive,
}

/// What every command that runs an exported model takes.
#[derive(clap::Args)]
struct ModelArgs {
    /// The model folder (manifest.json, model.onnx).
    #[arg(long)]
    model: PathBuf,
    /// Where to write the TSV (standard output if absent).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Average forward and reverse-complement predictions.
    #[arg(long)]
    rc_average: bool,
    /// cpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
    /// ONNX Runtime threads (0: all cores).
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

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("regula-train: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Fit { config, resume, force, quiet, options } => {
            fit(with_config(options, config)?, resume, force, quiet)
        }
        Command::Evaluate { model, rows, report, options } => evaluate(&model, rows, report, options),
        Command::Split { config, to, options } => split(with_config(options, config)?, to),
        Command::Inspect { model } => inspect(model),
        Command::Ism { model, input, length_policy, stride, method } => {
            ism(&model, &input, length_policy.as_deref(), stride, method)
        }
        Command::ScoreVariants { model, table: Some(table), ref_column, alt_column, id_column, .. } => {
            score_allele_table(&model, &table, ref_column, alt_column, id_column)
        }
        Command::ScoreVariants { model, vcf, reference, .. } => match (vcf, reference) {
            (Some(vcf), Some(reference)) => score_vcf(&model, &vcf, &reference),
            _ => {
                Err("score-variants needs --vcf with --reference, or --table with --ref-column and --alt-column".into())
            }
        },
        Command::Predict {
            model,
            input,
            sequence_column,
            partner_column,
            partner_input,
            id_column,
            length_policy,
            stride,
        } => {
            let records = read_items(&input, sequence_column, partner_column, partner_input.as_deref(), id_column)?;
            predict(&model, records, length_policy.as_deref(), stride)
        }
    }
}

fn fit(options: FitOptions, resume: bool, force: bool, quiet: bool) -> Result<(), String> {
    checks::fit_options(&options)?;
    if let Some(out) = &options.out {
        out_dir::refuse_existing(out, resume, force)?;
        if resume && let Some(differ) = out_dir::resume_differences(out, &options.to_toml()) {
            return Err(differ);
        }
    }
    let outcome = regula_train::fit::fit(options, resume, !quiet).map_err(|e| e.to_string())?;
    println!(
        "best epoch {} of {} run; model written to {}",
        outcome.best_epoch,
        outcome.epochs_run,
        outcome.out.display()
    );
    if outcome.skipped > 0 {
        println!("{} bad rows skipped (listed in the report)", outcome.skipped);
    }
    for (split, m) in &outcome.manifest.metrics {
        if let Some(overall) = m.per_target.get("overall") {
            let line: Vec<String> = overall.iter().map(|(k, v)| format!("{k} {v:.4}")).collect();
            println!("{split} ({} rows): {}", m.rows, line.join(", "));
        }
    }
    Ok(())
}

fn evaluate(model: &Path, rows: EvalSet, report: Option<PathBuf>, options: FitOptions) -> Result<(), String> {
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
    println!("{}", serde_json::to_string_pretty(&metrics).expect("metrics serialise"));
    Ok(())
}

fn split(options: FitOptions, to: Option<PathBuf>) -> Result<(), String> {
    checks::fit_options(&options)?;
    let plan = regula_train::fit::plan::Plan::resolve(options)?;
    let table = regula_train::fit::split_table::split_table(&plan).map_err(|e| e.to_string())?;
    write_tsv(to, &table)
}

fn inspect(model: PathBuf) -> Result<(), String> {
    let dir = if model.is_dir() { model } else { model.parent().map(PathBuf::from).unwrap_or_default() };
    let m = ModelFolder::load(&dir, &RuntimeConfig::default()).map_err(|e| e.to_string())?;
    println!("{}\n\n{}", m.manifest().to_json(), m.graph_summary());
    Ok(())
}

/// The named policy for every segment, or the manifest's defaults.
fn policies(m: &ModelFolder, name: Option<&str>, stride: Option<usize>) -> Result<Vec<LengthPolicy>, String> {
    if let Some(s) = stride {
        checks::at_least_one("stride", s)?;
    }
    match name {
        Some(name) => m.policies(name, stride).map_err(|e| e.to_string()),
        None => Ok(m.default_policies()),
    }
}

fn ism(
    args: &ModelArgs,
    input: &Path,
    length_policy: Option<&str>,
    stride: Option<usize>,
    method: IsmMethod,
) -> Result<(), String> {
    let m = args.load()?;
    let policy = policies(&m, length_policy, stride)?.remove(0);
    let method = match method {
        IsmMethod::Fast => Method::Fast,
        IsmMethod::Naive => Method::Naive,
    };
    let mut tsv = String::from(tables::MUTAGENESIS_HEADER);
    for r in read_sequences(input)? {
        let located = |e: regula_infer::Error| format!("sequence '{}': {e}", r.name);
        let run = IsmRun::with_strands(&m.model, &r.sequence, &policy, method, args.rc_average).map_err(located)?;
        let result = run.run_to_end(&m.model, usize::MAX, |_, _| true).map_err(located)?;
        if let Some(reason) = &result.fallback_reason {
            eprintln!("regula-train: sequence '{}': naive mutagenesis: {reason}", r.name);
        }
        tsv += &tables::mutagenesis_rows(m.manifest(), &r.name, r.sequence.len(), &result);
    }
    write_tsv(args.out.clone(), &tsv)
}

fn score_allele_table(
    args: &ModelArgs,
    table: &Path,
    ref_column: Option<String>,
    alt_column: Option<String>,
    id_column: Option<String>,
) -> Result<(), String> {
    let m = args.load()?;
    let bytes = std::fs::read(table).map_err(|e| format!("cannot read {}: {e}", table.display()))?;
    let spec = regula_core::sequence::table::TableSpec {
        id_column,
        sequence_columns: vec![ref_column.unwrap_or_default(), alt_column.unwrap_or_default()],
        ..Default::default()
    };
    let t = regula_core::sequence::table::parse(&bytes, &spec).map_err(|e| format!("{}: {e}", table.display()))?;
    let rows: Vec<(usize, String)> = t.rows.iter().map(|r| (r.line, r.id.clone())).collect();
    let pairs = t.rows.into_iter().map(|r| (vec![r.sequences[0].clone()], vec![r.sequences[1].clone()])).collect();
    let scores = regula_infer::variants::score_pairs(&m.model, pairs, &m.default_policies(), args.rc_average)
        .map_err(|e| e.to_string())?;
    write_tsv(args.out.clone(), &tables::allele_scores(m.manifest(), &rows, &scores))
}

fn score_vcf(args: &ModelArgs, vcf: &Path, reference: &Path) -> Result<(), String> {
    let m = args.load()?;
    let records =
        regula_core::sequence::fasta::read_path(reference).map_err(|e| format!("{}: {e}", reference.display()))?;
    let genome = regula_train::data::genome::Genome::from_records(records);
    let text = std::fs::read_to_string(vcf).map_err(|e| format!("cannot read {}: {e}", vcf.display()))?;
    let scores =
        regula_train::vcf_windows::score_vcf(&m.model, &genome, &text, args.rc_average).map_err(|e| e.to_string())?;
    let errors = scores.iter().filter(|s| s.error.is_some()).count();
    if errors > 0 {
        eprintln!("regula-train: {errors} of {} variants could not be scored (see the error column)", scores.len());
    }
    write_tsv(args.out.clone(), &tables::vcf_scores(m.manifest(), &scores))
}

fn predict(
    args: &ModelArgs,
    records: Vec<regula_infer::predict::Item>,
    length_policy: Option<&str>,
    stride: Option<usize>,
) -> Result<(), String> {
    let m = args.load()?;
    let policies = policies(&m, length_policy, stride)?;
    let predictions = regula_infer::predict::predict_averaged(&m.model, records, &policies, args.rc_average)
        .map_err(|e| e.to_string())?;
    write_tsv(args.out.clone(), &tables::predictions(m.manifest(), &predictions))
}

fn read_sequences(path: &Path) -> Result<Vec<regula_core::sequence::SequenceRecord>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    regula_core::sequence::parse_sequences(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Each record of `predict`'s input: its id and one sequence per segment (a table's sequence and
/// partner columns, or a FASTA file and, record by record, its partner FASTA).
fn read_items(
    input: &Path,
    sequence_column: Option<String>,
    partner_column: Option<String>,
    partner_input: Option<&Path>,
    id_column: Option<String>,
) -> Result<Vec<regula_infer::predict::Item>, String> {
    if let Some(column) = sequence_column {
        let bytes = std::fs::read(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
        let columns = std::iter::once(column).chain(partner_column).collect();
        let spec =
            regula_core::sequence::table::TableSpec { id_column, sequence_columns: columns, ..Default::default() };
        let t = regula_core::sequence::table::parse(&bytes, &spec).map_err(|e| format!("{}: {e}", input.display()))?;
        return Ok(t.rows.into_iter().map(|r| (r.id, r.sequences)).collect());
    }
    let first = read_sequences(input)?;
    let Some(path) = partner_input else {
        return Ok(first.into_iter().map(|r| (r.name, vec![r.sequence])).collect());
    };
    let partners = read_sequences(path)?;
    if partners.len() != first.len() {
        return Err(format!(
            "{} has {} records and {} has {}; record i of one pairs with record i of the other",
            input.display(),
            first.len(),
            path.display(),
            partners.len()
        ));
    }
    Ok(first.into_iter().zip(partners).map(|(r, p)| (r.name, vec![r.sequence, p.sequence])).collect())
}

/// Flags given on the command line over the keys of a TOML config file.
fn with_config(options: FitOptions, config: Option<PathBuf>) -> Result<FitOptions, String> {
    let Some(path) = config else { return Ok(options) };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(options.over(FitOptions::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?))
}

fn write_tsv(out: Option<PathBuf>, tsv: &str) -> Result<(), String> {
    match out {
        Some(path) => {
            regula_train::atomic::write(&path, tsv.as_bytes()).map_err(|e| format!("writing {}: {e}", path.display()))
        }
        None => {
            print!("{tsv}");
            Ok(())
        }
    }
}

fn parse_device(text: Option<&str>) -> Result<Device, String> {
    text.unwrap_or("cpu").parse::<Device>().map_err(|e| e.to_string())
}
