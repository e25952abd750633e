//! Where a run works, resolved once from the command line and the settings: the registry root,
//! its output directory, and the store that `publish` and `fetch` use by default. The output
//! directory is checked here, once, and handed on as an [`OutputDir`]: a real directory of its
//! own, never the registry root, inside it or above it, never a symbolic link nor reached
//! through one inside the repository, never `.git` nor holding it.

use std::fmt;
use std::os::fd::{AsFd as _, OwnedFd};
use std::path::{Component, Path, PathBuf};

use rustix::fs::{Mode, OFlags};

use crate::diagnostic::{Code, Diagnostic, Location};
use crate::model::Settings;
use crate::source::{SETTINGS_FILE, Sources, locate};
use crate::{Error, Result};

/// The registry root a command works on, as given on the command line.
#[derive(Debug)]
pub(crate) struct Workspace {
    root: PathBuf,
}

/// A store to open: its URL, and the directory a relative `file://` path is taken from.
#[derive(Debug)]
pub(crate) struct StoreTarget {
    pub(crate) url: String,
    pub(crate) base: PathBuf,
}

/// An output directory that has passed every check: `path` is absolute, and each of its
/// components that exists is a real directory (no symbolic link) below the repository's top.
/// The writer and the comparer open it, and everything in it, without following a link.
#[derive(Debug)]
pub(crate) struct OutputDir {
    /// As the user knows it: `--out` as given, or `generatedPath` beside the root as given.
    shown: String,
    path: PathBuf,
}

/// Why a directory cannot be the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Unsafe {
    Empty,
    Absolute,
    /// A `.` or `..` component, where only plain names may be.
    Climbs,
    /// The directory, or one on the way to it, is a symbolic link.
    Link {
        path: PathBuf,
    },
    NotADirectory {
        path: PathBuf,
    },
    Inaccessible {
        path: PathBuf,
        error: String,
    },
    IsRoot,
    HoldsRoot,
    InsideRoot,
    OutsideRepository {
        top: PathBuf,
    },
    HoldsGit,
    InsideGit,
    CurrentDirectory,
}

impl fmt::Display for Unsafe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "it is empty"),
            Self::Absolute => write!(f, "it is an absolute path"),
            Self::Climbs => write!(f, "it has a `.` or `..` component"),
            Self::Link { path } => write!(f, "`{}` is a symbolic link", path.display()),
            Self::NotADirectory { path } => write!(f, "`{}` is not a directory", path.display()),
            Self::Inaccessible { path, error } => {
                write!(f, "`{}` cannot be examined: {error}", path.display())
            }
            Self::IsRoot => write!(f, "it is the registry root"),
            Self::HoldsRoot => write!(f, "it holds the registry root"),
            Self::InsideRoot => write!(f, "it is inside the registry root"),
            Self::OutsideRepository { top } => write!(
                f,
                "it is outside the repository (or directory) `{}` that holds the registry",
                top.display()
            ),
            Self::HoldsGit => write!(f, "it holds `.git`"),
            Self::InsideGit => write!(f, "it is inside `.git`"),
            Self::CurrentDirectory => write!(f, "it is the current directory"),
        }
    }
}

impl Workspace {
    pub(crate) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The directory that holds the registry root.
    fn beside(&self) -> PathBuf {
        match self.root.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => self.root.join(".."),
        }
    }

    /// Where outputs go, checked: `out` if given (a bad one is an [`Error`], exit code 2),
    /// else the settings' `generatedPath` beside the root (a bad one is a diagnostic on the
    /// settings).
    pub(crate) fn output_dir(
        &self,
        settings: &Settings,
        sources: &Sources,
        out: Option<&Path>,
    ) -> Result<Result<OutputDir, Box<Diagnostic>>> {
        let root = std::fs::canonicalize(&self.root).map_err(|source| Error::ReadDir {
            path: self.root.clone(),
            source,
        })?;
        let top = repository_top(&root);
        if let Some(out) = out {
            let cwd = std::env::current_dir().map_err(|source| Error::ReadDir {
                path: PathBuf::from("."),
                source,
            })?;
            return match check_out(out, &cwd, &root, top.as_deref()) {
                Ok(path) => Ok(Ok(OutputDir {
                    shown: out.to_string_lossy().into_owned(),
                    path,
                })),
                Err(reason) => Err(Error::UnsafeOutputDir {
                    path: out.to_owned(),
                    reason: reason.to_string(),
                }),
            };
        }
        let generated = &settings.generated_path;
        let shown = if self.root == Path::new(".") || self.root.as_os_str().is_empty() {
            Path::new("..").join(generated)
        } else {
            match self.root.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.join(generated),
                _ => PathBuf::from(generated),
            }
        };
        match check_generated_path(generated, &root, top.as_deref()) {
            Ok(path) => Ok(Ok(OutputDir {
                shown: shown.to_string_lossy().into_owned(),
                path,
            })),
            Err(reason) => Ok(Err(Box::new(unsafe_diagnostic(
                sources, generated, &shown, &reason,
            )))),
        }
    }

    /// The store a command uses: the one `given`, else the settings' `publish.url` (a relative
    /// directory is taken from the registry root), else `published/` beside the registry root.
    pub(crate) fn store(&self, given: Option<&str>, settings: Option<&Settings>) -> StoreTarget {
        if let Some(given) = given {
            return StoreTarget {
                url: given.to_owned(),
                base: PathBuf::from("."),
            };
        }
        if let Some(url) = settings.and_then(|settings| settings.publish.url.as_ref()) {
            return StoreTarget {
                url: url.clone(),
                base: self.root.clone(),
            };
        }
        StoreTarget {
            url: "file://published".to_owned(),
            base: self.beside(),
        }
    }
}

impl OutputDir {
    /// The directory as the user knows it, for messages.
    /// The directory's absolute path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    /// The directory, open, or `None` when it does not exist.
    pub(crate) fn open(&self) -> Result<Option<OwnedFd>> {
        match open_dir(&self.path) {
            Ok(fd) => Ok(Some(fd)),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(errno) => Err(self.refused(errno)),
        }
    }

    /// The directory, made (each new directory flushed to its parent) if it does not exist,
    /// and open.
    pub(crate) fn create(&self) -> Result<OwnedFd> {
        let mut missing = Vec::new();
        let mut existing = self.path.as_path();
        while matches!(
            std::fs::symlink_metadata(existing),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound
        ) {
            let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
                break;
            };
            missing.push(name);
            existing = parent;
        }
        let mut dir = open_dir(existing).map_err(|errno| self.refused(errno))?;
        for name in missing.into_iter().rev() {
            match rustix::fs::mkdirat(&dir, name, Mode::from_raw_mode(0o777)) {
                Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                Err(errno) => {
                    return Err(Error::WriteFile {
                        path: self.path.clone(),
                        source: errno.into(),
                    });
                }
            }
            rustix::fs::fsync(&dir).map_err(|errno| Error::WriteFile {
                path: self.path.clone(),
                source: errno.into(),
            })?;
            dir = crate::outdir::open_dir_at(dir.as_fd(), name)
                .map_err(|errno| self.refused(errno))?;
        }
        Ok(dir)
    }

    /// The error for a directory that cannot be opened, or is no longer a real directory.
    fn refused(&self, errno: rustix::io::Errno) -> Error {
        if matches!(errno, rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) {
            Error::OutsideOutput {
                path: self.path.clone(),
            }
        } else {
            Error::ReadDir {
                path: self.path.clone(),
                source: errno.into(),
            }
        }
    }
}

/// Opens the directory at `path`, refusing a symbolic link in its last component.
fn open_dir(path: &Path) -> rustix::io::Result<OwnedFd> {
    rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// The top of the git working tree that holds `root`, if any.
fn repository_top(root: &Path) -> Option<PathBuf> {
    let repo = git2::Repository::discover(root).ok()?;
    let top = std::fs::canonicalize(repo.workdir()?).ok()?;
    root.starts_with(&top).then_some(top)
}

/// The real, absolute output directory that `generatedPath` names: plain names only, taken
/// from the directory that holds the registry root, with no symbolic link on the way, inside
/// the repository (or, outside any repository, the directory that holds the root).
pub(crate) fn check_generated_path(
    generated: &str,
    root: &Path,
    top: Option<&Path>,
) -> Result<PathBuf, Unsafe> {
    let relative = Path::new(generated);
    if generated.is_empty() {
        return Err(Unsafe::Empty);
    }
    if relative.has_root() {
        return Err(Unsafe::Absolute);
    }
    if generated
        .split('/')
        .any(|part| matches!(part, "" | "." | ".."))
        || relative
            .components()
            .any(|component| !matches!(component, Component::Normal(_)))
    {
        return Err(Unsafe::Climbs);
    }
    let beside = root.parent().unwrap_or(root);
    let boundary = top.unwrap_or(beside);
    let path = walk(beside, relative, Path::new("/"))?;
    if !path.starts_with(boundary) {
        return Err(Unsafe::OutsideRepository {
            top: boundary.to_owned(),
        });
    }
    owned(&path, root)?;
    Ok(path)
}

/// The real, absolute output directory `--out` names, from `cwd`: links outside the
/// repository (a system's `/tmp`) are followed, none inside it. The operator chose it, so it
/// may be outside the repository, but never the current directory.
pub(crate) fn check_out(
    out: &Path,
    cwd: &Path,
    root: &Path,
    top: Option<&Path>,
) -> Result<PathBuf, Unsafe> {
    if out.as_os_str().is_empty() {
        return Err(Unsafe::Empty);
    }
    let beside = root.parent().unwrap_or(root);
    let boundary = top.unwrap_or(beside);
    let path = if out.has_root() {
        walk(Path::new("/"), out, boundary)?
    } else {
        walk(cwd, out, boundary)?
    };
    if path == cwd {
        return Err(Unsafe::CurrentDirectory);
    }
    owned(&path, root)?;
    Ok(path)
}

/// Follows `rest` from the real directory `start` as the kernel would, refusing a symbolic
/// link at or below `inside`, a component that is not a directory, `..` after a directory
/// that does not exist, and any `.git`. The result is real as far as it exists.
fn walk(start: &Path, rest: &Path, inside: &Path) -> Result<PathBuf, Unsafe> {
    let mut current = start.to_owned();
    let mut missing = false;
    for component in rest.components() {
        match component {
            Component::RootDir => current = PathBuf::from("/"),
            Component::CurDir => {}
            Component::ParentDir if missing => return Err(Unsafe::Climbs),
            Component::ParentDir => {
                current.pop();
            }
            Component::Prefix(_) => return Err(Unsafe::Absolute),
            Component::Normal(name) => {
                if name == ".git" {
                    return Err(Unsafe::InsideGit);
                }
                current.push(name);
                if missing {
                    continue;
                }
                match std::fs::symlink_metadata(&current) {
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => missing = true,
                    Err(error) => {
                        return Err(Unsafe::Inaccessible {
                            path: current,
                            error: error.to_string(),
                        });
                    }
                    Ok(metadata) if metadata.file_type().is_symlink() => {
                        if current.starts_with(inside) {
                            return Err(Unsafe::Link { path: current });
                        }
                        current = std::fs::canonicalize(&current)
                            .map_err(|_| Unsafe::Link { path: current })?;
                        if current.starts_with(inside) {
                            return Err(Unsafe::Link { path: current });
                        }
                        if !current.is_dir() {
                            return Err(Unsafe::NotADirectory { path: current });
                        }
                    }
                    Ok(metadata) if !metadata.is_dir() => {
                        return Err(Unsafe::NotADirectory { path: current });
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    if current
        .components()
        .any(|component| component.as_os_str() == ".git")
    {
        return Err(Unsafe::InsideGit);
    }
    Ok(current)
}

/// Refuses a real directory that is, holds or lies inside the registry root, or holds `.git`.
fn owned(path: &Path, root: &Path) -> Result<(), Unsafe> {
    if path == root {
        return Err(Unsafe::IsRoot);
    }
    if root.starts_with(path) {
        return Err(Unsafe::HoldsRoot);
    }
    if path.starts_with(root) {
        return Err(Unsafe::InsideRoot);
    }
    if std::fs::symlink_metadata(path.join(".git")).is_ok() {
        return Err(Unsafe::HoldsGit);
    }
    Ok(())
}

/// The diagnostic for a `generatedPath` that cannot be the output directory.
fn unsafe_diagnostic(
    sources: &Sources,
    generated: &str,
    shown: &Path,
    reason: &Unsafe,
) -> Diagnostic {
    let diagnostic = Diagnostic::error(
        Code::UnsafeOutputDir,
        format!(
            "`generatedPath` `{}` cannot be the output directory: {reason}",
            crate::text::shown(generated, 200)
        ),
    )
    .note(format!(
        "the output directory would be `{}`",
        crate::text::shown(&shown.to_string_lossy(), 200)
    ))
    .help(
        "set `generatedPath` to a directory of its own beside the registry root, such as \
         `generated`; nothing was read or written there",
    );
    let Some(file) = sources.get(SETTINGS_FILE) else {
        return diagnostic;
    };
    let location = sources
        .text(file)
        .and_then(|text| {
            let settings = serde_json::json!({ "generatedPath": generated });
            locate::Tree::parse(text).value(&settings, "/generatedPath")
        })
        .map_or(Location::File { file }, |range| Location::Span {
            file,
            range,
        });
    diagnostic.primary(location, "not a directory the registry may own")
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::{Unsafe, check_generated_path, check_out};

    /// A repository with `registry/` in it: its top, and the registry root.
    fn repository() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let top = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(top.join(".git")).unwrap();
        std::fs::create_dir_all(top.join("registry/lib")).unwrap();
        (dir, top.clone(), top.join("registry"))
    }

    #[test]
    fn generated_path_is_plain_names_beside_the_root() {
        let (_dir, top, root) = repository();
        let check = |generated: &str| check_generated_path(generated, &root, Some(&top));
        assert_eq!(check("generated"), Ok(top.join("generated")));
        assert_eq!(check("out/generated"), Ok(top.join("out/generated")));
        assert_eq!(check(""), Err(Unsafe::Empty));
        assert_eq!(check("/etc"), Err(Unsafe::Absolute));
        for climbing in [".", "..", "../elsewhere", "a/../b", "a/./b", "a//b", "a/"] {
            assert_eq!(check(climbing), Err(Unsafe::Climbs), "{climbing}");
        }
        assert_eq!(check("registry"), Err(Unsafe::IsRoot));
        assert_eq!(check("registry/generated"), Err(Unsafe::InsideRoot));
        assert_eq!(check("registry/lib"), Err(Unsafe::InsideRoot));
        assert_eq!(check(".git"), Err(Unsafe::InsideGit));
        assert_eq!(check(".git/x"), Err(Unsafe::InsideGit));
    }

    #[test]
    fn generated_path_never_goes_through_a_link() {
        let (_dir, top, root) = repository();
        std::fs::create_dir(top.join("real")).unwrap();
        std::os::unix::fs::symlink(top.join("real"), top.join("generated")).unwrap();
        std::os::unix::fs::symlink("real", top.join("via")).unwrap();
        std::os::unix::fs::symlink("/tmp", top.join("system")).unwrap();
        let check = |generated: &str| check_generated_path(generated, &root, Some(&top));
        assert_eq!(
            check("generated"),
            Err(Unsafe::Link {
                path: top.join("generated")
            })
        );
        assert_eq!(
            check("via/generated"),
            Err(Unsafe::Link {
                path: top.join("via")
            })
        );
        assert_eq!(
            check("system"),
            Err(Unsafe::Link {
                path: top.join("system")
            })
        );
        std::fs::write(top.join("file"), "").unwrap();
        assert_eq!(
            check("file"),
            Err(Unsafe::NotADirectory {
                path: top.join("file")
            })
        );
        std::fs::create_dir_all(top.join("nested/.git")).unwrap();
        assert_eq!(check("nested"), Err(Unsafe::HoldsGit));
    }

    #[test]
    fn generated_path_stays_in_the_repository() {
        // The registry root is the repository's top: beside it is outside.
        let dir = tempfile::tempdir().unwrap();
        let top = std::fs::canonicalize(dir.path()).unwrap().join("repo");
        std::fs::create_dir_all(top.join(".git")).unwrap();
        assert_eq!(
            check_generated_path("generated", &top, Some(&top)),
            Err(Unsafe::OutsideRepository { top: top.clone() })
        );
        // No repository: the directory that holds the root stands in for it.
        let root = top.join("registry");
        std::fs::create_dir_all(&root).unwrap();
        assert_eq!(
            check_generated_path("generated", &root, None),
            Ok(top.join("generated"))
        );
    }

    #[test]
    fn out_is_the_operators_choice_within_limits() {
        let (dir, top, root) = repository();
        let check = |out: &str, cwd: &Path| check_out(Path::new(out), cwd, &root, Some(&top));
        assert_eq!(check("generated", &top), Ok(top.join("generated")));
        assert_eq!(check("../generated", &root), Ok(top.join("generated")));
        let elsewhere = tempfile::tempdir().unwrap();
        let elsewhere = std::fs::canonicalize(elsewhere.path()).unwrap();
        assert_eq!(
            check(elsewhere.to_str().unwrap(), &top),
            Ok(elsewhere.clone())
        );
        assert_eq!(check("", &top), Err(Unsafe::Empty));
        assert_eq!(check(".", &elsewhere), Err(Unsafe::CurrentDirectory));
        assert_eq!(check(".", &top), Err(Unsafe::CurrentDirectory));
        assert_eq!(check("registry", &top), Err(Unsafe::IsRoot));
        assert_eq!(check("registry/lib", &top), Err(Unsafe::InsideRoot));
        assert_eq!(check("..", &root), Err(Unsafe::HoldsRoot));
        assert_eq!(check("/", &root), Err(Unsafe::HoldsRoot));
        assert_eq!(check(".git", &top), Err(Unsafe::InsideGit));
        assert_eq!(check("new/../x", &top), Err(Unsafe::Climbs));
        std::fs::create_dir(top.join("other")).unwrap();
        std::fs::create_dir(top.join("other/.git")).unwrap();
        assert_eq!(check("other", &top), Err(Unsafe::HoldsGit));
        std::os::unix::fs::symlink(&elsewhere, top.join("link")).unwrap();
        assert_eq!(
            check("link", &top),
            Err(Unsafe::Link {
                path: top.join("link")
            })
        );
        // A link outside the repository is the system's: followed, unless it leads back in.
        let outside = std::fs::canonicalize(elsewhere.parent().unwrap())
            .unwrap()
            .join(format!("registry-test-link-{}", std::process::id()));
        std::os::unix::fs::symlink(&elsewhere, &outside).unwrap();
        assert_eq!(
            check(outside.to_str().unwrap(), &top),
            Ok(elsewhere.clone())
        );
        std::fs::remove_file(&outside).unwrap();
        std::os::unix::fs::symlink(top.join("generated"), &outside).unwrap();
        std::fs::create_dir(top.join("generated")).unwrap();
        assert_eq!(
            check(outside.to_str().unwrap(), &top),
            Err(Unsafe::Link {
                path: top.join("generated")
            })
        );
        std::fs::remove_file(&outside).unwrap();
        drop(dir);
    }
}
