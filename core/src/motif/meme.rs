//! MEME minimal motif format.
//!
//! ```text
//! MEME version 4
//!
//! ALPHABET= ACGT
//!
//! strands: + -
//!
//! Background letter frequencies
//! A 0.25 C 0.25 G 0.25 T 0.25
//!
//! MOTIF MA0004.1 Arnt
//! letter-probability matrix: alength= 4 w= 6 nsites= 20 E= 0
//! 0.200000 0.800000 0.000000 0.000000
//! ...
//! URL http://jaspar.genereg.net/matrix/MA0004.1
//! ```
//!
//! Accepted: `\n` or `\r\n` line endings, blank lines anywhere, `URL` lines, `log-odds matrix:`
//! sections (skipped), the MEME 5 `ALPHABET "DNA" DNA-LIKE ... END ALPHABET` block when its core
//! letters are exactly A, C, G, T, and any other text line outside a matrix (ignored, as MEME
//! output holds more than the minimal format). Rejected with an error naming the line (and
//! motif): a non-ACGT alphabet, a `MOTIF` before the `MEME version` line, a matrix row that
//! does not have `alength` (4) values, a value that is not a finite number >= 0, a row whose
//! sum is more than [`ROW_SUM_TOLERANCE`] away from 1, a row count different from `w=`, a motif
//! without a matrix, a file without motifs. Rows are renormalised to sum exactly 1.

use super::error::{MotifError, ParseErrorKind as K, utf8};
use super::{
    Motif, MotifFormat, MotifSet, Strands, UNIFORM_BACKGROUND, is_number_row, label, numbered_lines, parse_value,
    truncate,
};

/// Largest allowed distance of a probability row's sum (and the background's) from 1.
pub const ROW_SUM_TOLERANCE: f64 = 0.02;

/// Parses MEME minimal motif format from bytes (must be UTF-8).
pub fn parse_bytes(bytes: &[u8]) -> Result<MotifSet, MotifError> {
    parse(utf8(bytes)?)
}

struct Pending {
    id: String,
    name: Option<String>,
    line: usize,
    matrix: Option<Matrix>,
}

impl Pending {
    fn label(&self) -> String {
        label(&self.id, self.name.as_deref())
    }
}

/// Parses MEME minimal motif format.
pub fn parse(text: &str) -> Result<MotifSet, MotifError> {
    let lines: Vec<(usize, &str)> = numbered_lines(text).collect();
    let mut version: Option<String> = None;
    let mut strands = Strands::Both;
    let mut background: Option<[f64; 4]> = None;
    let mut motifs: Vec<Motif> = Vec::new();
    let mut pending: Option<Pending> = None;

    let mut i = 0;
    while i < lines.len() {
        let (ln, raw) = lines[i];
        let line = raw.trim();
        i += 1;
        if line.is_empty() {
            continue;
        }
        // The motif label is only built when an error is returned (it can be long).
        let err =
            |pending: &Option<Pending>, kind| MotifError::at(ln, pending.as_ref().map(Pending::label).as_deref(), kind);

        if let Some(rest) = line.strip_prefix("MEME version") {
            version = Some(rest.split_whitespace().next().unwrap_or("").to_owned());
        } else if let Some(rest) = line.strip_prefix("ALPHABET") {
            let rest = rest.trim_start();
            if let Some(value) = rest.strip_prefix('=') {
                let value = value.trim();
                if !value.eq_ignore_ascii_case("ACGT") {
                    return Err(err(&pending, K::UnsupportedAlphabet(truncate(value))));
                }
            } else {
                i = alphabet_block(&lines, i, ln, rest)?;
            }
        } else if let Some(rest) = line.strip_prefix("strands:") {
            let toks: Vec<&str> = rest.split_whitespace().collect();
            strands = match toks.as_slice() {
                ["+", "-"] | ["-", "+"] => Strands::Both,
                ["+"] => Strands::Forward,
                ["-"] => Strands::Reverse,
                _ => return Err(err(&pending, K::BadStrands(truncate(rest.trim())))),
            };
        } else if line.starts_with("Background letter frequencies") {
            let (bg, next) = background_block(&lines, i, ln)?;
            background = Some(bg);
            i = next;
        } else if line == "MOTIF" || line.starts_with("MOTIF ") || line.starts_with("MOTIF\t") {
            if let Some(p) = pending.take() {
                motifs.push(finish(p)?);
            }
            if version.is_none() {
                return Err(err(&pending, K::MissingVersion));
            }
            let mut toks = line.split_whitespace().skip(1);
            let id = toks.next().ok_or_else(|| err(&None, K::MissingId))?.to_owned();
            let name = toks.next().map(str::to_owned);
            pending = Some(Pending { id, name, line: ln, matrix: None });
        } else if let Some(rest) = line.strip_prefix("letter-probability matrix") {
            if pending.as_ref().is_none_or(|p| p.matrix.is_some()) {
                let kind = if pending.is_none() { K::MatrixOutsideMotif } else { K::DuplicateMatrix };
                return Err(err(&pending, kind));
            }
            let Some(p) = pending.as_mut() else { continue };
            let ctx = p.label();
            let (matrix, next) = matrix_block(&lines, i, ln, rest.trim_start_matches(':'), &ctx)?;
            p.matrix = Some(matrix);
            i = next;
        } else if line.starts_with("log-odds matrix") {
            // Skip the log-odds rows: we derive scores from the probabilities.
            while i < lines.len() && (lines[i].1.trim().is_empty() || is_number_row(lines[i].1)) {
                i += 1;
            }
        } else if is_number_row(line) {
            return Err(err(&pending, K::UnexpectedRow));
        }
        // Anything else (URL lines, free text) is tolerated and ignored.
    }
    if let Some(p) = pending.take() {
        motifs.push(finish(p)?);
    }
    if motifs.is_empty() {
        return Err(MotifError::at(0, None, K::NoMotifs));
    }
    Ok(MotifSet {
        version,
        strands,
        background: background.unwrap_or(UNIFORM_BACKGROUND),
        background_from_file: background.is_some(),
        motifs,
    })
}

fn finish(p: Pending) -> Result<Motif, MotifError> {
    let Some((probs, nsites, evalue)) = p.matrix else {
        return Err(MotifError::at(p.line, Some(&p.label()), K::MissingMatrix));
    };
    Ok(Motif { id: p.id, name: p.name, probs, counts: None, nsites, evalue, format: MotifFormat::Meme, line: p.line })
}

/// MEME 5 alphabet definition block; `start` is the index of the line after `ALPHABET ...`.
/// Returns the index after `END ALPHABET`.
fn alphabet_block(lines: &[(usize, &str)], start: usize, header_ln: usize, header: &str) -> Result<usize, MotifError> {
    let mut core = String::new();
    let mut i = start;
    while i < lines.len() {
        let line = lines[i].1.trim();
        i += 1;
        if line.starts_with("END ALPHABET") {
            let mut sorted: Vec<char> = core.chars().collect();
            sorted.sort_unstable();
            let is_rna = header.to_ascii_uppercase().contains("RNA");
            if sorted != ['A', 'C', 'G', 'T'] || is_rna {
                return Err(MotifError::at(header_ln, None, K::UnsupportedAlphabet(truncate(&core))));
            }
            return Ok(i);
        }
        if line.is_empty() || line.contains('=') {
            continue; // ambiguity letters such as `N = ACGT`
        }
        let mut toks = line.split_whitespace();
        if let Some(t) = toks.next() {
            core.push_str(&t.to_ascii_uppercase());
        }
        if toks.any(|t| t == "~") {
            // `A "Adenine" CC0000 ~ T "Thymine" 008000`: the complement is a core letter too.
            let after = line.split('~').nth(1).and_then(|s| s.split_whitespace().next());
            if let Some(t) = after {
                core.push_str(&t.to_ascii_uppercase());
            }
        }
        if core.len() > 64 {
            return Err(MotifError::at(header_ln, None, K::UnsupportedAlphabet(truncate(&core))));
        }
    }
    Err(MotifError::at(header_ln, None, K::UnterminatedAlphabet))
}

/// Background frequencies on the lines from `start` on: pairs `A 0.25 C 0.25 ...`, possibly
/// over several lines. Returns them normalised, and the index of the next unread line.
fn background_block(lines: &[(usize, &str)], start: usize, header_ln: usize) -> Result<([f64; 4], usize), MotifError> {
    let mut freqs: [Option<f64>; 4] = [None; 4];
    let mut found = 0;
    let mut i = start;
    let mut last_ln = header_ln;
    while i < lines.len() && found < 4 {
        let (ln, raw) = lines[i];
        let line = raw.trim();
        if line.is_empty() {
            i += 1;
            continue;
        }
        let toks: Vec<&str> = line.split_whitespace().collect();
        if toks[0].chars().count() != 1 || toks[0].parse::<f64>().is_ok() {
            break; // not a letter/frequency line
        }
        let bad = |why: String| MotifError::at(ln, None, K::BadBackground(why));
        if toks.len() & 1 == 1 {
            return Err(bad("expected letter/frequency pairs".into()));
        }
        for pair in toks.chunks(2) {
            let idx = match pair[0] {
                "A" | "a" => 0,
                "C" | "c" => 1,
                "G" | "g" => 2,
                "T" | "t" => 3,
                other => return Err(bad(format!("unexpected letter '{}'", truncate(other)))),
            };
            let v: f64 = pair[1].parse().map_err(|_| bad(format!("'{}' is not a number", truncate(pair[1]))))?;
            if !v.is_finite() || v <= 0.0 {
                return Err(bad(format!("frequency of {} is {}, expected > 0", pair[0], truncate(pair[1]))));
            }
            if freqs[idx].replace(v).is_some() {
                return Err(bad(format!("letter {} given twice", pair[0])));
            }
            found += 1;
        }
        last_ln = ln;
        i += 1;
    }
    let bad = |why: String| MotifError::at(last_ln, None, K::BadBackground(why));
    let mut bg = [0.0; 4];
    for (k, f) in freqs.iter().enumerate() {
        match f {
            Some(v) => bg[k] = *v,
            None => {
                return Err(bad(format!("no frequency for {}", super::ALPHABET[k] as char)));
            }
        }
    }
    let sum: f64 = bg.iter().sum();
    if (sum - 1.0).abs() > ROW_SUM_TOLERANCE {
        return Err(bad(format!("frequencies sum to {sum:.6}, expected 1")));
    }
    for v in &mut bg {
        *v /= sum;
    }
    Ok((bg, i))
}

/// Rows, `nsites=`, `E=`.
type Matrix = (Vec<[f64; 4]>, Option<f64>, Option<f64>);

/// Reads a `letter-probability matrix:` header (fields in `fields`) and its rows from `start` on.
fn matrix_block(
    lines: &[(usize, &str)],
    start: usize,
    header_ln: usize,
    fields: &str,
    motif: &str,
) -> Result<(Matrix, usize), MotifError> {
    let err = |ln: usize, kind| MotifError::at(ln, Some(motif), kind);
    let mut declared_w: Option<usize> = None;
    let mut nsites: Option<f64> = None;
    let mut evalue: Option<f64> = None;

    // `key= value` or `key=value` pairs.
    let toks: Vec<&str> = fields.split_whitespace().collect();
    let mut t = 0;
    while t < toks.len() {
        let tok = toks[t];
        t += 1;
        let Some((key, val)) = tok.split_once('=') else {
            continue;
        };
        let val = if val.is_empty() && t < toks.len() && !toks[t].contains('=') {
            t += 1;
            toks[t - 1]
        } else {
            val
        };
        let bad = || err(header_ln, K::BadHeaderField { field: truncate(key), value: truncate(val) });
        match key {
            "alength" => match val.parse::<u64>() {
                Ok(4) => {}
                Ok(_) => return Err(err(header_ln, K::BadAlength(truncate(val)))),
                Err(_) => return Err(bad()),
            },
            "w" => declared_w = Some(val.parse::<usize>().map_err(|_| bad())?),
            "nsites" => {
                let v: f64 = val.parse().map_err(|_| bad())?;
                if !v.is_finite() || v < 0.0 {
                    return Err(bad());
                }
                nsites = (v > 0.0).then_some(v);
            }
            "E" => {
                let v: f64 = val.parse().map_err(|_| bad())?;
                if v.is_nan() || v < 0.0 {
                    return Err(bad());
                }
                evalue = Some(v);
            }
            _ => {}
        }
    }

    // Rows: number lines (blank lines in between tolerated), until `w` rows or a text line.
    let mut rows: Vec<[f64; 4]> = Vec::with_capacity(declared_w.unwrap_or(16).min(64));
    let mut i = start;
    loop {
        while i < lines.len() && lines[i].1.trim().is_empty() {
            i += 1;
        }
        if i >= lines.len() || !is_number_row(lines[i].1) {
            break;
        }
        let (ln, raw) = lines[i];
        if declared_w.is_some_and(|w| rows.len() >= w) {
            return Err(err(ln, K::TooManyRows { declared: declared_w.unwrap_or(0) }));
        }
        let row_no = rows.len() + 1;
        let mut row = [0.0; 4];
        let mut n = 0;
        for tok in raw.split_whitespace() {
            if n < 4 {
                row[n] = parse_value(tok, row_no).map_err(|k| err(ln, k))?;
            }
            n += 1;
        }
        if n != 4 {
            return Err(err(ln, K::WrongValueCount { row: row_no, found: n, expected: 4 }));
        }
        let sum: f64 = row.iter().sum();
        if (sum - 1.0).abs() > ROW_SUM_TOLERANCE {
            return Err(err(ln, K::RowSum { row: row_no, sum, tolerance: ROW_SUM_TOLERANCE }));
        }
        for v in &mut row {
            *v /= sum;
        }
        rows.push(row);
        i += 1;
    }
    if rows.is_empty() {
        return Err(err(header_ln, K::EmptyMatrix));
    }
    match declared_w {
        Some(w) if rows.len() != w => {
            return Err(err(header_ln, K::WidthMismatch { declared: w, found: rows.len() }));
        }
        _ => {}
    }
    Ok(((rows, nsites, evalue), i))
}
