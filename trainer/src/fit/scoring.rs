//! Predictions of a trained model on rows of a data set, in measured units, and their metrics.

use std::collections::BTreeMap;

use regula_core::manifest::{Normalisation, PredictionQuantiles};

use super::batches::encode_rows;
use crate::data::dataset::Dataset;
use crate::eval::metrics::{TaskKind, TaskMetrics, evaluate};
use crate::eval::report::Predictions;
use crate::export::Predictor;

/// Raw model outputs `[rows, targets]` (training space), averaged over both strands if asked.
pub fn predict_rows(
    predictor: &mut Predictor,
    data: &Dataset,
    rows: &[usize],
    rc_average: bool,
) -> crate::Result<Vec<f32>> {
    predictor.predict_items(rows, rc_average, |batch, reverse| encode_rows(data, batch, |_| reverse, |_| 0))
}

/// Mean loss of raw outputs against training-space targets (MSE, or BCE with logits), over the
/// cells `measured` marks (1; 0 for a missing target, whose target value is ignored).
pub fn mean_loss(task: TaskKind, raw: &[f32], targets: &[f32], measured: &[f32]) -> f64 {
    let (total, count) = raw.iter().zip(targets).zip(measured).filter(|(_, m)| **m > 0.0).fold(
        (0.0, 0usize),
        |(total, count), ((&p, &y), _)| {
            let (p, y) = (p as f64, y as f64);
            let loss = match task {
                TaskKind::Regression => (p - y) * (p - y),
                // max(p, 0) − p·y + log(1 + e^−|p|): stable for large |p|.
                TaskKind::Classification => p.max(0.0) - p * y + (-p.abs()).exp().ln_1p(),
            };
            (total + loss, count + 1)
        },
    );
    total / count.max(1) as f64
}

/// Per-task predictions in measured units (regression) or logits (classification).
pub fn in_measured_units(task: TaskKind, raw: &[f32], normalisation: &[Normalisation]) -> Vec<Vec<f64>> {
    let t = normalisation.len();
    (0..t)
        .map(|k| {
            raw.iter()
                .skip(k)
                .step_by(t)
                .map(|&z| match task {
                    TaskKind::Regression => normalisation[k].undo(z as f64),
                    TaskKind::Classification => z as f64,
                })
                .collect()
        })
        .collect()
}

/// Where a target's predictions on `split`'s rows fall, for the percentile the app shows beside
/// a prediction: values as reported (probabilities for a classifier, measured units otherwise).
pub fn reported_quantiles(task: TaskKind, split: &str, predicted: &[f64]) -> Option<PredictionQuantiles> {
    let reported: Vec<f64> = match task {
        TaskKind::Regression => predicted.to_vec(),
        TaskKind::Classification => predicted.iter().map(|z| 1.0 / (1.0 + (-z).exp())).collect(),
    };
    PredictionQuantiles::of(split, &reported, 21)
}

/// The metrics of a split as the manifest records them: undefined ones (NaN, e.g. MCC when every
/// prediction falls in one class) are left out rather than written as JSON `null`. `values` are
/// the predictions behind them: a target measured on fewer than `rows` rows (`--mask-missing`)
/// has its own row count recorded.
pub fn split_metrics(
    rows: usize,
    metrics: &BTreeMap<String, TaskMetrics>,
    values: &BTreeMap<String, Predictions>,
) -> regula_core::manifest::SplitMetrics {
    let per_target = metrics
        .iter()
        .map(|(task, m)| {
            (task.clone(), m.iter().filter(|(_, v)| v.is_finite()).map(|(k, v)| (k.clone(), *v)).collect())
        })
        .collect();
    regula_core::manifest::SplitMetrics { rows, per_target, target_rows: target_rows(rows, values) }
}

/// Rows each target was scored on, for the targets measured on fewer than all `rows`.
pub fn target_rows(rows: usize, values: &BTreeMap<String, Predictions>) -> BTreeMap<String, usize> {
    values.iter().filter(|(_, p)| p.measured.len() < rows).map(|(t, p)| (t.clone(), p.measured.len())).collect()
}

/// The class of a lentiMPRA row, read from its id: promoters (`ENSG…`), candidate enhancers
/// (`DNasePeakNoPromoter…`) and controls (ids that name a shuffled or control sequence, e.g.
/// `seq12_shuffled_0`); `None` for any other id.
pub fn row_class(id: &str) -> Option<&'static str> {
    if id.starts_with("ENSG") {
        return Some("promoters (ENSG*)");
    }
    if id.starts_with("DNasePeakNoPromoter") {
        return Some("candidate enhancers (DNasePeakNoPromoter*)");
    }
    let lower = id.to_ascii_lowercase();
    (lower.contains("shuffled") || lower.contains("control")).then_some("controls")
}

/// `rows` by [`row_class`], each class with at least three rows (fewer define no correlation), in
/// the order promoters, candidate enhancers, controls. Empty when the classes would only repeat
/// the split's own metrics: no row has a class, or every row has the same one.
pub fn rows_by_class(data: &Dataset, rows: &[usize]) -> Vec<(&'static str, Vec<usize>)> {
    let mut classes: Vec<(&'static str, Vec<usize>)> = Vec::new();
    for &i in rows {
        if let Some(class) = row_class(&data.examples[i].id) {
            match classes.iter_mut().find(|(c, _)| *c == class) {
                Some((_, members)) => members.push(i),
                None => classes.push((class, vec![i])),
            }
        }
    }
    if classes.is_empty() || (classes.len() == 1 && classes[0].1.len() == rows.len()) {
        return Vec::new();
    }
    let order = |c: &str| ["promoters", "candidate", "controls"].iter().position(|p| c.starts_with(p));
    classes.sort_by_key(|(c, _)| order(c));
    classes.retain(|(_, members)| members.len() >= 3);
    classes
}

/// A split's metrics and the values behind them, for one set of rows.
pub struct Scored {
    /// `"{split}"` or `"{split}: {class}"`.
    pub key: String,
    pub rows: usize,
    pub metrics: BTreeMap<String, TaskMetrics>,
    pub values: BTreeMap<String, Predictions>,
}

/// Metrics of `rows` per row class ([`rows_by_class`]), named `"{split}: {class}"`, from the
/// split's per-task predictions `predicted` (in the order of `rows`).
pub fn class_metrics(
    task: TaskKind,
    data: &Dataset,
    split: &str,
    rows: &[usize],
    predicted: &[Vec<f64>],
) -> Vec<Scored> {
    let position: BTreeMap<usize, usize> = rows.iter().enumerate().map(|(p, &i)| (i, p)).collect();
    rows_by_class(data, rows)
        .into_iter()
        .map(|(class, members)| {
            let sub: Vec<Vec<f64>> =
                predicted.iter().map(|task| members.iter().map(|i| task[position[i]]).collect()).collect();
            let (metrics, values) = score(task, data, &members, &sub);
            Scored { key: format!("{split}: {class}"), rows: members.len(), metrics, values }
        })
        .collect()
}

/// Metrics (per task and overall) and the values behind them. Each target is scored on the rows
/// of `rows` that measure it (all of them unless `--mask-missing` let some miss it); a target
/// that misses some of `rows` and is measured on fewer than two of them defines no correlation
/// there and is left out. `overall` is the mean of the scored targets' metrics.
pub fn score(
    task: TaskKind,
    data: &Dataset,
    rows: &[usize],
    predicted: &[Vec<f64>],
) -> (BTreeMap<String, TaskMetrics>, BTreeMap<String, Predictions>) {
    let mut names = Vec::new();
    let (mut measured, mut kept): (Vec<Vec<f64>>, Vec<Vec<f64>>) = (Vec::new(), Vec::new());
    for (k, name) in data.target_names.iter().enumerate() {
        let (m, p): (Vec<f64>, Vec<f64>) = rows
            .iter()
            .zip(&predicted[k])
            .map(|(&i, &p)| (data.examples[i].targets[k], p))
            .filter(|(m, _)| !m.is_nan())
            .unzip();
        if m.len() < rows.len() && m.len() < 2 {
            continue;
        }
        names.push(name.clone());
        measured.push(m);
        kept.push(p);
    }
    let metrics = evaluate(task, &names, &kept, &measured);
    let values = names
        .into_iter()
        .zip(measured.into_iter().zip(kept))
        .map(|(name, (measured, predicted))| (name, Predictions { measured, predicted }))
        .collect();
    (metrics, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn bce_matches_the_textbook_formula() {
        let p: f32 = 0.3;
        let sigmoid = 1.0 / (1.0 + (-p as f64).exp());
        assert_relative_eq!(mean_loss(TaskKind::Classification, &[p], &[1.0], &[1.0]), -sigmoid.ln(), epsilon = 1e-7);
        assert_relative_eq!(
            mean_loss(TaskKind::Classification, &[p], &[0.0], &[1.0]),
            -(1.0 - sigmoid).ln(),
            epsilon = 1e-7
        );
        assert!(mean_loss(TaskKind::Classification, &[200.0], &[1.0], &[1.0]).is_finite());
    }

    #[test]
    fn undefined_metrics_are_left_out_of_the_manifest() {
        let m = BTreeMap::from([(
            "y".to_string(),
            TaskMetrics::from([("auroc".to_string(), 0.7), ("mcc".to_string(), f64::NAN)]),
        )]);
        let s = split_metrics(5, &m, &BTreeMap::new());
        assert_eq!(s.per_target["y"].keys().collect::<Vec<_>>(), vec!["auroc"]);
    }

    fn dataset(ids: &[&str]) -> Dataset {
        let examples = ids
            .iter()
            .enumerate()
            .map(|(line, id)| crate::data::dataset::Example {
                id: id.to_string(),
                line: line + 2,
                sequences: vec![b"ACGT".to_vec()],
                targets: vec![line as f64],
                chrom: None,
                split: None,
            })
            .collect();
        Dataset { examples, target_names: vec!["y".into()], ..Default::default() }
    }

    #[test]
    fn rows_are_classed_by_their_lentimpra_ids() {
        assert_eq!(row_class("ENSG00000141510_Reversed:"), Some("promoters (ENSG*)"));
        assert_eq!(row_class("DNasePeakNoPromoter10"), Some("candidate enhancers (DNasePeakNoPromoter*)"));
        assert_eq!(row_class("seq12_shuffled_0"), Some("controls"));
        assert_eq!(row_class("seq12_F"), None);
        let data = dataset(&[
            "DNasePeakNoPromoter1",
            "ENSG01",
            "ENSG01_Reversed:",
            "seq1_shuffled_0",
            "DNasePeakNoPromoter2",
            "seq2_F",
            "seq3_shuffled_0",
            "ENSG02",
            "DNasePeakNoPromoter3",
            "seq4_shuffled_0",
        ]);
        let classes = rows_by_class(&data, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(
            classes,
            vec![
                ("promoters (ENSG*)", vec![1, 2, 7]),
                ("candidate enhancers (DNasePeakNoPromoter*)", vec![0, 4, 8]),
                ("controls", vec![3, 6, 9])
            ]
        );
        // Classes of fewer than three rows define no correlation (two rows: ±1 whatever the
        // model); one class covering every row repeats the split.
        assert_eq!(rows_by_class(&data, &[0, 1, 2, 7, 3, 6]), vec![("promoters (ENSG*)", vec![1, 2, 7])]);
        assert!(rows_by_class(&data, &[0, 4, 8]).is_empty());
        assert!(rows_by_class(&data, &[5]).is_empty());
    }

    #[test]
    fn outputs_are_split_by_task_and_mapped_back() {
        let n = [
            Normalisation { log: None, standardise: Some(regula_core::manifest::Standardise { mean: 10.0, std: 2.0 }) },
            Normalisation::default(),
        ];
        let per_task = in_measured_units(TaskKind::Regression, &[1.0, 5.0, -1.0, 6.0], &n);
        assert_eq!(per_task, vec![vec![12.0, 8.0], vec![5.0, 6.0]]);
    }
}
