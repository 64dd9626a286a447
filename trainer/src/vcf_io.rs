//! VCF files for `score-variants`: the input read from the start or by region — through its
//! tabix (`.tbi`) or CSI index when it is bgzipped and has one, else filtered while streaming —
//! each record kept as its text; the annotated output, plain or bgzipped with its tabix index
//! built as it is written, complete or absent (temporary files renamed into place at the end).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use noodles_bgzf as bgzf;
use noodles_csi::BinningIndex;
use noodles_csi::binning_index::index::reference_sequence::bin::Chunk;

use crate::io::Stop;
use crate::regions::Regions;

/// One VCF data line as read: its text (no line end) and 1-based line number, 0 when it was read
/// through the index (by seeking, so its line is unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord {
    pub line: usize,
    pub text: String,
}

impl RawRecord {
    /// The record's chromosome (its first field).
    pub fn chrom(&self) -> &str {
        self.text.split('\t').next().unwrap_or_default()
    }

    /// Its POS, when the second field is a number.
    pub fn pos(&self) -> Option<u64> {
        self.text.split('\t').nth(1)?.parse().ok()
    }

    /// Where it is, for messages: `line N`, or `CHROM:POS` when read through the index.
    pub fn place(&self) -> String {
        if self.line > 0 {
            format!("line {}", self.line)
        } else {
            format!("{}:{}", self.chrom(), self.text.split('\t').nth(1).unwrap_or_default())
        }
    }
}

/// A VCF being read.
pub struct VcfInput {
    path: PathBuf,
    /// The header lines (the `#` lines before the first record), without line ends.
    pub header: Vec<String>,
    source: Source,
    /// Chromosomes of the records read, in order of first appearance (or, through an index, the
    /// index's chromosomes).
    seen: Vec<String>,
    regions: Option<Regions>,
    bgzf: bool,
}

#[allow(clippy::large_enum_variant)] // one per input
enum Source {
    /// Every line from the start; with regions, the records outside them are skipped.
    Stream { reader: Box<dyn BufRead>, line: usize, first: Option<RawRecord> },
    /// Region by region through the index: the intervals left, the chunks of the current one.
    Indexed {
        reader: Box<bgzf::io::Reader<File>>,
        index: noodles_vcf::index::Index,
        plan: VecDeque<(usize, String, u64, u64)>,
        chunks: VecDeque<Chunk>,
        current: Option<(String, u64, u64)>,
        chunk_end: Option<bgzf::VirtualPosition>,
        last: Option<bgzf::VirtualPosition>,
    },
}

fn text_line(path: &Path, line: usize, bytes: Vec<u8>) -> Result<String, String> {
    let mut text = String::from_utf8(bytes).map_err(|_| {
        format!("{}, line {line}: the line is not valid UTF-8 text; is this a VCF file?", path.display())
    })?;
    while text.ends_with(['\n', '\r']) {
        text.pop();
    }
    Ok(text)
}

/// Whether the file at `path` is BGZF (by its first block's header).
fn is_bgzf(path: &Path) -> Result<bool, String> {
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let mut head = [0u8; 18];
    let mut file = File::open(path).map_err(cannot)?;
    let mut n = 0;
    while n < head.len() {
        match std::io::Read::read(&mut file, &mut head[n..]).map_err(cannot)? {
            0 => break,
            k => n += k,
        }
    }
    Ok(regula_core::sequence::compressed::sniff(&head[..n]) == regula_core::sequence::compressed::Compression::Bgzf)
}

/// A line's bytes as text, its line end (and carriage returns before it) dropped.
fn as_text<'a>(path: &Path, line: usize, bytes: &'a [u8]) -> Result<&'a str, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        format!("{}, line {line}: the line is not valid UTF-8 text; is this a VCF file?", path.display())
    })?;
    Ok(text.trim_end_matches(['\n', '\r']))
}

impl VcfInput {
    /// Opens `path` (plain, gzip or BGZF) and reads its header; with `regions`, only records whose
    /// POS lies in them will be read — through the index when the file is BGZF with a `.tbi` or
    /// `.csi` beside it (a warning says when that index is older than the file), else by reading
    /// every line and skipping the others.
    pub fn open(path: &Path, regions: Option<Regions>) -> Result<Self, String> {
        if let Some(regions) = &regions
            && let Some(input) = Self::open_indexed(path, regions)?
        {
            return Ok(input);
        }
        let mut reader = crate::io::open_text(path)?;
        let mut header = Vec::new();
        let mut line = 0;
        let first = loop {
            let mut buf = Vec::new();
            let n = reader.read_until(b'\n', &mut buf).map_err(|e| format!("{}: {e}", path.display()))?;
            if n == 0 {
                break None;
            }
            line += 1;
            let text = text_line(path, line, buf)?;
            if text.starts_with('#') {
                header.push(text);
            } else {
                break Some(RawRecord { line, text });
            }
        };
        Ok(VcfInput {
            path: path.to_path_buf(),
            header,
            source: Source::Stream { reader, line, first },
            seen: Vec::new(),
            regions,
            bgzf: is_bgzf(path)?,
        })
    }

    fn open_indexed(path: &Path, regions: &Regions) -> Result<Option<Self>, String> {
        let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
        if !is_bgzf(path)? {
            return Ok(None);
        }
        let with = |ext: &str| {
            let mut p = path.as_os_str().to_owned();
            p.push(ext);
            PathBuf::from(p)
        };
        let (tbi, csi) = (with(".tbi"), with(".csi"));
        let (index_path, index) = if tbi.exists() {
            let index =
                noodles_tabix::fs::read(&tbi).map_err(|e| format!("{}: not a tabix index: {e}", tbi.display()))?;
            (tbi, noodles_vcf::index::Index::Tabix(index))
        } else if csi.exists() {
            let index = noodles_csi::fs::read(&csi).map_err(|e| format!("{}: not a CSI index: {e}", csi.display()))?;
            (csi, noodles_vcf::index::Index::Csi(index))
        } else {
            return Ok(None);
        };
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        if let (Some(data), Some(idx)) = (modified(path), modified(&index_path))
            && idx < data
        {
            eprintln!(
                "regula-train: warning: {} is older than {}; if the file changed after it was indexed, index it again (tabix -p vcf)",
                index_path.display(),
                path.display()
            );
        }
        let names: Vec<String> = index
            .header()
            .map(|h| h.reference_sequence_names().iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect())
            .unwrap_or_default();
        let mut plan = VecDeque::new();
        for (id, name) in names.iter().enumerate() {
            for &(start, end) in regions.intervals(name) {
                plan.push_back((id, name.clone(), start, end));
            }
        }
        let mut reader = Box::new(bgzf::io::Reader::new(File::open(path).map_err(cannot)?));
        let mut header = Vec::new();
        for line in 1.. {
            let mut buf = Vec::new();
            if reader.read_until(b'\n', &mut buf).map_err(cannot)? == 0 || buf[0] != b'#' {
                break;
            }
            header.push(text_line(path, line, buf)?);
        }
        Ok(Some(VcfInput {
            path: path.to_path_buf(),
            header,
            source: Source::Indexed {
                reader,
                index,
                plan,
                chunks: VecDeque::new(),
                current: None,
                chunk_end: None,
                last: None,
            },
            seen: names,
            regions: Some(regions.clone()),
            bgzf: true,
        }))
    }

    /// Whether the file is BGZF (bgzip's format).
    pub fn bgzf(&self) -> bool {
        self.bgzf
    }

    /// Whether records come through the index.
    pub fn indexed(&self) -> bool {
        matches!(self.source, Source::Indexed { .. })
    }

    /// The next data record (in a region, when regions were given), skipping blank lines and
    /// `#` lines between records.
    pub fn next_record(&mut self) -> Result<Option<RawRecord>, String> {
        let path = self.path.clone();
        match &mut self.source {
            Source::Stream { reader, line, first } => loop {
                let record = match first.take() {
                    Some(r) => r,
                    None => {
                        let mut buf = Vec::new();
                        let n = reader.read_until(b'\n', &mut buf).map_err(|e| format!("{}: {e}", path.display()))?;
                        if n == 0 {
                            return Ok(None);
                        }
                        *line += 1;
                        RawRecord { line: *line, text: text_line(&path, *line, buf)? }
                    }
                };
                if record.text.trim().is_empty() || record.text.starts_with('#') {
                    continue;
                }
                let chrom = record.chrom();
                if self.seen.last().map(String::as_str) != Some(chrom) && !self.seen.iter().any(|c| c == chrom) {
                    self.seen.push(chrom.to_string());
                }
                // A line whose POS is not a number is kept: scoring says what is wrong with it.
                if let (Some(regions), Some(pos)) = (&self.regions, record.pos())
                    && !regions.contains(chrom, pos)
                {
                    continue;
                }
                return Ok(Some(record));
            },
            Source::Indexed { reader, index, plan, chunks, current, chunk_end, last } => loop {
                let cannot = |e: std::io::Error| format!("{}: {e}", path.display());
                if current.is_none() {
                    let Some((id, name, start, end)) = plan.pop_front() else { return Ok(None) };
                    let interval = noodles_core::region::Interval::from(
                        noodles_core::Position::try_from(start as usize).map_err(|e| e.to_string())?
                            ..=noodles_core::Position::try_from(end.min(i32::MAX as u64) as usize)
                                .map_err(|e| e.to_string())?,
                    );
                    *chunks = index.query(id, interval).map_err(cannot)?.into();
                    *current = Some((name, start, end));
                    *chunk_end = None;
                }
                if chunk_end.is_none_or(|e| reader.virtual_position() >= e) {
                    match chunks.pop_front() {
                        Some(chunk) => {
                            reader.seek(chunk.start()).map_err(cannot)?;
                            *chunk_end = Some(chunk.end());
                        }
                        None => {
                            *current = None;
                            continue;
                        }
                    }
                }
                let at = reader.virtual_position();
                let mut buf = Vec::new();
                if reader.read_until(b'\n', &mut buf).map_err(cannot)? == 0 {
                    *chunk_end = None;
                    chunks.clear();
                    continue;
                }
                // Chunks may overlap: a record is read once.
                if last.is_some_and(|l| at <= l) {
                    continue;
                }
                let record = RawRecord { line: 0, text: text_line(&path, 0, buf)? };
                let (name, start, end) = current.as_ref().expect("set above");
                if record.chrom() == name && record.pos().is_some_and(|p| *start <= p && p <= *end) {
                    *last = Some(at);
                    return Ok(Some(record));
                }
            },
        }
    }

    /// What to tell the user about regions no record was read from: each chromosome named by a
    /// region that the VCF does not have (with the VCF's spelling of it, when it differs only by
    /// a `chr` prefix).
    pub fn region_warnings(&self) -> Vec<String> {
        let Some(regions) = &self.regions else { return Vec::new() };
        let key = |c: &str| c.strip_prefix("chr").unwrap_or(c).to_string();
        regions
            .chroms()
            .iter()
            .filter(|c| !self.seen.contains(c))
            .map(|c| {
                let alike: Vec<&String> = self.seen.iter().filter(|s| key(s) == key(c)).collect();
                match alike.first() {
                    Some(s) => format!(
                        "no record of {} is on '{c}', a chromosome named in the regions; the VCF calls it '{s}': name regions as the VCF does",
                        self.path.display()
                    ),
                    None => format!(
                        "no record of {} is on '{c}', a chromosome named in the regions (the VCF has: {})",
                        self.path.display(),
                        if self.seen.is_empty() { "no records".to_string() } else { self.seen.join(", ") }
                    ),
                }
            })
            .collect()
    }
}

/// `path` with `ext` appended (`x.vcf.gz` → `x.vcf.gz.tbi`).
pub fn with_extension(path: &Path, ext: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(ext);
    PathBuf::from(p)
}

/// The files a run may write (`x.vcf.gz` and its index), named by the option `flag` (`--out`,
/// `--to`): an existing one is refused unless `force`, before any work.
pub fn refuse_existing(flag: &str, paths: &[PathBuf], force: bool) -> Result<(), String> {
    if force {
        return Ok(());
    }
    match paths.iter().find(|p| p.exists()) {
        Some(p) => Err(format!(
            "{flag}: {} already exists; pass --force to replace it when the run ends (it stays as it is until then), or choose another name",
            p.display()
        )),
        None => Ok(()),
    }
}

enum Sink {
    Plain(BufWriter<File>),
    Bgzf(BgzfSink),
    Stdout(BufWriter<std::io::Stdout>),
}

/// A BGZF output: data compressed into blocks as it comes, or (`merge-vcf`) whole blocks of
/// another BGZF file copied as they are; virtual positions count both.
struct BgzfSink {
    /// Always set, but for the moment of a switch.
    state: Option<BgzfState>,
}

enum BgzfState {
    /// Compressing; `base` is the file offset at which `writer` began.
    Compressing { writer: bgzf::io::Writer<BufWriter<File>>, base: u64 },
    /// Copying blocks; `position` is the file offset of the next one.
    Copying { file: BufWriter<File>, position: u64 },
}

impl BgzfSink {
    fn new(file: BufWriter<File>) -> Self {
        BgzfSink { state: Some(BgzfState::Compressing { writer: bgzf::io::Writer::new(file), base: 0 }) }
    }

    fn virtual_position(&self) -> bgzf::VirtualPosition {
        let (compressed, uncompressed) = match self.state.as_ref().expect("set") {
            BgzfState::Compressing { writer, base } => {
                let v = writer.virtual_position();
                (base + v.compressed(), v.uncompressed())
            }
            BgzfState::Copying { position, .. } => (*position, 0),
        };
        bgzf::VirtualPosition::try_from((compressed, uncompressed)).expect("a BGZF file stays under 256 TiB")
    }

    /// The block compressor (which goes on at the file's offset when blocks were being copied).
    fn compressor(&mut self) -> &mut bgzf::io::Writer<BufWriter<File>> {
        if let Some(BgzfState::Copying { file, position }) =
            self.state.take_if(|s| matches!(s, BgzfState::Copying { .. }))
        {
            self.state = Some(BgzfState::Compressing { writer: bgzf::io::Writer::new(file), base: position });
        }
        match self.state.as_mut().expect("set") {
            BgzfState::Compressing { writer, .. } => writer,
            BgzfState::Copying { .. } => unreachable!("switched above"),
        }
    }

    /// Ends the block being compressed, if any: what follows starts a new block.
    fn end_block(&mut self) -> std::io::Result<()> {
        match self.state.as_mut().expect("set") {
            BgzfState::Compressing { writer, .. } => writer.flush(),
            BgzfState::Copying { .. } => Ok(()),
        }
    }

    /// Writes `raw`, one whole BGZF block, as it is (the data being compressed ends its block
    /// first); returns the block's offset in the file.
    fn copy_block(&mut self, raw: &[u8]) -> std::io::Result<u64> {
        if let Some(BgzfState::Compressing { mut writer, base }) =
            self.state.take_if(|s| matches!(s, BgzfState::Compressing { .. }))
        {
            let flushed = writer.flush();
            let position = base + writer.position();
            self.state = Some(BgzfState::Copying { file: writer.into_inner(), position });
            flushed?;
        }
        let Some(BgzfState::Copying { file, position }) = self.state.as_mut() else { unreachable!("switched above") };
        let at = *position;
        file.write_all(raw)?;
        *position += raw.len() as u64;
        Ok(at)
    }

    /// Ends the last block and adds the end-of-file marker.
    fn finish(mut self) -> std::io::Result<BufWriter<File>> {
        self.compressor();
        match self.state.take().expect("set") {
            BgzfState::Compressing { writer, .. } => writer.finish(),
            BgzfState::Copying { .. } => unreachable!("switched above"),
        }
    }
}

/// An annotated VCF being written: to standard output, or to `--out` through a temporary file
/// beside it (bgzipped when `--out` ends in `.gz` or `.bgz`, then with a tabix index built as the
/// records go), renamed into place by [`VcfOutput::finish`]; dropped unfinished, it leaves nothing.
pub struct VcfOutput {
    sink: Option<Sink>,
    path: Option<PathBuf>,
    tmp: Option<PathBuf>,
    header: noodles_vcf::Header,
    indexer: Option<noodles_vcf::index::Indexer>,
    /// Why no index can be built (records out of order), once known.
    unindexable: Option<String>,
    records: usize,
    /// The chromosome and position of the record indexed last.
    last: Option<(String, usize)>,
}

/// Whether `--out` names a bgzipped file.
pub fn bgzipped(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".gz") || name.ends_with(".bgz")
}

impl VcfOutput {
    /// Starts the output with the header `lines` (checked by noodles: the file written must be
    /// one other tools read).
    pub fn create(path: Option<&Path>, lines: &[String], input: &Path) -> Result<Self, Stop> {
        let text = lines.join("\n") + "\n";
        let header: noodles_vcf::Header = text.parse().map_err(|e| {
            format!(
                "{}: the VCF header cannot be read ({e}); an annotated VCF needs a valid header: fix it, or write a table (--out NAME.tsv)",
                input.display()
            )
        })?;
        let (sink, tmp, indexer) = match path {
            None => (Sink::Stdout(BufWriter::with_capacity(1 << 16, std::io::stdout())), None, None),
            Some(path) => {
                let tmp = crate::io::temporary_beside(path)?;
                let file =
                    File::create(&tmp).map_err(|e| format!("--out {}: cannot write there: {e}", path.display()))?;
                let file = BufWriter::with_capacity(1 << 16, file);
                if bgzipped(path) {
                    let mut builder = noodles_vcf::index::Indexer::builder();
                    let longest = header.contigs().values().filter_map(|c| c.length()).max();
                    if let Some(max) = longest.and_then(|n| noodles_core::Position::try_from(n).ok()) {
                        builder = builder.set_max_position_hint(max);
                    }
                    let indexer = builder.build().ok();
                    (Sink::Bgzf(BgzfSink::new(file)), Some(tmp), indexer)
                } else {
                    (Sink::Plain(file), Some(tmp), None)
                }
            }
        };
        let mut out = VcfOutput {
            sink: Some(sink),
            path: path.map(Path::to_path_buf),
            tmp,
            header,
            indexer,
            unindexable: None,
            records: 0,
            last: None,
        };
        out.write_bytes(text.as_bytes())?;
        // The records start a BGZF block of their own (as bcftools writes): `merge-vcf` then
        // copies a shard's records as the blocks they are in.
        if let Some(Sink::Bgzf(w)) = out.sink.as_mut() {
            let ended = w.end_block();
            ended.map_err(|e| out.failed(e))?;
        }
        Ok(out)
    }

    fn failed(&self, e: std::io::Error) -> Stop {
        match &self.path {
            None if e.kind() == std::io::ErrorKind::BrokenPipe => Stop::BrokenPipe,
            None => Stop::Failed(format!("writing to standard output: {e}")),
            Some(p) => Stop::Failed(format!("writing {}: {e}", p.display())),
        }
    }

    fn write_bytes(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        let result = match self.sink.as_mut().expect("open until finished") {
            Sink::Plain(w) => w.write_all(bytes),
            Sink::Bgzf(w) => w.compressor().write_all(bytes),
            Sink::Stdout(w) => w.write_all(bytes),
        };
        result.map_err(|e| self.failed(e))
    }

    /// Writes one data line (no line end) and indexes it.
    pub fn write_record(&mut self, line: &str) -> Result<(), Stop> {
        let start = match self.sink.as_ref() {
            Some(Sink::Bgzf(w)) => Some(w.virtual_position()),
            _ => None,
        };
        self.write_bytes(line.as_bytes())?;
        self.write_bytes(b"\n")?;
        self.records += 1;
        if let (Some(start), Some(Sink::Bgzf(w))) = (start, self.sink.as_ref()) {
            let end = w.virtual_position();
            self.index(line, Chunk::new(start, end));
        }
        Ok(())
    }

    /// Whether [`VcfOutput::append_bgzf`] can copy blocks into this output (a BGZF file).
    pub fn copies_blocks(&self) -> bool {
        matches!(self.sink, Some(Sink::Bgzf(_)))
    }

    /// Appends the records of the BGZF VCF `blocks` reads (`path` in messages), skipping its
    /// header lines (the caller compares them), as a loop of [`VcfInput::next_record`] and
    /// [`VcfOutput::write_record`] would, but without compressing again what is already
    /// compressed: a block is copied as it is when every line starting in it is a record (not
    /// `#`, not blank, no carriage return) and the line running into it, if any, was copied too;
    /// the others (the header's, say) are decompressed and their records written as usual. The
    /// records are indexed either way. Only for an output that [`VcfOutput::copies_blocks`].
    pub fn append_bgzf<R: std::io::Read>(
        &mut self,
        blocks: &mut crate::bgzf_blocks::BlockReader<R>,
        path: &Path,
    ) -> Result<(), Stop> {
        let vp =
            |c: u64, u: usize| bgzf::VirtualPosition::try_from((c, u as u16)).expect("a BGZF file stays under 256 TiB");
        let mut block = crate::bgzf_blocks::Block::default();
        // The line being read, from its start (maybe in an earlier block) to where the blocks
        // read so far end; where it starts in the output when its start was copied.
        let mut line: Vec<u8> = Vec::new();
        let mut copied_from: Option<bgzf::VirtualPosition> = None;
        let mut number = 0usize;
        while blocks.next_block(&mut block)? {
            let data = &block.data;
            if data.is_empty() {
                continue;
            }
            let starts_line = |i: usize| if i == 0 { line.is_empty() } else { data[i - 1] == b'\n' };
            let copy = (line.is_empty() || copied_from.is_some())
                && !data.contains(&b'\r')
                && (0..data.len())
                    .filter(|&i| starts_line(i))
                    .all(|i| data[i] != b'#' && !data[i].is_ascii_whitespace());
            if copy {
                let Some(Sink::Bgzf(w)) = self.sink.as_mut() else { unreachable!("copies_blocks") };
                let at = w.copy_block(&block.raw).map_err(|e| self.failed(e))?;
                let next = at + block.raw.len() as u64;
                let mut i = 0;
                for piece in data.split_inclusive(|&b| b == b'\n') {
                    let j = i + piece.len();
                    if piece.last() != Some(&b'\n') {
                        if line.is_empty() {
                            copied_from = Some(vp(at, i));
                        }
                        line.extend_from_slice(piece);
                        break;
                    }
                    number += 1;
                    let start = copied_from.take().unwrap_or_else(|| vp(at, i));
                    let end = if j == data.len() { vp(next, 0) } else { vp(at, j) };
                    self.records += 1;
                    if line.is_empty() {
                        self.index(as_text(path, number, piece)?, Chunk::new(start, end));
                    } else {
                        line.extend_from_slice(piece);
                        self.index(as_text(path, number, &line)?, Chunk::new(start, end));
                        line.clear();
                    }
                    i = j;
                }
                continue;
            }
            for piece in data.split_inclusive(|&b| b == b'\n') {
                let complete = piece.last() == Some(&b'\n');
                if copied_from.is_some() {
                    // The rest of a record whose start was copied.
                    let rest = if complete { &piece[..piece.len() - 1] } else { piece };
                    let rest = rest.strip_suffix(b"\r").unwrap_or(rest);
                    self.write_bytes(rest)?;
                    line.extend_from_slice(rest);
                    if complete {
                        self.write_bytes(b"\n")?;
                        number += 1;
                        let end = match self.sink.as_ref() {
                            Some(Sink::Bgzf(w)) => w.virtual_position(),
                            _ => unreachable!("copies_blocks"),
                        };
                        let start = copied_from.take().expect("checked");
                        self.records += 1;
                        self.index(as_text(path, number, &line)?, Chunk::new(start, end));
                        line.clear();
                    }
                    continue;
                }
                line.extend_from_slice(piece);
                if complete {
                    number += 1;
                    self.decompressed_line(as_text(path, number, &line)?, number)?;
                    line.clear();
                }
            }
        }
        if let Some(start) = copied_from {
            // The last record had no line end.
            self.write_bytes(b"\n")?;
            let end = match self.sink.as_ref() {
                Some(Sink::Bgzf(w)) => w.virtual_position(),
                _ => unreachable!("copies_blocks"),
            };
            self.records += 1;
            self.index(as_text(path, number + 1, &line)?, Chunk::new(start, end));
        } else if !line.is_empty() {
            self.decompressed_line(as_text(path, number + 1, &line)?, number + 1)?;
        }
        Ok(())
    }

    /// One whole line (`number`) of [`VcfOutput::append_bgzf`]'s input, not copied: written
    /// when it is a record (header lines, `#` lines and blank lines are not), as [`VcfInput`]
    /// reads records.
    fn decompressed_line(&mut self, text: &str, number: usize) -> Result<(), Stop> {
        let text = if number == 1 { text.strip_prefix('\u{feff}').unwrap_or(text) } else { text };
        if text.trim().is_empty() || text.starts_with('#') {
            return Ok(());
        }
        self.write_record(text)
    }

    fn index(&mut self, line: &str, chunk: Chunk) {
        let Some(indexer) = self.indexer.as_mut() else { return };
        let record = match noodles_vcf::Record::try_from(line.as_bytes()) {
            Ok(r) => r,
            Err(e) => {
                self.unindexable = Some(format!("record {} cannot be indexed: {e}", self.records));
                self.indexer = None;
                return;
            }
        };
        let start = match record.variant_start() {
            Some(Ok(p)) => p,
            _ => {
                self.unindexable = Some(format!("record {} has no position", self.records));
                self.indexer = None;
                return;
            }
        };
        let end = noodles_vcf::variant::Record::variant_end(&record, &self.header).unwrap_or(start).max(start);
        let chrom = record.reference_sequence_name();
        if indexer.add_record(chrom, start, end, chunk).is_err() {
            let before = self.last.as_ref().map_or_else(String::new, |(c, p)| format!(" comes after {c}:{p}"));
            self.unindexable = Some(format!(
                "its records are not sorted by chromosome and position ({chrom}:{start}{before}); sort the input VCF (bcftools sort) for an indexed output"
            ));
            self.indexer = None;
            return;
        }
        self.last = Some((chrom.to_string(), usize::from(start)));
    }

    /// Data records written so far.
    pub fn records(&self) -> usize {
        self.records
    }

    /// Flushes, syncs and renames the output (and writes its index) into place; with `--force`,
    /// an older index of the same name is removed first, so no index describes another file.
    /// Returns a warning when no index could be written (records out of order).
    pub fn finish(mut self) -> Result<Option<String>, Stop> {
        let sink = self.sink.take().expect("open until finished");
        let file = match sink {
            Sink::Stdout(mut w) => {
                w.flush().map_err(|e| self.failed(e))?;
                return Ok(None);
            }
            Sink::Plain(w) => w.into_inner().map_err(|e| self.failed(e.into_error()))?,
            Sink::Bgzf(w) => {
                let inner = w.finish().map_err(|e| self.failed(e))?;
                inner.into_inner().map_err(|e| self.failed(e.into_error()))?
            }
        };
        file.sync_all().map_err(|e| self.failed(e))?;
        let (path, tmp) = (self.path.clone().expect("a file"), self.tmp.take().expect("a file"));
        let failed = |e: std::io::Error| Stop::Failed(format!("writing {}: {e}", path.display()));
        let index = self.indexer.take().map(|i| i.build());
        let index_tmp = match &index {
            Some(index) => {
                let tmp = crate::io::temporary_beside(&with_extension(&path, index_extension(index)))?;
                let written = match index {
                    noodles_vcf::index::Index::Tabix(i) => noodles_tabix::fs::write(&tmp, i),
                    noodles_vcf::index::Index::Csi(i) => noodles_csi::fs::write(&tmp, i),
                };
                if let Err(e) = written.and_then(|_| File::open(&tmp)?.sync_all()) {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(failed(e));
                }
                Some(tmp)
            }
            None => None,
        };
        if bgzipped(&path) {
            for ext in [".tbi", ".csi"] {
                let old = with_extension(&path, ext);
                if old.exists() {
                    std::fs::remove_file(&old).map_err(failed)?;
                }
            }
        }
        std::fs::rename(&tmp, &path).map_err(failed)?;
        if let (Some(index), Some(tmp)) = (&index, index_tmp) {
            std::fs::rename(&tmp, with_extension(&path, index_extension(index))).map_err(failed)?;
        }
        Ok(if bgzipped(&path) {
            self.unindexable.take().map(|why| format!("{} was written without an index: {why}", path.display()))
        } else {
            None
        })
    }
}

fn index_extension(index: &noodles_vcf::index::Index) -> &'static str {
    match index {
        noodles_vcf::index::Index::Tabix(_) => ".tbi",
        noodles_vcf::index::Index::Csi(_) => ".csi",
    }
}

impl Drop for VcfOutput {
    fn drop(&mut self) {
        if let Some(tmp) = &self.tmp {
            self.sink = None;
            let _ = std::fs::remove_file(tmp);
        }
    }
}
