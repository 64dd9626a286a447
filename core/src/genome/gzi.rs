//! The bgzip index (`.gzi`, as `bgzip -i` and `samtools faidx` write it): the compressed and
//! uncompressed offset at which each BGZF block starts, read by noodles-bgzf. It turns a range of
//! the uncompressed text (what the `.fai` names) into the range of whole compressed blocks that
//! hold it ([`BgzfIndex::blocks`]); those blocks, and only those, are then inflated
//! ([`BlockRange::inflate`]). Each BGZF block is a complete gzip member, so any run of whole
//! blocks inflates on its own.

use std::io::Read;

use super::IndexError;

/// Where each BGZF block starts: `(compressed offset, uncompressed offset)`, the first block's
/// `(0, 0)` included (the file leaves it out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BgzfIndex {
    blocks: Vec<(u64, u64)>,
}

/// A run of whole BGZF blocks: the file's bytes `[compressed_start, compressed_end)`, which
/// inflate to the uncompressed text from `uncompressed_start` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRange {
    pub compressed_start: u64,
    pub compressed_end: u64,
    pub uncompressed_start: u64,
}

impl BgzfIndex {
    /// Parses the bytes of a `.gzi` file.
    pub fn parse(bytes: &[u8]) -> Result<Self, IndexError> {
        let index = noodles_bgzf::gzi::io::Reader::new(bytes).read_index().map_err(|e| {
            IndexError::Gzi(format!(
                "{e} in its {} bytes (a .gzi holds a 64-bit count, then that many pairs of 64-bit offsets)",
                bytes.len()
            ))
        })?;
        Self::from_pairs(index.as_ref())
    }

    /// The index of `(compressed, uncompressed)` block starts after the first block, in file order.
    pub fn from_pairs(pairs: &[(u64, u64)]) -> Result<Self, IndexError> {
        let mut blocks = Vec::with_capacity(pairs.len() + 1);
        blocks.push((0, 0));
        for (i, &(c, u)) in pairs.iter().enumerate() {
            let (pc, pu) = blocks[blocks.len() - 1];
            if c <= pc || u < pu {
                return Err(IndexError::Gzi(format!(
                    "entry {} (compressed offset {c}, uncompressed {u}) does not come after the block before it (compressed {pc}, uncompressed {pu})",
                    i + 1
                )));
            }
            blocks.push((c, u));
        }
        Ok(Self { blocks })
    }

    /// The whole blocks that hold the uncompressed bytes `[start, end)` of a file of
    /// `compressed_len` bytes: from the last block starting at or before `start` to the first
    /// block starting at or after `end` (or the end of the file).
    pub fn blocks(&self, start: u64, end: u64, compressed_len: u64) -> BlockRange {
        let first = self.blocks.partition_point(|b| b.1 <= start).max(1) - 1;
        let next = self.blocks.partition_point(|b| b.1 < end.max(start + 1));
        let (compressed_start, uncompressed_start) = self.blocks[first];
        let compressed_end = self.blocks.get(next).map_or(compressed_len, |b| b.0).max(compressed_start);
        BlockRange { compressed_start, compressed_end, uncompressed_start }
    }
}

impl BlockRange {
    /// Whether `other` starts before this range ends (or right where it ends): one read covers both.
    pub fn touches(&self, other: &BlockRange) -> bool {
        other.compressed_start <= self.compressed_end && self.compressed_start <= other.compressed_end
    }

    /// The smallest range holding both.
    pub fn union(&self, other: &BlockRange) -> BlockRange {
        let first = if other.compressed_start < self.compressed_start { other } else { self };
        BlockRange {
            compressed_start: first.compressed_start,
            compressed_end: self.compressed_end.max(other.compressed_end),
            uncompressed_start: first.uncompressed_start,
        }
    }

    /// The uncompressed text of these blocks, from `uncompressed_start` on, given their bytes
    /// (`compressed`: the file's bytes `[compressed_start, compressed_end)`).
    pub fn inflate(&self, compressed: &[u8]) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(compressed).read_to_end(&mut out).map_err(|e| {
            format!(
                "the bgzip blocks at bytes {}-{} cannot be inflated ({e}); is the .gzi index from this file? (`gzip -t` checks the file)",
                self.compressed_start, self.compressed_end
            )
        })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data").join(name)).unwrap()
    }

    fn gzi(pairs: &[(u64, u64)]) -> Vec<u8> {
        let mut b = (pairs.len() as u64).to_le_bytes().to_vec();
        for (c, u) in pairs {
            b.extend(c.to_le_bytes());
            b.extend(u.to_le_bytes());
        }
        b
    }

    #[test]
    fn only_the_blocks_holding_a_range_are_inflated_and_give_its_bytes() {
        let plain = data("hg19_chr22_20095001_20115000.fa");
        let bgz = data("hg19_chr22_20095001_20115000.fa.bgz");
        let index = BgzfIndex::parse(&data("hg19_chr22_20095001_20115000.fa.bgz.gzi")).unwrap();
        // 4,096-byte blocks (tests/data/make_compressed.py)
        for (start, end) in [(0, 10), (4000, 4200), (4096, 4097), (8191, 8193), (5000, 15000), (20_000, plain.len())] {
            let r = index.blocks(start as u64, end as u64, bgz.len() as u64);
            assert!(r.uncompressed_start <= start as u64 && r.uncompressed_start.is_multiple_of(4096));
            let text = r.inflate(&bgz[r.compressed_start as usize..r.compressed_end as usize]).unwrap();
            let from = start - r.uncompressed_start as usize;
            assert_eq!(&text[from..from + end - start], &plain[start..end], "{start}-{end}");
            // no block more than needed: at most one block before and after the range
            assert!(text.len() <= end - start + 2 * 4096, "{start}-{end}: {} bytes inflated", text.len());
        }
    }

    #[test]
    fn block_lookup_at_the_edges() {
        let index = BgzfIndex::from_pairs(&[(100, 4096), (180, 8192)]).unwrap();
        let r = |s, e| {
            let b = index.blocks(s, e, 300);
            (b.compressed_start, b.compressed_end, b.uncompressed_start)
        };
        assert_eq!(r(0, 1), (0, 100, 0));
        assert_eq!(r(0, 4096), (0, 100, 0));
        assert_eq!(r(4095, 4097), (0, 180, 0));
        assert_eq!(r(4096, 4097), (100, 180, 4096));
        assert_eq!(r(8192, 9000), (180, 300, 8192));
        assert_eq!(r(5000, 5000), (100, 180, 4096), "an empty range: its block");
        assert_eq!(
            BgzfIndex::parse(&gzi(&[])).unwrap().blocks(10, 20, 55),
            BlockRange { compressed_start: 0, compressed_end: 55, uncompressed_start: 0 }
        );
    }

    #[test]
    fn ranges_that_share_blocks_are_read_once() {
        let index = BgzfIndex::from_pairs(&[(100, 4096), (180, 8192)]).unwrap();
        let (a, b, c) = (index.blocks(10, 20, 300), index.blocks(4000, 4100, 300), index.blocks(8200, 8300, 300));
        assert!(a.touches(&b) && b.touches(&c) && a.touches(&a));
        assert!(!a.touches(&c));
        assert_eq!(a.union(&c), BlockRange { compressed_start: 0, compressed_end: 300, uncompressed_start: 0 });
    }

    #[test]
    fn bad_indexes_and_damaged_blocks_say_what_is_wrong() {
        let e = |b: &[u8]| BgzfIndex::parse(b).unwrap_err().to_string();
        let mut cut = gzi(&[(100, 4096), (180, 8192)]);
        cut.truncate(30);
        assert_eq!(
            e(&cut),
            "not a bgzip index: failed to fill whole buffer in its 30 bytes (a .gzi holds a 64-bit count, then that many pairs of 64-bit offsets)"
        );
        let mut long = gzi(&[(100, 4096)]);
        long.push(0);
        assert_eq!(
            e(&long),
            "not a bgzip index: unexpected trailing data in its 25 bytes (a .gzi holds a 64-bit count, then that many pairs of 64-bit offsets)"
        );
        assert_eq!(
            e(&gzi(&[(100, 4096), (90, 8192)])),
            "not a bgzip index: entry 2 (compressed offset 90, uncompressed 8192) does not come after the block before it (compressed 100, uncompressed 4096)"
        );
        let bgz = data("hg19_chr22_20095001_20115000.fa.bgz");
        let index = BgzfIndex::parse(&data("hg19_chr22_20095001_20115000.fa.bgz.gzi")).unwrap();
        let r = index.blocks(5000, 6000, bgz.len() as u64);
        let wrong = BlockRange { compressed_start: r.compressed_start + 1, ..r };
        let e = wrong.inflate(&bgz[wrong.compressed_start as usize..wrong.compressed_end as usize]).unwrap_err();
        assert_eq!(
            e,
            format!(
                "the bgzip blocks at bytes {}-{} cannot be inflated (invalid gzip header); is the .gzi index from this file? (`gzip -t` checks the file)",
                wrong.compressed_start, wrong.compressed_end
            )
        );
    }
}
