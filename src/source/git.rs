//! Reads a registry root from a git revision into [`Sources`], without a checkout, so that
//! `diff` evaluates the base exactly as it evaluates the working tree: symbolic links are
//! resolved by the same rules as on disk ([`super::link`]), and a blob larger than
//! [`MAX_FILE_SIZE`] is never loaded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use super::link::{Node, Resolved, resolve};
use super::{Content, MAX_FILE_SIZE, SourceFile, Sources, Unread};
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
    let odb = repo.odb().map_err(git)?;
    let size = |id: Oid| -> Result<u64> {
        odb.read_header(id)
            .map(|(size, _)| size as u64)
            .map_err(git)
    };
    let mut nodes: HashMap<String, Node<Oid>> = HashMap::new();
    let mut listed: Result<()> = Ok(());
    subtree
        .walk(TreeWalkMode::PreOrder, |dir, entry| {
            let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
            let node = match (entry.kind(), entry.filemode()) {
                (Some(ObjectType::Blob), LINK_MODE) => {
                    let target = size(entry.id()).and_then(|size| {
                        if size > MAX_LINK_SIZE {
                            return Ok(None);
                        }
                        let blob = repo.find_blob(entry.id()).map_err(git)?;
                        Ok(Some(String::from_utf8_lossy(blob.content()).into_owned()))
                    });
                    match target {
                        Ok(Some(target)) => Node::Link(target),
                        Ok(None) => Node::Special("an oversized symbolic link"),
                        Err(error) => {
                            listed = Err(error);
                            return TreeWalkResult::Abort;
                        }
                    }
                }
                (Some(ObjectType::Blob), _) => Node::File(entry.id()),
                // A tree, or a submodule's commit: a directory in a checkout.
                _ => Node::Dir,
            };
            nodes.insert(path, node);
            TreeWalkResult::Ok
        })
        .or_else(|error| {
            if listed.is_err() {
                Ok(())
            } else {
                Err(git(error))
            }
        })?;
    listed?;
    let mut files = Vec::with_capacity(nodes.len());
    for (path, node) in &nodes {
        let content = match node {
            Node::Dir => continue,
            Node::File(id) => blob(repo, *id, size(*id)?).map_err(git)?,
            Node::Special(kind) => Content::Unread(Unread::Special { kind }),
            Node::Link(target) => match resolve(&nodes, path) {
                Resolved::File(real) => match &nodes[real] {
                    Node::File(id) => blob(repo, *id, size(*id)?).map_err(git)?,
                    _ => continue,
                },
                Resolved::Dir => continue,
                Resolved::Special(kind) => Content::Unread(Unread::Special { kind }),
                Resolved::Escape => Content::Escape {
                    target: target.clone(),
                },
                Resolved::Loop => Content::Unread(Unread::Loop {
                    target: target.clone(),
                }),
                Resolved::Dangling => Content::Unread(Unread::Dangling {
                    target: target.clone(),
                }),
            },
        };
        files.push(SourceFile {
            path: path.clone(),
            content,
        });
    }
    Ok(Sources::new(format!("{revision}:{root}"), files))
}

/// The git file mode of a symbolic link.
const LINK_MODE: i32 = 0o120_000;

/// The longest link target read; a longer one is no link a checkout could make.
const MAX_LINK_SIZE: u64 = 4096;

/// A blob's content, unless it is larger than [`MAX_FILE_SIZE`] (then it is not loaded).
fn blob(repo: &Repository, id: Oid, size: u64) -> Result<Content, git2::Error> {
    if size > MAX_FILE_SIZE {
        return Ok(Content::Unread(Unread::TooLarge { size }));
    }
    let bytes = repo.find_blob(id)?.content().to_vec();
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Content::Text(Arc::from(text)),
        Err(error) => Content::Binary(Arc::from(error.into_bytes())),
    })
}
