//! Argo CD app-of-apps: per cluster, a root Application that syncs the cluster's directory; in
//! it, an `AppProject` per team deploying there (only the team's own repositories, only its own
//! namespaces, no cluster-scoped resources) and an Application per deployment. Every manifest
//! validates against the strict schemas of Argo CD's own CRDs.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{OutputSet, Target};
use crate::graph::{Graph, Relation};
use crate::model::{Cluster, EntityId, Kind, Lifecycle, Service};

const API_VERSION: &str = "argoproj.io/v1alpha1";
const FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
/// Where Argo CD itself runs, as its own Applications see it.
const IN_CLUSTER: &str = "https://kubernetes.default.svc";
const LABEL_PREFIX: &str = "registry.dev";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Manifest<'a, S> {
    api_version: &'a str,
    kind: &'a str,
    metadata: Metadata,
    spec: S,
}

#[derive(Serialize)]
struct Metadata {
    name: String,
    namespace: String,
    labels: BTreeMap<String, String>,
    finalizers: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationSpec {
    project: String,
    source: Source,
    destination: Destination,
    sync_policy: SyncPolicy,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Source {
    #[serde(rename = "repoURL")]
    repo_url: String,
    path: String,
    target_revision: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    directory: Option<Directory>,
}

#[derive(Serialize)]
struct Directory {
    recurse: bool,
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
struct Destination {
    server: String,
    namespace: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SyncPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    automated: Option<Automated>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sync_options: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Automated {
    prune: bool,
    self_heal: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppProjectSpec {
    description: String,
    source_repos: Vec<String>,
    destinations: Vec<Destination>,
    cluster_resource_whitelist: Vec<GroupKind>,
    namespace_resource_blacklist: Vec<GroupKind>,
    roles: Vec<Role>,
}

#[derive(Serialize)]
struct GroupKind {
    group: &'static str,
    kind: &'static str,
}

#[derive(Serialize)]
struct Role {
    name: &'static str,
    description: String,
    groups: Vec<String>,
    policies: Vec<String>,
}

/// The root Application of one cluster, and everything its directory holds.
pub(super) fn emit(graph: &Graph, cluster_id: &EntityId, outputs: &mut OutputSet) {
    let Some(cluster) = graph.registry.cluster(&cluster_id.name) else {
        return;
    };
    root(graph, cluster_id, cluster, outputs);
    let mut teams: BTreeMap<&str, Vec<(&EntityId, &Service)>> = BTreeMap::new();
    for service_id in graph.referrers(cluster_id, Relation::Cluster) {
        let Some(service) = graph.registry.service(&service_id.name) else {
            continue;
        };
        // A second deployment to one cluster is refused when linking (`emit-conflict`).
        let Some(index) = service
            .deployments
            .iter()
            .position(|deployment| deployment.cluster == cluster_id.name)
        else {
            continue;
        };
        teams
            .entry(service.owner.as_str())
            .or_default()
            .push((service_id, service));
        application(cluster_id, cluster, service_id, service, index, outputs);
    }
    for (team, services) in teams {
        project(graph, cluster_id, cluster, team, &services, outputs);
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| (format!("{LABEL_PREFIX}/{key}"), (*value).to_owned()))
        .collect()
}

/// The `AppProject` of `team` on `cluster`: unique per Argo CD namespace.
fn project_name(cluster: &EntityId, team: &str) -> String {
    format!("{}-{team}", cluster.name)
}

fn root(graph: &Graph, id: &EntityId, cluster: &Cluster, outputs: &mut OutputSet) {
    let settings = &graph.registry.settings;
    let manifest = Manifest {
        api_version: API_VERSION,
        kind: "Application",
        metadata: Metadata {
            name: format!("{}-root", id.name),
            namespace: cluster.argocd.namespace.clone(),
            labels: labels(&[("cluster", &id.name), ("role", "root")]),
            finalizers: vec![FINALIZER],
        },
        spec: ApplicationSpec {
            project: "default".to_owned(),
            source: Source {
                repo_url: settings.repo.clone(),
                path: format!("{}/argocd/clusters/{}", settings.generated_path, id.name),
                target_revision: settings.revision.clone(),
                directory: Some(Directory { recurse: true }),
            },
            destination: Destination {
                server: IN_CLUSTER.to_owned(),
                namespace: cluster.argocd.namespace.clone(),
            },
            sync_policy: SyncPolicy {
                automated: Some(Automated {
                    prune: true,
                    self_heal: true,
                }),
                sync_options: Vec::new(),
            },
        },
    };
    outputs.add(
        Target::ArgoRoot {
            cluster: id.name.clone(),
        },
        super::yaml(&manifest),
        [id.clone()],
    );
}

fn application(
    cluster_id: &EntityId,
    cluster: &Cluster,
    id: &EntityId,
    service: &Service,
    index: usize,
    outputs: &mut OutputSet,
) {
    let deployment = &service.deployments[index];
    let tier = service.tier.to_string();
    // Deprecated services are synced by hand: nothing changes under them unannounced.
    let automated = (service.lifecycle != Lifecycle::Deprecated).then_some(Automated {
        prune: true,
        self_heal: true,
    });
    let manifest = Manifest {
        api_version: API_VERSION,
        kind: "Application",
        metadata: Metadata {
            name: format!("{}-{}", id.name, cluster_id.name),
            namespace: cluster.argocd.namespace.clone(),
            labels: labels(&[
                ("cluster", &cluster_id.name),
                ("lifecycle", &service.lifecycle.to_string()),
                ("service", &id.name),
                ("team", &service.owner),
                ("tier", &tier),
            ]),
            finalizers: vec![FINALIZER],
        },
        spec: ApplicationSpec {
            project: project_name(cluster_id, &service.owner),
            source: Source {
                repo_url: service.repo.clone(),
                path: deployment.path.clone(),
                target_revision: deployment.revision.clone(),
                directory: None,
            },
            destination: Destination {
                server: cluster.argocd.server.clone(),
                namespace: deployment.namespace.clone(),
            },
            sync_policy: SyncPolicy {
                automated,
                sync_options: vec!["CreateNamespace=true"],
            },
        },
    };
    let owner = EntityId::new(Kind::Team, service.owner.clone());
    outputs.add(
        Target::ArgoApplication {
            cluster: cluster_id.name.clone(),
            service: id.name.clone(),
        },
        super::yaml(&manifest),
        [cluster_id.clone(), id.clone(), owner],
    );
}

fn project(
    graph: &Graph,
    cluster_id: &EntityId,
    cluster: &Cluster,
    team: &str,
    services: &[(&EntityId, &Service)],
    outputs: &mut OutputSet,
) {
    let settings = &graph.registry.settings;
    let name = project_name(cluster_id, team);
    let repos: BTreeSet<String> = services
        .iter()
        .map(|(_, service)| service.repo.clone())
        .collect();
    let destinations: BTreeSet<Destination> = services
        .iter()
        .flat_map(|(_, service)| service.deployments.iter())
        .filter(|deployment| deployment.cluster == cluster_id.name)
        .map(|deployment| Destination {
            server: cluster.argocd.server.clone(),
            namespace: deployment.namespace.clone(),
        })
        .collect();
    let manifest = Manifest {
        api_version: API_VERSION,
        kind: "AppProject",
        metadata: Metadata {
            name: name.clone(),
            namespace: cluster.argocd.namespace.clone(),
            labels: labels(&[("cluster", &cluster_id.name), ("team", team)]),
            finalizers: vec![FINALIZER],
        },
        spec: AppProjectSpec {
            description: format!("Team `{team}` on cluster `{}`", cluster_id.name),
            source_repos: repos.into_iter().collect(),
            destinations: destinations.into_iter().collect(),
            cluster_resource_whitelist: Vec::new(),
            namespace_resource_blacklist: vec![
                GroupKind {
                    group: "",
                    kind: "ResourceQuota",
                },
                GroupKind {
                    group: "",
                    kind: "LimitRange",
                },
                GroupKind {
                    group: "networking.k8s.io",
                    kind: "NetworkPolicy",
                },
            ],
            roles: vec![Role {
                name: "team",
                description: format!("Members of team `{team}`"),
                groups: vec![format!("{}:{team}", settings.org)],
                policies: vec![
                    format!("p, proj:{name}:team, applications, get, {name}/*, allow"),
                    format!("p, proj:{name}:team, applications, sync, {name}/*, allow"),
                ],
            }],
        },
    };
    let mut entities: Vec<EntityId> = services.iter().map(|(id, _)| (*id).clone()).collect();
    entities.push(cluster_id.clone());
    entities.push(EntityId::new(Kind::Team, team));
    outputs.add(
        Target::ArgoProject {
            cluster: cluster_id.name.clone(),
            team: team.to_owned(),
        },
        super::yaml(&manifest),
        entities,
    );
}
