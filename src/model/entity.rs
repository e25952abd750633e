//! Typed entities, read from values that passed their schema, with the schema's optional
//! fields defaulted. Emitters read these; the blob also keeps the full evaluated value.

use std::collections::BTreeMap;

use serde::Deserialize;
use strum::Display;

use super::{Environment, Lifecycle};

/// Where a deployment's manifests are in its service's repository, by default.
pub(crate) const DEFAULT_PATH: &str = "deploy";

/// The revision Argo CD tracks for a deployment, by default.
pub(crate) const DEFAULT_REVISION: &str = "HEAD";

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Team {
    pub(crate) description: String,
    pub(crate) slack: String,
    pub(crate) parent: Option<String>,
    pub(crate) members: Vec<Member>,
    pub(crate) on_call: Option<OnCall>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Member {
    pub(crate) login: String,
    pub(crate) name: Option<String>,
    pub(crate) email: String,
    pub(crate) role: String,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct OnCall {
    pub(crate) rotation: String,
    pub(crate) hours: String,
    pub(crate) escalation: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Project {
    pub(crate) owner: String,
    pub(crate) provider: String,
    pub(crate) cloud_id: String,
    pub(crate) environment: Environment,
    pub(crate) region: String,
    pub(crate) cost_centre: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Cluster {
    pub(crate) project: String,
    pub(crate) environment: Environment,
    pub(crate) region: String,
    pub(crate) kubernetes_version: String,
    pub(crate) argocd: ArgoCd,
    #[serde(default)]
    pub(crate) node_pools: Vec<NodePool>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArgoCd {
    /// The cluster's API server, as an Argo CD on another cluster reaches it.
    pub(crate) server: String,
    /// The namespace the Argo CD running on this cluster watches, when it runs one.
    pub(crate) namespace: String,
    /// The cluster whose Argo CD manages this one; `None` when it runs its own.
    pub(crate) managed_by: Option<String>,
    /// The base64 of the PEM bundle of the API server's certificate authorities.
    pub(crate) ca_data: Option<String>,
    /// How a remote Argo CD authenticates to the API server, without secret material.
    pub(crate) auth: Option<ClusterAuth>,
}

/// Workload identity, one kind per cloud: what a cluster Secret's `config` needs.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClusterAuth {
    pub(crate) eks: Option<EksAuth>,
    pub(crate) gke: Option<GkeAuth>,
    pub(crate) aks: Option<AksAuth>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EksAuth {
    pub(crate) cluster_name: String,
    #[serde(rename = "roleARN")]
    pub(crate) role_arn: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct GkeAuth {}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AksAuth {
    pub(crate) client_id: String,
    pub(crate) tenant_id: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NodePool {
    pub(crate) name: String,
    pub(crate) machine_type: String,
    pub(crate) min_nodes: u32,
    pub(crate) max_nodes: u32,
    #[serde(default)]
    pub(crate) spot: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Service {
    pub(crate) description: String,
    pub(crate) owner: String,
    pub(crate) tier: u8,
    pub(crate) lifecycle: Lifecycle,
    pub(crate) repo: String,
    pub(crate) language: String,
    #[serde(default, rename = "type")]
    pub(crate) component: ComponentType,
    pub(crate) system: Option<String>,
    #[serde(default)]
    pub(crate) depends_on: Vec<String>,
    #[serde(default)]
    pub(crate) provides_apis: Vec<String>,
    #[serde(default)]
    pub(crate) consumes_apis: Vec<String>,
    #[serde(default)]
    pub(crate) alerts: Vec<Alert>,
    #[serde(default)]
    pub(crate) deployments: Vec<Deployment>,
    #[serde(default)]
    pub(crate) resources: Resources,
    /// How the deployments' manifests are made: a Helm chart, a Kustomize overlay, or a
    /// plain directory.
    #[serde(default)]
    pub(crate) packaging: Packaging,
    #[serde(default)]
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) requests: Option<Requests>,
    #[serde(default)]
    pub(crate) ports: Vec<Port>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub(crate) enum Packaging {
    Helm,
    Kustomize,
    #[default]
    Directory,
}

/// Compute requested by each replica, as Kubernetes quantities.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Requests {
    pub(crate) cpu: String,
    pub(crate) memory: String,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Port {
    pub(crate) name: String,
    pub(crate) port: u16,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Deployment {
    pub(crate) cluster: String,
    pub(crate) namespace: String,
    pub(crate) replicas: u32,
    pub(crate) autoscaling: Option<Autoscaling>,
    #[serde(default = "default_path")]
    pub(crate) path: String,
    #[serde(default = "default_revision")]
    pub(crate) revision: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Autoscaling {
    pub(crate) max_replicas: u32,
    pub(crate) target_cpu_percent: Option<u32>,
}

/// What kind of component a service is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub(crate) enum ComponentType {
    #[default]
    Service,
    Website,
    Library,
}

/// One alerting rule of a service.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Alert {
    pub(crate) name: String,
    pub(crate) expr: String,
    #[serde(rename = "for")]
    pub(crate) for_duration: Option<String>,
    pub(crate) severity: String,
    pub(crate) summary: String,
}

/// Services and APIs that give one capability together.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct System {
    pub(crate) description: String,
    pub(crate) owner: String,
}

/// An interface services provide and consume.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Api {
    pub(crate) description: String,
    pub(crate) owner: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) lifecycle: Lifecycle,
    pub(crate) system: Option<String>,
    pub(crate) definition: String,
}

fn default_path() -> String {
    DEFAULT_PATH.to_owned()
}

fn default_revision() -> String {
    DEFAULT_REVISION.to_owned()
}

#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct Resources {
    #[serde(default)]
    pub(crate) postgres: Vec<Postgres>,
    #[serde(default)]
    pub(crate) redis: Vec<Redis>,
    #[serde(default)]
    pub(crate) buckets: Vec<Bucket>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Postgres {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) size: String,
    #[serde(default)]
    pub(crate) high_availability: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Redis {
    pub(crate) name: String,
    pub(crate) memory_gb: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bucket {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) versioning: bool,
    pub(crate) retention_days: Option<u32>,
}

/// One entity's typed fields.
#[derive(Clone, Debug)]
pub(crate) enum Entity {
    Team(Team),
    Project(Project),
    Cluster(Cluster),
    Service(Service),
    System(System),
    Api(Api),
}
