//! The registry's data model: the kinds of entity, their identifiers, their typed fields, the
//! fields by which each kind refers to others, and the settings. Types and that table only;
//! no stage logic lives here.

mod argocd;
mod entity;
mod entity_id;
mod kind;
mod reference;
mod registry;
mod settings;

pub(crate) use argocd::{
    IN_CLUSTER, IN_CLUSTER_NAME, LABEL_MAX, RELEASE_MAX, SYSTEM_NAMESPACES, Topology, names,
};
pub(crate) use entity::{
    Cluster, ClusterAuth, ComponentType, DEFAULT_PATH, DEFAULT_REVISION, Deployment, Entity,
    Packaging, Project, Service, Team,
};
pub(crate) use entity_id::EntityId;
pub(crate) use kind::Kind;
pub(crate) use reference::{Reference, Relation, references};
pub(crate) use registry::{Invalid, Record, Registry};
pub(crate) use settings::{
    Environment, Lifecycle, Removal, Settings, default_library_paths, settings_library_paths,
};
