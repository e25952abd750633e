//! Stage 4, emit: pure functions from the linked [`Graph`] to an [`OutputSet`], the files that
//! `build` writes and `check` compares, byte for byte the same on every machine: keys sorted,
//! entities in name order, a trailing newline. Nothing here touches the file system.

mod argocd;
mod blob;
mod terraform;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::graph::Graph;
use crate::model::{EntityId, Kind};

pub(crate) use self::blob::API_VERSION;

/// The record of what `build` wrote, so that it can remove exactly its own stale files.
pub(crate) const MANIFEST: &str = "manifest.json";

/// One generated file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OutputFile {
    pub(crate) bytes: Vec<u8>,
    /// The entities whose change can change this file.
    pub(crate) entities: BTreeSet<EntityId>,
}

/// Every generated file, by path relative to the output directory.
#[derive(Debug, Default)]
pub(crate) struct OutputSet {
    pub(crate) files: BTreeMap<String, OutputFile>,
}

impl OutputSet {
    fn add(&mut self, path: String, bytes: Vec<u8>, entities: impl IntoIterator<Item = EntityId>) {
        self.files.insert(
            path,
            OutputFile {
                bytes,
                entities: entities.into_iter().collect(),
            },
        );
    }

    /// The manifest's content: every other file and the entities that shape it.
    fn manifest(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Manifest<'a> {
            #[serde(rename = "apiVersion")]
            api_version: &'a str,
            files: BTreeMap<&'a str, Vec<String>>,
        }
        let manifest = Manifest {
            api_version: API_VERSION,
            files: self
                .files
                .iter()
                .map(|(path, file)| {
                    (
                        path.as_str(),
                        file.entities.iter().map(ToString::to_string).collect(),
                    )
                })
                .collect(),
        };
        json(&manifest)
    }
}

/// One independent piece of emission.
enum Job<'a> {
    Blob,
    Teams,
    Project(&'a EntityId),
    Cluster(&'a EntityId),
}

/// Renders every output of `graph`, the independent pieces on every core.
pub(crate) fn emit(graph: &Graph) -> OutputSet {
    let jobs: Vec<Job> = [Job::Blob, Job::Teams]
        .into_iter()
        .chain(
            graph
                .entities(Kind::Project)
                .map(|(id, _)| Job::Project(id)),
        )
        .chain(
            graph
                .entities(Kind::Cluster)
                .map(|(id, _)| Job::Cluster(id)),
        )
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, OutputSet)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(jobs.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(index) else { break };
                        let mut outputs = OutputSet::default();
                        match job {
                            Job::Blob => blob::emit(graph, &mut outputs),
                            Job::Teams => terraform::teams(graph, &mut outputs),
                            Job::Project(id) => terraform::project(graph, id, &mut outputs),
                            Job::Cluster(id) => argocd::emit(graph, id, &mut outputs),
                        }
                        done.push((index, outputs));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("emitters do not panic"))
            .collect()
    });
    done.sort_by_key(|(index, _)| *index);
    let mut outputs = OutputSet::default();
    for (_, part) in done {
        outputs.files.extend(part.files);
    }
    let manifest = outputs.manifest();
    outputs.add(MANIFEST.to_owned(), manifest, []);
    outputs
}

/// Pretty JSON with a trailing newline.
fn json(value: &impl Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("outputs serialize");
    bytes.push(b'\n');
    bytes
}

/// YAML, as Kubernetes tools write it.
fn yaml(value: &impl Serialize) -> Vec<u8> {
    serde_yaml_ng::to_string(value)
        .expect("outputs serialize")
        .into_bytes()
}
