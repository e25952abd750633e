//! `registry.json`: the whole registry, each entity's evaluated value with the schema's
//! defaults filled in (`spec`), and the relations derived from the graph (`relations`).
//! Described by `schemas/registry.schema.json`, the contract for consumers.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::OutputSet;
use crate::graph::{Graph, Relation};
use crate::model::{DEFAULT_PATH, DEFAULT_REVISION, Entity, EntityId, Kind};

/// The blob's format version; a breaking change to its shape bumps it.
pub(crate) const API_VERSION: &str = "registry.dev/v1";

pub(crate) const PATH: &str = "registry.json";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Blob<'a> {
    api_version: &'a str,
    org: &'a str,
    repo: &'a str,
    revision: &'a str,
    teams: BTreeMap<&'a str, Entry<'a>>,
    projects: BTreeMap<&'a str, Entry<'a>>,
    clusters: BTreeMap<&'a str, Entry<'a>>,
    services: BTreeMap<&'a str, Entry<'a>>,
    systems: BTreeMap<&'a str, Entry<'a>>,
    apis: BTreeMap<&'a str, Entry<'a>>,
}

/// One entity in the blob; its value is parsed from its compact JSON only while it is written.
struct Entry<'a> {
    entity: &'a Entity,
    json: &'a str,
    relations: Value,
}

impl Serialize for Entry<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeStruct as _};
        let value: Value = serde_json::from_str(self.json).map_err(S::Error::custom)?;
        let mut entry = serializer.serialize_struct("Entry", 2)?;
        entry.serialize_field("spec", &normalize(self.entity, value))?;
        entry.serialize_field("relations", &self.relations)?;
        entry.end()
    }
}

pub(super) fn emit(graph: &Graph, outputs: &mut OutputSet) {
    let settings = &graph.registry.settings;
    let entries = |kind: Kind| -> BTreeMap<&str, Entry<'_>> {
        graph
            .registry
            .records(kind)
            .map(|(id, record)| {
                (
                    id.name.as_str(),
                    Entry {
                        entity: &record.entity,
                        json: &record.json,
                        relations: relations(graph, id, &record.entity),
                    },
                )
            })
            .collect()
    };
    let blob = Blob {
        api_version: API_VERSION,
        org: &settings.org,
        repo: &settings.repo,
        revision: &settings.revision,
        teams: entries(Kind::Team),
        projects: entries(Kind::Project),
        clusters: entries(Kind::Cluster),
        services: entries(Kind::Service),
        systems: entries(Kind::System),
        apis: entries(Kind::Api),
    };
    outputs.add(
        super::Target::Blob,
        super::json(&blob),
        graph.registry.entities.keys().cloned(),
    );
}

fn names(ids: Vec<&EntityId>) -> Vec<&str> {
    ids.into_iter().map(|id| id.name.as_str()).collect()
}

fn relations(graph: &Graph, id: &EntityId, entity: &Entity) -> Value {
    let owned = |kind: Kind| -> Vec<&str> {
        graph
            .referrers(id, Relation::Owner)
            .into_iter()
            .filter(|id| id.kind == kind)
            .map(|id| id.name.as_str())
            .collect()
    };
    match entity {
        Entity::Team(_) => json!({
            "children": names(graph.referrers(id, Relation::Parent)),
            "projects": owned(Kind::Project),
            "services": owned(Kind::Service),
            "systems": owned(Kind::System),
            "apis": owned(Kind::Api),
        }),
        Entity::Project(_) => json!({
            "clusters": names(graph.referrers(id, Relation::Project)),
        }),
        Entity::Cluster(_) => {
            let services = graph.referrers(id, Relation::Cluster);
            let mut namespaces: Vec<&str> = services
                .iter()
                .filter_map(|service| match &graph.registry.entities[*service].entity {
                    Entity::Service(service) => Some(service),
                    _ => None,
                })
                .flat_map(|service| service.deployments.iter())
                .filter(|deployment| deployment.cluster == id.name)
                .map(|deployment| deployment.namespace.as_str())
                .collect();
            namespaces.sort_unstable();
            namespaces.dedup();
            json!({ "services": names(services), "namespaces": namespaces })
        }
        Entity::Service(service) => {
            let mut clusters: Vec<&str> = service
                .deployments
                .iter()
                .map(|d| d.cluster.as_str())
                .collect();
            clusters.sort_unstable();
            clusters.dedup();
            json!({
                "dependents": names(graph.referrers(id, Relation::DependsOn)),
                "clusters": clusters,
            })
        }
        Entity::System(_) => {
            let members = graph.referrers(id, Relation::System);
            let of = |kind: Kind| -> Vec<&str> {
                members
                    .iter()
                    .filter(|member| member.kind == kind)
                    .map(|member| member.name.as_str())
                    .collect()
            };
            json!({ "services": of(Kind::Service), "apis": of(Kind::Api) })
        }
        Entity::Api(_) => json!({
            "providers": names(graph.referrers(id, Relation::ProvidesApi)),
            "consumers": names(graph.referrers(id, Relation::ConsumesApi)),
        }),
    }
}

/// The value with every optional collection present and deployment defaults filled in.
fn normalize(entity: &Entity, mut value: Value) -> Value {
    let Value::Object(fields) = &mut value else {
        return value;
    };
    let empty_list = || Value::Array(Vec::new());
    let empty_map = || Value::Object(Map::new());
    fields.entry("annotations").or_insert_with(empty_map);
    match entity {
        Entity::Team(_) | Entity::Project(_) | Entity::System(_) | Entity::Api(_) => {}
        Entity::Cluster(_) => {
            fields.entry("nodePools").or_insert_with(empty_list);
        }
        Entity::Service(_) => {
            for key in [
                "dependsOn",
                "providesApis",
                "consumesApis",
                "deployments",
                "ports",
                "alerts",
            ] {
                fields.entry(key).or_insert_with(empty_list);
            }
            fields.entry("type").or_insert_with(|| "service".into());
            fields.entry("env").or_insert_with(empty_map);
            let resources = fields.entry("resources").or_insert_with(empty_map);
            if let Value::Object(resources) = resources {
                for key in ["postgres", "redis", "buckets"] {
                    resources.entry(key).or_insert_with(empty_list);
                }
            }
            if let Some(Value::Array(deployments)) = fields.get_mut("deployments") {
                for deployment in deployments {
                    if let Value::Object(deployment) = deployment {
                        deployment
                            .entry("path")
                            .or_insert_with(|| DEFAULT_PATH.into());
                        deployment
                            .entry("revision")
                            .or_insert_with(|| DEFAULT_REVISION.into());
                    }
                }
            }
        }
    }
    value
}
