//! Metrics of an exported model on labelled data. By default the data and split come from the
//! model's own `config.toml`, so `evaluate` reproduces the manifest's metrics from the files;
//! options given override it (another table, other columns).

use std::collections::BTreeMap;
use std::path::Path;

use regula_core::manifest::{OutputKind, SplitMetrics};

use crate::eval::metrics::TaskKind;
use crate::eval::report::{Predictions, Report};
use crate::fit::FitError;
use crate::fit::plan::Plan;
use crate::fit::run::{load_and_split, training_options};
use crate::fit::scoring::{class_metrics, in_measured_units, predict_rows, score, split_metrics};
use crate::model_folder::ModelFolder;
use crate::options::FitOptions;
use crate::runtime::RuntimeConfig;

/// Which rows to evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalSet {
    /// The validation (and test, if any) rows of the model's split.
    Split,
    /// Every row of the data.
    All,
}

/// Metrics per set (`validation`, `test` or `all`) and the report behind them.
pub fn evaluate_model(
    dir: &Path,
    overrides: FitOptions,
    set: EvalSet,
    runtime: &RuntimeConfig,
) -> Result<(BTreeMap<String, SplitMetrics>, Report), FitError> {
    let mut model = ModelFolder::load(dir, runtime)?;
    let manifest = model.manifest().clone();
    let own_config = training_options(dir)?;
    let other_data = [
        overrides.data.is_some(),
        overrides.fasta.is_some(),
        overrides.targets.is_some(),
        overrides.genome.is_some(),
        overrides.tss.is_some(),
    ]
    .contains(&true);
    // `out` only matters for training; keep the model folder so resolving succeeds.
    let merged = FitOptions { out: Some(dir.to_path_buf()), ..overrides.over(own_config.clone().unwrap_or_default()) };
    let plan = Plan::resolve(merged).map_err(FitError::Usage)?;
    let (data, split) = load_and_split(&plan)?;
    let task = match manifest.output.kind {
        OutputKind::Regression => TaskKind::Regression,
        OutputKind::Classification => TaskKind::Classification,
    };
    let names: Vec<&str> = manifest.targets.iter().map(|t| t.name.as_str()).collect();
    if data.target_names.iter().map(String::as_str).ne(names.iter().copied()) {
        return Err(FitError::Usage(format!(
            "the data's targets ({}) are not the model's ({})",
            data.target_names.join(", "),
            names.join(", ")
        )));
    }
    let sets: Vec<(String, Vec<usize>)> = match set {
        EvalSet::All => vec![("all".into(), (0..data.examples.len()).collect())],
        EvalSet::Split => [("validation", split.valid), ("test", split.test)]
            .into_iter()
            .filter(|(_, r)| !r.is_empty())
            .map(|(n, r)| (n.to_string(), r))
            .collect(),
    };
    if other_data && let Some(own_config) = own_config {
        for warning in training_overlap(dir, own_config, &data, &sets) {
            eprintln!("regula-train: warning: {warning}");
        }
    }
    let normalisation: Vec<_> = manifest.targets.iter().map(|t| t.normalisation.clone()).collect();
    let mut report = Report { model: manifest.name.clone(), metric: plan.train.metric.clone(), ..Default::default() };
    let mut out = BTreeMap::new();
    for (name, rows) in sets {
        // The very path training evaluated with: branches encoded (and flipped) one by one.
        let raw = predict_rows(model.predictor()?, &data, &rows, plan.train.rc_average)?;
        let predicted = in_measured_units(task, &raw, &normalisation);
        let (metrics, values): (_, BTreeMap<String, Predictions>) = score(task, &data, &rows, &predicted);
        // Per row class, as fit reports them.
        for c in class_metrics(task, &data, &name, &rows, &predicted) {
            out.insert(c.key.clone(), split_metrics(c.rows, &c.metrics, &c.values));
            report.add(&c.key, c.rows, c.metrics, &c.values);
        }
        out.insert(name.clone(), split_metrics(rows.len(), &metrics, &values));
        report.add(&name, rows.len(), metrics, &values);
        report.predictions.insert(name, values);
    }
    Ok((out, report))
}

/// Rows of `sets` whose sequences are those of a row the model trained on (its own data and
/// split, from its config), one warning per set that has any: metrics on them overstate how
/// the model does on sequences it has not seen.
pub fn training_overlap(
    dir: &Path,
    own: FitOptions,
    data: &crate::data::dataset::Dataset,
    sets: &[(String, Vec<usize>)],
) -> Vec<String> {
    let own = FitOptions { out: Some(dir.to_path_buf()), ..own };
    let trained = match Plan::resolve(own).map_err(FitError::Usage).and_then(|p| load_and_split(&p)) {
        Ok(t) => t,
        Err(e) => {
            return vec![format!(
                "cannot check whether these rows overlap the model's training rows: its own data would not load ({e})"
            )];
        }
    };
    let (own_data, own_split) = trained;
    let seen: std::collections::HashSet<Vec<u8>> =
        own_split.train.iter().map(|&i| own_data.examples[i].sequences.concat().to_ascii_uppercase()).collect();
    sets.iter()
        .filter_map(|(name, rows)| {
            let overlap: Vec<&str> = rows
                .iter()
                .filter(|&&i| seen.contains(&data.examples[i].sequences.concat().to_ascii_uppercase()))
                .map(|&i| data.examples[i].id.as_str())
                .collect();
            (!overlap.is_empty()).then(|| {
                let shown = overlap.iter().take(5).copied().collect::<Vec<_>>().join(", ");
                format!(
                    "{} of the {} {name} rows have the sequence of a row the model trained on (e.g. {shown}{}); their metrics overstate how the model does on new sequences",
                    overlap.len(),
                    rows.len(),
                    if overlap.len() > 5 { ", …" } else { "" }
                )
            })
        })
        .collect()
}
