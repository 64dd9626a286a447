//! Loading real data: lentiMPRA tables, FASTA + targets joined by id, and promoter windows cut
//! from hg19 around TSSs — checked against the sequences Xpresso published for the same genes.

use std::path::PathBuf;

use regula_train::data::dataset::{Columns, DataError, Source, TssColumns, load};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data").join(name)
}

fn lentimpra_columns() -> Columns {
    Columns { id: Some("seq_id".into()), targets: vec!["mean_value".into()], ..Default::default() }
}

#[test]
fn loads_the_lentimpra_table() {
    let source = Source::Table { path: data("lentimpra_hepg2_head30.tsv"), sequence: "seq".into(), partner: None };
    let d = load(&source, &lentimpra_columns(), false).unwrap();
    assert_eq!(d.examples.len(), 30);
    assert_eq!(d.lengths(), vec![230]);
    assert_eq!(d.examples[1].id, "DNasePeakNoPromoter10_Reversed:");
    assert!(d.skipped.is_empty());
}

#[test]
fn fasta_joined_to_targets_equals_the_table() {
    let table = Source::Table { path: data("lentimpra_hepg2_head30.tsv"), sequence: "seq".into(), partner: None };
    let from_table = load(&table, &lentimpra_columns(), false).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (fasta, targets) = (dir.path().join("seqs.fa"), dir.path().join("targets.tsv"));
    let mut fa = String::new();
    let mut tsv = String::from("seq_id\tmean_value\n");
    // Records in reverse order: the join is by id, not by position.
    for e in from_table.examples.iter().rev() {
        fa += &format!(">{} element\n{}\n", e.id, String::from_utf8_lossy(&e.sequences[0]));
    }
    for e in &from_table.examples {
        tsv += &format!("{}\t{}\n", e.id, e.targets[0]);
    }
    std::fs::write(&fasta, fa).unwrap();
    std::fs::write(&targets, tsv).unwrap();
    let joined = load(&Source::Fasta { fasta, targets }, &lentimpra_columns(), false).unwrap();
    let strip = |d: &regula_train::data::dataset::Dataset| {
        d.examples.iter().map(|e| (e.id.clone(), e.sequences.clone(), e.targets.clone())).collect::<Vec<_>>()
    };
    assert_eq!(strip(&joined), strip(&from_table));
}

#[test]
fn promoter_windows_match_the_published_xpresso_sequences() {
    // The TSS table is Xpresso's: 0-based TSS, strand, and the 10.5 kb sequence it used
    // (TSS − 7 kb … TSS + 3.5 kb). One gene per strand.
    let source = Source::Genome {
        genome: data("hg19_chr22_20095001_20115000.fa"),
        tss: data("promoters_hg19_chr22_two_genes.tsv"),
        tss_columns: TssColumns { position: "tss_hg19_0based".into(), strand: "strand".into(), zero_based: true },
        upstream: 7000,
        downstream: 3500,
    };
    let tss_text = std::fs::read_to_string(data("promoters_hg19_chr22_two_genes.tsv")).unwrap();
    // The table has no chromosome column; add one as a user would.
    let with_chrom: String = tss_text
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{}\t{l}\n", if i == 0 { "chrom" } else { "chr22" }))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let tss_path = dir.path().join("tss.tsv");
    std::fs::write(&tss_path, &with_chrom).unwrap();
    let source = match source {
        Source::Genome { genome, tss_columns, upstream, downstream, .. } => {
            Source::Genome { genome, tss: tss_path, tss_columns, upstream, downstream }
        }
        _ => unreachable!(),
    };
    let columns = Columns {
        id: Some("ensembl_gene".into()),
        targets: vec!["human_expr_1to1_file".into()],
        chrom: Some("chrom".into()),
        split: None,
        mask_missing: false,
    };
    let d = load(&source, &columns, false).unwrap();
    let published: Vec<(String, String)> = tss_text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[5].to_ascii_uppercase())
        })
        .collect();
    assert_eq!(d.examples.len(), 2);
    for (e, (id, sequence)) in d.examples.iter().zip(&published) {
        assert_eq!(&e.id, id);
        assert_eq!(e.sequences[0].len(), 10_500);
        assert!(e.sequences[0] == sequence.as_bytes(), "{id}: window differs from Xpresso's sequence");
    }
}

#[test]
fn skip_bad_counts_what_it_leaves_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.tsv");
    std::fs::write(
        &path,
        "seq_id\tseq\tmean_value\na\tACGT\t1\nb\tACGT\tNA\nc\tACRT\t2\nd\tACG\t3\na\tACGT\t4\ne\tTTTT\t5\n",
    )
    .unwrap();
    let source = Source::Table { path: path.clone(), sequence: "seq".into(), partner: None };
    let d = load(&source, &lentimpra_columns(), true).unwrap();
    assert_eq!(d.examples.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), vec!["a", "e"]);
    let reasons: Vec<(usize, &str)> = d.skipped.iter().map(|s| (s.line, s.reason.as_str())).collect();
    assert_eq!(
        reasons,
        vec![
            (3, "target 'mean_value' is missing (NaN); fix the value or pass --skip-bad to leave the row out"),
            (4, "position 3: IUPAC ambiguity code 'R' is not supported (only A, C, G, T and N)"),
            (5, "sequence is 3 bp but the first row ('a') is 4 bp; every row must have the same length"),
            (6, "id already used on line 2; ids must be unique"),
        ]
    );
    let e = load(&source, &lentimpra_columns(), false).unwrap_err();
    assert!(matches!(e, DataError::Row { line: 3, .. }), "{e}");
}
