//! Native scans of an exported model folder in ONNX Runtime: strand-averaged saturation
//! mutagenesis (fast and naive) equals predicting each mutant on its own, VCF variants on real hg19
//! are scored on windows centred on them (a construct model's element between its flanks), with clear per-variant errors for a REF mismatch or a
//! window off the genome, and allele tables row by row.

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

    // The SNV: the model learnt constructs (its rows share their flanks), so the window is the
    // element-length stretch [pos0 − E/2, pos0 + E/2) of the reference between the flanks, the
    // variant at index E/2 of the element.
    let w = regula_infer::reference_windows::ReferenceWindows::for_model(model).unwrap();
    assert!(!w.left.is_empty() && w.model_length() == 230, "{w:?}");
    let e = w.element;
    let pos0 = 20_100_000 - 1 - 20_095_000usize;
    let element = chrom[pos0 - e / 2..pos0 - e / 2 + e].to_vec();
    let construct = |element: &[u8]| [w.left.as_bytes(), element, w.right.as_bytes()].concat();
    let mut mutated = element.clone();
    mutated[e / 2] = other(at(20_100_000)) as u8;
    let p = predict_values(
        model,
        [item(&construct(&element)), item(&construct(&mutated))].concat(),
        &[LengthPolicy::Exact],
        false,
    )
    .unwrap();
    assert_eq!(allele(0).outcome, Ok((p[0].clone(), p[1].clone())));
    assert!(allele(1).outcome.is_ok(), "{:?}", allele(1).outcome);
    let error = |i: usize| allele(i).outcome.as_ref().unwrap_err().to_string();
    assert_eq!(
        error(2),
        format!("REF {wrong} does not match the reference, which has {} at 22:20099000", at(20_099_000))
    );
    assert_eq!(allele(2).outcome.as_ref().unwrap_err().code(), "ref_mismatch");
    let start = 20_199_000 - 1 - e / 2;
    assert_eq!(
        error(3),
        format!(
            "the window 22:{start}-{} (0-based, half-open) runs past the genome sequence, which covers 22:20095000-20115000",
            start + e
        )
    );
    assert_eq!(allele(3).outcome.as_ref().unwrap_err().code(), "outside_reference");
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
