//! Train / validation / test splits that keep related rows together.
//!
//! Rows are first gathered into groups — by default each row alone; with a group pattern, rows
//! whose ids are equal once the pattern is removed (so `X` and `X_Reversed:`, the two orientations
//! of one lentiMPRA element, always land on the same side); by chromosome; or as the user's own
//! split column says. Groups, never rows, are then assigned, so no group straddles two sets.
//! Assignment is a seeded shuffle of the sorted group keys, hence reproducible across machines.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use regex::Regex;

/// Row indices of each set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub valid: Vec<usize>,
    pub test: Vec<usize>,
    /// Rows the split held out but no metric reads: a training row has their sequence.
    pub left_out: LeftOut,
}

/// Held-out rows left out of validation and test because a training row has the same sequence
/// (in either orientation): the model was trained on them, so they would flatter the epoch choice
/// and the reported numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeftOut {
    pub valid: Vec<usize>,
    pub test: Vec<usize>,
}

/// How to split.
#[derive(Clone, Debug)]
pub enum SplitStrategy {
    /// Random groups: fractions of groups for validation and test.
    Random { valid: f64, test: f64, seed: u64, grouping: Grouping },
    /// Named chromosomes form the validation and test sets, the rest trains.
    Chromosome { valid: Vec<String>, test: Vec<String> },
    /// A column of `train` / `valid` (or `validation`, `val`) / `test` per row.
    Column,
}

/// How rows form groups for a random split.
#[derive(Clone, Debug)]
pub enum Grouping {
    /// Every row is its own group.
    None,
    /// Rows whose ids are equal after deleting every match of the pattern share a group.
    IdPattern(Regex),
}

impl Grouping {
    /// Group key of a row id.
    pub fn key<'a>(&self, id: &'a str) -> std::borrow::Cow<'a, str> {
        match self {
            Grouping::None => id.into(),
            Grouping::IdPattern(re) => re.replace_all(id, ""),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SplitError {
    #[error("split fractions must be in [0, 1) and sum below 1; got validation {valid} and test {test}")]
    Fractions { valid: String, test: String },
    #[error("row '{id}' (line {line}): split column says '{value}'; expected train, valid or test")]
    BadColumnValue { id: String, line: usize, value: String },
    #[error("the split leaves no training rows")]
    NoTraining,
    #[error("the split leaves no validation rows; use more data or a larger validation fraction")]
    NoValidation,
    #[error(
        "each of the {0} validation rows has the sequence of a training row (in either orientation), so none can \
         score the model; hold out sequences the training rows do not have (e.g. a --group-pattern that keeps \
         repeats of an element together, or a validation table of other sequences)"
    )]
    ValidationAllTrained(usize),
    #[error("{k}-fold cross-validation needs k ≥ 2 and at least k groups; there are {groups} groups")]
    Folds { k: usize, groups: usize },
}

/// What the splitter needs to know of a row.
pub struct RowInfo<'a> {
    pub id: &'a str,
    pub line: usize,
    /// For [`SplitStrategy::Chromosome`].
    pub chrom: Option<&'a str>,
    /// For [`SplitStrategy::Column`].
    pub split_value: Option<&'a str>,
}

/// Splits rows.
pub fn split(rows: &[RowInfo], strategy: &SplitStrategy) -> Result<Split, SplitError> {
    let mut out = Split::default();
    match strategy {
        SplitStrategy::Random { valid, test, seed, grouping } => {
            let ok = |f: f64| (0.0..1.0).contains(&f);
            if !(ok(*valid) && ok(*test) && valid + test < 1.0) {
                return Err(SplitError::Fractions { valid: valid.to_string(), test: test.to_string() });
            }
            out = assign_groups(shuffled_groups(rows, grouping, *seed), *valid, *test);
        }
        SplitStrategy::Chromosome { valid, test } => {
            for (i, row) in rows.iter().enumerate() {
                let chrom = row.chrom.unwrap_or_default();
                let set = if test.iter().any(|c| c == chrom) {
                    &mut out.test
                } else if valid.iter().any(|c| c == chrom) {
                    &mut out.valid
                } else {
                    &mut out.train
                };
                set.push(i);
            }
        }
        SplitStrategy::Column => {
            for (i, row) in rows.iter().enumerate() {
                let value = row.split_value.unwrap_or_default();
                match value.to_ascii_lowercase().as_str() {
                    "train" => out.train.push(i),
                    "valid" | "validation" | "val" => out.valid.push(i),
                    "test" => out.test.push(i),
                    _ => {
                        return Err(SplitError::BadColumnValue {
                            id: row.id.into(),
                            line: row.line,
                            value: value.into(),
                        });
                    }
                }
            }
        }
    }
    for set in [&mut out.train, &mut out.valid, &mut out.test] {
        set.sort_unstable();
    }
    if out.train.is_empty() {
        return Err(SplitError::NoTraining);
    }
    if out.valid.is_empty() {
        return Err(SplitError::NoValidation);
    }
    Ok(out)
}

/// The rows of a table whose validation rows come from another table (`--valid-data`): a `test`
/// fraction of the groups held out for testing, drawn as the random split draws its test part;
/// the rest trains.
pub fn train_and_test(rows: &[RowInfo], test: f64, seed: u64, grouping: &Grouping) -> Result<Split, SplitError> {
    if !(0.0..1.0).contains(&test) {
        return Err(SplitError::Fractions { valid: "0 (its own table)".into(), test: test.to_string() });
    }
    let out = assign_groups(shuffled_groups(rows, grouping, seed), 0.0, test);
    if out.train.is_empty() {
        return Err(SplitError::NoTraining);
    }
    Ok(out)
}

/// `k` folds of groups: fold `f` validates on its groups and trains on the rest; no test set.
pub fn k_fold(rows: &[RowInfo], k: usize, seed: u64, grouping: &Grouping) -> Result<Vec<Split>, SplitError> {
    let groups = shuffled_groups(rows, grouping, seed);
    if k < 2 || groups.len() < k {
        return Err(SplitError::Folds { k, groups: groups.len() });
    }
    let folds = (0..k)
        .map(|f| {
            let mut split = Split::default();
            for (g, members) in groups.iter().enumerate() {
                let set = if g % k == f { &mut split.valid } else { &mut split.train };
                set.extend(members);
            }
            split.train.sort_unstable();
            split.valid.sort_unstable();
            split
        })
        .collect();
    Ok(folds)
}

/// Groups in their shuffled order to sets: the first `test` fraction of them to test, the next
/// `valid` fraction to validation, the rest to training; rows sorted within each set.
fn assign_groups(groups: Vec<Vec<usize>>, valid: f64, test: f64) -> Split {
    let n = groups.len() as f64;
    let n_test = (n * test).round() as usize;
    let n_valid = (n * valid).round() as usize;
    let mut out = Split::default();
    for (g, members) in groups.into_iter().enumerate() {
        let set = if g < n_test {
            &mut out.test
        } else if g < n_test + n_valid {
            &mut out.valid
        } else {
            &mut out.train
        };
        set.extend(members);
    }
    for set in [&mut out.train, &mut out.valid, &mut out.test] {
        set.sort_unstable();
    }
    out
}

/// Row indices per group, groups in a seeded random order.
fn shuffled_groups(rows: &[RowInfo], grouping: &Grouping, seed: u64) -> Vec<Vec<usize>> {
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        by_key.entry(grouping.key(row.id).into_owned()).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = by_key.into_values().collect();
    groups.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(ids: &[&'static str]) -> Vec<RowInfo<'static>> {
        ids.iter().enumerate().map(|(i, id)| RowInfo { id, line: i + 2, chrom: None, split_value: None }).collect()
    }

    fn lentimpra_ids() -> Vec<String> {
        (0..200).flat_map(|i| [format!("Element{i}"), format!("Element{i}_Reversed:")]).collect()
    }

    #[test]
    fn grouped_split_keeps_both_orientations_together() {
        let ids = lentimpra_ids();
        let rows: Vec<RowInfo> = ids.iter().map(|id| RowInfo { id, line: 0, chrom: None, split_value: None }).collect();
        let grouping = Grouping::IdPattern(Regex::new("_Reversed:$").unwrap());
        let s = split(&rows, &SplitStrategy::Random { valid: 0.1, test: 0.1, seed: 7, grouping }).unwrap();
        assert_eq!((s.train.len(), s.valid.len(), s.test.len()), (320, 40, 40));
        for set in [&s.train, &s.valid, &s.test] {
            for &i in set {
                // The partner of row i is i ^ 1: it must be in the same set.
                assert!(set.binary_search(&(i ^ 1)).is_ok(), "{} separated from its partner", ids[i]);
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_split_and_another_seed_another() {
        let ids = lentimpra_ids();
        let rows: Vec<RowInfo> = ids.iter().map(|id| RowInfo { id, line: 0, chrom: None, split_value: None }).collect();
        let strategy = |seed| SplitStrategy::Random { valid: 0.2, test: 0.0, seed, grouping: Grouping::None };
        assert_eq!(split(&rows, &strategy(1)).unwrap(), split(&rows, &strategy(1)).unwrap());
        assert_ne!(split(&rows, &strategy(1)).unwrap(), split(&rows, &strategy(2)).unwrap());
    }

    #[test]
    fn chromosome_and_column_splits() {
        let mut r = rows(&["a", "b", "c", "d"]);
        for (row, chrom) in r.iter_mut().zip(["chr1", "chr8", "chr9", "chr1"]) {
            row.chrom = Some(chrom);
        }
        let s =
            split(&r, &SplitStrategy::Chromosome { valid: vec!["chr8".into()], test: vec!["chr9".into()] }).unwrap();
        assert_eq!(s, Split { train: vec![0, 3], valid: vec![1], test: vec![2], ..Split::default() });
        for (row, v) in r.iter_mut().zip(["train", "Validation", "test", "bogus"]) {
            row.split_value = Some(v);
        }
        let e = split(&r, &SplitStrategy::Column).unwrap_err();
        assert_eq!(e.to_string(), "row 'd' (line 5): split column says 'bogus'; expected train, valid or test");
    }

    #[test]
    fn k_folds_partition_the_groups() {
        let ids = lentimpra_ids();
        let rows: Vec<RowInfo> = ids.iter().map(|id| RowInfo { id, line: 0, chrom: None, split_value: None }).collect();
        let grouping = Grouping::IdPattern(Regex::new("_Reversed:$").unwrap());
        let folds = k_fold(&rows, 5, 3, &grouping).unwrap();
        let mut seen = vec![0; rows.len()];
        for f in &folds {
            assert_eq!(f.train.len() + f.valid.len(), rows.len());
            f.valid.iter().for_each(|&i| seen[i] += 1);
            assert!(f.valid.iter().all(|&i| f.valid.binary_search(&(i ^ 1)).is_ok()));
        }
        assert!(seen.iter().all(|&c| c == 1), "every row validates exactly once");
        assert_eq!(k_fold(&rows, 1, 3, &grouping).unwrap_err(), SplitError::Folds { k: 1, groups: 200 });
    }

    #[test]
    fn bad_fractions_and_empty_sets_are_errors() {
        let r = rows(&["a", "b"]);
        let e =
            split(&r, &SplitStrategy::Random { valid: 0.6, test: 0.5, seed: 0, grouping: Grouping::None }).unwrap_err();
        assert_eq!(e.to_string(), "split fractions must be in [0, 1) and sum below 1; got validation 0.6 and test 0.5");
        let e =
            split(&r, &SplitStrategy::Random { valid: 0.1, test: 0.0, seed: 0, grouping: Grouping::None }).unwrap_err();
        assert_eq!(e, SplitError::NoValidation);
    }
}
