use std::collections::BTreeMap;

use serde_json::Value;

use super::{Entity, EntityId, Settings};
use crate::source::FileId;

/// One valid entity: its file, its evaluated value, and its typed fields.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) file: FileId,
    pub(crate) value: Value,
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
