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

/// Text that arrives in pieces (a file read slice by slice in a browser), decompressed when it is
/// gzip or BGZF (recognised by its first bytes, as [`text_reader`] does; every member read), a
/// leading UTF-8 BOM dropped, and cut into lines. [`TextLines::push`] the pieces in order,
/// [`TextLines::finish`] after the last one; [`TextLines::next_line`] gives each complete line
/// (the last one, without a line break, once finished).
pub struct TextLines {
    kind: Option<Compression>,
    /// Bytes held until the first 14 say how the text is stored.
    head: Vec<u8>,
    decoder: Option<flate2::write::MultiGzDecoder<Vec<u8>>>,
    /// Text not yet cut into lines, from `cut` on.
    text: Vec<u8>,
    cut: usize,
    lines: usize,
    started: bool,
    finished: bool,
}

/// A line of [`TextLines`] that is not UTF-8 text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: the line is not valid UTF-8 text")]
pub struct NotText {
    pub line: usize,
}

impl Default for TextLines {
    fn default() -> Self {
        Self::new()
    }
}

impl TextLines {
    pub fn new() -> Self {
        Self {
            kind: None,
            head: Vec::new(),
            decoder: None,
            text: Vec::new(),
            cut: 0,
            lines: 0,
            started: false,
            finished: false,
        }
    }

    /// How the text is stored, once the first bytes are in.
    pub fn compression(&self) -> Option<Compression> {
        self.kind
    }

    /// Takes the next piece of the input. Damaged gzip data is an `InvalidData` error whose
    /// message says so.
    pub fn push(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.kind.is_none() {
            self.head.extend_from_slice(bytes);
            if self.head.len() < 14 {
                return Ok(());
            }
            return self.start();
        }
        self.take(bytes)
    }

    /// Says that the input ended: a gzip stream cut short is an error.
    pub fn finish(&mut self) -> io::Result<()> {
        if self.kind.is_none() {
            self.start()?;
        }
        if let Some(d) = &mut self.decoder {
            d.try_finish().map_err(damaged)?;
            self.text.append(d.get_mut());
        }
        self.finished = true;
        Ok(())
    }

    /// The next complete line (1-based number, text without its line break, `\r\n` or `\n`).
    pub fn next_line(&mut self) -> Option<Result<(usize, String), NotText>> {
        if !self.started {
            if self.text.len() < BOM.len() && !self.finished {
                return None;
            }
            self.started = true;
            if self.text.starts_with(&BOM) {
                self.cut = BOM.len();
            }
        }
        let rest = &self.text[self.cut..];
        let (line, used) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..i], i + 1),
            None if self.finished && !rest.is_empty() => (rest, rest.len()),
            None => {
                // keep only what is not cut yet
                self.text.drain(..self.cut);
                self.cut = 0;
                return None;
            }
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.lines += 1;
        let out = std::str::from_utf8(line).map(str::to_string).map_err(|_| NotText { line: self.lines });
        self.cut += used;
        Some(out.map(|t| (self.lines, t)))
    }

    fn start(&mut self) -> io::Result<()> {
        let kind = sniff(&self.head);
        self.kind = Some(kind);
        if kind != Compression::None {
            self.decoder = Some(flate2::write::MultiGzDecoder::new(Vec::new()));
        }
        let head = std::mem::take(&mut self.head);
        self.take(&head)
    }

    fn take(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.decoder {
            None => self.text.extend_from_slice(bytes),
            Some(d) => {
                std::io::Write::write_all(d, bytes).map_err(damaged)?;
                std::io::Write::flush(d).map_err(damaged)?;
                self.text.append(d.get_mut());
            }
        }
        Ok(())
    }
}

fn damaged(e: io::Error) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the gzip data is damaged or cut short ({e}); check the file with `gzip -t`"),
    )
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

    /// Every line of `bytes` pushed in pieces of `piece` bytes.
    fn pushed(bytes: &[u8], piece: usize) -> io::Result<Vec<(usize, String)>> {
        let mut t = TextLines::new();
        let mut out = Vec::new();
        for chunk in bytes.chunks(piece.max(1)) {
            t.push(chunk)?;
            while let Some(l) = t.next_line() {
                out.push(l.unwrap());
            }
        }
        t.finish()?;
        while let Some(l) = t.next_line() {
            out.push(l.unwrap());
        }
        Ok(out)
    }

    #[test]
    fn text_pushed_in_pieces_gives_the_same_lines_plain_gzip_or_multi_member() {
        let text = b"\xef\xbb\xbf##fileformat=VCFv4.2\r\n#CHROM\tPOS\n\nchr1\t5\t.\tA\tG\nlast";
        let want: Vec<(usize, String)> = ["##fileformat=VCFv4.2", "#CHROM\tPOS", "", "chr1\t5\t.\tA\tG", "last"]
            .iter()
            .enumerate()
            .map(|(i, l)| (i + 1, l.to_string()))
            .collect();
        let mut two = gzip(&text[..20]);
        two.extend(gzip(&text[20..]));
        for bytes in [text.to_vec(), gzip(text), two] {
            for piece in [1, 2, 7, 13, 14, 1000] {
                assert_eq!(pushed(&bytes, piece).unwrap(), want, "pieces of {piece}");
            }
        }
        assert_eq!(pushed(b"", 5).unwrap(), vec![]);
        assert_eq!(pushed(b"a\n", 5).unwrap(), vec![(1, "a".to_string())]);
    }

    #[test]
    fn pushed_text_that_is_damaged_or_not_text_says_so() {
        let mut cut = gzip(b"chr1\t5\t.\tA\tG\nchr1\t6\t.\tC\tG\n");
        cut.truncate(cut.len() - 6);
        let e = pushed(&cut, 8).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().starts_with("the gzip data is damaged or cut short ("), "{e}");
        assert!(e.to_string().ends_with("); check the file with `gzip -t`"), "{e}");
        let mut t = TextLines::new();
        t.push(b"ok\n\xff\xfe\n").unwrap();
        t.finish().unwrap();
        assert_eq!(t.next_line(), Some(Ok((1, "ok".into()))));
        let e = t.next_line().unwrap().unwrap_err();
        assert_eq!(e.to_string(), "line 2: the line is not valid UTF-8 text");
    }
}
