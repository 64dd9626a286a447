//! Sequence input: FASTA, plain pasted sequence, and tables of sequence + measurements.
//!
//! Every reader yields validated [`SequenceRecord`]s: letters are `ACGTN` in either case (lower
//! case, as used for soft-masking, is kept as given). Any other IUPAC letter, or any other
//! character, is an error naming the record, its line and the 1-based position.

pub mod compressed;
pub mod fasta;
mod line_counter;
pub mod plain;
pub mod table;

use std::fmt;

/// One named sequence, as read from any input format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SequenceRecord {
    /// Record name (FASTA name up to the first whitespace, table id, or `sequence` for a paste).
    pub name: String,
    /// FASTA description after the name, if any.
    pub description: Option<String>,
    /// The bases, `ACGTNacgtn` only.
    pub sequence: Vec<u8>,
    /// 1-based line of the input where the record starts (FASTA header, table row, first line of a paste).
    pub line: usize,
}

/// Where in the input a record sits: used in every error message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordLocation {
    /// 1-based index of the record in its input.
    pub index: usize,
    /// Record name.
    pub name: String,
    /// 1-based line where the record starts.
    pub line: usize,
}

impl fmt::Display for RecordLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {} '{}' (line {})", self.index, self.name, self.line)
    }
}

/// What was wrong with a sequence input, and where.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SequenceError {
    #[error("{at}: {problem}")]
    Record { at: RecordLocation, problem: RecordProblem },
    #[error("line {line}: {message}")]
    MalformedFasta { line: usize, message: String },
    #[error("line {line}: text before the first '>' header; a FASTA file must start with '>name'")]
    TextBeforeFirstHeader { line: usize },
    #[error("the input holds no sequence")]
    NoSequence,
    #[error("line {line}: {message}")]
    Table { line: usize, message: String },
    #[error("{0}")]
    TableHeader(String),
    #[error("reading input: {0}")]
    Io(String),
}

/// What was wrong with one record's sequence; [`SequenceError::Record`] says where.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordProblem {
    #[error("position {position}: IUPAC ambiguity code '{letter}' is not supported (only A, C, G, T and N)")]
    AmbiguityCode { position: usize, letter: char },
    #[error("position {position}: {letter:?} is not a nucleotide letter (expected A, C, G, T or N)")]
    InvalidCharacter { position: usize, letter: char },
    #[error("the record has no sequence")]
    EmptySequence,
    #[error("the name is already used by record {index} (line {line}); record names must be unique")]
    DuplicateName { index: usize, line: usize },
}

const IUPAC_AMBIGUITY: &[u8] = b"RYSWKMBDHVryswkmbdhv";

/// Checks that every letter is `ACGTN` (any case); the error names the first offending position.
pub fn validate(sequence: &[u8], at: impl FnOnce() -> RecordLocation) -> Result<(), SequenceError> {
    let Some(i) =
        sequence.iter().position(|b| !matches!(b, b'A' | b'C' | b'G' | b'T' | b'N' | b'a' | b'c' | b'g' | b't' | b'n'))
    else {
        return Ok(());
    };
    let byte = sequence[i];
    let letter = display_char(&sequence[i..]);
    let position = i + 1;
    let problem = if IUPAC_AMBIGUITY.contains(&byte) {
        RecordProblem::AmbiguityCode { position, letter }
    } else {
        RecordProblem::InvalidCharacter { position, letter }
    };
    Err(SequenceError::Record { at: at(), problem })
}

/// The character starting at `bytes[0]`, decoding UTF-8 where possible so a stray 'é' reads as 'é'.
fn display_char(bytes: &[u8]) -> char {
    let end = bytes.len().min(4);
    (1..=end)
        .find_map(|n| std::str::from_utf8(&bytes[..n]).ok().and_then(|s| s.chars().next()))
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Reads sequences from text that is either FASTA (first non-blank character `>`) or a plain
/// pasted sequence. This is what the web page and `predict` accept.
pub fn parse_sequences(input: &[u8]) -> Result<Vec<SequenceRecord>, SequenceError> {
    let first = input.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => Err(SequenceError::NoSequence),
        Some(b'>') => fasta::parse(input),
        Some(_) => plain::parse(input).map(|r| vec![r]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> RecordLocation {
        RecordLocation { index: 2, name: "chr7".into(), line: 9 }
    }

    #[test]
    fn accepts_acgtn_in_both_cases() {
        assert_eq!(validate(b"ACGTNacgtn", at), Ok(()));
    }

    #[test]
    fn names_iupac_code_record_line_and_position() {
        let e = validate(b"ACGRT", at).unwrap_err();
        assert_eq!(
            e.to_string(),
            "record 2 'chr7' (line 9): position 4: IUPAC ambiguity code 'R' is not supported (only A, C, G, T and N)"
        );
    }

    #[test]
    fn names_other_characters_quoted() {
        let e = validate("ACé".as_bytes(), at).unwrap_err();
        assert_eq!(
            e.to_string(),
            "record 2 'chr7' (line 9): position 3: 'é' is not a nucleotide letter (expected A, C, G, T or N)"
        );
        let e = validate(b"AC-G", at).unwrap_err();
        assert!(e.to_string().contains("position 3: '-' is not a nucleotide letter"), "{e}");
    }

    #[test]
    fn chooses_fasta_or_plain_by_first_character() {
        assert_eq!(parse_sequences(b"  \n>a\nAC\n").unwrap()[0].name, "a");
        assert_eq!(parse_sequences(b"ac gt\nAA\n").unwrap()[0].sequence, b"acgtAA");
        assert_eq!(parse_sequences(b" \n\t"), Err(SequenceError::NoSequence));
    }
}
