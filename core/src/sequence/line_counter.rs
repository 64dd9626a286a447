//! A `BufRead` adapter that counts the lines consumed through it, so that readers built on
//! noodles (which reports no positions) can still say on which line a record started.

use std::io::{self, BufRead, Read};

pub(crate) struct LineCounter<R> {
    inner: R,
    /// Newlines consumed so far.
    newlines: usize,
}

impl<R: BufRead> LineCounter<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self { inner, newlines: 0 }
    }

    /// 1-based number of the line the next byte belongs to.
    pub(crate) fn line(&self) -> usize {
        self.newlines + 1
    }

    /// Whether only whitespace is left before the next `>`-line or EOF (peeks without consuming).
    pub(crate) fn peek_byte(&mut self) -> io::Result<Option<u8>> {
        Ok(self.inner.fill_buf()?.first().copied())
    }
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += buf[..n].iter().filter(|&&b| b == b'\n').count();
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let amt = amt.min(buf.len());
            self.newlines += buf[..amt].iter().filter(|&&b| b == b'\n').count();
        }
        self.inner.consume(amt);
    }
}
