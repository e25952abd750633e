//! A first sync on an empty Argo CD, with the rules of [`super::admission`]: the bootstrap
//! file applied by `kubectl` in document order, then every Application reconciled the
//! moment it is created (`controller/appcontroller.go` — `refreshAppConditions` runs
//! `ValidatePermissions`, `getAppProj` needs the project), and synced: its source rendered
//! (a directory of the registry's repository read from the generated tree; a team's chart or
//! overlay as the objects the values contract makes), each object checked by
//! `validateSyncPermissions`, sorted by sync wave, and applied in order. An Application
//! created in one wave is synced before the next wave of its parent starts: what Argo CD's
//! Application health check gives, and what each generated Application's `retry` converges
//! to without it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::admission::{
    Cluster, Clusters, IN_CLUSTER, Task, Version, group_kind, is_destination_permitted,
    is_source_permitted, namespaced, normalize_git_url, secret_to_cluster, sort_tasks, text,
    validate_source_permissions, validate_sync_permissions,
};

/// The registry's repository, as Argo CD checks it out: `generated/` at `prefix`.
pub(crate) struct Repo {
    pub(crate) url: String,
    pub(crate) prefix: String,
    /// Where the generated tree is on disk.
    pub(crate) generated: PathBuf,
    /// The documents of every file of its Argo CD and Kubernetes trees, read once.
    files: BTreeMap<PathBuf, Vec<Value>>,
}

impl Repo {
    pub(crate) fn new(url: &str, prefix: &str, generated: &Path) -> Self {
        let mut files = BTreeMap::new();
        for tree in ["argocd", "kubernetes"] {
            let mut stack = vec![generated.join(tree)];
            while let Some(next) = stack.pop() {
                let Ok(entries) = std::fs::read_dir(&next) else {
                    continue;
                };
                for entry in entries {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        let text = std::fs::read_to_string(&path).unwrap();
                        files.insert(path, documents(&text));
                    }
                }
            }
        }
        Self {
            url: url.to_owned(),
            prefix: prefix.to_owned(),
            generated: generated.to_owned(),
            files,
        }
    }

    /// Every object in the tree under `dir`, with its file, in path order.
    pub(crate) fn objects_under(&self, dir: &Path) -> Vec<(&Path, &Value)> {
        self.files
            .range(dir.to_owned()..)
            .take_while(|(path, _)| path.starts_with(dir))
            .flat_map(|(path, objects)| objects.iter().map(move |object| (path.as_path(), object)))
            .collect()
    }
}

/// The documents of a YAML stream.
pub(crate) fn documents(text: &str) -> Vec<Value> {
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|document| Value::deserialize(document).unwrap())
        .filter(|value| !value.is_null())
        .collect()
}

/// An object on a cluster: its server (as the Argo CD simulated names it), group, kind,
/// namespace and name.
pub(crate) type Object = (String, String, String, String, String);

/// An Application that applied an object, with its project and the cluster it resolved.
#[derive(Clone, Debug)]
pub(crate) struct Applier {
    pub(crate) application: String,
    pub(crate) project: Value,
    pub(crate) cluster: Cluster,
}

/// One Argo CD, from nothing, and the clusters it deploys to.
pub(crate) struct Simulation<'a> {
    version: Version,
    repo: &'a Repo,
    /// The namespace Argo CD runs in and watches.
    pub(crate) namespace: String,
    projects: BTreeMap<String, Value>,
    clusters: Clusters,
    secrets: BTreeMap<String, Value>,
    applications: BTreeMap<String, Value>,
    /// The namespaces that exist on each cluster, by server.
    namespaces: BTreeMap<String, BTreeSet<String>>,
    /// Every Application synced, in order.
    pub(crate) synced: Vec<String>,
    /// Every object applied to a cluster, with the Applications that applied it.
    pub(crate) applied: BTreeMap<Object, Vec<Applier>>,
    /// Every refusal, with the Application it stopped.
    pub(crate) errors: Vec<String>,
}

impl<'a> Simulation<'a> {
    /// `kubectl apply -f <bootstrap>` on an Argo CD of `version`, and everything that follows.
    pub(crate) fn bootstrap(version: Version, repo: &'a Repo, bootstrap: &Path) -> Self {
        let objects = documents(&std::fs::read_to_string(bootstrap).unwrap());
        let namespace = text(&objects[0], &["metadata", "namespace"]).to_owned();
        let mut simulation = Self {
            version,
            repo,
            namespaces: BTreeMap::new(),
            namespace: namespace.clone(),
            projects: BTreeMap::new(),
            clusters: Clusters::default(),
            secrets: BTreeMap::new(),
            applications: BTreeMap::new(),
            synced: Vec::new(),
            applied: BTreeMap::new(),
            errors: Vec::new(),
        };
        simulation.existing(IN_CLUSTER).insert(namespace);
        for object in objects {
            simulation.create("kubectl", object);
        }
        simulation
    }

    /// The namespaces of the cluster at `server`: at first, Kubernetes' own.
    fn existing(&mut self, server: &str) -> &mut BTreeSet<String> {
        self.namespaces.entry(server.to_owned()).or_insert_with(|| {
            ["default", "kube-system", "kube-public", "kube-node-lease"]
                .iter()
                .map(ToString::to_string)
                .collect()
        })
    }

    fn refuse(&mut self, who: &str, why: impl std::fmt::Display) {
        self.errors.push(format!("{who}: {why}"));
    }

    /// An Argo CD object created in the Argo CD namespace: seen by the controller (from
    /// `NewApplicationController`'s namespace-scoped informers); one in any other
    /// namespace is not.
    fn create(&mut self, by: &str, object: Value) {
        let (group, kind) = group_kind(&object);
        let name = text(&object, &["metadata", "name"]).to_owned();
        let namespace = text(&object, &["metadata", "namespace"]);
        let argo = group == "argoproj.io"
            || (kind == "Secret"
                && text(
                    &object,
                    &["metadata", "labels", "argocd.argoproj.io/secret-type"],
                ) == "cluster");
        if !argo {
            return;
        }
        if namespace != self.namespace {
            let watched = self.namespace.clone();
            self.refuse(by, format!("{kind} {name} is in namespace {namespace:?}, not in {watched:?} where Argo CD watches"));
            return;
        }
        // Applying an object that exists updates it: the roots keep their own definitions.
        let known = match kind {
            "AppProject" => self.projects.get(&name),
            "Application" => self.applications.get(&name),
            _ => self.secrets.get(&name),
        };
        if let Some(known) = known {
            if *known != object {
                self.refuse(by, format!("{kind} {name} is defined twice, differently"));
            }
            return;
        }
        match kind {
            "AppProject" => {
                self.projects.insert(name, object);
            }
            "Secret" => match secret_to_cluster(&object) {
                Ok(cluster) => {
                    if self
                        .clusters
                        .secrets
                        .iter()
                        .any(|other| other.server == cluster.server)
                    {
                        self.refuse(
                            by,
                            format!("a second cluster Secret for {}", cluster.server),
                        );
                    }
                    self.clusters.secrets.push(cluster);
                    self.secrets.insert(name, object);
                }
                Err(error) => self.refuse(by, error),
            },
            "Application" => {
                self.applications.insert(name.clone(), object);
                self.reconcile(&name);
            }
            other => self.refuse(by, format!("unexpected {group}/{other}")),
        }
    }

    /// `refreshAppConditions` and a first sync (`SyncAppState`) of Application `name`.
    fn reconcile(&mut self, name: &str) {
        let application = self.applications[name].clone();
        let who = format!("Application {name}");
        let project_name = text(&application, &["spec", "project"]);
        // controller/appcontroller.go — getAppProj; projectErrorToCondition.
        let Some(project) = self.projects.get(project_name).cloned() else {
            self.refuse(
                &who,
                format!("Application referencing project {project_name} which does not exist"),
            );
            return;
        };
        let source = &application["spec"]["source"];
        if let Err(error) = validate_source_permissions(source) {
            self.refuse(&who, error);
            return;
        }
        let repo = text(source, &["repoURL"]);
        if !is_source_permitted(&project, repo) {
            self.refuse(
                &who,
                format!("application repo {repo} is not permitted in project '{project_name}'"),
            );
        }
        let destination = &application["spec"]["destination"];
        let cluster = match self.clusters.destination(self.version, destination) {
            Ok(cluster) => cluster,
            Err(error) => {
                self.refuse(&who, error);
                return;
            }
        };
        let namespace = text(destination, &["namespace"]).to_owned();
        if !is_destination_permitted(self.version, &project, &cluster, &namespace) {
            self.refuse(&who, format!(
                "application destination server '{}' and namespace '{namespace}' do not match any of the allowed destinations in project '{project_name}'",
                cluster.server
            ));
            return;
        }
        let mut objects = match self.render(&application) {
            Ok(objects) => objects,
            Err(error) => {
                self.refuse(&who, error);
                return;
            }
        };
        // gitops-engine sync_context.go — getSyncTasks: "enrich target objects with the
        // namespace".
        for object in &mut objects {
            let (group, kind) = group_kind(object);
            if namespaced(group, kind) && text(object, &["metadata", "namespace"]).is_empty() {
                object["metadata"]["namespace"] = Value::String(namespace.clone());
            }
        }
        let server = cluster.server.clone();
        let exists = self.existing(&server).contains(&namespace);
        let mut tasks: Vec<Task> = objects
            .into_iter()
            .map(|object| Task { phase: 0, object })
            .collect();
        // controller/sync.go — SyncAppState with CreateNamespace=true; sync_namespace.go —
        // syncNamespace; sync_context.go — autoCreateNamespace: a PreSync Namespace task
        // when the namespace does not exist and no manifest creates it.
        let options: Vec<&str> = application["spec"]["syncPolicy"]["syncOptions"]
            .as_array()
            .map(|options| options.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if options.contains(&"CreateNamespace=true")
            && !exists
            && !tasks.iter().any(|task| {
                text(&task.object, &["kind"]) == "Namespace"
                    && text(&task.object, &["metadata", "name"]) == namespace
            })
        {
            tasks.push(Task {
                phase: -1,
                object: serde_json::json!({
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": { "name": namespace },
                }),
            });
        }
        let mut valid = true;
        for task in &tasks {
            let (group, kind) = group_kind(&task.object);
            if let Err(error) = validate_sync_permissions(
                self.version,
                &project,
                &cluster,
                &task.object,
                namespaced(group, kind),
            ) {
                self.refuse(&who, error);
                valid = false;
            }
        }
        if !valid {
            self.refuse(&who, "one or more synchronization tasks are not valid");
            return;
        }
        sort_tasks(&mut tasks);
        for task in tasks {
            let (group, kind) = group_kind(&task.object);
            let object_name = text(&task.object, &["metadata", "name"]).to_owned();
            self.applied
                .entry((
                    server.clone(),
                    group.to_owned(),
                    kind.to_owned(),
                    text(&task.object, &["metadata", "namespace"]).to_owned(),
                    object_name.clone(),
                ))
                .or_default()
                .push(Applier {
                    application: name.to_owned(),
                    project: project.clone(),
                    cluster: cluster.clone(),
                });
            if kind == "Namespace" && group.is_empty() {
                self.existing(&server).insert(object_name);
                continue;
            }
            let object_namespace = text(&task.object, &["metadata", "namespace"]).to_owned();
            if namespaced(group, kind) && !self.existing(&server).contains(&object_namespace) {
                self.refuse(&who, format!("{kind} {object_name}: namespaces \"{object_namespace}\" not found on {server}"));
                continue;
            }
            if server == IN_CLUSTER {
                self.create(&who, task.object);
            }
        }
        self.synced.push(name.to_owned());
    }

    /// The objects an Application's source renders to.
    fn render(&self, application: &Value) -> Result<Vec<Value>, String> {
        let source = &application["spec"]["source"];
        if normalize_git_url(text(source, &["repoURL"])) != normalize_git_url(&self.repo.url) {
            return Ok(contract(application));
        }
        // util/app/path/path.go — Path: an absolute path, or one outside the checkout, is
        // refused; it must be an existing directory.
        let path = text(source, &["path"]);
        if path.starts_with('/') || path.split('/').any(|segment| segment == "..") {
            return Err(format!("{path}: app path outside root"));
        }
        let relative = path
            .strip_prefix(&self.repo.prefix)
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(|| format!("{path}: outside the generated tree"))?;
        let dir = self.repo.generated.join(relative);
        if !dir.is_dir() {
            return Err(format!("{path}: app path does not exist"));
        }
        let recurse = source["directory"]["recurse"].as_bool().unwrap_or(false);
        let mut objects = Vec::new();
        for (path, found) in self.repo.objects_under(&dir) {
            let nested = path.parent() != Some(dir.as_path());
            let extension = path.extension().and_then(|extension| extension.to_str());
            if (recurse || !nested)
                && extension.is_some_and(|extension| ["yaml", "yml", "json"].contains(&extension))
            {
                objects.push(found.clone());
            }
        }
        Ok(objects)
    }
}

/// What a service's chart, overlay or directory creates by the values contract: its
/// workload and the namespaced objects around it, named like the service, in the
/// Application's namespace; an autoscaler when it autoscales.
fn contract(application: &Value) -> Vec<Value> {
    let service = text(application, &["metadata", "labels", "registry.dev/service"]).to_owned();
    assert!(!service.is_empty(), "a team Application names its service");
    let object = |api_version: &str, kind: &str| {
        serde_json::json!({
            "apiVersion": api_version,
            "kind": kind,
            "metadata": { "name": service },
        })
    };
    let mut objects = vec![
        object("v1", "ServiceAccount"),
        object("v1", "ConfigMap"),
        object("v1", "Service"),
        object("apps/v1", "Deployment"),
        object("policy/v1", "PodDisruptionBudget"),
    ];
    let source = &application["spec"]["source"];
    let autoscales = source["helm"]["valuesObject"]["autoscaling"]["enabled"] == true
        || source["kustomize"]["patches"]
            .as_array()
            .is_some_and(|patches| {
                patches
                    .iter()
                    .any(|patch| text(patch, &["target", "kind"]) == "HorizontalPodAutoscaler")
            });
    if autoscales {
        objects.push(object("autoscaling/v2", "HorizontalPodAutoscaler"));
    }
    objects
}

/// A cluster as the tests name it.
pub(crate) fn cluster(server: &str, name: &str) -> Cluster {
    Cluster {
        server: server.to_owned(),
        name: name.to_owned(),
    }
}
