//! Answers to questions about a compiled registry, and the golden path for adding to it. Input:
//! a linked [`Graph`] (and, for what an entity shapes, the emitted outputs). Output: text (DOT,
//! Mermaid, JSON, explanations, HTML) and new entity files' bytes. Nothing here touches the
//! file system; every registry value it writes is escaped for where it goes.

pub(crate) mod draw;
pub(crate) mod examples;
pub(crate) mod explain;
mod layout;
pub(crate) mod scaffold;
pub(crate) mod site;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::str::FromStr;

use clap::ValueEnum;
use petgraph::visit::EdgeRef;
use strum::IntoEnumIterator;

use crate::Error;
use crate::diagnostic::suggest;
use crate::graph::{Graph, Relation};
use crate::model::{EntityId, Kind, Registry};
use crate::text::shown;

/// How long a name from the command line may be when it is shown back.
const SHOWN: usize = 80;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExplainFormat {
    Human,
    Json,
}

/// Which way a traversal goes from its focus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Direction {
    /// What the focus relies on: the references it makes, and theirs.
    Down,
    /// What relies on the focus: the entities that refer to it, and to them.
    Up,
    /// Both of the above (each followed on its own, never mixed).
    Both,
}

/// One relation as it is drawn: `from` —label→ `to`. Ownership is drawn from the team to what
/// it owns; every other relation from the entity that makes the reference.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Edge<'a> {
    pub(crate) from: &'a EntityId,
    pub(crate) to: &'a EntityId,
    pub(crate) relation: Relation,
}

/// What an edge of `relation` says, as read along the drawn direction.
pub(crate) fn label(relation: Relation) -> &'static str {
    match relation {
        Relation::Parent => "child of",
        Relation::Escalation => "escalates to",
        Relation::Owner => "owns",
        Relation::Project => "in project",
        Relation::Cluster => "runs on",
        Relation::DependsOn => "depends on",
        Relation::System => "part of",
        Relation::ProvidesApi => "provides",
        Relation::ConsumesApi => "consumes",
    }
}

/// A part of the graph to draw: its entities (with their distance from the focus, if any) and
/// the relations between them, both sorted.
#[derive(Debug)]
pub(crate) struct View<'a> {
    pub(crate) focus: Option<&'a EntityId>,
    pub(crate) nodes: BTreeMap<&'a EntityId, usize>,
    pub(crate) edges: Vec<Edge<'a>>,
}

impl<'a> View<'a> {
    /// Every entity and every relation.
    pub(crate) fn whole(graph: &'a Graph) -> Self {
        Self {
            focus: None,
            nodes: graph.registry.entities.keys().map(|id| (id, 0)).collect(),
            edges: edges(graph),
        }
    }

    /// The entities within `depth` relations of `focus` (any distance when `None`), going
    /// `direction`, and the relations followed to reach them.
    pub(crate) fn around(
        graph: &'a Graph,
        focus: &'a EntityId,
        depth: Option<usize>,
        direction: Direction,
    ) -> Self {
        let walk = |way: petgraph::Direction, wanted: bool| -> BTreeMap<&'a EntityId, usize> {
            let mut found = if wanted {
                reach(graph, focus, depth, way)
            } else {
                BTreeMap::new()
            };
            if wanted {
                found.insert(focus, 0);
            }
            found
        };
        let down = walk(
            petgraph::Direction::Outgoing,
            matches!(direction, Direction::Down | Direction::Both),
        );
        let up = walk(
            petgraph::Direction::Incoming,
            matches!(direction, Direction::Up | Direction::Both),
        );
        let expanded = |distance: usize| depth.is_none_or(|depth| distance < depth);
        let mut nodes: BTreeMap<&EntityId, usize> = down.clone();
        for (id, distance) in &up {
            let entry = nodes.entry(id).or_insert(*distance);
            *entry = (*entry).min(*distance);
        }
        nodes.insert(focus, 0);
        let edges: BTreeSet<Edge> = graph
            .references
            .edge_references()
            .filter_map(|edge| {
                let source = &graph.references[edge.source()];
                let target = &graph.references[edge.target()];
                let followed_down =
                    down.get(source).is_some_and(|d| expanded(*d)) && down.contains_key(target);
                let followed_up =
                    up.get(target).is_some_and(|d| expanded(*d)) && up.contains_key(source);
                (followed_down || followed_up)
                    .then(|| drawn(source, target, edge.weight().relation))
            })
            .collect();
        Self {
            focus: Some(focus),
            nodes,
            edges: edges.into_iter().collect(),
        }
    }
}

/// A reference from `source` to `target`, as it is drawn.
fn drawn<'a>(source: &'a EntityId, target: &'a EntityId, relation: Relation) -> Edge<'a> {
    if relation == Relation::Owner {
        Edge {
            from: target,
            to: source,
            relation,
        }
    } else {
        Edge {
            from: source,
            to: target,
            relation,
        }
    }
}

/// Every relation of the graph, as drawn, sorted and each once.
pub(crate) fn edges(graph: &Graph) -> Vec<Edge<'_>> {
    let edges: BTreeSet<Edge> = graph
        .references
        .edge_references()
        .map(|edge| {
            drawn(
                &graph.references[edge.source()],
                &graph.references[edge.target()],
                edge.weight().relation,
            )
        })
        .collect();
    edges.into_iter().collect()
}

/// The entities reachable from `start` along references (`Outgoing`) or against them
/// (`Incoming`), each with its shortest distance, within `depth`.
pub(crate) fn reach<'a>(
    graph: &'a Graph,
    start: &EntityId,
    depth: Option<usize>,
    direction: petgraph::Direction,
) -> BTreeMap<&'a EntityId, usize> {
    reach_by(graph, start, depth, direction, |_| true)
        .into_iter()
        .map(|(id, step)| (id, step.distance))
        .collect()
}

/// How an entity was reached: how many relations away, and from which entity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step<'a> {
    pub(crate) distance: usize,
    pub(crate) via: &'a EntityId,
}

/// Like [`reach`], following only the references that `follow` accepts, and saying from where
/// each entity was first reached (breadth first, neighbours in name order).
pub(crate) fn reach_by<'a>(
    graph: &'a Graph,
    start: &EntityId,
    depth: Option<usize>,
    direction: petgraph::Direction,
    follow: impl Fn(Relation) -> bool,
) -> BTreeMap<&'a EntityId, Step<'a>> {
    let mut found = BTreeMap::new();
    let Some(&first) = graph.nodes.get(start) else {
        return found;
    };
    let mut queue = VecDeque::from([(first, 0)]);
    let mut seen = BTreeSet::from([first]);
    while let Some((node, distance)) = queue.pop_front() {
        if depth.is_some_and(|depth| distance >= depth) {
            continue;
        }
        let mut next: Vec<_> = graph
            .references
            .edges_directed(node, direction)
            .filter(|edge| follow(edge.weight().relation))
            .map(|edge| match direction {
                petgraph::Direction::Outgoing => edge.target(),
                petgraph::Direction::Incoming => edge.source(),
            })
            .collect();
        next.sort_by(|a, b| graph.references[*a].cmp(&graph.references[*b]));
        for neighbour in next {
            if seen.insert(neighbour) {
                found.insert(
                    &graph.references[neighbour],
                    Step {
                        distance: distance + 1,
                        via: &graph.references[node],
                    },
                );
                queue.push_back((neighbour, distance + 1));
            }
        }
    }
    found
}

/// The entity a command line names: `kind/name` (or `kinds/name`), or a bare name that only
/// one kind uses. An unknown or ambiguous name is a problem (exit 1) with the nearest names.
pub(crate) fn find(registry: &Registry, query: &str) -> Result<EntityId, Error> {
    let all: Vec<&EntityId> = registry
        .entities
        .keys()
        .chain(registry.invalid.keys())
        .collect();
    if let Some((kind, name)) = query.split_once('/') {
        let kind = Kind::from_str(kind)
            .ok()
            .or_else(|| Kind::from_dir(kind))
            .ok_or_else(|| Error::Lookup {
                message: format!(
                    "`{}` names no entity: `{}` is not a kind",
                    shown(query, SHOWN),
                    shown(kind, SHOWN)
                ),
                help: Some(
                    "write `team/NAME`, `project/NAME`, `cluster/NAME`, `service/NAME`, \
                     `system/NAME` or `api/NAME`"
                        .to_owned(),
                ),
            })?;
        let id = EntityId::new(kind, name);
        if registry.entities.contains_key(&id) {
            return Ok(id);
        }
        let names = all
            .iter()
            .filter(|id| id.kind == kind)
            .map(|id| id.name.as_str());
        let help = suggest(name, names)
            .map(|near| format!("did you mean `{kind}/{near}`?"))
            .or_else(|| {
                Kind::iter()
                    .find(|other| registry.entities.contains_key(&EntityId::new(*other, name)))
                    .map(|other| {
                        format!(
                            "`{}` is a {other}: `{other}/{}`",
                            shown(name, SHOWN),
                            shown(name, SHOWN)
                        )
                    })
            });
        return Err(Error::Lookup {
            message: format!("no {kind} is named `{}`", shown(name, SHOWN)),
            help,
        });
    }
    let matches: Vec<&EntityId> = registry
        .entities
        .keys()
        .filter(|id| id.name == query)
        .collect();
    match matches.as_slice() {
        [id] => Ok((*id).clone()),
        [] => {
            let names: Vec<String> = all.iter().map(|id| id.name.clone()).collect();
            let help = suggest(query, names.iter().map(String::as_str)).and_then(|near| {
                let ids: Vec<String> = all
                    .iter()
                    .filter(|id| id.name == near)
                    .map(ToString::to_string)
                    .collect();
                (!ids.is_empty()).then(|| format!("did you mean `{}`?", ids.join("` or `")))
            });
            Err(Error::Lookup {
                message: format!("no entity is named `{}`", shown(query, SHOWN)),
                help,
            })
        }
        several => Err(Error::Lookup {
            message: format!("`{}` names more than one entity", shown(query, SHOWN)),
            help: Some(format!("write one of {}", crate::diagnostic::list(several))),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::label;
    use crate::graph::Relation;

    #[test]
    fn relations_read_as_the_issue_names_them() {
        assert_eq!(label(Relation::Owner), "owns");
        assert_eq!(label(Relation::Cluster), "runs on");
        assert_eq!(label(Relation::Project), "in project");
        assert_eq!(label(Relation::DependsOn), "depends on");
        assert_eq!(label(Relation::Parent), "child of");
    }
}
