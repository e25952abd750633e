//! What a change does: two compiled registries (the base, read from git, and the head) compared
//! entity by entity and field by field, their generated files compared, and the impact derived
//! from the head's graph: who depends on what changed, which Terraform roots need a plan, which
//! clusters' Argo CD applications will sync, whose ownership moved. Pure; nothing is read here.

mod render;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

pub(crate) use self::render::{DiffFormat, render};
use crate::emit::{OutputSet, Target};
use crate::graph::{Graph, Relation};
use crate::model::{EntityId, Kind};

/// Everything that differs between a base and a head.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Diff {
    pub(crate) entities: Vec<EntityChange>,
    pub(crate) files: Vec<FileChange>,
    pub(crate) impact: Impact,
}

#[derive(Debug, Serialize)]
pub(crate) struct EntityChange {
    pub(crate) kind: Kind,
    pub(crate) name: String,
    pub(crate) change: Status,
    /// For a changed entity, each field that differs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) fields: Vec<FieldChange>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Serialize)]
pub(crate) struct FieldChange {
    /// The JSON pointer of the field.
    pub(crate) pointer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) new: Option<Value>,
}

#[derive(Debug, Serialize)]
pub(crate) struct FileChange {
    pub(crate) path: String,
    pub(crate) change: Status,
    #[serde(skip)]
    pub(crate) old: Option<Vec<u8>>,
    #[serde(skip)]
    pub(crate) new: Option<Vec<u8>>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Impact {
    /// For each changed or removed service, every service that depends on it, directly or not.
    pub(crate) dependents: BTreeMap<String, Vec<String>>,
    /// The cloud projects whose Terraform variables change (`teams` for the teams' file).
    pub(crate) terraform: Vec<String>,
    /// The clusters whose Argo CD manifests change.
    pub(crate) clusters: Vec<String>,
    /// Entities whose owner changes: `kind/name` → (old, new).
    pub(crate) owners: BTreeMap<String, (String, String)>,
    /// Who must review each changed entity: `kind/name` → its owner's handle, then the
    /// handles of the owners of everything depending on it, directly or not.
    pub(crate) reviewers: BTreeMap<String, Vec<String>>,
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
            if id.kind == Kind::Service && status != Status::Added {
                let graph = if status == Status::Removed {
                    base.graph
                } else {
                    head.graph
                };
                let dependents = dependents(graph, id);
                if !dependents.is_empty() {
                    diff.impact.dependents.insert(id.name.clone(), dependents);
                }
            }
            let graph = if status == Status::Removed {
                base.graph
            } else {
                head.graph
            };
            let handles = reviewers(graph, id);
            if !handles.is_empty() {
                diff.impact.reviewers.insert(id.to_string(), handles);
            }
            diff.entities.push(EntityChange {
                kind: id.kind,
                name: id.name.clone(),
                change: status,
                fields,
            });
        }
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

/// The handles of the owners of `id` and of everything that depends on it, directly or not
/// (services on a cluster, clusters in a project, providers and consumers of an API): the
/// owner first, then the others in order. Without `codeowners` in the settings, team names.
fn reviewers(graph: &Graph, id: &EntityId) -> Vec<String> {
    let handle = |team: String| match &graph.registry.settings.codeowners {
        Some(codeowners) => codeowners.handle(&team),
        None => format!("team/{team}"),
    };
    let owner = crate::emit::owner(graph, id);
    let dependents =
        crate::explore::reach_by(graph, id, None, petgraph::Direction::Incoming, |relation| {
            matches!(
                relation,
                Relation::DependsOn
                    | Relation::Cluster
                    | Relation::Project
                    | Relation::ProvidesApi
                    | Relation::ConsumesApi
            )
        });
    let others: BTreeSet<String> = dependents
        .keys()
        .filter_map(|dependent| crate::emit::owner(graph, dependent))
        .filter(|team| Some(team) != owner.as_ref())
        .map(handle)
        .collect();
    owner.map(handle).into_iter().chain(others).collect()
}

/// Every service that depends on `id`, directly or not, by name.
fn dependents(graph: &Graph, id: &EntityId) -> Vec<String> {
    let mut seen: BTreeSet<&EntityId> = BTreeSet::new();
    let mut stack = vec![id];
    while let Some(next) = stack.pop() {
        for referrer in graph.referrers(next, Relation::DependsOn) {
            if seen.insert(referrer) {
                stack.push(referrer);
            }
        }
    }
    seen.remove(id);
    seen.into_iter().map(|id| id.name.clone()).collect()
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
