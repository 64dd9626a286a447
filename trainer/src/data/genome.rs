//! Promoter windows cut from a genome FASTA around transcription start sites, strand-aware.
//!
//! A window holds `upstream` bases before the TSS and `downstream` bases from the TSS on, read
//! 5'→3' on the gene's strand, so the TSS is always at index `upstream`: for a `+` gene the
//! 0-based half-open interval `[tss − upstream, tss + downstream)`, for a `−` gene the reverse
//! complement of `[tss − downstream + 1, tss + upstream + 1)`.
//!
//! Records named `chrom:start-end` (as `samtools faidx` writes a region) are placed at that
//! 1-based start; chromosome names match with or without a `chr` prefix.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Seek, SeekFrom};
use std::path::Path;

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

use regula_core::genome::{FastaIndex, IndexError, check_bases, chrom_key, placed};
pub use regula_core::genome::{Reference, WindowError};

impl Reference for Genome {
    fn window(&self, chrom: &str, start: i64, end: i64) -> Result<Vec<u8>, WindowError> {
        Genome::window(self, chrom, start, end)
    }
}

trait ReadSeek: BufRead + Seek {}
impl<T: BufRead + Seek> ReadSeek for T {}

/// Bases read per disk access: a sorted VCF's windows mostly fall in the block of the last one.
const BLOCK: u64 = 1 << 20;

/// A reference FASTA read by region: uncompressed (with its `.fai`, or indexed on opening in
/// one streaming pass) or bgzip-compressed (with `.fai` and `.gzi`). Holds one block of
/// [`BLOCK`] bases, never the whole genome. Where a region's bases lie in the file is the shared
/// [`FastaIndex`]'s answer (the browser reads the same bytes).
pub struct IndexedGenome {
    reader: RefCell<Box<dyn ReadSeek>>,
    index: FastaIndex,
    /// The block last read: chromosome key, 0-based start within the record, bases.
    block: RefCell<Option<(String, u64, Vec<u8>)>>,
}

impl IndexedGenome {
    /// Opens `path` for reading by region, or says why it cannot be (`Ok(None)`: a gzip file
    /// that is not BGZF, or BGZF without a `.gzi`, which must be read whole instead).
    pub fn open(path: &Path) -> Result<Option<Self>, String> {
        use regula_core::sequence::compressed::{Compression, sniff};
        let cannot = |p: &Path, e: std::io::Error| format!("cannot read {}: {e}", p.display());
        let mut file = std::io::BufReader::new(std::fs::File::open(path).map_err(|e| cannot(path, e))?);
        let kind = sniff(file.fill_buf().map_err(|e| cannot(path, e))?);
        let with = |ext: &str| {
            let mut p = path.as_os_str().to_owned();
            p.push(ext);
            std::path::PathBuf::from(p)
        };
        let (fai, gzi) = (with(".fai"), with(".gzi"));
        let index = if fai.exists() {
            let bytes = std::fs::read(&fai).map_err(|e| cannot(&fai, e))?;
            FastaIndex::parse(&bytes).map_err(|e| match e {
                IndexError::SameChromosome { .. } => format!("{}: {e}", path.display()),
                _ => format!("{}: not a FASTA index: {e}", fai.display()),
            })?
        } else if kind == Compression::None {
            // No index beside it: make one in a streaming pass (nothing is kept but the index).
            // Lines of uneven width cannot be read by offset: such a file is read whole instead.
            let mut indexer = noodles_fasta::io::Indexer::new(&mut file);
            let mut records = Vec::new();
            loop {
                match indexer.index_record() {
                    Ok(Some(r)) => records.push(r),
                    Ok(None) => break,
                    Err(_) => return Ok(None),
                }
            }
            file.seek(SeekFrom::Start(0)).map_err(|e| cannot(path, e))?;
            FastaIndex::from_records(records).map_err(|e| format!("{}: {e}", path.display()))?
        } else {
            return Ok(None);
        };
        let reader: Box<dyn ReadSeek> = match kind {
            Compression::None => Box::new(file),
            Compression::Bgzf if gzi.exists() => {
                let gzi_index = noodles_bgzf::gzi::fs::read(&gzi)
                    .map_err(|e| format!("{}: not a bgzip index: {e}", gzi.display()))?;
                let file = std::fs::File::open(path).map_err(|e| cannot(path, e))?;
                Box::new(noodles_bgzf::io::IndexedReader::new(file, gzi_index))
            }
            _ => return Ok(None),
        };
        Ok(Some(Self { reader: RefCell::new(reader), index, block: RefCell::new(None) }))
    }

    /// The bytes `[start, end)` of the (uncompressed) file, or fewer where it ends.
    fn read(&self, start: u64, end: u64) -> std::io::Result<Vec<u8>> {
        let mut reader = self.reader.borrow_mut();
        reader.seek(SeekFrom::Start(start))?;
        let mut out = Vec::with_capacity((end - start) as usize);
        reader.as_mut().take(end - start).read_to_end(&mut out)?;
        Ok(out)
    }
}

impl Reference for IndexedGenome {
    fn window(&self, chrom: &str, start: i64, end: i64) -> Result<Vec<u8>, WindowError> {
        let region = self.index.locate(chrom, start, end)?;
        let (start, end) = (region.start, region.end);
        let mut block = self.block.borrow_mut();
        let hit = matches!(&*block, Some((k, s, b)) if *k == region.key && *s <= start && end <= s + b.len() as u64);
        if !hit {
            let entry = self.index.entry(chrom).expect("located above");
            let whole = entry.region(&region.key, chrom, start, end.max(start + BLOCK).min(entry.length));
            let failed = |message: String| WindowError::Read { chrom: chrom.to_string(), message };
            let bytes = self.read(whole.byte_start, whole.byte_end).map_err(|e| failed(e.to_string()))?;
            *block = Some((region.key.clone(), start, whole.bases(&bytes).map_err(failed)?));
        }
        let (_, s, b) = block.as_ref().expect("read above");
        let window = b[(start - s) as usize..(end - s) as usize].to_vec();
        // What the in-memory reader checks of the whole file, checked here of each window.
        check_bases(chrom, region.first + start, &window)?;
        Ok(window)
    }
}

impl Genome {
    pub fn from_records(records: Vec<SequenceRecord>) -> Self {
        let mut chromosomes = BTreeMap::new();
        for r in records {
            let (chrom, start) = placed(&r.name);
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
    fn an_indexed_reference_reads_the_same_windows_as_one_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.fa");
        // Two chromosomes, wrapped at 7 bases, CRLF line ends in the second.
        let one = "ACGTACGTTGCAAGGCCTTAAGGCATCGATCG";
        let two = "TTTTGGGGCCCCAAAANNNNacgtacgt";
        let wrap =
            |s: &str, eol: &str| s.as_bytes().chunks(7).map(|c| String::from_utf8_lossy(c) + eol).collect::<String>();
        std::fs::write(&path, format!(">chr1 first\n{}>chr2\r\n{}", wrap(one, "\n"), wrap(two, "\r\n"))).unwrap();
        let memory = Genome::from_records(regula_core::sequence::fasta::read_path(&path).unwrap());
        let indexed = IndexedGenome::open(&path).unwrap().unwrap();
        for (chrom, len) in [("chr1", one.len() as i64), ("2", two.len() as i64)] {
            for start in 0..len {
                for end in start..=len.min(start + 12) {
                    assert_eq!(
                        Reference::window(&indexed, chrom, start, end),
                        memory.window(chrom, start, end),
                        "{chrom}:{start}-{end}"
                    );
                }
            }
        }
        assert_eq!(indexed.window("chr1", 30, 33).unwrap_err(), memory.window("chr1", 30, 33).unwrap_err());
        assert_eq!(
            indexed.window("chr3", 0, 3).unwrap_err().to_string(),
            "chromosome 'chr3' is not in the genome FASTA (it has: 1, 2)"
        );
    }

    #[test]
    fn an_indexed_window_with_another_letter_is_an_error_and_uneven_lines_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.fa");
        std::fs::write(&path, ">c\nACGTRACGTA\n").unwrap();
        let g = IndexedGenome::open(&path).unwrap().unwrap();
        assert_eq!(g.window("c", 0, 4).unwrap(), b"ACGT");
        assert_eq!(
            g.window("c", 2, 8).unwrap_err().to_string(),
            "reading chromosome 'c' from the reference: position 5: 'R' is not a base Regula reads (A, C, G, T or N)"
        );
        std::fs::write(&path, ">c\nACG\nACGTT\nA\n").unwrap();
        assert!(IndexedGenome::open(&path).unwrap().is_none(), "lines of uneven width: read whole");
    }

    #[test]
    fn a_bgzipped_region_record_reads_as_the_plain_one() {
        let data = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data");
        let plain = data.join("hg19_chr22_20095001_20115000.fa");
        let memory = Genome::from_records(regula_core::sequence::fasta::read_path(&plain).unwrap());
        let bgzf = IndexedGenome::open(&data.join("hg19_chr22_20095001_20115000.fa.bgz")).unwrap().unwrap();
        let indexed = IndexedGenome::open(&plain).unwrap().unwrap();
        for (start, end) in [(20_095_000, 20_095_230), (20_099_000, 20_104_000), (20_114_770, 20_115_000)] {
            let want = memory.window("chr22", start, end).unwrap();
            assert_eq!(Reference::window(&bgzf, "chr22", start, end).unwrap(), want);
            assert_eq!(Reference::window(&indexed, "22", start, end).unwrap(), want);
        }
        assert_eq!(
            Reference::window(&bgzf, "22", 20_114_900, 20_115_001).unwrap_err().to_string(),
            "the window 22:20114900-20115001 (0-based, half-open) runs past the genome sequence, which covers 22:20095000-20115000"
        );
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
