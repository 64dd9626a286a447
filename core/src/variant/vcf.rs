//! VCF data lines, parsed with noodles-vcf.

use noodles_vcf::variant::record::{AlternateBases as _, Ids as _};

use super::{Coordinates, Variant, VariantError, check_bases};

/// Parses one VCF data line into one variant per ALT allele. Symbolic alleles (`<DEL>`),
/// breakends and `*` cannot be applied to a sequence and are errors; so is the whole line when
/// any of its alleles is (see [`parse_vcf_alleles`] for each allele's outcome on its own).
pub fn parse_vcf_line(text: &str, line: usize, coordinates: &Coordinates) -> Result<Vec<Variant>, VariantError> {
    parse_vcf_alleles(text, line, coordinates)?.into_iter().collect()
}

/// Parses one VCF data line: an error when the line is not a VCF record placed on the sequence
/// (fields, POS, chromosome); else one outcome per ALT allele, in ALT order, each a variant or
/// why it cannot be applied (a REF of other letters, a symbolic allele, ALT `.`: then one error).
/// A multi-allelic line's other alleles are scored even when one of them cannot be.
pub fn parse_vcf_alleles(
    text: &str,
    line: usize,
    coordinates: &Coordinates,
) -> Result<Vec<Result<Variant, VariantError>>, VariantError> {
    let syntax = |message: String| VariantError::Syntax { line, message };
    // Pasted lines often stop after ALT; QUAL, FILTER and INFO are missing ('.') by definition.
    let missing = 8usize.saturating_sub(text.split('\t').count());
    let text = format!("{text}{}", "\t.".repeat(missing));
    let record =
        noodles_vcf::Record::try_from(text.as_bytes()).map_err(|e| syntax(format!("not a VCF data line: {e}")))?;
    let chrom = record.reference_sequence_name();
    if let Some(expected) = &coordinates.chrom
        && chrom != expected
    {
        return Err(VariantError::OtherChromosome { line, found: chrom.to_string(), expected: expected.clone() });
    }
    let pos = match record.variant_start() {
        Some(Ok(p)) => usize::from(p) as u64,
        Some(Err(e)) => return Err(syntax(format!("POS: {e}"))),
        None => return Err(syntax("POS is missing".into())),
    };
    let position = pos as i64 - coordinates.offset as i64;
    if position < 1 {
        return Err(VariantError::OutOfRange { line, position, length: 0 });
    }
    let ids: Vec<String> = record.ids().iter().map(str::to_string).collect();
    let alternates: Vec<String> = record
        .alternate_bases()
        .iter()
        .map(|a| a.map(str::to_string).map_err(|e| syntax(format!("ALT: {e}"))))
        .collect::<Result<_, _>>()?;
    if alternates.is_empty() {
        return Ok(vec![Err(syntax("ALT is '.', no alternate allele".into()))]);
    }
    let reference = check_bases(record.reference_bases(), "REF", line);
    Ok(alternates
        .iter()
        .map(|alt| {
            let reference = reference.clone()?;
            if alt.starts_with('<') || alt.contains('[') || alt.contains(']') || alt == "*" {
                return Err(syntax(format!(
                    "ALT '{alt}' is symbolic; only literal bases can be applied to a sequence"
                )));
            }
            let alternate = check_bases(alt, "ALT", line)?;
            let id = match ids.first() {
                Some(id) if alternates.len() == 1 => id.clone(),
                Some(id) => format!("{id}:{alternate}"),
                None => format!("{position}:{reference}>{alternate}"),
            };
            Ok(Variant { id, position: position as usize, reference, alternate, line })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_the_offset_and_chromosome() {
        let coords = Coordinates { chrom: Some("chr22".into()), offset: 20_000_000 };
        let v = parse_vcf_line("chr22\t20000105\t.\tg\tA\t.\tPASS\t.", 9, &coords).unwrap();
        assert_eq!((v[0].position, v[0].reference.as_str(), v[0].id.as_str()), (105, "G", "105:G>A"));
        let e = parse_vcf_line("chr21\t20000105\t.\tG\tA", 9, &coords).unwrap_err();
        assert_eq!(e.to_string(), "line 9: chromosome 'chr21' is not the sequence's 'chr22'");
    }

    #[test]
    fn rejects_what_cannot_be_applied() {
        let c = Coordinates::default();
        let msg = |t: &str| parse_vcf_line(t, 3, &c).unwrap_err().to_string();
        assert_eq!(
            msg("s\t5\t.\tA\t<DEL>"),
            "line 3: ALT '<DEL>' is symbolic; only literal bases can be applied to a sequence"
        );
        assert_eq!(msg("s\t5\t.\tA\t."), "line 3: ALT is '.', no alternate allele");
        assert!(msg("s\tfive\t.\tA\tG").starts_with("line 3: POS"), "{}", msg("s\tfive\t.\tA\tG"));
    }

    #[test]
    fn each_allele_of_a_multi_allelic_line_on_its_own() {
        let c = Coordinates::default();
        let alleles = parse_vcf_alleles("s\t5\trs9\tA\tG,<DEL>,TT", 4, &c).unwrap();
        let ids: Vec<String> =
            alleles.iter().map(|a| a.as_ref().map_or_else(|e| e.to_string(), |v| v.id.clone())).collect();
        assert_eq!(
            ids,
            ["rs9:G", "line 4: ALT '<DEL>' is symbolic; only literal bases can be applied to a sequence", "rs9:TT"]
        );
        // A REF of other letters makes every allele unusable; a broken line is no record at all.
        let alleles = parse_vcf_alleles("s\t5\t.\tR\tG,T", 4, &c).unwrap();
        for a in &alleles {
            assert_eq!(
                a.as_ref().unwrap_err().to_string(),
                "line 4: REF 'R' has 'R'; only A, C, G, T and N are allowed"
            );
        }
        assert!(parse_vcf_alleles("s\tfive\t.\tA\tG", 4, &c).is_err());
    }
}
