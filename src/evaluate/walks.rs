//! The syntax trees read so far by one evaluating process, by file: each file is parsed for
//! its depth and imports once, however many entity files import it, and each reading is
//! handed to the compiling process once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::syntax::{self, Walk};
use crate::source::{FileId, Sources};

#[derive(Default)]
pub(super) struct Walks {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    by_file: HashMap<FileId, Arc<Walk>>,
    /// Files read since [`Walks::take_fresh`] was last called.
    fresh: Vec<FileId>,
}

impl Walks {
    /// The reading of `file`, if it was read.
    pub(super) fn known(&self, file: FileId) -> Option<Arc<Walk>> {
        self.lock().by_file.get(&file).cloned()
    }

    /// The reading of `file`, which must be text; read now if it was not yet.
    pub(super) fn get(&self, sources: &Sources, file: FileId) -> Arc<Walk> {
        if let Some(walk) = self.known(file) {
            return walk;
        }
        let text = sources.text(file).map_or("", |text| &**text);
        let walk = Arc::new(syntax::walk(text));
        let mut inner = self.lock();
        if let Some(raced) = inner.by_file.get(&file) {
            return Arc::clone(raced);
        }
        inner.by_file.insert(file, Arc::clone(&walk));
        inner.fresh.push(file);
        walk
    }

    /// The files read since the last call, with their readings.
    pub(super) fn take_fresh(&self) -> Vec<(FileId, Arc<Walk>)> {
        let mut inner = self.lock();
        let fresh = std::mem::take(&mut inner.fresh);
        fresh
            .into_iter()
            .filter_map(|file| Some((file, Arc::clone(inner.by_file.get(&file)?))))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
