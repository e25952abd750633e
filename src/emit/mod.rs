//! Stage 4, emit: pure functions from the linked [`Graph`] to an [`OutputSet`], the files that
//! `build` writes and `check` compares, byte for byte the same on every machine: keys sorted,
//! entities in name order, a trailing newline. Nothing here touches the file system.

mod alertmanager;
mod argocd;
mod backstage;
mod blob;
mod codeowners;
mod piece;
mod prometheus;
mod terraform;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::graph::Graph;
use crate::model::{EntityId, Kind};
use crate::source::Sources;

pub(crate) use self::blob::API_VERSION;
pub(crate) use self::codeowners::{HEADER as CODEOWNERS_HEADER, owner};
use self::piece::{Job, Keys, jobs, render};

/// The record of what `build` wrote, so that it can remove exactly its own stale files.
pub(crate) const MANIFEST: &str = "manifest.json";

/// What a generated file is: which consumer reads it, and for what. Its path follows from it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Target {
    /// The record of what `build` wrote.
    Manifest,
    /// The registry blob, for every consumer.
    Blob,
    /// The teams' Terraform variables.
    TerraformTeams,
    /// One cloud project's Terraform variables.
    TerraformProject { project: String },
    /// An Argo CD's bootstrap: the roots' project and the root, applied once by hand.
    ArgoBootstrap { argocd: String },
    /// The project that creates the namespaces of the clusters an Argo CD manages.
    ArgoNamespacesProject { argocd: String },
    /// The project that applies the `PrometheusRule`s of the clusters an Argo CD manages.
    ArgoMonitoringProject { argocd: String },
    /// A cluster's Secret (when managed remotely) and its root, under its Argo CD's root.
    ArgoCluster { argocd: String, cluster: String },
    /// A team's `AppProject` on a cluster.
    ArgoProject {
        argocd: String,
        cluster: String,
        team: String,
    },
    /// The Application that creates a cluster's namespaces.
    ArgoNamespaces { argocd: String, cluster: String },
    /// The Application that applies a cluster's `PrometheusRule`s.
    ArgoMonitoring { argocd: String, cluster: String },
    /// A service's Application on a cluster.
    ArgoApplication {
        argocd: String,
        cluster: String,
        service: String,
    },
    /// A cluster's namespaces and their quotas, which its namespaces Application syncs.
    Namespaces { cluster: String },
    /// The declarations of the teams' Terraform variables.
    TerraformTeamsVariables,
    /// The declarations of one cloud project's Terraform variables.
    TerraformProjectVariables { project: String },
    /// A service's `PrometheusRule` on a cluster, which the cluster's monitoring Application
    /// applies.
    PrometheusRule { cluster: String, service: String },
    /// The Alertmanager configuration.
    Alertmanager,
    /// The Backstage `Location` that lists every catalog file.
    BackstageLocation,
    /// One entity's Backstage catalog file.
    BackstageEntity { kind: Kind, name: String },
    /// A team member's Backstage `User`.
    BackstageUser { login: String },
    /// CODEOWNERS, outside the output directory: `path` is relative to the repository's root.
    Codeowners { path: String },
}

impl Target {
    /// The file's path, relative to the output directory.
    pub(crate) fn path(&self) -> String {
        match self {
            Self::Manifest => MANIFEST.to_owned(),
            Self::Blob => blob::PATH.to_owned(),
            Self::TerraformTeams => "terraform/teams.auto.tfvars.json".to_owned(),
            Self::TerraformProject { project } => {
                format!("terraform/projects/{project}.auto.tfvars.json")
            }
            Self::ArgoBootstrap { argocd } => format!("argocd/{argocd}/root/bootstrap.yaml"),
            Self::ArgoNamespacesProject { argocd } => {
                format!("argocd/{argocd}/root/namespaces.yaml")
            }
            Self::ArgoMonitoringProject { argocd } => {
                format!("argocd/{argocd}/root/monitoring.yaml")
            }
            Self::ArgoCluster { argocd, cluster } => {
                format!("argocd/{argocd}/root/clusters/{cluster}.yaml")
            }
            Self::ArgoProject {
                argocd,
                cluster,
                team,
            } => format!("argocd/{argocd}/clusters/{cluster}/projects/{team}.yaml"),
            Self::ArgoNamespaces { argocd, cluster } => {
                format!("argocd/{argocd}/clusters/{cluster}/namespaces.yaml")
            }
            Self::ArgoMonitoring { argocd, cluster } => {
                format!("argocd/{argocd}/clusters/{cluster}/monitoring.yaml")
            }
            Self::ArgoApplication {
                argocd,
                cluster,
                service,
            } => format!("argocd/{argocd}/clusters/{cluster}/apps/{service}.yaml"),
            Self::Namespaces { cluster } => format!("kubernetes/{cluster}/namespaces.yaml"),
            Self::TerraformTeamsVariables => "terraform/teams.variables.tf.json".to_owned(),
            Self::TerraformProjectVariables { project } => {
                format!("terraform/projects/{project}.variables.tf.json")
            }
            Self::PrometheusRule { cluster, service } => {
                format!("{}/{service}.yaml", monitoring_dir(cluster))
            }
            Self::Alertmanager => "alertmanager/alertmanager.yaml".to_owned(),
            Self::BackstageLocation => "backstage/catalog.yaml".to_owned(),
            Self::BackstageEntity { kind, name } => format!("backstage/{}/{name}.yaml", kind.dir()),
            Self::BackstageUser { login } => format!("backstage/users/{login}.yaml"),
            // A leading `/`, as in CODEOWNERS itself: from the repository's root, never a path
            // in the output directory (which refuses absolute paths).
            Self::Codeowners { path } => format!("/{path}"),
        }
    }

    /// The tool that reads this file.
    pub(crate) fn consumer(&self) -> &'static str {
        match self {
            Self::Manifest => "registry build",
            Self::Blob => "every consumer",
            Self::TerraformTeams
            | Self::TerraformProject { .. }
            | Self::TerraformTeamsVariables
            | Self::TerraformProjectVariables { .. } => "Terraform",
            Self::ArgoBootstrap { .. }
            | Self::ArgoNamespacesProject { .. }
            | Self::ArgoMonitoringProject { .. }
            | Self::ArgoCluster { .. }
            | Self::ArgoProject { .. }
            | Self::ArgoNamespaces { .. }
            | Self::ArgoMonitoring { .. }
            | Self::ArgoApplication { .. } => "Argo CD",
            Self::Namespaces { .. } => "Kubernetes, through Argo CD",
            Self::PrometheusRule { .. } => "Prometheus, through Argo CD",
            Self::Alertmanager => "Alertmanager",
            Self::BackstageLocation | Self::BackstageEntity { .. } | Self::BackstageUser { .. } => {
                "Backstage"
            }
            Self::Codeowners { .. } => "GitHub",
        }
    }

    /// The Terraform root that reads this file: a cloud project, or `teams`.
    pub(crate) fn terraform_root(&self) -> Option<&str> {
        match self {
            Self::TerraformTeams | Self::TerraformTeamsVariables => Some("teams"),
            Self::TerraformProject { project } | Self::TerraformProjectVariables { project } => {
                Some(project)
            }
            _ => None,
        }
    }

    /// The cluster this file deploys to or declares: for an Argo CD's own files, the cluster
    /// it runs on.
    pub(crate) fn cluster(&self) -> Option<&str> {
        match self {
            Self::ArgoBootstrap { argocd }
            | Self::ArgoNamespacesProject { argocd }
            | Self::ArgoMonitoringProject { argocd } => Some(argocd),
            Self::ArgoCluster { cluster, .. }
            | Self::ArgoProject { cluster, .. }
            | Self::ArgoNamespaces { cluster, .. }
            | Self::ArgoMonitoring { cluster, .. }
            | Self::ArgoApplication { cluster, .. }
            | Self::Namespaces { cluster }
            | Self::PrometheusRule { cluster, .. } => Some(cluster),
            _ => None,
        }
    }

    /// Whether the file holds Kubernetes objects that Argo CD applies.
    fn is_kubernetes(&self) -> bool {
        self.cluster().is_some()
    }
}

/// The directory of a cluster's `PrometheusRule`s, which its monitoring Application syncs,
/// relative to the output directory: beside its namespaces, never under an Argo CD's tree,
/// whose roots would apply them in a project that forbids them.
fn monitoring_dir(cluster: &str) -> String {
    format!("kubernetes/{cluster}/monitoring")
}

/// What applying the change of one generated file from `before` to `after` destroys in a
/// cluster (an Application or a Namespace removed, renamed or moved; an Application's
/// project or destination changed), one sentence each; empty when nothing is.
pub(crate) fn destruction(before: Option<&OutputFile>, after: Option<&OutputFile>) -> Vec<String> {
    match before {
        Some(before) if before.target.is_kubernetes() => {
            argocd::destruction(Some(&before.bytes), after.map(|file| file.bytes.as_slice()))
        }
        _ => Vec::new(),
    }
}

/// One generated file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OutputFile {
    pub(crate) target: Target,
    pub(crate) bytes: Vec<u8>,
    /// The SHA-256 of `bytes`, taken once, where the file is rendered.
    pub(crate) digest: [u8; 32],
    /// The entities whose change can change this file.
    pub(crate) entities: BTreeSet<EntityId>,
}

impl OutputFile {
    pub(crate) fn new(target: Target, bytes: Vec<u8>, entities: BTreeSet<EntityId>) -> Self {
        Self {
            target,
            digest: digest(&bytes),
            bytes,
            entities,
        }
    }
}

/// Every generated file, by path relative to the output directory.
#[derive(Debug, Default)]
pub(crate) struct OutputSet {
    pub(crate) files: BTreeMap<String, OutputFile>,
}

/// The manifest: every other file, the entities that shape it, and its SHA-256 and size, so
/// that `build` removes a file only while it is still what a build wrote.
fn render_manifest(files: &[Known]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Manifest<'a> {
        #[serde(rename = "apiVersion")]
        api_version: &'a str,
        files: BTreeMap<&'a str, Entry>,
    }
    #[derive(Serialize)]
    struct Entry {
        entities: Vec<String>,
        sha256: String,
        size: usize,
    }
    json(&Manifest {
        api_version: API_VERSION,
        files: files
            .iter()
            .map(|file| {
                (
                    file.path.as_str(),
                    Entry {
                        entities: file.entities.iter().map(ToString::to_string).collect(),
                        sha256: hex(&file.digest),
                        size: file.size,
                    },
                )
            })
            .collect(),
    })
}

/// The SHA-256 of `bytes`, in lowercase hex.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex(&digest(bytes))
}

/// The SHA-256 of `bytes`.
pub(crate) fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
}

/// `digest` in lowercase hex.
pub(crate) fn hex(digest: &[u8; 32]) -> String {
    use std::fmt::Write as _;
    digest
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

impl OutputSet {
    fn add(
        &mut self,
        target: Target,
        bytes: Vec<u8>,
        entities: impl IntoIterator<Item = EntityId>,
    ) {
        self.files.insert(
            target.path(),
            OutputFile::new(target, bytes, entities.into_iter().collect()),
        );
    }
}

/// The blob alone, `registry.json`, for `publish`.
pub(crate) fn registry_blob(graph: &Graph) -> Vec<u8> {
    let mut part = OutputSet::default();
    blob::emit(graph, &mut part);
    part.files
        .remove(blob::PATH)
        .expect("the blob is always emitted")
        .bytes
}

/// CODEOWNERS, when the settings ask for it: the one file outside the output directory, so
/// `build` and `check` handle it on their own, never through the output directory.
pub(crate) fn codeowners(graph: &Graph, sources: &Sources) -> Option<OutputFile> {
    codeowners::emit(graph, sources)
}

/// Every output of `graph`, CODEOWNERS included, in one set: what `explain` reads.
pub(crate) fn everything(graph: &Graph, sources: &Sources) -> OutputSet {
    let mut outputs = emit(graph);
    if let Some(file) = codeowners(graph, sources) {
        outputs.files.insert(file.target.path(), file);
    }
    outputs
}

/// Renders every output of `graph` into one set, for the site.
pub(crate) fn emit(graph: &Graph) -> OutputSet {
    let all = std::sync::Mutex::new(OutputSet::default());
    let result: Result<(), std::convert::Infallible> = emit_each(graph, None, &|part| {
        all.lock()
            .expect("no emitter panics")
            .files
            .extend(part.files);
        Ok(())
    });
    let Ok(()) = result;
    all.into_inner().expect("no emitter panics")
}

/// Runs `work` on each of `jobs`, on every core, until one fails; the first error.
fn on_every_core<J: Sync, E: Send>(
    jobs: &[J],
    work: &(dyn Fn(&J) -> Result<(), E> + Sync),
) -> Result<(), E> {
    let threads = crate::parallel::threads();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(jobs.len()))
            .map(|_| {
                scope.spawn(|| -> Result<(), E> {
                    while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        if let Err(error) = work(job) {
                            // Let the other workers stop too.
                            next.store(jobs.len(), Ordering::Relaxed);
                            return Err(error);
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|worker| worker.join().expect("emitters do not panic"))
    })
}

/// What was rendered before, for a run that need not render a piece again.
pub(crate) trait Pieces: Sync {
    /// The files of the piece named `name`, when it was rendered before with key `key` and
    /// the output directory still holds exactly those files; each then counts as handed in.
    fn take(&self, name: &str, key: &[u8; 32]) -> Option<Vec<Known>>;

    /// Records that the piece named `name`, of key `key`, rendered `files`.
    fn remember(&self, name: &str, key: &[u8; 32], files: &[Known]);
}

/// What a piece rendered before tells of one of its files, without its bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Known {
    pub(crate) path: String,
    pub(crate) digest: [u8; 32],
    pub(crate) size: usize,
    pub(crate) entities: BTreeSet<EntityId>,
}

impl Known {
    /// What `part` tells of each of its files.
    pub(crate) fn of(part: &OutputSet) -> Vec<Self> {
        part.files
            .iter()
            .map(|(path, file)| Self {
                path: path.clone(),
                digest: file.digest,
                size: file.bytes.len(),
                entities: file.entities.clone(),
            })
            .collect()
    }
}

/// Renders every output of `graph`, the independent pieces on every core, handing each piece
/// to `consume` as soon as it is rendered and then dropping it, so a large registry's outputs
/// are never all in memory at once. A piece that `pieces` holds with the same key and still
/// finds in the output directory is not rendered. The manifest comes last, once every other
/// file has been consumed; the first error stops the rest.
pub(crate) fn emit_each<E: Send>(
    graph: &Graph,
    pieces: Option<&dyn Pieces>,
    consume: &(dyn Fn(OutputSet) -> Result<(), E> + Sync),
) -> Result<(), E> {
    let listed = std::sync::Mutex::new(Vec::new());
    let list = |known: Vec<Known>| listed.lock().expect("no emitter panics").extend(known);
    let keys = pieces.map(|_| Keys::new(graph));
    on_every_core(&jobs(graph), &|job| {
        let name = format!("{job:?}");
        let key = keys.as_ref().map(|keys| keys.key(job));
        if let (Some(pieces), Some(key)) = (pieces, &key)
            && let Some(known) = pieces.take(&name, key)
        {
            list(known);
            return Ok(());
        }
        let part = render(graph, job);
        let known = Known::of(&part);
        if let (Some(pieces), Some(key)) = (pieces, &key) {
            pieces.remember(&name, key, &known);
        }
        list(known);
        consume(part)
    })?;
    let listed = listed.into_inner().expect("no emitter panics");
    let mut manifest = OutputSet::default();
    manifest.add(Target::Manifest, render_manifest(&listed), []);
    consume(manifest)
}

/// Renders the outputs of `base` and `head` piece by piece, the pieces on every core, handing
/// each piece of both sides to `consume` together (a piece only one side has comes with an
/// empty set for the other) and then dropping it, so neither side's outputs are ever all in
/// memory. A piece whose key is the same on both sides renders the same files on both, and
/// is rendered on neither. The manifest, which only records the rest, is not rendered.
pub(crate) fn emit_pairs(
    base: &Graph,
    head: &Graph,
    consume: &(dyn Fn(OutputSet, OutputSet) + Sync),
) {
    let base_jobs = jobs(base);
    let head_jobs = jobs(head);
    let (base_keys, head_keys) = (Keys::new(base), Keys::new(head));
    let mut both: Vec<&Job> = base_jobs.iter().chain(&head_jobs).collect();
    both.sort();
    both.dedup();
    let result: Result<(), std::convert::Infallible> = on_every_core(&both, &|job| {
        let (in_base, in_head) = (base_jobs.contains(*job), head_jobs.contains(*job));
        if in_base && in_head && base_keys.key(job) == head_keys.key(job) {
            return Ok(());
        }
        let side = |graph: &Graph, present: bool| {
            if present {
                render(graph, job)
            } else {
                OutputSet::default()
            }
        };
        consume(side(base, in_base), side(head, in_head));
        Ok(())
    });
    let Ok(()) = result;
}

/// Pretty JSON with a trailing newline.
fn json(value: &impl Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("outputs serialize");
    bytes.push(b'\n');
    bytes
}

/// YAML, as Kubernetes tools write it: `serde_yaml_ng`'s output, from the direct writer
/// wherever it is certain to match it (most documents, at a fraction of the cost), from
/// `serde_yaml_ng` itself for the rest. In tests, every answer is checked against it.
fn yaml(value: &impl Serialize) -> Vec<u8> {
    let fast = yaml::to_string(value);
    #[cfg(test)]
    yaml::witness(value, fast.as_deref());
    fast.unwrap_or_else(|| serde_yaml_ng::to_string(value).expect("outputs serialize"))
        .into_bytes()
}
