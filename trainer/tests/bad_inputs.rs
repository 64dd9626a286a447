//! The catalogue of bad inputs a researcher can hand `regula-train fit`, each with the exact
//! message it gets: what was wrong and where (file, line, row), and what to do about it.

use std::path::PathBuf;

use regula_train::fit::fit;
use regula_train::options::{FitOptions, SplitKind, Task};

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        Case { dir: tempfile::tempdir().unwrap() }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Options reading `table` with columns id, seq, y.
    fn table(&self, text: &str) -> FitOptions {
        FitOptions {
            data: Some(self.file("t.tsv", text)),
            id_column: Some("id".into()),
            sequence_column: Some("seq".into()),
            target_columns: Some(vec!["y".into()]),
            out: Some(self.out()),
            ..Default::default()
        }
    }

    /// The error of a run, with the temporary folder written as `DIR`.
    fn error(&self, options: FitOptions) -> String {
        let e = fit(options, false, false).expect_err("this input must be refused").to_string();
        e.replace(&self.dir.path().display().to_string(), "DIR")
    }
}

fn good_rows(n: usize) -> String {
    // Distinct sequences (the last three bases count the row), so that no held-out row is a
    // training sequence and left out.
    let seq = |i: usize| {
        let base = ["ACGTA", "TTGCA", "GGGCA"][i % 3];
        let code: String = [i / 16 % 4, i / 4 % 4, i % 4].iter().map(|&d| b"ACGT"[d] as char).collect();
        format!("{base}{code}")
    };
    (0..n).map(|i| format!("r{i}\t{}\t{}\n", seq(i), i as f64 / 10.0)).collect()
}

fn assert_error(case: &Case, options: FitOptions, expected: &str) {
    assert_eq!(case.error(options), expected);
}

#[test]
fn nan_target() {
    let c = Case::new();
    let o = c.table(&format!("id\tseq\ty\n{}r9\tACGTACGT\tNaN\n", good_rows(8)));
    assert_error(
        &c,
        o,
        "DIR/t.tsv, line 10: row 'r9': target 'y' is missing (NaN); fix the value or pass --skip-bad to leave the row out",
    );
}

#[test]
fn infinite_target() {
    let c = Case::new();
    let o = c.table(&format!("id\tseq\ty\nr9\tACGTACGT\tinf\n{}", good_rows(8)));
    assert_error(
        &c,
        o,
        "DIR/t.tsv, line 2: row 'r9': target 'y' is infinite; fix the value or pass --skip-bad to leave the row out",
    );
}

#[test]
fn text_target() {
    let c = Case::new();
    let o = c.table(&format!("id\tseq\ty\n{}r9\tACGTACGT\thigh\n", good_rows(3)));
    assert_error(&c, o, "DIR/t.tsv, line 5: column 'y': 'high' is not a number");
}

#[test]
fn duplicate_id() {
    let c = Case::new();
    let o = c.table(&format!("id\tseq\ty\n{}r1\tACGTACGT\t2\n", good_rows(8)));
    assert_error(&c, o, "DIR/t.tsv, line 10: row 'r1': id already used on line 3; ids must be unique");
}

#[test]
fn mixed_lengths() {
    let c = Case::new();
    let o = c.table(&format!("id\tseq\ty\n{}r9\tACGTACG\t2\n", good_rows(8)));
    assert_error(
        &c,
        o,
        "DIR/t.tsv, line 10: row 'r9': sequence is 7 bp but the first row ('r0') is 8 bp; every row must have the same length",
    );
}

#[test]
fn iupac_letter() {
    let c = Case::new();
    let o = c.table(&format!("id\tseq\ty\n{}r9\tACGTMCGT\t2\n", good_rows(8)));
    assert_error(
        &c,
        o,
        "DIR/t.tsv, line 10: row 'r9': position 5: IUPAC ambiguity code 'M' is not supported (only A, C, G, T and N)",
    );
}

#[test]
fn missing_column() {
    let c = Case::new();
    let o = c.table(&format!("id\tsequence\ty\n{}", good_rows(8)));
    assert_error(&c, o, "DIR/t.tsv: no column named 'seq'; the header has: id, sequence, y");
}

#[test]
fn ragged_row() {
    let c = Case::new();
    let o = c.table(&format!("id\tseq\ty\n{}r9\tACGTACGT\n", good_rows(8)));
    assert_error(&c, o, "DIR/t.tsv: line 10: 2 fields, but the header has 3");
}

#[test]
fn missing_file() {
    let c = Case::new();
    let o = FitOptions { data: Some(c.dir.path().join("nope.tsv")), ..c.table("") };
    assert_error(&c, o, "cannot read DIR/nope.tsv: No such file or directory (os error 2)");
}

#[test]
fn no_target_columns() {
    let c = Case::new();
    let o = FitOptions { target_columns: None, ..c.table(&good_rows(8)) };
    assert_error(&c, o, "name the target columns with --target-columns (or `target_columns` in the config)");
}

#[test]
fn two_data_sources() {
    let c = Case::new();
    let o = FitOptions { fasta: Some(c.file("s.fa", ">a\nAC\n")), ..c.table(&good_rows(8)) };
    assert_error(&c, o, "give exactly one data source: --data, --fasta (with --targets) or --genome (with --tss)");
}

#[test]
fn every_row_bad_with_skip_bad() {
    let c = Case::new();
    let o = FitOptions { skip_bad: Some(true), ..c.table("id\tseq\ty\na\tACGT\tNA\nb\tACGT\tNA\n") };
    assert_error(
        &c,
        o,
        "DIR/t.tsv: no usable rows (2 skipped; the first because line 2: target 'y' is missing (NaN); fix the value or pass --skip-bad to leave the row out)",
    );
}

#[test]
fn log_of_a_negative_target() {
    let c = Case::new();
    let o = FitOptions { log_base: Some(2.0), ..c.table(&format!("id\tseq\ty\n{}r9\tACGTACGT\t-3\n", good_rows(8))) };
    assert_error(&c, o, "line 10: row 'r9': target 'y' is -3; log2 needs values above -1 (the pseudocount is 1)");
}

#[test]
fn classification_label_not_binary() {
    let c = Case::new();
    let o = FitOptions { task: Some(Task::Classification), ..c.table(&format!("id\tseq\ty\n{}", good_rows(8))) };
    assert_error(&c, o, "DIR/t.tsv, line 3: row 'r1': target 'y' is 0.1; classification targets must be 0 or 1");
}

#[test]
fn fasta_record_missing_for_a_target_row() {
    let c = Case::new();
    let fasta = c.file("s.fa", ">r0\nACGTACGT\n>r1\nACGTACGA\n");
    let targets = c.file("y.tsv", "id\ty\nr0\t1\nr1\t2\nr2\t3\n");
    let o = FitOptions { data: None, fasta: Some(fasta), targets: Some(targets), ..c.table("") };
    assert_error(&c, o, "DIR/y.tsv, line 4: row 'r2': no record named 'r2' in DIR/s.fa");
}

impl Case {
    /// Options cutting 3 + 2 bp windows from a 20 bp chr1 around the TSSs of `tss`.
    fn genome(&self, tss: &str) -> FitOptions {
        FitOptions {
            data: None,
            genome: Some(self.file("g.fa", ">chr1\nACGTACGTACGTACGTACGT\n")),
            tss: Some(self.file("tss.tsv", &format!("id\tchrom\tposition\tstrand\ty\n{tss}"))),
            chrom_column: Some("chrom".into()),
            upstream: Some(3),
            downstream: Some(2),
            ..self.table("")
        }
    }
}

#[test]
fn tss_on_an_unknown_chromosome() {
    let c = Case::new();
    let o = c.genome("g1\tchr1\t10\t+\t1\ng2\tchr2\t10\t-\t2\n");
    assert_error(&c, o, "DIR/tss.tsv, line 3: row 'g2': chromosome 'chr2' is not in the genome FASTA (it has: 1)");
}

#[test]
fn tss_with_a_bad_strand() {
    let c = Case::new();
    let o = c.genome("g1\tchr1\t10\t.\t1\n");
    assert_error(&c, o, "DIR/tss.tsv, line 2: row 'g1': strand '.' is not '+' or '-'");
}

#[test]
fn bad_group_pattern() {
    let c = Case::new();
    let o = FitOptions { group_pattern: Some("(_Reversed".into()), ..c.table(&good_rows(8)) };
    let e = c.error(o);
    assert!(e.starts_with("--group-pattern is not a valid regex: regex parse error"), "{e}");
}

#[test]
fn chromosome_split_without_a_chromosome_column() {
    let c = Case::new();
    let o = FitOptions { split: Some(SplitKind::Chromosome), ..c.table(&good_rows(8)) };
    assert_error(&c, o, "--split chromosome needs --chrom-column");
}

#[test]
fn a_split_with_no_validation_rows() {
    let c = Case::new();
    let o = FitOptions { valid_fraction: Some(0.01), ..c.table(&format!("id\tseq\ty\n{}", good_rows(8))) };
    assert_error(&c, o, "the split leaves no validation rows; use more data or a larger validation fraction");
}

#[test]
fn a_split_whose_validation_rows_are_all_training_sequences() {
    // Two sequences repeated under 12 ids: every held-out row is a training sequence.
    let c = Case::new();
    let rows: String = (0..12).map(|i| format!("r{i}\t{}\t{i}\n", ["ACGTACGT", "TTGCAACG"][i % 2])).collect();
    let o = FitOptions { valid_fraction: Some(0.25), ..c.table(&format!("id\tseq\ty\n{rows}")) };
    assert_error(
        &c,
        o,
        "each of the 3 validation rows has the sequence of a training row (in either orientation), so none can score \
         the model; hold out sequences the training rows do not have (e.g. a --group-pattern that keeps repeats of an \
         element together, or a validation table of other sequences)",
    );
}

#[test]
fn mismatched_block_options() {
    let c = Case::new();
    let o = FitOptions { channels: Some(vec![8, 8]), kernels: Some(vec![5]), ..c.table(&good_rows(8)) };
    assert_error(&c, o, "--kernels has 1 values but --channels has 2 blocks");
}

#[test]
fn resume_without_a_checkpoint() {
    let c = Case::new();
    let o = c.table(&format!("id\tseq\ty\n{}", good_rows(8)));
    let e = fit(o, true, false).unwrap_err().to_string().replace(&c.dir.path().display().to_string(), "DIR");
    assert_eq!(e, "cannot resume: no checkpoint in DIR/out/checkpoint");
}

#[test]
fn unknown_device() {
    let c = Case::new();
    let o = FitOptions { device: Some("tpu".into()), ..c.table(&format!("id\tseq\ty\n{}", good_rows(12))) };
    assert_error(&c, o, "unknown device `tpu`: expected cpu, cuda or cuda:N");
}
