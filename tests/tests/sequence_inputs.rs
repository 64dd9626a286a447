//! Sequence readers on real inputs (hg19, lentiMPRA, CAGI4 slices in tests/data) and the edge
//! cases users produce from them: Windows line endings, soft-masking, unwrapped lines, empty
//! records and stray IUPAC codes.

use regula_core::encode::one_hot;
use regula_core::sequence::{RecordProblem, SequenceError, fasta, parse_sequences, table};
use regula_tests::data_bytes;

const HG19: &str = "hg19_chr22_20000001_20002400.fa";

fn hg19() -> Vec<u8> {
    data_bytes(HG19)
}

#[test]
fn reads_the_hg19_slice() {
    let records = fasta::parse(&hg19()).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].name, "22:20000001-21000000");
    assert_eq!(records[0].sequence.len(), 40 * 60);
    assert!(records[0].sequence.starts_with(b"TGGGAAGGTGGGGAGGTGCTCACC"));
}

#[test]
fn crlf_unwrapped_and_wrapped_inputs_give_the_same_record() {
    let lf = fasta::parse(&hg19()).unwrap();
    let crlf = String::from_utf8(hg19()).unwrap().replace('\n', "\r\n");
    assert_eq!(fasta::parse(crlf.as_bytes()).unwrap(), lf);
    let unwrapped = format!(">{}\n{}\n", lf[0].name, String::from_utf8_lossy(&lf[0].sequence));
    assert_eq!(fasta::parse(unwrapped.as_bytes()).unwrap()[0].sequence, lf[0].sequence);
}

#[test]
fn soft_masked_bases_keep_their_case_and_encode_like_upper_case() {
    let text = String::from_utf8(hg19()).unwrap();
    let (header, body) = text.split_once('\n').unwrap();
    let masked = format!("{header}\n{}", body.replacen(&body[..120], &body[..120].to_lowercase(), 1));
    let plain = &fasta::parse(text.as_bytes()).unwrap()[0];
    let soft = &fasta::parse(masked.as_bytes()).unwrap()[0];
    assert!(soft.sequence[..100].iter().all(u8::is_ascii_lowercase));
    assert_eq!(one_hot(&soft.sequence), one_hot(&plain.sequence));
}

#[test]
fn multi_record_input_with_an_empty_record_names_it() {
    let mut text = hg19();
    text.extend_from_slice(b">second\nACGTN\n>empty\n\n>fourth\nAC\n");
    let e = fasta::parse(&text).unwrap_err();
    assert_eq!(e.to_string(), "record 3 'empty' (line 44): the record has no sequence");
    let records: Vec<_> = fasta::Reader::new(&text[..]).take(2).collect::<Result<_, _>>().unwrap();
    assert_eq!(records[1].sequence, b"ACGTN");
    assert_eq!(records[1].line, 42);
}

#[test]
fn an_iupac_code_in_a_real_record_is_located() {
    let mut text = hg19();
    // Line 3 is the second sequence line; its 10th base is base 70 of the record.
    let line3 = text.split(|&b| b == b'\n').take(2).map(|l| l.len() + 1).sum::<usize>();
    text[line3 + 9] = b'W';
    let e = fasta::parse(&text).unwrap_err();
    assert!(matches!(
        e,
        SequenceError::Record { problem: RecordProblem::AmbiguityCode { position: 70, letter: 'W' }, .. }
    ));
    assert_eq!(
        e.to_string(),
        "record 1 '22:20000001-21000000' (line 1): position 70: IUPAC ambiguity code 'W' is not supported (only A, C, G, T and N)"
    );
}

#[test]
fn a_pasted_sequence_is_read_as_plain_text() {
    let record = fasta::parse(&hg19()).unwrap().remove(0);
    let pasted: String = record.sequence.chunks(70).map(|c| format!("{}\n", String::from_utf8_lossy(c))).collect();
    let parsed = parse_sequences(pasted.as_bytes()).unwrap();
    assert_eq!(parsed[0].sequence, record.sequence);
    assert_eq!(parsed[0].name, "sequence");
}

#[test]
fn reads_the_lentimpra_table_by_column_names() {
    let spec = table::TableSpec {
        id_column: Some("seq_id".into()),
        sequence_columns: vec!["seq".into()],
        target_columns: vec!["mean_value".into()],
        ..Default::default()
    };
    let t = table::parse(&data_bytes("lentimpra_hepg2_head30.tsv"), &spec).unwrap();
    assert_eq!(t.rows.len(), 30);
    assert_eq!(t.rows[0].id, "DNasePeakNoPromoter10");
    assert_eq!(t.rows[1].id, "DNasePeakNoPromoter10_Reversed:");
    assert!(t.rows.iter().all(|r| r.sequences[0].len() == 230 && r.targets[0].is_finite()));
}

#[test]
fn reads_two_sequence_columns_and_a_target_from_the_cagi4_csv() {
    let spec = table::TableSpec {
        id_column: Some("ID".into()),
        sequence_columns: vec!["ref_sequence".into(), "alt_sequence".into()],
        target_columns: vec!["C.A.log2FC".into()],
        text_columns: vec!["RefAllele".into(), "AltAllele".into()],
        delimiter: None,
    };
    let t = table::parse(&data_bytes("cagi4_train_head20.csv"), &spec).unwrap();
    assert_eq!(t.rows.len(), 20);
    let mut snvs = 0;
    for row in &t.rows {
        let (r, a) = (&row.sequences[0], &row.sequences[1]);
        let (ref_allele, alt_allele) = (&row.texts[0], &row.texts[1]);
        // The two sequences differ by exactly the variant: one base for an SNV, the length
        // difference of the alleles for an indel.
        assert_eq!(
            r.len() as isize - a.len() as isize,
            ref_allele.len() as isize - alt_allele.len() as isize,
            "{}",
            row.id
        );
        if ref_allele.len() == 1 && alt_allele.len() == 1 {
            snvs += 1;
            assert_eq!(r.iter().zip(a).filter(|(x, y)| x != y).count(), 1, "{}", row.id);
        }
    }
    assert_eq!(snvs, 3, "the first 20 CAGI4 rows hold 3 SNVs and 17 indels");
}
