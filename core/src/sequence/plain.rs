//! A plain pasted sequence: bases over any number of lines, whitespace ignored.

use super::{RecordLocation, SequenceError, SequenceRecord, validate};

/// Name given to a pasted sequence that has none.
pub const PASTED_NAME: &str = "sequence";

/// Parses a pasted sequence. Whitespace (spaces, tabs, line breaks) is dropped; positions in
/// errors count bases only.
pub fn parse(input: &[u8]) -> Result<SequenceRecord, SequenceError> {
    let leading_lines = input.iter().take_while(|b| b.is_ascii_whitespace()).filter(|&&b| b == b'\n').count();
    let sequence: Vec<u8> = input.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    if sequence.is_empty() {
        return Err(SequenceError::NoSequence);
    }
    let line = leading_lines + 1;
    validate(&sequence, || RecordLocation { index: 1, name: PASTED_NAME.into(), line })?;
    Ok(SequenceRecord { name: PASTED_NAME.into(), description: None, sequence, line })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_lines_and_drops_whitespace() {
        let r = parse(b"\n  acg T\r\nNN\n").unwrap();
        assert_eq!(r.sequence, b"acgTNN");
        assert_eq!(r.line, 2);
    }

    #[test]
    fn positions_count_bases_only() {
        let e = parse(b"AC GT\nAXA").unwrap_err();
        assert_eq!(
            e.to_string(),
            "record 1 'sequence' (line 1): position 6: 'X' is not a nucleotide letter (expected A, C, G, T or N)"
        );
    }
}
