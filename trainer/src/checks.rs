//! Options checked before any work starts: a number that cannot be right (a negative learning
//! rate, a batch of 0, more threads than the machine has cores) is refused with the flag named and
//! what to give instead, rather than training backwards or hanging.

use crate::options::FitOptions;

/// Cores of this machine (1 when the OS will not say).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `--threads N`: 0 means all cores; more than the machine has is refused (ONNX Runtime would
/// start them all, and 100000 threads exhaust memory before the first batch).
pub fn threads(n: usize) -> Result<usize, String> {
    let cores = cores();
    if n > cores {
        return Err(format!(
            "--threads {n}: this machine has {cores} cores; give at most {cores} (0 uses all of them)"
        ));
    }
    Ok(n)
}

/// A count that must be at least 1.
pub fn at_least_one(flag: &str, n: usize) -> Result<usize, String> {
    if n == 0 {
        return Err(format!("--{flag} 0: must be at least 1"));
    }
    Ok(n)
}

/// Every numeric `fit` option with a range, checked before any data is read; the first problem
/// found is returned. Call at the start of a run (and of `evaluate`/`split`, which share them).
pub fn fit_options(o: &FitOptions) -> Result<(), String> {
    fn positive<T: Into<f64> + std::fmt::Display + Copy>(flag: &str, v: Option<T>) -> Result<(), String> {
        match v {
            Some(x) if !(x.into().is_finite() && x.into() > 0.0) => {
                Err(format!("--{flag} {x}: must be a finite number above 0"))
            }
            _ => Ok(()),
        }
    }
    fn non_negative<T: Into<f64> + std::fmt::Display + Copy>(flag: &str, v: Option<T>) -> Result<(), String> {
        match v {
            Some(x) if !(x.into().is_finite() && x.into() >= 0.0) => {
                Err(format!("--{flag} {x}: must be a finite number, 0 or more"))
            }
            _ => Ok(()),
        }
    }
    fn fraction(flag: &str, v: Option<f64>, zero_ok: bool) -> Result<(), String> {
        match v {
            Some(x) if !(x.is_finite() && x < 1.0 && (x > 0.0 || (zero_ok && x == 0.0))) => {
                Err(format!("--{flag} {x}: must be a fraction in {}0, 1)", if zero_ok { "[" } else { "(" }))
            }
            _ => Ok(()),
        }
    }
    fn counts(flag: &str, v: Option<usize>) -> Result<(), String> {
        match v {
            Some(0) => Err(format!("--{flag} 0: must be at least 1")),
            _ => Ok(()),
        }
    }
    fn each_at_least_one(flag: &str, v: &Option<Vec<usize>>) -> Result<(), String> {
        match v {
            Some(values) if values.is_empty() => Err(format!("--{flag} is empty: give at least one value")),
            Some(values) if values.contains(&0) => Err(format!("--{flag} {values:?}: every value must be at least 1")),
            _ => Ok(()),
        }
    }
    positive("lr", o.lr)?;
    non_negative("weight-decay", o.weight_decay)?;
    fraction("dropout", o.dropout, true)?;
    fraction("valid-fraction", o.valid_fraction, false)?;
    fraction("test-fraction", o.test_fraction, true)?;
    if let (Some(v), Some(t)) = (o.valid_fraction, o.test_fraction)
        && v + t >= 1.0
    {
        return Err(format!(
            "--valid-fraction {v} and --test-fraction {t} leave no training rows; keep their sum below 1"
        ));
    }
    non_negative("warmup-epochs", o.warmup_epochs)?;
    fraction("plateau-factor", o.plateau_factor, false)?;
    positive("clip-grad-norm", o.clip_grad_norm)?;
    if let Some(b) = o.log_base
        && !(b.is_finite() && b > 0.0 && b != 1.0)
    {
        return Err(format!("--log-base {b}: must be a finite number above 0 other than 1 (e.g. 2, 10 or e)"));
    }
    non_negative("pseudocount", o.pseudocount)?;
    if let Some(w) = &o.task_weights
        && let Some(x) = w.iter().find(|x| !(x.is_finite() && **x >= 0.0))
    {
        return Err(format!("--task-weights: {x} is not a finite weight, 0 or more"));
    }
    counts("epochs", o.epochs)?;
    counts("batch-size", o.batch_size)?;
    counts("attention-heads", o.attention_heads)?;
    counts("patience", o.patience)?;
    counts("plateau-patience", o.plateau_patience)?;
    each_at_least_one("channels", &o.channels)?;
    each_at_least_one("kernels", &o.kernels)?;
    each_at_least_one("dilations", &o.dilations)?;
    each_at_least_one("pools", &o.pools)?;
    if let Some(k) = o.folds
        && k < 2
    {
        return Err(format!("--folds {k}: cross-validation needs at least 2 folds"));
    }
    if let (Some(0), Some(0)) = (o.upstream, o.downstream) {
        return Err("--upstream 0 and --downstream 0 make an empty window; give at least one base".into());
    }
    if let Some(n) = o.threads {
        threads(n)?;
    }
    if let Some(out) = &o.out {
        writable_parent(out)?;
    }
    Ok(())
}

/// `--out`: its nearest existing ancestor must be a folder we may write in (checked before
/// hours of training, not after).
pub fn writable_parent(out: &std::path::Path) -> Result<(), String> {
    let mut dir = out;
    while !dir.as_os_str().is_empty() && !dir.exists() {
        dir = dir.parent().unwrap_or(std::path::Path::new(""));
    }
    let dir = if dir.as_os_str().is_empty() { std::path::Path::new(".") } else { dir };
    if !dir.is_dir() {
        return Err(format!("--out {}: {} is a file, not a folder", out.display(), dir.display()));
    }
    let probe = dir.join(format!(".regula-write-probe-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(format!("--out {}: cannot write in {}: {e}", out.display(), dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(o: FitOptions) -> String {
        fit_options(&o).unwrap_err()
    }

    #[test]
    fn rates_must_be_finite_and_positive() {
        assert_eq!(
            check(FitOptions { lr: Some(-0.01), ..Default::default() }),
            "--lr -0.01: must be a finite number above 0"
        );
        assert_eq!(
            check(FitOptions { lr: Some(f32::NAN), ..Default::default() }),
            "--lr NaN: must be a finite number above 0"
        );
        assert_eq!(
            check(FitOptions { weight_decay: Some(-1.0), ..Default::default() }),
            "--weight-decay -1: must be a finite number, 0 or more"
        );
        assert_eq!(
            check(FitOptions { dropout: Some(1.0), ..Default::default() }),
            "--dropout 1: must be a fraction in [0, 1)"
        );
        assert_eq!(
            check(FitOptions { valid_fraction: Some(0.6), test_fraction: Some(0.4), ..Default::default() }),
            "--valid-fraction 0.6 and --test-fraction 0.4 leave no training rows; keep their sum below 1"
        );
        assert_eq!(
            check(FitOptions { log_base: Some(1.0), ..Default::default() }),
            "--log-base 1: must be a finite number above 0 other than 1 (e.g. 2, 10 or e)"
        );
    }

    #[test]
    fn sizes_must_be_at_least_one() {
        assert_eq!(
            check(FitOptions { batch_size: Some(0), ..Default::default() }),
            "--batch-size 0: must be at least 1"
        );
        assert_eq!(check(FitOptions { epochs: Some(0), ..Default::default() }), "--epochs 0: must be at least 1");
        assert_eq!(
            check(FitOptions { channels: Some(vec![8, 0]), ..Default::default() }),
            "--channels [8, 0]: every value must be at least 1"
        );
        assert_eq!(
            check(FitOptions { folds: Some(1), ..Default::default() }),
            "--folds 1: cross-validation needs at least 2 folds"
        );
    }

    #[test]
    fn threads_are_capped_by_the_cores() {
        let cores = cores();
        assert_eq!(threads(cores), Ok(cores));
        assert_eq!(threads(0), Ok(0));
        assert_eq!(
            check(FitOptions { threads: Some(100_000), ..Default::default() }),
            format!("--threads 100000: this machine has {cores} cores; give at most {cores} (0 uses all of them)")
        );
    }

    #[test]
    fn out_must_be_writable() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let e = writable_parent(&file.join("model")).unwrap_err();
        assert_eq!(e, format!("--out {}/model: {} is a file, not a folder", file.display(), file.display()));
        assert_eq!(writable_parent(&dir.path().join("a/b/c")), Ok(()));
        assert!(fit_options(&FitOptions::default()).is_ok());
    }
}
