//! Promoter windows cut from a genome FASTA around transcription start sites, strand-aware.
//!
//! A window holds `upstream` bases before the TSS and `downstream` bases from the TSS on, read
//! 5'→3' on the gene's strand, so the TSS is always at index `upstream`: for a `+` gene the
//! 0-based half-open interval `[tss − upstream, tss + downstream)`, for a `−` gene the reverse
//! complement of `[tss − downstream + 1, tss + upstream + 1)`.
//!
//! Records named `chrom:start-end` (as `samtools faidx` writes a region) are placed at that
//! 1-based start; chromosome names match with or without a `chr` prefix.

use std::collections::BTreeMap;

use regula_core::encode::reverse_complement;
use regula_core::sequence::SequenceRecord;

/// A genome held in memory: per chromosome, the 0-based position of its first base and the bases.
#[derive(Clone, Debug, Default)]
pub struct Genome {
    chromosomes: BTreeMap<String, (u64, Vec<u8>)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strand {
    Forward,
    Reverse,
}

impl Strand {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "+" | "1" => Some(Self::Forward),
            "-" | "−" | "-1" => Some(Self::Reverse),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WindowError {
    #[error("chromosome '{chrom}' is not in the genome FASTA (it has: {available})")]
    UnknownChromosome { chrom: String, available: String },
    #[error(
        "the window {chrom}:{start}-{end} (0-based, half-open) runs past the genome sequence, which covers {chrom}:{have_start}-{have_end}"
    )]
    OutOfBounds { chrom: String, start: i64, end: i64, have_start: u64, have_end: u64 },
}

/// Normalised chromosome key: `chr22`, `Chr22` and `22` all read as `22`.
fn chrom_key(name: &str) -> String {
    let lower = name.trim();
    lower.strip_prefix("chr").or_else(|| lower.strip_prefix("Chr")).unwrap_or(lower).to_string()
}

impl Genome {
    pub fn from_records(records: Vec<SequenceRecord>) -> Self {
        let mut chromosomes = BTreeMap::new();
        for r in records {
            let (chrom, start) = match r.name.rsplit_once(':').and_then(|(c, range)| {
                let (s, _) = range.split_once('-')?;
                Some((c.to_string(), s.replace(',', "").parse::<u64>().ok()?.checked_sub(1)?))
            }) {
                Some((c, s)) => (c, s),
                None => (r.name.clone(), 0),
            };
            chromosomes.insert(chrom_key(&chrom), (start, r.sequence.to_ascii_uppercase()));
        }
        Self { chromosomes }
    }

    /// The window around a TSS at 0-based `tss` on `strand`.
    pub fn promoter_window(
        &self,
        chrom: &str,
        tss: u64,
        strand: Strand,
        upstream: u64,
        downstream: u64,
    ) -> Result<Vec<u8>, WindowError> {
        let tss = tss as i64;
        match strand {
            Strand::Forward => self.window(chrom, tss - upstream as i64, tss + downstream as i64),
            Strand::Reverse => {
                Ok(reverse_complement(&self.window(chrom, tss - downstream as i64 + 1, tss + upstream as i64 + 1)?))
            }
        }
    }

    /// Forward-strand bases of the 0-based half-open interval `[start, end)`.
    pub fn window(&self, chrom: &str, start: i64, end: i64) -> Result<Vec<u8>, WindowError> {
        let Some((offset, bases)) = self.chromosomes.get(&chrom_key(chrom)) else {
            let available = self.chromosomes.keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(WindowError::UnknownChromosome { chrom: chrom.to_string(), available });
        };
        let (lo, hi) = (start - *offset as i64, end - *offset as i64);
        if lo < 0 || hi > bases.len() as i64 || lo > hi {
            return Err(WindowError::OutOfBounds {
                chrom: chrom.to_string(),
                start,
                end,
                have_start: *offset,
                have_end: offset + bases.len() as u64,
            });
        }
        Ok(bases[lo as usize..hi as usize].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn genome() -> Genome {
        // 0-based positions 100..110 of chromosome 7.
        let r = SequenceRecord {
            name: "chr7:101-110".into(),
            description: None,
            sequence: b"AACCGGTTAC".to_vec(),
            line: 1,
        };
        Genome::from_records(vec![r])
    }

    #[test]
    fn forward_window_has_the_tss_at_index_upstream() {
        // TSS at 0-based 104 (the first G): 2 up, 3 down.
        assert_eq!(genome().promoter_window("7", 104, Strand::Forward, 2, 3).unwrap(), b"CCGGT");
    }

    #[test]
    fn reverse_window_is_the_reverse_complement_read_from_the_tss() {
        // TSS at 104 on −: upstream lies to the right. [104−3+1, 104+2+1) = [102, 107) = CCGGT → ACCGG
        let w = genome().promoter_window("chr7", 104, Strand::Reverse, 2, 3).unwrap();
        assert_eq!(w, b"ACCGG");
        assert_eq!(w[2], b'C', "index `upstream` is the complement of the TSS base G");
    }

    #[test]
    fn says_what_is_missing() {
        let e = genome().promoter_window("8", 104, Strand::Forward, 2, 3).unwrap_err();
        assert_eq!(e.to_string(), "chromosome '8' is not in the genome FASTA (it has: 7)");
        let e = genome().promoter_window("7", 101, Strand::Forward, 5, 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the window 7:96-104 (0-based, half-open) runs past the genome sequence, which covers 7:100-110"
        );
    }
}
