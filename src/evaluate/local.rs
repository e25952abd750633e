//! Evaluation on threads of this process, for unit tests, where the running binary is the
//! test harness and cannot serve as a worker. Each thread evaluates a batch of files with one
//! jrsonnet state on a large stack, then makes way for a fresh one. Nothing here survives a
//! stack overflow: the command line always evaluates in worker processes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::engine::Engine;
use super::syntax::Walk;
use super::walks::Walks;
use super::{Done, Job};
use crate::progress::Bar;
use crate::source::{FileId, Sources};
use crate::{Error, Result};

/// The stack of an evaluation thread. Only touched pages are ever allocated.
pub(super) const STACK_SIZE: usize = 512 << 20;

/// How many files one jrsonnet state evaluates before it makes way for a fresh one, so that
/// the cyclic garbage Jsonnet values leave behind is freed as evaluation goes.
pub(super) const BATCH: usize = 1024;

pub(super) struct Local {
    sources: Arc<Sources>,
    walks: Arc<Walks>,
}

impl Local {
    pub(super) fn new(sources: Arc<Sources>) -> Self {
        Self {
            sources,
            walks: Arc::default(),
        }
    }

    pub(super) fn walked(&self) -> HashMap<FileId, Walk> {
        self.sources
            .iter()
            .filter_map(|(file, _)| Some((file, (*self.walks.known(file)?).clone())))
            .collect()
    }

    pub(super) fn run(
        &mut self,
        library_paths: &[String],
        jobs: &[Job],
        progress: &Bar,
    ) -> Result<Vec<Done>> {
        let threads = crate::parallel::threads()
            .min(jobs.len().div_ceil(16))
            .max(1);
        let next = AtomicUsize::new(0);
        let done: Mutex<Vec<Option<Done>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
        let batch = || -> Result<()> {
            std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .name("evaluate".to_owned())
                    .stack_size(STACK_SIZE)
                    .spawn_scoped(scope, || {
                        let engine = Engine::new(
                            Arc::clone(&self.sources),
                            library_paths.to_vec(),
                            Arc::clone(&self.walks),
                        );
                        for _ in 0..BATCH {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&job) = jobs.get(index) else { break };
                            engine.run(job, &mut |finished| {
                                done.lock().unwrap_or_else(PoisonError::into_inner)[index] =
                                    Some(finished);
                                progress.add(1);
                            });
                        }
                    })
                    .map_err(|source| Error::Thread { source })?
                    .join()
                    .map_err(|_| Error::Internal {
                        message: "an evaluation thread panicked".to_owned(),
                    })
            })
        };
        let lane = || -> Result<()> {
            while next.load(Ordering::Relaxed) < jobs.len() {
                batch()?;
            }
            Ok(())
        };
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(lane)).collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle.join().unwrap_or_else(|_| {
                        Err(Error::Internal {
                            message: "an evaluation thread panicked".to_owned(),
                        })
                    })
                })
                .collect::<Result<Vec<()>>>()
        })?;
        done.into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .into_iter()
            .map(|done| {
                done.ok_or_else(|| Error::Internal {
                    message: "a file was left unevaluated".to_owned(),
                })
            })
            .collect()
    }
}
