//! Stage 1, evaluate: runs Jsonnet over [`Sources`]. The settings file first (its
//! `libraryPaths` shape the import path), then one file per entity, in parallel. Evaluation
//! runs in worker processes ([`pool`]): the binary runs itself once per core, so a file that
//! overflows the stack, aborts, runs past its deadline or past its memory cap ends one worker
//! and becomes a diagnostic naming the file, never the end of the run. Every Jsonnet file's
//! syntax tree is read first ([`syntax`]): its depth is bounded and its imports are checked
//! even where they are never evaluated. Output: an [`Evaluation`]; nothing is written.

mod convert;
mod engine;
mod failure;
mod imports;
mod layout;
mod local;
mod pool;
mod resolver;
mod serve;
mod syntax;
mod walks;
mod wire;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;

pub(crate) use self::layout::EntityFile;
use self::layout::Layout;
pub(crate) use self::serve::serve;
use self::syntax::Walk;
use crate::diagnostic::{Diagnostic, Sink};
use crate::model::settings_library_paths;
use crate::progress::Bar;
use crate::source::{FileId, SETTINGS_FILE, Sources};
use crate::{Error, Result};

/// What evaluation produced.
#[derive(Debug)]
pub(crate) struct Evaluation {
    pub(crate) settings: SettingsValue,
    /// Each entity file with its value as compact JSON, in id order; files that failed are
    /// left out.
    pub(crate) entities: Vec<(EntityFile, String)>,
    /// Entity files that failed to evaluate.
    pub(crate) failed: Vec<EntityFile>,
    /// Every import resolved while evaluating the entity files: what each may read.
    pub(crate) imports: Imports,
}

impl Evaluation {
    /// What evaluating entity file `file` may have read.
    #[allow(dead_code)]
    pub(crate) fn dependencies(&self, file: FileId) -> Dependencies {
        self.imports.dependencies(file)
    }
}

/// The settings file, evaluated alone.
#[derive(Debug)]
pub(crate) struct SettingsValue {
    pub(crate) file: FileId,
    /// The value, if it evaluated.
    pub(crate) value: Option<Value>,
    /// Every import resolved while evaluating it.
    pub(crate) imports: Imports,
}

/// Every import resolved in one evaluation run, by importing file. An imported file's value is
/// shared by every file evaluated after it with the same jrsonnet state, so its imports are
/// resolved once, for whichever file forced them first: what one file may read is the closure
/// of its own imports over everyone's. That closure can hold more than the file needed, never
/// less, and it does not depend on how files were shared out among workers.
#[derive(Debug, Default)]
pub(crate) struct Imports {
    by_importer: BTreeMap<FileId, BTreeSet<(String, Option<FileId>)>>,
}

impl Imports {
    fn add(&mut self, resolutions: Vec<Resolution>) {
        for Resolution {
            from,
            path,
            resolved,
        } in resolutions
        {
            self.by_importer
                .entry(from)
                .or_default()
                .insert((path, resolved));
        }
    }

    /// Every file resolved by some import.
    fn resolved(&self) -> impl Iterator<Item = FileId> + '_ {
        self.by_importer
            .values()
            .flatten()
            .filter_map(|(_, resolved)| *resolved)
    }

    /// What evaluating `file` may have read: `file`, the files reached from it through the
    /// imports resolved, and those resolutions.
    pub(crate) fn dependencies(&self, file: FileId) -> Dependencies {
        let mut reads = BTreeSet::from([file]);
        let mut imports = BTreeSet::new();
        let mut queue = vec![file];
        while let Some(from) = queue.pop() {
            for (path, resolved) in self.by_importer.get(&from).into_iter().flatten() {
                imports.insert(Resolution {
                    from,
                    path: path.clone(),
                    resolved: *resolved,
                });
                if let Some(resolved) = resolved
                    && reads.insert(*resolved)
                {
                    queue.push(*resolved);
                }
            }
        }
        Dependencies {
            reads: reads.into_iter().collect(),
            imports: imports.into_iter().collect(),
        }
    }
}

/// The files one evaluation may have read, and the imports it resolved: a value depends on
/// nothing else, so it stays the same while these files and resolutions do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Dependencies {
    /// The evaluated file and every file reached from it, by id.
    pub(crate) reads: Vec<FileId>,
    /// Every import resolved on the way, sorted.
    pub(crate) imports: Vec<Resolution>,
}

/// One import resolved: `path`, asked by `from`, found as `resolved` (`None`: there was no
/// such file, or it was refused).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Resolution {
    pub(crate) from: FileId,
    pub(crate) path: String,
    pub(crate) resolved: Option<FileId>,
}

/// The budget of one file's evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// How long one file may take.
    pub(crate) timeout: Duration,
    /// How much memory one worker process may hold, in MiB.
    pub(crate) memory_mib: u64,
}

impl Limits {
    pub(crate) const DEFAULT_TIMEOUT_SECONDS: u64 = 10;
    pub(crate) const DEFAULT_MEMORY_MIB: u64 = 4096;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(Self::DEFAULT_TIMEOUT_SECONDS),
            memory_mib: Self::DEFAULT_MEMORY_MIB,
        }
    }
}

/// How this process evaluates: set once by the command line; unset, as in unit tests, files
/// are evaluated on threads of this process.
static WORKERS: OnceLock<Limits> = OnceLock::new();

/// Evaluates in worker processes, within `limits`, from now on.
pub(crate) fn use_workers(limits: Limits) {
    let _ = WORKERS.set(limits);
}

/// One piece of work for an evaluator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Job {
    /// Evaluate an entity file or the settings.
    Evaluate(FileId),
    /// Only read a Jsonnet file's syntax tree: its depth and its imports.
    Walk(FileId),
}

impl Job {
    pub(crate) fn file(self) -> FileId {
        match self {
            Self::Evaluate(file) | Self::Walk(file) => file,
        }
    }
}

/// What a job ended with.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The value, as compact JSON.
    Value(String),
    Failed(Box<Diagnostic>),
    /// A walk, and the problem it found.
    Walked(Option<Box<Diagnostic>>),
}

/// A finished job.
#[derive(Debug)]
pub(crate) struct Done {
    pub(crate) outcome: Outcome,
    /// The imports it resolved.
    pub(crate) resolutions: Vec<Resolution>,
}

/// Runs jobs, in this process or in workers.
enum Runner {
    Local(local::Local),
    Workers(pool::Pool),
}

impl Runner {
    fn new(sources: &Arc<Sources>) -> Self {
        match WORKERS.get() {
            Some(limits) => Self::Workers(pool::Pool::new(Arc::clone(sources), *limits)),
            None => Self::Local(local::Local::new(Arc::clone(sources))),
        }
    }

    /// Runs `jobs`, counting each done on `progress`; what each ended with, in the order
    /// given.
    fn run(&mut self, library_paths: &[String], jobs: &[Job], progress: &Bar) -> Result<Vec<Done>> {
        match self {
            Self::Local(local) => local.run(library_paths, jobs, progress),
            Self::Workers(pool) => pool.run(library_paths, jobs, progress),
        }
    }

    /// Every syntax tree read so far, by file.
    fn walked(&self) -> HashMap<FileId, Walk> {
        match self {
            Self::Local(local) => local.walked(),
            Self::Workers(pool) => pool.walked(),
        }
    }
}

/// Evaluates the settings file alone: it is evaluated first, with the default library paths,
/// because its `libraryPaths` shape the import path of every other file.
pub(crate) fn settings(sources: &Arc<Sources>, sink: &mut Sink) -> Result<SettingsValue> {
    settings_with(&mut Runner::new(sources), sources, sink)
}

fn settings_with(runner: &mut Runner, sources: &Sources, sink: &mut Sink) -> Result<SettingsValue> {
    let file = sources.get(SETTINGS_FILE).ok_or_else(|| Error::Internal {
        message: "the settings file vanished".to_owned(),
    })?;
    let ran = runner.run(
        &crate::model::default_library_paths(),
        &[Job::Evaluate(file)],
        &Bar::new("evaluating", 1, "files"),
    )?;
    let mut value = None;
    let mut imports = Imports::default();
    for done in ran {
        imports.add(done.resolutions);
        match done.outcome {
            Outcome::Value(json) => value = serde_json::from_str(&json).ok(),
            Outcome::Failed(diagnostic) | Outcome::Walked(Some(diagnostic)) => {
                sink.push(*diagnostic);
            }
            Outcome::Walked(None) => {}
        }
    }
    Ok(SettingsValue {
        file,
        value,
        imports,
    })
}

/// Evaluates the settings and every entity file of `sources`, and reads the syntax tree of
/// every other Jsonnet file for its depth and imports.
pub(crate) fn evaluate(sources: &Arc<Sources>, sink: &mut Sink) -> Result<Evaluation> {
    let mut runner = Runner::new(sources);
    let settings = settings_with(&mut runner, sources, sink)?;
    let library_paths = settings
        .value
        .as_ref()
        .and_then(settings_library_paths)
        .unwrap_or_else(crate::model::default_library_paths);
    let layout = Layout::new(sources, &library_paths, sink);
    let entity_files: HashSet<FileId> = layout.entities.iter().map(|entity| entity.file).collect();
    let mut jobs: Vec<Job> = layout
        .entities
        .iter()
        .map(|entity| Job::Evaluate(entity.file))
        .collect();
    jobs.extend(
        sources
            .iter()
            .filter(|(file, source)| {
                imports::is_jsonnet(&source.path)
                    && !entity_files.contains(file)
                    && sources.text(*file).is_some()
            })
            .map(|(file, _)| Job::Walk(file)),
    );
    let ran = runner.run(
        &library_paths,
        &jobs,
        &Bar::new("evaluating", jobs.len(), "files"),
    )?;
    imports::check(sources, &library_paths, &runner.walked(), sink);
    let mut entities = Vec::with_capacity(layout.entities.len());
    let mut failed = Vec::new();
    let mut imports = Imports::default();
    let evaluated = layout.entities.len();
    let mut done = ran.into_iter();
    for entity in layout.entities {
        let Some(Done {
            outcome,
            resolutions,
        }) = done.next()
        else {
            break;
        };
        imports.add(resolutions);
        match outcome {
            Outcome::Value(json) => entities.push((entity, json)),
            Outcome::Failed(diagnostic) | Outcome::Walked(Some(diagnostic)) => {
                sink.push(*diagnostic);
                failed.push(entity);
            }
            Outcome::Walked(None) => failed.push(entity),
        }
    }
    // A file too deep to import is reported where it is imported; a walk of it only repeats
    // that.
    let imported: HashSet<FileId> = imports
        .resolved()
        .chain(settings.imports.resolved())
        .collect();
    for (job, rest) in jobs[evaluated..].iter().zip(done) {
        if let Outcome::Failed(diagnostic) | Outcome::Walked(Some(diagnostic)) = rest.outcome
            && !imported.contains(&job.file())
        {
            sink.push(*diagnostic);
        }
    }
    Ok(Evaluation {
        settings,
        entities,
        failed,
        imports,
    })
}

/// Takes every file of `sources` for the value it holds as JSON text, as a Jsonnet file that
/// holds only JSON evaluates to: the later stages without jrsonnet, for the fuzz targets. A
/// file that is not JSON, or too deep, fails without a diagnostic. `None` without a settings
/// file.
pub(crate) fn data(sources: &Sources, sink: &mut Sink) -> Option<Evaluation> {
    let parse = |file: FileId| -> Option<Value> { serde_json::from_str(sources.text(file)?).ok() };
    let settings_file = sources.get(SETTINGS_FILE)?;
    let value = parse(settings_file);
    let library_paths = value
        .as_ref()
        .and_then(settings_library_paths)
        .unwrap_or_else(crate::model::default_library_paths);
    let layout = Layout::new(sources, &library_paths, sink);
    let mut entities = Vec::with_capacity(layout.entities.len());
    let mut failed = Vec::new();
    for entity in layout.entities {
        match parse(entity.file).as_ref().and_then(convert::data_to_json) {
            Some(json) => entities.push((entity, json)),
            None => failed.push(entity),
        }
    }
    Some(Evaluation {
        settings: SettingsValue {
            file: settings_file,
            value: value
                .as_ref()
                .and_then(convert::data_to_json)
                .and_then(|json| serde_json::from_str(&json).ok()),
            imports: Imports::default(),
        },
        entities,
        failed,
        imports: Imports::default(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Dependencies, Resolution, evaluate};
    use crate::diagnostic::{Code, Sink};
    use crate::source::{Content, SourceFile, Sources};

    fn sources(files: &[(&str, &str)]) -> Arc<Sources> {
        Arc::new(Sources::new(
            "registry".to_owned(),
            files
                .iter()
                .map(|(path, text)| SourceFile {
                    path: (*path).to_owned(),
                    content: Content::Text(Arc::from(*text)),
                })
                .collect(),
        ))
    }

    /// What each entity file may read, including the imports of a library that a file
    /// evaluated before it, with the same state, made jrsonnet resolve.
    #[test]
    fn records_what_each_entity_read() {
        let sources = sources(&[
            ("registry.jsonnet", "{ org: 'acme', repo: 'https://x' }"),
            (
                "lib/a.libsonnet",
                "{ b: import 'b.libsonnet', c: importstr 'c.txt' }",
            ),
            ("lib/b.libsonnet", "{ x: 1 }"),
            ("lib/c.txt", "text"),
            (
                "services/api.jsonnet",
                "(import 'a.libsonnet') + { m:: import 'missing.libsonnet' }",
            ),
            ("services/web.jsonnet", "import 'a.libsonnet'"),
        ]);
        let mut sink = Sink::default();
        let evaluation = evaluate(&sources, &mut sink).unwrap();
        let id = |path| sources.get(path).unwrap();
        let api = id("services/api.jsonnet");
        assert_eq!(
            evaluation.dependencies(api),
            Dependencies {
                reads: vec![
                    id("lib/a.libsonnet"),
                    id("lib/b.libsonnet"),
                    id("lib/c.txt"),
                    api
                ],
                imports: vec![
                    Resolution {
                        from: id("lib/a.libsonnet"),
                        path: "b.libsonnet".to_owned(),
                        resolved: Some(id("lib/b.libsonnet")),
                    },
                    Resolution {
                        from: id("lib/a.libsonnet"),
                        path: "c.txt".to_owned(),
                        resolved: Some(id("lib/c.txt")),
                    },
                    Resolution {
                        from: api,
                        path: "a.libsonnet".to_owned(),
                        resolved: Some(id("lib/a.libsonnet")),
                    },
                ],
            }
        );
        let web = id("services/web.jsonnet");
        let dependencies = evaluation.dependencies(web);
        assert_eq!(
            dependencies.reads,
            vec![
                id("lib/a.libsonnet"),
                id("lib/b.libsonnet"),
                id("lib/c.txt"),
                web
            ]
        );
        assert_eq!(dependencies.imports.len(), 3);
        let codes: Vec<Code> = sink.into_sorted().iter().map(|d| d.code).collect();
        assert!(codes.is_empty(), "{codes:?}");
    }
}
