//! Reads a registry root from a git revision into [`Sources`], without a checkout, so that
//! `diff` evaluates the base exactly as it evaluates the working tree. A symbolic link is
//! followed only when it stays inside the root, as on disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use super::{Content, SourceFile, Sources};
use crate::{Error, Result};

/// A commit of the repository that holds the registry root, opened once: what `diff` and
/// `publish` read the registry from.
pub(crate) struct Revision {
    repo: Repository,
    commit: Oid,
    /// The revision as given, for messages.
    name: String,
    /// The registry root, relative to the repository's working tree.
    inside: PathBuf,
    /// The registry root as given.
    root: String,
}

impl Revision {
    /// Opens `revision` (a branch, `origin/main`, a commit, `HEAD~3`) of the repository that
    /// holds `root`.
    pub(crate) fn open(root: &Path, revision: &str) -> Result<Self> {
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
            .map_err(git)?
            .id();
        Ok(Self {
            repo,
            commit,
            name: revision.to_owned(),
            inside,
            root: root.to_string_lossy().trim_end_matches('/').to_owned(),
        })
    }

    /// The commit's full id.
    pub(crate) fn id(&self) -> Oid {
        self.commit
    }

    pub(crate) fn repository(&self) -> &Repository {
        &self.repo
    }

    /// Reads the registry root as it is at this commit.
    pub(crate) fn sources(&self) -> Result<Sources> {
        read(self)
    }
}

fn read(revision: &Revision) -> Result<Sources> {
    let Revision {
        repo,
        commit,
        name: revision,
        inside,
        root,
    } = revision;
    let git = |source| Error::Git {
        revision: revision.clone(),
        source,
    };
    let tree = repo
        .find_commit(*commit)
        .and_then(|commit| commit.tree())
        .map_err(git)?;
    let subtree = if inside.as_os_str().is_empty() {
        tree
    } else {
        let missing = || Error::NotAtRevision {
            revision: revision.clone(),
            path: inside.clone(),
        };
        let entry = tree.get_path(inside).map_err(|_| missing())?;
        repo.find_tree(entry.id()).map_err(|_| missing())?
    };
    let mut blobs: Vec<(String, Oid, bool)> = Vec::new();
    subtree
        .walk(TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob) {
                let path = format!("{dir}{}", entry.name().unwrap_or_default());
                blobs.push((path, entry.id(), entry.filemode() == 0o120_000));
            }
            TreeWalkResult::Ok
        })
        .map_err(git)?;
    let by_path: std::collections::HashMap<&str, Oid> = blobs
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
    Ok(Sources::new(format!("{revision}:{root}"), files))
}

fn text(bytes: Vec<u8>) -> Content {
    match String::from_utf8(bytes) {
        Ok(text) => Content::Text(Arc::from(text)),
        Err(error) => Content::Binary(Arc::from(error.into_bytes())),
    }
}
