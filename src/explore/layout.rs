//! Graphs laid out as inline SVG for the catalog site, without Graphviz: services in columns by
//! dependency depth (callers left, what they call right), and each entity's neighbourhood in
//! three columns. Every node is a link to its entity's section. Positions are integers, so the
//! same graph gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::site::escape;
use super::{Edge, label};
use crate::graph::{Graph, Relation};
use crate::model::{EntityId, Kind};

const NODE_WIDTH: usize = 170;
const NODE_HEIGHT: usize = 26;
const COLUMN: usize = 240;
const ROW: usize = 34;
const MARGIN: usize = 12;

struct Placed<'a> {
    id: &'a EntityId,
    x: usize,
    y: usize,
}

fn node(out: &mut String, placed: &Placed, focus: bool) {
    let _ = write!(
        out,
        "<a href=\"#{id}\" class=\"node {kind}{current}\" data-entity=\"{id}\"><title>{id}</title>\
         <rect x=\"{x}\" y=\"{y}\" width=\"{NODE_WIDTH}\" height=\"{NODE_HEIGHT}\" rx=\"6\"/>\
         <text x=\"{tx}\" y=\"{ty}\">{name}</text></a>",
        id = escape(&placed.id.to_string()),
        kind = placed.id.kind,
        current = if focus { " focus" } else { "" },
        x = placed.x,
        y = placed.y,
        tx = placed.x + 10,
        ty = placed.y + 17,
        name = escape(&placed.id.name),
    );
}

fn line(out: &mut String, from: &Placed, to: &Placed, relation: Relation, labelled: bool) {
    let (x1, y1) = (from.x + NODE_WIDTH, from.y + NODE_HEIGHT / 2);
    let (x2, y2) = (to.x, to.y + NODE_HEIGHT / 2);
    let middle = x1.midpoint(x2);
    let _ = write!(
        out,
        "<path class=\"edge {}\" d=\"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}\" marker-end=\"url(#arrow)\"/>",
        relation_class(relation)
    );
    if labelled {
        let _ = write!(
            out,
            "<text class=\"label\" x=\"{}\" y=\"{}\">{}</text>",
            middle,
            y1.midpoint(y2) - 3,
            label(relation)
        );
    }
}

fn relation_class(relation: Relation) -> &'static str {
    match relation {
        Relation::Parent => "parent",
        Relation::Escalation => "escalation",
        Relation::Owner => "owner",
        Relation::Project => "project",
        Relation::Cluster => "cluster",
        Relation::DependsOn => "depends",
        Relation::System => "system",
        Relation::ProvidesApi => "provides",
        Relation::ConsumesApi => "consumes",
    }
}

/// The arrow head every edge ends with, defined once per page.
pub(crate) const DEFINITIONS: &str = "<svg class=\"definitions\" width=\"0\" height=\"0\" aria-hidden=\"true\"><defs>\
<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" \
orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs></svg>";

fn svg(width: usize, height: usize, body: &str, class: &str) -> String {
    format!(
        "<svg class=\"{class}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">\
{body}</svg>"
    )
}

/// Every service, in columns by how deep its dependencies go, with an edge per dependency.
pub(crate) fn dependencies(graph: &Graph) -> String {
    let services: Vec<&EntityId> = graph
        .registry
        .records(Kind::Service)
        .map(|(id, _)| id)
        .collect();
    let edges: Vec<Edge> = super::edges(graph)
        .into_iter()
        .filter(|edge| edge.relation == Relation::DependsOn)
        .collect();
    // Depth: 0 for a service that depends on nothing, else one more than its deepest
    // dependency. A linked graph has no dependency cycle; `guard` bounds the work anyway.
    let mut depth: BTreeMap<&EntityId, usize> = services.iter().map(|id| (*id, 0)).collect();
    for _guard in 0..=services.len() {
        let mut changed = false;
        for edge in &edges {
            let wanted = depth.get(edge.to).copied().unwrap_or(0) + 1;
            if let Some(current) = depth.get_mut(edge.from)
                && *current < wanted
                && wanted <= services.len()
            {
                *current = wanted;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let deepest = depth.values().copied().max().unwrap_or(0);
    let mut columns: Vec<Vec<&EntityId>> = vec![Vec::new(); deepest + 1];
    for (id, level) in &depth {
        columns[deepest - level].push(id);
    }
    let mut placed: BTreeMap<&EntityId, Placed> = BTreeMap::new();
    for (column, ids) in columns.iter().enumerate() {
        for (row, id) in ids.iter().enumerate() {
            placed.insert(
                id,
                Placed {
                    id,
                    x: MARGIN + column * COLUMN,
                    y: MARGIN + row * ROW,
                },
            );
        }
    }
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    let mut body = String::new();
    for edge in &edges {
        if let (Some(from), Some(to)) = (placed.get(edge.from), placed.get(edge.to)) {
            line(&mut body, from, to, edge.relation, false);
        }
    }
    for placed in placed.values() {
        node(&mut body, placed, false);
    }
    svg(
        2 * MARGIN + deepest * COLUMN + NODE_WIDTH,
        2 * MARGIN + rows.max(1) * ROW,
        &body,
        "graph overview",
    )
}

/// `focus` in the middle, what refers to it on the left, what it refers to on the right, each
/// edge labelled with its relation.
pub(crate) fn neighbourhood(graph: &Graph, focus: &EntityId) -> String {
    let mut left: Vec<(&EntityId, Relation)> = Vec::new();
    let mut right: Vec<(&EntityId, Relation)> = Vec::new();
    for edge in super::edges(graph) {
        if edge.to == focus && edge.from != focus {
            left.push((edge.from, edge.relation));
        } else if edge.from == focus && edge.to != focus {
            right.push((edge.to, edge.relation));
        }
    }
    let rows = left.len().max(right.len()).max(1);
    let height = 2 * MARGIN + rows * ROW;
    let middle = Placed {
        id: focus,
        x: MARGIN + COLUMN,
        y: MARGIN + (rows - 1) * ROW / 2,
    };
    let mut body = String::new();
    for (row, (id, relation)) in left.iter().enumerate() {
        let placed = Placed {
            id,
            x: MARGIN,
            y: MARGIN + row * ROW,
        };
        line(&mut body, &placed, &middle, *relation, true);
        node(&mut body, &placed, false);
    }
    for (row, (id, relation)) in right.iter().enumerate() {
        let placed = Placed {
            id,
            x: MARGIN + 2 * COLUMN,
            y: MARGIN + row * ROW,
        };
        line(&mut body, &middle, &placed, *relation, true);
        node(&mut body, &placed, false);
    }
    node(&mut body, &middle, true);
    svg(
        2 * MARGIN + 2 * COLUMN + NODE_WIDTH,
        height,
        &body,
        "graph neighbourhood",
    )
}
