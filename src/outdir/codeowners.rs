//! The one generated file outside the output directory: CODEOWNERS, where the settings put it
//! in the repository (`codeowners.path`, from the repository's root: the registry root less
//! the settings' `registryPath`). Only a file this tool wrote (its first line is the header)
//! is ever replaced; a hand-written file, a directory or a symbolic link there, or a symbolic
//! link on the way to it, is a `foreign-codeowners` problem and nothing is written.

use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic, Location};
use crate::emit::{CODEOWNERS_HEADER, OutputFile};
use crate::model::Settings;
use crate::{Error, Result};

/// CODEOWNERS as the registry produces it, and what is where it goes.
pub(crate) struct Codeowners {
    file: OutputFile,
    /// The repository's root.
    repository: PathBuf,
    /// Where it goes, from the repository's root.
    relative: String,
    /// Where it goes.
    path: PathBuf,
    /// The path as shown: relative to the registry root as given.
    shown: String,
    found: Found,
}

/// What is at CODEOWNERS' place.
enum Found {
    Nothing,
    /// A file this tool wrote, with its bytes.
    Ours(Vec<u8>),
    /// Something it must not replace, and what it is.
    Foreign(&'static str),
}

/// The repository's root: `root` less the settings' `registryPath`, or why it cannot be found.
fn repository(root: &Path, settings: &Settings) -> Result<(PathBuf, PathBuf)> {
    let refuse = |message: String| Error::Refused {
        message,
        help: Some(
            "set `registryPath` in the settings to where the registry root is in its repository"
                .to_owned(),
        ),
    };
    let inside = Path::new(&settings.registry_path);
    let mut depth = 0;
    for component in inside.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            _ => {
                return Err(refuse(format!(
                    "`registryPath` `{}` leaves the repository",
                    crate::text::shown(&settings.registry_path, 80)
                )));
            }
        }
    }
    let canonical = std::fs::canonicalize(root).map_err(|source| Error::ReadDir {
        path: root.to_owned(),
        source,
    })?;
    let normal: PathBuf = inside
        .components()
        .filter(|component| matches!(component, Component::Normal(_)))
        .collect();
    if !canonical.ends_with(&normal) {
        return Err(refuse(format!(
            "the registry root `{}` is not at `{}` in a repository, so CODEOWNERS has no place",
            canonical.display(),
            crate::text::shown(&settings.registry_path, 80)
        )));
    }
    let mut repository = canonical.clone();
    let mut shown = root.to_owned();
    for _ in 0..depth {
        repository.pop();
        shown = match shown.file_name() {
            Some(_) => shown.parent().map(Path::to_owned).unwrap_or_default(),
            None => shown.join(".."),
        };
    }
    Ok((repository, shown))
}

impl Codeowners {
    /// What is at the place of `file`, for the registry at `root`.
    pub(crate) fn new(root: &Path, settings: &Settings, file: OutputFile) -> Result<Self> {
        let (repository, shown_root) = repository(root, settings)?;
        let relative = file.target.path().trim_start_matches('/').to_owned();
        let shown = shown_root.join(&relative).to_string_lossy().into_owned();
        let found = inspect(&repository, &relative)?;
        let path = repository.join(&relative);
        Ok(Self {
            file,
            repository,
            relative,
            path,
            shown,
            found,
        })
    }

    /// Where it goes, as shown.
    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    /// A `foreign-codeowners` problem, when the file there is not this tool's.
    pub(crate) fn problems(&self) -> Vec<Diagnostic> {
        let Found::Foreign(what) = self.found else {
            return Vec::new();
        };
        vec![
            Diagnostic::error(
                Code::ForeignCodeowners,
                format!(
                    "`{}` is {what}, so `registry build` will not replace it",
                    self.shown
                ),
            )
            .primary(
                Location::Output {
                    path: self.shown.clone(),
                },
                "not written by `registry build`",
            )
            .help(
                "move its rules into the registry (each entity's `owner`, `codeowners` in the \
                 settings) and delete it, or remove `codeowners` from the settings",
            ),
        ]
    }

    /// What `check` reports: a foreign file, or one that is missing or stale.
    pub(crate) fn drift(&self) -> Vec<Diagnostic> {
        let help = "run `registry build` and commit the result";
        match &self.found {
            Found::Foreign(_) => self.problems(),
            Found::Nothing => vec![
                Diagnostic::error(
                    Code::GeneratedMissing,
                    format!("`{}` is missing", self.shown),
                )
                .primary(
                    Location::Output {
                        path: self.shown.clone(),
                    },
                    "the registry produces this file",
                )
                .help(help),
            ],
            Found::Ours(bytes) if *bytes != self.file.bytes => vec![
                Diagnostic::error(Code::GeneratedStale, format!("`{}` is stale", self.shown))
                    .primary(
                        Location::Output {
                            path: self.shown.clone(),
                        },
                        "differs from what the registry produces",
                    )
                    .help(help)
                    .attachment(
                        crate::text::unified_diff(bytes, &self.file.bytes, &self.shown)
                            .trim_end()
                            .to_owned(),
                    ),
            ],
            Found::Ours(_) => Vec::new(),
        }
    }

    /// Writes it, atomically, unless it is already so; whether it wrote. Looks again just
    /// before writing, and refuses a file that is not this tool's.
    pub(crate) fn write(&self) -> Result<bool> {
        if matches!(&self.found, Found::Ours(bytes) if *bytes == self.file.bytes) {
            return Ok(false);
        }
        let parent = self.path.parent().expect("CODEOWNERS has a directory");
        if parent != self.repository {
            match std::fs::create_dir(parent) {
                Err(error) if error.kind() != std::io::ErrorKind::AlreadyExists => {
                    return Err(Error::WriteFile {
                        path: parent.to_owned(),
                        source: error,
                    });
                }
                _ => {}
            }
        }
        if let Found::Foreign(what) = inspect(&self.repository, &self.relative)? {
            return Err(Error::Refused {
                message: format!("`{}` is {what}: not replacing it", self.shown),
                help: None,
            });
        }
        crate::atomic::write(&self.path, &self.file.bytes).map_err(|source| Error::WriteFile {
            path: self.path.clone(),
            source,
        })?;
        Ok(true)
    }
}

/// What is at `relative` under `repository`, never following a symbolic link.
fn inspect(repository: &Path, relative: &str) -> Result<Found> {
    let mut at = repository.to_owned();
    let parts: Vec<&str> = relative.split('/').collect();
    let (last, directories) = parts.split_last().expect("CODEOWNERS has a name");
    let read = |path: &Path, source| Error::ReadFile {
        path: path.to_owned(),
        source,
    };
    for directory in directories {
        at.push(directory);
        match std::fs::symlink_metadata(&at) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                return Ok(Found::Foreign("inside a symbolic link"));
            }
            Ok(metadata) if !metadata.is_dir() => return Ok(Found::Foreign("inside a file")),
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Found::Nothing);
            }
            Err(source) => return Err(read(&at, source)),
        }
    }
    at.push(last);
    match std::fs::symlink_metadata(&at) {
        Ok(metadata) if metadata.file_type().is_symlink() => Ok(Found::Foreign("a symbolic link")),
        Ok(metadata) if !metadata.is_file() => Ok(Found::Foreign("not a file")),
        Ok(_) => {
            let bytes = std::fs::read(&at).map_err(|source| read(&at, source))?;
            let first = bytes
                .split(|byte| *byte == b'\n')
                .next()
                .unwrap_or_default();
            if first == CODEOWNERS_HEADER.as_bytes() {
                Ok(Found::Ours(bytes))
            } else {
                Ok(Found::Foreign("written by hand"))
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Found::Nothing),
        Err(source) => Err(read(&at, source)),
    }
}
