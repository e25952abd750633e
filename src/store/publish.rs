//! Publishing: the blob goes to its content address, a publication record is created under the
//! next sequence number, and `latest.json` moves to it.
//!
//! The sequence of records needs only conditional *create*, which every store offers: a
//! record is created exactly once, so two publishers can never both take one number. A
//! publisher that loses a number re-reads the newest record and decides again. Each record
//! must descend (in git) from the one before it, so the sequence only moves forward.
//! `latest.json` is a copy of the newest record with the blob inline; it is moved by
//! compare-and-swap, and only ever to a higher sequence number. Every write is read back and
//! checked. A publisher stopped at any point leaves `latest.json` at a complete, verified
//! publication; the next publisher brings it up to the newest record.

use std::time::Duration;

use super::layout::{
    LATEST, Latest, PUBLICATION_API_VERSION, PUBLICATIONS, Previous, Record, blob_key, now,
    publication_key, publication_sequence, sha256, tool,
};
use super::probe::{LatestMove, establish};
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
}

/// How many times a publisher re-decides after losing a sequence number to another.
const MAX_ROUNDS: usize = 200;

pub(crate) async fn publish(
    store: &Store,
    publication: &Publication<'_>,
    history: &dyn History,
) -> Result<Outcome> {
    let how = establish(store, publication.single_writer).await?;
    let sha = sha256(&publication.blob);
    let mut uploaded = false;
    for round in 0..MAX_ROUNDS {
        let hint = read_latest(store)
            .await?
            .map(|latest| latest.record.sequence);
        let head = head(store, hint).await?;
        if let Some(head) = &head {
            if hint.is_none_or(|sequence| sequence < head.sequence) {
                let blob = read_blob(store, head).await?;
                move_latest(store, how, head, &blob).await?;
            }
            if head.sha256 == sha {
                return Ok(Outcome::Unchanged(head.clone()));
            }
        }
        let forced = match &head {
            None => false,
            Some(head) => match history.relation(&head.commit, &publication.commit)? {
                Relation::Same | Relation::Forward => false,
                _ if publication.force => true,
                relation => return Err(refusal(store, head, &publication.commit, relation)),
            },
        };
        if !uploaded {
            upload_blob(store, &publication.blob, &sha).await?;
            uploaded = true;
        }
        let sequence = head.as_ref().map_or(1, |head| head.sequence + 1);
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
        let stored = store.get(&key).await?.map(|(stored, _)| stored);
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

fn refusal(store: &Store, head: &Record, ours: &str, relation: Relation) -> Error {
    let (ours, published) = (short(ours), short(&head.commit));
    let (why, help) = match relation {
        Relation::Backward => (
            format!("`{ours}` is older: it is an ancestor of `{published}`"),
            "a newer commit is already published, so there is nothing to do",
        ),
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

/// Reads `latest.json`; `None` when absent or unreadable, since the records are the truth and
/// the next move rewrites it.
async fn read_latest(store: &Store) -> Result<Option<Latest>> {
    Ok(store
        .get(LATEST)
        .await?
        .and_then(|(bytes, _)| Latest::parse(&bytes).ok())
        .filter(|latest| verify(&latest.record, &latest.blob).is_ok()))
}

/// The newest publication record. `hint`, the sequence `latest.json` names, saves listing the
/// whole history: only records after it are listed.
async fn head(store: &Store, hint: Option<u64>) -> Result<Option<Record>> {
    let after = hint.map(publication_key);
    let newest = store
        .list(PUBLICATIONS, after.as_deref())
        .await?
        .iter()
        .filter_map(|key| publication_sequence(key))
        .max()
        .or(hint);
    match newest {
        Some(sequence) => read_record(store, sequence).await.map(Some),
        None => Ok(None),
    }
}

pub(super) async fn read_record(store: &Store, sequence: u64) -> Result<Record> {
    let key = publication_key(sequence);
    let corrupt = |message: String| Error::Corrupt {
        url: store.url(&key),
        message,
    };
    let Some((bytes, _)) = store.get(&key).await? else {
        return Err(corrupt("the record is missing".to_owned()));
    };
    let record: Record = serde_json::from_slice(&bytes)
        .map_err(|error| corrupt(format!("not a publication record: {error}")))?;
    if record.sequence != sequence {
        return Err(corrupt(format!(
            "it names sequence number {}",
            record.sequence
        )));
    }
    Ok(record)
}

/// Reads a record's blob and checks it against the record.
pub(super) async fn read_blob(store: &Store, record: &Record) -> Result<Vec<u8>> {
    let corrupt = |message: String| Error::Corrupt {
        url: store.url(&record.blob),
        message,
    };
    let Some((bytes, _)) = store.get(&record.blob).await? else {
        return Err(corrupt(format!(
            "publication #{} names this blob, and it is missing",
            record.sequence
        )));
    };
    verify(record, &bytes).map_err(|mismatch| corrupt(mismatch.to_string()))?;
    Ok(bytes.to_vec())
}

/// How a blob differs from the record that names it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Mismatch {
    #[error("its SHA-256 is {actual}, but publication #{sequence} says {expected}")]
    Hash {
        actual: String,
        expected: String,
        sequence: u64,
    },
    #[error("it is {actual} bytes, but publication #{sequence} says {expected}")]
    Size {
        actual: u64,
        expected: u64,
        sequence: u64,
    },
}

/// Whether `blob` is the one `record` names.
pub(super) fn verify(record: &Record, blob: &[u8]) -> Result<(), Mismatch> {
    let actual = sha256(blob);
    if actual != record.sha256 || record.blob != blob_key(&record.sha256) {
        return Err(Mismatch::Hash {
            actual,
            expected: record.sha256.clone(),
            sequence: record.sequence,
        });
    }
    if blob.len() as u64 != record.size {
        return Err(Mismatch::Size {
            actual: blob.len() as u64,
            expected: record.size,
            sequence: record.sequence,
        });
    }
    Ok(())
}

/// Puts the blob at its content address, unless it is there already, and checks what the
/// store holds.
async fn upload_blob(store: &Store, blob: &[u8], sha: &str) -> Result<()> {
    let key = blob_key(sha);
    store.create(&key, blob.to_vec()).await?;
    let stored = store.get(&key).await?.map(|(bytes, _)| bytes);
    match stored {
        Some(bytes) if sha256(&bytes) == sha => Ok(()),
        Some(bytes) => Err(Error::Corrupt {
            url: store.url(&key),
            message: format!(
                "its SHA-256 is {}, not the {sha} its name promises; blobs are never \
                 rewritten, so remove it by hand and publish again",
                sha256(&bytes)
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

/// Moves `latest.json` to `record`, unless it is already at it or beyond.
async fn move_latest(store: &Store, how: LatestMove, record: &Record, blob: &[u8]) -> Result<()> {
    let bytes = super::layout::latest_bytes(record, blob);
    let ahead = |current: &[u8]| {
        Latest::parse(current).is_ok_and(|latest| {
            latest.record.sequence >= record.sequence
                && verify(&latest.record, &latest.blob).is_ok()
        })
    };
    match how {
        LatestMove::ConditionalUpdate => loop {
            let moved = match store.get(LATEST).await? {
                Some((current, _)) if ahead(&current) => return Ok(()),
                Some((_, version)) => match store.update(LATEST, bytes.clone(), version).await? {
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
                },
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
            let current = store.get(LATEST).await?;
            if !current.is_some_and(|(current, _)| ahead(&current)) {
                store.overwrite(LATEST, bytes.clone()).await?;
            }
        }
    }
    match store.get(LATEST).await? {
        Some((current, _)) if current.as_ref() == bytes.as_slice() || ahead(&current) => Ok(()),
        _ => Err(Error::Corrupt {
            url: store.url(LATEST),
            message: format!(
                "read back after moving it to publication #{}, it is neither that nor a newer \
                 one",
                record.sequence
            ),
        }),
    }
}
