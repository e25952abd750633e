//! Reads a registry root from a git revision into [`Sources`], without a checkout, so that
//! `diff` evaluates the base exactly as it evaluates the working tree. A symbolic link is
//! followed only when it stays inside the root, as on disk.

use std::path::Path;
use std::sync::Arc;

use git2::{ObjectType, Repository, TreeWalkMode, TreeWalkResult};

use super::{Content, SourceFile, Sources};
use crate::{Error, Result};

/// Reads the registry at `root` (a directory of the working tree) as it is at `revision`.
pub(crate) fn read_revision(root: &Path, revision: &str) -> Result<Sources> {
    let git = |source| Error::Git {
        revision: revision.to_owned(),
        source,
    };
    let repo = Repository::discover(root).map_err(git)?;
    let workdir = repo.workdir().ok_or_else(|| Error::Internal {
        message: "the repository has no working tree".to_owned(),
    })?;
    let canonical = |path: &Path| {
        std::fs::canonicalize(path).map_err(|source| Error::ReadDir {
            path: path.to_owned(),
            source,
        })
    };
    let inside = canonical(root)?
        .strip_prefix(canonical(workdir)?)
        .map(Path::to_owned)
        .map_err(|_| Error::Internal {
            message: "the registry root is outside its repository".to_owned(),
        })?;
    let commit = repo
        .revparse_single(revision)
        .and_then(|object| object.peel_to_commit())
        .map_err(git)?;
    let tree = commit.tree().map_err(git)?;
    let subtree = if inside.as_os_str().is_empty() {
        tree
    } else {
        let entry = tree.get_path(&inside).map_err(|_| Error::NotAtRevision {
            revision: revision.to_owned(),
            path: inside.clone(),
        })?;
        repo.find_tree(entry.id())
            .map_err(|_| Error::NotAtRevision {
                revision: revision.to_owned(),
                path: inside.clone(),
            })?
    };
    let mut blobs: Vec<(String, git2::Oid, bool)> = Vec::new();
    subtree
        .walk(TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob) {
                let path = format!("{dir}{}", entry.name().unwrap_or_default());
                blobs.push((path, entry.id(), entry.filemode() == 0o120_000));
            }
            TreeWalkResult::Ok
        })
        .map_err(git)?;
    let by_path: std::collections::HashMap<&str, git2::Oid> = blobs
        .iter()
        .filter(|(_, _, link)| !link)
        .map(|(path, id, _)| (path.as_str(), *id))
        .collect();
    let mut files = Vec::with_capacity(blobs.len());
    for (path, id, link) in &blobs {
        let bytes = repo.find_blob(*id).map_err(git)?.content().to_vec();
        let content = if *link {
            let target = String::from_utf8_lossy(&bytes).into_owned();
            let directory = path.rsplit_once('/').map_or("", |(directory, _)| directory);
            match super::normalize(directory, &target)
                .and_then(|resolved| by_path.get(resolved.as_str()))
            {
                Some(id) => text(repo.find_blob(*id).map_err(git)?.content().to_vec()),
                None => Content::Escape { target },
            }
        } else {
            text(bytes)
        };
        files.push(SourceFile {
            path: path.clone(),
            content,
        });
    }
    let display = format!(
        "{revision}:{}",
        root.to_string_lossy().trim_end_matches('/')
    );
    Ok(Sources::new(display, files))
}

fn text(bytes: Vec<u8>) -> Content {
    match String::from_utf8(bytes) {
        Ok(text) => Content::Text(Arc::from(text)),
        Err(error) => Content::Binary(Arc::from(error.into_bytes())),
    }
}
