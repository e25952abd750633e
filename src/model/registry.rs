use std::collections::BTreeMap;

use super::{Cluster, Entity, EntityId, Kind, Project, Reference, Service, Settings, Team};
use crate::source::FileId;

/// One valid entity: its file, its evaluated value (compact JSON: a registry's values held as
/// trees would take ten times the memory), and its typed fields.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) file: FileId,
    pub(crate) json: String,
    /// The SHA-256 of `json`: what the entity is, for telling whether a piece of emission
    /// that reads it renders what it rendered before.
    pub(crate) digest: [u8; 32],
    /// Whether validating it found nothing to say, not even a warning.
    pub(crate) clean: bool,
    pub(crate) entity: Entity,
    pub(crate) references: Vec<Reference>,
}

/// An entity that exists but failed validation: never emitted, but its well-typed references
/// are still checked.
#[derive(Debug)]
pub(crate) struct Invalid {
    pub(crate) file: FileId,
    /// Its evaluated value, when it evaluated.
    pub(crate) json: Option<String>,
    pub(crate) references: Vec<Reference>,
}

/// Every entity that passed validation, by id, and the settings.
#[derive(Debug)]
pub(crate) struct Registry {
    pub(crate) settings: Settings,
    /// The SHA-256 of the settings' value, as compact JSON.
    pub(crate) settings_digest: [u8; 32],
    pub(crate) entities: BTreeMap<EntityId, Record>,
    /// Entities that exist but failed validation: references to them are not reported again.
    pub(crate) invalid: BTreeMap<EntityId, Invalid>,
}

/// Typed access to one kind's entities.
macro_rules! kind {
    ($all:ident, $one:ident, $variant:ident, $type:ty) => {
        /// Every entity of this kind, in name order, with its typed fields.
        pub(crate) fn $all(&self) -> impl Iterator<Item = (&EntityId, &$type)> {
            self.records(Kind::$variant)
                .filter_map(|(id, record)| match &record.entity {
                    Entity::$variant(entity) => Some((id, entity)),
                    _ => None,
                })
        }

        /// The valid entity of this kind named `name`.
        pub(crate) fn $one(&self, name: &str) -> Option<&$type> {
            match &self
                .entities
                .get(&EntityId::new(Kind::$variant, name))?
                .entity
            {
                Entity::$variant(entity) => Some(entity),
                _ => None,
            }
        }
    };
}

impl Registry {
    /// The file of an entity, valid or not.
    pub(crate) fn file(&self, id: &EntityId) -> Option<FileId> {
        self.entities
            .get(id)
            .map(|record| record.file)
            .or_else(|| self.invalid.get(id).map(|invalid| invalid.file))
    }

    /// The evaluated value of an entity, valid or not, as compact JSON.
    pub(crate) fn json(&self, id: &EntityId) -> Option<&str> {
        match self.entities.get(id) {
            Some(record) => Some(&record.json),
            None => self.invalid.get(id)?.json.as_deref(),
        }
    }

    /// Every entity, valid or not, with its references, in id order.
    pub(crate) fn all_references(&self) -> impl Iterator<Item = (&EntityId, &[Reference])> {
        let valid = self
            .entities
            .iter()
            .map(|(id, record)| (id, record.references.as_slice()));
        let invalid = self
            .invalid
            .iter()
            .map(|(id, invalid)| (id, invalid.references.as_slice()));
        valid.chain(invalid)
    }

    /// The valid entities of one kind, in name order.
    pub(crate) fn records(&self, kind: Kind) -> impl Iterator<Item = (&EntityId, &Record)> {
        self.entities
            .range(EntityId::new(kind, String::new())..)
            .take_while(move |(id, _)| id.kind == kind)
    }

    kind!(teams, team, Team, Team);
    kind!(projects, project, Project, Project);
    kind!(clusters, cluster, Cluster, Cluster);
    kind!(services, service, Service, Service);
}
