//! The import resolver: every `import` is answered from [`Sources`] alone. A path is resolved
//! lexically, first next to the importing file, then on each library path; one that is
//! absolute, climbs above the root, or crosses a symbolic link leading out is refused and
//! nothing is read.

use std::cell::RefCell;
use std::sync::Arc;

use jrsonnet_evaluator::{
    IStr, ImportResolver, ResolvePath, Result as JsonnetResult, SourcePath, SourceVirtual,
    error::ErrorKind,
};
use jrsonnet_gcmodule::Acyclic;

use super::nesting::{MAX_SOURCE_NESTING, too_deep};
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
    TooDeep {
        file: FileId,
        offset: usize,
    },
}

#[derive(Default)]
struct Log {
    failure: Option<ImportFailure>,
}

#[derive(Acyclic)]
pub(super) struct Resolver {
    sources: Arc<Sources>,
    library_paths: Vec<String>,
    log: RefCell<Log>,
}

impl Resolver {
    pub(super) fn new(sources: Arc<Sources>, library_paths: Vec<String>) -> Self {
        Self {
            sources,
            library_paths,
            log: RefCell::default(),
        }
    }

    /// Forgets the last failure, before evaluating another file.
    pub(super) fn reset(&self) {
        self.log.borrow_mut().failure = None;
    }

    pub(super) fn failure(&self) -> Option<ImportFailure> {
        self.log.borrow().failure.clone()
    }

    fn fail(&self, failure: ImportFailure, message: String) -> jrsonnet_evaluator::Error {
        self.log.borrow_mut().failure = Some(failure);
        ErrorKind::RuntimeError(message.into()).into()
    }

    /// The importing file's path, or `""` at the root.
    fn importer(from: &SourcePath) -> &str {
        from.downcast_ref::<SourceVirtual>()
            .map_or("", |virtual_path| virtual_path.0.as_str())
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
            this.fail(
                ImportFailure::Escape {
                    importer: importer_file,
                    path: wanted.clone(),
                },
                format!("import `{wanted}` escapes the registry root"),
            )
        };
        if wanted.starts_with('/') || wanted.starts_with('\\') {
            return Err(escape(self));
        }
        if normalize(directory, &wanted).is_none() {
            return Err(escape(self));
        }
        for candidate in candidates(directory, &wanted, &self.library_paths) {
            if crosses_escape(&self.sources, &candidate) {
                return Err(escape(self));
            }
            if self.sources.get(&candidate).is_some() {
                return Ok(SourcePath::new(SourceVirtual(IStr::from(
                    candidate.as_str(),
                ))));
            }
        }
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
            Content::Text(text) => {
                if is_jsonnet(path)
                    && let Some(offset) = too_deep(text, MAX_SOURCE_NESTING)
                {
                    return Err(self.fail(
                        ImportFailure::TooDeep { file, offset },
                        format!("`{path}` is nested too deeply"),
                    ));
                }
                Ok(text.as_bytes().to_vec())
            }
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

fn is_jsonnet(path: &str) -> bool {
    let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension);
    ["jsonnet", "libsonnet", "json"]
        .iter()
        .any(|known| extension.eq_ignore_ascii_case(known))
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
