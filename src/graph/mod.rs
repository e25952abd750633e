//! Stage 3, link: resolves every reference between entities into a dependency graph, reports
//! dangling references (with the nearest name), cycles (with their full path), and runs the
//! policies. Output: a [`Graph`] over the [`Registry`]; it reads no files.

mod conflict;
mod cycle;
mod policy;

use std::collections::{BTreeMap, HashMap};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use strum::IntoEnumIterator;

use crate::diagnostic::{Code, Diagnostic, Location, Sink, suggest};
use crate::model::{Entity, EntityId, Kind, Registry};
use crate::source::Sources;
use crate::source::locate;

/// What an edge of the graph means: `from` refers to `to` through `field`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reference {
    /// The JSON pointer of the referring value.
    pub(crate) pointer: String,
    pub(crate) relation: Relation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Relation {
    /// A team's parent team.
    Parent,
    /// A team's escalation team.
    Escalation,
    /// A project's or a service's owning team.
    Owner,
    /// A cluster's cloud project.
    Project,
    /// A service's deployment cluster.
    Cluster,
    /// A service's dependency.
    DependsOn,
    /// A service's or an API's system.
    System,
    /// An API a service implements.
    ProvidesApi,
    /// An API a service calls.
    ConsumesApi,
}

/// The linked registry.
#[derive(Debug)]
pub(crate) struct Graph {
    pub(crate) registry: Registry,
    pub(crate) references: DiGraph<EntityId, Reference>,
    pub(crate) nodes: HashMap<EntityId, NodeIndex>,
}

impl Graph {
    /// The entities that refer to `id` through `relation`, sorted.
    pub(crate) fn referrers(&self, id: &EntityId, relation: Relation) -> Vec<&EntityId> {
        let Some(&node) = self.nodes.get(id) else {
            return Vec::new();
        };
        let mut referrers: Vec<&EntityId> = self
            .references
            .edges_directed(node, petgraph::Direction::Incoming)
            .filter(|edge| edge.weight().relation == relation)
            .map(|edge| &self.references[edge.source()])
            .collect();
        referrers.sort();
        referrers.dedup();
        referrers
    }
}

/// Links `registry`, reporting dangling references, cycles and policy violations.
pub(crate) fn link(registry: Registry, sources: &Sources, sink: &mut Sink) -> Graph {
    let mut graph = DiGraph::new();
    let mut nodes = HashMap::new();
    for id in registry.entities.keys() {
        nodes.insert(id.clone(), graph.add_node(id.clone()));
    }
    let names: BTreeMap<Kind, Vec<&str>> = Kind::iter()
        .map(|kind| {
            let names = registry
                .entities
                .keys()
                .chain(registry.invalid.keys())
                .filter(|id| id.kind == kind)
                .map(|id| id.name.as_str())
                .collect();
            (kind, names)
        })
        .collect();
    for (id, record) in &registry.entities {
        for (target, reference) in references(&record.entity) {
            let target_id = EntityId::new(target, reference.1.clone());
            if let Some(&to) = nodes.get(&target_id) {
                graph.add_edge(
                    nodes[id],
                    to,
                    Reference {
                        pointer: reference.0,
                        relation: reference.2,
                    },
                );
            } else if !registry.exists(&target_id) {
                sink.push(unknown(
                    id,
                    record.file,
                    &target_id,
                    &reference.0,
                    reference.2,
                    &names,
                    sources,
                ));
            }
        }
    }
    let graph = Graph {
        registry,
        references: graph,
        nodes,
    };
    cycle::check(&graph, sources, sink);
    policy::check(&graph, sources, sink);
    conflict::check(&graph, sources, sink);
    graph
}

/// Every reference an entity makes: the target kind, and (pointer, name, relation).
fn references(entity: &Entity) -> Vec<(Kind, (String, String, Relation))> {
    let mut references = Vec::new();
    let mut add = |kind, pointer: String, name: &str, relation| {
        references.push((kind, (pointer, name.to_owned(), relation)));
    };
    match entity {
        Entity::Team(team) => {
            if let Some(parent) = &team.parent {
                add(Kind::Team, "/parent".to_owned(), parent, Relation::Parent);
            }
            if let Some(escalation) = team
                .on_call
                .as_ref()
                .and_then(|on_call| on_call.escalation.as_ref())
            {
                add(
                    Kind::Team,
                    "/onCall/escalation".to_owned(),
                    escalation,
                    Relation::Escalation,
                );
            }
        }
        Entity::Project(project) => add(
            Kind::Team,
            "/owner".to_owned(),
            &project.owner,
            Relation::Owner,
        ),
        Entity::Cluster(cluster) => add(
            Kind::Project,
            "/project".to_owned(),
            &cluster.project,
            Relation::Project,
        ),
        Entity::Service(service) => {
            add(
                Kind::Team,
                "/owner".to_owned(),
                &service.owner,
                Relation::Owner,
            );
            for (index, deployment) in service.deployments.iter().enumerate() {
                add(
                    Kind::Cluster,
                    format!("/deployments/{index}/cluster"),
                    &deployment.cluster,
                    Relation::Cluster,
                );
            }
            for (index, dependency) in service.depends_on.iter().enumerate() {
                add(
                    Kind::Service,
                    format!("/dependsOn/{index}"),
                    dependency,
                    Relation::DependsOn,
                );
            }
            if let Some(system) = &service.system {
                add(Kind::System, "/system".to_owned(), system, Relation::System);
            }
            for (index, api) in service.provides_apis.iter().enumerate() {
                add(
                    Kind::Api,
                    format!("/providesApis/{index}"),
                    api,
                    Relation::ProvidesApi,
                );
            }
            for (index, api) in service.consumes_apis.iter().enumerate() {
                add(
                    Kind::Api,
                    format!("/consumesApis/{index}"),
                    api,
                    Relation::ConsumesApi,
                );
            }
        }
        Entity::System(system) => add(
            Kind::Team,
            "/owner".to_owned(),
            &system.owner,
            Relation::Owner,
        ),
        Entity::Api(api) => {
            add(Kind::Team, "/owner".to_owned(), &api.owner, Relation::Owner);
            if let Some(system) = &api.system {
                add(Kind::System, "/system".to_owned(), system, Relation::System);
            }
        }
    }
    references
}

/// Where a reference is written: the literal name in the file, else the entity and pointer.
pub(crate) fn reference_location(
    sources: &Sources,
    file: crate::source::FileId,
    entity: &EntityId,
    pointer: &str,
    name: &str,
) -> Location {
    let text = sources.text(file).map_or("", |text| &**text);
    match locate::value(text, pointer, Some(name)) {
        Some(range) => Location::Span { file, range },
        None => Location::Entity {
            file,
            entity: entity.clone(),
            pointer: pointer.to_owned(),
        },
    }
}

fn unknown(
    from: &EntityId,
    file: crate::source::FileId,
    target: &EntityId,
    pointer: &str,
    relation: Relation,
    names: &BTreeMap<Kind, Vec<&str>>,
    sources: &Sources,
) -> Diagnostic {
    let what = match relation {
        Relation::Parent => "has an unknown parent team",
        Relation::Escalation => "escalates to an unknown team",
        Relation::Owner => "is owned by an unknown team",
        Relation::Project => "runs in an unknown project",
        Relation::Cluster => "deploys to an unknown cluster",
        Relation::DependsOn => "depends on an unknown service",
        Relation::System => "belongs to an unknown system",
        Relation::ProvidesApi => "provides an unknown API",
        Relation::ConsumesApi => "consumes an unknown API",
    };
    let near = suggest(&target.name, names[&target.kind].iter().copied());
    let other_kind = Kind::iter()
        .find(|kind| *kind != target.kind && names[kind].contains(&target.name.as_str()));
    let help = match (near, other_kind) {
        (Some(near), _) => Some(format!("did you mean `{near}`?")),
        (None, Some(kind)) => Some(format!(
            "`{}` is a {kind}, not a {}",
            target.name, target.kind
        )),
        (None, None) => None,
    };
    Diagnostic::error(
        Code::UnknownReference,
        format!("{} `{}` {what} `{}`", from.kind, from.name, target.name),
    )
    .primary(
        reference_location(sources, file, from, pointer, &target.name),
        format!("no {} is named `{}`", target.kind, target.name),
    )
    .help_opt(help)
}
