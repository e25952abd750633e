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
mod memory;
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
use self::memory::Memory;
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
    /// How many entity files were evaluated; the others' values came from the cache. Read by
    /// the tests that prove the cache is used.
    #[allow(dead_code)]
    pub(crate) evaluated: usize,
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

/// What every evaluation depends on besides its files: this build of the tool and the budget.
pub(crate) fn context() -> String {
    memory::context(WORKERS.get().copied())
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
    settings_with(&mut Runner::new(sources), None, sources, sink)
}

fn settings_with(
    runner: &mut Runner,
    memory: Option<&mut Memory>,
    sources: &Sources,
    sink: &mut Sink,
) -> Result<SettingsValue> {
    let file = sources.get(SETTINGS_FILE).ok_or_else(|| Error::Internal {
        message: "the settings file vanished".to_owned(),
    })?;
    let library_paths = crate::model::default_library_paths();
    let mut memory = memory;
    let known = memory
        .as_deref_mut()
        .and_then(|memory| memory.value(sources, &library_paths, file));
    let fresh = known.is_none();
    let ran = match known {
        Some((json, resolutions)) => vec![Done {
            outcome: Outcome::Value(json),
            resolutions,
        }],
        None => runner.run(
            &library_paths,
            &[Job::Evaluate(file)],
            &Bar::new("evaluating", 1, "files"),
        )?,
    };
    let mut value = None;
    let mut imports = Imports::default();
    for done in ran {
        imports.add(done.resolutions);
        match done.outcome {
            Outcome::Value(json) => {
                value = serde_json::from_str(&json).ok();
                if let Some(memory) = memory.as_deref_mut() {
                    if fresh {
                        memory.keep(
                            sources,
                            &library_paths,
                            file,
                            Some(&json),
                            &imports.dependencies(file),
                        );
                    } else {
                        memory.put_back(sources, file, json);
                    }
                }
            }
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
/// every other Jsonnet file for its depth and imports. What an earlier run found is used again
/// wherever nothing it depends on has changed ([`memory`]).
pub(crate) fn evaluate(sources: &Arc<Sources>, sink: &mut Sink) -> Result<Evaluation> {
    evaluate_with(sources, crate::cache::get(), sink)
}

fn evaluate_with(
    sources: &Arc<Sources>,
    cache: Option<&crate::cache::Cache>,
    sink: &mut Sink,
) -> Result<Evaluation> {
    let mut runner = Runner::new(sources);
    let mut memory = Memory::load(cache, WORKERS.get().copied());
    let settings = settings_with(&mut runner, Some(&mut memory), sources, sink)?;
    let library_paths = settings
        .value
        .as_ref()
        .and_then(settings_library_paths)
        .unwrap_or_else(crate::model::default_library_paths);
    let layout = Layout::new(sources, &library_paths, sink);
    let entity_files: HashSet<FileId> = layout.entities.iter().map(|entity| entity.file).collect();
    let mut known: Vec<Option<Done>> = layout
        .entities
        .iter()
        .map(|entity| {
            let (json, resolutions) = memory.value(sources, &library_paths, entity.file)?;
            Some(Done {
                outcome: Outcome::Value(json),
                resolutions,
            })
        })
        .collect();
    let mut jobs: Vec<Job> = layout
        .entities
        .iter()
        .zip(&known)
        .filter(|(_, known)| known.is_none())
        .map(|(entity, _)| Job::Evaluate(entity.file))
        .collect();
    let evaluated = jobs.len();
    let mut walked = HashMap::new();
    for (file, source) in sources.iter() {
        if !imports::is_jsonnet(&source.path) || sources.text(file).is_none() {
            continue;
        }
        if let Some(walk) = memory.walk(sources, file) {
            walked.insert(file, walk);
        } else if !entity_files.contains(&file) {
            jobs.push(Job::Walk(file));
        }
    }
    let ran = runner.run(
        &library_paths,
        &jobs,
        &Bar::new("evaluating", jobs.len(), "files"),
    )?;
    let walks = runner.walked();
    for (&file, walk) in &walks {
        memory.keep_walk(sources, file, walk);
    }
    walked.extend(walks);
    imports::check(sources, &library_paths, &walked, sink);
    let mut entities = Vec::with_capacity(layout.entities.len());
    let mut failed = Vec::new();
    let mut imports = Imports::default();
    let mut done = ran.into_iter();
    let mut fresh = Vec::new();
    for (entity, known) in layout.entities.into_iter().zip(known.iter_mut()) {
        let Some(Done {
            outcome,
            resolutions,
        }) = known.take().or_else(|| {
            fresh.push(entity.file);
            done.next()
        })
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
    let fresh: HashSet<FileId> = fresh.into_iter().collect();
    for (entity, _) in &entities {
        if fresh.contains(&entity.file) {
            memory.keep(
                sources,
                &library_paths,
                entity.file,
                None,
                &imports.dependencies(entity.file),
            );
        }
    }
    let mut current = entity_files;
    current.insert(settings.file);
    memory.save(sources, &current, &entities);
    Ok(Evaluation {
        settings,
        entities,
        failed,
        imports,
        evaluated,
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
        evaluated: entities.len() + failed.len(),
        entities,
        failed,
        imports: Imports::default(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Dependencies, Resolution, evaluate, evaluate_with};
    use crate::cache::Cache;
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

    /// Each entity file's value, by path.
    fn values(sources: &Arc<Sources>, cache: Option<&Cache>) -> (Vec<(String, String)>, usize) {
        let mut sink = Sink::default();
        let evaluation = evaluate_with(sources, cache, &mut sink).unwrap();
        let values = evaluation
            .entities
            .iter()
            .map(|(entity, json)| (sources.file(entity.file).path.clone(), json.clone()))
            .collect();
        (values, evaluation.evaluated)
    }

    /// Values are kept in shards, by path: an edit of one entity file rewrites its shard
    /// alone, and the others are read back as they were.
    #[test]
    fn an_edit_rewrites_one_shard_of_values() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache"), 7);
        let mut files: Vec<(String, String)> = vec![(
            "registry.jsonnet".to_owned(),
            "{ org: 'acme', repo: 'https://x' }".to_owned(),
        )];
        for index in 0..64 {
            files.push((
                format!("services/s{index}.jsonnet"),
                format!("{{ n: {index} }}"),
            ));
        }
        let run = |files: &[(String, String)]| {
            let listed: Vec<(&str, &str)> = files
                .iter()
                .map(|(path, text)| (path.as_str(), text.as_str()))
                .collect();
            values(&sources(&listed), Some(&cache)).1
        };
        let shards = || -> Vec<(String, u64)> {
            let mut found: Vec<(String, u64)> = std::fs::read_dir(dir.path().join("cache"))
                .unwrap()
                .map(Result::unwrap)
                .filter(|entry| {
                    entry
                        .file_name()
                        .to_string_lossy()
                        .starts_with("evaluation-")
                })
                .map(|entry| {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    (name, entry.metadata().unwrap().ino())
                })
                .collect();
            found.sort();
            found
        };
        assert_eq!(run(&files), 64);
        let before = shards();
        assert_eq!(before.len(), 16, "{before:?}");
        files[10].1 = "{ n: 'edited' }".to_owned();
        assert_eq!(run(&files), 1);
        let after = shards();
        let rewritten = before.iter().zip(&after).filter(|(a, b)| a != b).count();
        assert_eq!(rewritten, 1, "{before:?} {after:?}");
        assert_eq!(run(&files), 0);
    }

    /// A value comes from the cache only while everything it was computed from is the same:
    /// each run gives what a run without a cache gives, evaluating only what changed.
    #[test]
    fn the_cache_evaluates_only_what_changed_and_never_changes_a_value() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache"), 7);
        let mut files = vec![
            (
                "registry.jsonnet",
                "{ org: 'acme', repo: 'https://x' }".to_owned(),
            ),
            ("lib/a.libsonnet", "{ b: import 'b.libsonnet' }".to_owned()),
            ("lib/b.libsonnet", "{ x: 1 }".to_owned()),
            ("lib/c.libsonnet", "{ c: 'library' }".to_owned()),
            ("services/api.jsonnet", "import 'a.libsonnet'".to_owned()),
            ("services/web.jsonnet", "import 'c.libsonnet'".to_owned()),
            ("services/db.jsonnet", "{ db: true }".to_owned()),
        ];
        let run = |files: &[(&str, String)], expected: usize| {
            let sources = sources(
                &files
                    .iter()
                    .map(|(path, text)| (*path, text.as_str()))
                    .collect::<Vec<_>>(),
            );
            let (cold, all) = values(&sources, None);
            assert_eq!(all, cold.len());
            let (warm, evaluated) = values(&sources, Some(&cache));
            assert_eq!(warm, cold);
            assert_eq!(evaluated, expected, "{files:?}");
            warm
        };
        run(&files, 3);
        run(&files, 0);
        // A library changes: only the file that imports it, through another, is evaluated.
        files[2].1 = "{ x: 2 }".to_owned();
        let found = run(&files, 1);
        assert!(found[0].1.contains("\"x\":2"), "{found:?}");
        // A new file next to an importer shadows the library it found before.
        files.push(("services/c.libsonnet", "{ c: 'beside' }".to_owned()));
        let found = run(&files, 1);
        assert!(
            found.iter().any(|(_, json)| json.contains("beside")),
            "{found:?}"
        );
        files.pop();
        run(&files, 1);
        // A renamed file is a new one; a deleted one is forgotten.
        files[6].0 = "services/database.jsonnet";
        run(&files, 1);
        files.remove(6);
        run(&files, 0);
        files.push(("services/db.jsonnet", "{ db: true }".to_owned()));
        run(&files, 1);
        // Other library paths: everything is evaluated again.
        files[0].1 =
            "{ org: 'acme', repo: 'https://x', libraryPaths: ['lib', 'vendor'] }".to_owned();
        run(&files, 3);
        run(&files, 0);
        // A damaged cache is ignored and rebuilt.
        let path = dir.path().join("cache/evaluation");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        run(&files, 3);
        run(&files, 0);
        // One written under another key is never believed.
        let other = Cache::at(dir.path().join("cache"), 8);
        let sources = sources(
            &files
                .iter()
                .map(|(path, text)| (*path, text.as_str()))
                .collect::<Vec<_>>(),
        );
        assert_eq!(values(&sources, Some(&other)).1, 3);
    }
}
