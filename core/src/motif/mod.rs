//! Transcription-factor motifs: parse, score, scan.
//!
//! One module per step, records as plain typed structs (noodles style):
//!
//! * [`meme`]: MEME minimal motif format (`MEME version`, `ALPHABET= ACGT`, `strands:`,
//!   `Background letter frequencies`, `MOTIF id [name]`, `letter-probability matrix:` rows).
//! * [`jaspar`]: JASPAR count format (`>MA0004.1 Arnt` then `A [ 4 19 0 ... ]` rows for A, C, G, T).
//! * [`pwm`]: position probability matrix -> log2-odds matrix with background and pseudocount,
//!   as FIMO does it (pseudocount spread by the background over `nsites` pseudo-sites).
//! * [`pvalue`]: exact score distribution of the integerised log-odds matrix by dynamic
//!   programming (FIMO's integer scale and offset, `PSSM_RANGE` = 1000), score <-> p-value;
//!   checked hit for hit against FIMO's own output.
//! * [`scan`]: scan DNA on both strands, keep windows with p-value <= threshold, typed [`Hit`]s.
//!
//! Everything parses from `&str` / `&[u8]` (no filesystem, no threads), so it compiles for
//! `wasm32-unknown-unknown`. The parsers never panic and never allocate more than a small
//! multiple of the input size, whatever the input (a declared `w= 999999999` is only compared
//! with the rows that are actually there).
//!
//! ```
//! use regula_core::motif::{meme, scan::{Scanner, ScanOptions}};
//! let text = "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF M1 demo\n\
//!     letter-probability matrix: alength= 4 w= 3 nsites= 20 E= 0\n\
//!     1 0 0 0\n0 1 0 0\n0 0 1 0\n";
//! let set = meme::parse(text).unwrap();
//! let scanner = Scanner::new(&set.motifs, ScanOptions { p_threshold: 0.02, ..ScanOptions::new(set.background) }).unwrap();
//! let hits = scanner.scan(b"TTTTACGTTTT");
//! assert!(hits.iter().any(|h| h.start == 4 && h.matched == "ACG"));
//! ```

pub mod error;
pub mod jaspar;
pub mod meme;
pub mod pvalue;
pub mod pwm;
pub mod scan;

pub use error::{MotifError, ParseErrorKind};
pub use pvalue::ScoreDistribution;
pub use pwm::LogOddsPwm;
pub use scan::{Hit, ScanOptions, Scanner, Strand};

/// Letters of the DNA alphabet in matrix column order: the one-hot channel order.
pub use crate::encode::ALPHABET;

/// The uniform background `[0.25; 4]`.
pub const UNIFORM_BACKGROUND: [f64; 4] = [0.25; 4];

/// File format a motif was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MotifFormat {
    /// MEME minimal motif format.
    Meme,
    /// JASPAR count-matrix format.
    Jaspar,
}

/// Which strands a MEME file says its motifs apply to (`strands: + -`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strands {
    /// `strands: + -` (also the default when the line is absent).
    Both,
    /// `strands: +`
    Forward,
    /// `strands: -`
    Reverse,
}

/// One motif: a position probability matrix over A, C, G, T.
#[derive(Debug, Clone, PartialEq)]
pub struct Motif {
    /// Identifier (`MOTIF <id>` / `><id>`), e.g. `MA0004.1`.
    pub id: String,
    /// Alternate name, e.g. `Arnt`.
    pub name: Option<String>,
    /// One row per position, columns A, C, G, T; each row sums to 1 (rows are renormalised after
    /// validation: MEME rows within 0.02 of 1, JASPAR counts divided by the column total).
    pub probs: Vec<[f64; 4]>,
    /// The counts as written, for formats that carry counts (JASPAR); `None` for MEME.
    pub counts: Option<Vec<[f64; 4]>>,
    /// Number of sites the matrix was built from (`nsites=`; for JASPAR the largest column
    /// total). Used to weigh the pseudocount; `None` means MEME's default of 20.
    pub nsites: Option<f64>,
    /// `E=` of MEME files.
    pub evalue: Option<f64>,
    /// Format it was parsed from.
    pub format: MotifFormat,
    /// 1-based line of the motif's header in its file.
    pub line: usize,
}

impl Motif {
    /// Number of positions.
    pub fn width(&self) -> usize {
        self.probs.len()
    }

    /// `id` or `id name`, as used in error messages.
    pub fn label(&self) -> String {
        label(&self.id, self.name.as_deref())
    }

    /// Consensus sequence: the most probable letter at each position (ties resolved in A, C, G,
    /// T order).
    pub fn consensus(&self) -> String {
        self.probs
            .iter()
            .map(|row| {
                let mut best = 0;
                for (i, &p) in row.iter().enumerate() {
                    if p > row[best] {
                        best = i;
                    }
                }
                ALPHABET[best] as char
            })
            .collect()
    }

    /// Information content per position in bits against a uniform background:
    /// `2 + sum_b p_b log2 p_b` (0 for a uniform column, 2 for a single letter).
    pub fn information_content(&self) -> Vec<f64> {
        self.information_content_with(UNIFORM_BACKGROUND)
    }

    /// Information content per position in bits against `background` (relative entropy
    /// `sum_b p_b log2(p_b / bg_b)`, with `0 log 0 = 0`).
    pub fn information_content_with(&self, background: [f64; 4]) -> Vec<f64> {
        self.probs
            .iter()
            .map(|row| {
                row.iter()
                    .zip(background.iter())
                    .filter(|(p, bg)| **p > 0.0 && **bg > 0.0)
                    .map(|(p, bg)| p * (p / bg).log2())
                    .sum()
            })
            .collect()
    }
}

/// The motifs of one file plus the file-level settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MotifSet {
    /// `MEME version` value (e.g. `"4"`); `None` for JASPAR.
    pub version: Option<String>,
    /// Strands the file says the motifs apply to.
    pub strands: Strands,
    /// Background letter frequencies A, C, G, T from the file (normalised to sum 1), or uniform
    /// when the file has none. Use it as the default background for [`LogOddsPwm::from_motif`].
    pub background: [f64; 4],
    /// Whether [`MotifSet::background`] came from the file.
    pub background_from_file: bool,
    /// The motifs, in file order.
    pub motifs: Vec<Motif>,
}

impl MotifSet {
    /// Number of motifs.
    pub fn len(&self) -> usize {
        self.motifs.len()
    }

    /// Whether there are no motifs (never true for a successfully parsed file).
    pub fn is_empty(&self) -> bool {
        self.motifs.is_empty()
    }

    /// The motif with this id, if any.
    pub fn get(&self, id: &str) -> Option<&Motif> {
        self.motifs.iter().find(|m| m.id == id)
    }
}

pub(crate) fn label(id: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{id} {n}"),
        None => id.to_owned(),
    }
}

/// Lines of `text` with their 1-based numbers; `\r\n` endings and a trailing `\r` are stripped.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').enumerate().map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
}

/// Whether the first whitespace-separated token of `line` is a number (so the line is a matrix
/// row, possibly a malformed one).
pub(crate) fn is_number_row(line: &str) -> bool {
    line.split_whitespace().next().is_some_and(|t| t.parse::<f64>().is_ok())
}

/// Parses one number of matrix row `row` (1-based): finite and >= 0.
pub(crate) fn parse_value(token: &str, row: usize) -> Result<f64, ParseErrorKind> {
    let v: f64 = token.parse().map_err(|_| ParseErrorKind::NotANumber { row, token: truncate(token) })?;
    if !v.is_finite() {
        return Err(ParseErrorKind::NotFinite { row, token: truncate(token) });
    }
    if v < 0.0 {
        return Err(ParseErrorKind::Negative { row, value: v });
    }
    Ok(v)
}

/// Shortens user text quoted in error messages to at most 40 characters.
pub(crate) fn truncate(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

/// Index of a DNA letter (any case) in A, C, G, T order: the one-hot channel.
pub(crate) use crate::encode::channel as base_index;
