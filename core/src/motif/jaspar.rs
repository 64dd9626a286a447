//! JASPAR count-matrix format.
//!
//! ```text
//! >MA0004.1 Arnt
//! A  [ 4 19  0  0  0  0 ]
//! C  [16  0 20  0  0  0 ]
//! G  [ 0  1  0 20  0 20 ]
//! T  [ 0  0  0  0 20  0 ]
//! ```
//!
//! Several motifs per file. The letter labels are optional (unlabelled rows are A, C, G, T in
//! order, as in JASPAR's "raw PFM" files) and so are the brackets; counts are separated by
//! whitespace and may be fractional. Blank lines and `#` comment lines are ignored; `\r\n` line
//! endings are accepted. Each motif needs exactly one row per letter, all rows the same length,
//! counts finite and >= 0, and no column that sums to 0.
//!
//! The [`Motif`] keeps the counts as written ([`Motif::counts`]); [`Motif::probs`] are the counts
//! divided by their column total and [`Motif::nsites`] is the largest column total.

use super::error::{MotifError, ParseErrorKind as K, utf8};
use super::{Motif, MotifFormat, MotifSet, Strands, UNIFORM_BACKGROUND, label, numbered_lines, parse_value};

/// Parses JASPAR format from bytes (must be UTF-8).
pub fn parse_bytes(bytes: &[u8]) -> Result<MotifSet, MotifError> {
    parse(utf8(bytes)?)
}

struct Pending {
    id: String,
    name: Option<String>,
    line: usize,
    /// (letter index, line, counts)
    rows: Vec<(usize, usize, Vec<f64>)>,
}

/// Parses JASPAR format. The returned set has a uniform background and both strands.
pub fn parse(text: &str) -> Result<MotifSet, MotifError> {
    let mut motifs = Vec::new();
    let mut pending: Option<Pending> = None;
    for (ln, raw) in numbered_lines(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('>') {
            if let Some(p) = pending.take() {
                motifs.push(finish(p)?);
            }
            let mut toks = rest.split_whitespace();
            let id = toks.next().ok_or_else(|| MotifError::at(ln, None, K::MissingId))?.to_owned();
            let name: Vec<&str> = toks.collect();
            let name = (!name.is_empty()).then(|| name.join(" "));
            pending = Some(Pending { id, name, line: ln, rows: Vec::with_capacity(4) });
            continue;
        }
        let Some(p) = pending.as_mut() else {
            return Err(MotifError::at(ln, None, K::RowOutsideMotif));
        };
        let ctx = label(&p.id, p.name.as_deref());
        let err = |kind| MotifError::at(ln, Some(&ctx), kind);
        let row_no = p.rows.len() + 1;
        let cleaned = line.replace(['[', ']'], " ");
        let mut toks = cleaned.split_whitespace().peekable();
        let letter = match toks.peek().copied() {
            Some("A" | "a") => Some(0),
            Some("C" | "c") => Some(1),
            Some("G" | "g") => Some(2),
            Some("T" | "t") => Some(3),
            _ => None,
        };
        if letter.is_some() {
            toks.next();
        }
        let letter = match letter {
            Some(l) => l,
            None if row_no <= 4 => row_no - 1,
            None => {
                return Err(err(K::BadLetterRows(format!("row {row_no}: more than 4 rows (A, C, G, T)"))));
            }
        };
        if let Some((_, first_ln, _)) = p.rows.iter().find(|r| r.0 == letter) {
            return Err(err(K::BadLetterRows(format!(
                "row {row_no}: second row for {} (first on line {first_ln})",
                super::ALPHABET[letter] as char
            ))));
        }
        let mut counts = Vec::new();
        for tok in toks {
            counts.push(parse_value(tok, row_no).map_err(err)?);
        }
        let expected = p.rows.first().map_or(counts.len(), |r| r.2.len());
        if counts.len() != expected {
            return Err(err(K::WrongValueCount { row: row_no, found: counts.len(), expected }));
        }
        p.rows.push((letter, ln, counts));
    }
    if let Some(p) = pending.take() {
        motifs.push(finish(p)?);
    }
    if motifs.is_empty() {
        return Err(MotifError::at(0, None, K::NoMotifs));
    }
    Ok(MotifSet {
        version: None,
        strands: Strands::Both,
        background: UNIFORM_BACKGROUND,
        background_from_file: false,
        motifs,
    })
}

fn finish(p: Pending) -> Result<Motif, MotifError> {
    let ctx = label(&p.id, p.name.as_deref());
    let err = |kind| MotifError::at(p.line, Some(&ctx), kind);
    if p.rows.is_empty() {
        return Err(err(K::EmptyMatrix));
    }
    if p.rows.len() != 4 {
        let missing: Vec<String> = (0..4)
            .filter(|l| !p.rows.iter().any(|r| r.0 == *l))
            .map(|l| (super::ALPHABET[l] as char).to_string())
            .collect();
        return Err(err(K::BadLetterRows(format!(
            "has {} rows, expected 4 (A, C, G, T); missing {}",
            p.rows.len(),
            missing.join(", ")
        ))));
    }
    let width = p.rows[0].2.len();
    if width == 0 {
        return Err(err(K::EmptyMatrix));
    }
    let mut counts = vec![[0.0f64; 4]; width];
    for (letter, _, row) in &p.rows {
        for (pos, &c) in row.iter().enumerate() {
            counts[pos][*letter] = c;
        }
    }
    let mut probs = Vec::with_capacity(width);
    let mut nsites: f64 = 0.0;
    for (pos, col) in counts.iter().enumerate() {
        let total: f64 = col.iter().sum();
        if total.is_nan() || total <= 0.0 || total.is_infinite() {
            return Err(err(K::ZeroColumn { column: pos + 1 }));
        }
        nsites = nsites.max(total);
        probs.push([col[0] / total, col[1] / total, col[2] / total, col[3] / total]);
    }
    Ok(Motif {
        id: p.id,
        name: p.name,
        probs,
        counts: Some(counts),
        nsites: Some(nsites),
        evalue: None,
        format: MotifFormat::Jaspar,
        line: p.line,
    })
}
