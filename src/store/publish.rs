//! Publishing: the blob goes to its content address, a publication record is created under the
//! next sequence number, and `latest.json` moves to it.
//!
//! The sequence of records needs only conditional *create*, which every store offers: a
//! record is created exactly once, so two publishers can never both take one number. A
//! publisher that loses a number re-reads the newest record and decides again. Each record
//! must descend (in git) from the one before it, so the sequence only moves forward: an
//! ancestor of the newest record's commit is superseded, and nothing is published. Numbers
//! never wrap: a record at the last one stops the sequence. `latest.json` is a copy of the
//! newest record with the blob inline; it is moved by compare-and-swap, and only ever to a
//! higher sequence number. Every write is read back and checked. A publisher stopped at any
//! point leaves `latest.json` at a complete, verified publication; the next publisher brings
//! it up to the newest record, and rewrites any `latest.json` that is not exactly what a
//! publisher writes for a stored record.

use std::time::Duration;

use super::layout::{
    LATEST, MAX_BLOB, MAX_LATEST, MAX_RECORD, PUBLICATION_API_VERSION, Previous, Record, blob_key,
    now, publication_key, sha256, size, tool,
};
use super::probe::{LatestMove, establish};
use super::verify::{check_latest, newest, read_blob};
use super::{Store, Update};
use crate::text::short;
use crate::{Error, Result};

/// How a commit relates to the one `latest` points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Relation {
    Same,
    /// It descends from it.
    Forward,
    /// It is an ancestor.
    Backward,
    Diverged,
    /// The published commit is not in this repository.
    Unknown,
}

/// The git history that decides whether a publication moves forward.
pub(crate) trait History {
    /// How `ours` relates to `published`.
    fn relation(&self, published: &str, ours: &str) -> Result<Relation>;
}

/// What to publish.
pub(crate) struct Publication<'a> {
    /// The blob, `registry.json`.
    pub(crate) blob: Vec<u8>,
    /// The full id of the commit it was built from.
    pub(crate) commit: String,
    /// The blob's format version.
    pub(crate) schema: &'a str,
    /// Publish even if the commit does not descend from the latest one.
    pub(crate) force: bool,
    /// Do not rely on conditional writes: only one publisher ever runs.
    pub(crate) single_writer: bool,
}

pub(crate) enum Outcome {
    Published(Record),
    /// The latest publication already has this content.
    Unchanged(Record),
    /// The commit is an ancestor of the latest publication's: a newer one is already out.
    Superseded(Record),
}

/// How many times a publisher re-decides after losing a sequence number to another.
const MAX_ROUNDS: usize = 200;

pub(crate) async fn publish(
    store: &Store,
    publication: &Publication<'_>,
    history: &dyn History,
) -> Result<Outcome> {
    fits(store, publication.blob.len())?;
    let how = establish(store, publication.single_writer).await?;
    let sha = sha256(&publication.blob);
    let mut uploaded = false;
    for round in 0..MAX_ROUNDS {
        let head = head(store, how).await?;
        if let Some(head) = &head
            && head.sha256 == sha
        {
            return Ok(Outcome::Unchanged(head.clone()));
        }
        let forced = match &head {
            None => false,
            Some(head) => match history.relation(&head.commit, &publication.commit)? {
                Relation::Same | Relation::Forward => false,
                _ if publication.force => true,
                Relation::Backward => return Ok(Outcome::Superseded(head.clone())),
                relation => return Err(refusal(store, head, &publication.commit, relation)),
            },
        };
        let sequence = match &head {
            None => 1,
            Some(head) => head
                .sequence
                .checked_add(1)
                .ok_or_else(|| exhausted(store, head))?,
        };
        if !uploaded {
            upload_blob(store, &publication.blob, &sha).await?;
            uploaded = true;
        }
        let record = Record {
            api_version: PUBLICATION_API_VERSION.to_owned(),
            sequence,
            commit: publication.commit.clone(),
            sha256: sha.clone(),
            blob: blob_key(&sha),
            size: publication.blob.len() as u64,
            schema: publication.schema.to_owned(),
            published_at: now(),
            tool: tool(),
            previous: head.as_ref().map(|head| Previous {
                sequence: head.sequence,
                commit: head.commit.clone(),
            }),
            forced,
            single_writer: publication.single_writer,
        };
        let bytes = record.to_bytes();
        let key = publication_key(sequence);
        let created = store.create(&key, bytes.clone()).await?;
        let stored = store.read(&key, MAX_RECORD).await?;
        if stored.as_deref() == Some(bytes.as_slice()) {
            // Created now, or by an earlier attempt of this request that the store completed.
            move_latest(store, how, &record, &publication.blob).await?;
            return Ok(Outcome::Published(record));
        }
        if created {
            return Err(Error::Corrupt {
                url: store.url(&key),
                message: "the record read back is not the one written".to_owned(),
            });
        }
        // Another publisher took this number: wait a little, then decide again.
        tokio::time::sleep(Duration::from_millis(10 * (round as u64 % 10 + 1))).await;
    }
    Err(Error::Refused {
        message: format!(
            "gave up after losing {MAX_ROUNDS} sequence numbers to other publishers at `{}`",
            store.url("")
        ),
        help: None,
    })
}

/// The newest publication record, with `latest.json` brought to it: a file that is not
/// exactly what a publisher writes for a stored record (forged, damaged, or too large) is
/// rewritten, and so is one left behind by a publisher that stopped before moving it.
async fn head(store: &Store, how: LatestMove) -> Result<Option<Record>> {
    let current = store.get(LATEST, MAX_LATEST).await?;
    let genuine = match current.as_ref().and_then(|object| object.bytes.as_deref()) {
        Some(bytes) => check_latest(store, bytes)
            .await?
            .ok()
            .map(|(record, _)| record),
        None => None,
    };
    // Only records after a genuine `latest.json` need listing.
    let head = match newest(store, genuine.as_ref().map(|record| record.sequence)).await? {
        Some(newer) => Some(newer),
        None => genuine.clone(),
    };
    if let Some(head) = &head
        && genuine.is_none_or(|genuine| genuine.sequence != head.sequence)
    {
        let blob = read_blob(store, head).await?;
        move_latest(store, how, head, &blob).await?;
    }
    Ok(head)
}

/// Whether a blob of `size` bytes may be published: fetch refuses a larger one.
fn fits(store: &Store, size: usize) -> Result<()> {
    if size as u64 <= MAX_BLOB {
        return Ok(());
    }
    Err(Error::Refused {
        message: format!(
            "refusing to publish to `{}`: the registry is {size} bytes, more than the {} a \
             publication may hold",
            store.url(""),
            self::size(MAX_BLOB)
        ),
        help: None,
    })
}

fn exhausted(store: &Store, head: &Record) -> Error {
    Error::Refused {
        message: format!(
            "refusing to publish: `{}` is publication #{}, the last sequence number there is, \
             so none can follow it",
            store.url(&publication_key(head.sequence)),
            head.sequence
        ),
        help: Some(
            "`registry publish` numbers publications from 1, one at a time, so this record was \
             not written by it: remove it from the store"
                .to_owned(),
        ),
    }
}

fn refusal(store: &Store, head: &Record, ours: &str, relation: Relation) -> Error {
    let (ours, published) = (short(ours), short(&head.commit));
    let (why, help) = match relation {
        Relation::Diverged => (
            format!("`{ours}` has diverged from `{published}`: neither descends from the other"),
            "publish from the branch that `latest` follows",
        ),
        _ => (
            format!(
                "the published commit `{published}` is not in this repository, so it cannot \
                 be checked that `{ours}` descends from it"
            ),
            "fetch the whole history (`git fetch --unshallow`, or `fetch-depth: 0` in \
             actions/checkout)",
        ),
    };
    Error::Refused {
        message: format!(
            "refusing to publish: `latest` at `{}` is publication #{} of commit `{published}`, \
             and {why}",
            store.url(LATEST),
            head.sequence,
        ),
        help: Some(format!(
            "{help}; `--force` publishes anyway, and the record says so"
        )),
    }
}

/// Puts the blob at its content address, unless it is there already, and checks what the
/// store holds.
async fn upload_blob(store: &Store, blob: &[u8], sha: &str) -> Result<()> {
    let key = blob_key(sha);
    store.create(&key, blob.to_vec()).await?;
    match store.digest(&key, MAX_BLOB).await? {
        Some((stored, _)) if stored == sha => Ok(()),
        Some((stored, _)) => Err(Error::Corrupt {
            url: store.url(&key),
            message: format!(
                "its SHA-256 is {stored}, not the {sha} its name promises; blobs are never \
                 rewritten, so remove it by hand and publish again"
            ),
        }),
        None => Err(Error::Corrupt {
            url: store.url(&key),
            message: "the blob just written cannot be read back".to_owned(),
        }),
    }
}

/// Takes the lock file that serializes moves of `latest.json` in a local directory.
fn lock(store: &Store) -> Result<std::fs::File> {
    let dir = store.local_dir().expect("a local store has a directory");
    let path = dir.join(".latest.lock");
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .and_then(|file| file.lock().map(|()| file))
        .map_err(|source| Error::WriteFile { path, source })
}

/// Whether `current`, what `latest.json` holds, is genuine and at publication `sequence` or
/// beyond: then it is not to be moved back.
async fn ahead(store: &Store, current: Option<&[u8]>, sequence: u64) -> Result<bool> {
    Ok(match current {
        Some(current) => check_latest(store, current)
            .await?
            .is_ok_and(|(record, _)| record.sequence >= sequence),
        None => false,
    })
}

/// Moves `latest.json` to `record`, unless it is already at it or beyond.
async fn move_latest(store: &Store, how: LatestMove, record: &Record, blob: &[u8]) -> Result<()> {
    let bytes = super::layout::latest_bytes(record, blob);
    match how {
        LatestMove::ConditionalUpdate => loop {
            let moved = match store.get(LATEST, MAX_LATEST).await? {
                Some(current)
                    if ahead(store, current.bytes.as_deref(), record.sequence).await? =>
                {
                    return Ok(());
                }
                Some(current) => {
                    match store.update(LATEST, bytes.clone(), current.version).await? {
                        Update::Done => true,
                        Update::Stale => false,
                        Update::Unsupported => {
                            return Err(Error::Refused {
                                message: format!(
                                    "`{}` cannot be updated conditionally any more",
                                    store.url(LATEST)
                                ),
                                help: None,
                            });
                        }
                    }
                }
                None => store.create(LATEST, bytes.clone()).await?,
            };
            if moved {
                break;
            }
        },
        LatestMove::LocalLock | LatestMove::SingleWriter => {
            // Held until the move is done; only a local directory has one.
            let _lock = match how {
                LatestMove::LocalLock => Some(lock(store)?),
                _ => None,
            };
            let current = store.get(LATEST, MAX_LATEST).await?;
            let current = current
                .as_ref()
                .and_then(|current| current.bytes.as_deref());
            if !ahead(store, current, record.sequence).await? {
                store.overwrite(LATEST, bytes.clone()).await?;
            }
        }
    }
    let current = store.get(LATEST, MAX_LATEST).await?;
    let current = current
        .as_ref()
        .and_then(|current| current.bytes.as_deref());
    if current == Some(bytes.as_slice()) || ahead(store, current, record.sequence).await? {
        Ok(())
    } else {
        Err(Error::Corrupt {
            url: store.url(LATEST),
            message: format!(
                "read back after moving it to publication #{}, it is neither that nor a newer \
                 one",
                record.sequence
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::{History, LatestMove, Outcome, Publication, Relation, fits, move_latest, publish};
    use crate::store::layout::{LATEST, MAX_BLOB, MAX_LATEST, latest_bytes};
    use crate::store::verify::{read_blob, read_record};
    use crate::store::{Access, Store};
    use crate::workspace::StoreTarget;
    use crate::{Error, Result};

    /// Every commit descends from every other.
    struct Forward;

    impl History for Forward {
        fn relation(&self, published: &str, ours: &str) -> Result<Relation> {
            Ok(if published == ours {
                Relation::Same
            } else {
                Relation::Forward
            })
        }
    }

    /// A publisher that comes to move `latest.json` to publication #1 after #2 is out, as one
    /// delayed between creating its record and moving `latest.json` does, leaves it at #2: on
    /// a store that moves it by compare-and-swap, and on a local directory that moves it under
    /// its lock.
    #[test]
    fn latest_is_never_moved_back_to_an_older_publication() {
        let dir = tempfile::tempdir().unwrap();
        let local = Store::open(
            &StoreTarget {
                url: "store".to_owned(),
                base: dir.path().to_owned(),
            },
            Duration::from_secs(1),
            Access::Write,
        )
        .unwrap();
        let memory = Store {
            inner: Arc::new(object_store::memory::InMemory::new()),
            prefix: object_store::path::Path::default(),
            url: "memory://test/".to_owned(),
            local: None,
            retry_for: Duration::from_secs(1),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for (store, how) in [
            (&memory, LatestMove::ConditionalUpdate),
            (&local, LatestMove::LocalLock),
        ] {
            runtime.block_on(async {
                for (commit, blob) in [
                    ("a".repeat(40), "{\"n\":1}\n"),
                    ("b".repeat(40), "{\"n\":2}\n"),
                ] {
                    let publication = Publication {
                        blob: blob.as_bytes().to_vec(),
                        commit,
                        schema: "registry/v1",
                        force: false,
                        single_writer: false,
                    };
                    let outcome = publish(store, &publication, &Forward).await.unwrap();
                    assert!(matches!(outcome, Outcome::Published(_)), "{how:?}");
                }
                assert_eq!(super::establish(store, false).await.unwrap(), how);
                let latest = || async {
                    store
                        .get(LATEST, MAX_LATEST)
                        .await
                        .unwrap()
                        .and_then(|object| object.bytes)
                        .unwrap()
                };
                let newest = read_record(store, 2).await.unwrap();
                let expected = latest_bytes(&newest, &read_blob(store, &newest).await.unwrap());
                assert_eq!(latest().await, expected, "{how:?}");
                let older = read_record(store, 1).await.unwrap();
                let blob = read_blob(store, &older).await.unwrap();
                move_latest(store, how, &older, &blob).await.unwrap();
                assert_eq!(latest().await, expected, "{how:?}: moved back");
            });
        }
    }

    #[test]
    fn a_blob_larger_than_fetch_reads_is_not_published() {
        let dir = tempfile::tempdir().unwrap();
        let target = StoreTarget {
            url: "store".to_owned(),
            base: dir.path().to_owned(),
        };
        let store = Store::open(&target, Duration::from_secs(1), Access::Write).unwrap();
        let most = usize::try_from(MAX_BLOB).unwrap();
        assert!(fits(&store, most).is_ok());
        let Err(Error::Refused { message, .. }) = fits(&store, most + 1) else {
            panic!("a blob past the bound is refused");
        };
        assert!(
            message.ends_with(
                "the registry is 1073741825 bytes, more than the 1 GiB a publication may hold"
            ),
            "{message}"
        );
    }
}
