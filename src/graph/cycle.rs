//! Cycles among services' dependencies and among teams' parents, each reported once with its
//! full path, starting from its alphabetically first member.

use std::collections::{BTreeSet, HashMap, VecDeque};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::{Graph, Relation, reference_location};
use crate::diagnostic::{Code, Diagnostic, Sink};
use crate::source::Sources;

pub(super) fn check(graph: &Graph, sources: &Sources, sink: &mut Sink) {
    for (relation, code, noun) in [
        (
            Relation::DependsOn,
            Code::DependencyCycle,
            "dependency cycle",
        ),
        (Relation::Parent, Code::ParentCycle, "parent cycle"),
    ] {
        let only = graph.references.filter_map(
            |_, node| Some(node.clone()),
            |_, edge| (edge.relation == relation).then(|| edge.clone()),
        );
        for component in tarjan_scc(&only) {
            let looped = component.len() > 1 || only.contains_edge(component[0], component[0]);
            if !looped {
                continue;
            }
            let path = cycle_path(&only, &component);
            sink.push(diagnostic(graph, &only, &path, code, noun, sources));
        }
    }
}

/// The shortest cycle through the component's first member by name, as nodes (first repeated
/// at the end).
fn cycle_path<N: Ord, E>(graph: &DiGraph<N, E>, component: &[NodeIndex]) -> Vec<NodeIndex> {
    let members: BTreeSet<NodeIndex> = component.iter().copied().collect();
    let start = *component
        .iter()
        .min_by(|a, b| graph[**a].cmp(&graph[**b]))
        .expect("components are not empty");
    let mut previous: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let mut next: Vec<NodeIndex> = graph
            .neighbors(node)
            .filter(|neighbor| members.contains(neighbor))
            .collect();
        next.sort_by(|a, b| graph[*a].cmp(&graph[*b]));
        next.dedup();
        for neighbor in next {
            if neighbor == start {
                let mut path = vec![node];
                while let Some(&before) = previous.get(path.last().expect("not empty")) {
                    path.push(before);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(entry) = previous.entry(neighbor) {
                entry.insert(node);
                queue.push_back(neighbor);
            }
        }
    }
    vec![start, start]
}

fn diagnostic(
    graph: &Graph,
    only: &DiGraph<crate::model::EntityId, super::Reference>,
    path: &[NodeIndex],
    code: Code,
    noun: &str,
    sources: &Sources,
) -> Diagnostic {
    let names: Vec<String> = path
        .iter()
        .map(|node| format!("`{}`", only[*node].name))
        .collect();
    let kind = only[path[0]].kind;
    let mut diagnostic = Diagnostic::error(code, format!("{noun}: {}", names.join(" → ")));
    for (index, pair) in path.windows(2).enumerate() {
        let (from, to) = (&only[pair[0]], &only[pair[1]]);
        let edge = only
            .edges(pair[0])
            .find(|edge| edge.target() == pair[1])
            .expect("the path follows edges");
        let location = reference_location(&graph.registry, sources, from, &edge.weight().pointer);
        let label = match code {
            Code::ParentCycle => format!("`{}` has parent `{}`", from.name, to.name),
            _ => format!("`{}` depends on `{}`", from.name, to.name),
        };
        diagnostic = if index == 0 {
            diagnostic.primary(location, label)
        } else {
            diagnostic.secondary(location, label)
        };
    }
    diagnostic.help(match code {
        Code::ParentCycle => "remove the `parent` of one of these teams".to_owned(),
        _ => format!("remove one dependency of the cycle; every {kind} in it waits on the next"),
    })
}
