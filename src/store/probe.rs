//! Before a store's conditional writes are relied on, they are proven: a create of an existing
//! key must be refused and, where the store offers conditional updates, an update with a stale
//! version too. Some S3-compatible stores accept both, and two publishers could then overwrite
//! each other. A store that passes is remembered in its `store.json`; one that fails is
//! checked again next time, so fixing it needs no cleanup.

use object_store::UpdateVersion;

use super::layout::{MAX_FACTS, PUBLICATION_API_VERSION, STORE, StoreFacts, now, tool};
use super::{Store, Update};
use crate::{Error, Result};

/// How `latest.json` can be moved safely on a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LatestMove {
    /// Compare-and-swap with a conditional update.
    ConditionalUpdate,
    /// Under a lock file, in a local directory.
    LocalLock,
    /// Plainly, trusting that no one else publishes (`--single-writer`).
    SingleWriter,
}

/// Proves (or recalls) what the store does with conditional writes, and how to move latest.
pub(super) async fn establish(store: &Store, single_writer: bool) -> Result<LatestMove> {
    if single_writer {
        return Ok(LatestMove::SingleWriter);
    }
    let facts = store
        .get(STORE, MAX_FACTS)
        .await?
        .and_then(|object| object.bytes)
        .and_then(|bytes| serde_json::from_slice::<StoreFacts>(&bytes).ok())
        .filter(|facts| facts.conditional_create);
    let facts = if let Some(facts) = facts {
        facts
    } else {
        let facts = probe(store).await?;
        // Another publisher may have recorded the same facts first; either is fine.
        store
            .create(
                STORE,
                serde_json::to_vec_pretty(&facts).expect("facts serialize"),
            )
            .await?;
        facts
    };
    if store.local_dir().is_some() {
        Ok(LatestMove::LocalLock)
    } else if facts.conditional_update {
        Ok(LatestMove::ConditionalUpdate)
    } else {
        Err(untrusted(
            store,
            "it cannot update an object conditionally, so `latest.json` cannot be moved by \
             compare-and-swap",
        ))
    }
}

async fn probe(store: &Store) -> Result<StoreFacts> {
    let nonce = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos())
    );
    let key = format!(".probe-{nonce}");
    // A create retried after its response was lost reads as refused: look at what is there.
    if !store.create(&key, b"first".to_vec()).await?
        && store.read(&key, MAX_FACTS).await?.as_deref() != Some(b"first".as_slice())
    {
        return Err(untrusted(store, "it refused to create a new key"));
    }
    let second = store.create(&key, b"second".to_vec()).await?;
    let kept = store.read(&key, MAX_FACTS).await?;
    if second || kept.as_deref() != Some(b"first".as_slice()) {
        store.delete(&key).await?;
        return Err(untrusted(
            store,
            &format!(
                "it accepted a second create of `{key}` (`If-None-Match: *`), so two \
                 publishers could both believe they wrote the same publication record"
            ),
        ));
    }
    let conditional_update = if store.local_dir().is_some() {
        false
    } else {
        let stale = UpdateVersion {
            e_tag: Some("\"00000000000000000000000000000000\"".to_owned()),
            version: None,
        };
        match store.update(&key, b"third".to_vec(), stale).await? {
            Update::Stale => true,
            Update::Unsupported => false,
            Update::Done => {
                store.delete(&key).await?;
                return Err(untrusted(
                    store,
                    &format!(
                        "it accepted an update of `{key}` with a stale version (`If-Match`), \
                         so two publishers could both move `latest.json`"
                    ),
                ));
            }
        }
    };
    store.delete(&key).await?;
    Ok(StoreFacts {
        api_version: PUBLICATION_API_VERSION.to_owned(),
        conditional_create: true,
        conditional_update,
        checked_at: now(),
        checked_by: tool(),
    })
}

fn untrusted(store: &Store, why: &str) -> Error {
    Error::Refused {
        message: format!(
            "refusing to publish to `{}`: the store does not honour conditional writes: {why}",
            store.url("")
        ),
        help: Some(
            "use a store that does (AWS S3, Google Cloud Storage, Azure Blob Storage, MinIO, a \
             local directory), or, if only one publisher can ever run at a time, pass \
             `--single-writer`; each publication records it"
                .to_owned(),
        ),
    }
}
