//! `regula-train`: a thin command line over the `regula_train` library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use regula_train::options::FitOptions;

#[derive(Parser)]
#[command(name = "regula-train", version, about = "Train, evaluate and export DNA sequence-to-expression models (ONNX, trained in ONNX Runtime)")]
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
            let options = match config {
                Some(path) => {
                    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                    options.over(FitOptions::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?)
                }
                None => options,
            };
            let outcome = regula_train::fit::fit(options, resume, !quiet).map_err(|e| e.to_string())?;
            let metrics = &outcome.manifest.metrics;
            println!("best epoch {} of {} run; model written to {}", outcome.best_epoch, outcome.epochs_run, outcome.out.display());
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
    }
}
