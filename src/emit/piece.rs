//! The independent pieces of emission, and what each reads. A piece's key is a digest of all
//! it reads: the tool's build, the settings, and the value of each entity it looks at, with
//! every entity of a kind it looks through. Two renderings of a piece with the same key are
//! the same files, byte for byte, so `diff` renders neither side of a piece whose key is the
//! same on both, and `check` takes a piece whose key it has rendered before from the cache,
//! while the output directory still holds exactly those files.
//!
//! What a piece reads is written here, beside the emitters: a piece that reads more than its
//! key says would be taken from the cache when it should not be. The tests change each entity
//! of a registry in turn and render every piece whose key stayed the same, to prove that its
//! files stayed the same too.

use std::collections::BTreeSet;

use strum::IntoEnumIterator as _;

use super::{OutputSet, alertmanager, argocd, backstage, blob, prometheus, terraform};
use crate::graph::{Graph, Relation};
use crate::model::{EntityId, Kind, Topology};

/// One independent piece of emission.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Job<'a> {
    Blob,
    Teams,
    Project(&'a EntityId),
    Cluster(&'a EntityId),
    Alertmanager,
    Backstage(Kind),
    BackstageUsers,
}

/// The independent pieces of emission of `graph`.
pub(super) fn jobs(graph: &Graph) -> Vec<Job<'_>> {
    [
        Job::Blob,
        Job::Teams,
        Job::Alertmanager,
        Job::BackstageUsers,
    ]
    .into_iter()
    .chain(Kind::iter().map(Job::Backstage))
    .chain(graph.registry.projects().map(|(id, _)| Job::Project(id)))
    .chain(graph.registry.clusters().map(|(id, _)| Job::Cluster(id)))
    .collect()
}

/// Renders one piece of `graph`.
pub(super) fn render(graph: &Graph, job: &Job) -> OutputSet {
    let mut part = OutputSet::default();
    match job {
        Job::Blob => blob::emit(graph, &mut part),
        Job::Teams => {
            terraform::teams(graph, &mut part);
            terraform::teams_variables(&mut part);
        }
        Job::Project(id) => {
            terraform::project(graph, id, &mut part);
            terraform::project_variables(id, &mut part);
        }
        Job::Cluster(id) => {
            argocd::emit(graph, id, &mut part);
            prometheus::emit(graph, id, &mut part);
        }
        Job::Alertmanager => alertmanager::emit(graph, &mut part),
        Job::Backstage(kind) => backstage::entities(graph, *kind, &mut part),
        Job::BackstageUsers => {
            backstage::members(graph, &mut part);
            backstage::location(graph, &mut part);
        }
    }
    part
}

/// What one piece reads, besides the settings.
enum Reads {
    /// Every entity.
    Everything,
    /// Every entity of `kinds`, and each of `entities`, present or not.
    Some {
        kinds: &'static [Kind],
        entities: BTreeSet<EntityId>,
    },
}

/// What `job` reads of `graph`.
fn reads(graph: &Graph, job: &Job) -> Reads {
    let registry = &graph.registry;
    match job {
        // Every team's variables, from the teams alone.
        Job::Teams => Reads::Some {
            kinds: &[Kind::Team],
            entities: BTreeSet::new(),
        },
        // The project, the clusters in it (found by looking through every cluster), the
        // services that deploy to them and those services' teams.
        Job::Project(id) => {
            let mut entities = BTreeSet::from([(*id).clone()]);
            for (cluster, found) in registry.clusters() {
                if found.project != id.name {
                    continue;
                }
                for service in graph.referrers(cluster, Relation::Cluster) {
                    if let Some(found) = registry.service(&service.name) {
                        entities.insert(EntityId::new(Kind::Team, found.owner.clone()));
                    }
                    entities.insert(service.clone());
                }
            }
            Reads::Some {
                kinds: &[Kind::Cluster],
                entities,
            }
        }
        // The cluster, its Argo CD's (found by looking through every cluster), and the
        // services that deploy to it; for a cluster that runs its own Argo CD, also the
        // services on every cluster that Argo CD manages, whose namespaces and rules its
        // platform projects reach.
        Job::Cluster(id) => {
            let mut hubs = vec![*id];
            if let Some(cluster) = registry.cluster(&id.name)
                && Topology::is_own(&id.name, cluster)
            {
                hubs.extend(
                    Topology::new(registry)
                        .managed(&id.name)
                        .map(|(managed, _)| managed),
                );
            }
            let entities = hubs
                .into_iter()
                .flat_map(|hub| graph.referrers(hub, Relation::Cluster))
                .cloned()
                .collect();
            Reads::Some {
                kinds: &[Kind::Cluster],
                entities,
            }
        }
        Job::Blob | Job::Alertmanager | Job::Backstage(_) | Job::BackstageUsers => {
            Reads::Everything
        }
    }
}

/// The digests a piece's key is made of, taken once per graph.
pub(super) struct Keys<'g> {
    graph: &'g Graph,
    /// The tool's build and the settings.
    base: [u8; 32],
    /// Every entity of each kind.
    kinds: Vec<(Kind, [u8; 32])>,
    /// Every entity.
    everything: [u8; 32],
}

impl<'g> Keys<'g> {
    pub(super) fn new(graph: &'g Graph) -> Self {
        let mut base = Hasher::default();
        base.field(crate::cache::build().as_bytes());
        base.field(&graph.registry.settings_digest);
        let mut everything = Hasher::default();
        let kinds = Kind::iter()
            .map(|kind| {
                let mut hasher = Hasher::default();
                for (id, record) in graph.registry.records(kind) {
                    hasher.field(id.name.as_bytes());
                    hasher.field(&record.digest);
                }
                let digest = hasher.finish();
                everything.field(&digest);
                (kind, digest)
            })
            .collect();
        Self {
            graph,
            base: base.finish(),
            kinds,
            everything: everything.finish(),
        }
    }

    /// The key of `job`: the same key, the same files.
    pub(super) fn key(&self, job: &Job) -> [u8; 32] {
        let mut hasher = Hasher::default();
        hasher.field(&self.base);
        hasher.field(format!("{job:?}").as_bytes());
        match reads(self.graph, job) {
            Reads::Everything => hasher.field(&self.everything),
            Reads::Some { kinds, entities } => {
                for kind in kinds {
                    let (_, digest) = self
                        .kinds
                        .iter()
                        .find(|(known, _)| known == kind)
                        .expect("every kind has a digest");
                    hasher.field(digest);
                }
                for id in entities {
                    hasher.field(id.to_string().as_bytes());
                    match self.graph.registry.entities.get(&id) {
                        Some(record) => hasher.field(&record.digest),
                        None => hasher.field(b"absent"),
                    }
                }
            }
        }
        hasher.finish()
    }
}

/// SHA-256 over fields, each prefixed with its length, so that no two lists of fields hash
/// alike.
#[derive(Default)]
struct Hasher(sha2::Sha256);

impl Hasher {
    fn field(&mut self, bytes: &[u8]) {
        use sha2::Digest as _;
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    fn finish(self) -> [u8; 32] {
        use sha2::Digest as _;
        self.0.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::sync::Arc;

    use serde_json::Value;

    use super::{Keys, jobs, render};
    use crate::compilation::Compilation;
    use crate::diagnostic::Sink;
    use crate::model::Kind;
    use crate::source::{Content, SourceFile, Sources};

    /// The example registry as data: each entity file and the settings file holding the JSON
    /// its Jsonnet evaluates to.
    fn example() -> BTreeMap<String, Value> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("registry");
        let sources = Arc::new(crate::source::read_dir(&root).unwrap());
        let settings = crate::evaluate::settings(&sources, &mut Sink::default())
            .unwrap()
            .value
            .unwrap();
        let compilation = Compilation::new(Arc::clone(&sources)).unwrap();
        let graph = compilation.graph().unwrap();
        let mut files = BTreeMap::from([(crate::source::SETTINGS_FILE.to_owned(), settings)]);
        for record in graph.registry.entities.values() {
            let path = sources.file(record.file).path.clone();
            files.insert(path, serde_json::from_str(&record.json).unwrap());
        }
        files
    }

    fn compile(files: &BTreeMap<String, Value>) -> Option<Compilation> {
        let files = files
            .iter()
            .map(|(path, value)| SourceFile {
                path: path.clone(),
                content: Content::Text(Arc::from(value.to_string())),
            })
            .collect();
        let compilation = Compilation::of_data(Arc::new(Sources::new("registry".into(), files)))?;
        compilation.graph()?;
        Some(compilation)
    }

    /// Each file of a piece, with its bytes.
    type Files = Vec<(String, Vec<u8>)>;

    fn files_of(graph: &crate::graph::Graph, job: &super::Job) -> Files {
        let files = render(graph, job).files.into_iter();
        files.map(|(path, file)| (path, file.bytes)).collect()
    }

    /// Every scalar in `value`, by JSON pointer.
    fn leaves(value: &Value, at: &str, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    leaves(value, &format!("{at}/{key}"), found);
                }
            }
            Value::Array(items) => {
                for (index, value) in items.iter().enumerate() {
                    leaves(value, &format!("{at}/{index}"), found);
                }
            }
            _ => found.push(at.to_owned()),
        }
    }

    /// The changes tried on the scalar at `pointer` of an entity: the value another entity
    /// of its kind holds there (another team, cluster or project for a reference), and one
    /// made up.
    fn changes(files: &BTreeMap<String, Value>, path: &str, pointer: &str) -> Vec<Value> {
        let old = files[path].pointer(pointer).unwrap();
        let directory = path.rsplit_once('/').map_or("", |(directory, _)| directory);
        let mut found: Vec<Value> = files
            .iter()
            .filter(|(other, _)| {
                other
                    .rsplit_once('/')
                    .is_some_and(|(dir, _)| dir == directory)
            })
            .filter_map(|(_, value)| value.pointer(pointer))
            .filter(|value| *value != old && !value.is_object() && !value.is_array())
            .take(1)
            .cloned()
            .collect();
        found.push(match old {
            Value::String(text) => Value::String(format!("{text}x")),
            Value::Number(number) => Value::from(number.as_u64().map_or(1, |n| n + 1)),
            Value::Bool(flag) => Value::Bool(!flag),
            _ => Value::Null,
        });
        found
    }

    /// The fields that name another entity.
    const REFERENCES: &[&str] = &[
        "/owner",
        "/project",
        "/cluster",
        "/namespace",
        "/managedBy",
        "/parent",
    ];

    /// Changing any one value of any entity of the example registry leaves every piece whose
    /// key is the same rendering the same files: what a piece reads, its key covers. And the
    /// keys are not all alike: a change reaches the pieces that read it and spares the rest.
    #[test]
    fn a_piece_whose_key_is_the_same_renders_the_same_files() {
        let files = example();
        let base = compile(&files).unwrap();
        let graph = base.graph().unwrap();
        let keys = Keys::new(graph);
        let before: BTreeMap<String, ([u8; 32], Files)> = jobs(graph)
            .iter()
            .map(|job| (format!("{job:?}"), (keys.key(job), files_of(graph, job))))
            .collect();
        let (mut compiled, mut kept, mut changed) = (0, 0, 0);
        let mut reached = BTreeMap::<Kind, usize>::new();
        for (path, value) in &files {
            if path == crate::source::SETTINGS_FILE {
                continue;
            }
            let mut pointers = Vec::new();
            leaves(value, "", &mut pointers);
            // Every reference, and a few other values spread over the entity.
            let stride = pointers.len().div_ceil(3).max(1);
            let tried = pointers.iter().enumerate().filter(|(at, pointer)| {
                at % stride == 0 || REFERENCES.iter().any(|name| pointer.ends_with(name))
            });
            for (at, pointer) in tried {
                let values = changes(&files, path, pointer);
                // The value of another entity where there is one, else one made up.
                let change = values[at % values.len()].clone();
                {
                    let mut edited = files.clone();
                    *edited.get_mut(path).unwrap().pointer_mut(pointer).unwrap() = change;
                    let Some(after) = compile(&edited) else {
                        continue;
                    };
                    compiled += 1;
                    let graph = after.graph().unwrap();
                    let keys = Keys::new(graph);
                    for job in jobs(graph) {
                        let name = format!("{job:?}");
                        let Some((key, files)) = before.get(&name) else {
                            continue;
                        };
                        if *key != keys.key(&job) {
                            changed += 1;
                            continue;
                        }
                        kept += 1;
                        assert!(
                            files_of(graph, &job) == *files,
                            "{name} kept its key when `{path}` changed at `{pointer}`, but \
                             renders other files"
                        );
                    }
                    let kind = graph
                        .registry
                        .entities
                        .iter()
                        .find(|(_, record)| after.sources().file(record.file).path == *path)
                        .map(|(id, _)| id.kind);
                    *reached.entry(kind.unwrap()).or_default() += 1;
                }
            }
        }
        assert!(compiled > 100, "{compiled} changes compiled");
        assert!(
            kept > compiled && changed > compiled,
            "{kept} kept, {changed} changed"
        );
        for kind in [Kind::Team, Kind::Project, Kind::Cluster, Kind::Service] {
            assert!(
                reached.get(&kind).is_some_and(|count| *count > 8),
                "{reached:?}"
            );
        }
    }
}
