//! Regula in the browser: the inference layer (`regula-infer`) compiled to WebAssembly with tract
//! as its backend ([`tract`]), behind a small JS API ([`js`], which only converts values). Models
//! and motif files arrive from the page as bytes; this crate performs no network I/O.
//!
//! The algorithms live in `regula-infer`, shared with the native CLI; they are re-exported here
//! under their module names.

pub mod genome;
pub mod js;
pub mod tract;
pub mod tract_ops;

pub use regula_infer::{
    attention, attribution, error, geometry, graph, ism, model, motifs, predict, runtime, segments, variants,
};

/// Loads a model with tract: the inference ONNX bytes, its manifest, and optionally the
/// attribution graph's bytes.
pub fn load_model(
    onnx: &[u8],
    manifest_json: &str,
    attribution: Option<&[u8]>,
) -> regula_infer::Result<regula_infer::Model> {
    regula_infer::Model::load(onnx, manifest_json, attribution, &tract::Tract)
}

use regula_core::sequence::{RecordProblem, SequenceError};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// One checked sequence, as the page lists it: its bases and their summary.
#[derive(Debug, Serialize)]
pub struct SequenceSummary {
    pub name: String,
    /// The FASTA header after the name, if any.
    pub description: Option<String>,
    /// The bases as given (upper and lower case kept), without line breaks or spaces.
    pub bases: String,
    pub length: usize,
    /// Fraction of G+C among the A/C/G/T bases (N excluded).
    pub gc: f64,
    /// Bases that are `N`.
    pub n_count: usize,
    /// Soft-masked (lower-case) bases.
    pub masked: usize,
}

impl SequenceSummary {
    fn of(name: &str, description: Option<&str>, sequence: &[u8]) -> Self {
        let count = |f: fn(&u8) -> bool| sequence.iter().filter(|b| f(b)).count();
        let gc = count(|b| matches!(b, b'G' | b'C' | b'g' | b'c'));
        let n_count = count(|b| matches!(b, b'N' | b'n'));
        let called = sequence.len() - n_count;
        let gc = if called == 0 { 0.0 } else { gc as f64 / called as f64 };
        Self {
            name: name.to_string(),
            description: description.map(String::from),
            bases: String::from_utf8_lossy(sequence).into_owned(),
            length: sequence.len(),
            gc,
            n_count,
            masked: count(u8::is_ascii_lowercase),
        }
    }
}

/// Where the first problem of a checked text is. Fields that do not apply are absent: a header
/// without a name has a line but no position; an empty input has only the message.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct ErrorLocation {
    /// 1-based index of the record.
    pub record: Option<usize>,
    /// The record's name.
    pub name: Option<String>,
    /// 1-based line: where the record starts (its FASTA header, or the first line of a pasted
    /// sequence), or the line the problem is on when no record is named.
    pub line: Option<usize>,
    /// 1-based position of the offending letter among the record's bases.
    pub position: Option<usize>,
    /// The offending letter.
    pub letter: Option<String>,
    /// Where the offending letter is in the text, as JavaScript string indices (UTF-16 code
    /// units): `text.slice(offset, end)` is the letter.
    pub offset: Option<usize>,
    pub end: Option<usize>,
    /// The whole message, as the thrown Error's `message`.
    pub message: String,
}

/// Checks pasted text (FASTA or a plain sequence) and returns each record with its bases and
/// summary: `[{name, description, bases, length, gc, n_count, masked}]`. A problem throws an
/// Error whose message names the record, line and position, with the same as fields in
/// `error.location` (`{record, name, line, position, letter, offset, end, message}`;
/// `offset`/`end` select the letter in `text`), so the page needs no parsing of its own.
#[wasm_bindgen(js_name = checkSequences, unchecked_return_type = "SequenceSummary[]")]
pub fn check_sequences(text: &str) -> Result<JsValue, JsValue> {
    match summarise(text) {
        Ok(summaries) => serde_wasm_bindgen::to_value(&summaries).map_err(|e| JsError::new(&e.to_string()).into()),
        Err(e) => {
            let location = locate(text, &e);
            let error = js_sys::Error::new(&location.message);
            let fields =
                serde_wasm_bindgen::to_value(&location).map_err(|e| JsValue::from(JsError::new(&e.to_string())))?;
            js_sys::Reflect::set(&error, &JsValue::from_str("location"), &fields)?;
            Err(error.into())
        }
    }
}

#[wasm_bindgen(typescript_custom_section)]
const CHECK_TYPES: &str = r#"
export interface SequenceSummary { name: string; description?: string; bases: string; length: number; gc: number; n_count: number; masked: number }
export interface ErrorLocation {
  record?: number; name?: string; line?: number; position?: number; letter?: string;
  /** `text.slice(offset, end)` is the offending letter. */
  offset?: number; end?: number; message: string;
}
"#;

/// The Regula version this module was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

fn summarise(text: &str) -> Result<Vec<SequenceSummary>, SequenceError> {
    let records = regula_core::sequence::parse_sequences(text.as_bytes())?;
    Ok(records.iter().map(|r| SequenceSummary::of(&r.name, r.description.as_deref(), &r.sequence)).collect())
}

/// The error's fields, and where its letter is in `text`.
fn locate(text: &str, e: &SequenceError) -> ErrorLocation {
    let message = e.to_string();
    match e {
        SequenceError::Record { at, problem } => {
            let (position, letter) = match problem {
                RecordProblem::AmbiguityCode { position, letter }
                | RecordProblem::InvalidCharacter { position, letter } => (Some(*position), Some(*letter)),
                RecordProblem::EmptySequence | RecordProblem::DuplicateName { .. } => (None, None),
            };
            let offset = position.and_then(|p| letter_offset(text, at.line, p));
            ErrorLocation {
                record: Some(at.index),
                name: Some(at.name.clone()),
                line: Some(at.line),
                position,
                letter: letter.map(String::from),
                offset: offset.map(|o| text[..o].encode_utf16().count()),
                end: offset.zip(letter).map(|(o, l)| text[..o].encode_utf16().count() + l.len_utf16()),
                message,
            }
        }
        SequenceError::MalformedFasta { line, .. }
        | SequenceError::TextBeforeFirstHeader { line }
        | SequenceError::Table { line, .. } => ErrorLocation { line: Some(*line), message, ..Default::default() },
        _ => ErrorLocation { message, ..Default::default() },
    }
}

/// The byte offset in `text` of base `position` (1-based) of the record starting at `line`
/// (1-based): counted as the readers count, over the lines after a FASTA header (without line
/// breaks, spaces and tabs) or over a pasted sequence (without any whitespace).
fn letter_offset(text: &str, line: usize, position: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let fasta = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'>');
    let mut i = if line <= 1 { 0 } else { bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(line - 2)?.0 + 1 };
    if fasta {
        i += bytes[i..].iter().position(|b| *b == b'\n')? + 1; // the header
    }
    let mut count = 0;
    for (k, &b) in bytes.iter().enumerate().skip(i) {
        let skipped = if fasta {
            matches!(b, b'\n' | b' ' | b'\t') || (b == b'\r' && bytes.get(k + 1).is_none_or(|n| *n == b'\n'))
        } else {
            b.is_ascii_whitespace()
        };
        if skipped {
            continue;
        }
        count += 1;
        if count == position {
            return Some(k);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The located error of `text`.
    fn error(text: &str) -> ErrorLocation {
        locate(text, &summarise(text).unwrap_err())
    }

    #[test]
    fn summarises_each_record() {
        let s = summarise(">a x=1\nGGcc\nNA\n>b\nAT\n").unwrap();
        assert_eq!((s[0].description.as_deref(), s[1].description.as_deref()), (Some("x=1"), None));
        assert_eq!((s[0].name.as_str(), s[0].bases.as_str(), s[1].bases.as_str()), ("a", "GGccNA", "AT"));
        assert_eq!((s[0].length, s[0].n_count, s[0].masked), (6, 1, 2));
        assert!((s[0].gc - 0.8).abs() < 1e-12);
        assert_eq!(s[1].gc, 0.0);
    }

    #[test]
    fn passes_the_located_error_through() {
        let e = error(">a\nAC\n>b\nARC\n");
        assert_eq!(
            e.message,
            "record 2 'b' (line 3): position 2: IUPAC ambiguity code 'R' is not supported (only A, C, G, T and N)"
        );
        assert_eq!(
            (e.record, e.name.as_deref(), e.line, e.position, e.letter.as_deref()),
            (Some(2), Some("b"), Some(3), Some(2), Some("R"))
        );
    }

    /// `text[offset..end]` (in UTF-16 units) is the letter the error names.
    fn selected(text: &str) -> String {
        let e = error(text);
        let units: Vec<u16> = text.encode_utf16().collect();
        String::from_utf16(&units[e.offset.unwrap()..e.end.unwrap()]).unwrap()
    }

    #[test]
    fn locates_the_letter_in_the_text() {
        // wrapped FASTA lines, a second record, spaces inside the sequence, Windows line endings
        assert_eq!(selected(">good\nACGTACGT\n>bad_one\nACGTNNAC\nACGXT\n"), "X");
        assert_eq!(error(">good\nACGT\n>bad_one\nACGTNNAC\nACGXT\n").offset, Some(32));
        assert_eq!(selected(">a\r\nAC GT\r\nA\tCé\r\n"), "é");
        assert_eq!(selected(">é name\nAC\n>b\n\nACG\nTY\n"), "Y");
        // a pasted sequence: whitespace anywhere, leading blank lines
        assert_eq!(selected("\n  AC GT\nAXA"), "X");
        assert_eq!(error("AC GT\nAXA").position, Some(6));
    }

    #[test]
    fn errors_without_a_letter_have_no_offset() {
        let e = error(">a\n>b\nAC\n");
        assert_eq!((e.record, e.position, e.offset), (Some(1), None, None));
        let e = error("");
        assert_eq!(e, ErrorLocation { message: "the input holds no sequence".into(), ..Default::default() });
        assert_eq!(error("> \nAC\n").line, Some(1));
    }
}
