//! A reference genome read by region, the same way natively and in the browser: chromosome
//! names and `chrom:start-end` records ([`chrom_key`], [`placed`]), the FASTA index (`.fai`,
//! [`fai`]) that says where a region's bases lie in the file, the bgzip index (`.gzi`, [`gzi`])
//! that says which compressed blocks hold them, and the [`Reference`] a variant's windows are
//! read from.
//!
//! The native CLI reads regions from a file (`regula-train`'s `IndexedGenome`); the browser reads
//! the same byte ranges with `File.slice` and hands the bases to [`RegionGenome`]. Both answer a
//! window, or fail, with the same [`WindowError`].

pub mod fai;
pub mod gzi;
pub mod plan;

use std::collections::BTreeMap;

pub use fai::{FaiEntry, FastaIndex, IndexError, Region};
pub use gzi::{BgzfIndex, BlockRange};
pub use plan::{Read, plan_reads, read_regions};

/// Why a window of the reference could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WindowError {
    #[error("chromosome '{chrom}' is not in the genome FASTA (it has: {available})")]
    UnknownChromosome { chrom: String, available: String },
    #[error(
        "the window {chrom}:{start}-{end} (0-based, half-open) runs past the genome sequence, which covers {chrom}:{have_start}-{have_end}"
    )]
    OutOfBounds { chrom: String, start: i64, end: i64, have_start: u64, have_end: u64 },
    #[error("reading chromosome '{chrom}' from the reference: {message}")]
    Read { chrom: String, message: String },
}

/// Where windows of a reference come from: a genome held in memory, a FASTA file read by region
/// through its index, or the regions a page read from a file ([`RegionGenome`]).
pub trait Reference {
    /// Forward-strand bases of the 0-based half-open interval `[start, end)`, upper case.
    fn window(&self, chrom: &str, start: i64, end: i64) -> Result<Vec<u8>, WindowError>;
}

/// Normalised chromosome key: `chr22`, `Chr22` and `22` all read as `22`.
pub fn chrom_key(name: &str) -> String {
    let name = name.trim();
    name.strip_prefix("chr").or_else(|| name.strip_prefix("Chr")).unwrap_or(name).to_string()
}

/// A record name's chromosome and the 0-based position of its first base: `chrom:start-end`
/// (as `samtools faidx` names a region) starts at `start − 1`, any other name at 0.
pub fn placed(name: &str) -> (String, u64) {
    name.rsplit_once(':')
        .and_then(|(c, range)| {
            let (s, _) = range.split_once('-')?;
            Some((c.to_string(), s.replace(',', "").parse::<u64>().ok()?.checked_sub(1)?))
        })
        .unwrap_or_else(|| (name.to_string(), 0))
}

/// Checks that every base of `window` (upper case) is one Regula reads; `first` is the 0-based
/// genomic position of `window[0]`, so the error names the base's 1-based position.
pub fn check_bases(chrom: &str, first: u64, window: &[u8]) -> Result<(), WindowError> {
    match window.iter().position(|c| !matches!(c, b'A' | b'C' | b'G' | b'T' | b'N')) {
        None => Ok(()),
        Some(i) => Err(WindowError::Read {
            chrom: chrom.to_string(),
            message: format!(
                "position {}: {:?} is not a base Regula reads (A, C, G, T or N)",
                first + i as u64 + 1,
                window[i] as char
            ),
        }),
    }
}

/// A region's 0-based half-open interval within its record, and its bases or why they could not
/// be read.
type ReadRegion = (u64, u64, Result<Vec<u8>, String>);

/// The bases of a few regions of an indexed reference, read by someone else (the browser page,
/// with `File.slice`): windows inside them are answered as [`FastaIndex`]'s file would answer
/// them, and windows off the genome fail as they would on the file.
pub struct RegionGenome<'a> {
    index: &'a FastaIndex,
    /// By chromosome key, sorted by start.
    regions: BTreeMap<String, Vec<ReadRegion>>,
}

impl<'a> RegionGenome<'a> {
    pub fn new(index: &'a FastaIndex) -> Self {
        Self { index, regions: BTreeMap::new() }
    }

    /// Adds the bases of `region` (as [`Region::bases`] gives them), or why they could not be read.
    pub fn add(&mut self, region: &Region, bases: Result<Vec<u8>, String>) {
        let list = self.regions.entry(region.key.clone()).or_default();
        let at = list.partition_point(|(s, _, _)| *s < region.start);
        let bases = bases.and_then(|b| {
            if b.len() as u64 == region.end - region.start {
                Ok(b)
            } else {
                Err(format!("{} bases read where the index says {}", b.len(), region.end - region.start))
            }
        });
        list.insert(at, (region.start, region.end, bases));
    }
}

impl Reference for RegionGenome<'_> {
    fn window(&self, chrom: &str, start: i64, end: i64) -> Result<Vec<u8>, WindowError> {
        let region = self.index.locate(chrom, start, end)?;
        let covering = self
            .regions
            .get(&region.key)
            .and_then(|list| list.iter().find(|(s, e, _)| *s <= region.start && region.end <= *e));
        let Some((s, _, bases)) = covering else {
            return Err(WindowError::Read {
                chrom: chrom.to_string(),
                message: format!("the bases {start}-{end} (0-based, half-open) were not read from the file"),
            });
        };
        let bases = bases.as_ref().map_err(|m| WindowError::Read { chrom: chrom.to_string(), message: m.clone() })?;
        let window = bases[(region.start - s) as usize..(region.end - s) as usize].to_vec();
        check_bases(chrom, region.first + region.start, &window)?;
        Ok(window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromosome_names_and_region_records() {
        assert_eq!(
            (chrom_key("chr22"), chrom_key("Chr22"), chrom_key(" 22 ")),
            ("22".into(), "22".into(), "22".into())
        );
        assert_eq!(placed("22:20095001-20115000"), ("22".into(), 20_095_000));
        assert_eq!(placed("chr1:1,000-2,000"), ("chr1".into(), 999));
        assert_eq!(placed("HLA-A*01:01:01:01"), ("HLA-A*01:01:01:01".into(), 0), "not a range: the whole name");
        assert_eq!(placed("chrM"), ("chrM".into(), 0));
    }

    #[test]
    fn region_genome_answers_as_the_file_would() {
        // chr7 bases 100..110 (0-based), in a record named as samtools faidx names a region
        let index = FastaIndex::parse(b"chr7:101-110\t10\t14\t4\t5\n").unwrap();
        let region = index.locate("7", 102, 108).unwrap();
        let mut g = RegionGenome::new(&index);
        g.add(&region, Ok(b"CGGTTA".to_vec()));
        assert_eq!(g.window("chr7", 103, 106).unwrap(), b"GGT");
        assert_eq!(g.window("7", 102, 108).unwrap(), b"CGGTTA");
        assert_eq!(
            g.window("chr8", 103, 106).unwrap_err().to_string(),
            "chromosome 'chr8' is not in the genome FASTA (it has: 7)"
        );
        assert_eq!(
            g.window("7", 105, 111).unwrap_err().to_string(),
            "the window 7:105-111 (0-based, half-open) runs past the genome sequence, which covers 7:100-110"
        );
        assert_eq!(
            g.window("7", 100, 104).unwrap_err().to_string(),
            "reading chromosome '7' from the reference: the bases 100-104 (0-based, half-open) were not read from the file"
        );
        let mut bad = RegionGenome::new(&index);
        bad.add(&region, Ok(b"CGRTTA".to_vec()));
        assert_eq!(
            bad.window("7", 102, 106).unwrap_err().to_string(),
            "reading chromosome '7' from the reference: position 105: 'R' is not a base Regula reads (A, C, G, T or N)"
        );
        let mut failed = RegionGenome::new(&index);
        failed.add(&region, Err("the file is shorter than its index says".into()));
        assert_eq!(
            failed.window("7", 103, 104).unwrap_err().to_string(),
            "reading chromosome '7' from the reference: the file is shorter than its index says"
        );
        let mut short = RegionGenome::new(&index);
        short.add(&region, Ok(b"CGG".to_vec()));
        assert_eq!(
            short.window("7", 103, 104).unwrap_err().to_string(),
            "reading chromosome '7' from the reference: 3 bases read where the index says 6"
        );
    }
}
