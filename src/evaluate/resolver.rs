//! The import resolver: every `import` is answered from [`Sources`] alone. A path is resolved
//! lexically, first next to the importing file, then on each library path; one that is
//! absolute, climbs above the root, or crosses a symbolic link leading out is refused and
//! nothing is read. A file imported as Jsonnet is read through [`syntax::walk`] first and
//! refused when it nests too deeply, before jrsonnet parses it. Every resolution is recorded,
//! so what each entity file may read can be told.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use jrsonnet_evaluator::{
    IStr, ImportResolver, ResolvePath, Result as JsonnetResult, SourcePath, SourceVirtual,
    error::ErrorKind,
};
use jrsonnet_gcmodule::Acyclic;

use super::Resolution;
use super::syntax::{Import, Verdict};
use super::walks::Walks;
use crate::diagnostic::suggest;
use crate::source::{Content, FileId, Sources, normalize};

/// Why the last import failed, for the diagnostic.
#[derive(Clone, Debug)]
pub(super) enum ImportFailure {
    Escape {
        importer: Option<FileId>,
        path: String,
    },
    NotFound {
        importer: Option<FileId>,
        path: String,
        suggestion: Option<String>,
    },
    /// `file`, imported as `path` by `importer`, nests too deeply.
    TooDeep {
        file: FileId,
        range: Option<Range<usize>>,
        importer: Option<FileId>,
        path: String,
    },
    /// `file`, imported as `path` by `importer`, starts with a byte order mark.
    ByteOrderMark {
        file: FileId,
        importer: Option<FileId>,
        path: String,
    },
}

#[derive(Default)]
struct Log {
    failure: Option<ImportFailure>,
    /// The resolutions made since the last reset.
    made: Vec<Resolution>,
}

#[derive(Acyclic)]
pub(super) struct Resolver {
    sources: Arc<Sources>,
    library_paths: Vec<String>,
    walks: Arc<Walks>,
    log: RefCell<Log>,
}

impl Resolver {
    pub(super) fn new(
        sources: Arc<Sources>,
        library_paths: Vec<String>,
        walks: Arc<Walks>,
    ) -> Self {
        Self {
            sources,
            library_paths,
            walks,
            log: RefCell::default(),
        }
    }

    /// Forgets the last failure and the resolutions made, before evaluating another file.
    pub(super) fn reset(&self) {
        let mut log = self.log.borrow_mut();
        log.failure = None;
        log.made.clear();
    }

    pub(super) fn failure(&self) -> Option<ImportFailure> {
        self.log.borrow().failure.clone()
    }

    /// The resolutions made since the last reset. jrsonnet keeps an imported file's value for
    /// the files evaluated after it with the same state, so an import resolved for an earlier
    /// file is not resolved again: only the resolutions of all files together tell what each
    /// may read.
    pub(super) fn take_resolutions(&self) -> Vec<Resolution> {
        std::mem::take(&mut self.log.borrow_mut().made)
    }

    fn fail(&self, failure: ImportFailure, message: String) -> jrsonnet_evaluator::Error {
        self.log.borrow_mut().failure = Some(failure);
        ErrorKind::RuntimeError(message.into()).into()
    }

    fn record(&self, from: Option<FileId>, path: &str, resolved: Option<FileId>) {
        if let Some(from) = from {
            self.log.borrow_mut().made.push(Resolution {
                from,
                path: path.to_owned(),
                resolved,
            });
        }
    }

    /// The importing file's path, or `""` at the root.
    fn importer(from: &SourcePath) -> &str {
        from.downcast_ref::<SourceVirtual>()
            .map_or("", |virtual_path| virtual_path.0.as_str())
    }

    /// Whether `importer` may import `path` as Jsonnet: its tree has an `import` of it, or
    /// its tree is unknown.
    fn imports_code(&self, importer: Option<FileId>, path: &str) -> bool {
        let Some(importer) = importer else {
            return true;
        };
        self.walks.known(importer).is_none_or(|walk| {
            walk.verdict != Verdict::Fine
                || walk
                    .imports
                    .iter()
                    .any(|import| import.kind == Import::Code && import.path == path)
        })
    }

    /// Refuses `file`, about to be parsed as Jsonnet, when its syntax tree is out of bounds.
    fn guard(
        &self,
        file: FileId,
        importer: Option<FileId>,
        wanted: &str,
    ) -> Result<(), jrsonnet_evaluator::Error> {
        if self.sources.text(file).is_none() {
            return Ok(());
        }
        let walk = self.walks.get(&self.sources, file);
        let path = &self.sources.file(file).path;
        match &walk.verdict {
            Verdict::Fine | Verdict::Unparsed => Ok(()),
            Verdict::TooDeep { range } => Err(self.fail(
                ImportFailure::TooDeep {
                    file,
                    range: range.clone(),
                    importer,
                    path: wanted.to_owned(),
                },
                format!("`{path}` is nested too deeply"),
            )),
            Verdict::ByteOrderMark => Err(self.fail(
                ImportFailure::ByteOrderMark {
                    file,
                    importer,
                    path: wanted.to_owned(),
                },
                format!("`{path}` starts with a byte order mark"),
            )),
        }
    }

    fn suggestion(&self, directory: &str, wanted: &str) -> Option<String> {
        let name = wanted.rsplit('/').next().unwrap_or(wanted);
        let mut candidates: Vec<(String, String)> = Vec::new();
        for base in std::iter::once(directory).chain(self.library_paths.iter().map(String::as_str))
        {
            let prefix = if base.is_empty() {
                String::new()
            } else {
                format!("{base}/")
            };
            for path in self.sources.paths() {
                if let Some(rest) = path.strip_prefix(&prefix)
                    && !rest.contains('/')
                {
                    candidates.push((rest.to_owned(), path.to_owned()));
                }
            }
        }
        let near = suggest(name, candidates.iter().map(|(file, _)| file.as_str()))?;
        let (file, _) = candidates.iter().find(|(file, _)| file == near)?;
        Some(match wanted.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{file}"),
            None => file.clone(),
        })
    }
}

impl ImportResolver for Resolver {
    fn resolve_from(
        &self,
        from: &SourcePath,
        path: &dyn jrsonnet_evaluator::AsPathLike,
    ) -> JsonnetResult<SourcePath> {
        let wanted = match path.as_path() {
            ResolvePath::Str(path) => path.to_owned(),
            ResolvePath::Path(path) => path.to_string_lossy().into_owned(),
        };
        let importer = Self::importer(from);
        let directory = importer
            .rsplit_once('/')
            .map_or("", |(directory, _)| directory);
        let importer_file = self.sources.get(importer);
        let escape = |this: &Self| {
            this.record(importer_file, &wanted, None);
            this.fail(
                ImportFailure::Escape {
                    importer: importer_file,
                    path: wanted.clone(),
                },
                format!("import `{wanted}` escapes the registry root"),
            )
        };
        match answer(&self.sources, &self.library_paths, directory, &wanted) {
            Answer::Escape => return Err(escape(self)),
            Answer::Found(file, candidate) => {
                self.record(importer_file, &wanted, Some(file));
                if self.imports_code(importer_file, &wanted) {
                    self.guard(file, importer_file, &wanted)?;
                }
                return Ok(SourcePath::new(SourceVirtual(IStr::from(
                    candidate.as_str(),
                ))));
            }
            Answer::NotFound => {}
        }
        self.record(importer_file, &wanted, None);
        let suggestion = self.suggestion(directory, &wanted);
        Err(self.fail(
            ImportFailure::NotFound {
                importer: importer_file,
                path: wanted.clone(),
                suggestion,
            },
            format!("cannot find `{wanted}` to import"),
        ))
    }

    fn load_file_contents(&self, resolved: &SourcePath) -> JsonnetResult<Vec<u8>> {
        let path = Self::importer(resolved);
        let Some(file) = self.sources.get(path) else {
            return Err(ErrorKind::ResolvedFileNotFound(resolved.clone()).into());
        };
        match &self.sources.file(file).content {
            Content::Text(text) => Ok(text.as_bytes().to_vec()),
            Content::Binary(bytes) => Ok(bytes.to_vec()),
            Content::Escape { .. } => Err(self.fail(
                ImportFailure::Escape {
                    importer: None,
                    path: path.to_owned(),
                },
                format!("import `{path}` escapes the registry root"),
            )),
            Content::Unread(unread) => Err(ErrorKind::RuntimeError(
                format!("`{path}` {unread}, so it is never read").into(),
            )
            .into()),
        }
    }
}

/// What an import of `wanted` from a file in `directory` finds.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Answer {
    /// It is absolute, climbs above the root, or crosses a link leading out.
    Escape,
    /// The file, at this path.
    Found(FileId, String),
    NotFound,
}

/// Answers an import of `wanted` from a file in `directory` from the paths of `sources` alone:
/// the same answer for the same paths and library paths, whatever the files hold.
pub(super) fn answer(
    sources: &Sources,
    library_paths: &[String],
    directory: &str,
    wanted: &str,
) -> Answer {
    // An absolute path, or one that climbs above the root.
    if normalize(directory, wanted).is_none() {
        return Answer::Escape;
    }
    for candidate in candidates(directory, wanted, library_paths) {
        if crosses_escape(sources, &candidate) {
            return Answer::Escape;
        }
        if let Some(file) = sources.get(&candidate) {
            return Answer::Found(file, candidate);
        }
    }
    Answer::NotFound
}

/// Where an import of `wanted` from a file in `directory` may be, in the order they are tried:
/// next to the importing file, then on each library path. A place above the root is skipped.
pub(super) fn candidates<'a>(
    directory: &'a str,
    wanted: &'a str,
    library_paths: &'a [String],
) -> impl Iterator<Item = String> + 'a {
    std::iter::once(directory)
        .chain(library_paths.iter().map(String::as_str))
        .filter_map(move |base| normalize(base, wanted))
}

/// Whether `path`, or a directory above it, is a link leading out of the root.
pub(super) fn crosses_escape(sources: &Sources, path: &str) -> bool {
    let mut prefix = String::new();
    for segment in path.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(segment);
        if let Some(file) = sources.get(&prefix)
            && matches!(sources.file(file).content, Content::Escape { .. })
        {
            return true;
        }
    }
    false
}
