//! `fit --out DIR`, protected: the run works in a sibling folder `.DIR.partial` and renames it
//! into place only when the model is complete, so `DIR` always holds the old model or the new
//! one, never a mix; a lock file `.DIR.lock` refuses a second run into the same folder while one
//! is going on; a folder that already holds files is refused unless the user asks to resume its
//! run or to replace it.
//!
//! A killed run leaves `.DIR.partial` (with its checkpoint) and a stale lock behind: `--resume`
//! continues there; a fresh run starts it over. A lock whose process is gone is taken over.

use std::path::{Path, PathBuf};

use crate::fit::FitError;

/// The files a checkpoint is recognised by.
const CHECKPOINT_MARK: &str = "checkpoint/loop.json";

/// A claimed output folder: the lock is held until this is dropped.
#[derive(Debug)]
pub struct OutDir {
    out: PathBuf,
    work: PathBuf,
    lock: PathBuf,
}

/// The sibling paths of `out`: (lock file, work folder, parent).
fn siblings(out: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    let name = out.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    (parent.join(format!(".{name}.lock")), parent.join(format!(".{name}.partial")), parent)
}

/// Refuses an `--out` that already holds files, unless `resume` (continue the run whose
/// checkpoint is there) or `force` (replace the folder, at the end of the run). Call before any
/// work, with the flags as the user gave them.
pub fn refuse_existing(out: &Path, resume: bool, force: bool) -> Result<(), String> {
    if out.exists() && !out.is_dir() {
        return Err(format!("--out {} is a file; give a folder", out.display()));
    }
    if resume || force {
        return Ok(());
    }
    let Ok(entries) = std::fs::read_dir(out) else { return Ok(()) };
    let mut names: Vec<String> =
        entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let shown = if names.len() > 4 { format!("{}, …", names[..4].join(", ")) } else { names.join(", ") };
    Err(format!(
        "--out {} already holds files ({shown}); pass --force to replace the model in it when the run ends (files the run does not write stay), --resume to continue the run whose checkpoint is there, or choose another folder",
        out.display()
    ))
}

impl OutDir {
    /// Takes the lock and prepares the work folder: with `resume`, the killed run's work folder,
    /// or a copy of the finished run's checkpoint; without, a fresh empty one.
    pub fn claim(out: &Path, resume: bool) -> Result<OutDir, FitError> {
        let (lock, work, parent) = siblings(out);
        let io = |what: &str, path: &Path, e: std::io::Error| FitError::Write {
            path: path.display().to_string(),
            message: format!("{what}: {e}"),
        };
        std::fs::create_dir_all(&parent).map_err(|e| io("cannot create the folder", &parent, e))?;
        take_lock(&lock, out)?;
        let claimed = OutDir { out: out.to_path_buf(), work: work.clone(), lock };
        if resume {
            if work.join(CHECKPOINT_MARK).exists() {
                return Ok(claimed);
            }
            if !out.join(CHECKPOINT_MARK).exists() {
                return Err(FitError::Resume(format!("no checkpoint in {}", out.join("checkpoint").display())));
            }
            let _ = std::fs::remove_dir_all(&work);
            copy_dir(&out.join("checkpoint"), &work.join("checkpoint"))
                .map_err(|e| io("cannot copy the checkpoint", &work, e))?;
        } else {
            if work.exists() {
                std::fs::remove_dir_all(&work).map_err(|e| io("cannot clear a killed run's folder", &work, e))?;
            }
            std::fs::create_dir_all(&work).map_err(|e| io("cannot create the work folder", &work, e))?;
        }
        Ok(claimed)
    }

    /// Where the run writes (checkpoint, model, report) until [`OutDir::commit`].
    pub fn work(&self) -> &Path {
        &self.work
    }

    /// Puts the finished work folder in place of `out`: an old folder there is replaced, except
    /// for files the run does not write, which are kept (a recipe such as `train.toml` beside
    /// the model, say).
    pub fn commit(self) -> Result<(), FitError> {
        let fail = |what: String, e: std::io::Error| FitError::Write {
            path: self.out.display().to_string(),
            message: format!("{what}: {e}"),
        };
        if self.out.exists() {
            let (_, _, parent) = siblings(&self.out);
            let name = self.out.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
            let old = parent.join(format!(".{name}.old.{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&old);
            std::fs::rename(&self.out, &old)
                .map_err(|e| fail(format!("cannot move the old folder to {}", old.display()), e))?;
            if let Err(e) = std::fs::rename(&self.work, &self.out) {
                let _ = std::fs::rename(&old, &self.out);
                return Err(fail(format!("cannot move {} into place", self.work.display()), e));
            }
            // Files of the old folder the run did not write (a recipe, the user's notes) stay.
            for entry in std::fs::read_dir(&old).into_iter().flatten().flatten() {
                let kept = self.out.join(entry.file_name());
                if !kept.exists() {
                    std::fs::rename(entry.path(), &kept)
                        .map_err(|e| fail(format!("cannot keep {} (it is in {})", kept.display(), old.display()), e))?;
                }
            }
            let _ = std::fs::remove_dir_all(&old);
        } else {
            std::fs::rename(&self.work, &self.out)
                .map_err(|e| fail(format!("cannot move {} into place", self.work.display()), e))?;
        }
        Ok(())
    }
}

impl Drop for OutDir {
    /// A run that stops before its first checkpoint (bad data, say) leaves nothing behind; one
    /// stopped later keeps its work folder for `--resume`.
    fn drop(&mut self) {
        if self.work.exists() && !self.work.join(CHECKPOINT_MARK).exists() {
            let _ = std::fs::remove_dir_all(&self.work);
        }
        if lock_owner(&self.lock) == Some(std::process::id()) {
            let _ = std::fs::remove_file(&self.lock);
        }
    }
}

fn lock_owner(lock: &Path) -> Option<u32> {
    std::fs::read_to_string(lock).ok()?.trim().parse().ok()
}

/// Whether process `pid` is running (Linux: `/proc/PID`; elsewhere every lock counts as held).
fn alive(pid: u32) -> bool {
    if Path::new("/proc/self").exists() { Path::new(&format!("/proc/{pid}")).exists() } else { true }
}

fn take_lock(lock: &Path, out: &Path) -> Result<(), FitError> {
    use std::io::Write;
    for _ in 0..2 {
        match std::fs::OpenOptions::new().write(true).create_new(true).open(lock) {
            Ok(mut f) => {
                return f
                    .write_all(std::process::id().to_string().as_bytes())
                    .map_err(|e| FitError::Write { path: lock.display().to_string(), message: e.to_string() });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match lock_owner(lock) {
                Some(pid) if alive(pid) => {
                    return Err(FitError::Usage(format!(
                        "another regula-train fit (process {pid}) is writing to {}; wait for it to end (if no such run is going on, delete {})",
                        out.display(),
                        lock.display()
                    )));
                }
                // A killed run's lock: take it over.
                _ => {
                    let _ = std::fs::remove_file(lock);
                }
            },
            Err(e) => return Err(FitError::Write { path: lock.display().to_string(), message: e.to_string() }),
        }
    }
    Err(FitError::Usage(format!("cannot take the lock {}; delete it if no run is going on", lock.display())))
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// The `--resume` check, before any work: the options saved in the checkpoint against the ones
/// given now, naming every option that differs (`None` when they agree or there is no
/// checkpoint to compare with).
pub fn resume_differences(out: &Path, options_toml: &str) -> Option<String> {
    let (_, work, _) = siblings(out);
    let loop_json = [work.join(CHECKPOINT_MARK), out.join(CHECKPOINT_MARK)].into_iter().find(|p| p.exists())?;
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(&loop_json).ok()?).ok()?;
    let saved = state.get("options")?.as_str()?;
    let table = |text: &str| text.parse::<toml::Table>().unwrap_or_default();
    let (then, now) = (table(saved), table(options_toml));
    let mut keys: Vec<&String> = then.keys().chain(now.keys()).collect();
    keys.sort();
    keys.dedup();
    let shown = |v: Option<&toml::Value>| v.map_or_else(|| "unset".to_string(), ToString::to_string);
    let differ: Vec<String> = keys
        .into_iter()
        .filter(|k| then.get(*k) != now.get(*k))
        .map(|k| format!("{} {} now, {} in the checkpoint", k.replace('_', "-"), shown(now.get(k)), shown(then.get(k))))
        .collect();
    if differ.is_empty() {
        return None;
    }
    Some(format!(
        "cannot resume: options differ from the run in the checkpoint ({}): {}; resume with the same command (or config)",
        loop_json.display(),
        differ.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_with_files_is_refused_unless_resume_or_force() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("model");
        assert_eq!(refuse_existing(&out, false, false), Ok(()), "absent");
        std::fs::create_dir(&out).unwrap();
        assert_eq!(refuse_existing(&out, false, false), Ok(()), "empty");
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        assert_eq!(
            refuse_existing(&out, false, false).unwrap_err(),
            format!(
                "--out {} already holds files (notes.txt); pass --force to replace the model in it when the run ends (files the run does not write stay), --resume to continue the run whose checkpoint is there, or choose another folder",
                out.display()
            )
        );
        assert_eq!(refuse_existing(&out, true, false), Ok(()));
        assert_eq!(refuse_existing(&out, false, true), Ok(()));
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        assert_eq!(
            refuse_existing(&file, false, true).unwrap_err(),
            format!("--out {} is a file; give a folder", file.display())
        );
    }

    #[test]
    fn the_old_folder_stays_until_commit_then_its_model_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("model");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("train.toml"), "recipe").unwrap();
        std::fs::write(out.join("model.onnx"), "old").unwrap();
        let claimed = OutDir::claim(&out, false).unwrap();
        std::fs::write(claimed.work().join("model.onnx"), "new").unwrap();
        assert_eq!(std::fs::read_to_string(out.join("model.onnx")).unwrap(), "old", "untouched during the run");
        assert!(dir.path().join(".model.lock").exists());
        claimed.commit().unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("model")], "no lock, work or old folder left");
        assert_eq!(std::fs::read_to_string(out.join("model.onnx")).unwrap(), "new");
        assert_eq!(
            std::fs::read_to_string(out.join("train.toml")).unwrap(),
            "recipe",
            "a file the run does not write stays"
        );
    }

    #[test]
    fn a_second_run_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("model");
        let first = OutDir::claim(&out, false).unwrap();
        let e = OutDir::claim(&out, false).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "another regula-train fit (process {}) is writing to {}; wait for it to end (if no such run is going on, delete {})",
                std::process::id(),
                out.display(),
                dir.path().join(".model.lock").display()
            )
        );
        drop(first);
        assert!(!dir.path().join(".model.lock").exists(), "released");
        OutDir::claim(&out, false).unwrap();
    }

    #[test]
    fn a_killed_runs_lock_is_taken_over_and_its_work_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("model");
        // A process id that cannot be running (above the kernel's pid_max).
        std::fs::write(dir.path().join(".model.lock"), "4194305").unwrap();
        std::fs::create_dir_all(dir.path().join(".model.partial/checkpoint")).unwrap();
        std::fs::write(dir.path().join(".model.partial/checkpoint/loop.json"), "{}").unwrap();
        let claimed = OutDir::claim(&out, true).unwrap();
        assert!(claimed.work().join("checkpoint/loop.json").exists(), "the killed run's checkpoint is kept");
        drop(claimed);
        let fresh = OutDir::claim(&out, false).unwrap();
        assert!(!fresh.work().join("checkpoint").exists(), "a fresh run starts over");
    }

    #[test]
    fn resume_without_a_checkpoint_and_resume_of_a_finished_run() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("model");
        let e = OutDir::claim(&out, true).unwrap_err().to_string();
        assert_eq!(e, format!("cannot resume: no checkpoint in {}", out.join("checkpoint").display()));
        std::fs::create_dir_all(out.join("checkpoint")).unwrap();
        std::fs::write(out.join("checkpoint/loop.json"), "{}").unwrap();
        std::fs::write(out.join("model.onnx"), "finished").unwrap();
        let claimed = OutDir::claim(&out, true).unwrap();
        assert_eq!(std::fs::read_to_string(claimed.work().join("checkpoint/loop.json")).unwrap(), "{}");
        assert!(out.join("model.onnx").exists(), "the finished model stays until the resumed run commits");
    }

    #[test]
    fn resume_names_the_options_that_differ() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("model");
        std::fs::create_dir_all(out.join("checkpoint")).unwrap();
        let saved = "epochs = 3\nlr = 0.01\n";
        let json = serde_json::json!({ "options": saved }).to_string();
        std::fs::write(out.join("checkpoint/loop.json"), json).unwrap();
        assert_eq!(resume_differences(&out, saved), None);
        assert_eq!(
            resume_differences(&out, "epochs = 3\nlr = 0.5\nseed = 2\n").unwrap(),
            format!(
                "cannot resume: options differ from the run in the checkpoint ({}): lr 0.5 now, 0.01 in the checkpoint; seed 2 now, unset in the checkpoint; resume with the same command (or config)",
                out.join("checkpoint/loop.json").display()
            )
        );
    }
}
