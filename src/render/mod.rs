//! Model values → the files a reader sees: the curated list's README, archive copies, an Atom
//! feed, and `pmagg export` rows.
//!
//! Takes [`CuratedEntry`](crate::model::CuratedEntry)s and
//! [`ListablePostmortem`](crate::model::ListablePostmortem)s, which [`collect_listings`] turns
//! into one [`Listing`] per postmortem (duplicates collapsed, in a total order); the
//! submodules turn listings into text. Everything here is a pure function of its arguments, so
//! the same database (and the same README) always renders the same bytes, except the few
//! functions in this file that touch files: [`write_if_changed`] (the only writer, atomic:
//! a temporary file in the same directory, fsync, rename) and [`write_archive`]. `render`
//! never opens the database and never fetches.

pub mod archive;
pub mod export;
pub mod feed;
pub mod links;
pub mod listing;
pub mod readme;

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

pub use listing::{Listing, SourceCompany, collect_listings};

use archive::{ArchiveAction, ArchiveFile, decide, sha256_hex};

/// Why rendering failed. Each is fatal for the command that renders.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The README has neither markers nor a postmortems heading.
    #[error(
        "{} has no list to render: add a `{}` line and a `{}` line around it, or put it under a `## Postmortems` heading",
        path.display(), readme::START_MARKER, readme::END_MARKER
    )]
    NoList {
        /// The README.
        path: PathBuf,
    },
    /// The markers are missing one of a pair, repeated or out of order.
    #[error("{} has unusable pmagg markers: {detail}", path.display())]
    Markers {
        /// The README.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A file that must be text is not UTF-8.
    #[error("{} is not UTF-8 text", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The Atom feed could not be serialized.
    #[error("cannot write the feed {}", path.display())]
    Feed {
        /// The feed file.
        path: PathBuf,
        /// Why.
        #[source]
        source: atom_syndication::Error,
    },
    /// An archive path would leave the archive directory (a bad name, or a symlink in the
    /// way).
    #[error("refusing to write {} outside the archive {}", path.display(), dir.display())]
    Escape {
        /// The path.
        path: PathBuf,
        /// The archive directory.
        dir: PathBuf,
    },
}

/// Reads a text file; `None` when it does not exist.
pub fn read_text(path: &Path) -> Result<Option<String>, RenderError> {
    match read_optional(path)? {
        None => Ok(None),
        Some(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| RenderError::NotUtf8 { path: path.to_owned() }),
    }
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, RenderError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(RenderError::Read { path: path.to_owned(), source }),
    }
}

/// Whether `path` holds something other than `contents` (or nothing).
pub fn is_out_of_date(path: &Path, contents: &[u8]) -> Result<bool, RenderError> {
    Ok(read_optional(path)?.as_deref() != Some(contents))
}

/// Writes `contents` to `path` unless it already holds exactly that; `true` when it wrote.
/// An unchanged file is not touched (its mtime stays). The write is atomic: see
/// [`write_atomic`].
pub fn write_if_changed(path: &Path, contents: &[u8]) -> Result<bool, RenderError> {
    if !is_out_of_date(path, contents)? {
        return Ok(false);
    }
    write_atomic(path, contents)?;
    Ok(true)
}

/// Replaces `path` with `contents` so that a reader (or a crash) sees the old file or the new
/// one, never half of it: a temporary file in the same directory, written and fsynced, then
/// renamed over `path`, then the directory fsynced. The old file's permissions carry over.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), RenderError> {
    let write_err = |source| RenderError::Write { path: path.to_owned(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map_or_else(|| "file".into(), |n| n.to_string_lossy());
    remove_stale_temporaries(dir, &name);
    let (tmp, mut file) = {
        let mut attempt = 0;
        loop {
            let tmp = dir.join(format!(
                ".{name}.pmagg-{}-{:08x}.tmp",
                std::process::id(),
                fastrand::u32(..)
            ));
            match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(file) => break (tmp, file),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => {
                    attempt += 1;
                }
                Err(err) => return Err(write_err(err)),
            }
        }
    };
    let result = (|| {
        file.write_all(contents)?;
        if let Ok(meta) = fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if let Err(err) = result {
        let _ = fs::remove_file(&tmp);
        return Err(write_err(err));
    }
    // The rename is durable once the directory entry is; not every platform can open a
    // directory for that, and the data itself is already synced.
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
    Ok(())
}

/// Removes the temporary files that an earlier `write_atomic` of the same file left when its
/// process was killed between creating and renaming them (`.<name>.pmagg-<pid>-<hex>.tmp`),
/// so they are not published beside it. Only files of processes that no longer run are
/// removed; where that cannot be told (no `/proc`), none are.
fn remove_stale_temporaries(dir: &Path, name: &str) {
    let prefix = format!(".{name}.pmagg-");
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some(pid) = rest.strip_suffix(".tmp").and_then(|r| r.split('-').next()) else {
            continue;
        };
        let gone = pid.parse::<u32>().is_ok_and(|pid| {
            pid != std::process::id()
                && Path::new("/proc/self").exists()
                && !Path::new(&format!("/proc/{pid}")).exists()
        });
        if gone {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// What [`write_archive`] did (or, when checking, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveOutcome {
    /// Written (or out of date): path relative to the archive and the SHA-256 written.
    pub written: Vec<(String, String)>,
    /// Already up to date.
    pub unchanged: usize,
    /// Left alone: files pmagg did not write, or edited since.
    pub kept: Vec<String>,
    /// Already holding what pmagg writes but not recorded as written (a render killed between
    /// writing and recording them): path and SHA-256, to record now.
    pub adopted: Vec<(String, String)>,
}

/// Brings the archive copies under `dir` up to date (see [`archive`] for which files may be
/// replaced); with `check`, only says what it would write. `recorded` maps each relative path
/// pmagg wrote before to the SHA-256 it wrote.
pub fn write_archive<S: std::hash::BuildHasher>(
    dir: &Path,
    files: &[ArchiveFile],
    recorded: &HashMap<String, String, S>,
    check: bool,
) -> Result<ArchiveOutcome, RenderError> {
    let mut outcome = ArchiveOutcome::default();
    for file in files {
        let path = contained(dir, &file.path)?;
        let existing = read_optional(&path)?;
        let desired = file.contents.as_bytes();
        match decide(existing.as_deref(), desired, recorded.get(&file.path).map(String::as_str)) {
            ArchiveAction::Unchanged => {
                outcome.unchanged += 1;
                let hash = sha256_hex(desired);
                if recorded.get(&file.path) != Some(&hash) {
                    outcome.adopted.push((file.path.clone(), hash));
                }
            }
            ArchiveAction::Keep => outcome.kept.push(file.path.clone()),
            ArchiveAction::Write => {
                if !check {
                    if let Some(parent) = path.parent() {
                        fs::create_dir_all(parent).map_err(|source| RenderError::Write {
                            path: parent.to_owned(),
                            source,
                        })?;
                    }
                    write_atomic(&path, desired)?;
                }
                outcome.written.push((file.path.clone(), sha256_hex(desired)));
            }
        }
    }
    Ok(outcome)
}

/// `dir` joined with a relative archive path, refusing any path that could end up outside
/// `dir`: components other than plain lowercase names, or a symlink on the way.
fn contained(dir: &Path, relative: &str) -> Result<PathBuf, RenderError> {
    let escape = || RenderError::Escape { path: PathBuf::from(relative), dir: dir.to_owned() };
    let plain = |part: &str| {
        !part.is_empty()
            && !part.starts_with('.')
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b))
    };
    if !relative.split('/').all(plain)
        || !Path::new(relative).components().all(|c| matches!(c, Component::Normal(_)))
    {
        return Err(escape());
    }
    let mut path = dir.to_owned();
    for part in relative.split('/') {
        path.push(part);
        if fs::symlink_metadata(&path).is_ok_and(|meta| meta.file_type().is_symlink()) {
            return Err(escape());
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_if_changed_writes_once_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("README.md");
        assert!(write_if_changed(&path, b"one\n").unwrap());
        let mtime = fs::metadata(&path).unwrap().modified().unwrap();
        assert!(!write_if_changed(&path, b"one\n").unwrap());
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), mtime);
        assert!(write_if_changed(&path, b"two\n").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"two\n");
        let names: Vec<_> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["README.md"]);
    }

    #[test]
    fn temporaries_of_dead_writers_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".README.md.pmagg-4000000-0badcafe.tmp");
        let other = dir.path().join(".feed.xml.pmagg-4000000-0badcafe.tmp");
        fs::write(&stale, "half").unwrap();
        fs::write(&other, "half").unwrap();
        write_atomic(&dir.path().join("README.md"), b"x").unwrap();
        if Path::new("/proc/self").exists() {
            assert!(!stale.exists());
        }
        assert!(other.exists(), "another file's temporary is not ours to remove");
    }

    #[test]
    fn archive_paths_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        assert!(contained(dir.path(), "acme/01-02-2024-x.md").is_ok());
        for bad in ["../x.md", "acme/../../x.md", "/etc/passwd", "acme/.hidden", "Acme/x.md", ""] {
            assert!(matches!(contained(dir.path(), bad), Err(RenderError::Escape { .. })), "{bad}");
        }
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink(outside.path(), dir.path().join("etc")).unwrap();
            assert!(matches!(
                contained(dir.path(), "etc/01-02-2024-x.md"),
                Err(RenderError::Escape { .. })
            ));
        }
    }

    #[test]
    fn archive_files_are_written_once_and_curated_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = |contents: &str| ArchiveFile {
            path: "acme/01-02-2024-x.md".into(),
            contents: contents.into(),
            canonical_url: "https://example.com/x".into(),
        };
        let first = write_archive(dir.path(), &[file("v1")], &HashMap::new(), false).unwrap();
        assert_eq!(first.written.len(), 1);
        let recorded: HashMap<_, _> = first.written.into_iter().collect();
        let again = write_archive(dir.path(), &[file("v1")], &recorded, false).unwrap();
        assert_eq!((again.written.len(), again.unchanged), (0, 1));
        assert!(again.adopted.is_empty());
        // Written but never recorded (a kill in between): adopted as pmagg's own.
        let adopted = write_archive(dir.path(), &[file("v1")], &HashMap::new(), false).unwrap();
        assert_eq!(adopted.adopted, recorded.clone().into_iter().collect::<Vec<_>>());
        let updated = write_archive(dir.path(), &[file("v2")], &recorded, false).unwrap();
        assert_eq!(updated.written.len(), 1);
        // Edited by hand since: kept.
        fs::write(dir.path().join("acme/01-02-2024-x.md"), "curator's").unwrap();
        let recorded: HashMap<_, _> = updated.written.into_iter().collect();
        let kept = write_archive(dir.path(), &[file("v3")], &recorded, false).unwrap();
        assert_eq!(kept.kept, ["acme/01-02-2024-x.md"]);
        assert_eq!(
            fs::read_to_string(dir.path().join("acme/01-02-2024-x.md")).unwrap(),
            "curator's"
        );
    }
}
