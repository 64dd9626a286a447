//! Reading the windows of many variants from a reference file by byte range, without reading
//! the file whole: what the browser does with `File.slice`, planned here so that it is the same
//! code as the rest and tested natively.
//!
//! [`plan_reads`] turns the windows a chunk of variants needs into regions (windows of a
//! chromosome less than `gap` bases apart merged into one, up to `max` bases) and the regions
//! into reads of the file: for a plain FASTA one read per region, its bytes as the `.fai` names
//! them; for a bgzip-compressed one the whole BGZF blocks that hold it (from the `.gzi`), reads
//! that share a block merged into one. [`read_regions`] turns a read's bytes into its regions'
//! bases (inflating the blocks first), or the reason they could not be read.

use super::{BgzfIndex, BlockRange, FastaIndex, Region};

/// One read of the reference file: its bytes `[file_start, file_end)` (compressed bytes for a
/// bgzip-compressed file, whose `blocks` then say where they inflate to) hold `regions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    pub file_start: u64,
    pub file_end: u64,
    pub blocks: Option<BlockRange>,
    pub regions: Vec<Region>,
}

/// The reads that give the bases of `windows` (chromosome, 0-based half-open genomic interval).
/// Windows the index cannot place (unknown chromosome, off its end) are left out: whoever asks
/// for them gets the index's error. `gzi` is given for a bgzip-compressed file of
/// `compressed_len` bytes.
pub fn plan_reads(
    index: &FastaIndex,
    gzi: Option<&BgzfIndex>,
    compressed_len: u64,
    windows: &[(String, u64, u64)],
    gap: u64,
    max: u64,
) -> Vec<Read> {
    let mut located: Vec<Region> =
        windows.iter().filter_map(|(chrom, s, e)| index.locate(chrom, *s as i64, *e as i64).ok()).collect();
    located.sort_by(|a, b| (&a.key, a.start, a.end).cmp(&(&b.key, b.start, b.end)));
    let mut merged: Vec<(String, String, u64, u64)> = Vec::new();
    for r in located {
        match merged.last_mut() {
            Some((key, _, s, e)) if *key == r.key && r.start <= *e + gap && r.end.max(*e) - *s <= max => {
                *e = r.end.max(*e);
            }
            _ => merged.push((r.key.clone(), r.chrom.clone(), r.start, r.end)),
        }
    }
    let regions: Vec<Region> = merged
        .into_iter()
        .map(|(key, chrom, s, e)| index.entry_by_key(&key).expect("located above").region(&key, &chrom, s, e))
        .collect();
    let Some(gzi) = gzi else {
        return regions
            .into_iter()
            .map(|r| Read { file_start: r.byte_start, file_end: r.byte_end, blocks: None, regions: vec![r] })
            .collect();
    };
    let mut blocks: Vec<(BlockRange, Region)> =
        regions.into_iter().map(|r| (gzi.blocks(r.byte_start, r.byte_end, compressed_len), r)).collect();
    blocks.sort_by_key(|(b, r)| (b.compressed_start, r.byte_start));
    let mut reads: Vec<Read> = Vec::new();
    for (b, r) in blocks {
        match reads.last_mut() {
            Some(read) if read.blocks.is_some_and(|have| have.touches(&b)) => {
                let joined = read.blocks.expect("checked").union(&b);
                read.blocks = Some(joined);
                read.file_start = joined.compressed_start;
                read.file_end = joined.compressed_end;
                read.regions.push(r);
            }
            _ => reads.push(Read {
                file_start: b.compressed_start,
                file_end: b.compressed_end,
                blocks: Some(b),
                regions: vec![r],
            }),
        }
    }
    reads
}

/// The bases of each region of `read`, from the read's bytes (`bytes`: the file's bytes
/// `[file_start, file_end)`, or fewer where the file ends), or why they could not be read.
pub fn read_regions(read: &Read, bytes: &[u8]) -> Vec<(Region, Result<Vec<u8>, String>)> {
    let (text, origin) = match &read.blocks {
        None => (std::borrow::Cow::Borrowed(bytes), read.file_start),
        Some(b) => match b.inflate(bytes) {
            Ok(t) => (std::borrow::Cow::Owned(t), b.uncompressed_start),
            Err(e) => return read.regions.iter().map(|r| (r.clone(), Err(e.clone()))).collect(),
        },
    };
    read.regions
        .iter()
        .map(|r| {
            let clip = |at: u64| ((at - origin) as usize).min(text.len());
            (r.clone(), r.bases(&text[clip(r.byte_start)..clip(r.byte_end)]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::{Reference, RegionGenome};

    fn data(name: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data").join(name)).unwrap()
    }

    /// The 20 kb chr22 slice: index, plain text, bgzip text and its index.
    fn slice() -> (FastaIndex, Vec<u8>, Vec<u8>, BgzfIndex) {
        let index = FastaIndex::parse(&data("hg19_chr22_20095001_20115000.fa.bgz.fai")).unwrap();
        let gzi = BgzfIndex::parse(&data("hg19_chr22_20095001_20115000.fa.bgz.gzi")).unwrap();
        (index, data("hg19_chr22_20095001_20115000.fa"), data("hg19_chr22_20095001_20115000.fa.bgz"), gzi)
    }

    /// Every read done as planned, its regions added to a [`RegionGenome`].
    fn read_all<'a>(index: &'a FastaIndex, reads: &[Read], file: &[u8]) -> RegionGenome<'a> {
        let mut g = RegionGenome::new(index);
        for read in reads {
            let bytes = &file[read.file_start as usize..(read.file_end as usize).min(file.len())];
            for (region, bases) in read_regions(read, bytes) {
                g.add(&region, bases);
            }
        }
        g
    }

    #[test]
    fn planned_reads_give_every_window_from_plain_and_bgzip_files_alike() {
        let (index, plain, bgz, gzi) = slice();
        let seq: Vec<u8> = plain.split(|b| *b == b'\n').skip(1).flatten().copied().collect();
        let windows: Vec<(String, u64, u64)> = [
            ("chr22", 20_095_000, 20_095_230),
            ("22", 20_100_000, 20_100_230),
            ("chr22", 20_100_100, 20_100_330),
            ("chr22", 20_104_000, 20_104_232),
            ("chr22", 20_114_770, 20_115_000),
            ("chr7", 100, 330),
            ("chr22", 20_114_900, 20_115_130),
        ]
        .iter()
        .map(|(c, s, e)| (c.to_string(), *s, *e))
        .collect();
        let plain_reads = plan_reads(&index, None, plain.len() as u64, &windows, 1000, 1 << 20);
        let bgz_reads = plan_reads(&index, Some(&gzi), bgz.len() as u64, &windows, 1000, 1 << 20);
        // the two overlapping windows are one region; chr7 and the window off the end are not read
        assert_eq!(plain_reads.len(), 4);
        assert!(plain_reads.iter().all(|r| r.regions.len() == 1 && r.blocks.is_none()));
        // 4,096-byte blocks: the first region's blocks are its own, the others' are shared or adjacent
        assert!(bgz_reads.len() < plain_reads.len(), "{bgz_reads:?}");
        let read_bytes: u64 = bgz_reads.iter().map(|r| r.file_end - r.file_start).sum();
        assert!(read_bytes < bgz.len() as u64, "not the whole file: {read_bytes} of {}", bgz.len());
        for (file, reads) in [(&plain, &plain_reads), (&bgz, &bgz_reads)] {
            let g = read_all(&index, reads, file);
            for (chrom, s, e) in &windows[..5] {
                let want = &seq[(s - 20_095_000) as usize..(e - 20_095_000) as usize];
                assert_eq!(g.window(chrom, *s as i64, *e as i64).unwrap(), want, "{chrom}:{s}-{e}");
            }
            assert_eq!(
                g.window("chr7", 100, 330).unwrap_err().to_string(),
                "chromosome 'chr7' is not in the genome FASTA (it has: 22)"
            );
            assert_eq!(
                g.window("chr22", 20_114_900, 20_115_130).unwrap_err().to_string(),
                "the window chr22:20114900-20115130 (0-based, half-open) runs past the genome sequence, which covers chr22:20095000-20115000"
            );
        }
    }

    #[test]
    fn windows_are_merged_within_the_gap_and_up_to_the_maximum() {
        let index = FastaIndex::parse(b"chr1\t100000\t6\t60\t61\nchr2\t100000\t101679\t60\t61\n").unwrap();
        let w = |c: &str, s: u64| (c.to_string(), s, s + 10);
        let spans = |windows: &[(String, u64, u64)], gap, max| -> Vec<(String, u64, u64)> {
            plan_reads(&index, None, 0, windows, gap, max)
                .iter()
                .map(|r| (r.regions[0].key.clone(), r.regions[0].start, r.regions[0].end))
                .collect()
        };
        let windows = [w("chr1", 500), w("chr2", 100), w("chr1", 100), w("chr1", 115), w("chr1", 140)];
        assert_eq!(
            spans(&windows, 20, 1000),
            vec![("1".into(), 100, 150), ("1".into(), 500, 510), ("2".into(), 100, 110)]
        );
        assert_eq!(
            spans(&windows, 20, 30),
            vec![("1".into(), 100, 125), ("1".into(), 140, 150), ("1".into(), 500, 510), ("2".into(), 100, 110)]
        );
        assert_eq!(spans(&windows, 0, 1000).len(), 5, "gap 0: only overlapping or touching windows merge");
    }

    #[test]
    fn a_read_that_fails_names_why_for_each_of_its_regions() {
        let (index, plain, bgz, gzi) = slice();
        let windows = vec![("chr22".to_string(), 20_100_000, 20_100_230)];
        let reads = plan_reads(&index, None, plain.len() as u64, &windows, 0, 1 << 20);
        let cut = &plain[reads[0].file_start as usize..reads[0].file_end as usize - 5];
        let got = read_regions(&reads[0], cut);
        assert_eq!(got[0].1, Err("the file is shorter than its index says".to_string()));
        let reads = plan_reads(&index, Some(&gzi), bgz.len() as u64, &windows, 0, 1 << 20);
        let mut damaged = bgz[reads[0].file_start as usize..reads[0].file_end as usize].to_vec();
        damaged[30] ^= 0xff;
        let got = read_regions(&reads[0], &damaged);
        let e = got[0].1.clone().unwrap_err();
        assert!(
            e.starts_with(&format!(
                "the bgzip blocks at bytes {}-{} cannot be inflated (",
                reads[0].file_start, reads[0].file_end
            )),
            "{e}"
        );
    }
}
