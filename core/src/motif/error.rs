//! Errors of the motif parsers, PWM construction, p-value computation and scanning.
//!
//! Parse errors always say **where** (1-based line number, and the motif id/name when the error is
//! inside a motif) and **what** was wrong, e.g.
//! `line 12: motif MA0004.1 Arnt: row 3 has 3 values, expected 4`.

use std::fmt;

/// What went wrong while parsing one line (or block) of a motif file.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseErrorKind {
    /// The input is not valid UTF-8.
    InvalidUtf8,
    /// The file is empty or holds no motif.
    NoMotifs,
    /// MEME: a `MOTIF` line came before the `MEME version` line.
    MissingVersion,
    /// MEME: an alphabet other than DNA `ACGT`.
    UnsupportedAlphabet(String),
    /// MEME: a `strands:` line with something other than `+` and `-`.
    BadStrands(String),
    /// MEME: the background letter frequencies are malformed.
    BadBackground(String),
    /// A `MOTIF` line (MEME) or `>` header (JASPAR) without an identifier.
    MissingId,
    /// A field of the `letter-probability matrix:` line could not be parsed.
    BadHeaderField { field: String, value: String },
    /// `alength=` other than 4.
    BadAlength(String),
    /// `w=` declares a width the matrix rows do not have.
    WidthMismatch { declared: usize, found: usize },
    /// `w=` declares fewer rows than follow the header.
    TooManyRows { declared: usize },
    /// A motif without any matrix rows.
    EmptyMatrix,
    /// A motif header but no `letter-probability matrix:` for it.
    MissingMatrix,
    /// A matrix row with the wrong number of values.
    WrongValueCount { row: usize, found: usize, expected: usize },
    /// A token that is not a number.
    NotANumber { row: usize, token: String },
    /// A number that is NaN or infinite.
    NotFinite { row: usize, token: String },
    /// A negative probability or count.
    Negative { row: usize, value: f64 },
    /// A MEME probability row whose sum is not within the tolerance of 1.
    RowSum { row: usize, sum: f64, tolerance: f64 },
    /// A JASPAR column whose counts sum to 0.
    ZeroColumn { column: usize },
    /// JASPAR: a letter row (A, C, G, T) that is missing or repeated.
    BadLetterRows(String),
    /// JASPAR: a matrix row before any `>` header.
    RowOutsideMotif,
    /// A number row outside any matrix (MEME).
    UnexpectedRow,
    /// MEME: a `letter-probability matrix:` line before any `MOTIF` line.
    MatrixOutsideMotif,
    /// MEME: a second `letter-probability matrix:` for the same motif.
    DuplicateMatrix,
    /// MEME: an `ALPHABET` block without `END ALPHABET`.
    UnterminatedAlphabet,
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ParseErrorKind::*;
        match self {
            InvalidUtf8 => write!(f, "invalid UTF-8"),
            NoMotifs => write!(f, "no motifs found"),
            MissingVersion => write!(f, "MOTIF before the 'MEME version' line"),
            UnsupportedAlphabet(a) => write!(f, "unsupported alphabet '{a}' (expected ACGT)"),
            BadStrands(s) => write!(f, "bad strands line '{s}' (expected '+', '-' or '+ -')"),
            BadBackground(why) => write!(f, "bad background letter frequencies: {why}"),
            MissingId => write!(f, "motif header has no identifier"),
            BadHeaderField { field, value } => write!(f, "cannot parse {field}= '{value}'"),
            BadAlength(v) => write!(f, "alength= {v} but the alphabet ACGT has 4 letters"),
            WidthMismatch { declared, found } => {
                write!(f, "matrix declares w= {declared} but has {found} rows")
            }
            TooManyRows { declared } => {
                write!(f, "matrix declares w= {declared} but has more rows")
            }
            EmptyMatrix => write!(f, "matrix has no rows"),
            MissingMatrix => write!(f, "no letter-probability matrix"),
            WrongValueCount { row, found, expected } => {
                write!(f, "row {row} has {found} values, expected {expected}")
            }
            NotANumber { row, token } => write!(f, "row {row}: '{token}' is not a number"),
            NotFinite { row, token } => write!(f, "row {row}: '{token}' is not finite"),
            Negative { row, value } => write!(f, "row {row}: negative value {value}"),
            RowSum { row, sum, tolerance } => {
                write!(f, "row {row} sums to {sum:.6}, expected 1 (tolerance {tolerance})")
            }
            ZeroColumn { column } => write!(f, "column {column} has a total count of 0"),
            BadLetterRows(why) => write!(f, "{why}"),
            RowOutsideMotif => write!(f, "matrix row before any '>' header"),
            UnexpectedRow => write!(f, "number row outside a matrix"),
            MatrixOutsideMotif => write!(f, "letter-probability matrix before any MOTIF line"),
            DuplicateMatrix => write!(f, "second letter-probability matrix for the same motif"),
            UnterminatedAlphabet => write!(f, "ALPHABET block without 'END ALPHABET'"),
        }
    }
}

/// Error of the motif module.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MotifError {
    /// A parse error at a line, optionally inside a named motif.
    #[error("{}", fmt_parse(*line, motif.as_deref(), kind))]
    Parse {
        /// 1-based line number (0 for whole-file errors such as "no motifs found").
        line: usize,
        /// `id` or `id name` of the motif being parsed, if any.
        motif: Option<String>,
        /// What was wrong.
        kind: ParseErrorKind,
    },
    /// A background distribution that is not 4 finite positive numbers summing to ~1.
    #[error("invalid background {0:?}: need 4 finite frequencies > 0 that sum to 1")]
    InvalidBackground([f64; 4]),
    /// A pseudocount that is negative or not finite.
    #[error("invalid pseudocount {0}: must be finite and >= 0")]
    InvalidPseudocount(f64),
    /// A p-value threshold outside (0, 1].
    #[error("invalid p-value threshold {0}: must be in (0, 1]")]
    InvalidPValue(f64),
    /// A motif that has no positions or is too wide for the exact score distribution.
    #[error("motif {motif}: {why}")]
    InvalidMotif { motif: String, why: String },
}

fn fmt_parse(line: usize, motif: Option<&str>, kind: &ParseErrorKind) -> String {
    let mut s = String::new();
    if line > 0 {
        s.push_str(&format!("line {line}: "));
    }
    if let Some(m) = motif {
        s.push_str(&format!("motif {m}: "));
    }
    s.push_str(&kind.to_string());
    s
}

impl MotifError {
    pub(crate) fn at(line: usize, motif: Option<&str>, kind: ParseErrorKind) -> Self {
        MotifError::Parse {
            line,
            // Labels come from the input: keep messages short whatever its size.
            motif: motif.map(|m| {
                if m.chars().count() <= 80 {
                    m.to_owned()
                } else {
                    m.chars().take(80).chain(std::iter::once('…')).collect()
                }
            }),
            kind,
        }
    }

    /// The line number of a parse error (1-based), if it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            MotifError::Parse { line, .. } if *line > 0 => Some(*line),
            _ => None,
        }
    }
}

/// Decodes bytes as UTF-8, or returns an error naming the line of the first invalid byte.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, MotifError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
        MotifError::at(line, None, ParseErrorKind::InvalidUtf8)
    })
}
