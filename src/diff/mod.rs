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
use crate::emit::{OutputFile, OutputSet, Target};
use crate::graph::{Graph, Relation};
use crate::model::{EntityId, Kind};
use crate::source::Sources;

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
    /// What the file is, on the head (on the base, for a file removed).
    pub(crate) target: Target,
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
    pub(crate) sources: &'a Sources,
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
        diff.files = files(base, head);
        let mut terraform = BTreeSet::new();
        let mut clusters = BTreeSet::new();
        for change in &diff.files {
            terraform.extend(change.target.terraform_root().map(str::to_owned));
            clusters.extend(change.target.cluster().map(str::to_owned));
        }
        diff.impact.terraform = terraform.into_iter().collect();
        diff.impact.clusters = clusters.into_iter().collect();
        diff
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entities.is_empty() && self.files.is_empty()
    }
}

/// The generated files that differ between `base` and `head`, by path, CODEOWNERS included and
/// the manifest left out: compared piece by piece as each side renders it, so that only the
/// files that differ are kept.
fn files(base: &Side, head: &Side) -> Vec<FileChange> {
    let pairing = Pairing::default();
    crate::emit::emit_pairs(base.graph, head.graph, &|old, new| pairing.add(old, new));
    let codeowners = |side: &Side| {
        let mut set = OutputSet::default();
        if let Some(file) = crate::emit::codeowners(side.graph, side.sources) {
            set.files.insert(file.target.path(), file);
        }
        set
    };
    pairing.add(codeowners(base), codeowners(head));
    pairing.finish()
}

/// The pieces of both sides compared as they come.
#[derive(Default)]
struct Pairing {
    changes: std::sync::Mutex<Vec<FileChange>>,
    /// The files of each side that the other side's piece did not have, by path: a file that
    /// one side renders in another piece than the other waits here for its other side.
    unpaired: std::sync::Mutex<(BTreeMap<String, OutputFile>, BTreeMap<String, OutputFile>)>,
}

impl Pairing {
    /// One piece, as the base and the head render it.
    fn add(&self, old: OutputSet, new: OutputSet) {
        let mut old = old.files;
        let mut found = Vec::new();
        let mut alone = Vec::new();
        for (path, after) in new.files {
            match old.remove(&path) {
                Some(before) => found.extend(change(path, Some(before), Some(after))),
                None => alone.push((path, after)),
            }
        }
        self.changes.lock().expect("no diff panics").extend(found);
        let mut unpaired = self.unpaired.lock().expect("no diff panics");
        unpaired.0.extend(old);
        unpaired.1.extend(alone);
    }

    /// Every change, by path.
    fn finish(self) -> Vec<FileChange> {
        let (mut old, new) = self.unpaired.into_inner().expect("no diff panics");
        let mut changes = self.changes.into_inner().expect("no diff panics");
        for (path, after) in new {
            let before = old.remove(&path);
            changes.extend(change(path, before, Some(after)));
        }
        changes.extend(
            old.into_iter()
                .filter_map(|(path, before)| change(path, Some(before), None)),
        );
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        changes
    }
}

/// The change of the file at `path` from `before` to `after`; `None` when there is none, or
/// for the manifest.
fn change(
    path: String,
    before: Option<OutputFile>,
    after: Option<OutputFile>,
) -> Option<FileChange> {
    let change = match (&before, &after) {
        (None, Some(_)) => Status::Added,
        (Some(_), None) => Status::Removed,
        (Some(before), Some(after)) if before.digest != after.digest => Status::Changed,
        _ => return None,
    };
    let target = after.as_ref().or(before.as_ref())?.target.clone();
    if target == Target::Manifest {
        return None;
    }
    Some(FileChange {
        path,
        target,
        change,
        destructive: crate::emit::destruction(before.as_ref(), after.as_ref()),
        old: before.map(|file| file.bytes),
        new: after.map(|file| file.bytes),
    })
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{Pairing, Status};
    use crate::emit::{OutputFile, OutputSet, Target};

    fn set(files: &[(&str, &str)]) -> OutputSet {
        let mut set = OutputSet::default();
        for (cluster, bytes) in files {
            let target = Target::Namespaces {
                cluster: (*cluster).to_owned(),
            };
            let file = OutputFile::new(target, bytes.as_bytes().to_vec(), BTreeSet::new());
            set.files.insert(file.target.path(), file);
        }
        set
    }

    /// Files are paired by path whichever piece renders them on each side: one that moves to
    /// another piece is changed (or the same), never removed and added.
    #[test]
    fn files_are_paired_by_path_across_pieces() {
        let pairing = Pairing::default();
        pairing.add(
            set(&[("a", "1"), ("b", "2"), ("gone", "x")]),
            set(&[("a", "1"), ("b", "3")]),
        );
        pairing.add(set(&[("moved", "4"), ("same", "5")]), set(&[("new", "6")]));
        pairing.add(set(&[]), set(&[("moved", "7"), ("same", "5")]));
        pairing.add(set(&[]), OutputSet::default());
        let changes: Vec<_> = pairing
            .finish()
            .into_iter()
            .map(|change| (change.path, change.change, change.old, change.new))
            .collect();
        let bytes = |text: &str| Some(text.as_bytes().to_vec());
        assert_eq!(
            changes,
            [
                (
                    "kubernetes/b/namespaces.yaml".to_owned(),
                    Status::Changed,
                    bytes("2"),
                    bytes("3")
                ),
                (
                    "kubernetes/gone/namespaces.yaml".to_owned(),
                    Status::Removed,
                    bytes("x"),
                    None
                ),
                (
                    "kubernetes/moved/namespaces.yaml".to_owned(),
                    Status::Changed,
                    bytes("4"),
                    bytes("7")
                ),
                (
                    "kubernetes/new/namespaces.yaml".to_owned(),
                    Status::Added,
                    None,
                    bytes("6")
                ),
            ]
        );
        // The manifest only records the rest: never a change of its own.
        let pairing = Pairing::default();
        let mut manifest = OutputSet::default();
        let file = OutputFile::new(Target::Manifest, b"{}".to_vec(), BTreeSet::new());
        manifest.files.insert(file.target.path(), file);
        pairing.add(manifest, OutputSet::default());
        assert!(pairing.finish().is_empty());
    }
}
