//! Target transforms: an optional log, then standardisation fitted on the training rows only
//! (so validation statistics never leak into training). The fitted transform is stored in the
//! manifest as [`Normalisation`] and undone at prediction.

use regula_core::manifest::{LogTransform, Normalisation, Standardise};

use super::dataset::Dataset;

/// What to do to the targets before training.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetTransform {
    pub log: Option<LogTransform>,
    pub standardise: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TargetError {
    #[error(
        "line {line}: row '{id}': target '{target}' is {value}; log{base} needs values above {min} (the pseudocount is {pseudocount})"
    )]
    LogDomain { line: usize, id: String, target: String, value: f64, base: f64, min: f64, pseudocount: f64 },
    #[error("target '{target}' has the same value ({value}) on every training row; it cannot be standardised")]
    Constant { target: String, value: f64 },
    #[error("target '{target}' is measured on none of the training rows; it cannot be learnt")]
    Unmeasured { target: String },
}

impl TargetTransform {
    /// Fits one [`Normalisation`] per target on the rows `train` of `data`.
    pub fn fit(&self, data: &Dataset, train: &[usize]) -> Result<Vec<Normalisation>, TargetError> {
        let mut out = Vec::with_capacity(data.target_names.len());
        for (t, target) in data.target_names.iter().enumerate() {
            let partial = Normalisation { log: self.log.clone(), standardise: None };
            if let Some(log) = &self.log {
                // Every row will be transformed, not only training rows: check them all.
                if let Some(e) = data.examples.iter().find(|e| e.targets[t] + log.pseudocount <= 0.0) {
                    return Err(TargetError::LogDomain {
                        line: e.line,
                        id: e.id.clone(),
                        target: target.clone(),
                        value: e.targets[t],
                        base: log.base,
                        min: -log.pseudocount,
                        pseudocount: log.pseudocount,
                    });
                }
            }
            // Missing values (NaN, under `--mask-missing`) are left out: each target is fitted on
            // the training rows that measure it.
            let values: Vec<f64> = train
                .iter()
                .map(|&i| data.examples[i].targets[t])
                .filter(|v| !v.is_nan())
                .map(|v| partial.apply(v))
                .collect();
            if values.is_empty() {
                return Err(TargetError::Unmeasured { target: target.clone() });
            }
            let standardise = if self.standardise {
                let n = values.len() as f64;
                let mean = values.iter().sum::<f64>() / n;
                let std = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
                if std == 0.0 || !std.is_finite() {
                    return Err(TargetError::Constant { target: target.clone(), value: values[0] });
                }
                Some(Standardise { mean, std })
            } else {
                None
            };
            out.push(Normalisation { log: self.log.clone(), standardise });
        }
        Ok(out)
    }
}

/// Targets of `rows` in training space, row-major `[rows.len(), targets]` float32. A missing
/// target (NaN, under `--mask-missing`) is 0 here, never NaN (a NaN times a zero loss weight is
/// still NaN): [`measured`] says which cells to count.
pub fn normalised(data: &Dataset, rows: &[usize], normalisation: &[Normalisation]) -> Vec<f32> {
    rows.iter()
        .flat_map(|&i| {
            data.examples[i]
                .targets
                .iter()
                .zip(normalisation)
                .map(|(&v, n)| if v.is_nan() { 0.0 } else { n.apply(v) as f32 })
        })
        .collect()
}

/// 1 where a target of `rows` is measured, 0 where it is missing, row-major like [`normalised`].
pub fn measured(data: &Dataset, rows: &[usize]) -> Vec<f32> {
    rows.iter().flat_map(|&i| data.examples[i].targets.iter().map(|v| if v.is_nan() { 0.0 } else { 1.0 })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::dataset::Example;
    use approx::assert_relative_eq;

    fn data(values: &[f64]) -> Dataset {
        Dataset {
            target_names: vec!["expr".into()],
            examples: values
                .iter()
                .enumerate()
                .map(|(i, &v)| Example {
                    id: format!("g{i}"),
                    line: i + 2,
                    sequences: vec![b"ACGT".to_vec()],
                    targets: vec![v],
                    chrom: None,
                    split: None,
                })
                .collect(),
            skipped: vec![],
        }
    }

    #[test]
    fn standardises_on_training_rows_only() {
        let d = data(&[1.0, 3.0, 100.0]);
        let n = TargetTransform { log: None, standardise: true }.fit(&d, &[0, 1]).unwrap();
        assert_eq!(n[0].standardise, Some(Standardise { mean: 2.0, std: 1.0 }));
        assert_eq!(normalised(&d, &[0, 1, 2], &n), vec![-1.0, 1.0, 98.0]);
    }

    #[test]
    fn missing_values_are_left_out_of_the_fit_and_zero_in_training_space() {
        // Training rows 0, 1, 3; row 1 is missing (NaN): mean and std of 1 and 3 alone.
        let d = data(&[1.0, f64::NAN, 100.0, 3.0]);
        let n = TargetTransform { log: None, standardise: true }.fit(&d, &[0, 1, 3]).unwrap();
        assert_eq!(n[0].standardise, Some(Standardise { mean: 2.0, std: 1.0 }));
        assert_eq!(normalised(&d, &[0, 1, 2, 3], &n), vec![-1.0, 0.0, 98.0, 1.0]);
        assert_eq!(measured(&d, &[0, 1, 2, 3]), vec![1.0, 0.0, 1.0, 1.0]);
        let e = TargetTransform { log: None, standardise: true }.fit(&d, &[1]).unwrap_err();
        assert_eq!(e.to_string(), "target 'expr' is measured on none of the training rows; it cannot be learnt");
    }

    #[test]
    fn log_then_standardise_round_trips() {
        let d = data(&[0.0, 1.0, 3.0, 7.0]);
        let log = Some(LogTransform { base: 2.0, pseudocount: 1.0 });
        let n = TargetTransform { log, standardise: true }.fit(&d, &[0, 1, 2, 3]).unwrap();
        // log2(x + 1) = 0, 1, 2, 3 → mean 1.5
        assert_relative_eq!(n[0].standardise.as_ref().unwrap().mean, 1.5);
        for e in &d.examples {
            assert_relative_eq!(n[0].undo(n[0].apply(e.targets[0])), e.targets[0], epsilon = 1e-12);
        }
    }

    #[test]
    fn errors_name_the_row_and_the_reason() {
        let d = data(&[0.5, -1.0]);
        let log = Some(LogTransform { base: 10.0, pseudocount: 1.0 });
        let e = TargetTransform { log, standardise: false }.fit(&d, &[0]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3: row 'g1': target 'expr' is -1; log10 needs values above -1 (the pseudocount is 1)"
        );
        let e = TargetTransform { log: None, standardise: true }.fit(&data(&[2.0, 2.0]), &[0, 1]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "target 'expr' has the same value (2) on every training row; it cannot be standardised"
        );
    }
}
