//! A Backstage catalog: one `Location` (`catalog.yaml`) whose targets are one file per entity.
//! Teams are `Group`s (parent, children, members), members `User`s, services `Component`s,
//! systems `System`s, APIs `API`s; cloud projects, clusters and each service's databases,
//! caches and buckets are `Resource`s, linked by `dependsOn` and owned by their team. Every
//! name, label and annotation is one Backstage's validators accept: the registry's own
//! annotations are passed on only when their keys are valid there, and long names are
//! shortened with a hash so that they stay unique.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;
use sha2::Digest as _;

use super::{OutputSet, Target};
use crate::graph::{Graph, Relation};
use crate::model::{Entity, EntityId, Kind, Service};

const API_VERSION: &str = "backstage.io/v1alpha1";
const LABEL_PREFIX: &str = "registry.dev";
/// The longest name Backstage accepts.
const MAX_NAME: usize = 63;
/// Annotations the catalog sets itself when it reads a file; a value here would be replaced.
const RESERVED: [&str; 2] = [
    "backstage.io/managed-by-location",
    "backstage.io/managed-by-origin-location",
];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<S> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    spec: S,
}

#[derive(Default, Serialize)]
struct Metadata {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

#[derive(Serialize)]
struct LocationSpec {
    #[serde(rename = "type")]
    location_type: &'static str,
    targets: Vec<String>,
}

#[derive(Serialize)]
struct GroupSpec {
    #[serde(rename = "type")]
    group_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    children: Vec<String>,
    members: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserSpec {
    profile: Profile,
    member_of: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    email: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ComponentSpec {
    #[serde(rename = "type")]
    component_type: String,
    lifecycle: String,
    owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    provides_apis: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    consumes_apis: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpec {
    #[serde(rename = "type")]
    resource_type: &'static str,
    owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct SystemSpec {
    owner: String,
}

#[derive(Serialize)]
struct ApiSpec {
    #[serde(rename = "type")]
    api_type: String,
    lifecycle: String,
    owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    /// Backstage's placeholder: the catalog reads the definition from the URL.
    definition: BTreeMap<&'static str, String>,
}

/// Where an entity's catalog file is, relative to the catalog's directory.
fn relative(target: &Target) -> String {
    target
        .path()
        .strip_prefix("backstage/")
        .map_or_else(|| target.path(), str::to_owned)
}

fn group(team: &str) -> String {
    format!("group:{team}")
}

/// `name`, or, past Backstage's 63 characters, its start and a hash of all of it.
fn bounded(name: String) -> String {
    if name.len() <= MAX_NAME {
        return name;
    }
    let digest = sha2::Sha256::digest(name.as_bytes());
    let hash = digest[..4].iter().fold(String::new(), |mut hash, byte| {
        let _ = write!(hash, "{byte:02x}");
        hash
    });
    let keep = name[..MAX_NAME - hash.len() - 1].trim_end_matches(['-', '.', '_']);
    format!("{keep}-{hash}")
}

/// The catalog name of a resource of `kind` (`postgres`, `redis`, `bucket`, `cluster`,
/// `project`): the suffix keeps kinds apart, so a cluster and a project of one name differ.
pub(crate) fn resource_name(base: &str, kind: &str) -> String {
    bounded(format!("{base}-{kind}"))
}

fn resource_ref(base: &str, kind: &str) -> String {
    format!("resource:{}", resource_name(base, kind))
}

/// A DNS label as Backstage checks it: `[a-z0-9]` runs joined by `-`, at most 63.
fn dns_label(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_NAME
        && text.split('-').filter(|run| !run.is_empty()).all(|run| {
            run.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// An object name as Backstage checks it: `[A-Za-z0-9]` at both ends, `-_.` inside.
fn object_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_NAME
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// An annotation or label key as Backstage checks it: a DNS subdomain prefix, `/`, and a name.
fn valid_key(key: &str) -> bool {
    match key.split_once('/') {
        None => object_name(key),
        Some((prefix, name)) => {
            !name.contains('/')
                && object_name(name)
                && prefix.len() <= 253
                && prefix.split('.').all(dns_label)
        }
    }
}

/// The registry's own annotations of an entity that Backstage can hold.
fn passed_on(json: &str) -> BTreeMap<String, String> {
    /// The entity's annotations alone: the rest of its value is skipped, never built.
    #[derive(serde::Deserialize)]
    struct Annotated {
        #[serde(default)]
        annotations: BTreeMap<String, Value>,
    }
    let Ok(Annotated { annotations }) = serde_json::from_str(json) else {
        return BTreeMap::new();
    };
    annotations
        .into_iter()
        .filter(|(key, _)| valid_key(key) && !RESERVED.contains(&key.as_str()))
        .filter_map(|(key, value)| match value {
            Value::String(value) => Some((key, value)),
            _ => None,
        })
        .collect()
}

fn labels(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter(|(_, value)| object_name(value))
        .map(|(key, value)| (format!("{LABEL_PREFIX}/{key}"), value.clone()))
        .collect()
}

/// Documents as one YAML stream.
fn stream(documents: &[Vec<u8>]) -> Vec<u8> {
    documents.join(&b"---\n"[..])
}

/// A repository's browsable URL and, on GitHub, its `owner/name`.
fn repository(repo: &str) -> (String, Option<String>) {
    let browse = repo.strip_suffix(".git").unwrap_or(repo).to_owned();
    let slug = browse
        .strip_prefix("https://github.com/")
        .filter(|path| {
            let parts: Vec<&str> = path.split('/').collect();
            parts.len() == 2 && parts.iter().all(|part| !part.is_empty())
        })
        .map(str::to_owned);
    (browse, slug)
}

/// Every catalog file but the `Location`.
pub(super) fn entities(graph: &Graph, kind: Kind, outputs: &mut OutputSet) {
    // Every member of every team, gathered once for all the teams.
    let users = if kind == Kind::Team {
        users(graph)
    } else {
        BTreeMap::new()
    };
    for (id, record) in graph.registry.records(kind) {
        let target = Target::BackstageEntity {
            kind,
            name: id.name.clone(),
        };
        let (bytes, shaped) = match &record.entity {
            Entity::Team(_) => team(graph, &users, id, &record.json),
            Entity::Project(project) => {
                let document = Document {
                    api_version: API_VERSION,
                    kind: "Resource",
                    metadata: Metadata {
                        name: resource_name(&id.name, "project"),
                        title: Some(id.name.clone()),
                        description: description(&record.json),
                        labels: labels(&[("environment", project.environment.to_string())]),
                        annotations: with_own(
                            &record.json,
                            [
                                ("registry.dev/provider", project.provider.clone()),
                                ("registry.dev/cloud-id", project.cloud_id.clone()),
                                ("registry.dev/region", project.region.clone()),
                                ("registry.dev/cost-centre", project.cost_centre.clone()),
                            ],
                        ),
                        ..Metadata::default()
                    },
                    spec: ResourceSpec {
                        resource_type: "cloud-project",
                        owner: group(&project.owner),
                        system: None,
                        depends_on: Vec::new(),
                    },
                };
                (super::yaml(&document), vec![id.clone()])
            }
            Entity::Cluster(cluster) => {
                let owner = graph
                    .registry
                    .project(&cluster.project)
                    .map(|project| project.owner.clone())
                    .unwrap_or_default();
                let document = Document {
                    api_version: API_VERSION,
                    kind: "Resource",
                    metadata: Metadata {
                        name: resource_name(&id.name, "cluster"),
                        title: Some(id.name.clone()),
                        description: description(&record.json),
                        labels: labels(&[("environment", cluster.environment.to_string())]),
                        annotations: with_own(
                            &record.json,
                            [
                                ("registry.dev/region", cluster.region.clone()),
                                (
                                    "registry.dev/kubernetes-version",
                                    cluster.kubernetes_version.clone(),
                                ),
                                ("registry.dev/argocd-server", cluster.argocd.server.clone()),
                            ],
                        ),
                        ..Metadata::default()
                    },
                    spec: ResourceSpec {
                        resource_type: "kubernetes-cluster",
                        owner: group(&owner),
                        system: None,
                        depends_on: vec![resource_ref(&cluster.project, "project")],
                    },
                };
                let project = EntityId::new(Kind::Project, cluster.project.clone());
                (super::yaml(&document), vec![id.clone(), project])
            }
            Entity::Service(service) => self::service(graph, id, service, &record.json),
            Entity::System(system) => {
                let document = Document {
                    api_version: API_VERSION,
                    kind: "System",
                    metadata: Metadata {
                        name: id.name.clone(),
                        description: Some(system.description.clone()),
                        annotations: with_own(&record.json, []),
                        ..Metadata::default()
                    },
                    spec: SystemSpec {
                        owner: group(&system.owner),
                    },
                };
                (super::yaml(&document), vec![id.clone()])
            }
            Entity::Api(api) => {
                let document = Document {
                    api_version: API_VERSION,
                    kind: "API",
                    metadata: Metadata {
                        name: id.name.clone(),
                        description: Some(api.description.clone()),
                        annotations: with_own(&record.json, []),
                        ..Metadata::default()
                    },
                    spec: ApiSpec {
                        api_type: api.kind.clone(),
                        lifecycle: api.lifecycle.to_string(),
                        owner: group(&api.owner),
                        system: api.system.clone(),
                        definition: BTreeMap::from([("$text", api.definition.clone())]),
                    },
                };
                (super::yaml(&document), vec![id.clone()])
            }
        };
        outputs.add(target, bytes, shaped);
    }
}

fn description(json: &str) -> Option<String> {
    serde_json::from_str::<Value>(json)
        .ok()?
        .get("description")?
        .as_str()
        .map(str::to_owned)
}

/// Derived annotations, with the entity's own over them.
fn with_own<const N: usize>(json: &str, derived: [(&str, String); N]) -> BTreeMap<String, String> {
    let mut annotations: BTreeMap<String, String> = derived
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
    annotations.extend(passed_on(json));
    annotations
}

fn team(
    graph: &Graph,
    users: &BTreeMap<String, User>,
    id: &EntityId,
    json: &str,
) -> (Vec<u8>, Vec<EntityId>) {
    let registry = &graph.registry;
    let Some(team) = registry.team(&id.name) else {
        return (Vec::new(), Vec::new());
    };
    let members: BTreeSet<String> = team
        .members
        .iter()
        .filter_map(|member| users.get(&member.login.to_lowercase()))
        .map(|user| user.login.clone())
        .collect();
    let children = graph.referrers(id, Relation::Parent);
    let mut annotations = vec![("registry.dev/slack-channel", team.slack.clone())];
    if let Some(on_call) = &team.on_call {
        annotations.push(("registry.dev/on-call-rotation", on_call.rotation.clone()));
        annotations.push(("registry.dev/on-call-hours", on_call.hours.clone()));
        if let Some(escalation) = &on_call.escalation {
            annotations.push(("registry.dev/escalation", escalation.clone()));
        }
    }
    if let Some(codeowners) = &registry.settings.codeowners
        && let Some(slug) = codeowners.handle(&id.name).strip_prefix('@')
    {
        annotations.push(("github.com/team-slug", slug.to_owned()));
    }
    let mut own: BTreeMap<String, String> = annotations
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
    own.extend(passed_on(json));
    let document = Document {
        api_version: API_VERSION,
        kind: "Group",
        metadata: Metadata {
            name: id.name.clone(),
            description: Some(team.description.clone()),
            annotations: own,
            ..Metadata::default()
        },
        spec: GroupSpec {
            group_type: "team",
            parent: team.parent.as_ref().map(|parent| group(parent)),
            children: children.iter().map(|child| group(&child.name)).collect(),
            members: members.into_iter().collect(),
        },
    };
    let mut shaped = vec![id.clone()];
    shaped.extend(children.into_iter().cloned());
    (super::yaml(&document), shaped)
}

/// One forge account, as every team lists it.
struct User {
    /// The spelling used in the catalog: the first, in team order.
    login: String,
    name: Option<String>,
    email: String,
    teams: BTreeSet<String>,
}

/// Every member of every team, by lower-case login (forge logins ignore case, and so do
/// Backstage's references).
fn users(graph: &Graph) -> BTreeMap<String, User> {
    let mut users: BTreeMap<String, User> = BTreeMap::new();
    for (id, team) in graph.registry.teams() {
        for member in &team.members {
            users
                .entry(member.login.to_lowercase())
                .or_insert_with(|| User {
                    login: member.login.clone(),
                    name: member.name.clone(),
                    email: member.email.clone(),
                    teams: BTreeSet::new(),
                })
                .teams
                .insert(id.name.clone());
        }
    }
    users
}

/// A `User` per member.
pub(super) fn members(graph: &Graph, outputs: &mut OutputSet) {
    for (key, user) in users(graph) {
        let document = Document {
            api_version: API_VERSION,
            kind: "User",
            metadata: Metadata {
                name: user.login.clone(),
                ..Metadata::default()
            },
            spec: UserSpec {
                profile: Profile {
                    display_name: user.name.clone(),
                    email: user.email.clone(),
                },
                member_of: user.teams.iter().map(|team| group(team)).collect(),
            },
        };
        outputs.add(
            Target::BackstageUser { login: key },
            super::yaml(&document),
            user.teams
                .iter()
                .map(|team| EntityId::new(Kind::Team, team.clone())),
        );
    }
}

fn service(
    graph: &Graph,
    id: &EntityId,
    service: &Service,
    json: &str,
) -> (Vec<u8>, Vec<EntityId>) {
    let registry = &graph.registry;
    let mut shaped = vec![id.clone()];
    let clusters: BTreeSet<&str> = service
        .deployments
        .iter()
        .map(|deployment| deployment.cluster.as_str())
        .collect();
    let projects: BTreeSet<&str> = clusters
        .iter()
        .filter_map(|cluster| registry.cluster(cluster))
        .map(|cluster| cluster.project.as_str())
        .collect();
    shaped.extend(
        clusters
            .iter()
            .map(|cluster| EntityId::new(Kind::Cluster, *cluster)),
    );
    let in_projects: Vec<String> = projects
        .iter()
        .map(|project| resource_ref(project, "project"))
        .collect();
    let owner = group(&service.owner);
    let mut resources = Vec::new();
    let mut depends_on: BTreeSet<String> = service
        .depends_on
        .iter()
        .map(|dependency| format!("component:{dependency}"))
        .collect();
    depends_on.extend(
        clusters
            .iter()
            .map(|cluster| resource_ref(cluster, "cluster")),
    );
    let mut resource = |name: &str, kind: &'static str, title: String, resource_type| {
        let base = format!("{}-{name}", id.name);
        depends_on.insert(resource_ref(&base, kind));
        resources.push(super::yaml(&Document {
            api_version: API_VERSION,
            kind: "Resource",
            metadata: Metadata {
                name: resource_name(&base, kind),
                title: Some(title),
                labels: labels(&[("service", id.name.clone())]),
                ..Metadata::default()
            },
            spec: ResourceSpec {
                resource_type,
                owner: owner.clone(),
                system: service.system.clone(),
                depends_on: in_projects.clone(),
            },
        }));
    };
    for database in &service.resources.postgres {
        let title = format!(
            "{} {} (PostgreSQL {}, {})",
            id.name, database.name, database.version, database.size
        );
        resource(&database.name, "postgres", title, "database");
    }
    for cache in &service.resources.redis {
        let title = format!("{} {} (Redis, {} GB)", id.name, cache.name, cache.memory_gb);
        resource(&cache.name, "redis", title, "cache");
    }
    for bucket in &service.resources.buckets {
        let title = format!("{} {} (bucket)", id.name, bucket.name);
        resource(&bucket.name, "bucket", title, "bucket");
    }
    let (browse, slug) = repository(&service.repo);
    let mut annotations = BTreeMap::new();
    let source = if slug.is_some() {
        format!("url:{browse}/tree/HEAD/")
    } else {
        format!("url:{browse}/")
    };
    annotations.insert("backstage.io/source-location".to_owned(), source);
    if let Some(slug) = slug {
        annotations.insert("github.com/project-slug".to_owned(), slug);
    }
    if !service.deployments.is_empty() {
        annotations.insert(
            "argocd/app-selector".to_owned(),
            format!("{LABEL_PREFIX}/service={}", id.name),
        );
    }
    annotations.extend(passed_on(json));
    let component = Document {
        api_version: API_VERSION,
        kind: "Component",
        metadata: Metadata {
            name: id.name.clone(),
            description: Some(service.description.clone()),
            labels: labels(&[("tier", service.tier.to_string())]),
            annotations,
            tags: vec![service.language.clone()],
            ..Metadata::default()
        },
        spec: ComponentSpec {
            component_type: service.component.to_string(),
            lifecycle: service.lifecycle.to_string(),
            owner,
            system: service.system.clone(),
            depends_on: depends_on.into_iter().collect(),
            provides_apis: service.provides_apis.clone(),
            consumes_apis: service.consumes_apis.clone(),
        },
    };
    let mut documents = vec![super::yaml(&component)];
    documents.extend(resources);
    (stream(&documents), shaped)
}

/// The `Location` Backstage registers: every other catalog file, relative to it.
pub(super) fn location(graph: &Graph, outputs: &mut OutputSet) {
    let registry = &graph.registry;
    let mut targets: Vec<String> = registry
        .entities
        .keys()
        .map(|id| {
            relative(&Target::BackstageEntity {
                kind: id.kind,
                name: id.name.clone(),
            })
        })
        .chain(
            users(graph)
                .into_keys()
                .map(|login| relative(&Target::BackstageUser { login })),
        )
        .map(|path| format!("./{path}"))
        .collect();
    targets.sort();
    let document = Document {
        api_version: API_VERSION,
        kind: "Location",
        metadata: Metadata {
            name: bounded(format!("{}-registry", registry.settings.org)),
            description: Some(format!(
                "Every entity of the {} registry, generated by `registry build`.",
                registry.settings.org
            )),
            ..Metadata::default()
        },
        spec: LocationSpec {
            location_type: "url",
            targets,
        },
    };
    outputs.add(
        Target::BackstageLocation,
        super::yaml(&document),
        registry.entities.keys().cloned(),
    );
}

#[cfg(test)]
mod tests {
    use super::{bounded, valid_key};

    #[test]
    fn keys_as_backstage_checks_them() {
        assert!(valid_key("acme.example/runbook"));
        assert!(valid_key("github.com/project-slug"));
        assert!(valid_key("plain"));
        assert!(!valid_key("a..b/x"));
        assert!(!valid_key("a.-b/x"));
        assert!(!valid_key("Acme.example/x"));
        assert!(!valid_key("a/b/c"));
        assert!(!valid_key("acme.example/-x"));
        assert!(!valid_key(""));
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let short = "checkout-orders-postgres".to_owned();
        assert_eq!(bounded(short.clone()), short);
        let long = format!("{}-{}-postgres", "a".repeat(60), "b".repeat(60));
        let cut = bounded(long.clone());
        assert_eq!(cut.len(), 63);
        assert_ne!(cut, bounded(format!("{long}x")));
        assert!(cut.chars().last().unwrap().is_ascii_alphanumeric());
    }
}
