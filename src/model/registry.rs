use std::collections::BTreeMap;

use super::{Cluster, Entity, EntityId, Kind, Project, Service, Settings, Team};
use crate::source::FileId;

/// One valid entity: its file, its evaluated value (compact JSON: a registry's values held as
/// trees would take ten times the memory), and its typed fields.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) file: FileId,
    pub(crate) json: String,
    pub(crate) entity: Entity,
}

/// Every entity that passed validation, by id, and the settings.
#[derive(Debug)]
pub(crate) struct Registry {
    pub(crate) settings: Settings,
    pub(crate) entities: BTreeMap<EntityId, Record>,
    /// Entities that exist but failed validation: references to them are not reported again.
    pub(crate) invalid: BTreeMap<EntityId, FileId>,
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
    pub(crate) fn exists(&self, id: &EntityId) -> bool {
        self.entities.contains_key(id) || self.invalid.contains_key(id)
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
