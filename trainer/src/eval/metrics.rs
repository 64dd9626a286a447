//! Metrics of predictions against measurements.
//!
//! Regression: Pearson r, Spearman ρ (average ranks for ties), R² (1 − SSres/SStot, so it can be
//! negative), MSE. Binary classification on scores (logits or probabilities, any monotone scale):
//! AUROC (Mann–Whitney with ties counted half), AUPRC as average precision (the step-wise area
//! scikit-learn reports), and MCC at a threshold. Undefined values (a constant vector, a class
//! missing, a correlation of fewer than three values) are NaN, never a made-up number.

use std::collections::BTreeMap;

/// Pearson correlation; NaN when either side is constant or has fewer than 3 values (two points
/// always lie on a line: their correlation is ±1 whatever the model).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len(), "pearson: {} predictions vs {} measurements", x.len(), y.len());
    let n = x.len() as f64;
    if x.len() < 3 {
        return f64::NAN;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 { f64::NAN } else { sxy / (sxx * syy).sqrt() }
}

/// Ranks starting at 1, ties given their average rank.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut out = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = rank;
        }
        i = j + 1;
    }
    out
}

/// Spearman rank correlation (Pearson of average ranks).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

/// Mean squared error.
pub fn mse(pred: &[f64], truth: &[f64]) -> f64 {
    assert_eq!(pred.len(), truth.len());
    pred.iter().zip(truth).map(|(p, t)| (p - t) * (p - t)).sum::<f64>() / pred.len() as f64
}

/// Coefficient of determination of `pred` for `truth`.
pub fn r2(pred: &[f64], truth: &[f64]) -> f64 {
    assert_eq!(pred.len(), truth.len());
    let mean = truth.iter().sum::<f64>() / truth.len() as f64;
    let ss_tot: f64 = truth.iter().map(|t| (t - mean) * (t - mean)).sum();
    let ss_res: f64 = pred.iter().zip(truth).map(|(p, t)| (p - t) * (p - t)).sum();
    if ss_tot == 0.0 { f64::NAN } else { 1.0 - ss_res / ss_tot }
}

/// Area under the ROC curve; `labels` are 0/1.
pub fn auroc(scores: &[f64], labels: &[bool]) -> f64 {
    assert_eq!(scores.len(), labels.len());
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    let negatives = labels.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return f64::NAN;
    }
    let r = ranks(scores);
    let rank_sum: f64 = r.iter().zip(labels).filter(|(_, l)| **l).map(|(r, _)| r).sum();
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

/// Average precision: Σ (R_k − R_{k−1}) P_k over distinct score thresholds, high to low.
pub fn auprc(scores: &[f64], labels: &[bool]) -> f64 {
    assert_eq!(scores.len(), labels.len());
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 {
        return f64::NAN;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut fp, mut ap, mut last_recall) = (0usize, 0usize, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        // All items tied at this score enter together.
        let mut j = i;
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            if labels[order[j]] {
                tp += 1
            } else {
                fp += 1
            }
            j += 1;
        }
        let recall = tp as f64 / positives as f64;
        let precision = tp as f64 / (tp + fp) as f64;
        ap += (recall - last_recall) * precision;
        last_recall = recall;
        i = j;
    }
    ap
}

/// Matthews correlation coefficient of `score >= threshold` against the labels.
pub fn mcc(scores: &[f64], labels: &[bool], threshold: f64) -> f64 {
    assert_eq!(scores.len(), labels.len());
    let (mut tp, mut tn, mut fp, mut fn_) = (0.0f64, 0.0, 0.0, 0.0);
    for (s, &l) in scores.iter().zip(labels) {
        match (*s >= threshold, l) {
            (true, true) => tp += 1.0,
            (false, false) => tn += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fn_ += 1.0,
        }
    }
    let denominator = (tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_);
    if denominator == 0.0 { f64::NAN } else { (tp * tn - fp * fn_) / denominator.sqrt() }
}

/// Which family of metrics a task gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    Regression,
    /// Scores are logits; labels are 0/1 targets. MCC thresholds at logit 0 (probability ½).
    Classification,
}

/// Metric name → value for one task.
pub type TaskMetrics = BTreeMap<String, f64>;

/// Metrics of one task's predictions.
pub fn task_metrics(kind: TaskKind, pred: &[f64], truth: &[f64]) -> TaskMetrics {
    let mut m = TaskMetrics::new();
    match kind {
        TaskKind::Regression => {
            m.insert("pearson".into(), pearson(pred, truth));
            m.insert("spearman".into(), spearman(pred, truth));
            m.insert("r2".into(), r2(pred, truth));
            m.insert("mse".into(), mse(pred, truth));
        }
        TaskKind::Classification => {
            let labels: Vec<bool> = truth.iter().map(|&t| t >= 0.5).collect();
            m.insert("auroc".into(), auroc(pred, &labels));
            m.insert("auprc".into(), auprc(pred, &labels));
            m.insert("mcc".into(), mcc(pred, &labels, 0.0));
        }
    }
    m
}

/// Metrics per task for column-major `[task][row]` predictions, plus `overall`: the mean of
/// each metric over tasks (the usual multi-task summary; equal to the task for one task).
pub fn evaluate(
    kind: TaskKind,
    task_names: &[String],
    pred: &[Vec<f64>],
    truth: &[Vec<f64>],
) -> BTreeMap<String, TaskMetrics> {
    assert_eq!(task_names.len(), pred.len());
    assert_eq!(pred.len(), truth.len());
    let mut out: BTreeMap<String, TaskMetrics> = task_names
        .iter()
        .zip(pred.iter().zip(truth))
        .map(|(name, (p, t))| (name.clone(), task_metrics(kind, p, t)))
        .collect();
    let mut overall = TaskMetrics::new();
    for metrics in out.values() {
        for (k, v) in metrics {
            *overall.entry(k.clone()).or_default() += v / task_names.len() as f64;
        }
    }
    out.insert("overall".into(), overall);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn pearson_of_hand_computed_case() {
        // x̄ = 2, ȳ = 3: Sxy = 4, Sxx = 2, Syy = 8 → r = 4 / 4 = 1; then a non-trivial one.
        assert_relative_eq!(pearson(&[1.0, 2.0, 3.0], &[1.0, 3.0, 5.0]), 1.0);
        // x = [1,2,3,4], y = [2,1,4,3]: Sxy = 3, Sxx = Syy = 5 → 0.6
        assert_relative_eq!(pearson(&[1.0, 2.0, 3.0, 4.0], &[2.0, 1.0, 4.0, 3.0]), 0.6, epsilon = 1e-12);
        assert!(pearson(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
        // Two points: ±1 whatever they are, so no correlation is reported.
        assert!(pearson(&[1.0, 2.0], &[3.0, 1.0]).is_nan());
        assert!(spearman(&[1.0, 2.0], &[3.0, 1.0]).is_nan());
    }

    #[test]
    fn ranks_average_ties_and_spearman_uses_them() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 5.0]), vec![2.5, 4.0, 2.5, 1.0]);
        // A monotone but non-linear relation has ρ = 1 while r < 1.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y: Vec<f64> = x.iter().map(|v: &f64| v.powi(3)).collect();
        assert_relative_eq!(spearman(&x, &y), 1.0);
        assert!(pearson(&x, &y) < 0.99);
    }

    #[test]
    fn r2_and_mse() {
        let truth = [1.0, 2.0, 3.0];
        assert_relative_eq!(r2(&truth, &truth), 1.0);
        assert_relative_eq!(r2(&[2.0, 2.0, 2.0], &truth), 0.0);
        assert_relative_eq!(mse(&[1.0, 2.0, 5.0], &truth), 4.0 / 3.0);
        assert!(r2(&[3.0, 2.0, 1.0], &truth) < 0.0);
    }

    #[test]
    fn auroc_counts_pairs_and_ties_half() {
        // Positives 0.8, 0.4; negatives 0.5, 0.1: pairs won 3 of 4.
        let labels = [true, false, true, false];
        assert_relative_eq!(auroc(&[0.8, 0.5, 0.4, 0.1], &labels), 0.75);
        // All tied: 0.5.
        assert_relative_eq!(auroc(&[0.3; 4], &labels), 0.5);
        assert!(auroc(&[0.1, 0.2], &[true, true]).is_nan());
    }

    #[test]
    fn average_precision_is_step_wise() {
        // Ranked: P(0.9) N(0.8) P(0.7) N(0.1): AP = 0.5·1 + 0.5·(2/3) = 5/6.
        let ap = auprc(&[0.9, 0.8, 0.7, 0.1], &[true, false, true, false]);
        assert_relative_eq!(ap, 5.0 / 6.0, epsilon = 1e-12);
        assert_relative_eq!(auprc(&[0.9, 0.1], &[true, false]), 1.0);
    }

    #[test]
    fn mcc_of_a_confusion_matrix() {
        // tp=2 tn=1 fp=1 fn=0 → (2·1 − 1·0)/√(3·2·2·1) = 2/√12
        let m = mcc(&[0.9, 0.8, 0.6, 0.1], &[true, true, false, false], 0.5);
        assert_relative_eq!(m, 2.0 / 12f64.sqrt(), epsilon = 1e-12);
    }

    #[test]
    fn overall_is_the_mean_over_tasks() {
        let names = vec!["a".to_string(), "b".to_string()];
        let truth = vec![vec![1.0, 2.0, 3.0, 4.0], vec![1.0, 2.0, 3.0, 4.0]];
        let pred = vec![vec![1.0, 2.0, 3.0, 4.0], vec![2.0, 1.0, 4.0, 3.0]];
        let m = evaluate(TaskKind::Regression, &names, &pred, &truth);
        assert_relative_eq!(m["overall"]["pearson"], (1.0 + 0.6) / 2.0, epsilon = 1e-12);
        assert_eq!(m["a"]["mse"], 0.0);
    }
}
