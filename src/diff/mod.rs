//! What a change does: two compiled registries (the base, read from git, and the head) compared
//! entity by entity and field by field, their generated files compared, and the impact derived
//! from the head's graph: who depends on what changed, which Terraform roots need a plan, which
//! clusters' Argo CD applications will sync, whose ownership moved. Pure; nothing is read here.
//! Linear in the entities and dependencies of both sides: the services downstream of a change
//! are found in one walk of each graph, not one walk per changed service.

mod render;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;
use serde_json::Value;

pub(crate) use self::render::{
    DiffFormat, Options, Problems, human, json, markdown, markdown_problems,
};
use crate::emit::{OutputSet, Target};
use crate::graph::{Graph, Relation};
use crate::model::{EntityId, Kind};

/// Everything that differs between a base and a head.
#[derive(Debug, Default)]
pub(crate) struct Diff {
    pub(crate) entities: Vec<EntityChange>,
    pub(crate) files: Vec<FileChange>,
    pub(crate) impact: Impact,
}

#[derive(Debug)]
pub(crate) struct EntityChange {
    pub(crate) kind: Kind,
    pub(crate) name: String,
    pub(crate) change: Status,
    /// For a changed entity, each field that differs.
    pub(crate) fields: Vec<FieldChange>,
    /// For a changed or removed service, the services that depend on it directly.
    pub(crate) depended_on_by: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Added,
    Removed,
    Changed,
}

#[derive(Debug)]
pub(crate) struct FieldChange {
    /// The JSON pointer of the field.
    pub(crate) pointer: String,
    pub(crate) old: Option<Value>,
    pub(crate) new: Option<Value>,
}

#[derive(Debug)]
pub(crate) struct FileChange {
    pub(crate) path: String,
    pub(crate) change: Status,
    /// What applying the change destroys in a cluster, one sentence each.
    pub(crate) destructive: Vec<String>,
    pub(crate) old: Option<Vec<u8>>,
    pub(crate) new: Option<Vec<u8>>,
}

#[derive(Debug, Default)]
pub(crate) struct Impact {
    /// Every service that depends, directly or not, on a changed or removed service.
    pub(crate) dependents: Vec<String>,
    /// The cloud projects whose Terraform variables change (`teams` for the teams' file).
    pub(crate) terraform: Vec<String>,
    /// The clusters whose Argo CD manifests change.
    pub(crate) clusters: Vec<String>,
    /// Entities whose owner changes: `kind/name` → (old, new).
    pub(crate) owners: BTreeMap<String, (String, String)>,
    /// Who must review the change: the handles of the owners of every changed entity and of
    /// everything depending on one, directly or not (services on a changed cluster, clusters
    /// in a changed project, providers and consumers of a changed API).
    pub(crate) reviewers: Vec<String>,
}

/// One side of a diff.
pub(crate) struct Side<'a> {
    pub(crate) graph: &'a Graph,
    pub(crate) outputs: &'a OutputSet,
}

impl Diff {
    pub(crate) fn new(base: &Side, head: &Side) -> Self {
        let mut diff = Self::default();
        let old = &base.graph.registry.entities;
        let new = &head.graph.registry.entities;
        let ids: BTreeSet<&EntityId> = old.keys().chain(new.keys()).collect();
        // The services whose dependents are affected, in the graph that holds them.
        let mut changed: Vec<&EntityId> = Vec::new();
        let mut removed: Vec<&EntityId> = Vec::new();
        // Every entity that differs, in the graph that holds it, for the reviewers.
        let mut touched: Vec<&EntityId> = Vec::new();
        let mut gone: Vec<&EntityId> = Vec::new();
        for id in ids {
            let parse =
                |json: &str| serde_json::from_str::<Value>(json).expect("records hold JSON");
            let (status, fields) = match (old.get(id), new.get(id)) {
                (None, Some(_)) => (Status::Added, Vec::new()),
                (Some(_), None) => (Status::Removed, Vec::new()),
                (Some(before), Some(after)) if before.json != after.json => {
                    let mut fields = Vec::new();
                    compare(
                        &mut String::new(),
                        &parse(&before.json),
                        &parse(&after.json),
                        &mut fields,
                    );
                    if fields.is_empty() {
                        continue;
                    }
                    (Status::Changed, fields)
                }
                _ => continue,
            };
            if let Some(owner) = fields.iter().find(|field| field.pointer == "/owner") {
                let name = |value: &Option<Value>| {
                    value
                        .as_ref()
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                diff.impact
                    .owners
                    .insert(id.to_string(), (name(&owner.old), name(&owner.new)));
            }
            let mut depended_on_by = Vec::new();
            if id.kind == Kind::Service && status != Status::Added {
                let graph = if status == Status::Removed {
                    removed.push(id);
                    base.graph
                } else {
                    changed.push(id);
                    head.graph
                };
                depended_on_by = graph
                    .referrers(id, Relation::DependsOn)
                    .into_iter()
                    .map(|referrer| referrer.name.clone())
                    .collect();
            }
            if status == Status::Removed {
                gone.push(id);
            } else {
                touched.push(id);
            }
            diff.entities.push(EntityChange {
                kind: id.kind,
                name: id.name.clone(),
                change: status,
                fields,
                depended_on_by,
            });
        }
        let mut dependents = BTreeSet::new();
        for (graph, from) in [(head.graph, &changed), (base.graph, &removed)] {
            let reached = upstream(graph, from, &[Relation::DependsOn]);
            dependents.extend(reached.into_iter().map(|id| id.name.clone()));
        }
        diff.impact.dependents = dependents.into_iter().collect();
        let mut reviewers = BTreeSet::new();
        for (graph, from) in [(head.graph, &touched), (base.graph, &gone)] {
            let reached = upstream(graph, from, REVIEWED_THROUGH);
            let owners = from
                .iter()
                .copied()
                .chain(reached)
                .filter_map(|id| crate::emit::owner(graph, id));
            reviewers.extend(
                owners.map(|team| match &graph.registry.settings.codeowners {
                    Some(codeowners) => codeowners.handle(&team),
                    None => format!("team/{team}"),
                }),
            );
        }
        diff.impact.reviewers = reviewers.into_iter().collect();
        let paths: BTreeSet<&String> = base
            .outputs
            .files
            .keys()
            .chain(head.outputs.files.keys())
            .collect();
        let mut terraform = BTreeSet::new();
        let mut clusters = BTreeSet::new();
        for path in paths {
            let before = base.outputs.files.get(path);
            let after = head.outputs.files.get(path);
            let (change, target) = match (before, after) {
                (None, Some(after)) => (Status::Added, &after.target),
                (Some(before), None) => (Status::Removed, &before.target),
                (Some(before), Some(after)) if before.bytes != after.bytes => {
                    (Status::Changed, &after.target)
                }
                _ => continue,
            };
            if *target == Target::Manifest {
                continue;
            }
            terraform.extend(target.terraform_root().map(str::to_owned));
            clusters.extend(target.cluster().map(str::to_owned));
            diff.files.push(FileChange {
                path: path.clone(),
                change,
                destructive: crate::emit::destruction(before, after),
                old: before.map(|file| file.bytes.clone()),
                new: after.map(|file| file.bytes.clone()),
            });
        }
        diff.impact.terraform = terraform.into_iter().collect();
        diff.impact.clusters = clusters.into_iter().collect();
        diff
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entities.is_empty() && self.files.is_empty()
    }
}

/// The relations through which a change reaches an entity whose owner must review it.
const REVIEWED_THROUGH: &[Relation] = &[
    Relation::DependsOn,
    Relation::Cluster,
    Relation::Project,
    Relation::ProvidesApi,
    Relation::ConsumesApi,
];

/// Every entity of `graph` that refers to one of `from` through one of `relations`, directly or
/// not: one walk, each entity expanded once.
fn upstream<'g>(
    graph: &'g Graph,
    from: &[&'g EntityId],
    relations: &[Relation],
) -> HashSet<&'g EntityId> {
    let mut reached: HashSet<&EntityId> = HashSet::new();
    let mut expanded: HashSet<&EntityId> = HashSet::new();
    let mut stack: Vec<&EntityId> = from.to_vec();
    while let Some(next) = stack.pop() {
        if !expanded.insert(next) {
            continue;
        }
        for relation in relations {
            for referrer in graph.referrers(next, *relation) {
                if reached.insert(referrer) {
                    stack.push(referrer);
                }
            }
        }
    }
    reached
}

/// Appends every difference between `old` and `new` under `pointer`. Objects are compared key
/// by key and arrays of objects item by item; any other changed value is one change.
fn compare(pointer: &mut String, old: &Value, new: &Value, changes: &mut Vec<FieldChange>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            for key in keys {
                let length = pointer.len();
                crate::pointer::push(pointer, key);
                match (old.get(key), new.get(key)) {
                    (Some(old), Some(new)) => compare(pointer, old, new, changes),
                    (old, new) => changes.push(FieldChange {
                        pointer: pointer.clone(),
                        old: old.cloned(),
                        new: new.cloned(),
                    }),
                }
                pointer.truncate(length);
            }
        }
        (Value::Array(old), Value::Array(new))
            if old.iter().chain(new).all(Value::is_object) && old.len() == new.len() =>
        {
            for (index, (old, new)) in old.iter().zip(new).enumerate() {
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                compare(pointer, old, new, changes);
                pointer.truncate(length);
            }
        }
        _ => changes.push(FieldChange {
            pointer: pointer.clone(),
            old: Some(old.clone()),
            new: Some(new.clone()),
        }),
    }
}
