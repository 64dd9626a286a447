//! The CLI's files: inputs opened as people keep them (gzip or BGZF by magic bytes, a BOM
//! dropped) and outputs that are complete or absent (`--out`: a temporary file beside it,
//! renamed into place at the end) or streamed (standard output, where a reader that closes the
//! pipe early, as `| head` does, ends the program quietly).

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use regula_core::sequence::compressed;

/// Why a command stopped.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// An error, reported as `regula-train: MESSAGE` with exit code 1.
    Failed(String),
    /// Ran to the end but nothing could be scored: the output is written (its error column says
    /// why for each row) and the exit code is 3.
    NothingScored(String),
    /// The reader of standard output went away: not an error, exit code 0.
    BrokenPipe,
}

impl From<String> for Stop {
    fn from(message: String) -> Self {
        Stop::Failed(message)
    }
}

impl From<&str> for Stop {
    fn from(message: &str) -> Self {
        Stop::Failed(message.to_string())
    }
}

/// A text input, decompressed when it is gzip or BGZF, BOM dropped.
pub fn open_text(path: &Path) -> Result<Box<dyn BufRead>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (_, reader) = compressed::text_reader(std::io::BufReader::with_capacity(1 << 16, file))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(reader)
}

/// The whole text of an input, decompressed when it is gzip or BGZF, BOM dropped.
pub fn read_text(path: &Path) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    open_text(path)?.read_to_end(&mut bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(bytes)
}

/// The temporary file an `--out` file is written to before it is renamed into place, beside it
/// (so the rename stays on one file system); a folder, or a place in a missing folder, is refused.
pub fn temporary_beside(path: &Path) -> Result<PathBuf, String> {
    if path.is_dir() {
        return Err(format!("--out {} is a folder; give a file name", path.display()));
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(format!("--out {}: the folder {} does not exist", path.display(), dir.display()));
    }
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    Ok(dir.join(format!(".{name}.{}.tmp", std::process::id())))
}

/// Where a command's table goes.
pub struct Output {
    target: Target,
}

enum Target {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    /// Written to `tmp`, renamed to `path` by [`Output::finish`]; removed if dropped before.
    File {
        path: PathBuf,
        tmp: PathBuf,
        file: Option<std::io::BufWriter<std::fs::File>>,
    },
}

impl Output {
    /// Standard output, or `path` (checked now: a folder or an unwritable place is refused
    /// before any work; the file itself appears only when complete).
    pub fn new(path: Option<&Path>) -> Result<Output, String> {
        let Some(path) = path else {
            return Ok(Output {
                target: Target::Stdout(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout())),
            });
        };
        let tmp = temporary_beside(path)?;
        let file =
            std::fs::File::create(&tmp).map_err(|e| format!("--out {}: cannot write there: {e}", path.display()))?;
        Ok(Output {
            target: Target::File {
                path: path.to_path_buf(),
                tmp,
                file: Some(std::io::BufWriter::with_capacity(1 << 16, file)),
            },
        })
    }

    pub fn write(&mut self, text: &str) -> Result<(), Stop> {
        match &mut self.target {
            Target::Stdout(w) => w.write_all(text.as_bytes()).map_err(stdout_error),
            Target::File { path, file, .. } => file
                .as_mut()
                .expect("open until finished")
                .write_all(text.as_bytes())
                .map_err(|e| Stop::Failed(format!("writing {}: {e}", path.display()))),
        }
    }

    /// Flushes; the `--out` file is synced and renamed into place.
    pub fn finish(mut self) -> Result<(), Stop> {
        match &mut self.target {
            Target::Stdout(w) => w.flush().map_err(stdout_error),
            Target::File { path, tmp, file } => {
                let written = file.take().expect("open until finished");
                let failed = |e: std::io::Error| Stop::Failed(format!("writing {}: {e}", path.display()));
                let f = written.into_inner().map_err(|e| failed(e.into_error()))?;
                f.sync_all().map_err(failed)?;
                std::fs::rename(&*tmp, &*path).map_err(failed)
            }
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Target::File { tmp, file: Some(_), .. } = &self.target {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

fn stdout_error(e: std::io::Error) -> Stop {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Stop::BrokenPipe
    } else {
        Stop::Failed(format!("writing to standard output: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_out_file_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.tsv");
        std::fs::write(&path, "old").unwrap();
        let mut out = Output::new(Some(&path)).unwrap();
        out.write("a\tb\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old", "an unfinished output leaves the old file");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "and no temporary file");
        let mut out = Output::new(Some(&path)).unwrap();
        out.write("new\n").unwrap();
        out.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_or_a_missing_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = Output::new(Some(dir.path())).err().unwrap();
        assert_eq!(e, format!("--out {} is a folder; give a file name", dir.path().display()));
        let e = Output::new(Some(&dir.path().join("no/t.tsv"))).err().unwrap();
        assert_eq!(
            e,
            format!("--out {}/no/t.tsv: the folder {}/no does not exist", dir.path().display(), dir.path().display())
        );
    }
}
