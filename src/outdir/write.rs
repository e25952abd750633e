//! Brings the output directory up to date. Each changed file is written to a temporary file
//! in its own directory and renamed over the old one, so a reader sees the old bytes or the
//! new, never a mix; the manifest goes last. Nothing outside the directory is ever written,
//! even through a symbolic link inside it.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::emit::{MANIFEST, OutputSet};
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
    let mut report = Written::default();
    let mut checked: BTreeSet<PathBuf> = BTreeSet::new();
    let ordered = outputs
        .files
        .iter()
        .filter(|(path, _)| *path != MANIFEST)
        .chain(outputs.files.get_key_value(MANIFEST));
    for (path, file) in ordered {
        if present.contains(path)
            && super::read(dir, path)?.is_some_and(|bytes| bytes == file.bytes)
        {
            report.unchanged += 1;
            continue;
        }
        let target = inside(&root, path)?;
        let parent = target.parent().expect("files have a parent").to_owned();
        if checked.insert(parent.clone()) {
            std::fs::create_dir_all(&parent).map_err(|source| Error::WriteFile {
                path: parent.clone(),
                source,
            })?;
            let real = std::fs::canonicalize(&parent).map_err(|source| Error::WriteFile {
                path: parent.clone(),
                source,
            })?;
            if !real.starts_with(&root) {
                return Err(Error::OutsideOutput { path: target });
            }
        }
        let mut temporary = tempfile::Builder::new()
            .prefix(".registry-")
            .tempfile_in(&parent)
            .map_err(|source| Error::WriteFile {
                path: target.clone(),
                source,
            })?;
        temporary
            .write_all(&file.bytes)
            .map_err(|source| Error::WriteFile {
                path: target.clone(),
                source,
            })?;
        temporary
            .persist(&target)
            .map_err(|error| Error::WriteFile {
                path: target.clone(),
                source: error.error,
            })?;
        report.files.push(path.clone());
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
