//! Stage 3, link: resolves every reference between entities into a dependency graph, reports
//! dangling references (with the nearest name of the referenced kind, or what else the name
//! is), cycles (with their full path), and runs the policies. Entities that failed validation
//! are in the graph with their well-typed references, so one pass reports everything; they are
//! never emitted. Output: a [`Graph`] over the [`Registry`]; it reads no files.

mod argocd;
mod cycle;
mod policy;

use std::collections::{BTreeMap, HashMap};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde_json::Value;
use strum::IntoEnumIterator;

use crate::diagnostic::{Code, Diagnostic, Location, Sink, suggest};
pub(crate) use crate::model::Relation;
use crate::model::{Entity, EntityId, Kind, Registry};
use crate::source::Sources;
use crate::source::locate::Tree;

/// What an edge of the graph means: its source refers to its target through the value at
/// `pointer`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reference {
    /// The JSON pointer of the referring value.
    pub(crate) pointer: String,
    pub(crate) relation: Relation,
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
    for id in registry.entities.keys().chain(registry.invalid.keys()) {
        nodes.insert(id.clone(), graph.add_node(id.clone()));
    }
    let mut names: Option<Names> = None;
    for (id, references) in registry.all_references() {
        for reference in references {
            if let Some(&to) = nodes.get(&reference.target) {
                graph.add_edge(
                    nodes[id],
                    to,
                    Reference {
                        pointer: reference.pointer.clone(),
                        relation: reference.relation,
                    },
                );
            } else {
                let names = names.get_or_insert_with(|| Names::new(&registry));
                sink.push(unknown(&registry, id, reference, names, sources));
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
    argocd::check(&graph, sources, sink);
    graph
}

/// Where the value at `pointer` of `entity` is written, or the entity and pointer when that
/// is not certain.
pub(crate) fn reference_location(
    registry: &Registry,
    sources: &Sources,
    entity: &EntityId,
    pointer: &str,
) -> Location {
    let file = registry
        .file(entity)
        .expect("every entity in the graph has a file");
    let range = registry
        .json(entity)
        .and_then(|json| serde_json::from_str::<Value>(json).ok())
        .and_then(|value| {
            let text = sources.text(file).map_or("", |text| &**text);
            Tree::parse(text).value(&value, pointer)
        });
    match range {
        Some(range) => Location::Span { file, range },
        None => Location::Entity {
            file,
            entity: entity.clone(),
            pointer: pointer.to_owned(),
        },
    }
}

/// Every name in the registry and what it names, for telling what a dangling reference is.
struct Names {
    /// The names of each kind's entities, valid or not.
    entities: BTreeMap<Kind, Vec<String>>,
    /// Other things with names: members' logins, services' databases, caches and buckets.
    /// Each is what it is, and the entity that has it.
    others: BTreeMap<String, Vec<(String, EntityId)>>,
}

impl Names {
    fn new(registry: &Registry) -> Self {
        let entities = Kind::iter()
            .map(|kind| {
                let names = registry
                    .entities
                    .keys()
                    .chain(registry.invalid.keys())
                    .filter(|id| id.kind == kind)
                    .map(|id| id.name.clone())
                    .collect();
                (kind, names)
            })
            .collect();
        let mut others: BTreeMap<String, Vec<(String, EntityId)>> = BTreeMap::new();
        let mut add = |name: &str, what: &str, id: &EntityId| {
            others
                .entry(name.to_owned())
                .or_default()
                .push((what.to_owned(), id.clone()));
        };
        for (id, record) in &registry.entities {
            match &record.entity {
                Entity::Team(team) => {
                    for member in &team.members {
                        add(&member.login, "a member", id);
                    }
                }
                Entity::Service(service) => {
                    for database in &service.resources.postgres {
                        add(&database.name, "a postgres database", id);
                    }
                    for cache in &service.resources.redis {
                        add(&cache.name, "a redis cache", id);
                    }
                    for bucket in &service.resources.buckets {
                        add(&bucket.name, "a bucket", id);
                    }
                }
                Entity::Project(_) | Entity::Cluster(_) | Entity::System(_) | Entity::Api(_) => {}
            }
        }
        Self { entities, others }
    }

    /// What else `name` is, besides an entity of `kind`: "a team", "a member of team `x`".
    fn elsewhere(&self, name: &str, kind: Kind) -> Vec<String> {
        let mut found: Vec<String> = Kind::iter()
            .filter(|other| *other != kind && self.entities[other].iter().any(|n| n == name))
            .map(a)
            .collect();
        for (what, id) in self.others.get(name).into_iter().flatten() {
            found.push(format!("{what} of {} `{}`", id.kind, id.name));
        }
        found
    }
}

/// "a team", "an api".
fn a(kind: Kind) -> String {
    let kind = kind.to_string();
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {kind}")
}

fn unknown(
    registry: &Registry,
    from: &EntityId,
    reference: &crate::model::Reference,
    names: &Names,
    sources: &Sources,
) -> Diagnostic {
    let target = &reference.target;
    let what = match reference.relation {
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
    let shown = crate::text::shown(&target.name, 64);
    let elsewhere = names.elsewhere(&target.name, target.kind);
    let help = if elsewhere.is_empty() {
        suggest(
            &target.name,
            names.entities[&target.kind].iter().map(String::as_str),
        )
        .map(|near| format!("did you mean `{near}`?"))
    } else {
        let mut shown_things: Vec<String> = elsewhere.iter().take(3).cloned().collect();
        if elsewhere.len() > 3 {
            shown_things.push(format!("{} more", elsewhere.len() - 3));
        }
        let things = match shown_things.as_slice() {
            [one] => one.clone(),
            [a, b] => format!("{a} and {b}"),
            [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
            [] => String::new(),
        };
        // The one service that has the database, cache or bucket depended on.
        let holders: Vec<&EntityId> = names
            .others
            .get(&target.name)
            .into_iter()
            .flatten()
            .map(|(_, id)| id)
            .filter(|id| id.kind == target.kind && *id != from)
            .collect();
        let instead = match (reference.relation, holders.as_slice()) {
            (Relation::DependsOn, [holder]) => {
                format!(": to use it, depend on `{}`", holder.name)
            }
            _ => String::new(),
        };
        Some(format!(
            "`{shown}` is {things}, not {}{instead}",
            a(target.kind)
        ))
    };
    Diagnostic::error(
        Code::UnknownReference,
        format!("{} `{}` {what} `{shown}`", from.kind, from.name),
    )
    .primary(
        reference_location(registry, sources, from, &reference.pointer),
        format!("no {} is named `{shown}`", target.kind),
    )
    .help_opt(help)
}
