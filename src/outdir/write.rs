//! Brings the output directory up to date. Each changed file is written to a temporary file
//! in its own directory and renamed over the old one, so a reader sees the old bytes or the
//! new, never a mix; the manifest goes last. Nothing outside the directory is ever written,
//! even through a symbolic link inside it.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::emit::{MANIFEST, OutputSet};
use crate::{Error, Result};

/// What a build did.
#[derive(Debug, Default)]
pub(crate) struct Written {
    pub(crate) files: Vec<String>,
    pub(crate) removed: Vec<String>,
    pub(crate) unchanged: usize,
}

/// Brings the output directory up to date with outputs handed to it piece by piece.
pub(crate) struct Writer<'a> {
    dir: &'a Path,
    root: PathBuf,
    present: BTreeSet<String>,
    previous: Vec<String>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    written: Written,
    /// Every path produced, to know which earlier files are gone.
    produced: BTreeSet<String>,
    /// Directories already made and proved to be inside the output directory.
    safe: BTreeSet<PathBuf>,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(dir: &'a Path) -> Result<Self> {
        let present = super::list(dir)?;
        let previous = previous(dir)?;
        std::fs::create_dir_all(dir).map_err(|source| Error::WriteFile {
            path: dir.to_owned(),
            source,
        })?;
        let root = std::fs::canonicalize(dir).map_err(|source| Error::WriteFile {
            path: dir.to_owned(),
            source,
        })?;
        Ok(Self {
            dir,
            root,
            present,
            previous,
            state: Mutex::default(),
        })
    }

    /// Writes each file of `part` whose bytes differ from the file on disk.
    pub(crate) fn part(&self, part: OutputSet) -> Result<()> {
        let mut written = Vec::new();
        let mut unchanged = 0;
        for (path, file) in &part.files {
            let target = inside(&self.root, path)?;
            let parent = target.parent().expect("files have a parent").to_owned();
            let known = self
                .state
                .lock()
                .expect("no writer panics")
                .safe
                .contains(&parent);
            if !known {
                ensure_dir(&self.root, &parent)?;
                self.state
                    .lock()
                    .expect("no writer panics")
                    .safe
                    .insert(parent);
            }
            if self.present.contains(path)
                && super::read(self.dir, path)?.is_some_and(|bytes| bytes == file.bytes)
            {
                unchanged += 1;
                continue;
            }
            replace(&target, &file.bytes)?;
            written.push(path.clone());
        }
        let mut state = self.state.lock().expect("no writer panics");
        state.written.files.extend(written);
        state.written.unchanged += unchanged;
        state.produced.extend(part.files.into_keys());
        Ok(())
    }

    /// Removes the files the previous build generated that this one did not, once every
    /// output (the manifest last) has been written.
    pub(crate) fn finish(self) -> Result<Written> {
        let State {
            mut written,
            produced,
            ..
        } = self.state.into_inner().expect("no writer panics");
        for path in self.previous {
            if produced.contains(&path) || !self.present.contains(&path) || path == MANIFEST {
                continue;
            }
            let target = inside(&self.root, &path)?;
            std::fs::remove_file(&target).map_err(|source| Error::WriteFile {
                path: target.clone(),
                source,
            })?;
            remove_empty_parents(&self.root, &target);
            written.removed.push(path);
        }
        written.files.sort();
        Ok(written)
    }
}

/// Makes `dir`, refusing when it, or the nearest directory above it that exists, resolves to
/// somewhere outside `root` (a symbolic link inside the output directory).
fn ensure_dir(root: &Path, dir: &Path) -> Result<()> {
    let error = |source| Error::WriteFile {
        path: dir.to_owned(),
        source,
    };
    let existing = dir
        .ancestors()
        .find(|ancestor| ancestor.exists())
        .unwrap_or(root);
    let real = std::fs::canonicalize(existing).map_err(error)?;
    if !real.starts_with(root) {
        return Err(Error::OutsideOutput {
            path: dir.to_owned(),
        });
    }
    std::fs::create_dir_all(dir).map_err(error)
}

/// Replaces `target` with `bytes`, atomically.
fn replace(target: &Path, bytes: &[u8]) -> Result<()> {
    crate::atomic::write(target, bytes).map_err(|source| Error::WriteFile {
        path: target.to_owned(),
        source,
    })
}

/// The files the previous build recorded in its manifest.
fn previous(dir: &Path) -> Result<Vec<String>> {
    let Some(manifest) = super::read(dir, MANIFEST)? else {
        return Ok(Vec::new());
    };
    Ok(serde_json::from_slice::<serde_json::Value>(&manifest)
        .ok()
        .and_then(|manifest| {
            manifest
                .get("files")?
                .as_object()
                .map(|files| files.keys().cloned().collect())
        })
        .unwrap_or_default())
}

/// `root/path`, refusing any path that is absolute or climbs out.
fn inside(root: &Path, path: &str) -> Result<PathBuf> {
    let relative = Path::new(path);
    if relative
        .components()
        .any(|component| !matches!(component, Component::Normal(_)))
    {
        return Err(Error::OutsideOutput {
            path: relative.to_owned(),
        });
    }
    Ok(root.join(relative))
}

fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(current) = dir {
        if current == root || std::fs::remove_dir(current).is_err() {
            break;
        }
        dir = current.parent();
    }
}
