//! A [`View`] drawn as Graphviz DOT, a Mermaid flowchart, or JSON. A style per kind (shape and
//! colours), a label per relation; entities and relations in sorted order, so the same registry
//! gives the same bytes. Names are escaped for each language even though the schemas only
//! allow DNS labels: the drawing never depends on that.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Edge, GraphFormat, View, label};
use crate::graph::{Graph, Relation};
use crate::model::{EntityId, Kind, Lifecycle};

/// How a kind is drawn: Graphviz shape, fill and line colours, and the Mermaid node's brackets.
struct Style {
    shape: &'static str,
    fill: &'static str,
    line: &'static str,
    open: &'static str,
    close: &'static str,
}

fn style(kind: Kind) -> Style {
    match kind {
        Kind::Team => Style {
            shape: "house",
            fill: "#fde8c8",
            line: "#b7791f",
            open: "([",
            close: "])",
        },
        Kind::Project => Style {
            shape: "folder",
            fill: "#dbeafe",
            line: "#1d4ed8",
            open: "[[",
            close: "]]",
        },
        Kind::Cluster => Style {
            shape: "box3d",
            fill: "#dcfce7",
            line: "#15803d",
            open: "{{",
            close: "}}",
        },
        Kind::Service => Style {
            shape: "box",
            fill: "#f3e8ff",
            line: "#7e22ce",
            open: "(",
            close: ")",
        },
        Kind::System => Style {
            shape: "tab",
            fill: "#fef9c3",
            line: "#a16207",
            open: "[/",
            close: "/]",
        },
        Kind::Api => Style {
            shape: "cds",
            fill: "#ffe4e6",
            line: "#be123c",
            open: ">",
            close: "]",
        },
    }
}

/// How a relation's edges are drawn in Graphviz: line style and colour.
fn edge_style(relation: Relation) -> (&'static str, &'static str) {
    match relation {
        Relation::Owner => ("dashed", "#b7791f"),
        Relation::Parent => ("solid", "#b7791f"),
        Relation::Escalation => ("dotted", "#b91c1c"),
        Relation::Project => ("solid", "#1d4ed8"),
        Relation::Cluster => ("solid", "#15803d"),
        Relation::DependsOn => ("bold", "#374151"),
        Relation::System => ("dashed", "#a16207"),
        Relation::ProvidesApi => ("solid", "#be123c"),
        Relation::ConsumesApi => ("dotted", "#be123c"),
    }
}

/// `view` in `format`, ending with a newline.
pub(crate) fn draw(graph: &Graph, view: &View, format: GraphFormat) -> String {
    match format {
        GraphFormat::Dot => dot(graph, view),
        GraphFormat::Mermaid => mermaid(graph, view),
        GraphFormat::Json => json(view),
    }
}

/// A DOT string literal.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            character if character.is_control() => {}
            character => out.push(character),
        }
    }
    out.push('"');
    out
}

/// Whether a service is on its way out or not yet stable: drawn with a broken outline.
fn lifecycle(graph: &Graph, id: &EntityId) -> Option<Lifecycle> {
    (id.kind == Kind::Service)
        .then(|| graph.registry.service(&id.name))
        .flatten()
        .map(|service| service.lifecycle)
}

fn dot(graph: &Graph, view: &View) -> String {
    let mut out = String::from("digraph registry {\n");
    out.push_str("  graph [rankdir=LR, fontname=\"Helvetica\", nodesep=0.3, ranksep=0.8];\n");
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11, style=filled];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for id in view.nodes.keys() {
        let style = style(id.kind);
        let outline = match lifecycle(graph, id) {
            Some(Lifecycle::Deprecated) => "filled,dashed",
            Some(Lifecycle::Experimental) => "filled,dotted",
            _ => "filled",
        };
        let focus = if view.focus == Some(*id) {
            ", penwidth=3"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} [label={}, tooltip={}, shape={}, style=\"{outline}\", fillcolor=\"{}\", color=\"{}\"{focus}];",
            quoted(&id.to_string()),
            quoted(&id.name),
            quoted(&id.to_string()),
            style.shape,
            style.fill,
            style.line,
        );
    }
    for Edge { from, to, relation } in &view.edges {
        let (line, colour) = edge_style(*relation);
        let _ = writeln!(
            out,
            "  {} -> {} [label={}, style={line}, color=\"{colour}\", fontcolor=\"{colour}\"];",
            quoted(&from.to_string()),
            quoted(&to.to_string()),
            quoted(label(*relation)),
        );
    }
    out.push_str("}\n");
    out
}

/// Text inside a Mermaid `"…"` label: anything but letters, digits and a few safe marks is
/// written as an entity code (`#35;`), so no name can end the label or start a directive.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        if character.is_ascii_alphanumeric() || matches!(character, '-' | '/' | ' ' | '.' | '_') {
            out.push(character);
        } else {
            let _ = write!(out, "#{};", u32::from(character));
        }
    }
    out
}

fn mermaid(graph: &Graph, view: &View) -> String {
    let mut out = String::from("flowchart LR\n");
    let ids: std::collections::BTreeMap<&EntityId, String> = view
        .nodes
        .keys()
        .enumerate()
        .map(|(index, id)| (*id, format!("n{index}")))
        .collect();
    for (id, node) in &ids {
        let style = style(id.kind);
        let _ = writeln!(
            out,
            "  {node}{}\"{}\"{}:::{}",
            style.open,
            mermaid_text(&id.name),
            style.close,
            id.kind,
        );
    }
    for Edge { from, to, relation } in &view.edges {
        let arrow = match relation {
            Relation::Owner | Relation::Escalation => "-.->",
            Relation::DependsOn => "==>",
            _ => "-->",
        };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            ids[from],
            mermaid_text(label(*relation)),
            ids[to]
        );
    }
    for kind in [
        Kind::Team,
        Kind::Project,
        Kind::Cluster,
        Kind::System,
        Kind::Service,
        Kind::Api,
    ] {
        let style = style(kind);
        let _ = writeln!(
            out,
            "  classDef {kind} fill:{},stroke:{},color:#111827",
            style.fill, style.line
        );
    }
    for (lifecycle_class, dashes) in [
        (Lifecycle::Deprecated, "6 4"),
        (Lifecycle::Experimental, "2 3"),
    ] {
        let members: Vec<&str> = ids
            .iter()
            .filter(|(id, _)| lifecycle(graph, id) == Some(lifecycle_class))
            .map(|(_, node)| node.as_str())
            .collect();
        if !members.is_empty() {
            let _ = writeln!(
                out,
                "  classDef {lifecycle_class} stroke-dasharray:{dashes}"
            );
            let _ = writeln!(out, "  class {} {lifecycle_class}", members.join(","));
        }
    }
    if let Some(focus) = view.focus {
        let _ = writeln!(out, "  style {} stroke-width:4px", ids[focus]);
    }
    out
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    focus: Option<String>,
    nodes: Vec<JsonNode<'a>>,
    edges: Vec<JsonEdge>,
}

#[derive(Serialize)]
struct JsonNode<'a> {
    id: String,
    kind: Kind,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance: Option<usize>,
}

#[derive(Serialize)]
struct JsonEdge {
    from: String,
    to: String,
    relation: &'static str,
}

fn json(view: &View) -> String {
    let graph = JsonGraph {
        focus: view.focus.map(ToString::to_string),
        nodes: view
            .nodes
            .iter()
            .map(|(id, distance)| JsonNode {
                id: id.to_string(),
                kind: id.kind,
                name: &id.name,
                distance: view.focus.map(|_| *distance),
            })
            .collect(),
        edges: view
            .edges
            .iter()
            .map(|edge| JsonEdge {
                from: edge.from.to_string(),
                to: edge.to.to_string(),
                relation: label(edge.relation),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&graph).expect("a graph serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::{mermaid_text, quoted};

    #[test]
    fn names_cannot_break_out() {
        assert_eq!(quoted("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(mermaid_text("a\"]) x"), "a#34;#93;#41; x");
        assert_eq!(mermaid_text("%%{init}"), "#37;#37;#123;init#125;");
    }
}
