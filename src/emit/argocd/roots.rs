//! The objects of the platform itself, above the teams': an Argo CD's bootstrap (the roots'
//! project, restricted to the registry's repository, the Argo CD namespace and the kinds the
//! roots create; and the root, which keeps both in sync with the repository), the projects
//! that create namespaces and apply alerting rules, and per cluster its Secret and its root.

use std::collections::BTreeSet;

use serde::Serialize;

use super::manifest::{
    ARGO_API, AppProjectSpec, ApplicationSpec, Destination, GroupKind, Manifest, Metadata, Source,
    Spec, SyncPolicy, Wave, group_kind, stream,
};
use super::{Place, monitoring, namespaces};
use crate::emit::{OutputSet, Target};
use crate::model::{ClusterAuth, EntityId, IN_CLUSTER, Kind, Topology, names};

/// The bootstrap of the Argo CD running on `place`'s cluster, and the projects that create
/// the namespaces and apply the alerting rules of every cluster it manages.
pub(super) fn bootstrap(place: &Place, outputs: &mut OutputSet) {
    let graph = place.graph;
    let registry = &graph.registry;
    let settings = &registry.settings;
    let hub = &place.id.name;
    let topology = Topology::new(registry);
    let managed: Vec<(&EntityId, &crate::model::Cluster)> = topology.managed(hub).collect();
    let remote = managed
        .iter()
        .any(|(id, cluster)| !Topology::is_own(&id.name, cluster));
    let mut kinds = vec![
        group_kind("argoproj.io", "Application"),
        group_kind("argoproj.io", "AppProject"),
    ];
    if remote {
        kinds.push(group_kind("", "Secret"));
    }
    let project = Manifest {
        api_version: ARGO_API,
        kind: "AppProject",
        metadata: Metadata::new(
            names::BOOTSTRAP_PROJECT.to_owned(),
            Some(place.namespace),
            &[("cluster", hub), ("role", "bootstrap")],
        )
        .wave(Wave::Projects)
        .finalizer(),
        body: Spec {
            spec: AppProjectSpec {
                description: format!(
                    "The roots of the Argo CD on `{hub}`: only the registry's repository, only \
                     namespace `{}`",
                    place.namespace
                ),
                source_repos: vec![settings.repo.clone()],
                destinations: vec![Destination::new(IN_CLUSTER, place.namespace)],
                cluster_resource_whitelist: Vec::new(),
                namespace_resource_whitelist: Some(kinds),
                namespace_resource_blacklist: Vec::new(),
                roles: Vec::new(),
            },
        },
    };
    let root = Manifest {
        api_version: ARGO_API,
        kind: "Application",
        metadata: Metadata::new(
            names::ROOT.to_owned(),
            Some(place.namespace),
            &[("cluster", hub), ("role", "root")],
        )
        .wave(Wave::Applications)
        .finalizer(),
        body: Spec {
            spec: ApplicationSpec {
                project: names::BOOTSTRAP_PROJECT.to_owned(),
                source: Source::registry(settings, &format!("argocd/{hub}/root"), true),
                destination: Destination::new(IN_CLUSTER, place.namespace),
                sync_policy: SyncPolicy::new(true),
            },
        },
    };
    let entities: Vec<EntityId> = managed.iter().map(|(id, _)| (*id).clone()).collect();
    outputs.add(
        Target::ArgoBootstrap {
            argocd: hub.clone(),
        },
        stream(&[crate::emit::yaml(&project), crate::emit::yaml(&root)]),
        entities.iter().cloned(),
    );

    let shaped: BTreeSet<EntityId> = entities.into_iter().collect();
    platform_project(
        place,
        &managed,
        &Platform {
            name: names::NAMESPACES_PROJECT,
            role: "namespaces",
            description: format!(
                "The namespaces the registry declares on the clusters the Argo CD on `{hub}` \
                 manages, with their quotas"
            ),
            cluster_kinds: vec![group_kind("", "Namespace")],
            namespaced_kinds: vec![group_kind("", "ResourceQuota")],
            target: Target::ArgoNamespacesProject {
                argocd: hub.clone(),
            },
        },
        namespaces::of,
        shaped.clone(),
        outputs,
    );
    platform_project(
        place,
        &managed,
        &Platform {
            name: names::MONITORING_PROJECT,
            role: "monitoring",
            description: format!(
                "The alerting rules of the services on the clusters the Argo CD on `{hub}` \
                 manages, each in its service's namespace"
            ),
            cluster_kinds: Vec::new(),
            namespaced_kinds: vec![group_kind("monitoring.coreos.com", "PrometheusRule")],
            target: Target::ArgoMonitoringProject {
                argocd: hub.clone(),
            },
        },
        monitoring::of,
        shaped,
        outputs,
    );
}

/// A project of the platform's own objects on the clusters one Argo CD manages.
struct Platform {
    name: &'static str,
    role: &'static str,
    description: String,
    /// The only cluster-scoped kinds it may create.
    cluster_kinds: Vec<GroupKind>,
    /// The only namespaced kinds it may create.
    namespaced_kinds: Vec<GroupKind>,
    target: Target,
}

/// The services of each namespace of a cluster that a platform project reaches.
type Reach = for<'a> fn(
    &'a crate::graph::Graph,
    &EntityId,
) -> std::collections::BTreeMap<
    &'a str,
    Vec<(&'a EntityId, &'a crate::model::Service, usize)>,
>;

/// `platform`'s project, reaching exactly the namespaces `reach` finds on each cluster of
/// `managed` (and none, on a cluster where its Application's objects name their own); no
/// project when it reaches none.
fn platform_project(
    place: &Place,
    managed: &[(&EntityId, &crate::model::Cluster)],
    platform: &Platform,
    reach: Reach,
    mut shaped: BTreeSet<EntityId>,
    outputs: &mut OutputSet,
) {
    let settings = &place.graph.registry.settings;
    let mut destinations = BTreeSet::new();
    for (id, cluster) in managed {
        let server = Topology::server(&id.name, cluster);
        let found = reach(place.graph, id);
        if found.is_empty() {
            continue;
        }
        // Its Application names no namespace of its own.
        destinations.insert(Destination::new(server, ""));
        for (namespace, services) in found {
            destinations.insert(Destination::new(server, namespace));
            shaped.extend(services.into_iter().map(|(id, _, _)| id.clone()));
        }
    }
    if destinations.is_empty() {
        return;
    }
    let project = Manifest {
        api_version: ARGO_API,
        kind: "AppProject",
        metadata: Metadata::new(
            platform.name.to_owned(),
            Some(place.namespace),
            &[("cluster", &place.id.name), ("role", platform.role)],
        )
        .wave(Wave::Projects)
        .finalizer(),
        body: Spec {
            spec: AppProjectSpec {
                description: platform.description.clone(),
                source_repos: vec![settings.repo.clone()],
                destinations: destinations.into_iter().collect(),
                cluster_resource_whitelist: platform.cluster_kinds.clone(),
                namespace_resource_whitelist: Some(platform.namespaced_kinds.clone()),
                namespace_resource_blacklist: Vec::new(),
                roles: Vec::new(),
            },
        },
    };
    outputs.add(platform.target.clone(), crate::emit::yaml(&project), shaped);
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SecretBody {
    #[serde(rename = "type")]
    kind: &'static str,
    string_data: ClusterData,
}

/// What Argo CD reads from a cluster Secret (`util/db` `SecretToCluster`).
#[derive(Serialize)]
struct ClusterData {
    name: String,
    server: String,
    config: String,
}

/// The JSON of `config`: Argo CD's `ClusterConfig`, with no secret material.
#[derive(Serialize)]
#[allow(clippy::struct_field_names)] // Argo CD's own field names
#[serde(rename_all = "camelCase")]
struct ClusterConfig<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    aws_auth_config: Option<AwsAuthConfig<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exec_provider_config: Option<ExecProviderConfig>,
    tls_client_config: TlsClientConfig<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AwsAuthConfig<'a> {
    cluster_name: &'a str,
    #[serde(rename = "roleARN", skip_serializing_if = "Option::is_none")]
    role_arn: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExecProviderConfig {
    command: &'static str,
    args: Vec<&'static str>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    env: std::collections::BTreeMap<&'static str, String>,
    api_version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TlsClientConfig<'a> {
    insecure: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    ca_data: Option<&'a str>,
}

/// Argo CD's own client for cloud identities, in every Argo CD image.
const K8S_AUTH: &str = "argocd-k8s-auth";
const EXEC_API: &str = "client.authentication.k8s.io/v1beta1";

fn config(auth: Option<&ClusterAuth>, ca_data: Option<&str>) -> String {
    let mut config = ClusterConfig {
        aws_auth_config: None,
        exec_provider_config: None,
        tls_client_config: TlsClientConfig {
            insecure: false,
            ca_data,
        },
    };
    if let Some(auth) = auth {
        if let Some(eks) = &auth.eks {
            config.aws_auth_config = Some(AwsAuthConfig {
                cluster_name: &eks.cluster_name,
                role_arn: eks.role_arn.as_deref(),
            });
        } else if auth.gke.is_some() {
            config.exec_provider_config = Some(ExecProviderConfig {
                command: K8S_AUTH,
                args: vec!["gcp"],
                env: std::collections::BTreeMap::new(),
                api_version: EXEC_API,
            });
        } else if let Some(aks) = &auth.aks {
            config.exec_provider_config = Some(ExecProviderConfig {
                command: K8S_AUTH,
                args: vec!["azure"],
                env: [
                    ("AAD_ENVIRONMENT_NAME", "AzurePublicCloud".to_owned()),
                    ("AAD_LOGIN_METHOD", "workloadidentity".to_owned()),
                    ("AZURE_CLIENT_ID", aks.client_id.clone()),
                    ("AZURE_TENANT_ID", aks.tenant_id.clone()),
                ]
                .into_iter()
                .collect(),
                api_version: EXEC_API,
            });
        }
    }
    serde_json::to_string(&config).expect("configs serialize")
}

/// A cluster's file under its Argo CD's root: its Secret, when that Argo CD reaches it
/// remotely, and its own root, when anything deploys to it.
pub(super) fn cluster(place: &Place, outputs: &mut OutputSet) {
    let settings = &place.graph.registry.settings;
    let name = &place.id.name;
    let removal = place.strictest(0..place.services.len());
    let mut documents = Vec::new();
    if !Topology::is_own(name, place.cluster) {
        let secret = Manifest {
            api_version: "v1",
            kind: "Secret",
            metadata: Metadata::new(
                names::cluster_secret(name),
                Some(place.namespace),
                &[("cluster", name)],
            )
            .label("argocd.argoproj.io/secret-type", "cluster")
            .wave(Wave::Projects)
            .removal(removal),
            body: SecretBody {
                kind: "Opaque",
                string_data: ClusterData {
                    name: name.clone(),
                    server: place.server.to_owned(),
                    config: config(
                        place.cluster.argocd.auth.as_ref(),
                        place.cluster.argocd.ca_data.as_deref(),
                    ),
                },
            },
        };
        documents.push(crate::emit::yaml(&secret));
    }
    if !place.services.is_empty() {
        let root = Manifest {
            api_version: ARGO_API,
            kind: "Application",
            metadata: Metadata::new(
                names::cluster_root(name),
                Some(place.namespace),
                &[("cluster", name), ("role", "cluster")],
            )
            .wave(Wave::Applications)
            .removal(removal)
            .finalizer(),
            body: Spec {
                spec: ApplicationSpec {
                    project: names::BOOTSTRAP_PROJECT.to_owned(),
                    source: Source::registry(
                        settings,
                        &format!("argocd/{}/clusters/{name}", place.argocd),
                        true,
                    ),
                    destination: Destination::new(IN_CLUSTER, place.namespace),
                    sync_policy: SyncPolicy::new(true),
                },
            },
        };
        documents.push(crate::emit::yaml(&root));
    }
    if documents.is_empty() {
        return;
    }
    let mut entities = vec![place.id.clone()];
    entities.extend(place.services.iter().map(|(id, _, _)| (*id).clone()));
    if place.argocd != name.as_str() {
        entities.push(EntityId::new(Kind::Cluster, place.argocd));
    }
    outputs.add(
        Target::ArgoCluster {
            argocd: place.argocd.to_owned(),
            cluster: name.clone(),
        },
        stream(&documents),
        entities,
    );
}
