//! Inputs as people keep them: gzip or BGZF (bgzip, the multi-member gzip of genomics tools)
//! recognised by their magic bytes, not by the file name, and a UTF-8 byte-order mark dropped.

use std::io::{self, BufRead, BufReader, Read};

/// The two bytes every gzip member (and so every BGZF block) starts with.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

/// How an input was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    /// gzip whose members carry the `BC` extra field (bgzip): random access with a `.gzi` index.
    Bgzf,
}

/// What the first bytes of an input say about its compression.
pub fn sniff(head: &[u8]) -> Compression {
    if !head.starts_with(&GZIP_MAGIC) {
        return Compression::None;
    }
    // FLG.FEXTRA, XLEN, then the subfield id 'B','C' (SAM/BAM specification, section 4.1).
    if head.len() >= 14 && head[3] & 4 != 0 && head[12] == b'B' && head[13] == b'C' {
        Compression::Bgzf
    } else {
        Compression::Gzip
    }
}

/// A reader of the text inside `inner`: decompressed when it is gzip or BGZF (every member
/// read), with a leading UTF-8 BOM skipped. Decompression errors surface as
/// `io::ErrorKind::InvalidData` whose message says the gzip data is damaged.
pub fn text_reader<'a, R: BufRead + 'a>(mut inner: R) -> io::Result<(Compression, Box<dyn BufRead + 'a>)> {
    let head = inner.fill_buf()?;
    let kind = sniff(head);
    let mut reader: Box<dyn BufRead + 'a> = match kind {
        Compression::None => Box::new(inner),
        Compression::Gzip | Compression::Bgzf => {
            Box::new(BufReader::with_capacity(1 << 16, Damaged(flate2::bufread::MultiGzDecoder::new(inner))))
        }
    };
    let head = reader.fill_buf()?;
    if head.starts_with(&BOM) {
        reader.consume(BOM.len());
    }
    Ok((kind, reader))
}

/// The whole text of `bytes` (decompressed, BOM dropped); borrowed when nothing had to change.
pub fn text_bytes(bytes: &[u8]) -> io::Result<std::borrow::Cow<'_, [u8]>> {
    match sniff(bytes) {
        Compression::None => Ok(std::borrow::Cow::Borrowed(bytes.strip_prefix(&BOM).unwrap_or(bytes))),
        _ => {
            let (_, mut r) = text_reader(bytes)?;
            let mut out = Vec::new();
            r.read_to_end(&mut out)?;
            Ok(std::borrow::Cow::Owned(out))
        }
    }
}

/// Names decompression failures for what they are.
struct Damaged<R>(R);

impl<R: Read> Read for Damaged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the gzip data is damaged or cut short ({e}); check the file with `gzip -t`"),
            ),
            _ => e,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    fn read_all(bytes: &[u8]) -> io::Result<(Compression, Vec<u8>)> {
        let (kind, mut r) = text_reader(bytes)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok((kind, out))
    }

    #[test]
    fn plain_gzip_and_multi_member_gzip_read_the_same() {
        let text = b">a\nACGT\n>b\nGGCC\n";
        assert_eq!(read_all(text).unwrap(), (Compression::None, text.to_vec()));
        assert_eq!(read_all(&gzip(text)).unwrap(), (Compression::Gzip, text.to_vec()));
        let mut two = gzip(b">a\nACGT\n");
        two.extend(gzip(b">b\nGGCC\n"));
        assert_eq!(read_all(&two).unwrap().1, text.to_vec(), "every member, as bgzip writes them");
    }

    #[test]
    fn a_bom_is_dropped_inside_or_outside_gzip() {
        let text = b"\xef\xbb\xbfid\tseq\n";
        assert_eq!(read_all(text).unwrap().1, b"id\tseq\n");
        assert_eq!(read_all(&gzip(text)).unwrap().1, b"id\tseq\n");
        assert_eq!(&*text_bytes(text).unwrap(), b"id\tseq\n");
    }

    #[test]
    fn damaged_gzip_says_so() {
        let mut bytes = gzip(b">a\nACGTACGTACGTACGT\n");
        bytes.truncate(bytes.len() - 12);
        let e = read_all(&bytes).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().starts_with("the gzip data is damaged or cut short ("), "{e}");
    }
}
