//! Brings the output directory up to date. Each changed file is written to a temporary file
//! in its own directory and renamed over the old one, so a reader sees the old bytes or the
//! new, never a mix; the manifest goes last. Nothing outside the directory is ever written,
//! even through a symbolic link inside it.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::emit::{MANIFEST, OutputFile, OutputSet};
use crate::{Error, Result};

/// What a build did.
#[derive(Debug, Default)]
pub(crate) struct Written {
    pub(crate) files: Vec<String>,
    pub(crate) removed: Vec<String>,
    pub(crate) unchanged: usize,
}

/// Brings `dir` up to date with `outputs`.
pub(crate) fn write(outputs: &OutputSet, dir: &Path) -> Result<Written> {
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
    // Every directory is made, and proved to be inside the output directory, before any
    // file is written.
    let mut parents: BTreeSet<PathBuf> = BTreeSet::new();
    for path in outputs.files.keys() {
        let target = inside(&root, path)?;
        parents.insert(target.parent().expect("files have a parent").to_owned());
    }
    for parent in &parents {
        ensure_dir(&root, parent)?;
    }
    let files: Vec<(&String, &OutputFile)> = outputs
        .files
        .iter()
        .filter(|(path, _)| *path != MANIFEST)
        .collect();
    let update = |(path, file): &(&String, &OutputFile)| -> Result<bool> {
        if present.contains(*path)
            && super::read(dir, path)?.is_some_and(|bytes| bytes == file.bytes)
        {
            return Ok(false);
        }
        replace(&inside(&root, path)?, &file.bytes)?;
        Ok(true)
    };
    let mut report = Written::default();
    let written = super::in_parallel(&files, update);
    // The manifest goes last: until it is written, the previous one still lists every file
    // the previous build made.
    let manifest = outputs.files.get_key_value(MANIFEST);
    for ((path, _), written) in files.iter().copied().chain(manifest).zip(
        written
            .into_iter()
            .chain(manifest.map(|manifest| update(&manifest))),
    ) {
        if written? {
            report.files.push(path.clone());
        } else {
            report.unchanged += 1;
        }
    }
    for path in previous {
        if outputs.files.contains_key(&path) || !present.contains(&path) {
            continue;
        }
        let target = inside(&root, &path)?;
        std::fs::remove_file(&target).map_err(|source| Error::WriteFile {
            path: target.clone(),
            source,
        })?;
        remove_empty_parents(&root, &target);
        report.removed.push(path);
    }
    Ok(report)
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

/// Replaces `target` with `bytes`: a temporary file beside it, renamed over it.
fn replace(target: &Path, bytes: &[u8]) -> Result<()> {
    let parent = target.parent().expect("files have a parent");
    let error = |source| Error::WriteFile {
        path: target.to_owned(),
        source,
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".registry-")
        .tempfile_in(parent)
        .map_err(error)?;
    temporary.write_all(bytes).map_err(error)?;
    temporary
        .persist(target)
        .map_err(|failed| error(failed.error))?;
    Ok(())
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
