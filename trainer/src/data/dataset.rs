//! Loading training data from the three kinds of input a researcher has:
//! a table (sequence + targets per row), a FASTA file plus a targets table joined by id, or a
//! genome FASTA plus a TSS table from which promoter windows are cut.
//!
//! Every row is checked — letters, finite targets, unique ids, one length per branch — and a bad
//! row is an error naming file, line, row and problem, or, with `skip_bad`, is left out and
//! counted with its reason.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regula_core::sequence::{SequenceError, fasta, table};

use super::genome::{Genome, Strand};

/// One training example.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub id: String,
    /// 1-based line of the row in its table.
    pub line: usize,
    /// One sequence per model branch (a promoter, and optionally its distal partner).
    pub sequences: Vec<Vec<u8>>,
    pub targets: Vec<f64>,
    pub chrom: Option<String>,
    /// The user's split column value, if any.
    pub split: Option<String>,
}

/// A row left out under `skip_bad`, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub line: usize,
    pub id: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    pub target_names: Vec<String>,
    pub examples: Vec<Example>,
    pub skipped: Vec<Skipped>,
}

impl Dataset {
    /// Length of each branch's sequences.
    pub fn lengths(&self) -> Vec<usize> {
        self.examples.first().map(|e| e.sequences.iter().map(Vec::len).collect()).unwrap_or_default()
    }
}

/// Column names shared by every source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    pub id: Option<String>,
    pub targets: Vec<String>,
    /// Chromosome column, for chromosome splits.
    pub chrom: Option<String>,
    /// The user's own `train`/`valid`/`test` column.
    pub split: Option<String>,
    /// A target may be missing (empty, `NA`, `NaN`) where another of the row is measured: each
    /// target then trains and is scored on the rows that measure it (`--mask-missing`).
    pub mask_missing: bool,
}

/// Where the sequences come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A TSV/CSV table holding the sequences.
    Table { path: PathBuf, sequence: String, partner: Option<String> },
    /// Sequences from FASTA, targets from a table joined on the id column.
    Fasta { fasta: PathBuf, targets: PathBuf },
    /// Promoter windows from a genome FASTA, placed by a TSS table.
    Genome { genome: PathBuf, tss: PathBuf, tss_columns: TssColumns, upstream: u64, downstream: u64 },
}

/// Columns of a TSS table besides the shared ones (its chromosome column is [`Columns::chrom`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TssColumns {
    pub position: String,
    pub strand: String,
    /// Whether positions are 0-based (else 1-based).
    pub zero_based: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DataError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{path}: {error}")]
    Input { path: String, error: SequenceError },
    #[error("{path}, line {line}: {}{message}", row_label(id))]
    Row { path: String, line: usize, id: String, message: String },
    #[error("{path}: no usable rows ({skipped} skipped; the first because {first})")]
    NoRows { path: String, skipped: usize, first: String },
    #[error("{0}")]
    Usage(String),
}

/// Reads and checks a data set.
pub fn load(source: &Source, columns: &Columns, skip_bad: bool) -> Result<Dataset, DataError> {
    let (table_path, rows) = match source {
        Source::Table { path, sequence, partner } => {
            let mut seq_columns = vec![sequence.clone()];
            seq_columns.extend(partner.clone());
            (path, read_table(path, columns, seq_columns)?)
        }
        Source::Fasta { fasta, targets } => (targets, join_fasta(fasta, targets, columns)?),
        Source::Genome { genome, tss, tss_columns, upstream, downstream } => {
            (tss, cut_windows(genome, tss, columns, tss_columns, *upstream, *downstream)?)
        }
    };
    check(table_path, columns, rows, skip_bad)
}

/// A row as read, before the checks that need the whole set.
type RawRow = Result<Example, (usize, String, String)>;

fn read_table(path: &Path, columns: &Columns, sequence_columns: Vec<String>) -> Result<Vec<RawRow>, DataError> {
    let bytes = read(path)?;
    let (text_columns, chrom_at, split_at) = text_columns(columns, &[]);
    let spec = table::TableSpec {
        id_column: columns.id.clone(),
        sequence_columns,
        target_columns: columns.targets.clone(),
        text_columns,
        delimiter: None,
    };
    let (_, rows) = table::parse_rows(&bytes, &spec).map_err(|error| input_error(path, error))?;
    Ok(rows
        .into_iter()
        .map(|row| match row {
            Ok(r) => Ok(Example {
                chrom: chrom_at.map(|i| r.texts[i].clone()),
                split: split_at.map(|i| r.texts[i].clone()),
                id: r.id,
                line: r.line,
                sequences: r.sequences,
                targets: r.targets,
            }),
            Err(e) => Err(row_failure(e)),
        })
        .collect())
}

fn join_fasta(fasta_path: &Path, targets_path: &Path, columns: &Columns) -> Result<Vec<RawRow>, DataError> {
    // Records are joined by name, so the targets table must have ids: `id` unless named.
    let id_column = columns.id.clone().unwrap_or_else(|| "id".into());
    let records = fasta::parse(&read(fasta_path)?).map_err(|error| input_error(fasta_path, error))?;
    let mut by_name: HashMap<String, Vec<u8>> = HashMap::with_capacity(records.len());
    for r in records {
        by_name.insert(r.name, r.sequence);
    }
    let bytes = read(targets_path)?;
    let (text_columns, chrom_at, split_at) = text_columns(columns, &[]);
    let spec = table::TableSpec {
        id_column: Some(id_column),
        sequence_columns: vec![],
        target_columns: columns.targets.clone(),
        text_columns,
        delimiter: None,
    };
    let (_, rows) = table::parse_rows(&bytes, &spec).map_err(|error| input_error(targets_path, error))?;
    let wanted: std::collections::HashSet<&str> =
        rows.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.id.as_str()).collect();
    let mut unused: Vec<&str> = by_name.keys().map(String::as_str).filter(|n| !wanted.contains(n)).collect();
    if !unused.is_empty() {
        unused.sort();
        let shown = unused.iter().take(5).copied().collect::<Vec<_>>().join(", ");
        eprintln!(
            "regula-train: warning: {} of the {} records of {} have no row in {} and are left out ({shown}{})",
            unused.len(),
            by_name.len(),
            fasta_path.display(),
            targets_path.display(),
            if unused.len() > 5 { ", …" } else { "" }
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let r = row.map_err(row_failure)?;
            let sequence = by_name.get(&r.id).cloned().ok_or_else(|| {
                (r.line, r.id.clone(), format!("no record named '{}' in {}", r.id, fasta_path.display()))
            })?;
            Ok(Example {
                chrom: chrom_at.map(|i| r.texts[i].clone()),
                split: split_at.map(|i| r.texts[i].clone()),
                id: r.id,
                line: r.line,
                sequences: vec![sequence],
                targets: r.targets,
            })
        })
        .collect())
}

fn cut_windows(
    genome_path: &Path,
    tss_path: &Path,
    columns: &Columns,
    tss: &TssColumns,
    upstream: u64,
    downstream: u64,
) -> Result<Vec<RawRow>, DataError> {
    let chrom_column = columns
        .chrom
        .clone()
        .ok_or_else(|| DataError::Usage("cutting promoter windows needs the chromosome column to be named".into()))?;
    let records = fasta::parse(&read(genome_path)?).map_err(|error| input_error(genome_path, error))?;
    let genome = Genome::from_records(records);
    let bytes = read(tss_path)?;
    let extra = [tss.position.clone(), tss.strand.clone(), chrom_column];
    let (text_columns, _, split_at) = text_columns(&Columns { chrom: None, ..columns.clone() }, &extra);
    let spec = table::TableSpec {
        id_column: columns.id.clone(),
        sequence_columns: vec![],
        target_columns: columns.targets.clone(),
        text_columns,
        delimiter: None,
    };
    let (_, rows) = table::parse_rows(&bytes, &spec).map_err(|error| input_error(tss_path, error))?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let r = row.map_err(row_failure)?;
            let fail = |message: String| (r.line, r.id.clone(), message);
            let (position, strand, chrom) = (&r.texts[0], &r.texts[1], &r.texts[2]);
            let position: u64 =
                position.parse().map_err(|_| fail(format!("TSS position '{position}' is not a whole number")))?;
            let tss0 = if tss.zero_based {
                position
            } else {
                position.checked_sub(1).ok_or_else(|| fail("TSS position 0 in a 1-based column".into()))?
            };
            let strand = Strand::parse(strand).ok_or_else(|| fail(format!("strand '{strand}' is not '+' or '-'")))?;
            let window =
                genome.promoter_window(chrom, tss0, strand, upstream, downstream).map_err(|e| fail(e.to_string()))?;
            regula_core::sequence::validate(&window, || regula_core::sequence::RecordLocation {
                index: 0,
                name: r.id.clone(),
                line: r.line,
            })
            .map_err(|e| fail(e.to_string()))?;
            Ok(Example {
                chrom: Some(chrom.clone()),
                split: split_at.map(|i| r.texts[i + 3].clone()),
                id: r.id.clone(),
                line: r.line,
                sequences: vec![window],
                targets: r.targets,
            })
        })
        .collect())
}

/// Text columns to read: `extra` first, then the chromosome and split columns; returns their
/// positions after `extra`.
fn text_columns(columns: &Columns, extra: &[String]) -> (Vec<String>, Option<usize>, Option<usize>) {
    let mut names = extra.to_vec();
    let mut place = |c: &Option<String>| {
        c.as_ref().map(|name| {
            names.push(name.clone());
            names.len() - 1 - extra.len()
        })
    };
    let chrom_at = place(&columns.chrom);
    let split_at = place(&columns.split);
    (names, chrom_at, split_at)
}

/// Whole-set checks: finite targets (some missing, if `columns.mask_missing`, but at least one
/// per row), unique ids, one length per branch.
fn check(path: &Path, columns: &Columns, rows: Vec<RawRow>, skip_bad: bool) -> Result<Dataset, DataError> {
    let path_text = path.display().to_string();
    let mut dataset = Dataset { target_names: columns.targets.clone(), ..Default::default() };
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    let mut lengths: Option<(Vec<usize>, String)> = None;
    for row in rows {
        let verdict = row.and_then(|example| {
            let fail = |message: String| (example.line, example.id.clone(), message);
            let measured = example.targets.iter().filter(|v| !v.is_nan()).count();
            for (name, value) in columns.targets.iter().zip(&example.targets) {
                if value.is_nan() && !columns.mask_missing {
                    let mask = if columns.targets.len() > 1 {
                        ", pass --skip-bad to leave the row out, or pass --mask-missing to train each target on the rows that measure it"
                    } else {
                        " or pass --skip-bad to leave the row out"
                    };
                    return Err(fail(format!("target '{name}' is missing (NaN); fix the value{mask}")));
                }
                if value.is_infinite() {
                    return Err(fail(format!("target '{name}' is infinite; fix the value or pass --skip-bad to leave the row out")));
                }
            }
            if measured == 0 {
                let which = match columns.targets.as_slice() {
                    [one] => format!("target '{one}' is missing (NaN)"),
                    all => format!("no target is measured ({} are all missing)", all.join(", ")),
                };
                return Err(fail(format!("{which}; a row must measure at least one target: fix the values or pass --skip-bad to leave the row out")));
            }
            if let Some(&first) = first_line_of.get(&example.id) {
                return Err(fail(format!("id already used on line {first}; ids must be unique")));
            }
            let these: Vec<usize> = example.sequences.iter().map(Vec::len).collect();
            match &lengths {
                None => lengths = Some((these, example.id.clone())),
                Some((expected, first_id)) if *expected != these => {
                    return Err(fail(format!(
                        "sequence is {} bp but the first row ('{first_id}') is {} bp; every row must have the same length",
                        describe(&these),
                        describe(expected)
                    )));
                }
                Some(_) => {}
            }
            first_line_of.insert(example.id.clone(), example.line);
            Ok(example)
        });
        match verdict {
            Ok(example) => dataset.examples.push(example),
            Err((line, id, reason)) if skip_bad => dataset.skipped.push(Skipped { line, id, reason }),
            Err((line, id, message)) => return Err(DataError::Row { path: path_text, line, id, message }),
        }
    }
    if dataset.examples.is_empty() {
        let first = dataset
            .skipped
            .first()
            .map_or("the table is empty".to_string(), |s| format!("line {}: {}", s.line, s.reason));
        return Err(DataError::NoRows { path: path_text, skipped: dataset.skipped.len(), first });
    }
    Ok(dataset)
}

/// `row 'id': ` where the id is known (it is not when the row could not be read).
fn row_label(id: &str) -> String {
    if id.is_empty() { String::new() } else { format!("row '{id}': ") }
}

fn describe(lengths: &[usize]) -> String {
    lengths.iter().map(ToString::to_string).collect::<Vec<_>>().join(" + ")
}

/// A data file's text: gzip or BGZF decompressed (by magic bytes), a BOM dropped.
fn read(path: &Path) -> Result<Vec<u8>, DataError> {
    let io = |e: std::io::Error| DataError::Io { path: path.display().to_string(), message: e.to_string() };
    let bytes = std::fs::read(path).map_err(io)?;
    Ok(regula_core::sequence::compressed::text_bytes(&bytes).map_err(io)?.into_owned())
}

fn input_error(path: &Path, error: SequenceError) -> DataError {
    DataError::Input { path: path.display().to_string(), error }
}

/// A row-level table error as (line, id, reason).
fn row_failure(e: SequenceError) -> (usize, String, String) {
    match e {
        SequenceError::Table { line, message } => (line, String::new(), message),
        SequenceError::Record { at, problem } => (at.line, at.name, problem.to_string()),
        other => (0, String::new(), other.to_string()),
    }
}
