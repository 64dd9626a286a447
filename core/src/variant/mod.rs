//! Variants relative to a given sequence: VCF lines or the short form `pos REF>ALT`.
//!
//! Positions are 1-based, as in VCF. A VCF line's POS is taken relative to the sequence after
//! subtracting [`Coordinates::offset`] (0 when the sequence is the whole reference). Each line is
//! parsed on its own so one bad line does not hide the others: a variant table shows every error.

mod short;
mod vcf;

use std::fmt;

pub use short::parse_short;
pub use vcf::{parse_vcf_alleles, parse_vcf_line};

/// One substitution, insertion or deletion against a sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// VCF ID or a generated `pos:REF>ALT` label.
    pub id: String,
    /// 1-based position of the first REF base in the sequence.
    pub position: usize,
    /// Reference bases, upper case.
    pub reference: String,
    /// Alternate bases, upper case.
    pub alternate: String,
    /// 1-based line of the input it came from.
    pub line: usize,
}

/// The kind of a variant, for display and for the window logic of indels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantKind {
    Snv,
    /// Same length, several bases.
    Mnv,
    Insertion,
    Deletion,
    /// Lengths differ and neither side is a prefix of the other.
    Complex,
}

/// How VCF coordinates map onto the sequence being scored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coordinates {
    /// Only lines on this chromosome are used; `None` accepts any.
    pub chrom: Option<String>,
    /// Subtracted from a VCF POS to get the 1-based position in the sequence.
    pub offset: u64,
}

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum VariantError {
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("line {line}: position {position} is outside the {length} bp sequence")]
    OutOfRange { line: usize, position: i64, length: usize },
    #[error("line {line}: REF {reference} at position {position} does not match the sequence, which has {found}")]
    ReferenceMismatch { line: usize, position: usize, reference: String, found: String },
    #[error("line {line}: chromosome '{found}' is not the sequence's '{expected}'")]
    OtherChromosome { line: usize, found: String, expected: String },
}

impl VariantError {
    /// Input line the error is about.
    pub fn line(&self) -> usize {
        match self {
            Self::Syntax { line, .. }
            | Self::OutOfRange { line, .. }
            | Self::ReferenceMismatch { line, .. }
            | Self::OtherChromosome { line, .. } => *line,
        }
    }
}

impl Variant {
    pub fn kind(&self) -> VariantKind {
        let (r, a) = (self.reference.len(), self.alternate.len());
        match r.cmp(&a) {
            std::cmp::Ordering::Equal if r == 1 => VariantKind::Snv,
            std::cmp::Ordering::Equal => VariantKind::Mnv,
            std::cmp::Ordering::Less if self.alternate.starts_with(&self.reference) => VariantKind::Insertion,
            std::cmp::Ordering::Greater if self.reference.starts_with(&self.alternate) => VariantKind::Deletion,
            _ => VariantKind::Complex,
        }
    }

    /// Checks REF against `sequence` (case-insensitively) and that it lies inside it.
    pub fn check_reference(&self, sequence: &[u8]) -> Result<(), VariantError> {
        let start = self.position - 1;
        let end = start + self.reference.len();
        if self.position == 0 || end > sequence.len() {
            return Err(VariantError::OutOfRange {
                line: self.line,
                position: self.position as i64,
                length: sequence.len(),
            });
        }
        let found = &sequence[start..end];
        if !found.eq_ignore_ascii_case(self.reference.as_bytes()) {
            return Err(VariantError::ReferenceMismatch {
                line: self.line,
                position: self.position,
                reference: self.reference.clone(),
                found: String::from_utf8_lossy(found).to_ascii_uppercase(),
            });
        }
        Ok(())
    }

    /// The sequence with the variant applied, after checking REF.
    pub fn apply(&self, sequence: &[u8]) -> Result<Vec<u8>, VariantError> {
        self.check_reference(sequence)?;
        let start = self.position - 1;
        let mut out = Vec::with_capacity(sequence.len() + self.alternate.len());
        out.extend_from_slice(&sequence[..start]);
        out.extend_from_slice(self.alternate.as_bytes());
        out.extend_from_slice(&sequence[start + self.reference.len()..]);
        Ok(out)
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}>{}", self.position, self.reference, self.alternate)
    }
}

/// Parses a list of variants, one per line, each either a VCF data line (tab-separated, 5+
/// columns) or the short form. `#` header lines and blank lines are skipped. A multi-allelic VCF
/// line gives one variant per ALT. Every line's outcome is returned, in order.
pub fn parse_variants(text: &str, coordinates: &Coordinates) -> Vec<Result<Variant, VariantError>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if raw.split('\t').count() >= 5 {
            match parse_vcf_line(raw.trim_end_matches('\r'), line, coordinates) {
                Ok(variants) => out.extend(variants.into_iter().map(Ok)),
                Err(e) => out.push(Err(e)),
            }
        } else {
            out.push(parse_short(trimmed, line));
        }
    }
    out
}

/// Checks every variant against the sequence and returns every mismatch, not just the first.
pub fn reference_mismatches(variants: &[Variant], sequence: &[u8]) -> Vec<VariantError> {
    variants.iter().filter_map(|v| v.check_reference(sequence).err()).collect()
}

/// Bases allowed in REF and ALT.
fn check_bases(bases: &str, what: &str, line: usize) -> Result<String, VariantError> {
    if bases.is_empty() {
        return Err(VariantError::Syntax { line, message: format!("{what} is empty") });
    }
    if let Some(c) = bases.chars().find(|c| !matches!(c.to_ascii_uppercase(), 'A' | 'C' | 'G' | 'T' | 'N')) {
        return Err(VariantError::Syntax {
            line,
            message: format!("{what} '{bases}' has {c:?}; only A, C, G, T and N are allowed"),
        });
    }
    Ok(bases.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEQ: &[u8] = b"ACGTACGTAC";

    #[test]
    fn applies_snv_insertion_and_deletion() {
        let v = parse_short("3 G>T", 1).unwrap();
        assert_eq!(v.kind(), VariantKind::Snv);
        assert_eq!(v.apply(SEQ).unwrap(), b"ACTTACGTAC");
        let ins = parse_short("4 T>TGG", 1).unwrap();
        assert_eq!(ins.kind(), VariantKind::Insertion);
        assert_eq!(ins.apply(SEQ).unwrap(), b"ACGTGGACGTAC");
        let del = parse_short("4 TAC>T", 1).unwrap();
        assert_eq!(del.kind(), VariantKind::Deletion);
        assert_eq!(del.apply(SEQ).unwrap(), b"ACGTGTAC");
    }

    #[test]
    fn reports_every_reference_mismatch() {
        let text = "1 A>G\n2 G>T\n10 C>A\n5 T>C\n11 A>C\n";
        let variants: Vec<_> = parse_variants(text, &Coordinates::default()).into_iter().map(Result::unwrap).collect();
        let errors: Vec<String> = reference_mismatches(&variants, SEQ).iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            vec![
                "line 2: REF G at position 2 does not match the sequence, which has C",
                "line 4: REF T at position 5 does not match the sequence, which has A",
                "line 5: position 11 is outside the 10 bp sequence",
            ]
        );
    }

    #[test]
    fn mixes_vcf_and_short_lines_and_skips_headers() {
        let text = "##fileformat=VCFv4.3\n#CHROM\tPOS\tID\tREF\tALT\nseq\t2\trs1\tC\tA,T\n\n7 G>A\n";
        let parsed: Vec<_> = parse_variants(text, &Coordinates::default()).into_iter().map(Result::unwrap).collect();
        assert_eq!(parsed.len(), 3);
        // A multi-allelic line gives one variant per ALT, each with its own id.
        assert_eq!((parsed[0].id.as_str(), parsed[0].alternate.as_str(), parsed[0].line), ("rs1:A", "A", 3));
        assert_eq!((parsed[1].id.as_str(), parsed[1].alternate.as_str()), ("rs1:T", "T"));
        assert_eq!((parsed[2].position, parsed[2].line), (7, 5));
    }
}
