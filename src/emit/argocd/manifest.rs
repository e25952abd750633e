//! The shapes of the Kubernetes objects the Argo CD tree holds, in the field order
//! Kubernetes tools write them. Optional fields are left out rather than written empty, except
//! where an empty list means something to Argo CD (`clusterResourceWhitelist: []`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::Removal;

pub(super) const ARGO_API: &str = "argoproj.io/v1alpha1";
/// Deletes what an Application deployed when the Application is deleted; on an
/// `AppProject`, keeps it while Applications use it.
pub(super) const FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
const LABEL_PREFIX: &str = "registry.dev";
const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
const SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";

/// When an object is applied within its root's sync: projects, cluster Secrets and
/// namespaces before the Applications that need them.
#[derive(Clone, Copy)]
pub(super) enum Wave {
    /// `AppProject`s and cluster Secrets.
    Projects = -2,
    /// The Applications that create namespaces.
    Namespaces = -1,
    /// Every other Application.
    Applications = 0,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Manifest<S> {
    pub(super) api_version: &'static str,
    pub(super) kind: &'static str,
    pub(super) metadata: Metadata,
    #[serde(flatten)]
    pub(super) body: S,
}

/// The annotation that tells Argo CD what to do with an object of `removal`'s policy when it
/// leaves the registry, or its Application is deleted; none when it is pruned.
pub(crate) fn removal_annotation(removal: Removal) -> Option<(&'static str, &'static str)> {
    match removal {
        Removal::Prune => None,
        Removal::Confirm => Some((SYNC_OPTIONS, "Prune=confirm,Delete=confirm")),
        Removal::Keep => Some((SYNC_OPTIONS, "Prune=false,Delete=false")),
    }
}

#[derive(Default, Serialize)]
pub(super) struct Metadata {
    pub(super) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) namespace: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(super) labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(super) annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) finalizers: Vec<&'static str>,
}

impl Metadata {
    /// An object named `name` in `namespace`, labelled `registry.dev/<key>: <value>`.
    pub(super) fn new(name: String, namespace: Option<&str>, labels: &[(&str, &str)]) -> Self {
        Self {
            name,
            namespace: namespace.map(ToOwned::to_owned),
            labels: labels
                .iter()
                .map(|(key, value)| (format!("{LABEL_PREFIX}/{key}"), (*value).to_owned()))
                .collect(),
            ..Self::default()
        }
    }

    #[must_use]
    pub(super) fn wave(mut self, wave: Wave) -> Self {
        self.annotations
            .insert(SYNC_WAVE.to_owned(), (wave as i32).to_string());
        self
    }

    /// What Argo CD does when the object leaves the registry, or its parent is deleted.
    #[must_use]
    pub(super) fn removal(mut self, removal: Removal) -> Self {
        if let Some((key, options)) = removal_annotation(removal) {
            self.annotations.insert(key.to_owned(), options.to_owned());
        }
        self
    }

    #[must_use]
    pub(super) fn finalizer(mut self) -> Self {
        self.finalizers.push(FINALIZER);
        self
    }

    #[must_use]
    pub(super) fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.to_owned(), value.to_owned());
        self
    }
}

/// The `spec` of an object, under that key.
#[derive(Serialize)]
pub(super) struct Spec<S> {
    pub(super) spec: S,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApplicationSpec {
    pub(super) project: String,
    pub(super) source: Source,
    pub(super) destination: Destination,
    pub(super) sync_policy: SyncPolicy,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Source {
    #[serde(rename = "repoURL")]
    pub(super) repo_url: String,
    pub(super) path: String,
    pub(super) target_revision: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) directory: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) helm: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) kustomize: Option<serde_json::Value>,
}

impl Source {
    /// A directory of the registry's own repository, and its subdirectories when `recurse`.
    pub(super) fn registry(settings: &crate::model::Settings, path: &str, recurse: bool) -> Self {
        Self {
            repo_url: settings.repo.clone(),
            path: format!("{}/{path}", settings.generated_path),
            target_revision: settings.revision.clone(),
            directory: recurse.then(|| serde_json::json!({ "recurse": true })),
            helm: None,
            kustomize: None,
        }
    }
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(super) struct Destination {
    pub(super) server: String,
    /// Absent (empty) for an Application whose objects each name their namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) namespace: Option<String>,
}

impl Destination {
    pub(super) fn new(server: &str, namespace: &str) -> Self {
        Self {
            server: server.to_owned(),
            namespace: Some(namespace.to_owned()),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SyncPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) automated: Option<Automated>,
    pub(super) retry: Retry,
}

impl SyncPolicy {
    /// Automated, pruning and healing, or by hand; either way a failed sync is retried, so an
    /// Application that reaches Argo CD before its namespace exists converges on its own.
    pub(super) fn new(automated: bool) -> Self {
        Self {
            automated: automated.then_some(Automated {
                prune: true,
                self_heal: true,
            }),
            retry: Retry {
                limit: 5,
                backoff: Backoff {
                    duration: "10s",
                    factor: 2,
                    max_duration: "3m",
                },
            },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Automated {
    prune: bool,
    self_heal: bool,
}

#[derive(Serialize)]
pub(super) struct Retry {
    limit: u32,
    backoff: Backoff,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Backoff {
    duration: &'static str,
    factor: u32,
    max_duration: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AppProjectSpec {
    pub(super) description: String,
    pub(super) source_repos: Vec<String>,
    pub(super) destinations: Vec<Destination>,
    /// No cluster-scoped kind unless listed: absent and empty mean the same to Argo CD.
    pub(super) cluster_resource_whitelist: Vec<GroupKind>,
    /// Absent means every namespaced kind; an empty list would mean none, so it is never
    /// written empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) namespace_resource_whitelist: Option<Vec<GroupKind>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) namespace_resource_blacklist: Vec<GroupKind>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) roles: Vec<Role>,
}

#[derive(Clone, Serialize)]
pub(super) struct GroupKind {
    pub(super) group: &'static str,
    pub(super) kind: &'static str,
}

pub(super) const fn group_kind(group: &'static str, kind: &'static str) -> GroupKind {
    GroupKind { group, kind }
}

#[derive(Serialize)]
pub(super) struct Role {
    pub(super) name: &'static str,
    pub(super) description: String,
    pub(super) groups: Vec<String>,
    pub(super) policies: Vec<String>,
}

/// Documents as one YAML stream, each after a `---` but the first.
pub(super) fn stream(documents: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (index, document) in documents.iter().enumerate() {
        if index > 0 {
            out.extend_from_slice(b"---\n");
        }
        out.extend_from_slice(document);
    }
    out
}
