use std::collections::BTreeMap;

use super::{Entity, EntityId, Settings};
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

impl Registry {
    pub(crate) fn exists(&self, id: &EntityId) -> bool {
        self.entities.contains_key(id) || self.invalid.contains_key(id)
    }
}
