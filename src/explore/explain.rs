//! `registry explain ENTITY`: one entity's key fields, its owner (with the owner's parent chain
//! and on-call), what it depends on and what depends on it (transitively, with depth), where it
//! runs, the generated files it shapes and what they create, and where it is written. Built
//! from the linked graph and the emitted outputs; rendered for people or as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::{Step, reach_by};
use crate::emit::{OutputSet, Target};
use crate::graph::{Graph, Relation};
use crate::model::{Entity, EntityId, Kind};
use crate::source::{LineIndex, Sources, locate};
use crate::text::shown;

/// How long a registry value may be when it is shown to a person.
const SHOWN: usize = 200;

/// Everything `explain` says about one entity.
#[derive(Serialize)]
pub(crate) struct Explanation {
    pub(crate) id: String,
    pub(crate) kind: Kind,
    pub(crate) name: String,
    pub(crate) source: Location,
    pub(crate) fields: Vec<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<Owner>,
    pub(crate) relations: Vec<Related>,
    #[serde(rename = "dependsOn")]
    pub(crate) depends_on: Vec<Reached>,
    pub(crate) dependents: Vec<Reached>,
    #[serde(rename = "runsOn")]
    pub(crate) runs_on: Vec<Placement>,
    pub(crate) generated: Vec<Shaped>,
}

#[derive(Serialize)]
pub(crate) struct Location {
    pub(crate) file: String,
    pub(crate) line: usize,
}

#[derive(Serialize)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Owner {
    pub(crate) team: String,
    pub(crate) slack: Option<String>,
    /// The owner's parent, its parent, and so on up to the root.
    pub(crate) parents: Vec<String>,
    pub(crate) on_call: Option<OnCall>,
}

#[derive(Serialize)]
pub(crate) struct OnCall {
    pub(crate) rotation: String,
    pub(crate) hours: String,
    pub(crate) escalation: Option<String>,
}

/// A direct relation, read from this entity: `owns service/x`, `owned by team/y`.
#[derive(Serialize)]
pub(crate) struct Related {
    pub(crate) relation: &'static str,
    pub(crate) entity: String,
}

/// An entity reached transitively.
#[derive(Serialize)]
pub(crate) struct Reached {
    pub(crate) entity: String,
    pub(crate) depth: usize,
    pub(crate) via: String,
}

#[derive(Serialize)]
pub(crate) struct Placement {
    pub(crate) cluster: String,
    pub(crate) namespace: String,
    pub(crate) replicas: u32,
    pub(crate) project: Option<String>,
    pub(crate) environment: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Shaped {
    pub(crate) path: String,
    /// The tool that reads it.
    pub(crate) consumer: &'static str,
    pub(crate) creates: Vec<String>,
}

/// What a relation says when read from its other end.
fn inverse(relation: Relation) -> &'static str {
    match relation {
        Relation::Parent => "parent of",
        Relation::Escalation => "escalation for",
        Relation::Owner => "owned by",
        Relation::Project | Relation::System => "holds",
        Relation::Cluster => "runs",
        Relation::DependsOn => "depended on by",
        Relation::ProvidesApi => "provided by",
        Relation::ConsumesApi => "consumed by",
    }
}

/// Explains `id`, which must be a valid entity of `graph`.
pub(crate) fn explain(
    graph: &Graph,
    sources: &Sources,
    outputs: &OutputSet,
    id: &EntityId,
) -> Explanation {
    let record = &graph.registry.entities[id];
    let value: Value = serde_json::from_str(&record.json).unwrap_or(Value::Null);
    let text = sources.text(record.file).map_or("", |text| &**text);
    // Where the name is written: found structurally, else the one literal of it in the file
    // (a golden-path constructor takes it as its first argument), else the top.
    let once = || {
        let first = locate::string(text, &id.name)?;
        locate::string(&text[first.end..], &id.name)
            .is_none()
            .then_some(first)
    };
    let line = locate::Tree::parse(text)
        .value(&value, "/name")
        .or_else(once)
        .map_or(1, |range| {
            LineIndex::new(text).position(text, range.start).0
        });
    let mut relations: Vec<Related> = Vec::new();
    for edge in super::edges(graph) {
        if edge.from == id {
            relations.push(Related {
                relation: super::label(edge.relation),
                entity: edge.to.to_string(),
            });
        } else if edge.to == id {
            relations.push(Related {
                relation: inverse(edge.relation),
                entity: edge.from.to_string(),
            });
        }
    }
    relations.sort_by(|a, b| (a.relation, &a.entity).cmp(&(b.relation, &b.entity)));
    let reached = |steps: BTreeMap<&EntityId, Step>| -> Vec<Reached> {
        let mut reached: Vec<Reached> = steps
            .into_iter()
            .map(|(entity, step)| Reached {
                entity: entity.to_string(),
                depth: step.distance,
                via: step.via.to_string(),
            })
            .collect();
        reached.sort_by(|a, b| a.depth.cmp(&b.depth).then_with(|| a.entity.cmp(&b.entity)));
        reached
    };
    let depends_on = reached(reach_by(
        graph,
        id,
        None,
        petgraph::Direction::Outgoing,
        |relation| relation == Relation::DependsOn,
    ));
    // What stops working when this goes down: services on a cluster, clusters in a project,
    // and every service that depends on those.
    let dependents = reached(reach_by(
        graph,
        id,
        None,
        petgraph::Direction::Incoming,
        |relation| {
            matches!(
                relation,
                Relation::DependsOn | Relation::Cluster | Relation::Project
            )
        },
    ));
    Explanation {
        id: id.to_string(),
        kind: id.kind,
        name: id.name.clone(),
        source: Location {
            file: sources.display_path(record.file),
            line,
        },
        fields: fields(&record.entity, &value),
        owner: owner(graph, id, &record.entity),
        relations,
        depends_on,
        dependents,
        runs_on: runs_on(graph, &record.entity),
        generated: generated(outputs, id),
    }
}

fn fields(entity: &Entity, value: &Value) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut add = |name: &'static str, value: String| fields.push(Field { name, value });
    if let Some(description) = value.get("description").and_then(Value::as_str) {
        add("description", description.to_owned());
    }
    match entity {
        Entity::Team(team) => {
            add("slack", team.slack.clone());
            let members: Vec<String> = team
                .members
                .iter()
                .map(|member| format!("{} ({})", member.login, member.role))
                .collect();
            add("members", members.join(", "));
        }
        Entity::Project(project) => {
            add("provider", project.provider.clone());
            add("cloud id", project.cloud_id.clone());
            add("environment", project.environment.to_string());
            add("region", project.region.clone());
            add("cost centre", project.cost_centre.clone());
        }
        Entity::Cluster(cluster) => {
            add("environment", cluster.environment.to_string());
            add("region", cluster.region.clone());
            add("kubernetes", cluster.kubernetes_version.clone());
            add(
                "argo cd",
                format!(
                    "{} (namespace {})",
                    cluster.argocd.server, cluster.argocd.namespace
                ),
            );
            let pools: Vec<String> = cluster
                .node_pools
                .iter()
                .map(|pool| {
                    format!(
                        "{} {} × {}–{}{}",
                        pool.name,
                        pool.machine_type,
                        pool.min_nodes,
                        pool.max_nodes,
                        if pool.spot { " spot" } else { "" }
                    )
                })
                .collect();
            if !pools.is_empty() {
                add("node pools", pools.join(", "));
            }
        }
        Entity::Service(service) => {
            add("tier", service.tier.to_string());
            add("lifecycle", service.lifecycle.to_string());
            if let Some(language) = value.get("language").and_then(Value::as_str) {
                add("language", language.to_owned());
            }
            add("repo", service.repo.clone());
            if service.component != crate::model::ComponentType::Service {
                add("type", service.component.to_string());
            }
            if let Some(system) = &service.system {
                add("system", system.clone());
            }
            if !service.provides_apis.is_empty() {
                add("provides", service.provides_apis.join(", "));
            }
            if !service.consumes_apis.is_empty() {
                add("consumes", service.consumes_apis.join(", "));
            }
        }
        Entity::System(_) => {}
        Entity::Api(api) => {
            add("type", api.kind.clone());
            add("lifecycle", api.lifecycle.to_string());
            if let Some(system) = &api.system {
                add("system", system.clone());
            }
            add("definition", api.definition.clone());
        }
    }
    fields
}

/// The owning team (a team's own parent chain and on-call, for a team; a cluster's project's
/// owner, for a cluster).
fn owner(graph: &Graph, id: &EntityId, entity: &Entity) -> Option<Owner> {
    let registry = &graph.registry;
    let team = match entity {
        Entity::Team(_) => id.name.clone(),
        Entity::Project(project) => project.owner.clone(),
        Entity::Service(service) => service.owner.clone(),
        Entity::System(system) => system.owner.clone(),
        Entity::Api(api) => api.owner.clone(),
        Entity::Cluster(cluster) => registry.project(&cluster.project)?.owner.clone(),
    };
    let found = registry.team(&team)?;
    let mut parents = Vec::new();
    let mut next = found.parent.clone();
    while let Some(parent) = next {
        // Parent cycles are errors, so a linked graph has none; stop anyway.
        if parents.contains(&parent) || parent == team {
            break;
        }
        next = registry.team(&parent).and_then(|team| team.parent.clone());
        parents.push(parent);
    }
    Some(Owner {
        slack: Some(found.slack.clone()),
        on_call: found.on_call.as_ref().map(|on_call| OnCall {
            rotation: on_call.rotation.clone(),
            hours: on_call.hours.clone(),
            escalation: on_call.escalation.clone(),
        }),
        team,
        parents,
    })
}

fn runs_on(graph: &Graph, entity: &Entity) -> Vec<Placement> {
    let registry = &graph.registry;
    match entity {
        Entity::Service(service) => service
            .deployments
            .iter()
            .map(|deployment| {
                let cluster = registry.cluster(&deployment.cluster);
                Placement {
                    cluster: deployment.cluster.clone(),
                    namespace: deployment.namespace.clone(),
                    replicas: deployment.replicas,
                    project: cluster.map(|cluster| cluster.project.clone()),
                    environment: cluster.map(|cluster| cluster.environment.to_string()),
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The generated files whose entities include `id`, and what each creates for it.
fn generated(outputs: &OutputSet, id: &EntityId) -> Vec<Shaped> {
    outputs
        .files
        .iter()
        .filter(|(_, file)| file.entities.contains(id))
        .map(|(path, file)| Shaped {
            path: path.clone(),
            consumer: file.target.consumer(),
            creates: creates(&file.target, &file.bytes, id),
        })
        .collect()
}

/// What a generated file creates that concerns `id`: the Kubernetes objects of a manifest, the
/// Terraform variable entries of a tfvars file, the entity's entry in the blob.
fn creates(target: &Target, bytes: &[u8], id: &EntityId) -> Vec<String> {
    let path = target.path();
    let extension = std::path::Path::new(&path)
        .extension()
        .and_then(std::ffi::OsStr::to_str)
        .unwrap_or_default();
    match target {
        Target::Alertmanager => return routing(bytes, id),
        Target::Codeowners { .. } => return owners(bytes, id),
        _ => {}
    }
    if extension.eq_ignore_ascii_case("yaml") || extension.eq_ignore_ascii_case("yml") {
        return manifests(bytes);
    }
    match target {
        Target::Blob => vec![format!("{}.{}", id.kind.dir(), id.name)],
        Target::Manifest => Vec::new(),
        _ if path.ends_with(".tfvars.json") => variables(bytes, id),
        _ if path.ends_with(".tf.json") => declarations(bytes),
        _ => Vec::new(),
    }
}

/// The variables a `.tf.json` file declares.
fn declarations(bytes: &[u8]) -> Vec<String> {
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .and_then(|value| {
            value.get("variable")?.as_object().map(|variables| {
                variables
                    .keys()
                    .map(|name| format!("variable {}", json_string(name)))
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// A team's route and receivers in the Alertmanager configuration.
fn routing(bytes: &[u8], id: &EntityId) -> Vec<String> {
    if id.kind != Kind::Team {
        return Vec::new();
    }
    let Ok(config) = serde_yaml_ng::from_slice::<Value>(bytes) else {
        return Vec::new();
    };
    let matcher = format!("team={}", json_string(&id.name));
    let mut found = Vec::new();
    let routes = config
        .pointer("/route/routes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if routes.iter().any(|route| {
        route
            .get("matchers")
            .and_then(Value::as_array)
            .is_some_and(|matchers| matchers.iter().any(|m| m.as_str() == Some(&matcher)))
    }) {
        found.push(format!("route {{{matcher}}}"));
    }
    let prefix = format!("{}-", id.name);
    for receiver in config
        .get("receivers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = receiver.get("name").and_then(Value::as_str)
            && name
                .strip_prefix(&prefix)
                .is_some_and(|rest| matches!(rest, "slack" | "on-call"))
        {
            found.push(format!("receiver {name}"));
        }
    }
    found
}

/// The CODEOWNERS lines that give an entity's file to its owner.
fn owners(bytes: &[u8], id: &EntityId) -> Vec<String> {
    let file = format!("/{}.jsonnet", id.name);
    let dir = format!("/{}/", id.kind.dir());
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|line| {
            line.split_once(' ')
                .is_some_and(|(pattern, _)| pattern.ends_with(&file) && pattern.contains(&dir))
        })
        .map(str::to_owned)
        .collect()
}

/// `Kind name` (or `Kind namespace/name`) of every object in a YAML stream.
fn manifests(bytes: &[u8]) -> Vec<String> {
    use serde::Deserialize as _;
    let mut objects = Vec::new();
    for document in serde_yaml_ng::Deserializer::from_slice(bytes) {
        let Ok(value) = serde_yaml_ng::Value::deserialize(document) else {
            continue;
        };
        let kind = value.get("kind").and_then(serde_yaml_ng::Value::as_str);
        let metadata = value.get("metadata");
        let name = metadata
            .and_then(|metadata| metadata.get("name"))
            .and_then(serde_yaml_ng::Value::as_str);
        let namespace = metadata
            .and_then(|metadata| metadata.get("namespace"))
            .and_then(serde_yaml_ng::Value::as_str);
        if let (Some(kind), Some(name)) = (kind, name) {
            objects.push(match namespace {
                Some(namespace) => format!("{kind} {namespace}/{name}"),
                None => format!("{kind} {name}"),
            });
        }
    }
    objects
}

/// The entries of a Terraform variables file that are about `id`: `var.NAME["KEY"]` for each
/// map entry keyed by its name or naming it as its service, team or cluster, and `var.NAME`
/// for an object about it.
fn variables(bytes: &[u8], id: &EntityId) -> Vec<String> {
    let Ok(Value::Object(variables)) = serde_json::from_slice::<Value>(bytes) else {
        return Vec::new();
    };
    let field = match id.kind {
        Kind::Service => "service",
        Kind::Team => "team",
        Kind::Cluster => "cluster",
        Kind::Project => "project",
        Kind::System => "system",
        Kind::Api => "api",
    };
    let names = |entry: &Value| -> bool {
        entry.get(field).and_then(Value::as_str) == Some(id.name.as_str())
            || entry
                .get(format!("{field}s"))
                .and_then(Value::as_array)
                .is_some_and(|list| list.iter().any(|item| item.as_str() == Some(&id.name)))
    };
    let mut found = Vec::new();
    for (variable, value) in &variables {
        let Value::Object(entries) = value else {
            continue;
        };
        if entries.get("name").and_then(Value::as_str) == Some(id.name.as_str())
            && variable == field
        {
            found.push(format!("var.{variable}"));
            continue;
        }
        for (key, entry) in entries {
            let keyed = key == &id.name && variable == id.kind.dir();
            let owned = id.kind == Kind::Team && variable == "team_access" && key == &id.name;
            if keyed || owned || (entry.is_object() && names(entry)) {
                found.push(format!("var.{variable}[{}]", json_string(key)));
            }
        }
    }
    found
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

impl Explanation {
    /// As JSON, ending with a newline.
    pub(crate) fn json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("an explanation serializes");
        text.push('\n');
        text
    }

    /// For people: every registry value escaped and bounded.
    pub(crate) fn human(&self) -> String {
        let show = |text: &str| shown(text, SHOWN);
        let mut out = String::new();
        let _ = writeln!(out, "{}", show(&self.id));
        let _ = writeln!(
            out,
            "  defined in {}:{}",
            show(&self.source.file),
            self.source.line
        );
        let width = self
            .fields
            .iter()
            .map(|field| field.name.len())
            .max()
            .unwrap_or(0);
        for field in &self.fields {
            let _ = writeln!(out, "  {:width$}  {}", field.name, show(&field.value));
        }
        if let Some(owner) = &self.owner {
            let title = if self.kind == Kind::Team {
                "team"
            } else {
                "owner"
            };
            let _ = writeln!(out, "\n{title}: team/{}", show(&owner.team));
            if let Some(slack) = &owner.slack {
                let _ = writeln!(out, "  slack     {}", show(slack));
            }
            if !owner.parents.is_empty() {
                let chain: Vec<String> = std::iter::once(owner.team.as_str())
                    .chain(owner.parents.iter().map(String::as_str))
                    .map(show)
                    .collect();
                let _ = writeln!(out, "  parents   {}", chain.join(" → "));
            }
            match &owner.on_call {
                Some(on_call) => {
                    let _ = write!(
                        out,
                        "  on-call   {} ({})",
                        show(&on_call.rotation),
                        show(&on_call.hours)
                    );
                    if let Some(escalation) = &on_call.escalation {
                        let _ = write!(out, ", escalates to team/{}", show(escalation));
                    }
                    out.push('\n');
                }
                None => out.push_str("  on-call   none\n"),
            }
        }
        if !self.relations.is_empty() {
            out.push_str("\nrelations:\n");
            let width = self
                .relations
                .iter()
                .map(|related| related.relation.len())
                .max()
                .unwrap_or(0);
            for related in &self.relations {
                let _ = writeln!(
                    out,
                    "  {:width$}  {}",
                    related.relation,
                    show(&related.entity)
                );
            }
        }
        let reached = |out: &mut String, title: &str, reached: &[Reached]| {
            if reached.is_empty() {
                return;
            }
            let _ = writeln!(out, "\n{title} (depth, entity, reached through):");
            for item in reached {
                let via = if item.depth > 1 {
                    format!("  via {}", show(&item.via))
                } else {
                    String::new()
                };
                let _ = writeln!(out, "  {}  {}{via}", item.depth, show(&item.entity));
            }
        };
        reached(&mut out, "depends on", &self.depends_on);
        reached(&mut out, "what depends on it", &self.dependents);
        if !self.runs_on.is_empty() {
            out.push_str("\nruns on:\n");
            for placement in &self.runs_on {
                let _ = write!(
                    out,
                    "  cluster/{}  namespace {}, {} replica{}",
                    show(&placement.cluster),
                    show(&placement.namespace),
                    placement.replicas,
                    if placement.replicas == 1 { "" } else { "s" }
                );
                if let Some(project) = &placement.project {
                    let _ = write!(out, ", project/{}", show(project));
                }
                if let Some(environment) = &placement.environment {
                    let _ = write!(out, " ({environment})");
                }
                out.push('\n');
            }
        }
        if !self.generated.is_empty() {
            out.push_str("\ngenerated files it shapes:\n");
            for file in &self.generated {
                let _ = writeln!(out, "  {}  ({})", show(&file.path), file.consumer);
                for created in &file.creates {
                    let _ = writeln!(out, "    {}", show(created));
                }
            }
        }
        out
    }
}
