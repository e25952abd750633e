//! One evaluator: a jrsonnet state over [`Sources`] with the confined resolver, running one
//! [`Job`] at a time. A file reaches jrsonnet only after its syntax tree has been read and
//! found within bounds. Runs wherever it is put: in a worker process, or on a thread of the
//! compiling process in unit tests.

use std::sync::Arc;

use jrsonnet_evaluator::State;

use super::convert::{self, ConvertError, to_json};
use super::failure;
use super::resolver::Resolver;
use super::syntax::{MAX_SYNTAX_DEPTH, Verdict};
use super::walks::Walks;
use super::{Done, Job, Outcome};
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::source::{Content, FileId, Sources};

/// Jsonnet's call depth limit: deep enough for any real library.
pub(super) const MAX_CALL_DEPTH: usize = 500;

pub(super) struct Engine {
    sources: Arc<Sources>,
    walks: Arc<Walks>,
    state: State,
}

impl Engine {
    /// A fresh state; `walks` outlives it, so files are read once however many states there
    /// are.
    pub(super) fn new(
        sources: Arc<Sources>,
        library_paths: Vec<String>,
        walks: Arc<Walks>,
    ) -> Self {
        jrsonnet_evaluator::stack::set_stack_depth_limit(MAX_CALL_DEPTH);
        let mut builder = State::builder();
        builder
            .import_resolver(Resolver::new(
                Arc::clone(&sources),
                library_paths,
                Arc::clone(&walks),
            ))
            .context_initializer(jrsonnet_stdlib::ContextInitializer::new(
                jrsonnet_evaluator::trace::PathResolver::Relative(std::path::PathBuf::new()),
            ));
        Self {
            sources,
            walks,
            state: builder.build(),
        }
    }

    fn resolver(&self) -> &Resolver {
        let resolver: &dyn std::any::Any = self.state.import_resolver();
        resolver
            .downcast_ref::<Resolver>()
            .expect("the state was built with this resolver")
    }

    /// Runs `job` and hands its result to `deliver` before dropping what it evaluated: a value
    /// too deep to drop may end the process, and its result is out by then.
    pub(super) fn run(&self, job: Job, deliver: &mut dyn FnMut(Done)) {
        match job {
            Job::Evaluate(file) => {
                let (outcome, value) = self.evaluate(file);
                deliver(Done {
                    outcome,
                    resolutions: self.resolver().take_resolutions(),
                });
                drop(value);
            }
            Job::Walk(file) => {
                let found = match self.sources.text(file) {
                    Some(_) => match &self.walks.get(&self.sources, file).verdict {
                        Verdict::TooDeep { range } => {
                            Some(Box::new(too_deep(&self.sources, file, range.clone())))
                        }
                        _ => None,
                    },
                    None => None,
                };
                deliver(Done {
                    outcome: Outcome::Walked(found),
                    resolutions: Vec::new(),
                });
            }
        }
    }

    /// Refuses `file` unless it is text whose syntax tree is within bounds.
    fn check(&self, file: FileId) -> Result<(), Box<Diagnostic>> {
        let source = self.sources.file(file);
        match &source.content {
            Content::Text(_) => {}
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
                    .primary(
                        Location::File { file },
                        format!("links to `{}`", crate::text::shown(target, 200)),
                    )
                    .help("keep entity files inside the registry root"),
                ));
            }
            Content::Unread(unread) => {
                return Err(Box::new(super::layout::unreadable(
                    file,
                    &source.path,
                    unread,
                )));
            }
        }
        match &self.walks.get(&self.sources, file).verdict {
            Verdict::Fine | Verdict::Unparsed => Ok(()),
            Verdict::TooDeep { range } => {
                Err(Box::new(too_deep(&self.sources, file, range.clone())))
            }
            Verdict::ByteOrderMark => Err(Box::new(byte_order_mark(&self.sources, file))),
        }
    }

    /// Evaluates `file`; the value, if any, comes back to be dropped after the outcome is out.
    fn evaluate(&self, file: FileId) -> (Outcome, Option<jrsonnet_evaluator::Val>) {
        let resolver = self.resolver();
        resolver.reset();
        if let Err(diagnostic) = self.check(file) {
            return (Outcome::Failed(diagnostic), None);
        }
        let source = self.sources.file(file);
        let text = self.sources.text(file).map_or("", |text| &**text);
        let _entered = self.state.enter();
        let value = self
            .state
            .prepare_snippet(source.path.as_str(), text)
            .and_then(|prepared| self.state.evaluate_prepared_snippet(&prepared));
        let (converted, value) = match value {
            Ok(value) => (to_json(&value), Some(value)),
            Err(error) => (Err(ConvertError::Jsonnet(error)), None),
        };
        let outcome = match converted {
            Ok(json) => Outcome::Value(json),
            Err(error) => Outcome::Failed(Box::new(match error {
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
                .note(format!("at {}", crate::text::shown(&pointer, 400))),
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
                    if pointer.is_empty() {
                        "/".to_owned()
                    } else {
                        crate::text::shown(&pointer, 400)
                    }
                ))
                .help("call the function, or remove it from the output with `::` (a hidden field)"),
            })),
        };
        (outcome, value)
    }
}

/// `file`'s syntax tree is deeper than the registry allows.
pub(super) fn too_deep(
    sources: &Sources,
    file: FileId,
    range: Option<std::ops::Range<usize>>,
) -> Diagnostic {
    let label = format!("more than {MAX_SYNTAX_DEPTH} levels deep here");
    Diagnostic::error(
        Code::NestingTooDeep,
        format!(
            "`{}` is nested too deeply to parse",
            sources.file(file).path
        ),
    )
    .primary(
        match range {
            Some(range) => Location::Span { file, range },
            None => Location::File { file },
        },
        label,
    )
}

/// `file` starts with a byte order mark.
pub(super) fn byte_order_mark(sources: &Sources, file: FileId) -> Diagnostic {
    Diagnostic::error(
        Code::JsonnetSyntax,
        format!(
            "`{}` starts with a byte order mark",
            sources.file(file).path
        ),
    )
    .primary(
        Location::Span { file, range: 0..3 },
        "a UTF-8 byte order mark, which Jsonnet does not accept",
    )
    .help("save the file as UTF-8 without a byte order mark")
}
