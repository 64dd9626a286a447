//! Native scans of an exported model folder in ONNX Runtime: strand-averaged saturation
//! mutagenesis (fast and naive) equals predicting each mutant on its own, VCF variants on real hg19
//! are scored on windows centred on them (the element of reference between the model's flanks, as
//! it was trained on the MPRA constructs), with clear per-variant errors for a REF mismatch, a
//! window off the genome or with an unknown base, and allele tables row by row.

use std::path::Path;

use regula_core::length::LengthPolicy;
use regula_infer::ism::{IsmRun, Method};
use regula_infer::predict::{Item, predict_values};
use regula_train::data::genome::Genome;
use regula_train::fit::fit;
use regula_train::model_folder::ModelFolder;
use regula_train::vcf_windows::score_vcf;

mod common;
use common::data;

fn small_model(out: &Path) -> ModelFolder {
    fit(common::small_lentimpra_cnn(out, 1), false, false).unwrap();
    ModelFolder::load(out, &Default::default()).unwrap()
}

fn item(seq: &[u8]) -> Vec<Item> {
    vec![("s".to_string(), vec![seq.to_vec()])]
}

#[test]
fn strand_averaged_mutagenesis_equals_predicting_each_mutant_on_both_strands() {
    let dir = tempfile::tempdir().unwrap();
    let folder = small_model(&dir.path().join("m"));
    let model = &folder.model;
    assert!(model.split.is_some(), "the small CNN splits: {:?}", model.split_error);
    let text = std::fs::read_to_string(data("lentimpra_hepg2_head30.tsv")).unwrap();
    let seq = text.lines().nth(3).unwrap().split('\t').nth(1).unwrap().as_bytes().to_vec();
    let exact = [LengthPolicy::Exact];
    let base = predict_values(model, item(&seq), &exact, true).unwrap().remove(0);
    for method in [Method::Fast, Method::Naive] {
        let r = IsmRun::with_strands(model, &seq, &exact[0], method, true)
            .unwrap()
            .run_to_end(model, 50, |_, _| true)
            .unwrap();
        assert_eq!(r.method, method);
        approx::assert_relative_eq!(r.reference[0], base[0], epsilon = 1e-6);
        let l = seq.len();
        for (p, b) in (0..l).step_by(23).chain([0, l - 1]).flat_map(|p| (0..4).map(move |b| (p, b))) {
            let mut mutant = seq.clone();
            mutant[p] = b"ACGT"[b];
            let alt = predict_values(model, item(&mutant), &exact, true).unwrap()[0][0];
            let want = if mutant == seq { 0.0 } else { alt - base[0] };
            let got = r.effects[p * 4 + b] as f64;
            assert!((got - want).abs() < 2e-5, "{method:?} position {p} base {b}: {got} vs {want}");
        }
    }
}

#[test]
fn vcf_variants_are_scored_on_windows_centred_on_them() {
    let dir = tempfile::tempdir().unwrap();
    let folder = small_model(&dir.path().join("m"));
    let model = &folder.model;
    let fasta = std::fs::read(data("hg19_chr22_20095001_20115000.fa")).unwrap();
    let records = regula_core::sequence::fasta::parse(&fasta).unwrap();
    let chrom = records[0].sequence.to_ascii_uppercase();
    let genome = Genome::from_records(records);
    let at = |pos: u64| chrom[(pos - 20_095_001) as usize] as char;
    let other = |b: char| if b == 'G' { 'T' } else { 'G' };
    let wrong = if at(20_099_000) == 'A' { 'C' } else { 'A' };
    let vcf = format!(
        "#CHROM\tPOS\tID\tREF\tALT\n22\t20100000\tsnv\t{}\t{}\nchr22\t20101000\tdel\t{}{}{}\t{}\n22\t20099000\tbad\t{wrong}\tG\n22\t20199000\toff\tA\tG\n",
        at(20_100_000),
        other(at(20_100_000)),
        at(20_101_000),
        at(20_101_001),
        at(20_101_002),
        at(20_101_000),
    );
    let scores = score_vcf(model, &genome, &vcf, false).unwrap();
    assert_eq!(scores.len(), 4);
    let allele = |i: usize| &scores[i].alleles.as_ref().unwrap()[0];

    // The model was trained on 200 bp elements between 15 bp adapters: it reads a genome variant
    // in the 200 bp of reference centred on it between those flanks. The SNV: [pos0 − 100,
    // pos0 + 100) of the reference between the flanks, the variant at element index 100.
    let LengthPolicy::FlankedTiles { left, right, .. } = &model.segments[0].default_policy else {
        panic!("trained on constructs between flanks: {:?}", model.segments[0].default_policy)
    };
    assert_eq!((left.len(), right.len(), model.length), (15, 15, 230));
    let pos0 = 20_100_000 - 1 - 20_095_000usize;
    let reference = [left.as_bytes(), &chrom[pos0 - 100..pos0 + 100], right.as_bytes()].concat();
    let mut alternate = reference.clone();
    alternate[15 + 100] = other(at(20_100_000)) as u8;
    let p =
        predict_values(model, [item(&reference), item(&alternate)].concat(), &[LengthPolicy::Exact], false).unwrap();
    assert_eq!(allele(0).outcome, Ok((p[0].clone(), p[1].clone())));
    assert!(allele(1).outcome.is_ok(), "{:?}", allele(1).outcome);
    let error = |i: usize| allele(i).outcome.as_ref().unwrap_err().to_string();
    assert_eq!(
        error(2),
        format!("REF {wrong} does not match the reference, which has {} at 22:20099000", at(20_099_000))
    );
    assert_eq!(allele(2).outcome.as_ref().unwrap_err().code(), "ref_mismatch");
    assert_eq!(
        error(3),
        "the window 22:20198899-20199099 (0-based, half-open) runs past the genome sequence, which covers 22:20095000-20115000"
    );
    assert_eq!(allele(3).outcome.as_ref().unwrap_err().code(), "outside_reference");
}

#[test]
fn a_vcf_variant_whose_window_has_an_unknown_base_is_not_scored() {
    let dir = tempfile::tempdir().unwrap();
    let folder = small_model(&dir.path().join("m"));
    let fasta = std::fs::read(data("hg19_chr22_20095001_20115000.fa")).unwrap();
    let mut records = regula_core::sequence::fasta::parse(&fasta).unwrap();
    records[0].sequence[5000] = b'N'; // 22:20100001
    let chrom = records[0].sequence.to_ascii_uppercase();
    let genome = Genome::from_records(records);
    let at = |pos: usize| chrom[pos - 20_095_001] as char;
    let other = |b: char| if b == 'G' { 'T' } else { 'G' };
    let vcf = format!(
        "22\t20100050\tnear\t{}\t{}\n22\t20100200\tfar\t{}\t{}\n",
        at(20_100_050),
        other(at(20_100_050)),
        at(20_100_200),
        other(at(20_100_200))
    );
    let scores = score_vcf(&folder.model, &genome, &vcf, false).unwrap();
    let outcome = |i: usize| &scores[i].alleles.as_ref().unwrap()[0].outcome;
    let e = outcome(0).as_ref().unwrap_err();
    assert_eq!(
        e.to_string(),
        "the reference window 22:20099950-20100149 has an unknown base (N) at 22:20100001; a variant is scored only where every base of its window is known"
    );
    assert_eq!(e.code(), "n_in_window", "no number for a variant that was not scored");
    assert_eq!(outcome(1).as_ref().map(|(r, _)| r.len()), Ok(1), "its window starts after the N");
}

#[test]
fn a_table_of_allele_sequences_is_scored_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let folder = small_model(&dir.path().join("m"));
    let spec = regula_core::sequence::table::TableSpec {
        id_column: Some("ID".into()),
        sequence_columns: vec!["ref_sequence".into(), "alt_sequence".into()],
        ..Default::default()
    };
    let table =
        regula_core::sequence::table::parse(&std::fs::read(data("cagi4_train_head20.csv")).unwrap(), &spec).unwrap();
    let pairs = table.rows.iter().map(|r| (vec![r.sequences[0].clone()], vec![r.sequences[1].clone()])).collect();
    let policies = folder.default_policies();
    let scores = regula_infer::variants::score_pairs(&folder.model, pairs, &policies, false).unwrap();
    assert_eq!(scores.len(), 20);
    // CAGI4 rows include indels: alleles of different lengths are each fitted by the model's policy.
    assert!(table.rows.iter().any(|r| r.sequences[0].len() != r.sequences[1].len()));
    for (row, score) in table.rows.iter().zip(&scores) {
        let items = [item(&row.sequences[0]), item(&row.sequences[1])].concat();
        let p = predict_values(&folder.model, items, &policies, false).unwrap();
        assert_eq!((&score.0, &score.1), (&p[0], &p[1]));
    }
}
