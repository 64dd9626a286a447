//! FASTA: multi-record, wrapped lines, lower-case soft-masking, Windows line endings.
//!
//! Parsing is noodles-fasta's; this module adds what a user needs on top: line numbers, letter
//! validation and clear messages for a header without a name or a record without a sequence.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, Read};

use noodles_fasta as noodles;

use super::line_counter::LineCounter;
use super::{RecordLocation, RecordProblem, SequenceError, SequenceRecord, validate};

/// Reads validated records one at a time from a FASTA stream.
pub struct Reader<R> {
    inner: noodles::io::Reader<LineCounter<R>>,
    records_read: usize,
    /// Each name read so far (as a 64-bit hash, so a million records cost a few MB), with the
    /// index and line of its record: a second record of the same name is an error.
    seen: HashMap<u64, (usize, usize)>,
}

impl<R: BufRead> Reader<R> {
    pub fn new(inner: R) -> Self {
        Self { inner: noodles::io::Reader::new(LineCounter::new(inner)), records_read: 0, seen: HashMap::new() }
    }

    /// The next record, `Ok(None)` at the end of input.
    pub fn read_record(&mut self) -> Result<Option<SequenceRecord>, SequenceError> {
        self.skip_blank_lines()?;
        let line = self.inner.get_ref().line();
        match self.inner.get_mut().peek_byte().map_err(io_error)? {
            None => return Ok(None),
            Some(b'>') => {}
            Some(_) if self.records_read == 0 => return Err(SequenceError::TextBeforeFirstHeader { line }),
            Some(_) => unreachable!("noodles consumes sequence lines up to the next '>'"),
        }
        let mut definition = noodles::record::Definition::default();
        self.inner.read_definition(&mut definition).map_err(|e| SequenceError::MalformedFasta {
            line,
            message: match e.to_string().as_str() {
                "missing name" => "the '>' header has no name".to_string(),
                other => format!("bad header: {other}"),
            },
        })?;
        let mut sequence = Vec::new();
        self.inner.read_sequence(&mut sequence).map_err(io_error)?;
        // Stray spaces or tabs in a pasted FASTA carry no meaning; dropping them beats rejecting.
        sequence.retain(|b| *b != b' ' && *b != b'\t');
        self.records_read += 1;

        let name = String::from_utf8_lossy(definition.name()).into_owned();
        let at = || RecordLocation { index: self.records_read, name: name.clone(), line };
        if sequence.is_empty() {
            return Err(SequenceError::Record { at: at(), problem: RecordProblem::EmptySequence });
        }
        validate(&sequence, at)?;
        let mut hasher = std::hash::DefaultHasher::new();
        name.hash(&mut hasher);
        if let Some(&(index, first_line)) = self.seen.get(&hasher.finish()) {
            return Err(SequenceError::Record {
                at: at(),
                problem: RecordProblem::DuplicateName { index, line: first_line },
            });
        }
        self.seen.insert(hasher.finish(), (self.records_read, line));
        let description = definition.description().map(|d| String::from_utf8_lossy(d).into_owned());
        Ok(Some(SequenceRecord { name, description, sequence, line }))
    }

    fn skip_blank_lines(&mut self) -> Result<(), SequenceError> {
        let counter = self.inner.get_mut();
        loop {
            let buf = counter.fill_buf().map_err(io_error)?;
            let blank = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
            if blank == 0 {
                return Ok(());
            }
            counter.consume(blank);
        }
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<SequenceRecord, SequenceError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.read_record().transpose()
    }
}

/// Parses a whole FASTA text; the first bad record stops it with an error.
pub fn parse(input: &[u8]) -> Result<Vec<SequenceRecord>, SequenceError> {
    let records = Reader::new(input).collect::<Result<Vec<_>, _>>()?;
    if records.is_empty() {
        return Err(SequenceError::NoSequence);
    }
    Ok(records)
}

/// Reads a FASTA file from disk (native only), gzip or BGZF compressed or not.
pub fn read_path(path: &std::path::Path) -> Result<Vec<SequenceRecord>, SequenceError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| SequenceError::Io(format!("{}: {e}", path.display())))?;
    parse(&super::compressed::text_bytes(&bytes).map_err(io_error)?)
}

fn io_error(e: std::io::Error) -> SequenceError {
    SequenceError::Io(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrapped_multi_record_soft_masked_crlf() {
        let text = b">one first record\r\nACGT\r\nacgt\r\n\r\n>two\r\nNNAC\r\n";
        let records = parse(text).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].name, "one");
        assert_eq!(records[0].description.as_deref(), Some("first record"));
        assert_eq!(records[0].sequence, b"ACGTacgt");
        assert_eq!(records[0].line, 1);
        assert_eq!(records[1].sequence, b"NNAC");
        assert_eq!(records[1].line, 5);
    }

    #[test]
    fn header_without_sequence_is_an_error_naming_the_record() {
        let e = parse(b">a\nAC\n>empty\n>c\nGG\n").unwrap_err();
        assert_eq!(e.to_string(), "record 2 'empty' (line 3): the record has no sequence");
    }

    #[test]
    fn header_without_name_is_an_error_with_its_line() {
        let e = parse(b">a\nAC\n\n>\nGG\n").unwrap_err();
        assert_eq!(e.to_string(), "line 4: the '>' header has no name");
    }

    #[test]
    fn text_before_the_first_header_is_an_error() {
        let e = Reader::new(&b"\nACGT\n>a\nAC\n"[..]).read_record().unwrap_err();
        assert_eq!(e.to_string(), "line 2: text before the first '>' header; a FASTA file must start with '>name'");
    }

    #[test]
    fn a_name_used_twice_is_an_error_naming_both_records() {
        let e = parse(b">a\nAC\n>b\nGG\n>a\nTT\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "record 3 'a' (line 5): the name is already used by record 1 (line 1); record names must be unique"
        );
    }

    #[test]
    fn bad_letter_names_record_header_line_and_position() {
        let e = parse(b">ok\nACGT\n>bad\nACGT\nACYT\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "record 2 'bad' (line 3): position 7: IUPAC ambiguity code 'Y' is not supported (only A, C, G, T and N)"
        );
    }
}
