//! Variant checking against real elements: every CAGI5 F9 saturation-mutagenesis variant,
//! written as a VCF line in hg19 coordinates, must match the F9 element's reference sequence.

use regula_core::sequence::table;
use regula_core::variant::{Coordinates, Variant, VariantKind, parse_variants, reference_mismatches};
use regula_tests::data_bytes;

struct Element {
    sequence: Vec<u8>,
    /// 0-based hg19 start.
    start: u64,
}

fn f9() -> Element {
    let spec = table::TableSpec {
        id_column: Some("regulatory_element".into()),
        sequence_columns: vec!["ref_sequence".into()],
        text_columns: vec!["start_pos".into()],
        ..Default::default()
    };
    let t = table::parse(&data_bytes("cagi5_reference_sequences.csv"), &spec).unwrap();
    let row = t.rows.iter().find(|r| r.id.starts_with("F9")).expect("F9 element");
    Element { sequence: row.sequences[0].clone(), start: row.texts[0].parse().unwrap() }
}

fn f9_vcf() -> String {
    let text = String::from_utf8(data_bytes("cagi5_F9_train.tsv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            format!("{}\t{}\t.\t{}\t{}\n", f[1], f[2], f[3], f[4])
        })
        .collect()
}

fn coordinates(e: &Element) -> Coordinates {
    Coordinates { chrom: Some("X".into()), offset: e.start }
}

#[test]
fn every_f9_variant_matches_the_element() {
    let element = f9();
    let parsed = parse_variants(&f9_vcf(), &coordinates(&element));
    let variants: Vec<Variant> = parsed.into_iter().collect::<Result<_, _>>().unwrap();
    assert_eq!(variants.len(), 236);
    assert!(variants.iter().all(|v| v.kind() == VariantKind::Snv));
    assert_eq!(reference_mismatches(&variants, &element.sequence), vec![]);
    let v = &variants[0];
    let alt = v.apply(&element.sequence).unwrap();
    assert_eq!(alt.len(), element.sequence.len());
    assert_eq!(alt[v.position - 1], v.alternate.as_bytes()[0]);
}

#[test]
fn reports_every_mismatch_among_real_variants() {
    let element = f9();
    let mut vcf = f9_vcf();
    // Corrupt two lines' REF: they must be the only ones reported, with line and bases.
    let lines: Vec<String> = vcf.lines().map(str::to_string).collect();
    let corrupt = |line: &str| {
        let mut f: Vec<String> = line.split('\t').map(str::to_string).collect();
        f[3] = if f[3] == "A" { "C".into() } else { "A".into() };
        f.join("\t")
    };
    let (a, b) = (corrupt(&lines[10]), corrupt(&lines[200]));
    vcf = lines
        .iter()
        .enumerate()
        .map(|(i, l)| match i {
            10 => a.clone(),
            200 => b.clone(),
            _ => l.clone(),
        } + "\n")
        .collect();
    let variants: Vec<Variant> =
        parse_variants(&vcf, &coordinates(&element)).into_iter().collect::<Result<_, _>>().unwrap();
    let errors = reference_mismatches(&variants, &element.sequence);
    assert_eq!(errors.iter().map(|e| e.line()).collect::<Vec<_>>(), vec![11, 201]);
    let v = &variants[10];
    let found = (element.sequence[v.position - 1] as char).to_ascii_uppercase();
    assert_eq!(
        errors[0].to_string(),
        format!(
            "line 11: REF {} at position {} does not match the sequence, which has {found}",
            v.reference, v.position
        )
    );
}
