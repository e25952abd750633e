//! Outputs that would collide inside one file: two alerts of one service with one name (one
//! rule group would hold both, which Prometheus reports as duplicate rules), and two resources
//! of one kind with one name (one Terraform key and one catalog entity for both).

use super::{Graph, reference_location};
use crate::diagnostic::{Code, Diagnostic, Sink};
use crate::source::Sources;

pub(super) fn check(graph: &Graph, sources: &Sources, sink: &mut Sink) {
    let registry = &graph.registry;
    for (id, service) in registry.services() {
        let file = registry.entities[id].file;
        let mut named: Vec<(String, String, &str)> = service
            .alerts
            .iter()
            .enumerate()
            .map(|(index, alert)| {
                (
                    format!("/alerts/{index}/name"),
                    "alert".to_owned(),
                    alert.name.as_str(),
                )
            })
            .collect();
        for (key, names) in [
            (
                "postgres",
                service
                    .resources
                    .postgres
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>(),
            ),
            (
                "redis",
                service
                    .resources
                    .redis
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect(),
            ),
            (
                "buckets",
                service
                    .resources
                    .buckets
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect(),
            ),
        ] {
            for (index, name) in names.into_iter().enumerate() {
                named.push((
                    format!("/resources/{key}/{index}/name"),
                    format!("`{key}` resource"),
                    name,
                ));
            }
        }
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for (pointer, what, name) in &named {
            if seen.contains(&(what.as_str(), name)) {
                sink.push(
                    Diagnostic::error(
                        Code::EmitConflict,
                        format!(
                            "service `{}` declares two of its {what}s named `{}`",
                            id.name,
                            crate::text::shown(name, 80)
                        ),
                    )
                    .primary(
                        reference_location(sources, file, id, pointer, name),
                        "this name is taken twice",
                    )
                    .help("each alert and each resource of a kind needs a name of its own: rename one"),
                );
            }
            seen.push((what.as_str(), name));
        }
    }
}
