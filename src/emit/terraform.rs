//! Terraform variable files, in Terraform's conventions: `snake_case` keys, maps keyed by name so
//! that `for_each` takes them as they are, every collection present (never null), and `null`
//! only for an optional scalar that is absent. One file for the teams, and one per cloud
//! project with everything its Terraform root needs.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{OutputSet, Target};
use crate::graph::Graph;
use crate::model::{EntityId, Kind, Service, Topology};

#[derive(Serialize)]
struct TeamsFile<'a> {
    teams: BTreeMap<&'a str, TeamVars<'a>>,
}

#[derive(Serialize)]
struct TeamVars<'a> {
    description: &'a str,
    slack_channel: &'a str,
    parent: Option<&'a str>,
    members: BTreeMap<&'a str, MemberVars<'a>>,
    on_call: Option<OnCallVars<'a>>,
}

#[derive(Serialize)]
struct MemberVars<'a> {
    name: Option<&'a str>,
    email: &'a str,
    role: &'a str,
}

#[derive(Serialize)]
struct OnCallVars<'a> {
    rotation: &'a str,
    hours: &'a str,
    escalation: Option<&'a str>,
}

#[derive(Serialize)]
struct ProjectFile<'a> {
    project: ProjectVars<'a>,
    clusters: BTreeMap<&'a str, ClusterVars<'a>>,
    namespaces: BTreeMap<String, NamespaceVars<'a>>,
    databases: BTreeMap<String, DatabaseVars<'a>>,
    caches: BTreeMap<String, CacheVars<'a>>,
    buckets: BTreeMap<String, BucketVars<'a>>,
    team_access: BTreeMap<&'a str, AccessVars>,
}

#[derive(Serialize)]
struct ProjectVars<'a> {
    name: &'a str,
    provider: &'a str,
    cloud_id: &'a str,
    environment: String,
    region: &'a str,
    cost_centre: &'a str,
    owner: &'a str,
    labels: BTreeMap<&'a str, String>,
}

#[derive(Serialize)]
struct ClusterVars<'a> {
    environment: String,
    region: &'a str,
    kubernetes_version: &'a str,
    argocd_server: &'a str,
    argocd_namespace: &'a str,
    /// The cluster whose Argo CD manages this one: its own name when it runs its own.
    argocd_managed_by: &'a str,
    node_pools: BTreeMap<&'a str, NodePoolVars<'a>>,
}

#[derive(Serialize)]
struct NodePoolVars<'a> {
    machine_type: &'a str,
    min_nodes: u32,
    max_nodes: u32,
    spot: bool,
}

#[derive(Serialize)]
struct NamespaceVars<'a> {
    cluster: &'a str,
    namespace: &'a str,
    team: &'a str,
    services: Vec<&'a str>,
}

#[derive(Serialize)]
struct DatabaseVars<'a> {
    service: &'a str,
    team: &'a str,
    name: &'a str,
    version: &'a str,
    size: &'a str,
    high_availability: bool,
}

#[derive(Serialize)]
struct CacheVars<'a> {
    service: &'a str,
    team: &'a str,
    name: &'a str,
    memory_gb: u32,
}

#[derive(Serialize)]
struct BucketVars<'a> {
    service: &'a str,
    team: &'a str,
    name: &'a str,
    bucket_name: String,
    versioning: bool,
    retention_days: Option<u32>,
}

/// What one team may reach in the project: the keys of the other maps.
#[derive(Default, Serialize)]
struct AccessVars {
    members: BTreeSet<String>,
    namespaces: BTreeSet<String>,
    databases: BTreeSet<String>,
    caches: BTreeSet<String>,
    buckets: BTreeSet<String>,
}

/// The teams' variables.
pub(super) fn teams(graph: &Graph, outputs: &mut OutputSet) {
    let mut file = TeamsFile {
        teams: BTreeMap::new(),
    };
    let mut entities = Vec::new();
    for (id, team) in graph.registry.teams() {
        entities.push(id.clone());
        file.teams.insert(
            &id.name,
            TeamVars {
                description: &team.description,
                slack_channel: &team.slack,
                parent: team.parent.as_deref(),
                members: team
                    .members
                    .iter()
                    .map(|member| {
                        (
                            member.login.as_str(),
                            MemberVars {
                                name: member.name.as_deref(),
                                email: &member.email,
                                role: &member.role,
                            },
                        )
                    })
                    .collect(),
                on_call: team.on_call.as_ref().map(|on_call| OnCallVars {
                    rotation: &on_call.rotation,
                    hours: &on_call.hours,
                    escalation: on_call.escalation.as_deref(),
                }),
            },
        );
    }
    outputs.add(Target::TerraformTeams, super::json(&file), entities);
}

/// One cloud project's variables.
pub(super) fn project(graph: &Graph, id: &EntityId, outputs: &mut OutputSet) {
    let registry = &graph.registry;
    let Some(project) = registry.project(&id.name) else {
        return;
    };
    let mut entities: BTreeSet<EntityId> = BTreeSet::from([id.clone()]);
    let mut clusters = BTreeMap::new();
    for (cluster_id, cluster) in registry.clusters() {
        if cluster.project != id.name {
            continue;
        }
        entities.insert(cluster_id.clone());
        clusters.insert(
            cluster_id.name.as_str(),
            ClusterVars {
                environment: cluster.environment.to_string(),
                region: &cluster.region,
                kubernetes_version: &cluster.kubernetes_version,
                argocd_server: &cluster.argocd.server,
                argocd_namespace: &cluster.argocd.namespace,
                argocd_managed_by: Topology::manager(&cluster_id.name, cluster),
                node_pools: cluster
                    .node_pools
                    .iter()
                    .map(|pool| {
                        (
                            pool.name.as_str(),
                            NodePoolVars {
                                machine_type: &pool.machine_type,
                                min_nodes: pool.min_nodes,
                                max_nodes: pool.max_nodes,
                                spot: pool.spot,
                            },
                        )
                    })
                    .collect(),
            },
        );
    }
    let mut file = ProjectFile {
        project: ProjectVars {
            name: &id.name,
            provider: &project.provider,
            cloud_id: &project.cloud_id,
            environment: project.environment.to_string(),
            region: &project.region,
            cost_centre: &project.cost_centre,
            owner: &project.owner,
            labels: BTreeMap::from([
                ("cost_centre", project.cost_centre.to_lowercase()),
                ("environment", project.environment.to_string()),
                ("team", project.owner.clone()),
            ]),
        },
        clusters: BTreeMap::new(),
        namespaces: BTreeMap::new(),
        databases: BTreeMap::new(),
        caches: BTreeMap::new(),
        buckets: BTreeMap::new(),
        team_access: BTreeMap::new(),
    };
    for (service_id, service) in registry.services() {
        let here: Vec<_> = service
            .deployments
            .iter()
            .filter(|deployment| clusters.contains_key(deployment.cluster.as_str()))
            .collect();
        if here.is_empty() {
            continue;
        }
        entities.insert(service_id.clone());
        let name = service_id.name.as_str();
        let access = file.team_access.entry(service.owner.as_str()).or_default();
        for deployment in here {
            let key = format!("{}/{}", deployment.cluster, deployment.namespace);
            access.namespaces.insert(key.clone());
            let namespace = file.namespaces.entry(key).or_insert_with(|| NamespaceVars {
                cluster: &deployment.cluster,
                namespace: &deployment.namespace,
                team: &service.owner,
                services: Vec::new(),
            });
            if !namespace.services.contains(&name) {
                namespace.services.push(name);
                namespace.services.sort_unstable();
            }
        }
        resources(name, service, &project.cloud_id, &mut file);
    }
    for (team, access) in &mut file.team_access {
        if let Some(found) = registry.team(team) {
            access.members = found
                .members
                .iter()
                .map(|member| member.email.clone())
                .collect();
            entities.insert(EntityId::new(Kind::Team, *team));
        }
    }
    file.clusters = clusters;
    outputs.add(
        Target::TerraformProject {
            project: id.name.clone(),
        },
        super::json(&file),
        entities,
    );
}

/// Adds a service's databases, caches and buckets to the project, and its team's access.
fn resources<'a>(name: &'a str, service: &'a Service, cloud_id: &str, file: &mut ProjectFile<'a>) {
    let team = service.owner.as_str();
    let access = file.team_access.entry(team).or_default();
    for database in &service.resources.postgres {
        let key = format!("{name}-{}", database.name);
        access.databases.insert(key.clone());
        file.databases.insert(
            key,
            DatabaseVars {
                service: name,
                team,
                name: &database.name,
                version: &database.version,
                size: &database.size,
                high_availability: database.high_availability,
            },
        );
    }
    for cache in &service.resources.redis {
        let key = format!("{name}-{}", cache.name);
        access.caches.insert(key.clone());
        file.caches.insert(
            key,
            CacheVars {
                service: name,
                team,
                name: &cache.name,
                memory_gb: cache.memory_gb,
            },
        );
    }
    for bucket in &service.resources.buckets {
        let key = format!("{name}-{}", bucket.name);
        access.buckets.insert(key.clone());
        file.buckets.insert(
            key,
            BucketVars {
                service: name,
                team,
                name: &bucket.name,
                bucket_name: format!("{cloud_id}-{name}-{}", bucket.name),
                versioning: bucket.versioning,
                retention_days: bucket.retention_days,
            },
        );
    }
}

/// A Terraform `object({...})` type expression of `fields`.
fn object(fields: &[(&str, String)]) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(name, type_)| format!("{name} = {type_}"))
        .collect();
    format!("object({{ {} }})", fields.join(", "))
}

fn map(of: &str) -> String {
    format!("map({of})")
}

fn string() -> String {
    "string".to_owned()
}

fn number() -> String {
    "number".to_owned()
}

fn boolean() -> String {
    "bool".to_owned()
}

/// The type of the teams' variable, exactly as `teams.auto.tfvars.json` holds it.
fn teams_type() -> String {
    map(&object(&[
        ("description", string()),
        ("slack_channel", string()),
        ("parent", string()),
        (
            "members",
            map(&object(&[
                ("name", string()),
                ("email", string()),
                ("role", string()),
            ])),
        ),
        (
            "on_call",
            object(&[
                ("rotation", string()),
                ("hours", string()),
                ("escalation", string()),
            ]),
        ),
    ]))
}

/// Each project variable's description and type, exactly as a project's file holds it.
fn project_types() -> Vec<(&'static str, &'static str, String)> {
    let owned = |fields: &[(&str, String)]| {
        let mut all = vec![
            ("service", string()),
            ("team", string()),
            ("name", string()),
        ];
        all.extend(fields.iter().cloned());
        map(&object(&all))
    };
    let set = || "set(string)".to_owned();
    vec![
        (
            "project",
            "The cloud project.",
            object(&[
                ("name", string()),
                ("provider", string()),
                ("cloud_id", string()),
                ("environment", string()),
                ("region", string()),
                ("cost_centre", string()),
                ("owner", string()),
                ("labels", map("string")),
            ]),
        ),
        (
            "clusters",
            "The project's Kubernetes clusters, by name.",
            map(&object(&[
                ("environment", string()),
                ("region", string()),
                ("kubernetes_version", string()),
                ("argocd_server", string()),
                ("argocd_namespace", string()),
                ("argocd_managed_by", string()),
                (
                    "node_pools",
                    map(&object(&[
                        ("machine_type", string()),
                        ("min_nodes", number()),
                        ("max_nodes", number()),
                        ("spot", boolean()),
                    ])),
                ),
            ])),
        ),
        (
            "namespaces",
            "The namespaces services deploy to, keyed `<cluster>/<namespace>`.",
            map(&object(&[
                ("cluster", string()),
                ("namespace", string()),
                ("team", string()),
                ("services", "list(string)".to_owned()),
            ])),
        ),
        (
            "databases",
            "PostgreSQL databases, keyed `<service>-<name>`.",
            owned(&[
                ("version", string()),
                ("size", string()),
                ("high_availability", boolean()),
            ]),
        ),
        (
            "caches",
            "Redis instances, keyed `<service>-<name>`.",
            owned(&[("memory_gb", number())]),
        ),
        (
            "buckets",
            "Object-storage buckets, keyed `<service>-<name>`.",
            owned(&[
                ("bucket_name", string()),
                ("versioning", boolean()),
                ("retention_days", number()),
            ]),
        ),
        (
            "team_access",
            "What each team may reach: its members' e-mails and the keys of the other maps.",
            map(&object(&[
                ("members", set()),
                ("namespaces", set()),
                ("databases", set()),
                ("caches", set()),
                ("buckets", set()),
            ])),
        ),
    ]
}

#[derive(Serialize)]
struct Declarations {
    variable: BTreeMap<&'static str, Declaration>,
}

#[derive(Serialize)]
struct Declaration {
    description: &'static str,
    #[serde(rename = "type")]
    type_: String,
}

/// `teams.variables.tf.json`: the declaration of the teams' variable.
pub(super) fn teams_variables(outputs: &mut OutputSet) {
    let declarations = Declarations {
        variable: BTreeMap::from([(
            "teams",
            Declaration {
                description: "Every team, by name: its Slack channel, parent, members by login, and on-call.",
                type_: teams_type(),
            },
        )]),
    };
    outputs.add(
        Target::TerraformTeamsVariables,
        super::json(&declarations),
        [],
    );
}

/// `<project>.variables.tf.json`: the declarations of a project's variables.
pub(super) fn project_variables(id: &EntityId, outputs: &mut OutputSet) {
    let declarations = Declarations {
        variable: project_types()
            .into_iter()
            .map(|(name, description, type_)| (name, Declaration { description, type_ }))
            .collect(),
    };
    outputs.add(
        Target::TerraformProjectVariables {
            project: id.name.clone(),
        },
        super::json(&declarations),
        [id.clone()],
    );
}
