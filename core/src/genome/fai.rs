//! The FASTA index (`.fai`, as `samtools faidx` writes it): per record its name, length, the byte
//! offset of its first base and its line geometry, so that the bytes of any region can be found
//! without reading the file. Lines are parsed by noodles-fasta; a record named `chrom:start-end`
//! is placed at `start` ([`super::placed`]), and chromosomes are matched by [`super::chrom_key`].
//!
//! For a bgzip-compressed FASTA the offsets are into the uncompressed text, as for a plain one
//! ([`super::gzi`] maps them to compressed blocks).

use std::collections::BTreeMap;

use super::{WindowError, chrom_key, placed};

/// What is wrong with an index file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IndexError {
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("the index lists no sequence")]
    Empty,
    #[error("the records '{first}' and '{second}' are the same chromosome; a reference names each chromosome once")]
    SameChromosome { first: String, second: String },
    #[error("not a bgzip index: {0}")]
    Gzi(String),
}

/// One record of the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaiEntry {
    /// The record's name as the FASTA header gives it.
    pub name: String,
    /// Bases in the record.
    pub length: u64,
    /// Byte offset of the record's first base in the (uncompressed) file.
    pub offset: u64,
    /// Bases per full line.
    pub line_bases: u64,
    /// Bytes per full line, line break included.
    pub line_width: u64,
    /// The 0-based genomic position of the record's first base (a `chrom:start-end` record
    /// starts at `start − 1`; any other at 0).
    pub first: u64,
}

impl FaiEntry {
    /// Byte offset of base `i` (0-based, within the record).
    pub fn byte_offset(&self, i: u64) -> u64 {
        self.offset + i / self.line_bases * self.line_width + i % self.line_bases
    }

    /// Bases `[start, end)` of the record (0-based, within it; not checked against its length).
    pub fn region(&self, key: &str, chrom: &str, start: u64, end: u64) -> Region {
        let byte_start = self.byte_offset(start);
        let byte_end = if end > start { self.byte_offset(end - 1) + 1 } else { byte_start };
        Region { key: key.to_string(), chrom: chrom.to_string(), start, end, first: self.first, byte_start, byte_end }
    }
}

/// A region of one record and where its bases lie in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// The chromosome key ([`chrom_key`]).
    pub key: String,
    /// The chromosome as it was asked for.
    pub chrom: String,
    /// 0-based half-open interval within the record.
    pub start: u64,
    pub end: u64,
    /// The 0-based genomic position of the record's first base.
    pub first: u64,
    /// The file's bytes `[byte_start, byte_end)` hold the region's bases and the line breaks
    /// between them (offsets into the uncompressed text).
    pub byte_start: u64,
    pub byte_end: u64,
}

impl Region {
    /// The region's bases, upper case, from the file's bytes `[byte_start, byte_end)` (or fewer,
    /// when the file ends early): line breaks dropped, the count checked against the index.
    pub fn bases(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let want = (self.end - self.start) as usize;
        let mut out = Vec::with_capacity(want);
        out.extend(bytes.iter().filter(|b| !matches!(b, b'\n' | b'\r')).map(u8::to_ascii_uppercase));
        if out.len() == want {
            return Ok(out);
        }
        if (bytes.len() as u64) < self.byte_end - self.byte_start {
            return Err("the file is shorter than its index says".into());
        }
        Err(format!(
            "bytes {}-{} of the file hold {} bases where the index says {want}; is the .fai index from this FASTA file?",
            self.byte_start,
            self.byte_end,
            out.len()
        ))
    }
}

/// A parsed `.fai`: the records by chromosome key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FastaIndex {
    entries: BTreeMap<String, FaiEntry>,
}

impl FastaIndex {
    /// Parses the text of a `.fai` file: one record per line (blank lines skipped); an error names
    /// the line.
    pub fn parse(bytes: &[u8]) -> Result<Self, IndexError> {
        let mut records = Vec::new();
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
            let line_no = i + 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let at = |message: String| IndexError::Line { line: line_no, message };
            let text =
                std::str::from_utf8(line).map_err(|_| at("the line is not UTF-8 text; is this a .fai file?".into()))?;
            let index = noodles_fasta::fai::io::Reader::new(text.as_bytes()).read_index().map_err(|e| {
                at(format!(
                    "{e}; a .fai line has five tab-separated fields: name, length, offset, bases per line, bytes per line"
                ))
            })?;
            for r in index.as_ref() {
                let (bases, width) = (r.line_base_count().get(), r.line_width().get());
                if width <= bases {
                    return Err(at(format!(
                        "'{}' has {width} bytes per line, not more than its {bases} bases per line (the line break is missing)",
                        r.name()
                    )));
                }
                records.push(r.clone());
            }
        }
        Self::from_records(records)
    }

    /// The index of `records` (as noodles-fasta reads or builds them).
    pub fn from_records(records: impl IntoIterator<Item = noodles_fasta::fai::Record>) -> Result<Self, IndexError> {
        let mut entries: BTreeMap<String, FaiEntry> = BTreeMap::new();
        for r in records {
            let name = String::from_utf8_lossy(r.name()).into_owned();
            let (chrom, first) = placed(&name);
            let entry = FaiEntry {
                name: name.clone(),
                length: r.length(),
                offset: r.position(),
                line_bases: r.line_base_count().get(),
                line_width: r.line_width().get(),
                first,
            };
            if let Some(before) = entries.insert(chrom_key(&chrom), entry) {
                return Err(IndexError::SameChromosome { first: before.name, second: name });
            }
        }
        if entries.is_empty() {
            return Err(IndexError::Empty);
        }
        Ok(Self { entries })
    }

    /// The record of `chrom` (any spelling [`chrom_key`] accepts).
    pub fn entry(&self, chrom: &str) -> Option<&FaiEntry> {
        self.entries.get(&chrom_key(chrom))
    }

    /// The record whose chromosome key ([`chrom_key`]) is `key`.
    pub fn entry_by_key(&self, key: &str) -> Option<&FaiEntry> {
        self.entries.get(key)
    }

    /// The records, by chromosome key.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &FaiEntry)> {
        self.entries.iter().map(|(k, e)| (k.as_str(), e))
    }

    /// The chromosome keys, comma-separated, as errors list them.
    pub fn available(&self) -> String {
        self.entries.keys().cloned().collect::<Vec<_>>().join(", ")
    }

    /// The genomic interval `[start, end)` (0-based) of `chrom`: where its bases lie in the file,
    /// or why it is not in the reference.
    pub fn locate(&self, chrom: &str, start: i64, end: i64) -> Result<Region, WindowError> {
        let key = chrom_key(chrom);
        let Some(e) = self.entries.get(&key) else {
            return Err(WindowError::UnknownChromosome { chrom: chrom.to_string(), available: self.available() });
        };
        let (lo, hi) = (start - e.first as i64, end - e.first as i64);
        if lo < 0 || hi > e.length as i64 || lo > hi {
            return Err(WindowError::OutOfBounds {
                chrom: chrom.to_string(),
                start,
                end,
                have_start: e.first,
                have_end: e.first + e.length,
            });
        }
        Ok(e.region(&key, chrom, lo as u64, hi as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Two records: chr1 (32 bases, 7 per line, LF) and chr2 (28 bases, 7 per line, CRLF).
    const ONE: &str = "ACGTACGTTGCAAGGCCTTAAGGCATCGATCG";
    const TWO: &str = "TTTTGGGGCCCCAAAANNNNacgtacgt";

    fn fasta() -> String {
        let wrap =
            |s: &str, eol: &str| s.as_bytes().chunks(7).map(|c| String::from_utf8_lossy(c) + eol).collect::<String>();
        format!(">chr1 first\n{}>chr2\r\n{}", wrap(ONE, "\n"), wrap(TWO, "\r\n"))
    }

    fn index() -> FastaIndex {
        // what `samtools faidx` writes for fasta()
        FastaIndex::parse(b"chr1\t32\t12\t7\t8\nchr2\t28\t56\t7\t9\n").unwrap()
    }

    #[test]
    fn every_region_reads_its_bases_from_the_bytes_the_index_names() {
        let text = fasta();
        let index = index();
        for (chrom, bases) in [("chr1", ONE), ("2", TWO)] {
            let len = bases.len() as i64;
            for start in 0..=len {
                for end in start..=len {
                    let r = index.locate(chrom, start, end).unwrap();
                    let bytes = &text.as_bytes()[r.byte_start as usize..r.byte_end as usize];
                    let want = bases[start as usize..end as usize].to_ascii_uppercase();
                    assert_eq!(r.bases(bytes).unwrap(), want.as_bytes(), "{chrom}:{start}-{end}");
                }
            }
        }
    }

    #[test]
    fn says_what_is_not_in_the_reference() {
        let index = index();
        assert_eq!(
            index.locate("chr3", 0, 3).unwrap_err().to_string(),
            "chromosome 'chr3' is not in the genome FASTA (it has: 1, 2)"
        );
        assert_eq!(
            index.locate("chr1", 30, 33).unwrap_err().to_string(),
            "the window chr1:30-33 (0-based, half-open) runs past the genome sequence, which covers chr1:0-32"
        );
        assert_eq!(
            index.locate("1", -2, 3).unwrap_err().to_string(),
            "the window 1:-2-3 (0-based, half-open) runs past the genome sequence, which covers 1:0-32"
        );
    }

    #[test]
    fn a_region_record_is_placed_at_its_start() {
        let index = FastaIndex::parse(b"22:20095001-20115000\t20000\t22\t60\t61\n").unwrap();
        let r = index.locate("chr22", 20_095_060, 20_095_062).unwrap();
        assert_eq!((r.key.as_str(), r.start, r.end, r.first), ("22", 60, 62, 20_095_000));
        assert_eq!((r.byte_start, r.byte_end), (22 + 61, 22 + 63));
        assert_eq!(
            index.locate("22", 20_094_999, 20_095_001).unwrap_err().to_string(),
            "the window 22:20094999-20095001 (0-based, half-open) runs past the genome sequence, which covers 22:20095000-20115000"
        );
    }

    #[test]
    fn bytes_that_do_not_fit_the_index_are_an_error() {
        let index = index();
        let r = index.locate("chr1", 5, 20).unwrap();
        let text = fasta();
        let bytes = &text.as_bytes()[r.byte_start as usize..r.byte_end as usize];
        assert_eq!(r.bases(&bytes[..bytes.len() - 3]).unwrap_err(), "the file is shorter than its index says");
        let unwrapped = ONE.as_bytes()[..(r.byte_end - r.byte_start) as usize].to_vec();
        assert_eq!(
            r.bases(&unwrapped).unwrap_err(),
            "bytes 17-34 of the file hold 17 bases where the index says 15; is the .fai index from this FASTA file?"
        );
    }

    #[test]
    fn bad_index_lines_name_the_line_and_the_fields() {
        let e = |text: &[u8]| FastaIndex::parse(text).unwrap_err().to_string();
        assert_eq!(
            e(b"chr1\t32\t12\t7\t8\n\nchr2\tnot-a-number\n"),
            "line 3: invalid digit found in string; a .fai line has five tab-separated fields: name, length, offset, bases per line, bytes per line"
        );
        assert_eq!(
            e(b"chr1\t32\t12\t7\n"),
            "line 1: missing line width; a .fai line has five tab-separated fields: name, length, offset, bases per line, bytes per line"
        );
        assert_eq!(
            e(b"chr1\t32\t12\t7\t7\n"),
            "line 1: 'chr1' has 7 bytes per line, not more than its 7 bases per line (the line break is missing)"
        );
        assert_eq!(e(b"\xff\xfe\x00\x01\n"), "line 1: the line is not UTF-8 text; is this a .fai file?");
        assert_eq!(e(b"\n\n"), "the index lists no sequence");
        assert_eq!(
            e(b"chr1\t32\t12\t7\t8\n1\t32\t12\t7\t8\n"),
            "the records 'chr1' and '1' are the same chromosome; a reference names each chromosome once"
        );
    }

    #[test]
    fn windows_line_endings_in_the_index_are_read() {
        assert_eq!(FastaIndex::parse(b"chr1\t32\t12\t7\t8\r\nchr2\t28\t56\t7\t9\r\n").unwrap(), index());
    }
}
