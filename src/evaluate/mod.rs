//! Stage 1, evaluate: runs Jsonnet over [`Sources`]. The settings file first (its
//! `libraryPaths` shape the import path), then one file per entity, in parallel: each worker
//! thread owns one jrsonnet state, so the library is parsed and evaluated once per worker.
//! Workers run on large stacks, and sources are pre-scanned for nesting, so no input can abort
//! the process. Output: an [`Evaluation`]; nothing is written.

mod convert;
mod failure;
mod imports;
mod layout;
mod nesting;
mod resolver;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jrsonnet_evaluator::State;
use serde_json::Value;

use self::convert::{ConvertError, to_json};
pub(crate) use self::layout::EntityFile;
use self::layout::Layout;
use self::nesting::{MAX_SOURCE_NESTING, too_deep};
use self::resolver::Resolver;
use crate::diagnostic::{Code, Diagnostic, Location, Sink};
use crate::model::settings_library_paths;
use crate::source::{Content, FileId, SETTINGS_FILE, Sources};
use crate::{Error, Result};

/// The stack of an evaluation thread. Only touched pages are ever allocated.
const STACK_SIZE: usize = 512 << 20;

/// How many files one evaluation thread evaluates before it makes way for a fresh one.
const BATCH: usize = 1024;

/// Jsonnet's call depth limit: deep enough for any real library.
const MAX_CALL_DEPTH: usize = 500;

/// What evaluation produced.
#[derive(Debug)]
pub(crate) struct Evaluation {
    pub(crate) settings: SettingsValue,
    /// Each entity file with its value as compact JSON, in id order; files that failed are
    /// left out.
    pub(crate) entities: Vec<(EntityFile, String)>,
    /// Entity files that failed to evaluate.
    pub(crate) failed: Vec<EntityFile>,
}

/// The settings file, evaluated alone.
#[derive(Debug)]
pub(crate) struct SettingsValue {
    pub(crate) file: FileId,
    /// The value, if it evaluated.
    pub(crate) value: Option<Value>,
}

/// Evaluates the settings file alone: it is evaluated first, with the default library paths,
/// because its `libraryPaths` shape the import path of every other file.
pub(crate) fn settings(sources: &Arc<Sources>, sink: &mut Sink) -> Result<SettingsValue> {
    let file = sources.get(SETTINGS_FILE).ok_or_else(|| Error::Internal {
        message: "the settings file vanished".to_owned(),
    })?;
    let mut values = run(
        sources,
        &crate::model::default_library_paths(),
        &[file],
        sink,
    )?;
    let value = values
        .pop()
        .flatten()
        .and_then(|json| serde_json::from_str(&json).ok());
    Ok(SettingsValue { file, value })
}

/// Evaluates the settings and every entity file of `sources`.
pub(crate) fn evaluate(sources: &Arc<Sources>, sink: &mut Sink) -> Result<Evaluation> {
    let settings = self::settings(sources, sink)?;
    let library_paths = settings
        .value
        .as_ref()
        .and_then(settings_library_paths)
        .unwrap_or_else(crate::model::default_library_paths);
    imports::check(sources, &library_paths, sink);
    let layout = Layout::new(sources, &library_paths, sink);
    let files: Vec<FileId> = layout.entities.iter().map(|entity| entity.file).collect();
    let values = run(sources, &library_paths, &files, sink)?;
    let mut entities = Vec::with_capacity(values.len());
    let mut failed = Vec::new();
    for (entity, value) in layout.entities.into_iter().zip(values) {
        match value {
            Some(value) => entities.push((entity, value)),
            None => failed.push(entity),
        }
    }
    Ok(Evaluation {
        settings,
        entities,
        failed,
    })
}

type Outcome = Result<String, Box<Diagnostic>>;

/// Evaluates `files` on worker threads; results come back in the order of `files`.
fn run(
    sources: &Arc<Sources>,
    library_paths: &[String],
    files: &[FileId],
    sink: &mut Sink,
) -> Result<Vec<Option<String>>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(files.len().div_ceil(16))
        .max(1);
    let next = AtomicUsize::new(0);
    let mut outcomes: Vec<Option<Outcome>> = (0..files.len()).map(|_| None).collect();
    // Each lane evaluates batches, each batch on a fresh thread with a fresh state: the
    // cyclic garbage Jsonnet values leave behind is freed when a batch's thread ends, so
    // memory stays flat however large the registry.
    let batch = || -> Result<Vec<(usize, Outcome)>> {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("evaluate".to_owned())
                .stack_size(STACK_SIZE)
                .spawn_scoped(scope, || {
                    let worker = Worker::new(Arc::clone(sources), library_paths.to_vec());
                    let mut done = Vec::new();
                    for _ in 0..BATCH {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&file) = files.get(index) else { break };
                        done.push((index, worker.evaluate(file)));
                    }
                    done
                })
                .map_err(|source| Error::Thread { source })?
                .join()
                .map_err(|_| Error::Internal {
                    message: "an evaluation thread panicked".to_owned(),
                })
        })
    };
    let lane = || -> Result<Vec<(usize, Outcome)>> {
        let mut done = Vec::new();
        while next.load(Ordering::Relaxed) < files.len() {
            done.extend(batch()?);
        }
        Ok(done)
    };
    let lanes: Vec<Result<Vec<(usize, Outcome)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(lane)).collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(Error::Internal {
                        message: "an evaluation thread panicked".to_owned(),
                    })
                })
            })
            .collect()
    });
    for lane in lanes {
        for (index, outcome) in lane? {
            outcomes[index] = Some(outcome);
        }
    }
    let values = outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Some(Ok(value)) => Some(value),
            Some(Err(diagnostic)) => {
                sink.push(*diagnostic);
                None
            }
            None => None,
        })
        .collect();
    Ok(values)
}

/// One thread's evaluator.
struct Worker {
    sources: Arc<Sources>,
    state: State,
}

impl Worker {
    fn new(sources: Arc<Sources>, library_paths: Vec<String>) -> Self {
        jrsonnet_evaluator::stack::set_stack_depth_limit(MAX_CALL_DEPTH);
        let mut builder = State::builder();
        builder
            .import_resolver(Resolver::new(Arc::clone(&sources), library_paths))
            .context_initializer(jrsonnet_stdlib::ContextInitializer::new(
                jrsonnet_evaluator::trace::PathResolver::Relative(std::path::PathBuf::new()),
            ));
        Self {
            sources,
            state: builder.build(),
        }
    }

    fn resolver(&self) -> &Resolver {
        let resolver: &dyn std::any::Any = self.state.import_resolver();
        resolver
            .downcast_ref::<Resolver>()
            .expect("the state was built with this resolver")
    }

    fn evaluate(&self, file: FileId) -> Outcome {
        let source = self.sources.file(file);
        let text = match &source.content {
            Content::Text(text) => text,
            Content::Binary(bytes) => {
                let valid =
                    std::str::from_utf8(bytes).map_or_else(|error| error.valid_up_to(), |_| 0);
                return Err(Box::new(
                    Diagnostic::error(
                        Code::NonUtf8,
                        format!("`{}` is not valid UTF-8", source.path),
                    )
                    .primary(
                        Location::File { file },
                        format!("invalid byte at offset {valid}"),
                    )
                    .help("save the file as UTF-8"),
                ));
            }
            Content::Escape { target } => {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::ImportEscape,
                        format!("`{}` links outside the registry root", source.path),
                    )
                    .primary(Location::File { file }, format!("links to `{target}`"))
                    .help("keep entity files inside the registry root"),
                ));
            }
            Content::Unread(unread) => {
                return Err(Box::new(layout::unreadable(file, &source.path, unread)));
            }
        };
        if let Some(offset) = too_deep(text, MAX_SOURCE_NESTING) {
            return Err(Box::new(
                Diagnostic::error(
                    Code::NestingTooDeep,
                    format!("`{}` is nested too deeply to parse", source.path),
                )
                .primary(
                    Location::Span {
                        file,
                        range: offset..offset + 1,
                    },
                    format!("more than {MAX_SOURCE_NESTING} levels deep here"),
                ),
            ));
        }
        let resolver = self.resolver();
        resolver.reset();
        let _entered = self.state.enter();
        let value = self
            .state
            .prepare_snippet(source.path.as_str(), &**text)
            .and_then(|prepared| self.state.evaluate_prepared_snippet(&prepared));
        let converted = value
            .map_err(ConvertError::Jsonnet)
            .and_then(|value| to_json(&value));
        converted.map_err(|error| {
            Box::new(match error {
                ConvertError::Jsonnet(error) => {
                    failure::diagnostic(&self.sources, file, &error, resolver.failure())
                }
                ConvertError::TooDeep { pointer } => Diagnostic::error(
                    Code::NestingTooDeep,
                    format!(
                        "`{}` evaluates to a value nested more than {} levels deep",
                        source.path,
                        convert::MAX_VALUE_NESTING
                    ),
                )
                .primary(Location::File { file }, "evaluated from here")
                .note(format!("at {pointer}")),
                ConvertError::Function { pointer } => Diagnostic::error(
                    Code::SchemaViolation,
                    format!(
                        "`{}` evaluates to a function where data is expected",
                        source.path
                    ),
                )
                .primary(Location::File { file }, "evaluated from here")
                .note(format!(
                    "at {}",
                    if pointer.is_empty() { "/" } else { &pointer }
                ))
                .help("call the function, or remove it from the output with `::` (a hidden field)"),
            })
        })
    }
}
