//! `regula-train`: a thin command line over the `regula_train` library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use regula_train::eval::exported::{EvalSet, evaluate_model};
use regula_train::exported::ExportedModel;
use regula_train::options::FitOptions;
use regula_train::runtime::{Device, RuntimeConfig};

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
        #[arg(long)]
        resume: bool,
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
        /// pad, crop or pad-or-crop [default: the model's own].
        #[arg(long)]
        length_policy: Option<String>,
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
    fn load(&self) -> Result<ExportedModel, String> {
        let runtime =
            RuntimeConfig { device: parse_device(Some(&self.device))?, threads: self.threads, ..Default::default() };
        ExportedModel::load(&self.model, &runtime).map_err(|e| e.to_string())
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
        Command::Fit { config, resume, quiet, options } => {
            let options = with_config(options, config)?;
            let outcome = regula_train::fit::fit(options, resume, !quiet).map_err(|e| e.to_string())?;
            let metrics = &outcome.manifest.metrics;
            println!(
                "best epoch {} of {} run; model written to {}",
                outcome.best_epoch,
                outcome.epochs_run,
                outcome.out.display()
            );
            if outcome.skipped > 0 {
                println!("{} bad rows skipped (listed in the report)", outcome.skipped);
            }
            for (split, m) in metrics {
                if let Some(overall) = m.per_target.get("overall") {
                    let line: Vec<String> = overall.iter().map(|(k, v)| format!("{k} {v:.4}")).collect();
                    println!("{split} ({} rows): {}", m.rows, line.join(", "));
                }
            }
            Ok(())
        }
        Command::Evaluate { model, rows, report, options } => {
            let runtime = RuntimeConfig {
                device: parse_device(options.device.as_deref())?,
                threads: options.threads.unwrap_or(0),
                ..Default::default()
            };
            let (metrics, r) = evaluate_model(&model, options, rows, &runtime).map_err(|e| e.to_string())?;
            if let Some(dir) = report {
                r.write(&dir).map_err(|e| format!("writing the report to {}: {e}", dir.display()))?;
            }
            println!("{}", serde_json::to_string_pretty(&metrics).expect("metrics serialise"));
            Ok(())
        }
        Command::Split { config, to, options } => {
            let plan = regula_train::fit::plan::Plan::resolve(with_config(options, config)?)?;
            let table = regula_train::fit::split_table::split_table(&plan).map_err(|e| e.to_string())?;
            write_tsv(to, &table)
        }
        Command::Inspect { model } => {
            let dir = if model.is_dir() { model } else { model.parent().map(PathBuf::from).unwrap_or_default() };
            let m = ExportedModel::load(&dir, &RuntimeConfig::default()).map_err(|e| e.to_string())?;
            println!("{}\n\n{}", m.manifest.to_json(), m.graph_summary());
            Ok(())
        }
        Command::Ism { model: args, input, length_policy } => {
            let (rc_average, out) = (args.rc_average, args.out.clone());
            let mut m = args.load()?;
            let policy = match length_policy {
                Some(name) => m.policy(&name, None).map_err(|e| e.to_string())?,
                None => m.manifest.inputs[0].default_length_policy.clone(),
            };
            let bytes = std::fs::read(&input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
            let records =
                regula_core::sequence::parse_sequences(&bytes).map_err(|e| format!("{}: {e}", input.display()))?;
            let targets: Vec<String> = m.manifest.targets.iter().map(|t| t.name.clone()).collect();
            let mut tsv = String::from("id\tposition\tref\talt\ttarget\treference_prediction\teffect\n");
            for r in &records {
                let (reference, subs) =
                    regula_train::scan::saturation_mutagenesis(&mut m, &r.name, &r.sequence, &policy, rc_average)
                        .map_err(|e| e.to_string())?;
                for s in &subs {
                    for (k, t) in targets.iter().enumerate() {
                        tsv += &format!(
                            "{}\t{}\t{}\t{}\t{t}\t{:.6}\t{:.6}\n",
                            r.name, s.position, s.reference as char, s.alternate as char, reference[k], s.effects[k]
                        );
                    }
                }
            }
            write_tsv(out, &tsv)
        }
        Command::ScoreVariants { model: args, table: Some(table), ref_column, alt_column, id_column, .. } => {
            let (rc_average, out) = (args.rc_average, args.out.clone());
            let mut m = args.load()?;
            let bytes = std::fs::read(&table).map_err(|e| format!("cannot read {}: {e}", table.display()))?;
            let spec = regula_core::sequence::table::TableSpec {
                id_column,
                sequence_columns: vec![ref_column.unwrap_or_default(), alt_column.unwrap_or_default()],
                ..Default::default()
            };
            let t =
                regula_core::sequence::table::parse(&bytes, &spec).map_err(|e| format!("{}: {e}", table.display()))?;
            let scores = regula_train::scan::score_pairs(&mut m, &t, None, rc_average).map_err(|e| e.to_string())?;
            let mut tsv = String::from("line\tid\ttarget\tref_prediction\talt_prediction\tdifference\n");
            for s in &scores {
                for (k, target) in m.manifest.targets.iter().enumerate() {
                    let (r, a) = (s.reference[k], s.alternate[k]);
                    tsv += &format!("{}\t{}\t{}\t{r:.6}\t{a:.6}\t{:.6}\n", s.line, s.id, target.name, a - r);
                }
            }
            write_tsv(out, &tsv)
        }
        Command::ScoreVariants { model: args, vcf, reference, .. } => {
            let (vcf, reference) =
                match (vcf, reference) {
                    (Some(v), Some(r)) => (v, r),
                    _ => return Err(
                        "score-variants needs --vcf with --reference, or --table with --ref-column and --alt-column"
                            .into(),
                    ),
                };
            let (rc_average, out) = (args.rc_average, args.out.clone());
            let mut m = args.load()?;
            let records = regula_core::sequence::fasta::read_path(&reference)
                .map_err(|e| format!("{}: {e}", reference.display()))?;
            let genome = regula_train::data::genome::Genome::from_records(records);
            let text = std::fs::read_to_string(&vcf).map_err(|e| format!("cannot read {}: {e}", vcf.display()))?;
            let scores =
                regula_train::scan::score_vcf(&mut m, &genome, &text, rc_average).map_err(|e| e.to_string())?;
            let targets: Vec<String> = m.manifest.targets.iter().map(|t| t.name.clone()).collect();
            let mut tsv = String::from(
                "line\tchrom\tpos\tid\tref\talt\ttarget\tref_prediction\talt_prediction\tdifference\terror\n",
            );
            let mut errors = 0;
            for s in &scores {
                let v = &s.variant;
                let lead =
                    format!("{}\t{}\t{}\t{}\t{}\t{}", v.line, s.chrom, v.position, v.id, v.reference, v.alternate);
                match &s.error {
                    Some(e) => {
                        errors += 1;
                        tsv += &format!("{lead}\t\t\t\t\t{e}\n");
                    }
                    None => {
                        for (k, t) in targets.iter().enumerate() {
                            let (r, a) = (s.reference[k], s.alternate[k]);
                            tsv += &format!("{lead}\t{t}\t{r:.6}\t{a:.6}\t{:.6}\t\n", a - r);
                        }
                    }
                }
            }
            if errors > 0 {
                eprintln!(
                    "regula-train: {errors} of {} variants could not be scored (see the error column)",
                    scores.len()
                );
            }
            write_tsv(out, &tsv)
        }
        Command::Predict {
            model: args,
            input,
            sequence_column,
            partner_column,
            partner_input,
            id_column,
            length_policy,
            stride,
        } => {
            let (rc_average, out) = (args.rc_average, args.out.clone());
            let mut m = args.load()?;
            let bytes = std::fs::read(&input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
            let read_fasta = |path: &PathBuf, bytes: &[u8]| -> Result<Vec<(String, Vec<u8>)>, String> {
                Ok(regula_core::sequence::parse_sequences(bytes)
                    .map_err(|e| format!("{}: {e}", path.display()))?
                    .into_iter()
                    .map(|r| (r.name, r.sequence))
                    .collect())
            };
            // Each record: its id and one sequence per segment.
            let records: Vec<(String, Vec<Vec<u8>>)> = match sequence_column {
                Some(column) => {
                    let columns = std::iter::once(column).chain(partner_column).collect();
                    let spec = regula_core::sequence::table::TableSpec {
                        id_column,
                        sequence_columns: columns,
                        ..Default::default()
                    };
                    let t = regula_core::sequence::table::parse(&bytes, &spec)
                        .map_err(|e| format!("{}: {e}", input.display()))?;
                    t.rows.into_iter().map(|r| (r.id, r.sequences)).collect()
                }
                None => {
                    let first = read_fasta(&input, &bytes)?;
                    match &partner_input {
                        None => first.into_iter().map(|(n, s)| (n, vec![s])).collect(),
                        Some(path) => {
                            let text =
                                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                            let partners = read_fasta(path, &text)?;
                            if partners.len() != first.len() {
                                return Err(format!(
                                    "{} has {} records and {} has {}; record i of one pairs with record i of the other",
                                    input.display(),
                                    first.len(),
                                    path.display(),
                                    partners.len()
                                ));
                            }
                            first.into_iter().zip(partners).map(|((n, s), (_, p))| (n, vec![s, p])).collect()
                        }
                    }
                }
            };
            let policy = length_policy.map(|name| m.policy(&name, stride)).transpose().map_err(|e| e.to_string())?;
            let refs: Vec<(&str, Vec<&[u8]>)> =
                records.iter().map(|(n, s)| (n.as_str(), s.iter().map(Vec::as_slice).collect())).collect();
            let predictions = m
                .predict_segments(&refs, policy.as_ref().map(std::slice::from_ref), rc_average)
                .map_err(|e| e.to_string())?;
            let segments = m.manifest.inputs.len();
            let mut header = vec!["id".to_string(), "length".into(), "fitting".into()];
            if segments == 2 {
                header.extend(["distal_length".into(), "distal_fitting".into()]);
            }
            header.extend(m.manifest.targets.iter().map(|t| t.name.clone()));
            let mut tsv = header.join("\t") + "\n";
            for ((id, seqs), p) in records.iter().zip(&predictions) {
                let mut fields = vec![id.clone()];
                for (s, f) in seqs.iter().zip(&p.fittings) {
                    fields.extend([s.len().to_string(), describe_fitting(f)]);
                }
                fields.extend(p.values.iter().map(|v| format!("{v:.6}")));
                tsv += &(fields.join("\t") + "\n");
            }
            write_tsv(out, &tsv)
        }
    }
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

fn describe_fitting(f: &regula_core::length::Fitting) -> String {
    use regula_core::length::Fitting::*;
    match f {
        Unchanged => "unchanged".into(),
        Padded { left, right } => format!("padded {left}+{right}"),
        Cropped { left, right } => format!("cropped {left}+{right}"),
        Tiled { windows, stride } => format!("{windows} tiles, stride {stride}, mean"),
    }
}
