//! A BGZF file read block by block (SAM/BAM specification, section 4.1): each block's bytes as
//! they are in the file, and its data, decompressed and checked against the block's CRC32 and
//! size. `merge-vcf` copies the blocks of annotated shards into the merged VCF as they are, rather
//! than decompressing every record and compressing it again.

use std::io::Read;
use std::path::{Path, PathBuf};

/// gzip magic, DEFLATE, FLG.FEXTRA; then (bytes 10..16) XLEN 6, subfield `BC` of length 2.
const HEADER_SIZE: usize = 18;
const TRAILER_SIZE: usize = 8;

/// One block: its bytes in the file and its data.
#[derive(Default)]
pub struct Block {
    /// The whole block as stored (header, compressed data, CRC32, ISIZE).
    pub raw: Vec<u8>,
    /// The decompressed data (empty for the end-of-file marker).
    pub data: Vec<u8>,
}

/// The blocks of a BGZF file, in order.
pub struct BlockReader<R> {
    inner: R,
    path: PathBuf,
    /// Byte offset of the next block in the file.
    offset: u64,
    inflate: flate2::Decompress,
    /// Whether the last block read was empty (the end-of-file marker is an empty block).
    last_empty: bool,
}

impl<R: Read> BlockReader<R> {
    /// Reads the blocks of `inner`; `path` names it in messages.
    pub fn new(inner: R, path: &Path) -> Self {
        BlockReader {
            inner,
            path: path.to_path_buf(),
            offset: 0,
            inflate: flate2::Decompress::new(false),
            last_empty: false,
        }
    }

    /// Reads the next block into `block`; false at the end of the file. A file that does not end
    /// with an empty block (the end-of-file marker every BGZF writer adds) is refused as truncated.
    pub fn next_block(&mut self, block: &mut Block) -> Result<bool, String> {
        let at = self.offset;
        let path = self.path.display();
        block.raw.resize(HEADER_SIZE, 0);
        let mut got = 0;
        while got < HEADER_SIZE {
            match self.inner.read(&mut block.raw[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("{path}: {e}")),
            }
        }
        if got == 0 {
            if !self.last_empty {
                return Err(format!(
                    "{path}: the file ends without the BGZF end-of-file block, so it may be cut short: write it again"
                ));
            }
            return Ok(false);
        }
        let h = &block.raw;
        if got < HEADER_SIZE
            || h[..4] != [0x1f, 0x8b, 8, 4]
            || h[10..12] != [6, 0]
            || h[12..14] != *b"BC"
            || h[14..16] != [2, 0]
        {
            return Err(format!(
                "{path}: byte {at} does not start a BGZF block (the file is not BGZF, bgzip's format, or is damaged)"
            ));
        }
        let size = usize::from(u16::from_le_bytes([h[16], h[17]])) + 1;
        if size < HEADER_SIZE + TRAILER_SIZE {
            return Err(format!("{path}: the BGZF block at byte {at} is damaged (its size field is {size})"));
        }
        block.raw.resize(size, 0);
        self.inner.read_exact(&mut block.raw[HEADER_SIZE..]).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                format!("{path}: the file ends inside the BGZF block at byte {at}, so it was cut short: write it again")
            } else {
                format!("{path}: {e}")
            }
        })?;
        self.offset += size as u64;
        let trailer = &block.raw[size - TRAILER_SIZE..];
        let crc = u32::from_le_bytes(trailer[..4].try_into().expect("4 bytes"));
        let isize = u32::from_le_bytes(trailer[4..].try_into().expect("4 bytes")) as usize;
        let damaged = |why: &str| format!("{path}: the BGZF block at byte {at} is damaged ({why})");
        if isize > 1 << 16 {
            return Err(damaged("its data would exceed 64 KiB"));
        }
        block.data.clear();
        block.data.resize(isize, 0);
        self.inflate.reset(false);
        let status = self
            .inflate
            .decompress(&block.raw[HEADER_SIZE..size - TRAILER_SIZE], &mut block.data, flate2::FlushDecompress::Finish)
            .map_err(|e| damaged(&e.to_string()))?;
        if status != flate2::Status::StreamEnd || self.inflate.total_out() != isize as u64 {
            return Err(damaged("its data is not the size it says"));
        }
        let mut sum = flate2::Crc::new();
        sum.update(&block.data);
        if sum.sum() != crc {
            return Err(damaged("CRC32 mismatch"));
        }
        self.last_empty = isize == 0;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn bgzf(parts: &[&[u8]]) -> Vec<u8> {
        let mut w = noodles_bgzf::io::Writer::new(Vec::new());
        for p in parts {
            w.write_all(p).unwrap();
            w.flush().unwrap();
        }
        w.finish().unwrap()
    }

    fn blocks(bytes: &[u8]) -> Result<Vec<(usize, Vec<u8>)>, String> {
        let mut r = BlockReader::new(bytes, Path::new("f.gz"));
        let mut b = Block::default();
        let mut out = Vec::new();
        while r.next_block(&mut b)? {
            out.push((b.raw.len(), b.data.clone()));
        }
        Ok(out)
    }

    #[test]
    fn blocks_are_read_as_written_and_their_bytes_add_up_to_the_file() {
        let file = bgzf(&[b"first\n", b"second block\n"]);
        let read = blocks(&file).unwrap();
        let data: Vec<&[u8]> = read.iter().map(|(_, d)| d.as_slice()).collect();
        assert_eq!(data, [b"first\n".as_slice(), b"second block\n", b""]);
        assert_eq!(read.iter().map(|(n, _)| n).sum::<usize>(), file.len());
        assert_eq!(read.last().unwrap().0, 28, "the end-of-file marker");
    }

    #[test]
    fn damaged_truncated_and_foreign_files_are_refused() {
        let file = bgzf(&[b"first\n"]);
        let eof = 28;
        assert_eq!(
            blocks(&file[..file.len() - eof]).unwrap_err(),
            "f.gz: the file ends without the BGZF end-of-file block, so it may be cut short: write it again"
        );
        assert_eq!(
            blocks(&file[..10]).unwrap_err(),
            "f.gz: byte 0 does not start a BGZF block (the file is not BGZF, bgzip's format, or is damaged)"
        );
        assert_eq!(
            blocks(&file[..file.len() - eof - 3]).unwrap_err(),
            "f.gz: the file ends inside the BGZF block at byte 0, so it was cut short: write it again"
        );
        let mut bad = file.clone();
        let crc_at = file.len() - eof - 8;
        bad[crc_at] ^= 1;
        assert_eq!(blocks(&bad).unwrap_err(), "f.gz: the BGZF block at byte 0 is damaged (CRC32 mismatch)");
        assert!(blocks(b"plain text\n").unwrap_err().contains("byte 0 does not start a BGZF block"));
    }
}
